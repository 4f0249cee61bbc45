"""The deskterm Textual app.

Built through ``create_app`` — the one factory used by the CLI and the tests.
"""

from __future__ import annotations

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from deskterm.i18n import _
from deskterm.services import rotation
from deskterm.services.context import Context
from deskterm.services.rotation import BoardView


class DesktermApp(App[int]):
    """The front desk."""

    CSS_PATH = "app.tcss"
    TITLE = "deskterm"
    BINDINGS = [Binding("q", "quit", _("Quit"), id="quit")]

    class BoardLoaded(Message):
        """The rotation board was read from the database."""

        def __init__(self, board: BoardView) -> None:
            self.board = board
            super().__init__()

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Rotation board (read-only until the full front-desk UI lands)."),
                     id="placeholder")
        yield DataTable(id="board", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#board", DataTable)
        table.add_columns("#", _("Salesperson"), _("State"), _("Ups"))
        self.load_board()

    @work(thread=True, exclusive=True, group="board")
    def load_board(self) -> None:
        """Read the board off the event loop; answer with a message."""
        self.post_message(self.BoardLoaded(rotation.get_board(self.ctx)))

    def on_desktermapp_board_loaded(self, message: BoardLoaded) -> None:
        table = self.query_one("#board", DataTable)
        table.clear()
        for m in message.board.members:
            mark = "▶ " if m.is_next else ""
            table.add_row(str(m.position), mark + m.name, _(m.state), str(m.ups),
                          key=str(m.salesperson_id))


def create_app(ctx: Context) -> DesktermApp:
    """The one factory used by the CLI and the tests."""
    return DesktermApp(ctx)
