"""print(model) reprs: every corpus file against the JSON modules, plus pasted, cut, wrapped and damaged copies."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calc.catalog import lookup
from calc.errors import InputError, LayerbotError, UnknownLayerKind
from calc.model import Format, ModelSpec
from calc.parse import torch_repr, torchinfo, torchsummary
from calc.parse.text import clean
from calc.types import Framework
from tests.corpus import CORPUS
from tests.parse.damage import damaged
from tests.parse.torch_truth import files, in_chat, modules, norm, row_key, wrap

ALL = files("repr")


def _parse(path: Path) -> ModelSpec:
    return torch_repr.parse(clean(path.read_text()))


def _registered(type_name: str) -> bool:
    try:
        lookup(type_name, Framework.TORCH)
    except UnknownLayerKind:
        return False
    return True


def test_corpus_is_there() -> None:
    assert len(ALL) >= 30


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_detect_only_repr(path: Path) -> None:
    text = clean(path.read_text())
    assert torch_repr.detect(text)
    assert not torchinfo.detect(text)
    assert not torchsummary.detect(text)


def test_detect_no_other_format() -> None:
    others = [p for p in CORPUS.glob("*.txt") if ".repr." not in p.name]
    for p in others:
        assert not torch_repr.detect(clean(p.read_text())), p.name


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_rows_are_the_modules(path: Path) -> None:
    spec = _parse(path)
    mods = modules(path)
    assert spec.format is Format.TORCH_REPR and spec.framework is Framework.TORCH
    assert spec.findings == ()
    assert len(spec.layers) == len(mods)
    compared = 0
    for row, m in zip(spec.layers, mods, strict=True):
        assert (row.type, row.name, row.depth) == (m["class"], m["name"] or None, m["depth"])
        assert row.is_container == (m["num_children"] > 0)
        assert row.params is None and row.output_shape is None  # a repr has neither
        for key, value in row.config.items():
            if key.startswith("_"):
                continue
            if key in m["config"]:
                assert norm(value) == norm(m["config"][key]), (row.name, key)
                compared += 1
        if "_args" in row.config:
            # Positional arguments stay unnamed only when the catalog does not know the kind (yet).
            assert not _registered(row.type), (row.type, row.config)
        assert "_unread" not in row.config and "_repr" not in row.config
    assert compared >= sum(1 for m in mods if m["extra_repr"])  # each module with arguments compared something


def test_lenet_rows_exactly() -> None:
    spec = _parse(CORPUS / "pt_lenet5.repr.txt")
    root, conv, pool = spec.layers[:3]
    assert (root.type, root.name, root.depth, root.is_container, root.config) == ("LeNet5", None, 0, True, {})
    assert (conv.name, conv.depth, conv.line) == ("conv1", 1, 2)
    assert conv.config["kernel_size"] == (5, 5) and conv.config["stride"] == (1, 1)
    assert pool.config == {"kernel_size": 2, "stride": 2, "padding": 0}
    fc = spec.layers[5]
    assert fc.config == {"in_features": 400, "out_features": 120, "bias": True}  # Linear is in the catalog


def test_positional_arguments() -> None:
    spec = _parse(CORPUS / "pt_lstm_classifier_bidir.repr.txt")
    emb, lstm, drop = spec.layers[1:4]
    assert lstm.config["num_layers"] == 2 and lstm.config["bidirectional"] is True and lstm.config["dropout"] == 0.3
    assert drop.config == {"p": 0.3, "inplace": False}
    for row, names in ((emb, ("num_embeddings", "embedding_dim")), (lstm, ("input_size", "hidden_size"))):
        if _registered(row.type):
            assert [row.config[n] for n in names] == ([10000, 128] if row is emb else [128, 256])
        else:
            assert row.config["_args"] == ((10000, 128) if row is emb else (128, 256))


def test_bare_words_and_negative_numbers() -> None:
    spec = _parse(CORPUS / "pt_conv_groups_dilation.repr.txt")
    assert spec.layers[6].config["padding_mode"] == "reflect"
    assert spec.layers[7].config["padding"] == "same"
    flatten = spec.layers[9]
    assert flatten.config == {"start_dim": 1, "end_dim": -1}


def test_nested_names_and_depths() -> None:
    spec = _parse(CORPUS / "pt_resnet18_basicblock.repr.txt")
    down = next(r for r in spec.layers if r.name == "layer2.0.downsample")
    assert (down.type, down.depth, down.is_container) == ("Sequential", 3, True)
    assert [r.name for r in spec.layers if r.name and r.name.startswith("layer2.0.downsample.")] == [
        "layer2.0.downsample.0", "layer2.0.downsample.1"]


def test_alias_resolves_to_catalog_name() -> None:
    spec = _parse(CORPUS / "pt_transformer_encoder_layer.repr.txt")
    out_proj = spec.layers[2]
    assert (out_proj.name, out_proj.type, out_proj.resolved_type) == ("self_attn.out_proj",
                                                                      "NonDynamicallyQuantizableLinear", "Linear")
    assert spec.layers[1].is_container  # MultiheadAttention holds out_proj


# --- what torch prints that the corpus does not show ----------------------------------------------
# Written by hand following torch's printing code (Module.__repr__ and ModuleList/Sequential.__repr__,
# which fold identical consecutive children into "(0-2): 3 x ..."): not captured from a run.

REPEATED = """\
Encoder(
  (embed): Embedding(100, 16)
  (layers): ModuleList(
    (0-1): 2 x Block(
      (attn): MultiheadAttention(
        (out_proj): NonDynamicallyQuantizableLinear(in_features=16, out_features=16, bias=True)
      )
      (mlp): Sequential(
        (0-2): 3 x Linear(in_features=16, out_features=16, bias=True)
        (3): ReLU()
      )
    )
  )
  (heads): ModuleDict(
    (cls): Linear(in_features=16, out_features=4, bias=False)
  )
)
"""


def test_repeated_children_are_expanded() -> None:
    spec = torch_repr.parse(clean(REPEATED))
    names = [r.name for r in spec.layers]
    assert names == [
        None, "embed", "layers",
        "layers.0", "layers.0.attn", "layers.0.attn.out_proj", "layers.0.mlp",
        "layers.0.mlp.0", "layers.0.mlp.1", "layers.0.mlp.2", "layers.0.mlp.3",
        "layers.1", "layers.1.attn", "layers.1.attn.out_proj", "layers.1.mlp",
        "layers.1.mlp.0", "layers.1.mlp.1", "layers.1.mlp.2", "layers.1.mlp.3",
        "heads", "heads.cls",
    ]
    by_name = {r.name: r for r in spec.layers}
    assert by_name["layers.1.mlp.2"].config == {"in_features": 16, "out_features": 16, "bias": True}
    assert by_name["layers.1"].depth == 2 and by_name["layers.1.mlp.2"].depth == 4
    assert by_name["layers"].is_container and by_name["heads"].is_container and not by_name["heads.cls"].is_container
    assert spec.findings == ()


def test_huge_repeat_is_capped() -> None:
    text = "Net(\n  (blocks): ModuleList(\n    (0-99999): 100000 x Block(\n      (fc): Linear(in_features=4, out_features=4, bias=True)\n    )\n  )\n)\n"
    start = time.perf_counter()
    spec = torch_repr.parse(clean(text))
    assert time.perf_counter() - start < 1.0
    assert len(spec.layers) == 4
    assert [f.code for f in spec.findings] == ["parse.repeat_capped"]
    assert spec.findings[0].message.render("zh")


def test_container_extra_repr_and_multiline_leaf() -> None:
    text = """\
Net(
  in_dim=3, out_dim=4
  (gate): Gate(
    scale=0.5,
    mode='soft'
  )
  (body): Custom(3 -> 4)
)
"""
    spec = torch_repr.parse(clean(text))
    root, gate, body = spec.layers
    assert root.config == {"in_dim": 3, "out_dim": 4} and root.is_container
    assert gate.config == {"scale": 0.5, "mode": "soft"} and not gate.is_container
    assert body.config == {"_repr": "3 -> 4"}
    assert [f.code for f in spec.findings] == ["parse.args_unread"]
    assert "3 -> 4" in spec.findings[0].message.render("en")


def test_non_literal_arguments_are_kept_as_text() -> None:
    spec = torch_repr.parse(clean("Net(\n  (fc): Linear(in_features=4*4, out_features=2, bias=True)\n)"))
    fc = spec.layers[1]
    assert fc.config["out_features"] == 2 and fc.config["_unread"] == {"in_features": "4*4"}
    assert "in_features" not in fc.config


def test_single_module() -> None:
    spec = torch_repr.parse(clean("what is this?\nLinear(in_features=3, out_features=4, bias=True)\n"))
    assert [(r.type, r.depth, dict(r.config)) for r in spec.layers] == [
        ("Linear", 0, {"in_features": 3, "out_features": 4, "bias": True})]


# --- pasted, cut, wrapped ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", [CORPUS / "pt_resnet18_basicblock.repr.txt", CORPUS / "pt_norms_embedding.repr.txt"],
                         ids=lambda p: p.name)
@pytest.mark.parametrize("style", ["en", "zh_quote", "crlf_quote", "zh_crlf_nofence"])
def test_embedded_in_a_chat_message(path: Path, style: str) -> None:
    plain = _parse(path)
    pasted = in_chat(path.read_text(), chinese=style.startswith("zh"), quote="quote" in style, crlf="crlf" in style,
                     fence="nofence" not in style)
    cleaned = clean(pasted)
    assert torch_repr.detect(cleaned)
    spec = torch_repr.parse(cleaned)
    assert [row_key(r) for r in spec.layers] == [row_key(r) for r in plain.layers]
    assert spec.findings == ()


def test_cut_in_the_middle() -> None:
    path = CORPUS / "pt_resnet18_basicblock.repr.txt"
    full = _parse(path)
    lines = path.read_text().split("\n")
    spec = torch_repr.parse(clean("\n".join(lines[:30]) + "\n"))  # ends inside layer2.0.downsample
    assert len(spec.layers) == 27
    assert [row_key(r) for r in spec.layers] == [row_key(r) for r in full.layers[:27]]
    assert [f.code for f in spec.findings] == ["parse.truncated"]


def test_starts_inside_the_model() -> None:
    lines = (CORPUS / "pt_lenet5.repr.txt").read_text().split("\n")
    spec = torch_repr.parse(clean("\n".join(lines[1:])))
    assert [r.name for r in spec.layers] == ["conv1", "pool1", "conv2", "pool2", "fc1", "fc2", "fc3"]
    assert [f.code for f in spec.findings] == ["parse.no_root"]


@pytest.mark.parametrize("width", [30, 40, 60, 80])
@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_wrapped_lines(path: Path, width: int) -> None:
    plain = _parse(path)
    spec = torch_repr.parse(clean(wrap(path.read_text(), width)))
    assert [row_key(r) for r in spec.layers] == [row_key(r) for r in plain.layers]
    assert spec.findings == ()


def test_damaged_line_is_reported() -> None:
    lines = (CORPUS / "pt_lenet5.repr.txt").read_text().split("\n")
    lines.insert(4, "  ????")
    spec = torch_repr.parse(clean("\n".join(lines)))
    assert len(spec.layers) == 8
    assert [(f.code, f.message.args["line"]) for f in spec.findings] == [("parse.skipped_row", 5)]


@pytest.mark.parametrize(
    "text",
    ["", "hello", "我的模型有多少参数？", "model = Sequential(\n)\n", "x = foo(\n    1,\n)\n",
     (CORPUS / "pt_lenet5.torchinfo.txt").read_text(), (CORPUS / "pt_lenet5.torchsummary.txt").read_text()],
)
def test_not_a_repr_raises_input_error(text: str) -> None:
    assert not torch_repr.detect(clean(text))
    with pytest.raises(InputError) as err:
        torch_repr.parse(clean(text))
    assert err.value.message.render("en") and err.value.message.render("zh")


def test_keras_code_is_not_read_as_a_repr() -> None:
    import json

    codes = [json.loads(p.read_text()).get("code") for p in sorted(CORPUS.glob("k3_*.json"))[:40]]
    for code in filter(None, codes):
        assert not torch_repr.detect(clean(code))


_SOURCES = [CORPUS / "pt_resnet18_basicblock.repr.txt", CORPUS / "pt_transformer_encoder_layer.repr.txt",
            CORPUS / "pt_conv_groups_dilation.repr.txt"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged(_SOURCES))
def test_random_damage_never_crashes(text: str) -> None:
    start = time.perf_counter()
    try:
        spec = torch_repr.parse(clean(text))
    except LayerbotError:
        return
    finally:
        assert time.perf_counter() - start < 1.0
    assert isinstance(spec, ModelSpec)
    for f in spec.findings:
        f.message.render("en")
        f.message.render("zh")


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("()[]{},=-.'\"0123456789 abcxyz_\n"), max_size=300))
def test_arbitrary_argument_text(text: str) -> None:
    src = f"Net(\n  (m): Thing({text})\n)\n"
    try:
        spec = torch_repr.parse(clean(src))
    except LayerbotError:
        return
    assert isinstance(spec, ModelSpec)


def test_deeply_nested_arguments_are_not_parsed() -> None:
    text = "Net(\n  (m): Thing(" + "(" * 200 + "1" + ")" * 200 + ")\n)\n"
    spec = torch_repr.parse(clean(text))
    assert spec.layers[1].config.keys() == {"_repr"}
