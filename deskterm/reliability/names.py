"""Names that look like markup, saved and then shown everywhere a person reads them.

Staff, walk-ins and imported customers are named with strings such as ``[/b]`` or
``[link=…]Mr Link[/link]`` (a name like that once crashed every window), saved through
the services, then shown by the CLI (``staff list``, ``report``, ``import --commit`` in
subprocesses) and by every screen of the app run headless. Counted: no crash, and each
saved name shown exactly as typed (runs of spaces folded, as the name field does).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sqlmodel import select

from deskterm.errors import DesktermError
from deskterm.reliability.crash import Outcome
from deskterm.reliability.setup import fresh_shop, shop_clock
from deskterm.services import reception, rotation, setup
from deskterm.services.maintenance import open_context
from deskterm.services.reception import ReceptionForm
from deskterm.storage.models import Customer

#: From tests/fixtures/hostile-strings.json ("markup", "cjk", "markdown_html"), copied
#: here so the package needs nothing from the tests; a test keeps the two the same.
NAMES = (
    "[/b]",
    "[/bold]",
    "[bold red]Red[/]",
    "[link=http://example.invalid]Mr Link[/link]",
    "[@click=app.quit]ClickMe[/]",
    "[",
    "]",
    "[[x]]",
    "\\[b]",
    "王[b]伟",
    "[on red]  [/on red]",
    "[dim]",
    "[reverse]刘[/",
    "Lee [VIP]",
    "王伟",
    "欧阳娜娜",
    "司马相如先生",
    "穿红衣服的先生和他的太太",
    "李",
    "A-B 王",
    "<img src=x onerror=alert(1)>",
    "<script>x</script>",
    "A|B",
    "*c*",
    "`d`",
    "# h",
    "[t](http://example.invalid)",
    "&amp;",
    ":smile: a|b",
)
SCREENS = ("reception", "callbacks", "customers", "meeting", "manager", "marketing", "care")
WALK_IN_PHONE, IMPORT_PHONE = "13800130", "13800135"


def folded(name: str) -> str:
    """What the name fields keep of a name: runs of spaces folded, ends trimmed."""
    return " ".join(name.split())


def _kept(name: str, where: set[str] | str) -> bool:
    """The name as typed (or as the name field folds it) is in ``where``."""
    return name in where or folded(name) in where


def names_for(rng: random.Random, round_no: int) -> list[str]:
    """Round 0: every name as it is; later rounds: two of them run together."""
    if round_no == 0:
        return list(NAMES)
    return [f"{rng.choice(NAMES)}{rng.choice(NAMES)}"[:40] for _ in range(len(NAMES))]


def _crash_dir(db: Path) -> Path:
    """Where the app and the CLI write a crash report in this trial: any is a failure."""
    return db.with_name("crash")


def crash_summary(report: Path) -> str:
    """A crash report in one line: where it was, the error, and deskterm's own frames
    (a test runner cuts a long note in the middle, where the error's line would be)."""
    lines = [line for line in report.read_text("utf-8").splitlines() if line.strip()]
    where = lines[0] if lines else ""
    error = lines[-1] if lines else ""
    ours = [
        line.strip()
        for line in lines
        if line.lstrip().startswith("File ") and "deskterm" in line and "site-packages" not in line
    ]
    return f"{error} ({where}; {' <- '.join(reversed(ours[-3:])) or 'no deskterm frame'})"


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A wide terminal: a table cuts a long name to its column's width, which is not
    # the change of text this trial looks for.
    env = {
        **os.environ,
        "DESKTERM_LANG": "en",
        "DESKTERM_NOW": shop_clock().now().isoformat(),
        "COLUMNS": "400",
        "DESKTERM_CRASH_DIR": str(_crash_dir(db)),
    }
    return subprocess.run(
        [sys.executable, "-m", "deskterm", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


async def _settle(pilot: Any) -> None:
    from textual.worker import WorkerCancelled

    for _ in range(3):
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def _wait_for(pilot: Any, predicate: Any, timeout: float = 30.0) -> bool:
    waited = 0.0
    while not predicate():
        if waited >= timeout:
            return False
        await pilot.pause(0.05)
        waited += 0.05
    return True


def _shown(screen: Any) -> tuple[str, int]:
    """All the text a screen shows; how many table cells a name styled."""
    from rich.text import Text
    from textual.content import Content
    from textual.widgets import DataTable, OptionList, Static

    parts: list[str] = []
    styled = 0
    for table in screen.query(DataTable):
        for i in range(table.row_count):
            row = table.get_row_at(i)
            parts += [str(c) for c in row]
            styled += sum(
                1 for c in row if isinstance(c, Text) and c.plain.startswith("[") and c.spans
            )
    for widget in screen.query(Static):
        if not isinstance(widget, DataTable):
            shown = widget.render()
            parts.append(str(shown))
            if "[bold red]Red[/]" in str(shown) and isinstance(shown, Content) and shown.spans:
                styled += 1
    for options in screen.query(OptionList):
        parts += [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    return "\n".join(parts), styled


async def _walk_screens(ctx: Any, lang: str) -> tuple[str, list[str]]:
    """Every screen, headless: the text shown and what went wrong."""
    from textual.screen import ModalScreen
    from textual.widgets import DataTable, Input

    from deskterm.i18n import set_language
    from deskterm.ui.app import create_app

    problems: list[str] = []
    seen = ""
    app = create_app(ctx, lang=lang, blink=False)
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await _settle(pilot)
            for n, mode in enumerate(SCREENS, start=2):
                await pilot.press(f"f{n}")
                if not await _wait_for(pilot, lambda mode=mode: app.current_mode == mode):
                    problems.append(f"{lang}: screen {mode} did not open")
                    continue
                await _settle(pilot)
                while isinstance(app.screen, ModalScreen):  # "who are you?": names in a list
                    seen += _shown(app.screen)[0]
                    await pilot.press("escape")
                    await _settle(pilot)
                if mode == "customers":
                    for phone in (WALK_IN_PHONE, IMPORT_PHONE):
                        box = app.screen.query_one("#search", Input)
                        box.value = ""
                        await pilot.press(*phone)
                        await _wait_for(
                            pilot, lambda: app.screen.query_one("#results", DataTable).row_count > 0
                        )
                        await _settle(pilot)
                        seen += _shown(app.screen)[0]
                text, styled = _shown(app.screen)
                seen += text
                if styled:
                    problems.append(f"{lang}: {styled} cells styled by a name on {mode}")
            if not app.is_running:
                problems.append(f"{lang}: the app stopped (a name quit it)")
    except Exception as exc:  # a crash of the app: counted, not raised
        problems.append(f"{lang}: the app crashed: {exc!r}")
    finally:
        set_language("en")
    return seen, problems


def names_trial(folder: Path, rounds: int, seed: int = 5) -> Outcome:
    """``rounds`` shops whose people carry markup names; every place that shows them."""
    rng = random.Random(seed)
    out = Outcome()
    refused: Counter[str] = Counter()  # why names were refused at their field
    for r in range(rounds):
        out.rounds += 1
        lang = ("en", "zh")[r % 2]
        names = names_for(rng, r)
        path = fresh_shop(folder / f"names-{r}" / "shop.db", salespeople=1)
        ctx = open_context(path, shop_clock())
        problems: list[str] = []
        try:
            setup.set_setting(ctx, "auth.mode", "open")
            staff, walk_ins = [], []
            for name in names:
                try:
                    rotation.check_in(ctx, setup.add_staff(ctx, name, "salesperson").id)
                    staff.append(name)
                except DesktermError as exc:
                    refused[exc.msgid] += 1  # refused at its field with a reason: allowed
            for i, name in enumerate(names):
                a = rotation.walk_in(ctx)
                try:
                    reception.save_form(
                        ctx,
                        a.reception_id,
                        ReceptionForm(
                            name=name,
                            phone=f"{WALK_IN_PHONE}{i + 101:03d}",
                            purchase_horizon="1m",
                            notes=f"note {name}",
                        ),
                    )
                    walk_ins.append(name)
                except DesktermError as exc:
                    refused[exc.msgid] += 1
                rotation.done(ctx, a.salesperson_id)
            # The customer sheet, imported by the CLI as a manager would.
            sheet = path.with_name("sheet.csv")
            with sheet.open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["name", "phone"])
                for i, name in enumerate(names):
                    w.writerow([name, f"{IMPORT_PHONE}{i + 101:03d}"])
            runs = {
                "import --commit": _cli(
                    path,
                    "import",
                    str(sheet),
                    "--owner",
                    "Seller 01",
                    "--commit",
                    "--skip-rejected",
                    "--all",
                ),
                "staff list": _cli(path, "staff", "list"),
                "report": _cli(path, "report"),
            }
            with ctx.db.read() as s:
                rows = [(c.name, c.phone or "") for c in s.exec(select(Customer)).all()]
            stored = {name for name, _phone in rows}
            stored_staff = {p.name for p in setup.list_staff(ctx)}
            imported = [name for name, phone in rows if IMPORT_PHONE in phone]
            saved = staff + walk_ins + imported
            out.operations += len(saved) + len(runs)
            # Lost: a name reported saved that is not in the database as typed.
            out.lost += sum(not _kept(n, stored_staff) for n in staff)
            out.lost += sum(not _kept(n, stored) for n in walk_ins)
            for what, run in runs.items():
                if run.returncode != 0 or "Traceback" in run.stderr:
                    problems.append(f"{what} exited {run.returncode}: {run.stderr[-200:]}")
                if "\x1b]8;" in run.stdout:
                    problems.append(f"{what} printed a terminal hyperlink")
            for name in staff:
                for what in ("staff list", "report"):
                    if not _kept(name, runs[what].stdout):
                        problems.append(f"{what} does not show {name!r}")
            for name in imported:
                if not _kept(name, runs["import --commit"].stdout):
                    problems.append(f"import --commit does not show {name!r}")
            before = os.environ.get("DESKTERM_CRASH_DIR")
            os.environ["DESKTERM_CRASH_DIR"] = str(_crash_dir(path))
            try:
                seen, app_problems = asyncio.run(_walk_screens(ctx, lang))
            finally:
                if before is None:
                    del os.environ["DESKTERM_CRASH_DIR"]
                else:
                    os.environ["DESKTERM_CRASH_DIR"] = before
            problems += app_problems
            crashes = sorted(_crash_dir(path).glob("*")) if _crash_dir(path).exists() else []
            if crashes:
                problems.append(f"crash reports written: {crash_summary(crashes[0])}")
            for name in staff + walk_ins + imported:
                if not _kept(name, seen):
                    problems.append(f"{lang}: the screens do not show {name!r}")
        finally:
            ctx.db.close()
        if problems:
            out.failed_checks += 1
            out.notes += problems[:5]
    why = "; ".join(f"{n} × “{msgid}”" for msgid, n in refused.most_common()) or "none"
    out.notes.append(
        "names saved as staff, walk-ins and imported customers and shown by the CLI and every "
        f"screen in English and Chinese; refused at the field with a reason: {why}"
    )
    return out
