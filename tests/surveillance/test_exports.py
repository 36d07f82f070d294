"""Daily reports exported as CSV (UTF-8 with BOM) and .xlsx, parsed back."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.people.services import person_register
from fangyi.surveillance import services
from fangyi.surveillance.exports import COLUMNS

D = dt.date
VILLAGE = "430102001001"
# ninja's TestClient turns a header name into a META key as written: spell it as Django's META does.
ACCEPT_LANGUAGE = "ACCEPT-LANGUAGE"
URL = "/surveillance/reports/export?region=430102&start=2020-01-22&end=2020-02-11"


@pytest.fixture(autouse=True)
def frozen_2020():
    with clock.frozen_at(dt.datetime(2020, 5, 1, 12, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102")


@pytest.fixture
def epidemic(db, new_id_number):
    for n, (day, outcome_day) in enumerate(((D(2020, 1, 23), D(2020, 2, 10)), (D(2020, 1, 24), None))):
        person = person_register(actor=None, name=f"病例{n}", id_number=new_id_number(), home_region=VILLAGE)
        case = services.case_report(
            actor=None,
            person_id=person.id,
            classification="suspected",
            report_date=day,
            residence=VILLAGE,
            reporting_unit="发热门诊",
        )
        services.case_confirm(actor=None, case_id=case.id, date=day, method="nucleic_acid")
        if outcome_day:
            services.case_record_outcome(actor=None, case_id=case.id, outcome="cured", date=outcome_day)


def english_headers() -> list[str]:
    with translation.override("en"):
        return ["Region code", "Region"] + [str(c.header) for c in COLUMNS]


def test_csv_has_a_bom_and_parses_back(api_client, official, epidemic):
    response = api_client.get(URL + "&format=csv", user=official, headers={ACCEPT_LANGUAGE: "en"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="fangyi-reports-430102-20200122-20200211.csv"'
    )
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == english_headers()
    assert len(rows) == 1 + 21
    by_date = {row[2]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_date["2020-01-22"]["Confirmed, cumulative"] == "0"
    assert by_date["2020-01-22"]["Cure rate"] == ""
    assert by_date["2020-01-24"]["New confirmed"] == "1"
    assert by_date["2020-02-10"]["Cure rate"] == "0.5"
    assert by_date["2020-02-11"]["Days since the last new confirmed case"] == "18"
    assert {row[0] for row in rows[1:]} == {"430102"} and {row[1] for row in rows[1:]} == {"芙蓉区"}


def test_headers_are_chinese_for_a_chinese_request(api_client, official, epidemic):
    for headers in ({ACCEPT_LANGUAGE: "zh-Hans"}, {ACCEPT_LANGUAGE: "zh-CN,zh;q=0.9"}, {}):
        response = api_client.get(URL, user=official, headers=headers)
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][0] == "区划代码"
        with translation.override("zh-hans"):
            assert rows[0][2:] == [str(c.header) for c in COLUMNS]


def test_xlsx_parses_back(api_client, official, epidemic):
    response = api_client.get(URL + "&format=xlsx", user=official, headers={ACCEPT_LANGUAGE: "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = book.worksheets[0]
    assert sheet.title == "430102"
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == english_headers()
    assert len(rows) == 22
    record = dict(zip(rows[0], rows[20], strict=True))  # 2020-02-10
    assert record["Date"].date() == D(2020, 2, 10)
    assert (record["Cured, cumulative"], record["Cure rate"], record["Case fatality"]) == (1, 0.5, 0)
    assert record["Last new confirmed case"].date() == D(2020, 1, 24)


def test_an_empty_region_exports_headers_only(api_client, official, db):
    response = api_client.get("/surveillance/reports/export?region=430102&format=xlsx", user=official)
    assert response.status_code == 200
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert len(rows) == 1 and rows[0][0] == "区划代码"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("region=430102&format=pdf", 422, "validation_error"),
        ("region=430102&start=2020-02-01&end=2020-01-01", 400, "report.dates_out_of_order"),
        ("region=430102&end=2020-06-01", 400, "report.date_in_future"),
        ("region=430103", 404, "region.not_found"),
    ],
)
def test_bad_exports(api_client, official, query, status, code):
    response = api_client.get(f"/surveillance/reports/export?{query}", user=official)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_export_needs_the_capability(api_client, make_user):
    response = api_client.get(URL, user=make_user(Role.GRID_WORKER, "430102"))
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
