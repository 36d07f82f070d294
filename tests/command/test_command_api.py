import base64
import datetime as dt

import pytest
from django.utils import translation
from tests.command.conftest import COUNTY, NOW, OTHER_COUNTY, TOWNSHIP, VILLAGE

from fangyi.command.models import Attachment, Directive, Sitrep, Target
from fangyi.core.models import AuditEvent
from fangyi.surveillance.models import ResponseLevelPeriod

pytestmark = pytest.mark.django_db
BASE = "/command"
DAY = NOW.date()


@pytest.fixture
def call(api_client, now):
    def request(method: str, path: str, user, **kwargs):
        return api_client.request(method, BASE + path, user=user, **kwargs)

    return request


def refused(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.json()
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    return body


def counts():
    return (
        Directive.objects.count(),
        Target.objects.count(),
        Attachment.objects.count(),
        Sitrep.objects.count(),
        AuditEvent.objects.count(),
    )


def _directive(**fields):
    return {
        "issuer": COUNTY,
        "title": "封闭管理",
        "body": "各村（社区）实行封闭管理。",
        "targets": [TOWNSHIP],
        "deadline": (NOW + dt.timedelta(days=2)).isoformat(),
        **fields,
    }


def _file(name="通知.txt", content=b"hello"):
    return {"name": name, "content_type": "text/plain", "content": base64.b64encode(content).decode()}


def test_issue_then_read_inbox_sent_detail_and_board(call, county, township):
    response = call("POST", "/directives", county, json=_directive(attachments=[_file()]))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["issuer_code"], body["status"], body["overdue"]) == ("430102", "active", False)
    assert body["targets"] == Target.objects.count()
    assert [(a["name"], a["size"]) for a in body["attachments"]] == [("通知.txt", 5)]

    sent = call("GET", "/directives?box=sent", county).json()
    assert sent["count"] == 1 and sent["items"][0]["id"] == body["id"]

    inbox = call("GET", "/directives", township).json()
    assert inbox["count"] == 1
    item = inbox["items"][0]
    assert (item["title"], item["target"]["region_code"], item["target"]["status"]) == (
        "封闭管理",
        TOWNSHIP,
        "pending",
    )
    assert call("GET", "/directives", county).json()["count"] == 0

    assert call("GET", f"/directives/{body['id']}", township).json()["body"] == "各村（社区）实行封闭管理。"
    board = call("GET", f"/directives/{body['id']}/board", county).json()
    assert [row["region"] for row in board] == [TOWNSHIP]
    assert board[0]["pending"] == board[0]["targets"]
    by_village = call("GET", f"/directives/{body['id']}/board?region={TOWNSHIP}", county).json()
    assert VILLAGE in {row["region"] for row in by_village}


def test_a_region_acknowledges_reports_and_completes(call, county, township):
    directive = call("POST", "/directives", county, json=_directive()).json()
    target = Target.objects.get(directive_id=directive["id"], region_id=TOWNSHIP)
    path = f"/targets/{target.pk}"
    assert call("POST", f"{path}/acknowledge", township).json()["status"] == "acknowledged"
    body = call(
        "POST",
        f"{path}/report",
        township,
        json={"progress": 30, "note": "进行中", "evidence": _file("照片.jpg")},
    ).json()
    assert (body["status"], body["progress"], body["note"]) == ("in_progress", 30, "进行中")
    assert [e["name"] for e in body["evidence"]] == ["照片.jpg"]
    refused(call("POST", f"{path}/report", township, json={"progress": 20}), 409, "target.progress_down")
    refused(call("POST", f"{path}/report", township, json={"progress": 101}), 400, "target.progress_invalid")
    body = call("POST", f"{path}/complete", township, json={"note": "完成"}).json()
    assert (body["status"], body["progress"]) == ("completed", 100)
    refused(call("POST", f"{path}/acknowledge", township), 409, "target.completed")


def test_acknowledging_a_directive_not_addressed_to_you(call, county, other_county, township):
    directive = call("POST", "/directives", county, json=_directive()).json()
    village = Target.objects.get(directive_id=directive["id"], region_id=VILLAGE)
    before = counts()
    refused(
        call("POST", f"/targets/{village.pk}/acknowledge", township), 403, "directive.not_addressed_to_you"
    )
    refused(call("POST", f"/targets/{village.pk}/acknowledge", other_county), 404, "target.not_found")
    refused(
        call("POST", f"/targets/{village.pk}/report", county, json={"progress": 5, "evidence": _file()}),
        403,
        "directive.not_addressed_to_you",
    )
    assert counts() == before
    village.refresh_from_db()
    assert village.status == "pending"


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"deadline": (NOW - dt.timedelta(hours=1)).isoformat()}, 400, "directive.deadline_past"),
        ({"targets": [OTHER_COUNTY]}, 400, "directive.target_not_below"),
        ({"targets": ["430102999"]}, 400, "directive.unknown_region"),
        ({"targets": [TOWNSHIP], "issuer": "4301"}, 404, "region.not_found"),
        ({"attachments": [_file("big.bin", b"x" * (5 * 1024 * 1024 + 1))]}, 400, "attachment.too_large"),
        ({"down_to": "street"}, 422, None),
        ({"attachments": [{"name": "a", "content": "not base64!"}]}, 422, None),
    ],
)
def test_bad_directives_are_refused_with_nothing_written(call, county, fields, status, code):
    before = counts()
    refused(call("POST", "/directives", county, json=_directive(**fields)), status, code)
    assert counts() == before


def test_withdraw_by_the_issuing_level_only(call, county, prefecture, township):
    directive = call("POST", "/directives", county, json=_directive()).json()
    refused(
        call("POST", f"/directives/{directive['id']}/withdraw", prefecture), 403, "directive.not_your_level"
    )
    refused(call("POST", f"/directives/{directive['id']}/withdraw", township), 404, "directive.not_found")
    assert call("POST", f"/directives/{directive['id']}/withdraw", county).json()["status"] == "withdrawn"
    assert call("GET", "/directives", township).json()["count"] == 0


def test_directives_are_scoped(call, county, other_county, grid_worker):
    directive = call("POST", "/directives", county, json=_directive()).json()
    refused(call("GET", f"/directives/{directive['id']}", other_county), 404, "directive.not_found")
    refused(call("GET", f"/directives/{directive['id']}/board", other_county), 404)
    refused(call("GET", "/directives/not-a-uuid", county), 422)
    assert call("GET", "/directives", grid_worker).json()["count"] == 1
    refused(call("POST", "/directives", grid_worker, json=_directive(issuer=VILLAGE, targets=[VILLAGE])), 403)
    assert call("GET", "/directives", None).status_code == 401


def test_sitreps_generate_list_read_and_pdf(call, county, other_county):
    response = call("POST", "/sitreps", county, json={"region": COUNTY, "date": DAY.isoformat()})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["region_code"], body["date"]) == (COUNTY, DAY.isoformat())
    assert [s["key"] for s in body["sections"]][:3] == ["cases", "risk", "response"]
    assert call("POST", "/sitreps", county, json={"region": COUNTY}).status_code == 201  # today, replaced
    assert Sitrep.objects.count() == 1

    listed = call("GET", "/sitreps", county).json()
    assert listed["count"] == 1
    assert listed["items"][0]["pdf_url"] == f"/api/v1/command/sitreps/{COUNTY}/{DAY}/pdf"
    assert call("GET", f"/sitreps?region={COUNTY}", county).json()["count"] == 1
    assert call("GET", "/sitreps", other_county).json()["count"] == 0
    refused(call("GET", f"/sitreps?region={COUNTY}", other_county), 404)

    with translation.override("en"):
        detail = call("GET", f"/sitreps/{COUNTY}/{DAY}", county).json()
    assert detail["sections"][0]["title"] == "Cases"
    pdf = call("GET", f"/sitreps/{COUNTY}/{DAY}/pdf", county)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    refused(call("GET", f"/sitreps/{COUNTY}/{DAY}", other_county), 404, "sitrep.not_found")
    refused(call("GET", f"/sitreps/{COUNTY}/2020-02-31", county), 404, "sitrep.not_found")


def test_bad_sitrep_requests(call, county, grid_worker):
    before = counts()
    tomorrow = (DAY + dt.timedelta(days=1)).isoformat()
    refused(
        call("POST", "/sitreps", county, json={"region": COUNTY, "date": tomorrow}),
        400,
        "sitrep.date_in_future",
    )
    refused(call("POST", "/sitreps", county, json={"region": TOWNSHIP}), 400, "sitrep.invalid_region")
    refused(call("POST", "/sitreps", county, json={"region": OTHER_COUNTY}), 404, "region.not_found")
    refused(call("POST", "/sitreps", grid_worker, json={"region": COUNTY}), 403)
    assert counts() == before


def test_response_levels(call, county):
    ResponseLevelPeriod.objects.create(level="I", start_date=dt.date(2020, 1, 23))
    ResponseLevelPeriod.objects.create(level="II", start_date=dt.date(2020, 3, 10))
    body = call("GET", "/response-levels", county).json()
    assert [(p["level"], p["end_date"]) for p in body] == [("I", "2020-03-09"), ("II", None)]
