"""Discord replies: a :class:`~calc.commands.CommandResult` (or an error) → a :class:`Reply` of plain
parts — content, embeds, files and pages — that fits Discord's limits in English and Chinese.

    reply_for_result(run("/dense 86400 4"), "en")
      └─ embed  "Dense · 345,604 parameters"
                `86,400 × 4 + 4 = 345,604`
                86,400 inputs × 4 units + 4 biases
                [Shapes] [Compute] [Memory]                  footer: FLOPs = 2 × MACs …
         embed  (red) "Errors and warnings" — only when a limit is crossed

    reply_for_result(<an /explain result>, "en")
      └─ embed  headline (format, framework, layers), totals derived vs reported ✓/✗, the findings
                (mismatches first), the chart as its image
         files  layers.md (every row as a Markdown table), params.png (when a chart helps)
         pages  the per-layer table as code-block pages for the Paginator

:class:`~bot.discord.paginator.Paginator` and :class:`~bot.discord.translator.LayerbotTranslator` are
re-exported here, so a front end imports everything it renders with from one module.

How a front end sends a Reply: ``content``, ``embeds`` and ``[f.to_file() for f in files]`` (a
:class:`discord.File` is single-use, so it is made at send time) in one message, ephemeral when
``ephemeral``; then, when there are ``pages``, ``pages[0]`` as a follow-up with a
:class:`~bot.discord.paginator.Paginator` (or alone when there is one page).  Send with
``allowed_mentions=discord.AllowedMentions.none()`` as well: the renderers escape every user-provided
name (layer names, a model's name, a change's text) so it cannot ping or inject markdown, and the
allowed-mentions setting is the second lock on that door.

Every number comes from calc; this module only formats (thousands separators, :func:`format_bytes`),
reusing the terminal renderers' line builders and messages.  Rendering an /explain reply may draw a
chart with matplotlib: call :func:`reply_for_result` off the event loop (``asyncio.to_thread``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import discord
from discord.utils import escape_mentions

from bot.discord.bot_commands import BOT_COMMANDS, BotCommand
from bot.discord.chart import params_chart_png
from bot.discord.limits import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FIELDS_LIMIT,
    FOOTER_LIMIT,
    PAGE_LIMIT,
    TITLE_LIMIT,
)
from bot.discord.paginator import Paginator
from bot.discord.translator import LayerbotTranslator
from bot.render.advice_text import _classic_line, _count, _label, advice_lines, suggestion_lines, whatif_lines
from bot.render.advice_text import _table as _advice_table
from bot.render.report_text import _clip as _clip_cells
from bot.render.report_text import _name, _params, _status, _width, _wrap, wrap_formula
from bot.render.report_text import _pad as _report_pad
from bot.render.text import _memory_lines, render_error
from calc.catalog import LayerCalc
from calc.commands import Arg, CommandResult, CommandSpec
from calc.commands_advice import AdviceResult
from calc.cost import INT32_MAX, Cost, format_bytes
from calc.errors import LayerbotError
from calc.explain import row_formulas
from calc.findings import Finding, Severity
from calc.i18n import LOCALES, Message, locale_of, register
from calc.parse import format_name
from calc.report import LayerReport, Report, Status
from calc.types import Framework, format_shape

__all__ = [
    "CHART_MIN_BARS",
    "MAX_PAGES",
    "FileSpec",
    "LayerbotTranslator",
    "Paginator",
    "Reply",
    "bot_command_help",
    "code_pages",
    "escape_markup",
    "markdown_table",
    "reply_for_error",
    "reply_for_result",
    "safe",
    "safe_code",
]

CHART_MIN_BARS = 3
"""A chart is attached to /explain when at least this many layers have parameters."""

MAX_PAGES = 40
"""Most pages of a table; the rest is in the attachment (and the last page says so)."""

_EMBED_BUDGET = EMBED_TOTAL_LIMIT - 200  # headroom for the notes added while fitting

BLURPLE = discord.Colour(0x5865F2)
GREEN = discord.Colour(0x57F287)
ORANGE = discord.Colour(0xF0A020)
RED = discord.Colour(0xED4245)

_SEVERITY_ICON = {Severity.ERROR: "🛑", Severity.WARNING: "⚠️", Severity.INFO: "💡"}
_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}

register(
    {
        "discord.layer.title": {"en": "{kind} · {params} parameters", "zh": "{kind} · {params} 个参数"},
        "discord.layer.title_none": {"en": "{kind} · no parameters", "zh": "{kind} · 没有参数"},
        "discord.layer.more": {
            "en": "… and {count} more layers like these.",
            "zh": "……另有 {count} 层与上面相同。",
        },
        "discord.total": {
            "en": "Total: **{params}** parameters ({size} in float32)",
            "zh": "合计：**{params}** 个参数（float32 下 {size}）",
        },
        "discord.field.shapes": {"en": "Shapes", "zh": "形状"},
        "discord.field.compute": {"en": "Compute", "zh": "计算量"},
        "discord.field.memory": {"en": "Memory", "zh": "内存"},
        "discord.field.notes": {"en": "Notes", "zh": "说明"},
        "discord.compute": {
            "en": "{macs} MACs = {flops} FLOPs per example",
            "zh": "每个样本 {macs} 次乘加（MAC）= {flops} FLOPs",
        },
        "discord.compute_unknown": {
            "en": "unknown: it depends on a size that is not given",
            "zh": "未知：取决于未给出的尺寸",
        },
        "discord.problems.error": {"en": "Errors and warnings", "zh": "错误与警告"},
        "discord.problems.warning": {"en": "Warnings", "zh": "警告"},
        "discord.problems.info": {"en": "Hints", "zh": "提示"},
        "discord.limit.name": {"en": "Widest Dense that fits", "zh": "不超限的最宽 Dense"},
        "discord.limit.value": {
            "en": "**{units}** units on {n_in} inputs: the kernel then has at most 2**31 − 1 = {limit} elements.",
            "zh": "在 {n_in} 个输入上最多 **{units}** 个单元：这样 kernel（权重矩阵）最多 2**31 − 1 = {limit} 个元素。",
        },
        "discord.more": {
            "en": "… {count} more not shown here: {where}",
            "zh": "……另有 {count} 条未在此显示：{where}",
        },
        "discord.more.attachment": {"en": "see {file}", "zh": "见 {file}"},
        "discord.more.pages": {"en": "see the pages below", "zh": "见下方分页"},
        "discord.explain.total": {
            "en": "{label}: **{derived}** derived · {reported} reported {mark}",
            "zh": "{label}：推导 **{derived}** · 摘要所示 {reported} {mark}",
        },
        "discord.explain.total_only": {"en": "{label}: **{derived}**", "zh": "{label}：**{derived}**"},
        "discord.explain.mismatches": {
            "en": "✗ {count} layer(s) do not match what the text says.",
            "zh": "✗ 有 {count} 层与文字中给出的数字不符。",
        },
        "discord.explain.unknown": {
            "en": "? {count} layer(s) could not be checked.",
            "zh": "? 有 {count} 层无法核对。",
        },
        "discord.explain.findings": {"en": "Findings", "zh": "发现"},
        "discord.explain.findings_more": {"en": "Findings (continued)", "zh": "发现（续）"},
        "discord.explain.footer": {
            "en": "Every row with its formula: layers.md · the table page by page below",
            "zh": "每一层及其公式：见 layers.md · 下方可逐页查看表格",
        },
        "discord.explain.chart_footer": {
            "en": "Every row with its formula: layers.md · chart: params.png · the table page by page below",
            "zh": "每一层及其公式：见 layers.md · 图表：params.png · 下方可逐页查看表格",
        },
        "discord.explain.rows_left": {
            "en": "… {count} more rows in layers.md",
            "zh": "……另有 {count} 行，见 layers.md",
        },
        "discord.md.findings": {"en": "Findings", "zh": "发现"},
        "discord.md.totals": {"en": "Totals", "zh": "合计"},
        "discord.md.col.index": {"en": "#", "zh": "#"},
        "discord.md.col.reported": {"en": "Reported", "zh": "摘要所示"},
        "discord.recommended": {"en": "**Recommended:** {text}", "zh": "**推荐：**{text}"},
        "discord.suggest.widths": {"en": "Candidate widths", "zh": "候选宽度"},
        "discord.suggest.classics": {"en": "What classic networks used", "zh": "经典网络的做法"},
        "discord.suggest.footer": {
            "en": "* = in the recommended range · the full table and the rules of thumb: pages below, suggest.txt",
            "zh": "* = 推荐范围内 · 完整表格和经验规则：见下方分页及 suggest.txt",
        },
        "discord.whatif.changed": {"en": "Changed layers", "zh": "变化的层"},
        "discord.help.title": {"en": "layerbot commands", "zh": "layerbot 命令"},
        "discord.help.example": {"en": "Example", "zh": "示例"},
        "discord.help.aliases": {"en": "Also", "zh": "别名"},
        "discord.help.usage": {"en": "Usage", "zh": "用法"},
        "discord.error.title": {"en": "I couldn't work that out", "zh": "没能算出来"},
        "discord.error.footer": {
            "en": "/help lists the commands and their options.",
            "zh": "/help 会列出所有命令及其选项。",
        },
        "discord.internal.title": {"en": "Sorry, something broke on my side", "zh": "抱歉，我这边出错了"},
        "discord.internal.text": {
            "en": "That is a bug in layerbot, not a problem with your input. It has been logged; please try again"
            " in a moment.",
            "zh": "这是 layerbot 自身的错误，不是你的输入有问题。错误已记录，请稍后再试。",
        },
    }
)


# ---------------------------------------------------------------------------------------------
# The reply.


@dataclass(frozen=True)
class FileSpec:
    """An attachment as bytes; :meth:`to_file` makes the (single-use) :class:`discord.File` at send time."""

    filename: str
    data: bytes
    description: str | None = None

    def to_file(self) -> discord.File:
        return discord.File(io.BytesIO(self.data), filename=self.filename, description=self.description)


@dataclass(frozen=True)
class Reply:
    """One answer, ready to send: see the module docstring for how."""

    content: str | None
    embeds: tuple[discord.Embed, ...] = ()
    files: tuple[FileSpec, ...] = ()
    pages: tuple[str, ...] = ()
    ephemeral: bool = False

    def discord_files(self) -> list[discord.File]:
        """Fresh :class:`discord.File` objects for one send."""
        return [f.to_file() for f in self.files]


# ---------------------------------------------------------------------------------------------
# Small helpers: escaping, clipping, fitting.


def _t(key: str, lang: str, **args: Any) -> str:
    return Message(key, args).render(lang)


def _one_line(text: str) -> str:
    return " ".join(text.split())


_MARKUP = re.compile(r"[\\*_~|`\[\]]")
"""Characters that mean something anywhere in a line of Discord markdown (the backslash too, so that a
``\\`` typed before one cannot undo its escape)."""
_LINE_MARKUP = re.compile(r"^(\s*)(>>>|>|#{1,3}|-#|[-+]|\d{1,9}[.)])(?=\s)", re.MULTILINE)
"""What means something at the start of a line: a quote, a heading, subtext, a list item."""


def _escape_line_start(m: re.Match[str]) -> str:
    lead, marker = m.group(1), m.group(2)
    if marker[0].isdigit():  # "1. item": the digits cannot be escaped, the dot can
        return f"{lead}{marker[:-1]}\\{marker[-1]}"
    return f"{lead}\\{marker}"


def escape_markup(text: str) -> str:
    """Every markdown character escaped with a backslash.  (discord.utils.escape_markdown leaves the rest
    of a line unescaped after anything shaped like a link: in ``[a](b) ||x|| **y**`` the spoiler and the
    bold survived.)"""
    return _LINE_MARKUP.sub(_escape_line_start, _MARKUP.sub(lambda m: "\\" + m.group(), text))


def safe(text: str) -> str:
    """Text for a place Discord renders as markdown: no formatting, no links, no mentions from user input."""
    return escape_mentions(escape_markup(text))


def safe_code(text: str) -> str:
    """Text for inside a code span or block: it cannot close the block or ping anyone."""
    return escape_mentions(text.replace("`", "ˋ"))


def _code_span(text: str) -> str:
    return f"`{safe_code(text)}`"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _clip_lines(lines: Sequence[str], limit: int, more: str | None = None) -> str:
    """Whole lines joined while they fit in ``limit`` characters; ``more`` (if given) replaces the rest."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        tail = len(more) + 1 if more is not None and i < len(lines) - 1 else 0
        if used + len(line) + tail > limit:
            if more is not None and i > 0:
                out.append(more)
            elif not out:
                out.append(_clip(line, limit))
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


def _lang(locale: str) -> str:
    return locale if locale in LOCALES else locale_of(locale)


def _framework(fw: Framework | str | None, lang: str) -> str:
    return _t(f"text.framework.{Framework(fw or Framework.KERAS).value}", lang)


def _finding_line(f: Finding, lang: str, count: int = 1) -> str:
    sev = Severity(f.severity)
    label = _t(f"report.severity.{sev.value}", lang)
    sep = "：" if lang == "zh" else ": "
    line = f"{_SEVERITY_ICON[sev]} **{label}**{sep}{safe(_one_line(f.message.render(lang)))}"
    return line if count == 1 else _t("report.repeated", lang, line=line, count=count)


def _finding_lines(findings: Iterable[Finding], lang: str, *, mismatches_first: bool = False) -> list[str]:
    """Findings, most important first; the same sentence for several rows is said once, with its count."""

    def key(f: Finding) -> tuple[int, int]:
        first = 0 if mismatches_first and "mismatch" in f.code else 1
        return first, _SEVERITY_ORDER[Severity(f.severity)]

    counted: dict[str, tuple[Finding, int]] = {}
    for f in sorted(findings, key=key):
        text = f.message.render(lang)
        seen = counted.get(text)
        counted[text] = (f, 1 if seen is None else seen[1] + 1)
    return [_finding_line(f, lang, n) for f, n in counted.values()]


def _worst(findings: Iterable[Finding]) -> Severity | None:
    worst: Severity | None = None
    for f in findings:
        sev = Severity(f.severity)
        if worst is None or _SEVERITY_ORDER[sev] < _SEVERITY_ORDER[worst]:
            worst = sev
    return worst


_COLOUR = {Severity.ERROR: RED, Severity.WARNING: ORANGE, Severity.INFO: BLURPLE}


def _pack(lines: Sequence[str], budget: int, limit: int = FIELD_VALUE_LIMIT) -> tuple[list[str], int]:
    """Lines packed into field values (each ≤ ``limit``) within ``budget`` characters in all;
    returns the values and how many lines did not fit."""
    values: list[str] = []
    current: list[str] = []
    size = used = 0
    for i, raw in enumerate(lines):
        line = _clip(raw, limit)
        if current and size + 1 + len(line) > limit:
            values.append("\n".join(current))
            current, size = [], 0
        if used + len(line) + 1 > budget:
            if current:
                values.append("\n".join(current))
            return values, len(lines) - i
        current.append(line)
        size += len(line) + (1 if size else 0)
        used += len(line) + 1
    if current:
        values.append("\n".join(current))
    return values, 0


def _add_lines_as_fields(
    embed: discord.Embed, name: str, more_name: str, lines: Sequence[str], lang: str, where: str, budget: int
) -> int:
    """Add ``lines`` as fields named ``name`` (then ``more_name``), within ``budget`` characters; what
    does not fit is counted in a last line that says where to find it."""
    room = max(0, FIELDS_LIMIT - len(embed.fields))
    values, left = _pack(lines, max(0, budget - 2 * len(more_name) - 120))
    if len(values) > room:
        kept = values[:room]
        left += sum(v.count("\n") + 1 for v in values[room:])
        values = kept
    if left:
        note = _t("discord.more", lang, count=left, where=where)
        if values and len(values[-1]) + 1 + len(note) <= FIELD_VALUE_LIMIT:
            values[-1] += "\n" + note
        elif len(values) < room:
            values.append(note)
    for i, value in enumerate(values):
        embed.add_field(name=_clip(name if i == 0 else more_name, FIELD_NAME_LIMIT), value=value, inline=False)
    return left


def _fit(embeds: list[discord.Embed]) -> tuple[discord.Embed, ...]:
    """The last line of defence: clip every part to its limit and drop trailing fields until all
    embeds together fit in 6,000 characters (the builders aim well below, so this rarely acts)."""
    for e in embeds:
        if e.title is not None:
            e.title = _clip(e.title, TITLE_LIMIT)
        if e.description is not None:
            e.description = _clip(e.description, DESCRIPTION_LIMIT)
        if e.footer.text is not None and len(e.footer.text) > FOOTER_LIMIT:
            e.set_footer(text=_clip(e.footer.text, FOOTER_LIMIT), icon_url=e.footer.icon_url)
        while len(e.fields) > FIELDS_LIMIT:
            e.remove_field(-1)
        for i, f in enumerate(e.fields):
            name, value = f.name or "·", f.value or "·"
            if len(name) > FIELD_NAME_LIMIT or len(value) > FIELD_VALUE_LIMIT:
                e.set_field_at(i, name=_clip(name, FIELD_NAME_LIMIT), value=_clip(value, FIELD_VALUE_LIMIT),
                               inline=f.inline or False)
    while sum(len(e) for e in embeds) > EMBED_TOTAL_LIMIT:
        with_fields = [e for e in embeds if e.fields]
        if with_fields:
            with_fields[-1].remove_field(-1)
            continue
        longest = max(embeds, key=lambda e: len(e.description or ""))
        excess = sum(len(e) for e in embeds) - EMBED_TOTAL_LIMIT
        longest.description = _clip(longest.description or "", max(1, len(longest.description or "") - excess - 1))
    return tuple(embeds)


# ---------------------------------------------------------------------------------------------
# Pages.


def code_pages(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, limit: int = PAGE_LIMIT, max_pages: int = MAX_PAGES,
    rest: str | None = None,
) -> tuple[str, ...]:
    """Code-block pages of a table: ``header`` lines on every page, then whole row groups (a row
    and its continuation lines stay together) while the page fits ``limit`` characters.  Beyond
    ``max_pages`` the last page ends with ``rest`` (formatted with the number of rows left out)."""
    open_, close = "```\n", "\n```"
    head = [safe_code(line) for line in header]
    base = len(open_) + len(close) + sum(len(h) + 1 for h in head)
    pages: list[list[str]] = []
    current: list[str] = []
    size = base
    for group in rows:
        lines = [_clip(safe_code(line), limit - base - 1) for line in group]
        extra = sum(len(line) + 1 for line in lines)
        if current and size + extra > limit:
            pages.append(current)
            current, size = [], base
        current.extend(lines)
        size += extra
    if current or not pages:
        pages.append(current)
    if len(pages) > max_pages:
        shown = sum(1 for page in pages[:max_pages] for _ in page)
        total = sum(1 for page in pages for _ in page)
        pages = pages[:max_pages]
        note = (rest or "… {count}").format(count=f"{total - shown:,}")
        last = pages[-1]
        while last and base + sum(len(x) + 1 for x in last) + len(note) + 1 > limit:
            last.pop()
        last.append(safe_code(note))
    return tuple(open_ + "\n".join([*head, *page]) + close for page in pages)


def _text_pages(lines: Sequence[str], limit: int = PAGE_LIMIT) -> list[str]:
    """Plain (already escaped) lines as pages of at most ``limit`` characters."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for raw in lines:
        line = _clip(raw, limit)
        if current and size + len(line) + 1 > limit:
            pages.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        pages.append("\n".join(current))
    return pages


# ---------------------------------------------------------------------------------------------
# Layer commands: /dense, /conv, /pool, /rnn, /embedding, /attention.

MAX_LAYERS_SHOWN = 4


def _formula_line(layer: LayerCalc) -> str:
    formula = layer.formula
    if formula is not None and formula.terms and formula.unicode != f"{layer.params:,}":
        return _code_span(f"{formula.unicode} = {layer.params:,}")
    return _code_span(f"{layer.params:,}")


def _layer_block(layer: LayerCalc, lang: str) -> list[str]:
    lines = []
    if layer.params:
        lines.append(_formula_line(layer))
    lines.append(safe(_one_line(layer.explanation.render(lang))))
    if layer.non_trainable_params:
        lines.append(_t("text.split", lang, trainable=layer.trainable_params,
                        non_trainable=layer.non_trainable_params))
    if layer.buffer_count:
        lines.append(safe(_t("text.buffers", lang, buffers=layer.buffer_count)))
    return lines


def _inputs(layer: LayerCalc) -> str:
    shapes = [format_shape(s) for s in layer.inputs]
    return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"


def _layer_title(result: CommandResult, lang: str) -> str:
    layers = result.layers
    kinds = list(dict.fromkeys(layer.kind for layer in layers))
    kind = " + ".join(kinds)
    if len(layers) > 1 and len(kinds) == 1:
        kind = f"{kinds[0]} ×{len(layers)}"
    params = result.cost.params if result.cost is not None else layers[0].params
    if not params:
        return _t("discord.layer.title_none", lang, kind=kind)
    return _t("discord.layer.title", lang, kind=kind, params=params)


def _memory_field(cost: Cost, lang: str) -> str:
    lines = [line.strip() for line in list(_memory_lines(cost, lang))[1:]]  # the first is the "memory" heading
    return "\n".join(safe(line) for line in lines)


def _compute_field(cost: Cost, lang: str) -> str:
    if cost.macs is None or cost.flops is None:
        return _t("discord.compute_unknown", lang)
    return _t("discord.compute", lang, macs=cost.macs, flops=cost.flops)


def _problems_embed(result: CommandResult, lang: str) -> discord.Embed | None:
    findings = result.findings
    worst = _worst(findings)
    if worst is None and result.max_units is None:
        return None
    worst = worst or Severity.INFO
    embed = discord.Embed(title=_t(f"discord.problems.{worst.value}", lang), colour=_COLOUR[worst])
    embed.description = _clip_lines(_finding_lines(findings, lang), DESCRIPTION_LIMIT - 100)
    if result.max_units is not None:
        n_in = result.args.get("in_features")
        value = _t("discord.limit.value", lang, units=result.max_units, n_in=n_in if isinstance(n_in, int) else "?",
                   limit=INT32_MAX)
        embed.add_field(name=_t("discord.limit.name", lang), value=value, inline=False)
    return embed


def _layer_reply(result: CommandResult, lang: str) -> Reply:
    layers = result.layers
    cost = result.cost
    lines: list[str] = []
    shown = layers[:MAX_LAYERS_SHOWN]
    for i, layer in enumerate(shown):
        block = _layer_block(layer, lang)
        if len(layers) > 1:
            block[0] = f"**{i + 1}.** {block[0]}"
        lines.extend(block)
    if len(layers) > len(shown):
        lines.append(_t("discord.layer.more", lang, count=len(layers) - len(shown)))
    if len(layers) > 1 and cost is not None:
        lines.append(_t("discord.total", lang, params=cost.params, size=format_bytes(cost.param_bytes["float32"])))
    embed = discord.Embed(title=_layer_title(result, lang), description=_clip_lines(lines, 3000), colour=BLURPLE)
    first, last = layers[0], layers[-1]
    shapes = _t("text.shapes", lang, framework=_framework(result.framework or first.framework, lang),
                inputs=_code_span(_inputs(first)), output=_code_span(format_shape(last.output)))
    embed.add_field(name=_t("discord.field.shapes", lang), value=shapes, inline=False)
    if cost is not None:
        embed.add_field(name=_t("discord.field.compute", lang), value=_compute_field(cost, lang), inline=False)
        memory = _memory_field(cost, lang)
        if memory:
            embed.add_field(name=_t("discord.field.memory", lang), value=_clip(memory, FIELD_VALUE_LIMIT), inline=False)
        notes = list(dict.fromkeys(safe(_one_line(n.render(lang))) for layer in shown for n in layer.notes))
        if notes:
            embed.add_field(name=_t("discord.field.notes", lang), value=_clip_lines(notes, FIELD_VALUE_LIMIT),
                            inline=False)
        embed.set_footer(text=_one_line(" ".join(n.render(lang) for n in cost.notes)))
    embeds = [embed]
    problems = _problems_embed(result, lang)
    if problems is not None:
        embeds.append(problems)
    return Reply(content=None, embeds=_fit(embeds), files=())


# ---------------------------------------------------------------------------------------------
# /explain.

_NAME_COL, _SHAPE_COL, _FORMULA_COL, _STATUS_COL = 30, 22, 30, 22


def _short_status(row: LayerReport, lang: str) -> str:
    if row.status is Status.INFERRED:
        return _t("report.status.inferred_bare", lang)
    return _status(row, lang)


def _page_table(report: Report, lang: str) -> tuple[list[str], list[list[str]]]:
    """The per-layer table for Discord pages: narrower than the terminal's (name, shape, params, a
    formula wrapped at 30 cells onto two lines at most, a short status)."""
    formulas = row_formulas(report)
    cells: list[tuple[str, str, str, list[str], str]] = []
    for row, formula in zip(report.layers, formulas, strict=True):
        if formula is not None:
            flines = wrap_formula(formula, _FORMULA_COL, 2)
        elif row.params is None and row.symbolic_formula:
            flines = _wrap(row.symbolic_formula, "", _FORMULA_COL, 2)
        else:
            flines = [""]
        shape = format_shape(row.output_shape) if row.output_shape is not None else "?"
        cells.append((_clip_cells(_name(row), _NAME_COL), _clip_cells(shape, _SHAPE_COL), _params(row), flines,
                      _clip_cells(_short_status(row, lang), _STATUS_COL)))
    head = [_t(f"report.col.{c}", lang) for c in ("layer", "shape", "params", "formula", "status")]
    widths = [
        max([_width(head[0]), *(_width(c[0]) for c in cells)]),
        max([_width(head[1]), *(_width(c[1]) for c in cells)]),
        max([_width(head[2]), *(_width(c[2]) for c in cells)]),
        max([_width(head[3]), *(_width(x) for c in cells for x in c[3])]),
        max([_width(head[4]), *(_width(c[4]) for c in cells)]),
    ]

    def line(parts: Sequence[str]) -> str:
        return "  ".join(
            _report_pad(p, w, right=(k == 2)) if k < 4 else p for k, (p, w) in enumerate(zip(parts, widths, strict=True))
        ).rstrip()

    header = [line(head), "  ".join("─" * w for w in widths)]
    rows = []
    for name, shape, params, flines, status in cells:
        group = [line([name, shape, params, flines[0], status])]
        group.extend(line(["", "", "", more, ""]) for more in flines[1:])
        rows.append(group)
    return header, rows


def _md_cell(text: str) -> str:
    return escape_markup(_one_line(text)).replace("<", "&lt;") or " "


def markdown_table(report: Report, lang: str) -> str:
    """The whole report as Markdown: headline, every row (a table), totals, findings."""
    out = [f"# {_md_cell(_headline(report, lang))}", ""]
    cols = ["index", "layer", "shape", "params", "reported", "formula", "status"]
    head = [_t(f"discord.md.col.{c}" if c in ("index", "reported") else f"report.col.{c}", lang) for c in cols]
    out.append("| " + " | ".join(head) + " |")
    out.append("|--:|---|---|--:|--:|---|---|")
    for i, (row, formula) in enumerate(zip(report.layers, row_formulas(report), strict=True), start=1):
        if formula is not None:
            ftext = f"`{safe_code(formula.unicode)} = {formula.value:,}`"
        elif row.params is None and row.symbolic_formula:
            ftext = f"`{safe_code(row.symbolic_formula)}`"
        else:
            ftext = " "
        label = f"{row.name} ({row.type})" if row.name else row.type
        indent = "\u00a0\u00a0" * row.depth
        shape = format_shape(row.output_shape) if row.output_shape is not None else "?"
        said = " " if row.reported_params is None else f"{row.reported_params:,}"
        out.append("| " + " | ".join([
            str(i), indent + _md_cell(label), _md_cell(shape), _params(row), said, ftext,
            _md_cell(_status(row, lang)),
        ]) + " |")  # fmt: skip
    out += ["", f"## {_t('discord.md.totals', lang)}", ""]
    out.append(f"| | {_t('report.totals.derived', lang)} | {_t('report.totals.reported', lang)} | |")
    out.append("|---|--:|--:|:-:|")
    for label, derived, reported in _totals(report):
        mark = "" if derived is None or reported is None else ("✓" if derived == reported else "✗")
        out.append(f"| {_t(label, lang)} | {_num(derived)} | {'' if reported is None else _num(reported)} | {mark} |")
    if report.findings:
        out += ["", f"## {_t('discord.md.findings', lang)}", ""]
        out += [f"- {line}" for line in _finding_lines(report.findings, lang, mismatches_first=True)]
    return "\n".join(out) + "\n"


def _num(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _totals(report: Report) -> list[tuple[str, int | None, int | None]]:
    return [
        ("report.totals.total", report.total_params, report.reported_total),
        ("report.totals.trainable", report.trainable_params, report.reported_trainable),
        ("report.totals.non_trainable", report.non_trainable_params, report.reported_non_trainable),
    ]


def _headline(report: Report, lang: str) -> str:
    framework = _t(f"report.framework.{report.framework.value}", lang)
    fmt = format_name(report.format)
    if report.name:
        return _t("report.title_named", lang, name=_clip(_one_line(report.name), 60), format=fmt,
                  framework=framework, count=len(report.leaves))
    return _t("report.title", lang, format=fmt, framework=framework, count=len(report.leaves))


def _explain_reply(report: Report, lang: str) -> Reply:
    lines: list[str] = []
    for label, derived, reported in _totals(report):
        if reported is None or derived is None:
            lines.append(_t("discord.explain.total_only", lang, label=_t(label, lang), derived=_num(derived)))
        else:
            mark = "✓" if derived == reported else "✗"
            lines.append(_t("discord.explain.total", lang, label=_t(label, lang), derived=_num(derived),
                            reported=_num(reported), mark=mark))
    mismatches = sum(1 for row in report.layers if row.status is Status.MISMATCH)
    unknown = sum(1 for row in report.layers if row.status is Status.UNKNOWN)
    problems = [f for f in report.findings if f.severity is not Severity.INFO]
    if mismatches:
        lines.append(_t("discord.explain.mismatches", lang, count=mismatches))
    if unknown:
        lines.append(_t("discord.explain.unknown", lang, count=unknown))
    if not problems and not mismatches and not unknown and report.reported_total is not None:
        lines.append("✓ " + _t("report.all_good", lang))
    worst = _worst(report.findings)
    colour = RED if worst is Severity.ERROR or mismatches else ORANGE if worst is Severity.WARNING else GREEN
    embed = discord.Embed(title=safe(_headline(report, lang)), description="\n".join(lines), colour=colour)

    chart = params_chart_png(report, lang) if _bars(report) >= CHART_MIN_BARS else None
    files = [FileSpec("layers.md", markdown_table(report, lang).encode("utf-8"), "layerbot: every layer")]
    if chart is not None:
        files.append(FileSpec("params.png", chart, "layerbot: parameters per layer"))
        embed.set_image(url="attachment://params.png")
        footer = _t("discord.explain.chart_footer", lang)
    else:
        footer = _t("discord.explain.footer", lang)
    embed.set_footer(text=footer)
    if report.findings:
        budget = _EMBED_BUDGET - len(embed)
        _add_lines_as_fields(
            embed, _t("discord.explain.findings", lang), _t("discord.explain.findings_more", lang),
            _finding_lines(report.findings, lang, mismatches_first=True), lang,
            _t("discord.more.attachment", lang, file="layers.md"), min(budget, 3000),
        )
    header, rows = _page_table(report, lang)
    pages = code_pages(header, rows, rest=_t("discord.explain.rows_left", lang, count="{count}"))
    return Reply(content=None, embeds=_fit([embed]), files=tuple(files), pages=pages)


def _bars(report: Report) -> int:
    return sum(1 for layer in report.leaves if layer.params)


# ---------------------------------------------------------------------------------------------
# /suggest and /whatif.


def _text_line(line: str) -> str:
    """A terminal line as Discord text: a heading in bold, an item as a bullet, a note under it as subtext."""
    stripped = safe(line.strip())
    indent = len(line) - len(line.lstrip(" "))
    if indent == 0:
        return f"**{stripped}**"
    return f"• {stripped}" if indent <= 2 else f"-# {stripped}"


def _suggest_reply(result: AdviceResult, lang: str) -> Reply:
    s = result.suggestion
    assert s is not None  # noqa: S101 - the caller checked
    title = _t("atext.suggest.title", lang, n=s.in_features, m=s.classes, hidden=s.hidden_layers, dtype=s.dtype)
    lines = [
        _t("discord.recommended", lang, text=safe(_one_line(s.recommendation.render(lang)))),
        safe(_t("atext.geometric", lang, n=s.in_features, m=s.classes, rounded=s.geometric_rounded,
                exact=f"{s.geometric:,.2f}")),
        safe(_t("atext.limits", lang, max_int32=s.max_int32, max_proto=s.max_proto, dtype=s.dtype)),
    ]
    if s.max_gpu is not None and s.gpu_memory is not None:
        lines.append(safe(_t("atext.limit_gpu", lang, gpu=format_bytes(s.gpu_memory), max=s.max_gpu)))
    if s.max_budget is not None and s.budget is not None:
        lines.append(safe(_t("atext.limit_budget", lang, budget=s.budget, max=s.max_budget)))
    if s.structural is not None:
        lines.append(safe(_one_line(s.structural.render(lang))))
    embed = discord.Embed(title=title, description=_clip_lines(lines, 2000), colour=BLURPLE)
    # The cost table: the numbers of the terminal table, without the formula and the why (in the pages).
    head = [_t(f"atext.col.{k}", lang) for k in ("units", "head", "weights", "train")]
    rows = [head] + [
        [("*" if "recommended" in o.tags else " ") + f"{o.units:,}", f"{o.params:,}", format_bytes(o.weight_bytes),
         format_bytes(o.training.total)]
        for o in s.options
    ]  # fmt: skip
    table = _advice_table(rows, (True, True, True, True))
    embed.add_field(name=_t("discord.suggest.widths", lang),
                    value="```\n" + safe_code(_clip_lines(table, FIELD_VALUE_LIMIT - 8)) + "\n```", inline=False)
    classics = [safe(_classic_line(c, lang)) for c in s.classics]
    if classics:
        embed.add_field(name=_t("discord.suggest.classics", lang), value=_clip_lines(classics, FIELD_VALUE_LIMIT),
                        inline=False)
    embed.set_footer(text=_t("discord.suggest.footer", lang))
    embeds = [embed]
    if s.findings:
        worst = _worst(s.findings) or Severity.INFO
        embeds.append(discord.Embed(title=_t(f"discord.problems.{worst.value}", lang), colour=_COLOUR[worst],
                                    description=_clip_lines(_finding_lines(s.findings, lang), 1500)))
    # Pages: the full terminal table (code), then classic nets and rules of thumb (text).
    all_lines = list(suggestion_lines(s, lang))
    table_lines = all_lines[1 : 2 + len(s.options)]
    classics_at = all_lines.index(_t("atext.classics", lang))
    pages = list(code_pages(table_lines[:1], [[line] for line in table_lines[1:]]))
    pages += _text_pages([_text_line(line) for line in all_lines[classics_at:]])
    text = "\n".join(advice_lines(result, lang)) + "\n"
    files = (FileSpec("suggest.txt", text.encode("utf-8"), "layerbot: the full /suggest answer"),)
    return Reply(content=None, embeds=_fit(embeds), files=files, pages=tuple(pages))


def _whatif_reply(result: AdviceResult, lang: str) -> Reply:
    w = result.whatif
    assert w is not None  # noqa: S101 - the caller checked
    lines = list(whatif_lines(w, lang))
    change = "; ".join(_one_line(d.render(lang)) for d in w.descriptions)
    title = _t("atext.whatif.title", lang, change=_clip(change, 200))
    table = lines[1:5]  # the before/after rows: header, parameters, weights, training (advice_text lays them out)
    embed = discord.Embed(title=safe(title), description="```\n" + safe_code("\n".join(table)) + "\n```",
                          colour=GREEN if w.delta <= 0 else ORANGE)
    changed: list[str] = []
    for c in w.changed:
        if c.before is not None and c.after is not None:
            changed.append(_t("atext.layer.changed", lang, layer=safe(_label(c.after)),
                              before=_code_span(_count(c.before, lang)), after=_code_span(_count(c.after, lang))))
        elif c.after is not None:
            shape = format_shape(c.after.output_shape) if c.after.output_shape is not None else "?"
            changed.append(_t("atext.layer.added", lang, layer=safe(_label(c.after)), shape=_code_span(shape),
                              params=_code_span(_count(c.after, lang))))
        elif c.before is not None:
            changed.append(_t("atext.layer.removed", lang, layer=safe(_label(c.before)),
                              params=_code_span(_count(c.before, lang))))
    if not changed:
        changed.append(_t("atext.nothing_changed", lang))
    budget = _EMBED_BUDGET - len(embed) - 1500
    left = _add_lines_as_fields(embed, _t("discord.whatif.changed", lang), _t("discord.whatif.changed", lang),
                                changed, lang, _t("discord.more.pages", lang), budget)
    notes = [safe(_one_line(n.render(lang))) for n in w.notes]
    if notes:
        embed.add_field(name=_t("discord.field.notes", lang), value=_clip_lines(notes, FIELD_VALUE_LIMIT),
                        inline=False)
    embeds = [embed]
    if w.findings:
        worst = _worst(w.findings) or Severity.INFO
        embeds.append(discord.Embed(title=_t(f"discord.problems.{worst.value}", lang), colour=_COLOUR[worst],
                                    description=_clip_lines(_finding_lines(w.findings, lang), 1200)))
    pages = code_pages([], [[line] for line in lines]) if left else ()
    return Reply(content=None, embeds=_fit(embeds), files=(), pages=pages)


# ---------------------------------------------------------------------------------------------
# /help.


def _arg_field(arg: Arg, lang: str) -> tuple[str, str]:
    required = _t("text.help.required", lang)
    name = arg.name + ((f"（{required}）" if lang == "zh" else f" ({required})") if arg.required else "")
    return name, safe(Message(arg.help).render(lang))


def _help_reply(specs: tuple[CommandSpec, ...], lang: str) -> Reply:
    if len(specs) == 1:
        spec = specs[0]
        embed = discord.Embed(title=f"/{spec.name}", colour=BLURPLE,
                              description=safe(Message(spec.help).render(lang)) + "\n" + _code_span(spec.usage))
        for arg in spec.args[: FIELDS_LIMIT - 2]:
            name, value = _arg_field(arg, lang)
            embed.add_field(name=name, value=value, inline=False)
        embed.add_field(name=_t("discord.help.example", lang), value=_code_span(spec.example), inline=False)
        if spec.aliases:
            shown = ", ".join(
                f"/{name}" + ("" if not preset else " = /" + spec.name + " " + " ".join(f"{k}={v}" for k, v in preset))
                for name, preset in spec.aliases
            )
            embed.add_field(name=_t("discord.help.aliases", lang), value=_code_span(shown), inline=False)
        return Reply(content=None, embeds=_fit([embed]), files=())
    embed = discord.Embed(title=_t("discord.help.title", lang), colour=BLURPLE,
                          description=safe(_t("text.help.title", lang)))
    # calc's commands, then the bot's own (/history, /forget, /stats: they read the query store)
    listed = [(spec.name, spec.help, spec.example) for spec in specs]
    listed += [(command.name, command.help, command.example) for command in BOT_COMMANDS]
    for name, help_key, example in listed[:FIELDS_LIMIT]:
        value = safe(Message(help_key).render(lang)) + "\n" + _code_span(_clip(example, 200))
        embed.add_field(name=f"/{name}", value=_clip(value, FIELD_VALUE_LIMIT), inline=False)
    embed.set_footer(text=_t("text.help.more", lang))
    return Reply(content=None, embeds=_fit([embed]), files=())


def bot_command_help(command: BotCommand, locale: str) -> Reply:
    """``/help history``: one of the bot's own commands in detail (they are not in calc's table)."""
    lang = _lang(locale)
    embed = discord.Embed(title=f"/{command.name}", colour=BLURPLE,
                          description=safe(Message(command.details).render(lang)) + "\n" + _code_span(command.usage))
    embed.add_field(name=_t("discord.help.example", lang), value=_code_span(command.example), inline=False)
    return Reply(content=None, embeds=_fit([embed]), files=())


# ---------------------------------------------------------------------------------------------
# Entry points.


def reply_for_result(result: CommandResult, locale: str) -> Reply:
    """The Discord reply for a command's result, in ``locale`` (``"en"`` or ``"zh"``)."""
    lang = _lang(locale)
    if result.report is not None:
        return _explain_reply(result.report, lang)
    if result.help:
        return _help_reply(result.help, lang)
    if isinstance(result, AdviceResult):
        if result.suggestion is not None:
            return _suggest_reply(result, lang)
        if result.whatif is not None:
            return _whatif_reply(result, lang)
    if result.layers:
        return _layer_reply(result, lang)
    # A result with nothing to lay out (should not happen): its terminal text, as a code block page.
    text = "\n".join(advice_lines(result, lang)) or result.command
    embed = discord.Embed(title=f"/{result.command}", description=_clip(safe(text), DESCRIPTION_LIMIT),
                          colour=BLURPLE)
    return Reply(content=None, embeds=(embed,), files=())


def reply_for_error(error: LayerbotError | Message, locale: str, *, internal: bool = False) -> Reply:
    """A friendly, ephemeral reply for an error.  ``internal=True`` (a bug, not the user's input):
    a short apology that reveals nothing of the error itself."""
    lang = _lang(locale)
    if internal:
        embed = discord.Embed(title=_t("discord.internal.title", lang), description=_t("discord.internal.text", lang),
                              colour=RED)
        return Reply(content=None, embeds=(embed,), files=(), ephemeral=True)
    text = render_error(error, lang)
    embed = discord.Embed(title=_t("discord.error.title", lang), description=_clip(safe(text), DESCRIPTION_LIMIT),
                          colour=RED)
    embed.set_footer(text=_t("discord.error.footer", lang))
    return Reply(content=None, embeds=_fit([embed]), files=(), ephemeral=True)
