"""The line-list import through the API (`POST /surveillance/imports`) and through its pages."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.models import Job, JobStatus
from fangyi.core.services import job_create
from fangyi.surveillance.choices import Classification
from fangyi.surveillance.models import Case
from fangyi.surveillance.services import CASES_IMPORT_JOB_KIND

VILLAGE = "430102001001"
ELSEWHERE = "430103002001"
HEADER = "编号,身份证号,姓名,分类,发病日期,报告日期,确诊日期,现住址代码,报告单位,临床分型,转归,转归日期"


@pytest.fixture(autouse=True)
def frozen_2020():
    """The clock in 2020; the language back to the default after the English requests."""
    with translation.override(None), clock.frozen_at(dt.datetime(2020, 3, 1, 4, tzinfo=dt.UTC)):
        yield


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Tasks run at once, on commit (which the tests capture)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102")


@pytest.fixture
def good_lines(new_id_number):
    return [
        f"L-001,{new_id_number()},张三,确诊,2020-01-18,2020-01-21,2020-01-22,{VILLAGE},省人民医院,重型,治愈,2020-02-10",
        f"L-002,{new_id_number()},李四,疑似,2020-01-25,2020-01-26,,{VILLAGE},省人民医院,,,",
    ]


def csv_bytes(lines) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def upload(content: bytes, name: str = "cases.csv"):
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# API -------------------------------------------------------------------------------------------------


def test_api_import_then_poll_the_job(
    api_client, bearer, official, good_lines, django_capture_on_commit_callbacks
):
    headers = bearer(official)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/surveillance/imports",
            data={"dry_run": "false"},
            FILES=upload(csv_bytes(good_lines)),
            headers=headers,
        )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["url"] == f"/api/v1/jobs/{body['id']}"
    job = api_client.get(f"/jobs/{body['id']}", headers=headers).json()
    assert job["kind"] == CASES_IMPORT_JOB_KIND
    assert job["status"] == "succeeded" and job["result"]["imported"] == 2 and job["percent"] == 100
    assert Case.objects.get(external_id="L-001").classification == Classification.CONFIRMED


def test_api_import_reports_every_bad_line_and_writes_nothing(
    api_client, bearer, official, good_lines, new_id_number, django_capture_on_commit_callbacks
):
    headers = bearer(official)
    lines = [
        good_lines[0],
        f"L-002,{new_id_number()},李四,确诊,2020-01-25,2020-01-26,2020-01-20,{VILLAGE},省人民医院,,,",
        f"L-003,{new_id_number()},王五,疑似,,2020-01-26,,{ELSEWHERE},省人民医院,,,",
        f"L-004,{new_id_number()},赵六,疑似,,2020-13-01,,{VILLAGE},省人民医院,,,",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/surveillance/imports", FILES=upload(csv_bytes(lines)), headers=headers)
    job = api_client.get(f"/jobs/{response.json()['id']}", headers=headers).json()
    assert job["status"] == "failed" and job["result"]["imported"] == 0
    errors = [(e["line"], e["field"], e["code"]) for e in job["result"]["errors"]]
    assert errors == [
        (3, "date", "case.dates_out_of_order"),
        (4, "", "region.not_found"),
        (5, "report_date", "import.invalid_date"),
    ]
    assert not Case.objects.exists()


def test_api_dry_run_checks_and_writes_nothing(
    api_client, bearer, official, good_lines, django_capture_on_commit_callbacks
):
    headers = bearer(official)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/surveillance/imports",
            data={"dry_run": "true"},
            FILES=upload(csv_bytes(good_lines)),
            headers=headers,
        )
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["id"])
    assert job.params == {"dry_run": True} and job.status == JobStatus.SUCCEEDED
    assert job.result["valid"] == 2 and job.result["imported"] == 0
    assert not Case.objects.exists()


def test_api_refuses_an_empty_file_at_once(api_client, bearer, official):
    response = api_client.post("/surveillance/imports", FILES=upload(b""), headers=bearer(official))
    assert response.status_code == 400 and response.json()["code"] == "import.empty"
    assert not Job.objects.exists()


def test_api_needs_cases_report(api_client, bearer, make_user, good_lines):
    response = api_client.post(
        "/surveillance/imports",
        FILES=upload(csv_bytes(good_lines)),
        headers=bearer(make_user(Role.LAB_STAFF, "430102")),
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert not Job.objects.exists()


def test_api_documents_its_errors():
    from fangyi.api import api

    operation = api.get_openapi_schema()["paths"]["/api/v1/surveillance/imports"]["post"]
    assert {"202", "400", "401", "403", "404", "409", "413", "422"} <= {
        str(code) for code in operation["responses"]
    }


# Pages ---------------------------------------------------------------------------------------------


def test_the_upload_page_explains_the_columns(official):
    html = signed_in(official).get(reverse("surveillance:case_import")).content.decode()
    assert 'id="import-columns"' in html and "现住址代码" in html and "external_id" in html
    assert 'enctype="multipart/form-data"' in html and 'name="dry_run"' in html


def test_upload_a_good_file_then_the_job_page(official, good_lines, django_capture_on_commit_callbacks):
    client = signed_in(official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("surveillance:case_import"), upload(csv_bytes(good_lines), "病例.csv"))
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("surveillance:case_import_job", args=[job.pk])
    html = client.get(response["Location"]).content.decode()
    assert "Imported 2 cases" in html and 'id="row-errors"' not in html
    assert 'hx-trigger="every 1s"' not in html and "<progress" in html
    assert Case.objects.count() == 2
    assert "病例.csv" in client.get(reverse("surveillance:case_import")).content.decode()  # a recent import


def test_upload_a_bad_file_lists_the_line_errors(official, good_lines, django_capture_on_commit_callbacks):
    lines = [good_lines[0], good_lines[0].replace("L-001", "L-009").replace("确诊", "未知")]
    client = signed_in(official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("surveillance:case_import"), upload(csv_bytes(lines)))
    html = client.get(response["Location"]).content.decode()
    assert 'id="row-errors"' in html and "import.invalid_value" in html and '<th scope="row">3</th>' in html
    assert not Case.objects.exists()


def test_a_dry_run_through_the_page(official, good_lines, django_capture_on_commit_callbacks):
    client = signed_in(official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("surveillance:case_import"), {**upload(csv_bytes(good_lines)), "dry_run": "on"}
        )
    html = client.get(response["Location"]).content.decode()
    assert "Dry run: 2 rows valid" in html and "dry run" in html
    assert not Case.objects.exists()


def test_a_refused_file_is_shown_next_to_the_file_field(official):
    response = signed_in(official).post(
        reverse("surveillance:case_import"), upload(b"foo,bar\n1,2\n", "cases.csv")
    )
    assert response.status_code == 302  # the columns are checked by the job, not at upload
    response = signed_in(official).post(reverse("surveillance:case_import"), upload(b""))
    assert response.status_code == 400 and "alert--error" in response.content.decode()


def test_a_running_job_page_polls_and_htmx_gets_the_partial(official):
    job = job_create(
        actor=official, kind=CASES_IMPORT_JOB_KIND, region_path="430102", capability="cases.view"
    )
    client = signed_in(official)
    url = reverse("surveillance:case_import_job", args=[job.pk])
    html = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in html and f'hx-get="{url}"' in html
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="job-status"')


def test_job_pages_are_scoped_and_show_only_case_imports(official, make_user):
    job = job_create(
        actor=official, kind=CASES_IMPORT_JOB_KIND, region_path="430102", capability="cases.view"
    )
    url = reverse("surveillance:case_import_job", args=[job.pk])
    assert signed_in(make_user(Role.COUNTY_OFFICIAL, "430103")).get(url).status_code == 404
    assert signed_in(make_user(Role.PREFECTURE_OFFICIAL, "4301")).get(url).status_code == 200
    people_job = job_create(
        actor=official, kind="people.import", region_path="430102", capability="people.view"
    )
    other_kind = reverse("surveillance:case_import_job", args=[people_job.pk])
    assert signed_in(official).get(other_kind).status_code == 404


def test_the_import_page_needs_cases_report(make_user):
    assert (
        signed_in(make_user(Role.LAB_STAFF, "430102")).get(reverse("surveillance:case_import")).status_code
        == 403
    )
