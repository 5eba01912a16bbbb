"""calc.parse.keras3 against every Keras 3 summary in the corpus, and against what chat does to them."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calc.errors import InputError, LayerbotError
from calc.model import Format, Inbound, ModelSpec
from calc.parse import _keras, keras2, keras3
from calc.parse.text import clean
from calc.types import Framework
from tests.corpus import CORPUS, FIXTURES, as_tree
from tests.parse.keras_truth import compare, summary_files, truth_rows

FILES = summary_files("k3_")


def _parse(path: Path) -> ModelSpec:
    return keras3.parse(clean(path.read_text()))


def _rows(spec: ModelSpec) -> list[tuple[object, ...]]:
    """A layer without its line number, for comparing the same table pasted two ways."""
    return [
        (ls.name, ls.type, ls.depth, ls.output_shape, ls.output_shape_text, ls.params, ls.inbound, ls.unbuilt,
         ls.trainable, ls.is_container, ls.resolved_type)
        for ls in spec.layers
    ]


def test_the_corpus_has_every_kind_of_file() -> None:
    names = [p.name for p in FILES]
    assert sum(".w80." in n for n in names) >= 100
    assert sum(".expand_nested." in n for n in names) >= 2
    assert len(FILES) >= 200


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file_matches_its_json(path: Path) -> None:
    text = clean(path.read_text())
    assert keras3.detect(text)
    assert not keras2.detect(text)
    spec = keras3.parse(text)
    assert spec.format is Format.KERAS3
    assert spec.framework is Framework.KERAS
    assert compare(path, spec) == []
    codes = {f.code for f in spec.findings}
    assert codes <= {"parse.names_cut"}, spec.findings  # nothing else is wrong with a real summary
    assert ("parse.names_cut" in codes) == ("…" in text)


def test_nested_rows_have_depth_and_their_container_is_marked() -> None:
    spec = _parse(CORPUS / "k3_func_siamese_shared.summary.expand_nested.txt")
    assert [(ls.name, ls.depth, ls.is_container) for ls in spec.layers[2:6]] == [
        ("encoder", 0, True), ("conv2d", 1, False), ("flatten", 1, False), ("dense", 1, False),
    ]
    assert spec.layers[2].inbound == (Inbound("left", 0, 0), Inbound("right", 0, 0))
    assert spec.layers[6].inbound == (Inbound("encoder", 0, 0), Inbound("encoder", 1, 0))
    assert spec.input_shapes == ((None, 28, 28, 1), (None, 28, 28, 1))
    # Collapsed, the same model has one row for the whole encoder.
    collapsed = _parse(CORPUS / "k3_func_siamese_shared.summary.txt")
    assert [ls.name for ls in collapsed.layers] == ["left", "right", "encoder", "shared_dense", "subtract", "dense_1"]
    assert not any(ls.is_container for ls in collapsed.layers)


def test_wrapped_cells_are_joined_and_cut_names_resolved() -> None:
    spec = _parse(CORPUS / "k3_func_transformer_encoder.summary.w80.txt")
    mha = spec.layers[1]
    assert (mha.name, mha.type, mha.resolved_type) == ("multi_head_attenti…", "MultiHeadAttentio…", "MultiHeadAttention")
    assert mha.inbound[1] == Inbound("input_layer", 0, 0)
    gap = spec.layers[10]
    assert gap.type == "GlobalAveragePool…" and gap.resolved_type is None  # 1D, 2D or 3D: not guessed
    lstm = _parse(CORPUS / "k3_seq_lstm_return_state_seq2seq.summary.w80.txt").layers[3]
    assert lstm.output_shape == [(None, None, 256), (None, 256), (None, 256)]
    assert lstm.inbound == (Inbound("input_layer_1", 0, 0), Inbound("lstm", 0, 1), Inbound("lstm", 0, 2))
    dense = _parse(CORPUS / "k3_app_densenet121.summary.w80.txt").layers[0]
    assert (dense.name, dense.type, dense.output_shape) == ("input_layer", "InputLayer", (None, 224, 224, 3))


# --- chat around the table -------------------------------------------------------------------

BEFORE_EN = "Hi! Why does my dense layer have so many parameters? Here is model.summary():\n"
AFTER_EN = "\nI used Dense(512). Is 512 random?\n"
BEFORE_ZH = "大家好，这是我的模型摘要（Keras 3）：\n"
AFTER_ZH = "\n为什么 dense 层的参数这么多？谢谢！\n"


@pytest.mark.parametrize(
    "name", ["k3_classic_b.summary.txt", "k3_func_siamese_shared.summary.expand_nested.txt",
             "k3_seq_lstm_return_state_seq2seq.summary.w80.txt"],
)
def test_table_inside_a_chat_message(name: str) -> None:
    path = CORPUS / name
    raw = path.read_text()
    want = _rows(_parse(path))
    fenced = f"{BEFORE_EN}```\n{raw}```{AFTER_EN}"
    quoted = BEFORE_ZH + "\n".join("> " + line for line in raw.split("\n")) + AFTER_ZH
    crlf = (BEFORE_ZH + "```text\n" + raw + "\n```" + AFTER_EN).replace("\n", "\r\n")
    for pasted in (fenced, quoted, crlf):
        text = clean(pasted)
        assert keras3.detect(text)
        spec = keras3.parse(text)
        assert _rows(spec) == want
        assert spec.total_params == _parse(path).total_params
        assert not spec.findings or {f.code for f in spec.findings} == {"parse.names_cut"}


def test_line_numbers_point_into_the_pasted_text() -> None:
    path = CORPUS / "k3_classic_b.summary.txt"
    text = clean("line one\nline two\n" + path.read_text())
    spec = keras3.parse(text)
    lines = text.split("\n")
    for ls in spec.layers:
        assert ls.line is not None and ls.name is not None
        assert ls.name in lines[ls.line - 1]


def test_a_table_cut_in_the_middle_gives_the_rows_that_are_there() -> None:
    path = CORPUS / "k3_app_resnet50.summary.w80.txt"
    lines = path.read_text().split("\n")
    truth = truth_rows(path)
    for keep in (9, 40, 41, 42, 200):
        spec = keras3.parse(clean("\n".join(lines[:keep]) + "\nsorry, discord cut my message"))
        assert spec.layers, keep
        assert spec.total_params is None
        assert "parse.truncated" in {f.code for f in spec.findings}
        for ls, (_, t) in zip(spec.layers[:-1], truth, strict=False):  # the last row may be half there
            assert ls.params == t["params"]
            assert ls.output_shape is None or as_tree(ls.output_shape) == t["output_shape"]


def test_separator_lines_may_be_missing() -> None:
    for name in ("k3_classic_a.summary.txt", "k3_app_densenet121.summary.w80.txt"):
        path = CORPUS / name
        raw = path.read_text()
        stripped = "\n".join(line for line in raw.split("\n") if not line.lstrip().startswith("├"))
        assert _rows(keras3.parse(clean(stripped))) == _rows(_parse(path))


def test_ascii_box_reads_the_same() -> None:
    """Rich falls back to an ASCII box on terminals without Unicode (``+---+``, ``|``)."""
    path = CORPUS / "k3_func_siamese_shared.summary.expand_nested.txt"
    raw = path.read_text()
    rule = str.maketrans({c: "+" for c in "┏┳┓┡╇┩├┼┤└┴┘"} | {"━": "-", "─": "-"})
    bars = str.maketrans({"┃": "|", "│": "|"})  # the "└ " of a nested row is text, not border
    ascii_text = "\n".join(
        line.translate(rule) if line[:1] in "┏┡├└" else line.translate(bars) for line in raw.split("\n")
    )
    assert keras3.detect(clean(ascii_text))
    assert _rows(keras3.parse(clean(ascii_text))) == _rows(_parse(path))


# --- a table wider than the console: rich crops it on the right --------------------------------


def _crop(raw: str, width: int) -> str:
    return "\n".join(line[:width] for line in raw.split("\n"))


def test_param_column_cropped_away() -> None:
    path = CORPUS / "k3_classic_b.summary.txt"
    raw = path.read_text()
    header = next(line for line in raw.split("\n") if "Layer (type)" in line)
    param_border = header.rindex("┃", 0, header.index("Param #"))
    for width in (param_border + 1, param_border + 3, header.index("Param #") + 3):
        spec = keras3.parse(clean(_crop(raw, width)))
        codes = {f.code for f in spec.findings}
        assert "parse.no_param_column" in codes, width
        assert all(ls.params is None for ls in spec.layers)
        assert [(ls.name, ls.output_shape) for ls in spec.layers] == [
            (ls.name, ls.output_shape) for ls in _parse(path).layers
        ]
        assert spec.total_params == 420_388  # the totals lines are short enough to survive


def test_connected_to_column_cropped_keeps_what_is_left() -> None:
    path = CORPUS / "k3_func_siamese_shared.summary.txt"
    raw = path.read_text()
    header = next(line for line in raw.split("\n") if "Layer (type)" in line)
    spec = keras3.parse(clean(_crop(raw, header.index("Connected to") + 6)))
    assert [ls.params for ls in spec.layers] == [0, 0, 346_304, 264, 0, 9]
    assert spec.layers[2].inbound[0].layer.startswith("left"[:4])
    assert "parse.names_cut" in {f.code for f in spec.findings}


# --- what the corpus does not show: tables written by hand in Keras 3's layout -----------------
# (keras/src/utils/summary_utils.py: "0 (unbuilt)", "?" shapes, show_trainable's Y / N / -, and
# "Optimizer params" once a compiled model has been fitted.)

UNBUILT = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ ?                      │   0 (unbuilt) │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ ?                      │   0 (unbuilt) │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 0 (0.00 B)
 Trainable params: 0 (0.00 B)
 Non-trainable params: 0 (0.00 B)
"""

TRAINABLE_AND_OPTIMIZER = """\
Model: "small_cnn"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┓
┃ Layer (type)                         ┃ Output Shape                  ┃         Param # ┃ Trainable ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━┩
│ conv2d (Conv2D)                      │ (None, 30, 30, 32)            │             896 │     Y     │
├──────────────────────────────────────┼───────────────────────────────┼─────────────────┼───────────┤
│ batch_normalization                  │ (None, 30, 30, 32)            │             128 │     N     │
│ (BatchNormalization)                 │                               │                 │           │
├──────────────────────────────────────┼───────────────────────────────┼─────────────────┼───────────┤
│ flatten (Flatten)                    │ (None, 28800)                 │               0 │     -     │
├──────────────────────────────────────┼───────────────────────────────┼─────────────────┼───────────┤
│ dense (Dense)                        │ (None, 8)                     │         230,408 │     Y     │
└──────────────────────────────────────┴───────────────────────────────┴─────────────────┴───────────┘
 Total params: 691,962 (2.64 MB)
 Trainable params: 231,304 (903.53 KB)
 Non-trainable params: 64 (256.00 B)
 Optimizer params: 460,594 (1.76 MB)
"""

MULTI_OUTPUT = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)                  ┃ Output Shape              ┃         Param # ┃ Connected to               ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ tokens (InputLayer)           │ (None, ?)                 │               0 │ -                          │
├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤
│ split (Split)                 │ [(None, 64), (None, 64)]  │               0 │ tokens[0][0]               │
├───────────────────────────────┼───────────────────────────┼─────────────────┼────────────────────────────┤
│ scalar (Lambda)               │ (None)                    │               0 │ split[0][1]                │
└───────────────────────────────┴───────────────────────────┴─────────────────┴────────────────────────────┘
 Total params: 0 (0.00 B)
 Trainable params: 0 (0.00 B)
 Non-trainable params: 0 (0.00 B)
"""


def test_unbuilt_layers() -> None:
    spec = keras3.parse(clean(UNBUILT))
    assert spec.name == "sequential"
    for ls in spec.layers:
        assert (ls.params, ls.unbuilt, ls.output_shape, ls.output_shape_text) == (0, True, None, "?")
    assert spec.findings == ()


def test_trainable_column_and_optimizer_params() -> None:
    spec = keras3.parse(clean(TRAINABLE_AND_OPTIMIZER))
    assert [(ls.name, ls.type, ls.params, ls.trainable) for ls in spec.layers] == [
        ("conv2d", "Conv2D", 896, True),
        ("batch_normalization", "BatchNormalization", 128, False),
        ("flatten", "Flatten", 0, None),
        ("dense", "Dense", 230_408, True),
    ]
    assert (spec.total_params, spec.trainable_params, spec.non_trainable_params, spec.optimizer_params) == (
        691_962, 231_304, 64, 460_594)
    assert spec.findings == ()


def test_multi_output_and_unknown_dims() -> None:
    spec = keras3.parse(clean(MULTI_OUTPUT))
    assert [ls.output_shape for ls in spec.layers] == [(None, None), [(None, 64), (None, 64)], (None,)]
    assert spec.layers[2].inbound == (Inbound("split", 0, 1),)


def test_a_table_without_a_header_row() -> None:
    lines = (CORPUS / "k3_func_siamese_shared.summary.txt").read_text().split("\n")
    headless = "\n".join(lines[:2] + lines[4:])  # top border kept, header and its rule gone
    spec = keras3.parse(clean(headless))
    assert "parse.no_header" in {f.code for f in spec.findings}
    assert compare(CORPUS / "k3_func_siamese_shared.summary.txt", spec) == []


# --- not a Keras 3 table ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "hello", "┏━━━┳━━━┓", "Layer (type) Output Shape Param #", "│ just │ some │ bars │",
     (FIXTURES / "seed_question.txt").read_text()],
)
def test_no_table_raises_input_error(text: str) -> None:
    with pytest.raises(InputError) as err:
        keras3.parse(clean(text))
    assert err.value.message.key == "parse.keras3.no_table"
    assert err.value.message.render("zh")


def test_other_formats_are_not_detected() -> None:
    others = sorted(CORPUS.glob("tfk2_*.txt")) + sorted(CORPUS.glob("pt_*.txt"))
    assert len(others) > 100
    for path in others:
        assert not keras3.detect(clean(path.read_text())), path.name
    assert not keras3.detect(clean((FIXTURES / "seed_question.txt").read_text()))


def test_every_finding_renders_in_both_languages() -> None:
    texts = [
        clean(_crop((CORPUS / "k3_classic_b.summary.txt").read_text(), 70)),
        clean("\n".join((CORPUS / "k3_app_resnet50.summary.w80.txt").read_text().split("\n")[:30])),
    ]
    for text in texts:
        for f in keras3.parse(text).findings:
            assert f.message.render("en") and f.message.render("zh")


# --- random damage: a ModelSpec or a LayerbotError, never anything else, and fast --------------

SAMPLES = [CORPUS / n for n in ("k3_func_siamese_shared.summary.expand_nested.txt",
                                "k3_seq_lstm_return_state_seq2seq.summary.w80.txt", "k3_classic_a.summary.txt")]
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
        spec = keras3.parse(clean("\n".join(lines)))
    except LayerbotError:
        pass
    else:
        assert isinstance(spec, ModelSpec)
    assert time.perf_counter() - start < 1.0


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["conv", "_1", "[", "]", "0", "12", " ", ",", "'", '"', "…", "\n", "-"]), max_size=10))
def test_one_plain_connection_is_read_in_one_regex(pieces: list[str]) -> None:
    """The fast path of parse_connections: a whole cell that is one entry, as the two regexes it replaces read it."""
    text = "".join(pieces).strip()
    plain = re.search(r"[\s,'\"]", text) is None and _keras._CONN_FULL.match(text) is not None
    assert (_keras._CONN_PLAIN.match(text) is not None) == plain


# --- rows read at once (one regex per row) read as the line loop reads them -------------------

def _both_ways(text: str) -> tuple[object, object]:
    """keras3.parse with a row regex for every table, however short, and with every row left to the line
    loop and _layer (no row regex)."""

    def read() -> object:
        try:
            return keras3.parse(text)
        except LayerbotError as exc:
            return type(exc), exc.message

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keras3, "_ROW_PATTERN_MIN_LINES", 0)
        fast = read()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keras3, "_row_pattern", lambda *args: None)
        slow = read()
    return fast, slow


def test_rows_read_at_once_read_as_the_line_loop_reads_them() -> None:
    for path in [*FILES, Path(__file__).parents[2] / "bench" / "fixtures" / "densenet121.keras3.txt"]:
        fast, slow = _both_ways(clean(path.read_text()))
        assert fast == slow, path.name


_CELL_EDIT = st.tuples(st.integers(0, 10_000), st.integers(0, 10_000),
                       st.sampled_from(["", " ", "-", "─", "═", "│", "└ ", "   └ ", "…", "(", ")", "\u2003", "\x0c",
                                        "0", "1,0", "(unbuilt)", "x[0][0]", "Y", "N", "a (B)"]))  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLES), st.lists(_CELL_EDIT, max_size=6), st.lists(_EDIT, max_size=3))
def test_damaged_rows_read_as_the_line_loop_reads_them(
    path: Path, cell_edits: list[tuple[int, int, str]], edits: list[tuple[str, int, str]]
) -> None:
    lines = path.read_text().split("\n")
    for at, which, fill in cell_edits:  # one cell's text replaced, the line's width kept
        k = at % len(lines)
        cells = lines[k].split("│")
        if len(cells) > 2:
            c = 1 + which % (len(cells) - 2)
            cells[c] = (" " + fill).ljust(len(cells[c]))[: len(cells[c])]
            lines[k] = "│".join(cells)
    for op, at, junk in edits:
        k = at % len(lines)
        if op == "delete" and len(lines) > 1:
            del lines[k]
        elif op == "duplicate":
            lines.insert(k, lines[k])
        elif op == "insert":
            pos = at % (len(lines[k]) + 1)
            lines[k] = lines[k][:pos] + junk + lines[k][pos:]
        else:
            lines[k] = lines[k][: at % (len(lines[k]) + 1)]
    fast, slow = _both_ways(clean("\n".join(lines)))
    assert fast == slow
