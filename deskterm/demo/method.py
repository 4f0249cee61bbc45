"""The demo manager's half of the method (issue 18): targets set at each month's start,
action plans recorded and closed at the Monday meetings, coaching of the salespeople
whose figures lag. Its own random source, so the showroom's days stay as they were."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta

from deskterm.clock import FixedClock
from deskterm.domain.coaching import CHECKLIST
from deskterm.domain.targets import Measure, Status
from deskterm.services import (
    actions,
    analysis,
    coaching,
    countermeasures,
    manager,
    media,
    setup,
    targets,
)
from deskterm.services.context import Context

#: Saturdays and Sundays bring half as many visitors again as a weekday.
DEMO_WEEK = "1,1,1,1,1,1.5,1.5"

ACTIONS = (
    (Measure.CONTACT_CAPTURE, "offer the gift card before asking for the number"),
    (Measure.FORM_COMPLETENESS, "fill the form with the visitor, not after they leave"),
    (Measure.CALLBACKS_ON_TIME, "first call of the day at 9:30, before the floor fills"),
    (Measure.RECEPTIONS, "take the walk-ins at the door, not at the desk"),
)
OUTCOMES = (
    "done; the figure moved, keep it up",
    "done twice, little change yet: try the script card",
    "partly done: two busy Saturdays in between",
)
COUNTERMEASURES = {
    "refused": ("a small gift for leaving a number", "ask after the test drive, not before"),
    "not_asked": ("the reception script card at the desk", "the manager checks every form at 6 pm"),
    "price": ("a price-match promise on the spot", "the finance offer explained first"),
}
NOTES = (
    "asked the budget before the needs",
    "good greeting; no next contact agreed",
    "explained the finance offer clearly",
    "followed two receptions on the floor",
    "reception script, the first two minutes",
)


class ManagerHalf:
    """What the demo's manager does with the figures."""

    def __init__(
        self,
        ctx: Context,
        clock: FixedClock,
        seed: int,
        sales: list[int],
        manager: int,
        skill: dict[int, float],
        at: Callable[[date, float], datetime],
    ) -> None:
        self.ctx, self.clock, self.rng = ctx, clock, random.Random(seed ^ 0x18)
        # The month's spend per medium: its own random source, the rest stays as it was.
        self.spend_rng = random.Random(seed ^ 0x5E)
        self.sales, self.manager, self.skill, self.at = sales, manager, skill, at

    def start(self) -> None:
        """The shop's week, once."""
        setup.set_setting(self.ctx, "targets.weekdays", DEMO_WEEK)

    def month_start(self, day: date) -> None:
        """Targets for the month, set at 8:30 on its first day: last month's copied,
        then each salesperson's receptions and sales set from their skill."""
        self.clock.set(self.at(day, 8.5))
        targets.copy_last_month(self.ctx, day)
        rng = self.rng
        for sid in self.sales:
            senior = self.skill[sid] >= 0.8
            for measure, value in (
                (Measure.RECEPTIONS, rng.randint(26, 32) + (4 if senior else 0)),
                (Measure.CONTACT_CAPTURE, 80),
                (Measure.FORM_COMPLETENESS, 75),
                (Measure.CALLBACKS_ON_TIME, 85),
                (Measure.UPGRADES, rng.randint(1, 2)),
                (Measure.TEST_DRIVES, rng.randint(4, 8)),
                (Measure.INVITATIONS, rng.randint(3, 6)),
                (Measure.SALES, rng.randint(2, 4) + (1 if senior else 0)),
            ):
                targets.set_target(self.ctx, day, measure, str(value), sid)
        targets.set_target(self.ctx, day, Measure.CONTACT_CAPTURE, "80")
        targets.set_target(self.ctx, day, Measure.FORM_COMPLETENESS, "75")
        self.spend(day)

    def spend(self, day: date) -> None:
        """The month's spend per medium: the car websites' listing and the billboard are
        flat fees, the ads vary, a motor show some months, the referrers' gifts."""
        r = self.spend_rng
        for code, amount in (
            ("auto_sites", 18000),
            ("online_ads", r.randint(8, 12) * 1000),
            ("short_video", r.randint(5, 9) * 1000),
            ("outdoor", 6000),
            ("event", 15000 if day.month % 3 == 0 else 0),
            ("referral", r.randint(4, 8) * 500),
            ("passing_by", 0),
            ("repeat", 0),
        ):
            media.set_spend(self.ctx, day, code, amount)

    def meeting(self, day: date) -> None:
        """The Monday meeting: close what is due, act on a red figure, coach who is due,
        and look at the countermeasures."""
        self.clock.set(self.at(day, 8.6))
        self.countermeasures(day)
        rng = self.rng
        for a in actions.list_actions(self.ctx):
            if a.due <= day and rng.random() < 0.8:
                actions.close_action(self.ctx, a.id, rng.choice(OUTCOMES))
        board = targets.progress(self.ctx, day - timedelta(days=1)) if day.day > 1 else None
        if board is not None:
            red = [
                (p.salesperson_id, measure)
                for p in board.people
                for measure, _what in ACTIONS
                if p.salesperson_id in self.sales and p.row(measure).status is Status.RED
            ]
            if red and rng.random() < 0.6:
                sid, measure = rng.choice(red)
                what = next(w for m, w in ACTIONS if m is measure)
                actions.record_action(
                    self.ctx,
                    what,
                    rng.choice([sid, self.manager]),
                    day + timedelta(days=rng.choice((4, 7, 10))),
                    measure,
                    sid,
                )
        for row in coaching.coaching_board(self.ctx, day):
            if not row.due or rng.random() < 0.4:
                continue
            kind = rng.choice(("on_site", "call_check", "call_check", "training", "shared_call"))
            items = [c for c, _label in CHECKLIST if rng.random() < 0.6]
            coaching.record_coaching(
                self.ctx,
                row.salesperson_id,
                kind,
                rng.choice(NOTES),
                day=day,
                recording=(
                    f"{day:%Y%m%d}-{rng.randint(9, 17):02d}{rng.randint(0, 59):02d}-"
                    f"{rng.randint(1000, 9999)}.wav"
                    if kind == "call_check"
                    else ""
                ),
                checklist=tuple(items) if kind == "call_check" else (),
            )

    def countermeasures(self, day: date) -> None:
        """The second article's loop: date a countermeasure on the commonest no-contact
        reason when none runs on it; at its review keep it if the reason went down, else
        replace it (or, a couple of times, close it)."""
        rng = self.rng
        for item in countermeasures.loop(self.ctx, day):
            if not item.due:
                continue
            ba = item.figures
            better = (
                ba.before_per_100 is not None
                and ba.after_per_100 is not None
                and ba.after_per_100 < ba.before_per_100
            )
            options = COUNTERMEASURES.get(item.countermeasure.reason, ("try again", "try again"))
            if better:
                decision = "close" if rng.random() < 0.3 else "keep"
                countermeasures.review(
                    self.ctx, item.countermeasure.id, decision, "the count went down"
                )
            else:
                countermeasures.review(
                    self.ctx,
                    item.countermeasure.id,
                    "replace",
                    "no change in the count",
                    replacement=options[1],
                )
        running = {
            i.countermeasure.reason
            for i in countermeasures.loop(self.ctx, day)
            if i.countermeasure.closed_on is None
        }
        rep = analysis.reasons(self.ctx, "no_contact", day - timedelta(days=30), day, day)
        top = [r for r, _n in rep.table.by_reason.most_common() if r in COUNTERMEASURES]
        if top and top[0] not in running and rng.random() < 0.5:
            manager.mark_countermeasure(
                self.ctx, "no_contact", top[0], day, COUNTERMEASURES[top[0]][0]
            )
