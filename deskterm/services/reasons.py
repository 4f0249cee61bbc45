"""Reasons as data (issue 18): why a visitor left no contact and why a customer was lost
are a list the manager keeps — add, rename, retire (the history keeps the code, so past
figures still read), bring back — and the pick lists offer the most used first.

The steps of the sale (issue 19) are a list too, but one the desk ticks by position (digit
1 is the first active step): they keep the shop's order (``sort``), never ranked by use,
new ones at the end, at most :data:`MAX_STEPS` active."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from deskterm.domain.text import clean_field
from deskterm.errors import InvalidInput, NotFound, RuleViolation
from deskterm.i18n import get_language
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.storage import models, orm

#: The pick lists: why no contact was left, why a customer was lost, how a visitor heard
#: of the shop (the media of "where visitors come from"), the steps of the sale.
KINDS = ("no_contact", "lost", "media", "step")
#: Lists in the shop's own order, never ranked by use (the desk ticks them by position).
FIXED_ORDER = ("step",)
#: Digits 1–9 tick the steps: no more may be active.
MAX_STEPS = 9
#: The pick lists rank by the uses of this many days.
USE_DAYS = 90


@dataclass(frozen=True)
class ReasonView:
    """A reason as a list shows it."""

    kind: str
    code: str
    name: str  # in the language in force
    name_en: str
    name_zh: str
    needs_note: bool
    active: bool
    uses: int  # in the last USE_DAYS days


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput("The lists are no_contact, lost, media or step.", field="kind")
    return kind


def _uses(s: orm.Session, ctx: Context, kind: str) -> dict[str, int]:
    since = ctx.today() - timedelta(days=USE_DAYS)
    if kind == "media":
        rows = s.exec(
            orm.select(models.Reception.media, orm.func.count())
            .where(models.Reception.day >= since, orm.col(models.Reception.media).is_not(None))
            .group_by(models.Reception.media)
        ).all()
    elif kind == "step":
        rows = s.exec(
            orm.select(models.ReceptionStep.step, orm.func.count())
            .join(
                models.Reception, orm.col(models.ReceptionStep.reception_id) == models.Reception.id
            )
            .where(models.Reception.day >= since)
            .group_by(models.ReceptionStep.step)
        ).all()
    elif kind == "no_contact":
        rows = s.exec(
            orm.select(models.Reception.no_contact_reason, orm.func.count())
            .where(
                models.Reception.day >= since,
                orm.col(models.Reception.no_contact_reason).is_not(None),
            )
            .group_by(models.Reception.no_contact_reason)
        ).all()
    else:
        start, _end = ctx.day_range_utc(since)
        rows = s.exec(
            orm.select(models.Customer.lost_reason, orm.func.count())
            .where(
                orm.col(models.Customer.lost_at) >= start,
                orm.col(models.Customer.lost_reason).is_not(None),
            )
            .group_by(models.Customer.lost_reason)
        ).all()
    return {code: n for code, n in rows if code}


def _views(s: orm.Session, ctx: Context, kind: str, include_retired: bool) -> list[ReasonView]:
    zh = get_language() == "zh"
    uses = _uses(s, ctx, kind)
    q = orm.select(models.Reason).where(models.Reason.kind == kind)
    if not include_retired:
        q = q.where(models.Reason.active == True)  # noqa: E712
    views = [
        ReasonView(
            r.kind,
            r.code,
            r.name_zh if zh else r.name_en,
            r.name_en,
            r.name_zh,
            r.needs_note,
            r.active,
            uses.get(r.code, 0),
        )
        for r in s.exec(q.order_by(orm.col(models.Reason.sort), orm.col(models.Reason.code))).all()
    ]
    # The most used first; "other" (a note required) last, whatever its use; then the
    # shop's own order. A retired reason after every active one.
    order = {v.code: i for i, v in enumerate(views)}
    if kind in FIXED_ORDER:
        return sorted(views, key=lambda v: (not v.active, order[v.code]))
    return sorted(views, key=lambda v: (not v.active, v.needs_note, -v.uses, order[v.code]))


@permission("reception")
def pick_list(ctx: Context, kind: str) -> list[ReasonView]:
    """The active reasons of ``kind``, most used first (what the form and the tick offer);
    the steps in the shop's order."""
    with ctx.db.read() as s:
        return _views(s, ctx, _kind(kind), include_retired=False)


@permission("manage")
def all_reasons(ctx: Context, kind: str) -> list[ReasonView]:
    """Every reason of ``kind``, retired ones too (the manager's list)."""
    with ctx.db.read() as s:
        return _views(s, ctx, _kind(kind), include_retired=True)


def _names(name_en: str, name_zh: str) -> tuple[str, str]:
    en = clean_field(name_en, field="name_en", max_length=60)
    zh = clean_field(name_zh, field="name_zh", max_length=60)
    if not en and not zh:
        raise InvalidInput("Give the reason a name.", field="name_en")
    return en or zh, zh or en


def _code(s: orm.Session, kind: str, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:20] or "reason"
    code, n = base, 1
    while s.get(models.Reason, (kind, code)) is not None:
        n += 1
        code = f"{base[:20]}_{n}"
    return code


@permission("manage")
def add_reason(
    ctx: Context, kind: str, name_en: str, name_zh: str = "", needs_note: bool = False
) -> ReasonView:
    """Add a reason (its code made from the English name); it is offered from now on."""
    kind = _kind(kind)
    en, zh = _names(name_en, name_zh)
    with ctx.db.write() as s:
        for r in s.exec(orm.select(models.Reason).where(models.Reason.kind == kind)).all():
            if en.casefold() in (r.name_en.casefold(), r.name_zh.casefold()) or zh in (
                r.name_en,
                r.name_zh,
            ):
                raise RuleViolation("There is already a reason called {name}.", name=en)
        if kind == "step":
            _room_for_a_step(s)
        last = (
            s.exec(
                orm.select(orm.func.max(models.Reason.sort)).where(models.Reason.kind == kind)
            ).one()
            or 0
        )
        row = models.Reason(
            kind=kind,
            code=_code(s, kind, en),
            name_en=en,
            name_zh=zh,
            needs_note=needs_note,
            sort=last + 1,
            active=True,
        )
        s.add(row)
        record_audit(
            s, ctx, "reason.add", "reason", None, None, {"kind": kind, "code": row.code, "name": en}
        )
        code = row.code
    return next(v for v in all_reasons(ctx, kind) if v.code == code)


def _room_for_a_step(s: orm.Session) -> None:
    """Refuse a tenth active step: the desk ticks them with the digits 1–9."""
    active = s.exec(
        orm.select(orm.func.count()).where(
            models.Reason.kind == "step",
            models.Reason.active == True,  # noqa: E712
        )
    ).one()
    if active >= MAX_STEPS:
        raise RuleViolation(
            "At most {n} steps can be in use (the desk ticks them with the digits 1 to {n}): "
            "retire one first.",
            n=MAX_STEPS,
        )


def _get(s: orm.Session, kind: str, code: str) -> models.Reason:
    row = s.get(models.Reason, (_kind(kind), code))
    if row is None:
        raise NotFound("No reason {code}.", field="code", code=code)
    return row


@permission("manage")
def rename_reason(
    ctx: Context, kind: str, code: str, name_en: str, name_zh: str = ""
) -> ReasonView:
    """New words for a reason; its code (and so every past use) stays."""
    en, zh = _names(name_en, name_zh)
    with ctx.db.write() as s:
        row = _get(s, kind, code)
        before = {"name_en": row.name_en, "name_zh": row.name_zh}
        row.name_en, row.name_zh = en, zh
        record_audit(
            s, ctx, "reason.rename", "reason", None, before, {"name_en": en, "name_zh": zh}
        )
    return next(v for v in all_reasons(ctx, kind) if v.code == code)


@permission("manage")
def set_reason_active(ctx: Context, kind: str, code: str, active: bool) -> ReasonView:
    """Retire a reason (no longer offered; past uses keep it) or bring it back. The last
    active reason of a kind, and the "other" that takes a note, cannot be retired."""
    with ctx.db.write() as s:
        row = _get(s, kind, code)
        if not active:
            actives = s.exec(
                orm.select(models.Reason).where(
                    models.Reason.kind == kind,
                    models.Reason.active == True,  # noqa: E712
                )
            ).all()
            if row.needs_note and sum(r.needs_note for r in actives) <= 1:
                raise RuleViolation(
                    "The reason that takes a note stays: something is always other."
                )
            if len(actives) <= 1:
                raise RuleViolation("At least one reason stays on the list.")
        if active and not row.active and kind == "step":
            _room_for_a_step(s)
        row.active = active
        record_audit(
            s,
            ctx,
            "reason.retire" if not active else "reason.restore",
            "reason",
            None,
            None,
            {"kind": kind, "code": code},
        )
    return next(v for v in all_reasons(ctx, kind) if v.code == code)


@permission("manage")
def move_reason(ctx: Context, kind: str, code: str, by: int) -> ReasonView:
    """Move an entry ``by`` places in the shop's order (the steps: digit 1 is the first).
    Retired entries keep their place among the others; the ends stop the move."""
    with ctx.db.write() as s:
        _get(s, kind, code)
        rows = list(
            s.exec(
                orm.select(models.Reason)
                .where(models.Reason.kind == kind)
                .order_by(orm.col(models.Reason.sort), orm.col(models.Reason.code))
            ).all()
        )
        i = next(n for n, r in enumerate(rows) if r.code == code)
        j = max(0, min(len(rows) - 1, i + by))
        if i != j:
            rows.insert(j, rows.pop(i))
            for n, r in enumerate(rows):
                r.sort = n
            record_audit(
                s,
                ctx,
                "reason.move",
                "reason",
                None,
                {"place": i + 1},
                {"kind": kind, "code": code, "place": j + 1},
            )
    return next(v for v in all_reasons(ctx, kind) if v.code == code)
