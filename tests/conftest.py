"""Shared fixtures: the Webex emulator on a free loopback port, settings aimed at it, the OpenAPI contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_schema_validator import OAS30Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from bot.config import Secret, Settings
from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN, SANDBOX_COMPLIANCE_TOKEN, create_emulator
from bot.sandbox.server import serve_in_thread

WEBHOOK_SECRET = "sandbox-webhook-secret"
SPEC_DIR = Path(__file__).parent / "schemas" / "webex-openapi"
# The messaging spec's Attachment schema describes a stored file (fileId, type, contentUrl), while
# every example in that spec, and Webex itself, carries cards as {contentType, content}; messages
# are checked against the card shape (test_emulator_contract proves the contradiction is still there).
CARD_ATTACHMENT = {"type": "object", "required": ["contentType", "content"],
                   "properties": {"contentType": {"type": "string"}, "content": {"type": "object"}}}


class WebexContract:
    """Validates JSON bodies against the copied Webex OpenAPI subsets (``meeting``, ``meeting-insights``, …)."""

    def __init__(self, *, literal: bool = False):
        self.specs = {name: json.loads((SPEC_DIR / f"webex-{name}-subset.json").read_text(encoding="utf-8"))
                      for name in ("meeting", "messaging", "admin", "meeting-insights")}
        if not literal:
            self.specs["messaging"]["components"]["schemas"]["Attachment"] = CARD_ATTACHMENT
        self.registry = Registry().with_resources(
            (f"urn:{name}", DRAFT4.create_resource(spec)) for name, spec in self.specs.items())

    def validate(self, spec: str, pointer: str, body) -> None:
        """Validate ``body`` against the schema at JSON pointer ``pointer`` of ``spec`` (raises on failure)."""
        OAS30Validator({"$ref": f"urn:{spec}#{pointer}"}, registry=self.registry).validate(body)

    def response_pointer(self, spec: str, path: str, method: str, status: int) -> str | None:
        """The pointer to the declared body schema of a response, or None when the spec declares no body."""
        response = self.specs[spec]["paths"][path][method.lower()]["responses"][str(status)]
        media = next(iter(response.get("content") or {}), None)
        if media is None:
            return None
        escape = lambda s: s.replace("~", "~0").replace("/", "~1")  # noqa: E731
        return f"/paths/{escape(path)}/{method.lower()}/responses/{status}/content/{escape(media)}/schema"


@pytest.fixture(scope="session")
def webex_contract() -> WebexContract:
    """The Webex OpenAPI contract (loaded once)."""
    return WebexContract()


@pytest.fixture
def emulator():
    """A freshly seeded emulator served in a thread: yields ``(server, state)``."""
    app = create_emulator()
    with serve_in_thread(app) as server:
        yield server, app.extensions["webex_emulator"]


@pytest.fixture
def emulator_settings(emulator) -> Settings:
    """Settings with the sandbox bot, admin and compliance tokens, aimed at the ``emulator`` fixture."""
    server, _ = emulator
    return Settings(bot_token=Secret(SANDBOX_BOT_TOKEN), admin_token=Secret(SANDBOX_ADMIN_TOKEN),
                    compliance_token=Secret(SANDBOX_COMPLIANCE_TOKEN), webhook_secret=Secret(WEBHOOK_SECRET),
                    api_url=server.api_url, http_timeout=10.0)
