"""A server desk's first load, read in a thread while the app is imported and built.

On a file the Reception screen reads its first load before its first paint (~10 ms). On
a server that read is ~0.1 s of round trips, and a server out of reach would hold the
event loop for its connection timeout: it was a worker's after the first paint, so the
desk drew an empty screen, then drew it again with the rows (the start-up benchmark, 200,000
customers: ~0.5 s between the read and the board, most of a server desk's start-up beyond
the bare app's). Started as soon as the database is open, the read runs while the
interpreter imports the UI (~0.8 s, which waits on nothing): the screen finds it done and
paints once.

The app waits for it (at most :data:`PATIENCE`) before its own first reads, which then
take the same pooled connection (a second one cost 2.5 s on a distant server). A read not
done by then is given up: the app reads its own baseline and the screen's worker its own
view, and nothing ever waits for that thread again (a connection gone silent under it
must not hold a later load).

The thread imports no Textual: it reads through the services, as the screen would.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import TYPE_CHECKING

from deskterm.crash import one_line
from deskterm.services import auth, desk, maintenance
from deskterm.services.permissions import OPEN_DESK, SYSTEM, may

if TYPE_CHECKING:
    from deskterm.services.context import Context
    from deskterm.services.desk import DeskView

log = logging.getLogger(__name__)

#: How long the app waits for the read before going on without it: a server that answers
#: takes ~0.1 s; the app's own first reads, before its first paint, wait on the server too.
PATIENCE = 5.0


def _who(ctx: Context) -> tuple[int | None, str | None, bool]:
    """Who a view was read for: a view is shown only to the same person and role."""
    return ctx.actor_id, ctx.role, ctx.remote


class ReadAhead:
    """The change marker, the audit trail's newest row and the Reception screen's first
    view, read in that order in a thread (the marker first: a commit made while the rest
    is read is seen by the app's first look at it, as when the app read them itself)."""

    def __init__(self, ctx: Context) -> None:
        self._system = dataclasses.replace(ctx, role=SYSTEM, remote=False)
        # Read as the desk will be used: the open desk the shop chose. A shop with PINs
        # shows nothing before a sign-in, so nothing is read for it.
        self._desk = dataclasses.replace(ctx, actor_id=None, role=OPEN_DESK)
        self.version: int | None = None
        self.tip: tuple[int, str | None] | None = None
        #: Why the read failed (one masked line), if it did: read again where it is shown.
        self.failure: str | None = None
        self._view: DeskView | None = None
        self._done = threading.Event()
        # Given up (not done in time, or failed): nothing it read is used, ever.
        self._lock = threading.Lock()
        self._abandoned = False
        threading.Thread(target=self._run, name="deskterm-read-ahead", daemon=True).start()

    def _run(self) -> None:
        try:
            version = maintenance.change_marker(self._system)
            tip = maintenance.audit_tip(self._system)
            view = None
            if not auth.pins_required(self._desk) and may(self._desk, "rotation"):
                view = desk.desk_view(self._desk)
            with self._lock:
                self.version, self.tip, self._view = version, tip, view
        except Exception as exc:  # noqa: BLE001 — the app and the screen read again
            # Kept, and logged below the level Python prints on a terminal with no logging
            # set up: the same reads are made again where a failure is shown (the app's
            # start, the database-lost banner, the screen's worker).
            self.failure = one_line(exc)
            log.info("The first load read ahead failed, read again: %s", self.failure)
        finally:
            self._done.set()

    def baseline(self) -> tuple[int, tuple[int, str | None]] | None:
        """The change marker and audit tip, read before the view; None if the read failed
        or was not done within :data:`PATIENCE` (then it is given up: the app reads them
        itself, and no view of it is shown)."""
        self._done.wait(PATIENCE)
        with self._lock:
            if not self._done.is_set() or self.version is None or self.tip is None:
                self._abandoned = True
                return None
            return self.version, self.tip

    def take(self, ctx: Context) -> DeskView | None:
        """The first view, once, for the person now at the desk (None: not read, failed,
        given up, already taken, or read for someone else; the caller reads it itself).
        Never waits: :meth:`baseline` did."""
        with self._lock:
            view, self._view = self._view, None
            if view is None or self._abandoned:
                return None
        if _who(ctx) != _who(self._desk) or not may(ctx, "rotation"):
            return None
        return view


def start(ctx: Context) -> ReadAhead | None:
    """The read-ahead of a server desk's first load (None on a file: it reads it in less
    than the thread would cost)."""
    if ctx.db.dialect == "sqlite":
        return None
    return ReadAhead(ctx)
