"""The Reception screen reads the database again only when something was committed (or,
for the rules that turn with the clock, every RELOAD_SECONDS): an open desk idle on a
dealer group's server costs one round trip a second, not a reload a second (issue 24).
The minutes shown still move every second, from what was read last."""

from __future__ import annotations

from deskterm.services import rotation, setup
from deskterm.ui import app as app_module
from deskterm.ui.app import create_app
from deskterm.ui.screens.reception import ReceptionScreen
from tests.ui_helpers import demo_ctx, wait_for


async def test_an_idle_desk_does_not_reload_and_a_commit_reloads_it(tmp_path, monkeypatch):
    reads: list[int] = []
    real_read = ReceptionScreen._read

    def counted(self):
        reads.append(1)
        return real_read(self)

    monkeypatch.setattr(ReceptionScreen, "_read", counted)
    # The start-of-day checks write (a day closed, escalations) and so reload once: later.
    monkeypatch.setattr(app_module, "START_CHECKS_DELAY", 3600)
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReceptionScreen)
        await wait_for(pilot, lambda: screen.board is not None)
        await pilot.pause(0.5)
        settled = len(reads)
        await pilot.pause(2.5)  # two and a half seconds with nothing committed
        assert len(reads) == settled
        # Another window checks a salesperson in: this desk shows it within a second.
        other = [m for m in screen.board.members if m.state == "off"]
        sid = other[0].salesperson_id if other else setup.list_staff(ctx, "salesperson")[0].id
        rotation.check_in(ctx, sid)
        await wait_for(pilot, lambda: len(reads) > settled, timeout=3)
    ctx.db.close()
