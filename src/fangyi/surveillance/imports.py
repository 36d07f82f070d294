"""Reading case line lists: CSV (UTF-8, with or without BOM, or GB18030) and Excel .xlsx, with
Chinese or English headers. The file reading is the resident import's (fangyi.people.imports);
this module knows the line list's columns and turns each row's text into typed values. Pure
parsing: nothing touches the database.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from fangyi.people.imports import ImportRow, rows_from_file
from fangyi.surveillance.choices import Classification, ConfirmationMethod, Origin, Outcome, Severity
from fangyi.surveillance.errors import SurveillanceError

# Header text (stripped, lower-cased, spaces removed) → field.
CASE_HEADER_ALIASES: dict[str, str] = {
    "编号": "external_id",
    "病例编号": "external_id",
    "external_id": "external_id",
    "externalid": "external_id",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "id_number": "id_number",
    "idnumber": "id_number",
    "姓名": "name",
    "name": "name",
    "分类": "classification",
    "病例分类": "classification",
    "classification": "classification",
    "发病日期": "onset_date",
    "onset_date": "onset_date",
    "报告日期": "report_date",
    "report_date": "report_date",
    "确诊日期": "confirmed_date",
    "confirmed_date": "confirmed_date",
    "确诊方式": "confirmation_method",
    "confirmation_method": "confirmation_method",
    "排除日期": "excluded_date",
    "excluded_date": "excluded_date",
    "现住址代码": "residence",
    "现住址": "residence",
    "residence": "residence",
    "报告单位": "reporting_unit",
    "reporting_unit": "reporting_unit",
    "输入/本地": "origin",
    "本地/输入": "origin",
    "输入或本地": "origin",
    "病例来源": "origin",
    "origin": "origin",
    "来源地": "source_area",
    "source_area": "source_area",
    "临床严重程度": "severity",
    "临床分型": "severity",
    "病情": "severity",
    "severity": "severity",
    "转归": "outcome",
    "outcome": "outcome",
    "转归日期": "outcome_date",
    "outcome_date": "outcome_date",
    "症状": "symptoms",
    "symptoms": "symptoms",
}
CASE_REQUIRED_COLUMNS = (
    "external_id",
    "id_number",
    "classification",
    "report_date",
    "residence",
    "reporting_unit",
)
CASE_FIELDS = tuple(dict.fromkeys(CASE_HEADER_ALIASES.values()))

CLASSIFICATIONS = {
    "疑似": Classification.SUSPECTED,
    "疑似病例": Classification.SUSPECTED,
    "确诊": Classification.CONFIRMED,
    "确诊病例": Classification.CONFIRMED,
    "无症状": Classification.ASYMPTOMATIC,
    "无症状感染者": Classification.ASYMPTOMATIC,
    "排除": Classification.EXCLUDED,
    "排除病例": Classification.EXCLUDED,
}
ORIGINS = {"本地": Origin.LOCAL, "本土": Origin.LOCAL, "输入": Origin.IMPORTED, "境外输入": Origin.IMPORTED}
SEVERITIES = {
    "轻型": Severity.MILD,
    "普通型": Severity.MODERATE,
    "重型": Severity.SEVERE,
    "危重型": Severity.CRITICAL,
}
OUTCOMES = {"治愈": Outcome.CURED, "治愈出院": Outcome.CURED, "出院": Outcome.CURED, "死亡": Outcome.DIED}
METHODS = {
    "核酸检测": ConfirmationMethod.NUCLEIC_ACID,
    "核酸": ConfirmationMethod.NUCLEIC_ACID,
    "临床诊断": ConfirmationMethod.CLINICAL,
    "血清学": ConfirmationMethod.SEROLOGY,
    "血清学检测": ConfirmationMethod.SEROLOGY,
    "测序": ConfirmationMethod.SEQUENCING,
    "基因测序": ConfirmationMethod.SEQUENCING,
}


def case_rows_from_file(*, name: str, content: bytes) -> list[ImportRow]:
    """Every non-blank row of a line list, or a DomainError about the whole file."""
    return rows_from_file(
        name=name,
        content=content,
        aliases=CASE_HEADER_ALIASES,
        required=CASE_REQUIRED_COLUMNS,
        fields=CASE_FIELDS,
        no_rows=_("The file has a header row but no cases."),
    )


@dataclasses.dataclass(frozen=True)
class CaseRow:
    """One line of a line list with typed values: the case as it stands now."""

    external_id: str
    id_number: str
    name: str
    classification: str
    report_date: dt.date
    residence: str
    reporting_unit: str
    origin: str
    source_area: str
    onset_date: dt.date | None
    confirmed_date: dt.date | None
    confirmation_method: str
    excluded_date: dt.date | None
    severity: str
    outcome: str
    outcome_date: dt.date | None
    symptoms: str


def _required(values: dict[str, str], field: str) -> str:
    value = values.get(field, "").strip()
    if not value:
        raise SurveillanceError("import.value_required", _("This column needs a value."), field=field)
    return value


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ]00:00(?::00)?)?$")


def parse_date(text: str, field: str) -> dt.date | None:
    """2020-01-23, 2020/1/23, 2020.1.23, 2020年1月23日 or 20200123 (Excel dates come as ISO)."""
    text = text.strip()
    if not text:
        return None
    match = _DATE.match(text)
    try:
        if match:
            return dt.date(*(int(group) for group in match.groups()))
        if len(text) == 8 and text.isdigit():
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        pass
    raise SurveillanceError(
        "import.invalid_date",
        _("“%(value)s” is not a date: write it as 2020-01-23."),
        field=field,
        value=text[:32],
    )


def _choice(text: str, field: str, names: Mapping[str, str], values: list[str], default: str = "") -> str:
    text = text.strip()
    if not text:
        return default
    if text in names:
        return names[text]
    if text.lower() in values:
        return text.lower()
    raise SurveillanceError(
        "import.invalid_value",
        _("“%(value)s” is not one of the accepted values of this column."),
        field=field,
        value=text[:32],
    )


def case_row_parse(values: dict[str, str]) -> CaseRow:
    """The typed values of one row, or the SurveillanceError of its first bad value."""
    classification = _choice(
        _required(values, "classification"), "classification", CLASSIFICATIONS, Classification.values
    )
    outcome = _choice(
        values.get("outcome", ""), "outcome", OUTCOMES, [Outcome.CURED.value, Outcome.DIED.value]
    )
    confirmed_date = parse_date(values.get("confirmed_date", ""), "confirmed_date")
    method = _choice(
        values.get("confirmation_method", ""), "confirmation_method", METHODS, ConfirmationMethod.values
    )
    return CaseRow(
        external_id=_required(values, "external_id")[:64],
        id_number=_required(values, "id_number"),
        name=values.get("name", "").strip(),
        classification=classification,
        report_date=parse_date(_required(values, "report_date"), "report_date"),  # type: ignore[arg-type]
        residence=_required(values, "residence"),
        reporting_unit=values.get("reporting_unit", "").strip(),
        origin=_choice(values.get("origin", ""), "origin", ORIGINS, Origin.values, Origin.LOCAL),
        source_area=values.get("source_area", "").strip(),
        onset_date=parse_date(values.get("onset_date", ""), "onset_date"),
        confirmed_date=confirmed_date,
        confirmation_method=method or (ConfirmationMethod.NUCLEIC_ACID if confirmed_date else ""),
        excluded_date=parse_date(values.get("excluded_date", ""), "excluded_date"),
        severity=_choice(values.get("severity", ""), "severity", SEVERITIES, Severity.values),
        outcome=outcome,
        outcome_date=parse_date(values.get("outcome_date", ""), "outcome_date"),
        symptoms=values.get("symptoms", "").strip(),
    )
