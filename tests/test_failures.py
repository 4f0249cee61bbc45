"""A server or a disk that fails is a message, never a crash; no traceback or secret
ever reaches the desk (issue 14, item 4)."""

from __future__ import annotations

import signal
import sqlite3
import stat
import sys
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlmodel import select

from deskterm.crash import mask_secrets
from deskterm.errors import StorageError
from deskterm.services import desk as desk_service
from deskterm.services import rotation
from deskterm.storage.models import Customer, RotationEventRow
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
    return StorageError(
        "Cannot reach the database server {path} ({error}): nothing was "
        "saved. Check the network and that the server is running.",
        path="postgresql://desk:***@db.example/shop",
        error="timeout",
    )


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


# -- the walk-in form that a failing database must not lose ------------------------------
NAME, PHONE = "Zhang", "13912345678"


async def half_typed_form(app, pilot) -> ReceptionFormScreen:
    """The walk-in form for next-up, typed (name, phone, horizon, level) but not saved."""
    await settle(pilot)
    await pilot.press("n", "1")
    await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
    form = app.screen
    await pilot.press(*NAME, "tab", *PHONE)
    await pilot.press("tab", "tab", "4", "tab", "1", "tab", "1")
    await settle(pilot)
    return form


async def refused_save(app, pilot, form: ReceptionFormScreen, timeout: float = 3.0) -> str:
    """Ctrl+S while the database fails: the desk goes on, the form stays open with all
    that was typed, and says why at the form (returned)."""
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: form.query_one("#err-form").has_class("shown"), timeout=timeout)
    assert app.is_running and app.return_code is None
    assert app.screen is form
    assert form.query_one("#name").value == NAME
    assert form.query_one("#phone").value == PHONE
    return str(form.query_one("#err-form").render())


async def save_goes_through(app, pilot, timeout: float = 3.0) -> None:
    """Ctrl+S once the database is back: the form is saved and closes."""
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen), timeout=timeout)


def saved_once(db) -> None:
    """The walk-in is on file exactly once: the refused save left nothing behind."""
    with db.read() as s:
        assert s.exec(select(Customer)).one().name == NAME


async def test_a_lost_database_shows_one_banner_keeps_the_form_and_saves_when_back(
    desk, monkeypatch
):
    app = create_app(desk, blink=False)
    outage = Outage(desk.db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        form = await half_typed_form(app, pilot)
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
        assert "Cannot reach" in await refused_save(app, pilot, form)
        outage.stop()
        await wait_for(
            pilot,
            lambda: not app.query(DatabaseLostBanner) and not form.query(DatabaseLostBanner),
            timeout=3.0,
        )
        await save_goes_through(app, pilot)
        await settle(pilot)
        assert not app.screen.query(DatabaseLostBanner)
    saved_once(desk.db)


async def test_the_banner_follows_a_screen_switch_and_goes_when_the_database_is_back(
    desk, monkeypatch
):
    app = create_app(desk, blink=False)
    outage = Outage(desk.db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        outage.start()
        await wait_for(pilot, lambda: bool(app.screen.query(DatabaseLostBanner)), timeout=3.0)
        outage.stop()
        await wait_for(pilot, lambda: not app.screen.query(DatabaseLostBanner), timeout=3.0)
        # The banner goes, then the line is said: two calls from the watch's thread, which
        # a busy machine runs a moment apart.
        await wait_for(
            pilot, lambda: any("answers again" in n.message for n in app._notifications), 3.0
        )
        assert any("answers again" in n.message for n in app._notifications)
        assert app.is_running


async def test_an_unexpected_error_in_a_worker_is_one_line_and_a_private_report(
    desk, monkeypatch, crash_dir
):
    def bug(*_a, **_k):
        dsn = ADDRESS  # a local, as the traceback's locals would show it
        raise RuntimeError(f"cannot use {dsn} password={SECRET}")

    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # The Reception screen's reload (one batch: services.desk) fails unexpectedly.
        monkeypatch.setattr(desk_service, "desk_view", bug)
        await wait_for(
            pilot,
            lambda: any("Something went wrong" in n.message for n in app._notifications),
            timeout=3.0,
        )
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
    desk, crash_dir, capsys
):
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


def test_the_cli_prints_one_line_and_the_report_for_a_bug(tmp_path, monkeypatch, capsys, crash_dir):
    from deskterm.cli import main as cli
    from deskterm.cli.commands import check

    def bug(_args):
        raise RuntimeError(f"connect {ADDRESS}")

    monkeypatch.setattr(check, "run", bug)
    code = cli.main(["--db", str(tmp_path / "x.db"), "check"])
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert SECRET not in err and str(next(crash_dir.iterdir())) in err


@pytest.mark.parametrize(
    "raw,masked",
    [
        (f"at {ADDRESS} now", "at postgresql://desk:***@db.example:5432/shop now"),
        ("postgresql+psycopg://u:p%40ss@h/db", "postgresql+psycopg://u:***@h/db"),
        (f"host=h password={SECRET} user=u", "host=h password=*** user=u"),
        (f"{{'password': '{SECRET}'}}", "{'password': ***}"),
        ("postgresql://h/db and sqlite:///tmp/x.db", "postgresql://h/db and sqlite:///tmp/x.db"),
    ],
)
def test_secrets_are_masked(raw, masked):
    assert mask_secrets(raw) == masked


@pytest.mark.parametrize("key", ["f3", "f4", "f5", "f6", "f7", "f8"])
async def test_opening_a_screen_while_the_database_is_lost_does_not_end_the_app(
    desk, monkeypatch, key
):
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
    desk, monkeypatch, clock
):
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


# -- a real PostgreSQL server, stopped and started in the test ---------------------------
PG_BIN = next(iter(sorted(__import__("glob").glob("/usr/lib/postgresql/*/bin"), reverse=True)), "")


@pytest.fixture
def private_server():
    """A PostgreSQL cluster of the test's own (own folder, own port, a password), run as
    user postgres; ``stop()`` and ``start()`` it at will."""
    import os
    import shutil
    import socket
    import subprocess
    import tempfile

    if not PG_BIN or os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root, runuser and the PostgreSQL server binaries")
    pytest.importorskip("psycopg")
    import pwd

    try:
        pg = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no postgres user")
    root = tempfile.mkdtemp(prefix="deskterm-pg-", dir="/tmp")
    os.chown(root, pg.pw_uid, pg.pw_gid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pwfile = os.path.join(root, "pw")
    with open(pwfile, "w") as f:
        f.write(SECRET)
    os.chown(pwfile, pg.pw_uid, pg.pw_gid)

    def run(*args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=60
        )

    data = os.path.join(root, "data")
    run(
        f"{PG_BIN}/initdb",
        "-D",
        data,
        "-U",
        "postgres",
        "--pwfile",
        pwfile,
        "--auth-host=scram-sha-256",
        "--auth-local=trust",
    )

    class Server:
        address = f"postgresql://postgres:{SECRET}@127.0.0.1:{port}/postgres"

        def start(self) -> None:
            run(
                f"{PG_BIN}/pg_ctl",
                "-D",
                data,
                "-w",
                "-l",
                os.path.join(root, "log"),
                "-o",
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1",
                "start",
            )

        def stop(self) -> None:
            run(f"{PG_BIN}/pg_ctl", "-D", data, "-w", "-m", "fast", "stop")

    server = Server()
    server.start()
    try:
        yield server
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                f"{PG_BIN}/pg_ctl",
                "-D",
                data,
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


async def test_a_real_server_stopped_and_started_under_an_open_form(
    private_server, clock, crash_dir, capsys
):
    from deskterm.services.maintenance import open_context
    from deskterm.services.setup import add_staff, set_setting

    ctx = open_context(private_server.address, clock)
    try:
        set_setting(ctx, "auth.mode", "open")  # as the ctx fixture: no sign-in to do
        for name in ("王伟", "李娜"):
            rotation.check_in(ctx, add_staff(ctx, name, "salesperson").id)
        app = create_app(ctx, blink=False)
        async with app.run_test(size=SIZE) as pilot:
            form = await half_typed_form(app, pilot)
            private_server.stop()
            await wait_for(pilot, lambda: bool(form.query(DatabaseLostBanner)), timeout=10.0)
            await pilot.pause(2.0)  # the refresh and the watch go on failing
            assert app.is_running and app.return_code is None
            said = await refused_save(app, pilot, form, timeout=10.0)
            shown = [said, *(n.message for n in app._notifications)]
            assert not any(SECRET in m for m in shown)
            private_server.start()
            await wait_for(pilot, lambda: not form.query(DatabaseLostBanner), timeout=10.0)
            await save_goes_through(app, pilot, timeout=10.0)
        assert SECRET not in capsys.readouterr().err
        assert not crash_dir.exists() or not any(crash_dir.iterdir())
        saved_once(ctx.db)
    finally:
        ctx.db.close()


# -- a real disk error under SQLite: the kernel refuses the write ------------------------
ON_LINUX = pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="a write refused by RLIMIT_FSIZE (EFBIG, SIGXFSZ ignored) is tested on Linux",
)
#: Files may grow to this size while the disk "fails": a log line still fits, the first
#: page SQLite commits into an emptied WAL (32-byte header + 24 + 4096) does not.
GROWTH_LIMIT = 4096


class FailingDisk:
    """Every write that grows a file past :data:`GROWTH_LIMIT` fails in the kernel, for
    this whole process (the desk's worker threads too): a full or failing disk, as
    SQLite meets it ("disk I/O error" or "database or disk is full")."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.saved: tuple | None = None  # (RLIMIT_FSIZE, SIGXFSZ handler) while failing

    def fail(self) -> None:
        import resource

        # SQLite writes a WAL from its start again after a checkpoint, so a commit would
        # overwrite old frames without growing the file: empty it first.
        with closing(sqlite3.connect(self.path)) as con:
            busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        wal = self.path.with_name(self.path.name + "-wal")
        assert busy == 0 and (not wal.exists() or wal.stat().st_size == 0)
        self.saved = (resource.getrlimit(resource.RLIMIT_FSIZE), signal.getsignal(signal.SIGXFSZ))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG, not the end of the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (GROWTH_LIMIT, self.saved[0][1]))

    def mend(self) -> None:
        import resource

        if self.saved is not None:
            limits, handler = self.saved
            resource.setrlimit(resource.RLIMIT_FSIZE, limits)
            signal.signal(signal.SIGXFSZ, handler)
            self.saved = None


@pytest.fixture
def failing_disk(ctx):
    disk = FailingDisk(ctx.db.path)
    try:
        yield disk
    finally:
        disk.mend()


@ON_LINUX
def test_a_disk_that_refuses_a_write_is_a_storage_error_and_nothing_is_half_saved(
    ctx, team, failing_disk
):
    failing_disk.fail()
    with pytest.raises(StorageError) as caught:
        rotation.check_in(ctx, team.wang)
    failing_disk.mend()
    error = caught.value
    # deskterm's message, from the real driver error (not a raw sqlite3/SQLAlchemy one).
    assert type(error).__module__ == "deskterm.errors"
    assert "nothing was saved" in error.message and "disk" in error.message
    assert any(why in str(error.__cause__) for why in ("disk I/O error", "disk is full"))
    with ctx.db.read() as s:
        assert not s.exec(select(RotationEventRow)).all()
    rotation.check_in(ctx, team.wang)  # the disk is back: the same call saves
    with ctx.db.read() as s:
        assert len(s.exec(select(RotationEventRow)).all()) == 1


@ON_LINUX
async def test_a_disk_that_refuses_the_save_is_a_message_at_the_form_and_the_next_save_works(
    desk, failing_disk, crash_dir
):
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        form = await half_typed_form(app, pilot)
        failing_disk.fail()
        try:
            said = await refused_save(app, pilot, form)
            await pilot.pause(1.5)  # the board's refresh and the change watch run meanwhile
        finally:
            failing_disk.mend()
        assert "nothing was saved" in said and "disk" in said and "Traceback" not in said
        assert app.is_running and app.return_code is None and app.screen is form
        assert not crash_dir.exists() or not any(crash_dir.iterdir())
        await save_goes_through(app, pilot)
    saved_once(desk.db)


async def test_a_storage_message_with_markup_in_it_is_shown_as_typed(desk, monkeypatch):
    """A path or a name inside an error message is text, not markup (``[/b]`` would
    crash the toast)."""

    def busy(*_a, **_k):
        raise StorageError(
            "Cannot read {path}: {error}",
            path="/srv/[/b]shop.db",
            error="[bold red]disk I/O error[/]",
        )

    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(desk_service, "desk_view", busy)
        await wait_for(
            pilot, lambda: any("[/b]shop.db" in n.message for n in app._notifications), timeout=3.0
        )
        await pilot.pause(0.3)  # the toast is drawn
        assert app.is_running and app.return_code is None
        said = next(n for n in app._notifications if "[/b]shop.db" in n.message)
        assert "[bold red]disk I/O error[/]" in said.message and not said.markup


def test_a_file_moved_away_while_open_is_never_replaced_by_an_empty_one(tmp_path, clock):
    """Found by a tester: with the file moved away, the next connection made an empty
    file at its path and kept it after the real one came back ("no such table" until a
    restart). Now nothing is created, reads fail with a clear message while it is gone,
    and work again when it is back."""
    import os

    from deskterm.errors import StorageError
    from deskterm.services import setup
    from deskterm.services.maintenance import open_context

    path = tmp_path / "shop.db"
    ctx = open_context(path, clock)
    setup.add_staff(ctx, "Li Na", "salesperson")
    ctx.db.engine.dispose()  # no pooled connection left: the next one is made anew
    aside = tmp_path / "aside"
    aside.mkdir()
    for f in tmp_path.glob("shop.db*"):
        os.rename(f, aside / f.name)
    with pytest.raises(StorageError):
        setup.list_staff(ctx, "salesperson")
    with pytest.raises(StorageError):
        ctx.db.data_version()
    assert not path.exists()  # no empty stand-in
    for f in aside.iterdir():
        os.rename(f, tmp_path / f.name)
    assert [p.name for p in setup.list_staff(ctx, "salesperson")] == ["Li Na"]
    ctx.db.close()
