"""The ``deskterm`` command: opens the app, and the scriptable commands of the desk.

User errors print one line on stderr and exit 2 (usage) or 1 (anything else);
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from deskterm import __version__
from deskterm.clock import clock_from_env, parse_now
from deskterm.domain.text import parse_day
from deskterm.errors import DamagedDatabase, DesktermError, InvalidInput, RuleViolation
from deskterm.i18n import N_, _, _p, detect_language, ngettext, set_language

if TYPE_CHECKING:
    from deskterm.domain.sheet import ImportField

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""


#: argparse's own words (Python 3.11), translated through the catalogue: argparse looks
#: ``_`` up in its module each time, so pointing that name at ours (``_argparse_words``)
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


_CHINESE_HEADING = re.compile(r"^(\S.*[\u4e00-\u9fff]):$", re.MULTILINE)


def _argparse_words(message: str) -> str:
    """argparse's gettext, answered from deskterm's catalogue (no placeholders filled:
    argparse fills its own %-style ones)."""
    return _(message)


class _Parser(argparse.ArgumentParser):
    def format_help(self) -> str:
        # argparse writes "heading:" itself; after a Chinese heading the colon is full-width.
        return _CHINESE_HEADING.sub("\\1：", super().format_help())

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _date(value: str) -> date:
    try:
        return parse_day(value)
    except DesktermError as exc:
        raise argparse.ArgumentTypeError(f"{value}: {exc.message}") from None


def _path(value: str) -> str:
    # The operating system refuses such a name with a bare ValueError deep inside a copy.
    if "\x00" in value:
        raise argparse.ArgumentTypeError(_("a file name cannot contain a NUL character"))
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line, in the current language."""
    argparse._ = _argparse_words  # type: ignore[attr-defined]
    common = _Parser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        type=_path,
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
    p = _Parser(
        prog="deskterm",
        parents=[common],
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
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    staff = sub.add_parser("staff", parents=[common], help=_("manage staff"))
    ss = staff.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    add = ss.add_parser("add", parents=[common], help=_("add a staff member"))
    add.add_argument("name")
    add.add_argument(
        "--role",
        required=True,
        choices=["receptionist", "salesperson", "manager", "marketing", "care"],
    )
    add.add_argument("--seniority", choices=["junior", "senior"], default="junior")
    lst = ss.add_parser("list", parents=[common], help=_("list staff"))
    lst.add_argument("--role")
    lst.add_argument("--all", action="store_true", help=_("include people who left"))
    lst.add_argument("--format", choices=["text", "json"], default="text")
    for name, text in (
        ("deactivate", _("mark someone as having left")),
        ("activate", _("bring someone back")),
    ):
        a = ss.add_parser(name, parents=[common], help=text)
        a.add_argument("who", help=_("name or id"))

    ho = ss.add_parser(
        "handover",
        parents=[common],
        help=_("someone leaves: all their customers and callbacks to another"),
    )
    ho.add_argument("who", help=_("name or id"))
    ho.add_argument("to", help=_("name or id"))
    pin = ss.add_parser(
        "pin", parents=[common], help=_("set or reset someone's PIN (asked twice, never shown)")
    )
    pin.add_argument("who", help=_("name or id"))

    rep = sub.add_parser(
        "report",
        parents=[common],
        help=_("the daily meeting report"),
        description=_(
            "The meeting report for a day, a week or a month: receptions, intent levels, "
            "callbacks and rates for each salesperson and the team."
        ),
    )
    rep.add_argument("--date", type=_date, help=_("day of the report (default: today)"))
    rep.add_argument(
        "--period",
        choices=["day", "week", "month"],
        default="day",
        help=_("the day, week or month that contains --date"),
    )
    rep.add_argument(
        "--from", dest="first", type=_date, help=_("first day of a chosen range (ends on --date)")
    )
    rep.add_argument(
        "--format",
        choices=["text", "json", "markdown", "html"],
        default="text",
        help=_("text for the screen, json for programs (codes), markdown or html to send"),
    )
    rep.add_argument("--out", type=_path, help=_("write to this file instead of the screen"))

    bak = sub.add_parser("backup", parents=[common], help=_("copy the database safely"))
    bak.add_argument(
        "dest",
        nargs="?",
        type=_path,
        help=_(
            "file or folder to write the copy to (default: the backups folder beside the database)"
        ),
    )
    res = sub.add_parser(
        "restore", parents=[common], help=_("bring back a backup (the current file is kept aside)")
    )
    res.add_argument("source", nargs="?", type=_path, help=_("backup file (default: the newest)"))
    res.add_argument("--yes", action="store_true", help=_("do not ask to confirm"))
    sub.add_parser("backups", parents=[common], help=_("list the backups, newest first"))

    sub.add_parser("check", parents=[common], help=_("integrity check plus the app's own rules"))

    lv = sub.add_parser("levels", parents=[common], help=_("intent levels and their rules"))
    ls = lv.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    ls.add_parser("list", parents=[common], help=_("show the levels"))
    pr = ls.add_parser("preset", parents=[common], help=_("switch to a preset grading"))
    pr.add_argument("name", choices=["default", "habc"])

    st = sub.add_parser("settings", parents=[common], help=_("shop settings"))
    sts = st.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    stl = sts.add_parser("list", parents=[common], help=_("show the settings"))
    stl.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help=_("text in words, json with the values as stored (the codes settings set takes)"),
    )
    sts.add_parser("keys", parents=[common], help=_("show every key a shop can change"))
    sset = sts.add_parser("set", parents=[common], help=_("change a setting"))
    sset.add_argument("key")
    sset.add_argument("value")

    imp = sub.add_parser(
        "import",
        parents=[common],
        help=_("import the showroom's customer sheet (CSV or .xlsx); a dry run unless --commit"),
    )
    imp.add_argument("file", type=_path, help=_("the sheet: .csv or .xlsx"))
    imp.add_argument(
        "number",
        nargs="?",
        type=int,
        help=_("instead of a sheet: batches lists the imports so far, undo N undoes import N"),
    )
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="HEADER=FIELD",
        help=_(
            "which field a column holds, e.g. --map 手机=phone (FIELD - "
            "skips the column); headers in English or Chinese are "
            "recognised without it"
        ),
    )
    imp.add_argument(
        "--value",
        action="append",
        default=[],
        metavar="FIELD:TEXT=VALUE",
        help=_(
            "what a word of the sheet means, for the whole sheet, e.g. --value level:A级=hot "
            "(level, source, budget or purchase time; the value as the shop writes it)"
        ),
    )
    imp.add_argument(
        "--update",
        metavar="FIELDS",
        default="",
        help=_(
            "fields the sheet may change on customers already on file, e.g. --update "
            "level,model,name (by default what is on file is kept, and the dry run says "
            "what the sheet said)"
        ),
    )
    imp.add_argument("--owner", help=_("salesperson (name or id) for lines that name none"))
    imp.add_argument("--sheet", help=_("the sheet of an .xlsx workbook (default: the first)"))
    imp.add_argument(
        "--header-row",
        type=int,
        metavar="N",
        help=_(
            "the line holding the headers (default: the first of the top 20 lines "
            "naming two known fields)"
        ),
    )
    imp.add_argument(
        "--commit", action="store_true", help=_("write the customers (all lines or none)")
    )
    imp.add_argument(
        "--skip-rejected",
        action="store_true",
        help=_("with --commit: import the other lines when some are rejected"),
    )
    imp.add_argument(
        "--all",
        action="store_true",
        help=_(
            "list every line (by default, lines to create are counted, "
            "and listed only in a short sheet)"
        ),
    )

    exp = sub.add_parser(
        "export", parents=[common], help=_("export customers, receptions or callbacks for Excel")
    )
    exp.add_argument("kind", choices=["customers", "receptions", "callbacks"])
    exp.add_argument(
        "--out",
        type=_path,
        required=True,
        help=_("the file to write: .csv (UTF-8 with BOM) or .xlsx"),
    )
    exp.add_argument("--from", dest="first", type=_date, help=_("first day (optional)"))
    exp.add_argument("--to", dest="last", type=_date, help=_("last day (optional)"))

    cp = sub.add_parser(
        "copy-to",
        parents=[common],
        help=_("copy the whole database into a new, empty one (to move to a PostgreSQL server)"),
    )
    cp.add_argument("target", type=_path, help=_("a postgresql:// address, or a new database file"))

    srv = sub.add_parser(
        "serve",
        parents=[common],
        help=_("open deskterm in a browser on the shop network (sign-in with a PIN required)"),
    )
    srv.add_argument(
        "--host",
        default="localhost",
        help=_(
            "address to listen on (default: localhost, this PC only; 0.0.0.0 for the shop network)"
        ),
    )
    srv.add_argument("--port", type=int, default=8000)
    srv.add_argument(
        "--max-sessions",
        type=int,
        default=6,
        help=_(
            "desks open in browsers at once (default: 6); a desk nobody signs in to "
            "ends after 5 minutes"
        ),
    )

    sub.add_parser(
        "board",
        parents=[common],
        help=_(
            "the rotation in large type for a screen facing the sales floor "
            "(read-only, no sign-in: names and times only)"
        ),
    )

    demo = sub.add_parser("demo", parents=[common], help=_("the demo showroom"))
    ds = demo.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    gen = ds.add_parser("generate", parents=[common], help=_("write a new demo database"))
    gen.add_argument("--out", default="deskterm.db.sample", type=_path)
    gen.add_argument("--seed", type=int, default=20261120)
    gen.add_argument("--days", type=int, default=183)
    gen.add_argument("--force", action="store_true", help=_("replace --out if it exists"))
    gen.add_argument(
        "--scale",
        choices=["showroom", "large"],
        default="showroom",
        help=_(
            "showroom: one shop's half year through the services; large: "
            "a dealer group's five years for the benchmark"
        ),
    )
    return p


def _open(
    args: argparse.Namespace,
    *,
    create: bool = True,  # type: ignore[no-untyped-def]
    start_of_day: bool = True,
    thorough: bool = True,
    read_only: bool = False,
):
    """Open the context the arguments ask for (demo copy, --db, or the default file)."""
    from deskterm.cli.paths import find_sample
    from deskterm.services.maintenance import demo_copy, demo_today, open_context

    if getattr(args, "demo", False):
        sample = find_sample()
        if sample is None:
            raise DesktermError(
                "The demo database deskterm.db.sample was not found; "
                "run 'deskterm demo generate' in the project folder."
            )
        path = demo_copy(sample)
        today = demo_today(path)
        # The sample's own "today", so every screen has data; DESKTERM_NOW still wins.
        clock = clock_from_env(default=parse_now(today) if today else None)
    else:
        named = getattr(args, "db", None)
        target = _target(args)
        clock = clock_from_env()
        # Only the default location is made on demand; a named folder must exist.
        return open_context(
            target,
            clock,
            create=create,
            make_folder=not named,
            start_of_day=start_of_day,
            thorough=thorough,
            read_only=read_only,
        )
    return open_context(
        path,
        clock,
        create=create,
        start_of_day=start_of_day,
        thorough=thorough,
        read_only=read_only,
    )


def _named(args: argparse.Namespace) -> bool:
    """A database was named (``--db`` or ``DESKTERM_DB``): a command that only reads
    must not make an empty one at a mistyped path and report zeros from it."""
    return bool(getattr(args, "db", None) or os.environ.get("DESKTERM_DB"))


def _target(args: argparse.Namespace) -> str | Path:
    """The database ``--db`` or ``DESKTERM_DB`` names: a server address, else a file."""
    from deskterm.cli.paths import default_db_path
    from deskterm.services.maintenance import is_server

    named = getattr(args, "db", None) or os.environ.get("DESKTERM_DB")
    if named and is_server(named):
        return named.strip()
    return Path(args.db).expanduser() if getattr(args, "db", None) else default_db_path()


def _print_table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, box=None, pad_edge=False)
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r))
    # Names are data: no markup, no :emoji: codes, no highlighting of what people typed.
    Console(soft_wrap=True, markup=False, emoji=False, highlight=False).print(table)


def _field_word(f: ImportField) -> str:
    """A sheet field as it can be typed after ``--value``: its label in the language
    (``--value`` reads labels in either language), or its code if the label has a space."""
    from deskterm.domain.sheet import FIELD_LABELS

    label = _(FIELD_LABELS[f])
    return f.value if any(ch.isspace() for ch in label) else label


def cmd_report(args: argparse.Namespace) -> int:
    from deskterm.services.report import as_json, daily_report, manager_sections, period_bounds
    from deskterm.services.report_export import (
        to_html,
        to_markdown,
        to_text,
        write_report_file,
    )

    # A report reads: what the start of day would change is computed, never written, and
    # an existing file is opened read-only (a read-only file or folder is fine). A first
    # run with no database yet still makes the user's empty one at the default place; a
    # named file that is not there is refused (a typo must not report zeros).
    target = _target(args)
    exists = not isinstance(target, str) and Path(target).expanduser().exists()
    ctx = _open(
        args,
        create=not _named(args),
        start_of_day=False,
        read_only=exists or getattr(args, "demo", False),
    )
    try:
        day = args.date or ctx.today()
        first, last = (args.first, day) if args.first else period_bounds(args.period, day)
        report = daily_report(ctx, last, first)
        data = as_json(report, manager_sections(ctx, report))
    finally:
        ctx.db.close()
    text = {
        "json": lambda d, _last: json.dumps(d, ensure_ascii=False, indent=2) + "\n",
        "markdown": to_markdown,
        "html": to_html,
        "text": to_text,
    }[args.format](data, last)  # last: the chosen week's or month's end, for the title
    if args.out:
        write_report_file(Path(args.out), text)
        print(_("Report written to {path}", path=args.out))
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_staff(args: argparse.Namespace) -> int:
    from deskterm.services import setup

    ctx = _open(args, create=args.action != "list" or not _named(args))
    try:
        if args.action == "add":
            v = setup.add_staff(ctx, args.name, args.role, args.seniority)
            print(_("Added {name} (#{id}).", name=v.name, id=v.id))
        elif args.action == "list":
            people = setup.list_staff(ctx, args.role, include_inactive=args.all)
            if args.format == "json":
                print(json.dumps([p.__dict__ for p in people], ensure_ascii=False, indent=2))
            else:
                from deskterm.services.labels import role_label, seniority_label

                _print_table(
                    [
                        [
                            p.id,
                            p.name,
                            role_label(p.role),
                            seniority_label(p.seniority) if p.seniority else "",
                            "" if p.active else _("left"),
                        ]
                        for p in people
                    ],
                    ["#", _("Name"), _("Role"), _("Seniority"), ""],
                )
        elif args.action == "pin":
            from deskterm.services import auth

            who = setup.find_staff(ctx, args.who)
            first = _read_pin(_("New PIN for {name} (4 to 8 digits): ", name=who.name))
            if _read_pin(_("The same PIN again: ")) != first:
                raise InvalidInput("The two PINs differ; nothing changed.", field="pin")
            auth.set_pin(ctx, who.id, first)
            print(_("{name} has a new PIN.", name=who.name))
        elif args.action == "handover":
            from deskterm.services import manager

            who, to = setup.find_staff(ctx, args.who), setup.find_staff(ctx, args.to)
            moved = manager.hand_over(ctx, who.id, to.id)
            print(
                _(
                    "{name} handed {n} customers and {m} callbacks to {to}; {name} is now "
                    "inactive.",
                    name=who.name,
                    n=moved.customers,
                    m=moved.callbacks,
                    to=to.name,
                )
            )
        else:
            who = setup.find_staff(ctx, args.who)
            v = setup.set_staff_active(ctx, who.id, args.action == "activate")
            print(
                _(
                    "{name} is now {state}.",
                    name=v.name,
                    state=_p("staff", "active") if v.active else _("inactive"),
                )
            )
    finally:
        ctx.db.close()
    return EXIT_OK


def _read_pin(prompt: str) -> str:
    """A PIN from the terminal without echo; one line from stdin when piped (scripts)."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt)
    return sys.stdin.readline().strip()


def cmd_backup(args: argparse.Namespace) -> int:
    from deskterm.services.backups import backup_now

    if args.dest in ("list", "ls") and not Path(args.dest).exists():
        # `deskterm backup list` wrote a backup file named "list": it meant the listing.
        raise InvalidInput(
            "'{dest}' would be the backup's file name; to list the backups: deskterm backups",
            field="dest",
            dest=args.dest,
        )
    ctx = _open(args, create=False)
    try:
        print(_("Backup written to {path}", path=backup_now(ctx, args.dest)))
    finally:
        ctx.db.close()
    return EXIT_OK


def _db_path(args: argparse.Namespace) -> Path:
    """The database file the arguments name; a server has backups but no file to restore."""
    target = _target(args)
    if isinstance(target, str):
        raise DesktermError(
            "deskterm restores a file, never a server that several PCs share. With every "
            "desk closed, whoever looks after the server restores a backup with: "
            "pg_restore --clean --if-exists --dbname ADDRESS BACKUP.dump"
        )
    return target.resolve()


def cmd_backups(args: argparse.Namespace) -> int:
    from deskterm.services.backups import (
        backup_folder,
        list_backups,
        list_server_backups,
        server_backups,
    )

    if isinstance(_target(args), str):  # a server's pg_dump files, on this PC
        ctx = _open(args, create=False, start_of_day=False)
        try:
            folder = server_backups(ctx)
        finally:
            ctx.db.close()
        found = list_server_backups(folder)
    else:
        path = _db_path(args)
        folder, found = backup_folder(path), list_backups(path)
    if not found:
        print(_("No backups yet in {folder}.", folder=folder))
        return EXIT_OK
    _print_table(
        [[p.name, f"{p.stat().st_size // 1024} KB"] for p in found], [_("Backup"), _("Size")]
    )
    return EXIT_OK


def _confirm(question: str) -> bool:
    """Ask on the terminal; a non-interactive run never says yes by itself."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes", "是")
    except EOFError:
        return False


def _good_backup(path: Path) -> Path | None:
    """The newest sound backup of ``path``, saying which newer ones were skipped and why."""
    from deskterm.services.backups import list_backups, newest_good_backup

    good, skipped = newest_good_backup(path)
    for bad, problem in skipped:
        print(
            _(
                "Skipped the backup {backup}: it is damaged ({problem}).",
                backup=bad.name,
                problem=problem,
            ),
            file=sys.stderr,
        )
    if good is None and list_backups(path):
        print(_("No sound backup was found; nothing was restored."), file=sys.stderr)
    return good


def cmd_restore(args: argparse.Namespace) -> int:
    from deskterm.services.backups import list_backups

    path = _db_path(args)
    source = Path(args.source).expanduser() if args.source else None
    if source is None and not list_backups(path):
        raise DesktermError("No backup of {path} was found.", path=str(path))
    shown = source or _good_backup(path)
    if shown is None:
        return EXIT_ERROR
    if not args.yes and not _confirm(
        _("Restore {backup} over {path}? The current file is kept aside.", backup=shown, path=path)
    ):
        print(_("Nothing restored. (Use --yes when no one can answer.)"))
        return EXIT_ERROR
    _restore_and_say(path, shown)
    return EXIT_OK


def _restore_and_say(path: Path, source: Path | None) -> None:
    """Restore ``source`` (default: the newest backup) over ``path`` and say what moved."""
    from deskterm.services.backups import restore

    used, kept = restore(path, source, clock_from_env().now())
    print(_("Restored {backup} to {path}.", backup=used, path=path))
    from deskterm.services.backups import record_restore
    from deskterm.services.maintenance import open_context

    # In the restored file's audit trail, which desks still open on it watch.
    ctx = open_context(path, clock_from_env(), create=False, start_of_day=False)
    try:
        record_restore(ctx, used, kept)
    finally:
        ctx.db.close()
    if kept is not None:
        print(_("The previous file is kept at {kept}.", kept=kept))


def offer_restore(path: Path, problem: str) -> int:
    """A damaged database: say so, and offer the newest backup (never silently)."""
    from deskterm.services.backups import list_backups

    print(f"deskterm: {problem}", file=sys.stderr)
    if not list_backups(path):
        print(_("No backup was found beside it; keep the file and ask for help."), file=sys.stderr)
        return EXIT_ERROR
    good = _good_backup(path)
    if good is None:
        print(_("Keep the file and ask for help."), file=sys.stderr)
        return EXIT_ERROR
    if not _confirm(
        _(
            "The newest sound backup is {backup}. Restore it? The damaged file is kept aside.",
            backup=good.name,
        )
    ):
        print(_("To restore it: deskterm restore --db {path}", path=path), file=sys.stderr)
        return EXIT_ERROR
    _restore_and_say(path, good)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from deskterm.services.maintenance import check

    ctx = _open(args, create=False)
    try:
        problems = check(ctx)
    finally:
        ctx.db.close()
    if not problems:
        print(_("OK: the database passes every check."))
        return EXIT_OK
    for p in problems:
        print(f"{p.kind}: {p.detail}")
    print(_("{n} problem(s) found.", n=len(problems)), file=sys.stderr)
    return EXIT_ERROR


def cmd_levels(args: argparse.Namespace) -> int:
    from deskterm.services import setup
    from deskterm.services.labels import duration_label, escalation_label

    ctx = _open(args, create=args.action != "list" or not _named(args))
    try:
        if args.action == "preset":
            setup.apply_level_preset(ctx, args.name)
        levels = setup.get_levels(ctx)
    finally:
        ctx.db.close()
    _print_table(
        [
            [
                r.name,
                duration_label(r.callback_interval) or _("marketing"),
                escalation_label(r.escalation),
                duration_label(r.escalation_after),
            ]
            for r in levels
        ],
        # the level's name only: a sheet takes names too, and "hot" means nothing at a desk
        [_("Level"), _("Callback every"), _("Escalation"), _("After")],
    )
    return EXIT_OK


def cmd_settings(args: argparse.Namespace) -> int:
    from deskterm.services import setup

    ctx = _open(args, create=args.action == "set" or not _named(args))
    try:
        if args.action == "set":
            setup.set_setting(ctx, args.key, args.value)
        values = setup.get_settings(ctx)
    finally:
        ctx.db.close()
    if args.action == "keys":
        from deskterm.domain import keys

        changed = keys.keymap(values)
        _print_table(
            [
                [keys.SETTING_PREFIX + bid, changed.get(bid, default), default]
                for bid, (_place, default) in keys.BINDINGS.items()
            ],
            [_("Setting"), _("Key"), _("Default")],
        )
        return EXIT_OK
    if getattr(args, "format", "text") == "json":
        print(json.dumps(dict(sorted(values.items())), ensure_ascii=False, indent=2))
        return EXIT_OK
    from deskterm.services.labels import setting_value

    # Keys as typed for `settings set`; values in words (the code is in `--help` and the
    # refusal of a wrong value).
    _print_table(
        [(key, setting_value(key, value)) for key, value in sorted(values.items())],
        [_("Setting"), _("Value")],
    )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from deskterm.demo.generate import generate

    if args.days < 1 or args.days > 3660:
        raise InvalidInput("--days must be between 1 and 3660.", field="days")
    out = Path(args.out)
    if (out.exists() or out.is_symlink()) and not args.force:
        # The default --out is deskterm.db.sample in the current folder: a shop's own copy
        # of the sample, or any file named there, is replaced only when asked to.
        raise RuleViolation(
            "{path} already exists: nothing was written. Choose another --out, or add "
            "--force to replace it.",
            field="out",
            path=str(out),
        )
    if args.scale == "large":
        from deskterm.demo.large import generate_large

        print(_("Generating the large data set (about a minute)…"))
        out = generate_large(out, seed=args.seed, progress=True)
        print(
            _(
                "Demo database written to {path} ({size} KB).",
                path=out,
                size=out.stat().st_size // 1024,
            )
        )
        return EXIT_OK
    print(_("Generating {days} days of showroom history…", days=args.days))
    out = generate(out, seed=args.seed, days=args.days, progress=True)
    print(
        _("Demo database written to {path} ({size} KB).", path=out, size=out.stat().st_size // 1024)
    )
    return EXIT_OK


SHORT_SHEET = 50  # a sheet this short is listed line by line


def cmd_import(args: argparse.Namespace) -> int:
    from deskterm.domain.sheet import (
        ACTION_LABELS,
        FIELD_LABELS,
        Action,
        parse_map_option,
        parse_update_option,
        parse_value_option,
        unknown_values,
    )
    from deskterm.services import importing, setup

    # `deskterm import batches` and `deskterm import undo N`: a sheet is never named so
    # (it ends in .csv or .xlsx).
    if args.file in ("batches", "undo"):
        return _import_batches(args)
    if args.number is not None:
        raise InvalidInput("Only undo takes an import's number: deskterm import undo N.")
    sheet = importing.read(Path(args.file), args.sheet, args.header_row)
    mapping: list[ImportField | None] = importing.guess(sheet)
    for spec in args.map:
        column, found = parse_map_option(spec, sheet.headers)
        mapping[column] = found
    update = parse_update_option(args.update)
    values: dict[tuple[ImportField, str], str] = {}
    for spec in args.value:
        field, text, target = parse_value_option(spec)
        values[(field, text)] = target
    print(
        _(
            "Sheet {name}: headers on line {row}, {n} lines below. Columns:",
            name=sheet.name,
            row=sheet.header_row,
            n=len(sheet.rows),
        )
    )
    for header, f in zip(sheet.headers, mapping, strict=True):
        print(f"  {header or '?'} → {_(FIELD_LABELS[f]) if f else _('(not imported)')}")
    ctx = _open(args)
    try:
        owner = setup.find_staff(ctx, args.owner).id if args.owner else None
        plan = importing.preview(ctx, sheet, mapping, owner, values, update)
        n = plan.counts
        # The plan is shown before anything is written, so a refused commit says why.
        blocked = args.commit and n[Action.REJECT] and not args.skip_rejected
        if args.commit and not blocked:
            plan = importing.commit(
                ctx,
                sheet,
                mapping,
                owner,
                skip_rejected=args.skip_rejected,
                values=values,
                update=update,
            )
        # Beside the sheet, in its encoding: fixed in Excel and imported on their own.
        # A folder that cannot be written to is said, never undoes what was imported.
        try:
            written = importing.write_rejects(ctx, sheet, plan)
        except DesktermError as exc:
            written = None
            print(exc.message, file=sys.stderr)
    finally:
        ctx.db.close()

    # What needs reading is listed: rejections, merges that change something, and lines
    # with a warning; in a long sheet the plain ones are only counted (unless --all).
    listed = [
        r
        for r in plan.rows
        if args.all
        or len(plan.rows) <= SHORT_SHEET
        or r.action is Action.REJECT
        or r.fills
        or r.warnings
        or r.ignored
        or r.changes
    ]
    if listed:
        _print_table(
            [
                [
                    r.line,
                    _(ACTION_LABELS[r.action]),
                    r.name,
                    r.phone,
                    importing.explain(r, plan.levels),
                ]
                for r in listed
            ],
            [_("Line"), _("Action"), _("Name"), _("Phone"), _("Why")],
        )
    if len(listed) < len(plan.rows):
        print(
            _(
                "(and {n} more lines with nothing to say: --all lists them)",
                n=len(plan.rows) - len(listed),
            )
        )
    unknown = unknown_values(plan.rows)
    if unknown:
        # Every distinct word once, with how many lines hold it: mapped once, not edited
        # line by line in Excel.
        print(_("Words the shop does not know (map each once with --value FIELD:TEXT=VALUE):"))
        for (f, text), count in sorted(unknown.items(), key=lambda kv: (kv[0][0], -kv[1])):
            print(
                "  "
                + ngettext(
                    "{field}: {value} ({n} line), e.g. --value {name}:{value}=…",
                    "{field}: {value} ({n} lines), e.g. --value {name}:{value}=…",
                    count,
                    field=_(FIELD_LABELS[f]),
                    value=text,
                    # The field as the reader calls it (级别), unless a space in it
                    # would split the shell word ("purchase time"): then its code.
                    name=_field_word(f),
                )
            )
    n = plan.counts
    if written is not None:
        print(
            _(
                "The {n} rejected lines, with why, are in {path}: correct them there and "
                "import that file.",
                n=written[1],
                path=written[0],
            )
        )
    if blocked:
        print(
            _(
                "Nothing was imported: {r} lines are rejected. Correct them, or add "
                "--skip-rejected to import the other lines.",
                r=n[Action.REJECT],
            ),
            file=sys.stderr,
        )
        return EXIT_ERROR
    if plan.committed:
        print(
            _(
                "Imported: {c} created, {m} merged, {r} left out.",
                c=n[Action.CREATE],
                m=n[Action.MERGE],
                r=n[Action.REJECT],
            )
        )
        print(
            _(
                "This is import number {n}; deskterm import undo {n} undoes it.",
                n=plan.batch,
            )
        )
        return EXIT_OK
    print(
        _(
            "Dry run: {c} to create, {m} to merge, {r} rejected. Nothing was written; "
            "add --commit to import.",
            c=n[Action.CREATE],
            m=n[Action.MERGE],
            r=n[Action.REJECT],
        )
    )
    return EXIT_OK


def _import_batches(args: argparse.Namespace) -> int:
    """List the imports so far, or undo one (all or nothing, refused with why)."""
    from deskterm.services import importing

    if args.file == "undo" and args.number is None:
        raise InvalidInput(
            "Which import? deskterm import undo N (deskterm import batches lists them)."
        )
    if args.file == "batches" and args.number is not None:
        raise InvalidInput("Only undo takes an import's number: deskterm import undo N.")
    ctx = _open(args)
    try:
        if args.file == "undo":
            print(importing.undone_message(importing.undo(ctx, args.number)))
            return EXIT_OK
        found = importing.batches(ctx)
    finally:
        ctx.db.close()
    if not found:
        print(_("No import yet."))
        return EXIT_OK
    _print_table(
        [
            [
                b.id,
                f"{b.at:%Y-%m-%d %H:%M}",
                b.sheet,
                b.by or _("command line"),
                b.created,
                b.merged,
                f"{b.undone_at:%Y-%m-%d}" if b.undone_at else "",
            ]
            for b in found
        ],
        [
            _("No."),
            _("When"),
            _("File"),
            _("By"),
            _("Created"),
            _("Merged"),
            _("Undone"),
        ],
    )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from deskterm.services.exporting import ExportKind, export

    ctx = _open(args, create=not _named(args))  # a mistyped --db exports nothing from nothing
    try:
        count = export(ctx, ExportKind(args.kind), Path(args.out), args.first, args.last)
    finally:
        ctx.db.close()
    print(_("{n} rows written to {path}", n=count, path=args.out))
    return EXIT_OK


def cmd_copy_to(args: argparse.Namespace) -> int:
    from deskterm.services.maintenance import copy_to, is_server

    target = args.target if is_server(args.target) else Path(args.target).expanduser()
    # No start of day: the copy is of the database as it is, which is left untouched.
    ctx = _open(args, create=False, start_of_day=False)
    try:
        counts = copy_to(
            ctx,
            target,
            progress=lambda table, n: print(_("{table}: {n} rows", table=table, n=n), flush=True),
        )
    finally:
        ctx.db.close()
    print(
        _(
            "Copied {n} rows. Open the copy with --db (or DESKTERM_DB) on every PC; the "
            "old database is left as it was.",
            n=sum(counts.values()),
        )
    )
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import shlex

    from deskterm.services import auth

    try:
        from deskterm.cli.serve import DeskServer
    except ImportError:
        raise DesktermError(
            "Browser access needs the serve extra: pip install 'deskterm[serve]'."
        ) from None
    if getattr(args, "demo", False):
        raise InvalidInput("The demo has no PINs: serve a shop's database (--db).", field="demo")
    if not 0 < args.port < 65536:
        raise InvalidInput("--port must be between 1 and 65535.", field="port")
    if not 0 < args.max_sessions <= 100:
        raise InvalidInput("--max-sessions must be between 1 and 100.", field="max_sessions")
    ctx = _open(args, create=False, start_of_day=False)
    try:
        if not auth.anyone_has_pin(ctx):
            raise RuleViolation(
                "Browser access needs sign-in, and nobody has a PIN yet: "
                "set one first (deskterm staff pin NAME)."
            )
        target = ctx.db.path.resolve() if ctx.db.path else _target(args)
    finally:
        ctx.db.close()
    # Every browser's app finds the database in its environment: a server's address may
    # hold a password, which a command line would show to every user of this PC.
    os.environ["DESKTERM_DB"] = str(target)
    command = shlex.join(
        [
            sys.executable,
            "-m",
            "deskterm",
            "--remote",
            *(["--lang", args.lang] if getattr(args, "lang", None) else []),
        ]
    )
    if args.host not in ("localhost", "127.0.0.1", "::1"):
        print(
            _(
                "Listening on {host}: anyone on this network can open the sign-in page.",
                host=args.host,
            )
        )
    print(
        _(
            "deskterm in the browser: http://{host}:{port} (Ctrl+C stops)",
            host=args.host,
            port=args.port,
        ),
        flush=True,
    )
    DeskServer(
        command,
        max_sessions=args.max_sessions,
        host=args.host,
        port=args.port,
        title="deskterm",
    ).serve()
    return EXIT_OK


def cmd_open(args: argparse.Namespace) -> int:
    from deskterm.ui.run import pause_gc, run_app

    pause_gc()  # before the big imports (the app turns it back on once it is up)
    from deskterm.ui.app import EXIT_RESTORE

    # The app starts the day, checks the file and shows warnings after its first paint.
    # The app reads the header and schema first; quick_check runs after the first screen.
    ctx = _open(args, start_of_day=False, thorough=False)
    ctx.remote = bool(getattr(args, "remote", False))
    try:
        code = run_app(ctx)
    finally:
        ctx.db.close()
        if getattr(args, "demo", False) and ctx.db.path is not None:
            shutil.rmtree(ctx.db.path.parent, ignore_errors=True)
    if code == EXIT_RESTORE and not getattr(args, "demo", False) and ctx.db.path is not None:
        _restore_and_say(ctx.db.path, None)
        return cmd_open(args)
    return code


def cmd_board(args: argparse.Namespace) -> int:
    """The showroom display: read-only, as the ``display`` pseudo-role (no PIN)."""
    from deskterm.ui.showroom import run_board

    ctx = _open(args, start_of_day=False, thorough=False)
    try:
        return run_board(ctx)
    finally:
        ctx.db.close()
        if getattr(args, "demo", False) and ctx.db.path is not None:
            shutil.rmtree(ctx.db.path.parent, ignore_errors=True)


COMMANDS = {
    "board": cmd_board,
    "report": cmd_report,
    "staff": cmd_staff,
    "backup": cmd_backup,
    "backups": cmd_backups,
    "restore": cmd_restore,
    "check": cmd_check,
    "levels": cmd_levels,
    "settings": cmd_settings,
    "demo": cmd_demo,
    "import": cmd_import,
    "export": cmd_export,
    "copy-to": cmd_copy_to,
    "serve": cmd_serve,
    None: cmd_open,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``deskterm`` script and ``python -m deskterm``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # The language is needed before --help is printed, so it is read ahead of parsing.
    lang_arg = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--lang"), None)
    lang_arg = lang_arg or next((a.split("=", 1)[1] for a in argv if a.startswith("--lang=")), None)
    set_language(detect_language(lang_arg if lang_arg in ("en", "zh") else None))
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"deskterm: {exc} (deskterm --help)", file=sys.stderr)
        return EXIT_USAGE
    except DamagedDatabase as exc:
        if args.command in (None, "check", "report"):
            return offer_restore(_db_path(args), exc.message)
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
