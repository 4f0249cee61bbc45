"""The decision of a callback's outcome, table-driven, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from deskterm.domain.clocks import LevelEntry
from deskterm.domain.escalation import Status
from deskterm.domain.levels import DEFAULT_LEVELS, Levels
from deskterm.domain.outcome import CustomerState, decide_outcome
from deskterm.domain.schedule import NextStep, Outcome

LV = Levels(DEFAULT_LEVELS)
TODAY = date(2026, 3, 10)
D = date
ACTIVE, AT_RISK, MARKETING, WON = Status.ACTIVE, Status.AT_RISK, Status.MARKETING, Status.WON


HOT_SINCE = D(2026, 3, 2)


def state(level="hot", status=ACTIVE, since=HOT_SINCE, history=None):
    return CustomerState(
        level=level,
        status=status,
        level_since=since,
        owner_id=7,
        owner_since=D(2026, 1, 1),
        history=history if history is not None else (LevelEntry(since, level),),
    )


# (name, state, outcome, new level, appointment) →
# (level, level_since, status, step, next callback, real contact, upgrade, win, lost request)
CASES = [
    (
        "reached, same level: next on the weekly cadence from the level's day",
        state(),
        Outcome.REACHED,
        None,
        None,
        (
            "hot",
            D(2026, 3, 2),
            ACTIVE,
            NextStep.CALLBACK,
            D(2026, 3, 16),
            True,
            False,
            False,
            False,
        ),
    ),
    (
        "no answer: tomorrow, and not a contact",
        state(),
        Outcome.NO_ANSWER,
        None,
        None,
        (
            "hot",
            D(2026, 3, 2),
            ACTIVE,
            NextStep.CALLBACK,
            D(2026, 3, 11),
            False,
            False,
            False,
            False,
        ),
    ),
    (
        "re-graded cold: to marketing, no callback",
        state(),
        Outcome.REACHED,
        "cold",
        None,
        ("cold", TODAY, MARKETING, NextStep.MARKETING, None, True, False, False, False),
    ),
    (
        "marketing's cold customer re-graded warm: back to the owner, an upgrade",
        state("cold", MARKETING, D(2026, 2, 1)),
        Outcome.REACHED,
        "warm",
        None,
        ("warm", TODAY, ACTIVE, NextStep.CALLBACK, D(2026, 4, 10), True, True, False, False),
    ),
    (
        "warm → hot: a fresh hot clock, weekly from today",
        state("warm", ACTIVE, D(2026, 2, 1)),
        Outcome.REACHED,
        "hot",
        None,
        ("hot", TODAY, ACTIVE, NextStep.CALLBACK, D(2026, 3, 17), True, True, False, False),
    ),
    (
        "back to hot the day it dropped to warm: the hot clock resumes (a bounce)",
        state(
            "warm",
            ACTIVE,
            TODAY,
            (LevelEntry(D(2026, 1, 5), "hot"), LevelEntry(TODAY, "warm")),
        ),
        Outcome.REACHED,
        "hot",
        None,
        ("hot", D(2026, 1, 5), ACTIVE, NextStep.CALLBACK, D(2026, 3, 16), True, True, False, False),
    ),
    (
        "won: to customer care",
        state(),
        Outcome.WON,
        None,
        None,
        ("hot", D(2026, 3, 2), WON, NextStep.CARE, None, True, False, True, False),
    ),
    (
        "lost: a request for the manager, the status waits for the decision",
        state(),
        Outcome.LOST,
        None,
        None,
        ("hot", D(2026, 3, 2), ACTIVE, NextStep.LOST, None, True, False, False, True),
    ),
    (
        "appointment: call the day before to confirm",
        state(),
        Outcome.APPOINTMENT,
        None,
        D(2026, 3, 20),
        (
            "hot",
            D(2026, 3, 2),
            ACTIVE,
            NextStep.CALLBACK,
            D(2026, 3, 19),
            True,
            False,
            False,
            False,
        ),
    ),
    (
        "at risk stays at risk after a call (only the manager or the clock moves it)",
        state("hot", AT_RISK, D(2025, 11, 1)),
        Outcome.REACHED,
        None,
        None,
        (
            "hot",
            D(2025, 11, 1),
            AT_RISK,
            NextStep.CALLBACK,
            D(2026, 3, 14),
            True,
            False,
            False,
            False,
        ),
    ),
]


@pytest.mark.parametrize(
    ("st", "outcome", "new_level", "appointment", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_decide_outcome(st, outcome, new_level, appointment, expected):
    d = decide_outcome(st, outcome, LV, TODAY, new_level=new_level, appointment=appointment)
    got = (
        d.level,
        d.level_since,
        d.status,
        d.step,
        d.next_callback,
        d.real_contact,
        d.upgrade,
        d.win,
        d.lost_request,
    )
    assert got == expected
    assert d.owner_id == 7  # an outcome never changes the owner
