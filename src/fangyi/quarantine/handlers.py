"""Reactions to events of the apps below."""

from fangyi.core.events import subscribe
from fangyi.quarantine.tasks import observation_end_for_case_task
from fangyi.surveillance.choices import Classification
from fangyi.surveillance.events import CaseStatusChanged

BECAME_A_CASE = (Classification.CONFIRMED, Classification.ASYMPTOMATIC)


def _case_status_changed(event: CaseStatusChanged) -> None:
    """A confirmed case or an asymptomatic infection leaves observation for treatment."""
    if event.classification in BECAME_A_CASE and not event.outcome:
        observation_end_for_case_task.enqueue(event.case_id)


def connect() -> None:
    subscribe(CaseStatusChanged, _case_status_changed)
