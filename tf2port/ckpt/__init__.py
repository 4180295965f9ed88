"""``tf2port ckpt``: carry TF1 name-based checkpoints over to converted TF2 models.

Importing this package never imports TensorFlow; ``tf2port.ckpt.cli`` imports
it inside the command only.
"""
from __future__ import annotations
