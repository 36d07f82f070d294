"""The surveillance API: cases, clusters, reports, summary, risk and response levels."""

import datetime as dt

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.models import AuditEvent
from fangyi.people.services import person_register
from fangyi.surveillance import services
from fangyi.surveillance.models import Case, CaseEvent, Cluster, DailyReport, ResponseLevelPeriod

D = dt.date
BASE = "/surveillance"
VILLAGE = "430102001001"  # 芙蓉区
OTHER_VILLAGE = "430103002001"  # 天心区


@pytest.fixture(autouse=True)
def frozen_2020():
    with clock.frozen_at(dt.datetime(2020, 5, 1, 12, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def person(db, new_id_number):
    counter = iter(range(1000))

    def make(village: str = VILLAGE):
        return person_register(
            actor=None,
            name=f"居民{next(counter)}",
            id_number=new_id_number(village[:6]),
            home_region=village,
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


def payload(person, **overrides):
    body = {
        "person_id": str(person.id),
        "classification": "suspected",
        "report_date": "2020-01-22",
        "onset_date": "2020-01-20",
        "residence": VILLAGE,
        "reporting_unit": "长沙市第一医院发热门诊",
    }
    body.update(overrides)
    return body


def counts():
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        AuditEvent.objects.count(),
        DailyReport.objects.count(),
        Cluster.objects.count(),
        ResponseLevelPeriod.objects.count(),
    )


def confirmed_case(person, day=None, village=VILLAGE):
    day = day or D(2020, 1, 23)
    case = services.case_report(
        actor=None,
        person_id=person(village).id,
        classification="suspected",
        report_date=day,
        residence=village,
        reporting_unit="发热门诊",
    )
    return services.case_confirm(actor=None, case_id=case.id, date=day, method="nucleic_acid")


# Cases -------------------------------------------------------------------------------------------


def test_a_case_goes_through_its_life_over_the_api(call, official, person):
    someone = person()
    created = call("POST", "/cases", official, json=payload(someone))
    assert created.status_code == 201, created.json()
    case = created.json()
    assert case["classification"] == "suspected" and case["person_name"] == someone.name
    assert case["person_id_number"] == someone.id_number_masked and "*" in case["person_id_number"]
    assert case["residence_code"] == VILLAGE and case["county_code"] == "430102"
    path = f"/cases/{case['id']}"

    steps = [
        ("confirm", {"date": "2020-01-23", "method": "nucleic_acid"}),
        ("severity", {"date": "2020-01-25", "severity": "severe"}),
        ("severity", {"date": "2020-02-01", "severity": "moderate"}),
        ("outcome", {"date": "2020-02-10", "outcome": "cured"}),
    ]
    for step, body in steps:
        response = call("POST", f"{path}/{step}", official, json=body)
        assert response.status_code == 200, response.json()

    detail = call("GET", path, official).json()
    assert (detail["classification"], detail["outcome"], detail["outcome_date"]) == (
        "confirmed",
        "cured",
        "2020-02-10",
    )
    assert [e["kind"] for e in detail["events"]] == ["reported", "confirmed", "severity", "severity", "cured"]
    assert [(s["date"], s["severity"]) for s in detail["severity_history"]] == [
        ("2020-01-25", "severe"),
        ("2020-02-01", "moderate"),
    ]
    assert {key for key in detail if "id_number" in key} == {"person_id_number"}


def test_excluding_a_suspected_case(call, official, person):
    case = call("POST", "/cases", official, json=payload(person())).json()
    response = call("POST", f"/cases/{case['id']}/exclude", official, json={"date": "2020-01-24"})
    assert response.status_code == 200
    assert (response.json()["classification"], response.json()["excluded_date"]) == ("excluded", "2020-01-24")


def test_the_case_list_filters_and_pages(call, official, person):
    for day in ("2020-01-22", "2020-01-25", "2020-02-01"):
        call("POST", "/cases", official, json=payload(person(), report_date=day, onset_date=None))
    confirmed_case(person)
    listed = call("GET", "/cases?limit=2", official).json()
    assert listed["count"] == 4 and len(listed["items"]) == 2
    assert set(listed["items"][0]) >= {"person_name", "person_id_number"}
    assert "id_number" not in listed["items"][0]
    assert call("GET", "/cases?since=2020-01-23&until=2020-01-31", official).json()["count"] == 2
    assert call("GET", "/cases?classification=confirmed", official).json()["count"] == 1
    assert call("GET", "/cases?region=430102001", official).json()["count"] == 4
    assert call("GET", "/cases?offset=3", official).json()["items"][0]["report_date"] == "2020-01-22"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("since=2020-02-01&until=2020-01-01", 400, "case.dates_out_of_order"),
        ("since=2020-05-02", 400, "case.date_in_future"),
        ("until=2020-13-01", 422, "validation_error"),
        ("since=yesterday", 422, "validation_error"),
        ("limit=0", 422, "validation_error"),
        ("region=43x", 400, "region.invalid_code"),
    ],
)
def test_bad_case_filters(call, official, query, status, code):
    response = call("GET", f"/cases?{query}", official)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_jurisdiction_of_cases(call, make_user, official, person):
    inside = confirmed_case(person)
    outside = confirmed_case(person, village=OTHER_VILLAGE)
    assert [c["id"] for c in call("GET", "/cases", official).json()["items"]] == [str(inside.id)]
    assert call("GET", f"/cases/{outside.id}", official).status_code == 404
    before = counts()
    refused = call(
        "POST", f"/cases/{outside.id}/severity", official, json={"date": "2020-01-24", "severity": "severe"}
    )
    assert refused.status_code == 404
    assert counts() == before
    prefecture = make_user(Role.PREFECTURE_OFFICIAL, "4301")
    assert call("GET", "/cases", prefecture).json()["count"] == 2
    # Viewing without reporting: 403 on writes, in the jurisdiction.
    lab = make_user(Role.LAB_STAFF, "430102")
    assert call("GET", f"/cases/{inside.id}", lab).status_code == 200
    denied = call("POST", f"/cases/{inside.id}/outcome", lab, json={"date": "2020-02-01", "outcome": "cured"})
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    assert counts() == before
    assert call("GET", "/cases", make_user(Role.RESIDENT, "430102")).status_code == 403
    assert call("GET", "/cases", None).status_code == 401


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"report_date": "2020-05-02", "onset_date": None}, 400, "case.date_in_future"),
        ({"onset_date": "2020-01-25"}, 400, "case.dates_out_of_order"),
        ({"report_date": "2020-02-30"}, 422, "validation_error"),
        ({"report_date": "22/01/2020"}, 422, "validation_error"),
        ({"report_date": "0001-01-01", "onset_date": None}, 422, "validation_error"),
        ({"classification": "confirmed"}, 400, "case.invalid_classification"),
        ({"residence": OTHER_VILLAGE}, 404, "region.not_found"),
        ({"residence": "4301"}, 400, "case.residence_too_coarse"),
        ({"reporting_unit": ""}, 422, "validation_error"),
        ({"person_id": "not-a-uuid"}, 422, "validation_error"),
        ({"origin": "imported"}, 400, "case.source_required"),
    ],
)
def test_bad_reports_are_refused_and_write_nothing(call, official, person, overrides, status, code):
    someone = person()
    before = counts()
    response = call("POST", "/cases", official, json=payload(someone, **overrides))
    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert counts() == before


def test_a_second_open_episode_is_a_conflict(call, official, person):
    someone = person()
    assert call("POST", "/cases", official, json=payload(someone)).status_code == 201
    before = counts()
    again = call("POST", "/cases", official, json=payload(someone))
    assert (again.status_code, again.json()["code"]) == (409, "case.duplicate_episode")
    assert counts() == before


@pytest.mark.parametrize(
    ("step", "body", "status", "code"),
    [
        ("confirm", {"date": "2020-05-02", "method": "nucleic_acid"}, 400, "case.date_in_future"),
        ("confirm", {"date": "2020-01-21", "method": "nucleic_acid"}, 400, "case.dates_out_of_order"),
        ("confirm", {"date": "2020-01-23", "method": "guess"}, 400, "case.invalid_method"),
        ("confirm", {"date": "Jan 23", "method": "nucleic_acid"}, 422, "validation_error"),
        ("confirm", {"method": "nucleic_acid"}, 422, "validation_error"),
        ("exclude", {"date": "2020-01-21"}, 400, "case.dates_out_of_order"),
        ("severity", {"date": "2020-01-23", "severity": "severe"}, 409, "case.invalid_transition"),
        ("outcome", {"date": "2020-01-23", "outcome": "cured"}, 409, "case.invalid_transition"),
        ("outcome", {"date": "2020-01-23", "outcome": "gone"}, 400, "case.invalid_outcome"),
    ],
)
def test_bad_transitions_are_refused_and_write_nothing(call, official, person, step, body, status, code):
    case = call("POST", "/cases", official, json=payload(person())).json()
    before = counts()
    response = call("POST", f"/cases/{case['id']}/{step}", official, json=body)
    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert counts() == before


def test_unknown_case_is_not_found(call, official):
    response = call("GET", "/cases/00000000-0000-0000-0000-000000000000", official)
    assert (response.status_code, response.json()["code"]) == (404, "case.not_found")
    assert call("GET", "/cases/not-a-uuid", official).status_code == 422


# Clusters ----------------------------------------------------------------------------------------


def test_clusters_are_created_and_listed_in_the_jurisdiction(call, make_user, official, person):
    first, second = confirmed_case(person), confirmed_case(person, D(2020, 1, 25))
    body = {
        "name": "识字里某家庭",
        "setting": "family",
        "region": VILLAGE,
        "case_ids": [str(first.id), str(second.id)],
    }
    created = call("POST", "/clusters", official, json=body)
    assert created.status_code == 201, created.json()
    assert (created.json()["case_count"], created.json()["region_code"]) == (2, VILLAGE)
    assert call("GET", f"/cases/{first.id}", official).json()["cluster_id"] == created.json()["id"]
    listed = call("GET", "/clusters", official).json()
    assert listed["count"] == 1 and listed["items"][0]["name"] == "识字里某家庭"
    neighbour = make_user(Role.COUNTY_OFFICIAL, "430103")
    assert call("GET", "/clusters", neighbour).json()["count"] == 0
    assert call("GET", "/clusters?region=430103", official).json()["count"] == 0


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"case_ids": "one"}, 422, "validation_error"),
        ({"case_ids": []}, 422, "validation_error"),
        ({"setting": "party"}, 400, "cluster.invalid_setting"),
        ({"region": OTHER_VILLAGE}, 404, "region.not_found"),
        ({"first_only": True}, 400, "cluster.too_few_cases"),
    ],
)
def test_bad_clusters_write_nothing(call, official, person, overrides, status, code):
    first, second = confirmed_case(person), confirmed_case(person)
    body = {
        "name": "某单位",
        "setting": "work_unit",
        "region": VILLAGE,
        "case_ids": [str(first.id), str(second.id)],
    }
    if overrides.pop("first_only", False):
        body["case_ids"] = [str(first.id)]
    body.update(overrides)
    before = counts()
    response = call("POST", "/clusters", official, json=body)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert counts() == before


# Reports, summary, risk levels -------------------------------------------------------------------


def test_the_daily_series_with_derived_figures(call, make_user, official, person):
    case = confirmed_case(person)
    services.case_record_outcome(actor=None, case_id=case.id, outcome="cured", date=D(2020, 2, 10))
    confirmed_case(person, D(2020, 1, 24))
    response = call("GET", "/reports?region=430102&start=2020-01-22&end=2020-03-01", official)
    assert response.status_code == 200, response.json()
    report = response.json()
    assert (report["region_code"], report["clearance_date"]) == ("430102", None)
    days = {d["date"]: d for d in report["days"]}
    assert len(days) == 40
    assert days["2020-01-22"]["confirmed_cumulative"] == 0 and days["2020-01-22"]["cure_rate"] is None
    assert days["2020-01-24"]["new_confirmed"] == 1 and days["2020-01-24"]["confirmed_cumulative"] == 2
    assert days["2020-02-10"]["cure_rate"] == 0.5 and days["2020-02-10"]["case_fatality"] == 0.0
    assert days["2020-03-01"]["days_since_last_new_confirmed"] == 37
    rate = days["2020-03-01"]["infection_rate_per_million"]
    assert rate is None or rate > 0
    # Without dates: the first to the last day with a report.
    full = call("GET", "/reports?region=430102", official).json()
    assert (full["days"][0]["date"], full["days"][-1]["date"]) == ("2020-01-23", "2020-02-10")
    # The prefecture and the province add their counties up.
    prefecture = make_user(Role.PREFECTURE_OFFICIAL, "4301")
    city = call("GET", "/reports?region=430100&start=2020-02-10&end=2020-02-10", prefecture).json()
    assert city["days"][0]["confirmed_cumulative"] == 2


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("region=430102&start=2020-02-01&end=2020-01-01", 400, "report.dates_out_of_order"),
        ("region=430102&end=2020-05-02", 400, "report.date_in_future"),
        ("region=430102&start=2017-01-01&end=2020-04-01", 400, "report.range_too_long"),
        ("region=430102&start=1999-12-31", 422, "validation_error"),
        ("region=430102&start=2020-1-1x", 422, "validation_error"),
        ("region=4301", 404, "region.not_found"),
        ("region=430103", 404, "region.not_found"),
        ("region=430102001", 404, "region.not_found"),
        ("region=43x", 400, "region.invalid_code"),
        ("", 422, "validation_error"),
    ],
)
def test_bad_report_queries(call, official, query, status, code):
    response = call("GET", f"/reports?{query}", official)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_summary_of_a_county_has_its_risk_level(call, make_user, official, person):
    for _ in range(2):
        confirmed_case(person)
    command = make_user(Role.PROVINCIAL_COMMAND, "43")
    services.response_level_declare(actor=command, level="I", start_date=D(2020, 1, 23), note="")
    summary = call("GET", "/summary?region=430102&date=2020-01-25", official).json()
    assert (summary["new_confirmed"], summary["confirmed_cumulative"]) == (0, 2)
    assert (summary["cured_cumulative"], summary["deaths_cumulative"]) == (0, 0)
    assert (summary["risk_level"], summary["response_level"]) == ("medium", "I")
    assert "14 天内新增确诊 2 例" in summary["risk_reason"]
    province = call("GET", "/summary?region=43&date=2020-01-23", command).json()
    assert (province["new_confirmed"], province["risk_level"], province["region_level"]) == (
        2,
        None,
        "province",
    )
    today = call("GET", "/summary?region=430102", official).json()
    assert (today["date"], today["risk_level"]) == ("2020-05-01", "low")
    for query, status in [("date=2020-05-02", 400), ("date=2020-02-31", 422), ("region=", 422)]:
        response = call("GET", f"/summary?region=430102&{query}", official)
        assert response.status_code == status


def test_risk_levels_of_the_counties_under_a_region(call, make_user, official, person):
    confirmed_case(person)
    prefecture = make_user(Role.PREFECTURE_OFFICIAL, "4301")
    response = call("GET", "/risk-levels?region=4301&date=2020-01-30", prefecture)
    assert response.status_code == 200
    body = response.json()
    levels = {item["county_code"]: item for item in body["items"]}
    assert levels["430102"]["level"] == "medium" and levels["430102"]["rule_set"] == "2020-national"
    assert levels["430103"]["level"] == "low" and levels["430103"]["reason_code"] == "no_cases"
    assert body["counts"] == {"medium": 1, "low": len(levels) - 1}
    own = call("GET", "/risk-levels?region=430102&date=2020-02-20", official).json()
    assert [(i["county_code"], i["level"], i["reason_code"]) for i in own["items"]] == [
        ("430102", "low", "quiet")
    ]
    assert call("GET", "/risk-levels?region=4301", official).status_code == 404
    assert call("GET", "/risk-levels?region=430102&date=2020-06-01", official).json()["code"] == (
        "report.date_in_future"
    )


# Response levels ---------------------------------------------------------------------------------


def test_response_levels_are_declared_by_command_staff(call, make_user, official):
    command = make_user(Role.PROVINCIAL_COMMAND, "43")
    for level, day in (("I", "2020-01-23"), ("II", "2020-03-10"), ("III", "2020-03-31")):
        created = call(
            "POST", "/response-levels", command, json={"level": level, "start_date": day, "note": "省指挥部"}
        )
        assert created.status_code == 201, created.json()
    assert created.json()["end_date"] is None
    timeline = call("GET", "/response-levels", official).json()
    assert timeline["current"] == "III"
    assert [(i["level"], i["start_date"], i["end_date"]) for i in timeline["items"]] == [
        ("I", "2020-01-23", "2020-03-09"),
        ("II", "2020-03-10", "2020-03-30"),
        ("III", "2020-03-31", None),
    ]
    before = counts()
    for user, body, status, code in [
        (command, {"level": "II", "start_date": "2020-03-10"}, 409, "response_level.duplicate_date"),
        (command, {"level": "III", "start_date": "2020-04-10"}, 400, "response_level.unchanged"),
        (command, {"level": "IV", "start_date": "2020-04-10"}, 422, "validation_error"),
        (command, {"level": "ended", "start_date": "2020-05-02"}, 400, "response_level.date_in_future"),
        (command, {"level": "ended", "start_date": "2020-04-31"}, 422, "validation_error"),
        (official, {"level": "ended", "start_date": "2020-04-10"}, 403, "permission_denied"),
        (
            make_user(Role.PROVINCIAL_COMMAND, "4301"),
            {"level": "ended", "start_date": "2020-04-10"},
            403,
            "permission_denied",
        ),
    ]:
        response = call("POST", "/response-levels", user, json=body)
        assert (response.status_code, response.json()["code"]) == (status, code)
    assert counts() == before
    assert call("GET", "/response-levels", make_user(Role.RESIDENT, "430102")).status_code == 403
