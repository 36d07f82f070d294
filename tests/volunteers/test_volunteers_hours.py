import datetime as dt
import threading

import pytest
from django.db import connection
from tests.volunteers.conftest import at, postgres_only

from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.volunteers import selectors, services
from fangyi.volunteers.choices import HoursStatus
from fangyi.volunteers.models import HoursRecord


def _code(excinfo) -> str:
    return excinfo.value.code


def test_check_in_and_out_then_approval(volunteer, assigned, coordinator):
    user, _vol = volunteer
    record = services.hours_check_in(actor=user, signup_id=assigned.pk, at=at(10, 8))
    assert record.status == HoursStatus.ON_DUTY
    assert [s.open_record_id for s in selectors.my_signups(actor=user)] == [record.pk]
    record = services.hours_check_out(actor=user, record_id=record.pk, at=at(10, 9, 30))
    assert record.minutes == 90 and record.status == HoursStatus.PENDING
    assert [r.pk for r in selectors.hours_pending(actor=coordinator)] == [record.pk]
    record = services.hours_decide(actor=coordinator, record_id=record.pk, approve=True)
    assert record.status == HoursStatus.APPROVED and record.decided_by_id == coordinator.pk
    assert selectors.my_volunteer(actor=user).approved_minutes == 90


def test_check_in_defaults_to_now(volunteer, assigned, frozen_now):
    user, _vol = volunteer
    record = services.hours_check_in(actor=user, signup_id=assigned.pk)
    assert record.check_in_at == frozen_now


def test_checking_in_twice_is_refused(volunteer, assigned):
    user, _vol = volunteer
    services.hours_check_in(actor=user, signup_id=assigned.pk, at=at(10, 8))
    with pytest.raises(DomainError) as excinfo:
        services.hours_check_in(actor=user, signup_id=assigned.pk, at=at(10, 9))
    assert _code(excinfo) == "hours.already_on_duty" and excinfo.value.status == 409
    assert HoursRecord.objects.count() == 1


def test_only_an_assigned_volunteer_checks_in(volunteer, mission, coordinator, make_volunteer):
    user, _vol = volunteer
    signup = services.signup_create(actor=user, mission_id=mission.pk)
    with pytest.raises(DomainError) as excinfo:
        services.hours_check_in(actor=user, signup_id=signup.pk, at=at(10, 8))
    assert _code(excinfo) == "signup.not_assigned"
    services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
    other_user, _other = make_volunteer()
    with pytest.raises(NotFound):
        services.hours_check_in(actor=other_user, signup_id=signup.pk, at=at(10, 8))
    assert not HoursRecord.objects.exists()


@pytest.mark.parametrize(
    ("moment", "code"),
    [
        (at(10, 6, 59), "hours.outside_mission"),  # more than an hour before the start (08:00)
        (at(10, 10, 5), "hours.in_future"),  # it is 10:00
        (dt.datetime(2020, 2, 10, 9), "time.invalid"),  # no time zone
    ],
)
def test_check_in_times(volunteer, assigned, moment, code):
    user, _vol = volunteer
    with pytest.raises(DomainError) as excinfo:
        services.hours_check_in(actor=user, signup_id=assigned.pk, at=moment)
    assert _code(excinfo) == code and excinfo.value.status == 400
    assert not HoursRecord.objects.exists()


def test_check_in_within_the_hour_before_the_start(volunteer, assigned):
    user, _vol = volunteer
    assert services.hours_check_in(actor=user, signup_id=assigned.pk, at=at(10, 7, 1)).pk


def test_check_out_errors(volunteer, assigned, make_volunteer):
    user, _vol = volunteer
    record = services.hours_check_in(actor=user, signup_id=assigned.pk, at=at(10, 8))
    with pytest.raises(DomainError) as excinfo:
        services.hours_check_out(actor=user, record_id=record.pk, at=at(10, 7, 30))
    assert _code(excinfo) == "hours.check_out_before_check_in"
    with pytest.raises(DomainError) as excinfo:
        services.hours_check_out(actor=user, record_id=record.pk, at=at(10, 11))
    assert _code(excinfo) == "hours.in_future"
    other_user, _other = make_volunteer()
    with pytest.raises(NotFound):
        services.hours_check_out(actor=other_user, record_id=record.pk, at=at(10, 9))
    record.refresh_from_db()
    assert record.status == HoursStatus.ON_DUTY and record.check_out_at is None
    services.hours_check_out(actor=user, record_id=record.pk, at=at(10, 9))
    with pytest.raises(DomainError) as excinfo:
        services.hours_check_out(actor=user, record_id=record.pk, at=at(10, 9, 30))
    assert _code(excinfo) == "hours.not_on_duty"


def test_the_same_hours_logged_twice_are_refused(assigned, coordinator):
    services.hours_log(
        actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9)
    )
    with pytest.raises(DomainError) as excinfo:
        services.hours_log(
            actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9)
        )
    assert _code(excinfo) == "hours.overlap" and excinfo.value.status == 409
    assert HoursRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(10, 8, 30), at(10, 9, 30)),  # starts inside
        (at(10, 7, 30), at(10, 8, 30)),  # ends inside
        (at(10, 7, 30), at(10, 9, 30)),  # covers it
        (at(10, 8, 15), at(10, 8, 45)),  # inside it
    ],
)
def test_overlapping_hours_are_refused(assigned, coordinator, start, end):
    services.hours_log(
        actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9)
    )
    with pytest.raises(DomainError) as excinfo:
        services.hours_log(actor=coordinator, signup_id=assigned.pk, check_in_at=start, check_out_at=end)
    assert _code(excinfo) == "hours.overlap"
    assert HoursRecord.objects.count() == 1


def test_adjacent_hours_are_fine(assigned, coordinator):
    services.hours_log(
        actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9)
    )
    services.hours_log(
        actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 9), check_out_at=at(10, 9, 45)
    )
    assert HoursRecord.objects.count() == 2


def test_overlap_across_missions_of_the_same_volunteer(volunteer, assigned, coordinator, make_mission):
    user, _vol = volunteer
    other = make_mission()
    signup = services.signup_create(actor=user, mission_id=other.pk)
    services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
    services.hours_log(
        actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9)
    )
    with pytest.raises(DomainError) as excinfo:
        services.hours_check_in(actor=user, signup_id=signup.pk, at=at(10, 8, 30))
    assert _code(excinfo) == "hours.overlap"
    # Checked in after the logged hours, checking out cannot reach back into them either.
    record = services.hours_check_in(actor=user, signup_id=signup.pk, at=at(10, 9, 30))
    assert services.hours_check_out(actor=user, record_id=record.pk, at=at(10, 9, 50)).minutes == 20


def test_a_log_over_an_open_duty_is_refused(volunteer, assigned, coordinator):
    user, _vol = volunteer
    services.hours_check_in(actor=user, signup_id=assigned.pk, at=at(10, 8))
    with pytest.raises(DomainError) as excinfo:
        services.hours_log(
            actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 9), check_out_at=at(10, 9, 30)
        )
    assert _code(excinfo) == "hours.overlap"


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (at(10, 9), at(10, 8), "hours.check_out_before_check_in"),
        (at(10, 9), at(10, 9), "hours.check_out_before_check_in"),
        (at(10, 9), at(10, 11), "hours.in_future"),
        (at(9, 8), at(9, 9), "hours.outside_mission"),
    ],
)
def test_log_times(assigned, coordinator, start, end, code):
    with pytest.raises(DomainError) as excinfo:
        services.hours_log(actor=coordinator, signup_id=assigned.pk, check_in_at=start, check_out_at=end)
    assert _code(excinfo) == code
    assert not HoursRecord.objects.exists()


def test_a_duty_lasts_at_most_a_day(volunteer, coordinator, make_mission):
    user, _vol = volunteer
    long = make_mission(starts_at=at(7, 8), ends_at=at(10, 20))
    signup = services.signup_create(actor=user, mission_id=long.pk)
    services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
    with pytest.raises(DomainError) as excinfo:
        services.hours_log(
            actor=coordinator, signup_id=signup.pk, check_in_at=at(7, 8), check_out_at=at(8, 9)
        )
    assert _code(excinfo) == "hours.too_long"


def test_hours_are_logged_by_a_coordinator_of_the_region(assigned, other_coordinator, volunteer):
    user, _vol = volunteer
    with pytest.raises(NotFound):
        services.hours_log(
            actor=other_coordinator, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9)
        )
    with pytest.raises(PermissionDenied):
        services.hours_log(actor=user, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9))
    assert not HoursRecord.objects.exists()


def test_decisions(volunteer, assigned, coordinator, other_coordinator):
    user, _vol = volunteer
    record = services.hours_check_in(actor=user, signup_id=assigned.pk, at=at(10, 8))
    with pytest.raises(DomainError) as excinfo:
        services.hours_decide(actor=coordinator, record_id=record.pk, approve=True)
    assert _code(excinfo) == "hours.not_checked_out"
    services.hours_check_out(actor=user, record_id=record.pk, at=at(10, 9))
    with pytest.raises(NotFound):
        services.hours_decide(actor=other_coordinator, record_id=record.pk, approve=True)
    with pytest.raises(DomainError) as excinfo:
        services.hours_decide(actor=coordinator, record_id=record.pk, approve=False)
    assert _code(excinfo) == "hours.reason_required"
    record.refresh_from_db()
    assert record.status == HoursStatus.PENDING
    rejected = services.hours_decide(actor=coordinator, record_id=record.pk, approve=False, note="不在岗")
    assert rejected.status == HoursStatus.REJECTED and rejected.note == "不在岗"
    with pytest.raises(DomainError) as excinfo:
        services.hours_decide(actor=coordinator, record_id=record.pk, approve=True)
    assert _code(excinfo) == "hours.already_decided"
    assert selectors.my_volunteer(actor=user).approved_minutes == 0


def test_withdrawing_while_on_duty_is_refused(volunteer, assigned):
    user, _vol = volunteer
    services.hours_check_in(actor=user, signup_id=assigned.pk, at=at(10, 8))
    with pytest.raises(DomainError) as excinfo:
        services.signup_withdraw(actor=user, signup_id=assigned.pk)
    assert _code(excinfo) == "hours.already_on_duty"


def test_a_cancelled_mission_takes_no_check_in(volunteer, mission, assigned, coordinator):
    user, _vol = volunteer
    services.mission_cancel(actor=coordinator, mission_id=mission.pk)
    with pytest.raises(DomainError) as excinfo:
        services.hours_check_in(actor=user, signup_id=assigned.pk, at=at(10, 8))
    assert _code(excinfo) == "mission.closed"


def test_hours_reads_are_scoped(volunteer, assigned, coordinator, other_coordinator, make_volunteer):
    user, _vol = volunteer
    record = services.hours_check_in(actor=user, signup_id=assigned.pk, at=at(10, 8))
    other_user, _other = make_volunteer()
    assert [r.pk for r in selectors.hours_list(actor=user)] == [record.pk]
    assert [r.pk for r in selectors.my_hours(actor=user)] == [record.pk]
    assert [r.pk for r in selectors.hours_list(actor=coordinator)] == [record.pk]
    assert list(selectors.hours_list(actor=other_coordinator)) == []
    assert list(selectors.hours_list(actor=other_user)) == []


# Concurrency -------------------------------------------------------------------------------------


@pytest.fixture
def committed_regions(django_db_blocker):
    """A transactional test ends by emptying every table, the divisions loaded for the session
    included: the next one loads them again (ask for this fixture first)."""
    from fangyi.regions.models import Region
    from fangyi.regions.services import regions_load

    if not Region.objects.filter(code="43").exists():
        regions_load()


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_check_ins_cannot_both_pass(committed_regions, volunteer, assigned, coordinator):
    user, vol = volunteer
    threads = 6
    done: list[int] = []
    refused: list[str] = []
    start = threading.Barrier(threads)

    def run(minute: int) -> None:
        try:
            start.wait()
            try:
                done.append(
                    services.hours_check_in(actor=user, signup_id=assigned.pk, at=at(10, 8, minute)).pk
                )
            except DomainError as error:
                refused.append(error.code)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(minute,)) for minute in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(done) == 1 and len(refused) == threads - 1
    assert set(refused) <= {"hours.already_on_duty", "hours.overlap"}
    assert HoursRecord.objects.filter(volunteer=vol).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_logs_of_overlapping_hours_cannot_both_pass(committed_regions, assigned, coordinator):
    threads = 6
    done: list[int] = []
    refused: list[str] = []
    start = threading.Barrier(threads)

    def run(minute: int) -> None:
        try:
            start.wait()
            try:
                record = services.hours_log(
                    actor=coordinator,
                    signup_id=assigned.pk,
                    check_in_at=at(10, 8, minute),
                    check_out_at=at(10, 9, minute),
                )
                done.append(record.pk)
            except DomainError as error:
                refused.append(error.code)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(minute,)) for minute in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(done) == 1 and refused == ["hours.overlap"] * (threads - 1)
    assert HoursRecord.objects.count() == 1
