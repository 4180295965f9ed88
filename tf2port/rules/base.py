"""What a rule is: one class with its code, name, docs, examples and matchers.

A rule declares what it matches as data (qualified names, name prefixes, method
names, keyword names, import paths); the engine builds one dispatch table from all
rules and walks each module once. The class docstring is the rule's user
documentation (sections: What it does / Why is this bad? / Example / Use instead /
Fix safety); ``VALID`` and ``INVALID`` examples run as tests and render as docs.
"""
from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from tf2port.analysis.names import MethodCall, ModuleInfo, Reference
from tf2port.diagnostics import Edit, FixClass
from tf2port.fix.edits import LineIndex

if TYPE_CHECKING:
    from tf2port.fix.api_names import Plan

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")


@dataclass(frozen=True)
class Example:
    """An invalid example; ``fixed`` is the exact output of ``tf2port fix`` when the rule has a fix."""

    code: str
    fixed: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", textwrap.dedent(self.code).lstrip("\n"))
        if self.fixed is not None:
            object.__setattr__(self, "fixed", textwrap.dedent(self.fixed).lstrip("\n"))


class Rule:
    """Base class. Subclasses set the class attributes; they rarely override methods."""

    CODE: ClassVar[str]
    NAME: ClassVar[str]
    FIX: ClassVar[FixClass] = FixClass.NONE
    MESSAGE: ClassVar[str]  # may use {name} (qualified TF name) and {spelling}
    VALID: ClassVar[tuple[str, ...]] = ()
    INVALID: ClassVar[tuple[Example, ...]] = ()

    # matchers, all data
    names: ClassVar[frozenset[str]] = frozenset()  # exact qualified names, e.g. "tf.placeholder"
    prefixes: ClassVar[tuple[str, ...]] = ()  # qualified-name prefixes, e.g. "tf.contrib."
    methods: ClassVar[frozenset[str]] = frozenset()  # `<x>.method(...)` calls
    keywords: ClassVar[frozenset[str]] = frozenset()  # `f(..., keyword=...)` in any call
    imports: ClassVar[tuple[str, ...]] = ()  # import module paths (prefix match), e.g. "tensorflow.contrib"
    kinds: ClassVar[frozenset[str]] = frozenset()  # API-table kinds of references no other rule claims

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        """Return the message for a matched reference, or None to stay silent."""
        return self.MESSAGE.format(name=ref.name, spelling=ref.spelling, target=plan.target,
                                   advice=plan.entry.advice if plan.entry else "", declined=plan.declined)

    def check_method(self, call: MethodCall, info: ModuleInfo) -> str | None:
        return self.MESSAGE.format(name=call.method, spelling=call.method)

    def check_keyword(self, call: ast.Call, keyword: str, info: ModuleInfo) -> str | None:
        return self.MESSAGE.format(name=keyword, spelling=keyword)

    def check_import(self, node: ast.stmt, module_path: str, info: ModuleInfo) -> str | None:
        return self.MESSAGE.format(name=module_path, spelling=module_path)


    def plan_import(self, node: ast.stmt, module_path: str, index: LineIndex) -> tuple[Edit, ...]:
        """Edits that fix a matched import; none by default."""
        return ()

    @classmethod
    def doc(cls) -> str:
        """The rule's documentation as Markdown (title line + docstring)."""
        body = textwrap.dedent(cls.__doc__ or "").strip()
        return f"# {cls.CODE} {cls.NAME}\n\nFix: {cls.FIX.value}\n\n{body}\n"

    @classmethod
    def summary(cls) -> str:
        """First line of the docstring."""
        return textwrap.dedent(cls.__doc__ or "").strip().splitlines()[0]
