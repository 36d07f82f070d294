import datetime as dt

import pytest
from tests.employment.conftest import CARER, COUNTY, ELECTRICIAN, FORKLIFT, OTHER_CITY, OTHER_COUNTY, in_days

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.employment import search, selectors, services
from fangyi.employment.models import Seeker
from fangyi.healthpass.models import ColourState


def test_a_seekers_search_counts_their_skills_and_explains_it(make_post, seeker):
    # Two posts alike but for one naming the seeker's forklift skill (叉车) in its requirements.
    plain = make_post("普工", occupation=FORKLIFT, requirements="服从安排")
    skilled = make_post("普工", occupation=FORKLIFT, requirements="会开叉车")
    public = list(selectors.job_search(q="普工"))
    assert not hasattr(public[0], "skills_score")
    assert [part["component"] for part in search.why(public[0])] == list(search.WEIGHTS)
    ranked = list(selectors.job_search(q="普工", seeker=seeker))
    assert [post.pk for post in ranked] == [skilled.pk, plain.pk]
    by_pk = {post.pk: post for post in ranked}
    # 李建国's skills words: 低压 电工 电工证 叉车 — the skilled post names one of four.
    assert by_pk[skilled.pk].skills_score == pytest.approx(0.25)
    assert by_pk[plain.pk].skills_score == 0.0
    why = {part["component"]: part for part in search.why(by_pk[skilled.pk])}
    assert list(why) == ["text", "occupation", "skills", "distance", "salary", "recency"]
    assert why["skills"]["value"] == 0.25 and why["skills"]["weight"] == 0.10
    assert why["skills"]["points"] == pytest.approx(0.025)
    assert sum(part["weight"] for part in why.values()) == pytest.approx(1.0)
    assert by_pk[skilled.pk].score == pytest.approx(sum(part["points"] for part in why.values()), abs=0.005)
    # The seeker's search measures distance from where they look for work (芙蓉区).
    assert why["distance"]["value"] == 1.0


def test_skill_overlap_moves_a_post_up_the_seekers_search(make_post, seeker):
    skilled = make_post("仓库普工", occupation=FORKLIFT, requirements="持低压电工证，会开叉车")
    newer = make_post("仓库普工", occupation=FORKLIFT, requirements="身体健康")
    # The public search puts the newer post first (everything else equal).
    assert [post.pk for post in selectors.job_search(q="仓库普工")] == [newer.pk, skilled.pk]
    assert [post.pk for post in selectors.job_search(q="仓库普工", seeker=seeker)] == [skilled.pk, newer.pk]


def test_recommended_jobs_rank_occupation_skills_distance_and_pay(make_post, seeker, seeker_login):
    best = make_post("维修电工", requirements="低压电工证", salary_min=5000, salary_max=7000)
    near_other = make_post("护工", occupation=CARER, region=OTHER_COUNTY, salary_min=3000, salary_max=4000)
    far = make_post("电工", region=OTHER_CITY, salary_min=4000, salary_max=6000)
    applied = make_post("电工学徒")
    services.job_apply(actor=seeker_login, job_id=applied.pk)
    closed = make_post("电工已满")
    services.job_post_close(actor=closed.employer.accounts.first(), job_id=closed.pk)
    rows = selectors.recommend_jobs(seeker)
    assert [post.pk for post in rows] == [best.pk, far.pk, near_other.pk]
    top = {part["component"]: part for part in search.why(rows[0])}
    assert list(top) == ["occupation", "skills", "distance", "salary", "recency"]
    assert (top["occupation"]["value"], top["distance"]["value"], top["salary"]["value"]) == (1.0, 1.0, 1.0)
    assert top["skills"]["value"] == pytest.approx(0.75)  # 低压 电工 电工证 of 低压 电工 电工证 叉车
    farther = {part["component"]: part for part in search.why(rows[1])}
    assert (farther["distance"]["value"], farther["salary"]["value"]) == (0.3, 0.5)
    assert rows[0].score == pytest.approx(sum(part["points"] for part in top.values()), abs=0.005)
    assert selectors.recommend_jobs(seeker, limit=1) == [rows[0]]


def seeker_named(make_seeker_login, name, **profile) -> Seeker:
    login = make_seeker_login(name)
    values = {"region": COUNTY, "available_from": in_days(0), **profile}
    return services.seeker_save(actor=login, **values)


def test_recommended_seekers_for_a_post_show_only_whether_they_can_travel(
    make_post, make_seeker_login, boss, make_user
):
    post = make_post("维修电工", requirements="低压电工证", salary_min=4000, salary_max=6000)
    fit = seeker_named(
        make_seeker_login, "张红梅", occupation=ELECTRICIAN, skills="低压电工证", expected_salary=4000
    )
    red = seeker_named(
        make_seeker_login, "赵大力", occupation=ELECTRICIAN, skills="焊工", expected_salary=9000
    )
    seeker_named(make_seeker_login, "孙不见", occupation=ELECTRICIAN, skills="低压电工证", visible=False)
    other = seeker_named(make_seeker_login, "钱远", occupation=CARER, region=OTHER_CITY, expected_salary=5000)
    ColourState.objects.create(
        person=fit.person, subject="s-fit", colour="green", reason_code="t", rule_version="t"
    )
    ColourState.objects.create(
        person=red.person, subject="s-red", colour="red", reason_code="t", rule_version="t"
    )
    matches = selectors.recommend_seekers(actor=boss, job_id=post.pk)
    assert [match.seeker.pk for match in matches] == [fit.pk, red.pk, other.pk]
    assert [match.name for match in matches] == ["张**", "赵**", "钱*"]
    assert [match.travel for match in matches] == ["can_travel", "cannot_travel", "can_travel"]
    why = {part["component"]: part["value"] for part in matches[0].why}
    assert why == {"occupation": 1.0, "skills": 1.0, "distance": 1.0, "salary": 1.0, "recency": 1.0}
    assert {part["component"]: part["value"] for part in matches[1].why}["salary"] == 0.0
    assert {part["component"]: part["value"] for part in matches[2].why}["distance"] == 0.3
    assert matches[0].score == pytest.approx(1.0)
    # Someone who applied is in the pipeline, not among the recommendations.
    services.job_apply(actor=fit.person.user, job_id=post.pk)
    assert fit.pk not in [m.seeker.pk for m in selectors.recommend_seekers(actor=boss, job_id=post.pk)]
    stranger = make_user(Role.EMPLOYER, COUNTY)
    with pytest.raises(DomainError) as hidden:
        selectors.recommend_seekers(actor=stranger, job_id=post.pk)
    assert hidden.value.code == "job.not_found"


def test_a_seeker_without_skills_scores_none_for_them(make_post, make_seeker_login, boss):
    post = make_post("维修电工")
    bare = seeker_named(make_seeker_login, "周空", occupation=ELECTRICIAN)
    (match,) = selectors.recommend_seekers(actor=boss, job_id=post.pk)
    assert match.seeker.pk == bare.pk
    assert {part["component"]: part["value"] for part in match.why}["skills"] == 0.0
    assert selectors.recommend_jobs(bare)[0].skills_score == 0.0


def test_an_old_profile_ranks_below_a_fresh_one(make_post, make_seeker_login, boss):
    post = make_post("维修电工")
    old = seeker_named(make_seeker_login, "吴旧", occupation=ELECTRICIAN)
    Seeker.objects.filter(pk=old.pk).update(updated_at=clock.now() - dt.timedelta(days=40))
    fresh = seeker_named(make_seeker_login, "郑新", occupation=ELECTRICIAN)
    matches = selectors.recommend_seekers(actor=boss, job_id=post.pk)
    assert [match.seeker.pk for match in matches] == [fresh.pk, old.pk]


def test_a_post_with_hundreds_of_words_still_ranks_seekers(make_post, make_seeker_login, boss):
    post = make_post("维修电工", requirements=" ".join(f"k{index}" for index in range(400)))
    early = seeker_named(make_seeker_login, "冯早", skills="k5")
    late = seeker_named(make_seeker_login, "陈晚", skills="k399")
    matches = {match.seeker.pk: match for match in selectors.recommend_seekers(actor=boss, job_id=post.pk)}
    skills = {
        pk: {part["component"]: part["value"] for part in match.why}["skills"]
        for pk, match in matches.items()
    }
    # The first 200 words of the post count (its title and occupation first).
    assert skills == {early.pk: 1.0, late.pk: 0.0}
