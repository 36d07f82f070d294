import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from fangyi.core import clock
from fangyi.core.access import Actor
from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, ErrorOut, request_actor
from fangyi.core.schemas import JobAcceptedOut
from fangyi.people.imports import MAX_IMPORT_BYTES
from fangyi.surveillance import services
from fangyi.surveillance.choices import CaseEventKind, Classification, ClusterSetting, ResponseLevel, Severity
from fangyi.surveillance.exports import CONTENT_TYPES, report_export
from fangyi.surveillance.models import Case, Cluster
from fangyi.surveillance.schemas import (
    CaseEventOut,
    CaseFilter,
    CaseItem,
    CaseOut,
    CasePage,
    CaseReportIn,
    ClusterFilter,
    ClusterIn,
    ClusterOut,
    ClusterPage,
    ConfirmIn,
    CountyRiskOut,
    DayOut,
    ExcludeIn,
    ExportFilter,
    OutcomeIn,
    ReportFilter,
    ReportOut,
    ResponseLevelIn,
    ResponseLevelOut,
    ResponseTimelineOut,
    RiskFilter,
    RiskLevelsOut,
    SeverityIn,
    SeverityOut,
    SummaryFilter,
    SummaryOut,
)
from fangyi.surveillance.selectors import (
    DayFigures,
    ResponsePeriod,
    case_detail_get,
    case_get,
    case_search,
    cluster_get,
    cluster_list,
    region_report,
    region_summary,
    response_level_on,
    response_level_timeline,
    response_period_of,
    risk_levels_under,
)

router = Router(tags=["surveillance"])


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def case_item(case: Case) -> CaseItem:
    return CaseItem(**_case_fields(case))


def _case_fields(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "person_name": case.person.name,
        "person_id_number": case.person.id_number_masked,
        "classification": case.classification,
        "classification_label": _label(Classification, case.classification),
        "origin": case.origin,
        "residence_code": case.residence.official_code,
        "residence_name": case.residence.name,
        "county_code": case.county_id.ljust(6, "0"),
        "report_date": case.report_date,
        "onset_date": case.onset_date,
        "confirmed_date": case.confirmed_date,
        "severity": case.severity,
        "outcome": case.outcome,
        "outcome_date": case.outcome_date,
        "cluster_id": case.cluster_id,
    }


def case_out(case: Case) -> CaseOut:
    return CaseOut(
        **_case_fields(case),
        person_id=case.person_id,
        source_area=case.source_area,
        current_location=case.current_location,
        reporting_unit=case.reporting_unit,
        symptoms=case.symptoms,
        asymptomatic_date=case.asymptomatic_date,
        confirmation_method=case.confirmation_method,
        excluded_date=case.excluded_date,
        cluster_name=case.cluster.name if case.cluster else None,
        events=[
            CaseEventOut(
                kind=e.kind,
                kind_label=_label(CaseEventKind, e.kind),
                date=e.date,
                detail=e.detail,
                recorded_at=e.recorded_at,
            )
            for e in case.event_list  # type: ignore[attr-defined]
        ],
        severity_history=[
            SeverityOut(date=s.date, severity=s.severity, severity_label=_label(Severity, s.severity))
            for s in case.severity_list  # type: ignore[attr-defined]
        ],
    )


def cluster_out(cluster: Cluster) -> ClusterOut:
    return ClusterOut(
        id=cluster.pk,
        name=cluster.name,
        setting=cluster.setting,
        setting_label=_label(ClusterSetting, cluster.setting),
        region_code=cluster.region.official_code,
        region_name=cluster.region.name,
        case_count=getattr(cluster, "case_count", 0),
        created_at=cluster.created_at,
    )


def day_fields(day: DayFigures) -> dict[str, Any]:
    return {
        "date": day.date,
        "new_confirmed": day.new_confirmed,
        "new_confirmed_local": day.new_confirmed_local,
        "new_confirmed_imported": day.new_confirmed_imported,
        "confirmed_cumulative": day.confirmed_cumulative,
        "confirmed_local_cumulative": day.confirmed_local_cumulative,
        "new_asymptomatic": day.new_asymptomatic,
        "suspected_pending": day.suspected_pending,
        "severe_now": day.severe_now,
        "critical_now": day.critical_now,
        "in_hospital": day.in_hospital,
        "new_cured": day.new_cured,
        "cured_cumulative": day.cured_cumulative,
        "new_deaths": day.new_deaths,
        "deaths_cumulative": day.deaths_cumulative,
        "last_new_confirmed": day.last_new_confirmed,
        "cure_rate": day.cure_rate,
        "case_fatality": day.case_fatality,
        "infection_rate_per_million": day.infection_rate_per_million,
        "days_since_last_new_confirmed": day.days_since_last_new_confirmed,
    }


def response_out(item: ResponsePeriod) -> ResponseLevelOut:
    period = item.period
    return ResponseLevelOut(
        id=period.pk,
        level=period.level,
        level_label=_label(ResponseLevel, period.level),
        start_date=period.start_date,
        end_date=item.end_date,
        note=period.note,
    )


# Cases -------------------------------------------------------------------------------------------


@router.get("/cases", response={200: CasePage, **ERRORS_READ})
def cases(request: HttpRequest, filters: Query[CaseFilter]) -> CasePage:
    """Cases in your jurisdiction, newest report first (names and masked identity numbers only)."""
    found = case_search(
        actor=request_actor(request),
        region=filters.region,
        classification=filters.classification,
        since=filters.since,
        until=filters.until,
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return CasePage(count=found.count(), items=[case_item(c) for c in page])


@router.post("/cases", response={201: CaseOut, **ERRORS_WRITE})
def case_report(request: HttpRequest, payload: CaseReportIn) -> Status[CaseOut]:
    """Report a suspected case or an asymptomatic infection of a registered resident."""
    actor = request_actor(request)
    case = services.case_report(actor=actor, **payload.dict())
    return Status(201, case_out(case_detail_get(actor=actor, case_id=case.id)))


@router.get("/cases/{case_id}", response={200: CaseOut, **ERRORS_READ})
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> CaseOut:
    """A case with its history: every event and every change of severity."""
    return case_out(case_detail_get(actor=request_actor(request), case_id=case_id))


def _after_step(
    request: HttpRequest, case_id: uuid.UUID, step: Callable[[Actor, uuid.UUID], object]
) -> CaseOut:
    """Run one transition of a case the actor can see (outside the jurisdiction: 404 before 403)."""
    actor = request_actor(request)
    case = case_get(actor=actor, case_id=case_id)
    step(actor, case.id)
    return case_out(case_detail_get(actor=actor, case_id=case.id))


@router.post("/cases/{case_id}/confirm", response={200: CaseOut, **ERRORS_WRITE})
def case_confirm(request: HttpRequest, case_id: uuid.UUID, payload: ConfirmIn) -> CaseOut:
    """Confirm a suspected case, or convert an asymptomatic infection to a confirmed case."""
    return _after_step(
        request,
        case_id,
        lambda actor, case: services.case_confirm(
            actor=actor, case_id=case, date=payload.date, method=payload.method
        ),
    )


@router.post("/cases/{case_id}/exclude", response={200: CaseOut, **ERRORS_WRITE})
def case_exclude(request: HttpRequest, case_id: uuid.UUID, payload: ExcludeIn) -> CaseOut:
    """Exclude a suspected case."""
    return _after_step(
        request,
        case_id,
        lambda actor, case: services.case_exclude(
            actor=actor, case_id=case, date=payload.date, reason=payload.reason
        ),
    )


@router.post("/cases/{case_id}/severity", response={200: CaseOut, **ERRORS_WRITE})
def case_severity(request: HttpRequest, case_id: uuid.UUID, payload: SeverityIn) -> CaseOut:
    """Record a confirmed case's clinical severity from a date on."""
    return _after_step(
        request,
        case_id,
        lambda actor, case: services.case_update_severity(
            actor=actor, case_id=case, date=payload.date, severity=payload.severity
        ),
    )


@router.post("/cases/{case_id}/outcome", response={200: CaseOut, **ERRORS_WRITE})
def case_outcome(request: HttpRequest, case_id: uuid.UUID, payload: OutcomeIn) -> CaseOut:
    """Cured and discharged, or died."""
    return _after_step(
        request,
        case_id,
        lambda actor, case: services.case_record_outcome(
            actor=actor, case_id=case, outcome=payload.outcome, date=payload.date
        ),
    )


# Line-list import --------------------------------------------------------------------------------


@router.post("/imports", response={202: JobAcceptedOut, 413: ErrorOut, **ERRORS_WRITE})
def cases_import_upload(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> Status[JobAcceptedOut]:
    """Upload a case line list (CSV or .xlsx) to import in the background.

    One row per case as it stands now. Required columns: 编号/external_id, 身份证号/id_number,
    分类/classification, 报告日期/report_date, 现住址代码/residence; optional: 姓名/name, 发病日期/onset_date,
    确诊日期/confirmed_date, 确诊方式/confirmation_method, 排除日期/excluded_date, 报告单位/reporting_unit,
    输入/本地 (origin), 来源地/source_area, 临床分型/severity, 转归/outcome, 转归日期/outcome_date,
    症状/symptoms. Poll `GET /api/v1/jobs/{id}` for progress; its `result.errors` lists each bad row
    by line. One bad row means nothing is imported; `dry_run` only validates. Re-importing a row
    with the same line-list id changes nothing.
    """
    job = services.cases_import_submit(
        actor=request_actor(request),
        file_name=file.name or "",
        content=file.read(MAX_IMPORT_BYTES + 1),
        dry_run=dry_run,
    )
    return Status(202, JobAcceptedOut(id=job.id, status=job.status, url=f"/api/v1/jobs/{job.id}"))


# Clusters ----------------------------------------------------------------------------------------


@router.get("/clusters", response={200: ClusterPage, **ERRORS_READ})
def clusters(request: HttpRequest, filters: Query[ClusterFilter]) -> ClusterPage:
    """Clusters located in your jurisdiction, newest first."""
    found = cluster_list(actor=request_actor(request), region=filters.region)
    page = found[filters.offset : filters.offset + filters.limit]
    return ClusterPage(count=found.count(), items=[cluster_out(c) for c in page])


@router.post("/clusters", response={201: ClusterOut, **ERRORS_WRITE})
def cluster_create(request: HttpRequest, payload: ClusterIn) -> Status[ClusterOut]:
    """Link confirmed cases or asymptomatic infections into a cluster (a small setting)."""
    actor = request_actor(request)
    cluster = services.cluster_create(actor=actor, **payload.dict())
    return Status(201, cluster_out(cluster_get(actor=actor, cluster_id=cluster.pk)))


# Reports -----------------------------------------------------------------------------------------


@router.get("/reports", response={200: ReportOut, **ERRORS_READ})
def reports(request: HttpRequest, filters: Query[ReportFilter]) -> ReportOut:
    """A province's, prefecture's or county's daily figures, every day from `start` to `end`."""
    report = region_report(
        actor=request_actor(request), code=filters.region, start=filters.start, end=filters.end
    )
    return ReportOut(
        region_code=report.region.official_code,
        region_name=report.region.name,
        population=report.region.population,
        clearance_date=report.clearance_date,
        days=[DayOut(**day_fields(day)) for day in report.days],
    )


EXPORT_RESPONSE = {
    "responses": {
        200: {
            "description": "The daily report as a spreadsheet",
            "content": {
                CONTENT_TYPES["csv"]: {"schema": {"type": "string"}},
                CONTENT_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }
}


@router.get("/reports/export", response={200: None, **ERRORS_READ}, openapi_extra=EXPORT_RESPONSE)
def reports_export(request: HttpRequest, filters: Query[ExportFilter]) -> HttpResponse:
    """The daily figures as CSV (UTF-8 with BOM, for Excel) or .xlsx; headers in your language."""
    report = region_report(
        actor=request_actor(request), code=filters.region, start=filters.start, end=filters.end
    )
    with translation.override(translation.get_language_from_request(request)):
        content, content_type, name = report_export(report, filters.format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/summary", response={200: SummaryOut, **ERRORS_READ})
def summary(request: HttpRequest, filters: Query[SummaryFilter]) -> SummaryOut:
    """One day's figures of a region, with a county's risk level and the province's response level."""
    found = region_summary(actor=request_actor(request), code=filters.region, date=filters.date)
    risk = found.risk
    return SummaryOut(
        **day_fields(found.figures),
        region_code=found.region.official_code,
        region_name=found.region.name,
        region_level=found.region.level,
        population=found.region.population,
        clearance_date=found.clearance_date,
        risk_level=risk.level if risk else None,
        risk_level_label=risk.level_label if risk else None,
        risk_reason=risk.reason if risk else None,
        response_level=found.response.level if found.response else None,
        supplements={figure.key: figure.value for figure in found.supplements},
    )


@router.get("/risk-levels", response={200: RiskLevelsOut, **ERRORS_READ})
def risk_levels(request: HttpRequest, filters: Query[RiskFilter]) -> RiskLevelsOut:
    """The risk level of every county in the region on a day (default today), with the reason."""
    found = risk_levels_under(actor=request_actor(request), code=filters.region, date=filters.date)
    items = [
        CountyRiskOut(
            county_code=item.county.official_code,
            county_name=item.county.name,
            level=item.assessment.level if item.assessment else None,
            level_label=item.assessment.level_label if item.assessment else None,
            reason=item.assessment.reason if item.assessment else None,
            reason_code=item.assessment.code if item.assessment else None,
            rule_set=item.assessment.rule_set.version if item.assessment else None,
        )
        for item in found.items
    ]
    counts: dict[str, int] = {}
    for item in items:
        if item.level:
            counts[item.level] = counts.get(item.level, 0) + 1
    return RiskLevelsOut(
        region_code=found.region.official_code,
        region_name=found.region.name,
        date=found.date,
        counts=counts,
        items=items,
    )


# Response levels ---------------------------------------------------------------------------------


@router.get("/response-levels", response={200: ResponseTimelineOut, **ERRORS_READ})
def response_levels(request: HttpRequest) -> ResponseTimelineOut:
    """The province's emergency response levels (I, II, III, ended), oldest first."""
    timeline = response_level_timeline(actor=request_actor(request))
    current = response_level_on(date=clock.today())
    return ResponseTimelineOut(
        current=current.level if current else None, items=[response_out(item) for item in timeline]
    )


@router.post("/response-levels", response={201: ResponseLevelOut, **ERRORS_WRITE})
def response_level_declare(request: HttpRequest, payload: ResponseLevelIn) -> Status[ResponseLevelOut]:
    """Declare the province's response level from a day on (provincial command staff)."""
    actor = request_actor(request)
    period = services.response_level_declare(actor=actor, **payload.dict())
    return Status(201, response_out(response_period_of(period)))
