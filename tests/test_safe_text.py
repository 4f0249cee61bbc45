"""People's and files' text is data, never markup: on every screen, in the CLI, in reports.

A name such as ``[/b]`` crashed the app (and every window that reloaded it), ``[bold red]``
styled the text and ``[link=…]`` became a hyperlink. The strings come from
``tests/fixtures/hostile-strings.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.text import Text
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, OptionList, Static

from deskterm.errors import DesktermError
from deskterm.i18n import set_language
from deskterm.services import reception, rotation, setup
from deskterm.services.reception import ReceptionForm
from deskterm.services.report_export import to_html, to_markdown
from deskterm.ui.app import create_app
from deskterm.ui.text import cells, emphasis, plain, say
from tests.ui_helpers import settle, wait_for

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = json.loads((ROOT / "tests" / "fixtures" / "hostile-strings.json").read_text("utf-8"))
MARKUP = HOSTILE["markup"]
CLI_NAMES = [
    "[/bold]",
    "[bold red]R[/]",
    "王[b]伟",
    "[link=http://x]Mr Link[/link]",
    "[@click=app.quit]x",
    ":smile: a|b",
]


# (a) the module itself


@pytest.mark.parametrize("s", MARKUP + HOSTILE["cjk"])
def test_plain_and_cells_are_never_parsed(s):
    assert isinstance(plain(s), Text)
    assert plain(s).plain == s and plain(s).spans == []
    text, number, nothing = cells(s, 3, None)
    assert (text.plain, text.spans, number, nothing.plain) == (s, [], 3, "")


@pytest.mark.parametrize("s", MARKUP)
def test_say_fills_parameters_literally(s):
    shown = say("Added: {names}", names=s)
    assert isinstance(shown, Content)
    assert shown.plain == f"Added: {s}" and not shown.spans


def test_say_translates_our_template_and_keeps_its_brackets():
    set_language("zh")
    try:
        assert say("[y] yes   [n] no").plain == "[y] 是   [n] 否"
    finally:
        set_language("en")
    assert say("[y] yes   [n] no").plain == "[y] yes   [n] no"


def test_emphasis_styles_only_on_purpose():
    shown = emphasis("[/b] 3", "b red")
    assert shown.plain == "[/b] 3" and shown.style == "b red" and not shown.spans


# (b) the CLI end to end


def run(*args):
    env = {
        **os.environ,
        "DESKTERM_LANG": "en",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_cli_shows_markup_names_as_typed(tmp_path):
    db = str(tmp_path / "shop.db")
    for name in CLI_NAMES:
        r = run("--db", db, "staff", "add", "--role", "salesperson", "--", name)
        assert r.returncode == 0, r.stderr
    for cmd in (("staff", "list"), ("report",)):
        r = run("--db", db, *cmd)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
        lines = r.stdout.splitlines()
        for name in CLI_NAMES:
            # a cell, alone on its line's start in the table; in the report's list
            assert any(name in line for line in lines), (cmd, name, r.stdout)
        assert "\x1b]8;" not in r.stdout  # no terminal hyperlink


def test_cli_import_commit_with_markup_names(tmp_path):
    db = str(tmp_path / "shop.db")
    assert run("--db", db, "staff", "add", "--role", "salesperson", "Wang").returncode == 0
    sheet = tmp_path / "sheet.csv"
    names = ["[/b]", "[bold red]Red[/]", "[link=http://x]L[/link]"]
    sheet.write_text(
        "name,phone\n" + "".join(f"{n},1380013800{i}\n" for i, n in enumerate(names)), "utf-8"
    )
    r = run("--db", db, "import", str(sheet), "--owner", "Wang", "--commit")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    for name in names:
        assert name in r.stdout, r.stdout


# (d) the Markdown and HTML report


def _report(names):
    team = {
        "name": "Team",
        "receptions": 0,
        "callbacks_due": 0,
        "callbacks_done": 0,
        "callbacks_overdue": 0,
        "upgrades": 0,
        "won": 0,
        "conversion_rate": None,
        "form_completeness": None,
        "contact_capture_rate": None,
    }
    people = [{**team, "name": n} for n in names]
    at_risk = [{"name": n, "level": "hot", "owner": n, "days_over": 2} for n in names]
    return {
        "period": {"from": "2026-03-02", "to": "2026-03-02"},
        "levels": [],
        "salespeople": people,
        "team": team,
        "receptions": {"total": 0, "with_contact": 0, "without_contact": 0, "uncounted": 0},
        "callbacks": {"due": 0, "done": 0, "overdue": 0},
        "tomorrow": [{"salesperson": n, "callbacks": 1} for n in names],
        "at_risk": at_risk,
        "to_reassign": [],
        "stalled": [],
    }


def test_markdown_report_keeps_names_in_their_row_and_escaped():
    names = HOSTILE["markdown_html"] + ["a|b", "x\\", "two\nlines"]
    md = to_markdown(_report(names))
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + len(names) + 1  # header, one per person, team
    header_cells = rows[0].count(" | ")
    for row in rows[1:]:
        # an escaped "\|" does not split a cell
        assert row.replace("\\|", "").count(" | ") == header_cells
    assert "<script>" not in md and "<img" not in md and "&lt;script&gt;" in md
    assert "a\\|b" in md and "\\[t\\](http://example.invalid)" in md and "&amp;amp;" in md
    page = to_html(_report(names))
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;x" in page


# (c) every screen of the app, in both languages


def _stored(ctx, role):
    return [p.name for p in setup.list_staff(ctx, role)]


def _shown(screen) -> tuple[str, list[Text]]:
    """All the text a screen shows, and the DataTable cells as they are."""
    parts, table_cells = [], []
    for table in screen.query(DataTable):
        for i in range(table.row_count):
            row = table.get_row_at(i)
            table_cells += [c for c in row if isinstance(c, Text)]
            parts += [str(c) for c in row]
    for widget in screen.query(Static):
        if not isinstance(widget, DataTable):
            shown = widget.render()
            parts.append(str(shown))
            if "[bold red]Red[/]" in str(shown) and isinstance(shown, Content):
                assert not shown.spans, (widget, shown.spans)  # no style from a name
    for options in screen.query(OptionList):
        parts += [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    return "\n".join(parts), table_cells


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_every_screen_shows_hostile_names_as_typed(ctx, lang):
    people = []
    for name in MARKUP + HOSTILE["cjk"] + HOSTILE["markdown_html"]:
        with contextlib.suppress(DesktermError):  # refused at its field with a reason
            people.append(setup.add_staff(ctx, name, "salesperson").id)
    setup.add_staff(ctx, "[/b] Boss", "manager", "senior")
    for pid in people:
        rotation.check_in(ctx, pid)
    customers = []
    for i, name in enumerate([*MARKUP, *HOSTILE["markdown_html"]]):
        arrival = rotation.walk_in(ctx)
        try:
            reception.save_form(
                ctx,
                arrival.reception_id,
                ReceptionForm(
                    name=name,
                    phone=f"138001380{i:02d}",
                    purchase_horizon="1m",
                    notes=f"note {name}",
                ),
            )
            customers.append(name)
        except DesktermError:
            pass  # refused at its field (too long a name, say): allowed
        rotation.done(ctx, arrival.salesperson_id)
    assert {"[/b]", "[bold red]Red[/]", "王[b]伟", "[@click=app.quit]ClickMe[/]"} <= set(customers)
    staff = _stored(ctx, "salesperson")
    assert {"[/b]", "[/bold]", "[bold red]Red[/]", "[", "王[b]伟", "Lee [VIP]"} <= set(staff)
    app = create_app(ctx, lang=lang, blink=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        seen = ""
        for key, mode in (
            ("f2", "reception"),
            ("f3", "callbacks"),
            ("f4", "customers"),
            ("f5", "meeting"),
            ("f6", "manager"),
            ("f7", "marketing"),
            ("f8", "care"),
        ):
            await pilot.press(key)
            await wait_for(pilot, lambda mode=mode: app.current_mode == mode)
            await settle(pilot)
            while isinstance(app.screen, ModalScreen):  # "who are you?": names in a list
                seen += _shown(app.screen)[0]
                await pilot.press("escape")
                await settle(pilot)
            if key == "f4":
                await pilot.press(*"1380013")
                await wait_for(pilot, lambda: app.screen.query_one("#results").row_count > 0)
            text, table_cells = _shown(app.screen)
            seen += text
            styled = [c for c in table_cells if c.plain.startswith("[") and c.spans]
            assert not styled, (key, styled)
        for name in staff + customers:
            # the name field folds runs of spaces ("[on red]  [/on red]"); nothing else
            assert " ".join(name.split()) in seen, name
        assert app.is_running  # "[@click=app.quit]" quit nothing
        assert app.sub_title is not None
    set_language("en")
