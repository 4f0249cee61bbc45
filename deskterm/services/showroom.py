"""The showroom display (``deskterm board``): the rotation as the sales floor sees it.

Names, states and times only — no customer, no note, nothing to change — so a TV
facing the floor can show it all day without anyone signed in (permission ``display``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from deskterm.services import rotation
from deskterm.services.context import Context
from deskterm.services.permissions import permission

#: How many free salespeople after next-up the display names as "on deck".
ON_DECK = 3


@dataclass(frozen=True)
class FloorMember:
    """A salesperson as the floor sees them."""

    name: str
    since: datetime | None  # with a customer since (None: not with one)
    away_reason: str | None  # why away (a domain code), None if not away


@dataclass(frozen=True)
class ShowroomView:
    """Who is up next, who follows, who is with a customer and who is away."""

    next_up: str | None
    on_deck: tuple[str, ...]
    with_customer: tuple[FloorMember, ...]  # longest first
    away: tuple[FloorMember, ...]
    closed: bool
    checked_in: int


@permission("display")
def showroom_board(ctx: Context) -> ShowroomView:
    """Today's rotation for the showroom display, read-only."""
    # The desk's own board, read without the desk's permission: the display may read
    # it, and shows only the names and times picked out here.
    board = rotation.get_board.__wrapped__(ctx)  # type: ignore[attr-defined]
    members = board.members
    nxt = next((m for m in members if m.is_next), None)
    after = members[members.index(nxt) + 1 :] if nxt is not None else members
    deck = tuple(m.name for m in after if m.state == "ready" and not m.held)[:ON_DECK]
    busy = sorted(
        (m for m in members if m.state == "with_customer"),
        key=lambda m: m.busy_since or ctx.now(),
    )
    return ShowroomView(
        next_up=nxt.name if nxt else None,
        on_deck=deck,
        with_customer=tuple(FloorMember(m.name, m.busy_since, None) for m in busy),
        away=tuple(FloorMember(m.name, None, m.away_reason) for m in members if m.state == "away"),
        closed=board.closed,
        checked_in=len(members),
    )
