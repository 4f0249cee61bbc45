"""Importing a customer sheet: which column is what, the dry run beside it, then import.

Every change of the mapping (or of the salesperson for lines that name none) runs the
dry run again in a worker, so what the manager sees is what the import would do. The
import itself is all or nothing; rejected lines are left out only when asked.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from deskterm.domain.phone import display_phone
from deskterm.domain.sheet import (
    ACTION_LABELS,
    FIELD_LABELS,
    UPDATABLE,
    VALUE_FIELDS,
    Action,
    ImportField,
    cell_text,
    unknown_values,
)
from deskterm.errors import DesktermError
from deskterm.i18n import N_, _
from deskterm.services import importing, setup
from deskterm.services.context import Context
from deskterm.services.importing import ImportPlan, Sheet
from deskterm.ui.boundary import WorkerBoundary
from deskterm.ui.i18n_bindings import translate_bindings
from deskterm.ui.screens.dialogs import ConfirmScreen, PickScreen
from deskterm.ui.widgets.footer import DeskFooter
from deskterm.ui.widgets.header import DeskHeader
from deskterm.ui.widgets.tables import sync_rows

PLAN_ROWS = 1000  # lines shown, those that need reading first; the summary counts all
_ORDER = {Action.REJECT: 0, Action.MERGE: 1, Action.CREATE: 2}


class ImportScreen(WorkerBoundary, Screen[ImportPlan | None]):
    """The column mapping and the dry run of one sheet; Ctrl+S imports it."""

    BINDINGS = [
        Binding("f", "field", N_("Column's field"), id="import.field"),
        Binding("o", "owner", N_("Salesperson for the rest"), id="import.owner"),
        Binding("h", "header_row", N_("Header row"), id="import.header_row"),
        Binding("v", "values", N_("Map values"), id="import.values"),
        Binding("u", "update", N_("Sheet may change"), id="import.update"),
        Binding("ctrl+s", "commit", N_("Import"), id="import.commit"),
        Binding("escape", "cancel", N_("Cancel"), id="import.cancel"),
    ]

    class Planned(Message):
        """A dry run finished (``plan``), or could not run (``error``)."""

        def __init__(self, plan: ImportPlan | None, error: str | None) -> None:
            self.plan = plan
            self.error = error
            super().__init__()

    def __init__(self, ctx: Context, sheet: Sheet) -> None:
        super().__init__(id="import")
        translate_bindings(self)
        self.ctx = ctx
        self.sheet = sheet
        self.mapping: list[ImportField | None] = importing.guess(sheet)
        self.owner: tuple[int, str] | None = None
        self.plan: ImportPlan | None = None
        #: Words mapped once for the whole sheet: (field, the sheet's text) → code.
        self.values: dict[tuple[ImportField, str], str] = {}
        #: Every word the shop did not know, with its count, kept once mapped.
        self.words: dict[tuple[ImportField, str], int] = {}
        self._choices: dict[ImportField, list[tuple[str, str]]] = {}
        #: Fields the sheet may change on customers on file (the rest are kept).
        self.update: set[str] = set()

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield Static(self._title(), id="import-title", markup=False)
        with Horizontal():
            with Vertical(id="columns-pane"):
                yield Label(_("Columns"), classes="pane-title", markup=False)
                yield DataTable(id="columns", cursor_type="row", zebra_stripes=True)
                yield Static("", id="import-owner", classes="hint", markup=False)
                yield Label(
                    _("Words the shop does not know (v, Enter maps one)"),
                    classes="pane-title",
                    markup=False,
                )
                yield DataTable(id="values", cursor_type="row", zebra_stripes=True)
            with Vertical(id="plan-pane"):
                yield Label(_("Dry run"), classes="pane-title", markup=False)
                yield DataTable(id="plan", cursor_type="row", zebra_stripes=True)
        yield Static("", id="import-summary", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        columns = self.query_one("#columns", DataTable)
        for label, width in ((_("Column"), 14), (_("Example"), 16), (_("Field"), 14)):
            columns.add_column(label, width=width)
        words = self.query_one("#values", DataTable)
        for label, width in ((_("Field"), 8), (_("Value"), 12), (_("Lines"), 5), (_("Means"), 12)):
            words.add_column(label, width=width)
        plan = self.query_one("#plan", DataTable)
        for label, width in (
            (_("Line"), 5),
            (_("Action"), 6),
            (_("Name"), 10),
            (_("Phone"), 13),
            (_("Why"), 64),
        ):
            plan.add_column(label, width=width)
        self._choices = {f: importing.value_choices(self.ctx, f) for f in VALUE_FIELDS}
        self._show_columns()
        self._show_owner()
        columns.focus()
        self.run_plan()

    def _title(self) -> str:
        return _(
            "Import {name}: headers on line {row} (h to change), {n} lines below. "
            "Enter or f sets a column's field.",
            name=self.sheet.name,
            row=self.sheet.header_row,
            n=len(self.sheet.rows),
        )

    def action_header_row(self) -> None:
        """Choose the line holding the headers among the top lines of the file."""

        def picked(value: str | None) -> None:
            if value is None or int(value) == self.sheet.header_row:
                return
            self.sheet = self.sheet.at_header_row(int(value))
            self.mapping = importing.guess(self.sheet)
            self.query_one("#import-title", Static).update(self._title())
            self._show_columns()
            self.run_plan()

        options = []
        for line, cells in self.sheet.top_lines():
            shown = " | ".join(t for t in (cell_text(c).strip() for c in cells) if t)
            options.append((str(line), f"{line}: {shown[:60]}"))
        self.app.push_screen(PickScreen(_("Which line holds the headers?"), options), picked)

    # -- the mapping ------------------------------------------------------------------
    def _show_columns(self) -> None:
        rows = []
        for i, header in enumerate(self.sheet.headers):
            f = self.mapping[i] if i < len(self.mapping) else None
            example = " / ".join(importing.samples(self.sheet, i, 2))
            rows.append(
                (str(i), (header or "?", example, _(FIELD_LABELS[f]) if f else _("(not imported)")))
            )
        sync_rows(self.query_one("#columns", DataTable), rows)

    def _show_owner(self) -> None:
        changes = _(", ").join(
            _(FIELD_LABELS[ImportField(f)]) for f in UPDATABLE if f in self.update
        )
        self.query_one("#import-owner", Static).update(
            _(
                "Lines without a salesperson go to: {name} (o to choose)",
                name=self.owner[1] if self.owner else _("nobody (they are rejected)"),
            )
            + "\n"
            + _(
                "The sheet may change on customers on file: {fields} (u to choose)",
                fields=changes or _("nothing (what is on file is kept)"),
            )
        )

    def action_update(self) -> None:
        """Let the sheet change one more field on customers on file, or one fewer."""

        def picked(value: str | None) -> None:
            if value is None:
                return
            if value == "-":
                self.update.clear()
            else:
                self.update ^= {value}
            self._show_owner()
            self.run_plan()

        options = [("-", _("nothing (what is on file is kept)"))] + [
            (f, ("[x] " if f in self.update else "[ ] ") + _(FIELD_LABELS[ImportField(f)]))
            for f in UPDATABLE
        ]
        self.app.push_screen(
            PickScreen(_("Which field may the sheet change? (one at a time)"), options), picked
        )

    @on(DataTable.RowSelected, "#columns")
    def column_chosen(self) -> None:
        self.action_field()

    def action_field(self) -> None:
        table = self.query_one("#columns", DataTable)
        column = table.cursor_row
        if not 0 <= column < len(self.sheet.headers):
            return

        def picked(value: str | None) -> None:
            if value is None:
                return
            chosen = None if value == "-" else ImportField(value)
            # One column per field: the column that had it lets it go.
            self.mapping = [
                None if (chosen is not None and f is chosen) else f for f in self.mapping
            ]
            self.mapping[column] = chosen
            self._show_columns()
            self.run_plan()

        options = [("-", _("(not imported)"))] + [
            (f.value, _(label)) for f, label in FIELD_LABELS.items()
        ]
        self.app.push_screen(
            PickScreen(
                _("Field of column {name}", name=self.sheet.headers[column] or "?"), options
            ),
            picked,
        )

    def action_owner(self) -> None:
        people = setup.list_staff(self.ctx, "salesperson")

        def picked(value: str | None) -> None:
            if value is None:
                return
            self.owner = (
                None if value == "-" else next((p.id, p.name) for p in people if str(p.id) == value)
            )
            self._show_owner()
            self.run_plan()

        options = [("-", _("nobody (they are rejected)"))] + [(str(p.id), p.name) for p in people]
        self.app.push_screen(PickScreen(_("Salesperson for lines that name none"), options), picked)

    # -- the values -------------------------------------------------------------------
    def _show_values(self) -> None:
        rows = []
        for i, ((f, text), n) in enumerate(self.words.items()):
            code = self.values.get((f, text))
            rows.append((str(i), (_(FIELD_LABELS[f]), text, str(n), self._label(f, code))))
        sync_rows(self.query_one("#values", DataTable), rows)

    def _label(self, f: ImportField, code: str | None) -> str:
        if code is None:
            return _("(not mapped)")
        return dict(self._choices.get(f, [])).get(code, code)

    def action_values(self) -> None:
        """Go to the unknown words; pressed there, map the one under the cursor."""
        table = self.query_one("#values", DataTable)
        if table.has_focus:
            self.value_chosen()
        else:
            table.focus()

    @on(DataTable.RowSelected, "#values")
    def value_chosen(self) -> None:
        index = self.query_one("#values", DataTable).cursor_row
        words = list(self.words)
        if not 0 <= index < len(words):
            return
        f, text = words[index]

        def picked(value: str | None) -> None:
            if value is None:
                return
            if value == "-":
                self.values.pop((f, text), None)
            else:
                self.values[(f, text)] = value
            self._show_values()
            self.run_plan()

        options = [("-", _("(not mapped)")), *self._choices.get(f, [])]
        self.app.push_screen(
            PickScreen(_("{field} {value} means:", field=_(FIELD_LABELS[f]), value=text), options),
            picked,
        )

    # -- the dry run ------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="import-plan", exit_on_error=False)
    def run_plan(self) -> None:
        try:
            plan = importing.preview(
                self.ctx,
                self.sheet,
                list(self.mapping),
                self.owner[0] if self.owner else None,
                dict(self.values),
                set(self.update),
            )
        except DesktermError as exc:
            self.post_message(self.Planned(None, exc.message))
            return
        self.post_message(self.Planned(plan, None))

    def on_import_screen_planned(self, message: Planned) -> None:
        self.plan = message.plan
        summary = self.query_one("#import-summary", Static)
        table = self.query_one("#plan", DataTable)
        if message.plan is None:
            summary.update(message.error or "")
            summary.set_class(True, "error")
            sync_rows(table, [])
            return
        summary.set_class(False, "error")
        unknown = unknown_values(message.plan.rows)
        # A mapped word keeps its line (and count) so it can be changed again.
        self.words = {
            k: unknown.get(k, self.words.get(k, 0))
            for k in [*self.words, *unknown]
            if k in unknown or k in self.values
        }
        self._show_values()
        n = message.plan.counts
        rows = sorted(
            message.plan.rows,
            key=lambda r: (
                _ORDER[r.action],
                not (r.fills or r.warnings or r.ignored or r.changes),
                r.line,
            ),
        )
        shown = rows[:PLAN_ROWS]
        text = _(
            "{c} to create, {m} to merge, {r} rejected. Ctrl+S imports.",
            c=n[Action.CREATE],
            m=n[Action.MERGE],
            r=n[Action.REJECT],
        )
        if len(shown) < len(rows):
            text += " " + _(
                "(showing {k} of {n} lines, those that need reading first)",
                k=len(shown),
                n=len(rows),
            )
        summary.update(text)
        sync_rows(
            table,
            [
                (
                    str(r.line),
                    (
                        str(r.line),
                        _(ACTION_LABELS[r.action]),
                        r.name,
                        display_phone(r.phone) if r.phone.startswith("+") else r.phone,
                        importing.explain(r, message.plan.levels, message.plan.media),
                    ),
                )
                for r in shown
            ],
        )

    # -- import -----------------------------------------------------------------------
    def action_commit(self) -> None:
        plan = self.plan
        if plan is None:
            self.notify(
                _("Nothing to import yet: the dry run has not finished or cannot run."),
                severity="warning",
                markup=False,
            )
            return
        n = plan.counts
        if not n[Action.CREATE] and not n[Action.MERGE]:
            self.notify(_("No line can be imported."), severity="warning", markup=False)
            return
        if n[Action.REJECT]:

            def answered(yes: bool | None) -> None:
                if yes:
                    self.commit(skip_rejected=True)

            self.app.push_screen(
                ConfirmScreen(
                    _(
                        "{r} lines are rejected. Import the other {k} lines and leave those out?",
                        r=n[Action.REJECT],
                        k=n[Action.CREATE] + n[Action.MERGE],
                    )
                ),
                answered,
            )
            return
        self.commit(skip_rejected=False)

    @work(thread=True, exclusive=True, group="import-commit", exit_on_error=False)
    def commit(self, skip_rejected: bool) -> None:
        try:
            plan = importing.commit(
                self.ctx,
                self.sheet,
                list(self.mapping),
                self.owner[0] if self.owner else None,
                skip_rejected=skip_rejected,
                values=dict(self.values),
                update=set(self.update),
            )
        except DesktermError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
            self.run_plan()  # what is on file may have changed: show the plan again
            return
        try:
            # The lines left out, beside the sheet, to be corrected and imported alone.
            written = importing.write_rejects(self.ctx, self.sheet, plan)
        except DesktermError as exc:
            self.app.call_from_thread(self.app.notify, exc.message, severity="error", timeout=12)
            written = None
        if written is not None:
            self.app.call_from_thread(
                self.app.notify,
                _(
                    "The {n} rejected lines, with why, are in {path}: correct them there and "
                    "import that file.",
                    n=written[1],
                    path=str(written[0]),
                ),
                timeout=20,
                markup=False,
            )
        self.app.call_from_thread(self.dismiss, plan)

    def action_cancel(self) -> None:
        self.dismiss(None)


class UndoConfirmScreen(ConfirmScreen):
    """The yes / no before an undo: its lines wrap, so a long file name is read whole."""

    DEFAULT_CSS = """
    UndoConfirmScreen .question { width: 100%; }
    """


class ImportBatchesScreen(WorkerBoundary, Screen[None]):
    """The imports so far, newest first; ``u`` undoes the one under the cursor."""

    BINDINGS = [
        Binding("u", "undo", N_("Undo import"), id="imports.undo"),
        Binding("escape", "close", N_("Back"), id="imports.close"),
    ]

    class Loaded(Message):
        """The list of batches was read."""

        def __init__(self, batches: list[importing.Batch]) -> None:
            self.batches = batches
            super().__init__()

    def __init__(self, ctx: Context) -> None:
        super().__init__(id="imports")
        translate_bindings(self)
        self.ctx = ctx
        self.batches: list[importing.Batch] = []

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield Static(
            _(
                "Each committed import is one numbered batch; u undoes the one under the "
                "cursor.\nThe customers it created are removed and what it merged is put back, "
                "unless work has been done on them since."
            ),
            id="imports-title",
            classes="hint",
            markup=False,
        )
        yield DataTable(id="batches", cursor_type="row", zebra_stripes=True)
        yield DeskFooter()

    def on_mount(self) -> None:
        table = self.query_one("#batches", DataTable)
        for label, width in (
            (_("No."), 4),
            (_("When"), 16),
            (_("File"), 18),
            (_("By"), 8),
            (_("Created"), 7),
            (_("Merged"), 7),
            (_("Changed"), 7),
            (_("Undone"), 10),
        ):
            table.add_column(label, width=width)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="import-batches", exit_on_error=False)
    def load(self) -> None:
        self.post_message(self.Loaded(importing.batches(self.ctx)))

    def on_import_batches_screen_loaded(self, message: Loaded) -> None:
        self.batches = message.batches
        sync_rows(
            self.query_one("#batches", DataTable),
            [
                (
                    str(b.id),
                    (
                        str(b.id),
                        f"{b.at:%Y-%m-%d %H:%M}",
                        b.sheet,
                        b.by or _("command line"),
                        str(b.created),
                        str(b.merged),
                        str(b.updated),
                        f"{b.undone_at:%Y-%m-%d}" if b.undone_at else "",
                    ),
                )
                for b in self.batches
            ],
        )

    def action_undo(self) -> None:
        """Ask, naming the batch (file, time, counts), then undo it all or nothing."""
        index = self.query_one("#batches", DataTable).cursor_row
        if not 0 <= index < len(self.batches):
            self.notify(_("No import yet."), severity="warning", markup=False)
            return
        batch = self.batches[index]
        if batch.undone_at is not None:
            self.notify(
                _("Import {n} was already undone.", n=batch.id), severity="warning", markup=False
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.undo(batch.id)

        self.app.push_screen(
            UndoConfirmScreen(
                _("Undo import {n}?", n=batch.id)
                + "\n"
                + importing.describe(batch)
                + "\n"
                + _("The customers it created are removed; what it merged is put back as it was.")
            ),
            answered,
        )

    @work(thread=True, exclusive=True, group="import-undo", exit_on_error=False)
    def undo(self, batch_id: int) -> None:
        done = importing.undo(self.ctx, batch_id)  # a refusal goes to the app's boundary
        self.app.call_from_thread(self.notify, importing.undone_message(done), markup=False)
        self.app.call_from_thread(self.load)

    def action_close(self) -> None:
        self.dismiss(None)
