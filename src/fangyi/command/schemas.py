import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Base64Bytes, Field

from fangyi.core.validators import NO_NUL_PATTERN

EARLIEST = dt.date(2000, 1, 1)
Day = Annotated[dt.date, Field(ge=EARLIEST)]
RegionCode = Annotated[str, Field(min_length=1, max_length=12, pattern=NO_NUL_PATTERN)]
Limit = Annotated[int, Field(ge=1, le=500)]
Offset = Annotated[int, Field(ge=0, le=1_000_000_000)]


class FileIn(Schema):
    name: Annotated[str, Field(max_length=256, pattern=NO_NUL_PATTERN)]
    content_type: Annotated[str, Field(max_length=128, pattern=NO_NUL_PATTERN)] = ""
    content: Base64Bytes = Field(description="the file, base64-encoded (at most 5 MB decoded)")

    def as_file(self) -> tuple[str, str, bytes]:
        return (self.name, self.content_type, self.content)


class FileOut(Schema):
    id: uuid.UUID
    name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime


# Directives --------------------------------------------------------------------------------------


class DirectiveFilter(Schema):
    box: Literal["inbox", "sent"] = Field(
        default="inbox", description="inbox: addressed to your own regions; sent: issued at your levels"
    )
    limit: Limit = 50
    offset: Offset = 0


class DirectiveIn(Schema):
    issuer: RegionCode = Field(description="your command level issuing it (a region where you may issue)")
    title: Annotated[str, Field(max_length=256, pattern=NO_NUL_PATTERN)]
    body: Annotated[str, Field(max_length=16_000, pattern=NO_NUL_PATTERN)]
    targets: list[RegionCode] = Field(max_length=500, description="regions strictly below the issuer")
    deadline: dt.datetime = Field(description="in the future; without a zone: Shanghai time")
    down_to: Literal["prefecture", "county", "township", "village"] = "village"
    attachments: list[FileIn] = Field(default=[], max_length=5)


class TargetOut(Schema):
    id: uuid.UUID
    directive_id: uuid.UUID
    region_code: str
    region_name: str
    status: str
    status_label: str
    progress: int
    note: str
    acknowledged_at: dt.datetime | None
    completed_at: dt.datetime | None
    escalated_at: dt.datetime | None
    evidence: list[FileOut] = []


class DirectiveItem(Schema):
    id: uuid.UUID
    title: str
    issuer_code: str
    issuer_name: str
    down_to: str
    deadline: dt.datetime
    status: str
    status_label: str
    issued_at: dt.datetime
    overdue: bool = Field(description="past the deadline and not withdrawn")
    targets: int | None = Field(description="regions it reached (sent box and detail)")
    completed: int | None
    escalated: int | None = Field(description="targets escalated and still open")
    target: TargetOut | None = Field(description="your own region's target (inbox)")


class DirectivePage(Schema):
    count: int
    items: list[DirectiveItem]


class DirectiveOut(DirectiveItem):
    body: str
    attachments: list[FileOut]


class BoardFilter(Schema):
    region: RegionCode | None = Field(default=None, description="default: the issuer, or your own region")


class BoardRow(Schema):
    region: str
    name: str
    targets: int
    pending: int
    acknowledged: int
    in_progress: int
    completed: int
    overdue: int
    escalated: int
    percent_completed: int


class ReportIn(Schema):
    progress: int = Field(description="0 to 100, never lower than reported before")
    note: Annotated[str, Field(max_length=1024, pattern=NO_NUL_PATTERN)] = ""
    evidence: FileIn | None = None


class CompleteIn(Schema):
    note: Annotated[str, Field(max_length=1024, pattern=NO_NUL_PATTERN)] = ""
    evidence: FileIn | None = None


# Situation reports -------------------------------------------------------------------------------


class SitrepFilter(Schema):
    region: RegionCode | None = None
    limit: Limit = 50
    offset: Offset = 0


class SitrepIn(Schema):
    region: RegionCode = Field(description="the province, a prefecture or a county of your jurisdiction")
    date: Day | None = Field(default=None, description="default: today")


class SitrepItem(Schema):
    region_code: str
    region_name: str
    date: dt.date
    generated_at: dt.datetime
    pdf_url: str


class SitrepPage(Schema):
    count: int
    items: list[SitrepItem]


class FigureOut(Schema):
    key: str
    label: str
    value: str


class SectionOut(Schema):
    key: str
    title: str
    available: bool
    headline: str
    figures: list[FigureOut]
    columns: list[str]
    rows: list[list[str]]


class SitrepOut(SitrepItem):
    title: str
    sections: list[SectionOut] = Field(description="rendered in your language")
    content: dict[str, Any] = Field(description="the stored figures, as generated")


class ResponsePeriodOut(Schema):
    level: str
    level_label: str
    start_date: dt.date
    end_date: dt.date | None
    note: str
