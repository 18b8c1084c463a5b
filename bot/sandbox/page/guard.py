"""The chat page's guard: it answers only at its own address, and its API changes things only for its own page.

The page has no login, so another web page open in the same browser must not be able to drive it.
Every request must name the page's address in ``Host``: a DNS-rebinding page reaches the port under
its own domain, and is refused. Every request that changes something (any method but GET, HEAD and
OPTIONS) must also come from the page itself: an ``Origin``, when sent, of the page's own origin; a
``Sec-Fetch-Site``, when sent, of ``same-origin`` or ``none``; a JSON body; and the per-run token the
page carries in a ``<meta>`` tag, sent back in ``X-Recap-Sandbox-Token``. A cross-site form or
``text/plain`` post meets none of these. A refusal is a JSON ``{"error": ...}``, and nothing is done.
Every answer also carries a strict Content-Security-Policy.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field

from flask import Flask, Response, jsonify, request

from bot.sandbox.server import ServerThread

TOKEN_HEADER = "X-Recap-Sandbox-Token"
TOKEN_META = "recap-sandbox-token"  # <meta name=... content=token> in the page, read by its scripts
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
# "same-site" is refused too: a page on another port of localhost (any local dev server) is same-site.
OWN_FETCHES = frozenset({"same-origin", "none"})
# Scripts from the page itself and from the renderer's CDN only (``{cdn}``: ``RendererSources.cdn_origin``).
CSP = ("default-src 'self'; script-src 'self' {cdn}; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) reaches this machine only."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The ``Host`` headers of the page served on ``host:port``: that address and the loopback names."""
    name = host.lower()
    names = {f"[{name}]" if ":" in name else name, *LOOPBACK_NAMES}  # an IPv6 address goes in brackets
    hosts = {f"{n}:{port}" for n in names}
    if port == 80:
        hosts |= names  # a browser leaves the default port out
    return frozenset(hosts)


def refusal(status: int, message: str) -> Response:
    """A JSON ``{"error": message}`` answer with ``status``."""
    response = jsonify(error=message)
    response.status_code = status
    return response


@dataclass
class PageGuard:
    """The page's per-run token and the ``Host`` headers it answers to (none until it is served: all refused)."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    hosts: frozenset[str] = frozenset()

    def check(self) -> Response | None:
        """Before every request: a refusal for a foreign ``Host`` or a change not made by the page, else None."""
        if request.headers.get("Host", "").lower() not in self.hosts:
            return refusal(421, "this sandbox page answers only at its own address (the one recap sandbox printed)")
        if request.method in SAFE_METHODS:
            return None
        return self._foreign_change()

    def _foreign_change(self) -> Response | None:
        fetch_site = request.headers.get("Sec-Fetch-Site")
        if fetch_site is not None and fetch_site.lower() not in OWN_FETCHES:
            return refusal(403, f"refused a {fetch_site} request: only the sandbox's own page can change things")
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() != "http://" + request.headers["Host"].lower():
            return refusal(403, f"refused a request from {origin}: only the sandbox's own page can change things")
        if request.mimetype != "application/json":
            return refusal(415, "send a JSON body (Content-Type: application/json)")
        sent = request.headers.get(TOKEN_HEADER, "").encode()
        if not hmac.compare_digest(sent, self.token.encode()):
            return refusal(403, f"missing or wrong {TOKEN_HEADER}: the page's <meta name=\"{TOKEN_META}\"> "
                                "holds this run's token")
        return None


def guard_page(app: Flask, cdn_origin: str = "https://unpkg.com") -> PageGuard:
    """Put a fresh guard (with a new token) before every route of ``app``, and the security headers after.

    ``cdn_origin`` is the one place besides the page itself that may serve it scripts (the renderer's CDN).
    """
    guard = PageGuard()
    csp = CSP.format(cdn=cdn_origin)

    def protect(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    app.extensions["recap_sandbox_guard"] = guard
    app.before_request(guard.check)
    app.after_request(protect)
    return guard


def guard_of(app: Flask) -> PageGuard:
    """The guard ``guard_page`` put on ``app``."""
    return app.extensions["recap_sandbox_guard"]


def serve_page(app: Flask, host: str, port: int) -> ServerThread:
    """Serve the page on ``host:port`` (0 picks a free port) in a thread, answering to that address only."""
    server = ServerThread(app, host, port)
    guard_of(app).hosts = allowed_hosts(host, server.port)  # the port is known once bound, before any request
    return server.start()
