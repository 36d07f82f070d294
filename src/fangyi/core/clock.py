"""The platform's notion of "now" and "today", injectable so date rules are testable.

Datetimes are aware and in UTC; "today" is the calendar day in Asia/Shanghai.
"""

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


def today() -> dt.date:
    return now().astimezone(SHANGHAI).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The calendar day in Shanghai, as the aware instants it starts and ends at: [start, end)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)
    return start, start + dt.timedelta(days=1)


@contextlib.contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[dt.datetime]:
    """Fix the clock at `moment` (aware) for the duration of the block."""
    global _frozen
    if timezone.is_naive(moment):
        raise ValueError("frozen_at needs an aware datetime")
    previous, _frozen = _frozen, moment.astimezone(dt.UTC)
    try:
        yield _frozen
    finally:
        _frozen = previous
