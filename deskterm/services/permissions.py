"""What each role may do. Checked by the services themselves, so a screen that forgot
to hide a key still cannot do what the signed-in person may not.

Every public service function declares its permission with ``@permission(...)``
(tests/test_permissions.py proves none is missing). Nobody signed in (role None)
may do nothing but what is declared ``PUBLIC`` (the sign-in itself).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from deskterm.errors import RuleViolation
from deskterm.services.context import Context

#: Pseudo-role of the command line, the demo generator and the app's own background
#: maintenance (start of day, escalations, backups, health): allows everything.
SYSTEM = "system"
#: Pseudo-role of the app on a shop that chose ``auth.mode=open``: what the manager may.
OPEN_DESK = "open"
#: Pseudo-role of ``deskterm board``, the showroom display: it may read the rotation's
#: names and times and nothing else (no customer, no change), so it needs no PIN.
DISPLAY = "display"

#: What each role may do. "system" is a permission only the SYSTEM pseudo-role has
#: (start of day, health checks, the automatic backup).
#: Issue 23: ``rotation_undo`` undoes an earlier action of the day's log (the last one
#: is ``rotation``'s); ``counted_turn`` gives a walk-in by hand as a counted turn, which
#: ``counted_turn_if_allowed`` may too when the shop's ``rotation.receptionist_turns``
#: is on (the service checks the setting).
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "receptionist": frozenset(
        {"rotation", "rotation_undo", "counted_turn_if_allowed", "reception", "display"}
    ),
    "salesperson": frozenset({"rotation", "reception", "callbacks", "customers", "display"}),
    "marketing": frozenset({"marketing", "customers", "display"}),
    "care": frozenset({"care", "customers", "display"}),
    "manager": frozenset(
        {
            "display",
            "rotation",
            "rotation_undo",
            "counted_turn",
            "reception",
            "callbacks",
            "customers",
            "meeting",
            "manage",
            "export",
            "marketing",
            "care",
            "audit",
        }
    ),
}
ROLE_PERMISSIONS[DISPLAY] = frozenset({"display"})
ROLE_PERMISSIONS[OPEN_DESK] = ROLE_PERMISSIONS["manager"]
ROLE_PERMISSIONS[SYSTEM] = ROLE_PERMISSIONS["manager"] | {"system"}

#: Declared on functions anyone may call, signed in or not (the sign-in screen's needs).
PUBLIC: None = None

F = TypeVar("F", bound=Callable[..., Any])


class PermissionDenied(RuleViolation):
    """The signed-in person's role may not do this."""


def may(ctx: Context, permission: str | None) -> bool:
    """Whether the signed-in person may do ``permission`` (None: anyone). Nobody signed
    in may do nothing else; a browser only after a sign-in."""
    if permission is None:
        return True
    if ctx.role is None:
        return False
    if ctx.remote and ctx.role in (SYSTEM, OPEN_DESK):
        return False  # a browser acts only as someone who signed in with a PIN
    return permission in ROLE_PERMISSIONS.get(ctx.role, frozenset())


def require(ctx: Context, permission: str | None) -> None:
    """Refuse, with a message, what the signed-in person's role may not do."""
    if not may(ctx, permission):
        if ctx.role is None:
            raise PermissionDenied("Sign in first.")
        raise PermissionDenied(
            "Your role ({role}) may not do this; ask the manager.", role=ctx.role
        )


def permission(*needed: str | None) -> Callable[[F], F]:
    """Declare what a service function needs (any one of ``needed``; ``PUBLIC``: anyone)
    and check it before the body runs. ``ctx`` is the function's first argument."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def checked(ctx: Context, *args: Any, **kwargs: Any) -> Any:
            if None not in needed and not any(may(ctx, p) for p in needed):
                require(ctx, needed[0])
            return func(ctx, *args, **kwargs)

        checked.permission = needed  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return wrap
