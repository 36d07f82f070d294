import dataclasses
import datetime as dt
import itertools
import uuid

from django.db.models import QuerySet

from fangyi.core.access import Actor, covers, require, scope_q
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_get
from fangyi.surveillance.errors import case_not_found
from fangyi.surveillance.models import Case, DailyReport
from fangyi.surveillance.reports import FLOWS, STOCKS


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
