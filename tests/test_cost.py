"""calc.cost: bytes, training and activation memory, FLOPs, hard limits, size formatting."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.catalog import LayerCalc, Weight, derive
from calc.cost import (
    DTYPE_BYTES,
    INT32_MAX,
    PROTO_LIMIT_BYTES,
    Optimizer,
    activation_memory,
    canonical_dtype,
    cost_of,
    dtype_bytes,
    flops,
    format_bytes,
    limit_findings,
    max_units_under,
    model_limit_findings,
    param_bytes,
    parse_bytes,
    training_memory,
)
from calc.errors import InputError
from calc.findings import Severity
from calc.i18n import LOCALES, Message, text_table
from calc.types import Framework, ShapeTree

GiB = 2**30


def keras_dense(n_in: int, units: int, **cfg: object) -> LayerCalc:
    return derive("Dense", Framework.KERAS, {"units": units, **cfg}, [(None, n_in)])


def bare(output: ShapeTree, weights: tuple[Weight, ...] = (), macs: int | None = 0) -> LayerCalc:
    """A layer with just an output shape (and optional weights), for shapes the catalog has no entry for yet."""
    return LayerCalc(
        kind="Test",
        framework=Framework.TORCH,
        config={},
        inputs=((None, 1),),
        output=output,
        trainable=None,
        non_trainable=None,
        buffers=None,
        macs=macs,
        explanation=Message("error.unknown_layer", {"name": "Test", "framework": "torch"}),
        weights=weights,
    )


def rendered(msg: Message) -> dict[str, str]:
    return {loc: msg.render(loc) for loc in LOCALES}


# --- the acceptance case: Flatten 86,400 → Dense(172,800) ------------------------------------


def test_dense_172800_bytes_and_format() -> None:
    layer = keras_dense(86400, 172800)
    assert layer.params == 14_930_092_800
    assert param_bytes(layer.params) == 59_720_371_200
    assert format_bytes(param_bytes(layer.params)) == "55.6 GiB"


def test_dense_172800_limit_findings() -> None:
    layer = keras_dense(86400, 172800)
    found = {f.code: f for f in limit_findings(layer, name="dense_2")}
    assert set(found) == {"limit.int32_elements", "limit.proto_2gb", "limit.dense_max_units"}

    int32 = found["limit.int32_elements"]
    assert int32.severity is Severity.ERROR
    assert int32.layer == "dense_2"
    en = int32.message.render("en")
    for part in ("kernel", "(86400, 172800)", "14,929,920,000", "2,147,483,647", "Theano",
                 "rng_mrg cpu-implementation does not support more than (2**31 -1) samples", "int32"):
        assert part in en, part
    zh = int32.message.render("zh")
    assert "14,929,920,000" in zh
    assert "rng_mrg" in zh

    proto = found["limit.proto_2gb"].message.render("en")
    assert found["limit.proto_2gb"].severity is Severity.WARNING
    assert "Cannot create a tensor proto whose content is larger than 2GB" in proto
    assert "59,719,680,000" in proto  # the kernel alone, 86,400 × 172,800 × 4 bytes
    assert "55.6 GiB" in proto

    hint = found["limit.dense_max_units"].message.render("en")
    assert "24,855" in hint
    assert "6,213" in hint


def test_dense_4_has_no_limit_findings() -> None:
    layer = keras_dense(86400, 4)
    assert layer.params == 345_604
    assert limit_findings(layer, name="dense_2") == []
    assert format_bytes(param_bytes(layer.params)) == "1.32 MiB"


def test_int32_limit_boundary() -> None:
    at = bare((None, 1), weights=(Weight("w", (INT32_MAX,)),))
    over = bare((None, 1), weights=(Weight("w", (INT32_MAX + 1,)),))
    assert "limit.int32_elements" not in {f.code for f in limit_findings(at, dtype="int8")}
    assert "limit.int32_elements" in {f.code for f in limit_findings(over, dtype="int8")}


def test_proto_limit_boundary_follows_tensorflow_ge_check() -> None:
    # TF: nparray.size * nparray.itemsize >= (1 << 31)
    just_under = bare((None, 1), weights=(Weight("w", (PROTO_LIMIT_BYTES // 4 - 1,)),))
    exactly = bare((None, 1), weights=(Weight("w", (PROTO_LIMIT_BYTES // 4,)),))
    assert limit_findings(just_under) == []
    assert [f.code for f in limit_findings(exactly)] == ["limit.proto_2gb"]
    # The same tensor in float16 is 1 GiB: fine.
    assert limit_findings(exactly, dtype="float16") == []


def test_max_units_under() -> None:
    assert max_units_under(86400) == 24855
    assert 86400 * 24855 <= INT32_MAX < 86400 * 24856
    assert max_units_under(86400, (PROTO_LIMIT_BYTES - 1) // 4) == 6213
    with pytest.raises(ValueError, match="n_in"):
        max_units_under(0)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 10**9), st.integers(0, 2**40))
def test_max_units_under_is_largest(n_in: int, limit: int) -> None:
    u = max_units_under(n_in, limit)
    assert n_in * u <= limit < n_in * (u + 1)


# --- dtypes and bytes ---------------------------------------------------------------------------


def test_dtype_bytes_and_aliases() -> None:
    assert dict(DTYPE_BYTES) == {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "float64": 8, "int4": 0.5}
    assert dtype_bytes("float32") == 4
    assert dtype_bytes("torch.float16") == 2
    assert dtype_bytes("BF16") == 2
    assert dtype_bytes("half") == 2
    assert dtype_bytes("double") == 8
    assert canonical_dtype(" fp32 ") == "float32"


def test_unknown_dtype_lists_accepted() -> None:
    with pytest.raises(InputError) as err:
        dtype_bytes("float8_e4m3")
    msg = err.value.message
    assert msg.key == "cost.error.dtype"
    for loc in LOCALES:
        text = msg.render(loc)
        assert "float8_e4m3" in text
        for accepted in DTYPE_BYTES:
            assert accepted in text


def test_param_bytes_rounds_int4_up() -> None:
    assert param_bytes(345_604, "float16") == 691_208
    assert param_bytes(3, "int4") == 2
    assert param_bytes(4, "int4") == 2
    assert param_bytes(0) == 0
    with pytest.raises(ValueError, match="params"):
        param_bytes(-1)


# --- training memory ----------------------------------------------------------------------------


def test_adam_fp32_is_16_bytes_per_param() -> None:
    layer = keras_dense(86400, 4)
    t = training_memory(layer.trainable_params)
    assert t.optimizer is Optimizer.ADAM
    assert t.dtype == "float32"
    assert (t.weights, t.gradients, t.optimizer_states) == (4 * 345_604, 4 * 345_604, 8 * 345_604)
    assert t.total == 16 * 345_604
    texts = rendered(t.assumptions)
    assert "16 B per trainable parameter" in texts["en"]
    assert "step counter" in texts["en"]
    assert "mixed-precision" in texts["en"]
    assert "16 字节" in texts["zh"]


@pytest.mark.parametrize(
    ("optimizer", "per_param"),
    [(Optimizer.SGD, 8), (Optimizer.MOMENTUM, 12), (Optimizer.ADAM, 16), (Optimizer.ADAMW, 16)],
)
def test_optimizer_states(optimizer: Optimizer, per_param: int) -> None:
    t = training_memory(1000, 0, optimizer)
    assert t.total == per_param * 1000
    assert f"{per_param} B" in t.assumptions.render("en")


def test_frozen_params_need_only_weights() -> None:
    t = training_memory(0, 1000, Optimizer.ADAM, "float16")
    assert (t.weights, t.gradients, t.optimizer_states, t.total) == (2000, 0, 0, 2000)
    frozen = derive("Dense", Framework.KERAS, {"units": 4, "trainable": False}, [(None, 10)])
    c = cost_of([frozen])
    assert (c.trainable, c.non_trainable) == (0, 44)
    assert c.training[Optimizer.ADAM].total == 44 * 4


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 10**13),
    st.integers(0, 10**13),
    st.sampled_from(list(Optimizer)),
    st.sampled_from(list(DTYPE_BYTES)),
)
def test_training_total_is_sum(trainable: int, frozen: int, optimizer: Optimizer, dtype: str) -> None:
    t = training_memory(trainable, frozen, optimizer, dtype)
    assert t.total == t.weights + t.gradients + t.optimizer_states
    assert t.weights == param_bytes(trainable + frozen, dtype)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 10**12),
    st.integers(0, 10**12),
    st.integers(0, 10**6),
    st.sampled_from(list(Optimizer)),
    st.sampled_from(list(DTYPE_BYTES)),
)
def test_training_memory_monotonic(trainable: int, frozen: int, more: int, optimizer: Optimizer, dtype: str) -> None:
    base = training_memory(trainable, frozen, optimizer, dtype).total
    assert training_memory(trainable + more, frozen, optimizer, dtype).total >= base
    assert training_memory(trainable, frozen + more, optimizer, dtype).total >= base
    # Making a frozen parameter trainable never lowers the cost.
    if frozen:
        assert training_memory(trainable + 1, frozen - 1, optimizer, dtype).total >= base


# --- activation memory ------------------------------------------------------------------------


def test_activation_memory_tiny_chain_by_hand() -> None:
    # (None, 8) → Dense(10) → (None, 10) → Dense(4) → (None, 4): 10 + 4 = 14 values per example.
    d1 = keras_dense(8, 10)
    d2 = keras_dense(10, 4)
    a = activation_memory([d1, d2], batch=3)
    assert a.elements_per_example == 14
    assert a.batch == 3
    assert a.bytes == 14 * 3 * 4 == 168
    assert a.unknown_axes == 0
    assert activation_memory([d1, d2], batch=3, dtype="bfloat16").bytes == 84
    texts = rendered(a.assumptions)
    assert "backward pass" in texts["en"]
    assert "Inference needs less" in texts["en"]
    assert "反向传播" in texts["zh"]


def test_activation_memory_nested_outputs_and_fixed_batch_axis() -> None:
    # torch LSTM-like output: [out (1, 5, 7), [h_n (1, 1, 7), c_n (1, 1, 7)]]; axis 0 is the batch axis
    # whatever number was printed there.
    lstm = bare([(1, 5, 7), [(1, 1, 7), (1, 1, 7)]])
    conv = bare((None, 32, 30, 30))
    a = activation_memory([lstm, conv], batch=2)
    assert a.elements_per_example == 35 + 7 + 7 + 32 * 30 * 30
    assert a.bytes == a.elements_per_example * 2 * 4


def test_activation_memory_unknown_axis_counts_as_one_and_says_so() -> None:
    seq = bare((None, None, 64))
    a = activation_memory([seq, bare((None, 10))], batch=1)
    assert a.elements_per_example == 64 + 10
    assert a.unknown_axes == 1
    en = a.assumptions.render("en")
    assert "unknown size" in en
    assert "counted as 1" in en
    assert "未知" in a.assumptions.render("zh")


def test_bad_batch_is_an_input_error() -> None:
    for batch in (0, -3):
        with pytest.raises(InputError) as err:
            activation_memory([keras_dense(8, 10)], batch=batch)
        assert err.value.message.key == "cost.error.batch"


# --- FLOPs and the whole-model cost ---------------------------------------------------------------


def test_flops_is_twice_macs() -> None:
    assert flops(0) == 0
    assert flops(345_600) == 691_200
    with pytest.raises(ValueError, match="macs"):
        flops(-1)


def test_cost_of_two_dense_layers() -> None:
    d1 = keras_dense(86400, 4)
    d2 = keras_dense(4, 2)
    c = cost_of([d1, d2], batch=8)
    assert c.params == 345_604 + 10
    assert (c.trainable, c.non_trainable, c.buffers) == (345_614, 0, 0)
    assert c.macs == 86400 * 4 + 4 * 2
    assert c.flops == 2 * c.macs
    assert c.param_bytes == {"float32": 345_614 * 4, "float16": 345_614 * 2, "bfloat16": 345_614 * 2, "int8": 345_614}
    assert set(c.training) == set(Optimizer)
    assert c.training[Optimizer.ADAM].total == 16 * 345_614
    assert c.training[Optimizer.SGD].total == 8 * 345_614
    assert c.activations is not None
    assert c.activations.bytes == (4 + 2) * 8 * 4
    assert "2 × MACs" in c.notes[0].render("en")


def test_cost_of_unknown_macs_and_empty() -> None:
    c = cost_of([keras_dense(8, 10), bare((None, 3), macs=None)])
    assert c.macs is None
    assert c.flops is None
    assert c.macs_unknown == (1,)
    empty = cost_of([])
    assert (empty.params, empty.macs, empty.activations) == (0, 0, None)


# --- GPU memory and model-level findings ------------------------------------------------------------


def test_gpu_memory_finding_names_both_figures() -> None:
    layer = keras_dense(86400, 4)  # 16 B × 345,604 = 5.27 MiB with Adam, + activations
    assert limit_findings(layer, gpu_memory=GiB) == []
    found = limit_findings(layer, name="dense_2", gpu_memory=4 * 2**20, batch=32)
    assert [f.code for f in found] == ["limit.gpu_memory"]
    assert found[0].severity is Severity.WARNING
    en = found[0].message.render("en")
    need = 16 * 345_604 + 4 * 32 * 4
    assert format_bytes(need) in en
    assert "4.00 MiB" in en
    assert "CUDA out of memory" in en
    assert format_bytes(need) in found[0].message.render("zh")


def test_model_limit_findings() -> None:
    small, big = keras_dense(86400, 4), keras_dense(86400, 172800)
    found = model_limit_findings([small, big], ["dense_1", "dense_2"], gpu_memory=24 * GiB, batch=32)
    codes = [(f.code, f.layer) for f in found]
    assert ("limit.int32_elements", "dense_2") in codes
    assert ("limit.proto_2gb", "dense_2") in codes
    assert ("limit.gpu_memory", "dense_2") in codes
    assert ("limit.gpu_memory", None) in codes  # the whole model
    assert ("limit.int32_total", None) in codes
    assert not any(layer == "dense_1" for _, layer in codes)
    assert model_limit_findings([small], ["dense_1"], gpu_memory=24 * GiB) == []
    with pytest.raises(ValueError, match="names"):
        model_limit_findings([small], [])
    with pytest.raises(InputError):
        model_limit_findings([small], [None], gpu_memory=0)


# --- size formatting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (512, "512 B"),
        (1023, "1023 B"),
        (1024, "1.00 KiB"),
        (1_382_416, "1.32 MiB"),
        (59_720_371_200, "55.6 GiB"),
        (24 * GiB, "24.0 GiB"),
        (300 * GiB, "300 GiB"),
        (1023.996 * 2**20, "1.00 GiB"),  # rounds up into the next unit, not "1024 MiB"
        (2**50, "1,024 TiB"),
        (0.5, "0.50 B"),
        (-2048, "-2.00 KiB"),
    ],
)
def test_format_bytes(n: int | float, text: str) -> None:
    assert format_bytes(n) == text


def test_parse_bytes() -> None:
    assert parse_bytes("16GB") == 16 * GiB
    assert parse_bytes("24 GiB") == 24 * GiB
    assert parse_bytes("512MiB") == 512 * 2**20
    assert parse_bytes("80g") == 80 * GiB
    assert parse_bytes("1,024") == 1024
    assert parse_bytes("1.5 KiB") == 1536
    for bad in ("", "GB", "16 XB", "lots", "16 iB", "-3 GB"):
        with pytest.raises(InputError):
            parse_bytes(bad)


_FORMATTED = re.compile(r"^(-?[\d,]+(?:\.\d+)?) (B|KiB|MiB|GiB|TiB)$")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**60))
def test_format_bytes_parses_back_within_rounding(n: int) -> None:
    text = format_bytes(n)
    assert _FORMATTED.match(text), text
    back = parse_bytes(text)
    assert abs(back - n) <= 0.005 * n + 0.5  # three significant digits
    number = float(text.split()[0].replace(",", ""))
    assert number < 1024 or text.endswith("TiB")


# --- messages ---------------------------------------------------------------------------------------


def test_every_cost_message_has_both_languages() -> None:
    keys = [k for k in text_table() if k.startswith(("cost.", "limit."))]
    assert len(keys) >= 15
    for key in keys:
        texts = text_table()[key]
        assert set(LOCALES) <= set(texts)
        assert all(texts[loc].strip() for loc in LOCALES)
