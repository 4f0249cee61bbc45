"""The reasons a form offers: the shop's own list (services.reasons, kept by the app and
reloaded when the database changes), most used first; the built-in list without the app
(a screen mounted alone in a test) or when the file cannot be read."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App

from deskterm.i18n import get_language
from deskterm.services.setup import LOST_REASONS, MEDIA_SOURCES, NO_CONTACT_REASONS


def reason_choices(
    app: App[object], kind: str, leave_out: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """(code, name in the language in force) of the active reasons of ``kind``."""
    zh = get_language() == "zh"
    read = getattr(app, "pick_lists", None)
    lists = read() if read is not None else None
    if lists and lists.get(kind):
        return [
            (r.code, r.name_zh if zh else r.name_en) for r in lists[kind] if r.code not in leave_out
        ]
    rows = {"no_contact": NO_CONTACT_REASONS, "media": MEDIA_SOURCES}.get(kind, LOST_REASONS)
    return [(code, z if zh else en) for code, en, z, _note in rows if code not in leave_out]
