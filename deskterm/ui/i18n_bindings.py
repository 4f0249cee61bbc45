"""Key labels in the Footer are message ids, translated when a screen is built.

``BINDINGS`` are class attributes, evaluated once at import; translating them per
instance lets the language be chosen after import (``--lang``, tests in both).
"""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from deskterm.i18n import _


def translate_bindings(node: DOMNode) -> None:
    """Replace each binding's description with its translation, on this node only."""
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(b, description=_(b.description)) if b.description else b for b in bindings
        ]
