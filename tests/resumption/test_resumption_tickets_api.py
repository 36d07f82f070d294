"""The tickets, policies and calendar API under /api/v1/resumption."""

import datetime as dt

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.resumption.models import PolicyApplication, ProblemTicket, TicketEvent

BASE = "/resumption"


@pytest.fixture
def call(api_client):
    def request(method, path, user, **kwargs):
        with clock.frozen_at(dt.datetime(2020, 3, 2, 9, tzinfo=clock.SHANGHAI)):
            return api_client.request(method, BASE + path, user=user, **kwargs)

    return request


@pytest.fixture
def other_county(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430103", username="other-county-a")


def refused(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    return response.json()


TICKET = {"category": "logistics", "priority": "urgent", "title": "物流停运", "description": "原料运不进来"}


def test_a_ticket_through_its_life(call, employer, official, enterprise):
    opened = call("POST", "/tickets", employer, json={"enterprise_id": enterprise.pk, **TICKET})
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assert (body["status"], body["level"], body["sla"]["state"], body["sla"]["target_hours"]) == (
        "open",
        "county",
        "on_track",
        24,
    )
    assert [e["kind"] for e in body["events"]] == ["opened"]
    path = f"/tickets/{body['id']}"
    assert call("POST", path + "/wait", official, json={"note": "请提供运单"}).json()["sla"]["paused"] is True
    assert call("POST", path + "/resume", employer, json={"note": "已提供"}).json()["status"] == "open"
    assert (
        call("POST", path + "/escalate", official, json={"note": "跨市运输"}).json()["level"] == "prefecture"
    )
    refused(call("POST", path + "/close", employer, json={"satisfaction": 5}), 409, "ticket.not_resolved")
    refused(call("POST", path + "/resolve", official, json={"resolution": "x"}), 403, "ticket.not_handler")
    refused(
        call("POST", path + "/resolve", employer, json={"resolution": ""}), 400, "ticket.resolution_required"
    )
    listed = call("GET", "/tickets?level=prefecture&category=logistics", official).json()
    assert listed["count"] == 1 and listed["items"][0]["enterprise_name"] == enterprise.name
    assert call("GET", "/tickets?status=closed", official).json()["count"] == 0
    assert call("GET", "/tickets?status=bogus", official).status_code == 422
    stats = call("GET", "/tickets/stats?region=430102", official).json()
    assert (stats["open"], stats["region_name"]) == (1, "芙蓉区")
    detail = call("GET", path, official).json()
    assert [e["kind"] for e in detail["events"]] == ["opened", "waiting", "resumed", "escalated"]
    assert detail["events"][1]["actor"] == official.username


def test_bad_input_and_jurisdiction(call, employer, official, enterprise, other_county):
    refused(
        call(
            "POST", "/tickets", employer, json={"enterprise_id": enterprise.pk, **TICKET, "priority": "asap"}
        ),
        400,
        "ticket.invalid_priority",
    )
    refused(
        call("POST", "/tickets", employer, json={"enterprise_id": enterprise.pk, **TICKET, "category": "x"}),
        400,
        "ticket.invalid_category",
    )
    assert (
        call(
            "POST", "/tickets", employer, json={"enterprise_id": enterprise.pk, **TICKET, "title": "a\x00b"}
        ).status_code
        == 422
    )
    assert not ProblemTicket.objects.exists()
    ticket_id = call("POST", "/tickets", employer, json={"enterprise_id": enterprise.pk, **TICKET}).json()[
        "id"
    ]
    refused(call("GET", f"/tickets/{ticket_id}", other_county), 404, "ticket.not_found")
    refused(
        call("POST", f"/tickets/{ticket_id}/note", other_county, json={"note": "x"}), 404, "ticket.not_found"
    )
    refused(call("GET", "/tickets/99999999999", official), 404, "ticket.not_found")
    refused(call("GET", "/tickets/stats?region=430102", other_county), 404, "region.not_found")
    call("POST", f"/tickets/{ticket_id}/resolve", official, json={"resolution": "已开通绿色通道"})
    refused(
        call("POST", f"/tickets/{ticket_id}/close", employer, json={"satisfaction": 6}),
        400,
        "ticket.invalid_satisfaction",
    )
    assert TicketEvent.objects.filter(ticket_id=ticket_id).count() == 2
    assert (
        call("POST", f"/tickets/{ticket_id}/close", employer, json={"satisfaction": 4}).json()["sla"]["state"]
        == "met"
    )


def test_policies_and_applications(call, official, employer, enterprise, other_county):
    policy = {
        "code": "furong-rent",
        "title": "租金减免",
        "kind": "rent",
        "summary": "国有物业租金减免三个月",
        "issuer": "430102",
        "valid_from": "2020-02-01",
        "small_only": True,
    }
    created = call("POST", "/policies", official, json=policy)
    assert created.status_code == 201, created.content
    refused(call("POST", "/policies", official, json=policy), 409, "policy.duplicate")
    refused(call("POST", "/policies", other_county, json={**policy, "code": "x"}), 404, "region.not_found")
    policy_id = created.json()["id"]
    assert call("GET", f"/enterprises/{enterprise.pk}/policy-matches", official).json() == []
    refused(
        call(
            "POST",
            "/policy-applications",
            employer,
            json={"enterprise_id": enterprise.pk, "policy_id": policy_id},
        ),
        409,
        "policy.not_eligible",
    )
    patched = call("PATCH", f"/policies/{policy_id}", official, json={"small_only": False})
    assert patched.json()["small_only"] is False
    matches = call("GET", f"/enterprises/{enterprise.pk}/policy-matches", employer).json()
    assert [m["policy"]["code"] for m in matches] == ["furong-rent"] and matches[0]["reasons"]
    refused(
        call("GET", f"/enterprises/{enterprise.pk}/policy-matches", other_county), 404, "enterprise.not_found"
    )
    applied = call(
        "POST",
        "/policy-applications",
        employer,
        json={"enterprise_id": enterprise.pk, "policy_id": policy_id, "amount_requested": "12000.50"},
    )
    assert applied.status_code == 201, applied.content
    application_id = applied.json()["id"]
    assert call("GET", "/policy-applications?status=submitted", official).json()["count"] == 1
    assert call("GET", "/policy-applications", other_county).json()["count"] == 0
    refused(
        call("POST", f"/policy-applications/{application_id}/decide", official, json={"grant": False}),
        400,
        "policy_application.reason_required",
    )
    decided = call(
        "POST",
        f"/policy-applications/{application_id}/decide",
        official,
        json={"grant": True, "amount_granted": "12000.50"},
    )
    assert decided.json()["status"] == "granted"
    refused(
        call("POST", f"/policy-applications/{application_id}/withdraw", employer),
        409,
        "policy_application.decided",
    )
    assert PolicyApplication.objects.get().amount_granted == PolicyApplication.objects.get().amount_requested
    assert call("GET", "/policies", employer).json()["count"] == 1
    assert call("GET", "/policies", other_county).json()["count"] == 0


def test_calendar(call, official):
    body = call("GET", "/calendar?year=2020", official).json()
    # 2020: 262 weekdays, 19 of them holidays, 6 weekend days worked.
    assert body["working_days"] == 262 - 19 + 6
    extended = {day["date"]: day["working"] for day in body["exceptions"]}
    assert extended["2020-01-31"] is False and extended["2020-01-19"] is True
    assert call("GET", "/calendar?year=1900", official).status_code == 422
