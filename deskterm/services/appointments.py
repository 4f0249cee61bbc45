"""Appointments (invitations to visit): booked from a callback or a lead's contact,
expected at the desk, kept when the visitor comes, a no-show when the time passes.

Each use-case is one transaction. ``book_in`` runs inside the caller's (the callback
tick-off, the marketing contact), so the contact and its appointment commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from deskterm.domain import appointments as A
from deskterm.domain.escalation import Status
from deskterm.domain.text import clean_field
from deskterm.errors import DesktermError, NotFound, RuleViolation
from deskterm.services.context import Context, record_audit, snapshot
from deskterm.services.permissions import permission
from deskterm.services.reception import InvalidForm, reschedule
from deskterm.services.rotation import Arrival, returning_arrival
from deskterm.services.setup import DEFAULT_SETTINGS, load_settings
from deskterm.storage import models, orm, queries
from deskterm.storage.queries import from_stored

SOURCES = ("callback", "lead", "desk")
#: The rotation's refusal when nobody can receive a visitor (services.rotation).
NOBODY_FREE = "Nobody is free to receive a customer."
_AUDITED = ("status", "status_at", "reception_id", "no_show_callback_id", "salesperson_id")


@dataclass(frozen=True)
class ExpectedView:
    """One of the day's appointments as the Reception screen shows it."""

    id: int
    customer_id: int
    customer: str
    owner_id: int  # who expects the visitor
    owner: str
    at: datetime  # local, aware
    model: str | None
    note: str
    status: str  # the record: booked | shown | no_show
    desk: str  # domain.appointments.DeskState: expected | late | no_show | arrived
    reception_id: int | None


def _visit_time(ctx: Context, value: date | datetime) -> datetime:
    """A typed day (and time) as an aware moment at the shop; a day alone books at
    :data:`~deskterm.domain.appointments.DEFAULT_TIME`."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ctx.clock.zone)
    return datetime.combine(value, A.DEFAULT_TIME, ctx.clock.zone)


def grace(session: orm.Session) -> timedelta:
    """The shop's minutes after an appointment's time before it is a no-show."""
    return _grace_in(load_settings(session))


def _grace_in(settings: dict[str, str]) -> timedelta:
    return timedelta(minutes=int(settings["appointments.grace_minutes"]))


def _times(appt: models.Appointment) -> A.Times:
    return A.Times(appt.at, A.AppointmentStatus(appt.status), appt.status_at)


def _clean_booking(
    ctx: Context, at: date | datetime, model: str | None, note: str
) -> tuple[datetime, str | None, str]:
    """Validate what a booking was typed with; every error under its field."""
    errors: dict[str, DesktermError] = {}
    moment = _visit_time(ctx, at)
    try:
        A.check_visit_time(moment, ctx.now())
    except DesktermError as e:
        errors["appointment"] = e
    clean_model: str | None = None
    try:
        clean_model = clean_field(model, field="model", max_length=60) or None
    except DesktermError as e:
        errors["model"] = e
    clean_note = ""
    try:
        clean_note = clean_field(note, field="note", max_length=500, multiline=True)
    except DesktermError as e:
        errors["note"] = e
    if errors:
        raise InvalidForm(errors)
    return moment, clean_model, clean_note


def book_in(
    session: orm.Session,
    ctx: Context,
    customer_id: int,
    at: date | datetime,
    model: str | None = None,
    note: str = "",
    source: str = "desk",
    callback_id: int | None = None,
) -> models.Appointment:
    """Book the customer's visit inside the caller's transaction (the caller checked the
    permission). The customer's owner expects them — for a lead not handed out yet, the
    manager who owns it until the meeting.

    A customer has one appointment ahead at a time: booking again cancels the earlier
    one (dated); one whose time already passed unsettled becomes a no-show without a
    callback of its own (the customer is being spoken to now).
    """
    if source not in SOURCES:
        raise RuleViolation("Unknown source: {value}.", field="source", value=source)
    moment, clean_model, clean_note = _clean_booking(ctx, at, model, note)
    cust = session.get(models.Customer, customer_id)
    if cust is None:
        raise NotFound("No customer #{id}.", field="customer", id=customer_id)
    now = ctx.now()
    wait = grace(session)
    for old in session.exec(
        orm.select(models.Appointment).where(
            models.Appointment.customer_id == customer_id, models.Appointment.status == "booked"
        )
    ).all():
        before = snapshot(old, _AUDITED)
        if A.due_for_settling(_times(old), now, wait):
            old.status, action = A.AppointmentStatus.NO_SHOW.value, "appointment.no_show"
        else:
            old.status, action = A.AppointmentStatus.CANCELLED.value, "appointment.cancel"
        old.status_at = now
        record_audit(session, ctx, action, "appointment", old.id, before, snapshot(old, _AUDITED))
    appt = models.Appointment(
        customer_id=models.saved_id(cust.id),
        salesperson_id=cust.owner_id,
        at=moment,
        model=clean_model,
        note=clean_note,
        source=source,
        callback_id=callback_id,
        created_at=now,
        created_by=ctx.actor_id,
        status=A.AppointmentStatus.BOOKED.value,
        status_at=now,
    )
    session.add(appt)
    session.flush()
    record_audit(
        session,
        ctx,
        "appointment.book",
        "appointment",
        appt.id,
        None,
        {
            "customer": cust.id,
            "at": moment,
            "salesperson_id": cust.owner_id,
            "source": source,
            "model": clean_model,
        },
    )
    return appt


@permission("reception")
def expected(ctx: Context, day: date | None = None) -> list[ExpectedView]:
    """The day's appointments not cancelled (booked, shown or no-show), by time."""
    day = day or ctx.today()
    start, end = ctx.day_range_utc(day)
    now = ctx.now()
    zone = ctx.clock.zone
    # On the driver, settings and rows in one snapshot: the screen reads this every few
    # seconds, and the ORM's join and objects cost more than the few rows it shows.
    setting_rows, rows = ctx.db.read_batch(
        [(queries.DESK_SETTINGS_SQL, ()), (queries.EXPECTED_SQL, (start, end))]
    )
    settings = {**DEFAULT_SETTINGS, **{str(k): str(v) for k, v in setting_rows}}
    wait = _grace_in(settings)
    views = []
    for row in rows:
        aid, customer_id, customer, owner_id, owner, at, model, note, status, status_at, rid = row
        moment = from_stored(at) or now  # a NOT NULL column: never None
        times = A.Times(moment, A.AppointmentStatus(status), from_stored(status_at))
        views.append(
            ExpectedView(
                aid,
                customer_id,
                customer,
                owner_id,
                owner,
                moment.astimezone(zone),
                model,
                note,
                status,
                A.desk_state(times, now, wait).value,
                rid,
            )
        )
    return views


@permission("rotation")
def arrive(ctx: Context, appointment_id: int) -> Arrival:
    """The invited visitor came: the visit is recorded as a returning customer's (rule 6:
    to the owner without a turn, next-up as a courtesy when the owner is away), linked to
    the appointment, which is kept. A no-show who turns up late is kept too."""
    with ctx.db.write() as s:
        appt = s.get(models.Appointment, appointment_id)
        if appt is None:
            raise NotFound("No appointment #{id}.", field="appointment", id=appointment_id)
        if appt.status == A.AppointmentStatus.SHOWN.value:
            raise RuleViolation("This visitor has already arrived; the visit is on the list.")
        if appt.status == A.AppointmentStatus.CANCELLED.value:
            raise RuleViolation(
                "This appointment was cancelled; receive the visitor as a returning customer."
            )
        if ctx.local_day(appt.at) != ctx.today():
            raise RuleViolation(
                "This appointment is for {day}; receive the visitor as a returning customer.",
                day=ctx.local_day(appt.at).isoformat(),
            )
        before = snapshot(appt, _AUDITED)
        try:
            arrival = returning_arrival(s, ctx, appt.customer_id)
        except RuleViolation as e:
            if e.msgid != NOBODY_FREE:
                raise
            # Nothing is recorded: say that the appointment stays open and what to do.
            cust = s.get(models.Customer, appt.customer_id)
            raise RuleViolation(
                "Nobody is free to receive {name} yet: the appointment stays open; press a "
                "again as soon as someone is free.",
                name=cust.name if cust else "?",
            ) from e
        appt.salesperson_id = arrival.credited_to_id  # the owner now (see ``expected``)
        appt.reception_id = arrival.reception_id
        appt.status, appt.status_at = A.AppointmentStatus.SHOWN.value, ctx.now()
        record_audit(
            s, ctx, "appointment.arrive", "appointment", appt.id, before, snapshot(appt, _AUDITED)
        )
        return arrival


def keep_todays(session: orm.Session, ctx: Context, customer_id: int, reception_id: int) -> None:
    """A customer received with ``r`` who was expected today keeps the appointment: the
    visit is linked as ``arrive`` would have (inside the caller's transaction), so
    pressing the other key does not leave a no-show behind."""
    start, end = ctx.day_range_utc(ctx.today())
    appt = session.exec(
        orm.select(models.Appointment)
        .where(
            models.Appointment.customer_id == customer_id,
            orm.col(models.Appointment.status).in_(("booked", "no_show")),
            models.Appointment.at >= start,
            models.Appointment.at < end,
        )
        .order_by(orm.col(models.Appointment.at))
    ).first()
    if appt is None:
        return
    before = snapshot(appt, _AUDITED)
    appt.reception_id = reception_id
    appt.status, appt.status_at = A.AppointmentStatus.SHOWN.value, ctx.now()
    record_audit(
        session, ctx, "appointment.arrive", "appointment", appt.id, before, snapshot(appt, _AUDITED)
    )


@permission("system")
def settle_no_shows(ctx: Context) -> int:
    """Every booked appointment whose time and grace passed becomes a no-show, and its
    customer's owner has a sales callback due today; idempotent. Returns how many."""
    now = ctx.now()
    # Every open desk asks this each minute: only a read when nothing is due, so no
    # write lock is taken and no change is signalled to the other desks (each write
    # moves the showroom's change marker: every screen of the showroom reloads).
    with ctx.db.read() as s:
        wait = grace(s)
        if (
            s.exec(
                orm.select(models.Appointment.id)
                .where(models.Appointment.status == "booked", models.Appointment.at <= now - wait)
                .limit(1)
            ).first()
            is None
        ):
            return 0
    with ctx.db.write() as s:
        wait = grace(s)
        due = s.exec(
            orm.select(models.Appointment)
            .where(models.Appointment.status == "booked", models.Appointment.at <= now - wait)
            .order_by(orm.col(models.Appointment.at), orm.col(models.Appointment.id))
        ).all()
        for appt in due:
            before = snapshot(appt, _AUDITED)
            appt.status, appt.status_at = A.AppointmentStatus.NO_SHOW.value, now
            cust = s.get(models.Customer, appt.customer_id)
            # A customer won meanwhile is customer care's: no sales callback for them.
            if cust is not None:
                appt.salesperson_id = cust.owner_id  # the owner now (see ``expected``)
            if cust is not None and cust.status != Status.WON.value:
                cb = reschedule(s, ctx, cust, ctx.today(), cust.owner_id)
                if cb is not None:
                    s.flush()
                    appt.no_show_callback_id = cb.id
            record_audit(
                s,
                ctx,
                "appointment.no_show",
                "appointment",
                appt.id,
                before,
                snapshot(appt, _AUDITED),
            )
        return len(due)


@permission("reception")
def cancel(ctx: Context, appointment_id: int) -> None:
    """The customer will not come: the appointment is cancelled (dated)."""
    with ctx.db.write() as s:
        appt = s.get(models.Appointment, appointment_id)
        if appt is None:
            raise NotFound("No appointment #{id}.", field="appointment", id=appointment_id)
        if appt.status == A.AppointmentStatus.SHOWN.value:
            raise RuleViolation("This visitor has already arrived; the visit is on the list.")
        if appt.status == A.AppointmentStatus.CANCELLED.value:
            raise RuleViolation("This appointment is already cancelled.")
        before = snapshot(appt, _AUDITED)
        appt.status, appt.status_at = A.AppointmentStatus.CANCELLED.value, ctx.now()
        record_audit(
            s, ctx, "appointment.cancel", "appointment", appt.id, before, snapshot(appt, _AUDITED)
        )
