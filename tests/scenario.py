"""Small hand-countable scenarios shared by the service and UI tests."""

from __future__ import annotations

from deskterm.services import reception, rotation
from deskterm.services.reception import ReceptionForm


def new_customer(ctx, phone: str, horizon: str = "1m", **kw) -> int:
    """A walk-in taken by next-up, its form saved, the salesperson done; the customer id."""
    a = rotation.walk_in(ctx)
    saved = reception.save_form(
        ctx,
        a.reception_id,
        ReceptionForm(
            name=kw.pop("name", f"C{phone[-2:]}"), phone=phone, purchase_horizon=horizon, **kw
        ),
    )
    rotation.done(ctx, a.salesperson_id)
    return saved.customer_id
