"""The emulator's rate limit: a token bucket per access token, 429 with a whole-second ``Retry-After`` beyond it."""

from __future__ import annotations

import pytest
import requests

from bot.config import Secret
from bot.errors import WebexRetryLater
from bot.sandbox.emulator import SANDBOX_ADMIN_TOKEN, SANDBOX_BOT_TOKEN, RateLimit
from bot.webex import WebexClient


def test_a_bucket_lets_its_burst_through_then_refills_at_the_rate():
    limit = RateLimit(60, burst=2)  # one a second
    assert [limit.retry_after("a", now=10.0) for _ in range(3)] == [None, None, 1]
    assert limit.retry_after("b", now=10.0) is None  # every token has a bucket of its own
    assert limit.retry_after("a", now=10.5) == 1  # half a token: wait the rest, rounded up to a second
    assert limit.retry_after("a", now=11.0) is None
    assert limit.retry_after("a", now=11.0) == 1
    assert limit.refused == 3


def test_over_a_minute_nobody_beats_the_limit():
    limit = RateLimit(300)  # 5 a second, a burst of 5
    allowed = sum(limit.retry_after("t", now=n / 100) is None for n in range(6000))  # asking 100 times a second
    assert 300 <= allowed <= 305  # the rate over 60 s, plus the first burst


def test_the_default_burst_is_one_second_and_a_limit_must_be_positive():
    assert RateLimit(300).burst == 5 and RateLimit(30).burst == 1
    with pytest.raises(ValueError):
        RateLimit(0)


def get(server, token: str) -> requests.Response:
    return requests.get(server.api_url + "people/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_over_http_each_token_is_limited_and_told_how_long_to_wait(emulator):
    server, state = emulator
    answer = requests.put(server.url + "/_emulator/rate-limit", json={"perMinute": 60, "burst": 2}, timeout=10)
    assert answer.status_code == 204
    assert [get(server, SANDBOX_BOT_TOKEN).status_code for _ in range(2)] == [200, 200]
    refused = get(server, SANDBOX_BOT_TOKEN)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.json()["message"].startswith("Too Many Requests") and refused.json()["trackingId"]
    assert get(server, SANDBOX_ADMIN_TOKEN).status_code == 200
    overview = requests.get(server.url + "/_emulator/state", timeout=10).json()
    assert overview["rateLimit"] == {"perMinute": 60, "burst": 2, "refused": 1}
    requests.put(server.url + "/_emulator/rate-limit", json={"perMinute": 0}, timeout=10)
    assert state.rate_limit is None and get(server, SANDBOX_BOT_TOKEN).status_code == 200


def test_the_client_raises_at_once_with_the_wait_and_never_sleeps_or_repeats(emulator):
    server, state = emulator
    client = WebexClient(server.api_url, Secret(SANDBOX_BOT_TOKEN), role="bot", timeout=10)
    state.rate_limit = RateLimit(60, burst=1)  # one a second: Retry-After 1
    client.get_json("people/me")
    with pytest.raises(WebexRetryLater) as refused:
        client.get_json("people/me")
    assert (refused.value.status, refused.value.retry_after) == (429, 1)
    assert [c.status for c in state.calls("GET", "people/me")] == [200, 429]  # the caller decides, not the client


@pytest.mark.parametrize("body", [{"perMinute": -1}, {"perMinute": "300"}, {"perMinute": True}, []])
def test_a_bad_limit_is_refused(emulator, body):
    server, state = emulator
    assert requests.put(server.url + "/_emulator/rate-limit", json=body, timeout=10).status_code == 400
    assert state.rate_limit is None



def test_a_refused_post_is_never_repeated_by_the_client(emulator):
    server, state = emulator
    client = WebexClient(server.api_url, Secret(SANDBOX_BOT_TOKEN), role="bot", timeout=10)
    room = next(iter(state.rooms))
    state.rate_limit = RateLimit(60, burst=1)
    client.post_json("messages", {"roomId": room, "text": "one"})
    with pytest.raises(WebexRetryLater) as refused:  # its job notes a post under way: it must hear of the refusal
        client.post_json("messages", {"roomId": room, "text": "two"})
    assert refused.value.retry_after == 1 and [c.status for c in state.calls("POST", "messages")] == [200, 429]
