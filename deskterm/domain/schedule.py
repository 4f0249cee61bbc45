"""Callback schedule: when the owner calls the customer next, from the level's rule.

Pure date arithmetic with ``relativedelta``: monthly from 31 January lands on
29 February in a leap year and on 31 March after that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from deskterm.domain.durations import first_step_after, parse_duration
from deskterm.domain.levels import LevelRule
from deskterm.i18n import N_


class Outcome(StrEnum):
    """How a callback (or any contact attempt) ended."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    APPOINTMENT = "appointment"
    WON = "won"
    LOST = "lost"

    @property
    def is_real_contact(self) -> bool:
        """An unanswered call is not a contact: it resets no escalation clock."""
        return self is not Outcome.NO_ANSWER


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.REACHED: N_("reached"),
    Outcome.NO_ANSWER: N_("no answer"),
    Outcome.APPOINTMENT: N_("appointment booked"),
    Outcome.WON: N_("won"),
    Outcome.LOST: N_("lost"),
}


class NextStep(StrEnum):
    """Where the customer goes after a contact."""

    CALLBACK = "callback"  # the owner calls again on ``due``
    MARKETING = "marketing"  # cold: handed to marketing's unified follow-up
    CARE = "care"  # won: customer care keeps in touch
    LOST = "lost"  # lost: to marketing's pool of lost customers


NEXT_STEP_LABELS: dict[NextStep, str] = {
    NextStep.CALLBACK: N_("another callback"),
    NextStep.MARKETING: N_("marketing's follow-up"),
    NextStep.CARE: N_("customer care"),
    NextStep.LOST: N_("the pool of lost customers"),
}


@dataclass(frozen=True)
class Plan:
    """The next step after a contact, and the callback date if there is one."""

    step: NextStep
    due: date | None


def next_due(rule: LevelRule, last_contact: date, anchor: date | None = None) -> date | None:
    """Next callback day for a customer at ``rule``'s level, or None for marketing levels.

    ``anchor`` is the day the cadence began (the day the level was set); stepping
    from it keeps month-end cadences on the month end.  Without an anchor the
    interval is counted from the last contact.
    """
    if rule.callback_interval is None:
        return None
    delta = parse_duration(rule.callback_interval)
    if anchor is None or anchor > last_contact:
        return last_contact + delta
    return first_step_after(anchor, delta, last_contact)


def plan_after_contact(
    rule: LevelRule,
    outcome: Outcome,
    on: date,
    level_since: date,
    appointment: date | None = None,
) -> Plan:
    """What follows a contact with outcome ``outcome`` on day ``on``.

    ``rule`` is the level *after* the contact (a level change reschedules, so the
    cadence restarts on ``level_since`` when the level was just changed).
    """
    if outcome is Outcome.WON:
        return Plan(NextStep.CARE, None)
    if outcome is Outcome.LOST:
        return Plan(NextStep.LOST, None)
    if outcome is Outcome.NO_ANSWER:
        # Try again tomorrow; the level cadence is untouched.
        return Plan(NextStep.CALLBACK, on + timedelta(days=1))
    if rule.to_marketing or rule.callback_interval is None:
        return Plan(NextStep.MARKETING, None)
    if outcome is Outcome.APPOINTMENT and appointment is not None and appointment > on:
        # The appointment is the next contact; call the day before to confirm.
        return Plan(NextStep.CALLBACK, max(on + timedelta(days=1), appointment - timedelta(days=1)))
    return Plan(NextStep.CALLBACK, next_due(rule, on, level_since))


def first_callback(rule: LevelRule, received_on: date) -> Plan:
    """The callback planned when a customer is first graded at a reception."""
    if rule.to_marketing or rule.callback_interval is None:
        return Plan(NextStep.MARKETING, None)
    return Plan(NextStep.CALLBACK, next_due(rule, received_on))
