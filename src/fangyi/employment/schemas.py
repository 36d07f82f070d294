import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field

from fangyi.core.schemas import RowId
from fangyi.core.validators import NO_NUL_PATTERN

RegionCode = Annotated[str, Field(min_length=2, max_length=12, pattern=r"^[0-9]+$")]
OccupationCode = Annotated[str, Field(max_length=10, pattern=NO_NUL_PATTERN)]
# Pay is checked by the service (job.invalid_salary); the bounds only keep it a number.
Yuan = Annotated[int, Field(ge=0, le=2_147_483_647)]


class JobPostFilter(Schema):
    q: Annotated[str, Field(max_length=1000, pattern=NO_NUL_PATTERN)] = Field(
        default="", description="words to find, as a phrase (at most 50 characters)"
    )
    region: RegionCode | None = Field(default=None, description="posts in this region or below it")
    near: RegionCode | None = Field(
        default=None, description="where the seeker is, for the distance in the ranking (default: region)"
    )
    occupation: OccupationCode | None = Field(default=None, description="an occupation code (6-31-01-03)")
    salary: Yuan | None = Field(default=None, description="posts paying at least this much a month")
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    offset: Annotated[int, Field(ge=0, le=10_000)] = 0


class OccupationOut(Schema):
    code: str
    name: str
    keywords: list[str]


class JobPostOut(Schema):
    id: int
    title: str
    employer_id: int
    employer: str
    occupation: str
    occupation_name: str
    region: str
    place: str = Field(description="the place of work with its prefecture and county")
    salary_min: int
    salary_max: int
    headcount: int
    requirements: str
    shifts: str
    transport_offered: bool = Field(description="point-to-point transport (点对点) from home to work")
    closing_date: dt.date
    posted_at: dt.datetime
    status: str


class WhyOut(Schema):
    component: str = Field(description="text, occupation, distance, salary or recency")
    label: str = Field(description="the component's name in the request's language")
    value: float
    weight: float
    points: float = Field(description="value × weight; the score is their sum")


class JobPostHitOut(JobPostOut):
    score: float
    why: list[WhyOut]


class JobPostPage(Schema):
    count: int
    items: list[JobPostHitOut]


class JobPostIn(Schema):
    employer_id: RowId
    title: Annotated[str, Field(max_length=200, pattern=NO_NUL_PATTERN)]
    occupation: OccupationCode
    region: Annotated[str, Field(max_length=12, pattern=NO_NUL_PATTERN)] = ""
    salary_min: Yuan
    salary_max: Yuan
    headcount: Annotated[int, Field(ge=0, le=2_147_483_647)]
    requirements: Annotated[str, Field(max_length=4000, pattern=NO_NUL_PATTERN)] = ""
    shifts: Annotated[str, Field(max_length=400, pattern=NO_NUL_PATTERN)] = ""
    transport_offered: bool = False
    closing_date: Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]
