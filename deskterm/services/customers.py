"""Customers: search, timeline, reassignment, won and lost."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from deskterm.domain.escalation import Status
from deskterm.domain.phone import normalize_phone, phone_search_digits
from deskterm.domain.text import clean_field, clean_text, search_key
from deskterm.errors import DesktermError, InvalidInput, NotFound, RuleViolation
from deskterm.services.context import Context, record_audit, snapshot
from deskterm.services.permissions import permission
from deskterm.services.reception import InvalidForm, ReceptionForm, _reason, reschedule
from deskterm.storage import queries
from deskterm.storage.models import (
    Callback,
    Customer,
    LevelChange,
    OwnershipChange,
    Reception,
    Staff,
    saved_id,
)


@dataclass(frozen=True)
class CustomerView:
    """A customer line in a list or search result."""

    id: int
    name: str
    phone: str | None
    level: str
    status: str
    owner_id: int
    owner: str
    model_interest: str | None
    last_contact_at: datetime | None
    #: A search hit on the whole phone number (set by :func:`search` only): that
    #: customer and nobody else, so a picker may take it without showing a list.
    exact_phone: bool = False
    #: The whole name as typed (case, full width and spaces aside; set by :func:`search`).
    #: Unlike a phone a name is not unique: a picker takes it alone only when it is the
    #: only hit, and never guesses between two customers of the same name.
    exact_name: bool = False
    #: The WeChat ID or e-mail on file (a returning customer's form opens with it).
    contact_other: str | None = None


def _views(session, rows: list[Customer]) -> list[CustomerView]:  # type: ignore[no-untyped-def]
    names = {s.id: s.name for s in session.exec(select(Staff)).all()}
    return [
        CustomerView(
            c.id or 0,
            c.name,
            c.phone,
            c.level,
            c.status,
            c.owner_id,
            names.get(c.owner_id, "?"),
            c.model_interest,
            c.last_contact_at,
            contact_other=c.contact_other,
        )
        for c in rows
    ]


#: The longest search text: longer than any name (40) or phone, short of any SQL limit.
SEARCH_MAX = 100


@permission("customers", "reception")
def search(ctx: Context, text: str, limit: int = 50) -> list[CustomerView]:
    """Customers whose name contains ``text`` or whose phone contains its digits, best
    match first: the exact phone, then names equal to the text, starting with it, with it
    as a whole word, containing it, and phones containing its digits; most recently
    contacted first within each rank ("Hans" finds Hans Müller before Ole Hansen)."""
    # Full-width letters and digits, doubled spaces and invisible characters are what an
    # IME or a paste adds; the stored names were cleaned the same way when saved.
    typed = clean_text(text).value
    if len(typed) > SEARCH_MAX:
        # A pasted page is no name or phone; and SQLite refuses long LIKE patterns. The
        # limit is on what was typed (the box's own): NFKC may spell a character out in
        # several ("℠" is "SM"), and 90 typed characters must not be "more than 100".
        raise InvalidInput("A search is at most {n} characters.", field="search", n=SEARCH_MAX)
    text = unicodedata.normalize("NFKC", typed)
    if not text:
        return []
    digits = phone_search_digits(text)
    phone_like = len(digits) >= 3 and all(ch.isdigit() or ch in " +-()" for ch in text)
    # One column per search, and instr() where case does not matter: on a dealer group's
    # 200,000 customers this halves the scan (see the benchmark).
    # Plain SQL on a driver cursor (storage.queries): on a dealer group's 200,000
    # customers the ORM's own work was a third of the time of a rare fragment's search.
    # Each statement on its own (the setting, the hits, the whole phone need not see one
    # moment): a search runs at every key typed, and on a server this spares two round
    # trips of three.
    with ctx.db.read_cursor(snapshot=False) as cur:
        # The shop's country spells a whole phone out.
        country = queries.setting_value(cur, "phone.default_country") if phone_like else None
        if phone_like and country is None:
            from deskterm.services.setup import DEFAULT_SETTINGS

            country = DEFAULT_SETTINGS["phone.default_country"]
        exact = _whole_phone(text, country) if country is not None else None
        key = search_key(text)
        any_case = any("a" <= ch.lower() <= "z" for ch in text)
        if phone_like:
            # Digits: every hit ranks alike but the whole phone, which is read on its own.
            rows = queries.customer_search_rows(
                cur, name=None, name_any_case=any_case, digits=digits, limit=limit
            )
            if exact is not None and all(r[2] != exact for r in rows):
                rows += queries.customer_by_phone_rows(cur, exact)
        else:
            # A name: more hits than shown, so the best matches are ranked in among the
            # most recent ones (a prefix match contacted long ago must not fall behind the
            # limit). Where the hits were cut at the most recent, customers of this very
            # name contacted longer ago (the one 王伟 among a dealer group's hundreds of
            # 王伟x) are read too, so a whole name is never missed and never guessed
            # between (on a server in the same round trip).
            rows, same_name = queries.customer_name_search_rows(
                cur,
                name=text,
                name_any_case=any_case,
                digits=digits if len(digits) >= 3 else None,
                limit=limit * _SEARCH_WIDEN,
                whole_limit=limit,
            )
            seen = {r[0] for r in rows}
            rows += [r for r in same_name if r[0] not in seen]
    # Each name's key once (cleaning is the costly part of ranking), then the order:
    # the best rank first, recency kept within a rank (the sort is stable).
    keyed = [(search_key(r[1]), r) for r in rows]
    keyed.sort(key=lambda kr: _rank(kr[0], kr[1][2], key, exact))
    return [
        CustomerView(
            cid,
            name,
            phone,
            level,
            status,
            owner_id,
            owner,
            model,
            queries.from_stored(last),
            exact_phone=exact is not None and phone == exact,
            exact_name=name_key == key,
        )
        for name_key, (cid, name, phone, level, status, owner_id, owner, model, last) in keyed[
            :limit
        ]
    ]


#: How many more hits than asked for the search reads to rank them.
_SEARCH_WIDEN = 4
_WORDS = re.compile(r"[\w']+")


def _whole_phone(text: str, country: str) -> str | None:
    """The canonical phone ``text`` spells out in full, or None (a fragment, a name)."""
    try:
        return normalize_phone(text, country)
    except DesktermError:
        return None


def _rank(name: str, phone: str | None, needle: str, exact_phone: str | None) -> int:
    """0 exact phone, 1 same name, 2 name starts with the text as a whole word ("Hans"
    in "Hans Müller"), 3 name starts with it ("Hansi"), 4 a whole word later in the
    name ("Peter Hans"), 5 name contains it ("Ole Hansen"), 6 anything else (digits).
    ``name`` and ``needle`` are search keys."""
    if exact_phone is not None and phone == exact_phone:
        return 0
    if name == needle:
        return 1
    whole_word = needle in _WORDS.findall(name)
    if name.startswith(needle):
        return 2 if whole_word else 3
    if whole_word:
        return 4
    return 5 if needle in name else 6


@permission("customers")
def get_customer(ctx: Context, customer_id: int) -> CustomerView:
    """One customer."""
    with ctx.db.read() as s:
        c = s.get(Customer, customer_id)
        if c is None:
            raise NotFound("No customer #{id}.", field="customer", id=customer_id)
        return _views(s, [c])[0]


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to a customer."""

    at: datetime
    kind: str  # reception | callback | care | marketing | level | owner
    text: str  # plain facts with codes (for a log or a test); screens show ``facts``
    by: str | None
    #: The codes behind ``text`` (channel, outcome, levels, reason, note), which a screen
    #: turns into words: a person never reads ``no_answer``.
    facts: dict[str, Any] = field(default_factory=dict)


@permission("customers")
def timeline(ctx: Context, customer_id: int) -> list[TimelineEntry]:
    """The customer's whole history, oldest first."""
    with ctx.db.read() as s:
        if s.get(Customer, customer_id) is None:
            raise NotFound("No customer #{id}.", field="customer", id=customer_id)
        names = {st.id: st.name for st in s.exec(select(Staff)).all()}
        out: list[TimelineEntry] = []
        for r in s.exec(select(Reception).where(Reception.customer_id == customer_id)).all():
            out.append(
                TimelineEntry(
                    r.arrived_at,
                    "reception",
                    f"{r.channel}{' test-drive' if r.test_drive else ''}",
                    names.get(r.salesperson_id),
                    {"channel": r.channel, "test_drive": bool(r.test_drive)},
                )
            )
        for cb in s.exec(select(Callback).where(Callback.customer_id == customer_id)).all():
            if cb.status != "done" or cb.done_at is None:
                continue
            if cb.kind == "sales":
                out.append(
                    TimelineEntry(
                        cb.done_at,
                        "callback",
                        f"{cb.outcome} {cb.level_before}→{cb.level_after} {cb.note}".strip(),
                        names.get(cb.salesperson_id),
                        {
                            "outcome": cb.outcome,
                            "from": cb.level_before,
                            "to": cb.level_after,
                            "note": cb.note,
                        },
                    )
                )
            else:  # care and marketing contacts leave the level alone
                out.append(
                    TimelineEntry(
                        cb.done_at,
                        cb.kind,
                        f"{cb.outcome} {cb.note}".strip(),
                        names.get(cb.salesperson_id),
                        {"outcome": cb.outcome, "note": cb.note},
                    )
                )
        for lc in s.exec(select(LevelChange).where(LevelChange.customer_id == customer_id)).all():
            out.append(
                TimelineEntry(
                    lc.at,
                    "level",
                    f"{lc.from_level or '-'}→{lc.to_level}",
                    names.get(lc.by_id) if lc.by_id else None,
                    {"from": lc.from_level, "to": lc.to_level},
                )
            )
        for oc in s.exec(
            select(OwnershipChange).where(OwnershipChange.customer_id == customer_id)
        ).all():
            out.append(
                TimelineEntry(
                    oc.at,
                    "owner",
                    f"{names.get(oc.from_owner_id, '-') if oc.from_owner_id else '-'}→"
                    f"{names.get(oc.to_owner_id, '?')}: {oc.reason}",
                    names.get(oc.by_id) if oc.by_id else None,
                    {
                        "from_name": names.get(oc.from_owner_id, "-") if oc.from_owner_id else "-",
                        "to_name": names.get(oc.to_owner_id, "?"),
                        "reason": oc.reason,
                    },
                )
            )
        return sorted(out, key=lambda e: e.at)


@permission("manage")
def reassign(ctx: Context, customer_id: int, to_id: int, reason: str) -> CustomerView:
    """Give a customer to another salesperson, with a reason; open callbacks follow."""
    why = clean_field(reason, field="reason", max_length=200, required=True)
    with ctx.db.write() as s:
        c = s.get(Customer, customer_id)
        if c is None:
            raise NotFound("No customer #{id}.", field="customer", id=customer_id)
        to = s.get(Staff, to_id)
        if to is None or not to.active or to.role not in ("salesperson", "manager"):
            raise InvalidInput("Choose an active salesperson or the manager.", field="owner")
        if c.owner_id == to_id:
            raise RuleViolation("{name} already owns this customer.", field="owner", name=to.name)
        before = snapshot(c, ("owner_id", "status"))
        now = ctx.now()
        s.add(
            OwnershipChange(
                customer_id=saved_id(c.id),
                from_owner_id=c.owner_id,
                to_owner_id=to_id,
                at=now,
                by_id=ctx.actor_id,
                reason=why,
            )
        )
        c.owner_id, c.owner_since = to_id, now
        for cb in s.exec(
            select(Callback).where(
                Callback.customer_id == c.id, Callback.kind == "sales", Callback.status == "open"
            )
        ).all():
            cb.salesperson_id = to_id
        record_audit(
            s,
            ctx,
            "customer.reassign",
            "customer",
            c.id,
            before,
            {**snapshot(c, ("owner_id", "status")), "reason": why},
        )
        return _views(s, [c])[0]


@permission("manage")
def mark_lost(ctx: Context, customer_id: int, reason: str, note: str = "") -> CustomerView:
    """Mark a customer lost with a required reason (a note for "other"); to marketing's pool."""
    errors: dict[str, DesktermError] = {}
    with ctx.db.write() as s:
        c = s.get(Customer, customer_id)
        if c is None:
            raise NotFound("No customer #{id}.", field="customer", id=customer_id)
        code, clean_note = _reason(s, "lost", reason, note.strip(), "lost_reason", errors)
        if errors:
            raise InvalidForm(errors)
        if c.status in (Status.WON.value, Status.LOST.value):
            raise RuleViolation("This customer is already {status}.", status=c.status)
        before = snapshot(c, ("status", "lost_reason"))
        now = ctx.now()
        c.status, c.status_since, c.lost_at = Status.LOST.value, now, now
        c.lost_reason, c.lost_note = code, clean_note or None
        reschedule(s, ctx, c, None, c.owner_id)
        record_audit(
            s,
            ctx,
            "customer.lost",
            "customer",
            c.id,
            before,
            snapshot(c, ("status", "lost_reason")),
        )
        return _views(s, [c])[0]


@permission("manage")
def mark_won(ctx: Context, customer_id: int) -> CustomerView:
    """Mark a customer won: they leave the sales lists and join customer care."""
    with ctx.db.write() as s:
        c = s.get(Customer, customer_id)
        if c is None:
            raise NotFound("No customer #{id}.", field="customer", id=customer_id)
        if c.status == Status.WON.value:
            raise RuleViolation("This customer is already {status}.", status=c.status)
        from deskterm.services.callbacks import win

        before = snapshot(c, ("status",))
        reschedule(s, ctx, c, None, c.owner_id)
        win(s, ctx, c)
        record_audit(s, ctx, "customer.won", "customer", c.id, before, snapshot(c, ("status",)))
        return _views(s, [c])[0]


@permission("customers")
def customers_by_status(
    ctx: Context, status: str, owner_id: int | None = None
) -> list[CustomerView]:
    """Customers in one status (e.g. at_risk), optionally of one owner."""
    try:
        Status(status)
    except ValueError:
        raise InvalidInput("Unknown status: {value}.", field="status", value=status) from None
    with ctx.db.read() as s:
        q = select(Customer).where(Customer.status == status)
        if owner_id is not None:
            q = q.where(Customer.owner_id == owner_id)
        return _views(
            s, list(s.exec(q.order_by(col(Customer.status_since), col(Customer.id))).all())
        )


@dataclass(frozen=True)
class CustomerDetails:
    """The editable fields of a customer."""

    id: int
    name: str
    phone: str | None
    model_interest: str | None
    budget: str | None
    purchase_horizon: str | None
    level: str
    notes: str


@permission("customers")
def get_details(ctx: Context, customer_id: int) -> CustomerDetails:
    """A customer's editable fields."""
    with ctx.db.read() as s:
        c = s.get(Customer, customer_id)
        if c is None:
            raise NotFound("No customer #{id}.", field="customer", id=customer_id)
        return CustomerDetails(
            c.id or 0,
            c.name,
            c.phone,
            c.model_interest,
            c.budget,
            c.purchase_horizon,
            c.level,
            c.notes,
        )


@permission("customers")
def edit_customer(ctx: Context, customer_id: int, form: ReceptionForm) -> CustomerView:
    """Correct a customer's details with the same validation as the reception form.

    A phone that belongs to another customer is refused at the phone field (one
    phone, one customer).  A level change is recorded and reschedules the callback.
    """
    from deskterm.domain.schedule import NextStep, first_callback
    from deskterm.services.reception import _set_level, validate_form
    from deskterm.services.setup import load_levels

    with ctx.db.write() as s:
        c = s.get(Customer, customer_id)
        if c is None:
            raise NotFound("No customer #{id}.", field="customer", id=customer_id)
        levels = load_levels(s)
        clean, errors = validate_form(s, ctx, form, levels)
        phone = clean.get("phone")
        if phone and phone != c.phone:
            other = s.exec(select(Customer).where(Customer.phone == phone)).first()
            if other is not None:
                errors["phone"] = InvalidInput(
                    "This phone belongs to {name}.", field="phone", name=other.name
                )
        if errors:
            raise InvalidForm(errors)
        before = snapshot(
            c, ("name", "phone", "model_interest", "budget", "purchase_horizon", "level", "notes")
        )
        c.name = str(clean["name"])
        c.phone = str(phone) if phone else c.phone
        c.model_interest = str(clean["model_interest"]) or None
        c.budget = form.budget
        horizon = clean["purchase_horizon"]
        c.purchase_horizon = horizon.value if horizon is not None else None  # type: ignore[attr-defined]
        c.notes = str(clean["notes"])
        new_level = str(clean["level"])
        if new_level != c.level:
            _set_level(s, ctx, c, new_level, "manual")
            if c.status in (Status.ACTIVE.value, Status.AT_RISK.value, Status.MARKETING.value):
                plan = first_callback(levels.get(new_level), ctx.today())
                due = plan.due if plan.step is NextStep.CALLBACK else None
                reschedule(s, ctx, c, due, c.owner_id)
                if plan.step is NextStep.MARKETING:
                    c.status, c.status_since = Status.MARKETING.value, ctx.now()
                elif c.status == Status.MARKETING.value:
                    c.status, c.status_since = Status.ACTIVE.value, ctx.now()
        record_audit(s, ctx, "customer.edit", "customer", c.id, before, snapshot(c, tuple(before)))
        return _views(s, [c])[0]
