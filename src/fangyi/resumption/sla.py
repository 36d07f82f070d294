"""The service-level clock of problem tickets, as pure functions of a ticket's event log.

A ticket's target is a number of working days (by priority); the clock counts the time that falls
on working days — Monday to Friday unless the official calendar says otherwise (public holidays,
and the weekend days worked in their place, 调休) — in Asia/Shanghai local days. It runs from
OPENED, pauses while the handler waits on the enterprise (WAITING → RESUMED), stops at RESOLVED
and runs again on REOPENED. Escalation and notes do not touch it.

Nothing here reads the database: callers build a `Calendar` from the WorkCalendarDay rows and pass
events as (kind, at) pairs in the order they happened.
"""

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from fangyi.core.clock import SHANGHAI
from fangyi.resumption.choices import SlaState, TicketEventKind

DAY = 86_400
Event = tuple[str, dt.datetime]


def _default_working(day: dt.date) -> bool:
    return day.weekday() < 5


def _weekdays_before(day: dt.date) -> int:
    """Monday–Friday days from 0001-01-01 (a Monday) up to, not including, `day`."""
    n = day.toordinal() - 1
    return 5 * (n // 7) + min(n % 7, 5)


@dataclass(frozen=True)
class Calendar:
    """Working days: Monday–Friday, except the dates in `exceptions` (date → working or not)."""

    exceptions: Mapping[dt.date, bool] = field(default_factory=dict)
    _dates: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    _shifts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Running sum of how each exception moves the count of working days off the weekday rule.
        dates = tuple(sorted(self.exceptions))
        shifts, total = [0], 0
        for day in dates:
            total += int(self.exceptions[day]) - int(_default_working(day))
            shifts.append(total)
        object.__setattr__(self, "_dates", dates)
        object.__setattr__(self, "_shifts", tuple(shifts))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[dt.date, bool]]) -> "Calendar":
        return cls(dict(rows))

    def working(self, day: dt.date) -> bool:
        found = self.exceptions.get(day)
        return _default_working(day) if found is None else found

    def working_days_before(self, day: dt.date) -> int:
        """Working days from the start of the era up to `day` (excluded): differences of two of
        these count the working days of any span in constant time."""
        return _weekdays_before(day) + self._shifts[bisect.bisect_left(self._dates, day)]

    def working_days_between(self, first: dt.date, end: dt.date) -> int:
        """Working days in [first, end)."""
        return max(0, self.working_days_before(end) - self.working_days_before(first))


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(SHANGHAI)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), SHANGHAI)


def working_seconds(start: dt.datetime, end: dt.datetime, calendar: Calendar) -> float:
    """Seconds between `start` and `end` that fall on working days (0 when end is not after start)."""
    if end <= start:
        return 0.0
    first, last = _local(start), _local(end)
    first_day, last_day = first.date(), last.date()
    if first_day == last_day:
        return (last - first).total_seconds() if calendar.working(first_day) else 0.0
    seconds = 0.0
    next_day = first_day + dt.timedelta(days=1)
    if calendar.working(first_day):
        seconds += (_midnight(next_day) - first).total_seconds()
    seconds += DAY * calendar.working_days_between(next_day, last_day)
    if calendar.working(last_day):
        seconds += (last - _midnight(last_day)).total_seconds()
    return seconds


def add_working_time(start: dt.datetime, seconds: float, calendar: Calendar) -> dt.datetime:
    """The earliest moment by which `seconds` of working time have passed since `start`."""
    if seconds <= 0:
        return start
    moment = _local(start)
    day = moment.date()
    remaining = dt.timedelta(seconds=seconds)
    if calendar.working(day):
        rest_of_day = _midnight(day + dt.timedelta(days=1)) - moment
        if remaining <= rest_of_day:
            return (moment + remaining).astimezone(dt.UTC)
        remaining -= rest_of_day
    whole_days, part = divmod(remaining, dt.timedelta(days=1))
    day += dt.timedelta(days=1)
    # Walk to the working day the time runs out on: a handful of days (targets are ≤ a few weeks).
    while True:
        if calendar.working(day):
            if whole_days == 0:
                return (_midnight(day) + part).astimezone(dt.UTC)
            whole_days -= 1
            if whole_days == 0 and not part:
                return _midnight(day + dt.timedelta(days=1)).astimezone(dt.UTC)
        day += dt.timedelta(days=1)


@dataclass(frozen=True)
class Evaluation:
    state: str
    due_at: dt.datetime | None  # None while paused (no deadline runs) or before the ticket opens
    elapsed: float  # working seconds on the clock
    target: float  # working seconds allowed
    paused: bool

    @property
    def remaining(self) -> float:
        return self.target - self.elapsed


def target_seconds(priority: str, sla_days: Mapping[str, int]) -> float:
    return float(sla_days[priority] * DAY)


def evaluate(
    events: Sequence[Event],
    *,
    priority: str,
    now: dt.datetime,
    calendar: Calendar,
    sla_days: Mapping[str, int],
    at_risk_share: float,
) -> Evaluation:
    """The SLA state of a ticket at `now` from its events (kind, at), oldest first."""
    target = target_seconds(priority, sla_days)
    elapsed = 0.0
    running_since: dt.datetime | None = None
    paused = resolved = False
    due_at: dt.datetime | None = None
    for kind, at in events:
        starts = (
            (kind == TicketEventKind.OPENED and not (paused or resolved))
            or (kind == TicketEventKind.RESUMED and paused)
            or (kind == TicketEventKind.REOPENED and resolved)
        )
        if starts and running_since is None:
            running_since, paused, resolved = at, False, False
            due_at = add_working_time(at, max(target - elapsed, 0.0), calendar)
        elif kind in (TicketEventKind.WAITING, TicketEventKind.RESOLVED) and not resolved:
            if running_since is not None:
                elapsed += working_seconds(running_since, at, calendar)
                running_since = None
            if kind == TicketEventKind.WAITING:
                paused, due_at = True, None
            else:
                paused, resolved = False, True
    if running_since is not None:
        elapsed += working_seconds(running_since, now, calendar)
    if resolved:
        state = SlaState.MET if elapsed <= target else SlaState.BREACHED
    elif paused:
        state = SlaState.PAUSED
    elif running_since is None:  # no OPENED yet
        state = SlaState.ON_TRACK
    elif elapsed >= target:
        state = SlaState.OVERDUE
    elif elapsed >= at_risk_share * target:
        state = SlaState.AT_RISK
    else:
        state = SlaState.ON_TRACK
    return Evaluation(state=state, due_at=due_at, elapsed=elapsed, target=target, paused=paused)


def at_risk_bound(
    now: dt.datetime, priority: str, *, calendar: Calendar, sla_days: Mapping[str, int], at_risk_share: float
) -> dt.datetime:
    """A running ticket of `priority` whose deadline is before this moment is at risk (or overdue)
    at `now`: its remaining working time is at most the last (1 - share) of its target."""
    window = (1.0 - at_risk_share) * target_seconds(priority, sla_days)
    return add_working_time(now, window + 1.0, calendar)
