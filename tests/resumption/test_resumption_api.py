import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from tests.resumption.conftest import COUNTY, OTHER_COUNTY, make_credit_code

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.models import AuditEvent, JobStatus
from fangyi.resumption import services
from fangyi.resumption.choices import PlanItem
from fangyi.resumption.models import Enterprise, LiaisonVisit

HEADER = "credit_code,name,industry,region,large_scale,key_project,park,workforce,address"


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_register_and_read(api_client, official, credit_code):
    code = credit_code()
    body = {
        "credit_code": code,
        "name": "长沙精密",
        "industry": "manufacturing",
        "region": COUNTY,
        "workforce": 80,
    }
    response = api_client.post("/resumption/enterprises", json=body, user=official)
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["credit_code"], created["status"], created["region"]) == (code, "not_resumed", COUNTY)
    again = api_client.post("/resumption/enterprises", json=body, user=official)
    assert (again.status_code, again.json()["code"]) == (409, "enterprise.duplicate")
    wrong = api_client.post(
        "/resumption/enterprises", json=body | {"credit_code": code[:-1] + "I"}, user=official
    )
    assert (wrong.status_code, wrong.json()["code"], wrong.json()["field"]) == (
        400,
        "credit_code.format",
        "credit_code",
    )
    listed = api_client.get("/resumption/enterprises?industry=manufacturing&limit=5", user=official).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == created["id"]
    patched = api_client.patch(
        f"/resumption/enterprises/{created['id']}", json={"workforce": 90}, user=official
    )
    assert patched.status_code == 200 and patched.json()["workforce"] == 90
    assert (
        api_client.get(f"/resumption/enterprises/{created['id']}", user=official).json()["name"] == "长沙精密"
    )
    assert api_client.get(f"/resumption/enterprises/{created['id']}").status_code == 401
    assert api_client.get("/resumption/enterprises/99999999999", user=official).status_code in (404, 422)
    assert api_client.get("/resumption/enterprises?q=a%00b", user=official).status_code == 422


def test_liaison_flow_through_the_api(api_client, official, liaison, employer, enterprise, make_enterprise):
    response = api_client.post(
        "/resumption/liaisons", json={"liaison_id": liaison.pk, "enterprise_id": enterprise.pk}, user=official
    )
    assert response.status_code == 201, response.json()
    other = make_enterprise()
    refused = api_client.post(f"/resumption/enterprises/{other.pk}/visits", json={"notes": "x"}, user=liaison)
    assert (refused.status_code, refused.json()["code"]) == (403, "liaison.not_assigned")
    assert not LiaisonVisit.objects.exists()
    visit = api_client.post(
        f"/resumption/enterprises/{enterprise.pk}/visits", json={"notes": "巡查"}, user=liaison
    )
    assert visit.status_code == 201
    plan = api_client.put(
        f"/resumption/enterprises/{enterprise.pk}/plan", json={"items": list(PlanItem.values)}, user=employer
    )
    assert plan.status_code == 200 and plan.json()["checked"] is False
    checked = api_client.post(f"/resumption/enterprises/{enterprise.pk}/plan/check", user=liaison)
    assert checked.status_code == 200 and checked.json()["checked"] is True
    application = api_client.post(
        f"/resumption/enterprises/{enterprise.pk}/applications",
        json={"planned_date": str(clock.today()), "workforce_planned": 100},
        user=employer,
    )
    assert application.status_code == 201, application.json()
    waiting = api_client.get("/resumption/applications?status=submitted", user=official).json()
    assert waiting["count"] == 1
    refuse = api_client.post(
        f"/resumption/applications/{application.json()['id']}/decide", json={"approve": False}, user=official
    )
    assert (refuse.status_code, refuse.json()["code"]) == (400, "application.reason_required")
    approve = api_client.post(
        f"/resumption/applications/{application.json()['id']}/decide", json={"approve": True}, user=official
    )
    assert approve.json()["status"] == "approved"
    day = api_client.post(
        f"/resumption/enterprises/{enterprise.pk}/days",
        json={"date": str(clock.today()), "status": "partly", "returned": 50},
        user=employer,
    )
    assert day.status_code == 200 and day.json()["returned"] == 50
    too_many = api_client.post(
        f"/resumption/enterprises/{enterprise.pk}/days",
        json={"date": str(clock.today()), "status": "partly", "returned": 500},
        user=employer,
    )
    assert (too_many.status_code, too_many.json()["code"]) == (400, "resumption.returned_exceeds_workforce")
    end = api_client.post(f"/resumption/liaisons/{response.json()['id']}/end", user=official)
    assert end.status_code == 200 and end.json()["ended_at"]


def test_employees_and_health_reports(api_client, employer, enterprise, new_id_number, village):
    added = api_client.post(
        f"/resumption/enterprises/{enterprise.pk}/employees",
        json={"name": "张三", "id_number": new_id_number(), "home_region": village},
        user=employer,
    )
    assert added.status_code == 201, added.json()
    assert added.json()["name"] == "张*"
    today = str(clock.today())
    lines = [{"employee_id": added.json()["id"], "temperature": "37.5", "on_site": True}]
    report = api_client.post(
        f"/resumption/enterprises/{enterprise.pk}/health-reports",
        json={"date": today, "lines": lines},
        user=employer,
    )
    assert report.status_code == 201, report.json()
    assert (report.json()["fever"], report.json()["code_none"]) == (1, 1)
    twice = api_client.post(
        f"/resumption/enterprises/{enterprise.pk}/health-reports",
        json={"date": today, "lines": lines},
        user=employer,
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "health_report.duplicate")
    listed = api_client.get(f"/resumption/enterprises/{enterprise.pk}/health-reports", user=employer).json()
    assert [r["date"] for r in listed] == [today]


def test_summary_and_curve(api_client, official, enterprise, make_user):
    response = api_client.get(f"/resumption/summary?region={COUNTY}&date=2020-03-01", user=official)
    assert response.status_code == 200, response.json()
    body = response.json()
    for key in ("enterprises", "resumption_rate", "staff_return_rate", "problems_open", "problems_solved"):
        assert key in body
    assert (body["region"], body["date"], body["enterprises"], body["workforce"]) == (
        COUNTY,
        "2020-03-01",
        1,
        200,
    )
    assert body["by_industry"][0]["industry"] == "manufacturing"
    outside = api_client.get(f"/resumption/summary?region={OTHER_COUNTY}", user=official)
    assert (outside.status_code, outside.json()["code"]) == (404, "region.not_found")
    bad = api_client.get("/resumption/summary?region=abc", user=official)
    assert bad.status_code == 400
    employer = make_user(Role.EMPLOYER, COUNTY)
    assert api_client.get(f"/resumption/summary?region={COUNTY}", user=employer).status_code == 403
    curve = api_client.get(
        f"/resumption/curve?region={COUNTY}&start=2020-02-01&end=2020-03-31", user=official
    )
    assert curve.status_code == 200 and len(curve.json()) == 60


def test_parks(api_client, official):
    created = api_client.post("/resumption/parks", json={"name": "芙蓉园", "region": COUNTY}, user=official)
    assert created.status_code == 201 and created.json()["understaffed"] is True
    listed = api_client.get("/resumption/parks", user=official).json()
    assert [(p["name"], p["liaisons"]) for p in listed] == [("芙蓉园", 0)]


def _import(api_client, user, content, name="list.csv"):
    response = api_client.post(
        "/resumption/enterprises/import", FILES={"file": SimpleUploadedFile(name, content)}, user=user
    )
    return response


def test_import_writes_good_rows_and_lists_bad_ones(
    api_client, official, enterprise, django_capture_on_commit_callbacks
):
    services.park_create(actor=official, name="芙蓉园", region=COUNTY)
    good, dup_in_file = make_credit_code(), make_credit_code()
    rows = [
        f"{good},甲公司,manufacturing,{COUNTY},1,0,芙蓉园,120,解放西路",
        f"{dup_in_file},乙公司,IT,{COUNTY}001,否,是,,30,",
        f"{dup_in_file},丙公司,it,{COUNTY},0,0,,30,",
        f"{enterprise.credit_code},丁公司,it,{COUNTY},0,0,,30,",
        f"{good[:-1]}I,戊公司,it,{COUNTY},0,0,,30,",
        f"{make_credit_code()},己公司,mining,{COUNTY},0,0,,30,",
        f"{make_credit_code()},庚公司,it,{OTHER_COUNTY},0,0,,30,",
        f"{make_credit_code()},辛公司,it,{COUNTY},maybe,0,,30,",
        f"{make_credit_code()},壬公司,it,{COUNTY},0,0,无此园,30,",
        f"{make_credit_code()},癸公司,it,{COUNTY},0,0,,-5,",
    ]
    content = "\n".join([HEADER, *rows]).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _import(api_client, official, content)
    assert response.status_code == 202, response.json()
    job = api_client.get(response.json()["url"].removeprefix("/api/v1"), user=official).json()
    assert job["status"] == JobStatus.SUCCEEDED
    assert job["result"]["imported"] == 2
    assert [(e["line"], e["code"]) for e in job["result"]["errors"]] == [
        (4, "enterprise.duplicate_in_file"),
        (5, "enterprise.duplicate"),
        (6, "credit_code.format"),
        (7, "enterprise.invalid_industry"),
        (8, "region.not_found"),
        (9, "enterprise.invalid_flag"),
        (10, "park.not_found"),
        (11, "enterprise.invalid_workforce"),
    ]
    assert set(Enterprise.objects.values_list("name", flat=True)) == {enterprise.name, "甲公司", "乙公司"}
    first = Enterprise.objects.get(name="甲公司")
    assert (first.large_scale, first.park.name, first.workforce) == (True, "芙蓉园", 120)
    second = Enterprise.objects.get(name="乙公司")
    assert (second.key_project, second.region_id) == (True, COUNTY + "001")
    assert AuditEvent.objects.filter(action="enterprise.register").count() == 3


def test_import_excel_and_refusals(api_client, official, liaison, django_capture_on_commit_callbacks):
    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "企业名称", "行业", "区划代码", "规上", "职工人数"])
    sheet.append([make_credit_code(), "甲公司", "retail", int(COUNTY), "是", 12])
    buffer = io.BytesIO()
    book.save(buffer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _import(api_client, official, buffer.getvalue(), name="list.xlsx")
    job = api_client.get(response.json()["url"].removeprefix("/api/v1"), user=official).json()
    assert job["status"] == JobStatus.SUCCEEDED and job["result"]["imported"] == 1
    assert Enterprise.objects.get().large_scale is True
    assert _import(api_client, liaison, b"x").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        missing = _import(api_client, official, b"name,industry\nx,it\n")
    job = api_client.get(missing.json()["url"].removeprefix("/api/v1"), user=official).json()
    assert job["status"] == JobStatus.FAILED
    assert job["result"]["errors"][0]["code"] == "import.missing_columns"
    assert Enterprise.objects.count() == 1


def test_a_day_in_the_future_is_refused(api_client, official, enterprise):
    with clock.frozen_at(dt.datetime(2020, 2, 20, 12, tzinfo=clock.SHANGHAI)):
        future = api_client.post(
            f"/resumption/enterprises/{enterprise.pk}/days",
            json={"date": "2020-02-21", "status": "not_resumed", "returned": 0},
            user=official,
        )
    assert (future.status_code, future.json()["code"]) == (400, "resumption.date_in_future")
