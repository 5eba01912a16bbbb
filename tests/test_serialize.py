"""calc.serialize: a result → JSON-safe data → the same result, for every corpus paste and every kind
of command; anything else is refused with SerializeError, never read as something it is not."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.commands import CommandResult, invoke, run
from calc.findings import Finding, Severity
from calc.i18n import Message
from calc.model import Format
from calc.report import Report
from calc.serialize import SCHEMA, SerializeError, dump_result, load_result
from calc.types import Framework
from calc.version import VERSION
from tests.corpus import CORPUS, FIXTURES

CORPUS_TEXTS = sorted(CORPUS.glob("*.txt"))
SEED_QUESTION = (FIXTURES / "seed_question.txt").read_text(encoding="utf-8")
SEED_SUMMARY = (FIXTURES / "seed_summary.txt").read_text(encoding="utf-8")

COMMAND_LINES = [
    "/dense 86400 4",
    "/dense 86400 172800",  # over the int32 limit: findings and max_units
    "/dense 512 10 bias=false framework=torch batch=32",
    "/conv 256x256x3 32 3",
    "/conv 3x224x224 64 7 2 3 framework=torch",
    "/conv 64x64x64x1 8 3",
    "/pool 254x254x32 max 2",
    "/pool 7x7x2048 global_avg",
    "/rnn lstm 32 16 framework=torch bidirectional=true num_layers=2",
    "/rnn gru 64 16 100",
    "/embedding 400000 100 50",
    "/attention 8 64 512 128",
    "/attention 8 64 512 framework=torch",
    "/help",
    "/help conv",
    "/suggest 86400 4",
    "/suggest 86400 4 hidden_layers=2 budget=1000000 samples=5000 dtype=float16 gpu_memory=8",
    "/whatif change=(flatten -> gap) 256x256x3 conv32k3 pool2 flatten dense512 dense4",
    f"/whatif dense_1 units=128\n{SEED_SUMMARY}",
    f"/explain\n{SEED_QUESTION}",  # a summary, planned Dense(172800) and the rng_mrg error: advice and diagnoses
    "/explain ValueError: rng_mrg cpu-implementation does not support more than (2**31 -1) samples",
    "/explain 256x256x3 conv32k3 conv32k3 pool2 flatten dense512 dense4",
    "/explain torch 3x32x32 conv6k5 pool2 conv16k5 pool2 flatten fc120 fc84 fc10",
]


def roundtrip(result: CommandResult) -> CommandResult:
    """Through JSON text, as a database column holds it (no NaN, nothing but JSON)."""
    return load_result(json.loads(json.dumps(dump_result(result), allow_nan=False)))


@cache
def explained(path: Path) -> CommandResult:
    return invoke("explain", {"text": path.read_text(encoding="utf-8")})


@pytest.mark.parametrize("path", CORPUS_TEXTS, ids=lambda p: p.name)
def test_every_corpus_paste_comes_back_equal(path: Path) -> None:
    result = explained(path)
    back = roundtrip(result)
    assert back == result
    assert back.report is not None and result.report is not None
    # The formulas are the catalog's own objects again, not look-alikes.
    for before, after in zip(result.report.layers, back.report.layers, strict=True):
        if before.formula is not None and after.formula is not None:
            assert [t.formula for t in after.formula.terms] == [t.formula for t in before.formula.terms]
            assert all(a.formula is b.formula for a, b in zip(after.formula.terms, before.formula.terms, strict=True))


@pytest.mark.parametrize("line", COMMAND_LINES, ids=lambda s: s.split("\n")[0][:60])
def test_every_kind_of_command_comes_back_equal(line: str) -> None:
    result = run(line)
    assert roundtrip(result) == result
    assert type(roundtrip(result)) is type(result)  # AdviceResult stays AdviceResult


def test_the_document_is_compact_and_says_what_it_is() -> None:
    big = explained(CORPUS / "k3_app_densenet121.summary.txt")
    document = dump_result(big)
    assert document["schema"] == SCHEMA and document["calc_version"] == VERSION
    text = json.dumps(document)
    assert len(text) < 600_000  # 429 rows; identical rows share their LayerCalc
    assert document["shared"], "identical layers are written once"
    back = roundtrip(big)
    assert back.report is not None
    calcs = [row.calc for row in back.report.layers if row.calc is not None]
    assert len({id(c) for c in calcs}) < len(calcs)  # shared again after reading


def test_tuples_and_lists_keep_apart_and_odd_values_survive() -> None:
    odd = "a\x00b\ud800c"  # NUL and a lone surrogate: no database JSON column takes them as they are
    config: dict[str, Any] = {
        "shape": (None, 3), "tree": [(None, 4), [(None, 2), (None, 2)]], "rate": 0.25, "inf": float("inf"),
        "share": Fraction(1, 3), "tags": frozenset({"a", "b"}), "name": odd, odd: 1, "$x": 2, 3: "int key",
        "flag": True, "zero": 0, "nothing": None, "big": 2**80, "huge": 1e300, "minus_zero": -0.0, "nan": "nan",
    }
    message = Message("error.unknown_layer", {"name": odd, "framework": "keras"})
    result = CommandResult(
        command="explain", args=config, findings=(Finding(Severity.WARNING, "x", message, layer=odd),),
    )
    document = dump_result(result)
    text = json.dumps(document, allow_nan=False)
    assert "\x00" not in json.loads(text)["result"]["findings"][0]["layer"]  # written as escaped JSON text
    back = roundtrip(result)
    assert back == result
    assert back.args["shape"] == (None, 3) and isinstance(back.args["tree"], list)
    assert isinstance(back.args["tree"][0], tuple) and isinstance(back.args["tree"][1], list)
    assert back.args["flag"] is True and back.args["zero"] == 0 and type(back.args["zero"]) is int
    assert type(back.args["huge"]) is float and str(back.args["minus_zero"]) == "-0.0"
    written = dump_result(CommandResult(command="x", args={"huge": 1e300, "rate": 0.25}))["result"]["args"]
    assert written == {"huge": {"$float": "1e+300"}, "rate": 0.25}  # JSONB would give 1e+300 back as an int
    assert back.findings[0].message.render("zh") == message.render("zh")


def test_a_field_holding_its_default_is_left_out_but_comes_back() -> None:
    result = CommandResult(command="dense", args={})
    written = dump_result(result)["result"]
    assert written == {"$": "CommandResult", "command": "dense", "args": {}}
    assert roundtrip(result) == result
    assert dump_result(replace(result, max_units=0))["result"]["max_units"] == 0  # 0 is not None


def test_a_value_it_does_not_know_is_refused() -> None:
    with pytest.raises(SerializeError, match="object"):
        dump_result(CommandResult(command="x", args={"thing": object()}))


def _document(**changes: Any) -> dict[str, Any]:
    document = dump_result(run("/dense 86400 4"))
    document.update(changes)
    return document


@pytest.mark.parametrize(
    "document",
    [
        _document(schema="layerbot.result/0"),
        _document(calc_version="0.0.1+000000000000"),  # other calculations may answer differently
        _document(result={"$": "Popen", "args": ["rm"]}),  # only the registered classes are built
        _document(result={"$": "CommandResult", "command": "x", "args": {}, "shell": True}),
        _document(result={"$": "Report", "format": {"$enum": ["Format", "nonsense"]}}),
        _document(result={"$enum": ["Framework", "keras"]}),  # not a result at all
        _document(result={"$ref": 99}),
        _document(shared=[{"$": "Message", "key": {"$ref": 0}}], result={"$ref": 0}),  # refers to itself
        _document(formulas=[["s"]]),
        _document(formulas=[["call", ["s", "__import__"]]]),
        _document(result={"$": "CommandResult", "command": "x", "args": {"t": {"$term": [0, [1]]}}}),
        _document(result={"$": "CommandResult", "command": "x", "args": {"d": {"$decimal": "many"}}}),
        _document(result={"$": "CommandResult", "command": "x", "args": {"c": {"$command": "rm"}}}),
        {"result": {}},
    ],
    ids=lambda d: json.dumps(d.get("result"))[:50] if d.get("schema") == SCHEMA else "schema",
)
def test_a_document_it_cannot_read_raises_serialize_error(document: dict[str, Any]) -> None:
    with pytest.raises(SerializeError):
        load_result(document)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["$", "$ref", "$term", "$enum", "$list", "$map", "$str", "$float", "$command", "key", "args",
                         "command", "Message", "CommandResult", "x"]) | st.text(max_size=4),
        inner, max_size=4,
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(body=_json, shared=st.lists(_json, max_size=3), formulas=st.lists(_json, max_size=2))
def test_any_json_either_reads_as_a_result_or_raises_serialize_error(body: Any, shared: Any, formulas: Any) -> None:
    document = {"schema": SCHEMA, "calc_version": VERSION, "formulas": formulas, "shared": shared, "result": body}
    try:
        result = load_result(document)
    except SerializeError:
        return
    assert isinstance(result, CommandResult)


def test_a_report_without_layers_comes_back() -> None:
    report = Report(format=Format.ERROR_ONLY, framework=Framework.TORCH, layers=(), total_params=None,
                    trainable_params=None, non_trainable_params=None)
    result = CommandResult(command="explain", args={}, framework=Framework.TORCH, report=report)
    assert roundtrip(result) == result
