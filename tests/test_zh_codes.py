"""Issue 22: no English code reaches a Chinese screen or CLI table (JSON keeps the codes).

The demo sample has every kind of history (no answer, appointments, level changes,
escalations, hand-outs): its F4 history, F6 audit trail, ``levels list``, ``staff list``
and ``report`` are read in Chinese and must hold no identifier such as ``no_answer``,
``callback.done``, ``P7D`` or ``hot``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from deskterm.cli.main import main
from deskterm.i18n import set_language
from deskterm.ui.app import create_app
from deskterm.ui.screens.customers import CustomersScreen
from deskterm.ui.screens.manager import ManagerScreen
from tests.ui_helpers import DEMO_NOW, SAMPLE, demo_ctx, settle, table_rows, wait_for

CODE = re.compile(r"[a-z]+_[a-z]+|\bP\d+[DWMY]\b|\b(hot|warm|cold)\b|\b[a-z]+\.[a-z_]+\b")


def codes_in(text: str) -> list[str]:
    """Identifiers a person should never read (names and notes in the demo are English
    words, not identifiers: the pattern only catches code-shaped words)."""
    return [m.group(0) for m in CODE.finditer(text)]


def test_the_pattern_catches_codes():
    assert codes_in("no_answer 准购买→准购买") == ["no_answer"]
    assert codes_in("callback.done") == ["callback.done"]
    assert codes_in("回访周期 P7D · hot") == ["P7D", "hot"]
    assert codes_in("邀约到店 意向→意向 asked about financing") == []


async def test_history_and_audit_trail_speak_chinese(tmp_path):
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, lang="zh", blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f4", *"王")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, CustomersScreen)
                and app.screen.query_one("#results").row_count > 3
            ),
        )
        history: list[list[str]] = []
        for _i in range(4):  # several customers: receptions, callbacks, levels, owners
            await pilot.press("down")
            await settle(pilot)
            await wait_for(pilot, lambda: table_rows(app.screen, "#timeline") != [])
            history += table_rows(app.screen, "#timeline")
        kinds = {row[1] for row in history}
        assert {"到店", "回访"} <= kinds
        assert [c for row in history for c in codes_in(" ".join(row))] == []
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ManagerScreen)
        screen.query_one("#tabs").active = "tab-audit"
        await wait_for(pilot, lambda: len(table_rows(screen, "#audit")) > 50)
        trail = table_rows(screen, "#audit")
        assert [c for row in trail for c in codes_in(" ".join(row))] == []
        assert any("回访结果" in row[4] for row in trail)


async def test_the_desk_says_its_own_words_in_chinese(tmp_path):
    """Review §2: the demo's shop name, the arrivals column that also holds service
    visits, the space key, a last day that is today, the meeting's "(+6)"."""
    from textual.binding import Binding
    from textual.widgets import DataTable, Label

    from deskterm.ui.screens.callbacks import MyCallbacksScreen
    from deskterm.ui.screens.dialogs import PickScreen
    from deskterm.ui.screens.meeting import MeetingScreen

    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, lang="zh", blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert "deskterm 演示展厅" in str(app.sub_title)
        arrivals = app.screen.query_one("#arrivals", DataTable)
        heads = [str(c.label) for c in arrivals.columns.values()]
        assert "类型/来源" in heads and "来源渠道" not in heads
        assert app.get_key_display(Binding("space", "tick", "x")) == "空格"
        assert app.get_key_display(Binding("f3", "x", "x")) == "f3"
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        app.screen.dismiss("8")  # 杨帆: one customer's last day is today
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, MyCallbacksScreen) and table_rows(app.screen, "#calls") != []
            ),
        )
        left = [row[5] for row in table_rows(app.screen, "#calls")]
        assert any(c.startswith("今天转") for c in left)
        assert not [c for c in left if re.match(r"-|0 天后", c)]
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, MeetingScreen))
        titles = [str(label.render()) for label in app.screen.query(Label)]
        assert "明日回访任务（+n：逾期未回访）" in titles
    set_language("en")


def test_every_audited_action_and_entity_has_words():
    """A new audited action without a label would show as ``staff.pin_failed``."""
    from deskterm.services.labels import AUDIT_ACTIONS, AUDIT_ENTITIES

    root = Path(__file__).resolve().parents[1] / "deskterm" / "services"
    source = "\n".join(p.read_text("utf-8") for p in root.glob("*.py"))
    calls = re.findall(r'record_audit\(\s*\w+,\s*ctx,\s*"([^"]+)",\s*"([^"]+)"', source)
    assert len(calls) > 25
    assert sorted({a for a, _e in calls} - set(AUDIT_ACTIONS)) == []
    assert sorted({e for _a, e in calls} - set(AUDIT_ENTITIES)) == []


def test_audit_changes_read_as_words_with_staff_names():
    from datetime import UTC

    from deskterm.services.labels import Names, audit_change

    set_language("zh")
    try:
        names = Names(
            lambda code: {"hot": "准购买"}.get(code, code), {"price": "价格/优惠"}, {3: "李娜"}
        )
        changes = [
            ({}, {"file": "客户表.csv", "rows": 12}),
            ({"active": True}, {"active": False, "to": 3, "customers": 4, "callbacks": 2}),
            ({}, {"kind": "lost", "reason": "price", "since": "2026-11-01"}),
            ({"kind": "walk_in"}, {"kind": "courtesy", "other_id": 3}),
            ({}, {"pin": "set"}),
            ({}, {"sheet": "名单.xlsx", "created": 1, "merged": 0, "rejected": 2}),
        ]
        text = " ".join(audit_change(b, a, names, UTC) for b, a in changes)
        assert codes_in(text) == [] and "李娜" in text and "价格/优惠" in text
        assert "文件：客户表.csv" in text and "已设置" in text and "代为接待" in text
        assert not re.search(r"\b(file|rows|to|kind|pin|sheet|since|other_id)\b", text), text
    finally:
        set_language("en")


@pytest.fixture
def sample_db(tmp_path, monkeypatch):
    db = tmp_path / "s.db"
    shutil.copy(SAMPLE, db)
    monkeypatch.setenv("DESKTERM_NOW", DEMO_NOW[:16])
    yield str(db)
    set_language("en")


@pytest.mark.parametrize(
    "command",
    [["levels", "list"], ["staff", "list", "--all"], ["report"], ["report", "--period", "week"]],
)
def test_cli_tables_speak_chinese(sample_db, capsys, command):
    assert main(["--lang", "zh", "--db", sample_db, *command]) == 0
    out = capsys.readouterr().out
    assert out.strip() and codes_in(out) == []


@pytest.mark.parametrize(
    "command",
    [
        ["backups"],
        ["check"],
        ["--help"],
        ["import", "--help"],
        ["export", "--help"],
        ["report", "--help"],
        ["staff", "add", "--help"],
        ["settings", "--help"],
    ],
)
def test_cli_help_and_other_listings_speak_chinese(sample_db, capsys, command):
    try:
        code = main(["--lang", "zh", "--db", sample_db, *command])
    except SystemExit as exc:  # --help
        code = exc.code
    out = capsys.readouterr()
    text = (out.out + out.err).replace(str(Path(sample_db).parent), "FOLDER")
    assert code == 0 and text.strip() and codes_in(text) == []
    assert "level:" not in text and "=hot" not in text  # the --value example in the shop's words
    if command == ["report", "--help"]:
        assert "一天、一周或一个月的例会报表" in text  # a description line, not only options


def test_settings_list_shows_values_in_words_and_json_the_codes(sample_db, capsys):
    assert main(["--lang", "zh", "--db", sample_db, "settings", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    values = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in lines[1:])
    # The keys stay as `settings set` takes them; the values are words.
    assert [v for v in values.values() if codes_in(v)] == []
    assert values["rotation.mode"] == "接待后排到队尾"
    assert values["auth.mode"] == "无需 PIN（开放）"
    assert values["rotation.hold_overdue_callbacks"] == "否"
    assert values["rotation.uncounted_weight"] == "不计轮次"
    assert values["care.schedule"] == "3 天，1 个月，3 个月，1 年"
    assert values["demo.today"] == "2026-11-20 10:40"
    assert not {"open", "back", "false", "true"} & set(values.values())
    set_language("en")
    assert main(["--lang", "zh", "--db", sample_db, "settings", "list", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rotation.mode"] == "back" and data["auth.mode"] == "open"


def test_an_unknown_word_in_a_sheet_is_mapped_in_the_shops_words(sample_db, capsys, tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("姓名,手机,级别\n张三,13800138000,A级\n", encoding="utf-8")
    assert main(["--lang", "zh", "--db", sample_db, "import", str(sheet), "--owner", "王伟"]) == 0
    out = capsys.readouterr().out.replace(str(tmp_path), "FOLDER")
    assert "级别：A级（1 行），例如 --value 级别:A级=…" in out
    assert "级别：未知级别" in out and not re.search(r"[\u4e00-\u9fff][,:] ", out)
    assert codes_in(out.replace("s-rejected.csv", "").replace("s.csv", "")) == []
    set_language("en")
    # …and the example works as typed: the level's name, in Chinese, is understood.
    code = main(
        ["--lang", "zh", "--db", sample_db, "import", str(sheet), "--owner", "王伟"]
        + ["--value", "级别:A级=准购买"]
    )
    assert code == 0 and "将新建 1 个" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["customers", "receptions", "callbacks"])
def test_exports_for_excel_hold_words_not_codes(sample_db, capsys, tmp_path, kind):
    import csv

    out = tmp_path / f"{kind}.csv"
    assert main(["--lang", "zh", "--db", sample_db, "export", kind, "--out", str(out)]) == 0
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    head, body = rows[0], rows[1:]
    # Every column a person reads as a word (names, phones, models and notes are data).
    data = {"姓名", "电话", "其他联系方式", "销售顾问", "车型", "备注"}
    cells = {c for r in body for h, c in zip(head, r, strict=True) if h not in data}
    assert [c for c in cells if codes_in(c) or re.fullmatch(r"[a-z_]+", c)] == []
    set_language("en")


def test_the_cli_report_json_keeps_the_codes(sample_db, capsys):
    assert main(["--lang", "zh", "--db", sample_db, "report", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["levels"] == ["hot", "warm", "cold"] and "hot" in data["team"]


def _figures(out: str, name: str, head: str) -> list[str]:
    """The cells after ``name`` on its row of the table under ``head`` (cells are two
    or more spaces apart; "28% (31%)" is one cell)."""
    lines = out.splitlines()
    below = lines[lines.index(head) + 1 :]
    row = next(line for line in below if line.startswith(name + " "))
    return re.split(r"\s{2,}", row[len(name) :].strip())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_cli_report_fits_80_columns_with_whole_names_and_the_meeting_columns(
    sample_db, capsys, lang
):
    from rich.cells import cell_len

    assert main(["--lang", lang, "--db", sample_db, "report", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    set_language("en")
    assert main(["--lang", lang, "--db", sample_db, "report"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= 80, out
    names = [p["salesperson"] for p in data["tomorrow"]] + [p["name"] for p in data["salespeople"]]
    for name in names:  # each name whole on a line of its own table row(s)
        assert any(name in line for line in lines), name
    assert any(" " in n for n in names)  # "孙经理 Manager Sun": a name with spaces is checked
    overdue, contact, first = {
        "zh": ("逾期", "留档率", "销售顾问"),
        "en": ("Overdue", "Contact", "Salesperson"),
    }[lang]
    head = next(line for line in lines if line.startswith(first) and overdue in line)
    assert contact in head
    level = {"zh": "准购买", "en": "hot"}[lang]  # the levels table: the shop's level names
    assert any(line.startswith(first) and level in line.split() for line in lines)
    cols = re.split(r"\s{2,}", head.strip())[1:]
    team_name = {"zh": "团队合计", "en": "Team"}[lang]
    for p in [*data["salespeople"], {**data["team"], "name": team_name}]:
        cells = _figures(out, p["name"], head)
        assert cells[cols.index(overdue)] == str(p["callbacks_overdue"]), p["name"]
        rate = p["contact_capture_rate"]
        assert cells[cols.index(contact)] == ("-" if rate is None else f"{rate:.0%}"), p["name"]


def test_a_running_week_is_titled_as_the_meeting_screen_titles_it(sample_db, capsys):
    assert main(["--lang", "zh", "--db", sample_db, "report", "--period", "week"]) == 0
    title = capsys.readouterr().out.splitlines()[0]
    assert title == "例会报表 — 2026-11-16 至 2026-11-22，截至 2026-11-20"
    set_language("en")
    assert main(["--db", sample_db, "report", "--from", "2026-11-16"]) == 0
    assert capsys.readouterr().out.startswith("Meeting report — 2026-11-16 to 2026-11-20\n")
    assert main(["--db", sample_db, "report"]) == 0
    assert capsys.readouterr().out.startswith("Daily meeting report — 2026-11-20\n")


def test_new_shops_get_reason_names_in_chinese_punctuation():
    from deskterm.services.setup import LOST_REASONS, NO_CONTACT_REASONS
    from tests.test_i18n import _not_full_width

    zh = [name for _c, _en, name, _n in (*NO_CONTACT_REASONS, *LOST_REASONS)]
    assert [n for n in zh if _not_full_width(n)] == []


def test_a_name_too_long_for_80_columns_gets_a_line_of_its_own(sample_db, capsys):
    from rich.cells import cell_len

    from deskterm.services.report_export import to_text

    assert main(["--lang", "zh", "--db", sample_db, "report", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    long = "欧阳娜娜" * 8 + " [bold red]x[/] a|b"  # 80 cells: no room for figures
    data["salespeople"][0]["name"] = long
    data["tomorrow"] = [{"salesperson": long, "callbacks": 3}] + data["tomorrow"]
    out = to_text(data)
    lines = out.splitlines()
    rows = [i for i, line in enumerate(lines) if line == long]
    assert len(rows) == 2  # once in each table, whole, alone; its figures below it
    for i in rows:
        assert lines[i + 1].startswith(" ") and re.search(r"\d", lines[i + 1])
    assert max(cell_len(line) for line in lines if long not in line) <= 80
    assert any(line.startswith("明日回访任务：") for line in lines)


def test_argparse_speaks_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "zh", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：") and "\n选项：\n" in out and "显示此帮助信息并退出" in out
    assert "usage:" not in out and "show this help" not in out and "options" not in out
    assert main(["--lang", "zh", "staff", "frob"]) == 2
    err = capsys.readouterr().err
    assert "无效的选项" in err and "invalid choice" not in err
    assert main(["--lang", "zh", "staff", "pin"]) == 2
    assert "缺少必需的参数" in capsys.readouterr().err
    set_language("en")
    with pytest.raises(SystemExit):
        main(["--lang", "en", "--help"])
    assert capsys.readouterr().out.startswith("usage: ")


async def test_the_command_palette_speaks_chinese(tmp_path):
    from textual.command import CommandInput, CommandPalette

    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, lang="zh", blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        titles = [str(c.title) for c in app.get_system_commands(app.screen)]
        assert "退出" in titles and "Quit" not in titles and "Keys" not in titles
        assert not [t for t in titles if re.fullmatch(r"[A-Za-z ]+", t)]
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        assert app.screen.query_one(CommandInput).placeholder == "搜索命令…"
        # A search that finds nothing says so in Chinese (a tester saw "No matches found").
        await pilot.press(*"zzzz")
        from textual.command import CommandList

        def said() -> str:
            options = app.screen.query_one(CommandList).options
            return " ".join(str(o.prompt.renderable) for o in options if o.disabled)

        await wait_for(pilot, lambda: "没有匹配的命令" in said())
        assert "No matches" not in said()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_cli_report_fits_80_columns_with_a_shops_long_level_names(sample_db, capsys, lang):
    """Found by a tester: with the H/A/B/C preset ("H级(7天内)"…) the Chinese report was
    82 columns wide and some names sat alone on a line. Long headers break before their
    bracket; every name stays on the line with its figures."""
    from rich.cells import cell_len

    assert main(["--db", sample_db, "levels", "preset", "habc"]) == 0
    capsys.readouterr()
    set_language(lang)
    assert main(["--lang", lang, "--db", sample_db, "report"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= 80, out
    for name in ("David Chen", "Emily Zhang", "孙经理 Manager Sun"):
        assert all(line.strip() != name for line in lines), (name, out)


def test_the_help_typed_at_a_shell_is_chinese_in_every_group(tmp_path):
    """As typed: the desk's quick reading of its command line made the shared options
    before argparse spoke Chinese, and the help showed an English "options:" group."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DESKTERM_LANG": "zh", "COLUMNS": "100"}
    out = subprocess.run(
        [sys.executable, "-m", "deskterm", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    ).stdout
    assert out.startswith("用法：") and "\n选项：\n" in out and "--db PATH" in out
    assert "options" not in out and "usage" not in out
