"""The bot's side of Webex: messages, card actions, people, rooms, threads, and the bot's own webhooks.

Every bot-side REST path lives here, on one webexpythonsdk ``WebexAPI`` per process, configured never
to sleep on a rate limit (``wait_on_rate_limit=False``). Its errors are translated at one choke point
(``_calling``), so callers see only ``bot.errors``. An id that came from a webhook or a person is
quoted as one path segment (``segment``): it can never climb to another endpoint.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from webexpythonsdk import WebexAPI

from bot import metrics
from bot.config import Settings
from bot.errors import WebexRetryLater
from bot.webex.client import segment
from bot.webex.translate import sdk_errors

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


class Messaging:
    """The bot credential's one client: read what a webhook points at, post answers, read a thread back."""

    role = "bot"

    def __init__(self, api: WebexAPI):
        self.api = api
        # Every answer the SDK receives is counted (``recap_webex_requests_total``). The SDK has no public hook:
        # its RestSession sends each request, pages included, through this one requests.Session.
        api._session._req_session.hooks["response"].append(self._count)

    @classmethod
    def for_settings(cls, settings: Settings) -> Messaging:
        """The client for ``WEBEX_BOT_TOKEN`` at ``WEBEX_API_URL``."""
        return cls(WebexAPI(access_token=str(settings.bot_token), base_url=settings.api_url,
                            single_request_timeout=int(settings.http_timeout), wait_on_rate_limit=False))

    def __repr__(self) -> str:
        return f"Messaging(base_url={self.api.base_url!r})"

    def _count(self, response: requests.Response, *args, **kwargs) -> None:
        metrics.webex_request(self.role, response.status_code)

    @contextmanager
    def _calling(self) -> Iterator[None]:
        try:
            with sdk_errors(self.role):
                yield
        except WebexRetryLater as exc:
            if exc.status is None:  # no answer at all (a timeout, a refused connection): not seen by _count
                metrics.webex_request(self.role, "error")
            raise

    def me(self) -> dict:
        """The bot's own person record (``GET people/me``)."""
        with self._calling():
            return self.api.people.me().to_dict()

    def message(self, message_id: str) -> dict:
        """One message (``GET messages/{id}``)."""
        with self._calling():
            return self.api.messages.get(segment(message_id)).to_dict()

    def card_action(self, action_id: str) -> dict:
        """One card submission (``GET attachment/actions/{id}``)."""
        with self._calling():
            return self.api.attachment_actions.get(segment(action_id)).to_dict()

    def person(self, person_id: str) -> dict:
        """One person (``GET people/{id}``)."""
        with self._calling():
            return self.api.people.get(segment(person_id)).to_dict()

    def room(self, room_id: str) -> dict:
        """One space (``GET rooms/{id}``): its ``type`` says ``direct`` or ``group``."""
        with self._calling():
            return self.api.rooms.get(segment(room_id)).to_dict()

    def post(self, room_id: str, *, markdown: str, card: dict | None = None, parent_id: str | None = None) -> dict:
        """Post markdown (and a card, shown instead where the client can) into a space or a thread."""
        attachments = [{"contentType": CARD_CONTENT_TYPE, "content": card}] if card is not None else None
        with self._calling():
            return self.api.messages.create(roomId=room_id, parentId=parent_id or None, markdown=markdown,
                                            attachments=attachments).to_dict()

    def post_file(self, room_id: str, path: Path, *, markdown: str, parent_id: str | None = None) -> dict:
        """Upload one file (multipart) with a markdown line into a space or a thread."""
        with self._calling():
            return self.api.messages.create(roomId=room_id, parentId=parent_id or None, markdown=markdown,
                                            files=[str(path)]).to_dict()

    def thread(self, room_id: str, parent_id: str, *, page_size: int = 50) -> Iterator[dict]:
        """The replies of a thread, newest first (a bot reads only threads it can see)."""
        return self._items(self.api.messages.list(roomId=room_id, parentId=parent_id, max=page_size))

    def recent(self, room_id: str, *, page_size: int = 50) -> Iterator[dict]:
        """The messages of a space, newest first (in a group space a bot sees only those that mention it)."""
        return self._items(self.api.messages.list(roomId=room_id, max=page_size))

    def webhooks(self, query: dict | None = None) -> Iterator[dict]:
        """The bot's own webhooks."""
        return self._items(self.api.webhooks.list(**(query or {})))

    def create_webhook(self, body: dict) -> dict:
        """Create a webhook from its JSON body (name, targetUrl, resource, event, secret)."""
        fields = {key: value for key, value in body.items() if key not in ("name", "targetUrl", "resource", "event")}
        with self._calling():
            return self.api.webhooks.create(body["name"], body["targetUrl"], body["resource"], body["event"],
                                            **fields).to_dict()

    def update_webhook(self, webhook_id: str, body: dict) -> dict:
        """Change a webhook's name, targetUrl, secret or status."""
        fields = {key: value for key, value in body.items() if key not in ("name", "targetUrl")}
        with self._calling():
            return self.api.webhooks.update(segment(webhook_id), body.get("name"), body.get("targetUrl"),
                                            **fields).to_dict()

    def delete_webhook(self, webhook_id: str) -> None:
        """Delete one of the bot's webhooks."""
        with self._calling():
            self.api.webhooks.delete(segment(webhook_id))

    def _items(self, listing: Iterable) -> Iterator[dict]:
        """The items of a paged listing as dicts; a page that fails to load raises the translated error."""
        pages = iter(listing)
        while True:
            with self._calling():
                item = next(pages, None)
            if item is None:
                return
            yield item.to_dict()


def same_person(a: str, b: str) -> bool:
    """Whether two Webex person ids name the same person (base64 ``ciscospark://…/PEOPLE/uuid`` or bare uuid)."""
    return isinstance(a, str) and isinstance(b, str) and bool(a and b) and (a == b or _uuid_of(a) == _uuid_of(b))


def _uuid_of(person_id: str) -> str:
    try:
        padded = person_id.replace("+", "-").replace("/", "_") + "=" * (-len(person_id) % 4)
        decoded = base64.urlsafe_b64decode(padded).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return person_id.lower()
    return decoded.rsplit("/", 1)[-1].lower() if decoded.startswith("ciscospark://") else person_id.lower()
