"""The demo's job posts: searches of the README find posts, a phrase stays a phrase."""

import io

from django.core.management import call_command

from fangyi.demo.jobs import DEMO_COUNTY, jobs_seed
from fangyi.employment import selectors
from fangyi.employment.models import Employer, JobPost
from fangyi.resumption.models import Enterprise


def test_the_demo_posts_are_found_by_the_readme_searches(db, make_user):
    login = make_user(username="employer")
    result = jobs_seed(seed=7, posts=400)
    assert result.posts == JobPost.objects.count() == 400 and result.employers == Employer.objects.count()
    assert Employer.objects.filter(region_id=DEMO_COUNTY, accounts=login).exists()
    for query in ("普工", "电工", "护工", "长沙"):
        assert selectors.job_search(q=query).exists(), query
    # 叉车司机 is a phrase: no post with 叉车 but not 叉车司机 is found by it.
    forklift = set(selectors.job_search(q="叉车司机").values_list("pk", flat=True))
    assert forklift and all(
        "叉车 司机" in text
        for text in JobPost.objects.filter(pk__in=forklift).values_list("search_text", flat=True)
    )
    only_forklift = selectors.job_search(q="叉车").exclude(search_text__contains="叉车 司机")
    assert only_forklift.exists() and not forklift & set(only_forklift.values_list("pk", flat=True))
    assert jobs_seed(seed=7, posts=400).skipped


def test_the_demo_links_resumption_enterprises_when_present(db):
    Enterprise.objects.create(
        credit_code="91430102MA4L000010",
        name="芙蓉制药有限公司",
        industry="manufacturing",
        region_id=DEMO_COUNTY,
    )
    out = io.StringIO()
    call_command("seed_jobs_demo", "--posts", "50", stdout=out, stderr=io.StringIO())
    assert out.getvalue() and JobPost.objects.count() == 50
    assert Employer.objects.get(enterprise__name="芙蓉制药有限公司").region_id == DEMO_COUNTY
