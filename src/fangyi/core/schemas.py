import datetime as dt
import uuid
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field

# The id of a row with an integer key (a place, a site, a login): what both databases can store,
# so that an absurd number is a 422, not an overflow deep in the driver.
MAX_ROW_ID = 2_147_483_647
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


def _in_utc(value: dt.datetime) -> dt.datetime:
    """An aware moment in UTC: Python accepts offsets up to a day, PostgreSQL only up to sixteen
    hours, so "+22:37" must be converted here, not fail in the driver (a naive one stays naive)."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("moment out of range") from None


# A date and time sent to the API (a body field or a filter).
Moment = Annotated[dt.datetime, AfterValidator(_in_utc)]


class JobOut(Schema):
    id: uuid.UUID
    kind: str
    status: str = Field(description="queued, running, succeeded or failed")
    done: int
    total: int
    percent: int
    message: str
    result: dict[str, Any] = Field(description="the outcome; an import lists its row errors here")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class JobAcceptedOut(Schema):
    id: uuid.UUID
    status: str
    url: str = Field(description="poll this for progress and the result")
