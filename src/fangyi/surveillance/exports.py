"""Daily reports as a spreadsheet: CSV (UTF-8 with a BOM, so Excel reads the Chinese) or .xlsx.

Headers are rendered in the active language; call inside `translation.override(...)`.
"""

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.surveillance.selectors import DayFigures, RegionReport

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BOM = "\ufeff"

Cell = str | int | float | dt.date | None


@dataclasses.dataclass(frozen=True)
class Column:
    key: str
    header: str | Promise
    value: Callable[[DayFigures], Cell]


def _rate(value: float | None, digits: int = 4) -> float | None:
    return round(value, digits) if value is not None else None


COLUMNS = [
    Column("date", _("Date"), lambda d: d.date),
    Column("new_confirmed", _("New confirmed"), lambda d: d.new_confirmed),
    Column("new_confirmed_local", _("New confirmed (local)"), lambda d: d.new_confirmed_local),
    Column("new_confirmed_imported", _("New confirmed (imported)"), lambda d: d.new_confirmed_imported),
    Column("confirmed_cumulative", _("Confirmed, cumulative"), lambda d: d.confirmed_cumulative),
    Column(
        "confirmed_local_cumulative",
        _("Local confirmed, cumulative"),
        lambda d: d.confirmed_local_cumulative,
    ),
    Column("new_asymptomatic", _("New asymptomatic infections"), lambda d: d.new_asymptomatic),
    Column("suspected_pending", _("Suspected under investigation"), lambda d: d.suspected_pending),
    Column("in_hospital", _("Confirmed in hospital"), lambda d: d.in_hospital),
    Column("severe_now", _("Severe now"), lambda d: d.severe_now),
    Column("critical_now", _("Critical now"), lambda d: d.critical_now),
    Column("new_cured", _("Newly cured"), lambda d: d.new_cured),
    Column("cured_cumulative", _("Cured, cumulative"), lambda d: d.cured_cumulative),
    Column("new_deaths", _("New deaths"), lambda d: d.new_deaths),
    Column("deaths_cumulative", _("Deaths, cumulative"), lambda d: d.deaths_cumulative),
    Column("cure_rate", _("Cure rate"), lambda d: _rate(d.cure_rate)),
    Column("case_fatality", _("Case fatality"), lambda d: _rate(d.case_fatality)),
    Column(
        "infection_rate_per_million",
        _("Confirmed per million residents"),
        lambda d: _rate(d.infection_rate_per_million, 2),
    ),
    Column("last_new_confirmed", _("Last new confirmed case"), lambda d: d.last_new_confirmed),
    Column(
        "days_since_last_new_confirmed",
        _("Days since the last new confirmed case"),
        lambda d: d.days_since_last_new_confirmed,
    ),
]
REGION_HEADERS = (_("Region code"), _("Region"))


def report_table(report: RegionReport) -> tuple[list[str], list[list[Cell]]]:
    """The header row (in the active language) and one row per day."""
    headers = [str(h) for h in REGION_HEADERS] + [str(c.header) for c in COLUMNS]
    code, name = report.region.official_code, report.region.name
    rows: list[list[Cell]] = [[code, name, *(c.value(day) for c in COLUMNS)] for day in report.days]
    return headers, rows


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_csv(headers: list[str], rows: list[list[Cell]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return (BOM + out.getvalue()).encode("utf-8")


def to_xlsx(headers: list[str], rows: list[list[Cell]], *, title: str) -> bytes:
    from openpyxl import Workbook  # only the export needs it

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\") or "report"
    return cleaned[:31]


def report_export(report: RegionReport, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the report in `fmt` (csv or xlsx)."""
    headers, rows = report_table(report)
    code = report.region.official_code
    span = f"{report.days[0].date:%Y%m%d}-{report.days[-1].date:%Y%m%d}" if report.days else "empty"
    name = f"fangyi-reports-{code}-{span}.{fmt}"
    if fmt == XLSX:
        return to_xlsx(headers, rows, title=code), CONTENT_TYPES[XLSX], name
    return to_csv(headers, rows), CONTENT_TYPES[CSV], name
