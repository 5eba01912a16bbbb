"""bot.cli and the renderers: what the terminal prints, in both languages, and how it fails."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.cli as cli
from bot.render.json import error_document, result_document
from bot.render.text import render_error, render_text
from calc.commands import commands, run
from calc.errors import InputError
from tests.arith import arith

ROOT = Path(__file__).resolve().parent.parent


def _main(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    os.environ.pop("LC_ALL", None)
    os.environ.pop("LC_MESSAGES", None)
    os.environ["LANG"] = "C.UTF-8"
    os.environ.update(env or {})
    try:
        code = cli.main(list(argv), stdout=out, stderr=err)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------------------------
# The acceptance lines


def test_ask_dense_345604() -> None:
    code, out, err = _main("ask", "/dense 86400 4")
    assert (code, err) == (0, "")
    assert "86,400 × 4 + 4 = 345,604" in out
    assert "86,400 inputs × 4 units + 4 biases" in out
    assert "(None, 4)" in out
    assert "345,600 MACs" in out
    assert "1.32 MiB float32" in out and "int8" in out  # memory lines
    assert "Adam" in out and "activations" in out


def test_ask_dense_over_int32() -> None:
    code, out, err = _main("ask", "/dense 86400 172800")
    assert (code, err) == (0, "")
    assert "14,930,092,800 parameters (55.6 GiB in float32)" in out
    assert "2**31 − 1" in out
    assert "rng_mrg" in out  # what breaks: Theano's generator
    assert "2GB" in out  # and TensorFlow's protobuf limit
    assert "24,855 units" in out


def test_alias_prints_the_same_as_ask() -> None:
    assert _main("dense", "86400", "4") == _main("ask", "/dense 86400 4")
    assert _main("lstm", "32", "16") == _main("ask", "/rnn lstm 32 16")
    assert _main("ask", "/dense", "86400", "4") == _main("ask", "/dense 86400 4")  # unquoted line


def test_json() -> None:
    code, out, err = _main("ask", "/dense 86400 172800", "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["schema"] == "layerbot.command/1"
    layer = doc["layers"][0]
    assert layer["params"] == 14_930_092_800 and isinstance(layer["params"], int)
    assert arith(layer["formula"]["plain"]) == layer["params"]
    assert layer["formula"]["unicode"] == "86,400 × 172,800 + 172,800"
    assert "\\times" in layer["formula"]["latex"]
    assert doc["memory"]["param_bytes"]["float32"] == 14_930_092_800 * 4
    assert doc["max_units"] == 24_855
    severities = {f["code"]: f["severity"] for f in doc["findings"]}
    assert severities["limit.int32_elements"] == "error"
    assert all(isinstance(f["message"], str) and f["message"] for f in doc["findings"])


def test_json_is_english_even_in_chinese() -> None:
    _, out, _ = _main("ask", "/dense 86400 4", "--json", "--lang", "zh")
    assert json.loads(out)["layers"][0]["explanation"] == "86,400 inputs × 4 units + 4 biases"


def test_languages() -> None:
    _, en, _ = _main("ask", "/dense 86400 4")
    _, zh, _ = _main("ask", "/dense 86400 4", "--lang", "zh")
    assert "86,400 个输入 × 4 个单元 + 4 个偏置" in zh and "内存" in zh
    assert "86,400 × 4 + 4 = 345,604" in zh
    assert _main("ask", "/dense 86400 4", env={"LANG": "zh_CN.UTF-8"})[1] == zh
    assert _main("ask", "/dense 86400 4", env={"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"})[1] == en
    assert _main("ask", "/dense 86400 4", "--lang", "en", env={"LANG": "zh_CN.UTF-8"})[1] == en


def test_help() -> None:
    code, out, _ = _main("help")
    assert code == 0
    for spec in commands():
        assert f"/{spec.name}" in out
    code, out, _ = _main("ask", "/help conv")
    assert code == 0 and "example: /conv 256x256x3 32 3" in out
    code, out, _ = _main("--help")
    assert code == 0 and "ask" in out


@pytest.mark.parametrize(
    "line",
    ["/dense 86400 4", "/dense 86400 172800", "/conv 256x256x3 32 3", "/conv 3x64x64 32 3 torch", "/pool 32x32x16",
     "/rnn lstm 32 16", "/rnn lstm 32 16 torch", "/rnn gru 32 16 20 num_layers=2", "/embedding 20000 128 100",
     "/attention 4 32 128 64", "/attention 8 64 512 10 torch", "/help", "/help rnn"],
)  # fmt: skip
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_command_renders(line: str, lang: str) -> None:
    result = run(line)
    text = render_text(result, lang)
    assert text.strip()
    for layer in result.layers:
        assert f"{layer.params:,}" in text
    json.dumps(result_document(result))


def test_print_fn_seam() -> None:
    lines: list[str] = []
    from bot.render.text import write

    write(run("/dense 86400 4"), "en", lines.append)
    assert lines[0] == "Dense: 86,400 × 4 + 4 = 345,604 parameters (1.32 MiB in float32)"
    assert "\n".join(lines) == render_text(run("/dense 86400 4"))


# --------------------------------------------------------------------------------------------
# Bad input: exactly one line on stderr, nothing on stdout, exit status 2, in both languages.

BAD_LINES = [
    "/dense 0 4",
    "/dense -5 4",
    "/dense 10**30 4",
    "/dense 1e30 4",
    "/dense abc 4",
    "/dense 86400",
    "/dense",
    "/teleport 3",
    "/dense 86400 4 colour=red",
    "/conv 5x5x3 32 7",
    "/conv (256, 256, 3 32 3",
    "/dense " + "9" * 3000,
    "/dense 8640\u0000\u202e0 4",
    "/dense 🙂🙂 4",
    "/dense ٣ 4",
    "",
    "/",
    "/attention 8 32 512 torch",
]


@pytest.mark.parametrize("line", BAD_LINES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_input_one_line_exit_2(line: str, lang: str) -> None:
    code, out, err = _main("ask", line, "--lang", lang)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n") and err.strip()
    assert "Traceback" not in err


def test_bad_input_json() -> None:
    code, out, err = _main("ask", "/dense 0 4", "--json")
    assert code == 2 and err.count("\n") == 1
    doc = json.loads(out)
    assert doc["error"]["code"] == "cmd.error.value" and "Usage: /dense" in doc["error"]["message"]


@pytest.mark.parametrize(
    "argv",
    [[], ["teleport"], ["ask"], ["ask", "/dense 1 1", "--lang", "fr"], ["--frob"], ["dense", "--frob"]],
)
def test_usage_errors_one_line_exit_2(argv: list[str]) -> None:
    code, out, err = _main(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err


def test_negative_number_reaches_the_router() -> None:
    code, _, err = _main("dense", "-5", "4")
    assert code == 2 and "units" not in err.split(";")[0] and "in_features=-5" in err


def test_unexpected_failure_is_one_apologetic_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(line: str) -> None:
        raise RuntimeError("internal detail")

    monkeypatch.setattr(cli, "run", boom)
    code, out, err = _main("ask", "/dense 86400 4")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "sorry" in err and "internal detail" not in err


def test_narrow_terminal_encoding_does_not_crash() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    code = cli.main(["ask", "/dense 86400 4", "--lang", "zh"], stdout=out, stderr=io.StringIO())
    out.flush()
    assert code == 0 and b"86,400" in raw.getvalue()


def test_subcommand_registry() -> None:
    calls: list[str] = []

    def configure(p: object) -> None:
        p.add_argument("what")  # type: ignore[attr-defined]

    def run_it(ns: object, console: cli.Console) -> int:
        calls.append(ns.what)  # type: ignore[attr-defined]
        console.print("done")
        return 0

    cli.register("selftest-demo", "a test subcommand", run_it, configure)
    try:
        code, out, _ = _main("selftest-demo", "x")
        assert (code, out, calls) == (0, "done\n", ["x"])
        with pytest.raises(ValueError, match="twice"):
            cli.register("selftest-demo", "again", run_it)
    finally:
        cli._SUBCOMMANDS.pop("selftest-demo")


def test_render_error() -> None:
    error = InputError("cmd.error.empty", commands="/dense")
    assert render_error(error, "en").startswith("Nothing to run")
    assert render_error(error, "zh").startswith("没有可执行的内容")
    assert error_document(error)["error"]["code"] == "cmd.error.empty"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_random_text_exit_0_or_2(line: str) -> None:
    code, _, err = _main("ask", line)
    assert code in (0, 2)
    assert err.count("\n") <= 1


# --------------------------------------------------------------------------------------------
# As a real process: `python -m bot.cli` and the installed `layerbot` script.


def _commands() -> list[list[str]]:
    found = [[sys.executable, "-m", "bot.cli"]]
    script = shutil.which("layerbot", path=str(Path(sys.executable).parent))
    if script:
        found.append([script])
    return found


@pytest.mark.parametrize("command", _commands(), ids=lambda c: Path(c[-1]).name)
def test_process(command: list[str]) -> None:
    env = {**os.environ, "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    env.pop("LC_ALL", None)
    ok = subprocess.run([*command, "ask", "/dense 86400 4"], capture_output=True, text=True, env=env, cwd=ROOT,
                        check=False, timeout=60)  # fmt: skip
    assert ok.returncode == 0 and "86,400 × 4 + 4 = 345,604" in ok.stdout
    for line in ["/dense 0 4", "/dense 10**30 4", "/teleport", "/dense abc"]:
        bad = subprocess.run([*command, "ask", line], capture_output=True, text=True, env=env, cwd=ROOT,
                             check=False, timeout=60)  # fmt: skip
        assert bad.returncode == 2, line
        assert bad.stdout == "" and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
