"""The supplies pages: the stock board, a warehouse's ledger and its forms (client keys, refusals
shown on the form), production, requests, allocation runs explained, shipments and donations;
who may see and post."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.supplies import services
from fangyi.supplies.choices import EntryKind, ShipmentStatus, WarehouseLevel
from fangyi.supplies.models import Balance, LedgerEntry, Producer, Shipment, SupplyRequest

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
COUNTY = "430102"  # 芙蓉区, Changsha
OTHER_PREFECTURE = "4302"  # 株洲


@pytest.fixture(autouse=True)
def frozen_2020():
    with translation.override(None), clock.frozen_at(dt.datetime(2020, 2, 10, 2, tzinfo=dt.UTC)):
        yield


def signed_in(user) -> Client:
    client = Client(**EN)
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def client_key(page: str, form: str) -> str:
    """The client key rendered into one of the page's forms."""
    match = re.search(
        rf'id="id_{form}_client_key" value="([^"]+)"|value="([^"]+)"[^>]*id="id_{form}_client_key"', page
    )
    assert match, f"no client key in the {form} form"
    return match.group(1) or match.group(2)


def on_hand(warehouse, item) -> int:
    balance = Balance.objects.filter(
        location__warehouse=warehouse, location__kind="warehouse", item=item
    ).first()
    return balance.quantity if balance else 0


@pytest.fixture
def stocked(officer, warehouse, item, key):
    services.stock_receive(
        actor=officer, warehouse_id=warehouse.pk, item_id=item.pk, quantity=500, client_key=key()
    )
    return warehouse


# Stock board -------------------------------------------------------------------------------------


def test_the_board_shows_stock_by_warehouse_and_item_with_low_stock_flagged(officer, stocked, make_item, key):
    thermometer = make_item("thermometer", name="体温计", pack_size=10)
    services.stock_receive(
        actor=officer, warehouse_id=stocked.pk, item_id=thermometer.pk, quantity=20, client_key=key()
    )
    response = signed_in(officer).get("/supplies/")
    assert response.status_code == 200
    page = html(response)
    assert "Supplies: stock" in page and 'id="stock"' in page
    assert f'data-warehouse="{stocked.pk}"' in page
    assert re.search(r'data-item="mask-n95"[^>]*>500<', page)
    assert re.search(r'stock--low" data-item="thermometer"', page)  # 2 packs of 10
    assert "not been reconciled" in page


def test_the_board_shows_the_last_reconciliation_mismatches_in_red(officer, stocked):
    Balance.objects.filter(location__warehouse=stocked).update(quantity=499)  # a balance gone wrong
    services.reconcile()
    page = html(signed_in(officer).get("/supplies/"))
    assert "reconciliation--bad" in page and "1 balance that differs from its ledger" in page
    assert str(stocked) in page


def test_the_board_empty_and_a_region_outside(officer, make_user):
    page = html(signed_in(officer).get("/supplies/"))
    assert 'id="stock-empty"' in page
    county = make_user(Role.COUNTY_OFFICIAL, COUNTY)
    response = signed_in(county).get("/supplies/?region=4302")
    assert response.status_code == 400 and "alert--error" in html(response)


def test_the_board_needs_the_view_capability(make_user):
    response = signed_in(make_user(Role.LAB_STAFF, COUNTY)).get("/supplies/")
    assert response.status_code == 403
    assert Client().get("/supplies/").status_code == 302


# A warehouse -------------------------------------------------------------------------------------


def test_a_receipt_posts_once_for_a_double_submit(officer, warehouse, item):
    client = signed_in(officer)
    page = html(client.get(f"/supplies/warehouses/{warehouse.pk}/"))
    assert "This warehouse holds no stock yet." in page and 'id="ledger-empty"' in page
    form = {"client_key": client_key(page, "receipt"), "item_id": item.pk, "quantity": 300, "note": "到货"}
    first = client.post(f"/supplies/warehouses/{warehouse.pk}/receipt/", form)
    second = client.post(f"/supplies/warehouses/{warehouse.pk}/receipt/", form)
    assert first.status_code == second.status_code == 302
    assert on_hand(warehouse, item) == 300
    assert LedgerEntry.objects.filter(location__warehouse=warehouse).count() == 1
    page = html(client.get(f"/supplies/warehouses/{warehouse.pk}/"))
    assert "entry-kind--receipt" in page and "+300" in page


def test_a_key_reused_for_another_payload_is_refused_on_the_form(officer, warehouse, item):
    client = signed_in(officer)
    key = client_key(html(client.get(f"/supplies/warehouses/{warehouse.pk}/")), "receipt")
    url = f"/supplies/warehouses/{warehouse.pk}/receipt/"
    client.post(url, {"client_key": key, "item_id": item.pk, "quantity": 300})
    response = client.post(url, {"client_key": key, "item_id": item.pk, "quantity": 400})
    assert response.status_code == 409
    page = html(response)
    assert "already used for a different posting" in page
    assert client_key(page, "receipt") != key  # a fresh form
    assert on_hand(warehouse, item) == 300


@pytest.mark.parametrize("quantity", ["-5", "2.5", "0", "many"])
def test_a_bad_quantity_is_refused(officer, warehouse, item, quantity):
    client = signed_in(officer)
    key = client_key(html(client.get(f"/supplies/warehouses/{warehouse.pk}/")), "receipt")
    response = client.post(
        f"/supplies/warehouses/{warehouse.pk}/receipt/",
        {"client_key": key, "item_id": item.pk, "quantity": quantity},
    )
    assert response.status_code == 400
    assert 'id="id_receipt_quantity_error"' in html(response)
    assert not LedgerEntry.objects.exists()


def test_not_whole_packs_is_refused(officer, warehouse, make_item):
    masks = make_item("mask-surgical", name="医用外科口罩", pack_size=50)
    client = signed_in(officer)
    key = client_key(html(client.get(f"/supplies/warehouses/{warehouse.pk}/")), "receipt")
    response = client.post(
        f"/supplies/warehouses/{warehouse.pk}/receipt/",
        {"client_key": key, "item_id": masks.pk, "quantity": 120},
    )
    assert response.status_code == 400
    assert "whole packs of 50" in html(response)
    assert not LedgerEntry.objects.exists()


def test_an_issue_beyond_the_stock_is_refused_on_the_form(officer, stocked, item):
    client = signed_in(officer)
    key = client_key(html(client.get(f"/supplies/warehouses/{stocked.pk}/")), "issue")
    response = client.post(
        f"/supplies/warehouses/{stocked.pk}/issue/", {"client_key": key, "item_id": item.pk, "quantity": 501}
    )
    assert response.status_code == 409
    assert 'id="id_issue_quantity_error"' in html(response) and "Not enough" in html(response)
    assert on_hand(stocked, item) == 500
    ok = client.post(
        f"/supplies/warehouses/{stocked.pk}/issue/",
        {"client_key": client_key(html(response), "issue"), "item_id": item.pk, "quantity": 200},
    )
    assert ok.status_code == 302 and on_hand(stocked, item) == 300


def test_an_adjustment_needs_a_reason_and_a_change(officer, stocked, item):
    client = signed_in(officer)
    url = f"/supplies/warehouses/{stocked.pk}/adjustment/"
    key = client_key(html(client.get(f"/supplies/warehouses/{stocked.pk}/")), "adjustment")
    zero = client.post(url, {"client_key": key, "item_id": item.pk, "quantity": 0, "reason": "盘点"})
    assert zero.status_code == 400 and "non-zero" in html(zero)
    no_reason = client.post(url, {"client_key": key, "item_id": item.pk, "quantity": -3, "reason": ""})
    assert no_reason.status_code == 400 and 'id="id_adjustment_reason_error"' in html(no_reason)
    done = client.post(url, {"client_key": key, "item_id": item.pk, "quantity": -3, "reason": "盘点短少"})
    assert done.status_code == 302 and on_hand(stocked, item) == 497


def test_a_reversal_is_linked_both_ways_and_cannot_be_repeated(officer, stocked, item):
    client = signed_in(officer)
    entry = LedgerEntry.objects.get(location__warehouse=stocked)
    page = html(client.get(f"/supplies/warehouses/{stocked.pk}/?reverse={entry.pk}"))
    assert f'value="{entry.pk}"' in page
    url = f"/supplies/warehouses/{stocked.pk}/reversal/"
    done = client.post(
        url, {"client_key": client_key(page, "reversal"), "entry_id": entry.pk, "reason": "录错"}
    )
    assert done.status_code == 302 and on_hand(stocked, item) == 0
    reversal = LedgerEntry.objects.get(reverses=entry)
    assert reversal.kind == EntryKind.REVERSAL
    page = html(client.get(f"/supplies/warehouses/{stocked.pk}/"))
    assert f'data-reverses="{entry.pk}"' in page and f'data-reversed-by="{reversal.pk}"' in page
    again = client.post(
        url, {"client_key": client_key(page, "reversal"), "entry_id": entry.pk, "reason": "再来"}
    )
    assert again.status_code == 409 and 'id="id_reversal_entry_id_error"' in html(again)


def test_warehouse_permissions(make_user, stocked, item):
    viewer = make_user(Role.COUNTY_OFFICIAL, COUNTY)
    page = html(signed_in(viewer).get(f"/supplies/warehouses/{stocked.pk}/"))
    assert "500" in page and 'id="receipt"' not in page  # reads, no forms
    refused = signed_in(viewer).post(
        f"/supplies/warehouses/{stocked.pk}/receipt/",
        {"client_key": "k" * 12, "item_id": item.pk, "quantity": 1},
    )
    assert refused.status_code == 403
    outsider = make_user(Role.SUPPLY_OFFICER, OTHER_PREFECTURE)
    assert signed_in(outsider).get(f"/supplies/warehouses/{stocked.pk}/").status_code == 404
    posted = signed_in(outsider).post(
        f"/supplies/warehouses/{stocked.pk}/receipt/",
        {"client_key": "k" * 12, "item_id": item.pk, "quantity": 1},
    )
    assert posted.status_code == 404
    assert on_hand(stocked, item) == 500
    assert signed_in(outsider).get("/supplies/warehouses/99999999/").status_code == 404


# Production --------------------------------------------------------------------------------------


def test_production_chart_table_and_the_day_form(officer, item):
    producer = services.producer_create(actor=officer, name="长沙防护用品厂", region=COUNTY)
    services.production_record(
        actor=officer,
        producer_id=producer.pk,
        item_id=item.pk,
        date=dt.date(2020, 2, 8),
        capacity=1000,
        output=1200,
    )
    client = signed_in(officer)
    page = html(client.get(f"/supplies/production/?item={item.pk}"))
    assert 'id="production-chart"' in page and 'id="production-data"' in page and "echarts" in page
    assert '<th scope="row">2020-02-08</th><td class="num">1,000</td><td class="num">1,200</td>' in page
    assert "长沙防护用品厂" in page
    form = {
        "producer_id": producer.pk,
        "item_id": item.pk,
        "date": "2020-02-09",
        "capacity": "",
        "output": "",
    }
    empty = client.post("/supplies/production/", form)
    assert empty.status_code == 400 and "capacity, its output or both" in html(empty)
    negative = client.post("/supplies/production/", {**form, "output": "-4"})
    assert negative.status_code == 400 and 'id="id_day_output_error"' in html(negative)
    done = client.post("/supplies/production/", {**form, "output": "900"})
    assert done.status_code == 302
    assert producer.days.get(date=dt.date(2020, 2, 9)).output == 900


def test_production_empty_and_permissions(officer, make_user, item):
    page = html(signed_in(officer).get("/supplies/production/"))
    assert 'id="production-empty"' in page and 'id="producers-empty"' in page
    viewer = make_user(Role.COUNTY_OFFICIAL, COUNTY)
    assert 'id="production-day"' not in html(signed_in(viewer).get("/supplies/production/"))
    assert signed_in(viewer).post("/supplies/production/", {}).status_code == 403
    assert signed_in(make_user(Role.LAB_STAFF, COUNTY)).get("/supplies/production/").status_code == 403
    assert not Producer.objects.exists()


# Requests ----------------------------------------------------------------------------------------


def test_a_request_is_filed_listed_and_cancelled(make_user, item):
    hospital = make_user(Role.HOSPITAL_STAFF, COUNTY)
    client = signed_in(hospital)
    page = html(client.get("/supplies/requests/"))
    assert 'id="requests-empty"' in page and 'id="request-form"' in page
    form = {
        "region": COUNTY,
        "item_id": item.pk,
        "quantity": 200,
        "priority": 1,
        "weight": 3,
        "reason": "ICU 用",
    }
    assert client.post("/supplies/requests/", form).status_code == 302
    filed = SupplyRequest.objects.get()
    page = html(client.get("/supplies/requests/"))
    assert "Critical" in page and "ICU 用" in page and f'data-request="{filed.pk}"' in page
    assert client.post(f"/supplies/requests/{filed.pk}/cancel/").status_code == 302
    filed.refresh_from_db()
    assert filed.status == "cancelled"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"quantity": "-1"}, "quantity"), ({"quantity": "1.5"}, "quantity"), ({"region": "4302"}, "region")],
)
def test_a_bad_request_is_refused(make_user, item, change, field):
    client = signed_in(make_user(Role.HOSPITAL_STAFF, COUNTY))
    form = {
        "region": COUNTY,
        "item_id": item.pk,
        "quantity": 200,
        "priority": 2,
        "weight": 1,
        "reason": "发热门诊",
    }
    response = client.post("/supplies/requests/", {**form, **change})
    assert response.status_code == 400
    assert f'id="id_request_{field}_error"' in html(response)
    assert not SupplyRequest.objects.exists()


def test_requests_permissions(make_user, officer, item):
    assert signed_in(make_user(Role.LAB_STAFF, COUNTY)).get("/supplies/requests/").status_code == 403
    page = html(signed_in(officer).get("/supplies/requests/"))
    assert 'id="request-form"' not in page  # officers allocate, they do not ask
    assert signed_in(officer).post("/supplies/requests/", {}).status_code == 403


# Allocation --------------------------------------------------------------------------------------


@pytest.fixture
def requests_for(make_user, item):
    hospital = make_user(Role.HOSPITAL_STAFF, COUNTY)

    def make(*needs):
        return [
            services.request_create(
                actor=hospital,
                region=COUNTY,
                item_id=item.pk,
                quantity=q,
                priority=p,
                weight=w,
                reason="前线",
            )
            for q, p, w in needs
        ]

    return make


def test_an_allocation_run_is_explained_and_each_line_ships(
    officer, stocked, item, requests_for, make_warehouse
):
    prefecture = make_warehouse("4301", WarehouseLevel.PREFECTURE)
    critical, *_high = requests_for((100, 1, 1), (300, 2, 1), (400, 2, 1))
    client = signed_in(officer)
    form = {"item_id": item.pk, "warehouse_id": prefecture.pk, "reserve": 0}
    empty = client.post("/supplies/allocations/", form)
    assert empty.status_code == 302  # nothing in stock there: a run that gives nothing
    response = client.post("/supplies/allocations/", {**form, "warehouse_id": stocked.pk, "reserve": 50})
    assert response.status_code == 302
    page = html(client.get(response["Location"]))
    assert "500 units in stock, 50 kept in reserve: 450 to share." in page
    assert "Every request of this tier got all it asked for." in page
    assert "Capped at what they asked for" not in page  # 175 each is below both needs
    assert "shared the rest equally per unit of need weight: 175.0 units each" in page
    assert "In all 450 units were allocated and 0 are left." in page
    links = [
        link.replace("&amp;", "&") for link in re.findall(r'href="(/supplies/shipments/new/\?[^"]+)"', page)
    ]
    assert len(links) == 3
    link = next(link for link in links if "quantity=100&" in link or link.endswith("quantity=100"))
    assert f"origin={stocked.pk}" in link
    prefilled = html(client.get(link))
    assert re.search(r'name="quantity" value="100"', prefilled) and 'name="allocation_id"' in prefilled
    critical.refresh_from_db()
    assert critical.allocated == 100
    list_page = html(client.get("/supplies/allocations/"))
    assert 'id="runs"' in list_page


def test_a_bad_run_is_refused(officer, stocked, item, make_user):
    client = signed_in(officer)
    response = client.post(
        "/supplies/allocations/", {"item_id": item.pk, "warehouse_id": stocked.pk, "reserve": "-1"}
    )
    assert response.status_code == 400 and 'id="id_run_reserve_error"' in html(response)
    viewer = make_user(Role.COUNTY_OFFICIAL, COUNTY)
    assert 'id="run-form"' not in html(signed_in(viewer).get("/supplies/allocations/"))
    assert signed_in(viewer).post("/supplies/allocations/", {}).status_code == 403


# Shipments ---------------------------------------------------------------------------------------


def test_a_shipment_is_planned_dispatched_and_delivered(officer, stocked, item, make_warehouse):
    other = make_warehouse("430103")
    client = signed_in(officer)
    assert 'id="shipments-empty"' in html(client.get("/supplies/shipments/"))
    form = {
        "origin_id": stocked.pk,
        "destination_id": other.pk,
        "item_id": item.pk,
        "quantity": 200,
        "note": "",
    }
    planned = client.post("/supplies/shipments/new/", form)
    assert planned.status_code == 302
    shipment = Shipment.objects.get()
    page = html(client.get(planned["Location"]))
    assert "Dispatch" in page and "Cancel the shipment" in page
    key = re.search(r'name="client_key" value="([^"]+)"', page).group(1)
    assert client.post(f"/supplies/shipments/{shipment.pk}/dispatch/", {"client_key": key}).status_code == 302
    assert client.post(f"/supplies/shipments/{shipment.pk}/dispatch/", {"client_key": key}).status_code == 302
    assert on_hand(stocked, item) == 300  # the double submit posted once
    page = html(client.get(f"/supplies/shipments/{shipment.pk}/"))
    assert "Mark delivered" in page and "Cancel the shipment" not in page
    key = re.search(r'name="client_key" value="([^"]+)"', page).group(1)
    assert client.post(f"/supplies/shipments/{shipment.pk}/deliver/", {"client_key": key}).status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED and on_hand(other, item) == 200
    assert "entry-kind--transfer_in" in html(client.get(f"/supplies/shipments/{shipment.pk}/"))


def test_a_dispatched_shipment_cannot_be_cancelled(officer, stocked, item, make_warehouse, key):
    other = make_warehouse("430103")
    shipment = services.shipment_create(
        actor=officer, origin_id=stocked.pk, destination_id=other.pk, lines=[(item.pk, 100)]
    )
    services.shipment_dispatch(actor=officer, shipment_id=shipment.pk, client_key=key())
    client = signed_in(officer)
    cancelled = client.post(f"/supplies/shipments/{shipment.pk}/cancel/", {"client_key": key()})
    assert cancelled.status_code == 409 and 'id="shipment-error"' in html(cancelled)


def test_a_bad_shipment_is_refused(officer, stocked, item, make_warehouse, make_user):
    other = make_warehouse("430103")
    client = signed_in(officer)
    form = {"origin_id": stocked.pk, "destination_id": other.pk, "item_id": item.pk, "note": ""}
    for quantity in ("-3", "0.5"):
        response = client.post("/supplies/shipments/new/", {**form, "quantity": quantity})
        assert response.status_code == 400 and 'id="id_shipment_quantity_error"' in html(response)
    assert not Shipment.objects.exists()
    outsider = make_user(Role.SUPPLY_OFFICER, OTHER_PREFECTURE)
    shipment = services.shipment_create(
        actor=officer, origin_id=stocked.pk, destination_id=other.pk, lines=[(item.pk, 100)]
    )
    assert signed_in(outsider).get(f"/supplies/shipments/{shipment.pk}/").status_code == 404
    assert (
        signed_in(make_user(Role.COUNTY_OFFICIAL, COUNTY)).get("/supplies/shipments/new/").status_code == 403
    )


# Donations ---------------------------------------------------------------------------------------


def donation_form(**change):
    return {
        "direction": "in",
        "kind": "money",
        "donor": "旅美湖南同乡会",
        "country": "United States",
        "association": "旅美湖南同乡会",
        "recipient": "湖南省红十字会",
        "date": "2020-02-05",
        "receipt_number": "HNRC-2020-0001",
        "amount": "100000.00",
        "item_id": "",
        "quantity": "",
        "warehouse_id": "",
        "use": "购买防护服",
        "public": "on",
        "client_key": "donation-key-0001",
        **change,
    }


def test_donations_are_recorded_money_and_goods(officer, warehouse, item):
    client = signed_in(officer)
    assert 'id="donations-empty"' in html(client.get("/supplies/donations/"))
    assert client.post("/supplies/donations/", donation_form()).status_code == 302
    goods = donation_form(
        kind="goods",
        amount="",
        item_id=item.pk,
        quantity="1000",
        warehouse_id=warehouse.pk,
        receipt_number="G-1",
    )
    assert client.post("/supplies/donations/", goods).status_code == 302
    assert on_hand(warehouse, item) == 1000
    page = html(client.get("/supplies/donations/"))
    assert "HNRC-2020-0001" in page and "G-1" in page


def test_a_bad_donation_is_refused(officer, item):
    client = signed_in(officer)
    client.post("/supplies/donations/", donation_form())
    duplicate = client.post("/supplies/donations/", donation_form(client_key="donation-key-0002"))
    assert duplicate.status_code == 409 and 'id="id_donation_receipt_number_error"' in html(duplicate)
    fractional = client.post(
        "/supplies/donations/",
        donation_form(kind="goods", amount="", item_id=item.pk, quantity="2.5", receipt_number="G-2"),
    )
    assert fractional.status_code == 400 and 'id="id_donation_quantity_error"' in html(fractional)


def test_donations_need_the_capability(make_user):
    assert signed_in(make_user(Role.COUNTY_OFFICIAL, COUNTY)).get("/supplies/donations/").status_code == 403


def test_the_explanation_names_capped_requests_and_pack_rounding(
    officer, warehouse, make_item, make_user, key
):
    kits = make_item("test-kit", name="检测试剂盒", pack_size=10)
    services.stock_receive(
        actor=officer, warehouse_id=warehouse.pk, item_id=kits.pk, quantity=100, client_key=key()
    )
    hospital = make_user(Role.HOSPITAL_STAFF, COUNTY)
    for quantity, weight in ((20, 1), (200, 1), (200, 2)):
        services.request_create(
            actor=hospital,
            region=COUNTY,
            item_id=kits.pk,
            quantity=quantity,
            priority=2,
            weight=weight,
            reason="筛查",
        )
    client = signed_in(officer)
    response = client.post(
        "/supplies/allocations/", {"item_id": kits.pk, "warehouse_id": warehouse.pk, "reserve": 0}
    )
    page = html(client.get(response["Location"]))
    assert "Capped at what they asked for" in page
    assert "26.7 units each per unit" in page
    assert "whole packs of 10; the packs left over (1) went to the largest remainders" in page
