"""Smaller holes of issue 14: placeholder phones, settings, search length, file modes."""

import pytest
from sqlmodel import select

from deskterm.domain.phone import normalize_phone
from deskterm.errors import InvalidInput
from deskterm.i18n import translate_to
from deskterm.services import customers, reception, rotation
from deskterm.services.reception import InvalidForm, ReceptionForm
from deskterm.storage.models import Customer

PLACEHOLDERS = [
    "0000000000",
    "000 0000 0000",
    "+86 0000000000",
    "13333333333",
    "1111111111",
    "1234567890",
    "12345678901",
    "0123456789",
    "9876543210",
    "010-0000 0000",
    "0755-0000000",
    "+1 111 111 1111",
    "+44 1234567890",
]
REAL = {
    "13800138000": "+8613800138000",
    "13912345678": "+8613912345678",
    "13700000000": "+8613700000000",
    "13900000001": "+8613900000001",
    "021-8888 8888": "+862188888888",
    "010-6552 9988": "+861065529988",
    "+44 20 7946 0958": "+442079460958",
}


@pytest.mark.parametrize("raw", PLACEHOLDERS)
def test_placeholder_phones_are_refused_at_the_field(raw):
    with pytest.raises(InvalidInput) as e:
        normalize_phone(raw)
    assert e.value.field == "phone"


@pytest.mark.parametrize("raw,canonical", REAL.items())
def test_real_numbers_with_repeats_stay_valid(raw, canonical):
    assert normalize_phone(raw) == canonical


def test_placeholder_message_is_translated():
    with pytest.raises(InvalidInput) as e:
        normalize_phone("0000000000")
    assert "placeholder" in e.value.message
    assert "占位" in translate_to("zh", e.value.msgid)


def test_two_visitors_giving_a_placeholder_are_not_one_customer(ctx, team):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    with pytest.raises(InvalidForm) as e:
        reception.save_form(
            ctx,
            a.reception_id,
            ReceptionForm(name="Walk-in", phone="000 0000 0000", purchase_horizon="1m"),
        )
    assert set(e.value.errors) == {"phone"}
    with ctx.db.read() as s:
        assert s.exec(select(Customer)).first() is None
    saved = reception.save_form(
        ctx,
        a.reception_id,
        ReceptionForm(name="Walk-in", phone="13800138000", purchase_horizon="1m"),
    )
    with pytest.raises(InvalidForm) as e:
        customers.edit_customer(
            ctx,
            saved.customer_id,
            ReceptionForm(name="Walk-in", phone="0000000000", purchase_horizon="1m"),
        )
    assert set(e.value.errors) == {"phone"}
    with ctx.db.read() as s:
        assert s.get(Customer, saved.customer_id).phone == "+8613800138000"


# -- every setting validated ----------------------------------------------------

BAD_SETTINGS = [
    ("shop.timezone", "../../etc/passwd", "Unknown time zone"),
    ("shop.timezone", "/etc/passwd", "Unknown time zone"),
    ("shop.timezone", "Asia/../../etc/passwd", "Unknown time zone"),
    ("shop.timezone", "Nowhere/Land", "Unknown time zone"),
    ("shop.timezone", "ABC+3", "Unknown time zone"),
    ("backup.keep", "0", "backup.keep"),
    ("backup.keep", "١٤", "backup.keep"),
    ("report.rate_window_days", "9999", "report.rate_window_days"),
    ("report.rate_window_days", "-1", "report.rate_window_days"),
    ("care.schedule", "P999Y", "care.schedule"),
    ("care.schedule", "P1D,banana", "banana"),
    ("care.schedule", "", "step"),
    ("rotation.mode", "sideways", "rotation.mode"),
    ("rotation.uncounted_weight", "2", "rotation.uncounted_weight"),
    ("rotation.hold_unsaved_form", "maybe", "rotation.hold_unsaved_form"),
    ("auth.mode", "none", "auth.mode"),
    ("phone.default_country", "0", "phone.default_country"),
    ("phone.default_country", "8600", "phone.default_country"),
    ("demo.today", "yesterday", "demo.today"),
    ("shop.name", "x" * 201, "shop.name"),
    ("shop.name", "two\nlines", "shop.name"),
    ("no.such.setting", "1", "no.such.setting"),
]


@pytest.mark.parametrize("key,value,said", BAD_SETTINGS)
def test_every_setting_is_validated_and_named(ctx, key, value, said):
    from deskterm.services import setup

    before = setup.get_settings(ctx)
    with pytest.raises(InvalidInput) as e:
        setup.set_setting(ctx, key, value)
    assert said in e.value.message
    assert setup.get_settings(ctx) == before


@pytest.mark.parametrize(
    "key,value",
    [
        ("shop.timezone", "Asia/Shanghai"),
        ("shop.timezone", "UTC"),
        ("shop.timezone", "America/Argentina/Buenos_Aires"),
        ("backup.keep", "30"),
        ("care.schedule", "P3D,P1M,P1Y"),
        ("demo.today", "2026-11-20T10:40+08:00"),
        ("phone.default_country", "44"),
        ("shop.name", "  欧阳 Motors "),
        ("report.rate_window_days", "90"),
    ],
)
def test_good_settings_are_kept(ctx, key, value):
    from deskterm.services import setup

    setup.set_setting(ctx, key, value)
    assert setup.get_settings(ctx)[key] == value.strip()


def _cli(*args):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DESKTERM_LANG": "en"}
    return subprocess.run(
        [sys.executable, "-m", "deskterm", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_refuses_a_path_as_time_zone_in_one_line(tmp_path):
    db = str(tmp_path / "x.db")
    for value in ("../../etc/passwd", "/etc/passwd"):
        r = _cli("--db", db, "settings", "set", "shop.timezone", value)
        assert r.returncode == 2, r.stderr
        assert r.stderr == f"deskterm: Unknown time zone {value}.\n"
    r = _cli("--db", db, "settings", "set", "report.rate_window_days", "0")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "report.rate_window_days" in r.stderr and "Traceback" not in r.stderr
    assert _cli("--db", db, "settings", "set", "shop.timezone", "Asia/Shanghai").returncode == 0
    assert "Asia/Shanghai" in _cli("--db", db, "settings", "list").stdout


# -- search length and read errors ----------------------------------------------


def test_a_long_search_is_refused_with_a_message_about_the_search(ctx, team):
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    reception.save_form(
        ctx, a.reception_id, ReceptionForm(name="Wang", phone="13800138000", purchase_horizon="1m")
    )
    with pytest.raises(InvalidInput) as e:
        customers.search(ctx, "x" * 100_000)
    assert e.value.field == "search" and e.value.message == "A search is at most 100 characters."
    assert "saved" not in e.value.message
    assert translate_to("zh", e.value.msgid, n=100) == "搜索内容最多 100 个字符。"
    assert [c.name for c in customers.search(ctx, " Wang" + " " * 200)] == ["Wang"]
    assert customers.search(ctx, "W" * customers.SEARCH_MAX) == []


def test_a_failed_read_does_not_claim_a_save(ctx):
    import sqlite3

    from deskterm.errors import StorageError

    if ctx.db.dialect != "sqlite":
        pytest.skip("SQLite's own error")
    with pytest.raises(StorageError) as e, ctx.db.read_cursor() as cur:
        cur.cursor.execute("SELECT 1 WHERE 'a' LIKE ?", ("%" * 60_000,))
    assert "saved" not in e.value.message and "Nothing was changed" in e.value.message
    assert isinstance(e.value.__cause__, sqlite3.Error)
    with pytest.raises(StorageError) as e, ctx.db.read() as s:
        s.connection().exec_driver_sql("SELECT * FROM no_such_table")
    assert "saved" not in e.value.message


def test_a_failed_write_still_says_nothing_was_saved(ctx):
    from deskterm.errors import StorageError

    with pytest.raises(StorageError) as e, ctx.db.write() as s:
        s.connection().exec_driver_sql("INSERT INTO no_such_table VALUES (1)")
    assert "nothing was saved" in e.value.message


# -- exports and reports 0600 in a 0700 folder ------------------------------------


def _mode(path):
    import stat

    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def wide_umask():
    """The usual desktop umask (022), under which a plain open() makes files 0644."""
    import os

    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exports_are_0600_in_a_0700_folder(ctx, team, tmp_path, wide_umask, suffix):
    from deskterm.services.exporting import ExportKind, export

    if suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    rotation.check_in(ctx, team.li)
    a = rotation.walk_in(ctx)
    reception.save_form(
        ctx, a.reception_id, ReceptionForm(name="Wang", phone="13800138000", purchase_horizon="1m")
    )
    target = tmp_path / "exports" / "2026" / f"customers{suffix}"
    assert export(ctx, ExportKind.CUSTOMERS, target, make_folder=True) == 1
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700 and _mode(target.parent.parent) == 0o700
    again = tmp_path / f"again{suffix}"
    again.write_bytes(b"")
    again.chmod(0o644)  # a file of that name already there: overwritten, and narrowed
    export(ctx, ExportKind.CUSTOMERS, again)
    assert _mode(again) == 0o600 and again.stat().st_size > 0


def test_meeting_report_files_are_0600_in_a_0700_folder(ctx, team, tmp_path, wide_umask):
    from deskterm.services.report_export import export_meeting

    html = export_meeting(ctx, tmp_path / "reports")
    assert _mode(tmp_path / "reports") == 0o700
    written = sorted((tmp_path / "reports").iterdir())
    assert html in written and len(written) == 2
    assert [_mode(p) for p in written] == [0o600, 0o600]


def test_cli_report_and_export_out_are_0600(tmp_path):
    import os
    import subprocess
    import sys

    db = str(tmp_path / "x.db")
    env = {**os.environ, "DESKTERM_LANG": "en"}

    def cli(*args):
        # umask 022 in the child, as on a desktop
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import os, sys; os.umask(0o022); from deskterm.cli.main "
                "import main; sys.exit(main(sys.argv[1:]))",
                *args,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    assert cli("--db", db, "staff", "add", "Wang", "--role", "salesperson").returncode == 0
    for fmt in ("markdown", "json", "html"):
        out = tmp_path / f"report.{fmt}"
        r = cli("--db", db, "report", "--format", fmt, "--out", str(out))
        assert r.returncode == 0, r.stderr
        assert _mode(out) == 0o600 and out.stat().st_size > 0
    out = tmp_path / "customers.csv"
    r = cli("--db", db, "export", "customers", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert _mode(out) == 0o600


# -- check notices a dropped or disabled audit trigger ------------------------------


@pytest.mark.both_databases
def test_check_notices_the_audit_triggers_dropped(ctx, team):
    from deskterm.services.maintenance import check

    assert [p for p in check(ctx) if p.kind == "audit"] == []
    on = " ON audit" if ctx.db.dialect == "postgresql" else ""
    with ctx.db.write() as s:
        s.connection().exec_driver_sql(f"DROP TRIGGER audit_no_delete{on}")
    found = [p.detail for p in check(ctx) if p.kind == "audit"]
    assert len(found) == 1 and "audit_no_delete" in found[0]
    if ctx.db.dialect == "postgresql":
        with ctx.db.write() as s:
            s.connection().exec_driver_sql("ALTER TABLE audit DISABLE TRIGGER audit_no_update")
    else:  # the same name, but a trigger that no longer refuses anything
        with ctx.db.write() as s:
            s.connection().exec_driver_sql("DROP TRIGGER audit_no_update")
            s.connection().exec_driver_sql(
                "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT 1; END"
            )
    found = sorted(p.detail.split()[2] for p in check(ctx) if p.kind == "audit")
    assert found == ["audit_no_delete", "audit_no_update"]


def test_cli_check_reports_a_dropped_audit_trigger(tmp_path):
    import sqlite3

    db = tmp_path / "x.db"
    assert _cli("--db", str(db), "settings", "set", "backup.keep", "14").returncode == 0
    assert _cli("--db", str(db), "check").returncode == 0
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER audit_no_update")
    con.commit()
    con.close()
    r = _cli("--db", str(db), "check")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "audit: audit trigger audit_no_update is missing or disabled" in r.stdout


async def test_a_pasted_page_in_the_customer_search_is_refused_at_the_field(ctx, team):
    from deskterm.ui.app import create_app
    from deskterm.ui.screens.customers import CustomersScreen
    from tests.ui_helpers import settle, wait_for

    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        field = app.screen.query_one("#search")
        field.insert_text_at_cursor("x" * 100_000)
        await settle(pilot)
        assert field.value == "" and isinstance(app.screen, CustomersScreen)
        field.insert_text_at_cursor("y" * customers.SEARCH_MAX)
        await settle(pilot)
        assert len(field.value) == customers.SEARCH_MAX and app.is_running


async def test_an_over_long_paste_into_a_search_says_so_under_the_field(ctx, team):
    """A paste the search refuses for its length is said where it was typed, in words,
    on the F4 search and in the returning-customer pick; what is taken next clears it."""
    from textual import events
    from textual.widgets import Static

    from deskterm.ui.app import create_app
    from deskterm.ui.screens.customers import CustomersScreen
    from deskterm.ui.screens.dialogs import CustomerPickScreen
    from tests.ui_helpers import settle, wait_for

    limit = customers.SEARCH_MAX
    said = f"! A search is at most {limit} characters."
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        field = app.screen.query_one("#search")
        note = app.screen.query_one("#err-search", Static)
        assert not note.has_class("shown")
        field.post_message(events.Paste("x" * (limit + 1)))
        await wait_for(pilot, lambda: note.has_class("shown"))
        assert str(note.render()) == said and field.value == ""
        assert note.region.y == field.region.bottom  # right under the search box
        await pilot.press("w")  # taken: the message goes
        await wait_for(pilot, lambda: not note.has_class("shown"))
        assert field.value == "w"
        field.post_message(events.Paste("y" * limit))  # one too many with the "w"
        await wait_for(pilot, lambda: note.has_class("shown"))
        assert field.value == "w"
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("r")  # the returning-customer pick searches too
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerPickScreen))
        note = app.screen.query_one("#err-query", Static)
        app.screen.query_one("#query").post_message(events.Paste("z" * 100_000))
        await wait_for(pilot, lambda: note.has_class("shown"))
        assert str(note.render()) == said
    assert translate_to("zh", "A search is at most {n} characters.", n=limit) == (
        f"搜索内容最多 {limit} 个字符。"
    )
