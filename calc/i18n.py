"""Everything layerbot tells a user is a :class:`Message`: a key plus arguments.

The text lives in per-module tables registered with :func:`register`, in English (``en``) and
Simplified Chinese (``zh``).  Renderers pick the language; calc never formats prose for a locale
itself.  Integers are always shown with thousands separators, in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LOCALES", "Message", "locale_of", "register", "render", "text_table"]

LOCALES = ("en", "zh")

_TABLE: dict[str, dict[str, str]] = {}


def register(table: Mapping[str, Mapping[str, str]]) -> None:
    """Add message texts.  Every key needs both languages; a duplicate key is a programming error."""
    for key, texts in table.items():
        missing = [loc for loc in LOCALES if loc not in texts]
        if missing:
            raise ValueError(f"message {key!r} lacks {missing}")
        if key in _TABLE and _TABLE[key] != dict(texts):
            raise ValueError(f"message {key!r} registered twice with different text")
        _TABLE[key] = dict(texts)


def text_table() -> Mapping[str, Mapping[str, str]]:
    return _TABLE


def locale_of(tag: str | None) -> str:
    """Map a Discord/POSIX locale tag (``zh-CN``, ``zh_TW.UTF-8``, ``en-US``) to one we speak."""
    if tag and tag.lower().startswith("zh"):
        return "zh"
    return "en"


def _fmt(value: Any, locale: str) -> str:
    kind = type(value)  # the usual arguments first, by exact type (subclasses take the general path)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return f"{value:,}"
    if kind is Message:
        return render(value, locale)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Message):
        return value.render(locale)
    if isinstance(value, (list, tuple)) and all(isinstance(v, Message) for v in value):
        sep = "；" if locale == "zh" else "; "
        return sep.join(v.render(locale) for v in value)
    return str(value)


@dataclass(frozen=True)
class Message:
    key: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def render(self, locale: str = "en") -> str:
        return render(self, locale)


def render(msg: Message, locale: str = "en") -> str:
    texts = _TABLE.get(msg.key)
    if texts is None:
        raise KeyError(f"no text registered for message {msg.key!r}")
    template = texts.get(locale) or texts["en"]
    return template.format(**{k: _fmt(v, locale) for k, v in msg.args.items()})


register(
    {
        "error.unknown_layer": {
            "en": "I don't know the layer kind {name!s} ({framework}), so I can't count its parameters.",
            "zh": "我不认识层类型 {name!s}（{framework}），因此无法计算它的参数。",
        },
    }
)
