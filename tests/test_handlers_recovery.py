"""Is the bot's answer in the space? The check behind exactly-once commands in 1:1 spaces, over real HTTP.

``tests/test_job_ledger.py`` runs it inside the job runner (a worker dying before and after its post);
here are the answers it gives for each kind of thread, and that anything it cannot read is ``UNKNOWABLE``.
"""

from __future__ import annotations

import pytest

from bot.chat import ABSENT, FOUND, UNKNOWABLE, answer_in_space
from bot.context import Context, Services
from bot.sandbox.emulator import ADMIN_EMAIL, BOT_EMAIL, person_id, store_message


@pytest.fixture
def world(emulator, emulator_settings, tmp_path):
    """(a Context of the bot, the emulator's state, the admin's 1:1 space with the bot)."""
    _, state = emulator
    services = Services(emulator_settings.replace(database_url=f"sqlite:///{tmp_path / 'recap.db'}"))
    yield Context(services), state, state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]
    services.store.engine.dispose()


def say(state, email: str, room: str, **fields) -> dict:
    """A message stored as ``email`` wrote it (a bot's reply, or a command typed in a thread); no webhook."""
    return store_message(state, person_id(email), room, fields)


def message_event(message: dict) -> dict:
    return {"resource": "messages", "event": "created", "data": {"id": message["id"], "roomId": message["roomId"]}}


def test_a_command_with_no_bot_message_after_it_in_its_thread_is_unanswered(world):
    ctx, state, room = world
    state.post_as(ADMIN_EMAIL, room, "help")
    say(state, BOT_EMAIL, room, markdown="an answer to the earlier command")  # not in the thread, and before
    command = state.post_as(ADMIN_EMAIL, room, "archives")
    assert answer_in_space(ctx, message_event(command)) == ABSENT


def test_a_bot_reply_in_the_commands_thread_is_its_answer(world):
    ctx, state, room = world
    command = state.post_as(ADMIN_EMAIL, room, "archives")
    say(state, BOT_EMAIL, room, markdown="Archives", parentId=command["id"])
    assert answer_in_space(ctx, message_event(command)) == FOUND


def test_a_command_typed_inside_a_thread_is_answered_in_that_thread(world):
    ctx, state, room = world
    root = state.post_as(ADMIN_EMAIL, room, "summary 1")
    say(state, BOT_EMAIL, room, markdown="the summary", parentId=root["id"])
    follow_up = say(state, ADMIN_EMAIL, room, text="polls 1", parentId=root["id"])
    assert answer_in_space(ctx, message_event(follow_up)) == ABSENT  # the bot's reply predates the follow-up
    say(state, BOT_EMAIL, room, markdown="the polls", parentId=root["id"])
    assert answer_in_space(ctx, message_event(follow_up)) == FOUND


def test_what_cannot_be_read_back_is_unknowable(world):
    ctx, state, room = world
    group = state.add_room("Team", [ADMIN_EMAIL, BOT_EMAIL])["id"]
    in_group = state.post_as(ADMIN_EMAIL, group, "@Recap archives")
    assert answer_in_space(ctx, message_event(in_group)) == UNKNOWABLE  # a bot lists only its mentions there
    gone = {"resource": "messages", "event": "created", "data": {"id": "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvZ29uZQ"}}
    assert answer_in_space(ctx, gone) == UNKNOWABLE  # 404: deleted before anyone looked
    assert answer_in_space(ctx, {"resource": "meetings", "event": "ended", "data": {"id": "x"}}) == UNKNOWABLE
    assert answer_in_space(ctx, {"resource": "messages", "event": "created", "data": {}}) == UNKNOWABLE
