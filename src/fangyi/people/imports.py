"""Reading resident lists uploaded by county staff: CSV (UTF-8, with or without BOM, or GB18030)
and Excel .xlsx, with Chinese or English column headers. Pure parsing; nothing touches the database.
"""

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from fangyi.people.errors import (
    import_empty,
    import_missing_columns,
    import_no_rows,
    import_too_large,
    import_too_many_rows,
    import_unreadable,
)

MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 100_000

# Header text (stripped, lower-cased, spaces removed) → field of person_build.
HEADER_ALIASES: dict[str, str] = {
    "姓名": "name",
    "name": "name",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "id_number": "id_number",
    "idnumber": "id_number",
    "手机号": "phone",
    "手机号码": "phone",
    "手机": "phone",
    "联系电话": "phone",
    "phone": "phone",
    "村社区代码": "home_region",
    "村（社区）代码": "home_region",
    "村(社区)代码": "home_region",
    "home_region": "home_region",
    "homeregion": "home_region",
    "地址": "address",
    "住址": "address",
    "address": "address",
}
REQUIRED_COLUMNS = ("name", "id_number", "home_region")
FIELDS = ("name", "id_number", "home_region", "phone", "address")


@dataclass(frozen=True)
class ImportRow:
    """One resident from a file; `line` is the line (CSV) or row (Excel) number users see."""

    line: int
    values: dict[str, str]


def check_size(content: bytes) -> None:
    if not content:
        raise import_empty()
    if len(content) > MAX_IMPORT_BYTES:
        raise import_too_large(MAX_IMPORT_BYTES // (1024 * 1024))


def rows_from_file(
    *,
    name: str,
    content: bytes,
    aliases: dict[str, str] = HEADER_ALIASES,
    required: tuple[str, ...] = REQUIRED_COLUMNS,
    fields: tuple[str, ...] = FIELDS,
    no_rows: str | Promise | None = None,
) -> list[ImportRow]:
    """Every non-blank data row of the file, or a PeopleError about the whole file.

    `aliases` maps header text (stripped, lower-cased, spaces removed) to field names; the defaults
    are the resident list's. Other lists (cases, results) pass their own, and `no_rows`, the
    message for a file with a header and nothing under it.
    """
    check_size(content)
    if content[:4] == b"PK\x03\x04" or name.lower().endswith((".xlsx", ".xlsm")):
        table = _xlsx_rows(content)
    else:
        table = _csv_rows(_decode(content))
    return _records(table, aliases=aliases, required=required, fields=fields, no_rows=no_rows)


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise import_unreadable() from None


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    if "\x00" in text:
        raise import_unreadable()
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",\t;", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error:
        raise import_unreadable() from None


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise import_unreadable() from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """Excel stores numbers typed into cells (codes, phones) as numbers: give their digits back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _records(
    table: Iterable[tuple[int, list[str]]],
    *,
    aliases: dict[str, str],
    required: tuple[str, ...],
    fields: tuple[str, ...],
    no_rows: str | Promise | None,
) -> list[ImportRow]:
    columns: dict[int, str] | None = None
    rows: list[ImportRow] = []
    for line, cells in table:
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if columns is None:
            columns = {}
            for index, header in enumerate(cells):
                key = aliases.get(header.replace(" ", "").replace("\ufeff", "").lower())
                if key and key not in columns.values():
                    columns[index] = key
            missing = [column for column in required if column not in columns.values()]
            if missing:
                raise import_missing_columns(", ".join(missing))
            continue
        values = dict.fromkeys(fields, "")
        for index, key in columns.items():
            if index < len(cells):
                values[key] = cells[index]
        rows.append(ImportRow(line=line, values=values))
        if len(rows) > MAX_IMPORT_ROWS:
            raise import_too_many_rows(MAX_IMPORT_ROWS)
    if columns is None:
        raise import_empty()
    if not rows:
        raise import_no_rows(no_rows)
    return rows
