"""Refreshing a DataTable by diffing rows on a key, instead of clearing it.

Clearing makes the cursor jump and the screen flicker on every refresh; updating
only the cells that changed keeps the receptionist's place in the list.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from deskterm.ui.text import cells as safe_cells


def _keys_in_order(table: DataTable) -> list[str]:
    return [
        str(table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value)
        for i in range(table.row_count)
    ]


def sync_rows(
    table: DataTable, rows: Sequence[tuple[str, Sequence[object]]], *, height: int = 1
) -> None:
    """Make ``table`` show ``rows`` (key, cells) in that order, touching only what changed.

    Every string cell is shown as plain text: names and notes are never markup. Rows are
    ``height`` lines tall (a board with few rows on a tall screen spreads them out).
    """
    rows = [(key, safe_cells(*cells)) for key, cells in rows]
    wanted = [key for key, _ in rows]
    cursor_key = None
    if 0 <= table.cursor_row < table.row_count:
        cursor_key = _keys_in_order(table)[table.cursor_row]
    columns = list(table.columns)
    with table.app.batch_update():
        for key in _keys_in_order(table):
            if key not in wanted:
                table.remove_row(key)
        existing = set(_keys_in_order(table))
        for key, cells in rows:
            if key in existing:
                for col, old, new in zip(columns, table.get_row(key), cells, strict=False):
                    if old != new:
                        # widen the column if needed, or grown text is cut off
                        table.update_cell(key, col, new, update_width=True)
            else:
                table.add_row(*cells, key=key, height=height)
        tall = {row.height for row in table.rows.values()}
        if _keys_in_order(table) != wanted or tall - {height}:
            # The order (the queue moved) or the rows' height changed: rebuild, which is
            # rare and small.
            for key in _keys_in_order(table):
                table.remove_row(key)
            for key, cells in rows:
                table.add_row(*cells, key=key, height=height)
        if cursor_key in wanted:
            table.move_cursor(row=wanted.index(cursor_key), animate=False)


def pct(value: float | None) -> str:
    """A rate as a whole percentage; "-" when there was nothing to divide by."""
    return "-" if value is None else f"{value:.0%}"


def _redraw_cells_when_columns_widen() -> None:
    """Draw a table's cells again once its columns have been measured.

    Textual 8.2 caches a drawn cell by row, column and the table's update count, not by
    the column's width; the width is measured on the table's next idle. A cell drawn in
    between (the screen repainted for another widget) stayed cut at the old width (seen:
    the F7 pool's names cut to their header's width, "Jaso" for "Jason Ma"). Bumping the
    update count when a width changed gives every cell a new cache key.
    """
    original = DataTable._on_idle
    if getattr(original, "_deskterm_redraw", False):
        return

    async def _on_idle(self: DataTable, event: events.Idle) -> None:
        before = [c.content_width for c in self.columns.values()]
        await original(self, event)
        if before != [c.content_width for c in self.columns.values()]:
            self._update_count += 1
            self.refresh()

    _on_idle._deskterm_redraw = True  # type: ignore[attr-defined]
    DataTable._on_idle = _on_idle  # type: ignore[method-assign,assignment]


_redraw_cells_when_columns_widen()


class ChosenTable(DataTable):
    """A table remembering whether a person moved its cursor (keys or mouse).

    A key that acts on a row acts on the row under the cursor only if the cursor was
    moved since the last action: otherwise it still sits on whoever was acted on last,
    and a second key would land on them by accident. Moves made by the program (a refresh
    keeping its place) do not count. The screen clears ``chosen`` after each action.
    """

    chosen: bool = False

    def action_cursor_up(self) -> None:
        super().action_cursor_up()
        self.chosen = True

    def action_cursor_down(self) -> None:
        super().action_cursor_down()
        self.chosen = True

    def action_page_up(self) -> None:
        super().action_page_up()
        self.chosen = True

    def action_page_down(self) -> None:
        super().action_page_down()
        self.chosen = True

    def action_scroll_top(self) -> None:
        super().action_scroll_top()
        self.chosen = True

    def action_scroll_bottom(self) -> None:
        super().action_scroll_bottom()
        self.chosen = True

    async def _on_click(self, event: events.Click) -> None:
        await super()._on_click(event)
        self.chosen = True
