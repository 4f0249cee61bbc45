"""A receptionist's morning in a real terminal at 100x30: ``python -m deskterm`` in tmux.

A fresh database and HOME; yesterday one customer (Hans Muller, Ben's) was registered.
This morning: three salespeople check in, two walk-ins with their forms, a skip, a break,
Hans comes back, a mis-tap undone. After each step the test reads the screen
(``capture-pane``); at the end it asks the services (never SQL) what was saved.

The keys of each step are in one place below (other work changes the form's Tab stops
and the Reception layout): the assertions are on content — names, messages — not on
where they are drawn. Every wait polls the screen until the text is there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from deskterm.clock import FixedClock, zone_named
from deskterm.services import customers, reception, rotation, setup
from deskterm.services.maintenance import open_context

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed on this machine"
)

# -- the keys of the morning (tmux send-keys names) ------------------------------------
CHECK_IN = ["i"]  # then the person is chosen by number from the list
WALK_IN = ["n"]  # then "first visit?" -> the "yes" line
FIRST_VISIT_YES = "yes"
FORM_NAME_TO_PHONE = ["Tab"]  # from the Name field to the Phone field
FORM_SAVE = ["C-s"]
SKIP = ["s"]  # then the reason, by its line
SKIP_PERSONAL = "personal"
BREAK = ["b"]  # then who, then why
BREAK_ON_BREAK = "on break"
DONE = ["d"]  # then who
RETURNING = ["r"]  # then phone digits or part of the name
RETURNING_PICK = ["Enter"]  # if a list of matches is shown: the first
UNDO = ["u"]
YES = ["y"]
QUIT = ["C-q"]

SIZE = ("100", "30")
NOW = "2026-03-02T09:00"
ZONE = "Asia/Shanghai"
STEP_TIMEOUT = 15.0
FOCUS_MOVES = 0.3

SALESPEOPLE = ("Anna Berg", "Ben Cole", "Carla Diaz")
WALK_INS = (("Lena Wu", "13800138001"), ("Marco Li", "13800138002"))
RETURNING_NAME, RETURNING_PHONE = "Hans Muller", "13912345678"


def _prepare(db: str) -> None:
    """The shop as it was last night: three salespeople, one customer of Ben's."""
    ctx = open_context(db, FixedClock(datetime(2026, 3, 1, 15, 0), zone=zone_named(ZONE)))
    try:
        setup.set_setting(ctx, "auth.mode", "open")
        setup.set_setting(ctx, "shop.timezone", ZONE)
        ids = [setup.add_staff(ctx, name, "salesperson").id for name in SALESPEOPLE]
        rotation.check_in(ctx, ids[1])
        arrival = rotation.walk_in(ctx)
        form = reception.ReceptionForm(
            name=RETURNING_NAME, phone=RETURNING_PHONE, model_interest="Model Y", level="hot"
        )
        reception.save_form(ctx, arrival.reception_id, form)
        rotation.done(ctx, ids[1])
    finally:
        ctx.db.close()


class Desk:
    """deskterm in a private tmux server (its own socket: nothing else is touched)."""

    def __init__(self) -> None:
        self.socket = f"deskterm-morning-{uuid.uuid4().hex[:8]}"

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "desk")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "desk", key)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "desk", "-l", text)

    def wait(self, *shown: str, gone: tuple[str, ...] = (), timeout: float = STEP_TIMEOUT) -> str:
        """The screen once every text of ``shown`` is on it and none of ``gone``."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if all(t in screen for t in shown) and not any(t in screen for t in gone):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"waited for {shown!r} (and {gone!r} gone); the screen was:\n{screen}"
                )
            time.sleep(0.05)

    def choose(self, label: str, question: str = "") -> None:
        """Answer a numbered list (asking ``question``) with the number of ``label``'s line."""
        if question:
            self.wait(question)
        # a list line is "N  label": the board's "3     Carla Diaz" must not answer
        pattern = re.compile(rf"(\d)  {re.escape(label)}")
        deadline = time.monotonic() + STEP_TIMEOUT
        while not (found := pattern.search(self.screen())):
            if time.monotonic() > deadline:
                raise AssertionError(f"no line {label!r} to choose; screen:\n{self.screen()}")
            time.sleep(0.05)
        self.keys(found.group(1))

    def walk_in(self, salesperson: str, name: str, phone: str, next_up: str) -> None:
        """A first visit: next-up receives, the form is filled and saved."""
        self.keys(*WALK_IN)
        self.choose(FIRST_VISIT_YES, "First visit")
        self.wait("Reception form", salesperson)
        self.type(name)
        self.wait(name)
        self.keys(*FORM_NAME_TO_PHONE)
        # Textual moves the focus after the keys it has already read: digits sent in the
        # same instant as the Tab would land in the Name field. A person is never that
        # fast; this pause is the one the test cannot see on the screen.
        time.sleep(FOCUS_MOVES)
        self.type(phone)
        self.wait(phone[-4:])
        self.keys(*FORM_SAVE)
        self.wait(f"Next up: {next_up}", gone=("Reception form",))


def test_a_receptionists_morning(tmp_path):
    started = time.monotonic()
    db = str(tmp_path / "shop.db")
    home = tmp_path / "home"
    home.mkdir()
    _prepare(db)
    env = {
        "HOME": str(home),
        "DESKTERM_NOW": NOW,
        "DESKTERM_LANG": "en",
        "TERM": "xterm-256color",
        "PYTHONPATH": str(ROOT),
        "PATH": os.environ.get("PATH", ""),
    }
    exports = " ".join(f"{k}='{v}'" for k, v in env.items())
    # Textual draws on stderr, so it is not redirected: a traceback would show in the pane.
    cmd = (
        f"cd '{ROOT}' && env -i {exports} '{sys.executable}' -m deskterm --db '{db}'; "
        "echo DESKTERM-EXITED $?; sleep 60"
    )
    desk = Desk()
    try:
        desk.tmux("new-session", "-d", "-s", "desk", "-x", SIZE[0], "-y", SIZE[1], cmd)
        desk.tmux("set", "-sg", "escape-time", "0")
        desk.wait("Nobody is checked in")

        # 1. the salespeople arrive, in this order: the queue is the order of check-in
        for name in SALESPEOPLE:
            desk.keys(*CHECK_IN)
            desk.choose(name, "Check in")
            desk.wait(f"{name} checked in.")
        screen = desk.wait("Next up: Anna Berg")
        assert all(name in screen for name in SALESPEOPLE)

        # 2. two walk-ins, each taken by next-up, each with a saved form
        desk.walk_in("Anna Berg", *WALK_INS[0], next_up="Ben Cole")
        desk.walk_in("Ben Cole", *WALK_INS[1], next_up="Carla Diaz")

        # 3. Carla, next-up, is skipped for a personal reason
        desk.keys(*SKIP)
        desk.choose(SKIP_PERSONAL, "Skip Carla Diaz")
        desk.wait("Skipped Carla Diaz")

        # 4. ... and goes on a break: nobody is free now
        desk.keys(*BREAK)
        desk.choose("Carla Diaz", "who?")
        desk.choose(BREAK_ON_BREAK, "away for")
        desk.wait("Carla Diaz is away")

        # 5. Ben is done with Marco Li
        desk.keys(*DONE)
        desk.choose("Ben Cole", "who?")
        desk.wait("Ben Cole is free again.")

        # 6. Hans Muller comes back: found by name, he goes to his owner Ben, no turn used
        desk.keys(*RETURNING)
        desk.wait("Returning customer")
        desk.type("Hans")
        screen = desk.wait(RETURNING_NAME)
        if "Reception form" not in screen:
            desk.keys(*RETURNING_PICK)
        screen = desk.wait("Reception form", "Ben Cole", "revisit")
        assert RETURNING_NAME in screen
        desk.keys(*FORM_SAVE)
        desk.wait("requested", gone=("Reception form",))

        # 7. a mis-tap: Anna is not done yet; undone, after a question that names her
        desk.keys(*DONE)
        desk.choose("Anna Berg", "who?")
        desk.wait("Anna Berg is free again.")
        desk.keys(*UNDO)
        screen = desk.wait("Undo the last action")
        assert "Anna Berg" in screen
        desk.keys(*YES)
        desk.wait("Undone")

        desk.keys(*QUIT)
        screen = desk.wait("DESKTERM-EXITED")
        assert "DESKTERM-EXITED 0" in screen
        assert "Traceback" not in screen
    finally:
        subprocess.run(["tmux", "-L", desk.socket, "kill-server"], capture_output=True)

    # What the morning left in the database, as the services tell it.
    ctx = open_context(db, FixedClock(datetime(2026, 3, 2, 9, 30), zone=zone_named(ZONE)))
    try:
        board = {m.name: m for m in rotation.get_board(ctx).members}
        assert board["Anna Berg"].state == "with_customer"  # the undo put her back
        assert board["Ben Cole"].state == "with_customer"
        assert board["Carla Diaz"].state == "away"
        assert board["Carla Diaz"].away_reason == "break"
        assert board["Anna Berg"].ups == 1 and board["Ben Cole"].ups == 1
        assert board["Ben Cole"].requested == 1

        seen = {(a.customer, a.salesperson): a for a in reception.arrivals(ctx)}
        assert set(seen) == {
            ("Lena Wu", "Anna Berg"),
            ("Marco Li", "Ben Cole"),
            (RETURNING_NAME, "Ben Cole"),
        }
        assert all(a.form_saved and a.has_contact for a in seen.values())
        hans = seen[(RETURNING_NAME, "Ben Cole")]
        assert hans.requested and not hans.first_visit

        for (name, phone), owner in zip(WALK_INS, ("Anna Berg", "Ben Cole"), strict=True):
            (found,) = customers.search(ctx, name)
            assert (found.owner, found.phone) == (owner, f"+86{phone}")
        assert [c.owner for c in customers.search(ctx, RETURNING_NAME)] == ["Ben Cole"]
    finally:
        ctx.db.close()
    assert time.monotonic() - started < 90
