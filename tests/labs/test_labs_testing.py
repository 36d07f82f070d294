"""Fever-clinic visits, sample collection, pools, shipping, receipt and results, with what a
result sets off: the person's TestResult, the surveillance case, the referral and re-test tasks."""

import datetime as dt
from decimal import Decimal

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.labs import services
from fangyi.labs.choices import (
    CodeColour,
    Exposure,
    ReferralSource,
    ReferralStatus,
    Result,
    RetestStatus,
    SampleStatus,
    Symptom,
    TriageDecision,
)
from fangyi.labs.models import ClinicVisit, Laboratory, RetestTask, Sample
from fangyi.labs.models import TestResult as PersonResult
from fangyi.people.services import person_register
from fangyi.regions.models import Place
from fangyi.surveillance.choices import Classification, ConfirmationMethod
from fangyi.surveillance.models import Case
from fangyi.surveillance.services import case_report

FURONG_VILLAGE = "430102001001"
TIANXIN_VILLAGE = "430103002001"
MORNING = dt.datetime(2020, 2, 1, 1, tzinfo=dt.UTC)  # 09:00 in Shanghai


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(MORNING):
        yield


@pytest.fixture
def world(db, make_user):
    clinic = Place.objects.create(name="芙蓉区发热门诊", kind="fever_clinic", region_id=FURONG_VILLAGE)
    other_clinic = Place.objects.create(name="天心区发热门诊", kind="fever_clinic", region_id=TIANXIN_VILLAGE)
    gate = Place.objects.create(name="芙蓉区卡口", kind="compound_gate", region_id=FURONG_VILLAGE)
    lab_place = Place.objects.create(name="芙蓉区疾控实验室", kind="lab", region_id=FURONG_VILLAGE)
    lab = Laboratory.objects.create(place=lab_place, daily_capacity=1000)
    return {
        "clinic": clinic,
        "other_clinic": other_clinic,
        "gate": gate,
        "lab": lab,
        "nurse": make_user(Role.CLINIC_STAFF, "430102"),
        "other_nurse": make_user(Role.CLINIC_STAFF, "430103"),
        "tech": make_user(Role.LAB_STAFF, "430102"),
        "other_tech": make_user(Role.LAB_STAFF, "430103"),
    }


@pytest.fixture
def resident(db, new_id_number):
    def make(village=FURONG_VILLAGE, name="李某"):
        return person_register(
            actor=None, name=name, id_number=new_id_number(village[:6]), home_region=village
        )

    return make


def refused(code, call, **kwargs):
    tables = (Sample, PersonResult, RetestTask, ClinicVisit, Case, AuditEvent)
    before = [model.objects.count() for model in tables]
    statuses = dict(Sample.objects.values_list("barcode", "status"))
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code
    assert [model.objects.count() for model in tables] == before
    assert dict(Sample.objects.values_list("barcode", "status")) == statuses
    return caught.value


def collect(world, person, barcode, **extra):
    return services.sample_collect(
        actor=world["nurse"], place_id=world["clinic"].pk, person_id=person.pk, barcode=barcode, **extra
    )


def to_bench(world, *barcodes):
    services.samples_ship(actor=world["nurse"], lab_id=world["lab"].pk, barcodes=list(barcodes))
    services.samples_receive(actor=world["tech"], lab_id=world["lab"].pk, barcodes=list(barcodes))


def report(world, barcode, result, ct=None, **extra):
    return services.sample_report(
        actor=world["tech"], barcode=barcode, result=result, operator="王检验", ct_value=ct, **extra
    )


# Visits ------------------------------------------------------------------------------------------


def triage_fields(world, person, **overrides):
    fields = {
        "actor": world["nurse"],
        "clinic_id": world["clinic"].pk,
        "person_id": person.pk,
        "temperature": Decimal("38.2"),
        "symptoms": [Symptom.COUGH],
        "exposures": [Exposure.CONTACT_CASE],
        "code_colour": CodeColour.GREEN,
    }
    fields.update(overrides)
    return fields


def test_a_visit_records_the_protocols_decision_and_picks_up_the_open_referral(world, resident):
    person = resident()
    referral = services.referral_open(
        actor=None, person_id=person.pk, source=ReferralSource.GATE, reason="37.9", place_id=world["gate"].pk
    )
    visit = services.visit_triage(**triage_fields(world, person, note="咳嗽两天"))
    assert visit.decision == TriageDecision.SAMPLE_ISOLATE
    assert visit.decision_reasons == ["fever_with_exposure"]
    assert visit.referral == referral and visit.county_id == "430102"
    assert AuditEvent.objects.filter(action="visit.triage", object_id=str(visit.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"symptoms": ["sneezing"]}, "visit.invalid_symptom"),
        ({"exposures": ["abroad"]}, "visit.invalid_exposure"),
        ({"code_colour": "blue"}, "visit.invalid_code_colour"),
        ({"temperature": Decimal("45.0")}, "visit.invalid_temperature"),
        ({"note": "x" * 300}, "visit.note_too_long"),
    ],
)
def test_bad_visit_input_is_refused(world, resident, overrides, code):
    refused(code, services.visit_triage, **triage_fields(world, resident(), **overrides))


def test_a_visit_at_a_place_that_is_not_a_clinic_or_of_another_county_is_refused(world, resident):
    person = resident()
    refused(
        "visit.not_a_clinic",
        services.visit_triage,
        **triage_fields(world, person, clinic_id=world["gate"].pk),
    )
    refused(
        "place.not_found",
        services.visit_triage,
        **triage_fields(world, person, clinic_id=world["other_clinic"].pk),
    )


# Collection and pools ----------------------------------------------------------------------------


def test_a_sample_is_collected_with_a_clean_barcode_and_its_visit(world, resident):
    person = resident()
    visit = services.visit_triage(**triage_fields(world, person))
    sample = collect(world, person, "  fy-000001 ", visit_id=visit.pk)
    assert sample.barcode == "FY-000001" and sample.status == SampleStatus.COLLECTED
    assert sample.county_id == "430102" and sample.visit == visit and sample.collected_at == MORNING


@pytest.mark.parametrize("barcode", ["", "AB12", "FY 000001", "FY_000001", "X" * 33, "条码000001"])
def test_an_invalid_barcode_is_refused(world, resident, barcode):
    refused("sample.invalid_barcode", collect, world=world, person=resident(), barcode=barcode)


def test_a_reused_barcode_is_a_conflict_and_nothing_is_written(world, resident):
    collect(world, resident(), "FY-000001")
    error = refused("sample.barcode_reused", collect, world=world, person=resident(), barcode="fy-000001")
    assert error.status == 409 and "FY-000001" in error.render_message()


def members(world, resident, count, prefix="M"):
    return [collect(world, resident(), f"{prefix}-{n:06d}").barcode for n in range(count)]


def test_a_pool_takes_collected_samples_of_its_county(world, resident):
    barcodes = members(world, resident, 5)
    pool = services.pool_create(
        actor=world["nurse"],
        place_id=world["clinic"].pk,
        barcode="P-000001",
        size=5,
        member_barcodes=barcodes,
    )
    assert pool.kind == "pool" and pool.person is None
    assert set(pool.members.values_list("status", flat=True)) == {SampleStatus.POOLED}
    assert pool.members.count() == 5


def test_pool_sizes_and_member_counts_are_checked(world, resident):
    barcodes = members(world, resident, 6)
    fields = {"actor": world["nurse"], "place_id": world["clinic"].pk, "barcode": "P-000001"}
    refused("pool.invalid_size", services.pool_create, size=7, member_barcodes=barcodes[:3], **fields)
    refused("pool.too_large", services.pool_create, size=5, member_barcodes=barcodes, **fields)
    refused("pool.no_members", services.pool_create, size=5, member_barcodes=[], **fields)


def test_an_unavailable_member_is_named_and_no_member_is_pooled(world, resident):
    barcodes = members(world, resident, 3)
    services.pool_create(
        actor=world["nurse"],
        place_id=world["clinic"].pk,
        barcode="P-000001",
        size=5,
        member_barcodes=[barcodes[0]],
    )
    services.sample_collect(
        actor=world["other_nurse"],
        place_id=world["other_clinic"].pk,
        person_id=resident(TIANXIN_VILLAGE).pk,
        barcode="T-000001",
    )
    fields = {"actor": world["nurse"], "place_id": world["clinic"].pk, "barcode": "P-000002", "size": 5}
    for bad in (barcodes[0], "UNKNOWN-1", "T-000001", "P-000001"):
        error = refused(
            "pool.member_unavailable", services.pool_create, member_barcodes=[barcodes[1], bad], **fields
        )
        assert bad in error.render_message()


# Shipping and receipt ----------------------------------------------------------------------------


def test_samples_are_shipped_and_received_all_or_nothing(world, resident):
    barcodes = members(world, resident, 2)
    ship = {"actor": world["nurse"], "lab_id": world["lab"].pk}
    error = refused("sample.not_found", services.samples_ship, barcodes=[barcodes[0], "NOPE-0001"], **ship)
    assert "NOPE-0001" in error.render_message()
    receive = {"actor": world["tech"], "lab_id": world["lab"].pk}
    assert services.samples_ship(barcodes=barcodes, **ship) == 2
    refused("sample.not_shippable", services.samples_ship, barcodes=barcodes[:1], **ship)
    refused("sample.not_found", services.samples_receive, barcodes=[barcodes[0], "NOPE-0001"], **receive)
    assert services.samples_receive(barcodes=barcodes, **receive) == 2
    refused("sample.not_receivable", services.samples_receive, barcodes=barcodes[:1], **receive)
    sample = Sample.objects.get(barcode=barcodes[0])
    assert (
        sample.status == SampleStatus.RECEIVED
        and sample.lab == world["lab"]
        and sample.received_by == world["tech"]
    )


def test_a_pooled_swab_cannot_be_shipped_alone_and_another_countys_lab_staff_cannot_receive(world, resident):
    barcodes = members(world, resident, 2)
    services.pool_create(
        actor=world["nurse"],
        place_id=world["clinic"].pk,
        barcode="P-000001",
        size=5,
        member_barcodes=barcodes[:1],
    )
    ship = {"actor": world["nurse"], "lab_id": world["lab"].pk}
    refused("sample.not_shippable", services.samples_ship, barcodes=[barcodes[1], barcodes[0]], **ship)
    refused(
        "laboratory.not_found",
        services.samples_receive,
        actor=world["other_tech"],
        lab_id=world["lab"].pk,
        barcodes=barcodes[1:],
    )


# Results -----------------------------------------------------------------------------------------


def test_a_result_needs_a_received_sample_and_is_reported_once(world, resident):
    person = resident()
    collect(world, person, "FY-000001")
    refused("sample.not_received", report, world=world, barcode="FY-000001", result=Result.NEGATIVE)
    to_bench(world, "FY-000001")
    report(world, "FY-000001", Result.NEGATIVE)
    error = refused(
        "sample.already_reported", report, world=world, barcode="FY-000001", result=Result.NEGATIVE
    )
    assert error.status == 409


@pytest.mark.parametrize(
    ("result", "ct", "code"),
    [
        ("maybe", None, "sample.invalid_result"),
        (Result.POSITIVE, None, "sample.ct_required"),
        (Result.POSITIVE, "4.9", "sample.invalid_ct"),
        (Result.POSITIVE, "45.1", "sample.invalid_ct"),
        (Result.POSITIVE, "abc", "sample.invalid_ct"),
    ],
)
def test_bad_results_are_refused(world, resident, result, ct, code):
    collect(world, resident(), "FY-000001")
    to_bench(world, "FY-000001")
    refused(code, report, world=world, barcode="FY-000001", result=result, ct=ct)


def test_a_lab_of_another_county_does_not_find_the_sample(world, resident):
    collect(world, resident(), "FY-000001")
    to_bench(world, "FY-000001")
    refused(
        "sample.not_found",
        services.sample_report,
        actor=world["other_tech"],
        barcode="FY-000001",
        result=Result.NEGATIVE,
        operator="x",
    )


def test_a_negative_individual_result_fixes_turnaround_and_writes_the_persons_result(world, resident):
    person = resident()
    collect(world, person, "FY-000001")
    to_bench(world, "FY-000001")
    with clock.frozen_at(MORNING + dt.timedelta(hours=5, minutes=30)):
        sample = report(world, "FY-000001", Result.NEGATIVE)
    assert sample.turnaround_minutes == 330 and sample.reported_same_day is True
    test = PersonResult.objects.get(sample=sample)
    assert test.person == person and test.result == Result.NEGATIVE and test.lab == "芙蓉区疾控实验室"
    assert test.sampled_at == MORNING and test.sampled_on == dt.date(2020, 2, 1)
    assert not Case.objects.filter(person=person).exists()


def test_a_result_the_next_shanghai_day_is_not_same_day(world, resident):
    collect(world, resident(), "FY-000001")
    to_bench(world, "FY-000001")
    with clock.frozen_at(MORNING + dt.timedelta(hours=15)):  # 00:00 the next day in Shanghai
        sample = report(world, "FY-000001", Result.NEGATIVE)
    assert sample.turnaround_minutes == 900 and sample.reported_same_day is False


def test_a_positive_without_a_case_reports_and_confirms_one_and_closes_the_referral(world, resident):
    person = resident()
    referral = services.referral_open(
        actor=None, person_id=person.pk, source=ReferralSource.GATE, reason="37.9"
    )
    collect(world, person, "FY-000001")
    to_bench(world, "FY-000001")
    report(world, "FY-000001", Result.POSITIVE, ct="24.5")
    case = Case.objects.get(person=person)
    assert case.classification == Classification.CONFIRMED
    assert case.confirmation_method == ConfirmationMethod.NUCLEIC_ACID
    assert case.reporting_unit == "芙蓉区疾控实验室" and case.confirmed_date == dt.date(2020, 2, 1)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CASE_REPORTED
    assert PersonResult.objects.get(person=person).ct_value == Decimal("24.5")


def test_a_positive_confirms_the_open_suspected_case_and_leaves_an_asymptomatic_one(world, resident):
    suspected, asymptomatic = resident(name="甲"), resident(name="乙")
    for person, classification in (
        (suspected, Classification.SUSPECTED),
        (asymptomatic, Classification.ASYMPTOMATIC),
    ):
        case_report(
            actor=None,
            person_id=person.pk,
            classification=classification,
            report_date=dt.date(2020, 1, 30),
            residence=FURONG_VILLAGE,
            reporting_unit="芙蓉区疾控",
        )
    collect(world, suspected, "FY-000001")
    collect(world, asymptomatic, "FY-000002")
    to_bench(world, "FY-000001", "FY-000002")
    report(world, "FY-000001", Result.POSITIVE, ct="30")
    report(world, "FY-000002", Result.POSITIVE, ct="30")
    assert Case.objects.get(person=suspected).classification == Classification.CONFIRMED
    assert Case.objects.get(person=asymptomatic).classification == Classification.ASYMPTOMATIC
    assert Case.objects.filter(person__in=[suspected, asymptomatic]).count() == 2


def pooled(world, resident, count=3):
    barcodes = members(world, resident, count)
    services.pool_create(
        actor=world["nurse"],
        place_id=world["clinic"].pk,
        barcode="P-000001",
        size=5,
        member_barcodes=barcodes,
    )
    to_bench(world, "P-000001")
    return barcodes


def test_a_negative_pool_reports_each_member_negative(world, resident):
    barcodes = pooled(world, resident)
    with clock.frozen_at(MORNING + dt.timedelta(hours=2)):
        report(world, "P-000001", Result.NEGATIVE)
    for member in Sample.objects.filter(barcode__in=barcodes):
        assert member.status == SampleStatus.REPORTED and member.result == Result.NEGATIVE
        assert member.turnaround_minutes == 120 and member.lab == world["lab"]
        assert PersonResult.objects.get(sample=member).person == member.person
    assert not RetestTask.objects.exists()


@pytest.mark.parametrize(("result", "ct"), [(Result.POSITIVE, "33"), (Result.INCONCLUSIVE, None)])
def test_a_positive_pool_sends_each_member_back_and_a_retest_closes_the_task(world, resident, result, ct):
    barcodes = pooled(world, resident)
    report(world, "P-000001", result, ct=ct)
    tasks = list(RetestTask.objects.order_by("sample__barcode"))
    assert [task.sample.barcode for task in tasks] == barcodes
    assert set(Sample.objects.filter(barcode__in=barcodes).values_list("status", flat=True)) == {
        SampleStatus.RETEST
    }
    assert not PersonResult.objects.exists() and not Case.objects.exists()
    task = tasks[0]
    refused("sample.already_reported", report, world=world, barcode=barcodes[0], result=Result.NEGATIVE)
    refused(
        "sample.retest_mismatch",
        collect,
        world=world,
        person=tasks[1].person,
        barcode="R-000001",
        retest_task_id=task.pk,
    )
    again = collect(world, task.person, "R-000001", retest_task_id=task.pk)
    task.refresh_from_db()
    assert task.status == RetestStatus.DONE and again.retest_of == task
