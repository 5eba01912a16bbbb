"""Discord's size limits on a message, and a check that a :class:`~bot.discord.replies.Reply` keeps them.

    discord_limits_violations(reply) == []      ← what every renderer test asserts

Discord refuses a message that breaks any of these (HTTP 400, "Invalid Form Body"); the limits are
the documented ones (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):

    content                2,000 characters        embeds per message     10
    embed title              256                   fields per embed       25
    embed description      4,096                   field name / value     256 / 1,024
    footer text            2,048                   author name            256
    all embeds together    6,000 characters        files per message      10
    file size              8 MiB by default (a server's boost level may allow more: pass max_file_bytes)

A field needs a non-empty name and value, and a message needs something to show.  Pages (for the
:class:`~bot.discord.paginator.Paginator`) are whole message contents: each must fit
:data:`PAGE_LIMIT`, which leaves room below the 2,000 for a one-line prefix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

if TYPE_CHECKING:
    from bot.discord.replies import Reply

__all__ = [
    "AUTHOR_LIMIT",
    "CONTENT_LIMIT",
    "DEFAULT_MAX_FILE_BYTES",
    "DESCRIPTION_LIMIT",
    "EMBEDS_LIMIT",
    "EMBED_TOTAL_LIMIT",
    "FIELDS_LIMIT",
    "FIELD_NAME_LIMIT",
    "FIELD_VALUE_LIMIT",
    "FILES_LIMIT",
    "FOOTER_LIMIT",
    "PAGE_LIMIT",
    "TITLE_LIMIT",
    "discord_limits_violations",
    "embed_violations",
]

CONTENT_LIMIT = 2_000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4_096
FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1_024
FOOTER_LIMIT = 2_048
AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6_000
EMBEDS_LIMIT = 10
FILES_LIMIT = 10
DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024
"""Largest attachment without server boosts (a setting: pass ``max_file_bytes`` to the check)."""
PAGE_LIMIT = 1_900
"""Longest page (a whole message content, code fences included)."""


def _over(what: str, got: int, limit: int) -> str:
    return f"{what}: {got:,} > {limit:,}"


def embed_violations(embed: discord.Embed, where: str = "embed") -> list[str]:
    """What is wrong with one embed on its own (the 6,000 total is checked per message)."""
    out: list[str] = []
    if embed.title is not None and len(embed.title) > TITLE_LIMIT:
        out.append(_over(f"{where} title", len(embed.title), TITLE_LIMIT))
    if embed.description is not None and len(embed.description) > DESCRIPTION_LIMIT:
        out.append(_over(f"{where} description", len(embed.description), DESCRIPTION_LIMIT))
    if len(embed.fields) > FIELDS_LIMIT:
        out.append(_over(f"{where} fields", len(embed.fields), FIELDS_LIMIT))
    for i, field in enumerate(embed.fields):
        name, value = field.name or "", field.value or ""
        if not name.strip():
            out.append(f"{where} field {i}: empty name")
        if not value.strip():
            out.append(f"{where} field {i}: empty value")
        if len(name) > FIELD_NAME_LIMIT:
            out.append(_over(f"{where} field {i} name", len(name), FIELD_NAME_LIMIT))
        if len(value) > FIELD_VALUE_LIMIT:
            out.append(_over(f"{where} field {i} value", len(value), FIELD_VALUE_LIMIT))
    footer = embed.footer.text
    if footer is not None and len(footer) > FOOTER_LIMIT:
        out.append(_over(f"{where} footer", len(footer), FOOTER_LIMIT))
    author = embed.author.name
    if author is not None and len(author) > AUTHOR_LIMIT:
        out.append(_over(f"{where} author", len(author), AUTHOR_LIMIT))
    if not (embed.title or embed.description or embed.fields or embed.image.url):
        out.append(f"{where}: nothing to show")
    return out


def discord_limits_violations(reply: Reply, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> list[str]:
    """Every way ``reply`` (and each of its pages) would be refused by Discord; empty when it fits."""
    out: list[str] = []
    content = reply.content or ""
    if len(content) > CONTENT_LIMIT:
        out.append(_over("content", len(content), CONTENT_LIMIT))
    if not content.strip() and not reply.embeds and not reply.files:
        out.append("message: no content, embed or file")
    if len(reply.embeds) > EMBEDS_LIMIT:
        out.append(_over("embeds", len(reply.embeds), EMBEDS_LIMIT))
    for i, embed in enumerate(reply.embeds):
        out.extend(embed_violations(embed, f"embed {i}"))
    total = sum(len(embed) for embed in reply.embeds)
    if total > EMBED_TOTAL_LIMIT:
        out.append(_over("all embeds", total, EMBED_TOTAL_LIMIT))
    if len(reply.files) > FILES_LIMIT:
        out.append(_over("files", len(reply.files), FILES_LIMIT))
    names = [f.filename for f in reply.files]
    for spec in reply.files:
        if not spec.filename or "/" in spec.filename or "\\" in spec.filename:
            out.append(f"file {spec.filename!r}: not a plain file name")
        if len(spec.data) > max_file_bytes:
            out.append(_over(f"file {spec.filename}", len(spec.data), max_file_bytes))
        if not spec.data:
            out.append(f"file {spec.filename}: empty")
    if len(set(names)) != len(names):
        out.append("files: two files with the same name")
    for embed in reply.embeds:  # an embed image from an attachment must name one of the files
        url = embed.image.url or ""
        if url.startswith("attachment://") and url.removeprefix("attachment://") not in names:
            out.append(f"embed image {url}: no such file")
    for i, page in enumerate(reply.pages):
        if len(page) > PAGE_LIMIT:
            out.append(_over(f"page {i + 1}", len(page), PAGE_LIMIT))
        if not page.strip():
            out.append(f"page {i + 1}: empty")
        if page.count("```") % 2:
            out.append(f"page {i + 1}: unbalanced code fence")
    return out
