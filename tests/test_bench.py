"""Smoke test of the benchmark harness: it runs with tiny repetitions and prints every row.

Not a timing test (speed is measured by ``python -m bench``, never asserted in tests): it only checks that
the harness runs, that every figure has its row, and that each summary's derived total is right.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bench import harness


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    out = io.StringIO()
    doc = tmp_path_factory.mktemp("bench") / "bench.json"
    code = harness.main(
        ["--reps", "1", "--warmup", "0", "--router-reps", "10", "--keras", "skip", "--discord", "skip", "--json", str(doc)], out=out
    )
    assert code == 0
    return out.getvalue(), json.loads(doc.read_text(encoding="utf-8"))


def test_prints_the_machine(printed: tuple[str, dict]) -> None:
    text, _ = printed
    assert "machine: " in text
    assert "CPython 3." in text


@pytest.mark.parametrize("case", harness.CASES, ids=lambda c: c.key)
def test_every_summary_has_its_rows(printed: tuple[str, dict], case: harness.Case) -> None:
    text, _ = printed
    rows = [line for line in text.splitlines() if line.startswith(case.label)]
    assert len(rows) == 2  # the latency row and the ratios row
    assert "✓" in rows[0]  # the derived total is the true one
    if case.keras_app:
        assert "skipped (--keras skip)" in rows[1]
    else:
        assert "n/a (no Keras model)" in rows[1]


def test_router_and_discord_rows(printed: tuple[str, dict]) -> None:
    text, _ = printed
    lines = text.splitlines()
    for command in ("/dense", "/explain"):
        assert any(line.startswith(command + " ") for line in lines)
    assert "Discord: skipped (--discord skip)" in lines
    assert "targets" in lines


def test_json_document(printed: tuple[str, dict]) -> None:
    _, doc = printed
    assert [c["key"] for c in doc["cases"]] == [c.key for c in harness.CASES]
    assert all(c["derived_total"] == c["true_total"] for c in doc["cases"])
    assert {r["command"] for r in doc["router"]} == {"/dense", "/explain"}
    assert doc["machine"]["python"].startswith("CPython")


def test_fixtures_are_listed_in_the_manifest() -> None:
    manifest = json.loads((harness.FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    for case in harness.CASES:
        assert (harness.FIXTURES / case.file).is_file()
        assert manifest[case.file]["total_params"] > 0


def test_keras_row_is_skipped_with_a_note_when_keras_is_missing(tmp_path: Path) -> None:
    result, note = harness.keras_rebuild(["DenseNet121"], 1, 0, str(tmp_path / "no-such-python"))
    assert result == {}
    assert "did not run" in note


def test_percentiles() -> None:
    assert harness._percentile([5, 1, 3, 2, 4], 50) == 3
    assert harness._percentile(list(range(1, 201)), 99) == 198
    assert harness._percentile([7], 99) == 7


def test_discord_load_runs_a_small_burst() -> None:
    """The Discord figures' harness end to end, tiny: `layerbot run` in a child process answers a burst
    of 10 through the stand-in, and every figure has its place in the table and the targets."""
    import asyncio

    from bench import discord_load

    result = asyncio.run(discord_load.run([10], 0.5, None, {}))
    (b,) = result.bursts
    assert (b.count, b.answered, b.acknowledged) == (10, 10, 10)
    assert b.not_numbers == 0
    assert 0 < result.startup_s < 60 and result.rss_idle_mib > 0 and result.pss_idle_mib >= result.rss_idle_mib
    text = "\n".join(discord_load.render(result))
    assert "10 in 0.5 s" in text and "start-up: spawn → READY" in text
    whats = [what for what, _ in discord_load.targets(result)]
    assert any(w.startswith("10 interactions in 0.5 s: 10/10 answered") for w in whats)
