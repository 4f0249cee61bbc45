"""What a saved reception form decides (DESIGN.md §1.2, §1.3 and rotation rules 6–7).

``judge_visit`` is pure: given the customer on file (or none), what the form says,
who received the visitor and today, it returns every decision of the visit — revisit
or new, name, level, status, owner, the next callback, whether the level rose, and
what happens to the receiver's turn.  The service loads the inputs, calls it and
writes the outcome; the rules are tested here without a database.

The revisit rules (a phone already on file, or a returning customer picked by name):
- the customer keeps their **level** unless a level is picked on purpose (``level``
  None means "keep"); the purchase time typed on the form never re-grades a known
  customer by itself;
- the **name** on file stays unless "replace" is chosen for a different typed name;
- the **owner** never changes at a visit (reassignment is the manager's);
- the open **callback** stays unless a date is typed, the level changes, or the
  customer had none (then the level's rule plans one); a marketing level has none;
- the **status** is re-judged from the level as at any visit: a lost or marketing
  customer who comes back at a level with callbacks is back in the owner's pipeline,
  an at-risk customer stays at risk, a won customer stays won;
- rule 6: a customer who has an owner costs no counted turn.  A walk-in turn used
  for them is given back: it becomes the owner's *requested* reception (the owner
  received them) or a *courtesy* reception (someone else did; the owner keeps the
  customer and the credit), and if the owner is free on the floor the desk offers
  to hand the visitor over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from deskterm.domain.escalation import Status
from deskterm.domain.levels import LevelRule, Levels, PurchaseHorizon
from deskterm.domain.schedule import NextStep, first_callback


class Turn(StrEnum):
    """What the visit does to the receiver's rotation turn."""

    COUNTED = "counted"  # a new visitor: the walk-in turn stays used
    REQUESTED = "requested"  # the owner received their own customer: no turn
    COURTESY = "courtesy"  # another member received the owner's customer: no turn
    NONE = "none"  # the reception used no walk-in turn (phone, returning, past day…)


@dataclass(frozen=True)
class OnFile:
    """The customer already on file, as the visit sees them."""

    name: str
    level: str
    status: Status
    owner_id: int
    next_callback: date | None  # due day of the open sales callback, if any


@dataclass(frozen=True)
class VisitForm:
    """What the form and the desk say about this visit (already validated)."""

    name: str  # typed name ("" if none)
    receiver_id: int  # who received the visitor
    credited_id: int  # whom the reception credits (owner of a new customer)
    level: str | None = None  # picked on purpose; None: keep (revisit) / suggest (new)
    horizon: PurchaseHorizon | None = None
    next_callback: date | None = None  # typed on purpose
    replace_name: bool = False  # a revisit's typed name replaces the one on file
    walk_in_turn: bool = False  # the reception used a counted walk-in turn today
    owner_on_floor: bool = False  # the owner is on duty and free to take the visitor


@dataclass(frozen=True)
class VisitOutcome:
    """Every decision of the visit; the service writes exactly this."""

    revisit: bool
    name: str
    name_replaced: bool
    level: str
    level_changed: bool
    upgrade: bool
    status: Status
    owner_id: int
    next_step: NextStep
    reschedule: bool  # replace the open sales callback(s) with ``next_callback``
    next_callback: date | None  # the open callback after the visit (kept or new)
    turn: Turn
    offer_handover: bool  # the owner is free on the floor: offer to hand the visitor over


def _status(before: Status, rule: LevelRule) -> Status:
    """A visit re-judges the status from the level (a won customer stays won)."""
    if before is Status.WON:
        return Status.WON
    if rule.to_marketing:
        return Status.MARKETING
    return Status.AT_RISK if before is Status.AT_RISK else Status.ACTIVE


def _new(form: VisitForm, levels: Levels, today: date) -> VisitOutcome:
    rule = (
        levels.get(form.level)
        if form.level
        else levels.suggest(form.horizon or PurchaseHorizon.UNKNOWN)
    )
    plan = first_callback(rule, today)
    due = (form.next_callback or plan.due) if plan.step is NextStep.CALLBACK else None
    return VisitOutcome(
        revisit=False,
        name=form.name,
        name_replaced=False,
        level=rule.code,
        level_changed=True,
        upgrade=False,
        status=Status.MARKETING if rule.to_marketing else Status.ACTIVE,
        owner_id=form.credited_id,
        next_step=plan.step,
        reschedule=True,
        next_callback=due,
        turn=Turn.COUNTED if form.walk_in_turn else Turn.NONE,
        offer_handover=False,
    )


def _turn(on_file: OnFile, form: VisitForm) -> Turn:
    if not form.walk_in_turn:
        return Turn.NONE
    return Turn.REQUESTED if form.receiver_id == on_file.owner_id else Turn.COURTESY


def _revisit(on_file: OnFile, form: VisitForm, levels: Levels, today: date) -> VisitOutcome:
    level = form.level or on_file.level
    rule = levels.get(level)
    status = _status(on_file.status, rule)
    level_changed = level != on_file.level
    name_replaced = form.replace_name and bool(form.name) and form.name != on_file.name
    plan = first_callback(rule, today)
    if status is Status.WON:
        step, reschedule, due = NextStep.CARE, False, on_file.next_callback
    elif plan.step is not NextStep.CALLBACK:
        step, reschedule, due = plan.step, True, None
    elif form.next_callback is not None:
        step, reschedule, due = plan.step, True, form.next_callback
    elif level_changed or status is not on_file.status or on_file.next_callback is None:
        step, reschedule, due = plan.step, True, plan.due
    else:
        step, reschedule, due = plan.step, False, on_file.next_callback
    turn = _turn(on_file, form)
    return VisitOutcome(
        revisit=True,
        name=form.name if name_replaced else on_file.name,
        name_replaced=name_replaced,
        level=level,
        level_changed=level_changed,
        upgrade=levels.is_upgrade(on_file.level, level),
        status=status,
        owner_id=on_file.owner_id,
        next_step=step,
        reschedule=reschedule,
        next_callback=due,
        turn=turn,
        offer_handover=turn is Turn.COURTESY and form.owner_on_floor,
    )


def judge_visit(
    on_file: OnFile | None, form: VisitForm, levels: Levels, today: date
) -> VisitOutcome:
    """The decisions of one visit: a new customer when nobody is on file, else a revisit."""
    if on_file is None:
        return _new(form, levels, today)
    return _revisit(on_file, form, levels, today)
