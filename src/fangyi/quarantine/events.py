"""Events quarantine publishes for higher apps (see fangyi.core.events)."""

import dataclasses

from fangyi.core.events import DomainEvent, event_type


@event_type
@dataclasses.dataclass(frozen=True)
class ObservationStarted(DomainEvent):
    """A resident was placed under medical observation."""

    name = "quarantine.observation_started"
    person_id: str
    period_id: str


@event_type
@dataclasses.dataclass(frozen=True)
class ObservationEnded(DomainEvent):
    """An observation period ended: released, became a case, or cancelled as entered in error."""

    name = "quarantine.observation_ended"
    person_id: str
    period_id: str
    status: str


@event_type
@dataclasses.dataclass(frozen=True)
class FeverReported(DomainEvent):
    """A check-in of a resident under observation read a fever (a referral was opened with it)."""

    name = "quarantine.fever_reported"
    person_id: str
    period_id: str
