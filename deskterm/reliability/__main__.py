"""``python -m deskterm.reliability [--quick] [--out RELIABILITY.md]``: run every trial and
write the table of what was tried, how many times, and what was lost."""

from __future__ import annotations

import argparse
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from deskterm.reliability.crash import Outcome, crash_trial
from deskterm.reliability.faults import damage_trial, full_disk_trial
from deskterm.reliability.hostile import hostile_trial
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
)


def run(rounds_of: Callable[[int, int], int]) -> list[tuple[str, str, Outcome, float]]:
    """Run each trial in a fresh temporary folder; results with their durations."""
    results = []
    for name, what, trial, full, quick in TRIALS:
        with tempfile.TemporaryDirectory(prefix="deskterm-reliability-") as tmp:
            start = time.perf_counter()
            outcome = trial(Path(tmp), rounds_of(full, quick))
            results.append((name, what, outcome, time.perf_counter() - start))
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
        f"Run {datetime.now():%Y-%m-%d %H:%M} · Python {platform.python_version()} · "
        f"SQLite {sqlite3.sqlite_version} · {platform.system()} {platform.machine()}",
        "",
        "| trial | what each round does | rounds | operations | lost | failed checks | time |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, what, o, seconds in results:
        lines.append(
            f"| {name} | {what} | {o.rounds} | {o.operations} | **{o.lost}** | "
            f"{o.failed_checks} | {seconds:.0f} s |"
        )
    lines += [
        "",
        "*Operations*: commits reported by the killed windows; actions of the concurrent",
        "windows; receptions saved before the disk filled; receptions to bring back from a",
        "backup; hostile inputs tried. *Lost*: operations reported done and not found",
        "afterwards (or a salesperson given two walk-ins at once). *Failed checks*: rounds",
        "after which `deskterm check` (SQLite's integrity and foreign-key checks plus",
        "deskterm's own rules) found a problem, an error reached a window, or a crash.",
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
    results = run(lambda full, quick: quick if args.quick else full)
    Path(args.out).write_text(to_markdown(results), encoding="utf-8")
    print(f"written {args.out}")
    bad = sum(o.lost + o.failed_checks for _n, _w, o, _s in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
