"""The torch parsers' memoized row readers against the single patterns they stand in for.

torchinfo's ``_read_row`` and print(model)'s ``_leaf_tail`` read the usual row in pieces; whenever
they read a row, the result must be what the one pattern over the whole line reads (and a row they
leave alone goes to that pattern).  Checked on every row of the torch corpus and on edited rows.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from calc.parse import torch_repr, torchinfo
from calc.parse.text import clean
from tests.corpus import CORPUS

_EDITS = [" ", "  ", ":", ": ", "-", "(", ")", "[", "]", "─", "│", "|", "+ ", "x", "1", "é", "٣", "²", "\t", "'", " x "]


def _lines(suffix: str) -> list[str]:
    out: list[str] = []
    for path in sorted(CORPUS.rglob(f"*{suffix}")):
        out.extend(line for line in clean(path.read_text()).split("\n") if line.strip())
    return out


TORCHINFO_LINES = _lines(".torchinfo.txt")[:3000]
REPR_LINES = _lines(".repr.txt")[:3000]


def _check_torchinfo(line: str) -> None:
    for columns in (1, 2, 3, 4):
        got = torchinfo._read_row(line, columns)
        if got is None:
            continue
        m = torchinfo._row_pattern(columns).match(line)
        assert m is not None, line
        groups = m.groups()
        assert got == (*groups[1:5], m.end(1), groups[torchinfo._CELLS_AT :]), line


def _check_repr(line: str) -> None:
    stripped = line.lstrip(" ")
    if not stripped.startswith("("):
        return
    k = stripped.find("): ", 2)
    name = stripped[1:k]
    if not (0 < k <= 201 and (name.isdecimal() or name.isidentifier())):
        return
    m = torch_repr._LEAF.match(line)
    got = torch_repr._leaf_tail(stripped[k + 3 :])
    assert (None if m is None else (m.group(1), *m.group(2, 3, 4))) == (None if got is None else (name, *got)), line


def test_corpus_rows_read_alike() -> None:
    assert TORCHINFO_LINES and REPR_LINES
    for line in TORCHINFO_LINES:
        _check_torchinfo(line)
    for line in REPR_LINES:
        _check_repr(line)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_edited_rows_read_alike(data: st.DataObject) -> None:
    for lines, check in ((TORCHINFO_LINES, _check_torchinfo), (REPR_LINES, _check_repr)):
        line = data.draw(st.sampled_from(lines))
        at = data.draw(st.integers(0, len(line)))
        if data.draw(st.booleans()):
            line = line[:at] + data.draw(st.sampled_from(_EDITS)) + line[at:]
        else:
            line = line[:at] + line[at + 1 :]
        check(line)
