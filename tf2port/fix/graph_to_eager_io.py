"""Graph to eager, checkpoints and summaries: `Saver` → `tf.train.Checkpoint`, TF1 summaries → writers.

Called from :mod:`tf2port.fix.graph_to_eager` at a few points of its emission; the
analysis is :mod:`tf2port.analysis.graph_io`.

- ``saver = tf.train.Saver(...)`` becomes ``checkpoint = tf.train.Checkpoint(W=W, ...)``
  tracking what the Saver saved (variables by name, Keras layer objects, the optimizer
  whose slots existed), plus a ``tf.train.CheckpointManager`` when saves are numbered
  (``global_step=``): ``saver.save(sess, path, global_step=n)`` → ``manager.save(checkpoint_number=n)``,
  which writes the same ``path-n`` files and the state file ``latest_checkpoint`` reads.
  An unnumbered save writes exactly its path: ``checkpoint.write(path)``.
- A fetched summary disappears from the run site: its summary ops are written inside
  the step function under ``with writer.as_default():`` at a ``step`` parameter, which
  the call site passes from ``writer.add_summary(summary, step)`` (that line goes).
  ``tf.summary.FileWriter(logdir, graph)`` becomes ``tf.summary.create_file_writer(logdir)``.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import dropwhile
from typing import TYPE_CHECKING

import libcst as cst

from tf2port.analysis.graph import RunSite, Statement, _children, dotted, function_body, keyword
from tf2port.analysis.graph_io import FILE_WRITER, SaverUse

if TYPE_CHECKING:
    from tf2port.fix.graph_to_eager import StepFunction, _Emitter

STEP_SPEC = "{tf}.TensorSpec([], {tf}.int64)"


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _leading(node: cst.CSTNode) -> list[cst.EmptyLine]:
    return list(getattr(node, "leading_lines", []))


def import_slot(body: Sequence[cst.BaseStatement]) -> int:
    """Where an added import goes: before the first import, after the docstring and `from __future__` imports.

    Python requires `from __future__` imports (after an optional docstring) before any other
    statement: an import placed above them makes the module fail to compile.
    """
    head = 0
    for index, stmt in enumerate(body):
        if _is_future_import(stmt) or (index == 0 and _is_docstring(stmt)):
            head = index + 1
    return next((index for index, stmt in enumerate(body[head:], head) if isinstance(stmt, cst.SimpleStatementLine)
                 and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))), head)


def _is_future_import(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.ImportFrom) \
        and isinstance(stmt.body[0].module, cst.Name) and stmt.body[0].module.value == "__future__"


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr) \
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


# --- module level: checkpoints ---------------------------------------------------------------
def module_statement(emitter: _Emitter, stmt: Statement) -> list[cst.BaseStatement]:
    """A Saver becomes its Checkpoint (and manager); summary ops leave module level.

    A summary op's comments travel with it into the step function (see `with_summaries`),
    so they are taken off the statement the module-level emission carries them from.
    """
    if stmt.role == "summary":
        node = stmt.node.with_changes(leading_lines=[line for line in _leading(stmt.node) if line.comment is None])
        emitter.p.positions[node] = emitter.p.positions[stmt.node]
        stmt.node = node
        return []
    if stmt.role != "saver":
        return []
    saver = emitter.p.io.savers.get(stmt.defines[0])
    if saver is None:
        return []
    code = f"{checkpoint_name(emitter, saver)} = {emitter.tf}.train.Checkpoint({', '.join(tracked(emitter, saver))})\n"
    out: list[cst.BaseStatement] = [cst.parse_statement(code).with_changes(leading_lines=_leading(stmt.node))]
    if saver.numbered and saver.anchor == saver.index:
        out.append(manager_statement(emitter, saver))
    return out


def after_statement(emitter: _Emitter, stmt: Statement) -> list[cst.BaseStatement]:
    """The CheckpointManager, right after the statement that defines its directory."""
    return [manager_statement(emitter, saver) for saver in emitter.p.io.savers.values()
            if saver.numbered and saver.anchor == stmt.index and saver.anchor != saver.index]


def _derived(emitter: _Emitter, saver: SaverUse, kind: str) -> str:
    names: dict[tuple[str, str], str] = emitter.__dict__.setdefault("io_names", {})
    if (saver.name, kind) not in names:
        stem = re.sub(r"_?saver$", "", saver.name)
        names[(saver.name, kind)] = emitter.fresh(f"{stem}_{kind}" if stem else kind)
    return names[(saver.name, kind)]


def checkpoint_name(emitter: _Emitter, saver: SaverUse) -> str:
    return _derived(emitter, saver, "checkpoint")


def manager_name(emitter: _Emitter, saver: SaverUse) -> str:
    return _derived(emitter, saver, "manager")


def manager_statement(emitter: _Emitter, saver: SaverUse) -> cst.BaseStatement:
    keep = saver.max_to_keep or "5"  # TF1's default; the manager has none
    code = (f"{manager_name(emitter, saver)} = {emitter.tf}.train.CheckpointManager("
            f"{checkpoint_name(emitter, saver)}, {saver.directory}, max_to_keep={keep}, "
            f"checkpoint_name={saver.checkpoint_name})\n")
    return cst.parse_statement(code)


def tracked(emitter: _Emitter, saver: SaverUse) -> list[str]:
    """`key=object` for what the Saver saved: by default every variable, layer and optimizer before it."""
    if saver.var_list is not None:
        return [f"{key}={name}" for key, name in saver.var_list]
    from tf2port.fix.graph_to_eager import LAYER_MAP, LAYER_PREFIX_TF, WEIGHTLESS_LAYERS

    out: list[str] = []
    for stmt in emitter.p.statements:
        if stmt.index >= saver.index:
            break
        objects: list[str] = []
        if stmt.role == "variable":
            objects = [stmt.defines[0]]
        elif stmt.role == "layer" and stmt.qualified[len(LAYER_PREFIX_TF):] not in WEIGHTLESS_LAYERS:
            objects = [emitter.layer_objects[stmt.index]] if stmt.index in emitter.layer_objects else []
        elif stmt.role == "layer_object" and stmt.qualified[len(LAYER_PREFIX_TF):] not in {
                LAYER_MAP[f][0] for f in WEIGHTLESS_LAYERS}:  # `model = MlpModel()`, `dense = tf.layers.Dense(4)`
            objects = [stmt.defines[0]]
        elif stmt.role == "train" and stmt.index in emitter.optimizer_objects:
            objects = [emitter.optimizer_objects[stmt.index]]
        out += [f"{name}={name}" for name in objects if f"{name}={name}" not in out]
    return out


# --- step functions: summaries ---------------------------------------------------------------
def summary_inputs(emitter: _Emitter, site: RunSite) -> tuple[str, ...]:
    """Graph values the fetched summary's ops read: the step function computes them too."""
    if site.summary is None:
        return ()
    members = [s for s in emitter.p.statements if s.index in site.summary.members and s.role == "summary"]
    return tuple(sorted(set().union(*(s.uses for s in members)) - set(site.fetches)))


def slice_site(emitter: _Emitter, site: RunSite, before: int) -> tuple[list[Statement], list[str], list[str]]:
    """The statements a run computes, the fetched summary's inputs included."""
    return emitter.p.slice(site.fetches + summary_inputs(emitter, site), before)


def summary_only(site: RunSite) -> bool:
    """`summary = sess.run(merged, ...)`: the run computes nothing but the summary."""
    return site.summary is not None and not site.fetches


def plan_summary_only(emitter: _Emitter, site: RunSite) -> None:
    """A function that writes the summaries (`write_summaries`), called where the run was."""
    from tf2port.fix.graph_to_eager import StepFunction

    body, params, iterators = slice_site(emitter, site, emitter.statement_index_of(site))
    missing = [p for p in params if p not in site.feeds and emitter.defs[p].qualified != "tf.placeholder_with_default"]
    if missing:
        emitter.block(site.call, "feed_dict", f"placeholder `{missing[0]}` is needed but not fed here")
        return
    key = emitter.function_key(site, params)
    if key not in emitter.functions:
        function = StepFunction(emitter.fresh("write_summaries"), (), params, iterators, None, body, (),
                                input_signature=emitter.signature_ok(params))
        function.summary = site.summary
        emitter.functions[key] = function


def summary_key(site: RunSite) -> tuple:
    return () if site.summary is None else (site.summary.name, site.summary.writer)


def step_name(fn: StepFunction) -> str:
    """`step`, unless the step function already reads or takes a value of that name."""
    from tf2port.analysis.graph import names_used

    taken = set(fn.params) | set(fn.iterator_inputs) | {n.lower() for n in fn.params}
    for stmt in fn.body:
        taken |= names_used(stmt.node)
    return "step" if "step" not in taken else "summary_step"


def step_parameter(fn: StepFunction) -> list[str]:
    return [] if getattr(fn, "summary", None) is None else [step_name(fn)]


def step_specs(emitter: _Emitter, fn: StepFunction) -> list[str]:
    return [STEP_SPEC.format(tf=emitter.tf)] if getattr(fn, "summary", None) is not None else []


def step_arguments(emitter: _Emitter, fn: StepFunction, site: RunSite) -> list[str]:
    """The step add_summary was given; a tensor where no input signature converts it (no retracing)."""
    if site.summary is None:
        return []
    step = _code(site.summary.step)
    if fn.input_signature and fn.params and not fn.iterator_inputs:
        return [step]
    return [f"{emitter.tf}.constant({step}, dtype={emitter.tf}.int64)"]


def with_summaries(emitter: _Emitter, fn: StepFunction, lines: list[str], rename: dict[str, str]) -> list[str]:
    """Write the summary ops under the writer, after the forward pass and before the update.

    A variable summarised directly (`tf.summary.histogram("W", W)`) is therefore the value
    the forward pass used, consistent with the loss logged at the same step. TF1 had no such
    order: its summary op read the variable's buffer racing the in-place update, and measured
    runs of one program logged the value before the update in some runs and after it in others.
    """
    summary = getattr(fn, "summary", None)
    if summary is None:
        return lines
    from tf2port.fix.graph_to_eager import _OpRewriter

    indent = "    "
    comments = emitter.__dict__.setdefault("io_summary_comments", {})
    block = [f"{indent}with {summary.writer}.as_default():"]
    for n, index in enumerate(summary.members):
        if index not in comments:  # read before module_statement takes them off the statement
            stmt = next(s for s in emitter.p.statements if s.index == index)
            comments[index] = [line.comment.value for line in _leading(stmt.node) if line.comment is not None]
        block[n and len(block) or 0:n and len(block) or 0] = [
            f"{indent * (2 if n else 1)}{comment}" for comment in comments[index]]
        call = emitter.p.io.summary_ops[index].visit(_OpRewriter(emitter, rename))
        block.append(f"{indent * 2}{summary_call(call, step_name(fn))}")  # type: ignore[arg-type]
    at = next((i for i, line in enumerate(lines) if fn.train is not None
               and line.startswith(f"{indent}variables = ")), len(lines))
    return lines[:at] + block + lines[at:]


def summary_call(call: cst.Call, step: str) -> str:
    """`tf.summary.image("x", t, 4)` → `tf.summary.image("x", t, max_outputs=4, step=step)`."""
    name = keyword(call, "name", 0)
    data = keyword(call, "tensor", 1) or keyword(call, "values", 1)
    args = [_code(name), _code(data)]  # type: ignore[arg-type]
    outputs = keyword(call, "max_outputs", 2)
    if outputs is not None:
        args.append(f"max_outputs={_code(outputs)}")
    args.append(f"step={step}")
    return f"{_code(call.func)}({', '.join(args)})"


def without_summary_target(small: cst.Assign, site: RunSite) -> cst.Assign:
    """`summary, _, c = sess.run([merged, train, cost])`: the summary's name goes with its fetch."""
    target = small.targets[0].target
    if site.summary is None or not isinstance(target, (cst.Tuple, cst.List)):
        return small
    elements = [e for i, e in enumerate(target.elements) if i != site.summary.position]
    elements[-1] = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return small.with_changes(targets=[small.targets[0].with_changes(target=target.with_changes(elements=elements))])


# --- run-time statements -----------------------------------------------------------------------
def rewrite_statements(emitter: _Emitter, statements: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """FileWriters, add_summary and Saver calls in the statements that run the graph."""
    if not (emitter.p.io.savers or emitter.p.io.writers):
        return statements
    rewriter = _IoRewriter(emitter)
    out: list[cst.BaseStatement] = []
    for stmt in statements:
        result = stmt.visit(rewriter)
        if isinstance(result, cst.BaseStatement):  # else removed (the rewriter never flattens)
            out.append(result)
    if statements and out and out[0] is not statements[0] and _leading(statements[0]) and not _leading(out[0]):
        out[0] = out[0].with_changes(leading_lines=_leading(statements[0]))
    return out


class _IoRewriter(cst.CSTTransformer):
    def __init__(self, emitter: _Emitter) -> None:
        self.e = emitter
        # summary-only runs, untouched by the run-site rewrite, found again by their text
        self.summary_runs = {_code(site.call): site for site in emitter.p.run_sites if summary_only(site)}

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
                                  ) -> cst.BaseStatement | cst.RemovalSentinel:
        small = updated.body[0] if len(updated.body) == 1 else None
        if isinstance(small, cst.Assign) and _code(small.value) in self.summary_runs:
            site = self.summary_runs[_code(small.value)]
            expr, _ = self.e.site_expression(site)
            self.e.rewritten.append((site.line, "Session.run"))
            return updated.with_changes(body=[cst.Expr(expr)])  # type: ignore[arg-type]
        if len(updated.body) == 1 and isinstance(updated.body[0], cst.Expr):
            call = updated.body[0].value
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) \
                    and call.func.attr.value == "add_summary" and dotted(call.func.value) in self.e.p.io.writers:
                return cst.RemovalSentinel.REMOVE  # the step function wrote these values
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.e.qualified(original.func) == FILE_WRITER:
            return cst.parse_expression(file_writer(self.e, updated))
        func = updated.func
        if isinstance(func, cst.Attribute) and dotted(func.value) in self.e.p.io.savers:
            saver = self.e.p.io.savers[dotted(func.value)]  # type: ignore[index]
            path = _code(keyword(updated, "save_path", 1))  # type: ignore[arg-type]
            checkpoint = checkpoint_name(self.e, saver)
            if func.attr.value == "save" and saver.numbered:
                step = _code(keyword(updated, "global_step", 2))  # type: ignore[arg-type]
                return cst.parse_expression(f"{manager_name(self.e, saver)}.save(checkpoint_number={step})")
            if func.attr.value == "save":
                return cst.parse_expression(f"{checkpoint}.write({path})")
            if func.attr.value == "restore":
                method = "restore" if saver.numbered else "read"
                return cst.parse_expression(f"{checkpoint}.{method}({path}).assert_existing_objects_matched()")
        return updated


def file_writer(emitter: _Emitter, call: cst.Call) -> str:
    """`tf.summary.FileWriter(logdir, graph, max_queue, flush_secs, ...)` → `create_file_writer`."""
    logdir = keyword(call, "logdir", 0)
    queue = keyword(call, "max_queue", 2)
    flush = keyword(call, "flush_secs", 3)
    suffix = keyword(call, "filename_suffix", 5)
    args = [_code(logdir)]  # type: ignore[arg-type]
    if queue is not None:
        args.append(f"max_queue={_code(queue)}")
    if flush is not None:
        value = int(flush.value) * 1000 if isinstance(flush, cst.Integer) else f"int({_code(flush)} * 1000)"
        args.append(f"flush_millis={value}")
    if suffix is not None:
        args.append(f"filename_suffix={_code(suffix)}")
    return f"{emitter.tf}.summary.create_file_writer({', '.join(args)})"


# --- flags, app and logging: absl ----------------------------------------------------------------
# TF1's tf.app / tf.flags / tf.logging members and their absl module (tf.app.flags is absl.flags)
ABSL_MODULES = {"tf.app.flags": "flags", "tf.flags": "flags", "tf.logging": "logging", "tf.app": "app"}


def with_absl(emitter: _Emitter, module: cst.Module) -> cst.Module:
    """`tf.app.flags` / `tf.flags` / `tf.app.run` / `tf.logging` → `absl.flags` / `absl.app.run` / `absl.logging`.

    absl's FLAGS does not parse itself on first use as TF1's wrapper did: when module-level
    code reads a flag, ``FLAGS(sys.argv)`` is inserted before that first read.
    """
    finder = _AbslUses(emitter)
    module.visit(finder)
    if not finder.used:
        return module
    bound = _module_bindings(module) - {alias for alias, _ in finder.self_aliases}
    local = {kind: kind if kind not in bound else f"absl_{kind}" for kind in sorted(finder.used)}
    module = module.visit(_AbslRewriter(emitter, local, {alias for alias, _ in finder.self_aliases}))
    return _absl_imports(emitter, module, local, finder)


class _AbslUses(cst.CSTVisitor):
    """Which absl modules the TF1 names stand for; `flags = tf.app.flags` aliases; FLAGS names."""

    def __init__(self, emitter: _Emitter) -> None:
        self.e = emitter
        self.used: set[str] = set()
        self.self_aliases: set[tuple[str, str]] = set()  # `flags = tf.app.flags`: (name, absl module)
        self.flag_values: set[str] = set()  # names bound to FLAGS

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        kind, member = absl_target(self.e, node)
        if kind is None:
            return True
        self.used.add(kind)  # tf.logging members absl lacks were declined by the analysis
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        name = node.targets[0].target.value
        kind, member = absl_target(self.e, node.value) if isinstance(node.value, cst.Attribute) else (None, None)
        if kind is not None and member is None and name == kind:
            self.self_aliases.add((name, kind))
        if (kind == "flags" and member == "FLAGS") or (isinstance(node.value, cst.Attribute)
                                                       and node.value.attr.value == "FLAGS"
                                                       and dotted(node.value.value) in {a for a, _ in self.self_aliases}):
            self.flag_values.add(name)


def absl_target(emitter: _Emitter, node: cst.BaseExpression) -> tuple[str | None, str | None]:
    """(absl module, member or None) that a TF1 attribute chain means: `tf.app.flags.FLAGS` → ("flags", "FLAGS")."""
    name = emitter.qualified(node)
    if name is None:
        return None, None
    for prefix in ("tf.app.flags", "tf.flags", "tf.logging", "tf.app"):
        if name == prefix:
            return ABSL_MODULES[prefix], None
        if name.startswith(prefix + "."):
            member = name[len(prefix) + 1:]
            if "." in member:
                return ABSL_MODULES[prefix], member.split(".")[0]
            return ABSL_MODULES[prefix], member
    return None, None


def _module_bindings(module: cst.Module) -> set[str]:
    import ast

    tree = ast.parse(module.code)
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out.add(node.name)
    return out


class _AbslRewriter(cst.CSTTransformer):
    def __init__(self, emitter: _Emitter, local: dict[str, str], self_aliases: set[str]) -> None:
        self.e = emitter
        self.local = local
        self.self_aliases = self_aliases

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        """Innermost first: `tf.app.flags` becomes `flags`, so `tf.app.flags.FLAGS.x` becomes `flags.FLAGS.x`."""
        kind, member = absl_target(self.e, original)
        if kind is not None and member is None:
            return cst.Name(self.local.get(kind, kind))
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.e.qualified(original.func) != "tf.app.run":
            return updated
        main = keyword(original, "main", 0)
        argv = keyword(original, "argv", 1)
        main_code = _code(main) if main is not None else "main"  # TF1 took __main__.main
        args = [main_code] + ([f"argv={_code(argv)}"] if argv is not None else [])
        return cst.parse_expression(f"{self.local['app']}.run({', '.join(args)})")


def _absl_imports(emitter: _Emitter, module: cst.Module, local: dict[str, str], finder: _AbslUses) -> cst.Module:
    """`from absl import ...` after the imports (`import sys` first when flags are parsed), aliases dropped."""
    names = ", ".join(kind if local[kind] == kind else f"{kind} as {local[kind]}" for kind in sorted(local))
    body: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    for stmt in module.body:  # `flags = tf.app.flags` is now `flags = flags`: the import binds it
        if _self_alias(stmt, {alias for alias, _ in finder.self_aliases}):
            carried += list(stmt.leading_lines)
            continue
        if carried:
            stmt = stmt.with_changes(leading_lines=[*carried, *stmt.leading_lines])
            carried = []
        body.append(stmt)
    flag_values = finder.flag_values or {f"{local.get('flags', 'flags')}.FLAGS"}
    runs_app = "app" in finder.used and "flags" in finder.used and f"{local['app']}.run(" in module.code
    parse_at = _parse_position(body, flag_values, "flags" in finder.used and not runs_app)
    if parse_at is not None:
        flags_name = sorted(flag_values)[0]
        parse = cst.parse_statement(f"{flags_name}(sys.argv)\n").with_changes(leading_lines=[
            cst.EmptyLine(comment=cst.Comment("# absl parses flags when told to (tf.app.flags parsed them on "
                                              "first use)"))])
        body.insert(parse_at, parse)
    imports = [i for i, stmt in enumerate(body) if isinstance(stmt, cst.SimpleStatementLine)
               and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))]
    body.insert(imports[-1] + 1 if imports else import_slot(body), cst.parse_statement(f"from absl import {names}\n"))
    if parse_at is not None and "sys" not in _module_bindings(module):
        first = import_slot(body)
        body[first:first] = [cst.parse_statement("import sys\n").with_changes(leading_lines=_leading(body[first]))]
        body[first + 1] = body[first + 1].with_changes(leading_lines=[])
    return module.with_changes(body=body)


def _self_alias(stmt: cst.BaseStatement, aliases: set[str]) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1 or not isinstance(stmt.body[0], cst.Assign):
        return False
    assign = stmt.body[0]
    return len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name) \
        and assign.targets[0].target.value in aliases and isinstance(assign.value, cst.Name) \
        and assign.value.value == assign.targets[0].target.value


def _parse_position(body: list[cst.BaseStatement], flag_values: set[str], always: bool) -> int | None:
    """Where `FLAGS(sys.argv)` goes: after the flag definitions, and before the first read of a flag.

    None when module-level code never reads a flag and the program runs `app.run`, which parses
    them for `main`; ``always`` (no `app.run`) parses after the definitions in any case, since a
    function called at module level may read them.
    """
    first_read = None
    defined = 0
    for i, stmt in enumerate(body):
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            continue
        text = "\n".join(line.split("#")[0] for line in _code(stmt).splitlines())
        if ".DEFINE" in text or any(re.search(rf"^\s*{re.escape(name)}\s*=", text, re.M) for name in flag_values):
            defined = i + 1
            continue
        if any(re.search(rf"(?<![\w.]){re.escape(name)}\.\w", text) for name in flag_values):
            first_read = i
            break
    if first_read is None:
        return defined if always and defined else None
    return min(defined, first_read)


# --- the TF1 tutorials' MNIST reader ----------------------------------------------------------------
TUTORIAL_MNIST = "tensorflow.examples.tutorials.mnist"
READER_KEYWORDS = frozenset({"train_dir", "one_hot"})
MNIST_SPLIT = '''
class {cls}:
    """One MNIST split as TF1's tutorial reader served it: flat images in [0, 1], shuffled each epoch."""

    def __init__(self, images, labels):
        self.images = images.reshape(len(images), 784).astype({np}.float32) * (1.0 / 255.0)
        self.labels = {labels}
        self.num_examples = len(images)
        self.epochs_completed = 0
        self.position = 0

    def next_batch(self, batch_size):
        """The reader's numpy draws: a shuffle before the first epoch and one at each new epoch."""
        if self.epochs_completed == 0 and self.position == 0:
            self.shuffle()
        start = self.position
        if start + batch_size > self.num_examples:
            rest_images, rest_labels = self.images[start:], self.labels[start:]
            self.epochs_completed += 1
            self.shuffle()
            self.position = batch_size - len(rest_images)
            return ({np}.concatenate([rest_images, self.images[:self.position]]),
                    {np}.concatenate([rest_labels, self.labels[:self.position]]))
        self.position += batch_size
        return self.images[start:self.position], self.labels[start:self.position]

    def shuffle(self):
        order = {np}.arange(self.num_examples)
        {np}.random.shuffle(order)
        self.images, self.labels = self.images[order], self.labels[order]
'''
MNIST_LOAD = '''
({train_images}, {train_labels}), ({test_images}, {test_labels}) = {tf}.keras.datasets.mnist.load_data()
{target} = types.SimpleNamespace(
    train={cls}({train_images}[5000:], {train_labels}[5000:]),
    validation={cls}({train_images}[:5000], {train_labels}[:5000]),
    test={cls}({test_images}, {test_labels}),
)
'''


def with_tutorial_mnist(emitter: _Emitter, module: cst.Module) -> cst.Module:
    """`input_data.read_data_sets(dir, one_hot=...)` → `tf.keras.datasets.mnist` served the reader's way.

    ``tensorflow.examples.tutorials`` is gone from TF2. The reader's batches (numpy-shuffled
    per epoch, validation = the first 5000 training images) decide the numbers a program
    computes, so the replacement keeps them; the data comes from ``tf.keras.datasets.mnist``.
    """
    readers = _tutorial_imports(module)
    if not readers:
        return module
    body = list(module.body)
    # where the reader is called: the module, or the function that is the program
    statements: list[cst.BaseStatement] = list(body)
    function_at, function = None, None
    if emitter.p.scope is not None:  # `def main(_): mnist = input_data.read_data_sets(...)`
        function_at, function = next((i, s) for i, s in enumerate(body) if isinstance(s, cst.FunctionDef)
                                     and s.name.value == emitter.p.scope.name.value)
        statements = function_body(function)
    sites = [(i, stmt) for i, stmt in enumerate(statements) if _reader_call(stmt, readers) is not None]
    uses = [node for node in _name_reads(module) if node.value in readers]
    if len(sites) != 1 or len(uses) != 1:  # the finding points at the use the rewrite cannot follow
        emitter.block(_unsupported_reader_use(emitter.p.module, emitter.p.scope, readers),
                      "tensorflow.examples.tutorials.mnist",
                      "the tutorial MNIST reader is used other than by one `mnist = input_data.read_data_sets(...)`")
        return module
    index, stmt = sites[0]
    call = _reader_call(stmt, readers)
    assert call is not None
    if any(arg.star or (arg.keyword is not None and arg.keyword.value not in READER_KEYWORDS) for arg in call.args) \
            or len([a for a in call.args if a.keyword is None]) > 1:
        emitter.block(call, "read_data_sets", "read_data_sets arguments beyond train_dir and one_hot")
        return module
    one_hot = keyword(call, "one_hot", 2)
    if one_hot is not None and not (isinstance(one_hot, cst.Name) and one_hot.value in ("True", "False")):
        emitter.block(call, "read_data_sets", "one_hot is not a literal True/False")
        return module
    bound = _module_bindings(module)
    np_alias = _numpy_alias(module)
    names = {key: emitter.fresh(key) for key in ("train_images", "train_labels", "test_images", "test_labels")}
    cls = emitter.fresh("MnistSplit")
    labels = f"{np_alias or 'np'}.eye(10)[labels]" if one_hot is not None and one_hot.value == "True" else "labels"
    assign = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) else None
    assert isinstance(assign, cst.Assign)  # _reader_call found `mnist = input_data.read_data_sets(...)`
    target = _code(assign.targets[0].target)
    class_def = cst.parse_module(MNIST_SPLIT.format(cls=cls, np=np_alias or "np", labels=labels)).body
    load = cst.parse_module(MNIST_LOAD.format(cls=cls, tf=emitter.tf, target=target, **names)).body
    class_def = [class_def[0].with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])]
    if function_at is None or function is None:
        comments = list(dropwhile(lambda line: line.comment is None, _leading(stmt)))  # two blank lines already
        load = [load[0].with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine(), *comments]),
                *load[1:]]
        body[index:index + 1] = class_def + load
    else:  # the class at module level, before the function; the loading where the reader was called
        statements[index:index + 1] = [load[0].with_changes(leading_lines=_leading(stmt)), *load[1:]]
        body[function_at] = function.with_changes(body=function.body.with_changes(body=statements))
        body[function_at:function_at] = class_def
    body = [s for s in body if not _imports_tutorial(s)]
    imports = [] if "types" in bound else ["import types\n"]
    if np_alias is None:
        imports.append("import numpy as np\n")
    if imports:
        first = import_slot(body)
        new = [cst.parse_statement(code) for code in imports]
        new[0] = new[0].with_changes(leading_lines=body[first].leading_lines)
        body[first] = body[first].with_changes(leading_lines=[])
        body[first:first] = new
    return module.with_changes(body=body)


def _tutorial_imports(module: cst.Module) -> set[str]:
    """Local names bound to the tutorial reader module (`from ...mnist import input_data`)."""
    out: set[str] = set()
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and small.module is not None \
                    and _code(small.module) == TUTORIAL_MNIST and not isinstance(small.names, cst.ImportStar):
                out |= {_code(a.asname.name) if a.asname else _code(a.name) for a in small.names}
            elif isinstance(small, cst.Import):
                out |= {_code(a.asname.name) for a in small.names
                        if _code(a.name).startswith(TUTORIAL_MNIST) and a.asname is not None}
    return out


def _imports_tutorial(stmt: cst.BaseStatement) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    small = stmt.body[0]
    if isinstance(small, cst.ImportFrom) and small.module is not None:
        return _code(small.module) == TUTORIAL_MNIST
    return isinstance(small, cst.Import) and all(_code(a.name).startswith(TUTORIAL_MNIST) for a in small.names)


def _reader_call(stmt: cst.BaseStatement, readers: set[str]) -> cst.Call | None:
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign):
        assign = stmt.body[0]
        value = assign.value
        if len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name) \
                and isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value == "read_data_sets" and dotted(value.func.value) in readers:
            return value
    return None


def _unsupported_reader_use(original: cst.Module, scope: cst.FunctionDef | None, readers: set[str]
                            ) -> cst.CSTNode:
    """Where the source uses the tutorial reader in a way the rewrite cannot follow (a node of the original, so
    its line is known): a second reader call, or a use outside the one `read_data_sets` statement."""
    statements = function_body(scope) if scope is not None else list(original.body)
    sites = [stmt for stmt in statements if _reader_call(stmt, readers) is not None]
    if len(sites) > 1:
        return sites[1]
    inside = {id(node) for node in _name_reads(sites[0])} if sites else set()
    return next((node for node in _name_reads(original) if node.value in readers and id(node) not in inside), original)


def _name_reads(root: cst.CSTNode) -> list[cst.Name]:
    """Every name read in ``root`` outside import statements, in source order (the tree's own nodes)."""
    found: list[cst.Name] = []
    stack: list[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            found.append(node)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif not isinstance(node, (cst.Import, cst.ImportFrom)):
            stack.extend(reversed(_children(node)))
    return found


def _numpy_alias(module: cst.Module) -> str | None:
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if _code(alias.name) == "numpy":
                            return _code(alias.asname.name) if alias.asname else "numpy"
    return None
