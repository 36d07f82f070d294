import datetime as dt
from decimal import Decimal

import pytest
from tests.supplies.conftest import stock

from fangyi.core.errors import DomainError, PermissionDenied
from fangyi.supplies import selectors, services
from fangyi.supplies.models import Donation, LedgerEntry

DAY = dt.date(2020, 2, 3)


def _money(officer, receipt, amount="10000.00", **extra):
    fields = {
        "direction": "in",
        "kind": "money",
        "donor": "旅美湖南同乡会",
        "recipient": "湖南省红十字会",
        "date": DAY,
        "receipt_number": receipt,
        "amount": amount,
        "country": "美国",
        "association": "旅美湖南同乡会",
        "use": "一线医护防护物资",
    }
    return services.donation_record(actor=officer, **{**fields, **extra})


def _goods(officer, receipt, item, warehouse=None, key=None, quantity=5000, **extra):
    fields = {
        "direction": "in",
        "kind": "goods",
        "donor": "旅日华侨华人",
        "recipient": "湖南省应急物资储备库",
        "date": DAY,
        "receipt_number": receipt,
        "item_id": item.pk,
        "quantity": quantity,
        "country": "日本",
        "association": "旅日湖南同乡会",
        "warehouse_id": warehouse.pk if warehouse else None,
        "client_key": key,
    }
    return services.donation_record(actor=officer, **{**fields, **extra})


def _code(call, *args, **kwargs) -> str:
    donations, entries = Donation.objects.count(), LedgerEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert (Donation.objects.count(), LedgerEntry.objects.count()) == (donations, entries)
    return caught.value.code


def test_money_received_is_recorded_once_per_receipt(officer):
    donation = _money(officer, "HN-2020-0001")
    assert donation.amount == Decimal("10000.00") and donation.item is None
    assert _code(_money, officer, "HN-2020-0001") == "donation.duplicate_receipt"
    for bad in ("0", "-5", "1.234", "lots"):
        assert _code(_money, officer, "HN-2020-0002", amount=bad) == "donation.invalid_amount"
    assert _code(_money, officer, "HN-2020-0002", item_id=1) == "donation.money_with_goods"
    assert _code(_money, officer, "HN-2020-0002", direction="sideways") == "donation.invalid_direction"
    assert _code(_money, officer, "HN-2020-0002", date=dt.date(2999, 1, 1)) == "donation.date_in_future"
    assert _code(_money, officer, " ") == "donation.receipt_number.required"


def test_goods_received_into_a_warehouse_go_through_the_ledger(officer, warehouse, item, key):
    k = key()
    donation = _goods(officer, "HN-2020-0100", item, warehouse, k)
    assert stock(warehouse, item) == 5000
    assert LedgerEntry.objects.get(posting=donation.posting).quantity == 5000
    assert _code(_goods, officer, "HN-2020-0100", item, warehouse, key()) == "donation.duplicate_receipt"
    assert _code(_goods, officer, "HN-2020-0101", item, warehouse, None) == "donation.client_key.required"
    # The key of the first receipt cannot post a second one.
    assert _code(_goods, officer, "HN-2020-0101", item, warehouse, k) == "ledger.key_reused"
    assert _code(_goods, officer, "HN-2020-0101", item, warehouse, key(), quantity=2.5) == "quantity.invalid"
    assert _code(_goods, officer, "HN-2020-0101", item, key=key(), item_id=10**6) == "item.not_found"
    assert (
        _code(_goods, officer, "HN-2020-0101", item, key=key(), warehouse_id=10**6) == "warehouse.not_found"
    )
    assert _code(_goods, officer, "HN-2020-0101", item, amount="5") == "donation.goods_with_amount"
    assert stock(warehouse, item) == 5000


def test_goods_given_out_of_a_warehouse_leave_its_stock(officer, warehouse, item, key):
    _goods(officer, "HN-2020-0200", item, warehouse, key())
    given = _goods(
        officer,
        "HN-2020-0201",
        item,
        warehouse,
        key(),
        quantity=2000,
        direction="out",
        donor="湖南省",
        recipient="旅意湖南同乡会",
        country="意大利",
        use="支援当地华人社区",
    )
    assert stock(warehouse, item) == 3000 and given.direction == "out"
    assert _code(_goods, officer, "HN-2020-0202", item, warehouse, key(), quantity=9000, direction="out") == (
        "ledger.insufficient_stock"
    )


def test_only_supply_officers_record_donations(make_user):
    with pytest.raises(PermissionDenied):
        _money(make_user("county_official", "430102"), "HN-2020-0300")


def test_the_transparency_account_lists_public_donations_only(officer, item):
    _money(officer, "R1", amount="100.00")
    _money(officer, "R2", amount="50.50", country="英国", association="旅英湖南同乡会")
    _money(officer, "R3", amount="999.00", public=False)
    _goods(officer, "R4", item)
    _goods(officer, "R5", item, direction="out", recipient="旅意湖南同乡会", country="意大利", use="社区防疫")
    account = selectors.transparency()
    assert account["money_received"] == Decimal("150.50")
    assert {(r["country"], r["amount"]) for r in account["money_by_country"]} == {
        ("美国", Decimal("100.00")),
        ("英国", Decimal("50.50")),
    }
    assert [(r["item"], r["quantity"]) for r in account["goods_received"]] == [(item.code, 5000)]
    assert [d.receipt_number for d in account["given"]] == ["R5"]
    assert {d.receipt_number for d in account["donations"]} == {"R1", "R2", "R4", "R5"}
