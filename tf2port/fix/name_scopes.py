"""Which scope a name load resolves to, by Python's rules (stdlib ``ast``).

The graph-to-eager rewrite removes graph names (placeholders, ops, sessions...) from the program
and rebinds some of them as parameters or locals of generated functions. A load of a removed name
is only safe when a scope around *that load* still binds it: `x` bound as `train_step(x)`'s
parameter does not make a module-level `print(x)` work. This module answers "what binds this
load" so the safety net can tell the two apart.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
SCOPES = (*_FUNCTIONS, ast.ClassDef, *_COMPREHENSIONS)


class Scopes:
    """The scopes under ``root`` (a module or a function), what each binds, who encloses whom.

    ``root`` is the outermost scope considered: every node under it belongs to it or to a scope
    nested in it.
    """

    def __init__(self, root: ast.AST) -> None:
        self.root = root
        self.owner: dict[int, ast.AST] = {}  # id(node) -> the scope the node is evaluated in
        self.parent: dict[int, ast.AST | None] = {id(root): None}
        self.bound: dict[int, set[str]] = {id(root): set()}
        self._visit(root, root)

    def _visit(self, node: ast.AST, scope: ast.AST) -> None:
        self.owner[id(node)] = scope
        self._bind(node, scope)
        if node is scope or not isinstance(node, SCOPES):
            for child in ast.iter_child_nodes(node):
                self._visit(child, scope)
            return
        self.parent[id(node)] = scope
        self.bound[id(node)] = set()
        outer, inner = _split(node)
        for child in outer:
            self._visit(child, scope)
        for child in inner:
            self._visit(child, node)

    def _bind(self, node: ast.AST, scope: ast.AST) -> None:
        names = self.bound[id(scope)]
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not scope:
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        elif isinstance(node, ast.Global):
            self.bound[id(self.root)].update(node.names)  # `global x; x = ...` binds the outermost x

    def binder(self, load: ast.Name) -> ast.AST | None:
        """The scope whose binding ``load`` reads; None when no scope up to the root binds it."""
        scope: ast.AST | None = self.owner[id(load)]
        innermost = True
        while scope is not None:
            # a class body's names are invisible to the functions inside it
            if (innermost or not isinstance(scope, ast.ClassDef)) and load.id in self.bound[id(scope)]:
                return scope
            innermost = False
            scope = self.parent[id(scope)]
        return None

    def loads(self, names: set[str]) -> Iterator[ast.Name]:
        """Loads of ``names`` under the root, in source order."""
        found = [node for node in ast.walk(self.root)
                 if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names]
        return iter(sorted(found, key=lambda node: (node.lineno, node.col_offset)))


def _split(node: ast.AST) -> tuple[list[ast.AST], list[ast.AST]]:
    """(children evaluated in the enclosing scope, children evaluated in ``node``'s own scope)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        outer: list[ast.AST] = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
        params: list[ast.AST] = [*args.posonlyargs, *args.args, *args.kwonlyargs,
                                 *(a for a in (args.vararg, args.kwarg) if a is not None)]
        if isinstance(node, ast.Lambda):
            return outer, [*params, node.body]
        outer += node.decorator_list
        if node.returns is not None:
            outer.append(node.returns)
        return outer, [*params, *node.body]
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *node.keywords], list(node.body)
    if isinstance(node, _COMPREHENSIONS):
        first, *rest = node.generators
        element = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        return [first.iter], [first.target, *first.ifs, *rest, *element]
    return list(ast.iter_child_nodes(node)), []
