"""Keys a shop can change: the catalogue of key bindings and the rules for a new key.

A shop setting ``keys.<binding id> = <key>`` moves one binding to another key (the app
hands them to Textual's ``App.set_keymap`` at start). The catalogue is written out here,
not read from the screens, because the command line and the services must check a setting
without loading the interface; tests/test_keymap.py proves it lists exactly the screens'
bindings, with their default keys.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping

from deskterm.errors import InvalidInput

#: The prefix of a key setting: ``keys.reception.skip``.
SETTING_PREFIX = "keys."

#: Where a binding acts: the app (every screen), a role screen, or a dialog. A key is
#: refused when it is already another binding's in the same place.
APP = "app"
#: The role screens: the app's F-keys and Ctrl+O act on them too.
SCREENS = ("reception", "callbacks", "customers", "meeting", "manager", "marketing", "care")
#: Dialogs with a text field: a plain letter or digit would be typed, never reach the key.
TYPING = ("firstrun", "form", "edit", "contact", "lead", "tick", "prompt", "pick", "import")

#: binding id -> (where it acts, its default keys as the screens declare them).
BINDINGS: dict[str, tuple[str, str]] = {
    "app.reception": (APP, "f2"),
    "app.callbacks": (APP, "f3"),
    "app.customers": (APP, "f4"),
    "app.meeting": (APP, "f5"),
    "app.manager": (APP, "f6"),
    "app.marketing": (APP, "f7"),
    "app.care": (APP, "f8"),
    "app.sign_out": (APP, "ctrl+o"),
    "app.table_top": (APP, "home"),
    "app.table_end": (APP, "end"),
    "reception.walk_in": ("reception", "n"),
    "reception.returning": ("reception", "r"),
    "reception.uncounted": ("reception", "x"),
    "reception.remote": ("reception", "p"),
    "reception.done": ("reception", "d"),
    "reception.break": ("reception", "b"),
    "reception.skip": ("reception", "s"),
    "reception.undo": ("reception", "u"),
    "reception.log": ("reception", "l"),
    "reception.give_turn": ("reception", "g"),
    "reception.check_in": ("reception", "i"),
    "reception.check_out": ("reception", "o"),
    "reception.form": ("reception", "f"),
    "reception.override": ("reception", "h"),
    "reception.arrive": ("reception", "a"),
    "reception.waiting_left": ("reception", "w"),
    "reception.up": ("reception", "ctrl+up"),
    "reception.down": ("reception", "ctrl+down"),
    "callbacks.tick": ("callbacks", "space"),
    "callbacks.who": ("callbacks", "w"),
    "customers.search": ("customers", "slash"),
    "customers.edit": ("customers", "e"),
    "meeting.prev": ("meeting", "left_square_bracket"),
    "meeting.next": ("meeting", "right_square_bracket"),
    "meeting.today": ("meeting", "t"),
    "meeting.period": ("meeting", "p"),
    "meeting.range": ("meeting", "r"),
    "meeting.export": ("meeting", "x"),
    "manager.assign": ("manager", "a"),
    "manager.take": ("manager", "m"),
    "manager.approve": ("manager", "y"),
    "manager.send_back": ("manager", "n"),
    "manager.countermeasure": ("manager", "c"),
    "manager.range": ("manager", "r"),
    "manager.export": ("manager", "x"),
    "manager.import": ("manager", "i"),
    "manager.imports": ("manager", "b"),
    "manager.export_data": ("manager", "e"),
    "manager.target_set": ("manager", "t"),
    "manager.target_clear": ("manager", "d"),
    "manager.target_copy": ("manager", "p"),
    "manager.action_add": ("manager", "w"),
    "manager.action_close": ("manager", "o"),
    "manager.coaching_log": ("manager", "l"),
    "manager.countermeasure_review": ("manager", "v"),
    "manager.media_spend": ("manager", "s"),
    "manager.media_copy": ("manager", "f"),
    "manager.media_clear": ("manager", "delete"),
    "manager.lists": ("manager", "k"),
    "manager.group_read": ("manager", "g"),
    "lists.add": ("lists", "a"),
    "lists.rename": ("lists", "r"),
    "lists.retire": ("lists", "delete"),
    "lists.close": ("lists", "escape"),
    "lists.up": ("lists", "ctrl+up"),
    "lists.down": ("lists", "ctrl+down"),
    "manager.media_prev": ("manager", "left_square_bracket"),
    "manager.media_next": ("manager", "right_square_bracket"),
    "marketing.contact": ("marketing", "space"),
    "marketing.hand_back": ("marketing", "h"),
    "marketing.lead": ("marketing", "l"),
    "marketing.search": ("marketing", "slash"),
    "marketing.who": ("marketing", "w"),
    "care.tick": ("care", "space"),
    "care.who": ("care", "w"),
    "firstrun.done": ("firstrun", "escape"),
    "firstrun.add": ("firstrun", "enter"),
    "firstrun.role1": ("firstrun", "1"),
    "firstrun.role2": ("firstrun", "2"),
    "firstrun.role3": ("firstrun", "3"),
    "form.save": ("form", "ctrl+s"),
    "form.cancel": ("form", "escape"),
    "form.next": ("form", "enter"),
    "edit.save": ("edit", "ctrl+s"),
    "edit.cancel": ("edit", "escape"),
    "contact.save": ("contact", "ctrl+s"),
    "contact.cancel": ("contact", "escape"),
    "lead.save": ("lead", "ctrl+s"),
    "lead.cancel": ("lead", "escape"),
    "tick.save": ("tick", "ctrl+s"),
    "tick.cancel": ("tick", "escape"),
    "prompt.cancel": ("prompt", "escape"),
    "cancel": ("pick", "escape"),
    "yes": ("confirm", "y"),
    "no": ("confirm", "n,escape"),
    "import.field": ("import", "f"),
    "import.owner": ("import", "o"),
    "import.header_row": ("import", "h"),
    "import.values": ("import", "v"),
    "import.update": ("import", "u"),
    "import.commit": ("import", "ctrl+s"),
    "import.cancel": ("import", "escape"),
    "imports.undo": ("imports", "u"),
    "imports.close": ("imports", "escape"),
    "log.cancel": ("log", "escape"),
}

#: Keys taken in a place by bindings nobody may move (no id) or by the widgets there.
FIXED: dict[str, tuple[str, ...]] = {
    "confirm": ("enter",),
    "pick": ("down", *"123456789"),
    "form": ("left", "right", "space"),
    "tick": ("left", "right", "space"),
    "edit": ("left", "right", "space"),
    "contact": ("left", "right", "space"),
    "lead": ("left", "right", "space"),
    "reception": ("up", "down", "pageup", "pagedown", "home", "end", "enter"),
    "callbacks": ("up", "down", "pageup", "pagedown", "home", "end", "enter"),
    "customers": ("up", "down", "pageup", "pagedown", "home", "end", "enter"),
    "manager": ("up", "down", "pageup", "pagedown", "home", "end", "enter", "left", "right"),
    "marketing": ("up", "down", "pageup", "pagedown", "home", "end", "enter"),
    "care": ("up", "down", "pageup", "pagedown", "home", "end", "enter"),
    "imports": ("up", "down", "pageup", "pagedown", "home", "end", "enter"),
    "lists": ("up", "down", "pageup", "pagedown", "home", "end", "enter"),
    "log": ("up", "down", "pageup", "pagedown", "home", "end", "enter"),
}

#: Keys nobody may take: quit, the command palette, copy, and moving between fields.
RESERVED = ("ctrl+q", "ctrl+p", "ctrl+c", "tab", "shift+tab")

_MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
_NAMED = {
    "escape",
    "enter",
    "space",
    "backspace",
    "delete",
    "insert",
    "home",
    "end",
    "pageup",
    "pagedown",
    "up",
    "down",
    "left",
    "right",
    "tab",
    *(f"f{n}" for n in range(1, 25)),
}
#: Keys a text field uses itself (moving, deleting, a space).
_EDITING = {"space", "backspace", "delete", "insert", "home", "end", "left", "right", "enter"}
# Textual's long names of the characters (see textual.keys._character_to_key).
_REPLACEMENTS = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def _character_name(char: str) -> str:
    """A single character as Textual names its key (``[`` -> ``left_square_bracket``)."""
    if char.isalnum():
        return char
    name = unicodedata.name(char, char).lower().replace("-", "_").replace(" ", "_")
    return _REPLACEMENTS.get(name, name)


_PUNCTUATION = {_character_name(c) for c in string.punctuation if c != ","}


def normalize_key(text: str) -> str:
    """One key in Textual's spelling, or :class:`InvalidInput`.

    ``ctrl+S`` -> ``ctrl+s``, ``[`` -> ``left_square_bracket``, ``F9`` -> ``f9``; a plain
    letter keeps its case (``N`` is Shift+N).
    """
    text = text.strip()
    if len(text) == 1 and text.isascii() and text.isprintable() and text not in " ,":
        return _character_name(text)
    *modifiers, base = text.split("+") if text else [""]
    if base == "" and text.endswith("+") and len(text) > 1:
        modifiers, base = modifiers[:-1], "+"  # "ctrl++"
    modifiers = [m.strip().lower() for m in modifiers]
    if len(base.strip()) == 1 and modifiers:
        base = _character_name(base.strip().lower())
    else:
        base = base.strip().lower()
    if (
        base not in _NAMED
        and base not in _PUNCTUATION
        and not (len(base) == 1 and base.isalnum() and base.isascii())
    ) or any(m not in _MODIFIERS for m in modifiers):
        raise InvalidInput(
            "{key} is not a key: write a letter, a digit, a sign, or a name such as f9, "
            "ctrl+k, escape, space, pagedown.",
            field="value",
            key=text,
        )
    ordered = [m for m in _MODIFIERS if m in modifiers]
    return "+".join([*ordered, base])


def normalize_keys(text: str) -> str:
    """One or more keys, comma-separated (``space,enter``), in Textual's spelling."""
    keys = [normalize_key(part) for part in text.split(",")]
    if len(set(keys)) != len(keys):
        raise InvalidInput("{keys} names the same key twice.", field="value", keys=text)
    return ",".join(keys)


def binding_id(setting: str) -> str:
    """The binding id of a ``keys.<id>`` setting, or :class:`InvalidInput`."""
    bid = setting.removeprefix(SETTING_PREFIX)
    if not setting.startswith(SETTING_PREFIX) or bid not in BINDINGS:
        raise InvalidInput(
            "{key}: no key binding has the id {id} (deskterm settings keys lists them).",
            field="key",
            key=setting,
            id=bid,
        )
    return bid


def check_key(bid: str, keys: str) -> str:
    """The new key(s) of binding ``bid``, normalized; refused if nobody could press them
    there: reserved, typed into a field, or taken by another binding where it acts."""
    keys = normalize_keys(keys)
    place = BINDINGS[bid][0]
    for key in keys.split(","):
        if key in RESERVED:
            raise InvalidInput(
                "{key} is kept for deskterm itself (quit, palette, copy, next field).",
                field="value",
                key=key,
            )
        if place in TYPING and "+" not in key and key not in _NAMED - _EDITING:
            raise InvalidInput(
                "{key} would be typed into the field: use ctrl+, alt+ or a key such as f9.",
                field="value",
                key=key,
            )
    return keys


def keymap(settings: Mapping[str, str]) -> dict[str, str]:
    """The shop's ``keys.*`` settings as a keymap (binding id -> keys); unknown ids left out
    (a setting of a binding removed by a newer version must not stop the desk)."""
    return {
        key.removeprefix(SETTING_PREFIX): value
        for key, value in settings.items()
        if key.startswith(SETTING_PREFIX) and key.removeprefix(SETTING_PREFIX) in BINDINGS
    }


def _places_seen_from(place: str) -> tuple[str, ...]:
    """The places whose keys share a screen with ``place``'s."""
    if place == APP:
        return (APP, *SCREENS)
    if place in SCREENS:
        return (place, APP)
    return (place,)


def clashes(overrides: Mapping[str, str]) -> None:
    """:class:`InvalidInput` if, with ``overrides`` applied, two bindings acting on the
    same screen share a key (or one takes a key fixed there)."""
    current = {bid: overrides.get(bid, default) for bid, (_place, default) in BINDINGS.items()}
    for bid in overrides:
        place = BINDINGS[bid][0]
        for key in current[bid].split(","):
            for screen in (place,) if place != APP else SCREENS:
                # A binding at its own default key is what provides that key there
                # (Home/End in every table): only a key moved onto a fixed one clashes.
                if key in FIXED.get(screen, ()) and key != BINDINGS[bid][1]:
                    raise InvalidInput(
                        "{key} is already used on that screen; {id} cannot have it.",
                        field="value",
                        key=key,
                        id=bid,
                    )
            for other, (other_place, _default) in BINDINGS.items():
                if (
                    other != bid
                    and other_place in _places_seen_from(place)
                    and key in current[other].split(",")
                ):
                    raise InvalidInput(
                        "{key} is already the key of {other}; {id} cannot have it too.",
                        field="value",
                        key=key,
                        other=other,
                        id=bid,
                    )
