"""``python -m deskterm.reliability [--quick] [--out RELIABILITY.md]``: run every trial and
write the table of what was tried, how many times, and what was lost."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from deskterm.reliability.crash import Outcome, crash_trial
from deskterm.reliability.faults import damage_trial, full_disk_trial
from deskterm.reliability.hostile import hostile_trial
from deskterm.reliability.names import names_trial
from deskterm.reliability.pins import pin_trial
from deskterm.reliability.server import server_trial
from deskterm.reliability.swap import swap_trial
from deskterm.reliability.windows import windows_trial

#: (name, what is done each round, trial, rounds in a full run, rounds with --quick)
TRIALS: tuple[tuple[str, str, Callable[[Path, int], Outcome], int, int], ...] = (
    (
        "kill -9 while writing",
        "a window writes receptions and forms non-stop; killed with "
        "SIGKILL after 0.02-0.6 s; the file is reopened, checked, and every commit the window "
        "reported is looked up",
        crash_trial,
        200,
        10,
    ),
    (
        "three windows at once",
        "two receptions press next-up at the same instant (6 walk-ins "
        "each), a salesperson ticks callbacks, a manager reassigns and reads the report; "
        "separate processes, one file",
        windows_trial,
        20,
        2,
    ),
    (
        "disk full",
        "receptions are saved until the file may not grow by one page",
        full_disk_trial,
        20,
        3,
    ),
    (
        "damaged file",
        "4 KB of random bytes at a random place after a backup; detected by "
        "the health check, then restored from the newest backup",
        damage_trial,
        50,
        5,
    ),
    (
        "hostile input",
        "a form of emoji, right-to-left text, 10 KB pastes, control "
        "characters, SQL, impossible dates, odd phone formats, plus searches, leads, dates "
        "and a CLI call every tenth round",
        hostile_trial,
        600,
        100,
    ),
    (
        "markup names",
        "staff, walk-ins and imported customers named `[/b]`, `[link=…]Mr Link[/link]`, "
        "`<script>`, `王[b]伟` and 25 more (from the second round on, two run together) "
        "are saved, then shown by `staff list`, `report`, `import --commit` and every "
        "screen of the app headless, in English and Chinese: no crash, each name as typed",
        names_trial,
        6,
        1,
    ),
    (
        "server stop",
        "a real PostgreSQL server (a private cluster) is stopped under an open window: 3 "
        'saves before, 3 while it is down (each must be refused with the steady "cannot '
        'reach the database server"), 3 once it is started again (each must work)',
        server_trial,
        10,
        2,
    ),
    (
        "file swap",
        "while two windows (processes) save, the file is renamed aside (a copy put back), "
        "replaced by another file, or deleted, in turn, holding the write lock so each save "
        "is before or after it; every save after must be refused, every save reported done "
        "must be in the file at the path",
        swap_trial,
        30,
        3,
    ),
    (
        "parallel PIN guesses",
        "6 processes guess one person's PIN at the same instant, 3 wrong PINs each, then "
        "the right PIN; the lock-out allows 3 wrong PINs in a row",
        pin_trial,
        30,
        3,
    ),
)


def run(rounds_of: Callable[[int, int], int]) -> list[tuple[str, str, Outcome, float]]:
    """Run each trial in a fresh temporary folder; results with their durations."""
    results = []
    for name, what, trial, full, quick in TRIALS:
        with tempfile.TemporaryDirectory(prefix="deskterm-reliability-") as tmp:
            start = time.perf_counter()
            outcome = trial(Path(tmp), rounds_of(full, quick))
            results.append((name, what, outcome, time.perf_counter() - start))
        if outcome.skipped:
            print(f"{name}: not run ({outcome.skipped})", flush=True)
            continue
        print(
            f"{name}: {outcome.rounds} rounds, {outcome.operations} operations, "
            f"{outcome.lost} lost, {outcome.failed_checks} failed checks",
            flush=True,
        )
    return results


def to_markdown(results: list[tuple[str, str, Outcome, float]]) -> str:
    """RELIABILITY.md."""
    lines = [
        "# Reliability",
        "",
        "What was done to a deskterm database on purpose, how many times, and what was lost.",
        "Regenerate with `python -m deskterm.reliability` (the tests run the same trials with",
        "fewer rounds).",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · Python {platform.python_version()} · "
        f"SQLite {sqlite3.sqlite_version} · {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores · {sum(s for *_x, s in results) / 60:.0f} minutes in all",
        "",
        "| trial | what each round does | rounds | operations | lost | failed checks | time |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, what, o, seconds in results:
        if o.skipped:  # said, never faked
            lines.append(f"| {name} | {what} | not run ({o.skipped}) | – | – | – | – |")
            continue
        lines.append(
            f"| {name} | {what} | {o.rounds} | {o.operations} | **{o.lost}** | "
            f"{o.failed_checks} | {seconds:.0f} s |"
        )
    lines += [
        "",
        "*Operations*: commits reported by the killed windows; actions of the concurrent",
        "windows; receptions saved before the disk filled; receptions to bring back from a",
        "backup; hostile inputs tried; names saved plus CLI commands run; saves tried",
        "before, during and after the outages; saves the swapping windows reported done;",
        "PIN guesses. *Lost*: operations reported done and not found afterwards (or a",
        "salesperson given two walk-ins at once; a save written into a file that was no",
        "longer the database; a PIN guess answered beyond the lock-out). *Failed checks*:",
        "rounds after which `deskterm check` (SQLite's integrity and foreign-key checks plus",
        "deskterm's own rules) found a problem, an error reached a window, a crash, a name",
        "not shown as typed, or a save not refused as it should have been.",
        "",
    ]
    notes = [(name, n) for name, _w, o, _s in results for n in o.notes]
    if notes:
        lines += ["## Notes", ""] + [f"- {name}: {n}" for name, n in notes] + [""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the trials; write the report; exit 1 if anything was lost or failed."""
    parser = argparse.ArgumentParser(prog="python -m deskterm.reliability")
    parser.add_argument("--quick", action="store_true", help="a few rounds of each")
    parser.add_argument("--out", default="RELIABILITY.md")
    args = parser.parse_args(argv)
    if sys.platform != "linux":
        # Its trials kill windows with SIGKILL, hard-link files into place and run a
        # PostgreSQL server as its own user: POSIX calls a Windows PC does not have.
        print(
            "The reliability harness kills processes with SIGKILL and hard-links files: "
            "it runs on Linux only (the desk itself runs on Windows too)."
        )
        return 2
    results = run(lambda full, quick: quick if args.quick else full)
    Path(args.out).write_text(to_markdown(results), encoding="utf-8")
    print(f"written {args.out}")
    bad = sum(o.lost + o.failed_checks for _n, _w, o, _s in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
