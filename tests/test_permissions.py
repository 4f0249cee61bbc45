"""Every public service function states its permission, and each permission is what the
README's role table says ("Signing in and roles"); nobody signed in may do nothing."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest

import deskterm.services as services_package
from deskterm.services import (
    auth,
    backups,
    customers,
    exporting,
    manager,
    reception,
    report,
    rotation,
    setup,
)
from deskterm.services.context import Context
from deskterm.services.permissions import DISPLAY, OPEN_DESK, SYSTEM, PermissionDenied, may

ROLES: tuple[str | None, ...] = (
    "receptionist",
    "salesperson",
    "marketing",
    "care",
    "manager",
    None,
    OPEN_DESK,
    SYSTEM,
    DISPLAY,
)

# Written from the README's role table: who may do what (SYSTEM: the command line and
# the app's own maintenance; OPEN_DESK: a shop without PINs, the manager's rights).
EVERYONE_SIGNED_IN = {
    "receptionist",
    "salesperson",
    "marketing",
    "care",
    "manager",
    OPEN_DESK,
    SYSTEM,
}
MANAGERS = {"manager", OPEN_DESK, SYSTEM}
EXPECTED: dict[str, set[str | None]] = {
    "rotation": {"receptionist", "salesperson"} | MANAGERS,
    # Issue 23: undo an earlier action of the day's log (the last one: "rotation");
    # give a counted turn by hand (the receptionist when the shop allows it).
    "rotation_undo": {"receptionist"} | MANAGERS,
    "counted_turn": MANAGERS,
    "counted_turn_if_allowed": {"receptionist"},
    "reception": {"receptionist", "salesperson"} | MANAGERS,
    "callbacks": {"salesperson"} | MANAGERS,
    "customers": {"salesperson", "marketing", "care"} | MANAGERS,
    "marketing": {"marketing"} | MANAGERS,
    "care": {"care"} | MANAGERS,
    "meeting": MANAGERS,
    "manage": MANAGERS,
    "export": MANAGERS,
    "audit": MANAGERS,
    "system": {SYSTEM},
    # the showroom display (`deskterm board`): anyone signed in, and the display itself
    "display": EVERYONE_SIGNED_IN | {DISPLAY},
}
# The few things anyone may call, signed in or not: the sign-in screen's needs.
PUBLIC_FUNCTIONS = {
    "auth.anyone_has_pin",
    "auth.has_pin",
    "auth.pins_required",
    "auth.sign_in",
    "auth.sign_out",
    "maintenance.change_marker",
    "setup.find_staff",
    "setup.get_levels",
    "setup.get_settings",
    "setup.list_staff",
}
NOT_SERVICES = {"context", "permissions"}  # the handle and the check itself


def _service_functions() -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for info in pkgutil.iter_modules(services_package.__path__):
        if info.name in NOT_SERVICES:
            continue
        module = importlib.import_module(f"deskterm.services.{info.name}")
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or func.__module__ != module.__name__:
                continue
            params = list(inspect.signature(func).parameters.values())
            first = params[0] if params else None
            if first is not None and (
                first.name == "ctx" or first.annotation in (Context, "Context")
            ):
                found.append((f"{info.name}.{name}", func))
    return found


FUNCTIONS = _service_functions()


def test_the_enumeration_finds_the_services():
    names = {name for name, _ in FUNCTIONS}
    assert {
        "auth.set_pin",
        "backups.backup_now",
        "report.daily_report",
        "customers.search",
        "manager.pending_lost_requests",
        "exporting.export",
    } <= names
    assert len(names) > 80


@pytest.mark.parametrize(("name", "func"), FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_every_public_service_function_declares_a_permission(name, func):
    declared = getattr(func, "permission", "missing")
    assert declared != "missing", f"{name} has no @permission(...)"
    if None in declared:
        assert name in PUBLIC_FUNCTIONS, f"{name} is open to nobody signed in"
    else:
        assert name not in PUBLIC_FUNCTIONS
        assert all(p in EXPECTED for p in declared), f"{name}: unknown {declared}"


def _ctx(role: str | None) -> Context:
    return Context(db=None, clock=None, role=role)  # type: ignore[arg-type]


@pytest.mark.parametrize("permission", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES, ids=[str(r) for r in ROLES])
def test_each_permission_per_role_is_the_readme_table(permission, role):
    assert may(_ctx(role), permission) is (role in EXPECTED[permission])


def test_nobody_may_nothing_but_the_public_functions():
    nobody = _ctx(None)
    assert not any(may(nobody, p) for p in EXPECTED)
    assert may(nobody, None)
    assert not may(Context(db=None, clock=None, role=None, remote=True), "rotation")  # type: ignore[arg-type]


# Functions open to more than one permission, each a line of the README's table: the
# receptionist finds a returning customer at the desk with the customer search.
SHARED = {
    "customers.search": ("customers", "reception"),
    # The manager gives a counted turn by hand; the receptionist if the shop allows it
    # (the service reads the setting: tests/test_rotation_undo_service.py).
    "rotation.give_turn": ("counted_turn", "counted_turn_if_allowed"),
}


def _readme_role_row(role: str) -> str:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    return next(line for line in readme.splitlines() if line.startswith(f"| {role} |"))


def test_a_function_open_to_several_permissions_is_one_the_readme_names():
    shared = {name: f.permission for name, f in FUNCTIONS if len(f.permission) > 1}
    assert shared == SHARED
    assert "customer search" in _readme_role_row("receptionist")
    assert "returning customer" in _readme_role_row("receptionist")


def test_expected_declarations_of_the_issue():
    perms = dict(FUNCTIONS)
    assert perms["auth.set_pin"].permission == ("manage",)
    assert perms["backups.backup_now"].permission == ("manage",)
    assert perms["report.daily_report"].permission == ("meeting",)
    assert perms["customers.get_details"].permission == ("customers",)
    assert perms["manager.pending_lost_requests"].permission == ("manage",)
    assert perms["exporting.export"].permission == ("export",)
    assert perms["audit.audit_trail"].permission == ("audit",)


@pytest.fixture
def desk(ctx, team):
    setup.set_setting(ctx, "auth.mode", "pin")
    team.desk = setup.add_staff(ctx, "Front Desk", "receptionist").id
    auth.set_pin(ctx, team.boss, "9999")  # the command line (SYSTEM) may
    return ctx


def test_a_receptionist_cannot_set_the_managers_pin(desk, team):
    auth.sign_in(desk, team.desk, "1234")  # the first sign-in sets one's own PIN
    assert desk.role == "receptionist"
    with pytest.raises(PermissionDenied):
        auth.set_pin(desk, team.boss, "4321")
    auth.sign_out(desk)
    with pytest.raises(Exception, match="Wrong PIN"):
        auth.sign_in(desk, team.boss, "4321")
    assert auth.sign_in(desk, team.boss, "9999").role == "manager"


def test_a_receptionist_cannot_search_details_backup_or_report(desk, team, tmp_path):
    auth.sign_in(desk, team.desk, "1234")
    with pytest.raises(PermissionDenied):
        customers.get_details(desk, 1)
    with pytest.raises(PermissionDenied):
        backups.backup_now(desk, tmp_path / "copy.db")
    with pytest.raises(PermissionDenied):
        report.daily_report(desk)
    with pytest.raises(PermissionDenied):
        manager.pending_lost_requests(desk)
    assert not (tmp_path / "copy.db").exists()


def test_a_receptionist_finds_a_returning_customer_but_not_their_history(desk, team):
    rotation.check_in(desk, team.wang)  # as the command line: a visitor with a phone
    a = rotation.walk_in(desk)
    reception.save_form(
        desk, a.reception_id, reception.ReceptionForm(name="回头客", phone="13800138000")
    )
    auth.sign_in(desk, team.desk, "1234")
    found = customers.search(desk, "0013")
    assert [c.name for c in found] == ["回头客"]
    with pytest.raises(PermissionDenied):
        customers.timeline(desk, found[0].id)
    with pytest.raises(PermissionDenied):
        customers.get_customer(desk, found[0].id)
    auth.sign_out(desk)
    auth.sign_in(desk, team.market, "5678")  # customers (F4) search too
    assert [c.name for c in customers.search(desk, "0013")] == ["回头客"]


def test_nobody_signed_in_is_refused(desk, team, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    auth.sign_out(desk)
    assert desk.role is None
    for call in (
        lambda: customers.search(desk, "Li"),
        lambda: report.daily_report(desk),
        lambda: backups.backup_now(desk, out / "copy.db"),
        lambda: exporting.export(desk, "customers", out / "all.csv"),
        lambda: manager.pending_lost_requests(desk),
        lambda: auth.set_pin(desk, team.boss, "4321"),
    ):
        with pytest.raises(PermissionDenied, match="Sign in first"):
            call()
    assert not list(out.iterdir())
    # What the sign-in screen needs still works.
    assert [p.name for p in setup.list_staff(desk, "manager")] == ["Chen Manager"]
    assert auth.pins_required(desk)


async def test_the_sign_in_screen_cannot_be_skipped_by_palette_or_mode(desk, team):
    from deskterm.ui.app import create_app
    from deskterm.ui.screens.manager import ManagerScreen
    from deskterm.ui.screens.signin import SignInScreen
    from tests.ui_helpers import settle, wait_for

    auth.set_pin(desk, team.li, "2468")
    app = create_app(desk, blink=False)

    async def refused_everywhere(pilot) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        assert desk.role is None and app.system_ctx.role == SYSTEM
        mode = app.current_mode
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert not any("Go to" in str(t) for t in titles)
        await pilot.press("ctrl+p", *"Go to: Manager", "enter")
        await settle(pilot)
        await app.action_switch_mode("manager")
        await settle(pilot)
        app.switch_mode("customers")
        await settle(pilot)
        assert not any(isinstance(s, ManagerScreen) for s in app.screen_stack)
        assert app.current_mode == mode
        assert not any(app.may_open(mode) for mode in ("manager", "customers", "reception"))

    async with app.run_test(size=(140, 40)) as pilot:
        await refused_everywhere(pilot)
        if not isinstance(app.screen, SignInScreen):
            await pilot.press("escape")  # close whatever the palette left open
        screen = app.screen
        names = [str(o.prompt) for o in screen.query_one("#people").options]
        screen.query_one("#people").highlighted = next(
            i for i, n in enumerate(names) if n.startswith("Li Na")
        )
        await pilot.press("enter", *"2468", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SignInScreen))
        assert desk.role == "salesperson" and app.may_open("customers")
        assert not app.may_open("manager")
        await pilot.press("ctrl+o")
        await refused_everywhere(pilot)
