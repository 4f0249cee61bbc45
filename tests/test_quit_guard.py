"""Ctrl+Q with a half-typed form asks first (found by a tester: it quit at once and
the walk-in's form was lost, the reception left unsaved)."""

from __future__ import annotations

from deskterm.services import rotation
from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import ConfirmScreen
from deskterm.ui.screens.form import ReceptionFormScreen
from tests.ui_helpers import settle, wait_for


async def test_ctrl_q_with_a_typed_form_asks_and_no_keeps_every_key(ctx, team):
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        await pilot.press(*"[/b] Quit", "enter", *"13800001111")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.is_running
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is form)
        assert form.query_one("#name").value == "[/b] Quit"
        assert form.query_one("#phone").value == "13800001111"
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running)


async def test_ctrl_q_with_nothing_typed_quits_at_once(ctx, team):
    rotation.check_in(ctx, team.wang)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running)


async def test_an_open_desk_says_when_the_file_was_restored_under_it(ctx, team, tmp_path):
    """Found by a tester: `deskterm restore --yes` with a desk open — the walk-ins made
    since the backup vanished from the board without a word."""
    import os
    import subprocess
    import sys

    from deskterm.services import backups

    rotation.check_in(ctx, team.wang)
    made = backups.backup_now(ctx)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        rotation.walk_in(ctx)  # after the backup
        await wait_for(pilot, lambda: app.seen_version is not None)
        r = subprocess.run(
            [sys.executable, "-m", "deskterm", "--db", str(ctx.db.path), "restore", str(made)]
            + ["--yes"],
            capture_output=True,
            text=True,
            env={**os.environ, "HOME": str(tmp_path), "DESKTERM_LANG": "en"},
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        await wait_for(
            pilot,
            lambda: any("older state" in str(n.message) for n in app._notifications),
            timeout=10,
        )
