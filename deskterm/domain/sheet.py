"""Importing a showroom's own customer sheet: which column is what, and what each row becomes.

Pure rules, no files and no SQL: the caller reads the sheet (CSV or .xlsx) into a header
and rows, and passes what is already on file (customers by phone, salespeople by name,
the levels). ``plan_rows`` answers, line by line, *create*, *merge* or *reject* and why,
so a dry run and the real import show the same decisions.

De-duplication is by phone, as at the desk: a phone already on file merges into that
customer (their owner, level and name stay; the sheet only fills what is blank), and a
phone seen twice in the sheet merges into its first line.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from deskterm.domain.levels import Levels, PurchaseHorizon
from deskterm.domain.phone import normalize_phone
from deskterm.domain.text import clean_field
from deskterm.errors import DesktermError, InvalidInput
from deskterm.i18n import N_, _


class ImportField(StrEnum):
    """What a column of the sheet can hold."""

    NAME = "name"
    PHONE = "phone"
    CONTACT_OTHER = "contact_other"
    LEVEL = "level"
    OWNER = "owner"
    MODEL_INTEREST = "model_interest"
    BUDGET = "budget"
    PURCHASE_HORIZON = "purchase_horizon"
    SOURCE_CHANNEL = "source_channel"
    NOTES = "notes"
    CREATED = "created"
    LAST_CONTACT = "last_contact"
    NEXT_CALLBACK = "next_callback"
    MEDIA = "media"  # last: deskterm's exports write it as their last column


FIELD_LABELS: dict[ImportField, str] = {
    ImportField.NAME: N_("name"),
    ImportField.PHONE: N_("phone"),
    ImportField.CONTACT_OTHER: N_("other contact"),
    ImportField.LEVEL: N_("level"),
    ImportField.OWNER: N_("salesperson"),
    ImportField.MODEL_INTEREST: N_("model"),
    ImportField.BUDGET: N_("budget"),
    ImportField.PURCHASE_HORIZON: N_("purchase time"),
    ImportField.SOURCE_CHANNEL: N_("source"),
    ImportField.NOTES: N_("notes"),
    ImportField.CREATED: N_("first visit"),
    ImportField.LAST_CONTACT: N_("last contact"),
    ImportField.NEXT_CALLBACK: N_("next callback"),
    ImportField.MEDIA: N_("heard of us"),
}

#: Headers recognised for each field, English and Chinese, compared after ``_key``.
HEADER_ALIASES: dict[ImportField, tuple[str, ...]] = {
    ImportField.NAME: (
        "name",
        "customer",
        "customer name",
        "client",
        "姓名",
        "客户",
        "客户姓名",
        "客户名称",
        "名字",
    ),
    ImportField.PHONE: (
        "phone",
        "mobile",
        "tel",
        "telephone",
        "phone number",
        "mobile phone",
        "cell",
        "电话",
        "手机",
        "手机号",
        "手机号码",
        "联系电话",
        "电话号码",
        "联系方式",
    ),
    ImportField.CONTACT_OTHER: (
        "other contact",
        "wechat",
        "email",
        "微信",
        "微信号",
        "邮箱",
        "其他联系方式",
    ),
    ImportField.LEVEL: (
        "level",
        "grade",
        "intent",
        "intent level",
        "级别",
        "等级",
        "意向级别",
        "客户级别",
        "意向等级",
    ),
    ImportField.OWNER: (
        "owner",
        "salesperson",
        "sales",
        "consultant",
        "sales consultant",
        "销售顾问",
        "顾问",
        "销售",
        "负责人",
        "跟进人",
        "所属顾问",
    ),
    ImportField.MODEL_INTEREST: (
        "model",
        "model interest",
        "car",
        "vehicle",
        "车型",
        "意向车型",
        "关注车型",
    ),
    ImportField.BUDGET: ("budget", "预算", "购车预算"),
    ImportField.PURCHASE_HORIZON: (
        "purchase time",
        "horizon",
        "purchase horizon",
        "when to buy",
        "购车时间",
        "购买时间",
        "预计购车时间",
        "拟购时间",
    ),
    ImportField.SOURCE_CHANNEL: ("source", "channel", "来源", "渠道", "客户来源", "来源渠道"),
    ImportField.NOTES: (
        "notes",
        "note",
        "remarks",
        "remark",
        "comment",
        "comments",
        "备注",
        "说明",
        "情况说明",
    ),
    ImportField.CREATED: (
        "first visit",
        "created",
        "date",
        "visit date",
        "建档日期",
        "首次到店",
        "登记日期",
        "到店日期",
        "日期",
    ),
    ImportField.LAST_CONTACT: (
        "last contact",
        "last visit",
        "last follow-up",
        "最近联系",
        "最后联系",
        "上次联系",
        "最近联系时间",
        "上次回访",
    ),
    ImportField.NEXT_CALLBACK: (
        "next callback",
        "next follow-up",
        "callback",
        "下次回访",
        "下次跟进",
        "下次回访时间",
        "回访日期",
    ),
    # How the visitor heard of the shop (issue 18). Not 来源 / 客户来源 / 来源渠道:
    # showrooms write those for the source channel (walk-in, phone, online).
    ImportField.MEDIA: (
        "heard of us",
        "media",
        "medium",
        "media source",
        "lead source",
        "how heard",
        "信息来源",
        "媒体来源",
        "媒体",
        "获知渠道",
        "了解渠道",
        "获客渠道",
        "线索来源",
    ),
}

_ALIAS_INDEX: dict[str, ImportField] = {}


_LOOSE = re.compile(r"[\s_\-:：*()（）]+")


@functools.lru_cache(maxsize=4096)
def key(header: str) -> str:
    """A header compared loosely: width, case, spaces, punctuation and a trailing colon."""
    # Remembered: a 10,000-line sheet asks for the same few dozen words 170,000 times.
    text = unicodedata.normalize("NFKC", header or "").strip().lower()
    return _LOOSE.sub(" ", text).strip()


for _field, _aliases in HEADER_ALIASES.items():
    for _alias in _aliases:
        _ALIAS_INDEX[key(_alias)] = _field
_labels_indexed = False


def _alias_index() -> dict[str, ImportField]:
    """The aliases, plus each field's label in every language: an exported list's
    headers (预计购买, "purchase time") always import back (a tester's zh export lost
    its purchase times)."""
    global _labels_indexed
    if not _labels_indexed:
        from deskterm.i18n import LANGUAGES, translate_to

        for f, label in FIELD_LABELS.items():
            for lang in LANGUAGES:
                _ALIAS_INDEX.setdefault(key(translate_to(lang, label)), f)
        _labels_indexed = True
    return _ALIAS_INDEX


#: Values read from a sheet cell: text, a number, a date (from .xlsx) or nothing.
Cell = str | int | float | date | datetime | None


class Action(StrEnum):
    """What the import does with one line."""

    CREATE = "create"
    MERGE = "merge"
    REJECT = "reject"


ACTION_LABELS: dict[Action, str] = {
    Action.CREATE: N_("create"),
    Action.MERGE: N_("merge"),
    Action.REJECT: N_("reject"),
}

BUDGET_BUCKETS: tuple[tuple[float, str], ...] = (
    (100_000, "<100k"),
    (150_000, "100-150k"),
    (200_000, "150-200k"),
    (300_000, "200-300k"),
)
_HORIZON_WORDS: dict[str, PurchaseHorizon] = {
    "1m": PurchaseHorizon.MONTH,
    "3m": PurchaseHorizon.QUARTER,
    "6m": PurchaseHorizon.HALF_YEAR,
    "12m": PurchaseHorizon.YEAR,
    "unknown": PurchaseHorizon.UNKNOWN,
    "1": PurchaseHorizon.MONTH,
    "3": PurchaseHorizon.QUARTER,
    "6": PurchaseHorizon.HALF_YEAR,
    "12": PurchaseHorizon.YEAR,
    "一个月内": PurchaseHorizon.MONTH,
    "1个月内": PurchaseHorizon.MONTH,
    "1个月": PurchaseHorizon.MONTH,
    "本月": PurchaseHorizon.MONTH,
    "三个月内": PurchaseHorizon.QUARTER,
    "3个月内": PurchaseHorizon.QUARTER,
    "3个月": PurchaseHorizon.QUARTER,
    "半年内": PurchaseHorizon.HALF_YEAR,
    "6个月内": PurchaseHorizon.HALF_YEAR,
    "6个月": PurchaseHorizon.HALF_YEAR,
    "一年内": PurchaseHorizon.YEAR,
    "1年内": PurchaseHorizon.YEAR,
    "12个月": PurchaseHorizon.YEAR,
    "不确定": PurchaseHorizon.UNKNOWN,
    "未定": PurchaseHorizon.UNKNOWN,
    "within a month": PurchaseHorizon.MONTH,
    "within 3 months": PurchaseHorizon.QUARTER,
    "within 6 months": PurchaseHorizon.HALF_YEAR,
    "within a year": PurchaseHorizon.YEAR,
    "not sure yet": PurchaseHorizon.UNKNOWN,
}
_CHANNEL_WORDS: dict[str, str] = {
    "walk_in": "walk_in",
    "walk-in": "walk_in",
    "walk in": "walk_in",
    "展厅": "walk_in",
    "到店": "walk_in",
    "进店": "walk_in",
    "自然到店": "walk_in",
    "phone": "phone",
    "电话": "phone",
    "来电": "phone",
    "online": "online",
    "网络": "online",
    "线上": "online",
    "网上": "online",
    "internet": "online",
    "marketing": "marketing",
    "市场": "marketing",
    "活动": "marketing",
    "marketing lead": "marketing",
}
#: Words showrooms write for how a visitor heard of them → the code of the built-in
#: media list (``services.setup.MEDIA_SOURCES``). Used only while the shop's list has
#: that code active: a medium the manager retired or renamed away is not guessed.
_MEDIA_WORDS: dict[str, str] = {
    "百度": "online_ads",
    "网络广告": "online_ads",
    "网上广告": "online_ads",
    "搜索": "online_ads",
    "baidu": "online_ads",
    "汽车之家": "auto_sites",
    "懂车帝": "auto_sites",
    "易车": "auto_sites",
    "易车网": "auto_sites",
    "太平洋汽车": "auto_sites",
    "爱卡汽车": "auto_sites",
    "汽车网站": "auto_sites",
    "垂直网站": "auto_sites",
    "autohome": "auto_sites",
    "car website": "auto_sites",
    "抖音": "short_video",
    "快手": "short_video",
    "小红书": "short_video",
    "微信": "short_video",
    "视频号": "short_video",
    "朋友圈": "short_video",
    "微博": "short_video",
    "短视频": "short_video",
    "douyin": "short_video",
    "tiktok": "short_video",
    "social media": "short_video",
    "朋友介绍": "referral",
    "转介绍": "referral",
    "亲友介绍": "referral",
    "老客户介绍": "referral",
    "介绍": "referral",
    "referral": "referral",
    "老客户": "repeat",
    "回头客": "repeat",
    "增购": "repeat",
    "路过": "passing_by",
    "顺路": "passing_by",
    "passing by": "passing_by",
    "户外广告": "outdoor",
    "广告牌": "outdoor",
    "电台": "outdoor",
    "广播": "outdoor",
    "billboard": "outdoor",
    "radio": "outdoor",
    "车展": "event",
    "展会": "event",
    "活动": "event",
    "motor show": "event",
    "event": "event",
    "其他": "other",
    "其它": "other",
    "other": "other",
}


class FieldLabel:
    """A field's label, translated when a message is shown (not when it is raised)."""

    def __init__(self, f: ImportField) -> None:
        self.field = f

    def __format__(self, spec: str) -> str:
        return format(_(FIELD_LABELS[self.field]), spec)

    def __str__(self) -> str:
        return _(FIELD_LABELS[self.field])


def find_header_row(lines: Iterable[tuple[int, Sequence[Cell]]]) -> int | None:
    """The line holding the headers: the first naming at least two known fields.

    Showroom sheets open with a merged title ("2026年 XX丰田4S店 展厅客户登记表") and often
    a group row (基本信息 / 跟进信息) above the real headers; neither names two fields.
    """
    for line, cells in lines:
        known = {_alias_index().get(key(cell_text(c))) for c in cells} - {None}
        if len(known) >= 2:
            return line
    return None


_TOTALS = re.compile(r"^(?:合计|总计|小计|共计|汇总|(?:grand )?totals?\b|sum\b)")


def is_totals_row(cells: Sequence[Cell]) -> bool:
    """A 合计 / Total line at the foot of a sheet: a sum, not a customer."""
    for cell in cells:
        text = key(cell_text(cell))
        if text:
            return bool(_TOTALS.match(text))
    return False


def guess_mapping(headers: Sequence[str]) -> list[ImportField | None]:
    """The field of each column, recognised from its header (None: not imported).

    A field is given to its first column only: two "phone" columns would otherwise
    fight over one value.
    """
    taken: set[ImportField] = set()
    out: list[ImportField | None] = []
    for header in headers:
        found = _alias_index().get(key(header))
        if found in taken:
            found = None
        if found is not None:
            taken.add(found)
        out.append(found)
    return out


def parse_map_option(spec: str, headers: Sequence[str]) -> tuple[int, ImportField | None]:
    """One ``--map HEADER=FIELD`` option: the column it names and its field (``-``: skip).

    HEADER is the column's header (compared loosely) or its 1-based number.
    """
    if "=" not in spec:
        raise InvalidInput("Write the mapping as HEADER=FIELD: {value}.", field="map", value=spec)
    header, _, name = spec.rpartition("=")
    header, name = header.strip(), name.strip()
    column = None
    if header.isdigit() and 1 <= int(header) <= len(headers):
        column = int(header) - 1
    else:
        wanted = key(header)
        column = next((i for i, h in enumerate(headers) if key(h) == wanted), None)
    if column is None:
        raise InvalidInput("The sheet has no column {value}.", field="map", value=header)
    if name in ("-", ""):
        return column, None
    return column, field_named(name)


def check_mapping(mapping: Sequence[ImportField | None]) -> None:
    """A mapping must read a phone and a name, and each field from one column only."""
    seen: set[ImportField] = set()
    for f in mapping:
        if f is None:
            continue
        if f in seen:
            raise InvalidInput(
                "Two columns are mapped to {value}.", field="map", value=FieldLabel(f)
            )
        seen.add(f)
    for needed in (ImportField.NAME, ImportField.PHONE):
        if needed not in seen:
            raise InvalidInput(
                "No column is mapped to {value}.", field="map", value=FieldLabel(needed)
            )


def cell_text(value: Cell) -> str:
    """A cell as text: a phone typed into a number cell loses its ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed into a number cell: 13800138000.0
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


EXCEL_EPOCH = date(1899, 12, 30)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")


def parse_sheet_date(value: Cell, *, field: str) -> date | None:
    """A day from a cell: a date cell, ``2026-3-5``, ``2026/03/05`` or ``2026年3月5日``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", cell_text(value)).strip()
    if re.fullmatch(r"\d{5}(?:\.\d+)?", text) and 20_000 <= float(text) <= 80_000:
        # An Excel date serial (46000 = 2025-12-09): a date cell saved as a number, or
        # a date column Excel wrote to CSV as General. Day 0 is 1899-12-30 (Excel's
        # 1900 leap-year bug makes that the day before 1900-01-01 for every later date).
        return EXCEL_EPOCH + timedelta(days=int(float(text)))
    m = _DATE.match(text)
    if m is None:
        raise InvalidInput("Not a date: {value} (use YYYY-MM-DD).", field=field, value=text)
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise InvalidInput("No such day: {value}.", field=field, value=text) from None


def _budget(text: str) -> str | None:
    """A budget bucket from what people write: ``15万``, ``150000``, ``100-150k``."""
    if text in {code for _, code in BUDGET_BUCKETS} | {"300k+"}:
        return text
    t = unicodedata.normalize("NFKC", text).lower().replace(",", "").replace(" ", "")
    unit = {"万": 10_000, "w": 10_000, "k": 1_000, None: 1}
    # A range as showrooms write it (20-30万, 20万~30万, 15到25万): its middle.
    r = re.fullmatch(
        r"(\d+(?:\.\d+)?)(万|w|k)?(?:元)?(?:-|~|至|到)(\d+(?:\.\d+)?)(万|w|k)?(?:元)?(?:左右|以内)?",
        t,
    )
    if r is not None:
        low = float(r[1]) * unit[r[2] or r[4]]
        high = float(r[3]) * unit[r[4] or r[2]]
        amount = (low + high) / 2
    else:
        m = re.fullmatch(r"(\d+(?:\.\d+)?)(万|w|k)?(?:元)?(?:左右|以内|以下)?", t)
        if m is None:
            return None
        amount = float(m[1]) * unit[m[2]]
    for limit, code in BUDGET_BUCKETS:
        if amount < limit:
            return code
    return "300k+"


@dataclass(frozen=True)
class Existing:
    """A customer already on file, as far as a merge needs to know."""

    id: int
    name: str
    owner_id: int
    contact_other: str | None = None
    model_interest: str | None = None
    budget: str | None = None
    purchase_horizon: str | None = None
    notes: str = ""
    level: str | None = None
    media: str | None = None


@dataclass
class PlannedRow:
    """One line of the sheet and what the import does with it."""

    line: int  # as the spreadsheet numbers it (the header is line 1)
    action: Action
    name: str = ""
    phone: str = ""
    reason: DesktermError | None = None  # why rejected
    existing_id: int | None = None  # merge: the customer on file
    into_line: int | None = None  # merge: the earlier line with the same phone
    values: dict[str, object] = field(default_factory=dict)  # clean values to write
    fills: tuple[str, ...] = ()  # merge: the blank fields this line fills
    #: merge: (field, the sheet's value, the value kept) where the sheet differs and
    #: may not change it; ``changes``: (field, old, new) where it may.
    ignored: tuple[tuple[str, object, object], ...] = ()
    changes: tuple[tuple[str, object, object], ...] = ()
    warnings: list[DesktermError] = field(default_factory=list)
    #: Words of the line the shop does not know (level, source, budget, purchase time,
    #: medium), found on every line, a rejected one too, so each can be mapped once.
    unknown: tuple[tuple[ImportField, str], ...] = ()


@dataclass(frozen=True)
class ShopFacts:
    """What the rules need to know about the shop (levels, people, defaults)."""

    levels: Levels
    owners: Mapping[str, int]  # active salespeople by name (and by id as text)
    existing: Mapping[str, Existing]  # customers on file, by canonical phone
    default_owner: int | None
    default_country: str
    today: date
    #: More words a column may hold, by field: what deskterm's own exports write
    #: (budget, purchase time and source labels in each language) → the stored code.
    words: Mapping[ImportField, Mapping[str, str]] = field(default_factory=dict)
    #: What the person mapped once for the whole sheet (``--value level:A级=hot``), by
    #: field and loose key of the sheet's text → the stored code; checked first.
    values: Mapping[ImportField, Mapping[str, str]] = field(default_factory=dict)
    #: Fields the sheet may change on a customer already on file (``--update``); others
    #: are kept, and the dry run says what the sheet said instead.
    update: frozenset[str] = frozenset()
    #: The shop's media list (issue 18), retired ones too: (code, name_en, name_zh, active).
    media: tuple[tuple[str, str, str, bool], ...] = ()
    #: What ``recognise`` found for (field, text): a sheet repeats a few dozen words over
    #: thousands of lines (a copy of these facts, by ``replace``, starts it afresh).
    recognised: dict[tuple[ImportField, str], str | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def active_media(self) -> frozenset[str]:
        """The codes of the media the shop still offers (what a word may be mapped to)."""
        return frozenset(code for code, _en, _zh, active in self.media if active)

    def word(self, f: ImportField, text: str) -> str | None:
        """The code ``text`` stands for in field ``f``, from ``words`` (None: unknown)."""
        return self.words.get(f, {}).get(key(text))

    def mapped(self, f: ImportField, text: str) -> str | None:
        """The code the person mapped ``text`` to in field ``f`` (None: not mapped)."""
        return self.values.get(f, {}).get(key(text))


#: Fields a merge may fill when the customer on file has them blank. The medium is
#: never changed by a sheet once known: it is the registering visit's (issue 18).
MERGE_FILLS = ("contact_other", "model_interest", "budget", "purchase_horizon", "media")
#: Fields a manager may let the sheet change on customers already on file.
UPDATABLE = ("name", "level", "contact_other", "model_interest", "budget", "purchase_horizon")
#: Fields the sheet never changes on a customer on file, but where the dry run says what
#: it said instead (the medium is the registering visit's: a later sheet does not rewrite
#: where a customer came from).
KEPT = ("media",)


def parse_update_option(spec: str) -> frozenset[str]:
    """``--update level,model,name``: fields by name or label in either language."""
    out = set()
    for part in re.split(r"[,，、]", spec):
        if not part.strip():
            continue
        f = field_named(part.strip())
        if f.value not in UPDATABLE:
            raise InvalidInput(
                "The sheet can change only these fields: {fields}.",
                field="update",
                fields=_(", ").join(str(FieldLabel(ImportField(u))) for u in UPDATABLE),
            )
        out.add(f.value)
    return frozenset(out)


#: Fields whose words are recognised (and, when unknown, can be mapped once).
VALUE_FIELDS = (
    ImportField.LEVEL,
    ImportField.SOURCE_CHANNEL,
    ImportField.BUDGET,
    ImportField.PURCHASE_HORIZON,
    ImportField.MEDIA,
)


def _stem(name: str) -> str:
    """A level's name without its explanation: "A级(1个月内)" → "A级"."""
    return re.split(r"[(（]", unicodedata.normalize("NFKC", name), maxsplit=1)[0].strip()


def level_words(levels: Levels) -> dict[str, str]:
    """The ways a sheet writes each of the shop's levels → its code.

    The code and both names, each name without its explanation, and the spellings
    showrooms add: A, A级, A类, A级客户, 意向客户… The hotter level wins a clash.
    """
    return _level_words(tuple((r.code, r.name_en, r.name_zh) for r in levels))


@functools.cache
def _level_words(rules: tuple[tuple[str, str, str], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, name_en, name_zh in rules:
        bases = {code, name_en, name_zh, _stem(name_en), _stem(name_zh)}
        for base in list(bases):
            for suffix in ("级", "类"):
                if base.endswith(suffix) and len(base) > 1:
                    bases.add(base[: -len(suffix)])
        for base in bases:
            for suffix in ("", "级", "类", "客户", "级客户", "类客户", " level", " customer"):
                out.setdefault(key(base + suffix), code)
    return out


def media_words(media: Sequence[tuple[str, str, str, bool]]) -> dict[str, str]:
    """The ways a sheet writes each of the shop's media → its code.

    The code and both names of every medium on the list (a retired one too: an old
    export names it), each part of a name written as several ("短视频/社交媒体": 短视频,
    社交媒体), then the words showrooms use (汽车之家, 抖音, 转介绍…) for the media the
    list still has active. The shop's own words win a clash.
    """
    return _media_words(tuple(media))


@functools.cache
def _media_words(media: tuple[tuple[str, str, str, bool], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, name_en, name_zh, _active in media:
        for text in (code, name_en, name_zh):
            out.setdefault(key(text), code)
    for code, name_en, name_zh, _active in media:
        for name in (name_en, name_zh):
            for part in re.split(r"[/,，、;；]", unicodedata.normalize("NFKC", name)):
                if key(part):
                    out.setdefault(key(part), code)
    active = {code for code, _en, _zh, on in media if on}
    for word, code in _MEDIA_WORDS.items():
        if code in active:
            out.setdefault(key(word), code)
    return out


def recognise(f: ImportField, text: str, shop: ShopFacts) -> str | None:
    """The stored code a sheet's word stands for in field ``f`` (None: unknown).

    What the person mapped comes first, then the shop's own words.
    """
    memo = shop.recognised
    if (f, text) not in memo:
        memo[f, text] = _recognise(f, text, shop)
    return memo[f, text]


def _recognise(f: ImportField, text: str, shop: ShopFacts) -> str | None:
    found = shop.mapped(f, text) or shop.word(f, text)
    if found:
        return found
    k = key(text)
    if f is ImportField.LEVEL:
        return level_words(shop.levels).get(k)
    if f is ImportField.SOURCE_CHANNEL:
        return _CHANNEL_WORDS.get(k)
    if f is ImportField.BUDGET:
        return _budget(text)
    if f is ImportField.MEDIA:
        return media_words(shop.media).get(k)
    if f is ImportField.PURCHASE_HORIZON:
        horizon = _HORIZON_WORDS.get(k)
        return horizon.value if horizon else None
    return None


def parse_value_option(spec: str) -> tuple[ImportField, str, str]:
    """One ``--value FIELD:TEXT=TARGET`` option: the field, the sheet's text, the target.

    FIELD is a field's name or its label in either language (level, 级别); the target is
    checked against the shop by the caller.
    """
    head, eq, target = spec.rpartition("=")
    name, colon, text = head.partition(":")
    if not eq or not colon or not text.strip() or not target.strip():
        raise InvalidInput(
            "Write the value mapping as FIELD:TEXT=VALUE, e.g. level:A级=hot: {value}.",
            field="value",
            value=spec,
        )
    f = field_named(name)
    if f not in VALUE_FIELDS:
        raise InvalidInput(
            "Only these fields take a value mapping: {fields}.",
            field="value",
            fields=_(", ").join(str(FieldLabel(v)) for v in VALUE_FIELDS),
        )
    return f, text.strip(), target.strip()


def field_named(name: str) -> ImportField:
    """A field from its name or its label in English or Chinese ("model", "车型")."""
    from deskterm.i18n import LANGUAGES, translate_to

    wanted = key(name)
    for f, label in FIELD_LABELS.items():
        names = {f.value, label, *(translate_to(lang, label) for lang in LANGUAGES)}
        if wanted in {key(n) for n in names}:
            return f
    raise InvalidInput(
        "Unknown field {value} (one of: {fields}).",
        field="map",
        value=name,
        fields=_(", ").join(str(FieldLabel(f)) for f in ImportField),
    )


def unknown_values(planned: Iterable[PlannedRow]) -> dict[tuple[ImportField, str], int]:
    """Every distinct word the shop does not know, by field, with how many lines hold it."""
    out: dict[tuple[ImportField, str], int] = {}
    for row in planned:
        for k in row.unknown:
            out[k] = out.get(k, 0) + 1
    return out


def _unknown(
    raw: Mapping[ImportField, Cell], shop: ShopFacts
) -> tuple[tuple[ImportField, str], ...]:
    out = []
    for f in VALUE_FIELDS:
        text = cell_text(raw.get(f)).strip()
        if not text:
            continue
        code = recognise(f, text, shop)
        if code is None or (f is ImportField.LEVEL and code not in shop.levels.codes):
            out.append((f, text))
    return tuple(out)


#: A number Excel showed in scientific notation and saved that way: 1.38001E+10.
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")


def _clean_row(
    raw: Mapping[ImportField, Cell], shop: ShopFacts
) -> tuple[dict[str, object], list[DesktermError]]:
    """Clean values of one line; raises InvalidInput for the first fatal problem."""
    warnings: list[DesktermError] = []
    out: dict[str, object] = {}
    text = {f: cell_text(v).strip() for f, v in raw.items()}
    out["name"] = clean_field(
        text.get(ImportField.NAME, ""), field="name", max_length=40, required=True
    )
    phone_text = unicodedata.normalize("NFKC", text.get(ImportField.PHONE, "")).strip()
    if _SCIENTIFIC.fullmatch(phone_text):
        raise InvalidInput(
            "Excel turned this phone into {value}: the digits were lost by Excel and "
            "cannot be recovered. Type the phone again (format the column as Text).",
            field="phone",
            value=phone_text,
        )
    out["phone"] = normalize_phone(phone_text, shop.default_country)
    out["contact_other"] = (
        clean_field(text.get(ImportField.CONTACT_OTHER, ""), field="contact_other", max_length=80)
        or None
    )
    out["model_interest"] = (
        clean_field(text.get(ImportField.MODEL_INTEREST, ""), field="model_interest", max_length=60)
        or None
    )
    notes = [
        clean_field(text.get(ImportField.NOTES, ""), field="notes", max_length=2000, multiline=True)
    ]
    budget_text = text.get(ImportField.BUDGET, "")
    out["budget"] = recognise(ImportField.BUDGET, budget_text, shop) if budget_text else None
    if budget_text and out["budget"] is None:
        # Kept in the notes rather than lost or guessed.
        notes.append(f"{FIELD_LABELS[ImportField.BUDGET]}: {budget_text}")
        warnings.append(
            InvalidInput(
                "Budget {value} is not a range deskterm knows: kept in the notes.",
                field="budget",
                value=budget_text,
            )
        )
    horizon_text = text.get(ImportField.PURCHASE_HORIZON, "")
    horizon = None
    if horizon_text:
        code = recognise(ImportField.PURCHASE_HORIZON, horizon_text, shop)
        horizon = PurchaseHorizon(code) if code else None
    if horizon_text and horizon is None:
        notes.append(f"{FIELD_LABELS[ImportField.PURCHASE_HORIZON]}: {horizon_text}")
        warnings.append(
            InvalidInput(
                "Purchase time {value} is not one deskterm knows: kept in the notes.",
                field="purchase_horizon",
                value=horizon_text,
            )
        )
    out["purchase_horizon"] = horizon.value if horizon else None
    level_text = text.get(ImportField.LEVEL, "")
    if level_text:
        code = recognise(ImportField.LEVEL, level_text, shop)
        if code is None or code not in shop.levels.codes:
            # The names the shop uses, not the codes: the sheet was written with names.
            raise InvalidInput(
                "Unknown level {value} (the shop's levels: {names}); map it to one of them.",
                field="level",
                value=level_text,
                names=_(", ").join(r.name for r in shop.levels),
            )
        rule = shop.levels.get(code)
    else:
        rule = shop.levels.suggest(horizon or PurchaseHorizon.UNKNOWN)
    out["level"] = rule.code
    out["level_given"] = bool(level_text)
    owner_text = unicodedata.normalize("NFC", text.get(ImportField.OWNER, "")).strip()
    # Only a new customer needs an owner (one on file keeps theirs): plan_rows decides.
    out["owner_id"] = shop.owners.get(owner_text) if owner_text else shop.default_owner
    out["owner_unknown"] = owner_text if owner_text and out["owner_id"] is None else None
    source_text = text.get(ImportField.SOURCE_CHANNEL, "")
    channel = recognise(ImportField.SOURCE_CHANNEL, source_text, shop) if source_text else "walk_in"
    if channel is None:
        channel = "walk_in"
        notes.append(f"{FIELD_LABELS[ImportField.SOURCE_CHANNEL]}: {source_text}")
        warnings.append(
            InvalidInput(
                "Source {value} is not a channel deskterm knows: kept in the notes.",
                field="source_channel",
                value=source_text,
            )
        )
    out["source_channel"] = channel
    media_text = text.get(ImportField.MEDIA, "")
    media = recognise(ImportField.MEDIA, media_text, shop) if media_text else None
    if media_text and media is None:
        # As the source: kept in the notes, and said, until the word is mapped once.
        notes.append(f"{FIELD_LABELS[ImportField.MEDIA]}: {media_text}")
        warnings.append(
            InvalidInput(
                "Heard of us {value} is not a medium on the shop's list: kept in the notes.",
                field="media",
                value=media_text,
            )
        )
    out["media"] = media
    created = parse_sheet_date(raw.get(ImportField.CREATED), field="created")
    last = parse_sheet_date(raw.get(ImportField.LAST_CONTACT), field="last_contact")
    nxt = parse_sheet_date(raw.get(ImportField.NEXT_CALLBACK), field="next_callback")
    for name, day in (("created", created), ("last_contact", last)):
        if day is not None and day > shop.today:
            raise InvalidInput("{value} is in the future.", field=name, value=day.isoformat())
    out["created"] = created
    out["last_contact"] = last or created
    out["next_callback"] = nxt
    out["notes"] = "\n".join(n for n in notes if n)[:2000]
    return out, warnings


def plan_rows(
    rows: Iterable[tuple[int, Mapping[ImportField, Cell]]], shop: ShopFacts
) -> list[PlannedRow]:
    """What the import does with each line (blank lines are left out)."""
    planned: list[PlannedRow] = []
    first_by_phone: dict[str, PlannedRow] = {}
    for line, raw in rows:
        if all(cell_text(v).strip() == "" for v in raw.values()):
            continue
        unknown = _unknown(raw, shop)
        try:
            values, warnings = _clean_row(raw, shop)
        except DesktermError as exc:
            planned.append(
                PlannedRow(
                    line,
                    Action.REJECT,
                    cell_text(raw.get(ImportField.NAME)),
                    cell_text(raw.get(ImportField.PHONE)),
                    reason=exc,
                    unknown=unknown,
                )
            )
            continue
        phone = str(values["phone"])
        row = PlannedRow(
            line,
            Action.CREATE,
            str(values["name"]),
            phone,
            values=values,
            warnings=warnings,
            unknown=unknown,
        )
        earlier = first_by_phone.get(phone)
        on_file = shop.existing.get(phone)
        owner_unknown = values.pop("owner_unknown")
        no_owner = None
        if owner_unknown is not None:
            no_owner = InvalidInput(
                "No active salesperson named {value}.", field="owner", value=owner_unknown
            )
        elif values["owner_id"] is None:
            no_owner = InvalidInput(
                "No salesperson: map a salesperson column or choose one for the whole sheet.",
                field="owner",
            )
        if no_owner is not None and earlier is None and on_file is None:
            planned.append(
                PlannedRow(line, Action.REJECT, row.name, phone, reason=no_owner, unknown=unknown)
            )
            continue
        if owner_unknown is not None:  # a merge keeps its owner, but a misspelt name is said
            row.warnings.append(no_owner)  # type: ignore[arg-type]
        if earlier is not None:
            row.action, row.into_line = Action.MERGE, earlier.line
            row.existing_id = earlier.existing_id
            row.fills, row.ignored, row.changes = _fold(earlier, values, shop.levels)
        elif on_file is not None:
            row.action, row.existing_id = Action.MERGE, on_file.id
            row.fills = tuple(f for f in MERGE_FILLS if values.get(f) and not getattr(on_file, f))
            row.ignored, row.changes = _differences(on_file, values, shop.update)
            if values["notes"] and str(values["notes"]) not in on_file.notes:
                row.fills += ("notes",)
            if values["owner_id"] not in (None, on_file.owner_id):
                row.warnings.append(
                    InvalidInput(
                        "Already on file with another salesperson: the owner stays.", field="owner"
                    )
                )
            first_by_phone[phone] = row
        else:
            first_by_phone[phone] = row
        planned.append(row)
    return planned


def _differences(
    on_file: Existing, values: Mapping[str, object], update: frozenset[str]
) -> tuple[tuple[tuple[str, object, object], ...], tuple[tuple[str, object, object], ...]]:
    """Where the sheet says otherwise than the file: kept (ignored) or, when the manager
    lets the sheet change that field, changed."""
    ignored, changes = [], []
    for f in (*UPDATABLE, *KEPT):
        new, old = values.get(f), getattr(on_file, f)
        if f == "level" and not values.get("level_given"):
            continue  # a level suggested from the purchase time is not the sheet's word
        if not new or not old or new == old:
            continue
        if f in update:
            changes.append((f, old, new))
        else:
            ignored.append((f, new, old))
    return tuple(ignored), tuple(changes)


def _fold(
    earlier: PlannedRow, values: Mapping[str, object], levels: Levels
) -> tuple[
    tuple[str, ...], tuple[tuple[str, object, object], ...], tuple[tuple[str, object, object], ...]
]:
    """A later line with the same phone fills what its first line left blank.

    Returns what it fills, what it says otherwise and was kept from the first line
    (field, this line's value, the value kept), and a hotter level it brings (field, the
    first line's, this line's): a hotter level is never lost to the order of the lines.
    """
    fills = []
    ignored: list[tuple[str, object, object]] = []
    changes: list[tuple[str, object, object]] = []
    for f in (*UPDATABLE, *KEPT):
        new, kept = values.get(f), earlier.values.get(f)
        if f == "level":
            if not values.get("level_given") or new == kept:
                continue
            if not earlier.values.get("level_given") or _rank(levels, new) > _rank(levels, kept):
                earlier.values["level"] = new
                earlier.values["level_given"] = True
                changes.append((f, kept, new))
                continue
        if new and kept and new != kept:
            ignored.append((f, new, kept))
    for f in MERGE_FILLS:
        if values.get(f) and not earlier.values.get(f):
            earlier.values[f] = values[f]
            fills.append(f)
    if values.get("notes") and str(values["notes"]) not in str(earlier.values.get("notes")):
        earlier.values["notes"] = "\n".join(
            n for n in (str(earlier.values.get("notes") or ""), str(values["notes"])) if n
        )[:2000]
        fills.append("notes")
    return tuple(fills), tuple(ignored), tuple(changes)


def _rank(levels: Levels, code: object) -> int:
    """How hot a level is (a higher number is hotter); an unknown one is the coldest."""
    try:
        return levels.get(str(code)).rank
    except InvalidInput:
        return -1


def summary(planned: Sequence[PlannedRow]) -> dict[Action, int]:
    """How many lines of each action."""
    counts = {a: 0 for a in Action}
    for row in planned:
        counts[row.action] += 1
    return counts
