"""Coaching and action plans: the method's sixth step (DESIGN.md §1.5a), as pure rules.

The manager follows on site the salespeople whose forms are poor, spot-checks their
recorded callbacks against a short checklist, shares senior salespeople's calls, and
trains the reception script. A salesperson is **due a follow-up** when one of the coached
figures (form completeness, contact capture, callbacks on time) is red against its
target — or, with no target set, more than ``BEHIND_TEAM`` below the team's — and the
last coaching was ``FOLLOW_UP_DAYS`` or more days ago (or never).

An action plan is open until closed; an open one is *due* on its day and *overdue* after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from deskterm.domain.targets import Measure, Status
from deskterm.errors import InvalidInput
from deskterm.i18n import N_


class CoachingKind(StrEnum):
    """What the manager did with the salesperson."""

    ON_SITE = "on_site"  # followed their receptions on the floor
    CALL_CHECK = "call_check"  # spot check of a recorded callback
    SHARED_CALL = "shared_call"  # listened to a senior salesperson's call together
    TRAINING = "training"  # the reception script and how to fill the form


KIND_LABELS: dict[CoachingKind, str] = {
    CoachingKind.ON_SITE: N_("on-site follow-up"),
    CoachingKind.CALL_CHECK: N_("call spot check"),
    CoachingKind.SHARED_CALL: N_("shared call"),
    CoachingKind.TRAINING: N_("training"),
}

#: A recorded call is checked against these (the articles' own suspects among them:
#: did not explain clearly, did not find out the needs).
CHECKLIST: tuple[tuple[str, str], ...] = (
    ("greeting", N_("greeted by name, said who is calling")),
    ("needs", N_("found out the needs (model, budget, timing)")),
    ("explained", N_("explained clearly")),
    ("invited", N_("invited to the showroom or a test drive")),
    ("next_step", N_("agreed the next contact")),
)

#: The figures coaching is meant to move.
COACHED: tuple[Measure, ...] = (
    Measure.FORM_COMPLETENESS,
    Measure.CONTACT_CAPTURE,
    Measure.CALLBACKS_ON_TIME,
)

#: A salesperson coached less than this many days ago is not due again yet.
FOLLOW_UP_DAYS = 14
#: With no target, a rate this far below the team's makes the salesperson due.
BEHIND_TEAM = Decimal("0.10")


class ActionState(StrEnum):
    """Where an action plan stands on a day."""

    OPEN = "open"
    DUE = "due"  # due today
    OVERDUE = "overdue"
    CLOSED = "closed"


def parse_kind(text: str) -> CoachingKind:
    """A coaching kind from its code, refused with the list otherwise."""
    try:
        return CoachingKind(text.strip().lower().replace("-", "_"))
    except ValueError:
        raise InvalidInput(
            "Unknown coaching kind {text}: use one of {known}.",
            field="kind",
            text=text,
            known=", ".join(k.value for k in CoachingKind),
        ) from None


def checklist_score(met: Iterable[str]) -> tuple[tuple[str, ...], int, int]:
    """The checklist items met (known codes, in the checklist's order), and the score
    out of the checklist's length; an unknown item is refused."""
    codes = [c for c, _label in CHECKLIST]
    wanted = {m.strip() for m in met if m.strip()}
    unknown = wanted - set(codes)
    if unknown:
        raise InvalidInput(
            "Unknown checklist item {text}: use {known}.",
            field="checklist",
            text=", ".join(sorted(unknown)),
            known=", ".join(codes),
        )
    kept = tuple(c for c in codes if c in wanted)
    return kept, len(kept), len(codes)


@dataclass(frozen=True)
class CoachedFigure:
    """One coached figure of a salesperson: theirs, the team's, and its status."""

    measure: Measure
    value: Decimal | None
    team: Decimal | None
    status: Status  # against the salesperson's target (NONE: no target)


def why_due(figures: Iterable[CoachedFigure]) -> tuple[Measure, ...]:
    """The coached figures that call for a follow-up: red against the target, or with no
    target, ``BEHIND_TEAM`` or more below the team's."""
    out = []
    for f in figures:
        if f.status is Status.RED or (
            f.status is Status.NONE
            and f.value is not None
            and f.team is not None
            and f.team - f.value >= BEHIND_TEAM
        ):
            out.append(f.measure)
    return tuple(out)


def due_for_follow_up(reasons: tuple[Measure, ...], last_coached: date | None, today: date) -> bool:
    """Whether a salesperson with these ``reasons`` is due a follow-up ``today``."""
    if not reasons:
        return False
    return last_coached is None or (today - last_coached).days >= FOLLOW_UP_DAYS


def action_state(due: date, closed: bool, today: date) -> ActionState:
    """An action plan's state on ``today``."""
    if closed:
        return ActionState.CLOSED
    if due < today:
        return ActionState.OVERDUE
    return ActionState.DUE if due == today else ActionState.OPEN


def latest(days: Mapping[int, Iterable[date]]) -> dict[int, date]:
    """Each salesperson's latest coaching day."""
    return {sid: max(ds) for sid, ds in days.items() if ds}
