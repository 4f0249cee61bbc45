"""An independent oracle for ``deskterm report --format json`` (issue 15).

Every number and list of the report is recomputed here from raw SQL with ``sqlite3``,
from the README's definitions ("Report JSON"), and compared field by field. Nothing of
deskterm is imported by the computation (``oracle_report`` and its helpers): deskterm
only makes the data (the demo generator, the services for the hand-built shop) and
runs the report. Dates and windows are worked out here with the standard library.

Generated shops (the demo generator's six months of a showroom, six weeks of another
seed; more with DESKTERM_ORACLE_GENERATE), each on 20 random past days and today, 20
different weeks, every calendar month, 20 random months to date and 20 random ranges;
and a small hand-built one whose answers are worked out by hand below (the oracle agrees
on each of its reports too).
"""

from __future__ import annotations

import calendar
import json
import math
import os
import random
import re
import shutil
import sqlite3
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------
# The oracle: sqlite3 and the standard library only.
# ---------------------------------------------------------------------------------------


def _add_months(d: date, n: int) -> date:
    """``d`` plus ``n`` calendar months, the day clamped to the month's end."""
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(d.day, (nxt - timedelta(days=1)).day))


def _add(d: date, text: str) -> date:
    """``d`` plus an ISO duration such as P7D, P1M, P3M, P1Y, P2W."""
    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?", text)
    assert m, text
    y, mo, w, dd = (int(g or 0) for g in m.groups())
    if y or mo:
        d = _add_months(d, 12 * y + mo)
    return d + timedelta(days=7 * w + dd)


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _rate(n: int, base: int) -> float | None:
    return None if base == 0 else round(n / base, 4)


def _per_100(n: int, base: int) -> float | None:
    return None if base == 0 else round(100 * n / base, 2)


class Shop:
    """The raw rows, read once; instants as naive UTC datetimes."""

    def __init__(self, path: Path) -> None:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        con.row_factory = sqlite3.Row
        q = lambda sql: [dict(r) for r in con.execute(sql).fetchall()]  # noqa: E731
        setting = {r["key"]: r["value"] for r in q("SELECT key, value FROM setting")}
        self.zone = ZoneInfo(setting.get("shop.timezone", "UTC"))
        self.window = int(setting.get("report.rate_window_days", "30"))
        self.levels = q("SELECT * FROM level ORDER BY rank DESC")
        self.level = {lv["code"]: lv for lv in self.levels}
        self.staff = {s["id"]: s for s in q("SELECT * FROM staff")}
        self.customers = q("SELECT * FROM customer")
        self.receptions = q("SELECT * FROM reception")
        self.callbacks = q("SELECT * FROM callback WHERE kind = 'sales'")
        self.level_changes = q("SELECT * FROM level_change ORDER BY at, id")
        self.owner_changes = q("SELECT * FROM ownership_change ORDER BY at, id")
        self.countermeasures = q("SELECT * FROM countermeasure ORDER BY since, id")
        self.cm_reviews = q("SELECT * FROM countermeasure_review ORDER BY day, id")
        self.setting = setting
        self.targets = q("SELECT * FROM target ORDER BY id")
        self.closed_days = {date.fromisoformat(r["day"]) for r in q("SELECT day FROM closed_day")}
        self.actions = q("SELECT * FROM action_plan ORDER BY id")
        self.coaching = q("SELECT * FROM coaching_entry ORDER BY id")
        self.media_list = q("SELECT * FROM reason WHERE kind = 'media' ORDER BY sort, code")
        self.media_spend = q("SELECT * FROM media_spend")
        # Issue 19's tables (absent from a shop made before schema 10: no rows then).
        tables = {r["name"] for r in q("SELECT name FROM sqlite_master WHERE type = 'table'")}
        v10 = "appointment" in tables
        self.appointments = q("SELECT * FROM appointment") if v10 else []
        self.steps = q("SELECT * FROM reception_step") if v10 else []
        self.step_list = (
            q("SELECT * FROM reason WHERE kind = 'step' ORDER BY sort, code") if v10 else []
        )
        con.close()
        for r in self.media_spend:
            r["month"] = date.fromisoformat(r["month"])
        for r in self.targets:
            r["month"] = date.fromisoformat(r["month"])
        for r in self.coaching:
            r["day"] = date.fromisoformat(r["day"])
        for r in self.actions:
            r["due"] = date.fromisoformat(r["due"])
        for rows in (
            self.customers,
            self.receptions,
            self.callbacks,
            self.level_changes,
            self.owner_changes,
            self.actions,
            self.countermeasures,
            self.appointments,
            self.steps,
        ):
            for r in rows:
                for k, v in r.items():
                    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d.*", v):
                        r[k] = datetime.fromisoformat(v).replace(tzinfo=None)
        for r in self.receptions:
            r["day"] = date.fromisoformat(r["day"])
        for r in self.countermeasures:
            r["since"] = date.fromisoformat(r["since"])
            for k in ("review_on", "closed_on"):
                r[k] = None if r[k] is None else date.fromisoformat(r[k])
        for r in self.cm_reviews:
            r["day"] = date.fromisoformat(r["day"])

    def midnight(self, d: date) -> datetime:
        """Local midnight starting ``d``, as naive UTC."""
        return datetime.combine(d, time(0), self.zone).astimezone(UTC).replace(tzinfo=None)

    def day(self, at: datetime) -> date:
        """The shop's local day of a naive-UTC instant."""
        return at.replace(tzinfo=UTC).astimezone(self.zone).date()

    def name(self, sid: int) -> str:
        return self.staff[sid]["name"] if sid in self.staff else "?"


def _level_clock(
    shop: Shop, customer: dict[str, Any], changes: list[dict[str, Any]], owner_since: date
) -> date:
    """README, level clocks: the days spent at the current level under the current owner,
    summed over every stay at it; the clock starts on the first day of the current stay
    (or of the current owner, if later), moved back by the whole days of earlier stays at
    the same level under this owner."""
    # Stays: (level, first day); the customer starts at the first change's "from" level.
    stays: list[tuple[str, date]] = []
    if changes[0]["from_level"]:
        stays.append((changes[0]["from_level"], shop.day(customer["created_at"])))
    for lc in changes:
        if stays and stays[-1][0] == lc["to_level"]:
            continue  # the same level written again: one stay
        stays.append((lc["to_level"], shop.day(lc["at"])))
    level, current = stays[-1]
    banked = 0
    for (lv, first), (_, after) in zip(stays, stays[1:], strict=False):
        if lv == level:
            banked += max(0, (after - max(first, owner_since)).days)
    return max(current, owner_since) - timedelta(days=banked)


def _customer_states(shop: Shop, D: date, end: datetime) -> list[dict[str, Any]]:
    """Each customer at the end of ``D`` (README: "as of the end of the day")."""
    last_level: dict[int, dict[str, Any]] = {}
    changes_of: dict[int, list[dict[str, Any]]] = {}
    for lc in shop.level_changes:
        if lc["at"] < end:
            last_level[lc["customer_id"]] = lc
            changes_of.setdefault(lc["customer_id"], []).append(lc)
    last_owner: dict[int, dict[str, Any]] = {}
    handed: dict[int, datetime] = {}
    for oc in shop.owner_changes:
        if oc["at"] < end:
            last_owner[oc["customer_id"]] = oc
            if oc["reason"] == "lead handed out":
                handed[oc["customer_id"]] = oc["at"]
    visit: dict[int, datetime] = {}
    for r in shop.receptions:
        saved = r["form_saved_at"]
        if r["customer_id"] is not None and saved is not None and saved < end:
            visit[r["customer_id"]] = max(saved, visit.get(r["customer_id"], saved))
    called: dict[int, datetime] = {}
    for c in shop.callbacks:
        if c["status"] == "done" and c["outcome"] != "no_answer" and c["done_at"] < end:
            called[c["customer_id"]] = max(c["done_at"], called.get(c["customer_id"], c["done_at"]))
    out = []
    for c in shop.customers:
        if c["created_at"] >= end:
            continue
        cid = c["id"]
        level, level_at = c["level"], c["level_since"]
        if cid in last_level:
            level, level_at = last_level[cid]["to_level"], last_level[cid]["at"]
        owner, owner_at = c["owner_id"], c["owner_since"]
        if cid in last_owner:
            owner, owner_at = last_owner[cid]["to_owner_id"], last_owner[cid]["at"]
        rule = shop.level[level]
        st = {
            "id": cid,
            "name": c["name"],
            "level": level,
            "owner": owner,
            "status": None,
            "lists": [],
        }
        out.append(st)
        if c["won_at"] is not None and c["won_at"] < end:
            continue
        lost_at = c["lost_at"]
        if lost_at is not None and lost_at < end:
            back = [t for t in (handed.get(cid), visit.get(cid)) if t is not None and t > lost_at]
            if not back:
                continue
        if rule["to_marketing"]:
            st["status"] = "marketing"
            continue
        level_since, owner_since = shop.day(level_at), shop.day(owner_at)
        if cid in changes_of:
            level_since = _level_clock(shop, c, changes_of[cid], owner_since)
        contacts = [c["created_at"], visit.get(cid), called.get(cid)]
        if c["last_contact_at"] is not None and c["last_contact_at"] < end:
            contacts.append(c["last_contact_at"])
        last_contact = shop.day(max(t for t in contacts if t is not None))
        since = None
        if c["status"] == "at_risk" and c["status_since"] < end:
            since = shop.day(c["status_since"])
        elif rule["escalation"] == "at_risk" and rule["escalation_after"]:
            # README, level clocks: time at the level under the current owner; a new
            # owner starts the clock afresh.
            due = _add(max(level_since, owner_since), rule["escalation_after"])
            since = due if due <= D else None
        status = "active"
        if since is not None:
            lost_after = rule["lost_after"] or rule["escalation_after"]
            if lost_after and _add(since, lost_after) <= D:
                continue  # lost by the rules on that day
            status = "at_risk"
            st["lists"].append(("at_risk", since))
        st["status"] = status
        if status == "active" and rule["escalation"] == "reassign" and rule["escalation_after"]:
            due = _add(max(level_since, owner_since), rule["escalation_after"])
            if due <= D:
                st["lists"].append(("to_reassign", due))
        if rule["callback_interval"]:
            due = _add(last_contact, rule["callback_interval"])
            if rule["stall_grace"]:
                due = _add(due, rule["stall_grace"])
            if due <= D:
                st["lists"].append(("stalled", due))
    return out


def oracle_report(shop: Shop, today: date, last: date, first: date) -> dict[str, Any]:
    """The report for ``first``..``last`` as the README defines it, from the raw rows."""
    D = min(last, today)
    d0, d1 = shop.midnight(first), shop.midnight(D + timedelta(days=1))
    t1 = shop.midnight(D + timedelta(days=2))
    wf = min(first, D - timedelta(days=shop.window - 1))
    codes = [lv["code"] for lv in shop.levels]
    rank = {lv["code"]: lv["rank"] for lv in shop.levels}

    lines: dict[int, dict[str, Any]] = {}

    def fig() -> dict[str, Any]:
        return {
            "receptions": 0,
            "with_contact": 0,
            "without_contact": 0,
            "by_channel": Counter(),
            **dict.fromkeys(codes, 0),
            "callbacks_due": 0,
            "callbacks_done": 0,
            "callbacks_overdue": 0,
            "callbacks_on_time": 0,
            "test_drives": 0,
            "revisits": 0,
            "upgrades": 0,
            "won": 0,
            "_uncounted": 0,
            "_visits": 0,
            "_new": 0,
            "_wwon": 0,
            "_filled": 0,
            "_total": 0,
        }

    team = fig()
    sellers = sorted(
        (s for s in shop.staff.values() if s["role"] == "salesperson" and s["active"]),
        key=lambda s: s["name"],
    )
    for s in sellers:
        lines[s["id"]] = fig()

    def add(sid: int, key: str, n: int = 1) -> None:
        for f in (lines.setdefault(sid, fig()), team):
            f[key] += n

    # Receptions: counted ones in the period; rates over the window.
    for r in shop.receptions:
        if not wf <= r["day"] <= D:
            continue
        sid = r["credited_to_id"]
        lines.setdefault(sid, fig())
        if first <= r["day"]:
            if not r["counted"]:
                add(sid, "_uncounted")
            else:
                add(sid, "receptions")
                add(sid, "with_contact" if r["customer_id"] is not None else "without_contact")
                # README: a revisit is a counted reception of a customer already on file;
                # a test drive is known once the form that says so was saved.
                add(sid, "revisits", not r["first_visit"])
                known = r["form_saved_at"] is not None and r["form_saved_at"] < d1
                add(sid, "test_drives", bool(r["test_drive"]) and known)
                for f in (lines[sid], team):
                    f["by_channel"][r["channel"]] += 1
        if r["counted"]:
            if r["first_visit"]:
                add(sid, "_visits")
                if r["customer_id"] is not None:
                    add(sid, "_new")
            saved = r["form_saved_at"] is not None and r["form_saved_at"] < d1
            if saved and r["form_fields_total"]:
                add(sid, "_filled", r["form_fields_filled"])
                add(sid, "_total", r["form_fields_total"])
            else:
                add(sid, "_total", 7)  # never saved (by then): 0 of the 7 key fields

    # Callbacks as they stood at the end of D. A cancellation is dated by done_at; an
    # undated one was never a task. Open at the end: not done nor cancelled by then.
    def open_at_end(c: dict[str, Any]) -> bool:
        return c["status"] == "open" or (c["done_at"] is not None and c["done_at"] >= d1)

    tomorrow = {s["id"]: [0, 0] for s in sellers}
    day_moves: dict[tuple[int, date], list[dict[str, Any]]] = {}
    for c in shop.callbacks:
        if c["created_at"] >= d1 or (c["status"] == "cancelled" and c["done_at"] is None):
            continue
        due = shop.day(c["due_at"])
        if open_at_end(c) and c["due_at"] < t1 and c["salesperson_id"] in tomorrow:
            tomorrow[c["salesperson_id"]][0 if due == D + timedelta(days=1) else 1] += 1
        done_in = c["status"] == "done" and d0 <= c["done_at"] < d1
        # Not yet due at the end of D and not done in the period (a call made early is
        # still a call made), or cancelled by then: no task of the report's.
        if (c["due_at"] >= d1 and not done_in) or (
            c["status"] == "cancelled" and c["done_at"] < d1
        ):
            continue
        is_due = first <= due <= D
        overdue = due < first and open_at_end(c)
        if not (is_due or done_in or overdue):
            continue
        sid = c["salesperson_id"]
        lines.setdefault(sid, fig())
        add(sid, "callbacks_due", is_due)
        # On time: due in the period and done (by the end of D) no later than its due day.
        add(
            sid,
            "callbacks_on_time",
            is_due
            and c["status"] == "done"
            and c["done_at"] < d1
            and shop.day(c["done_at"]) <= due,
        )
        add(sid, "callbacks_overdue", overdue)
        if done_in:
            add(sid, "callbacks_done")
            day_moves.setdefault((c["customer_id"], shop.day(c["done_at"])), []).append(c)

    # README: an upgrade is a net rise — a customer whose level ends a day hotter than it
    # began it through that day's callbacks, once, credited to whoever ticked off the last
    # callback that raised it; a bounce counts nothing.
    def hotter(a: str | None, b: str | None) -> bool:
        return a is not None and b is not None and a in rank and b in rank and rank[b] > rank[a]

    for moves in day_moves.values():
        moves.sort(key=lambda m: m["done_at"])
        if hotter(moves[0]["level_before"], moves[-1]["level_after"]):
            raised = [m for m in moves if hotter(m["level_before"], m["level_after"])]
            add((raised or moves)[-1]["salesperson_id"], "upgrades")

    # The customers' states at the end of D depend on D alone: the method sections ask
    # for several periods ending on the same day, so they are worked out once per day.
    cache = shop.__dict__.setdefault("_states", {})
    if D not in cache:
        cache[D] = _customer_states(shop, D, d1)
    states = cache[D]
    for st in states:
        if st["status"] is not None:
            add(st["owner"], st["level"])
    for c in shop.customers:
        if c["won_at"] is not None and shop.midnight(wf) <= c["won_at"] < d1:
            add(c["owner_id"], "_wwon")
            if shop.day(c["won_at"]) >= first:
                add(c["owner_id"], "won")

    def figures_json(f: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in f.items() if not k.startswith("_")}
        out["by_channel"] = dict(sorted(f["by_channel"].items()))
        out["conversion_rate"] = _rate(f["_wwon"], f["_visits"])
        out["conversion_rate_with_contact"] = _rate(f["_wwon"], f["_new"])
        out["form_completeness"] = _rate(f["_filled"], f["_total"])
        out["callbacks_on_time_rate"] = _rate(f["callbacks_on_time"], f["callbacks_due"])
        out["contact_capture_rate"] = _rate(
            f["with_contact"], f["with_contact"] + f["without_contact"]
        )
        return out

    people = sorted(lines.items(), key=lambda kv: shop.name(kv[0]) if kv[0] in shop.staff else "")
    lists: dict[str, list[dict[str, Any]]] = {"at_risk": [], "to_reassign": [], "stalled": []}
    for st in states:
        for kind, due in st["lists"]:
            lists[kind].append(
                {
                    "customer_id": st["id"],
                    "name": st["name"],
                    "level": st["level"],
                    "owner": shop.name(st["owner"]),
                    "owner_id": st["owner"],
                    "since": due.isoformat(),
                    "days_over": (D - due).days,
                }
            )
    for items in lists.values():
        items.sort(key=lambda i: (-i["days_over"], i["customer_id"]))

    # Funnel: first visits in the period and how far they got by the end of D.
    top = shop.levels[0]["code"]
    reached = {
        lc["customer_id"] for lc in shop.level_changes if lc["to_level"] == top and lc["at"] < d1
    }
    cust = {c["id"]: c for c in shop.customers}
    stages = ("received", "registered", "test_drive", "hot", "won")
    fun: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(stages, 0))
    for r in shop.receptions:
        if not (first <= r["day"] <= D and r["counted"] and r["first_visit"]):
            continue
        c = cust.get(r["customer_id"])
        for key in (r["credited_to_id"], None):
            row = fun[key]
            row["received"] += 1
            if c is not None:
                row["registered"] += 1
                row["test_drive"] += bool(r["test_drive"])
                row["hot"] += c["id"] in reached
                row["won"] += c["won_at"] is not None and c["won_at"] < d1

    def funnel_row(key: Any) -> dict[str, Any]:
        row = dict(fun.get(key, dict.fromkeys(stages, 0)))
        n = row["received"]
        return {**row, "of_received": {s: _rate(row[s], n) for s in stages[1:]}}

    # Reasons in the period; countermeasures dated by D, judged as of D.
    def reason_rows(kind: str) -> list[tuple[str, int, date]]:
        if kind == "no_contact":
            return [
                (r["no_contact_reason"], r["credited_to_id"], r["day"])
                for r in shop.receptions
                if r["no_contact_reason"] is not None
            ]
        return [
            (c["lost_reason"], c["owner_id"], shop.day(c["lost_at"]))
            for c in shop.customers
            if c["lost_reason"] is not None and c["lost_at"] is not None
        ]

    months = []
    m = first.replace(day=1)
    while m <= D:
        months.append(_month(m))
        m = _add_months(m, 1)
    counted = [r for r in shop.receptions if r["counted"] and r["day"] <= D]
    wins = [shop.day(c["won_at"]) for c in shop.customers if c["won_at"] and c["won_at"] < d1]
    reasons: dict[str, Any] = {}
    for kind in ("no_contact", "lost"):
        facts = [f for f in reason_rows(kind) if f[2] <= D]
        inside = [f for f in facts if first <= f[2]]
        by_sp: dict[int, Counter[str]] = {}
        trend: dict[str, dict[str, int]] = {}
        for reason, sid, d in inside:
            by_sp.setdefault(sid, Counter())[reason] += 1
            trend.setdefault(reason, dict.fromkeys(months, 0))[_month(d)] += 1
        marks = []
        for cm in shop.countermeasures:
            since = cm["since"]
            if cm["kind"] != kind or since > D:
                continue
            # README: closed or replaced by D, its "after" ends the day before.
            closed = (
                cm["closed_on"] if cm["closed_on"] is not None and cm["closed_on"] <= D else None
            )
            until = D if closed is None else closed - timedelta(days=1)
            start, stop = _add_months(since, -3), min(until, _add_months(since, 3))
            done = [
                r for r in shop.cm_reviews if r["countermeasure_id"] == cm["id"] and r["day"] <= D
            ]
            decision = [r["decision"] for r in done]
            # README: the next review is 30 days after the last review by D, or after the
            # countermeasure's date (or the day it was entered, if later).
            next_review = (
                done[-1]["day"] if done else max(since, shop.day(cm["created_at"]))
            ) + timedelta(days=30)

            def split(days: list[date], start: date = start, stop: date = stop, s: date = since):
                return (
                    sum(start <= d < s for d in days),
                    sum(s <= d <= stop for d in days),
                )

            nb, na = split([d for r_, _, d in facts if r_ == cm["reason"]])
            rb, ra = split([r["day"] for r in counted])
            vb, va = split([r["day"] for r in counted if r["first_visit"]])
            wb, wa = split(wins)
            marks.append(
                {
                    "id": cm["id"],
                    "reason": cm["reason"],
                    "since": since.isoformat(),
                    "note": cm["note"],
                    "review_on": None if closed is not None else next_review.isoformat(),
                    "closed_on": None if closed is None else closed.isoformat(),
                    "follows_id": cm["follows_id"],
                    "decision": decision[-1] if decision else None,
                    "before_per_30d": round(nb * 30 / max((since - start).days, 1), 2),
                    "after_per_30d": round(na * 30 / max((stop - since).days + 1, 1), 2),
                    "days": max((until - since).days, 0),
                    "too_early": (until - since).days < 14,
                    "before_per_100": _per_100(nb, rb),
                    "after_per_100": _per_100(na, ra),
                    "sales_before_per_100": _per_100(wb, vb),
                    "sales_after_per_100": _per_100(wa, va),
                }
            )
        reasons[kind] = {
            "by_reason": dict(Counter(f[0] for f in inside)),
            "by_salesperson": [
                {"name": shop.name(sid), **dict(c)} for sid, c in sorted(by_sp.items())
            ],
            "by_month": trend,
            "countermeasures": marks,
        }

    pending = sorted(
        (c for c in shop.customers if c["lost_requested_at"] is not None),
        key=lambda c: c["lost_requested_at"],
    )
    leads = sorted(
        (c for c in shop.customers if c["nurtured_at"] and c["status"] in ("marketing", "lost")),
        key=lambda c: (c["nurtured_at"], c["id"]),
    )
    return {
        "date": D.isoformat(),
        "period": {"from": first.isoformat(), "to": D.isoformat()},
        "rates_window": {"from": wf.isoformat(), "to": D.isoformat()},
        "levels": codes,
        # The names in the report's language: these reports are made in English.
        "level_names": {c: shop.level[c]["name_en"] for c in codes},
        "receptions": {
            "total": team["receptions"],
            "with_contact": team["with_contact"],
            "without_contact": team["without_contact"],
            "uncounted": team["_uncounted"],
            "by_channel": dict(sorted(team["by_channel"].items())),
        },
        "callbacks": {
            "due": team["callbacks_due"],
            "done": team["callbacks_done"],
            "overdue": team["callbacks_overdue"],
        },
        "team": figures_json(team),
        "salespeople": [
            {"id": sid, "name": shop.name(sid), **figures_json(f)} for sid, f in people
        ],
        "tomorrow": [
            {
                "salesperson": s["name"],
                "callbacks": tomorrow[s["id"]][0],
                "overdue": tomorrow[s["id"]][1],
            }
            for s in sellers
        ],
        **lists,
        "funnel": {
            "team": funnel_row(None),
            "salespeople": [{"name": shop.name(sid), **funnel_row(sid)} for sid, _ in people],
        },
        "reasons": reasons,
        "lost_requests": [
            {
                "customer_id": c["id"],
                "name": c["name"],
                "level": c["level"],
                "owner": shop.name(c["owner_id"]),
                "reason": c["lost_request_reason"] or "",
                "note": c["lost_request_note"] or "",
            }
            for c in pending
            if shop.day(c["lost_requested_at"]) <= D
        ],
        "leads": [
            {
                "customer_id": c["id"],
                "name": c["name"],
                "source": c["source_channel"],
                "since": c["nurtured_at"].replace(tzinfo=UTC).isoformat(),
                "note": c["notes"],
            }
            for c in leads
            if shop.day(c["nurtured_at"]) <= D
        ],
    }


# ---------------------------------------------------------------------------------------
# The manager's half (issue 18): targets, actions, coaching, from the README's rules.
# ---------------------------------------------------------------------------------------

RATE_MEASURES = {"contact_capture", "form_completeness", "callbacks_on_time"}
MEASURE_FIELDS = {
    "receptions": "receptions",
    "contact_capture": "contact_capture_rate",
    "form_completeness": "form_completeness",
    "callbacks_on_time": "callbacks_on_time_rate",
    "upgrades": "upgrades",
    "test_drives": "test_drives",
    "invitations": "revisits",
    "sales": "won",
}


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(float(x), 4)


def _period_figures(shop: Shop, today: date, last: date, first: date) -> dict[Any, Any]:
    """Each salesperson's (and, under None, the team's) figures over first..last with
    the rates over that period alone."""
    window, shop.window = shop.window, 1
    try:
        rep = oracle_report(shop, today, last, first) if first <= last else None
    finally:
        shop.window = window
    if rep is None:
        return {}
    out: dict[Any, Any] = {line["id"]: line for line in rep["salespeople"]}
    out[None] = rep["team"]
    out["tomorrow"] = rep["tomorrow"]
    return out


def _figure(figs: dict[str, Any] | None, measure: str, days: int) -> float | int | None:
    """A figure as ``targets.figure_over`` gives it: a rate, or a count per 30 days."""
    value = None if figs is None else figs[MEASURE_FIELDS[measure]]
    if measure in RATE_MEASURES:
        return value
    value = value or 0
    return _plain(math.floor(value * 30 / days * 10 + 0.5) / 10)


def band(measure: str, actual: Any, expected: Any) -> str:
    """README: a count green at or above its target to date, amber short by at most 10 %,
    red below; a rate amber up to 5 points below; none without a target or with nothing
    expected yet or nothing to divide by."""
    if expected is None or actual is None:
        return "none"
    if measure in RATE_MEASURES:
        if actual >= expected - 1e-9:
            return "green"
        return "amber" if expected - actual <= 0.05 + 1e-9 else "red"
    if expected <= 0:
        return "none"
    if actual >= expected:
        return "green"
    return "amber" if actual >= 0.9 * expected - 1e-9 else "red"


def oracle_method(shop: Shop, today: date, D: date, first: date) -> dict[str, Any]:
    """The report's ``targets``, ``actions`` and ``coaching`` (README), from raw rows."""
    weights = [float(w) for w in shop.setting.get("targets.weekdays", "1,1,1,1,1,1,1").split(",")]

    def weight(d: date) -> float:
        return 0.0 if d in shop.closed_days else weights[d.weekday()]

    def month_of(d: date) -> list[date]:
        m0 = d.replace(day=1)
        return [
            m0 + timedelta(days=i) for i in range(31) if (m0 + timedelta(days=i)).month == m0.month
        ]

    def to_date(monthly: float, d: date) -> float:
        days = month_of(d)
        total = sum(weight(x) for x in days)
        done = sum(weight(x) for x in days if x <= d)
        return 0 if total == 0 or monthly == 0 else math.floor(monthly * done / total + 0.5)

    def targets_of(month: date) -> dict[Any, dict[str, float]]:
        per: dict[Any, dict[str, float]] = {}
        for t in shop.targets:
            if t["month"] == month:
                per.setdefault(t["salesperson_id"], {})[t["measure"]] = float(t["value"])
        team = dict(per.get(None, {}))
        for m in MEASURE_FIELDS:
            if m not in team and m not in RATE_MEASURES:
                vals = [v[m] for k, v in per.items() if k is not None and m in v]
                if vals:
                    team[m] = sum(vals)
        per[None] = team
        return per

    month = D.replace(day=1)
    figs = _period_figures(shop, today, D, month)
    mine = targets_of(month)
    tomorrow_day = D + timedelta(days=1)
    nxt = targets_of(tomorrow_day.replace(day=1))
    due_tomorrow = {t["salesperson"]: t["callbacks"] for t in figs["tomorrow"]}

    def person(sid: Any) -> dict[str, Any]:
        f = figs[sid]
        measures = {}
        for m, field in MEASURE_FIELDS.items():
            actual = f[field]
            monthly = mine.get(sid, {}).get(m)
            expected = (
                None
                if monthly is None
                else (monthly if m in RATE_MEASURES else to_date(monthly, D))
            )
            after = nxt.get(sid, {}).get(m)
            tomorrow = None
            if m not in RATE_MEASURES and after is not None:
                before = 0 if tomorrow_day.day == 1 else to_date(after, D)
                tomorrow = to_date(after, tomorrow_day) - before
            measures[m] = {
                "actual": None if actual is None else _plain(actual),
                "target": None if monthly is None else _plain(monthly),
                "to_date": None if expected is None else _plain(expected),
                "status": band(m, actual, expected),
                "tomorrow": tomorrow,
            }
        if sid is None:
            calls = sum(due_tomorrow.values())
        else:
            active_seller = shop.staff[sid]["role"] == "salesperson" and shop.staff[sid]["active"]
            calls = due_tomorrow.get(shop.name(sid), 0) if active_seller else 0
        return {"callbacks_tomorrow": calls, "measures": measures}

    # Salespeople, and anyone else only when a target names them.
    people = sorted(
        (
            k
            for k in figs
            if isinstance(k, int)
            and (shop.staff.get(k, {}).get("role") == "salesperson" or k in mine)
        ),
        key=lambda k: shop.name(k) if k in shop.staff else "",
    )
    targets_json = {
        "month": month.isoformat()[:7],
        "team": person(None),
        "salespeople": [{"id": sid, "name": shop.name(sid), **person(sid)} for sid in people],
    }

    end = shop.midnight(D + timedelta(days=1))
    acts = []
    for a in shop.actions:
        if a["created_at"] >= end:
            continue
        closed = a["closed_at"] is not None and a["closed_at"] < end
        if closed and shop.day(a["closed_at"]) < first:
            continue
        state = (
            "closed"
            if closed
            else "overdue"
            if a["due"] < D
            else "due"
            if a["due"] == D
            else "open"
        )
        acts.append(
            {
                "id": a["id"],
                "what": a["what"],
                "owner": shop.name(a["owner_id"]),
                "due": a["due"].isoformat(),
                "state": state,
                "measure": a["measure"],
                "salesperson": None
                if a["salesperson_id"] is None
                else shop.name(a["salesperson_id"]),
                "source": a["source"],
                "recorded": shop.day(a["created_at"]).isoformat(),
                "baseline": None if a["baseline"] is None else _plain(float(a["baseline"])),
                "closed": shop.day(a["closed_at"]).isoformat() if closed else None,
                "outcome": a["outcome"] if closed else None,
                "after": _plain(float(a["after_value"])) if closed and a["after_value"] else None,
            }
        )
    # Open ones by due day (then id), closed ones latest first.
    acts = [a for a in acts if a["state"] != "closed"] + sorted(
        (a for a in acts if a["state"] == "closed"), key=lambda a: -a["id"]
    )

    coached = ("form_completeness", "contact_capture", "callbacks_on_time")
    last: dict[int, date] = {}
    count: dict[int, int] = {}
    for e in shop.coaching:
        if e["day"] <= D:
            last[e["salesperson_id"]] = max(last.get(e["salesperson_id"], e["day"]), e["day"])
            count[e["salesperson_id"]] = count.get(e["salesperson_id"], 0) + (
                (D - e["day"]).days < 90
            )
    team_rates = targets_json["team"]["measures"]
    board = []
    for line in targets_json["salespeople"]:
        sid = line["id"]
        st = shop.staff.get(sid)
        if st is None or st["role"] != "salesperson" or not st["active"]:
            continue
        why = []
        for m in coached:
            me = line["measures"][m]
            team_value = team_rates[m]["actual"]
            if me["status"] == "red" or (
                me["status"] == "none"
                and me["actual"] is not None
                and team_value is not None
                and team_value - me["actual"] >= 0.1 - 1e-9
            ):
                why.append(m)
        since = last.get(sid)
        moved = {}
        if since is not None:
            before = _period_figures(
                shop, today, since - timedelta(days=1), since - timedelta(days=30)
            )
            after = _period_figures(shop, today, D, since)
            for m in coached:
                moved[m] = {
                    "before": _figure(before.get(sid), m, 30) if before else None,
                    "since": _figure(after.get(sid), m, (D - since).days + 1) if after else None,
                }
        board.append(
            {
                "id": sid,
                "name": line["name"],
                "last_coached": None if since is None else since.isoformat(),
                "due": bool(why) and (since is None or (D - since).days >= 14),
                "why": why,
                "moved": moved,
                "_entries": count.get(sid, 0),
            }
        )
    board.sort(key=lambda r: (not r["due"], r["last_coached"] or "", r["name"]))
    for r in board:
        r.pop("_entries")
    entries = [
        {
            "day": e["day"].isoformat(),
            "salesperson": shop.name(e["salesperson_id"]),
            "kind": e["kind"],
            "recording": e["recording"],
            "score": e["score"],
            "score_of": e["score_of"],
            "note": e["note"],
        }
        for e in sorted(shop.coaching, key=lambda e: (e["day"], e["id"]), reverse=True)
        if first <= e["day"] <= D
    ]
    return {
        "targets": targets_json,
        "actions": acts,
        "coaching": {"entries": entries, "salespeople": board},
        "media": oracle_media(shop, D),
    }


def oracle_media(shop: Shop, D: date) -> dict[str, Any]:
    """The report's ``media`` (README, "Where visitors come from"), from raw rows: the
    month of ``D`` from its first day to ``D``."""
    m0 = D.replace(day=1)
    days = calendar.monthrange(m0.year, m0.month)[1]
    spend = {r["media"]: r["amount"] for r in shop.media_spend if r["month"] == m0}

    def to_date(amount: int | None) -> int | None:
        # the month's amount × days gone ÷ days of the month, rounded half up
        if amount is None:
            return None
        return amount if D.day == days else (2 * amount * D.day + days) // (2 * days)

    def cost(amount: int | None, n: int) -> int | None:
        return None if n == 0 or amount is None else (2 * amount + n) // (2 * n)

    start, end = shop.midnight(m0), shop.midnight(D + timedelta(days=1))
    visitors: Counter[Any] = Counter()
    contacts: Counter[Any] = Counter()
    for r in shop.receptions:
        if m0 <= r["day"] <= D and r["counted"] and r["first_visit"]:
            # the medium its form named by the end of D (a form saved later: none yet)
            saved = r["form_saved_at"]
            medium = r["media"] if saved is not None and saved < end else None
            visitors[medium] += 1
            contacts[medium] += r["customer_id"] is not None
    sales: Counter[Any] = Counter(
        c["media"] for c in shop.customers if c["won_at"] and start <= c["won_at"] < end
    )
    seen = {k for k in (*visitors, *sales, *spend)}
    names = {r["code"]: r["name_en"] for r in shop.media_list}
    codes: list[Any] = [r["code"] for r in shop.media_list if r["active"] or r["code"] in seen]
    codes += sorted(c for c in seen if c is not None and c not in names)
    if None in seen:
        codes.append(None)

    def row(code: Any) -> dict[str, Any]:
        amount = spend.get(code) if code is not None else None
        return {
            "spend_month": amount,
            "spend_to_date": to_date(amount),
            "visitors": visitors[code],
            "contacts": contacts[code],
            "sales": sales[code],
            "cost_per_visitor": cost(to_date(amount), visitors[code]),
            "cost_per_sale": cost(to_date(amount), sales[code]),
        }

    rows = [{"code": c, "name": names.get(c, c) or "not recorded", **row(c)} for c in codes]
    total: dict[str, Any] = {}
    for k in ("spend_month", "spend_to_date"):
        known = [r[k] for r in rows if r[k] is not None]
        total[k] = sum(known) if known else None
    total.update({k: sum(r[k] for r in rows) for k in ("visitors", "contacts", "sales")})
    total["cost_per_visitor"] = cost(total["spend_to_date"], total["visitors"])
    total["cost_per_sale"] = cost(total["spend_to_date"], total["sales"])
    return {"month": m0.isoformat()[:7], "last": D.isoformat(), "sources": rows, "total": total}


# ---------------------------------------------------------------------------------------
# The traffic log (issue 19): appointments, steps, visit minutes, be-backs.
# ---------------------------------------------------------------------------------------

#: Mutations the oracle's own test flips on to prove a wrong rule is caught (never set
#: outside ``test_a_wrong_rule_fails_the_oracle``).
TRAFFIC_MUTATION: set[str] = set()


def _middle(values: list[int]) -> float | int | None:
    """The median by hand: the middle value, or the mean of the two middle ones."""
    if not values:
        return None
    xs = sorted(values)
    n = len(xs)
    m = xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
    if "median_floor" in TRAFFIC_MUTATION:
        m = math.floor(m)
    return int(m) if float(m).is_integer() else m


def _minutes(a: datetime, b: datetime) -> int:
    """Whole minutes from ``a`` to ``b`` (seconds dropped), 0 when ``b`` is earlier."""
    seconds = (b - a).days * 86400 + (b - a).seconds
    if "minutes_real" in TRAFFIC_MUTATION:
        return max(0, round(seconds / 60))
    return seconds // 60 if seconds > 0 else 0


def oracle_traffic(
    shop: Shop,
    last: date,
    first: date,
    people: list[tuple[int, str]],
    now: datetime | None = None,
) -> dict[str, Any]:
    """The four traffic sections for ``first``..``last``, from the README's definitions."""
    start, end = shop.midnight(first), shop.midnight(last + timedelta(days=1))
    # Today's report judges a no-show at the moment it is run, not at midnight.
    judged = end if now is None else min(end, now.astimezone(UTC).replace(tzinfo=None))
    grace = int(shop.setting.get("appointments.grace_minutes", "60"))
    if "grace_off_by_one" in TRAFFIC_MUTATION:
        grace += 1
    alert = int(shop.setting.get("reception.wait_alert_minutes", "3"))
    back_days = int(shop.setting.get("report.be_back_days", "30"))

    # Appointments.
    appt: dict[Any, Counter[str]] = defaultdict(Counter)
    for a in shop.appointments:
        if not a["created_at"] < end:
            continue
        who = ("team", a["salesperson_id"])
        if a["created_at"] >= start:
            for k in who:
                appt[k]["booked"] += 1
        if not (start <= a["at"] and a["at"] < end):
            continue
        taken = a["status_at"] is None or a["status_at"] < end
        if a["status"] == "cancelled" and taken:
            continue
        kept = a["status"] == "shown" and taken
        missed = not kept and a["at"] + timedelta(minutes=grace) <= judged
        for k in who:
            appt[k]["due"] += 1
            appt[k]["shown"] += int(kept)
            appt[k]["no_show"] += int(missed)

    # The period's showroom visits and the steps ticked on them by the end.
    visits = [
        r
        for r in shop.receptions
        if first <= r["day"] <= last and r["counted"] and r["channel"] not in ("phone", "online")
    ]
    ids = {r["id"] for r in visits}
    ticked: dict[int, set[str]] = defaultdict(set)
    for st in shop.steps:
        if st["reception_id"] in ids and st["at"] < end:
            ticked[st["reception_id"]].add(st["step"])
    on_file = {x["code"] for x in shop.step_list}
    seen = set().union(*ticked.values()) if ticked else set()
    codes = [x["code"] for x in shop.step_list if x["active"] or x["code"] in seen]
    codes += sorted(seen - on_file)
    names = {x["code"]: x["name_en"] for x in shop.step_list}

    def step_line(rows: list[dict[str, Any]]) -> dict[str, Any]:
        stops = {c: 0 for c in [*codes, "none"]}
        for r in rows:
            reached = [c for c in codes if c in ticked[r["id"]]]
            stops[reached[-1] if reached else "none"] += 1
        fixed = ("id", "name", "visits", "stopped_at", "turn_over_rate")
        return {
            **{c: sum(c in ticked[r["id"]] for r in rows) for c in codes if c not in fixed},
            "visits": len(rows),
            "stopped_at": stops,
            "turn_over_rate": _rate(sum("manager" in ticked[r["id"]] for r in rows), len(rows)),
        }

    # Visit minutes: visits ended by the end of the period.
    customer = {c["id"]: c for c in shop.customers}
    ended = [r for r in visits if r["ended_at"] is not None and r["ended_at"] < end]

    def outcome(r: dict[str, Any]) -> str:
        c = customer.get(r["customer_id"]) if r["customer_id"] is not None else None
        saved = r["form_saved_at"] is not None and r["form_saved_at"] < end
        won = None if c is None else c["won_at"]
        if won is not None and won < end and shop.day(won) == r["day"]:
            return "sold"
        if (r["test_drive"] and saved) or "test_drive" in ticked[r["id"]]:
            return "test_drive"
        if c is not None and c["created_at"] < end:
            return "contact"
        return "no_contact" if saved else "no_form"

    def length(r: dict[str, Any]) -> int:
        return _minutes(r["arrived_at"], r["ended_at"])

    def wait(r: dict[str, Any]) -> int:
        return 0 if r["assigned_at"] is None else _minutes(r["arrived_at"], r["assigned_at"])

    def minutes_line(rows: list[dict[str, Any]]) -> dict[str, Any]:
        over = 0
        for r in rows:
            if r["assigned_at"] is not None:
                gap = r["assigned_at"] - r["arrived_at"]
                over += gap > timedelta(minutes=alert)
        return {
            "visits": len(rows),
            "median": _middle([length(r) for r in rows]),
            "wait_median": _middle([wait(r) for r in rows]),
            "waited_over_alert": over,
        }

    # Be-backs: each customer's first visit, their earliest counted first-visit reception.
    first_seen: dict[int, date] = {}
    for r in shop.receptions:
        cid = r["customer_id"]
        if cid is None or not (r["counted"] and r["first_visit"]):
            continue
        if cid not in first_seen or r["day"] < first_seen[cid]:
            first_seen[cid] = r["day"]

    def back(r: dict[str, Any]) -> bool:
        f = first_seen.get(r["customer_id"]) if r["customer_id"] is not None else None
        return f is not None and 0 < (r["day"] - f).days <= back_days

    def backs_line(rows: list[dict[str, Any]]) -> dict[str, Any]:
        firsts = sum(1 for r in rows if r["first_visit"])
        n = sum(1 for r in rows if back(r))
        return {"first_visits": firsts, "be_backs": n, "rate": _rate(n, firsts)}

    # The lines: the report's people, then anyone else these rows name, by name.
    named = {sid for sid, _n in people}
    more = {
        a["salesperson_id"]
        for a in shop.appointments
        if a["created_at"] < end and (start <= a["created_at"] or start <= a["at"] < end)
    }
    more |= {r["salesperson_id"] for r in visits} | {r["credited_to_id"] for r in visits}
    lines = people + sorted(((s, shop.name(s)) for s in more - named), key=lambda p: p[1])

    def appt_line(c: Counter[str]) -> dict[str, Any]:
        return {
            "booked": c["booked"],
            "due": c["due"],
            "shown": c["shown"],
            "no_show": c["no_show"],
            "show_rate": _rate(c["shown"], c["shown"] + c["no_show"]),
        }

    def mine(rows: list[dict[str, Any]], sid: int, key: str) -> list[dict[str, Any]]:
        return [r for r in rows if r[key] == sid]

    by_outcome: dict[str, list[int]] = {
        k: [] for k in ("sold", "test_drive", "contact", "no_contact", "no_form")
    }
    for r in ended:
        by_outcome[outcome(r)].append(length(r))
    return {
        "appointments": {
            "grace_minutes": int(shop.setting.get("appointments.grace_minutes", "60")),
            "team": appt_line(appt["team"]),
            "salespeople": [{"id": s, "name": n, **appt_line(appt[s])} for s, n in lines],
        },
        "steps": {
            "codes": codes,
            "names": {c: names.get(c, c) for c in codes},
            "turn_over_step": "manager",
            "team": step_line(visits),
            "salespeople": [
                {"id": s, "name": n, **step_line(mine(visits, s, "salesperson_id"))}
                for s, n in lines
            ],
        },
        "visit_minutes": {
            "wait_alert_minutes": alert,
            "team": minutes_line(ended),
            "salespeople": [
                {"id": s, "name": n, **minutes_line(mine(ended, s, "salesperson_id"))}
                for s, n in lines
            ],
            "by_outcome": {
                k: {"visits": len(v), "median": _middle(v)} for k, v in by_outcome.items()
            },
        },
        "be_backs": {
            "days": back_days,
            "team": backs_line(visits),
            "salespeople": [
                {"id": s, "name": n, **backs_line(mine(visits, s, "credited_to_id"))}
                for s, n in lines
            ],
        },
    }


# ---------------------------------------------------------------------------------------
# Running deskterm's report (the only place deskterm is imported).
# ---------------------------------------------------------------------------------------


def deskterm_report(path: Path, now: datetime, last: date, first: date) -> dict[str, Any]:
    """``deskterm report --format json`` for ``first``..``last``, in process (read-only)."""
    from deskterm.clock import FixedClock
    from deskterm.services.maintenance import open_context
    from deskterm.services.report import as_json, daily_report, manager_sections

    ctx = open_context(path, FixedClock(now), read_only=True, thorough=False)
    try:
        rep = daily_report(ctx, last, first)
        return json.loads(json.dumps(as_json(rep, manager_sections(ctx, rep)), default=str))
    finally:
        ctx.db.close()


def _diff(a: Any, b: Any, where: str = "") -> list[str]:
    """Every place the two JSON values differ (lists compared item by item)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{where}.{k}: only in {'oracle' if k in b else 'deskterm'}")
            else:
                out += _diff(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items vs {len(b)}: {a[:3]} / {b[:3]}"]
        return [
            x
            for i, (p, q) in enumerate(zip(a, b, strict=True))
            for x in _diff(p, q, f"{where}[{i}]")
        ]
    return [] if a == b else [f"{where}: deskterm {a!r} vs oracle {b!r}"]


def agree(path: Path, shop: Shop, now: datetime, last: date, first: date) -> dict[str, Any]:
    got = deskterm_report(path, now, last, first)
    want = oracle_report(shop, now.date(), last, first)
    want.update(oracle_method(shop, now.date(), min(last, now.date()), first))
    people = [(p["id"], p["name"]) for p in want["salespeople"]]
    want.update(oracle_traffic(shop, min(last, now.date()), first, people, now))
    problems = _diff(got, want)
    assert not problems, f"{first}..{last}: " + "\n".join(problems[:20])
    return got


# ---------------------------------------------------------------------------------------
# A generated shop: random past days, weeks and months.
# ---------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 20, 10, 40)  # the generator's "today" (shop time)


def _shops() -> list[str]:
    """The committed sample, and any ``SEED:DAYS`` listed in DESKTERM_ORACLE_GENERATE
    (e.g. ``3:100,11:120``) generated afresh: minutes each, so only on request."""
    extra = os.environ.get("DESKTERM_ORACLE_GENERATE", "")
    # Besides the sample, one shop generated here with another seed: eighty days of seed 7
    # (a seed that once made the generator fail; long enough for a countermeasure to be
    # reviewed and replaced) take about half a minute.
    return ["sample", "7:80", *[x.strip() for x in extra.split(",") if x.strip()]]


@pytest.fixture(scope="module", params=_shops())
def generated(request, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Shop]:
    """A shop ``deskterm demo generate`` made: by default the one it made with its
    defaults, deskterm.db.sample (generating one here takes one to three minutes on a
    busy PC, far over this module's budget). A read-only copy, so the report's
    read-only opening is exercised too."""
    path = tmp_path_factory.mktemp("oracle") / "shop.db"
    if request.param == "sample":
        shutil.copyfile(ROOT / "deskterm.db.sample", path)
    else:
        from tests.ui_helpers import generated_copy

        generated_copy(request.param, path, NOW)
    path.chmod(0o444)
    return path, Shop(path)


def _now(shop: Shop) -> datetime:
    return NOW.replace(tzinfo=shop.zone)


def _past_days(n: int, seed: int, shop: Shop) -> list[date]:
    """``n`` random days strictly between the shop's first day and today."""
    rng = random.Random(seed)
    start = min(r["day"] for r in shop.receptions)
    span = (NOW.date() - start).days
    return sorted(rng.sample([start + timedelta(days=i) for i in range(1, span)], n))


def test_oracle_agrees_on_random_past_days(generated):
    path, shop = generated
    for d in _past_days(20, 1, shop):
        agree(path, shop, _now(shop), d, d)
    agree(path, shop, _now(shop), NOW.date(), NOW.date())  # and today


def test_oracle_agrees_on_random_weeks(generated):
    """20 different ISO weeks (Monday to Sunday; the current one ends today)."""
    path, shop = generated
    start = min(r["day"] for r in shop.receptions)
    monday, mondays = start - timedelta(days=start.weekday()), []
    while monday <= NOW.date():
        mondays.append(monday)
        monday += timedelta(days=7)
    weeks = sorted(random.Random(2).sample(mondays, min(20, len(mondays))))
    for monday in weeks:
        got = agree(path, shop, _now(shop), monday + timedelta(days=6), monday)
        assert got["period"]["to"] <= NOW.date().isoformat()  # never past today


def test_oracle_agrees_on_every_month_and_random_ranges(generated):
    """Every calendar month of the shop (the current one ends today), and 20 random
    ``--from`` ranges of 1 to 90 days."""
    path, shop = generated
    first = min(r["day"] for r in shop.receptions).replace(day=1)
    while first <= NOW.date():
        agree(path, shop, _now(shop), _add_months(first, 1) - timedelta(days=1), first)
        first = _add_months(first, 1)
    rng = random.Random(4)
    for d in _past_days(20, 4, shop):
        agree(path, shop, _now(shop), d, d - timedelta(days=rng.randint(1, 90)))


def test_oracle_agrees_on_random_months_to_date(generated):
    """20 random month reports as they stood on a random day of that month (the 1st to
    that day): a month's report read at any morning meeting of it."""
    path, shop = generated
    for d in _past_days(20, 6, shop):
        agree(path, shop, _now(shop), d, d.replace(day=1))


def test_a_past_day_lists_nobody_who_went_stale_later(generated):
    """Issue 15 (9): nothing on a past day's lists is dated after that day."""
    path, shop = generated
    for d in _past_days(5, 5, shop):
        got = deskterm_report(path, _now(shop), d, d)
        for key in ("at_risk", "to_reassign", "stalled"):
            assert all(i["days_over"] >= 0 for i in got[key]), (d, key)


# ---------------------------------------------------------------------------------------
# A hand-built shop: every answer worked out by hand, and the oracle agrees too.
# ---------------------------------------------------------------------------------------

TODAY = datetime(2026, 6, 20, 10, 0)  # the day the reports are run


def _scenario(ctx, team, clock):  # type: ignore[no-untyped-def]
    """Receptions R1-R5, customers A (wang, hot), B (li, warm), C (li, hot, won 10 Mar).

    2 Mar: wang and li check in. R1 wang: A, 7 of 7 fields, hot (callback 9 Mar).
           R2 li: no contact (refused), saved: 0 of 7. R3 wang: form never saved.
    3 Mar: li checks in. R4 li: B (name, phone, purchase time, level: 4 of 7), warm
           (callback 3 Apr). R5 li: C, 7 of 7, hot, test drive (callback 10 Mar).
           A countermeasure on "refused" dated 3 Mar.
    9 Mar: wang reaches A (stays hot; next callback 16 Mar). 10 Mar: li wins C.
    15 Apr: B comes back (R6, li, still warm) and li types a callback on 15 May: B's
            callback of 3 Apr, overdue, is cancelled and replaced by it.
    Nobody calls A or B again; nothing runs the start of day after 2 Mar.
    """
    from deskterm.services import callbacks, manager, reception, rotation, setup
    from deskterm.services.reception import ReceptionForm

    setup.set_setting(ctx, "shop.timezone", "Asia/Shanghai")
    full = dict(model_interest="SUV", budget="100-150k", companions=[("spouse", "")])

    def walk(hour, form):  # type: ignore[no-untyped-def]
        clock.set(clock.now().replace(tzinfo=None, hour=hour))
        a = rotation.walk_in(ctx)
        if form is not None:
            reception.save_form(ctx, a.reception_id, form)
            rotation.done(ctx, a.salesperson_id)
        return a.salesperson_id

    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    assert (
        walk(10, ReceptionForm(name="A", phone="13900000001", purchase_horizon="1m", **full))
        == team.wang
    )
    assert walk(11, ReceptionForm(contact_left=False, no_contact_reason="refused")) == team.li
    assert walk(12, None) == team.wang
    clock.set(datetime(2026, 3, 3, 9, 0))
    rotation.close_past_days(ctx)
    rotation.check_in(ctx, team.li)
    walk(10, ReceptionForm(name="B", phone="13900000002", purchase_horizon="6m"))
    walk(
        11,
        ReceptionForm(
            name="C", phone="13900000003", purchase_horizon="1m", test_drive=True, **full
        ),
    )
    manager.mark_countermeasure(ctx, "no_contact", "refused", date(2026, 3, 3), "small gift")
    clock.set(datetime(2026, 3, 9, 10, 0))
    [cb] = callbacks.due_callbacks(ctx, team.wang)
    callbacks.complete_callback(ctx, cb.id, "reached")
    clock.set(datetime(2026, 3, 10, 10, 0))
    [cb] = [c for c in callbacks.due_callbacks(ctx, team.li) if c.customer == "C"]
    callbacks.complete_callback(ctx, cb.id, "won")
    clock.set(datetime(2026, 4, 15, 9, 0))
    rotation.close_past_days(ctx)
    rotation.check_in(ctx, team.li)
    # A revisit keeps the open callback unless a date is typed (issue 15, item 1): li
    # types 15 May, which replaces (cancels) the overdue one of 3 April.
    walk(
        10,
        ReceptionForm(
            name="B", phone="13900000002", purchase_horizon="6m", next_callback=date(2026, 5, 15)
        ),
    )
    clock.set(TODAY)


def _line(data, name):  # type: ignore[no-untyped-def]
    return next(p for p in data["salespeople"] if p["name"] == name)


def test_hand_built_shop(ctx, team, clock, tmp_path):
    from deskterm.services.escalation import run_escalations

    _scenario(ctx, team, clock)
    path = Path(ctx.db.path)
    ctx.db.close()
    shop = Shop(path)
    now = TODAY.replace(tzinfo=shop.zone)

    def report(last, first=None):  # type: ignore[no-untyped-def]
        return agree(path, shop, now, last, first or last)

    # 2 March. Receptions: R1-R3, all counted walk-ins; contact: R1 only.
    d = report(date(2026, 3, 2))
    assert d["receptions"] == {
        "total": 3,
        "with_contact": 1,
        "without_contact": 2,
        "uncounted": 0,
        "by_channel": {"walk_in": 3},
    }
    wang, li = _line(d, "王伟"), _line(d, "Li Na")
    # Form (item 7): wang (7 + 0 unsaved) / 14 = 0.5; li 0 / 7; team 7 / 21.
    assert (wang["form_completeness"], li["form_completeness"]) == (0.5, 0.0)
    assert d["team"]["form_completeness"] == round(7 / 21, 4)
    # Conversion (item 11): no win yet; per visitor 0 / 3, with contact 0 / 1.
    assert (d["team"]["conversion_rate"], d["team"]["conversion_rate_with_contact"]) == (0.0, 0.0)
    assert li["conversion_rate_with_contact"] is None  # li's only visitor left no contact
    # Rates window (item 10): a day's rates cover the 30 days ending on it.
    assert d["rates_window"] == {"from": "2026-02-01", "to": "2026-03-02"}

    # 8 March (item 8): tomorrow, A's callback of 9 March was still open (done since).
    d = report(date(2026, 3, 8))
    assert {t["salesperson"]: (t["callbacks"], t["overdue"]) for t in d["tomorrow"]} == {
        "王伟": (1, 0),
        "Li Na": (0, 0),
        "赵敏": (0, 0),
    }

    # 10 March. Due that day: C's callback, done (the win). Window 9 Feb - 10 Mar: first
    # visits R1-R5 = 5, with contact A, B, C = 3, won C = 1.
    d = report(date(2026, 3, 10))
    assert d["callbacks"] == {"due": 1, "done": 1, "overdue": 0}
    assert (d["team"]["conversion_rate"], d["team"]["conversion_rate_with_contact"]) == (
        0.2,  # 1 / 5
        0.3333,  # 1 / 3
    )
    li = _line(d, "Li Na")
    assert (li["won"], li["conversion_rate"], li["conversion_rate_with_contact"]) == (
        1,
        0.3333,  # 1 won / li's first visits R2, R4, R5
        0.5,  # 1 won / li's new customers B, C
    )
    # Forms in the window: R1 7, R2 0, R3 0 (never saved), R4 4, R5 7 = 18 of 35.
    assert d["team"]["form_completeness"] == round(18 / 35, 4)
    assert (d["team"]["hot"], d["team"]["warm"]) == (1, 1)  # A hot, B warm; C won
    # The countermeasure (item 12), 7 days old: too early. Before (3 Dec - 2 Mar): 1
    # refused of 3 receptions = 33.33 per 100, sales 0 won of 3 visitors; since (3 - 10
    # Mar): 0 of 2, sales 1 won (C) of 2 visitors = 50.
    [cm] = d["reasons"]["no_contact"]["countermeasures"]
    assert (cm["days"], cm["too_early"]) == (7, True)
    assert (cm["before_per_100"], cm["after_per_100"]) == (33.33, 0.0)
    assert (cm["sales_before_per_100"], cm["sales_after_per_100"]) == (0.0, 50.0)
    assert report(date(2026, 3, 2))["reasons"]["no_contact"]["countermeasures"] == []

    # The funnel 2-10 March (item 13): 5 received, 3 registered, 1 test drive, 2 hot
    # (A, C), 1 won: hot > test drive, so shares of those received, never a drop-off.
    d = report(date(2026, 3, 10), date(2026, 3, 2))
    fun = d["funnel"]["team"]
    assert [fun[k] for k in ("received", "registered", "test_drive", "hot", "won")] == [
        5,
        3,
        1,
        2,
        1,
    ]
    assert fun["of_received"] == {"registered": 0.6, "test_drive": 0.2, "hot": 0.4, "won": 0.2}
    # A month's rates are the month's own (item 10).
    assert report(date(2026, 3, 31), date(2026, 3, 1))["rates_window"]["from"] == "2026-03-01"

    # 10 April (item 8): B's callback of 3 April was overdue then (cancelled on the 15th)
    # and A's of 16 March: 2 overdue, one each tomorrow. On 20 April only A's is left.
    d = report(date(2026, 4, 10))
    assert d["callbacks"]["overdue"] == 2
    assert {t["salesperson"]: t["overdue"] for t in d["tomorrow"]} == {
        "王伟": 1,
        "Li Na": 1,
        "赵敏": 0,
    }
    assert report(date(2026, 4, 20))["callbacks"]["overdue"] == 1
    # Stalled on 10 April: A since 19 Mar (last contact 9 Mar + 7 + 3 days), 22 days;
    # B since 10 Apr (3 Mar + 1 month + 7 days), 0 days: its visit of the 15th is later.
    d = report(date(2026, 4, 10))
    assert [(i["name"], i["since"], i["days_over"]) for i in d["stalled"]] == [
        ("A", "2026-03-19", 22),
        ("B", "2026-04-10", 0),
    ]

    # 1 June (item 9): A's hot window ends 2 June, B's warm window 3 June: neither yet.
    # Stalled: A 19 Mar (74 days); B's visit of 15 Apr + 1 month + 7 days = 22 May (10).
    d = report(date(2026, 6, 1))
    assert d["at_risk"] == [] and d["to_reassign"] == []
    assert [(i["name"], i["since"], i["days_over"]) for i in d["stalled"]] == [
        ("A", "2026-03-19", 74),
        ("B", "2026-05-22", 10),
    ]
    # 10 June: A at risk since 2 June (8 days), B to reassign since 3 June (7 days); the
    # start of day never ran, so this is computed, not read back. Overdue: A's callback
    # of 16 Mar and B's of 15 May.
    d10 = report(date(2026, 6, 10))
    assert [(i["name"], i["since"], i["days_over"]) for i in d10["at_risk"]] == [
        ("A", "2026-06-02", 8)
    ]
    assert [(i["name"], i["since"], i["days_over"]) for i in d10["to_reassign"]] == [
        ("B", "2026-06-03", 7)
    ]
    assert d10["callbacks"]["overdue"] == 2

    # Now the start of day writes A's status: the same reports, to the field.
    from deskterm.services.maintenance import open_context

    rw = open_context(path, clock, start_of_day=False)
    assert run_escalations(rw).to_at_risk == 1
    rw.db.close()
    shop = Shop(path)
    assert report(date(2026, 6, 10)) == d10
    assert report(date(2026, 6, 1))["at_risk"] == []  # written since, not yet so then


def test_report_is_read_only_and_works_on_a_read_only_file(ctx, team, clock, tmp_path):
    """Item 14: `deskterm report` changes not a byte, even where the start of day
    would write (A is past its window on the 20th), and runs on a 0444 file in a 0555
    folder."""
    import hashlib
    import os
    import subprocess
    import sys

    _scenario(ctx, team, clock)
    path = Path(ctx.db.path)
    ctx.db.close()
    folder = tmp_path / "ro"
    folder.mkdir()
    target = folder / "shop.db"
    shutil.copyfile(path, target)
    target.chmod(0o444)
    folder.chmod(0o555)
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    try:
        env = {**os.environ, "DESKTERM_NOW": TODAY.isoformat(), "PYTHONPATH": str(ROOT)}
        r = subprocess.run(
            [sys.executable, "-m", "deskterm", "--db", str(target), "report", "--format", "json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        data = json.loads(r.stdout)
        assert [i["name"] for i in data["at_risk"]] == ["A"]  # computed
        assert hashlib.sha256(target.read_bytes()).hexdigest() == before
        con = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        assert con.execute("SELECT status FROM customer WHERE name = 'A'").fetchone() == ("active",)
        con.close()
    finally:
        folder.chmod(0o755)


# ---------------------------------------------------------------------------------------
# The traffic log on a hand-built shop: rows put in directly, answers worked out by hand.
# ---------------------------------------------------------------------------------------

TRAFFIC_KEYS = ("appointments", "steps", "visit_minutes", "be_backs")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _utc(d: int, h: int, m: int = 0, s: int = 0, month: int = 3) -> str:
    """A March (or other month's) local Shanghai time as the stored naive-UTC text."""
    local = datetime(2026, month, d, h, m, s, tzinfo=SHANGHAI)
    return local.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _traffic_scenario(ctx, team) -> Path:  # type: ignore[no-untyped-def]
    """Visits, steps, waits, appointments and be-backs, in Shanghai, 1–4 March 2026.

    Customers: K (wang's, first visit 1 Mar, back 2 Mar for appointment A1), T (li's,
    first visit 2 Mar with a test drive, missed A2 on 3 Mar, came 4 Mar and A2 was then
    linked), S (wang's, first visit 3 Mar, sold that day), N (first visit 2 Feb, back 4
    Mar: 30 days), M (first visit 1 Feb, back 4 Mar: 31 days).
    Appointments: A1 kept; A2 missed, linked the next day; A3 cancelled the morning of;
    A4 at 23:30 (grace not passed that evening); A5 late arrival, linked; A6 booked in
    February, never came; A7 the manager's, kept; A8 at 23:00 (grace passes at midnight);
    A9 booked on 3 Mar for 9 Mar.
    """
    from deskterm.services import setup

    setup.set_setting(ctx, "shop.timezone", "Asia/Shanghai")
    path = Path(ctx.db.path)
    ctx.db.close()
    con = sqlite3.connect(path)
    retired = "INSERT INTO reason (kind, code, name_en, name_zh, needs_note, sort, active) "
    con.execute(retired + "VALUES ('step', 'coffee', 'coffee', '咖啡', 0, 99, 0)")
    con.execute(retired + "VALUES ('step', 'unused', 'unused', '未用', 0, 98, 0)")

    def customer(name: str, owner: int, created: str, won: str | None = None) -> int:
        cur = con.execute(
            "INSERT INTO customer (name, level, level_since, status, status_since, owner_id,"
            " owner_since, source_channel, created_at, won_at, notes)"
            " VALUES (?, 'warm', ?, ?, ?, ?, ?, 'walk_in', ?, ?, '')",
            (name, created, "won" if won else "active", created, owner, created, created, won),
        )
        return int(cur.lastrowid or 0)

    def visit(sp: int, d: int, h: int, m: int = 0, month: int = 3, **kw: Any) -> int:
        row = {
            "arrived_at": _utc(d, h, m, month=month),
            "day": date(2026, month, d).isoformat(),
            "channel": "walk_in",
            "salesperson_id": sp,
            "credited_to_id": sp,
            "first_visit": 1,
            "requested": 0,
            "courtesy": 0,
            "counted": 1,
            "test_drive": 0,
            "form_fields_filled": 0,
            "form_fields_total": 0,
            "notes": "",
            **kw,
        }
        cur = con.execute(
            f"INSERT INTO reception ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()),
        )
        return int(cur.lastrowid or 0)

    def ticks(rid: int, at: str, *steps: str) -> None:
        for st in steps:
            con.execute("INSERT INTO reception_step VALUES (?, ?, ?, NULL)", (rid, st, at))

    def appointment(
        sp: int, cid: int, at: str, created: str, status: str = "booked", **kw: Any
    ) -> None:
        con.execute(
            "INSERT INTO appointment (customer_id, salesperson_id, at, note, source, created_at,"
            " status, status_at, reception_id) VALUES (?, ?, ?, '', 'callback', ?, ?, ?, ?)",
            (cid, sp, at, created, status, kw.get("status_at"), kw.get("reception_id")),
        )

    w, li, zhao, boss = team.wang, team.li, team.zhao, team.boss
    k = customer("K", w, _utc(1, 10, 20))
    visit(w, 1, 10, customer_id=k, form_saved_at=_utc(1, 10, 20), ended_at=_utc(1, 10, 30))
    # 2 Mar. R1: K back for A1, waited 4 min (over the 3-minute alert), 50 min 59 s.
    r1 = visit(
        w,
        2,
        10,
        customer_id=k,
        first_visit=0,
        assigned_at=_utc(2, 10, 4),
        ended_at=_utc(2, 10, 50, 59),
        form_saved_at=_utc(2, 10, 40),
    )
    ticks(r1, _utc(2, 10, 5), "greeted", "needs", "walkaround")
    ticks(r1, _utc(3, 9), "quote")  # ticked the next morning: not there on 2 Mar
    appointment(w, k, _utc(2, 10), _utc(1, 11), "shown", status_at=_utc(2, 10, 5), reception_id=r1)
    # R2: T's first visit, a test drive ticked (and a retired step), waited 2 min 30 s.
    t = customer("T", li, _utc(2, 11, 30))
    r2 = visit(
        li,
        2,
        11,
        customer_id=t,
        assigned_at=_utc(2, 11, 2, 30),
        ended_at=_utc(2, 12, 10, 40),  # 70 min 40 s: 70
        form_saved_at=_utc(2, 11, 30),
        test_drive=1,
    )
    ticks(r2, _utc(2, 11, 10), "greeted", "test_drive", "coffee")
    # R3: a visitor who left no contact (form saved), 21 min; R4: no form, 10 min.
    r3 = visit(li, 2, 14, form_saved_at=_utc(2, 14, 20), ended_at=_utc(2, 14, 21))
    ticks(r3, _utc(2, 14, 1), "greeted")
    visit(w, 2, 15, ended_at=_utc(2, 15, 10))
    visit(w, 2, 16, channel="phone", ended_at=_utc(2, 16))  # not a showroom visit
    visit(zhao, 2, 16, 30, counted=0, ended_at=_utc(2, 16, 40))  # an up that doesn't count
    appointment(li, t, _utc(3, 15), _utc(2, 12), "shown", status_at=_utc(4, 11))  # A2
    appointment(w, k, _utc(3, 11), _utc(2, 12), "cancelled", status_at=_utc(3, 9))  # A3
    appointment(w, k, _utc(3, 23, 30), _utc(2, 12))  # A4
    # 3 Mar. S's first visit: sold that day, the manager met them; A5's late arrival.
    s = customer("S", w, _utc(3, 10, 40), won=_utc(3, 17))
    r5 = visit(w, 3, 10, 30, customer_id=s, form_saved_at=_utc(3, 10, 40), ended_at=_utc(3, 12))
    ticks(r5, _utc(3, 10, 35), "greeted", "needs", "quote", "manager")
    appointment(w, s, _utc(3, 9), _utc(2, 9), "shown", status_at=_utc(3, 10, 30), reception_id=r5)
    appointment(zhao, t, _utc(3, 14), _utc(20, 10, month=2))  # A6, booked in February
    appointment(boss, k, _utc(3, 12), _utc(3, 8), "shown", status_at=_utc(3, 12, 10))  # A7
    appointment(li, t, _utc(3, 23), _utc(3, 8))  # A8
    appointment(li, t, _utc(9, 10), _utc(3, 8))  # A9
    r6 = visit(zhao, 3, 16)  # still open: no length
    ticks(r6, _utc(3, 16, 1), "greeted")
    visit(zhao, 3, 17, ended_at=_utc(4, 1))  # ended after midnight: a length on 4 Mar only
    # 4 Mar. T comes back (A2 linked now), N back after 30 days, M after 31.
    visit(li, 4, 11, customer_id=t, first_visit=0, ended_at=_utc(4, 11, 30))
    n = customer("N", li, _utc(2, 10, month=2))
    visit(li, 2, 10, month=2, customer_id=n, form_saved_at=_utc(2, 10, month=2))
    visit(zhao, 4, 12, customer_id=n, first_visit=0, ended_at=_utc(4, 12, 45))
    m = customer("M", li, _utc(1, 10, month=2))
    visit(li, 1, 10, month=2, customer_id=m, form_saved_at=_utc(1, 10, month=2))
    visit(zhao, 4, 13, customer_id=m, first_visit=0, ended_at=_utc(4, 13, 45))
    con.commit()
    con.close()
    return path


TRAFFIC_NOW = datetime(2026, 3, 10, 10, 0)


def traffic_agree(path: Path, shop: Shop, last: date, first: date) -> dict[str, Any]:
    """deskterm's four traffic sections against the oracle's for ``first``..``last``."""
    now = TRAFFIC_NOW.replace(tzinfo=shop.zone)
    got = deskterm_report(path, now, last, first)
    people = [(p["id"], p["name"]) for p in got["salespeople"]]
    want = oracle_traffic(shop, min(last, now.date()), first, people, now)
    problems = _diff({k: got[k] for k in TRAFFIC_KEYS}, want)
    assert not problems, f"{first}..{last}: " + "\n".join(problems[:20])
    return got


def _of(data: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    return next(p for p in data[key]["salespeople"] if p["name"] == name)


def test_traffic_on_a_hand_built_shop(ctx, team):
    path = _traffic_scenario(ctx, team)
    shop = Shop(path)
    days = [date(2026, 3, d) for d in range(1, 6)]
    for d in days:
        traffic_agree(path, shop, d, d)
    for first, last in ((1, 4), (2, 3), (3, 4), (2, 31)):
        traffic_agree(path, shop, date(2026, 3, last), date(2026, 3, first))
    traffic_agree(path, shop, date(2026, 2, 28), date(2026, 2, 1))

    # 2 March: A1 kept; A2, A3, A4, A5 booked that day (due later).
    d = traffic_agree(path, shop, date(2026, 3, 2), date(2026, 3, 2))
    a = d["appointments"]
    assert a["team"] == {"booked": 4, "due": 1, "shown": 1, "no_show": 0, "show_rate": 1.0}
    st = d["steps"]
    # The retired "coffee" shows, it was ticked; "unused" (retired, never ticked) does not.
    assert st["codes"] == [
        "greeted",
        "needs",
        "walkaround",
        "test_drive",
        "quote",
        "manager",
        "coffee",
    ]
    assert st["team"]["visits"] == 4  # the phone arrival and the uncounted up are no visits
    assert st["team"]["quote"] == 0  # ticked the next morning
    assert st["team"]["stopped_at"]["walkaround"] == 1 and st["team"]["stopped_at"]["none"] == 1
    assert st["team"]["stopped_at"]["coffee"] == 1  # the retired step is last in the order
    vm = d["visit_minutes"]
    # 50, 70, 21, 10 minutes: median (21 + 50) / 2; waits 4, 2 (2:30), 0, 0.
    assert vm["team"] == {"visits": 4, "median": 35.5, "wait_median": 1, "waited_over_alert": 1}
    assert vm["by_outcome"]["test_drive"] == {"visits": 1, "median": 70}
    assert vm["by_outcome"]["contact"] == {"visits": 1, "median": 50}
    assert vm["by_outcome"]["no_contact"] == {"visits": 1, "median": 21}
    assert vm["by_outcome"]["no_form"] == {"visits": 1, "median": 10}
    assert d["be_backs"]["team"] == {"first_visits": 3, "be_backs": 1, "rate": round(1 / 3, 4)}

    # 3 March: A2 missed (linked only on the 4th), A3 cancelled, A4 still pending, A5
    # and A7 shown, A6 (booked in February) missed, A8 at 23:00 missed at midnight.
    d = traffic_agree(path, shop, date(2026, 3, 3), date(2026, 3, 3))
    a = d["appointments"]
    assert a["team"] == {"booked": 3, "due": 6, "shown": 2, "no_show": 3, "show_rate": 0.4}
    assert _of(d, "appointments", "Li Na")["no_show"] == 2
    assert _of(d, "appointments", "赵敏")["booked"] == 0  # A6 was booked in February
    boss = _of(d, "appointments", "Chen Manager")  # not a salesperson: a line of their own
    assert (boss["due"], boss["shown"]) == (1, 1)
    assert d["steps"]["codes"][-1] == "manager"  # no retired step ticked that day
    assert d["steps"]["team"]["turn_over_rate"] == round(1 / 3, 4)
    assert d["visit_minutes"]["team"]["visits"] == 1  # one open, one ended after midnight
    assert d["visit_minutes"]["by_outcome"]["sold"] == {"visits": 1, "median": 90}

    # 3 and 4 March together: A2 linked by the end of the 4th is shown now.
    d = traffic_agree(path, shop, date(2026, 3, 4), date(2026, 3, 3))
    assert _of(d, "appointments", "Li Na")["shown"] == 1
    assert d["visit_minutes"]["team"]["visits"] == 5
    # Be-backs: T (2 days), N (30 days); M came back after 31 days: a return, not a be-back.
    assert d["be_backs"]["team"]["be_backs"] == 2
    assert _of(d, "be_backs", "赵敏")["be_backs"] == 1


@pytest.mark.parametrize("mutation", ["median_floor", "grace_off_by_one", "minutes_real"])
def test_a_wrong_rule_fails_the_oracle(ctx, team, mutation):
    """Each rule bent by one (the median floored, the grace one minute longer, minutes
    rounded instead of floored) makes the oracle disagree with deskterm."""
    path = _traffic_scenario(ctx, team)
    shop = Shop(path)
    TRAFFIC_MUTATION.add(mutation)
    try:
        with pytest.raises(AssertionError):
            for first, last in ((2, 2), (3, 3), (2, 4)):
                traffic_agree(path, shop, date(2026, 3, last), date(2026, 3, first))
    finally:
        TRAFFIC_MUTATION.clear()
