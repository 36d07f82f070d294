"""Every write of big-data screening: risk areas, travel-record imports, screening runs and the
grid tasks they create, and the grid worker's verification of each screened resident.

A run reads the region's residents and their travel records into Arrow, runs the Ibis expression
of `screening.engine` on DuckDB or PySpark, and stores the hits, tallies and grid tasks with its
parameters and counts. A verified-present resident is placed under observation by quarantine.
"""

import datetime as dt
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import DomainError, PermissionDenied
from fangyi.core.models import AuditEvent, Job
from fangyi.core.services import audit_record, job_create, job_finish, job_progress, job_start
from fangyi.people.imports import ImportRow, check_size
from fangyi.people.models import Person
from fangyi.quarantine.choices import ObservationKind, ObservationSource
from fangyi.quarantine.services import observation_start
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_path
from fangyi.screening import engine
from fangyi.screening.areas import area_names, area_path
from fangyi.screening.choices import Outcome, RunStatus, SubjectKind, TallyLevel, TaskStatus
from fangyi.screening.errors import (
    grid_task_done,
    grid_task_invalid,
    grid_task_not_found,
    risk_area_invalid,
    risk_area_not_found,
    run_invalid,
    run_not_found,
    unknown_area,
)
from fangyi.screening.imports import TRAVEL_IMPORT_JOB_KIND, Sighting, parse_rows, rows_from_upload
from fangyi.screening.models import (
    GridTask,
    RiskArea,
    ScreeningHit,
    ScreeningRun,
    ScreeningTally,
    TravelRecord,
)
from fangyi.screening.selectors import RUN, VERIFY, VIEW
from fangyi.surveillance.selectors import county_high_risk_windows

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

PROVINCE = "43"
RUN_JOB_KIND = "screening.run"
BATCH = 2000
NAME_MAX = 64
NOTE_MAX = 256
MAX_LOOKBACK_DAYS = 60
RUN_LEVELS = (2, 4, 6)  # province, prefecture, county
PRESENT = {
    Outcome.HOME_OBSERVATION: ObservationKind.HOME,
    Outcome.CENTRALISED_OBSERVATION: ObservationKind.CENTRALISED,
    Outcome.HEALTH_MONITORING: ObservationKind.MONITORING,
}


def _require_province(actor: Actor) -> None:
    """Risk areas and travel records are province-wide: screening.run held at the province."""
    require(actor, RUN)
    if not covers(actor, RUN, PROVINCE):
        raise PermissionDenied()


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _local_midnight(day: dt.date) -> dt.datetime:
    """The instant a local calendar day begins, as naive UTC (the engine's time)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.SHANGHAI).astimezone(dt.UTC).replace(tzinfo=None)


# Risk areas --------------------------------------------------------------------------------------


@transaction.atomic
def risk_area_create(
    *,
    actor: Actor,
    area_code: str,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    note: str = "",
) -> RiskArea:
    """List an area (Hubei, Wuhan, a county) as a risk area from `starts_on` until `ends_on`."""
    _require_province(actor)
    path = area_path(area_code)
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise risk_area_invalid("name_required", _("A name of 1 to 64 characters is required."), "name")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise risk_area_invalid("note_too_long", _("Keep the note under 256 characters."), "note")
    _check_window(starts_on, ends_on)
    area = RiskArea.objects.create(
        area_code=path,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
        created_by_id=getattr(actor, "pk", None),
    )
    audit_record(
        actor=actor,
        action="risk_area.create",
        obj=area,
        region_path=PROVINCE,
        data={"area_code": path, "starts_on": str(starts_on), "ends_on": str(ends_on) if ends_on else None},
    )
    return area


def _check_window(starts_on: dt.date, ends_on: dt.date | None) -> None:
    if ends_on is not None and ends_on <= starts_on:
        raise risk_area_invalid(
            "ends_before_start", _("The end must be after the start (it is exclusive)."), "ends_on"
        )


@transaction.atomic
def risk_area_end(*, actor: Actor, risk_area_id: int, ends_on: dt.date) -> RiskArea:
    """Set the day an area stops being a risk area (exclusive)."""
    _require_province(actor)
    try:
        area = RiskArea.objects.select_for_update().get(pk=risk_area_id)
    except (RiskArea.DoesNotExist, ValidationError, ValueError, TypeError):
        raise risk_area_not_found() from None
    _check_window(area.starts_on, ends_on)
    previous = area.ends_on
    area.ends_on = ends_on
    area.save(update_fields=["ends_on"])
    audit_record(
        actor=actor,
        action="risk_area.end",
        obj=area,
        region_path=PROVINCE,
        data={"ends_on": str(ends_on), "previous": str(previous) if previous else None},
    )
    return area


def risk_windows(*, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The risk areas in force on some day of `start` … `end`: the listed areas and the province
    counties rated high-risk (each spell of days), as the run stores them."""
    listed = RiskArea.objects.filter(starts_on__lte=end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=start)
    )
    windows = [
        {
            "area_code": area.area_code,
            "name": area.name,
            "starts_on": area.starts_on.isoformat(),
            "ends_on": area.ends_on.isoformat() if area.ends_on else None,
            "source": "list",
        }
        for area in listed.order_by("area_code", "starts_on")
    ]
    spells = county_high_risk_windows(start=start, end=end)
    names = area_names({county for county, _first, _after in spells})
    windows += [
        {
            "area_code": county,
            "name": names.get(county, county),
            "starts_on": first.isoformat(),
            "ends_on": after.isoformat(),
            "source": "county_risk",
        }
        for county, first, after in spells
    ]
    return windows


# Travel records ----------------------------------------------------------------------------------


def travel_import_start(*, actor: Actor, file_name: str, data: bytes) -> Job:
    """Keep an uploaded CSV or Parquet file of travel records on a job and queue its import."""
    _require_province(actor)
    check_size(data)
    job = _import_job(actor=actor, file_name=file_name, data=data)
    from fangyi.screening.tasks import travel_import_task

    transaction.on_commit(lambda: travel_import_task.enqueue(str(job.pk)))
    return job


def travel_import_job(*, file_name: str, data: bytes) -> Job:
    """A system import (the command line): the job that `travel_import_run` then runs."""
    check_size(data)
    return _import_job(actor=None, file_name=file_name, data=data)


def _import_job(*, actor: Actor | None, file_name: str, data: bytes) -> Job:
    return job_create(
        actor=actor,
        kind=TRAVEL_IMPORT_JOB_KIND,
        region_path=PROVINCE,
        capability=VIEW,
        input_name=os.path.basename(file_name or "upload"),
        input_data=data,
    )


def travel_import_run(*, job_id: Any, progress: Progress | None = None) -> Job | None:
    """The worker's side of an import: read the job's file and import it as the job's actor (none:
    the system). A file refused as a whole fails the job with that error. Idempotent: a job
    already running or finished is left alone (None)."""
    job = job_start(job_id=job_id)
    if job is None:
        return None
    last = [0.0]

    def report(done: int, total: int, detail: str = "") -> None:
        now = time.monotonic()
        if done == total or now - last[0] >= 0.5:
            last[0] = now
            job_progress(job_id=job.pk, done=done, total=total)
        if progress is not None:
            progress(done, total, detail)

    try:
        if job.actor is not None:
            _require_province(job.actor)
        rows = rows_from_upload(name=job.input_name, content=bytes(job.input_data))
        result = travel_import(actor=job.actor, rows=rows, job=job, progress=report)
    except DomainError as exc:
        return job_finish(
            job_id=job.pk,
            succeeded=False,
            message=exc.render_message(),
            result={"errors": [exc.as_row_error(0)], "imported": 0},
        )
    except Exception:
        logger.exception("travel import %s failed", job.pk)
        job_finish(job_id=job.pk, succeeded=False, message=gettext("The import failed unexpectedly."))
        raise
    return job_finish(job_id=job.pk, succeeded=True, message=_import_summary(result), result=result)


def _import_summary(result: dict[str, Any]) -> str:
    return ngettext(
        "Imported %(imported)s record (%(unmatched)s of no known resident); %(duplicates)s duplicates "
        "skipped, %(invalid)s row with errors.",
        "Imported %(imported)s records (%(unmatched)s of no known resident); %(duplicates)s duplicates "
        "skipped, %(invalid)s rows with errors.",
        result["imported"],
    ) % {key: result[key] for key in ("imported", "unmatched", "duplicates", "invalid")}


def travel_import(
    *,
    actor: Actor | None,
    rows: Sequence[ImportRow],
    job: Job | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Check every row and insert the good ones; bad rows are reported by line, the rest kept.

    A record already stored (same subject, area, time and source), or repeated in the file, is a
    duplicate: counted, not inserted again. A record of no known resident is kept unmatched.
    """
    if actor is not None:
        _require_province(actor)
    total = len(rows)
    sightings, errors = parse_rows(rows)
    known = area_names({s.area_code for s in sightings})
    good: list[Sighting] = []
    for sighting in sightings:
        if sighting.area_code in known:
            good.append(sighting)
        else:
            errors.append(unknown_area(sighting.area_code, entity="travel").as_row_error(sighting.line))
    if progress:
        progress(0, total, "")
    unique: dict[tuple[str, str, dt.datetime, str], Sighting] = {}
    for sighting in good:
        unique.setdefault(sighting.key, sighting)
    duplicates = len(good) - len(unique)
    imported = unmatched = 0
    with transaction.atomic():
        fresh = _not_stored(list(unique.values()))
        duplicates += len(unique) - len(fresh)
        people = _people_of(fresh)
        done = total - len(fresh)
        for chunk in _chunks(fresh):
            batch = [
                TravelRecord(
                    subject_kind=s.subject_kind,
                    subject_hash=s.subject_hash,
                    person_id=people.get((s.subject_kind, s.subject_hash)),
                    area_code=s.area_code,
                    at=s.at,
                    source=s.source,
                    job=job,
                )
                for s in chunk
            ]
            TravelRecord.objects.bulk_create(batch, ignore_conflicts=True)
            imported += len(batch)
            unmatched += sum(1 for record in batch if record.person_id is None)
            done += len(batch)
            if progress:
                progress(done, total, "")
        result = {
            "total": total,
            "imported": imported,
            "unmatched": unmatched,
            "duplicates": duplicates,
            "invalid": len(errors),
            "errors": sorted(errors, key=lambda error: error["line"]),
        }
        if job is not None:
            audit_record(
                actor=actor,
                action="travel.import",
                obj=job,
                region_path=PROVINCE,
                data={key: value for key, value in result.items() if key != "errors"},
            )
    if progress:
        progress(total, total, "")
    return result


def _not_stored(sightings: list[Sighting]) -> list[Sighting]:
    """The sightings not stored yet."""
    stored: set[tuple[str, str, dt.datetime, str]] = set()
    hashes = sorted({s.subject_hash for s in sightings})
    for chunk in _chunks(hashes):
        stored.update(
            TravelRecord.objects.filter(subject_hash__in=chunk).values_list(
                "subject_hash", "area_code", "at", "source"
            )
        )
    return [s for s in sightings if s.key not in stored]


def _people_of(sightings: Iterable[Sighting]) -> dict[tuple[str, str], uuid.UUID]:
    """The resident behind each subject: by identity number, or by a phone only one resident has."""
    ids = sorted({s.subject_hash for s in sightings if s.subject_kind == SubjectKind.ID_NUMBER})
    phones = sorted({s.subject_hash for s in sightings if s.subject_kind == SubjectKind.PHONE})
    found: dict[tuple[str, str], uuid.UUID] = {}
    for chunk in _chunks(ids):
        for digest, person in Person.objects.filter(id_number_hash__in=chunk).values_list(
            "id_number_hash", "id"
        ):
            found[(SubjectKind.ID_NUMBER, digest)] = person
    for chunk in _chunks(phones):
        owners: dict[str, list[uuid.UUID]] = {}
        for digest, person in Person.objects.filter(phone_hash__in=chunk).values_list("phone_hash", "id"):
            owners.setdefault(digest, []).append(person)
        found.update({(SubjectKind.PHONE, d): p[0] for d, p in owners.items() if len(p) == 1})
    return found


def records_match_pending() -> int:
    """Link records of no known resident to residents registered since; returns how many."""
    by_id = Person.objects.filter(id_number_hash=OuterRef("subject_hash")).values("id")[:1]
    unique_phones = (
        Person.objects.exclude(phone_hash="")
        .values("phone_hash")
        .annotate(n=Count("id"))
        .filter(n=1)
        .values("phone_hash")
    )
    by_phone = Person.objects.filter(phone_hash=OuterRef("subject_hash")).values("id")[:1]
    pending = TravelRecord.objects.filter(person__isnull=True)
    with transaction.atomic():
        matched = pending.filter(
            subject_kind=SubjectKind.ID_NUMBER,
            subject_hash__in=Person.objects.values("id_number_hash"),
        ).update(person=Subquery(by_id))
        matched += pending.filter(subject_kind=SubjectKind.PHONE, subject_hash__in=unique_phones).update(
            person=Subquery(by_phone)
        )
    return matched


# Screening runs ----------------------------------------------------------------------------------


def screening_run_create(
    *,
    actor: Actor | None,
    region: str,
    as_of: dt.date | None = None,
    lookback_days: int | None = None,
    backend: str | None = None,
) -> ScreeningRun:
    """Record a run and its job without queueing it. `actor=None` is a system run (the command
    line); an actor needs screening.run covering the region (a province, prefecture or county)."""
    if actor is not None:
        require(actor, RUN)
    path = region_path(region)
    if len(path) not in RUN_LEVELS:
        raise run_invalid("region_level", _("Screen a province, a prefecture or a county."), "region")
    if actor is not None and not covers(actor, RUN, path):
        raise region_not_found()
    if not Region.objects.filter(code=path).exists():
        raise region_not_found()
    as_of = as_of or clock.today()
    if as_of > clock.today():
        raise run_invalid("as_of_in_future", _("The screening date cannot be in the future."), "as_of")
    days = settings.FANGYI_SCREENING_LOOKBACK_DAYS if lookback_days is None else lookback_days
    if not isinstance(days, int) or not 1 <= days <= MAX_LOOKBACK_DAYS:
        raise run_invalid("invalid_lookback", _("The look-back is between 1 and 60 days."), "lookback_days")
    backend = backend or settings.FANGYI_SCREENING_BACKEND
    if backend not in engine.BACKENDS:
        raise run_invalid("unknown_backend", _("The engine is duckdb or pyspark."), "backend")
    params = {"region": path, "as_of": as_of.isoformat(), "lookback_days": days, "backend": backend}
    with transaction.atomic():
        job = job_create(actor=actor, kind=RUN_JOB_KIND, region_path=path, capability=VIEW, params=params)
        run = ScreeningRun.objects.create(
            job=job,
            region_id=path,
            as_of=as_of,
            lookback_days=days,
            backend=backend,
            created_by_id=getattr(actor, "pk", None),
        )
        audit_record(actor=actor, action="screening.start", obj=run, region_path=path, data=params)
    return run


def screening_run_start(
    *,
    actor: Actor,
    region: str,
    as_of: dt.date | None = None,
    lookback_days: int | None = None,
    backend: str | None = None,
) -> ScreeningRun:
    """Start a screening of the region's residents; the worker runs it (progress on its job)."""
    require(actor, RUN)
    with transaction.atomic():
        run = screening_run_create(
            actor=actor, region=region, as_of=as_of, lookback_days=lookback_days, backend=backend
        )
        from fangyi.screening.tasks import screening_run_task

        transaction.on_commit(lambda: screening_run_task.enqueue(str(run.pk)))
    return run


STAGES = 4


def screening_run_execute(*, run_id: Any, progress: Progress | None = None) -> ScreeningRun:
    """Run a queued screening: match pending records, load the inputs, run the expression, store
    the hits and tallies, create the grid tasks. A run already running or finished is left alone."""
    try:
        run = ScreeningRun.objects.get(pk=run_id)
    except (ScreeningRun.DoesNotExist, ValidationError, ValueError, TypeError):
        raise run_not_found() from None
    if job_start(job_id=run.job_id) is None:
        return run
    ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    started = time.monotonic()

    def stage(done: int, message: str) -> None:
        job_progress(job_id=run.job_id, done=done, total=STAGES, message=message)
        if progress is not None:
            progress(done, STAGES, message)

    try:
        stage(0, gettext("Matching new records to residents"))
        matched = records_match_pending()
        stage(1, gettext("Loading records, residents and risk areas"))
        inputs = _inputs(run)
        stage(2, gettext("Screening on %(engine)s") % {"engine": run.backend})
        result = _screen(run, inputs)
        stage(3, gettext("Storing screened residents and tallies, creating grid tasks"))
        with transaction.atomic():  # all stored or none: progress inside would not show until commit
            _store(run, result)
            created, existing = grid_tasks_create(run=run)
            counts = {
                "records_scanned": inputs.records.num_rows,
                "records_unmatched": inputs.unmatched,
                "persons_screened": result.hits.num_rows,
                "tasks_created": created,
                "tasks_existing": existing,
                "seconds": round(time.monotonic() - started, 2),
            }
            ScreeningRun.objects.filter(pk=run.pk).update(
                status=RunStatus.SUCCEEDED, counts=counts, risk_areas=inputs.windows, finished_at=clock.now()
            )
            run.refresh_from_db()
            audit_record(
                actor=run.created_by,
                action="screening.finish",
                obj=run,
                region_path=run.region_id,
                data={**counts, "records_matched": matched},
            )
        job_finish(job_id=run.job_id, succeeded=True, message=_run_summary(counts), result=counts)
        if progress is not None:
            progress(STAGES, STAGES, gettext("Done"))
    except Exception as exc:
        logger.exception("screening run %s failed", run.pk)
        ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, finished_at=clock.now())
        message = exc.render_message() if isinstance(exc, DomainError) else gettext("The screening failed.")
        job_finish(job_id=run.job_id, succeeded=False, message=message)
        raise
    return run


def _run_summary(counts: dict[str, Any]) -> str:
    return (
        ngettext(
            "%(persons_screened)s resident screened from %(records_scanned)s records; "
            "%(tasks_created)s grid tasks created, %(tasks_existing)s already pending.",
            "%(persons_screened)s residents screened from %(records_scanned)s records; "
            "%(tasks_created)s grid tasks created, %(tasks_existing)s already pending.",
            counts["persons_screened"],
        )
        % counts
    )


@dataclass(frozen=True)
class _Inputs:
    records: pa.Table
    residents: pa.Table
    areas: pa.Table
    windows: list[dict[str, Any]]
    unmatched: int
    start: dt.datetime
    end: dt.datetime


def _inputs(run: ScreeningRun) -> _Inputs:
    """The run's residents, their records inside the look-back, and the risk windows, as Arrow."""
    first_day = run.as_of - dt.timedelta(days=run.lookback_days)
    start, end = _local_midnight(first_day), _local_midnight(run.as_of + dt.timedelta(days=1))
    aware = (start.replace(tzinfo=dt.UTC), end.replace(tzinfo=dt.UTC))
    residents = Person.objects.filter(home_region__code__startswith=run.region_id).values_list(
        "id", "home_region_id", "grid_id"
    )
    resident_rows: dict[str, list[Any]] = {"person_id": [], "home_region": [], "grid": []}
    for person, home, grid in residents.iterator(chunk_size=BATCH):
        resident_rows["person_id"].append(str(person))
        resident_rows["home_region"].append(home)
        resident_rows["grid"].append(grid)
    records = TravelRecord.objects.filter(
        person__home_region__code__startswith=run.region_id, at__gte=aware[0], at__lt=aware[1]
    ).values_list("id", "person_id", "area_code", "at")
    batches = []
    chunk: list[tuple[Any, ...]] = []
    for row in records.iterator(chunk_size=BATCH * 10):
        chunk.append(row)
        if len(chunk) == BATCH * 10:
            batches.append(_record_batch(chunk))
            chunk = []
    batches.append(_record_batch(chunk))
    windows = risk_windows(start=first_day, end=run.as_of)
    areas = engine.risk_areas_table(
        [
            (
                w["area_code"],
                _local_midnight(dt.date.fromisoformat(w["starts_on"])),
                _local_midnight(dt.date.fromisoformat(w["ends_on"])) if w["ends_on"] else None,
            )
            for w in windows
        ]
    )
    unmatched = TravelRecord.objects.filter(person__isnull=True, at__gte=aware[0], at__lt=aware[1]).count()
    return _Inputs(
        records=pa.Table.from_batches(batches, schema=engine.RECORDS_SCHEMA),
        residents=pa.Table.from_pydict(resident_rows, schema=engine.RESIDENTS_SCHEMA),
        areas=areas,
        windows=windows,
        unmatched=unmatched,
        start=start,
        end=end,
    )


def _record_batch(rows: list[tuple[Any, ...]]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {
            "record_id": [row[0] for row in rows],
            "person_id": [str(row[1]) for row in rows],
            "area_code": [row[2] for row in rows],
            "at": [row[3].astimezone(dt.UTC).replace(tzinfo=None) for row in rows],
        },
        schema=engine.RECORDS_SCHEMA,
    )


def _screen(run: ScreeningRun, inputs: _Inputs) -> engine.Result:
    connection = engine.connect(run.backend, spark_master=settings.FANGYI_SPARK_MASTER)
    suffix = run.pk.hex
    return engine.run(
        engine.table(connection, inputs.records, f"records_{suffix}"),
        engine.table(connection, inputs.residents, f"residents_{suffix}"),
        inputs.areas,
        start=inputs.start,
        end=inputs.end,
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC)


def _store(run: ScreeningRun, result: engine.Result) -> None:
    hits = result.hits.to_pylist()
    ScreeningHit.objects.bulk_create(
        [
            ScreeningHit(
                run=run,
                person_id=hit["person_id"],
                home_region_id=hit["home_region"],
                grid_id=hit["grid"],
                area_code=hit["area_code"],
                first_seen=_aware(hit["first_seen"]),
                last_seen=_aware(hit["last_seen"]),
                records=hit["records"],
            )
            for hit in hits
        ],
        batch_size=BATCH,
    )
    ScreeningTally.objects.bulk_create(
        [
            ScreeningTally(
                run=run, level=TallyLevel(tally["level"]), code=tally["code"], persons=tally["persons"]
            )
            for tally in result.tallies.to_pylist()
        ],
        batch_size=BATCH,
    )


# Grid tasks --------------------------------------------------------------------------------------


@transaction.atomic
def grid_tasks_create(*, run: ScreeningRun) -> tuple[int, int]:
    """A door-to-door task for each screened resident of the run without a pending task (created,
    already pending). Each task goes to the resident's village and grid, due in
    FANGYI_GRID_TASK_HOURS."""
    hits = list(
        ScreeningHit.objects.filter(run=run).values_list(
            "person_id", "home_region_id", "grid_id", "area_code", "first_seen", "last_seen", "records"
        )
    )
    pending: set[uuid.UUID] = set()
    for chunk in _chunks([hit[0] for hit in hits]):
        pending.update(
            GridTask.objects.filter(person_id__in=chunk)
            .exclude(status=TaskStatus.DONE)
            .values_list("person_id", flat=True)
        )
    names = area_names({hit[3] for hit in hits})
    now = clock.now()
    due = now + dt.timedelta(hours=settings.FANGYI_GRID_TASK_HOURS)
    tasks = [
        GridTask(
            run=run,
            person_id=person,
            region_id=home,
            grid_id=grid,
            reason=_reason(names.get(area, area), area, first, last, records),
            due_at=due,
            created_at=now,
        )
        for person, home, grid, area, first, last, records in hits
        if person not in pending
    ]
    GridTask.objects.bulk_create(tasks, batch_size=BATCH)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor_id=run.created_by_id,
                at=now,
                action="grid_task.create",
                object_type=GridTask._meta.label_lower,
                object_id=str(task.pk),
                region_path=task.region_id,
                data={"run": str(run.pk)},
            )
            for task in tasks
        ],
        batch_size=BATCH,
    )
    return len(tasks), len(hits) - len(tasks)


def _reason(name: str, code: str, first: dt.datetime, last: dt.datetime, records: int) -> str:
    first_day = first.astimezone(clock.SHANGHAI).date().isoformat()
    last_day = last.astimezone(clock.SHANGHAI).date().isoformat()
    text = ngettext(
        "In a risk area: %(name)s (%(code)s), %(first)s to %(last)s, %(records)s record.",
        "In a risk area: %(name)s (%(code)s), %(first)s to %(last)s, %(records)s records.",
        records,
    ) % {"name": name, "code": code, "first": first_day, "last": last_day, "records": records}
    return text[:256]


@transaction.atomic
def grid_task_verify(
    *,
    actor: Actor,
    task_id: Any,
    outcome: str,
    note: str = "",
    site_id: int | None = None,
    room: str = "",
) -> GridTask:
    """Record what the door-to-door visit found.

    The grid worker (screening.verify covering the village) takes an open task; not found escalates
    it to the township and county, who close it with a final outcome. Present outcomes open an
    observation (quarantine), whose refusals come back unchanged with nothing written.
    """
    require(actor, VERIFY)
    try:
        task = GridTask.objects.select_for_update().get(pk=task_id)
    except (GridTask.DoesNotExist, ValidationError, ValueError, TypeError):
        raise grid_task_not_found() from None
    if not covers(actor, VERIFY, task.region_id):
        raise grid_task_not_found()
    if task.status == TaskStatus.DONE:
        raise grid_task_done()
    if outcome not in Outcome.values:
        raise grid_task_invalid("invalid_outcome", _("Choose what the visit found."), "outcome")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise grid_task_invalid("note_too_long", _("Keep the note under 256 characters."), "note")
    if task.status == TaskStatus.ESCALATED:
        if not covers(actor, VERIFY, task.region_id[:9]):
            raise grid_task_invalid(
                "escalated",
                _("This resident was not found; the township or county closes the task now."),
                "outcome",
                status=409,
            )
        if outcome == Outcome.NOT_FOUND:
            raise grid_task_invalid(
                "already_escalated",
                _("The task is already escalated: close it with what the search found."),
                "outcome",
                status=409,
            )
    now = clock.now()
    if outcome == Outcome.NOT_FOUND:
        task.status = TaskStatus.ESCALATED
        task.escalated_at = now
        task.outcome = outcome
        task.note = note
        task.save(update_fields=["status", "escalated_at", "outcome", "note"])
        audit_record(
            actor=actor, action="grid_task.escalate", obj=task, region_path=task.region_id, reason=note
        )
        return task
    if outcome in PRESENT:
        hit = ScreeningHit.objects.get(run_id=task.run_id, person_id=task.person_id)
        task.observation = observation_start(
            actor=None,
            person_id=task.person_id,
            kind=PRESENT[Outcome(outcome)],
            source=ObservationSource.SCREENING,
            last_exposure_on=hit.last_seen.astimezone(clock.SHANGHAI).date(),
            site_id=site_id,
            room=room,
        )
    task.status = TaskStatus.DONE
    task.outcome = outcome
    task.note = note
    task.done_at = now
    task.done_by_id = actor.pk
    task.save(update_fields=["status", "outcome", "note", "done_at", "done_by", "observation"])
    audit_record(
        actor=actor,
        action="grid_task.verify",
        obj=task,
        region_path=task.region_id,
        reason=note,
        data={
            "outcome": outcome,
            "observation": str(task.observation_id) if task.observation_id else None,
        },
    )
    return task
