"""The province's emergency response level on the epidemic dashboard and on its own page."""

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.models import AuditEvent
from fangyi.people.services import person_register
from fangyi.surveillance import services
from fangyi.surveillance.choices import Classification
from fangyi.surveillance.models import ResponseLevelPeriod

pytestmark = pytest.mark.django_db

D = dt.date
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
FURONG = "430102001001"  # a community of 芙蓉区, 长沙
PAGE = "/surveillance/response-levels/"
HUNAN_2020 = [("I", D(2020, 1, 23)), ("II", D(2020, 3, 10)), ("III", D(2020, 3, 31))]


@pytest.fixture(autouse=True)
def frozen_2020():
    """Mid-April 2020, after the three declarations; the language is reset after each test."""
    with clock.frozen_at(dt.datetime(2020, 4, 15, 4, tzinfo=dt.UTC)):
        yield
    translation.deactivate()


@pytest.fixture
def hunan_levels():
    for level, start in HUNAN_2020:
        services.response_level_declare(actor=None, level=level, start_date=start, note=f"{level} 级响应")


@pytest.fixture
def cases(new_id_number):
    """Confirmed cases in 芙蓉区 reported from 2020-01-22 to 2020-02-03."""
    for n, day in enumerate([D(2020, 1, 22), D(2020, 1, 25), D(2020, 1, 28), D(2020, 2, 3)]):
        person = person_register(
            actor=None, name=f"病例{n}", id_number=new_id_number(FURONG[:6]), home_region=FURONG
        )
        case = services.case_report(
            actor=None,
            person_id=person.id,
            classification=Classification.SUSPECTED,
            report_date=day,
            residence=FURONG,
            reporting_unit="发热门诊",
        )
        services.case_confirm(actor=None, case_id=case.id, date=day, method="nucleic_acid")


def signed_in(user, headers=ZH) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def dashboard(client: Client, code: str, day: dt.date | None = None) -> str:
    url = reverse("surveillance:detail", args=[code])
    response = client.get(url + (f"?date={day.isoformat()}" if day else ""))
    assert response.status_code == 200
    return response.content.decode()


def badge(html: str) -> tuple[str, str, str] | None:
    """(level, since, text) of the response badge in the dashboard's header, None without one."""
    match = re.search(
        r'<a class="badge badge--response-[^"]*" href="([^"]*)" data-response-level="([^"]*)" '
        r'data-response-since="([^"]*)">([^<]*)</a>',
        html,
    )
    if match is None:
        return None
    assert match.group(1) == reverse("surveillance:response_levels")
    return match.group(2), match.group(3), match.group(4)


def curve_data(html: str) -> dict:
    match = re.search(r'<script id="epi-curve-data" type="application/json">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def field_error(html: str, field: str) -> str:
    match = re.search(rf'id="id_{field}_error" role="alert">([^<]*)<', html)
    assert match, f"no error next to {field}"
    return match.group(1)


# The dashboard -----------------------------------------------------------------------------------


def test_the_page_url_comes_before_the_region_pattern():
    assert reverse("surveillance:response_levels") == PAGE


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2020, 1, 20), None),
        (D(2020, 1, 23), ("I", "2020-01-23")),
        (D(2020, 2, 1), ("I", "2020-01-23")),
        (D(2020, 3, 10), ("II", "2020-03-10")),
        (D(2020, 3, 30), ("II", "2020-03-10")),
        (D(2020, 4, 10), ("III", "2020-03-31")),
    ],
)
def test_the_badge_shows_the_level_in_force_on_the_chosen_day(make_user, cases, hunan_levels, day, expected):
    html = dashboard(signed_in(make_user(Role.PROVINCIAL_COMMAND, "43")), "43", day)
    found = badge(html)
    assert (found[:2] if found else None) == expected


def test_the_badge_is_on_every_level_of_the_dashboard(make_user, cases, hunan_levels):
    command = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    for code in ("43", "4301", "430102"):
        found = badge(dashboard(command, code, D(2020, 2, 1)))
        assert found and found[:2] == ("I", "2020-01-23"), code
    county = signed_in(make_user(Role.COUNTY_OFFICIAL, "430102"))
    found = badge(dashboard(county, "430102", D(2020, 3, 12)))
    assert found and found[:2] == ("II", "2020-03-10")


def test_the_badge_reads_level_and_since(make_user, cases, hunan_levels):
    user = make_user(Role.PROVINCIAL_COMMAND, "43")
    found = badge(dashboard(signed_in(user), "43", D(2020, 2, 1)))
    assert found and found[2].startswith("一级")  # the level's name is translated
    with translation.override("en"):
        found = badge(dashboard(signed_in(user, EN), "43", D(2020, 2, 1)))
        assert found and found[2] == "Level I response · since 2020-01-23"


def test_no_badge_without_declarations_or_after_the_response_ended(make_user, cases):
    user = make_user(Role.PROVINCIAL_COMMAND, "43")
    client = signed_in(user)
    assert badge(dashboard(client, "43")) is None
    services.response_level_declare(actor=None, level="I", start_date=D(2020, 1, 23))
    services.response_level_declare(actor=None, level="ended", start_date=D(2020, 4, 1))
    assert badge(dashboard(client, "43", D(2020, 3, 31))) is not None
    assert badge(dashboard(client, "43", D(2020, 4, 2))) is None


def test_the_badge_shows_on_a_region_without_reports(make_user, hunan_levels):
    html = dashboard(signed_in(make_user(Role.PROVINCIAL_COMMAND, "43")), "43", D(2020, 2, 1))
    assert 'id="epi-empty"' in html
    found = badge(html)
    assert found and found[:2] == ("I", "2020-01-23")


def test_the_curve_marks_the_level_changes_within_the_plotted_days(make_user, cases, hunan_levels):
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    # The last report (2020-02-03) and its projection: only Level I's start is plotted.
    data = curve_data(dashboard(client, "43"))
    assert data["dates"][0] == "2020-01-22"
    assert [(m["date"], m["level"]) for m in data["responses"]] == [("2020-01-23", "I")]
    assert data["responses"][0]["label"] == "一级"
    # Up to 2020-04-10 every change is within the plotted days.
    with translation.override("en"):
        data = curve_data(
            dashboard(signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"), EN), "43", D(2020, 4, 10))
        )
        assert data["responses"] == [
            {"date": "2020-01-23", "level": "I", "label": "Level I"},
            {"date": "2020-03-10", "level": "II", "label": "Level II"},
            {"date": "2020-03-31", "level": "III", "label": "Level III"},
        ]
    # A level declared before the first report is in force but not a change on the curve.
    ResponseLevelPeriod.objects.filter(start_date=D(2020, 1, 23)).update(start_date=D(2020, 1, 10))
    data = curve_data(dashboard(client, "43"))
    assert data["responses"] == []


def test_the_timeline_is_a_table_under_the_curve(make_user, cases, hunan_levels):
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    html = dashboard(client, "430102", D(2020, 2, 1))
    assert '<details class="data-details" data-table="response">' in html
    response = client.get(reverse("surveillance:series_csv", args=["430102", "response"]))
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "start_date,end_date,level,level_name,note"
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["2020-01-23", "2020-03-09", "I"],
        ["2020-03-10", "2020-03-30", "II"],
        ["2020-03-31", "", "III"],
    ]


# The response levels page ------------------------------------------------------------------------


def test_the_page_shows_an_empty_state(make_user):
    response = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43")).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="response-empty"' in html
    assert 'id="response-declare"' in html


def test_the_page_lists_the_timeline(make_user, hunan_levels):
    ResponseLevelPeriod.objects.update(
        declared_by=make_user(Role.PROVINCIAL_COMMAND, "43", username="zhihui")
    )
    with translation.override("en"):
        response = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"), EN).get(PAGE)
        html = response.content.decode()
        assert response.status_code == 200
        rows = re.findall(r'<tr data-level="([^"]*)" data-start="([^"]*)">(.*?)</tr>', html, re.S)
        assert [(level, start) for level, start, _ in rows] == [
            ("I", "2020-01-23"),
            ("II", "2020-03-10"),
            ("III", "2020-03-31"),
        ]
        assert "2020-03-09" in rows[0][2] and "I 级响应" in rows[0][2] and "zhihui" in rows[0][2]
        assert "in force" in rows[2][2]
        assert "In force today: Level III response · since 2020-03-31" in html


def test_command_staff_declare_a_level(make_user, hunan_levels):
    user = make_user(Role.PROVINCIAL_COMMAND, "43")
    client = signed_in(user)
    response = client.post(PAGE, {"level": "ended", "start_date": "2020-04-08", "note": "解除"})
    assert response.status_code == 302
    assert response["Location"] == PAGE
    period = ResponseLevelPeriod.objects.get(start_date=D(2020, 4, 8))
    assert (period.level, period.note, period.declared_by) == ("ended", "解除", user)
    assert AuditEvent.objects.filter(action="response_level.declare", actor=user).count() == 1
    html = client.get(PAGE).content.decode()
    assert "data-message" in html
    assert 'data-response-current="ended"' in html


@pytest.mark.parametrize(
    ("post", "status", "field", "zh", "en"),
    [
        (
            {"level": "II", "start_date": "2020-01-23"},
            409,
            "start_date",
            "这一天已经宣布了响应级别。",
            "A level is already declared from this day.",
        ),
        (
            {"level": "I", "start_date": "2020-02-01"},
            400,
            "level",
            "这一天已处于该响应级别。",
            "This level is already in force on this day.",
        ),
        (
            {"level": "ended", "start_date": "2020-01-10"},
            400,
            "level",
            "这一天没有可终止的响应。",
            "There is no response in force to end on this day.",
        ),
    ],
)
def test_a_refused_declaration_is_shown_next_to_its_field(
    make_user, hunan_levels, post, status, field, zh, en
):
    user = make_user(Role.PROVINCIAL_COMMAND, "43")
    before = list(ResponseLevelPeriod.objects.values_list("start_date", "level"))
    response = signed_in(user).post(PAGE, post)
    assert response.status_code == status
    assert field_error(response.content.decode(), field) == zh
    with translation.override("en"):
        response = signed_in(user, EN).post(PAGE, post)
        assert response.status_code == status
        assert field_error(response.content.decode(), field) == en
    assert list(ResponseLevelPeriod.objects.values_list("start_date", "level")) == before
    assert not AuditEvent.objects.filter(action="response_level.declare", actor=user).exists()


@pytest.mark.parametrize(
    "post",
    [
        {"level": "II", "start_date": ""},
        {"level": "IV", "start_date": "2020-03-01"},
        {"level": "II", "start_date": "2020-02-30"},
        {"level": "II", "start_date": "2020-04-16"},  # tomorrow
        {"level": "II", "start_date": "2020-03-01", "note": "长" * 257},
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(make_user, hunan_levels, post):
    before = ResponseLevelPeriod.objects.count()
    response = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43")).post(PAGE, post)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert ResponseLevelPeriod.objects.count() == before


def test_a_county_official_sees_the_timeline_without_the_form(make_user, hunan_levels):
    client = signed_in(make_user(Role.COUNTY_OFFICIAL, "430102"))
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="response-timeline"' in html
    assert 'id="response-declare"' not in html
    response = client.post(PAGE, {"level": "ended", "start_date": "2020-04-08"})
    assert response.status_code == 403
    assert ResponseLevelPeriod.objects.count() == 3


def test_a_prefecture_command_role_does_not_reach_the_province(make_user, hunan_levels):
    """Declaring needs "response.manage" at the province itself."""
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "4301"))
    assert 'id="response-declare"' not in client.get(PAGE).content.decode()
    assert client.post(PAGE, {"level": "ended", "start_date": "2020-04-08"}).status_code == 403
    assert ResponseLevelPeriod.objects.count() == 3


@pytest.mark.parametrize("role", [Role.CHECKPOINT_STAFF, Role.RESIDENT])
def test_without_reports_view_the_page_is_refused(make_user, hunan_levels, role):
    client = signed_in(make_user(role, "430102"))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"level": "ended", "start_date": "2020-04-08"}).status_code == 403
    assert ResponseLevelPeriod.objects.count() == 3


def test_the_page_needs_a_sign_in():
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert "login" in response["Location"]
