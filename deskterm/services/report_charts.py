"""The trends as inline SVG for the printable HTML report: no script, no external file.

Hand-written SVG (polylines and text), so the page stays one self-contained file that
any browser prints. Every label is escaped: reason names and the shop's words are
typed by people. Text is drawn with ``unicode-bidi: isolate`` (the page's style), so a
right-to-left name cannot reorder the numbers beside it.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from deskterm.i18n import _
from deskterm.services.trends import OTHER, Trends, top_reasons

WIDTH = 640
PLOT_HEIGHT = 150
LEFT = 56  # room for the y labels
RIGHT = 36  # half a month's label: the last one is centred on the last point
LINE = 16  # a legend line
#: A label longer than this is cut with an ellipsis (a chart is no place for an essay).
MAX_LABEL = 60
COLORS = ("#1f6fd1", "#d9822b", "#2e9b5f", "#c2407a", "#7a5bd1", "#6b7280")
#: The page's style for the charts (added to the report's <style>).
CSS = (
    ".chart{display:block;margin:1em 0}"
    ".chart text{font-family:sans-serif;font-size:12px;unicode-bidi:isolate}"
    ".chart .title{font-size:14px;font-weight:bold}.chart .axis{fill:#666}"
)


@dataclass(frozen=True)
class Line:
    """One series: its name, a value per x (None: a gap), dashed for a target."""

    label: str
    values: Sequence[float | None]
    dashed: bool = False


def _e(text: str) -> str:
    """A label as SVG text: one line, no control character (a terminal's escape is no
    character of XML), at most MAX_LABEL long, escaped."""
    text = " ".join(str(text).split())  # no line break inside a label
    text = "".join(c for c in text if unicodedata.category(c) != "Cc")
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 1] + "…"
    return html.escape(text, quote=True)


def _top(values: Sequence[float]) -> float:
    top = max(values, default=0.0)
    if top <= 0:
        return 1.0
    power = 10.0 ** (len(str(int(top))) - 1) if top >= 1 else 0.1
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if top <= step * power + 1e-12:
            return step * power
    return 10 * power


def line_chart_svg(
    title: str,
    labels: Sequence[str],
    lines: Sequence[Line],
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    note: str = "",
) -> str:
    """One chart: the title, a legend line per series (its latest value), the lines over
    ``labels`` with the top, the middle and zero marked, and ``note`` under the legend."""
    head = 24 + LINE * len(lines) + (LINE if note else 0) + 12  # the top label's room
    height = head + PLOT_HEIGHT + 28
    right = WIDTH - RIGHT
    values = [v for ln in lines for v in ln.values if v is not None]
    top = _top(values)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{_e(title)}">',
        f'<text class="title" x="0" y="16">{_e(title)}</text>',
    ]
    for i, ln in enumerate(lines):
        row = 24 + LINE * i + 12
        last = next((v for v in reversed(ln.values) if v is not None), None)
        color = COLORS[i % len(COLORS)]
        dash = ' stroke-dasharray="4 3"' if ln.dashed else ""
        value = "" if last is None else f" {_e(fmt(last))}"
        parts.append(
            f'<line x1="0" y1="{row - 4}" x2="18" y2="{row - 4}" stroke="{color}" '
            f'stroke-width="2"{dash}/>'
            f'<text x="24" y="{row}">{_e(ln.label)}<tspan font-weight="bold">{value}</tspan>'
            "</text>"
        )
    if note:
        parts.append(f'<text x="0" y="{24 + LINE * len(lines) + 12}">{_e(note)}</text>')
    y1 = head + PLOT_HEIGHT

    def y_of(v: float) -> float:
        return round(y1 - min(max(v / top, 0.0), 1.0) * PLOT_HEIGHT, 1)

    n = len(labels)

    def x_of(i: int) -> float:
        return round(LEFT + (i * (right - LEFT) / (n - 1) if n > 1 else (right - LEFT) / 2), 1)

    for mark in (top, top / 2, 0.0):
        at = y_of(mark)
        parts.append(
            f'<line x1="{LEFT}" y1="{at}" x2="{right}" y2="{at}" stroke="#ddd"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{at + 4}" text-anchor="end">'
            f"{_e(fmt(mark))}</text>"
        )
    step = max(1, -(-n * 40 // (right - LEFT)))  # a label every 40 px at most
    for i in range(n - 1, -1, -step):
        parts.append(
            f'<text class="axis" x="{x_of(i)}" y="{y1 + 18}" text-anchor="middle">'
            f"{_e(labels[i])}</text>"
        )
    if values:
        for i, ln in enumerate(lines):
            color = COLORS[i % len(COLORS)]
            dash = ' stroke-dasharray="4 3"' if ln.dashed else ""
            # A gap (None) ends one polyline and the next value starts another.
            runs: list[list[str]] = [[]]
            for j, v in enumerate(ln.values[:n]):
                if v is None:
                    runs.append([])
                else:
                    runs[-1].append(f"{x_of(j)},{y_of(v)}")
            for run in runs:
                if len(run) == 1:
                    cx, cy = run[0].split(",")
                    parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{color}"/>')
                elif run:
                    parts.append(
                        f'<polyline points="{" ".join(run)}" fill="none" stroke="{color}" '
                        f'stroke-width="2"{dash}/>'
                    )
    parts.append("</svg>")
    return "".join(parts)


def _pct(v: float) -> str:
    return f"{v:.0%}"


def trend_charts_html(t: Trends) -> str:
    """The Trends tab's six charts as a section of the HTML report."""
    f = t.figures
    months = list(t.months)
    track = t.target
    days = [str(d.day) for d in track.days]

    def reasons(kind: str) -> list[Line]:
        table = t.no_contact if kind == "no_contact" else t.lost
        names = t.names.get(kind, {})
        return [
            Line(_("other reasons") if code == OTHER else names.get(code, code), counts)
            for code, counts in top_reasons(table)
        ]

    def against(label: str, actual: tuple[int, ...], target: tuple[int, ...] | None) -> list[Line]:
        out = [Line(label, [float(n) for n in actual])]
        if target is not None:
            out.append(Line(_("target to date"), [float(n) for n in target], dashed=True))
        return out

    no_target = _("No target set this month: t on the Targets tab sets one.")
    charts = [
        line_chart_svg(
            _("Receptions and first visits by month"),
            months,
            [
                Line(_("receptions"), [m.receptions for m in f]),
                Line(_("first visits"), [m.first_visits for m in f]),
                Line(_("won"), [m.won for m in f]),
            ],
        ),
        line_chart_svg(
            _("Contact capture and conversion by month"),
            months,
            [
                Line(_("contact capture"), [m.capture_rate for m in f]),
                Line(_("conversion"), [m.conversion_rate for m in f]),
            ],
            _pct,
        ),
        line_chart_svg(
            _("No-contact reasons by month"),
            months,
            reasons("no_contact"),
            note="" if t.no_contact.by_reason else _("No visitor left without contact."),
        ),
        line_chart_svg(
            _("Lost reasons by month"),
            months,
            reasons("lost"),
            note="" if t.lost.by_reason else _("No customer was lost."),
        ),
        line_chart_svg(
            _("Receptions this month to date, by day"),
            days,
            against(_("receptions"), track.receptions, track.receptions_target),
            note="" if track.receptions_target is not None else no_target,
        ),
        line_chart_svg(
            _("Sales this month to date, by day"),
            days,
            against(_("won"), track.sales, track.sales_target),
            note="" if track.sales_target is not None else no_target,
        ),
    ]
    title = _(
        "Trends: the last {n} months to {day} (this month to date)",
        n=len(months),
        day=t.day.isoformat(),
    )
    return f"<h2>{html.escape(title)}</h2>\n" + "\n".join(charts)
