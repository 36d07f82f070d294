"""The testing dashboard: the region's figures, positivity by day with its table, the labs, the
capacity form for officials who set labs up; refused filters and who may see it."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.labs import services
from fangyi.labs.models import Laboratory
from fangyi.people.services import person_register
from fangyi.regions.models import Place

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
FURONG_VILLAGE = "430102001001"
DASHBOARD = "/labs/dashboard/"


@pytest.fixture(autouse=True)
def frozen_2020():
    with translation.override(None), clock.frozen_at(dt.datetime(2020, 2, 1, 2, tzinfo=dt.UTC)):
        yield


def signed_in(user) -> Client:
    client = Client(**EN)
    client.force_login(user)
    return client


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102")


@pytest.fixture
def lab(db):
    place = Place.objects.create(name="芙蓉区检测实验室", kind="lab", region_id="430102001")
    return Laboratory.objects.create(place=place, daily_capacity=500)


@pytest.fixture
def reported(make_user, lab, new_id_number):
    """Two samples of 芙蓉区 reported on 2020-02-01: one negative, one positive."""
    staff = make_user(Role.CLINIC_STAFF, "430102")
    tech = make_user(Role.LAB_STAFF, "430102")
    clinic = Place.objects.create(name="芙蓉区发热门诊", kind="fever_clinic", region_id="430102001")
    for barcode in ("HN-0001", "HN-0002"):
        person = person_register(
            actor=None,
            name=f"居民{barcode[-1]}",
            id_number=new_id_number("430102"),
            home_region=FURONG_VILLAGE,
        )
        services.sample_collect(actor=staff, place_id=clinic.pk, person_id=person.pk, barcode=barcode)
    services.samples_ship(actor=staff, lab_id=lab.pk, barcodes=["HN-0001", "HN-0002"])
    services.samples_receive(actor=tech, lab_id=lab.pk, barcodes=["HN-0001", "HN-0002"])
    services.sample_report(actor=tech, barcode="HN-0001", result="negative", operator="王工")
    services.sample_report(actor=tech, barcode="HN-0002", result="positive", ct_value="31.0", operator="王工")


def test_the_dashboard_shows_the_figures_the_chart_and_the_labs(official, reported):
    response = signed_in(official).get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Testing · 芙蓉区</h1>" in html and 'data-kpi="samples">2<' in html
    assert 'data-kpi="positive_rate">50.0%<' in html
    assert 'data-kpi="same_day">100.0%<' in html and "target: 100% the same day" in html
    assert 'id="positivity-data"' in html and 'id="positivity-chart"' in html
    assert '<th scope="row">2020-02-01</th><td>2</td><td>1</td>' in html
    assert 'data-lab="' in html and "芙蓉区检测实验室" in html
    assert 'id="id_capacity_daily_capacity"' in html


def test_an_empty_region_shows_dashes_and_empty_states(official):
    html = signed_in(official).get(DASHBOARD).content.decode()
    assert 'data-kpi="positive_rate">—<' in html
    assert "No result was reported in this period." in html and 'id="positivity-chart"' not in html
    assert "No testing lab is registered in this region." in html


def test_a_region_outside_the_jurisdiction_is_refused_on_the_filter(official):
    response = signed_in(official).get(DASHBOARD, {"region": "430103"})
    assert response.status_code == 400
    assert 'id="id_region_error"' in response.content.decode()


def test_a_chart_period_ending_before_it_starts_is_refused(official):
    response = signed_in(official).get(DASHBOARD, {"start": "2020-02-01", "end": "2020-01-01"})
    assert response.status_code == 400
    assert "The chart starts on or before the day it ends." in response.content.decode()


def test_an_official_sets_a_labs_capacity(official, lab):
    response = signed_in(official).post(
        reverse("labs:laboratory_capacity"), {"place_id": lab.pk, "daily_capacity": 1200}
    )
    assert response.status_code == 302
    lab.refresh_from_db()
    assert lab.daily_capacity == 1200


def test_a_capacity_out_of_range_is_refused_and_kept(official, lab):
    response = signed_in(official).post(
        reverse("labs:laboratory_capacity"), {"place_id": lab.pk, "daily_capacity": 5_000_000}
    )
    assert response.status_code == 400
    assert "The daily capacity is a number of samples from 0 to 1,000,000." in response.content.decode()
    lab.refresh_from_db()
    assert lab.daily_capacity == 500


def test_lab_staff_read_the_dashboard_but_may_not_set_capacity(make_user, lab):
    tech = make_user(Role.LAB_STAFF, "430102")
    client = signed_in(tech)
    response = client.get(DASHBOARD)
    assert response.status_code == 200 and 'id="id_capacity_daily_capacity"' not in response.content.decode()
    assert (
        client.post(
            reverse("labs:laboratory_capacity"), {"place_id": lab.pk, "daily_capacity": 1}
        ).status_code
        == 403
    )
    lab.refresh_from_db()
    assert lab.daily_capacity == 500


def test_the_dashboard_needs_the_view_capability(make_user):
    assert signed_in(make_user(Role.CHECKPOINT_STAFF, "430102")).get(DASHBOARD).status_code == 403


def test_a_lab_of_another_county_is_not_offered_for_capacity(make_user, lab):
    other = make_user(Role.COUNTY_OFFICIAL, "430103")
    response = signed_in(other).post(
        reverse("labs:laboratory_capacity"), {"place_id": lab.pk, "daily_capacity": 1}
    )
    assert response.status_code == 400
    lab.refresh_from_db()
    assert lab.daily_capacity == 500
