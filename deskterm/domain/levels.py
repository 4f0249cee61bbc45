"""Intent levels (hot / warm / cold by default) and the rules attached to them.

Levels are rows in the database, not code: a dealer grading H/A/B/C configures its
own.  This module holds the pure value objects and the two presets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from deskterm.domain.durations import parse_duration
from deskterm.errors import InvalidInput
from deskterm.i18n import N_, get_language


class EscalationAction(StrEnum):
    """What happens when a level's escalation window runs out."""

    AT_RISK = "at_risk"  # hot not won in time: at risk, for a senior or the manager
    REASSIGN = "reassign"  # warm not upgraded in time: ownership to be reassigned


class PurchaseHorizon(StrEnum):
    """When the visitor expects to buy, as asked on the reception form."""

    MONTH = "1m"
    QUARTER = "3m"
    HALF_YEAR = "6m"
    YEAR = "12m"
    UNKNOWN = "unknown"

    @property
    def months(self) -> int | None:
        """Upper bound in months, None when unknown."""
        return None if self is PurchaseHorizon.UNKNOWN else int(self.value[:-1])


HORIZON_LABELS: dict[PurchaseHorizon, str] = {
    PurchaseHorizon.MONTH: N_("within a month"),
    PurchaseHorizon.QUARTER: N_("within 3 months"),
    PurchaseHorizon.HALF_YEAR: N_("within 6 months"),
    PurchaseHorizon.YEAR: N_("within a year"),
    PurchaseHorizon.UNKNOWN: N_("not sure yet"),
}


@dataclass(frozen=True)
class LevelRule:
    """One intent level and its rules (a row of the ``level`` table)."""

    code: str
    rank: int  # higher = closer to buying; "upgrade" means a higher rank
    name_en: str
    name_zh: str
    horizon_months: int | None  # buys within N months; None = timing unknown
    callback_interval: str | None  # ISO duration; None = no salesperson callbacks
    to_marketing: bool = False  # handed to marketing for unified follow-up
    escalation: EscalationAction | None = None
    escalation_after: str | None = None  # ISO duration from the day the level was set
    lost_after: str | None = None  # at risk this long more → lost (AT_RISK levels)
    stall_grace: str | None = None  # no real contact for interval + grace → stalled

    def __post_init__(self) -> None:
        for name in ("callback_interval", "escalation_after", "lost_after", "stall_grace"):
            value = getattr(self, name)
            if value is not None:
                parse_duration(value, field=name)
        if self.escalation is not None and self.escalation_after is None:
            raise InvalidInput("An escalation needs a window.", field="escalation_after")
        if self.to_marketing and self.callback_interval is not None:
            raise InvalidInput(
                "A marketing level has no salesperson callbacks.", field="callback_interval"
            )

    @property
    def name(self) -> str:
        """The level's name in the current language."""
        return self.name_zh if get_language() == "zh" else self.name_en


class Levels:
    """The shop's configured levels, ordered from hottest to coldest."""

    def __init__(self, rules: Iterable[LevelRule]) -> None:
        ordered = sorted(rules, key=lambda r: -r.rank)
        if not ordered:
            raise InvalidInput("At least one level is needed.", field="levels")
        codes = [r.code for r in ordered]
        if len(set(codes)) != len(codes):
            raise InvalidInput("Level codes must be unique.", field="levels")
        if len({r.rank for r in ordered}) != len(ordered):
            raise InvalidInput("Level ranks must be unique.", field="levels")
        self._rules = tuple(ordered)
        self._by_code = {r.code: r for r in ordered}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    @property
    def codes(self) -> Sequence[str]:
        """Codes from hottest to coldest."""
        return tuple(self._by_code)

    def get(self, code: str) -> LevelRule:
        """The rule for ``code``; raises InvalidInput for an unknown level."""
        try:
            return self._by_code[code]
        except KeyError:
            raise InvalidInput("Unknown level: {code}.", field="level", code=code) from None

    def find(self, code: str | None) -> LevelRule | None:
        """The rule for ``code``, or None for no level or a code the shop has not got."""
        return self._by_code.get(code) if code is not None else None

    def rank_of(self, code: str | None) -> int | None:
        """The rank of ``code``; None for no level or a code no longer configured (history
        written before a preset switch must never stop a screen or a report)."""
        rule = self._by_code.get(code) if code is not None else None
        return rule.rank if rule is not None else None

    def name_of(self, code: str) -> str:
        """The level's name in the current language; an unknown code as it is."""
        rule = self._by_code.get(code)
        return rule.name if rule is not None else code

    def is_upgrade(self, before: str | None, after: str | None) -> bool:
        """True when ``after`` is a hotter level than ``before`` (False when either is
        unknown: nothing can be said about a level that is not configured)."""
        rank_before, rank_after = self.rank_of(before), self.rank_of(after)
        if rank_before is None or rank_after is None:
            return False
        return rank_after > rank_before

    def suggest(self, horizon: PurchaseHorizon) -> LevelRule:
        """The level the expected purchase time suggests (the form pre-selects it)."""
        months = horizon.months
        if months is not None:
            fitting = [r for r in self._rules if r.horizon_months and months <= r.horizon_months]
            if fitting:
                return min(fitting, key=lambda r: r.horizon_months or 0)
        return self._rules[-1]

    @property
    def marketing_codes(self) -> frozenset[str]:
        """Levels that are handed to marketing."""
        return frozenset(r.code for r in self._rules if r.to_marketing)


#: The source article's three levels (DESIGN.md §1.3) with 3-month escalation windows.
DEFAULT_LEVELS: tuple[LevelRule, ...] = (
    LevelRule(
        "hot", 30, "hot", "准购买", 3, "P7D", False, EscalationAction.AT_RISK, "P3M", "P3M", "P3D"
    ),
    LevelRule(
        "warm", 20, "warm", "意向", 6, "P1M", False, EscalationAction.REASSIGN, "P3M", None, "P7D"
    ),
    LevelRule("cold", 10, "cold", "潜在", None, None, True),
)

#: The industry's H/A/B/C grading, as a dealer using it would configure it.
HABC_LEVELS: tuple[LevelRule, ...] = (
    LevelRule(
        "H",
        40,
        "H (7 days)",
        "H级(7天内)",
        None,
        "P2D",
        False,
        EscalationAction.AT_RISK,
        "P1M",
        "P1M",
        "P2D",
    ),
    LevelRule(
        "A",
        30,
        "A (1 month)",
        "A级(1个月内)",
        1,
        "P3D",
        False,
        EscalationAction.AT_RISK,
        "P2M",
        "P2M",
        "P3D",
    ),
    LevelRule(
        "B",
        20,
        "B (3 months)",
        "B级(3个月内)",
        3,
        "P7D",
        False,
        EscalationAction.REASSIGN,
        "P3M",
        None,
        "P7D",
    ),
    LevelRule("C", 10, "C (later)", "C级(3个月以上)", None, None, True),
)

PRESETS: dict[str, tuple[LevelRule, ...]] = {"default": DEFAULT_LEVELS, "habc": HABC_LEVELS}
