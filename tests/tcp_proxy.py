"""A TCP proxy on loopback that can drop the network silently, for outage tests.

``blackhole()`` keeps every connection open but stops moving bytes in both directions, and accepts new
connections without answering on them: what a client sees when a firewall or a dead link swallows packets
while something on the way still acknowledges them (here the proxy's own kernel does, so TCP keepalives and
``tcp_user_timeout`` see a live peer). ``forward()`` moves bytes again; data held meanwhile is delivered then.
"""
from __future__ import annotations

import selectors
import socket
import threading

CHUNK = 65536


class TcpProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream`` (host, port) until :meth:`close`."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._forwarding = threading.Event()
        self._forwarding.set()
        self._closed = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.accepted = 0
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()

    def blackhole(self) -> None:
        """Stop forwarding: connections stay open and silent, new ones are accepted and stay silent too."""
        self._forwarding.clear()

    def forward(self) -> None:
        self._forwarding.set()

    def close(self) -> None:
        self._closed.set()
        self._forwarding.set()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            self._track(client)
            threading.Thread(target=self._pipe, args=(client,), name="proxy-pipe", daemon=True).start()

    def _wait_forwarding(self) -> bool:
        """Block while blackholed; False once the proxy is closed."""
        while not self._forwarding.wait(0.05):
            if self._closed.is_set():
                return False
        return not self._closed.is_set()

    def _pipe(self, client: socket.socket) -> None:
        """Move bytes between ``client`` and a new upstream connection, only while forwarding."""
        if not self._wait_forwarding():  # accepted while blackholed: silent until forwarding again
            return
        try:
            server = socket.create_connection(self.upstream, timeout=10)
        except OSError:
            client.close()
            return
        server.settimeout(None)
        self._track(server)
        peer = {client: server, server: client}
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ)
        selector.register(server, selectors.EVENT_READ)
        try:
            while True:
                if not self._wait_forwarding():
                    return
                for key, _ in selector.select(timeout=0.05):
                    if not self._wait_forwarding():  # blackholed while waiting: read nothing more
                        return
                    data = key.fileobj.recv(CHUNK)
                    if not data:
                        return
                    peer[key.fileobj].sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            client.close()
            server.close()
