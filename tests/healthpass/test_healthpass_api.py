"""The health-code API: the resident's code, keys and revocations, gates and scans, officials' queues."""

import datetime as dt
import uuid

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.healthpass import offline
from fangyi.healthpass.models import ColourState, Scan

PREFIX = "/healthpass"


@pytest.fixture
def call(api_client, at_noon):
    def request(method: str, path: str, user=None, **kwargs):
        return getattr(api_client, method)(PREFIX + path, user=user, **kwargs)

    return request


def test_the_resident_gets_a_verifiable_pass(call, resident):
    response = call("post", "/me/pass", user=resident.user)
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("FY1:") and body["colour"] == "green" and body["masked_name"] == "张**"
    keys = call("get", "/keys")
    assert keys.status_code == 200
    verifier = offline.Verifier(offline.keyset_from_document(keys.json()))
    assert verifier.verify(body["token"], clock.now().timestamp()).ok
    me = call("get", "/me", user=resident.user).json()
    assert (me["colour"], me["reason_code"], me["changes"]) == ("green", "clear", [])


def test_a_declaration_over_the_api_turns_the_code_yellow(call, resident):
    response = call(
        "post",
        "/me/declarations",
        user=resident.user,
        json={"temperature": 36.4, "travelled": True, "origin": "湖北省武汉市", "arrival_date": "2020-02-09"},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["high_risk_reason"] == "湖北省"
    me = call("get", "/me", user=resident.user).json()
    assert me["colour"] == "yellow" and me["changes"][0]["reason_code"] == "arrival"
    assert "湖北省武汉市" in me["reason"]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({}, 400, "temperature.required"),
        ({"temperature": 50}, 400, "temperature.impossible"),
        ({"temperature": "warm"}, 422, "validation_error"),
        ({"temperature": 36.5, "symptoms": ["x"]}, 400, "declaration.invalid_symptom"),
    ],
)
def test_bad_declarations_get_a_clear_error(call, resident, payload, status, code):
    response = call("post", "/me/declarations", user=resident.user, json=payload)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_an_official_has_no_code_of_their_own(call, county_official):
    response = call("post", "/me/pass", user=county_official)
    assert response.status_code == 403
    assert response.json()["code"] == "healthpass.no_resident"


@pytest.mark.parametrize("query", ["colour=%00", "status=a%00b"])
def test_a_nul_byte_in_a_list_filter_is_a_validation_error(call, county_official, query):
    """PostgreSQL cannot compare text with a NUL byte in it: the filter refuses it first."""
    path = "/changes" if query.startswith("colour") else "/overrides"
    response = call("get", f"{path}?{query}", user=county_official)
    assert response.status_code == 422


def scan_body(gate, token, **extra):
    return {"id": str(uuid.uuid4()), "place_id": gate.pk, "token": token, "temperature": 36.6, **extra}


def test_a_scan_over_the_api_and_its_resend(call, resident, gate, gatekeeper):
    token = call("post", "/me/pass", user=resident.user).json()["token"]
    body = scan_body(gate, token)
    first = call("post", "/scans", user=gatekeeper, json=body)
    assert first.status_code == 201
    assert first.json() | {"message": ""} == first.json() | {
        "recorded": True,
        "decision": "pass",
        "reason_code": "ok",
        "colour": "green",
        "masked_name": "张**",
        "message": "",
    }
    again = call("post", "/scans", user=gatekeeper, json={**body, "offline": True})
    assert again.status_code == 200 and again.json()["recorded"] is False
    assert Scan.objects.count() == 1
    stats = call("get", "/stats", user=make_official(gate)).json()
    assert (stats["scans"], stats["stops"], stats["fevers"]) == (1, 0, 0)


def make_official(gate):
    from fangyi.accounts.models import RoleAssignment, User

    user = User.objects.create_user(username=f"stats-{uuid.uuid4().hex[:6]}", password="x")
    RoleAssignment.objects.create(user=user, role=Role.COUNTY_OFFICIAL, region_id="430102")
    return user


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        ({"temperature": None}, 400, "temperature.required"),
        ({"temperature": 12}, 400, "temperature.impossible"),
        ({"temperature": 99.9}, 400, "temperature.impossible"),
        ({"place_id": 999_999}, 404, "place.not_found"),
        ({"id": "not-a-uuid"}, 422, "validation_error"),
        ({"scanned_at": "2031-01-01T00:00:00+08:00"}, 400, "scan.time_in_future"),
    ],
)
def test_bad_scans_are_refused_and_nothing_is_recorded(call, resident, gate, gatekeeper, extra, status, code):
    token = call("post", "/me/pass", user=resident.user).json()["token"]
    response = call("post", "/scans", user=gatekeeper, json=scan_body(gate, token) | extra)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert not Scan.objects.exists()


def test_malformed_passes_are_a_stop_not_an_error(call, gate, gatekeeper):
    response = call("post", "/scans", user=gatekeeper, json=scan_body(gate, "FY1:%%%"))
    assert response.status_code == 201
    assert (response.json()["decision"], response.json()["reason_code"]) == ("stop", "bad_base45")


def test_online_verification_and_revocations(call, resident, gatekeeper):
    token = call("post", "/me/pass", user=resident.user).json()["token"]
    verified = call("post", "/verify", user=gatekeeper, json={"token": token}).json()
    assert (verified["ok"], verified["code"], verified["colour"]) == (True, "ok", "green")
    with clock.frozen_at(clock.now() + dt.timedelta(minutes=5)):
        call("post", "/me/declarations", user=resident.user, json={"temperature": 38.2})
        assert ColourState.objects.get(person=resident).colour == "red"
        verified = call("post", "/verify", user=gatekeeper, json={"token": token}).json()
        assert (verified["ok"], verified["code"]) == (False, "revoked")
        delta = call("get", "/revocations", user=gatekeeper).json()
        assert delta["full"] is True and len(delta["entries"]) == 1
        assert call("get", f"/revocations?since={delta['version']}", user=gatekeeper).json()["entries"] == []


def test_gates_lists_only_the_jurisdiction(call, gate, gatekeeper, make_user):
    assert [g["id"] for g in call("get", "/gates", user=gatekeeper).json()] == [gate.pk]
    assert call("get", "/gates", user=make_user(Role.CHECKPOINT_STAFF, "430103")).json() == []


def test_the_appeal_and_override_queues(call, resident, make_user):
    first, second = make_user(Role.COUNTY_OFFICIAL, "430102"), make_user(Role.COUNTY_OFFICIAL, "430102")
    appeal = call("post", "/me/appeals", user=resident.user, json={"text": "我没有去过湖北"})
    assert appeal.status_code == 201
    queue = call("get", "/appeals", user=first).json()
    assert queue["count"] == 1
    decided = call(
        "post",
        f"/appeals/{appeal.json()['id']}/decide",
        user=first,
        json={"uphold": True, "response": "核实属实", "colour": "green"},
    )
    assert decided.json()["status"] == "upheld"
    override = call("get", "/overrides", user=second).json()["items"][0]
    refused = call("post", f"/overrides/{override['id']}/approve", user=first, json={})
    assert (refused.status_code, refused.json()["code"]) == (403, "override.same_approver")
    approved = call("post", f"/overrides/{override['id']}/approve", user=second, json={"note": "同意"})
    assert approved.json()["status"] == "approved"
    colour = call("get", f"/people/{resident.pk}", user=second).json()
    assert (colour["colour"], colour["reason_code"]) == ("green", "override")
