"""Post-meeting chats counted as they are listed, resumable: a listing cut short by a 429 says where to go on.

A job keeps what ``ChatTally.dump`` gives it (the offset reached and the tally so far) in its payload and
passes it back on its next attempt, so no page of a long listing is fetched twice however often the rate
limit bites (DESIGN §3a).
"""

from __future__ import annotations

from bot import meetings
from bot.digest.chats import ChatTally, chat_line
from bot.webex import ListingInterrupted, WebexClient


def tally_meeting_chats(client: WebexClient, meeting_id: str, progress: dict | None = None) -> ChatTally:
    """Every post-meeting chat of ``meeting_id`` counted, going on from ``progress`` (an earlier attempt's).

    A ``ListingInterrupted`` leaves with a ``progress`` attribute: the offset reached and the tally so far,
    JSON-able, for the job's next attempt.
    """
    progress = progress if isinstance(progress, dict) and "offset" in progress else {"offset": 0}
    counted = ChatTally.load(progress["tally"]) if progress.get("tally") else ChatTally()
    try:
        for chat in meetings.list_meeting_chats(client, meeting_id, offset=int(progress["offset"])):
            counted.add(chat_line(chat))
    except ListingInterrupted as exc:
        exc.progress = {"offset": exc.offset, "tally": counted.dump()}
        raise
    return counted
