import datetime as dt
from typing import Annotated, Literal

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
    component: str = Field(description="text, occupation, skills, distance, salary or recency")
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


TravelOut = Literal["can_travel", "cannot_travel"]
Note = Annotated[str, Field(max_length=1000, pattern=NO_NUL_PATTERN)]


class SeekerIn(Schema):
    region: Annotated[str, Field(max_length=12, pattern=NO_NUL_PATTERN)] = Field(
        description="where they look for work: a county, township or village code"
    )
    available_from: Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]
    occupation: OccupationCode | None = Field(default=None, description="the wanted occupation's code")
    skills: Annotated[str, Field(max_length=1000, pattern=NO_NUL_PATTERN)] = Field(
        default="", description="space-separated: 叉车 焊工 电工证"
    )
    expected_salary: Yuan = Field(default=0, description="expected monthly pay in yuan (0: any)")
    visible: bool = Field(default=True, description="whether employers may find them")


class SeekerOut(Schema):
    id: int
    region: str
    place: str
    occupation: str | None
    occupation_name: str
    skills: str
    expected_salary: int
    available_from: dt.date
    visible: bool
    updated_at: dt.datetime
    travel: TravelOut = Field(description="whether their health code lets them travel to work")


class JobApplicationIn(Schema):
    note: Note = ""


class JobApplicationStageIn(Schema):
    stage: Annotated[str, Field(max_length=20, pattern=NO_NUL_PATTERN)] = Field(
        description="shortlisted, interview, offered, hired (each the next one) or rejected"
    )
    note: Note = ""


class JobApplicationOut(Schema):
    """An application as the seeker sees it."""

    id: int
    job_id: int
    title: str
    employer: str
    stage: str
    note: str
    applied_at: dt.datetime
    updated_at: dt.datetime
    hired_at: dt.datetime | None


class JobStageChangeOut(Schema):
    stage: str
    changed_at: dt.datetime
    note: str


class JobApplicantOut(Schema):
    """An application as the employer sees it: the name masked until shortlisted, whether the
    seeker can travel (never their health code), never their identity number."""

    id: int
    job_id: int
    seeker_id: int
    name: str
    travel: TravelOut
    occupation: str | None
    occupation_name: str
    skills: str
    expected_salary: int
    available_from: dt.date
    stage: str
    note: str
    applied_at: dt.datetime
    updated_at: dt.datetime
    hired_at: dt.datetime | None
    history: list[JobStageChangeOut]


class SeekerMatchOut(Schema):
    """A seeker recommended for a post, with the ranking's score and why."""

    seeker_id: int
    name: str = Field(description="masked: 张**")
    travel: TravelOut
    region: str
    occupation: str | None
    occupation_name: str
    skills: str
    expected_salary: int
    available_from: dt.date
    score: float
    why: list[WhyOut]


class JobRecommendationFilter(Schema):
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class JobHiresFilter(Schema):
    since: Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]
    until: Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]
    region: RegionCode | None = Field(default=None, description="employers in this region or below it")
    employer: RowId | None = Field(default=None, description="one employer's id")


class JobHireDayOut(Schema):
    employer_id: int
    employer: str
    day: dt.date = Field(description="the day in Changsha's time")
    hires: int


class EmployerIn(Schema):
    name: Annotated[str, Field(max_length=400, pattern=NO_NUL_PATTERN)] = ""
    region: Annotated[str, Field(max_length=12, pattern=NO_NUL_PATTERN)] = ""
    credit_code: Annotated[str, Field(max_length=40, pattern=NO_NUL_PATTERN)] = ""
    enterprise_id: RowId | None = Field(
        default=None, description="a resumption enterprise you act for: its name, code and region"
    )


class EmployerOut(Schema):
    id: int
    name: str
    credit_code: str
    region: str
    enterprise_id: int | None
    registered_at: dt.datetime
