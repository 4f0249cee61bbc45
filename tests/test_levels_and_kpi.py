"""Levels as data, and the meeting KPIs computed by hand on a small scenario."""

from datetime import date

import pytest

from deskterm.domain.kpi import (
    CallbackFact,
    PipelineFact,
    ReceptionFact,
    WinFact,
    form_completeness,
    meeting_figures,
)
from deskterm.domain.levels import (
    DEFAULT_LEVELS,
    HABC_LEVELS,
    LevelRule,
    Levels,
    PurchaseHorizon,
)
from deskterm.errors import InvalidInput

LV = Levels(DEFAULT_LEVELS)


def test_default_levels_match_the_article():
    assert LV.codes == ("hot", "warm", "cold")
    assert LV.get("hot").callback_interval == "P7D"
    assert LV.get("warm").callback_interval == "P1M"
    assert LV.get("cold").to_marketing
    assert LV.is_upgrade("warm", "hot") and not LV.is_upgrade("hot", "warm")


@pytest.mark.parametrize(
    "horizon,level",
    [
        (PurchaseHorizon.MONTH, "hot"),
        (PurchaseHorizon.QUARTER, "hot"),
        (PurchaseHorizon.HALF_YEAR, "warm"),
        (PurchaseHorizon.YEAR, "cold"),
        (PurchaseHorizon.UNKNOWN, "cold"),
    ],
)
def test_expected_purchase_time_suggests_level(horizon, level):
    assert LV.suggest(horizon).code == level


def test_habc_is_configurable():
    habc = Levels(HABC_LEVELS)
    assert habc.codes == ("H", "A", "B", "C")
    assert habc.suggest(PurchaseHorizon.MONTH).code == "A"
    assert habc.suggest(PurchaseHorizon.QUARTER).code == "B"


def test_inconsistent_levels_are_refused():
    with pytest.raises(InvalidInput):
        Levels([DEFAULT_LEVELS[0], DEFAULT_LEVELS[0]])
    with pytest.raises(InvalidInput):
        LevelRule("x", 1, "x", "x", None, "P7D", to_marketing=True)
    with pytest.raises(InvalidInput):
        LV.get("lukewarm")


def test_meeting_figures_by_hand():
    d = date(2026, 3, 2)
    recs = [
        ReceptionFact(1, d, "walk_in", True, form_fields_filled=7, form_fields_total=7),
        ReceptionFact(1, d, "walk_in", False, first_visit=True),
        ReceptionFact(
            1, d, "phone", True, first_visit=False, form_fields_filled=5, form_fields_total=7
        ),
        ReceptionFact(2, d, "online", True, form_fields_filled=6, form_fields_total=7),
        ReceptionFact(2, d, "walk_in", False, counted=False),
        ReceptionFact(
            2, date(2026, 2, 20), "walk_in", True, form_fields_filled=7, form_fields_total=7
        ),
    ]
    cbs = [
        CallbackFact(1, d, d, "warm", "hot", True),
        CallbackFact(1, d, None),
        CallbackFact(2, date(2026, 3, 1), None),
        CallbackFact(2, d, d, "hot", "hot", True),
    ]
    pipe = [
        PipelineFact(1, "hot", "active"),
        PipelineFact(1, "warm", "at_risk"),
        PipelineFact(2, "cold", "marketing"),
        PipelineFact(2, "warm", "active"),
    ]
    wins = [WinFact(2, d), WinFact(1, date(2026, 2, 25))]
    f = meeting_figures(
        day_from=d,
        day_to=d,
        window_from=date(2026, 2, 1),
        salespeople=[1, 2, 3],
        receptions=recs,
        callbacks=cbs,
        pipeline=pipe,
        wins=wins,
        levels=LV,
        today=d,
    )
    one, two, team = f.per_salesperson[1], f.per_salesperson[2], f.team
    assert (one.receptions, one.with_contact, one.without_contact) == (3, 2, 1)
    assert one.receptions_by_channel == {"walk_in": 2, "phone": 1}
    assert one.contact_capture_rate == pytest.approx(2 / 3)
    assert (one.callbacks_due, one.callbacks_done, one.upgrades) == (2, 1, 1)
    assert (two.callbacks_due, two.callbacks_overdue, two.upgrades) == (1, 1, 0)
    assert two.uncounted == 1 and two.receptions == 1 and two.won == 1
    assert one.levels == {"hot": 1, "warm": 1} and two.levels == {"warm": 1, "cold": 1}
    # issue 15 (7): the unsaved form of a counted reception is 0 of 7: (7 + 0 + 5) / 21
    assert one.form_completeness == pytest.approx(12 / 21)
    # issue 15 (11): won ÷ first visits (2: with and without contact); with contact: 1 ÷ 1
    assert one.conversion_rate == pytest.approx(1 / 2)
    assert one.conversion_rate_with_contact == pytest.approx(1 / 1)
    assert two.conversion_rate == pytest.approx(1 / 2)
    assert two.conversion_rate_with_contact == pytest.approx(1 / 2)
    assert team.receptions == 4 and team.won == 1 and team.callbacks_overdue == 1
    assert f.per_salesperson[3].receptions == 0 and f.per_salesperson[3].conversion_rate is None


def test_form_completeness_counts_key_fields():
    assert form_completeness({"name": True, "phone": True}) == (2, 7)
