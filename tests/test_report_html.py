"""``tf2port report``: the HTML page, its numbers, its escaping, and a real headless browser.

Expected numbers come from the real ``tf2port lint --format json`` and
``tf2port fix --diff`` over the same tree, so the page is checked against the
commands users run, not against a copy of the report's own arithmetic.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tf2port.report.html import FileEntry, ReportData, counts, render_html

ROOT = Path(__file__).resolve().parent.parent
EVIL_NAME = "evil<img src=x onerror=alert(1)>.py"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

TREE = {
    "train.py": """\
        import tensorflow as tf

        x = tf.placeholder(tf.float32, [None, 3])
        total = tf.reduce_sum(x, axis=1, keep_dims=True)
        with tf.Session() as sess:
            print(sess.run(total, feed_dict={x: [[1.0, 2.0, 3.0]]}))
        """,
    "pkg/model.py": """\
        import tensorflow as tf


        def model(inputs):
            hidden = tf.layers.dense(inputs, 8, activation=tf.nn.relu)
            tf.add_to_collection("activations", hidden)
            return tf.layers.dense(hidden, 1)
        """,
    "pkg/broken.py": """\
        import tensorflow as tf
        def broken(:
        """,
    "modern.py": """\
        import tensorflow as tf


        @tf.function
        def total(x):
            return tf.reduce_sum(x, axis=1, keepdims=True)
        """,
    "plain.py": """\
        print("no TensorFlow here")
        """,
    EVIL_NAME: """\
        import tensorflow as tf

        # </script><script>alert(2)</script> & "quotes" 'too'
        x = tf.placeholder(tf.float32)
        """,
}

VERDICTS = {"verdicts": [
    {"status": "equivalent", "original": "orig/fit.py", "converted": "conv/fit.py",
     "compared": {"steps": 8, "values": 8, "printed": 8, "variables": 2}, "notes": [],
     "original_losses": [3.0, 2.0, 1.5, 1.2], "converted_losses": [3.0, 2.0, 1.5, 1.2],
     "device": "cpu", "rtol": 1e-6, "atol": 1e-5, "seconds": [1.0, 1.0], "exit_code": 0},
    {"status": "mismatch", "original": "orig/cnn.py", "converted": "conv/cnn.py",
     "reason": "step 2 differs",
     "divergence": {"kind": "step", "index": 2, "message": "loss <b>differs</b>", "original_name": "cost",
                    "converted_name": "compute_cost", "value_index": 0, "element": [],
                    "expected": 1.5, "got": 1.7, "abs_error": 0.2, "rel_error": 0.13},
     "compared": {"steps": 2, "values": 2, "printed": 0, "variables": 0}, "notes": [],
     "original_losses": [3.0, 2.0, 1.5], "converted_losses": [3.0, 2.0, 1.7],
     "rtol": 1e-6, "atol": 1e-5, "exit_code": 1},
    {"status": "error", "original": "orig/a.py", "converted": "conv/a.py",
     "reason": "converted program failed: NameError", "failed_side": "converted",
     "stderr_tail": "Traceback (most recent call last):\n<module> NameError", "exit_code": 2},
]}


def _tf2port(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF2PORT_NO_CACHE": "1"}
    return subprocess.run([sys.executable, "-m", "tf2port", *args], cwd=cwd or ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def _write_tree(base: Path) -> Path:
    src = base / "src"
    for rel, text in TREE.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return src


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _expected(src: Path) -> dict[str, int]:
    """The headline numbers, from the real lint and fix commands."""
    lint = json.loads(_tf2port("lint", str(src), "--format", "json").stdout)
    findings = [d for d in lint if not d["code"].startswith("TF0")]
    diff = _tf2port("fix", "--diff", str(src)).stdout
    return {
        "files": 6,
        "findings": len(findings),
        "fixable": sum(1 for d in findings if d["fix"]),
        "files-with-findings": len({d["filename"] for d in findings}),
        "rules": len({d["code"] for d in findings}),
        "changed": sum(1 for line in diff.splitlines() if line.startswith("+++ ")),
        "errors": sum(1 for d in lint if d["code"].startswith("TF0")),
    }


class _Counts(HTMLParser):
    """Collects the text of every element whose id starts with ``count-``, and all tags seen."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        self.tags.append((tag, attr))
        ident = attr.get("id") or ""
        self._open = ident[len("count-"):] if ident.startswith("count-") else None

    def handle_data(self, data: str) -> None:
        if self._open is not None and data.strip():
            self.values[self._open] = data.strip()
            self._open = None


def _parse(html: str) -> _Counts:
    parser = _Counts()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, int]]:
    """(source tree, report.html written with --verify-json, expected counts)."""
    base = tmp_path_factory.mktemp("report")
    src = _write_tree(base)
    before = _snapshot(src)
    verdicts = base / "verify.json"
    verdicts.write_text(json.dumps(VERDICTS))
    out = base / "report.html"
    done = _tf2port("report", str(src), "--out", str(out), "--verify-json", str(verdicts))
    assert done.returncode == 0, done.stderr
    assert _snapshot(src) == before, "report must not modify the tree"
    return src, out, _expected(src)


def test_counts_match_lint_and_fix(built: tuple[Path, Path, dict[str, int]]) -> None:
    _, out, expected = built
    assert expected["findings"] >= 5 and expected["changed"] >= 2 and expected["errors"] == 1
    values = _parse(out.read_text(encoding="utf-8")).values
    for key, value in expected.items():
        assert values[key] == str(value), key
    assert (values["verdicts"], values["equivalent"], values["mismatch"], values["verify-error"]) == \
        ("3", "1", "1", "1")


def test_rule_rows_add_up_and_leftovers_are_listed(built: tuple[Path, Path, dict[str, int]]) -> None:
    src, out, expected = built
    html = out.read_text(encoding="utf-8")
    lint = json.loads(_tf2port("lint", str(src), "--format", "json").stdout)
    per_rule = {code: sum(1 for d in lint if d["code"] == code)
                for code in {d["code"] for d in lint if not d["code"].startswith("TF0")}}
    rows = dict(re.findall(r'<tr id="rule-(TF\d+)" data-count="(\d+)"', html))
    assert rows == {code: str(n) for code, n in per_rule.items()}
    # a graph collection blocks the library rewrite, so the function's tf.layers calls stay: listed as not converted
    assert 'id="left-TF401"' in html
    assert "TF001" in html and "cannot parse" in html  # the broken file, with the reason
    assert "<code>tf.placeholder</code> is graph-mode only" in html  # `names` in messages shown as code


def test_diffs_show_what_fix_would_change(built: tuple[Path, Path, dict[str, int]]) -> None:
    _, out, _ = built
    html = out.read_text(encoding="utf-8")
    assert '<span class="d-meta">+++ b/train.py</span>' in html
    assert '<span class="d-del">-total = tf.reduce_sum(x, axis=1, keep_dims=True)</span>' in html
    # the session script is rewritten into a tf.function; the renamed keyword is inside it
    assert '<span class="d-add">+def compute_total(x):</span>' in html
    assert '<span class="d-add">+    total = tf.reduce_sum(x, axis=1, keepdims=True)</span>' in html
    assert "b/modern.py" not in html and "plain.py" not in html


def test_outside_strings_are_escaped_and_nothing_is_loaded(built: tuple[Path, Path, dict[str, int]]) -> None:
    _, out, _ = built
    html = out.read_text(encoding="utf-8")
    assert "<img src=x" not in html and "alert(2)</script>" not in html and "<b>differs" not in html
    assert "evil&lt;img src=x onerror=alert(1)&gt;.py" in html
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html
    tags = _parse(html).tags
    assert [t for t, _ in tags].count("script") == 1  # ours, inline
    assert not [t for t, _ in tags if t in ("link", "iframe", "object", "embed")]
    for tag, attrs in tags:
        if tag in ("img", "script"):
            assert (attrs.get("src") or "data:").startswith("data:"), (tag, attrs)
        assert not (attrs.get("href") or "").startswith(("http:", "https:", "//"))
    assert "default-src 'none'" in html  # the CSP forbids any network load


def test_verdicts_embed_loss_plots_as_png(built: tuple[Path, Path, dict[str, int]]) -> None:
    _, out, _ = built
    html = out.read_text(encoding="utf-8")
    images = re.findall(r'<img class="plot" alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 2  # the error verdict has no losses, so no plot
    for data in images:
        png = base64.b64decode(data, validate=True)
        assert png.startswith(PNG_MAGIC) and len(png) > 5000
    statuses = re.findall(r'<div class="verdict v-[a-z-]+" id="verdict-\d+" data-status="([a-z-]+)"', html)
    assert statuses == ["equivalent", "mismatch", "error"]
    assert "First divergence (step 2): loss &lt;b&gt;differs&lt;/b&gt;" in html
    assert "NameError" in html


def test_empty_report_renders_zero_counts() -> None:
    data = ReportData(title="t", files=(FileEntry("clean.py"),), version="0")
    html = render_html(data)
    values = _parse(html).values
    assert values["files"] == "1" and values["findings"] == "0" and values["changed"] == "0"
    assert "No TensorFlow 1.x constructs found." in html
    assert 'id="verify-empty"' in html
    assert counts(data)["verdicts"] == 0


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    src = _write_tree(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "verdicts"}')
    done = _tf2port("report", str(src), "--out", str(tmp_path / "r.html"), "--verify-json", str(bad))
    assert done.returncode == 2 and "verify-json" in done.stderr
    both = _tf2port("report", str(src), "--verify", str(src), "--verify-json", str(bad))
    assert both.returncode == 2 and "not both" in both.stderr
    assert not (tmp_path / "r.html").exists()


# ---------------------------------------------------------------- the real browser

def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _chromium()
browser = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                             "(apt-get install chromium; .ci/run installs it)")


def _headless(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
           f"--user-data-dir={profile}", "--window-size=1280,2200", *extra, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@browser
def test_page_loads_in_chromium_without_console_errors(built: tuple[Path, Path, dict[str, int]],
                                                       tmp_path: Path) -> None:
    _, out, expected = built
    done = _headless(out.as_uri(), tmp_path / "profile", "--enable-logging=stderr", "--v=0",
                     "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    console = [ln for ln in done.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert console == [], console  # no script errors, no CSP violations, no console output
    dom = done.stdout
    assert 'data-ready="1"' in dom  # the page's script ran to the end
    parsed = _parse(dom)
    for key, value in expected.items():
        assert parsed.values[key] == str(value), key
    assert parsed.values["equivalent"] == "1" and parsed.values["mismatch"] == "1"
    assert not [a for t, a in parsed.tags if t == "img" and a.get("src") == "x"]  # no injected element
    assert len([a for t, a in parsed.tags if t == "img" and a.get("class") == "plot"]) == 2


@browser
def test_screenshot_is_produced(built: tuple[Path, Path, dict[str, int]], tmp_path: Path) -> None:
    _, out, _ = built
    shot = tmp_path / "report.png"
    done = _headless(out.as_uri(), tmp_path / "profile", f"--screenshot={shot}")
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(PNG_MAGIC)
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2200)
    assert len(data) > 50_000  # a rendered page, not a blank canvas (a blank one is ~10 kB)
    keep = os.environ.get("TF2PORT_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)


# ---------------------------------------------------------------- with verify itself

ORIGINAL_FIT = """\
import numpy as np
import tensorflow as tf

xs = np.linspace(-1.0, 1.0, 16).astype(np.float32).reshape(-1, 1)
ys = 3.0 * xs + 0.5
x = tf.placeholder(tf.float32, [None, 1])
y = tf.placeholder(tf.float32, [None, 1])
w = tf.Variable(tf.zeros([1, 1]))
b = tf.Variable(tf.zeros([1]))
loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(6):
        _, value = sess.run([train, loss], feed_dict={x: xs, y: ys})
        print(value)
"""

CONVERTED_FIT = """\
import numpy as np
import tensorflow as tf

xs = np.linspace(-1.0, 1.0, 16).astype(np.float32).reshape(-1, 1)
ys = 3.0 * xs + 0.5
w = tf.Variable(tf.zeros([1, 1]))
b = tf.Variable(tf.zeros([1]))
optimizer = tf.keras.optimizers.SGD(0.1)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    return loss


for step in range(6):
    print(train_step(xs, ys).numpy())
"""


@pytest.mark.tf
@pytest.mark.slow
def test_verify_option_runs_verify_and_plots(tmp_path: Path) -> None:
    orig, conv = tmp_path / "orig", tmp_path / "conv"
    orig.mkdir()
    conv.mkdir()
    (orig / "fit.py").write_text(ORIGINAL_FIT)
    (conv / "fit.py").write_text(CONVERTED_FIT)
    out = tmp_path / "report.html"
    done = _tf2port("report", str(orig), "--out", str(out), "--verify", str(conv), "--timeout", "300")
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    values = _parse(html).values
    assert (values["verdicts"], values["equivalent"]) == ("1", "1"), html[-3000:]
    assert values["findings"] != "0"  # the original is TF1 code
    assert len(re.findall(r'<img class="plot"[^>]*src="data:image/png;base64,', html)) == 1
    assert "compared 6 steps" in html
