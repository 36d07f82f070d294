"""Events surveillance publishes for higher apps (see fangyi.core.events)."""

import dataclasses

from fangyi.core.events import DomainEvent, event_type


@event_type
@dataclasses.dataclass(frozen=True)
class CaseStatusChanged(DomainEvent):
    """A case was reported, confirmed, excluded, cured or closed by death."""

    name = "surveillance.case_status_changed"
    person_id: str
    case_id: str
    classification: str
    outcome: str
