"""Background tasks for labs: each loads its job by id and calls a service."""

from django_tasks import task

from fangyi.labs.services import results_import_run


@task()
def results_import_task(job_id: str) -> None:
    """Run a queued result-file import. Running it again for the same job does nothing."""
    results_import_run(job_id=job_id)
