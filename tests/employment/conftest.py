import datetime as dt

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.employment import services
from fangyi.employment.models import Employer

COUNTY = "430102"  # 芙蓉区, 长沙市
OTHER_COUNTY = "430103"  # 天心区, 长沙市
OTHER_CITY = "430202"  # 荷塘区, 株洲市
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
