"""The region dashboard shows grid verification per region and today's medical observation."""

import datetime as dt

import pytest
from django.test import Client
from tests.conftest import PASSWORD

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.people.imports import ImportRow
from fangyi.people.services import person_register
from fangyi.screening.choices import Outcome
from fangyi.screening.models import GridTask
from fangyi.screening.services import (
    grid_task_verify,
    risk_area_create,
    screening_run_create,
    screening_run_execute,
    travel_import,
)

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2020, 1, 31, 12, tzinfo=clock.SHANGHAI)
HOMES = ["430102001001", "430102001001", "430102002001", "430103002001"]


@pytest.fixture
def screened(make_user, new_id_number):
    """Four returnees from Wuhan (three in 芙蓉区, one in 天心区), screened; one verified at home."""
    province = make_user(Role.PROVINCIAL_COMMAND, "43", username="prov-dash")
    with clock.frozen_at(NOON):
        risk_area_create(actor=province, area_code="4201", name="武汉市", starts_on=dt.date(2020, 1, 10))
        rows = []
        for line, home in enumerate(HOMES, start=1):
            number = new_id_number()
            person_register(actor=None, name=f"返乡{line}", id_number=number, home_region=home)
            values = {"id_number": number, "area_code": "420106", "at": "2020-01-22 09:00", "source": "rail"}
            rows.append(ImportRow(line=line, values=values))
        travel_import(actor=province, rows=rows)
        run = screening_run_create(actor=province, region="43", as_of=dt.date(2020, 1, 31))
        screening_run_execute(run_id=run.pk)
        task = GridTask.objects.filter(region_id="430102001001").order_by("id").first()
        grid_task_verify(actor=province, task_id=task.pk, outcome=Outcome.HOME_OBSERVATION)
    return province


def page(user, code: str) -> str:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    with clock.frozen_at(NOON + dt.timedelta(days=2)):
        return client.get(f"/regions/{code}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def test_a_county_official_sees_verification_and_observation(screened, make_user):
    official = make_user(Role.COUNTY_OFFICIAL, "430102", username="furong-dash")
    html = page(official, "430102")
    assert 'id="screening-observation"' in html
    assert 'data-kpi="verified">33 %' in html  # one of the county's three visits done
    assert 'data-kpi="visits-overdue">2<' in html  # the other two are past their 24 hours
    assert 'data-kpi="under-observation">1<' in html
    assert "50 %" in html  # 文艺路街道: one of its two returnees verified
    assert "0 %" in html  # the other township of the county


def test_officials_see_only_their_jurisdiction(screened, make_user):
    tianxin = make_user(Role.COUNTY_OFFICIAL, "430103", username="tianxin-dash")
    html = page(tianxin, "430103")
    assert 'data-kpi="verified">0 %' in html
    assert 'data-kpi="under-observation">0<' in html
    assert 'id="screening-observation"' not in page(tianxin, "430102")


def test_roles_without_screening_or_observation_see_no_panel(screened, make_user):
    checkpoint = make_user(Role.CHECKPOINT_STAFF, "430102", username="gate-dash")
    assert 'id="screening-observation"' not in page(checkpoint, "430102")
