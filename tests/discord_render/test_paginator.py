"""The Paginator view, driven without a network: fake interactions record what the view answers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest

from bot.discord.paginator import Paginator

PAGES = ["```\npage one\n```", "```\npage two\n```", "```\npage three\n```"]
OWNER = 111


@dataclass
class FakeResponse:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def is_done(self) -> bool:
        return bool(self.calls)

    async def edit_message(self, **kwargs: Any) -> None:
        self.calls.append(("edit_message", kwargs))

    async def send_message(self, content: str | None = None, **kwargs: Any) -> None:
        self.calls.append(("send_message", {"content": content, **kwargs}))

    async def defer(self, **kwargs: Any) -> None:
        self.calls.append(("defer", kwargs))


@dataclass
class FakeUser:
    id: int


@dataclass
class FakeInteraction:
    user: FakeUser
    locale: discord.Locale = discord.Locale.american_english
    response: FakeResponse = field(default_factory=FakeResponse)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeMessage:
    edits: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False

    async def edit(self, **kwargs: Any) -> None:
        if self.fail:
            raise discord.NotFound(_FakeHTTPResponse(), "Unknown Message")  # type: ignore[arg-type]
        self.edits.append(kwargs)


class _FakeHTTPResponse:
    status = 404
    reason = "Not Found"


def _buttons(view: Paginator) -> dict[str, discord.ui.Button[Any]]:
    return {
        "first": view.first_page,
        "previous": view.previous_page,
        "counter": view.counter,
        "next": view.next_page,
        "last": view.last_page,
    }


async def test_starts_on_the_first_page() -> None:
    view = Paginator(OWNER, PAGES, "en")
    assert view.content == PAGES[0]
    b = _buttons(view)
    assert b["first"].disabled and b["previous"].disabled
    assert not b["next"].disabled and not b["last"].disabled
    assert b["counter"].label == "1/3" and b["counter"].disabled
    assert len(view.children) == 5
    assert view.timeout == 300


async def test_owner_turns_pages() -> None:
    view = Paginator(OWNER, PAGES, "en")
    owner = FakeInteraction(FakeUser(OWNER))
    assert await view.interaction_check(owner)  # type: ignore[arg-type]
    await view.next_page.callback(owner)  # type: ignore[arg-type]
    (kind, kwargs), = owner.response.calls
    assert kind == "edit_message" and kwargs["content"] == PAGES[1] and kwargs["view"] is view
    assert view.counter.label == "2/3"
    assert not view.previous_page.disabled and not view.next_page.disabled

    last = FakeInteraction(FakeUser(OWNER))
    await view.last_page.callback(last)  # type: ignore[arg-type]
    assert view.content == PAGES[2] and view.counter.label == "3/3"
    assert view.next_page.disabled and view.last_page.disabled

    back = FakeInteraction(FakeUser(OWNER))
    await view.previous_page.callback(back)  # type: ignore[arg-type]
    assert view.content == PAGES[1]
    first = FakeInteraction(FakeUser(OWNER))
    await view.first_page.callback(first)  # type: ignore[arg-type]
    assert view.content == PAGES[0] and view.counter.label == "1/3"


async def test_pages_do_not_run_past_the_ends() -> None:
    view = Paginator(OWNER, PAGES, "en")
    await view.previous_page.callback(FakeInteraction(FakeUser(OWNER)))  # type: ignore[arg-type]
    assert view.index == 0
    for _ in range(5):
        await view.next_page.callback(FakeInteraction(FakeUser(OWNER)))  # type: ignore[arg-type]
    assert view.index == 2


@pytest.mark.parametrize(
    ("locale", "expected"),
    [(discord.Locale.american_english, "Only the person who asked"), (discord.Locale.chinese, "只有提问的人"),
     (discord.Locale.taiwan_chinese, "只有提问的人")],
)
async def test_others_are_told_privately(locale: discord.Locale, expected: str) -> None:
    view = Paginator(OWNER, PAGES, "en")
    stranger = FakeInteraction(FakeUser(222), locale=locale)
    assert not await view.interaction_check(stranger)  # type: ignore[arg-type]
    (kind, kwargs), = stranger.response.calls
    assert kind == "send_message" and kwargs["ephemeral"] is True
    assert kwargs["content"].startswith(expected)
    assert view.index == 0


async def test_dispatch_checks_the_owner_before_the_callback() -> None:
    """The path discord.py takes for a button press: the check, then (only if allowed) the callback."""
    view = Paginator(OWNER, PAGES, "en")
    stranger = FakeInteraction(FakeUser(222))
    await view._scheduled_task(view.next_page, stranger)  # type: ignore[arg-type]
    assert [c[0] for c in stranger.response.calls] == ["send_message"] and view.index == 0
    owner = FakeInteraction(FakeUser(OWNER))
    await view._scheduled_task(view.next_page, owner)  # type: ignore[arg-type]
    assert [c[0] for c in owner.response.calls] == ["edit_message"] and view.index == 1


async def test_timeout_disables_every_button_and_edits_the_message() -> None:
    view = Paginator(OWNER, PAGES, "en")
    message = FakeMessage()
    view.message = message  # type: ignore[assignment]
    await view.on_timeout()
    assert all(getattr(item, "disabled", False) for item in view.children)
    assert message.edits == [{"view": view}]


async def test_timeout_without_a_message_or_a_deleted_one() -> None:
    view = Paginator(OWNER, PAGES, "en")
    await view.on_timeout()  # nothing to edit: no error
    assert all(getattr(item, "disabled", False) for item in view.children)
    gone = Paginator(OWNER, PAGES, "en")
    gone.message = FakeMessage(fail=True)  # type: ignore[assignment]
    await gone.on_timeout()  # the message was deleted meanwhile: no error either


class _Store:
    def remove_view(self, view: object) -> None:
        self.removed = view


async def test_real_timeout_timer() -> None:
    """discord.py's own timer (started when the view is registered with its store) ends in on_timeout."""
    view = Paginator(OWNER, PAGES, "en", timeout=0.05)
    message = FakeMessage()
    view.message = message  # type: ignore[assignment]
    view._start_listening_from_store(_Store())  # type: ignore[arg-type]
    assert await asyncio.wait_for(view.wait(), 5) is True  # True: it timed out
    for _ in range(50):
        if message.edits:
            break
        await asyncio.sleep(0.01)
    assert message.edits and all(getattr(item, "disabled", False) for item in view.children)
    assert view.is_finished()


async def test_one_page_has_nothing_to_press() -> None:
    view = Paginator(OWNER, PAGES[:1], "zh")
    assert view.counter.label == "1/1"
    assert all(getattr(item, "disabled", False) for item in view.children)


async def test_needs_a_page() -> None:
    with pytest.raises(ValueError, match="at least one page"):
        Paginator(OWNER, [], "en")


async def test_the_view_serialises() -> None:
    view = Paginator(OWNER, PAGES, "en")
    (row,) = view.to_components()
    assert [c["type"] for c in row["components"]] == [2] * 5  # five buttons in one action row
    assert all(c.get("custom_id") for c in row["components"])
