import datetime as dt

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.people.services import person_register
from fangyi.quarantine import services
from fangyi.surveillance import services as surveillance

VILLAGE = "430102001001"  # in 芙蓉区 (430102), Changsha
OTHER_VILLAGE = "430103002001"  # in 天心区 (430103)
TODAY = dt.date(2020, 2, 10)
MORNING = dt.datetime(2020, 2, 10, 1, 30, tzinfo=dt.UTC)  # 09:30 in Shanghai


def _at(day: dt.date, hour: int = 9, minute: int = 30):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.SHANGHAI))


@pytest.fixture
def at():
    """at(day, hour=9, minute=30): a block with the clock frozen at that time in Shanghai."""
    return _at


@pytest.fixture
def morning():
    with clock.frozen_at(MORNING) as moment:
        yield moment


@pytest.fixture
def official(make_user):
    """A county official of 芙蓉区: manages observation, takes temperatures, traces contacts."""
    return make_user(Role.COUNTY_OFFICIAL, "430102", username="official-q")


@pytest.fixture
def outsider(make_user):
    """A county official of 天心区, next door."""
    return make_user(Role.COUNTY_OFFICIAL, "430103", username="outsider-q")


@pytest.fixture
def resident_of(db, new_id_number):
    """make("name", region=..., login=user): a resident, optionally with their own login."""

    def make(name: str = "李四", region: str = VILLAGE, login=None):
        person = person_register(actor=None, name=name, id_number=new_id_number(), home_region=region)
        if login is not None:
            person.user = login
            person.save(update_fields=["user"])
        return person

    return make


@pytest.fixture
def resident(resident_of, make_user):
    """A resident of 芙蓉区 with a login of their own."""
    return resident_of("王五", login=make_user(Role.RESIDENT, VILLAGE, username="resident-q"))


@pytest.fixture
def observe(official):
    """Place a resident under home observation with the 2020 protocol (exposed `days_ago` days ago)."""

    def start(person, days_ago: int = 1, **fields):
        return services.observation_start(
            actor=official,
            person_id=person.pk,
            kind=fields.pop("kind", "home"),
            source=fields.pop("source", "gate"),
            last_exposure_on=clock.today() - dt.timedelta(days=days_ago),
            **fields,
        )

    return start


@pytest.fixture
def report_case(resident_of):
    """A case of a new resident: confirmed with an onset date, or an asymptomatic infection."""

    def report(*, onset: dt.date | None = None, reported: dt.date, asymptomatic: bool = False, person=None):
        person = person or resident_of("赵六")
        case = surveillance.case_report(
            actor=None,
            person_id=person.pk,
            classification="asymptomatic" if asymptomatic else "suspected",
            report_date=reported,
            onset_date=onset,
            residence=VILLAGE,
            reporting_unit="湘雅医院",
        )
        if not asymptomatic:
            case = surveillance.case_confirm(
                actor=None, case_id=case.pk, date=reported, method="nucleic_acid"
            )
        return case

    return report
