import datetime as dt

from ninja import Schema
from pydantic import Field

from fangyi.core.validators import NO_NUL_PATTERN


class RoleOut(Schema):
    role: str
    role_label: str
    region_code: str
    region_name: str


class MeOut(Schema):
    username: str
    display_name: str
    is_superuser: bool
    language: str
    roles: list[RoleOut]
    capabilities: dict[str, list[str]]


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150, pattern=NO_NUL_PATTERN)
    password: str = Field(min_length=1, max_length=256, pattern=NO_NUL_PATTERN)
    name: str = Field(default="api", max_length=64, pattern=NO_NUL_PATTERN)


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime
