"""The epidemic dashboard pages and their CSV downloads: figures, scoping, errors, tables."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.people.services import person_register
from fangyi.regions.models import Region
from fangyi.surveillance import charts, services
from fangyi.surveillance.choices import Classification, Origin, Outcome, RiskLevel
from fangyi.surveillance.models import CountyRiskLevel, RiskRuleSet
from fangyi.surveillance.selectors import epicurve_by_onset, report_on, report_series

pytestmark = pytest.mark.django_db

D = dt.date
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
FURONG, TIANXIN, HETANG = (
    "430102001001",
    "430103002001",
    "430202001001",
)  # 芙蓉区, 天心区 (长沙), 荷塘区 (株洲)


@pytest.fixture(autouse=True)
def frozen_2020():
    with clock.frozen_at(dt.datetime(2020, 3, 1, 4, tzinfo=dt.UTC)):
        yield


def confirmed(
    new_id_number,
    home: str,
    day: dt.date,
    *,
    onset: dt.date | None = None,
    origin: str = Origin.LOCAL,
    outcome: str = "",
    outcome_day: dt.date | None = None,
):
    person = person_register(actor=None, name="病例", id_number=new_id_number(home[:6]), home_region=home)
    case = services.case_report(
        actor=None,
        person_id=person.id,
        classification=Classification.SUSPECTED,
        report_date=day,
        onset_date=onset,
        residence=home,
        reporting_unit="发热门诊",
        origin=origin,
        source_area="武汉市" if origin == Origin.IMPORTED else "",
    )
    services.case_confirm(actor=None, case_id=case.id, date=day, method="nucleic_acid")
    if outcome:
        services.case_record_outcome(actor=None, case_id=case.id, outcome=outcome, date=outcome_day)
    return case


@pytest.fixture
def epidemic(new_id_number):
    """Sixteen confirmed cases in 芙蓉区 over three weeks, two in 天心区 and one death in 荷塘区."""
    start = D(2020, 1, 22)
    for n in range(16):
        day = start + dt.timedelta(days=n // 2 + n % 3)
        origin = Origin.IMPORTED if n < 3 else Origin.LOCAL
        outcome = Outcome.CURED if n < 10 else ""
        confirmed(
            new_id_number,
            FURONG,
            day,
            onset=day - dt.timedelta(days=2),
            origin=origin,
            outcome=outcome,
            outcome_day=day + dt.timedelta(days=14) if outcome else None,
        )
    confirmed(new_id_number, TIANXIN, D(2020, 1, 25), onset=D(2020, 1, 23))
    confirmed(new_id_number, TIANXIN, D(2020, 1, 27))
    confirmed(new_id_number, HETANG, D(2020, 1, 26), outcome=Outcome.DIED, outcome_day=D(2020, 2, 3))


def signed_in(user, headers=ZH) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def kpi(html: str, name: str) -> str:
    match = re.search(rf'data-kpi="{name}">([^<]*)<', html)
    assert match, f"no KPI {name}"
    return match.group(1).strip()


def json_data(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no {element_id}"
    return json.loads(match.group(1))


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode(
        "utf-8-sig"
    )
    return list(csv.DictReader(io.StringIO(text)))


def url(code: str, **query) -> str:
    base = reverse("surveillance:detail", args=[code])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def csv_url(code: str, table: str, **query) -> str:
    base = reverse("surveillance:series_csv", args=[code, table])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# The page ----------------------------------------------------------------------------------------


def test_province_dashboard_shows_the_last_reported_day(make_user, epidemic):
    user = make_user(Role.PROVINCIAL_COMMAND, "43")
    response = signed_in(user).get(reverse("surveillance:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    province = Region.objects.get(code="43")
    last = report_series(region=province)[-1]
    assert kpi(html, "cumulative") == "19"
    assert kpi(html, "deaths") == "1"
    assert kpi(html, "cured") == f"{last.cured_cumulative}"
    assert kpi(html, "in_hospital") == str(last.in_hospital)
    assert kpi(html, "case_fatality") == f"{1 / 19:.1%}"
    assert f'value="{last.date.isoformat()}"' in html  # the date picker defaults to the last report
    # The curve, the cumulative curves, the onset curve and the map each get their data.
    curve = json_data(html, "epi-curve-data")
    assert curve["dates"][0] == "2020-01-22" and curve["selected"] == last.date.isoformat()
    assert sum(v or 0 for v in curve["local"]) + sum(v or 0 for v in curve["imported"]) == 19
    assert json_data(html, "epi-cumulative-data")["series"][0]["data"][-1] == 19
    assert sum(json_data(html, "epi-onset-data")["local"]) == 14  # the cases with an onset date
    layers = json_data(html, "epi-map-data")["layers"]
    assert layers["prefectures"]["430100"]["cumulative"] == 18
    assert layers["counties"]["430102"]["cumulative"] == 16
    assert layers["counties"]["430202"]["active"] == 0
    # The table of prefectures drills down; every chart has its table and CSV link.
    assert 'href="/surveillance/4301/"' in html
    for table in ("curve", "rt", "projection", "onset", "cumulative", "counties"):
        assert f'data-table="{table}"' in html
        assert csv_url("43", table) in html
    assert csv_url("43", "regions") in html
    assert 'href="/surveillance/"' in html and "aria-current" in html  # the navigation link


def test_a_chosen_day_shows_that_days_figures_and_links_keep_it(make_user, epidemic):
    user = make_user(Role.PROVINCIAL_COMMAND, "43")
    html = signed_in(user).get(url("4301", date="2020-01-25")).content.decode()
    day = report_on(region=Region.objects.get(code="4301"), date=D(2020, 1, 25))
    assert kpi(html, "new") == str(day.new_confirmed)
    assert kpi(html, "cumulative") == str(day.confirmed_cumulative)
    assert 'href="/surveillance/430102/?date=2020-01-25"' in html
    assert json_data(html, "epi-curve-data")["selected"] == "2020-01-25"
    # A projection of the seven days after it, drawn from the reports up to it.
    assert "data-projection" in html
    projection = json_data(html, "epi-curve-data")["projection"]
    if projection is not None:
        days = [
            d
            for d, v in zip(json_data(html, "epi-curve-data")["dates"], projection["median"], strict=True)
            if v is not None
        ]
        assert days[0] == "2020-01-26" and len(days) == 7


def test_county_dashboard_shows_its_risk_level(make_user, epidemic):
    rules, _ = RiskRuleSet.objects.get_or_create(
        version="2020-02", defaults={"effective_from": D(2020, 1, 1)}
    )
    CountyRiskLevel.objects.update_or_create(
        county_id="430102",
        date=D(2020, 2, 20),
        defaults={"level": RiskLevel.HIGH, "rule_set": rules, "reason": "x"},
    )
    user = make_user(Role.PROVINCIAL_COMMAND, "43")
    html = signed_in(user, EN).get(url("430102", date="2020-02-20")).content.decode()
    assert kpi(html, "risk") == "High risk"
    assert "kpi--risk-high" in html
    province = signed_in(user, EN).get(url("4301", date="2020-02-20")).content.decode()
    assert '<span class="risk risk--high">High risk</span>' in province


def test_county_official_lands_on_the_county_and_sees_nothing_else(county_official, epidemic):
    client = signed_in(county_official)
    response = client.get(reverse("surveillance:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>芙蓉区" in html
    assert kpi(html, "cumulative") == "16"
    # The province and the prefecture show in the breadcrumb without a link.
    assert 'href="/surveillance/43/' not in html and 'href="/surveillance/4301/' not in html
    # The neighbouring counties are on the map, without figures.
    counties = json_data(html, "epi-map-data")["layers"]["counties"]
    assert counties["430102"]["cumulative"] == 16
    assert counties["430103"]["cumulative"] is None
    for other in ("430103", "4301", "43", "430202"):
        assert client.get(url(other)).status_code == 404, other
        assert client.get(csv_url(other, "curve")).status_code == 404, other
    assert client.get(url("430102001")).status_code == 404  # no reports below a county
    assert client.get(url("not-a-code")).status_code == 400


def test_without_the_capability_the_pages_are_forbidden(make_user, epidemic):
    worker = make_user(Role.GRID_WORKER, "430102")
    client = signed_in(worker)
    for path in (reverse("surveillance:dashboard"), url("430102"), csv_url("430102", "curve")):
        assert client.get(path).status_code == 403, path
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("surveillance:dashboard") not in home


def test_sign_in_required(epidemic):
    response = Client().get(url("43"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    "value", ["2020-13-01", "yesterday", "2020-2-1", "20200201", "2020-02-30", "2021-01-01"]
)
def test_bad_or_future_dates_are_a_400_page(make_user, epidemic, value):
    user = make_user(Role.PROVINCIAL_COMMAND, "43")
    for path in (url("43", date=value), csv_url("43", "curve", date=value)):
        response = signed_in(user, EN).get(path)
        assert response.status_code == 400, path
        assert "Bad request" in response.content.decode()


def test_a_region_without_reports_shows_the_empty_state(make_user, epidemic):
    user = make_user(Role.PROVINCIAL_COMMAND, "43")
    response = signed_in(user, EN).get(url("430104"))  # 岳麓区: no case
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="epi-empty"' in html and "No reports yet" in html
    assert "epi-curve-data" not in html
    assert read_csv(signed_in(user).get(csv_url("430104", "curve"))) == []


def test_htmx_gets_the_partial(make_user, epidemic):
    user = make_user(Role.PROVINCIAL_COMMAND, "43")
    html = signed_in(user).get(url("4301"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="content").content.decode()
    assert "<html" not in html and 'id="epi-curve-data"' in html and "dashboard.css" not in html


# CSV downloads -----------------------------------------------------------------------------------


def test_curve_and_cumulative_csv_match_the_reports(make_user, epidemic):
    user = make_user(Role.PROVINCIAL_COMMAND, "43")
    client = signed_in(user)
    series = report_series(region=Region.objects.get(code="4301"))
    curve = read_csv(client.get(csv_url("4301", "curve")))
    assert [row["date"] for row in curve] == [d.date.isoformat() for d in series]
    assert [
        (int(r["new_confirmed_local"]), int(r["new_confirmed_imported"]), int(r["new_confirmed"]))
        for r in curve
    ] == [(d.new_confirmed_local, d.new_confirmed_imported, d.new_confirmed) for d in series]
    cumulative = read_csv(client.get(csv_url("4301", "cumulative")))
    assert [
        (
            int(r["confirmed_cumulative"]),
            int(r["cured_cumulative"]),
            int(r["deaths_cumulative"]),
            int(r["in_hospital"]),
        )
        for r in cumulative
    ] == [(d.confirmed_cumulative, d.cured_cumulative, d.deaths_cumulative, d.in_hospital) for d in series]
    response = client.get(csv_url("4301", "curve"))
    assert response["Content-Disposition"] == f'attachment; filename="430100-curve-{series[-1].date}.csv"'


def test_onset_rt_and_projection_csv_match_the_estimates(make_user, epidemic):
    user = make_user(Role.PROVINCIAL_COMMAND, "43")
    client = signed_in(user)
    province = Region.objects.get(code="43")
    onset = read_csv(client.get(csv_url("43", "onset")))
    expected = epicurve_by_onset(actor=user, region=province)
    assert [(r["onset_date"], int(r["local"]), int(r["imported"])) for r in onset] == [
        (d.date.isoformat(), d.local, d.imported) for d in expected
    ]
    series = report_series(region=province)
    rt = read_csv(client.get(csv_url("43", "rt")))
    points = charts.rt_points(series)
    assert rt and len(rt) == len(points)
    for row, point in zip(rt, points, strict=True):
        assert row["date_end"] == point.date.isoformat()
        assert float(row["mean"]) == pytest.approx(point.mean, rel=1e-9)
        assert float(row["q025"]) <= float(row["median"]) <= float(row["q975"])
    anchor = D(2020, 1, 30)
    projection = read_csv(client.get(csv_url("43", "projection", date=anchor.isoformat())))
    expected_projection = charts.projection_after(report_series(region=province, end=anchor), anchor)
    assert expected_projection is not None
    assert [r["date"] for r in projection] == [d.isoformat() for d in expected_projection.dates]
    assert [float(r["median"]) for r in projection] == pytest.approx(list(expected_projection.median))
    by_day = {d.date: d.new_confirmed for d in series}
    assert [r["reported"] for r in projection] == [
        str(by_day[d]) if d in by_day else "" for d in expected_projection.dates
    ]


def test_regions_csv_matches_each_subdivisions_report(make_user, epidemic):
    user = make_user(Role.PREFECTURE_OFFICIAL, "4301")
    client = signed_in(user)
    rows = {r["code"]: r for r in read_csv(client.get(csv_url("4301", "regions", date="2020-02-01")))}
    assert len(rows) == Region.objects.filter(parent_id="4301").count()
    for code in ("430102", "430103", "430104"):
        day = report_on(region=Region.objects.get(code=code), date=D(2020, 2, 1))
        row = rows[f"{code}"]
        assert (int(row["confirmed_cumulative"]), int(row["in_hospital"]), int(row["new_confirmed"])) == (
            day.confirmed_cumulative,
            day.in_hospital,
            day.new_confirmed,
        )
    assert rows["430102"]["name"] == "芙蓉区"
    assert client.get(csv_url("4301", "counties")).status_code == 404  # only the province has it
    assert client.get(csv_url("43", "curve")).status_code == 404  # outside the prefecture
