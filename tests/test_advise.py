"""calc.advise: /suggest widths with their cost, classic nets built through the catalog, rules of thumb,
and the advice on a pasted model (the seed question's summary + Dense(172800) + the rng_mrg error)."""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.advice_json import advice_document, result_advice, suggestion_document
from bot.render.advice_text import render_advice
from calc.advise import (
    RULES,
    Label,
    advice_for_report,
    advise_paste,
    classic_heads,
    geometric_mean,
    head_layers,
    rules_for,
    suggest,
)
from calc.commands import run
from calc.cost import INT32_MAX
from calc.derive import derive_model
from calc.errors import InputError, LayerbotError
from calc.explain import explain
from calc.findings import Severity
from calc.i18n import LOCALES, Message, text_table
from calc.parse import keras2
from calc.report import Report
from tests.arith import arith

FIXTURES = Path(__file__).parent / "fixtures"
SEED_SUMMARY = (FIXTURES / "seed_summary.txt").read_text()
SEED_QUESTION = (FIXTURES / "seed_question.txt").read_text()
RNG_ERROR = "ValueError: rng_mrg cpu-implementation does not support more than (2**31 -1) samples"
SEED_COMBO = f"{SEED_SUMMARY}\nmodel.add(Dense(172800))\n\n{RNG_ERROR}\n"


def _seed_report() -> Report:
    return derive_model(keras2.parse(SEED_SUMMARY))


def _head(n: int, w: int, m: int, hidden: int = 1) -> int:
    """Head parameters by hand: hidden Dense(w) layers, then Dense(m)."""
    total, inputs = 0, n
    for units in [w] * hidden + [m]:
        total += inputs * units + units
        inputs = units
    return total


def _findings_text(report: Report | None, text: str, lang: str = "en") -> str:
    return "\n".join(f.message.render(lang) for f in advice_for_report(report, text))


# --------------------------------------------------------------------------------------------
# The seed: summary + 'model.add(Dense(172800))' + the rng_mrg error, pasted together.


SEED_FIGURES = (
    "86,400 × 172,800 + 172,800 = 14,930,092,800",  # the planned layer's count, from the catalog formula
    "55.6 GiB in float32",
    "2,147,483,647",  # the limit it exceeds
    "Theano",  # why it was refused
    "24,855",  # the widest Dense under the limit on 86,400 inputs
    "96 × 4 + 4 = 388",  # GlobalAveragePooling2D → Dense(4)
    "GlobalAveragePooling2D",
)


def _table_rows(text: str) -> dict[int, int]:
    """'128 → 11,059,844 · …' rows of the brief cost table: width → head parameters."""
    return {int(w.replace(",", "")): int(p.replace(",", "")) for w, p in re.findall(r"([\d,]+) → ([\d,]+) ·", text)}


def test_seed_combo_findings_for_explain() -> None:
    text = _findings_text(_seed_report(), SEED_COMBO)
    for figure in SEED_FIGURES:
        assert figure in text, figure
    rows = _table_rows(text)
    for w in (128, 256, 512, 1024):
        assert rows[w] == _head(86_400, w, 4), w
    assert "/suggest 86400 4" in text
    assert "refuses to draw more than 2**31 − 1" in text


def test_seed_combo_full_advice_rendered() -> None:
    advice = advise_paste(_seed_report(), SEED_COMBO)
    text = render_advice(advice)
    for figure in SEED_FIGURES:
        assert figure in text, figure
    assert [d.code for d in advice.diagnoses] == ["diag.rng_mrg"]
    assert advice.diagnoses[0].layer == "Dense(172800)"
    (planned,) = advice.planned
    assert (planned.units, planned.n_in, planned.layer.params) == (172_800, 86_400, 86_400 * 172_800 + 172_800)
    assert planned.after == "dropout_7" and planned.before == "dense_2"
    assert arith(planned.layer.formula.plain) == planned.layer.params  # type: ignore[union-attr]
    gap = next(w for w in advice.alternatives if w.label == "gap")
    assert (gap.before_total, gap.after_total) == (420_388, 74_784 + 388)
    assert advice.suggestion is not None and advice.suggestion.option(172_800) is not None  # the user's own width


def test_seed_combo_severity_and_order() -> None:
    findings = advice_for_report(_seed_report(), SEED_COMBO)
    codes = [f.code for f in findings]
    assert codes[:2] == ["diag.rng_mrg", "advice.planned"]
    assert findings[0].severity is Severity.ERROR and findings[1].severity is Severity.ERROR
    assert "advice.alternative.gap" in codes and "advice.table" in codes


def test_the_whole_seed_question_through_explain() -> None:
    """The question as posted (Chinese, two code blocks, the translated error, the summary)."""
    report = explain(SEED_QUESTION)
    text = _findings_text(report, SEED_QUESTION)
    for figure in SEED_FIGURES:
        assert figure in text, figure
    zh = _findings_text(report, SEED_QUESTION, "zh")
    assert "14,930,092,800" in zh and "24,855" in zh and "96 × 4 + 4 = 388" in zh


def test_nothing_to_say_about_a_small_model() -> None:
    report = explain("28x28x1 conv8k3 pool2 flatten dense10")
    assert advice_for_report(report, "") == ()
    assert advice_for_report(explain("32x32x1 conv6k5 pool2 conv16k5 pool2 flatten dense120 dense84 dense10")) == ()


def test_oversized_input_without_an_error() -> None:
    findings = advice_for_report(_seed_report(), "")
    codes = [f.code for f in findings]
    assert "advice.oversized" in codes and "advice.alternative.gap" in codes
    text = "\n".join(f.message.render() for f in findings)
    assert "82 %" in text and "30×30×96" in text


# --------------------------------------------------------------------------------------------
# Numbers come from the catalog: change the model, the numbers follow.


def _conv_out(side: int, k: int = 3) -> int:
    return side - k + 1


@settings(max_examples=15, deadline=None)
@given(side=st.integers(40, 300), filters=st.integers(1, 128), units=st.integers(5, 400_000))  # 4 is dense4 itself
def test_seed_like_model_numbers_follow_the_input(side: int, filters: int, units: int) -> None:
    s = (_conv_out(side) // 2 - 2) // 2
    s = (s - 2) // 2
    n = s * s * filters
    model = f"{side}x{side}x3 conv32k3 pool2 conv64k3 pool2 conv{filters}k3 pool2 flatten dense4"
    text = f"{model}\nmodel.add(Dense({units}))\n{RNG_ERROR}"
    report = explain(model)
    advice = advise_paste(report, text)
    (planned,) = advice.planned
    assert planned.n_in == n and planned.layer.params == n * units + units
    rendered = render_advice(advice)
    assert f"{n:,} × {units:,} + {units:,} = {n * units + units:,}" in rendered
    if n * units > INT32_MAX:
        assert f"{INT32_MAX // n:,} units" in rendered
    gap = next(w for w in advice.alternatives if w.label == "gap")
    assert f"{filters:,} × 4 + 4 = {filters * 4 + 4:,}" in render_advice(advice)
    assert gap.after_total - gap.before_total == (filters * 4 + 4) - (n * 4 + 4)


def test_another_input_gives_other_numbers() -> None:
    small = advise_paste(explain("128x128x3 conv32k3 pool2 conv64k3 pool2 conv96k3 pool2 flatten dense4"),
                         "model.add(Dense(172800))\n" + RNG_ERROR)
    text = render_advice(small)
    n = 14 * 14 * 96  # 128 → 126 → 63 → 61 → 30 → 28 → 14
    assert f"{n:,} × 172,800 + 172,800 = {n * 172_800 + 172_800:,}" in text
    assert "14,930,092,800" not in text and f"{INT32_MAX // n:,}" in text


# --------------------------------------------------------------------------------------------
# /suggest


def test_suggest_vgg16_own_width() -> None:
    s = suggest(25_088, 1_000)
    o = s.option(4096)
    assert o is not None
    assert o.first.params == 102_764_544 == 25_088 * 4096 + 4096
    assert o.params == _head(25_088, 4096, 1000)
    assert "VGG16" in o.rationale.render()
    text = render_advice(run("/suggest 25088 1000"))
    assert "102,764,544" in text and "VGG16's own width" in text
    assert "138,357,544" in text and "74 %" in text


def test_suggest_86400_4() -> None:
    s = suggest(86_400, 4)
    assert s.recommended is not None and s.recommended[0] <= 512 <= s.recommended[1]
    assert s.geometric_rounded == 588 and math.isclose(s.geometric, math.sqrt(86_400 * 4))
    assert {128, 256, 512, 1024, 588} <= {o.units for o in s.options}
    for o in s.options:
        assert o.params == _head(86_400, o.units, 4)
        assert o.weight_bytes == 4 * o.params and o.training.total == 16 * o.params
        for layer in o.layers:
            assert arith(layer.formula.plain) == layer.params  # type: ignore[union-attr]
    text = render_advice(run("/suggest 86400 4"))
    assert "√(86,400·4) ≈ 588" in text
    assert re.search(r"\*\s*512\s+86,400 × 512 \+ 512 = 44,237,312\s+44,239,364", text)
    assert "recommended: Start with 256–1,024 units (e.g. 512)" in text
    assert "24,855" in text  # widest under 2**31 − 1


def test_suggest_labels_every_rule() -> None:
    s = suggest(86_400, 4, samples=50_000_000)
    assert {rv.rule.label for rv in s.rules} == {Label.FOLKLORE, Label.EVIDENCE}
    by_key = {rv.rule.key: rv for rv in s.rules}
    assert by_key["geometric"].rule.label is Label.FOLKLORE and by_key["geometric"].low == 588
    assert by_key["gap"].rule.label is Label.EVIDENCE
    assert by_key["multiple8"].rule.label is Label.EVIDENCE
    assert by_key["two_thirds"].low == 2 * 86_400 // 3 + 4 == 57_604
    assert (by_key["data"].low, by_key["data"].high) == (50_000_000 // (10 * 86_404), 50_000_000 // (2 * 86_404))
    text = render_advice(s)
    assert text.count("[folklore]") + text.count("[evidence]") == len(RULES)
    assert all(r.source for r in RULES)


def test_suggest_hard_limits() -> None:
    s = suggest(1_000_000, 10)
    assert s.max_int32 == INT32_MAX // 1_000_000 == 2_147
    over = [o for o in s.options if "int32" in o.over]
    assert over and all(o.units > 2_147 for o in over)
    assert all("int32" not in o.over for o in s.options if o.units <= 2_147)
    codes = {f.code for f in s.findings}
    assert "advice.int32" in codes and "advice.proto" in codes
    assert s.recommended is not None and s.recommended[1] <= 2_147  # never past a hard limit
    assert "capped" in s.recommendation.key or s.recommendation.key == "advice.recommend"


def test_suggest_gpu_budget_and_samples() -> None:
    gib = 1 << 30
    s = suggest(86_400, 4, gpu_memory=gib, budget=1_000_000, samples=2_000)
    assert s.max_budget == (1_000_000 - 4) // (86_400 + 1 + 4)
    assert _head(86_400, s.max_budget, 4) <= 1_000_000 < _head(86_400, s.max_budget + 1, 4)
    assert s.max_gpu is not None
    assert 16 * _head(86_400, s.max_gpu, 4) <= gib < 16 * _head(86_400, s.max_gpu + 1, 4)
    codes = {f.code for f in s.findings}
    assert {"advice.gpu", "advice.budget", "advice.samples"} <= codes
    assert s.recommended is None or s.recommended[1] <= s.max_budget
    r = run("/suggest 86400 4 1 budget=1e6 samples=2000 dtype=fp16 gpu_memory=1")
    assert r.suggestion.dtype == "float16" and r.suggestion.gpu_memory == gib  # type: ignore[attr-defined]
    assert r.findings


def test_suggest_dtype_changes_bytes() -> None:
    a, b = suggest(1000, 10, dtype="float32"), suggest(1000, 10, dtype="int8")
    for oa, ob in zip(a.options, b.options, strict=True):
        assert oa.params == ob.params and oa.weight_bytes == 4 * ob.weight_bytes


def test_suggest_hidden_layers() -> None:
    s = suggest(9216, 1000, hidden_layers=2)
    o = s.option(4096)
    assert o is not None and [layer.params for layer in o.layers] == [37_752_832, 16_781_312, 4_097_000]


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("/suggest 0 4", "cmd.error.value"),
        ("/suggest 86400", "cmd.error.missing"),
        ("/suggest 86400 4 5", "cmd.error.value"),
        ("/suggest 86400 4 dtype=float7", "cmd.error.value"),
        ("/suggest 86400 4 gpu_memory=24GB", "cmd.error.value"),
    ],
)
def test_suggest_bad_input(line: str, key: str) -> None:
    with pytest.raises(InputError) as err:
        run(line)
    assert err.value.message.key == key


def test_suggest_function_errors() -> None:
    with pytest.raises(InputError):
        suggest(0, 4)
    with pytest.raises(InputError):
        suggest(10, 4, hidden_layers=0)
    with pytest.raises(LayerbotError):
        suggest(10, 4, dtype="float7")


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 2_000_000), m=st.integers(1, 20_000))
def test_suggest_properties(n: int, m: int) -> None:
    s = suggest(n, m)
    _, geo = geometric_mean(n, m)
    assert geo == math.floor(math.sqrt(n * m) + 0.5) or abs(geo - math.sqrt(n * m)) <= 0.5
    assert s.geometric_rounded == geo and s.option(geo) is not None
    assert s.max_int32 == INT32_MAX // n
    widths = [o.units for o in s.options]
    assert widths == sorted(set(widths))
    for o in s.options:
        assert o.params == _head(n, o.units, m)
        assert ("int32" in o.over) == (o.units * n > INT32_MAX)
    if s.recommended is not None:
        lo, hi = s.recommended
        assert lo <= hi <= s.max_int32


# --------------------------------------------------------------------------------------------
# Classic nets: every figure from their layer lists.


def test_classic_heads_from_their_layers() -> None:
    nets = {c.name: c for c in classic_heads()}
    expected = {  # totals as torchvision / keras.applications report them
        "LeNet-5": (61_706, (48_120, 10_164, 850), (16, 5, 5)),
        "AlexNet": (61_100_840, (37_752_832, 16_781_312, 4_097_000), (256, 6, 6)),
        "VGG16": (138_357_544, (102_764_544, 16_781_312, 4_097_000), (512, 7, 7)),
        "ResNet-50": (25_557_032, (2_049_000,), (2048,)),
    }
    for name, (total, head, factors) in expected.items():
        c = nets[name]
        assert c.total_params == total, name
        assert tuple(layer.params for layer in c.head) == head, name
        assert c.in_factors == factors and c.in_features == math.prod(factors)
        for layer in c.head:
            assert arith(layer.formula.plain) == layer.params  # type: ignore[union-attr]
            n = layer.inputs[0][-1]
            assert layer.params == n * layer.output[-1] + layer.output[-1]  # type: ignore[index,operator]
    vgg = nets["VGG16"]
    assert vgg.first_share == Fraction(102_764_544, 138_357_544) and round(float(vgg.first_share) * 100) == 74
    assert round(float(vgg.head_share) * 100) == 89
    assert round(float(nets["ResNet-50"].head_share) * 100) == 8


def test_head_layers_torch_and_keras_agree() -> None:
    from calc.types import Framework

    k = head_layers(400, 120, 10, 2)
    t = head_layers(400, 120, 10, 2, Framework.TORCH)
    assert [x.params for x in k] == [x.params for x in t] == [48_120, 14_520, 1_210]
    assert [x.kind for x in t] == ["Linear"] * 3


# --------------------------------------------------------------------------------------------
# Languages, JSON


def test_every_advice_message_speaks_both_languages() -> None:
    keys = [k for k in text_table() if k.startswith(("advice.", "whatif.", "diag.", "atext."))]
    assert len(keys) > 100
    for key in keys:
        assert set(LOCALES) <= set(text_table()[key]), key


def test_chinese_rendering() -> None:
    zh = render_advice(run("/suggest 25088 1000"), "zh")
    assert "102,764,544" in zh and "经验之谈" in zh and "有证据" in zh
    zh = render_advice(advise_paste(_seed_report(), SEED_COMBO), "zh")
    assert "14,930,092,800" in zh and "24,855" in zh


def test_json_documents() -> None:
    doc = result_advice(run("/suggest 25088 1000"))
    assert doc is not None and doc["schema"] == "layerbot.suggest/1"
    row = next(o for o in doc["options"] if o["units"] == 4096)
    assert row["first_layer"]["params"] == 102_764_544
    assert row["first_layer"]["formula"]["plain"] == "25088*4096 + 4096"
    vgg = next(c for c in doc["classics"] if c["name"] == "VGG16")
    assert vgg["total_params"] == 138_357_544
    json.dumps(doc)
    adv = advice_document(advise_paste(_seed_report(), SEED_COMBO))
    assert adv["planned"][0]["layer"]["params"] == 14_930_092_800
    assert adv["diagnoses"][0]["code"] == "diag.rng_mrg"
    json.dumps(adv)
    json.dumps(suggestion_document(suggest(7, 3, samples=10, budget=100, gpu_memory=1 << 20)))


def test_rules_for_small_numbers() -> None:
    values = {rv.rule.key: rv for rv in rules_for(1, 1)}
    assert values["geometric"].low == 1 and values["mean"].low == 1
    assert Message("advice.rule.data.no_samples").render() in render_advice(suggest(1, 1))
