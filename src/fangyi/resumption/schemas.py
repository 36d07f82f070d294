import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field

from fangyi.core.schemas import Moment, RowId
from fangyi.core.validators import NO_NUL_PATTERN

EARLIEST = dt.date(2000, 1, 1)
Day = Annotated[dt.date, Field(ge=EARLIEST)]
RegionCode = Annotated[str, Field(min_length=1, max_length=12, pattern=NO_NUL_PATTERN)]
Name = Annotated[str, Field(max_length=128, pattern=NO_NUL_PATTERN)]
Code = Annotated[str, Field(max_length=32, pattern=NO_NUL_PATTERN)]
LongText = Annotated[str, Field(max_length=4000, pattern=NO_NUL_PATTERN)]
Count = Annotated[int, Field(ge=0, le=2_147_483_647)]
Limit = Annotated[int, Field(ge=1, le=500)]
Offset = Annotated[int, Field(ge=0, le=1_000_000_000)]


# Enterprises and parks --------------------------------------------------------------------------


class EnterpriseFilter(Schema):
    region: RegionCode | None = None
    industry: Code | None = None
    status: Code | None = None
    q: Annotated[str, Field(max_length=64, pattern=NO_NUL_PATTERN)] | None = Field(
        default=None, description="part of the name, or the whole credit code"
    )
    key_project: bool | None = None
    large_scale: bool | None = None
    park_id: RowId | None = None
    limit: Limit = 50
    offset: Offset = 0


class EnterpriseIn(Schema):
    credit_code: Annotated[str, Field(max_length=32, pattern=NO_NUL_PATTERN)] = Field(
        description="unified social credit code (GB 32100-2015)"
    )
    name: Name
    industry: Code
    region: RegionCode = Field(description="a county, township or village code")
    large_scale: bool = False
    key_project: bool = False
    park_id: RowId | None = None
    address: Annotated[str, Field(max_length=256, pattern=NO_NUL_PATTERN)] = ""
    workforce: Count = 0


class EnterprisePatch(Schema):
    """Only the fields sent are changed."""

    credit_code: Annotated[str, Field(max_length=32, pattern=NO_NUL_PATTERN)] | None = None
    name: Name | None = None
    industry: Code | None = None
    region: RegionCode | None = None
    large_scale: bool | None = None
    key_project: bool | None = None
    park_id: RowId | None = None
    address: Annotated[str, Field(max_length=256, pattern=NO_NUL_PATTERN)] | None = None
    workforce: Count | None = None


class EnterpriseOut(Schema):
    id: int
    credit_code: str
    name: str
    industry: str
    industry_label: str
    large_scale: bool
    key_project: bool
    region: str
    region_name: str
    park_id: int | None
    park: str
    address: str
    workforce: int
    status: str
    status_label: str
    staff_returned: int
    status_date: dt.date | None


class EnterprisePage(Schema):
    count: int
    items: list[EnterpriseOut]


class ParkFilter(Schema):
    region: RegionCode | None = None


class ParkIn(Schema):
    name: Name
    region: RegionCode


class ParkOut(Schema):
    id: int
    name: str
    region: str
    region_name: str
    enterprises: int
    liaisons: int
    understaffed: bool = Field(description="fewer liaisons than a park's group")


# Liaisons, visits, plans, employees -------------------------------------------------------------


class LiaisonIn(Schema):
    liaison_id: RowId = Field(description="the user holding the enterprise-liaison role")
    enterprise_id: RowId | None = None
    park_id: RowId | None = None


class LiaisonOut(Schema):
    id: int
    liaison_id: int
    liaison: str
    enterprise_id: int | None
    park_id: int | None
    assigned_at: dt.datetime
    ended_at: dt.datetime | None


class LiaisonVisitIn(Schema):
    notes: LongText
    visited_at: Moment | None = None


class LiaisonVisitOut(Schema):
    id: int
    enterprise_id: int
    liaison_id: int
    visited_at: dt.datetime
    notes: str


class PlanIn(Schema):
    items: list[Code] = Field(max_length=32, description="PlanItem values in place")
    notes: Annotated[str, Field(max_length=2000, pattern=NO_NUL_PATTERN)] = ""


class PlanOut(Schema):
    enterprise_id: int
    items: list[str]
    missing: list[str]
    notes: str
    updated_at: dt.datetime
    checked_at: dt.datetime | None
    checked: bool = Field(description="complete and checked by a liaison since its last change")


class EmployeeIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL_PATTERN)]
    id_number: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_NUL_PATTERN)]
    home_region: RegionCode = Field(description="village/community code (for a resident not yet registered)")
    phone: Annotated[str, Field(max_length=20, pattern=NO_NUL_PATTERN)] = ""


class EmployeeOut(Schema):
    id: int
    enterprise_id: int
    person_id: str
    name: str = Field(description="masked")
    active: bool


# Health reports ---------------------------------------------------------------------------------


class HealthLineIn(Schema):
    employee_id: RowId
    temperature: Decimal | None = Field(default=None, max_digits=4, decimal_places=1, description="°C")
    symptoms: bool = False
    on_site: bool = False


class HealthReportIn(Schema):
    date: Day
    lines: list[HealthLineIn] = Field(max_length=100_000)


class HealthReportOut(Schema):
    id: int
    enterprise_id: int
    date: dt.date
    employees: int
    on_site: int
    fever: int
    code_green: int
    code_yellow: int
    code_red: int
    code_none: int


class HealthReportFilter(Schema):
    start: Day | None = None
    end: Day | None = None
    limit: Limit = 60
    offset: Offset = 0


# Applications and days --------------------------------------------------------------------------


class ApplicationIn(Schema):
    planned_date: Day
    workforce_planned: Count


class ApplicationFilter(Schema):
    status: Code | None = None
    limit: Limit = 50
    offset: Offset = 0


class DecideIn(Schema):
    approve: bool
    note: Annotated[str, Field(max_length=500, pattern=NO_NUL_PATTERN)] = ""


class ApplicationOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    planned_date: dt.date
    workforce_planned: int
    plan_items: list[str]
    submitted_at: dt.datetime
    status: str
    status_label: str
    decided_at: dt.datetime | None
    decision_note: str


class ApplicationPage(Schema):
    count: int
    items: list[ApplicationOut]


class DayIn(Schema):
    date: Day
    status: Code
    returned: Count
    workforce: Count | None = Field(default=None, description="the enterprise's staff when left out")


class ResumptionDayOut(Schema):
    enterprise_id: int
    date: dt.date
    status: str
    workforce: int
    returned: int


# Statistics -------------------------------------------------------------------------------------


class ResumptionSummaryFilter(Schema):
    region: RegionCode = Field(description="a region code inside your jurisdiction")
    date: Day | None = Field(default=None, description="today (Asia/Shanghai) when left out")


class CurveFilter(Schema):
    region: RegionCode
    start: Day
    end: Day


class Figures(Schema):
    enterprises: int
    resumed: int = Field(description="partly or fully resumed")
    resumption_rate: float = Field(description="resumed / enterprises (0..1)")
    workforce: int
    returned: int
    staff_return_rate: float = Field(description="returned / workforce (0..1)")


class IndustryFigures(Figures):
    industry: str
    name: str


class ResumptionSummaryOut(Figures):
    region: str
    region_name: str
    date: dt.date
    problems_open: int = Field(description="tickets not resolved or closed")
    problems_solved: int = Field(description="tickets resolved or closed")
    by_industry: list[IndustryFigures]


class CurvePoint(Figures):
    date: dt.date
