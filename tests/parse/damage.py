"""Random damage to real pasted text, for the parsers' robustness tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hypothesis import strategies as st


@st.composite
def damaged(draw: st.DrawFn, sources: Sequence[Path]) -> str:
    """One of ``sources`` with up to six lines deleted, duplicated, cut short or given random characters."""
    lines = draw(st.sampled_from(list(sources))).read_text().split("\n")
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "cut"]))
        k = draw(st.integers(0, len(lines) - 1))
        if op == "delete" and len(lines) > 1:
            del lines[k]
        elif op == "duplicate":
            lines.insert(k, lines[k])
        elif op == "insert":
            pos = draw(st.integers(0, len(lines[k])))
            lines[k] = lines[k][:pos] + draw(st.text(min_size=1, max_size=5)) + lines[k][pos:]
        else:
            lines[k] = lines[k][: draw(st.integers(0, len(lines[k])))]
    return "\n".join(lines)
