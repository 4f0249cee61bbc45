"""A walk-in and a callback in few keys; the form's small courtesies (issue 16).

Keys are counted from the Reception screen: every press that is not part of the
typed text (`n`, the pick, Enter/Tab, digits in choice rows, Ctrl+S).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlmodel import select

from deskterm.i18n import set_language
from deskterm.services import reception, rotation
from deskterm.services.reception import KnownCustomer, ReceptionForm
from deskterm.storage.models import Callback, Companion, Customer, Reception
from deskterm.ui.app import create_app
from deskterm.ui.screens.callbacks import MyCallbacksScreen, TickScreen
from deskterm.ui.screens.dialogs import ConfirmScreen, PickScreen
from deskterm.ui.screens.form import ReceptionFormScreen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.ui_helpers import settle, table_rows, wait_for

SIZE = (100, 30)


class Keys:
    """Presses keys and counts those that are not typed text."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.count = 0

    async def key(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)

    async def type(self, text: str) -> None:
        await self.pilot.press(*text)


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_whole_walk_in_takes_at_most_twelve_keys(ctx, team, lang):
    rotation.check_in(ctx, team.wang)
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ReceptionScreen)
        k = Keys(pilot)
        await k.key("n", "1")  # a walk-in; first visit: yes
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        await k.type("Zhang Wei")
        await k.key("enter")
        await k.type("13912345678")
        await k.key("enter")
        assert form.focused is form.query_one("#model_interest")  # nothing prefilled between
        await k.type("Model Y")
        await k.key("enter")
        await k.key("4")  # budget 200-300k
        await k.key("enter")
        await k.key("1")  # buys within a week: the level is suggested (hot)
        assert form.query_one("#level").value == "hot"
        await k.key("enter")
        await k.key("1")  # with the spouse
        await k.key("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
    assert k.count <= 12, k.count
    with ctx.db.read() as s:
        c = s.exec(select(Customer)).one()
        assert (c.name, c.phone, c.model_interest, c.budget, c.level) == (
            "Zhang Wei",
            "+8613912345678",
            "Model Y",
            "200-300k",
            "hot",
        )
        assert c.purchase_horizon
        assert [x.relation for x in s.exec(select(Companion)).all()] == ["spouse"]
        rec = s.exec(select(Reception)).one()
        assert rec.form_missing is None
        assert s.exec(select(Callback)).one().salesperson_id == team.wang


async def test_prefilled_fields_stay_reachable_after_the_key_fields(ctx, team):
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        order = []
        for _ in range(12):
            order.append(form.focused.id)
            await pilot.press("tab")
        key = ["name", "phone", "model_interest", "budget", "purchase_horizon", "companions"]
        assert order[: len(key)] == key
        assert {"contact_left", "channel", "notes"} <= set(order)


async def test_a_callback_tick_takes_three_keys(ctx, team):
    rotation.check_in(ctx, team.li)
    arrival = rotation.walk_in(ctx)
    saved = reception.save_form(
        ctx,
        arrival.reception_id,
        ReceptionForm(name="Tom", phone="13800138000", purchase_horizon="1m"),
    )
    rotation.done(ctx, team.li)
    assert saved.next_callback is not None
    ctx.clock.set(datetime.combine(saved.next_callback, time(10)))  # the day it is due
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("1")  # who are you: Li Na
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await settle(pilot)
        assert table_rows(app.screen, "#calls")[0][0] == "Tom"
        await pilot.press("space")
        assert isinstance(app.screen, TickScreen)
        await pilot.press("1", "ctrl+s")  # open, reached, save: three keys
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await settle(pilot)
        assert table_rows(app.screen, "#calls") == []


async def test_esc_closes_an_untouched_prefilled_form_at_once(ctx, team):
    rotation.check_in(ctx, team.wang)
    rotation.walk_in(ctx)
    first = reception.arrivals(ctx)[0]
    reception.save_form(ctx, first.id, ReceptionForm(name="Tom", phone="13800138000"))
    rotation.done(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r", *"Tom")
        await wait_for(pilot, lambda: bool(getattr(app.screen, "found", None)))
        await pilot.press("enter")  # the returning customer: the form opens prefilled
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        await settle(pilot)
        assert form.query_one("#name").value == "Tom"
        await pilot.press("escape")  # nothing typed: closed at once, no question
        await settle(pilot)
        assert isinstance(app.screen, ReceptionScreen)
        await pilot.press("f")  # the same (new) arrival's form, prefilled-free
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await pilot.press(*"Tim", "escape")  # typed: Esc asks first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))


async def test_known_customer_line_survives_a_level_preset_switch(ctx, team):
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        # A level code the form's (older) preset does not know, e.g. switched from the CLI.
        gone = KnownCustomer(1, "Tom", "+8613800138000", "gone", "active", team.wang, "王伟", 1)
        form._show_known(gone, "138 0013 8000")
        await pilot.pause()
        assert "gone" in str(form.query_one("#known").render())


# -- returning-customer search: best match first -------------------------------------


@pytest.fixture
def hansens(ctx, team):
    """Ole Hansen contacted last (so first by recency alone), Hans Müller before him."""
    from deskterm.services import reception as rec

    rotation.check_in(ctx, team.wang)
    for name, phone in (
        ("Peter Hans", "13800138004"),
        ("Hans Müller", "13800138001"),
        ("Johanson", "13800138003"),
        ("Hansi", "13800138005"),
        ("Ole Hansen", "13800138002"),
    ):
        a = rotation.walk_in(ctx)
        rec.save_form(ctx, a.reception_id, ReceptionForm(name=name, phone=phone))
        rotation.done(ctx, team.wang)
        ctx.clock.set(ctx.clock.now() + timedelta(minutes=5))
    return ctx


def test_search_ranks_prefix_then_whole_word_then_contains(hansens):
    from deskterm.services import customers

    names = [c.name for c in customers.search(hansens, "hans")]
    assert names[:2] == ["Hans Müller", "Hansi"]  # a whole first word before a longer one
    assert names[2] == "Peter Hans"  # a whole word
    assert set(names[3:]) == {"Ole Hansen", "Johanson"}  # contains only
    assert [c.name for c in customers.search(hansens, "Hans Müller")] == ["Hans Müller"]


def test_search_puts_the_exact_phone_first_and_marks_it(hansens):
    from deskterm.services import customers

    found = customers.search(hansens, "138 0013 8002")
    assert [(c.name, c.exact_phone) for c in found] == [("Ole Hansen", True)]
    fragment = customers.search(hansens, "0013 800")
    assert len(fragment) == 5 and not any(c.exact_phone for c in fragment)


async def test_r_then_hans_and_enter_takes_hans_mueller(hansens, team):
    app = create_app(hansens, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r", *"Hans")
        await wait_for(pilot, lambda: len(getattr(app.screen, "found", [])) == 5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        assert app.screen.query_one("#name").value == "Hans Müller"


async def test_r_and_a_whole_phone_number_chooses_without_a_list(hansens, team):
    app = create_app(hansens, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r", *"13800138002")  # no Enter
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        assert app.screen.query_one("#name").value == "Ole Hansen"


# -- polish: plurals, undo, tables, errors once, uncounted ups ----------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "Li Na: 1 callback today, 1 overdue"), ("zh", "Li Na:今天 1 个回访,逾期 1 个")],
)
async def test_callbacks_header_counts_today_and_overdue_apart_with_plurals(
    ctx, team, lang, expected
):
    from datetime import date as day

    rotation.check_in(ctx, team.li)
    for name, phone, due in (("Tom", "13800138001", 3), ("Ann", "13800138002", 4)):
        a = rotation.walk_in(ctx)
        reception.save_form(
            ctx,
            a.reception_id,
            ReceptionForm(name=name, phone=phone, level="hot", next_callback=day(2026, 3, due)),
        )
        rotation.done(ctx, team.li)
    ctx.clock.set(datetime(2026, 3, 4, 10, 0))  # Tom's is a day overdue, Ann's is today's
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await wait_for(pilot, lambda: len(app.screen.items) == 2)
        assert str(app.screen.query_one("#who").render()).startswith(expected)


async def test_the_undo_question_names_the_action_and_the_person(ctx, team):
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i", "2")  # check in: Li Na (off duty by name: 王伟, Li Na, 赵敏?)
        await settle(pilot)
        board = table_rows(app.screen, "#board")
        who = board[0][1].strip(" ▶")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = app.screen.question
        assert "checked in" in question and who in question


async def test_home_and_end_move_the_cursor_of_a_table_and_still_edit_text(ctx, team):
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = app.screen.query_one("#board")
        board.focus()
        await pilot.press("end")
        assert board.cursor_row == 2
        await pilot.press("home")
        assert board.cursor_row == 0
        await pilot.press("pagedown")
        assert board.cursor_row == 2
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await pilot.press(*"ang", "home", "W", "end", "!")
        assert app.screen.query_one("#name").value == "Wang!"


async def test_the_phone_error_is_said_once(ctx, team):
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        await pilot.press(*"Tom", "enter", *"12345")
        await wait_for(pilot, lambda: "11 digits" in str(form.query_one("#known").render()))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "11 digits" in str(form.query_one("#err-phone").render()))
        await settle(pilot)
        assert "11 digits" not in str(form.query_one("#known").render())
        await pilot.press("6")  # typing again: the message moves back to the hint, once
        await wait_for(pilot, lambda: "11 digits" in str(form.query_one("#known").render()))
        assert "11 digits" not in str(form.query_one("#err-phone").render())


async def test_an_up_that_does_not_count_needs_no_form(ctx, team):
    rotation.check_in(ctx, team.wang)
    rotation.receive_uncounted(ctx, "pickup")
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        row = table_rows(app.screen, "#arrivals")[0]
        assert "(no form needed)" in row and "(form not saved)" not in row


def test_ngettext_picks_the_form_and_translates_both():
    from deskterm.i18n import ngettext

    assert ngettext("{n} callback today", "{n} callbacks today", 1) == "1 callback today"
    assert ngettext("{n} callback today", "{n} callbacks today", 0) == "0 callbacks today"
    set_language("zh")
    assert ngettext("{n} callback today", "{n} callbacks today", 2) == "今天 2 个回访"
