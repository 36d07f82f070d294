"""The SLA clock as pure functions: the working-day calendar, working time and its inverse, and the
evaluation of an event log; properties checked with hypothesis."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from fangyi.core.clock import SHANGHAI
from fangyi.resumption.choices import SlaState
from fangyi.resumption.sla import DAY, Calendar, add_working_time, evaluate, working_seconds

SLA_DAYS = {"urgent": 1, "high": 3, "normal": 5, "low": 10}
# The 2020 Spring Festival as extended: 24 January to 2 February off, 19 January (Sunday) worked.
SPRING_2020 = Calendar(
    {dt.date(2020, 1, 19): True} | {dt.date(2020, 1, 24) + dt.timedelta(days=n): False for n in range(10)}
)
WINDOW = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2020, 3, 31), timezones=st.just(SHANGHAI)
)
SECONDS = st.floats(min_value=0, max_value=15 * DAY, allow_nan=False)


def at(day, hour=0, minute=0):
    return dt.datetime(2020, day[0], day[1], hour, minute, tzinfo=SHANGHAI)


def test_calendar_counts_weekdays_and_exceptions():
    assert not SPRING_2020.working(dt.date(2020, 1, 31))  # a Friday in the extended holiday
    assert SPRING_2020.working(dt.date(2020, 1, 19))  # a Sunday worked
    assert SPRING_2020.working(dt.date(2020, 2, 3))
    january = SPRING_2020.working_days_between(dt.date(2020, 1, 1), dt.date(2020, 2, 1))
    # January 2020: 23 weekdays, 6 of them in the holiday (24th, 27th–31st), and one Sunday worked.
    assert january == 23 - 6 + 1
    assert Calendar().working_days_between(dt.date(2020, 3, 2), dt.date(2020, 3, 9)) == 5


def test_working_time_skips_weekends_and_holidays():
    friday_evening, monday_morning = at((3, 6), 18), at((3, 9), 9)
    assert working_seconds(friday_evening, monday_morning, Calendar()) == 6 * 3600 + 9 * 3600
    # Opened on the eve of Spring Festival, due one working day later: on 3 February.
    assert add_working_time(at((1, 23), 15), DAY, SPRING_2020) == at((2, 3), 15).astimezone(dt.UTC)
    assert add_working_time(at((3, 6), 18), 6 * 3600, Calendar()) == at((3, 7)).astimezone(dt.UTC)


@given(WINDOW, WINDOW, WINDOW)
def test_working_time_adds_up(a, b, c):
    first, middle, last = sorted((a, b, c))
    total = working_seconds(first, last, SPRING_2020)
    assert (
        abs(total - working_seconds(first, middle, SPRING_2020) - working_seconds(middle, last, SPRING_2020))
        < 1e-3
    )
    assert 0 <= total <= (last - first).total_seconds() + 1e-6


@given(WINDOW, SECONDS)
@settings(max_examples=300)
def test_add_working_time_is_the_inverse(start, seconds):
    due = add_working_time(start, seconds, SPRING_2020)
    assert due >= start
    assert abs(working_seconds(start, due, SPRING_2020) - seconds) < 1e-3
    # The earliest such moment: a second earlier, less time has passed.
    if seconds >= 1:
        assert working_seconds(start, due - dt.timedelta(seconds=1), SPRING_2020) < seconds


EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["waiting", "resumed", "escalated", "note", "resolved", "reopened"]),
        st.integers(0, 400_000),
    ),
    max_size=12,
)


@given(WINDOW, EVENTS, st.integers(0, 2_000_000), st.sampled_from(list(SLA_DAYS)))
@settings(max_examples=300)
def test_evaluation_of_any_log(opened, steps, later, priority):
    events, moment = [("opened", opened)], opened
    for kind, gap in steps:
        moment += dt.timedelta(seconds=gap)
        events.append((kind, moment))
    now = moment + dt.timedelta(seconds=later)
    result = evaluate(
        events, priority=priority, now=now, calendar=SPRING_2020, sla_days=SLA_DAYS, at_risk_share=0.75
    )
    # The clock never counts more than the working time since opening, nor goes negative.
    assert 0 <= result.elapsed <= working_seconds(opened, now, SPRING_2020) + 1e-3
    assert result.target == SLA_DAYS[priority] * DAY
    # Escalations and notes never move the clock.
    quiet = [e for e in events if e[0] not in ("escalated", "note")]
    same = evaluate(
        quiet, priority=priority, now=now, calendar=SPRING_2020, sla_days=SLA_DAYS, at_risk_share=0.75
    )
    assert (same.state, same.elapsed, same.due_at) == (result.state, result.elapsed, result.due_at)
    assert result.paused == (result.state == SlaState.PAUSED)
    if result.paused:
        assert result.due_at is None
    if result.state in (SlaState.ON_TRACK, SlaState.AT_RISK, SlaState.OVERDUE):
        # A running clock: due when the remaining working time has passed from now.
        remaining = result.target - result.elapsed
        if remaining > 0:
            assert abs(working_seconds(now, result.due_at, SPRING_2020) - remaining) < 1e-3
        assert (result.state == SlaState.OVERDUE) == (remaining <= 0)


@given(WINDOW, st.integers(1, 20 * DAY), st.integers(0, 20 * DAY))
def test_waiting_time_does_not_count(opened, worked, waited):
    wait_at = opened + dt.timedelta(seconds=worked)
    resumed = wait_at + dt.timedelta(seconds=waited)
    now = resumed + dt.timedelta(hours=1)
    kwargs = {"priority": "normal", "calendar": SPRING_2020, "sla_days": SLA_DAYS, "at_risk_share": 0.75}
    paused = evaluate([("opened", opened), ("waiting", wait_at), ("resumed", resumed)], now=now, **kwargs)
    expected = working_seconds(opened, wait_at, SPRING_2020) + working_seconds(resumed, now, SPRING_2020)
    assert abs(paused.elapsed - expected) < 1e-3


def test_states():
    kwargs = {"priority": "urgent", "calendar": Calendar(), "sla_days": SLA_DAYS, "at_risk_share": 0.75}
    opened = at((3, 2), 9)  # a Monday; urgent: 1 working day
    log = [("opened", opened)]
    assert evaluate(log, now=opened + dt.timedelta(hours=17), **kwargs).state == SlaState.ON_TRACK
    assert evaluate(log, now=opened + dt.timedelta(hours=18), **kwargs).state == SlaState.AT_RISK
    assert evaluate(log, now=opened + dt.timedelta(hours=24), **kwargs).state == SlaState.OVERDUE
    met = [*log, ("resolved", opened + dt.timedelta(hours=20))]
    assert evaluate(met, now=opened + dt.timedelta(days=9), **kwargs).state == SlaState.MET
    late = [*log, ("resolved", opened + dt.timedelta(hours=25)), ("closed", opened + dt.timedelta(hours=26))]
    assert evaluate(late, now=opened + dt.timedelta(days=9), **kwargs).state == SlaState.BREACHED
    waiting = [*log, ("waiting", opened + dt.timedelta(hours=1))]
    result = evaluate(waiting, now=opened + dt.timedelta(days=30), **kwargs)
    assert (result.state, result.due_at, result.elapsed) == (SlaState.PAUSED, None, 3600)
    # Friday 20:00, urgent: due Monday 20:00 (the weekend does not count).
    friday = at((3, 6), 20)
    assert evaluate([("opened", friday)], now=friday, **kwargs).due_at == at((3, 9), 20).astimezone(dt.UTC)
