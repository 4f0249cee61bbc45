"""Charts in the terminal: lines by month or day, and horizontal bars, drawn in braille.

Our own, not a plotting library: textual-plotext (plotext 5) measures text in
characters, not terminal cells, so a Chinese title or month name ran past the chart's
edge (a 40-cell plot with a seven-character Chinese title drew 47 cells), and it draws
with block characters, which are East-Asian "ambiguous" width and break columns on CJK
terminals. Braille (U+2800–U+28FF) is one cell everywhere, Rich's ``Text`` measures
the labels in cells, and what is drawn depends only on the data and the size, so a
snapshot is repeatable. Every label is data (``Text``), never markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

#: Braille dot bits by (x, y) within a cell of 2 × 4 dots.
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
BRAILLE = 0x2800
#: The legend's swatch and a bar's cell: a full braille cell, one column wide everywhere.
FULL = "⣿"
SWATCH = "⠶⠶"
AXIS = "grey50"
#: Series colours, in order: readable on the dark and the light theme alike.
PALETTE = ("#4ea1ff", "#f0a030", "#50c878", "#e05c8a", "#b08cff", "#9aa0a6")


@dataclass(frozen=True)
class Series:
    """One line of a chart: its name, a value per x (None: nothing to draw there)."""

    label: str
    values: Sequence[float | None]
    color: str = PALETTE[0]
    dotted: bool = False  # a target line: every other dot, told apart without colour
    shown: str | None = field(default=None)  # the legend's value (default: the last one)


def nice_top(value: float) -> float:
    """The chart's top: ``value`` rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * power + 1e-12:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _fit(text: Text, width: int) -> Text:
    """``text`` cut (in cells, with an ellipsis) or padded to exactly ``width`` cells."""
    out = text.copy()
    out.truncate(max(width, 0), overflow="ellipsis", pad=True)
    return out


def _legend(series: Sequence[Series], fmt: Callable[[float], str], width: int) -> list[Text]:
    """The series' names and latest values, wrapped on as many lines as they need."""
    items = []
    for s in series:
        last = next((v for v in reversed(s.values) if v is not None), None)
        shown = s.shown if s.shown is not None else ("" if last is None else fmt(last))
        item = Text(SWATCH + " ", style=s.color)
        item.append(s.label)
        if shown:
            item.append(" " + shown, style="bold")
        items.append(item)
    lines: list[Text] = []
    line = Text()
    for item in items:
        if line.cell_len and line.cell_len + 2 + item.cell_len > width:
            lines.append(line)
            line = Text()
        if line.cell_len:
            line.append("  ")
        line.append_text(item)
    if line.cell_len:
        lines.append(line)
    return [_fit(ln, width) for ln in lines]


def _x_labels(labels: Sequence[str], centres: Sequence[int], width: int) -> Text:
    """The x labels under their points: every k-th from the last (the latest always
    shown), the smallest k that leaves a space between any two."""
    n = len(labels)
    for k in range(1, n + 1):
        chosen = list(range(n - 1, -1, -k))[::-1]
        spans = []
        for i in chosen:
            w = cell_len(labels[i])
            start = min(max(centres[i] - w // 2, 0), max(width - w, 0))
            spans.append((start, start + w, i))
        if all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)) and all(
            end <= width for _s, end, _i in spans
        ):
            out = Text()
            for start, _end, i in spans:
                out.append(" " * (start - out.cell_len))
                out.append(labels[i], style=AXIS)
            return _fit(out, width)
    return _fit(Text(labels[-1] if labels else "", style=AXIS), width)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    width: int,
    height: int,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    note: str = "",
    top: float | None = None,
) -> Text:
    """Lines over ``labels`` in ``width`` × ``height`` cells: a title, the legend, the plot
    with its top and zero on the left, the labels under it; ``note`` (a word on what is
    missing, such as a target not set) is written under the legend."""
    width, height = max(width, 1), max(height, 1)
    lines = [_fit(Text(title, style="bold"), width)]
    lines += _legend(series, fmt, width)
    if note:
        lines.append(_fit(Text(note, style="italic"), width))
    values = [v for s in series for v in s.values if v is not None]
    plot_rows = height - len(lines) - 1
    if values and plot_rows >= 2 and labels:
        lines += _plot(labels, series, width, plot_rows, fmt, top or nice_top(max(values or [0])))
    return Text("\n").join(lines[:height])


def _plot(
    labels: Sequence[str],
    series: Sequence[Series],
    width: int,
    rows: int,
    fmt: Callable[[float], str],
    top: float,
) -> list[Text]:
    marks = [fmt(top), fmt(top / 2), fmt(0)]
    gutter = max(cell_len(m) for m in marks)
    cols = max(width - gutter - 1, 2)
    dots_x, dots_y = cols * 2, rows * 4
    bits = [[0] * cols for _ in range(rows)]
    color: list[list[str | None]] = [[None] * cols for _ in range(rows)]
    n = len(labels)
    centres_dot = [
        1 + round(i * (dots_x - 3) / (n - 1)) if n > 1 else dots_x // 2 for i in range(n)
    ]

    def dot(x: int, y: int, c: str) -> None:
        if 0 <= x < dots_x and 0 <= y < dots_y:
            bits[y // 4][x // 2] |= _DOTS[x % 2][y % 4]
            color[y // 4][x // 2] = c

    def y_of(v: float) -> int:
        return dots_y - 1 - round(min(max(v / top, 0.0), 1.0) * (dots_y - 1))

    for x in range(dots_x):  # the zero line, faint, under the data
        dot(x, dots_y - 1, AXIS)
    for s in series:
        pts = [(centres_dot[i], y_of(v)) for i, v in enumerate(s.values[:n]) if v is not None]
        if len(pts) == 1:
            dot(pts[0][0] - 1, pts[0][1], s.color)
            dot(pts[0][0], pts[0][1], s.color)
        for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
            steps = max(abs(x1 - x0), abs(y1 - y0), 1)
            for k in range(steps + 1):
                if s.dotted and k % 2:
                    continue
                dot(round(x0 + (x1 - x0) * k / steps), round(y0 + (y1 - y0) * k / steps), s.color)
    out = []
    for r in range(rows):
        # the top, the middle (on a chart tall enough to tell it apart) and zero
        mid = rows >= 6 and r == (rows - 1) // 2
        mark = marks[0] if r == 0 else marks[2] if r == rows - 1 else marks[1] if mid else ""
        line = Text(mark.rjust(gutter) + " ", style=AXIS)
        for c in range(cols):
            line.append(chr(BRAILLE + bits[r][c]) if bits[r][c] else " ", style=color[r][c])
        out.append(line)
    out.append(Text(" " * (gutter + 1)) + _x_labels(labels, [x // 2 for x in centres_dot], cols))
    return out


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float, str]],
    width: int,
    height: int,
    colors: Sequence[str] = PALETTE,
    note: str = "",
) -> Text:
    """Horizontal bars: (label, value, what is written after the bar), one a line."""
    width, height = max(width, 1), max(height, 1)
    lines = [_fit(Text(title, style="bold"), width)]
    if not bars or not any(v for _l, v, _t in bars):
        if note:
            lines.append(_fit(Text(note, style="italic"), width))
        return Text("\n").join(lines[:height])
    label_w = min(max(cell_len(b[0]) for b in bars), max(width // 3, 4))
    text_w = max(cell_len(b[2]) for b in bars)
    room = max(width - label_w - text_w - 2, 1)
    top = max(v for _l, v, _t in bars) or 1
    for i, (label, value, shown) in enumerate(bars):
        n = 0 if value <= 0 else max(1, round(value * room / top))
        line = _fit(Text(label), label_w) + Text(" ")
        line.append(FULL * n, style=colors[i % len(colors)])
        line.append(" " + shown)
        lines.append(_fit(line, width))
    return Text("\n").join(lines[:height])


class Chart(Widget):
    """A chart redrawn at its own size: it is given a function of (width, height)."""

    DEFAULT_CSS = """
    Chart {
        width: 1fr;
        height: 1fr;
        min-height: 6;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self._draw: Callable[[int, int], Text] | None = None

    def draw(self, fn: Callable[[int, int], Text]) -> None:
        """Show what ``fn(width, height)`` draws, now and at every new size."""
        self._draw = fn
        self.refresh()

    def render(self) -> Text:
        if self._draw is None:
            return Text("")
        return self._draw(self.content_size.width, self.content_size.height)

    def plain_lines(self) -> list[str]:
        """What the chart shows as plain text (for tests and the watching eye)."""
        return self.render().plain.split("\n")
