"""Keys a shop can change: ``keys.<binding id>`` settings, checked, fed to App.set_keymap."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets._footer import FooterKey

import deskterm.ui.screens
import deskterm.ui.widgets
from deskterm.domain import keys
from deskterm.errors import InvalidInput
from deskterm.services import rotation, setup
from deskterm.ui.app import create_app
from deskterm.ui.screens.dialogs import PickScreen
from tests.ui_helpers import settle, wait_for


def _ui_bindings() -> dict[str, tuple[str, str]]:
    """Every binding with an id in deskterm/ui: id -> (class, key).

    Sub-packages too: a screen made of widgets keeps its tabs' keys in its own package
    (``screens/manager/``)."""
    modules = ["deskterm.ui.app"] + [
        m.name
        for package in (deskterm.ui.screens, deskterm.ui.widgets)
        for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
    ]
    found: dict[str, tuple[str, str]] = {}
    for name in modules:
        module = importlib.import_module(name)
        for cls in vars(module).values():
            if not (inspect.isclass(cls) and issubclass(cls, DOMNode) and cls.__module__ == name):
                continue
            for binding in cls.__dict__.get("BINDINGS", []):
                if isinstance(binding, Binding) and binding.id:
                    found[binding.id] = (cls.__qualname__, binding.key)
    return found


def test_the_catalogue_is_the_screens_bindings():
    """A binding added, renamed or moved to another key in the UI must be added here too:
    otherwise a shop could not move it, or the clash check would miss it."""
    ui = _ui_bindings()
    assert sorted(ui) == sorted(keys.BINDINGS)
    assert {bid: key for bid, (_cls, key) in ui.items()} == {
        bid: key for bid, (_place, key) in keys.BINDINGS.items()
    }
    # one class, one place: the clash check compares the keys that share a screen
    places: dict[str, set[str]] = {}
    for bid, (cls, _key) in ui.items():
        places.setdefault(cls, set()).add(keys.BINDINGS[bid][0])
    assert all(len(p) == 1 for p in places.values()), places


def test_the_default_keys_do_not_clash():
    keys.clashes({bid: default for bid, (_place, default) in keys.BINDINGS.items()})


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("k", "k"),
        ("K", "K"),
        (" ctrl+K ", "ctrl+k"),
        ("shift+ctrl+up", "ctrl+shift+up"),
        ("F9", "f9"),
        ("[", "left_square_bracket"),
        ("/", "slash"),
        ("space,enter", "space,enter"),
        ("ctrl++", "ctrl+plus"),
    ],
)
def test_keys_are_written_as_textual_reads_them(text, normal):
    assert keys.normalize_keys(text) == normal


@pytest.mark.parametrize(
    "text", ["", "ctrl+", "hyper+nothing", "fn+k", "ctrl+kk", "f25", "k,k", "[bold]", "欧", "a|b"]
)
def test_a_key_nobody_can_press_is_refused(text):
    with pytest.raises(InvalidInput):
        keys.normalize_keys(text)


def test_setting_checks(ctx):
    assert setup.check_setting("keys.reception.skip", " K ") == "K"
    assert setup.check_setting("keys.form.save", "ctrl+enter") == "ctrl+enter"
    refusals = {
        ("keys.reception.nothing", "k"): "no key binding has the id reception.nothing",
        ("keys.", "k"): "no key binding",
        ("keys.reception.skip", "ctrl+wat"): "is not a key",
        ("keys.reception.skip", "[/b]"): "is not a key",
        ("keys.reception.skip", "ctrl+q"): "kept for deskterm itself",
        ("keys.reception.skip", "tab"): "kept for deskterm itself",
        ("keys.form.save", "s"): "would be typed into the field",
        ("keys.form.save", "space"): "would be typed into the field",
        # the same screen: n is the walk-in's
        ("keys.reception.skip", "n"): "already the key of reception.walk_in",
        # the app's F-keys are on every role screen
        ("keys.reception.skip", "f3"): "already the key of app.callbacks",
        ("keys.app.reception", "n"): "already the key of reception.walk_in",
        # the board's cursor keys are not for the taking
        ("keys.reception.skip", "pagedown"): "already used on that screen",
    }
    for (key, value), says in refusals.items():
        with pytest.raises(InvalidInput) as refused:
            setup.set_setting(ctx, key, value)
        assert says in refused.value.message, (key, value, refused.value.message)
        assert refused.value.field in ("key", "value")
    # another screen's key is free: m is the manager's, not the reception's
    setup.set_setting(ctx, "keys.reception.skip", "m")
    assert setup.get_settings(ctx)["keys.reception.skip"] == "m"
    assert keys.keymap(setup.get_settings(ctx)) == {"reception.skip": "m"}


def test_two_changed_keys_cannot_meet(ctx):
    setup.set_setting(ctx, "keys.reception.skip", "k")
    with pytest.raises(InvalidInput) as refused:
        setup.set_setting(ctx, "keys.reception.undo", "k")
    assert "already the key of reception.skip" in refused.value.message
    # a key given up is free again
    setup.set_setting(ctx, "keys.reception.skip", "s")
    setup.set_setting(ctx, "keys.reception.undo", "k")


def test_a_key_setting_left_by_an_older_version_is_ignored():
    assert keys.keymap({"keys.gone.away": "k", "keys.reception.undo": "z", "shop.name": "x"}) == {
        "reception.undo": "z"
    }


def _footer(app) -> dict[str, str]:
    return {k.description: k.key_display for k in app.screen.query(FooterKey)}


async def test_a_remapped_key_works_and_the_footer_and_palette_show_it(ctx, team):
    setup.set_setting(ctx, "keys.reception.check_in", "k")
    app = create_app(ctx, lang="en", blink=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: "Check in" in _footer(app))
        await settle(pilot)
        assert _footer(app)["Check in"] == "k"
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert commands["Check in"] == "Key: k"
        # the old key does nothing any more
        await pilot.press("i")
        await settle(pilot)
        assert not isinstance(app.screen, PickScreen)
        # the new one asks who checks in; 1 picks the first
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await pilot.press("1")
        await wait_for(pilot, lambda: len(rotation.get_board(ctx).members) == 1)


async def test_a_stored_key_that_clashes_now_is_said_at_start(ctx, team):
    # As a newer deskterm would find it: a key set before another binding took it.
    from deskterm.storage.models import Setting

    with ctx.db.write() as s:
        s.add(Setting(key="keys.reception.skip", value="n"))
    app = create_app(ctx, lang="en", blink=False)
    shown: list[str] = []
    app.notify = lambda message, *a, **k: shown.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert any(
            m.startswith("The shop's keys:") and "already the key of reception.walk_in" in m
            for m in shown
        ), shown
