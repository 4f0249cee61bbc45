"""Translation layer: every user-visible string goes through ``_``.

Message ids are the English text (gettext style), so code reads naturally and a
missing translation falls back to English rather than to a key.  Catalogues are
plain dicts (one module per language) so that a test can prove every id used in
the code has a Chinese translation.
"""

from __future__ import annotations

import locale
import os
import sys
from collections.abc import Mapping
from importlib import import_module

LANGUAGES: dict[str, str] = {"en": "English", "zh": "简体中文"}
#: The module of each language's catalogue (English needs none: its ids are the text).
_MODULES: dict[str, str] = {"zh": "deskterm.i18n.zh_CN"}
_CATALOGUES: dict[str, Mapping[str, str]] = {"en": {}}
_current = "en"


CONTEXT_SEP = "\x04"  # gettext's separator between a message context and its id


def N_(msgid: str) -> str:
    """Mark a string for translation without translating it yet (used at import time)."""
    return msgid


def N_p(context: str, msgid: str) -> str:
    """Mark ``msgid`` in ``context`` for translation at import time (pgettext style).

    The result is a catalogue key ``context\\x04msgid``; ``_`` translates it, and
    without a translation shows ``msgid`` alone.
    """
    return f"{context}{CONTEXT_SEP}{msgid}"


def _lookup(catalogue: Mapping[str, str], msgid: str) -> str:
    """The translation, or the English id (without its context) when there is none."""
    text = catalogue.get(msgid)
    if text is None:
        text = msgid.rpartition(CONTEXT_SEP)[2]
    return text


def normalise_language(value: str | None) -> str | None:
    """Map a locale-ish value (``zh_CN.UTF-8``, ``zh-Hans``, ``en_US``) to a supported language."""
    if not value:
        return None
    v = value.strip().lower().replace("-", "_")
    # Windows names its locales in words: "Chinese (Simplified)_China", "English_United States".
    if v.startswith(("zh", "chinese")):
        return "zh"
    if v.startswith(("en", "english")) or v in {"c", "posix"}:
        return "en"
    return None


def _windows_ui_language_id() -> int:  # pragma: no cover - Windows only; tests replace it
    import ctypes

    return int(ctypes.windll.kernel32.GetUserDefaultUILanguage())  # type: ignore[attr-defined]


def windows_ui_language() -> str | None:
    """The language of Windows' own menus (``zh_CN`` on a Chinese Windows), None elsewhere.

    Windows sets no ``LANG``: this is where a reception PC says it speaks Chinese.
    """
    if sys.platform != "win32":
        return None
    try:
        return locale.windows_locale.get(_windows_ui_language_id())
    except (AttributeError, OSError, ValueError):
        return None


def detect_language(explicit: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """Choose the language: ``--lang``, then ``DESKTERM_LANG``, then the locale (on Windows
    the language of its menus first), else English."""
    env = os.environ if env is None else env
    for candidate in (explicit, env.get("DESKTERM_LANG")):
        lang = normalise_language(candidate)
        if lang:
            return lang
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        lang = normalise_language(env.get(var))
        if lang:
            return lang
    lang = normalise_language(windows_ui_language())
    if lang:
        return lang
    try:
        lang = normalise_language(locale.getlocale()[0])
    except ValueError:  # an unparseable locale name: fall back rather than crash at start-up
        lang = None
    return lang or "en"


def _catalogue(lang: str) -> Mapping[str, str]:
    """``lang``'s catalogue, imported the first time it is needed: an English desk never
    reads the ~1,500 Chinese entries (~8 ms of its start-up)."""
    if lang not in _CATALOGUES:
        if lang not in _MODULES:
            raise ValueError(f"unsupported language: {lang!r}")
        _CATALOGUES[lang] = import_module(_MODULES[lang]).MESSAGES
    return _CATALOGUES[lang]


def set_language(lang: str) -> None:
    """Switch the language for the rest of the process."""
    global _current
    _catalogue(lang)  # read now: ``_`` looks it up on every string
    _current = lang


def get_language() -> str:
    """The language in force."""
    return _current


def _(msgid: str, /, **params: object) -> str:
    """Translate ``msgid`` into the current language and fill ``{placeholders}``."""
    text = _lookup(_CATALOGUES[_current], msgid)
    return text.format(**params) if params else text


def _p(context: str, msgid: str, /, **params: object) -> str:
    """Translate ``msgid`` as used in ``context``: one English word, two meanings.

    E.g. ``_p("staff", "active")`` is 在职 while a customer's ``active`` is 在跟进.
    """
    return _(N_p(context, msgid), **params)


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    """Translate a message that depends on a count ``n`` (filled in as ``{n}``).

    Both forms are message ids (the English singular and plural); a language with one
    form (Chinese) translates both the same way.
    """
    msgid = singular if n == 1 else plural
    return _CATALOGUES[_current].get(msgid, msgid).format(n=n, **params)


def translate_to(lang: str, msgid: str, /, **params: object) -> str:
    """Translate into a given language regardless of the current one."""
    text = _lookup(_catalogue(lang), msgid)
    return text.format(**params) if params else text
