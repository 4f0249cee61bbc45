"""``deskterm import``: the showroom's customer sheet (a dry run unless ``--commit``),
and ``import batches`` / ``import undo N``. (``import_``: ``import`` is a keyword.)"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from deskterm.cli.common import EXIT_ERROR, EXIT_OK, add_command, path_arg, print_table
from deskterm.cli.database import opened
from deskterm.errors import DesktermError, InvalidInput
from deskterm.i18n import _, ngettext

if TYPE_CHECKING:
    from deskterm.cli.common import Subparsers
    from deskterm.domain.sheet import ImportField

SHORT_SHEET = 50  # a sheet this short is listed line by line


def register(subparsers: Subparsers) -> None:
    """``deskterm import FILE`` (and ``import batches``, ``import undo N``)."""
    imp = add_command(
        subparsers,
        "import",
        help=_("import the showroom's customer sheet (CSV or .xlsx); a dry run unless --commit"),
    )
    imp.add_argument("file", type=path_arg, help=_("the sheet: .csv or .xlsx"))
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
            "(level, source, budget, purchase time or media; the value as the shop writes it)"
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


def run(args: argparse.Namespace) -> int:
    """Show the sheet's plan (and import it with ``--commit``); exit 1 if refused."""
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
        return _batches(args)
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
    with opened(args) as ctx:
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
        print_table(
            [
                [
                    r.line,
                    _(ACTION_LABELS[r.action]),
                    r.name,
                    r.phone,
                    importing.explain(r, plan.levels, plan.media),
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


def _batches(args: argparse.Namespace) -> int:
    """List the imports so far, or undo one (all or nothing, refused with why)."""
    from deskterm.services import importing

    if args.file == "undo" and args.number is None:
        raise InvalidInput(
            "Which import? deskterm import undo N (deskterm import batches lists them)."
        )
    if args.file == "batches" and args.number is not None:
        raise InvalidInput("Only undo takes an import's number: deskterm import undo N.")
    with opened(args) as ctx:
        if args.file == "undo":
            print(importing.undone_message(importing.undo(ctx, args.number)))
            return EXIT_OK
        found = importing.batches(ctx)
    if not found:
        print(_("No import yet."))
        return EXIT_OK
    print_table(
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


def _field_word(f: ImportField) -> str:
    """A sheet field as it can be typed after ``--value``: its label in the language
    (``--value`` reads labels in either language), or its code if the label has a space."""
    from deskterm.domain.sheet import FIELD_LABELS

    label = _(FIELD_LABELS[f])
    return f.value if any(ch.isspace() for ch in label) else label
