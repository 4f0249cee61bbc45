"""Targets beside the figures (issue 18): a table of each salesperson's month so far
against their targets to date, green / amber / red, and the lines the meeting reads out
("tomorrow: Li Na 3 callbacks, 2 receptions to reach").

Colour is never the only sign: a red cell ends in ``!`` and an amber one in ``~`` (a
monochrome terminal, a colour-blind manager, a printed screen). ASCII on purpose: symbol
characters are East-Asian "ambiguous" width and break the columns on CJK terminals.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from deskterm.domain.targets import MEASURE_LABELS, ORDER, Measure, Status
from deskterm.i18n import _, ngettext
from deskterm.services.actions import ActionView
from deskterm.services.labels import ACTION_STATE_LABELS as STATE_LABELS
from deskterm.services.labels import TARGET_HEADS as HEADS
from deskterm.services.labels import TARGET_MARKS as MARKS
from deskterm.services.labels import target_figure as figure
from deskterm.services.targets import PersonProgress, Progress, TargetBoard
from deskterm.ui.widgets.people import set_columns

STYLES = {Status.GREEN: "green", Status.AMBER: "yellow", Status.RED: "bold red"}


def cell(row: Progress) -> Text:
    """``actual/to-date`` in the status colour, marked; the figure alone with no target."""
    shown = figure(row.measure, row.actual)
    if row.to_date is None:
        return Text(shown)
    text = f"{shown}/{figure(row.measure, row.to_date)}{MARKS.get(row.status, '')}"
    return Text(text, style=STYLES.get(row.status, ""))


#: Under this many columns the eight measures fold onto two lines per person: the
#: process over the result (an 80-column desk cut the Sales column off).
FOLD_BELOW = 120


def heads(folded: bool = False) -> list[str | Text]:
    """The table's column heads, translated now (two lines each when folded)."""
    names = [_(HEADS[m]) for m in ORDER]
    if not folded:
        return [_("Salesperson"), *names]
    half = len(ORDER) // 2
    return [
        _("Salesperson"),
        *(Text(f"{a}\n{b}") for a, b in zip(names[:half], names[half:], strict=True)),
    ]


def rows(board: TargetBoard, folded: bool = False) -> list[tuple[str, list[object]]]:
    """(key, cells) for every salesperson, then the team."""
    out: list[tuple[str, list[object]]] = []
    people: Sequence[PersonProgress] = board.people
    half = len(ORDER) // 2
    for p in [*people, board.team]:
        name = p.name if p.name is not None else _("Team")
        key = str(p.salesperson_id or 0)
        cells = [cell(p.row(m)) for m in ORDER]
        if folded:
            cells = [
                Text("\n").join([a, b]) for a, b in zip(cells[:half], cells[half:], strict=True)
            ]
        out.append((key, [Text(name), *cells]))
    return out


def fill(table: DataTable, board: TargetBoard, width: int = 200) -> None:
    """Show ``board`` in ``table`` (columns and rows made again: a small table), folded
    onto two lines per person under ``FOLD_BELOW`` columns."""
    folded = width < FOLD_BELOW
    cursor = table.cursor_row
    set_columns(table, heads(folded))
    for key, cells in rows(board, folded):
        table.add_row(*cells, key=key, height=2 if folded else 1)
    if 0 < cursor < table.row_count:
        table.move_cursor(row=cursor, animate=False)


def legend(board: TargetBoard) -> str:
    """The line above the table: what the month is and how to read a cell."""
    if not board.any_target:
        return _(
            "No targets for {month} yet: F6 Manager → Targets, or "
            "deskterm targets set (c copies last month's).",
            month=board.month.isoformat()[:7],
        )
    return _(
        "Targets {month}, to {day}: done/target to date · ~ within reach · ! behind",
        month=board.month.isoformat()[:7],
        day=board.day.isoformat(),
    )


def tomorrow_line(
    tomorrow: Sequence[tuple[int, str, int, int]],
    board: TargetBoard | None,
    width: int = 0,
) -> str:
    """Per salesperson: tomorrow's callbacks (+ overdue still open) and, where targets
    are set, tomorrow's share of the receptions and sales to reach. Lines of ``width``
    cells (0: one line) break between two people, never inside one's entry."""
    people = {p.salesperson_id: p for p in board.people} if board is not None else {}
    parts = []
    for sid, name, due, overdue in tomorrow:
        text = f"{name} {due}" + (f" (+{overdue})" if overdue else "")
        p = people.get(sid)
        if p is not None:
            wanted = []
            n = p.row(Measure.RECEPTIONS).tomorrow
            if n:
                wanted.append(ngettext("{n} reception", "{n} receptions", n))
            n = p.row(Measure.SALES).tomorrow
            if n:
                wanted.append(ngettext("{n} sale", "{n} sales", n))
            if wanted:
                text += " · " + _("target {what}", what=", ".join(wanted))
        parts.append(text)
    if width <= 0:
        return "   ".join(parts)
    lines: list[str] = []
    for part in parts:
        if lines and cell_len(lines[-1]) + 3 + cell_len(part) <= width:
            lines[-1] += "   " + part
        else:
            lines.append(part)
    return "\n".join(lines)


def action_lines(items: Sequence[ActionView], limit: int = 8) -> str:
    """The open actions, most urgent first: state, day, what, who, and whose figure."""
    lines = []
    for a in items[:limit]:
        whose = ""
        if a.measure is not None:
            whose = f" → {_(MEASURE_LABELS[a.measure])}"
            if a.salesperson:
                whose += f" ({a.salesperson})"
        state = _(STATE_LABELS[a.state])
        lines.append(f"  [{state}] {a.due.isoformat()} {a.what} · {a.owner}{whose}")
    if len(items) > limit:
        lines.append("  " + _("… and {n} more (F6 Manager → Actions)", n=len(items) - limit))
    return "\n".join(lines) if lines else "  " + _("No open actions.")
