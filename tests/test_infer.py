"""calc.infer: the candidate generators and their integer helpers.

The central property: a layer derived from a random full configuration, then shown only as a summary
shows it (type, output shape, count — and its input, as the previous row or "Connected to"), is
re-derived with the same count and output.  Then unit tests of the helpers and of each generator's
reading of the evidence (what it solves, what it leaves open)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from calc.catalog import LayerCalc, derive
from calc.derive import derive_model
from calc.errors import LayerbotError
from calc.infer import MAX_CANDIDATES, Candidate, Child, Evidence, candidates, has_generator
from calc.infer.common import (
    divisors,
    is_odd_square,
    keras_conv_axis,
    keras_pool_axis,
    keras_transpose_axis,
    kernel_shapes,
    torch_conv_axis,
    torch_pool_axis,
    torch_transpose_axis,
)
from calc.model import Format, LayerSpec, ModelSpec
from calc.report import Report, Status
from calc.types import Framework, Shape, ShapeTree

K, T = Framework.KERAS, Framework.TORCH
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                             HealthCheck.too_slow])


def _first(tree: ShapeTree) -> Shape:
    while isinstance(tree, list):
        tree = tree[0]
    return tree


def summary_of(fw: Framework, kind: str, config: Mapping[str, Any], inputs: Sequence[Shape], *,
               input_shown: bool = True) -> tuple[LayerCalc, Report]:
    """Derive the layer from its full configuration, then derive it again from what a summary shows."""
    try:
        calc = derive(kind, fw, config, inputs)
    except LayerbotError:
        assume(False)
        raise
    assume(all(d is None or d >= 1 for d in _first(calc.output)))
    if fw is K:
        output: ShapeTree = calc.output
        fmt = Format.KERAS3
    else:
        output = _first(calc.output)  # torchinfo prints the first tensor of a tuple output
        fmt = Format.TORCHINFO
    row = LayerSpec(type=kind, name="layer", output_shape=output, params=calc.params)
    spec = ModelSpec(fmt, fw, (row,), input_shapes=tuple(inputs) if input_shown else (),
                     total_params=calc.params)
    return calc, derive_model(spec)


def check_rederived(calc: LayerCalc, report: Report) -> None:
    row = report.layers[0]
    assert row.status in (Status.OK, Status.INFERRED), (row.status, [f.message.render() for f in report.findings])
    assert row.params == calc.params
    assert row.calc is not None
    assert _first(row.calc.output) == _first(calc.output)
    assert report.total_params == calc.params


# --- the round trip, Keras -------------------------------------------------------------------

sizes = st.integers(8, 48)
channels = st.integers(1, 48)
kernels = st.sampled_from([1, 3, 5, 7])


@st.composite
def keras_conv(draw: st.DrawFn) -> tuple[str, dict[str, Any], list[Shape]]:
    rank = draw(st.integers(1, 3))
    kind = f"Conv{rank}D"
    c_in = draw(channels)
    groups = draw(st.sampled_from([g for g in (1, 1, 1, 2, 4) if c_in % g == 0]))
    filters = draw(st.integers(1, 32)) * groups
    square = draw(st.booleans())
    k = (draw(kernels),) * rank if square else tuple(draw(kernels) for _ in range(rank))
    strides = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 2)) if strides == 1 else 1
    config = {"filters": filters, "kernel_size": k, "strides": strides, "dilation_rate": dilation,
              "padding": draw(st.sampled_from(["valid", "same"])), "groups": groups,
              "use_bias": draw(st.booleans())}
    shape: Shape = (None, *(draw(sizes) for _ in range(rank)), c_in)
    return kind, config, [shape]


@SETTINGS
@given(keras_conv())
def test_keras_conv_round_trip(case: tuple[str, dict[str, Any], list[Shape]]) -> None:
    kind, config, inputs = case
    check_rederived(*summary_of(K, kind, config, inputs))


@SETTINGS
@given(keras_conv())
def test_keras_first_conv_round_trip(case: tuple[str, dict[str, Any], list[Shape]]) -> None:
    """The first row of a Sequential summary: its input is not shown at all."""
    kind, config, inputs = case
    assume(config["groups"] == 1 and inputs[0][-1] in (1, 2, 3, 4) and config["strides"] == 1)
    assume(config["dilation_rate"] == 1)
    check_rederived(*summary_of(K, kind, config, inputs, input_shown=False))


@SETTINGS
@given(st.data())
def test_keras_other_convolutions_round_trip(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "Conv1DTranspose"]))
    rank = 1 if kind.startswith("Conv1D") else 2
    k = data.draw(st.sampled_from([1, 2, 3, 4, 5]))
    strides = data.draw(st.integers(1, 3))
    config: dict[str, Any] = {"kernel_size": k, "strides": strides, "use_bias": data.draw(st.booleans()),
                              "padding": data.draw(st.sampled_from(["valid", "same"]))}
    if kind in ("DepthwiseConv2D", "SeparableConv2D"):
        config["depth_multiplier"] = data.draw(st.integers(1, 3))
    if kind != "DepthwiseConv2D":
        config["filters"] = data.draw(st.integers(1, 32))
    shape: Shape = (None, *(data.draw(sizes) for _ in range(rank)), data.draw(channels))
    check_rederived(*summary_of(K, kind, config, [shape]))


@SETTINGS
@given(st.data())
def test_keras_dense_and_norms_round_trip(data: st.DataObject) -> None:
    rank = data.draw(st.integers(2, 4))
    shape: Shape = (None, *(data.draw(st.integers(1, 40)) for _ in range(rank - 1)))
    kind = data.draw(st.sampled_from(["Dense", "BatchNormalization", "LayerNormalization", "GroupNormalization",
                                      "UnitNormalization", "Dropout", "Activation", "Flatten", "PReLU"]))
    config: dict[str, Any] = {}
    if kind == "Dense":
        config = {"units": data.draw(st.integers(1, 300)), "use_bias": data.draw(st.booleans())}
    elif kind in ("BatchNormalization", "LayerNormalization"):
        config = {"center": data.draw(st.booleans()), "scale": data.draw(st.booleans())}
    elif kind == "GroupNormalization":
        c = shape[-1]
        assert c is not None
        config = {"groups": data.draw(st.sampled_from(divisors(c))), "center": data.draw(st.booleans())}
    elif kind == "PReLU" and rank > 2:
        config = {"shared_axes": data.draw(st.sampled_from([None, list(range(1, rank - 1))]))}
    check_rederived(*summary_of(K, kind, config, [shape]))


@SETTINGS
@given(st.data())
def test_keras_sequence_layers_round_trip(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU", "Embedding", "Bidirectional",
                                      "TimeDistributed", "MultiHeadAttention"]))
    steps = data.draw(st.sampled_from([None, 7, 30]))
    n = data.draw(st.integers(1, 96))
    shape: Shape = (None, steps, n)
    inputs = [shape]
    units = data.draw(st.integers(1, 96))
    config: dict[str, Any]
    if kind in ("SimpleRNN", "LSTM", "GRU"):
        config = {"units": units, "return_sequences": data.draw(st.booleans()),
                  "return_state": data.draw(st.booleans()), "use_bias": data.draw(st.booleans())}
        if kind == "GRU":
            config["reset_after"] = data.draw(st.booleans())
    elif kind == "Embedding":
        config = {"input_dim": data.draw(st.integers(2, 20_000)), "output_dim": units}
        inputs = [(None, steps)]
    elif kind == "Bidirectional":
        inner = data.draw(st.sampled_from(["LSTM", "GRU", "SimpleRNN"]))
        layer: dict[str, Any] = {"type": inner, "units": units, "return_sequences": data.draw(st.booleans())}
        config = {"layer": layer, "merge_mode": data.draw(st.sampled_from(["concat", "sum"]))}
    elif kind == "TimeDistributed":
        assume(steps is not None)
        config = {"layer": {"type": "Dense", "units": units, "use_bias": data.draw(st.booleans())}}
    else:
        heads = data.draw(st.sampled_from([1, 2, 4, 8]))
        config = {"num_heads": heads, "key_dim": data.draw(st.integers(1, 32)), "use_bias": data.draw(st.booleans())}
        inputs = [shape, shape]
    check_rederived(*summary_of(K, kind, config, inputs))


@SETTINGS
@given(st.data())
def test_keras_shape_layers_round_trip(data: st.DataObject) -> None:
    h, w, c = data.draw(sizes), data.draw(sizes), data.draw(channels)
    shape: Shape = (None, h, w, c)
    kind = data.draw(st.sampled_from(["MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
                                      "GlobalMaxPooling2D", "ZeroPadding2D", "Cropping2D", "UpSampling2D",
                                      "Reshape", "Permute"]))
    config: dict[str, Any] = {}
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        pool = data.draw(st.integers(1, 4))
        config = {"pool_size": pool, "strides": data.draw(st.sampled_from([None, 1, 2, 3])),
                  "padding": data.draw(st.sampled_from(["valid", "same"]))}
    elif kind.startswith("Global"):
        config = {"keepdims": data.draw(st.booleans())}
    elif kind == "ZeroPadding2D":
        config = {"padding": ((data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))),
                              (data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))))}
    elif kind == "Cropping2D":
        config = {"cropping": ((data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))),
                               (data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))))}
    elif kind == "UpSampling2D":
        config = {"size": (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))}
    elif kind == "Reshape":
        config = {"target_shape": (h * w, c)}
    else:
        config = {"dims": data.draw(st.permutations([1, 2, 3]))}
    check_rederived(*summary_of(K, kind, config, [shape]))


# --- the round trip, PyTorch (the input is the previous row's output: a hint) -------------------


@SETTINGS
@given(st.data())
def test_torch_conv_round_trip(data: st.DataObject) -> None:
    rank = data.draw(st.integers(1, 2))
    transpose = data.draw(st.booleans())
    kind = f"ConvTranspose{rank}d" if transpose else f"Conv{rank}d"
    c_in = data.draw(channels)
    groups = 1 if transpose else data.draw(st.sampled_from([g for g in (1, 1, 2, 4, c_in) if c_in % g == 0]))
    out = data.draw(st.integers(1, 16)) * groups
    k = data.draw(kernels)
    stride = data.draw(st.integers(1, 3))
    config: dict[str, Any] = {"in_channels": c_in, "out_channels": out, "kernel_size": k, "stride": stride,
                              "padding": data.draw(st.integers(0, k // 2)), "groups": groups,
                              "bias": data.draw(st.booleans())}
    if not transpose:
        config["dilation"] = data.draw(st.integers(1, 2))
    shape: Shape = (1, c_in, *(data.draw(sizes) for _ in range(rank)))
    check_rederived(*summary_of(T, kind, config, [shape]))


@SETTINGS
@given(st.data())
def test_torch_layers_round_trip(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["Linear", "BatchNorm2d", "LayerNorm", "GroupNorm", "Embedding", "LSTM", "GRU",
                                      "RNN", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Flatten",
                                      "MultiheadAttention", "InstanceNorm2d", "PReLU"]))
    c, h = data.draw(channels), data.draw(sizes)
    image: Shape = (1, c, h, h)
    n = data.draw(st.integers(1, 96))
    seq: Shape = (1, data.draw(st.integers(1, 40)), n)
    config: dict[str, Any]
    inputs = [image]
    if kind == "Linear":
        config = {"in_features": n, "out_features": data.draw(st.integers(1, 200)), "bias": data.draw(st.booleans())}
        inputs = [seq]
    elif kind in ("BatchNorm2d", "InstanceNorm2d"):
        config = {"num_features": c, "affine": data.draw(st.booleans())}
    elif kind == "LayerNorm":
        config = {"normalized_shape": [n], "elementwise_affine": data.draw(st.booleans())}
        inputs = [seq]
    elif kind == "GroupNorm":
        config = {"num_groups": data.draw(st.sampled_from(divisors(c))), "num_channels": c}
    elif kind == "Embedding":
        config = {"num_embeddings": data.draw(st.integers(2, 5000)), "embedding_dim": n}
        inputs = [seq[:2]]
    elif kind in ("LSTM", "GRU", "RNN"):
        config = {"input_size": n, "hidden_size": data.draw(st.integers(1, 64)),
                  "num_layers": data.draw(st.integers(1, 3)), "bidirectional": data.draw(st.booleans()),
                  "bias": data.draw(st.booleans()), "batch_first": True}
        inputs = [seq]
    elif kind in ("MaxPool2d", "AvgPool2d"):
        k = data.draw(st.integers(1, 4))
        config = {"kernel_size": k, "stride": data.draw(st.sampled_from([None, 1, 2])),
                  "padding": data.draw(st.integers(0, k // 2)), "ceil_mode": data.draw(st.booleans())}
    elif kind == "AdaptiveAvgPool2d":
        config = {"output_size": data.draw(st.integers(1, 7))}
    elif kind == "Flatten":
        config = {}
    elif kind == "MultiheadAttention":
        heads = data.draw(st.sampled_from([1, 2, 4]))
        e = heads * data.draw(st.integers(1, 16))
        config = {"embed_dim": e, "num_heads": heads, "bias": data.draw(st.booleans()), "batch_first": True}
        inputs = [(1, 5, e)]
    else:
        config = {"num_parameters": data.draw(st.sampled_from([1, c]))}
    check_rederived(*summary_of(T, kind, config, inputs))


def test_torch_hint_wrong_in_channels_solved_from_the_count() -> None:
    """A ResNet downsample reads the block's input, not the previous row's output."""
    ev = Evidence(T, "Conv2d", ((1, 128, 28, 28),), (1, 128, 28, 28), 8_192, hinted=True)
    first = next(iter(candidates(ev)))
    assert first.config["in_channels"] == 64 and first.config["kernel_size"] == (1, 1)
    assert "in_channels" in first.inferred and first.params == 8_192


def test_torch_kernel_column_is_used() -> None:
    ev = Evidence(T, "Conv2d", ((1, 64, 32, 32),), (1, 64, 15, 15), 36_928, hinted=True, kernel_size=(3, 3))
    first = next(iter(candidates(ev)))
    assert first.config["kernel_size"] == (3, 3) and "kernel_size" not in first.inferred
    assert first.config["stride"] == (2, 2)


def test_torch_linear_after_a_functional_flatten() -> None:
    """forward() flattens with torch.flatten: the previous row still shows (1, 512, 7, 7)."""
    ev = Evidence(T, "Linear", ((1, 512, 7, 7),), (1, 4096), 25_088 * 4096 + 4096, hinted=True)
    fits = [c for c in candidates(ev) if c.params == ev.params]
    assert fits and fits[0].config["in_features"] == 25_088


# --- the helpers -----------------------------------------------------------------------------


@given(st.integers(1, 10**6))
def test_divisors_divide_and_are_sorted(n: int) -> None:
    ds = divisors(n, limit=10**6)
    assert ds == sorted(ds) and all(n % d == 0 for d in ds)
    assert ds[0] == 1 and ds[-1] == n


def test_divisors_bounds() -> None:
    assert divisors(0) == [] and divisors(-4) == [] and divisors(10**14) == []
    assert len(divisors(720_720, limit=5)) == 5
    assert divisors(2 * 10**9, limit=1000)[-1] == 2 * 10**9  # large numbers: small divisors and their cofactors


@given(st.integers(1, 4000), st.integers(1, 3))
def test_kernel_shapes_multiply_to_the_volume(volume: int, rank: int) -> None:
    shapes = kernel_shapes(volume, rank)
    assert len(shapes) <= 16
    for k in shapes:
        assert len(k) == rank and all(x >= 1 for x in k)
        prod = 1
        for x in k:
            prod *= x
        assert prod == volume


def test_kernel_shapes_put_odd_squares_first() -> None:
    assert kernel_shapes(9, 2)[0] == (3, 3)
    assert kernel_shapes(1, 2) == ((1, 1),)
    assert kernel_shapes(15, 2)[:2] in (((3, 5), (5, 3)), ((5, 3), (3, 5)))
    assert kernel_shapes(27, 3)[0] == (3, 3, 3)
    assert kernel_shapes(16, 2)[0] == (4, 4)  # a square, even, before 2×8
    assert is_odd_square((5, 5)) and not is_odd_square((4, 4)) and not is_odd_square((3, 5))


@given(st.integers(1, 200), st.integers(1, 9), st.integers(1, 4), st.sampled_from(["valid", "same"]))
def test_keras_conv_axis_inverts_the_keras_rule(n: int, k: int, s: int, pad: str) -> None:
    out = (n - k) // s + 1 if pad == "valid" else (n - 1) // s + 1
    assume(out >= 1)
    options = keras_conv_axis(n, out, k)
    assert (pad, s, 1) in options
    for p, st_, d in options:
        k_eff = d * (k - 1) + 1
        got = (n - k_eff) // st_ + 1 if p == "valid" else (n - 1) // st_ + 1
        assert got == out


def test_keras_conv_axis_prefers_the_defaults() -> None:
    assert keras_conv_axis(256, 254, 3)[0] == ("valid", 1, 1)
    assert keras_conv_axis(32, 32, 3)[0] == ("same", 1, 1)
    assert keras_conv_axis(32, 32, 1)[0] == ("valid", 1, 1)  # a 1×1 window: valid = same, the default wins
    assert keras_conv_axis(96, 48, 3)[0] == ("same", 2, 1)
    assert keras_conv_axis(48, 44, 3)[0] == ("valid", 1, 2)  # dilation 2: window 5
    assert keras_conv_axis(10, 20, 3) == ()


def test_keras_transpose_axis() -> None:
    assert ("same", 2, 1, None) in keras_transpose_axis(14, 28, 3)
    assert ("valid", 2, 1, None) in keras_transpose_axis(14, 29, 3)
    assert ("valid", 3, 1, 1) in keras_transpose_axis(10, 31, 3)  # output_padding


def test_keras_pool_axis() -> None:
    assert keras_pool_axis(254, 127)[0] == (2, 2, "valid")
    assert keras_pool_axis(125, 62)[0] == (2, 2, "valid")
    assert keras_pool_axis(15, 8)[0] == (2, 2, "same")
    assert (4, 1, "valid") in keras_pool_axis(132, 129)
    assert (3, 2, "valid") in keras_pool_axis(114, 56)


def test_torch_axes() -> None:
    assert torch_conv_axis(32, 32, 3)[0] == (1, 1, 1)
    assert torch_conv_axis(28, 24, 5)[0] == (0, 1, 1)
    assert torch_conv_axis(224, 112, 7)[0] == (3, 2, 1)
    assert torch_transpose_axis(4, 8, 4)[0] == (1, 2, 1, 0)
    assert torch_pool_axis(112, 56)[0] == (2, 2, 0, 1, False)
    assert (3, 2, 1, 1, False) in torch_pool_axis(112, 56)
    assert any(o[4] for o in torch_pool_axis(7, 4))  # ceil_mode


# --- the generators --------------------------------------------------------------------------


def _first_candidate(ev: Evidence) -> Candidate:
    return next(iter(candidates(ev)))


def test_every_corpus_kind_has_a_generator_or_needs_none() -> None:
    for kind in ("Dense", "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D",
                 "MaxPooling2D", "GlobalAveragePooling2D", "BatchNormalization", "LayerNormalization",
                 "GroupNormalization", "Normalization", "Embedding", "SimpleRNN", "LSTM", "GRU", "Bidirectional",
                 "TimeDistributed", "MultiHeadAttention", "Reshape", "Permute", "Concatenate", "ZeroPadding2D",
                 "Cropping2D", "UpSampling2D", "RepeatVector", "InputLayer", "Flatten", "Activation", "PReLU"):
        assert has_generator(K, kind), kind
    for kind in ("Conv2d", "ConvTranspose2d", "Linear", "BatchNorm2d", "LayerNorm", "GroupNorm", "Embedding", "LSTM",
                 "GRU", "RNN", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Flatten", "MultiheadAttention",
                 "TransformerEncoderLayer", "PReLU", "InstanceNorm2d", "ZeroPad2d", "Upsample"):
        assert has_generator(T, kind), kind


def test_candidates_are_bounded() -> None:
    ev = Evidence(K, "Conv2D", None, (None, 10, 10, 720), 720 * 720 * 9 * 10)
    assert len(list(candidates(ev))) <= MAX_CANDIDATES


def test_stated_configuration_wins_and_is_not_inferred() -> None:
    ev = Evidence(K, "Dense", ((None, 8),), (None, 4), 32, config={"use_bias": False, "units": 4})
    cands = list(candidates(ev))
    assert all(c.config["use_bias"] is False for c in cands)
    assert all("use_bias" not in c.inferred for c in cands)


def test_seed_first_conv() -> None:
    first = _first_candidate(Evidence(K, "Conv2D", None, (None, 254, 254, 32), 896))
    assert first.config["kernel_size"] == (3, 3) and first.config["padding"] == "valid"
    assert first.inputs == ((None, 256, 256, 3),)
    assert first.undetermined == ()


def test_a_first_1d_conv_is_ambiguous_and_says_so() -> None:
    """k × c = 72: 3 × 24, 9 × 8 and 1 × 72 are all plausible for a Conv1D on unseen input."""
    first = _first_candidate(Evidence(K, "Conv1D", None, (None, 26, 96), 7_008))
    assert "kernel_size" in first.undetermined and first.note is not None
    assert first.params == 7_008


def test_keras_grouped_conv() -> None:
    first = _first_candidate(Evidence(K, "Conv2D", ((None, 44, 44, 32),), (None, 44, 44, 32), 2_336))
    assert first.config["groups"] == 4 and first.config["kernel_size"] == (3, 3) and "groups" in first.inferred


def test_dense_without_bias_from_the_count() -> None:
    first = _first_candidate(Evidence(K, "Dense", ((None, 512),), (None, 256), 131_072))
    assert first.config["use_bias"] is False and first.inferred == ("use_bias",)


def test_dense_first_row_input_from_the_count() -> None:
    first = _first_candidate(Evidence(K, "Dense", None, (None, 4), 345_604))
    assert first.inputs == ((None, 86_400),) and "input_shape" in first.inferred


def test_embedding_vocabulary_from_the_count() -> None:
    first = _first_candidate(Evidence(K, "Embedding", ((None, 50),), (None, 50, 100), 40_000_000))
    assert first.config["input_dim"] == 400_000 and first.inferred == ("input_dim",)


def test_gru_reset_after_from_the_count() -> None:
    a = [c for c in candidates(Evidence(K, "GRU", ((None, 10, 16),), (None, 32), 4_800)) if c.params == 4_800]
    b = [c for c in candidates(Evidence(K, "GRU", ((None, 10, 16),), (None, 32), 4_704)) if c.params == 4_704]
    assert a[0].config["reset_after"] is True and b[0].config["reset_after"] is False
    assert "reset_after" in b[0].inferred


def test_lstm_shapes_say_return_sequences_and_state() -> None:
    ev = Evidence(K, "LSTM", ((None, None, 71),), [(None, 256), (None, 256), (None, 256)], 335_872)
    first = _first_candidate(ev)
    assert first.config["return_state"] is True and first.config["return_sequences"] is False


def test_bidirectional_inner_kind_and_merge_mode() -> None:
    lstm = _first_candidate(Evidence(K, "Bidirectional", ((None, None, 128),), (None, None, 128), 98_816))
    assert lstm.config["layer"]["type"] == "LSTM" and lstm.config["merge_mode"] == "concat"
    assert lstm.config["layer"]["units"] == 64
    summed = [c for c in candidates(Evidence(K, "Bidirectional", ((None, 10, 16),), (None, 32), 2 * 4_800))
              if c.params == 2 * 4_800]
    assert summed[0].config["layer"]["type"] == "GRU" and summed[0].config["merge_mode"] == "sum"


def test_time_distributed_inner_kind() -> None:
    dense = _first_candidate(Evidence(K, "TimeDistributed", ((None, 30, 128),), (None, 30, 64), 8_256))
    assert dense.config["layer"]["type"] == "Dense" and dense.config["layer"]["units"] == 64
    conv = [c for c in candidates(Evidence(K, "TimeDistributed", ((None, 8, 32, 32, 3),), (None, 8, 30, 30, 16),
                                           448)) if c.params == 448]
    assert conv[0].config["layer"]["type"] == "Conv2D" and conv[0].config["layer"]["kernel_size"] == (3, 3)


def test_multi_head_attention_product_only() -> None:
    ev = Evidence(K, "MultiHeadAttention", ((None, 64, 128), (None, 64, 128)), (None, 64, 128), 66_048)
    first = _first_candidate(ev)
    assert first.config["num_heads"] * first.config["key_dim"] == 128
    assert set(first.undetermined) == {"num_heads", "key_dim"} and first.note is not None
    assert "128" in first.note.render()


def test_group_normalization_groups_are_left_open() -> None:
    first = _first_candidate(Evidence(K, "GroupNormalization", ((None, 58, 58, 64),), (None, 58, 58, 64), 128))
    assert first.undetermined == ("groups",) and 64 % first.config["groups"] == 0
    assert first.note is not None and first.params == 128


def test_batch_normalization_flags_and_axis() -> None:
    fits = [c for c in candidates(Evidence(K, "BatchNormalization", ((None, 16),), (None, 16), 48)) if c.params == 48]
    assert fits[0].config["center"] is False and fits[0].inferred == ("center",)
    first = next(c for c in candidates(Evidence(K, "BatchNormalization", ((None, 32, 8, 8),), (None, 32, 8, 8), 128))
             if c.params == 128)
    assert first.config["axis"] == 1 and first.inferred == ("axis",)


def test_layer_normalization_axes_from_the_count() -> None:
    fits = [c for c in candidates(Evidence(K, "LayerNormalization", ((None, 10, 64),), (None, 10, 64), 1_280))
            if c.params == 1_280]
    assert fits[0].config["axis"] == [1, 2]


def test_shape_layers_read_their_arguments_off_the_shapes() -> None:
    assert _first_candidate(Evidence(K, "Reshape", ((None, 48),), (None, 4, 12), 0)).config["target_shape"] == (4, 12)
    assert _first_candidate(Evidence(K, "Permute", ((None, 6, 8),), (None, 8, 6), 0)).config["dims"] == (2, 1)
    assert _first_candidate(Evidence(K, "RepeatVector", ((None, 8),), (None, 6, 8), 0)).config["n"] == 6
    assert _first_candidate(Evidence(K, "UpSampling2D", ((None, 48, 48, 8),), (None, 48, 96, 8), 0)).config[
        "size"] == (1, 2)
    pad = _first_candidate(Evidence(K, "ZeroPadding2D", ((None, 112, 112, 3),), (None, 113, 113, 3), 0))
    assert pad.config["padding"] == ((0, 1), (0, 1)) and pad.undetermined == ("padding",)
    crop = _first_candidate(Evidence(K, "Cropping2D", ((None, 31, 35, 8),), (None, 27, 27, 8), 0))
    assert crop.config["cropping"] == ((2, 2), (4, 4)) and crop.undetermined == ()
    cat = _first_candidate(Evidence(K, "Concatenate", ((None, 8, 8, 3), (None, 8, 8, 5)), (None, 8, 8, 8), 0))
    assert cat.config["axis"] == -1
    gap = _first_candidate(Evidence(K, "GlobalAveragePooling2D", ((None, 7, 7, 64),), (None, 1, 1, 64), 0))
    assert gap.config["keepdims"] is True
    inp = _first_candidate(Evidence(K, "InputLayer", None, (None, 28, 28, 1), 0))
    assert inp.config["batch_shape"] == (None, 28, 28, 1) and inp.inputs == ()


def test_torch_generators_read_the_evidence() -> None:
    lstm = next(c for c in candidates(Evidence(T, "LSTM", ((1, 50, 128),), (1, 50, 512), 2_367_488, hinted=True))
            if c.params == 2_367_488)
    assert lstm.config["num_layers"] == 2 and lstm.config["bidirectional"] is True
    assert lstm.config["hidden_size"] == 256 and lstm.config["input_size"] == 128
    ln = next(c for c in candidates(Evidence(T, "LayerNorm", ((1, 64, 15, 15),), (1, 64, 15, 15), 28_800, hinted=True))
          if c.params == 28_800)
    assert ln.config["normalized_shape"] == (64, 15, 15)
    mha = _first_candidate(Evidence(T, "MultiheadAttention", ((1, 10, 512),), (1, 10, 512), 1_050_624, hinted=True))
    assert mha.config["embed_dim"] == 512 and mha.undetermined == ("num_heads",)
    tel = _first_candidate(Evidence(T, "TransformerEncoderLayer", ((1, 10, 512),), (1, 10, 512), 3_152_384))
    assert tel.config["dim_feedforward"] == 2048
    pool = _first_candidate(Evidence(T, "MaxPool2d", ((1, 64, 112, 112),), (1, 64, 56, 56), 0))
    assert pool.config["kernel_size"] == (2, 2)
    adaptive = _first_candidate(Evidence(T, "AdaptiveAvgPool2d", ((1, 512, 14, 14),), (1, 512, 7, 7), 0))
    assert adaptive.config["output_size"] == (7, 7)
    flat = _first_candidate(Evidence(T, "Flatten", ((1, 512, 7, 7),), (1, 25_088), 0))
    assert flat.config == {"start_dim": 1, "end_dim": -1}


def test_torch_composites_from_their_children() -> None:
    children = (Child("self_attn.out_proj", "Linear", {"in_features": 512, "out_features": 512, "bias": True}, None),)
    mha = _first_candidate(Evidence(T, "MultiheadAttention", None, None, None, stated=True, children=children))
    assert mha.config["embed_dim"] == 512 and mha.inputs == ((None, None, 512),)
    kids = (Child("self_attn", "MultiheadAttention", {"embed_dim": 512, "num_heads": 8}, 1_050_624),
            Child("linear1", "Linear", {"in_features": 512, "out_features": 2048, "bias": True}, 1_050_624))
    tel = _first_candidate(Evidence(T, "TransformerEncoderLayer", None, None, None, stated=True, children=kids))
    assert tel.config["d_model"] == 512 and tel.config["dim_feedforward"] == 2048 and tel.config["nhead"] == 8


def test_print_model_rows_get_an_input_of_the_right_rank() -> None:
    conv = _first_candidate(Evidence(T, "Conv2d", None, None, None, config={"in_channels": 3, "out_channels": 8,
                                                                             "kernel_size": 3}, stated=True))
    assert conv.inputs == ((None, 3, None, None),)
    relu = list(candidates(Evidence(T, "ReLU", None, None, None, stated=True)))
    assert relu and all(c.inputs is not None for c in relu)


def test_conv_lstm_kernel_from_the_count() -> None:
    config = {"filters": 16, "kernel_size": 3, "padding": "same", "return_sequences": True}
    calc = derive("ConvLSTM2D", K, config, [(None, 10, 32, 32, 3)])
    fits = [c for c in candidates(Evidence(K, "ConvLSTM2D", ((None, 10, 32, 32, 3),), calc.output, calc.params))
            if c.params == calc.params]
    assert fits[0].config["kernel_size"] == (3, 3) and fits[0].config["padding"] == "same"
    assert fits[0].config["return_sequences"] is True
