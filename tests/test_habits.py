"""The habits that catch mistakes before a user does (issue 14): the tree is formatted,
lint-clean and type-checked, and the suite says so rather than a memory of running them.

Run with this interpreter, so they use the versions pinned in the ``test`` extra.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HABITS = {
    "ruff check": ["ruff", "check", "deskterm", "tests"],
    "ruff format": ["ruff", "format", "--check", "deskterm", "tests"],
    "mypy": ["mypy", "deskterm"],
}


@pytest.mark.parametrize("habit", HABITS)
def test_habit_is_kept(habit: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", *HABITS[habit]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = proc.stdout + proc.stderr
    if "No module named" in output:
        output += "\n(the test extra installs it: pip install -e '.[test]')"
    assert proc.returncode == 0, f"`{' '.join(HABITS[habit])}` failed:\n{output}"
