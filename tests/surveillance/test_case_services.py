import datetime as dt

import pytest

from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.people.services import person_register
from fangyi.regions.models import Region
from fangyi.surveillance import services
from fangyi.surveillance.choices import Classification, Origin, Outcome
from fangyi.surveillance.models import Case, CaseEvent, DailyReport
from fangyi.surveillance.selectors import clearance_date, report_on, report_series

D = dt.date
VILLAGE = "430102001001"  # 芙蓉区 文艺路街道 识字里社区


@pytest.fixture(autouse=True)
def frozen_2020():
    with clock.frozen_at(dt.datetime(2020, 5, 1, 12, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def person(db, new_id_number):
    def make(name: str = "张某", home: str = VILLAGE):
        return person_register(actor=None, name=name, id_number=new_id_number(), home_region=home)

    return make


def report(person, **overrides):
    fields = {
        "actor": None,
        "person_id": person.id,
        "classification": Classification.SUSPECTED,
        "report_date": D(2020, 1, 22),
        "onset_date": D(2020, 1, 20),
        "residence": VILLAGE,
        "reporting_unit": "长沙市第一医院发热门诊",
    }
    fields.update(overrides)
    return services.case_report(**fields)


def test_lifecycle_feeds_the_daily_reports_of_county_prefecture_and_province(person):
    case = report(person())
    services.case_confirm(actor=None, case_id=case.id, date=D(2020, 1, 23), method="nucleic_acid")
    services.case_update_severity(actor=None, case_id=case.id, date=D(2020, 1, 25), severity="severe")
    services.case_update_severity(actor=None, case_id=case.id, date=D(2020, 2, 1), severity="moderate")
    services.case_record_outcome(actor=None, case_id=case.id, outcome=Outcome.CURED, date=D(2020, 2, 10))
    imported = report(
        person("李某"), origin=Origin.IMPORTED, source_area="武汉市", report_date=D(2020, 1, 23)
    )
    services.case_confirm(actor=None, case_id=imported.id, date=D(2020, 1, 24), method="nucleic_acid")

    for code in ("430102", "4301", "43"):
        region = Region.objects.get(code=code)
        jan23 = report_on(region=region, date=D(2020, 1, 23))
        assert (jan23.new_confirmed_local, jan23.suspected_pending, jan23.in_hospital) == (1, 1, 1)
        jan26 = report_on(region=region, date=D(2020, 1, 26))
        assert (jan26.confirmed_cumulative, jan26.confirmed_local_cumulative, jan26.severe_now) == (2, 1, 1)
        assert jan26.new_confirmed == 0 and jan26.last_new_confirmed == D(2020, 1, 24)
        feb10 = report_on(region=region, date=D(2020, 2, 10))
        assert (feb10.new_cured, feb10.cured_cumulative, feb10.in_hospital, feb10.severe_now) == (1, 1, 1, 0)
    province = Region.objects.get(code="43")
    assert report_on(region=province, date=D(2020, 3, 1)).days_since_last_new_confirmed == 37
    assert report_on(region=province, date=D(2020, 3, 1)).cure_rate == 0.5
    assert len(report_series(region=province)) == (D(2020, 2, 10) - D(2020, 1, 22)).days + 1
    assert clearance_date(region=province) is None
    assert CaseEvent.objects.filter(case=case).count() == 5


def test_rebuild_gives_the_same_rows_as_the_incremental_updates(person):
    for n in range(3):
        case = report(person(f"王{n}"), report_date=D(2020, 1, 22 + n), onset_date=None)
        services.case_confirm(actor=None, case_id=case.id, date=D(2020, 1, 24 + n), method="nucleic_acid")
    fields = [f.name for f in DailyReport._meta.fields if f.name != "id"]
    incremental = list(DailyReport.objects.order_by("region_id", "date").values_list(*fields))
    from fangyi.surveillance.reports import daily_reports_rebuild

    daily_reports_rebuild()
    assert list(DailyReport.objects.order_by("region_id", "date").values_list(*fields)) == incremental


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"onset_date": D(2020, 1, 25)}, "case.dates_out_of_order"),
        ({"report_date": D(2020, 6, 1)}, "case.date_in_future"),
        ({"residence": "4301"}, "case.residence_too_coarse"),
        ({"residence": "430199"}, "region.not_found"),
        ({"residence": "43x"}, "region.invalid_code"),
        ({"origin": Origin.IMPORTED}, "case.source_required"),
        ({"classification": Classification.CONFIRMED}, "case.invalid_classification"),
        ({"classification": Classification.ASYMPTOMATIC}, "case.asymptomatic_onset"),
        ({"reporting_unit": " "}, "case.reporting_unit_required"),
    ],
)
def test_bad_reports_are_refused_and_write_nothing(person, overrides, code):
    someone = person()
    before = (Case.objects.count(), AuditEvent.objects.count(), DailyReport.objects.count())
    with pytest.raises(DomainError) as refused:
        report(someone, **overrides)
    assert refused.value.code == code
    assert (Case.objects.count(), AuditEvent.objects.count(), DailyReport.objects.count()) == before


def test_one_open_episode_per_person(person):
    someone = person()
    first = report(someone)
    with pytest.raises(DomainError) as refused:
        report(someone)
    assert refused.value.code == "case.duplicate_episode"
    services.case_exclude(actor=None, case_id=first.id, date=D(2020, 1, 24))
    assert report(someone, report_date=D(2020, 2, 1), onset_date=None).classification == "suspected"


def test_transitions_are_checked(person):
    case = report(person())
    with pytest.raises(DomainError) as refused:
        services.case_record_outcome(actor=None, case_id=case.id, outcome=Outcome.CURED, date=D(2020, 2, 1))
    assert refused.value.code == "case.invalid_transition"
    with pytest.raises(DomainError) as refused:
        services.case_confirm(actor=None, case_id=case.id, date=D(2020, 1, 21), method="nucleic_acid")
    assert refused.value.code == "case.dates_out_of_order"
    services.case_exclude(actor=None, case_id=case.id, date=D(2020, 1, 24))
    with pytest.raises(DomainError) as refused:
        services.case_confirm(actor=None, case_id=case.id, date=D(2020, 1, 25), method="nucleic_acid")
    assert refused.value.code == "case.invalid_transition"
    assert report_on(region=Region.objects.get(code="43"), date=D(2020, 1, 25)).suspected_pending == 0


def test_asymptomatic_infection_converts_to_confirmed(person):
    case = report(person(), classification=Classification.ASYMPTOMATIC, onset_date=None)
    services.case_confirm(actor=None, case_id=case.id, date=D(2020, 1, 26), method="nucleic_acid")
    county = Region.objects.get(code="430102")
    assert report_on(region=county, date=D(2020, 1, 22)).new_asymptomatic == 1
    assert report_on(region=county, date=D(2020, 1, 26)).new_confirmed == 1
    assert report_on(region=county, date=D(2020, 1, 26)).suspected_pending == 0


def test_clusters_need_enough_cases_within_the_window(person):
    cases = []
    for n, day in enumerate((D(2020, 1, 22), D(2020, 1, 30), D(2020, 2, 20))):
        case = report(person(f"赵{n}"), report_date=day, onset_date=None)
        cases.append(services.case_confirm(actor=None, case_id=case.id, date=day, method="nucleic_acid"))
    with pytest.raises(DomainError) as refused:
        services.cluster_create(
            actor=None, name="赵家", setting="family", region=VILLAGE, case_ids=[c.id for c in cases]
        )
    assert refused.value.code == "cluster.outside_window"
    cluster = services.cluster_create(
        actor=None, name="赵家", setting="family", region=VILLAGE, case_ids=[c.id for c in cases[:2]]
    )
    assert cluster.cases.count() == 2


def test_a_case_belongs_to_one_cluster_only(person):
    cases = []
    for n in range(3):
        case = report(person(f"钱{n}"), report_date=D(2020, 1, 22 + n), onset_date=None)
        cases.append(
            services.case_confirm(actor=None, case_id=case.id, date=D(2020, 1, 22 + n), method="nucleic_acid")
        )
    first = services.cluster_create(
        actor=None, name="钱家", setting="family", region=VILLAGE, case_ids=[c.id for c in cases[:2]]
    )
    with pytest.raises(DomainError) as refused:
        services.cluster_create(
            actor=None, name="某单位", setting="work_unit", region=VILLAGE, case_ids=[c.id for c in cases[1:]]
        )
    assert (refused.value.code, refused.value.status) == ("cluster.case_already_linked", 409)
    assert set(Case.objects.filter(cluster=first).values_list("id", flat=True)) == {c.id for c in cases[:2]}
    assert Case.objects.get(pk=cases[2].id).cluster_id is None
