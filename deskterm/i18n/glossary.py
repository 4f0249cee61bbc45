"""The Chinese glossary: one term per concept, as a 4S showroom says it.

Taken from the native review (§5 of the zh review, built on the seeds' own words) and
kept as data so that tests/test_i18n.py can hold the catalogue to it: for every entry
whose English id matches ``english``, the Chinese must not contain a ``forbidden`` term
(and must contain ``chinese`` when ``required``).  ``english=None`` means every entry.

Refinements over the review's table are marked "refined:" in the note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One concept: the Chinese to use, and the words that must not stand for it."""

    concept: str
    chinese: str
    english: str | None = None  # regex (case-insensitive) on the English id; None: all
    forbidden: tuple[str, ...] = ()
    required: bool = False
    note: str = ""
    not_in: tuple[str, ...] = ()  # message contexts where the id means something else

    def applies_to(self, msgid: str) -> bool:
        """Whether this concept is what ``msgid`` (without its context) talks about."""
        context, _sep, bare = msgid.rpartition("\x04")
        if self.english is None:
            return True
        if context and context in self.not_in:
            return False
        return re.search(self.english, bare, re.IGNORECASE) is not None


GLOSSARY: tuple[Term, ...] = (
    Term("reception", "接待", note="count: 批; seed 客户接待"),
    Term("receptionist", "前台"),
    Term("salesperson", "销售顾问"),
    Term("sales manager", "销售经理", note="the screen is 经理"),
    Term(
        "rotation",
        "接待排号",
        r"\brotation\b",
        ("轮值", "轮转"),
        note="seed 排号; the board itself may say 排号",
    ),
    Term("up, turn", "轮次", r"^counted$|\bups?\b(?! to)", ("轮转",)),
    Term("make-up turn", "补轮"),
    Term("courtesy reception", "代接待", note="代为接待 in sentences"),
    Term("requested", "客户指定"),
    Term("check in / check out", "签到 / 签退"),
    Term("close the day", "日结"),
    Term(
        "returning visit",
        "再次到店",
        r"returning|revisit|known customer",
        ("老客户",),
        note="老客户 means someone who has already bought (保有客户)",
    ),
    Term(
        "a customer who has bought",
        "保有客户",
        None,
        ("老客户",),
        note="refined: deskterm never names buyers as such, so 老客户 is wrong anywhere",
    ),
    Term("first visit", "首次到店", r"first visit|new visitor", ("新访客",)),
    Term("visit", "到店", r"\bvisit(s|\(s\))?\b|arrivals", ("到访", "访问")),
    Term(
        "channel",
        "来源渠道",
        r"^(source|channel|Channel|Arrival by:)$",
        required=True,
        note="values 自然到店 / 电话 / 网络 / 市场部线索; refined: the F2 arrivals column "
        "also holds an uncounted visit's reason (售后/配件), so there it is 类型/来源",
        not_in=("arrivals",),
    ),
    Term("walk-in channel", "自然到店", r"(?-i:^walk-in$)", required=True),
    Term("reception form", "客户接待表"),
    Term(
        "contact left",
        "留档",
        r"contact left|no-contact|^Why not\?$",
        ("联系方式", "未留原因"),
        note="留档 / 未留档 / 留档率; 未留档原因",
    ),
    Term("form completeness", "完整度", None, ("登记完整度",)),
    Term("companions", "陪同人员"),
    Term("test drive", "试驾"),
    Term("purchase time", "预计购买", r"purchase time", ("购买时间",), note="观望中 for unknown"),
    Term("not sure yet", "观望中", r"(?-i:^not sure yet$)", required=True),
    Term("intent level", "意向级别", note="准购买 / 意向 / 潜在"),
    Term("cold", "潜在", r"^cold$", ("冷客户",), required=True),
    Term("callback", "回访", note="应回访 / 已回访 / 逾期; 完成回访"),
    Term("outcome reached", "已接通", r"^reached$", ("联系上",), required=True),
    Term(
        "appointment (outcome)",
        "邀约到店",
        r"appointment booked|appointment date",
        ("已预约到店", "预约日期"),
        required=True,
    ),
    Term("appointment (away reason)", "约见客户", r"(?-i:^appointment$)", required=True),
    Term("owner", "负责人"),
    Term(
        "upgrade",
        "升级",
        r"\bupgrades?\b(?! deskterm)",
        ("超期",),
        note="a level goes up only; software upgrades keep 升级",
    ),
    Term(
        "escalation",
        "超期",
        r"escalat",
        ("升级",),
        note="超期处理, 剩余期限, 超期 n 天, 超期客户; never 升级",
    ),
    Term("at risk / lost", "准战败 / 战败", r"\bat risk\b", ("流失",)),
    Term("send back a lost request", "驳回", r"^send back", ("退回",), required=True),
    Term("to reassign", "待重新分配"),
    Term("stalled", "久未联系", r"\bstalled\b|stale customers", ("停滞",)),
    Term("won / conversion", "成交 / 转化率"),
    Term("won (care)", "客户关怀", r"\(care\)", ("客服关怀",)),
    Term("marketing", "市场部", r"marketing contact", ("市场联系",)),
    Term("lead / hand out", "线索 / 派发"),
    Term(
        "daily meeting",
        "例会",
        r"meeting",
        ("晨会", "每日销售例会"),
        note="销售例会 for the report; not 晨会 (not always in the morning)",
    ),
    Term("morning meeting", "例会", None, ("晨会",), note="refined: 晨会 is wrong anywhere"),
    Term("countermeasure", "改进措施"),
    Term("coaching", "辅导"),
    Term("staff left", "已离职", r"^inactive$", required=True, note="active staff: 在职"),
    Term("role", "岗位", r"\brole\b", ("角色",)),
    Term(
        "hold on the board",
        "暂停接待",
        r"\bhold\b|\bheld\b|\(lifted\)",
        ("放行", "暂停排队"),
        note="解除暂停 to lift it",
    ),
    Term("audit trail", "操作日志", r"\baudit\b", ("审计",), note="审计 sounds like finance"),
    Term(
        "rejected sheet lines",
        "有误",
        r"reject",
        ("拒绝",),
        note="refined: lines that fail checks are 有误, the action is 不导入",
    ),
    Term("you", "您", None, ("你",), note="polite form throughout"),
)


def violations(messages: dict[str, str]) -> list[str]:
    """Each catalogue entry that breaks the glossary, described for a test failure."""
    found = []
    for msgid, zh in messages.items():
        for term in GLOSSARY:
            if not term.applies_to(msgid):
                continue
            for bad in term.forbidden:
                # 您 is not 你, but checking a character inside a longer word must not
                # trip on an allowed compound: forbidden terms are whole strings.
                if bad in zh:
                    found.append(
                        f"{msgid!r}: {zh!r} uses {bad} for {term.concept} ({term.chinese})"
                    )
            if term.required and term.chinese not in zh:
                found.append(f"{msgid!r}: {zh!r} should say {term.chinese} for {term.concept}")
    return found
