"""Reads of close contacts, observation periods, check-ins, alerts and sites.

Scoped reads are narrowed to the actor's jurisdiction by the resident's home (contacts,
observation) or the site's region. The `*_by_person` reads are unscoped system reads for rules
computed over residents (the health code's colours).
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q

from fangyi.people.models import Person
from fangyi.quarantine.choices import AlertKind, ObservationKind, ObservationStatus
from fangyi.quarantine.models import Alert, CheckIn, ObservationPeriod, Protocol

VIEW = "quarantine.view"
MANAGE = "quarantine.manage"
CHECKIN = "quarantine.checkin"
TRACE = "quarantine.trace"
OWN_CHECKIN = "quarantine.own_checkin"


# System reads ---------------------------------------------------------------------------------
# Unscoped: for services that checked their own caller, and for rules computed over residents
# (the health code's colours, the daily report).

BATCH = 500  # ids per query: well under SQLite's limit on query parameters


def protocol_on(day: dt.date) -> Protocol:
    """The protocol edition in force on `day` (the earliest one when `day` precedes them all)."""
    protocol = Protocol.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    protocol = protocol or Protocol.objects.order_by("effective_from").first()
    if protocol is None:  # the 2020 edition is created by a migration
        raise Protocol.DoesNotExist("no protocol edition")
    return protocol


def _ids(person_ids: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(str(uuid.UUID(str(person_id))) for person_id in person_ids))


def observation_by_person(person_ids: Iterable[Any]) -> dict[str, list[ObservationPeriod]]:
    """Every observation period of each resident, oldest first, keyed by every id asked for."""
    ids = _ids(person_ids)
    found: dict[str, list[ObservationPeriod]] = {person_id: [] for person_id in ids}
    for start in range(0, len(ids), BATCH):
        rows = ObservationPeriod.objects.filter(person_id__in=ids[start : start + BATCH])
        for period in rows.order_by("starts_on", "created_at"):
            found[str(period.person_id)].append(period)
    return found


def checkin_days_by_person(person_ids: Iterable[Any]) -> dict[str, set[dt.date]]:
    """The days on which each resident checked in while under observation, keyed by every id."""
    ids = _ids(person_ids)
    found: dict[str, set[dt.date]] = {person_id: set() for person_id in ids}
    for start in range(0, len(ids), BATCH):
        rows = CheckIn.objects.filter(period__person_id__in=ids[start : start + BATCH])
        for person_id, day in rows.values_list("period__person_id", "date").distinct():
            found[str(person_id)].add(day)
    return found


def checkin_own_period(person: Person) -> ObservationPeriod | None:
    """The resident's active observation period (None when they are not under observation)."""
    return (
        ObservationPeriod.objects.filter(person=person, status=ObservationStatus.ACTIVE)
        .select_related("site", "protocol")
        .first()
    )


def _active_on(day: dt.date) -> Q:
    """Periods under way on `day`: started, not yet ended (periods entered in error never count)."""
    return (
        Q(starts_on__lte=day)
        & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        & ~Q(status=ObservationStatus.CANCELLED)
    )


def summary(region_path: str, day: dt.date) -> dict[str, Any]:
    """Observation figures of a region on `day`: residents under observation (all and by kind),
    released that day, missed check-ins still open, and fevers reported that day."""
    periods = ObservationPeriod.objects.filter(region__code__startswith=region_path)
    by_kind = dict.fromkeys(ObservationKind.values, 0)
    for kind, count in periods.filter(_active_on(day)).order_by().values_list("kind").annotate(n=Count("id")):
        by_kind[kind] = count
    alerts = Alert.objects.filter(period__region__code__startswith=region_path, date__lte=day)
    return {
        "under_observation": sum(by_kind.values()),
        "released": periods.filter(status=ObservationStatus.RELEASED, ended_on=day).count(),
        "overdue_checkins": alerts.filter(kind=AlertKind.MISSED_CHECKIN, resolved_at__isnull=True).count(),
        "fever_alerts": alerts.filter(kind=AlertKind.FEVER, date=day).count(),
        "by_kind": by_kind,
    }
