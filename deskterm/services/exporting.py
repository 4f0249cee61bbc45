"""Exports for Excel: customers, receptions and callbacks, to CSV (UTF-8 with BOM) or .xlsx.

Headers are in the current language and match what the import recognises, so an
exported customer list can be edited in Excel and imported back (merged by phone).
Rows are streamed from the database to the file: a dealer group's 200,000 customers
never sit in memory as one list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from deskterm.domain.escalation import STATUS_LABELS
from deskterm.domain.levels import HORIZON_LABELS, Levels
from deskterm.domain.phone import display_phone
from deskterm.domain.schedule import OUTCOME_LABELS
from deskterm.domain.sheet import Cell
from deskterm.errors import InvalidInput, StorageError
from deskterm.i18n import N_, _, get_language
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.services.reception import BUDGETS, CHANNELS, DECIDERS, INTERESTS
from deskterm.services.setup import load_levels
from deskterm.storage.models import Callback, Customer, Reason, Reception, Staff
from deskterm.storage.private import private_folder
from deskterm.storage.sheets import check_target, write_sheet

_BATCH = 2000  # rows fetched at a time while streaming


class ExportKind(StrEnum):
    """What can be exported."""

    CUSTOMERS = "customers"
    RECEPTIONS = "receptions"
    CALLBACKS = "callbacks"


EXPORT_LABELS: dict[ExportKind, str] = {
    ExportKind.CUSTOMERS: N_("Customers"),
    ExportKind.RECEPTIONS: N_("Receptions"),
    ExportKind.CALLBACKS: N_("Callbacks"),
}
CALLBACK_STATUS_LABELS = {"open": N_("open"), "done": N_("done"), "cancelled": N_("cancelled")}


def _label(table: dict[Any, str], code: str | None) -> str:
    if code is None:
        return ""
    for key, text in table.items():
        if str(key) == code:
            return _(text)
    return code


def _level(levels: Levels, code: str | None) -> str:
    if not code:
        return ""
    try:
        return levels.get(code).name
    except InvalidInput:
        return code


def _media_names(s: Session) -> dict[str, str]:
    """Every medium's name in the language in force, a retired one's too (issue 18)."""
    zh = get_language() == "zh"
    return {
        r.code: (r.name_zh if zh else r.name_en)
        for r in s.exec(select(Reason).where(Reason.kind == "media")).all()
    }


def _medium(names: dict[str, str], code: str | None) -> str:
    """A medium as the sheet shows it: its name; the code of one no longer on the list;
    empty when the form named none (the import reads each of these back)."""
    return names.get(code, code) if code else ""


def _phone(p: str | None) -> str:
    # The readable form: Excel keeps "138 0013 8000" as text, but turns "+8613800138000"
    # into 8.61E+12 and "01062345678" into 1062345678. A landline is split after its area
    # code (010 6234 5678, 0755 8612 3456) for the same reason. The import reads any form.
    if not p:
        return ""
    shown = display_phone(p)
    if shown.startswith("0") and shown.isdigit() and len(shown) > 8:
        area = 3 if shown[1] in "12" else 4  # 010, 02x; else 0xxx
        rest = shown[area:]
        half = len(rest) // 2
        return (
            f"{shown[:area]} {rest[:half]} {rest[half:]}"
            if len(rest) > 7
            else (f"{shown[:area]} {rest}")
        )
    return shown


def check_path(path: Path) -> None:
    """Refuse, before any work, a file name that cannot be exported to."""
    check_target(path)


@permission("export")
def export(
    ctx: Context,
    kind: ExportKind,
    path: Path,
    first: date | None = None,
    last: date | None = None,
    *,
    make_folder: bool = False,
) -> int:
    """Write ``kind`` to ``path`` (.csv or .xlsx); receptions and callbacks optionally within
    [first, last]; ``make_folder`` creates the file's folder. Returns the rows written."""
    if first and last and last < first:
        raise InvalidInput("The period ends before it starts.", field="from")
    check_path(path)
    if make_folder:
        try:
            private_folder(path.parent)
        except OSError as exc:
            raise StorageError(
                "Cannot write {path}: {error}.", path=str(path), error=exc.strerror or str(exc)
            ) from exc
    with ctx.db.read() as s:
        levels = load_levels(s)
        names = {st.id: st.name for st in s.exec(select(Staff)).all()}
        headers, rows = {
            ExportKind.CUSTOMERS: _customers,
            ExportKind.RECEPTIONS: _receptions,
            ExportKind.CALLBACKS: _callbacks,
        }[kind](s, ctx, levels, names, first, last)
        count = write_sheet(path, headers, rows)
    with ctx.db.write() as s:
        record_audit(s, ctx, "export", kind.value, None, None, {"file": path.name, "rows": count})
    return count


Rows = tuple[list[str], Iterator[list[Cell]]]
Exporter = Callable[[Session, Context, Levels, dict[Any, str], date | None, date | None], Rows]


def _stream(s: Session, stmt: Any) -> Iterator[Any]:
    yield from s.exec(stmt.execution_options(yield_per=_BATCH))


def _day(ctx: Context, at: datetime | None) -> date | None:
    return ctx.local_day(at) if at else None


def _customers(
    s: Session,
    ctx: Context,
    levels: Levels,
    names: dict[Any, str],
    first: date | None,
    last: date | None,
) -> Rows:
    headers = [
        _("name"),
        _("phone"),
        _("other contact"),
        _("level"),
        _("salesperson"),
        _("status"),
        _("source"),
        _("model"),
        _("budget"),
        _("purchase time"),
        _("first visit"),
        _("last contact"),
        _("next callback"),
        _("notes"),
        # Appended last: sheets made from older exports still line up (issue 18).
        _("heard of us"),
    ]
    next_due = (
        select(func.min(Callback.due_at))
        .where(
            Callback.customer_id == Customer.id, Callback.status == "open", Callback.kind == "sales"
        )
        .correlate(Customer)
        .scalar_subquery()
    )
    # sqlmodel's select() is typed for at most four columns (fastapi/sqlmodel#271).
    stmt = select(  # type: ignore[call-overload, misc]
        Customer.name,
        Customer.phone,
        Customer.contact_other,
        Customer.level,
        Customer.owner_id,
        Customer.status,
        Customer.source_channel,
        Customer.model_interest,
        Customer.budget,
        Customer.purchase_horizon,
        Customer.created_at,
        Customer.last_contact_at,
        next_due,
        Customer.notes,
        Customer.media,
    ).order_by(col(Customer.id))
    if first:
        stmt = stmt.where(Customer.created_at >= ctx.day_range_utc(first)[0])
    if last:
        stmt = stmt.where(Customer.created_at < ctx.day_range_utc(last)[1])
    media_names = _media_names(s)

    def rows() -> Iterator[list[Cell]]:
        for (
            name,
            phone,
            other,
            level,
            owner,
            status,
            source,
            model,
            budget,
            horizon,
            created,
            contact,
            due,
            notes,
            media,
        ) in _stream(s, stmt):
            yield [
                name,
                _phone(phone),
                other,
                _level(levels, level),
                names.get(owner, ""),
                _label(STATUS_LABELS, status),
                _label(CHANNELS, source),
                model,
                _label(BUDGETS, budget),
                _label(HORIZON_LABELS, horizon),
                _day(ctx, created),
                _day(ctx, contact),
                _day(ctx, due),
                notes,
                _medium(media_names, media),
            ]

    return headers, rows()


def _receptions(
    s: Session,
    ctx: Context,
    levels: Levels,
    names: dict[Any, str],
    first: date | None,
    last: date | None,
) -> Rows:
    headers = [
        _("date"),
        _("time"),
        _("channel"),
        _("salesperson"),
        _("name"),
        _("phone"),
        _("first visit"),
        _("counted"),
        _("form saved"),
        _("no-contact reason"),
        _("test drive"),
        _("notes"),
        _("heard of us"),  # appended last, as in the customers export
        # Issue 19, appended after it: the visit as a traffic log records it.
        _("arrived at"),  # not "arrived": that is an expected visitor's state
        _("assigned at"),
        _("ended at"),
        _("party size"),
        _("who decides"),
        _("new / used"),
    ]
    stmt = (
        # sqlmodel's select() is typed for at most four columns (fastapi/sqlmodel#271).
        select(  # type: ignore[call-overload, misc]
            Reception.day,
            Reception.arrived_at,
            Reception.channel,
            Reception.salesperson_id,
            Customer.name,
            Customer.phone,
            Reception.visitor_name,
            Reception.first_visit,
            Reception.counted,
            Reception.form_saved_at,
            Reception.no_contact_reason,
            Reception.test_drive,
            Reception.notes,
            Reception.media,
            Reception.assigned_at,
            Reception.ended_at,
            Reception.party_size,
            Reception.decider,
            Reception.interest,
        )
        .join(Customer, col(Reception.customer_id) == Customer.id, isouter=True)
        .order_by(col(Reception.arrived_at))
    )
    if first:
        stmt = stmt.where(Reception.day >= first)
    if last:
        stmt = stmt.where(Reception.day <= last)
    yes, no = _("yes"), _("no")
    # The reason's name in the language, as the form showed it (not "not_asked").
    zh = get_language() == "zh"
    reasons = {
        r.code: (r.name_zh if zh else r.name_en)
        for r in s.exec(select(Reason).where(Reason.kind == "no_contact")).all()
    }
    media_names = _media_names(s)

    def clock(when: datetime | None) -> str:
        """A time of the visit's day, to the second (the wait and the length read off it)."""
        return when.astimezone(ctx.clock.zone).strftime("%H:%M:%S") if when else ""

    def rows() -> Iterator[list[Cell]]:
        for (
            day,
            at,
            channel,
            sid,
            cname,
            phone,
            visitor,
            first_v,
            counted,
            saved,
            reason,
            drive,
            notes,
            media,
            assigned,
            ended,
            party,
            decider,
            interest,
        ) in _stream(s, stmt):
            yield [
                day,
                at.astimezone(ctx.clock.zone).strftime("%H:%M"),
                _label(CHANNELS, channel),
                names.get(sid, ""),
                cname or visitor or "",
                _phone(phone),
                yes if first_v else no,
                yes if counted else no,
                yes if saved else no,
                reasons.get(reason, reason) if reason else "",
                yes if drive else no,
                notes,
                _medium(media_names, media),
                clock(at),
                clock(assigned),
                clock(ended),
                party,
                _label(DECIDERS, decider),
                _label(INTERESTS, interest),
            ]

    return headers, rows()


def _callbacks(
    s: Session,
    ctx: Context,
    levels: Levels,
    names: dict[Any, str],
    first: date | None,
    last: date | None,
) -> Rows:
    headers = [
        _("due"),
        _("salesperson"),
        _("name"),
        _("phone"),
        _("kind"),
        _("status"),
        _("done"),
        _("outcome"),
        _("level before"),
        _("level after"),
        _("notes"),
    ]
    stmt = (
        # sqlmodel's select() is typed for at most four columns (fastapi/sqlmodel#271).
        select(  # type: ignore[call-overload, misc]
            Callback.due_at,
            Callback.salesperson_id,
            Customer.name,
            Customer.phone,
            Callback.kind,
            Callback.status,
            Callback.done_at,
            Callback.outcome,
            Callback.level_before,
            Callback.level_after,
            Callback.note,
        )
        .join(Customer, Callback.customer_id == Customer.id)
        .order_by(col(Callback.due_at))
    )
    if first:
        stmt = stmt.where(Callback.due_at >= ctx.day_range_utc(first)[0])
    if last:
        stmt = stmt.where(Callback.due_at < ctx.day_range_utc(last)[1])
    kinds = {"sales": N_("sales"), "care": N_("care"), "marketing": N_("marketing contact")}

    def rows() -> Iterator[list[Cell]]:
        for due, sid, cname, phone, kind, status, done, outcome, before, after, note in _stream(
            s, stmt
        ):
            yield [
                _day(ctx, due),
                names.get(sid, ""),
                cname,
                _phone(phone),
                _label(kinds, kind),
                _label(CALLBACK_STATUS_LABELS, status),
                _day(ctx, done),
                _label(OUTCOME_LABELS, outcome),
                _level(levels, before),
                _level(levels, after),
                note,
            ]

    return headers, rows()
