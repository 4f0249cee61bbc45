"""F2 Reception: the rotation board beside today's arrivals (DESIGN.md §1.1, §1.7).

Every rule of the rotation is one key here; the board refreshes from the
database every second, so a second window's changes show within two seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, OptionList, Static
from textual.widgets.option_list import Option

from deskterm.domain.phone import display_phone
from deskterm.domain.rotation import (
    AWAY_LABELS,
    HAND_LABELS,
    SKIP_LABELS,
    STATE_LABELS,
    UNCOUNTED_LABELS,
    MemberState,
)
from deskterm.i18n import N_, N_p, _, _p, ngettext
from deskterm.services import desk, reception, rotation, steps, waiting
from deskterm.services.permissions import may
from deskterm.services.reception import CHANNELS, ReceptionForm, ReceptionView, SavedForm
from deskterm.services.rotation import Arrival, BoardView, LogEntry, MemberView, UndoPlan
from deskterm.services.steps import REMOTE_CHANNELS, Step, StepTicked
from deskterm.services.waiting import WaitingList, WalkIn
from deskterm.ui.i18n_bindings import translate_bindings
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.screens.dialogs import (
    AnswersOnce,
    ConfirmScreen,
    CustomerPickScreen,
    PickScreen,
    TextPromptScreen,
)
from deskterm.ui.text import emphasis
from deskterm.ui.widgets.expected import ExpectedVisitors, owner_is_busy
from deskterm.ui.widgets.footer import DeskFooter
from deskterm.ui.widgets.header import DeskHeader
from deskterm.ui.widgets.tables import ChosenTable, sync_rows

if TYPE_CHECKING:
    from deskterm.services.customers import CustomerView

#: How often the minutes shown (since, waiting) are redrawn from what was read last.
REFRESH_SECONDS = 1.0
#: How often the screen reads its data again when nothing was committed meanwhile (a
#: rule that turns with the clock): any commit, from this desk or another, reloads it
#: within a second through the app's change watch. Reading it every second instead cost
#: a dealer group's server ~19 round trips a second per open desk for nothing.
RELOAD_SECONDS = 30.0
#: The furthest step's name in the arrivals' Steps column is cut to this many cells, so
#: the column stays narrow (a 100-column desk, in Chinese).
STEP_NAME_CELLS = 10


class BoardTable(ChosenTable):
    """The rotation board: a per-member key acts on the member under the cursor only if
    the receptionist moved it since the last action (see ChosenTable)."""

    class Resized(Message):
        """The board got another size: its rows' height follows."""

    def on_resize(self, _event: events.Resize) -> None:
        self.post_message(self.Resized())


class ReceptionScreen(DeskScreen):
    """The receptionist's screen."""

    #: -narrow (under 140 columns): the arrivals below the board, both keep every column
    #: (side by side, the arrivals' six columns need ~75 in Chinese, the board ~55);
    #: -short (under 30 lines): a one-line next-up banner.
    CSS_PATH = "reception.tcss"
    NARROW_BELOW = 140
    #: The Footer's order: what a receptionist presses most, first (the rest: Ctrl+P).
    #: `a` (an expected visitor came) shows only on a day with appointments, after the
    #: keys a receptionist uses every hour (at 100 columns they must keep their places).
    #: `l` (the day's log) and `g` (a counted turn by hand) are rarer: after every other
    #: key, declared last, so a key a shop moved keeps its place before them.
    FOOTER_FIRST = ("n", "r", "d", "s", "b", "u", "f", "i", "a", "o", "x", "p", "1")

    BINDINGS = [
        Binding("n", "walk_in", N_("Walk-in"), id="reception.walk_in"),
        Binding("r", "returning", N_("Returning"), id="reception.returning"),
        Binding("x", "uncounted", N_("Not counted"), id="reception.uncounted"),
        Binding("p", "remote", N_("Phone/online"), id="reception.remote"),
        Binding("d", "done", N_("Done (free)"), id="reception.done"),
        Binding("b", "break_back", N_("Break/back"), id="reception.break"),
        Binding("s", "skip", N_("Skip"), id="reception.skip"),
        Binding("u", "undo", N_("Undo"), id="reception.undo"),
        Binding("i", "check_in", N_("Check in"), id="reception.check_in"),
        Binding("o", "check_out", N_("Check out"), id="reception.check_out"),
        Binding("f", "form", N_p("key", "Form"), id="reception.form"),
        Binding("a", "arrive", N_("Expected arrived"), id="reception.arrive"),
        Binding("h", "override", N_("Lift hold"), id="reception.override", show=False),
        # Shown on the waiting visitors' line while someone waits (and in the palette).
        Binding(
            "w",
            "waiting_left",
            N_("Waiting visitor left"),
            id="reception.waiting_left",
            show=False,
        ),
        # Digits tick the steps of the sale on the arrival under the arrivals' cursor: the
        # Nth step in the shop's order (positional, so not a key a shop moves).
        Binding("1", "step(1)", N_("Tick steps"), key_display="1-9"),
        *(Binding(str(n), f"step({n})", show=False) for n in range(2, 10)),
        Binding("ctrl+up", "move(-1)", _("Move up"), id="reception.up", show=False),
        Binding("ctrl+down", "move(1)", _("Move down"), id="reception.down", show=False),
        # Issue 23: the day's log, from which an earlier action is undone; a counted turn
        # given by hand to someone other than next-up.
        Binding("l", "day_log", N_("Day's log"), id="reception.log"),
        Binding("g", "give_turn", N_("Turn by hand"), id="reception.give_turn"),
    ]

    class Loaded(Message):
        """Board and arrivals were read (with the visits' steps and who is waiting)."""

        def __init__(
            self,
            board: BoardView,
            arrivals: list[ReceptionView],
            step_list: list[Step] | None = None,
            ticked: dict[int, set[str]] | None = None,
            waiting: WaitingList | None = None,
        ) -> None:
            self.board = board
            self.arrivals = arrivals
            self.step_list = step_list or []
            self.ticked = ticked or {}
            self.waiting = waiting
            super().__init__()

    def __init__(self) -> None:
        super().__init__(id="reception")
        self.board: BoardView | None = None
        self.arrivals: list[ReceptionView] = []
        self.step_list: list[Step] = []
        self.ticked: dict[int, set[str]] = {}
        self.waiting: WaitingList | None = None
        self._moving: int | None = None  # the member Ctrl+↑/↓ is moving, press after press
        self._new_arrival: int | None = None  # a reception just made: the arrivals' cursor

    @property
    def awaiting_first_load(self) -> bool:
        """Whether the board is still to come (a server's first load is a worker's): the
        app's warm-up waits for it (``DesktermApp._warm_up``)."""
        return self.board is None and may(self.ctx, "rotation")

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield Static("", id="next-up", markup=False)
        with Horizontal(id="panes"):
            with Vertical(id="board-pane"):
                yield Label(_("Rotation"), classes="pane-title", markup=False)
                yield BoardTable(id="board", cursor_type="row", zebra_stripes=True)
                yield Static("", id="off-duty", classes="hint", markup=False)
            with Vertical(id="arrivals-pane"):
                yield ExpectedVisitors(id="expected")  # appointments; hidden on a day without
                yield Label(_("Today's arrivals"), classes="pane-title", markup=False)
                # Visitors waiting for a free salesperson, each with their wait (live);
                # no line at all while nobody waits.
                waiting_line = Static("", id="waiting", markup=False)
                waiting_line.display = False
                yield waiting_line
                yield DataTable(id="arrivals", cursor_type="row", zebra_stripes=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        # Columns as wide as their widest cell (and header), so no value is ever cut: the
        # width is the widest of all rows, the same whatever order they arrived in.
        board = self.query_one("#board", DataTable)
        for label in ("#", _("Salesperson"), _("State"), _("Since"), _("Ups"), _("Note")):
            board.add_column(label)
        arrivals = self.query_one("#arrivals", DataTable)
        for label in (
            _("Time"),
            # Holds the channel or an uncounted visit's reason (service/parts): 类型/来源.
            _p("arrivals", "Channel"),
            _("Salesperson"),
            _("Visitor"),
            _p("arrivals", "Form"),
            _("Here for"),  # the columns before keep their places
            _("Steps"),  # the visit's progress: steps ticked of those in use, the furthest
        ):
            arrivals.add_column(label)
        self._fit_layout()
        # The first load is read now, before the first paint; later ones by a worker.
        # Read by a worker, it came just after an empty screen was painted: every cell
        # was drawn, then drawn again at the column widths and row heights its rows gave
        # (the start-up benchmark, large data set: ~1,100 cells drawn, now ~430). Should
        # it fail, the worker reads again, and its failure takes the usual path. Only a
        # file on this PC is read here: a server out of reach would hold the event loop
        # (and the first paint) for its connection timeout. A server's was read while
        # the app was imported (ui.read_ahead); not read in time, the worker reads it.
        ahead = getattr(self.app, "read_ahead", None)
        seen = ahead.take(self.ctx) if ahead is not None else None
        if seen is not None:
            self.on_reception_screen_loaded(self._loaded(seen))
        elif self.ctx.db.dialect != "sqlite":
            self.load()
        else:
            try:
                first = self._read()
            except Exception:  # noqa: BLE001 — read again by the worker, which reports it
                self.load()
            else:
                if first is not None:
                    self.on_reception_screen_loaded(first)
        self.set_interval(REFRESH_SECONDS, self._show)
        self.set_interval(RELOAD_SECONDS, self.refresh_data)

    # -- loading ------------------------------------------------------------------
    def refresh_data(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="reception-load", exit_on_error=False)
    def load(self) -> None:
        loaded = self._read()
        if loaded is not None:
            self.post_message(loaded)

    def _read(self) -> Loaded | None:
        """The board and arrivals with the visits' steps and who is waiting (None when
        whoever is at the desk may not see the rotation)."""
        if not may(self.ctx, "rotation"):
            return None  # nobody signed in yet, or a role without the rotation
        return self._loaded(desk.desk_view(self.ctx))

    def _loaded(self, seen: desk.DeskView) -> Loaded:
        return self.Loaded(seen.board, seen.arrivals, seen.step_list, seen.ticked, seen.waiting)

    def _since(self, at: datetime | None) -> str:
        if at is None:
            return ""
        minutes = int((self.ctx.now() - at).total_seconds() // 60)
        return _("{m} min", m=max(minutes, 0))

    def _note(self, m: MemberView) -> str:
        notes = []
        if m.state == MemberState.WITH_CUSTOMER.value:
            visit = next(
                (a for a in self.arrivals if a.salesperson_id == m.salesperson_id and not a.ended),
                None,
            )
            furthest = (
                steps.progress(self.ticked.get(visit.id, set()), self.step_list)[1]
                if visit
                else None
            )
            if furthest is not None:
                notes.append(furthest.name)
        if m.away_reason:
            notes.append(_(AWAY_LABELS[m.away_reason]))  # type: ignore[index]
        if m.held:
            notes.append(_("held: {why}", why=_(m.held)) + (_(" (lifted)") if m.override else ""))
        if m.makeups_owed:
            notes.append(_("make-up turn"))
        if m.passed:
            notes.append(_("passed over"))
        if m.requested:
            notes.append(_("requested ×{n}", n=m.requested))
        if m.by_hand:
            notes.append(_("by hand ×{n}", n=m.by_hand))
        return "; ".join(notes)

    def on_reception_screen_loaded(self, message: Loaded) -> None:
        self.board, self.arrivals = message.board, message.arrivals
        self.step_list, self.ticked = message.step_list, message.ticked
        self.waiting = message.waiting
        self._show()

    def _progress(self, reception_id: int) -> str:
        """A visit's steps as the arrivals show them: "3/6 quote" (blank before the first)."""
        count, furthest = steps.progress(self.ticked.get(reception_id, set()), self.step_list)
        if furthest is None:
            return ""
        name = furthest.name
        if cell_len(name) > STEP_NAME_CELLS:
            while cell_len(name) > STEP_NAME_CELLS - 1:
                name = name[:-1]
            name += "…"
        return f"{count}/{len(self.step_list)} {name}"

    def _waits(self) -> list[tuple[datetime, int]]:
        """Each waiting visitor's arrival and wait in whole minutes, the longest first."""
        if self.waiting is None:
            return []
        now = self.ctx.now()
        return [
            (w.arrived_at, max(int((now - w.arrived_at).total_seconds() // 60), 0))
            for w in self.waiting.visitors
        ]

    def _show_waiting(self) -> bool:
        """The waiting visitors' line (hidden when nobody waits); True when a wait is past
        the shop's alert."""
        box = self.query_one("#waiting", Static)
        waits = self._waits()
        box.display = bool(waits)
        if not waits or self.waiting is None:
            return False
        alert = self.waiting.alert_minutes
        line = Text(_("Waiting: "))
        for i, (at, minutes) in enumerate(waits):
            if i:
                line.append(" · ")
            when = at.astimezone(self.ctx.clock.zone).strftime("%H:%M")
            line.append(
                _("{time} ({m} min)", time=when, m=minutes),
                style="bold reverse" if minutes >= alert else "",
            )
        line.append("  " + _("w: left unserved"), style="dim")  # the key, said where it acts
        box.update(line)
        return waits[0][1] >= alert

    def on_board_table_resized(self, _message: BoardTable.Resized) -> None:
        self._show_board()  # the rows' height follows the board's

    def _row_height(self, table: DataTable, rows: int) -> int:
        """Board rows spread over the board's height (up to 3 lines), scrolling never."""
        room = table.scrollable_content_region.height - 1  # the header line
        return max(1, min(3, room // max(rows, 1)))

    def _show_board(self) -> None:
        """The board's rows, spread over its height.

        Before its first layout the board has no height: its rows come with its first
        Resize. Drawn at a guessed height, every cell was drawn again at the real one.
        """
        board = self.board
        table = self.query_one("#board", BoardTable)
        if board is None or not self.is_attached or not table.size.height:
            return
        rows = []
        for m in board.members:
            state = _(STATE_LABELS[MemberState(m.state)])
            # Next-up's row says so in its own colour, not only with the arrow.
            name: object = emphasis("▶ " + m.name, "bold reverse") if m.is_next else "  " + m.name
            since = self._since(m.busy_since)
            rows.append(
                (
                    str(m.salesperson_id),
                    (
                        str(m.position),
                        name,
                        state,
                        emphasis(since, "bold") if since else since,
                        str(m.ups),
                        self._note(m),
                    ),
                )
            )
        sync_rows(table, rows, height=self._row_height(table, len(rows)))
        ids = [m.salesperson_id for m in board.members]
        if self._moving in ids and not table.chosen:
            table.move_cursor(row=ids.index(self._moving), animate=False)

    def _show(self) -> None:
        """Put the last loaded board and arrivals on screen."""
        board = self.board
        if board is None or not self.is_attached:
            return
        self._show_board()
        nxt = next((m.name for m in board.members if m.is_next), None)
        banner = self.query_one("#next-up", Static)
        long_wait = self._show_waiting()
        waits = self._waits()
        if board.closed:
            banner.update(_("The day is closed."))
        elif waits and not nxt:
            first = waits[0][0].astimezone(self.ctx.clock.zone).strftime("%H:%M")
            banner.update(
                ngettext(
                    "Nobody is free: {n} visitor waiting since {time} ({m} min)",
                    "Nobody is free: {n} visitors waiting, the first since {time} ({m} min)",
                    len(waits),
                    time=first,
                    m=waits[0][1],
                )
            )
        elif waits:
            banner.update(
                ngettext(
                    "Next up: {name}  — {n} visitor waiting: press n to receive them",
                    "Next up: {name}  — {n} visitors waiting: press n to receive the first",
                    len(waits),
                    name=nxt,
                )
            )
        elif not board.members:
            banner.update(_("Nobody is checked in. Press i to check salespeople in."))
        elif nxt:
            banner.update(_("Next up: {name}  — press n for a walk-in", name=nxt))
        else:
            banner.update(_("Nobody is free right now."))
        banner.set_class(nxt is not None, "has-next")
        banner.set_class(long_wait, "long-wait")
        off = _(", ").join(name for _id, name in board.off_duty)
        self.query_one("#off-duty", Static).update(_("Off duty: {names}", names=off) if off else "")
        arows = []
        for a in self.arrivals:
            when = a.arrived_at.astimezone(self.ctx.clock.zone).strftime("%H:%M")
            kind = _(CHANNELS.get(a.channel, a.channel))
            if not a.counted and a.uncounted_kind:
                kind = _(UNCOUNTED_LABELS[a.uncounted_kind])  # type: ignore[index]
            elif a.courtesy:
                kind += " · " + _("courtesy")
            elif a.requested:
                kind += " · " + _("requested")
            if a.customer:
                visitor = a.customer
            elif not a.counted:  # a quick question, a pickup…: nobody to register
                visitor = _("(no form needed)")
            else:
                visitor = "" if a.form_saved else _("(form not saved)")
            form = "✓" if a.form_saved else ("-" if not a.counted else "✗")
            # How long a visitor still in the showroom has been here (blank once they left).
            here = "" if a.ended else self._since(a.arrived_at)
            arows.append(
                (str(a.id), (when, kind, a.salesperson, visitor, form, here, self._progress(a.id)))
            )
        arrivals = self.query_one("#arrivals", DataTable)
        sync_rows(arrivals, arows)
        keys = [key for key, _cells in arows]
        if self._new_arrival is not None and str(self._new_arrival) in keys:
            # The visitor just received is the one the digits tick next (a tester's steps
            # landed on whatever row the cursor had been left on).
            arrivals.move_cursor(row=keys.index(str(self._new_arrival)), animate=False)
            self._new_arrival = None

    # -- helpers --------------------------------------------------------------------
    def selected_member(self) -> MemberView | None:
        """The board row under the cursor."""
        table = self.query_one("#board", DataTable)
        if self.board is None or not self.board.members or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((m for m in self.board.members if str(m.salesperson_id) == key), None)

    def selected_arrival(self) -> ReceptionView | None:
        table = self.query_one("#arrivals", DataTable)
        if not self.arrivals or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((a for a in self.arrivals if str(a.id) == key), None)

    def open_form(
        self,
        arrival: Arrival | ReceptionView,
        prefill: ReceptionForm | None = None,
        channel: str = "walk_in",
        own_customer_id: int | None = None,
    ) -> None:
        # The form's module when a form opens: the first screen does not need it.
        from deskterm.ui.screens.form import FormContext, ReceptionFormScreen

        if isinstance(arrival, Arrival):
            rid, who, when = arrival.reception_id, arrival.salesperson_name, self.ctx.now()
            self._new_arrival = rid  # the arrivals' cursor goes to it once it is listed
        else:
            rid, who, when, channel = (
                arrival.id,
                arrival.salesperson,
                arrival.arrived_at,
                arrival.channel,
            )
        info = FormContext(
            rid,
            who,
            when.astimezone(self.ctx.clock.zone).strftime("%H:%M"),
            channel,
            prefill,
            own_customer_id,
        )

        def saved(result: SavedForm | None) -> None:
            if result is None:
                return
            if result.next_callback:
                self.notify(
                    _("Saved. Next callback {day}.", day=result.next_callback), markup=False
                )
            elif result.next_step == "marketing" and result.level:
                # A form saved without a level or purchase time lands here too: say so,
                # so the receptionist can correct it (f) before the salesperson loses them.
                self.notify(
                    _(
                        "Saved as {level}: marketing's pool, no callback from the "
                        "salesperson. Wrong level? f corrects the form.",
                        level=self.level_name(result.level),
                    ),
                    severity="warning",
                    markup=False,
                )
            else:
                self.notify(_("Saved."), markup=False)
            self.refresh_data()
            if result.offer_handover:
                self.offer_handover(result)

        self.app.push_screen(ReceptionFormScreen(self.ctx, self.levels, info), saved)

    def offer_handover(self, result: SavedForm) -> None:
        """Rule 6: the owner of a returning customer is free on the floor — offer them."""

        def answer(yes: bool | None) -> None:
            if yes:
                self.run_service(reception.hand_over, self.ctx, result.reception_id, then=handed)

        def handed(owner: str) -> None:
            self.notify(_("Handed over to {owner}.", owner=owner), markup=False)

        self.app.push_screen(
            ConfirmScreen(
                _(
                    "{owner} owns this customer and is free: hand the visitor over?",
                    owner=result.owner_name or "?",
                )
            ),
            answer,
        )

    # -- actions ---------------------------------------------------------------------
    def action_walk_in(self) -> None:
        """Ask "first visit?" before anything else."""
        self._acted()

        def answer(value: str | None) -> None:
            if value == "new":
                shown = self.board.next_up if self.board else None
                self._keys_to_the_form()
                self.run_service(waiting.walk_in_or_wait, self.ctx, shown, then=self._walked_in)
            elif value == "returning":
                self.action_returning()

        self.app.push_screen(
            PickScreen(
                _("First visit?"),
                [("new", _("yes — a new visitor")), ("returning", _("no — a returning customer"))],
            ),
            answer,
        )

    def _walked_in(self, result: WalkIn) -> None:
        """Received (the form opens), or waiting: nobody was free."""
        if result.arrival is not None:
            if result.arrival.waited_since is not None:
                self.notify(
                    _(
                        "{name} receives the visitor waiting since {time}.",
                        name=result.arrival.salesperson_name,
                        time=self._clock(result.arrival.waited_since),
                    ),
                    markup=False,
                )
            self.open_form(result.arrival)
            return
        # No form comes: what was typed ahead for it is dropped (with the bell), as when
        # a walk-in is refused, so it does not act on the board.
        type_ahead = getattr(self.app, "type_ahead", None)
        if type_ahead is not None:
            type_ahead.cancel_hold()
        if result.waiting is not None:
            self.notify(
                _(
                    "Nobody is free: visitor waiting since {time}.",
                    time=self._clock(result.waiting.arrived_at),
                ),
                severity="warning",
                markup=False,
            )

    def _clock(self, at: datetime) -> str:
        return at.astimezone(self.ctx.clock.zone).strftime("%H:%M")

    def action_waiting_left(self) -> None:
        """The visitor who has waited longest (or the one picked) left unserved."""
        self._acted()
        waits = self.waiting.visitors if self.waiting else ()
        if not waits:
            self.notify(_("Nobody is waiting."), severity="warning", markup=False)
            return

        def left(wid: str | None) -> None:
            if wid:
                self.run_service(
                    waiting.leave,
                    self.ctx,
                    int(wid),
                    then=lambda w: self.notify(
                        _(
                            "Left unserved: the visitor waiting since {time}.",
                            time=self._clock(w.arrived_at),
                        ),
                        markup=False,
                    ),
                )

        self.app.push_screen(
            PickScreen(
                _("Which waiting visitor left unserved?"),
                [
                    (str(w.id), _("waiting since {time}", time=self._clock(w.arrived_at)))
                    for w in waits
                ],
            ),
            left,
        )

    def action_step(self, n: int) -> None:
        """Tick (or take back) the Nth step of the sale on the arrival under the cursor."""
        self._acted()
        a = self.selected_arrival()
        if a is None:
            self.notify(_("No arrival chosen."), severity="warning", markup=False)
            return
        if not a.counted or a.channel in REMOTE_CHANNELS:
            self.notify(
                _("Steps of the sale are for visits in the showroom."),
                severity="warning",
                markup=False,
            )
            return
        if n > len(self.step_list):
            self.notify(
                _("No step {n}: the shop uses {total}.", n=n, total=len(self.step_list)),
                severity="warning",
                markup=False,
            )
            return
        who = a.customer or _("{name}'s visitor", name=a.salesperson)

        def said(t: StepTicked) -> None:
            text = (
                _(
                    "{step} ✓ {visitor} ({done}/{total})",
                    step=t.name,
                    visitor=who,
                    done=t.done,
                    total=t.total,
                )
                if t.ticked
                else _(
                    "{step} taken back: {visitor} ({done}/{total})",
                    step=t.name,
                    visitor=who,
                    done=t.done,
                    total=t.total,
                )
            )
            self.notify(text, markup=False)

        self.run_service(steps.tick_nth, self.ctx, a.id, n, then=said)

    def action_returning(self) -> None:
        self._acted()

        def picked(c: CustomerView | None) -> None:
            if c is None:
                return
            prefill = ReceptionForm(
                name=c.name,
                phone=display_phone(c.phone) if c.phone else "",  # as people read it
                contact_other=c.contact_other or "",
                model_interest=(c.model_interest or ""),
                level=c.level,
            )

            def received(arrival: Arrival) -> None:
                if arrival.courtesy and owner_is_busy(self, arrival.credited_to_id):
                    self.notify(
                        _(
                            "{owner} is with a customer: {who} receives as a courtesy; "
                            "{owner} keeps the customer.",
                            owner=c.owner,
                            who=arrival.salesperson_name,
                        ),
                        markup=False,
                    )
                elif arrival.courtesy:
                    self.notify(
                        _(
                            "{owner} is not on the floor: {who} receives as a courtesy; "
                            "{owner} keeps the customer.",
                            owner=c.owner,
                            who=arrival.salesperson_name,
                        ),
                        markup=False,
                    )
                self.open_form(arrival, prefill)

            self._keys_to_the_form()
            self.run_service(rotation.receive_returning, self.ctx, c.id, then=received)

        self.app.push_screen(
            CustomerPickScreen(self.ctx, _("Returning customer: who is it?")), picked
        )

    def action_uncounted(self) -> None:
        self._acted()

        def picked(kind: str | None) -> None:
            if kind:
                self.run_service(
                    rotation.receive_uncounted,
                    self.ctx,
                    kind,
                    then=lambda a: self.notify(
                        _("{name} receives it (not counted).", name=a.salesperson_name),
                        markup=False,
                    ),
                )

        self.app.push_screen(
            PickScreen(
                _("An up that doesn't count:"),
                [(k.value, _(label)) for k, label in UNCOUNTED_LABELS.items()],
            ),
            picked,
        )

    def action_remote(self) -> None:
        self._acted()
        if self.board is None:
            return
        people = [(str(m.salesperson_id), m.name) for m in self.board.members]
        people += [(str(i), n) for i, n in self.board.off_duty]

        def channel_picked(channel: str | None) -> None:
            if not channel:
                return

            def person_picked(sid: str | None) -> None:
                if sid:
                    self._keys_to_the_form()
                    self.run_service(
                        rotation.log_remote_arrival,
                        self.ctx,
                        channel,
                        int(sid),
                        then=lambda a: self.open_form(a, None, channel),
                    )

            self.app.push_screen(PickScreen(_("Who takes it?"), people), person_picked)

        self.app.push_screen(
            PickScreen(_("Arrival by:"), [("phone", _("phone")), ("online", _("online"))]),
            channel_picked,
        )

    def _keys_to_the_form(self) -> None:
        """The arrival is registered in the background, then its form opens: what is
        typed meanwhile (the visitor's name, at once) is for the form, not the board."""
        type_ahead = getattr(self.app, "type_ahead", None)
        if type_ahead is not None:
            type_ahead.hold_for_screen()

    def _acted(self) -> None:
        """A new action starts: the cursor must be moved again to choose someone by it."""
        self.query_one("#board", BoardTable).chosen = False
        self._moving = None

    def _for_member(
        self,
        title: str,
        candidates: Sequence[MemberView],
        then: Callable[[MemberView], None],
        *,
        none_left: str,
    ) -> None:
        """Run ``then`` on the member the receptionist chose for this action.

        Chosen = the cursor was moved onto one of ``candidates`` since the last
        action; otherwise a one-key numbered pick of the candidates asks who.
        """
        table = self.query_one("#board", BoardTable)
        under = self.selected_member() if table.chosen else None
        self._acted()
        ids = {m.salesperson_id for m in candidates}
        if under is not None and under.salesperson_id in ids:
            then(under)
            return
        if not candidates:
            self.notify(_(none_left), severity="warning", markup=False)
            return

        def picked(sid: str | None) -> None:
            m = next((x for x in candidates if str(x.salesperson_id) == sid), None)
            if m is None:
                return
            self._point_at(m)
            then(m)

        self.app.push_screen(
            PickScreen(
                title,
                [
                    (str(m.salesperson_id), f"{m.name} — {_(STATE_LABELS[MemberState(m.state)])}")
                    for m in candidates
                ],
            ),
            picked,
        )

    def _point_at(self, m: MemberView) -> None:
        """Show who was picked by putting the cursor on them (not a choice for the next key)."""
        if self.board is None:
            return
        rows = [x.salesperson_id for x in self.board.members]
        if m.salesperson_id in rows:
            self.query_one("#board", BoardTable).move_cursor(row=rows.index(m.salesperson_id))

    def _members(self, *states: str) -> list[MemberView]:
        members = self.board.members if self.board else ()
        return [m for m in members if not states or m.state in states]

    def _say(self, message: str) -> Callable[[object], None]:
        """A ``then`` for run_service: the confirmation, naming the person."""
        return lambda _result: self.notify(message, markup=False)

    def action_done(self) -> None:
        def done(m: MemberView) -> None:
            self.run_service(
                rotation.done,
                self.ctx,
                m.salesperson_id,
                then=self._say(_("{name} is free again.", name=m.name)),
            )

        self._for_member(
            _("Done with the customer — who?"),
            self._members("with_customer"),
            done,
            none_left=N_("Nobody is with a customer."),
        )

    def action_break_back(self) -> None:
        def chosen(m: MemberView) -> None:
            if m.state == "away":
                self.run_service(
                    rotation.back,
                    self.ctx,
                    m.salesperson_id,
                    then=self._say(_("{name} is back on the floor.", name=m.name)),
                )
                return

            def picked(reason: str | None) -> None:
                if reason:
                    why = _(AWAY_LABELS[reason])  # type: ignore[index]
                    self.run_service(
                        rotation.away,
                        self.ctx,
                        m.salesperson_id,
                        reason,
                        then=self._say(_("{name} is away: {why}.", name=m.name, why=why)),
                    )

            self.app.push_screen(
                PickScreen(
                    _("{name} is away for:", name=m.name),
                    [(k.value, _(label)) for k, label in AWAY_LABELS.items()],
                ),
                picked,
            )

        self._for_member(
            _("Break or back — who?"),
            self._members("ready", "away"),
            chosen,
            none_left=N_("Everybody is with a customer."),
        )

    def action_skip(self) -> None:
        """Skip next-up (never the cursor's member: only next-up has the turn)."""
        self._acted()
        m = next((x for x in self._members() if x.is_next), None)
        if m is None:
            self.notify(_("Nobody is free right now."), severity="warning", markup=False)
            return

        def picked(reason: str | None) -> None:
            if reason:
                why = _(SKIP_LABELS[reason])  # type: ignore[index]
                self.run_service(
                    rotation.skip,
                    self.ctx,
                    m.salesperson_id,
                    reason,
                    then=self._say(_("Skipped {name}: {why}.", name=m.name, why=why)),
                )

        self.app.push_screen(
            PickScreen(
                _("Skip {name} because:", name=m.name),
                [(k.value, _(label)) for k, label in SKIP_LABELS.items()],
            ),
            picked,
        )

    def action_undo(self) -> None:
        self._acted()
        if self.board is None or self.board.last_event is None:
            self.notify(_("Nothing to undo today."), severity="warning", markup=False)
            return

        who = self.board.last_who

        def answer(yes: bool | None) -> None:
            if yes:
                self.run_service(
                    rotation.undo_last,
                    self.ctx,
                    then=lambda kind: self.notify(
                        _("Undone: {what}", what=_(_event_label(kind)))
                        + (f" — {who}" if who else ""),
                        markup=False,
                    ),
                )

        what = _(_event_label(self.board.last_event))
        question = (
            _("Undo the last action ({what}: {name})?", what=what, name=who)
            if who
            else _("Undo the last action ({what})?", what=what)
        )
        self.app.push_screen(ConfirmScreen(question), answer)

    def action_day_log(self) -> None:
        """The day's log: every action with its time and person; the one chosen is
        undone after a confirmation that names it and what falls with it."""
        self._acted()
        self._keys_to_the_form()  # keys typed meanwhile are for the log, not the board
        self.run_service(rotation.day_log, self.ctx, then=self._show_day_log)

    def _no_screen_comes(self) -> None:
        """The dialog awaited will not open: what was typed for it is dropped (bell)."""
        type_ahead = getattr(self.app, "type_ahead", None)
        if type_ahead is not None:
            type_ahead.cancel_hold()

    def _show_day_log(self, entries: list[LogEntry]) -> None:
        if not entries:
            self._no_screen_comes()
            self.notify(_("Nothing in today's log yet."), severity="warning", markup=False)
            return

        def chosen(event_id: int | None) -> None:
            if event_id is not None:
                self._keys_to_the_form()  # a `y` typed ahead is for the confirmation
                self.run_service(rotation.undo_plan, self.ctx, event_id, then=self._confirm_undo)

        self.app.push_screen(DayLogScreen(entries, self._clock), chosen)

    def _confirm_undo(self, plan: UndoPlan) -> None:
        """Ask, naming the action (time, kind, person) and every later one it takes."""
        what = _log_line(plan.action, self._clock)
        if plan.dependents:
            question = _(
                "Undo {what}?\nThese later actions cannot stand without it and are undone "
                "too:\n{list}",
                what=what,
                list="\n".join("· " + _log_line(d, self._clock) for d in plan.dependents),
            )
        else:
            question = _("Undo {what}?", what=what)

        def answer(yes: bool | None) -> None:
            if yes:
                self.run_service(
                    rotation.undo_action,
                    self.ctx,
                    plan.action.id,
                    tuple(d.id for d in plan.dependents),
                    then=lambda done: self.notify(
                        ngettext(
                            "Undone: {what} (and {n} later action).",
                            "Undone: {what} (and {n} later actions).",
                            len(done.dependents),
                            what=what,
                        )
                        if done.dependents
                        else _("Undone: {what}.", what=what),
                        markup=False,
                    ),
                )

        self.app.push_screen(UndoConfirmScreen(question), answer)

    def action_give_turn(self) -> None:
        """A counted turn given by hand: whom (not next-up), why, then their form opens."""
        self._keys_to_the_form()  # the digits typed meanwhile are for the pick, not steps
        self.run_service(rotation.may_give_turns, self.ctx, then=self._give_turn_to)

    def _give_turn_to(self, allowed: bool) -> None:
        if not allowed:
            self._no_screen_comes()
            self.notify(
                _("Only the manager gives a counted turn by hand in this shop."),
                severity="warning",
                markup=False,
            )
            return
        candidates = [
            m
            for m in self._members("ready")
            if not m.is_next and not m.passed and (not m.held or m.override)
        ]

        def whom(m: MemberView) -> None:
            def give(reason: str, note: str) -> None:
                said = note or _(HAND_LABELS[reason])  # type: ignore[index]

                def received(arrival: Arrival) -> None:
                    self.notify(
                        _(
                            "{name} takes the walk-in as a counted turn by hand ({why}).",
                            name=arrival.salesperson_name,
                            why=said,
                        ),
                        markup=False,
                    )
                    self.open_form(arrival)

                self._keys_to_the_form()
                self.run_service(
                    rotation.give_turn, self.ctx, m.salesperson_id, reason, note, then=received
                )

            def why(reason: str | None) -> None:
                if not reason:
                    return
                if reason != "other":
                    give(reason, "")
                    return
                self.app.push_screen(
                    TextPromptScreen(
                        _("Why does {name} take this turn?", name=m.name),
                        check=lambda text: rotation.check_turn_note(reason, text),
                    ),
                    lambda note: give(reason, note) if note else None,
                )

            self.app.push_screen(
                PickScreen(
                    _("A counted turn for {name} because:", name=m.name),
                    [(k.value, _(label)) for k, label in HAND_LABELS.items()],
                ),
                why,
            )

        if not candidates:
            self._no_screen_comes()
        self._for_member(
            _("A counted turn by hand — to whom?"),
            candidates,
            whom,
            none_left=N_("Nobody but next-up is free for a walk-in."),
        )

    def action_check_in(self) -> None:
        self._acted()
        if self.board is None:
            return
        if not self.board.off_duty:
            self.notify(_("Everybody is checked in."), severity="warning", markup=False)
            return

        def picked(sid: str | None) -> None:
            if sid:
                name = dict(self.board.off_duty).get(int(sid), "") if self.board else ""
                self.run_service(
                    rotation.check_in,
                    self.ctx,
                    int(sid),
                    then=self._say(_("{name} checked in.", name=name)),
                )

        self.app.push_screen(
            PickScreen(_("Check in:"), [(str(i), n) for i, n in self.board.off_duty]), picked
        )

    def action_check_out(self) -> None:
        def chosen(m: MemberView) -> None:
            def answer(yes: bool | None) -> None:
                if yes:
                    self.run_service(
                        rotation.check_out,
                        self.ctx,
                        m.salesperson_id,
                        then=self._say(_("{name} checked out.", name=m.name)),
                    )

            self.app.push_screen(ConfirmScreen(_("Check {name} out?", name=m.name)), answer)

        self._for_member(
            _("Check out — who?"),
            self._members("ready", "away"),
            chosen,
            none_left=N_("Everybody is with a customer."),
        )

    def action_override(self) -> None:
        def lift(m: MemberView) -> None:
            self.run_service(
                rotation.override_hold,
                self.ctx,
                m.salesperson_id,
                then=self._say(_("Hold lifted for {name}.", name=m.name)),
            )

        held = [m for m in self._members() if m.held and not m.override]
        self._for_member(_("Lift the hold of:"), held, lift, none_left=N_("Nobody is held out."))

    def action_move(self, step: int) -> None:
        """Move a member one place (manager); repeated presses keep moving the same one."""
        if self.board is None:
            return
        moving = self._moving
        under = self.selected_member()
        if moving is not None and under is not None and under.salesperson_id == moving:
            self.query_one("#board", BoardTable).chosen = True  # still the one being moved

        def move(m: MemberView) -> None:
            if self.board is None:
                return
            order = [x.salesperson_id for x in self.board.members]
            i = order.index(m.salesperson_id)
            j = i + step
            if not 0 <= j < len(order):
                return
            order[i], order[j] = order[j], order[i]
            self.run_service(
                rotation.reorder,
                self.ctx,
                order,
                then=self._say(_("{name} moved to place {n}.", name=m.name, n=j + 1)),
            )
            self._moving = m.salesperson_id  # the cursor follows them once the board reloads

        self._for_member(
            _("Move whom?"), self._members(), move, none_left=N_("Nobody is checked in.")
        )

    def action_form(self) -> None:
        self._acted()
        a = self.selected_arrival()
        if a is None:
            self.notify(_("No arrival chosen."), severity="warning", markup=False)
            return
        if not a.counted:
            self.notify(_("Ups that don't count have no form."), severity="warning", markup=False)
            return
        # A saved form opens as saved, to be corrected; a customer on file (a returning
        # one, a form left with Esc) as on file: nothing is typed again from nothing.
        # Read in the background: keys typed meanwhile are for the form (a digit must
        # not tick a step on the board).
        self._keys_to_the_form()
        self.run_service(
            reception.form_prefill,
            self.ctx,
            a.id,
            then=lambda found: self.open_form(a, found[0], own_customer_id=found[1]),
        )

    def action_close_day(self) -> None:
        self._acted()

        def answer(yes: bool | None) -> None:
            if yes:
                self.run_service(rotation.close_day, self.ctx)

        self.app.push_screen(
            ConfirmScreen(
                _("Close the day? Open receptions are closed and the rotation statistics kept.")
            ),
            answer,
        )

    def action_arrive(self) -> None:
        """An expected visitor (appointment) came: widgets/expected.py records it."""
        self._acted()
        self.query_one(ExpectedVisitors).arrive()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # `a` shows (Footer, Ctrl+P) only on a day with someone expected.
        if action == "arrive" and self.is_mounted:
            return self.query_one(ExpectedVisitors).has_visitors
        return True

    @on(DataTable.RowSelected, "#arrivals")
    def arrival_chosen(self) -> None:
        self.action_form()


def _event_label(kind: str) -> str:
    from deskterm.domain.rotation import EVENT_LABELS, EventKind

    return EVENT_LABELS.get(EventKind(kind), kind)


def _log_line(entry: LogEntry, clock: Callable[[datetime], str]) -> str:
    """An action of the day's log as people read it: "10:20 took a walk-in — 王伟"."""
    what = _(_event_label(entry.kind))
    # The reason, where the action has one: why away, skipped, not counted, by hand.
    labels: dict[str, dict[str, str]] = {
        "hand_turn": HAND_LABELS,  # type: ignore[dict-item]
        "away": AWAY_LABELS,  # type: ignore[dict-item]
        "skip": SKIP_LABELS,  # type: ignore[dict-item]
        "uncounted": UNCOUNTED_LABELS,  # type: ignore[dict-item]
    }
    known = labels.get(entry.kind, {})
    reason = entry.note or (_(known[entry.reason]) if entry.reason in known else None)
    if reason:
        what += _(" ({reason})", reason=reason)
    line = f"{clock(entry.at)} {what}"
    return f"{line} — {entry.salesperson}" if entry.salesperson else line


class UndoConfirmScreen(ConfirmScreen):
    """The undo's question: the action and what falls with it, a line each, wrapped
    rather than cut (a long name, a list of later actions)."""

    DEFAULT_CSS = """
    UndoConfirmScreen #undo-question { height: auto; max-height: 20; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="undo-confirm"):
            # A long list of later actions scrolls; the answer's keys stay in sight.
            with VerticalScroll(id="undo-question"):
                yield Static(self.question, classes="question", markup=False)
            yield Label(_("[y] yes   [n] no"), classes="hint", markup=False)


class DayLogScreen(AnswersOnce, ModalScreen[int | None]):
    """Today's rotation log, oldest first with the newest under the cursor: Enter
    chooses the action to undo (an action undone already is listed, greyed, not
    chosen); Esc closes."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="log.cancel")]

    def __init__(self, entries: Sequence[LogEntry], clock: Callable[[datetime], str]) -> None:
        super().__init__()
        translate_bindings(self)
        self.entries = list(entries)
        self.clock = clock

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="day-log"):
            yield Label(
                _("Today's log: Enter undoes the action chosen"),
                classes="question",
                markup=False,
            )
            options = []
            for e in self.entries:
                line = Text(_log_line(e, self.clock))
                if e.undone:
                    line = Text(_("{line} (undone)", line=line.plain), style="dim strike")
                options.append(Option(line, id=str(e.id), disabled=e.undone))
            yield OptionList(*options, id="log-list", markup=False)

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        last = max((i for i, e in enumerate(self.entries) if not e.undone), default=None)
        if last is not None:
            listing.highlighted = last
        listing.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)
