"""The per-salesperson figures (F5 Meeting, F6 Team) on a small desk's screen.

Under ``DeskScreen.NARROW_BELOW`` columns the full table (13 columns, ~120 wide in
either language) does not fit: the narrow layout keeps every figure a manager reads at
the meeting on screen by folding the three callback counts into one "due/done/overdue"
cell, putting long headers on two lines and the essential columns first (name,
receptions, levels, callbacks, conversion), so a secondary one is what an 80-column
terminal scrolls to.

Under ``TINY_BELOW`` columns (an 80-column terminal) even that scrolls sideways: the
tiny layout folds more (the levels into one "26/42/57" cell, won and upgrades into
"0/0"), shows the conversion without its with-contact figure and cuts a long name with
"…" to what is left; the line under the table (``detail_line``) gives the highlighted
row's full name and every figure with its label, the with-contact conversion included.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from deskterm.i18n import _
from deskterm.ui.widgets.tables import pct

#: Under this many columns the meeting's tables take their tiny layout (the narrow one
#: needs 99 columns in Chinese).
TINY_BELOW = 100


def callbacks_cell(due: object, done: object, overdue: object | Text) -> Text:
    """Due, done and overdue callbacks in one cell, ``6/0/2`` (overdue keeps its style)."""
    last = overdue if isinstance(overdue, Text) else str(overdue)
    return Text.assemble(str(due), "/", str(done), "/", last, end="")


def set_columns(table: DataTable, headers: Sequence[str | Text]) -> None:
    """Replace the table's columns; a header on two lines gets a two-line header row."""
    table.clear(columns=True)
    lines = max((len(str(h).splitlines()) for h in headers), default=1)
    table.header_height = max(lines, 1)
    for label in headers:
        table.add_column(label)  # as wide as the widest cell: nothing cut
    table.refresh()


def meeting_narrow(
    head: Sequence[str], rows: Sequence[Sequence[str]], n_levels: int
) -> tuple[list[str], list[list[object]]]:
    """``report_export.people_rows``' table for a narrow screen (same figures, refolded).

    Its columns are: name, receptions, the levels, due, done, overdue, upgrades, won,
    conversion, form, contact.
    """
    d = 2 + n_levels  # the first callback column
    if len(head) != d + 8:
        raise ValueError(f"unexpected meeting columns: {list(head)}")
    new_head = [
        head[0],
        _("Recep-\ntions"),
        *head[2:d],
        _("Due/done/\noverdue"),
        _("Conversion\n(contact)"),
        head[d + 4],  # won
        _("Up-\ngrades"),
        head[d + 6],  # form
        head[d + 7],  # contact
    ]
    new_rows: list[list[object]] = [
        [
            r[0],
            r[1],
            *r[2:d],
            callbacks_cell(r[d], r[d + 1], r[d + 2]),
            r[d + 5],
            r[d + 4],
            r[d + 3],
            r[d + 6],
            r[d + 7],
        ]
        for r in rows
    ]
    return new_head, new_rows


def fold(*values: object) -> str:
    """Figures in one cell, ``26/42/57``."""
    return "/".join(str(v) for v in values)


def levels_head(names: Sequence[str], room: int) -> str:
    """The folded levels' header in ``room`` cells (the widest cell's width): the names
    ``准购买/意向/潜在`` on one line or two, else their shortest distinct beginnings
    ``准/意/潜`` (the line under the table names them whole)."""
    names = [str(n) for n in names]
    full = "/".join(names)
    if cell_len(full) <= room:
        return full
    for i in range(len(names) - 1, 0, -1):  # the longest first line that fits
        first, second = "/".join(names[:i]) + "/", "/".join(names[i:])
        if cell_len(first) <= room and cell_len(second) <= room:
            return first + "\n" + second
    for k in range(1, max(len(n) for n in names) + 1):
        short = [n[:k] for n in names]
        if len(set(short)) == len(short):
            return "/".join(short)
    return full


def _width(value: object) -> int:
    return max((cell_len(line) for line in str(value).splitlines()), default=0)


def column_widths(head: Sequence[object], rows: Sequence[Sequence[object]]) -> tuple[int, ...]:
    """Each column's width in cells: its widest header line or cell."""
    return tuple(max(map(_width, col)) for col in zip(head, *rows, strict=True))


def fit_names(
    head: Sequence[object], rows: Sequence[Sequence[object]], room: int, padding: int = 1
) -> list[list[object]]:
    """``rows`` with the first cell (the name) cut with "…" to what the other columns
    leave of ``room`` cells (never narrower than its header); figures are never cut."""
    columns = list(zip(head, *rows, strict=True))
    others = sum(max(map(_width, col)) + 2 * padding for col in columns[1:])
    name_room = max(room - others - 2 * padding, _width(head[0]))
    out = []
    for row in rows:
        name = row[0]
        if _width(name) > name_room:
            name = _cut(str(name), name_room)
        out.append([name, *row[1:]])
    return out


def fit_name(name: str, room: int) -> str:
    """``name`` whole if it fits ``room`` cells, else cut with "…"."""
    return name if cell_len(name) <= room else _cut(name, room)


def _cut(name: str, room: int) -> str:
    """``name`` in ``room`` cells, ending with "…" (never half a Chinese character)."""
    kept = ""
    for char in name:
        if cell_len(kept + char) > room - 1:
            break
        kept += char
    return kept.rstrip() + "…"


def detail_line(name: str, parts: Sequence[str]) -> str:
    """A row's full name and its figures, each labelled: the line under a tiny table."""
    return _("{name}: {figures}", name=name, figures=" · ".join(parts))


def figure_parts(p: dict, level_names: dict[str, str], levels: Sequence[str]) -> list[str]:
    """The labelled figures every tiny table folds or drops: levels, callbacks, conversion."""
    return [
        _(", ").join(f"{level_names.get(lv, lv)} {p[lv]}" for lv in levels),
        _(
            "callbacks {due} due, {done} done, {overdue} overdue",
            due=p["callbacks_due"],
            done=p["callbacks_done"],
            overdue=p["callbacks_overdue"],
        ),
        _(
            "conversion {rate} ({with_contact} with contact)",
            rate=pct(p["conversion_rate"]),
            with_contact=pct(p.get("conversion_rate_with_contact")),
        ),
    ]


def meeting_tiny(
    head: Sequence[str], rows: Sequence[Sequence[str]], n_levels: int, room: int
) -> tuple[list[str], list[list[object]]]:
    """``report_export.people_rows``' table for an 80-column screen (same figures,
    refolded): the levels and won/upgrades folded, the conversion without its
    with-contact figure, names cut to what is left of ``room`` cells."""
    d = 2 + n_levels  # the first callback column
    if len(head) != d + 8:
        raise ValueError(f"unexpected meeting columns: {list(head)}")
    new_rows: list[list[object]] = [
        [
            r[0],
            r[1],
            fold(*r[2:d]),
            fold(r[d], r[d + 1], r[d + 2]),
            r[d + 5].split(" (")[0],  # "28% (31%)": the conversion, then with contact
            fold(r[d + 4], r[d + 3]),  # won, upgrades
            r[d + 6],
            r[d + 7],
        ]
        for r in rows
    ]
    widest = max((_width(r[2]) for r in new_rows), default=0)
    new_head = [
        head[0],
        _("Recep-\ntions"),
        levels_head(head[2:d], max(widest, 5)),
        _("Due/done/\noverdue"),
        _("Conver-\nsion"),
        _("Won/\nupgr."),
        head[d + 6],  # form
        head[d + 7],  # contact
    ]
    return new_head, fit_names(new_head, new_rows, room)


def meeting_detail(p: dict, level_names: dict[str, str], levels: Sequence[str]) -> str:
    """F5's line under the tiny table for one row: what its cells fold or cut."""
    parts = figure_parts(p, level_names, levels)
    parts.insert(2, _("{won} won, {upgrades} upgrades", won=p["won"], upgrades=p["upgrades"]))
    return detail_line(p["name"], parts)
