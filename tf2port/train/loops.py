"""Two training loops that give the same numbers: Keras ``fit`` and a GradientTape loop.

Both take the same model (compiled with the same optimizer), the same per-epoch datasets
and the same Keras callback objects, and log the same keys (``loss``, ``accuracy``,
``val_loss``, ``val_accuracy``). The tape loop reproduces ``fit``'s arithmetic: the
reported loss is the batch-mean loss (plus regularisation) averaged with batch-size
weights, and under a multi-replica strategy each replica's loss is divided by the
*global* number of examples in the step, so uneven last batches are weighted correctly.
"""
from __future__ import annotations

from dataclasses import dataclass

import tensorflow as tf

import keras  # Keras 3, the same object as tf.keras unless TF_USE_LEGACY_KERAS is set


@dataclass(frozen=True)
class LoopPlan:
    """What to iterate: epochs ``first_epoch..epochs-1`` of ``steps`` batches each."""

    first_epoch: int
    epochs: int
    steps: int


def compile_model(model: keras.Model, learning_rate: float, from_logits: bool) -> None:
    """Adam + sparse cross-entropy + accuracy; the one optimizer both loops use."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits),
        metrics=["accuracy"],
        jit_compile=False,  # XLA would change rounding between the two loops and devices
    )


def run_fit(
    model: keras.Model,
    train: tf.data.Dataset,
    val: tf.data.Dataset,
    plan: LoopPlan,
    callbacks: list[keras.callbacks.Callback],
) -> dict[str, list[float]]:
    """``model.fit``; returns the per-epoch logs of the epochs run now."""
    history = model.fit(
        train,
        validation_data=val,
        epochs=plan.epochs,
        initial_epoch=plan.first_epoch,
        steps_per_epoch=plan.steps,
        callbacks=callbacks,
        shuffle=False,  # the dataset is already shuffled per epoch
        verbose=0,
    )
    return {k: [float(v) for v in vs] for k, vs in history.history.items()}


class TapeLoop:
    """A custom loop: ``@tf.function`` steps under ``strategy.run``, Keras metrics."""

    def __init__(self, model: keras.Model, strategy: tf.distribute.Strategy, from_logits: bool) -> None:
        self.model = model
        self.strategy = strategy
        self.optimizer = model.optimizer
        self.per_example_loss = keras.losses.SparseCategoricalCrossentropy(
            from_logits=from_logits, reduction=None
        )
        # Plain (non-mirrored) variables: updated once per step in cross-replica context.
        self.loss = keras.metrics.Mean(name="loss")
        self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        self.val_loss = keras.metrics.Mean(name="val_loss")
        self.val_accuracy = keras.metrics.SparseCategoricalAccuracy(name="val_accuracy")
        self.train_step = tf.function(self._train_step)
        self.eval_step = tf.function(self._eval_step)

    def _replica_loss(self, x: tf.Tensor, y: tf.Tensor, training: bool) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """(this replica's share of the global batch loss, predictions, global count)."""
        ctx = tf.distribute.get_replica_context()
        n_global = ctx.all_reduce(tf.distribute.ReduceOp.SUM, tf.shape(y)[0])
        pred = self.model(x, training=training)
        per_example = self.per_example_loss(y, pred)
        loss = tf.reduce_sum(per_example) / tf.cast(n_global, per_example.dtype)
        if self.model.losses:  # regularisation: counted once per step across replicas
            loss += tf.add_n(self.model.losses) / ctx.num_replicas_in_sync
        return loss, pred, n_global

    def _train_replica(self, x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            loss, pred, n_global = self._replica_loss(x, y, training=True)
        variables = self.model.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))  # sums grads across replicas
        return loss, pred, n_global

    def _update(self, loss_metric: keras.metrics.Metric, acc_metric: keras.metrics.Metric,
                y: tf.Tensor, per_replica: tuple[tf.Tensor, tf.Tensor, tf.Tensor]) -> None:
        loss, pred, n_global = per_replica
        strategy = self.strategy
        batch_loss = strategy.reduce(tf.distribute.ReduceOp.SUM, loss, axis=None)
        n = strategy.experimental_local_results(n_global)[0]
        loss_metric.update_state(batch_loss, sample_weight=n)
        acc_metric.update_state(strategy.gather(y, axis=0), strategy.gather(pred, axis=0))

    def _train_step(self, batch: tuple[tf.Tensor, tf.Tensor]) -> None:
        x, y = batch
        self._update(self.loss, self.accuracy, y, self.strategy.run(self._train_replica, args=(x, y)))

    def _eval_step(self, batch: tuple[tf.Tensor, tf.Tensor]) -> None:
        x, y = batch
        out = self.strategy.run(lambda a, b: self._replica_loss(a, b, training=False), args=(x, y))
        self._update(self.val_loss, self.val_accuracy, y, out)

    def run(
        self,
        train: tf.data.Dataset,
        val: tf.data.Dataset,
        plan: LoopPlan,
        callbacks: list[keras.callbacks.Callback],
    ) -> dict[str, list[float]]:
        """Train like ``fit``: same callback hooks, same stop rule, same logged keys."""
        strategy = self.strategy
        train_iter = iter(strategy.experimental_distribute_dataset(train))
        val_dist = strategy.experimental_distribute_dataset(val)
        hooks = keras.callbacks.CallbackList(
            callbacks, model=self.model, epochs=plan.epochs, steps=plan.steps, verbose=0
        )
        history: dict[str, list[float]] = {}
        self.model.stop_training = False
        hooks.on_train_begin()
        logs: dict[str, float] = {}
        for epoch in range(plan.first_epoch, plan.epochs):
            hooks.on_epoch_begin(epoch)
            for metric in (self.loss, self.accuracy, self.val_loss, self.val_accuracy):
                metric.reset_state()
            for step in range(plan.steps):
                hooks.on_train_batch_begin(step)
                self.train_step(next(train_iter))
                hooks.on_train_batch_end(step, {"loss": float(self.loss.result())})
            for batch in val_dist:
                self.eval_step(batch)
            logs = {m.name: float(m.result()) for m in (self.loss, self.accuracy, self.val_loss, self.val_accuracy)}
            hooks.on_epoch_end(epoch, logs)
            for key, value in logs.items():
                history.setdefault(key, []).append(value)
            if self.model.stop_training:
                break
        hooks.on_train_end(logs)
        return history
