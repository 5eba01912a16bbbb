"""Slash commands generated from calc's command table, so Discord's options and the terminal never disagree.

    slash_command(spec, handler)  →  app_commands.Command  (one option per Arg, typed)

Each :class:`~calc.commands.Arg` becomes an option Discord itself validates:

    INT      integer with min/max (app_commands.Range[int, lo, hi])
    CHOICE   a fixed list of choices (Literal[...])
    BOOL     boolean
    SHAPE    text through :class:`ShapeTransformer` ("256x256x3", "(256, 256, 3)"), with suggestions
    INTS / PADDING / WORD   text with suggestions as you type (kernel 3 or 3x3, padding, a command name)
    TEXT     optional text (≤ 6,000 characters); the command also gets a ``file`` option (a .txt/.md
             attachment), and with neither the handler opens a modal with a long text field

Descriptions are the table's own help texts (English), each a :class:`~discord.app_commands.locale_str`
carrying its message key, which the translator turns into Chinese at sync time.  The router checks
every value again (ranges, ranks, combinations): the options only make mistakes harder to type.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot.discord.bot_commands import BOT_COMMANDS
from calc.commands import Arg, ArgType, CommandSpec, commands
from calc.errors import LayerbotError
from calc.explain import parse_input_shape
from calc.i18n import Message, register

if TYPE_CHECKING:
    from bot.discord.app import LayerBot

__all__ = [
    "DESCRIPTION_LIMIT",
    "OptionError",
    "PasteModal",
    "ShapeTransformer",
    "SuggestTransformer",
    "answer_paste",
    "described",
    "slash_command",
]

DESCRIPTION_LIMIT = 100
TEXT_OPTION_LIMIT = 6_000  # Discord's longest string option
MODAL_TEXT_LIMIT = 4_000  # Discord's longest text input in a modal
LABEL_LIMIT = 45

Handler = Callable[[discord.Interaction, CommandSpec, dict[str, Any]], Awaitable[None]]

register(
    {
        "discord.bot.arg.file": {
            "en": "a .txt or .md file with the model (instead of pasting it)",
            "zh": "包含模型的 .txt 或 .md 文件（代替粘贴）",
        },
        "discord.bot.modal.title": {"en": "/{command}: paste your model", "zh": "/{command}：粘贴你的模型"},
        "discord.bot.modal.text": {"en": "model.summary(), print(model) or code", "zh": "model.summary()、print(model) 或代码"},
        "discord.bot.modal.text.placeholder": {
            "en": "Paste the summary, table, print(model) output or Keras code here",
            "zh": "在这里粘贴摘要、表格、print(model) 的输出或 Keras 代码",
        },
        "discord.bot.modal.change": {"en": "The change, e.g. flatten -> gap", "zh": "要做的修改，例如 flatten -> gap"},
    }
)


def described(key: str, **args: Any) -> locale_str:
    """A description for Discord: the English text (≤ 100 characters) carrying its message key for the translator."""
    text = " ".join(Message(key, args).render("en").split())
    if len(text) > DESCRIPTION_LIMIT:
        text = text[: DESCRIPTION_LIMIT - 1] + "…"
    return locale_str(text, key=key)


class OptionError(app_commands.AppCommandError):
    """An option Discord let through but layerbot cannot use; ``message`` is written for the user."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.render("en"))
        self.message = message


def _choices(current: str, suggestions: Sequence[str]) -> list[app_commands.Choice[int | float | str]]:
    typed = current.strip()[:100]
    found = [s for s in suggestions if s.startswith(typed.lower())] if typed else list(suggestions)
    if typed and typed.lower() not in found:
        found.insert(0, typed)
    return [app_commands.Choice(name=s, value=s) for s in found[:25]]


class SuggestTransformer(app_commands.Transformer):
    """Free text with suggestions as you type (the router checks the value)."""

    def __init__(self, suggestions: Sequence[str], max_length: int = 64) -> None:
        self.suggestions = tuple(suggestions)
        self._max_length = max_length

    @property
    def max_value(self) -> int:
        return self._max_length

    async def transform(self, interaction: discord.Interaction, value: Any) -> str:
        return str(value).strip()

    async def autocomplete(
        self, interaction: discord.Interaction, value: int | float | str
    ) -> list[app_commands.Choice[int | float | str]]:
        return _choices(str(value), self.suggestions)


COMMON_SHAPES = ("224x224x3", "256x256x3", "128x128x3", "64x64x3", "32x32x3", "28x28x1", "3x224x224", "3x32x32")


class ShapeTransformer(SuggestTransformer):
    """``256x256x3``, ``(256, 256, 3)``, ``256,256,3`` → ``256x256x3`` (sizes without the batch axis);
    anything else is refused with a message that shows how to write a shape."""

    def __init__(self) -> None:
        super().__init__(COMMON_SHAPES, max_length=120)

    async def transform(self, interaction: discord.Interaction, value: Any) -> str:
        try:
            shape = parse_input_shape(str(value))
        except LayerbotError as exc:
            raise OptionError(exc.message) from None
        return "x".join("?" if d is None else str(d) for d in shape)


_SUGGESTIONS: dict[ArgType, tuple[str, ...]] = {
    ArgType.INTS: ("1", "2", "3", "5", "7", "3x3", "1x1", "5x5", "2x2"),
    ArgType.PADDING: ("valid", "same", "causal", "0", "1", "2", "3"),
}


def _annotation(arg: Arg) -> Any:
    if arg.type is ArgType.INT:
        return app_commands.Range[int, arg.lo, arg.hi]
    if arg.type is ArgType.BOOL:
        return bool
    if arg.type is ArgType.SHAPE:
        return app_commands.Transform[str, ShapeTransformer]
    if arg.type is ArgType.CHOICE:
        if len(arg.choices) <= 25:
            return Literal.__getitem__(arg.choices)
        return app_commands.Transform[str, SuggestTransformer(arg.choices)]
    if arg.type is ArgType.TEXT:
        return app_commands.Range[str, 1, TEXT_OPTION_LIMIT]
    if arg.type is ArgType.WORD:
        names = [s.name for s in commands()] + [c.name for c in BOT_COMMANDS]  # /help's command: the bot's too
        return app_commands.Transform[str, SuggestTransformer(names)]
    return app_commands.Transform[str, SuggestTransformer(_SUGGESTIONS.get(arg.type, ()))]


def slash_command(spec: CommandSpec, handler: Handler, *, module: str | None = None) -> app_commands.Command[Any, ..., None]:
    """The slash command for ``spec``: its arguments as typed options; ``handler(interaction, spec, options)``
    gets the options given (a TEXT command's ``file`` attachment among them)."""
    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)]
    descriptions: dict[str, locale_str] = {}
    for arg in spec.args:
        required = arg.required and arg.type is not ArgType.TEXT  # a paste may come as a file or through a modal
        default = inspect.Parameter.empty if required else None
        params.append(inspect.Parameter(arg.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
                                        annotation=_annotation(arg)))
        descriptions[arg.name] = described(arg.help)
    if spec.text_arg is not None:
        params.append(inspect.Parameter("file", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                                        annotation=discord.Attachment))
        descriptions["file"] = described("discord.bot.arg.file")

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await handler(interaction, spec, {k: v for k, v in values.items() if v is not None})

    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = spec.name  # a plain function, not a method of a class
    callback.__module__ = module or __name__
    callback.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    return app_commands.Command(name=locale_str(spec.name), description=described(spec.help), callback=callback)


_MODAL_LABELS = {"change": "discord.bot.modal.change"}


class PasteModal(discord.ui.Modal):
    """A form with a long text field (≤ 4,000 characters) for each TEXT argument not given yet; submitting
    calls ``on_paste(interaction, values)``."""

    def __init__(
        self,
        spec: CommandSpec,
        missing: Sequence[Arg],
        locale: str,
        on_paste: Callable[[discord.Interaction, dict[str, str]], Awaitable[None]],
        on_error: Callable[[discord.Interaction, Exception], Awaitable[None]],
        *,
        timeout: float = 900.0,
    ) -> None:
        title = Message("discord.bot.modal.title", {"command": spec.name}).render(locale)[:LABEL_LIMIT]
        super().__init__(title=title, timeout=timeout)  # a random custom_id: discord.py finds open modals by it
        self._on_paste = on_paste
        self._on_error = on_error
        self.inputs: dict[str, discord.ui.TextInput[PasteModal]] = {}
        main = spec.text_arg
        for arg in missing:
            is_main = main is not None and arg.name == main.name
            key = "discord.bot.modal.text" if is_main else _MODAL_LABELS.get(arg.name)
            label = Message(key).render(locale) if key is not None else arg.name
            field: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
                label=label[:LABEL_LIMIT],
                custom_id=arg.name,
                style=discord.TextStyle.paragraph if is_main else discord.TextStyle.short,
                max_length=MODAL_TEXT_LIMIT,
                required=is_main,
                placeholder=Message("discord.bot.modal.text.placeholder").render(locale)[:100] if is_main else None,
            )
            self.inputs[arg.name] = field
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        values = {name: field.value for name, field in self.inputs.items() if field.value and field.value.strip()}
        await self._on_paste(interaction, values)

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        await self._on_error(interaction, error)


async def answer_paste(bot: LayerBot, interaction: discord.Interaction, spec: CommandSpec, options: dict[str, Any]) -> None:
    """A command that reads pasted text (/explain, /whatif): from its text option, from a ``file``
    attachment (a .txt/.md, read within the size limit; appended to the text when both are given), or,
    when neither is given, from a modal with a long text field."""
    from bot.discord.worker import Request

    locale = bot.locale(interaction)
    main = spec.text_arg
    file: discord.Attachment | None = options.pop("file", None)
    if main is None:
        await bot.answer(interaction, Request(spec.name, options, locale=locale))
        return
    if main.name not in options and file is None:
        missing = [a for a in spec.args if a.type is ArgType.TEXT and a.name not in options]

        async def on_paste(submitted: discord.Interaction, values: dict[str, str]) -> None:
            await bot.answer(submitted, Request(spec.name, {**options, **values}, locale=bot.locale(submitted)))

        await interaction.response.send_modal(PasteModal(spec, missing, locale, on_paste, bot.report_error))
        return
    if file is None:
        await bot.answer(interaction, Request(spec.name, options, locale=locale))
        return
    attachment = file

    async def with_file() -> Request:
        text = await bot.read_attachment(attachment)
        values = dict(options)
        values[main.name] = f"{values[main.name]}\n{text}" if main.name in values else text
        return Request(spec.name, values, locale=locale)

    await bot.answer(interaction, with_file)
