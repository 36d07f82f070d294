import uuid

from django.http import HttpRequest
from ninja import Query, Router, Status

from fangyi.core.access import Actor, require
from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, request_actor
from fangyi.core.errors import NotFound
from fangyi.supplies import selectors, services
from fangyi.supplies.models import (
    AllocationRun,
    Donation,
    Item,
    LedgerEntry,
    Producer,
    Shipment,
    SupplyRequest,
    Warehouse,
)
from fangyi.supplies.schemas import (
    AdjustmentIn,
    AllocationOut,
    AllocationRunIn,
    AllocationRunItem,
    AllocationRunOut,
    AllocationRunPage,
    DonationIn,
    DonationOut,
    DonationPage,
    EntryOut,
    EntryPage,
    ItemIn,
    ItemOut,
    LedgerFilter,
    MovementIn,
    PageFilter,
    PostingOut,
    ProducerIn,
    ProducerOut,
    ProductionDayIn,
    ProductionDayOut,
    ProductionFilter,
    ProductionPoint,
    PublicDonationOut,
    ReconciliationOut,
    RequestFilter,
    RequestIn,
    RequestOut,
    RequestPage,
    ReversalIn,
    ShipmentFilter,
    ShipmentIn,
    ShipmentKeyIn,
    ShipmentLineOut,
    ShipmentOut,
    ShipmentPage,
    StockFilter,
    StockRow,
    TransparencyOut,
    WarehouseFilter,
    WarehouseIn,
    WarehouseOut,
)

router = Router(tags=["supplies"])


def item_out(item: Item) -> ItemOut:
    return ItemOut(
        id=item.pk,
        code=item.code,
        name=item.name,
        category=item.category,
        category_label=str(item.get_category_display()),
        unit=item.unit,
        pack_size=item.pack_size,
        whole_packs=item.whole_packs,
    )


def warehouse_out(warehouse: Warehouse) -> WarehouseOut:
    return WarehouseOut(
        place_id=warehouse.pk,
        name=warehouse.place.name,
        level=warehouse.level,
        level_label=str(warehouse.get_level_display()),
        region=selectors.warehouse_region(warehouse),
    )


def entry_out(entry: LedgerEntry) -> EntryOut:
    return EntryOut(
        id=entry.pk,
        posting=entry.posting,
        location_id=entry.location_id,
        location_kind=entry.location.kind,
        item=entry.item.code,
        quantity=entry.quantity,
        kind=entry.kind,
        kind_label=str(entry.get_kind_display()),
        reverses_id=entry.reverses_id,
        shipment_id=entry.shipment_id,
        note=entry.note,
        posted_at=entry.posted_at,
        posted_by=entry.posted_by.username if entry.posted_by else None,
    )


def posting_out(posting: uuid.UUID) -> PostingOut:
    entries = LedgerEntry.objects.filter(posting=posting).select_related("location", "item", "posted_by")
    return PostingOut(posting=posting, entries=[entry_out(e) for e in entries])


def request_out(request: SupplyRequest) -> RequestOut:
    return RequestOut(
        id=request.pk,
        region=request.region.official_code,
        region_name=request.region.name,
        place_id=request.place_id,
        item=request.item.code,
        item_id=request.item_id,
        quantity=request.quantity,
        allocated=request.allocated,
        priority=request.priority,
        priority_label=str(request.get_priority_display()),
        weight=request.weight,
        reason=request.reason,
        status=request.status,
        status_label=str(request.get_status_display()),
        created_at=request.created_at,
    )


def run_out(run: AllocationRun) -> AllocationRunOut:
    return AllocationRunOut(
        id=run.pk,
        item=run.item.code,
        item_id=run.item_id,
        warehouse_id=run.location.warehouse_id,
        available=run.available,
        reserve=run.reserve,
        inputs=run.inputs,
        result=run.result,
        explanation=run.explanation,
        created_at=run.created_at,
        allocations=[
            AllocationOut(id=a.pk, request_id=a.request_id, region=a.request.region_id, quantity=a.quantity)
            for a in run.allocations.all()
        ],
    )


def shipment_out(shipment: Shipment) -> ShipmentOut:
    return ShipmentOut(
        id=shipment.pk,
        origin_id=shipment.origin_id,
        origin=shipment.origin.place.name,
        destination_id=shipment.destination_id,
        destination=shipment.destination.place.name,
        allocation_id=shipment.allocation_id,
        status=shipment.status,
        status_label=str(shipment.get_status_display()),
        note=shipment.note,
        created_at=shipment.created_at,
        dispatched_at=shipment.dispatched_at,
        delivered_at=shipment.delivered_at,
        lines=[
            ShipmentLineOut(item=line.item.code, item_id=line.item_id, quantity=line.quantity)
            for line in shipment.lines.all()
        ],
    )


def donation_out(donation: Donation) -> DonationOut:
    return DonationOut(
        id=donation.pk,
        direction=donation.direction,
        kind=donation.kind,
        donor=donation.donor,
        country=donation.country,
        association=donation.association,
        recipient=donation.recipient,
        amount=donation.amount,
        item=donation.item.code if donation.item else None,
        quantity=donation.quantity,
        warehouse_id=donation.warehouse_id,
        posting=donation.posting,
        date=donation.date,
        receipt_number=donation.receipt_number,
        use=donation.use,
        public=donation.public,
    )


def public_donation_out(donation: Donation) -> PublicDonationOut:
    return PublicDonationOut(
        direction=donation.direction,
        kind=donation.kind,
        donor=donation.donor,
        country=donation.country,
        association=donation.association,
        recipient=donation.recipient,
        amount=donation.amount,
        item=donation.item.code if donation.item else None,
        item_name=donation.item.name if donation.item else None,
        quantity=donation.quantity,
        date=donation.date,
        receipt_number=donation.receipt_number,
        use=donation.use,
    )


# Stock, catalogue, warehouses --------------------------------------------------------------------


@router.get("/stock", response={200: list[StockRow], **ERRORS_READ})
def stock(request: HttpRequest, filters: Query[StockFilter]) -> list[StockRow]:
    """Stock per warehouse of a region (and the regions below it) and item: in the warehouse and in
    transit out of it."""
    rows = selectors.stock_list(actor=request_actor(request), region=filters.region, item=filters.item)
    return [StockRow(**row) for row in rows]


@router.get("/items", response={200: list[ItemOut], **ERRORS_READ})
def items(request: HttpRequest) -> list[ItemOut]:
    """The catalogue: every item with its unit and pack size."""
    request_actor(request)
    return [item_out(item) for item in selectors.item_list()]


@router.post("/items", response={201: ItemOut, **ERRORS_WRITE})
def item_create(request: HttpRequest, payload: ItemIn) -> Status[ItemOut]:
    item = services.item_create(actor=request_actor(request), **payload.dict())
    return Status(201, item_out(item))


@router.get("/warehouses", response={200: list[WarehouseOut], **ERRORS_READ})
def warehouses(request: HttpRequest, filters: Query[WarehouseFilter]) -> list[WarehouseOut]:
    found = selectors.warehouse_list(actor=request_actor(request), region=filters.region)
    return [warehouse_out(w) for w in found]


@router.post("/warehouses", response={201: WarehouseOut, **ERRORS_WRITE})
def warehouse_register(request: HttpRequest, payload: WarehouseIn) -> Status[WarehouseOut]:
    """Make a place of kind warehouse a reserve warehouse of the province, a prefecture or a county."""
    warehouse = services.warehouse_register(actor=request_actor(request), **payload.dict())
    return Status(201, warehouse_out(warehouse))


# The ledger --------------------------------------------------------------------------------------


@router.get("/ledger", response={200: EntryPage, **ERRORS_READ})
def ledger(request: HttpRequest, filters: Query[LedgerFilter]) -> EntryPage:
    """A warehouse's ledger entries (its stock and its in-transit location), newest first."""
    found = selectors.ledger_list(
        actor=request_actor(request), warehouse_id=filters.warehouse_id, item_id=filters.item_id
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return EntryPage(count=found.count(), items=[entry_out(e) for e in page])


@router.post("/ledger/receipts", response={201: PostingOut, **ERRORS_WRITE})
def receipt(request: HttpRequest, payload: MovementIn) -> Status[PostingOut]:
    """Goods into a warehouse. Retrying with the same `client_key` and payload returns the same
    posting; the same key with another payload is refused (409 `ledger.key_reused`)."""
    posting = services.stock_receive(actor=request_actor(request), **payload.dict())
    return Status(201, posting_out(posting))


@router.post("/ledger/issues", response={201: PostingOut, **ERRORS_WRITE})
def issue(request: HttpRequest, payload: MovementIn) -> Status[PostingOut]:
    """Goods out of a warehouse; beyond its stock, 409 `ledger.insufficient_stock`."""
    posting = services.stock_issue(actor=request_actor(request), **payload.dict())
    return Status(201, posting_out(posting))


@router.post("/ledger/adjustments", response={201: PostingOut, **ERRORS_WRITE})
def adjustment(request: HttpRequest, payload: AdjustmentIn) -> Status[PostingOut]:
    posting = services.stock_adjust(actor=request_actor(request), **payload.dict())
    return Status(201, posting_out(posting))


@router.post("/ledger/{entry_id}/reversal", response={201: PostingOut, **ERRORS_WRITE})
def reversal(request: HttpRequest, entry_id: int, payload: ReversalIn) -> Status[PostingOut]:
    """Undo an entry by one of the opposite sign (once: 409 `entry.already_reversed`)."""
    posting = services.entry_reverse(actor=request_actor(request), entry_id=entry_id, **payload.dict())
    return Status(201, posting_out(posting))


# Producers ---------------------------------------------------------------------------------------


def producer_out(producer: Producer) -> ProducerOut:
    return ProducerOut(
        id=producer.pk,
        name=producer.name,
        region=producer.region.official_code,
        region_name=producer.region.name,
    )


@router.get("/producers", response={200: list[ProducerOut], **ERRORS_READ})
def producers(request: HttpRequest) -> list[ProducerOut]:
    return [producer_out(p) for p in selectors.producer_list(actor=request_actor(request))]


@router.post("/producers", response={201: ProducerOut, **ERRORS_WRITE})
def producer_create(request: HttpRequest, payload: ProducerIn) -> Status[ProducerOut]:
    producer = services.producer_create(actor=request_actor(request), **payload.dict())
    return Status(201, producer_out(producer))


@router.post("/producers/{producer_id}/days", response={200: ProductionDayOut, **ERRORS_WRITE})
def production_record(request: HttpRequest, producer_id: int, payload: ProductionDayIn) -> ProductionDayOut:
    """A producer's capacity and output of an item on a day (a second record of the day updates it)."""
    day = services.production_record(actor=request_actor(request), producer_id=producer_id, **payload.dict())
    return ProductionDayOut(
        producer_id=day.producer_id,
        item_id=day.item_id,
        date=day.date,
        capacity=day.capacity,
        output=day.output,
    )


@router.get("/production", response={200: list[ProductionPoint], **ERRORS_READ})
def production(request: HttpRequest, filters: Query[ProductionFilter]) -> list[ProductionPoint]:
    """Daily capacity and output of an item, summed over the producers of your jurisdiction."""
    series = selectors.production_series(
        actor=request_actor(request), item_id=filters.item, start=filters.start, end=filters.end
    )
    return [ProductionPoint(**point) for point in series]


# Requests and allocation -------------------------------------------------------------------------


@router.get("/requests", response={200: RequestPage, **ERRORS_READ})
def requests(request: HttpRequest, filters: Query[RequestFilter]) -> RequestPage:
    found = selectors.request_list(
        actor=request_actor(request), status=filters.status, item_id=filters.item_id
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return RequestPage(count=found.count(), items=[request_out(r) for r in page])


@router.post("/requests", response={201: RequestOut, **ERRORS_WRITE})
def request_create(request: HttpRequest, payload: RequestIn) -> Status[RequestOut]:
    created = services.request_create(actor=request_actor(request), **payload.dict())
    return Status(201, request_out(created))


@router.post("/requests/{request_id}/cancel", response={200: RequestOut, **ERRORS_WRITE})
def request_cancel(request: HttpRequest, request_id: uuid.UUID) -> RequestOut:
    return request_out(services.request_cancel(actor=request_actor(request), request_id=request_id))


def _run_detail(actor: Actor, run_id: uuid.UUID) -> AllocationRunOut:
    return run_out(selectors.allocation_run_get(actor=actor, run_id=run_id))


@router.get("/allocation-runs", response={200: AllocationRunPage, **ERRORS_READ})
def allocation_runs(request: HttpRequest, filters: Query[PageFilter]) -> AllocationRunPage:
    found = selectors.allocation_run_list(actor=request_actor(request))
    page = found[filters.offset : filters.offset + filters.limit]
    return AllocationRunPage(
        count=found.count(),
        items=[
            AllocationRunItem(
                id=run.pk,
                item=run.item.code,
                warehouse_id=run.location.warehouse_id,
                warehouse=run.location.warehouse.place.name,
                available=run.available,
                reserve=run.reserve,
                allocated=run.result.get("allocated", 0),
                created_at=run.created_at,
            )
            for run in page
        ],
    )


@router.post("/allocation-runs", response={201: AllocationRunOut, **ERRORS_WRITE})
def allocation_run(request: HttpRequest, payload: AllocationRunIn) -> Status[AllocationRunOut]:
    """Allocate a warehouse's stock of an item to the open requests of the region it serves:
    priority tiers in order, weighted max-min fair shares, whole packs, less the reserve."""
    actor = request_actor(request)
    run = services.allocation_run(actor=actor, **payload.dict())
    return Status(201, _run_detail(actor, run.pk))


@router.get("/allocation-runs/{run_id}", response={200: AllocationRunOut, **ERRORS_READ})
def allocation_run_detail(request: HttpRequest, run_id: uuid.UUID) -> AllocationRunOut:
    return _run_detail(request_actor(request), run_id)


# Shipments ---------------------------------------------------------------------------------------


@router.get("/shipments", response={200: ShipmentPage, **ERRORS_READ})
def shipments(request: HttpRequest, filters: Query[ShipmentFilter]) -> ShipmentPage:
    found = selectors.shipment_list(actor=request_actor(request), status=filters.status)
    page = found[filters.offset : filters.offset + filters.limit]
    return ShipmentPage(count=found.count(), items=[shipment_out(s) for s in page])


@router.post("/shipments", response={201: ShipmentOut, **ERRORS_WRITE})
def shipment_create(request: HttpRequest, payload: ShipmentIn) -> Status[ShipmentOut]:
    actor = request_actor(request)
    shipment = services.shipment_create(
        actor=actor,
        origin_id=payload.origin_id,
        destination_id=payload.destination_id,
        lines=[(line.item_id, line.quantity) for line in payload.lines],
        allocation_id=payload.allocation_id,
        note=payload.note,
    )
    return Status(201, shipment_out(selectors.shipment_get(actor=actor, shipment_id=shipment.pk)))


@router.get("/shipments/{shipment_id}", response={200: ShipmentOut, **ERRORS_READ})
def shipment_detail(request: HttpRequest, shipment_id: uuid.UUID) -> ShipmentOut:
    return shipment_out(selectors.shipment_get(actor=request_actor(request), shipment_id=shipment_id))


@router.post("/shipments/{shipment_id}/dispatch", response={200: ShipmentOut, **ERRORS_WRITE})
def shipment_dispatch(request: HttpRequest, shipment_id: uuid.UUID, payload: ShipmentKeyIn) -> ShipmentOut:
    """Goods leave the origin for its in-transit location (a planned shipment only)."""
    actor = request_actor(request)
    services.shipment_dispatch(actor=actor, shipment_id=shipment_id, client_key=payload.client_key)
    return shipment_out(selectors.shipment_get(actor=actor, shipment_id=shipment_id))


@router.post("/shipments/{shipment_id}/deliver", response={200: ShipmentOut, **ERRORS_WRITE})
def shipment_deliver(request: HttpRequest, shipment_id: uuid.UUID, payload: ShipmentKeyIn) -> ShipmentOut:
    """Goods arrive at the destination (a dispatched shipment only)."""
    actor = request_actor(request)
    services.shipment_deliver(actor=actor, shipment_id=shipment_id, client_key=payload.client_key)
    return shipment_out(selectors.shipment_get(actor=actor, shipment_id=shipment_id))


@router.post("/shipments/{shipment_id}/cancel", response={200: ShipmentOut, **ERRORS_WRITE})
def shipment_cancel(request: HttpRequest, shipment_id: uuid.UUID) -> ShipmentOut:
    actor = request_actor(request)
    services.shipment_cancel(actor=actor, shipment_id=shipment_id)
    return shipment_out(selectors.shipment_get(actor=actor, shipment_id=shipment_id))


# Donations and reconciliation --------------------------------------------------------------------


@router.get("/donations", response={200: DonationPage, **ERRORS_READ})
def donations(request: HttpRequest, filters: Query[PageFilter]) -> DonationPage:
    found = selectors.donation_list(actor=request_actor(request))
    page = found[filters.offset : filters.offset + filters.limit]
    return DonationPage(count=found.count(), items=[donation_out(d) for d in page])


@router.post("/donations", response={201: DonationOut, **ERRORS_WRITE})
def donation_record(request: HttpRequest, payload: DonationIn) -> Status[DonationOut]:
    """Money or goods received or given; goods with a warehouse move its stock (`client_key` needed)."""
    donation = services.donation_record(actor=request_actor(request), **payload.dict())
    return Status(201, donation_out(donation))


@router.get("/donations/public", response={200: TransparencyOut}, auth=None)
def donations_public(request: HttpRequest) -> TransparencyOut:
    """The public account (no sign-in): money by country and association, goods by item, what was
    given abroad, each public donation with its use."""
    account = selectors.transparency()
    return TransparencyOut(
        **{key: account[key] for key in ("money_received", "money_by_country", "money_by_association")},
        goods_received=account["goods_received"],
        given=[public_donation_out(d) for d in account["given"]],
        donations=[public_donation_out(d) for d in account["donations"]],
    )


@router.get("/reconciliations/latest", response={200: ReconciliationOut, **ERRORS_READ})
def reconciliation_latest(request: HttpRequest) -> ReconciliationOut:
    """The last check of the balances against the ledger (404 before the first), with the
    mismatches in your jurisdiction."""
    actor = request_actor(request)
    require(actor, selectors.VIEW)
    latest = selectors.reconciliation_latest()
    if latest is None:
        raise NotFound("reconciliation.not_found")
    return ReconciliationOut(
        id=latest.pk,
        started_at=latest.started_at,
        finished_at=latest.finished_at,
        balances_checked=latest.balances_checked,
        mismatches=selectors.reconciliation_mismatches(actor=actor, reconciliation=latest),
    )
