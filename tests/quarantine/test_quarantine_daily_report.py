"""Medical observation in the daily report: the surveillance summary and the epidemic dashboard
show the residents under observation that day, without surveillance importing quarantine."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.people.services import person_register
from fangyi.quarantine.services import observation_start
from fangyi.surveillance import services as surveillance

pytestmark = pytest.mark.django_db

VILLAGE = "430102001001"
START = dt.date(2020, 2, 1)


@pytest.fixture
def observed(new_id_number):
    """Two residents of 芙蓉区 under home observation from 2020-02-01, one case for the report."""
    people = [
        person_register(actor=None, name=name, id_number=new_id_number(), home_region=VILLAGE)
        for name in ("王一", "王二", "王三")
    ]
    at = dt.datetime(2020, 2, 1, 10, tzinfo=clock.SHANGHAI)
    with clock.frozen_at(at):
        for person in people[:2]:
            observation_start(
                actor=None, person_id=person.pk, kind="home", source="arrival", last_exposure_on=START
            )
        case = surveillance.case_report(
            actor=None,
            person_id=people[2].pk,
            classification="suspected",
            reporting_unit="芙蓉区疾控",
            residence=VILLAGE,
            report_date=START,
            onset_date=START - dt.timedelta(days=2),
        )
        surveillance.case_confirm(actor=None, case_id=case.id, date=START, method="nucleic_acid")


def test_the_summary_counts_residents_under_observation(observed, api_client, make_user):
    official = make_user(Role.COUNTY_OFFICIAL, "430102")
    for day, expected in (("2020-01-31", 0), ("2020-02-01", 2), ("2020-02-14", 2), ("2020-02-15", 2)):
        body = api_client.get(f"/surveillance/summary?region=430102&date={day}", user=official).json()
        assert body["supplements"] == {"under_observation": expected}, day
    other = make_user(Role.COUNTY_OFFICIAL, "430103", username="tianxin")
    body = api_client.get("/surveillance/summary?region=430103&date=2020-02-01", user=other).json()
    assert body["supplements"] == {"under_observation": 0}


def test_the_dashboard_shows_them(observed, make_user):
    official = make_user(Role.COUNTY_OFFICIAL, "430102")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(official)
    page = reverse("surveillance:detail", args=["430102"]) + "?date=2020-02-01"
    with clock.frozen_at(dt.datetime(2020, 2, 3, 10, tzinfo=clock.SHANGHAI)):
        html = client.get(page).content.decode()
    assert re.search(r'data-kpi="under_observation">\s*2\s*<', html)
    assert "医学观察" in html or "medical observation" in html
