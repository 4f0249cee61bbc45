"""Words for the codes the database keeps: what a person reads instead of ``no_answer``.

Every code, enum and duration that reaches a screen or a CLI table goes through one of
these (JSON output keeps the codes).  Pure functions of their arguments: level names
come from the caller, who has read the level rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from deskterm.domain.coaching import ActionState
from deskterm.domain.escalation import STATUS_LABELS
from deskterm.domain.levels import HORIZON_LABELS, EscalationAction
from deskterm.domain.rotation import EVENT_LABELS, OrderMode
from deskterm.domain.schedule import NEXT_STEP_LABELS, OUTCOME_LABELS
from deskterm.domain.targets import RATES, Measure, Status
from deskterm.i18n import N_, N_p, _, ngettext
from deskterm.services.media import MediaReport, MediaRow
from deskterm.services.reception import BUDGETS, CHANNELS
from deskterm.services.setup import ROLE_LABELS

SENIORITY_LABELS: dict[str, str] = {"junior": N_("junior"), "senior": N_("senior")}

ESCALATION_ACTION_LABELS: dict[str, str] = {
    EscalationAction.AT_RISK: N_("at risk"),
    EscalationAction.REASSIGN: N_("to reassign"),
}

#: Why an owner changed, when deskterm (not a person) wrote the reason.
OWNER_REASONS: dict[str, str] = {
    "first reception": N_("first reception"),
    "lead handed out": N_("lead handed out"),
    "import": N_("imported from a sheet"),
}

AUDIT_ACTIONS: dict[str, str] = {
    "callback.done": N_("callback done"),
    "care.done": N_("care call done"),
    "marketing.contact": N_("marketing contact"),
    "reception.form": N_("reception form saved"),
    "reception.remote": N_("phone or online lead"),
    "customer.create": N_("customer added"),
    "customer.save": N_("customer saved"),
    "customer.edit": N_("customer edited"),
    "customer.reassign": N_("customer reassigned"),
    "customer.won": N_("customer won"),
    "customer.import_merge": N_("merged from a sheet"),
    "rotation.close_day": N_("day closed"),
    "rotation.undo": N_("undone"),
    "lost.approve": N_("lost approved"),
    "lost.send_back": N_("lost request sent back"),
    "lead.hand_out": N_("lead handed out"),
    "lead.register": N_("lead registered"),
    "lead.nurtured": N_("handed back to sales"),
    "escalation.at_risk": N_("escalated: at risk"),
    "staff.add": N_("staff added"),
    "staff.active": N_("staff active or left"),
    "staff.pin": N_("PIN set"),
    "staff.sign_in": N_("signed in"),
    "setting.change": N_("setting changed"),
    "export": N_("data exported"),
    "backup.restore": N_("restored from a backup"),
    "customer.import_undo": N_("import undone for this customer"),
    "import.undo": N_("import undone"),
    "countermeasure.add": N_("countermeasure added"),
    "countermeasure.review": N_("countermeasure reviewed"),
    "target.set": N_("target set"),
    "target.clear": N_("target removed"),
    "target.copy": N_("targets copied from last month"),
    "closed_day.set": N_("shop closed that day"),
    "closed_day.clear": N_("day opened again"),
    "action.record": N_("action recorded"),
    "action.close": N_("action closed"),
    "coaching.record": N_("coaching logged"),
    "reason.add": N_("reason added"),
    "reason.rename": N_("reason renamed"),
    "reason.retire": N_("reason retired"),
    "reason.restore": N_("reason offered again"),
    "reason.move": N_("list entry moved"),
    "customer.import": N_("imported from a sheet"),
    "customer.lost": N_("customer lost"),
    "escalation.lost": N_("escalated: lost"),
    "levels.preset": N_("level preset changed"),
    "reception.hand_over": N_("reception handed over"),
    "reception.undo": N_("reception undone"),
    "rotation.turn_back": N_("turn given back"),
    "rotation.undo_earlier": N_("earlier rotation action undone"),
    "rotation.hand_turn": N_("counted turn given by hand"),
    "staff.handover": N_("customers handed over"),
    "staff.pin_failed": N_("wrong PIN"),
    "media.spend": N_("spend on a medium set"),
    "media.clear": N_("spend on a medium removed"),
    "media.copy": N_("spend copied from last month"),
    "appointment.book": N_("appointment booked"),
    "appointment.arrive": N_("appointment kept"),
    "appointment.no_show": N_("appointment missed"),
    "appointment.cancel": N_("appointment cancelled"),
    "reception.step": N_("step of the sale ticked"),
    "reception.step_undo": N_("step of the sale unticked"),
    "waiting.add": N_("visitor waiting"),
    "waiting.leave": N_("waiting visitor left"),
}

AUDIT_ENTITIES: dict[str, str] = {
    "file": N_("file"),
    "callback": N_("callback"),
    "reception": N_("reception"),
    "customer": N_("customer"),
    "rotation_day": N_("day"),
    "staff": N_("staff member"),
    "setting": N_("setting"),
    "import_batch": N_("import"),
    "countermeasure": N_("countermeasure"),
    "target": N_("target"),
    "closed_day": N_("closed day"),
    "action_plan": N_("action"),
    "coaching_entry": N_("coaching"),
    "reason": N_("reason"),
    "media_spend": N_("spend on a medium"),
    "appointment": N_("invitation to visit"),  # "appointment" alone is the away reason
    "waiting_visitor": N_("waiting visitor"),
    "level": N_("level"),
    "rotation_event": N_("rotation event"),
    # an export names what it wrote
    "customers": N_("Customers"),
    "receptions": N_("Receptions"),
    "callbacks": N_("Callbacks"),
}

AUDIT_FIELDS: dict[str, str] = {
    "last_contact_at": N_("last contact"),
    "outcome": N_("outcome"),
    "level": N_("level"),
    "status": N_("status"),
    "customer_id": N_("customer"),
    "customer": N_("customer"),
    "filled": N_("form saved"),
    "purchase_horizon": N_("purchase time"),
    "name": N_("name"),
    "owner_id": N_("owner"),
    "phone": N_("phone"),
    "model_interest": N_("model"),
    "budget": N_("budget"),
    "reached": N_("reached"),
    "next": N_("next step"),
    "channel": N_("channel"),
    "lost_reason": N_("lost reason"),
    "day": N_("date"),
    "ended": N_("visits it ended"),
    "left": N_("waiting visitors it marked gone"),
    "to": N_("to whom"),
    "note": N_("notes"),
    "role": N_("role"),
    "seniority": N_("seniority"),
    "reason": N_("reason"),
    "value": N_("value"),
    "active": N_("in service"),
    "batch": N_("import"),
    "removed": N_("customers removed"),
    "restored": N_("customers put back"),
    "pin": N_("PIN"),
    "failures": N_("failed tries"),
    "file": N_("file"),
    "kept": N_("file kept as"),
    "rows": N_("rows"),
    "sheet": N_("sheet"),
    "created": N_("created"),
    "merged": N_("merged"),
    "rejected": N_("lines with errors"),
    "customers": N_("customers moved"),
    "callbacks": N_("callbacks moved"),
    "since": N_("from"),
    "kind": N_("kind"),
    "salesperson_id": N_("salesperson"),
    "other_id": N_("other salesperson"),
    "preset": N_("preset"),
    "mapping": N_("level mapping"),
    "history_rows": N_("history rows"),
    # issue 19: appointments, waiting visitors, steps of the sale
    "at": N_("time"),
    "source": N_("source"),
    "model": N_("model"),
    "status_at": N_("since"),
    "reception_id": N_("visit"),
    "no_show_callback_id": N_("callback"),
    "arrived_at": N_("arrived at"),
    "left_at": N_("left at"),
    "step": N_("step"),
    "by": N_("by"),
}

#: Fields that hold a staff member's id: shown by name.
STAFF_FIELDS = frozenset({"owner_id", "to", "salesperson_id", "other_id", "by"})

#: An appointment's status and where it was booked (the trail's words for them).
APPOINTMENT_WORDS: dict[str, str] = {
    "booked": N_("booked"),
    "shown": N_("kept"),
    "no_show": N_("no-show"),
    "cancelled": N_("cancelled"),
    "callback": N_("callback"),
    "lead": N_("lead contact"),
    "desk": N_("desk"),
    # other writers' "source": where a change came from
    "form": N_("form"),
    "import": N_("import"),
    "close_day": N_("closing the day"),
}

_VALUE_LABELS: dict[str, Mapping[Any, str]] = {
    "outcome": OUTCOME_LABELS,
    "status": {**STATUS_LABELS, **APPOINTMENT_WORDS},
    "source": APPOINTMENT_WORDS,
    "purchase_horizon": HORIZON_LABELS,
    "channel": CHANNELS,
    "budget": BUDGETS,
    "next": NEXT_STEP_LABELS,
    "role": ROLE_LABELS,
    "seniority": SENIORITY_LABELS,
    "kind": {
        **{str(k): v for k, v in EVENT_LABELS.items()},
        "no_contact": N_("no contact left"),
        "lost": N_("lost"),
    },
    "pin": {"set": N_("set")},
}


#: Settings whose values are codes (``settings list`` shows the words; ``settings set``
#: still takes the code, and the key column stays as typed).
SETTING_VALUES: dict[str, dict[str, str]] = {
    "rotation.mode": {
        OrderMode.BACK_OF_QUEUE: N_("back of the queue after each customer"),
        OrderMode.FEWEST_UPS: N_("fewest turns today first"),
    },
    "auth.mode": {"pin": N_("each person signs in with a PIN"), "open": N_("no PIN (open)")},
    "rotation.uncounted_weight": {"0": N_("no turn"), "0.5": N_("half a turn")},
}


@dataclass(frozen=True)
class Names:
    """What the caller knows from the database: level names, pick-list reason names."""

    level: Callable[[str], str]
    reasons: Mapping[str, str]
    staff: Mapping[int, str] = field(default_factory=dict)  # id → name


_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def label(labels: Mapping[Any, str], code: str | None) -> str:
    """The translated label of ``code``; the code itself when it has none (never a crash)."""
    if code is None or code == "":
        return "-"
    text = labels.get(code)
    return _(text) if text else code


def role_label(code: str) -> str:
    """A staff member's role, in words (岗位)."""
    return label(ROLE_LABELS, code)


def seniority_label(code: str | None) -> str:
    """junior / senior in words."""
    return label(SENIORITY_LABELS, code)


def escalation_label(code: str | None) -> str:
    """What happens when a level's window runs out."""
    return label(ESCALATION_ACTION_LABELS, code) if code else ""


def duration_label(text: str | None) -> str:
    """``P7D`` → words: 7 天, 1 个月, 3 个月, 1 年 (a person never reads P7D)."""
    if not text:
        return ""
    m = _DURATION.match(text.strip().upper())
    if not m:
        return text
    years, months, weeks, days = (int(g) if g else 0 for g in m.groups())
    parts = []
    if years:
        parts.append(ngettext("{n} year", "{n} years", years))
    if months:
        parts.append(ngettext("{n} month", "{n} months", months))
    if weeks:
        parts.append(ngettext("{n} week", "{n} weeks", weeks))
    if days:
        parts.append(ngettext("{n} day", "{n} days", days))
    return " ".join(parts)


def setting_value(key: str, value: str) -> str:
    """A setting's value as a person reads it: words for codes, yes/no for true/false,
    the care schedule as durations, a time without its ISO ``T``; other values (a shop
    name, a number, a key) as they are."""
    if key in SETTING_VALUES and value in SETTING_VALUES[key]:
        return _(SETTING_VALUES[key][value])
    if value in ("true", "false"):
        return _("yes") if value == "true" else _("no")
    if key == "care.schedule":
        return _(", ").join(duration_label(step) for step in value.split(",") if step.strip())
    if _ISO_TIME.match(value):
        return value[:10] + " " + value[11:16]  # the shop's own clock, as it was set
    return value


def owner_reason(reason: str) -> str:
    """A reason deskterm wrote, in words; a person's own reason as they typed it."""
    return label(OWNER_REASONS, reason) if reason in OWNER_REASONS else reason


def audit_value(field: str, value: Any, names: Names, zone: tzinfo) -> str:
    """One value of an audit change, as a person reads it."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field == "level" or field.startswith("level_"):
        return names.level(str(value))
    if field in _VALUE_LABELS:
        return label(_VALUE_LABELS[field], str(value))
    if field in ("lost_reason", "step") or (field == "reason" and str(value) in names.reasons):
        return names.reasons.get(str(value), str(value))
    if field in STAFF_FIELDS and isinstance(value, int) and value in names.staff:
        return names.staff[value]
    if isinstance(value, list):  # the reception or visitor numbers a close ended
        return ", ".join(f"#{v}" for v in value) or "-"
    if isinstance(value, str) and _ISO_TIME.match(value):
        try:
            return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return str(value)


def audit_change(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    names: Names,
    zone: tzinfo,
) -> str:
    """The change in one line, fields and values in words: ``状态：在跟进 → 成交``."""
    parts = []
    for k in dict.fromkeys([*before, *after]):
        name = label(AUDIT_FIELDS, k) if k in AUDIT_FIELDS else k
        old = audit_value(k, before.get(k), names, zone)
        new = audit_value(k, after.get(k), names, zone)
        if k in before and k in after:
            parts.append(_("{field}: {old} → {new}", field=name, old=old, new=new))
        elif k in after:
            parts.append(_("{field}: {new}", field=name, new=new))
        else:
            parts.append(_("{field}: {old} → -", field=name, old=old))
    return _("; ").join(parts)


def audit_action(action: str) -> str:
    """What was done, in words."""
    return label(AUDIT_ACTIONS, action)


def audit_entity(entity: str, entity_id: int | None) -> str:
    """What it was done to: 客户 #12."""
    name = label(AUDIT_ENTITIES, entity)
    return f"{name} #{entity_id}" if entity_id else name


#: Short column heads: eight measures must fit an 80-column desk beside a name.
TARGET_HEADS: dict[Measure, str] = {
    Measure.RECEPTIONS: N_p("target column", "Recept."),
    Measure.CONTACT_CAPTURE: N_p("target column", "Contact"),
    Measure.FORM_COMPLETENESS: N_p("target column", "Form"),
    Measure.CALLBACKS_ON_TIME: N_p("target column", "On time"),
    Measure.UPGRADES: N_p("target column", "Upgr."),
    Measure.TEST_DRIVES: N_p("target column", "Drives"),
    Measure.INVITATIONS: N_p("target column", "Invited"),
    Measure.SALES: N_p("target column", "Sales"),
}

#: A red figure ends in ``!``, an amber one in ``~`` (colour is never the only sign).
TARGET_MARKS: dict[Status, str] = {Status.AMBER: "~", Status.RED: "!"}


def target_figure(measure: Measure, value: Decimal | None) -> str:
    """A figure as the meeting reads it: a count, or a rate in whole per cent."""
    if value is None:
        return "-"
    if measure in RATES:
        # Down, not to the nearest: 79.7 % shown as 80 % beside an 80 % target read as met
        # while the cell said amber.
        return f"{int((value * 100).to_integral_value(rounding=ROUND_FLOOR))}%"
    return f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"


def reason_label(kind: str, code: str, names: Mapping[str, str] | None = None) -> str:
    """A no-contact or lost reason's name in the language in force: the shop's own words
    (``names``, code → name, from services.reasons) else the built-in list, else the code."""
    if names and code in names:
        return names[code]
    from deskterm.i18n import get_language
    from deskterm.services.setup import LOST_REASONS, NO_CONTACT_REASONS

    rows = NO_CONTACT_REASONS if kind == "no_contact" else LOST_REASONS
    zh = get_language() == "zh"
    for c, en, z, _note in rows:
        if c == code:
            return z if zh else en
    return code


ACTION_STATE_LABELS: dict[ActionState, str] = {
    ActionState.OPEN: N_("open"),
    ActionState.DUE: N_("due today"),
    ActionState.OVERDUE: N_("overdue"),
    ActionState.CLOSED: N_("closed"),
}


# -- where visitors come from (issue 18) ---------------------------------------------------


def money(n: int | None) -> str:
    """A whole amount with thousands separators; "-" when there is none."""
    return "-" if n is None else f"{n:,}"


def media_heads(wide: bool) -> list[str]:
    """The media table's column heads (the month's whole spend only when ``wide``)."""
    spend = [_("Spend (month)"), _("Spent to date")] if wide else [_("Spent to date")]
    return [
        _("Medium"),
        *spend,
        _("Visitors"),
        _("Contacts"),
        _("Sales"),
        _("Per visitor"),
        _("Per sale"),
    ]


def media_cells(name: str, r: MediaRow, wide: bool) -> tuple[str, ...]:
    """One medium's row of the media table."""
    spend = (money(r.spend_month), money(r.spend_to_date)) if wide else (money(r.spend_to_date),)
    return (
        name,
        *spend,
        str(r.visitors),
        str(r.contacts),
        str(r.sales),
        money(r.cost_per_visitor),
        money(r.cost_per_sale),
    )


def media_name(report: MediaReport, code: str | None) -> str:
    """A medium's name; "not recorded" for the visitors whose form named none."""
    return _("not recorded") if code is None else report.name(code)


def media_legend(report: MediaReport) -> str:
    """The media table's title and how its spend to date is worked out, on two lines."""
    month = report.month.isoformat()[:7]
    if report.last < report.month:
        title = _("Where visitors came from — {month} (not begun yet)", month=month)
    else:
        title = media_title(month, report.last.isoformat())
    return title + "\n" + MEDIA_NOTE()


def media_title(month: str, last: str) -> str:
    """The media table's title for ``month`` (YYYY-MM) up to ``last`` (YYYY-MM-DD)."""
    return _("Where visitors came from — {month}, to {last}", month=month, last=last)


def MEDIA_NOTE() -> str:  # noqa: N802 (a sentence, read in the language in force)
    """How the spend to date is worked out (under the media table's title)."""
    return _("Spent to date: the month's spend × days gone ÷ days of the month.")
