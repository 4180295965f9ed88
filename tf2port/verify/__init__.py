"""``tf2port verify``: prove a converted program computes what the original did.

Importing this package never imports TensorFlow; each side runs in a child.
"""
from __future__ import annotations

from tf2port.verify.api import verify_pair
from tf2port.verify.verdict import Compared, Divergence, Verdict

__all__ = ["Compared", "Divergence", "Verdict", "verify_pair"]
