"""A converted model for ``tf2port train --model MODULE:FACTORY`` tests.

This is the TF2 form of a TF1 graph-mode classifier such as::

    x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    net = tf.layers.conv2d(x, 12, 3, padding="same", activation=tf.nn.relu)
    net = tf.layers.max_pooling2d(net, 2, 2)
    net = tf.layers.dense(tf.layers.flatten(net), 48, activation=tf.nn.relu)
    probabilities = tf.nn.softmax(tf.layers.dense(net, 10))

written the way a migration produces it: layers created once in ``__init__``, the graph
in ``call``, and the softmax kept inside ``call`` (so the model outputs probabilities,
not logits; the trainer must notice). It has no ``get_config``, like most hand ports.
"""
from __future__ import annotations

import tensorflow as tf


class ConvertedClassifier(tf.keras.Model):
    """Layers of the TF1 graph as Keras objects; ``call`` is the former fetch of probabilities."""

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.conv = tf.keras.layers.Conv2D(12, 3, padding="same", activation=tf.nn.relu)
        self.pool = tf.keras.layers.MaxPooling2D(2, 2)
        self.flatten = tf.keras.layers.Flatten()
        self.hidden = tf.keras.layers.Dense(48, activation=tf.nn.relu)
        self.out = tf.keras.layers.Dense(num_classes)

    def call(self, x: tf.Tensor) -> tf.Tensor:
        net = self.hidden(self.flatten(self.pool(self.conv(x))))
        return tf.nn.softmax(self.out(net))


def build_model(input_shape: tuple[int, ...], num_classes: int) -> tf.keras.Model:
    """The factory: ``--model tests/train_fixture_converted.py:build_model``."""
    model = ConvertedClassifier(num_classes)
    model(tf.zeros((1, *input_shape)))  # create the weights, as the TF1 graph did up front
    return model


def not_a_model() -> str:
    """A factory returning the wrong thing, for the error-message test."""
    return "not a model"
