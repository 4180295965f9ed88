"""Checkpoints and summaries in a TF1 graph script, for the graph-to-eager rewrite.

``tf.train.Saver`` and TF1 summaries are not graph values a step function computes:
a Saver becomes a ``tf.train.Checkpoint`` of the objects it saved, and a fetched
summary protobuf becomes summary ops written inside the step function at the step
``add_summary`` was given. This module finds those constructs and what they need
(:class:`SaverUse`, :class:`SummaryFetch`), or a :class:`~tf2port.analysis.graph.Blocker`
saying which form is not supported. Emission lives in ``tf2port.fix.graph_to_eager_io``.

The functions take the graph analyser (``tf2port.analysis.graph._Analyser``) and are
called from its passes; they keep this part of the analysis in one place.
"""
from __future__ import annotations

import keyword as python_keyword
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import libcst as cst

if TYPE_CHECKING:
    from tf2port.analysis.graph import RunSite

SAVER = "tf.train.Saver"
FILE_WRITER = "tf.summary.FileWriter"
SUMMARY_OPS = frozenset({"tf.summary.scalar", "tf.summary.histogram", "tf.summary.image", "tf.summary.text"})
SUMMARY_MERGES = frozenset({"tf.summary.merge_all", "tf.summary.merge"})
# TF calls about checkpoints on disk: host values, the same functions in TF2
CHECKPOINT_FILES = frozenset({"tf.train.latest_checkpoint"})
HOST_CALLS = CHECKPOINT_FILES | {FILE_WRITER}  # module-level statements that stay (rewritten in place)
SAVER_KEYWORDS = frozenset({"var_list", "max_to_keep", "name"})
SAVE_KEYWORDS = ("sess", "save_path", "global_step")
WRITER_METHODS = frozenset({"add_summary", "flush", "close"})
# tf.logging members whose absl.logging namesake does the same (TF's `fatal` only logs; absl's aborts)
ABSL_LOGGING = frozenset({"debug", "info", "warning", "warn", "error", "log", "vlog", "log_every_n", "log_first_n",
                          "log_if", "set_verbosity", "get_verbosity", "flush", "DEBUG", "INFO", "WARN", "WARNING",
                          "ERROR", "FATAL"})
# FileWriter(logdir, graph, max_queue, flush_secs, graph_def, filename_suffix, session)
WRITER_PARAMS = ("logdir", "graph", "max_queue", "flush_secs", "graph_def", "filename_suffix", "session")


@dataclass(frozen=True)
class SaverUse:
    """A module-level ``tf.train.Saver`` and how the program saves and restores with it.

    ``var_list`` pairs a checkpoint key with the Python name of a variable; None means
    every variable, layer and optimizer created before the Saver (TF1's default: all
    global variables, optimizer slots included). ``numbered`` saves (``global_step=``)
    need a ``tf.train.CheckpointManager`` over ``directory``/``checkpoint_name``; plain
    saves write exactly the path given, like TF1.
    """

    name: str
    index: int
    var_list: tuple[tuple[str, str], ...] | None
    max_to_keep: str | None
    numbered: bool
    directory: str = ""
    checkpoint_name: str = ""
    anchor: int = -1  # module index after which the manager can be created


@dataclass(frozen=True)
class SummaryFetch:
    """A summary fetched by a run and written with ``writer.add_summary(value, step)``."""

    name: str  # the fetched summary (a merge or one summary op)
    position: int  # its place in the original fetch list
    members: tuple[int, ...]  # module indices of the summary op statements it holds
    writer: str
    step: cst.BaseExpression
    add_summary: cst.SimpleStatementLine  # removed: the step function writes the values


@dataclass
class IoProgram:
    """What the rewrite needs to know about checkpoints and summaries of one module."""

    savers: dict[str, SaverUse] = field(default_factory=dict)
    writers: dict[str, cst.Call] = field(default_factory=dict)  # writer name -> its FileWriter call
    summary_ops: dict[int, cst.Call] = field(default_factory=dict)  # statement index -> summary op call


# --- statements ----------------------------------------------------------------------------------
def assignment(analyser: Any, index: int, stmt: cst.SimpleStatementLine, targets: tuple[str, ...],
               call: cst.Call | None, name: str | None) -> bool:
    """Classify `saver = tf.train.Saver(..)`, summaries and merges; True when handled here."""
    from tf2port.analysis.graph import Statement, names_used

    if call is None or name is None:
        return False
    if name in HOST_CALLS:
        analyser.host(index, stmt)
        return True
    if name not in SUMMARY_OPS and name not in SUMMARY_MERGES and name != SAVER:
        return False
    if len(targets) != 1:
        analyser.block(call, name, "the result is unpacked into several names")
        analyser.statements.append(Statement(index, stmt, "host"))
        return True
    if name == SAVER:  # not a graph value: kept out of `defined`, so its method calls stay host code
        analyser.statements.append(Statement(index, stmt, "saver", defines=targets, call=call, qualified=name))
        return True
    members = summary_members(analyser, call, name, index)
    if members is None:
        analyser.statements.append(Statement(index, stmt, "host"))
        return True
    graph_uses = frozenset(n for n in names_used(call) if n in analyser.defined)
    analyser.defined[targets[0]] = "summary"
    analyser.statements.append(Statement(index, stmt, "summary", defines=targets, uses=graph_uses, call=call,
                                         qualified=name, extra={"members": members}))
    return True


def expression(analyser: Any, index: int, stmt: cst.SimpleStatementLine, call: cst.Call, name: str | None) -> bool:
    """A bare `tf.summary.scalar("cost", cost)`: a summary op in the default collection."""
    from tf2port.analysis.graph import Statement, names_used

    if name is None or not name.startswith("tf.summary."):
        return False
    if name in SUMMARY_OPS and summary_members(analyser, call, name, index) is not None:
        graph_uses = frozenset(n for n in names_used(call) if n in analyser.defined)
        analyser.statements.append(Statement(index, stmt, "summary", uses=graph_uses, call=call, qualified=name,
                                             extra={"members": (index,)}))
        return True
    if name in SUMMARY_OPS:  # blocked by summary_members
        analyser.statements.append(Statement(index, stmt, "host"))
        return True
    return False  # other tf.summary calls: blocked by _nested


def summary_members(analyser: Any, call: cst.Call, name: str, index: int) -> tuple[int, ...] | None:
    """Statement indices of the summary ops a summary value holds (None: blocked)."""
    from tf2port.analysis.graph import keyword
    if name in SUMMARY_OPS:
        for arg in call.args:
            key = arg.keyword.value if arg.keyword else None
            if key in ("collections", "family") and not _is_none(arg.value):
                analyser.block(call, name, f"a summary with `{key}=` is not rewritten")
                return None
            if arg.star or (key is None and len([a for a in call.args if not a.keyword]) > (
                    3 if name == "tf.summary.image" else 2)):
                analyser.block(call, name, "summary arguments could not be mapped")
                return None
        if name == "tf.summary.image" and keyword(call, "max_outputs", 2) is None and len(call.args) > 2:
            analyser.block(call, name, "summary arguments could not be mapped")
            return None
        return (index,)
    if name == "tf.summary.merge_all":
        if call.args:
            analyser.block(call, name, "merge_all of a collection other than the default one is not rewritten")
            return None
        return tuple(s.index for s in analyser.statements if s.role == "summary" and s.qualified in SUMMARY_OPS)
    inputs = keyword(call, "inputs", 0)
    if not isinstance(inputs, (cst.List, cst.Tuple)) or len(call.args) != 1:
        analyser.block(call, name, "merge() of something other than a list of summary names")
        return None
    members: list[int] = []
    by_name = {d: s for s in analyser.statements if s.role == "summary" for d in s.defines}
    for element in inputs.elements:
        if not isinstance(element.value, cst.Name) or element.value.value not in by_name:
            analyser.block(call, name, "merge() of something other than a list of summary names")
            return None
        members += [m for m in by_name[element.value.value].extra["members"] if m not in members]
    return tuple(members)


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


# --- after the statement pass ------------------------------------------------------------------
def finish(analyser: Any) -> IoProgram:
    """Savers, writers and fetched summaries, once statements and run sites are known."""
    io = IoProgram()
    lines = _statement_lines(analyser.body)
    for stmt in analyser.statements:
        if stmt.role == "summary" and stmt.qualified in SUMMARY_OPS:
            io.summary_ops[stmt.index] = stmt.call
    _writers(analyser, io, lines)
    for site in analyser.run_sites:
        _summary_fetch(analyser, io, site, lines)
    matched = {id(site.summary.add_summary) for site in analyser.run_sites if site.summary is not None}
    for line, _, _ in lines:
        call = _method_call(line, set(io.writers), "add_summary")
        if call is not None and id(line) not in matched:
            analyser.block(call, "add_summary", "a summary written that no rewritten run fetched with it "
                                                "(add_summary of a value fetched in its own run is not "
                                                "rewritten yet)")
    _tf_logging(analyser)
    _flags_bound_in_functions(analyser)
    _nested(analyser, io)
    for stmt in analyser.statements:
        if stmt.role == "saver":
            saver = _saver(analyser, stmt, lines)
            if saver is not None:
                io.savers[saver.name] = saver
    return io


def _nested(analyser: Any, io: IoProgram) -> None:
    """Savers and summaries the rewrite did not classify (inside a block, a function, an expression)."""
    from tf2port.analysis.graph import calls_in

    classified = {id(s.call) for s in analyser.statements if s.role in ("saver", "summary")}
    writers = {id(call) for call in io.writers.values()}
    for call in calls_in(analyser.program_node):
        name = analyser.qualified(call.func) or ""
        if name in SUMMARY_OPS | SUMMARY_MERGES | {SAVER} and id(call) not in classified:
            analyser.block(call, name, "created inside a block, a function or an expression; only "
                                       f"{analyser.level} `name = ...` statements are rewritten")
        elif name == FILE_WRITER and id(call) not in writers:
            analyser.block(call, name, "a FileWriter not bound to a name by a statement of its own")
        elif name.startswith("tf.summary.") and name not in SUMMARY_OPS | SUMMARY_MERGES | {FILE_WRITER}:
            analyser.block(call, name, "this TF1 summary call is not rewritten")


def _tf_logging(analyser: Any) -> None:
    """tf.logging becomes absl.logging: members absl lacks, or has with another meaning, decline."""
    from tf2port.analysis.graph import _attribute_uses

    for attr in _attribute_uses(analyser.program_node):
        name = analyser.qualified(attr) or ""
        if name.startswith("tf.logging.") and name.split(".")[2] not in ABSL_LOGGING:
            analyser.block(attr, name, f"{name} has no absl.logging counterpart that does the same")


FLAG_MODULES = ("tf.app.flags", "tf.flags")


def _flags_bound_in_functions(analyser: Any) -> None:
    """`FLAGS = tf.app.flags.FLAGS` inside a function: the absl rewrite binds and parses flags at module level only.

    (In a function, `flags = tf.app.flags` would become `flags = flags`, an unbound local.)
    """
    def flag_module(node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Attribute) and analyser.qualified(node) in FLAG_MODULES

    from tf2port.analysis.graph import dotted

    # `flags = tf.app.flags` at module level: `flags.FLAGS` means TF1's FLAGS too
    aliases = {stmt.body[0].targets[0].target.value for stmt in analyser.module.body
               if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
               and isinstance(stmt.body[0], cst.Assign) and len(stmt.body[0].targets) == 1
               and isinstance(stmt.body[0].targets[0].target, cst.Name) and flag_module(stmt.body[0].value)}
    for assign in _assignments_in_functions(list(analyser.module.body), False):
        value = assign.value
        flag_values = isinstance(value, cst.Attribute) and value.attr.value == "FLAGS" and (
            flag_module(value.value) or dotted(value.value) in aliases)
        if flag_module(value) or flag_values:
            name = analyser.qualified(value) or _code(value)
            analyser.block(assign.value, name, "flags bound inside a function are not rewritten (absl's FLAGS is "
                                               "bound and parsed at module level); bind them at module level")
            return


def _assignments_in_functions(body: list[cst.BaseStatement], in_function: bool) -> Iterator[cst.Assign]:
    """Assignments made inside function bodies, found by walking statements only (no expression visit)."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            if in_function:
                yield from (small for small in stmt.body if isinstance(small, cst.Assign))
            continue
        inside = in_function or isinstance(stmt, cst.FunctionDef)
        for block in (getattr(stmt, "body", None), getattr(getattr(stmt, "orelse", None), "body", None)):
            if isinstance(block, cst.IndentedBlock):
                yield from _assignments_in_functions(list(block.body), inside)


def _statement_lines(body: list[cst.BaseStatement]
                     ) -> list[tuple[cst.SimpleStatementLine, list[cst.BaseStatement], int]]:
    """Every simple statement line of the program with the suite that holds it and its position there."""
    out: list[tuple[cst.SimpleStatementLine, list[cst.BaseStatement], int]] = []

    def walk(suite: list[cst.BaseStatement]) -> None:
        for i, stmt in enumerate(suite):
            if isinstance(stmt, cst.SimpleStatementLine):
                out.append((stmt, suite, i))
            elif isinstance(stmt, (cst.With, cst.For, cst.While)):
                if isinstance(stmt.body, cst.IndentedBlock):
                    walk(list(stmt.body.body))
            elif isinstance(stmt, cst.If):
                branch: Any = stmt
                while isinstance(branch, (cst.If, cst.Else)):
                    if isinstance(branch.body, cst.IndentedBlock):
                        walk(list(branch.body.body))
                    branch = getattr(branch, "orelse", None)

    walk(list(body))
    return out


def _method_call(line: cst.SimpleStatementLine, receivers: set[str], method: str) -> cst.Call | None:
    from tf2port.analysis.graph import dotted

    if len(line.body) == 1 and isinstance(line.body[0], cst.Expr) and isinstance(line.body[0].value, cst.Call):
        call = line.body[0].value
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == method \
                and dotted(call.func.value) in receivers:
            return call
    return None


def _writers(analyser: Any, io: IoProgram, lines: list) -> None:
    from tf2port.analysis.graph import calls_in, dotted

    for line, _, _ in lines:
        if len(line.body) == 1 and isinstance(line.body[0], cst.Assign) and isinstance(line.body[0].value, cst.Call):
            assign = line.body[0]
            call: cst.Call = assign.value  # type: ignore[assignment]
            if analyser.qualified(call.func) != FILE_WRITER:
                continue
            target = assign.targets[0].target if len(assign.targets) == 1 else None
            if not isinstance(target, cst.Name):
                analyser.block(call, FILE_WRITER, "a FileWriter not bound to one name")
                continue
            for i, arg in enumerate(call.args):
                param = arg.keyword.value if arg.keyword else (WRITER_PARAMS[i] if i < len(WRITER_PARAMS) else None)
                if param in ("graph_def", "session", None) or arg.star:
                    analyser.block(call, FILE_WRITER, f"FileWriter argument `{param}` is not rewritten")
                    break
            io.writers[target.value] = call
    for call in calls_in(analyser.program_node):
        func = call.func
        if isinstance(func, cst.Attribute) and dotted(func.value) in io.writers \
                and func.attr.value not in WRITER_METHODS:
            analyser.block(call, func.attr.value, f"FileWriter.{func.attr.value}() has no tf.summary counterpart "
                                                  "in the rewrite")


def _summary_fetch(analyser: Any, io: IoProgram, site: RunSite, lines: list) -> None:
    """Take the summary out of the run's fetches and find the add_summary that writes it."""
    from tf2port.analysis.graph import keyword, names_used

    summaries = [i for i, f in enumerate(site.fetches) if analyser.defined.get(f) == "summary"]
    if not summaries:
        return
    if len(summaries) > 1:
        analyser.block(site.call, "Session.run", "several summaries fetched in one run")
        return
    position = summaries[0]
    name = site.fetches[position]
    holder = next(((line, suite, i) for line, suite, i in lines
                   if len(line.body) == 1 and isinstance(line.body[0], cst.Assign)
                   and line.body[0].value is site.call), None)
    target = holder[0].body[0].targets[0].target if holder is not None else None
    if not site.fetch_list and isinstance(target, cst.Name):  # `summary = sess.run(merged, ...)`
        value = target.value
    elif isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == len(site.fetches) \
            and isinstance(fetched := target.elements[position].value, cst.Name) and site.fetch_list:
        value = fetched.value
    else:
        analyser.block(site.call, "Session.run", "a fetched summary that is not bound to a name of its own")
        return
    _, suite, at = holder  # type: ignore[misc]
    writes = [(line, call) for line in _until_rebound(suite[at + 1:], value)
              if isinstance(line, cst.SimpleStatementLine)
              for call in [_summary_write(line, io, value)] if call is not None]
    # every read of the name is the summary argument of an add_summary (a train and a test run may
    # both bind `summary`, each written by the add_summary after it)
    reads = sum(1 for line, _, _ in lines for n in _loads(line) if n == value)
    written = sum(1 for line, _, _ in lines if _summary_write(line, io, value) is not None)
    if len(writes) != 1 or reads != written:
        analyser.block(site.call, "Session.run", f"the fetched summary `{value}` is used other than by one "
                                                 "writer.add_summary() after the run")
        return
    line, call = writes[0]
    step = keyword(call, "global_step", 1)
    if step is None:
        analyser.block(call, "add_summary", "add_summary() without a step (TF2 summaries need one)")
        return
    if names_used(step) & set(analyser.defined) or not _simple_step(step):
        analyser.block(call, "add_summary", "a summary step that is not a plain Python value")
        return
    members = next(s.extra["members"] for s in analyser.statements if s.role == "summary" and name in s.defines)
    writer = call.func.value.value  # type: ignore[attr-defined]
    site.summary = SummaryFetch(name, position, members, writer, step, line)
    site.fetches = site.fetches[:position] + site.fetches[position + 1:]


def _summary_write(line: cst.BaseStatement, io: IoProgram, value: str) -> cst.Call | None:
    """`writer.add_summary(value, ...)` as a statement of its own."""
    from tf2port.analysis.graph import keyword

    if not isinstance(line, cst.SimpleStatementLine):
        return None
    call = _method_call(line, set(io.writers), "add_summary")
    argument = keyword(call, "summary", 0) if call is not None else None
    return call if isinstance(argument, cst.Name) and argument.value == value else None


def _until_rebound(suite: list[cst.BaseStatement], name: str) -> list[cst.BaseStatement]:
    """The statements after a binding of ``name`` up to its next binding in the same suite."""
    from tf2port.analysis.graph import _targets

    out: list[cst.BaseStatement] = []
    for stmt in suite:
        if isinstance(stmt, cst.SimpleStatementLine) and any(
                isinstance(small, cst.Assign) and any(name in (_targets(t.target) or ()) for t in small.targets)
                for small in stmt.body):
            break
        out.append(stmt)
    return out


def _loads(node: cst.CSTNode) -> list[str]:
    from tf2port.analysis.graph import names_used

    out: list[str] = []
    for small in getattr(node, "body", []):
        if isinstance(small, cst.Assign):
            out += list(names_used(small.value))
        else:
            out += list(names_used(small))
    return out


def _simple_step(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Name, cst.Integer)):
        return True
    if isinstance(node, cst.BinaryOperation):
        return _simple_step(node.left) and _simple_step(node.right)
    return isinstance(node, cst.Attribute) and _simple_step(node.value)


# --- savers ------------------------------------------------------------------------------------
def _saver(analyser: Any, stmt: Any, lines: list) -> SaverUse | None:
    from tf2port.analysis.graph import calls_in, dotted, keyword

    call = stmt.call
    name = stmt.defines[0]
    for i, arg in enumerate(call.args):
        key = arg.keyword.value if arg.keyword else ("var_list" if i == 0 else None)
        if key not in SAVER_KEYWORDS or arg.star:
            analyser.block(call, SAVER, f"Saver argument `{key or 'positional ' + str(i)}` is not rewritten")
            return None
    var_list = _var_list(analyser, keyword(call, "var_list", 0), call)
    if var_list is False:
        return None
    max_to_keep = keyword(call, "max_to_keep", None)
    saves: list[cst.Call] = []
    restores: list[cst.Call] = []
    for found in calls_in(analyser.program_node):
        func = found.func
        if isinstance(func, cst.Attribute) and dotted(func.value) == name:
            if func.attr.value == "save":
                saves.append(found)
            elif func.attr.value == "restore":
                restores.append(found)
            else:
                analyser.block(found, func.attr.value, f"Saver.{func.attr.value}() is not rewritten")
                return None
    uses = sum(1 for line, _, _ in lines for n in _all_loads(line) if n == name)
    if uses != len(saves) + len(restores):
        analyser.block(call, SAVER, f"the Saver `{name}` is used other than by save() and restore() calls")
        return None
    save_paths: list[cst.BaseExpression] = []
    for found in saves:
        extra = [a for i, a in enumerate(found.args) if (a.keyword.value if a.keyword else (
            SAVE_KEYWORDS[i] if i < len(SAVE_KEYWORDS) else None)) not in (*SAVE_KEYWORDS, "write_meta_graph")]
        save_path = keyword(found, "save_path", 1)
        if extra or save_path is None:
            analyser.block(found, "save", "Saver.save() arguments beyond sess, save_path, global_step")
            return None
        save_paths.append(save_path)
    for found in restores:
        if len(found.args) != 2 or keyword(found, "save_path", 1) is None:
            analyser.block(found, "restore", "Saver.restore() arguments beyond sess, save_path")
            return None
    if restores and not saves:
        analyser.block(restores[0], "restore", "restores a checkpoint this program did not write: a TF1 "
                                               "name-based checkpoint cannot be read by tf.train.Checkpoint")
        return None
    numbered = [keyword(found, "global_step", 2) is not None for found in saves]
    if numbered and any(numbered) != all(numbered):
        analyser.block(saves[0], "save", "some saves are numbered (global_step=) and some are not")
        return None
    if not any(numbered):
        latest = [c for c in calls_in(analyser.program_node) if analyser.qualified(c.func) in CHECKPOINT_FILES]
        if latest:
            analyser.block(latest[0], "tf.train.latest_checkpoint",
                           "the checkpoint state file is read, but saves without global_step write a path "
                           "tf.train.Checkpoint.write() does not record there")
            return None
        return SaverUse(name, stmt.index, var_list, None, False)
    paths = {_code(save_path) for save_path in save_paths}
    if len(paths) != 1:
        analyser.block(saves[0], "save", "numbered saves to different paths (one CheckpointManager per path)")
        return None
    split = _split_path(analyser, save_paths[0])
    if split is None:
        analyser.block(saves[0], "save", "the path of a numbered save must be os.path.join(directory, name) "
                                         "or a literal, to become a CheckpointManager")
        return None
    directory, checkpoint_name, needs = split
    first_save = _module_index(analyser, saves[0])
    anchor = stmt.index
    for other in analyser.statements:
        if set(other.defines) & needs and other.index < first_save:
            anchor = max(anchor, other.index)
        elif set(other.defines) & needs:
            analyser.block(saves[0], "save", "the checkpoint directory is defined after the first save")
            return None
    return SaverUse(name, stmt.index, var_list, _code(max_to_keep) if max_to_keep is not None else None, True,
                    directory, checkpoint_name, anchor)


def _var_list(analyser: Any, node: cst.BaseExpression | None, call: cst.Call
              ) -> tuple[tuple[str, str], ...] | None | Literal[False]:
    """(checkpoint key, variable name) pairs; None for every variable; False when blocked."""
    if node is None or _is_none(node):
        return None
    pairs: list[tuple[str, str]] = []
    if isinstance(node, cst.Dict):
        for element in node.elements:
            key = element.key if isinstance(element, cst.DictElement) else None
            value = element.value
            text = key.evaluated_value if isinstance(key, cst.SimpleString) else None
            if not isinstance(text, str) or not text.isidentifier() or python_keyword.iskeyword(text) \
                    or not isinstance(value, cst.Name):
                analyser.block(call, SAVER, "a var_list dict whose keys are not identifiers or whose values "
                                            "are not variable names")
                return False
            pairs.append((text, value.value))
    elif isinstance(node, (cst.List, cst.Tuple)):
        for item in node.elements:
            if not isinstance(item.value, cst.Name):
                analyser.block(call, SAVER, "a var_list entry that is not a variable name")
                return False
            pairs.append((item.value.value, item.value.value))
    else:
        analyser.block(call, SAVER, "a var_list that is not a literal dict or list of variables")
        return False
    for _, variable in pairs:
        if analyser.defined.get(variable) != "variable":
            analyser.block(call, SAVER, f"`{variable}` in var_list is not a module-level variable")
            return False
    return tuple(pairs)


def _split_path(analyser: Any, node: cst.BaseExpression) -> tuple[str, str, set[str]] | None:
    """(directory code, name code, names they read) of a checkpoint path prefix."""
    from tf2port.analysis.graph import dotted, names_used

    if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str) and "\\" not in node.value:
        directory, base = posixpath.split(node.evaluated_value)
        if not base:
            return None
        quote = node.prefix + node.quote  # written as the user wrote the path
        return f"{quote}{directory or '.'}{node.quote}", f"{quote}{base}{node.quote}", set()
    if isinstance(node, cst.Call) and dotted(node.func) == "os.path.join" and len(node.args) == 2 \
            and not any(a.keyword or a.star for a in node.args):
        head, tail = node.args
        return _code(head.value), _code(tail.value), names_used(node) - {"os"}
    return None


def _module_index(analyser: Any, node: cst.CSTNode) -> int:
    pos = analyser.positions.get(node)
    for index, stmt in enumerate(analyser.body):
        spos = analyser.positions.get(stmt)
        if pos and spos and spos.start.line <= pos.start.line <= spos.end.line:
            return index
    return len(analyser.body)


def _all_loads(line: cst.SimpleStatementLine) -> list[str]:
    found: list[str] = []

    class Loads(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.append(node.value)

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
            return False

        def visit_Arg(self, node: cst.Arg) -> bool:
            node.value.visit(self)
            return False

    line.visit(Loads())
    return found


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)
