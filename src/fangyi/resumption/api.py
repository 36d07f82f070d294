from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, ErrorOut, request_actor
from fangyi.core.schemas import JobAcceptedOut
from fangyi.core.validators import mask_name
from fangyi.people.imports import MAX_IMPORT_BYTES
from fangyi.resumption import selectors, services
from fangyi.resumption.models import (
    Employee,
    Enterprise,
    HealthReport,
    LiaisonAssignment,
    Park,
    PreventionPlan,
    ResumptionApplication,
    ResumptionDay,
)
from fangyi.resumption.schemas import (
    ApplicationFilter,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    CurveFilter,
    CurvePoint,
    DayIn,
    DecideIn,
    EmployeeIn,
    EmployeeOut,
    EnterpriseFilter,
    EnterpriseIn,
    EnterpriseOut,
    EnterprisePage,
    EnterprisePatch,
    HealthReportFilter,
    HealthReportIn,
    HealthReportOut,
    IndustryFigures,
    LiaisonIn,
    LiaisonOut,
    LiaisonVisitIn,
    LiaisonVisitOut,
    ParkFilter,
    ParkIn,
    ParkOut,
    PlanIn,
    PlanOut,
    ResumptionDayOut,
    ResumptionSummaryFilter,
    ResumptionSummaryOut,
)
from fangyi.resumption.tickets_api import router as tickets_router

router = Router(tags=["resumption"])
router.add_router("", tickets_router)


def enterprise_out(enterprise: Enterprise) -> EnterpriseOut:
    return EnterpriseOut(
        id=enterprise.pk,
        credit_code=enterprise.credit_code,
        name=enterprise.name,
        industry=enterprise.industry,
        industry_label=str(enterprise.get_industry_display()),
        large_scale=enterprise.large_scale,
        key_project=enterprise.key_project,
        region=enterprise.region_id,
        region_name=enterprise.region.name,
        park_id=enterprise.park_id,
        park=enterprise.park.name if enterprise.park else "",
        address=enterprise.address,
        workforce=enterprise.workforce,
        status=enterprise.status,
        status_label=str(enterprise.get_status_display()),
        staff_returned=enterprise.staff_returned,
        status_date=enterprise.status_date,
    )


def liaison_out(assignment: LiaisonAssignment) -> LiaisonOut:
    return LiaisonOut(
        id=assignment.pk,
        liaison_id=assignment.liaison_id,
        liaison=str(assignment.liaison),
        enterprise_id=assignment.enterprise_id,
        park_id=assignment.park_id,
        assigned_at=assignment.assigned_at,
        ended_at=assignment.ended_at,
    )


def plan_out(plan: PreventionPlan) -> PlanOut:
    return PlanOut(
        enterprise_id=plan.enterprise_id,
        items=list(plan.items),
        missing=selectors.plan_missing(plan),
        notes=plan.notes,
        updated_at=plan.updated_at,
        checked_at=plan.checked_at,
        checked=selectors.plan_checked(plan),
    )


def employee_out(employee: Employee) -> EmployeeOut:
    return EmployeeOut(
        id=employee.pk,
        enterprise_id=employee.enterprise_id,
        person_id=str(employee.person_id),
        name=mask_name(employee.person.name),
        active=employee.active,
    )


def health_report_out(report: HealthReport) -> HealthReportOut:
    return HealthReportOut(
        id=report.pk,
        enterprise_id=report.enterprise_id,
        date=report.date,
        employees=report.employees,
        on_site=report.on_site,
        fever=report.fever,
        code_green=report.code_green,
        code_yellow=report.code_yellow,
        code_red=report.code_red,
        code_none=report.code_none,
    )


def application_out(application: ResumptionApplication) -> ApplicationOut:
    return ApplicationOut(
        id=application.pk,
        enterprise_id=application.enterprise_id,
        enterprise=application.enterprise.name,
        planned_date=application.planned_date,
        workforce_planned=application.workforce_planned,
        plan_items=list(application.plan_items),
        submitted_at=application.submitted_at,
        status=application.status,
        status_label=str(application.get_status_display()),
        decided_at=application.decided_at,
        decision_note=application.decision_note,
    )


def day_out(day: ResumptionDay) -> ResumptionDayOut:
    return ResumptionDayOut(
        enterprise_id=day.enterprise_id,
        date=day.date,
        status=day.status,
        workforce=day.workforce,
        returned=day.returned,
    )


def park_out(park: Park, *, enterprises: int, liaisons: int) -> ParkOut:
    return ParkOut(
        id=park.pk,
        name=park.name,
        region=park.region_id,
        region_name=park.region.name,
        enterprises=enterprises,
        liaisons=liaisons,
        understaffed=liaisons < settings.FANGYI_PARK_LIAISON_GROUP,
    )


def industry_out(group: dict[str, Any]) -> IndustryFigures:
    return IndustryFigures(
        industry=group["key"], **{key: value for key, value in group.items() if key != "key"}
    )


# Statistics -------------------------------------------------------------------------------------


@router.get("/summary", response={200: ResumptionSummaryOut, **ERRORS_READ})
def summary(request: HttpRequest, filters: Query[ResumptionSummaryFilter]) -> ResumptionSummaryOut:
    """The region's resumption on a day: enterprises, resumption and staff return rates, problem
    tickets open and solved, and the same figures per industry."""
    found = selectors.resumption_summary(
        actor=request_actor(request), region=filters.region, date=filters.date
    )
    region = found.pop("region")
    by_industry = [industry_out(group) for group in found.pop("by_industry")]
    return ResumptionSummaryOut(region=region.code, region_name=region.name, by_industry=by_industry, **found)


@router.get("/curve", response={200: list[CurvePoint], **ERRORS_READ})
def curve(request: HttpRequest, filters: Query[CurveFilter]) -> list[CurvePoint]:
    """Resumption and staff return day by day (at most 366 days from `start`)."""
    points = selectors.resumption_curve(
        actor=request_actor(request), region=filters.region, start=filters.start, end=filters.end
    )
    return [CurvePoint(**point) for point in points]


# Enterprises and parks --------------------------------------------------------------------------


@router.get("/enterprises", response={200: EnterprisePage, **ERRORS_READ})
def enterprises(request: HttpRequest, filters: Query[EnterpriseFilter]) -> EnterprisePage:
    found = selectors.enterprise_list(
        actor=request_actor(request),
        **filters.dict(exclude={"limit", "offset"}),
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return EnterprisePage(count=found.count(), items=[enterprise_out(e) for e in page])


@router.post("/enterprises", response={201: EnterpriseOut, **ERRORS_WRITE})
def enterprise_register(request: HttpRequest, payload: EnterpriseIn) -> Status[EnterpriseOut]:
    enterprise = services.enterprise_register(actor=request_actor(request), **payload.dict())
    return Status(201, enterprise_out(enterprise))


@router.post("/enterprises/import", response={202: JobAcceptedOut, 413: ErrorOut, **ERRORS_WRITE})
def enterprises_import(request: HttpRequest, file: File[UploadedFile]) -> Status[JobAcceptedOut]:
    """Upload an enterprise list (CSV or .xlsx) to import in the background.

    Columns: credit_code, name, industry, region, large_scale, key_project, park (its name),
    workforce, address (or their Chinese headers). Good rows are registered; each bad row is listed
    by line with its error code in the job's `result.errors` and nothing of it is written.
    Poll `GET /api/v1/jobs/{id}`.
    """
    job = services.enterprises_import_submit(
        actor=request_actor(request), filename=file.name or "", content=file.read(MAX_IMPORT_BYTES + 1)
    )
    return Status(202, JobAcceptedOut(id=job.id, status=job.status, url=f"/api/v1/jobs/{job.id}"))


@router.get("/enterprises/{enterprise_id}", response={200: EnterpriseOut, **ERRORS_READ})
def enterprise_detail(request: HttpRequest, enterprise_id: int) -> EnterpriseOut:
    return enterprise_out(selectors.enterprise_get(actor=request_actor(request), enterprise_id=enterprise_id))


@router.patch("/enterprises/{enterprise_id}", response={200: EnterpriseOut, **ERRORS_WRITE})
def enterprise_update(request: HttpRequest, enterprise_id: int, payload: EnterprisePatch) -> EnterpriseOut:
    enterprise = services.enterprise_update(
        actor=request_actor(request), enterprise_id=enterprise_id, **payload.dict(exclude_unset=True)
    )
    return enterprise_out(selectors.enterprise_get(actor=request_actor(request), enterprise_id=enterprise.pk))


@router.get("/parks", response={200: list[ParkOut], **ERRORS_READ})
def parks(request: HttpRequest, filters: Query[ParkFilter]) -> list[ParkOut]:
    return [
        park_out(park, enterprises=park.enterprise_count, liaisons=park.liaison_count)
        for park in selectors.park_list(actor=request_actor(request), region=filters.region)
    ]


@router.post("/parks", response={201: ParkOut, **ERRORS_WRITE})
def park_create(request: HttpRequest, payload: ParkIn) -> Status[ParkOut]:
    park = services.park_create(actor=request_actor(request), name=payload.name, region=payload.region)
    return Status(201, park_out(park, enterprises=0, liaisons=0))


# Liaisons and the enterprise's file -------------------------------------------------------------


@router.post("/liaisons", response={201: LiaisonOut, **ERRORS_WRITE})
def liaison_assign(request: HttpRequest, payload: LiaisonIn) -> Status[LiaisonOut]:
    assignment = services.liaison_assign(actor=request_actor(request), **payload.dict())
    return Status(201, liaison_out(assignment))


@router.post("/liaisons/{assignment_id}/end", response={200: LiaisonOut, **ERRORS_WRITE})
def liaison_end(request: HttpRequest, assignment_id: int) -> LiaisonOut:
    return liaison_out(services.liaison_end(actor=request_actor(request), assignment_id=assignment_id))


@router.post("/enterprises/{enterprise_id}/visits", response={201: LiaisonVisitOut, **ERRORS_WRITE})
def visit_log(request: HttpRequest, enterprise_id: int, payload: LiaisonVisitIn) -> Status[LiaisonVisitOut]:
    visit = services.visit_log(actor=request_actor(request), enterprise_id=enterprise_id, **payload.dict())
    return Status(
        201,
        LiaisonVisitOut(
            id=visit.pk,
            enterprise_id=visit.enterprise_id,
            liaison_id=visit.liaison_id,
            visited_at=visit.visited_at,
            notes=visit.notes,
        ),
    )


@router.put("/enterprises/{enterprise_id}/plan", response={200: PlanOut, **ERRORS_WRITE})
def plan_update(request: HttpRequest, enterprise_id: int, payload: PlanIn) -> PlanOut:
    return plan_out(
        services.plan_update(actor=request_actor(request), enterprise_id=enterprise_id, **payload.dict())
    )


@router.post("/enterprises/{enterprise_id}/plan/check", response={200: PlanOut, **ERRORS_WRITE})
def plan_check(request: HttpRequest, enterprise_id: int) -> PlanOut:
    return plan_out(services.plan_check(actor=request_actor(request), enterprise_id=enterprise_id))


@router.post("/enterprises/{enterprise_id}/employees", response={201: EmployeeOut, **ERRORS_WRITE})
def employee_add(request: HttpRequest, enterprise_id: int, payload: EmployeeIn) -> Status[EmployeeOut]:
    employee = services.employee_add(
        actor=request_actor(request), enterprise_id=enterprise_id, **payload.dict()
    )
    return Status(201, employee_out(employee))


@router.post("/enterprises/{enterprise_id}/health-reports", response={201: HealthReportOut, **ERRORS_WRITE})
def health_report_submit(
    request: HttpRequest, enterprise_id: int, payload: HealthReportIn
) -> Status[HealthReportOut]:
    report = services.health_report_submit(
        actor=request_actor(request),
        enterprise_id=enterprise_id,
        date=payload.date,
        lines=[line.dict() for line in payload.lines],
    )
    return Status(201, health_report_out(report))


@router.get(
    "/enterprises/{enterprise_id}/health-reports", response={200: list[HealthReportOut], **ERRORS_READ}
)
def health_reports(
    request: HttpRequest, enterprise_id: int, filters: Query[HealthReportFilter]
) -> list[HealthReportOut]:
    reports = selectors.health_report_list(
        actor=request_actor(request), enterprise_id=enterprise_id, start=filters.start, end=filters.end
    )
    return [health_report_out(report) for report in reports[filters.offset : filters.offset + filters.limit]]


@router.post("/enterprises/{enterprise_id}/applications", response={201: ApplicationOut, **ERRORS_WRITE})
def resumption_apply(
    request: HttpRequest, enterprise_id: int, payload: ApplicationIn
) -> Status[ApplicationOut]:
    application = services.resumption_apply(
        actor=request_actor(request), enterprise_id=enterprise_id, **payload.dict()
    )
    return Status(201, application_out(application))


@router.get("/applications", response={200: ApplicationPage, **ERRORS_READ})
def applications(request: HttpRequest, filters: Query[ApplicationFilter]) -> ApplicationPage:
    found = selectors.application_list(actor=request_actor(request), status=filters.status)
    page = found[filters.offset : filters.offset + filters.limit]
    return ApplicationPage(count=found.count(), items=[application_out(a) for a in page])


@router.post("/applications/{application_id}/decide", response={200: ApplicationOut, **ERRORS_WRITE})
def resumption_decide(request: HttpRequest, application_id: int, payload: DecideIn) -> ApplicationOut:
    application = services.resumption_decide(
        actor=request_actor(request),
        application_id=application_id,
        approve=payload.approve,
        note=payload.note,
    )
    return application_out(application)


@router.post("/enterprises/{enterprise_id}/days", response={200: ResumptionDayOut, **ERRORS_WRITE})
def resumption_report(request: HttpRequest, enterprise_id: int, payload: DayIn) -> ResumptionDayOut:
    day = services.resumption_report(
        actor=request_actor(request), enterprise_id=enterprise_id, **payload.dict()
    )
    return day_out(day)
