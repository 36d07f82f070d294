from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from fangyi.core.access import Actor, require, scope_q
from fangyi.regions.choices import LEVEL_BY_PATH_LENGTH, Level
from fangyi.regions.errors import invalid_region_code, place_not_found, region_not_found
from fangyi.regions.models import Grid, Place, Region


def region_path(raw: str) -> str:
    """Normalise an official or path code (430000, 430100, 430102001000...) to a region path."""
    value = (raw or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) not in {2, 4, 6, 9, 12}:
        raise invalid_region_code(raw)
    if len(value) == 12 and value.endswith("000"):
        value = value[:9]
    if len(value) == 9 and value.endswith("000"):
        value = value[:6]
    if len(value) == 6 and value.endswith("00"):
        value = value[:2] if value.endswith("0000") else value[:4]
    if len(value) == 4 and value.endswith("00"):
        value = value[:2]
    # Every level's group must be non-zero (430100100 has no county); a group may end in zeros
    # (仙庾镇 430202100, 李家村 430212108200).
    groups = (value[:2], value[2:4], value[4:6], value[6:9], value[9:12])
    if any(group and not group.strip("0") for group in groups):
        raise invalid_region_code(raw)
    return value


def region_get(*, code: str) -> Region:
    """Divisions are public reference data: any signed-in user may read them."""
    try:
        return Region.objects.select_related("parent").get(code=region_path(code))
    except Region.DoesNotExist:
        raise region_not_found() from None


def region_ancestors(*, region: Region) -> list[Region]:
    """From the province down to the region's parent."""
    paths = [region.code[:n] for n in (2, 4, 6, 9) if n < len(region.code)]
    return list(Region.objects.filter(code__in=paths).order_by("code"))


def region_children(*, region: Region) -> QuerySet[Region]:
    return Region.objects.filter(parent=region).order_by("code")


def region_list(
    *, level: str | None = None, parent: str | None = None, q: str | None = None
) -> QuerySet[Region]:
    regions = Region.objects.all()
    if level:
        regions = regions.filter(level=level)
    if parent:
        parent_path = region_path(parent)
        if not Region.objects.filter(code=parent_path).exists():
            raise region_not_found()
        regions = regions.filter(parent_id=parent_path)
    if q:
        regions = regions.filter(name__contains=q.strip())
    return regions.order_by("code")


def id_address_code_known(code: str) -> bool:
    """Is this six-digit address code plausible for an identity number?

    Codes outside Hunan are not ours to check beyond their province. A Hunan code must name a
    prefecture we know: county codes change over the years (祁阳县 431121 became 祁阳市 431181 in
    2021) while the numbers issued under the old code stay valid for life.
    """
    if not code.startswith("43"):
        return True
    return Region.objects.filter(code=code[:4], level=Level.PREFECTURE).exists()


def level_of(path: str) -> str:
    return LEVEL_BY_PATH_LENGTH[len(path)]


def grid_list(*, actor: Actor, region: str | None = None) -> QuerySet[Grid]:
    require(actor, "regions.view_grids")
    grids = Grid.objects.filter(scope_q(actor, "regions.view_grids", "region__code"))
    if region:
        grids = grids.filter(region__code__startswith=region_path(region))
    return grids.select_related("region")


def place_list(
    *, actor: Actor, kind: str | None = None, region: str | None = None, q: str | None = None
) -> QuerySet[Place]:
    require(actor, "places.view")
    places = Place.objects.filter(scope_q(actor, "places.view", "region__code"))
    if kind:
        places = places.filter(kind=kind)
    if region:
        places = places.filter(region__code__startswith=region_path(region))
    if q:
        places = places.filter(Q(name__contains=q) | Q(address__contains=q))
    return places.select_related("region")


def place_get(*, actor: Actor, place_id: int) -> Place:
    try:
        return place_list(actor=actor).get(pk=place_id)
    except Place.DoesNotExist:
        raise place_not_found() from None


def place_counts_by_child_region(*, actor: Actor, parent_path: str, child_length: int) -> dict[str, int]:
    """Places per child region of `parent_path`, counting only what the actor may see."""
    rows = (
        Place.objects.filter(scope_q(actor, "places.view", "region__code"))
        .filter(region__code__startswith=parent_path)
        .annotate(child=Substr("region_id", 1, child_length))
        .values("child")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["child"]: row["n"] for row in rows}
