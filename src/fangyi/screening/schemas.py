import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from fangyi.core.schemas import RowId
from fangyi.core.validators import NO_NUL_PATTERN
from fangyi.quarantine.models import ObservationPeriod
from fangyi.screening.models import RiskArea

Code = Annotated[str, Field(min_length=1, max_length=12, pattern=NO_NUL_PATTERN)]
Note = Annotated[str, Field(max_length=256, pattern=NO_NUL_PATTERN)]
Limit = Annotated[int, Field(default=50, ge=1, le=500)]
Offset = Annotated[int, Field(default=0, ge=0, le=1_000_000_000)]

NAME_MAX = RiskArea._meta.get_field("name").max_length
ROOM_MAX = ObservationPeriod._meta.get_field("room").max_length


# Runs --------------------------------------------------------------------------------------------


class RunFilter(Schema):
    status: Literal["queued", "running", "succeeded", "failed"] | None = None
    limit: Limit = 50
    offset: Offset = 0


class RunItem(Schema):
    id: uuid.UUID
    region_code: str = Field(description="official code of the region whose residents were screened")
    region_name: str
    as_of: dt.date
    lookback_days: int
    backend: str = Field(description="the engine: duckdb or pyspark")
    status: str = Field(description="queued, running, succeeded or failed")
    status_label: str
    percent: int = Field(description="progress of the run's job, 0 to 100")
    counts: dict[str, Any] = Field(
        description=(
            "records_scanned, records_unmatched, persons_screened, tasks_created, tasks_existing, seconds"
        )
    )
    created_at: dt.datetime
    finished_at: dt.datetime | None


class RunPage(Schema):
    count: int
    items: list[RunItem]


class TallyOut(Schema):
    level: str = Field(description="prefecture, county, township, village or grid")
    level_label: str
    code: str = Field(description="official region code, or the grid's code")
    name: str
    persons: int


class RunOut(RunItem):
    risk_areas: list[dict[str, Any]] = Field(
        description="the risk areas as the run used them: area_code, name, starts_on, ends_on, source"
    )
    tallies: list[TallyOut] = Field(description="screened residents per region inside your jurisdiction")


class RunStartIn(Schema):
    region: Code = Field(description="official code of a province, prefecture or county")
    as_of: dt.date | None = Field(default=None, description="the last day screened; today when empty")
    lookback_days: int | None = Field(default=None, ge=1, le=365, description="days before as_of screened")
    backend: str | None = Field(
        default=None, max_length=16, pattern=NO_NUL_PATTERN, description="duckdb or pyspark"
    )


class HitFilter(Schema):
    limit: Limit = 50
    offset: Offset = 0


class HitItem(Schema):
    person_id: uuid.UUID
    person_name: str = Field(description="masked: 张*")
    person_id_number: str = Field(description="masked: 430***********1234")
    home_region_code: str
    home_region_name: str
    grid_code: str | None
    area_code: str = Field(description="the risk area the resident was last seen in")
    area_name: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    records: int


class HitPage(Schema):
    count: int
    items: list[HitItem]


# Risk areas --------------------------------------------------------------------------------------


class RiskAreaFilter(Schema):
    active_on: dt.date | None = Field(default=None, description="only the areas listed on this day")
    limit: Limit = 50
    offset: Offset = 0


class RiskAreaOut(Schema):
    id: int
    area_code: str = Field(description="region path: 42, 4201, 420106, 430102")
    name: str
    starts_on: dt.date
    ends_on: dt.date | None = Field(description="exclusive; open while empty")
    note: str
    created_at: dt.datetime


class RiskAreaPage(Schema):
    count: int
    items: list[RiskAreaOut]


class RiskAreaIn(Schema):
    area_code: Code = Field(description="official code: 42 or 420000 (Hubei), 4201 or 420100 (Wuhan), 430102")
    name: str = Field(min_length=1, max_length=NAME_MAX, pattern=NO_NUL_PATTERN)
    starts_on: dt.date
    ends_on: dt.date | None = Field(default=None, description="exclusive; open when empty")
    note: Note = ""


class RiskAreaEndIn(Schema):
    ends_on: dt.date = Field(description="the first day the area is no longer a risk area")


# Grid tasks --------------------------------------------------------------------------------------


class TaskFilter(Schema):
    status: Literal["open", "escalated", "done"] | None = None
    overdue: bool | None = Field(
        default=None, description="true: only tasks past due; false: only the others"
    )
    region: Code | None = Field(default=None, description="a region code: tasks of residents living there")
    run: uuid.UUID | None = Field(default=None, description="tasks created by this run")
    limit: Limit = 50
    offset: Offset = 0


class TaskItem(Schema):
    id: uuid.UUID
    run_id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    person_id_number: str = Field(description="masked: 430***********1234")
    person_phone: str = Field(description="masked: 138****5678")
    address: str
    region_code: str = Field(description="official code of the village or community")
    region_name: str
    grid_code: str | None
    grid_name: str | None
    reason: str
    seen_area: str | None = Field(description="the risk area the resident was last seen in")
    seen_area_name: str | None
    seen_first: dt.datetime | None
    seen_last: dt.datetime | None
    status: str = Field(description="open, escalated or done")
    status_label: str
    overdue: bool
    due_at: dt.datetime
    outcome: str
    outcome_label: str
    note: str
    observation_id: uuid.UUID | None
    created_at: dt.datetime
    escalated_at: dt.datetime | None
    done_at: dt.datetime | None


class TaskPage(Schema):
    count: int
    items: list[TaskItem]


class TaskVerifyIn(Schema):
    outcome: str = Field(
        max_length=32,
        pattern=NO_NUL_PATTERN,
        description=(
            "home_observation, centralised_observation, health_monitoring, not_found, left_province "
            "or false_match"
        ),
    )
    note: Note = ""
    site_id: RowId | None = Field(default=None, description="for centralised observation")
    room: str = Field(default="", max_length=ROOM_MAX, pattern=NO_NUL_PATTERN)


# Progress ----------------------------------------------------------------------------------------


class ProgressFilter(Schema):
    region: Code = Field(description="a region code: one row per child region, then its total")


class ProgressRowOut(Schema):
    code: str
    name: str
    tasks: int
    verified: int
    escalated: int
    overdue: int
    percent: int | None = Field(description="verified tasks in percent, rounded down; empty without tasks")
    total: bool = Field(description="the row of the region itself")


class ProgressOut(Schema):
    region_code: str
    region_name: str
    rows: list[ProgressRowOut]
