import datetime as dt

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.hospitals import services
from fangyi.people.services import person_register
from fangyi.regions.models import Place
from fangyi.surveillance import services as surveillance

VILLAGE = "430102001001"  # in 芙蓉区 (430102), Changsha
TODAY = dt.date(2020, 2, 10)
DAYS_AGO = {n: TODAY - dt.timedelta(days=n) for n in range(0, 30)}


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    """Every test runs at 09:30 on 2020-02-10 in Shanghai."""
    with clock.frozen_at(at(TODAY, 9, 30)) as moment:
        yield moment


@pytest.fixture
def manager(make_user):
    """A county official of 芙蓉区: designates hospitals and sets their beds."""
    return make_user(Role.COUNTY_OFFICIAL, "430102", username="manager-h")


@pytest.fixture
def prefecture_official(make_user):
    """A prefecture official of Changsha: manages the prefecture's expert groups."""
    return make_user(Role.PREFECTURE_OFFICIAL, "4301", username="prefecture-h")


@pytest.fixture
def staff(make_user):
    """Hospital staff of 芙蓉区."""
    return make_user(Role.HOSPITAL_STAFF, "430102", username="staff-h")


@pytest.fixture
def other_staff(make_user):
    """Hospital staff of 天心区, next door."""
    return make_user(Role.HOSPITAL_STAFF, "430103", username="other-staff-h")


@pytest.fixture
def expert_user(make_user):
    return make_user(Role.EXPERT, "43", username="expert-h")


@pytest.fixture
def make_hospital(db):
    """make(name, region, level, beds={"general": 2}, lat=, lon=): a designated hospital with wards."""

    def make(name="芙蓉区人民医院", region="430102", level="county", beds=None, lat=None, lon=None):
        place = Place.objects.create(
            name=name, kind="hospital", region_id=region, latitude=lat, longitude=lon
        )
        hospital = services.hospital_register(actor=None, place_id=place.pk, level=level)
        for bed_type, capacity in (beds if beds is not None else {"general": 2, "icu": 1}).items():
            services.ward_set_capacity(
                actor=None, hospital_id=hospital.pk, bed_type=bed_type, capacity=capacity
            )
        return hospital

    return make


@pytest.fixture
def hospital(make_hospital):
    """A county-level hospital of 芙蓉区 with 2 general beds and 1 ICU bed, in central Changsha."""
    return make_hospital(lat=28.196, lon=112.998)


@pytest.fixture
def make_case(db, new_id_number):
    """make(name, reported=days ago, confirmed=True): a case of a new resident of 芙蓉区."""

    def make(name="赵六", reported: int = 5, confirmed: bool = True):
        person = person_register(actor=None, name=name, id_number=new_id_number(), home_region=VILLAGE)
        day = DAYS_AGO[reported]
        case = surveillance.case_report(
            actor=None,
            person_id=person.pk,
            classification="suspected",
            report_date=day,
            onset_date=day,
            residence=VILLAGE,
            reporting_unit="湘雅医院",
        )
        if confirmed:
            case = surveillance.case_confirm(actor=None, case_id=case.pk, date=day, method="nucleic_acid")
        return case

    return make


@pytest.fixture
def case(make_case):
    """A confirmed case reported and confirmed 5 days ago."""
    return make_case()


@pytest.fixture
def admit(staff, hospital):
    """admit(case, days_ago=4, bed_type="general", severity=None, hospital=...): an admission."""

    def make(case, days_ago: int = 4, bed_type: str = "general", severity=None, where=None):
        return services.admission_admit(
            actor=staff,
            case_id=case.pk,
            hospital_id=(where or hospital).pk,
            bed_type=bed_type,
            admitted_on=DAYS_AGO[days_ago],
            severity=severity,
        )

    return make
