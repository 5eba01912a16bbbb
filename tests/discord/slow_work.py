"""A deliberately slow calculation, injected through the worker pool's configuration (LAYERBOT_WORK):
a paste containing SLOW_MARKER spins the CPU until the pool's timeout kills its worker, one with
BUG_MARKER raises; everything else is the real :func:`bot.discord.worker.answer`."""

from __future__ import annotations

import time

from bot.discord.worker import Answer, Request
from bot.discord.worker import answer as real_answer
from bot.discord.worker import warm_up as warm_up  # the same warm-up as the real work function

SLOW_MARKER = "PATHOLOGICAL-PASTE"
BUG_MARKER = "BUG-PLEASE"  # raises, as a bug in calc would
SPIN_SECONDS = 60.0


def answer(request: Request) -> Answer:
    text = request.line or " ".join(str(v) for v in request.options.values())
    if SLOW_MARKER in text:
        end = time.monotonic() + SPIN_SECONDS
        while time.monotonic() < end:  # pure CPU, as a pathological paste would be
            pass
    if BUG_MARKER in text:
        raise RuntimeError("a deliberate bug for the tests")
    return real_answer(request)
