"""The supplies API: stock, catalogue, warehouses, the ledger, producers, requests, allocation runs,
shipments, donations and the reconciliation; jurisdiction, capabilities and bad input."""

import datetime as dt

import pytest
from tests.supplies.conftest import COUNTY, OTHER_COUNTY, stock

from fangyi.accounts.choices import Role
from fangyi.regions.choices import PlaceKind
from fangyi.regions.models import Place
from fangyi.supplies import services
from fangyi.supplies.choices import WarehouseLevel
from fangyi.supplies.models import Balance, LedgerEntry

BASE = "/supplies"


@pytest.fixture
def call(api_client):
    def request(method: str, path: str, user, **kwargs):
        return api_client.request(method, BASE + path, user=user, **kwargs)

    return request


@pytest.fixture
def stocked(officer, warehouse, item, key):
    services.stock_receive(
        actor=officer, warehouse_id=warehouse.pk, item_id=item.pk, quantity=500, client_key=key()
    )
    return warehouse


def _move(item, warehouse, quantity, key, **extra):
    return {
        "warehouse_id": warehouse.pk,
        "item_id": item.pk,
        "quantity": quantity,
        "client_key": key,
        **extra,
    }


def test_stock_lists_each_warehouse_and_item_of_the_region(call, officer, stocked, item, make_user):
    official = make_user(Role.COUNTY_OFFICIAL, COUNTY)
    response = call("GET", "/stock?region=430102", official)
    assert response.status_code == 200
    assert response.json() == [
        {
            "place_id": stocked.pk,
            "warehouse": stocked.place.name,
            "level": "county",
            "region": COUNTY,
            "item": item.code,
            "item_name": item.name,
            "unit": item.unit,
            "quantity": 500,
            "in_transit": 0,
        }
    ]
    assert call("GET", "/stock?region=430000", officer).json()[0]["quantity"] == 500
    assert call("GET", f"/stock?region=430100&item={item.code}", officer).json()[0]["item"] == item.code
    assert call("GET", "/stock?region=430100&item=none", officer).json() == []
    # Another county's official: the region is not theirs.
    outsider = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    assert call("GET", "/stock?region=430102", outsider).status_code == 404
    assert call("GET", "/stock?region=430000", outsider).json() == []
    assert call("GET", "/stock?region=4", officer).json()["code"] == "region.invalid_code"


def test_without_a_supplies_capability_the_api_is_forbidden(call, make_user, stocked):
    grid = make_user(Role.GRID_WORKER, "430102001001")
    for path in (
        "/stock?region=430102",
        "/warehouses",
        "/shipments",
        "/allocation-runs",
        "/reconciliations/latest",
    ):
        assert call("GET", path, grid).status_code == 403, path
    hospital = make_user(Role.HOSPITAL_STAFF, COUNTY)
    assert call("GET", "/stock?region=430102", hospital).status_code == 403
    assert call("GET", "/requests", hospital).status_code == 200  # they request supplies
    assert (
        call(
            "POST", "/items", hospital, json={"code": "x", "name": "x", "category": "testing", "unit": "x"}
        ).status_code
        == 403
    )


def test_sign_in_is_needed_except_for_the_public_account(api_client, stocked):
    assert api_client.get(f"{BASE}/stock?region=430102").status_code == 401
    response = api_client.get(f"{BASE}/donations/public")
    assert response.status_code == 200 and response.json()["donations"] == []


def test_catalogue_and_warehouses(call, officer, make_user):
    response = call(
        "POST",
        "/items",
        officer,
        json={"code": "suit", "name": "防护服", "category": "protection", "unit": "套"},
    )
    assert response.status_code == 201 and response.json()["pack_size"] == 1
    assert (
        call(
            "POST",
            "/items",
            officer,
            json={"code": "suit", "name": "x", "category": "protection", "unit": "套"},
        ).json()["code"]
        == "item.duplicate_code"
    )
    assert [i["code"] for i in call("GET", "/items", make_user(Role.COUNTY_OFFICIAL, COUNTY)).json()] == [
        "suit"
    ]
    place = Place.objects.create(name="芙蓉区储备库", kind=PlaceKind.WAREHOUSE, region_id="430102001")
    response = call("POST", "/warehouses", officer, json={"place_id": place.pk, "level": "county"})
    assert response.status_code == 201 and response.json()["region"] == COUNTY
    assert [w["place_id"] for w in call("GET", "/warehouses?region=430102", officer).json()] == [place.pk]
    assert call("GET", "/warehouses", make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)).json() == []


def test_ledger_postings_are_idempotent_and_checked(call, officer, stocked, item, key):
    k = key()
    first = call("POST", "/ledger/issues", officer, json=_move(item, stocked, 100, k))
    assert first.status_code == 201
    assert first.json()["entries"][0]["quantity"] == -100
    again = call("POST", "/ledger/issues", officer, json=_move(item, stocked, 100, k))
    assert again.json()["posting"] == first.json()["posting"]
    reused = call("POST", "/ledger/issues", officer, json=_move(item, stocked, 99, k))
    assert (reused.status_code, reused.json()["code"]) == (409, "ledger.key_reused")
    short = call("POST", "/ledger/issues", officer, json=_move(item, stocked, 401, key()))
    assert (short.status_code, short.json()["code"]) == (409, "ledger.insufficient_stock")
    for bad in (0, -3, 2.5):
        response = call("POST", "/ledger/receipts", officer, json=_move(item, stocked, bad, key()))
        assert (response.status_code, response.json()["code"], response.json()["field"]) == (
            400,
            "quantity.invalid",
            "quantity",
        )
    assert (
        call(
            "POST", "/ledger/receipts", officer, json={**_move(item, stocked, 5, key()), "item_id": 99999}
        ).json()["code"]
        == "item.not_found"
    )
    assert (
        call(
            "POST",
            "/ledger/receipts",
            officer,
            json={**_move(item, stocked, 5, key()), "warehouse_id": 99999},
        ).json()["code"]
        == "warehouse.not_found"
    )
    adjusted = call(
        "POST", "/ledger/adjustments", officer, json={**_move(item, stocked, -10, key()), "reason": "damaged"}
    )
    assert adjusted.status_code == 201
    entry = adjusted.json()["entries"][0]["id"]
    reversed_ = call(
        "POST", f"/ledger/{entry}/reversal", officer, json={"reason": "miscount", "client_key": key()}
    )
    assert reversed_.status_code == 201 and reversed_.json()["entries"][0]["reverses_id"] == entry
    twice = call("POST", f"/ledger/{entry}/reversal", officer, json={"reason": "again", "client_key": key()})
    assert (twice.status_code, twice.json()["code"]) == (409, "entry.already_reversed")
    assert stock(stocked, item) == 400
    ledger = call("GET", f"/ledger?warehouse_id={stocked.pk}", officer).json()
    assert ledger["count"] == 4 and ledger["items"][0]["kind"] == "reversal"


def test_another_county_gets_not_found_on_our_objects(
    call, officer, stocked, item, key, make_user, make_warehouse
):
    ours = make_user(Role.COUNTY_OFFICIAL, COUNTY)
    theirs = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    other_officer = make_user(Role.SUPPLY_OFFICER, OTHER_COUNTY)
    assert call("GET", f"/ledger?warehouse_id={stocked.pk}", theirs).status_code == 404
    assert call("GET", f"/ledger?warehouse_id={stocked.pk}", ours).status_code == 200
    assert (
        call("POST", "/ledger/issues", other_officer, json=_move(item, stocked, 1, key())).status_code == 404
    )
    request_id = call(
        "POST",
        "/requests",
        ours,
        json={"region": "430102", "item_id": item.pk, "quantity": 10, "priority": 1, "reason": "ICU"},
    ).json()["id"]
    assert call("POST", f"/requests/{request_id}/cancel", theirs).status_code == 404
    assert call("GET", "/requests", theirs).json()["count"] == 0
    destination = make_warehouse(OTHER_COUNTY)
    shipment = call(
        "POST",
        "/shipments",
        officer,
        json={
            "origin_id": stocked.pk,
            "destination_id": destination.pk,
            "lines": [{"item_id": item.pk, "quantity": 5}],
        },
    ).json()["id"]
    assert call("GET", f"/shipments/{shipment}", make_user(Role.COUNTY_OFFICIAL, "430104")).status_code == 404
    run = call(
        "POST", "/allocation-runs", officer, json={"item_id": item.pk, "warehouse_id": stocked.pk}
    ).json()["id"]
    assert call("GET", f"/allocation-runs/{run}", theirs).status_code == 404
    assert call("GET", f"/allocation-runs/{run}", ours).status_code == 200


def test_requests_runs_and_shipments(call, officer, stocked, item, key, make_user, make_warehouse):
    requester = make_user(Role.COUNTY_OFFICIAL, COUNTY)
    body = {
        "region": "430102",
        "item_id": item.pk,
        "quantity": 300,
        "priority": 1,
        "reason": "ICU",
        "weight": 2,
    }
    created = call("POST", "/requests", requester, json=body)
    assert created.status_code == 201 and created.json()["status"] == "open"
    assert (
        call("POST", "/requests", requester, json={**body, "quantity": 1.5}).json()["code"]
        == "quantity.invalid"
    )
    assert (
        call("POST", "/requests", requester, json={**body, "priority": 7}).json()["code"]
        == "request.invalid_priority"
    )
    run = call(
        "POST",
        "/allocation-runs",
        officer,
        json={"item_id": item.pk, "warehouse_id": stocked.pk, "reserve": 100},
    )
    assert run.status_code == 201
    detail = run.json()
    assert detail["result"] == {"shares": {created.json()["id"]: 300}, "allocated": 300}
    assert detail["allocations"][0]["quantity"] == 300 and detail["explanation"][0]["reserve"] == 100
    assert call("GET", "/allocation-runs", officer).json()["count"] == 1
    assert call("GET", f"/allocation-runs/{detail['id']}", officer).json()["id"] == detail["id"]
    assert call("GET", "/requests?status=allocated", requester).json()["count"] == 1

    destination = make_warehouse("4301", WarehouseLevel.PREFECTURE)
    plan = {
        "origin_id": stocked.pk,
        "destination_id": destination.pk,
        "lines": [{"item_id": item.pk, "quantity": 300}],
        "allocation_id": detail["allocations"][0]["id"],
    }
    shipment = call("POST", "/shipments", officer, json=plan)
    assert shipment.status_code == 201 and shipment.json()["status"] == "planned"
    sid = shipment.json()["id"]
    assert (
        call("POST", f"/shipments/{sid}/dispatch", officer, json={"client_key": key()}).json()["status"]
        == "dispatched"
    )
    assert call("POST", f"/shipments/{sid}/cancel", officer).json()["code"] == "shipment.not_planned"
    assert (
        call("POST", f"/shipments/{sid}/deliver", officer, json={"client_key": key()}).json()["status"]
        == "delivered"
    )
    assert (stock(stocked, item), stock(destination, item)) == (200, 300)
    assert call("GET", "/shipments?status=delivered", officer).json()["count"] == 1
    assert (
        call("POST", "/shipments", officer, json={**plan, "lines": []}).json()["code"]
        == "shipment.lines.required"
    )


def test_producers_and_production(call, officer, item):
    producer = call("POST", "/producers", officer, json={"name": "湖南医疗器械厂", "region": "430100"})
    assert producer.status_code == 201
    pid = producer.json()["id"]
    day = {"item_id": item.pk, "date": "2020-02-01", "capacity": 1000, "output": 1300}
    assert call("POST", f"/producers/{pid}/days", officer, json=day).json()["output"] == 1300
    assert (
        call("POST", f"/producers/{pid}/days", officer, json={**day, "output": -1}).json()["code"]
        == "quantity.invalid"
    )
    assert call("POST", "/producers/99999/days", officer, json=day).status_code == 404
    series = call("GET", f"/production?item={item.pk}&start=2020-02-01&end=2020-02-29", officer).json()
    assert series == [{"date": "2020-02-01", "capacity": 1000, "output": 1300}]
    assert [p["id"] for p in call("GET", "/producers", officer).json()] == [pid]


def test_donations_and_the_public_account(call, api_client, officer, stocked, item, key, make_user):
    money = {
        "direction": "in",
        "kind": "money",
        "donor": "旅德湖南同乡会",
        "recipient": "湖南省慈善总会",
        "date": "2020-02-05",
        "receipt_number": "CS-1",
        "amount": "20000.00",
        "country": "德国",
        "association": "旅德湖南同乡会",
        "use": "采购呼吸机",
    }
    assert call("POST", "/donations", officer, json=money).status_code == 201
    duplicate = call("POST", "/donations", officer, json=money)
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "donation.duplicate_receipt")
    goods = {
        **money,
        "kind": "goods",
        "receipt_number": "CS-2",
        "amount": None,
        "item_id": item.pk,
        "quantity": 1000,
        "warehouse_id": stocked.pk,
        "client_key": key(),
    }
    assert call("POST", "/donations", officer, json=goods).status_code == 201
    assert stock(stocked, item) == 1500
    official = make_user(Role.COUNTY_OFFICIAL, COUNTY)
    assert call("POST", "/donations", official, json={**money, "receipt_number": "CS-3"}).status_code == 403
    assert call("GET", "/donations", officer).json()["count"] == 2
    public = api_client.get(f"{BASE}/donations/public").json()
    assert public["money_received"] == "20000.00"
    assert public["money_by_country"] == [{"country": "德国", "amount": "20000.00"}]
    assert public["goods_received"][0]["quantity"] == 1000
    assert {d["receipt_number"] for d in public["donations"]} == {"CS-1", "CS-2"}


def test_the_latest_reconciliation(call, officer, stocked, item):
    assert call("GET", "/reconciliations/latest", officer).status_code == 404
    Balance.objects.filter(item=item).update(quantity=1)
    services.reconcile()
    latest = call("GET", "/reconciliations/latest", officer).json()
    assert latest["balances_checked"] == 1 and latest["mismatches"][0]["ledger"] == 500
    assert LedgerEntry.objects.count() == 1


def test_dates_before_2000_are_refused(call, officer, item):
    pid = call("POST", "/producers", officer, json={"name": "厂", "region": "43"}).json()["id"]
    day = {"item_id": item.pk, "date": dt.date(1999, 12, 31).isoformat(), "output": 1}
    assert call("POST", f"/producers/{pid}/days", officer, json=day).status_code == 422
