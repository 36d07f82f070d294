"""The fever clinic desk: finding the visitor, triage with its reasons, the sample at the visit,
the referrals waiting for the clinic's county; who may use it and what is out of reach."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.models import AuditEvent
from fangyi.labs import services
from fangyi.labs.models import ClinicVisit, Sample
from fangyi.people.services import person_register
from fangyi.regions.models import Place

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
FURONG_VILLAGE = "430102001001"
TIANXIN_VILLAGE = "430103002001"
DESK = "/labs/clinic/"


@pytest.fixture(autouse=True)
def frozen_2020():
    with translation.override(None), clock.frozen_at(dt.datetime(2020, 2, 1, 4, tzinfo=dt.UTC)):
        yield


def signed_in(user) -> Client:
    client = Client(**EN)
    client.force_login(user)
    return client


@pytest.fixture
def clinic(db):
    return Place.objects.create(name="芙蓉区发热门诊", kind="fever_clinic", region_id="430102001")


@pytest.fixture
def staff(make_user):
    return make_user(Role.CLINIC_STAFF, "430102")


@pytest.fixture
def resident(db, new_id_number):
    number = new_id_number("430102")
    person = person_register(actor=None, name="张三", id_number=number, home_region=FURONG_VILLAGE)
    person.plain_id_number = number
    return person


def triage_data(clinic, person, **extra):
    data = {
        "clinic_id": clinic.pk,
        "person_id": person.pk,
        "temperature": "38.1",
        "symptoms": ["cough"],
        "exposures": ["travel_risk_area"],
        "code_colour": "green",
        "note": "",
    }
    data.update(extra)
    return data


def visit_of(staff, clinic, person) -> ClinicVisit:
    return services.visit_triage(
        actor=staff,
        clinic_id=clinic.pk,
        person_id=person.pk,
        temperature="37.0",
        symptoms=[],
        exposures=[],
        code_colour="green",
    )


def test_the_desk_lists_the_clinic_with_empty_states(staff, clinic):
    response = signed_in(staff).get(DESK)
    assert response.status_code == 200
    html = response.content.decode()
    assert "芙蓉区发热门诊" in html
    assert "No open referral is waiting for a fever clinic." in html
    assert "No visitor has been triaged at this clinic yet." in html


def test_a_desk_without_a_clinic_says_so(staff):
    response = signed_in(staff).get(DESK)
    assert response.status_code == 200
    assert "No fever clinic is registered in your jurisdiction." in response.content.decode()


def test_the_visitor_is_found_by_identity_number(staff, clinic, resident):
    response = signed_in(staff).get(DESK, {"clinic": clinic.pk, "id_number": resident.plain_id_number})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="triage-form"' in html and "Triage 张三" in html


def test_an_unknown_identity_number_is_an_error_on_the_field(staff, clinic, new_id_number):
    response = signed_in(staff).get(DESK, {"clinic": clinic.pk, "id_number": new_id_number("430102")})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_id_number_error"' in html and 'id="triage-form"' not in html


def test_a_referral_of_the_clinics_county_waits_first(staff, clinic, resident, new_id_number):
    other = person_register(
        actor=None, name="李四", id_number=new_id_number("430102"), home_region=FURONG_VILLAGE
    )
    gate = Place.objects.create(name="东门", kind="compound_gate", region_id=FURONG_VILLAGE)
    services.referral_open(
        actor=None, person_id=resident.pk, source="gate", reason="卡口测温异常", place_id=gate.pk
    )
    services.referral_open(actor=None, person_id=other.pk, source="self_report", reason="自述发热")
    html = signed_in(staff).get(DESK, {"clinic": clinic.pk}).content.decode()
    assert "张三" in html and "李四" in html
    assert f"person={resident.pk}" in html
    found = signed_in(staff).get(DESK, {"clinic": clinic.pk, "person": resident.pk})
    assert 'id="triage-form"' in found.content.decode()


def test_triage_records_the_visit_and_shows_the_decision_and_its_reasons(staff, clinic, resident):
    response = signed_in(staff).post(DESK, triage_data(clinic, resident))
    visit = ClinicVisit.objects.get()
    assert response.status_code == 302 and response.url == reverse("labs:visit_detail", args=[visit.pk])
    page = signed_in(staff).get(response.url)
    html = page.content.decode()
    assert "Sample and isolate" in html
    assert "Fever with an epidemiological history: sampled and isolated." in html
    assert "Travelled from or lived in a risk area" in html
    assert 'id="id_sample_barcode"' in html


def test_a_refused_triage_shows_the_error_and_writes_nothing(staff, clinic, resident):
    response = signed_in(staff).post(DESK, triage_data(clinic, resident, temperature="45.0"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "The temperature must be between 34.0 and 43.0 °C." in html
    assert 'id="triage-form"' in html
    assert not ClinicVisit.objects.exists()


def test_an_unknown_symptom_is_refused_on_the_form(staff, clinic, resident):
    response = signed_in(staff).post(DESK, triage_data(clinic, resident, symptoms=["hiccups"]))
    assert response.status_code == 400
    assert 'id="id_symptoms_error"' in response.content.decode()
    assert not ClinicVisit.objects.exists()


def test_the_sample_is_collected_at_the_visit(staff, clinic, resident):
    visit = visit_of(staff, clinic, resident)
    url = reverse("labs:visit_detail", args=[visit.pk])
    response = signed_in(staff).post(url, {"barcode": " hn-0001 "})
    assert response.status_code == 302
    sample = Sample.objects.get()
    assert (sample.barcode, sample.visit_id, sample.person_id) == ("HN-0001", visit.pk, resident.pk)
    assert "HN-0001" in signed_in(staff).get(url).content.decode()


def test_a_reused_barcode_shows_the_error_and_writes_nothing(staff, clinic, resident, new_id_number):
    visit = visit_of(staff, clinic, resident)
    services.sample_collect(actor=staff, place_id=clinic.pk, person_id=resident.pk, barcode="HN-0001")
    before = (Sample.objects.count(), AuditEvent.objects.count())
    response = signed_in(staff).post(reverse("labs:visit_detail", args=[visit.pk]), {"barcode": "HN-0001"})
    assert response.status_code == 409
    assert "The barcode HN-0001 is already used." in response.content.decode()
    assert (Sample.objects.count(), AuditEvent.objects.count()) == before


def test_a_malformed_barcode_is_refused(staff, clinic, resident):
    visit = visit_of(staff, clinic, resident)
    response = signed_in(staff).post(reverse("labs:visit_detail", args=[visit.pk]), {"barcode": "ab"})
    assert response.status_code == 400
    assert "is not a barcode" in response.content.decode()
    assert not Sample.objects.exists()


def test_the_desk_needs_the_clinic_capability(make_user, clinic):
    lab = make_user(Role.LAB_STAFF, "430102")
    assert signed_in(lab).get(DESK).status_code == 403
    assert signed_in(lab).post(DESK, {}).status_code == 403


def test_a_visit_of_another_county_is_not_found(make_user, staff, clinic, resident):
    visit = visit_of(staff, clinic, resident)
    stranger = make_user(Role.CLINIC_STAFF, "430103")
    url = reverse("labs:visit_detail", args=[visit.pk])
    assert signed_in(stranger).get(url).status_code == 404
    assert signed_in(stranger).post(url, {"barcode": "HN-0002"}).status_code == 404
    assert not Sample.objects.exists()


def test_an_official_reads_the_visit_without_the_sample_form(make_user, staff, clinic, resident):
    visit = visit_of(staff, clinic, resident)
    official = make_user(Role.COUNTY_OFFICIAL, "430102")
    response = signed_in(official).get(reverse("labs:visit_detail", args=[visit.pk]))
    assert response.status_code == 200
    assert 'id="id_sample_barcode"' not in response.content.decode()
    assert (
        signed_in(official)
        .post(reverse("labs:visit_detail", args=[visit.pk]), {"barcode": "HN-0003"})
        .status_code
        == 403
    )
