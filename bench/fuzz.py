"""``python -m bench.fuzz``: the fuzz check of ``tests/test_fuzz.py`` on a large budget.

    python -m bench.fuzz --seconds 600                    # ten minutes (nice it on a shared machine)
    python -m bench.fuzz --examples 100000 --failures f.json

Draws cases from every input family (random text, real pastes with hostile edits, numbers and shapes at
the limits, command lines and typed options; see ``tests/fuzzing.py``) and checks each once: nothing but
a LayerbotError may escape, and no call may take more than a second of CPU time.  Prints a progress
line now and then, and at the end how many inputs ran, how many failed, the slowest input and its time,
and the first failures; ``--failures`` writes every failing input in full (JSON) for reproduction.
Exit status 1 when any input failed.

Hypothesis generates the cases (phases: generate only, no example database, no shrinking: a failure
is recorded, not minimised); it runs in rounds of ``--round`` examples until the budget is spent.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzzing import HARD_LIMIT_S, LIMIT_S, Case, Outcome, any_case, check, warm_up


@dataclass
class Tally:
    ran: int = 0
    failed: list[Outcome] = field(default_factory=list)
    slowest: Outcome | None = None
    cpu_total: float = 0.0
    per_target: Counter[str] = field(default_factory=Counter)
    answered: int = 0

    def add(self, outcome: Outcome) -> None:
        self.ran += 1
        self.cpu_total += outcome.cpu_s
        self.per_target[outcome.case.target] += 1
        self.answered += outcome.answered
        if not outcome.ok:
            self.failed.append(outcome)
        if self.slowest is None or outcome.cpu_s > self.slowest.cpu_s:
            self.slowest = outcome


def _round(tally: Tally, examples: int, stop_at: float) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(any_case())
    def one(case: Case) -> None:
        if time.monotonic() < stop_at:
            tally.add(check(case))

    one()


def _jsonable(value: object) -> object:
    if isinstance(value, str | int | float | bool) or value is None:
        return value if not isinstance(value, int) or value.bit_length() < 1_000 else f"<int of {value.bit_length():,} bits>"
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return repr(value)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=None, help="stop after this many inputs")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this many seconds (default 60 "
                        "when --examples is not given)")
    parser.add_argument("--round", type=int, default=2_000, help="examples per hypothesis round (default 2,000)")
    parser.add_argument("--failures", type=Path, default=None, help="write every failing input to this JSON file")
    parser.add_argument("--show", type=int, default=10, help="failures printed at the end (default 10)")
    parser.add_argument("--memory-gib", type=float, default=8.0, help="address-space limit of this process, so that "
                        "an input that allocates without bound fails with MemoryError (default 8 GiB; 0: none)")
    ns = parser.parse_args(argv)
    if ns.memory_gib > 0:
        limit = int(ns.memory_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    seconds = ns.seconds if ns.seconds is not None else (None if ns.examples is not None else 60.0)

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    started = time.monotonic()
    warm_up()
    say(f"fuzzing: limit {LIMIT_S:.1f} s of CPU time per input (interrupted after {HARD_LIMIT_S:.0f} s wall); budget "
        + (f"{seconds:,.0f} s" if seconds is not None else "") + (" / " if seconds and ns.examples else "")
        + (f"{ns.examples:,} inputs" if ns.examples is not None else ""))
    stop_at = started + seconds if seconds is not None else float("inf")
    tally = Tally()
    last_report = started
    while time.monotonic() < stop_at and (ns.examples is None or tally.ran < ns.examples):
        size = ns.round if ns.examples is None else max(1, min(ns.round, ns.examples - tally.ran))
        _round(tally, size, stop_at)
        if time.monotonic() - last_report >= 30:
            last_report = time.monotonic()
            say(f"  {last_report - started:6.0f} s: {tally.ran:,} inputs, {len(tally.failed):,} failed, slowest "
                f"{tally.slowest.cpu_s if tally.slowest else 0:.3f} s")
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    say("")
    say(f"inputs run: {tally.ran:,} in {elapsed:,.0f} s ({tally.answered:,} answered, "
        f"{tally.ran - tally.answered:,} refused with a LayerbotError or failed)")
    say(f"failed: {len(tally.failed):,}")
    if tally.slowest is not None:
        s = tally.slowest
        say(f"slowest input: {s.cpu_s:.3f} s CPU ({s.wall_s:.3f} s wall, {s.gc_s:.3f} s in garbage collection, "
            f"not counted): {s.case.preview(160)}")
        say(f"mean CPU per input: {tally.cpu_total / max(1, tally.ran) * 1000:.2f} ms; peak memory {peak:.2f} GiB")
    say("per target: " + ", ".join(f"{k} {v:,}" for k, v in sorted(tally.per_target.items())))
    kinds = Counter((f.case.target, (f.failure or "").split(" [")[0][:120]) for f in tally.failed)
    for (target, failure), count in kinds.most_common(ns.show):
        say(f"  FAILED ×{count}: {target}: {failure}")
    for f in tally.failed[: ns.show]:
        say(f"  e.g. {f.describe()}")
    if ns.failures is not None:
        doc = [{"target": f.case.target, "args": _jsonable(f.case.args), "failure": f.failure, "cpu_s": f.cpu_s}
               for f in tally.failed]
        ns.failures.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        say(f"failing inputs written to {ns.failures}")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
