import datetime as dt

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.employment import services
from fangyi.employment.models import Employer, Seeker
from fangyi.people.services import person_register

COUNTY = "430102"  # 芙蓉区, 长沙市
OTHER_COUNTY = "430103"  # 天心区, 长沙市
OTHER_CITY = "430202"  # 荷塘区, 株洲市
VILLAGE = "430102001001"  # 识字里社区, 芙蓉区
ELECTRICIAN = "6-31-01-03"
FORKLIFT = "6-30-05-01"
CARER = "4-14-01-02"


def in_days(days: int) -> dt.date:
    return clock.today() + dt.timedelta(days=days)


@pytest.fixture
def boss(make_user):
    """An employer login (employment.post), an account of `employer`."""
    return make_user(Role.EMPLOYER, COUNTY)


@pytest.fixture
def employer(boss, county_official) -> Employer:
    found = services.employer_register(actor=county_official, name="湘华制造有限公司", region=COUNTY)
    found.accounts.add(boss)
    return found


@pytest.fixture
def make_post(county_official, employer):
    """make(title, ...): a post of `employer` written by the county official through the service."""

    def make(title: str = "招聘电工", **fields):
        values = {
            "occupation": ELECTRICIAN,
            "salary_min": 4000,
            "salary_max": 6000,
            "headcount": 2,
            "closing_date": in_days(30),
            "employer_id": employer.pk,
        }
        values.update(fields)
        return services.job_post_create(actor=county_official, title=title, **values)

    return make


@pytest.fixture
def make_seeker_login(make_user, new_id_number):
    """make(name="李建国", home=VILLAGE): a resident login linked to a new resident (no profile yet)."""

    def make(name: str = "李建国", home: str = VILLAGE):
        user = make_user(Role.RESIDENT, home)
        person = person_register(actor=None, name=name, id_number=new_id_number(home[:6]), home_region=home)
        person.user = user
        person.save(update_fields=["user"])
        return user

    return make


@pytest.fixture
def seeker_login(make_seeker_login):
    """A resident login of 芙蓉区 linked to the resident 李建国, who has no seeker profile yet."""
    return make_seeker_login()


@pytest.fixture
def seeker(seeker_login) -> Seeker:
    """李建国's profile: an electrician in 芙蓉区 with a low-voltage certificate and forklift skills."""
    return services.seeker_save(
        actor=seeker_login,
        region=COUNTY,
        available_from=clock.today(),
        occupation=ELECTRICIAN,
        skills="低压电工证 叉车",
        expected_salary=5000,
    )


@pytest.fixture
def application(seeker, seeker_login, make_post):
    """李建国's application (stage "applied") to a new post 招聘维修电工 of `employer`."""
    return services.job_apply(actor=seeker_login, job_id=make_post("招聘维修电工").pk, note="有五年经验")
