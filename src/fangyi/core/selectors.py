"""Reads for core: one row by its key, background jobs."""

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from fangyi.core.access import Actor, covers
from fangyi.core.errors import NotFound
from fangyi.core.models import Job

M = TypeVar("M", bound=Model)


def row_by_key(rows: QuerySet[M], value: Any, key: str = "pk") -> M | None:
    """The row of `rows` whose `key` (the primary key by default) is `value`; None when there is
    none or the value is malformed (not a UUID, not an integer, an integer out of range)."""
    try:
        return rows.filter(**{key: value}).first()
    except (ValidationError, ValueError, TypeError, OverflowError):
        return None


def job_not_found() -> NotFound:
    return NotFound("job.not_found", _("No such job."))


def job_get(*, actor: Actor, job_id: Any) -> Job:
    """A job the actor started, or one inside the actor's jurisdiction for the job's capability.

    Anything else is "not found", exactly like a job that does not exist.
    """
    try:
        job = Job.objects.select_related("actor").defer("input_data").get(pk=job_id)
    except (Job.DoesNotExist, ValidationError, ValueError, TypeError):
        raise job_not_found() from None
    if actor is None or getattr(actor, "pk", None) is None:
        raise job_not_found()
    if job.actor_id == actor.pk:
        return job
    if job.capability and job.region_path and covers(actor, job.capability, job.region_path):
        return job
    raise job_not_found()


def job_list_own(*, actor: Actor, kind: str | None = None) -> QuerySet[Job]:
    """The jobs the actor started, newest first."""
    if actor is None or getattr(actor, "pk", None) is None:
        return Job.objects.none()
    jobs = Job.objects.filter(actor_id=actor.pk).defer("input_data")
    if kind:
        jobs = jobs.filter(kind=kind)
    return jobs.order_by("-created_at")
