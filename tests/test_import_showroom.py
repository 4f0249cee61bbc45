"""Importing sheets as showrooms really keep them (issue 17): a title and a group row
above the headers, levels in the shop's own words, edits made in Excel, Excel's dates
and damage, duplicate phones and a rejects file to correct and import again."""

from __future__ import annotations

import json

import pytest

from deskterm.cli.main import main
from deskterm.domain.sheet import ImportField, check_mapping
from deskterm.errors import InvalidInput
from deskterm.i18n import set_language
from deskterm.services import importing
from deskterm.storage.sheets import read_sheet
from tests import showroom

pytestmark = pytest.mark.both_databases

F = ImportField


@pytest.mark.parametrize("writer", [showroom.write_xlsx, showroom.write_gbk_csv])
def test_the_header_row_is_found_below_a_merged_title_and_group_row(tmp_path, writer):
    suffix = ".xlsx" if writer is showroom.write_xlsx else ".csv"
    p = writer(tmp_path / f"s{suffix}", showroom.lines("王伟"))
    sheet = read_sheet(p)
    assert sheet.header_row == 3
    assert sheet.headers[1:3] == ("客户姓名", "联系电话")
    mapping = importing.guess(sheet)
    assert mapping[1:4] == [F.NAME, F.PHONE, F.LEVEL]
    assert [line for line, _cells in sheet.rows][:4] == [4, 5, 6, 7]
    # Another row can be asked for, and the lines above are kept to choose again.
    other = sheet.at_header_row(2)
    assert other.header_row == 2 and other.headers[0] == "基本信息"
    assert other.at_header_row(3).headers == sheet.headers
    assert read_sheet(p, header_row=1).header_row == 1
    with pytest.raises(InvalidInput, match="no line 99"):
        sheet.at_header_row(99)


def test_a_sheet_without_known_headers_keeps_line_one_and_says_so_in_the_users_language():
    set_language("zh")
    with pytest.raises(InvalidInput) as err:
        check_mapping([None, F.PHONE])
    assert "姓名" in err.value.message and "name" not in err.value.message


def test_the_totals_line_is_not_a_customer(ctx, team, tmp_path):
    p = showroom.write_xlsx(
        tmp_path / "s.xlsx",
        [row[:3] + [None] + row[4:] for row in showroom.lines("王伟")],
    )
    sheet = read_sheet(p)
    plan = importing.preview(ctx, sheet, importing.guess(sheet))
    assert [r.name for r in plan.rows] == ["张伟", "李娜", "王芳", "刘洋"]
    assert {r.action.value for r in plan.rows} == {"create"}
    assert plan.rows[1].phone == "+8613900139002"  # full-width digits


def test_cli_says_which_header_row_it_used_and_takes_another(tmp_path, capsys):
    db = str(tmp_path / "d.db")
    assert main(["staff", "--db", db, "add", "王伟", "--role", "salesperson"]) == 0
    p = showroom.write_gbk_csv(tmp_path / "s.csv", showroom.lines("王伟"))
    capsys.readouterr()
    assert main(["import", "--db", db, str(p)]) == 0
    assert "headers on line 3" in capsys.readouterr().out
    assert main(["import", "--db", db, str(p), "--header-row", "2"]) == 2
    captured = capsys.readouterr()
    assert "headers on line 2" in captured.out
    assert "No column is mapped to name" in captured.err


def _shop(levels=None, values=None):
    from datetime import date

    from deskterm.domain.levels import DEFAULT_LEVELS, Levels
    from deskterm.domain.sheet import ShopFacts

    return ShopFacts(
        Levels(levels or DEFAULT_LEVELS),
        {"王伟": 1},
        {},
        1,
        "86",
        date(2026, 3, 2),
        values=values or {},
    )


def _levels_of(words, shop):
    from deskterm.domain.sheet import plan_rows

    lines = [(n, {F.NAME: f"客{n}", F.PHONE: f"1380013{n:04d}", F.LEVEL: w}) for n, w in words]
    return {
        r.line: (r.values.get("level") if r.reason is None else None)
        for r in plan_rows(lines, shop)
    }


def test_levels_are_read_in_the_shops_names_and_common_spellings_per_preset():
    from deskterm.domain.levels import HABC_LEVELS

    habc = _shop(HABC_LEVELS)
    words = ["A级", "A", "H级", "h", "C级", "B级客户", "Ａ级", "A级(1个月内)", "C类"]
    got = _levels_of(enumerate(words, start=2), habc)
    assert list(got.values()) == ["A", "A", "H", "H", "C", "B", "A", "A", "C"]
    default = _shop()
    words = ["准购买", "准购买客户", "意向客户", "意向", "潜在客户", "Hot", "cold"]
    got = _levels_of(enumerate(words, start=2), default)
    assert list(got.values()) == ["hot", "hot", "warm", "warm", "cold", "hot", "cold"]


def test_an_unknown_level_is_refused_with_the_shops_names_and_can_be_mapped_once():
    from deskterm.domain.sheet import plan_rows, unknown_values

    set_language("zh")
    lines = [
        (n, {F.NAME: f"客{n}", F.PHONE: f"1380013{n:04d}", F.LEVEL: w, F.SOURCE_CHANNEL: src})
        for n, (w, src) in enumerate(
            [("A级", "抖音"), ("A级", "展厅"), ("H", "抖音"), ("意向", "")], start=2
        )
    ]
    planned = plan_rows(lines, _shop())
    reason = planned[0].reason
    assert reason is not None
    assert "准购买，意向，潜在" in reason.message and "hot" not in reason.message
    assert unknown_values(planned) == {
        (F.LEVEL, "A级"): 2,
        (F.LEVEL, "H"): 1,
        (F.SOURCE_CHANNEL, "抖音"): 2,  # counted on refused lines too
    }
    mapped = _shop(
        values={F.LEVEL: {"a级": "hot", "h": "hot"}, F.SOURCE_CHANNEL: {"抖音": "online"}}
    )
    planned = plan_rows(lines, mapped)
    assert [r.values["level"] for r in planned] == ["hot", "hot", "hot", "warm"]
    assert [r.values["source_channel"] for r in planned] == [
        "online",
        "walk_in",
        "online",
        "walk_in",
    ]
    assert unknown_values(planned) == {}


def test_value_options_take_labels_in_either_language_and_refuse_what_the_shop_lacks(ctx, team):
    from deskterm.domain.sheet import parse_map_option, parse_value_option

    assert parse_value_option("level:A级=hot") == (F.LEVEL, "A级", "hot")
    assert parse_value_option("级别:A级=准购买") == (F.LEVEL, "A级", "准购买")
    assert parse_value_option("来源渠道:抖音=online")[0] is F.SOURCE_CHANNEL
    assert parse_map_option("电话号=电话", ["电话号"]) == (0, F.PHONE)
    assert parse_map_option("车=model", ["车"]) == (0, F.MODEL_INTEREST)
    assert parse_map_option("车=车型", ["车"]) == (0, F.MODEL_INTEREST)
    with pytest.raises(InvalidInput, match="FIELD:TEXT=VALUE"):
        parse_value_option("level=hot")
    with pytest.raises(InvalidInput, match="Only these fields"):
        parse_value_option("name:x=y")
    sheet = importing.Sheet("t", ("姓名", "手机", "级别"), ((2, ("甲", "13800138000", "A级")),))
    mapping = importing.guess(sheet)
    with pytest.raises(InvalidInput, match="not one the shop has"):
        importing.preview(ctx, sheet, mapping, team.wang, {(F.LEVEL, "A级"): "Z"})
    plan = importing.preview(ctx, sheet, mapping, team.wang, {(F.LEVEL, "A级"): "准购买"})
    assert plan.rows[0].values["level"] == "hot"
    set_language("zh")
    assert ("hot", "准购买") in importing.value_choices(ctx, F.LEVEL)


def test_cli_lists_unknown_words_with_counts_and_maps_them(tmp_path, capsys):
    db = str(tmp_path / "d.db")
    assert main(["staff", "--db", db, "add", "王伟", "--role", "salesperson"]) == 0
    p = showroom.write_xlsx(tmp_path / "s.xlsx", showroom.lines("王伟"))
    capsys.readouterr()
    assert main(["import", "--db", db, str(p)]) == 0
    out = capsys.readouterr().out
    assert "level: H级 (1 line), e.g. --value level:H级=…" in out
    assert "levels: hot, warm, cold); map it" in out
    args = ["import", "--db", db, str(p), "--commit"]
    for spec in ("level:H级=hot", "级别:A级=hot", "level:B=warm", "level:C级=cold"):
        args += ["--value", spec]
    assert main(args) == 0
    assert "Imported: 4 created, 0 merged, 0 left out." in capsys.readouterr().out


def _edited_export(tmp_path, rows):
    """An exported list edited in Excel: a level raised, a model changed, a name corrected."""
    headers = ["姓名", "手机号码", "意向级别", "意向车型", "销售顾问"]
    return showroom.write_xlsx(tmp_path / "edited.xlsx", rows, headers, totals=False)


def test_a_merge_says_field_by_field_what_the_sheet_said_and_what_was_kept(ctx, team, tmp_path):
    from deskterm.services import rotation
    from deskterm.storage.models import Customer
    from tests.scenario import new_customer

    rotation.check_in(ctx, team.wang)
    cid = new_customer(ctx, "13800138000", name="张三", horizon="unknown", model_interest="卡罗拉")
    p = _edited_export(tmp_path, [["张三丰", 13800138000.0, "准购买", "凯美瑞", "王伟"]])
    sheet = read_sheet(p)
    plan = importing.preview(ctx, sheet, importing.guess(sheet))
    row = plan.rows[0]
    assert row.existing_id == cid
    assert set(row.ignored) == {
        ("name", "张三丰", "张三"),
        ("level", "hot", "cold"),
        ("model_interest", "凯美瑞", "卡罗拉"),
    }
    set_language("zh")
    why = importing.explain(row, plan.levels)
    assert "级别：表格写的是 准购买，保留了 潜在" in why
    assert "车型：表格写的是 凯美瑞，保留了 卡罗拉" in why
    set_language("en")
    importing.commit(ctx, sheet, importing.guess(sheet))
    with ctx.db.read() as s:
        c = s.get(Customer, cid)
        assert (c.name, c.level, c.model_interest) == ("张三", "cold", "卡罗拉")


def test_a_manager_lets_the_sheet_change_chosen_fields_each_audited_and_in_the_level_history(
    ctx, team, tmp_path
):
    from sqlmodel import select

    from deskterm.services import rotation
    from deskterm.storage.models import Audit, Callback, Customer, LevelChange
    from tests.scenario import new_customer

    rotation.check_in(ctx, team.wang)
    cid = new_customer(ctx, "13800138000", name="张三", horizon="unknown", model_interest="卡罗拉")
    p = _edited_export(tmp_path, [["张三丰", 13800138000.0, "准购买", "凯美瑞", "王伟"]])
    sheet = read_sheet(p)
    update = {"level", "name"}
    plan = importing.preview(ctx, sheet, importing.guess(sheet), update=update)
    assert set(plan.rows[0].changes) == {("name", "张三", "张三丰"), ("level", "cold", "hot")}
    assert plan.rows[0].ignored == (("model_interest", "凯美瑞", "卡罗拉"),)
    assert "level cold → hot" in importing.explain(plan.rows[0], plan.levels)
    importing.commit(ctx, sheet, importing.guess(sheet), update=update)
    with ctx.db.read() as s:
        c = s.get(Customer, cid)
        assert (c.name, c.level, c.model_interest, c.status) == (
            "张三丰",
            "hot",
            "卡罗拉",
            "active",
        )
        history = s.exec(select(LevelChange).where(LevelChange.customer_id == cid)).all()
        assert [(h.from_level, h.to_level, h.source) for h in history][-1] == (
            "cold",
            "hot",
            "import",
        )
        audit = s.exec(select(Audit).where(Audit.action == "customer.import_merge")).one()
        before, after = json.loads(audit.before_json), json.loads(audit.after_json)
        assert before["level"] == "cold" and after["name"] == "张三丰"
        # A hot customer is called back, as a level raised at the desk would be.
        assert s.exec(
            select(Callback).where(Callback.customer_id == cid, Callback.status == "open")
        ).first()


def test_cli_update_takes_labels_and_the_dry_run_lists_what_is_kept(tmp_path, capsys):
    db = str(tmp_path / "d.db")
    assert main(["staff", "--db", db, "add", "王伟", "--role", "salesperson"]) == 0
    p = _edited_export(tmp_path, [["张三", 13800138000.0, "潜在", "卡罗拉", "王伟"]])
    assert main(["import", "--db", db, str(p), "--commit"]) == 0
    q = _edited_export(tmp_path, [["张三丰", 13800138000.0, "准购买", "凯美瑞", "王伟"]])
    capsys.readouterr()
    assert main(["import", "--db", db, str(q)]) == 0
    out = capsys.readouterr().out
    flat = "".join(out.split())  # the table wraps at the terminal's width
    assert "sheetsayshot,keptcold" in flat and "sheetsays凯美瑞,kept卡罗拉" in flat
    assert main(["import", "--db", db, str(q), "--update", "级别,model", "--commit"]) == 0
    assert "Imported: 0 created, 1 merged" in capsys.readouterr().out
    assert main(["import", "--db", db, str(q), "--update", "phone"]) == 2
    assert "can change only these fields" in capsys.readouterr().err


def test_excel_date_serials_and_chinese_dates_are_read():
    from datetime import date

    from deskterm.domain.sheet import parse_sheet_date

    assert parse_sheet_date(46000, field="created") == date(2025, 12, 9)
    assert parse_sheet_date(46000.0, field="created") == date(2025, 12, 9)
    assert parse_sheet_date("46086", field="created") == date(2026, 3, 5)
    assert parse_sheet_date("2026年3月5日", field="created") == date(2026, 3, 5)
    assert parse_sheet_date("2026/3/5", field="created") == date(2026, 3, 5)
    assert parse_sheet_date("２０２６年３月５日", field="created") == date(2026, 3, 5)
    with pytest.raises(InvalidInput):
        parse_sheet_date("123", field="created")


def test_a_phone_excel_turned_into_scientific_notation_is_named_as_excels_damage():
    from deskterm.domain.sheet import plan_rows

    planned = plan_rows([(4, {F.NAME: "张伟", F.PHONE: "1.38001E+10"})], _shop())
    reason = planned[0].reason
    assert reason is not None and reason.field == "phone"
    assert "the digits were lost by Excel and cannot be recovered" in reason.message


def test_duplicate_phones_say_what_was_kept_from_which_line_and_keep_the_hotter_level():
    from deskterm.domain.sheet import plan_rows

    planned = plan_rows(
        [
            (
                4,
                {F.NAME: "张伟", F.PHONE: "13800138000", F.LEVEL: "潜在", F.MODEL_INTEREST: "RAV4"},
            ),
            (9, {F.NAME: "张大伟", F.PHONE: "138 0013 8000", F.LEVEL: "准购买"}),
        ],
        _shop(),
    )
    first, second = planned
    assert first.values["level"] == "hot" and first.values["name"] == "张伟"
    assert second.into_line == 4
    why = importing.explain(second)
    assert "same phone as line 4" in why
    assert "name: this line says 张大伟, kept 张伟 from line 4" in why
    assert "level hot taken from this line (hotter than cold on line 4)" in why


def test_rejected_lines_are_written_beside_the_sheet_in_its_encoding_to_fix_and_import(
    ctx, team, tmp_path
):
    import csv
    import stat

    lines = showroom.lines("王伟")
    lines[0][2] = "1.38001E+10"
    lines[2][3] = "D级"
    p = showroom.write_gbk_csv(tmp_path / "登记表.csv", lines)
    sheet = read_sheet(p)
    assert sheet.encoding == "gb18030"
    words = {(F.LEVEL, "H级"): "hot", (F.LEVEL, "A级"): "hot", (F.LEVEL, "C级"): "cold"}
    plan = importing.preview(ctx, sheet, importing.guess(sheet), values=words)
    written = importing.write_rejects(ctx, sheet, plan)
    assert written == (tmp_path / "登记表-rejected.csv", 2)
    out = written[0]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("gbk").splitlines()))
    assert rows[0] == [*showroom.HEADERS, "Why rejected"]
    assert [r[1] for r in rows[1:]] == ["张伟", "王芳"]
    assert rows[1][-1].startswith("line 4: phone: Excel turned this phone")
    assert rows[2][-1].startswith("line 6: level: Unknown level D级")
    # Corrected in Excel, the file imports on its own (the reason column is not read).
    rows[1][2], rows[2][3] = "13800138001", "潜在"
    with open(out, "w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows(rows)
    again = read_sheet(out)
    plan = importing.commit(ctx, again, importing.guess(again), team.wang, values=words)
    assert [r.action.value for r in plan.rows] == ["create", "create"]


def test_an_xlsx_sheet_rejects_go_to_an_xlsx_beside_it(ctx, team, tmp_path):
    import openpyxl

    lines = showroom.lines("王伟")
    lines[1][2] = "12"
    p = showroom.write_xlsx(tmp_path / "s.xlsx", lines)
    sheet = read_sheet(p)
    plan = importing.preview(ctx, sheet, importing.guess(sheet), values={(F.LEVEL, "H级"): "hot"})
    out, n = importing.write_rejects(ctx, sheet, plan)
    assert out.name == "s-rejected.xlsx" and n >= 1
    ws = openpyxl.load_workbook(out).active
    assert [c.value for c in ws[1]][-1] == "Why rejected"
    assert ws.cell(2, 2).value == "李娜"


def test_cli_writes_the_rejects_file_and_says_where(tmp_path, capsys):
    db = str(tmp_path / "d.db")
    assert main(["staff", "--db", db, "add", "王伟", "--role", "salesperson"]) == 0
    p = showroom.write_gbk_csv(tmp_path / "s.csv", showroom.lines("王伟"))
    capsys.readouterr()
    assert main(["import", "--db", db, str(p), "--value", "level:H级=hot"]) == 0
    out = capsys.readouterr().out
    assert "The 3 rejected lines, with why, are in" in out and "s-rejected.csv" in out
    assert (tmp_path / "s-rejected.csv").exists()


def test_landlines_are_exported_split_so_excel_keeps_the_leading_zero():
    from deskterm.services.exporting import _phone

    assert _phone("+861062345678") == "010 6234 5678"
    assert _phone("+8675586123456") == "0755 8612 3456"
    assert _phone("+8613800138000") == "138 0013 8000"


def test_a_rejects_file_that_cannot_be_written_is_said_and_the_import_stands(
    tmp_path, capsys, monkeypatch
):
    from deskterm.errors import StorageError

    db = str(tmp_path / "d.db")
    assert main(["staff", "--db", db, "add", "王伟", "--role", "salesperson"]) == 0
    lines = showroom.lines("王伟")
    lines[0][2] = "123"
    p = showroom.write_gbk_csv(tmp_path / "s.csv", lines)

    def full_disk(path, *_args, **_kw):
        raise StorageError("Cannot write {path}: {error}.", path=str(path), error="No space")

    monkeypatch.setattr(importing, "write_sheet", full_disk)
    args = ["import", "--db", db, str(p), "--value", "level:A级=hot", "--value", "level:B=warm"]
    args += ["--value", "level:C级=cold", "--commit", "--skip-rejected"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "Imported: 3 created" in captured.out and "Cannot write" in captured.err


@pytest.mark.parametrize(
    "written,bucket",
    [
        ("20-30万", "200-300k"),
        ("20万-30万", "200-300k"),
        ("２０～３０万", "200-300k"),
        ("15到25万", "200-300k"),
        ("8~12万", "100-150k"),
        ("10-15w", "100-150k"),
        ("15万", "150-200k"),
        ("三十万", None),
    ],
)
def test_a_budget_range_as_showrooms_write_it(written, bucket):
    """Found by a tester: 20-30万 was not a budget the import knew."""
    from deskterm.domain.sheet import _budget

    assert _budget(written) == bucket
