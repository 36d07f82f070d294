import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from fangyi.core.models import AuditEvent
from fangyi.people.models import Person
from fangyi.regions.models import Region
from fangyi.surveillance.choices import Origin, Outcome, Severity
from fangyi.surveillance.models import Case, CaseEvent, ResponseLevelPeriod, SeverityChange
from fangyi.surveillance.replay import replay_hunan_2020, replay_plan, series_load
from fangyi.surveillance.selectors import report_on, report_series

D = dt.date


def test_series_is_shifted_to_the_bulletin_dates():
    series = {day.date: day for day in series_load()}
    assert series[D(2020, 1, 21)].confirmed_cumulative == 4  # JHU's 2020-01-22
    assert series[D(2020, 1, 28)].new_confirmed == 78  # the bulletin's peak day
    assert max(series.values(), key=lambda day: day.new_confirmed).date == D(2020, 1, 28)
    assert series[D(2020, 5, 30)].confirmed_cumulative == 1019


def test_plan_is_deterministic_and_consistent():
    series = series_load()
    plan = replay_plan(series)
    assert [(c.confirmed_date, c.outcome, c.outcome_date) for c in plan] == [
        (c.confirmed_date, c.outcome, c.outcome_date) for c in replay_plan(series)
    ]
    assert len(plan) == 1019
    for case in plan:
        assert case.onset_date < case.report_date <= case.confirmed_date
        days = [day for day, _level in case.severity]
        assert days == sorted(days) and days[0] == case.confirmed_date
        assert case.outcome_date is not None and case.outcome_date >= days[-1]
    severe = [
        c for c in plan if any(level in (Severity.SEVERE, Severity.CRITICAL) for _d, level in c.severity)
    ]
    assert sum(1 for c in severe if c.outcome == Outcome.CURED) == 150
    assert sum(1 for c in plan if c.outcome == Outcome.DIED) == 4


def test_a_smaller_scale_gives_a_smaller_line_list():
    plan = replay_plan(series_load(scale=0.1))
    assert len(plan) == 102


@pytest.fixture(scope="module")
def replay_once(django_db_setup, django_db_blocker):
    """The replay (it takes several seconds), played once for the module inside a transaction
    rolled back after its last test; each test runs in a savepoint of it (its `db` fixture)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("replay_hunan_2020", stderr=io.StringIO(), stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def replayed(db, replay_once):
    """The replayed line list; what a test writes on top of it is rolled back after the test."""


@pytest.mark.django_db
def test_replay_reproduces_the_province_curve(replayed):
    province = Region.objects.get(code="43")
    series = {
        day.date: day for day in report_series(region=province, start=D(2020, 1, 21), end=D(2020, 5, 31))
    }
    assert series[D(2020, 5, 31)].confirmed_cumulative == 1019
    assert series[D(2020, 1, 28)].new_confirmed == 78
    assert max(series.values(), key=lambda day: day.new_confirmed).date == D(2020, 1, 28)
    # What the series says after the official "no new case from 02-28": JHU's one-day lag is not
    # exact, so one case falls on 02-28, and one more (the 1,019th) on 04-01.
    late = {
        day: figures.new_confirmed
        for day, figures in series.items()
        if day >= D(2020, 2, 28) and figures.new_confirmed
    }
    assert late == {D(2020, 2, 28): 1, D(2020, 4, 1): 1}
    assert series[D(2020, 5, 31)].deaths_cumulative == 4
    assert series[D(2020, 3, 14)].cured_cumulative == 1014
    assert series[D(2020, 3, 14)].in_hospital == 0
    assert series[D(2020, 5, 31)].cured_cumulative == 1015
    assert series[D(2020, 5, 31)].in_hospital == 0
    assert series[D(2020, 1, 21)].new_confirmed_imported == 4
    assert series[D(2020, 2, 1)].severe_now + series[D(2020, 2, 1)].critical_now > 0
    # Prefectures add up to the province.
    prefectures = Region.objects.filter(level="prefecture")
    assert sum(report_on(region=p, date=D(2020, 5, 31)).confirmed_cumulative for p in prefectures) == 1019
    changsha = report_on(region=Region.objects.get(code="4301"), date=D(2020, 5, 31)).confirmed_cumulative
    assert 100 < changsha < 200  # about its share of the population (15.1 %)


@pytest.mark.django_db
def test_replay_writes_validated_cases_with_history(replayed):
    cases = Case.objects.filter(external_id__startswith="hunan2020-")
    assert cases.count() == 1019
    assert not cases.filter(synthetic=False).exists()
    assert Person.objects.filter(pk__in=cases.values("person_id"), synthetic=True).count() == 1019
    first = cases.get(external_id="hunan2020-0001")
    assert first.origin == Origin.IMPORTED and first.source_area == "武汉市"
    kinds = list(CaseEvent.objects.filter(case=first).order_by("recorded_at").values_list("kind", flat=True))
    assert kinds[:2] == ["reported", "confirmed"] and kinds[-1] == "cured"
    assert AuditEvent.objects.filter(object_id=str(first.pk), action="case.confirmed").count() == 1
    assert cases.filter(outcome=Outcome.DIED).count() == 4
    assert SeverityChange.objects.filter(case__in=cases, severity=Severity.CRITICAL).exists()
    levels = list(ResponseLevelPeriod.objects.order_by("start_date").values_list("start_date", "level"))
    assert levels == [(D(2020, 1, 23), "I"), (D(2020, 3, 10), "II"), (D(2020, 3, 31), "III")]


@pytest.mark.django_db
def test_replaying_again_changes_nothing(replayed):
    before = sorted(
        Case.objects.filter(external_id__startswith="hunan2020-").values_list(
            "external_id", "person_id", "confirmed_date", "outcome_date"
        )
    )
    people = Person.objects.count()
    result = replay_hunan_2020()
    assert result.cases_replaced == 1019 and result.residents_created == 0
    after = sorted(
        Case.objects.filter(external_id__startswith="hunan2020-").values_list(
            "external_id", "person_id", "confirmed_date", "outcome_date"
        )
    )
    assert after == before
    assert Person.objects.count() == people
    assert ResponseLevelPeriod.objects.count() == 3
    assert report_on(region=Region.objects.get(code="43"), date=D(2020, 5, 31)).confirmed_cumulative == 1019
