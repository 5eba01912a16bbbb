"""Helpers shared by the Discord rendering tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from bot.discord.replies import Reply
from calc.commands import CommandResult
from calc.explain import explain
from calc.report import Report

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CORPUS = FIXTURES / "corpus"
SEED = (FIXTURES / "seed_summary.txt").read_text()

# A Keras model whose layer names try to ping everyone, format text, hide a spoiler and close a code block.
EVIL_NAME = "@everyone **bold** ||x|| `y` <@123456789012345678>"
EVIL_CODE = f"""model = Sequential()
model.add(Dense(512, input_shape=(86400,), name="{EVIL_NAME}"))
model.add(Dense(4, name="tail```js"))
"""


def corpus_texts() -> list[Path]:
    return sorted(CORPUS.glob("*.txt"))


@cache
def report_of(path: Path) -> Report:
    return explain(path.read_text())


def explain_result(report: Report) -> CommandResult:
    """What calc.commands_explain builds for /explain."""
    return CommandResult(command="explain", args={}, framework=report.framework, findings=report.findings,
                         report=report)


def embed_texts(reply: Reply) -> Iterator[str]:
    """Every piece of text Discord would render from the reply's embeds."""
    for embed in reply.embeds:
        for text in (embed.title, embed.description, embed.footer.text, embed.author.name):
            if text:
                yield text
        for field in embed.fields:
            yield field.name or ""
            yield field.value or ""


def all_texts(reply: Reply) -> Iterator[str]:
    if reply.content:
        yield reply.content
    yield from embed_texts(reply)
    yield from reply.pages


_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+")


def grouped_numbers(text: str) -> list[str]:
    """Numbers written with thousands separators, in order of appearance."""
    return _NUMBER.findall(text)


def unsafe_mentions(text: str) -> list[str]:
    """Mentions Discord would turn into pings (escape_mentions puts a zero-width space after the @)."""
    return re.findall(r"@(?:everyone|here)|<@[!&]?\d{17,20}>", text)
