"""Where visitors come from (issue 18): the month's spend per medium, entered by the
manager, beside the visitors, contacts and sales each medium brought (the rules are in
``domain.media``). The list of media is a pick list the manager keeps
(``services.reasons`` with kind ``media``)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from deskterm.domain.media import MediaRow, parse_amount, spend_to_date, total_row
from deskterm.domain.targets import previous_month
from deskterm.errors import InvalidInput
from deskterm.i18n import get_language
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.storage.models import Customer, MediaSpend, Reason, Reception


@dataclass(frozen=True)
class MediaReport:
    """Every medium's month, from its first day to ``last``."""

    month: date  # the first of the month
    last: date  # the period's last day (the month's last, or the day asked)
    rows: list[MediaRow]  # the shop's media in list order, then "not recorded"
    names: dict[str, str]  # code -> name in the language in force
    total: MediaRow

    def name(self, code: str | None) -> str:
        """A medium's name; the code itself for one no longer on the list."""
        return self.names.get(code, code) if code is not None else ""


def _medium(s: Session, code: str) -> Reason:
    r = s.get(Reason, ("media", code))
    if r is None:
        raise InvalidInput("Unknown medium: {value}.", field="media", value=code)
    return r


@permission("manage")
def set_spend(ctx: Context, month: date, media: str, amount: str | int) -> int:
    """Set (or change) what was spent on ``media`` in ``month``; returns the amount.

    ``amount`` as typed (``12,000``, ``1.2万``) or a whole number; 0 records that nothing
    was spent (a free medium still shows its cost per visitor as 0)."""
    value = parse_amount(str(amount))
    month = month.replace(day=1)
    with ctx.db.write() as s:
        _medium(s, media)
        row = s.get(MediaSpend, (month, media))
        before = None if row is None else {"amount": row.amount}
        if row is None:
            row = MediaSpend(
                month=month, media=media, amount=value, set_by=ctx.actor_id, set_at=ctx.now()
            )
            s.add(row)
        else:
            row.amount, row.set_by, row.set_at = value, ctx.actor_id, ctx.now()
        record_audit(
            s,
            ctx,
            "media.spend",
            "media_spend",
            None,
            before,
            {"month": month.isoformat()[:7], "media": media, "amount": value},
        )
    return value


@permission("manage")
def clear_spend(ctx: Context, month: date, media: str) -> bool:
    """Remove a month's spend on ``media`` (not known, rather than 0); False if none."""
    month = month.replace(day=1)
    with ctx.db.write() as s:
        row = s.get(MediaSpend, (month, media))
        if row is None:
            return False
        record_audit(
            s,
            ctx,
            "media.clear",
            "media_spend",
            None,
            {"month": month.isoformat()[:7], "media": media, "amount": row.amount},
            None,
        )
        s.delete(row)
        return True


@permission("manage")
def copy_spend(ctx: Context, month: date) -> int:
    """Carry the month before's spend into ``month`` for every medium that has none there
    yet (a subscription costs the same each month); returns how many were copied."""
    month = month.replace(day=1)
    source = previous_month(month)
    copied = 0
    with ctx.db.write() as s:
        for old in s.exec(select(MediaSpend).where(MediaSpend.month == source)).all():
            if s.get(MediaSpend, (month, old.media)) is not None:
                continue
            s.add(
                MediaSpend(
                    month=month,
                    media=old.media,
                    amount=old.amount,
                    set_by=ctx.actor_id,
                    set_at=ctx.now(),
                )
            )
            copied += 1
        if copied:
            record_audit(
                s,
                ctx,
                "media.copy",
                "media_spend",
                None,
                None,
                {"from": source.isoformat()[:7], "to": month.isoformat()[:7], "copied": copied},
            )
    return copied


def media_in(s: Session, ctx: Context, month: date, last: date | None = None) -> MediaReport:
    """The media report inside an open session (the meeting report reads it with its own
    figures, in one snapshot)."""
    month = month.replace(day=1)
    month_last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    # A month runs to its last day or to today, whichever comes first: a month not yet
    # begun has spent nothing and brought nobody (its spend may be entered ahead).
    last = min(month_last, ctx.today()) if last is None else min(last, month_last)
    zh = get_language() == "zh"
    listed = s.exec(
        select(Reason).where(Reason.kind == "media").order_by(col(Reason.sort), col(Reason.code))
    ).all()
    names = {r.code: (r.name_zh if zh else r.name_en) for r in listed}
    spend = {
        m: a
        for m, a in s.exec(
            select(MediaSpend.media, MediaSpend.amount).where(MediaSpend.month == month)
        ).all()
    }
    start, end = ctx.day_range_utc(month, last)
    visitors: dict[str | None, int] = {}
    contacts: dict[str | None, int] = {}
    # A form saved after the period had named no medium by its end: "not recorded" then
    # (a past month reads as it stood, as the meeting report does).
    for media, with_contact, saved in s.exec(
        select(  # type: ignore[call-overload]
            Reception.media, col(Reception.customer_id).is_not(None), Reception.form_saved_at
        ).where(
            Reception.day >= month,
            Reception.day <= last,
            Reception.counted == True,  # noqa: E712
            Reception.first_visit == True,  # noqa: E712
        )
    ).all():
        key = media if saved is not None and saved < end else None
        visitors[key] = visitors.get(key, 0) + 1
        if with_contact:
            contacts[key] = contacts.get(key, 0) + 1
    sales: dict[str | None, int] = {
        media: n
        for media, n in s.exec(
            select(Customer.media, func.count())
            .where(col(Customer.won_at) >= start, col(Customer.won_at) < end)
            .group_by(Customer.media)
        ).all()
    }
    # The shop's list, active or retired, where it has anything this month; an active
    # medium always (the manager enters its spend here); then codes no longer on the
    # list, then the visitors whose form named none.
    seen = set(visitors) | set(sales) | set(spend)
    codes: list[str | None] = [r.code for r in listed if r.active or r.code in seen]
    codes += sorted(c for c in seen if c is not None and c not in names)
    if None in seen:
        codes.append(None)
    rows = [
        MediaRow(
            code,
            spend.get(code) if code is not None else None,
            spend_to_date(spend.get(code), month, last) if code is not None else None,
            visitors.get(code, 0),
            contacts.get(code, 0),
            sales.get(code, 0),
        )
        for code in codes
    ]
    return MediaReport(month, last, rows, names, total_row(rows))


def row_json(r: MediaRow) -> dict[str, int | None]:
    """One medium's figures as the report JSON has them (README: ``media``)."""
    return {
        "spend_month": r.spend_month,
        "spend_to_date": r.spend_to_date,
        "visitors": r.visitors,
        "contacts": r.contacts,
        "sales": r.sales,
        "cost_per_visitor": r.cost_per_visitor,
        "cost_per_sale": r.cost_per_sale,
    }


def as_json(report: MediaReport, not_recorded: str) -> dict[str, Any]:
    """The report JSON's ``media`` (``not_recorded``: the name of the row of visitors
    whose form named no medium, in the language in force)."""
    return {
        "month": report.month.isoformat()[:7],
        "last": report.last.isoformat(),
        "sources": [
            {
                "code": r.code,
                "name": report.name(r.code) if r.code is not None else not_recorded,
                **row_json(r),
            }
            for r in report.rows
        ],
        "total": row_json(report.total),
    }


@permission("meeting")
def media_report(ctx: Context, month: date, last: date | None = None) -> MediaReport:
    """Each medium's spend, visitors, contacts and sales in ``month`` (up to ``last``)."""
    with ctx.db.read() as s:
        return media_in(s, ctx, month, last)


@permission("meeting")
def spend_set(ctx: Context, month: date) -> dict[str, int]:
    """The spend entered for ``month``, by medium (what the manager's table edits)."""
    with ctx.db.read() as s:
        return {
            m: a
            for m, a in s.exec(
                select(MediaSpend.media, MediaSpend.amount).where(
                    MediaSpend.month == month.replace(day=1)
                )
            ).all()
        }
