"""Cleaning what people type or paste: one place, so every field behaves the same."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from deskterm.errors import InvalidInput


@dataclass(frozen=True)
class Cleaned:
    """A cleaned value and whether anything was removed (so the UI can say so)."""

    value: str
    removed: bool


def clean_text(raw: str | None, *, multiline: bool = False) -> Cleaned:
    """Normalise to NFC, drop control and invisible format characters, tidy spaces.

    Zero-width and right-to-left override characters are *format* characters
    (category Cf): they make two equal-looking names differ and can reverse how a
    phone number reads, so they are removed, never stored.
    """
    if raw is None:
        return Cleaned("", False)
    text = unicodedata.normalize("NFC", raw)
    if multiline:
        text = text.replace("\r\n", "\n")
    kept: list[str] = []
    for ch in text:
        if ch == "\n" and multiline:
            kept.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            kept.append(" " if ch in "\t\r\n" else "")
            continue
        kept.append(" " if cat in ("Zs", "Zl", "Zp") else ch)
    value = _tidy("".join(kept), multiline)
    # "Removed" means something other than spacing was dropped: the UI says what was cut.
    removed = value != _tidy(text, multiline)
    return Cleaned(value, removed)


def _tidy(text: str, multiline: bool) -> str:
    if multiline:
        lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
        return "\n".join(lines).strip("\n")
    return " ".join(text.split())


def search_key(text: str) -> str:
    """``text`` as a search compares it: cleaned as a field is, full-width letters and
    digits made plain (NFKC: "ＡＮＮＡ" is "ANNA"), case folded, spaces collapsed; so
    "  anna   SCHMIDT " and "Anna Schmidt" are the same name."""
    return unicodedata.normalize("NFKC", clean_text(text).value).casefold()


def clean_field(
    raw: str | None,
    *,
    field: str,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Clean a form field and enforce its length; errors name the field."""
    value = clean_text(raw, multiline=multiline).value
    if required and not value:
        raise InvalidInput("This field is required.", field=field)
    if len(value) > max_length:
        raise InvalidInput(
            "Too long: {length} characters, at most {limit}.",
            field=field,
            length=len(value),
            limit=max_length,
        )
    return value


def parse_day(raw: str, *, field: str = "date") -> date:
    """A calendar day typed as YYYY-MM-DD (full-width digits and spaces forgiven).

    Stricter than ``date.fromisoformat``, which also takes "20260302" and week dates
    that nobody at a desk means; 29 February only in a leap year.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()
    parts = text.split("-")
    if (
        len(parts) != 3
        or [len(p) for p in parts] != [4, 2, 2]
        or not all(p.isascii() and p.isdigit() for p in parts)
    ):
        raise InvalidInput("Not a date: use YYYY-MM-DD.", field=field)
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise InvalidInput("No such day: {value}.", field=field, value=text) from None
