"""The observation pages: the list with its summary, a period with its forms, alerts, sites, a
case's contacts, the transmission graph and the resident's own check-in page; roles and scoping."""

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.core import pii
from fangyi.core.models import AuditEvent
from fangyi.quarantine import models, services

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LIST = "/quarantine/"


@pytest.fixture(autouse=True)
def frozen(morning):
    """09:30 on 2020-02-10 in Shanghai; the language back to the default after English requests."""
    with translation.override(None):
        yield morning


def signed_in(user) -> Client:
    client = Client(**EN)
    client.force_login(user)
    return client


@pytest.fixture
def grid_worker(make_user):
    """A grid worker of the first community of 芙蓉区: reads and takes temperatures, nothing more."""
    return make_user(Role.GRID_WORKER, "430102001", username="grid-q")


@pytest.fixture
def clinic(make_user):
    return make_user(Role.CLINIC_STAFF, "430102", username="clinic-pages-q")


def page_of(response) -> str:
    return response.content.decode()


# The list ----------------------------------------------------------------------------------------


def test_the_list_shows_the_summary_and_the_periods(official, resident_of, observe):
    observe(resident_of("甲某"))
    observe(resident_of("乙某"), kind="monitoring")
    response = signed_in(official).get(LIST)
    assert response.status_code == 200
    html = page_of(response)
    assert 'data-kpi="under_observation">2<' in html and "甲某" in html and "乙某" in html
    assert "Home observation 1 · Centralised observation 0 · Health monitoring only 1" in html
    filtered = page_of(signed_in(official).get(LIST, {"kind": "monitoring"}))
    assert "乙某" in filtered and "甲某" not in filtered


def test_the_list_has_an_empty_state_and_explains_bad_searches(official):
    assert "Nobody in your jurisdiction is or has been under medical observation." in page_of(
        signed_in(official).get(LIST)
    )
    outside = signed_in(official).get(LIST, {"region": "430103"})
    assert outside.status_code == 400 and "No such region." in page_of(outside)
    assert signed_in(official).get(LIST, {"region": "12x"}).status_code == 400


def test_the_list_refuses_residents_and_asks_strangers_to_sign_in(resident, make_user):
    assert signed_in(resident.user).get(LIST).status_code == 403
    assert signed_in(make_user()).get(LIST).status_code == 403
    assert Client().get(LIST).status_code == 302


def test_a_grid_worker_sees_only_their_community(grid_worker, resident_of, observe):
    observe(resident_of("本社区", region="430102001001"))
    observe(resident_of("别社区", region="430102002001"))
    html = page_of(signed_in(grid_worker).get(LIST))
    assert "本社区" in html and "别社区" not in html


# A period ----------------------------------------------------------------------------------------


def test_an_official_sees_a_period_with_its_forms(official, resident_of, observe):
    period = observe(resident_of("丙某"))
    services.checkin_record(actor=official, period_id=period.pk, temperature="37.9")
    response = signed_in(official).get(f"/quarantine/observations/{period.pk}/")
    assert response.status_code == 200
    html = page_of(response)
    for marker in ('id="checkin-form"', 'id="release-form"', 'id="end-form"', 'id="checkins"', "37.9 °C"):
        assert marker in html
    assert "Fever" in html and "13 days left" in html


def test_a_grid_worker_may_check_in_but_not_release(grid_worker, resident_of, observe):
    period = observe(resident_of())
    html = page_of(signed_in(grid_worker).get(f"/quarantine/observations/{period.pk}/"))
    assert 'id="checkin-form"' in html and 'id="release-form"' not in html
    response = signed_in(grid_worker).post(f"/quarantine/observations/{period.pk}/release/", {})
    assert response.status_code == 403
    assert models.ObservationPeriod.objects.get(pk=period.pk).status == "active"


def test_staff_check_in_from_the_page(official, resident_of, observe):
    period = observe(resident_of())
    path = f"/quarantine/observations/{period.pk}/checkins/"
    response = signed_in(official).post(path, {"temperature": "36.6", "slot": "am"})
    assert response.status_code == 302
    assert list(models.CheckIn.objects.values_list("temperature", "recorded_by")) == [
        (models.CheckIn.objects.get().temperature, official.pk)
    ]
    again = signed_in(official).post(path, {"temperature": "36.7", "slot": "am"})
    assert again.status_code == 409 and "This check-in has already been recorded." in page_of(again)
    bad = signed_in(official).post(path, {"temperature": "48", "slot": "pm"})
    assert bad.status_code == 400 and models.CheckIn.objects.count() == 1


def test_release_shows_why_it_is_refused(official, resident_of, observe, at):
    period = observe(resident_of(), days_ago=2)
    path = f"/quarantine/observations/{period.pk}/release/"
    response = signed_in(official).post(path, {"note": ""})
    assert response.status_code == 409
    assert "Observation runs until 2020-02-22: it cannot be released earlier." in page_of(response)
    with at(dt.date(2020, 2, 22)):
        needs_test = signed_in(official).post(path, {"note": ""})
        assert needs_test.status_code == 409
        assert "Release needs a negative test sampled on or after 2020-02-20." in page_of(needs_test)
    assert models.ObservationPeriod.objects.get(pk=period.pk).status == "active"


def test_ending_a_period_removes_its_forms_and_blocks_check_ins(official, resident_of, observe):
    period = observe(resident_of())
    detail = f"/quarantine/observations/{period.pk}/"
    assert signed_in(official).post(f"{detail}end/", {"status": "cancelled", "note": ""}).status_code == 400
    ended = signed_in(official).post(f"{detail}end/", {"status": "cancelled", "note": "录入错误"})
    assert ended.status_code == 302
    html = page_of(signed_in(official).get(detail))
    assert 'id="checkin-form"' not in html and 'id="release-form"' not in html and "录入错误" in html
    late = signed_in(official).post(f"{detail}checkins/", {"temperature": "36.6", "slot": "am"})
    assert late.status_code == 409 and "no longer under observation" in page_of(late)
    assert models.CheckIn.objects.count() == 0


def test_a_period_outside_the_jurisdiction_is_not_found(outsider, resident_of, observe):
    period = observe(resident_of())
    client = signed_in(outsider)
    assert client.get(f"/quarantine/observations/{period.pk}/").status_code == 404
    before = AuditEvent.objects.count()
    response = client.post(
        f"/quarantine/observations/{period.pk}/checkins/", {"temperature": "36.6", "slot": "am"}
    )
    assert response.status_code == 404 and AuditEvent.objects.count() == before


# Alerts and sites --------------------------------------------------------------------------------


def test_the_alert_queue_lists_and_resolves(official, grid_worker, outsider, resident_of, observe):
    period = observe(resident_of("丁某"))
    services.checkin_record(actor=official, period_id=period.pk, temperature="38.0")
    alert = models.Alert.objects.get()
    html = page_of(signed_in(official).get("/quarantine/alerts/"))
    assert "丁某" in html and f'action="/quarantine/alerts/{alert.pk}/resolve/"' in html
    worker = page_of(signed_in(grid_worker).get("/quarantine/alerts/"))
    assert "丁某" in worker and "resolve/" not in worker
    assert "No open alert" in page_of(signed_in(outsider).get("/quarantine/alerts/"))
    assert (
        signed_in(official).post(f"/quarantine/alerts/{alert.pk}/resolve/", {"note": ""}).status_code == 400
    )
    assert (
        signed_in(outsider).post(f"/quarantine/alerts/{alert.pk}/resolve/", {"note": "x"}).status_code == 404
    )
    done = signed_in(official).post(f"/quarantine/alerts/{alert.pk}/resolve/", {"note": "已电话随访"})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.resolution_note == "已电话随访"
    assert "已电话随访" in page_of(signed_in(official).get("/quarantine/alerts/", {"show": "all"}))


def test_sites_are_listed_added_and_updated(official, grid_worker, outsider, resident_of, observe):
    empty = page_of(signed_in(official).get("/quarantine/sites/"))
    assert "No observation site has been added" in empty and 'id="site-form"' in empty
    body = {"name": "芙蓉宾馆", "kind": "hotel", "region": "430102", "address": "", "rooms": "2"}
    assert signed_in(official).post("/quarantine/sites/", body).status_code == 302
    site = models.Site.objects.get()
    observe(resident_of(), kind="centralised", site_id=site.pk)
    html = page_of(signed_in(official).get("/quarantine/sites/"))
    assert "芙蓉宾馆" in html and "1 of 2" in html
    duplicate = signed_in(official).post("/quarantine/sites/", body)
    assert duplicate.status_code in (400, 409) and models.Site.objects.count() == 1
    outside = signed_in(official).post("/quarantine/sites/", {**body, "name": "天心宾馆", "region": "430103"})
    assert outside.status_code == 404 and models.Site.objects.count() == 1
    worker = page_of(signed_in(grid_worker).get("/quarantine/sites/"))
    assert "芙蓉宾馆" not in worker and 'id="site-form"' not in worker  # the site is above the community
    assert signed_in(grid_worker).post("/quarantine/sites/", body).status_code == 403
    assert signed_in(official).post(f"/quarantine/sites/{site.pk}/", {"rooms": "5"}).status_code == 302
    site.refresh_from_db()
    assert (site.rooms, site.active) == (5, False)
    assert signed_in(outsider).post(f"/quarantine/sites/{site.pk}/", {"rooms": "9"}).status_code == 404


# A case's contacts and the graph -----------------------------------------------------------------


@pytest.fixture
def case(report_case, resident_of):
    return report_case(onset=dt.date(2020, 2, 5), reported=dt.date(2020, 2, 8), person=resident_of("张三"))


def number_of(person) -> str:
    """The resident's identity number, as the tracer types it from the contact's card."""
    return pii.decrypt(person.id_number_encrypted)


def test_contacts_are_registered_from_the_case_page(official, case, resident_of):
    path = f"/quarantine/cases/{case.pk}/contacts/"
    page = signed_in(official).get(path)
    assert page.status_code == 200 and "No close contact of this case has been registered." in page_of(page)
    primary = resident_of("李四")
    body = {
        "id_number": number_of(primary),
        "contact_type": "household",
        "last_contact_on": "2020-02-07",
        "observation_kind": "home",
    }
    masked = signed_in(official).post(path, {**body, "id_number": primary.id_number_masked})
    assert masked.status_code == 400 and models.Contact.objects.count() == 0
    assert signed_in(official).post(path, body).status_code == 302
    first = models.Contact.objects.get()
    assert models.ObservationPeriod.objects.get(person=primary).contact_id == first.pk
    secondary = {
        **body,
        "id_number": number_of(resident_of("王小五")),
        "contact_type": "shared_meal",
        "via_contact_id": str(first.pk),
    }
    assert signed_in(official).post(path, secondary).status_code == 302
    html = page_of(signed_in(official).get(path))
    assert "Secondary, through 李四" in html and html.count("data-contact=") == 2
    early = {**body, "id_number": number_of(resident_of("钱七")), "last_contact_on": "2020-01-20"}
    refused = signed_in(official).post(path, early)
    assert refused.status_code == 400 and "Only exposures from 2020-02-03 on count" in page_of(refused)
    again = signed_in(official).post(path, body)
    assert again.status_code == 409 and models.Contact.objects.count() == 2


def test_the_contacts_page_is_refused_to_others(outsider, grid_worker, resident, case):
    path = f"/quarantine/cases/{case.pk}/contacts/"
    assert signed_in(outsider).get(path).status_code == 404
    assert signed_in(grid_worker).get(path).status_code == 403  # may not read cases
    assert signed_in(resident.user).get(path).status_code == 403


def test_a_clinic_reads_contacts_without_the_form_of_another_county(clinic, case, make_user):
    html = page_of(signed_in(clinic).get(f"/quarantine/cases/{case.pk}/contacts/"))
    assert 'id="contact-form"' in html  # clinic staff trace the contacts of their county's cases
    prefecture = make_user(Role.HOSPITAL_STAFF, "430102", username="hospital-q")
    html = page_of(signed_in(prefecture).get(f"/quarantine/cases/{case.pk}/contacts/"))
    assert 'id="contact-form"' not in html


def test_the_graph_page_carries_the_graph_and_refuses_bad_filters(official, outsider, case, resident_of):
    services.contact_register(
        actor=official,
        case_id=case.pk,
        person_id=resident_of("李四").pk,
        contact_type="household",
        last_contact_on=dt.date(2020, 2, 7),
    )
    response = signed_in(official).get("/quarantine/graph/", {"case": str(case.pk)})
    assert response.status_code == 200
    html = page_of(response)
    data = json.loads(
        html.split('id="transmission-graph-data" type="application/json">')[1].split("</script>")[0]
    )
    assert {node["label"] for node in data["nodes"]} == {"张*", "李*"}
    assert data["edges"][0]["contact_type"] == "household" and data["labels"]["primary"] == "Close contact"
    assert "李四" not in html  # names are masked on the graph page
    assert signed_in(outsider).get("/quarantine/graph/", {"case": str(case.pk)}).status_code == 404
    assert signed_in(official).get("/quarantine/graph/", {"case": "nope"}).status_code == 400
    assert signed_in(official).get("/quarantine/graph/", {"region": "430103"}).status_code == 404
    empty = page_of(signed_in(outsider).get("/quarantine/graph/"))
    assert 'id="graph-empty"' in empty


# The resident's page -----------------------------------------------------------------------------


def test_a_resident_not_under_observation_sees_an_empty_state(resident):
    response = signed_in(resident.user).get("/quarantine/me/")
    assert response.status_code == 200
    assert 'id="not-under-observation"' in page_of(response) and "checkin-form" not in page_of(response)
    refused = signed_in(resident.user).post("/quarantine/me/", {"temperature": "36.5", "slot": "am"})
    assert refused.status_code == 409 and "no longer under observation" in page_of(refused)


def test_a_resident_checks_in_from_their_phone_page(resident, observe):
    observe(resident)
    client = signed_in(resident.user)
    html = page_of(client.get("/quarantine/me/"))
    assert 'data-days-left="13"' in html and 'id="checkin-form"' in html
    assert client.post("/quarantine/me/", {"temperature": "36.5", "slot": "am"}).status_code == 302
    checkin = models.CheckIn.objects.get()
    assert (checkin.slot, checkin.recorded_by_id) == ("am", None)
    html = page_of(client.get("/quarantine/me/"))
    assert "36.5 °C" in html and 'id="history"' in html
    assert re.search(r'<input type="radio" name="slot" value="pm"[^>]* checked', html)  # the one left
    early = client.post("/quarantine/me/", {"temperature": "36.5", "slot": "pm"})
    assert early.status_code == 400 and "The afternoon check-in opens at noon." in page_of(early)
    fever = client.post("/quarantine/me/", {"temperature": "abc", "slot": "am"})
    assert fever.status_code == 400 and models.CheckIn.objects.count() == 1


def test_officials_have_no_own_observation_page(official):
    assert signed_in(official).get("/quarantine/me/").status_code == 403
