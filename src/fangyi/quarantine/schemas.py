import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from fangyi.core.schemas import RowId
from fangyi.core.validators import NO_NUL_PATTERN

# Dates sent to the API: well-formed and from 2000 on (the services check the rest: not in the
# future, inside the contact window).
EARLIEST = dt.date(2000, 1, 1)
Day = Annotated[dt.date, Field(ge=EARLIEST)]
RegionCode = Annotated[str, Field(min_length=1, max_length=12, pattern=NO_NUL_PATTERN)]
Code = Annotated[str, Field(max_length=16, pattern=NO_NUL_PATTERN)]
Text = Annotated[str, Field(max_length=256, pattern=NO_NUL_PATTERN)]
Room = Annotated[str, Field(max_length=16, pattern=NO_NUL_PATTERN)]
Limit = Annotated[int, Field(ge=1, le=500)]
Offset = Annotated[int, Field(ge=0, le=1_000_000_000)]


# Summary -----------------------------------------------------------------------------------------


class ObservationSummaryFilter(Schema):
    region: RegionCode = Field(description="a region code inside your jurisdiction (official or path)")


class ObservationSummaryOut(Schema):
    region_code: str
    region_name: str
    date: dt.date
    under_observation: int = Field(description="residents under observation now")
    released: int = Field(description="periods released so far")
    overdue_checkins: int = Field(description="open alerts of missed check-ins")
    fever_alerts: int = Field(description="open alerts of fever")
    by_kind: dict[str, int] = Field(description="residents under observation now, by kind")


# Observation periods -----------------------------------------------------------------------------


class ObservationFilter(Schema):
    status: Literal["active", "released", "to_treatment", "cancelled"] | None = None
    kind: Literal["home", "centralised", "monitoring"] | None = None
    region: RegionCode | None = Field(default=None, description="region code; the resident's home")
    limit: Limit = 50
    offset: Offset = 0


class ObservationItem(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str = Field(description="masked: 张*")
    person_id_number: str = Field(description="masked: 430***********1234")
    region_code: str
    region_name: str
    kind: str
    kind_label: str
    source: str
    source_label: str
    site_id: int | None
    site_name: str | None
    room: str
    contact_id: uuid.UUID | None
    protocol_version: str
    last_exposure_on: dt.date
    starts_on: dt.date
    due_on: dt.date = Field(description="the earliest day of release")
    days_left: int = Field(description="days until due_on (0 when due or ended)")
    status: str
    status_label: str
    ended_on: dt.date | None
    end_note: str


class ObservationPage(Schema):
    count: int
    items: list[ObservationItem]


class CheckInOut(Schema):
    id: int
    date: dt.date
    slot: str
    slot_label: str
    temperature: float = Field(description="°C")
    fever: bool
    symptoms: str
    by_staff: bool = Field(description="entered by staff rather than by the resident")
    recorded_at: dt.datetime


class AlertOut(Schema):
    id: int
    period_id: uuid.UUID
    person_id: uuid.UUID
    person_name: str = Field(description="masked: 张*")
    region_code: str
    kind: str
    kind_label: str
    date: dt.date
    slot: str
    slot_label: str
    referral_id: uuid.UUID | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution_note: str


class ObservationOut(ObservationItem):
    checkins: list[CheckInOut]
    alerts: list[AlertOut]


class ObservationIn(Schema):
    person_id: uuid.UUID
    kind: Code = Field(description="home, centralised or monitoring")
    source: Code = Field(description="contact, screening, gate, arrival or other")
    last_exposure_on: Day
    site_id: RowId | None = Field(default=None, description="centralised only")
    room: Room = ""


class ReleaseIn(Schema):
    note: Text = ""


class EndIn(Schema):
    status: Code = Field(description="to_treatment (became a case) or cancelled (entered in error)")
    note: Text


class CheckInIn(Schema):
    temperature: Decimal = Field(description="°C, 34.0 to 43.0")
    slot: Literal["am", "pm"] | None = Field(default=None, description="from the local time when absent")
    symptoms: Text = ""


# The resident's own page -------------------------------------------------------------------------


class CheckInSlotOut(Schema):
    slot: str
    slot_label: str
    checkin: CheckInOut | None


class OwnObservationOut(Schema):
    date: dt.date
    period: ObservationItem | None = Field(description="null when not under observation")
    slots: list[CheckInSlotOut] = Field(
        description="today's check-in slots (empty when not under observation)"
    )
    history: list[CheckInOut] = Field(description="the period's check-ins, latest first")


# Alerts ------------------------------------------------------------------------------------------


class AlertFilter(Schema):
    open_only: bool = True
    limit: Limit = 50
    offset: Offset = 0


class AlertPage(Schema):
    count: int
    items: list[AlertOut]


class AlertResolveIn(Schema):
    note: Text


# Sites -------------------------------------------------------------------------------------------


class SiteFilter(Schema):
    limit: Limit = 50
    offset: Offset = 0


class SiteOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region_code: str
    region_name: str
    address: str
    rooms: int
    active: bool
    occupied: int = Field(description="residents under observation there now")
    free: int = Field(description="rooms not occupied (0 when over capacity)")


class SitePage(Schema):
    count: int
    items: list[SiteOut]


class SiteIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=128, pattern=NO_NUL_PATTERN)]
    kind: Code = Field(description="hotel or facility")
    region: RegionCode
    address: Text = ""
    rooms: int = Field(ge=0, le=100_000)


class SiteUpdateIn(Schema):
    rooms: int | None = Field(default=None, ge=0, le=100_000)
    active: bool | None = None


# Contacts ----------------------------------------------------------------------------------------


class ContactFilter(Schema):
    case_id: uuid.UUID | None = None
    limit: Limit = 50
    offset: Offset = 0


class ContactOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    person_id: uuid.UUID
    person_name: str = Field(description="masked: 张*")
    person_id_number: str = Field(description="masked: 430***********1234")
    region_code: str
    contact_type: str
    contact_type_label: str
    degree: int = Field(description="1: a contact of the case; 2: a contact of one of its contacts")
    via_contact_id: uuid.UUID | None
    last_contact_on: dt.date
    note: str
    registered_at: dt.datetime


class ContactPage(Schema):
    count: int
    items: list[ContactOut]


class ContactIn(Schema):
    case_id: uuid.UUID
    person_id: uuid.UUID
    contact_type: Code = Field(description="household, care, work, transport, shared_meal...")
    last_contact_on: Day
    via_contact_id: uuid.UUID | None = Field(default=None, description="the primary contact (secondary)")
    note: Text = ""
    observation_kind: Code = "home"
    site_id: RowId | None = None
    room: Room = ""


# Transmission graph ------------------------------------------------------------------------------


class TransmissionGraphFilter(Schema):
    case_id: uuid.UUID | None = None
    cluster_id: RowId | None = None
    region: RegionCode | None = None


class TransmissionNode(Schema):
    id: str
    kind: Literal["case", "contact"]
    label: str = Field(description="masked name")
    classification: str | None = Field(description="cases: suspected, confirmed...")
    degree: int | None = Field(description="contacts: 1 or 2")
    cluster_id: int | None
    cluster_name: str | None


class TransmissionEdge(Schema):
    source: str
    target: str
    contact_type: str
    contact_type_label: str


class TransmissionGraphOut(Schema):
    nodes: list[TransmissionNode]
    edges: list[TransmissionEdge]
    truncated: bool = Field(description="true when the graph was cut at its size limit")
