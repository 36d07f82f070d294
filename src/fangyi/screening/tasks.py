"""Background tasks for screening: each loads its object by id and calls a service."""

from django_tasks import task

from fangyi.screening.services import screening_run_execute, travel_import_run


@task()
def travel_import_task(job_id: str) -> None:
    """Run a queued travel-record import. Running it again for the same job does nothing."""
    travel_import_run(job_id=job_id)


@task()
def screening_run_task(run_id: str) -> None:
    """Run a queued screening. Running it again for the same run does nothing."""
    screening_run_execute(run_id=run_id)
