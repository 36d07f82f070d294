"""Domain events: recorded with the write, delivered after commit, replayable."""

import dataclasses
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from fangyi.core import events
from fangyi.core.models import EventRecord


@events.event_type
@dataclasses.dataclass(frozen=True)
class Pinged(events.DomainEvent):
    name = "tests.pinged"
    target: str


@pytest.fixture
def received(monkeypatch):
    seen: list[str] = []
    monkeypatch.setitem(events._handlers, Pinged.name, [lambda event: seen.append(event.target)])
    return seen


def test_an_event_is_recorded_and_delivered_after_commit(db, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(Pinged(target="a"))
        assert received == []
    assert received == ["a"]
    assert EventRecord.objects.get().payload == {"target": "a"}


def test_a_rolled_back_write_publishes_nothing(transactional_db, received):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(Pinged(target="lost"))
        raise RuntimeError
    assert received == [] and not EventRecord.objects.exists()


def test_a_failing_handler_does_not_stop_the_others(received, monkeypatch):
    def broken(event):
        raise ValueError("boom")

    monkeypatch.setitem(events._handlers, Pinged.name, [broken, *events._handlers[Pinged.name]])
    assert events.deliver(Pinged(target="b")) == 1
    assert received == ["b"]


def test_unregistered_events_are_refused(db):
    @dataclasses.dataclass(frozen=True)
    class Stray(events.DomainEvent):
        name = "tests.stray"

    with pytest.raises(ValueError):
        events.publish(Stray())


def test_recorded_events_can_be_replayed(db, received):
    EventRecord.objects.create(name=Pinged.name, payload={"target": "again"})
    EventRecord.objects.create(name="tests.unknown", payload={})
    out = io.StringIO()
    call_command("replay_events", "--since", "2000-01-01", stdout=out)
    assert received == ["again"]
    assert "replayed 1 events, skipped 1" in out.getvalue()


def test_replay_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("replay_events", "--since", "yesterday")
