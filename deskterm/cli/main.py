"""The ``deskterm`` command: the parser assembled from the commands, and the dispatch.

Each command is a module of ``deskterm.cli.commands`` (``register`` adds its parser,
``run`` does it); ``deskterm`` with no command opens the desk (``deskterm.cli.desk``).
User errors print one line on stderr and exit 2 (usage) or 1 (anything else);
never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module
from types import ModuleType

from deskterm import __version__
from deskterm.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    Parser,
    UsageError,
    shared_options,
    speak_argparse_words,
)
from deskterm.errors import DamagedDatabase, DesktermError, InvalidInput
from deskterm.i18n import N_, _, detect_language, set_language

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_USAGE", "COMMANDS", "build_parser", "main"]

#: Every subcommand and its module in ``deskterm.cli.commands``, in the order
#: ``deskterm --help`` lists them.
COMMANDS: dict[str, str] = {
    "staff": "staff",
    "report": "report",
    "backup": "backup",
    "restore": "restore",
    "backups": "backups",
    "check": "check",
    "levels": "levels",
    "settings": "settings",
    "import": "import_",
    "export": "export",
    "copy-to": "copy_to",
    "serve": "serve",
    "board": "board",
    "demo": "demo",
    "targets": "targets",
    "actions": "actions",
    "coaching": "coaching",
    "countermeasures": "countermeasures",
    "reasons": "reasons",
    "media": "media",
    "appointments": "appointments",
}

#: argparse's own words (Python 3.11), translated through the catalogue: argparse looks
#: ``_`` up in its module each time, so pointing that name at ours (``argparse_words``)
#: gives "用法：" and "选项" in Chinese.
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("the following arguments are required: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("expected one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("%(prog)s: error: %(message)s\n"),
)


def command_module(name: str) -> ModuleType:
    """The module of the subcommand ``name`` (imported on first use)."""
    return import_module(f"deskterm.cli.commands.{COMMANDS[name]}")


def build_parser() -> argparse.ArgumentParser:
    """The command line, in the current language."""
    speak_argparse_words()
    p = Parser(
        prog="deskterm",
        parents=[shared_options()],
        description=_(
            "The front desk of a car showroom: rotation, reception forms, "
            "callbacks and the daily meeting."
        ),
    )
    p.add_argument(
        "--version",
        action="version",
        version=f"deskterm {__version__}",
        help=_("show program's version number and exit"),
    )
    # How `deskterm serve` starts the app for each browser (not for people to type).
    p.add_argument("--remote", action="store_true", help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in COMMANDS:
        command_module(name).register(sub)
    return p


def desk_args(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments of the desk itself (``deskterm`` with only the shared options), read
    without building the commands' parsers: those import the 21 command modules, ~30 ms
    of every desk's start for nothing. None for anything else (a command, help, the
    version, a mistake): the full parser reads it, and words its errors, as always.
    """
    p = Parser(prog="deskterm", parents=[shared_options()], add_help=False)
    p.add_argument("--remote", action="store_true")
    try:
        args, rest = p.parse_known_args(argv)
    except UsageError:
        return None
    if rest:
        return None
    args.command = None  # as the full parser's subcommand slot has it
    return args


def _run(args: argparse.Namespace) -> int:
    """Run the command the arguments name; no command opens the desk."""
    if args.command is None:
        from deskterm.cli import desk

        return desk.run(args)
    code: int = command_module(args.command).run(args)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deskterm`` script and ``python -m deskterm``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if sys.platform == "win32":
        # Output sent to a file or a scheduled task's log is in the ANSI code page there
        # (GBK on a Chinese Windows), which lacks rarer characters of names (王𠮷): a "?"
        # in the log rather than an error after the work is done.
        for stream in (sys.stdout, sys.stderr):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors="replace")
    # The language is needed before --help is printed, so it is read ahead of parsing.
    lang_arg = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--lang"), None)
    lang_arg = lang_arg or next((a.split("=", 1)[1] for a in argv if a.startswith("--lang=")), None)
    set_language(detect_language(lang_arg if lang_arg in ("en", "zh") else None))
    try:
        args = desk_args(argv) or build_parser().parse_args(argv)
        return _run(args)
    except UsageError as exc:
        print(f"deskterm: {exc} (deskterm --help)", file=sys.stderr)
        return EXIT_USAGE
    except DamagedDatabase as exc:
        if args.command in (None, "check", "report"):
            from deskterm.cli.database import db_path
            from deskterm.cli.restoring import offer_restore

            return offer_restore(db_path(args), exc.message)
        print(f"deskterm: {exc.message}", file=sys.stderr)
        if args.command == "backup":
            print(
                _("Nothing was backed up: a copy of a damaged file is no backup."), file=sys.stderr
            )
        return EXIT_ERROR
    except DesktermError as exc:
        print(f"deskterm: {exc.message}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, InvalidInput) else EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        print(f"deskterm: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # a bug: one line and a private report, never a traceback
        from deskterm.crash import mask_secrets, one_line, write_report

        report = write_report(exc, where="deskterm " + " ".join(argv[:1]))
        if report is None:
            print(
                _(
                    "deskterm: something went wrong ({error}); no report could be written.",
                    error=one_line(exc),
                ),
                file=sys.stderr,
            )
        else:
            print(
                _(
                    "deskterm: something went wrong ({error}). A report was written to {path}.",
                    error=one_line(exc),
                    path=mask_secrets(str(report)),
                ),
                file=sys.stderr,
            )
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
