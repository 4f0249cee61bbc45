"""The database file renamed, replaced or deleted under two open windows.

Every save a window reports done must be in the file at the path afterwards (or, for a
deleted file, in the file as it was at the swap); every save after the swap must be
refused, never written into the old file. Run as ``python -m deskterm.reliability.swap
DB TAG`` for one window: it prints ``ready``, then ``reception ID`` / ``form ID`` after
each commit returned, ``refused`` for each save refused because the file was swapped,
and stops after a few refusals (or when told to, by a file ``stop`` beside the database:
a window that never noticed the swap).
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlmodel import select

from deskterm.errors import DesktermError, RuleViolation, StorageError
from deskterm.reliability.crash import Outcome
from deskterm.reliability.setup import fresh_shop, shop_clock
from deskterm.services import reception, rotation, setup
from deskterm.services.maintenance import check, open_context
from deskterm.services.reception import ReceptionForm
from deskterm.storage import files
from deskterm.storage.models import Customer, Reception

KINDS = ("rename", "replace", "delete")
REFUSALS = 5  # refused saves each window must see before it stops
NOTICE_WITHIN = 20.0  # seconds a window has to see the swap before it is told to stop
SWAPPED = "replaced or removed"  # in the message of a save refused for a swapped file


def window(path: str, tag: str) -> int:
    """One window saving walk-ins and forms until the file is swapped under it."""
    ctx = open_context(Path(path), shop_clock(), start_of_day=False)
    refused, n = 0, 0
    stop = Path(path).with_name("stop")
    print("ready", flush=True)
    try:
        while refused < REFUSALS and not stop.exists():
            n += 1
            try:
                a = rotation.walk_in(ctx)
                print(f"reception {a.reception_id}", flush=True)
                reception.save_form(
                    ctx,
                    a.reception_id,
                    ReceptionForm(
                        name=f"Swap {tag} {n}", phone=f"135{tag}{n:07d}", purchase_horizon="1m"
                    ),
                )
                print(f"form {a.reception_id} Swap {tag} {n}", flush=True)
                rotation.done(ctx, a.salesperson_id)
            except RuleViolation:
                # Everybody busy (the other window's walk-ins): free them and go on.
                for m in rotation.get_board(ctx).members:
                    if m.state == "with_customer":
                        rotation.done(ctx, m.salesperson_id)
            except StorageError as exc:
                if SWAPPED not in exc.msgid:
                    print(f"error {exc}", flush=True)
                    return 1
                refused += 1
                print("refused", flush=True)
            time.sleep(0.002)  # a shop's pace, not a loop that starves the other window
    except DesktermError as exc:
        print(f"error {exc!r}", flush=True)
        return 1
    finally:
        ctx.db.close()
    return 0


def _start_window(
    db: Path, tag: str
) -> tuple[subprocess.Popen[str], list[str], threading.Event, threading.Thread]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "deskterm.reliability.swap", str(db), tag],
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
    return proc, lines, ready, reader


def _swap(path: Path, kind: str, snapshot: Path) -> None:
    """Swap the file while holding its write lock, as a careful tool would: every commit
    is then clearly before the swap (and in ``snapshot``) or after it."""
    lock = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
        files.online_copy(path, snapshot)  # the data as it was at the swap
        if kind == "rename":  # moved aside (with its -wal and -shm), a copy put back
            files.set_aside(path, "aside")
            os.link(snapshot, path)
        elif kind == "replace":  # another file dropped over it
            fresh = path.with_name("replacement.db")
            os.link(snapshot, fresh)
            os.replace(fresh, path)
        else:  # deleted, with its -wal and -shm
            for side in ("", *files.SIDECARS):
                path.with_name(path.name + side).unlink(missing_ok=True)
        lock.execute("ROLLBACK")
    finally:
        lock.close()


def _contents(path: Path) -> tuple[set[int], set[str]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        receptions = {r for (r,) in con.execute("SELECT id FROM reception")}
        names = {n for (n,) in con.execute("SELECT name FROM customer")}
    finally:
        con.close()
    return receptions, names


def _reopen(path: Path, kind: str, out: Outcome) -> None:
    """Reopened, the file at the path is sound and takes saves again."""
    try:
        ctx = open_context(path, shop_clock(), start_of_day=False)
    except DesktermError as exc:
        out.failed_checks += 1
        out.notes.append(f"{kind}: cannot reopen: {exc}")
        return
    try:
        problems = check(ctx)
        a = rotation.walk_in(ctx)
        with ctx.db.read() as s:
            kept = s.get(Reception, a.reception_id) is not None
            kept = kept and bool(s.exec(select(Customer)).first())
        if problems or not kept:
            out.failed_checks += 1
            out.notes.append(f"{kind}: after reopening: {[p.detail for p in problems][:2]}")
    except DesktermError as exc:
        out.failed_checks += 1
        out.notes.append(f"{kind}: after reopening: {exc}")
    finally:
        ctx.db.close()


def swap_trial(folder: Path, rounds: int, seed: int = 4) -> Outcome:
    """``rounds`` swaps (rename, replace, delete in turn) under two writing windows."""
    rng = random.Random(seed)
    out = Outcome()
    refused_total = 0
    for r in range(rounds):
        kind = KINDS[r % len(KINDS)]
        path = fresh_shop(folder / f"swap-{r}" / "shop.db")
        ctx = open_context(path, shop_clock())
        for p in setup.list_staff(ctx, "salesperson"):
            rotation.check_in(ctx, p.id)
        ctx.db.close()
        started = [_start_window(path, tag) for tag in ("1", "2")]
        for proc, _lines, ready, _reader in started:
            if not ready.wait(timeout=120):
                proc.kill()
                raise RuntimeError("a window never got ready")
        time.sleep(rng.uniform(0.05, 0.5))
        snapshot = path.with_name("at-the-swap.db")
        _swap(path, kind, snapshot)
        out.rounds += 1
        receptions: set[int] = set()
        forms: set[str] = set()
        deadline = time.monotonic() + NOTICE_WITHIN
        for proc, lines, _ready, reader in started:
            try:
                code = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                path.with_name("stop").touch()  # it never noticed: stop it, count it
                try:
                    code = proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    code = proc.wait()
            reader.join(timeout=30)  # every line the window printed
            errors = [line for line in lines if line.startswith("error")]
            refused = sum(line == "refused" for line in lines)
            refused_total += refused
            if code != 0 or errors or refused < REFUSALS:
                out.failed_checks += 1
                err = proc.stderr.read()[-300:] if proc.stderr else ""
                out.notes.append(
                    f"{kind}: window exited {code}, {refused} refused {errors[:1]}{err}"
                )
            for line in lines:
                parts = line.split(" ", 2)
                if parts[0] == "reception":
                    receptions.add(int(parts[1]))
                elif parts[0] == "form":
                    forms.add(parts[2])
        # The file at the path afterwards: the copy put back (rename, replace); for a
        # deleted file, the file as it was at the swap. A save reported done and not in it
        # went into the old file after the swap: lost.
        if kind == "delete" and path.exists():
            out.failed_checks += 1
            out.notes.append("delete: a window made a new file at the path")
        where = snapshot if kind == "delete" else path
        try:
            found_receptions, found_names = _contents(where)
        except sqlite3.Error as exc:  # unreadable: nothing reported done can be found
            found_receptions, found_names = set(), set()
            out.failed_checks += 1
            out.notes.append(f"{kind}: the file at the path cannot be read: {exc}")
        missing = (receptions - found_receptions) | {f"form {n}" for n in forms - found_names}
        out.operations += len(receptions) + len(forms)
        if missing:
            out.lost += len(missing)
            out.notes.append(
                f"{kind}: reported saved, not in the file: {sorted(map(str, missing))[:3]}"
            )
        if kind != "delete":
            _reopen(path, kind, out)
    out.notes.append(
        f"{refused_total} saves tried after the swap were refused, as they should be "
        f"({REFUSALS} per window)"
    )
    return out


if __name__ == "__main__":
    sys.exit(window(sys.argv[1], sys.argv[2]))
