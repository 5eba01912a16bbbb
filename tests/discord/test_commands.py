"""Slash commands end to end: layerbot started by its launcher against the Discord stand-in.

Options are typed as the command table says (ranges, choices, shapes), the answer comes in the asker's
language, nobody is ever pinged, mistakes get friendly private answers, and every answer is stored.
"""

from __future__ import annotations

import pytest

from bot.store.models import Outcome
from tests.discord.conftest import ExpectedErrors, Launch, bounded, wait_stored
from tests.discord_standin import StandInError

NO_PINGS = {"parse": []}
EPHEMERAL = 1 << 6


def payload_of(rec: object) -> dict:  # the JSON the bot sent with its first answer
    callback = rec.callback  # type: ignore[attr-defined]
    if callback.callback_type == 4:
        return callback.payload["data"]
    return rec.followups[0].payload  # type: ignore[attr-defined]


@bounded()
async def test_dense_86400_4_in_english_and_in_chinese(launch: Launch) -> None:
    async with launch() as r:
        lab = r.standin.add_guild("Lab")
        en = await r.standin.wait_for_reply(await r.standin.send_command("dense", {"in_features": 86400, "units": 4}))
        assert en.callback_type == 4 and 0 <= en.callback.delay < 3.0
        (embed,) = en.original["embeds"]
        assert embed["title"] == "Dense · 345,604 parameters"
        assert "86,400 × 4 + 4 = 345,604" in embed["description"]
        assert not en.original["flags"] & EPHEMERAL
        assert payload_of(en)["allowed_mentions"] == NO_PINGS

        bob = r.standin.add_user("bob", locale="zh-CN")
        zh = await r.standin.wait_for_reply(
            await r.standin.send_command("dense", {"in_features": 86400, "units": 4}, user=bob, guild=lab)
        )
        (embed,) = zh.original["embeds"]
        assert embed["title"] == "Dense · 345,604 个参数"
        assert "86,400 个输入 × 4 个单元 + 4 个偏置" in embed["description"]

        await wait_stored(r.store, 2)
        (entry,) = await r.store.history(bob.id, 10)
        assert entry.command == "dense" and entry.outcome is Outcome.ANSWERED
        assert entry.headline.total_params == 345_604
        stored = await r.store.get(entry.id, bob.id)
        assert stored is not None and stored.locale == "zh" and stored.guild_id == lab.id
        assert stored.input_text == "/dense in_features=86400 units=4"
        assert stored.report is not None and stored.report["command"] == "dense"


@bounded()
async def test_every_table_command_answers_with_typed_options(launch: Launch) -> None:
    async with launch(rate_burst=0) as r:
        r.standin.add_guild()
        asks = {
            "conv": {"input": "(256, 256, 3)", "filters": 32, "kernel": "3"},
            "pool": {"input": "32x32x16", "kind": "global_avg"},
            "rnn": {"kind": "lstm", "units": 32, "input_features": 16, "framework": "torch"},
            "embedding": {"vocab": 20000, "dim": 128, "seq_len": 100},
            "attention": {"heads": 8, "key_dim": 64, "d_model": 512, "seq_len": 128},
            "suggest": {"in_features": 86400, "classes": 4},
            "help": {"command": "conv"},
            "whatif": {"change": "flatten -> gap", "text": "32x32x3 conv16k3 flatten dense10"},
            "explain": {"text": "256x256x3 conv32k3 pool2 flatten dense512 dense4"},
        }
        recs = [await r.standin.send_command(name, options) for name, options in asks.items()]
        for name, rec in zip(asks, recs, strict=True):
            rec = await r.standin.wait_for_reply(rec)
            first = rec.messages[0]
            assert first["embeds"] or first["content"], f"/{name}: {rec.summary()}"
            assert not first["flags"] & EPHEMERAL, f"/{name} answered with an error: {first}"
        conv = recs[0].original["embeds"][0]
        assert conv["title"] == "Conv2D · 896 parameters"
        await wait_stored(r.store, len(asks))


@bounded()
async def test_nobody_is_pinged_even_when_echoing_everyone(launch: Launch) -> None:
    async with launch() as r:
        r.standin.add_guild()
        rec = await r.standin.wait_for_reply(await r.standin.send_command("help", {"command": "@everyone"}))
        assert rec.original["flags"] & EPHEMERAL  # a mistake: answered privately
        assert payload_of(rec)["allowed_mentions"] == NO_PINGS
        text = str(rec.original["embeds"])
        assert "@everyone" not in text.replace("@\u200beveryone", "")  # escaped or absent, never a live ping


@bounded()
async def test_a_bad_shape_is_refused_by_the_option_with_a_friendly_private_message(launch: Launch) -> None:
    async with launch() as r:
        r.standin.add_guild()
        rec = await r.standin.wait_for_reply(
            await r.standin.send_command("conv", {"input": "big", "filters": 32, "kernel": "3"})
        )
        assert rec.original["flags"] & EPHEMERAL
        assert "256x256x3" in rec.original["embeds"][0]["description"]  # says how to write a shape
        too_small = await r.standin.wait_for_reply(
            await r.standin.send_command("conv", {"input": "2x2x3", "filters": 32, "kernel": "5"})
        )
        assert too_small.original["flags"] & EPHEMERAL  # the router's message, from the worker
        await wait_stored(r.store, 1)  # the router's refusal is a query; the option's is not


@bounded()
async def test_options_are_declared_with_ranges_choices_and_autocomplete(launch: Launch) -> None:
    async with launch() as r:
        r.standin.add_guild()
        dense = r.standin.find_command("dense")
        assert dense is not None
        options = {o["name"]: o for o in dense["options"]}
        assert options["in_features"]["type"] == 4 and options["in_features"]["min_value"] == 1
        assert options["in_features"]["max_value"] == 10**12 and options["in_features"]["required"]
        assert [c["value"] for c in options["framework"]["choices"]] == ["keras", "torch"]
        conv = {o["name"]: o for o in r.standin.find_command("conv")["options"]}  # type: ignore[index]
        assert conv["input"]["type"] == 3 and conv["input"]["autocomplete"] is True
        explain = {o["name"]: o for o in r.standin.find_command("explain")["options"]}  # type: ignore[index]
        assert not explain["text"]["required"] and explain["file"]["type"] == 11

        shapes = await r.standin.wait_for_reply(
            await r.standin.send_autocomplete("conv", {"input": "224"}, focused="input")
        )
        names = [c["name"] for c in shapes.callback.data["choices"]]
        assert names[0] == "224" and "224x224x3" in names
        helps = await r.standin.wait_for_reply(await r.standin.send_autocomplete("help", {"command": "ex"}, focused="command"))
        assert [c["value"] for c in helps.callback.data["choices"]] == ["ex", "explain"]
        with pytest.raises(StandInError, match="required option"):
            await r.standin.send_command("dense", {"in_features": 5})


@bounded()
async def test_a_user_asking_too_fast_is_told_to_wait(launch: Launch) -> None:
    async with launch(rate_burst=2, rate_per_minute=6) as r:
        r.standin.add_guild()
        bob = r.standin.add_user("bob")
        answers = []
        for _ in range(3):
            answers.append(await r.standin.wait_for_reply(
                await r.standin.send_command("dense", {"in_features": 8, "units": 2}, user=bob)))
        assert [bool(a.original["flags"] & EPHEMERAL) for a in answers] == [False, False, True]
        assert "please wait" in answers[2].original["content"]
        other = await r.standin.wait_for_reply(await r.standin.send_command("dense", {"in_features": 8, "units": 2}))
        assert not other.original["flags"] & EPHEMERAL  # the limit is per user
        await wait_stored(r.store, 3)


@bounded()
async def test_an_unexpected_error_is_logged_with_the_command_and_the_user_gets_an_apology(
    launch: Launch, no_logged_errors: ExpectedErrors
) -> None:
    no_logged_errors.expect("the calculation failed for /explain")
    async with launch(work="tests.discord.slow_work:answer") as r:
        r.standin.add_guild()
        rec = await r.standin.wait_for_reply(await r.standin.send_command("explain", {"text": "BUG-PLEASE dense"}))
        assert rec.original["flags"] & EPHEMERAL
        assert rec.original["embeds"][0]["title"] == "Sorry, something broke on my side"
        await wait_stored(r.store, 1)
        (entry,) = await r.store.history(r.standin.user.id, 5)
        assert entry.outcome is Outcome.INTERNAL_ERROR
        after = await r.standin.wait_for_reply(await r.standin.send_command("dense", {"in_features": 8, "units": 2}))
        assert not after.original["flags"] & EPHEMERAL  # the worker carried on


@bounded()
async def test_a_command_discord_still_has_but_the_bot_dropped_gets_a_kind_answer(
    launch: Launch, caplog: pytest.LogCaptureFixture
) -> None:
    async with launch() as r:
        r.standin.add_guild()
        await r.bot.http.upsert_global_command(
            r.standin.application_id, {"name": "layers", "description": "an old command", "type": 1}
        )
        rec = await r.standin.wait_for_reply(await r.standin.send_command("layers"))
        assert rec.original["flags"] & EPHEMERAL and "layerbot sync" in rec.original["embeds"][0]["description"]
        assert any("run `layerbot sync`" in m for m in caplog.messages)


def test_the_token_never_shows_in_the_settings_repr() -> None:
    from bot.settings import Settings

    token = "secret.token.value"  # noqa: S105 - a made-up token
    settings = Settings.from_env({"DISCORD_TOKEN": token}, env_file=None)
    assert settings.discord_token == token and token not in repr(settings)
