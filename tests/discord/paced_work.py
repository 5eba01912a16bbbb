"""The real calculation, slowed to a known pace (LAYERBOT_WORK=tests.discord.paced_work:answer): every answer
takes at least PACE_SECONDS, so a test can be sure answers are still in progress when it acts (a SIGTERM,
a close) without depending on how fast the machine is."""

from __future__ import annotations

import time

from bot.discord.worker import Answer, Request
from bot.discord.worker import answer as real_answer
from bot.discord.worker import warm_up as warm_up  # the same warm-up as the real work function

PACE_SECONDS = 0.5


def answer(request: Request) -> Answer:
    time.sleep(PACE_SECONDS)
    return real_answer(request)
