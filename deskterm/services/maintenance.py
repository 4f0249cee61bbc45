"""Opening a desk, backups and the integrity check (SQLite's and the app's own rules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from deskterm.clock import Clock, zone_named
from deskterm.domain.phone import normalize_phone
from deskterm.domain.rotation import RotationState, replay, settings_key, state_from_dict
from deskterm.errors import DamagedDatabase, DesktermError, StorageError
from deskterm.i18n import _
from deskterm.services import appointments
from deskterm.services import rotation as rotation_service
from deskterm.services.context import Context
from deskterm.services.permissions import PUBLIC, SYSTEM, permission
from deskterm.services.setup import (
    ensure_seeded,
    get_settings,
    load_levels,
    load_settings,
    rotation_settings,
)
from deskterm.storage import (
    audit_chain,
    files,
    models,
    orm,
    platform,
    private,
    queries,
    rotation_snapshot,
    search_index,
    transfer,
)
from deskterm.storage.audit_guard import missing_audit_guards
from deskterm.storage.engine import open_database
from deskterm.storage.postgres import is_server_address


def open_context(
    path: str | Path,
    clock: Clock,
    *,
    create: bool = True,
    start_of_day: bool = True,
    make_folder: bool = True,
    thorough: bool = True,
    read_only: bool = False,
) -> Context:
    """Open (creating if needed) a database and prepare it for today.

    Start of day closes earlier days left open and applies the escalation rules;
    both are idempotent, so two windows opening at once is harmless. ``thorough=False``
    (the app, whose full check runs after the first screen) reads only the file's header
    and schema before opening it. ``read_only`` (a report): nothing is created, migrated,
    seeded or written, the start of day included; a read-only file is fine.
    """
    diagnose_first(path, thorough=thorough, read_only=read_only)
    # The command line and the tests act as the system; the app sets who is signed in.
    db = open_database(
        path, create=create and not read_only, make_folder=make_folder, read_only=read_only
    )
    ctx = Context(db, clock, role=SYSTEM)
    if read_only:
        start_of_day = False
    else:
        ensure_seeded(ctx)
    zone = get_settings(ctx).get("shop.timezone")
    if zone:
        # The shop's calendar day, not the PC's: a sample made in Shanghai stays in Shanghai.
        clock.zone = zone_named(zone)
    if start_of_day:
        start_day(ctx)
    return ctx


def diagnose_first(target: str | Path, *, thorough: bool = True, read_only: bool = False) -> None:
    """Refuse a damaged, empty or read-only file before anything writes to it.

    The check opens the file read-only, so migrations, seeding and the start of day
    never touch a damaged file and the copy kept aside at a restore is the file as
    found. A file that does not exist yet is left to ``open_database`` (which may
    create it); a server keeps its own storage sound.
    """
    if isinstance(target, str) and is_server_address(target):
        return
    path = Path(target).expanduser()
    if not path.exists():
        return
    problem = files.damage(path, thorough=thorough)
    if problem == files.EMPTY:
        raise DamagedDatabase("{path} is an empty file, not a deskterm database.", path=str(path))
    if problem is not None and "not a database" in problem:
        # Its header is gone: a damaged deskterm file, or some other file named by mistake.
        raise DamagedDatabase(
            "{path} is not a deskterm database (or it is damaged): {error}",
            path=str(path),
            error=problem,
        )
    if problem is not None:
        raise DamagedDatabase(
            "The database {path} is damaged: {problem}", path=str(path), problem=problem
        )
    if files.is_read_only(path) and not read_only:
        raise StorageError(
            "{path} is sound but read-only (a read-only file, folder or disk): "
            "deskterm cannot save into it. Ask for write access, or copy it "
            "to a folder you can write to.",
            path=str(path),
        )


@permission("system")
def start_day(ctx: Context) -> None:
    """Close earlier days left open, apply the escalation rules (lost → marketing pool)
    and settle the appointments nobody came to.

    Run at start-up and again when the calendar day changes while the app is open;
    idempotent, so running it twice, or from two windows, changes nothing.
    """
    # Here, not at the top: the escalation rules' modules are not needed before the
    # desk's first screen (the desk runs the start of day a second after it).
    from deskterm.services.escalation import run_escalations

    rotation_service.close_past_days(ctx)
    run_escalations(ctx)
    # Yesterday's unkept appointments: no-shows, each with a callback due today.
    appointments.settle_no_shows(ctx)


def is_server(target: str) -> bool:
    """Whether ``--db`` names a database server (PostgreSQL) rather than a file."""
    return is_server_address(target)


@permission("export")
def output_folder(ctx: Context, kind: str) -> Path:
    """Where reports and exports go: beside the database file, or for a server
    database in the ``deskterm`` folder of this PC's home."""
    return ctx.db.home / kind


def declare_tables() -> None:
    """Declare the tables and their mappings now, where a desk's first screen left them
    for their first use (``storage.models``): the app calls this off the event loop once
    that screen is painted, so no key waits ~150 ms for them."""
    from sqlalchemy.orm import configure_mappers

    from deskterm.storage import tables  # noqa: F401  declared by the import

    orm.Session  # noqa: B018  SQLModel's names and the session hooks (storage.orm)
    configure_mappers()


@permission(PUBLIC)
def change_marker(ctx: Context) -> int:
    """Changes whenever anything was committed since the last look (any window)."""
    return ctx.db.data_version()


@permission("system")
def audit_tip(ctx: Context) -> tuple[int, str | None]:
    """The newest audit row (id, action), by two key lookups: a desk reads it at every
    change it sees. A restore from a backup writes its row last (``backup.restore``) and
    usually takes the trail back below what a desk saw: either way the desk says so."""
    [found] = ctx.db.read_batch([(queries.AUDIT_TIP_SQL, ())])
    if not found:
        return 0, None
    last_id, action = found[0]
    return int(last_id), action


@permission("system")
def health(ctx: Context) -> str | None:
    """None if the file is sound, else what is wrong (SQLite's quick_check, the schema).

    A server keeps its own storage sound, and its schema was checked (or migrated) when
    it was opened: there is nothing a restore from this PC could mend.
    """
    if ctx.db.path is None:
        return None
    return files.health(ctx.db.path)


@permission("system")
def warnings(ctx: Context) -> list[str]:
    """Conditions worth telling the user at start-up (not errors)."""
    found = []
    if ctx.db.path is not None and files.on_network_share(ctx.db.path):
        found.append(
            _(
                "The database {path} is on a network share: two PCs writing to it can "
                "damage it. Keep it on this PC's own disk.",
                path=str(ctx.db.path),
            )
        )
    if ctx.db.path is not None and not private.private_place(ctx.db.path):
        found.append(
            _(
                "The database {path} is outside your own Windows folder ({home}): other "
                "users of this PC may be able to read the customers in it. Keep it in "
                "the default folder, %LOCALAPPDATA%\\deskterm.",
                path=str(ctx.db.path),
                home=platform.private_home() or "",
            )
        )
    return found


@dataclass(frozen=True)
class Problem:
    """One finding of ``check``."""

    kind: str
    detail: str


def _unknown_history_levels(session, known: set[str]) -> list[Problem]:  # type: ignore[no-untyped-def]
    """Level codes in the history that the shop no longer has (screens show them as
    they are; a preset switch maps them, so only data from elsewhere has them)."""
    found: list[Problem] = []
    for model, name in (
        (models.LevelChange, "from_level"),
        (models.LevelChange, "to_level"),
        (models.Callback, "level_before"),
        (models.Callback, "level_after"),
    ):
        column = orm.col(getattr(model, name))
        for code, n in session.exec(
            orm.select(column, orm.func.count()).where(column.is_not(None)).group_by(column)
        ).all():
            if code not in known:
                found.append(
                    Problem(
                        "level",
                        f"{n} {model.__tablename__}.{name} rows have unknown level {code} "
                        "(shown as it is; `deskterm levels preset NAME` maps a preset's old "
                        "codes)",
                    )
                )
    return found


@permission("system")
def check(ctx: Context) -> list[Problem]:
    """SQLite's integrity and foreign-key checks (a server enforces both itself), then
    the app's own invariants."""
    problems: list[Problem] = []
    if ctx.db.path is not None:
        for kind, detail in files.integrity_problems(ctx.db.path):
            problems.append(Problem(kind, detail))
    with ctx.db.read() as s:
        levels = load_levels(s)
        staff = {st.id: st for st in s.exec(orm.select(models.Staff)).all()}
        country = load_settings(s)["phone.default_country"]
        for c in s.exec(orm.select(models.Customer)).all():
            owner = staff.get(c.owner_id)
            if owner is None or owner.role not in ("salesperson", "manager"):
                problems.append(Problem("owner", f"customer {c.id} is owned by a non-seller"))
            if c.level not in levels.codes:
                problems.append(Problem("level", f"customer {c.id} has unknown level {c.level}"))
            if c.phone is not None:
                try:
                    if normalize_phone(c.phone, country) != c.phone:
                        problems.append(Problem("phone", f"customer {c.id} phone not canonical"))
                except DesktermError:
                    problems.append(Problem("phone", f"customer {c.id} phone invalid"))
            if c.status == "won" and c.won_at is None:
                problems.append(Problem("status", f"customer {c.id} won without a date"))
            if c.status == "lost" and not c.lost_reason:
                problems.append(Problem("status", f"customer {c.id} lost without a reason"))
        problems.extend(_unknown_history_levels(s, set(levels.codes)))
        doubles = s.exec(
            orm.select(models.Callback.customer_id, orm.func.count())
            .where(models.Callback.status == "open", models.Callback.kind == "sales")
            .group_by(orm.col(models.Callback.customer_id))
            .having(orm.func.count() > 1)
        ).all()
        for cid, n in doubles:
            problems.append(Problem("callback", f"customer {cid} has {n} open callbacks"))
        missing = s.exec(
            orm.select(models.Customer.id).where(
                orm.col(models.Customer.status).in_(("active", "at_risk")),
                orm.col(models.Customer.level).in_([r.code for r in levels if r.callback_interval]),
                # A pending lost request waits for the manager, with no callback meanwhile.
                orm.col(models.Customer.lost_requested_at).is_(None),
                ~orm.select(models.Callback.id)
                .where(
                    models.Callback.customer_id == models.Customer.id,
                    models.Callback.status == "open",
                )
                .exists(),
            )
        ).all()
        for mid in missing:
            problems.append(Problem("callback", f"customer {mid} has no open callback"))
        unexplained = s.exec(
            orm.select(models.Reception.id).where(
                orm.col(models.Reception.form_saved_at).is_not(None),
                orm.col(models.Reception.customer_id).is_(None),
                orm.col(models.Reception.no_contact_reason).is_(None),
            )
        ).all()
        for rid in unexplained:
            problems.append(Problem("reception", f"reception {rid} has no contact and no reason"))
        settings = rotation_settings(load_settings(s))
        days = sorted(set(s.exec(orm.select(orm.col(models.RotationEventRow.day))).all()))
        kept = set(rotation_snapshot.days(s))
        has_row = set(kept)
        for day in days:
            kept.discard(day)
            try:
                replayed = replay(
                    day,
                    [
                        rotation_service._to_event(r)
                        for r in s.exec(
                            orm.select(models.RotationEventRow)
                            .where(
                                models.RotationEventRow.day == day,
                                orm.col(models.RotationEventRow.undone_at).is_(None),
                            )
                            .order_by(orm.col(models.RotationEventRow.id))
                        ).all()
                    ],
                    settings,
                )
            except DesktermError as exc:
                problems.append(Problem("rotation", f"{day}: {exc}"))
                continue
            problem = _snapshot_problem(s, day, replayed, day in has_row)
            if problem is not None:
                problems.append(Problem("rotation_snapshot", f"{day}: {problem}"))
        for day in sorted(kept):  # a snapshot of a day with no log at all
            problems.append(Problem("rotation_snapshot", f"{day}: a snapshot with no log"))
    problems.extend(_audit_guard_problems(ctx))
    problems.extend(_audit_chain_problems(ctx))
    with ctx.db.read_cursor() as cur:
        problems.extend(Problem("search", line) for line in search_index.disagreements(cur))
    return problems


def _snapshot_problem(
    s: orm.Session, day: date, replayed: RotationState, has_row: bool
) -> str | None:
    """How ``day``'s stored snapshot differs from the replay of its log (None: it agrees,
    or none is kept, or it was made under other settings and the next action replaces
    it)."""
    kept = rotation_snapshot.read(s, day)
    if kept is None:
        # A row the service could not have written (a desk replays past it): repair drops it.
        return "the stored snapshot cannot be read" if has_row else None
    if kept.settings != settings_key(replayed.settings):
        return None
    last = rotation_service.day_state(s, day)  # the snapshot, as a desk reads it
    try:
        stored = state_from_dict(day, replayed.settings, kept.state)
    except ValueError:
        return "the stored snapshot cannot be read"
    if stored != replayed:
        return "the stored snapshot differs from the replay of the log"
    newest = s.exec(
        orm.select(models.RotationEventRow.id)
        .where(
            models.RotationEventRow.day == day, orm.col(models.RotationEventRow.undone_at).is_(None)
        )
        .order_by(orm.col(models.RotationEventRow.id).desc())
        .limit(1)
    ).first()
    if last.last_event_id != (newest or 0):
        return "the stored snapshot ends at another event than the log"
    return None


@permission("system")
def repair_rotation_snapshots(ctx: Context) -> None:
    """Drop every day's stored rotation snapshot and keep today's replay
    (``check --repair``): the log is the record."""
    with ctx.db.write() as s:
        rotation_snapshot.drop(s)
        if s.exec(
            orm.select(models.RotationEventRow.id).where(models.RotationEventRow.day == ctx.today())
        ).first():
            rotation_service.keep_snapshot(s, ctx.today())


@permission("system")
def repair_search_index(ctx: Context) -> None:
    """Rebuild the customer search's indexes from the customers (``check --repair``).

    SQLite: both FTS5 indexes, and a missing trigger put back, in one write (seconds on a
    dealer group's file: the desks wait). PostgreSQL: the pg_trgm indexes are the server's
    own; a missing one comes back by re-running schema v11's step for them.
    """
    with ctx.db.write() as s:
        con = s.connection()
        if ctx.db.dialect == "postgresql":
            search_index.recreate_postgresql(con)
        else:
            search_index.rebuild(con)


def _audit_guard_problems(ctx: Context) -> list[Problem]:
    """The audit trail's append-only triggers, each one present and enforcing: without
    them its rows can be edited or deleted and nothing else would notice."""
    with ctx.db.read_cursor() as cur:
        missing = missing_audit_guards(cur, ctx.db.dialect)
    return [
        Problem(
            "audit", f"audit trigger {name} is missing or disabled: the audit trail can be edited"
        )
        for name in missing
    ]


def _audit_chain_problems(ctx: Context) -> list[Problem]:
    """The audit trail's hash chain, walked in id order: the first row that is not as
    deskterm wrote it (triggers dropped, rows changed, deleted or added, then put back)."""
    with ctx.db.read_cursor() as cur:
        breaks = audit_chain.verify(cur)
    return [Problem("audit", _chain_break(b)) for b in breaks]


def _chain_break(b: audit_chain.Break) -> str:
    """One break of the chain, said for the shop owner (which row, what it means)."""
    if b.kind == "changed":
        return _(
            "audit row {row} was changed after it was written (its hash no longer fits)", row=b.row
        )
    if b.kind == "unchained":
        return _("audit row {row} was not written by deskterm (it carries no hash)", row=b.row)
    if b.kind == "missing":
        return _(
            "audit rows after row {previous} and before row {row} were deleted",
            previous=b.previous or 0,
            row=b.row,
        )
    if b.kind == "link":
        return _(
            "audit row {row} does not follow row {previous}: rows were inserted, deleted "
            "or moved there",
            previous=b.previous or 0,
            row=b.row,
        )
    if b.kind == "tail":
        return _(
            "audit rows after row {previous} were deleted (the trail ended at row {row})",
            previous=b.previous or 0,
            row=b.row,
        )
    return _(
        "the audit trail's end (row {previous}) is not the end deskterm recorded: rows were "
        "added or changed outside deskterm",
        previous=b.previous or 0,
    )


@permission("manage")
def copy_to(
    ctx: Context, target: str | Path, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy this whole database into a new, empty one at ``target`` (a ``postgresql://``
    address, or a new SQLite file): how a shop moves to the group's server. All or
    nothing; returns the rows copied per table."""
    dest = open_database(target, create=True, make_folder=False)
    try:
        return transfer.copy_everything(ctx.db, dest, progress)
    finally:
        dest.close()


def demo_copy(sample: Path) -> Path:
    """A throw-away copy of the demo sample, so the committed file is never modified."""
    return files.demo_copy(sample)


def demo_today(path: Path) -> str | None:
    """The demo sample's own "today", read before the clock exists."""
    return files.demo_today(path)
