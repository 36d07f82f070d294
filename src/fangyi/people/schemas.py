import datetime as dt
import uuid

from ninja import Schema
from pydantic import Field

from fangyi.core.validators import NO_NUL_PATTERN


class PersonIn(Schema):
    name: str = Field(min_length=1, max_length=64, pattern=NO_NUL_PATTERN)
    id_number: str = Field(min_length=1, max_length=32, pattern=NO_NUL_PATTERN)
    home_region: str = Field(
        min_length=2, max_length=12, description="village/community code", pattern=NO_NUL_PATTERN
    )
    phone: str = Field(default="", max_length=20, pattern=NO_NUL_PATTERN)
    address: str = Field(default="", max_length=256, pattern=NO_NUL_PATTERN)


class PersonOut(Schema):
    id: uuid.UUID
    name: str
    sex: str
    birth_date: dt.date
    id_number: str = Field(description="masked: 430***********1234")
    phone: str = Field(description="masked: 138****5678")
    home_region_code: str
    home_region_name: str
    address: str
    synthetic: bool


class PersonFilter(Schema):
    region: str | None = Field(default=None, max_length=12, pattern=NO_NUL_PATTERN)
    q: str | None = Field(default=None, max_length=64, pattern=NO_NUL_PATTERN)
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=1_000_000_000)


class PersonPage(Schema):
    count: int
    items: list[PersonOut]


class PersonLookupIn(Schema):
    id_number: str = Field(min_length=1, max_length=32, pattern=NO_NUL_PATTERN)


class RevealIn(Schema):
    reason: str = Field(min_length=1, max_length=500, pattern=NO_NUL_PATTERN)


class RevealOut(Schema):
    id_number: str
    phone: str
