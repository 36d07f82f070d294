import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from fangyi.core.schemas import RowId
from fangyi.core.validators import NO_NUL_PATTERN
from fangyi.labs.services import EARLIEST_SAMPLE, LAB_MAX, NOTE_MAX

Day = Annotated[dt.date, Field(ge=EARLIEST_SAMPLE)]
Text = Annotated[str, Field(max_length=NOTE_MAX, pattern=NO_NUL_PATTERN)]


# Referrals ---------------------------------------------------------------------------------------


class ReferralFilter(Schema):
    status: Literal["open", "cleared", "case_reported"] | None = None
    county: str | None = Field(
        default=None,
        min_length=1,
        max_length=12,
        pattern=NO_NUL_PATTERN,
        description="a county, prefecture or province code: the county that follows the referral up",
    )
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000_000)


class ReferralItem(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    person_id_number: str = Field(description="masked: 430***********1234")
    county_code: str
    county_name: str
    place_id: int | None
    place_name: str | None
    source: str
    source_label: str
    temperature: float | None = Field(description="°C")
    reason: str
    status: str
    status_label: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    outcome_note: str


class ReferralPage(Schema):
    count: int
    items: list[ReferralItem]


class ReferralOpenIn(Schema):
    person_id: uuid.UUID
    source: str = Field(
        max_length=16, pattern=NO_NUL_PATTERN, description="gate, check_in, self_report or clinic"
    )
    reason: Text
    temperature: Decimal | None = Field(default=None, description="°C, 34.0 to 43.0")


class ReferralCloseIn(Schema):
    status: str = Field(max_length=16, pattern=NO_NUL_PATTERN, description="cleared or case_reported")
    note: Text = ""


# Results -----------------------------------------------------------------------------------------


class ResultFilter(Schema):
    person_id: uuid.UUID | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000_000)


class ResultOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    person_id_number: str = Field(description="masked: 430***********1234")
    referral_id: uuid.UUID | None
    sampled_on: dt.date
    result: str
    result_label: str
    positive: bool
    lab: str
    county_code: str
    reported_at: dt.datetime


class ResultPage(Schema):
    count: int
    items: list[ResultOut]


class ReferralOut(ReferralItem):
    results: list[ResultOut]


class ResultIn(Schema):
    person_id: uuid.UUID
    result: str = Field(max_length=8, pattern=NO_NUL_PATTERN, description="negative or positive")
    sampled_on: Day
    lab: str = Field(max_length=LAB_MAX, pattern=NO_NUL_PATTERN, description="the laboratory's name")
    referral_id: uuid.UUID | None = None


# Testing -----------------------------------------------------------------------------------------

Barcode = Annotated[str, Field(min_length=1, max_length=40, pattern=NO_NUL_PATTERN)]
RegionCode = Annotated[
    str,
    Field(
        min_length=1, max_length=12, pattern=NO_NUL_PATTERN, description="province, prefecture or county code"
    ),
]


class Page(Schema):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000_000)


class LabSummaryFilter(Schema):
    region: RegionCode
    date: Day | None = Field(default=None, description="samples collected on this day (Shanghai); empty: all")


class LabRow(Schema):
    place_id: int
    name: str
    county: str
    daily_capacity: int | None
    received_today: int
    reported_today: int
    backlog: int


class LabSummaryOut(Schema):
    region: str
    date: dt.date | None
    samples_total: int
    reported_total: int
    positive_total: int
    positive_rate: float | None = Field(description="0..1 of the reported; null when none is reported")
    median_turnaround_hours: float | None
    reported_same_day_rate: float | None
    backlog: int = Field(description="shipped or received, not reported, at labs in the region")
    daily_capacity: int
    labs: list[LabRow]


class PositivityFilter(Schema):
    region: RegionCode
    start: Day
    end: Day


class PositivityDay(Schema):
    date: dt.date
    reported: int
    positive: int
    rate: float | None


class VisitFilter(Page):
    clinic_id: RowId | None = None


class ClinicVisitIn(Schema):
    clinic_id: RowId
    person_id: uuid.UUID
    temperature: Decimal = Field(description="°C, 34.0 to 43.0")
    symptoms: list[Annotated[str, Field(max_length=32)]] = Field(default_factory=list, max_length=20)
    exposures: list[Annotated[str, Field(max_length=32)]] = Field(default_factory=list, max_length=20)
    code_colour: str = Field(
        max_length=8, pattern=NO_NUL_PATTERN, description="green, yellow, red or unknown"
    )
    note: Text = ""


class ClinicVisitOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    clinic_id: int
    clinic_name: str
    county_code: str
    referral_id: uuid.UUID | None
    temperature: float
    symptoms: list[str]
    exposures: list[str]
    code_colour: str
    decision: str
    decision_label: str
    reasons: list[str]
    reason_labels: list[str]
    note: str
    visited_at: dt.datetime


class VisitPage(Schema):
    count: int
    items: list[ClinicVisitOut]


class SampleFilter(Page):
    status: str | None = Field(default=None, max_length=16, pattern=NO_NUL_PATTERN)
    lab_id: RowId | None = None
    query: str | None = Field(default=None, max_length=64, pattern=NO_NUL_PATTERN)


class SampleIn(Schema):
    place_id: RowId
    person_id: uuid.UUID
    barcode: Barcode
    visit_id: uuid.UUID | None = None
    retest_task_id: uuid.UUID | None = None


class SampleOut(Schema):
    id: uuid.UUID
    barcode: str
    kind: str
    status: str
    status_label: str
    person_id: uuid.UUID | None
    person_name: str | None
    pool_barcode: str | None
    county_code: str
    collection_place_id: int
    collected_at: dt.datetime
    lab_id: int | None
    shipped_at: dt.datetime | None
    received_at: dt.datetime | None
    result: str
    ct_value: float | None
    operator: str
    reported_at: dt.datetime | None
    turnaround_minutes: int | None
    reported_same_day: bool | None


class SamplePage(Schema):
    count: int
    items: list[SampleOut]


class PoolIn(Schema):
    place_id: RowId
    barcode: Barcode
    size: int = Field(ge=1, le=1000)
    member_barcodes: list[Barcode] = Field(max_length=1000)


class BarcodesIn(Schema):
    lab_id: RowId
    barcodes: list[Barcode] = Field(min_length=1, max_length=5000)


class CountOut(Schema):
    count: int


class SampleResultIn(Schema):
    result: str = Field(
        max_length=16, pattern=NO_NUL_PATTERN, description="negative, positive or inconclusive"
    )
    operator: str = Field(max_length=64, pattern=NO_NUL_PATTERN)
    ct_value: Decimal | None = Field(default=None, description="5.0 to 45.0; required for a positive")


class RetestFilter(Page):
    status: Literal["open", "done"] | None = "open"


class RetestOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    pooled_barcode: str
    pool_barcode: str | None
    county_code: str
    status: str
    created_at: dt.datetime
    done_at: dt.datetime | None


class RetestPage(Schema):
    count: int
    items: list[RetestOut]


class LaboratoryFilter(Schema):
    region: RegionCode | None = None


class LaboratoryOut(Schema):
    place_id: int
    name: str
    county_code: str
    daily_capacity: int | None


class CapacityIn(Schema):
    daily_capacity: int = Field(ge=0, le=1_000_000)
