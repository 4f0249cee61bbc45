"""``kill -9`` at random moments while a window writes, then count what was lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import select

from deskterm.reliability.setup import fresh_shop, shop_clock
from deskterm.services.maintenance import check, health, open_context
from deskterm.storage.models import Reception


@dataclass
class Outcome:
    """What a trial did and found."""

    rounds: int = 0
    operations: int = 0  # commits the killed windows reported
    lost: int = 0  # reported commits not found afterwards
    failed_checks: int = 0  # rounds after which `deskterm check` found a problem
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None  # why the trial could not be run here (never faked)


def _run_writer(db: Path, kill_after: float) -> list[str]:
    """Start a writer, kill -9 it ``kill_after`` seconds after it is ready; its lines."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "deskterm.reliability.writer", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("ready"):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not ready.wait(timeout=60):
        proc.kill()
        err = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"the writer never got ready: {err[-2000:]}")
    time.sleep(kill_after)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    reader.join(timeout=30)
    return lines


def crash_trial(folder: Path, rounds: int, seed: int = 1) -> Outcome:
    """Kill a writing window ``rounds`` times on one file; after each kill the file must
    pass the checks and hold every reception the window reported committed."""
    rng = random.Random(seed)
    db = fresh_shop(folder / "crash.db")
    out = Outcome()
    reported: dict[int, int | None] = {}  # reception id -> customer id (None: no form yet)
    for _ in range(rounds):
        lines = _run_writer(db, rng.uniform(0.02, 0.6))
        for line in lines:
            parts = line.split()
            if parts[0] == "reception":
                reported.setdefault(int(parts[1]), None)
            elif parts[0] == "form":
                reported[int(parts[1])] = int(parts[2])
        out.rounds += 1
        ctx = open_context(db, shop_clock(), start_of_day=True)
        try:
            problem = health(ctx)
            problems = check(ctx)
            if problem or problems:
                out.failed_checks += 1
                out.notes.append(problem or "; ".join(p.detail for p in problems[:3]))
            with ctx.db.read() as s:
                rows = {r.id: r.customer_id for r in s.exec(select(Reception)).all()}
        finally:
            ctx.db.close()
        for rid, cid in reported.items():
            if rid not in rows or (cid is not None and rows[rid] != cid):
                out.lost += 1
                out.notes.append(f"reception {rid} reported committed, not found")
    # Each reported commit counted once, however many later kills it survived.
    out.operations = len(reported) + sum(1 for c in reported.values() if c is not None)
    return out
