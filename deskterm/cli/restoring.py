"""Bringing back a backup: ``deskterm restore``, a damaged database found by a command,
and the app's own "restore" button all end here."""

from __future__ import annotations

import sys
from pathlib import Path

from deskterm.cli.common import EXIT_ERROR, EXIT_OK, confirm
from deskterm.cli.database import file_args, opened
from deskterm.clock import clock_from_env
from deskterm.i18n import _


def good_backup(path: Path) -> Path | None:
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


def restore_and_say(path: Path, source: Path | None) -> None:
    """Restore ``source`` (default: the newest backup) over ``path`` and say what moved."""
    from deskterm.services.backups import record_restore, restore

    used, kept = restore(path, source, clock_from_env().now())
    print(_("Restored {backup} to {path}.", backup=used, path=path))
    # In the restored file's audit trail, which desks still open on it watch.
    with opened(file_args(path), must_exist=True, start_of_day=False) as ctx:
        record_restore(ctx, used, kept)
    if kept is not None:
        print(_("The previous file is kept at {kept}.", kept=kept))


def offer_restore(path: Path, problem: str) -> int:
    """A damaged database: say so, and offer the newest backup (never silently)."""
    from deskterm.services.backups import list_backups

    print(f"deskterm: {problem}", file=sys.stderr)
    if not list_backups(path):
        print(_("No backup was found beside it; keep the file and ask for help."), file=sys.stderr)
        return EXIT_ERROR
    good = good_backup(path)
    if good is None:
        print(_("Keep the file and ask for help."), file=sys.stderr)
        return EXIT_ERROR
    if not confirm(
        _(
            "The newest sound backup is {backup}. Restore it? The damaged file is kept aside.",
            backup=good.name,
        )
    ):
        print(_("To restore it: deskterm restore --db {path}", path=path), file=sys.stderr)
        return EXIT_ERROR
    restore_and_say(path, good)
    return EXIT_OK
