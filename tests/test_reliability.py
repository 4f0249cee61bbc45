"""The reliability trials, a few rounds each, and the committed RELIABILITY.md."""

from __future__ import annotations

import re
from pathlib import Path

from deskterm.reliability.__main__ import main as reliability_main
from deskterm.reliability.crash import crash_trial
from deskterm.reliability.faults import damage_trial, full_disk_trial

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


def test_the_command_writes_the_table(tmp_path, monkeypatch):
    import deskterm.reliability.__main__ as rel

    # One round of each is enough to prove the report is written and counted.
    monkeypatch.setattr(rel, "TRIALS", tuple((n, w, t, 1, 1) for n, w, t, _f, _q in rel.TRIALS))
    out = tmp_path / "R.md"
    assert reliability_main(["--quick", "--out", str(out)]) == 0
    text = out.read_text("utf-8")
    assert text.count("| **0** |") == len(rel.TRIALS)


def test_committed_reliability_report_lost_nothing():
    text = (ROOT / "RELIABILITY.md").read_text("utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "**" in line]
    assert len(rows) == 5
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[4] == "**0**" and cells[5] == "0", row  # lost, failed checks
    kills = next(r for r in rows if r.startswith("| kill -9"))
    assert int(re.split(r"\s*\|\s*", kills)[3]) >= 200
