"""The catalog has an entry for every kind the project promises, and says "unknown" for the rest."""

from __future__ import annotations

import pytest

from calc.catalog import all_kinds, derive, lookup
from calc.errors import LayerbotError, UnknownLayerKind
from calc.i18n import text_table
from calc.types import Framework

KERAS = [
    "Dense",
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
    "SeparableConv1D",
    "SeparableConv2D",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "Flatten",
    "Reshape",
    "Permute",
    "RepeatVector",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianDropout",
    "AlphaDropout",
    "GaussianNoise",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softmax",
    "PReLU",
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "UnitNormalization",
    "Normalization",
    "Rescaling",
    "Embedding",
    "SimpleRNN",
    "LSTM",
    "GRU",
    "Bidirectional",
    "TimeDistributed",
    "ConvLSTM2D",
    "MultiHeadAttention",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Dot",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "InputLayer",
]

TORCH = [
    "Linear",
    "Bilinear",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "Flatten",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softmax",
    "GELU",
    "SiLU",
    "Tanh",
    "Sigmoid",
    "PReLU",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LayerNorm",
    "GroupNorm",
    "InstanceNorm2d",
    "Embedding",
    "RNN",
    "LSTM",
    "GRU",
    "MultiheadAttention",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
    "ZeroPad2d",
    "Upsample",
    "Identity",
]


@pytest.mark.parametrize(
    ("framework", "name"), [(Framework.KERAS, n) for n in KERAS] + [(Framework.TORCH, n) for n in TORCH]
)
def test_promised_kind_is_in_the_catalog(framework: Framework, name: str) -> None:
    entry = lookup(name, framework)
    assert entry.framework is framework


def test_lookup_is_case_insensitive_and_strips_module_prefixes() -> None:
    assert lookup("nn.Linear", Framework.TORCH) is lookup("linear", Framework.TORCH)
    assert lookup("keras.layers.Dense", Framework.KERAS) is lookup("Dense", Framework.KERAS)


def test_unknown_kind_is_reported_with_its_name_never_counted_as_zero() -> None:
    with pytest.raises(UnknownLayerKind) as info:
        derive("FancyCapsuleLayer", Framework.KERAS, {}, [(None, 8)])
    assert info.value.name == "FancyCapsuleLayer"
    assert "FancyCapsuleLayer" in info.value.message.render("en")
    assert "FancyCapsuleLayer" in info.value.message.render("zh")


def test_every_entry_declares_itself() -> None:
    kinds = all_kinds()
    assert len(kinds) >= len(KERAS) + len(TORCH)
    for entry in kinds:
        assert entry.name and entry.family, entry
        assert entry.min_inputs <= entry.max_inputs, entry
        assert set(entry.solvable.values()) <= {"params", "shape"}, entry


def test_every_message_speaks_both_languages() -> None:
    for key, texts in text_table().items():
        assert texts["en"].strip() and texts["zh"].strip(), key
        # the same placeholders in both languages, so no number is lost in translation
        import string

        fields = [{f for _, f, _, _ in string.Formatter().parse(texts[loc]) if f} for loc in ("en", "zh")]
        assert fields[0] == fields[1], key


@pytest.mark.parametrize("bad", [0, -3, 10**30, "abc", 2.5, True, None])
def test_bad_hyperparameter_is_a_friendly_error(bad: object) -> None:
    with pytest.raises(LayerbotError):
        derive("Dense", Framework.KERAS, {"units": bad}, [(None, 8)])
