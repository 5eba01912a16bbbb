"""Chinese for the slash-command menu: descriptions of commands and options, and choice names.

    await bot.tree.set_translator(LayerbotTranslator())      # before syncing the command tree

Discord asks the translator for every localisable string of every command, once per locale, when the
tree is synced.  For ``zh-CN`` and ``zh-TW`` (both get the Simplified Chinese of the message tables)
it answers:

* command and option **names**: nothing — they stay ASCII and the same in both languages, since
  people type them (``/dense in_features:86400``); a context-menu name (free text) is translated
  when its key is registered;
* command and option **descriptions**: the Chinese text of the command table's help keys
  (:attr:`CommandSpec.help`, :attr:`Arg.help`), which are registered in English and Chinese;
* **choice names**: ``choice.<value>`` messages (``global_avg（全局平均池化）``).

The message key travels in the ``locale_str``'s extras (``locale_str(text, key="cmd.help.dense")``;
:func:`command_description`, :func:`option_description` and :func:`choice_name` build them from the
table); a string without a key is matched by its English text, so a plain description still finds
its Chinese.  Everything returned fits Discord's 100-character limit.
"""

from __future__ import annotations

from collections.abc import Mapping

import discord
from discord import app_commands

from calc.commands import Arg, CommandSpec
from calc.i18n import Message, register, text_table
from calc.parse import FORMATS, format_name

__all__ = [
    "DESCRIPTION_LIMIT",
    "ZH_LOCALES",
    "LayerbotTranslator",
    "choice_key",
    "choice_name",
    "command_description",
    "option_description",
]

DESCRIPTION_LIMIT = 100
"""Discord's limit on a command or option description and on a choice name."""

ZH_LOCALES = frozenset({discord.Locale.chinese, discord.Locale.taiwan_chinese})

_TRANSLATED_PREFIXES = ("cmd.help.", "arg.", "choice.", "discord.menu.")

register(
    {
        "choice.keras": {"en": "keras", "zh": "keras（Keras / tf.keras）"},
        "choice.torch": {"en": "torch", "zh": "torch（PyTorch）"},
        "choice.max": {"en": "max", "zh": "max（最大池化）"},
        "choice.avg": {"en": "avg", "zh": "avg（平均池化）"},
        "choice.global_max": {"en": "global_max", "zh": "global_max（全局最大池化）"},
        "choice.global_avg": {"en": "global_avg", "zh": "global_avg（全局平均池化）"},
        "choice.simple": {"en": "simple", "zh": "simple（SimpleRNN 简单循环层）"},
        "choice.lstm": {"en": "lstm", "zh": "lstm（长短期记忆 LSTM）"},
        "choice.gru": {"en": "gru", "zh": "gru（门控循环单元 GRU）"},
        "choice.float32": {"en": "float32", "zh": "float32（单精度，4 字节）"},
        "choice.float16": {"en": "float16", "zh": "float16（半精度，2 字节）"},
        "choice.bfloat16": {"en": "bfloat16", "zh": "bfloat16（2 字节）"},
        "choice.int8": {"en": "int8", "zh": "int8（8 位整数，1 字节）"},
        "choice.float64": {"en": "float64", "zh": "float64（双精度，8 字节）"},
        "choice.int4": {"en": "int4", "zh": "int4（4 位整数，半字节）"},
    }
)
# The paste formats: the value, then the format's own Chinese name.
register(
    {
        f"choice.{fmt.value}": {"en": fmt.value, "zh": f"{fmt.value}（{format_name(fmt).render('zh')}）"}
        for fmt in FORMATS
    }
)


def _clip(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def command_description(spec: CommandSpec) -> app_commands.locale_str:
    """The English description of a command (≤ 100 characters), carrying its message key."""
    return app_commands.locale_str(_clip(Message(spec.help).render("en")), key=spec.help)


def option_description(arg: Arg) -> app_commands.locale_str:
    """The English description of an option (≤ 100 characters), carrying its message key."""
    return app_commands.locale_str(_clip(Message(arg.help).render("en")), key=arg.help)


def choice_key(value: str) -> str:
    return f"choice.{value}"


def choice_name(value: str) -> app_commands.locale_str:
    """A choice's name (its value, as typed), carrying the key of its Chinese name."""
    return app_commands.locale_str(value, key=choice_key(value))


class LayerbotTranslator(app_commands.Translator):
    """Simplified Chinese for ``zh-CN`` and ``zh-TW`` from the message tables; other locales: none."""

    def __init__(self) -> None:
        self._by_english: dict[str, str] = {}
        self._indexed = 0

    def _key_for(self, english: str) -> str | None:
        table = text_table()
        if self._indexed != len(table):  # modules register messages on import: index them when they change
            self._by_english = {
                " ".join(texts["en"].split()): key
                for key, texts in table.items()
                if key.startswith(_TRANSLATED_PREFIXES) and "{" not in texts["en"]
            }
            self._indexed = len(table)
        return self._by_english.get(" ".join(english.split()))

    def translate_key(self, key: str) -> str | None:
        """The Chinese text of a registered key, within 100 characters; None for an unknown key."""
        texts: Mapping[str, str] | None = text_table().get(key)
        if texts is None:
            return None
        try:
            text = Message(key).render("zh")
        except (KeyError, IndexError, ValueError):  # a template that needs arguments is not a description
            return None
        return _clip(text) or None

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        if locale not in ZH_LOCALES:
            return None
        where = context.location
        names = (
            app_commands.TranslationContextLocation.command_name,
            app_commands.TranslationContextLocation.group_name,
            app_commands.TranslationContextLocation.parameter_name,
        )
        key = string.extras.get("key")
        if where in names:
            # Slash-command and option names stay ASCII and identical in every language; a context
            # menu's name is free text and is translated when it names its key.
            is_menu = isinstance(context.data, app_commands.ContextMenu)
            return self.translate_key(key) if is_menu and isinstance(key, str) else None
        if not isinstance(key, str):
            if where is app_commands.TranslationContextLocation.choice_name:
                key = choice_key(str(getattr(context.data, "value", string.message)))
                if key not in text_table():
                    key = None
            if key is None:
                key = self._key_for(string.message)
        return self.translate_key(key) if key is not None else None
