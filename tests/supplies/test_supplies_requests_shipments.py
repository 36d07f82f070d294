import datetime as dt

import pytest
from tests.supplies.conftest import COUNTY, OTHER_COUNTY, stock

from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.regions.choices import PlaceKind
from fangyi.regions.models import Place
from fangyi.supplies import selectors, services
from fangyi.supplies.choices import EntryKind, LocationKind, RequestStatus, ShipmentStatus, WarehouseLevel
from fangyi.supplies.models import LedgerEntry, ProductionDay, Shipment, SupplyRequest, Warehouse


def _code(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value.code


@pytest.fixture
def requester(make_user):
    return make_user("county_official", COUNTY, username="requester-r")


# Catalogue, producers, warehouses ------------------------------------------------------------------


def test_item_codes_are_unique_and_checked(officer, make_item):
    make_item("n95")
    assert _code(make_item, "n95") == "item.duplicate_code"
    assert _code(make_item, "N95 masks") == "item.invalid_code"
    assert _code(make_item, "suit", pack_size=0) == "item.invalid_pack_size"
    assert _code(make_item, "suit", pack_size=1.5) == "item.invalid_pack_size"


def test_a_warehouse_is_a_place_of_kind_warehouse_at_a_level_it_lies_in(officer, make_warehouse):
    clinic = Place.objects.create(name="门诊", kind=PlaceKind.FEVER_CLINIC, region_id=COUNTY)
    assert _code(services.warehouse_register, actor=officer, place_id=clinic.pk, level="county") == (
        "warehouse.not_a_warehouse"
    )
    depot = Place.objects.create(name="市库", kind=PlaceKind.WAREHOUSE, region_id="4301")
    assert _code(services.warehouse_register, actor=officer, place_id=depot.pk, level="county") == (
        "warehouse.level_mismatch"
    )
    assert _code(services.warehouse_register, actor=officer, place_id=depot.pk, level="village") == (
        "warehouse.invalid_level"
    )
    assert (
        _code(services.warehouse_register, actor=officer, place_id=10**6, level="county") == "place.not_found"
    )
    warehouse = services.warehouse_register(actor=officer, place_id=depot.pk, level=WarehouseLevel.PREFECTURE)
    assert sorted(warehouse.locations.values_list("kind", "region_id")) == [
        (LocationKind.IN_TRANSIT, "4301"),
        (LocationKind.WAREHOUSE, "4301"),
    ]
    assert _code(services.warehouse_register, actor=officer, place_id=depot.pk, level="prefecture") == (
        "warehouse.already_registered"
    )


def test_a_county_officer_cannot_register_a_province_warehouse(county_officer):
    depot = Place.objects.create(name="省库", kind=PlaceKind.WAREHOUSE, region_id=COUNTY)
    with pytest.raises(PermissionDenied):
        services.warehouse_register(actor=county_officer, place_id=depot.pk, level="province")
    assert not Warehouse.objects.exists()


def test_production_is_one_row_per_producer_item_and_day(officer, item):
    producer = services.producer_create(actor=officer, name="稳健医疗", region="430100")
    day = dt.date(2020, 2, 1)
    services.production_record(
        actor=officer, producer_id=producer.pk, item_id=item.pk, date=day, capacity=1000
    )
    services.production_record(actor=officer, producer_id=producer.pk, item_id=item.pk, date=day, output=1200)
    row = ProductionDay.objects.get()
    assert (row.capacity, row.output) == (1000, 1200)
    series = selectors.production_series(actor=officer, item_id=item.pk, start=day, end=day)
    assert series == [{"date": day, "capacity": 1000, "output": 1200}]
    assert _code(
        services.production_record, actor=officer, producer_id=producer.pk, item_id=item.pk, date=day
    ) == ("production.empty")
    assert (
        _code(
            services.production_record,
            actor=officer,
            producer_id=producer.pk,
            item_id=item.pk,
            date=day,
            output=-1,
        )
        == "quantity.invalid"
    )
    assert (
        _code(
            services.production_record,
            actor=officer,
            producer_id=producer.pk,
            item_id=item.pk,
            date=dt.date(2999, 1, 1),
            output=1,
        )
        == "production.date_in_future"
    )
    assert (
        _code(services.producer_create, actor=officer, name="稳健医疗", region="43")
        == "producer.duplicate_name"
    )


# Requests ----------------------------------------------------------------------------------------


def test_a_request_is_checked_and_cancelled_while_open(requester, item, make_user):
    request = services.request_create(
        actor=requester, region=COUNTY, item_id=item.pk, quantity=500, priority=1, reason="ICU beds", weight=3
    )
    assert (request.status, request.weight, request.region_id) == (RequestStatus.OPEN, 3, COUNTY)
    common = {"actor": requester, "region": COUNTY, "item_id": item.pk, "reason": "x"}
    assert _code(services.request_create, **common, quantity=1.5, priority=1) == "quantity.invalid"
    assert _code(services.request_create, **common, quantity=0, priority=1) == "quantity.invalid"
    assert _code(services.request_create, **common, quantity=5, priority=9) == "request.invalid_priority"
    assert (
        _code(services.request_create, **common, quantity=5, priority=1, weight=0) == "request.invalid_weight"
    )
    assert (
        _code(services.request_create, **{**common, "item_id": 10**6}, quantity=5, priority=1)
        == "item.not_found"
    )
    assert _code(services.request_create, **{**common, "region": OTHER_COUNTY}, quantity=5, priority=1) == (
        "region.not_found"
    )
    assert SupplyRequest.objects.count() == 1
    outsider = make_user("county_official", OTHER_COUNTY)
    with pytest.raises(NotFound):
        services.request_cancel(actor=outsider, request_id=request.pk)
    services.request_cancel(actor=requester, request_id=request.pk)
    assert _code(services.request_cancel, actor=requester, request_id=request.pk) == "request.not_open"


# Shipments ---------------------------------------------------------------------------------------


@pytest.fixture
def route(officer, make_warehouse, item, key):
    """A province warehouse with 1,000 of the item, and a county warehouse to send to."""
    origin = make_warehouse("43", WarehouseLevel.PROVINCE)
    destination = make_warehouse(COUNTY)
    services.stock_receive(
        actor=officer, warehouse_id=origin.pk, item_id=item.pk, quantity=1000, client_key=key()
    )
    return origin, destination


def test_a_shipment_goes_through_in_transit(officer, route, item, key):
    origin, destination = route
    shipment = services.shipment_create(
        actor=officer, origin_id=origin.pk, destination_id=destination.pk, lines=[(item.pk, 300)], note="ICU"
    )
    assert shipment.status == ShipmentStatus.PLANNED
    k = key()
    services.shipment_dispatch(actor=officer, shipment_id=shipment.pk, client_key=k)
    assert (stock(origin, item), stock(origin, item, LocationKind.IN_TRANSIT), stock(destination, item)) == (
        700,
        300,
        0,
    )
    # A retried dispatch changes nothing; a dispatched shipment cannot be cancelled.
    services.shipment_dispatch(actor=officer, shipment_id=shipment.pk, client_key=k)
    assert stock(origin, item) == 700
    assert _code(services.shipment_cancel, actor=officer, shipment_id=shipment.pk) == "shipment.not_planned"
    assert _code(services.shipment_dispatch, actor=officer, shipment_id=shipment.pk, client_key=key()) == (
        "shipment.not_planned"
    )
    services.shipment_deliver(actor=officer, shipment_id=shipment.pk, client_key=key())
    assert (stock(origin, item), stock(origin, item, LocationKind.IN_TRANSIT), stock(destination, item)) == (
        700,
        0,
        300,
    )
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED and shipment.delivered_at is not None
    legs = LedgerEntry.objects.filter(shipment=shipment).order_by("id")
    assert [(e.kind, e.quantity) for e in legs] == [
        (EntryKind.TRANSFER_OUT, -300),
        (EntryKind.TRANSFER_IN, 300),
        (EntryKind.TRANSFER_OUT, -300),
        (EntryKind.TRANSFER_IN, 300),
    ]
    assert _code(
        services.entry_reverse, actor=officer, entry_id=legs[0].pk, reason="x", client_key=key()
    ) == ("entry.shipment_leg")


def test_a_shipment_beyond_the_stock_is_not_dispatched(officer, route, item, key):
    origin, destination = route
    shipment = services.shipment_create(
        actor=officer, origin_id=origin.pk, destination_id=destination.pk, lines=[(item.pk, 1001)]
    )
    assert _code(services.shipment_dispatch, actor=officer, shipment_id=shipment.pk, client_key=key()) == (
        "ledger.insufficient_stock"
    )
    shipment.refresh_from_db()
    assert (
        shipment.status == ShipmentStatus.PLANNED
        and not LedgerEntry.objects.filter(shipment=shipment).exists()
    )
    services.shipment_cancel(actor=officer, shipment_id=shipment.pk)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CANCELLED


def test_a_planned_shipment_is_checked(officer, route, item, make_item):
    origin, destination = route
    boxed = make_item("kits", pack_size=20)
    plan = {"actor": officer, "origin_id": origin.pk, "destination_id": destination.pk}
    assert _code(services.shipment_create, **plan, lines=[]) == "shipment.lines.required"
    assert _code(services.shipment_create, **plan, lines=[(item.pk, -1)]) == "quantity.invalid"
    assert _code(services.shipment_create, **plan, lines=[(boxed.pk, 30)]) == "quantity.not_whole_packs"
    assert _code(services.shipment_create, **plan, lines=[(10**6, 3)]) == "item.not_found"
    assert (
        _code(services.shipment_create, **plan, lines=[(item.pk, 3), (item.pk, 4)])
        == "shipment.duplicate_item"
    )
    assert _code(services.shipment_create, **{**plan, "destination_id": origin.pk}, lines=[(item.pk, 3)]) == (
        "shipment.same_warehouse"
    )
    assert _code(services.shipment_create, **{**plan, "destination_id": 10**6}, lines=[(item.pk, 3)]) == (
        "warehouse.not_found"
    )
    assert not Shipment.objects.exists()


def test_a_county_officer_sees_and_moves_only_shipments_of_their_warehouses(
    officer, make_user, make_warehouse, item, key
):
    ours, theirs = make_warehouse(COUNTY), make_warehouse(OTHER_COUNTY)
    services.stock_receive(
        actor=officer, warehouse_id=theirs.pk, item_id=item.pk, quantity=10, client_key=key()
    )
    shipment = services.shipment_create(
        actor=officer, origin_id=theirs.pk, destination_id=ours.pk, lines=[(item.pk, 5)]
    )
    outsider = make_user("supply_officer", "430104")
    with pytest.raises(NotFound):
        services.shipment_dispatch(actor=outsider, shipment_id=shipment.pk, client_key=key())
    with pytest.raises(NotFound):
        selectors.shipment_get(actor=outsider, shipment_id=shipment.pk)
    receiving = make_user("supply_officer", COUNTY)
    # The receiving county sees it, but only the sending side dispatches; either end confirms delivery.
    assert selectors.shipment_get(actor=receiving, shipment_id=shipment.pk) == shipment
    with pytest.raises(NotFound):
        services.shipment_dispatch(actor=receiving, shipment_id=shipment.pk, client_key=key())
    services.shipment_dispatch(actor=officer, shipment_id=shipment.pk, client_key=key())
    services.shipment_deliver(actor=receiving, shipment_id=shipment.pk, client_key=key())
    assert stock(ours, item) == 5
