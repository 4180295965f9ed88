"""``tf2port train``: the TF2 target idiom made runnable.

Modules: ``config`` (settings, LR scaling), ``data`` (arrays and tf.data pipelines),
``models`` (the four built-in styles and ``module:factory``), ``loops`` (``fit`` and a
GradientTape loop sharing callbacks), ``resume`` (per-epoch state), ``output`` (summary,
JSON, curves), ``main`` (wires them), ``cli`` (the click command). Importing this package
or ``cli``/``config`` never imports TensorFlow.
"""
from __future__ import annotations
