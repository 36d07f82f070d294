import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

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
