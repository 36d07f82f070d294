"""The hospitals API: beds, admissions and their errors, consultations, scoping."""

import pytest
from tests.hospitals.conftest import TODAY

from fangyi.hospitals import models, services

BASE = "/hospitals"


@pytest.fixture
def call(api_client):
    def request(method: str, path: str, user, **kwargs):
        return api_client.request(method, BASE + path, user=user, **kwargs)

    return request


def test_beds_by_region(call, manager, other_staff, hospital, case, admit):
    admit(case)
    response = call("GET", "/beds?region=430102", manager)
    assert response.status_code == 200
    assert response.json() == [
        {
            "place_id": hospital.pk,
            "name": "芙蓉区人民医院",
            "level": "county",
            "county": "430102",
            "beds": {"general": {"capacity": 2, "occupied": 1}, "icu": {"capacity": 1, "occupied": 0}},
        }
    ]
    assert call("GET", "/beds?region=430102", other_staff).status_code == 404


def test_admit_errors_write_nothing(call, staff, other_staff, hospital, case):
    body = {
        "case_id": str(case.pk),
        "hospital_id": hospital.pk,
        "bed_type": "isolation",
        "admitted_on": "2020-02-09",
    }
    response = call("POST", "/admissions", staff, json=body)
    assert (response.status_code, response.json()["code"]) == (400, "admission.no_such_ward")
    response = call("POST", "/admissions", staff, json={**body, "bed_type": "general"})
    assert response.status_code == 201
    admission_id = response.json()["id"]
    again = call("POST", "/admissions", staff, json={**body, "bed_type": "general"})
    assert (again.status_code, again.json()["code"]) == (409, "admission.already_admitted")
    assert models.Admission.objects.count() == 1
    assert call("GET", f"/admissions/{admission_id}", other_staff).status_code == 404
    check = call("GET", f"/admissions/{admission_id}/discharge-check", staff).json()
    assert check["met"] is False and check["missing"]
    refused = call("POST", f"/admissions/{admission_id}/discharge", staff, json={"date": TODAY.isoformat()})
    assert (refused.status_code, refused.json()["code"]) == (409, "admission.criteria_not_met")


def test_ward_capacity_put(call, manager, hospital, case, admit):
    admit(case)
    response = call("PUT", f"/hospitals/{hospital.pk}/wards/general", manager, json={"capacity": 0})
    assert (response.status_code, response.json()["code"]) == (409, "ward.below_occupancy")
    assert (
        call("PUT", f"/hospitals/{hospital.pk}/wards/icu", manager, json={"capacity": 4}).json()["capacity"]
        == 4
    )


def test_expert_sees_only_invited_consultations(call, staff, expert_user, prefecture_official, case, admit):
    admission = admit(case, severity="critical")
    expert = services.expert_create(
        actor=prefecture_official, name="王医生", specialty="tcm", user_id=expert_user.pk
    )
    created = call(
        "POST", "/consultations", staff, json={"admission_id": str(admission.pk), "question": "请会诊"}
    )
    assert created.status_code == 201 and created.json()["summary"]["case"]["severity"] == "critical"
    consultation_id = created.json()["id"]
    assert call("GET", "/consultations", expert_user).json()["count"] == 0
    assert call("GET", f"/consultations/{consultation_id}", expert_user).status_code == 404
    call("POST", f"/consultations/{consultation_id}/invite", staff, json={"expert_ids": [str(expert.pk)]})
    assert call("GET", "/consultations", expert_user).json()["count"] == 1
    bad = call(
        "POST",
        f"/consultations/{consultation_id}/schedule",
        staff,
        json={"scheduled_at": "2020-02-10T15:00:00+08:00", "video_url": "http://meet.example.cn/x"},
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "consultation.invalid_video_url")
    opinion = call(
        "POST", f"/consultations/{consultation_id}/opinions", expert_user, json={"text": "俯卧位通气"}
    )
    assert opinion.status_code == 201
    detail = call("GET", f"/admissions/{admission.pk}", staff).json()
    assert [o["text"] for o in detail["opinions"]] == ["俯卧位通气"]
