import datetime as dt

from tests.employment.conftest import FORKLIFT

from fangyi.core import clock
from fangyi.employment.models import JobPost
from fangyi.employment.views import PAGE_SIZE


def test_the_search_page_is_public_and_explains_the_ranking(client, make_post):
    make_post("招聘叉车司机", occupation=FORKLIFT, transport_offered=True, shifts="两班倒")
    make_post("仓库叉车工", occupation=FORKLIFT)
    response = client.get("/employment/", {"q": "叉车司机"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "招聘叉车司机" in page and "仓库叉车工" not in page
    assert "Point-to-point transport" in page and "两班倒" in page and "长沙市芙蓉区" in page
    assert "4,000–6,000 yuan a month" in page and "why this rank" in page and "Recency: 1.0" in page
    assert "1 job found" in page


def test_an_empty_search_says_so(client, make_post):
    make_post("电工")
    page = client.get("/employment/", {"q": "飞行员"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No open job matches this search" in page
    JobPost.objects.update(status="closed")
    page = client.get("/employment/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No job is open at the moment" in page


def test_a_too_long_query_is_shown_on_the_form(client, make_post):
    make_post("电工")
    response = client.get("/employment/", {"q": "电" * 51}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Search with at most 50 characters." in response.content.decode()


def test_results_are_paged_and_htmx_gets_the_results_only(client, make_post):
    for index in range(PAGE_SIZE + 1):
        post = make_post(f"电工{index}")
        JobPost.objects.filter(pk=post.pk).update(posted_at=clock.now() - dt.timedelta(minutes=index))
    first = client.get("/employment/", {"q": "电工"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Page 1 of 2" in first and "电工0<" in first and "电工20<" not in first
    second = client.get("/employment/", {"q": "电工", "page": 2}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "电工20<" in second
    partial = client.get("/employment/", {"q": "电工"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert partial.content.decode().lstrip().startswith('<div id="results">')


def test_the_job_page_is_public(client, make_post):
    post = make_post("维修电工", requirements="持低压电工证", shifts="长白班")
    page = client.get(f"/employment/jobs/{post.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "维修电工" in page and "持低压电工证" in page and "6-31-01-03" in page and "湘华制造有限公司" in page
    )
    JobPost.objects.filter(pk=post.pk).update(status="closed")
    page = client.get(f"/employment/jobs/{post.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This job is closed." in page
    assert client.get("/employment/jobs/999999/", HTTP_ACCEPT_LANGUAGE="en").status_code == 404
