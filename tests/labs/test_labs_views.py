"""The fever referral pages: the queue, a referral with its close and result forms; scoping."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.models import AuditEvent
from fangyi.labs import models, services
from fangyi.labs.choices import ReferralStatus
from fangyi.people.services import person_register
from fangyi.regions.models import Place

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
FURONG_VILLAGE = "430102001001"
TIANXIN_VILLAGE = "430103002001"
QUEUE = "/labs/"


@pytest.fixture(autouse=True)
def frozen_2020():
    """The clock in 2020; the language back to the default after the English requests."""
    with translation.override(None), clock.frozen_at(dt.datetime(2020, 2, 1, 4, tzinfo=dt.UTC)):
        yield


def signed_in(user, headers=EN) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102")


@pytest.fixture
def clinic(make_user):
    return make_user(Role.CLINIC_STAFF, "430102")


@pytest.fixture
def referral(db, new_id_number):
    def make(village: str = FURONG_VILLAGE, name: str = "张三", **extra):
        person = person_register(
            actor=None, name=name, id_number=new_id_number(village[:6]), home_region=village
        )
        place = Place.objects.create(name=f"{name}小区东门", kind="compound_gate", region_id=village)
        fields = {
            "source": "gate",
            "reason": "卡口测温异常",
            "temperature": Decimal("38.2"),
            "place_id": place.pk,
        }
        fields.update(extra)
        return services.referral_open(actor=None, person_id=person.pk, **fields)

    return make


def detail(referral) -> str:
    return reverse("labs:referral_detail", args=[referral.pk])


def writes() -> tuple[object, ...]:
    return (
        AuditEvent.objects.count(),
        models.TestResult.objects.count(),
        *models.Referral.objects.order_by("pk").values_list("status", "outcome_note"),
    )


# The queue ---------------------------------------------------------------------------------------


def test_the_queue_shows_the_jurisdictions_referrals_masked_with_open_ones_first(official, referral):
    with clock.frozen_at(dt.datetime(2020, 1, 31, 16, 5, tzinfo=dt.UTC)):
        waiting = referral()
    done = referral(name="李四")
    services.referral_close(actor=official, referral_id=done.pk, status="cleared")
    referral(TIANXIN_VILLAGE, name="天心居民")
    response = signed_in(official).get(QUEUE)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(detail(waiting)) < html.index(detail(done))
    assert waiting.person.id_number_masked in html and "张三" in html
    assert "张三小区东门" in html and "38.2 °C" in html and "Gate stop" in html
    assert "2020-02-01 00:05" in html  # opened at, in Asia/Shanghai
    assert 'class="badge badge--suspected">Open' in html and "Cleared: not a case" in html
    assert "天心居民" not in html  # another county's referral


def test_the_queue_filters_by_status_and_pages(official, referral):
    waiting, done = referral(), referral(name="李四")
    services.referral_close(actor=official, referral_id=done.pk, status="case_reported")
    client = signed_in(official)
    html = client.get(QUEUE, {"status": "open"}).content.decode()
    assert detail(waiting) in html and detail(done) not in html
    html = client.get(QUEUE, {"status": "case_reported"}).content.decode()
    assert detail(done) in html and detail(waiting) not in html
    html = client.get(QUEUE, {"county": "430103"}).content.decode()
    assert "No referral in your jurisdiction matches this search." in html
    for n in range(50):
        referral(name=f"居民{n}")
    second = client.get(QUEUE, {"page": 2}).content.decode()
    assert "Page 2 of 2" in second
    assert len(re.findall(r'href="/labs/referrals/[0-9a-f-]{36}/"', second)) == 2


def test_the_empty_state_and_bad_filters(official):
    client = signed_in(official)
    html = client.get(QUEUE).content.decode()
    assert "No resident has been referred to a fever clinic in your jurisdiction." in html
    response = client.get(QUEUE, {"county": "12x"})
    assert response.status_code == 400 and 'id="id_county_error"' in response.content.decode()
    response = client.get(QUEUE, {"status": "closed"})
    assert response.status_code == 400 and 'id="id_status_error"' in response.content.decode()


def test_the_queue_speaks_chinese_by_default(official):
    html = signed_in(official, ZH).get(QUEUE).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "搜索" in html  # the shared "Search" button, from the zh-Hans catalogue


def test_htmx_gets_the_results_partial(official, referral):
    referral()
    response = signed_in(official).get(QUEUE, headers={"HX-Request": "true"})
    assert response.content.decode().lstrip().startswith('<div id="results">')


def test_the_nav_link_follows_the_capability(official, make_user):
    html = signed_in(official).get(QUEUE).content.decode()
    assert f'href="{QUEUE}" aria-current="page"' in html
    grid = signed_in(make_user(Role.GRID_WORKER, "430102"))
    assert f'href="{QUEUE}"' not in grid.get(reverse("people:list")).content.decode()
    assert grid.get(QUEUE).status_code == 403


def test_sign_in_is_required():
    response = Client().get(QUEUE)
    assert response.status_code == 302 and "login" in response["Location"]


# A referral --------------------------------------------------------------------------------------


def test_another_countys_referral_is_not_found_and_cannot_be_closed(make_user, referral):
    theirs = referral(TIANXIN_VILLAGE)
    client = signed_in(make_user(Role.COUNTY_OFFICIAL, "430102"))
    assert client.get(detail(theirs)).status_code == 404
    before = writes()
    response = client.post(reverse("labs:referral_close", args=[theirs.pk]), {"status": "cleared"})
    assert response.status_code == 404 and writes() == before
    response = client.post(reverse("labs:result_report", args=[theirs.pk]), {"result": "negative"})
    assert response.status_code == 404 and writes() == before


def test_close_through_the_page_with_a_message(official, referral):
    mine = referral()
    client = signed_in(official)
    html = client.get(detail(mine)).content.decode()
    assert reverse("labs:referral_close", args=[mine.pk]) in html
    assert reverse("labs:result_report", args=[mine.pk]) not in html  # officials do not record results
    response = client.post(
        reverse("labs:referral_close", args=[mine.pk]),
        {"status": "case_reported", "note": "CT 异常"},
        follow=True,
    )
    assert response.redirect_chain == [(detail(mine), 302)]
    html = response.content.decode()
    assert "The referral is closed: Reported as a suspected case." in html
    assert "CT 异常" in html and reverse("labs:referral_close", args=[mine.pk]) not in html
    mine.refresh_from_db()
    assert (mine.status, mine.closed_by, mine.outcome_note) == (
        ReferralStatus.CASE_REPORTED,
        official,
        "CT 异常",
    )


def test_a_bad_close_shows_its_error_next_to_the_field_and_writes_nothing(official, referral):
    mine = referral()
    client = signed_in(official)
    before = writes()
    response = client.post(reverse("labs:referral_close", args=[mine.pk]), {"status": "open"})
    assert response.status_code == 400 and 'id="id_close_status_error"' in response.content.decode()
    response = client.post(
        reverse("labs:referral_close", args=[mine.pk]), {"status": "cleared", "note": "x" * 300}
    )
    assert response.status_code == 400 and 'id="id_close_note_error"' in response.content.decode()
    assert writes() == before


def test_closing_a_closed_referral_is_refused_with_its_message(official, referral):
    mine = referral()
    services.referral_close(actor=official, referral_id=mine.pk, status="cleared")
    before = writes()
    response = signed_in(official).post(
        reverse("labs:referral_close", args=[mine.pk]), {"status": "case_reported"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="close-error"' in html and "This referral is already closed." in html
    assert writes() == before


def test_clinic_staff_record_a_result_through_the_page(clinic, referral):
    mine = referral()
    client = signed_in(clinic)
    html = client.get(detail(mine)).content.decode()
    assert reverse("labs:result_report", args=[mine.pk]) in html
    assert "No test result of this resident is on record." in html
    response = client.post(
        reverse("labs:result_report", args=[mine.pk]),
        {"result": "positive", "sampled_on": "2020-02-01", "lab": "湘雅医院检验科"},
        follow=True,
    )
    assert response.redirect_chain == [(detail(mine), 302)]
    html = response.content.decode()
    assert "The test result is recorded." in html
    assert 'class="badge badge--confirmed">Positive' in html and "湘雅医院检验科" in html
    result = models.TestResult.objects.get()
    assert (result.referral, result.reported_by, result.positive) == (mine, clinic, True)


def test_a_bad_result_shows_its_error_next_to_the_field_and_writes_nothing(clinic, referral):
    mine = referral()
    client = signed_in(clinic)
    url = reverse("labs:result_report", args=[mine.pk])
    before = writes()
    response = client.post(url, {"result": "positive", "sampled_on": "2020-02-02", "lab": "湘雅"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_result_sampled_on_error"' in html and "A date cannot be in the future." in html
    response = client.post(url, {"result": "maybe", "sampled_on": "not a date", "lab": ""})
    html = response.content.decode()
    assert response.status_code == 400
    for field in ("result", "sampled_on", "lab"):
        assert f'id="id_result_{field}_error"' in html
    assert writes() == before


def test_officials_without_results_cannot_post_one(official, referral):
    mine = referral()
    before = writes()
    response = signed_in(official).post(
        reverse("labs:result_report", args=[mine.pk]),
        {"result": "negative", "sampled_on": "2020-02-01", "lab": "湘雅"},
    )
    assert response.status_code == 403 and writes() == before


def test_a_result_sampled_before_2000_is_refused_next_to_the_field(clinic, referral):
    mine = referral()
    before = writes()
    response = signed_in(clinic).post(
        reverse("labs:result_report", args=[mine.pk]),
        {"result": "negative", "sampled_on": "0001-01-01", "lab": "湘雅"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_result_sampled_on_error"' in html and "The sample date cannot be before 2000." in html
    assert writes() == before


def test_a_county_filter_below_a_county_is_shown_next_to_the_field(official):
    response = signed_in(official).get(QUEUE, {"county": "430102001"})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="id_county_error"' in html
    assert "Filter by a county, a prefecture or the province." in html


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_cost_the_same_queries_for_one_row_as_for_many(clinic, referral):
    mine = referral()
    client = signed_in(clinic)

    def result(day: int) -> None:
        services.result_report(
            actor=clinic,
            person_id=mine.person_id,
            result="negative",
            sampled_on=dt.date(2020, 1, day),
            lab="湘雅",
        )

    result(30)
    queue, page = _queries(client, QUEUE), _queries(client, detail(mine))
    for n in range(4):
        referral(name=f"居民{n}", place_id=None)
        result(31)
    assert _queries(client, QUEUE) == queue
    assert _queries(client, detail(mine)) == page
