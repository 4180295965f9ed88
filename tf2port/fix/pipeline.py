"""Fix one module's text: apply the planned edits of active diagnostics, then check.

Graph-mode fallbacks get ``disable_eager_execution()`` so the result still runs. The
output must compile and a second run must change nothing (idempotence); otherwise
the caller leaves the file untouched.
"""
from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from tf2port.analysis.names import ModuleInfo, analyse
from tf2port.analysis.structure import Blocker, Layout, dotted_name, layout, module_aliases
from tf2port.checker import Active, check_module
from tf2port.diagnostics import Diagnostic, Edit, FixClass, Span
from tf2port.fix.edits import LineIndex, apply_edits, compatible

# TF1 APIs that only work with eager execution disabled (kept as tf.compat.v1.* fallbacks).
GRAPH_ONLY = frozenset({
    "tf.placeholder", "tf.placeholder_with_default", "tf.sparse_placeholder", "tf.sparse.placeholder",
    "tf.Session", "tf.InteractiveSession",
})
# ... and TF1 APIs that raise under eager execution when a script uses them at module level (inside a function
# they may belong to a library module, where switching eager execution off on import would break its importers)
GRAPH_ONLY_IN_SCRIPTS = frozenset({"tf.summary.FileWriter", "tf.train.Saver"})
EAGER_SWITCHES = frozenset({"tf.disable_eager_execution", "tf.disable_v2_behavior"})
GRAPH_RULES = ("TF201", "TF202")


class FixFailed(Exception):
    """The rewrite produced code that does not compile or is not stable; nothing is written."""


@dataclass(frozen=True)
class FixOutcome:
    text: str
    applied: tuple[Diagnostic, ...]
    remaining: tuple[Diagnostic, ...]


_PARSED: dict[str, ast.Module] = {}  # the last few texts: fix parses each of its stages several times


def parse(text: str, path: str) -> ast.Module:
    """Parse with the stdlib; RecursionError (absurd nesting) becomes a SyntaxError.

    Trees are read, never changed, so one text's tree is shared between the passes of one fix.
    """
    hit = _PARSED.get(text)
    if hit is not None:
        return hit
    try:
        tree = ast.parse(text, filename=path)
    except (RecursionError, MemoryError) as exc:  # the parser's own stack overflowed
        raise SyntaxError("code nested too deeply for the Python parser") from exc
    except ValueError as exc:  # e.g. source containing NUL bytes
        raise SyntaxError(str(exc) or "invalid source") from exc
    if len(_PARSED) >= 4:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[text] = tree
    return tree


def lint_text(text: str, path: str, active: Active) -> list[Diagnostic]:
    tree = parse(text, path)
    try:
        return check_module(analyse(tree, text), LineIndex(text), path, active)
    except RecursionError as exc:
        raise FixFailed("code nested too deeply for tf2port to analyse; file left unchanged") from exc


def _allowed(safe_only: bool) -> Callable[[FixClass], bool]:
    if safe_only:
        return lambda fix_class: fix_class is FixClass.SAFE
    return lambda fix_class: fix_class is not FixClass.NONE


def _one_round(text: str, path: str, active: Active, allowed: Callable[[FixClass], bool], tf1: bool | None = None
               ) -> tuple[list[Edit], list[Diagnostic], list[Diagnostic], ModuleInfo, LineIndex]:
    tree = parse(text, path)
    info, index = analyse(tree, text), LineIndex(text)
    diagnostics = check_module(info, index, path, active, allowed, tf1)
    accepted: list[Edit] = []
    applied: list[Diagnostic] = []
    for diag in diagnostics:
        if diag.edits and allowed(diag.fix_class) and compatible(accepted, list(diag.edits)):
            accepted.extend(diag.edits)
            applied.append(diag)
    return accepted, applied, diagnostics, info, index


def _eager_switch(info: ModuleInfo, index: LineIndex, diagnostics: list[Diagnostic],
                  applied: list[Diagnostic]) -> list[Edit]:
    """Insert ``<tf>.compat.v1.disable_eager_execution()`` after the imports when graph code stays.

    Planned on the same text as the other edits, so one run applies everything at once.
    """
    names = {ref.name for ref in info.references}
    if names & EAGER_SWITCHES:
        return []
    if not (names & GRAPH_ONLY and any(d.code in GRAPH_RULES for d in diagnostics)):
        functions = [(s.lineno, s.end_lineno or s.lineno) for s in info.tree.body
                     if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        if not any(ref.name in GRAPH_ONLY_IN_SCRIPTS and not any(a <= ref.node.lineno <= b for a, b in functions)
                   for ref in info.references):
            return []
    rewritten = {d.span.line for d in applied if d.code == "TF105"}
    body = info.tree.body
    anchor = alias = None
    for i, stmt in enumerate(body):
        alias = _tensorflow_alias(stmt, rewritten)
        if alias is not None:
            anchor = i
            break
    if anchor is None:
        return []
    while anchor + 1 < len(body) and isinstance(body[anchor + 1], (ast.Import, ast.ImportFrom)):
        anchor += 1  # after the whole import block, not in the middle of it
    text = index.text
    end = index.end_of(body[anchor])
    newline_at = text.find("\n", end)
    newline = "\r\n" if newline_at > 0 and text[newline_at - 1] == "\r" else "\n"
    line = f"{alias}.compat.v1.disable_eager_execution()"
    if newline_at == -1:
        return [Edit(len(text), len(text), newline + line, seq=9)]
    return [Edit(newline_at + 1, newline_at + 1, line + newline, seq=9)]


def _tensorflow_alias(stmt: ast.stmt, rewritten: set[int]) -> str | None:
    """The local name of ``tensorflow`` bound by this statement once the fix is applied."""
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.name == "tensorflow":
                return alias.asname or "tensorflow"
            if alias.name == "tensorflow.compat.v1" and alias.asname and stmt.lineno in rewritten:
                return alias.asname
    elif isinstance(stmt, ast.ImportFrom) and stmt.lineno in rewritten and stmt.module == "tensorflow.compat":
        return stmt.names[0].asname
    return None


def fix_text(text: str, path: str, active: Active, safe_only: bool = False,
             structural_rewrites: bool = True) -> FixOutcome:
    """Rewrite ``text`` as far as the active rules allow. Raises SyntaxError for unparsable input.

    First the structural rewrites (Estimator, library, graph to eager; not with ``safe_only`` or
    without ``structural_rewrites``; skipped, with their findings, when the stdlib layout check of
    ``tf2port.analysis.structure`` proves the session code declines), then the name pass:
    all its edits, the graph-mode switch included, are planned on one text and applied at
    once. A second analysis of the result gives the findings left and is the check: it must
    compile (unless the source did not), and it must plan no further edit (idempotence).
    """
    allowed = _allowed(safe_only)
    original = text
    rewrites = structural_rewrites and not safe_only
    tree = parse(text, path)  # unparsable input raises SyntaxError before anything else
    declined: list[Diagnostic] = []
    before: list[Diagnostic] = []
    structural = False
    reads_as_tf1: bool | None = None  # how the name pass reads what a structural rewrite left
    notes: list[Diagnostic] = []  # what the user must still do after a structural rewrite
    if rewrites and "estimator" in text and active("TF104", 1):
        from tf2port.fix import estimator  # libcst: paid only when fixing an Estimator program

        before = lint_text(text, path, active)
        converted = estimator.rewrite(text)
        if converted.text is not None:
            # the model_fn became TF2 code written on purpose (tf.train.Checkpoint is the TF2 one);
            # what is left around it is input code, read as TF2 names
            text, structural, reads_as_tf1 = converted.text, True, False
        declined += [_declined_diagnostic(d, path, "Estimator rewrite") for d in converted.declined]
    graph_rules = rewrites and reads_as_tf1 is None and all(active(code, 1) for code in GRAPH_RULES)
    if graph_rules and _opens_session(tree, text):
        shape = _layout(tree, text)
        if shape.certain:  # the session code cannot be rewritten, whatever its statements: no libcst pass runs
            declined += [_declined_diagnostic(b, path) for b in shape.blockers]
            if shape.library_functions and _library_candidate(text, tree):
                declined.append(_declined_diagnostic(_kept_at(shape.cause), path, "library rewrite"))
            graph_rules = False
    if graph_rules and _library_candidate(text, tree):
        from tf2port.fix import library  # libcst: paid only when fixing

        before = before or lint_text(text, path, active)
        library_converted = library.rewrite(text)
        if library_converted.text is not None:
            text, structural, tree = library_converted.text, True, parse(library_converted.text, path)
            notes = [_public_class_note(entry, path) for entry in library_converted.public_classes]
        declined += [_declined_diagnostic(d, path, "library rewrite") for d in library_converted.declined]
    if graph_rules and _opens_session(tree, text):
        from tf2port.fix import graph_to_eager  # libcst: paid only when fixing

        before = before or lint_text(text, path, active)  # what the structural rewrite will be credited with
        rewrite = graph_to_eager.rewrite(text)
        if rewrite.text is None and text != original:
            # Keras layers do not run under the graph-mode fallback: the whole file keeps today's form
            text, structural, notes = original, False, []
            rewrite = graph_to_eager.rewrite(text)
            declined += [_declined_diagnostic(d, path, "library rewrite") for d in _library_kept(rewrite.declined)]
        if rewrite.text is not None and rewrite.text != text:
            text, structural, reads_as_tf1 = rewrite.text, True, True
        declined += [_declined_diagnostic(d, path) for d in rewrite.declined]
    try:
        edits, applied_names, diagnostics, info, index = _one_round(text, path, active, allowed,
                                                                     reads_as_tf1)
    except RecursionError as exc:
        raise FixFailed("code nested too deeply for tf2port to analyse; file left unchanged") from exc
    edits += _eager_switch(info, index, diagnostics, applied_names)
    current = apply_edits(text, edits) if edits else text
    if current != original:
        try:
            again, _, diagnostics, info, index = _one_round(current, path, active, allowed)
        except SyntaxError as exc:
            raise FixFailed(f"the rewritten code does not parse ({exc.msg}, line {exc.lineno}); "
                            "file left unchanged") from exc
        if again or _eager_switch(info, index, diagnostics, []):
            raise FixFailed("fix is not idempotent: a second run would change the output again; "
                            "file left unchanged")
        if structural and "estimator" in original and _estimator_rewrite(current) is not None:
            raise FixFailed("the Estimator rewrite is not idempotent; file left unchanged")
        current_tree = parse(current, path)  # the rewrites rerun behind the same gates as the first run
        problem = _compile_error(current_tree, path)
        if problem is not None and _compile_error(parse(original, path), path) is None:
            raise FixFailed(f"the rewritten code does not compile ({problem}); file left unchanged")
        if structural and ((_opens_session(current_tree, current)
                            and _graph_rewrite(current) not in (None, current))
                           or (_library_candidate(current, current_tree) and _library_rewrite(current) is not None)):
            raise FixFailed("the graph-to-eager rewrite is not idempotent; file left unchanged")
    remaining = _merge_declined(diagnostics, declined)
    applied = list(applied_names)
    if structural:  # what the structural rewrite removed, counted against the original findings
        renamed = {d.code for d in applied_names}
        applied += [d for d in _applied(before, remaining) if d.code not in renamed]
    return FixOutcome(current, tuple(applied), tuple(_merge_declined(remaining, notes)))


def _compile_error(tree: ast.Module, path: str) -> str | None:
    """What the compiler rejects beyond the parser (`from __future__` after other code, `return` outside a
    function...); top-level `await` is allowed, as notebooks use it."""
    try:
        compile(tree, path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as exc:
        return f"{exc.msg}, line {exc.lineno}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return str(exc) or type(exc).__name__
    return None


def _public_class_note(entry: tuple[int, int, str, str], path: str) -> Diagnostic:
    """A public model function became a class: its callers in other files still call the function."""
    line, col, function, cls = entry
    message = (f"library rewrite: `{function}` is now the Keras class `{cls}`; callers in other modules must "
               f"create one `{cls}(...)` object and call it (this file's call sites are rewritten)")
    return Diagnostic("TF207", "variable-scope", message, path, Span(line, col, line, col))


def _library_candidate(text: str, tree: ast.Module) -> bool:
    """Cheap gate for the library rewrite (libcst costs ~15 ms a file to parse alone).

    True when a module-level function may create TF1 variables: it calls ``get_variable``,
    ``dynamic_rnn`` or a ``tf.layers`` API through a TensorFlow import. That covers everything
    ``analysis.library`` converts, so False proves the rewrite has nothing to do; it is also the
    idempotence gate, as converted functions are classes. A function whose only variables are
    ``tf.Variable`` is valid TF2 and the rewrite would only decline it, so it does not pass.
    """
    if "def " not in text or not ("get_variable" in text or "layers" in text or "dynamic_rnn" in text):
        return False
    imported: dict[str, str] = {}  # local name -> TensorFlow module path (top-level imports, as the rewrite reads them)
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.name.split(".")[0] == "tensorflow":
                    local = alias.asname or alias.name.split(".")[0]
                    imported[local] = alias.name if alias.asname else "tensorflow"
        elif isinstance(stmt, ast.ImportFrom) and (stmt.module or "").split(".")[0] == "tensorflow":
            for alias in stmt.names:
                imported[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
    if not imported:
        return False
    for stmt in tree.body:
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for call in (n for n in ast.walk(stmt) if isinstance(n, ast.Call)):
            path = dotted_name(call.func)
            root, _, rest = (path or "").partition(".")
            if root in imported:
                parts = (imported[root] + ("." + rest if rest else "")).split(".")
                if parts[-1] in _CREATORS or ("layers" in parts[:-1] and "keras" not in parts):
                    return True
    return False  # and a function calling only non-creating functions creates nothing either


_CREATORS = frozenset({"get_variable", "dynamic_rnn"})


def _library_kept(graph_declined: list) -> list[Blocker]:
    """Why converted library functions were put back: the session code that drives them was declined."""
    first = next((d for d in graph_declined if "library-style" not in d.reason), None)
    return [] if first is None else [_kept_at(first)]


def _kept_at(cause) -> Blocker:
    return Blocker(cause.line, cause.col, cause.construct, "the session code that calls the library functions is not "
                   "rewritten, and Keras layers do not run in graph mode; the functions are kept")


def _layout(tree: ast.Module, text: str) -> Layout:
    """Where the sessions and the graph code are (stdlib only: decides whether libcst must run at all)."""
    index = LineIndex(text)
    return layout(tree, module_aliases(tree, analyse(tree, text)),
                  lambda node: index.span(node).col)


def _opens_session(tree: ast.Module, text: str) -> bool:
    """Cheap gate for the libcst graph rewrite: a session opened at module level or in a module-level function.

    The rewrite reads the module, or that function's body (`def main():`), as the program (see
    tf2port.analysis.graph.session_scope).
    """
    if "Session" not in text:
        return False
    for stmt in tree.body:
        candidates = [item.context_expr for item in stmt.items] if isinstance(stmt, ast.With) else (
            [stmt.value] if isinstance(stmt, ast.Assign) else [])
        if isinstance(stmt, ast.FunctionDef):
            candidates = [node for node in ast.walk(stmt) if isinstance(node, ast.Call)]
        for node in candidates:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("Session", "InteractiveSession"):
                return True
    return False


def _applied(before: list[Diagnostic], after: list[Diagnostic]) -> list[Diagnostic]:
    """The original findings that the fix resolved (per code: how many fewer remain)."""
    left = Counter(d.code for d in after)
    out = []
    for diag in before:
        if left[diag.code] > 0:
            left[diag.code] -= 1
        else:
            out.append(diag)
    return out


def _library_rewrite(text: str) -> str | None:
    from tf2port.fix import library

    return library.rewrite(text).text


def _estimator_rewrite(text: str) -> str | None:
    from tf2port.fix import estimator

    return estimator.rewrite(text).text


def _graph_rewrite(text: str) -> str | None:
    from tf2port.fix import graph_to_eager

    return graph_to_eager.rewrite(text).text


def _declined_diagnostic(declined, path: str, rewrite: str = "graph-to-eager rewrite") -> Diagnostic:
    """A blocker of a structural rewrite, reported under the rule of the construct that blocked it."""
    from tf2port.rules import dispatch

    rule = dispatch().claim(declined.construct) if declined.construct.startswith("tf.") else None
    fallback = ("TF104", "removed-api") if rewrite.startswith("Estimator") else ("TF201", "session")
    code, name = (rule.CODE, rule.NAME) if rule is not None else fallback
    message = f"{rewrite} declined: {declined.reason} (`{declined.construct}`)"
    return Diagnostic(code, name, message, path, Span(declined.line, declined.col, declined.line, declined.col))


def _merge_declined(diagnostics: list[Diagnostic], declined: list[Diagnostic]) -> list[Diagnostic]:
    out = list(diagnostics) + declined
    out.sort(key=lambda d: (d.span, d.code))
    return out
