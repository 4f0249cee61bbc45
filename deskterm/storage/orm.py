"""SQLModel's query builders and session, imported when first used: ``orm.select`` and
the rest.

A desk's first screen reads plain statements on the driver (``storage.queries``) and
never builds an ORM query, but the services on its path import SQLModel to build the
others. Importing SQLModel (pydantic with it) and SQLAlchemy's ORM took ~250-350 ms of
that start on the development machine (2 December; SQLAlchemy's core is all the first
screen needs). So those services refer to ``orm.X`` at call time, and this module imports
SQLModel at the first such reference; the app's warm-up after the first paint
(``maintenance.declare_tables``) makes that reference off the event loop. The modules the
first screen does not load import SQLModel directly.

The session hooks of the storage modules (the audit trail's head, the reserved ids) are
registered with :func:`on_import`: on the session class as SQLModel comes in, before any
session exists (every session deskterm makes is an ``orm.Session``: ``storage.engine``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlmodel import Session, SQLModel, col, func, select

#: The names this module serves, as SQLModel defines them.
__all__ = ["Session", "SQLModel", "col", "func", "select"]
_LOCK = threading.Lock()
_HOOKS: list[Callable[[type[Session]], None]] = []


def on_import(hook: Callable[[type[Session]], None]) -> None:
    """Call ``hook`` with the session class once SQLModel is imported (now, if it is)."""
    with _LOCK:
        session_class = globals().get("Session")
        if session_class is None:
            _HOOKS.append(hook)
            return
    hook(session_class)


def __getattr__(name: str) -> Any:
    """One of SQLModel's names, importing SQLModel (and hooking its session class) on
    the first look."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _LOCK:  # one thread imports and hooks; a racing one waits, then finds them
        if "Session" not in globals():
            import sqlmodel

            for hook in _HOOKS:
                hook(sqlmodel.Session)
            _HOOKS.clear()
            globals().update({key: getattr(sqlmodel, key) for key in __all__})
    return globals()[name]  # later looks are plain attribute reads
