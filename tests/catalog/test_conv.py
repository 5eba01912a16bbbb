"""Convolutions: anchors from the reference notes, properties over random configurations, user errors."""

from __future__ import annotations

import math
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.catalog import derive
from calc.catalog.base import LayerCalc
from calc.errors import ConfigError, LayerbotError, ShapeError
from calc.i18n import text_table
from calc.types import Framework
from tests.arith import arith, numbers

K, T = Framework.KERAS, Framework.TORCH


def _check_renderings(calc: LayerCalc) -> None:
    formula = calc.formula
    assert formula is not None
    assert arith(formula.plain) == calc.params
    assert numbers(formula.unicode) == numbers(formula.plain)
    assert sum(w.numel for w in calc.weights if w.role != "buffer") == calc.params
    assert calc.explanation.render("en") and calc.explanation.render("zh")
    for note in calc.notes:
        assert note.render("en") and note.render("zh")


# --------------------------------------------------------------------------------------------
# (a) anchors (reference notes, section 3; numbers verified in Keras 3 and PyTorch)


@pytest.mark.parametrize(
    ("kind", "fw", "config", "shape", "params", "unicode", "output"),
    [
        ("Conv2D", K, {"filters": 32, "kernel_size": 3}, (None, 28, 28, 3), 896, "(3·3·3 + 1)·32", (None, 26, 26, 32)),
        ("Conv2D", K, {"filters": 64, "kernel_size": 3, "groups": 4}, (None, 10, 10, 8), 1_216, "(3·3·2 + 1)·64",
         (None, 8, 8, 64)),
        ("Conv2DTranspose", K, {"filters": 16, "kernel_size": 3, "strides": 2}, (None, 14, 14, 8), 1_168,
         "(3·3·8 + 1)·16", (None, 29, 29, 16)),
        ("Conv2DTranspose", K, {"filters": 16, "kernel_size": 3, "strides": 2, "padding": "same"}, (None, 14, 14, 8),
         1_168, "(3·3·8 + 1)·16", (None, 28, 28, 16)),
        ("SeparableConv2D", K, {"filters": 64, "kernel_size": 3, "depth_multiplier": 2}, (None, 10, 10, 8), 1_232,
         "3·3·8·2 + (8 × 2 + 1)·64", (None, 8, 8, 64)),
        ("DepthwiseConv2D", K, {"kernel_size": 3, "depth_multiplier": 2}, (None, 10, 10, 8), 160, "(3 × 3 + 1)·8·2",
         (None, 8, 8, 16)),
        ("Conv2D", K, {"filters": 16, "kernel_size": 5, "strides": 2, "padding": "same"}, (None, 31, 31, 3), 1_216,
         "(5·5·3 + 1)·16", (None, 16, 16, 16)),
        ("Conv2d", T, {"in_channels": 3, "out_channels": 32, "kernel_size": 3}, (1, 3, 28, 28), 896,
         "(3·3·3 + 1)·32", (1, 32, 26, 26)),
        ("ConvTranspose2d", T, {"in_channels": 8, "out_channels": 16, "kernel_size": 3, "stride": 2},
         (1, 8, 14, 14), 1_168, "(3·3·8 + 1)·16", (1, 16, 29, 29)),
        ("Conv1D", K, {"filters": 16, "kernel_size": 3, "use_bias": False}, (None, 100, 8), 384, "3·8·16",
         (None, 98, 16)),
    ],
)
def test_anchor(
    kind: str, fw: Framework, config: dict[str, Any], shape: tuple[int | None, ...], params: int, unicode: str,
    output: tuple[int | None, ...],
) -> None:
    calc = derive(kind, fw, config, [shape])
    assert calc.params == params
    assert calc.formula is not None and calc.formula.unicode == unicode
    assert calc.output == output
    _check_renderings(calc)


def test_grouped_explanation_names_the_channels_per_group() -> None:
    calc = derive("Conv2D", K, {"filters": 64, "kernel_size": 3, "groups": 4}, [(None, 10, 10, 8)])
    assert "8/4 = 2" in calc.explanation.render("en")
    assert "8/4 = 2" in calc.explanation.render("zh")


def test_keras_and_torch_store_the_kernel_differently() -> None:
    keras = derive("Conv2D", K, {"filters": 64, "kernel_size": 3, "groups": 4}, [(None, 10, 10, 8)])
    torch = derive("Conv2d", T, {"in_channels": 8, "out_channels": 64, "kernel_size": 3, "groups": 4}, [(1, 8, 10, 10)])
    assert [w.shape for w in keras.weights] == [(3, 3, 2, 64), (64,)]
    assert [w.shape for w in torch.weights] == [(64, 2, 3, 3), (64,)]
    kt = derive("Conv2DTranspose", K, {"filters": 16, "kernel_size": 3}, [(None, 5, 5, 8)])
    tt = derive("ConvTranspose2d", T, {"in_channels": 8, "out_channels": 16, "kernel_size": 3, "groups": 2},
                [(1, 8, 5, 5)])
    assert kt.weights[0].shape == (3, 3, 16, 8)
    assert tt.weights[0].shape == (8, 8, 3, 3)


def test_macs() -> None:
    # conv: output positions × k·(c_in/g) × c_out
    calc = derive("Conv2D", K, {"filters": 64, "kernel_size": 3, "groups": 4}, [(None, 10, 10, 8)])
    assert calc.macs == 8 * 8 * 9 * 2 * 64
    # transposed conv: INPUT positions × k × c_in × c_out/g (the output size would overcount)
    calc = derive("ConvTranspose2d", T, {"in_channels": 8, "out_channels": 16, "kernel_size": 3, "stride": 2,
                                         "groups": 2}, [(1, 8, 14, 14)])
    assert calc.macs == 14 * 14 * 9 * 8 * 8
    # separable: depthwise then pointwise at every output position
    calc = derive("SeparableConv2D", K, {"filters": 64, "kernel_size": 3, "depth_multiplier": 2}, [(None, 10, 10, 8)])
    assert calc.macs == 8 * 8 * (9 * 16 + 16 * 64)
    # an unknown spatial axis leaves MACs unknown rather than guessed
    calc = derive("Conv1D", K, {"filters": 4, "kernel_size": 3}, [(None, None, 8)])
    assert calc.macs is None and calc.output == (None, None, 4)


def test_channels_first_causal_and_unbatched() -> None:
    calc = derive("Conv2D", K, {"filters": 16, "kernel_size": 3, "data_format": "channels_first"}, [(None, 3, 32, 32)])
    assert calc.output == (None, 16, 30, 30) and calc.params == 448
    calc = derive("Conv1D", K, {"filters": 8, "kernel_size": 3, "padding": "causal", "dilation_rate": 2},
                  [(None, 40, 4)])
    assert calc.output == (None, 40, 8)
    assert any(n.key == "note.causal" and n.args["pad"] == 4 for n in calc.notes)
    calc = derive("Conv1d", T, {"in_channels": 3, "out_channels": 7, "kernel_size": 3}, [(3, 12)])
    assert calc.output == (7, 10)


def test_torch_depthwise_is_recognised() -> None:
    calc = derive("Conv2d", T, {"in_channels": 8, "out_channels": 16, "kernel_size": 3, "groups": 8}, [(1, 8, 5, 5)])
    assert calc.formula is not None and calc.formula.unicode == "(3·3·1 + 1)·16"
    assert any(n.key == "note.torch_depthwise" and n.args["m"] == 2 for n in calc.notes)


def test_aliases() -> None:
    for alias, name, shape in [
        ("Convolution2D", "Conv2D", (None, 4, 4, 1)),
        ("Deconvolution2D", "Conv2DTranspose", (None, 4, 4, 1)),
        ("Deconv3D", "Conv3DTranspose", (None, 3, 3, 3, 1)),
        ("SeparableConvolution1D", "SeparableConv1D", (None, 4, 1)),
        ("keras.layers.Convolution1DTranspose", "Conv1DTranspose", (None, 4, 1)),
    ]:
        assert derive(alias, K, {"filters": 2, "kernel_size": 1}, [shape]).kind == name


def test_every_conv_message_speaks_both_languages_with_the_same_placeholders() -> None:
    prefixes = ("explain.conv", "explain.depthwise", "explain.separable", "note.conv", "note.torch_", "note.causal",
                "note.separable", "error.conv", "error.output_padding", "error.torch_", "error.padding_",
                "error.keras_transpose")
    keys = [k for k in text_table() if k.startswith(prefixes)]
    assert len(keys) >= 20
    for key in keys:
        texts = text_table()[key]
        fields = [{f for _, f, _, _ in string.Formatter().parse(texts[loc]) if f} for loc in ("en", "zh")]
        assert fields[0] == fields[1], key


# --------------------------------------------------------------------------------------------
# (b) properties over random valid configurations

RANK_NAMES_KERAS = {1: "Conv1D", 2: "Conv2D", 3: "Conv3D"}


@st.composite
def keras_convs(draw: st.DrawFn) -> tuple[str, dict[str, Any], tuple[int | None, ...], int]:
    rank = draw(st.integers(1, 3))
    variant = draw(st.sampled_from(["conv", "transpose", "separable", "depthwise"]))
    if variant in ("separable", "depthwise") and rank == 3:
        rank = 2
    ks = tuple(draw(st.integers(1, 5)) for _ in range(rank))
    groups = draw(st.sampled_from([1, 1, 2, 3])) if variant == "conv" else 1
    cin = groups * draw(st.integers(1, 6))
    filters = groups * draw(st.integers(1, 8))
    m = draw(st.integers(1, 3))
    bias = draw(st.booleans())
    strided = draw(st.booleans())
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank)) if strided else (1,) * rank
    dilation = (1,) * rank if strided and variant in ("conv", "transpose") else tuple(
        draw(st.integers(1, 3)) for _ in range(rank))
    padding = draw(st.sampled_from(["valid", "same", "causal"] if variant == "conv" and rank == 1 else
                                   ["valid", "same"]))
    spatial = tuple(draw(st.integers(d * (k - 1) + 1, 40)) for k, d in zip(ks, dilation, strict=True))
    first = draw(st.booleans())
    shape = (None, cin, *spatial) if first else (None, *spatial, cin)
    kernel = math.prod(ks)
    config: dict[str, Any] = {"kernel_size": ks, "strides": strides, "dilation_rate": dilation, "padding": padding,
                              "use_bias": bias, "data_format": "channels_first" if first else "channels_last"}
    if variant == "conv":
        name = RANK_NAMES_KERAS[rank]
        config |= {"filters": filters, "groups": groups}
        expected = kernel * (cin // groups) * filters + (filters if bias else 0)
    elif variant == "transpose":
        name = RANK_NAMES_KERAS[rank] + "Transpose"
        config |= {"filters": filters}
        expected = kernel * cin * filters + (filters if bias else 0)
    elif variant == "separable":
        name = f"SeparableConv{rank}D"
        config |= {"filters": filters, "depth_multiplier": m}
        expected = kernel * cin * m + cin * m * filters + (filters if bias else 0)
    else:
        name = f"DepthwiseConv{rank}D"
        config |= {"depth_multiplier": m}
        expected = kernel * cin * m + (cin * m if bias else 0)
    return name, config, shape, expected


@settings(max_examples=100, deadline=None)
@given(keras_convs())
def test_keras_formula_matches_the_count(case: tuple[str, dict[str, Any], tuple[int | None, ...], int]) -> None:
    name, config, shape, expected = case
    calc = derive(name, K, config, [shape])
    assert calc.params == calc.trainable_params == expected
    _check_renderings(calc)
    out = calc.output
    assert isinstance(out, tuple) and len(out) == len(shape)
    assert all(isinstance(d, int) and d >= 1 for d in out[1:])


@st.composite
def torch_convs(draw: st.DrawFn) -> tuple[str, dict[str, Any], tuple[int, ...], int]:
    rank = draw(st.integers(1, 3))
    transposed = draw(st.booleans())
    ks = tuple(draw(st.integers(1, 5)) for _ in range(rank))
    groups = draw(st.sampled_from([1, 1, 2, 4]))
    cin = groups * draw(st.integers(1, 4))
    cout = groups * draw(st.integers(1, 4))
    bias = draw(st.booleans())
    stride = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    padding: Any = tuple(draw(st.integers(0, 3)) for _ in range(rank))
    if not transposed and all(s == 1 for s in stride) and draw(st.booleans()):
        padding = "same"
    spatial = tuple(draw(st.integers(d * (k - 1) + 1, 30)) for k, d in zip(ks, dilation, strict=True))
    config: dict[str, Any] = {"in_channels": cin, "out_channels": cout, "kernel_size": ks, "stride": stride,
                              "padding": padding, "dilation": dilation, "groups": groups, "bias": bias}
    if transposed:
        config["output_padding"] = tuple(draw(st.integers(0, max(s, d) - 1))
                                         for s, d in zip(stride, dilation, strict=True))
    name = ("ConvTranspose" if transposed else "Conv") + f"{rank}d"
    expected = math.prod(ks) * (cin // groups) * cout + (cout if bias else 0)
    return name, config, (1, cin, *spatial), expected


@settings(max_examples=100, deadline=None)
@given(torch_convs())
def test_torch_formula_matches_the_count(case: tuple[str, dict[str, Any], tuple[int, ...], int]) -> None:
    name, config, shape, expected = case
    rank = len(shape) - 2
    ks, s, d = config["kernel_size"], config["stride"], config["dilation"]
    want: list[int] = []
    for i in range(rank):
        n = shape[2 + i]
        if "output_padding" in config:
            p, op = config["padding"][i], config["output_padding"][i]
            want.append((n - 1) * s[i] - 2 * p + d[i] * (ks[i] - 1) + op + 1)
        elif config["padding"] == "same":
            want.append(n)
        else:
            want.append((n + 2 * config["padding"][i] - d[i] * (ks[i] - 1) - 1) // s[i] + 1)
    if min(want) < 1:  # padding that crops more than a transposed convolution makes: torch refuses too
        with pytest.raises(ShapeError):
            derive(name, T, config, [shape])
        return
    calc = derive(name, T, config, [shape])
    assert calc.params == expected
    _check_renderings(calc)
    assert calc.output == (1, config["out_channels"], *want)


# --------------------------------------------------------------------------------------------
# (c) user errors are LayerbotErrors, never anything else


@pytest.mark.parametrize(
    ("kind", "fw", "config", "shape", "error"),
    [
        ("Conv2D", K, {"filters": 0, "kernel_size": 3}, (None, 8, 8, 3), ConfigError),
        ("Conv2D", K, {"filters": 8, "kernel_size": -3}, (None, 8, 8, 3), ConfigError),
        ("Conv2D", K, {"filters": 8, "kernel_size": (3, 3, 3)}, (None, 8, 8, 3), ConfigError),
        ("Conv2D", K, {"filters": 8, "kernel_size": 3}, (None, 8, 8, 8, 3), ShapeError),
        ("Conv2D", K, {"filters": 8, "kernel_size": 3}, (None, 8, 3), ShapeError),
        ("Conv2D", K, {"filters": 8, "kernel_size": 3, "groups": 3}, (None, 8, 8, 6), ConfigError),
        ("Conv2D", K, {"filters": 6, "kernel_size": 3, "groups": 3}, (None, 8, 8, 4), ShapeError),
        ("Conv2D", K, {"filters": 6, "kernel_size": 3}, (None, 8, 8, None), ShapeError),
        ("Conv2D", K, {"filters": 6, "kernel_size": 3, "padding": "causal"}, (None, 8, 8, 4), ConfigError),
        ("Conv2D", K, {"filters": 6, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (None, 8, 8, 4),
         ConfigError),
        ("Conv2D", K, {"filters": 6, "kernel_size": 9}, (None, 8, 8, 4), ShapeError),
        ("Conv2D", K, {"filters": 6, "kernel_size": 3, "data_format": "NHWC"}, (None, 8, 8, 4), ConfigError),
        ("Conv2D", K, {"kernel_size": 3}, (None, 8, 8, 4), ConfigError),
        ("Conv2DTranspose", K, {"filters": 6, "kernel_size": 3, "strides": 2, "output_padding": 2}, (None, 8, 8, 4),
         ConfigError),
        ("Conv2DTranspose", K, {"filters": 6, "kernel_size": 3, "groups": 2}, (None, 8, 8, 4), ConfigError),
        ("Conv1DTranspose", K, {"filters": 6, "kernel_size": 3, "padding": "causal"}, (None, 8, 4), ConfigError),
        ("SeparableConv1D", K, {"filters": 6, "kernel_size": 3, "padding": "causal"}, (None, 8, 4), ConfigError),
        ("DepthwiseConv2D", K, {"kernel_size": 3, "depth_multiplier": 0}, (None, 8, 8, 4), ConfigError),
        ("Conv2d", T, {"in_channels": 6, "out_channels": 8, "kernel_size": 3, "groups": 4}, (1, 6, 8, 8),
         ConfigError),
        ("Conv2d", T, {"in_channels": 8, "out_channels": 6, "kernel_size": 3, "groups": 4}, (1, 8, 8, 8),
         ConfigError),
        ("Conv2d", T, {"in_channels": 3, "out_channels": 8, "kernel_size": 3}, (1, 4, 8, 8), ShapeError),
        ("Conv2d", T, {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding": "same", "stride": 2},
         (1, 3, 8, 8), ConfigError),
        ("Conv2d", T, {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding": "full"}, (1, 3, 8, 8),
         ConfigError),
        ("Conv2d", T, {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding": -1}, (1, 3, 8, 8),
         ConfigError),
        ("Conv2d", T, {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding_mode": "mirror"}, (1, 3, 8, 8),
         ConfigError),
        ("Conv1d", T, {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "padding": 5,
                       "padding_mode": "reflect"}, (1, 2, 5), ShapeError),
        ("Conv1d", T, {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "padding": 6,
                       "padding_mode": "circular"}, (1, 2, 5), ShapeError),
        ("Conv2d", T, {"in_channels": 3, "out_channels": 8, "kernel_size": 9}, (1, 3, 5, 5), ShapeError),
        ("Conv2d", T, {"in_channels": 3, "out_channels": 8, "kernel_size": 3}, (1, 1, 3, 8, 8), ShapeError),
        ("ConvTranspose2d", T, {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "output_padding": 1},
         (1, 3, 8, 8), ConfigError),
        ("ConvTranspose2d", T, {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding": "same"},
         (1, 3, 8, 8), ConfigError),
        ("ConvTranspose2d", T, {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding_mode": "reflect"},
         (1, 3, 8, 8), ConfigError),
        ("ConvTranspose2d", T, {"in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding": 3}, (1, 3, 2, 2),
         ShapeError),
        ("LazyConv2d", T, {"out_channels": 8, "kernel_size": 3}, (1, None, 8, 8), ShapeError),
    ],
)
def test_user_error(kind: str, fw: Framework, config: dict[str, Any], shape: tuple[int | None, ...],
                    error: type[LayerbotError]) -> None:
    with pytest.raises(error) as info:
        derive(kind, fw, config, [shape])
    assert info.value.message.render("en") and info.value.message.render("zh")


KINDS = [(K, n) for n in ("Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
                          "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D")] + [
    (T, n) for n in ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
                     "LazyConv2d", "LazyConvTranspose1d")]
junk = st.one_of(st.none(), st.booleans(), st.integers(-3, 40), st.sampled_from([10**30, 2.5, 3.0, "abc", "same",
                 "valid", "causal", "zeros", "reflect", "circular", "channels_first"]),
                 st.lists(st.integers(-1, 5), max_size=4).map(tuple))
KEYS = ["filters", "kernel_size", "strides", "padding", "dilation_rate", "groups", "use_bias", "data_format",
        "output_padding", "depth_multiplier", "in_channels", "out_channels", "stride", "dilation", "bias",
        "padding_mode"]
dims = st.one_of(st.none(), st.integers(-2, 12))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(KINDS), st.dictionaries(st.sampled_from(KEYS), junk, max_size=8),
       st.lists(dims, min_size=0, max_size=6))
def test_garbage_is_a_friendly_error_or_a_consistent_answer(
    kind: tuple[Framework, str], config: dict[str, Any], shape: list[int | None]
) -> None:
    fw, name = kind
    error: LayerbotError | None = None
    try:
        calc = derive(name, fw, config, [tuple(shape)])
    except LayerbotError as err:
        error = err
    if error is not None:
        assert error.message.render("en") and error.message.render("zh")
    elif calc.formula is not None:
        _check_renderings(calc)
