"""What every Manager tab shares: its typed ``Loaded`` message, its keys, its row helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from textual.coordinate import Coordinate
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable

from deskterm.i18n import _
from deskterm.ui.i18n_bindings import translate_bindings
from deskterm.ui.screens.base import DeskScreen
from deskterm.ui.widgets.detail import RowDetail

V = TypeVar("V")
T = TypeVar("T")  # the view a Loaded message carries


def selected_key(table: DataTable) -> str | None:
    """The row key under ``table``'s cursor (None when the table is empty)."""
    if table.row_count == 0:
        return None
    return str(table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value)


class ManagerTab(Widget, Generic[V]):
    """One tab of the Manager screen: fed a typed view, never reading the database.

    The keys that act on this tab only are its own ``BINDINGS``: the screen puts the open
    tab in its key chain, so the Footer shows them on this tab and nowhere else.
    """

    DEFAULT_CSS = """
    ManagerTab {
        height: auto;
    }
    """

    class Loaded(Message, Generic[T]):
        """A tab's new view; ``seq`` orders the loads, so an older one is never shown
        over a newer one (a thread worker cancelled by a newer load still finishes)."""

        def __init__(self, view: T, seq: int) -> None:
            super().__init__()
            self.view = view
            self.seq = seq

        def can_replace(self, message: Message) -> bool:
            # ``message`` is queued behind this one: when it is a newer view, this one
            # need not be drawn at all.
            return isinstance(message, ManagerTab.Loaded) and message.seq >= self.seq

    #: The view drawn last (None before the first load).
    view: V | None = None

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self.shown_seq = -1
        translate_bindings(self)

    def on_manager_tab_loaded(self, message: ManagerTab.Loaded[V]) -> None:
        message.stop()
        if message.seq < self.shown_seq:
            return  # an older load that finished after a newer one
        self.shown_seq = message.seq
        self.view = message.view
        self.show(message.view)

    def show(self, view: V) -> None:
        """Draw ``view`` (each tab says how)."""
        raise NotImplementedError

    def show_note(self, table_id: str, name_column: int) -> None:
        """The highlighted row's last cell (a note, a change) whole under its table, after
        the cell naming the row; nothing when it is empty."""
        table = self.query_one(f"#{table_id}", DataTable)
        text = ""
        if 0 <= table.cursor_row < table.row_count:
            row = table.get_row_at(table.cursor_row)
            if str(row[-1]).strip():
                text = _("{name}: {note}", name=str(row[name_column]), note=str(row[-1]))
        self.query_one(f"#{table_id}-detail", RowDetail).update(text)

    def fit(self) -> None:
        """Lay the tab out again for a new screen width (tabs whose columns depend on it)."""

    @property
    def width_columns(self) -> int:
        """The screen's width: the tables' layouts step at the screen's sizes."""
        return self.screen.size.width

    @property
    def desk(self) -> DeskScreen:
        """The screen this tab is on (it runs the services, with their error boundary)."""
        return cast(DeskScreen, self.screen)

    def run_service(
        self, fn: Callable[..., Any], *args: Any, then: Callable[[Any], None] | None = None
    ) -> None:
        """Run a service on the screen's worker (errors reach the app's one boundary)."""
        self.desk.run_service(fn, *args, then=then)
