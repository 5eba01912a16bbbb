"""The alternative a user has today: build the same model in Keras and print its summary.

Run by the benchmark in a child interpreter that has Keras 3 (``KERAS_BACKEND=torch`` by default):

    python bench/keras_rebuild.py REPS WARMUP DenseNet121 EfficientNetB0

For each ``keras.applications`` name it builds the model with ``weights=None`` and calls
``model.summary()`` (its lines collected by ``print_fn``), WARMUP times untimed and then REPS times
timed, and prints one JSON document on stdout: nanoseconds per build+summary (wall time, and the CPU
time of this whole process, every thread of it), the Keras version and backend, how many threads torch
ran with (the torch backend uses every core unless told otherwise), the machine's load average before
and after the builds, and the summary's size.  Keras's import is not timed (the user's notebook already has it);
``keras.backend.clear_session()`` runs between builds, outside the timing, so layer names do not grow.

This file imports nothing from layerbot, so it runs in any interpreter that has Keras.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def main(argv: list[str]) -> int:
    reps, warmup, names = int(argv[0]), int(argv[1]), argv[2:]
    os.environ.setdefault("KERAS_BACKEND", "torch")
    t0 = time.perf_counter_ns()
    import keras  # imported here so that its import time is measured apart

    import_ns = time.perf_counter_ns() - t0
    out: dict[str, Any] = {
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "python": sys.version.split()[0],
        "import_ns": import_ns,
        "threads": _torch_threads(),
        "load_before": _load(),
        "models": {},
    }
    for name in names:
        build = getattr(keras.applications, name)
        lines: list[str] = []

        def collect(line: str, **_: Any) -> None:
            lines.append(line)  # noqa: B023 - reset before every build

        load = _load()
        times: list[int] = []
        cpu: list[int] = []
        for k in range(warmup + reps):
            keras.backend.clear_session()
            lines.clear()
            start, cpu_start = time.perf_counter_ns(), time.process_time_ns()
            model = build(weights=None)
            model.summary(print_fn=collect)
            took, cpu_took = time.perf_counter_ns() - start, time.process_time_ns() - cpu_start
            if k >= warmup:
                times.append(took)
                cpu.append(cpu_took)
        out["models"][name] = {
            "ns": times,
            "cpu_ns": cpu,
            "load_before": load,
            "params": int(model.count_params()),
            "layers": len(model.layers),
            "summary_chars": sum(len(s) for s in lines),
        }
    out["load_after"] = _load()
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


def _torch_threads() -> int | None:
    """torch's intra-op thread count (None when the backend is not torch)."""
    if "torch" not in sys.modules:
        return None
    import torch

    return int(torch.get_num_threads())


def _load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not Unix
        return []


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
