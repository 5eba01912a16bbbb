"""Findings: what layerbot noticed about a layer, a model or a request, with a severity and a stable code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from calc.i18n import Message

__all__ = ["Finding", "Severity"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    code: str  # stable identifier, e.g. "limit.int32_elements"
    message: Message
    layer: str | None = None
