"""calc.parse._read leaves out the formats that carry no reported numbers once a reading that has some
was made (_FACTLESS).  Checked here: those formats' readings never hold a reported number, and _read
picks what reading every detected format and keeping the most complete one picks (the reference below,
the definition in calc/parse/__init__.py's docs), on every corpus text, the bench's pastes and mixtures.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.errors import InputError
from calc.model import Format, ModelSpec
from calc.parse import _FACTLESS, FORMATS, _completeness, _module, _read, detected_formats
from calc.parse.text import clean
from tests.corpus import CORPUS

BENCH = Path(__file__).resolve().parents[2] / "bench" / "fixtures"
TEXTS = sorted(p for p in CORPUS.iterdir() if p.suffix in (".txt", ".py")) + sorted(BENCH.glob("*.txt"))


def _reference(cleaned: str) -> tuple[Format, ModelSpec] | str:
    """Every detected format parsed, the most complete reading kept (ties: the earlier format);
    else the first parser's error, else "no model"."""
    best: tuple[tuple[int, int], Format, ModelSpec] | None = None
    first_error: InputError | None = None
    for fmt in detected_formats(cleaned):
        module = _module(fmt)
        assert module is not None
        try:
            spec = module.parse(cleaned)
        except InputError as exc:
            first_error = first_error or exc
            continue
        if spec.layers and (best is None or _completeness(spec) > best[0]):
            best = (_completeness(spec), fmt, spec)
    if best is not None:
        return best[1], best[2]
    return first_error.message.key if first_error is not None else "error.no_model"


def _read_or_key(cleaned: str) -> tuple[Format, ModelSpec] | str:
    try:
        return _read(cleaned)
    except InputError as exc:
        return exc.message.key


def test_the_factless_formats_are_the_last_ones() -> None:
    assert set(FORMATS) >= _FACTLESS
    assert FORMATS[-len(_FACTLESS) :] == tuple(f for f in FORMATS if f in _FACTLESS)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_reading_matches_the_reference(path: Path) -> None:
    cleaned = clean(path.read_text(encoding="utf-8"))
    assert _read_or_key(cleaned) == _reference(cleaned)
    for fmt in _FACTLESS & set(detected_formats(cleaned)):
        module = _module(fmt)
        assert module is not None
        try:
            spec = module.parse(cleaned)
        except InputError:
            continue
        assert _completeness(spec)[0] == 0, fmt


_PIECES = [p.read_text(encoding="utf-8") for p in TEXTS if p.stat().st_size < 20_000]
_LISTS = ["256x256x3 conv32k3 pool2 flatten dense512 dense4", "784 dense10", "torch 28x28x1 conv8k3 fc10"]
_CODE = ["model.add(Dense(512, input_shape=(86400,)))\nmodel.add(Dense(4))"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_PIECES + _LISTS + _CODE), min_size=1, max_size=3))
def test_mixed_pastes_read_as_the_reference(parts: list[str]) -> None:
    cleaned = clean("\n\n".join(parts))
    assert _read_or_key(cleaned) == _reference(cleaned)
