"""The testing API: visits, samples, pools, shipping, receipt, results, the summary, re-tests,
laboratories and the result upload; scoping and stable error codes."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.labs import services
from fangyi.labs.models import Laboratory, Sample
from fangyi.people.services import person_register
from fangyi.regions.models import Place

BASE = "/labs"
VILLAGE = "430102001001"


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(dt.datetime(2020, 2, 1, 2, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def site(db, make_user, new_id_number):
    return {
        "clinic": Place.objects.create(name="发热门诊", kind="fever_clinic", region_id=VILLAGE),
        "lab": Laboratory.objects.create(
            place=Place.objects.create(name="芙蓉实验室", kind="lab", region_id=VILLAGE), daily_capacity=300
        ),
        "bare_lab": Place.objects.create(name="新实验室", kind="lab", region_id=VILLAGE),
        "person": person_register(
            actor=None, name="赵某", id_number=new_id_number("430102"), home_region=VILLAGE
        ),
        "nurse": make_user(Role.CLINIC_STAFF, "430102"),
        "tech": make_user(Role.LAB_STAFF, "430102"),
        "official": make_user(Role.COUNTY_OFFICIAL, "430102"),
        "stranger": make_user(Role.LAB_STAFF, "430103"),
    }


@pytest.fixture
def call(api_client):
    def request(method, path, user, **kwargs):
        return api_client.request(method, BASE + path, user=user, **kwargs)

    return request


def test_a_sample_from_triage_to_a_positive_result(site, call):
    nurse, tech = site["nurse"], site["tech"]
    visit = call(
        "POST",
        "/visits",
        nurse,
        json={
            "clinic_id": site["clinic"].pk,
            "person_id": str(site["person"].pk),
            "temperature": "38.4",
            "symptoms": ["cough"],
            "exposures": ["contact_case"],
            "code_colour": "green",
        },
    )
    assert visit.status_code == 201, visit.json()
    assert visit.json()["decision"] == "sample_isolate" and visit.json()["reason_labels"]
    assert call("GET", f"/visits/{visit.json()['id']}", nurse).status_code == 200
    body = {"place_id": site["clinic"].pk, "person_id": str(site["person"].pk), "barcode": "fy-100001"}
    assert call("POST", "/samples", nurse, json={**body, "visit_id": visit.json()["id"]}).status_code == 201
    reused = call("POST", "/samples", nurse, json=body)
    assert reused.status_code == 409 and reused.json()["code"] == "sample.barcode_reused"
    early = call("POST", "/samples/FY-100001/result", tech, json={"result": "negative", "operator": "王"})
    assert early.status_code == 409 and early.json()["code"] == "sample.not_received"
    batch = {"lab_id": site["lab"].pk, "barcodes": ["FY-100001"]}
    assert call("POST", "/samples/ship", nurse, json=batch).json() == {"count": 1}
    assert call("POST", "/samples/receive", tech, json=batch).json() == {"count": 1}
    bad_ct = call(
        "POST",
        "/samples/FY-100001/result",
        tech,
        json={"result": "positive", "operator": "王", "ct_value": "2"},
    )
    assert bad_ct.status_code == 400 and bad_ct.json()["code"] == "sample.invalid_ct"
    done = call(
        "POST",
        "/samples/FY-100001/result",
        tech,
        json={"result": "positive", "operator": "王", "ct_value": "25.5"},
    )
    assert done.status_code == 200 and done.json()["status"] == "reported" and done.json()["ct_value"] == 25.5
    assert call("GET", "/samples?status=reported", site["official"]).json()["count"] == 1
    assert call("GET", "/samples/FY-100001", site["stranger"]).status_code == 404


def test_pools_and_retests(site, call, new_id_number):
    nurse, tech = site["nurse"], site["tech"]
    barcodes = []
    for n in range(2):
        person = person_register(
            actor=None, name=f"钱{n}", id_number=new_id_number("430102"), home_region=VILLAGE
        )
        barcode = f"M-00000{n}"
        call(
            "POST",
            "/samples",
            nurse,
            json={"place_id": site["clinic"].pk, "person_id": str(person.pk), "barcode": barcode},
        )
        barcodes.append(barcode)
    pool = {"place_id": site["clinic"].pk, "barcode": "P-000001", "size": 5}
    wrong = call("POST", "/pools", nurse, json={**pool, "size": 4, "member_barcodes": barcodes})
    assert wrong.status_code == 400 and wrong.json()["code"] == "pool.invalid_size"
    assert call("POST", "/pools", nurse, json={**pool, "member_barcodes": barcodes}).status_code == 201
    batch = {"lab_id": site["lab"].pk, "barcodes": ["P-000001"]}
    call("POST", "/samples/ship", nurse, json=batch)
    call("POST", "/samples/receive", tech, json=batch)
    call(
        "POST",
        "/samples/P-000001/result",
        tech,
        json={"result": "positive", "operator": "王", "ct_value": "31"},
    )
    retests = call("GET", "/retests", nurse).json()
    assert retests["count"] == 2 and {item["pooled_barcode"] for item in retests["items"]} == set(barcodes)


def test_the_summary(site, call):
    response = call("GET", "/summary?region=430102&date=2020-02-01", site["official"])
    assert response.status_code == 200
    body = response.json()
    for key in ("samples_total", "positive_rate", "median_turnaround_hours", "reported_same_day_rate"):
        assert key in body
    assert body["daily_capacity"] == 300
    bad = call("GET", "/summary?region=43x1", site["official"])
    assert bad.status_code in (400, 404) and bad.json()["code"] == "region.invalid_code"
    unknown = call("GET", "/summary?region=439999", site["official"])
    assert unknown.status_code == 404 and unknown.json()["code"] == "region.not_found"
    assert call("GET", "/summary?region=430102", site["stranger"]).status_code == 404
    resident = site["official"].__class__.objects.create_user(username="nobody", password="x")
    assert call("GET", "/summary?region=430102", resident).status_code == 403
    days = call("GET", "/positivity?region=430102&start=2020-01-30&end=2020-02-01", site["official"])
    assert days.status_code == 200 and len(days.json()) == 3


def test_laboratories_and_capacity(site, call):
    listed = call("GET", "/laboratories", site["official"]).json()
    assert {(lab["name"], lab["daily_capacity"]) for lab in listed} == {
        ("芙蓉实验室", 300),
        ("新实验室", None),
    }
    put = call("PUT", f"/laboratories/{site['bare_lab'].pk}", site["official"], json={"daily_capacity": 120})
    assert put.status_code == 200 and put.json()["daily_capacity"] == 120
    clinic = call("PUT", f"/laboratories/{site['clinic'].pk}", site["official"], json={"daily_capacity": 1})
    assert clinic.status_code == 400 and clinic.json()["code"] == "laboratory.not_a_lab"
    assert (
        call(
            "PUT", f"/laboratories/{site['bare_lab'].pk}", site["nurse"], json={"daily_capacity": 1}
        ).status_code
        == 403
    )


def test_the_result_upload_returns_a_job(site, call):
    Sample.objects.create(
        barcode="FY-200001",
        kind="individual",
        person=site["person"],
        collection_place=site["clinic"],
        county_id="430102",
        status="received",
        lab=site["lab"],
        received_at=clock.now(),
    )
    content = "barcode,result,ct_value,operator\nFY-200001,negative,,王\nFY-200002,negative,,王\n".encode()
    response = call(
        "POST",
        "/results/import",
        site["tech"],
        data={"lab_id": str(site["lab"].pk), "dry_run": "false"},
        FILES={"file": SimpleUploadedFile("r.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 202, response.json()
    job = services.results_import_run(job_id=response.json()["id"])
    assert [(e["line"], e["code"]) for e in job.result["errors"]] == [(3, "sample.not_found")]
    assert Sample.objects.get(barcode="FY-200001").status == "reported"
    stranger = call(
        "POST",
        "/results/import",
        site["stranger"],
        data={"lab_id": str(site["lab"].pk)},
        FILES={"file": SimpleUploadedFile("r.csv", content, content_type="text/csv")},
    )
    assert stranger.status_code == 404 and stranger.json()["code"] == "laboratory.not_found"
    # A laboratory id beyond any row is a validation error, not an integer overflow in the database.
    huge = call(
        "POST",
        "/results/import",
        site["tech"],
        data={"lab_id": str(2**63)},
        FILES={"file": SimpleUploadedFile("r.csv", content, content_type="text/csv")},
    )
    assert huge.status_code == 422 and huge.json()["code"] == "validation_error"
