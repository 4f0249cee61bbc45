"""Importing the showroom's sheet (mapping, de-duplication, dry run, all-or-nothing) and
the exports for Excel (CSV with BOM, .xlsx) — rules, files, services and the CLI."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import func, select

from deskterm.cli.main import main
from deskterm.domain.levels import DEFAULT_LEVELS, Levels
from deskterm.domain.sheet import (
    Action,
    Existing,
    ImportField,
    ShopFacts,
    check_mapping,
    guess_mapping,
    parse_map_option,
    parse_sheet_date,
    plan_rows,
)
from deskterm.errors import InvalidInput, RuleViolation, StorageError
from deskterm.services import auth, importing, rotation, setup
from deskterm.services.exporting import ExportKind, export
from deskterm.services.permissions import PermissionDenied
from deskterm.storage.models import Audit, Callback, Customer, LevelChange, OwnershipChange
from deskterm.storage.sheets import Sheet, read_sheet, write_sheet
from tests.scenario import new_customer

pytestmark = pytest.mark.both_databases

F = ImportField
HEADERS = ["姓名", "手机号码", "意向级别", "销售顾问", "意向车型", "预算", "备注", "下次回访"]


def facts(existing=None, default_owner=None, today=date(2026, 3, 2)) -> ShopFacts:
    return ShopFacts(
        Levels(DEFAULT_LEVELS),
        {"王伟": 1, "Li Na": 2, "1": 1, "2": 2},
        existing or {},
        default_owner,
        "86",
        today,
    )


def rows(*lines: dict) -> list[tuple[int, dict]]:
    return [(n, line) for n, line in enumerate(lines, start=2)]


def count(ctx, model) -> int:
    with ctx.db.read() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def write_csv(
    path: Path,
    header: list[str],
    lines: list[list[str]],
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
) -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(lines)
    return path


# -- the rules -------------------------------------------------------------------------------
def test_headers_are_recognised_in_chinese_and_english_and_a_field_goes_to_one_column():
    assert guess_mapping(HEADERS) == [
        F.NAME,
        F.PHONE,
        F.LEVEL,
        F.OWNER,
        F.MODEL_INTEREST,
        F.BUDGET,
        F.NOTES,
        F.NEXT_CALLBACK,
    ]
    assert guess_mapping(["Customer Name", "Mobile", "Sales Consultant", "WeChat", "备注："]) == [
        F.NAME,
        F.PHONE,
        F.OWNER,
        F.CONTACT_OTHER,
        F.NOTES,
    ]
    # Full-width letters and a second phone column: the second is not imported.
    assert guess_mapping(["ＮＡＭＥ", "电话", "手机", "Unknown"]) == [F.NAME, F.PHONE, None, None]


def test_map_option_names_a_column_by_header_or_number_and_can_skip_one():
    headers = ["客户", "Tel 1", "Tel 2"]
    assert parse_map_option("Tel 2=phone", headers) == (2, F.PHONE)
    assert parse_map_option("2=-", headers) == (1, None)
    with pytest.raises(InvalidInput, match="no column"):
        parse_map_option("Fax=phone", headers)
    with pytest.raises(InvalidInput, match="Unknown field"):
        parse_map_option("客户=nom", headers)
    with pytest.raises(InvalidInput, match="HEADER=FIELD"):
        parse_map_option("客户", headers)
    with pytest.raises(InvalidInput, match="No column is mapped to phone"):
        check_mapping([F.NAME, None])
    with pytest.raises(InvalidInput, match="Two columns"):
        check_mapping([F.NAME, F.PHONE, F.PHONE])


def test_sheet_dates_in_the_ways_people_write_them():
    assert parse_sheet_date("2026/3/5", field="created") == date(2026, 3, 5)
    assert parse_sheet_date("2026年3月5日", field="created") == date(2026, 3, 5)
    assert parse_sheet_date("2026-03-05 14:30", field="created") == date(2026, 3, 5)
    assert parse_sheet_date(datetime(2026, 3, 5, 9), field="created") == date(2026, 3, 5)
    assert parse_sheet_date("  ", field="created") is None
    with pytest.raises(InvalidInput, match="No such day"):
        parse_sheet_date("2026-2-30", field="created")
    with pytest.raises(InvalidInput, match="Not a date"):
        parse_sheet_date("next week", field="next_callback")


def test_each_line_is_created_merged_or_rejected_with_its_reason():
    existing = {"+8613900139000": Existing(7, "Old Li", 2, model_interest="Model 3")}
    plan = plan_rows(
        rows(
            {
                F.NAME: "张三",
                F.PHONE: "138 0013 8000",
                F.LEVEL: "准购买",
                F.OWNER: "王伟",
                F.BUDGET: "15万",
            },
            {
                F.NAME: "李四",
                F.PHONE: 13900139000.0,
                F.MODEL_INTEREST: "Model Y",
                F.OWNER: "王伟",
            },  # on file: merge, owner stays
            {F.NAME: "王五", F.PHONE: "12345", F.OWNER: "王伟"},  # bad phone
            {F.NAME: "张三", F.PHONE: "+86 138-0013-8000", F.MODEL_INTEREST: "Han"},  # same phone
            {F.NAME: "赵六", F.PHONE: "13700137000", F.LEVEL: "X", F.OWNER: "王伟"},
            {F.NAME: None, F.PHONE: "", F.NOTES: "  "},  # blank: left out
            {F.NAME: "孙七", F.PHONE: "13600136000"},  # new, nobody to own it
            {F.NAME: "周八", F.PHONE: "13500135000", F.OWNER: "Nobody"},
            {F.NAME: "", F.PHONE: "13400134000", F.OWNER: "王伟"},
        ),
        facts(existing),
    )
    by_line = {r.line: r for r in plan}
    assert 7 not in by_line
    assert [by_line[n].action for n in (2, 3, 4, 5, 6, 8, 9, 10)] == [
        Action.CREATE,
        Action.MERGE,
        Action.REJECT,
        Action.MERGE,
        Action.REJECT,
        Action.REJECT,
        Action.REJECT,
        Action.REJECT,
    ]
    first = by_line[2]
    assert (
        first.phone,
        first.values["level"],
        first.values["owner_id"],
        first.values["budget"],
    ) == ("+8613800138000", "hot", 1, "150-200k")
    # The later line with the same phone fills what the first left blank.
    assert by_line[5].into_line == 2 and by_line[5].fills == ("model_interest",)
    assert first.values["model_interest"] == "Han"
    merge = by_line[3]
    assert merge.existing_id == 7 and merge.fills == ()  # the model on file is kept
    assert "another salesperson" in merge.warnings[0].message
    assert by_line[4].reason.field == "phone"
    assert by_line[6].reason.field == "level" and "hot, warm, cold" in by_line[6].reason.message
    assert by_line[8].reason.field == "owner" and "No salesperson" in by_line[8].reason.message
    assert "Nobody" in by_line[9].reason.message
    assert by_line[10].reason.field == "name"


def test_a_merge_keeps_its_owner_but_says_when_the_sheet_names_nobody_known():
    existing = {"+8613900139000": Existing(7, "Old Li", 2)}
    plan = plan_rows(
        rows(
            {F.NAME: "李四", F.PHONE: "13900139000", F.OWNER: "Nobdy"},
            {F.NAME: "李四", F.PHONE: "13900139000"},
        ),
        facts(existing),
    )
    assert [r.action for r in plan] == [Action.MERGE, Action.MERGE]
    assert [w.message for w in plan[0].warnings] == ["No active salesperson named Nobdy."]
    assert plan[1].warnings == [] and "owner_unknown" not in plan[0].values


def test_a_level_is_suggested_from_the_purchase_time_and_unknown_words_go_to_the_notes():
    plan = plan_rows(
        rows(
            {F.NAME: "A", F.PHONE: "13800138000", F.PURCHASE_HORIZON: "半年内"},
            {
                F.NAME: "B",
                F.PHONE: "13800138001",
                F.BUDGET: "看情况",
                F.SOURCE_CHANNEL: "抖音",
                F.NOTES: "喜欢白色",
            },
        ),
        facts(default_owner=2),
    )
    a, b = plan
    assert a.values["level"] == "warm" and a.values["purchase_horizon"] == "6m"
    assert a.values["owner_id"] == 2
    assert b.values["budget"] is None and b.values["source_channel"] == "walk_in"
    assert b.values["notes"] == "喜欢白色\nbudget: 看情况\nsource: 抖音"
    assert [w.field for w in b.warnings] == ["budget", "source_channel"]


def test_a_visit_date_in_the_future_is_rejected():
    plan = plan_rows(
        rows({F.NAME: "A", F.PHONE: "13800138000", F.OWNER: "王伟", F.CREATED: "2026-12-01"}),
        facts(),
    )
    assert plan[0].action is Action.REJECT and plan[0].reason.field == "created"


# -- files ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "encoding,delimiter",
    [("utf-8-sig", ","), ("gb18030", ","), ("utf-8", ";"), ("utf-8-sig", "\t")],
)
def test_csv_from_excel_in_any_of_its_encodings_and_separators(tmp_path, encoding, delimiter):
    p = write_csv(
        tmp_path / "s.csv",
        HEADERS[:2],
        [["张三", "13800138000"], ["李四", ""]],
        encoding,
        delimiter,
    )
    sheet = read_sheet(p)
    assert sheet.headers == ("姓名", "手机号码")
    assert sheet.rows == ((2, ("张三", "13800138000")), (3, ("李四", None)))


def test_unreadable_files_get_a_message_a_person_can_act_on(tmp_path):
    with pytest.raises(InvalidInput, match="No such file"):
        read_sheet(tmp_path / "missing.csv")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InvalidInput, match="old .xls"):
        read_sheet(tmp_path / "old.xls")
    (tmp_path / "photo.csv").write_bytes(b"\x89PNG\x00\x00\x01")
    with pytest.raises(InvalidInput, match="not a CSV"):
        read_sheet(tmp_path / "photo.csv")
    (tmp_path / "fake.xlsx").write_text("name,phone\n")
    with pytest.raises(InvalidInput, match="not an .xlsx"):
        read_sheet(tmp_path / "fake.xlsx")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InvalidInput, match="empty"):
        read_sheet(tmp_path / "empty.csv")


def test_xlsx_cells_keep_their_types(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "客户"
    ws.append(["姓名", "手机", "首次到店"])
    ws.append(["张三", 13800138000, datetime(2026, 1, 5)])
    book.create_sheet("Other").append(["x"])
    book.save(tmp_path / "s.xlsx")
    sheet = read_sheet(tmp_path / "s.xlsx")
    assert sheet.name == "客户" and sheet.rows == (
        (2, ("张三", 13800138000, datetime(2026, 1, 5))),
    )
    assert read_sheet(tmp_path / "s.xlsx", "Other").headers == ("x",)
    with pytest.raises(InvalidInput, match="no sheet Missing"):
        read_sheet(tmp_path / "s.xlsx", "Missing")


def test_csv_export_has_a_bom_and_never_writes_a_formula(tmp_path):
    n = write_sheet(
        tmp_path / "o.csv",
        ["姓名", "备注"],
        iter([["张三", '=HYPERLINK("x")'], ["李四", "-5"], ["王五", "@me"]]),
    )
    data = (tmp_path / "o.csv").read_bytes()
    assert n == 3 and data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig").splitlines()
    assert text[1] == '张三,"\'=HYPERLINK(""x"")"' and text[2] == "李四,-5"
    assert text[3] == "王五,'@me"
    write_sheet(tmp_path / "o.xlsx", ["备注"], iter([["=1+1"]]))
    cell = openpyxl.load_workbook(tmp_path / "o.xlsx").active["A2"]
    assert cell.value == "=1+1" and cell.data_type == "s"


def test_a_failed_export_leaves_no_half_file(tmp_path):
    def broken():
        yield ["a"]
        raise RuntimeError("disk pulled out")

    with pytest.raises(RuntimeError):
        write_sheet(tmp_path / "o.csv", ["x"], broken())
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidInput, match=".csv or .xlsx"):
        write_sheet(tmp_path / "o.txt", ["x"], iter([]))
    with pytest.raises(StorageError, match="Cannot write"):
        write_sheet(tmp_path / "no" / "such" / "dir.csv", ["x"], iter([]))


# -- the service -------------------------------------------------------------------------------
def sheet_of(*lines: list, headers=HEADERS) -> Sheet:
    return Sheet("t", tuple(headers), tuple((n, tuple(x)) for n, x in enumerate(lines, 2)))


def test_a_dry_run_writes_nothing_and_the_commit_writes_what_it_showed(ctx, team):
    sheet = sheet_of(
        ["张三", "13800138000", "hot", "王伟", "Model Y", "", "", "2026-03-05"],
        ["李四", "13900139000", "", "Li Na", "", "", "", ""],
        ["张三", "13800138000", "", "", "", "20万", "", ""],
        ["冷客", "13700137000", "cold", "赵敏", "", "", "", ""],
    )
    mapping = guess_mapping(sheet.headers)
    dry = importing.preview(ctx, sheet, mapping)
    assert count(ctx, Customer) == 0 and count(ctx, Audit) == count(ctx, Audit)
    done = importing.commit(ctx, sheet, mapping)
    assert [(r.line, r.action) for r in done.rows] == [(r.line, r.action) for r in dry.rows]
    with ctx.db.read() as s:
        zhang = s.exec(select(Customer).where(Customer.phone == "+8613800138000")).one()
        assert (zhang.owner_id, zhang.level, zhang.budget, zhang.model_interest) == (
            team.wang,
            "hot",
            "200-300k",
            "Model Y",
        )
        cbs = s.exec(select(Callback).where(Callback.customer_id == zhang.id)).all()
        assert [ctx.local_day(c.due_at) for c in cbs] == [date(2026, 3, 5)]
        li = s.exec(select(Customer).where(Customer.phone == "+8613900139000")).one()
        # No date in the sheet: the level's own rule (cold: monthly for the default levels
        # or marketing), as at the desk.
        li_cbs = s.exec(select(Callback).where(Callback.customer_id == li.id)).all()
        assert li.owner_id == team.li and li.level == "cold"
        assert len(li_cbs) == (0 if li.status == "marketing" else 1)
        assert (
            s.exec(
                select(func.count()).select_from(LevelChange).where(LevelChange.source == "import")
            ).one()
            == 3
        )
        assert s.exec(select(func.count()).select_from(OwnershipChange)).one() == 3
        last = s.exec(select(Audit).order_by(Audit.id.desc())).first()
        assert last.action == "customer.import" and '"created":3' in last.after_json


def test_a_callback_date_already_past_is_due_today(ctx, team):
    sheet = sheet_of(["张三", "13800138000", "hot", "王伟", "", "", "", "2026-01-10"])
    importing.commit(ctx, sheet, guess_mapping(sheet.headers))
    with ctx.db.read() as s:
        due = s.exec(select(Callback.due_at)).one()
    assert ctx.local_day(due) == date(2026, 3, 2)


def test_rejected_lines_block_the_commit_unless_the_rest_is_asked_for(ctx, team):
    sheet = sheet_of(
        ["张三", "13800138000", "", "王伟", "", "", "", ""],
        ["坏号", "123", "", "王伟", "", "", "", ""],
    )
    mapping = guess_mapping(sheet.headers)
    with pytest.raises(RuleViolation, match="1 lines are rejected"):
        importing.commit(ctx, sheet, mapping)
    assert count(ctx, Customer) == 0
    plan = importing.commit(ctx, sheet, mapping, skip_rejected=True)
    assert plan.counts == {Action.CREATE: 1, Action.MERGE: 0, Action.REJECT: 1}
    assert count(ctx, Customer) == 1


def test_the_commit_is_all_or_nothing(ctx, team, monkeypatch):
    # More lines than one insert batch: the failure comes after batches were flushed.
    sheet = sheet_of(
        *[[f"C{i}", f"1380013{i:04d}", "", "王伟", "", "", "", ""] for i in range(1100)]
    )
    assert len(sheet.rows) > 2 * importing._CHUNK
    real = importing.record_audit

    def fail_at_the_end(s, c, action, *a, **k):
        if action == "customer.import":
            raise OSError("disk full")
        return real(s, c, action, *a, **k)

    monkeypatch.setattr(importing, "record_audit", fail_at_the_end)
    with pytest.raises(OSError):
        importing.commit(ctx, sheet, guess_mapping(sheet.headers))
    assert count(ctx, Customer) == 0 and count(ctx, Callback) == 0
    monkeypatch.setattr(importing, "record_audit", real)
    plan = importing.commit(ctx, sheet, guess_mapping(sheet.headers))
    assert plan.counts[Action.CREATE] == 1100
    assert count(ctx, Customer) == 1100 and count(ctx, LevelChange) == 1100


def test_a_merge_fills_blanks_and_keeps_the_owner_level_and_name(ctx, team):
    rotation.check_in(ctx, team.wang)
    cid = new_customer(ctx, "13800138000", name="Zhang", horizon="1m")
    sheet = sheet_of(
        ["张三 (sheet)", "138 0013 8000", "cold", "Li Na", "Model Y", "", "介绍人: 老王", ""]
    )
    plan = importing.commit(ctx, sheet, guess_mapping(sheet.headers))
    assert plan.rows[0].action is Action.MERGE and plan.rows[0].existing_id == cid
    assert set(plan.rows[0].fills) == {"model_interest", "notes"}
    with ctx.db.read() as s:
        c = s.get(Customer, cid)
        assert (c.name, c.owner_id, c.level, c.model_interest, c.notes) == (
            "Zhang",
            team.wang,
            "hot",
            "Model Y",
            "介绍人: 老王",
        )
    assert count(ctx, Customer) == 1


def test_only_the_manager_imports_and_exports(ctx, team, tmp_path):
    setup.set_setting(ctx, "auth.mode", "pin")
    auth.set_pin(ctx, team.li, "2468")
    auth.sign_in(ctx, team.li, "2468")
    sheet = sheet_of(["张三", "13800138000", "", "王伟", "", "", "", ""])
    with pytest.raises(PermissionDenied):
        importing.preview(ctx, sheet, guess_mapping(sheet.headers))
    with pytest.raises(PermissionDenied):
        export(ctx, ExportKind.CUSTOMERS, tmp_path / "c.csv")


@pytest.mark.parametrize(
    "suffix,lang", [(".csv", "en"), (".xlsx", "zh"), (".csv", "zh"), (".xlsx", "en")]
)
def test_an_export_edited_in_excel_imports_back_as_merges(ctx, team, tmp_path, suffix, lang):
    from deskterm.i18n import set_language

    rotation.check_in(ctx, team.wang)
    rotation.check_in(ctx, team.li)
    for i in range(4):
        new_customer(
            ctx,
            f"1390013900{i}",
            horizon=("1m", "3m", "6m", "unknown")[i],
            budget="150-200k",
            model_interest="Han",
            media=("auto_sites", "short_video", None, "event")[i],
        )
    set_language(lang)
    out = tmp_path / f"customers{suffix}"
    assert export(ctx, ExportKind.CUSTOMERS, out) == 4
    sheet = read_sheet(out)
    mapping = guess_mapping(sheet.headers)
    # Every column deskterm wrote, but the status (the desk's own), maps back to its field:
    # a tester's zh export lost its purchase times (预计购买 read as "not imported"). The
    # medium too, by its name in the language ("short video, social media", 车展/活动).
    assert sorted(f for f in mapping if f is not None) == sorted(F)
    assert mapping.count(None) == 1
    plan = importing.preview(ctx, sheet, mapping)
    # Every label deskterm wrote reads back: nothing rejected, nothing new, no warnings.
    assert [r.action for r in plan.rows] == [Action.MERGE] * 4
    assert [r.values["media"] for r in plan.rows] == ["auto_sites", "short_video", None, "event"]
    assert all(not r.warnings and not r.fills for r in plan.rows), [
        (r.fills, [w.message for w in r.warnings]) for r in plan.rows
    ]


def test_receptions_and_callbacks_export_within_a_period(ctx, team, tmp_path):
    rotation.check_in(ctx, team.wang)
    new_customer(ctx, "13800138000", name="张三")
    assert export(ctx, ExportKind.RECEPTIONS, tmp_path / "r.csv") == 1
    lines = (tmp_path / "r.csv").read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("date,time,channel,salesperson,name,phone")
    assert lines[1].startswith("2026-03-02,09:00,walk-in,王伟,张三,138 0013 8000,yes,yes,yes")
    assert (
        export(ctx, ExportKind.RECEPTIONS, tmp_path / "r2.csv", date(2026, 3, 3), date(2026, 3, 9))
        == 0
    )
    assert export(ctx, ExportKind.CALLBACKS, tmp_path / "c.xlsx") == 1
    ws = openpyxl.load_workbook(tmp_path / "c.xlsx").active
    assert [c.value for c in ws[1]][:6] == ["due", "salesperson", "name", "phone", "kind", "status"]
    assert [c.value for c in ws[2]][1:6] == ["王伟", "张三", "138 0013 8000", "sales", "open"]
    with pytest.raises(InvalidInput, match="ends before"):
        export(ctx, ExportKind.CALLBACKS, tmp_path / "x.csv", date(2026, 3, 9), date(2026, 3, 1))


# -- the command line --------------------------------------------------------------------------
def test_cli_import_is_a_dry_run_until_commit_and_refuses_a_partial_import(tmp_path, capsys):
    db = str(tmp_path / "d.db")
    assert main(["staff", "--db", db, "add", "王伟", "--role", "salesperson"]) == 0
    p = write_csv(
        tmp_path / "s.csv",
        ["客户", "Tel", "销售"],
        [["张三", "13800138000", "王伟"], ["坏号", "123", "王伟"], ["李四", "13900139000", ""]],
        encoding="gb18030",
    )
    capsys.readouterr()
    assert main(["import", "--db", db, str(p), "--map", "Tel=phone"]) == 0
    out = capsys.readouterr().out
    assert "Tel → phone" in out and "Dry run: 1 to create, 0 to merge, 2 rejected" in out
    assert (
        main(["import", "--db", db, str(p), "--map", "Tel=phone", "--owner", "王伟", "--commit"])
        == 1
    )
    assert "Nothing was imported: 1 lines are rejected" in capsys.readouterr().err
    assert (
        main(
            [
                "import",
                "--db",
                db,
                str(p),
                "--map",
                "Tel=phone",
                "--owner",
                "王伟",
                "--commit",
                "--skip-rejected",
            ]
        )
        == 0
    )
    assert "Imported: 2 created, 0 merged, 1 left out." in capsys.readouterr().out
    assert main(["export", "--db", db, "customers", "--out", str(tmp_path / "c.csv")]) == 0
    assert "2 rows written" in capsys.readouterr().out
    assert main(["import", "--db", db, str(p), "--map", "Nope=phone"]) == 2
    assert "no column Nope" in capsys.readouterr().err


def test_cli_lists_what_needs_reading_in_a_long_sheet(tmp_path, capsys):
    db = str(tmp_path / "d.db")
    assert main(["staff", "--db", db, "add", "王伟", "--role", "salesperson"]) == 0
    lines = [[f"C{i}", f"1380013{i:04d}", "王伟"] for i in range(80)] + [["Bad", "1", "王伟"]]
    p = write_csv(tmp_path / "s.csv", ["name", "phone", "salesperson"], lines)
    capsys.readouterr()
    assert main(["import", "--db", db, str(p)]) == 0
    out = capsys.readouterr().out
    assert "Bad" in out and "C1 " not in out
    assert "(and 80 more lines with nothing to say: --all lists them)" in out
    assert main(["import", "--db", db, str(p), "--all"]) == 0
    assert "C79" in capsys.readouterr().out


def test_a_first_visit_today_is_its_noon_and_a_callback_today_its_midnight(ctx, team):
    # The two are converted once a day for the whole sheet: never one for the other.
    sheet = sheet_of(
        ["张三", "13800138000", "hot", "王伟", "", "", "", "2026-03-02", "2026-03-02"],
        headers=[*HEADERS, "first visit"],
    )
    importing.commit(ctx, sheet, guess_mapping(sheet.headers))
    with ctx.db.read() as s:
        created, contact = s.exec(select(Customer.created_at, Customer.last_contact_at)).one()
        due = s.exec(select(Callback.due_at)).one()
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=ctx.clock.zone)
    assert created == noon and contact == noon
    assert due == datetime(2026, 3, 2, 0, 0, tzinfo=ctx.clock.zone)
