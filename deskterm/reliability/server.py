"""A PostgreSQL server stopped and started under an open window.

A private cluster of the trial's own (its folder, its port, a password) is started as
user ``postgres`` and stopped mid-work: the shared server others use is never touched.
Saves while it is down must be refused with the steady "cannot reach" message, none
reported done; after it is back, every save must work and every save reported done
must be there. Without the server binaries (or root to run them as ``postgres``) the
trial is not run, and says so.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import select

from deskterm.errors import RuleViolation, StorageError
from deskterm.reliability.crash import Outcome
from deskterm.reliability.setup import shop_clock
from deskterm.services import reception, rotation, setup
from deskterm.services.context import Context
from deskterm.services.maintenance import check, open_context
from deskterm.services.reception import ReceptionForm
from deskterm.storage.models import Customer, Reception

SAVES = 3  # saves tried before, during and after each outage
DOWN = "Cannot reach the database server"  # the steady message's start
PASSWORD = "rel-Trial-pw"


def _pg_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    return found[0] if found else ""


def unavailable() -> str | None:
    """Why a private server cannot be run here, or None."""
    if not _pg_bin():
        return "no PostgreSQL server"
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        return "no PostgreSQL server (needs root and runuser to run one)"
    try:
        import pwd

        import psycopg  # noqa: F401

        pwd.getpwnam("postgres")
    except (ImportError, KeyError):
        return "no PostgreSQL server (no driver or no postgres user)"
    return None


class PrivateServer:
    """A throw-away cluster; ``stop()`` and ``start()`` it at will."""

    def __init__(self) -> None:
        import pwd

        pg = pwd.getpwnam("postgres")
        self.bin = _pg_bin()
        self.root = tempfile.mkdtemp(prefix="deskterm-rel-pg-", dir="/tmp")
        os.chown(self.root, pg.pw_uid, pg.pw_gid)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        pwfile = os.path.join(self.root, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD)
        os.chown(pwfile, pg.pw_uid, pg.pw_gid)
        self.data = os.path.join(self.root, "data")
        self._run(
            f"{self.bin}/initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "--pwfile",
            pwfile,
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
        )
        self.address = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def _run(*args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=120
        )

    def start(self) -> None:
        self._run(
            f"{self.bin}/pg_ctl",
            "-D",
            self.data,
            "-w",
            "-l",
            os.path.join(self.root, "log"),
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1",
            "start",
        )

    def stop(self) -> None:
        self._run(f"{self.bin}/pg_ctl", "-D", self.data, "-w", "-m", "fast", "stop")

    def remove(self) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", f"{self.bin}/pg_ctl", "-D", self.data]
            + ["-m", "immediate", "stop"],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def private_server() -> Iterator[PrivateServer]:
    """A started private cluster, removed afterwards."""
    server = PrivateServer()
    try:
        server.start()
        yield server
    finally:
        server.remove()


def _save(ctx: Context, n: int) -> list[tuple[str, int]]:
    """A walk-in, its form, and the salesperson free again; each commit as it returns."""
    done: list[tuple[str, int]] = []
    board = rotation.get_board(ctx)
    if not any(m.state == "ready" for m in board.members):
        for m in board.members:
            if m.state == "with_customer":
                rotation.done(ctx, m.salesperson_id)
    a = rotation.walk_in(ctx)
    done.append(("reception", a.reception_id))
    saved = reception.save_form(
        ctx,
        a.reception_id,
        ReceptionForm(name=f"Server {n}", phone=f"137{n:08d}", purchase_horizon="1m"),
    )
    if saved.customer_id is not None:
        done.append(("customer", saved.customer_id))
    rotation.done(ctx, a.salesperson_id)
    return done


def server_trial(folder: Path, rounds: int) -> Outcome:
    """``rounds`` outages of a real server under one open window."""
    out = Outcome()
    why = unavailable()
    if why:
        out.skipped = why
        return out
    refused = 0
    with private_server() as server:
        ctx = open_context(server.address, shop_clock())
        try:
            setup.add_staff(ctx, "Boss", "manager", "senior")
            for i in range(4):
                rotation.check_in(ctx, setup.add_staff(ctx, f"Seller {i + 1}", "salesperson").id)
            reported: list[tuple[str, int]] = []
            n = 0
            for _ in range(rounds):
                out.rounds += 1
                for _ in range(SAVES):  # before
                    n += 1
                    reported += _save(ctx, n)
                server.stop()
                for _ in range(SAVES):  # while it is down: refused, never reported done
                    n += 1
                    try:
                        done = _save(ctx, n)
                    except StorageError as exc:
                        refused += 1
                        if not exc.msgid.startswith(DOWN):
                            out.failed_checks += 1
                            out.notes.append(f"while down: {exc}")
                        if PASSWORD in str(exc) or PASSWORD in exc.message:
                            out.failed_checks += 1
                            out.notes.append("the password was in the message")
                    except RuleViolation as exc:
                        out.failed_checks += 1
                        out.notes.append(f"while down: {exc}")
                    else:
                        reported += done
                        out.failed_checks += 1
                        out.notes.append("a save was reported done while the server was down")
                server.start()
                for _ in range(SAVES):  # back: every save works at once
                    n += 1
                    try:
                        reported += _save(ctx, n)
                    except StorageError as exc:
                        out.failed_checks += 1
                        out.notes.append(f"after the restart: {exc}")
                with ctx.db.read() as s:
                    receptions = {r.id for r in s.exec(select(Reception)).all()}
                    customers = {c.id for c in s.exec(select(Customer)).all()}
                missing = [
                    (kind, i)
                    for kind, i in reported
                    if i not in (receptions if kind == "reception" else customers)
                ]
                out.lost = len(missing)
            out.operations = len(reported) + refused
            problems = check(ctx)
            if problems:
                out.failed_checks += 1
                out.notes.append("; ".join(p.detail for p in problems[:3]))
        finally:
            ctx.db.close()
    out.notes.append(
        f"{refused} saves tried while the server was stopped were refused with "
        '"cannot reach the database server"; every save after it was started again worked'
    )
    return out
