"""The demo generator is deterministic and the committed sample is what it promises."""

import hashlib
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from deskterm.demo.generate import generate

SAMPLE = Path(__file__).resolve().parents[1] / "deskterm.db.sample"


def _content(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(con.iterdump()).encode()).hexdigest()
    finally:
        con.close()


def test_generator_is_deterministic(tmp_path):
    a = generate(tmp_path / "a.db", days=4, now=datetime(2026, 3, 2, 10, 40))
    b = generate(tmp_path / "b.db", days=4, now=datetime(2026, 3, 2, 10, 40))
    assert _content(a) == _content(b)
    assert not Path(f"{a}-wal").exists()


def test_committed_sample_is_a_realistic_showroom():
    # Small enough to commit: v4's search and report indexes took it just over 5 MB, the
    # audit chain (v5: two SHA-256 hex digests on each of ~12,000 rows) and v6's history
    # indexes to about 7.3 MB; issue 19's traffic log (appointments, ~5,000 ticked steps,
    # waiting visitors, a visit's times and party) to about 9 MB, where the limit moved
    # from 8 MiB to 10: the steps are the data the Funnel and Coaching tabs exist to show.
    assert SAMPLE.stat().st_size < 10 * 1024 * 1024
    assert not Path(f"{SAMPLE}-wal").exists() and not Path(f"{SAMPLE}-shm").exists()
    con = sqlite3.connect(f"file:{SAMPLE}?mode=ro&immutable=1", uri=True)
    q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
    roles = dict(q("SELECT role, count(*) FROM staff GROUP BY role"))
    assert roles["salesperson"] == 8 and roles["manager"] == 1 and roles["receptionist"] == 1
    assert {s for (s,) in q("SELECT seniority FROM staff WHERE role='salesperson'")} == {
        "junior",
        "senior",
    }
    first, last = q("SELECT min(day), max(day) FROM reception")[0]
    assert (datetime.fromisoformat(last) - datetime.fromisoformat(first)).days >= 170
    channels = {c for (c,) in q("SELECT DISTINCT channel FROM reception")}
    assert channels >= {"walk_in", "phone", "online"}
    assert q("SELECT count(*) FROM reception WHERE no_contact_reason IS NOT NULL")[0][0] > 50
    assert q("SELECT count(*) FROM companion")[0][0] > 100
    assert q("SELECT count(*) FROM reception WHERE test_drive")[0][0] > 100
    statuses = dict(q("SELECT status, count(*) FROM customer GROUP BY status"))
    assert all(statuses.get(s, 0) > 0 for s in ("active", "at_risk", "lost", "won", "marketing"))
    assert q("SELECT count(DISTINCT lost_reason) FROM customer WHERE status='lost'")[0][0] >= 5
    outcomes = {o for (o,) in q("SELECT DISTINCT outcome FROM callback WHERE status='done'")}
    assert outcomes == {"reached", "no_answer", "appointment", "won", "lost"}
    assert q("SELECT count(*) FROM level_change WHERE from_level IS NOT NULL")[0][0] > 50
    names = [n for (n,) in q("SELECT name FROM customer")]
    assert any(n.isascii() for n in names) and any(not n.isascii() for n in names)
    assert q("PRAGMA journal_mode")[0][0] != "wal"
    con.close()


# Seeds and day counts that stopped the generator ("Already handed back…": a pool
# customer handed back twice in one week) before it chose only ones not handed back yet.
@pytest.mark.parametrize(("seed", "days"), [(1, 10), (8, 10), (7, 1), (3, 3), (20261120, 2)])
def test_generator_works_for_any_seed_and_day_count(tmp_path, seed, days):
    out = generate(tmp_path / "demo.db", seed=seed, days=days)
    con = sqlite3.connect(out)
    try:
        first, last = con.execute("SELECT min(day), max(day) FROM reception").fetchone()
    finally:
        con.close()
    assert (datetime.fromisoformat(last) - datetime.fromisoformat(first)).days <= days


def test_demo_generate_never_replaces_a_file_unless_forced(tmp_path, monkeypatch, capsys):
    from deskterm.cli.main import main

    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "deskterm.db.sample"  # the default --out, in the current folder
    mine.write_bytes(b"a shop's own copy")
    assert main(["demo", "generate", "--days", "1"]) == 1
    err = capsys.readouterr().err
    assert "already exists: nothing was written" in err and "--force" in err
    assert mine.read_bytes() == b"a shop's own copy"
    assert main(["demo", "generate", "--days", "1", "--force"]) == 0
    assert mine.read_bytes().startswith(b"SQLite format 3")
    out = tmp_path / "new.db"
    assert main(["demo", "generate", "--days", "1", "--out", str(out), "--seed", "7"]) == 0
    assert out.read_bytes().startswith(b"SQLite format 3")
