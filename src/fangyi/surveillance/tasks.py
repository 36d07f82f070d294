"""Background tasks for surveillance: each loads its job by id and calls a service."""

from django_tasks import task

from fangyi.surveillance.services import cases_import_run


@task()
def cases_import_task(job_id: str) -> None:
    """Run a queued line-list import. Running it again for the same job does nothing."""
    cases_import_run(job_id=job_id)
