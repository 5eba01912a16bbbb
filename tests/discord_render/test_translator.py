"""The command menu in Chinese: every command and option description and every choice name has a
zh-CN (and zh-TW) translation within Discord's 100 characters; names stay ASCII."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.discord.translator import (
    DESCRIPTION_LIMIT,
    LayerbotTranslator,
    choice_name,
    command_description,
    option_description,
)
from calc.commands import Arg, CommandSpec, commands
from calc.i18n import Message, register

L = app_commands.TranslationContextLocation
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = (discord.Locale.chinese, discord.Locale.taiwan_chinese)

SPECS = commands()
ARGS = [(spec, arg) for spec in SPECS for arg in spec.args]
CHOICES = sorted({c for _, arg in ARGS for c in arg.choices})


@dataclass
class Ctx:
    location: L
    data: Any = None


@pytest.fixture
def translator() -> LayerbotTranslator:
    return LayerbotTranslator()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@pytest.mark.parametrize("locale", ZH)
async def test_command_descriptions(translator: LayerbotTranslator, spec: CommandSpec, locale: discord.Locale) -> None:
    zh = await translator.translate(command_description(spec), locale, Ctx(L.command_description))
    assert zh is not None and CJK.search(zh) and len(zh) <= DESCRIPTION_LIMIT
    assert zh == Message(spec.help).render("zh")  # not shortened: the table's own Chinese fits


@pytest.mark.parametrize(("spec", "arg"), ARGS, ids=lambda x: getattr(x, "name", ""))
@pytest.mark.parametrize("locale", ZH)
async def test_option_descriptions(
    translator: LayerbotTranslator, spec: CommandSpec, arg: Arg, locale: discord.Locale
) -> None:
    zh = await translator.translate(option_description(arg), locale, Ctx(L.parameter_description))
    assert zh is not None and CJK.search(zh) and len(zh) <= DESCRIPTION_LIMIT, (spec.name, arg.name)
    assert zh == Message(arg.help).render("zh")


@pytest.mark.parametrize("value", CHOICES)
async def test_choice_names(translator: LayerbotTranslator, value: str) -> None:
    # With a key (choice_name) and without one (discord.py's Literal choices: the name is the value).
    for string in (choice_name(value), app_commands.locale_str(value)):
        zh = await translator.translate(string, discord.Locale.chinese, Ctx(L.choice_name,
                                        app_commands.Choice(name=value, value=value)))
        assert zh is not None and zh.startswith(value) and len(zh) <= DESCRIPTION_LIMIT
        assert CJK.search(zh) or "（" in zh


async def test_descriptions_without_a_key_are_found_by_their_english(translator: LayerbotTranslator) -> None:
    for spec in SPECS:
        english = Message(spec.help).render("en")
        zh = await translator.translate(app_commands.locale_str(english), discord.Locale.chinese,
                                        Ctx(L.command_description))
        assert zh == Message(spec.help).render("zh")


@pytest.mark.parametrize("where", [L.command_name, L.parameter_name, L.group_name])
async def test_names_stay_ascii(translator: LayerbotTranslator, where: L) -> None:
    for spec in SPECS:
        assert await translator.translate(app_commands.locale_str(spec.name), discord.Locale.chinese, Ctx(where)) is None


async def test_context_menu_name(translator: LayerbotTranslator) -> None:
    async def callback(interaction: discord.Interaction, message: discord.Message) -> None: ...

    register({"discord.menu.test_explain": {"en": "Explain this", "zh": "解释这个"}})
    menu = app_commands.ContextMenu(name="Explain this", callback=callback)
    string = app_commands.locale_str("Explain this", key="discord.menu.test_explain")
    assert await translator.translate(string, discord.Locale.chinese, Ctx(L.command_name, menu)) == "解释这个"
    assert await translator.translate(string, discord.Locale.chinese, Ctx(L.command_name)) is None  # a slash command


async def test_other_locales_get_nothing(translator: LayerbotTranslator) -> None:
    spec = SPECS[0]
    for locale in (discord.Locale.american_english, discord.Locale.japanese, discord.Locale.french):
        assert await translator.translate(command_description(spec), locale, Ctx(L.command_description)) is None


async def test_unknown_text_gets_nothing(translator: LayerbotTranslator) -> None:
    string = app_commands.locale_str("no such description", key="no.such.key")
    assert await translator.translate(string, discord.Locale.chinese, Ctx(L.command_description)) is None
    assert await translator.translate(app_commands.locale_str("???"), discord.Locale.chinese, Ctx(L.other)) is None


def test_english_descriptions_fit_too() -> None:
    for spec in SPECS:
        assert len(command_description(spec).message) <= DESCRIPTION_LIMIT
        assert command_description(spec).extras["key"] == spec.help
        for arg in spec.args:
            assert len(option_description(arg).message) <= DESCRIPTION_LIMIT


async def test_a_tree_translates_through_discord_py(translator: LayerbotTranslator) -> None:
    """discord.py's own serialisation of a command with the translator gives zh-CN and zh-TW."""
    spec = next(s for s in SPECS if s.name == "pool")
    kind = next(a for a in spec.args if a.name == "kind")

    @app_commands.command(name="pool", description=command_description(spec))
    @app_commands.describe(kind=option_description(kind))
    @app_commands.choices(kind=[app_commands.Choice(name=choice_name(c), value=c) for c in kind.choices])
    async def pool(interaction: discord.Interaction, kind: str) -> None: ...

    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    payload = await pool.get_translated_payload(tree, translator)
    assert payload["name"] == "pool" and not payload.get("name_localizations")
    assert payload["description_localizations"]["zh-CN"] == Message(spec.help).render("zh")
    assert payload["description_localizations"]["zh-TW"] == Message(spec.help).render("zh")
    option = payload["options"][0]
    assert option["description_localizations"]["zh-CN"] == Message(kind.help).render("zh")
    names = {c["value"]: c["name_localizations"]["zh-CN"] for c in option["choices"]}
    assert names["global_avg"] == "global_avg（全局平均池化）"
