"""The limits check itself: it catches every kind of oversized or malformed reply (so an empty list
from it, as the other tests assert, means something)."""

from __future__ import annotations

import discord
import pytest

from bot.discord.limits import (
    DEFAULT_MAX_FILE_BYTES,
    EMBED_TOTAL_LIMIT,
    PAGE_LIMIT,
    discord_limits_violations,
)
from bot.discord.replies import FileSpec, Reply, _fit


def _embed(**kw: str) -> discord.Embed:
    return discord.Embed(**kw)


def _one(reply: Reply, fragment: str) -> None:
    problems = discord_limits_violations(reply)
    assert len(problems) == 1 and fragment in problems[0], problems


def test_a_good_reply() -> None:
    e = _embed(title="t", description="d")
    e.add_field(name="n", value="v")
    e.set_image(url="attachment://a.png")
    reply = Reply(content="hi", embeds=(e,), files=(FileSpec("a.png", b"x"),), pages=("```\nx\n```",))
    assert discord_limits_violations(reply) == []


def test_content() -> None:
    _one(Reply(content="x" * 2001, embeds=(), files=()), "content")
    _one(Reply(content="  ", embeds=(), files=()), "no content")
    assert discord_limits_violations(Reply(content="x" * 2000, embeds=(), files=())) == []


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda e: setattr(e, "title", "x" * 257), "title"),
        (lambda e: setattr(e, "description", "x" * 4097), "description"),
        (lambda e: [e.add_field(name="n", value="v") for _ in range(26)], "fields"),
        (lambda e: e.add_field(name="n" * 257, value="v"), "name"),
        (lambda e: e.add_field(name="n", value="v" * 1025), "value"),
        (lambda e: e.add_field(name=" ", value="v"), "empty name"),
        (lambda e: e.add_field(name="n", value=""), "empty value"),
        (lambda e: e.set_footer(text="f" * 2049), "footer"),
        (lambda e: e.set_author(name="a" * 257), "author"),
        (lambda e: e.set_image(url="attachment://missing.png"), "no such file"),
    ],
)
def test_embed_parts(build: object, fragment: str) -> None:
    e = _embed(title="t")
    build(e)  # type: ignore[operator]
    _one(Reply(content=None, embeds=(e,), files=()), fragment)


def test_empty_embed() -> None:
    _one(Reply(content=None, embeds=(discord.Embed(),), files=()), "nothing to show")


def test_total_across_embeds() -> None:
    embeds = tuple(_embed(description="x" * 3001) for _ in range(2))
    _one(Reply(content=None, embeds=embeds, files=()), "all embeds")
    _one(Reply(content=None, embeds=tuple(_embed(title="t") for _ in range(11)), files=()), "embeds")


def test_files() -> None:
    big = FileSpec("big.bin", b"x" * (DEFAULT_MAX_FILE_BYTES + 1))
    _one(Reply(content="x", embeds=(), files=(big,)), "big.bin")
    assert discord_limits_violations(Reply(content="x", embeds=(), files=(big,)),
                                      max_file_bytes=DEFAULT_MAX_FILE_BYTES * 4) == []
    many = tuple(FileSpec(f"{i}.txt", b"x") for i in range(11))
    _one(Reply(content="x", embeds=(), files=many), "files")
    _one(Reply(content="x", embeds=(), files=(FileSpec("a", b"x"), FileSpec("a", b"y"))), "same name")
    _one(Reply(content="x", embeds=(), files=(FileSpec("../a", b"x"),)), "plain file name")
    _one(Reply(content="x", embeds=(), files=(FileSpec("a", b""),)), "empty")


def test_pages() -> None:
    _one(Reply(content="x", embeds=(), files=(), pages=("x" * (PAGE_LIMIT + 1),)), "page 1")
    _one(Reply(content="x", embeds=(), files=(), pages=("```\nopen",)), "fence")
    _one(Reply(content="x", embeds=(), files=(), pages=("ok", " ")), "page 2: empty")


def test_fit_brings_any_embeds_within_limits() -> None:
    a = _embed(title="t" * 300, description="d" * 5000)
    for _ in range(30):
        a.add_field(name="n" * 300, value="v" * 1100)
    b = _embed(description="x" * 4000)
    fitted = _fit([a, b])
    assert discord_limits_violations(Reply(content=None, embeds=fitted, files=())) == []
    assert sum(len(e) for e in fitted) <= EMBED_TOTAL_LIMIT
