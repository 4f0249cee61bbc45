"""The shop's pick lists on screen (issue 18, "reasons as data"): why no contact was
left, why a customer was lost, and the media visitors heard of the shop by — each a
list the manager keeps without the command line: ``a`` adds, ``r`` or Enter renames, Delete
retires (or brings back) the highlighted entry. The history keeps a retired entry's
code, so past figures still read; the forms offer the active ones, most used first.

The steps of the sale (issue 19) are the desk's digits 1–9 in the list's order: they
keep it (never ranked by use), and Ctrl+↑/↓ moves the highlighted step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from deskterm.i18n import N_, _
from deskterm.services import reasons
from deskterm.services.context import Context
from deskterm.services.reasons import ReasonView
from deskterm.ui.boundary import WorkerBoundary
from deskterm.ui.i18n_bindings import translate_bindings
from deskterm.ui.screens.dialogs import ConfirmScreen, TextPromptScreen
from deskterm.ui.screens.manager.tab import selected_key
from deskterm.ui.widgets.tables import sync_rows

#: The lists, in the order the manager is asked which.
LIST_NAMES: dict[str, str] = {
    "no_contact": N_("Why no contact was left"),
    "lost": N_("Why customers were lost"),
    "media": N_("How visitors heard of us (media)"),
    "step": N_("Steps of the sale (the desk's digits 1-9, in this order)"),
}


def check_name(text: str) -> None:
    """A name as the service will take it (refused where it is typed)."""
    from deskterm.domain.text import clean_field

    clean_field(text, field="name_en", max_length=60)


class ListScreen(WorkerBoundary, ModalScreen[None]):
    """One pick list: every entry, retired ones last, with its uses in 90 days."""

    BINDINGS = [
        Binding("a", "add", N_("Add"), id="lists.add"),
        Binding("r", "rename", N_("Rename"), id="lists.rename"),
        Binding("delete", "retire", N_("Retire / bring back"), id="lists.retire"),
        Binding("escape", "close", N_("Close"), id="lists.close"),
        Binding("ctrl+up", "move(-1)", N_("Move up"), id="lists.up", show=False),
        Binding("ctrl+down", "move(1)", N_("Move down"), id="lists.down", show=False),
    ]

    def __init__(self, ctx: Context, kind: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.ctx = ctx
        self.kind = kind
        self.items: list[ReasonView] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(_(LIST_NAMES[self.kind]), classes="question", markup=False)
            yield DataTable(id="list", cursor_type="row", zebra_stripes=True)
            yield Static(
                _(
                    "a add · r or Enter rename · Delete retire / bring back · "
                    "Ctrl+↑/↓ move · Esc close"
                )
                if self.kind in reasons.FIXED_ORDER
                else _("a add · r or Enter rename · Delete retire / bring back · Esc close"),
                classes="hint",
                markup=False,
            )

    def on_mount(self) -> None:
        table = self.query_one("#list", DataTable)
        table.add_columns(_("English"), _("Chinese"), _("Used (90 days)"), _("State"))
        table.styles.height = "auto"
        table.styles.max_height = 20
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="lists", exit_on_error=False)
    def load(self) -> None:
        """Read the list off the event loop."""
        items = reasons.all_reasons(self.ctx, self.kind)
        self.app.call_from_thread(self.show, items)

    def show(self, items: list[ReasonView]) -> None:
        """Draw the entries (names as typed, never markup)."""
        self.items = items
        sync_rows(
            self.query_one("#list", DataTable),
            [
                (
                    r.code,
                    (r.name_en, r.name_zh, str(r.uses), "" if r.active else _("retired")),
                )
                for r in items
            ],
        )

    @work(thread=True, group="lists", exit_on_error=False)
    def change(self, fn: Callable[..., Any], *args: Any) -> None:
        """A change to the list, then the list again (an error: the app's boundary)."""
        fn(self.ctx, self.kind, *args)
        items = reasons.all_reasons(self.ctx, self.kind)
        self.app.call_from_thread(self.show, items)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on an entry: rename it."""
        event.stop()
        self.action_rename()

    def _current(self) -> ReasonView | None:
        code = selected_key(self.query_one("#list", DataTable))
        return next((r for r in self.items if r.code == code), None)

    def _ask_names(
        self, question: str, en: str, zh: str, then: Callable[[str, str], object]
    ) -> None:
        """The English name, then the Chinese one (either may be left as it is)."""

        def got_en(name_en: str | None) -> None:
            if name_en is None:
                return

            def got_zh(name_zh: str | None) -> None:
                if name_zh is not None:
                    then(name_en, name_zh)

            self.app.push_screen(
                TextPromptScreen(_("In Chinese (Enter keeps it):"), zh or name_en, check_name),
                got_zh,
            )

        self.app.push_screen(TextPromptScreen(question, en, check_name), got_en)

    def action_add(self) -> None:
        """A new entry: offered by the forms from now on."""
        self._ask_names(
            _("New entry, in English:"),
            "",
            "",
            lambda en, zh: self.change(reasons.add_reason, en, zh),
        )

    def action_rename(self) -> None:
        """New words for the highlighted entry; its code (and every past use) stays."""
        r = self._current()
        if r is None:
            return
        self._ask_names(
            _("New words for {name}, in English:", name=r.name),
            r.name_en,
            r.name_zh,
            lambda en, zh: self.change(reasons.rename_reason, r.code, en, zh),
        )

    def action_retire(self) -> None:
        """Retire the highlighted entry (asked first), or bring a retired one back."""
        r = self._current()
        if r is None:
            return
        if not r.active:
            self.change(reasons.set_reason_active, r.code, True)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.change(reasons.set_reason_active, r.code, False)

        self.app.push_screen(
            ConfirmScreen(
                _("Retire {name}? The forms stop offering it; past figures keep it.", name=r.name)
            ),
            answered,
        )

    def action_move(self, by: int) -> None:
        """Move the highlighted entry up or down (the steps' order is the desk's digits)."""
        r = self._current()
        if r is None or self.kind not in reasons.FIXED_ORDER:
            return
        self.change(reasons.move_reason, r.code, by)  # the cursor stays on it (sync_rows)

    def action_close(self) -> None:
        self.dismiss(None)
