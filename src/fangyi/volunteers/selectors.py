"""Reads of volunteers, missions, hours, certificates and the hotline rota.

Officials and coordinators read by jurisdiction ("volunteers.view" at the region a volunteer serves
in, a mission or a shift takes place in). A resident serving as a volunteer reads their own rows and
the open missions on their line: the region they serve in, the regions above it and those below.
Names are shown masked everywhere; a certificate is verified by anyone, showing a masked name only.
"""

import dataclasses
import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, scope_q
from fangyi.core.selectors import row_by_key
from fangyi.core.validators import mask_name
from fangyi.people.models import Person
from fangyi.regions.choices import PATH_LENGTH
from fangyi.regions.errors import region_not_found
from fangyi.regions.selectors import region_path
from fangyi.volunteers.choices import HoursStatus, Language, MissionStatus, SignUpStatus, Skill
from fangyi.volunteers.errors import (
    certificate_not_found,
    invalid,
    mission_not_found,
    not_a_resident,
    record_not_found,
    shift_not_found,
    signup_not_found,
    volunteer_not_found,
)
from fangyi.volunteers.models import (
    Certificate,
    CounsellingSession,
    HotlineShift,
    HoursRecord,
    Mission,
    SignUp,
    Volunteer,
)

VIEW = "volunteers.view"
COORDINATE = "volunteers.coordinate"
SERVE = "volunteers.serve"
# The longest stretch of days the hotline coverage is computed for at once.
COVERAGE_DAYS_MAX = 62
TENTH = Decimal("0.1")
# "VC", the day of issue and 8 characters that cannot be misread (no 0, O, 1, I).
SERIAL_PATTERN = re.compile(r"^VC\d{8}[2-9A-HJ-NP-Z]{8}$")


# Lines of regions ---------------------------------------------------------------------------------


def line_paths(path: str) -> list[str]:
    """The region path and every region above it (430102001 → 43, 4301, 430102, 430102001)."""
    return [path[:length] for length in sorted(set(PATH_LENGTH.values())) if length <= len(path)]


def on_line(path: str, other: str) -> bool:
    """Whether region `other` is `path`, above it or below it."""
    return other.startswith(path) or other in line_paths(path)


def on_line_q(path: str, field: str) -> Q:
    """Rows whose region path `field` is `path`, above it or below it."""
    return Q(**{f"{field}__in": line_paths(path)}) | Q(**{f"{field}__startswith": path})


def resident_of(actor: Actor) -> Person:
    """The resident the login is linked to, when it may serve as a volunteer (403 otherwise)."""
    require(actor, SERVE)
    person = Person.objects.filter(user_id=actor.pk).first() if actor.pk is not None else None
    if person is None:
        raise not_a_resident()
    return person


def _own_q(actor: Actor, field: str) -> Q:
    """Rows of the actor's own volunteer (through `field`, the volunteer's person's login)."""
    if actor.pk is None or not actor.prefixes_for(SERVE):
        return Q(pk__in=[])
    return Q(**{f"{field}__person__user_id" if field else "person__user_id": actor.pk})


def _region_inside(actor: Actor, capability: str, raw: str) -> str:
    """The region path asked for, when it overlaps the actor's jurisdiction (else not found)."""
    path = region_path(raw)
    prefixes = actor.prefixes_for(capability)
    if not any(path.startswith(prefix) or prefix.startswith(path) for prefix in prefixes):
        raise region_not_found()
    return path


def hours_of(minutes: int | None) -> Decimal:
    """Minutes as hours to one decimal, as certificates show them."""
    return (Decimal(minutes or 0) / 60).quantize(TENTH, rounding=ROUND_HALF_UP)


# Volunteers ---------------------------------------------------------------------------------------


def _approved_minutes() -> Coalesce:
    approved = (
        HoursRecord.objects.filter(volunteer=OuterRef("pk"), status=HoursStatus.APPROVED)
        .order_by()
        .values("volunteer")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    return Coalesce(Subquery(approved, output_field=IntegerField()), Value(0))


def _choice(value: str, choices: list[str], code: str, field: str) -> str:
    if value not in choices:
        raise invalid(code, _("Not one of the choices."), field)
    return value


def volunteers_visible(actor: Actor) -> QuerySet[Volunteer]:
    """Volunteers serving in the actor's jurisdiction, and the actor's own volunteer."""
    return Volunteer.objects.filter(scope_q(actor, VIEW, "region__code") | _own_q(actor, "")).annotate(
        approved_minutes=_approved_minutes()
    )


def volunteer_list(
    *,
    actor: Actor,
    region: str | None = None,
    skill: str | None = None,
    language: str | None = None,
    counsellor: bool | None = None,
    q: str | None = None,
    active: bool | None = None,
) -> QuerySet[Volunteer]:
    """Volunteers of the jurisdiction with their approved minutes (`approved_minutes`). `q` matches
    the organisation, or a masked name ("张" or "张*" finds 张三): never a full name."""
    require(actor, VIEW)
    volunteers = Volunteer.objects.filter(scope_q(actor, VIEW, "region__code")).annotate(
        approved_minutes=_approved_minutes()
    )
    if region:
        volunteers = volunteers.filter(region__code__startswith=region_path(region))
    # Skills and languages come from fixed choices, so their quoted form in the JSON text is exact.
    if skill:
        volunteers = volunteers.filter(
            skills__icontains=f'"{_choice(skill, Skill.values, "volunteer.unknown_skill", "skill")}"'
        )
    if language:
        code = _choice(language, Language.values, "volunteer.unknown_language", "language")
        volunteers = volunteers.filter(languages__icontains=f'"{code}"')
    if counsellor is not None:
        qualified = ~Q(qualification="") & Q(qualification_verified_at__isnull=False)
        volunteers = volunteers.filter(qualified if counsellor else ~qualified)
    if active is not None:
        volunteers = volunteers.filter(active=active)
    text = (q or "").strip()
    if text:
        matches = Q(organisation__icontains=text)
        if text[0] != "*" and not text[1:].strip("*"):
            matches |= Q(person__name__startswith=text[0])
        volunteers = volunteers.filter(matches)
    return volunteers.select_related("person", "region")


def volunteer_get(*, actor: Actor, volunteer_id: Any) -> Volunteer:
    """A volunteer of the jurisdiction, or the actor's own."""
    found = row_by_key(volunteers_visible(actor).select_related("person", "region"), volunteer_id)
    if found is None:
        raise volunteer_not_found()
    return found


def volunteer_masked_name(volunteer: Volunteer) -> str:
    return mask_name(volunteer.person.name)


def my_volunteer(*, actor: Actor) -> Volunteer | None:
    """The signed-in resident's volunteer record (None when they have not registered)."""
    person = resident_of(actor)
    return (
        Volunteer.objects.filter(person=person)
        .annotate(approved_minutes=_approved_minutes())
        .select_related("person", "region")
        .first()
    )


# Missions -----------------------------------------------------------------------------------------


def _mission_counts(missions: QuerySet[Mission]) -> QuerySet[Mission]:
    return missions.annotate(
        assigned=Count("signups", filter=Q(signups__status=SignUpStatus.ASSIGNED), distinct=True),
        waiting=Count("signups", filter=Q(signups__status=SignUpStatus.SIGNED_UP), distinct=True),
    )


def missions_visible(actor: Actor) -> QuerySet[Mission]:
    """Missions of the actor's jurisdiction; for a volunteer also the open ones on their line and
    those they signed up for."""
    condition = scope_q(actor, VIEW, "region__code")
    if actor.pk is not None and actor.prefixes_for(SERVE):
        own = Volunteer.objects.filter(person__user_id=actor.pk).only("region_id").first()
        if own is not None:
            condition |= Q(status=MissionStatus.OPEN) & on_line_q(own.region_id, "region__code")
            condition |= Q(signups__volunteer=own)
    return Mission.objects.filter(condition).distinct()


def mission_list(
    *,
    actor: Actor,
    region: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    upcoming: bool = False,
) -> QuerySet[Mission]:
    """Missions the actor may see, with their `assigned` and `waiting` sign-up counts; `upcoming`
    keeps those not yet over."""
    missions = Mission.objects.filter(pk__in=missions_visible(actor).values("pk"))
    if region:
        missions = missions.filter(region__code__startswith=region_path(region))
    if status:
        missions = missions.filter(status=status)
    if kind:
        missions = missions.filter(kind=kind)
    if upcoming:
        missions = missions.filter(ends_at__gt=clock.now())
    return _mission_counts(missions).select_related("region", "place")


def mission_get(*, actor: Actor, mission_id: Any) -> Mission:
    found = row_by_key(mission_list(actor=actor), mission_id)
    if found is None:
        raise mission_not_found()
    return found


def mission_signups(*, actor: Actor, mission_id: Any) -> QuerySet[SignUp]:
    """The sign-ups of a mission of the jurisdiction (a volunteer sees only their own)."""
    mission = mission_get(actor=actor, mission_id=mission_id)
    signups = SignUp.objects.filter(mission=mission)
    if not covers(actor, VIEW, mission.region_id):
        signups = signups.filter(_own_q(actor, "volunteer"))
    return signups.select_related("volunteer__person", "volunteer__region")


def signup_get(*, actor: Actor, signup_id: Any) -> SignUp:
    visible = SignUp.objects.filter(
        scope_q(actor, VIEW, "mission__region__code") | _own_q(actor, "volunteer")
    )
    found = row_by_key(visible.select_related("mission", "volunteer__person"), signup_id)
    if found is None:
        raise signup_not_found()
    return found


def my_signups(*, actor: Actor) -> QuerySet[SignUp]:
    """The signed-in volunteer's sign-ups, the soonest mission first, with any open duty."""
    person = resident_of(actor)
    open_duty = HoursRecord.objects.filter(signup=OuterRef("pk"), check_out_at__isnull=True).values("pk")[:1]
    return (
        SignUp.objects.filter(volunteer__person=person)
        .annotate(open_record_id=Subquery(open_duty))
        .select_related("mission__region", "mission__place")
        .order_by("mission__starts_at", "id")
    )


# Hours --------------------------------------------------------------------------------------------


def hours_list(
    *,
    actor: Actor,
    status: str | None = None,
    mission_id: Any = None,
    volunteer_id: Any = None,
) -> QuerySet[HoursRecord]:
    """Hours served on missions of the jurisdiction, and the actor's own."""
    records = HoursRecord.objects.filter(
        scope_q(actor, VIEW, "signup__mission__region__code") | _own_q(actor, "volunteer")
    )
    if status:
        records = records.filter(status=status)
    if mission_id is not None:
        records = records.filter(signup__mission_id=mission_id)
    if volunteer_id is not None:
        records = records.filter(volunteer_id=volunteer_id)
    return records.select_related("signup__mission", "volunteer__person", "decided_by")


def hours_get(*, actor: Actor, record_id: Any) -> HoursRecord:
    found = row_by_key(hours_list(actor=actor), record_id)
    if found is None:
        raise record_not_found()
    return found


def hours_pending(*, actor: Actor) -> QuerySet[HoursRecord]:
    """Checked-out hours waiting for approval on missions of the jurisdiction, oldest first."""
    require(actor, VIEW)
    return (
        HoursRecord.objects.filter(scope_q(actor, VIEW, "signup__mission__region__code"))
        .filter(status=HoursStatus.PENDING)
        .select_related("signup__mission", "volunteer__person")
        .order_by("check_in_at", "id")
    )


def my_hours(*, actor: Actor) -> QuerySet[HoursRecord]:
    person = resident_of(actor)
    return HoursRecord.objects.filter(volunteer__person=person).select_related("signup__mission")


# Certificates -------------------------------------------------------------------------------------


def certificate_list(*, actor: Actor, volunteer_id: Any = None) -> QuerySet[Certificate]:
    certificates = Certificate.objects.filter(
        scope_q(actor, VIEW, "volunteer__region__code") | _own_q(actor, "volunteer")
    )
    if volunteer_id is not None:
        certificates = certificates.filter(volunteer_id=volunteer_id)
    return certificates.select_related("volunteer__person", "volunteer__region")


def certificate_get(*, actor: Actor, serial: str) -> Certificate:
    found = row_by_key(certificate_list(actor=actor), (serial or "").strip().upper(), key="serial")
    if found is None:
        raise certificate_not_found()
    return found


def my_certificates(*, actor: Actor) -> QuerySet[Certificate]:
    person = resident_of(actor)
    return Certificate.objects.filter(volunteer__person=person).select_related("volunteer__region")


@dataclasses.dataclass(frozen=True)
class CertificateCheck:
    """What anyone may learn of a certificate from its serial."""

    serial: str
    name: str
    hours: Decimal
    missions: int
    first_day: dt.date
    last_day: dt.date
    region: str
    issued_on: dt.date


def certificate_verify(serial: str) -> CertificateCheck:
    """Public check of a certificate (no login): the masked name, the hours and missions, the
    period, the region served in and the day of issue."""
    value = (serial or "").strip().upper()
    found = (
        Certificate.objects.select_related("volunteer__person", "volunteer__region")
        .filter(serial=value)
        .first()
        if SERIAL_PATTERN.match(value)
        else None
    )
    if found is None:
        raise certificate_not_found()
    return CertificateCheck(
        serial=found.serial,
        name=volunteer_masked_name(found.volunteer),
        hours=found.hours,
        missions=found.missions,
        first_day=found.first_day,
        last_day=found.last_day,
        region=found.volunteer.region.name,
        issued_on=found.issued_at.astimezone(clock.SHANGHAI).date(),
    )


# The hotline --------------------------------------------------------------------------------------


def shift_list(
    *,
    actor: Actor,
    region: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    counsellor_id: Any = None,
) -> QuerySet[HotlineShift]:
    """Shifts of the jurisdiction and the actor's own, that end after `start` and begin before `end`."""
    shifts = HotlineShift.objects.filter(scope_q(actor, VIEW, "region__code") | _own_q(actor, "counsellor"))
    if region:
        shifts = shifts.filter(region__code__startswith=region_path(region))
    if start is not None:
        shifts = shifts.filter(ends_at__gt=start)
    if end is not None:
        shifts = shifts.filter(starts_at__lt=end)
    if counsellor_id is not None:
        shifts = shifts.filter(counsellor_id=counsellor_id)
    return shifts.annotate(session_count=Count("sessions")).select_related("counsellor__person", "region")


def my_shifts(*, actor: Actor, start: dt.datetime | None = None) -> QuerySet[HotlineShift]:
    """The signed-in counsellor's shifts (those ending after `start`), the soonest first."""
    person = resident_of(actor)
    shifts = HotlineShift.objects.filter(counsellor__person=person)
    if start is not None:
        shifts = shifts.filter(ends_at__gt=start)
    return (
        shifts.annotate(session_count=Count("sessions")).select_related("region").order_by("starts_at", "id")
    )


def shift_get(*, actor: Actor, shift_id: Any) -> HotlineShift:
    found = row_by_key(shift_list(actor=actor), shift_id)
    if found is None:
        raise shift_not_found()
    return found


def session_list(
    *,
    actor: Actor,
    region: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    shift_id: Any = None,
) -> QuerySet[CounsellingSession]:
    """Anonymous counselling logs of shifts of the jurisdiction, and of the counsellor's own shifts."""
    sessions = CounsellingSession.objects.filter(
        scope_q(actor, VIEW, "shift__region__code") | _own_q(actor, "shift__counsellor")
    )
    if region:
        sessions = sessions.filter(shift__region__code__startswith=region_path(region))
    if start is not None:
        sessions = sessions.filter(started_at__gte=start)
    if end is not None:
        sessions = sessions.filter(started_at__lt=end)
    if shift_id is not None:
        sessions = sessions.filter(shift_id=shift_id)
    return sessions.select_related("shift__region")


@dataclasses.dataclass(frozen=True)
class DayCoverage:
    """One day of the hotline in a region: the minutes at least one counsellor was on shift, and
    the stretches nobody was (local times)."""

    date: dt.date
    covered_minutes: int
    gaps: list[tuple[dt.datetime, dt.datetime]]

    @property
    def covered_hours(self) -> Decimal:
        return hours_of(self.covered_minutes)

    @property
    def complete(self) -> bool:
        return not self.gaps


def _merged(intervals: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def hotline_coverage(*, actor: Actor, region: str, start: dt.date, end: dt.date) -> list[DayCoverage]:
    """For each day from `start` to `end` (Asia/Shanghai days), how long the hotline of the region
    (and below) was staffed by at least one counsellor, and its gaps."""
    require(actor, VIEW)
    path = _region_inside(actor, VIEW, region)
    if end < start:
        raise invalid("coverage.invalid_range", _("The end comes before the start."), "end")
    if (end - start).days >= COVERAGE_DAYS_MAX:
        raise invalid(
            "coverage.range_too_long",
            _("Ask for at most %(days)s days at a time."),
            "end",
            days=COVERAGE_DAYS_MAX,
        )
    first = dt.datetime.combine(start, dt.time(), tzinfo=clock.SHANGHAI)
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=clock.SHANGHAI)
    shifts = (
        HotlineShift.objects.filter(scope_q(actor, VIEW, "region__code"))
        .filter(region__code__startswith=path, ends_at__gt=first, starts_at__lt=last)
        .values_list("starts_at", "ends_at")
    )
    intervals = [(s.astimezone(clock.SHANGHAI), e.astimezone(clock.SHANGHAI)) for s, e in shifts]
    days: list[DayCoverage] = []
    day = start
    while day <= end:
        opens = dt.datetime.combine(day, dt.time(), tzinfo=clock.SHANGHAI)
        closes = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=clock.SHANGHAI)
        covered = _merged([(max(s, opens), min(e, closes)) for s, e in intervals if s < closes and e > opens])
        gaps: list[tuple[dt.datetime, dt.datetime]] = []
        cursor = opens
        for s, e in covered:
            if s > cursor:
                gaps.append((cursor, s))
            cursor = e
        if cursor < closes:
            gaps.append((cursor, closes))
        minutes = sum(int((e - s).total_seconds()) for s, e in covered) // 60
        days.append(DayCoverage(date=day, covered_minutes=minutes, gaps=gaps))
        day += dt.timedelta(days=1)
    return days


# Statistics ---------------------------------------------------------------------------------------


def volunteer_stats(*, actor: Actor, region: str) -> dict[str, Any]:
    """Figures of a region (and below): active volunteers, counsellors, open and all missions,
    hours waiting and approved."""
    require(actor, VIEW)
    path = _region_inside(actor, VIEW, region)
    volunteers = Volunteer.objects.filter(scope_q(actor, VIEW, "region__code"), region__code__startswith=path)
    active = volunteers.filter(active=True)
    missions = Mission.objects.filter(scope_q(actor, VIEW, "region__code"), region__code__startswith=path)
    records = HoursRecord.objects.filter(
        scope_q(actor, VIEW, "signup__mission__region__code"), signup__mission__region__code__startswith=path
    )
    approved = records.filter(status=HoursStatus.APPROVED).aggregate(total=Sum("minutes"))["total"]
    return {
        "region": path,
        "volunteers": active.count(),
        "counsellors": active.exclude(qualification="")
        .filter(qualification_verified_at__isnull=False)
        .count(),
        "missions": missions.count(),
        "missions_open": missions.filter(status=MissionStatus.OPEN).count(),
        "hours_pending": records.filter(status=HoursStatus.PENDING).count(),
        "hours_approved": hours_of(approved),
    }
