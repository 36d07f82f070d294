import datetime as dt

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.people.services import person_register
from fangyi.regions.choices import PlaceKind
from fangyi.regions.models import Place

VILLAGE = "430102001001"  # in 芙蓉区 (430102)
NOON = dt.datetime(2020, 2, 10, 4, tzinfo=dt.UTC)  # 12:00 in Shanghai


@pytest.fixture
def at_noon():
    with clock.frozen_at(NOON) as moment:
        yield moment


@pytest.fixture
def resident(db, make_user, new_id_number):
    """A resident of 芙蓉区 with a login of their own."""
    user = make_user(Role.RESIDENT, VILLAGE, username="resident-hp")
    person = person_register(actor=None, name="张三丰", id_number=new_id_number(), home_region=VILLAGE)
    person.user = user
    person.save(update_fields=["user"])
    return person


@pytest.fixture
def gate(db):
    return Place.objects.create(name="芙蓉区测试小区门", kind=PlaceKind.COMPOUND_GATE, region_id="430102001")


@pytest.fixture
def gatekeeper(make_user):
    return make_user(Role.CHECKPOINT_STAFF, "430102", username="gatekeeper-hp")
