"""``layerbot explain``: a file, stdin, --json, every option, exit statuses, never a traceback."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import bot.cli as cli
from calc.parse import EXAMPLES, FORMATS
from tests.corpus import CORPUS, FIXTURES
from tests.test_explain import check_schema

ROOT = Path(__file__).resolve().parent.parent
SEED_SUMMARY = FIXTURES / "seed_summary.txt"


def _main(*argv: str, stdin: str | bytes | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        assert monkeypatch is not None
        data = stdin.encode() if isinstance(stdin, str) else stdin
        fake = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", fake)
    code = cli.main(["explain", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    code, out, err = _main(str(SEED_SUMMARY))
    assert code == 0 and err == ""
    assert "86,400 × 4 + 4 = 345,604" in out and "Total params" in out and "420,388" in out
    code, zh, _ = _main(str(SEED_SUMMARY), "--lang", "zh")
    assert code == 0 and "参数总数" in zh and "86,400 × 4 + 4 = 345,604" in zh


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    text = SEED_SUMMARY.read_text(encoding="utf-8")
    code, out, _ = _main(stdin=text, monkeypatch=monkeypatch)
    assert code == 0 and "dense_2 (Dense)" in out
    code, dash, _ = _main("-", stdin=text, monkeypatch=monkeypatch)
    assert code == 0 and dash == out
    # a Windows redirect: UTF-16 with a byte-order mark, CRLF
    code, utf16, _ = _main("-", stdin=text.replace("\n", "\r\n").encode("utf-16"), monkeypatch=monkeypatch)
    assert code == 0 and utf16 == out


def test_json(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _main(str(CORPUS / "pt_lenet5.torchinfo.txt"), "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    check_schema(doc)
    assert doc["format"] == "torchinfo" and doc["framework"] == "torch"


def test_options(tmp_path: Path) -> None:
    code, out, _ = _main(str(SEED_SUMMARY), "--json", "--format", "keras2", "--framework", "torch")
    assert code == 0
    doc = json.loads(out)
    assert doc["format"] == "keras2" and doc["framework"] == "torch"
    repr_file = CORPUS / "pt_lenet5.repr.txt"
    code, out, _ = _main(str(repr_file), "--json", "--input-shape", "1x32x32")
    assert code == 0
    check_schema(json.loads(out))


def test_a_mismatch_exits_0(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(SEED_SUMMARY.read_text(encoding="utf-8").replace("345604", "345605"), encoding="utf-8")
    code, out, _ = _main(str(bad))
    assert code == 0 and "MISMATCH: says 345,605" in out
    code, out, _ = _main(str(bad), "--json")
    assert code == 0 and any(f["severity"] == "error" for f in json.loads(out)["findings"])


def test_no_model(tmp_path: Path) -> None:
    empty = tmp_path / "question.txt"
    empty.write_text("How do I choose the 512 in Dense(512)?", encoding="utf-8")
    code, out, err = _main(str(empty))
    assert code == 2 and out == ""
    assert err.startswith("I couldn't find a model in that text.")
    for fmt in FORMATS:
        assert EXAMPLES[fmt].first in err and EXAMPLES[fmt].second in err
    code, _, err = _main(str(empty), "--lang", "zh")
    assert code == 2 and err.startswith("我在这段文字里没有找到模型。")
    code, out, err = _main(str(empty), "--json")
    assert code == 2 and json.loads(out)["error"]["code"] == "error.no_model"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--format", "excel"], "invalid choice"),
        (["--framework", "jax"], "invalid choice"),
        (["--input-shape", "big"], "not an input shape"),
        (["--format", "torch_repr"], "[torch_repr]"),
        (["--no-such-option"], "unrecognized arguments"),
    ],
)
def test_bad_options_exit_2_with_one_line(argv: list[str], needle: str) -> None:
    code, out, err = _main(str(SEED_SUMMARY), *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_unreadable_file(tmp_path: Path) -> None:
    code, out, err = _main(str(tmp_path / "missing.txt"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "cannot read" in err
    code, _, err = _main(str(tmp_path))  # a directory
    assert code == 2 and err.count("\n") == 1


def test_too_long(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("x" * 500_000, encoding="utf-8")
    code, _, err = _main(str(big))
    assert code == 2 and "too long" in err and err.count("\n") == 1


def test_binary_garbage_is_not_a_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 50)
    code, _, err = _main(str(junk))
    assert code == 2 and "Traceback" not in err


def test_ask_explain_is_the_same_report() -> None:
    text = SEED_SUMMARY.read_text(encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["ask", f"/explain {text}"], stdout=out, stderr=err) == 0
    _, direct, _ = _main(str(SEED_SUMMARY))
    assert out.getvalue() == direct


# --------------------------------------------------------------------------------------------
# As a real process.


def _commands() -> list[list[str]]:
    found = [[sys.executable, "-m", "bot.cli"]]
    script = shutil.which("layerbot", path=str(Path(sys.executable).parent))
    if script:
        found.append([script])
    return found


def _env() -> dict[str, str]:
    env = {**os.environ, "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    env.pop("LC_ALL", None)
    return env


@pytest.mark.parametrize("command", _commands(), ids=lambda c: Path(c[-1]).name)
def test_process(command: list[str]) -> None:
    def go(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, "explain", *args], input=stdin, capture_output=True, text=True, env=_env(),
                              cwd=ROOT, check=False, timeout=120)  # fmt: skip

    with_file = go(str(SEED_SUMMARY))
    assert with_file.returncode == 0 and "86,400 × 4 + 4 = 345,604" in with_file.stdout
    with_stdin = go(stdin=SEED_SUMMARY.read_text(encoding="utf-8"))
    assert with_stdin.returncode == 0 and with_stdin.stdout == with_file.stdout
    as_json = go("-", "--json", stdin=(CORPUS / "k3_classic_b.summary.txt").read_text(encoding="utf-8"))
    assert as_json.returncode == 0
    check_schema(json.loads(as_json.stdout))
    nothing = go(stdin="just a question, no model\n")
    assert nothing.returncode == 2 and nothing.stdout == "" and "Traceback" not in nothing.stderr
    assert "[torchinfo]" in nothing.stderr
    wrong = go(str(SEED_SUMMARY), "--format", "keras3")
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1 and "Traceback" not in wrong.stderr
