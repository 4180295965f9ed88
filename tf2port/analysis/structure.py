"""Where a TF1 program's sessions and graph code live, read from the stdlib ``ast`` tree.

The graph-to-eager rewrite reads one body as "the program": the module, or the one
module-level function that opens a session (``def main(): with tf.Session() as sess:``).
Two facts about that layout decline the rewrite whatever the statements say: sessions
opened in several functions, and graph code built outside the function whose session
runs it. They are *structural* blockers: both analyses (this one and the libcst one in
:mod:`tf2port.analysis.graph`) report them and stop there.

This module finds them without libcst (which costs ~15 ms a file to parse alone), so fix
skips both libcst rewrites on a module whose decline is certain. It is certain when graph
code sits where the library rewrite (which turns variable-creating functions into Keras
classes before the graph rewrite runs) cannot remove it: at module level, in a class, or in
a function that creates no variables. The blockers it reports are the ones the libcst
analysis reports, at the same lines (``tests/test_structure.py`` holds the two together).
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tf2port.analysis.names import ModuleInfo, qualify

SESSIONS = frozenset({"tf.Session", "tf.InteractiveSession"})
# calls that build or run a graph: outside the function whose session is rewritten they decline it
GRAPH_CODE = ("tf.placeholder", "tf.Variable", "tf.get_variable", "tf.layers.", "tf.train.", "tf.Session",
              "tf.InteractiveSession", "tf.summary.", "tf.variable_scope", "tf.global_variables_initializer",
              "tf.nn.dynamic_rnn", "tf.nn.rnn_cell.")
# tf.train members that are host objects or files, not graph pieces (a helper writing tf.train.Example is fine)
HOST_TRAIN = ("tf.train.Example", "tf.train.SequenceExample", "tf.train.Features", "tf.train.Feature",
              "tf.train.FeatureList", "tf.train.BytesList", "tf.train.FloatList", "tf.train.Int64List",
              "tf.train.latest_checkpoint", "tf.train.load_checkpoint", "tf.train.list_variables",
              "tf.train.checkpoint_exists")
# what makes a module-level function a library function (tf2port.analysis.library converts those to classes)
VARIABLE_CALLS = frozenset({"tf.get_variable", "tf.Variable"})
RNN_CALL = "tf.nn.dynamic_rnn"  # creates the cell's weights (under the scope "rnn" unless `scope=` says)
LAYER_PREFIX = "tf.layers."
# a function that feeds placeholders to a session drives a model; it is not a layer
DRIVER_CALLS = frozenset({"tf.Session", "tf.InteractiveSession", "tf.placeholder"})


@dataclass(frozen=True)
class Blocker:
    """Why the module cannot be rewritten: the construct, its line and the reason."""

    line: int
    col: int
    construct: str
    reason: str


def is_graph_code(name: str) -> bool:
    return name.startswith(GRAPH_CODE) and not name.startswith(HOST_TRAIN)


def several_sessions(scope: str) -> str:
    return f"sessions are opened in several functions (also in `{scope}()`); the session code of one function " \
           "is rewritten"


def graph_code_elsewhere(place: str, scope: str) -> str:
    return f"graph code {place} while the session runs in `{scope}()`; only a graph built and run in the same " \
           "function is rewritten"


def run_elsewhere(place: str, scope: str) -> str:
    return f"the graph is run {place} while it is built in `{scope}()` (a session passed around); only a graph " \
           "built and run in the same function is rewritten"


def place_of(kind: str, name: str | None) -> str:
    """How a finding names a top-level statement: `in `build()` (library-style graph code)` or `at module level`."""
    return f"in `{name}()` (library-style graph code)" if kind in ("def", "class") else "at module level"


@dataclass(frozen=True)
class Layout:
    """The program's layout: the session function, and the structural blockers (empty: none)."""

    scope: str | None  # the function whose body is the program; None: the module is
    blockers: tuple[Blocker, ...]  # the structural blockers, when the decline is certain
    cause: Blocker | None  # a blocker the library rewrite cannot remove: the graph rewrite declines for sure
    library_functions: frozenset[str]  # the functions the library rewrite would try to turn into classes

    @property
    def certain(self) -> bool:
        return self.cause is not None


def dotted_name(node: ast.expr) -> str | None:
    """`tf.nn.relu` for that attribute chain; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def calls_in_source_order(node: ast.AST) -> list[ast.Call]:
    """Calls in source order, a call before its arguments: the order libcst's walk gives."""
    calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
    calls.sort(key=lambda c: (c.lineno, c.col_offset, -c.end_lineno, -c.end_col_offset))  # type: ignore[operator]
    return calls


def module_aliases(tree: ast.Module, info: ModuleInfo) -> dict[str, str]:
    """Local name -> module path of the top-level TensorFlow imports (as the structural rewrites read them)."""
    top = {id(stmt) for stmt in tree.body}
    return {b.local: b.module_path for b in info.bindings if id(b.node) in top}


def layout(tree: ast.Module, aliases: dict[str, str],
           column: Callable[[ast.AST], int] = lambda node: node.col_offset + 1) -> Layout:  # type: ignore[attr-defined]
    """Read the program's layout; ``column`` turns a node into its 1-based character column."""
    def qualified(call: ast.Call) -> str:
        name = dotted_name(call.func)
        root, _, rest = (name or "").partition(".")
        module = aliases.get(root)
        return (qualify(module + ("." + rest if rest else "")) or "") if module else ""

    calls = {id(stmt): calls_in_source_order(stmt) for stmt in tree.body}
    functions: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.Call]] = []
    for stmt in tree.body:
        sessions = [c for c in calls[id(stmt)] if qualified(c) in SESSIONS]
        if not sessions:
            continue
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return Layout(None, (), None, frozenset())  # a session at module level: the module is the program
        functions.append((stmt, sessions[0]))
    if not functions:
        return Layout(None, (), None, frozenset())
    scope = functions[0][0]
    blockers = [Blocker(call.lineno, column(call), qualified(call), several_sessions(scope.name))
                for _, call in functions[1:]]
    for stmt in tree.body:  # graph code elsewhere: the first such call declines
        if stmt is not scope:
            kind = "def" if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) else \
                "class" if isinstance(stmt, ast.ClassDef) else "statement"
            found = _elsewhere(calls[id(stmt)], qualified, place_of(kind, getattr(stmt, "name", None)), scope.name,
                               column)
            if found is not None:
                blockers.append(found)
                break
    # a cause the library rewrite cannot remove: another session, or graph code at module level or in a class
    # (a function may become a Keras class; and a library decline names the function that calls it better)
    cause = blockers[0] if len(functions) > 1 else next(
        (Blocker(call.lineno, column(call), qualified(call), graph_code_elsewhere(
            place_of("class" if isinstance(stmt, ast.ClassDef) else "", getattr(stmt, "name", None)), scope.name))
         for stmt in tree.body if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
         for call in calls[id(stmt)] if is_graph_code(qualified(call))), None)
    if cause is None:
        return Layout(scope.name, (), None, frozenset())
    return Layout(scope.name, tuple(blockers), cause, frozenset(_library_functions(tree.body, calls, qualified)))


def _elsewhere(calls: Iterable[ast.Call], qualified: Callable[[ast.Call], str], place: str, scope: str,
               column: Callable[[ast.AST], int]) -> Blocker | None:
    for call in calls:
        name = qualified(call)
        if is_graph_code(name):
            return Blocker(call.lineno, column(call), name, graph_code_elsewhere(place, scope))
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ("run", "eval") \
                and any(k.arg == "feed_dict" for k in call.keywords):
            return Blocker(call.lineno, column(call), func.attr, run_elsewhere(place, scope))
    return None


def _library_functions(body: list[ast.stmt], calls: dict[int, list[ast.Call]],
                       qualified: Callable[[ast.Call], str]) -> set[str]:
    """Module-level functions that create variables, directly or through each other, and drive no session."""
    defs = {s.name: s for s in body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not any(qualified(c) in DRIVER_CALLS for c in calls[id(s)])}
    creating: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, node in defs.items():
            if name in creating:
                continue
            for call in calls[id(node)]:
                q = qualified(call)
                callee = call.func.id if isinstance(call.func, ast.Name) else None
                if q in VARIABLE_CALLS or q == RNN_CALL or q.startswith(LAYER_PREFIX) or callee in creating:
                    creating.add(name)
                    changed = True
                    break
    return creating
