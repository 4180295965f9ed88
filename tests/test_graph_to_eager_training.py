"""Graph to eager, training constructs: before/after pairs for each, with a no-op twin.

Covers `sess.run(init)` of a named initializer, fetch expressions over host values,
fetched decayed learning rates, compute_gradients/apply_gradients, RMSProp's TF1
accumulator start (Keras layers it trains built first when their input shape is known),
and the precise decline of optimizers Keras has no match for.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tf2port.fix.graph_to_eager import rewrite
from tf2port.fix.pipeline import fix_text

ALL = lambda code, line: True  # noqa: E731


def dd(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def fix(source: str) -> str:
    return fix_text(dd(source), "t.py", ALL).text


def check_pair(before: str, after: str) -> None:
    """The rewrite, and its no-op twin: converted code is left alone."""
    assert fix(before) == dd(after)
    assert fix(after) == dd(after)


def test_named_initializer_run_disappears_with_its_session():
    check_pair("""
        import tensorflow as tf
        w = tf.Variable(2.0)
        y = w * 3.0
        init = tf.global_variables_initializer()
        sess = tf.Session()
        sess.run(init)
        print(sess.run(y))
        """, """
        import tensorflow as tf
        w = tf.Variable(2.0)


        @tf.function
        def compute_y():
            y = w * 3.0
            return y


        print(compute_y().numpy())
        """)


def test_fetched_expression_over_host_values_runs_eagerly_in_place():
    check_pair("""
        import numpy as np
        import tensorflow as tf
        w = tf.Variable([[1.0, 2.0]])
        p = tf.nn.softmax(w)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            a = sess.run(p)
            print(sess.run(tf.argmax(a, 1)))
        """, """
        import numpy as np
        import tensorflow as tf
        w = tf.Variable([[1.0, 2.0]])


        @tf.function
        def compute_p():
            p = tf.nn.softmax(w)
            return p


        a = compute_p().numpy()
        print(tf.argmax(a, 1).numpy())
        """)


def test_fetched_expression_over_graph_values_is_an_op_of_its_own():
    """`sess.run(tf.argmax(w, 1))` reads a variable: the expression is computed in a step function."""
    check_pair("""
        import tensorflow as tf
        w = tf.Variable([[1.0, 2.0]])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(sess.run(tf.argmax(w, 1)))
        """, """
        import tensorflow as tf
        w = tf.Variable([[1.0, 2.0]])


        @tf.function
        def compute_w_value():
            w_value = tf.argmax(w, 1)
            return w_value


        print(compute_w_value().numpy())
        """)


def test_fetched_decayed_learning_rate_is_the_schedule_at_the_global_step():
    check_pair("""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None])
        w = tf.Variable(1.0)
        step = tf.Variable(0, trainable=False)
        lr = tf.train.exponential_decay(0.1, step, 10, 0.5)
        loss = tf.reduce_mean(tf.square(w * x))
        train = tf.train.GradientDescentOptimizer(lr).minimize(loss, global_step=step)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train, feed_dict={x: [1.0]})
            print(sess.run(lr))
        """, """
        import tensorflow as tf
        w = tf.Variable(1.0)
        step = tf.Variable(0, trainable=False)
        lr = tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
        optimizer = tf.keras.optimizers.SGD(learning_rate=lr)


        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def train_step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(w * x))
            variables = [w]
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))
            step.assign_add(1)


        train_step([1.0])
        print(lr(step).numpy())
        """)


def test_compute_and_apply_gradients_become_one_tape_step_keeping_the_users_edits():
    check_pair("""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None])
        w = tf.Variable(1.0)
        loss = tf.reduce_mean(tf.square(w * x))
        opt = tf.train.GradientDescentOptimizer(0.1)
        pairs = opt.compute_gradients(loss)
        capped = [(tf.clip_by_norm(g, 1.0), v) for g, v in pairs]
        train_op = opt.apply_gradients(capped)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            _, value = sess.run([train_op, loss], feed_dict={x: [1.0, 2.0]})
        """, """
        import tensorflow as tf
        w = tf.Variable(1.0)
        opt = tf.keras.optimizers.SGD(learning_rate=0.1)


        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def train_step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(w * x))
            variables = [w]
            pairs = list(zip(tape.gradient(loss, variables), variables))
            capped = [(tf.clip_by_norm(g, 1.0), v) for g, v in pairs]
            opt.apply_gradients(capped)
            return loss


        value = train_step([1.0, 2.0]).numpy()
        """)


def test_gradients_applied_by_another_optimizer_decline_at_their_line():
    source = dd("""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None])
        w = tf.Variable(1.0)
        loss = tf.reduce_mean(tf.square(w * x))
        one = tf.train.GradientDescentOptimizer(0.1)
        two = tf.train.GradientDescentOptimizer(0.2)
        pairs = one.compute_gradients(loss)
        train_op = two.apply_gradients(pairs)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train_op, feed_dict={x: [1.0]})
        """)
    result = rewrite(source)
    assert result.text is None
    assert [(d.construct, d.line) for d in result.declined] == [("apply_gradients", 8)]


def test_rmsprop_carries_tf1_epsilon_rho_and_starts_its_accumulators_at_one():
    check_pair("""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None])
        w = tf.Variable(1.0)
        loss = tf.reduce_mean(tf.square(w * x))
        train_op = tf.train.RMSPropOptimizer(0.01, decay=0.8, momentum=0.1).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train_op, feed_dict={x: [1.0]})
        """, """
        import tensorflow as tf
        w = tf.Variable(1.0)
        optimizer = tf.keras.optimizers.RMSprop(learning_rate=0.01, rho=0.8, momentum=0.1, epsilon=1e-10)
        optimizer.build([w])
        for slot in optimizer.variables:
            if slot.name.endswith("_velocity"):  # TF1's RMSProp starts its mean square at 1.0, Keras' at 0
                slot.assign(tf.ones(slot.shape))


        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def train_step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(w * x))
            variables = [w]
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))


        train_step([1.0])
        """)


def test_rmsprop_over_layers_builds_them_from_the_placeholders_shape_before_setting_its_slots():
    check_pair("""
        import tensorflow as tf
        n_features = 3
        x = tf.placeholder(tf.float32, [None, n_features])
        y = tf.placeholder(tf.float32, [None, 1])
        hidden = tf.layers.dense(x, 16, activation=tf.nn.relu)
        dropped = tf.layers.dropout(hidden, rate=0.0)
        out = tf.layers.dense(dropped, 1)
        loss = tf.reduce_mean(tf.square(out - y))
        train_op = tf.train.RMSPropOptimizer(0.01).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train_op, feed_dict={x: [[1.0, 2.0, 3.0]], y: [[1.0]]})
        """, """
        import tensorflow as tf
        n_features = 3
        hidden_layer = tf.keras.layers.Dense(16, activation=tf.nn.relu)
        dropped_layer = tf.keras.layers.Dropout(rate=0.0)
        out_layer = tf.keras.layers.Dense(1)
        optimizer = tf.keras.optimizers.RMSprop(learning_rate=0.01, epsilon=1e-10)
        # Keras creates a layer's weights at its first call: built now so RMSProp's slots exist
        hidden_layer.build((None, n_features))
        out_layer.build((None, 16))
        optimizer.build(hidden_layer.trainable_variables + out_layer.trainable_variables)
        for slot in optimizer.variables:
            if slot.name.endswith("_velocity"):  # TF1's RMSProp starts its mean square at 1.0, Keras' at 0
                slot.assign(tf.ones(slot.shape))


        @tf.function(input_signature=[
            tf.TensorSpec([None, n_features], tf.float32),
            tf.TensorSpec([None, 1], tf.float32),
        ])
        def train_step(x, y):
            with tf.GradientTape() as tape:
                hidden = hidden_layer(x)
                dropped = dropped_layer(hidden)
                out = out_layer(dropped)
                loss = tf.reduce_mean(tf.square(out - y))
            variables = hidden_layer.trainable_variables + out_layer.trainable_variables
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))


        train_step([[1.0, 2.0, 3.0]], [[1.0]])
        """)


@pytest.mark.parametrize(("placeholder", "layer_input"), [
    ("tf.placeholder(tf.float32, [None, None])", "x"),  # a feature dimension left open
    ("tf.placeholder(tf.float32)", "x"),  # no shape at all
    ("tf.placeholder(tf.float32, [None, 6])", "tf.reshape(x, [-1, 3])"),  # computed by an op
])
def test_rmsprop_over_a_layer_whose_input_shape_is_unknown_still_declines(placeholder, layer_input):
    source = dd(f"""
        import tensorflow as tf
        x = {placeholder}
        y = tf.placeholder(tf.float32, [None, 1])
        hidden = tf.layers.dense({layer_input}, 1)
        loss = tf.reduce_mean(tf.square(hidden - y))
        train_op = tf.train.RMSPropOptimizer(0.01).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train_op, feed_dict={{x: [[1.0, 2.0, 3.0]], y: [[1.0]]}})
        """)
    result = rewrite(source)
    assert result.text is None
    assert [(d.construct, d.line) for d in result.declined] == [("tf.train.RMSPropOptimizer", 6)]
    assert "the input shape of `hidden_layer` is not known" in result.declined[0].reason
    assert "tf.compat.v1.train.RMSPropOptimizer" in fix(source)  # the fallback still runs


def test_rmsprop_over_a_layer_already_run_before_the_optimizer_declines():
    source = dd("""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 3])
        y = tf.placeholder(tf.float32, [None, 1])
        out = tf.layers.dense(x, 1)
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
        print(sess.run(out, feed_dict={x: [[1.0, 2.0, 3.0]]}))
        loss = tf.reduce_mean(tf.square(out - y))
        train_op = tf.train.RMSPropOptimizer(0.01).minimize(loss)
        sess.run(tf.variables_initializer(tf.global_variables()))
        sess.run(train_op, feed_dict={x: [[1.0, 2.0, 3.0]], y: [[1.0]]})
        """)
    rmsprop = [d for d in rewrite(source).declined if d.construct == "tf.train.RMSPropOptimizer"]
    assert [d.line for d in rmsprop] == [9]
    assert "`out_layer` may be called before the optimizer is created" in rmsprop[0].reason


@pytest.mark.parametrize(("optimizer", "reason"), [
    ("tf.train.FtrlOptimizer(0.1)", "Ftrl"),
    ("tf.train.ProximalAdagradOptimizer(0.1)", "proximal Adagrad"),
    ("tf.train.AdagradDAOptimizer(0.1, step)", "dual-averaging"),
])
def test_optimizers_without_an_exact_keras_match_decline_saying_why(optimizer, reason):
    source = dd(f"""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None])
        w = tf.Variable(1.0)
        step = tf.Variable(0, trainable=False, dtype=tf.int64)
        loss = tf.reduce_mean(tf.square(w * x))
        train_op = {optimizer}.minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train_op, feed_dict={{x: [1.0]}})
        """)
    result = rewrite(source)
    assert result.text is None
    assert len(result.declined) == 1 and result.declined[0].line == 6
    assert reason in result.declined[0].reason


@pytest.mark.tf
@pytest.mark.slow
def test_rmsprop_port_without_the_accumulator_start_is_caught_by_verify(tmp_path: Path):
    from tf2port.verify import verify_pair

    folder = Path(__file__).resolve().parent.parent / "fixtures" / "programs" / "rmsprop_regression"
    expected = (folder / "expected.py").read_text()
    forgetful = "\n".join(line for line in expected.splitlines()
                          if "slot" not in line and ".build(" not in line) + "\n"
    assert forgetful.count("RMSprop(") == 2 and "ones(" not in forgetful
    (tmp_path / "original.py").write_text((folder / "original.py").read_text())
    (tmp_path / "converted.py").write_text(forgetful)
    verdict = verify_pair(tmp_path / "original.py", tmp_path / "converted.py", timeout=300)
    assert verdict.status == "mismatch", verdict.to_json()


def test_a_second_initializer_run_assigns_the_initial_values_again():
    check_pair("""
        import tensorflow as tf
        w = tf.Variable(tf.zeros([2]))
        y = tf.reduce_sum(w + 1.0)
        train = tf.train.GradientDescentOptimizer(0.1).minimize(y)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(sess.run(y))
        """, """
        import tensorflow as tf
        w = tf.Variable(tf.zeros([2]))
        optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)


        @tf.function
        def train_step():
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(w + 1.0)
            variables = [w]
            gradients = tape.gradient(y, variables)
            optimizer.apply_gradients(zip(gradients, variables))


        @tf.function
        def compute_y():
            y = tf.reduce_sum(w + 1.0)
            return y


        train_step()
        # TF1 initialises the variables again here: they restart from their initial values
        w.assign(tf.zeros([2]))
        print(compute_y().numpy())
        """)


def test_reinitialising_optimizer_slots_declines_at_the_second_initializer():
    source = dd("""
        import tensorflow as tf
        w = tf.Variable(tf.zeros([2]))
        y = tf.reduce_sum(w + 1.0)
        train = tf.train.MomentumOptimizer(0.1, 0.9).minimize(y)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(sess.run(y))
        """)
    result = rewrite(source)
    assert result.text is None
    assert [(d.construct, d.line) for d in result.declined] == [("tf.global_variables_initializer", 9)]


def test_tf_layers_class_objects_become_keras_layers_and_their_weights_are_read_eagerly():
    check_pair("""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 2])
        dense = tf.layers.Dense(3, kernel_initializer=tf.zeros_initializer())
        pool = tf.layers.Flatten()
        loss = tf.reduce_sum(pool(dense(x)))
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train_op, feed_dict={x: [[1.0, 2.0]]})
            print(sess.run(dense.kernel))
        """, """
        import tensorflow as tf
        dense = tf.keras.layers.Dense(3, kernel_initializer=tf.keras.initializers.Zeros())
        pool = tf.keras.layers.Flatten()
        optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)


        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
        def train_step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(pool(dense(x)))
            variables = dense.trainable_variables
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))


        train_step([[1.0, 2.0]])
        print(dense.kernel.numpy())
        """)


def test_contrib_and_slim_fully_connected_become_dense_with_contribs_relu_default():
    check_pair("""
        import tensorflow as tf
        from tensorflow.contrib import slim
        x = tf.placeholder(tf.float32, [None, 2])
        h = slim.fully_connected(x, 4, biases_initializer=None)
        y = tf.contrib.layers.fully_connected(h, 1, activation_fn=None, scope="out")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(sess.run(y, feed_dict={x: [[1.0, 2.0]]}))
        """, """
        import tensorflow as tf
        h_layer = tf.keras.layers.Dense(4, activation=tf.nn.relu, use_bias=False)
        y_layer = tf.keras.layers.Dense(1, name="out")


        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
        def compute_y(x):
            h = h_layer(x)
            y = y_layer(h)
            return y


        print(compute_y([[1.0, 2.0]]).numpy())
        """)


def test_fully_connected_with_a_normalizer_declines_naming_the_keyword():
    source = dd("""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 2])
        y = tf.contrib.layers.fully_connected(x, 1, normalizer_fn=tf.contrib.layers.batch_norm)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(sess.run(y, feed_dict={x: [[1.0, 2.0]]}))
        """)
    result = rewrite(source)
    assert result.text is None
    declined = result.declined[0]
    assert (declined.line, declined.construct) == (3, "tf.contrib.layers.fully_connected")
    assert "normalizer_fn" in declined.reason


def test_a_helper_taking_the_session_loses_that_parameter_at_its_def_and_calls():
    check_pair("""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None])
        w = tf.Variable(2.0)
        y = tf.reduce_sum(w * x)


        def evaluate(session, values):
            return session.run(y, feed_dict={x: values})


        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(evaluate(sess, [1.0, 2.0]))
        """, """
        import tensorflow as tf
        w = tf.Variable(2.0)


        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def compute_y(x):
            y = tf.reduce_sum(w * x)
            return y


        def evaluate(values):
            return compute_y(values).numpy()


        print(evaluate([1.0, 2.0]))
        """)


def test_a_helper_that_passes_the_session_on_still_declines():
    source = dd("""
        import tensorflow as tf
        w = tf.Variable(2.0)
        y = w * 3.0


        def evaluate(session):
            log(session)
            return session.run(y)


        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(evaluate(sess))
        """)
    result = rewrite(source)
    assert result.text is None
    assert [(d.construct, d.line) for d in result.declined] == [("run", 8)]


def test_a_dict_of_fetches_becomes_a_step_function_returning_that_dict():
    check_pair("""
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None])
        w = tf.Variable(2.0)
        y = tf.reduce_sum(w * x)
        z = tf.reduce_max(w * x)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            stats = sess.run({"total": y, "peak": z}, feed_dict={x: [1.0, 2.0]})
        """, """
        import tensorflow as tf
        w = tf.Variable(2.0)


        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def compute_y_and_z(x):
            y = tf.reduce_sum(w * x)
            z = tf.reduce_max(w * x)
            return {"total": y, "peak": z}


        stats = {key: value.numpy() for key, value in compute_y_and_z([1.0, 2.0]).items()}
        """)


def test_a_dict_of_fetches_with_a_train_op_still_declines():
    source = dd("""
        import tensorflow as tf
        w = tf.Variable(2.0)
        y = w * 3.0
        train = tf.train.GradientDescentOptimizer(0.1).minimize(y)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(sess.run({"step": train, "y": y}))
        """)
    result = rewrite(source)
    assert result.text is None
    assert [(d.construct, d.line) for d in result.declined] == [("Session.run", 7)]
