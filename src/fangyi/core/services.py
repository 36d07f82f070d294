import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor
from fangyi.core.errors import DomainError, PermissionDenied
from fangyi.core.models import AuditEvent, Job, JobStatus

logger = logging.getLogger(__name__)


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    region_path: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event. Call inside the service's transaction so both commit or neither."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        region_path=region_path,
        reason=reason,
        data=data or {},
    )


# Background jobs ---------------------------------------------------------------------------------


@transaction.atomic
def job_create(
    *,
    actor: Any,
    kind: str,
    region_path: str = "",
    capability: str = "",
    params: dict[str, Any] | None = None,
    input_name: str = "",
    input_data: bytes = b"",
) -> Job:
    """Record a job to be run by the worker. Enqueue its task with transaction.on_commit."""
    job = Job.objects.create(
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        region_path=region_path,
        capability=capability,
        params=params or {},
        input_name=input_name[:255],
        input_data=input_data,
    )
    audit_record(
        actor=actor,
        action="job.create",
        obj=job,
        region_path=region_path,
        data={"kind": kind, "input_name": job.input_name, "params": job.params},
    )
    return job


def job_start(*, job_id: Any) -> Job | None:
    """Mark a queued job running. None if it is gone or already running/finished (idempotent)."""
    now = clock.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now
    )
    return Job.objects.get(pk=job_id) if claimed else None


def job_progress(*, job_id: Any, done: int, total: int, message: str = "") -> None:
    """Record progress. Commits on its own (outside any long transaction) so pages can poll it."""
    fields: dict[str, Any] = {"done": max(done, 0), "total": max(total, 0)}
    if message:
        fields["message"] = message
    Job.objects.filter(pk=job_id).update(**fields)


@transaction.atomic
def job_finish(
    *, job_id: Any, succeeded: bool, message: str = "", result: dict[str, Any] | None = None
) -> Job:
    """Mark a job finished with its outcome; the input file is dropped once it is no longer needed."""
    job = Job.objects.select_for_update().get(pk=job_id)
    job.status = JobStatus.SUCCEEDED if succeeded else JobStatus.FAILED
    job.message = message
    job.result = result or {}
    job.finished_at = clock.now()
    if succeeded and job.total:
        job.done = job.total
    job.input_data = b""
    job.save(update_fields=["status", "message", "result", "finished_at", "done", "input_data"])
    audit_record(
        actor=job.actor,
        action="job.finish",
        obj=job,
        region_path=job.region_path,
        data={"status": job.status},
    )
    return job


def job_run_import(
    *,
    job_id: Any,
    read_rows: Callable[[str, bytes], Sequence[Any]],
    run: Callable[[Actor, dict[str, Any], Sequence[Any], Callable[[int, int, str], None]], dict[str, Any]],
    succeeded: Callable[[dict[str, Any]], bool],
    summary: Callable[[dict[str, Any]], str],
) -> Job | None:
    """The worker's side of a file import: read the job's file, `run` it as the job's actor with
    the job's params, record the outcome.

    Progress is written at most twice a second. A refusal (an unreadable file, a user who may not
    import) finishes the job as failed with the error as its only row error; anything unexpected is
    logged, marks the job failed and is raised again for the worker. Idempotent: a job already
    running or finished is left alone (None).
    """
    job = job_start(job_id=job_id)
    if job is None:
        return None
    last = [0.0]

    def report(done: int, total: int, detail: str = "") -> None:
        now = time.monotonic()
        if done == total or now - last[0] >= 0.5:
            last[0] = now
            job_progress(job_id=job.pk, done=done, total=total)

    try:
        if job.actor is None:
            raise PermissionDenied()
        rows = read_rows(job.input_name, bytes(job.input_data))
        job_progress(job_id=job.pk, done=0, total=len(rows))
        result = run(cast(Actor, job.actor), job.params or {}, rows, report)
    except DomainError as exc:
        return job_finish(
            job_id=job.pk,
            succeeded=False,
            message=exc.render_message(),
            result={"errors": [exc.as_row_error(0)], "imported": 0, **(job.params or {})},
        )
    except Exception:
        logger.exception("%s job %s failed", job.kind, job.pk)
        job_finish(job_id=job.pk, succeeded=False, message=str(_("The import failed unexpectedly.")))
        raise
    return job_finish(job_id=job.pk, succeeded=succeeded(result), message=summary(result), result=result)
