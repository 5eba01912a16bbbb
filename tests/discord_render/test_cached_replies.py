"""A cached answer reads exactly as a fresh one: the reply built from a result that went through the
stored document (calc.serialize, JSON text, back) equals the reply built from the original — content,
embeds, files, pages — in English and Chinese, for every corpus paste and every kind of command; so do
the terminal text and the --json document.

Most charts here are stand-ins whose bytes are the chart's inputs (bot.discord.chart.chart_data and the
language), which is what the PNG is drawn from; a few real PNGs are drawn from both results and compared
byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import bot.discord.replies as replies
from bot.discord import chart
from bot.discord.chart import chart_data, params_chart_png
from bot.discord.replies import Reply, reply_for_result
from bot.render.json import result_document
from bot.render.stored import cached_result, stored_document
from bot.render.text import render_text
from calc.commands import CommandResult, invoke, run
from calc.report import Report
from tests.discord_render._util import CORPUS, corpus_texts
from tests.test_serialize import COMMAND_LINES

LANGS = ("en", "zh")


def parts(reply: Reply) -> tuple[Any, ...]:
    return (
        reply.content,
        [embed.to_dict() for embed in reply.embeds],
        [(f.filename, f.data, f.description) for f in reply.files],
        reply.pages,
        reply.ephemeral,
    )


def through_the_store(result: CommandResult) -> CommandResult:
    """The result as a cache hit gives it back: the stored document, as JSON text, read again."""
    document = json.loads(json.dumps(stored_document(result), allow_nan=False))
    back = cached_result(document)
    assert back is not None
    return back


@pytest.fixture
def chart_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    def inputs(report: Report, locale: str) -> bytes | None:
        data = chart_data(report)
        return None if data is None else repr((data, locale)).encode()

    monkeypatch.setattr(replies, "params_chart_png", inputs)


def assert_same_answers(result: CommandResult) -> None:
    back = through_the_store(result)
    for lang in LANGS:
        assert parts(reply_for_result(back, lang)) == parts(reply_for_result(result, lang)), lang
        assert render_text(back, lang) == render_text(result, lang), lang
    assert result_document(back) == result_document(result)


@pytest.mark.parametrize("path", corpus_texts(), ids=lambda p: p.name)
def test_a_cached_paste_answers_as_a_fresh_one(path: Path, chart_inputs: None) -> None:
    assert_same_answers(invoke("explain", {"text": path.read_text(encoding="utf-8")}))


@pytest.mark.parametrize("line", COMMAND_LINES, ids=lambda s: s.split("\n")[0][:60])
def test_a_cached_command_answers_as_a_fresh_one(line: str, chart_inputs: None) -> None:
    assert_same_answers(run(line))


@pytest.mark.parametrize(
    "name", ["k3_app_densenet121.summary.txt", "pt_lenet5.torchinfo.txt", "tfk2_classic_b.summary.txt"]
)
def test_the_chart_png_is_the_same_byte_for_byte(name: str) -> None:
    result = invoke("explain", {"text": (CORPUS / name).read_text(encoding="utf-8")})
    back = through_the_store(result)
    assert result.report is not None and back.report is not None
    for lang in LANGS:
        chart._render_cached.cache_clear()  # draw each one, not the drawing cached for the other
        fresh = params_chart_png(result.report, lang)
        chart._render_cached.cache_clear()
        cached = params_chart_png(back.report, lang)
        assert fresh is not None and fresh.startswith(b"\x89PNG") and cached == fresh
