"""Library rewrite: variable-creating TF1 functions become Keras layer classes (libcst).

``def encoder_block(x, units, is_training, name="encoder")`` with ``tf.variable_scope(name)``
becomes ``class EncoderBlock(tf.keras.layers.Layer)``: configuration parameters go to
``__init__`` (the scope name becomes the layer name, so TF1 variable names equal Keras
variable paths), ``tf.layers.*`` calls and calls of other converted functions become
sub-layers made in ``__init__``, ``tf.get_variable`` becomes ``add_weight`` in ``build``
(shapes read from the input shapes), and the computation becomes ``call(..., training)``.
Module-level call sites construct one object per scope (``reuse=True`` calls it again);
collections read at module level become the objects' ``trainable_variables`` / ``losses``.
The module's session code is then left to the graph-to-eager pass.

What the analysis (:mod:`tf2port.analysis.library`) does not support declines the module.
"""
from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from tf2port.analysis.graph import calls_in, dotted, keyword, names_used
from tf2port.analysis.library import (_fresh, LibraryFunction, LibraryProgram, REGULARIZATION_KEYS,
                                      REGULARIZATION_READERS, TRAINABLE_READERS, Weight, analyse_library,
                                      bind_arguments, sizing_names)
from tf2port.analysis.names import qualify
from tf2port.analysis.library import rnn_sizing_names
from tf2port.fix import rnn as rnn_emission
from tf2port.fix.graph_to_eager import INITIALIZER_MAP, LAYER_MAP, parse_tf_module
from tf2port.fix.graph_to_eager import Declined as LibraryDeclined  # one blocker record for every rewrite

INDENT = "    "


@dataclass
class LibraryRewrite:
    """New text (None when nothing was rewritten or the module was declined) and the blockers."""

    text: str | None
    declined: list[LibraryDeclined] = field(default_factory=list)
    # public functions that became classes: (line, col, function, class); callers elsewhere must change
    public_classes: list[tuple[int, int, str, str]] = field(default_factory=list)


def _code(node: cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel) -> str:
    """Source of a node (our transformers replace expressions, they never remove them)."""
    if not isinstance(node, cst.CSTNode):
        raise TypeError("an expression was removed by a rewrite")
    return cst.Module(body=[]).code_for_node(node)


class _Names(cst.CSTTransformer):
    """Rename reads of names (not attribute names, keywords or lambda parameters)."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if original.value in self.mapping:
            return cst.parse_expression(self.mapping[original.value])
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        return updated.with_changes(name=original.name)


class _Emitter:
    def __init__(self, program: LibraryProgram) -> None:
        self.p = program
        self.tf = program.tf_alias
        self.blockers: list[LibraryDeclined] = []

    def block(self, node: cst.CSTNode, construct: str, reason: str) -> None:
        pos = self.p.positions.get(node)
        line, col = (pos.start.line, pos.start.column + 1) if pos else (1, 1)
        self.blockers.append(LibraryDeclined(line, col, construct, reason))

    def qualified(self, node: cst.BaseExpression) -> str | None:
        name = dotted(node)
        if name is None:
            return None
        root, _, rest = name.partition(".")
        module = self.p.aliases.get(root)
        return qualify(module + ("." + rest if rest else "")) if module else None

    # ---- expressions ----------------------------------------------------------------------------
    def initializer(self, node: cst.BaseExpression | None, names: dict[str, str]) -> str:
        if node is None:
            return f"{self.tf}.keras.initializers.GlorotUniform()"  # tf.get_variable's default
        if isinstance(node, cst.Call) and self.qualified(node.func) in INITIALIZER_MAP:
            keras, order, defaults = INITIALIZER_MAP[self.qualified(node.func) or ""]
            args = [_code(a.value.visit(_Names(names))) if a.keyword is None
                    else f"{a.keyword.value}={_code(a.value.visit(_Names(names)))}"
                    for a in node.args if not (a.keyword and a.keyword.value in ("dtype", "uniform"))]
            positional = len([a for a in node.args if not a.keyword])
            given = {a.keyword.value for a in node.args if a.keyword} | set(order[:positional])
            args += [f"{k}={v}" for k, v in defaults.items() if k not in given]
            return f"{self.tf}.keras.initializers.{keras}({', '.join(args)})"
        return _code(node.visit(_Names(names)))

    def regularizer(self, node: cst.BaseExpression, names: dict[str, str]) -> str:
        if isinstance(node, cst.Call) and self.qualified(node.func) == "tf.contrib.layers.l2_regularizer" \
                and len(node.args) == 1:
            scale = _code(node.args[0].value.visit(_Names(names)))
            return f"{self.tf}.keras.regularizers.L2({scale} / 2)"  # TF1 takes half the squared sum
        return _code(node.visit(_Names(names)))

    # ---- one class ------------------------------------------------------------------------------
    def klass(self, fn: LibraryFunction) -> cst.BaseStatement | None:
        tf = self.tf
        base = f"{tf}.keras.Model" if fn.is_model else f"{tf}.keras.layers.Layer"
        config_names = {p: f"self.{p}" for p in fn.config_params}
        call_names = dict(config_names)
        call_names.update({w.target: f"self.{w.attr}" for w in fn.weights})
        if fn.training_param:
            call_names[fn.training_param] = "training"
        # __init__
        params = [p + (f"={fn.defaults[p]}" if p in fn.defaults else "") for p in fn.config_params]
        init = [f"def __init__(self, {', '.join([*params, f'name={fn.scope_name!r}', '**kwargs'])}):".replace(
            "'", '"'), f"{INDENT}super().__init__(name=name, **kwargs)"]
        body_lines, build_lines = self.call_body(fn, call_names), self.build_body(fn)
        if body_lines is None or build_lines is None:
            return None
        for p in fn.config_params:
            if any(re.search(rf"\bself\.{p}\b", line) for line in body_lines + build_lines):
                init.append(f"{INDENT}self.{p} = {p}")
        seen: set[str] = set()
        for layer in fn.sublayers.values():
            if layer.attr in seen:
                continue
            seen.add(layer.attr)
            ctor = self.constructor(fn, layer)
            if ctor is None:
                return None
            init.append(f"{INDENT}self.{layer.attr} = {ctor}".replace("\n", "\n" + INDENT))
        methods = ["\n".join(init)]
        if build_lines:
            methods.append("\n".join(build_lines))
        call_params = ", ".join(["self", *fn.tensor_params, "training=False"])
        methods.append("\n".join([f"def call({call_params}):", *body_lines]))
        doc = _code(fn.docstring).strip() if fn.docstring is not None else None
        parts = [f"class {fn.class_name}({base}):"]
        if doc:
            parts.append(INDENT + doc)
            parts.append("")
        parts.append("\n\n".join(_indent(m, INDENT) for m in methods))
        node = cst.parse_statement("\n".join(parts) + "\n")
        return node.with_changes(leading_lines=fn.node.leading_lines)

    def constructor(self, fn: LibraryFunction, layer) -> str | None:
        call = layer.call
        allowed = set(fn.config_params) | set(self.p.aliases) | _module_names(self.p.module) | set(dir(builtins))
        if layer.rnn is not None:
            if rnn_sizing_names(layer.rnn) - allowed - {"_"}:
                self.block(call, "tf.nn.dynamic_rnn", "a cell size computed inside the function (it must be known "
                                                      "when the layer is made)")
                return None
            # the Keras layer is named after dynamic_rnn's scope: `<scope>/rnn/lstm_cell/kernel` keeps its prefix
            return rnn_emission.constructor(layer.rnn, self.tf, f"{INDENT * 2}self.{layer.attr}", name=layer.scope)
        if layer.kind == "keras":
            if layer.target not in LAYER_MAP:
                self.block(call, "tf.layers." + layer.target, "this tf.layers function has no mapped Keras layer")
                return None
            keras, call_keywords = LAYER_MAP[layer.target]
            args: list[str] = []
            for i, arg in enumerate(call.args):
                key = arg.keyword.value if arg.keyword else None
                if (key is None and i == 0) or key in ("inputs", "name", "reuse") or key in call_keywords:
                    continue
                if key == "fused" or sizing_names(arg.value) - allowed:
                    if key == "fused":
                        continue
                    self.block(arg, "tf.layers." + layer.target, "a layer argument computed inside the function "
                                                                 "(it must be known when the layer is made)")
                    return None
                value = self.initializer(arg.value, {}) if key and key.endswith("_initializer") else _code(arg.value)
                args.append(value if key is None else f"{key}={value}")
            args.append(f'name="{layer.scope}"')
            return f"{self.tf}.keras.layers.{keras}({', '.join(args)})"
        callee = self.p.functions[layer.target]
        bound = bind_arguments(call, callee.params) or {}
        for p in callee.config_params:
            if p in bound and sizing_names(bound[p]) - allowed:
                self.block(call, callee.name, "a layer argument computed inside the function (it must be "
                                              "known when the layer is made)")
                return None
        args = _constructor_args(callee, bound)
        if layer.scope != callee.scope_name:
            args.append(f'name="{layer.scope}"')
        return f"{callee.class_name}({', '.join(args)})"

    def build_body(self, fn: LibraryFunction) -> list[str] | None:
        if not fn.weights:
            return []
        if len(fn.tensor_params) == 1:
            shape_names = {fn.tensor_params[0]: "input_shape"}
        else:
            shape_names = {p: f"{p}_shape" for p in fn.tensor_params}
        locals_ = _local_assignments(fn.body)
        lines: list[str] = []
        copied: set[str] = set()
        mapping = {p: f"self.{p}" for p in fn.config_params}

        def need(names: set[str], where: cst.CSTNode) -> bool:
            for name in sorted(names):
                if name in copied or name not in locals_:
                    continue
                value = locals_[name]
                inner = sizing_names(value)
                if inner & set(fn.tensor_params) or inner & {w.target for w in fn.weights}:
                    self.block(where, "tf.get_variable", f"a weight shape computed from tensor values (`{name}`)")
                    return False
                if not need(inner, where):
                    return False
                copied.add(name)
                lines.append(f"{INDENT}{name} = {self.shape_code(value, shape_names, mapping)}")
            return True

        for weight in fn.weights:
            bound = bind_arguments(weight.call, list(GET_VARIABLE_ARGS))
            if bound is None or set(bound) - set(GET_VARIABLE_ARGS[:6]):
                self.block(weight.call, "tf.get_variable", "get_variable arguments beyond name, shape, dtype, "
                                                           "initializer, regularizer and trainable")
                return None
            name = bound.get("name")
            shape = bound.get("shape")
            if not isinstance(name, cst.SimpleString) or shape is None:
                self.block(weight.call, "tf.get_variable", "a variable without a literal name and a shape")
                return None
            if not need(sizing_names(shape), weight.call):
                return None
            args = [f"name={_code(name)}", f"shape={self.shape_code(shape, shape_names, mapping)}",
                    f"initializer={self.initializer(bound.get('initializer'), mapping)}"]
            if "regularizer" in bound:
                args.append(f"regularizer={self.regularizer(bound['regularizer'], mapping)}")
            for extra in ("dtype", "trainable"):
                if extra in bound:
                    args.append(f"{extra}={_code(bound[extra].visit(_Names(mapping)))}")
            line = f"{INDENT}self.{weight.attr} = self.add_weight({', '.join(args)})"
            if len(line) > 110:
                line = f"{INDENT}self.{weight.attr} = self.add_weight(\n" + "".join(
                    f"{INDENT * 2}{a},\n" for a in args) + f"{INDENT})"
            lines.append(line)
        params = ", ".join(["self", *(shape_names[p] for p in fn.tensor_params)])
        return [f"def build({params}):", *lines]

    def shape_code(self, node: cst.BaseExpression, shape_names: dict[str, str], mapping: dict[str, str]) -> str:
        shaped = node.visit(_ShapeReads(shape_names))
        assert isinstance(shaped, cst.CSTNode)
        return _code(shaped.visit(_Names(mapping)))

    def call_body(self, fn: LibraryFunction, names: dict[str, str]) -> list[str] | None:
        weight_calls = {id(w.call) for w in fn.weights}
        build_only = self.build_only_locals(fn)
        out: list[str] = []
        transformer = _CallBody(self, fn, names)
        for stmt in fn.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                kept = [s for s in stmt.body if id(s) not in fn.rnn_only and not (isinstance(s, cst.Assign) and (
                    id(s.value) in weight_calls or _assigned(s) & build_only == _assigned(s) != set()))]
                if not kept:
                    continue
                stmt = stmt.with_changes(body=kept)
            new = stmt.visit(transformer)
            if transformer.failed:
                return None
            code = _code(new).rstrip("\n")
            out.append(_indent(code, INDENT))
        if not out:
            out.append(f"{INDENT}return None")
        return out

    def build_only_locals(self, fn: LibraryFunction) -> set[str]:
        """Locals that only size weights (`depth = x.get_shape()[-1]`): they live in `build`, not `call`."""
        weight_calls = {id(w.call) for w in fn.weights}
        sizing: set[str] = set()
        for weight in fn.weights:
            for arg in weight.call.args:
                sizing |= sizing_names(arg.value)
        reads: set[str] = set()
        for stmt in fn.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and id(small.value) in weight_calls:
                        continue
                    reads |= names_used(small.value if isinstance(small, cst.Assign) else small)
            else:
                reads |= names_used(stmt)
        return {name for name in _local_assignments(fn.body) if name in sizing and name not in reads}

    # ---- the module -----------------------------------------------------------------------------
    def build(self) -> cst.Module | None:
        body = self.statements(self.p.module.body)
        if body is None or self.blockers:
            return None
        return self.p.module.with_changes(body=body)

    def statements(self, statements: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement] | None:
        """The module's statements, or the session function's: call sites create and call the objects."""
        body: list[cst.BaseStatement] = []
        for stmt in statements:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value in self.p.functions:
                new = self.klass(self.p.functions[stmt.name.value])
                if new is None:
                    return None
                body.append(new)
                continue
            if stmt is self.p.driver:
                if not isinstance(stmt.body, cst.IndentedBlock):
                    return None  # `def main(): ...` on one line: small statements, no call site lines to rebuild
                inner = self.statements(stmt.body.body)
                if inner is None:
                    return None
                body.append(stmt.with_changes(body=stmt.body.with_changes(body=inner)))
                continue
            creations: list[cst.BaseStatement] = []
            sites = [s for s in self.p.call_sites.values() if _contains(stmt, s.call)]
            for site in sites:
                if site.creates:
                    creations.append(cst.parse_statement(f"{site.obj} = {self.creation(site)}\n"))
            new_stmt = stmt.visit(_ModuleCalls(self)) if sites or self.reads_collections(stmt) else stmt
            if not isinstance(new_stmt, cst.BaseStatement):
                return None
            if creations:
                creations[0] = creations[0].with_changes(leading_lines=getattr(stmt, "leading_lines", []))
                new_stmt = new_stmt.with_changes(leading_lines=[])
            body += creations + [new_stmt]
        return body

    def reads_collections(self, stmt: cst.CSTNode) -> bool:
        """Whether _ModuleCalls has anything to do here besides call sites (a transformer pass costs)."""
        readers = TRAINABLE_READERS | REGULARIZATION_READERS | {"tf.get_collection"}
        return any(self.qualified(call.func) in readers for call in calls_in(stmt))

    def creation(self, site) -> str:
        fn = self.p.functions[site.function]
        bound = bind_arguments(site.call, fn.params) or {}
        args = _constructor_args(fn, bound)
        scope = self.p.objects[site.obj]
        if scope != fn.scope_name:
            args.append(f'name="{scope}"')
        return f"{fn.class_name}({', '.join(args)})"

    def layer_call(self, fn: LibraryFunction | None, call: cst.Call, names: dict[str, str], obj: str,
                   callee: LibraryFunction | None, keras_kind: str | None) -> cst.BaseExpression:
        """`obj(inputs..., training=...)` for a call of a tf.layers function or a converted function."""
        args: list[str] = []
        rename = _Names(names)
        if keras_kind is not None:
            _, call_keywords = LAYER_MAP.get(keras_kind, ("", ()))
            inputs = keyword(call, "inputs", 0)
            if inputs is not None:
                args.append(_code(inputs.visit(rename)))
            for key in call_keywords:
                value = keyword(call, key, None)
                if value is not None:
                    args.append(f"{key}={_code(value.visit(rename))}")
        else:
            assert callee is not None
            bound = bind_arguments(call, callee.params) or {}
            for p in callee.tensor_params:
                if p in bound:
                    args.append(_code(bound[p].visit(rename)))
            if callee.training_param and callee.training_param in bound:
                args.append(f"training={_code(bound[callee.training_param].visit(rename))}")
        return cst.parse_expression(f"{obj}({', '.join(args)})")


GET_VARIABLE_ARGS = ("name", "shape", "dtype", "initializer", "regularizer", "trainable")


class _ShapeReads(cst.CSTTransformer):
    """`x.get_shape().as_list()[-1]` / `x.shape[-1]` in a weight shape -> `input_shape[-1]`."""

    def __init__(self, shape_names: dict[str, str]) -> None:
        self.shape_names = shape_names

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = updated.func
        if isinstance(func, cst.Attribute) and not updated.args:
            if func.attr.value == "get_shape" and isinstance(func.value, cst.Name) \
                    and func.value.value in self.shape_names:
                return cst.Name(self.shape_names[func.value.value])
            if func.attr.value == "as_list" and isinstance(func.value, cst.Name) \
                    and func.value.value in self.shape_names.values():
                return func.value
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if updated.attr.value == "shape" and isinstance(updated.value, cst.Name) \
                and updated.value.value in self.shape_names:
            return cst.Name(self.shape_names[updated.value.value])
        return updated


class _CallBody(cst.CSTTransformer):
    """The function's computation as `call`: sub-layer calls, renamed reads, losses added."""

    def __init__(self, emitter: _Emitter, fn: LibraryFunction, names: dict[str, str]) -> None:
        self.e = emitter
        self.fn = fn
        self.names = names
        self.failed = False
        # LSTM states read as `state.h` / `state.c`: Keras returns them apart (h before c)
        self.states = {layer.rnn.state: {part: f"{layer.rnn.state}_{part}" for part in layer.rnn.state_parts}
                       for layer in fn.sublayers.values() if layer.rnn is not None and layer.rnn.state_parts
                       and layer.rnn.state is not None}

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        layer = self.fn.sublayers.get(id(original.value))
        if layer is None or layer.rnn is None:
            return updated
        rnn = layer.rnn
        targets = [rnn.outputs]
        if rnn.state in self.states:
            targets += [self.states[rnn.state][part] if part in rnn.state_parts else "_" for part in ("h", "c")]
        elif rnn.state:
            targets.append(rnn.state)
        target = cst.parse_expression(", ".join(targets))
        assert isinstance(target, (cst.Name, cst.Tuple))
        return updated.with_changes(targets=[cst.AssignTarget(target)])

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        layer = self.fn.sublayers.get(id(original))
        if layer is not None and layer.rnn is not None:  # the inputs, renamed like every read
            return cst.parse_expression(f"self.{layer.attr}({_code(layer.rnn.inputs.visit(_Names(self.names)))})")
        if layer is not None:
            callee = self.e.p.functions.get(layer.target) if layer.kind == "library" else None
            return self.e.layer_call(self.fn, updated, self.names, f"self.{layer.attr}", callee,
                                     layer.target if layer.kind == "keras" else None)
        q = self.e.qualified(original.func)
        if q == "tf.add_to_collection" and len(original.args) == 2:
            key = self.e.qualified(original.args[0].value)
            if key in REGULARIZATION_KEYS or _code(original.args[0].value) in ('"losses"', "'losses'"):
                return cst.parse_expression(f"self.add_loss({_code(updated.args[1].value)})")
            self.e.block(original, "tf.add_to_collection", "adding to a graph collection is not rewritten")
            self.failed = True
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if original.value in self.names:
            return cst.parse_expression(self.names[original.value])
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if isinstance(original.value, cst.Name) and original.value.value in self.states \
                and original.attr.value in self.states[original.value.value]:
            return cst.Name(self.states[original.value.value][original.attr.value])
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)


class _ModuleCalls(cst.CSTTransformer):
    """Module level: converted-function calls become object calls; collections name the objects."""

    def __init__(self, emitter: _Emitter) -> None:
        self.e = emitter

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        site = self.e.p.call_sites.get(id(original))
        if site is not None:
            fn = self.e.p.functions[site.function]
            return self.e.layer_call(None, updated, {}, site.obj, fn, None)
        q = self.e.qualified(original.func)
        objects = list(self.e.p.objects)
        if q in TRAINABLE_READERS or (q == "tf.get_collection" and original.args and self.e.qualified(
                original.args[0].value) in ("tf.GraphKeys.TRAINABLE_VARIABLES", "tf.GraphKeys.GLOBAL_VARIABLES")):
            scope = keyword(original, "scope", 1 if q == "tf.get_collection" else 0)
            literal = scope.evaluated_value if isinstance(scope, cst.SimpleString) else None
            matching = [o for o, s in self.e.p.objects.items() if literal is not None and s == literal]
            if len(matching) == 1:
                return cst.parse_expression(f"{matching[0]}.trainable_variables")
            if scope is None and len(objects) == 1:
                return cst.parse_expression(f"{objects[0]}.trainable_variables")
            self.e.block(original, q or "", "a variable collection that does not name one converted layer")
            return updated
        if q in REGULARIZATION_READERS and objects:
            return cst.parse_expression(" + ".join(f"sum({o}.losses)" for o in objects))
        if q == "tf.get_collection" and original.args and objects and self.e.qualified(
                original.args[0].value) in REGULARIZATION_KEYS:
            return cst.parse_expression(" + ".join(f"{o}.losses" for o in objects))
        return updated


def _constructor_args(fn: LibraryFunction, bound: dict[str, cst.BaseExpression]) -> list[str]:
    """Required configuration positionally while the order allows, the rest by keyword."""
    args: list[str] = []
    positional = True
    for p in fn.config_params:
        if p not in bound:
            positional = False
            continue
        positional = positional and p not in fn.defaults
        args.append(_code(bound[p]) if positional else f"{p}={_code(bound[p])}")
    return args


def _contains(node: cst.CSTNode, target: cst.CSTNode) -> bool:
    from tf2port.analysis.graph import calls_in

    return any(c is target for c in calls_in(node))


def _assigned(small: cst.Assign) -> set[str]:
    return {t.target.value for t in small.targets if isinstance(t.target, cst.Name)}


def _local_assignments(body: list[cst.BaseStatement]) -> dict[str, cst.BaseExpression]:
    out: dict[str, cst.BaseExpression] = {}
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 \
                        and isinstance(small.targets[0].target, cst.Name):
                    out.setdefault(small.targets[0].target.value, small.value)
    return out


def _module_names(module: cst.Module) -> set[str]:
    """Names bound at module level (constants a layer argument may read)."""
    out: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            out.add(target.target.value)
    return out


def _indent(code: str, prefix: str) -> str:
    return "\n".join(prefix + line if line.strip() else line for line in code.splitlines())


NESTED_SCOPE = "a nested variable_scope inside one function"


def lift_nested_scopes(module: cst.Module, tf_alias: str) -> cst.Module:
    """Move each `with tf.variable_scope("inner"):` block inside a function into its own function.

    The block's inputs (names it reads that were bound before it) become parameters, the
    names it binds that are read later are returned; the block becomes a call. The new
    function then converts like any other, into a sub-layer named after the scope.
    """
    taken = set(names_used(module)) | {s.name.value for s in module.body if isinstance(s, cst.FunctionDef)}
    body: list[cst.BaseStatement] = []
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef):
            lifted, stmt = _lift_in_function(stmt, tf_alias, taken)
            body += lifted
        body.append(stmt)
    return module.with_changes(body=body)


def _lift_in_function(fn: cst.FunctionDef, tf_alias: str, taken: set[str]
                      ) -> tuple[list[cst.BaseStatement], cst.FunctionDef]:
    if not isinstance(fn.body, cst.IndentedBlock):
        return [], fn
    statements = list(fn.body.body)
    outer = next((i for i, s in enumerate(statements) if isinstance(s, cst.With) and _scope_literal(s, tf_alias)),
                 None)
    candidate = statements[outer] if outer is not None else None
    holder = candidate if isinstance(candidate, cst.With) and isinstance(candidate.body, cst.IndentedBlock) else None
    inner: list[cst.BaseStatement] = [s for s in holder.body.body if isinstance(s, cst.BaseStatement)] \
        if holder is not None else statements
    params = [p.name.value for p in [*fn.params.params, *fn.params.kwonly_params]]
    lifted: list[cst.BaseStatement] = []
    new_inner: list[cst.BaseStatement] = []
    for i, stmt in enumerate(inner):
        scope = _scope_literal(stmt, tf_alias) if isinstance(stmt, cst.With) else None
        if scope is None or not isinstance(stmt, cst.With) or not isinstance(stmt.body, cst.IndentedBlock):
            new_inner.append(stmt)
            continue
        block = list(stmt.body.body)
        returns = [n for n in _returns(stmt)]
        ends_with_return = bool(block) and isinstance(block[-1], cst.SimpleStatementLine) and any(
            isinstance(small, cst.Return) for small in block[-1].body)
        if len(returns) > (1 if ends_with_return else 0):
            new_inner.append(stmt)  # a return inside a branch: the analysis declines it
            continue
        bound_before = set(params)
        for earlier in inner[:i]:
            bound_before |= _bound(earlier)
        reads = [n for n in _ordered_names(stmt.body) if n in bound_before]
        later = set().union(*(names_used(s) for s in inner[i + 1:])) if i + 1 < len(inner) else set()
        outputs = [n for n in _ordered_bound(block) if n in later]
        base = re.sub(r"\W", "_", scope)
        name = _fresh(base if base not in taken else f"{base}_block", taken)  # `hidden` may be a parameter
        code = _code(stmt.with_changes(leading_lines=[]))
        lines = [f"def {name}({', '.join(reads)}):", _indent(code, INDENT)]
        if outputs and not ends_with_return:
            lines.append(f"{INDENT * 2}return {', '.join(outputs)}")
        lifted.append(cst.parse_statement("\n".join(lines) + "\n").with_changes(
            leading_lines=[cst.EmptyLine(), cst.EmptyLine()] if lifted or fn.leading_lines else []))
        call = f"{name}({', '.join(reads)})"
        replacement = f"return {call}" if ends_with_return else (
            f"{', '.join(outputs)} = {call}" if outputs else call)
        new_inner.append(cst.parse_statement(replacement + "\n").with_changes(leading_lines=stmt.leading_lines))
    if not lifted:
        return [], fn
    if holder is not None and outer is not None:
        statements[outer] = holder.with_changes(body=holder.body.with_changes(body=new_inner))
    else:
        statements = new_inner
    lifted[0] = lifted[0].with_changes(leading_lines=fn.leading_lines)
    fn = fn.with_changes(body=fn.body.with_changes(body=statements),
                         leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    return lifted, fn


def _scope_literal(stmt: cst.With, tf_alias: str) -> str | None:
    for item in stmt.items:
        call = item.item
        if isinstance(call, cst.Call) and dotted(call.func) == f"{tf_alias}.variable_scope" and call.args \
                and call.args[0].keyword is None and isinstance(call.args[0].value, cst.SimpleString):
            value = call.args[0].value.evaluated_value
            return value if isinstance(value, str) else None
    return None


def _returns(node: cst.CSTNode) -> list[cst.Return]:
    found: list[cst.Return] = []

    class Visitor(cst.CSTVisitor):
        def visit_Return(self, ret: cst.Return) -> None:
            found.append(ret)

        def visit_FunctionDef(self, inner: cst.FunctionDef) -> bool:
            return False

    node.visit(Visitor())
    return found


def _bound(stmt: cst.BaseStatement) -> set[str]:
    return set(_ordered_bound([stmt]))


def _ordered_bound(statements: list[cst.BaseStatement]) -> list[str]:
    out: list[str] = []

    class Visitor(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            for name in _target_names(node.target):
                if name not in out:
                    out.append(name)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            for name in _target_names(node.target):
                if name not in out:
                    out.append(name)

    for stmt in statements:
        stmt.visit(Visitor())
    return out


def _target_names(node: cst.BaseExpression) -> list[str]:
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        return [n for element in node.elements for n in _target_names(element.value)]
    return []


def _ordered_names(node: cst.CSTNode) -> list[str]:
    out: list[str] = []

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            if name.value not in out:
                out.append(name.value)

        def visit_Attribute(self, attr: cst.Attribute) -> bool:
            attr.value.visit(self)
            return False

        def visit_Arg(self, arg: cst.Arg) -> bool:
            arg.value.visit(self)
            return False

    node.visit(Visitor())
    return out


def rewrite(text: str) -> LibraryRewrite:
    """Rewrite the module's variable-creating functions; ``text`` None means nothing to do or declined."""
    parsed = parse_tf_module(text)
    if parsed is None:
        return LibraryRewrite(None)
    module, aliases = parsed
    program = analyse_library(module, aliases)
    if program.blockers and all(NESTED_SCOPE in b.reason for b in program.blockers):
        lifted = analyse_library(lift_nested_scopes(module, program.tf_alias), aliases)
        if lifted.blockers:  # the lines of the lifted module are not the user's: report at the nested scope
            first = program.blockers[0]
            where = program.positions.get(lifted.blockers[0].node) if lifted.blockers[0].node is not None else None
            if where is not None:  # a node the lifting left in place (session code): the user's own line
                blocker = lifted.blockers[0]
                return LibraryRewrite(None, [LibraryDeclined(where.start.line, where.start.column + 1,
                                                             blocker.construct, blocker.reason)])
            reason = lifted.blockers[0].reason
            if NESTED_SCOPE not in reason:
                reason = f"in the block of this nested variable_scope: {reason}"
            return LibraryRewrite(None, [LibraryDeclined(first.line, first.col, first.construct, reason)])
        program = lifted
    if program.blockers:
        return LibraryRewrite(None, [LibraryDeclined(b.line, b.col, b.construct, b.reason)
                                     for b in program.blockers])
    if not program.functions:
        return LibraryRewrite(None)
    emitter = _Emitter(program)
    try:
        new = emitter.build()
        code = new.code if new is not None else None
        if code is not None:
            ast.parse(code)
    except Exception as exc:  # noqa: BLE001 - a rewrite bug declines this module; today's behaviour stays
        return LibraryRewrite(None, [LibraryDeclined(1, 1, "library", f"internal error in the library rewrite "
                                                                      f"({exc}); please report it with this file")])
    if code is None:
        return LibraryRewrite(None, emitter.blockers)
    public = []
    users = {stmt.name.value for stmt in module.body if isinstance(stmt, cst.FunctionDef)}  # not lifted scopes
    for fn in program.functions.values():
        if not fn.name.startswith("_") and fn.name in users:
            line = code[: code.find(f"class {fn.class_name}(")].count("\n") + 1  # where it is in the output
            public.append((line, 1, fn.name, fn.class_name))
    return LibraryRewrite(code, public_classes=sorted(public))
