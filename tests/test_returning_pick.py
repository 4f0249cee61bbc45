"""The returning-customer pick (`r` on Reception, issue 16): the one customer whose whole
phone or whole name was typed is taken without a list; two of the same name are never
guessed between. Driven with keys, in English and Chinese, with names people really have."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import OptionList, Static

from deskterm.services import customers, reception, rotation, setup
from deskterm.services.reception import ReceptionForm
from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import CustomerPickScreen
from deskterm.ui.screens.form import ReceptionFormScreen
from deskterm.ui.screens.reception import ReceptionScreen
from tests.ui_helpers import settle, wait_for

HOSTILE = json.loads((Path(__file__).parent / "fixtures" / "hostile-strings.json").read_text())
SIZE = (120, 36)


@pytest.fixture
def desk(ctx, team):
    for sid in (team.wang, team.li, team.zhao):
        rotation.check_in(ctx, sid)
    return ctx


def on_file(desk, name: str, phone: str) -> str:
    """A customer saved from a walk-in; returns the stored phone."""
    a = rotation.walk_in(desk)
    reception.save_form(
        desk, a.reception_id, ReceptionForm(name=name, phone=phone, purchase_horizon="1m")
    )
    rotation.done(desk, a.salesperson_id)
    (c,) = [c for c in customers.search(desk, phone) if c.exact_phone]
    return c.phone or ""


async def open_pick(pilot, app) -> None:
    await settle(pilot)
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, CustomerPickScreen))


async def type_query(pilot, app, text: str) -> None:
    """Type into the search box key by key, as a person (or an IME committing) does."""
    await pilot.press(*text)


def form_phone(app) -> str:
    return app.screen.query_one("#phone").value


# (name on file, what the receptionist types): case, full width and spaces differ.
EXACT = [
    ("Hans Müller", "HANS  Müller"),  # ASCII case: SQLite folds no other
    ("欧阳娜娜", "欧阳娜娜"),
    ("司马相如先生", "  司马相如先生"),
    ("Lee [VIP]", "lee [vip]"),
    ("王[b]伟", "王[b]伟"),
    ("[bold red]Red[/]", "[BOLD RED]red[/]"),
    ("ABC Wang", "ＡＢＣ ｗａｎｇ"),
]


# The hostile ones are the shared fixture's own.
assert {"欧阳娜娜", "司马相如先生"} <= set(HOSTILE["cjk"])
assert {"Lee [VIP]", "王[b]伟", "[bold red]Red[/]"} <= set(HOSTILE["markup"])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("name", "typed"), EXACT)
async def test_a_single_exact_name_is_taken_without_a_list(desk, lang, name, typed):
    # Others on file whose names share words with it, contacted later (a "take the first
    # of the list" would reach them first), but none of them contains what is typed.
    wanted = on_file(desk, name, "13800138001")
    on_file(desk, "Ole Hansen", "13800138002")
    on_file(desk, "欧阳修", "13800138003")
    on_file(desk, "司马光", "13800138004")
    on_file(desk, "Lee Wang", "13800138005")
    app = create_app(desk, lang=lang, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_pick(pilot, app)
        await type_query(pilot, app, typed)
        # No Enter: the pick closes by itself and the form opens for that customer.
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        assert form_phone(app).replace(" ", "") == wanted.removeprefix("+86")
        assert app.screen.query_one("#name").value == name


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_two_customers_of_the_same_name_are_a_list_and_enter_does_not_guess(desk, lang):
    first = on_file(desk, "欧阳娜娜", "13800138011")
    second = on_file(desk, "欧阳娜娜", "13800138012")
    app = create_app(desk, lang=lang, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_pick(pilot, app)
        await type_query(pilot, app, "欧阳娜娜")
        await wait_for(pilot, lambda: len(app.screen.found) == 2)
        await settle(pilot)
        assert isinstance(app.screen, CustomerPickScreen)  # a list, not a guess
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerPickScreen)  # Enter does not take the first
        note = str(app.screen.query_one("#err-query", Static).render())
        assert "欧阳娜娜" in note
        assert ("choose" in note) if lang == "en" else ("选择" in note)
        results = app.screen.query_one("#results", OptionList)
        assert app.focused is results and results.highlighted == 0
        # The receptionist reads the phones and picks the second line.
        line = str(results.get_option_at_index(1).prompt)
        target = first if first[-4:] in line.replace(" ", "") else second
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        assert form_phone(app).replace(" ", "") == target.removeprefix("+86")


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_name_that_begins_another_stays_a_list_and_enter_takes_the_exact_one(desk, lang):
    """ "Anna" while "Anna Schmidt" (contacted later) is on file: a list, not a jump to
    Anna while the receptionist may still be typing; Enter takes Anna, not the first
    contacted."""
    anna = on_file(desk, "Anna", "13800138021")
    on_file(desk, "Anna Schmidt", "13800138022")
    on_file(desk, "Joanna", "13800138023")
    app = create_app(desk, lang=lang, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_pick(pilot, app)
        await type_query(pilot, app, "ANNA")
        await wait_for(pilot, lambda: len(app.screen.found) == 3)
        await settle(pilot)
        assert isinstance(app.screen, CustomerPickScreen)
        assert [c.name for c in app.screen.found][0] == "Anna"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        assert form_phone(app).replace(" ", "") == anna.removeprefix("+86")


async def test_the_exact_name_goes_to_its_owner_as_a_returning_customer(desk, team):
    """Taken without a list, the customer goes to their owner (rule 6), not to next-up."""
    on_file(desk, "回头客", "13800138031")  # Wang received them: Wang owns them
    app = create_app(desk, lang="zh", blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_pick(pilot, app)
        await type_query(pilot, app, "回头客")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
    recs = reception.arrivals(desk)
    assert recs[0].requested and recs[0].salesperson == "王伟"


@pytest.mark.both_databases
def test_search_marks_the_exact_name_whatever_its_case_width_and_spaces(desk):
    on_file(desk, "Hans Müller", "13800138041")
    on_file(desk, "Ole Hansen", "13800138042")
    found = customers.search(desk, "ＨＡＮＳ  Müller")
    assert [(c.name, c.exact_name) for c in found] == [("Hans Müller", True)]
    found = customers.search(desk, "hans")
    assert [(c.name, c.exact_name) for c in found] == [
        ("Hans Müller", False),
        ("Ole Hansen", False),
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_f_on_a_returning_customers_arrival_opens_the_form_with_them(desk, lang):
    """Esc on the returning customer's form, then f on that arrival: the customer is
    there, as people read the phone, and Esc still closes it at once."""
    on_file(desk, "欧阳娜娜", "13800138051")
    app = create_app(desk, lang=lang, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_pick(pilot, app)
        await type_query(pilot, app, "欧阳娜娜")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        assert form_phone(app) == "138 0013 8051"
        await settle(pilot)
        await pilot.press("escape")  # untouched: closed at once
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
        await pilot.press("f")  # the newest arrival: hers
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        assert app.screen.query_one("#name").value == "欧阳娜娜"
        assert form_phone(app) == "138 0013 8051"
        await settle(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))


async def test_f_on_a_saved_form_opens_it_with_what_was_saved(desk):
    """A form saved, then opened again to correct it: not an empty form to type again."""
    from deskterm.ui.widgets.choice import Choice

    a = rotation.walk_in(desk)
    reception.save_form(
        desk,
        a.reception_id,
        ReceptionForm(
            name="[bold red]Red[/]",
            phone="13800138061",
            model_interest="Model Y",
            budget="200-300k",
            purchase_horizon="1m",
        ),
    )
    app = create_app(desk, blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionFormScreen))
        form = app.screen
        assert form.query_one("#name").value == "[bold red]Red[/]"
        assert form_phone(app) == "138 0013 8061"
        assert form.query_one("#model_interest").value == "Model Y"
        assert form.query_one("#budget", Choice).value == "200-300k"
        assert form.query_one("#purchase_horizon", Choice).value == "1m"
        await pilot.press("ctrl+s")  # saved again unchanged: nothing lost
        await wait_for(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await settle(pilot)
    (c,) = customers.search(desk, "13800138061")
    assert (c.name, c.model_interest) == ("[bold red]Red[/]", "Model Y")
    assert customers.get_details(desk, c.id).budget == "200-300k"


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_pick_list_says_the_shops_level_names_and_keeps_its_hint(tmp_path, size):
    """Chinese: 准购买 / 意向, never the codes hot / warm; at 80x24 a long list still
    leaves the hint under it on screen."""
    from textual.widgets import Label

    from tests.ui_helpers import demo_ctx

    ctx = demo_ctx(tmp_path)
    levels = {lv.code: lv.name_zh for lv in setup.get_levels(ctx)}
    app = create_app(ctx, lang="zh", blink=False)
    async with app.run_test(size=size) as pilot:
        await open_pick(pilot, app)
        await type_query(pilot, app, "王")
        await wait_for(pilot, lambda: len(app.screen.found) >= 10)
        await settle(pilot)
        results = app.screen.query_one("#results", OptionList)
        lines = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        for c, line in zip(app.screen.found, lines, strict=True):
            assert f"  {levels[c.level]}  · " in line, line
            assert f"  {c.level}  · " not in line or levels[c.level] == c.level
        dialog = app.screen.query_one(".dialog")
        hint = app.screen.query(Label).last()
        assert dialog.content_region.contains_region(hint.region), (hint.region, dialog.region)
    ctx.db.close()


@pytest.mark.both_databases
def test_the_whole_name_is_found_behind_many_more_recent_names_containing_it(desk):
    """The search reads the most recent hits only; the customers of the very name typed,
    contacted longer ago, are still found and first (both of them: no guess)."""
    from datetime import timedelta

    first = on_file(desk, "王伟", "13800138071")
    second = on_file(desk, "王伟", "13800138072")
    start = desk.clock.now()
    for i in range(10):  # more than a search of 2 reads (2 x 4), all contacted later
        desk.clock.set(start + timedelta(minutes=i + 1))
        on_file(desk, f"王伟{'甲乙丙丁戊己庚辛壬癸'[i]}", f"139001380{i:02d}")
    found = customers.search(desk, "王伟", limit=2)
    assert {c.phone for c in found} == {first, second}
    assert all(c.exact_name for c in found)


@pytest.mark.parametrize("size", [(100, 30), (160, 45)])
async def test_the_pick_keeps_its_size_as_the_field_is_typed_and_emptied(desk, size):
    """The dialog is as tall with no results as with a list: one that shrank when the
    receptionist deleted what was typed vanished from a real terminal (tmux) while its
    field still took the keys, so the next `n` went into a search nobody could see."""
    on_file(desk, "欧阳娜娜", "13800138021")
    on_file(desk, "李娜", "13800138022")
    app = create_app(desk, lang="zh", blink=False)
    async with app.run_test(size=size) as pilot:
        await open_pick(pilot, app)
        box = app.screen.query_one(".dialog")
        empty = box.region
        await type_query(pilot, app, "娜")
        await wait_for(pilot, lambda: len(app.screen.found) == 2)
        await settle(pilot)
        assert box.region == empty
        await pilot.press("backspace")
        await wait_for(pilot, lambda: app.screen.found == [])
        await settle(pilot)
        assert isinstance(app.screen, CustomerPickScreen)
        assert box.region == empty


@pytest.mark.both_databases
def test_one_character_finds_the_names_starting_with_it_first_however_old(desk):
    """ "王" typed alone: the customers surnamed 王 rank before names that only hold the
    character, even when a dozen of those were contacted since (a server reads the names
    by their first character from their own index; a file reads every hit it has)."""
    from datetime import timedelta

    old = on_file(desk, "王娜", "13800138081")
    start = desk.clock.now()
    for i in range(12):  # more than a search of 2 reads of the newest hits
        desk.clock.set(start + timedelta(minutes=i + 1))
        on_file(desk, f"李王{'甲乙丙丁戊己庚辛壬癸子丑'[i]}", f"139001381{i:02d}")
    found = customers.search(desk, "王", limit=2)
    assert found[0].phone == old
    assert found[1].name == "李王丑"  # then the newest that holds it
