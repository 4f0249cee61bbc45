"""Smoke test in a real terminal: ``deskterm --demo`` under tmux, every screen, then quit."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed on this machine"
)


class Tmux:
    """A private tmux server (its own socket), so nothing else is touched."""

    def __init__(self) -> None:
        self.socket = f"deskterm-test-{uuid.uuid4().hex[:8]}"

    def __call__(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "smoke")

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not appear; screen was:\n{shown}")
            time.sleep(0.1)


def test_demo_in_a_real_terminal():
    tmux = Tmux()
    # Textual draws on stderr, so it is not redirected: a traceback would show in the pane.
    cmd = (
        f"cd {ROOT} && DESKTERM_LANG=en TERM=xterm-256color {sys.executable} -m deskterm "
        f"--demo; echo DESKTERM-EXITED $?; sleep 60"
    )
    try:
        tmux("new-session", "-d", "-s", "smoke", "-x", "120", "-y", "35", cmd)
        tmux("set", "-sg", "escape-time", "0")
        tmux.wait_for("Next up")
        for key, marker in (
            ("F3", "Who are you"),
            ("1", "Space to tick off"),
            ("F4", "name fragment"),
            ("F5", "Daily meeting report"),
            ("F2", "Next up"),
        ):
            tmux("send-keys", "-t", "smoke", key)
            tmux.wait_for(marker)
        tmux("send-keys", "-t", "smoke", "C-q")
        shown = tmux.wait_for("DESKTERM-EXITED")
        assert "DESKTERM-EXITED 0" in shown
        assert "Traceback" not in shown and "Error" not in shown
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True)
