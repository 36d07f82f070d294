"""What the epidemic dashboard draws, as plain data: chart payloads and the tables behind them.

Every chart has a table with the same numbers (shown under the chart and downloadable as CSV), and
both are built here from the same lists, so the picture, the table and the file cannot disagree.
Nothing here reads the database: the views pass in what the selectors returned.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.surveillance.choices import ResponseLevel, RiskLevel
from fangyi.surveillance.projection import Projection, project_new_cases
from fangyi.surveillance.rt import (
    DEFAULT_PRIOR_MEAN,
    DEFAULT_PRIOR_SD,
    DEFAULT_WINDOW,
    RtError,
    default_windows,
    estimate_rt,
    serial_interval,
)
from fangyi.surveillance.selectors import DayFigures, OnsetDay, ResponsePeriod

# Below this total infectivity in a window (the cases expected there if R were 1) the posterior of R
# mostly repeats the vague prior (mean 5): the estimate is left out rather than drawn as news.
MIN_INFECTIVITY = 2.0
RISK_ORDER: dict[str, int] = {RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}


@dataclass(frozen=True)
class RtPoint:
    """R_t over the window ending on `date` (the day it is plotted on)."""

    date_start: dt.date
    date: dt.date
    mean: float
    median: float
    q025: float
    q975: float


def rt_points(series: Sequence[DayFigures], window: int = DEFAULT_WINDOW) -> list[RtPoint]:
    """Cori's R_t by report date over sliding windows, where the data say something about R."""
    if len(series) < window + 1:
        return []
    try:
        windows = default_windows(len(series), window)
    except RtError:
        return []
    local = [day.new_confirmed_local for day in series]
    imported = [day.new_confirmed_imported for day in series]
    estimates = estimate_rt(local, imported, serial_interval(len(series)), windows)
    prior_rate = DEFAULT_PRIOR_MEAN / DEFAULT_PRIOR_SD**2
    points = []
    for estimate in estimates:
        if estimate.scale is None or estimate.mean is None:
            continue
        if 1 / estimate.scale - prior_rate < MIN_INFECTIVITY:
            continue
        points.append(
            RtPoint(
                date_start=series[estimate.t_start - 1].date,
                date=series[estimate.t_end - 1].date,
                mean=estimate.mean,
                median=estimate.median or 0.0,
                q025=estimate.q025 or 0.0,
                q975=estimate.q975 or 0.0,
            )
        )
    return points


def projection_after(series: Sequence[DayFigures], anchor: dt.date) -> Projection | None:
    """New cases projected for the days after `anchor` from the reports up to it."""
    history = [day for day in series if day.date <= anchor]
    if not history or history[-1].date != anchor:
        return None
    return project_new_cases(
        [day.new_confirmed_local for day in history],
        [day.new_confirmed_imported for day in history],
        anchor,
        min_infectivity=MIN_INFECTIVITY,
    )


# Tables ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header: stable, machine-readable
    label: str | Promise  # the table header, translated
    kind: str = "int"  # int, float, rate, date or text

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float", "rate")


@dataclass
class Table:
    """A chart's numbers: shown as an HTML table and downloadable as CSV."""

    name: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)

    def display_rows(self) -> list[list[tuple[str, bool]]]:
        """Each cell as (text, is a number): numbers are right-aligned in the table."""
        return [
            [(_display(value, c.kind), c.numeric) for value, c in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]

    def csv_text(self) -> str:
        out = io.StringIO()
        out.write("\ufeff")  # so that Excel reads the Chinese names as UTF-8
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([column.key for column in self.columns])
        for row in self.rows:
            writer.writerow([_machine(value) for value in row])
        return out.getvalue()


def _display(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "float":
        return f"{value:.2f}"
    if kind == "rate":
        return f"{value:.1%}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _machine(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


DATE = Column("date", _("Date"), "date")


def curve_table(series: Sequence[DayFigures]) -> Table:
    return Table(
        "curve",
        [
            DATE,
            Column("new_confirmed_local", _("Local")),
            Column("new_confirmed_imported", _("Imported")),
            Column("new_confirmed", _("New confirmed")),
        ],
        [[d.date, d.new_confirmed_local, d.new_confirmed_imported, d.new_confirmed] for d in series],
    )


def cumulative_table(series: Sequence[DayFigures]) -> Table:
    return Table(
        "cumulative",
        [
            DATE,
            Column("confirmed_cumulative", _("Confirmed, cumulative")),
            Column("cured_cumulative", _("Cured, cumulative")),
            Column("deaths_cumulative", _("Deaths, cumulative")),
            Column("in_hospital", _("In hospital")),
        ],
        [
            [d.date, d.confirmed_cumulative, d.cured_cumulative, d.deaths_cumulative, d.in_hospital]
            for d in series
        ],
    )


def onset_table(onset: Sequence[OnsetDay]) -> Table:
    return Table(
        "onset",
        [
            Column("onset_date", _("Onset date"), "date"),
            Column("local", _("Local")),
            Column("imported", _("Imported")),
            Column("total", _("Total")),
        ],
        [[d.date, d.local, d.imported, d.total] for d in onset],
    )


def rt_table(points: Sequence[RtPoint]) -> Table:
    return Table(
        "rt",
        [
            Column("date_start", _("Window from"), "date"),
            Column("date_end", _("Window to"), "date"),
            Column("mean", _("Mean R_t"), "float"),
            Column("q025", _("2.5%"), "float"),
            Column("median", _("Median"), "float"),
            Column("q975", _("97.5%"), "float"),
        ],
        [[p.date_start, p.date, p.mean, p.q025, p.median, p.q975] for p in points],
    )


def projection_table(projection: Projection | None, series: Sequence[DayFigures]) -> Table:
    """The projected days, with what was then reported where the reports reach that far."""
    reported = {d.date: d.new_confirmed for d in series}
    rows = []
    if projection is not None:
        rows = [
            [day, median, low, high, reported.get(day)]
            for day, median, low, high in zip(
                projection.dates, projection.median, projection.q025, projection.q975, strict=True
            )
        ]
    return Table(
        "projection",
        [
            DATE,
            Column("median", _("Projected (median)"), "float"),
            Column("q025", _("2.5%"), "float"),
            Column("q975", _("97.5%"), "float"),
            Column("reported", _("Reported")),
        ],
        rows,
    )


def response_table(timeline: Sequence[ResponsePeriod]) -> Table:
    """The province's response levels, oldest first (until: empty while in force)."""
    return Table(
        "response",
        [
            Column("start_date", _("From"), "date"),
            Column("end_date", _("Until"), "date"),
            Column("level", _("Level code"), "text"),
            Column("level_name", _("Response level"), "text"),
            Column("note", _("Note"), "text"),
        ],
        [
            [
                item.period.start_date,
                item.end_date,
                item.period.level,
                response_label(item.period.level),
                item.period.note,
            ]
            for item in timeline
        ],
    )


def response_label(level: str) -> str:
    return str(ResponseLevel(level).label) if level in ResponseLevel.values else level


@dataclass
class RegionRow:
    """One subdivision's figures on the chosen day, for the table and the map."""

    code: str
    official_code: str
    name: str
    url: str
    figures: DayFigures | None  # None: outside the jurisdiction
    risk: str = ""  # a county's level, or the highest of a prefecture's counties

    @property
    def risk_label(self) -> str:
        return str(RiskLevel(self.risk).label) if self.risk else ""


def regions_table(name: str, rows: Iterable[RegionRow]) -> Table:
    return Table(
        name,
        [
            Column("code", _("Code"), "text"),
            Column("name", _("Name"), "text"),
            Column("confirmed_cumulative", _("Confirmed, cumulative")),
            Column("in_hospital", _("Active (in hospital)")),
            Column("new_confirmed", _("New confirmed")),
            Column("cured_cumulative", _("Cured, cumulative")),
            Column("deaths_cumulative", _("Deaths, cumulative")),
            Column("risk_level", _("Risk level"), "text"),
        ],
        [
            [
                row.official_code,
                row.name,
                row.figures.confirmed_cumulative,
                row.figures.in_hospital,
                row.figures.new_confirmed,
                row.figures.cured_cumulative,
                row.figures.deaths_cumulative,
                row.risk,
            ]
            for row in rows
            if row.figures is not None
        ],
    )


def highest_risk(levels: Iterable[str]) -> str:
    ranked = [level for level in levels if level in RISK_ORDER]
    return max(ranked, key=RISK_ORDER.__getitem__) if ranked else ""


# Chart payloads (read by surveillance/dashboard.js through json_script) ------------------------------


def _day_axis(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _aligned(axis: Sequence[dt.date], values: dict[dt.date, Any]) -> list[Any]:
    return [values.get(day) for day in axis]


def _round(value: float) -> float:
    return round(value, 3)


def curve_payload(
    series: Sequence[DayFigures],
    points: Sequence[RtPoint],
    projection: Projection | None,
    selected: dt.date,
    responses: Sequence[ResponsePeriod] = (),
) -> dict[str, Any]:
    """Daily new confirmed by report date (stacked local/imported), the projection, and R_t below.

    `responses` are the province's response levels: each change within the plotted days is marked.
    """
    last = series[-1].date
    if projection is not None:
        last = max(last, projection.dates[-1])
    axis = _day_axis(series[0].date, last)
    marks = [
        {
            "date": item.period.start_date.isoformat(),
            "level": item.period.level,
            "label": response_label(item.period.level),
        }
        for item in responses
        if axis[0] <= item.period.start_date <= axis[-1]
    ]
    local = {d.date: d.new_confirmed_local for d in series}
    imported = {d.date: d.new_confirmed_imported for d in series}
    payload: dict[str, Any] = {
        "dates": [day.isoformat() for day in axis],
        "selected": selected.isoformat(),
        "local": _aligned(axis, local),
        "imported": _aligned(axis, imported),
        "rt": {
            "mean": _aligned(axis, {p.date: _round(p.mean) for p in points}),
            "low": _aligned(axis, {p.date: _round(p.q025) for p in points}),
            "high": _aligned(axis, {p.date: _round(p.q975) for p in points}),
        },
        "projection": None,
        "responses": marks,
        "labels": {
            "local": str(_("Local")),
            "imported": str(_("Imported")),
            "newCases": str(_("New confirmed")),
            "rt": str(_("R_t (mean)")),
            # xgettext:no-python-format
            "rtBand": str(_("R_t 95% interval")),
            "projection": str(_("Projected (median)")),
            # xgettext:no-python-format
            "projectionBand": str(_("Projected 95% interval")),
            "threshold": str(_("R = 1")),
            "selected": str(_("Selected day")),
        },
    }
    if projection is not None:
        payload["projection"] = {
            "median": _aligned(
                axis, dict(zip(projection.dates, map(_round, projection.median), strict=True))
            ),
            "low": _aligned(axis, dict(zip(projection.dates, map(_round, projection.q025), strict=True))),
            "high": _aligned(axis, dict(zip(projection.dates, map(_round, projection.q975), strict=True))),
        }
    return payload


def onset_payload(onset: Sequence[OnsetDay]) -> dict[str, Any]:
    return {
        "dates": [d.date.isoformat() for d in onset],
        "local": [d.local for d in onset],
        "imported": [d.imported for d in onset],
        "labels": {"local": str(_("Local")), "imported": str(_("Imported"))},
    }


def cumulative_payload(series: Sequence[DayFigures], selected: dt.date) -> dict[str, Any]:
    def values(get: Callable[[DayFigures], int]) -> list[int]:
        return [get(d) for d in series]

    return {
        "dates": [d.date.isoformat() for d in series],
        "selected": selected.isoformat(),
        "series": [
            {
                "key": "confirmed",
                "name": str(_("Confirmed, cumulative")),
                "data": values(lambda d: d.confirmed_cumulative),
            },
            {
                "key": "cured",
                "name": str(_("Cured, cumulative")),
                "data": values(lambda d: d.cured_cumulative),
            },
            {
                "key": "deaths",
                "name": str(_("Deaths, cumulative")),
                "data": values(lambda d: d.deaths_cumulative),
            },
            {"key": "hospital", "name": str(_("In hospital")), "data": values(lambda d: d.in_hospital)},
        ],
        "labels": {"selected": str(_("Selected day"))},
    }


def map_values(rows: Iterable[RegionRow]) -> dict[str, dict[str, Any]]:
    """Figures by official code (the GeoJSON's `code`) for the choropleth; None outside jurisdiction."""
    values: dict[str, dict[str, Any]] = {}
    for row in rows:
        figures = row.figures
        values[row.official_code] = {
            "name": row.name,
            "url": row.url,
            "cumulative": figures.confirmed_cumulative if figures else None,
            "active": figures.in_hospital if figures else None,
            "new": figures.new_confirmed if figures else None,
            "risk": row.risk or None,
        }
    return values


def map_labels() -> dict[str, Any]:
    return {
        "measures": {
            "cumulative": str(_("Confirmed, cumulative")),
            "active": str(_("Active (in hospital)")),
            "risk": str(_("Risk level")),
        },
        "new": str(_("New confirmed")),
        "risk": {level.value: str(level.label) for level in RiskLevel},
        "noData": str(_("no data")),
        "outside": str(_("outside your jurisdiction")),
    }
