"""The screening API: runs, hits, risk areas, the import, grid tasks and progress, scoped by region."""

import datetime as dt
import uuid

import pytest
from tests.screening.finished_runs import NEIGHBOUR_VILLAGE, NOW, VILLAGE, build_world, make_run

from fangyi.core import clock
from fangyi.core.models import Job
from fangyi.screening.choices import Outcome, RunStatus, TaskStatus
from fangyi.screening.models import GridTask, RiskArea, ScreeningRun


@pytest.fixture
def now():
    with clock.frozen_at(NOW) as moment:
        yield moment


@pytest.fixture
def world(db, now, make_user, new_id_number):
    return build_world(make_user, new_id_number)


# Runs --------------------------------------------------------------------------------------------


def test_run_list_is_the_contract(api_client, world):
    response = api_client.get("/screening/runs", user=world.county)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert set(item) == {
        "id",
        "region_code",
        "region_name",
        "as_of",
        "lookback_days",
        "backend",
        "status",
        "status_label",
        "percent",
        "counts",
        "created_at",
        "finished_at",
    }
    assert item["id"] == str(world.run.pk)
    assert (item["region_code"], item["region_name"]) == ("430000", "湖南省")
    assert (item["status"], item["percent"], item["lookback_days"]) == ("succeeded", 100, 14)
    assert item["counts"]["persons_screened"] == 3


def test_run_list_pages_and_filters(api_client, world):
    running = make_run(region="430102", status=RunStatus.RUNNING, done=1, total=4)
    make_run(region="430103")  # another county: not the 芙蓉区 official's
    response = api_client.get("/screening/runs?limit=1", user=world.county)
    body = response.json()
    assert body["count"] == 2 and len(body["items"]) == 1
    running_only = api_client.get("/screening/runs?status=running", user=world.county).json()
    assert [item["id"] for item in running_only["items"]] == [str(running.pk)]
    assert running_only["items"][0]["percent"] == 25
    assert api_client.get("/screening/runs?status=bogus", user=world.county).status_code == 422
    assert api_client.get("/screening/runs?limit=0", user=world.county).status_code == 422


def test_run_list_needs_the_capability(api_client, world):
    response = api_client.get("/screening/runs", user=world.lab)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_run_detail_shows_only_tallies_inside_the_jurisdiction(api_client, world):
    body = api_client.get(f"/screening/runs/{world.run.pk}", user=world.county).json()
    assert [(t["level"], t["code"], t["persons"]) for t in body["tallies"]] == [
        ("county", "430102", 2),
        ("village", VILLAGE, 1),
    ]
    assert body["tallies"][0]["name"] == "芙蓉区"
    assert body["risk_areas"][0]["name"] == "武汉市"
    province = api_client.get(f"/screening/runs/{world.run.pk}", user=world.province).json()
    assert len(province["tallies"]) == 4


def test_run_outside_the_jurisdiction_is_not_found(api_client, world):
    county_run = make_run(region="430102")
    response = api_client.get(f"/screening/runs/{county_run.pk}", user=world.outsider)
    assert response.status_code == 404
    assert response.json()["code"] == "screening.not_found"
    assert api_client.get(f"/screening/runs/{uuid.uuid4()}", user=world.county).status_code == 404
    assert api_client.get(f"/screening/runs/{county_run.pk}/hits", user=world.outsider).status_code == 404


def test_hits_are_masked_and_scoped(api_client, world):
    body = api_client.get(f"/screening/runs/{world.run.pk}/hits", user=world.county).json()
    assert body["count"] == 2
    first = body["items"][0]
    assert first["person_name"] == "张*"
    assert "*" in first["person_id_number"]
    assert first["area_name"] == "武昌区"
    assert "13812345678" not in str(body)
    assert world.people[0].id_number_masked in str(body)
    paged = api_client.get(f"/screening/runs/{world.run.pk}/hits?limit=1&offset=1", user=world.county).json()
    assert paged["count"] == 2 and paged["items"][0]["person_name"] == "王*"


# Risk areas --------------------------------------------------------------------------------------


def test_risk_areas_list_and_active_filter(api_client, world):
    RiskArea.objects.create(area_code="4201", name="武汉市", starts_on=dt.date(2020, 1, 10))
    RiskArea.objects.create(
        area_code="4403", name="深圳市", starts_on=dt.date(2020, 1, 20), ends_on=dt.date(2020, 1, 25)
    )
    everything = api_client.get("/screening/risk-areas", user=world.county).json()
    assert [area["name"] for area in everything["items"]] == ["武汉市", "深圳市"]
    on = api_client.get("/screening/risk-areas?active_on=2020-01-30", user=world.county).json()
    assert [area["name"] for area in on["items"]] == ["武汉市"]
    assert api_client.get("/screening/risk-areas?active_on=yesterday", user=world.county).status_code == 422
    assert api_client.get("/screening/risk-areas", user=world.worker).status_code == 403


# Grid tasks --------------------------------------------------------------------------------------


def test_grid_worker_sees_their_village_only(api_client, world):
    body = api_client.get("/screening/tasks", user=world.worker).json()
    assert body["count"] == 1
    task = body["items"][0]
    assert task["id"] == str(world.tasks[0].pk)
    assert (task["person_name"], task["person_phone"]) == ("张伟", "138****5678")
    assert "*" in task["person_id_number"]
    assert (task["seen_area"], task["seen_area_name"]) == ("420106", "武昌区")
    assert task["status"] == "open" and task["overdue"] is False
    assert "13812345678" not in str(body)


def test_task_filters(api_client, world):
    county = world.county
    assert api_client.get("/screening/tasks", user=county).json()["count"] == 2
    overdue = api_client.get("/screening/tasks?overdue=true", user=county).json()
    assert [t["id"] for t in overdue["items"]] == [str(world.tasks[1].pk)]
    assert overdue["items"][0]["overdue"] is True
    not_overdue = api_client.get("/screening/tasks?overdue=false", user=county).json()
    assert [t["id"] for t in not_overdue["items"]] == [str(world.tasks[0].pk)]
    by_region = api_client.get(f"/screening/tasks?region={NEIGHBOUR_VILLAGE}", user=county).json()
    assert [t["id"] for t in by_region["items"]] == [str(world.tasks[1].pk)]
    assert api_client.get("/screening/tasks?status=done", user=county).json()["count"] == 0
    assert api_client.get(f"/screening/tasks?run={world.run.pk}", user=county).json()["count"] == 2
    assert api_client.get(f"/screening/tasks?run={uuid.uuid4()}", user=county).json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("status=closed", 422, None),
        ("run=not-a-uuid", 422, None),
        ("overdue=maybe", 422, None),
        ("region=4301x", 400, "grid_task.invalid_region_filter"),
        ("region=430100100", 400, "grid_task.invalid_region_filter"),
    ],
)
def test_bad_task_filters_are_refused(api_client, world, query, status, code):
    response = api_client.get(f"/screening/tasks?{query}", user=world.county)
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
        assert response.json()["field"] == "region"


def test_task_outside_the_jurisdiction_is_not_found(api_client, world):
    response = api_client.get(f"/screening/tasks/{world.tasks[2].pk}", user=world.county)
    assert response.status_code == 404
    assert response.json()["code"] == "grid_task.not_found"
    worker = api_client.get(f"/screening/tasks/{world.tasks[1].pk}", user=world.worker)
    assert worker.status_code == 404
    assert api_client.get("/screening/tasks", user=world.lab).status_code == 403


def test_task_detail(api_client, world):
    body = api_client.get(f"/screening/tasks/{world.tasks[1].pk}", user=world.township).json()
    assert body["person_name"] == "王芳"
    assert body["overdue"] is True
    assert body["seen_last"].startswith("2020-01-25")


# Progress ----------------------------------------------------------------------------------------


def test_progress_per_child_region(api_client, world):
    done = world.tasks[0]
    done.status, done.outcome, done.done_at = TaskStatus.DONE, Outcome.LEFT_PROVINCE, NOW
    done.save()
    body = api_client.get("/screening/progress?region=430102", user=world.county).json()
    assert (body["region_code"], body["region_name"]) == ("430102", "芙蓉区")
    *children, total = body["rows"]
    assert total == {
        "code": "430102",
        "name": "芙蓉区",
        "tasks": 2,
        "verified": 1,
        "escalated": 0,
        "overdue": 1,
        "percent": 50,
        "total": True,
    }
    assert all(len(row["code"]) == 9 for row in children)
    township = next(row for row in children if row["code"] == "430102001")
    assert (township["tasks"], township["verified"], township["percent"]) == (2, 1, 50)
    assert all(row["percent"] is None for row in children if row["code"] != "430102001")


def test_progress_of_the_province_for_a_county_official(api_client, world):
    body = api_client.get("/screening/progress?region=43", user=world.county).json()
    *children, total = body["rows"]
    assert [row["code"] for row in children] == ["4301"]  # only the prefecture that holds 芙蓉区
    assert total["tasks"] == 2  # 天心区's task is not counted
    province = api_client.get("/screening/progress?region=43", user=world.province).json()
    assert province["rows"][-1]["tasks"] == 3
    assert len(province["rows"]) == 15  # 14 prefectures and the total


def test_progress_bad_inputs(api_client, world):
    assert api_client.get("/screening/progress", user=world.county).status_code == 422
    bad = api_client.get("/screening/progress?region=12345", user=world.county)
    assert bad.status_code == 400 and bad.json()["code"] == "grid_task.invalid_region_filter"
    outside = api_client.get("/screening/progress?region=430103", user=world.county)
    assert outside.status_code == 404
    assert api_client.get("/screening/progress?region=43", user=world.lab).status_code == 403


# Writes ------------------------------------------------------------------------------------------


def test_start_a_run(api_client, world):
    response = api_client.post(
        "/screening/runs", json={"region": "430102", "lookback_days": 7}, user=world.county
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["region_code"], body["lookback_days"], body["status"]) == ("430102", 7, "queued")
    assert body["as_of"] == "2020-02-01" and body["percent"] == 0
    assert ScreeningRun.objects.filter(pk=body["id"], created_by=world.county).exists()


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"region": "430103"}, 404, "region.not_found"),  # another county
        ({"region": "430102001"}, 400, "screening.region_level"),  # a township
        ({"region": "43x"}, 400, "region.invalid_code"),
        ({"region": "430102", "lookback_days": 61}, 400, "screening.invalid_lookback"),
        ({"region": "430102", "backend": "pandas"}, 400, "screening.unknown_backend"),
        ({"region": "430102", "as_of": "2020-02-30"}, 422, None),
        ({"region": "430102", "lookback_days": 0}, 422, None),
    ],
)
def test_start_a_run_refuses_bad_input(api_client, world, payload, status, code):
    response = api_client.post("/screening/runs", json=payload, user=world.county)
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
    assert not ScreeningRun.objects.exclude(pk=world.run.pk).exists()


def test_start_a_run_needs_the_capability(api_client, world):
    response = api_client.post("/screening/runs", json={"region": VILLAGE[:6]}, user=world.township)
    assert response.status_code == 403
    assert ScreeningRun.objects.count() == 1


def test_list_and_end_a_risk_area(api_client, world):
    created = api_client.post(
        "/screening/risk-areas",
        json={"area_code": "420100", "name": "武汉市", "starts_on": "2020-01-10", "note": "国家通报"},
        user=world.province,
    )
    assert created.status_code == 201
    area = created.json()
    assert (area["area_code"], area["ends_on"]) == ("4201", None)
    ended = api_client.post(
        f"/screening/risk-areas/{area['id']}/end", json={"ends_on": "2020-04-08"}, user=world.province
    )
    assert ended.status_code == 200 and ended.json()["ends_on"] == "2020-04-08"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"area_code": "999999", "name": "无", "starts_on": "2020-01-10"}, 400, "risk_area.unknown_area"),
        (
            {"area_code": "42", "name": "湖北省", "starts_on": "2020-01-10", "ends_on": "2020-01-10"},
            400,
            "risk_area.ends_before_start",
        ),
        ({"area_code": "42", "name": "湖北省", "starts_on": "2020-13-01"}, 422, None),
        ({"area_code": "42", "name": "", "starts_on": "2020-01-10"}, 422, None),
    ],
)
def test_risk_area_bad_input(api_client, world, payload, status, code):
    response = api_client.post("/screening/risk-areas", json=payload, user=world.province)
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
    assert not RiskArea.objects.exists()


def test_risk_area_writes_are_the_province_s(api_client, world):
    response = api_client.post(
        "/screening/risk-areas",
        json={"area_code": "42", "name": "湖北省", "starts_on": "2020-01-10"},
        user=world.county,
    )
    assert response.status_code == 403
    area = RiskArea.objects.create(area_code="42", name="湖北省", starts_on=dt.date(2020, 1, 10))
    end = api_client.post(
        f"/screening/risk-areas/{area.pk}/end", json={"ends_on": "2020-03-01"}, user=world.county
    )
    assert end.status_code == 403
    before = api_client.post(
        f"/screening/risk-areas/{area.pk}/end", json={"ends_on": "2020-01-01"}, user=world.province
    )
    assert before.status_code == 400 and before.json()["code"] == "risk_area.ends_before_start"
    missing = api_client.post(
        "/screening/risk-areas/999999/end", json={"ends_on": "2020-03-01"}, user=world.province
    )
    assert missing.status_code == 404
    area.refresh_from_db()
    assert area.ends_on is None


def test_import_returns_the_job(api_client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = b"id_number,area_code,at,source\n420106198001010011,420106,2020-01-18T09:30,rail\n"
    response = api_client.post(
        "/screening/imports", FILES={"file": SimpleUploadedFile("rail.csv", csv)}, user=world.province
    )
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["id"])
    assert job.kind == "screening.travel_import" and job.input_name == "rail.csv"
    assert response.json()["url"] == f"/api/v1/jobs/{job.pk}"
    refused = api_client.post(
        "/screening/imports", FILES={"file": SimpleUploadedFile("rail.csv", csv)}, user=world.county
    )
    assert refused.status_code == 403
    empty = api_client.post(
        "/screening/imports", FILES={"file": SimpleUploadedFile("empty.csv", b"")}, user=world.province
    )
    assert empty.status_code == 400


def test_grid_worker_verifies_at_home(api_client, world):
    task = world.tasks[0]
    response = api_client.post(
        f"/screening/tasks/{task.pk}/verify",
        json={"outcome": "home_observation", "note": "无发热"},
        user=world.worker,
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["outcome"], body["note"]) == ("done", "home_observation", "无发热")
    assert body["observation_id"]
    again = api_client.post(
        f"/screening/tasks/{task.pk}/verify", json={"outcome": "false_match"}, user=world.worker
    )
    assert again.status_code == 409 and again.json()["code"] == "grid_task.done"


def test_not_found_escalates_to_the_township(api_client, world):
    task = world.tasks[0]
    escalated = api_client.post(
        f"/screening/tasks/{task.pk}/verify", json={"outcome": "not_found"}, user=world.worker
    )
    assert escalated.status_code == 200 and escalated.json()["status"] == "escalated"
    refused = api_client.post(
        f"/screening/tasks/{task.pk}/verify", json={"outcome": "false_match"}, user=world.worker
    )
    assert refused.status_code == 409
    listed = api_client.get("/screening/tasks?status=escalated", user=world.township).json()
    assert [t["id"] for t in listed["items"]] == [str(task.pk)]
    closed = api_client.post(
        f"/screening/tasks/{task.pk}/verify", json={"outcome": "left_province"}, user=world.township
    )
    assert closed.status_code == 200 and closed.json()["status"] == "done"


def test_centralised_observation_takes_a_site(api_client, world):
    task = world.tasks[1]
    response = api_client.post(
        f"/screening/tasks/{task.pk}/verify",
        json={"outcome": "centralised_observation", "site_id": world.site.pk, "room": "301"},
        user=world.township,
    )
    assert response.status_code == 200
    task.refresh_from_db()
    assert (task.observation.site_id, task.observation.room) == (world.site.pk, "301")


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"outcome": "recovered"}, 400, "grid_task.invalid_outcome"),
        ({"outcome": "centralised_observation"}, 400, "observation.site_required"),
        ({"outcome": "false_match", "note": "x" * 257}, 422, None),
        ({"outcome": "false_match", "site_id": 0}, 422, None),
    ],
)
def test_verify_refuses_bad_input(api_client, world, payload, status, code):
    task = world.tasks[0]
    response = api_client.post(f"/screening/tasks/{task.pk}/verify", json=payload, user=world.worker)
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
    task.refresh_from_db()
    assert (task.status, task.outcome, task.observation_id) == ("open", "", None)


def test_verify_outside_the_village_is_not_found(api_client, world):
    response = api_client.post(
        f"/screening/tasks/{world.tasks[1].pk}/verify", json={"outcome": "false_match"}, user=world.worker
    )
    assert response.status_code == 404
    assert response.json()["code"] == "grid_task.not_found"
    lab = api_client.post(
        f"/screening/tasks/{world.tasks[0].pk}/verify", json={"outcome": "false_match"}, user=world.lab
    )
    assert lab.status_code == 403
    assert not GridTask.objects.filter(status=TaskStatus.DONE).exists()
