"""Background tasks for people: each loads its job by id and calls a service."""

from django_tasks import task

from fangyi.people.services import people_import_run


@task()
def people_import_task(job_id: str) -> None:
    """Run a queued resident import. Running it again for the same job does nothing."""
    people_import_run(job_id=job_id)
