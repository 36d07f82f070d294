from typing import Any, cast

from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from fangyi.accounts.models import User
from fangyi.accounts.services import login_authenticate
from fangyi.core.access import covers
from fangyi.core.api_errors import client_ip
from fangyi.core.errors import DomainError
from fangyi.core.htmx import render_domain_error, render_page
from fangyi.people.selectors import person_counts_by_child_region
from fangyi.quarantine import selectors as quarantine_selectors
from fangyi.regions.choices import PATH_LENGTH, Level
from fangyi.regions.models import Region
from fangyi.regions.selectors import (
    place_counts_by_child_region,
    region_ancestors,
    region_children,
    region_get,
)
from fangyi.screening import selectors as screening_selectors
from fangyi.screening.selectors import ProgressRow

PROVINCE_PATH = "43"
# The length of a child's path below a region of each path length; a village counts itself.
CHILD_LENGTH = {2: 4, 4: 6, 6: 9, 9: 12, 12: 12}


def login_view(request: HttpRequest) -> HttpResponse:
    error = None
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    status = 200
    if request.method == "POST":
        try:
            user = login_authenticate(
                request=request,
                username=request.POST.get("username", ""),
                password=request.POST.get("password", ""),
                ip_address=client_ip(request),
            )
        except DomainError as exc:
            error = exc.render_message()
            # A throttled sign-in says so in its status; a wrong password is an ordinary form error.
            status = 429 if exc.status == 429 else 200
        else:
            login(request, user)
            return redirect(next_url or "web:home")
    context = {"error": error, "next": next_url, "username": request.POST.get("username", "")}
    return render(request, "web/login.html", context, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return _region_page(request, PROVINCE_PATH)


@login_required
@require_safe
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _region_page(request, code)


def _region_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        region = region_get(code=code)
    except DomainError as exc:
        return render_domain_error(request, exc)
    return render_page(request, "web/region.html", region_context(request, region))


def region_context(request: HttpRequest, region: Region) -> dict[str, Any]:
    """Everything the dashboard shows for one region: two grouped count queries, whatever its size."""
    actor = cast(User, request.user)  # the views are behind login_required
    child_length = CHILD_LENGTH[len(region.code)]
    residents = person_counts_by_child_region(
        actor=actor,
        parent_path=region.code,
        child_length=child_length,
    )
    places = place_counts_by_child_region(
        actor=actor,
        parent_path=region.code,
        child_length=child_length,
    )
    children = list(region_children(region=region)) if region.level != Level.VILLAGE else []
    rows: list[dict[str, Any]] = [
        {
            "region": child,
            "url": reverse("web:region", args=[child.code]),
            "population": child.population,
            "residents": residents.get(child.code, 0),
            "places": places.get(child.code, 0),
        }
        for child in children
    ]
    progress = _verification_progress(actor, region)
    for row in rows:
        row["verification"] = progress.get(row["region"].code)
    prefixes = set(actor.prefixes_for("people.view")) | set(actor.prefixes_for("places.view"))
    in_jurisdiction = any(p.startswith(region.code) or region.code.startswith(p) for p in prefixes)
    return {
        "region": region,
        "ancestors": region_ancestors(region=region),
        "rows": rows,
        "child_level": rows[0]["region"].get_level_display() if rows else "",
        "kpi": {
            "population": region.population,
            "residents": sum(residents.values()),
            "places": sum(places.values()),
            "children": len(rows),
        },
        "in_jurisdiction": in_jurisdiction,
        "map_data": map_data(region, rows),
        "verification": progress.get(region.code),
        "observation": _observation_summary(actor, region),
    }


def _verification_progress(actor: User, region: Region) -> dict[str, ProgressRow]:
    """Grid verification of screened residents, per child region and in total (empty when the
    actor reads no grid tasks here)."""
    if not (actor.prefixes_for(screening_selectors.VIEW) or actor.prefixes_for(screening_selectors.VERIFY)):
        return {}
    try:
        found = screening_selectors.verification_progress(actor=actor, region=region.code)
    except DomainError:  # the region lies outside the actor's jurisdiction
        return {}
    return {row.code: row for row in found if row.tasks}


def _observation_summary(actor: User, region: Region) -> dict[str, Any] | None:
    """Today's medical observation figures of the region, if it lies in the actor's jurisdiction."""
    if not covers(actor, quarantine_selectors.VIEW, region.code):
        return None
    return quarantine_selectors.observation_summary(actor=actor, region=region.code)[1]


def map_data(region: Region, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What the map script needs: which layer, which features, and the values to colour them by.

    The province shows its prefectures; a prefecture shows its counties; a county, township or
    village shows the county highlighted among the counties of its prefecture.
    """
    if region.level == Level.PROVINCE:
        level, geojson, prefecture = "province", "fangyi/maps/hunan_prefectures.geojson", ""
    else:
        level = "prefecture" if region.level == Level.PREFECTURE else "county"
        geojson = "fangyi/maps/hunan_counties.geojson"
        prefecture = region.code[: PATH_LENGTH[Level.PREFECTURE]].ljust(6, "0")
    highlight = region.code[: PATH_LENGTH[Level.COUNTY]] if level == "county" else ""
    values = {
        row["region"].official_code: {
            "name": row["region"].name,
            "url": row["url"],
            "population": row["population"],
            "residents": row["residents"],
            "places": row["places"],
        }
        for row in rows
    }
    metric = ""
    if any(value["residents"] for value in values.values()):
        metric = "residents"
    elif any(value["population"] for value in values.values()):
        metric = "population"
    return {
        "level": level,
        "geojson": static(geojson),
        "prefecture": prefecture,
        "highlight": highlight,
        "regionUrl": reverse("web:region", args=["000000"]),
        "values": values if level != "county" else {},
        "metric": metric if level != "county" else "",
        "labels": {
            "residents": _("Residents"),
            "population": _("Population (2020 census)"),
            "places": _("Places"),
            "unknown": _("unknown"),
        },
    }
