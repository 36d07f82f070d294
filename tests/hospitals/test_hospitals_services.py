"""Hospitals: designation and beds, admission, daily rounds, treatments, transfer, discharge and
death; nothing is written when a request is refused."""

import datetime as dt

import pytest
from django.utils import translation
from tests.hospitals.conftest import DAYS_AGO, TODAY, at

from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.hospitals import models, selectors, services
from fangyi.labs.models import TestResult as LabResult
from fangyi.regions.models import Place
from fangyi.surveillance.models import Case, SeverityChange


@pytest.fixture(autouse=True)
def english():
    """The discharge criteria's sentences are quoted in English here."""
    with translation.override("en"):
        yield


def counts():
    return (
        models.Admission.objects.count(),
        models.SeverityUpdate.objects.count(),
        models.Treatment.objects.count(),
        SeverityChange.objects.count(),
        AuditEvent.objects.count(),
    )


def refused(call, status: int, code: str) -> DomainError:
    before = counts()
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.status, caught.value.code) == (status, code), caught.value.render_message()
    assert counts() == before
    return caught.value


# Hospitals and beds -------------------------------------------------------------------------------


def test_register_needs_a_hospital_place_and_a_level(manager):
    gate = Place.objects.create(name="卡口", kind="compound_gate", region_id="430102001001")
    refused(
        lambda: services.hospital_register(actor=manager, place_id=gate.pk, level="county"),
        400,
        "hospital.not_a_hospital",
    )
    place = Place.objects.create(name="医院", kind="hospital", region_id="430102001")
    refused(
        lambda: services.hospital_register(actor=manager, place_id=place.pk, level="x"),
        400,
        "hospital.invalid_level",
    )
    hospital = services.hospital_register(actor=manager, place_id=place.pk, level="county")
    assert (hospital.county_id, hospital.level) == ("430102", "county")


def test_register_outside_jurisdiction_is_not_found(manager):
    place = Place.objects.create(name="医院", kind="hospital", region_id="430103")
    refused(
        lambda: services.hospital_register(actor=manager, place_id=place.pk, level="county"),
        404,
        "place.not_found",
    )


def test_capacity_not_below_occupancy(manager, hospital, case, admit):
    admit(case)
    refused(
        lambda: services.ward_set_capacity(
            actor=manager, hospital_id=hospital.pk, bed_type="general", capacity=0
        ),
        409,
        "ward.below_occupancy",
    )
    refused(
        lambda: services.ward_set_capacity(actor=manager, hospital_id=hospital.pk, bed_type="x", capacity=3),
        400,
        "ward.invalid_bed_type",
    )
    ward = services.ward_set_capacity(actor=manager, hospital_id=hospital.pk, bed_type="general", capacity=1)
    assert ward.capacity == 1
    services.ward_set_capacity(actor=manager, hospital_id=hospital.pk, bed_type="isolation", capacity=5)
    beds = selectors.hospital_beds(actor=manager, region="430102")
    assert beds[0]["beds"] == {
        "general": {"capacity": 1, "occupied": 1},
        "icu": {"capacity": 1, "occupied": 0},
        "isolation": {"capacity": 5, "occupied": 0},
    }


# Admission ----------------------------------------------------------------------------------------


def test_admit_and_refusals(staff, hospital, make_case, admit):
    case = make_case()
    admission = admit(case, severity="moderate")
    assert (admission.status, admission.county_id, admission.severity_on_admission) == (
        "admitted",
        "430102",
        "moderate",
    )
    assert Case.objects.get(pk=case.pk).severity == "moderate"
    refused(lambda: admit(case), 409, "admission.already_admitted")
    second, third = make_case("甲"), make_case("丙")
    refused(lambda: admit(second, bed_type="isolation"), 400, "admission.no_such_ward")
    admit(make_case("乙"))
    refused(lambda: admit(third), 409, "admission.ward_full")


def test_admit_closed_case_is_refused(staff, hospital, make_case, admit):
    case = make_case()
    from fangyi.surveillance import services as surveillance

    surveillance.case_record_outcome(actor=None, case_id=case.pk, outcome="died", date=DAYS_AGO[1])
    refused(lambda: admit(case), 409, "admission.case_closed")


def test_admit_in_another_county_is_not_found(other_staff, hospital, case):
    refused(
        lambda: services.admission_admit(
            actor=other_staff, case_id=case.pk, hospital_id=hospital.pk, bed_type="general", admitted_on=TODAY
        ),
        404,
        "hospital.not_found",
    )


def test_admit_future_date_refused(case, admit, staff, hospital):
    refused(
        lambda: services.admission_admit(
            actor=staff,
            case_id=case.pk,
            hospital_id=hospital.pk,
            bed_type="general",
            admitted_on=TODAY + dt.timedelta(days=1),
        ),
        400,
        "admission.date_in_future",
    )


# Daily rounds and treatments ----------------------------------------------------------------------


def test_one_round_a_day_and_surveillance_follows(staff, case, admit):
    admission = admit(case, severity="mild")
    services.severity_record(
        actor=staff, admission_id=admission.pk, date=DAYS_AGO[2], severity="severe", temperature="38.2"
    )
    refused(
        lambda: services.severity_record(
            actor=staff, admission_id=admission.pk, date=DAYS_AGO[2], severity="mild"
        ),
        409,
        "severity.already_recorded",
    )
    refused(
        lambda: services.severity_record(
            actor=staff, admission_id=admission.pk, date=DAYS_AGO[1], severity="x"
        ),
        400,
        "severity.invalid",
    )
    refused(
        lambda: services.severity_record(
            actor=staff, admission_id=admission.pk, date=DAYS_AGO[1], severity="mild", temperature="50"
        ),
        400,
        "severity.invalid_temperature",
    )
    refused(
        lambda: services.severity_record(
            actor=staff, admission_id=admission.pk, date=DAYS_AGO[6], severity="mild"
        ),
        400,
        "severity.date_before_admission",
    )
    services.severity_record(
        actor=staff, admission_id=admission.pk, date=DAYS_AGO[1], severity="severe", spo2=91
    )
    admission.refresh_from_db()
    assert admission.severity == "severe"
    changes = list(SeverityChange.objects.filter(case=case).values_list("severity", flat=True))
    assert changes == ["mild", "severe"]  # an unchanged severity adds no change
    assert models.SeverityUpdate.objects.filter(admission=admission).count() == 2


def test_other_county_staff_cannot_record(other_staff, case, admit):
    admission = admit(case)
    refused(
        lambda: services.severity_record(
            actor=other_staff, admission_id=admission.pk, date=TODAY, severity="mild"
        ),
        404,
        "admission.not_found",
    )


def test_tcm_treatment_marks_admission(staff, case, admit):
    admission = admit(case)
    services.treatment_record(
        actor=staff, admission_id=admission.pk, date=TODAY, kind="antiviral", detail="洛匹那韦"
    )
    admission.refresh_from_db()
    assert not admission.tcm
    services.treatment_record(
        actor=staff, admission_id=admission.pk, date=TODAY, kind="tcm", detail="清肺排毒汤"
    )
    admission.refresh_from_db()
    assert admission.tcm
    refused(
        lambda: services.treatment_record(
            actor=staff, admission_id=admission.pk, date=TODAY, kind="tcm", detail=" "
        ),
        400,
        "treatment.detail_required",
    )


# Discharge and death ------------------------------------------------------------------------------


def result(case, sampled: dt.datetime | None, outcome="negative", day: dt.date | None = None):
    return LabResult.objects.create(
        person_id=case.person_id,
        sampled_on=day or sampled.date(),
        sampled_at=sampled,
        result=outcome,
        lab="湘雅",
        county_id="430102",
    )


def test_discharge_needs_the_criteria(staff, case, admit):
    admission = admit(case)
    error = refused(
        lambda: services.admission_discharge(actor=staff, admission_id=admission.pk, date=TODAY),
        409,
        "admission.criteria_not_met",
    )
    assert "0 found" in error.render_message()
    result(case, at(DAYS_AGO[5]))  # before admission: does not count
    result(case, at(DAYS_AGO[3], 8))
    result(case, at(DAYS_AGO[3], 20))  # 12 hours after the previous: too soon
    check = selectors.discharge_check(admission)
    assert not check.met and "1 found" in check.missing[0]
    result(case, None, day=DAYS_AGO[1])  # no time: midnight of the day, 28 h after the first
    assert selectors.discharge_check(admission).met
    services.severity_record(
        actor=staff, admission_id=admission.pk, date=DAYS_AGO[1], severity="mild", temperature="37.3"
    )
    error = refused(
        lambda: services.admission_discharge(actor=staff, admission_id=admission.pk, date=TODAY),
        409,
        "admission.criteria_not_met",
    )
    assert "37.3" in error.render_message()


def test_latest_result_must_be_negative(staff, case, admit):
    admission = admit(case)
    result(case, at(DAYS_AGO[3]))
    result(case, at(DAYS_AGO[2]))
    result(case, at(DAYS_AGO[1]), outcome="positive")
    check = selectors.discharge_check(admission)
    assert len(check.missing) == 2 and "not negative" in check.missing[0]


def test_discharge_closes_the_case_as_cured(staff, case, admit):
    admission = admit(case)
    result(case, at(DAYS_AGO[3]))
    result(case, at(DAYS_AGO[2]))
    services.admission_discharge(actor=staff, admission_id=admission.pk, date=TODAY)
    admission.refresh_from_db()
    assert (admission.status, admission.ended_on) == ("discharged", TODAY)
    case.refresh_from_db()
    assert (case.outcome, case.outcome_date) == ("cured", TODAY)
    refused(
        lambda: services.admission_discharge(actor=staff, admission_id=admission.pk, date=TODAY),
        409,
        "admission.not_in_hospital",
    )


def test_death_records_outcome(staff, case, admit):
    admission = admit(case)
    services.admission_record_death(actor=staff, admission_id=admission.pk, date=TODAY)
    case.refresh_from_db()
    assert (case.outcome, models.Admission.objects.get(pk=admission.pk).status) == ("died", "died")


# Transfer -----------------------------------------------------------------------------------------


def test_transfer_of_a_severe_patient(staff, manager, make_hospital, case, admit):
    admission = admit(case, severity="severe")
    county = make_hospital("天心区医院", region="430103", level="county")
    refused(
        lambda: services.admission_transfer(
            actor=staff,
            admission_id=admission.pk,
            hospital_id=county.pk,
            bed_type="icu",
            date=TODAY,
            reason="恶化",
        ),
        400,
        "transfer.level_too_low",
    )
    city = make_hospital("长沙市公共卫生救治中心", region="430103", level="prefecture", beds={"icu": 1})
    refused(
        lambda: services.admission_transfer(
            actor=staff,
            admission_id=admission.pk,
            hospital_id=city.pk,
            bed_type="general",
            date=TODAY,
            reason="恶化",
        ),
        400,
        "admission.no_such_ward",
    )
    moved = services.admission_transfer(
        actor=staff, admission_id=admission.pk, hospital_id=city.pk, bed_type="icu", date=TODAY, reason="恶化"
    )
    admission.refresh_from_db()
    assert (admission.status, admission.ended_on) == ("transferred", TODAY)
    assert (moved.transferred_from_id, moved.county_id, moved.severity_on_admission) == (
        admission.pk,
        "430103",
        "severe",
    )


def test_transfer_to_a_full_ward(staff, make_hospital, make_case, admit):
    city = make_hospital("市医院", region="430103", level="prefecture", beds={"icu": 1})
    from fangyi.hospitals.models import Admission

    first = admit(make_case("甲"))
    services.admission_transfer(
        actor=staff, admission_id=first.pk, hospital_id=city.pk, bed_type="icu", date=TODAY, reason="r"
    )
    second = admit(make_case("乙"))
    refused(
        lambda: services.admission_transfer(
            actor=staff, admission_id=second.pk, hospital_id=city.pk, bed_type="icu", date=TODAY, reason="r"
        ),
        409,
        "admission.ward_full",
    )
    assert Admission.objects.get(pk=second.pk).status == "admitted"


def test_transfer_candidates_nearest_first(staff, make_hospital, case, admit):
    admission = admit(case)
    far = make_hospital(
        "湘潭市中心医院", region="430302", level="prefecture", beds={"icu": 2}, lat=27.83, lon=112.94
    )
    near = make_hospital(
        "长沙市第一医院", region="430105", level="province", beds={"icu": 1}, lat=28.22, lon=112.99
    )
    make_hospital("无坐标医院", region="430104", level="prefecture", beds={"icu": 1})
    make_hospital("县医院", region="430121", level="county", beds={"icu": 5}, lat=28.2, lon=113.0)
    full = make_hospital(
        "满员医院", region="430111", level="prefecture", beds={"icu": 0}, lat=28.19, lon=112.99
    )
    found = selectors.transfer_candidates(actor=staff, admission_id=admission.pk, bed_type="icu")
    assert [c["name"] for c in found] == ["长沙市第一医院", "湘潭市中心医院", "无坐标医院"]
    assert found[0]["place_id"] == near.pk and 2 < found[0]["distance_km"] < 4
    assert 35 < found[1]["distance_km"] < 45 and found[1]["free"] == 2 and found[1]["place_id"] == far.pk
    assert found[2]["distance_km"] is None
    assert full.pk not in [c["place_id"] for c in found]
