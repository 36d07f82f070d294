"""Labs services and selectors: referrals (one open per person), results, scoping, audit, events."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock, events
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent, EventRecord
from fangyi.labs import models, selectors, services
from fangyi.labs.choices import ReferralSource, ReferralStatus, Result
from fangyi.labs.events import ReferralChanged, ResultReported
from fangyi.people.services import person_register
from fangyi.regions.models import Place

D = dt.date
FURONG_VILLAGE = "430102001001"  # 芙蓉区
TIANXIN_VILLAGE = "430103002001"  # 天心区
YUELU_VILLAGE = "430104001001"  # 岳麓区


@pytest.fixture(autouse=True)
def frozen_2020():
    with clock.frozen_at(dt.datetime(2020, 2, 1, 4, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def resident(db, new_id_number):
    def make(village: str = FURONG_VILLAGE, name: str = "张某"):
        return person_register(
            actor=None, name=name, id_number=new_id_number(village[:6]), home_region=village
        )

    return make


@pytest.fixture
def gate(db):
    def make(village: str = TIANXIN_VILLAGE, name: str = "天心区卡口"):
        return Place.objects.create(name=name, kind="compound_gate", region_id=village)

    return make


def refused(code: str, call, **kwargs) -> DomainError:
    before = (models.Referral.objects.count(), models.TestResult.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code
    after = (models.Referral.objects.count(), models.TestResult.objects.count(), AuditEvent.objects.count())
    assert after == before
    return caught.value


def open_fields(person, **overrides):
    fields = {
        "actor": None,
        "person_id": person.pk,
        "source": ReferralSource.GATE,
        "reason": "卡口测温 37.8 °C",
        "temperature": Decimal("37.8"),
    }
    fields.update(overrides)
    return fields


# Opening -----------------------------------------------------------------------------------------


def test_a_gate_stop_opens_a_referral_in_the_gates_county_with_audit_and_event(resident, gate):
    person, place = resident(), gate()
    referral = services.referral_open(**open_fields(person, place_id=place.pk))
    assert referral.status == ReferralStatus.OPEN
    assert referral.county_id == "430103"  # the gate's county, not the home's
    assert referral.place == place and referral.temperature == Decimal("37.8")
    assert referral.opened_at == clock.now() and referral.opened_by is None
    audit = AuditEvent.objects.get(action="referral.open")
    assert (audit.object_id, audit.region_path, audit.actor_id) == (str(referral.pk), "430103", None)
    assert audit.data["source"] == "gate" and audit.reason == "卡口测温 37.8 °C"
    record = EventRecord.objects.get(name="labs.referral_changed")
    assert record.payload == {"person_id": str(person.pk), "referral_id": str(referral.pk), "status": "open"}


def test_without_a_place_the_referral_follows_the_home_county(resident):
    referral = services.referral_open(**open_fields(resident(YUELU_VILLAGE), source="self_report"))
    assert referral.county_id == "430104" and referral.place is None


def test_a_place_above_county_level_leaves_the_home_county(resident):
    place = Place.objects.create(name="长沙市检疫站", kind="compound_gate", region_id="4301")
    referral = services.referral_open(**open_fields(resident(), place_id=place.pk))
    assert referral.county_id == "430102"


def test_opening_is_idempotent_per_person(resident, gate):
    person = resident()
    first = services.referral_open(**open_fields(person, place_id=gate().pk))
    again = services.referral_open(**open_fields(person, source="check_in", reason="观察期发热"))
    assert again.pk == first.pk and again.source == ReferralSource.GATE
    assert models.Referral.objects.count() == 1
    assert AuditEvent.objects.filter(action="referral.open").count() == 1
    assert EventRecord.objects.filter(name="labs.referral_changed").count() == 1
    other = services.referral_open(**open_fields(resident(name="李某")))
    assert other.pk != first.pk


def test_a_closed_referral_does_not_stop_a_new_one(resident, county_official):
    person = resident()
    first = services.referral_open(**open_fields(person))
    services.referral_close(actor=county_official, referral_id=first.pk, status="cleared")
    second = services.referral_open(**open_fields(person))
    assert second.pk != first.pk and second.status == ReferralStatus.OPEN


def test_the_temperature_is_kept_to_one_decimal(resident):
    referral = services.referral_open(**open_fields(resident(), temperature=Decimal("38.25")))
    referral.refresh_from_db()
    assert referral.temperature == Decimal("38.3")


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"source": "airport"}, "referral.invalid_source", "source"),
        ({"reason": "   "}, "referral.reason_required", "reason"),
        ({"reason": "发热" * 200}, "referral.reason_too_long", "reason"),
        ({"temperature": Decimal("33.9")}, "referral.invalid_temperature", "temperature"),
        ({"temperature": Decimal("43.1")}, "referral.invalid_temperature", "temperature"),
        ({"temperature": Decimal("NaN")}, "referral.invalid_temperature", "temperature"),
        ({"temperature": "hot"}, "referral.invalid_temperature", "temperature"),
        ({"person_id": "not-a-uuid"}, "person.not_found", None),
        ({"person_id": "00000000-0000-0000-0000-000000000000"}, "person.not_found", None),
        ({"place_id": 999_999_999}, "place.not_found", None),
        ({"place_id": "gate-1"}, "place.not_found", None),
    ],
)
def test_bad_referrals_are_refused_with_a_code_and_write_nothing(resident, overrides, code, field):
    error = refused(code, services.referral_open, **open_fields(resident(), **overrides))
    assert error.field == field
    assert not EventRecord.objects.filter(name="labs.referral_changed").exists()


def test_the_temperature_bounds_are_allowed(resident):
    low = services.referral_open(**open_fields(resident(), temperature=Decimal("34.0")))
    high = services.referral_open(**open_fields(resident(name="李某"), temperature=Decimal("43.0")))
    assert (low.temperature, high.temperature) == (Decimal("34.0"), Decimal("43.0"))


def test_an_official_opens_referrals_for_residents_of_the_jurisdiction_only(resident, gate, make_user):
    official = make_user(Role.COUNTY_OFFICIAL, "430102")
    mine = services.referral_open(**open_fields(resident(), actor=official, source="clinic"))
    assert mine.opened_by == official and mine.county_id == "430102"
    refused(
        "person.not_found", services.referral_open, **open_fields(resident(TIANXIN_VILLAGE), actor=official)
    )
    refused(
        "place.not_found",
        services.referral_open,
        **open_fields(resident(name="王某"), actor=official, place_id=gate().pk),
    )
    grid = make_user(Role.GRID_WORKER, "430102")
    refused("permission_denied", services.referral_open, **open_fields(resident(name="赵某"), actor=grid))


# Closing -----------------------------------------------------------------------------------------


def test_closing_records_who_when_why_with_audit_and_event(resident, county_official):
    referral = services.referral_open(**open_fields(resident()))
    closed = services.referral_close(
        actor=county_official, referral_id=referral.pk, status="case_reported", note="  CT 异常  "
    )
    closed.refresh_from_db()
    assert (closed.status, closed.closed_by, closed.closed_at, closed.outcome_note) == (
        ReferralStatus.CASE_REPORTED,
        county_official,
        clock.now(),
        "CT 异常",
    )
    audit = AuditEvent.objects.get(action="referral.close")
    assert (audit.actor, audit.region_path, audit.reason, audit.data) == (
        county_official,
        "430102",
        "CT 异常",
        {"status": "case_reported"},
    )
    statuses = [
        r.payload["status"] for r in EventRecord.objects.filter(name="labs.referral_changed").order_by("pk")
    ]
    assert statuses == ["open", "case_reported"]


def test_close_rules(resident, gate, county_official, make_user):
    referral = services.referral_open(**open_fields(resident()))
    close = services.referral_close
    refused("referral.invalid_status", close, actor=county_official, referral_id=referral.pk, status="open")
    refused(
        "referral.note_too_long",
        close,
        actor=county_official,
        referral_id=referral.pk,
        status="cleared",
        note="x" * 257,
    )
    services.referral_close(actor=county_official, referral_id=referral.pk, status="cleared")
    error = refused(
        "referral.not_open", close, actor=county_official, referral_id=referral.pk, status="case_reported"
    )
    assert error.status == 409
    # A referral raised at a gate in 天心区 belongs to 天心区: 芙蓉区 does not see it.
    elsewhere = services.referral_open(**open_fields(resident(name="李某"), place_id=gate().pk))
    error = refused(
        "referral.not_found", close, actor=county_official, referral_id=elsewhere.pk, status="cleared"
    )
    assert error.status == 404
    refused("referral.not_found", close, actor=county_official, referral_id="nope", status="cleared")
    lab = make_user(Role.LAB_STAFF, "430103")
    refused("permission_denied", close, actor=lab, referral_id=elsewhere.pk, status="cleared")


# Results -----------------------------------------------------------------------------------------


def test_a_positive_result_on_an_open_referral_is_recorded_and_published(resident, make_user):
    person = resident()
    referral = services.referral_open(**open_fields(person))
    lab = make_user(Role.LAB_STAFF, "4301")
    result = services.result_report(
        actor=lab,
        person_id=person.pk,
        result="positive",
        sampled_on=D(2020, 1, 31),
        lab=" 长沙市疾控中心实验室 ",
        referral_id=referral.pk,
    )
    assert (result.referral, result.county_id, result.lab, result.reported_by) == (
        referral,
        "430102",
        "长沙市疾控中心实验室",
        lab,
    )
    assert result.positive
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.OPEN  # closing it stays the county's decision
    record = EventRecord.objects.get(name="labs.result_reported")
    assert record.payload == {"person_id": str(person.pk), "result_id": str(result.pk), "positive": True}
    audit = AuditEvent.objects.get(action="result.report")
    assert audit.region_path == "430102" and audit.data["referral"] == str(referral.pk)


def test_a_negative_result_without_a_referral(resident, make_user):
    person = resident()
    clinic = make_user(Role.CLINIC_STAFF, "430102")
    result = services.result_report(
        actor=clinic, person_id=person.pk, result=Result.NEGATIVE, sampled_on=D(2020, 2, 1), lab="湘雅医院"
    )
    assert result.referral is None and not result.positive
    assert EventRecord.objects.get(name="labs.result_reported").payload["positive"] is False


def test_result_rules(resident, make_user):
    person = resident()
    someone_else = services.referral_open(**open_fields(resident(name="李某")))
    lab = make_user(Role.LAB_STAFF, "430102")
    fields = {
        "actor": lab,
        "person_id": person.pk,
        "result": "positive",
        "sampled_on": D(2020, 2, 1),
        "lab": "湘雅",
    }
    report = services.result_report
    refused("result.invalid_result", report, **{**fields, "result": "unclear"})
    error = refused("result.date_in_future", report, **{**fields, "sampled_on": D(2020, 2, 2)})
    assert error.field == "sampled_on"
    refused("result.lab_required", report, **{**fields, "lab": " "})
    refused("result.lab_too_long", report, **{**fields, "lab": "实" * 129})
    refused("result.referral_mismatch", report, **{**fields, "referral_id": someone_else.pk})
    refused("result.referral_mismatch", report, **{**fields, "referral_id": "nope"})
    refused("person.not_found", report, **{**fields, "person_id": resident(TIANXIN_VILLAGE).pk})
    official = make_user(Role.COUNTY_OFFICIAL, "430102")
    refused("permission_denied", report, **{**fields, "actor": official})
    assert not EventRecord.objects.filter(name="labs.result_reported").exists()


def test_events_reach_subscribers_after_commit(resident, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(events, "_handlers", defaultdict(list))
    seen: list[object] = []
    events.subscribe(ReferralChanged, seen.append)
    events.subscribe(ResultReported, seen.append)
    person = resident()
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.referral_open(**open_fields(person))
        assert seen == []
    assert seen == [ReferralChanged(person_id=str(person.pk), referral_id=str(referral.pk), status="open")]


# Selectors ---------------------------------------------------------------------------------------


def test_referral_list_is_scoped_to_the_referrals_county_with_open_ones_first(resident, gate, make_user):
    official = make_user(Role.COUNTY_OFFICIAL, "430102")
    old = services.referral_open(**open_fields(resident(name="甲")))
    with clock.frozen_at(dt.datetime(2020, 2, 1, 6, tzinfo=dt.UTC)):
        new = services.referral_open(**open_fields(resident(name="乙")))
        cleared = services.referral_open(**open_fields(resident(name="丙")))
        services.referral_close(actor=official, referral_id=cleared.pk, status="cleared")
    services.referral_open(**open_fields(resident(name="丁"), place_id=gate().pk))  # 天心区's
    assert list(selectors.referral_list(actor=official)) == [old, new, cleared]
    assert list(selectors.referral_list(actor=official, status="cleared")) == [cleared]
    assert selectors.referral_list(actor=official, county="430103").count() == 0
    assert selectors.referral_list(actor=official, county="430100").count() == 3
    prefecture = make_user(Role.PREFECTURE_OFFICIAL, "4301")
    assert selectors.referral_list(actor=prefecture).count() == 4
    assert selectors.referral_list(actor=prefecture, county="430103").count() == 1
    with pytest.raises(DomainError) as caught:
        selectors.referral_list(actor=official, status="closed")
    assert caught.value.code == "referral.invalid_status_filter"
    with pytest.raises(DomainError) as caught:
        selectors.referral_list(actor=official, county="430102001")
    assert caught.value.code == "referral.region_too_fine"
    with pytest.raises(DomainError) as caught:
        selectors.referral_list(actor=official, county="12x")
    assert caught.value.code == "region.invalid_code"
    with pytest.raises(DomainError) as caught:
        selectors.referral_list(actor=make_user(Role.LAB_STAFF, "430102"))
    assert caught.value.code == "permission_denied"


def test_referral_get_is_404_outside_the_jurisdiction(resident, gate, county_official):
    mine = services.referral_open(**open_fields(resident()))
    theirs = services.referral_open(**open_fields(resident(name="李某"), place_id=gate().pk))
    assert selectors.referral_get(actor=county_official, referral_id=mine.pk) == mine
    for referral_id in (theirs.pk, "nope"):
        with pytest.raises(DomainError) as caught:
            selectors.referral_get(actor=county_official, referral_id=referral_id)
        assert (caught.value.code, caught.value.status) == ("referral.not_found", 404)


def test_result_list_is_scoped_by_the_home_county_for_labs_and_referral_officials(resident, make_user):
    lab = make_user(Role.LAB_STAFF, "43")
    furong, tianxin = resident(), resident(TIANXIN_VILLAGE, "李某")
    for person in (furong, tianxin):
        services.result_report(
            actor=lab, person_id=person.pk, result="negative", sampled_on=D(2020, 1, 30), lab="湘雅"
        )
    for role in (Role.LAB_STAFF, Role.CLINIC_STAFF, Role.COUNTY_OFFICIAL):
        actor = make_user(role, "430102")
        assert [r.person for r in selectors.result_list(actor=actor)] == [furong]
        assert selectors.result_list(actor=actor, person_id=furong.pk).count() == 1
        assert selectors.result_list(actor=actor, person_id=tianxin.pk).count() == 0
        assert selectors.result_list(actor=actor, person_id="nope").count() == 0
    with pytest.raises(DomainError) as caught:
        selectors.result_list(actor=make_user(Role.GRID_WORKER, "430102"))
    assert caught.value.code == "permission_denied"


def test_the_unscoped_reads_by_person(resident, county_official, make_user):
    ill, well, unknown = resident(), resident(name="李某"), resident(name="王某")
    first = services.referral_open(**open_fields(ill))
    services.referral_close(actor=county_official, referral_id=first.pk, status="cleared")
    with clock.frozen_at(dt.datetime(2020, 2, 1, 6, tzinfo=dt.UTC)):
        second = services.referral_open(**open_fields(ill))
    lab = make_user(Role.LAB_STAFF, "430102")
    later = services.result_report(
        actor=lab, person_id=ill.pk, result="positive", sampled_on=D(2020, 2, 1), lab="湘雅"
    )
    earlier = services.result_report(
        actor=lab, person_id=ill.pk, result="negative", sampled_on=D(2020, 1, 29), lab="湘雅"
    )
    ids = [ill.pk, str(well.pk), unknown.pk]
    keys = {str(ill.pk), str(well.pk), str(unknown.pk)}
    open_now = selectors.open_referrals_by_person(ids)
    assert set(open_now) == keys
    assert open_now[str(ill.pk)] == [second] and open_now[str(well.pk)] == []
    assert selectors.referral_history_by_person(ids)[str(ill.pk)] == [first, second]
    assert selectors.results_by_person(ids)[str(ill.pk)] == [earlier, later]
    assert selectors.results_by_person([]) == {}


def test_a_sample_dated_before_2000_is_refused(resident, make_user):
    lab = make_user(Role.LAB_STAFF, "430102")
    fields = {"actor": lab, "person_id": resident().pk, "result": "negative", "lab": "湘雅"}
    error = refused("result.date_too_early", services.result_report, **fields, sampled_on=D(1999, 12, 31))
    assert error.field == "sampled_on"
    assert services.result_report(**fields, sampled_on=D(2000, 1, 1)).sampled_on == D(2000, 1, 1)
