"""Reactions to events of the apps below: their facts changed, so a colour may have."""

from typing import Any

from fangyi.core.events import subscribe
from fangyi.healthpass.tasks import colours_refresh_task


def _refresh_person(event: Any) -> None:
    colours_refresh_task.enqueue([event.person_id])


def connect() -> None:
    from fangyi.labs.events import ReferralChanged, ResultReported
    from fangyi.quarantine.events import FeverReported, ObservationEnded, ObservationStarted
    from fangyi.surveillance.events import CaseStatusChanged

    subscribe(CaseStatusChanged, _refresh_person)
    subscribe(ReferralChanged, _refresh_person)
    subscribe(ResultReported, _refresh_person)
    subscribe(ObservationStarted, _refresh_person)
    subscribe(ObservationEnded, _refresh_person)
    subscribe(FeverReported, _refresh_person)
