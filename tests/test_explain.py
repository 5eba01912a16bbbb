"""calc.explain end to end: every corpus text through explain(), the JSON schema, the invariants,
chat-wrapped pastes, "no model here", forced formats, the /explain command and the golden files."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import calc.parse as parsing
from bot.render.json import result_document
from bot.render.report_json import _indented, report_document
from bot.render.report_text import _top_level_terms, _width, _wrap_cells, render_report, wrap_formula
from bot.render.text import render_text
from calc.commands import MAX_LINE, MAX_TEXT, find, invoke, run, tokenize
from calc.errors import InputError
from calc.explain import RowFormula, explain, first_shape, parse_input_shape, row_formulas
from calc.i18n import LOCALES
from calc.model import Format
from calc.report import Report, Status
from calc.types import Framework
from tests.arith import arith
from tests.corpus import CORPUS, FIXTURES, load, model_ids

GOLDEN = Path(__file__).parent / "golden"
SEED_SUMMARY = FIXTURES / "seed_summary.txt"
SEED_QUESTION = FIXTURES / "seed_question.txt"


def _expected_format(path: Path) -> Format:
    name = path.name
    if ".summary" in name:
        return Format.KERAS3 if name.startswith("k3_") else Format.KERAS2
    if ".torchinfo" in name:
        return Format.TORCHINFO
    if ".torchsummary" in name:
        return Format.TORCHSUMMARY
    if ".repr" in name:
        return Format.TORCH_REPR
    raise AssertionError(f"unexpected corpus file {name}")


CORPUS_TEXTS = sorted(CORPUS.glob("*.txt"))
KERAS_CODE_IDS = [i for i in model_ids("k3_") if load(i).get("code")]


@cache
def _explained(path: Path) -> Report:
    return explain(path.read_text(encoding="utf-8"))


@cache
def _document(path: Path) -> dict[str, Any]:
    return report_document(_explained(path))


# --------------------------------------------------------------------------------------------
# The JSON schema, exactly.

_TOP_KEYS = {"format", "framework", "layers", "total_params", "trainable_params", "non_trainable_params", "reported",
             "findings"}  # fmt: skip
_LAYER_KEYS = {"name", "type", "depth", "output_shape", "params", "trainable_params", "non_trainable_params",
               "reported_params", "formula", "explanation", "config", "inferred", "status"}  # fmt: skip
_COUNT_KEYS = {"total_params", "trainable_params", "non_trainable_params"}
_FINDING_KEYS = {"severity", "layer", "code", "message"}


def _int_or_none(value: object) -> bool:
    return value is None or type(value) is int


def _json_value(value: object) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, list):
        return all(_json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_value(v) for k, v in value.items())
    return False


def check_schema(doc: dict[str, Any]) -> None:
    assert set(doc) == _TOP_KEYS
    assert doc["format"] in {f.value for f in Format}
    assert doc["framework"] in ("keras", "torch")
    assert isinstance(doc["layers"], list) and doc["layers"]
    for layer in doc["layers"]:
        assert set(layer) == _LAYER_KEYS, layer
        assert layer["name"] is None or isinstance(layer["name"], str)
        assert isinstance(layer["type"], str) and layer["type"]
        assert type(layer["depth"]) is int and layer["depth"] >= 0
        shape = layer["output_shape"]
        assert shape is None or (isinstance(shape, list) and all(_int_or_none(d) for d in shape)), shape
        for key in ("params", "trainable_params", "non_trainable_params", "reported_params"):
            assert _int_or_none(layer[key]), (key, layer[key])
        assert layer["formula"] is None or isinstance(layer["formula"], str)
        assert isinstance(layer["explanation"], str) and "\n" not in layer["explanation"]
        assert isinstance(layer["config"], dict) and _json_value(layer["config"])
        assert isinstance(layer["inferred"], list) and all(isinstance(x, str) for x in layer["inferred"])
        assert layer["status"] in ("ok", "inferred", "mismatch", "unknown")
    for key in _COUNT_KEYS:
        assert _int_or_none(doc[key])
    assert set(doc["reported"]) == _COUNT_KEYS
    assert all(_int_or_none(v) for v in doc["reported"].values())
    for finding in doc["findings"]:
        assert set(finding) == _FINDING_KEYS
        assert finding["severity"] in ("error", "warning", "info")
        assert finding["layer"] is None or isinstance(finding["layer"], str)
        assert isinstance(finding["code"], str) and finding["code"]
        assert isinstance(finding["message"], str) and finding["message"]
        assert not re.search(r"[\u4e00-\u9fff]", finding["message"]), "findings are in English"
    assert json.loads(json.dumps(doc)) == doc


def check_invariants(report: Report, doc: dict[str, Any]) -> None:
    rows = doc["layers"]
    assert len(rows) == len(report.layers)
    labels = {f.layer for f in report.findings}
    for i, (row, layer) in enumerate(zip(rows, report.layers, strict=True)):
        params = row["params"]
        if params is not None:
            assert row["trainable_params"] is not None and row["non_trainable_params"] is not None, row
            assert params == row["trainable_params"] + row["non_trainable_params"], row
        if params:
            assert row["formula"] is not None, f"{row['name']} ({row['type']}): {params} without a formula"
            assert arith(row["formula"]) == params, row
        else:
            assert row["formula"] is None, row  # parameter-free or underived: no formula
        if params is None:  # the reason is in a finding, or (a container) in a row inside it
            named = {layer.name, layer.type} & labels or any(
                layer.name and layer.name in f.message.render("en") for f in report.findings
            )
            inside = layer.is_container and any(r.params is None for r in report.layers[i + 1 :])
            assert named or inside, row
        if row["status"] == "mismatch" and row["reported_params"] is not None and params is not None:
            assert params != row["reported_params"] or any(f.code.startswith("derive.") for f in report.findings)
    counts = (doc["total_params"], doc["trainable_params"], doc["non_trainable_params"])
    if None not in counts:
        assert counts[0] == counts[1] + counts[2]


# --------------------------------------------------------------------------------------------
# Every corpus file.


@pytest.mark.parametrize("path", CORPUS_TEXTS, ids=lambda p: p.name)
def test_corpus_file_is_explained(path: Path) -> None:
    report = _explained(path)
    expected = _expected_format(path)
    assert report.format is expected
    assert report.framework is (Framework.KERAS if path.name.startswith(("k3_", "tfk2_")) else Framework.TORCH)
    assert report.layers
    assert parsing.detect_format(path.read_text(encoding="utf-8")) is expected


@pytest.mark.parametrize("path", CORPUS_TEXTS, ids=lambda p: p.name)
def test_corpus_json_schema(path: Path) -> None:
    check_schema(_document(path))


# torchinfo at its default depth shows ResNet's downsample Sequential as one row: the derivation adds
# its reported count into the blocks above it but gives them no trainable split.


@pytest.mark.parametrize("path", CORPUS_TEXTS, ids=lambda p: p.name)
def test_corpus_invariants(path: Path) -> None:
    check_invariants(_explained(path), _document(path))


def _table_rows(text: str) -> list[list[str]]:
    """The cells of each table line, cut where the rule under the header puts the columns (in display cells)."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("─"))
    spans = [(m.start(), m.end()) for m in re.finditer(r"─+", lines[at])]
    rows = []
    for line in lines[at + 1 :]:
        if not line.strip():
            break
        cells, cell, col, pos = [], "", 0, 0
        for c in line:
            if col + 1 < len(spans) and pos >= spans[col + 1][0]:
                cells.append(cell.strip())
                cell, col = "", col + 1
            cell += c
            pos += _width(c)
        cells.append(cell.strip())
        rows.append(cells + [""] * (len(spans) - len(cells)))
    return rows


@pytest.mark.parametrize("path", CORPUS_TEXTS[::5], ids=lambda p: p.name)
def test_corpus_text_rendering(path: Path) -> None:
    report = _explained(path)
    for lang in LOCALES:
        text = render_report(report, lang)
        rows = [r for r in _table_rows(text) if r[0]]  # wrapped formula lines have no name
        assert len(rows) == len(report.layers)
        for cells, layer in zip(rows, report.layers, strict=True):
            assert cells[2] == ("?" if layer.params is None else f"{layer.params:,}"), cells
            if layer.params:
                assert cells[3], cells
        if report.total_params is not None:
            assert f"{report.total_params:,}" in text


@pytest.mark.skipif(parsing._module(Format.KERAS_CODE) is None, reason="the Keras code parser is not there yet")
@pytest.mark.parametrize("model_id", KERAS_CODE_IDS)
def test_corpus_keras_code(model_id: str) -> None:
    """The code that built each Keras model: a report, or a clear refusal (keras.applications)."""
    code = load(model_id)["code"]
    refusal: InputError | None = None
    try:
        report = explain(code)
    except InputError as exc:
        refusal = exc
    if refusal is not None:
        text = refusal.message.render("en")
        assert text and ("\n" not in text or refusal.message.key == "error.no_model")
        return
    assert report.format is Format.KERAS_CODE and report.layers
    doc = report_document(report)
    check_schema(doc)
    check_invariants(report, doc)


# --------------------------------------------------------------------------------------------
# The seed question.


def test_seed_question_explains_its_summary() -> None:
    report = explain(SEED_QUESTION.read_text(encoding="utf-8"))
    assert report.format is Format.KERAS2 and report.framework is Framework.KERAS
    assert len(report.layers) == 17
    dense = next(layer for layer in report.layers if layer.name == "dense_2")
    assert dense.params == 345_604 and dense.reported_params == 345_604
    assert dense.status is Status.OK
    doc = report_document(report)
    row = next(r for r in doc["layers"] if r["name"] == "dense_2")
    assert row["formula"] == "86400*4 + 4" and row["output_shape"] == [None, 4]
    assert doc["total_params"] == doc["reported"]["total_params"] == 420_388
    # Every reported number adds up; the errors are the question's own: the rng_mrg message it quotes and
    # the Dense(172800) its code plans (issue: advice in /explain when it matters).
    errors = {f.code for f in report.findings if f.severity.value == "error"}
    assert errors and all(code.startswith(("diag.", "advice.")) for code in errors), errors
    assert "diag.rng_mrg" in errors
    assert report_document(explain(SEED_SUMMARY.read_text(encoding="utf-8")))["layers"] == doc["layers"]
    text = render_report(report)
    assert "dense_2 (Dense)" in text and "86,400 × 4 + 4 = 345,604" in text and "420,388" in text
    assert "14,930,092,800" in text and "24,855" in text and "/suggest 86400 4" in text
    assert "Every reported number adds up." in render_report(explain(SEED_SUMMARY.read_text(encoding="utf-8")))
    zh = render_report(report, "zh")
    assert "层（类型）" in zh and "参数总数" in zh and "86,400 × 4 + 4 = 345,604" in zh


def test_the_most_complete_reading_wins() -> None:
    # The seed question holds Keras code and the summary it printed: the summary has the numbers.
    cleaned = parsing.clean(SEED_QUESTION.read_text(encoding="utf-8"))
    assert Format.KERAS2 in parsing.detected_formats(cleaned)
    assert parsing.detect_format(SEED_QUESTION.read_text(encoding="utf-8")) is Format.KERAS2
    # A torchinfo table pasted under the same model's print(model): the table has the counts.
    repr_text = (CORPUS / "pt_lenet5.repr.txt").read_text(encoding="utf-8")
    table = (CORPUS / "pt_lenet5.torchinfo.txt").read_text(encoding="utf-8")
    both = f"My model:\n{repr_text}\nand its summary:\n{table}"
    assert set(parsing.detected_formats(parsing.clean(both))) >= {Format.TORCH_REPR, Format.TORCHINFO}
    assert explain(both).format is Format.TORCHINFO
    assert explain(both, format="torch_repr").format is Format.TORCH_REPR


# --------------------------------------------------------------------------------------------
# Chat-wrapped pastes.

_WRAP_SOURCES = [SEED_SUMMARY, CORPUS / "k3_classic_b.summary.txt", CORPUS / "k3_func_nested_sequential.summary.expand_nested.txt",
                 CORPUS / "pt_lenet5.torchinfo.txt", CORPUS / "pt_lenet5.torchsummary.txt", CORPUS / "pt_lenet5.repr.txt"]  # fmt: skip
_FULLWIDTH = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", "[": "［", "]": "］"})


def _wrappers() -> dict[str, Any]:
    return {
        "fence": lambda t: f"```\n{t}\n```",
        "fence_lang_and_words": lambda t: f"Here is my model:\n```text\n{t}\n```\nWhy does dense_2 have so many?",
        "fence_same_line": lambda t: f"```{t}```",
        "discord_quote": lambda t: "\n".join("> " + line for line in t.split("\n")),
        "crlf": lambda t: t.replace("\n", "\r\n"),
        "tabs_around": lambda t: f"my\tsummary:\t\n\t\n{t}\n\tthanks\t!",
        "nbsp": lambda t: t.replace(" ", "\u00a0"),
        "fullwidth_punctuation": lambda t: t.translate(_FULLWIDTH),
        "chinese_around": lambda t: f"这是我的模型摘要（model.summary()）：\n\n{t}\n\n请问 dense 层的参数是怎么算出来的？谢谢！",
        "zero_width": lambda t: "\u200b\ufeff" + t.replace("\n", "\u200b\n", 3),
        "everything": lambda t: "大家好，\r\n> ```\r\n" + "\r\n".join("> " + line for line in t.split("\n")) + "\r\n> ```\r\n谢谢。",
    }


def _essence(report: Report) -> dict[str, Any]:
    doc = report_document(report)
    return {**doc, "findings": sorted(f["code"] for f in doc["findings"])}


@pytest.mark.parametrize("wrapper", list(_wrappers()))
@pytest.mark.parametrize("path", _WRAP_SOURCES, ids=lambda p: p.name)
def test_chat_wrapped_pastes_read_the_same(path: Path, wrapper: str) -> None:
    text = path.read_text(encoding="utf-8")
    wrapped = _wrappers()[wrapper](text)
    assert _essence(explain(wrapped)) == _essence(_explained(path))


# --------------------------------------------------------------------------------------------
# No model in the text.

_NO_MODEL = [
    "",
    "   \n\n  ",
    "hello",
    "如何计算dense层输出参数值？我是 keras 的新手，已经阅读了很多博客文章。",
    "```\nprint('hello world')\n```",
    "The Layer (type) column and the Param # column confuse me.",
]


def test_an_error_message_alone_gets_its_diagnosis() -> None:
    text = "> Why does my Dense layer crash with rng_mrg cpu-implementation does not support more than (2**31 -1) samples?"
    report = explain(text)
    assert report.format is Format.ERROR_ONLY and report.layers == ()
    assert [f.code for f in report.findings] == ["diag.rng_mrg"]
    assert "2,147,483,647" in render_report(report) or "2**31" in render_report(report)
    assert report_document(report)["format"] == "error_text"


@pytest.mark.parametrize("text", _NO_MODEL)
def test_no_model_is_a_friendly_reply_listing_every_format(text: str) -> None:
    with pytest.raises(InputError) as caught:
        explain(text)
    message = caught.value.message
    assert message.key == "error.no_model"
    assert parsing.detect_format(text) is None
    for lang in LOCALES:
        rendered = message.render(lang)
        for fmt in parsing.FORMATS:
            example = parsing.EXAMPLES[fmt]
            assert example.first in rendered and example.second in rendered, (fmt, lang)
            assert parsing.format_name(fmt).render(lang) in rendered and f"[{fmt.value}]" in rendered
    assert message.render("en").startswith("I couldn't find a model in that text.")
    assert message.render("zh").startswith("我在这段文字里没有找到模型。")


@pytest.mark.parametrize("fmt", parsing.FORMATS)
def test_each_example_reads_as_its_format(fmt: Format) -> None:
    if parsing._module(fmt) is None:
        pytest.skip(f"the {fmt.value} parser is not there yet")
    example = parsing.EXAMPLES[fmt]
    text = f"{example.first}\n{example.second}"
    assert parsing.detect_format(text) is fmt
    assert parsing.parse_text(text).layers


def test_a_missing_parser_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(parsing._MODULES, Format.LAYER_LIST, "calc.parse.not_written_yet")
    assert Format.LAYER_LIST not in parsing.available_formats()
    assert explain(SEED_SUMMARY.read_text(encoding="utf-8")).format is Format.KERAS2
    with pytest.raises(InputError) as caught:
        explain(SEED_SUMMARY.read_text(encoding="utf-8"), format="layer_list")
    assert caught.value.message.key == "error.format_unavailable"
    assert "keras2" in caught.value.message.render("en")


# --------------------------------------------------------------------------------------------
# Forcing the format, the framework and the input shape.


def test_forced_format_is_obeyed() -> None:
    text = SEED_SUMMARY.read_text(encoding="utf-8")
    auto = report_document(explain(text))
    assert report_document(explain(text, format="keras2")) == auto
    assert report_document(explain(text, format=Format.KERAS2)) == auto
    table = (CORPUS / "pt_lenet5.torchinfo.txt").read_text(encoding="utf-8")
    assert explain(table, format="torchinfo").format is Format.TORCHINFO


@pytest.mark.parametrize("forced", ["keras3", "torchinfo", "torchsummary", "torch_repr"])
def test_a_wrong_forced_format_is_a_clear_error(forced: str) -> None:
    with pytest.raises(InputError) as caught:
        explain(SEED_SUMMARY.read_text(encoding="utf-8"), format=forced)
    message = caught.value.message
    assert message.key == "error.wrong_format"
    en = message.render("en")
    assert f"[{forced}]" in en and "[keras2]" in en and "leave out the format" in en
    assert "[keras2]" in message.render("zh")


def test_a_forced_format_with_no_model_at_all() -> None:
    with pytest.raises(InputError) as caught:
        explain("hello", format="keras2")
    assert caught.value.message.key == "error.wrong_format_none"
    assert "[keras2]" in caught.value.message.render("en")


def test_an_unknown_format_name() -> None:
    with pytest.raises(InputError) as caught:
        explain("hello", format="excel")
    assert caught.value.message.key == "error.unknown_format"
    assert "torchinfo" in caught.value.message.render("en")
    assert parsing.to_format("torch-repr") is Format.TORCH_REPR


def test_forced_framework() -> None:
    text = SEED_SUMMARY.read_text(encoding="utf-8")
    assert explain(text, framework="torch").framework is Framework.TORCH
    assert explain(text, framework="keras").framework is Framework.KERAS
    assert explain(text, framework=Framework.KERAS).framework is Framework.KERAS
    with pytest.raises(InputError) as caught:
        explain(text, framework="jax")
    assert caught.value.message.key == "explain.error.framework"


@pytest.mark.parametrize(
    ("text", "shape"),
    [("256x256x3", (256, 256, 3)), ("256×256×3", (256, 256, 3)), ("(256, 256, 3)", (256, 256, 3)),
     ("[256,256,3]", (256, 256, 3)), ("256 256 3", (256, 256, 3)), ("（256，256，3）", (256, 256, 3)),
     ("86400", (86400,)), ("(86400,)", (86400,)), ("None x 16", (None, 16)), ("?x16", (None, 16))],
)  # fmt: skip
def test_parse_input_shape(text: str, shape: tuple[int | None, ...]) -> None:
    assert parse_input_shape(text) == shape


@pytest.mark.parametrize("text", ["", "x", "3xx", "256,,3", "0x3", "-1x3x", "1x2x3x4x5x6", "abc", "1e3", "9" * 20, "3.5"])
def test_bad_input_shapes(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_input_shape(text)
    assert caught.value.message.key == "explain.error.input_shape"
    for lang in LOCALES:
        assert "256x256x3" in caught.value.message.render(lang)


def test_input_shape_reaches_the_derivation() -> None:
    text = (CORPUS / "pt_lenet5.repr.txt").read_text(encoding="utf-8")
    with_shape = explain(text, input_shape="1x32x32")
    also = explain(text, input_shape=(1, 32, 32))
    assert report_document(with_shape) == report_document(also)
    assert report_document(explain(text, input_shape=[(1, 32, 32)])) == report_document(with_shape)
    with pytest.raises(InputError):
        explain(text, input_shape="big")


# --------------------------------------------------------------------------------------------
# Renderers' pieces.


def test_first_shape_of_several_outputs() -> None:
    assert first_shape((None, 4)) == (None, 4)
    assert first_shape([(None, 10, 32), [(None, 32), (None, 32)]]) == (None, 10, 32)
    assert first_shape([[(1, 2)], (3,)]) == (1, 2)
    assert first_shape([]) is None and first_shape(None) is None


def test_formula_wrapping() -> None:
    short = RowFormula("86,400 × 4 + 4", "86400*4 + 4", 345_604)
    assert wrap_formula(short) == ["86,400 × 4 + 4 = 345,604"]
    terms = [f"{n:,}" for n in range(1000, 1030)]
    long = RowFormula(" + ".join(terms), " + ".join(t.replace(",", "") for t in terms), sum(range(1000, 1030)))
    lines = wrap_formula(long, width=40, max_lines=3)
    assert len(lines) == 3 and lines[-1] == f"+ … = {long.value:,}"
    assert all(_width(line) <= 40 for line in lines[:-1])
    assert lines[1].startswith("+ ")
    two = wrap_formula(RowFormula(" + ".join(terms[:6]), "", 6015), width=30, max_lines=3)
    assert len(two) == 2 and two[-1].endswith("= 6,015") and " + ".join(terms[:6]) == " ".join(two)[: -len(" = 6,015")]
    bracket = RowFormula("4·(32·(16 + 32) + 32) + 4·(32·(16 + 32) + 32)", "", 12_544)
    pieces = wrap_formula(bracket, width=24)
    assert pieces == ["4·(32·(16 + 32) + 32)", "+ 4·(32·(16 + 32) + 32) = 12,544"]


def _cells_one_by_one(text: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _terms_char_by_char(formula: str) -> list[str]:
    terms: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(formula):
        c = formula[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and formula.startswith(" + ", i):
            terms.append(formula[start:i])
            start, i = i + 3, i + 3
            continue
        i += 1
    terms.append(formula[start:])
    return terms


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="1, +()[]·×…层（\u0301\u200bé", max_size=60), st.integers(0, 50), st.integers(1, 4))
def test_widths_and_wrapping_match_the_plain_definitions(text: str, width: int, max_lines: int) -> None:
    """The renderer's width (per-character table) and term split (str.split) against the definitions."""
    assert _width(text) == _cells_one_by_one(text)
    assert _top_level_terms(text) == _terms_char_by_char(text)
    wrapped = _wrap_cells(text, " = 1,234", width, max_lines)
    for line, cells in wrapped:
        assert cells == _cells_one_by_one(line)
    lines: list[str] = []
    current = ""
    terms = _terms_char_by_char(text)
    for i, term in enumerate(terms):  # the wrapping rule, measuring every line again
        piece = term if i == 0 else f"+ {term}"
        extra = _cells_one_by_one(" = 1,234") if i == len(terms) - 1 else 0
        if current and _cells_one_by_one(current) + 1 + _cells_one_by_one(piece) + extra > width:
            lines.append(current)
            current = piece
        else:
            current = f"{current} {piece}" if current else piece
    lines.append(current + " = 1,234")
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], "+ … = 1,234"]
    assert [line for line, _ in wrapped] == lines


_JSON_LEAVES = (
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=True) | st.text(max_size=8)
)
_JSON = st.recursive(
    _JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4)
    | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=5) | st.integers(-9, 9) | st.booleans() | st.none(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_JSON, st.integers(0, 4))
def test_the_indented_json_writer_writes_what_json_dumps_does(document: Any, indent: int) -> None:
    assert _indented(document, "", " " * indent) == json.dumps(document, ensure_ascii=False, indent=indent)


def test_display_width_counts_cjk_twice() -> None:
    assert _width("层（类型）") == 10 and _width("abc") == 3 and _width("86,400 × 4") == 10


def test_zh_table_columns_line_up() -> None:
    report = explain(SEED_SUMMARY.read_text(encoding="utf-8"))
    for lang in LOCALES:
        rows = _table_rows(render_report(report, lang))
        assert [r[0].split(" ")[0] for r in rows] == [layer.name for layer in report.layers]
        assert [r[2] for r in rows] == [f"{layer.params:,}" for layer in report.layers]
        assert rows[-2][3] == "86,400 × 4 + 4 = 345,604"


def test_nested_rows_are_indented() -> None:
    report = _explained(CORPUS / "k3_func_nested_sequential.summary.expand_nested.txt")
    text = render_report(report)
    nested = [layer for layer in report.layers if layer.depth == 1]
    assert nested
    for layer in nested:
        assert re.search(rf"^  {re.escape(layer.name or layer.type)} \(", text, re.MULTILINE), layer.name
    container = next(i for i, layer in enumerate(report.layers) if layer.is_container)
    formula = row_formulas(report)[container]
    assert formula is not None and arith(formula.plain) == report.layers[container].params


def test_a_mismatch_is_shown_and_is_not_an_error() -> None:
    text = SEED_SUMMARY.read_text(encoding="utf-8").replace("345604", "345605").replace("420,388", "420,389")
    report = explain(text)
    dense = next(layer for layer in report.layers if layer.name == "dense_2")
    assert dense.status is Status.MISMATCH and dense.params == 345_604 and dense.reported_params == 345_605
    en = render_report(report)
    assert "MISMATCH: says 345,605" in en and "error: " in en and "Every reported number" not in en
    assert "不符：显示 345,605" in render_report(report, "zh")
    doc = report_document(report)
    check_schema(doc)
    assert any(f["severity"] == "error" and f["layer"] == "dense_2" for f in doc["findings"])


# --------------------------------------------------------------------------------------------
# /explain in the command router.


def test_text_argument_passes_the_paste_through_raw() -> None:
    summary = SEED_SUMMARY.read_text(encoding="utf-8")
    name, items = tokenize(f"/explain format=keras2 fw: keras input_shape=(256, 256, 3)\n{summary}")
    assert name == "explain"
    assert items == [("format", "keras2"), ("fw", "keras"), ("input_shape", "(256, 256, 3)"), ("text", summary.strip())]
    name, items = tokenize(f"/explain {summary}")
    assert items == [("text", summary.strip())]
    # "Model: ..." and other words with a colon are the paste, not options
    assert tokenize('/explain Model: "sequential"\nLayer (type)')[1] == [("text", 'Model: "sequential"\nLayer (type)')]
    assert len(summary) > MAX_LINE  # longer than a one-line command may be
    with pytest.raises(InputError) as caught:
        tokenize("/explain " + "x" * MAX_TEXT)
    assert caught.value.message.key == "cmd.error.too_long"


def test_explain_command() -> None:
    summary = SEED_SUMMARY.read_text(encoding="utf-8")
    result = run(f"/explain {summary}")
    assert result.command == "explain" and result.report is not None
    assert result.report.total_params == 420_388 and result.framework is Framework.KERAS
    assert "text" not in result.args
    assert report_document(result.report) == report_document(explain(summary))
    forced = run(f"/explain framework=torch\n{summary}")
    assert forced.report is not None and forced.report.framework is Framework.TORCH
    assert run(f"/EXPLAIN format:keras2 {summary}").report is not None
    via_options = invoke("explain", {"text": summary, "format": "keras2", "framework": None, "input_shape": None})
    assert via_options.report is not None and via_options.report.format is Format.KERAS2
    text = render_text(result)
    assert "86,400 × 4 + 4 = 345,604" in text
    doc = result_document(result)
    check_schema(doc["report"])


def test_explain_command_errors() -> None:
    with pytest.raises(InputError) as caught:
        run("/explain")
    assert caught.value.message.key == "cmd.error.missing"
    with pytest.raises(InputError) as caught:
        run("/explain format=excel Layer (type)")
    assert caught.value.message.key == "cmd.error.value"
    with pytest.raises(InputError) as caught:
        run("/explain how do I count parameters?")
    assert caught.value.message.key == "error.no_model"  # passed on unwrapped, examples and all
    with pytest.raises(InputError) as caught:
        run(f"/explain format=torch_repr {SEED_SUMMARY.read_text(encoding='utf-8')}")
    assert caught.value.message.key == "error.wrong_format"


def test_explain_in_the_table() -> None:
    spec = find("explain")
    assert spec is not None and spec.text_arg is not None
    assert spec.usage.startswith("/explain [format=") and spec.usage.endswith(" text")
    assert [s.name for s in run("/help explain").help] == ["explain"]
    assert find("dense") is not None and find("dense").text_arg is None  # type: ignore[union-attr]
    assert run("/dense 86400 4").report is None


# --------------------------------------------------------------------------------------------
# Golden files: a handful per format.  `pytest --update-golden` rewrites them.

_GOLDEN_SOURCES = [
    SEED_SUMMARY,
    SEED_QUESTION,
    CORPUS / "tfk2_classic_b.summary.txt",
    CORPUS / "tfk2_func_nested_sequential.summary.expand_nested.txt",
    CORPUS / "k3_classic_b.summary.txt",
    CORPUS / "k3_classic_b.summary.w80.txt",
    CORPUS / "k3_func_nested_sequential.summary.expand_nested.txt",
    CORPUS / "pt_lenet5.torchinfo.txt",
    CORPUS / "pt_resnet18_basicblock.torchinfo_cols.txt",
    CORPUS / "pt_lenet5.torchsummary.txt",
    CORPUS / "pt_vgg16_style.torchsummary.txt",
    CORPUS / "pt_lenet5.repr.txt",
    CORPUS / "pt_lstm_classifier_bidir.repr.txt",
]


def _check_golden(path: Path, actual: str, update: bool) -> None:
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path.name} is missing: run pytest --update-golden"
    assert actual == path.read_text(encoding="utf-8"), f"{path.name} differs (pytest --update-golden rewrites it)"


@pytest.mark.parametrize("source", _GOLDEN_SOURCES, ids=lambda p: p.name)
def test_golden(source: Path, update_golden: bool) -> None:
    report = explain(source.read_text(encoding="utf-8"))
    stem = source.name.removesuffix(".txt")
    _check_golden(GOLDEN / f"{stem}.en.txt", render_report(report, "en") + "\n", update_golden)
    _check_golden(GOLDEN / f"{stem}.json", json.dumps(report_document(report), ensure_ascii=False, indent=1) + "\n",
                  update_golden)  # fmt: skip
    if source in (SEED_SUMMARY, CORPUS / "pt_lenet5.torchinfo.txt"):
        _check_golden(GOLDEN / f"{stem}.zh.txt", render_report(report, "zh") + "\n", update_golden)


# --------------------------------------------------------------------------------------------
# Keras code.


def test_code_with_a_name_for_a_size() -> None:
    code = (
        "model = Sequential()\n"
        "model.add(Dense(512, activation='relu', input_shape=(86400,)))\n"
        "model.add(Dense(nClasses, activation='softmax'))\n"
    )
    report = explain(f"Here is my code:\n```python\n{code}```")
    assert report.format is Format.KERAS_CODE
    doc = report_document(report)
    check_schema(doc)
    check_invariants(report, doc)
    first, last = doc["layers"]
    assert first["params"] == 44_237_312 and first["formula"] == "86400*512 + 512"
    assert last["params"] is None and last["formula"] is None  # never a made-up number
    assert "nClasses" in render_report(report)


def test_the_seed_questions_code_with_its_input_shape() -> None:
    report = explain(SEED_QUESTION.read_text(encoding="utf-8"), format="keras_code", input_shape="256x256x3")
    doc = report_document(report)
    check_schema(doc)
    big = [row for row in doc["layers"] if row["type"] == "Dense" and row["output_shape"] == [None, 172800]]
    assert big and big[0]["params"] == 14_930_092_800
    assert arith(big[0]["formula"]) == 14_930_092_800
    assert "86,400 × 172,800 + 172,800 = 14,930,092,800" in render_report(report)
