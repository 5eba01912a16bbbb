"""calc.whatif: change one thing in a pasted model, re-derive both through the catalog, compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.advice_json import result_advice, whatif_document
from bot.render.advice_text import render_advice
from calc.commands import run
from calc.derive import derive_model
from calc.errors import InputError
from calc.explain import explain
from calc.parse import keras2
from calc.report import Report
from calc.whatif import MAX_CHANGES, Change, alternatives, apply, flatten_source, parse_changes
from tests.arith import arith

FIXTURES = Path(__file__).parent / "fixtures"
SEED_SUMMARY = (FIXTURES / "seed_summary.txt").read_text()
LENET_REPR = (FIXTURES / "corpus" / "pt_lenet5.repr.txt").read_text()
CONVS = 896 + 18_496 + 55_392  # the seed's three Conv2D layers


def _seed() -> Report:
    return derive_model(keras2.parse(SEED_SUMMARY))


def _changed(w: object) -> dict[str, tuple[int | None, int | None]]:
    return {c.name: (c.before.params if c.before else None, c.after.params if c.after else None)
            for c in w.changed}  # type: ignore[attr-defined]


def _formulas_hold(w: object) -> None:
    for c in w.changed:  # type: ignore[attr-defined]
        for row in (c.before, c.after):
            if row is not None and row.formula is not None:
                assert arith(row.formula.plain) == row.params


# --------------------------------------------------------------------------------------------
# The grammar


@pytest.mark.parametrize(
    ("text", "kind", "layer", "key", "value"),
    [
        ("flatten -> gap", "global_pool", "flatten", None, None),
        ("flatten->gap", "global_pool", "flatten", None, None),
        ("flatten_2 → GlobalAveragePooling2D", "global_pool", "flatten_2", None, None),
        ("flatten to adaptiveavgpool2d(1)", "global_pool", "flatten", None, None),
        ("flatten -> gmp", "global_pool", "flatten", None, None),
        ("dense_1 units=128", "set", "dense_1", "units", 128),
        ("dense_1 units = 128", "set", "dense_1", "units", 128),
        ("dense_1 units: 86,400", "set", "dense_1", "units", 86_400),
        ("conv2d_6 strides=2x2", "set", "conv2d_6", "strides", (2, 2)),
        ("conv2d_6 kernel_size (5, 5)", "set", "conv2d_6", "kernel_size", (5, 5)),
        ("input 128x128x3", "input", None, None, (128, 128, 3)),
        ("input_shape=(128, 128, 3)", "input", None, None, (128, 128, 3)),
        ("INPUT 1×28×28", "input", None, None, (1, 28, 28)),
        ("add pool", "add_pool", None, None, 2),
        ("+pool 3", "add_pool", None, None, 3),
        ("add avgpool", "add_pool", None, None, 2),
        ("add dense 512 before dense_2", "add_dense", "dense_2", "units", 512),
        ("add dense(172800)", "add_dense", None, "units", 172_800),
        ("remove dropout_7", "remove", "dropout_7", None, None),
    ],
)
def test_parse_change(text: str, kind: str, layer: str | None, key: str | None, value: object) -> None:
    (c,) = parse_changes(text)
    assert (c.kind, c.layer, c.key, c.value) == (kind, layer, key, value)


def test_parse_several_changes() -> None:
    changes = parse_changes("flatten -> gap; dense_2 units=8\ninput 128x128x3")
    assert [c.kind for c in changes] == ["global_pool", "set", "input"]
    assert changes[1].pool == "avg" and parse_changes("flatten -> gmp")[0].pool == "max"
    assert parse_changes("add avgpool")[0].pool == "avg" and parse_changes("add pool")[0].pool == "max"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "whatif.error.change"),
        ("make it better", "whatif.error.change"),
        ("flatten -> banana", "whatif.error.change"),
        ("dense_1 units=-3", "whatif.error.change"),
        ("dense_1 units=0", "whatif.error.value"),
        ("dense_1 units=99999999999999", "whatif.error.change"),
        ("; ".join(["add pool"] * (MAX_CHANGES + 1)), "whatif.error.too_many"),
        ("add pool " + "x" * 400, "whatif.error.too_long"),
        ("__import__('os') -> gap", "whatif.error.change"),
    ],
)
def test_parse_change_errors(text: str, key: str) -> None:
    with pytest.raises(InputError) as err:
        parse_changes(text)
    assert err.value.message.key == key


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_random_change_text_is_a_friendly_error_or_a_change(text: str) -> None:
    try:
        changes = parse_changes(text)
    except InputError:
        return
    assert all(isinstance(c, Change) for c in changes)


# --------------------------------------------------------------------------------------------
# The seed model


def test_flatten_to_gap_on_the_seed() -> None:
    w = apply(_seed(), "flatten -> gap")
    assert (w.before_total, w.after_total) == (420_388, CONVS + 96 * 4 + 4)
    assert _changed(w) == {"flatten_2": (0, None), "global_average_pooling2d": (None, 0), "dense_2": (345_604, 388)}
    dense = next(c for c in w.changed if c.name == "dense_2")
    assert dense.after is not None and dense.after.formula is not None
    assert f"{dense.after.formula.unicode} = {dense.after.params:,}" == "96 × 4 + 4 = 388"
    _formulas_hold(w)
    text = render_advice(w)
    assert "GlobalAveragePooling2D instead of flatten_2" in text
    assert "86,400 × 4 + 4 = 345,604 → 96 × 4 + 4 = 388" in text
    assert "420,388" in text and "75,172" in text
    assert w.bytes("after") == 4 * w.after_total and w.training_bytes("after") == 16 * w.after_total


@pytest.mark.parametrize(
    ("change", "dense_in", "total"),
    [
        ("add pool", 15 * 15 * 96, CONVS + 15 * 15 * 96 * 4 + 4),
        ("input 128x128x3", 14 * 14 * 96, CONVS + 14 * 14 * 96 * 4 + 4),
        ("conv2d_6 strides=2", 15 * 15 * 96, CONVS + 15 * 15 * 96 * 4 + 4),  # (62 − 3) // 2 + 1 = 30, pooled 15
        ("conv2d_6 filters=32", 30 * 30 * 32, 896 + 18_496 + (9 * 64 + 1) * 32 + 30 * 30 * 32 * 4 + 4),
        ("dense_2 units=8", 86_400, CONVS + 86_400 * 8 + 8),
    ],
)
def test_changes_on_the_seed(change: str, dense_in: int, total: int) -> None:
    w = apply(_seed(), change)
    assert w.after_total == total
    dense = next(r for r in w.after.layers if r.name == "dense_2")
    assert dense.calc is not None and dense.calc.inputs[0][-1] == dense_in
    _formulas_hold(w)


def test_add_the_seed_dense_172800() -> None:
    w = apply(_seed(), "add dense 172800 before dense_2")
    new = next(c.after for c in w.changed if c.before is None)
    assert new is not None and new.formula is not None
    assert f"{new.formula.unicode} = {new.params:,}" == "86,400 × 172,800 + 172,800 = 14,930,092,800"
    assert w.after_total == CONVS + 14_930_092_800 + 172_800 * 4 + 4
    codes = {f.code for f in w.findings}
    assert {"limit.int32_elements", "limit.proto_2gb", "limit.dense_max_units"} <= codes
    # and then GAP in front of it: every unit costs 96 + 1 instead of 86,400 + 1
    w2 = apply(_seed(), "add dense 512; flatten -> gap")
    assert w2.after_total == CONVS + 96 * 512 + 512 + 512 * 4 + 4


def test_remove_and_several_changes() -> None:
    assert apply(_seed(), "remove dense_2").after_total == CONVS
    w = apply(_seed(), "input 128x128x3; flatten -> gap; dense_2 units=10")
    assert w.after_total == CONVS + 96 * 10 + 10
    assert len(w.descriptions) == 3


def test_alternatives_on_the_seed() -> None:
    alts = {w.label: w for w in alternatives(_seed())}
    assert set(alts) == {"gap", "pool", "input"}
    assert alts["gap"].after_total == 75_172
    assert alts["input"].descriptions[0].render() == "input 128×128×3 (was 256×256×3)"
    planned = apply(_seed(), "add dense 172800")
    model = planned.after
    narrow = {w.label: w for w in alternatives(model, narrow_to=512)}["narrow"]
    assert narrow.after_total == CONVS + 86_400 * 512 + 512 + 512 * 4 + 4


def test_flatten_source() -> None:
    feed = flatten_source(_seed())
    assert feed is not None
    assert (feed.flatten, feed.dense, feed.map_shape, feed.n_in) == ("flatten_2", "dense_2", (None, 30, 30, 96), 86_400)
    assert flatten_source(explain("784 dense128 dense10")) is None


@settings(max_examples=20, deadline=None)
@given(units=st.integers(1, 100_000), side=st.integers(40, 400))
def test_numbers_follow_the_change(units: int, side: int) -> None:
    w = apply(_seed(), f"dense_2 units={units}")
    assert w.after_total == CONVS + 86_400 * units + units
    s = (((side - 2) // 2 - 2) // 2 - 2) // 2
    w = apply(_seed(), f"input {side}x{side}x3")
    assert w.after_total == CONVS + s * s * 96 * 4 + 4
    _formulas_hold(w)


# --------------------------------------------------------------------------------------------
# PyTorch


def test_torch_gap_fixes_in_features() -> None:
    model = explain("torch 3x32x32 conv16k3p1 pool2 conv32k3p1 pool2 flatten dense10")
    w = apply(model, "flatten -> gap")
    assert w.before_total == 448 + 4_640 + 32 * 8 * 8 * 10 + 10
    assert w.after_total == 448 + 4_640 + 32 * 10 + 10
    notes = " ".join(n.render() for n in w.notes)
    assert "in_features 2,048 → 32" in notes
    assert "AdaptiveAvgPool2d(1) before" in w.descriptions[0].render()
    w = apply(model, "conv2d_2 out_channels=64")  # the 2nd Conv2d, by kind and ordinal
    assert w.after_total == 448 + 9 * 16 * 64 + 64 + 64 * 8 * 8 * 10 + 10


def test_torch_print_model_needs_an_input() -> None:
    model = explain(LENET_REPR)
    with pytest.raises(InputError) as err:
        apply(model, "flatten -> gap")
    assert err.value.message.key == "whatif.error.no_input"
    w = apply(model, "input 1x28x28")  # LeNet on MNIST's 28×28: fc1 must take 16·4·4
    assert w.before_total == 61_706
    assert _changed(w) == {"fc1": (48_120, 256 * 120 + 120)}
    assert "in_features 400 → 256" in " ".join(n.render() for n in w.notes)
    w = apply(model, "input 1x32x32; flatten -> gap")
    assert w.after_total == 156 + 2_416 + 16 * 120 + 120 + 10_164 + 850


# --------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ("dense_9 units=4", "whatif.error.no_layer"),
        ("conv2d units=4", "whatif.error.ambiguous"),
        ("dense_2 -> gap", "whatif.error.not_flatten"),
        ("dense_2 banana=4", "whatif.error.key"),
        ("input 128x128", "whatif.error.rank"),
        ("input 4x4x3", "whatif.error.layer"),
    ],
)
def test_change_errors(change: str, key: str) -> None:
    with pytest.raises(InputError) as err:
        apply(_seed(), change)
    assert err.value.message.key == key
    assert err.value.message.render("zh")


def test_no_flatten() -> None:
    with pytest.raises(InputError) as err:
        apply(explain("784 dense128 dense10"), "flatten -> gap")
    assert err.value.message.key == "whatif.error.no_flatten"


# --------------------------------------------------------------------------------------------
# /whatif


def test_whatif_command_first_line() -> None:
    r = run("/whatif flatten -> gap\n" + SEED_SUMMARY)
    assert r.command == "whatif" and r.whatif.after_total == 75_172  # type: ignore[attr-defined]
    assert "text" not in r.args and r.args["change"] == "flatten -> gap"


def test_whatif_command_option() -> None:
    r = run("/whatif change=(dense_2 units=128) " + SEED_SUMMARY)
    assert r.whatif.after_total == CONVS + 86_400 * 128 + 128  # type: ignore[attr-defined]
    r = run("/whatif change=(flatten -> gap) 256x256x3 conv32k3 pool2 flatten dense512 dense4")
    assert r.whatif.after_total == 896 + 32 * 512 + 512 + 512 * 4 + 4  # type: ignore[attr-defined]
    doc = result_advice(r)
    assert doc is not None and doc["schema"] == "layerbot.whatif/1" and doc["after"]["params"] == r.whatif.after_total  # type: ignore[attr-defined]
    json.dumps(whatif_document(r.whatif))  # type: ignore[attr-defined]


def test_whatif_command_errors() -> None:
    with pytest.raises(InputError) as err:
        run("/whatif flatten -> gap")
    assert err.value.message.key == "cmd.error.whatif_model"
    with pytest.raises(InputError):
        run("/whatif make it better\n" + SEED_SUMMARY)


def test_whatif_chinese() -> None:
    text = render_advice(apply(_seed(), "flatten -> gap"), "zh")
    assert "用 GlobalAveragePooling2D 代替 flatten_2" in text and "96 × 4 + 4 = 388" in text
