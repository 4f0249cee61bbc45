"""The meeting report as plain text, Markdown or HTML, for printing or sending before the
meeting: one set of columns (``people_rows``) for all of them."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path
from typing import Any

from rich.cells import cell_len

from deskterm.errors import StorageError
from deskterm.i18n import _
from deskterm.services import report_charts, trends
from deskterm.services.context import Context
from deskterm.services.permissions import permission
from deskterm.services.report import as_json, daily_report, manager_sections
from deskterm.services.trends import Trends
from deskterm.storage.private import private_folder, write_private_text

# Markdown's own punctuation, backslash-escaped (CommonMark allows it before any ASCII
# punctuation); "|" would split a table row, "*", "_", "[", "`" would style or link.
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|"})


def _md(text: object) -> str:
    """People's and sheets' text as literal Markdown: no styling, link, table split or HTML."""
    s = " ".join(str(text).splitlines())  # a line break would end a table row or list item
    return html.escape(s, quote=False).translate(_MD_SPECIAL)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0%}"


def people_rows(
    data: dict[str, Any], *, who: str | None = None, total: str | None = None
) -> tuple[list[str], list[list[str]]]:
    """The meeting table — header and one row per salesperson, then the Team row — as
    every report format and the Meeting screen show it. (The group report: ``who`` and
    ``total`` name the first column and the last row, a showroom per row.)"""
    levels = data["levels"]
    names = data.get("level_names", {})  # 准购买, not "hot"
    head = [
        who or _("Salesperson"),
        _("Receptions"),
        *[names.get(lv, lv) for lv in levels],
        _("Due"),
        _("Done"),
        _("Overdue"),
        _("Upgrades"),
        _("Won"),
        _("Conversion (contact)"),
        _("Form"),
        _("Contact"),
    ]
    rows = []
    for p in [*data["salespeople"], {**data["team"], "name": total or _("Team")}]:
        rows.append(
            [
                p["name"],
                str(p["receptions"]),
                *[str(p[lv]) for lv in levels],
                str(p["callbacks_due"]),
                str(p["callbacks_done"]),
                str(p["callbacks_overdue"]),
                str(p["upgrades"]),
                str(p["won"]),
                _pct(p["conversion_rate"])
                + " ("
                + _pct(p.get("conversion_rate_with_contact"))
                + ")",
                _pct(p["form_completeness"]),
                _pct(p["contact_capture_rate"]),
            ]
        )
    return head, rows


def _minutes(v: float | None) -> str:
    """A median of whole minutes: 42, 37.5, or - when no visit ended."""
    if v is None:
        return "-"
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def traffic_rows(data: dict[str, Any]) -> tuple[list[str], list[list[str]]] | None:
    """The traffic log's meeting table (issue 19) — show rate, turn-over, be-back rate
    and the median visit, one row per salesperson then the Team row — as every report
    format and the Meeting screen show it; None when the report has no traffic figures."""
    if "appointments" not in data:
        return None
    head = [
        _("Salesperson"),
        _("Show rate"),
        _("Turn-over"),
        _("Be-backs"),
        _("Visit, median min"),
    ]
    lines = zip(
        [*data["appointments"]["salespeople"], data["appointments"]["team"]],
        [*data["steps"]["salespeople"], data["steps"]["team"]],
        [*data["be_backs"]["salespeople"], data["be_backs"]["team"]],
        [*data["visit_minutes"]["salespeople"], data["visit_minutes"]["team"]],
        strict=True,
    )
    rows = []
    for a, st, b, m in lines:
        settled = a["shown"] + a["no_show"]
        rows.append(
            [
                a.get("name", _("Team")),
                "-" if not settled else f"{_pct(a['show_rate'])} ({a['shown']}/{settled})",
                _pct(st["turn_over_rate"]),
                _pct(b["rate"]) + ("" if not b["be_backs"] else f" ({b['be_backs']})"),
                _minutes(m["median"]),
            ]
        )
    return head, rows


def traffic_title(data: dict[str, Any]) -> str:
    """The traffic table's title: what each column counts."""
    return _("Traffic log (be-backs: within {days} days)", days=data["be_backs"]["days"])


def _title(data: dict[str, Any], last: date | None = None) -> str:
    """The report's title: a day, a whole period, or a week or month still running
    (``last``, the chosen period's end, is after the report's last day: today)."""
    p = data["period"]
    if p["from"] == p["to"] and (last is None or last.isoformat() <= p["to"]):
        return _("Daily meeting report — {day}", day=p["to"])
    if last is not None and last.isoformat() > p["to"]:
        # The report stops at today; the title still names the week or month chosen.
        return _(
            "Meeting report — {first} to {last}, so far (to {day})",
            first=p["from"],
            last=last.isoformat(),
            day=p["to"],
        )
    return _("Meeting report — {first} to {last}", first=p["from"], last=p["to"])


def _summary(data: dict[str, Any]) -> list[str]:
    r, c = data["receptions"], data["callbacks"]
    return [
        _(
            "Receptions: {total} ({with_c} with contact, {without} without), {uncounted} not "
            "counted",
            total=r["total"],
            with_c=r["with_contact"],
            without=r["without_contact"],
            uncounted=r["uncounted"],
        ),
        _(
            "Callbacks: {due} due, {done} done, {overdue} overdue",
            due=c["due"],
            done=c["done"],
            overdue=c["overdue"],
        ),
        _(
            "Tomorrow: {tasks}",
            tasks=_(", ").join(f"{t['salesperson']} {t['callbacks']}" for t in data["tomorrow"]),
        ),
        _(
            "At risk: {n}; to reassign: {m}; stalled: {k}",
            n=len(data["at_risk"]),
            m=len(data["to_reassign"]),
            k=len(data["stalled"]),
        ),
    ]


def _plain(text: object) -> str:
    """One line of plain text (a line break would break the table's row)."""
    return " ".join(str(text).splitlines())


#: A printed page and the terminal most people have: the text report fits in it.
TEXT_WIDTH = 80


def _text_table(head: list[str], rows: list[list[str]], width: int = TEXT_WIDTH) -> list[str]:
    """Columns aligned by terminal cells (a Chinese character takes two), names left,
    figures right. A name too long for ``width`` gets a line of its own, whole, and its
    figures go on the next line: a name is never cut or wrapped inside. Headers too wide
    for ``width`` (a shop's long level names, "H级(7天内)") break before their bracket."""
    heads = [[_plain(c)] for c in head]
    body = [[_plain(c) for c in r] for r in rows]

    def widths_of(heads: list[list[str]]) -> list[int]:
        return [
            max([cell_len(x) for x in heads[i]] + [cell_len(r[i]) for r in body])
            for i in range(len(heads))
        ]

    widths = widths_of(heads)
    if sum(widths) + 2 * (len(head) - 1) > width:
        heads = [
            h if i == 0 else re.sub(r"\s*([(（])", "\n\\1", h[0], count=1).split("\n")
            for i, h in enumerate(heads)
        ]
        widths = widths_of(heads)
    depth = max(len(h) for h in heads)
    table = [[h[k] if k < len(h) else "" for h in heads] for k in range(depth)] + body
    # Two spaces between columns, one when that keeps every name on its figures' line.
    gap = 2 if sum(widths) + 2 * (len(head) - 1) <= width else 1
    figures = sum(widths[1:]) + gap * (len(head) - 1)
    widths[0] = min(widths[0], max(cell_len(table[0][0]), width - figures))
    lines = []
    for r in table:
        if cell_len(r[0]) > widths[0]:
            lines.append(r[0])
            r = ["", *r[1:]]
        cells = [
            c + " " * (w - cell_len(c)) if i == 0 else " " * (w - cell_len(c)) + c
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append((" " * gap).join(cells).rstrip())
    return lines


def _wrap_items(template: str, items: list[str], width: int = TEXT_WIDTH) -> list[str]:
    """``template`` (one ``{tasks}``) filled with ``items``, broken between items — never
    inside a name — so that each line fits ``width``; later lines line up under the first
    item."""
    sep = _(", ")
    if not items:
        return [_plain(_(template, tasks=""))]
    indent = " " * cell_len(_(template, tasks=""))
    lines: list[str] = []
    current: list[str] = []
    for item in map(_plain, items):
        text = sep.join([*current, item])
        line = _(template, tasks=text) if not lines else indent + text
        if current and cell_len(line) > width:
            done = sep.join(current) + sep.rstrip()
            lines.append(_(template, tasks=done) if not lines else indent + done)
            current = [item]
        else:
            current.append(item)
    rest = sep.join(current)
    lines.append(_(template, tasks=rest) if not lines else indent + rest)
    return lines


def text_tables(
    data: dict[str, Any], *, who: str | None = None, total: str | None = None
) -> list[tuple[str, list[str], list[list[str]]]]:
    """The meeting table in two parts that each fit 80 columns, both with the names:
    receptions and levels, then callbacks and rates (the Meeting screen's columns)."""
    head, rows = people_rows(data, who=who, total=total)
    n = len(data["levels"])
    # people_rows: name, receptions, levels…, due, done, overdue, upgrades, won,
    # conversion, form, contact.
    due = 2 + n
    parts = (
        (_("Receptions and levels"), [0, 1, *range(2, due), due + 3, due + 4]),
        (_("Callbacks and rates"), [0, due, due + 1, due + 2, due + 5, due + 6, due + 7]),
    )
    return [
        (title, [head[i] for i in cols], [[r[i] for i in cols] for r in rows])
        for title, cols in parts
    ]


def media_table(data: dict[str, Any], wide: bool) -> tuple[str, list[str], list[list[str]]] | None:
    """Where the month's visitors came from, as a table (title, heads, rows); None when
    the report has no media section (the meeting's own figures only)."""
    from deskterm.services.labels import media_heads, media_title, money

    m = data.get("media")
    if not m:
        return None

    def cells(name: str, r: dict[str, Any]) -> list[str]:
        spend = [money(r["spend_month"]), money(r["spend_to_date"])]
        return [
            name,
            *(spend if wide else spend[1:]),
            str(r["visitors"]),
            str(r["contacts"]),
            str(r["sales"]),
            money(r["cost_per_visitor"]),
            money(r["cost_per_sale"]),
        ]

    rows = [cells(str(r["name"]), r) for r in m["sources"]]
    rows.append(cells(_("All media"), m["total"]))
    return media_title(m["month"], m["last"]), media_heads(wide), rows


def _media_note() -> str:
    from deskterm.services.labels import MEDIA_NOTE

    return MEDIA_NOTE()


def to_text(data: dict[str, Any], last: date | None = None) -> str:
    """The report as plain text: the screen's ``deskterm report`` and its ``--out`` file,
    with every column and the Team row of the other formats, in 80 columns (two tables,
    each with the names)."""
    summary = _summary(data)
    out = [_plain(_title(data, last)), *map(_plain, summary[:2])]
    for title, head, rows in text_tables(data):
        out += ["", _plain(title), *_text_table(head, rows)]
    traffic = traffic_rows(data)
    if traffic is not None:
        out += ["", _plain(traffic_title(data)), *_text_table(*traffic)]
    out.append("")
    tasks = [f"{t['salesperson']} {t['callbacks']}" for t in data["tomorrow"]]
    out += _wrap_items("Tomorrow: {tasks}", tasks)
    out += map(_plain, summary[3:])
    media = media_table(data, wide=False)
    if media is not None:
        out += ["", _plain(media[0]), _plain(_media_note()), *_text_table(media[1], media[2])]
    return "\n".join(out) + "\n"


def to_markdown(data: dict[str, Any], last: date | None = None) -> str:
    """The report as a Markdown document."""
    head, rows = people_rows(data)
    out = [
        f"# {_md(_title(data, last))}",
        "",
        *[f"- {_md(line)}" for line in _summary(data)],
        "",
        "| " + " | ".join(map(_md, head)) + " |",
        "|" + "---|" * len(head),
    ]
    out += ["| " + " | ".join(map(_md, r)) + " |" for r in rows]
    traffic = traffic_rows(data)
    if traffic is not None:
        out += ["", f"## {_md(traffic_title(data))}", ""]
        out += ["| " + " | ".join(map(_md, traffic[0])) + " |", "|" + "---|" * len(traffic[0])]
        out += ["| " + " | ".join(map(_md, r)) + " |" for r in traffic[1]]
    for key, title in (("at_risk", _("At risk")), ("to_reassign", _("To reassign"))):
        if data[key]:
            out += ["", f"## {_md(title)}", ""]
            out += [
                f"- {_md(i['name'])} ({_md(i['level'])}, {_md(i['owner'])}, "
                + _md(_("{n} d over", n=i["days_over"]))
                + ")"
                for i in data[key]
            ]
    media = media_table(data, wide=True)
    if media is not None:
        title, head, rows = media
        out += ["", f"## {_md(title)}", "", _md(_media_note()), ""]
        out += ["| " + " | ".join(map(_md, head)) + " |"]
        out += ["|" + "---|" * len(head), *["| " + " | ".join(map(_md, r)) + " |" for r in rows]]
    return "\n".join(out) + "\n"


def to_html(data: dict[str, Any], last: date | None = None, trends: Trends | None = None) -> str:
    """The report as a standalone, printable HTML page (no scripts, no external files);
    with ``trends``, their charts as inline SVG under the people's table."""
    e = html.escape
    head, rows = people_rows(data)
    title = _title(data, last)
    parts = [
        "<!doctype html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:2px 8px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}@media print{body{margin:0}}"
        f"{report_charts.CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        "<ul>",
    ]
    parts += [f"<li>{e(line)}</li>" for line in _summary(data)]
    parts += ["</ul>", "<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>"]
    parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows]
    parts.append("</table>")
    if trends is not None:  # before the long lists: what a manager looks at first
        parts.append(report_charts.trend_charts_html(trends))
    traffic = traffic_rows(data)  # under the charts, which sit right under the people
    if traffic is not None:
        parts.append(f"<h2>{e(traffic_title(data))}</h2>")
        parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in traffic[0]) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in traffic[1]]
        parts.append("</table>")
    for key, title in (("at_risk", _("At risk")), ("to_reassign", _("To reassign"))):
        if data[key]:
            parts.append(f"<h2>{e(title)}</h2><ul>")
            parts += [
                f"<li>{e(i['name'])} ({e(i['level'])}, {e(i['owner'])}, "
                f"{e(_('{n} d over', n=i['days_over']))})</li>"
                for i in data[key]
            ]
            parts.append("</ul>")
    media = media_table(data, wide=True)
    if media is not None:
        parts.append(f"<h2>{e(media[0])}</h2><p>{e(_media_note())}</p>")
        parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in media[1]) + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in media[2]]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


@permission("export")
def export_meeting(
    ctx: Context, folder: Path, last: date | None = None, first: date | None = None
) -> Path:
    """Write the meeting report (with the manager's sections) as HTML and Markdown into
    ``folder``; return the HTML file, the one to print."""
    report = daily_report(ctx, last, first)
    data = as_json(report, manager_sections(ctx, report))
    charts = trends.trends(ctx, report.day)
    stem = f"meeting-{report.day.isoformat()}"
    if report.first != report.day:
        stem = f"meeting-{report.first.isoformat()}-to-{report.day.isoformat()}"
    try:
        private_folder(folder)
        html_path = folder / f"{stem}.html"
        write_private_text(html_path, to_html(data, last, charts))
        write_private_text(folder / f"{stem}.md", to_markdown(data, last))
    except OSError as exc:
        raise StorageError(
            "Could not write the report to {path}: {reason}",
            path=str(folder),
            reason=exc.strerror or str(exc),
        ) from exc
    return html_path


def write_report_file(path: Path, text: str) -> None:
    """Write a report the CLI made (``report --out``) into ``path``, readable by the owner
    only: it names customers and staff like the database does."""
    try:
        write_private_text(path, text)
    except OSError as exc:
        raise StorageError(
            "Could not write the report to {path}: {reason}",
            path=str(path),
            reason=exc.strerror or str(exc),
        ) from exc


def _group_table_data(data: dict[str, Any]) -> dict[str, Any]:
    """The group report's JSON in the meeting table's shape: a showroom per row (those
    read), the group's total as the last."""
    return {
        "levels": data["levels"],
        "level_names": data["level_names"],
        "salespeople": [
            {**{lv: 0 for lv in data["levels"]}, **r["team"], "name": r["name"]}
            for r in data["showrooms"]
            if r["team"] is not None
        ],
        "team": data["group"],
    }


def _group_title(data: dict[str, Any]) -> str:
    p = data["period"]
    if p["from"] == p["to"]:
        return _("The dealer group's meeting figures — {day}", day=p["to"])
    return _(
        "The dealer group's meeting figures — {first} to {last}", first=p["from"], last=p["to"]
    )


def _group_problems(data: dict[str, Any]) -> list[str]:
    return [
        _("Not in the total: {showroom} ({problem})", showroom=r["name"], problem=r["problem"])
        for r in data["showrooms"]
        if r["team"] is None
    ]


def group_table(data: dict[str, Any]) -> tuple[str, list[str], list[list[str]], list[str]]:
    """The group report as a screen shows it: title, header, rows (a showroom each, the
    Group row last) and the showrooms left out, each with its reason."""
    head, rows = people_rows(_group_table_data(data), who=_("Showroom"), total=_("Group"))
    return _group_title(data), head, rows, _group_problems(data)


def group_to_text(data: dict[str, Any]) -> str:
    """The group report (:func:`deskterm.services.group.group_json`) as plain text, 80
    columns: a row per showroom, the group's total last."""
    table = _group_table_data(data)
    out = [_plain(_group_title(data))]
    if not data["showrooms"]:
        out.append(_("No showroom on this server holds a deskterm database yet."))
    for title, head, rows in text_tables(table, who=_("Showroom"), total=_("Group")):
        out += ["", _plain(title), *_text_table(head, rows)]
    problems = _group_problems(data)
    if problems:
        out += ["", *map(_plain, problems)]
    return "\n".join(out) + "\n"


def group_to_markdown(data: dict[str, Any]) -> str:
    """The group report as a Markdown document."""
    head, rows = people_rows(_group_table_data(data), who=_("Showroom"), total=_("Group"))
    out = [
        f"# {_md(_group_title(data))}",
        "",
        "| " + " | ".join(map(_md, head)) + " |",
        "|" + "---|" * len(head),
        *["| " + " | ".join(map(_md, r)) + " |" for r in rows],
    ]
    problems = _group_problems(data)
    if problems:
        out += ["", *[f"- {_md(p)}" for p in problems]]
    return "\n".join(out) + "\n"
