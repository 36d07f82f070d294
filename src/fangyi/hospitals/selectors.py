"""Reads of designated hospitals, admissions, treatment statistics, experts and consultations.

Hospitals, admissions and consultations are scoped by the hospital's county. An expert (who holds
hospitals.consult) reads only the consultations they are invited to, and those patients.
"""

import dataclasses
import datetime as dt
import math
import statistics
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, scope_q
from fangyi.core.selectors import row_by_key
from fangyi.hospitals.choices import AdmissionStatus, BedType, HospitalLevel, TreatmentKind
from fangyi.hospitals.errors import (
    admission_not_found,
    consultation_not_found,
    group_not_found,
    hospital_not_found,
    invalid,
)
from fangyi.hospitals.models import (
    Admission,
    Consultation,
    DutyShift,
    Expert,
    ExpertGroup,
    Hospital,
    SeverityUpdate,
    Ward,
)
from fangyi.labs.choices import Result
from fangyi.labs.models import TestResult
from fangyi.labs.selectors import results_by_person
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_get
from fangyi.surveillance.choices import Severity

VIEW = "hospitals.view"
TREAT = "hospitals.treat"
MANAGE = "hospitals.manage"
CONSULT = "hospitals.consult"

FEVER_AT = Decimal("37.3")
SERIOUS = (Severity.SEVERE, Severity.CRITICAL)
REFERRAL_LEVELS = (HospitalLevel.PREFECTURE, HospitalLevel.PROVINCE)
EARTH_RADIUS_KM = 6371.0
ROTA_MAX_DAYS = 62


# Scoping ------------------------------------------------------------------------------------------


def _clinical_q(actor: Actor, field: str) -> Q:
    """Rows of the hospitals the actor oversees. An expert's own view is their invitations (added
    by the callers); another role of theirs may add hospitals they treat at or manage."""
    if actor.prefixes_for(CONSULT):
        return scope_q(actor, TREAT, field) | scope_q(actor, MANAGE, field)
    return scope_q(actor, VIEW, field)


def _region_inside(actor: Actor, capability: str, code: str) -> Region:
    region = region_get(code=code)
    if not covers(actor, capability, region.code):
        raise region_not_found()
    return region


# Hospitals and beds -------------------------------------------------------------------------------


def occupied_by_ward(ward_ids: list[Any]) -> dict[Any, int]:
    """Patients in hospital in each ward (a ward with none is absent)."""
    rows = (
        Admission.objects.filter(ward_id__in=ward_ids, status=AdmissionStatus.ADMITTED)
        .order_by()
        .values_list("ward_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def _beds(hospitals: list[Hospital]) -> dict[Any, dict[str, dict[str, int]]]:
    wards = list(Ward.objects.filter(hospital__in=hospitals))
    occupied = occupied_by_ward([w.pk for w in wards])
    beds: dict[Any, dict[str, dict[str, int]]] = {h.pk: {} for h in hospitals}
    for ward in wards:
        beds[ward.hospital_id][ward.bed_type] = {
            "capacity": ward.capacity,
            "occupied": occupied.get(ward.pk, 0),
        }
    return beds


def hospital_list(*, actor: Actor, region: str | None = None) -> QuerySet[Hospital]:
    """Designated hospitals of the actor's jurisdiction, optionally inside `region`."""
    require(actor, VIEW)
    rows = Hospital.objects.filter(scope_q(actor, VIEW, "county__code")).select_related("place", "county")
    if region:
        rows = rows.filter(place__region__code__startswith=_region_inside(actor, VIEW, region).code)
    return rows


def hospital_get(*, actor: Actor, place_id: Any) -> Hospital:
    found = row_by_key(hospital_list(actor=actor), place_id)
    if found is None:
        raise hospital_not_found()
    return found


def hospital_beds(*, actor: Actor, region: str) -> list[dict[str, Any]]:
    """Each hospital of `region` with capacity and occupied beds per bed type (types it has)."""
    hospitals = list(hospital_list(actor=actor, region=region))
    beds = _beds(hospitals)
    return [
        {
            "place_id": h.pk,
            "name": h.place.name,
            "level": h.level,
            "county": h.county_id,
            "beds": beds[h.pk],
        }
        for h in hospitals
    ]


def _distance_km(a: Any, b: Any) -> float | None:
    """Great-circle distance between two places (None when either has no coordinates)."""
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, map(float, (a.latitude, a.longitude, b.latitude, b.longitude)))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h)), 1)


def transfer_candidates(
    *, actor: Actor, admission_id: Any, bed_type: str | None = None
) -> list[dict[str, Any]]:
    """Prefecture- and province-level hospitals (anywhere in the province) with a free bed of
    `bed_type` (any type when None), nearest first; those without coordinates last."""
    require(actor, TREAT)
    admission = row_by_key(Admission.objects.filter(scope_q(actor, TREAT, "county__code")), admission_id)
    if admission is None:
        raise admission_not_found()
    if bed_type is not None and bed_type not in BedType.values:
        raise invalid("ward.invalid_bed_type", _("Unknown bed type."), "bed_type")
    origin = admission.hospital.place
    hospitals = list(
        Hospital.objects.filter(level__in=REFERRAL_LEVELS)
        .exclude(pk=admission.hospital_id)
        .select_related("place")
    )
    beds = _beds(hospitals)
    found = []
    for hospital in hospitals:
        kinds = [bed_type] if bed_type else list(beds[hospital.pk])
        free = sum(
            max(beds[hospital.pk][k]["capacity"] - beds[hospital.pk][k]["occupied"], 0)
            for k in kinds
            if k in beds[hospital.pk]
        )
        if free > 0:
            found.append(
                {
                    "place_id": hospital.pk,
                    "name": hospital.place.name,
                    "level": hospital.level,
                    "distance_km": _distance_km(origin, hospital.place),
                    "free": free,
                }
            )
    found.sort(key=lambda c: (c["distance_km"] is None, c["distance_km"] or 0.0, c["name"]))
    return found


# Admissions ---------------------------------------------------------------------------------------


def _admission_q(actor: Actor) -> Q:
    invited = Consultation.objects.filter(invitations__expert__user_id=actor.pk).values("admission_id")
    return _clinical_q(actor, "county__code") | Q(pk__in=invited)


def admission_list(
    *, actor: Actor, hospital_id: Any = None, status: str | None = None
) -> QuerySet[Admission]:
    """Admissions of the actor's hospitals (an expert: of the consultations they are invited to),
    latest first."""
    require(actor, VIEW)
    rows = Admission.objects.filter(_admission_q(actor)).select_related(
        "hospital__place", "ward", "case", "person", "county"
    )
    if hospital_id is not None:
        rows = rows.filter(hospital_id=hospital_id)
    if status:
        if status not in AdmissionStatus.values:
            raise invalid("admission.invalid_status", _("Unknown admission status."), "status")
        rows = rows.filter(status=status)
    return rows


def admission_get(*, actor: Actor, admission_id: Any) -> Admission:
    found = row_by_key(admission_list(actor=actor), admission_id)
    if found is None:
        raise admission_not_found()
    return found


def admission_chain_start(admission: Admission) -> Admission:
    """The first stay of a patient's hospitalisation (before any transfer)."""
    while admission.transferred_from_id is not None:
        admission = admission.transferred_from  # type: ignore[assignment]
    return admission


# Discharge ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DischargeCheck:
    met: bool
    missing: list[str]


def _sampled(result: TestResult) -> dt.datetime:
    if result.sampled_at is not None:
        return result.sampled_at
    return dt.datetime.combine(result.sampled_on, dt.time(0), tzinfo=clock.SHANGHAI)


def discharge_check(admission: Admission) -> DischargeCheck:
    """The discharge criteria: the configured number of consecutive negative tests taken since
    admission, each the configured hours after the one before, the latest result negative, and no
    fever in the daily rounds of the last days. `missing` says, in words, what is not met."""
    needed = settings.FANGYI_DISCHARGE_NEGATIVE_TESTS
    hours = settings.FANGYI_DISCHARGE_HOURS_APART
    days = settings.FANGYI_DISCHARGE_AFEBRILE_DAYS
    start = dt.datetime.combine(
        admission_chain_start(admission).admitted_on, dt.time(0), tzinfo=clock.SHANGHAI
    )
    results = [
        r for r in results_by_person([admission.person_id])[str(admission.person_id)] if _sampled(r) >= start
    ]
    results.sort(key=lambda r: (_sampled(r), r.reported_at))
    missing = []
    if results and results[-1].result != Result.NEGATIVE:
        missing.append(_("The latest test result is not negative."))
    counted = 0
    last: dt.datetime | None = None
    for result in reversed(results):
        if result.result != Result.NEGATIVE:
            break
        if last is None or last - _sampled(result) >= dt.timedelta(hours=hours):
            counted += 1
            last = _sampled(result)
    if counted < needed:
        missing.append(
            _(
                "%(needed)s consecutive negative tests at least %(hours)s hours apart are needed;"
                " %(counted)s found."
            )
            % {"needed": needed, "hours": hours, "counted": counted}
        )
    since = clock.today() - dt.timedelta(days=days - 1)
    fevers = admission.updates.filter(date__gte=since, temperature__gte=FEVER_AT).count()
    if fevers:
        missing.append(
            _("A temperature of %(fever)s °C or more was recorded in the last %(days)s days.")
            % {"fever": FEVER_AT, "days": days}
        )
    return DischargeCheck(met=not missing, missing=missing)


# Case summary -------------------------------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def case_summary(admission: Admission) -> dict[str, Any]:
    """What the experts read before a consultation, as plain JSON: the case's history and the
    daily rounds, the latest vital signs, the person's test results, imaging notes and treatments."""
    case = admission.case
    stays = []
    stay: Admission | None = admission
    while stay is not None:
        stays.append(stay)
        stay = stay.transferred_from
    updates = [u for s in reversed(stays) for u in s.updates.order_by("date")]
    treatments = [t for s in reversed(stays) for t in s.treatments.order_by("date", "recorded_at")]
    latest = updates[-1] if updates else None
    results = results_by_person([admission.person_id])[str(admission.person_id)]
    return {
        "case": {
            "classification": case.classification,
            "onset_date": case.onset_date.isoformat() if case.onset_date else None,
            "report_date": case.report_date.isoformat(),
            "confirmed_date": case.confirmed_date.isoformat() if case.confirmed_date else None,
            "symptoms": case.symptoms,
            "severity": admission.severity,
        },
        "admission": {
            "hospital": admission.hospital.place.name,
            "admitted_on": stays[-1].admitted_on.isoformat(),
            "severity_on_admission": stays[-1].severity_on_admission,
        },
        "history": [
            {"date": e.date.isoformat(), "kind": e.kind, "detail": e.detail}
            for e in case.events.order_by("date", "recorded_at")
        ],
        "severity_updates": [
            {
                "date": u.date.isoformat(),
                "severity": u.severity,
                "temperature": _number(u.temperature),
                "spo2": u.spo2,
                "respiratory_rate": u.respiratory_rate,
                "heart_rate": u.heart_rate,
                "note": u.note,
            }
            for u in updates
        ],
        "latest_vitals": None
        if latest is None
        else {
            "date": latest.date.isoformat(),
            "temperature": _number(latest.temperature),
            "spo2": latest.spo2,
            "respiratory_rate": latest.respiratory_rate,
            "heart_rate": latest.heart_rate,
        },
        "tests": [
            {
                "sampled_on": r.sampled_on.isoformat(),
                "result": r.result,
                "ct_value": _number(r.ct_value),
                "lab": r.lab,
            }
            for r in results
        ],
        "imaging": [
            {"date": t.date.isoformat(), "detail": t.detail}
            for t in treatments
            if t.kind == TreatmentKind.IMAGING
        ],
        "treatments": [
            {"date": t.date.isoformat(), "kind": t.kind, "detail": t.detail}
            for t in treatments
            if t.kind != TreatmentKind.IMAGING
        ],
    }


# Statistics ---------------------------------------------------------------------------------------


def _mean(values: list[int]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def treatment_statistics(
    *, actor: Actor, region: str, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, Any]:
    """Outcomes of the hospitalisations that began in `region`'s hospitals between `start` and
    `end` (inclusive; open-ended when None). A hospitalisation runs from the first admission
    through any transfers to its last stay, wherever that is.

    cure_rate is cured / (cured + died); lengths of stay are in days, over cured patients; TCM
    participation is over all patients; conversion counts patients mild on admission who became
    severe or critical later."""
    require(actor, VIEW)
    area = _region_inside(actor, VIEW, region)
    rows = Admission.objects.filter(
        transferred_from__isnull=True, hospital__place__region__code__startswith=area.code
    )
    if start is not None:
        rows = rows.filter(admitted_on__gte=start)
    if end is not None:
        rows = rows.filter(admitted_on__lte=end)
    firsts = list(rows)
    following: dict[Any, Admission] = {}
    every: list[Admission] = list(firsts)
    for stay in Admission.objects.filter(
        case_id__in={a.case_id for a in firsts}, transferred_from__isnull=False
    ):
        following[stay.transferred_from_id] = stay
        every.append(stay)
    serious = set(
        SeverityUpdate.objects.filter(admission__in=every, severity__in=SERIOUS).values_list(
            "admission_id", flat=True
        )
    )
    cured_los: list[int] = []
    by_tcm: dict[bool, list[int]] = {True: [], False: []}
    counts = {"in_hospital": 0, "cured": 0, "died": 0, "tcm": 0, "mild": 0, "converted": 0}
    for first in firsts:
        chain = [first]
        while chain[-1].pk in following:
            chain.append(following[chain[-1].pk])
        last = chain[-1]
        tcm = any(s.tcm for s in chain)
        counts["tcm"] += tcm
        if last.status == AdmissionStatus.ADMITTED:
            counts["in_hospital"] += 1
        elif last.status == AdmissionStatus.DIED:
            counts["died"] += 1
        elif last.status == AdmissionStatus.DISCHARGED and last.ended_on is not None:
            counts["cured"] += 1
            days = (last.ended_on - first.admitted_on).days
            cured_los.append(days)
            by_tcm[tcm].append(days)
        if first.severity_on_admission == Severity.MILD:
            counts["mild"] += 1
            counts["converted"] += any(
                s.pk in serious or (s is not first and s.severity_on_admission in SERIOUS) for s in chain
            )
    mean_tcm, mean_without = _mean(by_tcm[True]), _mean(by_tcm[False])
    return {
        "region": area.code,
        "start": start,
        "end": end,
        "admitted": len(firsts),
        "in_hospital": counts["in_hospital"],
        "cured": counts["cured"],
        "died": counts["died"],
        "cure_rate": _rate(counts["cured"], counts["cured"] + counts["died"]),
        "median_length_of_stay_days": float(statistics.median(cured_los)) if cured_los else None,
        "mean_length_of_stay_days": _mean(cured_los),
        "tcm_rate": _rate(counts["tcm"], len(firsts)),
        "mean_los_tcm_days": mean_tcm,
        "mean_los_without_tcm_days": mean_without,
        "los_difference_days": None
        if mean_tcm is None or mean_without is None
        else round(mean_tcm - mean_without, 2),
        "mild_admitted": counts["mild"],
        "converted_to_severe": counts["converted"],
        "conversion_rate": _rate(counts["converted"], counts["mild"]),
    }


# Experts and consultations ------------------------------------------------------------------------


def expert_list(*, actor: Actor) -> QuerySet[Expert]:
    """The province's experts: a directory every holder of hospitals.view reads."""
    require(actor, VIEW)
    return Expert.objects.select_related("user")


def expert_group_list(*, actor: Actor) -> QuerySet[ExpertGroup]:
    """Expert groups assigned to a region of, or above, the actor's jurisdiction."""
    require(actor, VIEW)
    q = Q(pk__in=[])
    for prefix in actor.prefixes_for(VIEW):
        q |= Q(region__code__startswith=prefix) | Q(
            region__code__in=[prefix[:n] for n in (2, 4) if n < len(prefix)]
        )
    return ExpertGroup.objects.filter(q).select_related("region", "leader").prefetch_related("members")


def expert_group_get(*, actor: Actor, group_id: Any) -> ExpertGroup:
    found = row_by_key(expert_group_list(actor=actor), group_id)
    if found is None:
        raise group_not_found()
    return found


def rota(*, actor: Actor, group_id: Any, start: dt.date, days: int = 7) -> list[DutyShift]:
    """The group's duty shifts from `start` for `days` days, in date and shift order."""
    group = expert_group_get(actor=actor, group_id=group_id)
    if not 1 <= days <= ROTA_MAX_DAYS:
        raise invalid(
            "duty.invalid_days", _("Show between 1 and %(max)s days.") % {"max": ROTA_MAX_DAYS}, "days"
        )
    end = start + dt.timedelta(days=days - 1)
    return list(group.rota.filter(date__gte=start, date__lte=end).select_related("expert"))


def consultation_list(*, actor: Actor, status: str | None = None) -> QuerySet[Consultation]:
    """Consultations of the actor's hospitals; an expert sees the ones they are invited to."""
    require(actor, VIEW)
    invited = Consultation.objects.filter(invitations__expert__user_id=actor.pk).values("pk")
    rows = Consultation.objects.filter(_clinical_q(actor, "county__code") | Q(pk__in=invited)).select_related(
        "admission__hospital__place", "admission__person"
    )
    if status:
        rows = rows.filter(status=status)
    return rows


def consultation_get(*, actor: Actor, consultation_id: Any) -> Consultation:
    found = row_by_key(consultation_list(actor=actor), consultation_id)
    if found is None:
        raise consultation_not_found()
    return found
