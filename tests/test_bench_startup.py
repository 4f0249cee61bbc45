"""The start-up's structure (issue 20): what `deskterm` does before its first screen.

The start-up figure itself is a timing, measured by ``python -m deskterm.bench``; these
tests fail, cheaply and on any machine, when what made it fast is undone: a module the
first screen does not need imported before it, or the reception's first load read by a
worker after an empty screen was painted (both tables drawn twice).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from deskterm.ui import app as app_module
from deskterm.ui.app import create_app
from deskterm.ui.screens import reception as reception_screen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.ui_helpers import demo_ctx

#: Imported only when used, after the first screen (each was measured on the large data
#: set: together ~80 ms of a ~1 s start).
NOT_BEFORE_THE_FIRST_SCREEN = (
    "deskterm.storage.tables",  # the 28 tables' declarations: the first screen reads SQL
    # SQLModel (pydantic with it) and SQLAlchemy's ORM: ~250-350 ms on the development
    # machine; the first screen needs SQLAlchemy's core only (storage.orm).
    "sqlmodel",
    "pydantic",
    "sqlalchemy.orm",
    "sqlalchemy.dialects.postgresql",  # a partial index's dialect options (storage.models)
    "deskterm.i18n.zh_CN",  # the Chinese catalogue, on an English desk
    "deskterm.services.backups",  # the daily backup, a second after the first screen
    "deskterm.services.escalation",  # the start of day, likewise
    "deskterm.services.callbacks",
    "deskterm.services.customers",  # the returning customer's search
    "deskterm.services.labels",  # labels of the other screens
    "deskterm.domain.visit",  # saving a form (services.reception imports it there)
    "deskterm.domain.kpi",  # a saved form's completeness, and the reports
    "deskterm.ui.screens.form",  # the reception form
    "deskterm.ui.screens.callbacks",  # the other role screens
    "deskterm.ui.screens.customers",
    "deskterm.ui.screens.meeting",
    "deskterm.ui.screens.manager",
)

PROBE = """
import asyncio, sys
import deskterm.ui.app
from deskterm.bench import startup

deskterm.ui.app.START_CHECKS_DELAY = 3600  # a slow machine: no start-of-day in the probe
deskterm.ui.app.DECLARE_TABLES_DELAY = 3600  # nor the tables' declaration after the paint
asyncio.run(startup._app(sys.argv[1]))
print("modules", " ".join(sorted(sys.modules)))
"""


def _probe_on_the_demo(script: str, tmp_path) -> subprocess.CompletedProcess[str]:
    """``script`` run in a process of its own on a private copy of the demo shop, opened
    once before (migrated, seeded), as the start-up benchmark's probes run."""
    ctx = demo_ctx(tmp_path)
    ctx.db.close()
    return subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "demo.db")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DESKTERM_NOW": "2026-11-20T10:40"},
    )


def test_the_first_screen_imports_only_what_it_shows(tmp_path):
    """The start-up benchmark's own probe, run to the reception's first load on a copy
    of the demo shop, then what was imported."""
    out = _probe_on_the_demo(PROBE, tmp_path)
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
    assert "ready" in lines, out.stderr[-2000:]
    assert int(lines["ready"].split()[-1]) > 0  # the board's rows are on the screen
    modules = set(lines["modules"].split())
    early = [m for m in NOT_BEFORE_THE_FIRST_SCREEN if m in modules]
    # The desk's arguments are read without the commands' parsers (and their modules).
    early += [m for m in modules if m.startswith("deskterm.cli.commands.")]
    assert early == []


@pytest.mark.postgresql_only
def test_a_server_desks_first_screen_imports_no_orm(ctx, team, database):
    """The same on a showroom's schema on a server: the driver and SQLAlchemy's dialect
    come in (the first load reads through them), SQLModel and the ORM do not (the write
    path's hooks wait for them: storage.write_behind)."""
    from deskterm.services import rotation

    rotation.check_in(ctx, team.wang)
    ctx.db.close()
    out = subprocess.run(
        [sys.executable, "-c", PROBE, database],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DESKTERM_NOW": "2026-11-20T10:40"},
    )
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
    assert "ready" in lines, out.stderr[-2000:]
    modules = set(lines["modules"].split())
    assert {"psycopg", "sqlalchemy.dialects.postgresql"} <= modules
    early = [m for m in NOT_BEFORE_THE_FIRST_SCREEN if m in modules]
    assert early == ["sqlalchemy.dialects.postgresql"]


WARM_PROBE = """
import asyncio, sys
import deskterm.ui.app
from deskterm.bench import startup

# Nothing else of the app's that could declare them runs in the probe: only the warm-up.
for timer in ("START_CHECKS_DELAY", "WATCH_SECONDS", "SETTLE_SECONDS", "DAY_CHECK_SECONDS"):
    setattr(deskterm.ui.app, timer, 3600)
seen = {}


async def main(path):
    from deskterm.cli.main import desk_args
    from deskterm.cli.database import opened

    with opened(desk_args(["--db", path]), start_of_day=False, thorough=False) as ctx:
        app = deskterm.ui.app.create_app(ctx, blink=False)
        async with app.run_test(size=(160, 45)) as pilot:
            while getattr(app.screen, "board", None) is None:
                await pilot.pause(0.005)
            await pilot.pause()
            seen["at the first paint"] = "deskterm.storage.tables" in sys.modules
            for _ in range(400):  # the app declares them in a thread soon after
                if "deskterm.storage.tables" in sys.modules:
                    break
                await pilot.pause(0.05)
            await app.workers.wait_for_complete()
            seen["soon after"] = "deskterm.storage.tables" in sys.modules
            # The warm-up brings SQLModel's names in with the tables (storage.orm).
            seen["soon after"] &= "Session" in vars(sys.modules["deskterm.storage.orm"])


asyncio.run(main(sys.argv[1]))
print("seen", seen["at the first paint"], seen["soon after"])
"""


def test_the_tables_are_declared_after_the_first_paint_not_by_a_key(tmp_path):
    """The first screen reads plain statements; the app declares the tables in a thread
    once that screen is painted, so the first key to need them does not wait for them."""
    out = _probe_on_the_demo(WARM_PROBE, tmp_path)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("seen")), None)
    assert line == "seen False True", out.stderr[-2000:]


def test_importing_the_desk_declares_no_table():
    """In a fresh process, importing the app and every module it imports at start leaves
    the tables undeclared: a module-level ``from deskterm.storage.tables import ...``
    anywhere on that path (copy-to's once, through services.maintenance) declares them
    before the first paint, ~130 ms of every desk's start."""
    probe = (
        "import sys, deskterm.cli.desk, deskterm.ui.app, deskterm.ui.run; "
        "print('declared', 'deskterm.storage.tables' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "declared False", out.stderr[-2000:]


def test_the_sessions_are_hooked_when_sqlmodel_comes_in_late(tmp_path):
    """In a fresh process that never imports SQLModel itself, the first write still keeps
    the audit trail's head (a hook on the session class, registered when storage.orm
    imports SQLModel), and the ids a write reserved are the ones its rows get."""
    probe = (
        "import sys\n"
        "from deskterm.clock import FixedClock, parse_now\n"
        "from deskterm.services import setup\n"
        "from deskterm.services.maintenance import open_context\n"
        "ctx = open_context(sys.argv[1], FixedClock(parse_now('2026-11-20T10:40')))\n"
        "staff = setup.add_staff(ctx, 'Li Na', 'salesperson')\n"
        "with ctx.db.read_cursor() as cur:\n"
        "    head = cur.rows('SELECT last_id FROM audit_head WHERE slot = 1')\n"
        "    last = cur.rows('SELECT max(id) FROM audit')\n"
        "print('head', head == last and last[0][0] is not None, staff.id > 0)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "shop.db")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.stdout.strip() == "head True True", out.stderr[-2000:]


def test_the_tables_are_served_by_name():
    """``models.X`` is the declared table; a name that is not one is an AttributeError,
    as from any module (a typo must not pass as None)."""
    from deskterm.storage import models, tables

    assert models.Customer is tables.Customer
    assert models.saved_id is tables.saved_id
    assert set(models.__all__) >= {"Customer", "Staff", "RotationEventRow", "Audit"}
    with pytest.raises(AttributeError, match="Custmer"):
        _ = models.Custmer


async def test_the_first_load_is_on_the_first_screen(tmp_path, monkeypatch):
    """The reception reads its first load while it is mounted, before the first paint;
    the worker reads the later ones."""
    # No reload by the clock, nor after the start of day (a slow machine takes seconds).
    monkeypatch.setattr(reception_screen, "RELOAD_SECONDS", 3600)
    monkeypatch.setattr(app_module, "START_CHECKS_DELAY", 3600)
    by_worker: list[ReceptionScreen] = []
    monkeypatch.setattr(ReceptionScreen, "load", lambda self: by_worker.append(self))
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReceptionScreen)
        assert screen.board is not None and screen.board.members
        await pilot.pause()
        assert screen.query_one("#board").row_count == len(screen.board.members)
        assert screen.query_one("#arrivals").row_count == len(screen.arrivals) > 0
        assert by_worker == []
    ctx.db.close()


async def test_the_change_watcher_waits_for_its_first_tick(tmp_path, monkeypatch):
    """Its first look read the shop's reason lists in a thread while the first screen was
    drawn (~50-70 ms of CPU on the large data set, which a thread takes from the event
    loop too). Its baseline is taken before the first screen reads the file; the lists
    wait for its first tick, or for a form that asks for them first."""
    monkeypatch.setattr(reception_screen, "RELOAD_SECONDS", 3600)
    monkeypatch.setattr(app_module, "START_CHECKS_DELAY", 3600)
    monkeypatch.setattr(app_module, "WATCH_SECONDS", 3600)  # no first tick in this test
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, blink=False)
    assert app.seen_version is not None and app.seen_tip[0] > 0  # the baseline, already
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReceptionScreen) and app.screen.board is not None
        assert [w for w in app.workers if w.group == "watch"] == []
        assert app.reason_lists is None
        lists = app.pick_lists()  # a form opened before the first tick reads them itself
        assert lists["media"] and lists is app.reason_lists
    ctx.db.close()


def test_the_first_screens_sheet_is_read_with_the_apps(tmp_path):
    """A screen's sheet first read when the screen is pushed has Textual parse every sheet
    again; read with the app's, it is parsed once with them."""
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, blink=False)
    screen_sheets = [str(p) for p in ReceptionScreen().css_path]
    assert screen_sheets and all(s in map(str, app.css_path) for s in screen_sheets)
    ctx.db.close()


#: Command lines the desk's own reading takes (the rest go to the full parser).
DESK_LINES = [
    [],
    ["--db", "shop.db"],
    ["--db=shop.db", "--lang", "zh"],
    ["--demo", "--lang=en"],
    ["--remote", "--db", "postgresql://desk@server/shop"],
    ["--db", "staff"],  # a file named as a command is still a file
    ["--de"],  # argparse's abbreviations, as the full parser takes them
    ["--db", "a.db", "--db", "b.db"],
]
#: ...and those it leaves to the full parser: commands, help, the version, mistakes.
OTHER_LINES = [
    ["staff", "list"],
    ["--demo", "board"],
    ["-h"],
    ["--help"],
    ["--version"],
    ["--v"],
    ["--db"],
    ["--lang", "fr"],
    ["--d", "x"],
    ["--db", "a\x00b"],
    ["nonsense"],
    ["--", "x"],
]


def test_the_desk_reads_its_arguments_without_the_commands_parsers(monkeypatch):
    """`deskterm` with only the shared options opens the desk with exactly the arguments
    the full parser gives, without building it (its 21 command modules cost a desk's
    start ~25 ms); anything else is the full parser's, its errors worded as before."""
    from deskterm.cli import main as cli_main

    for argv in DESK_LINES:
        assert vars(cli_main.desk_args(argv)) == vars(cli_main.build_parser().parse_args(argv))
    for argv in OTHER_LINES:
        assert cli_main.desk_args(argv) is None, argv

    def no_full_parser() -> None:
        raise AssertionError("the full parser was built for the desk")

    opened: list[object] = []
    monkeypatch.setattr(cli_main, "build_parser", no_full_parser)
    monkeypatch.setattr(cli_main, "_run", lambda args: opened.append(args) or 0)
    assert cli_main.main(["--db", "shop.db"]) == 0
    assert vars(opened[0]) == {"db": "shop.db", "remote": False, "command": None}


@pytest.mark.postgresql_only
async def test_a_server_desk_warms_up_once_its_first_load_is_shown(ctx, team, monkeypatch):
    """A server desk reads its first load in a worker after the first paint. Importing
    SQLModel and declaring the tables beside that read held the board back (~0.5 s of
    the interpreter on the development machine): they wait until it is on the screen."""
    import threading

    from deskterm.services import maintenance, rotation

    rotation.check_in(ctx, team.wang)
    seen: list[bool] = []
    declared = threading.Event()

    def declare() -> None:
        seen.append(app.screen.board is not None)
        declared.set()

    read = ReceptionScreen._read

    def slow_read(self):  # a server a little slower than this one: 0.6 s
        time.sleep(0.6)
        return read(self)

    monkeypatch.setattr(maintenance, "declare_tables", declare)
    monkeypatch.setattr(ReceptionScreen, "_read", slow_read)
    monkeypatch.setattr(reception_screen, "RELOAD_SECONDS", 3600)
    monkeypatch.setattr(app_module, "START_CHECKS_DELAY", 3600)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        for _ in range(100):
            if declared.is_set():
                break
            await pilot.pause(0.05)
        await app.workers.wait_for_complete()
    assert seen == [True]
