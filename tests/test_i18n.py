"""Every user-visible message id has a Chinese translation, with the same placeholders."""

import string

from deskterm.i18n import _, detect_language, set_language, translate_to
from deskterm.i18n.extract import message_ids
from deskterm.i18n.zh_CN import MESSAGES


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_message_id_is_translated():
    missing = {m: where for m, where in message_ids().items() if m not in MESSAGES}
    assert missing == {}


def test_translations_keep_their_placeholders():
    for msgid, zh in MESSAGES.items():
        assert _fields(msgid) == _fields(zh), msgid


def test_no_stale_translations():
    used = set(message_ids())
    assert sorted(set(MESSAGES) - used) == []


def test_language_choice_order():
    assert detect_language("zh", {}) == "zh"
    assert detect_language(None, {"DESKTERM_LANG": "zh_CN"}) == "zh"
    assert detect_language(None, {"LANG": "zh_CN.UTF-8"}) == "zh"
    assert detect_language("en", {"DESKTERM_LANG": "zh"}) == "en"
    assert detect_language(None, {"LANG": "fr_FR.UTF-8", "LC_ALL": ""}) in ("en", "zh")


def test_translate_and_fallback():
    set_language("zh")
    assert _("Won") == "成交"
    assert _("Added {name} (#{id}).", name="王伟", id=3) == "已添加 王伟(#3)。"
    assert _("no such message") == "no such message"
    assert translate_to("en", "Won") == "Won"
