"""A one-key choice: the options are all visible, a digit picks one (two quick digits the
tenth and after).

A Select takes Enter, arrows and Enter again; at a busy desk a choice must cost
one key, so the form saves in a handful of keystrokes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.events import Key
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

#: Between two options on a line.
SEPARATOR = "   "
#: Seconds within which a second digit makes a two-digit pick (ten options or more).
TWO_DIGITS_WITHIN = 1.0


class Choice(Widget, can_focus=True):
    """Pick one (or several, with ``multiple``) of a few options by digit, or ←/→ and Space."""

    DEFAULT_CSS = """
    Choice { height: auto; width: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("left", "move(-1)", show=False),
        Binding("right", "move(1)", show=False),
        Binding("space", "pick", show=False),
    ]

    value: reactive[str | None] = reactive(None)
    values: reactive[frozenset[str]] = reactive(frozenset())
    cursor: reactive[int] = reactive(0)

    class Changed(Message):
        """The choice changed."""

        def __init__(self, choice: Choice) -> None:
            self.choice = choice
            super().__init__()

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(
        self,
        options: Sequence[tuple[str, str]],
        value: str | None = None,
        *,
        multiple: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._typed = ""  # the first digit of a possible two-digit pick
        self._typed_at = 0.0
        self.options = list(options)
        self.multiple = multiple
        self.set_reactive(Choice.value, value)
        if value is not None:
            self.set_reactive(Choice.cursor, self._index(value))

    def _index(self, value: str) -> int:
        return next((i for i, (v, _) in enumerate(self.options) if v == value), 0)

    def set_options(self, options: Sequence[tuple[str, str]], value: str | None = None) -> None:
        """Replace the options (e.g. after a language change)."""
        self.options = list(options)
        self.value = value
        self.refresh(layout=True)

    def _parts(self) -> list[Text]:
        """Each option as drawn: its digit, its label (reversed when chosen)."""
        parts = []
        for i, (val, label) in enumerate(self.options):
            chosen = val in self.values if self.multiple else val == self.value
            style = "reverse" if chosen else ""
            if self.has_focus and i == self.cursor:
                style += " underline"
            part = Text()
            part.append(f"{i + 1} ", style="bold")
            part.append(label, style=style.strip())
            parts.append(part)
        return parts

    @staticmethod
    def _lines(parts: list[Text], width: int) -> list[list[Text]]:
        """The options laid out ``width`` cells wide, a line broken only between two
        options (never inside one: "4 short video," and "social media" on two lines read
        as two options)."""
        lines: list[list[Text]] = [[]]
        used = 0
        for part in parts:
            need = part.cell_len + (len(SEPARATOR) if lines[-1] else 0)
            if lines[-1] and width > 0 and used + need > width:
                lines.append([])
                used, need = 0, part.cell_len
            lines[-1].append(part)
            used += need
        return lines

    def _text(self, width: int) -> Text:
        out = Text()
        for n, line in enumerate(self._lines(self._parts(), width)):
            if n:
                out.append("\n")
            out.append(Text(SEPARATOR).join(line))
        return out

    def render(self) -> Text:
        return self._text(self.content_size.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """As many lines as the options take at ``width``, measured as Rich wraps them
        (an option longer than a line folds at its words onto more)."""
        if width <= 0:
            return 1
        return len(self._text(width).wrap(self.app.console, width))

    def _pick(self, index: int) -> None:
        if not 0 <= index < len(self.options):
            return
        self.cursor = index
        val = self.options[index][0]
        if self.multiple:
            self.values = self.values ^ {val}
        else:
            self.value = val
        self.post_message(self.Changed(self))
        self.refresh()

    def on_key(self, event: Key) -> None:
        char = event.character
        if not (char and char.isascii() and char.isdigit()):
            return
        now = time.monotonic()
        # Ten options or more: a second digit typed straight after the first makes a
        # two-digit number ("1" then "0" picks the tenth; the first digit's pick is
        # replaced). A list of nine or fewer answers every digit at once, as before.
        if (
            len(self.options) >= 10
            and self._typed
            and now - self._typed_at < TWO_DIGITS_WITHIN
            and int(self._typed + char) <= len(self.options)
        ):
            event.stop()
            event.prevent_default()
            index = int(self._typed + char) - 1
            self._typed = ""
            self._pick(index)
            return
        self._typed = ""
        if char == "0":
            return
        event.stop()
        event.prevent_default()
        self._typed, self._typed_at = char, now
        self._pick(int(char) - 1)

    def action_move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(self.options)
        if not self.multiple:
            self._pick(self.cursor)
        self.refresh()

    def action_pick(self) -> None:
        self._pick(self.cursor)

    def watch_value(self) -> None:
        self.refresh()
