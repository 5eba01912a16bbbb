"""Discord replies for every command's example, the edge cases of the seed question, /help and errors:
within Discord's limits in English and Chinese, and saying what they should."""

from __future__ import annotations

import itertools
import re

import discord
import pytest

from bot.discord.bot_commands import BOT_COMMANDS
from bot.discord.limits import discord_limits_violations
from bot.discord.replies import (
    RED,
    FileSpec,
    Reply,
    code_pages,
    reply_for_error,
    reply_for_result,
    safe,
    safe_code,
)
from calc.commands import commands, run
from calc.errors import InputError, LayerbotError
from calc.i18n import Message
from tests.discord_render._util import (
    EVIL_CODE,
    FIXTURES,
    SEED,
    all_texts,
    embed_texts,
    grouped_numbers,
    unsafe_mentions,
)

LANGS = ("en", "zh")
SEED_QUESTION = (FIXTURES / "seed_question.txt").read_text()

EDGE_CASES = [
    "/dense 86400 4",
    "/dense 86400 172800",
    "/dense 86400 172800 framework=torch batch=64",
    "/dense 1000000000000 1000000000000",
    "/linear 512 10 bias=false",
    "/conv 256x256x3 32 3 padding=same stride=2",
    "/conv 3x256x256 64 7 framework=torch padding=3 stride=2 groups=1",
    "/conv 64x64x64x1 8 3",
    "/pool 32x32x16 global_avg",
    "/rnn lstm 32 16 num_layers=1000",
    "/rnn gru 128 64 bidirectional=true framework=torch num_layers=3",
    "/embedding 50000 300 200",
    "/attention 8 64 512 128",
    "/attention 8 64 512 128 framework=torch",
    "/suggest 86400 4",
    "/suggest 25088 1000 hidden_layers=2 budget=1000000 samples=5000 gpu_memory=8 dtype=float16",
    "/suggest 7 2",
    "/help",
    *(f"/help {spec.name}" for spec in commands()),
    f"/whatif flatten -> gap\n{SEED}",
    f"/whatif dense_2 units=172800\n{SEED}",
    f"/whatif input 128x128x3; add pool 2\n{SEED}",
    f"/explain {SEED}",
    f"/explain {SEED_QUESTION}",
    f"/explain {EVIL_CODE}",
    "/explain 256x256x3 conv32k3 pool2 flatten dense512 dense4",
    "/explain 32x32x3 pool2 flatten",
]

ERRORS = ["/dense", "/dense 86400", "/nope 1 2", "/conv 2x2x3 8 5", "/dense -5 4", "/explain hello", "/whatif x"]


def _run(line: str) -> Reply:
    return reply_for_result(run(line), "en")


@pytest.mark.parametrize("spec", commands(), ids=lambda s: s.name)
@pytest.mark.parametrize("lang", LANGS)
def test_every_example_fits(spec: object, lang: str) -> None:
    reply = reply_for_result(run(spec.example), lang)  # type: ignore[attr-defined]
    assert discord_limits_violations(reply) == []
    assert reply.embeds


@pytest.mark.parametrize("line", EDGE_CASES, ids=lambda s: s.splitlines()[0][:50])
@pytest.mark.parametrize("lang", LANGS)
def test_edge_cases_fit(line: str, lang: str) -> None:
    reply = reply_for_result(run(line), lang)
    assert discord_limits_violations(reply) == []
    for text in all_texts(reply):
        assert not unsafe_mentions(text)


@pytest.mark.parametrize("line", ERRORS)
@pytest.mark.parametrize("lang", LANGS)
def test_errors_are_friendly_and_private(line: str, lang: str) -> None:
    with pytest.raises(LayerbotError) as info:
        run(line)
    reply = reply_for_error(info.value, lang)
    assert reply.ephemeral
    assert discord_limits_violations(reply) == []
    (embed,) = reply.embeds
    assert embed.colour == RED
    assert embed.description and "Traceback" not in embed.description
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]", embed.description)


def test_error_says_what_was_wrong() -> None:
    with pytest.raises(InputError) as info:
        run("/dense 86400")
    reply = reply_for_error(info.value, "en")
    text = reply.embeds[0].description or ""
    assert "units" in text and "/dense in\\_features units" in text  # the usage line, markdown-escaped


def test_error_from_a_message_and_internal() -> None:
    reply = reply_for_error(Message("cmd.error.empty", {"commands": "/dense"}), "zh")
    assert reply.ephemeral and "/dense" in (reply.embeds[0].description or "")
    apology = reply_for_error(Message("cmd.error.empty", {"commands": "/dense"}), "en", internal=True)
    assert apology.ephemeral and discord_limits_violations(apology) == []
    assert "/dense" not in (apology.embeds[0].description or "")  # an internal error shows none of its detail
    assert "bug" in (apology.embeds[0].description or "")


def test_error_with_user_text_is_escaped() -> None:
    with pytest.raises(LayerbotError) as info:
        run("/dense @everyone 4")
    for lang in LANGS:
        reply = reply_for_error(info.value, lang)
        assert not any(unsafe_mentions(t) for t in embed_texts(reply))


# ---------------------------------------------------------------------------------------------
# What the replies say.


def test_dense_embed() -> None:
    reply = _run("/dense 86400 4")
    (embed,) = reply.embeds
    assert embed.title == "Dense · 345,604 parameters"
    assert embed.description is not None
    assert embed.description.splitlines()[0] == "`86,400 × 4 + 4 = 345,604`"
    assert "86,400 inputs × 4 units + 4 biases" in embed.description
    fields = {f.name: f.value or "" for f in embed.fields}
    assert fields["Shapes"] == "Keras · input `(None, 86400)` → output `(None, 4)`"
    assert fields["Compute"] == "345,600 MACs = 691,200 FLOPs per example"
    assert "1.32 MiB float32" in fields["Memory"] and "Adam 5.27 MiB" in fields["Memory"]
    assert reply.files == () and reply.pages == () and not reply.ephemeral


def test_dense_over_the_limit() -> None:
    reply = _run("/dense 86400 172800")
    main, problems = reply.embeds
    assert main.title == "Dense · 14,930,092,800 parameters"
    assert problems.colour == RED
    text = problems.description or ""
    assert "2\\*\\*31 − 1 = 2,147,483,647" in text  # spelled out (markdown-escaped so ** is not bold)
    assert "rng\\_mrg" in text
    assert text.index("🛑") < text.index("⚠️") < text.index("💡")  # errors first
    limit = problems.fields[0]
    assert "24,855" in (limit.value or "") and "2,147,483,647" in (limit.value or "")


def test_numbers_formatted_alike_in_both_languages() -> None:
    for line in ("/dense 86400 172800", "/conv 256x256x3 32 3", "/suggest 86400 4"):
        en = reply_for_result(run(line), "en")
        zh = reply_for_result(run(line), "zh")
        assert sorted(n for t in embed_texts(en) for n in grouped_numbers(t)) == sorted(
            n for t in embed_texts(zh) for n in grouped_numbers(t)
        ), line
        assert (en.embeds[0].title or "").split(" · ")[1].split(" ")[0] == \
            (zh.embeds[0].title or "").split(" · ")[1].split(" ")[0]


def test_rnn_stack_is_shortened() -> None:
    reply = _run("/rnn lstm 32 16 num_layers=1000")
    embed = reply.embeds[0]
    assert embed.title is not None and embed.title.startswith("LSTM ×1000 · ")
    assert "996 more layers" in (embed.description or "")
    assert "Total: **" in (embed.description or "")


def test_explain_seed() -> None:
    reply = _run(f"/explain {SEED}")
    (embed,) = reply.embeds
    assert embed.title is not None and "17 layers" in embed.title and "Keras" in embed.title
    desc = embed.description or ""
    assert "Total params: **420,388** derived · 420,388 reported ✓" in desc
    assert "Every reported number adds up." in desc
    assert [f.filename for f in reply.files] == ["layers.md", "params.png"]
    assert embed.image.url == "attachment://params.png"
    assert len(reply.pages) == 1 and "86,400 × 4 + 4 = 345,604" in reply.pages[0]
    md = reply.files[0].data.decode()
    assert "| 16 | dense\\_2 (Dense) | (None, 4) | 345,604 | 345,604 | `86,400 × 4 + 4 = 345,604` | ok |" in md


def test_explain_mismatch_comes_first() -> None:
    bad = SEED.replace("345604", "345605").replace("420,388", "420,389")
    for lang in LANGS:
        reply = reply_for_result(run(f"/explain {bad}"), lang)
        embed = reply.embeds[0]
        assert embed.colour == RED
        desc = embed.description or ""
        assert "✗" in desc
        first = (embed.fields[0].value or "").splitlines()[0]
        assert "345,605" in first and "345,604" in first  # the layer's mismatch is the first finding
    en = _run(f"/explain {bad}")
    assert "1 layer(s) do not match" in (en.embeds[0].description or "")
    assert "MISMATCH: says 345,605" in en.pages[0]


def test_user_names_cannot_ping_or_format() -> None:
    for lang in LANGS:
        reply = reply_for_result(run(f"/explain {EVIL_CODE}"), lang)
        for text in all_texts(reply):
            assert not unsafe_mentions(text)
        for page in reply.pages:  # inside a code block nothing is rendered, but a name cannot close the block
            assert page.count("```") == 2 and "**bold**" in page
        md = reply.files[0].data.decode()
        assert "\\*\\*bold\\*\\*" in md and "\\|\\|x\\|\\|" in md  # a table cell stays one cell
        # /whatif names the changed layer in an embed, where markdown is rendered: its markup is escaped.
        whatif = reply_for_result(run(f"/whatif input 43200\n{EVIL_CODE}"), lang)
        changed = whatif.embeds[0].fields[0].value or ""
        assert "@\u200beveryone \\*\\*bold\\*\\* \\|\\|x\\|\\| \\`y\\` <@\u200b123456789012345678>" in changed
        for text in all_texts(whatif):
            assert not unsafe_mentions(text) and "**bold**" not in text


def test_model_name_is_escaped_in_the_headline() -> None:
    code = EVIL_CODE.replace("model = Sequential()", 'model = Sequential(name="@here __u__")')
    reply = _run(f"/explain {code}")
    title = reply.embeds[0].title or ""
    assert title.startswith("Model @\u200bhere \\_\\_u\\_\\_ · ")
    assert not unsafe_mentions(title)


def test_suggest() -> None:
    reply = _run("/suggest 86400 4")
    embed = reply.embeds[0]
    assert embed.title == "Dense widths for 86,400 inputs → 4 outputs · hidden_layers=1 · float32"
    assert (embed.description or "").startswith("**Recommended:** Start with 256–1,024 units")
    widths = next(f.value or "" for f in embed.fields if f.name == "Candidate widths")
    assert widths.startswith("```\n") and "*512" in widths and "44,239,364" in widths
    classics = next(f.value or "" for f in embed.fields if f.name == "What classic networks used")
    assert "VGG16 (2014)" in classics
    assert reply.pages and "86,400 × 512 + 512 = 44,237,312" in reply.pages[0]
    assert any("Rules of thumb" in p for p in reply.pages)
    assert [f.filename for f in reply.files] == ["suggest.txt"]


def test_whatif_seed() -> None:
    for lang in LANGS:
        reply = reply_for_result(run(f"/whatif flatten -> gap\n{SEED}"), lang)
        embed = reply.embeds[0]
        desc = embed.description or ""
        assert desc.startswith("```\n") and "420,388" in desc and "75,172" in desc and "−345,216" in desc
        changed = embed.fields[0].value or ""
        assert "`86,400 × 4 + 4 = 345,604` → `96 × 4 + 4 = 388`" in changed
    assert "GlobalAveragePooling2D instead of flatten" in (_run(f"/whatif flatten -> gap\n{SEED}").embeds[0].title or "")


def test_whatif_over_the_limit_warns() -> None:
    reply = _run(f"/whatif dense_2 units=172800\n{SEED}")
    assert len(reply.embeds) == 2 and reply.embeds[1].colour == RED


def test_help_lists_every_command() -> None:
    for lang in LANGS:
        reply = reply_for_result(run("/help"), lang)
        names = [f.name for f in reply.embeds[0].fields]
        # calc's commands, then the Discord bot's own (they read the query store)
        assert names == [f"/{spec.name}" for spec in commands()] + [f"/{c.name}" for c in BOT_COMMANDS]
        assert discord_limits_violations(reply) == []


def test_help_for_one_command() -> None:
    reply = _run("/help conv")
    embed = reply.embeds[0]
    assert embed.title == "/conv"
    names = [f.name for f in embed.fields]
    assert names[:3] == ["input (required)", "filters (required)", "kernel (required)"]
    assert "Example" in names
    zh = reply_for_result(run("/help conv"), "zh").embeds[0]
    assert zh.fields[0].name == "input（必填）"


def test_unknown_locale_falls_back() -> None:
    assert reply_for_result(run("/dense 86400 4"), "zh-TW").embeds[0].title == "Dense · 345,604 个参数"
    assert reply_for_result(run("/dense 86400 4"), "fr").embeds[0].title == "Dense · 345,604 parameters"


# ---------------------------------------------------------------------------------------------
# Building blocks.


def test_file_spec_makes_a_fresh_file_each_time() -> None:
    spec = FileSpec("a.md", b"hello", "desc")
    reply = Reply(content=None, embeds=(), files=(spec,))
    first, second = reply.discord_files()[0], reply.discord_files()[0]
    assert first is not second
    assert isinstance(first, discord.File) and first.filename == "a.md" and first.fp.read() == b"hello"


def test_escaping_helpers() -> None:
    assert safe("@everyone **b** ||s|| a_b") == "@\u200beveryone \\*\\*b\\*\\* \\|\\|s\\|\\| a\\_b"
    assert safe_code("x```y @here") == "xˋˋˋy @\u200bhere"


def test_code_pages_keep_rows_whole_and_cap() -> None:
    rows = [[f"row {i}", f"  more {i}"] for i in range(500)]
    pages = code_pages(["head"], rows, limit=200, max_pages=5, rest="… {count} more rows")
    assert len(pages) == 5
    for page in pages:
        assert len(page) <= 200 and page.startswith("```\nhead\n") and page.endswith("\n```")
        lines = page.splitlines()[2:-1]
        for a, b in itertools.pairwise(lines):  # a row is never split from its continuation
            if a.startswith("row"):
                assert b.startswith("  more")
    assert "more rows" in pages[-1]
