"""County risk levels by the 2020 national protocol (thresholds from versioned `RiskRuleSet` rows).

On a day `d`, with the rule set in force on `d` (the latest whose `effective_from` ≤ d), a window
of W days (d-W+1 … d), a cumulative threshold T and a cluster size C:

- low: no confirmed case yet, or no new confirmed case in the window (W consecutive days);
- high: more than T confirmed in all and a cluster within the window (C or more of its cases
  confirmed inside the window);
- medium: otherwise (new cases in the window and at most T in all, or more than T without a
  cluster within the window).

The figures come from the county's daily reports. One row per county per day is kept (the history);
the reason is stored as a code with its parameters (JSON in `reason`) and rendered in the reader's
language by `reason_text`.
"""

import bisect
import dataclasses
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from fangyi.core import clock
from fangyi.regions.choices import Level
from fangyi.regions.models import Region
from fangyi.surveillance.choices import RiskLevel
from fangyi.surveillance.models import Case, CountyRiskLevel, DailyReport, RiskRuleSet

# Reason codes, with the text each renders to (parameters by name).
NO_CASES = "no_cases"
QUIET = "quiet"
NEW_CASES = "new_cases"
NO_CLUSTER = "over_threshold_no_cluster"
CLUSTER = "over_threshold_cluster"

_NEW = ngettext_lazy(
    "%(new)s new confirmed case within %(days)s days, %(cumulative)s cumulative.",
    "%(new)s new confirmed cases within %(days)s days, %(cumulative)s cumulative.",
    "new",
)
REASON_TEXTS: dict[str, list[Any]] = {
    NO_CASES: [_("No confirmed case.")],
    QUIET: [
        ngettext_lazy(
            "No new confirmed case for %(quiet_days)s day, %(cumulative)s cumulative.",
            "No new confirmed case for %(quiet_days)s consecutive days, %(cumulative)s cumulative.",
            "quiet_days",
        )
    ],
    NEW_CASES: [_NEW],
    NO_CLUSTER: [
        _NEW,
        _("More than %(threshold)s cumulative and no cluster within %(days)s days."),
    ],
    CLUSTER: [
        _NEW,
        ngettext_lazy(
            "More than %(threshold)s cumulative and %(clusters)s cluster within %(days)s days.",
            "More than %(threshold)s cumulative and %(clusters)s clusters within %(days)s days.",
            "clusters",
        ),
    ],
}


@dataclasses.dataclass(frozen=True)
class Assessment:
    """A county's level on a day, the rule set that gave it, and why."""

    county_id: str
    date: dt.date
    level: str
    rule_set: RiskRuleSet
    code: str
    params: dict[str, int]
    stored: bool = False

    @property
    def reason(self) -> str:
        return reason_text(self.code, self.params)

    @property
    def level_label(self) -> str:
        return str(RiskLevel(self.level).label)

    def encoded_reason(self) -> str:
        return encode_reason(self.code, self.params)


def encode_reason(code: str, params: dict[str, int]) -> str:
    return json.dumps({"code": code, "params": params}, separators=(",", ":"), sort_keys=True)


def decode_reason(stored: str) -> tuple[str, dict[str, int]]:
    """(code, params) of a stored reason; text that is not ours comes back as its own code."""
    try:
        data = json.loads(stored)
        return str(data["code"]), dict(data.get("params") or {})
    except (ValueError, TypeError, KeyError):
        return stored, {}


def reason_text(code: str, params: dict[str, int]) -> str:
    """The reason in the active language."""
    texts = REASON_TEXTS.get(code)
    if texts is None:
        return code
    try:
        return " ".join(str(text % params) for text in texts)
    except (KeyError, TypeError, ValueError):
        return code


def stored_reason_text(stored: str) -> str:
    return reason_text(*decode_reason(stored))


# Rule sets ---------------------------------------------------------------------------------------


class RuleSets:
    """The rule sets, oldest first, to find the one in force on a day."""

    def __init__(self, rule_sets: Iterable[RiskRuleSet] | None = None) -> None:
        found = rule_sets if rule_sets is not None else RiskRuleSet.objects.all()
        self.items = sorted(found, key=lambda r: r.effective_from)
        self._starts = [r.effective_from for r in self.items]

    def on(self, day: dt.date) -> RiskRuleSet | None:
        index = bisect.bisect_right(self._starts, day)
        return self.items[index - 1] if index else None

    @property
    def max_window(self) -> int:
        return max((max(r.window_days, 1) for r in self.items), default=14)


def rule_set_on(day: dt.date) -> RiskRuleSet | None:
    """The rule set in force on `day`: the latest whose effective date is on or before it."""
    return RiskRuleSet.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


# The rule ----------------------------------------------------------------------------------------


def classify(
    *, rule_set: RiskRuleSet, cumulative: int, new_in_window: int, clusters: int, quiet_days: int | None
) -> tuple[str, str, dict[str, int]]:
    """(level, reason code, reason parameters) from the figures of one day."""
    days = rule_set.window_days
    if cumulative == 0:
        return RiskLevel.LOW, NO_CASES, {}
    if new_in_window == 0:
        quiet = quiet_days if quiet_days is not None and quiet_days >= days else days
        return RiskLevel.LOW, QUIET, {"quiet_days": quiet, "cumulative": cumulative}
    params = {"new": new_in_window, "days": days, "cumulative": cumulative}
    if cumulative <= rule_set.cumulative_threshold:
        return RiskLevel.MEDIUM, NEW_CASES, params
    params["threshold"] = rule_set.cumulative_threshold
    if clusters:
        return RiskLevel.HIGH, CLUSTER, {**params, "clusters": clusters}
    return RiskLevel.MEDIUM, NO_CLUSTER, params


def _cluster_dates(counties: Sequence[str]) -> dict[str, list[list[dt.date]]]:
    """Per county, the sorted confirmation dates of each cluster located in it."""
    inside = Q(pk__in=[])
    for county in counties:
        inside |= Q(cluster__region__code__startswith=county)
    rows = Case.objects.filter(inside, cluster__isnull=False, confirmed_date__isnull=False)
    by_cluster: dict[int, list[dt.date]] = defaultdict(list)
    county_of: dict[int, str] = {}
    for cluster_id, region_id, confirmed in rows.values_list(
        "cluster_id", "cluster__region_id", "confirmed_date"
    ):
        if confirmed is not None and cluster_id is not None:
            by_cluster[cluster_id].append(confirmed)
        county_of[cluster_id] = region_id[:6]
    result: dict[str, list[list[dt.date]]] = defaultdict(list)
    for cluster_id, dates in by_cluster.items():
        result[county_of[cluster_id]].append(sorted(dates))
    return result


def _clusters_within(clusters: list[list[dt.date]], day: dt.date, window: int, minimum: int) -> int:
    first = day - dt.timedelta(days=window - 1)
    return sum(
        1
        for dates in clusters
        if bisect.bisect_right(dates, day) - bisect.bisect_left(dates, first) >= max(minimum, 1)
    )


def _assess_county(
    county: Region,
    start: dt.date,
    end: dt.date,
    rule_sets: RuleSets,
    clusters: list[list[dt.date]],
) -> list[Assessment]:
    """The county's level on every day from `start` to `end` (days without a rule set are skipped)."""
    from fangyi.surveillance.selectors import report_series  # selectors reads this module

    lead = rule_sets.max_window - 1
    series = report_series(region=county, start=start - dt.timedelta(days=lead), end=end)
    running = [0]
    for figures in series:
        running.append(running[-1] + figures.new_confirmed)
    assessments = []
    for index in range(lead, len(series)):
        figures = series[index]
        rule_set = rule_sets.on(figures.date)
        if rule_set is None:
            continue
        window = max(rule_set.window_days, 1)
        new_in_window = running[index + 1] - running[max(index + 1 - window, 0)]
        level, code, params = classify(
            rule_set=rule_set,
            cumulative=figures.confirmed_cumulative,
            new_in_window=new_in_window,
            clusters=_clusters_within(clusters, figures.date, window, rule_set.cluster_min_cases),
            quiet_days=figures.days_since_last_new_confirmed,
        )
        assessments.append(
            Assessment(
                county_id=county.code,
                date=figures.date,
                level=level,
                rule_set=rule_set,
                code=code,
                params=params,
            )
        )
    return assessments


def _counties(codes: Iterable[str] | None) -> list[Region]:
    regions = Region.objects.filter(level=Level.COUNTY)
    if codes is not None:
        regions = regions.filter(code__in=sorted(set(codes)))
    return list(regions.order_by("code"))


@transaction.atomic
def risk_levels_compute(
    *,
    counties: Iterable[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> int:
    """Compute and store (upsert) each county's level on each day. Returns the rows written.

    `counties`: county codes (default: every county). With `start` and `end`, exactly those days.
    Without them, each county's days from its first report to its last report + the window, and
    the county's rows outside that span are removed (a county without reports keeps none: it has
    no confirmed case, which reads as low).
    """
    if start is not None and end is not None and start > end:
        return 0
    rule_sets = RuleSets()
    if not rule_sets.items:
        return 0
    regions = _counties(counties)
    if not regions:
        return 0
    codes = [r.code for r in regions]
    spans = {
        row["region_id"]: (row["first"], row["last"])
        for row in DailyReport.objects.filter(region_id__in=codes)
        .order_by()
        .values("region_id")
        .annotate(first=Min("date"), last=Max("date"))
    }
    clusters = _cluster_dates(codes)
    now = clock.now()
    rows: list[CountyRiskLevel] = []
    for county in regions:
        if start is not None and end is not None:
            first, last = start, end
        elif county.code in spans:
            first, last = spans[county.code]
            first = start or first
            last = end or last + dt.timedelta(days=rule_sets.max_window)
            if start is None and end is None:
                CountyRiskLevel.objects.filter(county=county).exclude(date__range=(first, last)).delete()
        else:
            if start is None and end is None:
                CountyRiskLevel.objects.filter(county=county).delete()
            continue
        first = max(first, rule_sets.items[0].effective_from)  # no rule set, no level
        for item in _assess_county(county, first, last, rule_sets, clusters.get(county.code, [])):
            rows.append(
                CountyRiskLevel(
                    county_id=item.county_id,
                    date=item.date,
                    level=item.level,
                    rule_set=item.rule_set,
                    reason=item.encoded_reason(),
                    computed_at=now,
                )
            )
    CountyRiskLevel.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["county", "date"],
        update_fields=["level", "rule_set", "reason", "computed_at"],
    )
    return len(rows)


def risk_levels_refresh(*, counties: Iterable[str]) -> int:
    """Recompute the counties whose reports changed, and those holding clusters of their cases."""
    codes = {code[:6] for code in counties}
    if not codes:
        return 0
    cluster_regions = (
        Case.objects.filter(county_id__in=sorted(codes), cluster__isnull=False)
        .values_list("cluster__region_id", flat=True)
        .distinct()
    )
    codes |= {code[:6] for code in cluster_regions}
    return risk_levels_compute(counties=sorted(codes))


# Reading -----------------------------------------------------------------------------------------


def _from_row(row: CountyRiskLevel) -> Assessment:
    code, params = decode_reason(row.reason)
    return Assessment(
        county_id=row.county_id,
        date=row.date,
        level=row.level,
        rule_set=row.rule_set,
        code=code,
        params=params,
        stored=True,
    )


def assess_on(*, county: Region, date: dt.date) -> Assessment | None:
    """Compute one day's level without storing it (None: no rule set in force)."""
    if rule_set_on(date) is None:
        return None
    found = _assess_county(county, date, date, RuleSets(), _cluster_dates([county.code]).get(county.code, []))
    return found[0] if found else None


def level_on(*, county: Region, date: dt.date) -> Assessment | None:
    """The county's level on `date`: its stored row; after the last stored day, that day's level
    carried forward if it was low under the same rule set (nothing has happened since); otherwise
    computed on read."""
    return levels_on(counties=[county], date=date).get(county.code)


def levels_on(*, counties: Sequence[Region], date: dt.date) -> dict[str, Assessment | None]:
    """`level_on` for many counties in a few queries."""
    codes = [c.code for c in counties]
    found: dict[str, Assessment | None] = {}
    for row in CountyRiskLevel.objects.filter(county_id__in=codes, date=date).select_related("rule_set"):
        found[row.county_id] = _from_row(row)
    rest = [c for c in counties if c.code not in found]
    if not rest:
        return found
    rule_set = rule_set_on(date)
    if rule_set is None:
        return {**found, **{c.code: None for c in rest}}
    latest = dict(
        CountyRiskLevel.objects.filter(county_id__in=[c.code for c in rest], date__lt=date)
        .values("county_id")
        .annotate(last=Max("date"))
        .values_list("county_id", "last")
    )
    carried: dict[str, CountyRiskLevel] = {}
    if latest:
        candidates = CountyRiskLevel.objects.filter(
            county_id__in=list(latest), date__in=set(latest.values())
        ).select_related("rule_set")
        carried = {row.county_id: row for row in candidates if latest[row.county_id] == row.date}
    with_reports = set(
        DailyReport.objects.filter(region_id__in=[c.code for c in rest], date__lte=date)
        .values_list("region_id", flat=True)
        .distinct()
    )
    for county in rest:
        last = carried.get(county.code)
        if last is not None and last.level == RiskLevel.LOW and last.rule_set_id == rule_set.pk:
            carried_on = _from_row(last)
            params = dict(carried_on.params)
            if carried_on.code == QUIET and "quiet_days" in params:
                params["quiet_days"] += (date - last.date).days
            found[county.code] = dataclasses.replace(carried_on, date=date, params=params, stored=False)
        elif county.code not in with_reports:
            found[county.code] = Assessment(county.code, date, RiskLevel.LOW, rule_set, NO_CASES, {})
        else:
            found[county.code] = assess_on(county=county, date=date)
    return found


def history(*, county: Region, start: dt.date | None = None, end: dt.date | None = None) -> list[Assessment]:
    """The stored levels of a county, oldest first."""
    rows = CountyRiskLevel.objects.filter(county=county).select_related("rule_set").order_by("date")
    if start is not None:
        rows = rows.filter(date__gte=start)
    if end is not None:
        rows = rows.filter(date__lte=end)
    return [_from_row(row) for row in rows]
