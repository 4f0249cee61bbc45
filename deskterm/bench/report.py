"""The daily meeting report beside its floor (issue 20).

The floor is the same figures worked out by the fewest plain aggregate statements on
the bare driver (raw sqlite3, or raw psycopg with ``--server``), over the same rows
and indexes: receptions, callbacks, upgrades, wins and level counts, grouped by
salesperson in SQL, for today's report (the one the meeting opens on). It is also a
witness: its numbers must be the report's, or :func:`measure` raises.

``python -m deskterm.bench.report [--db FILE] [--runs N] [--server ADDRESS]`` prints
the figure (``--server``: a PostgreSQL database already holding a copy of the data).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from dateutil import parser as date_parser

from deskterm.bench.common import Figure, alternated_ms, amount
from deskterm.clock import FixedClock
from deskterm.domain.escalation import last_start_due_by
from deskterm.domain.kpi import FORM_KEY_FIELDS
from deskterm.domain.levels import EscalationAction
from deskterm.storage.queries import to_stored

NOW = "2026-11-20T10:40"
DEFAULT_DB = Path(tempfile.gettempdir()) / "deskterm-large.db"

#: The numbers the meeting reads off the report, per salesperson and for the team.
FIELDS = (
    "receptions",
    "with_contact",
    "without_contact",
    "uncounted",
    "new_customers",
    "forms_saved",
    "form_fields_filled",
    "form_fields_total",
    "test_drives",
    "revisits",
    "window_first_visits",
    "window_new_customers",
    "window_fields_filled",
    "window_fields_total",
    "callbacks_due",
    "callbacks_on_time",
    "callbacks_done",
    "callbacks_overdue",
    "upgrades",
    "won",
    "window_won",
)

# Receptions of the rate window by salesperson and channel, every count a SUM.
# Parameters: the day (the period), the end of the day (five times: a form saved
# later was not there), the window's first day and the day.
RECEPTIONS_SQL = """
SELECT credited_to_id, channel,
  SUM(CASE WHEN day >= ? AND counted THEN 1 ELSE 0 END),
  SUM(CASE WHEN day >= ? AND counted AND customer_id IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN day >= ? AND counted AND customer_id IS NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN day >= ? AND NOT counted THEN 1 ELSE 0 END),
  SUM(CASE WHEN day >= ? AND counted AND first_visit AND customer_id IS NOT NULL
      THEN 1 ELSE 0 END),
  SUM(CASE WHEN day >= ? AND counted AND form_saved_at < ? AND form_fields_total <> 0
      THEN 1 ELSE 0 END),
  SUM(CASE WHEN day >= ? AND counted AND form_saved_at < ? AND form_fields_total <> 0
      THEN form_fields_filled ELSE 0 END),
  SUM(CASE WHEN day >= ? AND counted AND form_saved_at < ? AND form_fields_total <> 0
      THEN form_fields_total ELSE 0 END),
  SUM(CASE WHEN day >= ? AND counted AND test_drive AND form_saved_at < ? THEN 1 ELSE 0 END),
  SUM(CASE WHEN day >= ? AND counted AND NOT first_visit THEN 1 ELSE 0 END),
  SUM(CASE WHEN counted AND first_visit THEN 1 ELSE 0 END),
  SUM(CASE WHEN counted AND first_visit AND customer_id IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN counted AND form_saved_at < ? AND form_fields_total <> 0
      THEN form_fields_filled ELSE 0 END),
  SUM(CASE WHEN NOT counted THEN 0
      WHEN form_saved_at < ? AND form_fields_total <> 0 THEN form_fields_total
      ELSE ? END)
FROM reception WHERE day >= ? AND day <= ?
GROUP BY credited_to_id, channel
"""

# The sales callbacks of the day (due today or tomorrow, done today, due before and
# still open, done after today) by salesperson, in one statement over four index range
# reads. Parameters: start and end of the day (several times), end of tomorrow.
CALLBACKS_SQL = """
SELECT salesperson_id,
  SUM(CASE WHEN due_at >= ? AND due_at < ? AND NOT cancelled THEN 1 ELSE 0 END),
  SUM(CASE WHEN due_at >= ? AND due_at < ? AND done_by THEN 1 ELSE 0 END),
  SUM(CASE WHEN done_by AND done_at >= ? THEN 1 ELSE 0 END),
  SUM(CASE WHEN due_at < ? AND NOT done_by AND NOT cancelled THEN 1 ELSE 0 END),
  SUM(CASE WHEN due_at >= ? AND due_at < ? AND still_open THEN 1 ELSE 0 END),
  SUM(CASE WHEN due_at < ? AND still_open THEN 1 ELSE 0 END)
FROM (
  SELECT salesperson_id, due_at, done_at,
         status = 'done' AND done_at < ? AS done_by,
         status = 'cancelled' AND done_at < ? AS cancelled,
         (status = 'open' OR done_at >= ?) AS still_open
  FROM (
    SELECT id, salesperson_id, due_at, done_at, status, created_at FROM callback
     WHERE kind = 'sales' AND due_at >= ? AND due_at < ?
    UNION SELECT id, salesperson_id, due_at, done_at, status, created_at FROM callback
     WHERE kind = 'sales' AND done_at >= ? AND done_at < ?
    UNION SELECT id, salesperson_id, due_at, done_at, status, created_at FROM callback
     WHERE kind = 'sales' AND status = 'open' AND due_at < ?
    UNION SELECT id, salesperson_id, due_at, done_at, status, created_at FROM callback
     WHERE kind = 'sales' AND done_at >= ?
  ) AS range_reads
  WHERE created_at < ? AND (status <> 'cancelled' OR done_at IS NOT NULL)
) AS c
GROUP BY salesperson_id
"""

# Upgrades: customers whose level ended the day hotter than it began it through the
# day's callbacks, credited to whoever made the last callback that raised it (else
# the last one). Parameters: start and end of the day, end of the day.
UPGRADES_SQL = """
SELECT sid, COUNT(*) FROM (
  SELECT salesperson_id AS sid,
    FIRST_VALUE(rb) OVER whole AS began,
    LAST_VALUE(ra) OVER whole AS ended,
    ROW_NUMBER() OVER (PARTITION BY who ORDER BY raised DESC, done_at DESC, id DESC) AS pick
  FROM (
    SELECT c.id, c.salesperson_id, c.done_at, COALESCE(c.customer_id, -c.id) AS who,
           b.rank AS rb, a.rank AS ra,
           CASE WHEN a.rank > b.rank THEN 1 ELSE 0 END AS raised
    FROM callback AS c
    LEFT JOIN level AS b ON b.code = c.level_before
    LEFT JOIN level AS a ON a.code = c.level_after
    WHERE c.kind = 'sales' AND c.status = 'done' AND c.done_at >= ? AND c.done_at < ?
      AND c.created_at < ?
  ) AS moves
  WINDOW whole AS (PARTITION BY who ORDER BY done_at, id
                   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
) AS days
WHERE pick = 1 AND ended > began
GROUP BY sid
"""

# Customers won in the rate window, by owner (one pass: won_at has no index; in SQLite
# the planner would otherwise walk the owner index and read every customer by it).
WINS_SQL = """
SELECT owner_id, SUM(CASE WHEN won_at >= ? THEN 1 ELSE 0 END), COUNT(*)
FROM customer {not_indexed} WHERE won_at >= ? AND won_at < ?
GROUP BY owner_id
"""

# In marketing's care, by owner and level: the covering status index.
MARKETING_SQL = """
SELECT owner_id, level, COUNT(*) FROM customer WHERE status = 'marketing'
GROUP BY owner_id, level
"""

# Active and at risk, by owner and level, less those the rules make lost today
# ({lost}: at risk past the level's lost_after, or past its window and lost_after).
ACTIVE_SQL = """
SELECT owner_id, level, COUNT(*) FROM customer
WHERE status IN ('active', 'at_risk') AND level IN ({known}) AND NOT ({lost})
GROUP BY owner_id, level
"""


@dataclass
class Numbers:
    """The report's numbers, as the floor and the report both give them."""

    team: dict[str, int]
    people: dict[int, dict[str, int]]
    channels: dict[int | None, Counter[str]]  # None: the team
    levels: dict[int | None, Counter[str]]
    tomorrow: dict[int, tuple[int, int]]


def _blank() -> dict[str, int]:
    return dict.fromkeys(FIELDS, 0)


def report_numbers(report: Any) -> Numbers:
    """The numbers of a :class:`deskterm.services.report.Report` (what is zero left out,
    as the floor leaves it)."""
    people = {line.id: {k: getattr(line.figures, k) for k in FIELDS} for line in report.salespeople}
    channels = {None: report.team.receptions_by_channel} | {
        line.id: line.figures.receptions_by_channel for line in report.salespeople
    }
    levels = {None: report.team.levels} | {
        line.id: line.figures.levels for line in report.salespeople
    }
    return Numbers(
        team={k: getattr(report.team, k) for k in FIELDS},
        people={sid: n for sid, n in people.items() if any(n.values())},
        channels={k: +c for k, c in channels.items() if +c},
        levels={k: +c for k, c in levels.items() if +c},
        tomorrow={
            sid: (due, over)
            for sid, (_name, due, over) in zip(report.tomorrow_ids, report.tomorrow, strict=True)
        },
    )


class Floor:
    """Today's report figures by plain aggregate statements on a bare connection."""

    def __init__(self, con: Any, postgresql: bool, ctx: Any) -> None:
        from deskterm.services.setup import list_staff, load_levels, load_settings

        self.con = con
        self.postgresql = postgresql
        with ctx.db.read() as s:
            settings = load_settings(s)
            self.levels = list(load_levels(s))
        day = ctx.today()
        window = int(settings["report.rate_window_days"])
        self.sellers = [st.id for st in list_staff(ctx, "salesperson") if st.active]
        self.day, self.window_from = day, day - timedelta(days=window - 1)
        self.d0, self.d1 = ctx.day_range_utc(day)
        _t0, self.t1 = ctx.day_range_utc(day + timedelta(days=1))
        self.w0, _ = ctx.day_range_utc(self.window_from)
        lost, self.lost_params = self._lost(ctx)
        codes = [lv.code for lv in self.levels]
        self.known = codes
        self.active_sql = ACTIVE_SQL.format(known=", ".join("?" for _ in codes), lost=lost)
        self.wins_sql = WINS_SQL.format(not_indexed="" if postgresql else "NOT INDEXED")

    def _lost(self, ctx: Any) -> tuple[str, list[Any]]:
        """SQL (and its parameters) for "lost today by the rules": at risk for the level's
        lost_after, or active at an at-risk level past its window and lost_after."""

        def after(d: date) -> datetime:
            return ctx.day_start(d + timedelta(days=1)).astimezone(UTC)

        parts, params = [], []
        for rule in self.levels:
            if rule.to_marketing:
                continue
            lost_after = rule.lost_after or rule.escalation_after
            if lost_after:
                parts.append("(level = ? AND status = 'at_risk' AND status_since < ?)")
                params += [rule.code, after(last_start_due_by(self.day, lost_after))]
            at_risk_level = rule.escalation is EscalationAction.AT_RISK
            if at_risk_level and lost_after and rule.escalation_after:
                cut = after(last_start_due_by(self.day, rule.escalation_after, lost_after))
                parts.append(
                    "(level = ? AND status = 'active' AND level_since < ? AND owner_since < ?)"
                )
                params += [rule.code, cut, cut]
        return " OR ".join(parts) or "1 = 0", params

    def _rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        if self.postgresql:
            return self.con.execute(sql.replace("?", "%s"), params).fetchall()  # type: ignore[no-any-return]
        stored = [_stored(p) for p in params]
        return self.con.execute(sql, stored).fetchall()  # type: ignore[no-any-return]

    def numbers(self) -> Numbers:
        """Every statement once: today's numbers."""
        day, first = self.day.isoformat(), self.window_from.isoformat()
        d0, d1, t1 = self.d0, self.d1, self.t1
        people: dict[int, dict[str, int]] = defaultdict(_blank)
        channels: dict[int | None, Counter[str]] = defaultdict(Counter)
        rec = self._rows(
            RECEPTIONS_SQL,
            [day] * 5
            + [day, d1, day, d1, day, d1, day, d1, day]
            + [d1, d1, len(FORM_KEY_FIELDS), first, day],
        )
        names = FIELDS[:14]
        for sid, channel, *sums in rec:
            mine = people[sid]
            for k, v in zip(names, sums, strict=True):
                mine[k] += int(v or 0)
            if sums[0]:
                channels[sid][channel] += int(sums[0])
        cb = self._rows(
            CALLBACKS_SQL,
            [d0, d1, d0, d1, d0, d0, d1, t1, d1] + [d1] * 3 + [d0, t1, d0, d1, d0, d1] + [d1],
        )
        tomorrow: dict[int, tuple[int, int]] = {}
        for sid, due, on_time, done, overdue, t_due, t_over in cb:
            mine = people[sid]
            mine["callbacks_due"] += int(due or 0)
            mine["callbacks_on_time"] += int(on_time or 0)
            mine["callbacks_done"] += int(done or 0)
            mine["callbacks_overdue"] += int(overdue or 0)
            tomorrow[sid] = (int(t_due or 0), int(t_over or 0))
        for sid, n in self._rows(UPGRADES_SQL, [d0, d1, d1]):
            people[sid]["upgrades"] += int(n)
        for sid, won, window_won in self._rows(self.wins_sql, [d0, self.w0, d1]):
            people[sid]["won"] += int(won or 0)
            people[sid]["window_won"] += int(window_won or 0)
        levels: dict[int | None, Counter[str]] = defaultdict(Counter)
        for sid, level, n in self._rows(MARKETING_SQL, []):
            levels[sid][level] += int(n)
        for sid, level, n in self._rows(self.active_sql, [*self.known, *self.lost_params]):
            levels[sid][level] += int(n)
        team = _blank()
        for mine in people.values():
            for k, v in mine.items():
                team[k] += v
        channels[None] = sum((c for c in channels.values()), Counter())
        levels[None] = sum((c for c in levels.values()), Counter())
        return Numbers(
            team=team,
            people={sid: n for sid, n in people.items() if any(n.values())},
            channels={k: +v for k, v in channels.items() if +v},
            levels={k: +v for k, v in levels.items() if +v},
            tomorrow={sid: tomorrow.get(sid, (0, 0)) for sid in self.sellers},
        )


def _stored(value: Any) -> Any:
    """A parameter as SQLite holds it (datetimes as SQLModel's UTC text)."""
    return to_stored(value) if isinstance(value, datetime) else value


def differences(ours: Numbers, floor: Numbers) -> list[str]:
    """Where the report's numbers and the floor's differ (empty: the same)."""
    out = []
    for what in ("team", "people", "channels", "levels", "tomorrow"):
        a, b = getattr(ours, what), getattr(floor, what)
        if a != b:
            if isinstance(a, dict) and isinstance(b, dict):
                for k in sorted(set(a) | set(b), key=str):
                    if a.get(k) != b.get(k):
                        out.append(f"{what}[{k}]: report {a.get(k)} vs floor {b.get(k)}")
            else:
                out.append(f"{what}: report {a} vs floor {b}")
    return out


def _connect(ctx: Any, db: Path, server: str | None) -> tuple[Any, bool]:
    if server is None:
        return sqlite3.connect(f"file:{db}?mode=ro", uri=True), False
    import psycopg

    return psycopg.connect(ctx.db.conninfo, autocommit=True), True


def measure(db: Path, runs: int, server: str | None = None) -> list[Figure]:
    """Today's meeting report (``daily_report``) beside its floor, alternated; raises
    if the two disagree on any number."""
    from deskterm.services.maintenance import open_context
    from deskterm.services.report import daily_report

    clock = FixedClock(date_parser.isoparse(NOW))
    ctx = open_context(server or db, clock, start_of_day=False)
    try:
        con, postgresql = _connect(ctx, db, server)
        try:
            floor = Floor(con, postgresql, ctx)
            problems = differences(report_numbers(daily_report(ctx)), floor.numbers())
            if problems:
                raise AssertionError(
                    "the report and its floor disagree:\n" + "\n".join(problems[:20])
                )
            ours, base = alternated_ms(lambda: daily_report(ctx), floor.numbers, runs)
        finally:
            con.close()
    finally:
        ctx.db.close()
    return [
        Figure(
            "daily meeting report",
            ours,
            base,
            "fewest aggregate statements, raw " + ("psycopg" if server else "sqlite3"),
            max_ratio=3,
        )
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the figure; exit 1 if its target was missed."""
    p = argparse.ArgumentParser(prog="python -m deskterm.bench.report")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help="the large database (read only)")
    p.add_argument("--runs", type=int, default=21)
    p.add_argument("--server", metavar="ADDRESS", help="a PostgreSQL copy of the data")
    args = p.parse_args(argv)
    db = args.db
    if args.server is None:  # a scratch copy: opening may write (a migration, the WAL)
        scratch = Path(tempfile.mkdtemp(prefix="deskterm-bench-report-")) / "bench.db"
        src, dst = sqlite3.connect(f"file:{db}?mode=ro", uri=True), sqlite3.connect(scratch)
        src.backup(dst)
        src.close()
        dst.close()
        db = scratch
    for f in measure(db, args.runs, args.server):
        ratio = f.ratio or 0.0
        print(
            f"{f.measure}: {amount(f.value, f.unit)}, floor {amount(f.floor or 0, f.unit)} "
            f"({f.floor_of}), ratio {ratio:.2f} (target {f.target_text()}): "
            + ("met" if f.met else "MISSED")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
