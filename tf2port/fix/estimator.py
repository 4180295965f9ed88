"""Estimator to Keras: rewrite a ``tf.estimator`` program into a Keras model and step functions (libcst).

``tf.estimator`` is gone since TF 2.16. The model_fn's network (its statements up to the
last ``tf.layers`` call) becomes a ``tf.keras.Model`` subclass whose ``call(features,
training)`` computes it; each mode's path through the model_fn becomes a step function
under ``@tf.function``: ``train_step`` (a GradientTape step with the TF1 optimizer's Keras
counterpart, its TF1 defaults explicit, and the global step), ``evaluate_step`` (Keras
metrics for ``tf.metrics``, the loss averaged over batches as Estimator did) and
``predict_step``. The estimator's methods become plain functions with Estimator's
semantics (``train`` restarts the input and stops after ``steps`` or at ``last_step``,
then writes a checkpoint with ``tf.train.CheckpointManager`` in ``model_dir``).

The optimizer, layer, initializer and loss mappings are graph_to_eager's, reused through
:class:`_Mappings`, so the two rewrites carry the same TF1 defaults.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from tf2port.analysis.estimator import Branch, EstimatorProgram, Site, analyse_estimator, qualified_name
from tf2port.analysis.graph import calls_in, dotted, keyword, names_used
from tf2port.fix.graph_to_eager import (LAYER_PREFIX_TF, MAX_LINE, Declined, _aliases, _arg, _code,
                                        _OpRewriter, _transformed)
from tf2port.fix.graph_to_eager import _Emitter as _GraphEmitter

# tf.metrics function -> (Keras metric class, the TF1 arguments passed to update_state, in order)
METRIC_MAP: dict[str, tuple[str, tuple[str, ...]]] = {
    "tf.metrics.accuracy": ("Accuracy", ("labels", "predictions")),
    "tf.metrics.mean": ("Mean", ("values",)),
}
# Keras Model attributes a layer attribute must not shadow
MODEL_ATTRIBUTES = frozenset({"layers", "name", "weights", "variables", "losses", "inputs", "outputs", "trainable",
                              "output", "input", "metrics", "optimizer", "loss", "built", "dtype", "call"})
LEFT_BEHIND = ("tf.estimator.", "tf.metrics.", "tf.losses.", "tf.train.", "tf.layers.", "tf.get_", "tf.summary.")


@dataclass
class EstimatorRewrite:
    """Outcome: the new text (None when not applicable or declined) and the blockers."""

    text: str | None
    declined: list[Declined] = field(default_factory=list)


class _Mappings:
    """What graph_to_eager's optimizer / layer / initializer / loss mappings read from their emitter."""

    initializer = _GraphEmitter.initializer
    keras_optimizer = _GraphEmitter.keras_optimizer
    keras_layer = _GraphEmitter.keras_layer

    def __init__(self, program: EstimatorProgram) -> None:
        self.program = program
        self.tf = program.tf
        self.defs: dict[str, object] = {}  # no placeholders here: a learning rate is never fed
        self.blockers: list[Declined] = []

    def qualified(self, node: cst.BaseExpression) -> str | None:
        return self.program.qualified(node)

    def block(self, node: cst.CSTNode, construct: str, reason: str) -> None:
        pos = self.program.positions.get(node)
        line, col = (pos.start.line, pos.start.column + 1) if pos else (1, 1)
        self.blockers.append(Declined(line, col, construct, reason))


@dataclass(frozen=True)
class _LayerCall:
    """A ``tf.layers`` call of the network, as a Keras layer built once and called in ``call``."""

    statement: cst.SimpleStatementLine
    attribute: str
    constructor: str
    arguments: str


@dataclass(frozen=True)
class _Metric:
    key: str
    key_code: str  # the key as the user wrote it (quotes kept)
    keras: str
    variable: str
    arguments: tuple[cst.BaseExpression, ...]


class _Rename(cst.CSTTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return _parse_expr(self.names[original.value]) if original.value in self.names else updated

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return False  # `x.params` is an attribute, not the name: only the value side is renamed

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        return updated.with_changes(value=original.value.visit(self))


def _parse_expr(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def _assigned(stmt: cst.SimpleStatementLine) -> tuple[str, cst.BaseExpression]:
    assign = stmt.body[0]
    assert isinstance(assign, cst.Assign) and isinstance(assign.targets[0].target, cst.Name)
    return assign.targets[0].target.value, assign.value


def _fit(line: str) -> str:
    """A statement line longer than MAX_LINE whose value is a call: arguments packed under its parenthesis."""
    if len(line) <= MAX_LINE or "\n" in line:
        return line
    indent = line[:len(line) - len(line.lstrip())]
    try:
        statement = cst.parse_statement(line.strip() + "\n")
    except cst.ParserSyntaxError:
        return line
    if not isinstance(statement, cst.SimpleStatementLine):
        return line
    call = getattr(statement.body[0], "value", None)
    if not isinstance(call, cst.Call) or not call.args:
        return line
    head = indent + line.strip()[:len(line.strip()) - len(_code(call))] + _code(call.func) + "("
    args = [_arg(a) for a in call.args]
    lines, current = [], head + args[0]
    for arg in args[1:]:
        if len(current) + len(arg) + 3 > MAX_LINE:
            lines.append(current + ",")
            current = " " * len(head) + arg
        else:
            current += ", " + arg
    lines.append(current + ")")
    return "\n".join(lines)


def _camel(name: str) -> str:
    base = re.sub(r"_?fn$", "", name) or "model"
    camel = "".join(part[:1].upper() + part[1:] for part in base.split("_") if part)
    return camel if camel.endswith("Model") else camel + "Model" if camel != "Model" else camel


class _EstimatorEmitter:
    def __init__(self, program: EstimatorProgram) -> None:
        self.p = program
        self.tf = program.tf
        self.maps = _Mappings(program)
        removed = {program.estimator_name, *program.specs}
        kept = [s for s in program.module.body if s is not program.model_fn]  # model_fn's locals go with it
        self.used = set().union(*(names_used(s) for s in kept)) - removed
        self.roles = program.parameters
        self.names: dict[str, str] = {}
        self.hook: tuple[str, str, cst.SimpleStatementLine | None] | None = None

    @property
    def blockers(self) -> list[Declined]:
        return self.maps.blockers

    def block(self, node: cst.CSTNode, construct: str, reason: str) -> None:
        self.maps.block(node, construct, reason)

    def fresh(self, base: str) -> str:
        name, n = base, 2
        while name in self.used:
            name, n = f"{base}_{n}", n + 1
        self.used.add(name)
        return name

    # ---- the network -----------------------------------------------------------------------------
    def layers(self) -> dict[int, _LayerCall]:
        out: dict[int, _LayerCall] = {}
        taken: set[str] = set()
        for stmt in self.p.network:
            target, value = _assigned(stmt)
            if not isinstance(value, cst.Call):
                continue
            name = self.p.qualified(value.func) or ""
            if not name.startswith(LAYER_PREFIX_TF):
                if any((self.p.qualified(c.func) or "").startswith(LAYER_PREFIX_TF) for c in calls_in(value)):
                    self.block(value, name or "model_fn", "a tf.layers call nested in another expression")
                continue
            fake = _StatementView(value, name)
            # graph_to_eager's method, borrowed: it reads only what _Mappings and _StatementView provide
            built = self.maps.keras_layer(fake)  # type: ignore[misc, arg-type]
            if built is None:
                continue
            constructor, template, inputs = built
            attribute = target if target not in MODEL_ATTRIBUTES else target + "_layer"
            if attribute in taken:  # `hidden = dropout(hidden)` after `hidden = dense(...)`
                kind = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", constructor.split("(")[0].rsplit(".", 1)[-1]).lower()
                attribute = f"{target}_{kind}"
                n = 2
                while attribute in taken:
                    attribute, n = f"{target}_{kind}_{n}", n + 1
            taken.add(attribute)
            extra = template.replace("{inputs}", inputs)
            extra = re.sub(r"training=[^,]*" + re.escape(self.roles.get("mode", "mode")) + r"[^,]*",
                           "training=training", extra)
            out[id(stmt)] = _LayerCall(stmt, attribute, constructor, extra)
        return out

    def model_class(self, class_name: str, outputs: list[str]) -> str:
        tf = self.tf
        layers = self.layers()
        params = self.roles.get("params")
        init_uses_params = any(params in names_used(_parse_expr(layer.constructor)) for layer in layers.values())
        call_lines: list[str] = []
        call_uses_params = False
        flags = {name: "training" for name in self.p.training_flags}
        for stmt in self.p.network:
            if _assigned(stmt)[0] in flags:
                continue  # `is_training = mode == ModeKeys.TRAIN` is the call's `training` argument
            layer = layers.get(id(stmt))
            if layer is not None:
                target, _ = _assigned(stmt)
                call = _transformed(cst.parse_expression(f"layer({layer.arguments})"), self.op_rewriter({}))
                renamed = _transformed(call, _Rename(flags))
                args = _code(renamed.with_changes(func=cst.Name("_"))).removeprefix("_(")[:-1]
                call_lines.append(f"{target} = self.{layer.attribute}({args})")
                continue
            call_uses_params |= params is not None and params in names_used(stmt)
            call_lines.append(self.statement(stmt, {**flags, **({params: "self.params"} if params else {})}))
        self.init_takes_params = init_uses_params or call_uses_params
        init_args = f"self, {params}, **kwargs" if self.init_takes_params else "self, **kwargs"
        init_lines = ["super().__init__(**kwargs)"]
        if call_uses_params:
            init_lines.append(f"self.params = {params}")
        init_lines += [f"self.{layer.attribute} = {layer.constructor}" for layer in layers.values()]
        features = self.roles["features"]
        returns = ", ".join(outputs)
        body = "\n".join(_fit(f"        {line}") for line in init_lines)
        calls = "\n".join(_fit(f"        {line}") for line in call_lines)
        return (f"class {class_name}({tf}.keras.Model):\n"
                f'    """The network of `{self.p.model_fn.name.value}`: what it computes from the features in every '
                f'mode."""\n\n'
                f"    def __init__({init_args}):\n{body}\n\n"
                f"    def call(self, {features}, training=False):\n{calls}\n        return {returns}\n")

    def op_rewriter(self, rename: dict[str, str]) -> cst.CSTTransformer:
        return _OpRewriter(self.maps, rename)  # type: ignore[arg-type]

    def statement(self, stmt: cst.CSTNode, rename: dict[str, str]) -> str:
        """One model_fn statement with TF1 losses mapped and names (params) renamed."""
        new = _transformed(stmt, self.op_rewriter({}))
        if rename:
            new = _transformed(new, _Rename(rename))
        code = _code(new).strip()
        self.left_behind(new, stmt)
        return code

    def left_behind(self, new: cst.CSTNode, where: cst.CSTNode) -> None:
        for call in calls_in(new):
            name = qualified_name(call.func, self.p.aliases) or ""
            if name.startswith(LEFT_BEHIND):
                self.block(where, name, "no TF2 mapping for this call inside a model_fn")

    # ---- one mode --------------------------------------------------------------------------------
    def slice(self, statements: tuple[cst.SimpleStatementLine, ...], needed: set[str]
              ) -> list[cst.SimpleStatementLine]:
        """The statements that compute ``needed``, in order."""
        wanted = set(needed)
        kept: list[cst.SimpleStatementLine] = []
        for stmt in reversed(statements):
            target, value = _assigned(stmt)
            if target in wanted:
                kept.append(stmt)
                wanted.discard(target)
                wanted |= names_used(value)
        return list(reversed(kept))

    def model_outputs(self, statements: list[cst.SimpleStatementLine], extra: set[str]) -> set[str]:
        network = {_assigned(s)[0] for s in self.p.network}
        used = set(extra).union(*(names_used(_assigned(s)[1]) for s in statements)) if statements else set(extra)
        return used & network

    def logging_hook(self, branch: Branch) -> tuple[str, str, cst.SimpleStatementLine | None] | None:
        """``training_hooks=[tf.train.LoggingTensorHook({tag: tensor}, every_n_iter=N)]``: (dict code, N, statement).

        None when there is no hook, or when the hooks cannot be rewritten (then a blocker says why).
        """
        hooks = keyword(branch.spec, "training_hooks")
        if hooks is None:
            return None
        if not isinstance(hooks, (cst.List, cst.Tuple)) or len(hooks.elements) != 1:
            self.block(branch.spec, "training_hooks", "TRAIN: one LoggingTensorHook in a list is rewritten")
            return None
        hook, statement = hooks.elements[0].value, None
        if isinstance(hook, cst.Name):
            bound = [s for s in branch.statements if _assigned(s)[0] == hook.value]
            statement = bound[-1] if bound else None
            hook = _assigned(statement)[1] if statement is not None else hook
        if not (isinstance(hook, cst.Call) and self.p.qualified(hook.func) == "tf.train.LoggingTensorHook"):
            self.block(branch.spec, "training_hooks", "TRAIN: only a LoggingTensorHook is rewritten in training_hooks")
            return None
        tensors, every = keyword(hook, "tensors", 0), keyword(hook, "every_n_iter", 1)
        extra = [a for a in hook.args if a.keyword and a.keyword.value not in ("tensors", "every_n_iter")]
        if not (isinstance(tensors, cst.Dict) and all(isinstance(e, cst.DictElement) and isinstance(e.value, cst.Name)
                                                      for e in tensors.elements)) or every is None or extra:
            self.block(hook, "tf.train.LoggingTensorHook", "only {tag: tensor name} dicts logged every_n_iter are "
                                                           "rewritten (not tensor names as strings, every_n_secs, "
                                                           "at_end or a formatter)")
            return None
        return _code(tensors), _code(every), statement

    def train_parts(self, branch: Branch) -> tuple[str, str, list[cst.SimpleStatementLine]] | None:
        """(optimizer constructor, loss name, statements computing the loss) of the TRAIN path."""
        spec = branch.spec
        loss, train_op = keyword(spec, "loss"), keyword(spec, "train_op")
        if not isinstance(loss, cst.Name) or not isinstance(train_op, cst.Name):
            self.block(spec, "tf.estimator.EstimatorSpec", "TRAIN: loss and train_op must be names")
            return None
        defs = {(_assigned(s)[0]): s for s in branch.statements}
        minimize_stmt = defs.get(train_op.value)
        minimize = _assigned(minimize_stmt)[1] if minimize_stmt is not None else None
        if not (isinstance(minimize, cst.Call) and isinstance(minimize.func, cst.Attribute)
                and minimize.func.attr.value == "minimize"):
            self.block(spec, "train_op", "TRAIN: train_op must be `optimizer.minimize(loss, global_step=...)`")
            return None
        minimized = keyword(minimize, "loss", 0)
        step = keyword(minimize, "global_step", 1)
        others = [a for a in minimize.args if a.keyword and a.keyword.value not in ("loss", "global_step")]
        if not (isinstance(minimized, cst.Name) and minimized.value == loss.value) or others:
            self.block(minimize, "minimize", "TRAIN: minimize must take the spec's loss (var_list and other "
                                             "arguments are not rewritten)")
            return None
        if not (isinstance(step, cst.Call) and self.p.qualified(step.func) in (
                "tf.train.get_global_step", "tf.train.get_or_create_global_step")):
            self.block(minimize, "minimize", "TRAIN: minimize must advance tf.train.get_global_step()")
            return None
        optimizer: cst.BaseExpression | None = minimize.func.value
        optimizer_stmt = None
        if isinstance(optimizer, cst.Name):
            optimizer_stmt = defs.get(optimizer.value)
            optimizer = _assigned(optimizer_stmt)[1] if optimizer_stmt is not None else None
        if not isinstance(optimizer, cst.Call):
            self.block(minimize, "minimize", "TRAIN: the optimizer must be constructed in the model_fn")
            return None
        if self.maps.qualified(optimizer.func) == "tf.train.RMSPropOptimizer":
            # TF1 starts RMSProp's accumulator at 1.0; only the graph-to-eager step sets Keras' slots so
            self.block(optimizer, "tf.train.RMSPropOptimizer", "this optimizer has no verified Keras counterpart here")
            return None
        keras = self.maps.keras_optimizer(optimizer, optimizer)  # type: ignore[misc]  # borrowed, see layers()
        if keras is None:
            return None
        params = self.roles.get("params")
        if params:
            keras = _code(_transformed(_parse_expr(keras), _Rename({params: self.names["params"]})))
        blocked = len(self.blockers)
        hook = self.logging_hook(branch)
        if len(self.blockers) > blocked:
            return None
        self.hook = hook
        skip = (minimize_stmt, optimizer_stmt, hook[2] if hook else None)
        statements = [s for s in branch.statements if all(s is not other for other in skip)]
        needed = {loss.value} | (names_used(_parse_expr(hook[0])) if hook else set())
        return keras, loss.value, self.slice(tuple(statements), needed)

    def eval_loss(self) -> str:
        """The name the EVAL EstimatorSpec's loss reads (:meth:`metrics` declined any other loss)."""
        loss = keyword(self.p.branches["EVAL"].spec, "loss")
        assert isinstance(loss, cst.Name)
        return loss.value

    def metrics(self, branch: Branch) -> tuple[list[_Metric], list[cst.SimpleStatementLine]] | None:
        spec = branch.spec
        ops = keyword(spec, "eval_metric_ops")
        statements = list(branch.statements)
        if isinstance(ops, cst.Name):
            defining = [s for s in statements if _assigned(s)[0] == ops.value]
            if not defining:
                self.block(spec, "eval_metric_ops", "EVAL: eval_metric_ops must be a dict built in the model_fn")
                return None
            statements.remove(defining[-1])
            ops = _assigned(defining[-1])[1]
        out: list[_Metric] = []
        if ops is not None:
            if not isinstance(ops, cst.Dict):
                self.block(spec, "eval_metric_ops", "EVAL: eval_metric_ops must be a dict literal")
                return None
            for element in ops.elements:
                if isinstance(element, cst.DictElement) and isinstance(element.value, cst.Name):
                    # `accuracy = tf.metrics.accuracy(...)` earlier, `{"accuracy": accuracy}` in the spec
                    bound = [s for s in statements if _assigned(s)[0] == element.value.value]
                    if bound and isinstance(_assigned(bound[-1])[1], cst.Call):
                        statements.remove(bound[-1])
                        element = element.with_changes(value=_assigned(bound[-1])[1])
                if not (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
                        and isinstance(element.value, cst.Call)):
                    self.block(ops, "eval_metric_ops", "EVAL: entries must be \"name\": tf.metrics.x(...)")
                    return None
                name = self.p.qualified(element.value.func) or ""
                if name not in METRIC_MAP:
                    self.block(element.value, name or "metric", "this metric has no verified Keras counterpart "
                                                                "(mapped: " + ", ".join(METRIC_MAP) + ")")
                    return None
                keras, params = METRIC_MAP[name]
                call = element.value
                args = [keyword(call, param, i) for i, param in enumerate(params)]
                if any(a is None for a in args) or len(call.args) != len(params):
                    self.block(call, name, "metric weights / updates_collections are not rewritten")
                    return None
                key = element.key.evaluated_value
                variable = self.fresh(re.sub(r"\W", "_", str(key)) + "_metric")
                out.append(_Metric(str(key), _code(element.key), keras, variable, tuple(args)))  # type: ignore[arg-type]
        loss = keyword(spec, "loss")
        if not isinstance(loss, cst.Name):
            self.block(spec, "tf.estimator.EstimatorSpec", "EVAL: loss must be a name")
            return None
        needed = {loss.value}.union(*(names_used(a) for m in out for a in m.arguments)) if out else {loss.value}
        return out, self.slice(tuple(statements), needed)

    def step_lines(self, statements: list[cst.SimpleStatementLine], outputs: list[str], model: str,
                   training: bool) -> list[str]:
        lines: list[str] = []
        if outputs:
            lines.append(f"{', '.join(outputs)} = {model}({self.roles['features']}, training={training})")
        params = self.roles.get("params")
        rename = {params: self.names["params"]} if params and self.names["params"] != params else {}
        lines += [self.statement(s, rename) for s in statements]
        return lines

    # ---- the module ------------------------------------------------------------------------------
    def build(self) -> cst.Module | None:
        p, tf = self.p, self.tf
        if p.model_fn is None:
            return None
        modes = {site.method for site in p.sites} - {"numpy_input_fn"}
        if "train_and_evaluate" in modes:
            modes |= {"train", "evaluate"}
        needed_modes = {"TRAIN": "train" in modes, "EVAL": "evaluate" in modes, "PREDICT": "predict" in modes}
        for mode, wanted in needed_modes.items():
            if wanted and mode not in p.branches:
                self.block(p.model_fn, "model_fn", f"no path of model_fn returns an EstimatorSpec for {mode}")
        if self.blockers:
            return None
        call = p.estimator_call
        params_value = keyword(call, "params", 3)
        config = keyword(call, "config", 2)
        model_dir = keyword(call, "model_dir", 1)
        seed = None
        if isinstance(config, cst.Call):
            model_dir = keyword(config, "model_dir") or model_dir
            seed = keyword(config, "tf_random_seed")
        params_role = self.roles.get("params")
        if params_role and params_value is None:
            self.block(call, "tf.estimator.Estimator", "model_fn takes params but the Estimator passes none")
            return None
        if params_value is not None:
            self.names["params"] = params_value.value if isinstance(params_value, cst.Name) else self.fresh("params")
        else:
            self.names["params"] = "params"
        # the estimator's variable names the model, unless it says "estimator"
        model = p.estimator_name if "estimator" not in p.estimator_name.lower() else self.fresh("model")
        self.used.add(model)
        class_name = self.fresh(_camel(p.model_fn.name.value))
        names = {n: self.fresh(n) for n in ("optimizer", "global_step", "checkpoint", "checkpoint_manager",
                                            "train_step", "evaluate_step", "predict_step", "train", "evaluate",
                                            "predict")}

        pieces: list[str] = []  # module-level code replacing the Estimator statement
        steps: list[str] = []
        outputs: set[str] = set()
        train = evaluate = predict = None
        if needed_modes["TRAIN"]:
            train = self.train_parts(p.branches["TRAIN"])
        if needed_modes["EVAL"]:
            evaluate = self.metrics(p.branches["EVAL"])
        if needed_modes["PREDICT"]:
            predict = self.prediction(p.branches["PREDICT"])
        if self.blockers:
            return None
        if train is not None:
            outputs |= self.model_outputs(train[2], {train[1]})
        if evaluate is not None:
            outputs |= self.model_outputs(evaluate[1], {self.eval_loss()}.union(
                *(names_used(a) for m in evaluate[0] for a in m.arguments)))
        if predict is not None:
            outputs |= self.model_outputs(predict[1], names_used(predict[0]))
        order = [_assigned(s)[0] for s in p.network]
        ordered = [n for n in order if n in outputs]
        if not ordered:
            self.block(p.model_fn, "model_fn", "nothing after the network reads its outputs")
            return None
        class_code = self.model_class(class_name, ordered)

        if params_value is not None and not isinstance(params_value, cst.Name):
            pieces.append(f"{self.names['params']} = {_code(params_value)}")
        if seed is not None:
            pieces.append(f"{tf}.random.set_seed({_code(seed)})")
        model_args = self.names["params"] if self.init_takes_params else ""
        pieces.append(f"{model} = {class_name}({model_args})")
        if train is not None:
            pieces.append(_fit(f"{names['optimizer']} = {train[0]}"))
        if train is not None or evaluate is not None:  # predicting alone never reads the global step
            pieces.append(f"{names['global_step']} = {tf}.Variable(0, dtype={tf}.int64, trainable=False, "
                          f"name=\"global_step\")")
        saved = [f"model={model}"] + ([f"optimizer={names['optimizer']}"] if train is not None else []) + (
            [f"global_step={names['global_step']}"] if train is not None or evaluate is not None else [])
        if model_dir is not None:
            pieces.append(f"{names['checkpoint']} = {tf}.train.Checkpoint({', '.join(saved)})")
            pieces.append(f"{names['checkpoint_manager']} = {tf}.train.CheckpointManager("
                          f"{names['checkpoint']}, {_code(model_dir)}, max_to_keep=5)")
            pieces.append(f"{names['checkpoint']}.restore({names['checkpoint_manager']}.latest_checkpoint)")
        if evaluate is not None:
            for metric in evaluate[0]:
                pieces.append(f"{metric.variable} = {tf}.keras.metrics.{metric.keras}(name={metric.key_code})")
            names["loss_metric"] = self.fresh("loss_metric")
            pieces.append(f"{names['loss_metric']} = {tf}.keras.metrics.Mean(name=\"loss\")")

        features, labels = self.roles["features"], self.roles.get("labels", "labels")
        if train is not None:
            keras, loss, statements = train
            logged = self.hook[0] if self.hook else None
            logged_names = names_used(_parse_expr(logged)) if logged else set()
            body = self.step_lines(statements, [n for n in ordered if n in self.model_outputs(
                statements, {loss} | logged_names)], model, True)
            tape = "\n".join(_fit(f"        {line}") for line in body)
            steps.append(f"@{tf}.function\ndef {names['train_step']}({features}, {labels}):\n"
                         f"    with {tf}.GradientTape() as tape:\n{tape}\n"
                         f"    gradients = tape.gradient({loss}, {model}.trainable_variables)\n"
                         f"    {names['optimizer']}.apply_gradients(zip(gradients, {model}.trainable_variables))\n"
                         f"    {names['global_step']}.assign_add(1)\n"
                         f"    return {loss}" + (f", {logged}" if logged else "") + "\n")
            save = (f"\n    {names['checkpoint_manager']}.save(checkpoint_number={names['global_step']})"
                    if model_dir is not None else "")
            then = ", then a checkpoint" if model_dir is not None else ""
            loop, loop_end, iterate = ("iteration, (", ")", "enumerate(dataset)") if logged else ("", "", "dataset")
            step_call = f"{names['train_step']}({features}, {labels})"
            if logged:  # LoggingTensorHook: tags in sorted order at iterations 0, N, 2N... of each call
                step_call = (f"_, logged = {step_call}\n"
                             f"        if iteration % {self.hook[1]} == 0:\n"  # type: ignore[index]
                             f"            {tf}.get_logger().info(\", \".join(f\"{{tag}} = {{logged[tag].numpy()}}\" "
                             f"for tag in sorted(logged)))")
            steps.append(
                f"def {names['train']}(input_fn, steps=None, last_step=None):\n"
                f'    """Estimator.train: a fresh input, `steps` more steps or up to global step `last_step` '
                f'(fewer if\n    the input ends){then}."""\n'
                f"    dataset = input_fn() if steps is None else input_fn().take(steps)\n"
                f"    for {loop}{features}, {labels}{loop_end} in {iterate}:\n"
                f"        if last_step is not None and {names['global_step']}.numpy() >= last_step:\n"
                f"            break\n"
                f"        {step_call}" + save + "\n")
        if evaluate is not None:
            metrics, statements = evaluate
            eval_loss = self.eval_loss()
            needed = {eval_loss}.union(*(names_used(a) for m in metrics for a in m.arguments))
            body = self.step_lines(statements, [n for n in ordered if n in self.model_outputs(statements, needed)],
                                   model, False)
            body += [f"{m.variable}.update_state({', '.join(_code(a) for a in m.arguments)})" for m in metrics]
            body += [f"{names['loss_metric']}.update_state({eval_loss})", f"return {eval_loss}"]
            lines = "\n".join(_fit(f"    {line}") for line in body)
            steps.append(f"@{tf}.function\ndef {names['evaluate_step']}({features}, {labels}):\n{lines}\n")
            every = [m.variable for m in metrics] + [names["loss_metric"]]
            results = "".join(f"        {entry},\n" for entry in [
                f"{m.key_code}: {m.variable}.result().numpy()" for m in metrics] + [
                f'"loss": {names["loss_metric"]}.result().numpy()', f'"global_step": {names["global_step"]}.numpy()'])
            steps.append(
                f"def {names['evaluate']}(input_fn, steps=None):\n"
                f'    """Estimator.evaluate: the metrics over the input (or `steps` batches), the mean batch loss, '
                f'the\n    global step."""\n'
                f"    for metric in [{', '.join(every)}]:\n"
                f"        metric.reset_state()\n"
                f"    dataset = input_fn() if steps is None else input_fn().take(steps)\n"
                f"    for {features}, {labels} in dataset:\n"
                f"        {names['evaluate_step']}({features}, {labels})\n"
                f"    return {{\n{results}    }}\n")
        if predict is not None:
            value, statements = predict
            body = self.step_lines(statements, [n for n in ordered if n in self.model_outputs(
                statements, names_used(value))], model, False)
            body.append(f"return {_code(value)}")
            lines = "\n".join(_fit(f"    {line}") for line in body)
            steps.append(f"@{tf}.function\ndef {names['predict_step']}({features}):\n{lines}\n")
            steps.append(
                f"def {names['predict']}(input_fn):\n"
                f'    """Estimator.predict: one dict of predictions per example."""\n'
                f"    for batch in input_fn():\n"
                f"        {features} = batch[0] if isinstance(batch, tuple) else batch\n"
                f"        batch_predictions = {{key: value.numpy() for key, value in "
                f"{names['predict_step']}({features}).items()}}\n"
                f"        for i in range(len(next(iter(batch_predictions.values())))):\n"
                f"            yield {{key: value[i] for key, value in batch_predictions.items()}}\n")
        if self.blockers:
            return None
        self.names.update(names)
        return self.assemble(class_code, pieces, steps)

    def prediction(self, branch: Branch) -> tuple[cst.BaseExpression, list[cst.SimpleStatementLine]] | None:
        value = keyword(branch.spec, "predictions")
        if value is None:
            self.block(branch.spec, "tf.estimator.EstimatorSpec", "PREDICT: the spec has no predictions")
            return None
        statements = self.slice(branch.statements, names_used(value))
        labels = self.roles.get("labels")
        if labels and any(labels in names_used(s) for s in statements) or labels in names_used(value):
            self.block(branch.spec, "predictions", "PREDICT: predictions read labels (None when predicting)")
            return None
        return value, statements

    def assemble(self, class_code: str, pieces: list[str], steps: list[str]) -> cst.Module:
        p = self.p
        body: list[cst.BaseStatement] = []
        two = [cst.EmptyLine(), cst.EmptyLine()]
        after_def = False
        removed = {id(s) for s in p.spec_statements}
        expanded = {id(site.statement): site for site in p.sites if site.statement is not None}
        for stmt in p.module.body:
            if stmt is p.model_fn:
                new = list(cst.parse_module(class_code).body)
                new[0] = new[0].with_changes(leading_lines=list(stmt.leading_lines))
                body += new
                after_def = True
                continue
            if id(stmt) in removed:
                continue
            if stmt is p.estimator:
                new = list(cst.parse_module("\n".join(pieces) + "\n").body)
                new[0] = new[0].with_changes(leading_lines=two if after_def else list(stmt.leading_lines))
                body += new
                for code in steps:
                    step = list(cst.parse_module(code).body)
                    step[0] = step[0].with_changes(leading_lines=two)
                    body += step
                after_def = True
                continue
            if id(stmt) in expanded:
                site = expanded[id(stmt)]
                if site.method == "numpy_input_fn":
                    name = _assigned(stmt)[0]  # type: ignore[arg-type]
                    code = f"def {name}():\n    return {self.numpy_dataset(site.call)}\n"
                    new = list(cst.parse_module(code).body)
                    new[0] = new[0].with_changes(leading_lines=two)
                    body += new
                    after_def = True
                    continue
                new = [cst.parse_statement(code + "\n") for code in self.train_and_evaluate(site)]
                new[0] = new[0].with_changes(leading_lines=list(stmt.leading_lines))
                stmt_list = new
            else:
                stmt_list = [stmt]
            if after_def:
                first = stmt_list[0]
                blank = [line for line in first.leading_lines if line.comment is None]
                comments = [line for line in first.leading_lines if line.comment is not None]
                stmt_list[0] = first.with_changes(leading_lines=two + comments if len(blank) < 2 else
                                                  list(first.leading_lines))
                after_def = isinstance(stmt, (cst.FunctionDef, cst.ClassDef))
            body += stmt_list
        module = p.module.with_changes(body=body)
        return module.visit(_SiteRewriter(self))

    # ---- call sites ------------------------------------------------------------------------------
    def hooks_last_step(self, hooks: cst.BaseExpression | None, where: cst.CSTNode) -> tuple[list[str], list[str]]:
        """(last-step expressions, step-count expressions) that StopAtStepHooks add."""
        last: list[str] = []
        counts: list[str] = []
        if hooks is None:
            return last, counts
        if not isinstance(hooks, (cst.List, cst.Tuple)):
            self.block(where, "hooks", "hooks must be a list written in place")
            return last, counts
        for element in hooks.elements:
            hook = element.value
            if not (isinstance(hook, cst.Call) and self.p.qualified(hook.func) == "tf.train.StopAtStepHook"):
                construct = (self.p.qualified(hook.func) or _code(hook.func)) if isinstance(hook, cst.Call) else "hook"
                self.block(hook, construct,
                           "only StopAtStepHook is mapped (to the training loop's stop condition)")
                continue
            num, step = keyword(hook, "num_steps", 0), keyword(hook, "last_step", 1)
            if step is not None:
                last.append(_code(step))
            elif num is not None:
                counts.append(_code(num))
        return last, counts

    def train_call(self, input_fn: str, steps: list[str], last: list[str]) -> str:
        args = [input_fn]
        if steps:
            args.append("steps=" + (steps[0] if len(steps) == 1 else f"min({', '.join(steps)})"))
        if last:
            args.append("last_step=" + (last[0] if len(last) == 1 else f"min({', '.join(last)})"))
        return f"{self.names['train']}({', '.join(args)})"

    def method_call(self, site: Site, call: cst.Call) -> str | None:
        """The call site as a call of the generated function; ``call`` has its arguments rewritten already."""
        allowed = {"train": ("input_fn", "hooks", "steps", "max_steps"), "evaluate": ("input_fn", "steps"),
                   "predict": ("input_fn",)}[site.method]
        given: dict[str, cst.BaseExpression] = {}
        for i, arg in enumerate(call.args):
            key = arg.keyword.value if arg.keyword else (allowed[i] if i < len(allowed) else None)
            if key not in allowed or arg.star:
                self.block(site.call, f"{self.p.estimator_name}.{site.method}", f"argument `{key}` is not rewritten")
                return None
            given[key] = arg.value
        if "input_fn" not in given:
            self.block(site.call, site.method, "input_fn is missing")
            return None
        input_fn = _code(given["input_fn"])
        if site.method == "train":
            # hooks are read from the original node: a declined hook is reported at its own line
            last, counts = self.hooks_last_step(keyword(site.call, "hooks", allowed.index("hooks")), site.call)
            steps = ([_code(given["steps"])] if "steps" in given else []) + counts
            if "max_steps" in given:
                last.insert(0, _code(given["max_steps"]))
            return self.train_call(input_fn, steps, last)
        if site.method == "evaluate" and "steps" in given:
            return self.evaluate_call(input_fn, _code(given["steps"]))
        return f"{self.names[site.method]}({input_fn})"

    def numpy_dataset(self, call: cst.Call) -> str:
        """``numpy_input_fn(x, y, batch_size, num_epochs, shuffle=False)`` as the tf.data pipeline it fed.

        Rows in order, epochs back to back, batches across epoch ends (``dequeue_up_to``: the last
        batch may be short). A shuffling queue draws from TF1's random ops: not rewritten.
        """
        order = ("x", "y", "batch_size", "num_epochs", "shuffle", "queue_capacity", "num_threads")
        given = {}
        for i, arg in enumerate(call.args):
            key = arg.keyword.value if arg.keyword else (order[i] if i < len(order) else "?")
            given[key] = _code(arg.value)
        if given.get("shuffle") != "False":
            self.block(call, "tf.estimator.inputs.numpy_input_fn", "shuffle=True draws from a TF1 shuffling queue "
                                                                   "that cannot be reproduced; only shuffle=False "
                                                                   "is rewritten")
        if given.get("num_threads", "1") != "1" or "x" not in given or set(given) - set(order):
            self.block(call, "tf.estimator.inputs.numpy_input_fn", "only x, y, batch_size, num_epochs, "
                                                                   "shuffle=False and num_threads=1 are rewritten")
        source = f"({given['x']}, {given['y']})" if given.get("y", "None") != "None" else given.get("x", "None")
        code = f"{self.tf}.data.Dataset.from_tensor_slices({source})"
        epochs = given.get("num_epochs", "1")
        if epochs != "1":
            code += ".repeat()" if epochs == "None" else f".repeat({epochs})"
        return code + f".batch({given.get('batch_size', '128')})"

    def spec(self, node: cst.BaseExpression, kind: str, where: cst.CSTNode) -> cst.Call | None:
        call = self.p.specs.get(node.value) if isinstance(node, cst.Name) else node
        if not (isinstance(call, cst.Call) and self.p.qualified(call.func) == f"tf.estimator.{kind}"):
            self.block(where, "tf.estimator.train_and_evaluate", f"the {kind} must be built in this module")
            return None
        return call

    def train_and_evaluate(self, site: Site) -> list[str]:
        call = site.call
        train_spec = self.spec(keyword(call, "train_spec", 1), "TrainSpec", call)  # type: ignore[arg-type]
        eval_spec = self.spec(keyword(call, "eval_spec", 2), "EvalSpec", call)  # type: ignore[arg-type]
        if train_spec is None or eval_spec is None:
            return ["pass"]
        for arg in eval_spec.args:
            if arg.keyword and arg.keyword.value not in ("input_fn", "steps", "throttle_secs", "start_delay_secs"):
                self.block(arg, f"EvalSpec({arg.keyword.value}=)", "exporters, eval hooks and names are not rewritten")
        last, counts = self.hooks_last_step(keyword(train_spec, "hooks", 2), train_spec)
        max_steps = keyword(train_spec, "max_steps", 1)
        if max_steps is not None:
            last.insert(0, _code(max_steps))
        steps = keyword(eval_spec, "steps", 1)
        train_fn = keyword(train_spec, "input_fn", 0)
        eval_fn = keyword(eval_spec, "input_fn", 0)
        if train_fn is None or eval_fn is None:
            self.block(call, "tf.estimator.train_and_evaluate", "a spec without input_fn")
            return ["pass"]
        return [self.train_call(_code(train_fn), counts, last),
                self.evaluate_call(_code(eval_fn), _code(steps) if steps is not None else "100")]

    def evaluate_call(self, input_fn: str, steps: str) -> str:
        return f"{self.names['evaluate']}({input_fn}" + (f", steps={steps})" if steps != "None" else ")")


@dataclass(frozen=True)
class _StatementView:
    """The two fields of graph_to_eager's Statement that its layer mapping reads."""

    call: cst.Call
    qualified: str


class _SiteRewriter(cst.CSTTransformer):
    def __init__(self, emitter: _EstimatorEmitter) -> None:
        self.e = emitter
        self.sites = {id(site.call): site for site in emitter.p.sites if site.statement is None}

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        site = self.sites.get(id(original))
        if site is None:
            return updated
        if site.method == "numpy_input_fn":
            return _parse_expr(f"lambda: {self.e.numpy_dataset(original)}")
        code = self.e.method_call(site, updated)
        return updated if code is None else _parse_expr(code)


def rewrite(text: str) -> EstimatorRewrite:
    """Rewrite a tf.estimator program to Keras; ``text`` None means not an Estimator program, or declined."""
    if "estimator" not in text:
        return EstimatorRewrite(None)
    try:
        module = cst.parse_module(text)
        aliases = _aliases(text)
    except (cst.ParserSyntaxError, SyntaxError, RecursionError):
        return EstimatorRewrite(None)
    program, blockers = analyse_estimator(module, aliases)
    if blockers or program is None:
        return EstimatorRewrite(None, [Declined(b.line, b.col, b.construct, b.reason) for b in blockers])
    emitter = _EstimatorEmitter(program)
    try:
        new = emitter.build()
        code = new.code if new is not None else None
        if code is not None:
            cst.parse_module(code)
    except Exception as exc:  # noqa: BLE001 - a rewrite bug declines this module; the finding stays
        return EstimatorRewrite(None, [Declined(1, 1, "tf.estimator", f"internal error in the Estimator rewrite "
                                                                       f"({exc}); please report it with this file")])
    if code is None or emitter.blockers:
        return EstimatorRewrite(None, emitter.blockers)
    return EstimatorRewrite(code)

