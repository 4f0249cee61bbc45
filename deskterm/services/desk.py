"""What the Reception screen shows, read in one go: the board, today's arrivals with the
steps their visits reached, the step list and who is waiting.

One snapshot for all of it (``Database.one_read``): the parts agree with each other (an
arrival never shows a salesperson the board has not sent), and on a dealer group's server
the screen's reload pays one BEGIN and one ROLLBACK instead of one pair per part.
"""

from __future__ import annotations

from dataclasses import dataclass

from deskterm.services import reception, rotation, steps, waiting
from deskterm.services.context import Context
from deskterm.services.permissions import permission
from deskterm.services.reception import ReceptionView
from deskterm.services.rotation import BoardView
from deskterm.services.steps import Step
from deskterm.services.waiting import WaitingList


@dataclass(frozen=True)
class DeskView:
    """The Reception screen's data, from one snapshot."""

    board: BoardView
    arrivals: list[ReceptionView]
    step_list: list[Step]
    ticked: dict[int, set[str]]
    waiting: WaitingList


@permission("rotation")
def desk_view(ctx: Context) -> DeskView:
    """Today's board, arrivals (with their visits' steps), step list and waiting visitors."""
    with ctx.db.one_read():
        board = rotation.get_board(ctx)
        arrivals = reception.arrivals(ctx)
        return DeskView(
            board,
            arrivals,
            steps.active_steps(ctx),
            steps.steps_of(ctx, [a.id for a in arrivals]),
            waiting.waiting_list(ctx),
        )
