import datetime as dt

import pytest

from fangyi.accounts.choices import Role
from fangyi.command import services
from fangyi.core import clock

PREFECTURE = "4301"  # 长沙市
COUNTY = "430102"  # 芙蓉区
TOWNSHIP = "430102001"
VILLAGE = "430102001001"
OTHER_COUNTY = "430103"  # 天心区
NOW = dt.datetime(2020, 2, 10, 9, 30, tzinfo=clock.SHANGHAI)


@pytest.fixture
def now():
    with clock.frozen_at(NOW) as moment:
        yield moment


@pytest.fixture
def province(make_user):
    return make_user(Role.PROVINCIAL_COMMAND, "43", username="province-c")


@pytest.fixture
def prefecture(make_user):
    return make_user(Role.PREFECTURE_OFFICIAL, PREFECTURE, username="prefecture-c")


@pytest.fixture
def county(make_user):
    return make_user(Role.COUNTY_OFFICIAL, COUNTY, username="county-c")


@pytest.fixture
def other_county(make_user):
    return make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY, username="other-county-c")


@pytest.fixture
def township(make_user):
    return make_user(Role.TOWNSHIP_OFFICIAL, TOWNSHIP, username="township-c")


@pytest.fixture
def grid_worker(make_user):
    return make_user(Role.GRID_WORKER, VILLAGE, username="grid-c")


@pytest.fixture
def issue(now):
    """issue(actor, issuer, targets, **fields): a directive due in three days."""

    def make(actor, issuer, targets, **fields):
        return services.directive_issue(
            actor=actor,
            issuer=issuer,
            title=fields.pop("title", "排查返乡人员"),
            body=fields.pop("body", "逐户排查，三日内完成。"),
            targets=targets,
            deadline=fields.pop("deadline", clock.now() + dt.timedelta(days=3)),
            **fields,
        )

    return make


@pytest.fixture
def county_directive(issue, county):
    """芙蓉区 to its township 430102001 and its villages."""
    return issue(county, COUNTY, [TOWNSHIP])
