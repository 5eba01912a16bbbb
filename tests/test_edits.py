"""Change one reported number in a real summary: exactly that row (or the total) becomes a mismatch,
and layerbot gives the right value."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from calc.explain import explain
from calc.report import Status
from tests.corpus import CORPUS

# Every Keras summary (both layouts) whose model has a Dense or BatchNormalization row.
FILES = sorted(
    p for p in CORPUS.glob("*.summary.txt")
    if p.name.startswith(("k3_rand_", "tfk2_rand_", "k3_classic", "tfk2_classic"))
)


def _number_pattern(n: int) -> str:
    return rf"(?<![\d,]){n:,}(?![\d,])|(?<![\d,]){n}(?![\d,])"


def _edit_row(text: str, name: str, kind: str, n: int) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if re.search(rf"\b{re.escape(name)} \({kind[:5]}", line):  # tf.keras cuts long type names
            edited, count = re.subn(_number_pattern(n), f"{n + 1:,}" if f"{n:,}" in line else str(n + 1), line)
            if count == 1:
                lines[i] = edited
                return "\n".join(lines)
    raise LookupError(name)


@pytest.mark.parametrize("path", FILES[::3], ids=lambda p: p.name)
def test_one_edited_row_is_the_one_mismatch(path: Path) -> None:
    truth = json.loads((CORPUS / f"{path.name.split('.')[0]}.json").read_text())
    text = path.read_text(encoding="utf-8")
    base = explain(text)
    assert all(r.status is not Status.MISMATCH for r in base.layers)
    rows = [r for r in truth["layers"] if r["params"] > 9]
    dense = [r for r in rows if r["type"] == "Dense"]
    norm = [r for r in rows if r["type"] == "BatchNormalization"]
    assert dense or norm, "the selection holds only models with such rows"
    edits = 0
    for layer in dense[-1:] + norm[:1]:
        try:
            edited = _edit_row(text, layer["name"], layer["type"], layer["params"])
        except LookupError:
            continue  # the count also appears elsewhere on its line: not a clean single edit
        report = explain(edited)
        changed = [r for a, r in zip(base.layers, report.layers, strict=True) if a.status != r.status]
        assert [r.name for r in changed] == [layer["name"]]
        row = changed[0]
        assert row.status is Status.MISMATCH
        assert row.params == layer["params"] and row.reported_params == layer["params"] + 1
        assert report.total_params == truth["total_params"]
        edits += 1
    assert edits, "no row could be edited cleanly"


@pytest.mark.parametrize("path", FILES[::7], ids=lambda p: p.name)
def test_an_edited_total_line_is_reported_with_the_right_total(path: Path) -> None:
    truth = json.loads((CORPUS / f"{path.name.split('.')[0]}.json").read_text())
    text = path.read_text(encoding="utf-8")
    total = truth["total_params"]
    edited, count = re.subn(rf"(Total params: ){total:,}|(Total params: ){total}(?!\d)",
                            lambda m: f"{m.group(1) or m.group(2)}{total + 7}", text)
    assert count == 1
    report = explain(edited)
    assert report.total_params == total
    assert report.reported_total == total + 7
    assert any(f.code == "derive.total_mismatch" for f in report.findings)
    assert all(r.status is not Status.MISMATCH for r in report.layers)
