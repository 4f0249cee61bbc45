"""The handle every use-case takes: the database, the clock and who is acting."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from deskterm.clock import Clock
from deskterm.storage import audit_chain, orm
from deskterm.storage.engine import Database


@dataclass
class Context:
    """Database + clock + the staff member acting (None = the system or an open desk)."""

    db: Database
    clock: Clock
    actor_id: int | None = None
    role: str | None = None  # the signed-in role, "open"/"system" (permissions.py); None: nobody
    # Opened from a browser (``deskterm serve``): nothing is allowed before a sign-in
    # with a PIN already set at the shop PC, whatever the shop's sign-in setting.
    remote: bool = False

    def now(self) -> datetime:
        """Local, aware."""
        return self.clock.now()

    def today(self) -> date:
        """The shop's calendar day."""
        return self.clock.today()

    def day_start(self, day: date) -> datetime:
        """Local midnight of ``day`` as an aware datetime (23 or 25 hours long on DST days)."""
        return datetime.combine(day, time(0), self.clock.zone)

    def day_range_utc(self, first: date, last: date | None = None) -> tuple[datetime, datetime]:
        """[local midnight of ``first``, local midnight after ``last``) in UTC, for range seeks."""
        last = last or first
        start = self.day_start(first).astimezone(UTC)
        end = self.day_start(last + timedelta(days=1)).astimezone(UTC)
        return start, end

    def local_day(self, at: datetime) -> date:
        """The shop's calendar day of a stored (UTC) datetime."""
        return at.astimezone(self.clock.zone).date()


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _dump(values: dict[str, Any] | None) -> str | None:
    if not values:
        return None
    return json.dumps(
        {k: _jsonable(v) for k, v in values.items()}, ensure_ascii=False, separators=(",", ":")
    )


def _changed(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """With both ``before`` and ``after``, only the fields that changed."""
    if before is not None and after is not None:
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    return before, after


def record_audit(
    session: orm.Session,
    ctx: Context,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Write an audit row in the caller's transaction (so it commits with the change).

    With both ``before`` and ``after``, only the fields that changed are kept.
    """
    before, after = _changed(before, after)
    # The one place audit rows are written: chained to the last one (audit_chain.py).
    audit_chain.append(
        session,
        at=ctx.now(),
        actor_id=ctx.actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before_json=_dump(before),
        after_json=_dump(after),
    )


def audit_entry(
    ctx: Context,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> audit_chain.Entry:
    """One audit row as :func:`record_audit` writes it, for ``audit_chain.append_many``
    (many rows in one insert: an import's customers)."""
    before, after = _changed(before, after)
    return (ctx.now(), ctx.actor_id, action, entity, entity_id, _dump(before), _dump(after))


def snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The audited fields of a row, for before/after."""
    return {f: getattr(row, f) for f in fields}
