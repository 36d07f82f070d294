import datetime as dt
import uuid
from typing import Any

from ninja import Schema
from pydantic import Field


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
