"""What every command shares: exit codes, the parser class, the options every command
takes, argument types, and tables and questions on the terminal.

Only the standard library and deskterm's own light modules are imported here: the
parser is built at every start of ``deskterm``, the app's included.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from deskterm.domain.text import parse_day
from deskterm.errors import DesktermError
from deskterm.i18n import _, get_language

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""


_CHINESE_HEADING = re.compile(r"^(\S.*[\u4e00-\u9fff]):$", re.MULTILINE)


class Parser(argparse.ArgumentParser):
    """argparse with full-width colons after Chinese headings, and usage errors raised
    (main prints them in one line) rather than printed with an exit."""

    def format_help(self) -> str:
        # argparse writes "heading:" itself; after a Chinese heading the colon is full-width.
        return _CHINESE_HEADING.sub("\\1：", super().format_help())

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def date_arg(value: str) -> date:
    """A day typed on the command line (as the screens take it)."""
    try:
        return parse_day(value)
    except DesktermError as exc:
        raise argparse.ArgumentTypeError(f"{value}: {exc.message}") from None


def path_arg(value: str) -> str:
    """A file name typed on the command line."""
    # The operating system refuses such a name with a bare ValueError deep inside a copy.
    if "\x00" in value:
        raise argparse.ArgumentTypeError(_("a file name cannot contain a NUL character"))
    return value


def argparse_words(message: str) -> str:
    """argparse's gettext, answered from deskterm's catalogue (no placeholders filled:
    argparse fills its own %-style ones)."""
    return _(message)


def speak_argparse_words() -> None:
    """Point argparse's ``_`` at the catalogue (cli.main.ARGPARSE_WORDS): before any
    parser is made, since a parser words its group titles ("options") when made."""
    argparse._ = argparse_words  # type: ignore[attr-defined]


def shared_options() -> Parser:
    """The options every command takes, before or after its name (a parent parser).

    Defaults are suppressed so that an option typed before the command is not reset
    by the command's own copy of it. One parent per language serves every command
    (argparse only reads a parent): building 28 copies cost as much as the old parser.
    """
    return _shared_options(get_language())


@functools.cache
def _shared_options(language: str) -> Parser:
    """``shared_options`` in ``language`` (the help texts are translated when built).

    The desk's own quick reading of its command line builds it first: argparse must
    speak the language by then, or the full parser's help (which copies this parent's
    groups by title) shows an English "options:" group beside "选项：".
    """
    speak_argparse_words()
    common = Parser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        type=path_arg,
        help=_(
            "database file, or a postgresql:// address (default: "
            "DESKTERM_DB or the user-data folder)"
        ),
    )
    common.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_("use a throw-away copy of the demo showroom"),
    )
    common.add_argument(
        "--lang",
        choices=["en", "zh"],
        default=argparse.SUPPRESS,
        help=_("interface language (default: DESKTERM_LANG, else the locale)"),
    )
    return common


def add_command(
    subparsers: Subparsers, name: str, *, help: str, description: str | None = None
) -> argparse.ArgumentParser:
    """Add the (sub)command ``name``, taking the shared options as every command does."""
    return subparsers.add_parser(
        name, parents=[shared_options()], help=help, description=description
    )


def add_actions(parser: argparse.ArgumentParser) -> Subparsers:
    """The actions of a command that has some (``staff add``, ``levels list``…)."""
    return parser.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=Parser
    )


def print_table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> None:
    """Rows under headers, aligned, as plain text (names are data, never markup)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, box=None, pad_edge=False)
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r))
    # Names are data: no markup, no :emoji: codes, no highlighting of what people typed.
    Console(soft_wrap=True, markup=False, emoji=False, highlight=False).print(table)


def confirm(question: str) -> bool:
    """Ask on the terminal; a non-interactive run never says yes by itself."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes", "是")
    except EOFError:
        return False
