"""The CLI end to end: real subprocesses where the exit code and stderr matter."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deskterm.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "deskterm.db.sample"


def run(*args, env=None, cwd=None):
    e = {**os.environ, "DESKTERM_LANG": "en", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args],
        capture_output=True,
        text=True,
        env=e,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def sample_copy(tmp_path):
    p = tmp_path / "copy.db"
    shutil.copy(SAMPLE, p)
    return p


def test_report_json_contract_on_the_sample(sample_copy):
    r = run(
        "--db",
        str(sample_copy),
        "report",
        "--format",
        "json",
        env={"DESKTERM_NOW": "2026-11-20T17:00"},
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["date"] == "2026-11-20"
    assert set(data["receptions"]) >= {"total", "with_contact", "without_contact", "by_channel"}
    assert set(data["callbacks"]) == {"due", "done", "overdue"}
    person = data["salespeople"][0]
    assert set(person) >= {
        "name",
        "receptions",
        "hot",
        "warm",
        "cold",
        "callbacks_due",
        "callbacks_done",
        "upgrades",
        "won",
        "conversion_rate",
        "form_completeness",
    }
    assert {"salesperson", "callbacks"} <= set(data["tomorrow"][0])
    assert isinstance(data["at_risk"], list) and isinstance(data["to_reassign"], list)
    # non-zero figures: the sample is a living showroom
    assert data["receptions"]["total"] > 0 and data["callbacks"]["due"] > 0
    assert sum(p["hot"] for p in data["salespeople"]) > 0
    assert data["at_risk"] and data["to_reassign"]


def test_report_of_an_earlier_day_has_done_callbacks_and_upgrades(sample_copy):
    r = run(
        "--db",
        str(sample_copy),
        "report",
        "--date",
        "2026-11-19",
        "--format",
        "json",
        env={"DESKTERM_NOW": "2026-11-20T17:00"},
    )
    data = json.loads(r.stdout)
    assert data["callbacks"]["done"] > 0 and data["receptions"]["total"] > 0


def test_staff_add_list_deactivate(tmp_path):
    db = str(tmp_path / "x.db")
    assert run("--db", db, "staff", "add", "王伟", "--role", "salesperson").returncode == 0
    r = run("--db", db, "staff", "list", "--format", "json")
    assert json.loads(r.stdout)[0]["name"] == "王伟"
    r = run("--db", db, "staff", "add", "王伟", "--role", "salesperson")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert run("--db", db, "staff", "deactivate", "王伟").returncode == 0
    assert json.loads(run("--db", db, "staff", "list", "--format", "json").stdout) == []


@pytest.mark.parametrize(
    "args,code",
    [
        (["report", "--date", "2026-02-30"], 2),
        (["report", "--format", "xml"], 2),
        (["staff", "add", "X", "--role", "pilot"], 2),
        (["nonsense"], 2),
        (["settings", "set", "rotation.mode", "random"], 2),
        (["staff", "deactivate", "nobody"], 1),
    ],
)
def test_bad_input_gets_one_line_and_an_exit_code(tmp_path, args, code):
    r = run("--db", str(tmp_path / "x.db"), *args)
    assert r.returncode == code, r.stderr
    assert r.stderr.strip().count("\n") == 0 and r.stderr.startswith("deskterm: ")
    assert "Traceback" not in r.stderr


def test_bad_now_and_broken_database_are_one_line(tmp_path):
    r = run("--db", str(tmp_path / "x.db"), "report", env={"DESKTERM_NOW": "yesterday-ish"})
    assert r.returncode == 2 and "DESKTERM_NOW" in r.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"x" * 4096)
    r = run("--db", str(junk), "check")
    assert r.returncode == 1 and "not a deskterm database" in r.stderr
    assert "Traceback" not in r.stderr


def test_check_and_backup(sample_copy, tmp_path):
    assert run("--db", str(sample_copy), "check").returncode == 0
    dest = tmp_path / "bk.db"
    r = run("--db", str(sample_copy), "backup", str(dest))
    assert r.returncode == 0 and dest.exists()
    assert run("--db", str(dest), "check").returncode == 0
    assert run("--db", str(sample_copy), "backup", str(dest)).returncode == 1  # no overwrite


def test_default_database_is_created_in_the_user_data_folder(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    env.pop("DESKTERM_DB", None)
    r = run("staff", "list", env=env)
    assert r.returncode == 0, r.stderr
    created = tmp_path / "data" / "deskterm" / "deskterm.db"
    assert created.exists() and oct(created.stat().st_mode & 0o777) == "0o600"


def test_demo_uses_a_copy_and_the_samples_today(tmp_path):
    before = SAMPLE.read_bytes()
    r = run("--demo", "report", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["date"] == "2026-11-20"
    r = run("--demo", "report", "--format", "json", env={"DESKTERM_NOW": "2026-11-19T18:00"})
    assert json.loads(r.stdout)["date"] == "2026-11-19"
    assert SAMPLE.read_bytes() == before
    assert not Path(f"{SAMPLE}-wal").exists()


def test_levels_preset_and_settings(tmp_path):
    db = str(tmp_path / "x.db")
    r = run("--db", db, "levels", "preset", "habc")
    assert r.returncode == 0 and "H" in r.stdout
    assert run("--db", db, "settings", "set", "rotation.mode", "fewest").returncode == 0
    # Words on the screen, the code (what `settings set` takes) in the JSON.
    assert "fewest turns today first" in run("--db", db, "settings", "list").stdout
    values = json.loads(run("--db", db, "settings", "list", "--format", "json").stdout)
    assert values["rotation.mode"] == "fewest"


def test_chinese_interface(tmp_path):
    assert (
        run(
            "--db", str(tmp_path / "x.db"), "staff", "add", "王伟", "--role", "salesperson"
        ).returncode
        == 0
    )
    r = run("--db", str(tmp_path / "x.db"), "--lang", "zh", "report")
    assert r.returncode == 0 and "销售例会" in r.stdout


def test_main_in_process_returns_codes(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "y.db"), "check"]) == 1  # no such file: not created
    assert main(["--db", str(tmp_path / "y.db"), "staff", "list"]) == 1  # nor by a reader
    assert (
        main(["--db", str(tmp_path / "y.db"), "staff", "add", "Wang", "--role", "salesperson"]) == 0
    )
    assert main(["--db", str(tmp_path / "y.db"), "check"]) == 0
    assert main(["--db", str(tmp_path / "y.db"), "report", "--date", "x"]) == 2
    assert "Not a date" in capsys.readouterr().err


def test_handover_and_report_periods_and_formats(sample_copy, tmp_path):
    env = {"DESKTERM_NOW": "2026-11-20T17:00"}
    # 刘洋 is off duty on the sample's morning (a member with a customer cannot leave).
    r = run("--db", str(sample_copy), "staff", "handover", "刘洋", "王伟", env=env)
    assert r.returncode == 0 and "刘洋" in r.stdout, r.stderr
    staff = json.loads(
        run("--db", str(sample_copy), "staff", "list", "--format", "json", env=env).stdout
    )
    assert "刘洋" not in [p["name"] for p in staff]
    r = run("--db", str(sample_copy), "report", "--period", "month", "--format", "json", env=env)
    data = json.loads(r.stdout)
    # issue 15 (9): a month report never counts days after today (the 20th)
    assert data["period"] == {"from": "2026-11-01", "to": "2026-11-20"}
    assert data["funnel"]["team"]["received"] > 0 and data["reasons"]["no_contact"]["by_reason"]
    assert {"lost_requests", "leads"} <= set(data)
    out = tmp_path / "meeting.html"
    r = run("--db", str(sample_copy), "report", "--format", "html", "--out", str(out), env=env)
    assert r.returncode == 0 and "<table>" in out.read_text("utf-8")
    r = run(
        "--db", str(sample_copy), "report", "--from", "2026-11-16", "--format", "markdown", env=env
    )
    assert r.stdout.startswith("# ") and "2026-11-16" in r.stdout
    r = run(
        "--db", str(sample_copy), "report", "--from", "2026-11-21", "--date", "2026-11-20", env=env
    )
    assert r.returncode == 2 and "before it starts" in r.stderr


def test_text_report_goes_to_out_with_every_column_and_the_team_row(sample_copy, tmp_path):
    """`report --out FILE` in the default text format writes the file (it printed the
    report and wrote nothing), with the Overdue and Contact columns and the Team row the
    other formats have."""
    from rich.cells import cell_len

    env = {"DESKTERM_NOW": "2026-11-20T17:00"}
    screen = run("--db", str(sample_copy), "report", env=env)
    assert screen.returncode == 0, screen.stderr
    out = tmp_path / "meeting.txt"
    r = run("--db", str(sample_copy), "report", "--out", str(out), env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"Report written to {out}"
    text = out.read_text("utf-8")
    assert text == screen.stdout  # the file is what the screen shows
    assert out.stat().st_mode & 0o777 == 0o600
    lines = text.splitlines()
    # Two tables, each with the names: the second holds the callbacks and the rates.
    head = next(line for line in lines if line.startswith("Salesperson") and "Overdue" in line)
    assert {"Overdue", "Contact"} <= set(head.split())
    data = json.loads(run("--db", str(sample_copy), "report", "--format", "json", env=env).stdout)
    team = next(line for line in lines[lines.index(head) :] if line.startswith("Team "))
    cells = team.split()
    assert cells[head.split().index("Overdue")] == str(data["team"]["callbacks_overdue"])
    contact = cells[head.split().index("Contact")]
    assert contact == f"{data['team']['contact_capture_rate']:.0%}"
    # Columns line up in terminal cells, Chinese names (two cells a character) included.
    rows = lines[lines.index(head) : lines.index(team) + 1]
    assert len(rows) == len(data["salespeople"]) + 2
    assert {cell_len(row) for row in rows} == {cell_len(head)}
    zh = run("--db", str(sample_copy), "--lang", "zh", "report", env=env).stdout
    assert "团队合计" in zh and "逾期" in zh and "留档率" in zh


@pytest.mark.parametrize(
    "command",
    [
        ["report"],
        ["report", "--format", "json"],
        ["export", "customers", "--out", "x.csv"],
        ["staff", "list"],
        ["levels", "list"],
        ["settings", "list"],
    ],
    ids=lambda c: " ".join(c),
)
def test_a_command_that_reads_refuses_a_database_that_is_not_there(tmp_path, command):
    """Found by a tester: a mistyped --db made an empty database and reported zeros."""
    typo = tmp_path / "typo.db"
    r = run("--db", str(typo), *command, env={"HOME": str(tmp_path)}, cwd=tmp_path)
    assert r.returncode != 0
    assert f"No database at {typo}" in r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_backup_list_says_the_listing_is_backups(sample_copy, tmp_path):
    """`deskterm backup list` wrote a backup file named "list" in the current folder."""
    r = run("--db", str(sample_copy), "backup", "list", cwd=tmp_path, env={"HOME": str(tmp_path)})
    assert r.returncode == 2 and "deskterm backups" in r.stderr
    assert not (tmp_path / "list").exists()


def test_copy_to_a_new_file_copies_every_row_in_a_fresh_process(sample_copy, tmp_path):
    """In a process of its own, as a shop runs it: the tables are declared when first used
    (storage.models), and a copy that listed them before anything had declared them
    copied nothing and said so as a success ("Copied 0 rows")."""
    target = tmp_path / "moved.db"
    r = run("copy-to", str(target), "--db", str(sample_copy))
    assert r.returncode == 0, r.stderr
    import sqlite3

    counts = {}
    for path in (sample_copy, target):
        with sqlite3.connect(path) as db:
            counts[path] = {
                table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table in ("customer", "reception", "callback", "rotation_event", "audit")
            }
    assert counts[target] == counts[sample_copy]
    assert all(n > 0 for n in counts[target].values())
    assert "Copied 0 rows" not in r.stdout
