"""Domain events: how a lower app lets higher apps react without importing them (DOMAIN.md).

A service publishes a typed event inside its transaction; the event is recorded with it and,
after commit, delivered to the handlers that higher apps subscribed in `AppConfig.ready()`.
A handler that does real work enqueues a background task. A rolled-back write publishes
nothing; a handler that failed can be run again from the record (`fangyi replay-events`).
"""

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.db import transaction

from fangyi.core.models import EventRecord

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class DomainEvent:
    """Base of every event: a frozen dataclass of JSON-ready fields with a stable `name`."""

    name: ClassVar[str] = ""

    def payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]

_event_types: dict[str, type[DomainEvent]] = {}
_handlers: defaultdict[str, list[Handler]] = defaultdict(list)


def event_type(cls: type[E]) -> type[E]:
    """Class decorator: register an event type under its `name` so records can be replayed."""
    if not cls.name or _event_types.get(cls.name, cls) is not cls:
        raise ValueError(f"event type needs a unique name: {cls!r}")
    _event_types[cls.name] = cls
    return cls


def subscribe(event_cls: type[E], handler: Callable[[E], None]) -> None:
    """Call `handler(event)` after commit for every `event_cls` published. Idempotent."""
    if handler not in _handlers[event_cls.name]:
        _handlers[event_cls.name].append(handler)


def publish(event: DomainEvent) -> EventRecord:
    """Record `event` in the current transaction and deliver it once the transaction commits."""
    if event.name not in _event_types:
        raise ValueError(f"unregistered event type: {event.name}")
    record = EventRecord.objects.create(name=event.name, payload=event.payload())
    transaction.on_commit(lambda: deliver(event))
    return record


def deliver(event: DomainEvent) -> int:
    """Run every handler of `event`; one failing handler is logged and does not stop the others."""
    delivered = 0
    for handler in _handlers.get(event.name, ()):
        try:
            handler(event)
            delivered += 1
        except Exception:  # the write has committed; the record allows a replay
            logger.exception("handler %r failed for event %s", handler, event.name)
    return delivered


def event_from_record(record: EventRecord) -> DomainEvent:
    cls = _event_types.get(record.name)
    if cls is None:
        raise LookupError(record.name)
    return cls(**record.payload)
