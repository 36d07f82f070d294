import datetime as dt
import uuid
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from fangyi.core.validators import NO_NUL_PATTERN

# Dates sent to the API: well-formed and from 2000 on (the services and selectors check the rest:
# not in the future, in order).
EARLIEST = dt.date(2000, 1, 1)
Day = Annotated[dt.date, Field(ge=EARLIEST)]
RegionCode = Annotated[str, Field(min_length=1, max_length=12, pattern=NO_NUL_PATTERN)]
Text = Annotated[str, Field(max_length=256, pattern=NO_NUL_PATTERN)]


# Cases -------------------------------------------------------------------------------------------


class CaseFilter(Schema):
    region: RegionCode | None = Field(default=None, description="region code; the case's residence")
    classification: str | None = Field(
        default=None, max_length=16, pattern=NO_NUL_PATTERN, description="suspected, confirmed..."
    )
    since: Day | None = Field(default=None, description="reported on or after")
    until: Day | None = Field(default=None, description="reported on or before")
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000_000)


class CaseItem(Schema):
    id: uuid.UUID
    person_name: str
    person_id_number: str = Field(description="masked: 430***********1234")
    classification: str
    classification_label: str
    origin: str
    residence_code: str
    residence_name: str
    county_code: str
    report_date: dt.date
    onset_date: dt.date | None
    confirmed_date: dt.date | None
    severity: str
    outcome: str
    outcome_date: dt.date | None
    cluster_id: int | None


class CasePage(Schema):
    count: int
    items: list[CaseItem]


class CaseEventOut(Schema):
    kind: str
    kind_label: str
    date: dt.date
    detail: str
    recorded_at: dt.datetime


class SeverityOut(Schema):
    date: dt.date
    severity: str
    severity_label: str


class CaseOut(CaseItem):
    person_id: uuid.UUID
    source_area: str
    current_location: str
    reporting_unit: str
    symptoms: str
    asymptomatic_date: dt.date | None
    confirmation_method: str
    excluded_date: dt.date | None
    cluster_name: str | None
    events: list[CaseEventOut]
    severity_history: list[SeverityOut]


class CaseReportIn(Schema):
    person_id: uuid.UUID
    classification: str = Field(
        max_length=16, pattern=NO_NUL_PATTERN, description="suspected or asymptomatic"
    )
    report_date: Day
    residence: RegionCode = Field(description="county, township or village code of residence")
    reporting_unit: str = Field(min_length=1, max_length=128, pattern=NO_NUL_PATTERN)
    onset_date: Day | None = None
    origin: str = Field(
        default="local", max_length=16, pattern=NO_NUL_PATTERN, description="local or imported"
    )
    source_area: str = Field(default="", max_length=64, pattern=NO_NUL_PATTERN)
    current_location: str = Field(default="", max_length=128, pattern=NO_NUL_PATTERN)
    symptoms: Text = ""


class ConfirmIn(Schema):
    date: Day
    method: str = Field(
        max_length=16, pattern=NO_NUL_PATTERN, description="nucleic_acid, clinical, serology or sequencing"
    )


class ExcludeIn(Schema):
    date: Day
    reason: Text = ""


class SeverityIn(Schema):
    date: Day
    severity: str = Field(
        max_length=16, pattern=NO_NUL_PATTERN, description="mild, moderate, severe or critical"
    )


class OutcomeIn(Schema):
    date: Day
    outcome: str = Field(max_length=8, pattern=NO_NUL_PATTERN, description="cured or died")


# Clusters ----------------------------------------------------------------------------------------


class ClusterIn(Schema):
    name: str = Field(min_length=1, max_length=128, pattern=NO_NUL_PATTERN)
    setting: str = Field(
        max_length=16,
        pattern=NO_NUL_PATTERN,
        description="family, site, work_unit, school, healthcare, other",
    )
    region: RegionCode = Field(description="where the cluster is: a county or a region inside one")
    case_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class ClusterFilter(Schema):
    region: RegionCode | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000_000)


class ClusterOut(Schema):
    id: int
    name: str
    setting: str
    setting_label: str
    region_code: str
    region_name: str
    case_count: int
    created_at: dt.datetime


class ClusterPage(Schema):
    count: int
    items: list[ClusterOut]


# Reports -----------------------------------------------------------------------------------------


class ReportFilter(Schema):
    region: RegionCode = Field(description="province, prefecture or county code")
    start: Day | None = Field(default=None, description="default: the first day with a report")
    end: Day | None = Field(default=None, description="default: the last day with a report")


class ExportFilter(ReportFilter):
    format: Literal["csv", "xlsx"] = "csv"


class DayOut(Schema):
    date: dt.date
    new_confirmed: int
    new_confirmed_local: int
    new_confirmed_imported: int
    confirmed_cumulative: int
    confirmed_local_cumulative: int
    new_asymptomatic: int
    suspected_pending: int
    severe_now: int
    critical_now: int
    in_hospital: int
    new_cured: int
    cured_cumulative: int
    new_deaths: int
    deaths_cumulative: int
    last_new_confirmed: dt.date | None
    cure_rate: float | None = Field(description="cured / confirmed, cumulative")
    case_fatality: float | None = Field(description="deaths / confirmed, cumulative")
    infection_rate_per_million: float | None = Field(description="confirmed per million residents")
    days_since_last_new_confirmed: int | None


class ReportOut(Schema):
    region_code: str
    region_name: str
    population: int | None
    clearance_date: dt.date | None = Field(description="the day the last confirmed patient left hospital")
    days: list[DayOut]


class SummaryFilter(Schema):
    region: RegionCode
    date: Day | None = Field(default=None, description="default: today")


class SummaryOut(DayOut):
    region_code: str
    region_name: str
    region_level: str
    population: int | None
    clearance_date: dt.date | None
    risk_level: str | None = Field(description="low, medium or high for a county; null above")
    risk_level_label: str | None
    risk_reason: str | None
    response_level: str | None = Field(description="the province's emergency response: I, II, III, ended")
    supplements: dict[str, int] = Field(
        description="figures other modules add to the day's report, e.g. under_observation"
    )


# Risk and response levels ------------------------------------------------------------------------


class RiskFilter(Schema):
    region: RegionCode
    date: Day | None = Field(default=None, description="default: today")


class CountyRiskOut(Schema):
    county_code: str
    county_name: str
    level: str | None = Field(description="low, medium or high; null when no rule set is in force")
    level_label: str | None
    reason: str | None
    reason_code: str | None
    rule_set: str | None


class RiskLevelsOut(Schema):
    region_code: str
    region_name: str
    date: dt.date
    counts: dict[str, int] = Field(description="counties per level")
    items: list[CountyRiskOut]


class ResponseLevelIn(Schema):
    level: Literal["I", "II", "III", "ended"]
    start_date: Day
    note: Text = ""


class ResponseLevelOut(Schema):
    id: int
    level: str
    level_label: str
    start_date: dt.date
    end_date: dt.date | None = Field(description="the day before the next declaration; null: in force")
    note: str


class ResponseTimelineOut(Schema):
    current: str | None = Field(description="the level in force today (null: never declared)")
    items: list[ResponseLevelOut]
