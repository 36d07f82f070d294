"""Reads of supplies, scoped by the region each warehouse serves (its stock location's region),
the requesting region, or the producer's region. Donations are the province's and read whole;
`transparency` is the public account of them."""

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Sum

from fangyi.core.access import Actor, covers, require, scope_q
from fangyi.regions.errors import region_not_found
from fangyi.regions.selectors import region_path
from fangyi.supplies.choices import DonationDirection, DonationKind, LocationKind
from fangyi.supplies.errors import item_not_found, run_not_found, shipment_not_found, warehouse_not_found
from fangyi.supplies.models import (
    AllocationRun,
    Balance,
    Donation,
    Item,
    LedgerEntry,
    Location,
    Producer,
    ProductionDay,
    Reconciliation,
    Shipment,
    SupplyRequest,
    Warehouse,
)

VIEW = "supplies.view"
MANAGE = "supplies.manage"
REQUEST = "supplies.request"
DONATIONS = "supplies.donations"
CENT = Decimal("0.01")


def _stock_locations(actor: Actor, capability: str = VIEW) -> QuerySet[Location]:
    return Location.objects.filter(kind=LocationKind.WAREHOUSE).filter(
        scope_q(actor, capability, "region__code")
    )


def _region_inside(actor: Actor, capability: str, raw: str) -> str:
    """The region path asked for, when it overlaps the actor's jurisdiction (else not found)."""
    path = region_path(raw)
    prefixes = actor.prefixes_for(capability)
    if not any(path.startswith(prefix) or prefix.startswith(path) for prefix in prefixes):
        raise region_not_found()
    return path


def stock_list(*, actor: Actor, region: str, item: str | None = None) -> list[dict[str, Any]]:
    """Stock per warehouse of the region (and below) and item: in the warehouse and on the road
    out of it."""
    require(actor, VIEW)
    path = _region_inside(actor, VIEW, region)
    warehouses = _stock_locations(actor).filter(region__code__startswith=path).values("warehouse_id")
    balances = Balance.objects.filter(location__warehouse_id__in=warehouses).select_related(
        "location__warehouse__place", "item"
    )
    if item:
        balances = balances.filter(item__code=item)
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    for balance in balances:
        location = balance.location
        warehouse = location.warehouse
        row = rows.setdefault(
            (warehouse.pk, balance.item_id),
            {
                "place_id": warehouse.pk,
                "warehouse": warehouse.place.name,
                "level": warehouse.level,
                "region": None,
                "item": balance.item.code,
                "item_name": balance.item.name,
                "unit": balance.item.unit,
                "quantity": 0,
                "in_transit": 0,
            },
        )
        row["quantity" if location.kind == LocationKind.WAREHOUSE else "in_transit"] = balance.quantity
    served = dict(
        Location.objects.filter(
            warehouse_id__in=[w for w, _ in rows], kind=LocationKind.WAREHOUSE
        ).values_list("warehouse_id", "region__code")
    )
    for (warehouse_id, _item_id), row in rows.items():
        row["region"] = served[warehouse_id]
    return sorted(rows.values(), key=lambda row: (row["region"], row["warehouse"], row["item"]))


def warehouse_list(*, actor: Actor, region: str | None = None) -> QuerySet[Warehouse]:
    require(actor, VIEW)
    locations = _stock_locations(actor)
    if region:
        locations = locations.filter(region__code__startswith=_region_inside(actor, VIEW, region))
    return Warehouse.objects.filter(pk__in=locations.values("warehouse_id")).select_related("place__region")


def warehouse_get(*, actor: Actor, warehouse_id: Any) -> Warehouse:
    try:
        return warehouse_list(actor=actor).get(pk=warehouse_id)
    except (Warehouse.DoesNotExist, ValueError, TypeError, ValidationError):
        raise warehouse_not_found() from None


def warehouse_region(warehouse: Warehouse) -> str:
    """The region a warehouse serves."""
    return str(
        Location.objects.filter(warehouse=warehouse, kind=LocationKind.WAREHOUSE).values_list(
            "region_id", flat=True
        )[0]
    )


def ledger_list(*, actor: Actor, warehouse_id: Any, item_id: Any = None) -> QuerySet[LedgerEntry]:
    """A warehouse's entries (its stock and its in-transit location), newest first."""
    warehouse = warehouse_get(actor=actor, warehouse_id=warehouse_id)
    entries = LedgerEntry.objects.filter(location__warehouse=warehouse)
    if item_id is not None:
        entries = entries.filter(item_id=item_id)
    return entries.select_related("location", "item", "posted_by").order_by("-id")


def item_list() -> QuerySet[Item]:
    """The catalogue is reference data for every signed-in user."""
    return Item.objects.all()


def item_get(*, item_id: Any) -> Item:
    try:
        return Item.objects.get(pk=item_id)
    except (Item.DoesNotExist, ValueError, TypeError):
        raise item_not_found() from None


def producer_list(*, actor: Actor) -> QuerySet[Producer]:
    require(actor, VIEW)
    return Producer.objects.filter(scope_q(actor, VIEW, "region__code")).select_related("region")


def production_series(*, actor: Actor, item_id: Any, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Daily capacity and output of an item summed over the producers in the jurisdiction."""
    require(actor, VIEW)
    days = (
        ProductionDay.objects.filter(
            producer__in=producer_list(actor=actor), item_id=item_id, date__gte=start, date__lte=end
        )
        .order_by("date")
        .values("date")
        .annotate(capacity=Sum("capacity"), output=Sum("output"))
    )
    return [{"date": d["date"], "capacity": d["capacity"] or 0, "output": d["output"] or 0} for d in days]


def _request_scope(actor: Actor) -> Q:
    return scope_q(actor, VIEW, "region__code") | scope_q(actor, REQUEST, "region__code")


def request_list(*, actor: Actor, status: str | None = None, item_id: Any = None) -> QuerySet[SupplyRequest]:
    """Requests of the regions in the jurisdiction (seen by officials and by those who request)."""
    if not (actor.prefixes_for(VIEW) or actor.prefixes_for(REQUEST)):
        require(actor, VIEW)
    requests = SupplyRequest.objects.filter(_request_scope(actor))
    if status:
        requests = requests.filter(status=status)
    if item_id is not None:
        requests = requests.filter(item_id=item_id)
    return requests.select_related("region", "place", "item")


def allocation_run_list(*, actor: Actor) -> QuerySet[AllocationRun]:
    require(actor, VIEW)
    return AllocationRun.objects.filter(location__in=_stock_locations(actor)).select_related(
        "item", "location__warehouse__place"
    )


def allocation_run_get(*, actor: Actor, run_id: Any) -> AllocationRun:
    try:
        return (
            allocation_run_list(actor=actor).prefetch_related("allocations__request__region").get(pk=run_id)
        )
    except (AllocationRun.DoesNotExist, ValidationError, ValueError, TypeError):
        raise run_not_found() from None


def shipment_list(*, actor: Actor, status: str | None = None) -> QuerySet[Shipment]:
    """Shipments out of or into the warehouses of the jurisdiction."""
    require(actor, VIEW)
    mine = _stock_locations(actor).values("warehouse_id")
    shipments = Shipment.objects.filter(Q(origin__in=mine) | Q(destination__in=mine))
    if status:
        shipments = shipments.filter(status=status)
    return shipments.select_related("origin__place", "destination__place").prefetch_related("lines__item")


def shipment_get(*, actor: Actor, shipment_id: uuid.UUID | str) -> Shipment:
    try:
        return shipment_list(actor=actor).get(pk=shipment_id)
    except (Shipment.DoesNotExist, ValidationError, ValueError, TypeError):
        raise shipment_not_found() from None


def donation_list(*, actor: Actor) -> QuerySet[Donation]:
    """Every donation, public or not, for those who keep or oversee them."""
    if not actor.prefixes_for(DONATIONS):
        require(actor, VIEW)
    return Donation.objects.select_related("item", "warehouse__place")


def _yuan(amount: Decimal) -> Decimal:
    """Sums to the fen (SQLite drops trailing zeros)."""
    return Decimal(amount).quantize(CENT)


def transparency() -> dict[str, Any]:
    """The public account of donations: money received by country and by association, goods
    received by item, what was given abroad, and each public donation with its use."""
    public = Donation.objects.filter(public=True).select_related("item")
    money_in = public.filter(direction=DonationDirection.IN, kind=DonationKind.MONEY)
    by_country = money_in.order_by("country").values("country").annotate(amount=Sum("amount"))
    by_association = money_in.order_by("association").values("association").annotate(amount=Sum("amount"))
    goods: dict[str, dict[str, Any]] = defaultdict(dict)
    for row in (
        public.filter(direction=DonationDirection.IN, kind=DonationKind.GOODS)
        .order_by("item__code")
        .values("item__code", "item__name", "item__unit")
        .annotate(quantity=Sum("quantity"))
    ):
        goods[row["item__code"]] = {
            "item": row["item__code"],
            "item_name": row["item__name"],
            "unit": row["item__unit"],
            "quantity": row["quantity"],
        }
    return {
        "money_received": _yuan(sum((row["amount"] for row in by_country), Decimal(0))),
        "money_by_country": [{"country": r["country"], "amount": _yuan(r["amount"])} for r in by_country],
        "money_by_association": [
            {"association": r["association"], "amount": _yuan(r["amount"])} for r in by_association
        ],
        "goods_received": list(goods.values()),
        "given": list(public.filter(direction=DonationDirection.OUT)),
        "donations": list(public),
    }


def reconciliation_latest() -> Reconciliation | None:
    return Reconciliation.objects.order_by("-started_at", "-id").first()


def reconciliation_mismatches(*, actor: Actor, reconciliation: Reconciliation) -> list[dict[str, Any]]:
    """The reconciliation's mismatches at the stock locations of the actor's jurisdiction (each
    names its warehouse and balance)."""
    require(actor, VIEW)
    named = {row["location"] for row in reconciliation.mismatches}
    mine = set(
        Location.objects.filter(pk__in=named)
        .filter(scope_q(actor, VIEW, "region__code"))
        .values_list("pk", flat=True)
    )
    return [row for row in reconciliation.mismatches if row["location"] in mine]


def may_manage(actor: Actor, warehouse: Warehouse) -> bool:
    """Whether the actor may move this warehouse's stock (for pages showing the actions)."""
    return covers(actor, MANAGE, warehouse_region(warehouse))
