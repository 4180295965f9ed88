"""Resolve every reference in a module to a qualified TensorFlow name.

One walk over the stdlib ``ast``: imports bind local names to module paths
(``import tensorflow.compat.v1 as tf`` binds ``tf`` to ``tensorflow.compat.v1``),
function scopes that rebind a name shadow the import, and every maximal
attribute chain rooted at a TF binding becomes a :class:`Reference` whose
``name`` is the TF1 API spelling (``tf.placeholder``), whatever the local alias.

Rules and fix passes speak only these qualified names, never local spellings.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tf2port.reviewed import PRE_1_0_RENAMES

TF_MODULES = ("tensorflow", "tf_slim")
# Method names whose calls matter to rules even though the receiver's type is unknown.
INTERESTING_METHODS = frozenset({
    "run", "eval", "minimize", "compute_gradients", "apply_gradients",
    "make_one_shot_iterator", "make_initializable_iterator", "get_next",
})


def _module_tf_names(tree: ast.Module) -> set[str]:
    """Local names that module-level TF imports bind (also inside top-level if/try/with)."""
    names: set[str] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names.update(local for local, _ in _import_bindings(stmt))
        elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for field in ("body", "orelse", "finalbody"):
                stack.extend(getattr(stmt, field, []))
            for handler in getattr(stmt, "handlers", []):
                stack.extend(handler.body)
    return names


def _pre_1_0_successor(name: str, call: ast.Call | None) -> str:
    """The TF 1.x successor of a reviewed pre-1.0 name when this use passes only arguments they share.

    A call passing a keyword whose name changed, or arguments beyond the reviewed pairs, keeps
    its old name (reported, not rewritten).
    """
    rename = PRE_1_0_RENAMES.get(name)
    if rename is None:
        return ""
    successor, old_params, new_params = rename
    if call is None:
        return successor
    if any(isinstance(a, ast.Starred) for a in call.args) or len(call.args) > len(old_params):
        return ""
    same = {old for old, new in zip(old_params, new_params) if old == new}
    return successor if all(kw.arg in same for kw in call.keywords) else ""


@lru_cache(maxsize=4096)
def qualify(module_path: str) -> str | None:
    """Map an absolute module path to the TF1 API spelling, or None when it is not TF1 API.

    >>> qualify("tensorflow.compat.v1.placeholder")
    'tf.placeholder'
    """
    parts = module_path.split(".")
    if parts[0] == "tf_slim":
        return ".".join(["tf", "contrib", "slim", *parts[1:]])
    if parts[0] != "tensorflow":
        return None
    rest = parts[1:]
    while rest[:2] == ["compat", "v1"]:
        rest = rest[2:]
    if rest[:2] == ["compat", "v2"] or rest[:1] == ["python"]:
        return None  # already TF2 spelling, or private modules we do not judge
    return ".".join(["tf", *rest])


@dataclass(frozen=True)
class Binding:
    """A local name bound by an import to a TF module path."""

    local: str
    module_path: str  # e.g. "tensorflow.compat.v1"
    node: ast.stmt


@dataclass
class Reference:
    """A use of a TF API: ``name`` is qualified, ``node`` the outermost chain node."""

    name: str  # "tf.nn.rnn_cell.LSTMCell"
    spelling: str  # as written: "tf.compat.v1.nn.rnn_cell.LSTMCell"
    node: ast.expr
    binding: Binding
    call: ast.Call | None = None  # set when the reference is the callee of a call
    parent_call: ast.Call | None = None  # set when the reference is the receiver of a method call
    # the pre-1.0 name as written (`tf.mul`) when ``name`` is its reviewed TF 1.x successor
    # (`tf.multiply`), so every analysis and pass treats the call as the successor
    predates: str = ""


@dataclass
class MethodCall:
    """``<anything>.method(...)`` for a method in :data:`INTERESTING_METHODS`."""

    method: str
    call: ast.Call
    receiver: ast.expr


@dataclass
class ModuleInfo:
    """Everything rules need about one module, computed in a single walk."""

    tree: ast.Module
    bindings: list[Binding] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    method_calls: list[MethodCall] = field(default_factory=list)
    calls_with_keyword: dict[str, list[ast.Call]] = field(default_factory=dict)
    tf_imports: list[tuple[ast.stmt, str]] = field(default_factory=list)  # (node, module path)

    @property
    def uses_tensorflow(self) -> bool:
        return bool(self.tf_imports)


def _import_bindings(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str]]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] not in TF_MODULES:
                continue
            if alias.asname:
                yield alias.asname, alias.name
            else:  # `import tensorflow.compat.v1` binds `tensorflow`
                yield alias.name.split(".")[0], alias.name.split(".")[0]
    elif node.module and node.level == 0 and node.module.split(".")[0] in TF_MODULES:
        for alias in node.names:
            if alias.name != "*":
                yield alias.asname or alias.name, f"{node.module}.{alias.name}"


def _assigned_names(target: ast.AST, out: set[str]) -> None:
    for sub in ast.walk(target):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            out.add(sub.id)


def _local_names(func: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """Names a function binds itself (params, assignments, defs), which shadow module names."""
    names: set[str] = set()
    args = func.args
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
        if arg is not None:
            names.add(arg.arg)
    if isinstance(func, ast.Lambda):
        return names
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue  # nested scopes are handled when the walk reaches them
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.difference_update(node.names)
            continue
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add(alias.asname or alias.name.split(".")[0])
            continue
        stack.extend(ast.iter_child_nodes(node))
    return names


_IMPORT_LINES = re.compile(r"^[ \t]*(?:import|from)\b.*$", re.MULTILINE)


def _may_rebind(source: str, names: set[str]) -> bool:
    """Could any of ``names`` be bound by something other than its import? A textual fast path.

    Function scopes are searched for local rebinding (which shadows the import) only when
    the text has a binding-looking use of the name, which real code almost never has.
    Uses followed by ``.``, ``(`` or ``[`` (``tf.log``) are skipped by the first regex, so
    the per-candidate checks run on the rare rest.
    """
    if not names:
        return False
    alternatives = "|".join(re.escape(n) for n in sorted(names))
    body = _IMPORT_LINES.sub("", source)
    for match in re.finditer(rf"\b(?:{alternatives})\b(?!\s*[.(\[])", body):
        before = body[max(0, match.start() - 12):match.start()]
        after = body[match.end():match.end() + 8]
        if _BINDS_BEFORE.search(before) or _BINDS_AFTER.match(after):
            return True
    return False


_BINDS_BEFORE = re.compile(r"(?:\bas|\bfor|\blambda|\bglobal|\bnonlocal|\bdef|\bclass|[(,*])\s*$")
_BINDS_AFTER = re.compile(r"\s*(?:[:,)=]|\s(?:in|for)\b)")


# Fields that never hold a node worth visiting: operator and context singletons.
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops"})
# Node types with nothing inside that could mention TensorFlow.
_LEAVES = (ast.Constant, ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal, ast.alias)
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {leaf: () for leaf in _LEAVES}


def _child_fields(cls: type[ast.AST]) -> tuple[str, ...]:
    """The fields of a node type that may hold child nodes, in ``ast.iter_child_nodes`` order."""
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = _CHILD_FIELDS[cls] = tuple(f for f in cls._fields if f not in _SKIPPED_FIELDS)
    return fields


class _Walker:
    """The single walk: scope stack of bindings, collecting references and calls.

    Dispatch is one dict lookup per node type (see ``_HANDLERS``); other nodes are descended
    through their child fields in source order, as ``ast.iter_child_nodes`` would, minus the
    operator and context singletons that never matter.
    """

    def __init__(self, info: ModuleInfo, check_shadowing: bool = True) -> None:
        self.info = info
        self.scopes: list[dict[str, Binding | None]] = [{}]
        self.check_shadowing = check_shadowing
        # every local name some scope binds to TF so far: a Name outside it cannot be a reference
        self.tf_locals: set[str] = set()

    def lookup(self, name: str) -> Binding | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def walk(self, node: ast.AST) -> None:
        cls = type(node)
        handler = _HANDLERS.get(cls)
        if handler is not None:
            handler(self, node)
            return
        fields = _CHILD_FIELDS.get(cls)
        if fields is None:
            fields = _child_fields(cls)
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.walk(item)
            elif type(value) is ast.Name:  # the commonest child: skip the call when it cannot be TF
                if value.id in self.tf_locals:
                    self._name(value)
            elif isinstance(value, ast.AST) and type(value) is not ast.Constant:
                self.walk(value)

    # --- scopes and bindings -------------------------------------------------
    def _bind_imports(self, node: ast.Import | ast.ImportFrom) -> None:
        scope = self.scopes[-1]
        bound = dict(_import_bindings(node))
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            if local in bound:
                binding = Binding(local, bound[local], node)
                scope[local] = binding
                self.tf_locals.add(local)
                self.info.bindings.append(binding)
            elif local != "*":
                scope[local] = None  # a non-TF import shadows an outer TF name
        if bound:
            for path in dict.fromkeys(bound.values()):
                self.info.tf_imports.append((node, path))
            if isinstance(node, ast.ImportFrom):
                self.info.tf_imports[-len(set(bound.values())):] = [(node, node.module or "")]

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        if not isinstance(node, ast.Lambda):
            for dec in node.decorator_list:
                self.walk(dec)
            if node.returns:
                self.walk(node.returns)
        for default in [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]:
            self.walk(default)
        self.scopes.append({name: None for name in _local_names(node)} if self.check_shadowing else {})
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        for stmt in body:
            self.walk(stmt)
        self.scopes.pop()

    # --- references ----------------------------------------------------------
    def _reference(self, node: ast.expr, call: ast.Call | None = None) -> bool:
        """Record ``node`` if it is an attribute chain rooted at a TF binding; True if so rooted."""
        attrs: list[str] = []
        root = node
        while isinstance(root, ast.Attribute):
            attrs.append(root.attr)
            root = root.value
        if not isinstance(root, ast.Name) or root.id not in self.tf_locals:
            return False
        binding = self.lookup(root.id)
        if binding is None:
            return False
        attrs.reverse()
        name = qualify(".".join([binding.module_path, *attrs]))
        if name is not None and name != "tf":
            successor = _pre_1_0_successor(name, call)
            predates = name if successor else ""
            self.info.references.append(Reference(successor or name, ".".join([root.id, *attrs]), node, binding, call,
                                                  predates=predates))
        return True

    def _attribute(self, node: ast.Attribute) -> None:
        root = node.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name):
            self._reference(node)  # a chain of names holds nothing else to visit
        else:
            self.walk(root)  # `f(x).a.b`: only the call at the root can hold references

    def _name(self, node: ast.Name) -> None:
        if node.id in self.tf_locals and isinstance(node.ctx, ast.Load):
            self._reference(node)

    def _call(self, node: ast.Call) -> None:
        func = node.func
        if not self._reference(func, call=node):
            if isinstance(func, ast.Attribute):
                if func.attr in INTERESTING_METHODS:
                    self.info.method_calls.append(MethodCall(func.attr, node, func.value))
                self.walk(func.value)
                # a TF reference as receiver (`tf.train.AdamOptimizer(...).minimize`) was recorded above
            else:
                self.walk(func)
        for arg in node.args:
            self.walk(arg)
        for kw in node.keywords:
            if kw.arg is not None:
                self.info.calls_with_keyword.setdefault(kw.arg, []).append(node)
            self.walk(kw.value)


# each handler takes a node of its key's type (Any: a dict cannot tie value types to keys)
_HANDLERS: dict[type[ast.AST], Callable[[_Walker, Any], None]] = {
    ast.Import: _Walker._bind_imports,
    ast.ImportFrom: _Walker._bind_imports,
    ast.FunctionDef: _Walker._function,
    ast.AsyncFunctionDef: _Walker._function,
    ast.Lambda: _Walker._function,
    ast.Attribute: _Walker._attribute,
    ast.Name: _Walker._name,
    ast.Call: _Walker._call,
}


def analyse(tree: ast.Module, source: str | None = None) -> ModuleInfo:
    """Walk ``tree`` once and return its TF bindings, references and calls.

    With ``source``, a textual check first decides whether local shadowing of the TF
    import names is possible at all; without it, every function scope is examined.
    """
    info = ModuleInfo(tree)
    check = True
    if source is not None:
        check = _may_rebind(source, _module_tf_names(tree))
    walker = _Walker(info, check)
    for stmt in tree.body:
        walker.walk(stmt)
    return info
