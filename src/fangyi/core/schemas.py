import datetime as dt
import uuid
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

# The id of a row with an integer key (a place, a site, a login): what both databases can store,
# so that an absurd number is a 422, not an overflow deep in the driver.
MAX_ROW_ID = 2_147_483_647
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


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
