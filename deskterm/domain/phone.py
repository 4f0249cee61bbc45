"""Phone numbers: one canonical form, so that one phone means one customer.

The canonical form is E.164-like: ``+`` country code and digits (``+8613800138000``).
Numbers typed without a country code get the shop's default (China, 86), which is
how a front desk writes them: ``138 0013 8000``, ``010-6552 9988``.
"""

from __future__ import annotations

import re

from deskterm.errors import InvalidInput

_SEPARATORS = re.compile(r"[\s\-./()\u00a0\u3000（）－]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")


def normalize_phone(raw: str, default_country: str = "86") -> str:
    """Return the canonical form of ``raw`` or raise :class:`InvalidInput` at field ``phone``."""
    text = raw.translate(_FULLWIDTH).strip()
    text = _SEPARATORS.sub("", text)
    if not text:
        raise InvalidInput("Enter a phone number.", field="phone")
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.count("+") > 1 or ("+" in text and not text.startswith("+")):
        raise InvalidInput("A + may only start the number.", field="phone")
    digits = text.lstrip("+")
    if not digits.isdigit() or not digits.isascii():
        raise InvalidInput(
            "A phone number has only digits, spaces, dashes and a leading +.", field="phone"
        )
    if text.startswith("+"):
        full = digits
    elif default_country == "86" and digits.startswith("0"):
        full = "86" + digits[1:]  # Chinese landline: trunk 0 dropped after the country code
    elif default_country == "86" and len(digits) == 11 and digits.startswith("1"):
        full = "86" + digits
    elif digits.startswith(default_country) and len(digits) > 11:
        full = digits
    else:
        full = default_country + digits.lstrip("0")
    if full.startswith("86"):
        national = full[2:]
        if national.startswith("1") and not national.startswith("10"):  # 010 = Beijing
            if len(national) != 11 or national[1] not in "3456789":
                raise InvalidInput(
                    "A Chinese mobile number has 11 digits starting 13–19.", field="phone"
                )
        elif not 9 <= len(national) <= 11:
            raise InvalidInput(
                "A landline needs its area code: 9 to 11 digits after the country code.",
                field="phone",
            )
    if not 8 <= len(full) <= 15:
        raise InvalidInput("Not a phone number: {count} digits.", field="phone", count=len(full))
    return "+" + full


def phone_search_digits(fragment: str) -> str:
    """Digits of a search fragment (what the user typed while looking a customer up)."""
    return "".join(ch for ch in fragment.translate(_FULLWIDTH) if ch.isdigit())


def display_phone(canonical: str) -> str:
    """Readable form for screens: Chinese mobiles as 138 0013 8000."""
    if canonical.startswith("+86") and len(canonical) == 14 and canonical[3] == "1":
        n = canonical[3:]
        return f"{n[:3]} {n[3:7]} {n[7:]}"
    if canonical.startswith("+86"):
        return "0" + canonical[3:]
    return canonical
