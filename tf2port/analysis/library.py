"""Analysis of library-style TF1 code: module-level functions that create variables.

TF1 model code lives in functions that build graph pieces inside ``tf.variable_scope``
with ``tf.get_variable`` and ``tf.layers.*``, and call each other. Each such function
becomes a Keras layer class (``tf2port.fix.library`` emits it). This module decides, per
function, what its parameters mean (tensors, configuration, the training flag, the
scope name, reuse), which weights it creates, and where it calls sub-layers; it records
a :class:`LibraryBlocker` at the line of anything outside that model instead of guessing.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from tf2port.analysis.graph import LazyPositions, _name_uses, _targets, calls_in, dotted, names_used
from tf2port.analysis.names import qualify
from tf2port.analysis.rnn import RnnCall, RnnReader, StackSpec, _StateReads, cell_kind
from tf2port.analysis.structure import DRIVER_CALLS, LAYER_PREFIX, RNN_CALL, VARIABLE_CALLS

TRAINING_PARAMS = frozenset({"is_training", "training", "train", "is_train", "mode", "phase_train"})
GET_VARIABLE_PARAMS = ("name", "shape", "dtype", "initializer", "regularizer", "trainable")
REGULARIZATION_KEYS = frozenset({"tf.GraphKeys.REGULARIZATION_LOSSES"})
# collection readers at module level that name converted objects' weights or losses
TRAINABLE_READERS = frozenset({"tf.trainable_variables", "tf.global_variables"})
REGULARIZATION_READERS = frozenset({"tf.losses.get_regularization_loss"})


@dataclass(frozen=True)
class LibraryBlocker:
    """Why the library rewrite declines the module: where, what and why."""

    line: int
    col: int
    construct: str
    reason: str
    node: cst.CSTNode | None = field(default=None, compare=False, repr=False)  # to find it in the user's text


@dataclass(frozen=True)
class Weight:
    """A ``tf.get_variable`` call: becomes ``self.<attr> = self.add_weight(...)`` in ``build``."""

    target: str
    attr: str
    call: cst.Call


@dataclass(frozen=True)
class SubLayer:
    """A ``tf.layers.*`` or converted-function call: a sub-layer made in ``__init__``, called in ``call``."""

    attr: str
    kind: str  # "keras" (a tf.layers function), "library" (another converted function) or "rnn" (dynamic_rnn)
    target: str  # tf.layers function name, library function name or "dynamic_rnn"
    call: cst.Call  # the first call (a shared sub-layer keeps its first construction)
    scope: str  # the TF1 name of the sub-layer's scope inside its parent
    rnn: RnnCall | None = None  # kind "rnn": the cell and how outputs and state are read


@dataclass
class LibraryFunction:
    """One variable-creating function and what its parts mean."""

    node: cst.FunctionDef
    name: str
    class_name: str
    params: list[str]
    defaults: dict[str, str]
    tensor_params: list[str] = field(default_factory=list)
    config_params: list[str] = field(default_factory=list)
    training_param: str | None = None
    scope_param: str | None = None
    reuse_param: str | None = None
    auto_reuse: bool = False  # `variable_scope(..., reuse=tf.AUTO_REUSE)`: every call shares one object
    scope_name: str = ""
    body: list[cst.BaseStatement] = field(default_factory=list)
    docstring: cst.BaseStatement | None = None
    weights: list[Weight] = field(default_factory=list)
    sublayers: dict[int, SubLayer] = field(default_factory=dict)  # id(call) -> sub-layer
    rnn_only: set[int] = field(default_factory=set)  # id(assignment) of cells / zero states: gone from `call`
    is_model: bool = False


@dataclass(frozen=True)
class CallSite:
    """A module-level call of a converted function: which object it uses, and whether it creates it."""

    call: cst.Call
    function: str
    obj: str
    creates: bool


@dataclass
class LibraryProgram:
    module: cst.Module
    aliases: dict[str, str]
    tf_alias: str
    functions: dict[str, LibraryFunction]
    call_sites: dict[int, CallSite]  # id(call) -> site
    objects: dict[str, str]  # object name -> scope name, in creation order
    blockers: list[LibraryBlocker]
    positions: LazyPositions
    driver: cst.FunctionDef | None = None  # the function that opens the session, when its statements call them


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def _string(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def bind_arguments(call: cst.Call, params: list[str]) -> dict[str, cst.BaseExpression] | None:
    """Parameter name -> argument expression; None for *args/**kwargs or unknown keywords."""
    out: dict[str, cst.BaseExpression] = {}
    for i, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is None:
            if i >= len(params):
                return None
            out[params[i]] = arg.value
        elif arg.keyword.value in params:
            out[arg.keyword.value] = arg.value
        else:
            return None
    return out


class _Analyser:
    def __init__(self, module: cst.Module, aliases: dict[str, str]) -> None:
        self.module = module
        self.aliases = aliases
        self.positions = LazyPositions(module)
        self.blockers: list[LibraryBlocker] = []
        self.functions: dict[str, LibraryFunction] = {}
        self.call_sites: dict[int, CallSite] = {}
        self.driver: cst.FunctionDef | None = None  # see LibraryProgram.driver
        self.objects: dict[str, str] = {}

    def qualified(self, node: cst.BaseExpression) -> str | None:
        name = dotted(node)
        if name is None:
            return None
        root, _, rest = name.partition(".")
        module = self.aliases.get(root)
        return qualify(module + ("." + rest if rest else "")) if module else None

    def block(self, node: cst.CSTNode, construct: str, reason: str) -> None:
        pos = self.positions.get(node)
        line, col = (pos.start.line, pos.start.column + 1) if pos else (1, 1)
        self.blockers.append(LibraryBlocker(line, col, construct, reason, node))

    # which functions -----------------------------------------------------------------------------
    def candidates(self) -> dict[str, cst.FunctionDef]:
        defs = {s.name.value: s for s in self.module.body if isinstance(s, cst.FunctionDef)
                and not any(self.qualified(c.func) in DRIVER_CALLS for c in calls_in(s))}
        creating: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name, node in defs.items():
                if name in creating:
                    continue
                for call in calls_in(node):
                    q = self.qualified(call.func) or ""
                    callee = call.func.value if isinstance(call.func, cst.Name) else None
                    if q in VARIABLE_CALLS or q == RNN_CALL or q.startswith(LAYER_PREFIX) or callee in creating:
                        creating.add(name)
                        changed = True
                        break
        return {n: d for n, d in defs.items() if n in creating}

    def order(self, defs: dict[str, cst.FunctionDef]) -> list[str]:
        """Callees before callers; a cycle (recursion) is declined."""
        out: list[str] = []
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if name in out:
                return
            if name in visiting:
                self.block(defs[name], name, "recursive variable-creating functions are not rewritten")
                return
            visiting.add(name)
            for call in calls_in(defs[name]):
                if isinstance(call.func, cst.Name) and call.func.value in defs and call.func.value != name:
                    visit(call.func.value)
                elif isinstance(call.func, cst.Name) and call.func.value == name:
                    self.block(call, name, "recursive variable-creating functions are not rewritten")
            visiting.discard(name)
            out.append(name)

        for name in defs:
            visit(name)
        return out

    # one function --------------------------------------------------------------------------------
    def function(self, node: cst.FunctionDef) -> LibraryFunction | None:
        name = node.name.value
        params: list[str] = []
        defaults: dict[str, str] = {}
        p = node.params
        if p.star_arg not in (None, cst.MaybeSentinel.DEFAULT) or p.star_kwarg is not None or p.posonly_params:
            self.block(node, name, "*args/**kwargs in a variable-creating function are not rewritten")
            return None
        for param in [*p.params, *p.kwonly_params]:
            params.append(param.name.value)
            if param.default is not None:
                defaults[param.name.value] = cst.Module(body=[]).code_for_node(param.default)
        class_name = camel(name)
        if class_name in names_used(self.module):  # e.g. `from tensorflow.keras.layers import Dense`
            class_name += "Layer"
        fn = LibraryFunction(node, name, class_name, params, defaults)
        body = list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []
        if body and _is_docstring(body[0]):
            fn.docstring, body = body[0], body[1:]
        if body and isinstance(body[0], cst.With) and self.scope_call(body[0]) is not None \
                and all(isinstance(stmt, cst.SimpleStatementLine) for stmt in body[1:]) \
                and not self.after_scope(body[1:]):
            late = next(c for stmt in body[1:] for c in calls_in(stmt) if self.creates(c))
            self.block(late, self.qualified(late.func) or dotted(late.func) or "", "variables created after the "
                       "function's variable_scope block are outside its names; not rewritten")
            return None
        scope_with = body[0] if body and isinstance(body[0], cst.With) and self.after_scope(body[1:]) else None
        scope_call = self.scope_call(scope_with) if scope_with is not None else None
        if scope_call is not None and scope_with is not None:
            if not self.scope(fn, scope_call):
                return None
            if not isinstance(scope_with.body, cst.IndentedBlock):
                self.block(scope_with, "tf.variable_scope", "a variable_scope body on one line")
                return None
            # `with scope: ...` then `return logits`: what follows the scope creates nothing, so it joins `call`
            body = list(scope_with.body.body) + body[1:]
        else:
            fn.scope_name = name
        for stmt in body:
            if isinstance(stmt, cst.With) and self.scope_call(stmt) is not None:
                self.block(stmt, "tf.variable_scope", "a nested variable_scope inside one function is "
                                                      "rewritten only when its name is a string literal")
                return None
        fn.body = body
        fn.training_param = next((n for n in params if n in TRAINING_PARAMS), None)
        if fn.training_param is not None and _compared(body, fn.training_param):
            self.block(node, fn.training_param, f"`{fn.training_param}` is compared to values (e.g. Estimator "
                                                "ModeKeys), so it is not a training flag Keras can take")
            return None
        if not self.body(fn):
            return None
        self.classify(fn)
        return fn

    def after_scope(self, statements: list[cst.BaseStatement]) -> bool:
        """Do the statements after a function's variable_scope block only compute (no variables, no scope)?"""
        return all(isinstance(stmt, cst.SimpleStatementLine) and not any(self.creates(c) for c in calls_in(stmt))
                   for stmt in statements)

    def scope_call(self, stmt: cst.With) -> cst.Call | None:
        for item in stmt.items:
            if isinstance(item.item, cst.Call) and self.qualified(item.item.func) in ("tf.variable_scope",
                                                                                       "tf.name_scope"):
                return item.item
        return None

    def scope(self, fn: LibraryFunction, call: cst.Call) -> bool:
        if self.qualified(call.func) == "tf.name_scope":
            self.block(call, "tf.name_scope", "a name_scope does not name variables; not rewritten")
            return False
        bound = bind_arguments(call, ["name_or_scope", "default_name", "values", "initializer", "regularizer",
                                      "caching_device", "partitioner", "custom_getter", "reuse", "dtype"])
        if bound is None or set(bound) - {"name_or_scope", "default_name", "values", "reuse"}:
            self.block(call, "tf.variable_scope", "variable_scope arguments beyond a name, default_name and reuse")
            return False
        scope = bound.get("name_or_scope")
        default = _string(bound.get("default_name"))
        if isinstance(scope, cst.Name) and scope.value in fn.params:
            fn.scope_param = scope.value
            given = fn.defaults.get(scope.value)
            literal = _string(cst.parse_expression(given)) if given else None
            fn.scope_name = literal or default or ""
            if not fn.scope_name:
                self.block(call, "tf.variable_scope", "the scope name has no default; the layer needs one")
                return False
        elif _string(scope) is not None:
            fn.scope_name = _string(scope) or ""
        elif scope is None or (isinstance(scope, cst.Name) and scope.value == "None"):
            if default is None:
                self.block(call, "tf.variable_scope", "a variable_scope without a name")
                return False
            fn.scope_name = default
        else:
            self.block(call, "tf.variable_scope", "a scope name built from runtime strings cannot become a "
                                                  "fixed layer name")
            return False
        reuse = bound.get("reuse")
        if reuse is not None:
            if isinstance(reuse, cst.Name) and reuse.value in fn.params:
                fn.reuse_param = reuse.value
            elif self.qualified(reuse) == "tf.AUTO_REUSE":
                fn.auto_reuse = True
            elif not (isinstance(reuse, cst.Name) and reuse.value in ("None", "False")):
                self.block(call, "tf.variable_scope", "a function whose own scope always reuses variables "
                                                      "(it shares weights created elsewhere)")
                return False
        return True

    def body(self, fn: LibraryFunction) -> bool:
        counters: dict[str, int] = {}
        scopes: dict[str, SubLayer] = {}
        taken: set[str] = set(fn.params) | {"name", "weights", "losses", "trainable", "dtype", "built", "layers",
                                            "variables", "input", "output", "path"}
        weights: dict[str, Weight] = {}
        rnn = _FunctionRnn(self)
        for index, stmt in enumerate(fn.body):
            for call in calls_in(stmt):
                q = self.qualified(call.func) or ""
                if q == "tf.get_variable_scope" or (isinstance(call.func, cst.Attribute)
                                                    and call.func.attr.value == "reuse_variables"):
                    self.block(call, q or "reuse_variables", "tf.get_variable_scope().reuse_variables() shares "
                                                             "weights implicitly; not rewritten")
                    return False
                if q == "tf.get_collection":
                    self.block(call, q, "reading a graph collection inside a library function is not rewritten")
                    return False
                if q.startswith(("tf.keras.layers.", "tf.keras.Sequential", "tf.keras.Model")):
                    self.block(call, q, "a Keras layer created inside the function would be created again on every "
                                        "call of the converted layer; create it once outside")
                    return False
                if q == "tf.Variable":
                    self.block(call, q, "tf.Variable inside a library function is not rewritten "
                                        "(tf.get_variable is)")
                    return False
            creating = [c for c in calls_in(stmt) if self.creates(c)]
            if not isinstance(stmt, cst.SimpleStatementLine) and creating:
                self.block(creating[0], self.qualified(creating[0].func) or dotted(creating[0].func) or "",
                           "variables created conditionally or in a loop are not rewritten")
                return False
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    handled = self.rnn_statement(fn, rnn, small, fn.body[index + 1:], scopes, taken)
                    if handled is False:
                        return False
                    if handled:
                        continue
                    if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call) \
                            and self.qualified(small.value.func) == "tf.get_variable":
                        target = small.targets[0].target if len(small.targets) == 1 else None
                        if not isinstance(target, cst.Name):
                            self.block(small, "tf.get_variable", "a variable assigned to something else than a name")
                            return False
                        attr = target.value if target.value not in taken else target.value + "_var"
                        taken.add(attr)
                        weights[target.value] = Weight(target.value, attr, small.value)
                        continue
                    if isinstance(small, cst.Return) and small.value is not None \
                            and names_used(small.value) & set(weights):
                        returned = sorted(names_used(small.value) & set(weights))[0]
                        if isinstance(small.value, cst.Name) or _returns_name(small.value, returned):
                            self.block(small, "return", f"the function returns the variable `{returned}`; callers "
                                                        "that use variables directly are not rewritten")
                            return False
            for call in calls_in(stmt, evaluation_order=True):  # sub-layers are tracked (and listed) in this order
                q = self.qualified(call.func) or ""
                if q == "tf.get_variable" and not any(w.call is call for w in weights.values()):
                    self.block(call, q, "tf.get_variable inside an expression; assign it to a name")
                    return False
                if q == RNN_CALL and id(call) not in fn.sublayers:
                    self.block(call, q, "dynamic_rnn inside an expression; assign it as `outputs, state = ...`")
                    return False
                if q.startswith(LAYER_PREFIX):
                    layer = self.keras_sublayer(fn, call, q[len(LAYER_PREFIX):], counters, scopes, taken)
                elif isinstance(call.func, cst.Name) and call.func.value in self.functions:
                    layer = self.library_sublayer(fn, call, counters, scopes, taken)
                else:
                    continue
                if layer is None:
                    return False
                fn.sublayers[id(call)] = layer
        fn.weights = list(weights.values())
        return True

    def rnn_statement(self, fn: LibraryFunction, reader: _FunctionRnn, small: cst.BaseSmallStatement,
                      later: list[cst.BaseStatement], scopes: dict[str, SubLayer], taken: set[str]) -> bool | None:
        """A cell, its zero state, or dynamic_rnn: True when recorded, False after a blocker, None otherwise.

        The cell and zero-state statements leave `call` (the Keras RNN layer holds the cell
        and starts from zeros); dynamic_rnn becomes a Keras RNN sub-layer named after its scope.
        """
        if not isinstance(small, cst.Assign) or len(small.targets) != 1 or not isinstance(small.value, cst.Call):
            return None
        targets = _targets(small.targets[0].target)
        call = small.value
        if targets is None:
            return None
        if reader.kind(call) is not None and len(targets) == 1:
            spec = reader.cell(call)
            if spec is None:
                return False
            reader.cells[targets[0]] = spec
            fn.rnn_only.add(id(small))
            return True
        if reader.is_zero_state(call) and len(targets) == 1:
            reader.zero_states.add(targets[0])
            fn.rnn_only.add(id(small))
            return True
        if self.qualified(call.func) != RNN_CALL:
            return None
        scope_arg = next((a.value for a in call.args if a.keyword and a.keyword.value == "scope"), None)
        scope = "rnn" if scope_arg is None else _string(scope_arg)
        if scope is None:
            self.block(scope_arg or call, RNN_CALL, "a dynamic_rnn scope that is not a string literal")
            return False
        if scope in scopes:
            self.block(call, RNN_CALL, f"a second dynamic_rnn in scope `{scope}` (TF1 would share or refuse its "
                                       "weights); give each its own scope")
            return False
        reader.later = later
        found = reader.dynamic_rnn(0, call, targets)
        if found is None:
            return False
        attr = _fresh_layer(re.sub(r"\W", "_", scope), taken)
        scopes[scope] = fn.sublayers[id(call)] = SubLayer(attr, "rnn", "dynamic_rnn", call, scope, found)
        return True

    def creates(self, call: cst.Call) -> bool:
        q = self.qualified(call.func) or ""
        return q in VARIABLE_CALLS or q == RNN_CALL or q.startswith(LAYER_PREFIX) or (
            isinstance(call.func, cst.Name) and call.func.value in self.functions)

    def keras_sublayer(self, fn: LibraryFunction, call: cst.Call, kind: str, counters: dict[str, int],
                       scopes: dict[str, SubLayer], taken: set[str]) -> SubLayer | None:
        given = None
        reuse = False
        for arg in call.args:
            if arg.keyword and arg.keyword.value == "name":
                given = _string(arg.value)
                if given is None:
                    self.block(call, LAYER_PREFIX + kind, "a layer name built at runtime")
                    return None
            if arg.keyword and arg.keyword.value == "reuse":
                reuse = cst.Module(body=[]).code_for_node(arg.value) not in ("None", "False")
        if given is None:
            n = counters.get(kind, 0)
            counters[kind] = n + 1
            given = kind if n == 0 else f"{kind}_{n}"
        if given in scopes:
            if not reuse and scopes[given].kind == "keras" and scopes[given].call is not call:
                self.block(call, LAYER_PREFIX + kind, f"a second layer named `{given}` without reuse=True")
                return None
            return scopes[given]
        attr = _fresh_layer(re.sub(r"\W", "_", given), taken)
        scopes[given] = SubLayer(attr, "keras", kind, call, given)
        return scopes[given]

    def library_sublayer(self, fn: LibraryFunction, call: cst.Call, counters: dict[str, int],
                         scopes: dict[str, SubLayer], taken: set[str]) -> SubLayer | None:
        assert isinstance(call.func, cst.Name)
        callee = self.functions[call.func.value]
        bound = bind_arguments(call, callee.params)
        if bound is None:
            self.block(call, callee.name, "arguments of this call cannot be matched to the function's parameters")
            return None
        scope = callee.scope_name
        if callee.scope_param and callee.scope_param in bound:
            literal = _string(bound[callee.scope_param])
            if literal is None:
                self.block(call, callee.name, "a scope name built from runtime strings cannot become a fixed "
                                              "layer name")
                return None
            scope = literal
        else:
            n = counters.get("lib:" + scope, 0)
            counters["lib:" + scope] = n + 1
            scope = scope if n == 0 else f"{scope}_{n}"
        reuse = self.reuse_mode(callee, bound)
        if scope in scopes:
            if reuse == "no":
                self.block(call, callee.name, f"scope `{scope}` entered twice without reuse=True")
                return None
            return scopes[scope]
        if reuse == "yes":
            self.block(call, callee.name, "reuse=True of a scope that this function did not create")
            return None
        attr = _fresh_layer(re.sub(r"\W", "_", scope), taken)
        scopes[scope] = SubLayer(attr, "library", callee.name, call, scope)
        return scopes[scope]

    def reuse_mode(self, fn: LibraryFunction, bound: dict[str, cst.BaseExpression]) -> str:
        """"no" (create), "yes" (share what exists) or "auto" (tf.AUTO_REUSE: share or create)."""
        if fn.auto_reuse:
            return "auto"
        value = bound.get(fn.reuse_param) if fn.reuse_param is not None else None
        if value is None or (isinstance(value, cst.Name) and value.value in ("None", "False")):
            return "no"
        return "auto" if self.qualified(value) == "tf.AUTO_REUSE" else "yes"

    def classify(self, fn: LibraryFunction) -> None:
        """Configuration parameters size things (shapes, layer arguments); the others are tensors."""
        config: set[str] = set()
        for weight in fn.weights:
            for arg in weight.call.args:
                config |= sizing_names(arg.value)
        for layer_call_id, layer in fn.sublayers.items():
            call = _find_call(fn.node, layer_call_id)
            if call is None:
                continue
            if layer.rnn is not None:
                config |= rnn_sizing_names(layer.rnn)
            elif layer.kind == "keras":
                for i, arg in enumerate(call.args):
                    if i == 0 and arg.keyword is None or (arg.keyword and arg.keyword.value in ("inputs", "training")):
                        continue
                    config |= sizing_names(arg.value)
            else:
                callee = self.functions[layer.target]
                for pname, value in (bind_arguments(call, callee.params) or {}).items():
                    if pname in callee.config_params:
                        config |= sizing_names(value)
        tensors = self.tensor_reads(fn)
        special = {fn.training_param, fn.scope_param, fn.reuse_param}
        first = next((n for n in fn.params if n not in special), None)
        for name in fn.params:
            if name in special:
                continue
            if name == first or (name in tensors and name not in config):
                fn.tensor_params.append(name)
            else:
                fn.config_params.append(name)

    def tensor_reads(self, fn: LibraryFunction) -> set[str]:
        """Parameters used as tensors: fed to a sub-layer as its input, or asked for their shape."""
        out: set[str] = set()
        for layer_call_id, layer in fn.sublayers.items():
            call = _find_call(fn.node, layer_call_id)
            if call is None:
                continue
            if layer.rnn is not None:
                out |= names_used(layer.rnn.inputs)
            elif layer.kind == "keras":
                inputs = next((a.value for i, a in enumerate(call.args) if (i == 0 and a.keyword is None)
                               or (a.keyword and a.keyword.value == "inputs")), None)
                out |= names_used(inputs) if inputs is not None else set()
            else:
                callee = self.functions[layer.target]
                for pname, value in (bind_arguments(call, callee.params) or {}).items():
                    if pname in callee.tensor_params:
                        out |= names_used(value)
        for stmt in fn.body:
            out |= names_used(stmt) - sizing_names(stmt)
        return out

    # the module ----------------------------------------------------------------------------------
    def run(self) -> None:
        defs = self.candidates()
        if not defs:
            return
        for name in self.order(defs):
            if self.blockers:
                return
            fn = self.function(defs[name])
            if fn is None:
                return
            self.functions[name] = fn
        called = {layer.target for fn in self.functions.values() for layer in fn.sublayers.values()
                  if layer.kind == "library"}
        self.module_calls()
        at_module = {site.function for site in self.call_sites.values()}
        for fn in self.functions.values():
            fn.is_model = fn.name not in called and (fn.name in at_module or any(
                layer.kind == "library" for layer in fn.sublayers.values()))

    def module_calls(self) -> None:
        """Module-level calls: each (function, scope) is one object; reuse=True calls it again.

        The statements of the function that opens the session count as module-level: the graph
        rewrite reads that function's body as its program.
        """
        from tf2port.analysis.graph import session_scope

        used = set(names_used(self.module)) - set(self.functions)
        per_function: dict[str, set[str]] = {}
        sites: list[tuple[cst.Call, LibraryFunction, str, str]] = []
        # the function that opens the session is the graph rewrite's program: its statements are call sites too
        driver = session_scope(self.module, self.aliases)[0]
        statements = [inner for stmt in self.module.body
                      for inner in (stmt.body.body if stmt is driver and driver is not None else [stmt])]
        for stmt in statements:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value in self.functions:
                continue
            for call in calls_in(stmt):
                if not (isinstance(call.func, cst.Name) and call.func.value in self.functions):
                    continue
                fn = self.functions[call.func.value]
                if isinstance(stmt, cst.FunctionDef) and any(
                        self.qualified(c.func) in DRIVER_CALLS for c in calls_in(stmt)):
                    self.block(call, fn.name, f"the graph code that calls it is inside `{stmt.name.value}()`, apart "
                                              "from the function that opens the session; Keras layers do not run "
                                              "in graph mode, so the model function is kept")
                    return
                if driver is not None and any(c is call for c in calls_in(driver)):
                    self.driver = driver
                if not isinstance(stmt, cst.SimpleStatementLine):
                    self.block(call, fn.name, "a converted function called inside a block or another function is "
                                              "not rewritten; call it at module level")
                    return
                bound = bind_arguments(call, fn.params)
                if bound is None:
                    self.block(call, fn.name, "arguments of this call cannot be matched to the function's "
                                              "parameters")
                    return
                scope = fn.scope_name
                if fn.scope_param and fn.scope_param in bound:
                    literal = _string(bound[fn.scope_param])
                    if literal is None:
                        self.block(call, fn.name, "a scope name built from runtime strings cannot become a fixed "
                                                  "layer name")
                        return
                    scope = literal
                reuse = self.reuse_mode(fn, bound)
                per_function.setdefault(fn.name, set()).add(scope)
                sites.append((call, fn, scope, reuse))
        created: dict[tuple[str, str], str] = {}
        for call, fn, scope, reuse in sites:
            key = (fn.name, scope)
            if key in created:
                if reuse == "no":
                    self.block(call, fn.name, f"scope `{scope}` entered twice without reuse=True")
                    return
                self.call_sites[id(call)] = CallSite(call, fn.name, created[key], False)
                continue
            if reuse == "yes":
                self.block(call, fn.name, "reuse=True before the scope's variables were created")
                return
            base = fn.name if len(per_function[fn.name]) == 1 else re.sub(r"\W", "_", scope)
            obj = _fresh(base, used)
            created[key] = obj
            self.objects[obj] = scope
            self.call_sites[id(call)] = CallSite(call, fn.name, obj, True)


class _FunctionRnn(RnnReader):
    """The session-script RNN reader, reading state uses in the rest of a function instead of the module."""

    def __init__(self, analyser: _Analyser) -> None:
        super().__init__(analyser)  # type: ignore[arg-type]  # it reads only `qualified` and `block`
        self.later: list[cst.BaseStatement] = []  # the function's statements after the dynamic_rnn

    def kind(self, node: cst.BaseExpression) -> str | None:
        """The TF1 cell class a constructor call makes (`LSTMCell`), or None."""
        return cell_kind(self.a, node)

    def state_uses(self, index: int, state: str) -> tuple[str, ...] | None:
        if state == "_":
            return ()
        reads = _StateReads(state)
        for stmt in self.later:
            stmt.visit(reads)
        return ("whole",) if reads.whole else tuple(sorted(reads.fields))


def rnn_sizing_names(rnn: RnnCall) -> set[str]:
    """Names the cells' unit counts read (configuration of the Keras RNN layer)."""
    cells = rnn.cell.cells if isinstance(rnn.cell, StackSpec) else (rnn.cell,)
    out: set[str] = set()
    for cell in cells:
        out |= names_used(cst.parse_expression(cell.units))
    if isinstance(rnn.cell, StackSpec) and rnn.cell.comprehension:
        out |= names_used(cst.parse_expression(f"[0 {rnn.cell.comprehension}]"))
    return out


def sizing_names(node: cst.CSTNode) -> set[str]:
    """Names an expression reads, except tensors it only asks for their shape or dtype."""
    return _name_uses(node, except_shape_reads=True, into_lambdas=True)


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(
        stmt.body[0], cst.Expr) and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


def _returns_name(value: cst.BaseExpression, name: str) -> bool:
    if isinstance(value, (cst.Tuple, cst.List)):
        return any(isinstance(e.value, cst.Name) and e.value.value == name for e in value.elements)
    return False


def _fresh(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


def _fresh_layer(base: str, taken: set[str]) -> str:
    """A sub-layer attribute: its scope name, or `<name>_layer` where Keras owns the name (`output`)."""
    return _fresh(base if base not in taken else f"{base}_layer", taken)


def _compared(body: list[cst.BaseStatement], name: str) -> bool:
    """Is `name` an operand of a comparison (`mode == tf.estimator.ModeKeys.TRAIN`)?"""
    found = False

    class Visitor(cst.CSTVisitor):
        def visit_Comparison(self, node: cst.Comparison) -> None:
            nonlocal found
            operands = [node.left, *(target.comparator for target in node.comparisons)]
            found = found or any(isinstance(o, cst.Name) and o.value == name for o in operands) and not all(
                isinstance(t.operator, (cst.Is, cst.IsNot)) for t in node.comparisons)

    for stmt in body:
        stmt.visit(Visitor())
    return found


def _find_call(node: cst.CSTNode, call_id: int) -> cst.Call | None:
    return next((c for c in calls_in(node) if id(c) == call_id), None)


def analyse_library(module: cst.Module, aliases: dict[str, str]) -> LibraryProgram:
    """Find the variable-creating functions and their module-level call sites."""
    analyser = _Analyser(module, aliases)
    analyser.run()
    tf_alias = next((local for local, path in aliases.items() if path in ("tensorflow", "tensorflow.compat.v1")),
                    "tf")
    return LibraryProgram(module, aliases, tf_alias, analyser.functions, analyser.call_sites, analyser.objects,
                          analyser.blockers, analyser.positions, analyser.driver)
