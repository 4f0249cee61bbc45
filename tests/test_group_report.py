"""The dealer group's report (issue 24): every showroom of one server side by side, and the
group's total recomputed from the sums — witnessed by each showroom's own report and by
raw SQL over the schemas, at a past date."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from deskterm.cli.main import main
from deskterm.clock import FixedClock
from deskterm.errors import DesktermError
from deskterm.services import reception, rotation, setup
from deskterm.services.group import group_json, group_report
from deskterm.services.maintenance import open_context
from deskterm.services.permissions import ROLE_PERMISSIONS, PermissionDenied
from deskterm.services.reception import ReceptionForm
from deskterm.services.report import as_json, daily_report
from deskterm.storage.postgres import schema_address

POSTGRESQL = os.environ.get("DESKTERM_TEST_POSTGRESQL", "")
HOSTILE = json.loads(
    (Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text("utf-8")
)
SHANGHAI = ZoneInfo("Asia/Shanghai")
PAST = date(2026, 10, 13)  # a Tuesday, long before the tests' "today"

pytestmark = pytest.mark.skipif(
    not POSTGRESQL and not os.environ.get("CI"),
    reason="no PostgreSQL server: set DESKTERM_TEST_POSTGRESQL to run these",
)


def _clock(day: date, hour: int = 11) -> FixedClock:
    return FixedClock(datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI))


def _showroom(schema: str, name: str, visits: list[tuple[bool, bool]]) -> None:
    """A showroom on ``PAST``: two salespeople, and a walk-in per ``(contact, drive)``
    pair (contact: the form leaves a phone; drive: the visitor took a test drive)."""
    ctx = open_context(schema_address(POSTGRESQL, schema), _clock(PAST, 9))
    try:
        setup.set_setting(ctx, "auth.mode", "open")
        setup.set_setting(ctx, "shop.name", name)
        setup.set_setting(ctx, "rotation.hold_unsaved_form", "false")
        team = [setup.add_staff(ctx, n, "salesperson").id for n in ("Li Na", "王伟")]
        for sid in team:
            rotation.check_in(ctx, sid)
        for k, (contact, drive) in enumerate(visits):
            arrival = rotation.walk_in(ctx)
            form = ReceptionForm(
                name=f"{HOSTILE['cjk'][k % 3]} {k}",
                phone=f"1391234{k:04d}" if contact else "",
                contact_left=contact,
                no_contact_reason=None if contact else "refused",
                purchase_horizon="1m",
                test_drive=drive,
            )
            reception.save_form(ctx, arrival.reception_id, form)
            rotation.done(ctx, arrival.salesperson_id)
    finally:
        ctx.db.close()


@pytest.fixture
def group() -> Iterator[tuple[str, str, str]]:
    """Three showrooms' schemas: two with visits on PAST, one left empty."""
    names = tuple(f"gr_{uuid.uuid4().hex[:10]}" for _ in range(3))
    with psycopg.connect(POSTGRESQL, autocommit=True) as con:
        for name in names:
            con.execute(f'CREATE SCHEMA "{name}"')
    try:
        _showroom(names[0], HOSTILE["markup"][2], [(True, True), (False, False), (True, False)])
        _showroom(names[1], "欧阳展厅 | <b>", [(True, False), (True, True)])
        open_context(schema_address(POSTGRESQL, names[2]), _clock(PAST)).db.close()
        yield names
    finally:
        with psycopg.connect(POSTGRESQL, autocommit=True) as con:
            for name in names:
                con.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def _raw(schema: str, sql: str) -> int:
    with psycopg.connect(POSTGRESQL, autocommit=True) as con:
        con.execute(f'SET search_path TO "{schema}"')
        return int(con.execute(sql, (PAST,)).fetchone()[0])


def test_each_showroom_is_its_own_report_and_the_total_is_recomputed_from_raw_sql(group):
    clock = _clock(date(2026, 11, 20))
    data = group_json(group_report(POSTGRESQL, clock, day=PAST, schemas=list(group)))
    assert [r["schema"] for r in data["showrooms"]] == list(group)
    assert data["period"] == {"from": PAST.isoformat(), "to": PAST.isoformat()}
    # Each showroom's line is exactly what its own report says.
    for row, schema in zip(data["showrooms"], group, strict=True):
        ctx = open_context(schema_address(POSTGRESQL, schema), clock, read_only=True)
        try:
            assert row["team"] == as_json(daily_report(ctx, PAST))["team"]
        finally:
            ctx.db.close()
    assert data["showrooms"][0]["name"] == HOSTILE["markup"][2]  # kept as typed
    # The total, from raw SQL over the schemas (the README's definitions).
    counted = "SELECT count(*) FROM reception WHERE counted AND day = %s"
    contact = counted + " AND customer_id IS NOT NULL"
    drives = counted + " AND test_drive"
    total = data["group"]
    assert total["receptions"] == sum(_raw(s, counted) for s in group) == 5
    assert total["with_contact"] == sum(_raw(s, contact) for s in group) == 4
    assert total["test_drives"] == sum(_raw(s, drives) for s in group) == 2
    # A rate is worked out again from the sums, not averaged (4/5, not (2/3 + 2/2) / 2).
    assert total["contact_capture_rate"] == pytest.approx(4 / 5)


def test_a_showroom_it_cannot_read_is_named_and_left_out_of_the_total(group):
    with psycopg.connect(POSTGRESQL, autocommit=True) as con:
        con.execute(f'UPDATE "{group[1]}".schema_version SET version = version - 1')
    report = group_report(
        POSTGRESQL, _clock(date(2026, 11, 20)), day=PAST, schemas=[*group, "nowhere_here"]
    )
    problems = {r.schema: r.problem for r in report.showrooms if r.report is None}
    assert set(problems) == {group[1], "nowhere_here"}
    assert "open that showroom once" in problems[group[1]]
    assert report.total.receptions == 3  # the first showroom's alone


@pytest.mark.parametrize("role", [*sorted(ROLE_PERMISSIONS, key=str), None])
def test_only_a_role_with_the_meeting_may_read_the_group(group, role):
    clock = _clock(date(2026, 11, 20))
    if role is not None and "meeting" in ROLE_PERMISSIONS[role]:
        report = group_report(POSTGRESQL, clock, day=PAST, schemas=[group[0]], role=role)
        assert report.total.receptions == 3
    else:
        with pytest.raises(PermissionDenied):
            group_report(POSTGRESQL, clock, day=PAST, schemas=[group[0]], role=role)


def test_a_browser_signed_in_as_nobody_special_may_not(group):
    with pytest.raises(PermissionDenied):
        group_report(
            POSTGRESQL, _clock(PAST), day=PAST, schemas=[group[0]], role="system", remote=True
        )


def test_a_file_is_one_showroom_not_a_group(tmp_path):
    with pytest.raises(DesktermError, match="dealer group's PostgreSQL server"):
        group_report(str(tmp_path / "desk.db"), _clock(PAST))


def test_the_command_line_prints_the_group_as_text_json_and_markdown(group, capsys, monkeypatch):
    monkeypatch.setenv("DESKTERM_NOW", "2026-11-20T10:40")
    args = ["--db", POSTGRESQL, "report", "--group", "--date", PAST.isoformat()]
    for schema in group:
        args += ["--showroom", schema]
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["group"]["receptions"] == 5
    assert main(args) == 0
    text = capsys.readouterr().out
    assert HOSTILE["markup"][2] in text  # the showroom's own name, as typed
    assert text.splitlines()[-1].split()[0] in ("Group",)
    assert main([*args, "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert "<b>" not in md and "&lt;b&gt;" in md  # a name is never HTML
    assert "欧阳展厅 \\| " in md  # nor a table's column break


def test_the_command_line_fails_when_a_showroom_is_left_out(group, capsys, monkeypatch):
    monkeypatch.setenv("DESKTERM_NOW", "2026-11-20T10:40")
    args = ["--db", POSTGRESQL, "report", "--group", "--showroom", group[0]]
    assert main([*args, "--showroom", "nowhere_here"]) == 1
    assert "Not in the total: nowhere_here" in capsys.readouterr().out
    assert main(args) == 0
    capsys.readouterr()
    assert main(["--db", POSTGRESQL, "report", "--showroom", group[0]]) != 0
    assert "--showroom goes with --group" in capsys.readouterr().err


def test_the_command_line_refuses_a_file_and_html(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "x.db"), "report", "--group"]) != 0
    assert "postgresql://" in capsys.readouterr().err
    assert main(["--db", POSTGRESQL, "report", "--group", "--format", "html"]) != 0
    assert "text, json or markdown" in capsys.readouterr().err


async def test_the_manager_screen_has_a_group_tab_on_a_server_only(group, tmp_path):
    """F6 Manager on one showroom of the server: a Group tab with every showroom (the
    names as typed, never markup) and the Group row; a file's Manager screen has none."""
    from deskterm.ui.app import create_app
    from deskterm.ui.screens.manager import ManagerScreen
    from tests.ui_helpers import demo_ctx, table_rows, wait_for

    ctx = open_context(schema_address(POSTGRESQL, group[0]), _clock(PAST, 18))
    app = create_app(ctx, blink=False)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.press("f6")
            await wait_for(pilot, lambda: isinstance(app.screen, ManagerScreen), timeout=15)
            app.screen.query_one("#tabs").active = "tab-group"
            await wait_for(pilot, lambda: app.screen.query_one("#group").row_count > 0, 15)
            rows = table_rows(app.screen, "#group")
            names = [r[0] for r in rows]
            # g reads every showroom again (not on each change: it opens every schema).
            reads: list[int] = []
            real = app.screen._load_group
            app.screen._load_group = lambda seq: (reads.append(seq), real(seq))
            await pilot.press("g")
            await wait_for(pilot, lambda: bool(reads), 5)
        # Every deskterm schema on the server (other tests' too): ours, then the Group row.
        # The names as typed: "[bold red]Red[/]" read as markup would show "Red".
        assert HOSTILE["markup"][2] in names and "欧阳展厅 | <b>" in names
        assert names[-1] == "Group"
        ours = {r[0]: r for r in rows}
        assert ours[HOSTILE["markup"][2]][1] == "3"  # its receptions on that day
    finally:
        ctx.db.close()
    lite = demo_ctx(tmp_path)
    app = create_app(lite, blink=False)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.press("f6")
            await wait_for(pilot, lambda: isinstance(app.screen, ManagerScreen), timeout=15)
            assert not app.screen.query("#tab-group")
    finally:
        lite.db.close()


def test_each_showroom_counts_the_askers_day_and_the_askers_clock_is_left_alone(group):
    """A showroom in another time zone is read in its zone, on the same calendar day, in
    any order; the clock passed in (a desk's own) keeps its zone."""
    from datetime import UTC

    ctx = open_context(schema_address(POSTGRESQL, group[1]), _clock(PAST))
    setup.set_setting(ctx, "shop.timezone", "America/New_York")
    ctx.db.close()
    clock = FixedClock(datetime(2026, 11, 20, 23, 30, tzinfo=UTC), UTC)
    one = group_report(POSTGRESQL, clock, day=PAST, schemas=[group[1], group[0]])
    two = group_report(POSTGRESQL, clock, day=PAST, schemas=[group[0], group[1]])
    assert one.total.receptions == two.total.receptions
    assert clock.zone is UTC and clock.now().date() == date(2026, 11, 20)
    # No day asked: the asker's today (23:30 UTC), not the last showroom's.
    today = group_report(POSTGRESQL, clock, schemas=[group[1], group[0]])
    assert (today.first, today.day) == (date(2026, 11, 20), date(2026, 11, 20))
