"""The trends by month (services.trends): the report's own figures month by month, a raw
SQL witness on generated shops at past days, who may read them, and the charts that draw
them (the terminal's braille and the HTML report's SVG)."""

from __future__ import annotations

import json
import math
import random
import re
import shutil
import sqlite3
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len

from deskterm.clock import FixedClock
from deskterm.services.context import Context
from deskterm.services.maintenance import open_context
from deskterm.services.permissions import DISPLAY, OPEN_DESK, SYSTEM, PermissionDenied
from deskterm.services.report import daily_report
from deskterm.services.report_charts import Line, line_chart_svg, trend_charts_html
from deskterm.services.report_export import to_html
from deskterm.services.trends import OTHER, month_span, top_reasons, trends
from deskterm.ui.widgets.charts import Series, bar_chart, line_chart, nice_top

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 20, 10, 40)  # the sample's "today" (shop time)
HOSTILE = json.loads((Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text())


def _open(path: Path, now: datetime = NOW) -> Context:
    zone = ZoneInfo(_setting(path, "shop.timezone") or "UTC")
    return open_context(path, FixedClock(now.replace(tzinfo=zone)), read_only=True, thorough=False)


def _setting(path: Path, key: str) -> str | None:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        row = con.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trends") / "shop.db"
    shutil.copyfile(ROOT / "deskterm.db.sample", path)
    path.chmod(0o444)
    return path


# -- the same figures as the meeting report -------------------------------------------


def test_each_month_is_the_reports_month_with_its_own_rates(sample):
    """A month's line is ``daily_report`` over that month (to the day in the last one)
    with the rates over the month itself: what the Targets tab compares with targets."""
    ctx = _open(sample)
    try:
        t = trends(ctx, date(2026, 11, 20), months=12)
        assert t.months[0] == "2025-12" and t.months[-1] == "2026-11"
        for f in t.figures:
            first = date(int(f.month[:4]), int(f.month[5:]), 1)
            last = min((first + timedelta(days=32)).replace(day=1) - timedelta(days=1), t.day)
            team = daily_report(ctx, last, first, rates_own=True, states=False).team
            assert (f.receptions, f.first_visits, f.with_contact, f.won) == (
                team.receptions,
                team.window_first_visits,
                team.with_contact,
                team.won,
            )
            assert f.capture_rate == team.contact_capture_rate
            assert f.conversion_rate == team.conversion_rate
    finally:
        ctx.db.close()


def test_month_span_and_the_month_count_checked():
    assert month_span(date(2026, 3, 31), 6) == (date(2025, 10, 1), date(2026, 3, 31))
    assert month_span(date(2026, 1, 5), 1) == (date(2026, 1, 1), date(2026, 1, 5))


def test_a_day_after_today_is_today_and_a_bad_month_count_is_refused(sample):
    from deskterm.errors import InvalidInput

    ctx = _open(sample)
    try:
        assert trends(ctx, date(2027, 1, 1)).day == NOW.date()
        for n in (0, 25):
            with pytest.raises(InvalidInput):
                trends(ctx, months=n)
    finally:
        ctx.db.close()


# -- who may read them ------------------------------------------------------------------

MAY = {"manager", OPEN_DESK, SYSTEM}


@pytest.mark.parametrize(
    "role",
    [
        "receptionist",
        "salesperson",
        "marketing",
        "care",
        "manager",
        None,
        OPEN_DESK,
        SYSTEM,
        DISPLAY,
    ],
    ids=str,
)
def test_only_the_manager_reads_the_trends(sample, role):
    ctx = _open(sample)
    try:
        ctx = Context(db=ctx.db, clock=ctx.clock, role=role)
        if role in MAY:
            assert trends(ctx).months
        else:
            with pytest.raises(PermissionDenied):
                trends(ctx)
    finally:
        ctx.db.close()


# -- a raw SQL witness ------------------------------------------------------------------


class Rows:
    """The rows a month's trend is made of, read with sqlite3 (nothing of deskterm)."""

    def __init__(self, path: Path) -> None:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        q = con.execute
        setting = dict(q("SELECT key, value FROM setting").fetchall())
        self.zone = ZoneInfo(setting.get("shop.timezone", "UTC"))
        self.weekdays = [
            float(w) for w in setting.get("targets.weekdays", "1,1,1,1,1,1,1").split(",")
        ]
        self.receptions = [
            (date.fromisoformat(d), bool(counted), bool(first), cid is not None, reason)
            for d, counted, first, cid, reason in q(
                "SELECT day, counted, first_visit, customer_id, no_contact_reason FROM reception"
            ).fetchall()
        ]
        self.customers = [
            (self._at(won), self._at(lost), reason)
            for won, lost, reason in q(
                "SELECT won_at, lost_at, lost_reason FROM customer"
            ).fetchall()
        ]
        self.targets = [
            (date.fromisoformat(m), sid, measure, float(v))
            for m, sid, measure, v in q(
                "SELECT month, salesperson_id, measure, value FROM target"
            ).fetchall()
        ]
        self.closed = {date.fromisoformat(d) for (d,) in q("SELECT day FROM closed_day").fetchall()}
        con.close()

    @staticmethod
    def _at(text: str | None) -> datetime | None:
        return None if text is None else datetime.fromisoformat(text).replace(tzinfo=None)

    def day(self, at: datetime) -> date:
        return at.replace(tzinfo=UTC).astimezone(self.zone).date()

    def month_days(self, month: date) -> list[date]:
        return [
            month + timedelta(days=i)
            for i in range(31)
            if (month + timedelta(days=i)).month == month.month
        ]

    def to_date(self, monthly: float, d: date) -> int:
        """README, targets: a count spread over the month's days by the shop's week."""
        weight = [
            0.0 if x in self.closed else self.weekdays[x.weekday()]
            for x in self.month_days(d.replace(day=1))
        ]
        days = self.month_days(d.replace(day=1))
        total = sum(weight)
        done = sum(w for x, w in zip(days, weight, strict=True) if x <= d)
        return 0 if total == 0 or monthly == 0 else math.floor(monthly * done / total + 0.5)

    def team_target(self, month: date, measure: str) -> float | None:
        per = {sid: v for m, sid, me, v in self.targets if m == month and me == measure}
        if None in per:
            return per[None]
        people = [v for sid, v in per.items() if sid is not None]
        return sum(people) if people else None


def _month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def witness(rows: Rows, day: date, months: int) -> dict[str, Any]:
    """README's definitions, from the rows: per month the counted receptions, counted first
    visits, those with contact, the wins (local day of won_at), the rates; the reasons by
    month; and the day's month to date, day by day, against its team targets."""
    y, m = divmod(day.month - 1 - (months - 1), 12)
    first = date(day.year + y, m + 1, 1)
    keys = []
    cur = first
    while cur <= day:
        keys.append(_month_key(cur))
        cur = (cur + timedelta(days=32)).replace(day=1)
    out: dict[str, Any] = {k: Counter() for k in keys}
    no_contact: dict[str, Counter[str]] = {}
    lost: dict[str, Counter[str]] = {}
    for d, counted, first_visit, contact, reason in rows.receptions:
        if not first <= d <= day:
            continue
        c = out[_month_key(d)]
        if counted:
            c["receptions"] += 1
            c["first_visits"] += first_visit
            c["with_contact"] += contact
        if reason is not None:
            no_contact.setdefault(reason, Counter())[_month_key(d)] += 1
    for won, lost_at, reason in rows.customers:
        if won is not None and first <= rows.day(won) <= day:
            out[_month_key(rows.day(won))]["won"] += 1
        if reason is not None and lost_at is not None and first <= rows.day(lost_at) <= day:
            lost.setdefault(reason, Counter())[_month_key(rows.day(lost_at))] += 1
    month = day.replace(day=1)
    days = [d for d in rows.month_days(month) if d <= day]
    per_day = Counter(d for d, counted, *_ in rows.receptions if counted and month <= d <= day)
    won_day = Counter(
        rows.day(w) for w, *_ in rows.customers if w is not None and month <= rows.day(w) <= day
    )

    def running(c: Counter[date]) -> list[int]:
        return [sum(c[x] for x in days if x <= d) for d in days]

    def line(measure: str) -> list[int] | None:
        monthly = rows.team_target(month, measure)
        return None if monthly is None else [rows.to_date(monthly, d) for d in days]

    return {
        "months": keys,
        "figures": [
            {
                "receptions": out[k]["receptions"],
                "first_visits": out[k]["first_visits"],
                "with_contact": out[k]["with_contact"],
                "won": out[k]["won"],
                "capture": None
                if out[k]["receptions"] == 0
                else out[k]["with_contact"] / out[k]["receptions"],
                "conversion": None
                if out[k]["first_visits"] == 0
                else out[k]["won"] / out[k]["first_visits"],
            }
            for k in keys
        ],
        "no_contact": {r: [c[k] for k in keys] for r, c in no_contact.items()},
        "lost": {r: [c[k] for k in keys] for r, c in lost.items()},
        "receptions": running(per_day),
        "sales": running(won_day),
        "receptions_target": line("receptions"),
        "sales_target": line("sales"),
    }


def _service(path: Path, day: date, months: int) -> dict[str, Any]:
    ctx = _open(path)
    try:
        t = trends(ctx, day, months)
    finally:
        ctx.db.close()
    tr = t.target
    return {
        "months": list(t.months),
        "figures": [
            {
                "receptions": f.receptions,
                "first_visits": f.first_visits,
                "with_contact": f.with_contact,
                "won": f.won,
                "capture": f.capture_rate,
                "conversion": f.conversion_rate,
            }
            for f in t.figures
        ],
        "no_contact": {r: [row[k] for k in t.months] for r, row in t.no_contact.trend.items()},
        "lost": {r: [row[k] for k in t.months] for r, row in t.lost.trend.items()},
        "receptions": list(tr.receptions),
        "sales": list(tr.sales),
        "receptions_target": None if tr.receptions_target is None else list(tr.receptions_target),
        "sales_target": None if tr.sales_target is None else list(tr.sales_target),
    }


@pytest.fixture(scope="module", params=["sample", "7:80"])
def generated(request, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed sample (the demo generator's six months), and 80 days of seed 7
    generated here (as the report's oracle does)."""
    path = tmp_path_factory.mktemp("witness") / "shop.db"
    if request.param == "sample":
        shutil.copyfile(ROOT / "deskterm.db.sample", path)
    else:
        from tests.ui_helpers import generated_copy

        generated_copy(request.param, path, NOW)
    path.chmod(0o444)
    return path


def test_the_raw_sql_witness_agrees_on_random_past_days(generated):
    rows = Rows(generated)
    start = min(d for d, *_ in rows.receptions)
    span = (NOW.date() - start).days
    rng = random.Random(18)
    days = sorted(rng.sample([start + timedelta(days=i) for i in range(1, span)], 8))
    # and today, and a month's last day, and its first
    days += [NOW.date(), date(2026, 10, 31), date(2026, 11, 1)]
    checked = 0
    for d in days:
        if d < start:
            continue
        for months in (1, 6, 12):
            assert _service(generated, d, months) == witness(rows, d, months), (d, months)
            checked += 1
    assert checked >= 20


def test_the_witness_sees_targets_and_reasons_in_the_sample(sample):
    """The comparison above is not of empty lists: the sample has both kinds of reason and
    a team target line in its last month."""
    got = witness(Rows(sample), NOW.date(), 6)
    assert got["no_contact"] and got["lost"] and got["receptions_target"] and got["sales_target"]
    assert got["receptions"][-1] == got["figures"][-1]["receptions"]


# -- the top reasons and "other" --------------------------------------------------------


def test_top_reasons_keep_three_by_name_and_sum_the_rest(sample):
    ctx = _open(sample)
    try:
        t = trends(ctx)
    finally:
        ctx.db.close()
    top = top_reasons(t.lost)
    assert len(top) == 4 and top[-1][0] == OTHER
    assert [sum(c[i] for _r, c in top) for i in range(len(t.months))] == [
        sum(row[m] for row in t.lost.trend.values()) for m in t.months
    ]


# -- the terminal's charts ---------------------------------------------------------------


@pytest.mark.parametrize("width", [30, 49, 77, 158])
def test_a_line_chart_fills_its_size_exactly_in_cells_chinese_too(width):
    labels = ["6月", "7月", "8月", "9月", "10月", "11月"]
    chart = line_chart(
        "每月接待量与首次到店 — a long title that runs on and on",
        labels,
        [
            Series("接待量", [304, 324, 329, 316, 330, 212]),
            Series(HOSTILE["markup"][0], [1, None, 3, 4, 5, 6]),
        ],
        width,
        12,
    )
    lines = chart.plain.split("\n")
    assert len(lines) <= 12
    assert all(cell_len(ln) == width for ln in lines)
    # braille and ASCII only outside the labels: no block or box-drawing character
    assert not re.search("[\u2500-\u259f]", chart.plain)


def test_a_chart_with_nothing_to_draw_says_why():
    chart = line_chart("Sales", ["1", "2"], [Series("won", [None, None])], 40, 8, note="No target")
    assert "No target" in chart.plain
    assert "No first visit" in bar_chart("Funnel", [], 40, 6, note="No first visit").plain


def test_nice_top():
    assert [nice_top(v) for v in (0, 0.8, 7, 330, 1000)] == [1.0, 0.8, 8, 400, 1000]


# -- the HTML report's SVG -------------------------------------------------------------------


def _hostile() -> list[str]:
    groups = ("markup", "terminal", "unicode", "cjk", "long", "markdown_html")
    return [s for g in groups for s in HOSTILE[g]]


@pytest.mark.parametrize("name", _hostile())
def test_an_svg_label_is_text_never_markup(name):
    svg = line_chart_svg(name, ["2026-10", name], [Line(name, [1, 2]), Line("x", [None, 3])])
    assert "<script" not in svg.lower()
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", svg)  # no control character
    assert svg.count("<svg") == 1 and svg.endswith("</svg>")
    # Every tag is one of ours: the name's own < and & are escaped.
    assert set(re.findall(r"<(/?[a-z]+)", svg)) <= {
        "svg",
        "/svg",
        "text",
        "/text",
        "tspan",
        "/tspan",
        "line",
        "polyline",
        "circle",
    }


def test_the_html_report_has_the_six_charts_and_stays_one_file(sample):
    from deskterm.services.report import as_json, manager_sections

    ctx = _open(sample)
    try:
        rep = daily_report(ctx)
        page = to_html(as_json(rep, manager_sections(ctx, rep)), None, trends(ctx))
        t = trends(ctx)
    finally:
        ctx.db.close()
    assert page.count("<svg") == 6
    assert "<script" not in page.lower() and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "https://" not in page and "src=" not in page
    assert page.index("<svg") < page.index("</table>") + 200  # right under the people's table
    assert "Lost reasons by month" in trend_charts_html(t)


def test_a_reason_named_like_markup_is_escaped_in_the_report(sample):
    ctx = _open(sample)
    try:
        t = trends(ctx)
    finally:
        ctx.db.close()
    code = t.lost.by_reason.most_common(1)[0][0]  # drawn by name
    bad = '<script>alert("x")</script> & \u202eevil'
    t.names.setdefault("lost", {})[code] = bad
    svg = trend_charts_html(t)
    assert "<script>" not in svg and "&lt;script&gt;alert(&quot;x&quot;)" in svg
    assert "&amp;" in svg
