"""A server desk's first load, read while the app is imported (ui.read_ahead, issue 20).

The read-ahead is what `deskterm` starts on a server; its class reads on either database,
so these run on both (the CLI's choice of it is tested per database too). What must hold:
the first screen is painted once with its rows; nothing is read for, or shown to, anyone
but the open desk it was read for; a slow or failing read costs the desk nothing but the
read again; and the change watch's baseline comes before the view, so a commit made in
between is seen.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

from deskterm.errors import StorageError
from deskterm.services import desk, rotation, setup
from deskterm.ui import app as app_module
from deskterm.ui import read_ahead
from deskterm.ui.app import create_app
from deskterm.ui.screens import reception as reception_screen
from deskterm.ui.screens.reception import ReceptionScreen

pytestmark = pytest.mark.both_databases


@pytest.fixture
def quiet(monkeypatch):
    """No reload by the clock and no start of day: only the first load is read."""
    monkeypatch.setattr(reception_screen, "RELOAD_SECONDS", 3600)
    monkeypatch.setattr(app_module, "START_CHECKS_DELAY", 3600)


@pytest.fixture
def views(monkeypatch):
    """Every desk view read: the thread that read it."""
    read: list[str] = []
    real = desk.desk_view

    def counted(ctx):
        read.append(threading.current_thread().name)
        return real(ctx)

    monkeypatch.setattr(desk, "desk_view", counted)
    return read


async def test_the_first_screen_is_painted_with_the_view_read_ahead(
    ctx, team, quiet, views, monkeypatch
):
    """The board read in the thread is on the screen from its mount: no worker read it
    after an empty paint, and it was read once."""
    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    by_worker: list[ReceptionScreen] = []
    monkeypatch.setattr(ReceptionScreen, "load", lambda self: by_worker.append(self))
    ahead = read_ahead.ReadAhead(ctx)
    app = create_app(ctx, blink=False, read_ahead=ahead)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReceptionScreen)
        assert screen.board is not None
        assert [m.salesperson_id for m in screen.board.members] == [team.wang, team.li]
        await pilot.pause()
        assert screen.query_one("#board").row_count == 2
        assert by_worker == []
    assert views == ["deskterm-read-ahead"]


def test_the_cli_reads_ahead_on_a_server_only(ctx, team, database, monkeypatch):
    """`deskterm --db ADDRESS` hands the app a read-ahead started before the UI import; a
    file's first load is the screen's own (~10 ms, less than a thread costs)."""
    import argparse

    from deskterm.cli import desk as cli_desk
    from deskterm.ui import run as ui_run

    rotation.check_in(ctx, team.zhao)
    handed: list[object] = []

    def run_app(opened, ahead=None):
        handed.append(ahead)
        if ahead is not None:
            opened.role = "open"  # as the app sets it for this open-desk shop
            ahead.baseline()
            seen = ahead.take(opened)
            handed.append([m.salesperson_id for m in seen.board.members])
        return 0

    monkeypatch.setattr(ui_run, "run_app", run_app)
    monkeypatch.setenv("DESKTERM_NOW", ctx.now().isoformat())  # the fixture's day
    assert cli_desk.run(argparse.Namespace(db=database, remote=False)) == 0
    if ctx.db.dialect == "sqlite":
        assert handed == [None]
    else:
        assert isinstance(handed[0], read_ahead.ReadAhead)
        assert handed[1] == [team.zhao]


async def test_a_shop_with_pins_reads_and_shows_nothing_before_a_sign_in(ctx, team, quiet, views):
    setup.set_setting(ctx, "auth.mode", "pin")
    rotation.check_in(ctx, team.wang)
    ahead = read_ahead.ReadAhead(ctx)
    app = create_app(ctx, blink=False, read_ahead=ahead)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert ahead.take(ctx) is None
        # Nothing shown under the sign-in.
        assert all(getattr(s, "board", None) is None for s in app.screen_stack)
    assert views == []


async def test_a_view_read_for_the_open_desk_is_not_shown_once_pins_are_on(ctx, team, quiet, views):
    """The shop turned PINs on (another PC) between the read and the app: the app asks
    for a sign-in, and the board read for the open desk is never shown."""
    rotation.check_in(ctx, team.wang)
    ahead = read_ahead.ReadAhead(ctx)
    ahead._done.wait(10)
    assert views == ["deskterm-read-ahead"]
    setup.set_setting(ctx, "auth.mode", "pin")
    app = create_app(ctx, blink=False, read_ahead=ahead)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert all(getattr(s, "board", None) is None for s in app.screen_stack)
    assert views == ["deskterm-read-ahead"]  # and nobody read it again


async def test_a_read_stuck_on_a_silent_connection_is_given_up(ctx, team, quiet, monkeypatch):
    """The read-ahead's connection went silent mid-read: the app waits for it no longer
    than its patience, the screen's worker reads the board itself, and no later load
    waits behind the stuck thread (each reload came, one after the other)."""
    monkeypatch.setattr(read_ahead, "PATIENCE", 0.2)
    rotation.check_in(ctx, team.wang)
    real = desk.desk_view
    silent = threading.Event()
    read: list[str] = []

    def stuck_ahead(c):
        read.append(threading.current_thread().name)
        if threading.current_thread().name == "deskterm-read-ahead":
            silent.wait(30)  # a connection that never answers (until the test ends)
        return real(c)

    monkeypatch.setattr(desk, "desk_view", stuck_ahead)
    ahead = read_ahead.ReadAhead(ctx)
    try:
        app = create_app(ctx, blink=False, read_ahead=ahead)
        async with app.run_test(size=(160, 45)) as pilot:
            screen = app.screen
            assert isinstance(screen, ReceptionScreen)
            for _ in range(100):
                if screen.board is not None:
                    break
                await pilot.pause(0.05)
            assert [m.salesperson_id for m in screen.board.members] == [team.wang]
            for arrives in (team.li, team.zhao, None):  # later loads: none waits for it
                if arrives is not None:
                    rotation.check_in(ctx, arrives)
                screen.refresh_data()
                await app.workers.wait_for_complete()
                await pilot.pause()
            assert {m.salesperson_id for m in screen.board.members} == {
                team.wang,
                team.li,
                team.zhao,
            }
    finally:
        silent.set()
    ahead._done.wait(10)
    assert ahead.take(ctx) is None  # its late view is never shown
    assert read[0] == "deskterm-read-ahead" and "deskterm-read-ahead" not in read[1:]


def test_the_app_reads_after_the_read_ahead_on_its_connection(ctx, team, monkeypatch):
    """The app's own first reads wait for the read-ahead (a server far away: a second
    connection opened beside the busy one took 2.5 s), and find it done."""
    from deskterm.services import auth

    real_view, real_pins = desk.desk_view, auth.pins_required
    monkeypatch.setattr(desk, "desk_view", lambda c: (time.sleep(0.5), real_view(c))[1])
    seen: list[bool] = []

    def pins(c):
        if threading.current_thread().name != "deskterm-read-ahead":
            seen.append(ahead._done.is_set())
        return real_pins(c)

    monkeypatch.setattr(auth, "pins_required", pins)
    ahead = read_ahead.ReadAhead(ctx)
    app = create_app(ctx, blink=False, read_ahead=ahead)
    assert seen and all(seen)
    assert app.seen_version == ahead.version


async def test_a_failed_read_ahead_is_read_again_by_the_screen(
    ctx, team, quiet, monkeypatch, caplog
):
    rotation.check_in(ctx, team.li)
    real = desk.desk_view
    calls: list[str] = []

    def flaky(c):
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            raise StorageError(
                "postgresql://desk:hunter2@server/shop did not answer [bold]x[/bold]"
            )
        return real(c)

    monkeypatch.setattr(desk, "desk_view", flaky)
    with caplog.at_level(logging.DEBUG, logger="deskterm.ui.read_ahead"):
        ahead = read_ahead.ReadAhead(ctx)
        app = create_app(ctx, blink=False, read_ahead=ahead)
        async with app.run_test(size=(160, 45)) as pilot:
            screen = app.screen
            for _ in range(100):
                if getattr(screen, "board", None) is not None:
                    break
                await pilot.pause(0.05)
            assert [m.salesperson_id for m in screen.board.members] == [team.li]
    assert calls[0] == "deskterm-read-ahead" and len(calls) == 2
    said = [r for r in caplog.records if r.name == "deskterm.ui.read_ahead"]
    assert len(said) == 1 and "did not answer" in said[0].getMessage()
    assert ahead.failure is not None and "did not answer" in ahead.failure
    for text in (said[0].getMessage(), ahead.failure):
        assert "hunter2" not in text and "Traceback" not in text
    # Below the level Python prints on a terminal when nothing set logging up: the
    # desk's window (or the shell before it) shows no developer's line.
    assert said[0].levelno < logging.WARNING and not said[0].exc_info


async def test_a_commit_between_the_read_and_the_app_is_seen(ctx, team, quiet, monkeypatch):
    """The change watch's baseline is the read-ahead's, taken before its view: a walk-in
    committed after the read (another desk) reloads the board at the watch's first tick,
    not at the half-minute reload."""
    monkeypatch.setattr(app_module, "WATCH_SECONDS", 0.2)
    rotation.check_in(ctx, team.wang)
    ahead = read_ahead.ReadAhead(ctx)
    ahead._done.wait(10)
    rotation.walk_in(ctx)  # after the read, before the app
    app = create_app(ctx, blink=False, read_ahead=ahead)
    assert app.seen_version == ahead.version
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReceptionScreen)
        assert screen.arrivals == []  # the view read ahead, from before the walk-in
        for _ in range(100):
            if screen.arrivals:
                break
            await pilot.pause(0.05)
        assert len(screen.arrivals) == 1


def test_a_baseline_not_in_time_is_the_apps_and_no_view_is_used(ctx, team, monkeypatch):
    """The app read its own baseline when the read-ahead's was late: a view read after
    that might miss a commit in between, so none is handed out."""
    from deskterm.services import maintenance

    monkeypatch.setattr(read_ahead, "PATIENCE", 0.05)
    release = threading.Event()
    real = maintenance.change_marker
    monkeypatch.setattr(maintenance, "change_marker", lambda c: (release.wait(5), real(c))[1])
    read: list[str] = []
    monkeypatch.setattr(desk, "desk_view", lambda c: read.append("view") or "a view")
    ahead = read_ahead.ReadAhead(ctx)
    assert ahead.baseline() is None
    release.set()
    assert ahead._done.wait(10)
    ctx.role = "open"
    assert read == ["view"]  # read after all, late
    assert ahead.take(ctx) is None  # and never handed out
