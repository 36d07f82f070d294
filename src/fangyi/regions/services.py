"""Writes for regions: loading the reference divisions, grids and places."""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fangyi.core.access import Actor, covers, require
from fangyi.core.services import audit_record
from fangyi.regions.choices import COUNTY_KIND_BY_NAME, Kind, Level, PlaceKind
from fangyi.regions.errors import RegionError, region_not_found
from fangyi.regions.models import Grid, Place, Region
from fangyi.regions.selectors import region_path

DATA_DIR = Path(__file__).resolve().parent / "data"
PROVINCE_CODE = "43"
PROVINCE_NAME = "湖南省"

ProgressCallback = Callable[[int, int, str], None]


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _township_kind(name: str) -> Kind:
    if name.endswith("街道"):
        return Kind.STREET
    if name.endswith("民族乡"):
        return Kind.ETHNIC_TOWNSHIP
    if name.endswith("镇"):
        return Kind.TOWN
    if name.endswith("乡"):
        return Kind.TOWNSHIP
    return Kind.OTHER_TOWNSHIP


def _village_kind(name: str) -> Kind:
    return Kind.COMMUNITY if "社区" in name or "居委会" in name or "居民委员会" in name else Kind.VILLAGE


def _reference_regions() -> Iterator[tuple[str, list[Region]]]:
    """The divisions level by level (parents before children), as unsaved Region objects."""
    prefectures = list(_rows("prefectures.csv"))
    yield (
        Level.PROVINCE,
        [
            Region(
                code=PROVINCE_CODE,
                name=PROVINCE_NAME,
                level=Level.PROVINCE,
                kind=Kind.PROVINCE,
                population=sum(int(row["population_2020"]) for row in prefectures),
            )
        ],
    )
    yield (
        Level.PREFECTURE,
        [
            Region(
                code=region_path(row["code"]),
                name=row["name"],
                level=Level.PREFECTURE,
                kind=Kind.AUTONOMOUS_PREFECTURE if row["name"].endswith("州") else Kind.PREFECTURE_CITY,
                parent_id=PROVINCE_CODE,
                population=int(row["population_2020"]),
            )
            for row in prefectures
        ],
    )
    counties = [
        Region(
            code=row["code"],
            name=row["name"],
            level=Level.COUNTY,
            kind=COUNTY_KIND_BY_NAME[row["kind"]],
            parent_id=region_path(row["prefecture_code"]),
        )
        for row in _rows("counties.csv")
    ]
    counties += [
        Region(
            code=row["code"],
            name=row["name"],
            level=Level.COUNTY,
            kind=Kind.FUNCTIONAL_ZONE,
            parent_id=region_path(row["prefecture_code"]),
        )
        for row in _rows("functional_zones.csv")
    ]
    yield Level.COUNTY, counties
    yield (
        Level.TOWNSHIP,
        [
            Region(
                code=row["code"],
                name=row["name"],
                level=Level.TOWNSHIP,
                kind=_township_kind(row["name"]),
                parent_id=row["county_code"],
            )
            for row in _rows("townships.csv")
        ],
    )
    yield (
        Level.VILLAGE,
        [
            Region(
                code=row["code"],
                name=row["name"],
                level=Level.VILLAGE,
                kind=_village_kind(row["name"]),
                parent_id=row["township_code"],
            )
            for row in _rows("villages.csv")
        ],
    )


@dataclass
class LoadResult:
    total: int
    by_level: dict[str, int]


def regions_load(*, progress: ProgressCallback | None = None, batch_size: int = 2000) -> LoadResult:
    """Load (or refresh) Hunan's divisions from the bundled 2020 list. Idempotent."""
    levels = list(_reference_regions())
    total = sum(len(regions) for _, regions in levels)
    done = 0
    by_level: dict[str, int] = {}
    with transaction.atomic():
        for level, regions in levels:
            by_level[level] = len(regions)
            for start in range(0, len(regions), batch_size):
                batch = regions[start : start + batch_size]
                Region.objects.bulk_create(
                    batch,
                    update_conflicts=True,
                    unique_fields=["code"],
                    update_fields=["name", "level", "kind", "parent", "population"],
                )
                done += len(batch)
                if progress:
                    progress(done, total, str(Level(level).label))
    return LoadResult(total=total, by_level=by_level)


def grids_ensure(*, village: Region, count: int, households: int = 0) -> list[Grid]:
    """Make sure a village or community has `count` grids (numbered 01, 02, ...). Idempotent."""
    if village.level != Level.VILLAGE:
        raise RegionError("grid.not_village", _("Grids are drawn inside villages and communities."))
    grids = [
        Grid(code=f"{village.code}{n:02d}", name=_grid_name(n), region=village, households=households)
        for n in range(1, count + 1)
    ]
    Grid.objects.bulk_create(grids, ignore_conflicts=True)
    return list(village.grids.order_by("code"))


def _grid_name(number: int) -> str:
    return f"第{number}网格"


@transaction.atomic
def place_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    region: str,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Place:
    require(actor, "places.manage")
    path = region_path(region)
    if not covers(actor, "places.manage", path):
        raise region_not_found()
    if not Region.objects.filter(code=path).exists():
        raise region_not_found()
    name = name.strip()
    if not name:
        raise RegionError("place.name_required", _("A place needs a name."), field="name")
    if kind not in PlaceKind.values:
        raise RegionError("place.invalid_kind", _("Unknown kind of place."), field="kind")
    if Place.objects.filter(region_id=path, kind=kind, name=name).exists():
        raise RegionError(
            "place.duplicate",
            _("This region already has a place of that kind and name."),
            field="name",
            status=409,
        )
    place = Place.objects.create(
        name=name,
        kind=kind,
        region_id=path,
        address=address.strip(),
        latitude=latitude,
        longitude=longitude,
    )
    audit_record(actor=actor, action="place.create", obj=place, region_path=path)
    return place
