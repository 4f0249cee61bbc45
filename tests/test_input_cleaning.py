"""Phones and typed text: one canonical form, clear errors at the field."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskterm.domain.phone import display_phone, normalize_phone, phone_search_digits
from deskterm.domain.text import clean_field, clean_text
from deskterm.errors import InvalidInput


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "0086 13800138000",
        "+86-138-0013-8000",
        "(+86) 138.0013.8000",
        "１３８００１３８０００",
    ],
)
def test_one_mobile_many_spellings(raw):
    assert normalize_phone(raw) == "+8613800138000"


def test_landline_and_foreign():
    assert normalize_phone("010-6552 9988") == "+861065529988"
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "12345",
        "1380013800",
        "+86 12800138000",
        "138001380001234567",
        "13800+138000",
        "١٣٨٠٠١٣٨٠٠٠",
    ],
)
def test_bad_phones_name_the_field(raw):
    with pytest.raises(InvalidInput) as e:
        normalize_phone(raw)
    assert e.value.field == "phone"


def test_display_and_search_digits():
    assert display_phone("+8613800138000") == "138 0013 8000"
    assert display_phone("+861065529988") == "01065529988"
    assert phone_search_digits("138-00") == "13800"


@given(st.text(max_size=40))
def test_normalize_phone_never_crashes(raw):
    try:
        out = normalize_phone(raw)
    except InvalidInput:
        return
    assert out.startswith("+") and out[1:].isdigit() and 8 <= len(out) - 1 <= 15


def test_clean_text_strips_invisible_and_reports_it():
    c = clean_text("Wang\u200b Wei\u202e")
    assert c.value == "Wang Wei" and c.removed
    assert clean_text("  Li   Na ").value == "Li Na" and not clean_text("  Li   Na ").removed
    assert clean_text("e\u0301").value == "\u00e9"  # NFC


def test_clean_field_limits_and_required():
    with pytest.raises(InvalidInput) as e:
        clean_field("x" * 10_000, field="notes", max_length=500)
    assert e.value.field == "notes" and "10000" in e.value.message
    with pytest.raises(InvalidInput):
        clean_field("   ", field="name", max_length=40, required=True)
    assert clean_field("a\nb", field="notes", max_length=9, multiline=True) == "a\nb"


@given(st.text())
def test_clean_text_output_has_no_control_or_format_chars(raw):
    import unicodedata

    out = clean_text(raw).value
    assert all(unicodedata.category(ch) not in ("Cc", "Cf") for ch in out)
    assert out == out.strip()
