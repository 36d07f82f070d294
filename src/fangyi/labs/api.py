import uuid

from django.http import HttpRequest
from ninja import File, Form, Path, Query, Router, Status
from ninja.files import UploadedFile

from fangyi.core.access import Actor
from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, ErrorOut, request_actor
from fangyi.core.schemas import MAX_ROW_ID, JobAcceptedOut, RowId
from fangyi.labs import services
from fangyi.labs.models import ClinicVisit, Laboratory, Referral, Sample, TestResult
from fangyi.labs.schemas import (
    BarcodesIn,
    CapacityIn,
    ClinicVisitIn,
    ClinicVisitOut,
    CountOut,
    LaboratoryFilter,
    LaboratoryOut,
    LabSummaryFilter,
    LabSummaryOut,
    PoolIn,
    PositivityDay,
    PositivityFilter,
    ReferralCloseIn,
    ReferralFilter,
    ReferralItem,
    ReferralOpenIn,
    ReferralOut,
    ReferralPage,
    ResultFilter,
    ResultIn,
    ResultOut,
    ResultPage,
    RetestFilter,
    RetestOut,
    RetestPage,
    SampleFilter,
    SampleIn,
    SampleOut,
    SamplePage,
    SampleResultIn,
    VisitFilter,
    VisitPage,
)
from fangyi.labs.selectors import (
    lab_summary,
    laboratory_list,
    positivity_by_day,
    referral_get,
    referral_list,
    result_list,
    retest_task_list,
    sample_get,
    sample_list,
    visit_get,
    visit_list,
)
from fangyi.labs.triage import TRIAGE_REASONS
from fangyi.people.imports import MAX_IMPORT_BYTES

router = Router(tags=["labs"])


def referral_item(referral: Referral) -> ReferralItem:
    return ReferralItem(
        id=referral.id,
        person_id=referral.person_id,
        person_name=referral.person.name,
        person_id_number=referral.person.id_number_masked,
        county_code=referral.county.official_code,
        county_name=referral.county.name,
        place_id=referral.place_id,
        place_name=referral.place.name if referral.place else None,
        source=referral.source,
        source_label=referral.get_source_display(),
        temperature=float(referral.temperature) if referral.temperature is not None else None,
        reason=referral.reason,
        status=referral.status,
        status_label=referral.get_status_display(),
        opened_at=referral.opened_at,
        closed_at=referral.closed_at,
        outcome_note=referral.outcome_note,
    )


def result_out(result: TestResult) -> ResultOut:
    return ResultOut(
        id=result.id,
        person_id=result.person_id,
        person_name=result.person.name,
        person_id_number=result.person.id_number_masked,
        referral_id=result.referral_id,
        sampled_on=result.sampled_on,
        result=result.result,
        result_label=result.get_result_display(),
        positive=result.positive,
        lab=result.lab,
        county_code=result.county_id.ljust(6, "0"),
        reported_at=result.reported_at,
    )


def referral_out(actor: Actor, referral: Referral) -> ReferralOut:
    """A referral with the results recorded against it that the actor may read."""
    results = result_list(actor=actor).filter(referral=referral)
    return ReferralOut(**referral_item(referral).dict(), results=[result_out(r) for r in results])


# Referrals ---------------------------------------------------------------------------------------


@router.get("/referrals", response={200: ReferralPage, **ERRORS_READ})
def referrals(request: HttpRequest, filters: Query[ReferralFilter]) -> ReferralPage:
    """Fever referrals your county follows up: open ones first, longest waiting first."""
    found = referral_list(actor=request_actor(request), status=filters.status, county=filters.county)
    page = found[filters.offset : filters.offset + filters.limit]
    return ReferralPage(count=found.count(), items=[referral_item(r) for r in page])


@router.post("/referrals", response={201: ReferralOut, **ERRORS_WRITE})
def referral_open(request: HttpRequest, payload: ReferralOpenIn) -> Status[ReferralOut]:
    """Refer a resident of your jurisdiction to a fever clinic.

    A resident has at most one open referral: while one is open, it is the answer and nothing new
    is opened, so a retried request is safe.
    """
    actor = request_actor(request)
    referral = services.referral_open(actor=actor, **payload.dict())
    return Status(201, referral_out(actor, referral))


@router.get("/referrals/{referral_id}", response={200: ReferralOut, **ERRORS_READ})
def referral_detail(request: HttpRequest, referral_id: uuid.UUID) -> ReferralOut:
    """A referral with the results recorded against it."""
    actor = request_actor(request)
    return referral_out(actor, referral_get(actor=actor, referral_id=referral_id))


@router.post("/referrals/{referral_id}/close", response={200: ReferralOut, **ERRORS_WRITE})
def referral_close(request: HttpRequest, referral_id: uuid.UUID, payload: ReferralCloseIn) -> ReferralOut:
    """Close an open referral: `cleared` (not a case) or `case_reported` (reported as suspected)."""
    actor = request_actor(request)
    services.referral_close(actor=actor, referral_id=referral_id, status=payload.status, note=payload.note)
    return referral_out(actor, referral_get(actor=actor, referral_id=referral_id))


# Results -----------------------------------------------------------------------------------------


@router.get("/results", response={200: ResultPage, **ERRORS_READ})
def results(request: HttpRequest, filters: Query[ResultFilter]) -> ResultPage:
    """Laboratory results of residents of your jurisdiction, latest sample first."""
    found = result_list(actor=request_actor(request), person_id=filters.person_id)
    page = found[filters.offset : filters.offset + filters.limit]
    return ResultPage(count=found.count(), items=[result_out(r) for r in page])


@router.post("/results", response={201: ResultOut, **ERRORS_WRITE})
def result_report(request: HttpRequest, payload: ResultIn) -> Status[ResultOut]:
    """Record a laboratory result of a resident of your jurisdiction (clinics and labs)."""
    result = services.result_report(actor=request_actor(request), **payload.dict())
    return Status(201, result_out(result))


# Testing -----------------------------------------------------------------------------------------


def visit_out(visit: ClinicVisit) -> ClinicVisitOut:
    return ClinicVisitOut(
        id=visit.id,
        person_id=visit.person_id,
        person_name=visit.person.name,
        clinic_id=visit.clinic_id,
        clinic_name=visit.clinic.name,
        county_code=visit.county_id.ljust(6, "0"),
        referral_id=visit.referral_id,
        temperature=float(visit.temperature),
        symptoms=visit.symptoms,
        exposures=visit.exposures,
        code_colour=visit.code_colour,
        decision=visit.decision,
        decision_label=visit.get_decision_display(),
        reasons=visit.decision_reasons,
        reason_labels=[str(TRIAGE_REASONS.get(code, code)) for code in visit.decision_reasons],
        note=visit.note,
        visited_at=visit.visited_at,
    )


def sample_out(sample: Sample) -> SampleOut:
    return SampleOut(
        id=sample.id,
        barcode=sample.barcode,
        kind=sample.kind,
        status=sample.status,
        status_label=sample.get_status_display(),
        person_id=sample.person_id,
        person_name=sample.person.name if sample.person else None,
        pool_barcode=sample.pool.barcode if sample.pool else None,
        county_code=sample.county_id.ljust(6, "0"),
        collection_place_id=sample.collection_place_id,
        collected_at=sample.collected_at,
        lab_id=sample.lab_id,
        shipped_at=sample.shipped_at,
        received_at=sample.received_at,
        result=sample.result,
        ct_value=float(sample.ct_value) if sample.ct_value is not None else None,
        operator=sample.operator,
        reported_at=sample.reported_at,
        turnaround_minutes=sample.turnaround_minutes,
        reported_same_day=sample.reported_same_day,
    )


@router.get("/summary", response={200: LabSummaryOut, **ERRORS_READ})
def summary(request: HttpRequest, filters: Query[LabSummaryFilter]) -> LabSummaryOut:
    """Testing in a region of your jurisdiction: samples collected there (on `date`, or ever), the
    share positive, the median turnaround, the share reported the same day; labs and backlog."""
    return LabSummaryOut(
        **lab_summary(actor=request_actor(request), region=filters.region, date=filters.date)
    )


@router.get("/positivity", response={200: list[PositivityDay], **ERRORS_READ})
def positivity(request: HttpRequest, filters: Query[PositivityFilter]) -> list[PositivityDay]:
    """Results reported in the region each day from `start` to `end` (at most 366 days)."""
    days = positivity_by_day(
        actor=request_actor(request), region=filters.region, start=filters.start, end=filters.end
    )
    return [PositivityDay(**day) for day in days]


@router.get("/visits", response={200: VisitPage, **ERRORS_READ})
def visits(request: HttpRequest, filters: Query[VisitFilter]) -> VisitPage:
    """Fever-clinic visits of your jurisdiction, latest first."""
    found = visit_list(actor=request_actor(request), clinic_id=filters.clinic_id)
    page = found[filters.offset : filters.offset + filters.limit]
    return VisitPage(count=found.count(), items=[visit_out(v) for v in page])


@router.post("/visits", response={201: ClinicVisitOut, **ERRORS_WRITE})
def visit_create(request: HttpRequest, payload: ClinicVisitIn) -> Status[ClinicVisitOut]:
    """Triage a visitor at a fever clinic by the province-wide protocol."""
    actor = request_actor(request)
    visit = services.visit_triage(actor=actor, **payload.dict())
    return Status(201, visit_out(visit_get(actor=actor, visit_id=visit.pk)))


@router.get("/visits/{visit_id}", response={200: ClinicVisitOut, **ERRORS_READ})
def visit_detail(request: HttpRequest, visit_id: uuid.UUID) -> ClinicVisitOut:
    return visit_out(visit_get(actor=request_actor(request), visit_id=visit_id))


@router.get("/samples", response={200: SamplePage, **ERRORS_READ})
def samples(request: HttpRequest, filters: Query[SampleFilter]) -> SamplePage:
    """Samples of your county or at your labs, latest collected first."""
    found = sample_list(
        actor=request_actor(request), status=filters.status, lab_id=filters.lab_id, query=filters.query
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return SamplePage(count=found.count(), items=[sample_out(s) for s in page])


@router.post("/samples", response={201: SampleOut, **ERRORS_WRITE})
def sample_collect(request: HttpRequest, payload: SampleIn) -> Status[SampleOut]:
    """Label a resident's swab (a reused barcode is a 409)."""
    actor = request_actor(request)
    sample = services.sample_collect(actor=actor, **payload.dict())
    return Status(201, sample_out(sample_get(actor=actor, barcode=sample.barcode)))


@router.post("/pools", response={201: SampleOut, **ERRORS_WRITE})
def pool_create(request: HttpRequest, payload: PoolIn) -> Status[SampleOut]:
    """Pool collected swabs of one county (a configured pool size; all members or none)."""
    actor = request_actor(request)
    pool = services.pool_create(actor=actor, **payload.dict())
    return Status(201, sample_out(sample_get(actor=actor, barcode=pool.barcode)))


@router.post("/samples/ship", response={200: CountOut, **ERRORS_WRITE})
def samples_ship(request: HttpRequest, payload: BarcodesIn) -> CountOut:
    """Ship collected samples and pools to a laboratory, all or none."""
    return CountOut(count=services.samples_ship(actor=request_actor(request), **payload.dict()))


@router.post("/samples/receive", response={200: CountOut, **ERRORS_WRITE})
def samples_receive(request: HttpRequest, payload: BarcodesIn) -> CountOut:
    """Check samples in at your laboratory, all or none."""
    return CountOut(count=services.samples_receive(actor=request_actor(request), **payload.dict()))


@router.get("/samples/{barcode}", response={200: SampleOut, **ERRORS_READ})
def sample_detail(request: HttpRequest, barcode: str) -> SampleOut:
    return sample_out(sample_get(actor=request_actor(request), barcode=barcode))


@router.post("/samples/{barcode}/result", response={200: SampleOut, **ERRORS_WRITE})
def sample_result(request: HttpRequest, barcode: str, payload: SampleResultIn) -> SampleOut:
    """Report the result of a received sample: a positive confirms the resident's case; a pool's
    negative reaches its members, its positive sends them back for a re-test."""
    actor = request_actor(request)
    sample = services.sample_report(actor=actor, barcode=barcode, **payload.dict())
    return sample_out(sample_get(actor=actor, barcode=sample.barcode))


@router.post("/results/import", response={202: JobAcceptedOut, 413: ErrorOut, **ERRORS_WRITE})
def results_import(
    request: HttpRequest, file: File[UploadedFile], lab_id: Form[RowId], dry_run: Form[bool] = False
) -> Status[JobAcceptedOut]:
    """Upload a laboratory's results (CSV or .xlsx) to report in the background.

    Columns: 条码/barcode, 结果/result (negative/positive/inconclusive or 阴性/阳性/可疑), CT值/ct_value,
    检测人/operator, optionally 报告时间/reported_at. Good rows are reported, bad rows are listed by
    line in the job's `result.errors`; `dry_run` only validates. Poll `GET /api/v1/jobs/{id}`.
    """
    job = services.results_import_submit(
        actor=request_actor(request),
        lab_id=lab_id,
        file_name=file.name or "",
        content=file.read(MAX_IMPORT_BYTES + 1),
        dry_run=dry_run,
    )
    return Status(202, JobAcceptedOut(id=job.id, status=job.status, url=f"/api/v1/jobs/{job.id}"))


@router.get("/retests", response={200: RetestPage, **ERRORS_READ})
def retests(request: HttpRequest, filters: Query[RetestFilter]) -> RetestPage:
    """Members of positive pools to sample again, oldest first."""
    found = retest_task_list(actor=request_actor(request), status=filters.status)
    page = found[filters.offset : filters.offset + filters.limit]
    return RetestPage(
        count=found.count(),
        items=[
            RetestOut(
                id=task.id,
                person_id=task.person_id,
                person_name=task.person.name,
                pooled_barcode=task.sample.barcode,
                pool_barcode=task.sample.pool.barcode if task.sample.pool else None,
                county_code=task.county_id.ljust(6, "0"),
                status=task.status,
                created_at=task.created_at,
                done_at=task.done_at,
            )
            for task in page
        ],
    )


def laboratory_out(lab: Laboratory) -> LaboratoryOut:
    return LaboratoryOut(
        place_id=lab.place_id,
        name=lab.place.name,
        county_code=lab.place.region_id[:6].ljust(6, "0"),
        daily_capacity=lab.daily_capacity,
    )


@router.get("/laboratories", response={200: list[LaboratoryOut], **ERRORS_READ})
def laboratories(request: HttpRequest, filters: Query[LaboratoryFilter]) -> list[LaboratoryOut]:
    """Testing labs of your jurisdiction with their daily capacity (null: not set yet)."""
    return [
        laboratory_out(lab) for lab in laboratory_list(actor=request_actor(request), region=filters.region)
    ]


@router.put("/laboratories/{place_id}", response={200: LaboratoryOut, **ERRORS_WRITE})
def laboratory_capacity(
    request: HttpRequest, payload: CapacityIn, place_id: int = Path(..., ge=1, le=MAX_ROW_ID)
) -> LaboratoryOut:
    """Set a lab's daily capacity (county, prefecture and province officials)."""
    lab = services.laboratory_set_capacity(
        actor=request_actor(request), place_id=place_id, daily_capacity=payload.daily_capacity
    )
    return laboratory_out(lab)
