"""The tables (SQLModel over SQLite or PostgreSQL). One home for everything in DESIGN.md §1.

Declared when first used: code reaches them as ``models.Customer`` (``storage.models``
imports this module at the first such look), so a desk's first screen, which reads plain
statements, never waits for the ~130 ms these declarations take.

Datetimes are aware and stored as UTC (SQLModel's UTCDateTime); ``day`` columns
hold the shop's local calendar day so daily figures need no time-zone maths.
The schema itself is created by the migrations in ``migrations/``; a test proves
these classes and the migrated schema agree. So a partial index's WHERE is a comment
here, not ``sqlite_where``/``postgresql_where``: naming a dialect's options loads that
dialect, and PostgreSQL's took ~30 ms of every desk's start, on SQLite too.

No ``from __future__ import annotations`` here: pydantic and SQLAlchemy would each
evaluate every field's annotation from its text (~10 ms of the start).
"""

from datetime import date, datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel


class Table(SQLModel):
    """The tables' common base: their pydantic validators and serializers are built when
    first used, not when the class is declared. Nothing in deskterm validates a table row
    through pydantic (SQLModel's table classes skip validation), so they are never built
    at a desk; building them for the 28 tables was ~18 ms of every start (measured)."""

    model_config = {"defer_build": True}  # type: ignore[typeddict-unknown-key]


class Setting(Table, table=True):
    """A shop setting (rotation mode, default country code, demo "today"…)."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=4000)


class Staff(Table, table=True):
    """Someone who works at the showroom."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40)
    role: str = Field(max_length=20, index=True)
    seniority: str = Field(default="junior", max_length=10)
    phone: str | None = Field(default=None, max_length=20)
    active: bool = True
    joined_on: date
    left_on: date | None = None
    pin_hash: str | None = Field(default=None, max_length=200)
    pin_failures: int = 0
    pin_locked_until: datetime | None = None


class Level(Table, table=True):
    """An intent level and its rules (configurable; see domain.levels)."""

    code: str = Field(primary_key=True, max_length=10)
    rank: int = Field(unique=True)
    name_en: str = Field(max_length=40)
    name_zh: str = Field(max_length=40)
    horizon_months: int | None = None
    callback_interval: str | None = Field(default=None, max_length=16)
    to_marketing: bool = False
    escalation: str | None = Field(default=None, max_length=16)
    escalation_after: str | None = Field(default=None, max_length=16)
    lost_after: str | None = Field(default=None, max_length=16)
    stall_grace: str | None = Field(default=None, max_length=16)


class Reason(Table, table=True):
    """Pick-list entries: why no contact was left, why a customer was lost, and (v9) the
    media a visitor heard of the shop by."""

    kind: str = Field(primary_key=True, max_length=16)  # no_contact | lost | media | step
    code: str = Field(primary_key=True, max_length=24)
    name_en: str = Field(max_length=60)
    name_zh: str = Field(max_length=60)
    needs_note: bool = False
    sort: int = 0
    active: bool = True


class Customer(Table, table=True):
    """A visitor who left contact details (registered), owned by one salesperson."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40)
    phone: str | None = Field(default=None, max_length=20, unique=True)
    contact_other: str | None = Field(default=None, max_length=80)
    level: str = Field(foreign_key="level.code", max_length=10)
    level_since: datetime
    status: str = Field(max_length=16)
    status_since: datetime
    owner_id: int = Field(foreign_key="staff.id", index=True)
    owner_since: datetime
    care_owner_id: int | None = Field(default=None, foreign_key="staff.id")
    source_channel: str = Field(max_length=16)
    model_interest: str | None = Field(default=None, max_length=60)
    budget: str | None = Field(default=None, max_length=16)
    purchase_horizon: str | None = Field(default=None, max_length=10)
    created_at: datetime
    last_contact_at: datetime | None = None  # last *real* contact
    won_at: datetime | None = None
    lost_at: datetime | None = None
    lost_reason: str | None = Field(default=None, max_length=24)
    lost_note: str | None = Field(default=None, max_length=500)
    notes: str = Field(default="", max_length=2000)
    # v2: a pending "lost" request, waiting for the manager.
    lost_request_reason: str | None = Field(default=None, max_length=24)
    lost_request_note: str | None = Field(default=None, max_length=500)
    lost_requested_at: datetime | None = None
    lost_requested_by: int | None = Field(default=None, foreign_key="staff.id")
    nurtured_at: datetime | None = None  # v2: marketing hands this lead back
    media: str | None = Field(default=None, max_length=24)  # v9: of the registering visit

    __table_args__ = (
        Index("ix_customer_owner_status", "owner_id", "status"),
        Index("ix_customer_status_owner_level", "status", "owner_id", "level"),
        Index("ix_customer_search", "last_contact_at", "name", "phone"),
        # WHERE lost_requested_at IS NOT NULL
        Index("ix_customer_lost_request", "lost_requested_at"),
    )


class Reception(Table, table=True):
    """One arrival: walk-in, phone or online; with or without contact details."""

    id: int | None = Field(default=None, primary_key=True)
    arrived_at: datetime
    day: date = Field(index=True)
    channel: str = Field(max_length=16)
    salesperson_id: int = Field(foreign_key="staff.id")  # who received the visitor
    credited_to_id: int = Field(foreign_key="staff.id")  # owner keeps the credit on a courtesy
    receptionist_id: int | None = Field(default=None, foreign_key="staff.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    first_visit: bool = True
    requested: bool = False
    courtesy: bool = False
    counted: bool = True
    uncounted_kind: str | None = Field(default=None, max_length=16)
    visitor_name: str | None = Field(default=None, max_length=40)
    no_contact_reason: str | None = Field(default=None, max_length=24)
    no_contact_note: str | None = Field(default=None, max_length=500)
    test_drive: bool = False
    form_saved_at: datetime | None = None
    form_fields_filled: int = 0
    form_fields_total: int = 0
    ended_at: datetime | None = None
    notes: str = Field(default="", max_length=2000)
    form_missing: str | None = Field(default=None, max_length=200)  # v2: empty key fields
    media: str | None = Field(default=None, max_length=24)  # v9: how they heard of the shop
    # v10, the visit as a traffic log records it (see migrations/v010.sql):
    assigned_at: datetime | None = None  # a salesperson took them; None: on arrival
    party_size: int | None = None  # how many came, the visitor included
    decider: str | None = Field(default=None, max_length=16)  # who decides the purchase
    interest: str | None = Field(default=None, max_length=8)  # new | used | both

    __table_args__ = (
        Index("ix_reception_credited_day", "credited_to_id", "day"),
        Index("ix_reception_day_media", "day", "media"),
    )


class Companion(Table, table=True):
    """Someone who came with the visitor and influences the purchase."""

    id: int | None = Field(default=None, primary_key=True)
    reception_id: int = Field(foreign_key="reception.id", index=True)
    relation: str = Field(max_length=16)
    note: str = Field(default="", max_length=200)


class Callback(Table, table=True):
    """A planned call to a customer (sales callbacks; care keep-in-touch calls)."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    salesperson_id: int = Field(foreign_key="staff.id")
    kind: str = Field(default="sales", max_length=16)  # sales | care | marketing
    due_at: datetime
    status: str = Field(default="open", max_length=10)
    done_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=16)
    level_before: str | None = Field(default=None, max_length=10)
    level_after: str | None = Field(default=None, max_length=10)
    note: str = Field(default="", max_length=2000)
    created_at: datetime

    __table_args__ = (
        # "My callbacks due today" is a range seek on this partial index (0.08 ms on 1M rows).
        Index("ix_callback_open_due", "salesperson_id", "due_at"),  # WHERE status = 'open'
        Index("ix_callback_done", "done_at"),
        Index("ix_callback_due", "due_at"),
        Index("ix_callback_kind_due", "kind", "due_at"),  # WHERE status = 'open'
    )


class LevelChange(Table, table=True):
    """History of a customer's level: who changed it, when, on what occasion."""

    __tablename__ = "level_change"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    from_level: str | None = Field(default=None, max_length=10)
    to_level: str = Field(max_length=10)
    at: datetime = Field(index=True)  # a past day's report reads who changed after it
    by_id: int | None = Field(default=None, foreign_key="staff.id")
    source: str = Field(max_length=16)  # reception | callback | manual | escalation


class OwnershipChange(Table, table=True):
    """History of who owns a customer, with the reason."""

    __tablename__ = "ownership_change"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    from_owner_id: int | None = Field(default=None, foreign_key="staff.id")
    to_owner_id: int = Field(foreign_key="staff.id")
    at: datetime = Field(index=True)  # a past day's report reads who changed after it
    by_id: int | None = Field(default=None, foreign_key="staff.id")
    reason: str = Field(max_length=200)


class Lead(Table, table=True):
    """A lead handed to a named salesperson (from marketing, phone or online)."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    from_id: int | None = Field(default=None, foreign_key="staff.id")
    to_id: int = Field(foreign_key="staff.id")
    channel: str = Field(max_length=16)
    at: datetime
    note: str = Field(default="", max_length=500)


class RotationEventRow(Table, table=True):
    """One entry of a day's rotation log (the board is its replay)."""

    __tablename__ = "rotation_event"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    kind: str = Field(max_length=16)
    salesperson_id: int | None = Field(default=None, foreign_key="staff.id")
    other_id: int | None = Field(default=None, foreign_key="staff.id")
    reason: str | None = Field(default=None, max_length=16)
    queue_order: str | None = Field(default=None, max_length=2000)  # reorder: JSON id list
    at: datetime
    actor_id: int | None = Field(default=None, foreign_key="staff.id")
    reception_id: int | None = Field(default=None, foreign_key="reception.id", index=True)
    undone_at: datetime | None = None
    undone_by: int | None = Field(default=None, foreign_key="staff.id")
    #: A counted turn given by hand: the words of its reason (v13; "other" needs them).
    note: str | None = Field(default=None, max_length=200)


class RotationDayStat(Table, table=True):
    """A closed day's rotation statistics per salesperson."""

    __tablename__ = "rotation_day_stat"

    day: date = Field(primary_key=True)
    salesperson_id: int = Field(primary_key=True, foreign_key="staff.id")
    ups: int = 0
    requested: int = 0
    courtesy: int = 0
    uncounted: int = 0
    skips: int = 0
    makeups: int = 0
    by_hand: int = 0  # v13: counted turns given by hand (also in ups)


class Audit(Table, table=True):
    """Append-only audit trail (triggers refuse UPDATE and DELETE)."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime  # rows are appended in time order: the id range is the time range
    actor_id: int | None = Field(default=None, foreign_key="staff.id")
    action: str = Field(max_length=40)
    entity: str = Field(max_length=24)
    entity_id: int | None = None
    before_json: str | None = Field(default=None, sa_type=Text)
    after_json: str | None = Field(default=None, sa_type=Text)
    # The hash chain (storage/audit_chain.py): the previous row's hash, and SHA-256 over
    # this row's fields and that one. Rows are only ever written there.
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class AuditHead(Table, table=True):
    """The audit trail's last row (id and hash), kept so that deleting the newest rows
    shows: a chain alone cannot tell a shortened trail from a short one."""

    __tablename__ = "audit_head"

    slot: int = Field(default=1, primary_key=True)  # always 1: one row
    last_id: int
    last_hash: str = Field(max_length=64)


class Countermeasure(Table, table=True):
    """A countermeasure dated on a reason (no-contact or lost), for before/after figures."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    reason: str = Field(max_length=24)
    since: date
    note: str = Field(max_length=500)
    by_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime
    review_on: date | None = None  # v8: the day to look at it again
    closed_on: date | None = None  # v8: closed or replaced that day; its "after" ends
    follows_id: int | None = Field(default=None, foreign_key="countermeasure.id")  # v8


class CountermeasureReview(Table, table=True):
    """One review of a countermeasure (v8): the figures seen and the decision taken."""

    __tablename__ = "countermeasure_review"

    id: int | None = Field(default=None, primary_key=True)
    countermeasure_id: int = Field(foreign_key="countermeasure.id", index=True)
    day: date
    decision: str = Field(max_length=8)  # keep | replace | close
    note: str = Field(default="", max_length=500)
    before_per_100: str | None = Field(default=None, max_length=16)
    after_per_100: str | None = Field(default=None, max_length=16)
    sales_before_per_100: str | None = Field(default=None, max_length=16)
    sales_after_per_100: str | None = Field(default=None, max_length=16)
    by_id: int | None = Field(default=None, foreign_key="staff.id")
    at: datetime


class ImportBatch(Table, table=True):
    """One committed import of a sheet (v7): what it did, and whether it was undone."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor_id: int | None = Field(default=None, foreign_key="staff.id")
    sheet: str = Field(max_length=200)
    created: int = 0  # customers the batch created
    merged: int = 0  # customers on file it merged into
    updated: int = 0  # of those, the ones whose fields it changed (--update)
    rejected: int = 0  # lines left out
    undone_at: datetime | None = None
    undone_by: int | None = Field(default=None, foreign_key="staff.id")


class ImportChange(Table, table=True):
    """One thing an import batch did to a customer, as undo must put it back (v7).

    ``field`` is a customer field it changed (``old_value``/``new_value`` as text), or
    ``created`` (the customer is the batch's), ``level_change``, ``callback_created`` or
    ``callback_cancelled`` (the row's id in ``new_value``). ``customer_id`` is no foreign
    key: undoing the batch deletes the customers it created and keeps this record.
    """

    __tablename__ = "import_change"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batch.id", index=True)
    customer_id: int = Field(index=True)
    field: str = Field(max_length=24)
    old_value: str | None = Field(default=None, sa_type=Text)
    new_value: str | None = Field(default=None, sa_type=Text)


class Target(Table, table=True):
    """A month's target on one measure, for a salesperson or the team (v8).

    ``month`` is the month's first day; ``salesperson_id`` None is the team. ``value`` is
    the number as text (a count, or a rate from 0 to 1), exact on both databases.
    """

    id: int | None = Field(default=None, primary_key=True)
    month: date = Field(index=True)
    salesperson_id: int | None = Field(default=None, foreign_key="staff.id")
    measure: str = Field(max_length=24)
    value: str = Field(max_length=16)
    set_by: int | None = Field(default=None, foreign_key="staff.id")
    set_at: datetime


class MediaSpend(Table, table=True):
    """What the shop spent on one medium in one month (v9), in whole currency units."""

    __tablename__ = "media_spend"

    month: date = Field(primary_key=True)  # the first of the month
    media: str = Field(primary_key=True, max_length=24)
    amount: int
    set_by: int | None = Field(default=None, foreign_key="staff.id")
    set_at: datetime


class ClosedDay(Table, table=True):
    """A day the shop does not open (v8): count targets are not spread onto it."""

    __tablename__ = "closed_day"

    day: date = Field(primary_key=True)
    note: str = Field(default="", max_length=60)


class ActionPlan(Table, table=True):
    """An action the manager recorded to move a figure (v8), open until closed.

    ``measure`` and ``salesperson_id`` name the figure it should move (a
    ``domain.targets.Measure``; no salesperson: the team's); ``baseline`` is that figure
    when the action was recorded and ``after_value`` when it was closed, as text.
    ``source`` says where it came from: ``figure``, ``reason:<code>``, ``stale:<list>``.
    """

    __tablename__ = "action_plan"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime
    created_by: int | None = Field(default=None, foreign_key="staff.id")
    what: str = Field(max_length=200)
    owner_id: int = Field(foreign_key="staff.id")
    due: date = Field(index=True)
    measure: str | None = Field(default=None, max_length=24)
    salesperson_id: int | None = Field(default=None, foreign_key="staff.id")
    source: str = Field(max_length=60)
    baseline: str | None = Field(default=None, max_length=16)
    closed_at: datetime | None = None
    closed_by: int | None = Field(default=None, foreign_key="staff.id")
    outcome: str | None = Field(default=None, max_length=500)
    after_value: str | None = Field(default=None, max_length=16)


class CoachingEntry(Table, table=True):
    """One day's coaching of a salesperson by the manager (v8)."""

    __tablename__ = "coaching_entry"

    id: int | None = Field(default=None, primary_key=True)
    day: date
    salesperson_id: int = Field(foreign_key="staff.id", index=True)
    coach_id: int | None = Field(default=None, foreign_key="staff.id")
    kind: str = Field(max_length=16)  # on_site | call_check | shared_call | training
    recording: str | None = Field(default=None, max_length=120)  # file name or call id
    checklist: str | None = Field(default=None, max_length=200)  # items met, comma-separated
    score: int | None = None
    score_of: int | None = None
    note: str = Field(default="", max_length=500)
    created_at: datetime


class Appointment(Table, table=True):
    """An invitation to visit, booked from a callback or a lead's contact (v10).

    ``status``: booked | shown (``reception_id`` is the visit) | no_show (the time passed,
    plus the shop's grace, without a visit; ``no_show_callback_id`` is the callback due
    that day) | cancelled; ``status_at`` dates the change.
    """

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    salesperson_id: int = Field(foreign_key="staff.id")  # who expects the visitor
    at: datetime = Field(index=True)  # the day and time agreed
    model: str | None = Field(default=None, max_length=60)  # the car to have ready
    note: str = Field(default="", max_length=500)
    source: str = Field(max_length=16)  # callback | lead | desk
    callback_id: int | None = Field(default=None, foreign_key="callback.id")
    created_at: datetime = Field(index=True)  # the report's "booked in the period"
    created_by: int | None = Field(default=None, foreign_key="staff.id")
    status: str = Field(default="booked", max_length=12)
    status_at: datetime | None = None
    reception_id: int | None = Field(default=None, foreign_key="reception.id")
    no_show_callback_id: int | None = Field(default=None, foreign_key="callback.id")


class ReceptionStep(Table, table=True):
    """A step of the sale a visit went through, ticked while the customer was there (v10)."""

    __tablename__ = "reception_step"

    reception_id: int = Field(primary_key=True, foreign_key="reception.id")
    step: str = Field(primary_key=True, max_length=24)  # a code of the "step" list
    at: datetime
    by_id: int | None = Field(default=None, foreign_key="staff.id")


class WaitingVisitor(Table, table=True):
    """A visitor who came in while nobody was free, until someone takes them (v10)."""

    __tablename__ = "waiting_visitor"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    arrived_at: datetime
    note: str = Field(default="", max_length=200)
    created_by: int | None = Field(default=None, foreign_key="staff.id")
    reception_id: int | None = Field(default=None, foreign_key="reception.id")
    left_at: datetime | None = None  # left without being served


def saved_id(key: int | None) -> int:
    """The id of a row already in the database (loaded, or added and flushed).

    Ids are typed ``int | None`` because a new row has none until it is flushed; a row
    that links to another needs the id, and a missing one is a bug in the caller.
    """
    if key is None:
        raise ValueError("the row has no id yet: flush the session before linking to it")
    return key
