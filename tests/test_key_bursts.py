"""Keys that arrive together (a fast typist, a burst from the terminal) go where they would
have gone one by one: a Tab moves on before the digit behind it is read (issue 16: a fast
Tab burst on the first-run screen put a digit into the name field).

``pilot.press`` waits for each key to be handled; a terminal does not. These tests put all
the keys in the app's queue at once, as the terminal driver does, and only then wait.
"""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual import events
from textual.keys import _character_to_key

from deskterm.i18n import set_language
from deskterm.services import rotation, setup
from deskterm.services.maintenance import open_context
from deskterm.storage.models import Customer
from deskterm.ui.app import FirstRunScreen, create_app
from deskterm.ui.screens.form import ReceptionFormScreen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.ui_helpers import settle, wait_for

CHARACTERS = {"tab": "\t", "shift+tab": None, "enter": "\r", "ctrl+s": "\x13", "down": None}


def burst(app, *keys: str) -> None:
    """Queue every key at once: a name is a key, anything else is typed character by
    character."""
    for key in keys:
        if key in CHARACTERS:
            app.post_message(events.Key(key, CHARACTERS[key]))
        else:
            for ch in key:
                app.post_message(events.Key(_character_to_key(ch), ch))


async def first_run(pilot, app) -> FirstRunScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, FirstRunScreen))
    await settle(pilot)
    return app.screen


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_tab_burst_on_first_run_picks_a_role_and_types_nothing(tmp_path, clock, lang):
    ctx = open_context(tmp_path / "new.db", clock)
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await first_run(pilot, app)
        name, role = screen.query_one("#new-name"), screen.query_one("#new-role")
        burst(app, "tab", "tab", "tab", "2")  # name, role, name, role: the manager
        await settle(pilot)
        # The digit picks the role and hands the keyboard back to the name at once.
        assert (name.value, role.value, app.focused) == ("", "manager", name)
        burst(app, "tab", "3", "tab", "1", "Ann")
        await settle(pilot)
        assert (name.value, role.value, app.focused) == ("Ann", "salesperson", name)
    ctx.db.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_first_run_typed_in_one_breath_adds_everyone_with_their_role(tmp_path, clock, lang):
    ctx = open_context(tmp_path / "new.db", clock)
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await first_run(pilot, app)
        # Everyone in one burst: a name, Tab, the role's digit, Enter, the next name...
        burst(app, "Chen", "tab", "2", "enter", "Li Na", "tab", "3", "enter", "王伟", "enter")
        await settle(pilot)
        await wait_for(pilot, lambda: len(setup.list_staff(ctx)) == 3)
        assert app.screen.query_one("#new-name").value == ""
    roles = {p.name: p.role for p in setup.list_staff(ctx)}
    assert roles == {"Chen": "manager", "Li Na": "receptionist", "王伟": "salesperson"}
    ctx.db.close()


async def test_a_walk_in_typed_in_one_breath_fills_each_field(ctx, team):
    """The walk-in of the twelve-key test, as one burst with Tab and Enter mixed: every
    value in its own field, the digits in the choice rows."""
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await settle(pilot)
        burst(app, "Zhang Wei", "tab", "13912345678", "enter", "Model Y", "tab", "4")
        burst(app, "tab", "1", "enter", "1", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
    with ctx.db.read() as s:
        c = s.exec(select(Customer)).one()
        assert (c.name, c.phone, c.model_interest, c.budget, c.level) == (
            "Zhang Wei",
            "+8613912345678",
            "Model Y",
            "200-300k",
            "hot",
        )


async def test_a_callback_ticked_in_one_breath_keeps_the_outcome_typed(ctx, team):
    """Space opens the tick; 2 (no answer) and Ctrl+S typed together: the save sees the 2."""
    from deskterm.storage.models import Callback
    from deskterm.ui.screens.callbacks import MyCallbacksScreen, TickScreen
    from deskterm.ui.screens.dialogs import PickScreen
    from tests.test_desk_walk import _tom_due_today

    _tom_due_today(ctx, team)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("1")  # who are you: Li Na
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await settle(pilot)
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, TickScreen))
        burst(app, "2", "ctrl+s")
        await settle(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await settle(pilot)
    with ctx.db.read() as s:
        outcomes = [c.outcome for c in s.exec(select(Callback)).all() if c.outcome]
    assert outcomes == ["no_answer"]


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_name_and_pin_typed_in_one_breath_sign_in(ctx, team, lang):
    """↓ to the name, Enter, the PIN, Enter, as one burst: the PIN's digits reach the PIN
    field, not the name list they were typed behind."""
    from deskterm.services import auth
    from deskterm.ui.screens.callbacks import MyCallbacksScreen
    from deskterm.ui.screens.signin import SignInScreen

    setup.set_setting(ctx, "auth.mode", "pin")
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        await settle(pilot)
        names = [str(o.prompt) for o in app.screen.query_one("#people").options]
        down = next(i for i, n in enumerate(names) if n.startswith("Li Na"))
        burst(app, *["down"] * down, "enter", "2468", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen), timeout=10)
    assert auth.has_pin(ctx, team.li)


async def test_end_then_text_in_one_burst_appends_to_a_field(ctx, team):
    """Found by a tester: "End QQ" sent at once replaced a saved note with "QQ"."""
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        notes = form.query_one("#notes")
        notes.value = "比较了竞品"
        notes.focus()
        await settle(pilot)
        app.post_message(events.Key("end", None))
        burst(app, "QQ")
        await wait_for(pilot, lambda: "QQ" in notes.value)
        assert notes.value == "比较了竞品QQ"


async def test_tab_a_digit_then_the_name_adds_that_role(tmp_path, clock):
    """Found by a tester: the welcome says "Tab and a digit first", but the name typed
    after "Tab 2" went to the role row and was lost."""
    ctx = open_context(tmp_path / "new.db", clock)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await first_run(pilot, app)
        burst(app, "tab", "2", "Boss", "enter")
        await wait_for(pilot, lambda: len(setup.list_staff(ctx)) == 1)
    assert [(p.name, p.role) for p in setup.list_staff(ctx)] == [("Boss", "manager")]
    ctx.db.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_walk_in_typed_from_the_board_in_one_breath_fills_the_form(ctx, team, lang):
    """Found by a tester in a real terminal: ``n 1 Ann`` typed at once went, every key, to
    the board (the question and the form were not up yet) and the name's "n" opened the
    question again. Now each key waits for the screen it is for, including the form
    that opens only once the walk-in is registered in the background."""
    rotation.check_in(ctx, team.wang)
    set_language(lang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        burst(app, "n", "1", "Zhang Wei", "tab", "13912345678", "enter", "Model Y", "tab", "4")
        burst(app, "tab", "1", "enter", "1", "ctrl+s")
        await wait_for(pilot, lambda: _customer_count(ctx) == 1, timeout=10)
        await settle(pilot)
        assert [type(s) for s in app.screen_stack] == [ReceptionScreen]
    with ctx.db.read() as s:
        c = s.exec(select(Customer)).one()
        assert (c.name, c.phone, c.model_interest, c.level) == (
            "Zhang Wei",
            "+8613912345678",
            "Model Y",
            "hot",
        )


def _customer_count(ctx) -> int:
    with ctx.db.read() as s:
        return len(s.exec(select(Customer)).all())


async def test_enter_typed_with_the_search_waits_for_its_answer(ctx, team):
    """``r Hans Enter`` at once: Enter is acted on when the search for "Hans" has
    answered (Hans Müller first), not on an empty or older list; the form opens for him."""
    from deskterm.services import reception
    from deskterm.services.reception import ReceptionForm

    for sid in (team.wang, team.li):
        rotation.check_in(ctx, sid)
    for name, phone in (("Ole Hansen", "13800138002"), ("Hans Müller", "13800138001")):
        a = rotation.walk_in(ctx)
        reception.save_form(
            ctx, a.reception_id, ReceptionForm(name=name, phone=phone, purchase_horizon="1m")
        )
        rotation.done(ctx, a.salesperson_id)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        burst(app, "r", "Hans", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen), timeout=10)
        await settle(pilot)
        assert app.screen.query_one("#name").value == "Hans Müller"


async def test_keys_typed_for_a_form_that_never_opens_do_not_act_on_the_board(ctx, team):
    """Nobody is on the floor: the walk-in is refused (said so), and the name typed
    behind ``n 1`` is dropped with the bell — its "n" must not open the question again."""
    app = create_app(ctx, blink=False)
    bells: list[bool] = []
    app.bell = lambda: bells.append(True)  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        burst(app, "n", "1", "Ann")
        await settle(pilot)
        await settle(pilot)
        assert [type(s) for s in app.screen_stack] == [ReceptionScreen]
        assert bells
        # The desk goes on: the next key is the receptionist's again.
        await pilot.press("n")
        await wait_for(pilot, lambda: len(app.screen_stack) == 2)


async def test_answers_typed_ahead_through_a_chain_of_dialogs_reach_each_dialog(ctx, team, clock):
    """Found by a tester: F6 → Actions, ``w``, the text, Enter, a digit, Enter, a digit
    typed at once stopped at the date (the Enter and the last digit reached the screen
    under the dialogs). Each answer's callback opens the next dialog; keys wait for it."""
    from datetime import date, datetime

    from deskterm.clock import zone_named
    from deskterm.services import actions
    from deskterm.ui.screens.manager import ManagerScreen

    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=zone_named("Asia/Shanghai")))
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ManagerScreen))
        await settle(pilot)
        app.screen.query_one("#tabs").active = "tab-actions"
        await settle(pilot)
        people = [p.name for p in setup.list_staff(ctx) if p.active]
        who = str(people.index("Li Na") + 1)
        burst(app, "w", "fast one", "enter", who, "enter", "1")
        await wait_for(pilot, lambda: len(actions.list_actions(ctx)) == 1, timeout=10)
    [a] = actions.list_actions(ctx)
    assert (a.what, a.owner, a.due, a.measure) == ("fast one", "Li Na", date(2026, 12, 9), None)
