"""The demo showroom's visits as a traffic log records them (issue 19): the steps of the
sale each visit went through, the visitor's party, who decides and new or used, WeChat
contacts, and visitors who waited for a free salesperson on busy mornings.

Its own random source (the generator's seed + 192), so the rest of the showroom draws the
same numbers as before; the visits it adds (a waiting visitor taken) move the board.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from deskterm.errors import DesktermError
from deskterm.services import reception, rotation, steps, waiting
from deskterm.services.context import Context
from deskterm.services.reception import ReceptionForm

#: Who decides the purchase, and how often (the visitor themself most).
DECIDERS = ["self", "spouse", "parent", "child", "friend", "colleague", "company", "other"]
DECIDER_WEIGHTS = [45, 25, 10, 5, 3, 2, 7, 3]
INTERESTS = ["new", "used", "both", None]
INTEREST_WEIGHTS = [75, 8, 12, 5]
WECHAT_WORDS = ["lucky", "sunny", "dragon", "xiaoming", "panda", "autumn", "river", "jade"]
#: The share of visits that reach each step (test drive follows the form's flag).
STEP_SHARE = {"greeted": 0.96, "needs": 0.86, "walkaround": 0.62, "quote": 0.48, "manager": 0.4}


class VisitDemo:
    """Adds the issue-19 facts to the demo showroom's visits as they happen."""

    def __init__(self, ctx: Context, rng: random.Random) -> None:
        self.ctx = ctx
        self.rng = rng

    def wechat(self) -> str:
        """A WeChat ID as people make them (a word and digits)."""
        return f"{self.rng.choice(WECHAT_WORDS)}_{self.rng.randrange(100, 99999)}"

    def fields(self, form: ReceptionForm, contact: bool = True) -> ReceptionForm:
        """The visitor's party, decider, new or used, and (``contact``) a WeChat ID for
        some, instead of the phone for a few."""
        rng = self.rng
        if not form.contact_left:
            return form
        extra: dict[str, object] = {}
        if rng.random() < 0.7:
            extra["decider"] = rng.choices(DECIDERS, DECIDER_WEIGHTS)[0]
        extra["interest"] = rng.choices(INTERESTS, INTEREST_WEIGHTS)[0]
        if rng.random() < 0.35:  # counted at the door; otherwise from who came along
            extra["party_size"] = str(len(form.companions) + rng.choice((1, 1, 2)))
        roll = rng.random() if contact else 1.0
        if roll < 0.06:  # added on WeChat, no phone
            extra.update(phone="", contact_other=self.wechat())
        elif roll < 0.2:
            extra["contact_other"] = self.wechat()
        return replace(form, **extra)  # type: ignore[arg-type]

    def tick(self, reception_id: int, test_drive: bool, returning: bool = False) -> None:
        """The steps this visit went through (the test drive as its form says)."""
        # The saved form already ticked the test drive (or not); a quote is likelier after
        # one, and for a customer who came back.
        for code, share in STEP_SHARE.items():
            if code == "quote" and (test_drive or returning):
                share = 0.7
            if self.rng.random() < share:
                try:
                    steps.set_step(self.ctx, reception_id, code, True)
                except DesktermError:
                    return  # the shop's list changed: nothing more to tick

    def rush_hour(self, weekend: bool, today: bool) -> float | None:
        """When a weekend morning's rush comes, if any. Not on the demo's today: its desk
        opens with a salesperson free, so the first `n` a visitor tries takes a walk-in
        (the waiting line is shown by the tests and the README's pictures instead)."""
        if today:
            return None
        if weekend and self.rng.random() < 0.5:
            return self.rng.uniform(10.0, 11.5)
        return None

    def rush_arrivals(self, hour: float) -> list[float]:
        """The hours a rush's visitors come in: four to six within a quarter of an hour."""
        n = self.rng.randint(4, 6)
        return sorted(hour + self.rng.uniform(0.0, 0.25) for _ in range(n))

    def busy_morning(
        self,
        now: datetime,
        busy_until: list[datetime],
        free: Callable[[datetime], None],
        serve: Callable[[int, int], None],
        until: datetime | None = None,
    ) -> None:
        """Nobody is free as a visitor comes in: they wait. If someone is done within a
        quarter of an hour, the next walk-in takes them then (``serve`` fills the visit);
        otherwise they leave unserved after a few minutes. Nothing happens after
        ``until`` (the demo's now): a visitor still waiting then is on the board."""
        if self.rng.random() > 0.8:
            return  # gone at once, never recorded
        try:
            waiting.add_waiting(self.ctx)
        except DesktermError:
            return
        clock = self.ctx.clock
        soonest = min(busy_until, default=now + timedelta(hours=1))
        if soonest - now <= timedelta(minutes=15):
            at = max(soonest, now + timedelta(minutes=1))
            if until is not None and at > until:
                return
            clock.set(at)  # type: ignore[attr-defined]
            free(at)
            try:
                a = rotation.walk_in(self.ctx)
            except DesktermError:
                a = None
            if a is not None:
                serve(a.reception_id, a.salesperson_id)
                return
        gone = now + timedelta(minutes=self.rng.randint(4, 12))
        if until is not None and gone > until:
            return
        clock.set(gone)  # type: ignore[attr-defined]
        waiting.leave(self.ctx)

    def save(self, reception_id: int, form: ReceptionForm, returning: bool = False) -> None:
        """Save the form with the issue-19 fields, then tick the visit's steps (a
        returning customer keeps the contact on file)."""
        form = self.fields(form, contact=not returning)
        reception.save_form(self.ctx, reception_id, form)
        self.tick(reception_id, form.test_drive, returning)
