"""tf2port: migrate TensorFlow 1.x code to idiomatic TensorFlow 2 and prove it right.

Importing this package never imports TensorFlow; only ``verify`` and ``train`` do.
"""
from __future__ import annotations

__version__ = "0.1.0"
