"""The answer cache through a real database (SQLite's JSON, PostgreSQL's JSONB): the document stored with
an answer (bot.render.stored) comes back from Store.cached_report and reads as the very same result —
JSONB reorders keys and keeps numbers as numerics, and neither column may hold NUL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.render.stored import RESULT_KEY, cached_result, stored_document
from bot.store import QueryRecord, Source, Store, input_digest
from bot.store.repo import MAX_REPORT_BYTES
from calc.commands import CommandResult, invoke, run
from calc.findings import Finding, Severity
from calc.i18n import Message
from calc.version import VERSION

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DENSENET = (FIXTURES / "corpus" / "k3_app_densenet121.summary.txt").read_text(encoding="utf-8")
SEED_QUESTION = (FIXTURES / "seed_question.txt").read_text(encoding="utf-8")
ODD = "conv\x00\ud800 ☃ 名"  # NUL and a lone surrogate: stored as escaped text, read back as they were

RESULTS = {
    "densenet121": lambda: invoke("explain", {"text": DENSENET}),
    "seed question": lambda: invoke("explain", {"text": SEED_QUESTION}),
    "suggest": lambda: run("/suggest 86400 4 samples=5000 gpu_memory=8"),
    "whatif": lambda: run("/whatif change=(flatten -> gap) 256x256x3 conv32k3 pool2 flatten dense512 dense4"),
    "odd values": lambda: CommandResult(
        command="explain", args={"name": ODD, "big": 2**80, "rate": 0.1, "huge": 1e300, "tiny": 5e-324},
        findings=(Finding(Severity.INFO, "x", Message("error.unknown_layer", {"name": ODD, "framework": "keras"})),),
    ),
}


@pytest.mark.parametrize("name", RESULTS)
async def test_a_stored_answer_reads_back_as_the_same_result(store: Store, name: str) -> None:
    result = RESULTS[name]()
    text = f"the question of {name}"
    document = stored_document(result)
    assert len(json.dumps(document)) < MAX_REPORT_BYTES // 4
    await store.record(QueryRecord(source=Source.DISCORD, command=result.command, input_text=text,
                                   calc_version=VERSION, report=document))
    found = await store.cached_report(input_digest(text), VERSION)
    assert found is not None and RESULT_KEY in found
    assert cached_result(found) == result


async def test_a_document_without_a_readable_result_is_a_miss(store: Store) -> None:
    result = run("/explain 784 dense4")
    old = {k: v for k, v in stored_document(result).items() if k != RESULT_KEY}  # stored before the cache
    damaged = stored_document(result)
    damaged[RESULT_KEY]["shared"] = "not a list"
    for i, document in enumerate((old, damaged)):
        await store.record(QueryRecord(source=Source.DISCORD, command="explain", input_text=str(i),
                                       calc_version=VERSION, report=document))
        found = await store.cached_report(input_digest(str(i)), VERSION)
        assert found is not None and cached_result(found) is None
