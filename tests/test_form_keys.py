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
        for _ in range(17):
            order.append(form.focused.id)
            await pilot.press("tab")
        key = ["name", "phone", "model_interest", "budget", "purchase_horizon", "companions"]
        assert order[: len(key)] == key
        assert {"contact_left", "channel", "media", "notes"} <= set(order)
        # The medium after the prefilled channel: never in the common walk-in's way.
        assert order.index("channel") < order.index("media")
        # Issue 19's fields after every prefilled one, before the notes.
        new = ["contact_other", "party_size", "decider", "interest"]
        assert order[order.index("media") + 1 : order.index("notes")] == new


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
        # The returning customer, by the whole of the only matching name: the form opens
        # prefilled without a list or an Enter.
        await pilot.press("r", *"Tom")
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
    [("en", "Li Na: 1 callback today, 1 overdue"), ("zh", "Li Na：今天 1 个回访，逾期 1 个")],
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


# -- sign-in and first run -----------------------------------------------------------------


async def test_an_f_key_closes_who_are_you_and_goes_to_that_screen(ctx, team):
    from deskterm.ui.screens.customers import CustomersScreen
    from deskterm.ui.screens.meeting import MeetingScreen

    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        await settle(pilot)
        await pilot.press("f8")  # care: "who are you?" again, then F5
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, MeetingScreen))
        await settle(pilot)
        await pilot.press("f3")  # asked once already: w asks again
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await settle(pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))


async def test_an_f_key_in_who_are_you_still_passes_the_gate(ctx, team, monkeypatch):
    app = create_app(ctx, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        monkeypatch.setattr(app, "may_open", lambda mode: mode != "manager")
        await pilot.press("f6")  # refused: the dialog closes, the screen stays
        await settle(pilot)
        assert isinstance(app.screen, MyCallbacksScreen)


@pytest.mark.parametrize(
    ("who", "pin", "screen"),
    [
        ("Front Desk", "1357", "ReceptionScreen"),
        ("Li Na", "2468", "MyCallbacksScreen"),
        ("Chen Manager", "9753", "MeetingScreen"),
    ],
)
async def test_each_role_lands_on_its_own_screen_after_sign_in(ctx, team, who, pin, screen):
    from deskterm.services import auth, setup
    from deskterm.ui.screens.signin import SignInScreen

    setup.set_setting(ctx, "auth.mode", "pin")
    setup.add_staff(ctx, "Front Desk", "receptionist")
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        sign_in = app.screen
        names = [str(o.prompt) for o in sign_in.query_one("#people").options]
        sign_in.query_one("#people").highlighted = next(
            i for i, n in enumerate(names) if n.startswith(who)
        )
        await pilot.press("enter", *pin, "enter")  # first sign-in: the PIN becomes theirs
        await wait_for(pilot, lambda: type(app.screen).__name__ == screen, timeout=10)
    assert auth.has_pin(ctx, next(p.id for p in setup.list_staff(ctx) if p.name == who))


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 45)])
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_whole_welcome_shows_on_first_run(tmp_path, clock, size, lang):
    from deskterm.services.maintenance import open_context
    from deskterm.ui.app import FirstRunScreen

    ctx = open_context(tmp_path / "new.db", clock)
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FirstRunScreen))
        await settle(pilot)
        welcome = app.screen.query_one("#welcome")
        dialog = welcome.parent
        screen_region = app.screen.region
        # Nothing cut: the text wraps inside the dialog, and the dialog is on the screen.
        assert welcome.size.width <= dialog.content_region.width
        assert welcome.region.right <= dialog.content_region.right
        assert screen_region.contains_region(dialog.region), (dialog.region, screen_region)
        assert welcome.virtual_size.height <= welcome.size.height
    ctx.db.close()


async def test_a_new_shop_adds_its_manager_and_reaches_the_meeting(tmp_path, clock):
    from deskterm.services import setup
    from deskterm.services.maintenance import open_context
    from deskterm.ui.app import FirstRunScreen
    from deskterm.ui.screens.meeting import MeetingScreen
    from deskterm.ui.screens.signin import SignInScreen

    ctx = open_context(tmp_path / "new.db", clock)  # a new shop: PINs by default
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FirstRunScreen))
        await pilot.press(*"Chen", "tab", "2", "enter")  # the manager
        await pilot.press(*"王伟", "enter")  # a salesperson
        await settle(pilot)
        assert "Chen (sales manager)" in str(app.screen.query_one("#added").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        sign_in = app.screen
        names = [str(o.prompt) for o in sign_in.query_one("#people").options]
        sign_in.query_one("#people").highlighted = next(
            i for i, n in enumerate(names) if n.startswith("Chen")
        )
        await pilot.press("enter", *"4711", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MeetingScreen), timeout=10)
    roles = {p.name: p.role for p in setup.list_staff(ctx)}
    assert roles == {"Chen": "manager", "王伟": "salesperson"}
    ctx.db.close()
