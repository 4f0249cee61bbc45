"""The traffic log on the screens and in the printed reports (issue 19): F5 Meeting's
table, the Manager's Funnel and Coaching tabs, the text/Markdown/HTML reports, who may
read it — on the oracle's hand-built shop (tests.test_report_oracle), as of 3 March."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from deskterm.clock import FixedClock, zone_named
from deskterm.i18n import set_language
from deskterm.services import auth, report_export, setup, traffic
from deskterm.services.maintenance import open_context
from deskterm.services.permissions import PermissionDenied
from deskterm.services.report import as_json, daily_report, manager_sections
from deskterm.ui.app import create_app
from deskterm.ui.screens.manager import ManagerScreen
from deskterm.ui.screens.meeting import MeetingScreen
from tests.test_report_oracle import _traffic_scenario
from tests.ui_helpers import settle, table_rows, wait_for

HOSTILE = json.loads((Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text())
STEP_NAME = HOSTILE["markup"][2]  # "[bold red]Red[/]": the shop's own word for a step
NOW = datetime(2026, 3, 3, 20, 0)  # the evening of 3 March, Shanghai


@pytest.fixture
def shop(ctx, team):
    """The hand-built shop, its walk-around step renamed to markup, open on 3 March."""
    path = _traffic_scenario(ctx, team)
    con = sqlite3.connect(path)
    con.execute(
        "UPDATE reason SET name_en = ?, name_zh = ? WHERE kind = 'step' AND code = 'walkaround'",
        (STEP_NAME, STEP_NAME),
    )
    con.commit()
    con.close()
    c = open_context(path, FixedClock(NOW, zone=zone_named("Asia/Shanghai")))
    yield c
    c.db.close()


def _report(ctx):  # type: ignore[no-untyped-def]
    rep = daily_report(ctx)
    return as_json(rep, manager_sections(ctx, rep))


def test_the_printed_reports_carry_the_traffic_table(shop):
    data = _report(shop)
    head, rows = report_export.traffic_rows(data) or ([], [])
    assert head[1:] == ["Show rate", "Turn-over", "Be-backs", "Visit, median min"]
    by_name = {r[0]: r for r in rows}
    # 3 March at 20:00: wang kept A5 (A3 cancelled, A4 pending), li missed two, zhao A6;
    # A8 (23:00) is still ahead at 20:00, so the team has four settled, not five;
    # the manager kept A7 (a line of their own, after the salespeople).
    assert by_name["王伟"][1] == "100% (1/1)"
    assert by_name["Li Na"][1] == "0% (0/2)"
    assert [r[0] for r in rows][-2:] == ["Chen Manager", "Team"]
    assert by_name["Team"][1:] == ["50% (2/4)", "33%", "0%", "90"]
    text = report_export.to_text(data)
    assert "Traffic log (be-backs: within 30 days)" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "| Team | 50% (2/4) | 33% | 0% | 90 |" in report_export.to_markdown(data)
    assert "<td>50% (2/4)</td>" in report_export.to_html(data)


def test_a_report_without_the_manager_sections_has_no_traffic_table(shop):
    assert report_export.traffic_rows(as_json(daily_report(shop))) is None


def test_only_the_meeting_may_read_the_traffic_log(shop, team):
    setup.set_setting(shop, "auth.mode", "pin")
    day = date(2026, 3, 3)
    assert traffic.sections(shop, day, day)["appointments"]["team"]["due"] == 6  # SYSTEM
    auth.set_pin(shop, team.boss, "9999")
    for who, pin in (
        (team.wang, "1111"),
        (team.market, "2222"),
        (team.care, "3333"),
        (setup.add_staff(shop, "Front Desk", "receptionist").id, "4444"),
    ):
        auth.sign_in(shop, who, pin)
        with pytest.raises(PermissionDenied):
            traffic.sections(shop, day, day)
        auth.sign_out(shop)
    with pytest.raises(PermissionDenied, match="Sign in first"):
        traffic.sections(shop, day, day)
    auth.sign_in(shop, team.boss, "9999")
    assert traffic.sections(shop, day, day)["steps"]["team"]["visits"] == 3


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_meeting_shows_the_traffic_log(shop, lang):
    app = create_app(shop, lang=lang, blink=False)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("f5")
            await wait_for(
                pilot,
                lambda: (
                    isinstance(app.screen, MeetingScreen)
                    and app.screen.query_one("#traffic").row_count > 0
                ),
            )
            await settle(pilot)
            rows = table_rows(app.screen, "#traffic")
            heads = [str(c.label) for c in app.screen.query_one("#traffic").columns.values()]
            legend = str(app.screen.query_one("#traffic-legend").render())
    finally:
        set_language("en")
    assert rows[-1][1:] == ["50% (2/4)", "33%", "0%", "90"]
    if lang == "zh":
        assert heads[1] == "邀约到店率" and rows[-1][0] == "团队合计"
        assert "客流记录" in legend
    else:
        assert heads[1] == "Show rate" and "Traffic log" in legend


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_funnel_and_coaching_show_where_visits_stop(shop, lang):
    app = create_app(shop, lang=lang, blink=False)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.press("f6")
            await wait_for(pilot, lambda: isinstance(app.screen, ManagerScreen))
            app.screen.query_one("#tabs").active = "tab-funnel"
            await wait_for(pilot, lambda: app.screen.query_one("#funnel-steps").row_count > 0)
            await settle(pilot)
            funnel = table_rows(app.screen, "#funnel-steps")
            heads = [str(c.label) for c in app.screen.query_one("#funnel-steps").columns.values()]
            app.screen.query_one("#tabs").active = "tab-coaching"
            await wait_for(pilot, lambda: app.screen.query_one("#coaching-steps").row_count > 0)
            await settle(pilot)
            coaching = {r[0]: r for r in table_rows(app.screen, "#coaching-steps")}
    finally:
        set_language("en")
    # The shop's word for the walk-around is shown as it was typed, never as markup.
    assert STEP_NAME in heads
    # 2 Feb – 3 Mar: nine visits; the walk-around reached once (K's return on 2 March).
    team = funnel[-1]
    assert team[1] == "9" and team[heads.index(STEP_NAME)] == "1 (11%)"
    # Coaching, January to 3 March: ten visits. Wang's visits never drove (team 10%);
    # Li's and Zhao's never reached the needs analysis (team 20%).
    if lang == "en":
        assert coaching["王伟"][2] == "test drive 0% vs team 10%"
        assert coaching["Li Na"][2] == "needs analysis 0% vs team 20%"
        assert coaching["王伟"][3] == "25% vs team 10%"
    else:
        assert coaching["王伟"][2] == "试乘试驾 0%，团队 10%"
        assert coaching["赵敏"][2] == "需求分析 0%，团队 20%"


@pytest.mark.both_databases
def test_the_traffic_log_reads_alike_on_both_databases(ctx, team, clock):
    """A walk-in who was greeted and met the manager, an appointment kept and one missed:
    the same figures on SQLite and PostgreSQL (the reads are plain portable SQL)."""
    from datetime import UTC, timedelta

    from deskterm.services import reception, rotation
    from deskterm.services.reception import ReceptionForm
    from deskterm.storage.models import Appointment, Reception, ReceptionStep

    rotation.check_in(ctx, team.wang)
    a = rotation.walk_in(ctx)
    reception.save_form(ctx, a.reception_id, ReceptionForm(name="A", phone="13900000009"))
    clock.set(clock.now() + timedelta(minutes=42, seconds=30))
    rotation.done(ctx, a.salesperson_id)
    with ctx.db.write() as s:
        r = s.get(Reception, a.reception_id)
        assert r is not None and r.customer_id is not None
        at = r.arrived_at
        r.assigned_at = at + timedelta(minutes=5)
        for step in ("greeted", "manager"):
            s.add(ReceptionStep(reception_id=r.id, step=step, at=at + timedelta(minutes=1)))
        for hours, status in ((-2, "shown"), (-1, "booked")):
            s.add(
                Appointment(
                    customer_id=r.customer_id,
                    salesperson_id=team.wang,
                    at=at + timedelta(hours=hours),
                    source="desk",
                    created_at=at - timedelta(days=1),
                    status=status,
                    status_at=at if status == "shown" else None,
                )
            )
    day = clock.now().astimezone(UTC).date()
    got = traffic.sections(ctx, day, day)
    assert got["appointments"]["team"] == {
        "booked": 0,
        "due": 2,
        "shown": 1,
        "no_show": 1,  # an hour before arrival plus the 60-minute grace: passed by midnight
        "show_rate": 0.5,
    }
    assert got["steps"]["team"]["stopped_at"]["manager"] == 1
    assert got["steps"]["team"]["turn_over_rate"] == 1.0
    assert got["visit_minutes"]["team"] == {
        "visits": 1,
        "median": 42,
        "wait_median": 5,
        "waited_over_alert": 1,
    }
    assert got["visit_minutes"]["by_outcome"]["contact"] == {"visits": 1, "median": 42}
    assert got["be_backs"]["team"] == {"first_visits": 1, "be_backs": 0, "rate": 0.0}


def test_a_step_coded_like_a_key_never_overrides_it(shop):
    """A shop that names a step "Visits" gets the code ``visits``: the line's visit
    count keeps its meaning; where visits stopped still names the step."""
    from sqlmodel import select

    from deskterm.storage.models import Reason, Reception, ReceptionStep

    day = date(2026, 3, 3)
    with shop.db.write() as s:
        s.add(Reason(kind="step", code="visits", name_en="Visits", name_zh="到店", sort=50))
        for r in s.exec(select(Reception).where(Reception.day == day)):
            s.add(ReceptionStep(reception_id=r.id, step="visits", at=r.arrived_at))
    got = traffic.sections(shop, day, day)["steps"]
    assert "visits" in got["codes"] and got["team"]["visits"] == 3
    assert got["team"]["stopped_at"]["visits"] == 3
