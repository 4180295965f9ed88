"""The four built-in model styles, and user models from ``MODULE:FACTORY``.

Every built-in model outputs logits. A factory model may output probabilities instead;
``outputs_probabilities`` tells the loss which one it gets.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from tf2port.train.config import TrainError

import keras  # Keras 3, the same object as tf.keras unless TF_USE_LEGACY_KERAS is set


class ModelError(TrainError):
    """A model cannot be built for this data, or a factory is unusable."""


def mlp(input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    """Sequential multilayer perceptron."""
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(num_classes),
        ],
        name="mlp",
    )


def _image_shape(input_shape: tuple[int, ...], model: str) -> tuple[int, int, int]:
    if len(input_shape) == 3:
        return input_shape
    if len(input_shape) == 2:
        return (*input_shape, 1)
    raise ModelError(
        f"--model {model} needs image examples shaped (height, width) or (height, width, "
        f"channels); this dataset's examples have shape {input_shape}. Use --model mlp."
    )


def cnn(input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    """Small Sequential convolutional network."""
    shape = _image_shape(input_shape, "cnn")
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Reshape(shape),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(num_classes),
        ],
        name="cnn",
    )


def inception(input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    """Functional model: one stem feeds four parallel branches that are concatenated."""
    shape = _image_shape(input_shape, "inception")
    inputs = keras.Input(shape=input_shape)
    stem = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="stem")(
        keras.layers.Reshape(shape)(inputs)
    )
    b1 = keras.layers.Conv2D(8, 1, activation="relu", name="branch_1x1")(stem)
    b3 = keras.layers.Conv2D(8, 1, activation="relu", name="branch_3x3_reduce")(stem)
    b3 = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="branch_3x3")(b3)
    b5 = keras.layers.Conv2D(4, 1, activation="relu", name="branch_5x5_reduce")(stem)
    b5 = keras.layers.Conv2D(8, 5, padding="same", activation="relu", name="branch_5x5")(b5)
    bp = keras.layers.MaxPooling2D(3, strides=1, padding="same", name="branch_pool")(stem)
    bp = keras.layers.Conv2D(8, 1, activation="relu", name="branch_pool_proj")(bp)
    mixed = keras.layers.Concatenate(name="mixed")([b1, b3, b5, bp])
    # On 8x8 digits, global average pooling throws away where strokes are; keep a 4x4 map.
    pooled = keras.layers.Flatten()(keras.layers.MaxPooling2D(2)(mixed))
    outputs = keras.layers.Dense(num_classes, name="logits")(pooled)
    return keras.Model(inputs, outputs, name="inception")


@keras.saving.register_keras_serializable(package="tf2port")
class ScaledDense(keras.layers.Layer):
    """Dense layer with a learned per-unit output scale; creates and owns its weights.

    ``y = activation((x @ kernel + bias) * scale)``; the scale starts at 1.
    """

    def __init__(self, units: int, activation: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        fan_in = int(input_shape[-1])  # type: ignore[arg-type]
        self.kernel = self.add_weight(
            name="kernel", shape=(fan_in, self.units), initializer="glorot_uniform"
        )
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.scale = self.add_weight(name="scale", shape=(self.units,), initializer="ones")

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        return self.activation((tf.matmul(inputs, self.kernel) + self.bias) * self.scale)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
        }


@keras.saving.register_keras_serializable(package="tf2port")
class ScaledMLP(keras.Model):
    """Subclassed model built from the custom ``ScaledDense`` layer."""

    def __init__(self, num_classes: int, hidden: int = 128, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.hidden_units = hidden
        self.flatten = keras.layers.Flatten()
        self.hidden = ScaledDense(hidden, activation="relu", name="hidden")
        self.logits = ScaledDense(num_classes, name="logits")

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        return self.logits(self.hidden(self.flatten(inputs)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_classes": self.num_classes, "hidden": self.hidden_units}


def subclass(input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    model = ScaledMLP(num_classes, name="scaled_mlp")
    model(tf.zeros((1, *input_shape)))  # create the weights now, in a fixed order
    return model


BUILTIN: dict[str, Callable[[tuple[int, ...], int], keras.Model]] = {
    "mlp": mlp,
    "cnn": cnn,
    "inception": inception,
    "subclass": subclass,
}


def load_factory(spec: str) -> Callable[..., Any]:
    """``package.module:function`` (or ``path/to/file.py:function``) -> the function."""
    module_name, _, attr = spec.rpartition(":")
    if not module_name or not attr:
        raise ModelError(f"--model {spec!r}: expected MODULE:FACTORY")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name).resolve()
            spec_obj = importlib.util.spec_from_file_location(path.stem, path)
            if spec_obj is None or spec_obj.loader is None or not path.is_file():
                raise ModelError(f"--model {spec!r}: no such file {module_name}")
            module = importlib.util.module_from_spec(spec_obj)
            spec_obj.loader.exec_module(module)
        else:
            if "" not in sys.path and str(Path.cwd()) not in sys.path:
                sys.path.insert(0, str(Path.cwd()))  # like `python -m`: the cwd is importable
            module = importlib.import_module(module_name)
    except ModelError:
        raise
    except Exception as exc:  # the user's module failed to import
        raise ModelError(f"--model {spec!r}: cannot import {module_name}: {exc!r}") from exc
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ModelError(f"--model {spec!r}: {module_name} has no callable {attr!r}")
    return factory


def call_factory(factory: Callable[..., Any], input_shape: tuple[int, ...], num_classes: int, spec: str) -> keras.Model:
    """Call a factory with whichever of ``input_shape`` / ``num_classes`` it accepts."""
    params = inspect.signature(factory).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    kwargs = {
        name: value
        for name, value in (("input_shape", input_shape), ("num_classes", num_classes))
        if takes_any or name in params
    }
    model = factory(**kwargs)
    if not isinstance(model, keras.Model):
        raise ModelError(f"--model {spec!r} returned {type(model).__name__}, not a tf.keras.Model")
    if not model.built:
        model(tf.zeros((1, *input_shape)))
    return model


def build(spec: str, input_shape: tuple[int, ...], num_classes: int) -> keras.Model:
    """A built model for ``--model`` (weights come from the current Keras seed)."""
    if spec in BUILTIN:
        return BUILTIN[spec](input_shape, num_classes)
    return call_factory(load_factory(spec), input_shape, num_classes, spec)


def outputs_probabilities(model: keras.Model, sample: np.ndarray, num_classes: int, spec: str) -> bool:
    """True when the model outputs class probabilities rather than logits.

    Decided on real outputs, not layer names: a converted model often applies
    ``tf.nn.softmax`` inside ``call``. Every row of a probability output lies in [0, 1] and
    sums to 1; logits practically never do. Also checks the output shape.
    """
    out = np.asarray(model(sample, training=False))
    if out.ndim != 2 or out.shape[1] != num_classes:
        raise ModelError(
            f"--model {spec}: output shape {tuple(out.shape)}; expected (batch, {num_classes}) "
            "class scores for this dataset"
        )
    in_range = bool(np.all(out >= 0.0) and np.all(out <= 1.0))
    return in_range and bool(np.allclose(out.sum(axis=1), 1.0, atol=1e-4))
