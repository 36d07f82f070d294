"""Figures of the daily report that apps above surveillance own.

The daily report shows, beside the case figures, figures owned elsewhere (residents under medical
observation, ...). Surveillance may not import those apps (it sits below them), so each registers a
provider when Django starts (in its AppConfig.ready) and the report asks every provider for the
region and day it shows. Counts only: the report is aggregate, whoever reads it.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable

from django.utils.functional import Promise

Provider = Callable[[str, dt.date], int]  # (region path, day) -> count


@dataclasses.dataclass(frozen=True)
class Supplement:
    key: str
    label: str | Promise
    provide: Provider


_SUPPLEMENTS: dict[str, Supplement] = {}


def supplement_register(*, key: str, label: str | Promise, provide: Provider) -> None:
    """Add a figure to the daily report (registering the same key again replaces it)."""
    _SUPPLEMENTS[key] = Supplement(key=key, label=label, provide=provide)


@dataclasses.dataclass(frozen=True)
class SupplementFigure:
    key: str
    label: str | Promise
    value: int


def supplements_on(*, region_path: str, date: dt.date) -> list[SupplementFigure]:
    """Every registered figure of the region on the day, in the order they were registered."""
    return [
        SupplementFigure(key=s.key, label=s.label, value=s.provide(region_path, date))
        for s in _SUPPLEMENTS.values()
    ]
