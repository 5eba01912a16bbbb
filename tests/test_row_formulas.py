"""calc.explain.row_formulas against the plain definition: every container scans its own rows.

row_formulas collects every container's direct children in one pass; the definition below (the code
it replaced) scans the rows after each container again.  Both must agree on any nesting, including
orders no parser writes (a child two levels deeper, a shallower row inside a container).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from calc.explain import RowFormula, explain, row_formulas
from calc.formula import group_digits
from calc.i18n import Message
from calc.model import Format
from calc.report import LayerReport, Report, Status
from calc.types import Framework

FIXTURES = Path(__file__).resolve().parent.parent / "bench" / "fixtures"


def _children(layers: Sequence[LayerReport], index: int) -> list[LayerReport]:
    parent = layers[index].depth
    kids: list[LayerReport] = []
    child_depth: int | None = None
    for row in layers[index + 1 :]:
        if row.depth <= parent:
            break
        if child_depth is None:
            child_depth = row.depth
        if row.depth == child_depth:
            kids.append(row)
    return kids


def _row_formula(layers: Sequence[LayerReport], index: int) -> RowFormula | None:
    row = layers[index]
    if row.params is None or row.params == 0:
        return None
    if row.formula is not None and row.formula.terms and row.formula.value == row.params:
        return RowFormula(row.formula.unicode, row.formula.plain, row.params)
    if row.is_container:
        kids = _children(layers, index)
        shown_or_reported = [k.params if k.params is not None else k.reported_params for k in kids]
        counts = [c for c in shown_or_reported if c is not None]
        shown = [c for c in counts if c]
        if kids and len(counts) == len(kids) and sum(shown) == row.params:
            return RowFormula(" + ".join(group_digits(c) for c in shown), " + ".join(str(c) for c in shown), row.params)
    return None


def _reference(report: Report) -> tuple[RowFormula | None, ...]:
    return tuple(_row_formula(report.layers, i) for i in range(len(report.layers)))


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.txt")))
def test_fixtures_agree_with_the_definition(name: str) -> None:
    report = explain((FIXTURES / name).read_text())
    assert row_formulas(report) == _reference(report)


def _random_report(rng: random.Random) -> Report:
    rows: list[LayerReport] = []
    depth = 0
    for i in range(rng.randint(0, 30)):
        depth = max(0, depth + rng.choice((-3, -2, -1, -1, 0, 0, 1, 1, 2)))
        container = rng.random() < 0.4
        params = rng.choice((None, 0, 0, 1, 2, 3, 5, 8, 13))
        reported = rng.choice((None, None, 4, 7))
        rows.append(LayerReport(f"l{i}", "X", depth, Status.OK, Message("report.status.ok"), params=params,
                                reported_params=reported, is_container=container))
    return Report(format=Format.TORCH_REPR, framework=Framework.TORCH, layers=tuple(rows), total_params=None,
                  trainable_params=None, non_trainable_params=None)


def test_random_nesting_agrees_with_the_definition() -> None:
    rng = random.Random(20261130)  # noqa: S311  (reproducible cases, not secrets)
    for _ in range(5000):
        report = _random_report(rng)
        # Containers whose count is the sum of their children's, so that sums are shown often.
        layers = list(report.layers)
        for i in reversed(range(len(layers))):
            if layers[i].is_container and rng.random() < 0.7:
                kids = _children(layers, i)
                if all(k.params is not None or k.reported_params is not None for k in kids):
                    total = sum(k.params if k.params is not None else k.reported_params or 0 for k in kids)
                    row = layers[i]
                    layers[i] = LayerReport(row.name, row.type, row.depth, row.status, row.explanation,
                                            params=total, is_container=True)
        report = Report(format=report.format, framework=report.framework, layers=tuple(layers),
                        total_params=None, trainable_params=None, non_trainable_params=None)
        assert row_formulas(report) == _reference(report)
