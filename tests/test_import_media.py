"""Where visitors come from (issue 18) in the shop's spreadsheets: the exports' last column
names each medium, and the import reads a "heard of us" column in the shop's own words,
maps an unknown word once, fills a blank medium on a merge and puts it back on undo."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text
from sqlmodel import select

from deskterm.cli.main import main
from deskterm.domain.levels import DEFAULT_LEVELS, Levels
from deskterm.domain.sheet import (
    HEADER_ALIASES,
    ImportField,
    ShopFacts,
    guess_mapping,
    key,
    media_words,
    parse_update_option,
    parse_value_option,
    plan_rows,
    unknown_values,
)
from deskterm.errors import InvalidInput
from deskterm.i18n import set_language
from deskterm.services import importing, reasons, rotation
from deskterm.services.exporting import ExportKind, export
from deskterm.services.setup import MEDIA_SOURCES
from deskterm.storage.models import Customer
from deskterm.storage.sheets import Sheet, read_sheet
from tests.scenario import new_customer

pytestmark = pytest.mark.both_databases

F = ImportField
HOSTILE = json.loads(
    (Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text("utf-8")
)
LIST = tuple((code, en, zh, True) for code, en, zh, _note in MEDIA_SOURCES)


def _shop(media=LIST, values=None, existing=None) -> ShopFacts:
    return ShopFacts(
        Levels(DEFAULT_LEVELS),
        {"王伟": 1},
        existing or {},
        1,
        "86",
        date(2026, 3, 2),
        values=values or {},
        media=media,
    )


def _line(n: int, medium: str) -> tuple[int, dict]:
    return n, {F.NAME: f"客{n}", F.PHONE: f"1380013{n:04d}", F.MEDIA: medium}


# -- the rules -------------------------------------------------------------------------------
def test_a_media_column_is_recognised_in_both_languages_without_taking_the_sources():
    for header in ("heard of us", "Heard of us:", "media", "Lead source", "信息来源", "媒体来源"):
        assert guess_mapping(["姓名", header]) == [F.NAME, F.MEDIA], header
    for header in ("获知渠道", "了解渠道", "（信息来源）"):
        assert guess_mapping([header]) == [F.MEDIA], header
    # 来源 / 客户来源 / 来源渠道 stay the source channel's (walk-in, phone, online).
    assert guess_mapping(["客户来源", "信息来源"]) == [F.SOURCE_CHANNEL, F.MEDIA]
    assert guess_mapping(["来源", "来源渠道", "获知渠道"]) == [F.SOURCE_CHANNEL, None, F.MEDIA]
    # No header is an alias of two fields (the later one would silently win).
    seen: dict[str, ImportField] = {}
    for f, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            assert seen.setdefault(key(alias), f) is f, alias


def test_media_are_read_in_the_shops_names_and_common_words():
    words = media_words(LIST)
    for written, code in (
        ("auto_sites", "auto_sites"),
        ("car websites", "auto_sites"),
        ("汽车网站", "auto_sites"),
        ("汽车之家", "auto_sites"),
        ("懂车帝", "auto_sites"),
        ("易车", "auto_sites"),
        ("短视频/社交媒体", "short_video"),
        ("社交媒体", "short_video"),
        ("抖音", "short_video"),
        ("小红书", "short_video"),
        ("微信", "short_video"),
        ("朋友介绍", "referral"),
        ("转介绍", "referral"),
        ("路过", "passing_by"),
        ("Passing By", "passing_by"),
        ("车展", "event"),
    ):
        assert words.get(key(written)) == code, written
    # A medium the manager retired keeps its own names (an old export reads back) but the
    # common words no longer guess it; a code the list lacks is never guessed.
    retired = tuple((c, en, zh, c != "auto_sites") for c, en, zh, _on in LIST)
    words = media_words(retired)
    assert words[key("汽车网站")] == "auto_sites"
    assert key("汽车之家") not in words
    renamed = tuple(row for row in LIST if row[0] != "event")
    assert key("车展") not in media_words(renamed)


def test_an_unknown_medium_is_listed_kept_in_the_notes_and_can_be_mapped_once():
    lines = [_line(2, "抖音"), _line(3, "户外大屏"), _line(4, "户外大屏"), _line(5, "")]
    planned = plan_rows(lines, _shop())
    assert [r.values["media"] for r in planned] == ["short_video", None, None, None]
    assert unknown_values(planned) == {(F.MEDIA, "户外大屏"): 2}
    assert "heard of us: 户外大屏" in planned[1].values["notes"]
    assert [w.field for w in planned[1].warnings] == ["media"]
    assert "is not a medium on the shop's list: kept in the notes" in planned[1].warnings[0].message
    planned = plan_rows(lines, _shop(values={F.MEDIA: {key("户外大屏"): "outdoor"}}))
    assert [r.values["media"] for r in planned] == ["short_video", "outdoor", "outdoor", None]
    assert unknown_values(planned) == {} and not any(r.warnings for r in planned)
    assert parse_value_option("media:户外大屏=outdoor") == (F.MEDIA, "户外大屏", "outdoor")
    assert parse_value_option("信息来源:户外大屏=户外/电台广告")[0] is F.MEDIA


# -- the exports -----------------------------------------------------------------------------
def _column(path: Path, header: str) -> list[object]:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
    else:
        ws = openpyxl.load_workbook(path).active
        rows = [[c.value for c in r] for r in ws.iter_rows()]
    # Appended after the older columns (older sheets still line up); the receptions'
    # export has issue 19's six visit columns appended after it in turn.
    i = rows[0].index(header)
    assert len(rows[0]) - i in (1, 7)
    return [r[i] for r in rows[1:]]


@pytest.mark.parametrize("lang,header", [("en", "heard of us"), ("zh", "信息来源")])
def test_the_exports_name_each_medium_in_the_language_last(ctx, team, tmp_path, lang, header):
    rotation.check_in(ctx, team.wang)
    new_customer(ctx, "13800138000", media="auto_sites")
    new_customer(ctx, "13800138001", media="referral")
    new_customer(ctx, "13800138002", media="event")
    new_customer(ctx, "13800138003")
    reasons.set_reason_active(ctx, "media", "event", False)  # retired: still named
    with ctx.db.write() as s:  # a code since gone from the list: written as it is
        s.connection().execute(
            text("UPDATE customer SET media = 'gone' WHERE phone = '+8613800138001'")
        )
    set_language(lang)
    for kind, suffix in ((ExportKind.CUSTOMERS, ".csv"), (ExportKind.RECEPTIONS, ".xlsx")):
        out = tmp_path / f"{kind.value}{suffix}"
        assert export(ctx, kind, out) == 4
        names = (
            ["car websites", "referral by a friend", "motor show, event", ""]
            if lang == "en"
            else ["汽车网站", "朋友介绍", "车展/活动", ""]
        )
        if kind is ExportKind.CUSTOMERS:
            names[1] = "gone"
        assert [v or "" for v in _column(out, header)] == names


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_hostile_medium_name_stays_text_in_the_export(ctx, team, tmp_path, suffix):
    rotation.check_in(ctx, team.wang)
    # Those Excel would run (a plain number such as +1 is a number to it, not a formula).
    # (" =1", "\t=1" are "=1" once a name is trimmed.)
    hostile = [s for s in HOSTILE["spreadsheet"] if s[:1] in "=@"]
    for i, name in enumerate(hostile):
        code = reasons.add_reason(ctx, "media", name, f"{name}中").code
        new_customer(ctx, f"1380013800{i}", media=code)
    out = tmp_path / f"c{suffix}"
    export(ctx, ExportKind.CUSTOMERS, out)
    if suffix == ".csv":
        shown = _column(out, "heard of us")
        # Quoted as text: Excel shows the name, never runs it.
        assert shown == [("'" + n if n[:1] in "=+-@" else n) for n in hostile]
        assert len(shown) == 4
    else:
        ws = openpyxl.load_workbook(out).active
        cells = [row[-1] for row in ws.iter_rows(min_row=2)]
        assert [c.value for c in cells] == hostile
        assert all(c.data_type == "s" for c in cells)


# -- the import ------------------------------------------------------------------------------
def _sheet(rows, headers=("姓名", "手机号码", "销售顾问", "信息来源")) -> Sheet:
    return Sheet("t", tuple(headers), tuple((n, tuple(r)) for n, r in enumerate(rows, start=2)))


def test_a_new_customer_gets_the_medium_and_a_merge_fills_only_a_blank_one(ctx, team):
    rotation.check_in(ctx, team.wang)
    known = new_customer(ctx, "13800138000", media="referral")
    blank = new_customer(ctx, "13800138001")
    sheet = _sheet(
        [
            ["甲", "13800138000", "王伟", "抖音"],  # on file with referral: kept
            ["乙", "13800138001", "王伟", "懂车帝"],  # on file with none: filled
            ["丙", "13800138002", "王伟", "car websites"],  # new
            ["丁", "13800138003", "王伟", "户外大屏"],  # new, the word mapped once
            ["戊", "13800138004", "王伟", "路过的"],  # new, unknown: kept in the notes
        ]
    )
    mapping = importing.guess(sheet)
    assert mapping[3] is F.MEDIA
    values = {(F.MEDIA, "户外大屏"): "户外/电台广告"}
    plan = importing.commit(ctx, sheet, mapping, values=values, skip_rejected=True)
    assert [r.fills for r in plan.rows[:2]] == [(), ("media",)]
    assert "adds heard of us" in importing.explain(plan.rows[1])
    # Where the sheet says another medium, the one on file is kept, and the dry run says so.
    assert ("media", "short_video", "referral") in plan.rows[0].ignored
    assert (
        "heard of us: sheet says short video, social media, kept referral by a friend"
        in importing.explain(plan.rows[0], plan.levels, plan.media)
    )
    with pytest.raises(InvalidInput, match="can change only"):
        parse_update_option("media")
    with ctx.db.read() as s:
        media = {c.phone[-1]: (c.media, c.notes) for c in s.exec(select(Customer))}
    assert media == {
        "0": ("referral", ""),
        "1": ("auto_sites", ""),
        "2": ("auto_sites", ""),
        "3": ("outdoor", ""),
        "4": (None, "heard of us: 路过的"),
    }
    # Undo gives the customer on file its blank medium back and removes the new ones.
    importing.undo(ctx, plan.batch)
    with ctx.db.read() as s:
        assert s.get(Customer, known).media == "referral"
        assert s.get(Customer, blank).media is None
        assert len(s.exec(select(Customer)).all()) == 2


def test_a_mapping_to_a_medium_the_shop_lacks_or_retired_is_refused(ctx, team):
    rotation.check_in(ctx, team.wang)
    sheet = _sheet([["甲", "13800138000", "王伟", "户外大屏"]])
    mapping = importing.guess(sheet)
    with pytest.raises(InvalidInput, match="not one the shop has"):
        importing.preview(ctx, sheet, mapping, values={(F.MEDIA, "户外大屏"): "tv"})
    reasons.set_reason_active(ctx, "media", "outdoor", False)
    with pytest.raises(InvalidInput, match="not one the shop has"):
        importing.preview(ctx, sheet, mapping, values={(F.MEDIA, "户外大屏"): "outdoor"})
    set_language("zh")
    choices = importing.value_choices(ctx, F.MEDIA)
    assert ("auto_sites", "汽车网站") in choices and "outdoor" not in dict(choices)


def test_undo_is_refused_once_the_filled_medium_was_changed(ctx, team):
    rotation.check_in(ctx, team.wang)
    new_customer(ctx, "13800138000")
    plan = importing.commit(
        ctx,
        _sheet([["甲", "13800138000", "王伟", "易车"]]),
        [
            F.NAME,
            F.PHONE,
            F.OWNER,
            F.MEDIA,
        ],
    )
    with ctx.db.write() as s:
        s.connection().execute(text("UPDATE customer SET media = 'event'"))
    with pytest.raises(Exception, match=r"heard of us was changed since the import \(now motor"):
        importing.undo(ctx, plan.batch)


def test_cli_maps_a_medium_once(tmp_path, capsys):
    db = str(tmp_path / "d.db")
    assert main(["staff", "--db", db, "add", "王伟", "--role", "salesperson"]) == 0
    p = tmp_path / "s.csv"
    with open(p, "w", encoding="gb18030", newline="") as f:
        csv.writer(f).writerows(
            [["姓名", "电话", "销售顾问", "获知渠道"], ["甲", "13800138000", "王伟", "户外大屏"]]
        )
    capsys.readouterr()
    assert main(["import", "--db", db, str(p)]) == 0
    out = capsys.readouterr().out
    assert "heard of us: 户外大屏 (1 line), e.g. --value media:户外大屏=…" in out
    args = ["import", "--db", db, str(p), "--commit", "--value", "media:户外大屏=outdoor"]
    assert main(args) == 0
    assert "Imported: 1 created" in capsys.readouterr().out
    assert main(["export", "--db", db, "customers", "--out", str(tmp_path / "c.csv")]) == 0
    assert _column(tmp_path / "c.csv", "heard of us") == ["billboard, radio"]
    read_sheet(tmp_path / "c.csv")
