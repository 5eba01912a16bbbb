"""A PNG bar chart of parameters per layer, for a pasted model's reply (and of questions per day, for /stats).

    params_chart_png(report, "en")  →  PNG bytes (or None when no layer has parameters)
    queries_chart_png(stats.per_day, "en")  →  PNG bytes (or None when nobody asked anything)

One horizontal bar per layer with parameters, in the model's order; when there are more than
:data:`MAX_BARS`, only the largest are drawn and the chart says so.  The axis is logarithmic when
the counts span more than two orders of magnitude (a 10-parameter BatchNorm beside a 100-million
Dense would otherwise be invisible), with thousands separators on the ticks.  The title carries the
model's total as calc derived it.

Rendering details that matter in a bot:

* matplotlib is imported lazily and always with the Agg backend (no display on a server); the
  chart is drawn on a :class:`~matplotlib.figure.Figure` with its own Agg canvas, never through
  pyplot's global state, and under a lock because matplotlib's text and font caches are not
  thread-safe (replies are rendered in worker threads).
* Chinese text needs a font with CJK glyphs.  When none is installed the chart stays in English
  for every locale rather than drawing tofu boxes; characters the font lacks in a layer's name are
  shown as ``?``.  Text is never parsed as mathtext (a layer named ``$x$`` is just ``$x$``).
* The PNG is small (≤ :data:`MAX_BARS` bars, 100 dpi, few colours) and deterministic: no software
  or time stamp in its metadata, so the same report gives the same bytes.

Every number comes from calc (the report's per-layer counts and total); this module only draws.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from calc.i18n import Message, register
from calc.report import Report

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "LOG_SPAN", "MAX_BARS", "ChartData", "chart_data", "has_cjk_font", "params_chart_png", "queries_chart_png",
    "warm_up",
]

MAX_BARS = 40
"""Most bars drawn; a larger model shows its largest layers and says how many it left out."""

LOG_SPAN = 100
"""The axis turns logarithmic when the largest count is more than this many times the smallest."""

MAX_LABEL = 40
"""Longest layer label on the axis (longer names are shortened with …)."""

_BAR = "#5865F2"  # Discord's blurple
_LOCK = threading.Lock()

# Families known to carry CJK glyphs; a candidate is still checked for the glyphs themselves.
_CJK_HINTS = ("cjk", "wenquanyi", "wqy", "source han", "droid sans fallback", "ar pl", "yahei", "simhei",
              "simsun", "pingfang", "heiti", "hiragino", "noto sans sc", "noto sans tc", "noto serif sc")
_CJK_PROBE = "每层参数共"

register(
    {
        "chart.title": {"en": "Parameters per layer · total {total}", "zh": "每层参数 · 共 {total}"},
        "chart.title_unknown": {"en": "Parameters per layer", "zh": "每层参数"},
        "chart.per_day": {"en": "Questions per day · {total} in {days} days", "zh": "每天的提问 · {days} 天共 {total} 条"},
        "chart.axis": {"en": "parameters", "zh": "参数"},
        "chart.axis_log": {"en": "parameters (log scale)", "zh": "参数（对数刻度）"},
        "chart.top": {
            "en": "the {shown} largest of {count} layers with parameters",
            "zh": "有参数的 {count} 层中最大的 {shown} 层",
        },
    }
)


@dataclass(frozen=True)
class ChartData:
    """What the chart shows, decided before anything is drawn (and testable without matplotlib)."""

    labels: tuple[str, ...]  # in the model's order
    values: tuple[int, ...]
    total: int | None  # the model's total, as calc derived it
    count: int  # layers with parameters in the whole model
    log: bool

    @property
    def truncated(self) -> bool:
        return len(self.values) < self.count


def _label(name: str | None, kind: str) -> str:
    text = f"{name} ({kind})" if name else kind
    text = " ".join(text.split())
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def chart_data(report: Report, max_bars: int = MAX_BARS) -> ChartData | None:
    """The bars: layers with parameters (largest ``max_bars`` of them, kept in model order)."""
    rows = [(i, _label(layer.name, layer.type), layer.params) for i, layer in enumerate(report.leaves)
            if layer.params is not None and layer.params > 0]
    if not rows:
        return None
    count = len(rows)
    if count > max_bars:
        keep = sorted(rows, key=lambda r: (-r[2], r[0]))[:max_bars]
        rows = sorted(keep, key=lambda r: r[0])
    values = tuple(r[2] for r in rows)
    return ChartData(
        labels=tuple(r[1] for r in rows),
        values=values,
        total=report.total_params,
        count=count,
        log=max(values) > LOG_SPAN * min(values),
    )


@cache
def _matplotlib() -> Any:
    import matplotlib  # lazy: only a reply with a chart pays for it

    matplotlib.use("Agg", force=True)  # before pyplot could ever be imported: never a GUI backend
    return matplotlib


@cache
def _cjk_font() -> str | None:
    """The path of an installed font with CJK glyphs, or None."""
    _matplotlib()
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    for entry in font_manager.fontManager.ttflist:
        if not any(h in entry.name.lower() for h in _CJK_HINTS):
            continue
        try:
            charmap = FT2Font(entry.fname).get_charmap()
        except (OSError, RuntimeError, ValueError):
            continue
        if all(ord(c) in charmap for c in _CJK_PROBE):
            return str(entry.fname)
    return None


def has_cjk_font() -> bool:
    """Whether Chinese chart text can be drawn (otherwise zh charts are drawn in English)."""
    return _cjk_font() is not None


@cache
def _charmap(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def _drawable(text: str, glyphs: frozenset[int]) -> str:
    return "".join(c if ord(c) in glyphs or c in " \t" else "?" for c in text)


def warm_up() -> None:
    """Pay matplotlib's start-up once, ahead of the first reply: import it with Agg, find the fonts and
    draw a tiny chart (about 1.5 s on a slow machine, then ~0.2 s per chart).  A worker process that
    renders replies can call this when it starts."""
    _draw(ChartData(labels=("a", "b"), values=(1, 1_000), total=1_001, count=2, log=True), "en")


def _thousands(x: float, _pos: object = None) -> str:
    # Tick values are whole counts (10, 1,000, 100,000 ...) for display only.
    return f"{round(x):,}" if x >= 1 else ""


def params_chart_png(report: Report, locale: str) -> bytes | None:
    """A horizontal bar chart of parameters per layer as PNG bytes; None when no layer has parameters."""
    data = chart_data(report)
    if data is None:
        return None
    lang = locale if locale == "en" or has_cjk_font() else "en"
    return _render(data, lang)


@lru_cache(maxsize=16)
def _render_cached(data: ChartData, lang: str) -> bytes:
    return _draw(data, lang)


def _render(data: ChartData, lang: str) -> bytes:
    # The same report rendered for two users, or in both languages without a CJK font, is drawn once.
    with _LOCK:
        return _render_cached(data, lang)


def _texts(data: ChartData, lang: str) -> tuple[str, str, str | None]:
    if data.total is None:
        title = Message("chart.title_unknown").render(lang)
    else:
        title = Message("chart.title", {"total": data.total}).render(lang)
    axis = Message("chart.axis_log" if data.log else "chart.axis").render(lang)
    note = Message("chart.top", {"shown": len(data.values), "count": data.count}).render(lang) if data.truncated else None
    return title, axis, note


def _draw(data: ChartData, lang: str) -> bytes:
    mpl = _matplotlib()
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

    cjk = _cjk_font() if lang != "en" else None
    font_path = cjk or font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    glyphs = _charmap(font_path)
    prop = font_manager.FontProperties(fname=font_path)
    title, axis, note = (_drawable(t, glyphs) if t is not None else None for t in _texts(data, lang))
    labels = [_drawable(label, glyphs) for label in data.labels]

    n = len(data.values)
    width, height = 8.0, 1.1 + 0.22 * n  # inches; the layout is computed, not searched (tight_layout draws twice)
    label_inches = 0.2 + 0.062 * max(len(label) for label in labels)  # 8 pt DejaVu Sans: ~0.062 in per character
    with mpl.rc_context({"font.size": 9, "path.simplify": True}):
        fig = Figure(figsize=(width, height), dpi=100)
        canvas = FigureCanvasAgg(fig)
        fig.subplots_adjust(left=min(0.5, label_inches / width), right=0.97,
                            top=1 - 0.42 / height, bottom=0.62 / height)
        ax: Axes = fig.add_subplot()
        positions = list(range(n))
        ax.barh(positions, list(data.values), color=_BAR, height=0.7)
        ax.set_ylim(n - 0.5, -0.5)  # the first layer on top, as in a summary
        ax.set_yticks(positions)
        ax.set_yticklabels(labels, fontproperties=prop, fontsize=8)
        if data.log:
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(base=10, numticks=8))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.set_xlabel(axis or "", fontproperties=prop)
        ax.set_title(title or "", fontproperties=prop, fontsize=11, loc="left")
        if note:
            fig.text(0.97, 1 - 0.12 / height, note, ha="right", va="top", fontproperties=prop, fontsize=8,
                     color="#555555")
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for text in [*ax.get_yticklabels(), ax.title, ax.xaxis.label, *fig.texts]:
            text.set_parse_math(False)  # a layer named "$x$" is text, not mathtext
        return _png(canvas)


def _png(canvas: Any) -> bytes:
    """The drawn canvas as PNG bytes."""
    from PIL import Image

    canvas.draw()
    rgba = canvas.buffer_rgba()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), rgba, "raw", "RGBA", 0, 1)
    # A palette of 64 colours: the chart has few (one bar colour, grey text) and the file stays small.
    # PIL writes no time stamp or software tag unless asked, so the bytes are deterministic.
    buf = io.BytesIO()
    image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        buf, format="PNG", optimize=True
    )
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Questions per day (/stats).


def queries_chart_png(per_day: Sequence[tuple[date, int]], locale: str) -> bytes | None:
    """A bar chart of questions per day (oldest first, as :attr:`Stats.per_day <bot.store.records.Stats.per_day>`
    gives them) as PNG bytes; None when there was no question at all."""
    days = tuple((day, int(count)) for day, count in per_day)
    if not any(count for _, count in days):
        return None
    lang = locale if locale == "en" or has_cjk_font() else "en"
    with _LOCK:
        return _per_day_cached(days, lang)


@lru_cache(maxsize=16)
def _per_day_cached(days: tuple[tuple[date, int], ...], lang: str) -> bytes:
    return _draw_per_day(days, lang)


def _draw_per_day(days: tuple[tuple[date, int], ...], lang: str) -> bytes:
    mpl = _matplotlib()
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

    cjk = _cjk_font() if lang != "en" else None
    font_path = cjk or font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    prop = font_manager.FontProperties(fname=font_path)
    total = sum(count for _, count in days)
    title = _drawable(Message("chart.per_day", {"total": total, "days": len(days)}).render(lang), _charmap(font_path))
    labels = [day.strftime("%m-%d") for day, _ in days]
    with mpl.rc_context({"font.size": 9, "path.simplify": True}):
        fig = Figure(figsize=(8.0, 2.6), dpi=100)
        canvas = FigureCanvasAgg(fig)
        fig.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.18)
        ax: Axes = fig.add_subplot()
        positions = list(range(len(days)))
        ax.bar(positions, [count for _, count in days], color=_BAR, width=0.8)
        ax.set_xlim(-0.6, len(days) - 0.4)
        step = max(1, -(-len(days) // 10))  # at most about ten dates under the bars
        ax.set_xticks(positions[::step])
        ax.set_xticklabels(labels[::step], fontproperties=prop, fontsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: f"{round(y):,}"))
        ax.set_title(title, fontproperties=prop, fontsize=11, loc="left")
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for text in [*ax.get_xticklabels(), ax.title]:
            text.set_parse_math(False)
        return _png(canvas)
