"""Fuzzing every reader and the command router (see tests/fuzzing.py for the targets, inputs and check):
no exception but a LayerbotError escapes, and no call takes more than a second of CPU time.

A modest budget here (the ``layerbot-fuzz`` hypothesis profile); ``python -m bench.fuzz --seconds 600``
runs the same check on a large one.
"""

from __future__ import annotations

import time
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.report_text import render_report
from calc.catalog import derive
from calc.commands import invoke
from calc.errors import ConfigError, InputError
from calc.explain import explain
from calc.i18n import LOCALES
from calc.infer.common import MAX_DILATION, MAX_STRIDE, torch_conv_axis, torch_transpose_axis
from calc.model import Format
from calc.parse import parse_text
from calc.types import Framework
from tests.fuzzing import (
    CORPUS,
    HARD_LIMIT_S,
    LIMIT_S,
    ROOT,
    TARGETS,
    Case,
    check,
    damaged_paste,
    hard_limit,
    limit_paste,
    profile,
    random_text,
    router_case,
    text_case,
    warm_up,
)


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    warm_up()  # imports and template building are not what a single call is timed for


def _assert_ok(case: Case) -> None:
    outcome = check(case)
    assert outcome.ok, outcome.describe()


@profile(max_examples=1000)
@given(text_case(random_text))
def test_random_text(case: Case) -> None:
    _assert_ok(case)


@profile(max_examples=1000)
@given(text_case(damaged_paste))
def test_real_pastes_with_hostile_edits(case: Case) -> None:
    _assert_ok(case)


@profile(max_examples=1000)
@given(text_case(limit_paste))
def test_numbers_and_shapes_at_the_limits(case: Case) -> None:
    _assert_ok(case)


@profile(max_examples=1000)
@given(router_case())
def test_the_router(case: Case) -> None:
    _assert_ok(case)


# --------------------------------------------------------------------------------------------
# The check itself: it must catch what it is for.


def test_the_check_reports_an_escaping_exception_a_warning_and_a_slow_call(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> None:
        raise IndexError("list index out of range")

    def slow(text: str) -> None:
        end = time.thread_time() + LIMIT_S + 0.1
        while time.thread_time() < end:
            pass

    def warns(text: str) -> None:
        warnings.warn("invalid decimal literal", SyntaxWarning, stacklevel=1)
        raise InputError("error.no_layers")

    monkeypatch.setitem(TARGETS, "broken", broken)
    monkeypatch.setitem(TARGETS, "slow", slow)
    monkeypatch.setitem(TARGETS, "warns", warns)
    assert "SyntaxWarning" in (check(Case("warns", ("x",))).failure or "")  # even on the way to a friendly error
    failed = check(Case("broken", ("x",)))
    assert not failed.ok and "IndexError" in (failed.failure or "") and "broken" in failed.describe()
    assert not check(Case("slow", ("x",))).ok
    fine = check(Case("run", ("/dense 86400 4",)))
    assert fine.ok and fine.answered
    refused = check(Case("run", ("/dense 10**100 4",)))
    assert refused.ok and not refused.answered  # a LayerbotError is the friendly answer


# --------------------------------------------------------------------------------------------
# Regressions: the minimal inputs of what the fuzzers found.

_K3_UNREADABLE = """\
┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━┳━━━━━━━━━┓
┃ Layer (type)    ┃ Output Shape┃ Param # ┃
┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━╇━━━━━━━━━┩
│ dense (Dense)   │ (None, 4)   │ 1,2,3   │
└─────────────────┴─────────────┴─────────┘"""

_K2_UNREADABLE = """\
Layer (type)                 Output Shape              Param #
=================================================================
dense (Dense)                (None, 4)                 1,2,3
=================================================================
Total params: 12"""


@pytest.mark.parametrize("text", [_K3_UNREADABLE, _K2_UNREADABLE], ids=["keras3", "keras2"])
def test_an_unreadable_param_cell_names_its_layer(text: str) -> None:
    # The finding's message says "Line {line} ({layer})" but was built without the layer: KeyError on render.
    spec = parse_text(text)
    (finding,) = [f for f in spec.findings if f.code == "parse.param_unreadable"]
    assert finding.layer == "dense"
    for lang in LOCALES:
        assert "dense" in finding.message.render(lang) and "1,2,3" in finding.message.render(lang)
    assert "dense" in render_report(explain(text), "en")


def test_error_text_is_not_a_format_to_force() -> None:
    # Format.ERROR_ONLY labels a report of a pasted error; forcing it reached a KeyError in the parser table.
    for forced in ("error_text", Format.ERROR_ONLY):
        with pytest.raises(InputError) as caught:
            parse_text("784 dense4", format=forced)
        assert caught.value.message.key == "error.unknown_format"
        assert "error_text" in caught.value.message.render("en") and "keras3" in caught.value.message.render("en")


@pytest.mark.parametrize("options", [
    {"in_features": 10**5000, "units": 4},  # repr() of an int past 4,300 digits raises ValueError
    {"in_features": 4, "units": 4, "framework": 10**5000},  # str() of it, for a CHOICE option
    {"input": -(10**5000), "filters": 3, "kernel": 3},
])  # fmt: skip
def test_typed_options_past_python_s_digit_limit_are_refused_kindly(options: dict[str, object]) -> None:
    name = "conv" if "input" in options else "dense"
    with pytest.raises(InputError) as caught:
        invoke(name, options)
    assert "≈10**5000" in caught.value.message.render("en")


@pytest.mark.parametrize("module", ["LSTM(4, 4, num_layers=71957812781)", "GRU(4, 4, num_layers=1000000, bidirectional=True)"])
def test_a_huge_num_layers_is_refused_not_looped(module: str) -> None:
    # Each stacked layer's weights were listed one by one: num_layers=10**6 took 6 s, 71,957,812,781 never ended.
    text = f"Net(\n  (0): {module}\n)"
    _assert_ok(Case("explain", (text,)))  # in time (and interrupted if not)
    report = explain(text)
    assert report.total_params is None
    said = " ".join(f.message.render("en") for f in report.findings)
    assert "num_layers=" in said and "1,000" in said


@pytest.mark.parametrize(("kind", "config", "inputs"), [
    ("TransformerEncoder", {"encoder_layer": {"d_model": 8, "nhead": 2, "dim_feedforward": 8}, "num_layers": 10**8},
     [(4, 2, 8)]),
    ("Transformer", {"d_model": 8, "nhead": 2, "num_encoder_layers": 10**8, "num_decoder_layers": 1, "dim_feedforward": 8},
     [(4, 2, 8), (4, 2, 8)]),
])  # fmt: skip
def test_a_transformer_stack_is_bounded_too(kind: str, config: dict[str, object], inputs: list[tuple[int, ...]]) -> None:
    with hard_limit(HARD_LIMIT_S), pytest.raises(ConfigError) as caught:
        derive(kind, Framework.TORCH, config, inputs)
    assert "1,000" in caught.value.message.render("en")


def test_a_repeat_expands_to_at_most_5000_rows() -> None:
    # (0-19998): 19999 x Linear expanded to 19,999 rows: /whatif took 2 s of CPU time.
    text = "Net(\n  (0-19998): 19999 x Linear(in_features=4, out_features=4, bias=True)\n)"
    for case in (Case("/whatif", ("add pool 2", text)), Case("explain+render", (text,))):
        _assert_ok(case)
    report = explain(text)
    assert [f.code for f in report.findings if f.code == "parse.repeat_capped"] == ["parse.repeat_capped"]
    allowed = "Net(\n  (0-4998): 4999 x Linear(in_features=4, out_features=4, bias=True)\n)"
    assert explain(allowed).total_params == 4_999 * 20


_HUGE_INDEX = "9" * 5_000


@pytest.mark.parametrize(("cell", "damaged"), [
    ("subtract[0][0] ", f"subtract[{_HUGE_INDEX}][0] "),  # a cell of one entry
    ("shared_dense[0][0],", f"shared_dense[0][{_HUGE_INDEX}],"),  # an entry of a list
    ("left[0][0],", f"left[{_HUGE_INDEX}][…,"),  # a cut entry
])  # fmt: skip
def test_a_connection_index_past_python_s_digit_limit_is_an_unreadable_cell(cell: str, damaged: str) -> None:
    # int() of a 5,000-digit node or tensor index raised ValueError (Python refuses 4,300 digits).
    original = (CORPUS / "k3_func_siamese_shared.summary.txt").read_text(encoding="utf-8")
    assert cell in original
    text = original.replace(cell, damaged, 1)
    _assert_ok(Case("explain+render", (text,)))
    assert explain(text).total_params == 346_577


_BIG = "9" * 400  # past float's range, within Python's int-literal limit


@pytest.mark.parametrize("expression", [
    _BIG,  # Dropout(rate=<400 digits>): float(rate) in the rate check
    f"float({_BIG})", f"1.0 * {_BIG}", f"{_BIG} / 3", f"{_BIG} // 0.5", f"1e308 + {_BIG}",  # Keras-code arithmetic
])  # fmt: skip
def test_an_int_past_float_s_range_in_keras_code_is_unknown_not_overflow(expression: str) -> None:
    code = ("from keras.models import Sequential\nmodel = Sequential()\nmodel.add(Dense(4, input_shape=(4,)))\n"
            f"model.add(Dropout({expression}))\nmodel.add(Dense({expression}))\n")
    _assert_ok(Case("explain+render", (code,)))  # was OverflowError: int too large to convert to float
    report = explain(code)
    assert [(row.type, row.params) for row in report.layers] == [("Dense", 20), ("Dropout", None), ("Dense", None)]


def _seed_with_a_huge_size() -> str:
    seed = (ROOT / "tests" / "fixtures" / "seed_summary.txt").read_text(encoding="utf-8")
    assert "(None, 254, 254, 32)" in seed
    return seed.replace("(None, 254, 254, 32)", f"(None, {_BIG}, 254, 32)", 1)


@pytest.mark.parametrize("case", [
    Case("explain+render", (_seed_with_a_huge_size(),)),  # advice: suggest() took √(n·m) of a 400-digit n
    Case("/whatif", ("flatten -> gap", _seed_with_a_huge_size())),  # format_bytes(float(<400 digits>))
])  # fmt: skip
def test_a_reported_size_past_any_real_one_is_refused_where_it_is_used(case: Case) -> None:
    _assert_ok(case)  # was OverflowError: int too large to convert to float
    report = explain(_seed_with_a_huge_size())
    said = " ".join(f.message.render("en") for f in report.findings)
    assert "401 digits" in said and "1,000,000,000,000" in said


def test_a_keras2_header_is_never_unwrapped_onto_the_rule_above_it() -> None:
    # A '=' rule broken in two set the wrap width to 65, and the 65-character '_' rule above the header was
    # joined with the header: the header line was then looked for where it no longer was (AttributeError).
    text = "\n".join(['Model: "m"', "_" * 65, "Layer (type)                 Output Shape              Param #",
                      "=" * 65, "====", "dense (Dense)                (None, 4)                 20", "=" * 65,
                      "Total params: 20"])
    _assert_ok(Case("explain+render", (text,)))
    spec = parse_text(text)
    assert [(row.name, row.params) for row in spec.layers] == [("dense", 20)] and spec.total_params == 20


_RULE = "=" * 150
_HUGE_KERNEL = "\n".join([
    _RULE,
    "Layer (type:depth-idx)                   Input Shape               Output Shape              Param #                   Kernel Shape",
    _RULE,
    "Sequential                               [1, 256, 110, 110]        [1, 48, 108, 108]         --                        --",
    "├─Conv2d: 1-1                            [1, 256, 110, 110]        [1, 48, 108, 108]         10**100,200               [405098, 5]",
    _RULE, "Total params: 0", _RULE,
])  # fmt: skip


def test_a_huge_pasted_kernel_does_not_stall_the_stride_and_padding_search() -> None:
    # Padding was tried from 0 to the dilated kernel's size for every stride and dilation: 32 million tries
    # per axis for a kernel of 405,098 (a /whatif took over 20 s).
    _assert_ok(Case("explain+render", (_HUGE_KERNEL,)))
    _assert_ok(Case("/whatif", ("┃ 1e100 1e-5", _HUGE_KERNEL)))
    with hard_limit(HARD_LIMIT_S):
        start = time.thread_time()
        found = torch_conv_axis.__wrapped__(110, 108, 10**12), torch_transpose_axis.__wrapped__(108, 110, 10**12)
        assert time.thread_time() - start < LIMIT_S
    assert all(len(options) <= MAX_DILATION * MAX_STRIDE * MAX_STRIDE for options in found)  # a few per stride


def _conv_axis_by_brute_force(n_in: int, n_out: int, k: int) -> set[tuple[int, int, int]]:
    return {(p, s, d) for d in range(1, MAX_DILATION + 1) if k > 1 or d == 1 for s in range(1, MAX_STRIDE + 1)
            for p in range(d * (k - 1) + 2) if n_in + 2 * p - (d * (k - 1) + 1) >= 0
            and (n_in + 2 * p - (d * (k - 1) + 1)) // s + 1 == n_out}


def _transpose_axis_by_brute_force(n_in: int, n_out: int, k: int) -> set[tuple[int, int, int, int]]:
    return {(p, s, d, n_out - ((n_in - 1) * s - 2 * p + d * (k - 1) + 1))
            for d in range(1, MAX_DILATION + 1) if k > 1 or d == 1 for s in range(1, MAX_STRIDE + 1)
            for p in range(d * (k - 1) + 1) if 0 <= n_out - ((n_in - 1) * s - 2 * p + d * (k - 1) + 1) < max(s, d)}


@profile(max_examples=400)
@given(n_in=st.integers(-3, 400), n_out=st.integers(-3, 900), k=st.integers(1, 40))
def test_the_bounded_padding_search_finds_what_trying_every_padding_finds(n_in: int, n_out: int, k: int) -> None:
    assert set(torch_conv_axis.__wrapped__(n_in, n_out, k)) == _conv_axis_by_brute_force(n_in, n_out, k)
    assert set(torch_transpose_axis.__wrapped__(n_in, n_out, k)) == _transpose_axis_by_brute_force(n_in, n_out, k)


def test_odd_numbers_in_torch_arguments_warn_nobody_and_read_the_same_under_warnings_as_errors() -> None:
    # ast.parse warned "invalid decimal literal" (printed to stderr in production), and where warnings are
    # errors, as here, the whole argument list was then left unread.
    text = "Net(\n  (0): Linear(in_features=1if 2else 3, out_features=4, bias=True)\n)"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec = parse_text(text)
    assert [str(w.message) for w in caught] == []
    (linear,) = [row for row in spec.layers if row.type == "Linear"]
    assert linear.config["out_features"] == 4 and "in_features" not in linear.config
