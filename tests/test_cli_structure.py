"""The command line is a package of commands (deskterm/cli/commands/<name>.py, each with
``register`` and ``run``) assembled by ``cli/main.py``, and one ``opened`` opens the
database for all of them. What people type and read is unchanged by that split: the
subcommands and options below were taken from ``deskterm --help`` (and every
subcommand's ``--help``) before it."""

import argparse
import contextlib
import importlib
import io
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import deskterm.cli.commands as commands_package
from deskterm.cli.common import Parser
from deskterm.cli.database import file_args, opened
from deskterm.cli.main import COMMANDS, build_parser, main
from deskterm.errors import DesktermError
from deskterm.i18n import set_language

SAMPLE = Path(__file__).resolve().parents[1] / "deskterm.db.sample"

SHARED = ["--db", "--demo", "--lang", "-h"]

#: Every command path, in the order ``--help`` lists it, and the options and positional
#: arguments its ``--help`` shows (captured from the one-file main.py, before the split).
BEFORE: dict[str, list[str]] = {
    "": ["--db", "--demo", "--lang", "--version", "-h"],
    "staff": SHARED,
    "staff add": [*SHARED, "--role", "--seniority", "name"],
    "staff list": [*SHARED, "--all", "--format", "--role"],
    "staff deactivate": [*SHARED, "who"],
    "staff activate": [*SHARED, "who"],
    "staff handover": [*SHARED, "to", "who"],
    "staff pin": [*SHARED, "who"],
    "report": [
        *SHARED,
        "--date",
        "--format",
        "--from",
        "--group",
        "--out",
        "--period",
        "--showroom",
    ],
    "backup": [*SHARED, "dest"],
    "restore": [*SHARED, "--yes", "source"],
    "backups": SHARED,
    "check": [*SHARED, "--repair"],  # issue 20: rebuild the search indexes
    "levels": SHARED,
    "levels list": SHARED,
    "levels preset": [*SHARED, "name"],
    "settings": SHARED,
    "settings list": [*SHARED, "--format"],
    "settings keys": SHARED,
    "settings set": [*SHARED, "key", "value"],
    "import": [
        *SHARED,
        "--all",
        "--commit",
        "--header-row",
        "--map",
        "--owner",
        "--sheet",
        "--skip-rejected",
        "--update",
        "--value",
        "file",
        "number",
    ],
    "export": [*SHARED, "--from", "--out", "--to", "kind"],
    "copy-to": [*SHARED, "target"],
    "serve": [*SHARED, "--host", "--max-sessions", "--port"],
    "board": SHARED,
    "demo": SHARED,
    "demo generate": [*SHARED, "--days", "--force", "--out", "--scale", "--seed"],
    # Issue 18's commands, added after the split.
    "targets": SHARED,
    "targets show": [*SHARED, "--date", "--format"],
    "targets set": [*SHARED, "--month", "--salesperson", "measure", "value"],
    "targets clear": [*SHARED, "--month", "--salesperson", "measure"],
    "targets copy": [*SHARED, "--month"],
    "targets close": [*SHARED, "--note", "day"],
    "targets open": [*SHARED, "day"],
    "actions": SHARED,
    "actions list": [*SHARED, "--all"],
    "actions add": [
        *SHARED,
        "--due",
        "--measure",
        "--owner",
        "--salesperson",
        "--source",
        "what",
    ],
    "actions close": [*SHARED, "id", "outcome"],
    "coaching": SHARED,
    "coaching due": SHARED,
    "coaching log": [*SHARED, "--salesperson"],
    "coaching add": [
        *SHARED,
        "--checklist",
        "--day",
        "--note",
        "--recording",
        "kind",
        "salesperson",
    ],
    "countermeasures": SHARED,
    "countermeasures list": SHARED,
    "countermeasures review": [*SHARED, "--note", "--replacement", "decision", "id"],
    "reasons": SHARED,
    "reasons list": [*SHARED, "kind"],
    "reasons add": [*SHARED, "--note", "kind", "name_en", "name_zh"],
    "reasons rename": [*SHARED, "code", "kind", "name_en", "name_zh"],
    "reasons retire": [*SHARED, "code", "kind"],
    "reasons restore": [*SHARED, "code", "kind"],
    "reasons move": [*SHARED, "by", "code", "kind"],  # issue 19: the step list's order
    "media": SHARED,
    "media show": [*SHARED, "--date", "--format", "--month"],
    "media spend": [*SHARED, "--month", "amount", "media"],
    "media clear": [*SHARED, "--month", "media"],
    "media copy": [*SHARED, "--month"],
    "appointments": SHARED,
    "appointments list": [*SHARED, "--date"],
    "appointments cancel": [*SHARED, "id"],
}


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Each command path of ``parser`` with the options and arguments its help shows."""
    found: dict[str, list[str]] = {}
    shown, subs = [], {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            subs.update(action.choices)
        elif action.help != argparse.SUPPRESS:
            shown.append(action.option_strings[0] if action.option_strings else action.dest)
    found[" ".join(path)] = sorted(shown)
    for name, sub in subs.items():
        found.update(_walk(sub, (*path, name)))
    return found


def _help(*words: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as ended:
        main(["--lang", "en", *words, "--help"])
    assert ended.value.code == 0
    return out.getvalue()


def test_every_command_module_registers_its_subcommand_and_runs_it():
    names = {m.name for m in pkgutil.iter_modules(commands_package.__path__)}
    assert names == set(COMMANDS.values())  # no module left out of the parser
    set_language("en")
    for command, module_name in COMMANDS.items():
        module = importlib.import_module(f"deskterm.cli.commands.{module_name}")
        assert callable(module.run), module_name
        sub = Parser(prog="deskterm").add_subparsers(dest="command", parser_class=Parser)
        module.register(sub)
        assert list(sub.choices) == [command], module_name


def test_the_subcommands_and_options_are_those_of_before_and_the_new_ones():
    set_language("en")
    assert _walk(build_parser()) == {path: sorted(shown) for path, shown in BEFORE.items()}
    # In the order --help has always listed them.
    assert list(_walk(build_parser())) == list(BEFORE)


@pytest.mark.parametrize("path", list(BEFORE))
def test_each_help_shows_its_options(path):
    shown = _help(*path.split())
    for option in BEFORE[path]:
        # A positional with choices is shown as {a,b}: the walk above holds its name.
        assert option in shown or not option.startswith("-"), (path, option)
    if path == "":
        for command in COMMANDS:
            # A long name has its help on the next line.
            assert re.search(rf"^    {re.escape(command)}(\s|$)", shown, re.M), command


def test_building_the_parser_imports_no_service_nor_library():
    """Every ``deskterm`` start builds the parser: the commands' heavy imports wait for
    their ``run``."""
    probe = (
        "import sys\n"
        "from deskterm.cli.main import build_parser\n"
        "build_parser().parse_args(['report'])\n"
        "print(','.join(sorted(n for n in sys.modules if n.startswith('deskterm.services') "
        "or n.split('.')[0] in ('sqlmodel', 'sqlalchemy', 'rich', 'textual'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def _spy_on_close(ctx, closed):
    real = ctx.db.close

    def close():
        closed.append(True)
        real()

    ctx.db.close = close


def test_opened_closes_the_database_when_the_command_raises(tmp_path):
    closed: list[bool] = []
    with pytest.raises(RuntimeError), opened(file_args(tmp_path / "x.db")) as ctx:
        _spy_on_close(ctx, closed)
        raise RuntimeError("a bug in a command")
    assert closed == [True]
    closed.clear()
    with pytest.raises(DesktermError), opened(file_args(tmp_path / "x.db")) as ctx:
        _spy_on_close(ctx, closed)
        raise DesktermError("No staff member {name}.", name="Li")
    assert closed == [True]


def test_a_command_that_raises_still_closes_and_exits_as_before(tmp_path, monkeypatch, capsys):
    """Through ``main``: the command's error is one line and exit 1, the database closed."""
    from deskterm.cli.commands import check

    closed: list[bool] = []

    def failing(args):
        with opened(args, must_exist=True) as ctx:
            _spy_on_close(ctx, closed)
            raise DesktermError("No staff member {name}.", name="Li")

    db = tmp_path / "x.db"
    assert main(["--db", str(db), "staff", "add", "Wang", "--role", "salesperson"]) == 0
    monkeypatch.setattr(check, "run", failing)
    assert main(["--lang", "en", "--db", str(db), "check"]) == 1
    assert capsys.readouterr().err == "deskterm: No staff member Li.\n"
    assert closed == [True]


def test_a_reading_command_refuses_a_named_missing_database(tmp_path):
    missing = tmp_path / "typo.db"
    with pytest.raises(DesktermError), opened(file_args(missing), writes=False):
        pass
    with pytest.raises(DesktermError), opened(file_args(tmp_path / "y.db"), must_exist=True):
        pass
    assert not missing.exists() and not (tmp_path / "y.db").exists()
    with opened(file_args(missing)):  # a command that writes makes it
        pass
    assert missing.exists()


@pytest.mark.skipif(not SAMPLE.is_file(), reason="needs deskterm.db.sample")
def test_the_demo_copy_is_thrown_away_when_asked_even_after_an_error(monkeypatch):
    monkeypatch.setenv("DESKTERM_SAMPLE", str(SAMPLE))
    with (
        pytest.raises(RuntimeError),
        opened(argparse.Namespace(demo=True), discard_demo=True) as ctx,
    ):
        copy = ctx.db.path
        raise RuntimeError("the app failed")
    assert copy is not None and copy != SAMPLE and not copy.parent.exists()
