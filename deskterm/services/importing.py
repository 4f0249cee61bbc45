"""Importing the showroom's customer sheet: a dry run, then an all-or-nothing commit.

``preview`` and ``commit`` plan the same way (``deskterm.domain.sheet.plan_rows``) on
what is on file at that moment, so the commit does exactly what a dry run just showed
unless someone saved a customer in between, and then it says so through its plan.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from deskterm.domain.escalation import STATUS_LABELS, Status
from deskterm.domain.levels import HORIZON_LABELS, Levels
from deskterm.domain.phone import normalize_phone
from deskterm.domain.schedule import NextStep, first_callback
from deskterm.domain.sheet import (
    FIELD_LABELS,
    MERGE_FILLS,
    VALUE_FIELDS,
    Action,
    Cell,
    Existing,
    FieldLabel,
    ImportField,
    PlannedRow,
    ShopFacts,
    cell_text,
    check_mapping,
    guess_mapping,
    is_totals_row,
    key,
    plan_rows,
    recognise,
    summary,
)
from deskterm.errors import DesktermError, InvalidInput, NotFound, RuleViolation
from deskterm.i18n import LANGUAGES, N_, _, get_language, ngettext, translate_to
from deskterm.services.context import Context, audit_entry, record_audit
from deskterm.services.permissions import permission
from deskterm.services.reception import BUDGETS, CHANNELS, _set_level, reschedule
from deskterm.services.setup import load_levels, load_settings
from deskterm.storage import audit_chain, bulk
from deskterm.storage.models import (
    Audit,
    Callback,
    Customer,
    ImportBatch,
    ImportChange,
    Lead,
    LevelChange,
    OwnershipChange,
    Reason,
    Reception,
    Staff,
    saved_id,
)
from deskterm.storage.queries import Raw
from deskterm.storage.sheets import Sheet, check_source, read_sheet, write_sheet

_CHUNK = 500  # phones per IN (...) lookup: well under SQLite's variable limit


#: The shop's media list: (code, name_en, name_zh, active), in list order.
MediaList = tuple[tuple[str, str, str, bool], ...]


@dataclass(frozen=True)
class ImportPlan:
    """What an import does (or did), line by line."""

    sheet: str
    rows: tuple[PlannedRow, ...]
    committed: bool
    levels: Levels | None = None  # the shop's, to name levels in ``explain``
    batch: int | None = None  # the committed import's number (``deskterm import undo N``)
    media: MediaList = ()  # the shop's media list, to name media in ``explain``

    @property
    def counts(self) -> dict[Action, int]:
        """Lines to create, merge and reject."""
        return summary(self.rows)


def _facts(
    s: Session,
    ctx: Context,
    sheet: Sheet,
    mapping: Sequence[ImportField | None],
    default_owner: int | None,
    values: ValueMap | None = None,
    update: Collection[str] = (),
) -> tuple[ShopFacts, list[tuple[int, dict[ImportField, Cell]]]]:
    settings = load_settings(s)
    country = settings["phone.default_country"]
    rows = [
        (
            line,
            {
                f: (cells[i] if i < len(cells) else None)
                for i, f in enumerate(mapping)
                if f is not None
            },
        )
        for line, cells in sheet.rows
        if not is_totals_row(cells)
    ]
    owners: dict[str, int] = {}
    for st in s.exec(select(Staff).where(Staff.role == "salesperson", Staff.active)).all():
        assert st.id is not None
        owners[st.name] = st.id
        owners[str(st.id)] = st.id
    if default_owner is not None and default_owner not in owners.values():
        raise RuleViolation(
            "The salesperson chosen for the sheet is not an active salesperson.", field="owner"
        )
    # Only the phones the sheet holds are looked up: a dealer group has 200,000 on file.
    phones = set()
    for _line, raw in rows:
        try:
            phones.add(normalize_phone(cell_text(raw.get(ImportField.PHONE)), country))
        except DesktermError:
            continue  # the plan rejects that line and says why
    existing: dict[str, Existing] = {}
    wanted = sorted(phones)
    for i in range(0, len(wanted), _CHUNK):
        for c in s.exec(
            select(Customer).where(col(Customer.phone).in_(wanted[i : i + _CHUNK]))
        ).all():
            assert c.id is not None and c.phone is not None
            existing[c.phone] = Existing(
                c.id,
                c.name,
                c.owner_id,
                c.contact_other,
                c.model_interest,
                c.budget,
                c.purchase_horizon,
                c.notes,
                c.level,
                c.media,
            )
    facts = ShopFacts(
        load_levels(s),
        owners,
        existing,
        default_owner,
        country,
        ctx.today(),
        _words(),
        media=_media_list(s),
    )
    return replace(
        facts, values=_resolve_values(facts, values or {}), update=frozenset(update)
    ), rows


def _media_list(s: Session) -> MediaList:
    """The shop's media list in its order, retired ones too (ShopFacts.media)."""
    return tuple(
        (r.code, r.name_en, r.name_zh, r.active)
        for r in s.exec(
            select(Reason)
            .where(Reason.kind == "media")
            .order_by(col(Reason.sort), col(Reason.code))
        ).all()
    )


#: What the person maps once for the whole sheet: (field, the sheet's text) → a value in
#: any of the ways the shop writes it (a level's code or name, a channel's label…).
ValueMap = Mapping[tuple[ImportField, str], str]


def _resolve_values(facts: ShopFacts, values: ValueMap) -> dict[ImportField, dict[str, str]]:
    """The person's value mapping as stored codes; refuses a target the shop lacks."""
    out: dict[ImportField, dict[str, str]] = {}
    for (f, text), target in values.items():
        if f not in VALUE_FIELDS:
            raise InvalidInput(
                "Only these fields take a value mapping: {fields}.",
                field="value",
                fields=_(", ").join(str(FieldLabel(v)) for v in VALUE_FIELDS),
            )
        code = recognise(f, target, facts)
        if (
            code is None
            or (f is ImportField.LEVEL and code not in facts.levels.codes)
            or (f is ImportField.MEDIA and code not in facts.active_media)
        ):
            raise InvalidInput(
                "{what} {value} is not one the shop has (one of: {choices}).",
                field="value",
                what=FieldLabel(f),
                value=target,
                choices=_(", ").join(label for _code, label in choices_of(facts, f)),
            )
        out.setdefault(f, {})[key(text)] = code
    return out


def choices_of(facts: ShopFacts, f: ImportField) -> list[tuple[str, str]]:
    """The values field ``f`` can take, as (code, label in the current language)."""
    if f is ImportField.LEVEL:
        return [(r.code, r.name) for r in facts.levels]
    if f is ImportField.MEDIA:  # what the form offers: the active media, in list order
        zh = get_language() == "zh"
        return [(code, zh_ if zh else en) for code, en, zh_, on in facts.media if on]
    table = {
        ImportField.SOURCE_CHANNEL: CHANNELS,
        ImportField.BUDGET: BUDGETS,
        ImportField.PURCHASE_HORIZON: {str(k): v for k, v in HORIZON_LABELS.items()},
    }.get(f, {})
    return [(code, _(label)) for code, label in table.items()]


@permission("manage")
def value_choices(ctx: Context, f: ImportField) -> list[tuple[str, str]]:
    """What an unknown word of field ``f`` can be mapped to: (code, label)."""
    with ctx.db.read() as s:
        facts = ShopFacts(
            load_levels(s), {}, {}, None, "86", ctx.today(), _words(), media=_media_list(s)
        )
    return choices_of(facts, f)


def _words() -> dict[ImportField, dict[str, str]]:
    """The labels deskterm itself writes in each language, so its exports import back."""
    tables = (
        (ImportField.BUDGET, BUDGETS),
        (ImportField.SOURCE_CHANNEL, CHANNELS),
        (ImportField.PURCHASE_HORIZON, {str(k): v for k, v in HORIZON_LABELS.items()}),
    )
    return {
        f: {
            key(text): code
            for code, label in table.items()
            for text in (code, label, *(translate_to(lang, label) for lang in LANGUAGES))
        }
        for f, table in tables
    }


def check_file(path: Path) -> None:
    """Refuse at once a file name that cannot be a sheet (missing, a folder, old .xls)."""
    check_source(path)


def read(path: Path, sheet_name: str | None = None, header_row: int | None = None) -> Sheet:
    """Read the sheet from a .csv or .xlsx file (errors say what to do about the file).

    The header row is found (the first of the top 20 lines naming two known fields)
    unless ``header_row`` gives it; ``Sheet.header_row`` says which line was used.
    """
    return read_sheet(path, sheet_name, header_row)


def guess(sheet: Sheet) -> list[ImportField | None]:
    """The field of each column, recognised from the headers (the mapping to start from)."""
    return guess_mapping(sheet.headers)


def samples(sheet: Sheet, column: int, n: int = 3) -> list[str]:
    """The first ``n`` non-blank values of a column, to show beside its header."""
    out: list[str] = []
    for _line, cells in sheet.rows:
        if column < len(cells) and cell_text(cells[column]).strip():
            out.append(cell_text(cells[column]).strip())
            if len(out) == n:
                break
    return out


def explain(row: PlannedRow, levels: Levels | None = None, media: MediaList = ()) -> str:
    """One line, in the current language: why a line is rejected, what a merge adds, and
    any warning (the dry run's "why" column, on screen and on the command line);
    ``levels`` and ``media`` name the shop's levels and media (``ImportPlan`` has both)."""
    if row.reason is not None:
        f = row.reason.field
        label = _(FIELD_LABELS[ImportField(f)]) if f in set(ImportField) else ""
        if not label:
            return row.reason.message
        return _("{field}: {problem}", field=label, problem=row.reason.message)
    parts = []
    if row.into_line is not None:
        parts.append(_("same phone as line {line}", line=row.into_line))
    elif row.existing_id is not None:
        parts.append(_("already customer #{id}", id=row.existing_id))
    if row.fills:
        parts.append(
            _(
                "adds {fields}",
                fields=_(", ").join(_(FIELD_LABELS[ImportField(f)]) for f in row.fills),
            )
        )
    dup = row.into_line is not None
    for f, old, new in row.changes if dup else ():
        parts.append(
            _(
                "{field} {new} taken from this line (hotter than {old} on line {line})",
                field=_(FIELD_LABELS[ImportField(f)]),
                old=_shown(f, old, levels, media),
                new=_shown(f, new, levels, media),
                line=row.into_line,
            )
        )
    for f, said, kept in row.ignored if dup else ():
        parts.append(
            _(
                "{field}: this line says {said}, kept {kept} from line {line}",
                field=_(FIELD_LABELS[ImportField(f)]),
                said=_shown(f, said, levels, media),
                kept=_shown(f, kept, levels, media),
                line=row.into_line,
            )
        )
    for f, old, new in () if dup else row.changes:
        parts.append(
            _(
                "{field} {old} → {new}",
                field=_(FIELD_LABELS[ImportField(f)]),
                old=_shown(f, old, levels, media),
                new=_shown(f, new, levels, media),
            )
        )
    for f, said, kept in () if dup else row.ignored:
        parts.append(
            _(
                "{field}: sheet says {said}, kept {kept}",
                field=_(FIELD_LABELS[ImportField(f)]),
                said=_shown(f, said, levels, media),
                kept=_shown(f, kept, levels, media),
            )
        )
    parts += [w.message for w in row.warnings]
    return "; ".join(parts)


def _shown(f: str, value: object, levels: Levels | None, media: MediaList = ()) -> str:
    """A stored value as the shop writes it: a level's name, a budget's label, a medium's
    name (its code when it is no longer on the list)."""
    text = str(value)
    if f == "level" and levels is not None and text in levels.codes:
        return levels.get(text).name
    if f == "media":
        zh = get_language() == "zh"
        return next((zh_ if zh else en for c, en, zh_, _on in media if c == text), text)
    table = {
        "budget": BUDGETS,
        "source_channel": CHANNELS,
        "purchase_horizon": {str(k): v for k, v in HORIZON_LABELS.items()},
    }.get(f)
    return _(table[text]) if table and text in table else text


def rejects_path(sheet: Sheet) -> Path | None:
    """Where the rejected lines of ``sheet`` go: beside it, ``<name>-rejected.<suffix>``."""
    if sheet.path is None:
        return None
    suffix = ".xlsx" if sheet.path.suffix.lower() in (".xlsx", ".xlsm") else ".csv"
    return sheet.path.with_name(f"{sheet.path.stem}-rejected{suffix}")


@permission("manage")
def write_rejects(ctx: Context, sheet: Sheet, plan: ImportPlan) -> tuple[Path, int] | None:
    """Write the rejected lines beside the sheet, to be corrected in Excel and imported.

    The same columns (the sheet's headers) and a reason column in the current language,
    in the sheet's own encoding, readable by its owner only, like every export. Nothing
    when no line is rejected; returns the file and how many lines it holds.
    """
    target = rejects_path(sheet)
    rejected = {r.line: r for r in plan.rows if r.action is Action.REJECT}
    if target is None or not rejected:
        return None
    cells = dict(sheet.rows)
    headers = [*sheet.headers, _("Why rejected")]
    width = len(sheet.headers)

    def rows() -> Iterator[list[Cell]]:
        for line, row in sorted(rejected.items()):
            raw = list(cells.get(line, ()))[:width]
            raw += [None] * (width - len(raw))
            why = explain(row, plan.levels, plan.media)
            yield [*raw, _("line {line}: {why}", line=line, why=why)]

    count = write_sheet(target, headers, rows(), encoding=sheet.encoding)
    return target, count


@permission("manage")
def preview(
    ctx: Context,
    sheet: Sheet,
    mapping: Sequence[ImportField | None],
    default_owner: int | None = None,
    values: ValueMap | None = None,
    update: Collection[str] = (),
) -> ImportPlan:
    """The dry run: what the import would create, merge and reject, and why. Writes nothing.

    ``values`` maps the sheet's unknown words once for the whole sheet; ``update`` names
    the fields the sheet may change on customers already on file (the rest are kept).
    """
    check_mapping(mapping)
    with ctx.db.read() as s:
        facts, rows = _facts(s, ctx, sheet, mapping, default_owner, values, update)
        return ImportPlan(
            sheet.name,
            tuple(plan_rows(rows, facts)),
            committed=False,
            levels=facts.levels,
            media=facts.media,
        )


@permission("manage")
def commit(
    ctx: Context,
    sheet: Sheet,
    mapping: Sequence[ImportField | None],
    default_owner: int | None = None,
    skip_rejected: bool = False,
    values: ValueMap | None = None,
    update: Collection[str] = (),
) -> ImportPlan:
    """Import the sheet in one transaction: every line or none.

    Refuses while lines are rejected, unless ``skip_rejected`` says to import the rest.
    """
    check_mapping(mapping)
    with ctx.db.write() as s:
        facts, rows = _facts(s, ctx, sheet, mapping, default_owner, values, update)
        planned = plan_rows(rows, facts)
        rejected = sum(1 for r in planned if r.action is Action.REJECT)
        if rejected and not skip_rejected:
            raise RuleViolation(
                "{n} lines are rejected: correct them, or import the other "
                "lines and leave those out.",
                n=rejected,
            )
        # One numbered batch, so the whole import can be undone (``undo``).
        # Named by its file, as the person knows it (a workbook's sheet is a tab in it).
        source = sheet.path.name if sheet.path is not None else sheet.name
        batch = ImportBatch(at=ctx.now(), actor_id=ctx.actor_id, sheet=source[:200])
        s.add(batch)
        s.flush()
        batch_id = saved_id(batch.id)
        creates = [r for r in planned if r.action is Action.CREATE]
        _create(s, ctx, facts, creates, batch_id)
        merges = [r for r in planned if r.action is Action.MERGE and r.into_line is None]
        merged = sum(_merge(s, ctx, facts, r, batch_id) for r in merges)
        created = len(creates)
        batch = s.get(ImportBatch, batch_id) or batch  # _create leaves an empty session
        batch.created, batch.merged, batch.rejected = created, merged, rejected
        batch.updated = sum(1 for r in merges if r.changes)
        record_audit(
            s,
            ctx,
            "customer.import",
            "import_batch",
            batch_id,
            None,
            {
                "sheet": sheet.name,
                "batch": batch_id,
                "created": created,
                "merged": merged,
                "rejected": rejected,
            },
        )
        return ImportPlan(
            sheet.name,
            tuple(planned),
            committed=True,
            levels=facts.levels,
            batch=batch_id,
            media=facts.media,
        )


def _change_level(s: Session, ctx: Context, facts: ShopFacts, cust: Customer, level: str) -> None:
    """A level the sheet changed, like a level changed at the desk (customers.update)."""
    _set_level(s, ctx, cust, level, "import")
    if cust.status in (Status.ACTIVE.value, Status.AT_RISK.value, Status.MARKETING.value):
        plan = first_callback(facts.levels.get(level), ctx.today())
        reschedule(
            s, ctx, cust, plan.due if plan.step is NextStep.CALLBACK else None, cust.owner_id
        )
        if plan.step is NextStep.MARKETING:
            cust.status, cust.status_since = Status.MARKETING.value, ctx.now()
        elif cust.status == Status.MARKETING.value:
            cust.status, cust.status_since = Status.ACTIVE.value, ctx.now()


def _text_or_none(value: object) -> str | None:
    """A planned row's optional text (the sheet's cleaner leaves a str or None)."""
    return None if value is None else str(value)


def _at(ctx: Context, day: date | None, fallback: datetime) -> datetime:
    """A sheet's day as a moment: the local noon of that day (a visit's time is unknown)."""
    if day is None:
        return fallback
    return ctx.day_start(day) + timedelta(hours=12)


_CUSTOMER_COLUMNS = (
    "name", "phone", "contact_other", "level", "level_since", "status", "status_since",
    "owner_id", "owner_since", "source_channel", "model_interest", "budget",
    "purchase_horizon", "media", "created_at", "last_contact_at", "notes",
)  # fmt: skip
_CALLBACK_COLUMNS = (
    "customer_id", "salesperson_id", "kind", "due_at", "status", "note", "created_at",
)  # fmt: skip


def _create(
    s: Session, ctx: Context, facts: ShopFacts, rows: Sequence[PlannedRow], batch_id: int
) -> None:
    """Insert the new customers with their first level, owner, callback and audit rows.

    A table at a time, one ``executemany`` each on the driver (plain rows: no ORM object
    per line, each moment converted once): a 10,000-line sheet costs about what its rows
    cost (``deskterm.bench.sheets``: within 3× an ``executemany`` of the same rows, where
    an object a row was 12×).
    """
    s.flush()  # the batch row first: these rows name it
    cur = bulk.raw(s)
    now_at = ctx.now()
    now = bulk.stored(cur, now_at)
    today = ctx.today()
    # Each moment converted once: a sheet's lines share a few days.
    noons: dict[date | None, Any] = {None: now}
    midnights: dict[date, Any] = {}
    plans: dict[str, Any] = {}  # a level's first callback (the same for every line today)

    def noon(day: date | None) -> Any:
        """A sheet's day as stored (the local noon of that day: ``_at``)."""
        if day not in noons:
            noons[day] = bulk.stored(cur, _at(ctx, day, now_at))
        return noons[day]

    def midnight(day: date) -> Any:
        """A callback's day as stored (its local midnight)."""
        if day not in midnights:
            midnights[day] = bulk.stored(cur, ctx.day_start(day))
        return midnights[day]

    customers = []
    for row in rows:
        v = row.values
        rule = facts.levels.get(str(v["level"]))
        created = noon(v["created"])  # type: ignore[arg-type]
        last = v["last_contact"]
        customers.append(
            (
                str(v["name"]),
                row.phone,
                _text_or_none(v["contact_other"]),
                rule.code,
                now,
                (Status.MARKETING if rule.to_marketing else Status.ACTIVE).value,
                now,
                int(v["owner_id"]),  # type: ignore[call-overload]
                now,
                str(v["source_channel"]),
                _text_or_none(v["model_interest"]),
                _text_or_none(v["budget"]),
                _text_or_none(v["purchase_horizon"]),
                _text_or_none(v.get("media")),
                created,
                created if last is None else noon(last),  # type: ignore[arg-type]
                str(v["notes"]),
            )
        )
    ids = _insert_customers(cur, customers)
    changes, levels, owners, calls, audits = [], [], [], [], []
    for cid, cust, row in zip(ids, customers, rows, strict=True):
        name, phone, level, owner = cust[0], cust[1], cust[3], cust[7]
        changes.append((batch_id, cid, "created"))
        levels.append((cid, level, now, ctx.actor_id, "import"))
        owners.append((cid, owner, now, ctx.actor_id, "import"))
        if level not in plans:
            plans[level] = first_callback(facts.levels.get(level), today)
        plan = plans[level]
        if plan.step is NextStep.CALLBACK:
            # The sheet's own next date when it has one; a date already past is due today
            # (the callback was missed before deskterm, not skipped in it).
            wanted: date | None = row.values["next_callback"] or plan.due  # type: ignore
            due = midnight(max(wanted or today, today))
            calls.append((cid, owner, "sales", due, "open", "", now))
        audits.append(
            audit_entry(
                ctx,
                "customer.create",
                "customer",
                cid,
                None,
                {
                    "name": name,
                    "phone": phone,
                    "level": level,
                    "owner_id": owner,
                    "source": "import",
                },
            )
        )
    bulk.insert_many(cur, "import_change", ("batch_id", "customer_id", "field"), changes)
    bulk.insert_many(
        cur, "level_change", ("customer_id", "to_level", "at", "by_id", "source"), levels
    )
    bulk.insert_many(
        cur, "ownership_change", ("customer_id", "to_owner_id", "at", "by_id", "reason"), owners
    )
    bulk.insert_many(cur, "callback", _CALLBACK_COLUMNS, calls)
    audit_chain.append_many(s, audits)


def _insert_customers(cur: Raw, values: list[tuple[Any, ...]]) -> list[int]:
    """Insert the new customers; their ids, in the same order.

    One ``executemany``, then their ids read back by phone (unique, and every line the
    import creates has one): ``RETURNING`` in the rows' order is a statement a row on
    SQLite, three times the cost of the inserts themselves.
    """
    bulk.insert_many(cur, "customer", _CUSTOMER_COLUMNS, values)
    phones = [str(v[1]) for v in values]
    ids: dict[str, int] = {}
    for i in range(0, len(phones), _CHUNK):
        part = phones[i : i + _CHUNK]
        marks = ", ".join("?" * len(part))
        ids.update(
            (p, c)
            for c, p in cur.rows(f"SELECT id, phone FROM customer WHERE phone IN ({marks})", part)
        )
    return [ids[p] for p in phones]


def _merge(s: Session, ctx: Context, facts: ShopFacts, row: PlannedRow, batch_id: int) -> int:
    cust = s.get(Customer, row.existing_id)
    if cust is None:  # pragma: no cover - planned inside this very transaction
        raise RuleViolation("Customer #{id} disappeared during the import.", id=row.existing_id)
    cid = saved_id(cust.id)
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for f, old, new in row.changes:
        # What the manager let the sheet change: as a change at the desk would be, the
        # level through the level history and with the callback it asks for.
        before[f], after[f] = old, new
        if f == "level":
            _merge_level(s, ctx, facts, cust, str(new), batch_id)
        else:
            setattr(cust, f, new)
    for f in MERGE_FILLS:
        value = row.values.get(f)
        if value and not getattr(cust, f):
            before[f], after[f] = getattr(cust, f), value
            setattr(cust, f, value)
    notes = str(row.values.get("notes") or "")
    if notes and notes not in cust.notes:
        before["notes"] = cust.notes
        cust.notes = "\n".join(n for n in (cust.notes, notes) if n)[:2000]
        after["notes"] = cust.notes
    for f in after:
        # What undo puts back, and what it checks is still so.
        _note(s, batch_id, cid, f, before[f], after[f])
    if after:
        record_audit(s, ctx, "customer.import_merge", "customer", cust.id, before, after)
    return 1


def _note(s: Session, batch_id: int, cid: int, field: str, old: object, new: object) -> None:
    """One thing the batch did to customer ``cid``, as undo must put it back."""

    def text(v: object) -> str | None:
        if v is None:
            return None
        return v.isoformat() if isinstance(v, datetime) else str(v)

    s.add(
        ImportChange(
            batch_id=batch_id,
            customer_id=cid,
            field=field,
            old_value=text(old),
            new_value=text(new),
        )
    )


def _merge_level(
    s: Session, ctx: Context, facts: ShopFacts, cust: Customer, level: str, batch_id: int
) -> None:
    """A level the sheet changed on a customer on file, noting what undo needs: the clock
    and status before, the level-history row, the callbacks cancelled and added."""
    cid = saved_id(cust.id)

    def open_callbacks() -> set[int]:
        s.flush()
        return {
            saved_id(i)
            for i in s.exec(
                select(Callback.id).where(
                    Callback.customer_id == cid,
                    Callback.kind == "sales",
                    Callback.status == "open",
                )
            ).all()
        }

    was_open = open_callbacks()
    last = s.exec(select(func.max(LevelChange.id))).one() or 0
    since, status, status_since = cust.level_since, cust.status, cust.status_since
    _change_level(s, ctx, facts, cust, level)
    now_open = open_callbacks()
    _note(s, batch_id, cid, "level_since", since, cust.level_since)
    _note(s, batch_id, cid, "status", status, cust.status)
    _note(s, batch_id, cid, "status_since", status_since, cust.status_since)
    for change in s.exec(
        select(LevelChange.id).where(LevelChange.customer_id == cid, col(LevelChange.id) > last)
    ).all():
        _note(s, batch_id, cid, "level_change", None, change)
    for added in sorted(now_open - was_open):
        _note(s, batch_id, cid, "callback_created", None, added)
    for cancelled in sorted(was_open - now_open):
        _note(s, batch_id, cid, "callback_cancelled", None, cancelled)


# -- undoing a batch ----------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """A committed import, as the list of batches shows it."""

    id: int
    at: datetime
    by: str | None  # who imported (None: the command line)
    sheet: str
    created: int
    merged: int
    updated: int
    rejected: int
    undone_at: datetime | None = None
    undone_by: str | None = None


def describe(b: Batch) -> str:
    """A batch in a few short lines, in the current language: file, time and who, counts."""
    return "\n".join(
        (
            _("File: {sheet}", sheet=b.sheet),
            _(
                "Imported {at} by {by}",
                at=f"{b.at:%Y-%m-%d %H:%M}",
                by=b.by or _("command line"),
            ),
            _(
                "{c} created, {m} merged ({u} changed), {r} left out",
                c=b.created,
                m=b.merged,
                u=b.updated,
                r=b.rejected,
            ),
        )
    )


def undone_message(b: Batch) -> str:
    """What an undo did, in the current language."""
    return _(
        "Import {n} undone: {removed}, {restored}.",
        n=b.id,
        removed=ngettext("{n} customer removed", "{n} customers removed", b.created),
        restored=ngettext(
            "{n} customer put back as it was",
            "{n} customers put back as they were",
            b.merged,
        ),
    )


def _batch(s: Session, ctx: Context, b: ImportBatch) -> Batch:
    def name(staff_id: int | None) -> str | None:
        person = s.get(Staff, staff_id) if staff_id is not None else None
        return person.name if person is not None else None

    zone = ctx.clock.zone  # shown as the shop's local time
    return Batch(
        saved_id(b.id),
        b.at.astimezone(zone),
        name(b.actor_id),
        b.sheet,
        b.created,
        b.merged,
        b.updated,
        b.rejected,
        b.undone_at.astimezone(zone) if b.undone_at is not None else None,
        name(b.undone_by),
    )


@permission("manage")
def batches(ctx: Context, limit: int = 50) -> list[Batch]:
    """The committed imports, newest first."""
    with ctx.db.read() as s:
        rows = s.exec(select(ImportBatch).order_by(col(ImportBatch.id).desc()).limit(limit)).all()
        return [_batch(s, ctx, b) for b in rows]


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield list(ids[i : i + _CHUNK])


def _refuse(
    msgid: str, name: str, ctx: Context, at: datetime | None = None, **params: object
) -> RuleViolation:
    """Why the batch cannot be undone, naming the customer and the day of the later work."""
    day = ctx.local_day(at).isoformat() if at is not None else ""
    return RuleViolation(msgid, field="batch", name=name, day=day, **params)


def _callback_refusal(ctx: Context, name: str, cb: Callback | None) -> RuleViolation:
    """A callback done since the import (a contact), or moved or added (a plan changed)."""
    if cb is not None and cb.status == "done":
        return _refuse(
            N_("Not undone: customer {name} has been contacted since the import (callback {day})."),
            name,
            ctx,
            cb.done_at,
        )
    return _refuse(
        N_("Not undone: customer {name}'s callback was changed since the import ({day})."),
        name,
        ctx,
        (cb.done_at or cb.created_at) if cb is not None else None,
    )


def _check_created(s: Session, ctx: Context, ids: list[int], mark: int) -> None:
    """Refuse when a customer the batch created has had any work since: a visit, a lead, a
    callback done or added, a level or owner change, any audited change."""
    for part in _chunks(ids):

        def name(cid: int) -> str:
            c = s.get(Customer, cid)
            return c.name if c is not None else f"#{cid}"

        # Work since the import, in the order the refusal names it: a visit, a lead
        # handed out, then a level or owner change (the import wrote each one first
        # level and first owner, from nobody).
        checks = [
            (
                select(Reception.customer_id, Reception.arrived_at).where(
                    col(Reception.customer_id).in_(part)
                ),
                N_("Not undone: customer {name} came in since the import (reception {day})."),
            ),
            (
                select(Lead.customer_id, Lead.at).where(col(Lead.customer_id).in_(part)),
                N_("Not undone: customer {name} was handed out since the import ({day})."),
            ),
            (
                select(LevelChange.customer_id, LevelChange.at).where(
                    col(LevelChange.customer_id).in_(part),
                    col(LevelChange.from_level).is_not(None),
                ),
                N_("Not undone: customer {name}'s level was changed since the import ({day})."),
            ),
            (
                select(OwnershipChange.customer_id, OwnershipChange.at).where(
                    col(OwnershipChange.customer_id).in_(part),
                    col(OwnershipChange.from_owner_id).is_not(None),
                ),
                N_(
                    "Not undone: customer {name} was given to another salesperson"
                    " since the import ({day})."
                ),
            ),
        ]
        for query, message in checks:
            found = s.exec(query.limit(1)).first()
            if found is not None:
                raise _refuse(message, name(saved_id(found[0])), ctx, found[1])
        # Then the callback (a level or owner change moves it too: said as such first).
        # The import gave each at most one callback, open: anything else came since.
        calls = s.exec(
            select(Callback).where(col(Callback.customer_id).in_(part)).order_by(col(Callback.id))
        ).all()
        seen: set[int] = set()
        for cb in calls:
            if cb.status != "open" or cb.customer_id in seen:
                raise _callback_refusal(ctx, name(cb.customer_id), cb)
            seen.add(cb.customer_id)
        _check_audit(s, ctx, part, mark, name)


def _check_audit(
    s: Session, ctx: Context, ids: list[int], mark: int, name: Callable[[int], str]
) -> None:
    """Refuse when any audited change touched one of these customers after the import."""
    # A later import is its own batch (checked by _check_later_batches): undone, it no
    # longer stands in the way.
    later = s.exec(
        select(Audit.entity_id, Audit.at)
        .where(
            Audit.entity == "customer",
            col(Audit.entity_id).in_(ids),
            col(Audit.id) > mark,
            col(Audit.action).not_in(("customer.import_merge", "customer.import_undo")),
        )
        .limit(1)
    ).first()
    if later is not None:
        raise _refuse(
            N_("Not undone: customer {name} was changed since the import ({day})."),
            name(saved_id(later[0])),
            ctx,
            later[1],
        )


def _check_later_batches(s: Session, ctx: Context, batch_id: int, ids: list[int]) -> None:
    """Refuse while a later import, not undone, touched one of these customers."""
    for part in _chunks(ids):
        later = s.exec(
            select(ImportChange.batch_id, ImportChange.customer_id)
            .join(ImportBatch, col(ImportBatch.id) == ImportChange.batch_id)
            .where(
                col(ImportChange.customer_id).in_(part),
                col(ImportChange.batch_id) > batch_id,
                col(ImportBatch.undone_at).is_(None),
            )
            .limit(1)
        ).first()
        if later is not None:
            raise _refuse(
                N_(
                    "Not undone: customer {name} was changed"
                    " since by import {n}: undo that one first."
                ),
                _name_of(s, later[1]),
                ctx,
                n=later[0],
            )


def _as_field(f: str, text: str | None) -> object:
    """A noted value back as the column holds it."""
    if text is None:
        return None
    if f in ("level_since", "status_since"):
        return datetime.fromisoformat(text)
    return text


_DATES = ("level_since", "status_since")
_IDS = ("level_change", "callback_created", "callback_cancelled")


def _check_merged(
    s: Session, ctx: Context, by_customer: dict[int, list[ImportChange]], mark: int
) -> None:
    """Refuse when a field the batch changed was changed again since, or work was done on
    the level it set (a later level change, the callback it planned done or moved)."""
    levels = load_levels(s)
    media = _media_list(s)
    for cid, changes in by_customer.items():
        cust = s.get(Customer, cid)
        if cust is None:
            raise _refuse(
                N_("Not undone: customer {name} was deleted since the import."), f"#{cid}", ctx
            )
        for ch in changes:
            if ch.field in _IDS or ch.field in _DATES:
                continue
            now = getattr(cust, ch.field)
            if (None if now is None else str(now)) != ch.new_value:
                if ch.field == "status":
                    label = _("status")
                    shown = _(STATUS_LABELS[Status(now)]) if now in set(Status) else str(now)
                else:
                    label = _(FIELD_LABELS[ImportField(ch.field)])
                    shown = _shown(ch.field, now, levels, media) if now is not None else "-"
                raise _refuse(
                    N_(
                        "Not undone: customer {name}'s {what} was changed"
                        " since the import (now {value})."
                    ),
                    cust.name,
                    ctx,
                    what=label,
                    value=shown,
                )
        ids: dict[str, list[int]] = {}
        for ch in changes:
            if ch.field in _IDS:
                ids.setdefault(ch.field, []).append(int(ch.new_value or 0))
        for row in ids.get("level_change", []):
            later = s.exec(
                select(LevelChange.at)
                .where(LevelChange.customer_id == cid, col(LevelChange.id) > row)
                .limit(1)
            ).first()
            if later is not None:
                raise _refuse(
                    N_("Not undone: customer {name}'s level was changed since the import ({day})."),
                    cust.name,
                    ctx,
                    later,
                )
        for cb_id in ids.get("callback_created", []):
            cb = s.get(Callback, cb_id)
            if cb is None or cb.status != "open":
                raise _callback_refusal(ctx, cust.name, cb)
    # Anything audited on the level or status since (a callback's outcome, a lost
    # request) depends on the level the batch set.
    moved = [
        cid for cid, changes in by_customer.items() if any(c.field == "level" for c in changes)
    ]
    for part in _chunks(moved):
        _check_audit(s, ctx, part, mark, lambda cid: _name_of(s, cid))


def _name_of(s: Session, cid: int) -> str:
    c = s.get(Customer, cid)
    return c.name if c is not None else f"#{cid}"


@permission("manage")
def undo(ctx: Context, batch_id: int) -> Batch:
    """Undo import batch ``batch_id`` in one transaction: delete the customers it created
    (with their first level, owner and callback), put back every field it changed on
    customers on file (a level with its clock, status, history row and callbacks).

    Refused, naming the customer and the day, once later work depends on the batch; and
    for a batch already undone or unknown. Never half an undo.
    """
    with ctx.db.write() as s:
        b = s.get(ImportBatch, batch_id)
        if b is None:
            raise NotFound("There is no import number {n}.", field="batch", n=batch_id)
        if b.undone_at is not None:
            raise RuleViolation(
                "Import {n} was already undone on {day}.",
                field="batch",
                n=batch_id,
                day=ctx.local_day(b.undone_at).isoformat(),
            )
        mark = s.exec(
            select(func.max(Audit.id)).where(
                Audit.action == "customer.import",
                Audit.entity == "import_batch",
                Audit.entity_id == batch_id,
            )
        ).one()
        if mark is None:  # pragma: no cover - the commit writes it in its transaction
            raise RuleViolation("Import {n} has no audit row: it cannot be undone.", n=batch_id)
        changes = s.exec(
            select(ImportChange)
            .where(ImportChange.batch_id == batch_id)
            .order_by(col(ImportChange.id))
        ).all()
        created = sorted({c.customer_id for c in changes if c.field == "created"})
        merged: dict[int, list[ImportChange]] = {}
        for c in changes:
            if c.field != "created":
                merged.setdefault(c.customer_id, []).append(c)
        _check_later_batches(s, ctx, batch_id, sorted({c.customer_id for c in changes}))
        _check_created(s, ctx, created, mark)
        _check_merged(s, ctx, merged, mark)
        for cid, noted in merged.items():
            _put_back(s, ctx, cid, noted)
        for part in _chunks(created):
            gone = s.exec(select(Customer).where(col(Customer.id).in_(part))).all()
            for cust in gone:
                record_audit(
                    s,
                    ctx,
                    "customer.import_undo",
                    "customer",
                    cust.id,
                    {"name": cust.name, "phone": cust.phone, "batch": batch_id},
                    None,
                )
            for table in (Callback, LevelChange, OwnershipChange):
                s.exec(delete(table).where(col(table.customer_id).in_(part)))
            s.exec(delete(Customer).where(col(Customer.id).in_(part)))
        b.undone_at, b.undone_by = ctx.now(), ctx.actor_id
        record_audit(
            s,
            ctx,
            "import.undo",
            "import_batch",
            batch_id,
            None,
            {"sheet": b.sheet, "removed": len(created), "restored": len(merged)},
        )
        s.flush()
        return _batch(s, ctx, b)


def _put_back(s: Session, ctx: Context, cid: int, noted: list[ImportChange]) -> None:
    """Customer ``cid`` as it was before the batch merged into it."""
    cust = s.get(Customer, cid)
    assert cust is not None  # checked by _check_merged
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for ch in noted:
        if ch.field == "level_change":
            row = s.get(LevelChange, int(ch.new_value or 0))
            if row is not None:
                s.delete(row)
        elif ch.field == "callback_created":
            cb = s.get(Callback, int(ch.new_value or 0))
            if cb is not None:
                s.delete(cb)
        elif ch.field == "callback_cancelled":
            cb = s.get(Callback, int(ch.new_value or 0))
            if cb is not None:
                cb.status, cb.done_at = "open", None
        else:
            before[ch.field] = ch.new_value
            after[ch.field] = ch.old_value
            value = _as_field(ch.field, ch.old_value)
            setattr(cust, ch.field, "" if value is None and ch.field == "notes" else value)
    record_audit(
        s,
        ctx,
        "customer.import_undo",
        "customer",
        cid,
        {k: v for k, v in before.items() if k not in _DATES},
        {k: v for k, v in after.items() if k not in _DATES},
    )
