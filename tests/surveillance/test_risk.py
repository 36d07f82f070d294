"""County risk levels (2020 national protocol, versioned rule sets) and province response levels."""

import datetime as dt
import json

import pytest
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.people.services import person_register
from fangyi.regions.models import Region
from fangyi.surveillance import risk, services
from fangyi.surveillance.choices import Classification
from fangyi.surveillance.models import CountyRiskLevel, ResponseLevelPeriod, RiskRuleSet
from fangyi.surveillance.reports import daily_reports_rebuild, daily_reports_refresh
from fangyi.surveillance.selectors import response_level_on, response_level_timeline

D = dt.date
COUNTY = "430102"  # 芙蓉区
VILLAGE = "430102001001"
OTHER_VILLAGE = "430103002001"  # 天心区


@pytest.fixture(autouse=True)
def frozen_2020():
    with clock.frozen_at(dt.datetime(2020, 5, 1, 12, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def confirmed(db, new_id_number):
    """confirmed(day, village=VILLAGE, refresh=True) → a case confirmed on `day` (reported that day)."""
    counter = iter(range(10_000))

    def make(day: dt.date, village: str = VILLAGE, *, refresh: bool = True):
        person = person_register(
            actor=None, name=f"病例{next(counter)}", id_number=new_id_number(village[:6]), home_region=village
        )
        case = services.case_report(
            actor=None,
            person_id=person.id,
            classification=Classification.SUSPECTED,
            report_date=day,
            residence=village,
            reporting_unit="发热门诊",
            refresh=refresh,
        )
        return services.case_confirm(
            actor=None, case_id=case.id, date=day, method="nucleic_acid", refresh=refresh
        )

    return make


def stored(day: dt.date, county: str = COUNTY) -> CountyRiskLevel:
    return CountyRiskLevel.objects.select_related("rule_set").get(county_id=county, date=day)


def level(day: dt.date, county: str = COUNTY) -> str:
    return stored(day, county).level


def reason(day: dt.date, county: str = COUNTY) -> str:
    with translation.override("en"):
        return risk.stored_reason_text(stored(day, county).reason)


def test_the_migration_installs_the_2020_national_rule_set(db):
    rules = RiskRuleSet.objects.get(version="2020-national")
    assert (rules.window_days, rules.cumulative_threshold, rules.cluster_min_cases) == (14, 50, 2)
    assert rules.effective_from == D(2020, 1, 1)
    assert risk.rule_set_on(D(2020, 3, 1)) == rules
    assert risk.rule_set_on(D(2019, 12, 31)) is None


def test_a_county_with_only_suspected_cases_is_low(db, new_id_number):
    person = person_register(actor=None, name="疑似", id_number=new_id_number(), home_region=VILLAGE)
    services.case_report(
        actor=None,
        person_id=person.id,
        classification=Classification.SUSPECTED,
        report_date=D(2020, 1, 22),
        residence=VILLAGE,
        reporting_unit="发热门诊",
    )
    assert level(D(2020, 1, 22)) == "low"
    assert reason(D(2020, 1, 22)) == "No confirmed case."
    # Computed without being asked: from the first report to the last report + 14 days.
    days = list(CountyRiskLevel.objects.filter(county_id=COUNTY).values_list("date", flat=True))
    assert (min(days), max(days)) == (D(2020, 1, 22), D(2020, 2, 5))


def test_fourteen_days_without_a_new_case_make_a_county_low_again(confirmed):
    confirmed(D(2020, 1, 23))
    assert level(D(2020, 1, 23)) == "medium"
    assert reason(D(2020, 1, 23)) == "1 new confirmed case within 14 days, 1 cumulative."
    # The window is 14 days ending on the day: Jan 23 + 13 is still inside it.
    assert level(D(2020, 2, 5)) == "medium"
    # Jan 24 … Feb 6: fourteen consecutive days without a new confirmed case.
    assert level(D(2020, 2, 6)) == "low"
    assert reason(D(2020, 2, 6)) == "No new confirmed case for 14 consecutive days, 1 cumulative."
    assert stored(D(2020, 2, 6)).rule_set.version == "2020-national"


def test_fifty_cases_are_medium_fifty_one_with_a_cluster_are_high(confirmed):
    first = [confirmed(D(2020, 1, 20), refresh=False) for _ in range(50)]
    daily_reports_refresh(counties=[COUNTY])
    services.cluster_create(
        actor=None, name="某小区家庭", setting="family", region=VILLAGE, case_ids=[c.id for c in first[:2]]
    )
    # 50 cumulative is not more than 50: medium even with a cluster.
    assert level(D(2020, 1, 20)) == "medium"
    assert level(D(2020, 1, 21)) == "medium"
    confirmed(D(2020, 1, 22))
    # 51 cumulative and the cluster's cases were confirmed within 14 days: high.
    assert level(D(2020, 1, 21)) == "medium"
    assert level(D(2020, 1, 22)) == "high"
    assert reason(D(2020, 1, 22)) == (
        "51 new confirmed cases within 14 days, 51 cumulative. "
        "More than 50 cumulative and 1 cluster within 14 days."
    )
    assert level(D(2020, 2, 2)) == "high"  # Jan 20 + 13: the cluster is still inside the window
    # Jan 20 + 14: the cluster has left the window; Jan 22's case has not.
    assert level(D(2020, 2, 3)) == "medium"
    assert reason(D(2020, 2, 3)).endswith("More than 50 cumulative and no cluster within 14 days.")
    assert level(D(2020, 2, 5)) == "low"  # Jan 22 + 14


def test_a_cluster_counts_only_with_enough_cases_confirmed_inside_the_window(confirmed):
    early = [confirmed(D(2020, 1, 2), refresh=False) for _ in range(50)]
    daily_reports_refresh(counties=[COUNTY])
    late = confirmed(D(2020, 1, 14))
    # One case confirmed Jan 2, one Jan 14: together in a cluster (within 14 days of each other)...
    services.cluster_create(
        actor=None, name="某工地", setting="site", region=VILLAGE, case_ids=[early[0].id, late.id]
    )
    assert level(D(2020, 1, 14)) == "high"  # both inside Jan 1 … Jan 14
    assert level(D(2020, 1, 15)) == "high"  # both inside Jan 2 … Jan 15
    # ...but from Jan 16 only one of them is inside the window: no cluster within 14 days.
    assert level(D(2020, 1, 16)) == "medium"


def test_a_cluster_in_another_county_does_not_raise_this_one(confirmed):
    cases = [confirmed(D(2020, 1, 20), refresh=False) for _ in range(51)]
    daily_reports_refresh(counties=[COUNTY])
    services.cluster_create(
        actor=None,
        name="天心区某单位",
        setting="work_unit",
        region="430103",
        case_ids=[c.id for c in cases[:2]],
    )
    assert level(D(2020, 1, 20)) == "medium"


def test_the_rule_set_in_force_is_the_latest_effective_one(confirmed):
    strict = RiskRuleSet.objects.create(
        version="test-7-days",
        window_days=7,
        cumulative_threshold=0,
        cluster_min_cases=2,
        effective_from=D(2020, 2, 1),
    )
    confirmed(D(2020, 1, 25))
    assert stored(D(2020, 1, 31)).rule_set.version == "2020-national"
    assert level(D(2020, 1, 31)) == "medium"
    # From Feb 1 the 7-day window applies: Jan 26 … Feb 1 had no new case.
    assert stored(D(2020, 2, 1)).rule_set == strict
    assert level(D(2020, 2, 1)) == "low"
    assert reason(D(2020, 2, 1)) == "No new confirmed case for 7 consecutive days, 1 cumulative."


def test_recomputing_replaces_rows_and_drops_days_outside_the_span(confirmed):
    case = confirmed(D(2020, 1, 23))
    assert CountyRiskLevel.objects.filter(county_id=COUNTY).count() == 15  # Jan 23 … Feb 6
    written = risk.risk_levels_compute(counties=[COUNTY], start=D(2020, 1, 20), end=D(2020, 3, 1))
    assert written == 42  # Jan 20 … Mar 1 (2020 is a leap year)
    assert CountyRiskLevel.objects.filter(county_id=COUNTY, date=D(2020, 1, 23)).count() == 1
    services.case_record_outcome(actor=None, case_id=case.id, outcome="cured", date=D(2020, 2, 20))
    days = sorted(CountyRiskLevel.objects.filter(county_id=COUNTY).values_list("date", flat=True))
    assert (days[0], days[-1], len(days)) == (D(2020, 1, 23), D(2020, 3, 5), 43)


def test_rebuild_computes_every_county(confirmed):
    confirmed(D(2020, 1, 23), refresh=False)
    confirmed(D(2020, 1, 24), OTHER_VILLAGE, refresh=False)
    assert not CountyRiskLevel.objects.exists()
    daily_reports_rebuild()
    assert level(D(2020, 1, 23)) == "medium"
    assert level(D(2020, 1, 24), "430103") == "medium"
    assert set(CountyRiskLevel.objects.values_list("county_id", flat=True)) == {COUNTY, "430103"}


def test_level_on_a_date_carries_a_low_level_and_computes_the_rest_on_read(confirmed):
    confirmed(D(2020, 1, 23))
    county = Region.objects.get(code=COUNTY)
    later = risk.level_on(county=county, date=D(2020, 3, 1))
    assert later is not None and later.level == "low" and later.stored is False
    with translation.override("en"):
        assert later.reason == "No new confirmed case for 38 consecutive days, 1 cumulative."
    # Before the first report: no confirmed case.
    before = risk.level_on(county=county, date=D(2020, 1, 10))
    assert before is not None and (before.level, before.code) == ("low", risk.NO_CASES)
    # A stored medium day past which nothing was stored: computed on read, not carried.
    risk.risk_levels_compute(counties=[COUNTY], start=D(2020, 1, 23), end=D(2020, 1, 24))
    CountyRiskLevel.objects.filter(county_id=COUNTY, date__gt=D(2020, 1, 24)).delete()
    on_read = risk.level_on(county=county, date=D(2020, 1, 30))
    assert on_read is not None and on_read.level == "medium" and on_read.stored is False
    assert risk.level_on(county=county, date=D(2020, 2, 10)).level == "low"  # type: ignore[union-attr]
    # A county without any report.
    quiet = risk.level_on(county=Region.objects.get(code="431381"), date=D(2020, 2, 10))
    assert quiet is not None and quiet.code == risk.NO_CASES


def test_the_reason_is_stored_as_a_code_with_parameters(confirmed):
    confirmed(D(2020, 1, 23))
    data = json.loads(stored(D(2020, 1, 24)).reason)
    assert data == {"code": "new_cases", "params": {"cumulative": 1, "days": 14, "new": 1}}
    assert risk.stored_reason_text("text from elsewhere") == "text from elsewhere"


@pytest.mark.parametrize(
    ("cumulative", "new", "clusters", "expected"),
    [
        (0, 0, 0, "low"),
        (5, 0, 0, "low"),
        (60, 0, 1, "low"),
        (1, 1, 0, "medium"),
        (50, 3, 2, "medium"),
        (51, 3, 0, "medium"),
        (51, 3, 1, "high"),
    ],
)
def test_classify(db, cumulative, new, clusters, expected):
    rules = RiskRuleSet.objects.get(version="2020-national")
    found, _code, _params = risk.classify(
        rule_set=rules, cumulative=cumulative, new_in_window=new, clusters=clusters, quiet_days=20
    )
    assert found == expected


# Response levels ---------------------------------------------------------------------------------


@pytest.fixture
def command(make_user):
    return make_user(Role.PROVINCIAL_COMMAND, "43")


def test_command_staff_declare_the_response_timeline(command):
    services.response_level_declare(actor=command, level="I", start_date=D(2020, 1, 23), note="一级响应")
    services.response_level_declare(actor=command, level="III", start_date=D(2020, 3, 31), note="")
    services.response_level_declare(actor=command, level="II", start_date=D(2020, 3, 10), note="")
    timeline = response_level_timeline(actor=command)
    assert [(p.period.level, p.period.start_date, p.end_date) for p in timeline] == [
        ("I", D(2020, 1, 23), D(2020, 3, 9)),
        ("II", D(2020, 3, 10), D(2020, 3, 30)),
        ("III", D(2020, 3, 31), None),
    ]
    assert response_level_on(date=D(2020, 1, 22)) is None
    assert response_level_on(date=D(2020, 3, 10)).level == "II"  # type: ignore[union-attr]
    assert response_level_on(date=D(2020, 4, 30)).level == "III"  # type: ignore[union-attr]
    event = AuditEvent.objects.filter(action="response_level.declare").order_by("at", "id").first()
    assert event is not None and event.region_path == "43" and event.reason == "一级响应"
    assert event.actor == command


@pytest.mark.parametrize(
    ("level", "start", "code"),
    [
        ("I", D(2020, 1, 23), "response_level.duplicate_date"),
        ("I", D(2020, 2, 1), "response_level.unchanged"),
        ("IV", D(2020, 2, 1), "response_level.invalid_level"),
        ("II", D(2020, 5, 2), "response_level.date_in_future"),
        ("ended", D(2020, 1, 1), "response_level.unchanged"),
    ],
)
def test_bad_declarations_are_refused_and_write_nothing(command, level, start, code):
    services.response_level_declare(actor=command, level="I", start_date=D(2020, 1, 23), note="")
    before = (ResponseLevelPeriod.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError) as refused:
        services.response_level_declare(actor=command, level=level, start_date=start, note="")
    assert refused.value.code == code
    assert (ResponseLevelPeriod.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("role", "region"),
    [(Role.PROVINCIAL_COMMAND, "4301"), (Role.COUNTY_OFFICIAL, "430102"), (Role.PREFECTURE_OFFICIAL, "4301")],
)
def test_only_command_staff_of_the_province_declare(make_user, role, region):
    with pytest.raises(DomainError) as refused:
        services.response_level_declare(
            actor=make_user(role, region), level="I", start_date=D(2020, 1, 23), note=""
        )
    assert refused.value.code == "permission_denied"
    assert not ResponseLevelPeriod.objects.exists()
