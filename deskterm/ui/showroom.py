"""``deskterm board``: the rotation in large type for a TV facing the sales floor.

Read-only and safe to leave running all day: no key changes anything (there is no
command palette either), it reloads within half a second of any window's change
(the desk's change marker), and a database that stops answering is one steady
banner until it is back. It runs as the ``display`` pseudo-role, which may read the
rotation's names and times and nothing else, so it needs nobody signed in.
"""

from __future__ import annotations

from datetime import datetime

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Digits, Label, Static
from textual.worker import Worker, WorkerState

from deskterm.crash import mask_secrets, one_line, write_report
from deskterm.domain.rotation import AWAY_LABELS
from deskterm.errors import DesktermError
from deskterm.i18n import N_, _
from deskterm.services import maintenance, setup, showroom
from deskterm.services.context import Context
from deskterm.services.permissions import DISPLAY
from deskterm.services.setup import shop_name
from deskterm.services.showroom import ShowroomView
from deskterm.ui.boundary import DatabaseLostBanner

#: How often the display looks at the change marker (cheap: one number).
WATCH_SECONDS = 0.5
#: Reloaded at least this often, changed or not (a new day at midnight).
RELOAD_SECONDS = 60.0


def minutes_since(since: datetime | None, now: datetime) -> int:
    """Whole minutes from ``since`` to ``now`` (never negative)."""
    if since is None:
        return 0
    return max(int((now - since).total_seconds() // 60), 0)


class BusyRow(Horizontal):
    """One salesperson with a customer: the name, and the minutes in large digits."""

    def __init__(self, name: str, since: datetime | None, now: datetime) -> None:
        super().__init__(classes="busy-row")
        self.since = since
        self.person = name
        self._now = now

    def compose(self) -> ComposeResult:
        yield Static(self.person, classes="busy-name", markup=False)
        yield Digits(str(minutes_since(self.since, self._now)), classes="busy-minutes")
        yield Static(_("min"), classes="busy-unit", markup=False)

    def tick(self, now: datetime) -> None:
        self.query_one(Digits).update(str(minutes_since(self.since, now)))


class ShowroomApp(App[None]):
    """The showroom display: next up, on deck, with a customer (and for how long), away."""

    CSS_PATH = "showroom.tcss"
    TITLE = "deskterm"
    ENABLE_COMMAND_PALETTE = False
    # Only quitting: nothing on this screen may change the desk's data.
    BINDINGS = [Binding("ctrl+q", "quit", N_("Quit"), id="board.quit", show=False)]

    class Loaded(Message):
        """The showroom view was read."""

        def __init__(self, view: ShowroomView) -> None:
            self.view = view
            super().__init__()

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        ctx.role = DISPLAY  # whatever opened the database: this app only reads the floor
        ctx.actor_id = None
        self.ctx = ctx
        self.view: ShowroomView | None = None
        self.seen_version: int | None = None
        self.failing = False
        self.reported: set[str] = set()  # the bugs already reported (one line each)

    def compose(self) -> ComposeResult:
        with Horizontal(id="title-bar"):
            yield Static("", id="shop", markup=False)
            yield Digits("", id="clock")
        with Horizontal(id="top"):
            with Vertical(id="next-pane"):
                yield Label(_("Next up"), classes="board-title", markup=False)
                yield Static("", id="next-name", markup=False)
            with Vertical(id="deck-pane"):
                yield Label(_("On deck"), classes="board-title", markup=False)
                yield Static("", id="deck", markup=False)
        yield Label(_("With a customer"), classes="board-title", markup=False)
        yield VerticalScroll(id="busy")
        yield Static("", id="away", markup=False)

    def on_resize(self) -> None:
        """A small monitor: compact rows; a wide one: two columns of busy salespeople."""
        self.screen.set_class(self.size.height < 30, "-short")
        self.screen.set_class(self.size.width >= 120, "-wide")

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.on_resize()
        self.load(force=True)
        self.set_interval(WATCH_SECONDS, self.load)
        self.set_interval(RELOAD_SECONDS, lambda: self.load(force=True))
        self.set_interval(1.0, self.tick)
        self.tick()

    # -- reading --------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="board-load", exit_on_error=False)
    def load(self, force: bool = False) -> None:
        """Read the floor if anything was committed since the last look."""
        try:
            version = maintenance.change_marker(self.ctx)
            if not force and not self.failing and version == self.seen_version:
                return
            view = showroom.showroom_board(self.ctx)
            shop = shop_name(setup.get_settings(self.ctx).get("shop.name", ""))
        except DesktermError:
            # One steady banner while the database does not answer, not a toast a second.
            self.failing = True
            self.call_from_thread(self._database_lost, True)
            return
        if self.failing:
            self.failing = False
            self.call_from_thread(self._database_lost, False)
        self.seen_version = version
        self.call_from_thread(self.query_one("#shop", Static).update, shop)
        self.post_message(self.Loaded(view))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug in a reload: one line and a report, once per error (the display looks
        twice a second, all day); the last floor stays on screen."""
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        line = one_line(error)
        if line in self.reported:
            return
        self.reported.add(line)
        report = write_report(error, where="deskterm board")
        if report is None:
            text = _("Something went wrong ({error}); no report could be written.", error=line)
        else:
            text = _(
                "Something went wrong ({error}). A report was written to {path}.",
                error=line,
                path=mask_secrets(str(report)),
            )
        self.notify(text, severity="error", timeout=30, markup=False)

    def _database_lost(self, lost: bool) -> None:
        banners = self.screen.query(DatabaseLostBanner)
        if lost and not banners:
            self.screen.mount(DatabaseLostBanner())
        elif not lost:
            banners.remove()

    # -- showing --------------------------------------------------------------------
    def on_showroom_app_loaded(self, message: Loaded) -> None:
        view = self.view = message.view
        now = self.ctx.now()
        name = self.query_one("#next-name", Static)
        if view.closed:
            name.update(_("The day is closed."))
        elif not view.checked_in:
            name.update(_("Nobody is checked in."))
        else:
            name.update(view.next_up or _("Nobody is free right now."))
        name.set_class(view.next_up is not None and not view.closed, "has-next")
        self.query_one("#deck", Static).update("\n".join(view.on_deck) or "—")
        busy = self.query_one("#busy", VerticalScroll)
        with self.batch_update():
            busy.remove_children()
            busy.mount_all([BusyRow(m.name, m.since, now) for m in view.with_customer])
        away = _(", ").join(
            _(
                "{name} ({reason})",
                name=m.name,
                reason=_(AWAY_LABELS.get(m.away_reason, m.away_reason or "")),  # type: ignore[call-overload]
            )
            for m in view.away
        )
        self.query_one("#away", Static).update(_("Away: {names}", names=away) if away else "")

    def tick(self) -> None:
        """The clock and the minutes move on without reading the database."""
        now = self.ctx.now()
        self.query_one("#clock", Digits).update(
            now.astimezone(self.ctx.clock.zone).strftime("%H:%M")
        )
        for row in self.query(BusyRow):
            row.tick(now)


def run_board(ctx: Context) -> int:
    """Run the showroom display until Ctrl+Q."""
    ShowroomApp(ctx).run()
    return 0
