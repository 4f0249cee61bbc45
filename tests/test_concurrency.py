"""Three windows on one file, as separate processes: no lock error, no lost update.

The scenario lives in ``deskterm.reliability.windows`` so RELIABILITY.md runs the
same thing many more times.
"""

from __future__ import annotations

from deskterm.reliability.windows import windows_trial


def test_three_windows_at_once_lose_nothing_and_never_see_a_lock(tmp_path):
    out = windows_trial(tmp_path, rounds=2)
    assert out.notes == []  # no error reached a "user", nothing lost, checks clean
    assert (out.rounds, out.lost, out.failed_checks) == (2, 0, 0)
    assert out.operations >= 2 * (12 + 8)  # 12 walk-ins and 8 reports at least per round
