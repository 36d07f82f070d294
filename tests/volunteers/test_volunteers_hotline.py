import datetime as dt
from decimal import Decimal

import pytest
from tests.volunteers.conftest import COUNTY, OTHER_COUNTY, TOWNSHIP, at

from fangyi.core import clock
from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.volunteers import selectors, services
from fangyi.volunteers.choices import CallerGroup, CounsellingRisk, CounsellingTopic
from fangyi.volunteers.models import CounsellingSession, HotlineShift

LINE = "芙蓉区心理援助热线"


@pytest.fixture
def counsellor(make_volunteer):
    return make_volunteer(counsellor=True)


@pytest.fixture
def schedule(coordinator):
    def make(volunteer, start, end, region=TOWNSHIP):
        return services.shift_schedule(
            actor=coordinator,
            counsellor_id=volunteer.pk,
            line=LINE,
            region=region,
            starts_at=start,
            ends_at=end,
        )

    return make


@pytest.fixture
def shift(counsellor, schedule):
    _user, vol = counsellor
    return schedule(vol, at(10, 8), at(10, 12))


def _log(user, shift, **changes):
    fields = {
        "started_at": at(10, 9),
        "minutes": 25,
        "caller_group": CallerGroup.OBSERVED,
        "topic": CounsellingTopic.ANXIETY,
        "risk": CounsellingRisk.LOW,
        "notes": "来电者担心隔离期满后复工，情绪焦虑，给予放松训练建议。",
        **changes,
    }
    return services.session_log(actor=user, shift_id=shift.pk, **fields)


# Shifts -------------------------------------------------------------------------------------------


def test_a_counsellor_is_put_on_the_rota(counsellor, shift, coordinator):
    _user, vol = counsellor
    assert shift.counsellor_id == vol.pk and shift.scheduled_by_id == coordinator.pk
    assert [s.pk for s in selectors.shift_list(actor=coordinator)] == [shift.pk]


def test_only_verified_counsellors_take_shifts(volunteer, schedule):
    _user, vol = volunteer
    with pytest.raises(DomainError) as excinfo:
        schedule(vol, at(10, 8), at(10, 12))
    assert excinfo.value.code == "shift.not_counsellor" and excinfo.value.status == 409
    assert not HotlineShift.objects.exists()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(10, 10), at(10, 14)),  # overlaps the end
        (at(10, 6), at(10, 9)),  # overlaps the start
        (at(10, 8), at(10, 12)),  # the same shift again
        (at(10, 9), at(10, 10)),  # inside it
    ],
)
def test_overlapping_shifts_are_refused(counsellor, shift, schedule, start, end):
    _user, vol = counsellor
    with pytest.raises(DomainError) as excinfo:
        schedule(vol, start, end)
    assert excinfo.value.code == "shift.overlap" and excinfo.value.status == 409
    assert HotlineShift.objects.count() == 1


def test_back_to_back_shifts_are_fine(counsellor, shift, schedule):
    _user, vol = counsellor
    assert schedule(vol, at(10, 12), at(10, 20)).pk


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (at(11, 8), at(11, 20, 1), "shift.too_long"),
        (at(11, 8), at(11, 8), "shift.ends_before_start"),
        (at(11, 9), at(11, 8), "shift.ends_before_start"),
    ],
)
def test_bad_shift_times(counsellor, schedule, start, end, code):
    _user, vol = counsellor
    with pytest.raises(DomainError) as excinfo:
        schedule(vol, start, end)
    assert excinfo.value.code == code and excinfo.value.status == 400


def test_shifts_are_scheduled_in_the_coordinators_region(counsellor, schedule, other_coordinator):
    _user, vol = counsellor
    with pytest.raises(NotFound):
        schedule(vol, at(11, 8), at(11, 12), region=OTHER_COUNTY)
    with pytest.raises(NotFound):
        services.shift_schedule(
            actor=other_coordinator,
            counsellor_id=vol.pk,
            line=LINE,
            region=OTHER_COUNTY,
            starts_at=at(11, 8),
            ends_at=at(11, 12),
        )
    assert not HotlineShift.objects.exists()


def test_a_shift_is_cancelled_until_calls_are_logged(counsellor, shift, schedule, coordinator):
    user, vol = counsellor
    other = schedule(vol, at(11, 8), at(11, 12))
    services.shift_cancel(actor=coordinator, shift_id=other.pk)
    assert not HotlineShift.objects.filter(pk=other.pk).exists()
    _log(user, shift)
    with pytest.raises(DomainError) as excinfo:
        services.shift_cancel(actor=coordinator, shift_id=shift.pk)
    assert excinfo.value.code == "shift.has_sessions"
    with pytest.raises(PermissionDenied):
        services.shift_cancel(actor=user, shift_id=shift.pk)


# Sessions -----------------------------------------------------------------------------------------


def test_a_counsellor_logs_an_anonymous_session(counsellor, shift, coordinator):
    user, _vol = counsellor
    session = _log(user, shift)
    assert session.minutes == 25 and session.caller_group == CallerGroup.OBSERVED
    assert [s.pk for s in selectors.session_list(actor=coordinator)] == [session.pk]
    assert [s.pk for s in selectors.session_list(actor=user)] == [session.pk]
    fields = {f.name for f in CounsellingSession._meta.get_fields()}
    assert not fields & {"name", "phone", "caller", "id_number", "person"}


@pytest.mark.parametrize(
    "notes",
    [
        "回拨电话 13812345678",
        "手机 138 1234 5678",
        "mobile +86 138-1234-5678",
        "座机 0731-84561234",
        "身份证 43010219800101123X",
        "证件号 430102198001011234",
        "姓名王五，隔离第三天",
        "来电者说：我叫李四",
        "Name: Li Si, worried about her mother",
        "my name is Wang",
        "微信：wangwu1980",
        "邮箱 wang@example.com",
        "号码一三八一二三四五六七八",
        "ｔｅｌ：１３８１２３４５６７８",
    ],
)
def test_notes_that_identify_the_caller_are_refused(counsellor, shift, notes):
    user, _vol = counsellor
    with pytest.raises(DomainError) as excinfo:
        _log(user, shift, notes=notes)
    assert excinfo.value.code == "session.personal_data" and excinfo.value.status == 400
    assert excinfo.value.field == "notes"
    assert not CounsellingSession.objects.exists()


@pytest.mark.parametrize(
    "notes",
    [
        "",
        "体温37.5度，担心感染，已建议到发热门诊就诊。",
        "电话中情绪激动，谈话20分钟后平复。",
        "隔离第14天，2020-02-10复查阴性，仍失眠。",
        "Caller worried about losing income; referred to the community office.",
    ],
)
def test_ordinary_notes_are_kept(counsellor, shift, notes):
    user, _vol = counsellor
    assert _log(user, shift, notes=notes).notes == notes


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"started_at": at(10, 7, 59)}, "session.outside_shift"),
        ({"started_at": at(10, 10, 30)}, "session.in_future"),
        ({"minutes": 0}, "session.invalid_minutes"),
        ({"minutes": 601}, "session.invalid_minutes"),
        ({"caller_group": "neighbour"}, "session.unknown_caller_group"),
        ({"topic": "gossip"}, "session.unknown_topic"),
        ({"risk": "extreme"}, "session.unknown_risk"),
        ({"notes": "x" * 2001}, "session.notes.too_long"),
    ],
)
def test_bad_sessions_are_refused(counsellor, shift, changes, code):
    user, _vol = counsellor
    with pytest.raises(DomainError) as excinfo:
        _log(user, shift, **changes)
    assert excinfo.value.code == code and excinfo.value.status == 400
    assert not CounsellingSession.objects.exists()


def test_only_the_shifts_counsellor_logs_on_it(shift, make_volunteer, coordinator, make_resident):
    other_user, _other = make_volunteer(counsellor=True)
    with pytest.raises(NotFound):
        _log(other_user, shift)
    with pytest.raises(PermissionDenied):
        _log(coordinator, shift)
    with pytest.raises(DomainError) as excinfo:
        _log(make_resident(), shift)
    assert excinfo.value.code == "volunteer.not_registered"
    assert not CounsellingSession.objects.exists()
    assert list(selectors.session_list(actor=other_user)) == []


# Coverage and figures -----------------------------------------------------------------------------


def test_coverage_counts_hours_with_at_least_one_counsellor(
    counsellor, shift, schedule, make_volunteer, coordinator
):
    _user, vol = counsellor
    _second_user, second = make_volunteer(counsellor=True)
    schedule(second, at(10, 10), at(10, 14))  # overlaps the first shift by two hours
    schedule(vol, at(10, 20), at(11, 2))  # runs past midnight
    days = selectors.hotline_coverage(
        actor=coordinator, region=COUNTY, start=dt.date(2020, 2, 10), end=dt.date(2020, 2, 11)
    )
    tenth, eleventh = days
    assert tenth.covered_minutes == (6 + 4) * 60 and tenth.covered_hours == Decimal("10.0")
    local = lambda day, hour: dt.datetime(2020, 2, day, hour, tzinfo=clock.SHANGHAI)  # noqa: E731
    assert [(s.hour, e.hour) for s, e in tenth.gaps] == [(0, 8), (14, 20)]
    assert tenth.gaps[0] == (local(10, 0), local(10, 8))
    assert eleventh.covered_minutes == 120 and eleventh.gaps == [(local(11, 2), local(12, 0))]
    assert not tenth.complete


def test_a_fully_covered_day_has_no_gaps(counsellor, schedule, coordinator, make_volunteer):
    _user, vol = counsellor
    _second_user, second = make_volunteer(counsellor=True)
    schedule(vol, at(12, 0), at(12, 12))
    schedule(second, at(12, 12), at(13, 0))
    (day,) = selectors.hotline_coverage(
        actor=coordinator, region=TOWNSHIP, start=dt.date(2020, 2, 12), end=dt.date(2020, 2, 12)
    )
    assert day.complete and day.covered_minutes == 24 * 60


def test_coverage_errors(coordinator, other_coordinator):
    with pytest.raises(DomainError) as excinfo:
        selectors.hotline_coverage(
            actor=coordinator, region=COUNTY, start=dt.date(2020, 2, 10), end=dt.date(2020, 2, 9)
        )
    assert excinfo.value.code == "coverage.invalid_range"
    with pytest.raises(DomainError) as excinfo:
        selectors.hotline_coverage(
            actor=coordinator, region=COUNTY, start=dt.date(2020, 1, 1), end=dt.date(2020, 3, 31)
        )
    assert excinfo.value.code == "coverage.range_too_long"
    with pytest.raises(NotFound):
        selectors.hotline_coverage(
            actor=other_coordinator, region=COUNTY, start=dt.date(2020, 2, 10), end=dt.date(2020, 2, 10)
        )


def test_stats(counsellor, volunteer, assigned, coordinator, shift):
    record = services.hours_log(
        actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9, 30)
    )
    services.hours_decide(actor=coordinator, record_id=record.pk, approve=True)
    stats = selectors.volunteer_stats(actor=coordinator, region=COUNTY)
    assert stats == {
        "region": COUNTY,
        "volunteers": 2,
        "counsellors": 1,
        "missions": 1,
        "missions_open": 1,
        "hours_pending": 0,
        "hours_approved": Decimal("1.5"),
    }
    with pytest.raises(NotFound):
        selectors.volunteer_stats(actor=coordinator, region=OTHER_COUNTY)
