"""Events labs publishes for higher apps (see fangyi.core.events)."""

import dataclasses

from fangyi.core.events import DomainEvent, event_type


@event_type
@dataclasses.dataclass(frozen=True)
class ReferralChanged(DomainEvent):
    """A referral was opened, or closed as cleared or as reported as a suspected case."""

    name = "labs.referral_changed"
    person_id: str
    referral_id: str
    status: str


@event_type
@dataclasses.dataclass(frozen=True)
class ResultReported(DomainEvent):
    """A laboratory result of a resident was recorded."""

    name = "labs.result_reported"
    person_id: str
    result_id: str
    positive: bool
