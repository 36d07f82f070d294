import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from fangyi.core.schemas import RowId
from fangyi.core.validators import NO_NUL_PATTERN

EARLIEST = dt.date(2000, 1, 1)
Day = Annotated[dt.date, Field(ge=EARLIEST)]
RegionCode = Annotated[str, Field(min_length=1, max_length=12, pattern=NO_NUL_PATTERN)]
Code = Annotated[str, Field(max_length=32, pattern=NO_NUL_PATTERN)]
Name = Annotated[str, Field(max_length=128, pattern=NO_NUL_PATTERN)]
Text = Annotated[str, Field(max_length=256, pattern=NO_NUL_PATTERN)]
ClientKey = Annotated[
    str,
    Field(
        max_length=64,
        pattern=NO_NUL_PATTERN,
        description="8–64 of A–Z a–z 0–9 _ . : - ; a retry with the same key and payload posts nothing new",
    ),
]
# Whole units; a fractional number is accepted here so that the service can name the problem
# (`quantity.invalid`) instead of a bare type error.
Quantity = Annotated[int | float, Field(description="whole units of the item")]
Limit = Annotated[int, Field(ge=1, le=500)]
Offset = Annotated[int, Field(ge=0, le=1_000_000_000)]


class PageFilter(Schema):
    limit: Limit = 100
    offset: Offset = 0


# Stock, catalogue, warehouses --------------------------------------------------------------------


class StockFilter(Schema):
    region: RegionCode = Field(description="a region code inside your jurisdiction (official or path)")
    item: Code | None = Field(default=None, description="an item code")


class StockRow(Schema):
    place_id: int = Field(description="the warehouse (its place id)")
    warehouse: str
    level: str
    region: str = Field(description="the region the warehouse serves")
    item: str
    item_name: str
    unit: str
    quantity: int = Field(description="in the warehouse")
    in_transit: int = Field(description="sent out of it and not yet received")


class ItemIn(Schema):
    code: Code
    name: Name
    category: Code
    unit: Annotated[str, Field(max_length=8, pattern=NO_NUL_PATTERN)]
    pack_size: Quantity = 1
    whole_packs: bool = True


class ItemOut(Schema):
    id: int
    code: str
    name: str
    category: str
    category_label: str
    unit: str
    pack_size: int
    whole_packs: bool


class WarehouseFilter(Schema):
    region: RegionCode | None = None


class WarehouseIn(Schema):
    place_id: RowId = Field(description="a place of kind warehouse")
    level: Literal["province", "prefecture", "county"]


class WarehouseOut(Schema):
    place_id: int
    name: str
    level: str
    level_label: str
    region: str = Field(description="the region the warehouse serves")


# The ledger --------------------------------------------------------------------------------------


class LedgerFilter(Schema):
    warehouse_id: RowId
    item_id: RowId | None = None
    limit: Limit = 100
    offset: Offset = 0


class EntryOut(Schema):
    id: int
    posting: uuid.UUID
    location_id: int
    location_kind: str
    item: str
    quantity: int = Field(description="signed: into (+) or out of (−) the location")
    kind: str
    kind_label: str
    reverses_id: int | None
    shipment_id: uuid.UUID | None
    note: str
    posted_at: dt.datetime
    posted_by: str | None


class EntryPage(Schema):
    count: int
    items: list[EntryOut]


class PostingOut(Schema):
    posting: uuid.UUID
    entries: list[EntryOut]


class MovementIn(Schema):
    warehouse_id: RowId
    item_id: RowId
    quantity: Quantity
    client_key: ClientKey
    note: Text = ""


class AdjustmentIn(Schema):
    warehouse_id: RowId
    item_id: RowId
    quantity: Quantity = Field(description="signed, not zero: found (+) or lost (−)")
    reason: Text
    client_key: ClientKey


class ReversalIn(Schema):
    reason: Text
    client_key: ClientKey


# Producers ---------------------------------------------------------------------------------------


class ProducerIn(Schema):
    name: Name
    region: RegionCode


class ProducerOut(Schema):
    id: int
    name: str
    region: str
    region_name: str


class ProductionDayIn(Schema):
    item_id: RowId
    date: Day
    capacity: Quantity | None = None
    output: Quantity | None = None


class ProductionDayOut(Schema):
    producer_id: int
    item_id: int
    date: dt.date
    capacity: int | None
    output: int | None


class ProductionFilter(Schema):
    item: RowId = Field(description="an item id")
    start: Day
    end: Day


class ProductionPoint(Schema):
    date: dt.date
    capacity: int
    output: int


# Requests and allocation -------------------------------------------------------------------------


class RequestFilter(Schema):
    status: Literal["open", "partly_allocated", "allocated", "cancelled"] | None = None
    item_id: RowId | None = None
    limit: Limit = 100
    offset: Offset = 0


class RequestIn(Schema):
    region: RegionCode
    item_id: RowId
    quantity: Quantity
    priority: int = Field(description="1 critical … 4 low")
    reason: Text
    weight: Quantity = 1
    place_id: RowId | None = None


class RequestOut(Schema):
    id: uuid.UUID
    region: str
    region_name: str
    place_id: int | None
    item: str
    item_id: int
    quantity: int
    allocated: int
    priority: int
    priority_label: str
    weight: int
    reason: str
    status: str
    status_label: str
    created_at: dt.datetime


class RequestPage(Schema):
    count: int
    items: list[RequestOut]


class AllocationRunIn(Schema):
    item_id: RowId
    warehouse_id: RowId
    reserve: Quantity = 0


class AllocationOut(Schema):
    id: int
    request_id: uuid.UUID
    region: str
    quantity: int


class AllocationRunOut(Schema):
    id: uuid.UUID
    item: str
    item_id: int
    warehouse_id: int
    available: int
    reserve: int
    inputs: dict[str, Any]
    result: dict[str, Any]
    explanation: list[dict[str, Any]]
    created_at: dt.datetime
    allocations: list[AllocationOut]


class AllocationRunItem(Schema):
    id: uuid.UUID
    item: str
    warehouse_id: int
    warehouse: str
    available: int
    reserve: int
    allocated: int
    created_at: dt.datetime


class AllocationRunPage(Schema):
    count: int
    items: list[AllocationRunItem]


# Shipments ---------------------------------------------------------------------------------------


class ShipmentFilter(Schema):
    status: Literal["planned", "dispatched", "delivered", "cancelled"] | None = None
    limit: Limit = 100
    offset: Offset = 0


class ShipmentLineIn(Schema):
    item_id: RowId
    quantity: Quantity


class ShipmentIn(Schema):
    origin_id: RowId
    destination_id: RowId
    lines: Annotated[list[ShipmentLineIn], Field(max_length=100)]
    allocation_id: RowId | None = None
    note: Text = ""


class ShipmentKeyIn(Schema):
    client_key: ClientKey


class ShipmentLineOut(Schema):
    item: str
    item_id: int
    quantity: int


class ShipmentOut(Schema):
    id: uuid.UUID
    origin_id: int
    origin: str
    destination_id: int
    destination: str
    allocation_id: int | None
    status: str
    status_label: str
    note: str
    created_at: dt.datetime
    dispatched_at: dt.datetime | None
    delivered_at: dt.datetime | None
    lines: list[ShipmentLineOut]


class ShipmentPage(Schema):
    count: int
    items: list[ShipmentOut]


# Donations ---------------------------------------------------------------------------------------


class DonationIn(Schema):
    direction: Literal["in", "out"]
    kind: Literal["money", "goods"]
    donor: Name
    recipient: Name
    date: Day
    receipt_number: Annotated[str, Field(max_length=64, pattern=NO_NUL_PATTERN)]
    amount: Decimal | None = Field(default=None, description="CNY, money only")
    item_id: RowId | None = None
    quantity: Quantity | None = None
    country: Annotated[str, Field(max_length=64, pattern=NO_NUL_PATTERN)] = ""
    association: Name = ""
    use: Text = ""
    public: bool = True
    warehouse_id: RowId | None = Field(
        default=None, description="goods: the warehouse they go into (or out of)"
    )
    client_key: ClientKey | None = Field(default=None, description="needed with a warehouse")


class DonationOut(Schema):
    id: uuid.UUID
    direction: str
    kind: str
    donor: str
    country: str
    association: str
    recipient: str
    amount: Decimal | None
    item: str | None
    quantity: int | None
    warehouse_id: int | None
    posting: uuid.UUID | None
    date: dt.date
    receipt_number: str
    use: str
    public: bool


class DonationPage(Schema):
    count: int
    items: list[DonationOut]


class PublicDonationOut(Schema):
    direction: str
    kind: str
    donor: str
    country: str
    association: str
    recipient: str
    amount: Decimal | None
    item: str | None
    item_name: str | None
    quantity: int | None
    date: dt.date
    receipt_number: str
    use: str


class MoneyByCountry(Schema):
    country: str
    amount: Decimal


class MoneyByAssociation(Schema):
    association: str
    amount: Decimal


class GoodsReceived(Schema):
    item: str
    item_name: str
    unit: str
    quantity: int


class TransparencyOut(Schema):
    money_received: Decimal
    money_by_country: list[MoneyByCountry]
    money_by_association: list[MoneyByAssociation]
    goods_received: list[GoodsReceived]
    given: list[PublicDonationOut]
    donations: list[PublicDonationOut]


class ReconciliationOut(Schema):
    id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    balances_checked: int
    mismatches: list[dict[str, Any]]
