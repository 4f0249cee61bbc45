"""The dealer group's view: every showroom on one PostgreSQL server, side by side.

A group's server holds one deskterm schema per showroom (see README, "A dealer group's
server"). :func:`group_report` finds them all, reads each one's meeting report for the
same period, and adds the teams' figures into the group's: counts added, rates worked
out again from the sums (never an average of rates). A showroom whose schema another
deskterm version wrote is listed with the reason and left out of the total, never
upgraded by a report.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from deskterm.clock import Clock
from deskterm.domain.kpi import Figures, total
from deskterm.errors import DesktermError, RuleViolation
from deskterm.services.context import Context
from deskterm.services.permissions import SYSTEM, PermissionDenied, require
from deskterm.services.report import Report, as_json, daily_report, period_bounds

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShowroomReport:
    """One showroom of the group: its schema, its name, and its report (None, with the
    reason in ``problem``, when it could not be read)."""

    schema: str
    name: str
    report: Report | None
    level_names: dict[str, str]
    problem: str | None = None


@dataclass(frozen=True)
class GroupReport:
    """Every showroom's meeting figures for one period and the group's total."""

    first: date
    day: date
    showrooms: tuple[ShowroomReport, ...]
    total: Figures
    levels: tuple[str, ...]
    level_names: dict[str, str]


def group_report(
    address: str,
    clock: Clock,
    *,
    day: date | None = None,
    first: date | None = None,
    period: str = "day",
    role: str | None = SYSTEM,
    remote: bool = False,
    schemas: Sequence[str] | None = None,
) -> GroupReport:
    """The meeting figures of every showroom on the server at ``address`` for the period
    (``first``..``day``, or the ``period`` holding ``day``; default: today), read as
    ``role`` (the command line acts as the system; a screen as who is signed in): the
    meeting's permission is needed. ``schemas``: only these showrooms (by schema name;
    one not on the server is listed with that reason)."""
    from deskterm.i18n import _
    from deskterm.services.maintenance import open_context
    from deskterm.services.setup import get_levels, get_settings, shop_name
    from deskterm.storage import migrations
    from deskterm.storage.postgres import deskterm_schemas, is_server_address, schema_address

    # The asking person's right is checked before anything is read.
    require(Context(db=None, clock=clock, role=role, remote=remote), "meeting")  # type: ignore[arg-type]
    if not is_server_address(address):
        raise RuleViolation(
            "A group report reads a dealer group's PostgreSQL server (--db postgresql://…); "
            "one file holds one showroom."
        )
    lines: list[ShowroomReport] = []
    first_day = last_day = None
    # One calendar day for every showroom: the asker's (a desk's is its showroom's; the
    # command line's is this PC's). Each showroom counts it in its own time zone.
    asked_day = day or clock.now().date()
    start, end = (first, asked_day) if first else period_bounds(period, asked_day)
    found = dict(deskterm_schemas(address))
    wanted = list(found) if schemas is None else list(dict.fromkeys(schemas))
    for schema in wanted:
        version = found.get(schema)
        if version is None:
            problem = _("no deskterm database in this schema")
            lines.append(ShowroomReport(schema, schema, None, {}, problem))
            continue
        if version != migrations.LATEST:
            problem = _(
                "schema {found}, this deskterm reads {latest}: open that showroom once "
                "with this version",
                found=version,
                latest=migrations.LATEST,
            )
            lines.append(ShowroomReport(schema, schema, None, {}, problem))
            continue
        try:
            # Read only: nothing is seeded, migrated or closed in another showroom's schema.
            # A copy of the clock: opening a showroom sets its time zone on the clock it
            # is given, and the asker's (a desk's own) must stay in its own zone.
            ctx = open_context(schema_address(address, schema), copy.copy(clock), read_only=True)
            try:
                ctx.role, ctx.remote = role, remote
                report = daily_report(ctx, end, start)
                shop_levels = get_levels(ctx)
                names = {code: shop_levels.get(code).name for code in report.levels}
                name = shop_name(get_settings(ctx).get("shop.name", "")) or schema
            finally:
                ctx.db.close()
        except PermissionDenied:
            raise
        except DesktermError as exc:
            # One showroom that cannot be read (dropped meanwhile, damaged, refused) is
            # listed with the reason; the others are still the group's figures.
            log.warning("The group report could not read %s: %s", schema, exc.message)
            lines.append(ShowroomReport(schema, schema, None, {}, exc.message))
            continue
        first_day = first_day or report.first
        last_day = last_day or report.day
        lines.append(ShowroomReport(schema, name, report, names))
    read = [line for line in lines if line.report is not None]
    levels: list[str] = []
    level_names: dict[str, str] = {}
    for line in read:
        assert line.report is not None
        for code in line.report.levels:
            if code not in levels:
                levels.append(code)
                level_names[code] = line.level_names.get(code, code)
    return GroupReport(
        first=first_day or start,
        day=last_day or end,
        showrooms=tuple(lines),
        total=total(line.report.team for line in read if line.report is not None),
        levels=tuple(levels),
        level_names=level_names,
    )


def group_json(group: GroupReport) -> dict[str, Any]:
    """The group report as JSON: each showroom's team figures as its own report's JSON
    has them (``team``), and the group's total in the same shape."""
    from deskterm.services.report import figures_json

    return {
        "date": group.day.isoformat(),
        "period": {"from": group.first.isoformat(), "to": group.day.isoformat()},
        "levels": list(group.levels),
        "level_names": group.level_names,
        "showrooms": [
            {
                "schema": line.schema,
                "name": line.name,
                "problem": line.problem,
                "team": None if line.report is None else as_json(line.report)["team"],
            }
            for line in group.showrooms
        ],
        "group": figures_json(group.total, group.levels),
    }
