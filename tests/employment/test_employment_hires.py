import datetime as dt

import pytest
from tests.employment.conftest import COUNTY, OTHER_COUNTY, in_days

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.employment import selectors, services
from fangyi.employment.models import Application

# 1 March 2020, 23:30 in Changsha: still the first there, though 15:30 UTC.
LATE = dt.datetime(2020, 3, 1, 23, 30, tzinfo=clock.SHANGHAI)
MARCH_1, MARCH_2 = dt.date(2020, 3, 1), dt.date(2020, 3, 2)


def hire(boss, post, login, moment) -> None:
    services.seeker_save(actor=login, region=COUNTY, available_from=in_days(0))
    application = services.job_apply(actor=login, job_id=post.pk)
    for stage in ("shortlisted", "interview", "offered", "hired"):
        services.application_move(actor=boss, application_id=application.pk, stage=stage)
    Application.objects.filter(pk=application.pk).update(hired_at=moment)


@pytest.fixture
def elsewhere(make_user, make_seeker_login):
    """天心区's employer, with one hire on 1 March (its own account hires)."""
    official = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    firm = services.employer_register(actor=official, name="天心物流有限公司", region=OTHER_COUNTY)
    manager = make_user(Role.EMPLOYER, OTHER_COUNTY)
    firm.accounts.add(manager)
    post = services.job_post_create(
        actor=manager,
        employer_id=firm.pk,
        title="仓库普工",
        occupation="6-30-05-01",
        salary_min=4000,
        salary_max=5000,
        headcount=3,
        closing_date=in_days(10),
    )
    hire(manager, post, make_seeker_login("天心工人"), LATE - dt.timedelta(hours=1))
    return firm


@pytest.fixture
def hires(boss, employer, make_post, make_seeker_login, elsewhere):
    """`employer` hires two on 1 March (Changsha time) and one at 00:30 on 2 March."""
    post = make_post("招聘电工", headcount=5)
    for index, moment in enumerate([LATE, LATE - dt.timedelta(hours=3), LATE + dt.timedelta(hours=1)]):
        hire(boss, post, make_seeker_login(f"工人{index}"), moment)
    return employer


def counts(rows) -> list[tuple[str, dt.date, int]]:
    return [(row["employer"], row["day"], row["hires"]) for row in rows]


def test_an_employer_counts_its_own_hires_per_day_in_changsha_time(hires, boss):
    rows = selectors.hires_per_day(actor=boss, since=MARCH_1, until=MARCH_2)
    assert counts(rows) == [("湘华制造有限公司", MARCH_1, 2), ("湘华制造有限公司", MARCH_2, 1)]
    assert rows[0]["employer_id"] == hires.pk
    assert counts(selectors.hires_per_day(actor=boss, since=MARCH_2, until=MARCH_2)) == [
        ("湘华制造有限公司", MARCH_2, 1)
    ]


def test_officials_count_the_employers_of_their_area(hires, elsewhere, county_official, make_user):
    assert counts(selectors.hires_per_day(actor=county_official, since=MARCH_1, until=MARCH_1)) == [
        ("湘华制造有限公司", MARCH_1, 2)
    ]
    city = make_user(Role.PREFECTURE_OFFICIAL, "4301")
    assert counts(selectors.hires_per_day(actor=city, since=MARCH_1, until=MARCH_1)) == [
        ("天心物流有限公司", MARCH_1, 1),
        ("湘华制造有限公司", MARCH_1, 2),
    ]
    only = selectors.hires_per_day(actor=city, since=MARCH_1, until=MARCH_2, region=OTHER_COUNTY)
    assert counts(only) == [("天心物流有限公司", MARCH_1, 1)]
    by_employer = selectors.hires_per_day(actor=city, since=MARCH_1, until=MARCH_2, employer_id=elsewhere.pk)
    assert counts(by_employer) == [("天心物流有限公司", MARCH_1, 1)]


@pytest.mark.parametrize(
    ("since", "until", "code", "status"),
    [
        (MARCH_2, MARCH_1, "hires.invalid_period", 400),
        (MARCH_1, MARCH_1 + dt.timedelta(days=366), "hires.period_too_long", 400),
    ],
)
def test_bad_periods_are_refused(boss, since, until, code, status):
    with pytest.raises(DomainError) as caught:
        selectors.hires_per_day(actor=boss, since=since, until=until)
    assert (caught.value.code, caught.value.status) == (code, status)


def test_other_employers_hires_are_not_found_and_residents_are_refused(hires, elsewhere, boss, seeker_login):
    with pytest.raises(DomainError) as hidden:
        selectors.hires_per_day(actor=boss, since=MARCH_1, until=MARCH_2, employer_id=elsewhere.pk)
    assert (hidden.value.code, hidden.value.status) == ("employer.not_found", 404)
    with pytest.raises(DomainError) as refused:
        selectors.hires_per_day(actor=seeker_login, since=MARCH_1, until=MARCH_2)
    assert refused.value.status == 403
