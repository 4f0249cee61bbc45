"""Every user-visible message id has a Chinese translation, with the same placeholders."""

import re
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
    assert _("Added {name} (#{id}).", name="王伟", id=3) == "已添加 王伟（#3）。"
    assert _("no such message") == "no such message"
    assert translate_to("en", "Won") == "Won"


def test_catalogue_keeps_to_the_glossary():
    from deskterm.i18n.glossary import violations

    assert violations(MESSAGES) == []


def test_glossary_catches_a_forbidden_term():
    from deskterm.i18n.glossary import violations

    assert violations({"Returning": "老客户"})  # 老客户 = has already bought
    assert violations({"Escalation in": "距升级"})  # escalation is not an upgrade
    assert violations({"Meeting report — {first} to {last}": "晨会报表"})
    assert violations({"Who are you?": "你是哪位?"})
    assert violations({"Upgrades": "升级"}) == []
    # The arrivals column holds channels and service visits: 类型/来源 there only.
    assert violations({"arrivals\x04Channel": "类型/来源"}) == []
    assert violations({"Channel": "类型/来源"})


def test_a_message_context_gives_each_use_its_own_words():
    from deskterm.i18n import N_p, _p

    set_language("zh")
    try:
        assert _p("staff", "active") == "在职"
        assert _("active") == "在跟进"
        assert _(N_p("key", "Form")) == "填表"
        set_language("en")
        assert _p("staff", "active") == "active"
        assert _(N_p("key", "Form")) == "Form"
    finally:
        set_language("en")


CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
# ASCII ,:;!?() touching a Chinese character, or a full stop after one (a "." before a
# letter is a file extension or a code: 备份.dump, .xlsx, so only ".汉" and "汉." count).
ASCII_NEXT_TO_CJK = re.compile(rf"{CJK}[,:;!?()]|{CJK}\.(?![A-Za-z])|[,:;!?()]{CJK}|\.{CJK}")


# An ASCII ,:; beside a placeholder in Chinese text: "{field}:{value}" or "hot:{value}"
# print "级别:A级" — the colon of a Chinese label, so it is full-width like the others.
ASCII_BY_PLACEHOLDER = re.compile(r"\}[,:;]|[\w}][,:;]\s*\{")
# Code is exempt, being typed or read as such: a URL ("http://{host}:{port}", the colon
# a port separator), an option and its argument ("--update 级别,车型,姓名", "--value
# {name}:{value}=…"), a FIELD:TEXT=VALUE example ("级别:A级=准购买"), a clock time
# ("{hour}:{minute}", none in the catalogue today). A code token ends at a space or at
# full-width punctuation, so a sentence around it is still checked.
_TOKEN = r"[^\s，。：；！？（）“”、]"
CODE_TOKEN = re.compile(
    rf"--[a-z][a-z-]* +{_TOKEN}+|{_TOKEN}*://{_TOKEN}*"
    # after "=" a colon is no longer the example's: "level:A级=hot:{value}" is caught
    rf"|{_TOKEN}*=[^\s，。：；！？（）“”、:]*"
    r"|\{(?:h|hh|hour|hours)\}:\{(?:m|mm|minute|minutes)\}"
)


def _not_full_width(zh: str) -> bool:
    chinese = re.search(CJK, zh) is not None
    if chinese:
        zh = CODE_TOKEN.sub("CODE", zh)  # a word: "CODE:{value}" is still caught
    return (
        bool(ASCII_NEXT_TO_CJK.search(zh))
        or "你" in zh
        or (chinese and ('"' in zh or bool(ASCII_BY_PLACEHOLDER.search(zh))))
    )


def test_chinese_text_uses_full_width_punctuation_and_nin():
    assert {m: zh for m, zh in MESSAGES.items() if _not_full_width(zh)} == {}


def test_the_punctuation_guard_catches_ascii():
    assert _not_full_width("接待:{total} 批(留档 {n},未留档)")
    assert _not_full_width("你是哪位？")
    assert _not_full_width('另存为"CSV UTF-8"。')
    assert not _not_full_width("接待：{total} 批（留档 {n}，未留档）")
    assert not _not_full_width("pg_restore --dbname 地址 备份.dump")


def test_the_punctuation_guard_catches_a_colon_between_placeholders():
    assert _not_full_width("{field}:{value}（{n} 行）")
    assert _not_full_width("例如 hot:{value}。")
    assert _not_full_width("例如 level:A级=hot:{value}。")  # the old entry
    assert _not_full_width("{a}；{b}，{c}:{d}")
    assert not _not_full_width("{field}：{value}（{n} 行）")
    # Code keeps its ASCII: a URL's port, an option's argument, a FIELD:TEXT=VALUE, a time.
    assert not _not_full_width("在浏览器中打开：http://{host}:{port}（按 Ctrl+C 停止）")
    assert not _not_full_width("{field}：{value}，例如 --value {name}:{value}=…")
    assert not _not_full_width("例如 --update 级别,车型,姓名（默认保留）")
    assert not _not_full_width("请写成 字段:表中文字=值，例如 级别:A级=准购买。")
    assert not _not_full_width("{hour}:{minute} 到店")
    # …but only the code: the sentence after it is still read.
    assert _not_full_width("例如 --update 级别,车型 然后{a}:{b}")
    assert not _not_full_width("{a}:{b}")  # English (no Chinese): not this test's business
