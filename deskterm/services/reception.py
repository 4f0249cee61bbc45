"""The reception form (DESIGN.md §1.2): from what was typed to a customer, a level and a callback.

``save_form`` validates every field first and reports all errors at once, each at
its field, so a form never loses what was typed and never stores half of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import select as core_select

from deskterm.domain import rotation as R
from deskterm.domain.clocks import LevelEntry, level_clock_start
from deskterm.domain.escalation import Status
from deskterm.domain.levels import Levels, PurchaseHorizon
from deskterm.domain.phone import normalize_phone
from deskterm.domain.schedule import NextStep, first_callback
from deskterm.domain.text import clean_field
from deskterm.errors import DesktermError, InvalidInput, NotFound, RuleViolation
from deskterm.i18n import N_
from deskterm.services.context import Context, record_audit, snapshot
from deskterm.services.permissions import permission
from deskterm.services.rotation import _append, keep_snapshot, load_state
from deskterm.services.rotation import _day_wanted as rotation_wanted
from deskterm.services.setup import (
    DEFAULT_SETTINGS,
    LEVELS_READ,
    all_staff,
    load_levels,
    load_settings,
)
from deskterm.storage import audit_chain, models, orm, queries
from deskterm.storage.prefetch import Prefetch, take, take_rows
from deskterm.storage.queries import from_stored

if TYPE_CHECKING:
    # Imported where a form is saved (domain.visit, domain.kpi): the desk's first screen
    # reads the arrivals from this module but saves no form (~7 ms of its start).
    from deskterm.domain.visit import VisitForm, VisitOutcome


class Relation(StrEnum):
    """Who came along: the people who influence the purchase."""

    SPOUSE = "spouse"
    PARENT = "parent"
    CHILD = "child"
    FRIEND = "friend"
    COLLEAGUE = "colleague"
    OTHER = "other"
    ALONE = "alone"  # nobody came along: an answer, so the field counts as filled


RELATION_LABELS: dict[Relation, str] = {
    Relation.SPOUSE: N_("spouse"),
    Relation.PARENT: N_("parent"),
    Relation.CHILD: N_("child"),
    Relation.FRIEND: N_("friend"),
    Relation.COLLEAGUE: N_("colleague"),
    Relation.OTHER: N_("other"),
    Relation.ALONE: N_("alone"),
}
CHANNELS: dict[str, str] = {
    "walk_in": N_("walk-in"),
    "phone": N_("phone"),
    "online": N_("online"),
    "marketing": N_("marketing lead"),
}
BUDGETS: dict[str, str] = {
    "<100k": N_("under 100k"),
    "100-150k": N_("100k–150k"),
    "150-200k": N_("150k–200k"),
    "200-300k": N_("200k–300k"),
    "300k+": N_("over 300k"),
}
MAX_COMPANIONS = 6
#: Who decides the purchase among the party (issue 19), in the order the form offers them.
DECIDERS: dict[str, str] = {
    "self": N_("the visitor"),
    "spouse": N_("spouse"),
    "parent": N_("parent"),
    "child": N_("child"),
    "friend": N_("friend"),
    "colleague": N_("colleague"),
    "company": N_("company"),
    "other": N_("other"),
}
#: What the visitor is after: a new car, a used one, or either.
INTERESTS: dict[str, str] = {
    "new": N_("new car"),
    "used": N_("used car"),
    "both": N_("new or used"),
}
#: How many may come in one party (the visitor included).
MAX_PARTY = 20
#: A WeChat ID as WeChat allows it: 6–20 letters, digits, _ or -, starting with a letter.
WECHAT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}")
#: An e-mail address in the shape people write one (no spaces, one @, a dotted domain).
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


class InvalidForm(DesktermError):
    """One or more fields are wrong; ``errors`` maps each field to its error."""

    def __init__(self, errors: dict[str, DesktermError]) -> None:
        self.errors = errors
        super().__init__(N_("Please correct the highlighted fields."))


@dataclass
class ReceptionForm:
    """What was typed on the quick form (raw; ``save_form`` validates it)."""

    name: str = ""
    phone: str = ""
    contact_left: bool = True
    contact_other: str = ""
    no_contact_reason: str | None = None
    no_contact_note: str = ""
    channel: str | None = None  # None: keep the reception's channel
    model_interest: str = ""
    budget: str | None = None
    purchase_horizon: str | None = None
    companions: list[tuple[str, str]] = field(default_factory=list)
    test_drive: bool = False
    level: str | None = None  # None: a revisit keeps its level; new: suggested by the horizon
    next_callback: date | None = None  # None: kept (revisit) or suggested by the level's rule
    notes: str = ""
    replace_name: bool = False  # a revisit: the typed name replaces the one on file
    media: str | None = None  # how they heard of the shop: a code of the "media" list
    party_size: str = ""  # as typed; blank: the companions + 1 (alone: 1), else unknown
    decider: str | None = None  # who decides the purchase: a code of DECIDERS
    interest: str | None = None  # new | used | both


@dataclass(frozen=True)
class SavedForm:
    """The result of saving a form."""

    reception_id: int
    customer_id: int | None
    revisit: bool
    level: str | None
    next_callback: date | None
    next_step: str | None  # callback | marketing | care
    owner_id: int | None
    name_replaced: bool = False
    turn_given_back: bool = False  # rule 6: the walk-in turn was not counted
    offer_handover: bool = False  # the owner is free on the floor: offer to hand over
    owner_name: str | None = None


@dataclass(frozen=True)
class KnownCustomer:
    """A customer found by phone while typing (turns the entry into a revisit)."""

    id: int
    name: str
    phone: str
    level: str
    status: str
    owner_id: int
    owner_name: str
    visits: int
    next_callback: date | None = None  # the open callback a revisit keeps


@permission("reception")
def lookup_phone(ctx: Context, raw: str) -> KnownCustomer | None:
    """The customer with this phone, if any (None also when the phone is not valid yet)."""
    with ctx.db.read() as s:
        try:
            phone = normalize_phone(raw, load_settings(s)["phone.default_country"])
        except InvalidInput:
            return None
        c = s.exec(orm.select(models.Customer).where(models.Customer.phone == phone)).first()
        if c is None or c.id is None:
            return None
        owner = s.get(models.Staff, c.owner_id)
        visits = len(
            s.exec(
                orm.select(models.Reception.id).where(models.Reception.customer_id == c.id)
            ).all()
        )
        return KnownCustomer(
            c.id,
            c.name,
            phone,
            c.level,
            c.status,
            c.owner_id,
            owner.name if owner else "?",
            visits,
            _open_callback(s, ctx, c),
        )


def _reason(
    session: orm.Session,
    kind: str,
    code: str | None,
    note: str,
    field_: str,
    errors: dict[str, DesktermError],
) -> tuple[str | None, str]:
    if not code:
        errors[field_] = InvalidInput("Choose a reason.", field=field_)
        return None, note
    r = session.get(models.Reason, (kind, code))
    if r is None or not r.active:
        errors[field_] = InvalidInput("Unknown reason: {value}.", field=field_, value=code)
        return None, note
    if r.needs_note and not note:
        errors[f"{field_}_note"] = InvalidInput(
            'Say why in the note for "other".', field=f"{field_}_note"
        )
    return code, note


def check_contact_other(text: str) -> str:
    """A WeChat ID or an e-mail address, cleaned; refused otherwise (empty: none)."""
    value = clean_field(text, field="contact_other", max_length=80)
    if value and not (WECHAT_ID.fullmatch(value) or EMAIL.fullmatch(value)):
        raise InvalidInput(
            "Enter a WeChat ID (6–20 letters, digits, _ or -, starting with a letter) or an "
            "e-mail address.",
            field="contact_other",
        )
    return value


def _party_size(raw: str, companions: list[tuple[str, str]]) -> int | None:
    """The party's size as typed (1–20); blank: 1 for "came alone", the companions' kinds
    + 1 otherwise (at least that many came), unknown when nothing was said."""
    text = clean_field(raw, field="party_size", max_length=4)
    if not text:
        if not companions:
            return None
        kinds = {r for r, _n in companions}
        return 1 if kinds == {Relation.ALONE.value} else len(kinds - {Relation.ALONE.value}) + 1
    if not text.isdigit() or not 1 <= int(text) <= MAX_PARTY:
        raise InvalidInput(
            "How many came: a number from 1 to {n}.", field="party_size", n=MAX_PARTY
        )
    return int(text)


def validate_form(
    session: orm.Session,
    ctx: Context,
    form: ReceptionForm,
    levels: Levels,
    contact_on_file: str | None = None,
) -> tuple[dict[str, object], dict[str, DesktermError]]:
    """Clean every field; return the clean values and every error found.

    ``contact_on_file``: the WeChat ID or e-mail already on file for the visit's
    customer, taken as it is (a sheet may have brought another shape) — only new text
    must look like a WeChat ID or an e-mail address."""
    errors: dict[str, DesktermError] = {}
    clean: dict[str, object] = {}

    def take(name: str, fn):  # type: ignore[no-untyped-def]
        try:
            clean[name] = fn()
        except DesktermError as e:
            e.field = e.field or name
            errors[name] = e

    country = load_settings(session)["phone.default_country"]
    take(
        "name",
        lambda: clean_field(form.name, field="name", max_length=40, required=form.contact_left),
    )
    take("notes", lambda: clean_field(form.notes, field="notes", max_length=2000, multiline=True))
    take(
        "model_interest",
        lambda: clean_field(form.model_interest, field="model_interest", max_length=60),
    )
    if contact_on_file and form.contact_other.strip() == contact_on_file:
        clean["contact_other"] = contact_on_file
    else:
        take("contact_other", lambda: check_contact_other(form.contact_other))
    if form.contact_left:
        if form.phone.strip():
            take("phone", lambda: normalize_phone(form.phone, country))
        elif not form.contact_other.strip():
            errors["phone"] = InvalidInput(
                "Enter a phone number, or a WeChat ID or e-mail below.", field="phone"
            )
    else:
        note = ""
        take(
            "no_contact_note",
            lambda: clean_field(form.no_contact_note, field="no_contact_note", max_length=500),
        )
        note = str(clean.get("no_contact_note", ""))
        code, _ = _reason(
            session, "no_contact", form.no_contact_reason, note, "no_contact_reason", errors
        )
        clean["no_contact_reason"] = code
    if form.channel is not None and form.channel not in CHANNELS:
        errors["channel"] = InvalidInput(
            "Unknown channel: {value}.", field="channel", value=form.channel
        )
    clean["media"] = None
    if form.media:
        if session.get(models.Reason, ("media", form.media)) is None:
            errors["media"] = InvalidInput(
                "Unknown medium: {value}.", field="media", value=form.media
            )
        else:
            clean["media"] = form.media
    if form.budget and form.budget not in BUDGETS:
        errors["budget"] = InvalidInput(
            "Unknown budget range: {value}.", field="budget", value=form.budget
        )
    horizon = None
    if form.purchase_horizon:
        try:
            horizon = PurchaseHorizon(form.purchase_horizon)
        except ValueError:
            errors["purchase_horizon"] = InvalidInput(
                "Unknown purchase time: {value}.",
                field="purchase_horizon",
                value=form.purchase_horizon,
            )
    clean["purchase_horizon"] = horizon
    if len(form.companions) > MAX_COMPANIONS:
        errors["companions"] = InvalidInput(
            "At most {n} companions.", field="companions", n=MAX_COMPANIONS
        )
    companions: list[tuple[str, str]] = []
    for rel, note in form.companions:
        if rel not in {r.value for r in Relation}:
            errors["companions"] = InvalidInput(
                "Unknown companion: {value}.", field="companions", value=rel
            )
            continue
        try:
            companions.append((rel, clean_field(note, field="companions", max_length=200)))
        except DesktermError as e:
            errors["companions"] = e
    if len(companions) > 1 and Relation.ALONE.value in {r for r, _n in companions}:
        errors["companions"] = InvalidInput(
            "Came alone, or with someone — not both.", field="companions"
        )
    clean["companions"] = companions
    take("party_size", lambda: _party_size(form.party_size, companions))
    clean.setdefault("party_size", None)
    if form.decider and form.decider not in DECIDERS:
        errors["decider"] = InvalidInput(
            "Unknown decider: {value}.", field="decider", value=form.decider
        )
    clean["decider"] = form.decider or None
    if form.interest and form.interest not in INTERESTS:
        errors["interest"] = InvalidInput(
            "Unknown interest: {value}.", field="interest", value=form.interest
        )
    clean["interest"] = form.interest or None
    level = None
    if form.contact_left:
        if form.level:
            try:
                level = levels.get(form.level).code
            except InvalidInput as e:
                errors["level"] = e
        else:
            level = levels.suggest(horizon or PurchaseHorizon.UNKNOWN).code
    clean["level"] = level
    today = ctx.today()
    if form.next_callback is not None:
        if form.next_callback < today:
            errors["next_callback"] = InvalidInput(
                "The callback date is in the past.", field="next_callback"
            )
        elif form.next_callback > today + timedelta(days=366):
            errors["next_callback"] = InvalidInput(
                "The callback date is more than a year away.", field="next_callback"
            )
    return clean, errors


@permission("reception")
def suggested_callback(ctx: Context, level: str) -> date | None:
    """The callback date the level's rule suggests for a reception today."""
    with ctx.db.read() as s:
        plan = first_callback(load_levels(s).get(level), ctx.today())
    return plan.due


#: session.info: a customer's level history (at, from, to) as a write read it with its
#: lock, by customer id; each level change the write makes is added (keep_history).
_HISTORY = "deskterm.level_history"


def keep_history(
    session: orm.Session, customer_id: int | None, rows: list[tuple[Any, ...]]
) -> None:
    """``rows`` (read with the lock: at, from, to, oldest first) are ``customer_id``'s level
    history for the rest of ``session``'s transaction: no query for it."""
    session.info.setdefault(_HISTORY, {})[customer_id] = list(rows)


def _set_level(
    session: orm.Session,
    ctx: Context,
    cust: models.Customer,
    level: str,
    source: str,
    by_id: int | None = None,
) -> None:
    """Change the level and record who did it: the signed-in person, else ``by_id`` (the
    salesperson at the reception or on the callback)."""
    if cust.level == level:
        return
    who = ctx.actor_id if ctx.actor_id is not None else by_id
    session.add(
        models.LevelChange(
            customer_id=models.saved_id(cust.id),
            from_level=cust.level or None,
            to_level=level,
            at=ctx.now(),
            by_id=who,
            source=source,
        )
    )
    kept = session.info.get(_HISTORY, {})
    if cust.id in kept:
        kept[cust.id].append((ctx.now(), cust.level or None, level))
    cust.level = level
    cust.level_since = _level_clock_since(session, ctx, cust)


def _level_clock_since(session: orm.Session, ctx: Context, cust: models.Customer) -> datetime:
    """When the new level's clock starts: from the level history (the change just
    added included), so a bounce back to a level resumes its clock, never restarts it."""
    start = level_clock_start(_level_history(session, ctx, cust), ctx.local_day(cust.owner_since))
    return ctx.now() if start >= ctx.today() else ctx.day_start(start)


def _level_history(session: orm.Session, ctx: Context, cust: models.Customer) -> list[LevelEntry]:
    """The customer's level changes as days, oldest first (domain.clocks)."""
    kept: dict[int | None, list[tuple[Any, ...]]] = session.info.get(_HISTORY, {})
    if cust.id in kept:  # read with the write's lock, and kept up by _set_level since
        rows: Sequence[tuple[Any, ...]] = [
            (from_stored(at), frm, to) for at, frm, to in kept[cust.id]
        ]
    else:
        rows = session.exec(
            orm.select(
                models.LevelChange.at, models.LevelChange.from_level, models.LevelChange.to_level
            )
            .where(models.LevelChange.customer_id == cust.id)
            .order_by(orm.col(models.LevelChange.at), orm.col(models.LevelChange.id))
        ).all()
    history = [LevelEntry(ctx.local_day(at), to) for at, _, to in rows]
    first = rows[0][1] if rows else cust.level
    if first:  # created without a history row: its first level from creation
        history.insert(0, LevelEntry(ctx.local_day(cust.created_at), first))
    return history


def _apply_interest(
    cust: models.Customer, form: ReceptionForm, clean: dict[str, object], *, set_media: bool
) -> None:
    """What the form says the customer wants (model, budget, when), and the medium that
    brought them when ``set_media``."""
    if clean["model_interest"]:
        cust.model_interest = str(clean["model_interest"])
    if form.budget:
        cust.budget = form.budget
    if clean["purchase_horizon"] is not None:
        cust.purchase_horizon = clean["purchase_horizon"].value  # type: ignore[attr-defined]
    if clean["media"] is not None and set_media:
        cust.media = str(clean["media"])


def reschedule(
    session: orm.Session,
    ctx: Context,
    cust: models.Customer,
    due: date | None,
    owner_id: int,
    *,
    new: bool = False,
    open_now: list[models.Callback] | None = None,
) -> models.Callback | None:
    """Replace the customer's open sales callback with one due on ``due`` (None: none);
    the new callback is returned. ``new``: the customer was created in this transaction
    and has none to replace (no read for it). ``open_now``: their sales callbacks as the
    caller read them with its lock (their status as this transaction left it counts)."""
    for cb in (
        ()
        if new
        else [c for c in open_now if c.status == "open"]
        if open_now is not None
        else session.exec(
            orm.select(models.Callback).where(
                models.Callback.customer_id == cust.id,
                models.Callback.kind == "sales",
                models.Callback.status == "open",
            )
        ).all()
    ):
        # Dated, so a past day's report knows the task was still open at that day's end.
        cb.status, cb.done_at = "cancelled", ctx.now()
    if due is None:
        return None
    cb = models.Callback(
        customer_id=models.saved_id(cust.id),
        salesperson_id=owner_id,
        kind="sales",
        due_at=ctx.day_start(due),
        created_at=ctx.now(),
    )
    session.add(cb)
    return cb


_CUSTOMER_AUDIT = (
    "name",
    "phone",
    "level",
    "status",
    "owner_id",
    "model_interest",
    "budget",
    "purchase_horizon",
)


def _find_customer(
    session: orm.Session, rec: models.Reception, phone: object, other: object = ""
) -> models.Customer | None:
    """The customer this visit is about: the phone on file, else (no phone typed) the
    WeChat ID or e-mail on file, else the reception's own."""
    cust = None
    column, value = ("phone", phone) if phone else ("contact_other", other)
    found = take_rows(session, _by_contact_read(column, value), models.Customer) if value else None
    if found is not None:  # asked for with the lock
        cust = found[0] if found else None
    elif phone:
        cust = session.exec(
            orm.select(models.Customer).where(models.Customer.phone == phone)
        ).first()
    elif other:
        # Several customers may share a WeChat ID or e-mail: the oldest, on every database.
        cust = session.exec(
            orm.select(models.Customer)
            .where(models.Customer.contact_other == other)
            .order_by(orm.col(models.Customer.id))
        ).first()
    if cust is None and rec.customer_id is not None:
        cust = session.get(models.Customer, rec.customer_id)
    return cust


def _open_callback(session: orm.Session, ctx: Context, cust: models.Customer) -> date | None:
    """The due day of the customer's open sales callback, if any."""
    for column in ("phone", "contact_other"):
        value = getattr(cust, column)
        found = take(session, _open_callback_read(column, value)) if value else None
        if found is not None:  # asked for with the lock, by the contact that found them
            mine = [at for at, owner in found if owner == cust.id]
            due = from_stored(mine[0]) if mine else None
            return ctx.local_day(due) if due is not None else None
    due = session.exec(
        orm.select(models.Callback.due_at)
        .where(
            models.Callback.customer_id == cust.id,
            models.Callback.kind == "sales",
            models.Callback.status == "open",
        )
        .order_by(orm.col(models.Callback.due_at))
    ).first()
    return ctx.local_day(due) if due is not None else None


def _walk_in_row(
    session: orm.Session, ctx: Context, rec: models.Reception
) -> tuple[models.RotationEventRow | None, R.RotationState | None]:
    """The counted walk-in turn this reception used today, if it is still on the board,
    and the day's state read to tell (the owner's place on the floor is read from it)."""
    found = take_rows(session, _walk_in_read(rec.id), models.RotationEventRow)
    if rec.day != ctx.today():
        return None, None  # a past day's board is closed and its statistics are kept
    if found is None:
        found = list(session.exec(_walk_in_query(rec)).all())
    row = found[0] if found else None
    if row is None:
        return None, None
    state = load_state(session, rec.day)
    return (None, None) if state.closed else (row, state)


def _walk_in_query(rec: models.Reception) -> Any:
    return (
        orm.select(models.RotationEventRow)
        .where(
            models.RotationEventRow.reception_id == rec.id,
            # A counted turn given by hand is a turn too: a returning customer's visit
            # gives it back as a walk-in's (the form says "no turn used").
            orm.col(models.RotationEventRow.kind).in_(_TURNS),
            orm.col(models.RotationEventRow.undone_at).is_(None),
        )
        .order_by(orm.col(models.RotationEventRow.id))
        .limit(1)
    )


def _owner_on_floor(
    session: orm.Session, rec: models.Reception, owner_id: int, state: R.RotationState | None = None
) -> bool:
    """The owner is on duty and free (or on a break) to take their visitor over
    (``state``: the day's, when the caller read it already)."""
    m = (state or load_state(session, rec.day)).member(owner_id)
    return m is not None and (
        m.state is R.MemberState.READY
        or (m.state is R.MemberState.AWAY and m.away_reason is R.AwayReason.BREAK)
    )


def _visit_form(
    session: orm.Session,
    ctx: Context,
    rec: models.Reception,
    cust: models.Customer | None,
    form: ReceptionForm,
    clean: dict[str, object],
    turn_row: models.RotationEventRow | None,
    state: R.RotationState | None = None,
) -> VisitForm:
    from deskterm.domain.visit import VisitForm

    return VisitForm(
        name=str(clean["name"]),
        receiver_id=rec.salesperson_id,
        credited_id=rec.credited_to_id,
        level=str(clean["level"]) if form.level else None,  # None: keep / suggest
        horizon=clean["purchase_horizon"],  # type: ignore[arg-type]
        next_callback=form.next_callback,
        replace_name=form.replace_name,
        walk_in_turn=turn_row is not None,
        owner_on_floor=(
            cust is not None
            and turn_row is not None
            and cust.owner_id != rec.salesperson_id
            and _owner_on_floor(session, rec, cust.owner_id, state)
        ),
    )


def _new_customer(
    session: orm.Session,
    ctx: Context,
    rec: models.Reception,
    form: ReceptionForm,
    clean: dict[str, object],
    out: VisitOutcome,
) -> models.Customer:
    now = ctx.now()
    cust = models.Customer(
        name=out.name,
        phone=str(clean.get("phone") or "") or None,
        contact_other=str(clean["contact_other"]) or None,
        level=out.level,
        level_since=now,
        status=out.status.value,
        status_since=now,
        owner_id=out.owner_id,
        owner_since=now,
        source_channel=form.channel or rec.channel,
        created_at=now,
        last_contact_at=now,
    )
    _apply_interest(cust, form, clean, set_media=True)  # in its INSERT, not an UPDATE after
    session.add(cust)
    session.flush()
    session.add(
        models.LevelChange(
            customer_id=models.saved_id(cust.id),
            from_level=None,
            to_level=out.level,
            at=now,
            by_id=ctx.actor_id or rec.salesperson_id,
            source="reception",
        )
    )
    session.add(
        models.OwnershipChange(
            customer_id=models.saved_id(cust.id),
            from_owner_id=None,
            to_owner_id=out.owner_id,
            at=now,
            by_id=ctx.actor_id,
            reason="first reception",
        )
    )
    return cust


def _write_customer(
    session: orm.Session,
    ctx: Context,
    rec: models.Reception,
    cust: models.Customer | None,
    form: ReceptionForm,
    clean: dict[str, object],
    out: VisitOutcome,
    correction: bool = False,
) -> models.Customer:
    """Write the visit's decisions on the customer (created when new).  A correction of
    a saved form is no new contact with the customer."""
    now = ctx.now()
    created_now = cust is None
    if cust is None:
        cust = _new_customer(session, ctx, rec, form, clean, out)
    else:
        cust.name = out.name
        if clean.get("phone"):
            cust.phone = str(clean["phone"])
        cust.contact_other = str(clean["contact_other"]) or cust.contact_other
        if not correction:
            cust.last_contact_at = now
        _set_level(session, ctx, cust, out.level, "reception", rec.salesperson_id)
        if cust.status != out.status.value:
            cust.status, cust.status_since = out.status.value, now
        # The medium that registered the customer: set by the form that created them, or
        # a correction of it. A later visit's form never sets it: a sale already counted
        # in a past month would move to another medium (the past reads as it stood).
        _apply_interest(cust, form, clean, set_media=correction and rec.first_visit)
    if out.reschedule:
        reschedule(session, ctx, cust, out.next_callback, out.owner_id, new=created_now)
    return cust


def _give_turn_back(
    session: orm.Session,
    ctx: Context,
    rec: models.Reception,
    row: models.RotationEventRow | None,
    out: VisitOutcome,
) -> bool:
    """Rule 6: the walk-in turn used for an owned customer becomes a requested or
    courtesy reception in the day's log, so the board's replay gives the receiver
    their place back.  Returns True when the turn was given back."""
    from deskterm.domain.visit import Turn

    if row is None or out.turn not in (Turn.REQUESTED, Turn.COURTESY):
        return False
    old_kind, old_other, old_reason, old_note = row.kind, row.other_id, row.reason, row.note
    before: dict[str, object] = {"kind": old_kind, "other_id": old_other}
    if old_kind == R.EventKind.HAND_TURN.value:  # why it was given by hand no longer holds
        before |= {"reason": old_reason, "note": old_note}
        row.reason = row.note = None
    courtesy = out.turn is Turn.COURTESY
    row.kind = (R.EventKind.COURTESY if courtesy else R.EventKind.REQUESTED).value
    row.other_id = out.owner_id if courtesy else None
    try:
        keep_snapshot(session, rec.day)  # the day replayed with the turn given back
    except RuleViolation:
        # The later log does not replay without that turn: keep it counted, as logged.
        row.kind, row.other_id, row.reason, row.note = old_kind, old_other, old_reason, old_note
        keep_snapshot(session, rec.day)
        return False
    rec.requested, rec.courtesy, rec.credited_to_id = True, courtesy, out.owner_id
    record_audit(
        session,
        ctx,
        "rotation.turn_back",
        "rotation_event",
        row.id,
        before,
        {"kind": row.kind, "other_id": row.other_id},
    )
    return True


def _keep_test_drive_in_step(
    session: orm.Session, ctx: Context, rec: models.Reception, test_drive: bool
) -> None:
    """The form's "test drive" and the step ``test_drive`` are one fact. A first save
    that says "no" leaves a step the desk ticked meanwhile (the form opened with "no"
    before anyone asked); a correction (opened with the flag as saved) sets both."""
    from deskterm.services.steps import TEST_DRIVE_STEP, mark

    if test_drive or rec.form_saved_at is not None:
        mark(session, ctx, rec, TEST_DRIVE_STEP, test_drive, source="form")
        rec.test_drive = test_drive


def _companions_filled(companions: list[tuple[str, str]]) -> bool:
    """Someone came along, or "came alone" was recorded: either answers the question."""
    return bool(companions)


def _write_reception(
    session: orm.Session,
    ctx: Context,
    rec: models.Reception,
    form: ReceptionForm,
    clean: dict[str, object],
    cust: models.Customer | None,
) -> tuple[int, bool]:
    """The reception's own fields, companions and form completeness."""
    if cust is not None:
        rec.customer_id = cust.id
        rec.no_contact_reason = None
        rec.no_contact_note = None
        rec.visitor_name = None
    else:
        rec.customer_id = None
        rec.no_contact_reason = str(clean["no_contact_reason"])
        rec.no_contact_note = str(clean.get("no_contact_note", "")) or None
        rec.visitor_name = str(clean["name"]) or None
    if form.channel:
        rec.channel = form.channel
    _keep_test_drive_in_step(session, ctx, rec, form.test_drive)
    rec.party_size = clean["party_size"]  # type: ignore[assignment]
    rec.decider = clean["decider"]  # type: ignore[assignment]
    rec.interest = clean["interest"]  # type: ignore[assignment]
    rec.notes = str(clean["notes"])
    rec.media = str(clean["media"]) if clean["media"] is not None else None
    if rec.form_saved_at is not None:  # a correction: the companions saved before go
        for old in session.exec(
            orm.select(models.Companion).where(models.Companion.reception_id == rec.id)
        ):
            session.delete(old)
    companions: list[tuple[str, str]] = clean["companions"]  # type: ignore[assignment]
    for rel, note in companions:
        session.add(models.Companion(reception_id=models.saved_id(rec.id), relation=rel, note=note))
    present = {
        "name": bool(clean["name"]),
        # A WeChat ID or e-mail is contact left, as a Chinese showroom counts it.
        "phone": bool(clean.get("phone") or clean.get("contact_other")),
        "model_interest": bool(clean["model_interest"]),
        "budget": bool(form.budget),
        "purchase_horizon": clean["purchase_horizon"] is not None,
        "companions": _companions_filled(companions),
        "level": cust is not None,
    }
    from deskterm.domain.kpi import form_completeness

    filled, total = form_completeness(present)
    rec.form_fields_filled, rec.form_fields_total = filled, total
    # Which key fields were left empty: the coaching view counts them per salesperson.
    rec.form_missing = ",".join(k for k, v in present.items() if not v) or None
    first_save = rec.form_saved_at is None
    rec.form_saved_at = ctx.now()
    return filled, first_save


_RECEPTION_READ = "form reception"
_KNOWN_READ = "form known customer"
_REASONS_READ = "form reasons"
#: The shop's default country as the last save here read it: the phone the next save's
#: customer is looked up by, asked for with its lock, is normalised with it (a guess: a
#: save that finds the country changed looks the customer up again).
_COUNTRY_SEEN: dict[str, str] = {}


def _form_wanted(ctx: Context, reception_id: int, form: ReceptionForm) -> Prefetch:
    """What a form's save reads, asked for with its write lock (one round trip on a
    server): the reception, its customer, the customer the phone (or WeChat ID) finds
    and their open callback, the turn the visit used, the levels, the audit's end, and
    ids for what a first save inserts."""
    ask = rotation_wanted(ctx)
    ask.read_table(_RECEPTION_READ, models.Reception, "id = ?", (reception_id,))
    ask.read_table(
        _KNOWN_READ,
        models.Customer,
        "id = (SELECT customer_id FROM reception WHERE id = ?)",
        (reception_id,),
    )
    ask.read_table(
        _walk_in_read(reception_id), models.RotationEventRow, _TURN_WHERE, (reception_id, *_TURNS)
    )
    ask.read(LEVELS_READ, queries.LEVELS_SQL)
    audit_chain.wanted(ask)
    if form.media or not form.contact_left:
        ask.read_table(_REASONS_READ, models.Reason)
    if form.contact_left:
        key = _lookup_guess(ctx, form)
        if key is not None:
            column, value = key
            where = f"{column} = ? ORDER BY id"  # the oldest, as the query below
            ask.read_table(_by_contact_read(column, value), models.Customer, where, (value,))
            ask.read(
                _open_callback_read(column, value),
                _OPEN_CALLBACK_SQL.format(column=column),
                (value,),
            )
        ask.reserve("customer").reserve("level_change").reserve("ownership_change")
        ask.reserve("callback")
    if form.companions:
        ask.reserve("companion", len(form.companions))
    return ask


def _lookup_guess(ctx: Context, form: ReceptionForm) -> tuple[str, str] | None:
    """The column and value the save will look its customer up by, as far as can be
    told before the settings are read (None: no guess; the save looks it up itself)."""
    try:
        if form.phone.strip():
            country = _COUNTRY_SEEN.get(ctx.db.where, DEFAULT_SETTINGS["phone.default_country"])
            return "phone", normalize_phone(form.phone, country)
        if form.contact_other.strip():
            return "contact_other", check_contact_other(form.contact_other)
    except DesktermError:
        return None  # the save says what is wrong with it
    return None


_TURNS = (R.EventKind.WALK_IN.value, R.EventKind.HAND_TURN.value)
_TURN_WHERE = "reception_id = ? AND kind IN (?, ?) AND undone_at IS NULL ORDER BY id LIMIT 1"
#: The open sales callbacks of every customer with a contact, by customer: a WeChat ID
#: or e-mail may be on file for several (a second visitor with a new phone and the same
#: ID), so the one the save finds picks its own.
_OPEN_CALLBACK_SQL = (
    "SELECT cb.due_at, c.id FROM callback AS cb JOIN customer AS c ON c.id = cb.customer_id "
    "WHERE c.{column} = ? AND cb.kind = 'sales' AND cb.status = 'open' "
    "ORDER BY cb.due_at"
)


def _walk_in_read(reception_id: int | None) -> str:
    return f"form turn {reception_id}"


def _by_contact_read(column: str, value: object) -> str:
    return f"form customer {column} {value}"


def _open_callback_read(column: str, value: object) -> str:
    return f"form open callback {column} {value}"


@permission("reception")
def save_form(ctx: Context, reception_id: int, form: ReceptionForm) -> SavedForm:
    """Save (or correct) the form of a reception, in one transaction.

    Load → validate → decide (``domain.visit.judge_visit``) → write → audit.  A phone
    already on file makes this a revisit of that customer (never a duplicate), who
    keeps level, name, owner and callbacks unless the form changes them on purpose,
    and costs the receiver no counted turn (rule 6).
    """
    from deskterm.domain.visit import OnFile, judge_visit

    with ctx.db.write(_form_wanted(ctx, reception_id, form)) as s:
        # What was read with the lock becomes the session's: the gets below send nothing.
        take_rows(s, _RECEPTION_READ, models.Reception)
        take_rows(s, _KNOWN_READ, models.Customer)
        take_rows(s, _REASONS_READ, models.Reason)
        rec = s.get(models.Reception, reception_id)
        if rec is None:
            raise NotFound("No reception #{id}.", field="reception", id=reception_id)
        levels = load_levels(s)
        known = s.get(models.Customer, rec.customer_id) if rec.customer_id is not None else None
        clean, errors = validate_form(
            s, ctx, form, levels, known.contact_other if known is not None else None
        )
        if errors:
            raise InvalidForm(errors)
        cust: models.Customer | None = None
        out: VisitOutcome | None = None
        turn_back = False
        # Correcting a saved form about the customer it created or found: the visit is
        # already judged (level, owner, turn); what is typed now corrects the record.
        correcting = rec.form_saved_at is not None and rec.customer_id is not None
        if form.contact_left:
            cust = _find_customer(s, rec, clean.get("phone"), clean.get("contact_other"))
            if correcting and cust is not None and cust.id != rec.customer_id:
                where = "phone" if clean.get("phone") else "contact_other"
                raise InvalidForm(
                    {
                        where: InvalidInput(
                            "This phone is on file for {name}, another customer: correct "
                            "the digits, or change that customer in Customers (F4).",
                            field="phone",
                            name=cust.name,
                        )
                        if where == "phone"
                        else InvalidInput(
                            "This WeChat ID or e-mail is on file for {name}, another customer.",
                            field="contact_other",
                            name=cust.name,
                        )
                    }
                )
            own = correcting and cust is not None
            on_file = None
            if cust is not None:
                on_file = OnFile(
                    cust.name,
                    cust.level,
                    Status(cust.status),
                    cust.owner_id,
                    _open_callback(s, ctx, cust),
                )
            # A correction never moves the turn again: it was settled at the first save.
            turn_row, state = (None, None) if own else _walk_in_row(s, ctx, rec)
            visit = _visit_form(s, ctx, rec, cust, form, clean, turn_row, state)
            if own and rec.first_visit:
                # The customer this form created: the typed name is the correction. (A
                # revisit's name on file still changes only by "replace".)
                visit = replace(visit, replace_name=True)
            out = judge_visit(on_file, visit, levels, ctx.today())
            before = snapshot(cust, _CUSTOMER_AUDIT) if cust else None
            cust = _write_customer(s, ctx, rec, cust, form, clean, out, correction=own)
            if out.revisit and not own:
                rec.first_visit = False
            turn_back = _give_turn_back(s, ctx, rec, turn_row, out)
            record_audit(
                s,
                ctx,
                "customer.save" if before else "customer.create",
                "customer",
                cust.id,
                before,
                snapshot(cust, _CUSTOMER_AUDIT),
            )
        filled, first_save = _write_reception(s, ctx, rec, form, clean, cust)
        record_audit(
            s,
            ctx,
            "reception.form" if first_save else "reception.form_edit",
            "reception",
            rec.id,
            None,
            {"customer_id": rec.customer_id, "filled": filled},
        )
        assert rec.id is not None
        # The transaction's staff (on a server, read with its lock): no query of its own.
        owner = next((st for st in all_staff(s) if cust and st.id == cust.owner_id), None)
        _COUNTRY_SEEN[ctx.db.where] = load_settings(s)["phone.default_country"]
        return SavedForm(
            rec.id,
            cust.id if cust else None,
            out.revisit if out else False,
            cust.level if cust else None,
            out.next_callback if out and out.next_step is NextStep.CALLBACK else None,
            out.next_step.value if out else None,
            cust.owner_id if cust else None,
            name_replaced=bool(out and out.name_replaced),
            turn_given_back=turn_back,
            offer_handover=bool(out and out.offer_handover and turn_back),
            owner_name=owner.name if owner else None,
        )


@permission("rotation")
def hand_over(ctx: Context, reception_id: int) -> str:
    """Hand a courtesy visitor over to their owner, who is free on the floor (rule 6).

    The receiver is free again with their place kept (the visit used no turn); the
    owner takes the visitor as a requested reception.  Returns the owner's name.
    """
    with ctx.db.write() as s:
        rec = s.get(models.Reception, reception_id)
        if rec is None:
            raise NotFound("No reception #{id}.", field="reception", id=reception_id)
        if not rec.courtesy or rec.ended_at is not None or rec.day != ctx.today():
            raise RuleViolation("Only a visitor still with another salesperson can be handed over.")
        owner_id, receiver_id = rec.credited_to_id, rec.salesperson_id
        if not _owner_on_floor(s, rec, owner_id):
            raise RuleViolation("The owner is not free on the floor.")
        state = load_state(s, rec.day)
        # The done names the visit too: undone alone it would leave two people with one
        # visitor, and that link is how rotation._plan refuses it.
        done = R.RotationEvent(R.EventKind.DONE, ctx.now(), receiver_id)
        state = _append(s, ctx, state, done, rec.id).state
        _append(s, ctx, state, R.RotationEvent(R.EventKind.REQUESTED, ctx.now(), owner_id), rec.id)
        rec.salesperson_id, rec.courtesy = owner_id, False
        record_audit(
            s,
            ctx,
            "reception.hand_over",
            "reception",
            rec.id,
            {"salesperson_id": receiver_id},
            {"salesperson_id": owner_id},
        )
        owner = s.get(models.Staff, owner_id)
        return owner.name if owner else "?"


@dataclass(frozen=True)
class ReceptionView:
    """A line of today's arrivals log."""

    id: int
    arrived_at: datetime
    channel: str
    salesperson: str
    customer: str | None
    first_visit: bool
    requested: bool
    courtesy: bool
    counted: bool
    uncounted_kind: str | None
    form_saved: bool
    has_contact: bool
    no_contact_reason: str | None
    ended: bool
    salesperson_id: int = 0  # who received the visit (the board's row for them)


@permission("rotation")
def arrivals(ctx: Context, day: date | None = None) -> list[ReceptionView]:
    """The day's arrivals, newest first."""
    day = day or ctx.today()
    with ctx.db.read() as s:
        names: dict[int | None, str] = {st.id: st.name for st in all_staff(s)}
        # The columns shown, not a Reception and a Customer object per row: the list
        # grows with the day, and it is read at every reload of the Reception screen.
        rows = (
            s.connection()
            .execute(
                core_select(  # SQLModel's select types at most four columns
                    orm.col(models.Reception.id),
                    orm.col(models.Reception.arrived_at),
                    orm.col(models.Reception.channel),
                    orm.col(models.Reception.salesperson_id),
                    orm.col(models.Customer.name),
                    orm.col(models.Reception.visitor_name),
                    orm.col(models.Reception.first_visit),
                    orm.col(models.Reception.requested),
                    orm.col(models.Reception.courtesy),
                    orm.col(models.Reception.counted),
                    orm.col(models.Reception.uncounted_kind),
                    orm.col(models.Reception.form_saved_at),
                    orm.col(models.Customer.id),
                    orm.col(models.Reception.no_contact_reason),
                    orm.col(models.Reception.ended_at),
                )
                .join(models.Customer, isouter=True)
                .where(orm.col(models.Reception.day) == day)
                .order_by(orm.col(models.Reception.id).desc())
            )
            .all()
        )
        return arrival_views(rows, names)


def arrival_views(
    rows: Iterable[Sequence[Any]], names: Mapping[int | None, str]
) -> list[ReceptionView]:
    """The day's arrivals from rows of :data:`deskterm.storage.queries.DESK_ARRIVALS_SQL`'s
    columns (as the ORM or a driver gives them: moments stored or aware, flags 0/1)."""
    return [
        ReceptionView(
            rid or 0,
            from_stored(arrived_at),  # type: ignore[arg-type]  # never NULL
            channel,
            names.get(sid, "?"),
            customer_name if customer_id is not None else visitor_name,
            bool(first_visit),
            bool(requested),
            bool(courtesy),
            bool(counted),
            uncounted_kind,
            form_saved_at is not None,
            customer_id is not None,
            no_contact_reason,
            ended_at is not None,
            sid,
        )
        for (
            rid,
            arrived_at,
            channel,
            sid,
            customer_name,
            visitor_name,
            first_visit,
            requested,
            courtesy,
            counted,
            uncounted_kind,
            form_saved_at,
            customer_id,
            no_contact_reason,
            ended_at,
        ) in rows
    ]


@permission("reception")
def form_prefill(ctx: Context, reception_id: int) -> tuple[ReceptionForm | None, int | None]:
    """What the form of this reception opens with, and the customer it corrects.

    A saved form comes back as saved (the customer on file, the visit's companions,
    test drive and notes) with its customer's id: a correction, which changes only what
    is edited.  A reception with a customer but no saved form yet (a returning one, a
    form left with Esc) opens with the customer as on file.  Otherwise nothing: a new
    visitor.  The callback date is left empty: an open callback stays unless a new date
    is typed."""
    from deskterm.domain.phone import display_phone

    with ctx.db.read() as s:
        rec = s.get(models.Reception, reception_id)
        if rec is None:
            raise NotFound("No reception #{id}.", field="reception", id=reception_id)
        cust = s.get(models.Customer, rec.customer_id) if rec.customer_id is not None else None
        phone = display_phone(cust.phone) if cust and cust.phone else ""
        if rec.form_saved_at is None:
            if cust is None:
                return None, None
            return (
                ReceptionForm(
                    name=cust.name,
                    phone=phone,
                    contact_other=cust.contact_other or "",
                    model_interest=cust.model_interest or "",
                    level=cust.level,
                    media=cust.media,
                ),
                None,
            )
        companions = [
            (c.relation, c.note)
            for c in s.exec(
                orm.select(models.Companion)
                .where(models.Companion.reception_id == rec.id)
                .order_by(orm.col(models.Companion.id))
            ).all()
        ]
        form = ReceptionForm(
            name=cust.name if cust else (rec.visitor_name or ""),
            phone=phone,
            contact_left=cust is not None,
            contact_other=(cust.contact_other or "") if cust else "",
            no_contact_reason=rec.no_contact_reason,
            no_contact_note=rec.no_contact_note or "",
            channel=rec.channel,
            model_interest=(cust.model_interest or "") if cust else "",
            budget=cust.budget if cust else None,
            purchase_horizon=cust.purchase_horizon if cust else None,
            companions=companions,
            test_drive=rec.test_drive,
            level=cust.level if cust else None,
            notes=rec.notes,
            media=rec.media,
            party_size=str(rec.party_size) if rec.party_size else "",
            decider=rec.decider,
            interest=rec.interest,
        )
        return form, rec.customer_id
