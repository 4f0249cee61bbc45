"""`deskterm board`: the showroom display reads the floor, follows the desk within a
second, changes nothing, needs no sign-in, and keeps going through a database outage."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from deskterm.cli.main import build_parser
from deskterm.errors import StorageError
from deskterm.services import reception, rotation, showroom
from deskterm.services.maintenance import open_context
from deskterm.services.permissions import DISPLAY, PermissionDenied
from deskterm.storage.models import RotationEventRow
from deskterm.ui.boundary import DatabaseLostBanner
from deskterm.ui.showroom import BusyRow, ShowroomApp
from tests.ui_helpers import settle, wait_for

SIZE = (160, 45)


def _text(app, selector: str) -> str:
    return str(app.query_one(selector).render())


def _events(ctx) -> int:
    with ctx.db.read() as s:
        return len(s.exec(RotationEventRow.__table__.select()).all())


@pytest.fixture
def crash_dir(tmp_path, monkeypatch):
    folder = tmp_path / "crash"
    monkeypatch.setenv("DESKTERM_CRASH_DIR", str(folder))
    return folder


@pytest.fixture
def floor(ctx, team):
    """王伟 and Li Na checked in, in that order."""
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    return ctx


@pytest.fixture
def display(floor, database, clock):
    """A second connection to the same database, as `deskterm board` opens it."""
    other = open_context(database, clock, start_of_day=False, thorough=False)
    yield other
    other.db.close()


async def test_the_display_follows_a_walk_in_made_in_another_connection_within_a_second(
    floor, display
):
    app = ShowroomApp(display)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "王伟" in _text(app, "#next-name"))
        assert "Li Na" in _text(app, "#deck")
        assert not app.query(BusyRow)
        rotation.walk_in(floor)  # the desk, in its own connection
        await wait_for(pilot, lambda: "Li Na" in _text(app, "#next-name"), timeout=1.0)
        # The busy list is its own widget, mounted a moment after the line above (and
        # each row's own widgets a moment after the row: a busy machine showed the gap).
        await wait_for(pilot, lambda: bool(app.query("BusyRow .busy-name")), timeout=1.0)
        rows = app.query(BusyRow)
        assert [str(r.query_one(".busy-name").render()) for r in rows] == ["王伟"]
        assert str(rows.first().query_one("Digits").value) == "0"  # minutes with the customer


async def test_the_display_shows_who_is_away_and_a_closed_day(floor, display, team):
    rotation.away(floor, team.li, "break")
    app = ShowroomApp(display)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Li Na (on break)" in _text(app, "#away"))
        rotation.close_day(floor)
        await wait_for(pilot, lambda: "closed" in _text(app, "#next-name"), timeout=1.0)


async def test_no_key_of_the_display_changes_anything(floor, display):
    before = _events(floor)
    app = ShowroomApp(display)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "王伟" in _text(app, "#next-name"))
        # every key of the desk's screens, and the palette's: nothing happens
        await pilot.press(*"nrxpdbsuiofh", "enter", "space", "ctrl+p", "f2", "f6", "escape")
        await settle(pilot)
        assert app.is_running
        assert "王伟" in _text(app, "#next-name")
    assert _events(floor) == before
    keys = {b.key for bindings in app._bindings.key_to_bindings.values() for b in bindings}
    assert "ctrl+p" not in keys and not app.ENABLE_COMMAND_PALETTE


def test_the_display_role_reads_the_floor_and_nothing_else(floor, team):
    floor.role = DISPLAY
    view = showroom.showroom_board(floor)
    assert view.next_up == "王伟" and view.on_deck == ("Li Na",)
    for refused in (
        lambda: rotation.get_board(floor),
        lambda: rotation.walk_in(floor),
        lambda: reception.arrivals(floor),
    ):
        with pytest.raises(PermissionDenied):
            refused()


async def test_a_lost_database_is_one_steady_banner_and_goes_when_back(floor, display, monkeypatch):
    app = ShowroomApp(display)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "王伟" in _text(app, "#next-name"))

        def down(*_a, **_k):
            raise StorageError("Cannot reach the database.")

        @contextmanager
        def broken(*_a, **_k):
            raise StorageError("Cannot reach the database.")
            yield  # pragma: no cover

        with monkeypatch.context() as mp:
            mp.setattr(display.db, "data_version", down)
            mp.setattr(display.db, "read", broken)
            await wait_for(pilot, lambda: bool(app.screen.query(DatabaseLostBanner)))
            await pilot.pause(1.2)  # two more failed looks
            assert len(app.screen.query(DatabaseLostBanner)) == 1
            assert not app._notifications  # no toast a second
            assert "王伟" in _text(app, "#next-name")  # the last floor stays up
        rotation.walk_in(floor)
        await wait_for(pilot, lambda: not app.screen.query(DatabaseLostBanner))
        await wait_for(pilot, lambda: "Li Na" in _text(app, "#next-name"))
        assert app.is_running


async def test_a_bug_in_a_reload_is_reported_once_and_the_display_goes_on(
    floor, display, monkeypatch, crash_dir
):
    app = ShowroomApp(display)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "王伟" in _text(app, "#next-name"))

        def bug(*_a, **_k):
            raise RuntimeError("a bug")

        monkeypatch.setattr(showroom, "showroom_board", bug)
        rotation.walk_in(floor)  # a change: the display reloads, and fails
        await wait_for(pilot, lambda: bool(app._notifications))
        rotation.done(floor, floor_member(floor, "王伟"))  # another change, the same bug
        await pilot.pause(1.2)
        said = [n.message for n in app._notifications]
        assert len(said) == 1 and "Something went wrong (RuntimeError: a bug)" in said[0]
        assert len(list(crash_dir.iterdir())) == 1
        assert app.is_running and "王伟" in _text(app, "#next-name")


def floor_member(ctx, name: str) -> int:
    return next(m.salesperson_id for m in rotation.get_board(ctx).members if m.name == name)


def test_the_command_line_has_the_board():
    args = build_parser().parse_args(["board", "--db", "x.db"])
    assert args.command == "board"
