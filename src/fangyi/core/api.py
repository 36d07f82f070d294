"""Background jobs: progress and outcome of long work started through other endpoints."""

import uuid

from django.http import HttpRequest
from ninja import Router

from fangyi.core.api_errors import ERRORS_READ, request_actor
from fangyi.core.models import Job
from fangyi.core.schemas import JobOut
from fangyi.core.selectors import job_get

router = Router(tags=["jobs"])


def job_out(job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        done=job.done,
        total=job.total,
        percent=job.percent,
        message=job.message,
        result=job.result,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


@router.get("/{job_id}", response={200: JobOut, **ERRORS_READ})
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> JobOut:
    """A job you started, or one in your jurisdiction: status, progress and result."""
    return job_out(job_get(actor=request_actor(request), job_id=job_id))
