import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from fangyi.core.schemas import RowId
from fangyi.core.validators import NO_NUL_PATTERN
from fangyi.resumption.schemas import Code, Day, Limit, LongText, Name, Offset, RegionCode

Category = Literal["labour", "funding", "materials", "logistics", "policy", "other"]
Priority = Literal["urgent", "high", "normal", "low"]
TicketStatusValue = Literal["open", "waiting", "resolved", "closed"]
SlaValue = Literal["on_track", "at_risk", "overdue", "paused", "met", "breached"]
LevelValue = Literal["county", "prefecture", "province"]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)]
Note = Annotated[str, Field(max_length=4000, pattern=NO_NUL_PATTERN)]


# Tickets -----------------------------------------------------------------------------------------


class TicketFilter(Schema):
    status: TicketStatusValue | None = None
    sla_state: SlaValue | None = None
    category: Category | None = None
    level: LevelValue | None = None
    enterprise_id: RowId | None = None
    limit: Limit = 50
    offset: Offset = 0


class TicketIn(Schema):
    enterprise_id: RowId
    category: Code = Field(description="labour, funding, materials, logistics, policy or other")
    priority: Code = Field(description="urgent, high, normal or low: the SLA target in working days")
    title: Name
    description: LongText


class NoteIn(Schema):
    note: Note = ""


class ResolveIn(Schema):
    resolution: Note = Field(description="how the problem was solved (required)")


class TicketCloseIn(Schema):
    satisfaction: int = Field(description="the enterprise's rating of the resolution, 1 to 5")
    note: Note = ""


class SlaOut(Schema):
    state: str
    state_label: str
    due_at: dt.datetime | None = Field(description="None while paused")
    elapsed_hours: float = Field(description="working time on the clock")
    target_hours: float
    paused: bool


class TicketItem(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    region_code: str
    category: str
    category_label: str
    priority: str
    title: str
    status: str
    status_label: str
    level: str
    level_label: str
    opened_at: dt.datetime
    due_at: dt.datetime | None
    sla_state: str = Field(description="as of the last evaluation (sla_checked_at)")
    sla_label: str
    sla_checked_at: dt.datetime | None
    satisfaction: int | None


class TicketPage(Schema):
    count: int
    items: list[TicketItem]


class EventOut(Schema):
    kind: str
    kind_label: str
    at: dt.datetime
    actor: str = Field(description="username; empty for the system (the daily check)")
    level: str
    note: str


class TicketOut(TicketItem):
    description: str
    resolution: str
    resolved_at: dt.datetime | None
    sla: SlaOut = Field(description="evaluated now from the event log")
    events: list[EventOut]


class TicketStatsFilter(Schema):
    region: RegionCode


class CategoryFigures(Schema):
    category: str
    label: str
    open: int
    solved: int
    overdue: int


class TicketStatsOut(Schema):
    region: str
    region_name: str
    open: int
    solved: int
    overdue: int
    at_risk: int
    met: int
    breached: int
    satisfaction: float | None = Field(description="mean rating of the closed tickets")
    by_category: list[CategoryFigures]


# Policies ----------------------------------------------------------------------------------------


class PolicyFilter(Schema):
    kind: Code | None = None
    active: bool | None = None
    q: Annotated[str, Field(max_length=64, pattern=NO_NUL_PATTERN)] | None = None
    limit: Limit = 50
    offset: Offset = 0


class PolicyFields(Schema):
    title: Name
    kind: Code = Field(description="tax, loan, subsidy, social_insurance, rent or other")
    summary: LongText
    industries: list[Code] = Field(default=[], max_length=20, description="empty: every industry")
    large_scale_only: bool = False
    small_only: bool = False
    key_project_only: bool = False
    max_workforce: int | None = Field(default=None, ge=1, le=10_000_000)
    valid_from: Day
    valid_until: Day | None = None


class PolicyIn(PolicyFields):
    code: Code
    issuer: RegionCode = Field(description="the region whose enterprises it is for (in your jurisdiction)")


class PolicyPatch(Schema):
    """Only the fields sent are changed."""

    title: Name | None = None
    kind: Code | None = None
    summary: LongText | None = None
    industries: list[Code] | None = Field(default=None, max_length=20)
    large_scale_only: bool | None = None
    small_only: bool | None = None
    key_project_only: bool | None = None
    max_workforce: int | None = Field(default=None, ge=1, le=10_000_000)
    valid_from: Day | None = None
    valid_until: Day | None = None
    active: bool | None = None


class PolicyOut(Schema):
    id: int
    code: str
    title: str
    kind: str
    kind_label: str
    summary: str
    issuer_code: str
    issuer_name: str
    industries: list[str]
    large_scale_only: bool
    small_only: bool
    key_project_only: bool
    max_workforce: int | None
    valid_from: dt.date
    valid_until: dt.date | None
    active: bool


class PolicyPage(Schema):
    count: int
    items: list[PolicyOut]


class MatchFilter(Schema):
    on: Day | None = Field(default=None, description="the date to match on (today by default)")


class PolicyMatch(Schema):
    policy: PolicyOut
    reasons: list[str] = Field(description="why the policy fits the enterprise")


class PolicyApplicationIn(Schema):
    enterprise_id: RowId
    policy_id: RowId
    amount_requested: Amount | None = None
    note: Annotated[str, Field(max_length=2000, pattern=NO_NUL_PATTERN)] = ""


class PolicyApplicationFilter(Schema):
    status: Literal["submitted", "granted", "refused", "withdrawn"] | None = None
    enterprise_id: RowId | None = None
    policy_id: RowId | None = None
    limit: Limit = 50
    offset: Offset = 0


class PolicyDecisionIn(Schema):
    grant: bool
    amount_granted: Amount | None = None
    note: Annotated[str, Field(max_length=500, pattern=NO_NUL_PATTERN)] = Field(
        default="", description="required when refusing"
    )


class PolicyApplicationOut(Schema):
    id: int
    policy_id: int
    policy_code: str
    policy_title: str
    enterprise_id: int
    enterprise_name: str
    amount_requested: Decimal | None
    note: str
    submitted_at: dt.datetime
    status: str
    status_label: str
    amount_granted: Decimal | None
    decided_at: dt.datetime | None
    outcome_note: str


class PolicyApplicationPage(Schema):
    count: int
    items: list[PolicyApplicationOut]


# The work calendar -------------------------------------------------------------------------------


class CalendarFilter(Schema):
    year: int = Field(ge=2000, le=2100)


class CalendarDayOut(Schema):
    date: dt.date
    working: bool
    name: str


class CalendarOut(Schema):
    year: int
    working_days: int = Field(description="working days in the year under the official calendar")
    exceptions: list[CalendarDayOut] = Field(
        description="holidays and the weekend days worked in their place"
    )
