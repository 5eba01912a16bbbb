"""Layers outside the shared corpus, built in the real frameworks by tools/fixtures/*.py (dev only).

Each tests/fixtures/catalog/*.json is a list of cases in the form
{"framework": "keras"|"torch", "type": str, "config": {...}, "inputs": [[dims]],
 "params": int, "trainable": int, "non_trainable": int, "buffers": int|null,
 "output": shape or list of shapes, "param_shapes": {name: [dims]}|null}
and is checked with the same rules as the corpus.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calc.types import Framework
from tests.corpus import FIXTURES, Case, check

FILES = sorted((FIXTURES / "catalog").glob("*.json"))


def _cases(path: Path) -> list[Case]:
    out = []
    for i, c in enumerate(json.loads(path.read_text())):
        out.append(
            Case(
                model=f"{path.stem}#{i}",
                name=c.get("name", c["type"]),
                type=c["type"],
                framework=Framework(c["framework"]),
                config=c["config"],
                inputs=[tuple(s) for s in c["inputs"]],
                params=c["params"],
                trainable=c["trainable"],
                non_trainable=c["non_trainable"],
                output=c["output"],
                buffers=c.get("buffers"),
                param_shapes=c.get("param_shapes"),
            )
        )
    return out


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_generated_layers_match_the_framework(path: Path) -> None:
    cases = _cases(path)
    assert cases, f"{path.name} holds no cases"
    failures = [msg for case in cases if (msg := check(case))]
    assert not failures, "\n".join(failures)
