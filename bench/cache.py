"""``python -m bench.cache``: the answer cache's worth — the time to answer a pasted DenseNet121 summary
(bench/fixtures/densenet121.keras3.txt) through the worker's work function, calculated vs rebuilt from
the stored document (:mod:`bot.render.stored`), in English.

    python -m bench.cache [--reps 15] [--cold 3]

- **cold**: the first answer in a fresh worker (a new interpreter that ran the workers' ``warm_up``):
  nothing of this model is memoized yet — the parsers' and the derivation's process-wide memos are
  empty, and its chart has never been drawn.  What a paste costs when it reaches a worker that has not
  seen it (the other worker, a replacement, another bot process, after a restart).  One new interpreter
  per sample.
- **warm**: the same worker answering the same paste again (memos and the chart's drawing cache hit).
- **pool**: warm, through a :class:`~bot.discord.worker.WorkerPool` of one worker, as the bot calls it:
  the request and the answer pickled across the pipe (a hit sends the stored document along).

Wall time and this process's (or the child's) CPU time, p50 of the samples; the machine may be shared,
so CPU time is the steadier figure.  Every answer's total is checked (8,062,504 parameters).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PASTE = Path(__file__).resolve().parent / "fixtures" / "densenet121.keras3.txt"
TOTAL = 8_062_504

_CHILD = """
import json, sys, time
from bot.discord.worker import Request, answer, warm_up
warm_up()
text = open(sys.argv[1], encoding="utf-8").read()
cached = json.load(open(sys.argv[2], encoding="utf-8")) if sys.argv[2] != "-" else None
if cached is not None:  # calc's files may have changed since the parent wrote it: time the reading, not the check
    from calc.version import VERSION
    cached["result"]["calc_version"] = VERSION
wall, cpu = time.perf_counter(), time.process_time()
got = answer(Request(None, line=text, cached=cached))
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"wall": wall, "cpu": cpu, "from_cache": got.from_cache, "total": got.headline.total_params}))
"""


def _document(text: str) -> dict[str, Any]:
    from bot.discord.worker import Request, answer

    got = answer(Request(None, line=text))
    assert got.document is not None and got.headline.total_params == TOTAL
    return json.loads(json.dumps(got.document))  # as the store gives it back


def _cold(document_path: Path | None, samples: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(samples):
        run = subprocess.run(  # noqa: S603 - this interpreter, our own script and file paths
            [sys.executable, "-c", _CHILD, str(PASTE), str(document_path) if document_path else "-"],
            capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1],
        )
        figures = json.loads(run.stdout.strip().splitlines()[-1])
        assert figures["total"] == TOTAL and figures["from_cache"] is (document_path is not None)
        out.append(figures)
    return out


def _warm(text: str, document: dict[str, Any] | None, reps: int) -> list[dict[str, Any]]:
    from bot.discord.worker import Request, answer

    out = []
    for _ in range(reps + 2):
        wall, cpu = time.perf_counter(), time.process_time()
        got = answer(Request(None, line=text, cached=document))
        out.append({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu})
        assert got.headline.total_params == TOTAL and got.from_cache is (document is not None)
    return out[2:]


async def _pool(text: str, reps: int) -> tuple[list[float], list[float]]:
    from bot.discord.worker import Request, WorkerPool

    async with WorkerPool("bot.discord.worker:answer", workers=1, timeout=60.0) as pool:
        # The worker's own document (its calc version is the one it imported).
        first = await pool.run(Request(None, line=text), priority=1)
        document = json.loads(json.dumps(first.document))
        times: dict[bool, list[float]] = {False: [], True: []}
        for i in range(2 * (reps + 2)):
            hit = i % 2 == 1
            started = time.perf_counter()
            got = await pool.run(Request(None, line=text, cached=document if hit else None), priority=1)
            if i >= 4:
                times[hit].append(time.perf_counter() - started)
            assert got.from_cache is hit and got.headline.total_params == TOTAL
    return times[False], times[True]


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cache", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=15, help="warm samples of each (default 15)")
    parser.add_argument("--cold", type=int, default=3, help="fresh interpreters for each cold figure (default 3)")
    ns = parser.parse_args(argv)

    from bot.discord.worker import warm_up

    warm_up()
    text = PASTE.read_text(encoding="utf-8")
    document = _document(text)
    size = len(json.dumps(document))
    scratch = Path(__file__).resolve().parent / ".cache-document.json"
    scratch.write_text(json.dumps(document), encoding="utf-8")
    try:
        cold_calc, cold_hit = _cold(None, ns.cold), _cold(scratch, ns.cold)
    finally:
        scratch.unlink()
    warm_calc, warm_hit = _warm(text, None, ns.reps), _warm(text, document, ns.reps)
    pool_calc, pool_hit = asyncio.run(_pool(text, ns.reps))

    print(f"DenseNet121 paste ({len(text):,} characters, 429 rows); stored document {size:,} bytes of JSON")
    print(f"{'':34}{'calculated':>22}{'from the cache':>22}")
    for label, calc, hit, key in (
        ("cold worker, wall", cold_calc, cold_hit, "wall"),
        ("cold worker, CPU", cold_calc, cold_hit, "cpu"),
        ("warm worker, wall", warm_calc, warm_hit, "wall"),
        ("warm worker, CPU", warm_calc, warm_hit, "cpu"),
    ):
        print(f"{label:34}{_ms([c[key] for c in calc]):>22}{_ms([h[key] for h in hit]):>22}")
    print(f"{'pool of 1 (pickling included), wall':34}{_ms(pool_calc):>22}{_ms(pool_hit):>22}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
