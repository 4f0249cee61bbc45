"""Reading the audit trail: who changed what, when, from what to what (read-only here;
the table refuses updates and deletes at the database level)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, or_, select

from deskterm.i18n import get_language
from deskterm.services.context import Context
from deskterm.services.permissions import permission
from deskterm.storage.models import Audit, Reason, Staff


@dataclass(frozen=True)
class AuditEntry:
    """One line of the trail."""

    id: int
    at: datetime
    actor: str | None
    action: str
    entity: str
    entity_id: int | None
    before: dict[str, Any]
    after: dict[str, Any]

    def change(self) -> str:
        """The change in one line: ``field: before → after`` for each field."""
        keys = list(dict.fromkeys([*self.before, *self.after]))
        parts = []
        for k in keys:
            if k in self.before and k in self.after:
                parts.append(f"{k}: {self.before[k]} → {self.after[k]}")
            elif k in self.after:
                parts.append(f"{k}: {self.after[k]}")
            else:
                parts.append(f"{k}: {self.before[k]} → -")
        return "; ".join(parts)


@permission("audit")
def audit_trail(
    ctx: Context,
    text: str = "",
    entity: str | None = None,
    entity_id: int | None = None,
    limit: int = 300,
) -> list[AuditEntry]:
    """The newest entries first; ``text`` matches the action, the entity or the values."""
    with ctx.db.read() as s:
        names = {st.id: st.name for st in s.exec(select(Staff)).all()}
        q = select(Audit)
        if entity is not None:
            q = q.where(Audit.entity == entity)
        if entity_id is not None:
            q = q.where(Audit.entity_id == entity_id)
        text = text.strip()
        if text:
            q = q.where(
                or_(
                    col(Audit.action).icontains(text, autoescape=True),
                    col(Audit.entity).icontains(text, autoescape=True),
                    col(Audit.before_json).icontains(text, autoescape=True),
                    col(Audit.after_json).icontains(text, autoescape=True),
                )
            )
        rows = s.exec(q.order_by(col(Audit.id).desc()).limit(limit)).all()
        return [
            AuditEntry(
                r.id or 0,
                r.at,
                names.get(r.actor_id) if r.actor_id else None,
                r.action,
                r.entity,
                r.entity_id,
                json.loads(r.before_json) if r.before_json else {},
                json.loads(r.after_json) if r.after_json else {},
            )
            for r in rows
        ]


@permission("audit")
def reason_names(ctx: Context) -> dict[str, str]:
    """Pick-list reasons (why lost, why no contact) by code, in the language in force."""
    zh = get_language() == "zh"
    with ctx.db.read() as s:
        return {r.code: (r.name_zh if zh else r.name_en) for r in s.exec(select(Reason)).all()}
