"""The epidemic dashboard: figures of a province, prefecture or county on a day, curves, R_t, maps.

One page per region (`/surveillance/<code>/?date=YYYY-MM-DD`), full or as an htmx partial, and a
CSV download of every chart's numbers (`/surveillance/<code>/<table>.csv`).
"""

import datetime as dt
import itertools
import re
from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import DomainError, NotFound
from fangyi.core.htmx import render_page
from fangyi.regions.choices import Level
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_ancestors, region_children, region_list
from fangyi.surveillance import charts
from fangyi.surveillance.choices import RiskLevel
from fangyi.surveillance.errors import SurveillanceError
from fangyi.surveillance.projection import Projection
from fangyi.surveillance.risk import Assessment
from fangyi.surveillance.selectors import (
    DayFigures,
    OnsetDay,
    epicurve_by_onset,
    report_dates,
    report_figures_by_region,
    report_region,
    report_series,
    risk_levels_under,
)

CAPABILITY = "reports.view"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

View = Callable[..., HttpResponse]


def domain_errors(view: View) -> View:
    """A refused request (no permission, not found, a bad date) is an error page with its status."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            titles = {404: _("Not found"), 403: _("Not allowed")}
            context = {
                "status": exc.status,
                "title": titles.get(exc.status, _("Bad request")),
                "message": exc.render_message(),
            }
            return render(request, "web/error.html", context, status=exc.status)

    return wrapper


def parse_date(raw: str | None) -> dt.date | None:
    """`?date=YYYY-MM-DD`; missing or empty means the last reported day."""
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise SurveillanceError(
            "report.invalid_date",
            gettext_lazy("“%(value)s” is not a date like 2020-02-01."),
            field="date",
            value=value[:32],
        ) from None
    if day > clock.today():
        raise SurveillanceError(
            "report.date_in_future",
            gettext_lazy("There are no reports for a day in the future."),
            field="date",
        )
    return day


def top_region_code(actor: Actor) -> str:
    """The widest province, prefecture or county where the actor may read reports."""
    require(actor, CAPABILITY)
    paths = sorted((p for p in actor.prefixes_for(CAPABILITY) if len(p) <= 6), key=lambda p: (len(p), p))
    if not paths:
        raise NotFound(
            "report.no_region",
            gettext_lazy("Reports are kept for counties and above; your jurisdiction lies below a county."),
        )
    return paths[0]


class Dashboard:
    """Everything the page and the CSV downloads show for one region on one day, computed on demand."""

    def __init__(self, *, actor: Actor, region: Region, requested: dt.date | None) -> None:
        self.actor = actor
        self.region = region
        self.requested = requested

    # The reports ---------------------------------------------------------------------------------

    @cached_property
    def bounds(self) -> tuple[dt.date, dt.date] | None:
        return report_dates(region=self.region)

    @property
    def empty(self) -> bool:
        return self.bounds is None

    @cached_property
    def selected(self) -> dt.date:
        if self.requested is not None:
            return self.requested
        return self.bounds[1] if self.bounds else clock.today()

    @cached_property
    def series(self) -> list[DayFigures]:
        """Every day from the first report to the last one or the chosen day, whichever is later."""
        if self.bounds is None:
            return []
        first, last = self.bounds
        return report_series(region=self.region, start=first, end=max(last, self.selected))

    @cached_property
    def figures(self) -> DayFigures:
        for day in self.series:
            if day.date == self.selected:
                return day
        return DayFigures(date=self.selected, population=self.region.population)

    @cached_property
    def clearance(self) -> dt.date | None:
        """As of the chosen day: when the last patient then in hospital left (none in hospital since)."""
        if self.figures.in_hospital:
            return None
        cleared = None
        for before, day in itertools.pairwise(self.series):
            if day.date > self.selected:
                break
            if before.in_hospital and not day.in_hospital:
                cleared = day.date
        return cleared

    @cached_property
    def rt(self) -> list[charts.RtPoint]:
        return charts.rt_points(self.series)

    @cached_property
    def rt_today(self) -> charts.RtPoint | None:
        return next((p for p in self.rt if p.date == self.selected), None)

    @cached_property
    def projection(self) -> Projection | None:
        return charts.projection_after(self.series, self.selected)

    @cached_property
    def onset(self) -> list[OnsetDay]:
        return epicurve_by_onset(actor=self.actor, region=self.region)

    # Subdivisions --------------------------------------------------------------------------------

    @cached_property
    def risk(self) -> dict[str, Assessment]:
        """The assessment of each county on the map (in the jurisdiction) on the chosen day."""
        code = self.region.code
        if self.region.level == Level.COUNTY and covers(self.actor, CAPABILITY, code[:4]):
            code = code[:4]  # the counties around this one are drawn too
        under = risk_levels_under(actor=self.actor, code=code, date=self.selected)
        return {item.county.code: item.assessment for item in under.items if item.assessment is not None}

    @cached_property
    def risk_levels(self) -> dict[str, str]:
        return {code: assessment.level for code, assessment in self.risk.items()}

    def _url(self, code: str) -> str:
        url = reverse("surveillance:detail", args=[code])
        return f"{url}?{urlencode({'date': self.requested.isoformat()})}" if self.requested else url

    def _rows(self, regions: list[Region]) -> list[charts.RegionRow]:
        figures = report_figures_by_region(actor=self.actor, regions=regions, date=self.selected)
        rows = []
        for region in regions:
            if region.level == Level.COUNTY:
                risk = self.risk_levels.get(region.code, "")
            else:
                risk = charts.highest_risk(
                    level for county, level in self.risk_levels.items() if county.startswith(region.code)
                )
            rows.append(
                charts.RegionRow(
                    code=region.code,
                    official_code=region.official_code,
                    name=region.name,
                    url=self._url(region.code),
                    figures=figures.get(region.code),
                    risk=risk if region.code in figures else "",
                )
            )
        return rows

    @cached_property
    def child_rows(self) -> list[charts.RegionRow]:
        """The prefectures of the province, or the counties of a prefecture (none below a county)."""
        if self.region.level == Level.COUNTY:
            return []
        return self._rows(list(region_children(region=self.region)))

    @cached_property
    def county_rows(self) -> list[charts.RegionRow]:
        """The counties drawn on the map beside the prefectures (province) or around this county."""
        if self.region.level == Level.PREFECTURE:
            return self.child_rows
        if self.region.level == Level.PROVINCE:
            counties = region_list(level=Level.COUNTY).filter(code__startswith=self.region.code)
        else:
            counties = (
                region_children(region=self.region.parent) if self.region.parent else Region.objects.none()
            )
        return self._rows(list(counties))

    @cached_property
    def tables(self) -> dict[str, charts.Table]:
        tables = {
            "curve": charts.curve_table(self.series),
            "cumulative": charts.cumulative_table(self.series),
            "onset": charts.onset_table(self.onset),
            "rt": charts.rt_table(self.rt),
            "projection": charts.projection_table(self.projection, self.series),
        }
        if self.region.level != Level.COUNTY:
            tables["regions"] = charts.regions_table("regions", self.child_rows)
        if self.region.level == Level.PROVINCE:
            tables["counties"] = charts.regions_table("counties", self.county_rows)
        return tables

    # The page ------------------------------------------------------------------------------------

    def risk_summary(self) -> dict[str, int]:
        counts = dict.fromkeys(RiskLevel.values, 0)
        for level in self.risk_levels.values():
            counts[level] = counts.get(level, 0) + 1
        return counts

    def map_data(self) -> dict[str, Any]:
        region = self.region
        if region.level == Level.PROVINCE:
            layer, prefecture, highlight = "prefectures", "", ""
        else:
            layer, prefecture = "counties", region.code[:4].ljust(6, "0")
            highlight = region.code if region.level == Level.COUNTY else ""
        layers: dict[str, Any] = {"counties": charts.map_values(self.county_rows)}
        if region.level == Level.PROVINCE:
            layers["prefectures"] = charts.map_values(self.child_rows)
        return {
            "level": region.level,
            "layer": layer,
            "layers": layers,
            "geojson": {
                "prefectures": static("fangyi/maps/hunan_prefectures.geojson"),
                "counties": static("fangyi/maps/hunan_counties.geojson"),
            },
            "prefecture": prefecture,
            "highlight": region.official_code if highlight else "",
            "labels": charts.map_labels(),
        }

    def context(self) -> dict[str, Any]:
        region = self.region
        ancestors = [
            {"region": a, "url": self._url(a.code) if covers(self.actor, CAPABILITY, a.code) else ""}
            for a in region_ancestors(region=region)
        ]
        context: dict[str, Any] = {
            "region": region,
            "ancestors": ancestors,
            "empty": self.empty,
            "requested": self.requested,
            "selected": self.selected,
            "today": clock.today(),
            "base_url": reverse("surveillance:detail", args=[region.code]),
            "date_query": f"?{urlencode({'date': self.requested.isoformat()})}" if self.requested else "",
            "title": f"{region.name} · {_('Epidemic')}",
        }
        if self.empty:
            return context
        assert self.bounds is not None
        figures = self.figures
        context.update(
            {
                "first_day": self.bounds[0],
                "last_day": self.bounds[1],
                "figures": figures,
                "severe_critical": figures.severe_now + figures.critical_now,
                "cure_rate": _percent(figures.cure_rate),
                "case_fatality": _percent(figures.case_fatality),
                "clearance": self.clearance,
                "rt_today": self.rt_today,
                "risk": self.risk.get(region.code) if region.level == Level.COUNTY else None,
                "risk_summary": self.risk_summary(),
                "projection": self.projection,
                "child_rows": self.child_rows,
                "child_level": _child_level(region) if self.child_rows else "",
                "tables": self.tables,
                "curve_data": charts.curve_payload(self.series, self.rt, self.projection, self.selected),
                "cumulative_data": charts.cumulative_payload(self.series, self.selected),
                "onset_data": charts.onset_payload(self.onset),
                "map_data": self.map_data(),
            }
        )
        return context


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _child_level(region: Region) -> str:
    return str(Level.PREFECTURE.label) if region.level == Level.PROVINCE else str(Level.COUNTY.label)


def _actor(request: HttpRequest) -> Actor:
    return cast(Actor, request.user)


@login_required
@require_safe
@domain_errors
def dashboard(request: HttpRequest, code: str | None = None) -> HttpResponse:
    actor = _actor(request)
    region = report_region(actor=actor, code=code if code is not None else top_region_code(actor))
    requested = parse_date(request.GET.get("date"))
    board = Dashboard(actor=actor, region=region, requested=requested)
    return render_page(request, "surveillance/dashboard.html", board.context())


@login_required
@require_safe
@domain_errors
def series_csv(request: HttpRequest, code: str, table: str) -> HttpResponse:
    actor = _actor(request)
    region = report_region(actor=actor, code=code)
    requested = parse_date(request.GET.get("date"))
    board = Dashboard(actor=actor, region=region, requested=requested)
    if table not in board.tables:
        raise NotFound("report.no_table", gettext_lazy("There is no such table for this region."))
    response = HttpResponse(board.tables[table].csv_text(), content_type="text/csv; charset=utf-8")
    filename = f"{region.official_code}-{table}-{board.selected.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
