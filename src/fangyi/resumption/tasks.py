"""Background tasks for resumption: each loads its job by id and calls a service."""

from django_tasks import task

from fangyi.resumption.services import enterprises_import_run


@task()
def enterprises_import_task(job_id: str) -> None:
    """Run a queued enterprise import. Running it again for the same job does nothing."""
    enterprises_import_run(job_id=job_id)
