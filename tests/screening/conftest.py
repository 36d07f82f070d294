import csv
import datetime as dt
import io

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.people.services import person_register
from fangyi.regions.models import Grid
from fangyi.screening.models import RiskArea

VILLAGE = "430102001001"  # 芙蓉区 (430102), 文艺路街道
NEIGHBOUR = "430102001002"  # the same township, another community
ELSEWHERE = "430103002001"  # 天心区 (430103)
TODAY = dt.date(2020, 1, 31)
NOON = dt.datetime(2020, 1, 31, 4, tzinfo=dt.UTC)  # 12:00 in Shanghai
HEADER = ["id_number", "phone", "phone_hash", "area_code", "at", "source"]


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Tasks run at once when the test runs the captured on-commit callbacks."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def at_noon():
    with clock.frozen_at(NOON) as moment:
        yield moment


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCIAL_COMMAND, "43")


@pytest.fixture
def county(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102")


@pytest.fixture
def other_county(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430103")


@pytest.fixture
def township(make_user):
    return make_user(Role.TOWNSHIP_OFFICIAL, "430102001")


@pytest.fixture
def grid_worker(make_user):
    return make_user(Role.GRID_WORKER, VILLAGE)


@pytest.fixture
def neighbour_worker(make_user):
    return make_user(Role.GRID_WORKER, NEIGHBOUR)


@pytest.fixture
def grid(db):
    return Grid.objects.create(code="430102001001-01", name="一网格", region_id=VILLAGE)


@pytest.fixture
def resident_factory(db, new_id_number):
    def make(home=VILLAGE, *, grid=None, phone="", name="张某"):
        number = new_id_number()
        person = person_register(actor=None, name=name, id_number=number, home_region=home, phone=phone)
        if grid is not None:
            person.grid = grid
            person.save(update_fields=["grid"])
        person.plain_id_number = number
        return person

    return make


@pytest.fixture
def hubei(db):
    """All of Hubei listed from 2020-01-10, as on the 2020 lists."""
    return RiskArea.objects.create(area_code="42", name="湖北省", starts_on=dt.date(2020, 1, 10))


def csv_bytes(rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def record(id_number="", area="420106", at="2020-01-20 08:30", source="rail", phone="", phone_hash=""):
    return [id_number, phone, phone_hash, area, at, source]
