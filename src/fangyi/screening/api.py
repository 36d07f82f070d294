import uuid

from django.http import HttpRequest
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from fangyi.core.access import Actor
from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, ErrorOut, request_actor
from fangyi.core.schemas import JobAcceptedOut
from fangyi.core.validators import mask_name
from fangyi.screening import services
from fangyi.screening.imports import MAX_IMPORT_BYTES
from fangyi.screening.models import GridTask, RiskArea, ScreeningHit, ScreeningRun
from fangyi.screening.schemas import (
    HitFilter,
    HitItem,
    HitPage,
    ProgressFilter,
    ProgressOut,
    ProgressRowOut,
    RiskAreaEndIn,
    RiskAreaFilter,
    RiskAreaIn,
    RiskAreaOut,
    RiskAreaPage,
    RunFilter,
    RunItem,
    RunOut,
    RunPage,
    RunStartIn,
    TallyOut,
    TaskFilter,
    TaskItem,
    TaskPage,
    TaskVerifyIn,
)
from fangyi.screening.selectors import (
    hit_list,
    risk_area_list,
    run_get,
    run_list,
    seen_area_names,
    tally_list,
    tally_names,
    task_get,
    task_is_overdue,
    task_list,
    verification_progress,
)

router = Router(tags=["screening"])


def run_item(run: ScreeningRun) -> RunItem:
    return RunItem(
        id=run.id,
        region_code=run.region.official_code,
        region_name=run.region.name,
        as_of=run.as_of,
        lookback_days=run.lookback_days,
        backend=run.backend,
        status=run.status,
        status_label=run.get_status_display(),
        percent=run.job.percent,
        counts=run.counts,
        created_at=run.created_at,
        finished_at=run.finished_at,
    )


def run_out(actor: Actor, run: ScreeningRun) -> RunOut:
    tallies = list(tally_list(actor=actor, run=run))
    names = tally_names(tallies)
    return RunOut(
        **run_item(run).dict(),
        risk_areas=run.risk_areas,
        tallies=[
            TallyOut(
                level=tally.level,
                level_label=tally.get_level_display(),
                code=tally.code.ljust(6, "0") if len(tally.code) < 6 else tally.code,
                name=names.get(tally.code, tally.code),
                persons=tally.persons,
            )
            for tally in tallies
        ],
    )


def hit_item(hit: ScreeningHit, area_names: dict[str, str]) -> HitItem:
    return HitItem(
        person_id=hit.person_id,
        person_name=mask_name(hit.person.name),
        person_id_number=hit.person.id_number_masked,
        home_region_code=hit.home_region.official_code,
        home_region_name=hit.home_region.name,
        grid_code=hit.grid_id,
        area_code=hit.area_code,
        area_name=area_names.get(hit.area_code, hit.area_code),
        first_seen=hit.first_seen,
        last_seen=hit.last_seen,
        records=hit.records,
    )


def risk_area_out(area: RiskArea) -> RiskAreaOut:
    return RiskAreaOut.from_orm(area)


def task_item(task: GridTask, area_names: dict[str, str]) -> TaskItem:
    seen_area = getattr(task, "seen_area", None)
    return TaskItem(
        id=task.id,
        run_id=task.run_id,
        person_id=task.person_id,
        person_name=task.person.name,
        person_id_number=task.person.id_number_masked,
        person_phone=task.person.phone_masked,
        address=task.person.address,
        region_code=task.region.official_code,
        region_name=task.region.name,
        grid_code=task.grid_id,
        grid_name=task.grid.name if task.grid else None,
        reason=task.reason,
        seen_area=seen_area,
        seen_area_name=area_names.get(seen_area, seen_area) if seen_area else None,
        seen_first=getattr(task, "seen_first", None),
        seen_last=getattr(task, "seen_last", None),
        status=task.status,
        status_label=task.get_status_display(),
        overdue=task_is_overdue(task),
        due_at=task.due_at,
        outcome=task.outcome,
        outcome_label=task.get_outcome_display() if task.outcome else "",
        note=task.note,
        observation_id=task.observation_id,
        created_at=task.created_at,
        escalated_at=task.escalated_at,
        done_at=task.done_at,
    )


def task_out(task: GridTask) -> TaskItem:
    return task_item(task, seen_area_names([getattr(task, "seen_area", None)]))


# Runs --------------------------------------------------------------------------------------------


@router.get("/runs", response={200: RunPage, **ERRORS_READ})
def runs(request: HttpRequest, filters: Query[RunFilter]) -> RunPage:
    """Screening runs over your jurisdiction or the regions above it, newest first."""
    found = run_list(actor=request_actor(request), status=filters.status)
    page = found[filters.offset : filters.offset + filters.limit]
    return RunPage(count=found.count(), items=[run_item(run) for run in page])


@router.post("/runs", response={201: RunOut, **ERRORS_WRITE})
def run_start(request: HttpRequest, payload: RunStartIn) -> Status[RunOut]:
    """Start screening the residents of a province, prefecture or county in the background.

    Empty parameters take the defaults: today, the configured look-back and engine. Follow the
    run's `status` and `percent` at `GET /runs/{id}`.
    """
    actor = request_actor(request)
    run = services.screening_run_start(actor=actor, **payload.dict())
    return Status(201, run_out(actor, run_get(actor=actor, run_id=run.pk)))


@router.get("/runs/{run_id}", response={200: RunOut, **ERRORS_READ})
def run_detail(request: HttpRequest, run_id: uuid.UUID) -> RunOut:
    """A run with its parameters, counts, the risk areas it used and its tallies by level."""
    actor = request_actor(request)
    return run_out(actor, run_get(actor=actor, run_id=run_id))


@router.get("/runs/{run_id}/hits", response={200: HitPage, **ERRORS_READ})
def run_hits(request: HttpRequest, run_id: uuid.UUID, filters: Query[HitFilter]) -> HitPage:
    """The residents of your jurisdiction a run found, by home village or community."""
    actor = request_actor(request)
    found = hit_list(actor=actor, run=run_get(actor=actor, run_id=run_id))
    page = list(found[filters.offset : filters.offset + filters.limit])
    names = seen_area_names(hit.area_code for hit in page)
    return HitPage(count=found.count(), items=[hit_item(hit, names) for hit in page])


# Risk areas --------------------------------------------------------------------------------------


@router.get("/risk-areas", response={200: RiskAreaPage, **ERRORS_READ})
def risk_areas(request: HttpRequest, filters: Query[RiskAreaFilter]) -> RiskAreaPage:
    """The province's list of risk areas with their time windows, by area code."""
    found = risk_area_list(actor=request_actor(request), active_on=filters.active_on)
    page = found[filters.offset : filters.offset + filters.limit]
    return RiskAreaPage(count=found.count(), items=[risk_area_out(area) for area in page])


@router.post("/risk-areas", response={201: RiskAreaOut, **ERRORS_WRITE})
def risk_area_create(request: HttpRequest, payload: RiskAreaIn) -> Status[RiskAreaOut]:
    """List a risk area from a day on (province screening officials), e.g. Wuhan from 2020-01-10."""
    area = services.risk_area_create(actor=request_actor(request), **payload.dict())
    return Status(201, risk_area_out(area))


@router.post("/risk-areas/{risk_area_id}/end", response={200: RiskAreaOut, **ERRORS_WRITE})
def risk_area_end(request: HttpRequest, risk_area_id: int, payload: RiskAreaEndIn) -> RiskAreaOut:
    """End a risk area's window: from `ends_on` on it is no longer a risk area."""
    area = services.risk_area_end(
        actor=request_actor(request), risk_area_id=risk_area_id, ends_on=payload.ends_on
    )
    return risk_area_out(area)


# Travel record import ----------------------------------------------------------------------------


@router.post("/imports", response={202: JobAcceptedOut, 413: ErrorOut, **ERRORS_WRITE})
def travel_import(request: HttpRequest, file: File[UploadedFile]) -> Status[JobAcceptedOut]:
    """Upload travel and location records (CSV or Parquet) to import in the background.

    Columns: one of id_number, phone or phone_hash; area_code; at (ISO date-time, Beijing time
    when it has no offset); source (rail, air, road, telecom or gate). Poll `GET /api/v1/jobs/{id}`
    for progress; its `result.errors` lists each bad row (unknown area, malformed time...) by
    line, and the good rows are imported. Records of persons who are no resident are kept,
    counted as unmatched, and matched again before every run.
    """
    job = services.travel_import_start(
        actor=request_actor(request), file_name=file.name or "", data=file.read(MAX_IMPORT_BYTES + 1)
    )
    return Status(202, JobAcceptedOut(id=job.id, status=job.status, url=f"/api/v1/jobs/{job.id}"))


# Grid tasks --------------------------------------------------------------------------------------


@router.get("/tasks", response={200: TaskPage, **ERRORS_READ})
def tasks(request: HttpRequest, filters: Query[TaskFilter]) -> TaskPage:
    """Door-to-door verifications of screened residents: a grid worker's village, and for the
    township and county also those escalated to them. Open ones first, due soonest first."""
    found = task_list(
        actor=request_actor(request),
        status=filters.status,
        overdue=filters.overdue,
        region=filters.region,
        run=filters.run,
    )
    page = list(found[filters.offset : filters.offset + filters.limit])
    names = seen_area_names(getattr(task, "seen_area", None) for task in page)
    return TaskPage(count=found.count(), items=[task_item(task, names) for task in page])


@router.get("/tasks/{task_id}", response={200: TaskItem, **ERRORS_READ})
def task_detail(request: HttpRequest, task_id: uuid.UUID) -> TaskItem:
    return task_out(task_get(actor=request_actor(request), task_id=task_id))


@router.post("/tasks/{task_id}/verify", response={200: TaskItem, **ERRORS_WRITE})
def task_verify(request: HttpRequest, task_id: uuid.UUID, payload: TaskVerifyIn) -> TaskItem:
    """Record the outcome of a visit. Present outcomes open an observation period (a site, and a
    room, for centralised observation); `not_found` escalates the task to the township and the
    county, who close it with a final outcome."""
    actor = request_actor(request)
    services.grid_task_verify(actor=actor, task_id=task_id, **payload.dict())
    return task_out(task_get(actor=actor, task_id=task_id))


# Progress ----------------------------------------------------------------------------------------


@router.get("/progress", response={200: ProgressOut, **ERRORS_READ})
def progress(request: HttpRequest, filters: Query[ProgressFilter]) -> ProgressOut:
    """Verification progress per child region of `region`, then its total: tasks, verified,
    escalated, overdue and percent verified."""
    rows = verification_progress(actor=request_actor(request), region=filters.region)
    total = rows[-1]
    return ProgressOut(
        region_code=total.code,
        region_name=total.name,
        rows=[
            ProgressRowOut(
                code=row.code,
                name=row.name,
                tasks=row.tasks,
                verified=row.verified,
                escalated=row.escalated,
                overdue=row.overdue,
                percent=row.percent,
                total=row.total,
            )
            for row in rows
        ],
    )
