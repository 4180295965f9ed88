"""Dataflow analysis of a TF1 graph-building script, for the graph-to-eager rewrite.

A TF1 script builds a graph (placeholders, variables, layers, ops, an optimizer's
``minimize``) and evaluates slices of it with ``sess.run``. This module classifies every
statement of the program's *body* into a role and finds every run site; it answers
"which statements compute these fetches, and from which placeholders?"
(:meth:`GraphProgram.slice`). Emission lives in ``tf2port.fix.graph_to_eager``.

The body is the module's statements, or, when the session is opened inside one
module-level function (``def main(): ... with tf.Session() as sess:``), that function's
statements: its parameters are plain Python values, and graph code anywhere else in the
module declines (the graph must be built and run in the same body).

When a construct is outside what the rewrite supports, analysis records a
:class:`Blocker` (line and reason) instead of guessing; one blocker declines the
whole module, which then keeps its ``tf.compat.v1`` form.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from tf2port.analysis import graph_io
from tf2port.analysis.names import qualify
from tf2port.analysis.rnn import RnnReader
from tf2port.analysis.structure import (SESSIONS, Blocker, graph_code_elsewhere, is_graph_code, place_of,
                                          run_elsewhere, several_sessions)

PLACEHOLDERS = frozenset({"tf.placeholder", "tf.placeholder_with_default"})
VARIABLES = frozenset({"tf.Variable", "tf.get_variable"})
GLOBAL_STEP = "tf.train.get_or_create_global_step"  # a variable too: int64, 0, not trainable
INITIALIZERS = frozenset({"tf.global_variables_initializer", "tf.initialize_all_variables",
                          "tf.local_variables_initializer", "tf.variables_initializer"})
OPTIMIZERS = frozenset({"tf.train.GradientDescentOptimizer", "tf.train.MomentumOptimizer",
                        "tf.train.AdamOptimizer", "tf.train.AdagradOptimizer",
                        "tf.train.AdadeltaOptimizer", "tf.train.RMSPropOptimizer"})
LAYER_PREFIX = "tf.layers."
LAYER_WEIGHTS = frozenset({"kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"})
# TF calls whose results are host objects, not graph nodes
HOST_PREFIXES = ("tf.data.", "tf.examples.", "tf.keras", "tf.compat.v1.disable", "tf.set_random_seed",
                 "tf.random.set_seed", "tf.logging.", "tf.app.", "tf.flags.", "tf.io.gfile", "tf.gfile.")
# graph-level constructs that the rewrite does not turn into eager code (yet)
UNSUPPORTED = {
    "tf.train.start_queue_runners": "queue runners feed the graph from background threads",
    "tf.train.string_input_producer": "queue-based input pipelines are not rewritten (use tf.data)",
    "tf.train.slice_input_producer": "queue-based input pipelines are not rewritten (use tf.data)",
    "tf.train.input_producer": "queue-based input pipelines are not rewritten (use tf.data)",
    "tf.train.batch": "queue-based batching is not rewritten (use tf.data)",
    "tf.train.shuffle_batch": "queue-based batching is not rewritten (use tf.data)",
    "tf.TextLineReader": "queue-based readers are not rewritten (use tf.data)",
    "tf.TFRecordReader": "queue-based readers are not rewritten (use tf.data)",
    "tf.WholeFileReader": "queue-based readers are not rewritten (use tf.data)",
    "tf.FIFOQueue": "queues are not rewritten (use tf.data)",
    "tf.RandomShuffleQueue": "queues are not rewritten (use tf.data)",
    "tf.contrib": "tf.contrib is gone in TF2; this contrib API is not rewritten",
    "tf.train.Coordinator": "queue-runner coordination has no eager counterpart",
    "tf.train.import_meta_graph": "a graph loaded from a MetaGraph has no Python source to rewrite",
    "tf.reset_default_graph": "a program that builds several graphs is not rewritten",
    "tf.get_default_graph": "direct use of the graph object has no eager counterpart",
    "tf.Graph": "direct use of graph objects has no eager counterpart",
    "tf.cond": "tf.cond on graph values is not rewritten yet",
    "tf.while_loop": "tf.while_loop on graph values is not rewritten yet",
    # RNN cells assigned to a name and run by dynamic_rnn are rewritten (tf2port.analysis.rnn); other uses are not
    "tf.nn.static_rnn": "static_rnn (a list of time steps) is not rewritten; dynamic_rnn is",
    "tf.nn.bidirectional_dynamic_rnn": "bidirectional RNNs are not rewritten yet",
    "tf.nn.dynamic_rnn": "dynamic_rnn is rewritten only as `outputs, state = tf.nn.dynamic_rnn(cell, inputs, ...)`",
    "tf.nn.rnn_cell": "this use of an RNN cell is not rewritten (cells are, when assigned to a name or passed "
                      "to dynamic_rnn)",
    "tf.contrib.rnn": "this use of an RNN cell is not rewritten (cells are, when assigned to a name or passed "
                      "to dynamic_rnn)",
    "tf.variable_scope": "variable scopes are not rewritten yet",
    "tf.get_collection": "graph collections are not rewritten yet",
}


# tf.contrib pieces the rewrite translates (see INITIALIZER_MAP in tf2port/fix/graph_to_eager.py)
REWRITTEN_CONTRIB = frozenset({"tf.contrib.layers.xavier_initializer", "tf.contrib.layers.fully_connected",
                               "tf.contrib.slim.fully_connected"})
# contrib/slim layer functions that become Keras layers (see CONTRIB_DENSE in tf2port/fix/graph_to_eager.py)
CONTRIB_LAYERS = frozenset({"tf.contrib.layers.fully_connected", "tf.contrib.slim.fully_connected"})


@dataclass
class Statement:
    """One module-level statement and what it means in the graph."""

    index: int  # position in module.body
    node: cst.BaseStatement
    role: str  # see ROLES
    defines: tuple[str, ...] = ()
    uses: frozenset[str] = frozenset()
    call: cst.Call | None = None  # the TF call that gives the role, when there is one
    qualified: str = ""  # qualified name of that call
    extra: dict = field(default_factory=dict)


ROLES = ("host", "import", "placeholder", "variable", "layer", "layer_object", "optimizer", "train", "op",
         "iterator", "next", "session", "session_with", "initializer", "schedule", "drop", "gradients",
         "saver", "summary")  # saver, summary: see tf2port.analysis.graph_io


@dataclass
class RunSite:
    """One evaluation of graph values: ``sess.run``, ``tensor.eval()`` or ``op.run()``."""

    call: cst.Call
    fetches: tuple[str, ...]  # fetched graph names, in order
    fetch_list: bool  # fetched as a list/tuple (result unpacked) or a single value
    feeds: dict[str, cst.BaseExpression]  # placeholder name -> fed expression
    line: int
    # a fetched TF expression over host values only (`sess.run(tf.argmax(a, 1))` with `a` a NumPy
    # array): it is evaluated eagerly where it stands
    eager: cst.BaseExpression | None = None
    # `sess.run({"loss": loss, "acc": acc})`: the keys (their source code), one per fetch, in order
    fetch_keys: tuple[str, ...] = ()
    summary: graph_io.SummaryFetch | None = None  # a fetched summary, taken out of `fetches`


@dataclass
class GraphProgram:
    module: cst.Module  # the whole file
    statements: list[Statement]
    aliases: dict[str, str]  # local name -> module path, for module-level TF imports
    tf_alias: str  # the local name of `tensorflow` in the output ("tf")
    session_names: set[str]
    run_sites: list[RunSite]
    blockers: list[Blocker]
    positions: LazyPositions
    feed_names: set[str] = field(default_factory=set)
    reinitialisations: set[int] = field(default_factory=set)  # id() of initializer runs after the first
    session_helpers: dict[str, int] = field(default_factory=dict)  # helper -> its session parameter's position
    io: graph_io.IoProgram = field(default_factory=graph_io.IoProgram)  # checkpoints and summaries
    scope: cst.FunctionDef | None = None  # the function whose body is the program (None: the module)

    @property
    def body(self) -> list[cst.BaseStatement]:
        """The statements read as the program (``Statement.index`` counts in this list)."""
        return function_body(self.scope) if self.scope is not None else list(self.module.body)

    def by_name(self) -> dict[str, Statement]:
        """The last defining statement of each graph name (module order)."""
        out: dict[str, Statement] = {}
        for stmt in self.statements:
            for name in stmt.defines:
                if stmt.role != "host":
                    out[name] = stmt
        return out

    def graph_names(self) -> set[str]:
        return {n for s in self.statements if s.role not in ("host", "import", "session", "session_with")
                for n in s.defines}

    def slice(self, fetches: tuple[str, ...], before: int) -> tuple[list[Statement], list[str], list[str]]:
        """Op statements computing ``fetches`` as of module position ``before``.

        Returns (statements in module order, placeholders needed, iterator outputs needed).
        Train ops pull in their loss; variables, layers and optimizers are module-level
        objects and are not part of the slice.
        """
        needed = set(fetches)
        chosen: list[Statement] = []
        inputs: set[str] = set()
        iterator_outputs: set[str] = set()
        for stmt in reversed([s for s in self.statements if s.index < before]):
            hit = needed & set(stmt.defines)
            if not hit or stmt.role == "host":
                continue
            needed -= hit
            if stmt.role == "placeholder":
                inputs |= hit
            elif stmt.role == "next":
                iterator_outputs |= set(stmt.defines)
            elif stmt.role in ("op", "layer", "train", "gradients"):
                chosen.append(stmt)
                needed |= stmt.uses
        chosen.reverse()
        order = {name: (s.index, i) for s in self.statements for i, name in enumerate(s.defines)}
        if iterator_outputs:  # one next() gives every output of get_next(), in its order
            source = max((s for s in self.statements if set(s.defines) & iterator_outputs), key=lambda s: s.index)
            iterator_outputs = set(source.defines)
        return (chosen, sorted(inputs, key=lambda n: order[n]),
                sorted(iterator_outputs, key=lambda n: order[n]))


# --- small helpers -------------------------------------------------------------------------------
def function_body(fn: cst.FunctionDef) -> list[cst.BaseStatement]:
    """The statements of ``fn``'s indented body; none for a one-line ``def main(): ...``.

    A one-line body holds small statements only, none of the session forms the rewrite follows
    (a `with` block, a statement line of its own), so such a function reads as empty: no run
    site is found and nothing is rewritten.
    """
    return list(fn.body.body) if isinstance(fn.body, cst.IndentedBlock) else []


def suite_lines(suite: cst.BaseSuite) -> list[cst.BaseStatement]:
    """A block's statements; a one-line block's small statements (``with ...: a = f(); g(a)``) as lines.

    Each small statement becomes a statement line of its own, so a one-line block is rewritten like
    the indented block it stands for (its children stay the same nodes).
    """
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    assert isinstance(suite, cst.SimpleStatementSuite)  # libcst's only other suite
    return [cst.SimpleStatementLine(body=[small.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)])
            for small in suite.body]


def dotted(node: cst.BaseExpression) -> str | None:
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


# libcst's visitors rebuild every node they pass; the analyses only read, so they walk the node
# fields directly, in source order (what libcst's own traversal gives), skipping pure whitespace.
_SOURCE_ORDER: dict[type, tuple[str, ...]] = {  # node types whose dataclass field order is not source order
    cst.FunctionDef: ("decorators", "name", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.Parameters: ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"),
}
_LAYOUT_FIELDS = frozenset({"lpar", "rpar", "leading_lines", "lines_after_decorators", "trailing_whitespace",
                            "comma", "equal", "colon", "semicolon", "lbracket", "rbracket", "lbrace", "rbrace",
                            "header", "footer", "newline", "asynchronous", "type_parameters"})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
    kind = type(node)
    names = _FIELDS.get(kind)
    if names is None:
        names = _SOURCE_ORDER.get(kind) or tuple(
            f.name for f in dataclasses.fields(kind)
            if not f.name.startswith("whitespace") and f.name not in _LAYOUT_FIELDS)
        _FIELDS[kind] = names
    out: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            out.extend(v for v in value if isinstance(v, cst.CSTNode))
    return out


def _name_uses(node: cst.CSTNode, *, except_shape_reads: bool = False, into_lambdas: bool = False) -> set[str]:
    """Names read by an expression or statement (not attribute names or keywords).

    Lambdas are skipped unless ``into_lambdas``; ``except_shape_reads`` leaves out a name read only
    as ``x.shape`` / ``x.get_shape`` / ``x.dtype`` (a sizing use, not a tensor use).
    """
    names: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            names.add(current.value)
        elif isinstance(current, cst.Attribute):
            if not (except_shape_reads and current.attr.value in _SHAPE_READS and isinstance(current.value, cst.Name)):
                stack.append(current.value)
        elif isinstance(current, cst.Arg):
            stack.append(current.value)
        elif into_lambdas or not isinstance(current, cst.Lambda):
            stack.extend(reversed(_children(current)))
    return names


_SHAPE_READS = frozenset({"shape", "get_shape", "dtype"})


_NAMES_CACHE: dict[int, tuple[cst.CSTNode, frozenset[str]]] = {}


def names_used(node: cst.CSTNode) -> set[str]:
    """Names ``node`` reads; kept per node like :func:`calls_in` (the analyses ask it of the whole module
    once per converted function)."""
    hit = _NAMES_CACHE.get(id(node))
    if hit is not None and hit[0] is node:
        return set(hit[1])
    names = _name_uses(node)
    if len(_NAMES_CACHE) > 50_000:
        _NAMES_CACHE.clear()
    _NAMES_CACHE[id(node)] = (node, frozenset(names))
    return names


def _targets(node: cst.BaseAssignTargetExpression) -> tuple[str, ...] | None:
    if isinstance(node, cst.Name):
        return (node.value,)
    if isinstance(node, (cst.Tuple, cst.List)):
        out = []
        for element in node.elements:
            if not isinstance(element.value, cst.Name):
                return None
            out.append(element.value.value)
        return tuple(out)
    return None


def _calls(node: cst.CSTNode, evaluation_order: bool) -> list[cst.Call]:
    """Calls in source order (a call before its arguments) or evaluation order (after them)."""
    calls: list[cst.Call] = []
    stack: list[tuple[cst.CSTNode, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        if expanded:
            calls.append(current)  # type: ignore[arg-type]
            continue
        if isinstance(current, cst.Call):
            if evaluation_order:
                stack.append((current, True))
            else:
                calls.append(current)
        stack.extend((child, False) for child in reversed(_children(current)))
    return calls


_CALLS_CACHE: dict[tuple[int, bool], tuple[cst.CSTNode, list[cst.Call]]] = {}


def calls_in(node: cst.CSTNode, evaluation_order: bool = False) -> list[cst.Call]:
    """Calls in source order, or as Python runs them (arguments first: `norm(x + ffn(x))` runs ffn first).

    The analyses ask this of the same (immutable) statements many times; libcst's visitor is slow,
    so answers are kept per node (the node is held with its answer, so its id cannot be reused).
    """
    key = (id(node), evaluation_order)
    hit = _CALLS_CACHE.get(key)
    if hit is not None and hit[0] is node:
        return list(hit[1])
    calls = _calls(node, evaluation_order)
    if len(_CALLS_CACHE) > 50_000:
        _CALLS_CACHE.clear()
    _CALLS_CACHE[key] = (node, calls)
    return list(calls)


def keyword(call: cst.Call, name: str, position: int | None = None) -> cst.BaseExpression | None:
    """The value passed for parameter ``name`` (by keyword, or at ``position``)."""
    for i, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
        if arg.keyword is None and not arg.star and position is not None and i == position:
            return arg.value
    return None


class LazyPositions:
    """Source positions of a module's nodes, resolved on the first question.

    Resolving is a full metadata pass (a quarter of a library analysis, most of a session analysis
    that declines early); many modules are converted or declined without asking for a line.
    """

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._table: dict[cst.CSTNode, CodeRange] | None = None

    def _resolved(self) -> dict[cst.CSTNode, CodeRange]:
        if self._table is None:
            self._table = dict(MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider))
        return self._table

    def get(self, node: cst.CSTNode) -> CodeRange | None:
        return self._resolved().get(node)

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        return self._resolved()[node]

    def __setitem__(self, node: cst.CSTNode, where: CodeRange) -> None:
        """A node an emitter made in place of one with a position keeps that position."""
        self._resolved()[node] = where


# --- the analysis -----------------------------------------------------------------------------
class _Analyser:
    def __init__(self, module: cst.Module, aliases: dict[str, str], scope: cst.FunctionDef | None = None) -> None:
        self.positions = LazyPositions(module)  # the whole file's lines, also inside `scope`
        self.module = module
        self.scope = scope
        # the program: the statements read one by one, and the node whose calls belong to it
        self.body: list[cst.BaseStatement] = function_body(scope) if scope is not None else list(module.body)
        self.program_node: cst.CSTNode = scope if scope is not None else module
        # how findings name the program's own statements: "module-level", "`main()`-level"
        self.level = f"`{scope.name.value}()`-level" if scope is not None else "module-level"
        self.aliases = aliases
        self.blockers: list[Blocker] = []
        self.statements: list[Statement] = []
        self.session_names: set[str] = set()
        self.run_sites: list[RunSite] = []
        self.defined: dict[str, str] = {}  # graph name -> role
        self.update_ops: set[str] = set()
        self.feed_names: set[str] = set()  # `feed = {X: ..}` dicts passed as feed_dict=feed
        self.io = graph_io.IoProgram()
        self.session_calls: set[int] = set()  # id() of tf.Session() calls in with-items / assignments
        self.reinitialisations: set[int] = set()
        self.session_helpers: dict[str, int] = {}  # helper function -> position of its session parameter
        self.rnn = RnnReader(self)  # cells and dynamic_rnn

    def qualified(self, node: cst.BaseExpression) -> str | None:
        name = dotted(node)
        if name is None:
            return None
        root, _, rest = name.partition(".")
        module = self.aliases.get(root)
        if module is None:
            return None
        return qualify(module + ("." + rest if rest else ""))

    def role_of(self, node: cst.BaseExpression) -> str | None:
        """The graph role of the name ``node`` spells (``"iterator"``...), None when it is not one."""
        name = dotted(node)
        return self.defined.get(name) if name is not None else None

    def line(self, node: cst.CSTNode) -> tuple[int, int]:
        pos = self.positions.get(node)
        return (pos.start.line, pos.start.column + 1) if pos else (1, 1)

    def block(self, node: cst.CSTNode, construct: str, reason: str) -> None:
        line, col = self.line(node)
        self.blockers.append(Blocker(line, col, construct, reason))

    # statements ---------------------------------------------------------------------------------
    def run(self) -> None:
        if self.scope is not None:
            self.outside_scope()
        outside = len(self.blockers)  # graph code elsewhere in the module (see outside_scope)
        for stmt in self.body:  # the session forms the rewrite follows
            if isinstance(stmt, cst.With):
                self.session_calls.update(id(i.item) for i in stmt.items if isinstance(i.item, cst.Call))
            elif isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 \
                    and isinstance(stmt.body[0], cst.Assign) and isinstance(stmt.body[0].value, cst.Call):
                self.session_calls.add(id(stmt.body[0].value))
        for index, stmt in enumerate(self.body):
            self.statement(index, stmt)
        self.find_run_sites()
        self.io = graph_io.finish(self)
        if outside:  # run sites read names built elsewhere, unknown here: their findings would only repeat that
            self.blockers = self.blockers[:outside] + [b for b in self.blockers[outside:]
                                                       if b.construct not in ("Session.run", "feed_dict")]

    def outside_scope(self) -> None:
        """Graph code elsewhere in the module when the program is one function's body.

        A graph built in `build()` and run in `main()`, or a session passed to a helper
        outside `main()`, is split over scopes the rewrite cannot join: it declines at the
        first such call.
        """
        assert self.scope is not None
        scope = self.scope.name.value
        for stmt in self.module.body:
            if stmt is self.scope:
                continue
            kind = "def" if isinstance(stmt, cst.FunctionDef) else "class" if isinstance(stmt, cst.ClassDef) else ""
            place = place_of(kind, stmt.name.value if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) else None)
            for call in calls_in(stmt):
                name = self.qualified(call.func) or ""
                if is_graph_code(name):
                    self.block(call, name, graph_code_elsewhere(place, scope))
                    return
                func = call.func
                if isinstance(func, cst.Attribute) and func.attr.value in ("run", "eval") \
                        and keyword(call, "feed_dict", None) is not None:
                    self.block(call, func.attr.value, run_elsewhere(place, scope))
                    return

    def check_unsupported(self, node: cst.CSTNode) -> bool:
        found = False
        calls = calls_in(node)
        # `FileWriter(logdir, graph=tf.get_default_graph())`: the writer rewrite drops the graph argument
        writer_graphs = {id(graph) for call in calls if self.qualified(call.func) == graph_io.FILE_WRITER
                         for graph in [keyword(call, "graph", 1)] if isinstance(graph, cst.Call)}
        for call in calls:
            name = self.qualified(call.func)
            if name is None or (name == "tf.get_default_graph" and id(call) in writer_graphs):
                continue
            if name in SESSIONS and not self.session_call_allowed(call):
                self.block(call, name, "a session created inside an expression (`tf.Session().run(...)`)")
                found = True
            if name in REWRITTEN_CONTRIB:
                continue
            for prefix, reason in UNSUPPORTED.items():
                if name == prefix or name.startswith(prefix + "."):
                    self.block(call, name, reason)
                    found = True
                    break
        if found:
            return True
        for sub in _attribute_uses(node):
            name = self.qualified(sub)
            if name and (name.startswith("tf.nn.rnn_cell") or name.startswith("tf.contrib.rnn")):
                self.block(sub, name, UNSUPPORTED["tf.nn.rnn_cell"])
                return True
        return False

    def session_call_allowed(self, call: cst.Call) -> bool:
        """Sessions the rewrite follows: `with tf.Session() as s:` and `s = tf.Session()`."""
        return id(call) in self.session_calls

    def is_update_ops(self, node: cst.BaseExpression) -> bool:
        """`tf.get_collection(tf.GraphKeys.UPDATE_OPS)`, or a name bound to it."""
        if isinstance(node, cst.Name):
            return node.value in self.update_ops
        if isinstance(node, cst.Call) and self.qualified(node.func) == "tf.get_collection" and node.args:
            return self.qualified(node.args[0].value) == "tf.GraphKeys.UPDATE_OPS"
        return False

    def statement(self, index: int, stmt: cst.BaseStatement) -> None:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                self.statements.append(Statement(index, stmt, "import"))
                return
            if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(
                    small.targets[0].target, cst.Name) and self.is_update_ops(small.value):
                # batch-norm updates: Keras layers apply them when called with training=True
                self.update_ops.add(small.targets[0].target.value)
                self.statements.append(Statement(index, stmt, "drop", defines=(small.targets[0].target.value,)))
                return
            if self.rnn.statement(index, stmt, small):
                return
            if self.check_unsupported(stmt):
                self.statements.append(Statement(index, stmt, "host"))
                return
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                targets = _targets(small.targets[0].target)
                if targets is not None:
                    self.assignment(index, stmt, targets, small.value)
                    return
            if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and graph_io.expression(
                    self, index, stmt, small.value, self.qualified(small.value.func)):
                return
            self.host(index, stmt)
            return
        if isinstance(stmt, cst.With):
            session = self.session_item(stmt)
            if session is not None:
                self.session_names.add(session)
                self.statements.append(Statement(index, stmt, "session_with", defines=(session,)))
                if self.check_unsupported(stmt.body):
                    return
                self.nested_graph_code(stmt.body)
                return
            deps = stmt.items[0].item if len(stmt.items) == 1 else None
            if isinstance(deps, cst.Call) and self.qualified(deps.func) == "tf.control_dependencies" \
                    and deps.args and self.is_update_ops(deps.args[0].value) \
                    and isinstance(stmt.body, cst.IndentedBlock) \
                    and all(isinstance(s, cst.SimpleStatementLine) for s in stmt.body.body):
                # `with tf.control_dependencies(update_ops): train_op = ...minimize(loss)`: the
                # dependency becomes implicit, the statements inside are read as module-level ones
                before = len(self.statements)
                for inner in stmt.body.body:
                    self.statement(index, inner)
                for entry in self.statements[before:]:
                    entry.extra["unwrapped_from"] = stmt
                return
            for item in stmt.items:
                name = self.qualified(item.item.func) if isinstance(item.item, cst.Call) else None
                if name == "tf.control_dependencies":
                    self.block(stmt, name, "explicit control dependencies are not rewritten yet")
                    self.host(index, stmt)
                    return
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            helper = self.session_helper(stmt)
            for call in calls_in(stmt) if helper is None else ():
                func = call.func
                if isinstance(func, cst.Attribute) and func.attr.value in ("run", "eval") and (
                        names_used(call) & set(self.defined) or keyword(call, "feed_dict", None) is not None):
                    self.block(call, func.attr.value, "the graph is run inside a function (a session passed "
                                                      f"around); only {self.level} runs are rewritten")
                    break
            graph_calls = [c for c in calls_in(stmt) if (self.qualified(c.func) or "").startswith(
                ("tf.placeholder", "tf.Variable", "tf.get_variable", "tf.layers", "tf.train", "tf.Session"))]
            if graph_calls:
                self.block(graph_calls[0], self.qualified(graph_calls[0].func) or "",
                           "graph code inside a function or class is not rewritten yet "
                           "(library-style graph code)")
            self.host(index, stmt)
            return
        if self.check_unsupported(stmt):
            self.host(index, stmt)
            return
        self.nested_graph_code(stmt)
        self.host(index, stmt)

    def session_helper(self, stmt: cst.FunctionDef | cst.ClassDef) -> str | None:
        """The session parameter of a module-level helper that runs the graph through it.

        `def evaluate(session, xs): return session.run(loss, feed_dict={X: xs})`: every run
        in the body is `<param>.run(...)` of one parameter; the rewrite drops that parameter
        here and at the call sites (see `session_helpers`).
        """
        if not isinstance(stmt, cst.FunctionDef):
            return None
        params = [p.name.value for p in stmt.params.params]
        receivers = set()
        for call in calls_in(stmt):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("run", "eval") and (
                    names_used(call) & set(self.defined) or keyword(call, "feed_dict", None) is not None):
                receivers.add(dotted(func.value))
        if len(receivers) != 1:
            return None
        (session,) = receivers
        if session not in params or any(isinstance(n, cst.Name) and n.value == session
                                        for n in _bare_names(stmt.body, session)):
            return None
        self.session_names.add(session)
        self.session_helpers[stmt.name.value] = params.index(session)
        return session

    def nested_graph_code(self, node: cst.CSTNode) -> None:
        """Graph construction inside loops or blocks cannot be sliced statement by statement."""
        for call in calls_in(node):
            name = self.qualified(call.func) or ""
            if name in PLACEHOLDERS or name in VARIABLES or name.startswith(LAYER_PREFIX) or name in OPTIMIZERS:
                self.block(call, name, f"graph built inside a loop or block; only {self.level} graph "
                                       "construction is rewritten")
                return
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "minimize":
                self.block(call, "minimize", "minimize() inside a loop or block is not rewritten")
                return

    def tf1_methods(self, node: cst.CSTNode) -> bool:
        """Block TF1-only method calls the rewrite does not translate (they would fail on TF2)."""
        for call in calls_in(node):
            func = call.func
            if not isinstance(func, cst.Attribute):
                continue
            method, receiver = func.attr.value, dotted(func.value)
            if method in ("make_one_shot_iterator", "make_initializable_iterator", "get_next"):
                self.block(call, method, "a TF1 iterator used where the rewrite cannot follow it")
                return True
            optimizer = (receiver is not None and self.defined.get(receiver) == "optimizer") or (
                isinstance(func.value, cst.Call) and self.qualified(func.value.func) in OPTIMIZERS)
            if optimizer and method in ("compute_gradients", "apply_gradients"):
                self.block(call, method, "compute_gradients/apply_gradients of a TF1 optimizer are not rewritten "
                                         "yet (minimize is)")
                return True
        return False

    def host(self, index: int, stmt: cst.BaseStatement) -> None:
        if self.tf1_methods(stmt):
            self.statements.append(Statement(index, stmt, "host"))
            return
        defines: tuple[str, ...] = ()
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        defines += _targets(target.target) or ()
        uses = frozenset(names_used(stmt))
        graph_uses = {n for n in uses if n in self.defined}
        if graph_uses and isinstance(stmt, cst.SimpleStatementLine) and any(
                isinstance(s, cst.Assign) for s in stmt.body) and not self.contains_run(stmt):
            # an assignment computing from graph values: an op (e.g. `L1 = tf.nn.relu(...)`)
            self.op(index, stmt, defines, uses)
            return
        for name in defines:
            self.defined.pop(name, None)  # rebound to a plain Python value
        self.statements.append(Statement(index, stmt, "host", defines=defines, uses=uses))

    def contains_run(self, node: cst.CSTNode) -> bool:
        for call in calls_in(node):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("run", "eval"):
                receiver = dotted(func.value)
                if receiver in self.session_names or receiver in self.defined:
                    return True
        return False

    def op(self, index: int, stmt: cst.BaseStatement, defines: tuple[str, ...], uses: frozenset[str]) -> None:
        if self.tf1_methods(stmt):
            self.statements.append(Statement(index, stmt, "host", defines=defines))
            return
        graph_uses = frozenset(n for n in uses if n in self.defined)
        for name in defines:
            self.defined[name] = "op"
        self.statements.append(Statement(index, stmt, "op", defines=defines, uses=graph_uses))

    def variable_container(self, value: cst.BaseExpression) -> str | None:
        """"dict" or "list" for a literal dict or list (or tuple) whose every value is a `tf.Variable(...)` call."""
        if isinstance(value, cst.Dict):
            items = [e.value if isinstance(e, cst.DictElement) else None for e in value.elements]
            kind = "dict"
        elif isinstance(value, (cst.List, cst.Tuple)):
            items = [e.value if isinstance(e, cst.Element) else None for e in value.elements]
            kind = "list"
        else:
            return None
        if not items or not all(isinstance(v, cst.Call) and self.qualified(v.func) == "tf.Variable" for v in items):
            return None
        return kind

    def session_item(self, stmt: cst.With) -> str | None:
        for item in stmt.items:
            if isinstance(item.item, cst.Call) and self.qualified(item.item.func) in SESSIONS:
                if item.asname is not None and isinstance(item.asname.name, cst.Name):
                    return item.asname.name.value
                return "<session>"
        return None

    def assignment(self, index: int, stmt: cst.SimpleStatementLine, targets: tuple[str, ...],
                   value: cst.BaseExpression) -> None:
        uses = frozenset(names_used(value))
        call = value if isinstance(value, cst.Call) else None
        name = self.qualified(call.func) if call is not None else None
        role = None
        extra: dict = {}
        if graph_io.assignment(self, index, stmt, targets, call, name):
            return
        if name in SESSIONS and len(targets) == 1:
            self.session_names.add(targets[0])
            self.statements.append(Statement(index, stmt, "session", defines=targets, call=call, qualified=name))
            return
        if name in PLACEHOLDERS and len(targets) == 1:
            role = "placeholder"
        elif (name in VARIABLES or (name == GLOBAL_STEP and call is not None and not call.args)) \
                and len(targets) == 1:
            role = "variable"
        elif name and name.startswith(LAYER_PREFIX) and name[len(LAYER_PREFIX):][:1].isupper() and len(targets) == 1:
            role = "layer_object"  # `encoder = tf.layers.Dense(6)`: a layer object, called later
        elif name and (name.startswith(LAYER_PREFIX) or name in CONTRIB_LAYERS) and len(targets) == 1:
            role = "layer"
        elif name in OPTIMIZERS and len(targets) == 1:
            role = "optimizer"
        elif call is not None and isinstance(call.func, cst.Name) and call.func.value in self.keras_classes() \
                and len(targets) == 1:
            role = "layer_object"  # a Keras layer defined in this module (e.g. by the library rewrite)
            extra["module_class"] = True
        elif name == "tf.train.exponential_decay" and len(targets) == 1:
            role = "schedule"
        elif call is not None and isinstance(call.func, cst.Attribute) and call.func.attr.value == "minimize":
            role = "train"
            extra["optimizer"] = call.func.value
        elif self.optimizer_method(call, "compute_gradients") and len(targets) == 1:
            role = "gradients"  # `grads_and_vars = opt.compute_gradients(loss)`: a tape's gradients
            extra["optimizer"] = call.func.value  # type: ignore[union-attr]
        elif self.optimizer_method(call, "apply_gradients") and len(targets) == 1:
            role = "train"  # `train_op = opt.apply_gradients(pairs, global_step=step)`
            extra["optimizer"] = call.func.value  # type: ignore[union-attr]
            extra["applies"] = keyword(call, "grads_and_vars", 0)  # type: ignore[arg-type]
        elif call is not None and isinstance(call.func, cst.Attribute) and call.func.attr.value in (
                "make_one_shot_iterator",) or name == "tf.data.make_one_shot_iterator":
            role = "iterator"
        elif call is not None and isinstance(call.func, cst.Attribute) and call.func.attr.value == "get_next" \
                and self.role_of(call.func.value) == "iterator":
            role = "next"
        elif call is not None and isinstance(call.func, cst.Attribute) and call.func.attr.value == "get_next" \
                and isinstance(call.func.value, cst.Call) and self.one_shot_dataset(call.func.value) is not None:
            role = "next"  # `x, y = dataset.make_one_shot_iterator().get_next()`
            extra["dataset"] = self.one_shot_dataset(call.func.value)
        elif name in INITIALIZERS:
            role = "initializer"
        elif len(targets) == 1 and self.variable_container(value) is not None:
            role = "variable"  # `weights = {"h1": tf.Variable(...), ...}`: the loss reads `weights["h1"]`
            extra["container"] = self.variable_container(value)
            name = "tf.Variable"
        if role is None:
            if any(n in self.defined for n in uses) or self.is_tf_expression(value):
                if self.contains_run(value):
                    self.host(index, stmt)
                    return
                self.op(index, stmt, targets, uses)
                return
            self.host(index, stmt)
            return
        for target in targets:
            self.defined[target] = role
        graph_uses = frozenset(n for n in uses if n in self.defined or n in targets)
        self.statements.append(Statement(index, stmt, role, defines=targets, uses=graph_uses, call=call,
                                         qualified=name or "", extra=extra))

    def optimizer_method(self, call: cst.Call | None, method: str) -> bool:
        """`opt.<method>(...)` on a module-level TF1 optimizer object."""
        return call is not None and isinstance(call.func, cst.Attribute) and call.func.attr.value == method \
            and self.defined.get(dotted(call.func.value) or "") == "optimizer"

    def keras_classes(self) -> set[str]:
        """Module-level classes deriving from a Keras Layer or Model: their objects hold weights."""
        out = set()
        for stmt in self.module.body:
            if isinstance(stmt, cst.ClassDef) and any(
                    (self.qualified(base.value) or "").startswith(("tf.keras.layers.Layer", "tf.keras.Model"))
                    or (isinstance(base.value, cst.Name) and base.value.value in out) for base in stmt.bases):
                out.add(stmt.name.value)
        return out

    def one_shot_dataset(self, call: cst.Call) -> cst.BaseExpression | None:
        """The dataset of `ds.make_one_shot_iterator()` or `tf.data.make_one_shot_iterator(ds)`."""
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "make_one_shot_iterator" and not call.args:
            return call.func.value
        if self.qualified(call.func) == "tf.data.make_one_shot_iterator" and len(call.args) == 1:
            return call.args[0].value
        return None

    def is_tf_expression(self, value: cst.BaseExpression) -> bool:
        """Does the expression call TensorFlow ops (and so build graph nodes)?

        Input pipelines (``tf.data``) and data helpers are host objects in TF2: they stay
        at module level and are iterated eagerly.
        """
        for call in calls_in(value):
            name = self.qualified(call.func)
            if name and name.startswith("tf.") and not name.startswith(HOST_PREFIXES):
                return True
        return False

    # run sites ----------------------------------------------------------------------------------
    def find_run_sites(self) -> None:
        for stmt in list(self.statements):  # a fetched expression adds an op statement (see fetch_expression)
            if stmt.role not in ("host", "session_with"):
                continue
            for call in calls_in(stmt.node):
                site = self.run_site(call)
                if site is not None:
                    self.run_sites.append(site)
        initialisations = [site for site in self.run_sites if not site.fetches and site.eager is None]
        # TF1 starts again from the initial values (and fresh optimizer slots); TF2 variables live on,
        # so each later initialisation becomes assignments of the initial values (see the emitter)
        self.reinitialisations = {id(site.call) for site in initialisations[1:]}

    def run_site(self, call: cst.Call) -> RunSite | None:
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        receiver = dotted(func.value)
        line, _ = self.line(call)
        if method == "run" and receiver in self.session_names:
            fetches_node = keyword(call, "fetches", 0)
            feeds = keyword(call, "feed_dict", 1)
            if fetches_node is None:
                self.block(call, "Session.run", "sess.run without fetches")
                return None
            if self.is_initializer(fetches_node):
                return RunSite(call, (), False, {}, line)
            if (self.is_host_expression(fetches_node) or self.is_layer_weight(fetches_node)) and not feeds:
                return RunSite(call, (), False, {}, line, eager=fetches_node)
            if isinstance(fetches_node, cst.Dict):
                keyed = self.fetch_dict(fetches_node)
                if keyed is not None:
                    return RunSite(call, keyed[1], False, self.feeds(feeds, call) or {}, line, fetch_keys=keyed[0])
            computed = self.fetch_expression(fetches_node)
            if computed is not None:  # `sess.run(accuracy * 100, feed)`: an op of its own, computed in the step
                return RunSite(call, (computed,), False, self.feeds(feeds, call) or {}, line)
            names = self.fetch_names(fetches_node, call)
            if names is None:
                return None
            return RunSite(call, names[0], names[1], self.feeds(feeds, call) or {}, line)
        if method in ("eval", "run") and (receiver in self.defined or (
                isinstance(func.value, cst.Call) and self.qualified(func.value.func) in INITIALIZERS)):
            if isinstance(func.value, cst.Call):
                return RunSite(call, (), False, {}, line)
            feeds = keyword(call, "feed_dict", 0)
            assert receiver is not None  # a name in self.defined
            return RunSite(call, (receiver,), False, self.feeds(feeds, call) or {}, line)
        return None

    def fetch_expression(self, node: cst.BaseExpression) -> str | None:
        """A fetched expression over graph values (`accuracy * 100`, `tf.add(a, b)`) becomes an op statement.

        The op is placed after the last statement it reads and named after the first graph value it
        reads (`accuracy_value`), so the run gets a step function like any fetched op. Only plain
        computations qualify: no attribute of a graph value (`W.initializer` is an assign op), no
        lambda, no run inside, and graph values that are ops, layers, variables or placeholders.
        """
        if isinstance(node, (cst.Name, cst.List, cst.Tuple, cst.Dict)) or self.contains_run(node):
            return None
        graph = [n for n in _name_uses(node, into_lambdas=True) if n in self.defined]
        if not graph or any(self.defined[n] not in ("op", "layer", "variable", "placeholder") for n in graph):
            return None
        stack: list[cst.CSTNode] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, cst.Lambda):
                return None
            if isinstance(current, cst.Attribute):
                root: cst.BaseExpression = current
                while isinstance(root, cst.Attribute):
                    root = root.value
                if isinstance(root, cst.Name) and root.value in self.defined:
                    return None
            stack.extend(_children(current))
        taken = names_used(self.module) | set(self.defined)
        computed = [n for n in graph if self.defined[n] in ("op", "layer")] or graph  # named after what it computes
        base = f"{min(computed, key=self.definition_order)}_value"
        name, n = base, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        after = max((i for i, stmt in enumerate(self.statements) if set(stmt.defines) & set(graph)), default=-1)
        index = self.statements[after].index if after >= 0 else 0
        line = cst.SimpleStatementLine(body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=node)])
        self.statements.insert(after + 1, Statement(index, line, "op", defines=(name,), uses=frozenset(graph)))
        self.defined[name] = "op"
        return name

    def definition_order(self, name: str) -> int:
        return next((i for i, stmt in enumerate(self.statements) if name in stmt.defines), len(self.statements))

    def is_initializer(self, node: cst.BaseExpression) -> bool:
        """`tf.global_variables_initializer()` run directly, or a name bound to it (`sess.run(init)`)."""
        if isinstance(node, cst.Call):
            return self.qualified(node.func) in INITIALIZERS
        return isinstance(node, cst.Name) and self.defined.get(node.value) == "initializer"

    def is_host_expression(self, node: cst.BaseExpression) -> bool:
        """A TF op call that reads no graph name: in TF2 it runs eagerly on the host values it reads."""
        return isinstance(node, cst.Call) and self.is_tf_expression(node) \
            and not names_used(node) & set(self.defined) and not self.contains_run(node)

    def fetch_dict(self, node: cst.Dict) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """(keys, graph names) of `{"loss": loss, ...}` with string keys and computed values."""
        keys, names = [], []
        for element in node.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString) \
                    or not isinstance(element.value, cst.Name) \
                    or self.defined.get(element.value.value) not in ("op", "layer"):
                return None
            keys.append(element.key.value)
            names.append(element.value.value)
        return (tuple(keys), tuple(names)) if len(set(names)) == len(names) else None

    def is_layer_weight(self, node: cst.BaseExpression) -> bool:
        """`encoder.kernel`: a weight of a layer object, read eagerly in TF2."""
        return isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) \
            and self.defined.get(node.value.value) == "layer_object" and node.attr.value in LAYER_WEIGHTS

    def fetch_names(self, node: cst.BaseExpression, call: cst.Call) -> tuple[tuple[str, ...], bool] | None:
        if isinstance(node, cst.Name) and node.value in self.defined:
            return (node.value,), False
        if isinstance(node, (cst.List, cst.Tuple)):
            out = []
            for element in node.elements:
                if not isinstance(element.value, cst.Name) or element.value.value not in self.defined:
                    self.block(call, "Session.run", "a fetch that is not a name of a graph value")
                    return None
                out.append(element.value.value)
            return tuple(out), True
        self.block(call, "Session.run", "fetches that are not graph names (dicts, expressions)")
        return None

    def feeds(self, node: cst.BaseExpression | None, call: cst.Call) -> dict[str, cst.BaseExpression] | None:
        if node is None:
            return {}
        if isinstance(node, cst.Name):
            # a dict built once: `feed = {X: x, Y: y}` then `feed_dict=feed`
            name = node.value
            for stmt in self.body:
                found = _simple_assign(stmt, name)
                if isinstance(found, cst.Dict):
                    node = found
                    self.feed_names.add(name)
        if not isinstance(node, cst.Dict):
            self.block(call, "feed_dict", "feed_dict is not a dict literal")
            return None
        out: dict[str, cst.BaseExpression] = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.Name) \
                    or self.defined.get(element.key.value) != "placeholder":
                self.block(call, "feed_dict", "feed_dict keys must be placeholder names")
                return None
            out[element.key.value] = element.value
        return out


def _simple_assign(stmt: cst.BaseStatement, name: str) -> cst.BaseExpression | None:
    body = stmt.body.body if isinstance(stmt, cst.With) else [stmt]
    for inner in body:
        if isinstance(inner, cst.SimpleStatementLine) and len(inner.body) == 1 and isinstance(inner.body[0], cst.Assign):
            assign = inner.body[0]
            if len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name) \
                    and assign.targets[0].target.value == name:
                return assign.value
    return None


def _bare_names(node: cst.CSTNode, name: str) -> list[cst.Name]:
    """Uses of `name` other than as the receiver of `.run(...)` (the session passed on, stored...)."""
    class Visitor(cst.CSTVisitor):
        def __init__(self) -> None:
            self.found: list[cst.Name] = []

        def visit_Call(self, call: cst.Call) -> bool:
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "run" and isinstance(func.value, cst.Name):
                for arg in call.args:
                    arg.visit(self)
                return False
            return True

        def visit_Name(self, found: cst.Name) -> None:
            if found.value == name:
                self.found.append(found)

    visitor = Visitor()
    node.visit(visitor)
    return visitor.found


def _attribute_uses(node: cst.CSTNode) -> Iterator[cst.Attribute]:
    class Visitor(cst.CSTVisitor):
        def __init__(self) -> None:
            self.found: list[cst.Attribute] = []

        def visit_Attribute(self, attr: cst.Attribute) -> bool:
            self.found.append(attr)
            return False

    visitor = Visitor()
    node.visit(visitor)
    return iter(visitor.found)


def session_scope(module: cst.Module, aliases: dict[str, str]) -> tuple[cst.FunctionDef | None, list[cst.Call]]:
    """The function whose body is the program, and the sessions opened in other functions.

    None (the module is the program) when a session is opened at module level or in no
    function; else the first module-level function that opens one (`def main(): with
    tf.Session() as sess:`). Sessions in further functions are returned: they decline.
    """
    def is_session(call: cst.Call) -> bool:
        name = dotted(call.func)
        root, _, rest = (name or "").partition(".")
        return root in aliases and qualify(aliases[root] + ("." + rest if rest else "")) in SESSIONS

    functions = []
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef):
            sessions = [c for c in calls_in(stmt) if is_session(c)]
            if sessions:
                functions.append((stmt, sessions))
        elif any(is_session(c) for c in calls_in(stmt)):
            return None, []
    if not functions:
        return None, []
    return functions[0][0], [sessions[0] for _, sessions in functions[1:]]


def analyse_graph(module: cst.Module, aliases: dict[str, str]) -> GraphProgram:
    """Classify the program's statements and run sites; blockers say what is unsupported."""
    scope, other_sessions = session_scope(module, aliases)
    analyser = _Analyser(module, aliases, scope)
    for call in other_sessions:
        assert scope is not None
        analyser.block(call, analyser.qualified(call.func) or "tf.Session", several_sessions(scope.name.value))
    analyser.run()
    tf_alias = next((local for local, path in aliases.items() if path in ("tensorflow", "tensorflow.compat.v1")),
                    "tf")
    return GraphProgram(module, analyser.statements, aliases, tf_alias, analyser.session_names,
                        analyser.run_sites, analyser.blockers, analyser.positions, analyser.feed_names,
                        analyser.reinitialisations, analyser.session_helpers, analyser.io, scope)
