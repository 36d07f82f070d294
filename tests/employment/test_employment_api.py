import pytest
from tests.employment.conftest import COUNTY, ELECTRICIAN, FORKLIFT, in_days

from fangyi.employment.models import JobPost


def test_anyone_searches_without_signing_in(api_client, make_post):
    make_post("招聘叉车司机", occupation=FORKLIFT, transport_offered=True, shifts="两班倒")
    make_post("仓库叉车工", occupation=FORKLIFT)
    body = api_client.get("/employment/jobs?q=叉车司机&region=4301&limit=5").json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert (
        item["title"] == "招聘叉车司机" and item["transport_offered"] is True and item["shifts"] == "两班倒"
    )
    assert item["place"] == "长沙市芙蓉区" and item["occupation"] == FORKLIFT
    assert [part["component"] for part in item["why"]] == [
        "text",
        "occupation",
        "distance",
        "salary",
        "recency",
    ]
    assert item["score"] == pytest.approx(sum(part["points"] for part in item["why"]), abs=0.005)
    assert api_client.get("/employment/jobs?q=叉车").json()["count"] == 2
    page = api_client.get("/employment/jobs?limit=1&offset=1").json()
    assert page["count"] == 2 and len(page["items"]) == 1


def test_bad_queries_are_clear_errors(api_client, make_post):
    make_post("电工")
    response = api_client.get("/employment/jobs", query_params={"q": "电" * 51})
    assert (response.status_code, response.json()["code"]) == (400, "search.query_too_long")
    assert api_client.get("/employment/jobs", query_params={"q": "电\x00工"}).status_code == 422
    assert api_client.get('/employment/jobs?q=电工" OR 1').json()["count"] == 0
    assert api_client.get("/employment/jobs?region=43;--").status_code == 422
    assert api_client.get("/employment/jobs?limit=101").status_code == 422
    assert api_client.get("/employment/jobs?salary=-1").status_code == 422


def test_a_post_and_the_occupations_are_public(api_client, make_post):
    post = make_post("维修电工")
    body = api_client.get(f"/employment/jobs/{post.pk}").json()
    assert body["title"] == "维修电工" and body["employer"] == "湘华制造有限公司"
    missing = api_client.get("/employment/jobs/999999")
    assert (missing.status_code, missing.json()["code"]) == (404, "job.not_found")
    occupations = api_client.get("/employment/occupations").json()
    assert {"code": ELECTRICIAN, "name": "电工", "keywords": ["电工", "维修电工", "低压电工"]} in occupations
    assert len(occupations) >= 40


def test_an_employer_posts_and_closes_through_the_api(api_client, bearer, boss, employer):
    payload = {
        "employer_id": employer.pk,
        "title": "招聘焊工",
        "occupation": "6-18-02-04",
        "salary_min": 6000,
        "salary_max": 9000,
        "headcount": 5,
        "closing_date": in_days(20).isoformat(),
        "transport_offered": True,
    }
    assert api_client.post("/employment/jobs", json=payload).status_code == 401
    created = api_client.post("/employment/jobs", json=payload, headers=bearer(boss))
    assert created.status_code == 201 and created.json()["region"] == COUNTY
    bad = api_client.post("/employment/jobs", json={**payload, "salary_min": 10000}, headers=bearer(boss))
    assert (bad.status_code, bad.json()["code"]) == (400, "job.invalid_salary")
    assert JobPost.objects.count() == 1
    job_id = created.json()["id"]
    assert api_client.get("/employment/jobs?q=焊工").json()["count"] == 1
    closed = api_client.post(f"/employment/jobs/{job_id}/close", headers=bearer(boss))
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert api_client.get("/employment/jobs?q=焊工").json()["count"] == 0
    again = api_client.post(f"/employment/jobs/{job_id}/close", headers=bearer(boss))
    assert (again.status_code, again.json()["code"]) == (409, "job.closed")
