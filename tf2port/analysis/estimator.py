"""Analysis of a ``tf.estimator`` program: what its model_fn computes in each mode, and who drives it.

The rewrite (:mod:`tf2port.fix.estimator`) needs one ``Estimator(model_fn=...)`` at
module level, a ``model_fn`` whose body is assignments, ``if mode == ModeKeys.X:`` blocks
and ``return EstimatorSpec(...)``, and an estimator used only through ``train``,
``evaluate``, ``predict`` and ``train_and_evaluate``. Anything else becomes a
:class:`Blocker` at its line; one blocker declines the module (TF104 still reports it).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from tf2port.analysis.graph import Blocker, dotted, keyword, names_used, suite_lines
from tf2port.analysis.names import qualify

MODES = {"TRAIN": "train", "EVAL": "eval", "PREDICT": "predict"}
ESTIMATOR_API = frozenset({"tf.estimator.Estimator", "tf.estimator.EstimatorSpec", "tf.estimator.ModeKeys.TRAIN",
                           "tf.estimator.ModeKeys.EVAL", "tf.estimator.ModeKeys.PREDICT", "tf.estimator.TrainSpec",
                           "tf.estimator.EvalSpec", "tf.estimator.train_and_evaluate", "tf.estimator.RunConfig",
                           "tf.estimator.ModeKeys", "tf.estimator.inputs.numpy_input_fn", "tf.estimator.inputs"})
METHODS = ("train", "evaluate", "predict")
RUN_CONFIG_KEYWORDS = ("model_dir", "tf_random_seed")
NETWORK_PREFIXES = ("tf.layers.",)
NUMPY_INPUT_FN = "tf.estimator.inputs.numpy_input_fn"


@dataclass(frozen=True)
class Branch:
    """One mode's path through model_fn after the network: its statements and the EstimatorSpec it returns."""

    statements: tuple[cst.SimpleStatementLine, ...]
    spec: cst.Call


@dataclass(frozen=True)
class Site:
    """A statement that drives the estimator: ``est.train(...)``, ``tf.estimator.train_and_evaluate(...)``."""

    # train_and_evaluate (two statements) and `name = numpy_input_fn(...)` (a def) replace their statement
    statement: cst.SimpleStatementLine | None
    call: cst.Call
    method: str  # train | evaluate | predict | train_and_evaluate | numpy_input_fn
    line: int


@dataclass(frozen=True)
class EstimatorProgram:
    module: cst.Module
    tf: str
    aliases: dict[str, str]
    model_fn: cst.FunctionDef
    parameters: dict[str, str]  # role (features, labels, mode, params) -> the model_fn's name for it
    network: tuple[cst.SimpleStatementLine, ...]
    branches: dict[str, Branch]
    estimator: cst.SimpleStatementLine
    estimator_name: str
    estimator_call: cst.Call
    sites: tuple[Site, ...]
    specs: dict[str, cst.Call]  # TrainSpec / EvalSpec assignments by target name
    spec_statements: tuple[cst.SimpleStatementLine, ...]
    blockers: tuple[Blocker, ...]
    positions: Mapping[cst.CSTNode, CodeRange]  # libcst PositionProvider results for ``module``
    training_flags: frozenset[str]  # network names bound to `mode == ModeKeys.TRAIN`: Keras' `training`

    def qualified(self, node: cst.BaseExpression) -> str | None:
        return qualified_name(node, self.aliases)


def qualified_name(node: cst.BaseExpression, aliases: dict[str, str]) -> str | None:
    name = dotted(node)
    if name is None:
        return None
    root, _, rest = name.partition(".")
    module = aliases.get(root)
    return qualify(module + ("." + rest if rest else "")) if module else None


def _assign(stmt: cst.CSTNode) -> tuple[str, cst.BaseExpression] | None:
    """``name = value`` as (name, value); None for any other statement."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign):
        assign = stmt.body[0]
        if len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name):
            return assign.targets[0].target.value, assign.value
    return None


def _return_call(stmt: cst.CSTNode) -> cst.BaseExpression | None:
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Return):
        return stmt.body[0].value
    return None


class _Analyser:
    def __init__(self, module: cst.Module, aliases: dict[str, str]) -> None:
        wrapper = MetadataWrapper(module)
        self.module = wrapper.module
        self.positions: Mapping[cst.CSTNode, CodeRange] = wrapper.resolve(PositionProvider)
        self.aliases = aliases
        self.tf = next((local for local, path in aliases.items() if path in ("tensorflow", "tensorflow.compat.v1")),
                       "tf")
        self.blockers: list[Blocker] = []

    def q(self, node: cst.BaseExpression) -> str | None:
        return qualified_name(node, self.aliases)

    def block(self, node: cst.CSTNode, construct: str, reason: str) -> None:
        pos = self.positions.get(node)
        line, col = (pos.start.line, pos.start.column + 1) if pos else (1, 1)
        blocker = Blocker(line, col, construct, reason)
        if blocker not in self.blockers:  # each mode's path walks the shared statements again
            self.blockers.append(blocker)

    def line(self, node: cst.CSTNode) -> int:
        pos = self.positions.get(node)
        return pos.start.line if pos else 1

    def lines(self, suite: cst.BaseSuite) -> list[cst.BaseStatement]:
        """A block's statements (see :func:`suite_lines`: ``if mode == PREDICT: return spec`` too).

        The lines made for a one-line block are placed where their small statements are.
        """
        lines = suite_lines(suite)
        if isinstance(suite, cst.SimpleStatementSuite):
            self.positions = {**self.positions, **{line: self.positions[small]
                                                   for line, small in zip(lines, suite.body)}}
        return lines

    def run(self) -> EstimatorProgram | None:
        estimator = None
        for stmt in self.module.body:
            assigned = _assign(stmt)
            if assigned and isinstance(assigned[1], cst.Call) and self.q(assigned[1].func) == "tf.estimator.Estimator":
                if estimator is not None:
                    self.block(stmt, "tf.estimator.Estimator", "a second Estimator in one module is not rewritten")
                estimator = (stmt, assigned[0], assigned[1])
        self.check_api()
        if estimator is None:
            return None
        stmt, name, call = estimator
        model_fn = self.model_fn(call)
        sites, specs, spec_statements = self.sites(name)
        if model_fn is None:
            return self.program(None, {}, (), {}, estimator, sites, specs, spec_statements)
        parameters = self.parameters(model_fn)
        network, branches = self.body(model_fn, parameters)
        return self.program(model_fn, parameters, network, branches, estimator, sites, specs, spec_statements)

    def program(self, model_fn, parameters, network, branches, estimator, sites, specs, spec_statements
                ) -> EstimatorProgram:
        stmt, name, call = estimator
        return EstimatorProgram(self.module, self.tf, self.aliases, model_fn, parameters, tuple(network),
                                branches, stmt, name, call, tuple(sites), specs, tuple(spec_statements),
                                tuple(self.blockers), self.positions, getattr(self, "training_flags", frozenset()))

    def check_api(self) -> None:
        """Every tf.estimator name used is one the rewrite maps; canned estimators and exports are not."""
        checker = self

        class Visit(cst.CSTVisitor):
            def visit_Attribute(self, node: cst.Attribute) -> bool:
                name = checker.q(node)
                if name and name.startswith("tf.estimator."):
                    if name not in ESTIMATOR_API:
                        reason = ("canned estimators have no verified Keras mapping; write a model_fn"
                                  if name.rsplit(".", 1)[-1][:1].isupper() else
                                  "this tf.estimator API is not rewritten")
                        checker.block(node, name, reason)
                    return False
                if name in ("tf.train.SummarySaverHook", "tf.train.CheckpointSaverHook",
                            "tf.train.SessionRunHook", "tf.train.NanTensorHook", "tf.train.ProfilerHook"):
                    checker.block(node, name, "only StopAtStepHook is mapped (to the training loop's stop condition)")
                    return False
                return True

        self.module.visit(Visit())

    def model_fn(self, call: cst.Call) -> cst.FunctionDef | None:
        for arg in call.args:
            key = arg.keyword.value if arg.keyword else None
            if key not in (None, "model_fn", "model_dir", "params", "config"):
                self.block(arg, f"Estimator({key}=)", "this Estimator argument is not rewritten")
        fn = keyword(call, "model_fn", 0)
        config = keyword(call, "config", 2)
        if config is not None:
            if not (isinstance(config, cst.Call) and self.q(config.func) == "tf.estimator.RunConfig"):
                self.block(config, "tf.estimator.RunConfig", "the config must be a RunConfig(...) written in place")
            else:
                for arg in config.args:
                    if not arg.keyword or arg.keyword.value not in RUN_CONFIG_KEYWORDS:
                        key = arg.keyword.value if arg.keyword else "positional"
                        self.block(arg, f"RunConfig({key}=)", "only model_dir and tf_random_seed are rewritten "
                                                              "(no distribution, device or checkpoint policy)")
        if not isinstance(fn, cst.Name):
            self.block(call, "tf.estimator.Estimator", "model_fn must be the name of a module-level function")
            return None
        for stmt in self.module.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == fn.value:
                return stmt
        self.block(call, "tf.estimator.Estimator", f"model_fn `{fn.value}` is not defined in this module")
        return None

    def parameters(self, fn: cst.FunctionDef) -> dict[str, str]:
        names = [p.name.value for p in fn.params.params]
        roles: dict[str, str] = {}
        for position, name in enumerate(names):
            role = name if name in ("features", "labels", "mode", "params", "config") else (
                ("features", "labels", "mode", "params", "config")[position] if position < 5 else None)
            if role is None or role == "config":
                self.block(fn, "model_fn", f"model_fn parameter `{name}` is not rewritten")
                continue
            roles[role] = name
        if "features" not in roles or "mode" not in roles:
            self.block(fn, "model_fn", "model_fn needs `features` and `mode` parameters")
        return roles

    def body(self, fn: cst.FunctionDef, roles: dict[str, str]
             ) -> tuple[list[cst.SimpleStatementLine], dict[str, Branch]]:
        statements = self.lines(fn.body)
        if statements and isinstance(statements[0], cst.SimpleStatementLine) and isinstance(
                statements[0].body[0], cst.Expr) and isinstance(statements[0].body[0].value, cst.SimpleString):
            statements = statements[1:]  # docstring
        prefix: list[cst.SimpleStatementLine] = []
        for stmt in statements:
            if _assign(stmt) is None:
                break
            prefix.append(stmt)  # type: ignore[arg-type]
        last_layer = max((i for i, s in enumerate(prefix) if self.has_network_call(s)), default=-1)
        network = prefix[:last_layer + 1]
        if not network:
            self.block(fn, "model_fn", "no tf.layers call found: the network is not recognised")
        flags = {_assign(s)[0] for s in network if self.is_training_flag(_assign(s)[1], roles)}  # type: ignore[index]
        self.training_flags = frozenset(flags)
        for stmt in network:
            if _assign(stmt)[0] in flags:  # type: ignore[index]
                continue
            for role in ("labels", "mode"):
                if roles.get(role) in names_used(stmt):
                    self.block(stmt, "model_fn", f"the network reads `{roles[role]}`; only features (and params) "
                                                 "can feed the Keras model's call")
        rest = statements[len(network):]
        branches = {mode: self.path(rest, mode, roles) for mode in MODES}
        return network, {m: b for m, b in branches.items() if b is not None}

    def is_training_flag(self, value: cst.BaseExpression, roles: dict[str, str]) -> bool:
        """``mode == tf.estimator.ModeKeys.TRAIN``: what Keras calls ``training``."""
        if isinstance(value, cst.Comparison) and len(value.comparisons) == 1 \
                and isinstance(value.comparisons[0].operator, cst.Equal):
            sides = [value.left, value.comparisons[0].comparator]
            names = {dotted(side) for side in sides}
            return roles.get("mode") in names and any(self.q(side) == "tf.estimator.ModeKeys.TRAIN" for side in sides)
        return False

    def has_network_call(self, stmt: cst.CSTNode) -> bool:
        from tf2port.analysis.graph import calls_in

        return any((self.q(c.func) or "").startswith(NETWORK_PREFIXES) for c in calls_in(stmt))

    def path(self, statements: list[cst.BaseStatement], mode: str, roles: dict[str, str]) -> Branch | None:
        taken: list[cst.SimpleStatementLine] = []
        for stmt in statements:
            if isinstance(stmt, cst.If):
                branch_mode = self.mode_test(stmt, roles)
                if branch_mode is None:
                    return None
                if branch_mode != mode:
                    continue
                inner = self.path(self.lines(stmt.body), mode, roles)
                if inner is None:
                    self.block(stmt, "model_fn", f"the `{branch_mode}` block does not return an EstimatorSpec")
                    return None
                return Branch(tuple(taken) + inner.statements, inner.spec)
            if isinstance(stmt, cst.With):
                if not self.runs_update_ops(stmt, taken):
                    self.block(stmt, "tf.control_dependencies", "only `with tf.control_dependencies(UPDATE_OPS):` "
                                                                "around the train op is rewritten")
                    return None
                # batch-norm moving averages: Keras layers update them when called with training=True
                for guarded in self.lines(stmt.body):
                    if _assign(guarded) is None:
                        self.block(guarded, "model_fn", "only `name = value` statements under control_dependencies")
                        return None
                    taken.append(guarded)  # type: ignore[arg-type]
                continue
            value = _return_call(stmt)
            if value is not None:
                if isinstance(value, cst.Call) and self.q(value.func) == "tf.estimator.EstimatorSpec":
                    return Branch(tuple(taken), value)
                self.block(stmt, "model_fn", "model_fn must return tf.estimator.EstimatorSpec(...)")
                return None
            if _assign(stmt) is None:
                self.block(stmt, "model_fn", "only `name = value` statements, `if mode == ModeKeys.X:` blocks "
                                             "and returns are rewritten in a model_fn")
                return None
            taken.append(stmt)  # type: ignore[arg-type]
        return None

    def runs_update_ops(self, stmt: cst.With, taken: list[cst.SimpleStatementLine]) -> bool:
        """``with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):`` (or a name bound to it)."""
        if len(stmt.items) != 1 or stmt.items[0].asname is not None:
            return False
        call = stmt.items[0].item
        if not (isinstance(call, cst.Call) and self.q(call.func) == "tf.control_dependencies" and len(call.args) == 1):
            return False
        value = call.args[0].value
        if isinstance(value, cst.Name):
            bound = [_assign(s)[1] for s in taken if _assign(s)[0] == value.value]  # type: ignore[index]
            value = bound[-1] if bound else value
        return (isinstance(value, cst.Call) and self.q(value.func) == "tf.get_collection" and len(value.args) == 1
                and self.q(value.args[0].value) == "tf.GraphKeys.UPDATE_OPS")

    def mode_test(self, stmt: cst.If, roles: dict[str, str]) -> str | None:
        test = stmt.test
        if stmt.orelse is None and isinstance(test, cst.Comparison) and len(test.comparisons) == 1 \
                and isinstance(test.comparisons[0].operator, cst.Equal) and isinstance(test.left, cst.Name) \
                and test.left.value == roles.get("mode"):
            name = self.q(test.comparisons[0].comparator) or ""
            mode = name.rpartition(".")[2]
            if name.startswith("tf.estimator.ModeKeys.") and mode in MODES:
                return mode
        self.block(stmt, "model_fn", "only `if mode == tf.estimator.ModeKeys.X:` without else is rewritten")
        return None

    def sites(self, name: str) -> tuple[list[Site], dict[str, cst.Call], list[cst.SimpleStatementLine]]:
        sites: list[Site] = []
        specs: dict[str, cst.Call] = {}
        spec_statements: list[cst.SimpleStatementLine] = []
        handled: set[int] = set()
        for stmt in self.module.body:
            assigned = _assign(stmt)
            if assigned and isinstance(assigned[1], cst.Call) and self.q(assigned[1].func) in (
                    "tf.estimator.TrainSpec", "tf.estimator.EvalSpec"):
                specs[assigned[0]] = assigned[1]
                spec_statements.append(stmt)  # type: ignore[arg-type]
                continue
            if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(
                    stmt.body[0], (cst.Expr, cst.Assign)) and isinstance(stmt.body[0].value, cst.Call) \
                    and self.q(stmt.body[0].value.func) == "tf.estimator.train_and_evaluate":
                value = stmt.body[0].value
                if not isinstance(stmt.body[0], cst.Expr):
                    self.block(stmt, "tf.estimator.train_and_evaluate", "its result is used; only the call "
                                                                        "as a statement is rewritten")
                sites.append(Site(stmt, value, "train_and_evaluate", self.line(stmt)))
                handled.add(id(value))
        for stmt in self.module.body:  # `name = numpy_input_fn(...)` at module level becomes `def name():`
            assigned = _assign(stmt)
            if assigned and isinstance(assigned[1], cst.Call) and self.q(assigned[1].func) == NUMPY_INPUT_FN:
                sites.append(Site(stmt, assigned[1], "numpy_input_fn", self.line(stmt)))  # type: ignore[arg-type]
                handled.add(id(assigned[1]))
        for call in _calls(self.module):
            if self.q(call.func) == NUMPY_INPUT_FN and id(call) not in handled:
                sites.append(Site(None, call, "numpy_input_fn", self.line(call)))
            if isinstance(call.func, cst.Attribute) and dotted(call.func.value) == name \
                    and call.func.attr.value in METHODS:
                sites.append(Site(None, call, call.func.attr.value, self.line(call)))
                handled.add(id(call))
        self.other_uses(name, handled)
        return sites, specs, spec_statements

    def other_uses(self, name: str, handled: set[int]) -> None:
        """The estimator may only be driven through the mapped methods and train_and_evaluate."""
        checker = self

        class Visit(cst.CSTVisitor):
            def visit_Call(self, node: cst.Call) -> bool:
                if id(node) in handled:
                    for arg in node.args:
                        if not (isinstance(arg.value, cst.Name) and arg.value.value == name):
                            arg.visit(self)
                    return False
                return True

            def visit_Assign(self, node: cst.Assign) -> bool:
                for target in node.targets:
                    if isinstance(target.target, cst.Name) and target.target.value == name:
                        node.value.visit(self)
                        return False
                return True

            def visit_Name(self, node: cst.Name) -> None:
                if node.value == name:
                    checker.block(node, f"{name}", "the estimator is used other than through train / evaluate / "
                                                   "predict (e.g. export_saved_model, get_variable_value)")

            def visit_Attribute(self, node: cst.Attribute) -> bool:
                if isinstance(node.value, cst.Name) and node.value.value == name:
                    checker.block(node, f"{name}.{node.attr.value}", "this Estimator method is not rewritten "
                                                                     "(train, evaluate, predict are)")
                    return False
                node.value.visit(self)  # the attribute's own name is not a use of the variable
                return False

        for stmt in self.module.body:
            if not isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) or isinstance(stmt, cst.ClassDef):
                stmt.visit(Visit())


def _calls(node: cst.CSTNode) -> list[cst.Call]:
    from tf2port.analysis.graph import calls_in

    return calls_in(node)


def analyse_estimator(module: cst.Module, aliases: dict[str, str]
                      ) -> tuple[EstimatorProgram | None, tuple[Blocker, ...]]:
    """The Estimator program in ``module`` (None when it builds no ``tf.estimator.Estimator``) and
    what blocks its rewrite (canned estimators are reported even without an Estimator)."""
    analyser = _Analyser(module, aliases)
    program = analyser.run()
    return program, tuple(analyser.blockers)
