"""Every corpus text (Keras summaries, torchinfo, torchsummary, print(model)) through /explain into a
Discord reply, in English and Chinese: within Discord's limits, every row on the pages and in
layers.md, numbers formatted alike in both languages.

Drawing a chart takes a few hundred milliseconds, so here the chart is one real PNG (the largest
corpus model's, drawn once) handed to every reply; test_chart.py draws real ones for many models.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.discord.replies as replies
from bot.discord.chart import params_chart_png
from bot.discord.limits import PAGE_LIMIT, discord_limits_violations
from bot.discord.replies import reply_for_result
from calc.report import Report
from tests.discord_render._util import corpus_texts, explain_result, grouped_numbers, report_of, unsafe_mentions

TEXTS = corpus_texts()


@pytest.fixture(scope="module")
def chart_png() -> bytes:
    biggest = max(TEXTS, key=lambda p: sum(1 for row in report_of(p).leaves if row.params))
    png = params_chart_png(report_of(biggest), "en")
    assert png is not None
    return png


@pytest.fixture
def stub_chart(monkeypatch: pytest.MonkeyPatch, chart_png: bytes) -> list[Report]:
    drawn: list[Report] = []

    def fake(report: Report, locale: str) -> bytes:
        drawn.append(report)
        return chart_png

    monkeypatch.setattr(replies, "params_chart_png", fake)
    return drawn


def test_corpus_is_there() -> None:
    assert len(TEXTS) > 400
    kinds = {p.name.split(".")[1] for p in TEXTS}
    assert {"summary", "torchinfo", "torchsummary", "repr"} <= kinds


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_explain_reply_fits_discord(path: Path, stub_chart: list[Report]) -> None:
    report = report_of(path)
    result = explain_result(report)
    numbers: dict[str, list[str]] = {}
    for lang in ("en", "zh"):
        reply = reply_for_result(result, lang)
        assert discord_limits_violations(reply) == [], (path.name, lang)
        assert not reply.ephemeral
        # The table: every row once on the pages (a row may wrap its formula onto a second line).
        assert reply.pages and all(len(p) <= PAGE_LIMIT for p in reply.pages)
        assert all(p.startswith("```\n") and p.endswith("\n```") for p in reply.pages)
        # ... and every row in layers.md, a Markdown table.
        names = [f.filename for f in reply.files]
        assert names[0] == "layers.md"
        md = reply.files[0].data.decode()
        assert sum(1 for line in md.splitlines() if line.startswith("| ") and line.split(" | ")[0][2:].isdigit()) \
            == len(report.layers)
        bars = sum(1 for row in report.leaves if row.params)
        assert ("params.png" in names) == (bars >= replies.CHART_MIN_BARS)
        if "params.png" in names:
            assert reply.embeds[0].image.url == "attachment://params.png"
        for text in (*(e.description or "" for e in reply.embeds), *reply.pages):
            assert not unsafe_mentions(text)
        numbers[lang] = grouped_numbers(reply.embeds[0].description or "")  # the totals, derived and reported
    assert numbers["en"] == numbers["zh"]
