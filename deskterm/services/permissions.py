"""What each role may do. Checked by the services themselves, so a screen that forgot
to hide a key still cannot do what the signed-in person may not."""

from __future__ import annotations

from deskterm.errors import RuleViolation
from deskterm.services.context import Context

#: What each role may do; "open desk" mode and the command line allow everything.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "receptionist": frozenset({"rotation", "reception"}),
    "salesperson": frozenset({"rotation", "reception", "callbacks", "customers"}),
    "marketing": frozenset({"marketing", "customers"}),
    "care": frozenset({"care", "customers"}),
    "manager": frozenset({"rotation", "reception", "callbacks", "customers", "meeting",
                          "manage", "export", "marketing", "care", "audit"}),
}


class PermissionDenied(RuleViolation):
    """The signed-in person's role may not do this."""


def may(ctx: Context, permission: str) -> bool:
    """Whether the signed-in person may do ``permission`` (anyone, on an open desk;
    nobody from a browser before signing in)."""
    if ctx.role is None:
        return not ctx.remote
    return permission in ROLE_PERMISSIONS.get(ctx.role, frozenset())


def require(ctx: Context, permission: str) -> None:
    """Refuse, with a message, what the signed-in person's role may not do."""
    if not may(ctx, permission):
        raise PermissionDenied("Your role ({role}) may not do this; ask the manager.",
                               role=ctx.role)
