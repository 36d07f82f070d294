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
Code = Annotated[str, Field(max_length=16, pattern=NO_NUL_PATTERN)]
Text = Annotated[str, Field(max_length=4000, pattern=NO_NUL_PATTERN)]
Limit = Annotated[int, Field(ge=1, le=500)]
Offset = Annotated[int, Field(ge=0, le=1_000_000_000)]
BedTypeIn = Literal["general", "isolation", "icu"]


class HospitalRegionFilter(Schema):
    region: RegionCode = Field(description="a region code inside your jurisdiction (official or path)")


class StatisticsFilter(HospitalRegionFilter):
    start: Day | None = None
    end: Day | None = None


class BedsOut(Schema):
    capacity: int
    occupied: int


class HospitalBedsOut(Schema):
    place_id: int
    name: str
    level: str
    county: str
    beds: dict[str, BedsOut] = Field(description="by bed type: general, isolation, icu")


class StatisticsOut(Schema):
    region: str
    start: dt.date | None
    end: dt.date | None
    admitted: int
    in_hospital: int
    cured: int
    died: int
    cure_rate: float | None = Field(description="cured / (cured + died)")
    median_length_of_stay_days: float | None
    mean_length_of_stay_days: float | None
    tcm_rate: float | None
    mean_los_tcm_days: float | None
    mean_los_without_tcm_days: float | None
    los_difference_days: float | None
    mild_admitted: int
    converted_to_severe: int
    conversion_rate: float | None


class WardIn(Schema):
    capacity: int = Field(ge=0, le=100_000)


class WardOut(Schema):
    hospital_id: int
    bed_type: str
    capacity: int


class AdmissionFilter(Schema):
    hospital_id: RowId | None = None
    status: Literal["admitted", "transferred", "discharged", "died"] | None = None
    limit: Limit = 50
    offset: Offset = 0


class AdmissionIn(Schema):
    case_id: uuid.UUID
    hospital_id: RowId
    bed_type: BedTypeIn
    admitted_on: Day
    severity: Literal["mild", "moderate", "severe", "critical"] | None = None


class AdmissionItem(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    person_id: uuid.UUID
    person_name: str = Field(description="masked: 张*")
    hospital_id: int
    hospital_name: str
    bed_type: str
    county: str
    status: str
    status_label: str
    admitted_on: dt.date
    ended_on: dt.date | None
    transferred_from_id: uuid.UUID | None
    severity_on_admission: str
    severity: str
    tcm: bool


class AdmissionPage(Schema):
    count: int
    items: list[AdmissionItem]


class AdmissionSeverityIn(Schema):
    date: Day
    severity: Literal["mild", "moderate", "severe", "critical"]
    temperature: Decimal | None = Field(default=None, max_digits=4, decimal_places=1)
    spo2: int | None = None
    respiratory_rate: int | None = None
    heart_rate: int | None = None
    note: Annotated[str, Field(max_length=512, pattern=NO_NUL_PATTERN)] = ""


class AdmissionSeverityOut(Schema):
    id: uuid.UUID
    date: dt.date
    severity: str
    temperature: float | None
    spo2: int | None
    respiratory_rate: int | None
    heart_rate: int | None
    note: str


class TreatmentIn(Schema):
    date: Day
    kind: Code
    detail: Annotated[str, Field(max_length=512, pattern=NO_NUL_PATTERN)]


class TreatmentOut(Schema):
    id: uuid.UUID
    date: dt.date
    kind: str
    kind_label: str
    detail: str


class TransferIn(Schema):
    hospital_id: RowId
    bed_type: BedTypeIn
    date: Day
    reason: Annotated[str, Field(max_length=256, pattern=NO_NUL_PATTERN)]


class DateIn(Schema):
    date: Day


class CandidateFilter(Schema):
    bed_type: BedTypeIn | None = None


class CandidateOut(Schema):
    place_id: int
    name: str
    level: str
    distance_km: float | None
    free: int


class DischargeCheckOut(Schema):
    met: bool
    missing: list[str]


class OpinionOut(Schema):
    id: uuid.UUID
    consultation_id: uuid.UUID
    expert_id: uuid.UUID
    expert_name: str
    text: str
    recommendations: str
    written_at: dt.datetime


class AdmissionOut(AdmissionItem):
    transfer_reason: str
    updates: list[AdmissionSeverityOut]
    treatments: list[TreatmentOut]
    opinions: list[OpinionOut]


class ExpertIn(Schema):
    name: Annotated[str, Field(max_length=64, pattern=NO_NUL_PATTERN)]
    specialty: Code
    title: Annotated[str, Field(max_length=64, pattern=NO_NUL_PATTERN)] = ""
    employer: Annotated[str, Field(max_length=128, pattern=NO_NUL_PATTERN)] = ""
    user_id: RowId | None = None


class ExpertOut(Schema):
    id: uuid.UUID
    name: str
    title: str
    specialty: str
    specialty_label: str
    employer: str
    has_login: bool
    active: bool


class GroupIn(Schema):
    name: Annotated[str, Field(max_length=128, pattern=NO_NUL_PATTERN)]
    region: RegionCode
    member_ids: list[uuid.UUID] = Field(max_length=200)
    leader_id: uuid.UUID | None = None


class GroupOut(Schema):
    id: uuid.UUID
    name: str
    region: str
    region_name: str
    leader_id: uuid.UUID | None
    member_ids: list[uuid.UUID]


class RotaFilter(Schema):
    start: Day
    days: Annotated[int, Field(ge=1, le=62)] = 7


class DutyIn(Schema):
    expert_id: uuid.UUID
    date: Day
    shift: Literal["day", "night"]


class DutyOut(Schema):
    id: uuid.UUID
    group_id: uuid.UUID
    expert_id: uuid.UUID
    expert_name: str
    date: dt.date
    shift: str


class ConsultationFilter(Schema):
    status: Literal["requested", "scheduled", "completed", "cancelled"] | None = None
    limit: Limit = 50
    offset: Offset = 0


class ConsultationIn(Schema):
    admission_id: uuid.UUID
    question: Annotated[str, Field(max_length=1024, pattern=NO_NUL_PATTERN)]


class InviteIn(Schema):
    expert_ids: list[uuid.UUID] = Field(max_length=50)


class ScheduleIn(Schema):
    scheduled_at: dt.datetime
    video_url: Annotated[str, Field(max_length=512, pattern=NO_NUL_PATTERN)]


class ConsultationCloseIn(Schema):
    status: Literal["completed", "cancelled"]


class OpinionIn(Schema):
    text: Text
    recommendations: Text = ""


class AnswerIn(Schema):
    accept: bool


class InvitationOut(Schema):
    id: uuid.UUID
    consultation_id: uuid.UUID
    expert_id: uuid.UUID
    expert_name: str
    status: str
    answered_at: dt.datetime | None


class ConsultationItem(Schema):
    id: uuid.UUID
    admission_id: uuid.UUID
    hospital_name: str
    county: str
    question: str
    status: str
    status_label: str
    scheduled_at: dt.datetime | None
    video_url: str
    requested_at: dt.datetime
    closed_at: dt.datetime | None


class ConsultationPage(Schema):
    count: int
    items: list[ConsultationItem]


class ConsultationOut(ConsultationItem):
    summary: dict[str, Any]
    invitations: list[InvitationOut]
    opinions: list[OpinionOut]
