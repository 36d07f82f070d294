from django_tasks import task

from fangyi.healthpass.services import colours_refresh, colours_refresh_due, scans_purge


@task()
def colours_refresh_task(person_ids: list[str]) -> int:
    """Re-apply the colour rules to residents whose facts changed (after a domain event)."""
    return len(colours_refresh(person_ids=person_ids))


@task()
def colours_refresh_due_task() -> int:
    return colours_refresh_due()


@task()
def scans_purge_task() -> int:
    return scans_purge()
