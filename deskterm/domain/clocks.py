"""Level clocks and upgrades from the level history (DESIGN.md §1.5).

A level's escalation clock counts the days the customer has spent at that level
under the current owner, summed over every stay: a bounce (hot → warm → hot on one
day) adds nothing and takes nothing away, so it can neither restart the at-risk or
reassign clock nor postpone it.  An upgrade is a net rise over a day: a customer
whose level ends the day hotter than it began it counts once, however many
callbacks moved it on the way.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from deskterm.domain.levels import Levels


@dataclass(frozen=True)
class LevelEntry:
    """The customer's level became ``level`` on ``day`` (one row of the history)."""

    day: date
    level: str


def level_clock_start(history: Sequence[LevelEntry], owner_since: date) -> date:
    """The day the clock of the current level counts from.

    ``history`` holds every change into a level, oldest first (the first entry is the
    level the customer was created with); its last entry is the current level.  The
    result is the current stay's start moved back by the whole days spent at the
    same level in earlier stays, counting only days under the current owner (from
    ``owner_since``).
    """
    if not history:
        return owner_since
    level = history[-1].level
    first = len(history) - 1
    while first > 0 and history[first - 1].level == level:  # one stay, written twice
        first -= 1
    banked = 0
    for entry, after in zip(history[:first], history[1 : first + 1], strict=True):
        if entry.level == level:
            banked += max(0, (after.day - max(entry.day, owner_since)).days)
    return max(history[first].day, owner_since) - timedelta(days=banked)


class LevelMove(Protocol):
    """A finished callback as the upgrade count reads it (kpi.CallbackFact is one)."""

    @property
    def salesperson_id(self) -> int: ...
    @property
    def done(self) -> date | None: ...
    @property
    def level_before(self) -> str | None: ...
    @property
    def level_after(self) -> str | None: ...
    @property
    def customer_id(self) -> int | None: ...
    @property
    def done_at(self) -> datetime | None: ...


def count_upgrades(
    moves: Iterable[LevelMove],
    levels: Levels,
    day_start: Mapping[tuple[int, date], str] | None = None,
) -> Counter[int]:
    """Upgrades per salesperson: customers whose level ended a day hotter than it began
    it through that day's callbacks (one per customer and day; none for a bounce).

    The day began at the first callback's level before, or at ``day_start[(customer,
    day)]`` when given (the level history's level at the start of the day, which also
    sees a re-grade made between callbacks by a form or an edit).  The credit goes to
    whoever ticked off the day's last callback that raised the level.  A move without
    a customer stands alone (facts from before customers were recorded).  Level codes
    the shop no longer has count as no change.
    """
    days: dict[tuple[object, date], list[LevelMove]] = defaultdict(list)
    for i, m in enumerate(moves):
        if m.done is not None:
            key = m.customer_id if m.customer_id is not None else ("alone", i)
            days[(key, m.done)].append(m)
    out: Counter[int] = Counter()
    for (customer, day), day_moves in days.items():
        day_moves.sort(key=lambda m: (m.done_at is not None, m.done_at or 0))
        began = day_moves[0].level_before
        if day_start is not None and isinstance(customer, int):
            began = day_start.get((customer, day), began)
        if levels.is_upgrade(began, day_moves[-1].level_after):
            raising = [m for m in day_moves if levels.is_upgrade(m.level_before, m.level_after)]
            out[(raising or day_moves)[-1].salesperson_id] += 1
    return out
