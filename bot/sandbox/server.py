"""Serve a WSGI app (the emulator, a test receiver) on loopback: in a thread for tests, or in the foreground."""

from __future__ import annotations

import errno
import threading

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request: tests make thousands (the emulator keeps its own log)."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def make_loopback_server(app: Flask, host: str, port: int, **kw):
    """werkzeug's ``make_server``, raising ``OSError`` on a taken port (werkzeug itself exits the process)."""
    try:
        return make_server(host, port, app, threaded=True, **kw)
    except SystemExit:
        raise OSError(errno.EADDRINUSE, f"cannot listen on {host}:{port}: the address is in use") from None


class ServerThread:
    """A threaded werkzeug server running in a daemon thread; ``.url``, ``.api_url``, ``.stop()``."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self._server = make_loopback_server(app, host, port, request_handler=_QuietHandler)
        self.host, self.port = host, self._server.server_port
        self.url = f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"  # IPv6 in brackets
        self.api_url = self.url + "/v1/"
        # A short poll interval makes stop() quick (tests start and stop many servers).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"serve:{self.port}", daemon=True)

    def start(self) -> ServerThread:
        """Start serving (returns self)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ServerThread:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_in_thread(app: Flask, host: str = "127.0.0.1", port: int = 0) -> ServerThread:
    """Start ``app`` on ``host:port`` (0 picks a free port) in a background thread."""
    return ServerThread(app, host, port).start()


def serve_forever(app: Flask, host: str, port: int, banner: str) -> None:
    """Print the address (and the sandbox tokens of an emulator), then serve until Ctrl-C."""
    server = make_loopback_server(app, host, port)
    url = f"http://{host}:{server.server_port}"
    print(f"{banner} listening on {url}  (API base: {url}/v1/)", flush=True)
    emulator = app.extensions.get("webex_emulator")
    if emulator is not None:
        for token, who in emulator.tokens.items():
            print(f"  {who.role:<11} token: {token}")
        print(f"  control endpoints: {url}/_emulator/state", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped")
    finally:
        server.server_close()
