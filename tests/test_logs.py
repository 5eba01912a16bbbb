"""bot.logs: readable lines or JSON lines, and the token never in either (traceback included)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import REDACTED, configure_logging

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhJkLm.a-secret-part_that-must-never-show-0123"  # noqa: S105 - a made-up token


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def _log_a_leak() -> None:
    log = logging.getLogger("bot.test")
    log.info("connected with %s", TOKEN)
    try:
        raise RuntimeError(f"Authorization: Bot {TOKEN}")
    except RuntimeError:
        log.exception("a library put the token in an exception")


@pytest.mark.usefixtures("restore_logging")
def test_text_lines_are_readable_and_redacted() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "text", secrets=[TOKEN], stream=stream)
    _log_a_leak()
    out = stream.getvalue()
    assert TOKEN not in out and "a-secret-part" not in out
    first = out.splitlines()[0]
    assert first.endswith(f"INFO    bot.test: connected with {REDACTED}")
    assert "Traceback" in out and f"RuntimeError: Authorization: Bot {REDACTED}" in out


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_one_object_per_record_redacted() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "json", secrets=[TOKEN, None], stream=stream)
    _log_a_leak()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2  # the traceback stays inside its record's line
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "INFO" and first["logger"] == "bot.test" and first["message"] == f"connected with {REDACTED}"
    assert first["time"].endswith("Z") and "exc" not in first
    assert second["level"] == "ERROR" and "RuntimeError" in second["exc"] and REDACTED in second["exc"]
    assert TOKEN not in stream.getvalue()


@pytest.mark.usefixtures("restore_logging")
def test_the_level_filters_and_short_strings_are_not_treated_as_secrets() -> None:
    stream = io.StringIO()
    configure_logging("WARNING", "text", secrets=["abc"], stream=stream)
    logging.getLogger("bot.test").info("not shown")
    logging.getLogger("bot.test").warning("abc stays")
    assert stream.getvalue().rstrip().endswith("bot.test: abc stays")
