"""Contract: every emulated endpoint, in success and in error, answers what the Webex OpenAPI subsets declare."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from jsonschema.exceptions import ValidationError

from bot.sandbox.emulator import (
    ADMIN_EMAIL,
    BOT_EMAIL,
    GROUP_ROOM_TITLE,
    SANDBOX_ADMIN_CLIENT_ID,
    SANDBOX_ADMIN_CLIENT_SECRET,
    SANDBOX_ADMIN_TOKEN,
    SANDBOX_BOT_TOKEN,
    SANDBOX_COMPLIANCE_TOKEN,
    SANDBOX_SERVICE_APP_ID,
    SANDBOX_USER_TOKEN,
)

DOC_ARCHIVE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
FIXTURE = Path(__file__).parents[1] / "bot" / "sandbox" / "fixtures" / "archives" / f"{DOC_ARCHIVE}.json"
SPECS_OF = {"/webhooks": ("meeting", "messaging"), "/webhooks/{webhookId}": ("meeting", "messaging")}
NOT_IN_SPECS = {"/contents/{}", "/access_token"}  # emulated for the bot, but not in the published specs
CARD = {"contentType": "application/vnd.microsoft.card.adaptive",
        "content": {"type": "AdaptiveCard", "version": "1.3", "body": [{"type": "TextBlock", "text": "hi"}],
                    "actions": [{"type": "Action.Submit", "title": "Polls", "data": {"view": "polls"}}]}}


class Walker:
    """Sends requests to the emulator, checks each answer against the spec, and records what was covered."""

    def __init__(self, server, contract):
        self.server, self.contract, self.covered = server, contract, set()

    def __call__(self, method, template, token, expected, *ids, **kw):
        path = template
        for value in ids:
            path = re.sub(r"\{[^}]+\}", value, path, count=1)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kw.pop("headers", {}))
        answer = requests.request(method, self.server.api_url + path.lstrip("/"), headers=headers, timeout=10, **kw)
        assert answer.status_code == expected, f"{method} {path}: {answer.status_code} {answer.text[:300]}"
        for spec in SPECS_OF.get(template, (self._spec(template),)):
            self._check(spec, template, method, answer)
        self.covered.add((re.sub(r"\{[^}]+\}", "{}", template), method, "ok" if expected < 400 else "error"))
        return answer

    def _spec(self, template):
        return next(name for name, spec in self.contract.specs.items() if template in spec["paths"])

    def _check(self, spec, template, method, answer):
        declared = self.contract.specs[spec]["paths"][template][method.lower()]["responses"]
        assert str(answer.status_code) in declared, f"{method} {template}: {answer.status_code} is not declared"
        pointer = self.contract.response_pointer(spec, template, method, answer.status_code)
        if answer.status_code >= 400:
            body = answer.json()
            self.contract.validate("admin", "/components/schemas/Error", body)
            assert body["message"] and body["errors"][0]["description"]
            assert body["trackingId"] == answer.headers["trackingId"]
        elif pointer:
            self.contract.validate(spec, pointer, answer.json())
        else:
            assert answer.status_code == 204 and not answer.content


@pytest.fixture
def walk(emulator, webex_contract):
    server, _ = emulator
    return Walker(server, webex_contract)


def test_documented_example_archive_validates_and_is_shipped_verbatim(webex_contract):
    pointer = webex_contract.response_pointer("meeting", "/recordingReport/meetingArchives/{archiveId}", "get", 200)
    media = webex_contract.specs["meeting"]["paths"]["/recordingReport/meetingArchives/{archiveId}"]["get"]
    example = media["responses"]["200"]["content"]["application/json;charset=UTF-8"]["example"]
    webex_contract.validate("meeting", pointer, example)
    assert json.loads(FIXTURE.read_text(encoding="utf-8")) == example


def test_the_spec_attachment_schema_contradicts_its_own_card_examples(webex_contract):
    # Why conftest swaps the Attachment schema: the literal spec rejects its own POST /messages example.
    literal = type(webex_contract)(literal=True)
    pointer = literal.response_pointer("messaging", "/messages", "post", 200)
    example = literal.specs["messaging"]["paths"]["/messages"]["post"]["responses"]["200"]["content"][
        "application/json"]["example"]
    with pytest.raises(ValidationError):
        literal.validate("messaging", pointer, example)
    webex_contract.validate("messaging", pointer, example)


def test_meeting_endpoints_answer_within_the_spec(emulator, walk):
    _, state = emulator
    admin, meeting_id = SANDBOX_ADMIN_TOKEN, state.meeting_for_archive(DOC_ARCHIVE)["id"]
    summaries = "/recordingReport/meetingArchiveSummaries"
    assert "rel=\"next\"" in walk("GET", summaries, admin, 200, params={"max": 2},
                                  headers={"timezone": "Europe/Paris"}).headers["Link"]
    walk("GET", summaries, admin, 400, params={"from": "2026-01-01T00:00:00Z", "to": "2026-02-15T00:00:00Z"})
    walk("GET", summaries, admin, 400, params={"max": 101})
    walk("GET", summaries, SANDBOX_BOT_TOKEN, 403)
    walk("GET", summaries, None, 401)
    detail = "/recordingReport/meetingArchives/{archiveId}"
    walk("GET", detail, admin, 200, DOC_ARCHIVE)
    walk("GET", detail, admin, 200, DOC_ARCHIVE, headers={"timezone": "Asia/Shanghai"})
    walk("GET", detail, admin, 400, DOC_ARCHIVE, headers={"timezone": "Mars/Olympus"})
    walk("GET", detail, admin, 404, "ABCDEF0123456789ABCDEF0123456789_R_1")
    walk("GET", detail, SANDBOX_USER_TOKEN, 403, DOC_ARCHIVE)
    chats, compliance = "/meetings/postMeetingChats", SANDBOX_COMPLIANCE_TOKEN
    walk("GET", chats, compliance, 200, params={"meetingId": meeting_id, "max": 1, "offset": 0})
    walk("GET", chats, compliance, 400, params={"meetingId": meeting_id.split("_")[0]})
    walk("GET", chats, compliance, 404, params={"meetingId": "0123456789abcdef0123456789abcdef_I_1"})
    walk("GET", chats, admin, 403, params={"meetingId": meeting_id})
    walk("DELETE", chats, compliance, 405, params={"meetingId": meeting_id})
    walk("GET", "/meetings", admin, 200, params={"meetingType": "meeting", "state": "ended", "max": 2})
    walk("GET", "/meetings", admin, 400, params={"max": 0})
    walk("GET", "/meetings", SANDBOX_USER_TOKEN, 403)
    walk("GET", "/meetings/{meetingId}", admin, 200, meeting_id, headers={"timezone": "America/New_York"})
    walk("GET", "/meetings/{meetingId}", admin, 404, "0123456789abcdef0123456789abcdef_I_1")
    walk("GET", "/meetings/{meetingId}", SANDBOX_BOT_TOKEN, 403, meeting_id)


def test_messaging_endpoints_answer_within_the_spec(emulator, walk, tmp_path):
    _, state = emulator
    bot = SANDBOX_BOT_TOKEN
    direct = state.direct_room(ADMIN_EMAIL, BOT_EMAIL)["id"]
    group = next(r["id"] for r in state.rooms.values() if r["title"] == GROUP_ROOM_TITLE)
    walk("GET", "/people/me", bot, 200)
    walk("GET", "/people/me", "wrong-token", 401)
    walk("GET", "/people/{personId}", bot, 200, state.person_by_email(ADMIN_EMAIL)["id"])
    walk("GET", "/people/{personId}", bot, 404, "nobody")
    walk("GET", "/rooms/{roomId}", bot, 200, direct)
    walk("GET", "/rooms/{roomId}", SANDBOX_COMPLIANCE_TOKEN, 404, group)
    walk("POST", "/messages", bot, 200, json={"roomId": direct, "markdown": "**hello**"})
    card = walk("POST", "/messages", bot, 200, json={"roomId": direct, "text": "card", "attachments": [CARD]}).json()
    walk("POST", "/messages", bot, 200, json={"toPersonEmail": ADMIN_EMAIL, "text": "1:1"})
    upload = tmp_path / "export.csv"
    upload.write_text("a,b\n1,2\n")
    with upload.open("rb") as handle:
        walk("POST", "/messages", bot, 200, data={"roomId": direct, "text": "file"},
             files={"files": ("export.csv", handle, "text/csv")})
    walk("POST", "/messages", bot, 400, json={"roomId": direct, "text": "x" * 7440})
    walk("POST", "/messages", bot, 400, json={"roomId": direct, "text": "two", "attachments": [CARD, CARD]})
    walk("POST", "/messages", bot, 404, json={"roomId": "no-such-room", "text": "x"})
    assert 'rel="next"' in walk("GET", "/messages", bot, 200, params={"roomId": direct, "max": 1}).headers["Link"]
    walk("GET", "/messages", bot, 400)
    walk("GET", "/messages", bot, 403, params={"roomId": group})
    walk("GET", "/messages/{messageId}", bot, 200, card["id"])
    walk("GET", "/messages/{messageId}", bot, 404, "no-such-message")
    action = state.submit_card(ADMIN_EMAIL, card["id"], {"comment": "ok"}, action_title="Polls")
    walk("GET", "/attachment/actions/{id}", bot, 200, action["id"])
    walk("GET", "/attachment/actions/{id}", SANDBOX_USER_TOKEN, 404, action["id"])


def test_webhook_and_token_endpoints_answer_within_the_spec(emulator, walk):
    _, state = emulator
    bot, admin = SANDBOX_BOT_TOKEN, SANDBOX_ADMIN_TOKEN
    body = {"name": "bot", "targetUrl": "https://bot.example.com/w", "resource": "messages", "event": "created",
            "secret": "s3cret"}
    hook = walk("POST", "/webhooks", bot, 200, json=body).json()
    walk("POST", "/webhooks", bot, 400, json={"name": "no target"})
    walk("POST", "/webhooks", bot, 403, json={**body, "ownedBy": "org"})
    walk("POST", "/webhooks", admin, 200, json={**body, "resource": "meetings", "event": "ended", "ownedBy": "org"})
    walk("GET", "/webhooks", bot, 200)
    walk("GET", "/webhooks", admin, 200, params={"ownedBy": "org"})
    walk("GET", "/webhooks", bot, 403, params={"ownedBy": "org"})
    walk("GET", "/webhooks/{webhookId}", bot, 200, hook["id"])
    walk("GET", "/webhooks/{webhookId}", SANDBOX_USER_TOKEN, 404, hook["id"])
    walk("PUT", "/webhooks/{webhookId}", bot, 200, hook["id"], json={"name": "renamed", "targetUrl": body["targetUrl"]})
    walk("PUT", "/webhooks/{webhookId}", bot, 400, hook["id"], json={**body, "status": "inactive"})
    walk("DELETE", "/webhooks/{webhookId}", bot, 204, hook["id"])
    walk("DELETE", "/webhooks/{webhookId}", bot, 404, hook["id"])
    app_token = "/applications/{applicationId}/token"
    creds = {"clientId": SANDBOX_ADMIN_CLIENT_ID, "clientSecret": SANDBOX_ADMIN_CLIENT_SECRET,
             "targetOrgId": state.org_id}
    walk("POST", app_token, admin, 200, SANDBOX_SERVICE_APP_ID, json=creds)
    walk("POST", app_token, admin, 401, SANDBOX_SERVICE_APP_ID, json={**creds, "clientSecret": "wrong"})
    walk("POST", app_token, admin, 400, SANDBOX_SERVICE_APP_ID, json={"clientId": "x"})
    walk("POST", app_token, bot, 403, SANDBOX_SERVICE_APP_ID, json=creds)
    walk("GET", "/authorizations/tokenExpiry", bot, 200)
    walk("GET", "/authorizations/tokenExpiry", None, 401)


def test_insight_endpoints_answer_within_the_spec(emulator, walk):
    _, state = emulator
    admin, compliance = SANDBOX_ADMIN_TOKEN, SANDBOX_COMPLIANCE_TOKEN
    meeting = state.meeting_for_archive(DOC_ARCHIVE)
    meeting_id, host, unknown = meeting["id"], meeting["hostEmail"], "0123456789abcdef0123456789abcdef_I_1"
    for summaries in ("/meetingSummaries", "/admin/meetingSummaries"):
        walk("GET", summaries, compliance, 200, params={"meetingId": meeting_id})
        walk("GET", summaries, admin, 403, params={"meetingId": meeting_id})
        walk("GET", summaries, compliance, 400, params={"meetingId": meeting_id.split("_")[0]})
        walk("GET", summaries, compliance, 404, params={"meetingId": unknown})
    transcripts = walk("GET", "/meetingTranscripts", compliance, 200, params={"meetingId": meeting_id}).json()
    walk("GET", "/meetingTranscripts", admin, 200, params={"meetingId": meeting_id, "hostEmail": host})
    walk("GET", "/meetingTranscripts", admin, 400, params={"hostEmail": host})
    walk("GET", "/meetingTranscripts", SANDBOX_BOT_TOKEN, 403)
    walk("GET", "/admin/meetingTranscripts", compliance, 200,
         params={"siteUrl": "example.webex.com", "from": "2022-11-01T00:00:00Z", "to": "2022-11-07T00:00:00Z"})
    walk("GET", "/admin/meetingTranscripts", compliance, 400)
    walk("GET", "/admin/meetingTranscripts", admin, 403, params={"siteUrl": "example.webex.com"})
    snippets, transcript_id = "/meetingTranscripts/{transcriptId}/snippets", transcripts["items"][0]["id"]
    assert 'rel="next"' in walk("GET", snippets, compliance, 200, transcript_id, params={"max": "2"}).headers["Link"]
    walk("GET", snippets, admin, 403, transcript_id)
    walk("GET", snippets, compliance, 404, "no-such-transcript")
    walk("GET", "/recordings", admin, 200, params={"meetingId": meeting_id, "hostEmail": host},
         headers={"timezone": "Asia/Shanghai"})
    walk("GET", "/recordings", compliance, 200, params={"hostEmail": host})
    walk("GET", "/recordings", SANDBOX_BOT_TOKEN, 403, params={"meetingId": meeting_id})
    walk("GET", "/admin/recordings", admin, 200, params={"meetingId": meeting_id})
    listed = walk("GET", "/admin/recordings", compliance, 200,
                  params={"from": "2022-10-20T00:00:00Z", "to": "2022-11-10T00:00:00Z"}).json()["items"]
    assert [r["meetingId"] for r in listed] == [meeting_id]
    walk("GET", "/admin/recordings", admin, 400, params={"from": "2022-01-01T00:00:00Z", "to": "2022-11-10T00:00:00Z"})
    walk("GET", "/admin/recordings", SANDBOX_USER_TOKEN, 403)
    invitees = "/meetingInvitees"
    assert 'rel="next"' in walk("GET", invitees, admin, 200,
                                params={"meetingId": meeting_id, "hostEmail": host, "max": 2}).headers["Link"]
    walk("GET", invitees, admin, 404, params={"meetingId": meeting_id})
    walk("GET", invitees, admin, 400, params={"hostEmail": host})
    walk("GET", invitees, compliance, 403, params={"meetingId": meeting_id})
    walk("POST", invitees, admin, 405, json={"meetingId": meeting_id})


@pytest.mark.parametrize("mode, status", [("forbidden", 403), ("missing", 404), ("empty", 200), ("late", 200)])
def test_switched_insight_sources_answer_within_the_spec(emulator, walk, mode, status):
    _, state = emulator
    meeting = state.meeting_for_archive(DOC_ARCHIVE)
    state.insights.set_switch("all", mode, late_seconds=10**9)
    query = {"meetingId": meeting["id"], "hostEmail": meeting["hostEmail"]}
    for path, token in (("/admin/meetingSummaries", SANDBOX_COMPLIANCE_TOKEN),
                        ("/admin/recordings", SANDBOX_ADMIN_TOKEN), ("/meetingTranscripts", SANDBOX_COMPLIANCE_TOKEN),
                        ("/meetingInvitees", SANDBOX_ADMIN_TOKEN)):
        params = query if path == "/meetingInvitees" else {"meetingId": meeting["id"]}
        answer = walk("GET", path, token, status, params=params)
        assert status != 200 or answer.json() == {"items": []}


@pytest.mark.parametrize("status", [429, 423, 500, 502, 503])
def test_injected_faults_answer_within_the_spec(emulator, walk, status):
    _, state = emulator
    state.inject_fault(status, path_prefix="people/me", retry_after=3 if status in (429, 423, 503) else None)
    answer = walk("GET", "/people/me", SANDBOX_BOT_TOKEN, status)
    assert answer.headers.get("Retry-After") == ("3" if status in (429, 423, 503) else None)


def test_the_walks_above_cover_every_emulated_endpoint(emulator, walk, tmp_path):
    """Run the four walks once more on one walker, then compare with the emulator's routes."""
    test_meeting_endpoints_answer_within_the_spec(emulator, walk)
    test_messaging_endpoints_answer_within_the_spec(emulator, walk, tmp_path)
    test_webhook_and_token_endpoints_answer_within_the_spec(emulator, walk)
    test_insight_endpoints_answer_within_the_spec(emulator, walk)
    server, state = emulator
    routes = set()
    for rule in server.app.url_map.iter_rules():
        template = re.sub(r"<[^>]+>", "{}", rule.rule.removeprefix("/v1"))
        if rule.rule.startswith("/v1/") and template not in NOT_IN_SPECS:
            routes |= {(template, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    for template, method in routes:
        assert (template, method, "ok") in walk.covered, f"no success walked for {method} {template}"
        assert (template, method, "error") in walk.covered, f"no error walked for {method} {template}"
