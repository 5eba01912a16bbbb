"""The benchmark: every figure of layerbot's speed, and the machine it ran on, in one table.

    python -m bench [--reps 200] [--warmup 20] [--keras auto|skip] [--json FILE]

Figures (all wall time from ``time.perf_counter_ns``, in this process, warm: each timed call follows
``--warmup`` untimed ones; p50 and p99 are nearest-rank percentiles of ``--reps`` calls):

- **explain**, per summary: ``calc.explain.explain(text)`` (clean → detect → parse → derive) and then
  ``bot.render.report_text.report_lines`` (the text a user reads), timed as one call — the latency a user
  waits for.  Beside it, each part on its own: parse + derive, the text render, and the JSON document
  (``bot.render.report_json.dumps``, what ``layerbot explain --json`` prints).  "per row" is the p50
  divided by the summary's rows (layers).
- **floor**: the same text scanned once by one compiled regex (``re.findall(r"\\d[\\d,]*")``, every number
  in it): the least any reader of the text must do.  Shown as explain / floor.  The two are timed in turns
  (one explain, five floor scans, over and over), so both are measured on the same machine at the same moment.
- **Keras rebuild**: what a user can do today — build the same model with ``keras.applications``
  (``weights=None``) and print ``model.summary()`` — timed in the same run, in a child interpreter that
  has Keras 3 (this one when it can import keras, else ``/work/devvenv/bin/python`` or ``--keras-python``).
  The row says why when it is skipped.  Shown as rebuild / explain, on wall time.  Beside the wall time: the
  rebuild's CPU time (its whole process, every thread), the number of threads torch ran with and the load
  average before and after it: the rebuild uses every core (torch's threads) while explain uses one, so its
  wall time swings with what else the machine runs.
- **command router**: ``calc.commands.run`` for ``/dense`` and ``/explain`` (a 17-row summary): latency and
  requests per second per core (calls per CPU-second of this thread, so other processes on the machine do
  not count against it).
- **Discord**: ``layerbot run`` in its own process against the stand-in Discord (tests/discord_standin),
  bursts of 200 and 500 slash commands each spread over one second: time to the first response and to
  the answer (p50/p99/max), how many missed Discord's 3 s window, start-up to READY, memory idle and at
  the peak (:mod:`bench.discord_load`; ``--discord skip`` leaves it out).

Every summary's derived total is checked against the true count (``bench/fixtures/manifest.json``): a
fast wrong answer is not a result.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO

FIXTURES = Path(__file__).resolve().parent / "fixtures"
KERAS_SCRIPT = Path(__file__).resolve().parent / "keras_rebuild.py"
DEV_PYTHON = Path("/work/devvenv/bin/python")

FLOOR = re.compile(r"\d[\d,]*")
"""The floor: one compiled regex, one pass, every number in the text."""


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    file: str
    keras_app: str | None = None  # the keras.applications name that builds the same model


CASES: tuple[Case, ...] = (
    Case("densenet121", "DenseNet121 (Keras 3)", "densenet121.keras3.txt", "DenseNet121"),
    Case("efficientnetb0", "EfficientNetB0 (Keras 3)", "efficientnetb0.keras3.txt", "EfficientNetB0"),
    Case("resnet50", "ResNet-50 (torchinfo)", "resnet50.torchinfo.txt"),
    Case("deep200", "200-layer torch repr", "deep200.repr.txt"),
)

ROUTER_LINES: tuple[tuple[str, str], ...] = (
    ("/dense", "/dense 86400 4"),
    ("/explain", "/explain {classic_b}"),  # the original question's 17-row Keras 3 summary
)

TARGET_EXPLAIN_MS = 20.0  # DenseNet121, p50, parse → derive → render
TARGET_KERAS_RATIO = 100.0  # rebuild / explain, at least
TARGET_FLOOR_RATIO = 10.0  # explain / floor, at most
TARGET_DENSE_RPS = 2_000.0  # /dense per second per core, at least


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Sample:
    """Per-call wall times (ns) of one figure, and per call the CPU time this thread spent (ns): on a
    shared machine the wall time includes waiting for a core, the CPU time does not."""

    ns: list[int]
    cpu: list[int]

    @property
    def cpu_ns(self) -> int:
        return sum(self.cpu)

    @property
    def p50(self) -> float:
        return _percentile(self.ns, 50)

    @property
    def p99(self) -> float:
        return _percentile(self.ns, 99)

    @property
    def cpu_p50(self) -> float:
        return _percentile(self.cpu, 50)

    @property
    def per_cpu_second(self) -> float:
        return len(self.ns) / (self.cpu_ns / 1e9) if self.cpu_ns > 0 else math.inf


def _percentile(values: Sequence[int], pct: float) -> float:
    """Nearest-rank percentile (p50 of 4 values is the 2nd; p99 of 200 is the 198th)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[rank - 1])


def measure(fn: Callable[[], object], reps: int, warmup: int) -> Sample:
    """Time ``fn`` ``reps`` times after ``warmup`` untimed calls.  The garbage collector stays on (it is
    part of what a request costs); a collection runs before the series so earlier garbage is not billed."""
    for _ in range(warmup):
        fn()
    gc.collect()
    times: list[int] = []
    cpu: list[int] = []
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for _ in range(reps):
        start, cpu_start = clock(), cpu_clock()
        fn()
        cpu.append(cpu_clock() - cpu_start)
        times.append(clock() - start)
    return Sample(times, cpu)


def measure_side_by_side(fn: Callable[[], object], floor: Callable[[], object], reps: int, warmup: int,
                         per: int = 5) -> tuple[Sample, Sample]:
    """``fn`` and ``floor`` timed in turns (one call of ``fn``, then ``per`` of ``floor``, ``reps`` times), so
    that both see the same machine: on a shared machine the speed of a core drifts over seconds, and two
    series timed one after the other would compare two machines.  As :func:`measure` otherwise."""
    for _ in range(warmup):
        fn()
        floor()
    gc.collect()
    a, b = Sample([], []), Sample([], [])
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for _ in range(reps):
        start, cpu_start = clock(), cpu_clock()
        fn()
        a.cpu.append(cpu_clock() - cpu_start)
        a.ns.append(clock() - start)
        for _ in range(per):
            start, cpu_start = clock(), cpu_clock()
            floor()
            b.cpu.append(cpu_clock() - cpu_start)
            b.ns.append(clock() - start)
    return a, b


# --- the machine -----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 0
    try:
        load: list[float] = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not Unix
        load = []
    import sympy

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "load_average": load,
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sympy": sympy.__version__,
    }


# --- the Keras rebuild -----------------------------------------------------------------------


def _keras_python(choice: str | None) -> tuple[str | None, str]:
    """The interpreter to rebuild models with, or None and why not."""
    if choice:
        return choice, ""
    if importlib.util.find_spec("keras") is not None:
        return sys.executable, ""
    if DEV_PYTHON.exists():
        return str(DEV_PYTHON), ""
    return None, "Keras is not installed (pip install -e '.[bench]', or --keras-python PATH)"


def keras_rebuild(apps: Sequence[str], reps: int, warmup: int, python: str | None) -> tuple[dict[str, Any], str]:
    """{app: {"ns": [...], ...}} from the child interpreter, and a note ("" when it ran)."""
    exe, why = _keras_python(python)
    if exe is None:
        return {}, why
    env = dict(os.environ)
    env.setdefault("KERAS_BACKEND", "torch")
    try:
        done = subprocess.run(  # noqa: S603 - our own script, in an interpreter the user chose
            [exe, str(KERAS_SCRIPT), str(reps), str(warmup), *apps],
            capture_output=True,
            text=True,
            env=env,
            timeout=1800,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {}, f"the Keras rebuild did not run ({type(exc).__name__}: {exc})"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {}, f"the Keras rebuild failed in {exe}: {last[:160]}"
    try:
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}, "the Keras rebuild printed no result"
    return result, ""


def _derive_memos() -> list[dict[Any, Any]]:
    """calc.derive's process-wide memos of solved layers, to clear for the "first seen" figure (a model
    whose layers were never derived before in this process); none when calc.derive has no such memo."""
    import calc.derive

    return [m for m in (getattr(calc.derive, n, None) for n in ("_SOLVED", "_DERIVED")) if isinstance(m, dict)]


# --- the run ---------------------------------------------------------------------------------


@dataclass
class CaseResult:
    case: Case
    format: str
    rows: int
    derived_total: int | None
    true_total: int | None
    end_to_end: Sample
    explain: Sample
    first_seen: Sample | None
    text: Sample
    json: Sample
    floor: Sample
    rebuild_ns: list[int] = field(default_factory=list)
    rebuild_cpu_ns: list[int] = field(default_factory=list)  # the rebuild process's CPU time, all threads

    @property
    def correct(self) -> bool:
        return self.derived_total is not None and self.derived_total == self.true_total


@dataclass
class RouterResult:
    command: str
    line: str
    sample: Sample


@dataclass
class Run:
    machine: dict[str, Any]
    options: dict[str, Any]
    cases: list[CaseResult]
    router: list[RouterResult]
    keras: dict[str, Any]
    keras_note: str
    started: str
    seconds: float = 0.0
    discord: Any = None  # bench.discord_load.Result
    discord_note: str = ""


def run_bench(args: argparse.Namespace, log: Callable[[str], None]) -> Run:
    t0 = time.perf_counter()
    from bot.render.report_json import dumps as report_json
    from bot.render.report_text import report_lines
    from calc.commands import run as run_command
    from calc.explain import explain

    memos = _derive_memos()
    manifest = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    cases = [c for c in CASES if not args.only or c.key in args.only]
    reps, warmup = args.reps, args.warmup
    results: list[CaseResult] = []
    for case in cases:
        text = (FIXTURES / case.file).read_text(encoding="utf-8")
        log(f"  {case.label}: explain …")
        report = explain(text)

        def end_to_end(text: str = text) -> None:
            for _ in report_lines(explain(text)):
                pass

        def render_text(report: Any = report) -> None:
            for _ in report_lines(report):
                pass

        def first_seen(text: str = text) -> None:
            for memo in memos:
                memo.clear()
            explain(text)

        e2e, floor = measure_side_by_side(end_to_end, partial(FLOOR.findall, text), reps, warmup)
        results.append(
            CaseResult(
                case=case,
                format=report.format.value,
                rows=len(report.layers),
                derived_total=report.total_params,
                true_total=manifest.get(case.file, {}).get("total_params"),
                end_to_end=e2e,
                explain=measure(partial(explain, text), reps, warmup),
                first_seen=measure(first_seen, reps, warmup) if memos else None,
                text=measure(render_text, reps, warmup),
                json=measure(partial(report_json, report), reps, warmup),
                floor=floor,
            )
        )

    router: list[RouterResult] = []
    classic_b = (FIXTURES / "classic_b.keras3.txt").read_text(encoding="utf-8")
    for command, template in ROUTER_LINES:
        line = template.format(classic_b=classic_b)
        log(f"  {command} …")
        run_command(line)
        n = args.router_reps if command == "/dense" else max(1, args.router_reps // 10)
        router.append(
            RouterResult(
                command,
                template.replace("{classic_b}", "<17-row Keras 3 summary>"),
                measure(partial(run_command, line), n, warmup),
            )
        )

    keras: dict[str, Any] = {}
    note = ""
    apps = [c.keras_app for c in cases if c.keras_app]
    if args.keras == "skip":
        note = "skipped (--keras skip)"
    elif apps:
        log(f"  Keras rebuild of {', '.join(apps)} ({args.keras_reps} + {args.keras_warmup} warm-up each) …")
        keras, note = keras_rebuild(apps, args.keras_reps, args.keras_warmup, args.keras_python)
        for r in results:
            if r.case.keras_app and r.case.keras_app in keras.get("models", {}):
                r.rebuild_ns = list(keras["models"][r.case.keras_app]["ns"])
                r.rebuild_cpu_ns = list(keras["models"][r.case.keras_app].get("cpu_ns", []))
    discord: Any = None
    discord_note = ""
    if args.discord == "skip":
        discord_note = "skipped (--discord skip)"
    else:
        import asyncio

        from bench import discord_load

        log(f"  Discord: `layerbot run` against the stand-in, bursts of {', '.join(map(str, args.discord_counts))} …")
        discord = asyncio.run(discord_load.run(args.discord_counts, 1.0, None, {}))
    return Run(
        machine=machine(),
        options={k: v for k, v in vars(args).items() if k != "json"},
        cases=results,
        router=router,
        keras=keras,
        keras_note=note,
        started=time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(time.time() - (time.perf_counter() - t0))),
        seconds=time.perf_counter() - t0,
        discord=discord,
        discord_note=discord_note,
    )


# --- the table -------------------------------------------------------------------------------


def _ms(ns: float) -> str:
    if math.isnan(ns):
        return "—"
    ms = ns / 1e6
    if ms >= 1000:
        return f"{ms / 1000:,.2f} s"
    if ms >= 100:
        return f"{ms:,.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    return f"{ms:.2f} ms"


def _us(ns: float) -> str:
    """Times under a millisecond in µs, longer ones as :func:`_ms` writes them."""
    if math.isnan(ns):
        return "—"
    return f"{ns / 1e3:,.1f} µs" if ns < 1e6 else _ms(ns)


def _ratio(x: float) -> str:
    if math.isnan(x) or math.isinf(x):
        return "—"
    return f"{x:,.0f}×" if x >= 100 else f"{x:.1f}×"


def _check(ok: bool | None) -> str:
    return "–" if ok is None else "✓" if ok else "✗"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h) for k, h in enumerate(headers)]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if k in right else c.ljust(w) for k, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [fmt(headers), fmt(["─" * w for w in widths]), *(fmt(r) for r in rows)]


def render(run: Run) -> list[str]:
    m = run.machine
    o = run.options
    out = [
        f"layerbot bench · {run.started} · {run.seconds:.0f} s",
        f"machine: {m['cpu']} · {m['cores']} cores ({m['usable_cores']} usable) · load {' '.join(map(str, m['load_average']))}"
        f" · {m['os']} · {m['python']} · sympy {m['sympy']}",
        f"method: wall time per call (perf_counter_ns), {o['warmup']} warm-up calls then {o['reps']} timed;"
        " p50 / p99 nearest rank; gc on",
        "",
        "explain: parse → derive → render (text), warm, in-process",
    ]
    rows = []
    for r in run.cases:
        e2e = r.end_to_end
        rows.append(
            [
                r.case.label,
                r.format,
                str(r.rows),
                _ms(e2e.p50),
                _ms(e2e.p99),
                _ms(e2e.cpu_p50),
                _us(e2e.p50 / r.rows) if r.rows else "—",
                _ms(r.explain.p50),
                _ms(r.first_seen.p50) if r.first_seen is not None else "—",
                _ms(r.text.p50),
                _ms(r.json.p50),
                f"{_check(r.correct)} {r.derived_total:,}" if r.derived_total is not None else "✗ —",
            ]
        )
    out += _table(
        [
            "summary",
            "format",
            "rows",
            "p50",
            "p99",
            "CPU p50",
            "per row",
            "parse+derive",
            "first seen",
            "text",
            "json",
            "total",
        ],
        rows,
        right={2, 3, 4, 5, 6, 7, 8, 9, 10},
    )
    out.append(
        "p50, p99: wall time; CPU p50: this thread's CPU time (no waiting for a core); per row = p50 / rows;"
        " all other columns are wall p50.  parse+derive = calc.explain.explain alone; first seen = the same with calc.derive's memo of solved layers"
        " cleared first; text = report_lines; json = report_json.dumps (indent 2)"
    )
    out += ["", "ratios (same run): explain p50 against the regex floor and against rebuilding the model in Keras"]
    rows = []
    for r in run.cases:
        e2e_p50 = r.end_to_end.p50
        rebuild = _percentile(r.rebuild_ns, 50) if r.rebuild_ns else math.nan
        if r.rebuild_ns:
            model = run.keras.get("models", {}).get(r.case.keras_app, {})
            threads, load = run.keras.get("threads"), (model.get("load_before") or ["?"])[0]
            keras_cells = [
                _ms(rebuild),
                _ms(_percentile(r.rebuild_ns, 99)),
                _ms(_percentile(r.rebuild_cpu_ns, 50)) if r.rebuild_cpu_ns else "—",
                f"{threads if threads is not None else '—'} · {load}",
                _ratio(rebuild / e2e_p50),
            ]
        elif r.case.keras_app:
            keras_cells = ["—", "—", "—", "—", run.keras_note or "not run"]
        else:
            keras_cells = ["—", "—", "—", "—", "n/a (no Keras model)"]
        rows.append(
            [
                r.case.label,
                _ms(e2e_p50),
                _us(r.floor.p50),
                _ratio(e2e_p50 / r.floor.p50),
                _ratio(r.end_to_end.cpu_p50 / r.floor.cpu_p50),
                *keras_cells,
            ]
        )
    out += _table(
        [
            "summary",
            "explain p50",
            "floor p50",
            "explain/floor",
            "(CPU)",
            "Keras rebuild p50",
            "p99",
            "CPU p50",
            "threads · load",
            "rebuild/explain",
        ],
        rows,
        right={1, 2, 3, 4, 5, 6, 7, 8},
    )
    if run.keras:
        threads = run.keras.get("threads")
        load = [" ".join(map(str, run.keras.get(k) or ["?"])) for k in ("load_before", "load_after")]
        out.append(
            f"Keras rebuild: keras.applications.<Model>(weights=None) + model.summary(), Keras {run.keras.get('keras')}"
            f" ({run.keras.get('backend')} backend), {o['keras_warmup']} warm-up + {o['keras_reps']} timed builds,"
            f" import {run.keras.get('import_ns', 0) / 1e9:.1f} s not counted; torch threads"
            f" {threads if threads is not None else '—'}; load average (1, 5, 15 min) {load[0]} before the builds,"
            f" {load[1]} after (threads · load: torch's threads and the 1-min load as each model's builds began)."
            " The rebuild uses every core (torch's threads) while explain uses one: rebuild/explain is wall p50"
            " against wall p50, and the rebuild's wall time swings with the load; its CPU p50 is its whole"
            " process's CPU time, every thread"
        )
    elif run.keras_note:
        out.append(f"Keras rebuild: {run.keras_note}")

    out += ["", "command router: calc.commands.run(line), requests per second per core = calls per CPU-second"]
    rows = [
        [
            rr.command,
            rr.line,
            str(len(rr.sample.ns)),
            _us(rr.sample.p50),
            _us(rr.sample.p99),
            _us(rr.sample.cpu_p50),
            f"{rr.sample.per_cpu_second:,.0f}",
        ]
        for rr in run.router
    ]
    out += _table(["command", "line", "calls", "p50", "p99", "CPU p50", "req/s/core"], rows, right={2, 3, 4, 5, 6})

    out.append("")
    if run.discord is not None:
        from bench import discord_load

        out += discord_load.render(run.discord)
    else:
        out.append(f"Discord: {run.discord_note}")

    out += ["", "targets"]
    out += [f"  {_check(ok)} {what}" for what, ok in targets(run)]
    return out


def targets(run: Run) -> list[tuple[str, bool | None]]:
    """Each target with whether this run met it (None: not measured)."""
    found: list[tuple[str, bool | None]] = []
    by_key = {r.case.key: r for r in run.cases}
    dn = by_key.get("densenet121")
    if dn is not None:
        found.append(
            (
                f"DenseNet121 explain p50 {_ms(dn.end_to_end.p50)} (CPU {_ms(dn.end_to_end.cpu_p50)})"
                f" ≤ {TARGET_EXPLAIN_MS:.0f} ms",
                dn.end_to_end.p50 <= TARGET_EXPLAIN_MS * 1e6,
            )
        )
    for r in run.cases:
        if r.case.keras_app and not r.rebuild_ns:
            found.append((f"{r.case.label}: Keras rebuild not measured ({run.keras_note or 'not run'})", None))
        if r.rebuild_ns:
            ratio = _percentile(r.rebuild_ns, 50) / r.end_to_end.p50
            found.append(
                (
                    f"{r.case.label}: {_ratio(ratio)} faster than the Keras rebuild (≥ {TARGET_KERAS_RATIO:.0f}×)",
                    ratio >= TARGET_KERAS_RATIO,
                )
            )
    for r in run.cases:
        ratio = r.end_to_end.p50 / r.floor.p50
        found.append(
            (
                f"{r.case.label}: {_ratio(ratio)} the regex floor (CPU:"
                f" {_ratio(r.end_to_end.cpu_p50 / r.floor.cpu_p50)}) (≤ {TARGET_FLOOR_RATIO:.0f}×)",
                ratio <= TARGET_FLOOR_RATIO,
            )
        )
    for rr in run.router:
        if rr.command == "/dense":
            found.append(
                (
                    f"/dense {rr.sample.per_cpu_second:,.0f} per second per core (≥ {TARGET_DENSE_RPS:,.0f})",
                    rr.sample.per_cpu_second >= TARGET_DENSE_RPS,
                )
            )
    if run.discord is not None:
        from bench import discord_load

        found += [(what, ok) for what, ok in discord_load.targets(run.discord)]
    else:
        found.append((f"Discord figures not measured ({run.discord_note})", None))
    for r in run.cases:
        if not r.correct:
            found.append((f"{r.case.label}: derived total {r.derived_total} ≠ true total {r.true_total}", False))
    return found


def _document(run: Run) -> dict[str, Any]:
    def sample(s: Sample) -> dict[str, Any]:
        return {"p50_ns": s.p50, "p99_ns": s.p99, "cpu_p50_ns": s.cpu_p50, "calls": len(s.ns), "cpu_ns": s.cpu_ns}

    return {
        "started": run.started,
        "machine": run.machine,
        "options": run.options,
        "cases": [
            {
                **asdict(r.case),
                "format": r.format,
                "rows": r.rows,
                "derived_total": r.derived_total,
                "true_total": r.true_total,
                "end_to_end": sample(r.end_to_end),
                "explain": sample(r.explain),
                "first_seen": sample(r.first_seen) if r.first_seen is not None else None,
                "text": sample(r.text),
                "json": sample(r.json),
                "floor": sample(r.floor),
                "keras_rebuild_ns": r.rebuild_ns,
                "keras_rebuild_cpu_ns": r.rebuild_cpu_ns,
            }
            for r in run.cases
        ],
        "router": [
            {"command": rr.command, "line": rr.line, **sample(rr.sample), "per_cpu_second": rr.sample.per_cpu_second}
            for rr in run.router
        ],
        "keras": {k: v for k, v in run.keras.items() if k != "models"},
        "keras_note": run.keras_note,
        "discord": None if run.discord is None else asdict(run.discord),
        "discord_note": run.discord_note,
        "targets": [{"what": w, "ok": ok} for w, ok in targets(run)],
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description="layerbot's speed, and the machine it ran on.")
    p.add_argument("--reps", type=int, default=200, help="timed calls per explain figure (default 200)")
    p.add_argument("--warmup", type=int, default=20, help="untimed calls before each figure (default 20)")
    p.add_argument("--router-reps", type=int, default=5000, help="timed /dense calls (/explain: a tenth; default 5000)")
    p.add_argument("--keras", choices=("auto", "skip"), default="auto", help="time the Keras rebuild (default auto)")
    p.add_argument("--keras-python", default=None, help="interpreter with Keras 3 for the rebuild row")
    p.add_argument("--keras-reps", type=int, default=5, help="timed Keras builds per model (default 5)")
    p.add_argument("--keras-warmup", type=int, default=1, help="untimed Keras builds per model (default 1)")
    p.add_argument("--discord", choices=("auto", "skip"), default="auto",
                   help="run the bot against the stand-in Discord under bursts (default auto)")
    p.add_argument("--discord-counts", type=int, nargs="+", default=[200, 500], metavar="N",
                   help="burst sizes, each spread over one second (default 200 500)")
    p.add_argument("--only", nargs="*", choices=[c.key for c in CASES], help="only these summaries")
    p.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    return p


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    stream = out if out is not None else sys.stdout

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    run = run_bench(args, log)
    for line in render(run):
        print(line, file=stream)
    if args.json is not None:
        args.json.write_text(json.dumps(_document(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0
