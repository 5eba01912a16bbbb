"""The document the query store keeps for an answer, and the answer read back from it (the cache).

    document = stored_document(result)   # what QueryRecord.report holds
    cached_result(document) == result    # or None: not readable by this version of the calculations

The document is the ``--json`` answer (:func:`bot.render.json.result_document`, schema
``layerbot.command/1``, in English, for people and tools reading the store) plus one key,
``"result"``: calc's result itself, written by :func:`calc.serialize.dump_result` (messages as keys
and arguments, formulas as formulas).  A cached answer is rebuilt from ``"result"`` and rendered
afresh, so it reads exactly as a fresh answer in either language, with today's renderers.

Which questions are looked up in the cache: :data:`CACHED_COMMANDS`, the pasted models.  A layer
command is answered in about a millisecond, less than looking it up would cost.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.render.json import result_document
from calc.commands import CommandResult
from calc.serialize import SerializeError, dump_result, load_result

__all__ = ["CACHED_COMMANDS", "RESULT_KEY", "cached_result", "stored_document"]

log = logging.getLogger("bot.render.stored")

RESULT_KEY = "result"

CACHED_COMMANDS = frozenset({"explain", "whatif"})
"""Commands whose answers are worth looking up: they parse and derive a whole pasted model."""


def stored_document(result: CommandResult) -> dict[str, Any]:
    """The JSON answer plus calc's result under ``"result"`` (left out, with a warning, if the result
    holds something :mod:`calc.serialize` cannot write: the answer is then stored but never reused)."""
    document = result_document(result)
    try:
        document[RESULT_KEY] = dump_result(result)
    except SerializeError as exc:
        log.warning("the answer to a /%s cannot be kept for the cache: %s", result.command, exc)
    return document


def cached_result(document: Mapping[str, Any] | None) -> CommandResult | None:
    """The result a stored document holds, or None when it holds none this version of the
    calculations can read (an older document, another calc version, a damaged one): a cache miss."""
    data = None if document is None else document.get(RESULT_KEY)
    if not isinstance(data, Mapping):
        return None
    try:
        return load_result(data)
    except SerializeError as exc:
        log.info("a stored answer is not reused: %s", exc)
        return None
