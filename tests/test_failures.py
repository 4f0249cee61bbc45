"""A server or a disk that fails is a message, never a crash; no traceback or secret
ever reaches the desk (issue 14, item 4)."""

from __future__ import annotations

import stat
from contextlib import contextmanager

import pytest
from sqlmodel import select

from deskterm.crash import mask_secrets
from deskterm.errors import StorageError
from deskterm.services import rotation
from deskterm.storage.models import Customer
from deskterm.ui.app import create_app
from deskterm.ui.boundary import DatabaseLostBanner
from deskterm.ui.screens.form import ReceptionFormScreen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.ui_helpers import settle, wait_for

SIZE = (140, 40)
SECRET = "s3cret-pw"
ADDRESS = f"postgresql://desk:{SECRET}@db.example:5432/shop"


def _unreachable() -> StorageError:
    """What storage/postgres.py makes of a server that does not answer."""
    return StorageError("Cannot reach the database server {path} ({error}): nothing was "
                        "saved. Check the network and that the server is running.",
                        path="postgresql://desk:***@db.example/shop", error="timeout")


@pytest.fixture
def desk(ctx, team):
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    return ctx


@pytest.fixture(autouse=True)
def crash_dir(tmp_path, monkeypatch):
    folder = tmp_path / "crash"
    monkeypatch.setenv("DESKTERM_CRASH_DIR", str(folder))
    return folder


class Outage:
    """The database stops answering: every read, write and change-marker look raises."""

    def __init__(self, db, monkeypatch) -> None:
        self.db, self.mp = db, monkeypatch

    def start(self) -> None:
        @contextmanager
        def broken(*_a, **_k):
            raise _unreachable()
            yield  # pragma: no cover

        def marker(*_a, **_k):
            raise _unreachable()

        for name in ("read", "write", "read_cursor"):
            self.mp.setattr(self.db, name, broken)
        self.mp.setattr(self.db, "data_version", marker)

    def stop(self) -> None:
        self.mp.undo()


async def test_a_lost_database_shows_one_banner_keeps_the_form_and_saves_when_back(
        desk, monkeypatch):
    app = create_app(desk, blink=False)
    outage = Outage(desk.db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        await pilot.press(*"Zhang", "tab", *"13912345678")
        await pilot.press("tab", "tab", "tab", "tab", "4", "tab", "1", "tab", "1")
        await settle(pilot)
        outage.start()
        await wait_for(pilot, lambda: bool(form.query(DatabaseLostBanner)), timeout=3.0)
        await pilot.pause(2.5)  # the Reception refresh and the watch fail twice more
        assert app.is_running and app.return_code is None
        assert len(form.query(DatabaseLostBanner)) == 1  # steady: one banner, not more
        banner = str(form.query_one(DatabaseLostBanner).render())
        assert "does not answer" in banner
        said = [n.message for n in app._notifications]
        assert sum("Cannot reach" in m for m in said) <= 1  # not a toast a second
        # A save while it is down: said at the form, the form stays with what was typed.
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.query_one("#err-form").has_class("shown"))
        assert "Cannot reach" in str(form.query_one("#err-form").render())
        assert app.screen is form
        assert form.query_one("#name").value == "Zhang"
        assert form.query_one("#phone").value == "13912345678"
        outage.stop()
        await wait_for(pilot, lambda: not app.query(DatabaseLostBanner)
                       and not form.query(DatabaseLostBanner), timeout=3.0)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
        assert not app.screen.query(DatabaseLostBanner)
    with desk.db.read() as s:
        assert s.exec(select(Customer)).one().name == "Zhang"


async def test_the_banner_follows_a_screen_switch_and_goes_when_the_database_is_back(
        desk, monkeypatch):
    app = create_app(desk, blink=False)
    outage = Outage(desk.db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        outage.start()
        await wait_for(pilot, lambda: bool(app.screen.query(DatabaseLostBanner)), timeout=3.0)
        outage.stop()
        await wait_for(pilot, lambda: not app.screen.query(DatabaseLostBanner), timeout=3.0)
        assert any("answers again" in n.message for n in app._notifications)
        assert app.is_running


async def test_an_unexpected_error_in_a_worker_is_one_line_and_a_private_report(
        desk, monkeypatch, crash_dir):
    def bug(*_a, **_k):
        dsn = ADDRESS  # a local, as the traceback's locals would show it
        raise RuntimeError(f"cannot use {dsn} password={SECRET}")

    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(rotation, "get_board", bug)
        await wait_for(pilot, lambda: any("Something went wrong" in n.message
                                          for n in app._notifications), timeout=3.0)
        assert app.is_running and app.return_code is None
        message = next(n.message for n in app._notifications if "Something" in n.message)
        assert SECRET not in message and "\n" not in message
        reports = sorted(crash_dir.iterdir())
        assert reports and str(reports[0]) in message
    text = reports[0].read_text("utf-8")
    assert "Traceback" in text and "RuntimeError" in text
    assert SECRET not in text and "desk:***@db.example" in text and "password=***" in text
    assert stat.S_IMODE(reports[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(crash_dir.stat().st_mode) == 0o700


async def test_an_error_nothing_handled_ends_the_app_with_one_line_not_a_traceback(
        desk, crash_dir, capsys):
    app = create_app(desk, blink=False)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            try:
                raise RuntimeError(f"connect {ADDRESS}")
            except RuntimeError as exc:
                app._handle_exception(exc)
            await pilot.pause()
    assert app.return_code == 1
    shown = capsys.readouterr().err  # what the terminal is left with after the app
    assert len(shown.strip().splitlines()) == 1
    assert SECRET not in shown and "Traceback" not in shown
    assert str(next(crash_dir.iterdir())) in shown
    assert SECRET not in next(crash_dir.iterdir()).read_text("utf-8")


def test_the_cli_prints_one_line_and_the_report_for_a_bug(tmp_path, monkeypatch, capsys,
                                                          crash_dir):
    from deskterm.cli import main as cli

    def bug(_args):
        raise RuntimeError(f"connect {ADDRESS}")

    monkeypatch.setitem(cli.COMMANDS, "check", bug)
    code = cli.main(["--db", str(tmp_path / "x.db"), "check"])
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert SECRET not in err and str(next(crash_dir.iterdir())) in err


@pytest.mark.parametrize("raw,masked", [
    (f"at {ADDRESS} now", "at postgresql://desk:***@db.example:5432/shop now"),
    ("postgresql+psycopg://u:p%40ss@h/db", "postgresql+psycopg://u:***@h/db"),
    (f"host=h password={SECRET} user=u", "host=h password=*** user=u"),
    (f"{{'password': '{SECRET}'}}", "{'password': ***}"),
    ("postgresql://h/db and sqlite:///tmp/x.db", "postgresql://h/db and sqlite:///tmp/x.db"),
])
def test_secrets_are_masked(raw, masked):
    assert mask_secrets(raw) == masked


@pytest.mark.parametrize("key", ["f3", "f4", "f5", "f6", "f7", "f8"])
async def test_opening_a_screen_while_the_database_is_lost_does_not_end_the_app(
        desk, monkeypatch, key):
    """A screen that loads on mount, or asks "who are you?" from the staff list, while
    the server does not answer: the banner, and the desk goes on."""
    app = create_app(desk, blink=False)
    outage = Outage(desk.db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        outage.start()
        await wait_for(pilot, lambda: bool(app.screen.query(DatabaseLostBanner)), timeout=3.0)
        await pilot.press(key)
        await pilot.pause(1.5)
        assert app.is_running and app.return_code is None
        await wait_for(pilot, lambda: bool(app.screen.query(DatabaseLostBanner)), timeout=3.0)
        outage.stop()
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await wait_for(pilot, lambda: not app.screen.query(DatabaseLostBanner), timeout=3.0)


async def test_a_new_day_while_the_database_is_lost_is_started_once_it_is_back(
        desk, monkeypatch, clock):
    from datetime import timedelta

    app = create_app(desk, blink=False)
    outage = Outage(desk.db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.day
        outage.start()
        await wait_for(pilot, lambda: bool(app.screen.query(DatabaseLostBanner)), timeout=3.0)
        clock.set(clock.now() + timedelta(days=1))
        app.check_day()
        assert any(w.group == "start-day" for w in app.workers)
        await wait_for(pilot, lambda: not any(w.group == "start-day" for w in app.workers))
        assert app.is_running and app.day == first  # not started: tried again later
        outage.stop()
        await wait_for(pilot, lambda: not app.screen.query(DatabaseLostBanner), timeout=3.0)
        app.check_day()
        await settle(pilot)
        assert app.day == first + timedelta(days=1)
