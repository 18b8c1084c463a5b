"""``WebexClient.stream``: the errors and the 401 refresh of ``request``, the body read as it arrives, then closed."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.errors import WebexAuthError, WebexError, WebexNotFound, WebexRetryLater
from bot.meetings import ArchiveCollector, parse_archive, stream_archive
from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN
from bot.webex import WebexClient

DOC_ARCHIVE = "4E3254897D3A2E24E05386CA24AD93A6_R_1000637312"
DOC_PATH = f"recordingReport/meetingArchives/{DOC_ARCHIVE}"


def test_stream_refreshes_a_rejected_token_once(emulator):
    server, state = emulator
    refreshed = []

    def refresh(old: str) -> str:
        refreshed.append(old)
        return SANDBOX_ADMIN_TOKEN

    client = WebexClient(server.api_url, "expired-token", role="admin", on_unauthorized=refresh)
    state.clear_log()
    collector = ArchiveCollector()
    stream_archive(client, DOC_ARCHIVE, collector, timezone="Asia/Shanghai")
    assert collector.archive() == parse_archive(state.archives[DOC_ARCHIVE])
    assert refreshed == ["expired-token"]
    assert [r.status for r in state.calls("GET", "/v1/recordingReport/meetingArchives/")] == [401, 200]


@pytest.mark.parametrize("token,path,fault,error", [
    (SANDBOX_ADMIN_TOKEN, "recordingReport/meetingArchives/0000000000000000_R_1", None, WebexNotFound),
    (SANDBOX_BOT_TOKEN, DOC_PATH, None, WebexAuthError),
    (SANDBOX_ADMIN_TOKEN, DOC_PATH, 429, WebexRetryLater),
    (SANDBOX_ADMIN_TOKEN, DOC_PATH, 503, WebexRetryLater),
])
def test_stream_raises_what_request_raises(emulator, token, path, fault, error):
    server, state = emulator
    if fault:
        state.inject_fault(fault, retry_after=2.0 if fault == 429 else None)
    client = WebexClient(server.api_url, token, role="admin")
    with pytest.raises(error) as raised:
        with client.stream("GET", path):
            pass
    if fault == 429:
        assert raised.value.retry_after == 2.0


def test_the_response_is_closed_when_the_block_ends(emulator):
    server, _ = emulator
    client = WebexClient(server.api_url, SANDBOX_ADMIN_TOKEN, role="admin")
    with client.stream("GET", DOC_PATH) as body:
        assert body.read(10) == b'{"archiveI'
        raw = body._raw
    assert raw.closed
    for _ in range(20):  # partly read streams do not hold the pool's connections
        with client.stream("GET", DOC_PATH) as body:
            body.read(1)
    with client.stream("GET", DOC_PATH) as body:
        assert json.loads(body.read())["archiveId"] == DOC_ARCHIVE


class Canned(BaseHTTPRequestHandler):
    """Answers every GET with ``server.answer``: (status, headers, body, bytes to send before hanging up)."""

    def do_GET(self) -> None:
        status, headers, body, send = self.server.answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:send])
        self.wfile.flush()
        if send < len(body):
            self.close_connection = True

    def log_message(self, *args) -> None:
        pass


@contextmanager
def canned(status: int, body: bytes, *, headers: dict | None = None, send: int | None = None) -> Iterator[str]:
    """A loopback server answering ``body``; yields its API base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    httpd.answer = (status, headers or {"Content-Type": "application/json"}, body,
                    len(body) if send is None else send)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/v1/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.mark.parametrize("body", [b"<html>Service Unavailable</html>", b'{"archiveId": "A_R_1", "participants": [',
                                  b"[1, 2]", b" "])
def test_a_body_that_is_not_one_json_object_is_a_webex_error(body):
    with canned(200, body) as url:
        with pytest.raises(WebexError):
            stream_archive(WebexClient(url, "t", role="admin"), DOC_ARCHIVE, ArchiveCollector())


def test_an_empty_body_is_an_empty_archive():
    with canned(200, b"") as url:
        collector = ArchiveCollector()
        stream_archive(WebexClient(url, "t", role="admin"), DOC_ARCHIVE, collector)
    assert collector.archive() == parse_archive({})


def test_a_body_that_breaks_off_is_retry_later():
    body = json.dumps({"archiveId": "A_R_1", "participants": [{"displayName": f"P{i}"} for i in range(5000)]})
    with canned(200, body.encode(), send=50_000) as url:
        with pytest.raises(WebexRetryLater, match="broke off"):
            stream_archive(WebexClient(url, "t", role="admin", timeout=5), DOC_ARCHIVE, ArchiveCollector())


def test_a_compressed_body_is_read_decompressed():
    document = {"archiveId": "A_R_1", "title": "Zoë 🦄", "chats": [{"text": "hi"}] * 1000}
    packed = gzip.compress(json.dumps(document).encode())
    with canned(200, packed, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}) as url:
        collector = ArchiveCollector()
        stream_archive(WebexClient(url, "t", role="admin"), "A_R_1", collector)
    assert collector.archive() == parse_archive(document)
