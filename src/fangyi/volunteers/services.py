"""Every write of volunteers: the registry and counsellors' qualifications, missions and their
sign-ups, hours served, service certificates, the hotline rota and its anonymous session logs.

A volunteer's hours never overlap: every write of hours locks the volunteer's row first, so two
check-ins (or a check-in and a coordinator's log) at the same moment cannot both pass.
"""

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock, pii
from fangyi.core.access import Actor, covers, require
from fangyi.core.selectors import row_by_key
from fangyi.core.services import audit_record
from fangyi.core.validators import parse_id_number
from fangyi.people.models import Person
from fangyi.people.services import person_register
from fangyi.regions.choices import PATH_LENGTH, Level
from fangyi.regions.errors import place_not_found, region_not_found
from fangyi.regions.models import Place, Region
from fangyi.regions.selectors import id_address_code_known, region_path
from fangyi.volunteers.choices import (
    Availability,
    CallerGroup,
    CounsellingRisk,
    CounsellingTopic,
    HoursStatus,
    Language,
    MissionKind,
    MissionStatus,
    Qualification,
    SignUpStatus,
    Skill,
)
from fangyi.volunteers.errors import (
    conflict,
    inactive,
    invalid,
    mission_closed,
    mission_full,
    mission_not_found,
    not_registered,
    overlap,
    record_not_found,
    required,
    shift_not_found,
    signup_not_found,
    text_too_long,
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
from fangyi.volunteers.selectors import COORDINATE, SERVE, hours_of, on_line, resident_of

# A check-in or logged hours may fall this long before the mission starts or after it ends.
MISSION_MARGIN = dt.timedelta(hours=1)
# The longest single stretch of hours, and the longest hotline shift.
DUTY_MAX = dt.timedelta(hours=24)
SHIFT_MAX = dt.timedelta(hours=12)
SESSION_MINUTES_MAX = 600
SLOTS_MAX = 10_000
NOTE_MAX = 500
SESSION_NOTES_MAX = 2000
SERIAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


# Input checks -------------------------------------------------------------------------------------


def _text(value: str | None, code: str, field: str, limit: int, *, needed: bool = False) -> str:
    text = (value or "").strip()
    if needed and not text:
        raise required(f"{code}.required", field)
    if len(text) > limit:
        raise text_too_long(f"{code}.too_long", field, limit)
    return text


def _choices(values: Iterable[str] | None, choices: list[str], code: str, field: str) -> list[str]:
    """The chosen values in the order given, once each; anything not among `choices` is refused."""
    if values is None or isinstance(values, str):
        raise invalid(code, _("Give a list of choices."), field)
    chosen: list[str] = []
    for value in values:
        if value not in choices:
            raise invalid(code, _("“%(value)s” is not one of the choices."), field, value=str(value)[:32])
        if value not in chosen:
            chosen.append(value)
    return chosen


def _choice(value: str | None, choices: list[str], code: str, field: str) -> str:
    if value not in choices:
        raise invalid(code, _("Not one of the choices."), field)
    return str(value)


def _moment(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise invalid("time.invalid", _("Give a date and time with its time zone."), field)
    return value


def _not_future(moment: dt.datetime, code: str, field: str) -> dt.datetime:
    # A minute's grace for clocks of phones a little ahead of the server's.
    if moment > clock.now() + dt.timedelta(minutes=1):
        raise invalid(code, _("This time is still to come."), field)
    return moment


def _region(raw: str, field: str = "region") -> Region:
    """An existing region at county level or below."""
    path = region_path(raw)
    found = Region.objects.filter(code=path).first()
    if found is None or len(path) < PATH_LENGTH[Level.COUNTY]:
        error = region_not_found()
        error.field = field
        raise error
    return found


def _region_covered(actor: Actor | None, raw: str, field: str = "region") -> Region:
    """A region at county level or below inside the actor's jurisdiction to coordinate."""
    region = _region(raw, field)
    if actor is not None and not covers(actor, COORDINATE, region.code):
        error = region_not_found()
        error.field = field
        raise error
    return region


def _region_on_own_line(actor: Actor, raw: str) -> Region:
    """Where a resident may serve: the region their role is held at, one above it (their township,
    their county) or one below it."""
    region = _region(raw)
    prefixes = actor.prefixes_for(SERVE)
    if not any(on_line(prefix, region.code) for prefix in prefixes):
        raise region_not_found()
    return region


# Rows the actor may act on -------------------------------------------------------------------------


def _own_volunteer(actor: Actor, *, lock: bool = False) -> Volunteer:
    """The signed-in resident's volunteer row (locked when `lock`)."""
    person = resident_of(actor)
    rows = Volunteer.objects.select_for_update(of=("self",)) if lock else Volunteer.objects.all()
    volunteer = rows.select_related("person").filter(person=person).first()
    if volunteer is None:
        raise not_registered()
    return volunteer


def _coordinated_volunteer(actor: Actor | None, volunteer_id: Any, *, lock: bool = False) -> Volunteer:
    rows = Volunteer.objects.select_for_update(of=("self",)) if lock else Volunteer.objects.all()
    volunteer = row_by_key(rows.select_related("person", "region"), volunteer_id)
    if volunteer is None or (actor is not None and not covers(actor, COORDINATE, volunteer.region_id)):
        raise volunteer_not_found()
    return volunteer


def _coordinated_mission(actor: Actor | None, mission_id: Any, *, lock: bool = False) -> Mission:
    rows = Mission.objects.select_for_update(of=("self",)) if lock else Mission.objects.all()
    mission = row_by_key(rows.select_related("region"), mission_id)
    if mission is None or (actor is not None and not covers(actor, COORDINATE, mission.region_id)):
        raise mission_not_found()
    return mission


def _lock_volunteer(volunteer_id: Any) -> Volunteer:
    """Take the volunteer's row lock: every write of their hours holds it until commit."""
    return Volunteer.objects.select_for_update(of=("self",)).get(pk=volunteer_id)


def _assigned_count(mission: Mission) -> int:
    return mission.signups.filter(status=SignUpStatus.ASSIGNED).count()


# Volunteers ---------------------------------------------------------------------------------------


def _profile(
    *,
    organisation: str | None,
    skills: Iterable[str] | None,
    languages: Iterable[str] | None,
    availability: Iterable[str] | None,
) -> dict[str, Any]:
    """The checked profile fields given (those left None are not changed)."""
    fields: dict[str, Any] = {}
    if organisation is not None:
        fields["organisation"] = _text(organisation, "volunteer.organisation", "organisation", 128)
    if skills is not None:
        fields["skills"] = _choices(skills, Skill.values, "volunteer.unknown_skill", "skills")
    if languages is not None:
        fields["languages"] = _choices(languages, Language.values, "volunteer.unknown_language", "languages")
    if availability is not None:
        fields["availability"] = _choices(
            availability, Availability.values, "volunteer.unknown_availability", "availability"
        )
    return fields


def _volunteer_create(
    actor: Actor | None, person: Person, region: Region, fields: dict[str, Any]
) -> Volunteer:
    if Volunteer.objects.filter(person=person).exists():
        raise conflict("volunteer.duplicate", _("This resident is already registered as a volunteer."))
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(person=person, region=region, **fields)
            audit_record(actor=actor, action="volunteer.register", obj=volunteer, region_path=region.code)
    except IntegrityError:
        raise conflict(
            "volunteer.duplicate", _("This resident is already registered as a volunteer.")
        ) from None
    return volunteer


def volunteer_register_self(
    *,
    actor: Actor,
    region: str,
    organisation: str = "",
    skills: Iterable[str] = (),
    languages: Iterable[str] = (),
    availability: Iterable[str] = (),
) -> Volunteer:
    """A resident registers themselves to serve in their village, township or county."""
    person = resident_of(actor)
    place = _region_on_own_line(actor, region)
    fields = _profile(
        organisation=organisation,
        skills=list(skills),
        languages=list(languages),
        availability=list(availability),
    )
    return _volunteer_create(actor, person, place, fields)


def volunteer_register(
    *,
    actor: Actor | None,
    name: str,
    id_number: str,
    home_region: str,
    region: str,
    phone: str = "",
    organisation: str = "",
    skills: Iterable[str] = (),
    languages: Iterable[str] = (),
    availability: Iterable[str] = (),
) -> Volunteer:
    """A coordinator registers a resident as a volunteer of their region. A resident not yet in the
    register is added to it (with the identity number checked); one already there must be named
    as registered."""
    if actor is not None:
        require(actor, COORDINATE)
    serves_in = _region_covered(actor, region)
    fields = _profile(
        organisation=organisation,
        skills=list(skills),
        languages=list(languages),
        availability=list(availability),
    )
    number = parse_id_number(id_number, known_region=id_address_code_known)
    with transaction.atomic():
        person = Person.objects.filter(id_number_hash=pii.lookup_hash("id", number.value)).first()
        if person is None:
            # The coordinator's authority over the region they serve in brings the resident into
            # the register: the people app checks the resident's own data.
            person = person_register(
                actor=None, name=name, id_number=number.value, home_region=home_region, phone=phone
            )
        elif person.name != (name or "").strip():
            raise invalid(
                "volunteer.name_mismatch",
                _("The register holds another name for this identity number."),
                "name",
            )
        return _volunteer_create(actor, person, serves_in, fields)


def _may_edit(actor: Actor, volunteer: Volunteer) -> bool:
    return covers(actor, COORDINATE, volunteer.region_id) or (
        bool(actor.prefixes_for(SERVE)) and volunteer.person.user_id == actor.pk
    )


@transaction.atomic
def volunteer_update(
    *,
    actor: Actor,
    volunteer_id: Any,
    region: str | None = None,
    organisation: str | None = None,
    skills: Iterable[str] | None = None,
    languages: Iterable[str] | None = None,
    availability: Iterable[str] | None = None,
) -> Volunteer:
    """Change a volunteer's profile: their coordinator, or the volunteer themselves."""
    volunteer = row_by_key(
        Volunteer.objects.select_for_update(of=("self",)).select_related("person"), volunteer_id
    )
    if volunteer is None or not _may_edit(actor, volunteer):
        raise volunteer_not_found()
    fields = _profile(
        organisation=organisation,
        skills=None if skills is None else list(skills),
        languages=None if languages is None else list(languages),
        availability=None if availability is None else list(availability),
    )
    if region is not None:
        if covers(actor, COORDINATE, volunteer.region_id):
            fields["region"] = _region_covered(actor, region)
        else:
            fields["region"] = _region_on_own_line(actor, region)
    for name, value in fields.items():
        setattr(volunteer, name, value)
    volunteer.save(update_fields=list(fields))
    audit_record(
        actor=actor,
        action="volunteer.update",
        obj=volunteer,
        region_path=volunteer.region_id,
        data={"fields": sorted(fields)},
    )
    return volunteer


@transaction.atomic
def volunteer_deactivate(*, actor: Actor, volunteer_id: Any) -> Volunteer:
    """A coordinator retires a volunteer: no new sign-ups or duties; their hours stay."""
    require(actor, COORDINATE)
    volunteer = _coordinated_volunteer(actor, volunteer_id, lock=True)
    if not volunteer.active:
        raise conflict("volunteer.already_inactive", _("This volunteer is already inactive."))
    if volunteer.hours.filter(check_out_at__isnull=True).exists():
        raise conflict("volunteer.on_duty", _("This volunteer is on duty: they must check out first."))
    volunteer.active = False
    volunteer.save(update_fields=["active"])
    audit_record(actor=actor, action="volunteer.deactivate", obj=volunteer, region_path=volunteer.region_id)
    return volunteer


@transaction.atomic
def qualification_submit(*, actor: Actor, qualification: str, number: str) -> Volunteer:
    """A volunteer states their counselling qualification; it counts once a coordinator verified it."""
    volunteer = _own_volunteer(actor, lock=True)
    kind = _choice(qualification, Qualification.values, "qualification.unknown", "qualification")
    number = _text(number, "qualification.number", "number", 32, needed=True)
    volunteer.qualification = kind
    volunteer.qualification_number = number
    volunteer.qualification_verified_at = None
    volunteer.qualification_verified_by_id = None
    volunteer.save(
        update_fields=[
            "qualification",
            "qualification_number",
            "qualification_verified_at",
            "qualification_verified_by",
        ]
    )
    audit_record(
        actor=actor,
        action="volunteer.qualification_submit",
        obj=volunteer,
        region_path=volunteer.region_id,
        data={"qualification": kind},
    )
    return volunteer


@transaction.atomic
def qualification_verify(*, actor: Actor, volunteer_id: Any, approve: bool) -> Volunteer:
    """A coordinator confirms a counsellor's qualification, or refuses it (it is then cleared)."""
    require(actor, COORDINATE)
    volunteer = _coordinated_volunteer(actor, volunteer_id, lock=True)
    if not volunteer.qualification:
        raise conflict(
            "qualification.not_submitted", _("This volunteer has not stated a qualification."), "volunteer_id"
        )
    if approve:
        volunteer.qualification_verified_at = clock.now()
        volunteer.qualification_verified_by_id = actor.pk
    else:
        volunteer.qualification = ""
        volunteer.qualification_number = ""
        volunteer.qualification_verified_at = None
        volunteer.qualification_verified_by_id = None
    volunteer.save(
        update_fields=[
            "qualification",
            "qualification_number",
            "qualification_verified_at",
            "qualification_verified_by",
        ]
    )
    audit_record(
        actor=actor,
        action="volunteer.qualification_verify" if approve else "volunteer.qualification_refuse",
        obj=volunteer,
        region_path=volunteer.region_id,
    )
    return volunteer


# Missions -----------------------------------------------------------------------------------------


def mission_create(
    *,
    actor: Actor,
    kind: str,
    title: str,
    region: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    slots: int,
    description: str = "",
    place_id: int | None = None,
    skills_wanted: Iterable[str] = (),
) -> Mission:
    require(actor, COORDINATE)
    kind = _choice(kind, MissionKind.values, "mission.unknown_kind", "kind")
    title = _text(title, "mission.title", "title", 128, needed=True)
    description = _text(description, "mission.description", "description", 4000)
    where = _region_covered(actor, region)
    place = None
    if place_id is not None:
        place = row_by_key(Place.objects.filter(active=True), place_id)
        if place is None or not place.region_id.startswith(where.code):
            error = place_not_found()
            error.field = "place_id"
            raise error
    starts_at = _moment(starts_at, "starts_at")
    ends_at = _moment(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise invalid("mission.ends_before_start", _("A mission ends after it starts."), "ends_at")
    if isinstance(slots, bool) or not isinstance(slots, int) or not 1 <= slots <= SLOTS_MAX:
        raise invalid(
            "mission.invalid_slots",
            _("Between 1 and %(max)s volunteers are needed."),
            "slots",
            max=SLOTS_MAX,
        )
    wanted = _choices(list(skills_wanted), Skill.values, "volunteer.unknown_skill", "skills_wanted")
    with transaction.atomic():
        mission = Mission.objects.create(
            kind=kind,
            title=title,
            description=description,
            region=where,
            place=place,
            starts_at=starts_at,
            ends_at=ends_at,
            slots=slots,
            skills_wanted=wanted,
            organiser_id=actor.pk,
        )
        audit_record(actor=actor, action="mission.create", obj=mission, region_path=where.code)
    return mission


def _mission_end(actor: Actor, mission_id: Any, status: str) -> Mission:
    require(actor, COORDINATE)
    mission = _coordinated_mission(actor, mission_id, lock=True)
    if mission.status != MissionStatus.OPEN:
        raise conflict("mission.not_open", _("This mission is already closed or cancelled."), "mission_id")
    if status == MissionStatus.CANCELLED and HoursRecord.objects.filter(signup__mission=mission).exists():
        raise conflict(
            "mission.has_hours",
            _("Volunteers already served on this mission: close it instead of cancelling it."),
            "mission_id",
        )
    mission.status = status
    mission.save(update_fields=["status"])
    audit_record(actor=actor, action=f"mission.{status}", obj=mission, region_path=mission.region_id)
    return mission


@transaction.atomic
def mission_close(*, actor: Actor, mission_id: Any) -> Mission:
    """No more sign-ups; those assigned may still check in and out within the mission's hours."""
    return _mission_end(actor, mission_id, MissionStatus.CLOSED)


@transaction.atomic
def mission_cancel(*, actor: Actor, mission_id: Any) -> Mission:
    """Call the mission off (only before anyone served on it)."""
    return _mission_end(actor, mission_id, MissionStatus.CANCELLED)


@transaction.atomic
def signup_create(*, actor: Actor, mission_id: Any) -> SignUp:
    """A volunteer offers to serve on an open mission on their line that is not over yet."""
    volunteer = _own_volunteer(actor, lock=True)
    if not volunteer.active:
        raise inactive()
    mission = row_by_key(Mission.objects.select_for_update(of=("self",)), mission_id)
    if mission is None or not on_line(volunteer.region_id, mission.region_id):
        raise mission_not_found()
    if mission.status != MissionStatus.OPEN or mission.ends_at <= clock.now():
        raise mission_closed()
    if _assigned_count(mission) >= mission.slots:
        raise mission_full(mission.slots)
    signup = SignUp.objects.filter(mission=mission, volunteer=volunteer).first()
    if signup is not None and signup.status != SignUpStatus.WITHDRAWN:
        raise conflict("signup.duplicate", _("You already signed up for this mission."), "mission_id")
    if signup is None:
        signup = SignUp.objects.create(mission=mission, volunteer=volunteer)
    else:
        signup.status = SignUpStatus.SIGNED_UP
        signup.created_at = clock.now()
        signup.decided_at = None
        signup.decided_by_id = None
        signup.save(update_fields=["status", "created_at", "decided_at", "decided_by"])
    audit_record(actor=actor, action="signup.create", obj=signup, region_path=mission.region_id)
    return signup


@transaction.atomic
def signup_withdraw(*, actor: Actor, signup_id: Any) -> SignUp:
    """A volunteer withdraws their sign-up or assignment (not while on duty on it)."""
    volunteer = _own_volunteer(actor, lock=True)
    signup = row_by_key(SignUp.objects.select_for_update().filter(volunteer=volunteer), signup_id)
    if signup is None:
        raise signup_not_found()
    if signup.status not in {SignUpStatus.SIGNED_UP, SignUpStatus.ASSIGNED}:
        raise conflict("signup.not_active", _("This sign-up was already declined or withdrawn."), "signup_id")
    if signup.hours.filter(check_out_at__isnull=True).exists():
        raise conflict("hours.already_on_duty", _("Check out before withdrawing."), "signup_id")
    signup.status = SignUpStatus.WITHDRAWN
    signup.save(update_fields=["status"])
    audit_record(actor=actor, action="signup.withdraw", obj=signup, region_path=signup.mission.region_id)
    return signup


@transaction.atomic
def signup_decide(*, actor: Actor, signup_id: Any, assign: bool) -> SignUp:
    """A coordinator assigns a volunteer who signed up, or declines them."""
    require(actor, COORDINATE)
    signup = row_by_key(SignUp.objects.select_related("volunteer", "mission"), signup_id)
    if signup is None or not covers(actor, COORDINATE, signup.mission.region_id):
        raise signup_not_found()
    mission = _coordinated_mission(actor, signup.mission_id, lock=True)
    signup = SignUp.objects.select_for_update().select_related("volunteer").get(pk=signup.pk)
    if signup.status != SignUpStatus.SIGNED_UP:
        raise conflict(
            "signup.already_decided", _("This sign-up was already decided or withdrawn."), "signup_id"
        )
    if assign:
        if mission.status != MissionStatus.OPEN:
            raise mission_closed()
        if not signup.volunteer.active:
            raise inactive()
        if mission.kind == MissionKind.HOTLINE and not signup.volunteer.is_counsellor:
            raise conflict(
                "signup.not_counsellor",
                _("Hotline missions need a counsellor with a verified qualification."),
                "signup_id",
            )
        if _assigned_count(mission) >= mission.slots:
            raise mission_full(mission.slots)
    signup.status = SignUpStatus.ASSIGNED if assign else SignUpStatus.DECLINED
    signup.decided_at = clock.now()
    signup.decided_by_id = actor.pk
    signup.save(update_fields=["status", "decided_at", "decided_by"])
    audit_record(
        actor=actor,
        action="signup.assign" if assign else "signup.decline",
        obj=signup,
        region_path=mission.region_id,
    )
    return signup


# Hours --------------------------------------------------------------------------------------------


def _overlapping(
    volunteer: Volunteer, start: dt.datetime, end: dt.datetime | None, *, exclude: Any = None
) -> bool:
    """Whether another record of the volunteer shares time with [start, end) (end None: open)."""
    records = HoursRecord.objects.filter(volunteer=volunteer).filter(
        Q(check_out_at__isnull=True) | Q(check_out_at__gt=start)
    )
    if end is not None:
        records = records.filter(check_in_at__lt=end)
    if exclude is not None:
        records = records.exclude(pk=exclude)
    return records.exists()


def _within_mission(mission: Mission, moment: dt.datetime, field: str) -> None:
    if not mission.starts_at - MISSION_MARGIN <= moment <= mission.ends_at + MISSION_MARGIN:
        raise invalid(
            "hours.outside_mission",
            _("Hours are recorded from an hour before the mission starts to an hour after it ends."),
            field,
        )


def _duty_span(check_in_at: dt.datetime, check_out_at: dt.datetime) -> int:
    """Minutes between check-in and check-out, when that is a plausible duty."""
    if check_out_at <= check_in_at:
        raise invalid("hours.check_out_before_check_in", _("Check-out comes after check-in."), "check_out_at")
    if check_out_at - check_in_at > DUTY_MAX:
        raise invalid("hours.too_long", _("One duty lasts at most 24 hours."), "check_out_at")
    return int((check_out_at - check_in_at).total_seconds() // 60)


def _assigned_signup(signup: SignUp) -> Mission:
    if signup.status != SignUpStatus.ASSIGNED:
        raise conflict("signup.not_assigned", _("Only assigned volunteers serve on a mission."), "signup_id")
    if signup.mission.status == MissionStatus.CANCELLED:
        raise mission_closed()
    return signup.mission


@transaction.atomic
def hours_check_in(*, actor: Actor, signup_id: Any, at: dt.datetime | None = None) -> HoursRecord:
    """The volunteer starts a duty on a mission they are assigned to."""
    volunteer = _own_volunteer(actor, lock=True)
    signup = row_by_key(SignUp.objects.select_related("mission").filter(volunteer=volunteer), signup_id)
    if signup is None:
        raise signup_not_found()
    mission = _assigned_signup(signup)
    if not volunteer.active:
        raise inactive()
    moment = _not_future(_moment(at, "at") if at is not None else clock.now(), "hours.in_future", "at")
    _within_mission(mission, moment, "at")
    if volunteer.hours.filter(check_out_at__isnull=True).exists():
        raise conflict("hours.already_on_duty", _("You are already on duty: check out first."), "signup_id")
    if _overlapping(volunteer, moment, None):
        raise overlap()
    try:
        with transaction.atomic():
            record = HoursRecord.objects.create(signup=signup, volunteer=volunteer, check_in_at=moment)
    except IntegrityError:  # the database's own guard: one open duty per volunteer
        raise conflict(
            "hours.already_on_duty", _("You are already on duty: check out first."), "signup_id"
        ) from None
    audit_record(actor=actor, action="hours.check_in", obj=record, region_path=mission.region_id)
    return record


@transaction.atomic
def hours_check_out(*, actor: Actor, record_id: Any, at: dt.datetime | None = None) -> HoursRecord:
    """The volunteer ends their duty; the minutes served wait for the organiser's approval."""
    volunteer = _own_volunteer(actor, lock=True)
    record = row_by_key(
        HoursRecord.objects.select_related("signup__mission").filter(volunteer=volunteer), record_id
    )
    if record is None:
        raise record_not_found()
    if record.status != HoursStatus.ON_DUTY:
        raise conflict("hours.not_on_duty", _("This duty has already been checked out."), "record_id")
    moment = _not_future(_moment(at, "at") if at is not None else clock.now(), "hours.in_future", "at")
    minutes = _duty_span(record.check_in_at, moment)
    _within_mission(record.signup.mission, moment, "at")
    if _overlapping(volunteer, record.check_in_at, moment, exclude=record.pk):
        raise overlap()
    record.check_out_at = moment
    record.minutes = minutes
    record.status = HoursStatus.PENDING
    record.save(update_fields=["check_out_at", "minutes", "status"])
    audit_record(
        actor=actor,
        action="hours.check_out",
        obj=record,
        region_path=record.signup.mission.region_id,
        data={"minutes": minutes},
    )
    return record


@transaction.atomic
def hours_log(
    *,
    actor: Actor,
    signup_id: Any,
    check_in_at: dt.datetime,
    check_out_at: dt.datetime,
    note: str = "",
) -> HoursRecord:
    """A coordinator records hours served afterwards (a volunteer without a phone, a missed check-in)."""
    require(actor, COORDINATE)
    signup = row_by_key(SignUp.objects.select_related("mission"), signup_id)
    if signup is None or not covers(actor, COORDINATE, signup.mission.region_id):
        raise signup_not_found()
    mission = _assigned_signup(signup)
    start = _moment(check_in_at, "check_in_at")
    end = _not_future(_moment(check_out_at, "check_out_at"), "hours.in_future", "check_out_at")
    minutes = _duty_span(start, end)
    _within_mission(mission, start, "check_in_at")
    _within_mission(mission, end, "check_out_at")
    note = _text(note, "hours.note", "note", NOTE_MAX)
    volunteer = _lock_volunteer(signup.volunteer_id)
    if _overlapping(volunteer, start, end):
        raise overlap()
    record = HoursRecord.objects.create(
        signup=signup,
        volunteer=volunteer,
        check_in_at=start,
        check_out_at=end,
        minutes=minutes,
        status=HoursStatus.PENDING,
        note=note,
    )
    audit_record(
        actor=actor, action="hours.log", obj=record, region_path=mission.region_id, data={"minutes": minutes}
    )
    return record


@transaction.atomic
def hours_decide(*, actor: Actor, record_id: Any, approve: bool, note: str = "") -> HoursRecord:
    """The organiser approves checked-out hours (only approved hours count) or rejects them, saying why."""
    require(actor, COORDINATE)
    record = row_by_key(
        HoursRecord.objects.select_for_update(of=("self",)).select_related("signup__mission"), record_id
    )
    if record is None or not covers(actor, COORDINATE, record.signup.mission.region_id):
        raise record_not_found()
    if record.status == HoursStatus.ON_DUTY:
        raise conflict("hours.not_checked_out", _("The volunteer has not checked out yet."), "record_id")
    if record.status != HoursStatus.PENDING:
        raise conflict(
            "hours.already_decided", _("These hours were already approved or rejected."), "record_id"
        )
    note = _text(note, "hours.note", "note", NOTE_MAX)
    if not approve and not note:
        raise invalid("hours.reason_required", _("Say why these hours are rejected."), "note")
    record.status = HoursStatus.APPROVED if approve else HoursStatus.REJECTED
    record.decided_at = clock.now()
    record.decided_by_id = actor.pk
    if note:
        record.note = note
    record.save(update_fields=["status", "decided_at", "decided_by", "note"])
    audit_record(
        actor=actor,
        action="hours.approve" if approve else "hours.reject",
        obj=record,
        region_path=record.signup.mission.region_id,
        reason=note,
    )
    return record


# Certificates -------------------------------------------------------------------------------------


def _serial(day: dt.date) -> str:
    return "VC" + day.strftime("%Y%m%d") + "".join(secrets.choice(SERIAL_ALPHABET) for _position in range(8))


@transaction.atomic
def certificate_issue(*, actor: Actor, volunteer_id: Any) -> Certificate:
    """A service certificate for all hours approved to date: total hours, missions and period."""
    require(actor, COORDINATE)
    volunteer = _coordinated_volunteer(actor, volunteer_id, lock=True)
    approved: QuerySet[HoursRecord] = volunteer.hours.filter(status=HoursStatus.APPROVED)
    totals = approved.aggregate(minutes=Sum("minutes"), first=Min("check_in_at"), last=Max("check_in_at"))
    if not totals["minutes"]:
        raise conflict("certificate.no_hours", _("This volunteer has no approved hours yet."), "volunteer_id")
    today = clock.today()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    serial=_serial(today),
                    volunteer=volunteer,
                    hours=hours_of(totals["minutes"]),
                    missions=approved.values("signup__mission").distinct().count(),
                    first_day=totals["first"].astimezone(clock.SHANGHAI).date(),
                    last_day=totals["last"].astimezone(clock.SHANGHAI).date(),
                    issued_by_id=actor.pk,
                )
            break
        except IntegrityError:  # the same serial drawn twice: draw again
            continue
    else:
        raise conflict("certificate.serial_taken", _("No free serial was found: try again."))
    audit_record(
        actor=actor,
        action="certificate.issue",
        obj=certificate,
        region_path=volunteer.region_id,
        data={"serial": certificate.serial, "hours": str(certificate.hours)},
    )
    return certificate


# The hotline --------------------------------------------------------------------------------------


@transaction.atomic
def shift_schedule(
    *,
    actor: Actor,
    counsellor_id: Any,
    line: str,
    region: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
) -> HotlineShift:
    """A coordinator puts a counsellor on the hotline rota."""
    require(actor, COORDINATE)
    where = _region_covered(actor, region)
    line = _text(line, "shift.line", "line", 64, needed=True)
    start = _moment(starts_at, "starts_at")
    end = _moment(ends_at, "ends_at")
    if end <= start:
        raise invalid("shift.ends_before_start", _("A shift ends after it starts."), "ends_at")
    if end - start > SHIFT_MAX:
        raise invalid("shift.too_long", _("A shift lasts at most 12 hours."), "ends_at")
    counsellor = _coordinated_volunteer(actor, counsellor_id, lock=True)
    if not counsellor.active or not counsellor.is_counsellor:
        raise conflict(
            "shift.not_counsellor",
            _("Only active counsellors with a verified qualification take hotline shifts."),
            "counsellor_id",
        )
    if HotlineShift.objects.filter(counsellor=counsellor, starts_at__lt=end, ends_at__gt=start).exists():
        raise conflict("shift.overlap", _("This counsellor already has a shift at that time."), "starts_at")
    shift = HotlineShift.objects.create(
        line=line, region=where, counsellor=counsellor, starts_at=start, ends_at=end, scheduled_by_id=actor.pk
    )
    audit_record(actor=actor, action="shift.schedule", obj=shift, region_path=where.code)
    return shift


@transaction.atomic
def shift_cancel(*, actor: Actor, shift_id: Any) -> None:
    """Take a shift off the rota (not once calls were logged on it)."""
    require(actor, COORDINATE)
    shift = row_by_key(HotlineShift.objects.select_for_update(), shift_id)
    if shift is None or not covers(actor, COORDINATE, shift.region_id):
        raise shift_not_found()
    if shift.sessions.exists():
        raise conflict("shift.has_sessions", _("Calls were logged on this shift: it stays on the rota."))
    audit_record(
        actor=actor,
        action="shift.cancel",
        obj=shift,
        region_path=shift.region_id,
        data={
            "line": shift.line,
            "counsellor": shift.counsellor_id,
            "starts_at": shift.starts_at.isoformat(),
            "ends_at": shift.ends_at.isoformat(),
        },
    )
    shift.delete()


# What a caller could be found by: a mobile or landline number (also written with spaces or dashes),
# any run of 7 or more digits (identity numbers, which may end in X, included) or Chinese numerals,
# an e-mail address, and a name, number or address given as such.
_PERSONAL = [
    re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)"),
    re.compile(r"(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)"),
    re.compile(r"\d{7,}"),
    re.compile(r"[〇零一二三四五六七八九幺两]{7,}"),
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    re.compile(
        r"(?i)\b(?:name|surname|phone|tel|mobile|address|id|wechat|qq)\b\s*[:=：]|my name is"
        r"|(?:电话|手机|号码|住址|地址|微信)\s*[:：=]|姓名|名字|真名|身份证|我叫|名叫|叫做"
    ),
]


def holds_personal_data(text: str) -> bool:
    """Whether free text looks like it identifies someone (see the patterns above)."""
    plain = unicodedata.normalize("NFKC", text)
    return any(pattern.search(plain) for pattern in _PERSONAL)


@transaction.atomic
def session_log(
    *,
    actor: Actor,
    shift_id: Any,
    started_at: dt.datetime,
    minutes: int,
    caller_group: str,
    topic: str,
    risk: str = CounsellingRisk.NONE,
    notes: str = "",
) -> CounsellingSession:
    """The counsellor on a shift logs one call: who called only as a group, the topic and risk, and
    notes that must not identify the caller."""
    volunteer = _own_volunteer(actor)
    shift = row_by_key(HotlineShift.objects.filter(counsellor=volunteer), shift_id)
    if shift is None:
        raise shift_not_found()
    start = _not_future(_moment(started_at, "started_at"), "session.in_future", "started_at")
    if not shift.starts_at <= start < shift.ends_at:
        raise invalid("session.outside_shift", _("The call started outside this shift."), "started_at")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= SESSION_MINUTES_MAX:
        raise invalid(
            "session.invalid_minutes",
            _("A call lasts from 1 to %(max)s minutes."),
            "minutes",
            max=SESSION_MINUTES_MAX,
        )
    group = _choice(caller_group, CallerGroup.values, "session.unknown_caller_group", "caller_group")
    subject = _choice(topic, CounsellingTopic.values, "session.unknown_topic", "topic")
    level = _choice(risk, CounsellingRisk.values, "session.unknown_risk", "risk")
    notes = _text(notes, "session.notes", "notes", SESSION_NOTES_MAX)
    if holds_personal_data(notes):
        raise invalid(
            "session.personal_data",
            _(
                "The notes must not identify the caller: leave out names, phone numbers, identity "
                "numbers and addresses."
            ),
            "notes",
        )
    session = CounsellingSession.objects.create(
        shift=shift,
        started_at=start,
        minutes=minutes,
        caller_group=group,
        topic=subject,
        risk=level,
        notes=notes,
    )
    audit_record(actor=actor, action="session.log", obj=session, region_path=shift.region_id)
    return session
