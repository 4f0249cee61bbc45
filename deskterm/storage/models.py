"""The tables, declared when first used: ``models.Customer`` and the rest.

The declarations are in :mod:`deskterm.storage.tables`. Declaring the 28 tables (SQLModel
builds a pydantic model and an SQLAlchemy mapping for each) took ~130 ms, the largest
part of a desk's start beyond a bare Textual app's, while the first screen reads only
plain statements (``storage.queries``). So the modules on that path (the desk's services)
refer to ``models.X`` at call time, and this module imports the declarations at the first
such reference; the app declares them in a thread once its first screen is painted, so a
key is never the one that waits. ``from deskterm.storage.models import X`` still works
(it declares them at once): the modules the first screen does not load use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deskterm.storage.tables import (
        ActionPlan,
        Appointment,
        Audit,
        AuditHead,
        Callback,
        ClosedDay,
        CoachingEntry,
        Companion,
        Countermeasure,
        CountermeasureReview,
        Customer,
        ImportBatch,
        ImportChange,
        Lead,
        Level,
        LevelChange,
        MediaSpend,
        OwnershipChange,
        Reason,
        Reception,
        ReceptionStep,
        RotationDayStat,
        RotationEventRow,
        Setting,
        Staff,
        Table,
        Target,
        WaitingVisitor,
        saved_id,
    )

#: The names this module serves, as the declarations define them.
__all__ = [
    "Table",
    "Setting",
    "Staff",
    "Level",
    "Reason",
    "Customer",
    "Reception",
    "Companion",
    "Callback",
    "LevelChange",
    "OwnershipChange",
    "Lead",
    "RotationEventRow",
    "RotationDayStat",
    "Audit",
    "AuditHead",
    "Countermeasure",
    "CountermeasureReview",
    "ImportBatch",
    "ImportChange",
    "Target",
    "MediaSpend",
    "ClosedDay",
    "ActionPlan",
    "CoachingEntry",
    "Appointment",
    "ReceptionStep",
    "WaitingVisitor",
    "saved_id",
]


def __getattr__(name: str) -> Any:
    """A table (or ``saved_id``), declaring every table on the first look."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from deskterm.storage import tables  # the import lock makes a racing thread wait

    found = {key: getattr(tables, key) for key in __all__}
    globals().update(found)  # later looks are plain attribute reads
    return found[name]
