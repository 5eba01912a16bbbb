"""torchinfo tables: every corpus file against the JSON truth, plus pasted, cut, wrapped and damaged copies."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from calc.errors import InputError, LayerbotError
from calc.model import Format, ModelSpec
from calc.parse import torch_repr, torchinfo, torchsummary
from calc.parse.text import clean
from calc.types import Framework
from tests.corpus import CORPUS, load
from tests.parse.damage import damaged
from tests.parse.torch_truth import (
    files,
    first_shape,
    in_chat,
    kernel_of,
    match_torchinfo,
    model_id,
    modules,
    mult_adds_unit,
    row_key,
    torchinfo_params,
    totals_key,
    wrap,
)

DEFAULT = files("torchinfo")
COLS = files("torchinfo_cols")
ALL = DEFAULT + COLS
LARGEST = max(ALL, key=lambda p: p.stat().st_size)


def _parse(path: Path) -> ModelSpec:
    return torchinfo.parse(clean(path.read_text()))


def test_corpus_is_there() -> None:
    assert len(DEFAULT) >= 30 and len(COLS) == len(DEFAULT)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_detect_only_torchinfo(path: Path) -> None:
    text = clean(path.read_text())
    assert torchinfo.detect(text)
    assert not torchsummary.detect(text)
    assert not torch_repr.detect(text)


def test_detect_no_other_format() -> None:
    others = [p for p in CORPUS.glob("*.txt") if ".torchinfo" not in p.name]
    assert others
    for p in others:
        assert not torchinfo.detect(clean(p.read_text())), p.name


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_rows_match_the_modules(path: Path) -> None:
    spec = _parse(path)
    mods = modules(path)
    truth = load(model_id(path))
    assert spec.format is Format.TORCHINFO and spec.framework is Framework.TORCH
    assert spec.findings == ()
    rows = spec.layers
    matched = match_torchinfo(spec, mods)
    with_cols = ".torchinfo_cols." in path.name
    for k, (row, m, repeat) in enumerate(matched):
        has_child_rows = k + 1 < len(rows) and rows[k + 1].depth > row.depth
        assert row.type == m["class"]
        assert row.depth == m["depth"], row
        assert row.name is None  # torchinfo shows classes only by default
        assert row.is_container == (has_child_rows or row.type in {"Sequential", "ModuleList", "ModuleDict"})
        assert row.output_shape in [first_shape(c) for c in (m.get("output_shapes_all_calls") or [m["output_shape"]])]
        params, recursive = torchinfo_params(m, mods, repeat=repeat, has_child_rows=has_child_rows, depth=row.depth)
        assert (row.params, row.recursive) == (params, recursive), (row, m["name"])
        assert row.trainable is None  # every corpus parameter is trainable: plain counts, no Trainable column
        if with_cols:
            assert row.input_shape == first_shape(m["input_shape"]), row
            assert row.kernel_size == kernel_of(m), row
            if row.mult_adds is not None:
                assert row.mult_adds >= 0
        else:
            assert row.input_shape is None and row.kernel_size is None and row.mult_adds is None
    # Every module that ran, down to torchinfo's default depth 3, is a row.
    seen = {m["name"] for _, m, _ in matched}
    assert seen == {m["name"] for m in mods if m["num_calls"] and m["depth"] <= 3}

    totals = truth["torchinfo_totals"]
    assert spec.total_params == totals["total_params"]
    assert spec.trainable_params == totals["trainable_params"]
    assert spec.non_trainable_params == totals["total_params"] - totals["trainable_params"]
    # Printed with two decimals in M or G: the parsed count is the printed one, within the rounding.
    unit = mult_adds_unit(path.read_text())
    assert spec.total_mult_adds is not None
    assert abs(spec.total_mult_adds - totals["total_mult_adds"]) <= unit // 200
    assert spec.input_shapes == ((tuple(truth["input_size"]),) if with_cols else ())


def test_lenet_rows_exactly() -> None:
    spec = _parse(CORPUS / "pt_lenet5.torchinfo_cols.txt")
    conv = spec.layers[1]
    assert (conv.type, conv.depth, conv.input_shape, conv.output_shape) == ("Conv2d", 1, (1, 1, 32, 32), (1, 6, 28, 28))
    assert (conv.params, conv.kernel_size, conv.mult_adds, conv.line) == (156, (5, 5), 122_304, 5)
    pool = spec.layers[2]
    assert (pool.params, pool.kernel_size, pool.mult_adds) == (0, (2,), None)
    root = spec.layers[0]
    assert (root.type, root.depth, root.params, root.is_container) == ("LeNet5", 0, None, True)
    assert spec.total_mult_adds == 420_000  # "Total mult-adds (Units.MEGABYTES): 0.42"


def test_resnet_depth_limit_row_keeps_its_recursive_count() -> None:
    # "│    │    └─Sequential: 3-18   [1, 128, 28, 28]   8,448": the downsample block shown at max depth.
    spec = _parse(CORPUS / "pt_resnet18_basicblock.torchinfo.txt")
    seq = [r for r in spec.layers if r.type == "Sequential" and r.depth == 3]
    assert [r.params for r in seq] == [8_448, 33_280, 132_096]
    assert all(r.is_container for r in seq)


# --- pasted into a chat ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", [CORPUS / "pt_lenet5.torchinfo.txt", CORPUS / "pt_resnet18_basicblock.torchinfo_cols.txt",
                                  CORPUS / "pt_lstm_classifier_bidir.torchinfo_cols.txt"], ids=lambda p: p.name)
@pytest.mark.parametrize("style", ["en", "zh_quote", "crlf_quote", "zh_crlf_nofence"])
def test_embedded_in_a_chat_message(path: Path, style: str) -> None:
    text = path.read_text()
    plain = _parse(path)
    pasted = in_chat(text, chinese=style.startswith("zh"), quote="quote" in style, crlf="crlf" in style,
                     fence="nofence" not in style)
    cleaned = clean(pasted)
    assert torchinfo.detect(cleaned)
    spec = torchinfo.parse(cleaned)
    assert [row_key(r) for r in spec.layers] == [row_key(r) for r in plain.layers]
    assert totals_key(spec) == totals_key(plain)
    assert spec.findings == ()


def test_indented_paste() -> None:
    text = "\n".join("    " + line for line in (CORPUS / "pt_lenet5.torchinfo_cols.txt").read_text().split("\n"))
    spec = torchinfo.parse(clean(text))
    assert [row_key(r) for r in spec.layers] == [row_key(r) for r in _parse(CORPUS / "pt_lenet5.torchinfo_cols.txt").layers]


# --- cut short -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [CORPUS / "pt_resnet18_basicblock.torchinfo.txt", CORPUS / "pt_vgg16_style.torchinfo_cols.txt"],
                         ids=lambda p: p.name)
def test_cut_in_the_middle(path: Path) -> None:
    full = _parse(path)
    lines = path.read_text().split("\n")
    keep = 4 + len(full.layers) // 2  # rule, header, rule, then half the rows
    spec = torchinfo.parse(clean("\n".join(lines[:keep]) + "\n\nis this right?"))
    n = keep - 3
    assert len(spec.layers) == n
    for got, want in zip(spec.layers[:-1], full.layers[: n - 1], strict=True):
        assert row_key(got) == row_key(want)
    last = spec.layers[-1]
    assert (last.type, last.depth, last.output_shape) == (full.layers[n - 1].type, full.layers[n - 1].depth,
                                                          full.layers[n - 1].output_shape)
    assert spec.total_params is None
    assert [f.code for f in spec.findings] == ["parse.truncated"]


def test_cut_inside_a_row() -> None:
    path = CORPUS / "pt_lenet5.torchinfo_cols.txt"
    lines = path.read_text().split("\n")
    text = "\n".join(lines[:6]) + "\n" + lines[6][:75]  # "├─Conv2d: 1-3   [1, 6, 14, 14]   [1, 16, 1"
    spec = torchinfo.parse(clean(text))
    assert [r.type for r in spec.layers] == ["LeNet5", "Conv2d", "AvgPool2d", "Conv2d"]
    assert spec.layers[3].input_shape == (1, 6, 14, 14)
    assert spec.layers[3].output_shape is None and spec.layers[3].params is None
    assert "parse.truncated" in [f.code for f in spec.findings]


def test_damaged_row_is_reported_not_dropped_silently() -> None:
    path = CORPUS / "pt_lenet5.torchinfo.txt"
    lines = path.read_text().split("\n")
    lines.insert(6, "%%% garbled line %%%")
    spec = torchinfo.parse(clean("\n".join(lines)))
    assert len(spec.layers) == 8
    skipped = [f for f in spec.findings if f.code == "parse.skipped_row"]
    assert len(skipped) == 1 and skipped[0].message.args["line"] == 7
    assert "garbled" in skipped[0].message.render("en") and skipped[0].message.render("zh")


# --- wrapped by a narrow window --------------------------------------------------------------------

@pytest.mark.parametrize("width", [40, 60, 79, 80, 100, 120])
@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_wrapped_lines(path: Path, width: int) -> None:
    plain = _parse(path)
    spec = torchinfo.parse(clean(wrap(path.read_text(), width)))
    assert [row_key(r) for r in spec.layers] == [row_key(r) for r in plain.layers]
    assert totals_key(spec) == totals_key(plain)
    assert spec.findings == ()


# --- what torchinfo prints that the corpus does not show -------------------------------------------
# Tables below are written by hand, following torchinfo's formatting code (formatting.py, layer_info.py):
# ``(N)`` for frozen counts, ``(recursive)`` for reused modules, var names, the Trainable column,
# ascii_only prefixes and verbose per-parameter lines.

SHARED = """\
==========================================================================================
Layer (type (var_name):depth-idx)        Output Shape              Param #                   Trainable
==========================================================================================
Net (Net)                                [1, 10]                   --                        Partial
├─Sequential (features): 1-1             [1, 8, 8, 8]              --                        Partial
│    └─Conv2d (0): 2-1                   [1, 8, 8, 8]              (224)                     False
│    └─ReLU (1): 2-2                     [1, 8, 8, 8]              --                        --
├─Linear (fc): 1-2                       [1, 10]                   5,130                     True
├─Linear (fc): 1-3                       [1, 10]                   (recursive)               True
==========================================================================================
Total params: 5,354
Trainable params: 5,130
Non-trainable params: 224
Total mult-adds (M): 0.02
==========================================================================================
"""


def test_var_names_frozen_recursive_and_trainable_column() -> None:
    spec = torchinfo.parse(clean(SHARED))
    names = [r.name for r in spec.layers]
    assert names == [None, "features", "features.0", "features.1", "fc", "fc"]
    conv = spec.layers[2]
    assert (conv.params, conv.trainable) == (224, False)
    assert spec.layers[4].trainable is True and spec.layers[1].trainable is None  # "Partial"
    rec = spec.layers[5]
    assert (rec.params, rec.recursive) == (None, True)
    assert (spec.total_params, spec.trainable_params, spec.non_trainable_params) == (5_354, 5_130, 224)
    assert spec.total_mult_adds == 20_000


ASCII_VERBOSE = """\
==========================================================================================
Layer (type:depth-idx)                   Output Shape              Param #
==========================================================================================
Net                                      [1, 10]                   --
+ Sequential: 1-1                        [1, 8, 8, 8]              --
|    + Conv2d: 2-1                       [1, 8, 8, 8]              224
|    |    + weight                                                 ├─216
|    |    + bias                                                   └─8
+ Linear: 1-2                            [1, 10]                   5,130
==========================================================================================
Total params: 5,354
Trainable params: 5,354
Non-trainable params: 0
Total mult-adds (Units.GIGABYTES): 1.20
==========================================================================================
"""


def test_ascii_prefixes_and_verbose_parameter_lines() -> None:
    spec = torchinfo.parse(clean(ASCII_VERBOSE))
    assert [(r.type, r.depth, r.params) for r in spec.layers] == [
        ("Net", 0, None), ("Sequential", 1, None), ("Conv2d", 2, 224), ("Linear", 1, 5_130)]
    assert [f.code for f in spec.findings] == ["parse.verbose_rows"]
    assert spec.total_mult_adds == 1_200_000_000


def test_no_param_column_is_a_finding() -> None:
    text = """\
==========================================================================================
Layer (type:depth-idx)                   Output Shape              Kernel Shape
==========================================================================================
Net                                      [1, 10]                   --
├─Conv2d: 1-1                            [1, 8, 8, 8]              [3, 3]
==========================================================================================
"""
    spec = torchinfo.parse(clean(text))
    assert [f.code for f in spec.findings] == ["parse.no_param_column", "parse.truncated"]
    assert spec.layers[1].kernel_size == (3, 3) and spec.layers[1].params is None


def test_alias_resolves_to_catalog_name() -> None:
    text = """\
==========================================================================================
Layer (type:depth-idx)                   Output Shape              Param #
==========================================================================================
Net                                      [1, 4]                    --
├─NonDynamicallyQuantizableLinear: 1-1   [1, 4]                    20
==========================================================================================
Total params: 20
Trainable params: 20
Non-trainable params: 0
==========================================================================================
"""
    spec = torchinfo.parse(clean(text))
    assert spec.layers[1].resolved_type == "Linear"
    assert spec.layers[0].resolved_type is None


# --- not a torchinfo table ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    ["", "hello", "我的模型有多少参数？", "Layer (type)   Output Shape   Param #\n", "=" * 90,
     (CORPUS / "k3_classic_a.summary.txt").read_text() if (CORPUS / "k3_classic_a.summary.txt").exists() else "x",
     (CORPUS / "pt_lenet5.torchsummary.txt").read_text(), (CORPUS / "pt_lenet5.repr.txt").read_text()],
)
def test_not_torchinfo_raises_input_error(text: str) -> None:
    assert not torchinfo.detect(clean(text))
    with pytest.raises(InputError) as err:
        torchinfo.parse(clean(text))
    assert err.value.message.render("en") and err.value.message.render("zh")


def test_keras2_summary_is_not_read_as_torchinfo() -> None:
    k2 = sorted(CORPUS.glob("tfk2_*.summary.txt"))
    assert k2
    for p in k2[:20]:
        with pytest.raises(InputError):
            torchinfo.parse(clean(p.read_text()))


# --- random damage ---------------------------------------------------------------------------------

_SOURCES = [CORPUS / "pt_resnet18_basicblock.torchinfo.txt", CORPUS / "pt_lstm_classifier_bidir.torchinfo_cols.txt",
            CORPUS / "pt_transformer_encoder_layer.torchinfo_cols.txt"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged(_SOURCES))
def test_random_damage_never_crashes(text: str) -> None:
    start = time.perf_counter()
    try:
        spec = torchinfo.parse(clean(text))
    except LayerbotError:
        return
    finally:
        assert time.perf_counter() - start < 1.0
    assert isinstance(spec, ModelSpec)
    for f in spec.findings:
        f.message.render("en")
        f.message.render("zh")


def test_largest_file_parses_fast() -> None:
    # Not a benchmark (bench/ measures speed); a guard against accidental quadratic work.
    text = clean(LARGEST.read_text())
    start = time.perf_counter()
    for _ in range(10):
        torchinfo.parse(text)
    assert (time.perf_counter() - start) / 10 < 0.25
