"""Importing the showroom's customer sheet: a dry run, then an all-or-nothing commit.

``preview`` and ``commit`` plan the same way (``deskterm.domain.sheet.plan_rows``) on
what is on file at that moment, so the commit does exactly what a dry run just showed
unless someone saved a customer in between, and then it says so through its plan.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from deskterm.domain.escalation import Status
from deskterm.domain.levels import HORIZON_LABELS, Levels
from deskterm.domain.phone import normalize_phone
from deskterm.domain.schedule import NextStep, first_callback
from deskterm.domain.sheet import (
    FIELD_LABELS,
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
from deskterm.errors import DesktermError, InvalidInput, RuleViolation
from deskterm.i18n import LANGUAGES, _, translate_to
from deskterm.services.context import Context, record_audit
from deskterm.services.permissions import permission
from deskterm.services.reception import BUDGETS, CHANNELS, _set_level, reschedule
from deskterm.services.setup import load_levels, load_settings
from deskterm.storage.models import (
    Callback,
    Customer,
    LevelChange,
    OwnershipChange,
    Staff,
    saved_id,
)
from deskterm.storage.sheets import Sheet, check_source, read_sheet, write_sheet

_CHUNK = 500  # phones per IN (...) lookup: well under SQLite's variable limit


@dataclass(frozen=True)
class ImportPlan:
    """What an import does (or did), line by line."""

    sheet: str
    rows: tuple[PlannedRow, ...]
    committed: bool
    levels: Levels | None = None  # the shop's, to name levels in ``explain``

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
            )
    facts = ShopFacts(
        load_levels(s), owners, existing, default_owner, country, ctx.today(), _words()
    )
    return replace(
        facts, values=_resolve_values(facts, values or {}), update=frozenset(update)
    ), rows


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
        if code is None or (f is ImportField.LEVEL and code not in facts.levels.codes):
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
        facts = ShopFacts(load_levels(s), {}, {}, None, "86", ctx.today(), _words())
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


def explain(row: PlannedRow, levels: Levels | None = None) -> str:
    """One line, in the current language: why a line is rejected, what a merge adds, and
    any warning (the dry run's "why" column, on screen and on the command line)."""
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
                old=_shown(f, old, levels),
                new=_shown(f, new, levels),
                line=row.into_line,
            )
        )
    for f, said, kept in row.ignored if dup else ():
        parts.append(
            _(
                "{field}: this line says {said}, kept {kept} from line {line}",
                field=_(FIELD_LABELS[ImportField(f)]),
                said=_shown(f, said, levels),
                kept=_shown(f, kept, levels),
                line=row.into_line,
            )
        )
    for f, old, new in () if dup else row.changes:
        parts.append(
            _(
                "{field} {old} → {new}",
                field=_(FIELD_LABELS[ImportField(f)]),
                old=_shown(f, old, levels),
                new=_shown(f, new, levels),
            )
        )
    for f, said, kept in () if dup else row.ignored:
        parts.append(
            _(
                "{field}: sheet says {said}, kept {kept}",
                field=_(FIELD_LABELS[ImportField(f)]),
                said=_shown(f, said, levels),
                kept=_shown(f, kept, levels),
            )
        )
    parts += [w.message for w in row.warnings]
    return "; ".join(parts)


def _shown(f: str, value: object, levels: Levels | None) -> str:
    """A stored value as the shop writes it: a level's name, a budget's label."""
    text = str(value)
    if f == "level" and levels is not None and text in levels.codes:
        return levels.get(text).name
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
            yield [*raw, _("line {line}: {why}", line=line, why=explain(row, plan.levels))]

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
            sheet.name, tuple(plan_rows(rows, facts)), committed=False, levels=facts.levels
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
        creates = [r for r in planned if r.action is Action.CREATE]
        _create(s, ctx, facts, creates)
        merged = sum(
            _merge(s, ctx, facts, r)
            for r in planned
            if r.action is Action.MERGE and r.into_line is None
        )
        created = len(creates)
        record_audit(
            s,
            ctx,
            "customer.import",
            "customer",
            None,
            None,
            {"sheet": sheet.name, "created": created, "merged": merged, "rejected": rejected},
        )
        return ImportPlan(sheet.name, tuple(planned), committed=True, levels=facts.levels)


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


def _create(s: Session, ctx: Context, facts: ShopFacts, rows: Sequence[PlannedRow]) -> None:
    # In batches: one round of inserts for the ids, then the rows that need them, then
    # the batch leaves the session, so a 10,000-line sheet never holds 50,000 objects.
    for i in range(0, len(rows), _CHUNK):
        _create_batch(s, ctx, facts, rows[i : i + _CHUNK])
        s.flush()
        s.expunge_all()


def _create_batch(s: Session, ctx: Context, facts: ShopFacts, rows: Sequence[PlannedRow]) -> None:
    now = ctx.now()
    today = ctx.today()
    made: list[tuple[Customer, PlannedRow]] = []
    for row in rows:
        v = row.values
        rule = facts.levels.get(str(v["level"]))
        created = _at(ctx, v["created"], now)  # type: ignore[arg-type]
        cust = Customer(
            name=str(v["name"]),
            phone=row.phone,
            contact_other=_text_or_none(v["contact_other"]),
            level=rule.code,
            level_since=now,
            status=(Status.MARKETING if rule.to_marketing else Status.ACTIVE).value,
            status_since=now,
            owner_id=int(v["owner_id"]),  # type: ignore[call-overload]
            owner_since=now,
            source_channel=str(v["source_channel"]),
            model_interest=_text_or_none(v["model_interest"]),
            budget=_text_or_none(v["budget"]),
            purchase_horizon=_text_or_none(v["purchase_horizon"]),
            created_at=created,
            last_contact_at=_at(ctx, v["last_contact"], created),  # type: ignore[arg-type]
            notes=str(v["notes"]),
        )
        s.add(cust)
        made.append((cust, row))
    s.flush()  # one batch of inserts for the ids, not one round trip a customer
    for cust, row in made:
        rule = facts.levels.get(cust.level)
        s.add(
            LevelChange(
                customer_id=saved_id(cust.id),
                from_level=None,
                to_level=rule.code,
                at=now,
                by_id=ctx.actor_id,
                source="import",
            )
        )
        s.add(
            OwnershipChange(
                customer_id=saved_id(cust.id),
                from_owner_id=None,
                to_owner_id=cust.owner_id,
                at=now,
                by_id=ctx.actor_id,
                reason="import",
            )
        )
        plan = first_callback(rule, today)
        if plan.step is NextStep.CALLBACK:
            # The sheet's own next date when it has one; a date already past is due today
            # (the callback was missed before deskterm, not skipped in it).
            wanted: date | None = row.values["next_callback"] or plan.due  # type: ignore
            s.add(
                Callback(
                    customer_id=saved_id(cust.id),
                    salesperson_id=cust.owner_id,
                    kind="sales",
                    due_at=ctx.day_start(max(wanted or today, today)),
                    created_at=now,
                )
            )
        record_audit(
            s,
            ctx,
            "customer.create",
            "customer",
            cust.id,
            None,
            {
                "name": cust.name,
                "phone": cust.phone,
                "level": cust.level,
                "owner_id": cust.owner_id,
                "source": "import",
            },
        )


def _merge(s: Session, ctx: Context, facts: ShopFacts, row: PlannedRow) -> int:
    cust = s.get(Customer, row.existing_id)
    if cust is None:  # pragma: no cover - planned inside this very transaction
        raise RuleViolation("Customer #{id} disappeared during the import.", id=row.existing_id)
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for f, old, new in row.changes:
        # What the manager let the sheet change: as a change at the desk would be, the
        # level through the level history and with the callback it asks for.
        before[f], after[f] = old, new
        if f == "level":
            _change_level(s, ctx, facts, cust, str(new))
        else:
            setattr(cust, f, new)
    for f in ("contact_other", "model_interest", "budget", "purchase_horizon"):
        value = row.values.get(f)
        if value and not getattr(cust, f):
            before[f], after[f] = None, value
            setattr(cust, f, value)
    notes = str(row.values.get("notes") or "")
    if notes and notes not in cust.notes:
        before["notes"] = cust.notes
        cust.notes = "\n".join(n for n in (cust.notes, notes) if n)[:2000]
        after["notes"] = cust.notes
    if after:
        record_audit(s, ctx, "customer.import_merge", "customer", cust.id, before, after)
    return 1
