"""Importing a sheet and exporting data from the Manager screen, on the demo showroom."""

from __future__ import annotations

import csv

from sqlmodel import select

from deskterm.domain.sheet import ImportField
from deskterm.services import customers, importing, setup
from deskterm.storage.models import Customer
from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import ConfirmScreen, PickScreen, TextPromptScreen
from deskterm.ui.screens.importing import ImportScreen
from deskterm.ui.screens.manager import ManagerScreen
from tests.ui_helpers import demo_ctx, settle, table_rows, wait_for


def _sheet(tmp_path, seller: str):
    p = tmp_path / "sheet.csv"
    with open(p, "w", encoding="gb18030", newline="") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "号码", "销售顾问", "备注"])
        w.writerow(["导入甲", "188 0000 0001", seller, "老客户介绍"])
        w.writerow(["导入乙", "18800000002", "", ""])
        w.writerow(["坏号", "123", seller, ""])
    return p


async def _manager(pilot, app):
    await pilot.press("f6")
    await wait_for(pilot, lambda: isinstance(app.screen, ManagerScreen))
    await settle(pilot)


async def test_the_manager_maps_the_columns_sees_the_dry_run_and_imports(tmp_path):
    ctx = demo_ctx(tmp_path)
    seller = setup.list_staff(ctx, "salesperson")[0]
    sheet = _sheet(tmp_path, seller.name)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await _manager(pilot, app)
        await pilot.press("i")
        assert isinstance(app.screen, TextPromptScreen)
        field = app.screen.query_one("#answer")
        field.value = str(tmp_path / "missing.csv")
        await pilot.press("enter")
        await settle(pilot)
        # A wrong file is said where it was typed, and the name stays to be corrected.
        assert isinstance(app.screen, TextPromptScreen)
        assert "No such file" in str(app.screen.query_one("#err-answer").render())
        assert field.value.endswith("missing.csv")
        field.value = str(sheet)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
        screen = app.screen
        await settle(pilot)
        # "号码" is not a header deskterm knows: no phone, so no dry run yet.
        assert [r[2] for r in table_rows(screen, "#columns")] == [
            "name",
            "(not imported)",
            "salesperson",
            "notes",
        ]
        assert "No column is mapped to phone" in str(screen.query_one("#import-summary").render())
        await pilot.press("down", "f")
        assert isinstance(app.screen, PickScreen)
        app.screen.dismiss("phone")
        await wait_for(pilot, lambda: screen.plan is not None)
        await settle(pilot)
        assert table_rows(screen, "#columns")[1][1:] == ["188 0000 0001 / 18800000002", "phone"]
        plan = table_rows(screen, "#plan")
        # What needs reading comes first: the rejected lines, with their reason.
        assert [r[:2] for r in plan] == [["3", "reject"], ["4", "reject"], ["2", "create"]]
        assert "No salesperson" in plan[0][4] and plan[1][4].startswith("phone:")
        assert "1 to create, 0 to merge, 2 rejected" in str(
            screen.query_one("#import-summary").render()
        )
        # A salesperson for the lines that name none.
        await pilot.press("o")
        assert isinstance(app.screen, PickScreen)
        app.screen.dismiss(str(seller.id))
        await wait_for(
            pilot,
            lambda: (
                screen.plan is not None
                and screen.plan.counts[screen.plan.rows[0].action.CREATE] == 2
            ),
        )
        await settle(pilot)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ManagerScreen))
        await settle(pilot)
        # The import's number, and where to undo it.
        number = importing.batches(ctx)[0].id
        said = [n.message for n in app._notifications]
        assert any(f"This is import number {number}: b lists" in m for m in said), said
    found = {c.name: c for c in customers.search(ctx, "导入")}
    assert set(found) == {"导入甲", "导入乙"} and found["导入乙"].owner == seller.name
    with ctx.db.read() as s:
        assert s.exec(select(Customer.notes).where(Customer.name == "导入甲")).one() == "老客户介绍"
    ctx.db.close()


async def test_escape_leaves_the_import_without_writing(tmp_path):
    ctx = demo_ctx(tmp_path)
    sheet = _sheet(tmp_path, setup.list_staff(ctx, "salesperson")[0].name)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await _manager(pilot, app)
        await pilot.press("i")
        app.screen.query_one("#answer").value = str(sheet)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
        await settle(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ManagerScreen))
        # A file that is there but is no sheet: read off the event loop, said in a
        # notification, and nothing opens.
        (tmp_path / "photo.csv").write_bytes(b"\x89PNG\x00\x00\x01")
        await pilot.press("i")
        app.screen.query_one("#answer").value = str(tmp_path / "photo.csv")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("not a CSV" in n.message for n in app._notifications))
        await settle(pilot)
        assert isinstance(app.screen, ManagerScreen)
    assert customers.search(ctx, "导入") == []
    ctx.db.close()


async def test_the_manager_exports_customers_for_excel(tmp_path):
    ctx = demo_ctx(tmp_path)
    app = create_app(ctx, blink=False)
    out = tmp_path / "out" / "c.csv"
    async with app.run_test(size=(160, 45)) as pilot:
        await _manager(pilot, app)
        await pilot.press("e")
        assert isinstance(app.screen, PickScreen)
        await pilot.press("1")
        assert isinstance(app.screen, TextPromptScreen)
        field = app.screen.query_one("#answer")
        assert field.value.endswith(".csv") and "customers-2026-11-20" in field.value
        field.value = str(tmp_path / "c.txt")
        await pilot.press("enter")
        assert "Export to a .csv or .xlsx file" in str(app.screen.query_one("#err-answer").render())
        field.value = str(out)
        await pilot.press("enter")
        await wait_for(pilot, lambda: out.exists())
        await settle(pilot)
    with ctx.db.read() as s:
        n = len(s.exec(select(Customer.id)).all())
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(out.read_text("utf-8-sig").splitlines()) == n + 1
    ctx.db.close()


async def _open_sheet(pilot, app, path):
    await _manager(pilot, app)
    await pilot.press("i")
    app.screen.query_one("#answer").value = str(path)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
    await settle(pilot)
    return app.screen


async def test_a_showroom_sheet_opens_on_its_header_row_and_another_can_be_chosen(tmp_path):
    from tests import showroom

    ctx = demo_ctx(tmp_path)
    seller = setup.list_staff(ctx, "salesperson")[0]
    p = showroom.write_xlsx(tmp_path / "s.xlsx", showroom.lines(seller.name))
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await _open_sheet(pilot, app, p)
        assert "headers on line 3" in str(screen.query_one("#import-title").render())
        assert [r[2] for r in table_rows(screen, "#columns")][1:3] == ["name", "phone"]
        await pilot.press("h")
        assert isinstance(app.screen, PickScreen)
        labels = [label for _value, label in app.screen.options]
        assert labels[0].startswith("1: 2026年") and labels[1].startswith("2: 基本信息")
        await pilot.press("2")  # the group row: nothing maps, the summary says so
        await wait_for(pilot, lambda: screen.sheet.header_row == 2)
        await settle(pilot)
        assert "No column is mapped to name" in str(screen.query_one("#import-summary").render())
        await pilot.press("h", "3")
        await wait_for(pilot, lambda: screen.plan is not None and screen.sheet.header_row == 3)
        await settle(pilot)
        assert sorted(r[0] for r in table_rows(screen, "#plan")) == ["4", "5", "6", "7"]
    ctx.db.close()


async def test_unknown_words_are_listed_with_their_counts_and_mapped_once_on_screen(tmp_path):
    from tests import showroom

    ctx = demo_ctx(tmp_path)
    seller = setup.list_staff(ctx, "salesperson")[0]
    lines = showroom.lines(seller.name)
    lines[2][3] = "A级"  # two lines say A级
    lines[0][5] = "抖音"  # a source the shop does not know
    lines[3][5] = "[bold red]x[/]"  # file-supplied text stays plain text
    p = showroom.write_xlsx(tmp_path / "s.xlsx", lines)
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await _open_sheet(pilot, app, p)
        words = {(r[0], r[1]): r[2:] for r in table_rows(screen, "#values")}
        levels = {code for code, _label in importing.value_choices(ctx, ImportField.LEVEL)}
        if "A" in levels:  # the demo shop grades H/A/B/C: A级 is its own
            assert ("level", "A级") not in words
        else:
            assert words[("level", "A级")] == ["2", "(not mapped)"]
        assert words[("source", "抖音")] == ["1", "(not mapped)"]
        assert words[("source", "[bold red]x[/]")] == ["1", "(not mapped)"]
        await pilot.press("v")
        rows = table_rows(screen, "#values")
        index = [r[1] for r in rows].index("抖音")
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        assert isinstance(app.screen, PickScreen)
        app.screen.dismiss("online")
        await wait_for(
            pilot,
            lambda: any(r[1] == "抖音" and r[3] == "online" for r in table_rows(screen, "#values")),
        )
        await settle(pilot)
        assert screen.plan is not None
        assert not any("抖音" in r[4] for r in table_rows(screen, "#plan"))
        await pilot.press("v")  # already in the table: v maps the word under the cursor
        assert isinstance(app.screen, PickScreen)
        await pilot.press("escape")
    ctx.db.close()


async def test_the_manager_lets_the_sheet_change_a_field_on_screen(tmp_path):
    from tests import showroom

    ctx = demo_ctx(tmp_path)
    with ctx.db.read() as s:
        c = s.exec(
            select(Customer).where(
                Customer.phone.is_not(None), Customer.model_interest.is_not(None)
            )
        ).first()
        cid, name, phone, kept = c.id, c.name, c.phone, c.model_interest
    model = "新车型X"
    p = showroom.write_xlsx(
        tmp_path / "s.xlsx",
        [[name, phone, model]],
        ["姓名", "手机号码", "意向车型"],
        totals=False,
    )
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await _open_sheet(pilot, app, p)
        why = table_rows(screen, "#plan")[0][4]
        assert f"sheet says {model}, kept {kept}" in why
        await pilot.press("u")
        assert isinstance(app.screen, PickScreen)
        app.screen.dismiss("model_interest")
        await wait_for(pilot, lambda: "→" in (table_rows(screen, "#plan") or [[""] * 5])[0][4])
        await settle(pilot)
        assert "model (u to choose)" in str(screen.query_one("#import-owner").render())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ManagerScreen))
        await settle(pilot)
    with ctx.db.read() as s:
        assert s.get(Customer, cid).model_interest == model
    ctx.db.close()


async def test_a_medium_the_shop_does_not_know_is_mapped_once_on_screen(tmp_path):
    """The 信息来源 column (issue 18): recognised, its unknown word listed with the other
    fields' and mapped to one of the shop's active media, named in the language."""
    from deskterm.i18n import set_language

    set_language("zh")
    ctx = demo_ctx(tmp_path)
    seller = setup.list_staff(ctx, "salesperson")[0]
    p = tmp_path / "media.csv"
    with open(p, "w", encoding="gb18030", newline="") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "手机", "销售顾问", "信息来源"])
        w.writerow(["媒体甲", "188 0000 0011", seller.name, "户外大屏"])
        w.writerow(["媒体乙", "188 0000 0012", seller.name, "懂车帝"])
    app = create_app(ctx, blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await _open_sheet(pilot, app, p)
        assert [r[2] for r in table_rows(screen, "#columns")][3] == "信息来源"
        await wait_for(pilot, lambda: screen.plan is not None)
        words = {(r[0], r[1]): r[2:] for r in table_rows(screen, "#values")}
        assert words == {("信息来源", "户外大屏"): ["1", "（未对应）"]}  # 懂车帝 is known
        await pilot.press("v")
        await pilot.press("enter")
        assert isinstance(app.screen, PickScreen)
        app.screen.dismiss("outdoor")
        await wait_for(
            pilot,
            lambda: any(
                r[1] == "户外大屏" and r[3] == "户外/电台广告"
                for r in table_rows(screen, "#values")
            ),
        )
        await settle(pilot)
        assert not any("户外大屏" in r[4] for r in table_rows(screen, "#plan"))
        await pilot.press("ctrl+s")  # nothing rejected: no question
        await wait_for(pilot, lambda: not isinstance(app.screen, ImportScreen))
        await settle(pilot)
    with ctx.db.read() as s:
        got = {n: m for n, m in s.exec(select(Customer.name, Customer.media)) if "媒体" in n}
    assert got == {"媒体甲": "outdoor", "媒体乙": "auto_sites"}
    ctx.db.close()
