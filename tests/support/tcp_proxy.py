"""A TCP forwarder on loopback that a test can cut and restore: a real outage of a real server, on demand.

Connections to ``proxy.port`` are relayed to the upstream server (PostgreSQL, Redis). ``cut()`` drops every
open connection and, until ``restore()``, closes each new one at once, as a database behind a failed network
or a restarting server does. (No tests here: this module only holds the helper.)
"""

from __future__ import annotations

import socket
import threading


class TcpProxy:
    """Relays ``127.0.0.1:port`` to ``upstream``; ``cut()`` and ``restore()`` switch the path off and on."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._cut = False
        self._closed = False
        threading.Thread(target=self._accept, name="tcp-proxy", daemon=True).start()

    def address(self, url: str, upstream_port: int) -> str:
        """``url`` with the upstream's ``127.0.0.1:port`` replaced by this proxy's."""
        return url.replace(f"127.0.0.1:{upstream_port}", f"127.0.0.1:{self.port}")

    def cut(self) -> None:
        """Drop every relayed connection and refuse new ones (they are accepted, then closed)."""
        with self._lock:
            self._cut = True
            sockets, self._open = self._open, set()
        for sock in sockets:
            _close(sock)

    def restore(self) -> None:
        """Relay new connections again."""
        with self._lock:
            self._cut = False

    def close(self) -> None:
        """Stop listening and drop everything."""
        self._closed = True
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                cut = self._cut
            if cut:
                _close(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._open.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
