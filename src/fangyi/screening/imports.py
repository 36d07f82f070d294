"""Reading travel and location records: CSV (as resident lists are read) or Parquet, with the
columns id_number | phone | phone_hash, area_code, at, source. Pure parsing and row checks; the
area codes are checked against the regions by the service, in bulk.
"""

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from fangyi.core import clock, pii
from fangyi.core.errors import DomainError
from fangyi.core.validators import normalize_phone, parse_id_number
from fangyi.people.errors import (
    import_missing_columns,
    import_no_rows,
    import_too_many_rows,
    import_unreadable,
)
from fangyi.people.imports import MAX_IMPORT_BYTES as PEOPLE_MAX_IMPORT_BYTES
from fangyi.people.imports import MAX_IMPORT_ROWS, ImportRow, check_size, rows_from_file
from fangyi.screening.areas import normalise
from fangyi.screening.choices import SubjectKind, TravelSource
from fangyi.screening.errors import travel_invalid

TRAVEL_IMPORT_JOB_KIND = "screening.travel_import"
MAX_IMPORT_BYTES = PEOPLE_MAX_IMPORT_BYTES
SUBJECT_COLUMNS = ("id_number", "phone", "phone_hash")
REQUIRED_COLUMNS = ("area_code", "at", "source")
FIELDS = (*SUBJECT_COLUMNS, *REQUIRED_COLUMNS)
HEADER_ALIASES: dict[str, str] = {
    **{name: name for name in FIELDS},
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "手机号": "phone",
    "手机号码": "phone",
    "地区代码": "area_code",
    "区划代码": "area_code",
    "时间": "at",
    "来源": "source",
}
_HASH = re.compile(r"^[0-9a-f]{64}$")
_SOURCE_WORDS = {
    "铁路": TravelSource.RAIL,
    "民航": TravelSource.AIR,
    "公路": TravelSource.ROAD,
    "卡口": TravelSource.ROAD,
    "通信": TravelSource.TELECOM,
    "漫游": TravelSource.TELECOM,
    "门禁": TravelSource.GATE,
}


@dataclass(frozen=True)
class Sighting:
    """One checked row: the keyed hash of its subject, the area path, the aware UTC time."""

    line: int
    subject_kind: str
    subject_hash: str
    area_code: str
    at: dt.datetime
    source: str

    @property
    def key(self) -> tuple[str, str, dt.datetime, str]:
        return (self.subject_hash, self.area_code, self.at, self.source)


def rows_from_upload(*, name: str, content: bytes) -> list[ImportRow]:
    """Every data row of a CSV, Excel or Parquet file (a DomainError about the file as a whole).

    A row naming nobody is a row error, not a file error: a file without any subject column
    reports every row."""
    check_size(content)
    if content[:4] == b"PAR1" or name.lower().endswith(".parquet"):
        return _parquet_rows(content)
    return rows_from_file(
        name=name, content=content, aliases=HEADER_ALIASES, required=REQUIRED_COLUMNS, fields=FIELDS
    )


def _parquet_rows(content: bytes) -> list[ImportRow]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(content))
    except (pa.ArrowException, OSError, ValueError):
        raise import_unreadable() from None
    columns: dict[str, str] = {}
    for name in table.column_names:
        key = HEADER_ALIASES.get(name.replace(" ", "").lower())
        if key and key not in columns.values():
            columns[name] = key
    missing = [column for column in REQUIRED_COLUMNS if column not in columns.values()]
    if missing:
        raise import_missing_columns(", ".join(missing))
    if not table.num_rows:
        raise import_no_rows()
    if table.num_rows > MAX_IMPORT_ROWS:
        raise import_too_many_rows(MAX_IMPORT_ROWS)
    data = {key: table.column(name).to_pylist() for name, key in columns.items()}
    rows = [
        ImportRow(
            line=number + 1,
            values={field: _text(data[field][number]) if field in data else "" for field in FIELDS},
        )
        for number in range(table.num_rows)
    ]
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).strip()


def parse_at(raw: str) -> dt.datetime:
    """An ISO date-time (local time in Asia/Shanghai when it carries no offset) as aware UTC."""
    value = (raw or "").strip()
    try:
        if len(value) < 16:  # a date alone, or garbage
            raise ValueError(value)
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise travel_invalid(
            "bad_time",
            _("“%(value)s” is not a date and time: use ISO 8601, e.g. 2020-01-18 08:30."),
            "at",
            value=value,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.SHANGHAI)
    moment = moment.astimezone(dt.UTC)
    if moment > clock.now():
        raise travel_invalid("future_time", _("The time of the record is in the future."), "at")
    return moment


def parse_source(raw: str) -> str:
    value = (raw or "").strip().lower()
    value = _SOURCE_WORDS.get(value, value)
    if value not in TravelSource.values:
        raise travel_invalid(
            "unknown_source",
            _("“%(value)s” is not a source: use rail, air, road, telecom or gate."),
            "source",
            value=raw,
        )
    return value


def parse_subject(values: dict[str, str]) -> tuple[str, str]:
    """(subject kind, keyed hash) from the identity number, else the phone, else a phone hash."""
    if values.get("id_number"):
        number = parse_id_number(values["id_number"])
        return SubjectKind.ID_NUMBER, pii.lookup_hash("id", number.value)
    if values.get("phone"):
        return SubjectKind.PHONE, pii.lookup_hash("phone", normalize_phone(values["phone"]))
    if values.get("phone_hash"):
        digest = values["phone_hash"].strip().lower()
        if not _HASH.match(digest):
            raise travel_invalid(
                "bad_phone_hash", _("A phone hash is 64 hexadecimal characters."), "phone_hash"
            )
        return SubjectKind.PHONE, digest
    raise travel_invalid(
        "no_subject",
        _("The row names nobody: give an identity number, a phone or a phone hash."),
        "id_number",
    )


def parse_row(row: ImportRow) -> Sighting:
    """Check one row (the area code's shape only; whether the area exists is asked in bulk)."""
    kind, digest = parse_subject(row.values)
    return Sighting(
        line=row.line,
        subject_kind=kind,
        subject_hash=digest,
        area_code=normalise(row.values.get("area_code", ""), entity="travel"),
        at=parse_at(row.values.get("at", "")),
        source=parse_source(row.values.get("source", "")),
    )


def parse_rows(rows: Iterable[ImportRow]) -> tuple[list[Sighting], list[dict[str, Any]]]:
    """The good rows and the row errors (line, code, message, field) of the bad ones."""
    good: list[Sighting] = []
    errors: list[dict[str, Any]] = []
    for row in rows:
        try:
            good.append(parse_row(row))
        except DomainError as exc:
            errors.append(exc.as_row_error(row.line))
    return good, errors
