import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from fangyi.core.schemas import Moment, RowId
from fangyi.core.validators import NO_NUL_PATTERN

EARLIEST = dt.date(2000, 1, 1)
Day = Annotated[dt.date, Field(ge=EARLIEST)]
RegionCode = Annotated[str, Field(min_length=1, max_length=12, pattern=NO_NUL_PATTERN)]
# Choices are checked by the services, which name the problem (`volunteer.unknown_skill`...).
Code = Annotated[str, Field(max_length=32, pattern=NO_NUL_PATTERN)]
Codes = Annotated[list[Code], Field(max_length=16)]
Name = Annotated[str, Field(max_length=128, pattern=NO_NUL_PATTERN)]
Text = Annotated[str, Field(max_length=4000, pattern=NO_NUL_PATTERN)]
Query = Annotated[str, Field(max_length=64, pattern=NO_NUL_PATTERN)]
Limit = Annotated[int, Field(ge=1, le=500)]
Offset = Annotated[int, Field(ge=0, le=1_000_000_000)]
Serial = Annotated[str, Field(max_length=24, pattern=NO_NUL_PATTERN)]


# Volunteers ---------------------------------------------------------------------------------------


class VolunteerFilter(Schema):
    region: RegionCode | None = None
    skill: Code | None = None
    language: Code | None = None
    counsellor: bool | None = Field(
        default=None, description="only counsellors (true) or only others (false)"
    )
    active: bool | None = None
    q: Query | None = Field(default=None, description="organisation, or a masked name such as 张*")
    limit: Limit = 100
    offset: Offset = 0


class VolunteerOut(Schema):
    id: int
    name: str = Field(description="masked: the family name and one star per other character")
    region: str
    region_name: str
    organisation: str
    skills: list[str]
    languages: list[str]
    availability: list[str]
    qualification: str
    qualification_verified: bool
    counsellor: bool
    active: bool
    registered_at: dt.datetime
    hours_approved: Decimal


class VolunteerPage(Schema):
    count: int
    items: list[VolunteerOut]


class ProfileIn(Schema):
    region: RegionCode
    organisation: Name = ""
    skills: Codes = []
    languages: Codes = []
    availability: Codes = []


class VolunteerIn(ProfileIn):
    name: Annotated[str, Field(max_length=64, pattern=NO_NUL_PATTERN)]
    id_number: Annotated[str, Field(max_length=32, pattern=NO_NUL_PATTERN)]
    home_region: RegionCode = Field(description="the resident's home village or community")
    phone: Annotated[str, Field(max_length=32, pattern=NO_NUL_PATTERN)] = ""


class VolunteerPatch(Schema):
    region: RegionCode | None = None
    organisation: Name | None = None
    skills: Codes | None = None
    languages: Codes | None = None
    availability: Codes | None = None


class QualificationIn(Schema):
    qualification: Code
    number: Code


class DecisionIn(Schema):
    approve: bool


# Missions -----------------------------------------------------------------------------------------


class MissionFilter(Schema):
    region: RegionCode | None = None
    status: Literal["open", "closed", "cancelled"] | None = None
    kind: Code | None = None
    upcoming: bool = False
    limit: Limit = 100
    offset: Offset = 0


class MissionIn(Schema):
    kind: Code
    title: Name
    description: Text = ""
    region: RegionCode
    place_id: RowId | None = None
    starts_at: Moment
    ends_at: Moment
    slots: Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
    skills_wanted: Codes = []


class MissionOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    description: str
    region: str
    region_name: str
    place_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    slots: int
    assigned: int
    waiting: int
    skills_wanted: list[str]
    status: str
    status_label: str


class MissionPage(Schema):
    count: int
    items: list[MissionOut]


class SignUpOut(Schema):
    id: int
    mission_id: int
    volunteer_id: int
    name: str = Field(description="the volunteer's masked name")
    status: str
    status_label: str
    created_at: dt.datetime
    decided_at: dt.datetime | None


class MissionDetailOut(MissionOut):
    signups: list[SignUpOut]


class AssignIn(Schema):
    assign: bool


# Hours --------------------------------------------------------------------------------------------


class MomentIn(Schema):
    at: Moment | None = Field(default=None, description="when (default: now)")


class HoursLogIn(Schema):
    signup_id: RowId
    check_in_at: Moment
    check_out_at: Moment
    note: Annotated[str, Field(max_length=500, pattern=NO_NUL_PATTERN)] = ""


class HoursDecisionIn(Schema):
    approve: bool
    note: Annotated[str, Field(max_length=500, pattern=NO_NUL_PATTERN)] = ""


class HoursFilter(Schema):
    status: Literal["on_duty", "pending", "approved", "rejected"] | None = None
    mission_id: RowId | None = None
    volunteer_id: RowId | None = None
    limit: Limit = 100
    offset: Offset = 0


class HoursOut(Schema):
    id: int
    signup_id: int
    mission_id: int
    mission: str
    volunteer_id: int
    name: str = Field(description="the volunteer's masked name")
    check_in_at: dt.datetime
    check_out_at: dt.datetime | None
    minutes: int | None
    status: str
    status_label: str
    decided_at: dt.datetime | None
    note: str


class HoursPage(Schema):
    count: int
    items: list[HoursOut]


# Certificates -------------------------------------------------------------------------------------


class CertificateOut(Schema):
    serial: str
    volunteer_id: int
    hours: Decimal
    missions: int
    first_day: dt.date
    last_day: dt.date
    issued_at: dt.datetime
    pdf_url: str


class CertificateCheckOut(Schema):
    serial: str
    name: str = Field(description="masked")
    hours: Decimal
    missions: int
    first_day: dt.date
    last_day: dt.date
    region: str
    issued_on: dt.date


# The hotline --------------------------------------------------------------------------------------


class ShiftFilter(Schema):
    region: RegionCode | None = None
    start: Moment | None = Field(default=None, description="shifts ending after this")
    end: Moment | None = Field(default=None, description="shifts starting before this")
    counsellor_id: RowId | None = None
    limit: Limit = 100
    offset: Offset = 0


class ShiftIn(Schema):
    counsellor_id: RowId
    line: Annotated[str, Field(max_length=64, pattern=NO_NUL_PATTERN)]
    region: RegionCode
    starts_at: Moment
    ends_at: Moment


class ShiftOut(Schema):
    id: int
    line: str
    region: str
    region_name: str
    counsellor_id: int
    counsellor: str = Field(description="the counsellor's masked name")
    starts_at: dt.datetime
    ends_at: dt.datetime
    sessions: int


class ShiftPage(Schema):
    count: int
    items: list[ShiftOut]


class SessionIn(Schema):
    started_at: Moment
    minutes: Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
    caller_group: Code
    topic: Code
    risk: Code = "none"
    notes: Annotated[
        str,
        Field(
            max_length=2000,
            pattern=NO_NUL_PATTERN,
            description="nothing that identifies the caller: no name, number or address",
        ),
    ] = ""


class SessionFilter(Schema):
    region: RegionCode | None = None
    start: Moment | None = None
    end: Moment | None = None
    shift_id: RowId | None = None
    limit: Limit = 100
    offset: Offset = 0


class SessionOut(Schema):
    id: int
    shift_id: int
    line: str
    region: str
    started_at: dt.datetime
    minutes: int
    caller_group: str
    topic: str
    risk: str
    notes: str


class SessionPage(Schema):
    count: int
    items: list[SessionOut]


class CoverageFilter(Schema):
    region: RegionCode
    start: Day
    end: Day


class GapOut(Schema):
    start: dt.datetime
    end: dt.datetime


class CoverageDayOut(Schema):
    date: dt.date
    covered_minutes: int
    covered_hours: Decimal
    gaps: list[GapOut]


class VolunteerStatsFilter(Schema):
    region: RegionCode


class VolunteerStatsOut(Schema):
    region: str
    volunteers: int
    counsellors: int
    missions: int
    missions_open: int
    hours_pending: int
    hours_approved: Decimal
