"""The labs API: referrals (open, list, detail, close) and results; scoping and bad input."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.models import AuditEvent, EventRecord
from fangyi.labs import models, services
from fangyi.people.services import person_register
from fangyi.regions.models import Place

BASE = "/labs"
VILLAGE = "430102001001"  # 芙蓉区
OTHER_VILLAGE = "430103002001"  # 天心区


@pytest.fixture(autouse=True)
def frozen_2020():
    with clock.frozen_at(dt.datetime(2020, 2, 1, 4, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def person(db, new_id_number):
    counter = iter(range(1000))

    def make(village: str = VILLAGE):
        return person_register(
            actor=None, name=f"居民{next(counter)}", id_number=new_id_number(village[:6]), home_region=village
        )

    return make


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102")


@pytest.fixture
def call(api_client):
    def request(method: str, path: str, user, **kwargs):
        return api_client.request(method, BASE + path, user=user, **kwargs)

    return request


def gate_stop(someone, village: str = VILLAGE):
    """A referral raised at a gate (a system call, as the health code makes it)."""
    place = Place.objects.create(name=f"卡口{someone.pk.hex[:6]}", kind="compound_gate", region_id=village)
    return services.referral_open(
        actor=None,
        person_id=someone.pk,
        source="gate",
        reason="卡口测温异常",
        temperature=Decimal("38.1"),
        place_id=place.pk,
    )


def _at(hour: int, action):
    with clock.frozen_at(dt.datetime(2020, 2, 1, hour, tzinfo=dt.UTC)):
        return action()


def counts():
    return (
        models.Referral.objects.count(),
        models.TestResult.objects.count(),
        AuditEvent.objects.count(),
        EventRecord.objects.count(),
        tuple(models.Referral.objects.order_by("pk").values_list("status", flat=True)),
    )


# Referrals ---------------------------------------------------------------------------------------


def test_a_referral_is_opened_listed_and_closed_over_the_api(call, official, person):
    someone = person()
    body = {"person_id": str(someone.pk), "source": "clinic", "reason": "发热门诊就诊", "temperature": 38.4}
    created = call("POST", "/referrals", official, json=body)
    assert created.status_code == 201, created.json()
    referral = created.json()
    assert (referral["status"], referral["source"], referral["temperature"]) == ("open", "clinic", 38.4)
    assert referral["person_name"] == someone.name
    assert referral["person_id_number"] == someone.id_number_masked and "*" in referral["person_id_number"]
    assert (referral["county_code"], referral["place_id"], referral["results"]) == ("430102", None, [])
    assert {key for key in referral if "id_number" in key} == {"person_id_number"}

    again = call("POST", "/referrals", official, json={**body, "source": "self_report"})
    assert again.status_code == 201 and again.json()["id"] == referral["id"]  # idempotent
    assert again.json()["source"] == "clinic"

    path = f"/referrals/{referral['id']}"
    closed = call("POST", f"{path}/close", official, json={"status": "cleared", "note": "核酸阴性"})
    assert closed.status_code == 200, closed.json()
    assert (closed.json()["status"], closed.json()["outcome_note"]) == ("cleared", "核酸阴性")
    assert closed.json()["closed_at"] is not None
    assert call("GET", path, official).json()["status"] == "cleared"
    assert AuditEvent.objects.filter(action__startswith="referral.").count() == 2


def test_the_referral_list_filters_and_pages(call, official, person):
    first, second, third = (_at(hour, lambda: gate_stop(person())) for hour in (1, 2, 3))
    services.referral_close(actor=official, referral_id=third.pk, status="case_reported")
    listed = call("GET", "/referrals?limit=2", official).json()
    assert listed["count"] == 3 and [r["id"] for r in listed["items"]] == [str(first.pk), str(second.pk)]
    assert listed["items"][0]["place_name"].startswith("卡口")
    assert listed["items"][0]["source_label"] and listed["items"][0]["status_label"]
    assert [r["id"] for r in call("GET", "/referrals?offset=2", official).json()["items"]] == [str(third.pk)]
    assert call("GET", "/referrals?status=open", official).json()["count"] == 2
    assert call("GET", "/referrals?status=case_reported", official).json()["count"] == 1
    assert call("GET", "/referrals?county=430102", official).json()["count"] == 3
    assert call("GET", "/referrals?county=430100", official).json()["count"] == 3
    assert call("GET", "/referrals?county=430103", official).json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("status=closed", 422, "validation_error"),
        ("limit=0", 422, "validation_error"),
        ("limit=501", 422, "validation_error"),
        ("county=43x", 400, "region.invalid_code"),
        ("county=430102001", 400, "referral.region_too_fine"),
    ],
)
def test_bad_referral_filters(call, official, query, status, code):
    response = call("GET", f"/referrals?{query}", official)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]


def test_jurisdiction_of_referrals(call, make_user, official, person):
    inside = gate_stop(person())
    outside = gate_stop(person(), OTHER_VILLAGE)
    outsider = person(OTHER_VILLAGE)
    assert [r["id"] for r in call("GET", "/referrals", official).json()["items"]] == [str(inside.pk)]
    response = call("GET", f"/referrals/{outside.pk}", official)
    assert (response.status_code, response.json()["code"]) == (404, "referral.not_found")
    before = counts()
    response = call("POST", f"/referrals/{outside.pk}/close", official, json={"status": "cleared"})
    assert response.status_code == 404 and counts() == before
    refused = call(
        "POST",
        "/referrals",
        official,
        json={"person_id": str(outsider.pk), "source": "clinic", "reason": "发热"},
    )
    assert (refused.status_code, refused.json()["code"]) == (404, "person.not_found")
    assert call("GET", "/referrals", make_user(Role.PREFECTURE_OFFICIAL, "4301")).json()["count"] == 2
    lab = make_user(Role.LAB_STAFF, "430102")
    denied = call("GET", "/referrals", lab)
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    denied = call("POST", f"/referrals/{inside.pk}/close", lab, json={"status": "cleared"})
    assert denied.status_code == 403 and counts() == before
    assert call("GET", "/referrals", None).status_code == 401


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"temperature": 33.5}, 400, "referral.invalid_temperature"),
        ({"temperature": "43.2"}, 400, "referral.invalid_temperature"),
        ({"temperature": "hot"}, 422, "validation_error"),
        ({"source": "airport"}, 400, "referral.invalid_source"),
        ({"reason": " "}, 400, "referral.reason_required"),
        ({"reason": "x" * 257}, 422, "validation_error"),
        ({"person_id": "not-a-uuid"}, 422, "validation_error"),
        ({"person_id": "00000000-0000-0000-0000-000000000000"}, 404, "person.not_found"),
    ],
)
def test_bad_referrals_are_refused_and_write_nothing(call, official, person, overrides, status, code):
    body = {"person_id": str(person().pk), "source": "clinic", "reason": "发热", **overrides}
    before = counts()
    response = call("POST", "/referrals", official, json=body)
    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert counts() == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"status": "open"}, 400, "referral.invalid_status"),
        ({"status": "cleared", "note": "x" * 257}, 422, "validation_error"),
        ({"note": "阴性"}, 422, "validation_error"),
    ],
)
def test_bad_closes_are_refused_and_write_nothing(call, official, person, body, status, code):
    referral = gate_stop(person())
    before = counts()
    response = call("POST", f"/referrals/{referral.pk}/close", official, json=body)
    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert counts() == before


def test_closing_twice_is_a_conflict(call, official, person):
    referral = gate_stop(person())
    path = f"/referrals/{referral.pk}/close"
    assert call("POST", path, official, json={"status": "case_reported"}).status_code == 200
    before = counts()
    again = call("POST", path, official, json={"status": "cleared"})
    assert (again.status_code, again.json()["code"]) == (409, "referral.not_open")
    assert counts() == before


def test_unknown_referral_is_not_found(call, official):
    response = call("GET", "/referrals/00000000-0000-0000-0000-000000000000", official)
    assert (response.status_code, response.json()["code"]) == (404, "referral.not_found")
    assert call("GET", "/referrals/not-a-uuid", official).status_code == 422


def test_errors_speak_the_requests_language(bearer, official, person):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    body = {"person_id": str(person().pk), "source": "clinic", "reason": "发热", "temperature": 30}
    response = client.post(
        "/api/v1/labs/referrals", body, content_type="application/json", headers=bearer(official)
    )
    assert response.json() == {
        "code": "referral.invalid_temperature",
        "message": "The temperature must be between 34.0 and 43.0 °C.",
        "field": "temperature",
    }


# Results -----------------------------------------------------------------------------------------


def test_a_lab_reports_results_and_they_show_on_the_referral(call, make_user, official, person):
    someone = person()
    referral = gate_stop(someone)
    lab = make_user(Role.LAB_STAFF, "4301")
    body = {
        "person_id": str(someone.pk),
        "result": "positive",
        "sampled_on": "2020-01-31",
        "lab": "长沙市疾控中心",
        "referral_id": str(referral.pk),
    }
    created = call("POST", "/results", lab, json=body)
    assert created.status_code == 201, created.json()
    result = created.json()
    assert (result["result"], result["positive"], result["referral_id"]) == (
        "positive",
        True,
        str(referral.pk),
    )
    assert result["person_id_number"] == someone.id_number_masked and result["county_code"] == "430102"
    negative = call("POST", "/results", lab, json={**body, "result": "negative", "referral_id": None})
    assert negative.status_code == 201
    listed = call("GET", f"/results?person_id={someone.pk}", lab).json()
    assert listed["count"] == 2
    assert call("GET", f"/results?person_id={person().pk}", lab).json()["count"] == 0
    detail = call("GET", f"/referrals/{referral.pk}", official).json()
    assert [r["id"] for r in detail["results"]] == [result["id"]]
    assert call("GET", "/results", official).json()["count"] == 2  # referral officials read them too
    assert EventRecord.objects.filter(name="labs.result_reported").count() == 2


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"sampled_on": "2020-02-02"}, 400, "result.date_in_future"),
        ({"sampled_on": "1999-12-31"}, 422, "validation_error"),
        ({"sampled_on": "31/01/2020"}, 422, "validation_error"),
        ({"result": "unclear"}, 400, "result.invalid_result"),
        ({"lab": " "}, 400, "result.lab_required"),
        ({"lab": "x" * 129}, 422, "validation_error"),
        ({"referral_id": "00000000-0000-0000-0000-000000000000"}, 400, "result.referral_mismatch"),
        ({"person_id": "00000000-0000-0000-0000-000000000000"}, 404, "person.not_found"),
    ],
)
def test_bad_results_are_refused_and_write_nothing(call, make_user, person, overrides, status, code):
    lab = make_user(Role.LAB_STAFF, "430102")
    body = {"person_id": str(person().pk), "result": "negative", "sampled_on": "2020-01-31", "lab": "湘雅"}
    before = counts()
    response = call("POST", "/results", lab, json={**body, **overrides})
    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert counts() == before


def test_jurisdiction_of_results(call, make_user, official, person):
    lab = make_user(Role.LAB_STAFF, "430102")
    outsider, insider = person(OTHER_VILLAGE), person()
    body = {"person_id": str(outsider.pk), "result": "negative", "sampled_on": "2020-01-31", "lab": "湘雅"}
    before = counts()
    assert call("POST", "/results", lab, json=body).status_code == 404
    denied = call("POST", "/results", official, json={**body, "person_id": str(insider.pk)})
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    assert counts() == before
    assert call("GET", "/results", make_user(Role.GRID_WORKER, "430102")).status_code == 403


def test_the_lists_cost_the_same_queries_for_one_row_as_for_many(call, make_user, official, person):
    lab = make_user(Role.LAB_STAFF, "430102")

    def add_one() -> None:
        someone = person()
        referral = gate_stop(someone)
        services.result_report(
            actor=lab,
            person_id=someone.pk,
            result="negative",
            sampled_on=dt.date(2020, 1, 31),
            lab="湘雅",
            referral_id=referral.pk,
        )

    def queries(path: str, user) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert call("GET", path, user).status_code == 200
        return len(captured)

    add_one()
    queries("/referrals", official), queries("/results", lab)  # the users' roles, loaded once
    one = queries("/referrals", official), queries("/results", lab)
    for _ in range(4):
        add_one()
    assert (queries("/referrals", official), queries("/results", lab)) == one
