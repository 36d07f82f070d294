"""The case pages: list, detail with its transitions, reporting a case; scoping and refusals."""

import datetime as dt
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
from fangyi.surveillance.choices import Classification, Outcome, Severity
from fangyi.surveillance.models import Case, CaseEvent, SeverityChange

D = dt.date
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
FURONG_VILLAGE = "430102001001"
REPORTED = D(2020, 1, 25)
TIANXIN_VILLAGE = "430103002001"


@pytest.fixture(autouse=True)
def frozen_2020():
    """The clock in 2020; the language back to the default after the English requests."""
    with translation.override(None), clock.frozen_at(dt.datetime(2020, 2, 15, 4, tzinfo=dt.UTC)):
        yield


def signed_in(user, headers=EN) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


NUMBERS: dict[object, str] = {}  # person id → the identity number it was registered with


def number_of(person_id) -> str:
    return NUMBERS[person_id]


@pytest.fixture
def resident(new_id_number):
    def make(village: str = FURONG_VILLAGE, name: str = "张三"):
        number = new_id_number(village[:6])
        person = person_register(actor=None, name=name, id_number=number, home_region=village)
        NUMBERS[person.pk] = number
        return person

    return make


@pytest.fixture
def report(resident):
    def make(village: str = FURONG_VILLAGE, day: D = REPORTED, name: str = "张三", **extra) -> Case:
        return services.case_report(
            actor=None,
            person_id=resident(village, name).pk,
            classification=extra.pop("classification", Classification.SUSPECTED),
            report_date=day,
            residence=village,
            reporting_unit="发热门诊",
            **extra,
        )

    return make


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102", first_name="芙蓉", last_name="官员")


def detail(case: Case) -> str:
    return reverse("surveillance:case_detail", args=[case.pk])


def step(case: Case, name: str) -> str:
    return reverse(f"surveillance:case_{name}", args=[case.pk])


def writes() -> tuple[int, ...]:
    return (
        CaseEvent.objects.count(),
        SeverityChange.objects.count(),
        AuditEvent.objects.count(),
        *Case.objects.order_by("pk").values_list("classification", "severity", "outcome"),
    )


# The list ------------------------------------------------------------------------------------------


def test_the_list_shows_cases_masked_with_badges(official, report):
    case = report()
    report(TIANXIN_VILLAGE, name="天心病例")
    html = signed_in(official).get(reverse("surveillance:case_list")).content.decode()
    assert detail(case) in html and "张三" in html
    assert case.person.id_number_masked in html and number_of(case.person_id) not in html
    assert 'class="badge badge--suspected"' in html
    assert "天心病例" not in html  # another county's case


def test_the_list_filters_by_region_classification_and_dates(official, report):
    early = report(day=D(2020, 1, 22), name="早")
    late = report(day=D(2020, 2, 5), name="晚")
    services.case_confirm(actor=None, case_id=late.pk, date=D(2020, 2, 6), method="nucleic_acid")
    client = signed_in(official)
    url = reverse("surveillance:case_list")
    html = client.get(url, {"classification": "confirmed"}).content.decode()
    assert detail(late) in html and detail(early) not in html
    html = client.get(url, {"since": "2020-01-20", "until": "2020-01-31"}).content.decode()
    assert detail(early) in html and detail(late) not in html
    html = client.get(url, {"region": "430102001"}).content.decode()
    assert detail(early) in html and detail(late) in html
    html = client.get(url, {"region": "430103"}).content.decode()
    assert "No case in your jurisdiction matches this search." in html


def test_the_list_is_paginated(official, report):
    for n in range(52):
        report(name=f"病例{n}")
    client = signed_in(official)
    first = client.get(reverse("surveillance:case_list")).content.decode()
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get(reverse("surveillance:case_list"), {"page": 2}).content.decode()
    assert len(re.findall(r'href="/surveillance/cases/[0-9a-f-]{36}/"', second)) == 2


def test_the_empty_state_and_bad_filters(official):
    client = signed_in(official)
    assert (
        "No cases have been reported in your jurisdiction."
        in client.get(reverse("surveillance:case_list")).content.decode()
    )
    response = client.get(reverse("surveillance:case_list"), {"since": "2020-02-10", "until": "2020-02-01"})
    assert response.status_code == 400
    assert "“Since” cannot come after “until”." in response.content.decode()
    response = client.get(reverse("surveillance:case_list"), {"region": "12x"})
    assert response.status_code == 400 and 'id="id_region_error"' in response.content.decode()
    response = client.get(reverse("surveillance:case_list"), {"since": "2020-03-01"})
    assert response.status_code == 400 and "A date cannot be in the future." in response.content.decode()


def test_htmx_gets_the_results_partial(official, report):
    report()
    response = signed_in(official).get(reverse("surveillance:case_list"), headers={"HX-Request": "true"})
    assert response.content.decode().lstrip().startswith('<div id="results">')


def test_nav_and_dashboard_link_to_the_cases(official):
    html = signed_in(official).get(reverse("surveillance:detail", args=["430102"])).content.decode()
    assert f'href="{reverse("surveillance:case_list")}"' in html  # the nav link
    assert f'href="{reverse("surveillance:case_list")}?region=430102"' in html


def test_without_cases_view_the_pages_are_forbidden_and_the_link_is_hidden(make_user, report):
    case = report()
    grid = make_user(Role.GRID_WORKER, "430102")
    client = signed_in(grid)
    assert client.get(reverse("surveillance:case_list")).status_code == 403
    assert client.get(detail(case)).status_code == 403
    assert client.get(reverse("surveillance:case_report")).status_code == 403
    assert client.get(reverse("surveillance:case_import")).status_code == 403
    assert (
        f'href="{reverse("surveillance:case_list")}"'
        not in client.get(reverse("people:list")).content.decode()
    )


def test_sign_in_is_required(report):
    response = Client().get(reverse("surveillance:case_list"))
    assert response.status_code == 302 and "login" in response["Location"]


# The detail page -------------------------------------------------------------------------------------


def test_detail_shows_dates_history_with_actors_severity_and_cluster(official, report):
    case = report(onset_date=D(2020, 1, 23))
    other = report(name="李四")
    services.case_confirm(actor=official, case_id=case.pk, date=D(2020, 1, 26), method="nucleic_acid")
    services.case_confirm(actor=None, case_id=other.pk, date=D(2020, 1, 26), method="nucleic_acid")
    services.case_update_severity(actor=official, case_id=case.pk, date=D(2020, 1, 28), severity="severe")
    services.cluster_create(
        actor=None,
        name="识字里家庭聚集",
        setting="family",
        region=FURONG_VILLAGE,
        case_ids=[case.pk, other.pk],
    )
    html = signed_in(official).get(detail(case)).content.decode()
    assert case.person.id_number_masked in html and number_of(case.person_id) not in html
    for text in (
        "2020-01-23",
        "2020-01-25",
        "2020-01-26",
        "Nucleic-acid test",
        "识字里家庭聚集",
        "芙蓉 官员",
    ):
        assert text in html, text
    assert 'id="case-events"' in html and 'id="severity-history"' in html
    assert 'class="badge badge--severe"' in html
    # a confirmed case under treatment: severity and outcome are offered, not confirm or exclude
    assert step(case, "severity") in html and step(case, "outcome") in html
    assert step(case, "confirm") not in html and step(case, "exclude") not in html


def test_another_countys_official_gets_404(make_user, report):
    case = report()
    other = signed_in(make_user(Role.COUNTY_OFFICIAL, "430103"))
    assert other.get(detail(case)).status_code == 404
    before = writes()
    response = other.post(step(case, "confirm"), {"method": "nucleic_acid", "date": "2020-01-26"})
    assert response.status_code == 404 and writes() == before


def test_viewers_without_cases_report_see_no_forms_and_cannot_post(make_user, report):
    case = report()
    lab = signed_in(make_user(Role.LAB_STAFF, "430102"))
    html = lab.get(detail(case)).content.decode()
    assert 'action="' + step(case, "confirm") not in html
    before = writes()
    assert (
        lab.post(step(case, "confirm"), {"method": "nucleic_acid", "date": "2020-01-26"}).status_code == 403
    )
    assert writes() == before


def test_confirm_severity_and_cure_through_the_page(official, report):
    case = report()
    client = signed_in(official)
    html = client.get(detail(case)).content.decode()
    assert step(case, "confirm") in html and step(case, "exclude") in html
    assert step(case, "severity") not in html and step(case, "outcome") not in html

    response = client.post(step(case, "confirm"), {"method": "clinical", "date": "2020-01-26"})
    assert response.status_code == 302 and response["Location"] == detail(case)
    case.refresh_from_db()
    assert (case.classification, case.confirmed_date, case.confirmation_method) == (
        Classification.CONFIRMED,
        D(2020, 1, 26),
        "clinical",
    )
    assert (
        client.post(step(case, "severity"), {"severity": "critical", "date": "2020-01-27"}).status_code == 302
    )
    assert client.post(step(case, "outcome"), {"outcome": "cured", "date": "2020-02-10"}).status_code == 302
    case.refresh_from_db()
    assert (case.severity, case.outcome, case.outcome_date) == (
        Severity.CRITICAL,
        Outcome.CURED,
        D(2020, 2, 10),
    )
    events = list(CaseEvent.objects.filter(case=case).values_list("kind", "actor_id"))
    assert events == [
        ("reported", None),
        ("confirmed", official.pk),
        ("severity", official.pk),
        ("cured", official.pk),
    ]
    html = client.get(detail(case)).content.decode()
    assert "<form" not in html.split('id="case-events"')[0].split("</h1>")[1]  # closed: nothing to offer


def test_exclude_through_the_page_with_its_reason(official, report):
    case = report()
    response = signed_in(official).post(
        step(case, "exclude"), {"date": "2020-01-28", "reason": "两次核酸阴性"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.classification, case.excluded_date) == (Classification.EXCLUDED, D(2020, 1, 28))
    assert AuditEvent.objects.filter(action="case.excluded", reason="两次核酸阴性").exists()


def test_death_through_the_page(official, report):
    case = report()
    services.case_confirm(actor=None, case_id=case.pk, date=D(2020, 1, 26), method="nucleic_acid")
    response = signed_in(official).post(step(case, "outcome"), {"outcome": "died", "date": "2020-02-03"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.outcome, case.outcome_date) == (Outcome.DIED, D(2020, 2, 3))


def test_an_asymptomatic_infection_can_only_be_released_as_cured(official, report):
    case = report(classification=Classification.ASYMPTOMATIC)
    client = signed_in(official)
    html = client.get(detail(case)).content.decode()
    assert 'value="cured"' in html and 'value="died"' not in html
    before = writes()
    response = client.post(step(case, "outcome"), {"outcome": "died", "date": "2020-02-03"})
    assert response.status_code == 400 and 'id="id_outcome_outcome_error"' in response.content.decode()
    assert writes() == before


def test_a_refused_transition_shows_its_message_next_to_the_field_and_writes_nothing(official, report):
    case = report()
    client = signed_in(official)
    before = writes()
    response = client.post(step(case, "confirm"), {"method": "nucleic_acid", "date": "2020-01-20"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_confirm_date_error"' in html and "Confirmation cannot come before the report." in html
    assert writes() == before
    response = client.post(step(case, "exclude"), {"date": "2020-03-01", "reason": "阴性"})
    assert response.status_code == 400
    assert 'id="id_exclude_date_error"' in response.content.decode()
    assert "A date cannot be in the future." in response.content.decode()
    response = client.post(step(case, "confirm"), {"method": "", "date": "not a date"})
    assert response.status_code == 400 and 'id="id_confirm_method_error"' in response.content.decode()
    assert writes() == before


def test_a_transition_no_longer_allowed_is_refused_with_its_message(official, report):
    case = report()
    services.case_exclude(actor=None, case_id=case.pk, date=D(2020, 1, 27))
    before = writes()
    response = signed_in(official).post(
        step(case, "confirm"), {"method": "nucleic_acid", "date": "2020-01-28"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="step-error"' in html
    assert "Only a suspected case or an asymptomatic infection can be confirmed." in html
    assert writes() == before


def test_a_get_on_a_transition_is_not_allowed(official, report):
    assert signed_in(official).get(step(report(), "confirm")).status_code == 405


# Reporting a case ----------------------------------------------------------------------------------


def report_form(**values):
    data = {
        "classification": "suspected",
        "report_date": "2020-02-14",
        "onset_date": "2020-02-12",
        "residence": FURONG_VILLAGE,
        "origin": "local",
        "reporting_unit": "芙蓉区人民医院发热门诊",
    }
    data.update(values)
    return data


def test_report_a_case_by_identity_number(official, resident):
    person = resident()
    client = signed_in(official)
    assert client.get(reverse("surveillance:case_report")).status_code == 200
    response = client.post(reverse("surveillance:case_report"), report_form(id_number=number_of(person.pk)))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(case)
    assert (case.person_id, case.classification, case.residence_id) == (
        person.pk,
        Classification.SUSPECTED,
        FURONG_VILLAGE,
    )
    assert CaseEvent.objects.get(case=case).actor_id == official.pk


def test_report_from_a_residents_page(official, resident):
    person = resident()
    client = signed_in(official)
    resident_page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    link = f"{reverse('surveillance:case_report')}?person={person.pk}"
    assert link in resident_page
    html = client.get(link).content.decode()
    assert person.name in html and person.id_number_masked in html
    assert f'value="{FURONG_VILLAGE}"' in html  # the residence defaults to the home village
    response = client.post(reverse("surveillance:case_report"), report_form(person=str(person.pk)))
    assert response.status_code == 302 and Case.objects.get().person_id == person.pk


def test_report_errors_are_shown_next_to_the_fields(official, resident, new_id_number):
    person = resident()
    client = signed_in(official)
    url = reverse("surveillance:case_report")
    cases = [
        (report_form(id_number=new_id_number("430102")), "id_number", "No such resident."),
        (report_form(id_number="123"), "id_number", None),
        (
            report_form(id_number=number_of(person.pk), residence=TIANXIN_VILLAGE),
            "residence",
            "No such region.",
        ),
        (report_form(id_number=number_of(person.pk), origin="imported"), "source_area", None),
        (report_form(id_number=number_of(person.pk), onset_date="2020-02-20"), "onset_date", None),
        (report_form(id_number=number_of(person.pk), report_date="2020-03-01"), "report_date", None),
        (report_form(), "id_number", None),
    ]
    for data, field, message in cases:
        response = client.post(url, data)
        html = response.content.decode()
        assert response.status_code == 400, field
        assert f'id="id_{field}_error"' in html, (field, html[:200])
        if message:
            assert message in html
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_a_second_open_case_of_the_same_person_is_refused(official, report):
    case = report()
    response = signed_in(official).post(
        reverse("surveillance:case_report"), report_form(person=str(case.person_id))
    )
    assert response.status_code == 400
    assert "This person already has an open case" in response.content.decode()
    assert Case.objects.count() == 1


def test_a_resident_outside_the_jurisdiction_cannot_be_chosen(official, resident):
    person = resident(TIANXIN_VILLAGE)
    response = signed_in(official).get(f"{reverse('surveillance:case_report')}?person={person.pk}")
    assert response.status_code == 404 and person.name not in response.content.decode()
