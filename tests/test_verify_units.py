"""Pure parts of verify: number tokens, tolerances, first divergence, shards, reports.

No TensorFlow here: traces are built by hand.
"""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tf2port.verify import Compared, Divergence, Verdict
from tf2port.verify.api import conclude, verify_pair
from tf2port.verify.cli import verify_command
from tf2port.verify.compare import compare, tokens
from tf2port.verify.pairs import find_pairs, is_runnable, parse_shard, shard_of
from tf2port.verify.render import as_json, junit, plot, text
from tf2port.verify.trace import Event, Trace, leaves


def trace(events: list[tuple[int, list[float]]] = (), writes: list[tuple[int, str]] = (),
          final: dict[int, float] | None = None, notes: tuple[str, ...] = ()) -> Trace:
    return Trace(side="v1", status="ok", error="",
                 events=tuple(Event(s, f"run{s}", tuple(np.array(v, np.float32) for v in vals))
                              for s, vals in events),
                 writes=tuple(writes), init=({"name": "W", "shape": [], "dtype": "float32",
                                              "key": "init_0", "random": True},),
                 final={k: np.array(v, np.float32) for k, v in (final or {}).items()},
                 notes=notes, meta={})


def test_tokens_skip_names_and_dtypes() -> None:
    t = trace(writes=[(1, "step 3 loss 0.25 float32 W=[1.5e-3 -2.]\n"), (2, "nan\n")])
    assert [tok.text for tok in tokens(t)] == ["3", "0.25", "1.5e-3", "-2.", "nan"]
    assert [tok.seq for tok in tokens(t)] == [1, 1, 1, 1, 2]


def test_printed_floats_get_one_unit_of_their_last_digit() -> None:
    a = trace(writes=[(1, "loss 0.1235\n")])
    assert compare(a, trace(writes=[(1, "loss 0.1234\n")]), 1e-6, 1e-5)[0] is None
    d = compare(a, trace(writes=[(1, "loss 0.1233\n")]), 1e-6, 1e-5)[0]
    assert d is not None and d.kind == "printed" and d.index == 0


def test_printed_integers_must_be_equal() -> None:
    d = compare(trace(writes=[(1, "step 100\n")]), trace(writes=[(1, "step 101\n")]), 1, 1)[0]
    assert d is not None and (d.expected, d.got) == (100.0, 101.0)


def test_first_divergence_is_earliest_on_the_original_timeline() -> None:
    orig = trace(events=[(1, [1.0]), (3, [2.0])], writes=[(2, "0.5\n")], final={0: 1.0})
    conv = trace(events=[(1, [1.0]), (2, [2.5])], writes=[(3, "0.7\n")], final={0: 9.0})
    d, compared = compare(orig, conv, 1e-6, 1e-5)
    assert d is not None and d.kind == "printed"  # seq 2 comes before step 1 (seq 3)
    assert compared.steps == 1


def test_step_divergence_names_value_and_errors() -> None:
    orig = trace(events=[(1, [[1.0, 2.0]])])
    conv = trace(events=[(1, [[1.0, 2.1]])])
    d, _ = compare(orig, conv, 1e-6, 1e-5)
    assert d is not None and (d.kind, d.index, d.element) == ("step", 0, (1,))
    assert d.expected == pytest.approx(2.0) and d.got == pytest.approx(2.1)
    assert d.abs_error == pytest.approx(0.1, rel=1e-5)
    assert d.rel_error == pytest.approx(0.05, rel=1e-5)


def test_extra_step_is_a_count_divergence() -> None:
    d, _ = compare(trace(events=[(1, [1.0])]), trace(events=[(1, [1.0]), (2, [2.0])]), 0, 0)
    assert d is not None and (d.kind, d.index) == ("count", 1)


def test_final_variable_divergence_when_steps_agree() -> None:
    d, _ = compare(trace(final={0: 1.0}), trace(final={0: 1.1}), 1e-6, 1e-5)
    assert d is not None and (d.kind, d.original_name) == ("final", "W")


def test_unaligned_randomness_never_passes_silently() -> None:
    orig = trace(events=[(1, [1.0])], notes=("unaligned random op in the original: noise",))
    mismatched = conclude(orig, trace(events=[(1, [2.0])]), original="a", converted="b",
                          rtol=1e-6, atol=1e-5)
    assert mismatched.status == "not-comparable" and mismatched.exit_code == 2
    agreed = conclude(orig, trace(events=[(1, [1.0])]), original="a", converted="b",
                      rtol=1e-6, atol=1e-5)
    assert agreed.status == "equivalent" and any("unaligned" in n for n in agreed.notes)


def test_nothing_compared_is_not_comparable() -> None:
    verdict = conclude(trace(), trace(), original="a", converted="b", rtol=1e-6, atol=1e-5)
    assert verdict.status == "not-comparable"


def test_leaves_drop_ops_and_summaries_and_sort_dicts() -> None:
    got = leaves([None, b"summary", {"b": 2.0, "a": np.ones(2)}, (3,)])
    assert [x.tolist() for x in got] == [[1.0, 1.0], 2.0, 3]


def test_shards_are_disjoint_complete_and_stable() -> None:
    paths = [f"pkg/m{i}.py" for i in range(50)]
    shards = [{p for p in paths if shard_of(p, 3) == i} for i in (1, 2, 3)]
    assert set().union(*shards) == set(paths)
    assert sum(len(s) for s in shards) == 50 and all(shards)
    assert shard_of("pkg/m7.py", 3) == shard_of("pkg/m7.py", 3)
    assert parse_shard("2/3") == (2, 3)
    with pytest.raises(ValueError):
        parse_shard("4/3")


def test_directory_pairs_skip_libraries_and_unmatched(tmp_path: Path) -> None:
    for side in ("a", "b"):
        (tmp_path / side / "sub").mkdir(parents=True)
        (tmp_path / side / "sub" / "train.py").write_text("import tensorflow as tf\nprint(1)\n")
        (tmp_path / side / "lib.py").write_text("import os\n\ndef f():\n    return 1\n")
    (tmp_path / "a" / "only_here.py").write_text("print(2)\n")
    pairs = find_pairs(tmp_path / "a", tmp_path / "b")
    assert [p[0].relative_to(tmp_path / "a").as_posix() for p in pairs] == ["sub/train.py"]
    assert not is_runnable(tmp_path / "a" / "lib.py")


def _verdicts() -> list[Verdict]:
    div = Divergence("step", 3, "step 3 value 0: expected 1, got 2", "sess.run(cost)",
                     "train_step", 0, (), 1.0, 2.0, 1.0, 1.0)
    return [Verdict("equivalent", "a.py", "a2.py", compared=Compared(4, 4, 2, 1),
                    original_losses=(3.0, 2.0, 1.0), converted_losses=(3.0, 2.0, 1.0)),
            Verdict("mismatch", "b.py", "b2.py", reason=div.message, divergence=div,
                    original_losses=(3.0, 2.0), converted_losses=(3.0, 2.5)),
            Verdict("error", "c.py", "c2.py", reason="original timed out",
                    failed_side="original", stderr_tail="Traceback ...")]


def test_reports_text_json_junit() -> None:
    verdicts = _verdicts()
    report = text(verdicts)
    assert "first divergence (step 3)" in report and "1 equivalent, 1 mismatch" in report
    data = json.loads(as_json(verdicts))
    assert [v["exit_code"] for v in data["verdicts"]] == [0, 1, 2]
    suite = ET.fromstring(junit(verdicts))
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    cases = suite.findall("testcase")
    assert cases[1].find("failure") is not None and cases[2].find("error") is not None


def test_plot_writes_a_png(tmp_path: Path) -> None:
    out = tmp_path / "losses.png"
    plot(_verdicts(), out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_usage_errors_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("print(1)\n")
    result = CliRunner().invoke(verify_command, [str(tmp_path), str(tmp_path / "a.py")])
    assert result.exit_code == 2
    result = CliRunner().invoke(verify_command, [str(tmp_path), str(tmp_path), "--shard", "0/2"])
    assert result.exit_code == 2


def test_importing_the_cli_does_not_import_tensorflow() -> None:
    code = "import sys, tf2port.verify.cli, tf2port.verify; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.tf
@pytest.mark.slow
def test_an_adam_trained_original_gets_the_adam_tolerance_and_says_so():
    """TF1's fused Adam rounds differently from Keras' Adam: verify's default bound for it is looser, and noted."""
    from tf2port.verify.api import ADAM_NOTE, ADAM_TOLERANCE

    folder = Path(__file__).resolve().parents[1] / "fixtures" / "programs" / "interactive_poly"
    assert "AdamOptimizer" in (folder / "original.py").read_text()
    verdict = verify_pair(folder / "original.py", folder / "expected.py", timeout=300)
    assert (verdict.rtol, verdict.atol) == ADAM_TOLERANCE
    assert ADAM_NOTE in verdict.notes
    explicit = verify_pair(folder / "original.py", folder / "expected.py", timeout=300, rtol=1e-6, atol=1e-5)
    assert (explicit.rtol, explicit.atol) == (1e-6, 1e-5) and ADAM_NOTE not in explicit.notes
