import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from fangyi.core.schemas import Moment, RowId
from fangyi.core.validators import NO_NUL_PATTERN

RegionCode = Annotated[str, Field(min_length=1, max_length=12, pattern=NO_NUL_PATTERN)]
# Choices are checked by the services, which name the problem (`program.invalid_categories`...).
Code = Annotated[str, Field(max_length=32, pattern=NO_NUL_PATTERN)]
Name = Annotated[str, Field(max_length=128, pattern=NO_NUL_PATTERN)]
Note = Annotated[str, Field(max_length=256, pattern=NO_NUL_PATTERN)]
# Amounts are checked by the services (`redeem.invalid_amount`...); the bounds keep them storable.
Fen = Annotated[int, Field(ge=-2_147_483_648, le=2_147_483_647)]
Limit = Annotated[int, Field(ge=1, le=500)]
Offset = Annotated[int, Field(ge=0, le=1_000_000_000)]


# Programmes ---------------------------------------------------------------------------------------


class VoucherProgramFilter(Schema):
    region: RegionCode | None = Field(
        default=None, description="programmes spent in this region (one of theirs contains it or lies in it)"
    )
    status: Literal["published", "closed"] | None = None
    limit: Limit = 100
    offset: Offset = 0


class VoucherDenominationIn(Schema):
    face_value_fen: Fen
    threshold_fen: Fen = Field(description="the minimum spend; at least the face value")
    stock: Fen


class VoucherProgramIn(Schema):
    name: Name
    funder_kind: Code = Field(description="government or union")
    funder: Name
    region: RegionCode = Field(description="the issuing jurisdiction")
    regions: Annotated[list[RegionCode], Field(min_length=1, max_length=200)] = Field(
        description="where the vouchers are claimed and spent, each inside `region`"
    )
    budget_fen: Annotated[int, Field(ge=1, le=10**15)]
    categories: Annotated[list[Code], Field(max_length=16)] = Field(
        description="merchant categories the vouchers are good for"
    )
    claiming: Code = Field(description="list, first_come or lottery")
    eligible_groups: Annotated[list[Code], Field(max_length=8)] = Field(
        default=[], description="for list programmes: employee, union_member"
    )
    per_person_limit: Annotated[int, Field(ge=1, le=100)] = 1
    claim_opens: Moment
    claim_closes: Moment
    valid_from: Moment
    valid_until: Moment
    denominations: Annotated[list[VoucherDenominationIn], Field(max_length=20)]


class VoucherDenominationOut(Schema):
    id: int
    face_value_fen: int
    threshold_fen: int
    stock: int
    remaining: int


class VoucherProgramOut(Schema):
    id: int
    name: str
    funder_kind: str
    funder_kind_label: str
    funder: str
    region: str
    region_name: str
    regions: list[str]
    budget_fen: int
    categories: list[str]
    claiming: str
    claiming_label: str
    eligible_groups: list[str]
    per_person_limit: int
    claim_opens: dt.datetime
    claim_closes: dt.datetime
    valid_from: dt.datetime
    valid_until: dt.datetime
    status: str
    status_label: str
    drawn_at: dt.datetime | None
    denominations: list[VoucherDenominationOut]
    claimed: int = Field(description="vouchers claimed so far")
    remaining: int = Field(description="vouchers left to claim")


class VoucherProgramPage(Schema):
    count: int
    items: list[VoucherProgramOut]


class VoucherEligibilityIn(Schema):
    group: Code = Field(description="employee or union_member")
    id_numbers: Annotated[
        list[Annotated[str, Field(max_length=32, pattern=NO_NUL_PATTERN)]],
        Field(min_length=1, max_length=10_000),
    ]


class VoucherEligibilityOut(Schema):
    added: int
    already: int = Field(description="residents already on the list")


class VoucherClaimIn(Schema):
    denomination_id: RowId | None = Field(
        default=None, description="which kind of voucher (default: the first with stock left)"
    )


class VoucherDrawIn(Schema):
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = Field(
        default=None, description="makes the draw repeatable"
    )


class VoucherDrawOut(Schema):
    entries: int
    winners: int = Field(description="residents who won at least one voucher")
    issued: int = Field(description="vouchers issued")


class VoucherLotteryEntryOut(Schema):
    id: int
    program_id: int
    entered_at: dt.datetime
    won: bool | None = Field(description="null until the draw")


# Vouchers -----------------------------------------------------------------------------------------


class VoucherOut(Schema):
    id: int
    code: str
    program_id: int
    program: str
    denomination_id: int
    face_value_fen: int
    threshold_fen: int
    holder: str = Field(description="the holder's masked name")
    status: str
    status_label: str
    claimed_at: dt.datetime
    redeemed_at: dt.datetime | None
    valid_from: dt.datetime
    valid_until: dt.datetime


class VoucherMineFilter(Schema):
    status: Literal["held", "redeemed"] | None = None
    limit: Limit = 100
    offset: Offset = 0


class VoucherPage(Schema):
    count: int
    items: list[VoucherOut]


# Merchants ----------------------------------------------------------------------------------------


class VoucherMerchantFilter(Schema):
    status: Literal["pending", "approved", "rejected", "suspended"] | None = None
    category: Code | None = None
    region: RegionCode | None = None
    limit: Limit = 100
    offset: Offset = 0


class VoucherMerchantIn(Schema):
    name: Name
    category: Code = Field(description="catering, supermarket, tourism or retail")
    small_micro: bool = True
    region: RegionCode
    credit_code: Annotated[str, Field(max_length=32, pattern=NO_NUL_PATTERN)] = ""
    address: Annotated[str, Field(max_length=256, pattern=NO_NUL_PATTERN)] = ""


class VoucherMerchantOut(Schema):
    id: int
    name: str
    credit_code: str
    category: str
    category_label: str
    small_micro: bool
    region: str
    region_name: str
    address: str
    status: str
    status_label: str
    applied_at: dt.datetime
    reviewed_at: dt.datetime | None
    review_note: str


class VoucherMerchantPage(Schema):
    count: int
    items: list[VoucherMerchantOut]


class VoucherMerchantReviewIn(Schema):
    decision: Literal["approve", "reject", "suspend", "reinstate"]
    note: Note = Field(default="", description="required to reject or suspend")


# Redemptions and settlements ----------------------------------------------------------------------


class VoucherRedeemIn(Schema):
    merchant_id: RowId
    code: Annotated[str, Field(max_length=32, pattern=NO_NUL_PATTERN)]
    order_no: Annotated[str, Field(max_length=128, pattern=NO_NUL_PATTERN)] = Field(
        description="your order number: sending the same order again is the same redemption"
    )
    order_amount_fen: Fen


class VoucherRedemptionOut(Schema):
    id: int
    merchant_id: int
    merchant: str
    program_id: int
    voucher_code: str
    order_no: str
    order_amount_fen: int
    discount_fen: int
    status: str
    status_label: str
    redeemed_at: dt.datetime
    refunded_at: dt.datetime | None
    settlement_id: int | None


class VoucherRedemptionFilter(Schema):
    merchant: RowId | None = Field(default=None, description="one of the merchants you run or oversee")
    status: Literal["done", "refunded"] | None = None
    day: Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))] | None = Field(
        default=None, description="redeemed on this local calendar day"
    )
    limit: Limit = 100
    offset: Offset = 0


class VoucherRedemptionPage(Schema):
    count: int
    items: list[VoucherRedemptionOut]


class VoucherSettlementFilter(Schema):
    merchant: RowId | None = Field(default=None, description="one of the merchants you run or oversee")
    limit: Limit = 100
    offset: Offset = 0


class VoucherSettlementOut(Schema):
    id: int
    program_id: int
    program: str
    merchant_id: int
    merchant: str
    business_day: dt.date
    amount_fen: int
    redemptions: int
    settled_at: dt.datetime


class VoucherSettlementPage(Schema):
    count: int
    items: list[VoucherSettlementOut]


# Fraud flags --------------------------------------------------------------------------------------


class VoucherFlagFilter(Schema):
    status: Literal["open", "cleared", "confirmed"] | None = None
    rule: Literal["velocity", "split_order", "repeated_pair", "out_of_region"] | None = None
    limit: Limit = 100
    offset: Offset = 0


class VoucherFlagOut(Schema):
    id: int
    rule: str
    rule_label: str
    program_id: int
    region: str
    holder: str | None = Field(description="the holder's masked name")
    merchant_id: int | None
    merchant: str | None
    voucher_id: int | None
    redemption_id: int | None
    detail: dict[str, Any]
    raised_at: dt.datetime
    status: str
    status_label: str
    reviewed_at: dt.datetime | None
    review_note: str


class VoucherFlagPage(Schema):
    count: int
    items: list[VoucherFlagOut]


class VoucherFlagReviewIn(Schema):
    decision: Literal["clear", "confirm"]
    note: Note = ""


# Statistics ---------------------------------------------------------------------------------------


class VoucherStatsFilter(Schema):
    region: RegionCode = Field(description="a region you oversee; its children are broken down")


class VoucherProgramStatsFilter(Schema):
    region: RegionCode | None = Field(
        default=None, description="a region you oversee (default: the issuing region)"
    )


class VoucherCountOut(Schema):
    count: int
    fen: int


class VoucherShareOut(Schema):
    count: float | None = Field(description="of the redemptions; null when there are none")
    fen: float | None = Field(description="of the discount; null when there is none")


class VoucherMerchantCountOut(Schema):
    approved: int
    small_micro: int


class VoucherFiguresOut(Schema):
    redeemed: VoucherCountOut
    refunded: VoucherCountOut
    order_amount_fen: int = Field(description="the purchases the redeemed vouchers went with")
    leverage: float | None = Field(
        description="yuan of purchases per yuan of discount; null when nothing was redeemed"
    )
    small_micro_share: VoucherShareOut
    merchants: VoucherMerchantCountOut


class VoucherRegionFiguresOut(VoucherFiguresOut):
    region: str
    name: str
    claimed: VoucherCountOut


class VoucherCategoryFiguresOut(VoucherFiguresOut):
    category: str
    category_label: str


class VoucherStatsOut(VoucherFiguresOut):
    region: str
    program_id: int | None
    claimed: VoucherCountOut
    by_region: list[VoucherRegionFiguresOut] = Field(description="the regions one level down")
    by_category: list[VoucherCategoryFiguresOut]
