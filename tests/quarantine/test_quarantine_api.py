"""The quarantine API: summary, observation periods, check-ins (staff and the resident's own),
alerts, sites, close contacts and the transmission graph; scoping and bad input."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangyi.accounts.choices import Role
from fangyi.core.models import AuditEvent
from fangyi.labs.models import Referral
from fangyi.quarantine import models, selectors, services
from fangyi.surveillance import services as surveillance

BASE = "/quarantine"
VILLAGE = "430102001001"  # 芙蓉区, where the officials of these tests work
TODAY = dt.date(2020, 2, 10)


@pytest.fixture(autouse=True)
def frozen(morning):
    """Every test runs at 09:30 on 2020-02-10 in Shanghai (the morning slot)."""
    return morning


@pytest.fixture
def call(api_client):
    def request(method: str, path: str, user, **kwargs):
        return api_client.request(method, BASE + path, user=user, **kwargs)

    return request


@pytest.fixture
def clinic(make_user):
    """Clinic staff of 芙蓉区: may read observation and trace contacts, not take temperatures."""
    return make_user(Role.CLINIC_STAFF, "430102", username="clinic-q")


def counts():
    return (
        models.ObservationPeriod.objects.count(),
        models.CheckIn.objects.count(),
        models.Alert.objects.count(),
        models.Contact.objects.count(),
        models.Site.objects.count(),
        AuditEvent.objects.count(),
    )


def refused(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.json()
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    return body


# Summary -----------------------------------------------------------------------------------------


def test_the_summary_counts_a_region_of_the_jurisdiction(call, official, resident_of, observe):
    observe(resident_of("甲"))
    observe(resident_of("乙"), kind="monitoring")
    observe(resident_of("丙", region="430102002001"))
    body = call("GET", "/summary?region=430102", official).json()
    assert (body["region_code"], body["date"]) == ("430102", TODAY.isoformat())
    assert (body["under_observation"], body["released"], body["overdue_checkins"], body["fever_alerts"]) == (
        3,
        0,
        0,
        0,
    )
    assert body["by_kind"] == {"home": 2, "centralised": 0, "monitoring": 1}
    village = call("GET", f"/summary?region={VILLAGE}", official).json()
    assert village["under_observation"] == 2


def test_the_summary_refuses_regions_outside_and_bad_codes(call, official, resident):
    refused(call("GET", "/summary?region=430103", official), 404, "region.not_found")
    refused(call("GET", "/summary?region=43", official), 404, "region.not_found")
    refused(call("GET", "/summary?region=4301x2", official), 400, "region.invalid_code")
    refused(call("GET", "/summary", official), 422)
    refused(call("GET", "/summary?region=430102", resident.user), 403, "permission_denied")


# Observation periods -----------------------------------------------------------------------------


def test_an_observation_is_started_read_and_listed_with_masked_identity(call, official, resident_of):
    someone = resident_of("欧阳娜娜")
    body = {"person_id": str(someone.pk), "kind": "home", "source": "gate", "last_exposure_on": "2020-02-08"}
    created = call("POST", "/observations", official, json=body)
    assert created.status_code == 201, created.json()
    period = created.json()
    assert (period["status"], period["due_on"], period["days_left"]) == ("active", "2020-02-22", 12)
    assert period["person_name"] == "欧***" and "*" in period["person_id_number"]
    assert period["region_code"] == VILLAGE and period["protocol_version"] == "2020"
    assert (period["checkins"], period["alerts"]) == ([], [])
    assert call("GET", f"/observations/{period['id']}", official).json()["id"] == period["id"]
    listed = call("GET", "/observations?status=active&kind=home", official).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == period["id"]
    assert call("GET", "/observations?kind=centralised", official).json()["count"] == 0
    assert call("GET", "/observations?region=430103", official).json()["count"] == 0


def test_an_overlapping_observation_is_refused_and_nothing_changes(call, official, resident_of, observe):
    someone = resident_of()
    observe(someone)
    before = counts()
    body = {"person_id": str(someone.pk), "kind": "home", "source": "gate", "last_exposure_on": "2020-02-09"}
    refused(call("POST", "/observations", official, json=body), 409, "observation.overlaps")
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"kind": "hotel"}, 400, "observation.invalid_kind"),
        ({"last_exposure_on": "2020-02-11"}, 400, "observation.date_in_future"),
        ({"last_exposure_on": "2020-01-20"}, 400, "observation.already_served"),
        ({"kind": "centralised"}, 400, "observation.site_required"),
        ({"last_exposure_on": "yesterday"}, 422, None),
        ({"person_id": "not-a-uuid"}, 422, None),
        ({"room": "x" * 17}, 422, None),
    ],
)
def test_bad_observation_input_is_refused(call, official, resident_of, change, status, code):
    someone = resident_of()
    body = {"person_id": str(someone.pk), "kind": "home", "source": "gate", "last_exposure_on": "2020-02-08"}
    before = counts()
    refused(call("POST", "/observations", official, json={**body, **change}), status, code)
    assert counts() == before


def test_observation_outside_the_jurisdiction_is_not_found(call, official, outsider, resident_of, observe):
    period = observe(resident_of())
    refused(call("GET", f"/observations/{period.pk}", outsider), 404, "observation.not_found")
    assert call("GET", "/observations", outsider).json() == {"count": 0, "items": []}
    before = counts()
    refused(
        call("POST", f"/observations/{period.pk}/end", outsider, json={"status": "cancelled", "note": "x"}),
        404,
    )
    refused(call("POST", f"/observations/{period.pk}/checkins", outsider, json={"temperature": 36.5}), 404)
    assert counts() == before
    someone = resident_of("外区居民")
    body = {"person_id": str(someone.pk), "kind": "home", "source": "gate", "last_exposure_on": "2020-02-08"}
    refused(call("POST", "/observations", outsider, json=body), 404, "person.not_found")


def test_roles_without_the_capability_are_refused(call, clinic, resident, resident_of, observe):
    period = observe(resident_of())
    body = {"person_id": str(resident.pk), "kind": "home", "source": "gate", "last_exposure_on": "2020-02-08"}
    refused(call("POST", "/observations", clinic, json=body), 403, "permission_denied")
    refused(call("POST", f"/observations/{period.pk}/checkins", clinic, json={"temperature": 36.5}), 403)
    refused(call("POST", f"/observations/{period.pk}/release", clinic, json={}), 403)
    refused(call("GET", "/observations", resident.user), 403)
    refused(call("GET", f"/observations/{period.pk}", resident.user), 403)
    assert call("GET", "/observations", clinic).json()["count"] == 1


def test_staff_check_in_a_fever_which_opens_an_alert_and_a_referral(call, official, resident_of, observe):
    period = observe(resident_of())
    path = f"/observations/{period.pk}/checkins"
    checked = call("POST", path, official, json={"temperature": "37.8", "symptoms": "咳嗽"})
    assert checked.status_code == 201, checked.json()
    assert (checked.json()["slot"], checked.json()["fever"], checked.json()["by_staff"]) == ("am", True, True)
    detail = call("GET", f"/observations/{period.pk}", official).json()
    assert [c["temperature"] for c in detail["checkins"]] == [37.8]
    assert [(a["kind"], a["slot"]) for a in detail["alerts"]] == [("fever", "am")]
    referral = Referral.objects.get(person_id=period.person_id)
    assert detail["alerts"][0]["referral_id"] == str(referral.pk)

    before = counts()
    refused(call("POST", path, official, json={"temperature": 36.6, "slot": "am"}), 409, "checkin.duplicate")
    refused(call("POST", path, official, json={"temperature": 44}), 400, "checkin.invalid_temperature")
    refused(
        call("POST", path, official, json={"temperature": 36.5, "slot": "pm"}), 400, "checkin.slot_not_yet"
    )
    refused(call("POST", path, official, json={"temperature": 36.5, "slot": "noon"}), 422)
    refused(call("POST", path, official, json={"temperature": "hot"}), 422)
    assert counts() == before


def test_release_is_refused_until_due_and_a_released_person_cannot_check_in(
    call, official, resident_of, observe, at
):
    period = observe(resident_of(), days_ago=2)
    release = f"/observations/{period.pk}/release"
    body = refused(call("POST", release, official, json={}), 409, "observation.not_due")
    assert "2020-02-22" in body["message"]
    with at(dt.date(2020, 2, 22)):
        refused(call("POST", release, official, json={}), 409, "observation.test_required")
        # Released once the rule's conditions hold: here, ended as a case instead.
        ended = call(
            "POST",
            f"/observations/{period.pk}/end",
            official,
            json={"status": "to_treatment", "note": "确诊"},
        )
        assert ended.status_code == 200, ended.json()
        assert (ended.json()["status"], ended.json()["end_note"], ended.json()["days_left"]) == (
            "to_treatment",
            "确诊",
            0,
        )
        before = counts()
        refused(
            call("POST", f"/observations/{period.pk}/checkins", official, json={"temperature": 36.5}),
            409,
            "checkin.not_under_observation",
        )
        refused(call("POST", release, official, json={}), 409, "observation.not_active")
        assert counts() == before


def test_end_needs_a_known_outcome_and_a_note(call, official, resident_of, observe):
    period = observe(resident_of())
    path = f"/observations/{period.pk}/end"
    refused(call("POST", path, official, json={"status": "released", "note": "x"}), 400)
    refused(call("POST", path, official, json={"status": "cancelled", "note": " "}), 400)
    refused(call("POST", path, official, json={"status": "cancelled"}), 422)
    assert call("GET", f"/observations/{period.pk}", official).json()["status"] == "active"


# The resident's own check-ins --------------------------------------------------------------------


def test_a_resident_reads_their_period_and_checks_in_their_own_temperature(call, resident, observe):
    observe(resident)
    me = call("GET", "/me", resident.user).json()
    assert me["period"]["days_left"] == 13 and me["date"] == TODAY.isoformat()
    assert [(s["slot"], s["checkin"]) for s in me["slots"]] == [("am", None), ("pm", None)]
    checked = call("POST", "/me/checkins", resident.user, json={"temperature": 36.4})
    assert checked.status_code == 201, checked.json()
    assert (checked.json()["slot"], checked.json()["by_staff"], checked.json()["fever"]) == (
        "am",
        False,
        False,
    )
    me = call("GET", "/me", resident.user).json()
    assert me["slots"][0]["checkin"]["temperature"] == 36.4 and me["slots"][1]["checkin"] is None
    assert [c["temperature"] for c in me["history"]] == [36.4]
    refused(call("POST", "/me/checkins", resident.user, json={"temperature": 36.4}), 409, "checkin.duplicate")


def test_a_resident_not_under_observation_gets_an_empty_page_and_a_clear_refusal(
    call, official, resident, observe, at
):
    assert call("GET", "/me", resident.user).json() == {
        "date": TODAY.isoformat(),
        "period": None,
        "slots": [],
        "history": [],
    }
    refused(
        call("POST", "/me/checkins", resident.user, json={"temperature": 36.4}),
        409,
        "checkin.not_under_observation",
    )
    period = observe(resident)
    services.observation_end(actor=official, period_id=period.pk, status="cancelled", note="录入错误")
    before = counts()
    refused(
        call("POST", "/me/checkins", resident.user, json={"temperature": 36.4}),
        409,
        "checkin.not_under_observation",
    )
    assert counts() == before


def test_officials_have_no_own_page_and_residents_no_staff_check_in(call, official, resident, observe):
    period = observe(resident)
    refused(call("GET", "/me", official), 403)
    refused(call("POST", "/me/checkins", official, json={"temperature": 36.4}), 403)
    refused(
        call("POST", f"/observations/{period.pk}/checkins", resident.user, json={"temperature": 36.4}), 403
    )


# Alerts ------------------------------------------------------------------------------------------


def test_alerts_are_listed_and_resolved(call, official, outsider, resident_of, observe):
    period = observe(resident_of())
    services.checkin_record(actor=official, period_id=period.pk, temperature="38.2")
    listed = call("GET", "/alerts", official).json()
    assert listed["count"] == 1 and listed["items"][0]["kind"] == "fever"
    alert_id = listed["items"][0]["id"]
    assert call("GET", "/alerts", outsider).json()["count"] == 0
    refused(call("POST", f"/alerts/{alert_id}/resolve", outsider, json={"note": "x"}), 404)
    refused(call("POST", f"/alerts/{alert_id}/resolve", official, json={}), 422)
    resolved = call("POST", f"/alerts/{alert_id}/resolve", official, json={"note": "已转发热门诊"})
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["resolution_note"] == "已转发热门诊" and resolved.json()["resolved_at"]
    assert call("GET", "/alerts", official).json()["count"] == 0
    assert call("GET", "/alerts?open_only=false", official).json()["count"] == 1
    refused(call("POST", f"/alerts/{alert_id}/resolve", official, json={"note": "again"}), 409)


# Sites -------------------------------------------------------------------------------------------


def test_sites_are_added_listed_with_occupancy_and_updated(call, official, outsider, resident_of, observe):
    body = {"name": "芙蓉宾馆", "kind": "hotel", "region": "430102001", "address": "五一大道1号", "rooms": 1}
    created = call("POST", "/sites", official, json=body)
    assert created.status_code == 201, created.json()
    site = created.json()
    assert (site["occupied"], site["free"], site["region_code"], site["active"]) == (0, 1, "430102001", True)
    observe(resident_of(), kind="centralised", site_id=site["id"], room="301")
    listed = call("GET", "/sites", official).json()
    assert [(s["name"], s["occupied"], s["free"]) for s in listed["items"]] == [("芙蓉宾馆", 1, 0)]
    before = counts()
    refused(
        call(
            "POST",
            "/observations",
            official,
            json={
                "person_id": str(resident_of("满员").pk),
                "kind": "centralised",
                "source": "arrival",
                "last_exposure_on": "2020-02-09",
                "site_id": site["id"],
            },
        ),
        409,
        "observation.site_full",
    )
    assert counts()[0] == before[0]
    updated = call("POST", f"/sites/{site['id']}", official, json={"rooms": 20, "active": False})
    assert updated.status_code == 200, updated.json()
    assert (updated.json()["rooms"], updated.json()["free"], updated.json()["active"]) == (20, 19, False)
    assert call("GET", "/sites", outsider).json()["count"] == 0
    refused(call("POST", f"/sites/{site['id']}", outsider, json={"rooms": 2}), 404)


def test_bad_sites_are_refused(call, official, clinic):
    body = {"name": "天心宾馆", "kind": "hotel", "region": "430103", "address": "", "rooms": 10}
    before = counts()
    refused(call("POST", "/sites", official, json=body), 404)
    refused(call("POST", "/sites", official, json={**body, "region": "430102", "kind": "tent"}), 400)
    refused(call("POST", "/sites", official, json={**body, "region": "430102", "rooms": -1}), 422)
    refused(call("POST", "/sites", official, json={**body, "region": "430102", "name": ""}), 422)
    refused(call("POST", "/sites", clinic, json={**body, "region": "430102"}), 403)
    assert counts() == before


# Close contacts and the transmission graph -------------------------------------------------------


@pytest.fixture
def traced(official, report_case, resident_of):
    """A confirmed case (onset 2020-02-05) with a household contact and a secondary contact."""
    case = report_case(onset=dt.date(2020, 2, 5), reported=dt.date(2020, 2, 8), person=resident_of("张三"))
    primary = services.contact_register(
        actor=official,
        case_id=case.pk,
        person_id=resident_of("李四").pk,
        contact_type="household",
        last_contact_on=dt.date(2020, 2, 7),
    )
    secondary = services.contact_register(
        actor=official,
        case_id=case.pk,
        person_id=resident_of("王小五").pk,
        contact_type="shared_meal",
        last_contact_on=dt.date(2020, 2, 8),
        via_contact_id=primary.pk,
    )
    return case, primary, secondary


def test_contacts_are_registered_over_the_api_and_start_observation(call, official, report_case, resident_of):
    case = report_case(onset=dt.date(2020, 2, 5), reported=dt.date(2020, 2, 8))
    someone = resident_of("钱七")
    body = {
        "case_id": str(case.pk),
        "person_id": str(someone.pk),
        "contact_type": "work",
        "last_contact_on": "2020-02-06",
    }
    created = call("POST", "/contacts", official, json=body)
    assert created.status_code == 201, created.json()
    contact = created.json()
    assert (contact["degree"], contact["contact_type"], contact["person_name"]) == (1, "work", "钱*")
    period = models.ObservationPeriod.objects.get(person=someone)
    assert (period.source, str(period.contact_id), period.due_on) == (
        "contact",
        contact["id"],
        dt.date(2020, 2, 20),
    )

    other = {**body, "person_id": str(resident_of("孙八").pk)}
    before = counts()
    refused(call("POST", "/contacts", official, json=body), 409, "contact.duplicate")
    refused(
        call("POST", "/contacts", official, json={**other, "last_contact_on": "2020-02-01"}),
        400,
        "contact.outside_window",
    )
    refused(
        call("POST", "/contacts", official, json={**other, "contact_type": "chat"}),
        400,
        "contact.invalid_type",
    )
    refused(
        call("POST", "/contacts", official, json={**other, "via_contact_id": str(someone.pk)}),
        400,
        "contact.invalid_via",
    )
    refused(
        call("POST", "/contacts", official, json={**other, "person_id": str(case.person_id)}),
        400,
        "contact.is_the_case",
    )
    refused(call("POST", "/contacts", official, json={**other, "case_id": "nope"}), 422)
    assert counts() == before


def test_contacts_are_listed_by_case_and_scoped(call, official, outsider, traced):
    case, primary, secondary = traced
    listed = call("GET", f"/contacts?case_id={case.pk}", official).json()
    assert [(c["id"], c["degree"]) for c in listed["items"]] == [(str(primary.pk), 1), (str(secondary.pk), 2)]
    assert listed["items"][1]["via_contact_id"] == str(primary.pk)
    assert call("GET", f"/contacts/{secondary.pk}", official).json()["contact_type"] == "shared_meal"
    assert call("GET", f"/contacts?case_id={primary.pk}", official).json()["count"] == 0
    assert call("GET", "/contacts", outsider).json()["count"] == 0
    refused(call("GET", f"/contacts/{primary.pk}", outsider), 404, "contact.not_found")


def test_the_graph_draws_cases_contacts_and_chains_with_masked_labels(call, official, traced, resident_of):
    case, primary, secondary = traced
    # The household contact falls ill: their case continues the chain.
    second_case = surveillance.case_report(
        actor=None,
        person_id=primary.person_id,
        classification="suspected",
        report_date=dt.date(2020, 2, 10),
        onset_date=dt.date(2020, 2, 9),
        residence=VILLAGE,
        reporting_unit="湘雅医院",
    )
    graph = call("GET", f"/graph?case_id={case.pk}", official).json()
    nodes = {node["id"]: node for node in graph["nodes"]}
    assert set(nodes) == {f"case:{case.pk}", f"case:{second_case.pk}", f"contact:{secondary.person_id}"}
    assert (
        nodes[f"case:{case.pk}"]["label"] == "张*"
        and nodes[f"case:{case.pk}"]["classification"] == "confirmed"
    )
    assert nodes[f"contact:{secondary.person_id}"]["degree"] == 2
    assert all("*" in node["label"] for node in graph["nodes"])
    edges = {(e["source"], e["target"], e["contact_type"]) for e in graph["edges"]}
    assert edges == {
        (f"case:{case.pk}", f"case:{second_case.pk}", "household"),
        (f"case:{second_case.pk}", f"contact:{secondary.person_id}", "shared_meal"),
    }
    # Starting from the second case, the chain is followed back to the first.
    upstream = call("GET", f"/graph?case_id={second_case.pk}", official).json()
    assert {n["id"] for n in upstream["nodes"]} == set(nodes)
    assert call("GET", "/graph", official).json()["truncated"] is False
    assert len(call("GET", "/graph?region=430102", official).json()["nodes"]) == 3


def test_the_graph_is_scoped(call, official, outsider, traced, clinic):
    case, _primary, _secondary = traced
    refused(call("GET", f"/graph?case_id={case.pk}", outsider), 404, "case.not_found")
    refused(call("GET", "/graph?cluster_id=99999", official), 404, "cluster.not_found")
    refused(call("GET", "/graph?region=430103", official), 404, "region.not_found")
    refused(call("GET", "/graph?case_id=nope", official), 422)
    assert call("GET", "/graph", outsider).json() == {"nodes": [], "edges": [], "truncated": False}
    assert len(call("GET", "/graph", clinic).json()["nodes"]) == 3


def test_the_graph_of_a_cluster_and_its_size_limit(
    call, official, traced, report_case, resident_of, monkeypatch
):
    case, _primary, secondary = traced
    neighbour = report_case(
        onset=dt.date(2020, 2, 6), reported=dt.date(2020, 2, 9), person=resident_of("赵家")
    )
    cluster = surveillance.cluster_create(
        actor=None, name="芙蓉区家庭聚集", setting="family", region=VILLAGE, case_ids=[case.pk, neighbour.pk]
    )
    graph = call("GET", f"/graph?cluster_id={cluster.pk}", official).json()
    clustered = [node for node in graph["nodes"] if node["cluster_id"] == cluster.pk]
    assert {node["id"] for node in clustered} == {f"case:{case.pk}", f"case:{neighbour.pk}"}
    assert {node["cluster_name"] for node in clustered} == {"芙蓉区家庭聚集"}
    assert len(graph["nodes"]) == 4 and graph["truncated"] is False
    monkeypatch.setattr(selectors, "GRAPH_MAX_NODES", 1)
    cut = call("GET", f"/graph?cluster_id={cluster.pk}", official).json()
    assert cut["truncated"] is True and f"contact:{secondary.person_id}" not in {
        n["id"] for n in cut["nodes"]
    }


def queries_of(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def test_lists_take_the_same_number_of_queries_for_more_rows(call, official, resident_of, observe, traced):
    case, _primary, _secondary = traced
    site = services.site_create(
        actor=official, name="芙蓉宾馆", kind="hotel", region="430102", address="", rooms=9
    )

    def lists():
        for path in ("/observations", "/alerts", "/sites", f"/contacts?case_id={case.pk}", "/graph"):
            assert call("GET", path, official).status_code == 200

    period = observe(resident_of("甲"), kind="centralised", site_id=site.pk)
    services.checkin_record(actor=official, period_id=period.pk, temperature="38.1")
    few = queries_of(lists)
    for name in ("乙", "丙", "丁"):
        more = observe(resident_of(name), kind="centralised", site_id=site.pk)
        services.checkin_record(actor=official, period_id=more.pk, temperature="38.1")
    services.site_create(
        actor=official, name="芙蓉招待所", kind="facility", region="430102", address="", rooms=5
    )
    services.contact_register(
        actor=official,
        case_id=case.pk,
        person_id=resident_of("戊").pk,
        contact_type="transport",
        last_contact_on=dt.date(2020, 2, 8),
    )
    assert queries_of(lists) == few


def test_a_login_linked_to_no_resident_has_no_observation(call, make_user):
    unlinked = make_user(Role.RESIDENT, VILLAGE, username="nobody-linked")
    refused(call("GET", "/me", unlinked), 403, "quarantine.no_resident")
    refused(call("POST", "/me/checkins", unlinked, json={"temperature": 36.4}), 403, "quarantine.no_resident")
