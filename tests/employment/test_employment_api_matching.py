import re

from tests.employment.conftest import COUNTY, ELECTRICIAN, FORKLIFT, OTHER_COUNTY, in_days

from fangyi.accounts.choices import Role
from fangyi.core.models import AuditEvent
from fangyi.employment import services
from fangyi.employment.models import Application, Employer, Seeker, StageChange
from fangyi.healthpass.models import ColourState

PROFILE = {"region": COUNTY, "available_from": "2030-01-01", "occupation": ELECTRICIAN, "skills": "叉车"}
# What an employer's response must never hold: the colour of a health code, in any form.
COLOUR_WORDS = {"red", "yellow", "green", "colour", "color", "health", "code"}
COLOUR_CHARACTERS = ("红", "黄", "绿", "健康码")


def holds_a_colour(body) -> bool:
    """Whether a key or a value anywhere in the decoded JSON names a colour (as a word of its own:
    "offered" and "hired_at" are not "red")."""
    if isinstance(body, dict):
        return any(holds_a_colour(key) or holds_a_colour(value) for key, value in body.items())
    if isinstance(body, list):
        return any(holds_a_colour(item) for item in body)
    if isinstance(body, str):
        words = {word.lower() for word in re.split(r"[^A-Za-z]+", body)}
        return bool(words & COLOUR_WORDS) or any(mark in body for mark in COLOUR_CHARACTERS)
    return False


def written() -> tuple[int, ...]:
    return (
        Seeker.objects.count(),
        Application.objects.count(),
        StageChange.objects.count(),
        Employer.objects.count(),
        AuditEvent.objects.count(),
    )


def assert_refused(response, status: int, code: str, before: tuple[int, ...]) -> None:
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert written() == before


def colour(seeker, value: str) -> None:
    ColourState.objects.create(
        person=seeker.person, subject=f"s-{seeker.pk}", colour=value, reason_code="test", rule_version="t"
    )


def test_a_resident_keeps_their_profile_through_the_api(api_client, seeker_login, make_user, boss):
    assert api_client.put("/employment/seeker", json=PROFILE).status_code == 401
    missing = api_client.get("/employment/seeker", user=seeker_login)
    assert (missing.status_code, missing.json()["code"]) == (404, "seeker.not_found")
    before = written()
    bad = api_client.put("/employment/seeker", json={**PROFILE, "region": "43"}, user=seeker_login)
    assert_refused(bad, 400, "seeker.invalid_region", before)
    unlinked = make_user(Role.RESIDENT, COUNTY)
    assert_refused(
        api_client.put("/employment/seeker", json={**PROFILE, "available_from": "2026-01-01"}, user=unlinked),
        409,
        "seeker.no_resident",
        before,
    )
    assert_refused(
        api_client.put("/employment/seeker", json=PROFILE, user=boss), 403, "permission_denied", before
    )
    assert (
        api_client.put(
            "/employment/seeker", json={**PROFILE, "expected_salary": -1}, user=seeker_login
        ).status_code
        == 422
    )
    saved = api_client.put(
        "/employment/seeker", json={**PROFILE, "available_from": in_days(1).isoformat()}, user=seeker_login
    )
    assert saved.status_code == 200
    body = saved.json()
    assert (body["place"], body["occupation_name"], body["skills"], body["travel"]) == (
        "长沙市芙蓉区",
        "电工",
        "叉车",
        "can_travel",
    )
    assert api_client.get("/employment/seeker", user=seeker_login).json() == body


def test_recommended_jobs_for_the_seeker(api_client, seeker, seeker_login, make_post, boss):
    make_post("维修电工", requirements="会开叉车")
    response = api_client.get("/employment/seeker/recommendations?limit=5", user=seeker_login)
    (item,) = response.json()
    assert item["title"] == "维修电工"
    assert [part["component"] for part in item["why"]] == [
        "occupation",
        "skills",
        "distance",
        "salary",
        "recency",
    ]
    assert api_client.get("/employment/seeker/recommendations?limit=0", user=seeker_login).status_code == 422
    assert api_client.get("/employment/seeker/recommendations", user=boss).status_code == 403


def test_apply_withdraw_and_the_refusals(api_client, seeker, seeker_login, make_seeker_login, make_post):
    post = make_post("维修电工")
    applied = api_client.post(
        f"/employment/jobs/{post.pk}/apply", json={"note": "五年经验"}, user=seeker_login
    )
    assert applied.status_code == 201
    body = applied.json()
    assert (body["job_id"], body["stage"], body["note"], body["employer"]) == (
        post.pk,
        "applied",
        "五年经验",
        "湘华制造有限公司",
    )
    no_profile = make_seeker_login("王小红")
    before = written()
    again = api_client.post(f"/employment/jobs/{post.pk}/apply", json={}, user=seeker_login)
    assert_refused(again, 409, "application.duplicate", before)
    assert_refused(
        api_client.post(f"/employment/jobs/{post.pk}/apply", json={}, user=no_profile),
        409,
        "application.no_profile",
        before,
    )
    assert_refused(
        api_client.post("/employment/jobs/999999/apply", json={}, user=seeker_login),
        404,
        "job.not_found",
        before,
    )
    closed = make_post("已关")
    services.job_post_close(actor=closed.employer.accounts.first(), job_id=closed.pk)
    before = written()
    assert_refused(
        api_client.post(f"/employment/jobs/{closed.pk}/apply", json={}, user=seeker_login),
        409,
        "job.closed",
        before,
    )
    mine = api_client.get("/employment/applications", user=seeker_login).json()
    assert [item["id"] for item in mine] == [body["id"]]
    withdrawn = api_client.post(f"/employment/applications/{body['id']}/withdraw", user=seeker_login)
    assert withdrawn.status_code == 200 and withdrawn.json()["stage"] == "withdrawn"
    before = written()
    assert_refused(
        api_client.post(f"/employment/applications/{body['id']}/withdraw", user=seeker_login),
        409,
        "application.invalid_transition",
        before,
    )
    assert_refused(
        api_client.post(f"/employment/applications/{body['id']}/withdraw", user=no_profile),
        404,
        "application.not_found",
        before,
    )


def test_the_colour_check_sees_colours():
    assert holds_a_colour([{"travel": "red"}]) and holds_a_colour({"health_code": 1})
    assert holds_a_colour({"x": "红码"}) and not holds_a_colour({"hired_at": "offered"})


def test_the_employer_moves_applicants_and_never_sees_a_colour(
    api_client, application, seeker, boss, make_user
):
    colour(seeker, "red")
    url = f"/employment/jobs/{application.post_id}/applications"
    response = api_client.get(url, user=boss)
    (item,) = response.json()
    assert (item["name"], item["travel"], item["stage"], item["skills"]) == (
        "李**",
        "cannot_travel",
        "applied",
        "低压电工证 叉车",
    )
    assert [change["stage"] for change in item["history"]] == ["applied"]
    assert not holds_a_colour(response.json())
    stage_url = f"/employment/applications/{application.pk}/stage"
    before = written()
    assert_refused(
        api_client.post(stage_url, json={"stage": "hired"}, user=boss),
        409,
        "application.invalid_transition",
        before,
    )
    assert_refused(
        api_client.post(stage_url, json={"stage": "fired"}, user=boss),
        400,
        "application.invalid_stage",
        before,
    )
    stranger = make_user(Role.EMPLOYER, COUNTY)
    assert_refused(
        api_client.post(stage_url, json={"stage": "shortlisted"}, user=stranger),
        404,
        "application.not_found",
        before,
    )
    assert api_client.get(url, user=stranger).status_code == 404
    moved = api_client.post(stage_url, json={"stage": "shortlisted", "note": "约面试"}, user=boss)
    assert moved.status_code == 200
    assert (moved.json()["name"], moved.json()["stage"]) == ("李建国", "shortlisted")
    assert [change["stage"] for change in moved.json()["history"]] == ["applied", "shortlisted"]


def test_hiring_past_the_headcount_through_the_api(
    api_client, seeker_login, seeker, make_seeker_login, make_post, boss
):
    post = make_post("招聘一名电工", headcount=1)
    other = make_seeker_login("王小红")
    services.seeker_save(actor=other, region=COUNTY, available_from=in_days(0))
    ids = [services.job_apply(actor=login, job_id=post.pk).pk for login in (seeker_login, other)]
    for pk in ids:
        for stage in ("shortlisted", "interview", "offered"):
            assert (
                api_client.post(
                    f"/employment/applications/{pk}/stage", json={"stage": stage}, user=boss
                ).status_code
                == 200
            )
    assert (
        api_client.post(
            f"/employment/applications/{ids[0]}/stage", json={"stage": "hired"}, user=boss
        ).status_code
        == 200
    )
    before = written()
    assert_refused(
        api_client.post(f"/employment/applications/{ids[1]}/stage", json={"stage": "hired"}, user=boss),
        409,
        "application.headcount_filled",
        before,
    )
    hires = api_client.get(f"/employment/hires?since={in_days(-1)}&until={in_days(0)}", user=boss).json()
    assert [(row["employer"], row["hires"]) for row in hires] == [("湘华制造有限公司", 1)]
    bad = api_client.get(f"/employment/hires?since={in_days(0)}&until={in_days(-1)}", user=boss)
    assert (bad.status_code, bad.json()["code"]) == (400, "hires.invalid_period")
    assert api_client.get("/employment/hires?since=yesterday&until=2020-01-01", user=boss).status_code == 422
    assert (
        api_client.get(
            f"/employment/hires?since={in_days(0)}&until={in_days(0)}", user=seeker_login
        ).status_code
        == 403
    )


def test_a_red_code_seeker_is_recommended_as_cannot_travel(api_client, make_post, make_seeker_login, boss):
    post = make_post("叉车司机", occupation=FORKLIFT)
    login = make_seeker_login("赵大力")
    red = services.seeker_save(
        actor=login, region=COUNTY, available_from=in_days(0), occupation=FORKLIFT, skills="叉车"
    )
    colour(red, "red")
    response = api_client.get(f"/employment/jobs/{post.pk}/recommendations", user=boss)
    (item,) = response.json()
    assert (item["seeker_id"], item["name"], item["travel"]) == (red.pk, "赵**", "cannot_travel")
    assert [part["component"] for part in item["why"]] == [
        "occupation",
        "skills",
        "distance",
        "salary",
        "recency",
    ]
    assert not holds_a_colour(response.json())
    ColourState.objects.filter(person=red.person).update(colour="green")
    assert (
        api_client.get(f"/employment/jobs/{post.pk}/recommendations", user=boss).json()[0]["travel"]
        == "can_travel"
    )
    assert api_client.get(f"/employment/jobs/{post.pk}/recommendations", user=login).status_code == 403


def test_the_public_search_is_unchanged_for_anonymous_users(api_client, make_post, seeker_login, seeker):
    make_post("仓库普工", occupation=FORKLIFT, requirements="持低压电工证，会开叉车")
    make_post("仓库普工", occupation=FORKLIFT, requirements="身体健康")
    anonymous = api_client.get("/employment/jobs?q=仓库普工").json()
    assert [part["component"] for part in anonymous["items"][0]["why"]] == [
        "text",
        "occupation",
        "distance",
        "salary",
        "recency",
    ]
    assert anonymous["items"][0]["requirements"] == "身体健康"  # the newer first on a tie
    signed_in = api_client.get("/employment/jobs?q=仓库普工", user=seeker_login).json()
    assert signed_in["items"][0]["requirements"] == "持低压电工证，会开叉车"
    skills = {part["component"]: part for part in signed_in["items"][0]["why"]}["skills"]
    assert (skills["value"], skills["weight"]) == (1.0, 0.1)


def test_employers_register_and_list_through_the_api(
    api_client, boss, county_official, make_user, seeker_login
):
    payload = {"name": "芙蓉家政服务有限公司", "region": COUNTY}
    assert api_client.post("/employment/employers", json=payload).status_code == 401
    created = api_client.post("/employment/employers", json=payload, user=boss)
    assert created.status_code == 201 and created.json()["region"] == COUNTY
    mine = api_client.get("/employment/employers/mine", user=boss).json()
    assert [row["id"] for row in mine] == [created.json()["id"]]
    by_county = api_client.post(
        "/employment/employers", json={"name": "芙蓉物流", "region": COUNTY}, user=county_official
    )
    assert by_county.status_code == 201
    assert {row["name"] for row in api_client.get("/employment/employers", user=county_official).json()} == {
        "芙蓉家政服务有限公司",
        "芙蓉物流",
    }
    assert [row["name"] for row in api_client.get("/employment/employers", user=boss).json()] == [
        "芙蓉家政服务有限公司"
    ]
    outsider = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    assert api_client.get("/employment/employers", user=outsider).json() == []
    before = written()
    assert_refused(
        api_client.post("/employment/employers", json=payload, user=outsider),
        404,
        "region.not_found",
        before,
    )
    assert_refused(
        api_client.post("/employment/employers", json=payload, user=seeker_login),
        403,
        "permission_denied",
        before,
    )
    assert api_client.get("/employment/employers/mine", user=county_official).status_code == 403
    assert api_client.get("/employment/employers", user=seeker_login).status_code == 403
