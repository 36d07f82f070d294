from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, request_actor
from fangyi.regions.models import Place, Region
from fangyi.regions.schemas import (
    PlaceFilter,
    PlaceIn,
    PlaceOut,
    PlacePage,
    RegionBrief,
    RegionFilter,
    RegionOut,
    RegionPage,
)
from fangyi.regions.selectors import (
    place_get,
    place_list,
    region_ancestors,
    region_children,
    region_get,
    region_list,
)
from fangyi.regions.services import place_create

router = Router(tags=["regions"])


def region_brief(region: Region) -> RegionBrief:
    return RegionBrief(
        code=region.official_code, path=region.code, name=region.name, level=region.level, kind=region.kind
    )


def place_out(place: Place) -> PlaceOut:
    return PlaceOut(
        id=place.pk,
        name=place.name,
        kind=place.kind,
        kind_label=str(place.get_kind_display()),
        region_code=place.region.official_code,
        region_name=place.region.name,
        address=place.address,
        latitude=place.latitude,
        longitude=place.longitude,
        active=place.active,
    )


@router.get("", response={200: RegionPage, **ERRORS_READ})
def regions(request: HttpRequest, filters: Query[RegionFilter]) -> RegionPage:
    """Divisions by level, parent and name (public reference data, for any signed-in user)."""
    found = region_list(level=filters.level, parent=filters.parent, q=filters.q)
    page = found[filters.offset : filters.offset + filters.limit]
    return RegionPage(count=found.count(), items=[region_brief(r) for r in page])


@router.get("/places", response={200: PlacePage, **ERRORS_READ})
def places(request: HttpRequest, filters: Query[PlaceFilter]) -> PlacePage:
    found = place_list(actor=request_actor(request), kind=filters.kind, region=filters.region, q=filters.q)
    page = found[filters.offset : filters.offset + filters.limit]
    return PlacePage(count=found.count(), items=[place_out(p) for p in page])


@router.post("/places", response={201: PlaceOut, **ERRORS_WRITE})
def places_create(request: HttpRequest, payload: PlaceIn) -> Status[PlaceOut]:
    place = place_create(actor=request_actor(request), **payload.dict())
    return Status(201, place_out(place))


@router.get("/places/{place_id}", response={200: PlaceOut, **ERRORS_READ})
def places_detail(request: HttpRequest, place_id: int = Path(..., ge=1, le=2**63 - 1)) -> PlaceOut:
    return place_out(place_get(actor=request_actor(request), place_id=place_id))


@router.get("/{code}", response={200: RegionOut, **ERRORS_READ})
def region_detail(request: HttpRequest, code: str) -> RegionOut:
    region = region_get(code=code)
    return RegionOut(
        **region_brief(region).dict(),
        kind_label=str(region.get_kind_display()),
        population=region.population,
        parent_code=region.parent.official_code if region.parent else None,
        ancestors=[region_brief(r) for r in region_ancestors(region=region)],
        children=[region_brief(r) for r in region_children(region=region)],
    )
