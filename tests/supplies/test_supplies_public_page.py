"""The public transparency page: no sign-in, who gave what and where it went, in Chinese and
English, and never a donation that is not public."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from fangyi.supplies import services

URL = "/supplies/transparency/"


@pytest.fixture
def donations(officer, item):
    common = {"actor": officer, "date": dt.date(2020, 2, 5), "recipient": "湖南省红十字会"}
    services.donation_record(
        direction="in",
        kind="money",
        donor="旅法湖南商会",
        country="France",
        association="旅法湖南商会",
        receipt_number="PUB-1",
        amount=Decimal("50000"),
        use="购买呼吸机",
        **common,
    )
    services.donation_record(
        direction="in",
        kind="goods",
        donor="旅日华侨",
        country="Japan",
        association="日本湖南人会",
        receipt_number="PUB-2",
        item_id=item.pk,
        quantity=2000,
        use="发往武汉",
        **common,
    )
    services.donation_record(
        direction="in",
        kind="money",
        donor="匿名企业",
        receipt_number="HIDDEN-1",
        amount=Decimal("999"),
        public=False,
        **common,
    )
    services.donation_record(
        direction="out",
        kind="goods",
        donor="湖南省",
        country="Italy",
        association="意大利湖南同乡会",
        receipt_number="OUT-1",
        item_id=item.pk,
        quantity=10000,
        actor=officer,
        date=dt.date(2020, 3, 20),
        recipient="意大利湖南同乡会",
        use="回赠",
    )


def test_the_public_page_works_without_signing_in(db, donations):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Donations: public account" in page
    assert "旅法湖南商会" in page and "France" in page and "购买呼吸机" in page
    assert "日本湖南人会" in page and "2,000" in page
    assert 'id="given"' in page and "意大利湖南同乡会" in page
    assert "¥50,000.00" in page


def test_a_donation_that_is_not_public_is_never_shown(db, donations):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(URL).content.decode()
    assert "HIDDEN-1" not in page and "匿名企业" not in page and "999" not in page


def test_the_public_page_in_chinese_and_empty(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(URL)
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(URL).content.decode()
    assert 'id="donations-empty"' in english and "Nothing has been given abroad yet." in english
