import datetime as dt

import pytest
from tests.resumption.conftest import COUNTY, OTHER_COUNTY

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import NotFound, PermissionDenied
from fangyi.resumption import selectors
from fangyi.resumption.models import ProblemTicket, ResumptionDay

FEB = dt.date(2020, 2, 1)


def _day(enterprise, date, status, returned, workforce=None):
    ResumptionDay.objects.create(
        enterprise=enterprise,
        date=date,
        status=status,
        returned=returned,
        workforce=workforce or enterprise.workforce,
    )


@pytest.fixture
def three(make_enterprise):
    a = make_enterprise(industry="manufacturing", workforce=100)
    b = make_enterprise(industry="manufacturing", workforce=50, region=COUNTY + "001")
    c = make_enterprise(industry="it", workforce=10)
    _day(a, FEB + dt.timedelta(days=9), "partly", 40)
    _day(a, FEB + dt.timedelta(days=19), "fully", 90)
    _day(b, FEB + dt.timedelta(days=14), "partly", 20)
    return a, b, c


def test_state_on_a_day_is_the_latest_report(official, three):
    stats = selectors.resumption_stats(actor=official, region=COUNTY, date=dt.date(2020, 2, 15))
    assert {k: stats[k] for k in ("enterprises", "resumed", "workforce", "returned")} == {
        "enterprises": 3,
        "resumed": 2,
        "workforce": 160,
        "returned": 60,
    }
    assert stats["resumption_rate"] == round(2 / 3, 4)
    assert stats["staff_return_rate"] == round(60 / 160, 4)
    before = selectors.resumption_stats(actor=official, region=COUNTY, date=dt.date(2020, 2, 1))
    assert (before["resumed"], before["returned"], before["resumption_rate"]) == (0, 0, 0.0)


def test_grouped_by_industry_and_child_region(official, three):
    by_industry = selectors.resumption_stats(
        actor=official, region=COUNTY, date=dt.date(2020, 2, 20), group_by="industry"
    )["groups"]
    assert [(g["key"], g["enterprises"], g["resumed"], g["returned"]) for g in by_industry] == [
        ("manufacturing", 2, 2, 110),
        ("it", 1, 0, 0),
    ]
    by_region = selectors.resumption_stats(
        actor=official, region=COUNTY, date=dt.date(2020, 2, 20), group_by="region"
    )["groups"]
    assert [(g["key"], g["enterprises"]) for g in by_region] == [(COUNTY, 2), (COUNTY + "001", 1)]


def test_curve_matches_the_state_day_by_day(official, three):
    curve = selectors.resumption_curve(
        actor=official, region=COUNTY, start=dt.date(2020, 2, 5), end=dt.date(2020, 2, 29)
    )
    assert len(curve) == 25
    for point in curve:
        stats = selectors.resumption_stats(actor=official, region=COUNTY, date=point["date"])
        assert {k: point[k] for k in stats if k not in ("region", "date")} == {
            k: v for k, v in stats.items() if k not in ("region", "date")
        }
    assert curve[-1]["returned"] == 110
    assert (
        selectors.resumption_curve(actor=official, region=COUNTY, start=FEB, end=FEB - dt.timedelta(days=1))
        == []
    )


def test_summary_counts_problems(official, three):
    a, b, _c = three
    opened = dt.datetime(2020, 2, 10, 9, tzinfo=clock.SHANGHAI)
    common = {
        "category": "labour",
        "priority": "normal",
        "title": "缺工",
        "description": "x",
        "opened_at": opened,
    }
    ProblemTicket.objects.create(enterprise=a, **common)
    ProblemTicket.objects.create(enterprise=a, status="waiting", **common)
    ProblemTicket.objects.create(
        enterprise=b, status="resolved", resolved_at=opened + dt.timedelta(days=2), **common
    )
    ProblemTicket.objects.create(
        enterprise=b, status="closed", resolved_at=opened + dt.timedelta(days=1), **common
    )
    summary = selectors.resumption_summary(actor=official, region=COUNTY, date=dt.date(2020, 2, 20))
    assert (summary["problems_open"], summary["problems_solved"]) == (2, 2)
    assert summary["enterprises"] == 3
    assert [g["key"] for g in summary["by_industry"]] == ["manufacturing", "it"]
    earlier = selectors.resumption_summary(actor=official, region=COUNTY, date=dt.date(2020, 2, 11))
    assert (earlier["problems_open"], earlier["problems_solved"]) == (3, 1)
    before = selectors.resumption_summary(actor=official, region=COUNTY, date=dt.date(2020, 2, 9))
    assert (before["problems_open"], before["problems_solved"]) == (0, 0)


def test_statistics_are_scoped(official, three, make_user, liaison):
    with pytest.raises(NotFound):
        selectors.resumption_stats(actor=official, region=OTHER_COUNTY)
    with pytest.raises(NotFound):
        selectors.resumption_stats(actor=official, region="43")
    with pytest.raises(PermissionDenied):
        selectors.resumption_summary(actor=liaison, region=COUNTY)
    province = make_user(Role.PROVINCIAL_COMMAND, "43")
    assert (
        selectors.resumption_stats(actor=province, region="43", date=dt.date(2020, 2, 20))["enterprises"] == 3
    )
    township = make_user(Role.TOWNSHIP_OFFICIAL, COUNTY + "001")
    assert (
        selectors.resumption_stats(actor=township, region=COUNTY + "001", date=dt.date(2020, 2, 20))[
            "enterprises"
        ]
        == 1
    )
