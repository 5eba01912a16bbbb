"""torchsummary tables: every corpus file against the JSON truth, plus pasted, cut and damaged copies."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calc.errors import InputError, LayerbotError
from calc.model import Format, ModelSpec
from calc.parse import torch_repr, torchinfo, torchsummary
from calc.parse.text import clean
from calc.types import Framework
from tests.corpus import CORPUS, load
from tests.parse.damage import damaged
from tests.parse.torch_truth import CONTAINERS, files, in_chat, model_id, modules, own_weight_bias, row_key, totals_key

ALL = files("torchsummary")


def _parse(path: Path) -> ModelSpec:
    return torchsummary.parse(clean(path.read_text()))


def test_corpus_is_there() -> None:
    # torchsummary failed on some models (embedding input, tuple outputs): those have no file.
    failed = [p for p in CORPUS.glob("pt_*.json") if load(p.stem)["torchsummary_error"]]
    assert len(ALL) >= 25 and len(ALL) + len(failed) == len(list(CORPUS.glob("pt_*.json")))


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_detect_only_torchsummary(path: Path) -> None:
    text = clean(path.read_text())
    assert torchsummary.detect(text)
    assert not torchinfo.detect(text)
    assert not torch_repr.detect(text)


def test_detect_no_other_format() -> None:
    others = [p for p in CORPUS.glob("*.txt") if ".torchsummary." not in p.name]
    for p in others:
        assert not torchsummary.detect(clean(p.read_text())), p.name


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_rows_match_the_modules(path: Path) -> None:
    spec = _parse(path)
    truth = load(model_id(path))
    hooked = [m for m in modules(path) if m["name"] and m["class"] not in {"Sequential", "ModuleList"}]
    assert spec.format is Format.TORCHSUMMARY and spec.framework is Framework.TORCH
    assert spec.findings == ()
    # One row per call of every hooked module.
    assert Counter(r.type for r in spec.layers) == _calls_by_class(hooked)
    for row in spec.layers:
        assert row.depth == 0 and row.name is None and not row.is_container
        # The batch prints as -1 (torchsummary runs a batch of 2): read as None.
        assert row.output_shape is not None and row.output_shape[0] is None
        fits = [m for m in hooked if m["class"] == row.type and _batchless(m) == row.output_shape
                and own_weight_bias(m) == row.params]
        assert fits, row
    # torchsummary adds its rows' counts; the corpus models keep every parameter in .weight / .bias.
    assert spec.total_params == sum(r.params or 0 for r in spec.layers) == truth["total_params"]
    assert spec.trainable_params == truth["trainable_params"]
    assert spec.non_trainable_params == truth["non_trainable_params"]


def _calls_by_class(mods: list[dict[str, Any]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for m in mods:
        out[m["class"]] += m["num_calls"]
    return +out


def _batchless(m: dict[str, Any]) -> tuple[Any, ...]:
    return (None, *m["output_shape"][1:])


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_order_is_call_completion(path: Path) -> None:
    """Where torchinfo shows every module (nothing deeper than its depth 3), torchsummary's rows are
    torchinfo's rows in post-order (a block after its children), without the model and containers."""
    mods = modules(path)
    if max(m["depth"] for m in mods) > 3:
        pytest.skip("torchinfo hides modules deeper than 3")
    info = torchinfo.parse(clean(path.with_name(path.name.replace(".torchsummary.", ".torchinfo.")).read_text()))
    post: list[str] = []
    open_rows: list[tuple[int, str]] = []
    for row in info.layers:
        while open_rows and open_rows[-1][0] >= row.depth:
            post.append(open_rows.pop()[1])
        open_rows.append((row.depth, row.type))
    post += [t for _, t in reversed(open_rows)]
    post = [t for t in post[:-1] if t not in CONTAINERS]  # the model itself is last
    assert [r.type for r in _parse(path).layers] == post


def test_lenet_rows_exactly() -> None:
    spec = _parse(CORPUS / "pt_lenet5.torchsummary.txt")
    assert [(r.type, r.output_shape, r.params, r.line) for r in spec.layers[:2]] == [
        ("Conv2d", (None, 6, 28, 28), 156, 4), ("AvgPool2d", (None, 6, 14, 14), 0, 5)]
    assert (spec.total_params, spec.trainable_params, spec.non_trainable_params) == (61_706, 61_706, 0)


@pytest.mark.parametrize("path", [CORPUS / "pt_lenet5.torchsummary.txt", CORPUS / "pt_resnet18_basicblock.torchsummary.txt"],
                         ids=lambda p: p.name)
@pytest.mark.parametrize("style", ["en", "zh_quote", "crlf_quote", "zh_crlf_nofence"])
def test_embedded_in_a_chat_message(path: Path, style: str) -> None:
    plain = _parse(path)
    pasted = in_chat(path.read_text(), chinese=style.startswith("zh"), quote="quote" in style, crlf="crlf" in style,
                     fence="nofence" not in style)
    cleaned = clean(pasted)
    assert torchsummary.detect(cleaned)
    spec = torchsummary.parse(cleaned)
    assert [row_key(r) for r in spec.layers] == [row_key(r) for r in plain.layers]
    assert totals_key(spec) == totals_key(plain)
    assert spec.findings == ()


def test_left_aligned_paste() -> None:
    # Some chat clients drop leading spaces: the right-aligned type column loses its padding.
    path = CORPUS / "pt_vgg16_style.torchsummary.txt"
    text = "\n".join(line.lstrip() for line in path.read_text().split("\n"))
    spec = torchsummary.parse(clean(text))
    assert [row_key(r) for r in spec.layers] == [row_key(r) for r in _parse(path).layers]


def test_cut_in_the_middle() -> None:
    path = CORPUS / "pt_resnet18_basicblock.torchsummary.txt"
    full = _parse(path)
    lines = path.read_text().split("\n")
    spec = torchsummary.parse(clean("\n".join(lines[:40]) + "\nwhy is BasicBlock 0?"))
    assert [row_key(r) for r in spec.layers] == [row_key(r) for r in full.layers[:37]]
    assert spec.total_params is None
    assert [f.code for f in spec.findings] == ["parse.truncated"]


def test_cut_inside_a_row() -> None:
    lines = (CORPUS / "pt_lenet5.torchsummary.txt").read_text().split("\n")
    spec = torchsummary.parse(clean("\n".join(lines[:6]) + "\n" + lines[6][:30]))
    assert [r.type for r in spec.layers] == ["Conv2d", "AvgPool2d", "Conv2d"]
    assert [f.code for f in spec.findings] == ["parse.truncated"]


def test_damaged_row_is_reported() -> None:
    lines = (CORPUS / "pt_lenet5.torchsummary.txt").read_text().split("\n")
    lines[4] = lines[4].replace("0", "o")  # "AvgPool2d-2  [-1, 6, 14, 14]  o": no count
    lines[5] = lines[5].replace("[-1, 16, 10, 10]", "[-1, 16, 10, 10")
    spec = torchsummary.parse(clean("\n".join(lines)))
    assert [r.type for r in spec.layers] == ["Conv2d", "Conv2d", "AvgPool2d", "Linear", "Linear", "Linear"]
    assert (spec.layers[1].output_shape, spec.layers[1].output_shape_text) == (None, "[-1, 16, 10, 10")
    assert [(f.code, f.message.args["line"]) for f in spec.findings] == [("parse.skipped_row", 5), ("parse.bad_cell", 6)]


def test_alias_and_tensor_totals() -> None:
    # Some torchsummary versions add up 0-d tensors and print "tensor(20)"; NonDynamicallyQuantizableLinear
    # is torch's alias of Linear inside MultiheadAttention.
    text = """\
----------------------------------------------------------------
        Layer (type)               Output Shape         Param #
================================================================
NonDynamicallyQuantizableLinear-1                   [-1, 4]              20
================================================================
Total params: tensor(20)
Trainable params: tensor(20)
Non-trainable params: tensor(0)
----------------------------------------------------------------
"""
    spec = torchsummary.parse(clean(text))
    assert spec.layers[0].resolved_type == "Linear" and spec.layers[0].params == 20
    assert (spec.total_params, spec.trainable_params, spec.non_trainable_params) == (20, 20, 0)


@pytest.mark.parametrize(
    "text",
    ["", "hello", "我的模型有多少参数？", "        Layer (type)               Output Shape         Param #\n",
     (CORPUS / "pt_lenet5.torchinfo.txt").read_text(), (CORPUS / "pt_lenet5.repr.txt").read_text()],
)
def test_not_torchsummary_raises_input_error(text: str) -> None:
    assert not torchsummary.detect(clean(text))
    with pytest.raises(InputError) as err:
        torchsummary.parse(clean(text))
    assert err.value.message.render("en") and err.value.message.render("zh")


def test_keras2_summary_is_not_read_as_torchsummary() -> None:
    for p in sorted(CORPUS.glob("tfk2_*.summary.txt"))[:20]:
        with pytest.raises(InputError):
            torchsummary.parse(clean(p.read_text()))


_SOURCES = [CORPUS / "pt_resnet18_basicblock.torchsummary.txt", CORPUS / "pt_lenet5.torchsummary.txt"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged(_SOURCES))
def test_random_damage_never_crashes(text: str) -> None:
    start = time.perf_counter()
    try:
        spec = torchsummary.parse(clean(text))
    except LayerbotError:
        return
    finally:
        assert time.perf_counter() - start < 1.0
    assert isinstance(spec, ModelSpec)
    for f in spec.findings:
        f.message.render("en")
        f.message.render("zh")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Layer (type)", "   Output Shape", " Param #", " ", "\n", "Conv2d-1", " [-1, 8]", "[", "-", "│ ", "x"]
        ),
        max_size=14,
    ).map("".join)
)
def test_detect_answers_as_the_multiline_regexes(text: str) -> None:
    """detect() tries only lines holding the literals, and says what the MULTILINE searches say."""
    plain = bool(torchsummary._HEADER_ANY.search(text) and torchsummary._ROW_ANY.search(text))
    assert torchsummary.detect(text) == plain
