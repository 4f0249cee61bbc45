"""One error boundary for workers: every failure goes to the app's one handler.

Textual posts ``Worker.StateChanged`` to the worker's own screen only (it does not
bubble), so each screen that runs workers passes failures on to
``DesktermApp.worker_failed``; the app's own workers reach it directly.
"""

from __future__ import annotations

from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from deskterm.errors import DesktermError
from deskterm.i18n import N_, _


class WorkerBoundary:
    """Mixin for screens: a worker that failed is reported by the app, never ends it;
    so is a user or storage error raised by a handler (a key, a mount), which would
    otherwise stop the screen's message loop and end the app."""

    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)  # type: ignore[misc]
        except DesktermError as exc:
            report = getattr(self.app, "report_error", None)  # type: ignore[attr-defined]
            if report is None:
                raise
            report(exc)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            failed = getattr(self.app, "worker_failed", None)  # type: ignore[attr-defined]
            if failed is not None:
                failed(event.worker)


DATABASE_LOST = N_("The database does not answer — nothing is saved until it is back.")


class DatabaseLostBanner(Static):
    """The one steady line while the database does not answer (docked on top)."""

    DEFAULT_CSS = """
    DatabaseLostBanner {
        dock: top;
        width: 100%;
        height: auto;
        padding: 0 1;
        background: $error;
        color: $text;
        text-style: bold;
    }
    """

    def __init__(self) -> None:
        super().__init__(_(DATABASE_LOST), markup=False, id="database-lost")
