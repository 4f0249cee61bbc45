"""The decisions of a visit (domain/visit.py), table-tested without a database."""

from __future__ import annotations

from datetime import date

import pytest

from deskterm.domain.escalation import Status
from deskterm.domain.levels import DEFAULT_LEVELS, Levels, PurchaseHorizon
from deskterm.domain.schedule import NextStep
from deskterm.domain.visit import OnFile, Turn, VisitForm, judge_visit

LEVELS = Levels(DEFAULT_LEVELS)
TODAY = date(2026, 3, 2)  # a Monday
OWNER, RECEIVER = 1, 2
KEPT_DUE = date(2026, 3, 5)


def on_file(level="hot", status=Status.ACTIVE, due: date | None = KEPT_DUE, name="张三"):
    return OnFile(name=name, level=level, status=status, owner_id=OWNER, next_callback=due)


def form(**kw):
    base = dict(name="张三", receiver_id=RECEIVER, credited_id=RECEIVER, walk_in_turn=True)
    base.update(kw)
    return VisitForm(**base)


# (case, customer on file, form) -> expected fields of the outcome
CASES = [
    (
        "new visitor, buys within a month: hot, weekly callback, owned by the receiver, counted",
        None,
        form(horizon=PurchaseHorizon.MONTH),
        dict(
            revisit=False,
            level="hot",
            status=Status.ACTIVE,
            owner_id=RECEIVER,
            next_callback=date(2026, 3, 9),
            reschedule=True,
            turn=Turn.COUNTED,
            upgrade=False,
        ),
    ),
    (
        "new visitor, timing unknown: cold, to marketing, no callback",
        None,
        form(),
        dict(level="cold", status=Status.MARKETING, next_step=NextStep.MARKETING),
    ),
    (
        "new visitor, level picked and date typed on purpose",
        None,
        form(level="warm", next_callback=date(2026, 3, 20)),
        dict(level="warm", next_callback=date(2026, 3, 20), status=Status.ACTIVE),
    ),
    (
        "new phone arrival: no walk-in turn to count",
        None,
        form(walk_in_turn=False),
        dict(turn=Turn.NONE),
    ),
    (
        "revisit, Level left blank: keeps hot, owner, callback and name; turn given back",
        on_file(),
        form(name="张先生"),
        dict(
            revisit=True,
            level="hot",
            level_changed=False,
            status=Status.ACTIVE,
            owner_id=OWNER,
            reschedule=False,
            next_callback=KEPT_DUE,
            name="张三",
            name_replaced=False,
            turn=Turn.COURTESY,
            upgrade=False,
        ),
    ),
    (
        "revisit: the purchase time alone never re-grades the customer",
        on_file(),
        form(horizon=PurchaseHorizon.UNKNOWN),
        dict(level="hot", status=Status.ACTIVE, reschedule=False),
    ),
    (
        "revisit, Level prefilled with the level on file: keep",
        on_file(),
        form(level="hot"),
        dict(level="hot", level_changed=False, reschedule=False, next_callback=KEPT_DUE),
    ),
    (
        "revisit, replace chosen for a different name",
        on_file(),
        form(name="张先生", replace_name=True),
        dict(name="张先生", name_replaced=True),
    ),
    (
        "revisit, replace chosen but the same name: nothing replaced",
        on_file(),
        form(replace_name=True),
        dict(name="张三", name_replaced=False),
    ),
    (
        "revisit, level lowered on purpose: re-graded, to marketing, callback cancelled",
        on_file(),
        form(level="cold"),
        dict(
            level="cold",
            level_changed=True,
            status=Status.MARKETING,
            reschedule=True,
            next_callback=None,
            next_step=NextStep.MARKETING,
            upgrade=False,
        ),
    ),
    (
        "revisit, warm raised to hot on purpose: an upgrade with the hot rule's callback",
        on_file(level="warm", due=date(2026, 3, 30)),
        form(level="hot"),
        dict(level="hot", upgrade=True, reschedule=True, next_callback=date(2026, 3, 9)),
    ),
    (
        "revisit, a date typed on purpose replaces the open callback",
        on_file(),
        form(next_callback=date(2026, 3, 4)),
        dict(level="hot", reschedule=True, next_callback=date(2026, 3, 4)),
    ),
    (
        "revisit of a hot customer with no open callback: the level's rule plans one",
        on_file(due=None),
        form(),
        dict(reschedule=True, next_callback=date(2026, 3, 9)),
    ),
    (
        "revisit of an at-risk customer: stays at risk, keeps the callback",
        on_file(status=Status.AT_RISK),
        form(),
        dict(status=Status.AT_RISK, reschedule=False, next_callback=KEPT_DUE),
    ),
    (
        "revisit of a cold customer in the marketing pool: stays there",
        on_file(level="cold", status=Status.MARKETING, due=None),
        form(),
        dict(level="cold", status=Status.MARKETING, next_step=NextStep.MARKETING),
    ),
    (
        "a lost customer walks back in at warm: back in the owner's pipeline",
        on_file(level="warm", status=Status.LOST, due=None),
        form(),
        dict(status=Status.ACTIVE, reschedule=True, next_callback=date(2026, 4, 2)),
    ),
    (
        "a won customer visits: stays won, no sales callback planned",
        on_file(status=Status.WON, due=None),
        form(),
        dict(status=Status.WON, reschedule=False, next_step=NextStep.CARE),
    ),
    (
        "the owner received their own customer: a requested reception, no turn",
        on_file(),
        form(receiver_id=OWNER),
        dict(turn=Turn.REQUESTED, offer_handover=False),
    ),
    (
        "someone else received the owner's customer, owner free: offer the hand-over",
        on_file(),
        form(owner_on_floor=True),
        dict(turn=Turn.COURTESY, offer_handover=True),
    ),
    (
        "a returning customer received without a walk-in turn: nothing to give back",
        on_file(),
        form(walk_in_turn=False, owner_on_floor=True),
        dict(turn=Turn.NONE, offer_handover=False),
    ),
]


@pytest.mark.parametrize(
    ("case", "customer", "visit", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_visit_decision(case, customer, visit, expected):
    out = judge_visit(customer, visit, LEVELS, TODAY)
    got = {k: getattr(out, k) for k in expected}
    assert got == expected, case


@pytest.mark.parametrize("level", ["hot", "warm", "cold"])
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("horizon", [None, *PurchaseHorizon])
def test_a_revisit_without_a_level_picked_never_changes_level_or_owner(level, status, horizon):
    """Whatever else the form says, leaving Level alone keeps the level and the owner,
    and a walk-in turn is never counted for a customer who has an owner."""
    out = judge_visit(on_file(level=level, status=status), form(horizon=horizon), LEVELS, TODAY)
    assert (out.level, out.owner_id, out.level_changed, out.upgrade) == (level, OWNER, False, False)
    assert out.turn is not Turn.COUNTED
