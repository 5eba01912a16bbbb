"""Activations, normalization and embeddings: anchors from the reference notes, properties over random
configurations, user errors."""

from __future__ import annotations

import math
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.catalog import all_kinds, derive
from calc.catalog.base import LayerCalc
from calc.errors import ConfigError, LayerbotError, ShapeError
from calc.i18n import text_table
from calc.types import Framework
from tests.arith import arith, numbers

K, T = Framework.KERAS, Framework.TORCH
FAMILIES = ("activation", "normalization", "embedding")


def _check_renderings(calc: LayerCalc) -> None:
    formula = calc.formula
    if calc.params == 0:
        assert formula is None or formula.value == 0
    else:
        assert formula is not None
        assert arith(formula.plain) == calc.params
        assert numbers(formula.unicode) == numbers(formula.plain)
    assert sum(w.numel for w in calc.weights if w.role != "buffer") == calc.params
    assert sum(w.numel for w in calc.weights if w.role == "buffer") == calc.buffer_count
    assert calc.explanation.render("en") and calc.explanation.render("zh")
    for note in calc.notes:
        assert note.render("en") and note.render("zh")


# --------------------------------------------------------------------------------------------
# (a) anchors (reference notes, section 3; numbers verified in Keras 3 and PyTorch)


@pytest.mark.parametrize(
    ("kind", "fw", "config", "shape", "params", "unicode"),
    [
        ("PReLU", K, {}, (None, 28, 28, 32), 25_088, "28·28·32"),
        ("PReLU", K, {"shared_axes": [1, 2]}, (None, 28, 28, 32), 32, "32"),
        ("PReLU", T, {}, (1, 32, 28, 28), 1, "1"),
        ("PReLU", T, {"num_parameters": 32}, (1, 32, 28, 28), 32, "32"),
        ("BatchNormalization", K, {}, (None, 10, 10, 64), 256, "2·64 + 2·64"),
        ("BatchNorm2d", T, {"num_features": 64}, (1, 64, 10, 10), 128, "2·64"),
        ("LayerNormalization", K, {}, (None, 10, 64), 128, "2·64"),
        ("LayerNorm", T, {"normalized_shape": 64}, (1, 10, 64), 128, "2·64"),
        ("LayerNorm", T, {"normalized_shape": [64, 15, 15]}, (1, 64, 15, 15), 28_800, "2·64·15·15"),
        ("GroupNormalization", K, {"groups": 8}, (None, 58, 58, 64), 128, "2·64"),
        ("GroupNorm", T, {"num_groups": 8, "num_channels": 64}, (1, 64, 32, 32), 128, "2·64"),
        ("Normalization", K, {}, (None, 224, 224, 3), 7, "2·3 + 1"),
        ("Embedding", K, {"input_dim": 400_000, "output_dim": 100}, (None, 50), 40_000_000, "400,000 × 100"),
        ("Embedding", T, {"num_embeddings": 400_000, "embedding_dim": 100}, (1, 50), 40_000_000, "400,000 × 100"),
    ],
)
def test_anchor(
    kind: str, fw: Framework, config: dict[str, Any], shape: tuple[int | None, ...], params: int, unicode: str
) -> None:
    calc = derive(kind, fw, config, [shape])
    assert calc.params == params
    assert calc.formula is not None and calc.formula.unicode == unicode
    _check_renderings(calc)


def test_batchnorm_counts_statistics_differently_per_framework() -> None:
    keras = derive("BatchNormalization", K, {}, [(None, 10, 10, 64)])
    assert (keras.trainable_params, keras.non_trainable_params, keras.buffer_count) == (128, 128, 0)
    assert [(w.name, w.role) for w in keras.weights] == [
        ("gamma", "trainable"), ("beta", "trainable"),
        ("moving_mean", "non_trainable"), ("moving_variance", "non_trainable"),
    ]
    torch = derive("BatchNorm2d", T, {"num_features": 64}, [(1, 64, 10, 10)])
    assert (torch.trainable_params, torch.non_trainable_params, torch.buffer_count) == (128, 0, 129)
    assert torch.buffers is not None and torch.buffers.unicode == "2·64 + 1"
    assert [w.name for w in torch.weights if w.role == "buffer"] == ["running_mean", "running_var",
                                                                      "num_batches_tracked"]
    assert any(n.key == "note.norm_bn_keras" for n in keras.notes)
    assert any(n.key == "note.norm_bn_torch" for n in torch.notes)
    text = torch.explanation.render("en")
    assert "buffer" in text and "129" in text


def test_keras_batchnorm_flags_and_renorm() -> None:
    calc = derive("BatchNormalization", K, {"center": False}, [(None, 24)])
    assert calc.formula is not None and calc.formula.unicode == "24 + 2·24"
    assert "center=False" in calc.explanation.render("en")
    calc = derive("BatchNormalization", K, {"center": False, "scale": False}, [(None, 24)])
    assert calc.trainable is None and calc.params == 48
    calc = derive("BatchNormalization", K, {"renorm": True}, [(None, 24)])
    assert calc.formula is not None and calc.formula.unicode == "2·24 + 5·24"
    calc = derive("BatchNormalization", K, {"axis": 1, "trainable": False}, [(None, 16, 5, 5)])
    assert (calc.trainable_params, calc.non_trainable_params) == (0, 64)


def test_prelu_explains_the_framework_difference() -> None:
    keras = derive("PReLU", K, {}, [(None, 28, 28, 32)])
    torch = derive("PReLU", T, {}, [(1, 32, 28, 28)])
    assert any(n.key == "note.act_prelu_keras" for n in keras.notes)
    note = next(n for n in torch.notes if n.key == "note.act_prelu_torch")
    assert "25,088" in note.render("en") and "25,088" in note.render("zh")
    assert keras.weights[0].shape == (28, 28, 32)
    shared = derive("PReLU", K, {"shared_axes": [1, 2]}, [(None, 28, 28, 32)])
    assert shared.weights[0].shape == (1, 1, 32)
    # Keras writes param_shape[i - 1] = 1, so shared_axes=-1 folds the second-to-last axis (as Keras does)
    odd = derive("PReLU", K, {"shared_axes": -1}, [(None, 6, 5, 4)])
    assert odd.weights[0].shape == (6, 1, 4) and odd.params == 24


def test_parameter_free_kinds_say_why() -> None:
    free = [k for k in all_kinds() if k.family == "activation" and k.name not in ("PReLU",)]
    assert len(free) >= 45
    for kind in free:
        rank = max(getattr(kind, "min_rank", 2), 2)
        shape = (None if kind.framework is K else 2, *(4,) * (rank - 1))
        calc = derive(kind, kind.framework, {}, [shape])
        assert calc.params == 0 and calc.formula is None and calc.macs == 0, kind
        assert calc.explanation.render("en") and calc.explanation.render("zh")
        assert calc.notes and all(n.render("zh") for n in calc.notes)
        if kind.name != "GLU":
            assert calc.output == shape
    glu = derive("GLU", T, {"dim": 1}, [(1, 8, 6)])
    assert glu.output == (1, 4, 6)


def test_torch_instance_and_layer_norm_options() -> None:
    calc = derive("InstanceNorm2d", T, {"num_features": 64}, [(1, 64, 15, 15)])
    assert calc.params == 0 and calc.buffer_count == 0
    assert any(n.key == "note.norm_instance_defaults" for n in calc.notes)
    calc = derive("InstanceNorm2d", T, {"num_features": 4, "affine": True, "track_running_stats": True},
                  [(1, 4, 6, 6)])
    assert (calc.params, calc.buffer_count) == (8, 9)
    calc = derive("LayerNorm", T, {"normalized_shape": 8, "bias": False}, [(2, 5, 8)])
    assert calc.formula is not None and calc.formula.unicode == "8"
    assert "bias=False" in calc.explanation.render("en")
    calc = derive("LayerNorm", T, {"normalized_shape": [64], "elementwise_affine": False, "bias": False}, [(1, 64)])
    assert calc.params == 0 and calc.formula is None
    calc = derive("RMSNorm", T, {"normalized_shape": [10, 64]}, [(1, 10, 64)])
    assert calc.formula is not None and calc.formula.unicode == "10 × 64"
    assert [w.name for w in calc.weights] == ["weight"]


def test_keras_normalization_variants() -> None:
    calc = derive("Normalization", K, {"axis": None}, [(None, 4, 3)])
    assert calc.params == 3 and calc.formula is not None and calc.formula.unicode == "2 + 1"
    calc = derive("Normalization", K, {"axis": [1, 2]}, [(None, 4, 3)])
    assert calc.formula is not None and calc.formula.unicode == "2·4·3 + 1"
    assert calc.trainable is None and calc.non_trainable_params == 25
    calc = derive("Normalization", K, {"mean": [1.0, 2.0], "variance": [1.0, 1.0]}, [(None, 2)])
    assert calc.params == 0


def test_embeddings() -> None:
    calc = derive("Embedding", K, {"input_dim": 10_000, "output_dim": 128}, [(None, 100)])
    assert calc.output == (None, 100, 128) and calc.macs == 0
    assert calc.weights[0].name == "embeddings" and calc.weights[0].shape == (10_000, 128)
    assert any(n.key == "note.embedding_tied" for n in calc.notes)
    assert "10,000 × 128" in calc.explanation.render("en")
    calc = derive("Embedding", K, {"input_dim": 300, "output_dim": 32, "lora_rank": 4}, [(None, 10)])
    assert (calc.trainable_params, calc.non_trainable_params) == (300 * 4 + 4 * 32, 9_600)
    calc = derive("Embedding", T, {"num_embeddings": 50, "embedding_dim": 8, "padding_idx": 0, "_freeze": True},
                  [(2, 3, 4)])
    assert calc.output == (2, 3, 4, 8) and (calc.trainable_params, calc.params) == (0, 400)
    assert any(n.key == "note.embedding_padding" for n in calc.notes)
    bag = derive("EmbeddingBag", T, {"num_embeddings": 100, "embedding_dim": 8}, [(4, 5)])
    assert bag.output == (4, 8) and bag.params == 800
    bag = derive("EmbeddingBag", T, {"num_embeddings": 100, "embedding_dim": 8, "include_last_offset": True},
                 [(10,), (4,)])
    assert bag.output == (3, 8)
    untied = derive("ReversibleEmbedding", K, {"input_dim": 500, "output_dim": 24, "tie_weights": False}, [(None, 12)])
    assert untied.params == 2 * 500 * 24
    assert untied.formula is not None and untied.formula.unicode == "500 × 24 + 24 × 500"


def test_every_message_speaks_both_languages_with_the_same_placeholders() -> None:
    prefixes = ("explain.act_", "act.", "note.act_", "error.act_", "explain.norm", "norm.", "note.norm_",
                "error.norm_", "explain.embedding", "note.embedding", "error.embedding")
    keys = [k for k in text_table() if k.startswith(prefixes)]
    assert len(keys) >= 50
    for key in keys:
        texts = text_table()[key]
        fields = [{f for _, f, _, _ in string.Formatter().parse(texts[loc]) if f} for loc in ("en", "zh")]
        assert fields[0] == fields[1], key


# --------------------------------------------------------------------------------------------
# (b) properties over random valid configurations


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 12), min_size=1, max_size=4), st.data())
def test_keras_prelu(dims: list[int], data: st.DataObject) -> None:
    axes = data.draw(st.lists(st.integers(1, len(dims)), unique=True, max_size=len(dims)))
    calc = derive("PReLU", K, {"shared_axes": axes or None}, [(None, *dims)])
    assert calc.params == math.prod(d for i, d in enumerate(dims, 1) if i not in axes)
    _check_renderings(calc)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 6), st.integers(1, 40), st.booleans(), st.booleans(), st.booleans(), st.data())
def test_keras_batchnorm(rank: int, c: int, center: bool, scale: bool, renorm: bool, data: st.DataObject) -> None:
    shape: list[int | None] = [None, *data.draw(st.lists(st.integers(1, 9), min_size=rank, max_size=rank))]
    axis = data.draw(st.integers(1, rank))
    shape[axis] = c
    negative = data.draw(st.booleans())
    config = {"axis": axis - len(shape) if negative else axis, "center": center, "scale": scale, "renorm": renorm}
    calc = derive("BatchNormalization", K, config, [tuple(shape)])
    assert calc.trainable_params == (int(center) + int(scale)) * c
    assert calc.non_trainable_params == (5 if renorm else 2) * c
    assert calc.output == tuple(shape)
    _check_renderings(calc)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
                        "InstanceNorm3d", "SyncBatchNorm"]),
       st.integers(1, 300), st.booleans(), st.booleans(), st.booleans(), st.data())
def test_torch_norm_base(kind: str, c: int, affine: bool, bias: bool, track: bool, data: st.DataObject) -> None:
    rank = {"1d": 3, "2d": 4, "3d": 5}.get(kind[-2:], 4)
    spatial = data.draw(st.lists(st.integers(1, 9), min_size=rank - 2, max_size=rank - 2))
    config = {"num_features": c, "affine": affine, "bias": bias, "track_running_stats": track}
    calc = derive(kind, T, config, [(2, c, *spatial)])
    assert calc.params == (int(affine) + int(affine and bias)) * c
    assert calc.buffer_count == (2 * c + 1 if track else 0)
    _check_renderings(calc)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=1, max_size=4), st.integers(0, 2), st.booleans(), st.booleans(),
       st.sampled_from(["LayerNorm", "RMSNorm"]))
def test_torch_layer_norm(dims: list[int], lead: int, affine: bool, bias: bool, kind: str) -> None:
    config: dict[str, Any] = {"normalized_shape": dims if len(dims) > 1 else dims[0], "elementwise_affine": affine}
    if kind == "LayerNorm":
        config["bias"] = bias
    calc = derive(kind, T, config, [(*(3,) * lead, *dims)])
    per = int(affine) + int(affine and bias and kind == "LayerNorm")
    assert calc.params == per * math.prod(dims)
    _check_renderings(calc)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=4), st.data())
def test_keras_layer_and_preprocessing_normalization(dims: list[int], data: st.DataObject) -> None:
    rank = len(dims) + 1
    axes = data.draw(st.lists(st.integers(1, rank - 1), unique=True, min_size=1, max_size=rank - 1))
    kept = math.prod(dims[a - 1] for a in axes)
    ln = derive("LayerNormalization", K, {"axis": axes}, [(None, *dims)])
    assert ln.params == 2 * kept
    _check_renderings(ln)
    pre = derive("Normalization", K, {"axis": axes}, [(None, *dims)])
    assert pre.non_trainable_params == 2 * kept + 1
    _check_renderings(pre)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 10**6), st.integers(1, 4096), st.lists(st.integers(1, 64), min_size=0, max_size=3))
def test_embedding(vocab: int, dim: int, lead: list[int]) -> None:
    keras = derive("Embedding", K, {"input_dim": vocab, "output_dim": dim}, [(None, *lead)])
    torch = derive("Embedding", T, {"num_embeddings": vocab, "embedding_dim": dim}, [(2, *lead)])
    assert keras.params == torch.params == vocab * dim
    assert keras.output == (None, *lead, dim) and torch.output == (2, *lead, dim)
    _check_renderings(keras)
    _check_renderings(torch)


# --------------------------------------------------------------------------------------------
# (c) user errors are LayerbotErrors


@pytest.mark.parametrize(
    ("kind", "fw", "config", "shape", "error"),
    [
        ("GroupNorm", T, {"num_groups": 3, "num_channels": 16}, (1, 16, 4, 4), ConfigError),
        ("GroupNorm", T, {"num_groups": 4, "num_channels": 16}, (1, 8, 4, 4), ShapeError),
        ("GroupNormalization", K, {"groups": 5}, (None, 4, 4, 16), ShapeError),
        ("GroupNormalization", K, {"groups": 0}, (None, 4, 4, 16), ConfigError),
        ("BatchNorm2d", T, {"num_features": 16}, (1, 16, 4), ShapeError),
        ("BatchNorm2d", T, {"num_features": 0}, (1, 16, 4, 4), ConfigError),
        ("BatchNorm2d", T, {"num_features": -3}, (1, 16, 4, 4), ConfigError),
        ("BatchNorm2d", T, {"num_features": 8}, (1, 16, 4, 4), ShapeError),
        ("BatchNorm1d", T, {}, (1, 16), ConfigError),
        ("LayerNorm", T, {"normalized_shape": [10, 64]}, (1, 64, 10), ShapeError),
        ("LayerNorm", T, {"normalized_shape": 0}, (1, 64, 10), ConfigError),
        ("BatchNormalization", K, {"axis": 5}, (None, 4, 4, 3), ShapeError),
        ("BatchNormalization", K, {"axis": "x"}, (None, 4, 4, 3), ShapeError),
        ("BatchNormalization", K, {}, (None, 4, 4, None), ShapeError),
        ("LayerNormalization", K, {"axis": [-1, 2]}, (None, 4, 3), ConfigError),
        ("Normalization", K, {"axis": 1}, (None, None, 3), ShapeError),
        ("GLU", T, {}, (1, 8, 5), ShapeError),
        ("PReLU", T, {"num_parameters": 8}, (1, 16, 4, 4), ShapeError),
        ("PReLU", K, {}, (None, None, 16), ShapeError),
        ("PReLU", K, {"shared_axes": [5]}, (None, 4, 16), ShapeError),
        ("Dropout", K, {"rate": 1.5}, (None, 4), ConfigError),
        ("Dropout", T, {"p": "often"}, (1, 4), ConfigError),
        ("SpatialDropout2D", K, {"rate": 0.1}, (None, 4, 4), ShapeError),
        ("Dropout1d", T, {}, (1, 2, 3, 4), ShapeError),
        ("Softmax", T, {"dim": 3}, (1, 4), ShapeError),
        ("ReLU", K, {"max_value": -1}, (None, 4), ConfigError),
        ("Embedding", K, {"input_dim": 0, "output_dim": 8}, (None, 4), ConfigError),
        ("Embedding", T, {"num_embeddings": 10, "embedding_dim": 8, "padding_idx": 10}, (1, 4), ConfigError),
        ("EmbeddingBag", T, {"num_embeddings": 10, "embedding_dim": 8}, (1, 4, 2), ShapeError),
        ("EmbeddingBag", T, {"num_embeddings": 10, "embedding_dim": 8, "mode": "median"}, (1, 4), ConfigError),
    ],
)
def test_user_errors(
    kind: str, fw: Framework, config: dict[str, Any], shape: tuple[int | None, ...], error: type[LayerbotError]
) -> None:
    with pytest.raises(error) as info:
        derive(kind, fw, config, [shape])
    assert info.value.message.render("en") and info.value.message.render("zh")


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 70), st.floats(-2, 2, allow_nan=False), st.sampled_from(["", "x", "sum"]),
    st.lists(st.integers(-3, 5), max_size=3),
)
_KEYS = ["axis", "dim", "groups", "num_groups", "num_channels", "num_features", "normalized_shape", "shared_axes",
         "num_parameters", "affine", "bias", "center", "scale", "elementwise_affine", "track_running_stats", "rate",
         "p", "input_dim", "output_dim", "num_embeddings", "embedding_dim", "padding_idx", "mode", "mean",
         "negative_slope", "max_value", "lora_rank", "tie_weights", "renorm", "activation", "size"]
MINE = sorted((k for k in all_kinds() if k.family in FAMILIES), key=lambda k: (k.framework.value, k.name))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MINE), st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=6),
       st.lists(st.lists(st.one_of(st.none(), st.integers(0, 70)), max_size=6), min_size=1, max_size=3))
def test_anything_else_is_a_layerbot_error(kind: Any, config: dict[str, Any], shapes: list[list[int | None]]) -> None:
    try:
        calc = derive(kind, kind.framework, config, [tuple(s) for s in shapes])
    except LayerbotError as exc:
        message = exc.message
    else:
        _check_renderings(calc)
        return
    assert message.render("en") and message.render("zh")
