"""F7 Marketing pool: cold and lost customers, marketing's own contacts, hand-backs, leads."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Static

from deskterm.domain.phone import display_phone
from deskterm.i18n import N_, _, get_language
from deskterm.services import marketing
from deskterm.services.marketing import PoolEntry
from deskterm.services.setup import LOST_REASONS
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.screens.contact import ContactScreen, LeadScreen
from deskterm.ui.screens.dialogs import TextPromptScreen
from deskterm.ui.widgets.detail import RowDetail
from deskterm.ui.widgets.fields import TextField
from deskterm.ui.widgets.footer import DeskFooter
from deskterm.ui.widgets.header import DeskHeader
from deskterm.ui.widgets.people import set_columns
from deskterm.ui.widgets.tables import sync_rows

MARKETING_ROLES = ("marketing", "manager")
POOL_ROWS = 500  # the list to work through, most in need first; search finds the rest


class MarketingScreen(DeskScreen):
    """Marketing's list: who to touch next, what they said, who is ready to go back."""

    BINDINGS = [
        Binding("space", "contact", N_("Log contact"), id="marketing.contact"),
        Binding("h", "hand_back", N_("Hand back"), id="marketing.hand_back"),
        Binding("l", "lead", N_("New lead"), id="marketing.lead"),
        Binding("slash", "focus_search", N_("Search"), id="marketing.search"),
        Binding("w", "who", N_("Who am I"), id="marketing.who"),
    ]

    def __init__(self) -> None:
        super().__init__(id="marketing")
        self.person: tuple[int, str] | None = None
        self.entries: list[PoolEntry] = []
        self._narrow = False  # the columns' headers: two-line (narrow) or one-line

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield Static(_("Marketing pool — press w to choose who you are."), id="who", markup=False)
        yield TextField(placeholder=_("name fragment or phone digits"), id="pool-search")
        with Vertical():
            yield DataTable(id="pool", cursor_type="row", zebra_stripes=True)
        yield RowDetail(id="pool-why")
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#pool", DataTable)
        self._set_columns()
        table.focus()  # the list is the work; / searches

    def _set_columns(self) -> None:
        """The pool's columns; why a customer is in the pool last, the longest text (the
        line under the table shows it whole). Under 120 columns two-line headers."""
        self._narrow = self.size.width < self.NARROW_BELOW
        set_columns(
            self.query_one("#pool", DataTable),
            [
                _("Customer"),
                _("Phone"),
                _("Level"),
                _("In pool\nsince") if self._narrow else _("In pool since"),
                _("Last\ncontact") if self._narrow else _("Last contact"),
                _("Contacts"),
                _("Handed\nback") if self._narrow else _("Handed back"),
                _("Why in the pool"),
            ],
        )

    def _fit_layout(self) -> None:
        super()._fit_layout()
        if self.is_mounted and self._narrow != (self.size.width < self.NARROW_BELOW):
            self._set_columns()
            self.refresh_data()

    @on(DataTable.RowHighlighted, "#pool")
    def show_why(self) -> None:
        """Why the highlighted customer is in the pool, whole."""
        table = self.query_one("#pool", DataTable)
        text = ""
        if 0 <= table.cursor_row < table.row_count:
            row = table.get_row_at(table.cursor_row)
            text = _("{name}: {note}", name=str(row[0]), note=str(row[-1]))
        self.query_one("#pool-why", RowDetail).update(text)

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        self.person = self.signed_in_person(("marketing",)) or self.person
        self.load(self.query_one("#pool-search", Input).value)

    @on(Input.Changed, "#pool-search")
    def typed(self, event: Input.Changed) -> None:
        self.load(event.value)

    @on(Input.Submitted, "#pool-search")
    def to_table(self) -> None:
        self.query_one("#pool", DataTable).focus()

    def action_focus_search(self) -> None:
        self.query_one("#pool-search", Input).focus()

    @work(thread=True, exclusive=True, group="pool-load", exit_on_error=False)
    def load(self, text: str) -> None:
        entries = marketing.marketing_pool(self.ctx, text, limit=POOL_ROWS)
        counts = marketing.pool_counts(self.ctx)
        self.app.call_from_thread(self.show, entries, counts)

    def show(self, entries: list[PoolEntry], counts: tuple[int, int] = (0, 0)) -> None:
        self.entries = entries
        zh = get_language() == "zh"
        lost_names = {c: (z if zh else en) for c, en, z, _n in LOST_REASONS}
        zone = self.ctx.clock.zone
        rows = []
        for e in entries:
            why = (
                _(
                    "lost: {reason}",
                    reason=lost_names.get(e.lost_reason or "", e.lost_reason or "-"),
                )
                if e.status == "lost"
                else _("cold")
            )
            last = (
                e.last_marketing_contact.astimezone(zone).strftime("%Y-%m-%d")
                if e.last_marketing_contact
                else "-"
            )
            rows.append(
                (
                    str(e.customer_id),
                    (
                        e.name,
                        display_phone(e.phone) if e.phone else "-",
                        self.level_name(e.level),
                        e.in_pool_since.astimezone(zone).strftime("%Y-%m-%d"),
                        last,
                        str(e.marketing_contacts),
                        _("yes") if e.nurtured else "",
                        why,
                    ),
                )
            )
        sync_rows(self.query_one("#pool", DataTable), rows)
        self.show_why()
        who = self.person[1] if self.person else _("nobody chosen (w)")
        self.query_one("#who", Static).update(
            _(
                "Marketing pool: {n} customers, {back} handed back — you are {who}",
                n=counts[0],
                back=counts[1],
                who=who,
            )
        )

    def _selected(self) -> PoolEntry | None:
        table = self.query_one("#pool", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((e for e in self.entries if str(e.customer_id) == key), None)

    def action_who(self) -> None:
        def chosen(pid: int, name: str) -> None:
            self.person = (pid, name)
            self.refresh_data()

        self.choose_person(MARKETING_ROLES, chosen)

    def _as_someone(self, then) -> None:  # type: ignore[no-untyped-def]
        # A contact is logged under a person: ask once, then carry on with the action.
        if self.person is not None:
            then()
            return

        def chosen(pid: int, name: str) -> None:
            self.person = (pid, name)
            then()

        self.choose_person(MARKETING_ROLES, chosen)

    @on(DataTable.RowSelected, "#pool")
    def row_chosen(self) -> None:
        self.action_contact()

    def action_contact(self) -> None:
        entry = self._selected()
        if entry is None:
            return

        def open_dialog() -> None:
            assert self.person is not None
            by = self.person[0]
            title = _(
                "Marketing contact: {name} · {phone}",
                name=entry.name,
                phone=display_phone(entry.phone) if entry.phone else "-",
            )
            self.app.push_screen(
                ContactScreen(
                    title,
                    lambda outcome, note, at, model: marketing.log_contact(
                        self.ctx, entry.customer_id, by, outcome, note, appointment=at, model=model
                    ),
                    invite=True,
                ),
                self._after,
            )

        self._as_someone(open_dialog)

    def action_hand_back(self) -> None:
        entry = self._selected()
        if entry is None:
            return

        def noted(note: str | None) -> None:
            if note is not None:
                by = self.person[0] if self.person else None
                self.run_service(
                    marketing.mark_nurtured,
                    self.ctx,
                    entry.customer_id,
                    note,
                    by_id=by,
                    then=lambda _r: self.notify(
                        _("Handed back: the manager assigns it at the meeting."), markup=False
                    ),
                )

        self.app.push_screen(
            TextPromptScreen(_("Hand {name} back to sales — what changed?", name=entry.name)), noted
        )

    def action_lead(self) -> None:
        self.app.push_screen(
            LeadScreen(
                lambda name, phone, channel, note: marketing.register_lead(
                    self.ctx, name, phone, channel, note
                )
            ),
            self._after,
        )

    def _after(self, result: object) -> None:
        if result is not None:
            self.notify(_("Saved."), markup=False)
            self.refresh_data()
