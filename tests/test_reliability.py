"""The reliability trials, a few rounds each, and the committed RELIABILITY.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deskterm.reliability.__main__ import main as reliability_main
from deskterm.reliability.__main__ import to_markdown
from deskterm.reliability.crash import Outcome, crash_trial
from deskterm.reliability.faults import damage_trial, full_disk_trial
from deskterm.reliability.names import NAMES, names_trial
from deskterm.reliability.pins import GUESSERS, pin_trial
from deskterm.reliability.server import server_trial
from deskterm.reliability.swap import REFUSALS, swap_trial

ROOT = Path(__file__).resolve().parents[1]


def test_kill_9_while_writing_loses_nothing(tmp_path):
    out = crash_trial(tmp_path, rounds=8, seed=11)
    assert (out.rounds, out.lost, out.failed_checks) == (8, 0, 0), out.notes
    assert out.operations > 50  # the window really was writing when killed


def test_full_disk_and_damaged_file_lose_nothing(tmp_path):
    full = full_disk_trial(tmp_path / "full", rounds=2)
    damaged = damage_trial(tmp_path / "damage", rounds=3)
    for out in (full, damaged):
        assert (out.lost, out.failed_checks) == (0, 0), out.notes


def test_markup_names_are_saved_and_shown_as_typed_everywhere(tmp_path):
    out = names_trial(tmp_path, rounds=1)
    assert (out.rounds, out.lost, out.failed_checks) == (1, 0, 0), out.notes
    # staff, walk-ins and imported customers, each name (a few too long are refused)
    assert out.operations > 2 * len(NAMES), out.notes


def test_the_trial_s_names_are_the_fixture_s():
    fixture = json.loads((ROOT / "tests" / "fixtures" / "hostile-strings.json").read_text("utf-8"))
    assert set(fixture["markup"] + fixture["cjk"] + fixture["markdown_html"]) <= set(NAMES)


def test_a_stopped_server_refuses_saves_and_loses_none(tmp_path):
    out = server_trial(tmp_path, rounds=1)
    if out.skipped:
        pytest.skip(out.skipped)
    assert (out.rounds, out.lost, out.failed_checks) == (1, 0, 0), out.notes
    assert out.operations == 6 * 2 + 3  # 6 saves of 2 commits done, 3 refused


def test_a_file_swapped_under_two_windows_takes_no_save(tmp_path):
    out = swap_trial(tmp_path, rounds=3)  # rename, replace, delete
    assert (out.rounds, out.lost, out.failed_checks) == (3, 0, 0), out.notes
    assert out.operations > 0  # the windows really saved before the swap
    assert f"{3 * 2 * REFUSALS} saves tried after the swap were refused" in out.notes[-1]


def test_parallel_pin_guesses_get_no_more_than_the_lock_out_allows(tmp_path):
    out = pin_trial(tmp_path, rounds=2)
    assert (out.rounds, out.lost, out.failed_checks) == (2, 0, 0), out.notes
    assert out.operations == 2 * (GUESSERS * 3 + 1)  # every guess answered


def test_a_trial_that_cannot_run_is_said_not_run_never_faked():
    text = to_markdown([("server stop", "stop it", Outcome(skipped="no PostgreSQL server"), 0.0)])
    row = next(line for line in text.splitlines() if line.startswith("| server stop"))
    assert "not run (no PostgreSQL server)" in row and "**0**" not in row


def test_the_command_writes_the_table(tmp_path, monkeypatch):
    import deskterm.reliability.__main__ as rel

    # One round of each of the quicker trials proves the report is written and counted
    # (each trial has its own test above).
    quick = ("kill -9 while writing", "disk full", "damaged file", "hostile input")
    monkeypatch.setattr(
        rel, "TRIALS", tuple((n, w, t, 1, 1) for n, w, t, _f, _q in rel.TRIALS if n in quick)
    )
    out = tmp_path / "R.md"
    assert reliability_main(["--quick", "--out", str(out)]) == 0
    text = out.read_text("utf-8")
    assert text.count("| **0** |") == len(quick)
    assert "python -m deskterm.reliability" in text and " cores · " in text


TRIALS = (
    "kill -9 while writing",
    "three windows at once",
    "disk full",
    "damaged file",
    "hostile input",
    "markup names",
    "server stop",
    "file swap",
    "parallel PIN guesses",
)


def test_committed_reliability_report_lost_nothing():
    text = (ROOT / "RELIABILITY.md").read_text("utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "**" in line]
    assert [r.split("|")[1].strip() for r in rows] == list(TRIALS)
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert int(cells[2]) > 0 and int(cells[3]) > 0, row  # rounds, operations
        assert cells[4] == "**0**" and cells[5] == "0", row  # lost, failed checks
    kills = next(r for r in rows if r.startswith("| kill -9"))
    assert int(re.split(r"\s*\|\s*", kills)[3]) >= 200


def test_a_crash_report_is_summed_up_by_its_error_and_deskterm_s_frames(tmp_path):
    from deskterm.reliability.names import crash_summary

    report = tmp_path / "crash.txt"
    report.write_text(
        "deskterm 1.0 — reload\n2026-12-03T10:00:00+08:00\n\nTraceback (most recent call last):\n"
        '  File "/x/deskterm/ui/screens/reception.py", line 10, in reload\n    f()\n'
        '  File "/x/.venv/lib/python3.11/site-packages/textual/widget.py", line 5, in g\n'
        "    ^^^^^^^^\nKeyError: 'row-7'\n",
        "utf-8",
    )
    summary = crash_summary(report)
    assert summary.startswith("KeyError: 'row-7' (deskterm 1.0 — reload; ")
    assert "ui/screens/reception.py" in summary and "textual/widget.py" not in summary
