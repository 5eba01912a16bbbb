"""Pooling, reshaping and merge layers: anchors from the reference notes, properties over random
configurations (checked against window counting done by hand), user errors."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.catalog import all_kinds, derive
from calc.catalog.base import LayerCalc
from calc.errors import ConfigError, LayerbotError, ShapeError
from calc.types import Framework

K, T = Framework.KERAS, Framework.TORCH
FAMILIES = ("pooling", "reshape", "merge")


def _check(calc: LayerCalc) -> None:
    """What every parameter-free entry must give: no formula, no weights, text in both languages."""
    assert calc.params == 0 and calc.trainable is None and calc.non_trainable is None
    assert calc.formula is None
    assert calc.weights == () and calc.buffer_count == 0
    for loc in ("en", "zh"):
        assert calc.explanation.render(loc)
        for note in calc.notes:
            assert note.render(loc)


def _en(calc: LayerCalc) -> str:
    return " | ".join([calc.explanation.render("en"), *(n.render("en") for n in calc.notes)])


# --------------------------------------------------------------------------------------------
# (a) anchors (reference notes section 3 and the design's classic question)


@pytest.mark.parametrize(
    ("kind", "fw", "config", "inputs", "output", "text"),
    [
        # Keras pooling: strides default to pool_size; valid ⌊(n − p)/s⌋ + 1, same ⌈n/s⌉ [verified 15 → 7, 8].
        ("MaxPooling2D", K, {"pool_size": 2}, [(None, 15, 15, 3)], (None, 7, 7, 3), "⌊(15 − 2)/2⌋ + 1 = 7"),
        ("MaxPooling2D", K, {"pool_size": 3, "strides": 2, "padding": "same"}, [(None, 15, 15, 3)],
         (None, 8, 8, 3), "⌈15/2⌉ = 8"),
        ("MaxPooling2D", K, {"pool_size": (2, 2)}, [(None, 254, 254, 32)], (None, 127, 127, 32),
         "⌊(254 − 2)/2⌋ + 1 = 127"),
        # The classic question: Flatten of 30 × 30 × 96 feeds Dense(4) with 86,400 inputs.
        ("Flatten", K, {}, [(None, 30, 30, 96)], (None, 86_400), "30 × 30 × 96 = 86,400"),
        # …and the GlobalAveragePooling2D alternative leaves 96 features (then Dense(4): 388 parameters).
        ("GlobalAveragePooling2D", K, {}, [(None, 30, 30, 96)], (None, 96), "900 positions (30 × 30)"),
        # PyTorch MaxPool2d: stride defaults to kernel_size.
        ("MaxPool2d", T, {"kernel_size": 2}, [(1, 32, 28, 28)], (1, 32, 14, 14), "stride=2"),
        # "mat1 and mat2 shapes cannot be multiplied (2x1568 …)": 1568 = 32·7·7 after 28 → 14 → 7.
        ("Flatten", T, {}, [(2, 32, 7, 7)], (2, 1_568), "32 × 7 × 7"),
        # torchvision AlexNet / VGG: adaptive pooling fixes the Linear input at 256·6·6 / 512·7·7.
        ("AdaptiveAvgPool2d", T, {"output_size": (6, 6)}, [(1, 256, 13, 13)], (1, 256, 6, 6), "13 → 6"),
        ("AdaptiveAvgPool2d", T, {"output_size": (7, 7)}, [(1, 512, 14, 14)], (1, 512, 7, 7), "(k = 2)"),
        ("Flatten", T, {}, [(1, 256, 6, 6)], (1, 9_216), "= 9,216"),
        # ceil_mode keeps a partial last window, but not one that would start in the right padding.
        ("MaxPool2d", T, {"kernel_size": 3, "stride": 2, "ceil_mode": True}, [(1, 64, 112, 112)], (1, 64, 56, 56),
         "⌈(112 − 3)/2⌉ + 1 = 56"),
        ("MaxPool2d", T, {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}, [(1, 1, 5, 5)],
         (1, 1, 3, 3), "⌈(5 + 2·1 − 2)/2⌉ + 1 − 1 = 3"),
        # DenseNet's concatenation of 64 and 32 channels.
        ("Concatenate", K, {"axis": 3}, [(None, 56, 56, 64), (None, 56, 56, 32)], (None, 56, 56, 96), "64 + 32 = 96"),
        ("ZeroPadding2D", K, {"padding": ((3, 3), (3, 3))}, [(None, 224, 224, 3)], (None, 230, 230, 3),
         "224 + 3 + 3 = 230"),
        ("Reshape", K, {"target_shape": (1, 1, 32)}, [(None, 32)], (None, 1, 1, 32), "32 values"),
        ("Multiply", K, {}, [(None, 112, 112, 32), (None, 1, 1, 32)], (None, 112, 112, 32), "broadcast"),
        ("InputLayer", K, {"batch_shape": (None, 224, 224, 3)}, [], (None, 224, 224, 3), "(None, 224, 224, 3)"),
        ("PixelShuffle", T, {"upscale_factor": 3}, [(1, 36, 8, 8)], (1, 4, 24, 24), "36 channels = 4 × 3²"),
    ],
)
def test_anchor(kind: str, fw: Framework, config: dict[str, Any], inputs: list[tuple[int | None, ...]],
                output: tuple[int | None, ...], text: str) -> None:
    calc = derive(kind, fw, config, inputs)
    assert calc.output == output
    assert text in _en(calc)
    assert calc.macs == 0
    _check(calc)


def test_pooling_says_why_it_costs_no_macs() -> None:
    calc = derive("MaxPooling2D", K, {"pool_size": 2}, [(None, 254, 254, 32)])
    assert "0 MACs" in _en(calc) and "516,128 outputs" in _en(calc)
    assert "MACs" in calc.notes[0].render("zh")


def test_default_stride_is_explained_only_when_defaulted() -> None:
    given_ = derive("MaxPool2d", T, {"kernel_size": 2, "stride": 2}, [(1, 3, 8, 8)])
    defaulted = derive("MaxPool2d", T, {"kernel_size": 2}, [(1, 3, 8, 8)])
    assert given_.output == defaulted.output
    assert "not given" not in _en(given_) and "not given" in _en(defaulted)


def test_return_indices_gives_two_outputs() -> None:
    calc = derive("MaxPool2d", T, {"kernel_size": 2, "return_indices": True}, [(1, 3, 8, 8)])
    assert calc.output == [(1, 3, 4, 4), (1, 3, 4, 4)]


def test_dot_counts_its_products() -> None:
    calc = derive("Dot", K, {"axes": (1, 2)}, [(None, 5, 2), (None, 3, 5)])
    assert calc.output == (None, 2, 3)
    assert calc.macs == 2 * 3 * 5
    _check(calc)


def test_unknown_sizes_stay_unknown() -> None:
    assert derive("MaxPooling2D", K, {}, [(None, None, 20, 3)]).output == (None, None, 10, 3)
    assert derive("Flatten", K, {}, [(None, None, 4)]).output == (None, None)
    assert derive("Reshape", K, {"target_shape": (-1, 2)}, [(None, None, 4)]).output == (None, None, 2)
    assert derive("Concatenate", K, {}, [(None, 4, None), (None, 4, 3)]).output == (None, 4, None)


def test_keras_and_torch_flatten_are_separate_entries() -> None:
    keras = derive("Flatten", K, {}, [(None, 7, 7, 64)])
    torch = derive("Flatten", T, {"start_dim": 2}, [(1, 64, 7, 7)])
    assert keras.output == (None, 3_136)
    assert torch.output == (1, 64, 49)


# --------------------------------------------------------------------------------------------
# (b) properties over random configurations


def _keras_windows(n: int, p: int, s: int, padding: str) -> int:
    """Count the windows by walking them: valid windows lie inside the input; 'same' puts one at every
    stride step that starts inside the input."""
    if padding == "same":
        return sum(1 for start in range(0, n, s))
    return sum(1 for start in range(0, n, s) if start + p <= n)


def _torch_windows(n: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    """PyTorch's documented rule, walked window by window: a window spans d·(k − 1) + 1 positions of the
    padded axis; without ceil_mode it must fit; with ceil_mode it may run past the end by less than a
    stride, as long as it starts before the right padding."""
    span = d * (k - 1) + 1
    padded = n + 2 * p
    count = 0
    for i in range(padded + 1):
        start = i * s
        if start + span <= padded or (ceil and start + span <= padded + s - 1 and start < n + p):
            count += 1
    return count


@settings(max_examples=80, deadline=None)
@given(rank=st.integers(1, 3), n=st.integers(1, 40), p=st.integers(1, 6), s=st.integers(1, 5),
       padding=st.sampled_from(["valid", "same"]), stride_given=st.booleans(), channels_first=st.booleans(),
       op=st.sampled_from(["Max", "Average"]))
def test_keras_pooling_counts_windows(rank: int, n: int, p: int, s: int, padding: str, stride_given: bool,
                                      channels_first: bool, op: str) -> None:
    cfg: dict[str, Any] = {"pool_size": p, "padding": padding,
                           "data_format": "channels_first" if channels_first else "channels_last"}
    if stride_given:
        cfg["strides"] = s
    stride = s if stride_given else p
    shape = (None, 3, *(n,) * rank) if channels_first else (None, *(n,) * rank, 3)
    expected = _keras_windows(n, p, stride, padding)
    kind = f"{op}Pooling{rank}D"
    if expected < 1:
        with pytest.raises(ShapeError):
            derive(kind, K, cfg, [shape])
        return
    calc = derive(kind, K, cfg, [shape])
    want = (None, 3, *(expected,) * rank) if channels_first else (None, *(expected,) * rank, 3)
    assert calc.output == want
    _check(calc)


@settings(max_examples=100, deadline=None)
@given(rank=st.integers(1, 3), n=st.integers(1, 40), k=st.integers(1, 6), s=st.integers(1, 4),
       p_frac=st.floats(0, 1), d=st.integers(1, 3), ceil=st.booleans(), batched=st.booleans(),
       op=st.sampled_from(["MaxPool", "AvgPool", "LPPool"]))
def test_torch_pooling_counts_windows(rank: int, n: int, k: int, s: int, p_frac: float, d: int, ceil: bool,
                                      batched: bool, op: str) -> None:
    cfg: dict[str, Any] = {"kernel_size": k, "stride": s, "ceil_mode": ceil}
    p = 0
    if op == "MaxPool":
        p = int(p_frac * (k // 2))
        cfg.update(padding=p, dilation=d)
    elif op == "AvgPool":
        p, d = int(p_frac * (k // 2)), 1
        cfg["padding"] = p
    else:
        d = 1
        cfg["norm_type"] = 2
    shape = ((1,) if batched else ()) + (2, *(n,) * rank)
    expected = _torch_windows(n, k, s, p, d, ceil)
    kind = f"{op}{rank}d"
    if expected < 1:
        with pytest.raises(ShapeError):
            derive(kind, T, cfg, [shape])
        return
    calc = derive(kind, T, cfg, [shape])
    assert calc.output == shape[: len(shape) - rank] + (expected,) * rank
    _check(calc)


dims = st.lists(st.integers(1, 6), min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(shape=dims, data=st.data())
def test_reshapes_keep_every_value(shape: list[int], data: st.DataObject) -> None:
    total = math.prod(shape)
    # Keras Flatten and Reshape (a random factorisation of the total, with a -1 or without).
    assert derive("Flatten", K, {}, [(None, *shape)]).output == (None, total)
    target = list(data.draw(st.permutations(shape)))
    if data.draw(st.booleans()):
        target[data.draw(st.integers(0, len(target) - 1))] = -1
    out = derive("Reshape", K, {"target_shape": target}, [(None, *shape)]).output
    assert math.prod(d for d in out[1:] if d is not None) == total and -1 not in out
    # torch Flatten over a random range of axes.
    full = (2, *shape)
    start = data.draw(st.integers(0, len(full) - 1))
    end = data.draw(st.integers(start, len(full) - 1))
    flat = derive("Flatten", T, {"start_dim": start, "end_dim": end}, [full])
    assert math.prod(d for d in flat.output if d is not None) == math.prod(full)
    assert len(flat.output) == len(full) - (end - start)
    # Permute keeps the multiset of sizes.
    dims_ = data.draw(st.permutations(range(1, len(shape) + 1)))
    perm = derive("Permute", K, {"dims": dims_}, [(None, *shape)])
    assert perm.output == (None, *(shape[d - 1] for d in dims_))
    _check(perm)


@settings(max_examples=60, deadline=None)
@given(shape=dims, data=st.data())
def test_merges_broadcast_and_concatenate(shape: list[int], data: st.DataObject) -> None:
    ones = [data.draw(st.sampled_from([d, 1])) for d in shape]
    for kind in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
        calc = derive(kind, K, {}, [(None, *shape), (None, *ones)])
        assert calc.output == (None, *shape)
        _check(calc)
    axis = data.draw(st.integers(1, len(shape)))
    other = list(shape)
    other[axis - 1] = data.draw(st.integers(1, 9))
    calc = derive("Concatenate", K, {"axis": axis}, [(None, *shape), (None, *other)])
    assert calc.output[axis] == shape[axis - 1] + other[axis - 1]
    _check(calc)


@settings(max_examples=60, deadline=None)
@given(n=st.lists(st.integers(1, 30), min_size=1, max_size=3), pads=st.lists(st.integers(0, 4), min_size=6,
       max_size=6), scale=st.sampled_from([0.5, 1, 1.5, 2, 2.5, 3]))
def test_pads_and_upsampling_add_up(n: list[int], pads: list[int], scale: float) -> None:
    rank = len(n)
    shape = (1, 2, *n)
    flat = pads[: 2 * rank]
    calc = derive(f"ZeroPad{rank}d", T, {"padding": flat}, [shape])
    # torch pads list the last axis first: (left, right, top, bottom, front, back).
    pairs = [(flat[2 * i], flat[2 * i + 1]) for i in range(rank)][::-1]
    assert calc.output == (1, 2, *(m + a + b for m, (a, b) in zip(n, pairs, strict=True)))
    _check(calc)
    keras = derive(f"ZeroPadding{rank}D", K, {"padding": [tuple(p) for p in pairs] if rank > 1 else pairs[0]},
                   [(None, *n, 2)])
    assert keras.output[1:-1] == calc.output[2:]
    outs = [math.floor(m * scale) for m in n]
    if min(outs) < 1:
        with pytest.raises(ShapeError):
            derive("Upsample", T, {"scale_factor": scale}, [shape])
    else:
        assert derive("Upsample", T, {"scale_factor": scale}, [shape]).output == (1, 2, *outs)


# --------------------------------------------------------------------------------------------
# (c) user errors


@pytest.mark.parametrize(
    ("kind", "fw", "config", "inputs", "error"),
    [
        ("MaxPooling2D", K, {"pool_size": 0}, [(None, 8, 8, 3)], ConfigError),
        ("MaxPooling2D", K, {"pool_size": -2}, [(None, 8, 8, 3)], ConfigError),
        ("MaxPooling2D", K, {"padding": "full"}, [(None, 8, 8, 3)], ConfigError),
        ("MaxPooling2D", K, {}, [(None, 8, 3)], ShapeError),
        ("MaxPooling2D", K, {"pool_size": 5}, [(None, 3, 3, 3)], ShapeError),
        ("MaxPooling2D", K, {"data_format": "NHWC"}, [(None, 8, 8, 3)], ConfigError),
        ("GlobalAveragePooling2D", K, {}, [(None, 8, 3)], ShapeError),
        ("MaxPool2d", T, {"kernel_size": 3, "padding": 2}, [(1, 3, 8, 8)], ConfigError),
        ("MaxPool2d", T, {"kernel_size": 3}, [(8, 8)], ShapeError),
        ("MaxPool2d", T, {}, [(1, 3, 8, 8)], ConfigError),
        ("AvgPool1d", T, {"kernel_size": 5}, [(1, 3, 4)], ShapeError),
        ("LPPool2d", T, {"norm_type": 0, "kernel_size": 2}, [(1, 3, 8, 8)], ConfigError),
        ("AdaptiveAvgPool2d", T, {"output_size": (2, 2, 2)}, [(1, 3, 8, 8)], ConfigError),
        ("AdaptiveAvgPool1d", T, {"output_size": None}, [(1, 3, 8)], ConfigError),
        ("AdaptiveAvgPool2d", T, {"output_size": 0}, [(1, 3, 8, 8)], ConfigError),
        ("Reshape", K, {"target_shape": (5, 5)}, [(None, 24)], ShapeError),
        ("Reshape", K, {"target_shape": (-1, 5)}, [(None, 24)], ShapeError),
        ("Reshape", K, {"target_shape": (-1, -1)}, [(None, 24)], ConfigError),
        ("Reshape", K, {"target_shape": (0, 24)}, [(None, 24)], ConfigError),
        ("Reshape", K, {}, [(None, 24)], ConfigError),
        ("Permute", K, {"dims": (0, 1)}, [(None, 4, 5)], ShapeError),
        ("Permute", K, {"dims": (1, 2, 3)}, [(None, 4, 5)], ShapeError),
        ("RepeatVector", K, {"n": 3}, [(None, 4, 5)], ShapeError),
        ("RepeatVector", K, {"n": 0}, [(None, 4)], ConfigError),
        ("Cropping2D", K, {"cropping": ((4, 4), (0, 0))}, [(None, 8, 8, 3)], ShapeError),
        ("Cropping1D", K, {"cropping": (1, 2, 3)}, [(None, 8, 3)], ConfigError),
        ("ZeroPadding2D", K, {"padding": -1}, [(None, 8, 8, 3)], ConfigError),
        ("ZeroPad2d", T, {"padding": (-5, -5, 0, 0)}, [(1, 3, 8, 8)], ShapeError),
        ("ZeroPad2d", T, {"padding": (1, 2, 3)}, [(1, 3, 8, 8)], ConfigError),
        ("ReflectionPad1d", T, {"padding": 5}, [(1, 3, 5)], ShapeError),
        ("CircularPad1d", T, {"padding": 6}, [(1, 3, 5)], ShapeError),
        ("ReflectionPad2d", T, {"padding": 1}, [(1, 1, 3, 5, 5)], ShapeError),
        ("UpSampling2D", K, {"size": (2, 0)}, [(None, 8, 8, 3)], ConfigError),
        ("Upsample", T, {"size": 4, "scale_factor": 2}, [(1, 3, 8, 8)], ConfigError),
        ("Upsample", T, {}, [(1, 3, 8, 8)], ConfigError),
        ("Upsample", T, {"scale_factor": 2, "mode": "bilinear"}, [(1, 3, 8)], ShapeError),
        ("Upsample", T, {"scale_factor": 0.1}, [(1, 3, 8, 8)], ShapeError),
        ("Upsample", T, {"size": (4, 4)}, [(1, 3, 8)], ConfigError),
        ("PixelShuffle", T, {"upscale_factor": 2}, [(1, 10, 5, 5)], ShapeError),
        ("PixelUnshuffle", T, {"downscale_factor": 2}, [(1, 3, 9, 10)], ShapeError),
        ("Flatten", T, {"start_dim": 3, "end_dim": 2}, [(2, 3, 4, 5)], ShapeError),
        ("Flatten", T, {"start_dim": 4}, [(2, 3, 4, 5)], ShapeError),
        ("Unflatten", T, {"dim": 1, "unflattened_size": (5, 3)}, [(4, 12)], ShapeError),
        ("InputLayer", K, {}, [], ConfigError),
        ("InputLayer", K, {"shape": (0, 3)}, [], ConfigError),
        ("Add", K, {}, [(None, 4), (None, 5)], ShapeError),
        ("Add", K, {}, [(None, 4)], ShapeError),
        ("Add", K, {}, [(3, 4), (5, 4)], ShapeError),
        ("Subtract", K, {}, [(None, 4), (None, 4), (None, 4)], ShapeError),
        ("Concatenate", K, {"axis": 1}, [(None, 4, 5), (None, 4, 6)], ShapeError),
        ("Concatenate", K, {}, [(None, 4, 5), (None, 5)], ShapeError),
        ("Concatenate", K, {"axis": 3}, [(None, 4, 5), (None, 4, 5)], ShapeError),
        ("Dot", K, {"axes": 1}, [(None, 4), (None, 5)], ShapeError),
        ("Dot", K, {"axes": 0}, [(None, 4), (None, 4)], ConfigError),
        ("Dot", K, {"axes": (1, 2, 3)}, [(None, 4), (None, 4)], ConfigError),
        ("Dot", K, {"axes": 1}, [(None,), (None, 4)], ShapeError),
    ],
)
def test_user_error(kind: str, fw: Framework, config: dict[str, Any], inputs: list[tuple[int | None, ...]],
                    error: type[LayerbotError]) -> None:
    with pytest.raises(error) as info:
        derive(kind, fw, config, inputs)
    assert info.value.message.render("en") and info.value.message.render("zh")


KINDS = sorted((k for k in all_kinds() if k.family in FAMILIES), key=lambda k: (k.framework.value, k.name))
junk = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 40), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["valid", "same", "channels_first", "channels_last", "nearest", "bilinear", "area", "x", ""]),
    st.lists(st.one_of(st.none(), st.integers(-3, 12), st.lists(st.integers(-1, 4), max_size=3)), max_size=7),
)
shapes = st.lists(st.one_of(st.none(), st.integers(1, 30)), max_size=6).map(tuple)


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(KINDS), data=st.data())
def test_any_input_gives_a_result_or_a_layerbot_error(kind: Any, data: st.DataObject) -> None:
    keys = set(kind.positional) | set(kind.defaults) | {"padding", "size", "axis", "dims", "n"}
    config = {key: data.draw(junk) for key in sorted(keys) if data.draw(st.booleans())}
    inputs = data.draw(st.lists(shapes, min_size=kind.min_inputs, max_size=min(kind.max_inputs, 3)))
    try:
        calc = derive(kind, kind.framework, config, inputs)
    except LayerbotError as exc:
        error = exc
    else:
        _check(calc)
        return
    assert error.message.render("en") and error.message.render("zh")
