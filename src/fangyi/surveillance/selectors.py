import dataclasses
import datetime as dt
import itertools
import uuid
from collections.abc import Iterable

from django.db.models import Count, Max, Min, QuerySet
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, scope_q
from fangyi.core.errors import NotFound
from fangyi.regions.choices import Level
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_get
from fangyi.surveillance import risk
from fangyi.surveillance.choices import Classification, Origin, RiskLevel
from fangyi.surveillance.errors import (
    case_not_found,
    date_in_future,
    dates_out_of_order,
    report_date_in_future,
    report_dates_out_of_order,
    report_range_too_long,
)
from fangyi.surveillance.models import (
    Case,
    CaseEvent,
    Cluster,
    DailyReport,
    ResponseLevelPeriod,
    SeverityChange,
)
from fangyi.surveillance.reports import FLOWS, STOCKS
from fangyi.surveillance.supplements import SupplementFigure, supplements_on


def case_list(
    *,
    actor: Actor,
    region: str | None = None,
    classification: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Case]:
    require(actor, "cases.view")
    cases = Case.objects.filter(scope_q(actor, "cases.view", "residence__code"))
    if region:
        cases = cases.filter(residence__code__startswith=region_get(code=region).code)
    if classification:
        cases = cases.filter(classification=classification)
    if since:
        cases = cases.filter(report_date__gte=since)
    if until:
        cases = cases.filter(report_date__lte=until)
    return cases.select_related("person", "residence", "cluster")


def case_get(*, actor: Actor, case_id: uuid.UUID | str) -> Case:
    try:
        return case_list(actor=actor).get(pk=case_id)
    except (Case.DoesNotExist, ValueError):
        raise case_not_found() from None


def report_region(*, actor: Actor, code: str) -> Region:
    """A province, prefecture or county whose reports the actor may read (else 404)."""
    require(actor, "reports.view")
    region = region_get(code=code)
    if len(region.code) > 6 or not covers(actor, "reports.view", region.code):
        raise region_not_found()
    return region


@dataclasses.dataclass
class DayFigures:
    """One region's figures on one day, with the derived rates."""

    date: dt.date
    population: int | None
    new_confirmed_local: int = 0
    new_confirmed_imported: int = 0
    confirmed_cumulative: int = 0
    confirmed_local_cumulative: int = 0
    new_asymptomatic: int = 0
    suspected_pending: int = 0
    severe_now: int = 0
    critical_now: int = 0
    new_cured: int = 0
    cured_cumulative: int = 0
    new_deaths: int = 0
    deaths_cumulative: int = 0
    in_hospital: int = 0
    last_new_confirmed: dt.date | None = None

    @property
    def new_confirmed(self) -> int:
        return self.new_confirmed_local + self.new_confirmed_imported

    @property
    def cure_rate(self) -> float | None:
        return self.cured_cumulative / self.confirmed_cumulative if self.confirmed_cumulative else None

    @property
    def case_fatality(self) -> float | None:
        return self.deaths_cumulative / self.confirmed_cumulative if self.confirmed_cumulative else None

    @property
    def infection_rate_per_million(self) -> float | None:
        if not self.population:
            return None
        return self.confirmed_cumulative * 1_000_000 / self.population

    @property
    def days_since_last_new_confirmed(self) -> int | None:
        return (self.date - self.last_new_confirmed).days if self.last_new_confirmed else None


def report_series(
    *, region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> list[DayFigures]:
    """Every day from `start` to `end` (default: the first to the last day with a row), gaps filled."""
    rows = list(DailyReport.objects.filter(region=region).order_by("date"))
    if not rows and (start is None or end is None):
        return []
    start = start or rows[0].date
    end = end or rows[-1].date
    series: list[DayFigures] = []
    current = DayFigures(date=start, population=region.population)
    index = 0
    while index < len(rows) and rows[index].date < start:  # carry the stock in from before `start`
        _take_stock(current, rows[index])
        index += 1
    day = start
    while day <= end:
        figures = dataclasses.replace(current, date=day)
        for field in FLOWS:
            setattr(figures, field, 0)
        if index < len(rows) and rows[index].date == day:
            _take_stock(figures, rows[index])
            for field in FLOWS:
                setattr(figures, field, getattr(rows[index], field))
            index += 1
        series.append(figures)
        current = figures
        day += dt.timedelta(days=1)
    return series


def _take_stock(figures: DayFigures, row: DailyReport) -> None:
    for field in STOCKS:
        setattr(figures, field, getattr(row, field))
    figures.last_new_confirmed = row.last_new_confirmed


def report_on(*, region: Region, date: dt.date) -> DayFigures:
    """The figures of one day (the last row on or before it carries the stock)."""
    series = report_series(region=region, start=date, end=date)
    return series[0] if series else DayFigures(date=date, population=region.population)


def clearance_date(*, region: Region) -> dt.date | None:
    """The day the last confirmed case under treatment left hospital (0 in hospital since)."""
    rows = list(DailyReport.objects.filter(region=region).order_by("-date").values("date", "in_hospital"))
    if not rows or rows[0]["in_hospital"] or not any(r["in_hospital"] for r in rows):
        return None
    for newer, older in itertools.pairwise(rows):
        if older["in_hospital"]:
            return newer["date"]
    return None


@dataclasses.dataclass(frozen=True)
class OnsetDay:
    """Confirmed cases by their date of symptom onset."""

    date: dt.date
    local: int = 0
    imported: int = 0

    @property
    def total(self) -> int:
        return self.local + self.imported


def epicurve_by_onset(*, actor: Actor, region: Region) -> list[OnsetDay]:
    """Confirmed cases of the region by onset date and origin, every day from the first to the last.

    Cases without an onset date (not known, or never symptomatic) are left out: the curve by report
    date counts them.
    """
    require(actor, "reports.view")
    counts = (
        Case.objects.filter(scope_q(actor, "reports.view", "county__code"))
        .filter(
            county__code__startswith=region.code,
            classification=Classification.CONFIRMED,
            onset_date__isnull=False,
        )
        .values_list("onset_date", "origin")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_day: dict[dt.date, dict[str, int]] = {}
    for day, origin, n in counts:
        by_day.setdefault(day, {})[origin] = by_day.get(day, {}).get(origin, 0) + n
    if not by_day:
        return []
    first, last = min(by_day), max(by_day)
    days = []
    day = first
    while day <= last:
        figures = by_day.get(day, {})
        days.append(OnsetDay(day, figures.get(Origin.LOCAL, 0), figures.get(Origin.IMPORTED, 0)))
        day += dt.timedelta(days=1)
    return days


def report_dates(*, region: Region) -> tuple[dt.date, dt.date] | None:
    """The first and the last day with a report row for the region, or None if it has none."""
    bounds = DailyReport.objects.filter(region=region).aggregate(first=Min("date"), last=Max("date"))
    if bounds["first"] is None:
        return None
    return bounds["first"], bounds["last"]


def report_figures_by_region(
    *, actor: Actor, regions: Iterable[Region], date: dt.date
) -> dict[str, DayFigures]:
    """The figures on `date` of each given region the actor may read reports of (one query).

    Regions outside the jurisdiction are left out; a region without reports gets zero figures.
    """
    require(actor, "reports.view")
    readable = {r.code: r for r in regions if covers(actor, "reports.view", r.code)}
    figures = {code: DayFigures(date=date, population=r.population) for code, r in readable.items()}
    if not readable:
        return figures
    rows = (
        DailyReport.objects.filter(region_id__in=list(readable), date__lte=date)
        .order_by("region_id", "-date")
        .iterator(chunk_size=5000)
    )
    seen: set[str] = set()
    for row in rows:
        if row.region_id in seen:
            continue
        seen.add(row.region_id)
        day = figures[row.region_id]
        _take_stock(day, row)
        if row.date == date:
            for field in FLOWS:
                setattr(day, field, getattr(row, field))
    return figures


# Reports through the API, risk levels, clusters, response levels ----------------------------------

MAX_REPORT_DAYS = 1096  # three years of daily rows in one request


def report_dates_check(
    *, start: dt.date | None, end: dt.date | None, start_field: str = "start", end_field: str = "end"
) -> None:
    """Days asked about must not be in the future, must come in order, and span at most three years."""
    today = clock.today()
    for value, field in ((start, start_field), (end, end_field)):
        if value is not None and value > today:
            raise report_date_in_future(field)
    if start is not None and end is not None:
        if start > end:
            raise report_dates_out_of_order(start_field)
        if (end - start).days >= MAX_REPORT_DAYS:
            raise report_range_too_long(MAX_REPORT_DAYS)


def case_search(
    *,
    actor: Actor,
    region: str | None = None,
    classification: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Case]:
    """`case_list` with its dates checked: not in the future, and `since` not after `until`."""
    require(actor, "cases.view")
    for value, field in ((since, "since"), (until, "until")):
        if value is not None and value > clock.today():
            raise date_in_future(field)
    if since is not None and until is not None and since > until:
        raise dates_out_of_order("since", _("“Since” cannot come after “until”."))
    return case_list(actor=actor, region=region, classification=classification, since=since, until=until)


def case_detail_get(*, actor: Actor, case_id: uuid.UUID | str) -> Case:
    """A case with its events and severity history loaded."""
    case = case_get(actor=actor, case_id=case_id)
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("date", "recorded_at", "id")
    changes = SeverityChange.objects.filter(case=case).order_by("date", "recorded_at", "id")
    case.event_list = list(events)  # type: ignore[attr-defined]
    case.severity_list = list(changes)  # type: ignore[attr-defined]
    return case


@dataclasses.dataclass(frozen=True)
class CaseSteps:
    """The transitions the actor may make on a case now (what the case pages offer)."""

    confirm: bool = False
    exclude: bool = False
    severity: bool = False
    cure: bool = False
    die: bool = False

    @property
    def outcome(self) -> bool:
        return self.cure or self.die

    @property
    def any(self) -> bool:
        return self.confirm or self.exclude or self.severity or self.outcome


def case_steps(*, actor: Actor, case: Case) -> CaseSteps:
    """The next transitions allowed from the case's state, if the actor may report on its region.

    The same rules as the services (fangyi.surveillance.services), which check them again.
    """
    if not covers(actor, "cases.report", case.residence_id):
        return CaseSteps()
    state, open_ = case.classification, not case.outcome
    return CaseSteps(
        confirm=state in (Classification.SUSPECTED, Classification.ASYMPTOMATIC),
        exclude=state == Classification.SUSPECTED,
        severity=state == Classification.CONFIRMED and open_,
        cure=open_ and state in (Classification.CONFIRMED, Classification.ASYMPTOMATIC),
        die=open_ and state == Classification.CONFIRMED,
    )


@dataclasses.dataclass
class RegionReport:
    region: Region
    days: list[DayFigures]
    clearance_date: dt.date | None


def region_report(
    *, actor: Actor, code: str, start: dt.date | None = None, end: dt.date | None = None
) -> RegionReport:
    """A region's daily figures from `start` to `end` (default: its first to its last report)."""
    region = report_region(actor=actor, code=code)
    report_dates_check(start=start, end=end)
    if start is None or end is None:
        bounds = DailyReport.objects.filter(region=region).aggregate(first=Min("date"), last=Max("date"))
        first, last = start or bounds["first"], end or bounds["last"]
        if first is not None and last is not None and (last - first).days >= MAX_REPORT_DAYS:
            raise report_range_too_long(MAX_REPORT_DAYS)
    return RegionReport(
        region=region,
        days=report_series(region=region, start=start, end=end),
        clearance_date=clearance_date(region=region),
    )


def is_county(region: Region) -> bool:
    return len(region.code) == 6


@dataclasses.dataclass
class RegionSummary:
    region: Region
    figures: DayFigures
    risk: risk.Assessment | None
    response: ResponseLevelPeriod | None
    clearance_date: dt.date | None
    supplements: list[SupplementFigure]


def region_summary(*, actor: Actor, code: str, date: dt.date | None = None) -> RegionSummary:
    """One day's figures of a region, with the county's risk level and the province's response."""
    region = report_region(actor=actor, code=code)
    day = date or clock.today()
    report_dates_check(start=day, end=None, start_field="date")
    return RegionSummary(
        region=region,
        figures=report_on(region=region, date=day),
        risk=risk.level_on(county=region, date=day) if is_county(region) else None,
        response=response_level_on(date=day),
        clearance_date=clearance_date(region=region),
        supplements=supplements_on(region_path=region.code, date=day),
    )


@dataclasses.dataclass
class CountyRisk:
    county: Region
    assessment: risk.Assessment | None


@dataclasses.dataclass
class RiskLevels:
    region: Region
    date: dt.date
    items: list[CountyRisk]


def risk_levels_under(*, actor: Actor, code: str, date: dt.date | None = None) -> RiskLevels:
    """The risk level on `date` of every county in the region (a county: itself)."""
    region = report_region(actor=actor, code=code)
    day = date or clock.today()
    report_dates_check(start=day, end=None, start_field="date")
    counties = list(Region.objects.filter(level=Level.COUNTY, code__startswith=region.code).order_by("code"))
    levels = risk.levels_on(counties=counties, date=day)
    return RiskLevels(region, day, [CountyRisk(county=c, assessment=levels.get(c.code)) for c in counties])


def risk_level_history(
    *, actor: Actor, code: str, start: dt.date | None = None, end: dt.date | None = None
) -> list[risk.Assessment]:
    """A county's stored risk levels, one per day, oldest first."""
    region = report_region(actor=actor, code=code)
    if not is_county(region):
        raise region_not_found()
    report_dates_check(start=start, end=end)
    return risk.history(county=region, start=start, end=end)


def risk_level_on(*, actor: Actor, code: str, date: dt.date) -> risk.Assessment | None:
    """A county's risk level on a day (stored, carried forward, or computed on read)."""
    region = report_region(actor=actor, code=code)
    if not is_county(region):
        raise region_not_found()
    return risk.level_on(county=region, date=date)


def cluster_list(*, actor: Actor, region: str | None = None) -> QuerySet[Cluster]:
    """Clusters located in the actor's jurisdiction (by the cluster's region), newest first."""
    require(actor, "cases.view")
    clusters = Cluster.objects.filter(scope_q(actor, "cases.view", "region__code"))
    if region:
        clusters = clusters.filter(region__code__startswith=region_get(code=region).code)
    return (
        clusters.select_related("region").annotate(case_count=Count("cases")).order_by("-created_at", "-id")
    )


def cluster_get(*, actor: Actor, cluster_id: int) -> Cluster:
    try:
        return cluster_list(actor=actor).get(pk=cluster_id)
    except Cluster.DoesNotExist:
        raise NotFound("cluster.not_found", _("No such cluster.")) from None


@dataclasses.dataclass
class ResponsePeriod:
    """A declared response level and the days it lasted (`end` None: still in force)."""

    period: ResponseLevelPeriod
    end_date: dt.date | None


def response_level_timeline(*, actor: Actor) -> list[ResponsePeriod]:
    """The province's emergency response levels, oldest first."""
    require(actor, "reports.view")
    periods = list(ResponseLevelPeriod.objects.select_related("declared_by").order_by("start_date"))
    ends: list[dt.date | None] = [p.start_date - dt.timedelta(days=1) for p in periods[1:]]
    return [ResponsePeriod(p, end) for p, end in zip(periods, [*ends, None], strict=False)]


def response_period_of(period: ResponseLevelPeriod) -> ResponsePeriod:
    """A declaration with the day it ended (the day before the next one), if it has."""
    following = (
        ResponseLevelPeriod.objects.filter(start_date__gt=period.start_date)
        .order_by("start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    return ResponsePeriod(period, following - dt.timedelta(days=1) if following else None)


def response_level_on(*, date: dt.date) -> ResponseLevelPeriod | None:
    """The declaration in force on `date` (its level may be "ended"); None before the first."""
    return ResponseLevelPeriod.objects.filter(start_date__lte=date).order_by("-start_date").first()


def cases_by_person(person_ids: Iterable[uuid.UUID | str]) -> dict[str, list[Case]]:
    """Every case of these residents, oldest first: a system read for rules owned higher up
    (the health-code colour), which scope what they show themselves."""
    cases: dict[str, list[Case]] = {}
    for case in Case.objects.filter(person_id__in=list(person_ids)).order_by("report_date", "created_at"):
        cases.setdefault(str(case.person_id), []).append(case)
    return cases


def county_high_risk_on(*, county: Region, date: dt.date) -> bool:
    """Whether a county was at high risk on `date` (a system read for the health-code rules)."""
    assessment = risk.level_on(county=county, date=date)
    return assessment is not None and assessment.level == RiskLevel.HIGH


def county_high_risk_windows(*, start: dt.date, end: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The spells in which province counties were rated high-risk, as (county, first day, day after
    the last), from the stored daily levels on `start` … `end`: a system read for screening, which
    treats those counties as risk areas during those days."""
    from fangyi.surveillance.models import CountyRiskLevel

    days = (
        CountyRiskLevel.objects.filter(level=RiskLevel.HIGH, date__range=(start, end))
        .order_by("county_id", "date")
        .values_list("county_id", "date")
    )
    windows: list[tuple[str, dt.date, dt.date]] = []
    for county, day in days:
        if windows and windows[-1][0] == county and windows[-1][2] == day:
            windows[-1] = (county, windows[-1][1], day + dt.timedelta(days=1))
        else:
            windows.append((county, day, day + dt.timedelta(days=1)))
    return windows
