"""Shop set-up: staff, settings, levels and pick lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import update

from deskterm.domain import keys
from deskterm.domain.levels import DEFAULT_LEVELS, PRESETS, EscalationAction, LevelRule, Levels
from deskterm.domain.rotation import OrderMode, RotationSettings
from deskterm.domain.text import clean_field
from deskterm.errors import InvalidInput, NotFound, RuleViolation
from deskterm.i18n import N_, N_p, _
from deskterm.services.context import Context, record_audit, snapshot
from deskterm.services.permissions import PUBLIC, permission
from deskterm.storage import models, orm, prefetch, queries


class Role(StrEnum):
    """What a staff member does at the showroom."""

    RECEPTIONIST = "receptionist"
    SALESPERSON = "salesperson"
    MANAGER = "manager"
    MARKETING = "marketing"
    CARE = "care"


ROLE_LABELS: dict[str, str] = {  # keyed by the value: Staff.role is a plain str
    Role.RECEPTIONIST: N_("receptionist"),
    Role.SALESPERSON: N_("salesperson"),
    Role.MANAGER: N_("sales manager"),
    Role.MARKETING: N_p("role", "marketing"),
    Role.CARE: N_p("role", "customer care"),
}
SENIORITIES = ("junior", "senior")

#: Why a visitor left no contact details (second article: the manager analyses them).
NO_CONTACT_REASONS: tuple[tuple[str, str, str, bool], ...] = (
    ("refused", "refused to leave contact", "拒绝留下联系方式", False),
    ("not_asked", "salesperson did not ask", "销售未询问", False),
    ("not_buyer", '"didn\'t look like a buyer"', "“看着不像买车的”", False),
    ("just_browsing", "just browsing, in a hurry", "随便看看/赶时间", False),
    # The articles' own suspects: what the salesperson did, not what the visitor was.
    ("not_explained", "salesperson did not explain clearly", "销售没有讲解清楚", False),
    ("not_tailored", "salesperson did not tailor the talk", "销售介绍没有针对性", False),
    ("needs_unknown", "salesperson did not find out the needs", "销售没有了解客户需求", False),
    ("other", "other (note required)", "其他（需备注）", True),
)
#: Why a customer was lost (a required reason, charted by the manager).
LOST_REASONS: tuple[tuple[str, str, str, bool], ...] = (
    ("competitor", "bought a competitor's car", "购买竞品", False),
    ("price", "price / discount", "价格/优惠", False),
    ("no_stock", "model or colour not in stock", "无现车/颜色", False),
    ("financing", "financing refused", "贷款未通过", False),
    ("postponed", "purchase postponed", "推迟购买", False),
    ("unreachable", "unreachable", "联系不上", False),
    ("no_progress", "no progress in time (escalation)", "长期无进展（超期）", False),
    ("other", "other (note required)", "其他（需备注）", True),
)
#: How a visitor heard of the shop (issue 18: cost per visitor and per sale by medium).
#: The same rows as migration v9 inserts into files made before it.
MEDIA_SOURCES: tuple[tuple[str, str, str, bool], ...] = (
    ("online_ads", "online ads", "网络广告", False),
    ("auto_sites", "car websites", "汽车网站", False),
    ("short_video", "short video, social media", "短视频/社交媒体", False),
    ("referral", "referral by a friend", "朋友介绍", False),
    ("repeat", "own customer before", "老客户", False),
    ("passing_by", "passing by", "路过", False),
    ("outdoor", "billboard, radio", "户外/电台广告", False),
    ("event", "motor show, event", "车展/活动", False),
    ("other", "other", "其他", False),
)

#: The steps of the sale a visit goes through while the customer is there (issue 19): the
#: desk ticks them on the arrival under the cursor, one digit each in this order. The
#: codes ``test_drive`` (mirrors the form's "test drive") and ``manager`` (the manager
#: met the customer before they left: the turn-over rate) carry meaning; the shop may
#: rename, reorder, retire or add steps.
SALE_STEPS: tuple[tuple[str, str, str, bool], ...] = (
    ("greeted", "greeted", "接待问候", False),
    ("needs", "needs analysis", "需求分析", False),
    ("walkaround", "walk-around", "绕车介绍", False),
    ("test_drive", "test drive", "试乘试驾", False),
    ("quote", "quote", "报价", False),
    ("manager", "manager met the customer", "经理见面", False),
)
#: The step whose share of visits is the turn-over rate (T.O.: the manager met them).
TURN_OVER_STEP = "manager"

DEFAULT_SETTINGS: dict[str, str] = {
    "rotation.mode": OrderMode.BACK_OF_QUEUE.value,
    "rotation.uncounted_weight": "0",
    "rotation.hold_unsaved_form": "true",
    "rotation.hold_overdue_callbacks": "false",
    # Issue 23: the receptionist may give a counted turn by hand too (else the manager).
    "rotation.receptionist_turns": "false",
    "phone.default_country": "86",
    "report.rate_window_days": "30",
    "care.schedule": "P3D,P1M,P3M,P1Y",
    "backup.keep": "14",
    "auth.mode": "pin",
    # The shop's week for spreading monthly targets: Monday first, 0 = closed.
    "targets.weekdays": "1,1,1,1,1,1,1",
    # Issue 19: minutes after an appointment's time before it is a no-show; minutes a
    # visitor may wait for a salesperson before the board shows the wait; the days
    # within which a first visitor's return counts as a be-back.
    "appointments.grace_minutes": "60",
    "reception.wait_alert_minutes": "3",
    "report.be_back_days": "30",
}


#: Settings with no default: set by the demo generator or a shop that needs them.
OPTIONAL_SETTINGS = ("demo.today", "shop.timezone", "shop.name")


def seed_defaults(session: orm.Session) -> None:
    """Fill levels, reasons and settings in an empty database (idempotent)."""
    if session.exec(orm.select(models.Level)).first() is None:
        for rule in DEFAULT_LEVELS:
            session.add(_level_row(rule))
    for kind, reasons in (
        ("no_contact", NO_CONTACT_REASONS),
        ("lost", LOST_REASONS),
        ("media", MEDIA_SOURCES),
        ("step", SALE_STEPS),
    ):
        for i, (code, en, zh, note) in enumerate(reasons):
            if session.get(models.Reason, (kind, code)) is None:
                session.add(
                    models.Reason(
                        kind=kind, code=code, name_en=en, name_zh=zh, needs_note=note, sort=i
                    )
                )
    for key, value in DEFAULT_SETTINGS.items():
        if session.get(models.Setting, key) is None:
            session.add(models.Setting(key=key, value=value))
    session.info.pop(_SETTINGS_READ, None)


@permission("system")
def ensure_seeded(ctx: Context) -> None:
    """Seed defaults once per database (cheap no-op afterwards)."""
    # Levels, not settings: a migration may write a setting into an unseeded file. The
    # media and step lists too: a file made before v9 gets the built-in ones now (a
    # migration may not write rows: a shop's file is copied into an empty schema).
    [[found]] = ctx.db.read_batch([(queries.SEEDED_SQL, ())])
    if all(found):
        return
    with ctx.db.write() as s:
        seed_defaults(s)


def _level_row(rule: LevelRule) -> models.Level:
    return models.Level(
        code=rule.code,
        rank=rule.rank,
        name_en=rule.name_en,
        name_zh=rule.name_zh,
        horizon_months=rule.horizon_months,
        callback_interval=rule.callback_interval,
        to_marketing=rule.to_marketing,
        escalation=rule.escalation.value if rule.escalation else None,
        escalation_after=rule.escalation_after,
        lost_after=rule.lost_after,
        stall_grace=rule.stall_grace,
    )


def levels_from_rows(rows: list[models.Level]) -> Levels:
    """The configured levels as domain rules."""
    return Levels(
        LevelRule(
            r.code,
            r.rank,
            r.name_en,
            r.name_zh,
            r.horizon_months,
            r.callback_interval,
            r.to_marketing,
            EscalationAction(r.escalation) if r.escalation else None,
            r.escalation_after,
            r.lost_after,
            r.stall_grace,
        )
        for r in rows
    )


@lru_cache(maxsize=8)
def _levels_from_table(rows: tuple[tuple[Any, ...], ...]) -> Levels:
    return Levels(
        LevelRule(
            code,
            rank,
            name_en,
            name_zh,
            horizon,
            interval,
            bool(to_marketing),
            EscalationAction(escalation) if escalation else None,
            escalation_after,
            lost_after,
            stall_grace,
        )
        for (
            code,
            rank,
            name_en,
            name_zh,
            horizon,
            interval,
            to_marketing,
            escalation,
            escalation_after,
            lost_after,
            stall_grace,
        ) in rows
    )


def load_levels(session: orm.Session | queries.Raw) -> Levels:
    """Levels from the database (in a session, or on a hot-path driver cursor).

    The table is read on every call (another window may have changed it); only the
    rules built from identical rows are reused, which saves most of the cost.
    """
    if isinstance(session, queries.Raw):
        return _levels_from_table(queries.level_rows(session))
    found = prefetch.take(session, LEVELS_READ)  # asked for with a write's lock
    if found is not None:
        return _levels_from_table(tuple(tuple(row) for row in found))
    return _levels_from_table(queries.level_rows(queries.cursor_of(session)))


#: The name a write asks for the levels by (:meth:`Prefetch.read` of ``LEVELS_SQL``).
LEVELS_READ = "levels"


@permission(PUBLIC)
def get_levels(ctx: Context) -> Levels:
    """The shop's configured levels."""
    # On the driver: read at every start, where a session would import the ORM (storage.orm).
    with ctx.db.read_cursor() as cur:
        return _levels_from_table(queries.level_rows(cur))


@permission("manage")
def apply_level_preset(ctx: Context, preset: str) -> Levels:
    """Replace the levels with a preset (``default`` or ``habc``), mapping customers across.

    Customers on a level that disappears move to the new level of the nearest rank,
    so nobody is left on a level that no longer exists; the history (level changes,
    callbacks' levels before and after) is mapped the same way in the same
    transaction, so a report on a past day reads codes the shop still has.
    """
    if preset not in PRESETS:
        raise InvalidInput(
            "Unknown preset {name}; choose one of: {choices}.",
            field="preset",
            name=preset,
            choices=", ".join(PRESETS),
        )
    new = Levels(PRESETS[preset])
    with ctx.db.write() as s:
        old_rules = list(load_levels(s))
        new_rules = list(new)
        mapping: dict[str, str] = {}
        for i, rule in enumerate(old_rules):
            if rule.code in new.codes:
                mapping[rule.code] = rule.code
            else:  # same relative position from hottest to coldest
                pos = round(i * (len(new_rules) - 1) / max(len(old_rules) - 1, 1))
                mapping[rule.code] = new_rules[pos].code
        # History left behind by a switch made before the history was mapped: a code of
        # another preset maps the same way, so running the switch again repairs it.
        for rules in PRESETS.values():
            for i, rule in enumerate(sorted(rules, key=lambda r: -r.rank)):
                if rule.code not in mapping and rule.code not in new.codes:
                    pos = round(i * (len(new_rules) - 1) / max(len(rules) - 1, 1))
                    mapping[rule.code] = new_rules[pos].code
        # Ranks are unique and checked row by row: park every rank out of the way first.
        rows = {row.code: row for row in s.exec(orm.select(models.Level)).all()}
        for i, row in enumerate(rows.values()):
            row.rank = -1000 - i
        s.flush()
        for i, rule in enumerate(new_rules):
            if rule.code not in rows:
                rows[rule.code] = models.Level(
                    code=rule.code, rank=-2000 - i, name_en=rule.name_en, name_zh=rule.name_zh
                )
                s.add(rows[rule.code])
        s.flush()
        for code, target in mapping.items():
            if code != target:
                for c in s.exec(
                    orm.select(models.Customer).where(models.Customer.level == code)
                ).all():
                    c.level = target
        history = _map_level_history(s, mapping)
        s.flush()
        for code, row in rows.items():
            if code not in new.codes:
                s.delete(row)
        s.flush()
        for rule in new_rules:
            fresh = _level_row(rule)
            row = rows[rule.code]
            for column in (
                "rank",
                "name_en",
                "name_zh",
                "horizon_months",
                "callback_interval",
                "to_marketing",
                "escalation",
                "escalation_after",
                "lost_after",
                "stall_grace",
            ):
                setattr(row, column, getattr(fresh, column))
        record_audit(
            s,
            ctx,
            "levels.preset",
            "level",
            None,
            None,
            {"preset": preset, "mapping": mapping, "history_rows": history},
        )
    return new


def _map_level_history(session: orm.Session, mapping: dict[str, str]) -> int:
    """Rewrite old level codes in the history tables; the number of rows changed."""
    changed = 0
    columns: tuple[tuple[Any, str], ...] = (
        (models.LevelChange, "from_level"),
        (models.LevelChange, "to_level"),
        (models.Callback, "level_before"),
        (models.Callback, "level_after"),
    )
    for code, target in mapping.items():
        if code == target:
            continue
        for table, name in columns:
            result = session.exec(  # type: ignore[call-overload]
                update(table).where(getattr(table, name) == code).values({name: target})
            )
            changed += result.rowcount or 0
    return changed


# -- settings -----------------------------------------------------------------


#: The demo files' shop names (their data is in English): said in the language in force
#: (the app's title: here, not in services.labels, whose imports the first screen
#: does not need).
DEMO_SHOP_NAMES: dict[str, str] = {
    "deskterm demo showroom": N_("deskterm demo showroom"),
    "deskterm dealer group": N_("deskterm dealer group"),
}


def shop_name(name: str) -> str:
    """The shop's name as the shop set it; a demo file's name in the language."""
    return _(DEMO_SHOP_NAMES[name]) if name in DEMO_SHOP_NAMES else name


@permission(PUBLIC)
def get_settings(ctx: Context) -> dict[str, str]:
    """All settings, defaults filled in."""
    [stored] = ctx.db.read_batch([(queries.DESK_SETTINGS_SQL, ())])
    return {**DEFAULT_SETTINGS, **{str(key): str(value) for key, value in stored}}


def load_settings(session: orm.Session) -> dict[str, str]:
    """Settings inside a caller's session (read once per transaction: an action asked for
    them two or three times, a round trip each on a server)."""
    stored = _once(session, _SETTINGS_READ, lambda: _setting_rows(session))
    return {**DEFAULT_SETTINGS, **dict(stored)}


def _setting_rows(session: orm.Session) -> list[tuple[str, str]]:
    found = prefetch.take(session, _SETTINGS_READ)  # asked for with a write's lock
    if found is None:
        found = [(row.key, row.value) for row in session.exec(orm.select(models.Setting)).all()]
    return [(str(k), str(v)) for k, v in found]


def wanted(ask: prefetch.Prefetch) -> prefetch.Prefetch:
    """``ask`` asking for the settings and the staff too, read with a write's lock (a
    desk action reads both)."""
    return ask.read(_SETTINGS_READ, "SELECT key, value FROM setting").read(
        _STAFF_READ, "SELECT id, name, role, active FROM staff"
    )


class StaffEntry(NamedTuple):
    """Who someone is, as the board and the arrivals name them (not a session object:
    made for every staff member on every action, it must cost next to nothing)."""

    id: int
    name: str
    role: str
    active: bool


def _staff_rows(session: orm.Session) -> list[StaffEntry]:
    found = prefetch.take(session, _STAFF_READ)  # asked for with a write's lock
    if found is None:
        query = orm.select(
            models.Staff.id, models.Staff.name, models.Staff.role, models.Staff.active
        )
        found = [tuple(row) for row in session.exec(query).all()]
    return [StaffEntry(int(i), str(n), str(r), bool(a)) for i, n, r, a in found]


def all_staff(session: orm.Session) -> list[StaffEntry]:
    """Every staff member, former ones too, read once per transaction (the board, its
    off-duty list and the arrivals each named people from it: three reads a reload)."""
    return list(_once(session, _STAFF_READ, lambda: _staff_rows(session)))


_T = TypeVar("_T")


def _once(session: orm.Session, key: str, load: Callable[[], _T]) -> _T:
    """``load()``'s result, kept for the rest of ``session``'s transaction (another
    transaction may see other rows: it reads again)."""
    session.connection()  # begins the transaction if nothing in it ran yet
    tx = session.get_transaction()
    cached = session.info.get(key)
    if cached is None or cached[0] is not tx:
        cached = session.info[key] = (tx, load())
    return cached[1]  # type: ignore[no-any-return]


#: Where a session keeps the settings and the staff it read (forgotten by what writes them).
_SETTINGS_READ = "deskterm.settings"
_STAFF_READ = "deskterm.staff"


def rotation_settings(values: dict[str, str]) -> RotationSettings:
    """The rotation's settings from the settings table."""
    return RotationSettings(
        mode=OrderMode(values["rotation.mode"]),
        uncounted_weight=float(values["rotation.uncounted_weight"]),
    )


_SETTING_CHECKS: dict[str, tuple[str, ...]] = {
    "rotation.mode": tuple(m.value for m in OrderMode),
    "rotation.uncounted_weight": ("0", "0.5"),
    "rotation.hold_unsaved_form": ("true", "false"),
    "rotation.hold_overdue_callbacks": ("true", "false"),
    "rotation.receptionist_turns": ("true", "false"),
    "auth.mode": ("pin", "open"),
}


def _check_care_schedule(value: str) -> None:
    from deskterm.domain.durations import approx_days
    from deskterm.services.care import care_steps

    steps = care_steps(value)
    if not steps:
        raise InvalidInput("Give at least one step, e.g. P3D,P1M,P3M,P1Y.", field="value")
    # A step of centuries would overflow the calendar when a due date is computed.
    if len(steps) > 20 or any(approx_days(step) > 10 * 366 for step in steps):
        raise InvalidInput(
            "{key} takes at most 20 steps of at most ten years each.",
            field="value",
            key="care.schedule",
        )


#: Settings that are whole numbers: (smallest, largest).
_SETTING_RANGES: dict[str, tuple[int, int]] = {
    "backup.keep": (1, 3650),
    "report.rate_window_days": (1, 366),
    "appointments.grace_minutes": (0, 720),
    "reception.wait_alert_minutes": (1, 120),
    "report.be_back_days": (1, 365),
}


def check_setting(key: str, value: str) -> str:
    """``value`` as stored for setting ``key``, or :class:`InvalidInput` naming the setting.

    Every known setting has a rule: a setting read back by the desk, the reports or the
    clock must never hold what they cannot use (a time zone such as ``../../etc/passwd``
    used to end in a traceback).
    """
    if key.startswith(keys.SETTING_PREFIX):
        # A shop's own key for one binding: a key nobody could press there is refused
        # here, not discovered at the desk.
        bid = keys.binding_id(key)
        value = keys.check_key(bid, value)
        keys.clashes({bid: value})
        return value
    if key not in DEFAULT_SETTINGS and key not in OPTIONAL_SETTINGS:
        raise InvalidInput("Unknown setting {key}.", field="key", key=key)
    value = value.strip()
    if len(value) > 200 or any(not ch.isprintable() for ch in value):
        raise InvalidInput("{key}: at most 200 characters on one line.", field="value", key=key)
    allowed = _SETTING_CHECKS.get(key)
    if allowed and value not in allowed:
        raise InvalidInput(
            "{key} must be one of: {choices}.", field="value", key=key, choices=", ".join(allowed)
        )
    bounds = _SETTING_RANGES.get(key)
    if bounds and not (
        value.isascii() and value.isdigit() and bounds[0] <= int(value) <= bounds[1]
    ):
        raise InvalidInput(
            "{key} must be a whole number from {low} to {high}.",
            field="value",
            key=key,
            low=bounds[0],
            high=bounds[1],
        )
    if key == "care.schedule":
        _check_care_schedule(value)
    elif key == "phone.default_country":
        if not (
            value.isascii()
            and value.isdigit()
            and 1 <= len(value) <= 3
            and not value.startswith("0")
        ):
            raise InvalidInput(
                "{key} is a country calling code of 1 to 3 digits, e.g. 86.", field="value", key=key
            )
    elif key == "shop.timezone":
        from deskterm.clock import zone_named

        zone_named(value)
    elif key == "demo.today":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(
                "{key} is a date and time written 2026-11-20T10:40+08:00.", field="value", key=key
            ) from None
    elif key == "targets.weekdays":
        from deskterm.domain.targets import ShopCalendar

        ShopCalendar.parse(value)
        value = ",".join(p.strip() for p in value.split(","))
    elif key == "shop.name":
        value = clean_field(value, field="value", max_length=60)
    return value


@permission("manage")
def set_setting(ctx: Context, key: str, value: str) -> None:
    """Change one setting, validated."""
    value = check_setting(key, value)
    with ctx.db.write() as s:
        if key.startswith(keys.SETTING_PREFIX):
            # The shop's other changed keys count too: two moved onto one key clash.
            bid = keys.binding_id(key)
            others = {b: k for b, k in keys.keymap(load_settings(s)).items() if b != bid}
            keys.clashes({bid: value, **others})  # the new key first: the message names it
        row = s.get(models.Setting, key)
        before = None if row is None else {"value": row.value}
        if row is None:
            s.add(models.Setting(key=key, value=value))
        else:
            row.value = value
        s.info.pop(_SETTINGS_READ, None)
        record_audit(s, ctx, "setting.change", "setting", None, before, {key: value})


# -- staff --------------------------------------------------------------------


@dataclass(frozen=True)
class StaffView:
    """A staff member as screens and the CLI show them."""

    id: int
    name: str
    role: str
    seniority: str
    active: bool


def _view(row: models.Staff) -> StaffView:
    assert row.id is not None
    return StaffView(row.id, row.name, row.role, row.seniority, row.active)


@permission("manage")
def add_staff(
    ctx: Context, name: str, role: str, seniority: str = "junior", phone: str | None = None
) -> StaffView:
    """Add a staff member."""
    clean = clean_field(name, field="name", max_length=40, required=True)
    try:
        role_ = Role(role)
    except ValueError:
        raise InvalidInput(
            "Unknown role {role}; choose one of: {choices}.",
            field="role",
            role=role,
            choices=", ".join(r.value for r in Role),
        ) from None
    if seniority not in SENIORITIES:
        raise InvalidInput("Seniority is junior or senior.", field="seniority")
    with ctx.db.write() as s:
        dup = s.exec(
            orm.select(models.Staff).where(
                models.Staff.name == clean,
                models.Staff.active == True,  # noqa: E712
            )
        ).first()
        if dup is not None:
            raise InvalidInput("{name} is already on the staff list.", field="name", name=clean)
        row = models.Staff(
            name=clean, role=role_.value, seniority=seniority, phone=phone, joined_on=ctx.today()
        )
        s.add(row)
        s.flush()
        s.info.pop(_STAFF_READ, None)
        record_audit(
            s, ctx, "staff.add", "staff", row.id, None, snapshot(row, ("name", "role", "seniority"))
        )
        return _view(row)


@permission(PUBLIC)
def list_staff(
    ctx: Context, role: str | None = None, include_inactive: bool = False
) -> list[StaffView]:
    """Staff, by role then name."""
    with ctx.db.read() as s:
        q = orm.select(models.Staff)
        if role:
            q = q.where(models.Staff.role == role)
        if not include_inactive:
            q = q.where(models.Staff.active == True)  # noqa: E712
        return [_view(r) for r in s.exec(q.order_by(models.Staff.role, models.Staff.name)).all()]


@permission("system")
def staffed(ctx: Context, role: str) -> bool:
    """Whether anyone active holds ``role``: the app's own look at the start (a shop
    without salespeople is a first run), before anyone has signed in."""
    with ctx.db.read_cursor() as cur:
        return bool(cur.rows(queries.ROLE_STAFFED_SQL, (role,)))


@permission(PUBLIC)
def find_staff(ctx: Context, name_or_id: str) -> StaffView:
    """A staff member by id or exact name (what a CLI user types)."""
    with ctx.db.read() as s:
        row: models.Staff | None = None
        if name_or_id.isdigit():
            row = s.get(models.Staff, int(name_or_id))
        if row is None:
            row = s.exec(
                orm.select(models.Staff).where(models.Staff.name == name_or_id.strip())
            ).first()
        if row is None:
            raise NotFound("No staff member {who}.", field="staff", who=name_or_id)
        return _view(row)


@permission("manage")
def set_staff_active(ctx: Context, staff_id: int, active: bool) -> StaffView:
    """Deactivate (someone left) or reactivate a staff member.

    A salesperson who still owns active customers cannot be deactivated: their
    customers must be handed over first, so nobody is left without an owner.
    """
    with ctx.db.write() as s:
        row = s.get(models.Staff, staff_id)
        if row is None:
            raise NotFound("No staff member {who}.", field="staff", who=staff_id)
        if not active:
            owned = s.exec(
                orm.select(models.Customer.id).where(
                    models.Customer.owner_id == staff_id,
                    orm.col(models.Customer.status).in_(("active", "at_risk")),
                )
            ).first()
            if owned is not None:
                raise RuleViolation(
                    "{name} still owns customers; hand them over first.",
                    field="staff",
                    name=row.name,
                )
        before = snapshot(row, ("active",))
        row.active = active
        row.left_on = None if active else ctx.today()
        record_audit(s, ctx, "staff.active", "staff", row.id, before, {"active": active})
        return _view(row)
