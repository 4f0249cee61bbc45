"""A local TCP proxy in front of a PostgreSQL server that counts round trips and can add
network delay: the group bench's "server across town", and the tests' round-trip meter.

A round trip is counted each time the client speaks after the server has (or first):
bytes the client sends in several pieces before any answer are one trip, as they cost
one network delay. ``latency_ms`` delays every piece the server sends back, so each
round trip costs that much more, as a link of that round-trip time would.

Runs its own asyncio loop in a daemon thread, so synchronous code (the services, a test)
can use it::

    with Proxy("localhost", 5432, latency_ms=5) as proxy:
        address = proxy.address(dsn)  # the same DSN, through the proxy
        ...
        proxy.round_trips  # counted so far, every connection together
"""

from __future__ import annotations

import asyncio
import logging
import struct
import threading
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)


class Proxy:
    """Forward ``127.0.0.1:<port>`` to ``host:port``, counting round trips."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        latency_ms: float = 0.0,
        max_connections: int | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.latency = latency_ms / 1000.0
        #: Connections beyond this many at once are refused as a server refuses them at
        #: its ``max_connections`` (FATAL 53300): a small server, without restarting one.
        self.max_connections = max_connections
        self.round_trips = 0
        self.connections = 0
        #: The most connections open at once since the last :meth:`reset`.
        self.peak = 0
        self.local_port = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[Any] = set()
        #: The local ports of the proxy's open connections to the server (what the
        #: server's pg_stat_activity shows as client_port): to end them from the server.
        self.upstream_ports: set[int] = set()
        self._thread = threading.Thread(target=self._run, name="deskterm-proxy", daemon=True)

    # -- use ------------------------------------------------------------------------

    def __enter__(self) -> Proxy:
        self._thread.start()
        if not self._ready.wait(10) or not self.local_port:
            raise RuntimeError("the proxy did not start")
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _shutdown(self) -> None:
        """Stop listening and hang up every connection still open."""
        if self._server is not None:
            self._server.close()
        for w in list(self._writers):
            w.close()  # each pump then reads its end and returns
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        await asyncio.wait(tasks, timeout=5) if tasks else None

    def address(self, dsn: str) -> str:
        """``dsn`` (a postgresql:// address) pointed at this proxy instead."""
        url = make_url(dsn).set(host="127.0.0.1", port=self.local_port)
        return url.render_as_string(hide_password=False)

    def reset(self) -> None:
        """Start counting round trips (and the peak of connections) afresh."""
        with self._lock:
            self.round_trips = 0
            self.peak = self.connections

    # -- the loop -------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0)
        )
        self.local_port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    async def _serve(self, client_r: Any, client_w: Any) -> None:
        if self.max_connections is not None and self.connections >= self.max_connections:
            await _refuse(client_r, client_w)
            return
        try:
            server_r, server_w = await asyncio.open_connection(self.host, self.port)
        except OSError:
            client_w.close()
            return
        with self._lock:
            self.connections += 1
            self.peak = max(self.peak, self.connections)
        self._writers.update((client_w, server_w))
        port = server_w.get_extra_info("sockname")[1]
        self.upstream_ports.add(port)
        # Whose turn it was last: the client speaking after the server is a new trip.
        state = {"server_spoke": True}

        async def up() -> None:
            while data := await client_r.read(65536):
                if state["server_spoke"]:
                    state["server_spoke"] = False
                    with self._lock:
                        self.round_trips += 1
                server_w.write(data)
                await server_w.drain()
            server_w.close()

        async def down() -> None:
            while data := await server_r.read(65536):
                state["server_spoke"] = True
                if self.latency:
                    await asyncio.sleep(self.latency)
                client_w.write(data)
                await client_w.drain()
            client_w.close()

        try:
            await asyncio.gather(up(), down())
        except (ConnectionError, OSError) as exc:
            # One side hung up (a server restart, a desk closed): the other goes with it.
            log.debug("A proxied connection ended: %s", exc)
        finally:
            with self._lock:
                self.connections -= 1
            self.upstream_ports.discard(port)
            for w in (client_w, server_w):
                self._writers.discard(w)
                w.close()


#: What PostgreSQL answers a connection past its max_connections (protocol 3 ErrorResponse).
_TOO_MANY = b"".join(
    [b"SFATAL\0", b"VFATAL\0", b"C53300\0", b"Msorry, too many clients already\0", b"\0"]
)


async def _refuse(client_r: Any, client_w: Any) -> None:
    """Answer a new connection as a full server does: decline encryption (SSLRequest,
    GSSENCRequest), read the startup message, send FATAL 53300 and hang up."""
    try:
        while True:
            head = await client_r.readexactly(8)
            length, code = struct.unpack("!II", head)
            if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest: "no"
                client_w.write(b"N")
                await client_w.drain()
                continue
            await client_r.readexactly(length - 8)  # the rest of the startup message
            break
        client_w.write(b"E" + struct.pack("!I", len(_TOO_MANY) + 4) + _TOO_MANY)
        await client_w.drain()
    except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
        log.debug("A refused connection went first: %s", exc)
    finally:
        client_w.close()
