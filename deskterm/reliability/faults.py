"""Faults on purpose: a full disk mid-work, a damaged file restored from its backup."""

from __future__ import annotations

import os
import random
from datetime import datetime
from pathlib import Path

from sqlalchemy import event
from sqlmodel import select

from deskterm.errors import StorageError
from deskterm.reliability.crash import Outcome
from deskterm.reliability.setup import fresh_shop, shop_clock
from deskterm.services import backups, reception, rotation, setup
from deskterm.services.context import Context
from deskterm.services.maintenance import check, open_context
from deskterm.services.reception import ReceptionForm
from deskterm.storage import files
from deskterm.storage.models import Reception


def _receive(ctx: Context, n: int) -> int:
    """One walk-in with a saved form; the reception id once committed."""
    board = rotation.get_board(ctx)
    if not any(m.state == "ready" for m in board.members):
        for m in board.members:
            if m.state == "with_customer":
                rotation.done(ctx, m.salesperson_id)
    a = rotation.walk_in(ctx)
    reception.save_form(
        ctx,
        a.reception_id,
        ReceptionForm(
            name=f"Fault {n} " + "x" * 25,
            phone=f"136{n:08d}",
            purchase_horizon="1m",
            model_interest="M" * 40,
        ),
    )
    return a.reception_id


def _start(path: Path) -> Context:
    ctx = open_context(path, shop_clock())
    for p in setup.list_staff(ctx, "salesperson"):
        rotation.check_in(ctx, p.id)
    return ctx


def _present(ctx: Context) -> set[int]:
    with ctx.db.read() as s:
        return {r.id for r in s.exec(select(Reception)).all() if r.id is not None}


def full_disk_trial(folder: Path, rounds: int) -> Outcome:
    """Fill the disk while receiving; every save before "disk full" must be there after."""
    out = Outcome()
    for r in range(rounds):
        path = fresh_shop(folder / f"full-{r}.db")
        ctx = _start(path)
        committed = [_receive(ctx, r * 1000 + i) for i in range(5)]
        ctx.db.engine.dispose()

        def full(dbapi_con, _record) -> None:  # type: ignore[no-untyped-def]
            pages = dbapi_con.execute("PRAGMA page_count").fetchone()[0]
            dbapi_con.execute(f"PRAGMA max_page_count = {pages}")

        event.listen(ctx.db.engine, "connect", full)
        refused = False
        try:
            for i in range(5, 2000):
                committed.append(_receive(ctx, r * 1000 + i))
        except StorageError as exc:
            refused = "disk is full" in exc.message
        event.remove(ctx.db.engine, "connect", full)
        ctx.db.engine.dispose()
        out.rounds += 1
        out.operations += len(committed)
        if not refused:
            out.failed_checks += 1
            out.notes.append("the full disk was not reported as such")
        problems = check(ctx)
        if problems:
            out.failed_checks += 1
            out.notes.append("; ".join(p.detail for p in problems[:3]))
        lost = set(committed) - _present(ctx)
        out.lost += len(lost)
        ctx.db.close()
    return out


def damage_trial(folder: Path, rounds: int, seed: int = 2) -> Outcome:
    """Back up, keep working, damage the file at random; detect it and restore: everything
    up to the backup must come back, and the damaged file must be kept."""
    rng = random.Random(seed)
    out = Outcome()
    for r in range(rounds):
        path = fresh_shop(folder / f"damage-{r}" / "shop.db")
        ctx = _start(path)
        before = [_receive(ctx, r * 1000 + i) for i in range(40)]
        backups.backup_now(ctx)
        for i in range(40, 45):
            _receive(ctx, r * 1000 + i)
        ctx.db.checkpoint()
        ctx.db.close()
        size = path.stat().st_size
        with path.open("r+b") as f:
            f.seek(rng.randrange(0, size - 4096))
            f.write(os.urandom(4096))
        out.rounds += 1
        problem = files.health(path)
        if problem is None:
            # Damage that only hit unused space: nothing to restore, nothing lost.
            out.notes.append("damage fell in unused space (file still sound)")
            out.operations += len(before)
            continue
        damaged = path.read_bytes()
        _used, kept = backups.restore(path, None, datetime(2026, 3, 2, 12, r % 60))
        if kept is None or kept.read_bytes() != damaged:
            out.failed_checks += 1
            out.notes.append("the damaged file was not kept as it was")
        ctx = open_context(path, shop_clock(), start_of_day=False)
        try:
            if check(ctx):
                out.failed_checks += 1
            out.lost += len(set(before) - _present(ctx))
            out.operations += len(before)
        finally:
            ctx.db.close()
    return out
