"""The key bar at the bottom of every role screen, rebuilt only when its keys change."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from deskterm.domain import keys

#: Cells around a key in the compact footer: a space between key and label, and a margin.
_KEY_CELLS = 2
#: The command palette's key on the right: its border and padding.
_PALETTE_CELLS = 2


class DeskFooter(Footer):
    """Textual's Footer showing the keys that fit, most used first, never a cut label.

    A screen lists its most used keys in ``FOOTER_FIRST`` (keys, in order); those come
    first, then the screen's other keys, then the app's (F-keys). Whatever does not fit
    the width is left out whole (it stays in the command palette, Ctrl+P): at a 100-column
    desk the receptionist sees ``s Skip`` and ``u Undo`` rather than half of "Break/back".

    Textual rebuilds the Footer (one widget per key) on every focus change and every
    binding refresh: three times before the reception board's first paint and once per
    Tab in a form, ~25 ms each with the reception screen's 19 keys. This one compares
    what it would show with what it shows and rebuilds only on a difference, once per
    refresh however many changes were announced.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compact", True)
        super().__init__(*args, **kwargs)
        self._shown: tuple[object, ...] | None = None
        self._pending = False

    def _ordered(self) -> list[tuple[Binding, bool, str]]:
        """The shown bindings, one per action, the screen's most used first."""
        seen: set[str] = set()
        found: list[tuple[Binding, bool, str]] = []
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                found.append((binding, enabled, tooltip))
        first: tuple[str, ...] = getattr(self.screen, "FOOTER_FIRST", ())
        rank = {key: i for i, key in enumerate(first)}

        def place(binding: Binding) -> int:
            # A key the shop moved keeps the place of the key it replaces (FOOTER_FIRST
            # names the default keys): it was pushed behind every other key.
            default = keys.BINDINGS.get(binding.id or "", ("", binding.key))[1]
            return rank.get(default, rank.get(binding.key, len(rank)))

        # sorted() is stable: the rest keep their order (the screen's, then the app's)
        return sorted(found, key=lambda b: place(b[0]))

    def _palette(self) -> Binding | None:
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        entry = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return None if entry is None else entry[1]

    def _width(self, binding: Binding) -> int:
        key = self.app.get_key_display(binding)
        return cell_len(key) + cell_len(binding.description) + _KEY_CELLS

    def _fitting(self) -> list[tuple[Binding, bool, str]]:
        """The ordered keys that fit the width whole, stopping at the first that does not
        (a gap in the order would hide a more used key behind a less used one)."""
        width = self.app.size.width
        palette = self._palette()
        room = width - (self._width(palette) + _PALETTE_CELLS if palette else 0)
        shown = []
        for entry in self._ordered():
            need = self._width(entry[0])
            if need > room:
                break
            room -= need
            shown.append(entry)
        return shown

    def _keys(self) -> tuple[object, ...]:
        """What compose would show: each shown key, its label, state and tooltip."""
        return (
            self.compact,
            self.show_command_palette,
            tuple(
                (binding.key, binding.action, binding.description, enabled, tooltip)
                for (binding, enabled, tooltip) in self._fitting()
            ),
        )

    def compose(self) -> ComposeResult:
        self._pending = False
        if not self._bindings_ready:
            return
        self._shown = self._keys()
        for binding, enabled, tooltip in self._fitting():
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        palette = self._palette()
        if palette is not None:
            _node, binding, enabled, tooltip = self.screen.active_bindings[
                self.app.COMMAND_PALETTE_BINDING
            ]
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        self._recompose_if_changed()

    def on_resize(self, _event: events.Resize) -> None:
        """Another width shows more or fewer keys."""
        if self._bindings_ready and self.is_attached:
            self._recompose_if_changed()

    def _recompose_if_changed(self) -> None:
        if self._pending or self._keys() == self._shown:
            return
        self._pending = True
        self.call_after_refresh(self.recompose)
