"""The steps of the sale a visit goes through (issue 19): greeted, needs analysis,
walk-around, test drive, quote, the manager met the customer — the shop's own list
(services.reasons, kind "step", in the shop's order).

The desk ticks a step on the arrival under the cursor while the customer is there (and
afterwards, to correct); ticking it again takes it back. Who may tick: the receptionist,
the manager, and the salesperson who received the visit — nobody else's visits.

The step ``test_drive`` and the form's "test drive" are one fact: ticking the step sets
the flag, taking it back clears it, and a saved form with a test drive ticks the step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import EllipsisType

from deskterm.errors import NotFound, RuleViolation
from deskterm.i18n import get_language
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import PermissionDenied, permission
from deskterm.storage import audit_chain, models, orm
from deskterm.storage.prefetch import Prefetch, take_rows

#: The step that is the form's "test drive".
TEST_DRIVE_STEP = "test_drive"
#: Channels that are no showroom visit: nothing to walk through.
REMOTE_CHANNELS = ("phone", "online")


@dataclass(frozen=True)
class Step:
    """An active step, as the desk ticks it (``key`` is its digit)."""

    code: str
    name: str  # in the language in force
    key: int


@dataclass(frozen=True)
class StepTicked:
    """What a tick did, to say so at the desk."""

    reception_id: int
    step: str
    name: str  # the step's name in the language in force
    ticked: bool  # False: it was taken back
    visitor: str  # the customer's or visitor's name, else the salesperson's visitor
    done: int  # steps now ticked on the visit
    total: int  # active steps


def _active(s: orm.Session) -> list[models.Reason]:
    return list(
        s.exec(
            orm.select(models.Reason)
            .where(models.Reason.kind == "step", models.Reason.active == True)  # noqa: E712
            .order_by(orm.col(models.Reason.sort), orm.col(models.Reason.code))
        ).all()
    )


def _name(r: models.Reason) -> str:
    return (r.name_zh if get_language() == "zh" else r.name_en) or r.name_en


@permission("reception")
def active_steps(ctx: Context) -> list[Step]:
    """The steps in use, in the shop's order; digit n ticks the n-th."""
    with ctx.db.read() as s:
        return step_list((r.code, r.name_en, r.name_zh) for r in _active(s))


def step_list(rows: Iterable[tuple[str, str, str | None]]) -> list[Step]:
    """The active steps from (code, English name, Chinese name) rows in the shop's order."""
    zh = get_language() == "zh"
    return [
        Step(code, ((name_zh if zh else name_en) or name_en), i + 1)
        for i, (code, name_en, name_zh) in enumerate(rows)
    ]


def _ticked(s: orm.Session, reception_ids: Iterable[int]) -> dict[int, set[str]]:
    ids = list(reception_ids)
    out: dict[int, set[str]] = {i: set() for i in ids}
    if not ids:
        return out
    for rid, step in s.exec(
        orm.select(models.ReceptionStep.reception_id, models.ReceptionStep.step).where(
            orm.col(models.ReceptionStep.reception_id).in_(ids)
        )
    ).all():
        out.setdefault(rid, set()).add(step)
    return out


@permission("reception")
def steps_of(ctx: Context, reception_ids: Iterable[int]) -> dict[int, set[str]]:
    """The codes of the steps ticked on each of these receptions (the board's progress)."""
    with ctx.db.read() as s:
        return _ticked(s, reception_ids)


def progress(ticked: set[str], steps: list[Step]) -> tuple[int, Step | None]:
    """How many of the active steps a visit went through, and the furthest of them (in
    the list's order; None before the first)."""
    reached = [st for st in steps if st.code in ticked]
    return len(reached), (reached[-1] if reached else None)


def _may_tick(ctx: Context, rec: models.Reception) -> None:
    """The receptionist and the manager tick any visit; a salesperson only their own."""
    if ctx.role == "salesperson" and ctx.actor_id != rec.salesperson_id:
        raise PermissionDenied(
            "Only the salesperson who received the visit, the desk or the manager may tick "
            "its steps."
        )


def _visit(s: orm.Session, reception_id: int) -> models.Reception:
    rec = s.get(models.Reception, reception_id)
    if rec is None:
        raise NotFound("No reception #{id}.", field="reception", id=reception_id)
    if not rec.counted or rec.channel in REMOTE_CHANNELS:
        raise RuleViolation("Steps of the sale are for visits in the showroom.")
    return rec


def mark(
    s: orm.Session,
    ctx: Context,
    rec: models.Reception,
    step: str,
    on: bool,
    source: str = "desk",
    *,
    row: models.ReceptionStep | None | EllipsisType = ...,
) -> bool:
    """Tick (``on``) or take back a step on ``rec`` inside the caller's transaction,
    keeping the test-drive flag in step. Returns True when something changed.

    A tick is its own record (the row keeps who ticked it and when), so only a take-back,
    which deletes that row, is audited, with the tick it removes: a busy day ticks five
    or six steps a visit, and an audit row each doubled the trail for nothing it did not
    already hold.
    """
    assert rec.id is not None
    if row is ...:  # not known to the caller (``row``: the tick as it read it, or None)
        row = s.get(models.ReceptionStep, (rec.id, step))
    if on == (row is not None):
        return False
    if on:
        s.add(
            models.ReceptionStep(reception_id=rec.id, step=step, at=ctx.now(), by_id=ctx.actor_id)
        )
    else:
        assert row is not None
        record_audit(
            s,
            ctx,
            "reception.step_undo",
            "reception",
            rec.id,
            {"step": step, "at": row.at.isoformat(), "by": row.by_id},
            {"step": None, "source": source},
        )
        s.delete(row)
    if step == TEST_DRIVE_STEP:
        rec.test_drive = on
    s.flush()
    return True


@permission("reception")
def set_step(ctx: Context, reception_id: int, step: str, on: bool | None = None) -> StepTicked:
    """Tick a step on a visit (``on`` True), take it back (False), or toggle it (None),
    in one transaction. Refused for a step not in use, an up that doesn't count, a phone
    or online arrival, and a salesperson's tick on someone else's visit."""
    return _set(ctx, reception_id, step, None, on)


def _step_wanted(reception_id: int) -> Prefetch:
    """What a tick reads, asked for with its lock: the visit, its customer (named in the
    answer), the steps in use and the visit's ticks, and the audit's end (a take-back is
    audited)."""
    ask = Prefetch()
    ask.read_table(_VISIT_READ, models.Reception, "id = ?", (reception_id,))
    ask.read_table(
        _CUSTOMER_READ,
        models.Customer,
        "id = (SELECT customer_id FROM reception WHERE id = ?)",
        (reception_id,),
    )
    ask.read_table(
        _ACTIVE_READ, models.Reason, "kind = 'step' AND active = ? ORDER BY sort, code", (True,)
    )
    ask.read_table(_TICKED_READ, models.ReceptionStep, "reception_id = ?", (reception_id,))
    return audit_chain.wanted(ask)


_VISIT_READ, _CUSTOMER_READ = "step visit", "step customer"
_ACTIVE_READ, _TICKED_READ = "steps in use", "steps ticked"


def _set(
    ctx: Context, reception_id: int, step: str | None, key: int | None, on: bool | None
) -> StepTicked:
    """Tick, take back or toggle ``step`` (or the ``key``-th step in use) on a visit."""
    with ctx.db.write(_step_wanted(reception_id)) as s:
        take_rows(s, _VISIT_READ, models.Reception)  # the session's: the gets below send nothing
        take_rows(s, _CUSTOMER_READ, models.Customer)
        rec = _visit(s, reception_id)
        _may_tick(ctx, rec)
        active = take_rows(s, _ACTIVE_READ, models.Reason)
        if active is None:
            active = _active(s)
        if key is not None:
            if not 1 <= key <= len(active):
                raise RuleViolation("No step {n}: the shop uses {total}.", n=key, total=len(active))
            step = active[key - 1].code
        assert step is not None
        ticks = take_rows(s, _TICKED_READ, models.ReceptionStep)
        if ticks is not None:
            row = next((t for t in ticks if t.step == step), None)
        else:
            row = s.get(models.ReceptionStep, (reception_id, step))
        reason = next((r for r in active if r.code == step), None)
        if reason is None and not (on is False and row is not None):
            # A retired step ticked before may still be taken back; nothing else.
            raise RuleViolation("No step {code} in use.", field="step", code=step)
        want = (row is None) if on is None else on
        mark(s, ctx, rec, step, want, row=row)
        if ticks is not None:  # the ticks read with the lock, and this one
            ticked = {t.step for t in ticks} - {step} | ({step} if want else set())
        else:
            ticked = _ticked(s, [reception_id])[reception_id]
        cust = s.get(models.Customer, rec.customer_id) if rec.customer_id is not None else None
        visitor = cust.name if cust else (rec.visitor_name or "")
        name = _name(reason) if reason else step
        return StepTicked(
            reception_id,
            step,
            name,
            want,
            visitor,
            sum(1 for r in active if r.code in ticked),
            len(active),
        )


@permission("reception")
def tick_nth(ctx: Context, reception_id: int, key: int) -> StepTicked:
    """Toggle the ``key``-th active step (the desk's digit) on a visit."""
    return _set(ctx, reception_id, None, key, None)
