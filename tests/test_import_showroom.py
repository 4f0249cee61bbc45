"""Importing sheets as showrooms really keep them (issue 17): a title and a group row
above the headers, levels in the shop's own words, edits made in Excel, Excel's dates
and damage, duplicate phones and a rejects file to correct and import again."""

from __future__ import annotations

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
