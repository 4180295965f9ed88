"""Graph to eager: rewrite a TF1 session script into TF2-native code (libcst).

One function per distinct ``sess.run`` (same fetches, same feeds): the fed placeholders
become its parameters, the statements that compute the fetched values (and only those)
become its body, a ``minimize`` becomes a ``tf.GradientTape`` step with the matching
Keras optimizer, and the run site becomes a call. Variables, Keras layers (from
``tf.layers``) and optimizers are created once at module level. Sessions and
initialisers disappear. Names come from the user's names: ``train`` → ``train_step``,
``cost`` → ``compute_cost``.

The analysis (:mod:`tf2port.analysis.graph`) decides what is supported; a blocker
declines the whole module (its ``tf.compat.v1`` fallback then still runs).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

import libcst as cst

from tf2port.analysis.graph import (GLOBAL_STEP, GraphProgram, RunSite, Statement, analyse_graph, dotted,
                                    keyword, names_used, suite_lines)
from tf2port.analysis.graph_io import SummaryFetch
from tf2port.analysis.names import analyse
from tf2port.analysis.structure import module_aliases
from tf2port.fix import rnn
from tf2port.fix import graph_to_eager_io as io
from tf2port.fix.name_scopes import Scopes

# TF1 optimizer -> (Keras class, v1 positional params, {v1 param: keras param}, TF1 defaults Keras lacks)
OPTIMIZER_MAP: dict[str, tuple[str, tuple[str, ...], dict[str, str], dict[str, str]]] = {
    "tf.train.GradientDescentOptimizer": ("SGD", ("learning_rate", "use_locking", "name"),
                                          {"learning_rate": "learning_rate"}, {}),
    "tf.train.MomentumOptimizer": ("SGD", ("learning_rate", "momentum", "use_locking", "name", "use_nesterov"),
                                   {"learning_rate": "learning_rate", "momentum": "momentum",
                                    "use_nesterov": "nesterov"}, {}),
    "tf.train.AdamOptimizer": ("Adam", ("learning_rate", "beta1", "beta2", "epsilon", "use_locking", "name"),
                               {"learning_rate": "learning_rate", "beta1": "beta_1", "beta2": "beta_2",
                                "epsilon": "epsilon"},
                               {"learning_rate": "0.001", "epsilon": "1e-08"}),
    "tf.train.AdagradOptimizer": ("Adagrad", ("learning_rate", "initial_accumulator_value", "use_locking", "name"),
                                  {"learning_rate": "learning_rate",
                                   "initial_accumulator_value": "initial_accumulator_value"},
                                  {"initial_accumulator_value": "0.1"}),
    "tf.train.AdadeltaOptimizer": ("Adadelta", ("learning_rate", "rho", "epsilon", "use_locking", "name"),
                                   {"learning_rate": "learning_rate", "rho": "rho", "epsilon": "epsilon"},
                                   {"learning_rate": "0.001", "rho": "0.95", "epsilon": "1e-08"}),
    # TF1 adds epsilon inside the square root like Keras does; its accumulator starts at 1.0
    # (see RMSPROP_START below)
    "tf.train.RMSPropOptimizer": ("RMSprop", ("learning_rate", "decay", "momentum", "epsilon", "use_locking",
                                              "centered", "name"),
                                  {"learning_rate": "learning_rate", "decay": "rho", "momentum": "momentum",
                                   "epsilon": "epsilon", "centered": "centered"},
                                  {"epsilon": "1e-10"}),
}
# TF1 optimizers with no exactly equivalent Keras optimizer, and why
UNMAPPED_OPTIMIZERS: dict[str, str] = {
    "tf.train.ProximalAdagradOptimizer": "Keras has no proximal Adagrad (l1/l2 applied in the update)",
    "tf.train.ProximalGradientDescentOptimizer": "Keras has no proximal gradient descent",
    "tf.train.AdagradDAOptimizer": "Keras has no dual-averaging Adagrad",
    "tf.train.FtrlOptimizer": "Keras' Ftrl is not verified against TF1's here (l2 shrinkage and beta differ in form)",
}
# Keras' RMSprop starts its mean-square slots ("velocity") at 0, TF1's at 1.0: the converted program
# builds the optimizer on its variables and sets those slots to ones before the first step
RMSPROP_START = """{optimizer}.build({variables})
for {slot} in {optimizer}.variables:
    if {slot}.name.endswith("_velocity"):  # TF1's RMSProp starts its mean square at 1.0, Keras' at 0
        {slot}.assign({tf}.ones({slot}.shape))
"""
# Keras layers among those variables are built first, from their input's shape (see _Emitter.layer_build)
LAYER_BUILD_COMMENT = "# Keras creates a layer's weights at its first call: built now so RMSProp's slots exist"
# tf.layers function -> (Keras layer class, keywords that belong to the call, not the constructor)
LAYER_MAP: dict[str, tuple[str, tuple[str, ...]]] = {
    "dense": ("Dense", ()),
    "conv1d": ("Conv1D", ()),
    "conv2d": ("Conv2D", ()),
    "conv3d": ("Conv3D", ()),
    "conv2d_transpose": ("Conv2DTranspose", ()),
    "separable_conv2d": ("SeparableConv2D", ()),
    "max_pooling1d": ("MaxPooling1D", ()),
    "max_pooling2d": ("MaxPooling2D", ()),
    "max_pooling3d": ("MaxPooling3D", ()),
    "average_pooling1d": ("AveragePooling1D", ()),
    "average_pooling2d": ("AveragePooling2D", ()),
    "average_pooling3d": ("AveragePooling3D", ()),
    "flatten": ("Flatten", ()),
    "dropout": ("Dropout", ("training",)),
    "batch_normalization": ("BatchNormalization", ("training",)),
}
DROPPED_LAYER_KEYWORDS = ("reuse", "fused")
# tf.contrib.layers / slim `fully_connected` -> Keras Dense: {contrib keyword: Dense keyword}; contrib's
# defaults that Keras does not share are written out (relu activation; Glorot uniform and zeros are
# Keras' own defaults too)
CONTRIB_DENSE_KEYWORDS = {"num_outputs": "units", "activation_fn": "activation",
                          "weights_initializer": "kernel_initializer", "biases_initializer": "bias_initializer",
                          "trainable": "trainable", "scope": "name"}
WEIGHTLESS_LAYERS = frozenset({"max_pooling1d", "max_pooling2d", "max_pooling3d", "average_pooling1d",
                               "average_pooling2d", "average_pooling3d", "flatten", "dropout"})
# TF1 initializers -> Keras ones, with TF1's defaults made explicit where Keras' differ
# (Keras class, its leading parameters in order, TF1 defaults Keras does not share)
INITIALIZER_MAP: dict[str, tuple[str, tuple[str, ...], dict[str, str]]] = {
    "tf.contrib.layers.xavier_initializer": ("GlorotUniform", ("seed",), {}),
    "tf.glorot_uniform_initializer": ("GlorotUniform", ("seed",), {}),
    "tf.glorot_normal_initializer": ("GlorotNormal", ("seed",), {}),
    "tf.random_normal_initializer": ("RandomNormal", ("mean", "stddev", "seed"), {"stddev": "1.0"}),
    "tf.truncated_normal_initializer": ("TruncatedNormal", ("mean", "stddev", "seed"), {"stddev": "1.0"}),
    "tf.random_uniform_initializer": ("RandomUniform", ("minval", "maxval", "seed"),
                                      {"minval": "0.0", "maxval": "1.0"}),
    "tf.zeros_initializer": ("Zeros", (), {}),
    "tf.ones_initializer": ("Ones", (), {}),
    "tf.constant_initializer": ("Constant", ("value",), {}),
}
# TF1 tf.losses -> an expression template over the call's arguments (reduction: mean, weights 1)
LOSS_MAP: dict[str, tuple[tuple[str, ...], str]] = {
    "tf.losses.mean_squared_error": (("labels", "predictions"),
                                     "{tf}.reduce_mean({tf}.square({predictions} - {labels}))"),
    "tf.losses.sparse_softmax_cross_entropy": (
        ("labels", "logits"),
        "{tf}.reduce_mean({tf}.nn.sparse_softmax_cross_entropy_with_logits(labels={labels}, logits={logits}))"),
    "tf.losses.softmax_cross_entropy": (
        ("onehot_labels", "logits"),
        "{tf}.reduce_mean({tf}.nn.softmax_cross_entropy_with_logits(labels={onehot_labels}, logits={logits}))"),
    "tf.losses.sigmoid_cross_entropy": (
        ("multi_class_labels", "logits"),
        "{tf}.reduce_mean({tf}.nn.sigmoid_cross_entropy_with_logits(labels={multi_class_labels}, "
        "logits={logits}))"),
    "tf.losses.absolute_difference": (("labels", "predictions"),
                                      "{tf}.reduce_mean({tf}.abs({predictions} - {labels}))"),
}
LAYER_PREFIX_TF = "tf.layers."
# ops whose gradients are IndexedSlices (sparse): Keras' Adam treats those lazily, TF1's did not
SPARSE_GRADIENT_OPS = frozenset({"tf.gather", "tf.nn.embedding_lookup", "tf.gather_nd",
                                 "tf.nn.embedding_lookup_sparse"})
TRAIN_NAMES = {"train", "train_op", "optimizer", "opt", "optim", "minimize", "training_op", "optimize", "train_step"}


@dataclass(frozen=True)
class Declined:
    line: int
    col: int
    construct: str
    reason: str


@dataclass
class Rewrite:
    """Outcome: new text (None when declined), the blockers, and what was rewritten."""

    text: str | None
    declined: list[Declined] = field(default_factory=list)
    rewritten: list[tuple[int, str]] = field(default_factory=list)  # (line, construct)


@dataclass
class StepFunction:
    name: str
    fetches: tuple[str, ...]  # non-train, non-variable-only fetch names returned, in order
    params: list[str]  # placeholders, in definition order
    iterator_inputs: list[str]
    train: Statement | None
    body: list[Statement]
    returns: tuple[str, ...]
    input_signature: bool = True
    keys: tuple[str, ...] = ()  # returned as a dict with these keys (a dict of fetches)
    summary: SummaryFetch | None = None  # summaries this step writes (see graph_to_eager_io)


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _transformed(node: cst.CSTNode, transformer: cst.CSTTransformer) -> cst.CSTNode:
    """``node`` after one of the rewrite's transformers: they replace nodes, never remove one."""
    new = node.visit(transformer)
    assert isinstance(new, cst.CSTNode)
    return new


def _expr(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def _stmt(code: str) -> cst.BaseStatement:
    return cst.parse_statement(code)


def _aliases(text: str) -> dict[str, str]:
    tree = ast.parse(text)
    return module_aliases(tree, analyse(tree, text))


class _Emitter:
    def __init__(self, program: GraphProgram) -> None:
        self.p = program
        self.tf = program.tf_alias
        self.blockers: list[Declined] = []
        self.functions: dict[tuple, StepFunction] = {}
        self.used_names: set[str] = set(names_used(program.module))
        self.defs = program.by_name()
        self.layer_objects: dict[int, str] = {}  # statement index -> layer object name
        self.optimizer_objects: dict[int, str] = {}  # train statement index -> optimizer name
        self.global_steps: dict[int, str] = {}  # train statement index -> global_step variable
        self.rewritten: list[tuple[int, str]] = []
        self.taken_functions: set[str] = set()
        self.rnn_states: dict[str, dict[str, str]] = {}  # LSTM state name -> {"h": name, "c": name}
        self.built_layers: set[str] = set()  # layers built at module level (see layer_build)
        self.first_run: int | None = None  # module position of the first run site (step functions go there)

    def block(self, node: cst.CSTNode, construct: str, reason: str) -> None:
        pos = self.p.positions.get(node)
        line, col = (pos.start.line, pos.start.column + 1) if pos else (1, 1)
        self.blockers.append(Declined(line, col, construct, reason))

    def fresh(self, base: str) -> str:
        name = base
        n = 2
        while name in self.used_names:
            name = f"{base}_{n}"
            n += 1
        self.used_names.add(name)
        return name

    # ---- module-level objects -------------------------------------------------------------------
    def qualified(self, node: cst.BaseExpression) -> str | None:
        from tf2port.analysis.names import qualify

        name = dotted(node)
        if name is None:
            return None
        root, _, rest = name.partition(".")
        module = self.p.aliases.get(root)
        return qualify(module + ("." + rest if rest else "")) if module else None

    def keras_optimizer(self, call: cst.Call, where: cst.CSTNode) -> str | None:
        name = self.qualified(call.func)
        if name not in OPTIMIZER_MAP:
            self.block(where, name or "optimizer", UNMAPPED_OPTIMIZERS.get(
                name or "", "this optimizer has no verified Keras counterpart here"))
            return None
        keras, params, mapping, defaults = OPTIMIZER_MAP[name]
        given: dict[str, str] = {}
        for i, arg in enumerate(call.args):
            param = arg.keyword.value if arg.keyword else (params[i] if i < len(params) else None)
            if param is None or arg.star:
                self.block(where, name, "optimizer arguments could not be mapped")
                return None
            given[param] = _code(arg.value)
        for param, value in given.items():
            if param in ("use_locking", "name"):
                continue
            if param not in mapping:
                self.block(where, name, f"optimizer argument `{param}` has no Keras counterpart")
                return None
            lr_name = value if param == "learning_rate" else None
            if lr_name and lr_name in self.defs and self.defs[lr_name].role == "placeholder":
                self.block(where, name, "a learning rate fed through a placeholder is not rewritten")
                return None
        args = []
        for param, keras_param in mapping.items():
            if param in given:
                args.append(f"{keras_param}={given[param]}")
            elif param in defaults:
                args.append(f"{keras_param}={defaults[param]}")
        return f"{self.tf}.keras.optimizers.{keras}({', '.join(args)})"

    def keras_layer(self, stmt: Statement) -> tuple[str, str, str] | None:
        """(constructor code, call code template with {inputs}) for a tf.layers call."""
        call = stmt.call
        assert call is not None
        if not stmt.qualified.startswith(LAYER_PREFIX_TF):
            return self.contrib_dense(stmt)
        fn = stmt.qualified[len("tf.layers."):]
        if fn not in LAYER_MAP:
            self.block(call, stmt.qualified, "this tf.layers function has no mapped Keras layer")
            return None
        keras, call_keywords = LAYER_MAP[fn]
        inputs = None
        ctor: list[str] = []
        call_args: list[str] = []
        for i, arg in enumerate(call.args):
            if arg.star:
                self.block(call, stmt.qualified, "*args in a layer call")
                return None
            key = arg.keyword.value if arg.keyword else None
            if (key is None and i == 0) or key == "inputs":
                inputs = _code(arg.value)
            elif key in call_keywords:
                call_args.append(f"{key}={_code(arg.value)}")
            elif key in DROPPED_LAYER_KEYWORDS:
                if _code(arg.value) not in ("None", "False", "tf.AUTO_REUSE"):
                    self.block(call, stmt.qualified, f"`{key}=` (weight sharing) is not rewritten")
                    return None
            elif key is None:
                ctor.append(_code(arg.value))
            else:
                ctor.append(f"{key}={self.initializer(arg.value)}" if key.endswith("_initializer")
                            else f"{key}={_code(arg.value)}")
        if inputs is None:
            self.block(call, stmt.qualified, "layer call without inputs")
            return None
        return (f"{self.tf}.keras.layers.{keras}({', '.join(ctor)})",
                ", ".join(["{inputs}", *call_args]), inputs)

    def contrib_dense(self, stmt: Statement) -> tuple[str, str, str] | None:
        """`fully_connected(x, 16)` -> `Dense(16, activation=tf.nn.relu)`: contrib's relu default made explicit."""
        call = stmt.call
        assert call is not None
        inputs = keyword(call, "inputs", 0)
        units = keyword(call, "num_outputs", 1)
        if inputs is None or units is None or len([a for a in call.args if not a.keyword]) > 2:
            self.block(call, stmt.qualified, "fully_connected without (inputs, num_outputs)")
            return None
        ctor = [_code(units)]
        activation = f"{self.tf}.nn.relu"
        for arg in call.args:
            key = arg.keyword.value if arg.keyword else None
            if key in (None, "inputs", "num_outputs"):
                continue
            if key not in CONTRIB_DENSE_KEYWORDS or arg.star:
                self.block(call, stmt.qualified, f"fully_connected(`{key}=`) is not rewritten")
                return None
            value = _code(arg.value)
            if key == "activation_fn":
                activation = value
            elif key == "biases_initializer" and value == "None":
                ctor.append("use_bias=False")
            else:
                keras = CONTRIB_DENSE_KEYWORDS[key]
                ctor.append(f"{keras}={self.initializer(arg.value)}" if key.endswith("_initializer")
                            else f"{keras}={value}")
        if activation != "None":
            ctor.insert(1, f"activation={activation}")
        return (f"{self.tf}.keras.layers.Dense({', '.join(ctor)})", "{inputs}", _code(inputs))

    def initializer(self, node: cst.BaseExpression) -> str:
        if isinstance(node, cst.Call):
            name = self.qualified(node.func)
            if name in INITIALIZER_MAP:
                keras, order, defaults = INITIALIZER_MAP[name]
                args = [_arg(a) for a in node.args if not (a.keyword and a.keyword.value in ("dtype", "uniform"))]
                positional = len([a for a in node.args if not a.keyword])
                given = {a.keyword.value for a in node.args if a.keyword} | set(order[:positional])
                args += [f"{k}={v}" for k, v in defaults.items() if k not in given]
                if name == "tf.contrib.layers.xavier_initializer" and any(
                        a.keyword and a.keyword.value == "uniform" and _code(a.value) == "False" for a in node.args):
                    keras = "GlorotNormal"
                return f"{self.tf}.keras.initializers.{keras}({', '.join(args)})"
        return _code(node)

    def variable(self, stmt: Statement) -> cst.BaseStatement | None:
        """`tf.get_variable(name, shape, initializer=...)` -> `tf.Variable(init(shape), name=...)`."""
        if stmt.qualified == "tf.Variable":
            return stmt.node
        if stmt.qualified == GLOBAL_STEP:  # what TF1 creates: `global_step`, an int64 0 no optimizer updates
            new = _stmt(f"{stmt.defines[0]} = {self.tf}.Variable(0, dtype={self.tf}.int64, trainable=False, "
                        'name="global_step")\n')
            return new.with_changes(leading_lines=_leading(stmt.node))
        call = stmt.call
        assert call is not None
        name = keyword(call, "name", 0)
        shape = keyword(call, "shape", 1)
        dtype = keyword(call, "dtype", 2)
        init = keyword(call, "initializer", 3)
        trainable = keyword(call, "trainable", None)
        known = {"name", "shape", "dtype", "initializer", "trainable"}
        if any(a.keyword and a.keyword.value not in known for a in call.args) or len(
                [a for a in call.args if not a.keyword]) > 4 or shape is None or name is None:
            self.block(call, "tf.get_variable", "get_variable arguments beyond name/shape/dtype/initializer")
            return None
        init_code = self.initializer(init) if init is not None else f"{self.tf}.keras.initializers.GlorotUniform()"
        value = f"{init_code}(shape={_code(shape)}" + (f", dtype={_code(dtype)}" if dtype is not None else "") + ")"
        args = [value, f"name={_code(name)}"]
        if trainable is not None:
            args.append(f"trainable={_code(trainable)}")
        target = stmt.defines[0]
        new = _stmt(f"{target} = {self.tf}.Variable({', '.join(args)})\n")
        return new.with_changes(leading_lines=_leading(stmt.node))

    # ---- step functions -------------------------------------------------------------------------
    def plan(self) -> None:
        for site in self.p.run_sites:
            if io.summary_only(site):
                io.plan_summary_only(self, site)
                continue
            if not site.fetches:
                continue
            roles = [self.defs[f].role if f in self.defs else "?" for f in site.fetches]
            if all(r in ("variable", "schedule") for r in roles):
                for fetch, role in zip(site.fetches, roles):
                    if role == "schedule" and self.schedule_step(self.defs[fetch]) is None:
                        self.block(site.call, "Session.run", "a fetched learning rate whose step is unknown")
                continue
            if "placeholder" in roles or "?" in roles:
                self.block(site.call, "Session.run", "fetching a placeholder or an unknown value")
                continue
            if "gradients" in roles:
                self.block(site.call, "Session.run", "fetching the (gradient, variable) pairs of compute_gradients")
                continue
            trains = [f for f, r in zip(site.fetches, roles) if r == "train"]
            if len(trains) > 1:
                self.block(site.call, "Session.run", "several train ops in one run (e.g. a GAN) are not rewritten yet")
                continue
            before = self.statement_index_of(site)
            body, params, iterators = io.slice_site(self, site, before)
            if "schedule" in roles:
                self.block(site.call, "Session.run", "fetching a decayed learning rate is not rewritten yet")
                continue
            missing = [p for p in params if p not in site.feeds and self.defs[p].qualified != "tf.placeholder_with_default"]
            if missing:
                self.block(site.call, "feed_dict", f"placeholder `{missing[0]}` is needed but not fed here")
                continue
            returns = tuple(f for f, r in zip(site.fetches, roles) if r not in ("train", "variable"))
            key = self.function_key(site, params)
            if key in self.functions:
                continue
            train = self.defs[trains[0]] if trains else None
            self.functions[key] = StepFunction(self.function_name(returns, trains), returns, params, iterators,
                                               train, [s for s in body if s.role != "train"], returns,
                                               input_signature=self.signature_ok(params), keys=site.fetch_keys)
            self.functions[key].summary = site.summary

    def read(self, fetch: str) -> str:
        """The eager value of a fetch that needs no step function: a variable or a decayed learning rate."""
        stmt = self.defs[fetch]
        if stmt.role == "schedule":  # the Keras schedule evaluated at the step TF1 would have read
            return f"{fetch}({self.schedule_step(stmt)}).numpy()"
        container = stmt.extra.get("container")  # TF1 fetched a dict/list of variables as one of arrays
        if container == "dict":
            return f"{{key: value.numpy() for key, value in {fetch}.items()}}"
        if container == "list":
            return f"[value.numpy() for value in {fetch}]"
        return f"{fetch}.numpy()"

    @staticmethod
    def schedule_step(stmt: Statement) -> str | None:
        step = keyword(stmt.call, "global_step", 1) if stmt.call is not None else None
        return dotted(step) if step is not None else None

    def placeholder_default(self, name: str) -> str:
        """What an unfed `tf.placeholder_with_default(value, shape)` evaluates to."""
        call = self.defs[name].call
        value = keyword(call, "input", 0) if call is not None else None
        return _code(value) if value is not None else "None"

    def function_key(self, site: RunSite, params: list[str]) -> tuple:
        """Runs that compute the same values, from the same feeds, by the same statements share one function."""
        computed = tuple(f for f in site.fetches if self.defs[f].role != "variable")
        body = io.slice_site(self, site, self.statement_index_of(site))[0]
        return computed, tuple(params), tuple(id(s.node) for s in body), (site.fetch_keys, io.summary_key(site))

    def statement_index_of(self, site: RunSite) -> int:
        pos = self.p.positions[site.call]
        for stmt in self.p.statements:
            spos = self.p.positions.get(stmt.node)
            if spos and spos.start.line <= pos.start.line <= spos.end.line:
                return stmt.index
        return len(self.p.body)

    def signature_ok(self, params: list[str]) -> bool:
        """An input signature when every placeholder is a plain `tf.placeholder` of a non-bool dtype.

        The signature converts what is fed (lists, numpy float64, Python numbers) to the
        placeholder's dtype as TF1's feed did, and traces once. Bool placeholders are Keras
        `training=` flags: they stay Python bools, so that function has no signature.
        """
        for name in params:
            call = self.defs[name].call
            if self.defs[name].qualified != "tf.placeholder":
                return False
            dtype = keyword(call, "dtype", 0) if call is not None else None
            if dtype is None or (dotted(dtype) or "").endswith("bool"):
                return False
        return True

    def function_name(self, fetches: tuple[str, ...], trains: list[str]) -> str:
        if trains:
            base = trains[0]
            if base in TRAIN_NAMES:
                base = "train_step"
            elif base.endswith("_op"):
                base = base[:-3] + "_step"
            elif not base.endswith("_step"):
                base = base + "_step"
        else:
            values = [f for f in fetches]
            base = "compute_" + "_and_".join(values) if len(values) <= 2 else "evaluate"
        base = _snake(base)
        if trains and base == trains[0] and base not in self.taken_functions:
            self.taken_functions.add(base)  # the train op's own name (`train_step`) is free again
            return base
        name = self.fresh(base)
        self.taken_functions.add(name)
        return name

    def param_names(self, params: list[str], body_names: set[str]) -> dict[str, str]:
        """Placeholders named like constants (X, Y) become lower-case parameters when free."""
        out = {}
        for name in params:
            lower = name.lower()
            if lower != name and lower not in self.used_names and lower not in body_names:
                out[name] = lower
            else:
                out[name] = name
        return out

    def emit_function(self, fn: StepFunction) -> list[cst.BaseStatement]:
        tf = self.tf
        inputs = fn.iterator_inputs + fn.params
        body_names = set().union(*(names_used(s.node) for s in fn.body)) if fn.body else set()
        rename = self.param_names(fn.params, body_names)
        lines: list[str] = []
        converted = [self.body_statement(s, rename) for s in fn.body]
        statements = [s for s in converted if s is not None]
        if len(statements) < len(converted):
            return []
        uses_gradients = [i for i, s in enumerate(fn.body) if self.calls_gradients(s)]
        indent = "    "
        if fn.train is not None and fn.train.extra.get("applies") is not None:
            applied = self.applied_gradients(fn, statements, rename)
            if applied is None:
                return []
            lines += applied
        elif fn.train is not None:
            train = fn.train
            assert train.call is not None
            loss = keyword(train.call, "loss", 0)
            var_list = keyword(train.call, "var_list", 2)
            if loss is None or not isinstance(loss, cst.Name):
                self.block(train.call, "minimize", "the loss passed to minimize() is not a name")
                return []
            lines.append(f"{indent}with {tf}.GradientTape() as tape:")
            lines += [_indent(s, indent * 2) for s in statements]
            variables = _code(var_list) if var_list is not None else self.trainable_expression(fn.body)
            if not variables:
                self.block(train.call, "minimize", "no trainable variable found for the loss")
                return []
            lines.append(_wrap(f"{indent}variables = {variables}", " + "))
            lines.append(f"{indent}gradients = tape.gradient({rename.get(loss.value, loss.value)}, variables)")
            if self.optimizer_kind(train) == "tf.train.AdamOptimizer" and any(
                    self.calls(s, SPARSE_GRADIENT_OPS) for s in fn.body):
                lines.append(f"{indent}# TF1's Adam decays the moments of every row; Keras' Adam on sparse "
                             "gradients only of the rows used")
                lines.append(f"{indent}gradients = [{tf}.convert_to_tensor(g) for g in gradients]")
            optimizer = self.optimizer_objects[train.index]
            lines.append(f"{indent}{optimizer}.apply_gradients(zip(gradients, variables))")
            if train.index in self.global_steps:
                lines.append(f"{indent}{self.global_steps[train.index]}.assign_add(1)")
        elif uses_gradients:
            first = uses_gradients[0]
            lines.append(f"{indent}with {tf}.GradientTape() as tape:")
            lines += [_indent(s, indent * 2) for s in statements[:first]]
            lines += [_indent(s, indent) for s in statements[first:]]
        else:
            lines += [_indent(s, indent) for s in statements]
        lines = io.with_summaries(self, fn, lines, rename)
        returns = [rename.get(r, r) for r in fn.returns]
        if returns and fn.keys:
            lines.append(f"{indent}return {{{', '.join(f'{k}: {r}' for k, r in zip(fn.keys, returns))}}}")
        elif returns:
            lines.append(f"{indent}return {', '.join(returns)}")
        decorator = f"@{tf}.function"
        if fn.input_signature and fn.params and not fn.iterator_inputs:
            specs = [self.tensor_spec(p) for p in fn.params] + io.step_specs(self, fn)
            decorator += f"(input_signature=[{', '.join(specs)}])"
            if len(decorator) > MAX_LINE:
                decorator = f"@{tf}.function(input_signature=[\n" + "".join(f"    {spec},\n" for spec in specs) + "])"
        params = [rename.get(p, p) for p in inputs] + io.step_parameter(fn)
        code = f"{decorator}\ndef {fn.name}({', '.join(params)}):\n" + "\n".join(lines) + "\n"
        module = cst.parse_module(code)
        stmts: list[cst.BaseStatement] = list(module.body)
        stmts[0] = stmts[0].with_changes(leading_lines=self.blank_lines_around_def())
        return stmts

    def blank_lines_around_def(self) -> list[cst.EmptyLine]:
        """PEP 8: two blank lines around a module-level def, one around a def nested in the program's function."""
        return [cst.EmptyLine(indent=False)] if self.p.scope is not None else [cst.EmptyLine(), cst.EmptyLine()]

    def applied_gradients(self, fn: StepFunction, statements: list[str], rename: dict[str, str]
                          ) -> list[str] | None:
        """`compute_gradients` / edits of the pairs / `apply_gradients` as one tape step.

        The loss is computed under the tape; `grads_and_vars` keeps the user's name and
        TF1's (gradient, variable) pairs, so the user's edits (clipping) run unchanged after it.
        """
        tf, indent = self.tf, "    "
        train = fn.train
        assert train is not None and train.call is not None
        at = next((i for i, s in enumerate(fn.body) if s.role == "gradients"), None)
        if at is None:
            self.block(train.call, "apply_gradients", "the gradients applied do not come from compute_gradients")
            return None
        gradients = fn.body[at]
        assert gradients.call is not None
        if dotted(gradients.extra["optimizer"]) != dotted(train.extra["optimizer"]):
            self.block(train.call, "apply_gradients", "gradients computed by one optimizer and applied by another")
            return None
        loss = keyword(gradients.call, "loss", 0)
        var_list = keyword(gradients.call, "var_list", 1)
        if any(a.keyword is not None and a.keyword.value not in ("loss", "var_list") for a in gradients.call.args) \
                or len(gradients.call.args) > 2 or not isinstance(loss, cst.Name):
            self.block(gradients.call, "compute_gradients", "compute_gradients beyond (loss, var_list) is not rewritten")
            return None
        if any(a.keyword is not None and a.keyword.value not in ("grads_and_vars", "global_step")
               for a in train.call.args) or len(train.call.args) > 2:
            self.block(train.call, "apply_gradients", "apply_gradients(`name=`) is not rewritten")
            return None
        variables = _code(var_list) if var_list is not None else self.trainable_expression(fn.body[:at])
        if not variables:
            self.block(gradients.call, "compute_gradients", "no trainable variable found for the loss")
            return None
        pairs = gradients.defines[0]
        lines = [f"{indent}with {tf}.GradientTape() as tape:"]
        lines += [_indent(s, indent * 2) for s in statements[:at] if s is not None]
        lines.append(_wrap(f"{indent}variables = {variables}", " + "))
        lines.append(f"{indent}{pairs} = list(zip(tape.gradient({rename.get(loss.value, loss.value)}, variables), "
                     "variables))")
        lines += [_indent(s, indent) for s in statements[at + 1:] if s is not None]
        applied = train.extra["applies"]
        lines.append(f"{indent}{self.optimizer_objects[train.index]}.apply_gradients({_code(applied)})")
        if train.index in self.global_steps:
            lines.append(f"{indent}{self.global_steps[train.index]}.assign_add(1)")
        return lines

    def tensor_spec(self, placeholder: str) -> str:
        call = self.defs[placeholder].call
        assert call is not None
        dtype = keyword(call, "dtype", 0)
        shape = keyword(call, "shape", 1)
        shape_code = _code(shape) if shape is not None else "None"
        return f"{self.tf}.TensorSpec({shape_code}, {_code(dtype) if dtype is not None else self.tf + '.float32'})"

    def optimizer_kind(self, train: Statement) -> str | None:
        """The TF1 optimizer class behind a train op (inline or a module-level object)."""
        optimizer = train.extra["optimizer"]
        if isinstance(optimizer, cst.Call):
            return self.qualified(optimizer.func)
        stmt = self.defs.get(dotted(optimizer) or "")
        return stmt.qualified if stmt is not None else None

    def calls(self, stmt: Statement, names: frozenset[str]) -> bool:
        from tf2port.analysis.graph import calls_in

        return any(self.qualified(c.func) in names for c in calls_in(stmt.node))

    def calls_gradients(self, stmt: Statement) -> bool:
        from tf2port.analysis.graph import calls_in

        return any(self.qualified(c.func) == "tf.gradients" for c in calls_in(stmt.node))

    def trainable_expression(self, body: list[Statement]) -> str:
        """Trainable variables the loss reads, in creation order: `[W, b] + layer.trainable_variables`."""
        names, layers = self.trainable_parts(body)
        parts = []
        if names:
            parts.append("[" + ", ".join(names) + "]")
        parts += [f"{layer}.trainable_variables" for layer in layers]
        return " + ".join(parts)

    def trainable_parts(self, body: list[Statement]) -> tuple[list[str], list[str]]:
        """(variables, Keras layer objects) whose weights the loss of ``body`` reads, in creation order."""
        used = set().union(*(s.uses for s in body)) if body else set()
        names: list[str] = []
        layers: list[str] = []
        for stmt in self.p.statements:
            if stmt.role == "variable" and stmt.defines[0] in used and not self.non_trainable(stmt):
                container = stmt.extra.get("container")  # its variables, in creation order
                names.append({"dict": f"*{stmt.defines[0]}.values()", "list": f"*{stmt.defines[0]}"}.get(
                    container or "", stmt.defines[0]))
            weighted = stmt.qualified[len(LAYER_PREFIX_TF):] not in WEIGHTLESS_LAYERS
            kind = stmt.qualified[len(LAYER_PREFIX_TF):]
            if stmt.role == "layer_object" and stmt.defines[0] in used and stmt.defines[0] not in layers \
                    and kind not in {LAYER_MAP[f][0] for f in WEIGHTLESS_LAYERS}:
                layers.append(stmt.defines[0])
            if stmt.role == "layer" and weighted and stmt in body and stmt.index in self.layer_objects:
                obj = self.layer_objects[stmt.index]
                if obj not in layers:
                    layers.append(obj)
        return names, layers

    @staticmethod
    def non_trainable(stmt: Statement) -> bool:
        if stmt.qualified == GLOBAL_STEP:
            return True
        if "container" in stmt.extra:
            return False
        call = stmt.call
        value = keyword(call, "trainable", None) if call is not None else None
        return value is not None and _code(value) == "False"

    def body_statement(self, stmt: Statement, rename: dict[str, str]) -> str | None:
        node = stmt.node
        if isinstance(node, cst.SimpleStatementLine):  # blank lines do not travel into functions
            node = node.with_changes(leading_lines=[line for line in node.leading_lines if line.comment])
        if "rnn" in stmt.extra:  # tf.nn.dynamic_rnn
            node = rnn.call_statement(self, stmt)
        elif stmt.role == "layer":
            layer = self.layer_objects.get(stmt.index)
            spec = self.layer_specs.get(stmt.index)
            if layer is None or spec is None:
                return None
            call_code = spec[1].replace("{inputs}", spec[2])
            node = _stmt(f"{stmt.defines[0]} = {layer}({call_code})\n").with_changes(
                leading_lines=[line for line in _leading(stmt.node) if line.comment])
        new = _transformed(node, _OpRewriter(self, rename))
        if self.rnn_states:
            new = _transformed(new, rnn.StateReads(self.rnn_states))
        code = _code(new)
        return code.rstrip("\n")

    # ---- the module -----------------------------------------------------------------------------
    def prepare_objects(self) -> None:
        self.layer_specs: dict[int, tuple[str, str, str]] = {}
        for stmt in self.p.statements:
            if "rnn" in stmt.extra:  # tf.nn.dynamic_rnn
                rnn.prepare(self, stmt)
            elif stmt.role == "layer":
                spec = self.keras_layer(stmt)
                if spec is None:
                    continue
                self.layer_specs[stmt.index] = spec
                target = stmt.defines[0]
                kind = stmt.qualified[len(LAYER_PREFIX_TF):]
                base = f"{target}_layer" if f"{target}_layer" not in self.used_names else f"{target}_{kind}"
                self.layer_objects[stmt.index] = self.fresh(base)
            elif stmt.role == "train":
                assert stmt.call is not None
                optimizer = stmt.extra["optimizer"]
                if isinstance(optimizer, cst.Name) and optimizer.value in self.defs \
                        and self.defs[optimizer.value].role == "optimizer":
                    self.optimizer_objects[stmt.index] = optimizer.value
                elif isinstance(optimizer, cst.Call):
                    # `optimizer = tf.train.AdamOptimizer(...).minimize(cost)`: the name is free again
                    own = stmt.defines[0]
                    several = sum(1 for t in self.p.statements if t.role == "train") > 1
                    if own in ("optimizer", "opt", "optim"):
                        name = own
                    elif several:  # train_plain, train_nest -> plain_optimizer, nest_optimizer
                        stem = re.sub(r"^(train_?|training_?)|(_?train|_op|_step)$", "", own) or own
                        name = self.fresh(f"{stem}_optimizer")
                    else:
                        name = self.fresh("optimizer")
                    self.optimizer_objects[stmt.index] = name
                else:
                    self.block(stmt.call, "minimize", "the optimizer is not created where the analysis can see it")
                step = keyword(stmt.call, "global_step", 1)
                if step is not None:
                    if not isinstance(step, cst.Name) or self.defs.get(step.value) is None \
                            or self.defs[step.value].role != "variable":
                        self.block(stmt.call, "global_step", "global_step is not a module-level variable")
                    else:
                        self.global_steps[stmt.index] = step.value
                for name in ("gate_gradients", "aggregation_method", "colocate_gradients_with_ops", "grad_loss") \
                        if "applies" not in stmt.extra else ():
                    if keyword(stmt.call, name, None) is not None:
                        self.block(stmt.call, "minimize", f"minimize(`{name}=`) is not rewritten")

    def module_statement(self, stmt: Statement) -> list[cst.BaseStatement]:
        role = stmt.role
        if role == "next" and "dataset" in stmt.extra:  # `x, y = ds.make_one_shot_iterator().get_next()`
            name = stmt.extra.setdefault("iterator_name", self.fresh("iterator"))
            return [_stmt(f"{name} = iter({_code(stmt.extra['dataset'])})\n").with_changes(
                leading_lines=_leading(stmt.node))]
        if role in ("saver", "summary"):
            return io.module_statement(self, stmt)
        if role in ("placeholder", "op", "next", "initializer", "session", "drop", "gradients"):
            return []
        if role == "variable":
            new = self.variable(stmt)
            return [new] if new is not None else []
        if role == "layer":
            spec = self.layer_specs.get(stmt.index)
            if spec is None:
                return []
            code = f"{self.layer_objects[stmt.index]} = {spec[0]}"
            # tf.layers lines stay as they were (existing goldens); contrib ones are wrapped at 100
            code = (code if stmt.qualified.startswith(LAYER_PREFIX_TF) else _wrap_call(code)) + "\n"
            return [_stmt(code).with_changes(leading_lines=_leading(stmt.node))]
        if role == "layer_object" and not stmt.extra.get("module_class"):
            return self.layer_object(stmt)
        if role == "optimizer":
            assert stmt.call is not None
            optimizer_code = self.keras_optimizer(stmt.call, stmt.call)
            if optimizer_code is None:
                return []
            return [_stmt(_wrap_call(f"{stmt.defines[0]} = {optimizer_code}") + "\n").with_changes(
                leading_lines=_leading(stmt.node))]
        if role == "train":
            optimizer = stmt.extra["optimizer"]
            out: list[cst.BaseStatement] = []
            if isinstance(optimizer, cst.Call):
                assert stmt.call is not None  # the minimize / apply_gradients call
                optimizer_code = self.keras_optimizer(optimizer, stmt.call)
                if optimizer_code is None:
                    return []
                name = self.optimizer_objects[stmt.index]
                out.append(_stmt(_wrap_call(f"{name} = {optimizer_code}") + "\n").with_changes(
                    leading_lines=_leading(stmt.node)))
            return out + self.rmsprop_start(stmt)
        if role == "schedule":
            return [self.schedule(stmt)]
        if role == "iterator":
            assert stmt.call is not None
            func = stmt.call.func
            dataset = func.value if isinstance(func, cst.Attribute) and func.attr.value == "make_one_shot_iterator" \
                else stmt.call.args[0].value
            return [_stmt(f"{stmt.defines[0]} = iter({_code(dataset)})\n").with_changes(
                leading_lines=_leading(stmt.node))]
        return [stmt.node]

    def layer_object(self, stmt: Statement) -> list[cst.BaseStatement]:
        """`tf.layers.Dense(6, ...)` -> `tf.keras.layers.Dense(6, ...)`: the same class in Keras."""
        call = stmt.call
        assert call is not None
        kind = stmt.qualified[len(LAYER_PREFIX_TF):]
        if kind not in {keras for keras, _ in LAYER_MAP.values()}:
            self.block(call, stmt.qualified, "this tf.layers class has no mapped Keras layer")
            return []
        args = []
        for arg in call.args:
            key = arg.keyword.value if arg.keyword else None
            if arg.star or key in DROPPED_LAYER_KEYWORDS:
                self.block(call, stmt.qualified, "layer arguments could not be mapped")
                return []
            args.append(f"{key}={self.initializer(arg.value)}" if key and key.endswith("_initializer") else _arg(arg))
        code = f"{stmt.defines[0]} = {self.tf}.keras.layers.{kind}({', '.join(args)})"
        return [_stmt(_wrap_call(code) + "\n").with_changes(leading_lines=_leading(stmt.node))]

    def rmsprop_start(self, train: Statement) -> list[cst.BaseStatement]:
        """TF1's RMSProp accumulator starts at 1.0: build the Keras optimizer and set its slots to ones."""
        if self.optimizer_kind(train) != "tf.train.RMSPropOptimizer" or train.index not in self.optimizer_objects:
            return []
        assert train.call is not None
        var_list = keyword(train.call, "var_list", 2)
        builds: list[str] = []
        if var_list is not None:
            variables = _code(var_list)
        else:
            body = [s for s in self.p.slice(train.defines, train.index + 1)[0] if s.role != "train"]
            variables = self.trainable_expression(body)
            for layer in self.trainable_parts(body)[1]:
                build, why_not = self.layer_build(layer, train)
                if build is None:  # Keras layers create their weights on the first call
                    self.block(train.call, "tf.train.RMSPropOptimizer", "RMSProp over Keras layer weights: its "
                               f"accumulators (1.0 in TF1) cannot be set before the layers are built ({why_not})")
                    return []
                builds.append(build)
        if not variables:
            return []
        if not hasattr(self, "slot_name"):
            self.slot_name = self.fresh("slot")
        code = RMSPROP_START.format(optimizer=self.optimizer_objects[train.index], variables=variables, tf=self.tf,
                                    slot=self.slot_name)
        start: list[cst.BaseStatement] = list(cst.parse_module("".join(builds) + code).body)
        if builds:  # the comment goes with the first build (a module's leading comment would be its header)
            start[0] = start[0].with_changes(leading_lines=[cst.EmptyLine(comment=cst.Comment(LAYER_BUILD_COMMENT))])
        return start

    def layer_build(self, layer: str, train: Statement) -> tuple[str | None, str]:
        """`lstm.build((None, 5, 1))`: a layer's weights made before its first call, from its input's shape.

        (code, "") — code is "" when the layer is built already; (None, why) when its input
        shape is not known here, or when a step function may call the layer before this point
        (Keras refuses to build a layer twice).
        """
        if layer in self.built_layers:
            return "", ""
        stmt = next((s for s in self.p.statements if s.role == "layer" and self.layer_objects.get(s.index) == layer),
                    None)
        if self.first_run is None or self.first_run <= train.index:
            return None, f"`{layer}` may be called before the optimizer is created"
        shape = self.known_shape(self.layer_specs[stmt.index][2]) \
            if stmt is not None and stmt.index in self.layer_specs else None
        if shape is None:
            return None, f"the input shape of `{layer}` is not known where the optimizer is created"
        self.built_layers.add(layer)
        return f"{layer}.build(({', '.join(shape)}))\n", ""  # known_shape gives two dimensions or more

    def known_shape(self, tensor: str) -> list[str] | None:
        """The shape of a graph tensor as code (`["None", "5", "1"]`) when every dimension but the batch is known.

        Known: a `tf.placeholder` with a literal shape whose dimensions after the first are
        integers or module-level host names, or a Dense / dropout / batch-norm layer over such a
        tensor (Dense replaces the last dimension by its units).
        """
        stmt = self.defs.get(tensor)
        if stmt is None or stmt.call is None:
            return None
        if stmt.role == "placeholder" and stmt.qualified == "tf.placeholder":
            shape = keyword(stmt.call, "shape", 1)
            if not isinstance(shape, (cst.List, cst.Tuple)) or len(shape.elements) < 2 \
                    or any(not isinstance(e, cst.Element) for e in shape.elements):
                return None
            batch, *rest = [e.value for e in shape.elements]
            if not (dotted(batch) == "None" or self.known_dimension(batch)) \
                    or not all(self.known_dimension(d) for d in rest):
                return None
            return [_code(d) for d in (batch, *rest)]
        if stmt.role != "layer" or "rnn" in stmt.extra or stmt.index not in self.layer_specs:
            return None
        inputs = self.known_shape(self.layer_specs[stmt.index][2])
        kind = stmt.qualified[len(LAYER_PREFIX_TF):] if stmt.qualified.startswith(LAYER_PREFIX_TF) else "dense"
        if inputs is None or kind in ("dropout", "batch_normalization"):
            return inputs
        units = keyword(stmt.call, "units" if stmt.qualified.startswith(LAYER_PREFIX_TF) else "num_outputs", 1)
        if kind == "dense" and units is not None and self.known_dimension(units):
            return inputs[:-1] + [_code(units)]
        return None

    def known_dimension(self, node: cst.BaseExpression) -> bool:
        """An integer literal, or a name a module-level host statement binds (`n_steps = 28`)."""
        if isinstance(node, cst.Integer):
            return True
        return isinstance(node, cst.Name) and node.value not in self.defs and any(
            node.value in s.defines for s in self.p.statements if s.role == "host")

    def reinitialise(self, line: cst.SimpleStatementLine, site: RunSite) -> cst.BaseStatement | cst.FlattenSentinel:
        """A later `sess.run(tf.global_variables_initializer())`: each variable gets its initial value again.

        TF1 reruns every initializer; the eager form assigns each variable's initial-value
        expression again. Optimizer slots would restart too, so only optimizers without
        state (plain gradient descent) are supported.
        """
        assignments: list[str] = []
        for stmt in self.p.statements:
            if stmt.index >= self.statement_index_of(site):
                break
            if stmt.role in ("layer", "schedule") or (stmt.role in ("train", "optimizer")
                                                      and self.optimizer_state(stmt)):
                self.block(site.call, "tf.global_variables_initializer",
                           "re-initialising Keras layer weights, optimizer slots or a decay's step is not "
                           "rewritten")
                return line
            if stmt.role == "variable":
                new = self.variable(stmt)
                small = new.body[0] if isinstance(new, cst.SimpleStatementLine) else None
                value = small.value if isinstance(small, cst.Assign) else None
                first = value.args[0] if isinstance(value, cst.Call) and value.args else None
                if first is None or (first.keyword is not None and first.keyword.value != "initial_value"):
                    self.block(site.call, "tf.global_variables_initializer",
                               f"the initial value of `{stmt.defines[0]}` could not be found")
                    return line
                assignments.append(f"{stmt.defines[0]}.assign({_code(first.value)})")
        comment = "# TF1 initialises the variables again here: they restart from their initial values"
        out: list[cst.BaseStatement] = [
            cst.parse_statement(code + "\n") for code in assignments]
        if not out:
            return cst.RemovalSentinel.REMOVE  # type: ignore[return-value]
        out[0] = out[0].with_changes(leading_lines=[*line.leading_lines, cst.EmptyLine(
            indent=True, comment=cst.Comment(comment))])
        return cst.FlattenSentinel(out)

    def optimizer_state(self, stmt: Statement) -> bool:
        """Whether the Keras optimizer behind an optimizer or train statement keeps slots."""
        call = stmt.call if stmt.role == "optimizer" else stmt.extra.get("optimizer")
        if not isinstance(call, cst.Call):
            return False
        return self.qualified(call.func) != "tf.train.GradientDescentOptimizer"

    def schedule(self, stmt: Statement) -> cst.BaseStatement:
        call = stmt.call
        assert call is not None
        lr = keyword(call, "learning_rate", 0)
        step = keyword(call, "global_step", 1)
        steps = keyword(call, "decay_steps", 2)
        rate = keyword(call, "decay_rate", 3)
        staircase = keyword(call, "staircase", 4)
        if lr is None or step is None or steps is None or rate is None:
            self.block(call, "exponential_decay", "decay arguments could not be mapped")
            return stmt.node
        step_def = self.defs.get(dotted(step) or "")
        init = keyword(step_def.call, "initial_value", 0) if step_def and step_def.call is not None else None
        if step_def is None or step_def.role != "variable" or init is None or _code(init) != "0":
            self.block(call, "exponential_decay", "the decay's global step is not a variable starting at 0")
            return stmt.node
        args = [_code(lr), f"decay_steps={_code(steps)}", f"decay_rate={_code(rate)}"]
        if staircase is not None:
            args.append(f"staircase={_code(staircase)}")
        code = f"{stmt.defines[0]} = {self.tf}.keras.optimizers.schedules.ExponentialDecay({', '.join(args)})\n"
        return _stmt(code).with_changes(leading_lines=_leading(stmt.node))

    def build(self) -> cst.Module | None:
        self.prepare_objects()
        self.plan()
        if self.blockers:
            return None
        first_run = self.first_run = min((self.statement_index_of(s) for s in self.p.run_sites if s.fetches),
                                         default=None)
        functions: list[cst.BaseStatement] = []
        for fn in self.functions.values():
            functions += self.emit_function(fn)
        if self.blockers:
            return None
        body: list[cst.BaseStatement] = []
        pending: list[cst.EmptyLine] = []  # leading lines of removed statements, kept for the next one
        after_functions = False
        for stmt in self.p.statements:
            if first_run is not None and stmt.index == first_run and functions:
                body += functions
                functions = []
                after_functions = True
            produced = self.module_statement(stmt) if stmt.role not in ("host", "session_with") else None
            if produced is None:
                produced = self.runtime(stmt)
            produced = produced + io.after_statement(self, stmt)
            if not produced:
                pending += _leading(stmt.node)
                continue
            lines = [*pending, *_leading(produced[0])]
            pending = []
            if after_functions:  # blank lines after the last generated function (PEP 8)
                comments = [line for line in lines if line.comment is not None]
                lines = [*self.blank_lines_around_def(), *comments]
                after_functions = False
            produced[0] = produced[0].with_changes(leading_lines=_collapse_blank(lines))
            body += produced
        body += functions
        if self.blockers:
            return None
        scope = self.p.scope
        if scope is not None:  # the program's new statements go back into its function
            if body and isinstance(body[0], (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                lines = list(body[0].leading_lines)
                while lines and lines[0].comment is None:  # no blank line right after `def main():`
                    lines.pop(0)
                body[0] = body[0].with_changes(leading_lines=lines)
            new_scope = scope.with_changes(body=scope.body.with_changes(body=body))
            body = [new_scope if stmt is scope else stmt for stmt in self.p.module.body]
        body = rnn.drop_unused_rnn_imports(body, self.p.aliases)
        module = self.p.module.with_changes(body=self.without_unused_slim(body))
        module = io.with_tutorial_mnist(self, io.with_absl(self, module))
        return None if self.blockers else module

    def without_unused_slim(self, body: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
        """A slim import whose every use became a Keras layer goes (it does not import on TF2)."""
        slim = {local for local, path in self.p.aliases.items() if path in ("tensorflow.contrib.slim", "tf_slim")}
        if not slim:
            return body
        imports = {id(s): s.body[0] for s in body if isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1
                   and isinstance(s.body[0], (cst.Import, cst.ImportFrom))}
        used = set().union(*(names_used(s) for s in body if id(s) not in imports))
        out = []
        for stmt in body:
            found = imports.get(id(stmt))
            if found is not None and not isinstance(found.names, cst.ImportStar):
                bound = {a.evaluated_alias or a.evaluated_name.split(".")[0] for a in found.names}
                if bound <= slim and not bound & used:
                    continue
            out.append(stmt)
        return out

    def runtime(self, stmt: Statement) -> list[cst.BaseStatement]:
        """Statements that run the graph: run sites become calls, sessions are unwrapped."""
        transformer = _RunSiteRewriter(self)
        if stmt.role == "session_with":
            assert isinstance(stmt.node, cst.With)
            out = [s for inner in suite_lines(stmt.node.body) for s in _statements(inner.visit(transformer))]
            out = io.rewrite_statements(self, out)
            if out:
                out[0] = out[0].with_changes(leading_lines=[*_leading(stmt.node), *_leading(out[0])])
            self.rewritten.append((self.line_of(stmt.node), "Session"))
            return out
        return io.rewrite_statements(self, _statements(stmt.node.visit(transformer)))

    def line_of(self, node: cst.CSTNode) -> int:
        pos = self.p.positions.get(node)
        return pos.start.line if pos else 1

    def site_expression(self, site: RunSite) -> tuple[cst.BaseExpression | None, list[int]]:
        """The replacement of a run call (before `.numpy()`), and the positions of train fetches."""
        roles = [self.defs[f].role for f in site.fetches]
        trains = [i for i, r in enumerate(roles) if r == "train"]
        if all(r in ("variable", "schedule") for r in roles) and not io.summary_only(site):
            return None, trains
        key = self.function_key(site, io.slice_site(self, site, self.statement_index_of(site))[1])
        fn = self.functions[key]
        args = []
        if fn.iterator_inputs:
            args.append(f"*next({self.iterator_name(fn)})" if len(fn.iterator_inputs) > 1
                        else f"next({self.iterator_name(fn)})")
        args += [_code(site.feeds[p]) if p in site.feeds else self.placeholder_default(p) for p in fn.params]
        args += io.step_arguments(self, fn, site)
        return _expr(f"{fn.name}({', '.join(args)})"), trains

    def iterator_name(self, fn: StepFunction) -> str:
        stmt = self.defs[fn.iterator_inputs[0]]
        if "iterator_name" in stmt.extra:
            return stmt.extra["iterator_name"]
        assert stmt.call is not None and isinstance(stmt.call.func, cst.Attribute)
        return dotted(stmt.call.func.value) or "iterator"


class _OpRewriter(cst.CSTTransformer):
    """Inside step functions: placeholders renamed, TF1-only op spellings made TF2."""

    def __init__(self, emitter: _Emitter, rename: dict[str, str]) -> None:
        self.e = emitter
        self.rename = rename

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        if original.value in self.rename:
            return updated.with_changes(value=self.rename[original.value])
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        name = self.e.qualified(original.func)
        tf = self.e.tf
        if name == "tf.gradients":
            ys = keyword(updated, "ys", 0)
            xs = keyword(updated, "xs", 1)
            if ys is None or xs is None:
                return updated
            return _expr(f"tape.gradient({_code(ys)}, {_code(xs)})")
        if name in ("tf.assign", "tf.assign_add", "tf.assign_sub"):
            ref = keyword(updated, "ref", 0)
            value = keyword(updated, "value", 1)
            if ref is not None and value is not None:
                return _expr(f"{_code(ref)}.{name[3:]}({_code(value)})")
        if name in LOSS_MAP:
            params, template = LOSS_MAP[name]
            values = {p: value for i, p in enumerate(params) if (value := keyword(updated, p, i)) is not None}
            extra = [a for a in updated.args if a.keyword and a.keyword.value not in params]
            if len(values) == len(params) and not extra and len(updated.args) == len(params):
                return _expr(template.format(tf=tf, **{k: _code(v) for k, v in values.items()}))
        return updated


class _RunSiteRewriter(cst.CSTTransformer):
    """Run sites become calls of the step functions; initialiser runs and `sess.close()` go."""

    def __init__(self, emitter: _Emitter) -> None:
        self.e = emitter
        self.sites = {id(site.call): site for site in emitter.p.run_sites}
        self.statement_level: set[int] = set()  # run calls handled with their whole statement

    def _site(self, node: cst.BaseExpression) -> RunSite | None:
        return self.sites.get(id(node)) if isinstance(node, cst.Call) else None

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if len(node.body) == 1 and isinstance(node.body[0], (cst.Expr, cst.Assign)):
            value = node.body[0].value
            site = self._site(value)
            if site is not None and site.eager is None:
                self.statement_level.add(id(value))

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
                                  ) -> cst.BaseStatement | cst.RemovalSentinel | cst.FlattenSentinel:
        if len(original.body) != 1:
            return updated
        small = original.body[0]
        if isinstance(small, cst.Expr):
            site = self._site(small.value)
            if site is not None and site.eager is not None:
                return updated  # the call itself was rewritten (leave_Call)
            if site is not None and not site.fetches and id(site.call) in self.e.p.reinitialisations:
                return self.e.reinitialise(updated, site)
            if site is not None and not site.fetches:
                return cst.RemovalSentinel.REMOVE  # initializer run
            if isinstance(small.value, cst.Call) and isinstance(small.value.func, cst.Attribute) \
                    and small.value.func.attr.value == "close" and dotted(small.value.func.value) in self.e.p.session_names:
                return cst.RemovalSentinel.REMOVE
            if site is not None:
                expr, trains = self.e.site_expression(site)
                if expr is None:
                    return updated
                self.e.rewritten.append((site.line, "Session.run"))
                return updated.with_changes(body=[cst.Expr(expr)])
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            site = self._site(small.value)
            if site is not None and site.fetches:
                return self.assignment(original, updated, small, site)
            target = small.targets[0].target
            if isinstance(target, cst.Name) and target.value in self.e.p.feed_names \
                    and isinstance(small.value, cst.Dict):
                return cst.RemovalSentinel.REMOVE  # its values were passed to the step functions
        return updated

    def assignment(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine,
                   small: cst.Assign, site: RunSite) -> cst.BaseStatement | cst.FlattenSentinel:
        """`a, _, w = sess.run([cost, train, W], feed)` -> `a = train_step(...).numpy()`; `w = W.numpy()`.

        Values computed by the step function come from its call; train ops give nothing;
        fetched variables are read after the call, as TF1 returned them (updated).
        """
        small = io.without_summary_target(small, site)
        target = small.targets[0].target
        expr, _ = self.e.site_expression(site)
        self.e.rewritten.append((site.line, "Session.run"))
        roles = [self.e.defs[f].role for f in site.fetches]
        if site.fetch_keys and expr is not None:
            return updated.with_changes(body=[small.with_changes(value=_numpy_values(expr))])
        if not site.fetch_list:
            if roles[0] == "train":
                assert expr is not None  # a train op runs a step function
                return updated.with_changes(body=[cst.Expr(expr)])
            value = _expr(self.e.read(site.fetches[0])) if expr is None else _numpy(expr)
            return updated.with_changes(body=[small.with_changes(value=value)])
        if not isinstance(target, (cst.Tuple, cst.List)) or len(target.elements) != len(site.fetches):
            if "train" in roles or ("variable" in roles and expr is not None):
                self.e.block(site.call, "Session.run", "a list of fetches with a train op or a variable bound "
                                                      "to one name")
                return updated
            if expr is None:
                values = ", ".join(self.e.read(f) for f in site.fetches)
                return updated.with_changes(body=[small.with_changes(value=_expr(f"[{values}]"))])
            computed = sum(1 for r in roles if r not in ("train", "variable"))
            value = _expr(f"[value.numpy() for value in {_code(expr)}]") if computed > 1 else _expr(
                f"[{_code(_numpy(expr))}]")
            return updated.with_changes(body=[small.with_changes(value=value)])
        computed_targets: list[cst.BaseExpression] = []
        variable_reads: list[tuple[cst.BaseExpression, str]] = []
        for element, fetch, role in zip(target.elements, site.fetches, roles):
            if role == "train":
                if not (isinstance(element.value, cst.Name) and element.value.value == "_"):
                    self.e.block(site.call, "Session.run", "the result of a train op is bound to a name")
                    return updated
            elif role == "variable":
                variable_reads.append((element.value, fetch))
            else:
                computed_targets.append(element.value)
        statements: list[cst.BaseStatement] = []
        if expr is not None:
            if not computed_targets:
                statements.append(updated.with_changes(body=[cst.Expr(expr)]))
            else:
                if len(computed_targets) == 1:
                    new_target, value = computed_targets[0], _numpy(expr)
                else:
                    new_target = target.with_changes(elements=[cst.Element(t) for t in computed_targets])
                    value = _expr(f"(value.numpy() for value in {_code(expr)})")
                statements.append(updated.with_changes(body=[small.with_changes(
                    targets=[small.targets[0].with_changes(target=new_target)], value=value)]))
        for name, fetch in variable_reads:
            # an element of an assignment target is a target (libcst types Element.value BaseExpression)
            read = cst.Assign(targets=[cst.AssignTarget(target=name)],  # type: ignore[arg-type]
                              value=_expr(self.e.read(fetch)))
            line = cst.SimpleStatementLine(body=[read])
            statements.append(line if statements else updated.with_changes(body=[read]))
        return statements[0] if len(statements) == 1 else cst.FlattenSentinel(statements)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        """A helper that took the session to run the graph no longer needs it."""
        position = self.e.p.session_helpers.get(original.name.value)
        if position is None:
            return updated
        params = list(updated.params.params)
        del params[position]
        if params:
            params[-1] = params[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(params=updated.params.with_changes(params=params))

    def without_session_argument(self, call: cst.Call) -> cst.Call | None:
        """`evaluate(sess, xs)` -> `evaluate(xs)` for a helper that took the session."""
        position = self.e.p.session_helpers.get(call.func.value) if isinstance(call.func, cst.Name) else None
        if position is None or len(call.args) <= position or call.args[position].keyword is not None:
            return None
        if dotted(call.args[position].value) not in self.e.p.session_names:
            return None
        args = list(call.args)
        del args[position]
        if args:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return call.with_changes(args=args)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        helper_call = self.without_session_argument(updated)
        if helper_call is not None:
            return helper_call
        site = self._site(original)
        if site is not None and site.eager is not None:
            self.e.rewritten.append((site.line, "Session.run"))
            return _numpy(site.eager)
        if site is None or not site.fetches or id(original) in self.statement_level:
            return updated
        expr, trains = self.e.site_expression(site)
        if expr is None:
            values = [self.e.read(f) for f in site.fetches]
            return _expr(f"[{', '.join(values)}]" if site.fetch_list else values[0])
        if trains:
            self.e.block(site.call, "Session.run", "a train op fetched inside an expression")
            return updated
        self.e.rewritten.append((site.line, "Session.run"))
        if site.fetch_keys:
            return _numpy_values(expr)
        if not site.fetch_list:
            return _numpy(expr)
        roles = [self.e.defs[f].role for f in site.fetches]
        if "variable" in roles:
            if sum(1 for r in roles if r != "variable") > 1:
                self.e.block(site.call, "Session.run", "variables and several values fetched inside an expression")
                return updated
            return _expr("[" + ", ".join(self.e.read(f) if r == "variable" else _code(_numpy(expr))
                                          for f, r in zip(site.fetches, roles)) + "]")
        return _expr(f"[value.numpy() for value in {_code(expr)}]" if len(site.fetches) > 1
                     else f"[{_code(expr)}.numpy()]")


def _statements(result: cst.BaseStatement | cst.RemovalSentinel | cst.FlattenSentinel[cst.BaseStatement]
                ) -> list[cst.BaseStatement]:
    """A transformed statement as a list: removed, replaced by one, or by several."""
    if isinstance(result, cst.RemovalSentinel):
        return []
    if isinstance(result, cst.FlattenSentinel):
        return list(result.nodes)
    return [result]


def _arg(arg: cst.Arg) -> str:
    """`name=value` or `value`, without the separator libcst keeps on the node."""
    value = _code(arg.value)
    return f"{arg.keyword.value}={value}" if arg.keyword else value


def _numpy_values(expr: cst.BaseExpression) -> cst.BaseExpression:
    """A dict of tensors as NumPy values, as `sess.run` of a dict returned them."""
    return _expr(f"{{key: value.numpy() for key, value in {_code(expr)}.items()}}")


def _numpy(expr: cst.BaseExpression) -> cst.BaseExpression:
    return cst.Call(func=cst.Attribute(value=expr, attr=cst.Name("numpy")))


def _leading(node: cst.CSTNode) -> list[cst.EmptyLine]:
    return list(getattr(node, "leading_lines", []))


MAX_LINE = 100


def _wrap(line: str, operator: str) -> str:
    """Break a long `name = a + b + c` line before operators, inside parentheses."""
    if len(line) <= MAX_LINE or operator not in line:
        return line
    head, _, expression = line.partition(" = ")
    indent = " " * (len(head) + 4)
    parts = expression.split(operator)
    out, current = [], parts[0]
    for part in parts[1:]:
        if len(head) + 4 + len(current) + len(operator) + len(part) > MAX_LINE - 4:
            out.append(current)
            current = part
        else:
            current += operator + part
    out.append(current)
    joined = ("\n" + indent + operator.strip() + " ").join(out)
    return f"{head} = ({joined})"


def _wrap_call(line: str) -> str:
    """Break a long `name = f(a=1, b=2, ...)` line after commas, aligned with the opening parenthesis."""
    if len(line) <= MAX_LINE or not line.endswith(")") or "(" not in line or '"' in line or "'" in line \
            or "\n" in line:  # already laid out on several lines
        return line
    indent = " " * (line.index("(") + 1)
    out, current = [], ""
    for part in line.split(", "):
        if current and len(current) + len(part) + 2 > MAX_LINE:
            out.append(current + ",")
            current = indent + part
        else:
            current = f"{current}, {part}" if current else part
    out.append(current)
    return "\n".join(out)


def _collapse_blank(lines: list[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """At most one blank line in a row (two before a top-level def is the caller's job)."""
    out: list[cst.EmptyLine] = []
    for line in lines:
        if line.comment is None and out and out[-1].comment is None and len(out) >= 2 and out[-2].comment is None:
            continue
        out.append(line)
    return out


def _indent(code: str, prefix: str) -> str:
    return "\n".join(prefix + line if line.strip() else line for line in code.splitlines())


def _snake(name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"\W", "_", name).lower()


def parse_tf_module(text: str) -> tuple[cst.Module, dict[str, str]] | None:
    """The libcst tree and TensorFlow import aliases of a module the structural rewrites may touch.

    None when it does not parse (the name pass reports that) or does not import TensorFlow.
    """
    try:
        module = cst.parse_module(text)
        aliases = _aliases(text)
    except (cst.ParserSyntaxError, SyntaxError, RecursionError):
        return None
    return (module, aliases) if aliases else None


def rewrite(text: str) -> Rewrite:
    """Rewrite a TF1 session script to TF2; ``text`` None in the result means declined or not applicable."""
    parsed = parse_tf_module(text)
    if parsed is None:
        return Rewrite(None)
    module, aliases = parsed
    try:
        program = analyse_graph(module, aliases)
    except Exception as exc:  # noqa: BLE001 - an analysis bug declines this module, the fallback still runs
        return Rewrite(None, [Declined(1, 1, "graph-to-eager", f"internal error in the analysis ({exc}); "
                                                               "please report it with this file")])
    if not any(site.fetches for site in program.run_sites) and not (program.session_names and program.blockers):
        # nothing runs the graph here: a library module whose graph others run, or no graph at all
        return Rewrite(None)
    if program.blockers:
        return Rewrite(None, [Declined(b.line, b.col, b.construct, b.reason) for b in program.blockers])
    emitter = _Emitter(program)
    try:
        new = emitter.build()
        code = new.code if new is not None else None
        if code is not None:
            cst.parse_module(code)
    except Exception as exc:  # noqa: BLE001 - a rewrite bug declines this module, the fallback still runs
        return Rewrite(None, [Declined(1, 1, "graph-to-eager", f"internal error in the rewrite ({exc}); "
                                                               "please report it with this file")])
    if new is None or code is None:
        return Rewrite(None, emitter.blockers)
    dangling = _dangling_use(code, program)
    if dangling is not None:
        return Rewrite(None, [dangling])
    return Rewrite(code, [], emitter.rewritten)


# statements whose names the rewrite removes (graph values, sessions, savers, summaries)
REMOVED_ROLES = frozenset({"placeholder", "op", "next", "train", "initializer", "session", "drop", "iterator",
                           "gradients", "saver", "summary"})


def _dangling_use(code: str, program: GraphProgram) -> Declined | None:
    """A removed graph name (placeholder, op, feed dict, saver...) that the output still reads: a NameError.

    A load counts as dangling when no scope around it binds the name: a generated
    `train_step(x)` parameter does not bind the module-level `x` that `print(x)` reads. The
    finding points at the use in the original source, where the user can see it.
    """
    removed = {name for s in program.statements if s.role in REMOVED_ROLES for name in s.defines} \
        | program.feed_names | program.session_names
    output = Scopes(_program_root(ast.parse(code), program))
    unbound = list(dict.fromkeys(load.id for load in output.loads(removed) if output.binder(load) is None))
    if not unbound:
        return None
    name = unbound[0]
    line, col = _original_use(program, name)
    return Declined(line, col, name, f"`{name}` is used here but the rewrite removes it (it becomes part of a "
                                     "tf.function or disappears); the output would raise NameError")


def _program_root(tree: ast.Module, program: GraphProgram) -> ast.AST:
    """The program's scope in ``tree``: the module, or the function whose body is the program."""
    if program.scope is None:
        return tree
    return next((node for node in tree.body if isinstance(node, ast.FunctionDef)
                 and node.name == program.scope.name.value), tree)


def _original_use(program: GraphProgram, name: str) -> tuple[int, int]:
    """Line and column (1-based) of the first read of ``name`` in the source the rewrite does not replace.

    Reads in removed statements (the graph code) and in run sites (rewritten to calls) are
    skipped; what remains is the use that keeps the name alive.
    """
    replaced = [program.positions.get(s.node) for s in program.statements
                if s.role in REMOVED_ROLES or set(s.defines) & program.feed_names]
    rewritten = [program.positions.get(site.call) for site in program.run_sites]
    source = Scopes(_program_root(ast.parse(program.module.code), program))
    loads = [load for load in source.loads({name}) if source.binder(load) is source.root]

    def inside(load: ast.Name, ranges: list) -> bool:
        where = (load.lineno, load.col_offset)
        return any(r is not None and (r.start.line, r.start.column) <= where < (r.end.line, r.end.column)
                   for r in ranges)

    for candidates in ([n for n in loads if not inside(n, replaced + rewritten)],
                       [n for n in loads if not inside(n, replaced)]):
        if candidates:
            return candidates[0].lineno, candidates[0].col_offset + 1
    return 1, 1
