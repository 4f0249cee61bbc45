"""Showing text on screen: people's and files' text is data, never markup.

Textual parses every ``str`` it is given as markup (Static, Label, DataTable cells,
OptionList prompts, toasts), so a name such as ``[/b]`` crashed the app and
``[link=…]`` became a hyperlink. Escaping does not help: Textual's parser does not
round-trip ``rich.markup.escape`` (``"Lee [VIP]"``, ``"a\\"`` and ``"[[x]]"`` come
back changed, ``"[reverse]刘[/"`` still raises), so everything here builds ``Text`` or
``Content`` objects, which Textual shows as they are, and widgets that show such text
are made with ``markup=False``. Our own templates are plain text too, which also keeps
the letters of ``"[y] yes   [n] no"``.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from deskterm.i18n import _


def plain(s: object) -> Text:
    """``s`` as text that is never parsed (None shows as nothing)."""
    return Text("" if s is None else str(s), end="")


def say(msgid: str, /, **params: object) -> Content:
    """Our template ``msgid`` translated, with ``params`` filled in as plain text.

    The template and the parameters are both taken literally: no parameter can open,
    close or link anything, whatever it contains.
    """
    return Content(_(msgid, **params))


def cells(*values: object) -> tuple[object, ...]:
    """A DataTable row: every string wrapped in ``Text`` so that no cell is parsed."""
    return tuple(plain(v) if isinstance(v, str) or v is None else v for v in values)


def emphasis(text: str, style: str) -> Text:
    """``text`` (taken literally) shown in ``style``: for the few places we style on purpose.

    A ``Text`` rather than ``Content`` because DataTable cells take Rich renderables.
    """
    return Text(text, style=style, end="")
