"""Random draws that both sides can make alike.

Graph-mode and eager op seeds come from different counters, and Keras 3 draws
dropout masks from stateless ops, so seeds alone cannot line the two programs up.
Dropout is the random op migrations touch most, so verify replaces it on both
sides with one mask source: a numpy generator consumed in execution order, one
draw per dropout *execution* with a non-zero rate. Same executions in the same
order give the same masks; a different rate (``keep_prob`` passed as ``rate``)
gives different ones, as it should.
"""
from __future__ import annotations

from typing import Any

import numpy as np

SEED = 1234


class MaskSource:
    """Counts and serves dropout masks; ``draws`` goes into the trace meta."""

    def __init__(self) -> None:
        self.rng = np.random.default_rng(SEED)
        self.draws = 0

    def mask(self, shape: np.ndarray, rate: np.ndarray, dtype: Any) -> np.ndarray:
        rate_value = float(rate)
        shape_tuple = tuple(int(d) for d in shape)
        if rate_value <= 0.0:
            return np.ones(shape_tuple, dtype=dtype)
        self.draws += 1
        keep = self.rng.random(shape_tuple, dtype=np.float32) >= rate_value
        return (keep.astype(np.float64) / (1.0 - rate_value)).astype(dtype)


def make_dropout(tf: Any, source: MaskSource) -> Any:
    """An inverted-dropout function built from ``tf`` (v1 or v2 namespace)."""

    def dropout(x: Any, rate: Any, noise_shape: Any = None) -> Any:
        x = tf.convert_to_tensor(x)
        rate_t = tf.cast(rate, tf.float32)
        shape = tf.shape(x) if noise_shape is None else tf.convert_to_tensor(noise_shape)
        np_dtype = x.dtype.as_numpy_dtype

        def draw(s: np.ndarray, r: np.ndarray) -> np.ndarray:
            return source.mask(s, r, np_dtype)

        mask = tf.numpy_function(draw, [shape, rate_t], x.dtype)
        # numpy_function forgets shapes; layers after the dropout need them
        try:
            if noise_shape is None or tf.is_tensor(noise_shape):  # Keras passes tf.shape(x)
                mask.set_shape(x.shape)
            else:
                mask.set_shape(tf.TensorShape([d if isinstance(d, int) else None for d in noise_shape]))
        except (TypeError, ValueError):
            pass  # nothing static to say
        mask = tf.stop_gradient(mask)
        return x * mask

    return dropout
