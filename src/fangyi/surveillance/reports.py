"""Daily epidemic reports, computed from the cases (never typed in).

A county's figures come from its cases through difference arrays: each case adds +1/-1 on the
dates where it enters or leaves a state, and a running sum over the days gives the stock figures.
Prefecture and province figures are sums of their children's rows. Rows are written only for days
on which something changed (see DailyReport).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import transaction

from fangyi.regions.choices import Level
from fangyi.regions.models import Region
from fangyi.surveillance.choices import Origin, Outcome, Severity
from fangyi.surveillance.models import Case, DailyReport, SeverityChange
from fangyi.surveillance.risk import risk_levels_compute, risk_levels_refresh

FLOWS = ("new_confirmed_local", "new_confirmed_imported", "new_asymptomatic", "new_cured", "new_deaths")
STOCKS = (
    "confirmed_cumulative",
    "confirmed_local_cumulative",
    "suspected_pending",
    "severe_now",
    "critical_now",
    "cured_cumulative",
    "deaths_cumulative",
    "in_hospital",
)
# Each stock is the running sum of these daily changes.
STOCK_DELTAS = {
    "confirmed_cumulative": "d_confirmed",
    "confirmed_local_cumulative": "d_confirmed_local",
    "suspected_pending": "d_suspected",
    "severe_now": "d_severe",
    "critical_now": "d_critical",
    "cured_cumulative": "d_cured",
    "deaths_cumulative": "d_deaths",
    "in_hospital": "d_in_hospital",
}
CASE_FIELDS = (
    "id",
    "county_id",
    "origin",
    "report_date",
    "asymptomatic_date",
    "confirmed_date",
    "excluded_date",
    "outcome",
    "outcome_date",
)

Changes = dict[dt.date, dict[str, int]]


def _case_changes(case: tuple, severity: list[tuple[dt.date, str]], changes: Changes) -> None:
    """Add one case's contributions to a county's per-day changes."""
    _id, _county, origin, reported, asymptomatic, confirmed, excluded, outcome, outcome_date = case

    def add(day: dt.date | None, key: str, amount: int = 1) -> None:
        if day is not None:
            counts = changes.setdefault(day, defaultdict(int))
            counts[key] += amount

    if asymptomatic is not None:
        add(asymptomatic, "new_asymptomatic")
    else:
        add(reported, "d_suspected")
        add(confirmed or excluded, "d_suspected", -1)
    if confirmed is None:
        return
    local = origin == Origin.LOCAL
    add(confirmed, "new_confirmed_local" if local else "new_confirmed_imported")
    add(confirmed, "d_confirmed")
    if local:
        add(confirmed, "d_confirmed_local")
    add(confirmed, "d_in_hospital")
    if outcome_date is not None:
        add(outcome_date, "d_in_hospital", -1)
        if outcome == Outcome.CURED:
            add(outcome_date, "new_cured")
            add(outcome_date, "d_cured")
        elif outcome == Outcome.DIED:
            add(outcome_date, "new_deaths")
            add(outcome_date, "d_deaths")
    ends = [day for day, _ in severity[1:]] + [outcome_date]
    for (start, level), end in zip(severity, ends[: len(severity)], strict=True):
        key = {Severity.SEVERE: "d_severe", Severity.CRITICAL: "d_critical"}.get(level)  # type: ignore[call-overload]
        if key:
            add(start, key)
            add(end, key, -1)


def _rows_from_changes(region_id: str, changes: Changes) -> list[DailyReport]:
    rows = []
    stock = dict.fromkeys(STOCKS, 0)
    last_new: dt.date | None = None
    for day in sorted(changes):
        delta = changes[day]
        for field, key in STOCK_DELTAS.items():
            stock[field] += delta.get(key, 0)
        if delta.get("new_confirmed_local", 0) or delta.get("new_confirmed_imported", 0):
            last_new = day
        rows.append(
            DailyReport(
                region_id=region_id,
                date=day,
                last_new_confirmed=last_new,
                **{field: delta.get(field, 0) for field in FLOWS},
                **stock,
            )
        )
    return rows


def _county_rows(
    cases: Iterable[tuple], severity: dict[object, list[tuple[dt.date, str]]]
) -> dict[str, list[DailyReport]]:
    changes: dict[str, Changes] = defaultdict(dict)
    for case in cases:
        _case_changes(case, severity.get(case[0], []), changes[case[1]])
    return {county: _rows_from_changes(county, county_changes) for county, county_changes in changes.items()}


def _severity_by_case(
    changes: Iterator[tuple[object, dt.date, str]],
) -> dict[object, list[tuple[dt.date, str]]]:
    by_case: dict[object, list[tuple[dt.date, str]]] = defaultdict(list)
    for case_id, day, severity in changes:
        by_case[case_id].append((day, severity))
    return by_case


def sum_rows(region_id: str, children: Iterable[list[DailyReport]]) -> list[DailyReport]:
    """A parent's rows: flows added on each day, each child's stock carried over the days it has no row."""
    changes: Changes = {}
    for rows in children:
        previous = dict.fromkeys(STOCKS, 0)
        for row in rows:
            delta = changes.setdefault(row.date, defaultdict(int))
            for field in FLOWS:
                delta[field] += getattr(row, field)
            for field, key in STOCK_DELTAS.items():
                delta[key] += getattr(row, field) - previous[field]
                previous[field] = getattr(row, field)
    return _rows_from_changes(region_id, changes)


def _rows_of(region_ids: Iterable[str]) -> dict[str, list[DailyReport]]:
    rows: dict[str, list[DailyReport]] = defaultdict(list)
    for row in DailyReport.objects.filter(region_id__in=list(region_ids)).order_by("region_id", "date"):
        rows[row.region_id].append(row)
    return rows


def _replace(region_ids: Iterable[str], rows: Iterable[DailyReport], batch_size: int = 5000) -> None:
    DailyReport.objects.filter(region_id__in=list(region_ids)).delete()
    DailyReport.objects.bulk_create(list(rows), batch_size=batch_size)


@transaction.atomic
def daily_reports_refresh(*, counties: Iterable[str]) -> None:
    """Recompute the reports of these counties, then of their prefectures and the province."""
    counties = sorted(set(counties))
    if not counties:
        return
    cases = Case.objects.filter(county_id__in=counties).values_list(*CASE_FIELDS)
    severity = _severity_by_case(
        SeverityChange.objects.filter(case__county_id__in=counties)
        .order_by("case_id", "date", "recorded_at")
        .values_list("case_id", "date", "severity")
        .iterator()
    )
    county_rows = _county_rows(cases.iterator(), severity)
    _replace(counties, (row for county in counties for row in county_rows.get(county, [])))
    _refresh_parents({county[:4] for county in counties})
    risk_levels_refresh(counties=counties)


def _refresh_parents(prefectures: set[str]) -> None:
    for prefecture in sorted(prefectures):
        children = Region.objects.filter(parent_id=prefecture).values_list("code", flat=True)
        rows = sum_rows(prefecture, _rows_of(children).values())
        _replace([prefecture], rows)
    province = "43"
    prefecture_codes = Region.objects.filter(level=Level.PREFECTURE).values_list("code", flat=True)
    _replace([province], sum_rows(province, _rows_of(prefecture_codes).values()))


@transaction.atomic
def daily_reports_rebuild() -> int:
    """Recompute every report from every case. Returns the number of rows written."""
    severity = _severity_by_case(
        SeverityChange.objects.order_by("case_id", "date", "recorded_at")
        .values_list("case_id", "date", "severity")
        .iterator(chunk_size=20_000)
    )
    county_rows = _county_rows(Case.objects.values_list(*CASE_FIELDS).iterator(chunk_size=20_000), severity)
    DailyReport.objects.all().delete()
    written = []
    for rows in county_rows.values():
        written.extend(rows)
    by_prefecture: dict[str, list[list[DailyReport]]] = defaultdict(list)
    for county, rows in county_rows.items():
        by_prefecture[county[:4]].append(rows)
    prefecture_rows = {code: sum_rows(code, children) for code, children in by_prefecture.items()}
    for rows in prefecture_rows.values():
        written.extend(rows)
    written.extend(sum_rows("43", prefecture_rows.values()))
    DailyReport.objects.bulk_create(written, batch_size=5000)
    risk_levels_compute()
    return len(written)
