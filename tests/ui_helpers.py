"""Helpers for driving the app headless: wait for conditions instead of sleeping."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from dateutil import parser
from textual.worker import WorkerCancelled

from deskterm.clock import FixedClock
from deskterm.services.maintenance import open_context

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "deskterm.db.sample"
DEMO_NOW = "2026-11-20T10:40+08:00"


def demo_ctx(tmp_path: Path):
    """A private copy of the demo sample, on the sample's own today."""
    p = tmp_path / "demo.db"
    shutil.copy(SAMPLE, p)
    return open_context(p, FixedClock(parser.isoparse(DEMO_NOW)))


async def settle(pilot) -> None:
    """Let workers finish and their messages land.

    A dialog's save worker is cancelled with its screen once it has dismissed it;
    that cancellation is expected here, so waiting moves on.
    """
    for _ in range(3):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            await pilot.pause()
            continue
        await pilot.pause()


async def wait_for(pilot, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` while the app runs; fail with a clear message on time-out."""
    waited = 0.0
    while not predicate():
        if waited >= timeout:
            raise AssertionError(f"condition not met within {timeout}s")
        await pilot.pause(0.05)
        waited += 0.05


def table_rows(screen, selector: str) -> list[list[str]]:
    """Plain text of a DataTable's rows."""
    table = screen.query_one(selector)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


#: Shops generated in this test session, by (seed, days): one generation (half a minute
#: on a busy PC) serves every module that witnesses figures on it.
_GENERATED: dict[tuple[int, int], Path] = {}


def generated_copy(spec: str, into: Path, now) -> Path:  # type: ignore[no-untyped-def]
    """A copy at ``into`` of the shop ``deskterm demo generate`` makes for ``spec``
    ("SEED:DAYS") with today ``now``; generated once per test session."""
    from deskterm.demo.generate import generate

    seed, days = (int(x) for x in spec.split(":"))
    made = _GENERATED.get((seed, days))
    if made is None or not made.exists():
        made = into.with_name(f"generated-{seed}-{days}.db")
        generate(made, seed=seed, days=days, now=now)
        _GENERATED[(seed, days)] = made
    shutil.copyfile(made, into)
    return into
