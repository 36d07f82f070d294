import datetime as dt
import itertools

import pytest
from django.db import connection

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.people.services import person_register
from fangyi.volunteers import services
from fangyi.volunteers.choices import MissionKind, Qualification

COUNTY = "430102"  # 芙蓉区, Changsha
TOWNSHIP = "430102001"  # 文艺路街道
VILLAGE = "430102001001"  # 识字里社区
OTHER_COUNTY = "430103"  # 天心区, next door
OTHER_VILLAGE = "430103002001"
# Every test runs on 10 February 2020, 10:00 in Changsha.
NOW = dt.datetime(2020, 2, 10, 10, 0, tzinfo=clock.SHANGHAI)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks between connections (set DATABASE_URL to a PostgreSQL server)",
)

_names = itertools.cycle(["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄磊"])


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of February 2020 in Changsha."""
    return dt.datetime(2020, 2, day, hour, minute, tzinfo=clock.SHANGHAI)


@pytest.fixture(autouse=True)
def frozen_now():
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.VOLUNTEER_COORDINATOR, COUNTY, username="coordinator-v")


@pytest.fixture
def other_coordinator(make_user):
    return make_user(Role.VOLUNTEER_COORDINATOR, OTHER_COUNTY, username="other-coordinator-v")


@pytest.fixture
def make_resident(make_user, new_id_number):
    """make(home=VILLAGE): a resident login linked to a new resident of the village."""

    def make(home: str = VILLAGE, *, name: str | None = None):
        user = make_user(Role.RESIDENT, home)
        person = person_register(
            actor=None, name=name or next(_names), id_number=new_id_number(home[:6]), home_region=home
        )
        person.user = user
        person.save(update_fields=["user"])
        return user

    return make


@pytest.fixture
def resident(make_resident):
    return make_resident(name="张三丰")


@pytest.fixture
def make_volunteer(make_resident, coordinator):
    """make(region=VILLAGE, counsellor=False): a registered resident login and its volunteer."""

    def make(region: str = VILLAGE, *, counsellor: bool = False, **profile):
        user = make_resident(region if len(region) == 12 else VILLAGE)
        volunteer = services.volunteer_register_self(actor=user, region=region, **profile)
        if counsellor:
            services.qualification_submit(actor=user, qualification=Qualification.COUNSELLOR_2, number="C-1")
            volunteer = services.qualification_verify(
                actor=coordinator, volunteer_id=volunteer.pk, approve=True
            )
        return user, volunteer

    return make


@pytest.fixture
def volunteer(make_volunteer):
    return make_volunteer()


@pytest.fixture
def make_mission(coordinator):
    def make(
        *,
        kind: str = MissionKind.CHECKPOINT,
        region: str = TOWNSHIP,
        starts_at: dt.datetime | None = None,
        ends_at: dt.datetime | None = None,
        slots: int = 3,
        actor=None,
    ):
        return services.mission_create(
            actor=actor or coordinator,
            kind=kind,
            title="Checkpoint at 识字里",
            region=region,
            starts_at=starts_at or at(10, 8),
            ends_at=ends_at or at(10, 20),
            slots=slots,
        )

    return make


@pytest.fixture
def mission(make_mission):
    return make_mission()


@pytest.fixture
def assigned(volunteer, mission, coordinator):
    """The volunteer's sign-up for the mission, assigned."""
    user, _volunteer = volunteer
    signup = services.signup_create(actor=user, mission_id=mission.pk)
    return services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
