"""Three kinds of window on one file at once, as separate processes.

Two receptions press next-up at the same instant, a salesperson ticks callbacks, a
manager reassigns and reads the report. Counted: errors shown to a user (a lock
error among them), salespeople given two customers at once, commits lost.
"""

from __future__ import annotations

import multiprocessing as mp
from datetime import date
from pathlib import Path

from deskterm.reliability.crash import Outcome
from deskterm.reliability.setup import fresh_shop, shop_clock
from deskterm.services import callbacks, customers, reception, rotation, setup
from deskterm.services.maintenance import check, open_context
from deskterm.services.reception import ReceptionForm
from deskterm.services.report import daily_report

WINDOWS = (("reception", 6), ("reception", 6), ("salesperson", 8), ("manager", 8))


def _window(path: str, role: str, barrier, results, rounds: int) -> None:
    """One process = one window. Every exception is sent back to be counted."""
    ctx = open_context(Path(path), shop_clock(), start_of_day=False)
    out: list[int] = []
    try:
        barrier.wait(timeout=60)
        for i in range(rounds):
            if role == "reception":
                out.append(rotation.walk_in(ctx).salesperson_id)
            elif role == "salesperson":
                people = setup.list_staff(ctx, "salesperson")
                for cb in callbacks.due_callbacks(
                    ctx, people[i % len(people)].id, date(2026, 3, 31)
                )[:1]:
                    callbacks.complete_callback(ctx, cb.id, "reached", note=f"call {i}")
                    out.append(cb.id)
            elif role == "manager":
                found = customers.search(ctx, "Seed")
                if found:
                    c = found[i % len(found)]
                    to = next(
                        p.id for p in setup.list_staff(ctx, "salesperson") if p.id != c.owner_id
                    )
                    customers.reassign(ctx, c.id, to, "meeting")
                out.append(daily_report(ctx).team.receptions)
        results.put((role, out, None))
    except Exception as exc:  # counted by the parent: an error a user would have seen
        results.put((role, out, repr(exc)))
    finally:
        ctx.db.close()


def _seed(path: Path) -> int:
    ctx = open_context(path, shop_clock())
    try:
        for p in setup.list_staff(ctx, "salesperson"):
            rotation.check_in(ctx, p.id)
        for i in range(8):  # customers with callbacks for the salesperson and the manager
            a = rotation.walk_in(ctx)
            reception.save_form(
                ctx,
                a.reception_id,
                ReceptionForm(name=f"Seed {i}", phone=f"1390000{i:04d}", purchase_horizon="1m"),
            )
            rotation.done(ctx, a.salesperson_id)
        return daily_report(ctx).team.receptions
    finally:
        ctx.db.close()


def windows_trial(folder: Path, rounds: int) -> Outcome:
    """Run the four windows together ``rounds`` times, each on a fresh file."""
    out = Outcome()
    m = mp.get_context("spawn")
    for r in range(rounds):
        path = fresh_shop(folder / f"windows-{r}.db", salespeople=16)
        seeded = _seed(path)
        barrier, results = m.Barrier(len(WINDOWS)), m.Queue()
        procs = [
            m.Process(target=_window, args=(str(path), role, barrier, results, n))
            for role, n in WINDOWS
        ]
        for p in procs:
            p.start()
        reports = [results.get(timeout=180) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        out.rounds += 1
        for role, done, err in reports:
            out.operations += len(done)
            if err:
                out.failed_checks += 1
                out.notes.append(f"{role}: {err}")
        taken = [sid for role, done, _e in reports if role == "reception" for sid in done]
        if len(set(taken)) != len(taken):
            out.lost += len(taken) - len(set(taken))
            out.notes.append("a salesperson was given two walk-ins at once")
        ctx = open_context(path, shop_clock(), start_of_day=False)
        try:
            problems = check(ctx)
            if problems:
                out.failed_checks += 1
                out.notes.append("; ".join(p.detail for p in problems[:3]))
            missing = seeded + len(taken) - daily_report(ctx).team.receptions
            if missing:
                out.lost += missing
                out.notes.append(f"{missing} walk-ins lost")
        finally:
            ctx.db.close()
    return out
