from decimal import Decimal

from ninja import Schema
from pydantic import Field

from fangyi.core.validators import NO_NUL_PATTERN
from fangyi.regions.choices import Level, PlaceKind


class RegionBrief(Schema):
    code: str
    path: str
    name: str
    level: str
    kind: str


class RegionOut(RegionBrief):
    kind_label: str
    population: int | None
    parent_code: str | None
    ancestors: list[RegionBrief]
    children: list[RegionBrief]


class RegionFilter(Schema):
    level: Level | None = None
    parent: str | None = Field(default=None, max_length=12, pattern=NO_NUL_PATTERN)
    q: str | None = Field(default=None, max_length=64, pattern=NO_NUL_PATTERN)
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=1_000_000_000)


class RegionPage(Schema):
    count: int
    items: list[RegionBrief]


class PlaceIn(Schema):
    name: str = Field(min_length=1, max_length=128, pattern=NO_NUL_PATTERN)
    kind: PlaceKind
    region: str = Field(min_length=2, max_length=12, pattern=NO_NUL_PATTERN)
    address: str = Field(default="", max_length=256, pattern=NO_NUL_PATTERN)
    latitude: Decimal | None = Field(default=None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(default=None, ge=-180, le=180, max_digits=9, decimal_places=6)


class PlaceOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region_code: str
    region_name: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    active: bool


class PlaceFilter(Schema):
    kind: PlaceKind | None = None
    region: str | None = Field(default=None, max_length=12, pattern=NO_NUL_PATTERN)
    q: str | None = Field(default=None, max_length=64, pattern=NO_NUL_PATTERN)
    limit: int = Field(default=100, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=1_000_000_000)


class PlacePage(Schema):
    count: int
    items: list[PlaceOut]
