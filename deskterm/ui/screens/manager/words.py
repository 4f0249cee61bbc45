"""Words more than one Manager tab uses: reason names in the current language."""

from __future__ import annotations

from deskterm.i18n import get_language
from deskterm.services.setup import LOST_REASONS, NO_CONTACT_REASONS


def reason_names(kind: str, shop: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
    """The reasons of ``kind`` ("no_contact" or "lost") by code, in our language: the
    shop's own words (``shop``, as loaded with the view) over the built-in list."""
    rows = NO_CONTACT_REASONS if kind == "no_contact" else LOST_REASONS
    zh = get_language() == "zh"
    return {code: (z if zh else en) for code, en, z, _n in rows} | (shop or {}).get(kind, {})
