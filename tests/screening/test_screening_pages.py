"""Screening pages: runs with their progress, risk areas, the import, the grid worker's tasks and
verification progress; each for the right roles only."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.screening.finished_runs import NEIGHBOUR_VILLAGE, NOW, build_world, make_run

from fangyi.core import clock
from fangyi.core.models import Job
from fangyi.screening.choices import RunStatus, TaskStatus
from fangyi.screening.models import RiskArea, ScreeningRun


@pytest.fixture
def world(db, make_user, new_id_number):
    with clock.frozen_at(NOW):
        yield build_world(make_user, new_id_number)


@pytest.fixture
def browse(client):
    """The pages in English, whose strings the assertions quote (Chinese is the default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def as_user(user):
        client.force_login(user)
        return client

    return as_user


# Runs --------------------------------------------------------------------------------------------


def test_run_list_with_the_start_form(browse, world):
    page = browse(world.county).get(reverse("screening:run_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="run-start"' in html and 'value="430102"' in html
    assert reverse("screening:run_detail", args=[world.run.pk]) in html


def test_run_list_empty_state_and_no_start_form_for_the_township(browse, world):
    world.run.tasks.all().delete()
    world.run.delete()
    page = browse(world.township).get(reverse("screening:run_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="run-start"' not in html
    assert "No screening run covers your jurisdiction yet." in html


def test_run_pages_refuse_outsiders(browse, world):
    assert browse(world.lab).get(reverse("screening:run_list")).status_code == 403
    county_run = make_run(region="430102")
    assert (
        browse(world.outsider).get(reverse("screening:run_detail", args=[county_run.pk])).status_code == 404
    )


def test_start_a_run_from_the_page(browse, world):
    data = {"region": "430102", "as_of": "2020-02-01", "lookback_days": "14", "backend": "duckdb"}
    response = browse(world.county).post(reverse("screening:run_start"), data)
    run = ScreeningRun.objects.exclude(pk=world.run.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("screening:run_detail", args=[run.pk])


def test_start_form_shows_refusals_next_to_the_field(browse, world):
    data = {"region": "430102001", "as_of": "2020-02-01", "lookback_days": "14", "backend": "duckdb"}
    response = browse(world.county).post(reverse("screening:run_start"), data)
    assert response.status_code == 400
    assert "Screen a province, a prefecture or a county." in response.content.decode()
    assert browse(world.township).post(reverse("screening:run_start"), data).status_code == 403
    assert ScreeningRun.objects.count() == 1


def test_run_detail_shows_parameters_tallies_and_hits(browse, world):
    page = browse(world.county).get(reverse("screening:run_detail", args=[world.run.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "hx-trigger" not in html  # finished: no polling
    assert "芙蓉区" in html and "天心区" not in html  # tallies of the jurisdiction only
    assert "张*" in html and "王*" in html and "李*" not in html
    assert "武昌区" in html
    assert world.people[0].id_number_masked in html


def test_running_run_polls_its_progress_partial(browse, world):
    running = make_run(region="430102", status=RunStatus.RUNNING, done=2, total=5)
    url = reverse("screening:run_detail", args=[running.pk])
    page = browse(world.county).get(url)
    assert 'hx-trigger="every 1s"' in page.content.decode()
    partial = browse(world.county).get(url, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="run"')
    assert 'value="40"' in html
    Job.objects.filter(pk=running.job_id).update(status="succeeded")
    ScreeningRun.objects.filter(pk=running.pk).update(status=RunStatus.SUCCEEDED)
    finished = browse(world.county).get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in finished


# Risk areas --------------------------------------------------------------------------------------


def test_risk_areas_for_the_province(browse, world):
    client = browse(world.province)
    page = client.get(reverse("screening:risk_area_list"))
    assert page.status_code == 200 and 'id="risk-area-add"' in page.content.decode()
    assert "No risk area is listed." in page.content.decode()
    added = client.post(
        reverse("screening:risk_area_create"),
        {"area_code": "420100", "name": "武汉市", "starts_on": "2020-01-10"},
    )
    assert added.status_code == 302
    area = RiskArea.objects.get()
    bad_end = client.post(reverse("screening:risk_area_end", args=[area.pk]), {"ends_on": "2020-01-01"})
    assert bad_end.status_code == 400
    assert "The end must be after the start" in bad_end.content.decode()
    ended = client.post(reverse("screening:risk_area_end", args=[area.pk]), {"ends_on": "2020-04-08"})
    assert ended.status_code == 302
    area.refresh_from_db()
    assert area.ends_on == dt.date(2020, 4, 8)


def test_risk_area_form_errors(browse, world):
    response = browse(world.province).post(
        reverse("screening:risk_area_create"),
        {"area_code": "999999", "name": "无", "starts_on": "2020-01-10"},
    )
    assert response.status_code == 400
    assert "is not a known area code" in response.content.decode()
    assert not RiskArea.objects.exists()


def test_risk_areas_read_only_for_a_county(browse, world):
    RiskArea.objects.create(area_code="42", name="湖北省", starts_on=dt.date(2020, 1, 10))
    page = browse(world.county).get(reverse("screening:risk_area_list"))
    html = page.content.decode()
    assert page.status_code == 200 and "湖北省" in html
    assert 'id="risk-area-add"' not in html and 'name="ends_on"' not in html
    assert browse(world.worker).get(reverse("screening:risk_area_list")).status_code == 403


# Import ------------------------------------------------------------------------------------------


def test_import_upload_and_job_page(browse, world):
    client = browse(world.province)
    assert client.get(reverse("screening:import")).status_code == 200
    csv = b"id_number,area_code,at,source\n420106198001010011,420106,2020-01-18T09:30,rail\n"
    response = client.post(reverse("screening:import"), {"file": SimpleUploadedFile("rail.csv", csv)})
    job = Job.objects.get(kind="screening.travel_import")
    assert response.status_code == 302
    assert response["Location"] == reverse("screening:import_job", args=[job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'hx-trigger="every 1s"' in page.content.decode()
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="job-status"')
    assert browse(world.county).get(reverse("screening:import")).status_code == 403


# Tasks -------------------------------------------------------------------------------------------


def test_grid_worker_task_list(browse, world):
    page = browse(world.worker).get(reverse("screening:task_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "张伟" in html and "王芳" not in html
    assert "138****5678" in html and "13812345678" not in html
    assert world.people[0].id_number_masked in html
    assert "武昌区" in html
    assert "Not found by the grid worker" not in html


def test_task_list_filters_and_empty_state(browse, world):
    client = browse(world.county)
    overdue = client.get(reverse("screening:task_list"), {"overdue": "on"}).content.decode()
    assert "王芳" in overdue and "张伟" not in overdue and "Overdue" in overdue
    done = client.get(reverse("screening:task_list"), {"status": "done"}).content.decode()
    assert "No task matches this search." in done
    bad = client.get(reverse("screening:task_list"), {"region": "12345"})
    assert bad.status_code == 400
    assert browse(world.lab).get(reverse("screening:task_list")).status_code == 403


def test_township_sees_escalated_tasks_on_top(browse, world):
    task = world.tasks[1]
    task.status, task.outcome, task.escalated_at = TaskStatus.ESCALATED, "not_found", task.created_at
    task.save()
    html = browse(world.township).get(reverse("screening:task_list")).content.decode()
    assert "Not found by the grid worker: escalated to you" in html
    assert html.count(f'id="task-{task.pk}"') == 1  # in the escalated section, not among the open ones


def test_verify_from_the_task_page(browse, world):
    task = world.tasks[0]
    client = browse(world.worker)
    page = client.get(reverse("screening:task_detail", args=[task.pk]))
    assert page.status_code == 200 and 'id="verify"' in page.content.decode()
    assert "芙蓉宾馆" in page.content.decode()
    refused = client.post(
        reverse("screening:task_verify", args=[task.pk]), {"outcome": "centralised_observation"}
    )
    assert refused.status_code == 400
    assert "Centralised observation needs a site." in refused.content.decode()
    response = client.post(
        reverse("screening:task_verify", args=[task.pk]),
        {"outcome": "centralised_observation", "site": world.site.pk, "room": "302"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.observation.room) == (TaskStatus.DONE, "302")
    again = client.post(reverse("screening:task_verify", args=[task.pk]), {"outcome": "false_match"})
    assert again.status_code == 409


def test_verify_refuses_an_invalid_outcome_and_outsiders(browse, world):
    task = world.tasks[0]
    bad = browse(world.worker).post(
        reverse("screening:task_verify", args=[task.pk]), {"outcome": "recovered"}
    )
    assert bad.status_code == 400
    other = browse(world.worker).get(reverse("screening:task_detail", args=[world.tasks[1].pk]))
    assert other.status_code == 404
    outsider = browse(world.outsider).post(
        reverse("screening:task_verify", args=[task.pk]), {"outcome": "false_match"}
    )
    assert outsider.status_code == 404
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_escalated_task_is_closed_by_the_township_not_the_worker(browse, world):
    task = world.tasks[0]
    browse(world.worker).post(reverse("screening:task_verify", args=[task.pk]), {"outcome": "not_found"})
    task.refresh_from_db()
    assert task.status == TaskStatus.ESCALATED
    worker_page = browse(world.worker).get(reverse("screening:task_detail", args=[task.pk])).content.decode()
    assert 'id="verify"' not in worker_page
    assert (
        browse(world.worker)
        .post(reverse("screening:task_verify", args=[task.pk]), {"outcome": "false_match"})
        .status_code
        == 403
    )
    township_page = (
        browse(world.township).get(reverse("screening:task_detail", args=[task.pk])).content.decode()
    )
    assert 'id="verify"' in township_page and 'value="not_found"' not in township_page


# Progress ----------------------------------------------------------------------------------------


def test_progress_page(browse, world):
    page = browse(world.county).get(reverse("screening:progress"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "芙蓉区" in html and 'href="?region=430102001"' in html and "0%" in html
    village = browse(world.county).get(reverse("screening:progress"), {"region": NEIGHBOUR_VILLAGE[:9]})
    assert village.status_code == 200
    assert browse(world.county).get(reverse("screening:progress"), {"region": "430103"}).status_code == 404
    assert browse(world.county).get(reverse("screening:progress"), {"region": "43x"}).status_code == 400
    assert browse(world.lab).get(reverse("screening:progress")).status_code == 403


def test_progress_empty_state(browse, world):
    html = browse(world.outsider).get(reverse("screening:progress"), {"region": "430103002"}).content.decode()
    assert "芙蓉区" not in html
    world.tasks[2].delete()
    html = browse(world.outsider).get(reverse("screening:progress")).content.decode()
    assert "No door-to-door task in this region yet." in html


def test_pages_of_a_run_the_engine_made(
    browse, county, grid_worker, hubei, grid, resident_factory, django_capture_on_commit_callbacks
):
    """A run started and executed for real: its page, the tallies down to the grid, the task card."""
    from tests.screening.conftest import TODAY, csv_bytes, record

    from fangyi.screening.imports import rows_from_upload
    from fangyi.screening.services import screening_run_start, travel_import

    seen = resident_factory(grid=grid, name="赵敏")
    rows = [record(seen.plain_id_number, "420106", "2020-01-18 08:00")]
    travel_import(actor=None, rows=rows_from_upload(name="r.csv", content=csv_bytes(rows)))
    with django_capture_on_commit_callbacks(execute=True):
        run = screening_run_start(actor=county, region="430102", as_of=TODAY)
    html = browse(county).get(reverse("screening:run_detail", args=[run.pk])).content.decode()
    assert "hx-trigger" not in html and "湖北省" in html  # finished; the risk area it used
    assert "一网格" in html and "赵*" in html and "武昌区" in html
    cards = browse(grid_worker).get(reverse("screening:task_list")).content.decode()
    assert "赵敏" in cards and "武昌区 · 2020-01-18 08:00" in cards
