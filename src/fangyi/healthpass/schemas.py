import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from fangyi.core.validators import NO_NUL_PATTERN


class ColourChangeOut(Schema):
    at: dt.datetime
    from_colour: str
    to_colour: str
    rule_version: str
    reason_code: str
    reason: str
    evidence: list[dict[str, Any]]
    by: str | None = None


class ColourOut(Schema):
    colour: str
    colour_label: str
    reason_code: str
    reason: str
    rule_version: str
    since: dt.datetime | None
    changes: list[ColourChangeOut]


class PersonColourOut(ColourOut):
    person_id: uuid.UUID
    person_name: str
    person_id_number: str


class PassOut(Schema):
    token: str
    colour: str
    masked_name: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    kid: str


class DeclarationIn(Schema):
    temperature: Decimal | None = Field(default=None, description="°C; required")
    symptoms: list[str] = []
    travelled: bool = False
    origin: str = Field(default="", max_length=128, pattern=NO_NUL_PATTERN)
    origin_county: str | None = Field(default=None, max_length=12, pattern=r"^[0-9]*$")
    arrival_date: dt.date | None = None


class DeclarationOut(Schema):
    id: uuid.UUID
    date: dt.date
    temperature: Decimal
    symptoms: list[str]
    travelled: bool
    origin: str
    arrival_date: dt.date | None
    high_risk_reason: str
    verified_at: dt.datetime | None


class AppealIn(Schema):
    text: str = Field(max_length=1000, pattern=NO_NUL_PATTERN)


class AppealOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    colour: str
    text: str
    status: str
    status_label: str
    filed_at: dt.datetime
    response: str


class AppealPage(Schema):
    count: int
    items: list[AppealOut]


class AppealDecisionIn(Schema):
    uphold: bool
    response: str = Field(max_length=1000, pattern=NO_NUL_PATTERN)
    colour: str = "green"
    days: int = Field(default=14, ge=1, le=30)


class OverrideIn(Schema):
    person_id: uuid.UUID
    colour: str
    reason: str = Field(max_length=1000, pattern=NO_NUL_PATTERN)
    days: int = Field(default=14, ge=1, le=30)


class OverrideDecisionIn(Schema):
    note: str = Field(default="", max_length=256, pattern=NO_NUL_PATTERN)


class OverrideOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    colour: str
    reason: str
    status: str
    status_label: str
    ends_at: dt.datetime
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str


class OverridePage(Schema):
    count: int
    items: list[OverrideOut]


class ListFilter(Schema):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000_000)


class StatusFilter(ListFilter):
    status: str | None = Field(default=None, max_length=16, pattern=NO_NUL_PATTERN)


class ChangeFilter(ListFilter):
    region: str | None = Field(default=None, max_length=12, pattern=r"^[0-9]*$")
    colour: str | None = Field(default=None, max_length=8, pattern=NO_NUL_PATTERN)


class ChangeItem(ColourChangeOut):
    person_id: uuid.UUID
    person_name: str


class ChangePage(Schema):
    count: int
    items: list[ChangeItem]


class VerifyIn(Schema):
    token: str = Field(max_length=2000)


class VerifyOut(Schema):
    ok: bool
    code: str
    message: str
    colour: str | None = None
    masked_name: str | None = None
    expires_at: dt.datetime | None = None


class ScanIn(Schema):
    id: uuid.UUID = Field(description="chosen by the device; a resend with the same id is recorded once")
    place_id: int = Field(ge=1)
    token: str = Field(max_length=2000)
    temperature: Decimal | None = None
    scanned_at: dt.datetime | None = None
    offline: bool = False


class ScanOut(Schema):
    id: uuid.UUID
    recorded: bool = Field(description="false when this id had been recorded before")
    decision: str
    reason_code: str
    message: str
    colour: str
    masked_name: str
    expires_at: dt.datetime | None
    temperature: Decimal
    fever: bool
    referral_id: uuid.UUID | None
    scanned_at: dt.datetime


class GateOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region_code: str
    region_name: str


class StatsFilter(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    place_id: int | None = Field(default=None, ge=1)


class StatsRow(Schema):
    date: dt.date
    place_id: int
    place_name: str
    scans: int
    stops: int
    fevers: int


class StatsOut(Schema):
    start: dt.date
    end: dt.date
    scans: int
    stops: int
    fevers: int
    rows: list[StatsRow]


class KeyOut(Schema):
    kty: str
    crv: str
    alg: str
    kid: str
    x: str
    y: str


class KeySetOut(Schema):
    keys: list[KeyOut]


class RevocationFilter(Schema):
    since: int = Field(default=0, ge=0)


class RevocationsOut(Schema):
    version: int
    full: bool
    entries: list[list[str | int]] = Field(description="[subject, revoked_before (epoch seconds)] pairs")
