"""Reading a laboratory's result file: CSV or Excel .xlsx with the columns barcode, result,
ct_value, operator and optionally reported_at, under Chinese or English headers. The file reading
is the resident import's (fangyi.people.imports); this module knows the columns and turns each
row's text into values the result service checks. Pure parsing: nothing touches the database.
"""

import dataclasses
import datetime as dt

from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.labs.choices import Result
from fangyi.labs.errors import LabsError
from fangyi.people.imports import ImportRow, rows_from_file

RESULT_HEADER_ALIASES: dict[str, str] = {
    "条码": "barcode",
    "条形码": "barcode",
    "样本条码": "barcode",
    "barcode": "barcode",
    "结果": "result",
    "检测结果": "result",
    "result": "result",
    "ct值": "ct_value",
    "ct": "ct_value",
    "ct_value": "ct_value",
    "ctvalue": "ct_value",
    "检测人": "operator",
    "操作员": "operator",
    "operator": "operator",
    "报告时间": "reported_at",
    "reported_at": "reported_at",
    "reportedat": "reported_at",
}
RESULT_REQUIRED_COLUMNS = ("barcode", "result", "operator")
RESULT_FIELDS = ("barcode", "result", "ct_value", "operator", "reported_at")
RESULT_NAMES = {
    "阴性": Result.NEGATIVE,
    "阳性": Result.POSITIVE,
    "可疑": Result.INCONCLUSIVE,
    "不确定": Result.INCONCLUSIVE,
    "待复检": Result.INCONCLUSIVE,
}


def result_rows_from_file(*, name: str, content: bytes) -> list[ImportRow]:
    """Every non-blank row of a result file, or a DomainError about the whole file."""
    return rows_from_file(
        name=name,
        content=content,
        aliases=RESULT_HEADER_ALIASES,
        required=RESULT_REQUIRED_COLUMNS,
        fields=RESULT_FIELDS,
        no_rows=_("The file has a header row but no results."),
    )


@dataclasses.dataclass(frozen=True)
class ResultRow:
    barcode: str
    result: str
    ct_value: str
    operator: str
    reported_at: dt.datetime | None


def _moment(text: str) -> dt.datetime | None:
    """2020-02-01 14:30 (Shanghai time, as the lab's clock shows it), or ISO 8601 with a zone."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise LabsError(
            "import.invalid_datetime",
            _("“%(value)s” is not a time: write it as 2020-02-01 14:30."),
            field="reported_at",
            value=text[:32],
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.SHANGHAI)


def result_row_parse(values: dict[str, str]) -> ResultRow:
    """One row's values; the barcode, result, Ct and operator are checked by the result service."""
    result = values.get("result", "").strip()
    return ResultRow(
        barcode=values.get("barcode", ""),
        result=RESULT_NAMES.get(result, result),
        ct_value=values.get("ct_value", ""),
        operator=values.get("operator", ""),
        reported_at=_moment(values.get("reported_at", "")),
    )
