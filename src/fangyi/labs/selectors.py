"""Reads of fever referrals and laboratory results.

The `*_list`/`*_get` selectors are narrowed to the actor's jurisdiction by the referral's county
(the county that follows it up) or the result's county (the resident's home). The `*_by_person`
reads are unscoped system reads for rules computed over residents (the health code's colours).
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, scope_q
from fangyi.core.errors import PermissionDenied
from fangyi.labs.choices import ReferralStatus, Result, RetestStatus, SampleKind, SampleStatus
from fangyi.labs.errors import (
    LabsError,
    referral_invalid,
    referral_not_found,
    sample_not_found,
    visit_not_found,
)
from fangyi.labs.models import ClinicVisit, Laboratory, Referral, RetestTask, Sample, TestResult
from fangyi.regions.choices import PlaceKind
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Place, Region
from fangyi.regions.selectors import region_path

REFERRALS = "labs.referrals"
RESULTS = "labs.results"
CLINIC = "labs.clinic"
VIEW = "labs.view"
MANAGE = "labs.manage"
SAMPLE_READERS = (CLINIC, RESULTS, VIEW)
POSITIVITY_DAYS_MAX = 366
BATCH = 500  # ids per query: well under SQLite's limit on query parameters


def referral_list(
    *, actor: Actor, status: str | None = None, county: str | None = None
) -> QuerySet[Referral]:
    """Referrals followed up in the actor's jurisdiction: open ones first, longest waiting first;
    then the closed ones, last closed first."""
    require(actor, REFERRALS)
    referrals = Referral.objects.filter(scope_q(actor, REFERRALS, "county__code"))
    if status:
        if status not in ReferralStatus.values:
            raise referral_invalid(
                "invalid_status_filter",
                _("The status is open, cleared or reported as a suspected case."),
                "status",
            )
        referrals = referrals.filter(status=status)
    if county:
        path = region_path(county)
        if len(path) > 6:
            raise referral_invalid(
                "region_too_fine", _("Filter by a county, a prefecture or the province."), "county"
            )
        referrals = referrals.filter(county__code__startswith=path)
    waiting = Case(
        When(status=ReferralStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return referrals.select_related("person", "place", "county").order_by(
        waiting,
        Case(When(status=ReferralStatus.OPEN, then=F("opened_at"))).asc(),
        F("closed_at").desc(nulls_last=True),
        "id",
    )


def referral_get(*, actor: Actor, referral_id: Any) -> Referral:
    """A referral followed up in the actor's jurisdiction; any other is not found."""
    try:
        return referral_list(actor=actor).select_related("opened_by", "closed_by").get(pk=referral_id)
    except (Referral.DoesNotExist, ValidationError, ValueError, TypeError):
        raise referral_not_found() from None


def result_list(*, actor: Actor, person_id: Any = None) -> QuerySet[TestResult]:
    """Results of residents of the actor's jurisdiction (labs and clinics, and the officials who
    follow referrals up), latest sample first."""
    if actor is None or not (actor.prefixes_for(RESULTS) or actor.prefixes_for(REFERRALS)):
        raise PermissionDenied()
    results = TestResult.objects.filter(
        scope_q(actor, RESULTS, "county__code") | scope_q(actor, REFERRALS, "county__code")
    )
    if person_id is not None:
        try:
            results = results.filter(person_id=uuid.UUID(str(person_id)))
        except ValueError:
            return results.none()
    return results.select_related("person", "county").order_by("-sampled_on", "-reported_at", "-id")


# Testing -----------------------------------------------------------------------------------------


def _any_scope(actor: Actor | None, capabilities: Iterable[str], field: str) -> Q:
    """Rows inside the jurisdiction of any of `capabilities`; 403 if the actor holds none of them."""
    capabilities = tuple(capabilities)
    if actor is None or not any(actor.prefixes_for(cap) for cap in capabilities):
        raise PermissionDenied()
    condition = Q(pk__in=[])
    for cap in capabilities:
        condition |= scope_q(actor, cap, field)
    return condition


def _summary_region(actor: Actor, region: str) -> str:
    """The region path the summary is asked for, in the actor's labs.view jurisdiction."""
    require(actor, VIEW)
    path = region_path(region)
    if not covers(actor, VIEW, path) or not Region.objects.filter(code=path).exists():
        raise region_not_found()
    return path


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median_turnaround(samples: QuerySet[Sample]) -> float | None:
    """The median turnaround in minutes, from how many samples took each whole minute: one
    grouped query over a few thousand distinct values instead of sorting every sample."""
    counts = list(
        samples.filter(turnaround_minutes__isnull=False)
        .values_list("turnaround_minutes")
        .annotate(samples=Count("pk"))
        .order_by("turnaround_minutes")
    )
    total = sum(count for _minutes, count in counts)
    if not total:
        return None
    wanted, middle, seen = {(total - 1) // 2, total // 2}, [], 0
    for minutes, count in counts:
        middle += [minutes for position in sorted(wanted) if seen <= position < seen + count]
        seen += count
        if seen > total // 2:
            break
    return sum(middle) / len(middle)


def _per_lab(place_ids: list[int], field: str, start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    """Samples of each lab whose `field` (a moment) falls in [start, end)."""
    rows = (
        Sample.objects.filter(lab_id__in=place_ids, **{f"{field}__gte": start, f"{field}__lt": end})
        .values("lab_id")
        .annotate(samples=Count("pk"))
    )
    return {row["lab_id"]: row["samples"] for row in rows}


def lab_summary(*, actor: Actor, region: str, date: dt.date | None = None) -> dict[str, Any]:
    """Testing in a region: individual samples collected there on `date` (or ever), how many are
    reported and positive, the median turnaround and the share reported the same day; and the
    labs of the region with their capacity and backlog. Every figure is a database aggregate."""
    path = _summary_region(actor, region)
    samples = Sample.objects.filter(kind=SampleKind.INDIVIDUAL, county__code__startswith=path)
    if date is not None:
        start, end = clock.day_bounds(date)
        samples = samples.filter(collected_at__gte=start, collected_at__lt=end)
    reported = Q(reported_at__isnull=False)
    totals = samples.aggregate(
        samples_total=Count("pk"),
        reported_total=Count("pk", filter=reported),
        positive_total=Count("pk", filter=reported & Q(result=Result.POSITIVE)),
        same_day=Count("pk", filter=reported & Q(reported_same_day=True)),
    )
    median = _median_turnaround(samples)
    today_start, today_end = clock.day_bounds(date or clock.today())
    # Each lab's figures in their own small queries, each on an index of the lab: one join of the
    # labs with all their samples would read every sample ever tested.
    labs = list(
        Laboratory.objects.filter(place__region__code__startswith=path)
        .select_related("place")
        .order_by("place__region_id", "place__name")
    )
    ids = [lab.place_id for lab in labs]
    received = _per_lab(ids, "received_at", today_start, today_end)
    reported_today = _per_lab(ids, "reported_at", today_start, today_end)
    backlog = backlog_by_lab(ids)
    lab_rows = [
        {
            "place_id": lab.place_id,
            "name": lab.place.name,
            "county": lab.place.region_id[:6],
            "daily_capacity": lab.daily_capacity,
            "received_today": received.get(lab.place_id, 0),
            "reported_today": reported_today.get(lab.place_id, 0),
            "backlog": backlog.get(lab.place_id, 0),
        }
        for lab in labs
    ]
    return {
        "region": path,
        "date": date,
        "samples_total": totals["samples_total"],
        "reported_total": totals["reported_total"],
        "positive_total": totals["positive_total"],
        "positive_rate": _rate(totals["positive_total"], totals["reported_total"]),
        "median_turnaround_hours": round(median / 60, 2) if median is not None else None,
        "reported_same_day_rate": _rate(totals["same_day"], totals["reported_total"]),
        "backlog": sum(row["backlog"] for row in lab_rows),
        "daily_capacity": sum(lab.daily_capacity for lab in labs),
        "labs": lab_rows,
    }


def positivity_by_day(*, actor: Actor, region: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Individual results reported in the region each day (Shanghai) from `start` to `end`, every
    day listed (rate None on a day without results)."""
    path = _summary_region(actor, region)
    if end < start:
        raise LabsError(
            "summary.invalid_range", _("The period ends on or after the day it starts."), field="end"
        )
    if (end - start).days >= POSITIVITY_DAYS_MAX:
        raise LabsError(
            "summary.range_too_long",
            _("Ask for at most %(days)s days."),
            field="start",
            days=POSITIVITY_DAYS_MAX,
        )
    first = clock.day_bounds(start)[0]
    last = clock.day_bounds(end)[1]
    rows = (
        Sample.objects.filter(
            kind=SampleKind.INDIVIDUAL,
            county__code__startswith=path,
            reported_at__gte=first,
            reported_at__lt=last,
        )
        .annotate(day=TruncDate("reported_at", tzinfo=clock.SHANGHAI))
        .values("day")
        .annotate(reported=Count("pk"), positive=Count("pk", filter=Q(result=Result.POSITIVE)))
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    days = []
    for offset in range((end - start).days + 1):
        day = start + dt.timedelta(days=offset)
        row = by_day.get(day, {"reported": 0, "positive": 0})
        days.append(
            {
                "date": day,
                "reported": row["reported"],
                "positive": row["positive"],
                "rate": _rate(row["positive"], row["reported"]),
            }
        )
    return days


def sample_list(
    *, actor: Actor, status: str | None = None, lab_id: Any = None, query: str | None = None
) -> QuerySet[Sample]:
    """Samples of the actor's county (clinics, officials) or at the actor's labs, latest first."""
    visible = _any_scope(actor, SAMPLE_READERS, "county__code") | scope_q(
        actor, RESULTS, "lab__place__region__code"
    )
    samples = Sample.objects.filter(visible)
    if status:
        if status not in SampleStatus.values:
            raise LabsError("sample.invalid_status_filter", _("Unknown sample status."), field="status")
        samples = samples.filter(status=status)
    if lab_id is not None:
        samples = samples.filter(lab_id=lab_id)
    query = (query or "").strip()
    if query:
        samples = samples.filter(Q(barcode__startswith=query.upper()) | Q(person__name__contains=query))
    return samples.select_related("person", "lab__place", "collection_place", "pool").order_by(
        "-collected_at", "id"
    )


def sample_get(*, actor: Actor, barcode: str) -> Sample:
    barcode = str(barcode or "").strip().upper()
    sample = sample_list(actor=actor).filter(barcode=barcode).first()
    if sample is None:
        raise sample_not_found(barcode)
    return sample


def visit_list(*, actor: Actor, clinic_id: Any = None) -> QuerySet[ClinicVisit]:
    """Fever-clinic visits of the actor's jurisdiction, latest first."""
    visits = ClinicVisit.objects.filter(_any_scope(actor, (CLINIC, VIEW), "county__code"))
    if clinic_id is not None:
        visits = visits.filter(clinic_id=clinic_id)
    return visits.select_related("person", "clinic", "referral").order_by("-visited_at", "id")


def visit_get(*, actor: Actor, visit_id: Any) -> ClinicVisit:
    try:
        return visit_list(actor=actor).select_related("triaged_by").get(pk=visit_id)
    except (ClinicVisit.DoesNotExist, ValidationError, ValueError, TypeError):
        raise visit_not_found() from None


def retest_task_list(*, actor: Actor, status: str | None = RetestStatus.OPEN) -> QuerySet[RetestTask]:
    """Pool members to sample again in the actor's county, oldest first."""
    tasks = RetestTask.objects.filter(_any_scope(actor, (CLINIC, VIEW), "county__code"))
    if status:
        tasks = tasks.filter(status=status)
    return tasks.select_related("person", "sample__pool").order_by("created_at", "id")


def laboratory_list(*, actor: Actor, region: str | None = None) -> list[Laboratory]:
    """Testing labs in the actor's jurisdiction with their capacity; a lab whose capacity is not
    set yet comes as an unsaved Laboratory with `daily_capacity` None."""
    places = Place.objects.filter(
        _any_scope(actor, (VIEW, CLINIC, RESULTS, MANAGE), "region__code"), kind=PlaceKind.LAB
    )
    if region:
        places = places.filter(region__code__startswith=region_path(region))
    places = places.order_by("region_id", "name")
    capacity = dict(Laboratory.objects.filter(place__in=places).values_list("place_id", "daily_capacity"))
    labs = []
    for place in places:
        # Not saved: None stands for "capacity not set yet" on a lab without its row.
        labs.append(Laboratory(place=place, daily_capacity=capacity.get(place.pk)))  # type: ignore[misc]
    return labs


def backlog_by_lab(place_ids: Iterable[int]) -> dict[int, int]:
    """Samples in transit to or waiting at each lab (labs without any are left out)."""
    rows = (
        Sample.objects.filter(
            lab_id__in=list(place_ids), status__in=[SampleStatus.SHIPPED, SampleStatus.RECEIVED]
        )
        .values("lab_id")
        .annotate(waiting=Count("id"))
    )
    return {row["lab_id"]: row["waiting"] for row in rows}


def clinic_list(*, actor: Actor) -> QuerySet[Place]:
    return Place.objects.filter(
        _any_scope(actor, (CLINIC, VIEW), "region__code"), kind=PlaceKind.FEVER_CLINIC, active=True
    ).order_by("region_id", "name")


# Unscoped system reads ---------------------------------------------------------------------------


def _by_person(rows: QuerySet[Any], person_ids: Iterable[Any]) -> dict[str, list[Any]]:
    """`rows` of each resident, keyed by every id asked for (no row: an empty list), in batches."""
    ids = list(dict.fromkeys(str(uuid.UUID(str(person_id))) for person_id in person_ids))
    found: dict[str, list[Any]] = {person_id: [] for person_id in ids}
    for start in range(0, len(ids), BATCH):
        for row in rows.filter(person_id__in=ids[start : start + BATCH]):
            found[str(row.person_id)].append(row)
    return found


def open_referrals_by_person(person_ids: Iterable[Any]) -> dict[str, list[Referral]]:
    """Each resident's open referral (a list of at most one), keyed by every id asked for."""
    return _by_person(Referral.objects.filter(status=ReferralStatus.OPEN).order_by("opened_at"), person_ids)


def referral_history_by_person(person_ids: Iterable[Any]) -> dict[str, list[Referral]]:
    """Every referral of each resident, oldest first, keyed by every id asked for."""
    return _by_person(Referral.objects.order_by("opened_at", "id"), person_ids)


def results_by_person(person_ids: Iterable[Any]) -> dict[str, list[TestResult]]:
    """Every result of each resident, oldest sample first, keyed by every id asked for."""
    return _by_person(TestResult.objects.order_by("sampled_on", "reported_at", "id"), person_ids)
