"""PINs, lock-outs and what each role may do (checked by the services themselves)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskterm.errors import InvalidInput, RuleViolation
from deskterm.services import auth, callbacks, customers, marketing, report_export, rotation, setup
from deskterm.services.audit import audit_trail
from deskterm.services.permissions import SYSTEM, PermissionDenied
from tests.scenario import new_customer

pytestmark = pytest.mark.both_databases


@pytest.fixture(autouse=True)
def _fast_kdf(monkeypatch):
    # The hash carries its parameters; a cheap one keeps the tests quick.
    monkeypatch.setattr(auth, "SCRYPT_N", 2**10)


@pytest.fixture
def shop(ctx, team):
    setup.set_setting(ctx, "auth.mode", "pin")
    ids = team
    ids.desk = setup.add_staff(ctx, "Front Desk", "receptionist").id
    return ctx


def test_default_hash_is_scrypt_at_owasp_parameters(monkeypatch):
    monkeypatch.setattr(auth, "SCRYPT_N", 2**17)
    stored = auth.hash_pin("4711")
    kind, n, r, p, salt, digest = stored.split("$")
    assert (kind, n, r, p) == ("scrypt", str(2**17), "8", "1") and len(salt) == 32
    assert auth.pin_matches("4711", stored) and not auth.pin_matches("4712", stored)
    assert auth.hash_pin("4711") != stored  # salted
    assert "4711" not in stored.split("$")  # only salt and digest, never the PIN


def test_first_sign_in_sets_the_pin_then_it_is_required(shop, team):
    assert auth.pins_required(shop) and not auth.has_pin(shop, team.li)
    actor = auth.sign_in(shop, team.li, "2468")
    assert (actor.name, actor.role, shop.actor_id, shop.role) == (
        "Li Na",
        "salesperson",
        team.li,
        "salesperson",
    )
    auth.sign_out(shop)
    assert shop.actor_id is None
    with pytest.raises(InvalidInput, match="Wrong PIN"):
        auth.sign_in(shop, team.li, "1357")
    assert auth.sign_in(shop, team.li, " 2468 ").id == team.li
    with pytest.raises(PermissionDenied):
        auth.set_pin(shop, team.li, "1234")  # after the first sign-in: the manager's job
    with pytest.raises(PermissionDenied):
        audit_trail(shop)  # the trail is the manager's
    auth.sign_out(shop)
    with pytest.raises(PermissionDenied):
        audit_trail(shop)  # nobody signed in may see nothing either
    shop.role = SYSTEM  # the command line
    with pytest.raises(InvalidInput, match="4 to 8 digits"):
        auth.set_pin(shop, team.li, "12ab")
    assert [e.action for e in audit_trail(shop, "staff.")][:3] == [
        "staff.sign_in",
        "staff.pin_failed",
        "staff.sign_in",
    ]


def test_wrong_pins_slow_down(shop, team, clock, monkeypatch):
    real = [datetime(2026, 3, 2, 1, 0, tzinfo=UTC)]
    monkeypatch.setattr(auth, "real_now", lambda: real[0])
    auth.set_pin(shop, team.wang, "1111")
    for _ in range(3):
        with pytest.raises(InvalidInput):
            auth.sign_in(shop, team.wang, "0000")
    with pytest.raises(RuleViolation, match="try again in 31 s"):
        auth.sign_in(shop, team.wang, "1111")  # locked: even the right PIN waits
    clock.set(datetime(2030, 1, 1))  # the shop's clock (DESKTERM_NOW) does not unlock
    with pytest.raises(RuleViolation, match="try again in 31 s"):
        auth.sign_in(shop, team.wang, "1111")
    real[0] += timedelta(seconds=31)
    with pytest.raises(InvalidInput):
        auth.sign_in(shop, team.wang, "0000")  # fourth wrong one: 60 s now
    real[0] += timedelta(seconds=59)
    with pytest.raises(RuleViolation):
        auth.sign_in(shop, team.wang, "1111")
    real[0] += timedelta(seconds=2)
    assert auth.sign_in(shop, team.wang, "1111").id == team.wang  # and the count resets


def test_each_role_does_only_its_job(shop, team, tmp_path):
    rotation.check_in(shop, team.wang)
    c = new_customer(shop, "13900000001")
    auth.set_pin(shop, team.boss, "4444")  # at the shop PC (the manager's first PIN)
    auth.sign_in(shop, team.desk, "1234")  # receptionist
    rotation.check_in(shop, team.li)  # the rotation: yes
    with pytest.raises(PermissionDenied):
        customers.reassign(shop, c, team.li, "x")
    with pytest.raises(PermissionDenied):
        report_export.export_meeting(shop, tmp_path)  # phone numbers: manager only
    auth.sign_in(shop, team.li, "2222")  # salesperson
    [cb] = callbacks.due_callbacks(shop, team.wang, datetime(2026, 3, 31).date())
    with pytest.raises(PermissionDenied, match="another salesperson"):
        callbacks.complete_callback(shop, cb.id, "reached")
    with pytest.raises(PermissionDenied):
        marketing.register_lead(shop, "Lead", "13700000000")
    auth.sign_in(shop, team.market, "3333")  # marketing
    assert marketing.register_lead(shop, "Lead", "13700000000") > 0
    with pytest.raises(PermissionDenied):
        rotation.walk_in(shop)
    auth.sign_in(shop, team.boss, "4444")  # manager: everything
    customers.reassign(shop, c, team.li, "meeting")
    assert report_export.export_meeting(shop, tmp_path).exists()
    [entry] = audit_trail(shop, "customer.reassign")
    assert entry.actor == "Chen Manager"  # who, attributed by the PIN


async def test_pin_sign_in_opens_the_roles_own_screen(shop, team):
    from deskterm.ui.app import create_app
    from deskterm.ui.screens.callbacks import MyCallbacksScreen
    from deskterm.ui.screens.signin import SignInScreen
    from tests.ui_helpers import settle, wait_for

    auth.set_pin(shop, team.li, "2468")
    rotation.check_in(shop, team.li)
    app = create_app(shop, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        screen = app.screen
        await pilot.press("escape")
        assert app.screen is screen  # no way round it
        names = [o.prompt for o in screen.query_one("#people").options]
        index = next(i for i, n in enumerate(names) if str(n).startswith("Li Na"))
        screen.query_one("#people").highlighted = index
        await pilot.press("enter", *"1111", "enter")
        await wait_for(pilot, lambda: screen.query_one("#err-pin").has_class("shown"))
        assert "Wrong PIN" in str(screen.query_one("#err-pin").render())
        assert screen.query_one("#pin").value == ""  # a PIN is never left on screen
        await pilot.press(*"2468", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await settle(pilot)
        assert app.screen.salesperson == (team.li, "Li Na")  # no "who are you?"
        assert app.check_action("switch_mode", ("manager",)) is False  # hidden
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, MyCallbacksScreen)  # refused
        assert "Li Na" in app.sub_title
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        assert "Li Na" not in app.sub_title  # nobody's name on the title once signed out
    assert shop.actor_id is None


def test_cli_sets_a_pin_asked_twice(tmp_path):
    import os
    import subprocess
    import sys

    db = tmp_path / "shop.db"
    env = {**os.environ, "DESKTERM_LANG": "en"}

    def cli(*args, stdin=""):
        return subprocess.run(
            [sys.executable, "-m", "deskterm", "--db", str(db), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    assert cli("staff", "add", "王伟", "--role", "salesperson").returncode == 0
    r = cli("staff", "pin", "王伟", stdin="2468\n2469\n")
    assert r.returncode == 2 and "differ" in r.stderr
    r = cli("staff", "pin", "王伟", stdin="2468\n2468\n")
    assert r.returncode == 0 and "new PIN" in r.stdout and "2468" not in r.stdout


async def test_first_run_with_pins_asks_the_new_people_to_sign_in(tmp_path, clock):
    from deskterm.services.maintenance import open_context
    from deskterm.ui.app import FirstRunScreen, create_app
    from deskterm.ui.screens.signin import SignInScreen
    from tests.ui_helpers import settle, wait_for

    ctx = open_context(tmp_path / "new.db", clock)  # a new shop: PINs by default
    assert auth.pins_required(ctx)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FirstRunScreen))
        await pilot.press(*"王伟", "enter", "escape")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
    ctx.db.close()


async def _sign_in_screen_on(pilot, app, name: str):
    """The sign-in screen, once it is up, with ``name`` highlighted in the list."""
    from deskterm.ui.screens.signin import SignInScreen
    from tests.ui_helpers import wait_for

    await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
    screen = app.screen
    names = [str(o.prompt) for o in screen.query_one("#people").options]
    screen.query_one("#people").highlighted = next(
        i for i, n in enumerate(names) if n.startswith(name)
    )
    return screen


async def test_a_pin_typed_right_after_the_name_is_not_lost(shop, team, monkeypatch):
    """People type their PIN straight after choosing their name; the focus must be in the
    PIN field already, not moved there later by a worker (slow on a loaded machine)."""
    import time

    from deskterm.ui.app import create_app
    from deskterm.ui.screens.callbacks import MyCallbacksScreen
    from tests.ui_helpers import settle, wait_for

    auth.set_pin(shop, team.li, "2468")
    real = auth.has_pin

    def slow_has_pin(ctx, staff_id):
        time.sleep(0.5)
        return real(ctx, staff_id)

    monkeypatch.setattr(auth, "has_pin", slow_has_pin)
    app = create_app(shop, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await _sign_in_screen_on(pilot, app, "Li Na")
        await pilot.press("enter", *"2468", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MyCallbacksScreen))
        await settle(pilot)


async def test_an_empty_pin_is_not_tried_and_digits_typed_during_a_check_stay(
    shop, team, monkeypatch
):
    """An Enter that lands in the empty PIN field (the name was chosen by a click) says
    "type your PIN" without a check; a wrong PIN's answer, half a second later, clears
    only the PIN it checked — not digits typed meanwhile (seen in the browser test)."""
    import time

    from deskterm.ui.app import create_app
    from tests.ui_helpers import settle, wait_for

    auth.set_pin(shop, team.li, "2468")
    real, tried = auth.sign_in, []

    def slow_sign_in(ctx, staff_id, pin):
        tried.append(pin)
        time.sleep(0.5)
        return real(ctx, staff_id, pin)

    monkeypatch.setattr(auth, "sign_in", slow_sign_in)
    app = create_app(shop, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _sign_in_screen_on(pilot, app, "Li Na")
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert tried == []
        assert "Type your PIN" in str(screen.query_one("#err-pin").render())
        await pilot.press(*"1111", "enter", *"24")  # typed on while 1111 is checked
        await wait_for(pilot, lambda: "Wrong PIN" in str(screen.query_one("#err-pin").render()))
        assert tried == ["1111"]
        assert screen.query_one("#pin").value == "24"


def test_parallel_wrong_pins_get_no_more_than_the_free_tries(shop, team):
    """Guesses checked at once: each counts in the same write transaction as its lock
    check, so the lock-out stops all but the free tries (the check used to be a read)."""
    from concurrent.futures import ThreadPoolExecutor

    auth.set_pin(shop, team.wang, "1111")
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(
            pool.map(lambda g: _try(shop, team.wang, g), [f"{n:04d}" for n in range(8)])
        )
    assert outcomes.count("wrong") <= auth.FREE_TRIES
    assert outcomes.count("wrong") + outcomes.count("locked") == 8


def _try(ctx, staff_id, guess):
    from dataclasses import replace

    try:
        auth.sign_in(replace(ctx), staff_id, guess)
    except InvalidInput:
        return "wrong"
    except RuleViolation:
        return "locked"
    return "in"


def test_nobody_chooses_the_managers_first_pin_once_the_desk_is_in_use(shop, team):
    """Found by a tester: a receptionist with a PIN picked the manager's name, typed a
    PIN of her choosing and had every right. The manager's first PIN is set at the PC."""
    auth.sign_in(shop, team.li, "2468")  # the desk is in use
    auth.sign_out(shop)
    with pytest.raises(RuleViolation) as err:
        auth.sign_in(shop, team.boss, "9999")
    assert "deskterm staff pin" in err.value.message
    assert not auth.has_pin(shop, team.boss)
    assert shop.actor_id is None and shop.role != "manager"
    shop.role = SYSTEM  # the command line at the shop PC
    auth.set_pin(shop, team.boss, "9999")
    shop.role = None
    assert auth.sign_in(shop, team.boss, "9999").role == "manager"


def test_the_first_pin_of_a_new_shop_may_be_the_managers(shop, team):
    assert not auth.anyone_has_pin(shop)
    assert auth.sign_in(shop, team.boss, "1357").role == "manager"
