"""calc.parse.layer_list: the grammar, every random corpus model written as a list (Keras and PyTorch) and
derived back to the framework's true totals, errors that name the token, and detection."""

from __future__ import annotations

import contextlib
import re
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from calc.catalog import MAX_SIZE
from calc.derive import derive_model
from calc.errors import InputError, LayerbotError
from calc.model import Format, ModelSpec
from calc.parse import layer_list
from calc.parse.text import clean
from calc.types import Framework
from tests.corpus import CORPUS, load, model_ids


def _parse(text: str) -> ModelSpec:
    return layer_list.parse(clean(text))


def _rows(spec: ModelSpec) -> list[tuple[str | None, str, dict[str, Any]]]:
    return [(ls.name, ls.type, dict(ls.config)) for ls in spec.layers]


# --- the grammar --------------------------------------------------------------------------------


def test_grammar_help_in_both_languages() -> None:
    msg = layer_list.grammar_help()
    en, zh = msg.render("en"), msg.render("zh")
    for text in (en, zh):
        assert "256x256x3 conv32k3 conv32k3 pool2 flatten dense512 dense4" in text
        assert "conv<f>k<k>" in text and "torch" in text
    assert "卷积" in zh
    assert "conv<f>k<k>" in (layer_list.__doc__ or "")


def test_the_readme_example() -> None:
    spec = _parse("256x256x3 conv32k3 conv32k3 pool2 flatten dense512 dense4")
    assert spec.format is Format.LAYER_LIST
    assert spec.framework is Framework.KERAS
    assert spec.input_shapes == ((None, 256, 256, 3),)
    conv = {
        "filters": 32,
        "kernel_size": (3, 3),
        "strides": (1, 1),
        "padding": "valid",
        "dilation_rate": (1, 1),
        "groups": 1,
        "use_bias": True,
    }
    assert _rows(spec) == [
        ("conv2d", "Conv2D", conv),
        ("conv2d_1", "Conv2D", conv),
        ("max_pooling2d", "MaxPooling2D", {"pool_size": (2, 2), "strides": (2, 2), "padding": "valid"}),
        ("flatten", "Flatten", {}),
        ("dense", "Dense", {"units": 512, "use_bias": True}),
        ("dense_1", "Dense", {"units": 4, "use_bias": True}),
    ]
    assert spec.findings == ()
    assert [ls.line for ls in spec.layers] == [1] * 6


def test_the_classic_question_as_a_list_derives_to_keras_totals() -> None:
    a = _parse(
        "256x256x3 conv32k3same conv32k3 pool2 dropout.25 conv64k3same conv64k3 pool2 dropout.25 "
        "conv64k3same conv64k3 pool2 dropout.25 flatten dense512 relu dropout.5 dense4 softmax"
    )
    assert derive_model(a).total_params == load("k3_classic_a")["total_params"]
    b = _parse(
        "(256, 256, 3) conv32k3 relu pool2 dropout0.25 conv64k3 relu pool2 dropout25\n"
        "conv96k3 relu pool2 dropout25 flatten relu dropout dense4 softmax"
    )
    assert derive_model(b).total_params == load("k3_classic_b")["total_params"] == 420_388


def test_options_shapes_and_layer_kinds() -> None:
    spec = _parse("(28, 28, 1) conv32k3x5s2samed1 bn relu dropout25 gap dense10nobias softmax\ntrailing words are fine")
    (_, conv_type, conv), *_ = _rows(spec)
    assert conv_type == "Conv2D" and conv["kernel_size"] == (3, 5) and conv["strides"] == (2, 2)
    assert conv["padding"] == "same"
    assert [r[1] for r in _rows(spec)] == [
        "Conv2D", "BatchNormalization", "Activation", "Dropout", "GlobalAveragePooling2D", "Dense", "Activation",
    ]  # fmt: skip
    assert spec.layers[3].config == {"rate": 0.25}
    assert spec.layers[5].config == {"units": 10, "use_bias": False}
    spec = _parse("100 embed10000x64 bilstm32seq lstm16seq gru8seq rnn4 dense1 sigmoid")
    assert [r[1] for r in _rows(spec)] == [
        "Embedding", "Bidirectional", "LSTM", "GRU", "SimpleRNN", "Dense", "Activation",
    ]  # fmt: skip
    assert spec.layers[1].config == {
        "layer": {"type": "LSTM", "units": 32, "return_sequences": True},
        "merge_mode": "concat",
    }
    assert spec.input_shapes == ((None, 100),)
    spec = _parse("50x8 conv16k3 pool2 avgpool2s1 gmp fc3")
    assert [r[1] for r in _rows(spec)] == [
        "Conv1D", "MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D", "Dense",
    ]  # fmt: skip
    spec = _parse("16x16x16x1 conv8k3 pool2 conv2d8k3")
    assert [r[1] for r in _rows(spec)] == ["Conv3D", "MaxPooling3D", "Conv2D"]
    spec = _parse("224x224x3 sepconv32k3m2 dwconv3s2m2 deconv8k3s2same upsample2 zeropad1 ln leakyrelu prelu")
    assert [r[1] for r in _rows(spec)] == [
        "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose", "UpSampling2D", "ZeroPadding2D",
        "LayerNormalization", "LeakyReLU", "PReLU",
    ]  # fmt: skip
    assert spec.layers[1].config["depth_multiplier"] == 2
    assert spec.layers[1].config["kernel_size"] == (3, 3)
    report = derive_model(spec)
    assert all(row.status.value == "ok" for row in report.layers)


def test_repetition_and_separators() -> None:
    spec = _parse("32x32x3 -> conv64k3same*2, pool2 → conv128k3same*3 | gap, dense10")
    assert [r[1] for r in _rows(spec)] == ["Conv2D"] * 2 + ["MaxPooling2D"] + ["Conv2D"] * 3 + [
        "GlobalAveragePooling2D",
        "Dense",
    ]
    assert [ls.name for ls in spec.layers][:3] == ["conv2d", "conv2d_1", "max_pooling2d"]


def test_a_list_over_several_lines_inside_a_question() -> None:
    spec = _parse("How many parameters does this have?\n256x256x3 conv32k3 pool2\nflatten dense512 dense4\nThanks!")
    assert len(spec.layers) == 5
    assert [ls.line for ls in spec.layers] == [2, 2, 3, 3, 3]
    assert spec.findings == ()
    spec = _parse("请问 64x64x3 conv16k3 pool gmp dense2 有多少参数？")
    assert [r[1] for r in _rows(spec)][-1] == "Dense"
    spec = _parse("my net is 64x64x3 conv16k3 pool gmp dense2 how many params?")
    (finding,) = spec.findings
    assert finding.code == "parse.list.trailing"
    assert "how" in finding.message.render("en") and "how" in finding.message.render("zh")


def test_pytorch_lists_are_channels_first_with_channels_filled_in() -> None:
    spec = _parse("torch 3x32x32 conv16k3p1 bn relu pool2 flatten fc10")
    assert spec.framework is Framework.TORCH
    assert spec.input_shapes == ((None, 3, 32, 32),)
    assert _rows(spec) == [
        ("0", "Conv2d", {
            "in_channels": 3, "out_channels": 16, "kernel_size": (3, 3), "stride": (1, 1), "padding": (1, 1),
            "dilation": (1, 1), "groups": 1, "bias": True,
        }),
        ("1", "BatchNorm2d", {"num_features": 16}),
        ("2", "ReLU", {}),
        ("3", "MaxPool2d", {"kernel_size": (2, 2), "stride": (2, 2), "padding": (0, 0)}),
        ("4", "Flatten", {"start_dim": 1, "end_dim": -1}),
        ("5", "Linear", {"in_features": 16 * 16 * 16, "out_features": 10, "bias": True}),
    ]  # fmt: skip
    assert derive_model(spec).total_params == (3 * 9 * 16 + 16) + 32 + (4096 * 10 + 10)
    trailing = _parse("784 fc128 relu dropout fc10 torch")
    assert trailing.framework is Framework.TORCH
    assert trailing.layers[0].config == {"in_features": 784, "out_features": 128, "bias": True}
    seq = _parse("pytorch 50x8 bilstm32 ln fc1")
    assert seq.layers[0].config == {"input_size": 8, "hidden_size": 32, "batch_first": True, "bidirectional": True}
    assert seq.layers[1].config == {"normalized_shape": (64,)}
    gap = _parse("torch 3x64x64 conv8k3 gap fc2")
    assert [r[1] for r in _rows(gap)] == ["Conv2d", "AdaptiveAvgPool2d", "Flatten", "Linear"]
    assert gap.layers[-1].config["in_features"] == 8


# --- the corpus: every random model written as a list ------------------------------------------


def _axes(values: list[int]) -> str:
    return "x".join(str(v) for v in values) if len(set(values)) > 1 else str(values[0])


def _keras_token(layer: dict[str, Any]) -> str | None:
    t, c = layer["type"], layer["config"]
    if t in ("Conv1D", "Conv2D"):
        return (
            f"conv{c['filters']}k{_axes(c['kernel_size'])}s{_axes(c['strides'])}{c['padding']}"
            f"d{_axes(c['dilation_rate'])}g{c['groups']}" + ("" if c["use_bias"] else "nobias")
        )
    if t in ("MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"):
        kind = "pool" if t.startswith("Max") else "avgpool"
        return f"{kind}{_axes(c['pool_size'])}s{_axes(c['strides'])}{c['padding']}"
    simple = {
        "BatchNormalization": "bn",
        "Flatten": "flatten",
        "GlobalAveragePooling1D": "gap",
        "GlobalAveragePooling2D": "gap",
        "GlobalMaxPooling1D": "gmp",
        "GlobalMaxPooling2D": "gmp",
    }
    if t in simple:
        return simple[t]
    if t == "Dropout":
        return f"dropout{c['rate']}"
    if t == "Activation":
        return c["activation"]
    if t == "Dense":
        return f"dense{c['units']}" + ("" if c["use_bias"] else "nobias")
    return None


def _keras_list(model_id: str) -> str | None:
    d = load(model_id)
    tokens = []
    for layer in d["layers"]:
        token = _keras_token(layer)
        if token is None:
            return None
        tokens.append(token)
    return " ".join(["x".join(str(v) for v in d["input_shape"][1:]), *tokens])


KERAS_LISTS = [m for m in [*model_ids("k3_rand"), "k3_classic_a", "k3_classic_b"] if _keras_list(m) is not None]


def _same(mine: Any, truth: Any) -> bool:
    if isinstance(mine, tuple):
        return list(mine) == truth
    return bool(mine == truth) if not isinstance(mine, bool) else mine is truth


def test_most_random_models_can_be_written_as_lists() -> None:
    assert len(KERAS_LISTS) >= 80


@pytest.mark.parametrize("model_id", KERAS_LISTS)
def test_keras_corpus_model_as_a_list(model_id: str) -> None:
    text = _keras_list(model_id)
    assert text is not None
    assert layer_list.detect(text)
    spec = _parse(text)
    d = load(model_id)
    assert [ls.type for ls in spec.layers] == [layer["type"] for layer in d["layers"]]
    for ls, layer in zip(spec.layers, d["layers"], strict=True):
        if layer["name"].startswith(("conv", "dense", "max_", "average_", "batch_", "flatten", "dropout", "global")):
            assert ls.name == layer["name"]
        for key, value in ls.config.items():
            assert key in layer["config"] and _same(value, layer["config"][key]), (layer["name"], key, value)
    assert spec.input_shapes == (tuple(d["input_shape"]),)
    report = derive_model(spec)
    assert report.total_params == d["total_params"]


def _torch_token(module: dict[str, Any], following: dict[str, Any] | None) -> str | None:
    cls, c = module["class"], module["config"]
    if cls == "Conv2d":
        return (
            f"conv{c['out_channels']}k{_axes(c['kernel_size'])}s{_axes(c['stride'])}p{_axes(c['padding'])}"
            f"d{_axes(c['dilation'])}g{c['groups']}" + ("" if c["bias"] else "nobias")
        )
    if cls in ("MaxPool2d", "AvgPool2d"):
        if cls == "MaxPool2d" and c.get("dilation", 1) not in (1, [1, 1]):
            return None
        k, s, p = (v if isinstance(v, list) else [v] for v in (c["kernel_size"], c["stride"], c["padding"]))
        return f"{'pool' if cls == 'MaxPool2d' else 'avgpool'}{_axes(k)}s{_axes(s)}p{_axes(p)}"
    if cls in ("AdaptiveAvgPool2d", "AdaptiveMaxPool2d"):
        if c["output_size"] not in (1, [1, 1]) or following is None or following["class"] != "Flatten":
            return None
        return "gap" if "Avg" in cls else "gmp"
    if cls == "Linear":
        return f"fc{c['out_features']}" + ("" if c["bias"] else "nobias")
    simple = {"BatchNorm2d": "bn", "ReLU": "relu", "SiLU": "swish", "Tanh": "tanh", "GELU": "gelu",
              "LeakyReLU": "leakyrelu", "Dropout": "dropout", "Dropout2d": "dropout", "Flatten": "flatten"}  # fmt: skip
    return simple.get(cls)


def _torch_list(model_id: str) -> str | None:
    d = load(model_id)
    modules = [m for m in d["modules"] if m["name"]]
    tokens: list[str] = []
    skip_flatten = False
    for i, m in enumerate(modules):
        if skip_flatten and m["class"] == "Flatten":
            skip_flatten = False
            continue
        token = _torch_token(m, modules[i + 1] if i + 1 < len(modules) else None)
        if token is None:
            return None
        skip_flatten = token in ("gap", "gmp")  # the list's gap/gmp is PyTorch's adaptive pool + Flatten
        tokens.append(token)
    return " ".join(["torch", "x".join(str(v) for v in d["input_size"][1:]), *tokens])


TORCH_LISTS = [m for m in model_ids("pt_rand") if _torch_list(m) is not None]


@pytest.mark.parametrize("model_id", TORCH_LISTS)
def test_torch_corpus_model_as_a_list(model_id: str) -> None:
    text = _torch_list(model_id)
    assert text is not None
    spec = _parse(text)
    assert spec.framework is Framework.TORCH
    d = load(model_id)
    assert derive_model(spec).total_params == d["total_params"]
    truth = [m for m in d["modules"] if m["name"] and m["class"] in ("Conv2d", "Linear", "BatchNorm2d")]
    mine = [ls for ls in spec.layers if ls.type in ("Conv2d", "Linear", "BatchNorm2d")]
    for ls, m in zip(mine, truth, strict=True):
        for key, value in ls.config.items():
            assert _same(value, m["config"][key]), (m["name"], key, value)


def test_most_torch_random_models_can_be_written_as_lists() -> None:
    assert len(TORCH_LISTS) >= 15


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "256x256x3 conv32k3 dens512",  # a typo
        "256x256x3 conv32 pool2",  # no kernel
        "256x256x3 conv32k3q pool2",  # an unknown option
        "256x256x3 pool0",  # a zero window
        "256x256x3 dense",  # no units
        "256x256x3 gap5",  # gap takes no number
        "256x256x3 dropout1.5",
        "256x256x3 conv32k3x3x3",  # three kernel sizes for a 2D convolution
        "256x256x3 dense4 relu*0",
        "100 embed5000 lstm4",  # embed needs vocab x dim
        "256x256x3 pool2nobias",
    ],
)
def test_a_bad_token_is_named_with_the_grammar_summary(text: str) -> None:
    with pytest.raises(InputError) as info:
        _parse(text)
    assert info.value.message.key == "parse.list.bad_token"
    bad = info.value.message.args["token"]
    assert bad in text
    en = info.value.message.render("en")
    assert bad in en and "conv<f>k<k>" in en
    assert bad in info.value.message.render("zh")


def test_other_errors() -> None:
    with pytest.raises(InputError) as info:
        _parse(f"256x256x3 dense{MAX_SIZE + 1}")
    assert info.value.message.key == "parse.list.too_big"
    with pytest.raises(InputError) as info:
        _parse("256x256x3 flatten conv32k3")
    assert info.value.message.key == "parse.list.no_spatial"
    with pytest.raises(InputError) as info:
        _parse("784 lstm32")
    assert info.value.message.key == "parse.list.no_spatial"
    with pytest.raises(InputError) as info:
        _parse("torch 3x32x32 sepconv8k3")
    assert info.value.message.key == "parse.list.keras_only"
    with pytest.raises(InputError) as info:
        _parse("256x256x3 conv32k3p1")
    assert info.value.message.key == "parse.list.option_not_here"
    with pytest.raises(InputError) as info:
        _parse("torch 3x32x32 pool2same")
    assert info.value.message.key == "parse.list.option_not_here"
    for text in ("How many parameters does a dense layer have?", "", "I have 3 relu layers", "256x256x3 images"):
        with pytest.raises(InputError) as info:
            _parse(text)
        assert info.value.message.key == "parse.list.no_list"


def test_length_limits_are_quick() -> None:
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        _parse("28x28x1 " + "relu " * 1_001)
    assert info.value.message.key == "parse.list.too_many"
    with pytest.raises(InputError) as info:
        _parse("28x28x1 relu*1000 relu")
    assert info.value.message.key == "parse.list.too_many"
    with pytest.raises(InputError):
        _parse("28x28x1 conv" + "9" * 100_000 + "k3")
    assert time.perf_counter() - start < 1
    spec = _parse("28x28x1 " + "relu " * 1_000)
    assert len(spec.layers) == 1_000


# --- detection ------------------------------------------------------------------------------------


def test_detect_fires_on_lists_and_on_nothing_else() -> None:
    for text in (
        "256x256x3 conv32k3 pool2 flatten dense512 dense4",
        "256x256x3 conv32k3 pool2\nflatten dense512 dense4",
        "torch 3x224x224 conv64k3p1 relu",
        "784 dense10",
        "(28, 28, 1) flatten dense10",
        "what about 32x32x3 conv16k3 gap dense10?",
        "256x256x3 conv32k3 dens512",  # a list with a typo is still a list: parse() names the token
    ):
        assert layer_list.detect(clean(text)), text
    for path in sorted(CORPUS.glob("*.txt")):
        assert not layer_list.detect(clean(path.read_text())), path.name
    for model_id in model_ids("k3_") + model_ids("tfk2_") + model_ids("pt_"):
        assert not layer_list.detect(clean(load(model_id)["code"])), model_id
    for text in (
        "How do I calculate the number of parameters?",
        "I resized to 256x256x3 images and used conv layers",
        "I have 3 relu layers",
        "我的输入是 256x256x3 的图片",
        "Total params: 420,388",
        "dense 512 then dense 4",
    ):
        assert not layer_list.detect(clean(text)), text


# --- robustness -----------------------------------------------------------------------------------

_LISTISH = st.lists(
    st.sampled_from(
        [
            "256x256x3", "28x28", "(3, 32, 32)", "784", "torch", "keras", "conv32k3", "conv8k3x5s2same", "pool2",
            "avgpool3s1", "gap", "gmp", "flatten", "dense10", "fc4nobias", "dropout", "dropout0.3", "bn", "ln",
            "relu", "lstm8seq", "gru4", "bilstm2", "embed100x8", "upsample2", "zeropad1", "dwconv3", "sepconv4k3",
            "deconv4k2s2", "conv1d4k3", "conv3d2k1", "*2", "*0", "x", "->", ",", "\n", "hello", "conv", "p1", "k3",
            "9" * 15, "0", "(", ")", "×", "dense-1", "dropout150",
        ]
    ),
    max_size=40,
).map(" ".join)  # fmt: skip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_LISTISH)
def test_random_token_soup_only_raises_layerbot_errors(text: str) -> None:
    start = time.perf_counter()
    layer_list.detect(text)
    with contextlib.suppress(LayerbotError):
        spec = layer_list.parse(text)
        assert len(spec.layers) <= layer_list.MAX_TOKENS
        assert spec.input_shapes and spec.input_shapes[0][0] is None
    assert time.perf_counter() - start < 1


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_unicode_only_raises_layerbot_errors(text: str) -> None:
    layer_list.detect(text)
    with contextlib.suppress(LayerbotError):
        layer_list.parse(text)


_SEPARATED = st.text(alphabet=" \t\x1c\x85\u2028\u3000,;|->→=>x×*()a1٣X", max_size=30)
_REGEX_NUMBER_FIRST = re.compile(
    r"[\s,;|>=→-]*(?:(?:[Pp][Yy])?[Tt][Oo][Rr][Cc][Hh]|[Kk][Ee][Rr][Aa][Ss]|[Tt][Ff]\.[Kk][Ee][Rr][Aa][Ss])?[\s,;|>=→-]*\d"
)


@settings(max_examples=500, deadline=None)
@given(_SEPARATED, st.sampled_from(["", "torch", "Keras", "tf.keras", "=" * 30, "\n"]))
@example(" ( 256 ,\t256 ×3 ) conv32k3 -> pool2=>dense4", "\n")
@example("\n  ==== \n 3x4", "=" * 30)
def test_fast_scans_read_what_the_regexes_read(text: str, word: str) -> None:
    """The tokenizer and the detect() prefilters give the answers of the plain regexes they replace."""
    line = word + text
    assert layer_list._split(line) == [p for p in layer_list._SPLIT.split(line) if p]
    assert layer_list._maybe_shape(line) == (layer_list._MAYBE_SHAPE.search(line) is not None)
    greedy_on_a_line = re.compile(r"\n" + _REGEX_NUMBER_FIRST.pattern)
    assert (layer_list._NUMBER_FIRST.match(line) is None) == (_REGEX_NUMBER_FIRST.match(line) is None)
    assert (layer_list._NUMBER_FIRST_ON_A_LINE.search(line) is None) == (greedy_on_a_line.search(line) is None)
    for m in layer_list._PAREN_SHAPE.finditer(line):
        assert layer_list._paren_shape(m) == "x".join(p.strip() for p in re.split(r"[,x×*]", m.group(1)))


def test_a_forced_framework_builds_the_list_as_that_frameworks_layers() -> None:
    """`layerbot explain --framework torch` on a list that does not say torch: PyTorch kinds, C×H×W, every
    count derived (Conv2d (3·3·3 + 1)·8 = 224, Linear 7,200 × 4 + 4); and the other way round."""
    from calc.explain import explain
    from calc.report import Status

    report = explain("3x32x32 conv8k3 flatten dense4", framework="torch")
    assert [layer.type for layer in report.layers] == ["Conv2d", "Flatten", "Linear"]
    assert [layer.params for layer in report.layers] == [224, 0, 28_804]
    assert all(layer.status is Status.OK for layer in report.layers)
    keras = explain("torch 32x32x3 conv8k3 flatten dense4", framework="keras")
    assert [layer.type for layer in keras.layers] == ["Conv2D", "Flatten", "Dense"]
    assert [layer.params for layer in keras.layers] == [224, 0, 28_804]


# --- _find against the plain scan it replaces -------------------------------------------------------


def _reference_find(text: str) -> tuple[object, ...] | None:
    """_find as first written: every token of the text (the first _MAX_SCAN_TOKENS) in one list, each tried
    as the shape.  Kept here as the definition the line-by-line search must match."""
    toks: list[tuple[str, int]] = []
    for number, line in enumerate(text.split("\n"), 1):
        if "(" in line:
            line = layer_list._PAREN_SHAPE.sub(layer_list._paren_shape, line)
        for part in layer_list._split(line):
            if len(toks) == layer_list._MAX_SCAN_TOKENS:
                break
            toks.append((part, number))
    frameworks = layer_list._FRAMEWORK
    for i, (tok, line_no) in enumerate(toks):
        if tok[0] not in "0123456789":
            continue
        first_of_line = i == 0 or toks[i - 1][1] != line_no
        if not first_of_line and toks[i - 1][0].lower() in frameworks:
            first_of_line = i == 1 or toks[i - 2][1] != line_no
        if i + 1 >= len(toks):
            continue
        following = toks[i + 1][0]
        low = tok.lower()
        shape = layer_list._SHAPE.match(low) is not None or (
            first_of_line and layer_list._INT.match(low) is not None and any(c.isdigit() for c in following)
        )
        if not shape or not layer_list._layerish(following):
            continue
        framework = Framework.KERAS
        if i > 0 and toks[i - 1][0].lower() in frameworks:
            framework = frameworks[toks[i - 1][0].lower()]
        layers: list[tuple[str, int]] = []
        j = i + 1
        while j < len(toks):
            t = toks[j]
            low = t[0].lower()
            if low in frameworks:
                if not layers or framework is Framework.KERAS:
                    framework = frameworks[low]
                j += 1
                break
            if not (layer_list._is_layer(t[0]) or layer_list._LOOKS_LIKE_LAYER.match(low)):
                break
            layers.append(t)
            if len(layers) > layer_list.MAX_TOKENS:
                raise InputError("parse.list.too_many", max=layer_list.MAX_TOKENS)
            j += 1
        stop = toks[j] if j < len(toks) and layers and toks[j][1] == layers[-1][1] else None
        return framework, (tok, line_no), layers, stop
    return None


def _outcome(find: Any, text: str) -> object:
    try:
        found = find(text)
    except InputError as e:
        return ("error", str(e))
    if found is None or isinstance(found, tuple):
        return found
    stop = None if found.stop is None else (found.stop.text, found.stop.line)
    return found.framework, (found.shape.text, found.shape.line), [(t.text, t.line) for t in found.layers], stop


def _assert_found_alike(text: str) -> None:
    expected = _outcome(_reference_find, text)
    assert _outcome(layer_list._find, text) == expected
    reference_detect = (
        len(text) <= 400_000 and layer_list._maybe_list(text) and (expected is not None)
    )
    assert layer_list.detect(text) == reference_detect


_PIECES = st.sampled_from(
    [
        "256x256x3", "28X28", "3×4", "2*2", "(3, 32, 32)", "( 3 , 4 ,)", "(7)", "(1,\n2)", "784", "0", "12",
        "torch", "TORCH", "pytorch", "keras", "tf.keras", "\u212aeras", "conv32k3", "conv8k3x5s2same", "pool2",
        "gap", "flatten", "dense10", "fc4nobias", "dropout", "relu", "lstm8seq", "embed100x8", "conv", "dens512",
        "conv32k3*2", "*3", "hello", "x", "X", "×", "*", "(", ")", ")(", ":", "=", "-", ">", "->", "=>", "→", ",",
        ";", "|", " ", "  ", "\t", "\n", "\n\n", "\x1c", "\u3000", "\u2028", "\x85", "kernel_size=", "a1", "9" * 15,
    ]
)  # fmt: skip
_GLUED = st.lists(st.tuples(_PIECES, st.sampled_from(["", " ", "\n", ","])), max_size=40).map(
    lambda parts: "".join(p + sep for p, sep in parts)
)
_CORPUS_TEXTS = sorted(path.read_text() for path in CORPUS.glob("*.txt"))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_GLUED)
@example("(0): Conv2d(3, 32, kernel_size=(3, 3))\n(3, 3)\nconv8k3")
@example("torch\n3x3 conv4k3 keras relu pool2\n")
@example("\u212aeras 784 dense10")
@example("3x(4, 4) conv2k3 flatten")
@example("(3)x4 dense2")
@example("1(2) dense2")
@example("a (3)(4) dense2 relu ok")
@example("->784 dense10 relu, bye")
def test_find_reads_what_the_plain_scan_reads(text: str) -> None:
    """The line-by-line search finds the list the plain scan of every token finds (or says no, or that it
    is too long, alike), and detect() answers alike."""
    _assert_found_alike(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_find_reads_what_the_plain_scan_reads_in_any_text(text: str) -> None:
    _assert_found_alike(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_CORPUS_TEXTS), st.data())
def test_find_reads_what_the_plain_scan_reads_in_pasted_summaries(text: str, data: st.DataObject) -> None:
    """A corpus paste, cut and with pieces put in: the search still agrees where lines start and end."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 3000)))
    text = text[start:end]
    for _ in range(data.draw(st.integers(0, 4))):
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(_GLUED) + text[at:]
    _assert_found_alike(clean(text))


@pytest.mark.parametrize("before", [99_998, 99_999, 100_000])
def test_find_sees_the_first_100000_tokens_like_the_plain_scan(before: int) -> None:
    """A long text: the list is found only while its shape and first layer are among the tokens read."""
    for fill in ("a ", "a\n", "1 "):
        text = fill * before + "256x256x3 conv32k3 pool2\ndense4 relu" + " b" * 3
        _assert_found_alike(text)
    long_list = "a " * (before - 1_000) + "28x28 " + "relu " * 1_200
    _assert_found_alike(long_list)


@settings(max_examples=300, deadline=None)
@given(_GLUED)
def test_most_tokens_is_never_fewer_than_the_tokens(text: str) -> None:
    tokens = sum(len(layer_list._line_words(line)) for line in text.split("\n"))
    assert layer_list._most_tokens(text) >= tokens
