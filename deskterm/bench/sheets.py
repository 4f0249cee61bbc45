"""``python -m deskterm.bench.sheets [--db FILE] [--runs N] [--lines N]``: the import and
export figures of issue 20, each beside its floor measured in the same run.

* Import: a 10,000-line customer sheet (Chinese and Latin names, phones written the ways
  people write them, levels, salespeople, models, budgets, notes) committed through
  ``importing.commit`` on a fresh scratch copy of the data set, against the floor: the
  same rows (customers, their import notes, first level and owner, callbacks, the audit
  rows with their hash chain and head, the batch) inserted with ``executemany`` on the
  bare driver, in a fresh copy too. The floor's rows are built here from the sheet on
  their own (not read back from the import), so they also witness what the import wrote.
* Export: every customer to ``.xlsx`` through ``exporting.export``, against openpyxl's own
  write-only workbook writing the same cells (one ``SELECT`` of the same values).
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dateutil import parser as date_parser

from deskterm.bench.common import Figure, amount
from deskterm.clock import FixedClock

DEFAULT_DB = Path(tempfile.gettempdir()) / "deskterm-large.db"
NOW = "2026-11-20T10:40"
LINES = 10_000

#: The sheet a showroom keeps in Excel, its headers as such sheets are titled.
HEADERS = (
    "姓名",
    "手机号码",
    "意向级别",
    "销售顾问",
    "意向车型",
    "预算",
    "购买时间",
    "来源",
    "备注",
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建文辉力"
_LATIN = ("Li Na", "Wang Wei", "Anna Schmidt", "Chen Jie", "Mohammed Ali", "Zhang Min")
_MODELS = ("Model Y", "汉 EV", "秦PLUS", "宋Pro", "海豹", "唐DM-i", "", "")
_NOTES = ("", "", "", "想试驾", "周末再来", "比较了别家", "要贷款")


@dataclass(frozen=True)
class Line:
    """One line of the sheet: what is written in it, and what it means (the codes the
    floor stores, found here without the import's parser)."""

    name: str
    digits: str  # the mobile's 11 digits
    phone: str  # as written: plain, spaced or dashed
    level: str  # code
    owner_id: int
    owner: str  # as written: the salesperson's name
    model: str
    budget: str | None  # code
    horizon: str | None  # code
    source: str  # code ("walk_in" when the cell is blank)
    source_text: str
    note: str

    def cells(self, words: dict[str, dict[str | None, str]]) -> tuple[str, ...]:
        """The line's cells, with the levels, budgets, purchase times and sources written
        in the shop's words (``words``: per field, code → the word written)."""
        return (
            self.name,
            self.phone,
            words["level"][self.level],
            self.owner,
            self.model,
            words["budget"][self.budget],
            words["horizon"][self.horizon],
            self.source_text,
            self.note,
        )


def _words(con: sqlite3.Connection) -> dict[str, dict[str | None, str]]:
    from deskterm.domain.levels import HORIZON_LABELS
    from deskterm.i18n import translate_to
    from deskterm.services.reception import BUDGETS, CHANNELS

    def zh(table: dict[Any, str]) -> dict[str | None, str]:
        return {None: "", **{str(k): translate_to("zh", v) for k, v in table.items()}}

    return {
        "level": {code: name for code, name in con.execute("SELECT code, name_zh FROM level")},
        "budget": zh(BUDGETS),
        "horizon": zh(HORIZON_LABELS),
        "source": zh(CHANNELS),
    }


def make_lines(db: Path | str, n: int = LINES, seed: int = 20) -> list[Line]:
    """``n`` sheet lines of new customers (phones not on file in ``db``), deterministic."""
    from deskterm.domain.levels import HORIZON_LABELS
    from deskterm.services.reception import BUDGETS, CHANNELS

    rnd = random.Random(seed)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        owners = list(
            con.execute(
                "SELECT id, name FROM staff WHERE role = 'salesperson' AND active ORDER BY id"
            )
        )
        levels = [r[0] for r in con.execute("SELECT code FROM level ORDER BY rank DESC")]
        words = _words(con)
        on_file = con.cursor()
        lines: list[Line] = []
        seen: set[str] = set()
        while len(lines) < n:
            digits = f"1{rnd.choice('3456789')}{rnd.randrange(10**9):09d}"
            if (
                digits in seen
                or on_file.execute(
                    "SELECT 1 FROM customer WHERE phone = ?", ("+86" + digits,)
                ).fetchone()
            ):
                continue
            seen.add(digits)
            phone = rnd.choice(
                (digits, f"{digits[:3]} {digits[3:7]} {digits[7:]}", f"{digits[:3]}-{digits[3:]}")
            )
            name = (
                rnd.choice(_LATIN)
                if rnd.random() < 0.1
                else rnd.choice(_SURNAMES) + "".join(rnd.choices(_GIVEN, k=rnd.choice((1, 2))))
            )
            owner_id, owner = rnd.choice(owners)
            source = rnd.choice([None, *CHANNELS])
            lines.append(
                Line(
                    name=name,
                    digits=digits,
                    phone=phone,
                    level=rnd.choice(levels),
                    owner_id=owner_id,
                    owner=owner,
                    model=rnd.choice(_MODELS),
                    budget=rnd.choice([None, *BUDGETS]),
                    horizon=rnd.choice([None, *map(str, HORIZON_LABELS)]),
                    source=source or "walk_in",
                    source_text=words["source"][source],
                    note=rnd.choice(_NOTES),
                )
            )
        return lines
    finally:
        con.close()


def sheet_of(db: Path | str, lines: list[Line], work: Path) -> Any:
    """The lines written to ``work``/customers-sheet.xlsx (as Excel would hold them, by
    the writer deskterm's exports use) and read back as the import reads a sheet."""
    from deskterm.services import importing
    from deskterm.storage.sheets import write_sheet

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        words = _words(con)
    finally:
        con.close()
    path = work / "customers-sheet.xlsx"
    write_sheet(path, HEADERS, (ln.cells(words) for ln in lines))
    return importing.read(path)


def copy_db(src: Path, dst: Path) -> None:
    """A consistent copy of ``src`` (the sqlite3 backup API: never writes on ``src``)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    a = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    b = sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


# -- the import's floor: the same rows, executemany on the bare driver --------------------

#: The tables a sheet line becomes, in the order the floor fills them, with the columns
#: compared between the import and the floor (ids included: both start from one copy).
TABLES: dict[str, tuple[str, ...]] = {
    "import_batch": (
        "id", "at", "actor_id", "sheet", "created", "merged", "updated", "rejected",
        "undone_at", "undone_by",
    ),
    "customer": (
        "id", "name", "phone", "contact_other", "level", "level_since", "status",
        "status_since", "owner_id", "owner_since", "care_owner_id", "source_channel",
        "model_interest", "budget", "purchase_horizon", "created_at", "last_contact_at",
        "won_at", "lost_at", "lost_reason", "lost_note", "notes", "lost_request_reason",
        "lost_request_note", "lost_requested_at", "lost_requested_by", "nurtured_at", "media",
    ),
    "import_change": ("id", "batch_id", "customer_id", "field", "old_value", "new_value"),
    "level_change": ("id", "customer_id", "from_level", "to_level", "at", "by_id", "source"),
    "ownership_change": (
        "id", "customer_id", "from_owner_id", "to_owner_id", "at", "by_id", "reason",
    ),
    "callback": (
        "id", "customer_id", "salesperson_id", "kind", "due_at", "status", "done_at",
        "outcome", "level_before", "level_after", "note", "created_at",
    ),
    "audit": (
        "id", "at", "actor_id", "action", "entity", "entity_id", "before_json", "after_json",
        "prev_hash", "hash",
    ),
}  # fmt: skip

Rows = dict[str, list[tuple[Any, ...]]]


def _marks(db: Path | str) -> dict[str, int]:
    """The last id of each table the import writes (new rows come after it)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            t: con.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in TABLES
        }
    finally:
        con.close()


def floor_rows(db: Path | str, lines: list[Line], sheet: Any, now: datetime) -> Rows:
    """Every row a commit of ``lines`` adds to ``db``, built here from the lines themselves:
    what the floor inserts, and the witness the import's rows are compared with."""
    from deskterm.domain.schedule import NextStep, first_callback
    from deskterm.services.context import _dump
    from deskterm.services.setup import load_levels
    from deskterm.storage.audit_chain import GENESIS, row_hash
    from deskterm.storage.queries import Raw, to_stored

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        last_audit = con.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        levels = load_levels(Raw(con.cursor(), "sqlite"))
    finally:
        con.close()
    mark = _marks(db)
    stamp = to_stored(now)
    today = now.date()
    zone = now.tzinfo
    assert zone is not None
    out: Rows = {t: [] for t in TABLES}
    batch = mark["import_batch"] + 1
    # The batch is named by its file, the audit row by the sheet in it (importing.commit).
    out["import_batch"].append(
        (batch, stamp, None, sheet.path.name, len(lines), 0, 0, 0, None, None)
    )
    audit_id, prev = (last_audit[0], last_audit[1]) if last_audit else (0, GENESIS)
    callback_id = mark["callback"]

    def audit(action: str, entity: str, entity_id: int, after: dict[str, Any]) -> None:
        nonlocal audit_id, prev
        audit_id += 1
        body = _dump(after)
        digest = row_hash(prev, audit_id, stamp, None, action, entity, entity_id, None, body)
        out["audit"].append(
            (audit_id, stamp, None, action, entity, entity_id, None, body, prev, digest)
        )
        prev = digest

    for n, ln in enumerate(lines, 1):
        cid = mark["customer"] + n
        rule = levels.get(ln.level)
        phone = "+86" + ln.digits
        out["customer"].append(
            (
                cid, ln.name, phone, None, ln.level, stamp,
                "marketing" if rule.to_marketing else "active", stamp, ln.owner_id, stamp,
                None, ln.source, ln.model or None, ln.budget, ln.horizon, stamp, stamp,
                None, None, None, None, ln.note, None, None, None, None, None, None,
            )
        )  # fmt: skip
        out["import_change"].append((mark["import_change"] + n, batch, cid, "created", None, None))
        out["level_change"].append(
            (mark["level_change"] + n, cid, None, ln.level, stamp, None, "import")
        )
        out["ownership_change"].append(
            (mark["ownership_change"] + n, cid, None, ln.owner_id, stamp, None, "import")
        )
        plan = first_callback(rule, today)
        if plan.step is NextStep.CALLBACK:
            callback_id += 1
            due = datetime.combine(max(plan.due or today, today), datetime.min.time(), zone)
            out["callback"].append(
                (callback_id, cid, ln.owner_id, "sales", to_stored(due), "open",
                 None, None, None, None, "", stamp)
            )  # fmt: skip
        audit(
            "customer.create",
            "customer",
            cid,
            {"name": ln.name, "phone": phone, "level": ln.level, "owner_id": ln.owner_id,
             "source": "import"},
        )  # fmt: skip
    audit(
        "customer.import",
        "import_batch",
        batch,
        {"sheet": sheet.name, "batch": batch, "created": len(lines), "merged": 0, "rejected": 0},
    )
    return out


def insert_floor(db: Path | str, rows: Rows) -> None:
    """The floor: ``rows`` inserted with one ``executemany`` a table, in one write
    transaction, on the bare driver, durably as deskterm writes (WAL, synchronous=FULL)."""
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("BEGIN IMMEDIATE")
        for table, columns in TABLES.items():
            marks = ", ".join("?" * len(columns))
            con.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows[table]
            )
        last = rows["audit"][-1]
        con.execute(
            "UPDATE audit_head SET last_id = ?, last_hash = ? WHERE slot = 1", (last[0], last[-1])
        )
        con.execute("COMMIT")
    finally:
        con.close()


def new_rows(db: Path | str, marks: dict[str, int]) -> Rows:
    """The rows of each table the import writes that come after ``marks`` (in id order)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            t: con.execute(
                f"SELECT {', '.join(cols)} FROM {t} WHERE id > ? ORDER BY id", (marks[t],)
            ).fetchall()
            for t, cols in TABLES.items()
        }
    finally:
        con.close()


# -- the export's floor: openpyxl's own write-only workbook, the same cells ---------------

#: The customers export's values, read on the bare driver (the service's query).
_EXPORT_SQL = """
SELECT c.name, c.phone, c.contact_other, c.level, c.owner_id, c.status, c.source_channel,
       c.model_interest, c.budget, c.purchase_horizon, c.created_at, c.last_contact_at,
       (SELECT min(due_at) FROM callback
         WHERE customer_id = c.id AND status = 'open' AND kind = 'sales'),
       c.notes, c.media
FROM customer c ORDER BY c.id
"""


def export_cells(ctx: Any) -> tuple[list[str], list[list[Any]]]:
    """The header and every row of the customers export, as the cells a sheet holds,
    made here from one raw query (what the floor writes, and the export's witness)."""
    from deskterm.domain.escalation import STATUS_LABELS
    from deskterm.domain.levels import HORIZON_LABELS
    from deskterm.services import exporting as ex
    from deskterm.services.reception import BUDGETS, CHANNELS
    from deskterm.services.setup import load_levels
    from deskterm.storage.queries import from_stored

    zone = ctx.clock.zone

    def day(value: Any) -> date | None:
        at = from_stored(value)
        return at.astimezone(zone).date() if at is not None else None

    with ctx.db.read() as s:
        levels = load_levels(s)
        media = ex._media_names(s)
    con = sqlite3.connect(f"file:{ctx.db.path}?mode=ro", uri=True)
    try:
        names = dict(con.execute("SELECT id, name FROM staff"))
        rows = [
            [
                name,
                ex._phone(phone),
                other,
                ex._level(levels, level),
                names.get(owner, ""),
                ex._label(STATUS_LABELS, status),
                ex._label(CHANNELS, source),
                model,
                ex._label(BUDGETS, budget),
                ex._label(HORIZON_LABELS, horizon),
                day(created),
                day(contact),
                day(due),
                notes,
                ex._medium(media, m),
            ]
            for (
                name, phone, other, level, owner, status, source, model, budget, horizon,
                created, contact, due, notes, m,
            ) in con.execute(_EXPORT_SQL)
        ]  # fmt: skip
    finally:
        con.close()
    headers = [
        "name", "phone", "other contact", "level", "salesperson", "status", "source",
        "model", "budget", "purchase time", "first visit", "last contact", "next callback",
        "notes", "heard of us",
    ]  # fmt: skip
    return headers, rows


def write_floor(path: Path, headers: list[str], rows: list[list[Any]]) -> None:
    """The floor: openpyxl's write-only workbook, one ``append`` a row, saved."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet()
    ws.append(headers)
    for row in rows:
        ws.append(row)
    book.save(path)


# -- the figures ---------------------------------------------------------------------------


def _clock() -> FixedClock:
    return FixedClock(date_parser.isoparse(NOW))


def ready(db: Path) -> None:
    """Bring ``db`` to the current schema (an older file is migrated when first opened):
    every copy the import and its floor are timed on is then the same, triggers and all."""
    from deskterm.services.maintenance import open_context

    open_context(db, _clock(), start_of_day=False).db.close()


def time_import(
    db: Path, lines: list[Line], work: Path, sheet: Any = None
) -> tuple[float, float, Rows, Rows]:
    """One commit of ``lines`` (read as ``sheet``, or from a file written now) through the
    service and one of the floor, each on a fresh copy of ``db`` in ``work``: (ms, floor
    ms, the import's new rows, the floor's)."""
    from deskterm.domain.sheet import guess_mapping
    from deskterm.services import importing
    from deskterm.services.maintenance import open_context

    sheet = sheet or sheet_of(db, lines, work)
    marks = _marks(db)
    ours_db, floor_db = work / "import.db", work / "floor.db"
    copy_db(db, ours_db)
    ctx = open_context(ours_db, _clock(), start_of_day=False)
    try:
        mapping = guess_mapping(sheet.headers)
        t = time.perf_counter()
        importing.commit(ctx, sheet, mapping)
        ours = (time.perf_counter() - t) * 1000
        rows = floor_rows(db, lines, sheet, ctx.now())
    finally:
        ctx.db.close()
    copy_db(db, floor_db)
    t = time.perf_counter()
    insert_floor(floor_db, rows)
    floor = (time.perf_counter() - t) * 1000
    return ours, floor, new_rows(ours_db, marks), new_rows(floor_db, marks)


def time_export(
    ctx: Any, work: Path, cells: tuple[list[str], list[list[Any]]]
) -> tuple[float, float]:
    """One customers export to .xlsx through the service, and the floor writing ``cells``."""
    from deskterm.services.exporting import ExportKind, export

    t = time.perf_counter()
    export(ctx, ExportKind.CUSTOMERS, work / "customers.xlsx")
    ours = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    write_floor(work / "floor.xlsx", *cells)
    return ours, (time.perf_counter() - t) * 1000


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def measure(db: Path, runs: int, server: str | None = None, lines: int = LINES) -> list[Figure]:
    """The import and export figures: ``lines`` sheet lines committed against an
    ``executemany`` of the same rows, every customer of ``db`` exported to .xlsx against
    openpyxl's write-only floor. ``db`` is a scratch copy (each import gets a fresh copy
    of it; the export writes its audit row on it)."""
    if server is not None:
        # The floor of an import is a fresh copy of the data each run: on a server that
        # is a copy-to of 200,000 customers a run. Measured on the SQLite file only.
        print("import/export: measured on the SQLite file only, not on --server.", flush=True)
        return []
    from deskterm.services.maintenance import open_context

    work = Path(tempfile.mkdtemp(prefix="deskterm-sheets-"))
    try:
        ready(db)
        sheet_lines = make_lines(db, lines)
        sheet = sheet_of(db, sheet_lines, work)
        ours, base = [], []
        for _ in range(max(1, runs // 4)):  # alternated, on fresh copies
            a, b, _r1, _r2 = time_import(db, sheet_lines, work, sheet)
            ours.append(a)
            base.append(b)
        figures = [
            Figure(
                f"importing a {lines:,}-line customer sheet (commit)",
                _median(ours),
                _median(base),
                "executemany of the same rows, raw sqlite3",
                max_ratio=3,
            )
        ]
        ctx = open_context(db, _clock(), start_of_day=False)
        try:
            cells = export_cells(ctx)
            # The floor's 200,000 rows stay in memory: kept out of the collector's passes,
            # which would otherwise walk them during both exports.
            gc.collect()
            gc.freeze()
            ours, base = [], []
            if runs > 1:
                time_export(ctx, work, cells)  # warm: the file's pages in the cache
            for _ in range(max(1, runs // 7)):
                a, b = time_export(ctx, work, cells)
                ours.append(a)
                base.append(b)
        finally:
            ctx.db.close()
            gc.unfreeze()
        figures.append(
            Figure(
                f"exporting {len(cells[1]):,} customers to .xlsx",
                _median(ours),
                _median(base),
                "openpyxl write-only, the same cells",
                max_ratio=2,
            )
        )
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Print the figures; exit 1 if one misses its target."""
    p = argparse.ArgumentParser(prog="python -m deskterm.bench.sheets")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--runs", type=int, default=21)
    p.add_argument("--lines", type=int, default=LINES)
    args = p.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="deskterm-sheets-db-")) / "bench.db"
    try:
        copy_db(args.db, scratch)
        figures = measure(scratch, args.runs, lines=args.lines)
    finally:
        shutil.rmtree(scratch.parent, ignore_errors=True)
    for f in figures:
        print(
            f"{f.measure}: {amount(f.value, f.unit)}, floor {amount(f.floor or 0, f.unit)}"
            f" ({f.floor_of}), ratio {f.ratio or 0:.2f} (target {f.target_text()})"
            f" {'met' if f.met else 'MISSED'}",
            flush=True,
        )
    return 0 if all(f.met for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
