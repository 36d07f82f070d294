from tests.volunteers.conftest import COUNTY, OTHER_VILLAGE, TOWNSHIP, VILLAGE, at

from fangyi.volunteers import services
from fangyi.volunteers.choices import Qualification
from fangyi.volunteers.models import CounsellingSession, HoursRecord, Mission, Volunteer


def test_the_list_supports_limit_and_offset(api_client, bearer, coordinator, make_volunteer):
    for _ in range(3):
        make_volunteer()
    headers = bearer(coordinator)
    body = api_client.get("/volunteers?limit=2", headers=headers).json()
    assert body["count"] == 3 and len(body["items"]) == 2
    rest = api_client.get("/volunteers?limit=2&offset=2", headers=headers).json()
    assert len(rest["items"]) == 1
    ids = {item["id"] for item in body["items"] + rest["items"]}
    assert ids == set(Volunteer.objects.values_list("pk", flat=True))
    assert api_client.get("/volunteers?limit=0", headers=headers).status_code == 422
    assert api_client.get("/volunteers?limit=501", headers=headers).status_code == 422


def test_list_items_carry_a_masked_name_and_approved_hours(
    api_client, bearer, coordinator, volunteer, assigned
):
    _user, vol = volunteer
    record = services.hours_log(
        actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9)
    )
    services.hours_decide(actor=coordinator, record_id=record.pk, approve=True)
    (item,) = api_client.get("/volunteers", headers=bearer(coordinator)).json()["items"]
    name = vol.person.name
    assert item["name"] == name[0] + "*" * (len(name) - 1)
    assert item["hours_approved"] == "1.0" and item["region"] == VILLAGE and item["counsellor"] is False
    assert set(item) >= {"organisation", "skills", "languages", "availability", "region_name"}


def test_list_filters(api_client, bearer, coordinator, make_volunteer):
    make_volunteer(skills=["driving"])
    make_volunteer(counsellor=True)
    headers = bearer(coordinator)
    assert api_client.get("/volunteers?skill=driving", headers=headers).json()["count"] == 1
    assert api_client.get("/volunteers?counsellor=true", headers=headers).json()["count"] == 1
    response = api_client.get("/volunteers?skill=juggling", headers=headers)
    assert response.status_code == 400 and response.json()["code"] == "volunteer.unknown_skill"
    assert api_client.get("/volunteers?q=%00", headers=headers).status_code == 422


def test_residents_may_not_list_volunteers(api_client, bearer, resident):
    response = api_client.get("/volunteers", headers=bearer(resident))
    assert response.status_code == 403


def test_a_resident_registers_and_reads_themselves(api_client, bearer, resident):
    headers = bearer(resident)
    response = api_client.get("/volunteers/me", headers=headers)
    assert response.status_code == 409 and response.json()["code"] == "volunteer.not_registered"
    response = api_client.post(
        "/volunteers/me",
        json={"region": TOWNSHIP, "skills": ["it"], "languages": ["english"]},
        headers=headers,
    )
    assert response.status_code == 201, response.json()
    assert response.json()["region"] == TOWNSHIP
    again = api_client.post("/volunteers/me", json={"region": TOWNSHIP}, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "volunteer.duplicate"
    assert api_client.get("/volunteers/me", headers=headers).json()["skills"] == ["it"]
    response = api_client.post(
        "/volunteers/me/qualification",
        json={"qualification": Qualification.SOCIAL_WORKER, "number": "SW-1"},
        headers=headers,
    )
    assert response.status_code == 200 and response.json()["qualification_verified"] is False


def test_a_coordinator_registers_updates_and_verifies(api_client, bearer, coordinator, new_id_number):
    headers = bearer(coordinator)
    payload = {"name": "李四", "id_number": new_id_number(), "home_region": VILLAGE, "region": VILLAGE}
    response = api_client.post("/volunteers", json=payload, headers=headers)
    assert response.status_code == 201, response.json()
    volunteer_id = response.json()["id"]
    response = api_client.patch(
        f"/volunteers/{volunteer_id}", json={"organisation": "红十字会"}, headers=headers
    )
    assert response.status_code == 200 and response.json()["organisation"] == "红十字会"
    response = api_client.post(
        f"/volunteers/{volunteer_id}/qualification/verify", json={"approve": True}, headers=headers
    )
    assert response.status_code == 409 and response.json()["code"] == "qualification.not_submitted"
    response = api_client.post(f"/volunteers/{volunteer_id}/deactivate", headers=headers)
    assert response.status_code == 200 and response.json()["active"] is False
    bad = api_client.post("/volunteers", json={**payload, "id_number": "123"}, headers=headers)
    assert bad.status_code == 400 and Volunteer.objects.count() == 1


def test_out_of_jurisdiction_volunteers_are_not_found(api_client, bearer, other_coordinator, volunteer):
    _user, vol = volunteer
    headers = bearer(other_coordinator)
    assert api_client.get(f"/volunteers/{vol.pk}", headers=headers).status_code == 404
    assert (
        api_client.patch(f"/volunteers/{vol.pk}", json={"organisation": "x"}, headers=headers).status_code
        == 404
    )
    assert api_client.get("/volunteers/99999999999", headers=headers).status_code == 404


def test_missions_sign_up_and_hours_through_the_api(api_client, bearer, coordinator, volunteer):
    user, _vol = volunteer
    staff, mine = bearer(coordinator), bearer(user)
    response = api_client.post(
        "/volunteers/missions",
        json={
            "kind": "checkpoint",
            "title": "小区门口测温",
            "region": TOWNSHIP,
            "starts_at": at(10, 8).isoformat(),
            "ends_at": at(10, 20).isoformat(),
            "slots": 2,
        },
        headers=staff,
    )
    assert response.status_code == 201, response.json()
    mission_id = response.json()["id"]
    assert api_client.get("/volunteers/missions", headers=mine).json()["count"] == 1
    response = api_client.post(f"/volunteers/missions/{mission_id}/signups", headers=mine)
    assert response.status_code == 201
    signup_id = response.json()["id"]
    again = api_client.post(f"/volunteers/missions/{mission_id}/signups", headers=mine)
    assert again.status_code == 409 and again.json()["code"] == "signup.duplicate"
    response = api_client.post(
        f"/volunteers/signups/{signup_id}/decide", json={"assign": True}, headers=staff
    )
    assert response.json()["status"] == "assigned"
    detail = api_client.get(f"/volunteers/missions/{mission_id}", headers=staff).json()
    assert detail["assigned"] == 1 and [s["id"] for s in detail["signups"]] == [signup_id]
    response = api_client.post(
        f"/volunteers/signups/{signup_id}/check-in", json={"at": at(10, 8).isoformat()}, headers=mine
    )
    assert response.status_code == 201, response.json()
    record_id = response.json()["id"]
    twice = api_client.post(f"/volunteers/signups/{signup_id}/check-in", json={}, headers=mine)
    assert twice.status_code == 409 and twice.json()["code"] == "hours.already_on_duty"
    response = api_client.post(
        f"/volunteers/hours/{record_id}/check-out", json={"at": at(10, 9).isoformat()}, headers=mine
    )
    assert response.json()["minutes"] == 60 and response.json()["status"] == "pending"
    log = api_client.post(
        "/volunteers/hours",
        json={
            "signup_id": signup_id,
            "check_in_at": at(10, 8).isoformat(),
            "check_out_at": at(10, 9).isoformat(),
        },
        headers=staff,
    )
    assert log.status_code == 409 and log.json()["code"] == "hours.overlap"
    assert HoursRecord.objects.count() == 1
    pending = api_client.get("/volunteers/hours?status=pending", headers=staff).json()
    assert [r["id"] for r in pending["items"]] == [record_id]
    response = api_client.post(f"/volunteers/hours/{record_id}/decide", json={"approve": True}, headers=staff)
    assert response.json()["status"] == "approved"
    assert api_client.get("/volunteers/hours", headers=mine).json()["count"] == 1
    response = api_client.post(f"/volunteers/missions/{mission_id}/close", headers=staff)
    assert response.json()["status"] == "closed"
    response = api_client.post(f"/volunteers/missions/{mission_id}/cancel", headers=staff)
    assert response.status_code == 409 and response.json()["code"] == "mission.not_open"


def test_a_bad_mission_writes_nothing(api_client, bearer, coordinator):
    response = api_client.post(
        "/volunteers/missions",
        json={
            "kind": "checkpoint",
            "title": "x",
            "region": TOWNSHIP,
            "starts_at": at(10, 20).isoformat(),
            "ends_at": at(10, 8).isoformat(),
            "slots": 2,
        },
        headers=bearer(coordinator),
    )
    assert response.status_code == 400 and response.json()["code"] == "mission.ends_before_start"
    assert response.json()["field"] == "ends_at" and not Mission.objects.exists()


def test_certificates_public_check_and_pdf(
    api_client, bearer, coordinator, volunteer, assigned, make_resident
):
    user, vol = volunteer
    record = services.hours_log(
        actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9)
    )
    services.hours_decide(actor=coordinator, record_id=record.pk, approve=True)
    response = api_client.post(f"/volunteers/{vol.pk}/certificates", headers=bearer(coordinator))
    assert response.status_code == 201
    serial = response.json()["serial"]
    # No sign-in needed; only a masked name comes back.
    check = api_client.get(f"/volunteers/certificates/{serial}")
    assert check.status_code == 200
    body = check.json()
    assert body["hours"] == "1.0" and body["missions"] == 1 and vol.person.name not in str(body)
    assert body["name"].startswith(vol.person.name[0]) and body["name"].endswith("*")
    missing = api_client.get("/volunteers/certificates/VC20200210AAAAAAAA")
    assert missing.status_code == 404 and missing.json()["code"] == "certificate.not_found"
    pdf = api_client.get(f"/volunteers/certificates/{serial}/pdf", headers=bearer(user))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert api_client.get(f"/volunteers/certificates/{serial}/pdf").status_code == 401
    assert (
        api_client.get(f"/volunteers/certificates/{serial}/pdf", headers=bearer(make_resident())).status_code
        == 404
    )
    mine = api_client.get("/volunteers/me/certificates", headers=bearer(user)).json()
    assert [c["serial"] for c in mine] == [serial]


def test_no_hours_no_certificate(api_client, bearer, coordinator, volunteer):
    _user, vol = volunteer
    response = api_client.post(f"/volunteers/{vol.pk}/certificates", headers=bearer(coordinator))
    assert response.status_code == 409 and response.json()["code"] == "certificate.no_hours"


def test_the_hotline_through_the_api(api_client, bearer, coordinator, make_volunteer):
    user, vol = make_volunteer(counsellor=True)
    staff, mine = bearer(coordinator), bearer(user)
    shift = {
        "counsellor_id": vol.pk,
        "line": "热线",
        "region": COUNTY,
        "starts_at": at(10, 8).isoformat(),
        "ends_at": at(10, 12).isoformat(),
    }
    response = api_client.post("/volunteers/shifts", json=shift, headers=staff)
    assert response.status_code == 201, response.json()
    shift_id = response.json()["id"]
    overlap = api_client.post("/volunteers/shifts", json=shift, headers=staff)
    assert overlap.status_code == 409 and overlap.json()["code"] == "shift.overlap"
    session = {"started_at": at(10, 9).isoformat(), "minutes": 20, "caller_group": "public", "topic": "sleep"}
    leak = api_client.post(
        f"/volunteers/shifts/{shift_id}/sessions",
        json={**session, "notes": "电话：13812345678"},
        headers=mine,
    )
    assert leak.status_code == 400 and leak.json()["code"] == "session.personal_data"
    assert not CounsellingSession.objects.exists()
    response = api_client.post(f"/volunteers/shifts/{shift_id}/sessions", json=session, headers=mine)
    assert response.status_code == 201, response.json()
    assert api_client.get("/volunteers/sessions", headers=staff).json()["count"] == 1
    assert api_client.get("/volunteers/shifts", headers=mine).json()["count"] == 1
    days = api_client.get(
        f"/volunteers/coverage?region={COUNTY}&start=2020-02-10&end=2020-02-10", headers=staff
    ).json()
    assert days[0]["covered_minutes"] == 240 and len(days[0]["gaps"]) == 2
    cancel = api_client.post(f"/volunteers/shifts/{shift_id}/cancel", headers=staff)
    assert cancel.status_code == 409 and cancel.json()["code"] == "shift.has_sessions"
    stats = api_client.get(f"/volunteers/stats?region={COUNTY}", headers=staff).json()
    assert stats["counsellors"] == 1 and stats["volunteers"] == 1


def test_a_resident_sees_only_missions_where_they_serve(
    api_client, bearer, volunteer, make_mission, other_coordinator
):
    user, _vol = volunteer
    make_mission(region=OTHER_VILLAGE, actor=other_coordinator)
    mission = make_mission()
    body = api_client.get("/volunteers/missions", headers=bearer(user)).json()
    assert [m["id"] for m in body["items"]] == [mission.pk]


def test_a_moment_with_any_offset_python_accepts_is_answered(api_client, bearer, coordinator):
    """PostgreSQL refuses offsets beyond sixteen hours: they are converted before the query."""
    headers = bearer(coordinator)
    response = api_client.get("/volunteers/shifts?start=0172-09-14T13:58:36.590%2B22:37", headers=headers)
    assert response.status_code == 200, response.json()
    assert (
        api_client.get("/volunteers/shifts?start=0001-01-01T00:00:00%2B05:00", headers=headers).status_code
        == 422
    )
