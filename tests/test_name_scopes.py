"""Which scope binds a name load (the graph-to-eager safety net's view of Python scoping)."""
from __future__ import annotations

import ast
import textwrap

from tf2port.fix.name_scopes import Scopes


def unbound(source: str, names: set[str]) -> list[tuple[str, int]]:
    scopes = Scopes(ast.parse(textwrap.dedent(source)))
    return [(load.id, load.lineno) for load in scopes.loads(names) if scopes.binder(load) is None]


def test_a_parameter_binds_its_function_only():
    source = """
        def step(x):
            return x * 2
        print(x)
        """
    assert unbound(source, {"x"}) == [("x", 4)]


def test_a_local_of_one_function_does_not_bind_a_sibling_function():
    source = """
        def train_step(x):
            pred = x + 1
            return pred
        def compute_accuracy(x):
            return pred == x
        """
    assert unbound(source, {"pred", "x"}) == [("pred", 6)]


def test_module_names_global_declarations_and_comprehension_targets_bind():
    source = """
        def setup():
            global w
            w = 1
        x = 3
        def read():
            return x + w + sum(y for y in range(3))
        """
    assert unbound(source, {"x", "w", "y"}) == []


def test_a_class_body_name_is_invisible_to_its_methods_but_not_to_the_body():
    source = """
        class Model:
            size = 3
            double = size * 2
            def grow(self):
                return size + 1
        """
    assert unbound(source, {"size"}) == [("size", 6)]


def test_defaults_and_decorators_are_read_in_the_enclosing_scope():
    source = """
        def outer(rate):
            def inner(step=rate):
                return step
            return inner
        def other(step=rate):
            return step
        """
    assert unbound(source, {"rate", "step"}) == [("rate", 6)]
