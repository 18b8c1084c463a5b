"""The emulator's state: its in-memory Webex (``world``) plus people acting in it, which fires webhooks.

The actions live in ``events`` and ``meetings_end``, which act on the plain ``EmulatorWorld``; this
module sits above them all, so the methods here are thin calls and nothing imports back up.
"""

from __future__ import annotations

from bot.sandbox.emulator.events import post_as, submit_card
from bot.sandbox.emulator.meetings_end import end_meeting
from bot.sandbox.emulator.world import EmulatorWorld


class EmulatorState(EmulatorWorld):
    """Everything the emulator knows, and the Python switches of people acting in it (one per app)."""

    def post_as(self, person_email: str, room_id: str, text: str, *, html: str | None = None) -> dict:
        """A person posts ``text`` in a room; ``messages/created`` goes to matching webhooks."""
        return post_as(self, person_email, room_id, text, html=html)

    def submit_card(self, person_email: str, message_id: str, inputs: dict, *, data: dict | None = None,
                    action_title: str | None = None) -> dict:
        """A person submits the card of ``message_id``; ``attachmentActions/created`` goes to webhooks."""
        return submit_card(self, person_email, message_id, inputs, data=data, action_title=action_title)

    def end_meeting(self, host_email: str, **options) -> dict:
        """End a generated meeting now (archive and chats maybe late); ``meetings/ended`` goes to org webhooks."""
        return end_meeting(self, host_email=host_email, **options)
