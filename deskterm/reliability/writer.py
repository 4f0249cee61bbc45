"""A window that writes receptions as fast as it can, until it is killed.

Run as ``python -m deskterm.reliability.writer DB``. Prints ``ready`` once set up,
then the id of every reception *after* its commit returned, so whatever it printed
must survive a ``kill -9``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from deskterm.errors import RuleViolation
from deskterm.reliability.setup import shop_clock
from deskterm.services import reception, rotation, setup
from deskterm.services.maintenance import open_context
from deskterm.services.reception import ReceptionForm


def main(path: str) -> None:
    """Write forever: walk-in, form, done; one line per committed reception."""
    ctx = open_context(Path(path), shop_clock(), start_of_day=False)
    people = setup.list_staff(ctx, "salesperson")
    board = {m.salesperson_id for m in rotation.get_board(ctx).members}
    for p in people:
        if p.id not in board:
            rotation.check_in(ctx, p.id)
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        try:
            a = rotation.walk_in(ctx)
        except RuleViolation:
            # Everybody busy (a killed round left someone with a customer): free them.
            for m in rotation.get_board(ctx).members:
                if m.state == "with_customer":
                    rotation.done(ctx, m.salesperson_id)
            continue
        print(f"reception {a.reception_id}", flush=True)
        phone = f"137{a.reception_id % 10**8:08d}"
        saved = reception.save_form(
            ctx,
            a.reception_id,
            ReceptionForm(
                name=f"Crash {n}", phone=phone, purchase_horizon="1m", model_interest="Y"
            ),
        )
        print(f"form {a.reception_id} {saved.customer_id}", flush=True)
        rotation.done(ctx, a.salesperson_id)


if __name__ == "__main__":
    main(sys.argv[1])
