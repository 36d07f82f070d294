"""Every write of supplies: the catalogue, producers, warehouses, the stock ledger, requests,
allocation runs, shipments and donations.

Stock moves only through `ledger_post`: one transaction appends the entries, moves the balances
(locked in a fixed order, so that concurrent postings never oversell) and records the client key
that makes a retried posting harmless.
"""

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import PermissionDenied
from fangyi.core.selectors import row_by_key
from fangyi.core.services import audit_record
from fangyi.regions.choices import PlaceKind
from fangyi.regions.errors import place_not_found, region_not_found
from fangyi.regions.models import Place, Region
from fangyi.regions.selectors import region_path
from fangyi.supplies.allocation import Need, allocate
from fangyi.supplies.choices import (
    DonationDirection,
    DonationKind,
    EntryKind,
    ItemCategory,
    LocationKind,
    Priority,
    RequestStatus,
    ShipmentStatus,
    WarehouseLevel,
)
from fangyi.supplies.errors import (
    allocation_not_found,
    conflict,
    entry_not_found,
    insufficient_stock,
    invalid,
    item_not_found,
    key_reused,
    not_whole_packs,
    producer_not_found,
    quantity_invalid,
    request_not_found,
    required,
    shipment_not_found,
    text_too_long,
    warehouse_not_found,
)
from fangyi.supplies.models import (
    Allocation,
    AllocationRun,
    Balance,
    Donation,
    Item,
    LedgerEntry,
    Location,
    Posting,
    Producer,
    ProductionDay,
    Reconciliation,
    Shipment,
    ShipmentLine,
    SupplyRequest,
    Warehouse,
)
from fangyi.supplies.selectors import DONATIONS, MANAGE, REQUEST

logger = logging.getLogger(__name__)


# Larger than any stock of the province, small enough for every column that stores it.
QUANTITY_MAX = 2_000_000_000
PACK_MAX = 1_000_000
WEIGHT_MAX = 1_000_000
AMOUNT_MAX = Decimal("999999999999.99")
NOTE_MAX = 256
CLIENT_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,64}")
ITEM_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
# How long a region path is at each warehouse level: the region a warehouse serves.
LEVEL_PATH_LENGTH = {WarehouseLevel.PROVINCE: 2, WarehouseLevel.PREFECTURE: 4, WarehouseLevel.COUNTY: 6}


# Input checks -------------------------------------------------------------------------------------


def _text(value: str | None, code: str, field: str, limit: int, *, needed: bool = False) -> str:
    text = (value or "").strip()
    if needed and not text:
        raise required(f"{code}.required", field)
    if len(text) > limit:
        raise text_too_long(f"{code}.too_long", field, limit)
    return text


def _whole(raw: Any) -> int | None:
    """`raw` as an int when it is a whole number (2, 2.0, "2"); None otherwise (2.5, True, "x")."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int):
        return raw
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.to_integral_value():
        return None
    return int(value)


def _quantity(raw: Any, item: Item | None, field: str = "quantity", *, signed: bool = False) -> int:
    """A whole number of units (above zero, or non-zero when `signed`), in whole packs when the
    item moves in packs."""
    value = _whole(raw)
    if value is None or value == 0 or abs(value) > QUANTITY_MAX or (value < 0 and not signed):
        raise quantity_invalid(field, signed=signed)
    if item is not None and item.whole_packs and value % item.pack_size:
        raise not_whole_packs(item.pack_size, field)
    return value


def _item(item_id: Any, field: str = "item_id") -> Item:
    item = row_by_key(Item.objects.all(), item_id)
    if item is None:
        raise item_not_found(field)
    return item


def _region(raw: str, field: str = "region", *, actor: Actor | None = None, capability: str = "") -> Region:
    """The region of this code; with an actor, only one inside their jurisdiction for
    `capability` (any other is not found, like one that does not exist)."""
    path = region_path(raw)
    found = Region.objects.filter(code=path).first()
    if found is None or (actor is not None and not covers(actor, capability, found.code)):
        error = region_not_found()
        error.field = field
        raise error
    return found


def _not_future(day: Any, code: str, field: str) -> dt.date:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise invalid(f"{code}.invalid_date", _("Give a date."), field)
    if day > clock.today():
        raise invalid(f"{code}.date_in_future", _("A date cannot be in the future."), field)
    return day


def _stock_location(
    actor: Actor | None, capability: str, warehouse_id: Any, field: str = "warehouse_id"
) -> Location:
    """The stock location of the warehouse (with the warehouse and its place, in one query), if
    the actor holds `capability` over the region it serves."""
    location = row_by_key(
        Location.objects.select_related("warehouse__place").filter(kind=LocationKind.WAREHOUSE),
        warehouse_id,
        key="warehouse_id",
    )
    if location is None or (actor is not None and not covers(actor, capability, location.region_id)):
        raise warehouse_not_found(field)
    return location


def _warehouse(
    actor: Actor | None, capability: str, warehouse_id: Any, field: str = "warehouse_id"
) -> Warehouse:
    """The warehouse, if the actor holds `capability` over the region it serves."""
    return _stock_location(actor, capability, warehouse_id, field).warehouse


def _location(warehouse: Warehouse, kind: str) -> Location:
    return Location.objects.select_related("warehouse__place").get(warehouse=warehouse, kind=kind)


# The ledger ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LineIn:
    """One line of a posting: `quantity` (signed) of `item` into (+) or out of (−) `location`."""

    location: Location
    item: Item
    quantity: int
    kind: str


def _client_key(raw: Any) -> str:
    key = raw if isinstance(raw, str) else ""
    if not CLIENT_KEY.fullmatch(key):
        raise invalid(
            "ledger.invalid_key",
            _("The client key is 8 to 64 letters, digits or . _ : - characters."),
            "client_key",
        )
    return key


def _digest(kind_payload: dict[str, Any], lines: Sequence[LineIn], note: str) -> str:
    body = {
        "payload": kind_payload,
        "lines": [[line.location.pk, line.item.pk, line.quantity, line.kind] for line in lines],
        "note": note,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _replayed(client_key: str, digest: str) -> uuid.UUID | None:
    """The posting made earlier with this key and payload (None: the key is new). The same key
    with another payload is refused."""
    earlier = Posting.objects.filter(client_key=client_key).first()
    if earlier is None:
        return None
    if earlier.payload_digest != digest:
        raise key_reused()
    return earlier.posting


def _locked_balance(location: Location, item: Item) -> Balance:
    """The balance row, locked until commit; created at zero when missing (a concurrent creation
    of the same row is waited for, then locked)."""
    rows = Balance.objects.select_for_update()
    balance = rows.filter(location=location, item=item).first()
    if balance is None:
        try:
            with transaction.atomic():
                Balance.objects.create(location=location, item=item, quantity=0)
        except IntegrityError:
            pass
        balance = rows.get(location=location, item=item)
    return balance


def _check_lines(lines: Sequence[LineIn]) -> None:
    if not lines:
        raise required("ledger.lines.required", "lines")
    for line in lines:
        if line.kind not in EntryKind.values:
            raise invalid("ledger.invalid_kind", _("Unknown kind of ledger entry."), "kind")
        _quantity(line.quantity, line.item, signed=True)


@transaction.atomic
def ledger_post(
    *,
    actor: Actor | None,
    client_key: str,
    lines: Sequence[LineIn],
    note: str = "",
    shipment: Shipment | None = None,
    reverses: LedgerEntry | None = None,
    kind_payload: dict[str, Any],
) -> uuid.UUID:
    """Append a posting (its entries share one posting id) and move the balances with it. The
    caller has checked the actor's rights; `kind_payload` describes the operation for the
    idempotency check (the same key and payload return the earlier posting, writing nothing)."""
    key = _client_key(client_key)
    _check_lines(lines)
    note = _text(note, "ledger.note", "note", NOTE_MAX)
    digest = _digest(kind_payload, lines, note)
    posting = uuid.uuid4()
    try:
        with transaction.atomic():
            Posting.objects.create(client_key=key, posting=posting, payload_digest=digest)
    except IntegrityError:  # the key was posted before (or concurrently): that posting stands
        earlier = _replayed(key, digest)
        if earlier is None:
            raise
        return earlier
    deltas: dict[tuple[int, int], int] = {}
    for line in lines:
        deltas[line.location.pk, line.item.pk] = (
            deltas.get((line.location.pk, line.item.pk), 0) + line.quantity
        )
    targets = {(line.location.pk, line.item.pk): line for line in lines}
    now = clock.now()
    # A fixed locking order (location, item): two postings over the same rows cannot deadlock.
    for pair in sorted(deltas):
        line = targets[pair]
        balance = _locked_balance(line.location, line.item)
        after = balance.quantity + deltas[pair]
        if after < 0 and not line.location.allow_negative:
            raise insufficient_stock(
                item=line.item.name,
                location=str(line.location),
                available=balance.quantity,
                requested=-deltas[pair],
            )
        Balance.objects.filter(pk=balance.pk).update(quantity=after, updated_at=now)
    posted_by = getattr(actor, "pk", None)
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            location=line.location,
            item=line.item,
            quantity=line.quantity,
            kind=line.kind,
            reverses=reverses,
            shipment=shipment,
            posting=posting,
            note=note,
            posted_at=now,
            posted_by_id=posted_by,
        )
        for line in lines
    )
    audit_record(
        actor=actor,
        action="ledger.post",
        obj=Posting(client_key=key),
        region_path=lines[0].location.region_id,
        reason=note,
        data={
            "posting": str(posting),
            "payload": json.loads(json.dumps(kind_payload, default=str)),
            "lines": [
                {
                    "location": line.location.pk,
                    "item": line.item.code,
                    "quantity": line.quantity,
                    "kind": line.kind,
                }
                for line in lines
            ],
        },
    )
    return posting


def _single(
    *,
    actor: Actor,
    op: str,
    kind: str,
    warehouse_id: Any,
    item_id: Any,
    quantity: Any,
    client_key: str,
    note: str,
    sign: int = 1,
) -> uuid.UUID:
    """A posting of one line at a warehouse the actor manages (a receipt, an issue, an adjustment)."""
    require(actor, MANAGE)
    location = _stock_location(actor, MANAGE, warehouse_id)
    warehouse = location.warehouse
    item = _item(item_id)
    amount = _quantity(quantity, item, signed=kind == EntryKind.ADJUSTMENT) * sign
    return ledger_post(
        actor=actor,
        client_key=client_key,
        lines=[LineIn(location, item, amount, kind)],
        note=note,
        kind_payload={"op": op, "warehouse": warehouse.pk, "item": item.pk, "quantity": amount},
    )


def stock_receive(
    *, actor: Actor, warehouse_id: Any, item_id: Any, quantity: Any, client_key: str, note: str = ""
) -> uuid.UUID:
    """Goods arriving at a warehouse from outside the reserve system (a producer, a purchase)."""
    return _single(
        actor=actor,
        op="receive",
        kind=EntryKind.RECEIPT,
        warehouse_id=warehouse_id,
        item_id=item_id,
        quantity=quantity,
        client_key=client_key,
        note=note,
    )


def stock_issue(
    *, actor: Actor, warehouse_id: Any, item_id: Any, quantity: Any, client_key: str, note: str = ""
) -> uuid.UUID:
    """Goods handed out of a warehouse to their users; refused beyond the stock."""
    return _single(
        actor=actor,
        op="issue",
        kind=EntryKind.ISSUE,
        warehouse_id=warehouse_id,
        item_id=item_id,
        quantity=quantity,
        client_key=client_key,
        note=note,
        sign=-1,
    )


def stock_adjust(
    *, actor: Actor, warehouse_id: Any, item_id: Any, quantity: Any, reason: str, client_key: str
) -> uuid.UUID:
    """A stock count's correction (signed): found (+) or lost, damaged, expired (−)."""
    reason = _text(reason, "ledger.reason", "reason", NOTE_MAX, needed=True)
    return _single(
        actor=actor,
        op="adjust",
        kind=EntryKind.ADJUSTMENT,
        warehouse_id=warehouse_id,
        item_id=item_id,
        quantity=quantity,
        client_key=client_key,
        note=reason,
    )


@transaction.atomic
def entry_reverse(*, actor: Actor, entry_id: Any, reason: str, client_key: str) -> uuid.UUID:
    """Undo a receipt, issue or adjustment entered in error by an entry of the opposite sign (the
    ledger is never edited). A shipment's legs are undone by the shipment, not here."""
    require(actor, MANAGE)
    key = _client_key(client_key)
    reason = _text(reason, "ledger.reason", "reason", NOTE_MAX, needed=True)
    entry = row_by_key(
        LedgerEntry.objects.select_for_update().select_related("location__warehouse__place", "item"), entry_id
    )
    if entry is None or not covers(actor, MANAGE, entry.location.region_id):
        raise entry_not_found()
    lines = [LineIn(entry.location, entry.item, -entry.quantity, EntryKind.REVERSAL)]
    payload = {"op": "reverse", "entry": entry.pk}
    earlier = _replayed(key, _digest(payload, lines, reason))
    if earlier is not None:
        return earlier
    if entry.kind == EntryKind.REVERSAL or LedgerEntry.objects.filter(reverses=entry).exists():
        raise conflict(
            "entry.already_reversed",
            _("This entry is already reversed, or is itself a reversal."),
            "entry_id",
        )
    if entry.shipment_id is not None:
        raise conflict(
            "entry.shipment_leg",
            _("This entry is a leg of a shipment: it cannot be reversed on its own."),
            "entry_id",
        )
    return ledger_post(
        actor=actor, client_key=key, lines=lines, note=reason, reverses=entry, kind_payload=payload
    )


# Catalogue, producers, warehouses ------------------------------------------------------------------


def _count(raw: Any, field: str, limit: int, *, minimum: int = 1, code: str = "quantity.invalid") -> int:
    value = _whole(raw)
    if value is None or value < minimum or value > limit:
        raise invalid(
            code, _("Give a whole number from %(low)s to %(high)s."), field, low=minimum, high=limit
        )
    return value


@transaction.atomic
def item_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    category: str,
    unit: str,
    pack_size: Any = 1,
    whole_packs: bool = True,
) -> Item:
    """Add an item to the province's catalogue."""
    require(actor, MANAGE)
    code = (code or "").strip()
    if not ITEM_CODE.fullmatch(code):
        raise invalid(
            "item.invalid_code",
            _("The code is up to 32 lower-case letters, digits, hyphens or underscores."),
            "code",
        )
    name = _text(name, "item.name", "name", 64, needed=True)
    if category not in ItemCategory.values:
        raise invalid("item.invalid_category", _("Unknown category."), "category")
    unit = _text(unit, "item.unit", "unit", 8, needed=True)
    pack = _count(pack_size, "pack_size", PACK_MAX, code="item.invalid_pack_size")
    if Item.objects.filter(code=code).exists():
        raise conflict("item.duplicate_code", _("Another item has this code."), "code")
    try:
        with transaction.atomic():
            item = Item.objects.create(
                code=code,
                name=name,
                category=category,
                unit=unit,
                pack_size=pack,
                whole_packs=bool(whole_packs),
            )
    except IntegrityError:
        raise conflict("item.duplicate_code", _("Another item has this code."), "code") from None
    audit_record(actor=actor, action="item.create", obj=item, data={"code": code, "pack_size": pack})
    return item


@transaction.atomic
def producer_create(*, actor: Actor, name: str, region: str) -> Producer:
    require(actor, MANAGE)
    name = _text(name, "producer.name", "name", 128, needed=True)
    found = _region(region, actor=actor, capability=MANAGE)
    if Producer.objects.filter(name=name).exists():
        raise conflict("producer.duplicate_name", _("Another producer has this name."), "name")
    try:
        with transaction.atomic():
            producer = Producer.objects.create(name=name, region=found)
    except IntegrityError:
        raise conflict("producer.duplicate_name", _("Another producer has this name."), "name") from None
    audit_record(actor=actor, action="producer.create", obj=producer, region_path=found.code)
    return producer


@transaction.atomic
def production_record(
    *,
    actor: Actor,
    producer_id: Any,
    item_id: Any,
    date: dt.date,
    capacity: Any = None,
    output: Any = None,
) -> ProductionDay:
    """A producer's capacity and output of an item on a day; a second record of the day updates
    the figures it gives."""
    require(actor, MANAGE)
    producer = row_by_key(Producer.objects.all(), producer_id)
    if producer is None or not covers(actor, MANAGE, producer.region_id):
        raise producer_not_found()
    item = _item(item_id)
    date = _not_future(date, "production", "date")
    if capacity is None and output is None:
        raise invalid("production.empty", _("Give the capacity, the output or both."), "output")
    figures = {
        field: _count(raw, field, QUANTITY_MAX, minimum=0)
        for field, raw in (("capacity", capacity), ("output", output))
        if raw is not None
    }
    day, _created = ProductionDay.objects.select_for_update().get_or_create(
        producer=producer, item=item, date=date, defaults=figures
    )
    if not _created:
        for field, value in figures.items():
            setattr(day, field, value)
        day.save(update_fields=list(figures))
    audit_record(
        actor=actor,
        action="production.record",
        obj=day,
        region_path=producer.region_id,
        data={"date": date.isoformat(), **figures},
    )
    return day


@transaction.atomic
def warehouse_register(*, actor: Actor, place_id: Any, level: str) -> Warehouse:
    """Make a place of kind warehouse a reserve warehouse of the province, a prefecture or a
    county, with its stock location and the in-transit location of goods sent out of it."""
    require(actor, MANAGE)
    if level not in LEVEL_PATH_LENGTH:
        raise invalid(
            "warehouse.invalid_level", _("A warehouse is of the province, a prefecture or a county."), "level"
        )
    place = row_by_key(Place.objects.select_for_update(), place_id)
    if place is None or not covers(actor, MANAGE, place.region_id):
        error = place_not_found()
        error.field = "place_id"
        raise error
    if place.kind != PlaceKind.WAREHOUSE:
        raise invalid("warehouse.not_a_warehouse", _("This place is not a warehouse."), "place_id")
    length = LEVEL_PATH_LENGTH[WarehouseLevel(level)]
    if len(place.region_id) < length:
        raise invalid(
            "warehouse.level_mismatch",
            _("This place lies above the level chosen: choose a higher level."),
            "level",
        )
    served = place.region_id[:length]
    if not covers(actor, MANAGE, served):
        raise PermissionDenied(_("A warehouse of this level serves more than your jurisdiction."))
    if Warehouse.objects.filter(place=place).exists():
        raise conflict(
            "warehouse.already_registered", _("This place is already a reserve warehouse."), "place_id"
        )
    warehouse = Warehouse.objects.create(place=place, level=level)
    Location.objects.bulk_create(
        Location(kind=kind, warehouse=warehouse, region_id=served, allow_negative=False)
        for kind in (LocationKind.WAREHOUSE, LocationKind.IN_TRANSIT)
    )
    audit_record(
        actor=actor, action="warehouse.register", obj=warehouse, region_path=served, data={"level": level}
    )
    return warehouse


# Shipments ---------------------------------------------------------------------------------------


@transaction.atomic
def shipment_create(
    *,
    actor: Actor,
    origin_id: Any,
    destination_id: Any,
    lines: Sequence[tuple[Any, Any]],
    allocation_id: Any = None,
    note: str = "",
) -> Shipment:
    """Plan a shipment from a warehouse of the actor's to another warehouse."""
    require(actor, MANAGE)
    origin = _warehouse(actor, MANAGE, origin_id, "origin_id")
    destination = _warehouse(None, MANAGE, destination_id, "destination_id")
    if origin.pk == destination.pk:
        raise invalid("shipment.same_warehouse", _("A shipment goes to another warehouse."), "destination_id")
    if not lines:
        raise required("shipment.lines.required", "lines")
    planned: dict[int, tuple[Item, int]] = {}
    for item_id, raw in lines:
        item = _item(item_id, "lines")
        if item.pk in planned:
            raise invalid("shipment.duplicate_item", _("Each item appears once in a shipment."), "lines")
        planned[item.pk] = (item, _quantity(raw, item, "lines"))
    allocation = None
    if allocation_id is not None:
        allocation = row_by_key(Allocation.objects.select_related("run__location"), allocation_id)
        if allocation is None or allocation.run.location.warehouse_id != origin.pk:
            raise allocation_not_found()
    note = _text(note, "shipment.note", "note", NOTE_MAX)
    shipment = Shipment.objects.create(
        origin=origin, destination=destination, allocation=allocation, note=note, created_by_id=actor.pk
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, item=item, quantity=quantity) for item, quantity in planned.values()
    )
    audit_record(
        actor=actor,
        action="shipment.create",
        obj=shipment,
        region_path=_location(origin, LocationKind.WAREHOUSE).region_id,
        data={"destination": destination.pk, "lines": {item.code: q for item, q in planned.values()}},
    )
    return shipment


def _shipment_locked(actor: Actor, shipment_id: Any, *, either_end: bool) -> Shipment:
    """The shipment, locked, if the actor manages its origin (or, with `either_end`, its destination)."""
    require(actor, MANAGE)
    shipment = row_by_key(Shipment.objects.select_for_update(), shipment_id)
    if shipment is None:
        raise shipment_not_found()
    ends = [shipment.origin_id, shipment.destination_id] if either_end else [shipment.origin_id]
    regions = Location.objects.filter(warehouse_id__in=ends, kind=LocationKind.WAREHOUSE).values_list(
        "region_id", flat=True
    )
    if not any(covers(actor, MANAGE, region) for region in regions):
        raise shipment_not_found()
    return shipment


def _move(
    actor: Actor,
    shipment: Shipment,
    client_key: str,
    op: str,
    source: Location,
    target: Location,
    expected: str,
    refusal: Promise,
) -> uuid.UUID | None:
    """Post the shipment's lines from `source` to `target` when the shipment is in `expected`
    status (else `refusal`); None when this key already did (a retry)."""
    key = _client_key(client_key)
    lines: list[LineIn] = []
    for line in shipment.lines.select_related("item").order_by("item_id"):
        lines.append(LineIn(source, line.item, -line.quantity, EntryKind.TRANSFER_OUT))
        lines.append(LineIn(target, line.item, line.quantity, EntryKind.TRANSFER_IN))
    payload = {"op": op, "shipment": str(shipment.pk)}
    if _replayed(key, _digest(payload, lines, "")) is not None:
        return None
    if shipment.status != expected:
        raise conflict(f"shipment.not_{expected}", refusal, "status", state=shipment.get_status_display())
    return ledger_post(actor=actor, client_key=key, lines=lines, shipment=shipment, kind_payload=payload)


@transaction.atomic
def shipment_dispatch(*, actor: Actor, shipment_id: Any, client_key: str) -> Shipment:
    """Goods leave the origin: its stock goes down, its in-transit stock up (refused beyond the stock)."""
    shipment = _shipment_locked(actor, shipment_id, either_end=False)
    origin = shipment.origin
    posting = _move(
        actor,
        shipment,
        client_key,
        "dispatch",
        _location(origin, LocationKind.WAREHOUSE),
        _location(origin, LocationKind.IN_TRANSIT),
        ShipmentStatus.PLANNED,
        _("This shipment is %(state)s: only a planned shipment can be dispatched."),
    )
    if posting is not None:
        shipment.status = ShipmentStatus.DISPATCHED
        shipment.dispatched_at = clock.now()
        shipment.save(update_fields=["status", "dispatched_at"])
        audit_record(actor=actor, action="shipment.dispatch", obj=shipment, data={"posting": str(posting)})
    return shipment


@transaction.atomic
def shipment_deliver(*, actor: Actor, shipment_id: Any, client_key: str) -> Shipment:
    """Goods arrive: the origin's in-transit stock goes down, the destination's up."""
    shipment = _shipment_locked(actor, shipment_id, either_end=True)
    posting = _move(
        actor,
        shipment,
        client_key,
        "deliver",
        _location(shipment.origin, LocationKind.IN_TRANSIT),
        _location(shipment.destination, LocationKind.WAREHOUSE),
        ShipmentStatus.DISPATCHED,
        _("This shipment is %(state)s: only a dispatched shipment can be delivered."),
    )
    if posting is not None:
        shipment.status = ShipmentStatus.DELIVERED
        shipment.delivered_at = clock.now()
        shipment.save(update_fields=["status", "delivered_at"])
        audit_record(actor=actor, action="shipment.deliver", obj=shipment, data={"posting": str(posting)})
    return shipment


@transaction.atomic
def shipment_cancel(*, actor: Actor, shipment_id: Any) -> Shipment:
    """Call off a planned shipment (one on the road is delivered, then shipped back)."""
    shipment = _shipment_locked(actor, shipment_id, either_end=False)
    if shipment.status != ShipmentStatus.PLANNED:
        raise conflict(
            "shipment.not_planned",
            _("This shipment is %(state)s: only a planned shipment can be cancelled."),
            "status",
            state=shipment.get_status_display(),
        )
    shipment.status = ShipmentStatus.CANCELLED
    shipment.save(update_fields=["status"])
    audit_record(actor=actor, action="shipment.cancel", obj=shipment)
    return shipment


# Requests and allocation -------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    actor: Actor,
    region: str,
    item_id: Any,
    quantity: Any,
    priority: Any,
    reason: str,
    weight: Any = 1,
    place_id: Any = None,
) -> SupplyRequest:
    """A region's or a hospital's need of an item, for the next allocation runs."""
    require(actor, REQUEST)
    found = _region(region, actor=actor, capability=REQUEST)
    item = _item(item_id)
    amount = _quantity(quantity, None)
    rank = _whole(priority)
    if rank not in Priority.values:
        raise invalid("request.invalid_priority", _("Unknown priority."), "priority")
    need_weight = _count(weight, "weight", WEIGHT_MAX, code="request.invalid_weight")
    reason = _text(reason, "request.reason", "reason", NOTE_MAX, needed=True)
    place = None
    if place_id is not None:
        place = row_by_key(Place.objects.all(), place_id)
        if place is None or not place.region_id.startswith(found.code):
            error = place_not_found()
            error.field = "place_id"
            raise error
    request = SupplyRequest.objects.create(
        region=found,
        place=place,
        item=item,
        quantity=amount,
        priority=rank,
        weight=need_weight,
        reason=reason,
        created_by_id=actor.pk,
    )
    audit_record(
        actor=actor,
        action="request.create",
        obj=request,
        region_path=found.code,
        data={"item": item.code, "quantity": amount, "priority": rank, "weight": need_weight},
    )
    return request


OPEN_STATUSES = (RequestStatus.OPEN, RequestStatus.PARTLY_ALLOCATED)


@transaction.atomic
def request_cancel(*, actor: Actor, request_id: Any) -> SupplyRequest:
    """Withdraw a request that is still waiting (what was allocated to it stays allocated)."""
    require(actor, REQUEST)
    request = row_by_key(SupplyRequest.objects.select_for_update(), request_id)
    if request is None or not covers(actor, REQUEST, request.region_id):
        raise request_not_found()
    if request.status not in OPEN_STATUSES:
        raise conflict(
            "request.not_open",
            _("This request is %(state)s: it cannot be cancelled."),
            "status",
            state=request.get_status_display(),
        )
    request.status = RequestStatus.CANCELLED
    request.save(update_fields=["status"])
    audit_record(actor=actor, action="request.cancel", obj=request, region_path=request.region_id)
    return request


def _allocation_result(inputs: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    needs = [Need(r["id"], r["quantity"], r["priority"], r["weight"]) for r in inputs["requests"]]
    allocated = allocate(
        available=inputs["available"],
        reserve=inputs["reserve"],
        pack_size=inputs["pack_size"],
        whole_packs=inputs["whole_packs"],
        needs=needs,
    )
    result = {"shares": allocated.shares, "allocated": allocated.total}
    return result, allocated.explanation


@transaction.atomic
def allocation_run(*, actor: Actor, item_id: Any, warehouse_id: Any, reserve: Any = 0) -> AllocationRun:
    """Allocate a warehouse's stock of an item to the open requests of the region it serves (the
    province's warehouse serves every region). The inputs are stored with the result, so that the
    run can be recomputed (`allocation_replay`)."""
    require(actor, MANAGE)
    warehouse = _warehouse(actor, MANAGE, warehouse_id)
    item = _item(item_id)
    kept = _whole(reserve)
    if kept is None or kept < 0 or kept > QUANTITY_MAX:
        raise invalid(
            "quantity.invalid", _("The reserve must be a whole number of units, zero or more."), "reserve"
        )
    location = _location(warehouse, LocationKind.WAREHOUSE)
    available = _locked_balance(location, item).quantity
    requests = list(
        SupplyRequest.objects.select_for_update()
        .filter(item=item, status__in=OPEN_STATUSES, region__code__startswith=location.region_id)
        .order_by("priority", "created_at", "id")
    )
    inputs = {
        "requests": [
            {
                "id": str(r.pk),
                "region": r.region_id,
                "quantity": r.quantity - r.allocated,
                "priority": r.priority,
                "weight": r.weight,
            }
            for r in requests
        ],
        "available": available,
        "reserve": kept,
        "pack_size": item.pack_size,
        "whole_packs": item.whole_packs,
    }
    result, explanation = _allocation_result(inputs)
    run = AllocationRun.objects.create(
        item=item,
        location=location,
        available=available,
        reserve=kept,
        inputs=inputs,
        result=result,
        explanation=explanation,
        created_by_id=actor.pk,
    )
    given = []
    for request in requests:
        share = result["shares"].get(str(request.pk), 0)
        if not share:
            continue
        given.append(Allocation(run=run, request=request, quantity=share))
        request.allocated += share
        request.status = (
            RequestStatus.ALLOCATED
            if request.allocated >= request.quantity
            else RequestStatus.PARTLY_ALLOCATED
        )
    Allocation.objects.bulk_create(given)
    SupplyRequest.objects.bulk_update(requests, ["allocated", "status"])
    audit_record(
        actor=actor,
        action="allocation.run",
        obj=run,
        region_path=location.region_id,
        data={"item": item.code, "available": available, "reserve": kept, "allocated": result["allocated"]},
    )
    return run


def allocation_replay(run: AllocationRun) -> dict[str, Any]:
    """The run's result computed again from its stored inputs."""
    result, _explanation = _allocation_result(run.inputs)
    return json.loads(json.dumps(result))


# Donations ---------------------------------------------------------------------------------------


def _amount(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, TypeError):
        value = Decimal(0)
    if not value.is_finite() or value <= 0 or value > AMOUNT_MAX or value != value.quantize(Decimal("0.01")):
        raise invalid(
            "donation.invalid_amount",
            _("The amount is in yuan, above zero, with at most 2 decimals."),
            "amount",
        )
    return value


@transaction.atomic
def donation_record(
    *,
    actor: Actor,
    direction: str,
    kind: str,
    donor: str,
    recipient: str,
    date: dt.date,
    receipt_number: str,
    amount: Any = None,
    item_id: Any = None,
    quantity: Any = None,
    country: str = "",
    association: str = "",
    use: str = "",
    public: bool = True,
    warehouse_id: Any = None,
    client_key: str | None = None,
) -> Donation:
    """Record money or goods given to the province, or given by it abroad. Goods received into a
    warehouse (or given out of one) move its stock through the ledger in the same transaction."""
    require(actor, DONATIONS)
    if direction not in DonationDirection.values:
        raise invalid("donation.invalid_direction", _("A donation is received or given."), "direction")
    if kind not in DonationKind.values:
        raise invalid("donation.invalid_kind", _("A donation is money or goods."), "kind")
    donor = _text(donor, "donation.donor", "donor", 128, needed=True)
    recipient = _text(recipient, "donation.recipient", "recipient", 128, needed=True)
    country = _text(country, "donation.country", "country", 64)
    association = _text(association, "donation.association", "association", 128)
    use = _text(use, "donation.use", "use", NOTE_MAX)
    date = _not_future(date, "donation", "date")
    receipt = _text(receipt_number, "donation.receipt_number", "receipt_number", 64, needed=True)
    money, item, count, warehouse = None, None, None, None
    if kind == DonationKind.MONEY:
        if item_id is not None or quantity is not None or warehouse_id is not None:
            raise invalid(
                "donation.money_with_goods", _("A gift of money has no item or quantity."), "item_id"
            )
        money = _amount(amount)
    else:
        if amount is not None:
            raise invalid(
                "donation.goods_with_amount", _("A gift of goods has no amount of money."), "amount"
            )
        if item_id is None:
            raise required("donation.item.required", "item_id")
        item = _item(item_id)
        if warehouse_id is not None:
            warehouse = _warehouse(actor, DONATIONS, warehouse_id)
        count = _quantity(quantity, item if warehouse else None)
    if Donation.objects.filter(receipt_number=receipt).exists():
        raise conflict(
            "donation.duplicate_receipt",
            _("A donation with this receipt number is already recorded."),
            "receipt_number",
        )
    posting = None
    if warehouse is not None and item is not None and count is not None:
        if client_key is None:
            raise required("donation.client_key.required", "client_key")
        incoming = direction == DonationDirection.IN
        posting = ledger_post(
            actor=actor,
            client_key=client_key,
            lines=[
                LineIn(
                    _location(warehouse, LocationKind.WAREHOUSE),
                    item,
                    count if incoming else -count,
                    EntryKind.RECEIPT if incoming else EntryKind.ISSUE,
                )
            ],
            note=str(_("Donation %(receipt)s") % {"receipt": receipt}),
            kind_payload={"op": "donation", "receipt": receipt, "direction": direction},
        )
    try:
        with transaction.atomic():
            donation = Donation.objects.create(
                direction=direction,
                kind=kind,
                donor=donor,
                country=country,
                association=association,
                recipient=recipient,
                amount=money,
                item=item,
                quantity=count,
                warehouse=warehouse,
                posting=posting,
                date=date,
                receipt_number=receipt,
                use=use,
                public=bool(public),
                created_by_id=actor.pk,
            )
    except IntegrityError:
        raise conflict(
            "donation.duplicate_receipt",
            _("A donation with this receipt number is already recorded."),
            "receipt_number",
        ) from None
    audit_record(
        actor=actor,
        action="donation.record",
        obj=donation,
        data={
            "direction": direction,
            "kind": kind,
            "receipt": receipt,
            "posting": str(posting) if posting else None,
        },
    )
    return donation


# Reconciliation ----------------------------------------------------------------------------------


def reconcile() -> Reconciliation:
    """Check every balance against the sum of its ledger entries and record the differences (each
    query reads one consistent snapshot, so postings running meanwhile cause no false alarm)."""
    started = clock.now()
    entries = LedgerEntry.objects.filter(location=OuterRef("location"), item=OuterRef("item")).order_by()
    ledger_sum = Subquery(entries.values("location").annotate(total=Sum("quantity")).values("total")[:1])
    balances = Balance.objects.annotate(ledger=Coalesce(ledger_sum, 0)).select_related(
        "location__warehouse__place", "item"
    )
    checked = 0
    mismatches: list[dict[str, Any]] = []
    for balance in balances.order_by("location_id", "item_id").iterator(chunk_size=2000):
        checked += 1
        if balance.quantity != balance.ledger:
            mismatches.append(_mismatch(balance.location, balance.item, balance.quantity, balance.ledger))
    orphans = (
        LedgerEntry.objects.exclude(
            Exists(Balance.objects.filter(location=OuterRef("location"), item=OuterRef("item")))
        )
        .order_by()
        .values("location", "item")
        .annotate(total=Sum("quantity"))
        .filter(~Q(total=0))
    )
    for row in orphans:
        location = Location.objects.select_related("warehouse__place").get(pk=row["location"])
        mismatches.append(_mismatch(location, Item.objects.get(pk=row["item"]), None, row["total"]))
    for mismatch in mismatches:
        logger.error("supplies: balance differs from its ledger: %s", mismatch)
    return Reconciliation.objects.create(
        started_at=started, finished_at=clock.now(), balances_checked=checked, mismatches=mismatches
    )


def _mismatch(location: Location, item: Item, balance: int | None, ledger: int) -> dict[str, Any]:
    return {
        "location": location.pk,
        "location_name": str(location),
        "item": item.code,
        "balance": balance,
        "ledger": ledger,
    }
