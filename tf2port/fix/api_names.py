"""Plan the rename of one TF1 API reference to its TF2 spelling.

Pure planning, shared by lint (to say whether a finding is fixable) and fix (to
apply it): a :class:`Plan` holds the TF2 target name, the text edits, and, when the
rename is declined, the reason. Knowledge comes from the generated tables in
:mod:`tf2port.apidata`; this module never imports TensorFlow.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from functools import lru_cache

from tf2port import apidata
from tf2port.analysis.names import Reference
from tf2port.diagnostics import Edit
from tf2port.fix.edits import LineIndex

ROOT_MODULES = ("tensorflow", "tensorflow.compat.v1")
# Reviewed: constructors of TF1 classes whose TF2 class of the same name builds the same object
# (TF2's Dataset lacks only the make_*_iterator methods, which TF602 reports on their own).
# Reviewed: TF1 None defaults whose meaning TF2 spells differently (TF1 maxval=None is 1 for floats).
REVIEWED_DEFAULTS = {
    "tf.random_uniform_initializer": {"maxval": "1.0"},
}
SAME_CONSTRUCTORS = {
    "tf.data.Dataset": ("from_tensor_slices", "from_tensors", "from_generator", "range", "zip", "list_files"),
}
ATOMIC = (ast.Name, ast.Attribute, ast.Constant, ast.Call, ast.Subscript)
# Reviewed: TF 1.x took these only by keyword (a `_sentinel` first parameter rejected positional
# use), so a positional call is pre-1.0 code whose order was (logits, labels); mapping it by TF2's
# (labels, logits) order would swap the two and stop the gradient of the logits.
KEYWORD_ONLY_LOSSES = frozenset({
    "tf.nn.softmax_cross_entropy_with_logits",
    "tf.nn.sparse_softmax_cross_entropy_with_logits",
    "tf.nn.sigmoid_cross_entropy_with_logits",
})
POSITIONAL_LOSS_WHY = ("positional arguments were not accepted by TF 1.x; the pre-1.0 order was (logits, labels): "
                       "pass labels= and logits= by keyword")
NONEXISTENT_WHY = "not a TensorFlow 1.x API (removed before 1.0, or misspelt)"
# Plan kinds that say more about a reference than a rule claiming its name by prefix could.
OVERRIDING_KINDS = frozenset({"nonexistent", "pre_1_0", "positional_loss"})


@dataclass(frozen=True)
class Plan:
    """How one reference becomes TF2. ``edits`` is empty when nothing changes."""

    entry: apidata.ApiEntry | None
    target: str | None  # TF2 spelling with the `tf.` root, e.g. "tf.math.log"
    edits: tuple[Edit, ...] = ()
    declined: str = ""  # why a better rename was not possible ("" when it was)
    compat: bool = False  # target is a tf.compat.v1 fallback
    kind: str = "native"  # effective outcome: native, renamed, changed, compat, removed


class Declined(Exception):
    """A call cannot be rewritten safely; the message says why."""


class Ambiguous(Exception):
    """The call means different things in TF1 and TF2 and the module does not say which it is."""


@lru_cache(maxsize=8192)
def resolve(name: str) -> tuple[apidata.ApiEntry | None, int]:
    """Longest known prefix of a qualified name: (entry, number of parts it covers)."""
    parts = name.split(".")
    for i in range(len(parts), 1, -1):
        entry = apidata.lookup(".".join(parts[:i]))
        if entry is not None:
            return entry, i
    return apidata.removed_prefix(name), len(parts)


def compat_name(v1_name: str, entry: apidata.ApiEntry | None = None) -> str:
    if entry is not None and entry.fallback:
        return entry.fallback
    return "tf.compat.v1." + v1_name[len("tf."):]


def is_tf1_evidence(ref: Reference) -> bool:
    """A bare use of a TF1-only name: proof that the module is written against TF1.

    TF2 code shares most names with TF1; a few calls (``tf.nn.dropout(x, 0.5)``,
    ``softmax_cross_entropy_with_logits``) mean different things in the two. Those are
    rewritten only in modules that prove they are TF1, so tf2port never changes the
    meaning of TF2 code, and its own output (where no bare TF1-only name is left) is stable.
    """
    if "compat.v1" in ref.spelling:
        return False
    if ref.binding.module_path.startswith("tensorflow.compat.v1"):
        return True
    if ref.predates or apidata.pre_1_0_rename(ref.name) is not None:
        return True
    entry, covered = resolve(ref.name)
    if entry is None or covered != len(entry.name.split(".")):
        return False
    if entry.kind in ("renamed", "compat"):
        return True
    if ref.call is None:
        return False
    change = apidata.arg_change(entry.name)
    if change is not None:  # a keyword only TF1 has (keep_dims=, dim=, ...)
        v1_only = set(change.renames) | set(change.dropped)
        return any(kw.arg in v1_only for kw in ref.call.keywords)
    return False


@dataclass(frozen=True)
class _Decision:
    """What a reference's name and spelling alone decide about its plan (memoised per spelling).

    Calls whose rewrite depends on their arguments (``special``, ``convert``) are finished per
    call by :func:`_convert_call`; everything else only needs the text positions of the node.
    """

    entry: apidata.ApiEntry
    symbol: str  # the known prefix of the name, e.g. "tf.nn.dropout"
    up: int  # attribute levels from the reference node to the node spelling ``symbol``
    tf1: bool  # the module is TF1 code, or the spelling says it means the TF1 object
    special: bool  # a reviewed special rewrite applies to this call
    early: Plan | None  # the plan when the special rewrite is not taken and no edit is needed
    target: str | None = None
    declined: str = ""
    compat: bool = False
    convert: bool = False  # a call of a different TF2 object: map its arguments


def plan_reference(ref: Reference, index: LineIndex, editable: bool, tf1: bool = True) -> Plan:
    """Plan the TF2 spelling of ``ref``.

    ``editable`` is False when its binding must stay as it is; ``tf1`` says whether the
    module proved it is TF1 code (see :func:`is_tf1_evidence`).
    """
    if ref.predates:  # a pre-1.0 name analysed as its TF 1.x successor: the successor's plan
        return replace(plan_reference(replace(ref, predates=""), index, editable, tf1=True), kind="pre_1_0")
    rename = apidata.pre_1_0_rename(ref.name)
    if rename is not None:  # its arguments do not pair with the successor's (see analysis.names)
        return Plan(None, None, declined=_pre_1_0_mismatch(rename, ref.call), kind="pre_1_0")
    decision = _decide(ref.name, ref.spelling, ref.binding.module_path, tf1, ref.call is not None)
    if isinstance(decision, Plan):
        return decision
    if (decision.tf1 and decision.up == 0 and decision.symbol in KEYWORD_ONLY_LOSSES
            and ref.call is not None and ref.call.args):
        return Plan(decision.entry, None, declined=POSITIONAL_LOSS_WHY, kind="positional_loss")
    node: ast.expr = ref.node
    for _ in range(decision.up):
        node = node.value  # type: ignore[attr-defined]  # _decide checked these are attributes
    entry, symbol = decision.entry, decision.symbol
    call_edits: tuple[Edit, ...] = ()
    declined = ""
    target: str | None
    if decision.special:
        try:
            target, call_edits = _convert_call(symbol, entry, ref, index, decision.tf1)
            return _finish(entry, target, call_edits, "", False, ref, node, index, editable)
        except Ambiguous:
            return Plan(entry, symbol, kind="native")
        except Declined as exc:
            declined = str(exc)
    if decision.early is not None:
        return decision.early
    target, compat = decision.target, decision.compat
    declined = decision.declined or declined
    if decision.convert:
        try:
            target, call_edits = _convert_call(symbol, entry, ref, index, decision.tf1)
        except Ambiguous:
            return Plan(entry, symbol, kind="native")
        except Declined as exc:
            target, declined, compat = compat_name(symbol, entry), str(exc), True
    return _finish(entry, target, call_edits, declined, compat, ref, node, index, editable)


@lru_cache(maxsize=8192)
def _decide(name: str, spelling: str, module_path: str, tf1: bool, is_call: bool) -> Plan | _Decision:
    """The part of planning that depends only on the name, its spelling and the module's TF1-ness."""
    entry, covered = resolve(name)
    parts = name.split(".")
    if (entry is None or (entry.kind == "module" and covered < len(parts))) and apidata.nonexistent(name):
        return Plan(None, None, declined=NONEXISTENT_WHY, kind="nonexistent")
    if entry is None:
        return Plan(None, None, kind="unknown")
    # spelled through tf.compat.v1, a name means the TF1 object whatever the module is
    tf1 = tf1 or "compat.v1" in spelling or module_path.startswith("tensorflow.compat.v1")
    symbol = ".".join(parts[:covered])
    up = len(parts) - covered
    if up > spelling.count("."):
        # the known prefix lies inside a `from` import (`from tensorflow.nn import x`):
        # nothing in this expression spells it, so there is nothing to rename here
        return Plan(entry, None, declined="imported by name; rename the import", kind="native")
    called = is_call and covered == len(parts)
    special = called and apidata.special(symbol) is not None
    decision = _Decision(entry, symbol, up, tf1, special, None)
    kind = entry.kind
    if kind == "native":
        return replace(decision, target=symbol)
    if kind == "renamed":
        return replace(decision, target=entry.v2)
    if kind == "different" and entry.equivalent:
        return replace(decision, target=entry.v2)  # TF2's object wraps the TF1 one with the same signature
    if kind == "different" and covered < len(parts) and parts[covered] in SAME_CONSTRUCTORS.get(symbol, ()):
        # e.g. tf.data.Dataset.from_tensor_slices: the TF2 class builds the same pipeline
        return replace(decision, target=entry.v2)
    if kind == "different" and not tf1:
        return _maybe_early(decision, Plan(entry, symbol, kind="native"))  # TF2 code: the name means the TF2 object
    if kind == "different":
        if not called:
            return replace(decision, target=compat_name(symbol, entry), compat=True,
                           declined=f"TF2's `{entry.v2}` is a different object and this use is not a call")
        return replace(decision, convert=True)
    if kind == "compat" or (kind == "module" and entry.v2 is None):
        return replace(decision, target=compat_name(symbol, entry), compat=True)
    if kind == "module" and tf1 and covered == len(parts) and not entry.equivalent:
        # a TF1 module object used as a value: TF2's namespace of that name has other members
        return replace(decision, target=compat_name(symbol, entry), compat=True,
                       declined=f"the TF1 module `{symbol}` is used as an object, and TF2's `{symbol}` has other members")
    if kind == "module":
        return replace(decision, target=symbol)
    # legacy_keras, removed: nothing that runs under TF 2.21 by renaming
    return _maybe_early(decision, Plan(entry, None, declined=entry.advice, kind="removed"))


def _pre_1_0_mismatch(rename: apidata.Pre10Rename, call: ast.Call | None) -> str:
    """Why a call of a pre-1.0 name is not renamed as it stands."""
    if call is None:
        return "not renamed"
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return "the call passes *args or **kwargs, so its arguments cannot be checked"
    if len(call.args) > len(rename.old_params):
        return f"more positional arguments than `{rename.successor}` takes in the same places"
    same = {old for old, new in zip(rename.old_params, rename.new_params) if old == new}
    for kw in call.keywords:
        if kw.arg not in same:
            return f"argument `{kw.arg}` has no counterpart of the same name in `{rename.successor}`"
    return ""


def _maybe_early(decision: _Decision, plan: Plan) -> Plan | _Decision:
    """``plan`` is final unless a special rewrite must be tried first."""
    return replace(decision, early=plan) if decision.special else plan


def _finish(entry: apidata.ApiEntry, target: str | None, call_edits: tuple[Edit, ...], declined: str, compat: bool,
            ref: Reference, node: ast.expr, index: LineIndex, editable: bool) -> Plan:
    """The plan with its edits: the call's own, and the rename of the node that spells the symbol."""
    if compat:
        outcome = "compat"
    elif call_edits:
        outcome = "changed"
    else:
        outcome = "renamed"
    root = ref.spelling.split(".")[0]
    new_text = root + target[len("tf"):]  # type: ignore[index]  # every non-early decision has a target
    start, end = index.start_of(node), index.end_of(node)
    edits = list(call_edits)
    if index.text[start:end] != new_text:
        edits.append(Edit(start, end, new_text))
    if not edits and not compat:
        outcome = "native"
    if not editable:
        edits = []
    return Plan(entry, target, tuple(edits), declined, compat, outcome)


def _convert_call(symbol: str, entry: apidata.ApiEntry, ref: Reference,
                  index: LineIndex, tf1: bool) -> tuple[str, tuple[Edit, ...]]:
    """Edits that turn a call of the TF1 object into an equivalent call of the TF2 one."""
    call = ref.call
    assert call is not None
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        raise Declined("the call passes *args or **kwargs, so its arguments cannot be mapped")
    change = apidata.arg_change(symbol)
    special = apidata.special(symbol)
    v1_params = change.v1_params if change else (entry.v1_sig.params if entry.v1_sig else ())
    v2_params = change.v2_params if change else (entry.v2_sig.params if entry.v2_sig else ())
    if not v1_params and special is not None and special.kind == "cast":
        v1_params = ("x", "name")  # tf.to_float(x, name) and friends
    renames = dict(change.renames) if change else {}
    dropped = set(change.dropped) if change else set()
    if len(call.args) > len(v1_params):
        raise Declined(f"more positional arguments than `{symbol}` takes")
    root = ref.spelling.split(".")[0]
    target = special.target if special else entry.v2
    if target is None:
        raise Declined(f"`{symbol}` has no TF2 counterpart")
    edits: list[Edit] = []

    # (param name, value node, keyword node or None) in call order
    bound: list[tuple[str, ast.expr, ast.keyword | None]] = [
        (v1_params[i], arg, None) for i, arg in enumerate(call.args)
    ] + [(kw.arg, kw.value, kw) for kw in call.keywords if kw.arg is not None]

    new_names: dict[str, str] = {}
    wrap: dict[str, tuple[str, str]] = {}
    if special is not None:
        _plan_special(special, bound, root, new_names, wrap, index, call, edits)
    for param, _, _ in bound:
        if param in new_names:
            continue
        if param in dropped:
            raise Declined(f"argument `{param}` of `{symbol}` has no counterpart in `{target}`")
        new_names[param] = renames.get(param, param)
    final = [new_names[p] for p, _, _ in bound]
    if len(set(final)) != len(final):
        raise Declined(f"the call passes the same TF2 argument twice ({', '.join(final)})")
    # keywords that both sides only collect in **kwargs mean the same thing on both sides
    # (tf.train.Checkpoint(model=m, optimizer=o): the objects to track)
    forwarded = not v1_params and all(sig is not None and sig.varkw for sig in (entry.v1_sig, entry.v2_sig))
    accepts_any = "**kwargs" in v2_params or forwarded
    for name in final:
        if name not in v2_params and not accepts_any and not special:
            raise Declined(f"`{target}` has no argument `{name}`")

    # positional args stay positional while TF1 and TF2 agree on the position
    keyword_from = len(call.args)
    for i, (param, _, _) in enumerate(bound[: len(call.args)]):
        renamed = new_names[param] != param
        moved = bool(v2_params) and (i >= len(v2_params) or new_names[param] != v2_params[i])
        if renamed or moved:
            keyword_from = i
            break
    meaning_changes = keyword_from < len(call.args) and not (special and special.kind == "cast")
    if (meaning_changes or any(p == "labels" for p in wrap)) and not tf1:
        raise Ambiguous(symbol)
    edits.extend(_changed_defaults(symbol, entry, bound, new_names, renames, root, call, index))
    for i, (param, value, kw) in enumerate(bound):
        new = new_names[param]
        prefix, suffix = wrap.get(param, ("", ""))
        if kw is None:
            if i >= keyword_from:
                edits.append(Edit(index.start_of(value), index.start_of(value), f"{new}=", seq=0))
        elif new != param:
            name_start = index.offset(kw.lineno, kw.col_offset)
            edits.append(Edit(name_start, name_start + len(param), new))
        if prefix:
            edits.append(Edit(index.start_of(value), index.start_of(value), prefix, seq=1))
        if suffix:
            edits.append(Edit(index.end_of(value), index.end_of(value), suffix, seq=0))
    return target, tuple(edits)


def _changed_defaults(symbol: str, entry: apidata.ApiEntry, bound: list[tuple[str, ast.expr, ast.keyword | None]],
                      new_names: dict[str, str], renames: dict[str, str], root: str, call: ast.Call,
                      index: LineIndex) -> list[Edit]:
    """TF1 defaults that TF2's object does not share, passed explicitly (e.g. stddev=1.0).

    Without this, `tf.random_normal_initializer()` would silently become TF2's initializer
    with stddev 0.05. A default that is not a plain literal on either side declines.
    """
    if entry.v1_sig is None or entry.v2_sig is None:
        return []
    declined, text = _default_arguments(symbol, frozenset(new_names.values()), root)
    if declined:
        raise Declined(declined)
    if not text:
        return []
    if call.args or call.keywords:
        end = max(index.end_of(argument) for argument in [*call.args, *call.keywords])
        return [Edit(end, end, ", " + text, seq=5)]
    paren = index.text.index("(", index.end_of(call.func))
    return [Edit(paren + 1, paren + 1, text, seq=5)]


@lru_cache(maxsize=4096)
def _default_arguments(symbol: str, passed: frozenset[str], root: str) -> tuple[str, str]:
    """(why declined or "", the `name=value` text to add) for a call of ``symbol`` passing ``passed``.

    Memoised: it depends only on the symbol's signatures and which TF2 arguments the call names.
    """
    entry = apidata.lookup(symbol)
    assert entry is not None and entry.v1_sig is not None and entry.v2_sig is not None
    change = apidata.arg_change(symbol)
    renames = change.renames if change else {}
    v1_for = {renames.get(p, p): p for p in entry.v1_sig.params}
    v1_defaults, v2_defaults = dict(entry.v1_sig.defaults), dict(entry.v2_sig.defaults)
    extra: list[str] = []
    for v2_param in entry.v2_sig.params:
        v1_param = v1_for.get(v2_param)
        if v2_param in passed or v1_param is None:
            continue
        d1, d2 = v1_defaults.get(v1_param), v2_defaults.get(v2_param)
        d1 = REVIEWED_DEFAULTS.get(symbol, {}).get(v1_param, d1)
        if d1 is None or d1 == d2 or "None" in (d1, d2):
            continue  # a None default means "the usual behaviour" on either side; see REVIEWED_DEFAULTS
        if d1 == "?" or d2 == "?":
            return f"the default of `{v1_param}` may differ between TF1 and TF2", ""
        if d2 is not None and _literal_kind(d1) != _literal_kind(d2):
            # e.g. TF1 resize method=0 (an enum int) where TF2 wants 'bilinear': the TF1 value
            # is not a valid TF2 argument, so filling it in would break the call
            return f"the default of `{v1_param}` is spelled differently in TF1 ({d1}) and TF2 ({d2})", ""
        extra.append(f"{v2_param}={root + d1[2:] if d1.startswith('tf.') else d1}")
    return "", ", ".join(extra)


def _literal_kind(text: str) -> str:
    """The kind of a default's source text: "number" for ints and floats, else the literal's type."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return "expression"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return type(value).__name__


def _plan_special(special: apidata.Special, bound: list[tuple[str, ast.expr, ast.keyword | None]],
                  root: str, new_names: dict[str, str], wrap: dict[str, tuple[str, str]],
                  index: LineIndex, call: ast.Call, edits: list[Edit]) -> None:
    """Reviewed rewrites that signatures cannot express (see tf2port/reviewed.py)."""
    spell = lambda qualified: root + qualified[len("tf"):]  # noqa: E731
    if special.kind == "cast":
        dtype = spell(special.options["dtype"])
        first = next((b for b in bound if b[0] == "x"), None)
        if first is None:
            raise Declined("the call has no tensor argument to cast")
        if first[2] is None:  # positional x: the dtype goes right after it
            end = index.end_of(first[1])
            edits.append(Edit(end, end, f", {dtype}", seq=2))
        else:
            last = bound[-1][2] or bound[-1][1]
            end = index.end_of(last)
            edits.append(Edit(end, end, f", dtype={dtype}", seq=2))
        new_names["x"] = "x"
        if len(call.args) > 1:  # name given positionally must become a keyword after dtype
            for param, _, kw in bound[1:]:
                if kw is None:
                    new_names[param] = param
    elif special.kind == "keep_prob_to_rate":
        for param, value, _ in bound:
            if param == "keep_prob":
                new_names[param] = "rate"
                if isinstance(value, ATOMIC) and not (isinstance(value, ast.Constant) and isinstance(value.value, complex)):
                    wrap[param] = ("1 - ", "")
                else:
                    wrap[param] = ("1 - (", ")")
    elif special.kind == "stop_gradient_labels":
        for param, value, _ in bound:
            already = (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                       and value.func.attr == "stop_gradient")
            if param == "labels" and not already:
                wrap[param] = (spell("tf.stop_gradient") + "(", ")")
    else:
        raise Declined(f"unknown reviewed rewrite kind {special.kind!r}")
