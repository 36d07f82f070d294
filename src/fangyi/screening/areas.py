"""Area codes of travel records and risk areas: Hunan's regions (province to village) and every
province, prefecture and county of China outside Hunan (screening/data/china_areas.csv, read once).

An area is named by its official code (420100, 420106, 430102001001) or its path (4201); both are
normalised to the path, so a record lies in an area when its path starts with the area's.
"""

import csv
import functools
from collections.abc import Iterable
from pathlib import Path

from fangyi.core.errors import DomainError
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_path
from fangyi.screening.errors import unknown_area

HUNAN = "43"
CHINA_AREAS = Path(__file__).resolve().parent / "data" / "china_areas.csv"
LOOKUP_BATCH = 2000


@functools.cache
def china_areas() -> dict[str, str]:
    """Path → name of the areas outside Hunan (loaded once per process)."""
    with CHINA_AREAS.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def normalise(raw: str, field: str = "area_code", entity: str = "risk_area") -> str:
    """The path of an official code or path; a malformed code is an unknown area."""
    value = (raw or "").strip()
    try:
        path = region_path(value)
    except DomainError:
        raise unknown_area(value, field, entity) from None
    if not path.startswith(HUNAN) and len(path) > 6:
        raise unknown_area(value, field, entity)
    return path


def area_names(paths: Iterable[str]) -> dict[str, str]:
    """The name of each known path among `paths` (unknown paths are left out)."""
    wanted = set(paths)
    outside = china_areas()
    names = {path: outside[path] for path in wanted if path in outside}
    hunan = sorted(path for path in wanted if path.startswith(HUNAN))
    for start in range(0, len(hunan), LOOKUP_BATCH):
        names.update(
            Region.objects.filter(code__in=hunan[start : start + LOOKUP_BATCH]).values_list("code", "name")
        )
    return names


def area_path(raw: str, field: str = "area_code") -> str:
    """Normalise and check one code: a Hunan region or an area in the national list."""
    path = normalise(raw, field)
    if path not in area_names([path]):
        raise unknown_area((raw or "").strip(), field)
    return path
