"""An import can be undone (issue 17): each commit is one numbered batch; undo removes
what it created and puts back what it merged, or says which later work depends on it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text
from sqlmodel import select

from deskterm.cli.main import main
from deskterm.errors import NotFound, RuleViolation
from deskterm.i18n import set_language
from deskterm.services import customers, importing, maintenance, reception, rotation, setup
from deskterm.storage.models import Audit, Callback, Customer, ImportBatch
from deskterm.storage.sheets import read_sheet
from tests import showroom
from tests.scenario import new_customer

pytestmark = pytest.mark.both_databases

HEADERS = ["姓名", "手机号码", "意向级别", "意向车型", "销售顾问", "备注"]
#: What the undo must give back exactly as it was before the import.
TABLES = ("customer", "level_change", "ownership_change", "callback", "reception", "lead")


def _snapshot(ctx) -> dict[str, list[tuple]]:
    with ctx.db.read() as s:
        con = s.connection()
        return {
            t: [tuple(r) for r in con.execute(text(f"SELECT * FROM {t} ORDER BY id"))]
            for t in TABLES
        }


def _sheet(tmp_path, rows, name="客户.xlsx"):
    return read_sheet(showroom.write_xlsx(tmp_path / name, rows, HEADERS, totals=False))


@pytest.fixture
def shop(ctx, team):
    """Two customers on file: 张三 (cold, a callback open) and 李四 (no model yet)."""
    rotation.check_in(ctx, team.wang)
    ctx.zhang = new_customer(
        ctx, "13800138000", name="张三", horizon="unknown", model_interest="卡罗拉"
    )
    ctx.li = new_customer(ctx, "13800138009", name="李四", horizon="unknown")
    return ctx


def _import(ctx, tmp_path, extra=(), update=("level", "name")):
    sheet = _sheet(
        tmp_path,
        [
            [
                "张三丰",
                13800138000.0,
                "准购买",
                "凯美瑞",
                "王伟",
                "想换车",
            ],  # merged, level and name
            ["李四", 13800138009.0, "潜在", "RAV4", "王伟", "周末来"],  # merged: model, notes
            ["王五", 13800138001.0, "准购买", "雷凌", "王伟", ""],  # created
            ["[/b]", 13800138002.0, "潜在", "", "王伟", ""],  # created
            *extra,
        ],
    )
    return importing.commit(ctx, sheet, importing.guess(sheet), update=set(update))


def test_undo_gives_back_the_shop_as_it_was_before_the_import(shop, tmp_path):
    before = _snapshot(shop)
    plan = _import(shop, tmp_path)
    assert plan.batch is not None
    after = _snapshot(shop)
    assert after != before
    with shop.db.read() as s:
        zhang = s.get(Customer, shop.zhang)
        assert (zhang.name, zhang.level) == ("张三丰", "hot")
        assert s.get(Customer, shop.li).model_interest == "RAV4"
    [batch] = importing.batches(shop)
    assert (batch.id, batch.created, batch.merged, batch.updated, batch.undone_at) == (
        plan.batch,
        2,
        2,
        1,
        None,
    )
    assert batch.sheet == "客户.xlsx"

    done = importing.undo(shop, plan.batch)
    assert done.undone_at is not None
    assert _snapshot(shop) == before  # customers, level history, callbacks: as they were
    assert maintenance.check(shop) == []
    with shop.db.read() as s:
        actions = [a.action for a in s.exec(select(Audit).order_by(Audit.id)).all()][-6:]
    assert actions.count("customer.import_undo") == 4 and actions[-1] == "import.undo"
    # The audit trail names both in the user's language (no codes on a Chinese screen).
    from deskterm.services.audit import audit_trail
    from deskterm.services.labels import audit_action, audit_entity

    set_language("zh")
    entry = audit_trail(shop, entity="import_batch")[0]
    assert audit_action(entry.action) == "撤销导入"
    assert audit_entity(entry.entity, entry.entity_id).startswith("导入")
    set_language("en")
    with pytest.raises(RuleViolation, match="already undone"):
        importing.undo(shop, plan.batch)
    assert _snapshot(shop) == before
    # The same sheet imports again after the undo: nothing of it was left behind.
    again = _import(shop, tmp_path)
    assert again.counts[importing.Action.CREATE] == 2
    assert [b.id for b in importing.batches(shop)] == [again.batch, plan.batch]


def test_an_unknown_batch_is_refused(shop):
    with pytest.raises(NotFound, match="no import number 99"):
        importing.undo(shop, 99)


def _refused(ctx, batch, match):
    """The undo is refused with ``match`` and changes nothing at all."""
    before = _snapshot(ctx)
    with pytest.raises(RuleViolation, match=match):
        importing.undo(ctx, batch)
    assert _snapshot(ctx) == before
    with ctx.db.read() as s:
        assert s.get(ImportBatch, batch).undone_at is None


def _created(ctx, phone="+8613800138001"):
    with ctx.db.read() as s:
        return s.exec(select(Customer.id).where(Customer.phone == phone)).one()


def test_refused_once_a_created_customer_came_in(shop, team, tmp_path):
    plan = _import(shop, tmp_path)
    a = rotation.walk_in(shop)
    reception.save_form(
        shop, a.reception_id, reception.ReceptionForm(name="王五", phone="13800138001")
    )
    _refused(shop, plan.batch, r"王五 came in since the import \(reception 2026-03-02\)")


def test_refused_once_a_created_customers_callback_is_done(shop, team, tmp_path):
    from deskterm.services import callbacks

    plan = _import(shop, tmp_path)
    with shop.db.read() as s:
        cb = s.exec(select(Callback.id).where(Callback.customer_id == _created(shop))).one()
    callbacks.complete_callback(shop, cb, "no_answer")
    _refused(shop, plan.batch, "王五 has been contacted since the import")


def test_refused_once_a_created_customer_was_reassigned_or_edited(shop, team, tmp_path):
    plan = _import(shop, tmp_path)
    customers.reassign(shop, _created(shop), team.li, "holiday")
    _refused(shop, plan.batch, "王五 was given to another salesperson since the import")


def test_refused_once_a_created_customer_was_edited(shop, team, tmp_path):
    plan = _import(shop, tmp_path)
    # An edit at the desk that moves no callback: the audit trail says it came since.
    form = reception.ReceptionForm(name="王五五", phone="13800138001", purchase_horizon="1m")
    customers.edit_customer(shop, _created(shop), form)
    _refused(shop, plan.batch, r"王五五 .*since the import \(2026-03-02\)")


def test_refused_once_a_created_customers_level_was_changed(shop, team, tmp_path):
    plan = _import(shop, tmp_path)
    form = reception.ReceptionForm(name="王五", phone="13800138001", level="warm")
    customers.edit_customer(shop, _created(shop), form)
    _refused(shop, plan.batch, r"王五's level was changed since the import \(2026-03-02\)")


def test_refused_once_a_created_customer_is_merged_by_a_later_import(shop, team, tmp_path):
    first = _import(shop, tmp_path)
    later = _sheet(tmp_path, [["王五", 13800138001.0, "准购买", "雷凌", "王伟", "再来"]], "b.xlsx")
    second = importing.commit(shop, later, importing.guess(later))
    _refused(shop, first.batch, "王五 was changed since by import 2: undo that one first")
    importing.undo(shop, second.batch)  # the later one first, then the earlier one
    importing.undo(shop, first.batch)


def test_refused_once_a_merged_field_was_changed_again(shop, team, tmp_path):
    plan = _import(shop, tmp_path)
    form = reception.ReceptionForm(name="李四", phone="13800138009", model_interest="汉兰达")
    customers.edit_customer(shop, shop.li, form)
    _refused(shop, plan.batch, r"李四's model was changed since the import \(now 汉兰达\)")


def test_refused_once_the_merged_level_was_worked_on(shop, team, tmp_path):
    from deskterm.services import callbacks

    plan = _import(shop, tmp_path)
    with shop.db.read() as s:
        cb = s.exec(
            select(Callback.id).where(Callback.customer_id == shop.zhang, Callback.status == "open")
        ).one()
    callbacks.complete_callback(shop, cb, "no_answer")
    _refused(shop, plan.batch, "张三丰 has been contacted since the import")


def test_the_refusal_is_in_chinese(shop, team, tmp_path):
    plan = _import(shop, tmp_path)
    customers.reassign(shop, _created(shop), team.li, "holiday")
    set_language("zh")
    with pytest.raises(RuleViolation) as err:
        importing.undo(shop, plan.batch)
    assert "王五" in err.value.message and "导入" in err.value.message
    assert "since" not in err.value.message


def test_a_hundred_created_customers_undo_in_one_go(shop, team, tmp_path):
    before = _snapshot(shop)
    rows = [[f"客户{i}", 13900000000.0 + i, "意向", "", "王伟", ""] for i in range(600)]
    sheet = _sheet(tmp_path, rows, "big.xlsx")
    plan = importing.commit(shop, sheet, importing.guess(sheet))
    assert plan.counts[importing.Action.CREATE] == 600
    importing.undo(shop, plan.batch)
    assert _snapshot(shop) == before


def test_cli_lists_the_batches_and_undoes_one(tmp_path, capsys, database):
    db = database
    assert main(["staff", "--db", db, "add", "王伟", "--role", "salesperson"]) == 0
    p = showroom.write_xlsx(
        tmp_path / "[b]s[i].xlsx", [["王五", 13800138001.0, "准购买", "雷凌", "王伟", ""]], HEADERS
    )
    assert main(["import", "--db", db, str(p), "--commit"]) == 0
    out = capsys.readouterr().out
    assert "import number 1" in out and "deskterm import undo 1" in out
    assert main(["import", "--db", db, "batches"]) == 0
    row = capsys.readouterr().out.splitlines()[-1].split()
    # No., when (day and time), file, by, created, merged; not undone yet
    assert row[0] == "1" and row[3] == "[b]s[i].xlsx" and row[-2:] == ["1", "0"]
    assert main(["import", "--db", db, "undo", "1"]) == 0
    assert "Import 1 undone: 1 customer removed, 0 customers put back" in capsys.readouterr().out
    assert main(["import", "--db", db, "undo", "1"]) != 0
    assert "already undone" in capsys.readouterr().err
    assert main(["import", "--db", db, "undo", "7"]) != 0
    assert "no import number 7" in capsys.readouterr().err
    assert main(["import", "--db", db, "batches"]) == 0
    row = capsys.readouterr().out.splitlines()[-1].split()
    assert row[-3:-1] == ["1", "0"] and re.fullmatch(r"\d{4}-\d\d-\d\d", row[-1])


async def test_the_manager_lists_the_imports_and_undoes_one_on_screen(ctx, team, tmp_path):
    from textual.content import Content

    from deskterm.ui.app import create_app
    from deskterm.ui.screens.dialogs import ConfirmScreen
    from deskterm.ui.screens.importing import ImportBatchesScreen
    from deskterm.ui.screens.manager import ManagerScreen
    from tests.ui_helpers import settle, table_rows, wait_for

    # Names from a file and a person are text, never markup, in the confirm dialog.
    boss = setup.add_staff(ctx, "[/b] Boss", "manager", "senior").id
    ctx.actor_id = boss
    sheet = _sheet(tmp_path, [["[/b]", 13800138002.0, "潜在", "", "王伟", ""]], "[b]客户[i].xlsx")
    plan = importing.commit(ctx, sheet, importing.guess(sheet))
    kept = _sheet(tmp_path, [["赵六", 13800138003.0, "潜在", "", "王伟", ""]], "second.xlsx")
    second = importing.commit(ctx, kept, importing.guess(kept))
    ctx.actor_id = None
    customers.reassign(ctx, _created(ctx, "+8613800138003"), team.li, "holiday")
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ManagerScreen))
        await settle(pilot)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportBatchesScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.batches) == 2)
        await settle(pilot)
        rows = table_rows(screen, "#batches")
        assert [r[0] for r in rows] == [str(second.batch), str(plan.batch)]
        assert rows[1][2:5] == ["[b]客户[i].xlsx", "[/b] Boss", "1"] and rows[1][-1] == ""
        # The newest has work on it since: refused, with why, and nothing undone.
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(
            pilot, lambda: any("赵六 was given" in n.message for n in app._notifications)
        )
        await settle(pilot)
        assert table_rows(screen, "#batches")[0][-1] == ""
        # The older one: the dialog names it (file, time, who, counts), as typed.
        await pilot.press("down", "u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = app.screen.query_one(".question").render()
        said = str(question)
        assert f"Undo import {plan.batch}?" in said and "File: [b]客户[i].xlsx" in said
        assert "Imported 2026-03-02 09:00 by [/b] Boss" in said
        assert "1 created, 0 merged (0 changed), 0 left out" in said
        assert not isinstance(question, Content) or not question.spans
        await pilot.press("y")
        await wait_for(pilot, lambda: table_rows(screen, "#batches")[1][-1] != "")
        assert any("1 customer removed" in n.message for n in app._notifications)
        with ctx.db.read() as s:
            assert s.exec(select(Customer).where(Customer.name == "[/b]")).first() is None
        # Undone is said, not asked again.
        await pilot.press("u")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("already undone" in n.message for n in app._notifications)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ManagerScreen))


ROLES = ("receptionist", "salesperson", "marketing", "care", "manager", None, "open", "system")
ROLES += ("display",)


@pytest.mark.parametrize("role", ROLES, ids=[str(r) for r in ROLES])
def test_who_may_list_and_undo_imports_is_who_may_import(shop, tmp_path, role):
    from deskterm.services.permissions import PermissionDenied, may

    plan = _import(shop, tmp_path)
    before = _snapshot(shop)
    shop.role = role
    allowed = role in ("manager", "open", "system")
    assert may(shop, "manage") is allowed  # the import's own permission
    if allowed:
        assert [b.id for b in importing.batches(shop)] == [plan.batch]
        importing.undo(shop, plan.batch)
        assert _snapshot(shop) != before
        return
    with pytest.raises(PermissionDenied):
        importing.batches(shop)
    with pytest.raises(PermissionDenied):
        importing.undo(shop, plan.batch)
    assert _snapshot(shop) == before


def test_a_version_6_shop_upgrades_with_its_data_and_then_imports_and_undoes(tmp_path, clock):
    import sqlite3

    from deskterm.services.maintenance import open_context
    from deskterm.storage import migrations
    from deskterm.storage.engine import schema_version

    path = tmp_path / "v6.db"
    con = sqlite3.connect(path, isolation_level=None)
    body = "\n".join(migrations.script(v) for v in range(1, 7))
    con.executescript(f"BEGIN;{body}PRAGMA user_version = 6; COMMIT;")
    con.execute(
        "INSERT INTO staff (id, name, role, seniority, active, joined_on, pin_failures) "
        "VALUES (1, '王伟', 'salesperson', 'senior', 1, '2026-01-01', 0)"
    )
    con.close()
    ctx = open_context(path, clock)
    try:
        assert schema_version(path) == migrations.LATEST >= 7  # v7 and every step after it
        assert [p.name for p in setup.list_staff(ctx, "salesperson")] == ["王伟"]
        assert importing.batches(ctx) == []
        sheet = _sheet(tmp_path, [["王五", 13800138001.0, "准购买", "雷凌", "王伟", ""]])
        plan = importing.commit(ctx, sheet, importing.guess(sheet))
        assert importing.undo(ctx, plan.batch).created == 1
        assert maintenance.check(ctx) == []
    finally:
        ctx.db.close()


def test_refused_once_a_created_customer_was_handed_out_as_a_lead(shop, team, tmp_path):
    from deskterm.services import manager, marketing

    plan = _import(shop, tmp_path)
    cid = _created(shop, "+8613800138002")  # "[/b]", 潜在: marketing's pool
    marketing.mark_nurtured(shop, cid, "wants a test drive")
    manager.hand_out_lead(shop, cid, team.li)
    _refused(shop, plan.batch, r"\[/b\] was handed out since the import \(2026-03-02\)")
