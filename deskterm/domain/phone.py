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
    if _is_placeholder(full):
        raise InvalidInput(
            "That looks like a placeholder, not a real phone number: ask for the real one "
            "or leave the phone empty.",
            field="phone",
        )
    return "+" + full


_UP = "0123456789" * 3
_DOWN = "9876543210" * 3


def _filler(digits: str) -> bool:
    """True for digits nobody is given as a number: one digit repeated, or a straight run."""
    return len(set(digits)) == 1 or (len(digits) >= 7 and (digits in _UP or digits in _DOWN))


def _is_placeholder(full: str) -> bool:
    """Whether the canonical digits ``full`` (country code first) are a stand-in for "no phone".

    Such numbers would make every visitor who gives one a revisit of the first. Checked:
    the number after a country code of 1 to 3 digits (the code's length is not known
    here) filled with one digit or a run (``0000000000``, ``1234567890``), and a
    subscriber number of only zeros behind a Chinese area code (``010-0000 0000``).
    A mobile whose 10 digits after the leading 1 are all one (``133 3333 3333``) counts
    as filler too. Numbers with only a repeated tail stay valid (``137 0000 0000`` is a
    real mobile and ``8888 8888`` a prized landline).
    """
    for code in (1, 2, 3):
        rest = full[code:]
        if len(rest) >= 7 and _filler(rest):
            return True
    if full.startswith("86") and not full[2:].startswith(("1", "0")) or full.startswith("8610"):
        national = full[2:]
        return any(set(national[area:]) == {"0"} for area in (2, 3))
    return False


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
