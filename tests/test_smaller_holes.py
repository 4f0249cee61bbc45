"""Smaller holes of issue 14: placeholder phones, settings, search length, file modes."""

import pytest
from sqlmodel import select

from deskterm.domain.phone import normalize_phone
from deskterm.errors import InvalidInput
from deskterm.i18n import translate_to
from deskterm.services import customers, reception, rotation
from deskterm.services.reception import InvalidForm, ReceptionForm
from deskterm.storage.models import Customer

PLACEHOLDERS = ["0000000000", "000 0000 0000", "+86 0000000000", "13333333333",
                "1111111111", "1234567890", "12345678901", "0123456789", "9876543210",
                "010-0000 0000", "0755-0000000", "+1 111 111 1111", "+44 1234567890"]
REAL = {"13800138000": "+8613800138000", "13912345678": "+8613912345678",
        "13700000000": "+8613700000000", "13900000001": "+8613900000001",
        "021-8888 8888": "+862188888888", "010-6552 9988": "+861065529988",
        "+44 20 7946 0958": "+442079460958"}


@pytest.mark.parametrize("raw", PLACEHOLDERS)
def test_placeholder_phones_are_refused_at_the_field(raw):
    with pytest.raises(InvalidInput) as e:
        normalize_phone(raw)
    assert e.value.field == "phone"


@pytest.mark.parametrize("raw,canonical", REAL.items())
def test_real_numbers_with_repeats_stay_valid(raw, canonical):
    assert normalize_phone(raw) == canonical


def test_placeholder_message_is_translated():
    with pytest.raises(InvalidInput) as e:
        normalize_phone("0000000000")
    assert "placeholder" in e.value.message
    assert "占位" in translate_to("zh", e.value.message)


def test_two_visitors_giving_a_placeholder_are_not_one_customer(ctx, team):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    with pytest.raises(InvalidForm) as e:
        reception.save_form(ctx, a.reception_id, ReceptionForm(
            name="Walk-in", phone="000 0000 0000", purchase_horizon="1m"))
    assert set(e.value.errors) == {"phone"}
    with ctx.db.read() as s:
        assert s.exec(select(Customer)).first() is None
    saved = reception.save_form(ctx, a.reception_id, ReceptionForm(
        name="Walk-in", phone="13800138000", purchase_horizon="1m"))
    with pytest.raises(InvalidForm) as e:
        customers.edit_customer(ctx, saved.customer_id, ReceptionForm(
            name="Walk-in", phone="0000000000", purchase_horizon="1m"))
    assert set(e.value.errors) == {"phone"}
    with ctx.db.read() as s:
        assert s.get(Customer, saved.customer_id).phone == "+8613800138000"
