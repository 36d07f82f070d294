import pytest
from tests.employment.conftest import COUNTY, ELECTRICIAN, OTHER_COUNTY, in_days

from fangyi.accounts.choices import Role
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.core.validators import credit_code_check_char
from fangyi.employment import services
from fangyi.employment.models import Employer, JobPost
from fangyi.resumption.models import Enterprise


def valid(**changes):
    values = {
        "title": "招聘维修电工",
        "occupation": ELECTRICIAN,
        "salary_min": 4000,
        "salary_max": 6000,
        "headcount": 2,
        "closing_date": in_days(30),
    }
    values.update(changes)
    return values


def refused(call, code: str, status: int = 400) -> None:
    posts, events = JobPost.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.code, caught.value.status) == (code, status)
    assert (JobPost.objects.count(), AuditEvent.objects.count()) == (posts, events)


def test_an_employer_account_posts_a_job_with_its_words_indexed(boss, employer):
    post = services.job_post_create(
        actor=boss, employer_id=employer.pk, requirements="持低压电工证", shifts="长白班", **valid()
    )
    assert post.region_id == COUNTY and post.status == "open" and post.posted_at is not None
    assert post.search_text.startswith("招聘 维修 电工 维修电工 电工 ")
    assert "湘华" in post.search_text and "长沙市" in post.search_text and "芙蓉区" in post.search_text
    assert AuditEvent.objects.filter(action="job.post", object_id=str(post.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": "  "}, "job.title_required"),
        ({"title": "电" * 65}, "job.title_too_long"),
        ({"requirements": "要" * 2001}, "job.requirements_too_long"),
        ({"shifts": "班" * 129}, "job.shifts_too_long"),
        ({"occupation": "9-99-99-99"}, "job.unknown_occupation"),
        ({"region": "4301"}, "job.invalid_region"),
        ({"region": "439999"}, "job.invalid_region"),
        ({"salary_min": 7000, "salary_max": 6000}, "job.invalid_salary"),
        ({"salary_max": 1_000_001}, "job.invalid_salary"),
        ({"salary_min": -1}, "job.invalid_salary"),
        ({"headcount": 0}, "job.invalid_headcount"),
        ({"headcount": 100_001}, "job.invalid_headcount"),
        ({"closing_date": in_days(-1)}, "job.closing_date_past"),
    ],
)
def test_bad_posts_are_refused_and_nothing_is_written(boss, employer, changes, code):
    refused(lambda: services.job_post_create(actor=boss, employer_id=employer.pk, **valid(**changes)), code)


def test_who_may_post_for_an_employer(make_user, boss, employer, county_official):
    other_boss = make_user(Role.EMPLOYER, COUNTY)
    refused(
        lambda: services.job_post_create(actor=other_boss, employer_id=employer.pk, **valid()),
        "employer.not_found",
        404,
    )
    outsider = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    refused(
        lambda: services.job_post_create(actor=outsider, employer_id=employer.pk, **valid()),
        "employer.not_found",
        404,
    )
    resident = make_user(Role.RESIDENT, COUNTY)
    refused(
        lambda: services.job_post_create(actor=resident, employer_id=employer.pk, **valid()),
        "permission_denied",
        403,
    )
    refused(
        lambda: services.job_post_create(actor=boss, employer_id=10**6, **valid()), "employer.not_found", 404
    )
    assert services.job_post_create(actor=county_official, employer_id=employer.pk, **valid()).pk


def test_closing_a_post_takes_it_out_of_the_search_once(boss, employer, make_user):
    post = services.job_post_create(actor=boss, employer_id=employer.pk, **valid())
    stranger = make_user(Role.EMPLOYER, COUNTY)
    with pytest.raises(DomainError) as hidden:
        services.job_post_close(actor=stranger, job_id=post.pk)
    assert hidden.value.code == "job.not_found"
    closed = services.job_post_close(actor=boss, job_id=post.pk)
    assert closed.status == "closed"
    with pytest.raises(DomainError) as again:
        services.job_post_close(actor=boss, job_id=post.pk)
    assert (again.value.code, again.value.status) == ("job.closed", 409)
    assert AuditEvent.objects.filter(action="job.close").count() == 1


def credit(region: str, serial: str) -> str:
    body = f"91{region}{serial}"
    return body + credit_code_check_char(body)


def test_employer_register_links_a_resumption_enterprise(county_official, boss):
    firm = Enterprise.objects.create(
        credit_code=credit(COUNTY, "MA4L00001"),
        name="芙蓉制药有限公司",
        industry="manufacturing",
        region_id=COUNTY,
    )
    employer = services.employer_register(actor=county_official, enterprise_id=firm.pk)
    assert (employer.name, employer.region_id, employer.credit_code) == (firm.name, COUNTY, firm.credit_code)
    with pytest.raises(DomainError) as duplicate:
        services.employer_register(actor=county_official, enterprise_id=firm.pk)
    assert (duplicate.value.code, duplicate.value.status) == ("employer.duplicate", 409)
    # An employer login registers its own business and becomes its account.
    own = services.employer_register(actor=boss, name="芙蓉家政服务有限公司", region=COUNTY)
    assert list(own.accounts.all()) == [boss]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": ""}, "employer.name_required"),
        ({"name": "名" * 129}, "employer.name_too_long"),
        ({"region": "43"}, "employer.invalid_region"),
        ({"region": OTHER_COUNTY}, "region.not_found"),
        ({"credit_code": "91430102MA4L0000XX"}, "employer.invalid_credit_code"),
        ({"enterprise_id": 10**6}, "employer.unknown_enterprise"),
    ],
)
def test_bad_employers_are_refused(county_official, changes, code):
    values = {"name": "芙蓉物流有限公司", "region": COUNTY, **changes}
    before = Employer.objects.count()
    with pytest.raises(DomainError) as caught:
        services.employer_register(actor=county_official, **values)
    assert caught.value.code == code
    assert Employer.objects.count() == before
