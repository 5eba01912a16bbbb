"""calc.parse.keras2 against every tf.keras summary in the corpus, the seed question, older Keras layouts
and what chat does to them."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calc.errors import InputError, LayerbotError
from calc.model import Format, Inbound, ModelSpec
from calc.parse import keras2, keras3
from calc.parse._keras import split_name_type
from calc.parse.text import clean
from calc.types import Framework
from tests.corpus import CORPUS, FIXTURES, as_tree, load
from tests.parse.keras_truth import compare, summary_files, truth_rows

FILES = summary_files("tfk2_")
SEED_SUMMARY = FIXTURES / "seed_summary.txt"
SEED_QUESTION = FIXTURES / "seed_question.txt"


def _parse(path: Path) -> ModelSpec:
    return keras2.parse(clean(path.read_text()))


def _rows(spec: ModelSpec) -> list[tuple[object, ...]]:
    return [
        (ls.name, ls.type, ls.depth, ls.output_shape, ls.output_shape_text, ls.params, ls.inbound, ls.trainable,
         ls.is_container, ls.resolved_type)
        for ls in spec.layers
    ]


def test_the_corpus_has_every_kind_of_file() -> None:
    assert len(FILES) >= 100
    assert sum(".expand_nested." in p.name for p in FILES) >= 2


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file_matches_its_json(path: Path) -> None:
    text = clean(path.read_text())
    assert keras2.detect(text)
    assert not keras3.detect(text)
    spec = keras2.parse(text)
    assert spec.format is Format.KERAS2
    assert spec.framework is Framework.KERAS
    assert compare(path, spec) == []
    assert spec.findings == ()
    assert spec.name == load(path.name.split(".summary")[0])["model_name"]


def test_wrapped_cells_are_joined() -> None:
    spec = _parse(CORPUS / "tfk2_seq_lstm_return_state_seq2seq.summary.txt")
    lstm_1 = spec.layers[3]
    assert lstm_1.output_shape == [(None, None, 256), (None, 256), (None, 256)]
    assert lstm_1.output_shape_text is None
    assert lstm_1.inbound == (Inbound("input_2", 0, 0), Inbound("lstm", 0, 1), Inbound("lstm", 0, 2))
    assert spec.layers[0].output_shape == (None, None, 71)  # printed "[(None, None, 71)]", one tensor
    assert spec.layers[0].output_shape_text == "[(None, None, 71)]"
    mobilenet = _parse(CORPUS / "tfk2_app_mobilenetv2.summary.txt")
    row = next(ls for ls in mobilenet.layers if ls.name == "expanded_conv_project_BN")
    assert row.type == "BatchNormalization"  # "expanded_conv_project_BN (" + "BatchNormalization)"
    assert row.inbound == (Inbound("expanded_conv_project", 0, 0),)  # "...[0][0]'" + "]"


def test_nested_rows_inside_bars() -> None:
    spec = _parse(CORPUS / "tfk2_func_nested_sequential.summary.expand_nested.txt")
    assert [(ls.name, ls.type, ls.depth, ls.is_container) for ls in spec.layers] == [
        ("input_2", "InputLayer", 0, False),
        ("feature_extractor", "Sequential", 0, True),
        ("conv2d", "Conv2D", 1, False),
        ("max_pooling2d", "MaxPooling2D", 1, False),
        ("conv2d_1", "Conv2D", 1, False),
        ("global_average_pooling2d", "GlobalAveragePooling2D", 1, False),
        ("dense", "Dense", 0, False),
        ("dense_1", "Dense", 0, False),
    ]


# --- the seed question -----------------------------------------------------------------------

SEED_ROWS = [
    ("conv2d_4", "Conv2D", None, (None, 254, 254, 32), 896),
    ("activation_4", "Activation", None, (None, 254, 254, 32), 0),
    ("max_pooling2d_4", "MaxPooling2", "MaxPooling2D", (None, 127, 127, 32), 0),
    ("dropout_4", "Dropout", None, (None, 127, 127, 32), 0),
    ("conv2d_5", "Conv2D", None, (None, 125, 125, 64), 18_496),
    ("activation_5", "Activation", None, (None, 125, 125, 64), 0),
    ("max_pooling2d_5", "MaxPooling2", "MaxPooling2D", (None, 62, 62, 64), 0),
    ("dropout_5", "Dropout", None, (None, 62, 62, 64), 0),
    ("conv2d_6", "Conv2D", None, (None, 60, 60, 96), 55_392),
    ("activation_6", "Activation", None, (None, 60, 60, 96), 0),
    ("max_pooling2d_6", "MaxPooling2", "MaxPooling2D", (None, 30, 30, 96), 0),
    ("dropout_6", "Dropout", None, (None, 30, 30, 96), 0),
    ("flatten_2", "Flatten", None, (None, 86_400), 0),
    ("activation_7", "Activation", None, (None, 86_400), 0),
    ("dropout_7", "Dropout", None, (None, 86_400), 0),
    ("dense_2", "Dense", None, (None, 4), 345_604),
    ("activation_8", "Activation", None, (None, 4), 0),
]


def _check_seed(spec: ModelSpec, text: str) -> None:
    assert [(ls.name, ls.type, ls.resolved_type, ls.output_shape, ls.params) for ls in spec.layers] == SEED_ROWS
    assert all(ls.depth == 0 and ls.inbound == () and ls.output_shape_text is None for ls in spec.layers)
    assert (spec.total_params, spec.trainable_params, spec.non_trainable_params) == (420_388, 420_388, 0)
    lines = text.split("\n")
    for ls in spec.layers:
        assert ls.line is not None and lines[ls.line - 1].startswith(f"{ls.name} (")
    assert {f.code for f in spec.findings} == {"parse.names_cut"}  # the three "(MaxPooling2" types


def test_seed_summary() -> None:
    text = clean(SEED_SUMMARY.read_text())
    assert keras2.detect(text) and not keras3.detect(text)
    _check_seed(keras2.parse(text), text)


def test_seed_question_whole() -> None:
    """The whole question: Chinese prose and Keras code before the table, an answer after it."""
    text = clean(SEED_QUESTION.read_text())
    assert keras2.detect(text) and not keras3.detect(text)
    spec = keras2.parse(text)
    _check_seed(spec, text)
    assert spec.layers[0].line == 79


# --- older layouts: Keras 1/2 and tf.keras ≤ 2.5, written the way Keras 2.2.4's print_summary wrote them


def _shape_str(shape: Any) -> str:
    if shape and isinstance(shape[0], list):
        return "[" + ", ".join(_shape_str(s) for s in shape) + "]"
    return str(tuple(shape))


def _keras224(d: dict[str, Any], line_length: int | None = None) -> tuple[str, list[list[str]]]:
    """A summary in Keras 2.2.4's layout (each cell cut at its column, extra connections on lines of
    their own, ``____`` between rows, totals with commas) and the cells it printed."""
    functional = d["summary_layout"] == "functional"
    length = line_length or (98 if functional else 65)
    positions = [int(length * p) for p in ([0.33, 0.55, 0.67, 1.0] if functional else [0.45, 0.85, 1.0])]

    def row(fields: list[object]) -> str:
        line = ""
        for i, f in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line += str(f)
            line = line[: positions[i]]
            line += " " * (positions[i] - len(line))
        return line

    header = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if functional else [])
    out = [f'Model: "{d["model_name"]}"', "_" * length, row(header), "=" * length]
    printed: list[list[str]] = []
    for k, layer in enumerate(d["layers"]):
        conns = [f"{a}[{b}][{c}]" for a, b, c in layer.get("connected_to") or []]
        fields: list[object] = [f"{layer['name']} ({layer['type']})", _shape_str(layer["output_shape"]),
                                layer["params"]]
        if functional:
            fields.append(conns[0] if conns else "")
        line = row(fields)
        out.append(line)
        cells = [line[: positions[0]], line[positions[0] : positions[1]], line[positions[1] : positions[2]]]
        printed.append([c.strip() for c in cells])
        for c in conns[1:]:
            out.append(row(["", "", "", c]))
        out.append(("=" if k == len(d["layers"]) - 1 else "_") * length)
    total = d["trainable_params"] + d["non_trainable_params"]
    out += [f"Total params: {total:,}", f"Trainable params: {d['trainable_params']:,}",
            f"Non-trainable params: {d['non_trainable_params']:,}", "_" * length]
    return "\n".join(out) + "\n", printed


@pytest.mark.parametrize(
    "model", ["tfk2_app_resnet50", "tfk2_app_mobilenetv2", "tfk2_func_siamese_shared",
              "tfk2_seq_lstm_return_state_seq2seq", "tfk2_classic_b", "tfk2_misc_conv_variants"],
)
def test_keras_2_2_layout(model: str) -> None:
    d = load(model)
    text, printed = _keras224(d)
    spec = keras2.parse(clean(text))
    assert len(spec.layers) == len(d["layers"])
    assert (spec.total_params, spec.trainable_params, spec.non_trainable_params) == (
        d["total_params"], d["trainable_params"], d["non_trainable_params"])
    for ls, t, (cell, shape_cell, param_cell) in zip(spec.layers, d["layers"], printed, strict=True):
        name, typ, closed = split_name_type(cell)
        assert (ls.name, ls.type) == (name, typ)
        if not closed and ls.resolved_type is not None:
            assert ls.resolved_type == t["type"]
        if shape_cell == _shape_str(t["output_shape"]):
            assert as_tree(ls.output_shape) == t["output_shape"]
        else:  # cut by the column width: kept as text, never guessed
            assert ls.output_shape is None and ls.output_shape_text == shape_cell
        assert ls.params == t["params"] == int(param_cell)
        if d["summary_layout"] == "functional":
            want = [tuple(c) for c in t["connected_to"]]
            assert [(i.layer, i.node, i.tensor) for i in ls.inbound] == want
    cut_types = sum(1 for cell, _, _ in printed if not split_name_type(cell)[2])
    assert ("parse.names_cut" in {f.code for f in spec.findings}) == (cut_types > 0)


def test_cut_types_resolve_to_the_catalog_name() -> None:
    text, _ = _keras224(load("tfk2_app_resnet50"))
    spec = keras2.parse(clean(text))
    bn = next(ls for ls in spec.layers if ls.name == "conv2_block1_0_bn")
    assert bn.type == "BatchNormali" and bn.resolved_type == "BatchNormalization"


def test_tf_keras_2_12_totals_with_commas() -> None:
    path = CORPUS / "tfk2_app_vgg16.summary.txt"
    old = re.sub(r"params: (\d+) \([^)]*\)", lambda m: f"params: {int(m.group(1)):,}", path.read_text())
    assert "Total params: 138,357,544" in old
    spec = keras2.parse(clean(old))
    assert _rows(spec) == _rows(_parse(path))
    assert (spec.total_params, spec.trainable_params, spec.non_trainable_params) == (138_357_544, 138_357_544, 0)


SUBCLASSED = """\
Model: "my_model"
_________________________________________________________________
 Layer (type)                Output Shape              Param #
=================================================================
 dense (Dense)               multiple                  1290

 dense_1 (Dense)             multiple                  110

=================================================================
Total params: 1400 (5.47 KB)
Trainable params: 1400 (5.47 KB)
Non-trainable params: 0 (0.00 Byte)
_________________________________________________________________
"""

# Reference §5: Flatten 16·54·64 = 55,296 → Dense(72,534) has 4,010,912,598 weights, which a 32-bit
# count printed as -284,054,698 (Keras 2 on Windows).
OVERFLOW = """\
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
flatten_1 (Flatten)          (None, 55296)             0
_________________________________________________________________
dense_1 (Dense)              (None, 72534)             -284054698
=================================================================
Total params: -284,054,698
Trainable params: -284,054,698
Non-trainable params: 0
_________________________________________________________________
"""

SHOW_TRAINABLE = """\
Model: "sequential"
____________________________________________________________________________
 Layer (type)                Output Shape              Param #   Trainable
============================================================================
 conv2d (Conv2D)             (None, 30, 30, 32)        896       N

 batch_normalization (Batch  (None, 30, 30, 32)        128       Y
 Normalization)

 flatten (Flatten)           (None, 28800)             0         Y

============================================================================
Total params: 1024 (4.00 KB)
Trainable params: 64 (256.00 Byte)
Non-trainable params: 960 (3.75 KB)
____________________________________________________________________________
"""


def test_multiple_shapes() -> None:
    spec = keras2.parse(clean(SUBCLASSED))
    assert [(ls.name, ls.output_shape, ls.output_shape_text, ls.params) for ls in spec.layers] == [
        ("dense", None, "multiple", 1290), ("dense_1", None, "multiple", 110)]
    assert spec.findings == ()


def test_negative_counts_stay_as_printed() -> None:
    spec = keras2.parse(clean(OVERFLOW))
    assert spec.layers[1].params == -284_054_698
    assert spec.total_params == -284_054_698
    assert spec.name is None


def test_trainable_column() -> None:
    spec = keras2.parse(clean(SHOW_TRAINABLE))
    assert [(ls.name, ls.type, ls.trainable) for ls in spec.layers] == [
        ("conv2d", "Conv2D", False), ("batch_normalization", "BatchNormalization", True), ("flatten", "Flatten", True)]


# --- chat ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["tfk2_classic_b.summary.txt", "tfk2_seq_lstm_return_state_seq2seq.summary.txt",
             "tfk2_func_siamese_shared.summary.expand_nested.txt"],
)
def test_table_inside_a_chat_message(name: str) -> None:
    path = CORPUS / name
    raw = path.read_text()
    want = _rows(_parse(path))
    fenced = f"Hello, my model.summary() is below.\n```\n{raw}```\nWhy 345,604?"
    quoted = "请帮我看看这个模型：\n" + "\n".join("> " + line for line in raw.split("\n")) + "\n为什么参数这么多？"
    crlf = ("为什么？\n```python\n" + raw + "```\nthanks").replace("\n", "\r\n")
    for pasted in (fenced, quoted, crlf):
        spec = keras2.parse(clean(pasted))
        assert _rows(spec) == want
        assert spec.findings == ()


def test_lines_broken_by_a_narrow_window_are_joined() -> None:
    for name in ("tfk2_func_siamese_shared.summary.txt", "tfk2_app_mobilenetv2.summary.txt",
                 "tfk2_func_siamese_shared.summary.expand_nested.txt"):
        path = CORPUS / name
        broken = []
        for line in path.read_text().split("\n"):
            while len(line) > 80:
                broken.append(line[:80])
                line = line[80:]
            broken.append(line)
        spec = keras2.parse(clean("\n".join(broken)))
        assert compare(path, spec) == []
        assert [f.code for f in spec.findings] == ["parse.rewrapped"]


def test_a_table_cut_in_the_middle_gives_the_rows_that_are_there() -> None:
    path = CORPUS / "tfk2_app_resnet50.summary.txt"
    lines = path.read_text().split("\n")
    truth = truth_rows(path)
    for keep in (6, 7, 30, 31, 32, 500):
        spec = keras2.parse(clean("\n".join(lines[:keep]) + "\n\n后面的被截断了，抱歉"))
        assert spec.layers, keep
        assert spec.total_params is None
        assert "parse.truncated" in {f.code for f in spec.findings}
        for ls, (_, t) in zip(spec.layers[:-1], truth, strict=False):
            assert (ls.name, ls.params, as_tree(ls.output_shape)) == (t["name"], t["params"], t["output_shape"])


def test_an_unreadable_row_is_skipped_with_its_line_number() -> None:
    lines = SEED_SUMMARY.read_text().split("\n")
    lines[10] = "conv2d_5 (Conv2D)   ##garbled## 18496"
    spec = keras2.parse(clean("\n".join(lines)))
    assert "conv2d_5" not in [ls.name for ls in spec.layers]
    skipped = [f for f in spec.findings if f.code == "parse.skipped_row"]
    assert len(skipped) == 1 and skipped[0].message.args["line"] == 11
    assert skipped[0].message.render("zh")


# --- not a Keras 2 table ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "hello", "Layer (type) is what Keras prints", "model.add(Dense(512, activation='relu'))",
     (CORPUS / "k3_classic_a.summary.txt").read_text(),
     "\n".join(SEED_QUESTION.read_text().split("\n")[:70])],  # the question without its summary
)
def test_no_table_raises_input_error(text: str) -> None:
    with pytest.raises(InputError) as err:
        keras2.parse(clean(text))
    assert err.value.message.key == "parse.keras2.no_table"
    assert err.value.message.render("zh")


def test_other_formats_are_not_detected() -> None:
    others = sorted(CORPUS.glob("k3_*.txt")) + sorted(CORPUS.glob("pt_*.txt"))
    assert any(p.name.endswith(".torchsummary.txt") for p in others)
    for path in others:
        assert not keras2.detect(clean(path.read_text())), path.name


# --- random damage -----------------------------------------------------------------------------

SAMPLES = [SEED_SUMMARY, CORPUS / "tfk2_seq_lstm_return_state_seq2seq.summary.txt",
           CORPUS / "tfk2_func_siamese_shared.summary.expand_nested.txt"]
_EDIT = st.tuples(st.sampled_from(["delete", "duplicate", "insert", "truncate"]), st.integers(0, 10_000),
                  st.text(max_size=8))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.lists(_EDIT, max_size=6))
def test_random_edits_never_crash(path: Path, edits: list[tuple[str, int, str]]) -> None:
    lines = path.read_text().split("\n")
    for op, at, junk in edits:
        if not lines:
            break
        k = at % len(lines)
        if op == "delete":
            del lines[k]
        elif op == "duplicate":
            lines.insert(k, lines[k])
        elif op == "insert":
            pos = at % (len(lines[k]) + 1)
            lines[k] = lines[k][:pos] + junk + lines[k][pos:]
        else:
            lines[k] = lines[k][: at % (len(lines[k]) + 1)]
    start = time.perf_counter()
    try:
        spec = keras2.parse(clean("\n".join(lines)))
    except LayerbotError:
        pass
    else:
        assert isinstance(spec, ModelSpec)
    assert time.perf_counter() - start < 1.0
