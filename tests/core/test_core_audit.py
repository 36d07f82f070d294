"""Audit events are append-only; the clock is injectable."""

import datetime as dt

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from fangyi.core import clock
from fangyi.core.models import AppendOnlyError, AuditEvent
from fangyi.core.services import audit_record
from fangyi.regions.models import Region


@pytest.fixture
def event(make_user) -> AuditEvent:
    actor = make_user()
    return audit_record(
        actor=actor,
        action="person.reveal",
        obj=Region.objects.get(code="430102"),
        region_path="430102",
        reason="流调核实身份",
        data={"n": 1},
    )


def test_audit_record_stores_what_was_done(event):
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.object_type, stored.object_id) == (
        "person.reveal",
        "regions.region",
        "430102",
    )
    assert (stored.region_path, stored.reason, stored.data) == ("430102", "流调核实身份", {"n": 1})
    assert stored.actor_id == event.actor_id


def test_audit_record_without_a_saved_actor_is_the_system(db):
    event = audit_record(actor=None, action="demo.seed", obj=Region.objects.get(code="43"))
    assert event.actor_id is None


def test_audit_event_cannot_be_saved_again(event):
    event.reason = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).reason == "流调核实身份"


def test_audit_event_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_events_cannot_be_updated_or_deleted_in_bulk(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == "流调核实身份"


def test_an_actor_with_audit_events_cannot_be_deleted(event):
    with pytest.raises(ProtectedError):
        event.actor.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_event_time_comes_from_the_clock(make_user):
    moment = dt.datetime(2020, 1, 23, 2, 0, tzinfo=dt.UTC)
    with clock.frozen_at(moment):
        event = audit_record(actor=make_user(), action="x.y", obj=Region.objects.get(code="43"))
    assert AuditEvent.objects.get(pk=event.pk).at == moment


def test_frozen_at_fixes_now_and_today():
    moment = dt.datetime(2020, 1, 23, 10, 0, tzinfo=clock.SHANGHAI)  # 武汉 closed its gates
    with clock.frozen_at(moment) as frozen:
        assert frozen == moment
        assert frozen.tzinfo == dt.UTC
        assert clock.now() == moment
        assert clock.now().utcoffset() == dt.timedelta(0)
        assert clock.today() == dt.date(2020, 1, 23)
    assert abs(clock.now() - timezone.now()) < dt.timedelta(seconds=5)


def test_today_is_the_day_in_shanghai():
    with clock.frozen_at(dt.datetime(2020, 1, 23, 16, 30, tzinfo=dt.UTC)):  # 00:30 on the 24th
        assert clock.today() == dt.date(2020, 1, 24)
    with clock.frozen_at(dt.datetime(2020, 1, 23, 15, 59, tzinfo=dt.UTC)):
        assert clock.today() == dt.date(2020, 1, 23)


def test_frozen_at_nests_and_restores_even_after_an_error():
    outer = dt.datetime(2020, 1, 23, tzinfo=dt.UTC)
    inner = dt.datetime(2020, 2, 1, tzinfo=dt.UTC)
    with clock.frozen_at(outer):
        with pytest.raises(ZeroDivisionError), clock.frozen_at(inner):
            assert clock.now() == inner
            1 / 0  # noqa: B018
        assert clock.now() == outer
    assert clock.now() != outer


def test_frozen_at_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="aware"), clock.frozen_at(dt.datetime(2020, 1, 23)):
        pass
    assert clock.now().tzinfo is not None
