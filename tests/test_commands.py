"""calc.commands: the tokenizer, the command table and every command's numbers."""

from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calc import commands as cmdmod
from calc.catalog import MAX_SIZE
from calc.commands import MAX_LINE, MAX_TOKENS, ArgType, commands, invoke, parse, run, tokenize
from calc.cost import INT32_MAX, format_bytes
from calc.errors import InputError, LayerbotError
from calc.findings import Severity
from calc.i18n import LOCALES, Message, text_table
from calc.types import Framework
from tests.arith import arith

# --------------------------------------------------------------------------------------------
# Tokenizer


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/dense 86400 4", ("dense", [(None, "86400"), (None, "4")])),
        ("dense 86400 4", ("dense", [(None, "86400"), (None, "4")])),
        ("  /DENSE   86400\t4 \n", ("dense", [(None, "86400"), (None, "4")])),
        ("/dense in_features: 86400 units: 4", ("dense", [("in_features", "86400"), ("units", "4")])),
        ("/dense in_features:86400 units=4", ("dense", [("in_features", "86400"), ("units", "4")])),
        ("/dense units = 4 86400", ("dense", [("units", "4"), (None, "86400")])),
        ("/dense Units=4", ("dense", [("units", "4")])),
        ("/conv (256, 256, 3) 32 (3, 3)", ("conv", [(None, "(256, 256, 3)"), (None, "32"), (None, "(3, 3)")])),
        ("/conv input=[256, 256, 3] 32 3", ("conv", [("input", "[256, 256, 3]"), (None, "32"), (None, "3")])),
        # full-width digits, colon, comma and brackets (a Chinese keyboard) fold to ASCII
        ("／dense ８６４００ units：４", ("dense", [(None, "86400"), ("units", "4")])),
        ("/conv （256，256，3） 32 3", ("conv", [(None, "(256,256,3)"), (None, "32"), (None, "3")])),
    ],
)
def test_tokenize(line: str, expected: tuple[str, list[tuple[str | None, str]]]) -> None:
    assert tokenize(line) == expected


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("", "cmd.error.empty"),
        ("   /  ", "cmd.error.empty"),
        ("/conv (256, 256, 3 32 3", "cmd.error.brackets"),
        ("/conv 256, 256, 3) 32 3", "cmd.error.brackets"),
        ("/conv ((256)) 32 3", "cmd.error.brackets"),
        ("/dense 86400 units:", "cmd.error.no_value"),
        ("/dense " + "1 " * (MAX_TOKENS + 1), "cmd.error.too_many_tokens"),
        ("/dense 1 " + "x" * MAX_LINE, "cmd.error.too_long"),
    ],
)
def test_tokenize_errors(line: str, key: str) -> None:
    with pytest.raises(InputError) as info:
        tokenize(line)
    assert info.value.message.key == key


# --------------------------------------------------------------------------------------------
# Values


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("86400", 86400),
        ("+4", 4),
        ("86,400", 86400),
        ("86_400", 86400),
        ("1,000,000", 1_000_000),
        ("2**16", 65536),
        ("2^10", 1024),
        ("1e3", 1000),
        ("1.5e3", 1500),
        ("1E12", MAX_SIZE),
        ("1000000000000", MAX_SIZE),
        ("0004", 4),
    ],
)
def test_parse_int(text: str, value: int) -> None:
    assert cmdmod.parse_int(text) == value


@pytest.mark.parametrize(
    ("text", "too_large"),
    [
        ("0", False),
        ("-5", False),
        ("- 5", False),
        ("1.5", False),
        ("abc", False),
        ("1e-3", False),
        ("1.5e0", False),
        ("86,40", False),
        ("", False),
        ("٣", False),  # Arabic-Indic digit: int() would take it, we do not
        ("10**30", True),
        ("1e30", True),
        ("1e999999999999", True),
        ("2**99999999999", True),
        ("1000000000001", True),
        ("9" * 200, True),
    ],
)
def test_parse_int_refuses(text: str, too_large: bool) -> None:
    with pytest.raises(cmdmod._TooLarge if too_large else cmdmod._Bad):
        cmdmod.parse_int(text)


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("256x256x3", (256, 256, 3)),
        ("256X256X3", (256, 256, 3)),
        ("256×256×3", (256, 256, 3)),
        ("256*256*3", (256, 256, 3)),
        ("256,256,3", (256, 256, 3)),
        ("(256, 256, 3)", (256, 256, 3)),
        ("[256, 256, 3]", (256, 256, 3)),
        ("(100,)", (100,)),
        ("Nonex16", (None, 16)),
        ("?x16", (None, 16)),
    ],
)
def test_parse_shape(text: str, shape: tuple[int | None, ...]) -> None:
    assert cmdmod.parse_shape(text) == shape


@pytest.mark.parametrize("text", ["", "()", "(256, 256, 3]", "256xx3", "0x3", "1x2x3x4x5x6", "abc"])
def test_parse_shape_refuses(text: str) -> None:
    with pytest.raises((cmdmod._Bad, cmdmod._TooLarge)):
        cmdmod.parse_shape(text)


@pytest.mark.parametrize(("text", "value"), [("true", True), ("Yes", True), ("1", True), ("off", False), ("否", False)])
def test_parse_bool(text: str, value: bool) -> None:
    assert cmdmod.parse_bool(text) is value


# --------------------------------------------------------------------------------------------
# The table


def test_every_message_has_both_languages_and_short_option_help() -> None:
    table = text_table()
    for spec in commands():
        assert spec.help in table
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,31}", spec.name)
        for arg in spec.args:
            assert re.fullmatch(r"[a-z][a-z0-9_]{0,31}", arg.name), arg.name  # Discord option names
            for lang in LOCALES:
                text = Message(arg.help).render(lang)
                assert 1 <= len(text) <= 100, (spec.name, arg.name, lang)  # Discord option descriptions
            if arg.type is ArgType.CHOICE:
                assert arg.choices and len(arg.choices) <= 25
        required = [a.required for a in spec.args]
        assert required == sorted(required, reverse=True), f"/{spec.name}: required arguments come first"
    for key, texts in table.items():
        if key.startswith(("cmd.", "arg.", "expect.")):
            assert set(LOCALES) <= set(texts)


def test_usage_lines() -> None:
    assert cmdmod.find("dense") is not None
    assert cmdmod.find("dense").usage.startswith("/dense in_features units [bias]")  # type: ignore[union-attr]
    assert cmdmod.find("/lstm") is cmdmod.find("rnn")


def test_help_lists_every_command() -> None:
    result = run("/help")
    assert [s.name for s in result.help] == [s.name for s in commands()]
    assert [s.name for s in run("/help conv").help] == ["conv"]
    assert [s.name for s in run("/help /lstm").help] == ["rnn"]


# --------------------------------------------------------------------------------------------
# Commands: numbers checked against the frameworks (reference anchors) and by hand.


def _one(line: str) -> commands.CommandResult:
    result = run(line)
    assert len(result.layers) == 1
    formula = result.layers[0].formula
    if formula is not None:
        assert arith(formula.plain) == result.layers[0].params  # the printed formula is the count
    return result


def test_dense_345604() -> None:
    r = _one("/dense 86400 4")
    layer = r.layers[0]
    assert (layer.kind, layer.framework, layer.params) == ("Dense", Framework.KERAS, 345_604)
    assert f"{layer.formula.unicode} = {layer.params:,}" == "86,400 × 4 + 4 = 345,604"  # type: ignore[union-attr]
    assert layer.explanation.render("en") == "86,400 inputs × 4 units + 4 biases"
    assert layer.output == (None, 4)
    assert r.cost is not None and r.cost.params == 345_604 and r.cost.macs == 345_600
    assert r.findings == () and r.max_units is None


def test_dense_over_int32() -> None:
    r = _one("/dense 86400 172800")
    assert r.layers[0].params == 14_930_092_800
    assert r.cost is not None and format_bytes(r.cost.param_bytes["float32"]) == "55.6 GiB"
    codes = {f.code: f for f in r.findings}
    assert codes["limit.int32_elements"].severity is Severity.ERROR
    assert "2**31 − 1" in codes["limit.int32_elements"].message.render("en")
    assert "limit.proto_2gb" in codes
    assert r.max_units == 24_855
    assert 86_400 * 24_855 <= INT32_MAX < 86_400 * 24_856


def test_dense_variants() -> None:
    assert _one("/dense 86400 4 bias=false").layers[0].params == 345_600
    assert _one("/dense 86400 4 no").layers[0].params == 345_600
    torch = _one("/dense 86400 4 framework=torch").layers[0]
    assert (torch.kind, torch.params, torch.weights[0].shape) == ("Linear", 345_604, (4, 86400))
    assert _one("/linear 86400 4").layers[0].kind == "Linear"
    assert _one("/dense units=4 in_features=86400").layers[0].params == 345_604
    assert _one("/dense 86,400 4 pytorch").layers[0].kind == "Linear"


def test_conv() -> None:
    r = _one("/conv 256x256x3 32 3")
    layer = r.layers[0]
    assert (layer.kind, layer.params, layer.output) == ("Conv2D", 896, (None, 254, 254, 32))
    assert layer.formula is not None and layer.formula.unicode == "(3·3·3 + 1)·32"
    assert _one("/conv (256, 256, 3) 32 3 same").layers[0].output == (None, 256, 256, 32)
    assert _one("/conv 256x256x3 32 3 stride=2").layers[0].output == (None, 127, 127, 32)
    torch = _one("/conv 3x256x256 32 3 framework=torch").layers[0]
    assert (torch.kind, torch.params, torch.output) == ("Conv2d", 896, (None, 32, 254, 254))
    assert _one("/conv 3x64x64 32 3 padding=1 torch").layers[0].output == (None, 32, 64, 64)
    assert _one("/conv 64x64x8 64 3 groups=4").layers[0].params == 1_216  # reference anchor
    assert _one("/conv 100x16 32 5").layers[0].kind == "Conv1D"
    assert _one("/conv 16x16x16x4 8 3").layers[0].kind == "Conv3D"
    assert _one("/conv 256x256x3 32 3 bias=false").layers[0].params == 864


def test_pool() -> None:
    layer = _one("/pool 32x32x16").layers[0]
    assert (layer.kind, layer.params, layer.output) == ("MaxPooling2D", 0, (None, 16, 16, 16))
    assert _one("/pool 32x32x16 avg 2").layers[0].kind == "AveragePooling2D"
    assert _one("/pool 32x32x16 max 3 2 same").layers[0].output == (None, 16, 16, 16)
    assert _one("/pool 7x7x512 global_avg").layers[0].output == (None, 512)
    torch = _one("/pool 16x32x32 avg 2 torch").layers[0]
    assert (torch.kind, torch.output) == ("AvgPool2d", (None, 16, 16, 16))
    assert _one("/maxpool 32x32x3").layers[0].kind == "MaxPooling2D"


@pytest.mark.parametrize(
    ("line", "kind", "params"),
    [
        ("/rnn lstm 32 16", "LSTM", 6_272),  # 4·(32·(16 + 32) + 32)
        ("/rnn lstm 32 16 framework=torch", "LSTM", 6_400),  # + 4·32: b_ih and b_hh
        ("/lstm 32 16 torch", "LSTM", 6_400),
        ("/rnn gru 32 16", "GRU", 4_800),  # reset_after=True (Keras 3 default)
        ("/rnn gru 32 16 reset_after=false", "GRU", 4_704),
        ("/rnn gru 32 16 torch", "GRU", 4_800),
        ("/rnn simple 32 16", "SimpleRNN", 1_568),
        ("/rnn simple 32 16 torch", "RNN", 1_600),
        ("/rnn lstm 64 128 50 bidirectional=true", "Bidirectional", 98_816),  # corpus k3_seq_bidirectional_lstm
        ("/rnn lstm 256 128 50 torch bidirectional=yes num_layers=2", "LSTM", 2_367_488),  # pt_lstm_classifier_bidir
    ],
)
def test_rnn(line: str, kind: str, params: int) -> None:
    layer = _one(line).layers[0]
    assert (layer.kind, layer.params) == (kind, params)


def test_rnn_keras_stack() -> None:
    r = run("/rnn lstm 64 16 20 num_layers=3")
    assert [layer.params for layer in r.layers] == [20_736, 33_024, 33_024]
    assert [layer.output for layer in r.layers] == [(None, 20, 64), (None, 20, 64), (None, 64)]
    assert r.cost is not None and r.cost.params == 86_784


def test_embedding() -> None:
    layer = _one("/embedding 20000 128 100").layers[0]
    assert (layer.kind, layer.params, layer.output) == ("Embedding", 2_560_000, (None, 100, 128))
    assert _one("/embedding 10000 128 torch").layers[0].params == 1_280_000


def test_attention() -> None:
    layer = _one("/attention 4 32 128 64").layers[0]  # corpus k3_func_transformer_encoder
    assert (layer.kind, layer.params, layer.output) == ("MultiHeadAttention", 66_048, (None, 64, 128))
    torch = _one("/attention 8 64 512 10 torch").layers[0]  # corpus pt_transformer_encoder_layer
    assert (torch.kind, torch.params) == ("MultiheadAttention", 1_050_624)


def test_invoke_with_typed_options() -> None:
    """What the Discord cog does: typed values, no text to tokenize."""
    r = invoke("dense", {"in_features": 86400, "units": 4, "bias": True, "framework": None})
    assert r.layers[0].params == 345_604
    assert invoke("conv", {"input": "256x256x3", "filters": 32, "kernel": 3}).layers[0].params == 896
    with pytest.raises(InputError):
        invoke("dense", {"in_features": 0, "units": 4})
    with pytest.raises(InputError):
        invoke("dense", {"in_features": True, "units": 4})


def test_parse_keeps_values_typed() -> None:
    inv = parse("/conv 256x256x3 32 3x3 stride=2 framework=torch")
    assert inv["input"] == (256, 256, 3) and inv["kernel"] == (3, 3) and inv["stride"] == 2
    assert inv["framework"] is Framework.TORCH and inv["bias"] is True


# --------------------------------------------------------------------------------------------
# Bad input: one InputError that says what was wrong and what is accepted.


BAD = [
    ("/dense 0 4", "cmd.error.value", "in_features=0"),
    ("/dense -5 4", "cmd.error.value", "in_features=-5"),
    ("/dense 10**30 4", "cmd.error.too_large", "10**30"),
    ("/dense 1e30 4", "cmd.error.too_large", "1e30"),
    ("/dense abc 4", "cmd.error.value", "in_features=abc"),
    ("/dense 1.5 4", "cmd.error.value", "1.5"),
    ("/dense 86400", "cmd.error.missing", "units is missing"),
    ("/dense", "cmd.error.missing", "in_features is missing"),
    ("/frobnicate 1 2", "cmd.error.unknown", "/frobnicate"),
    ("/dense 86400 4 colour=red", "cmd.error.unknown_option", "colour"),
    ("/dense 86400 4 units=5", "cmd.error.duplicate", "units"),
    ("/dense 86400 4 true 7", "cmd.error.too_many", "7"),
    ("/dense 86400 4 maybe", "cmd.error.value", "bias=maybe"),
    ("/dense 86400 4 framework=jax", "cmd.error.value", "keras / torch"),
    ("/dense \x00\u202e 4", "cmd.error.value", "=\\u0000 is"),  # NUL shown escaped; the RTL override dropped
    ("/dense 🙂 4", "cmd.error.value", "🙂"),
    ("/conv 256 32 3", "cmd.error.value", "input=256"),
    ("/conv 5x5x3 32 7", "cmd.error.layer", "too small"),
    ("/conv 256x256x3 32 3x3x3", "cmd.error.layer", "kernel_size"),
    ("/conv 64x64x8 64 3 groups=3", "cmd.error.layer", "divisible"),
    ("/conv 256x256x3 32 3 padding=1", "cmd.error.keras_padding", "framework=torch"),
    ("/conv ?x256x256 32 3 torch", "cmd.error.channels", "channels"),
    ("/pool 16x32x32 max 2 padding=same torch", "cmd.error.torch_pool_padding", "same"),
    ("/rnn lstm 32 16 reset_after=false", "cmd.error.reset_after", "Keras GRU"),
    ("/rnn 32 16", "cmd.error.value", "kind=32"),
    ("/attention 8 32 512 torch", "cmd.error.head_dim", "key_dim must be 64"),
    ("/attention 7 64 512 torch", "cmd.error.heads_divide", "divisible"),
    ("/help nothing", "cmd.error.unknown", "/nothing"),
]


@pytest.mark.parametrize(("line", "key", "fragment"), BAD)
def test_bad_input(line: str, key: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        run(line)
    message = info.value.message
    assert message.key == key
    for lang in LOCALES:
        text = message.render(lang)
        assert "\n" not in text and text.strip() == text
    en = message.render("en")
    assert fragment in en
    if key != "cmd.error.unknown":
        assert "Usage: /" in en  # what is accepted
    else:
        assert "/dense" in en and "/help" in en


def test_long_user_text_is_cut_in_messages() -> None:
    with pytest.raises(InputError) as info:
        run("/dense " + "z" * 60 + " 4")
    assert "z" * 39 + "…" in info.value.message.render("en")


# --------------------------------------------------------------------------------------------
# Random text never escapes as anything but a LayerbotError.

_WORDS = st.sampled_from(
    ["/dense", "/conv", "/pool", "/rnn", "/embedding", "/attention", "/help", "/lstm", "dense", "86400", "4", "0",
     "-1", "3x3", "(3, 3)", "256x256x3", "x", "=", ":", "units=", "bias=no", "torch", "keras", "same", "valid", "1e30",
     "10**30", "2**31", "(", ")", "[", "]", "None", "?", "lstm", "gru", "simple", "max", "avg", "global_avg", "1e12",
     "framework:torch", "padding=1", "groups=2", "stride=2", "dilation=3", "num_layers=2", "bidirectional=yes",
     "reset_after=false", "seq_len=7", "batch=64", "1x1x1", "3x1000000000000x3"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WORDS, max_size=8).map(" ".join))
def test_random_commands_raise_only_layerbot_errors(line: str) -> None:
    error: LayerbotError | None = None
    try:
        run(line)
    except LayerbotError as exc:
        error = exc
    if error is not None:
        for lang in LOCALES:
            assert "\n" not in error.message.render(lang)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_random_text_raises_only_layerbot_errors(line: str) -> None:
    with contextlib.suppress(LayerbotError):
        run(line)
