from django_tasks import task

from fangyi.quarantine.services import alerts_raise_missed, observation_end_for_case


@task()
def observation_end_for_case_task(case_id: str) -> bool:
    """A resident under observation became a case: their period ends for treatment."""
    return observation_end_for_case(case_id=case_id) is not None


@task()
def alerts_raise_missed_task() -> int:
    return alerts_raise_missed()
