"""Every write of designated hospitals: beds, admissions, daily rounds, treatments, transfers,
discharge and death, experts and their rota, and remote consultations.

Each service validates first, then writes in one transaction with its AuditEvent. The case
itself stays surveillance's: severity changes of a confirmed case and the outcome (cured on
discharge, died) go through surveillance's services, in the same transaction.
"""

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import PermissionDenied
from fangyi.core.selectors import row_by_key
from fangyi.core.services import audit_record
from fangyi.core.validators import body_temperature, in_body_temperature_range
from fangyi.hospitals.choices import (
    AdmissionStatus,
    BedType,
    ConsultationStatus,
    HospitalLevel,
    InvitationStatus,
    Shift,
    Specialty,
    TreatmentKind,
)
from fangyi.hospitals.errors import (
    admission_not_found,
    conflict,
    consultation_closed,
    consultation_not_found,
    date_in_future,
    group_not_found,
    hospital_not_found,
    invalid,
    invitation_not_found,
    not_in_hospital,
    shift_not_found,
    text_required,
    text_too_long,
)
from fangyi.hospitals.models import (
    Admission,
    Consultation,
    DutyShift,
    Expert,
    ExpertGroup,
    Hospital,
    Invitation,
    Opinion,
    SeverityUpdate,
    Treatment,
    Ward,
)
from fangyi.hospitals.selectors import (
    CONSULT,
    MANAGE,
    REFERRAL_LEVELS,
    SERIOUS,
    TREAT,
    case_summary,
    discharge_check,
)
from fangyi.regions.choices import PlaceKind
from fangyi.regions.errors import place_not_found, region_not_found
from fangyi.regions.models import Place, Region
from fangyi.regions.selectors import region_path
from fangyi.surveillance import services as surveillance
from fangyi.surveillance.choices import Classification, Outcome, Severity
from fangyi.surveillance.errors import case_not_found
from fangyi.surveillance.models import Case

CAPACITY_MAX = 100_000
NOTE_MAX = 512
REASON_MAX = 256
QUESTION_MAX = 1024
OPINION_MAX = 4000
NAME_MAX = 64
# Plausible ranges of the vital signs of a daily round.
VITALS = {"spo2": (0, 100), "respiratory_rate": (0, 120), "heart_rate": (0, 300)}
OPEN_CONSULTATION = (ConsultationStatus.REQUESTED, ConsultationStatus.SCHEDULED)


def _text(value: str, code: str, field: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise text_required(f"{code}.{field}_required", field)
    if len(text) > limit:
        raise text_too_long(f"{code}.{field}_too_long", field, limit)
    return text


def _day(value: dt.date, code: str, field: str = "date", *, after: dt.date | None = None) -> dt.date:
    """A day not in the future and, when `after` is given, not before it."""
    if value > clock.today():
        raise date_in_future(f"{code}.date_in_future", field)
    if after is not None and value < after:
        raise invalid(f"{code}.date_before_admission", _("The date cannot come before the admission."), field)
    return value


def _bed_type(value: str) -> str:
    if value not in BedType.values:
        raise invalid("ward.invalid_bed_type", _("The bed type is general, isolation or ICU."), "bed_type")
    return value


def _severity(value: str) -> str:
    if value not in Severity.values:
        raise invalid("severity.invalid", _("Unknown severity."), "severity")
    return value


def _hospital(actor: Actor | None, capability: str, hospital_id: Any) -> Hospital:
    hospital = row_by_key(Hospital.objects.select_related("place"), hospital_id)
    if hospital is None or (actor is not None and not covers(actor, capability, hospital.county_id)):
        raise hospital_not_found()
    return hospital


def _admission_locked(actor: Actor | None, admission_id: Any, *, in_hospital: bool = True) -> Admission:
    """The admission, locked, if the actor treats at its hospital (and, by default, the patient is
    still there)."""
    if actor is not None:
        require(actor, TREAT)
    admission = row_by_key(
        Admission.objects.select_for_update().select_related("case", "hospital__place"), admission_id
    )
    if admission is None or (actor is not None and not covers(actor, TREAT, admission.county_id)):
        raise admission_not_found()
    if in_hospital and admission.status != AdmissionStatus.ADMITTED:
        raise not_in_hospital()
    return admission


def _ward_with_bed(hospital: Hospital, bed_type: str) -> Ward:
    """The hospital's ward of `bed_type`, locked until commit, if it has a free bed."""
    ward = Ward.objects.select_for_update().filter(hospital=hospital, bed_type=_bed_type(bed_type)).first()
    if ward is None:
        raise invalid("admission.no_such_ward", _("This hospital has no beds of this type."), "bed_type")
    if Admission.objects.filter(ward=ward, status=AdmissionStatus.ADMITTED).count() >= ward.capacity:
        raise conflict(
            "admission.ward_full",
            _("All %(capacity)s beds of this type are taken: choose another hospital."),
            "bed_type",
            capacity=ward.capacity,
        )
    return ward


def _case_follows(case: Case, day: dt.date, severity: str) -> None:
    """Surveillance keeps the severity of confirmed cases under treatment."""
    if case.classification == Classification.CONFIRMED and not case.outcome and case.severity != severity:
        surveillance.case_update_severity(actor=None, case_id=case.pk, date=day, severity=severity)
        case.severity = severity


def _audit(actor: Actor | None, action: str, obj: Any, region: str, **data: Any) -> None:
    audit_record(actor=actor, action=action, obj=obj, region_path=region, data=data)


# Hospitals and beds -------------------------------------------------------------------------------


@transaction.atomic
def hospital_register(*, actor: Actor | None, place_id: Any, level: str) -> Hospital:
    """Designate a hospital place at a level (or change the level of one designated before)."""
    if actor is not None:
        require(actor, MANAGE)
    place = row_by_key(Place.objects.all(), place_id)
    if place is None or (actor is not None and not covers(actor, MANAGE, place.region_id)):
        raise place_not_found()
    if place.kind != PlaceKind.HOSPITAL:
        raise invalid("hospital.not_a_hospital", _("This place is not a hospital."), "place_id")
    if level not in HospitalLevel.values:
        raise invalid("hospital.invalid_level", _("The level is province, prefecture or county."), "level")
    if len(place.region_id) < 6:
        raise invalid(
            "hospital.region_too_coarse",
            _("Place the hospital in a county (or a region inside one) first."),
            "place_id",
        )
    hospital, created = Hospital.objects.update_or_create(
        place=place, defaults={"level": level, "county_id": place.region_id[:6]}
    )
    _audit(
        actor,
        "hospital.register" if created else "hospital.update",
        hospital,
        hospital.county_id,
        level=level,
    )
    return hospital


@transaction.atomic
def ward_set_capacity(*, actor: Actor | None, hospital_id: Any, bed_type: str, capacity: int) -> Ward:
    """Open a ward of a bed type or change its beds; never below the patients in it."""
    if actor is not None:
        require(actor, MANAGE)
    hospital = _hospital(actor, MANAGE, hospital_id)
    _bed_type(bed_type)
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 0 <= capacity <= CAPACITY_MAX:
        raise invalid(
            "ward.invalid_capacity",
            _("Beds are a whole number from 0 to %(max)s."),
            "capacity",
            max=CAPACITY_MAX,
        )
    ward = Ward.objects.select_for_update().filter(hospital=hospital, bed_type=bed_type).first()
    if ward is not None:
        occupied = Admission.objects.filter(ward=ward, status=AdmissionStatus.ADMITTED).count()
        if capacity < occupied:
            raise conflict(
                "ward.below_occupancy",
                _("%(occupied)s patients are in these beds: the capacity cannot be lower."),
                "capacity",
                occupied=occupied,
            )
        ward.capacity = capacity
        ward.save(update_fields=["capacity"])
    else:
        ward = Ward.objects.create(hospital=hospital, bed_type=bed_type, capacity=capacity)
    _audit(actor, "ward.set_capacity", ward, hospital.county_id, bed_type=bed_type, capacity=capacity)
    return ward


# Admissions ---------------------------------------------------------------------------------------


def _already_admitted() -> Exception:
    return conflict("admission.already_admitted", _("This patient is already in hospital."), "case_id")


@transaction.atomic
def admission_admit(
    *,
    actor: Actor | None,
    case_id: Any,
    hospital_id: Any,
    bed_type: str,
    admitted_on: dt.date,
    severity: str | None = None,
) -> Admission:
    """Admit an open case (suspected, asymptomatic or confirmed) to a bed of a hospital."""
    if actor is not None:
        require(actor, TREAT)
    hospital = _hospital(actor, TREAT, hospital_id)
    _bed_type(bed_type)
    _day(admitted_on, "admission", "admitted_on")
    if severity is not None:
        _severity(severity)
    case = row_by_key(Case.objects.select_for_update(), case_id)
    if case is None:
        raise case_not_found()
    if case.outcome or case.classification == Classification.EXCLUDED:
        raise conflict("admission.case_closed", _("This case is closed: it cannot be admitted."), "case_id")
    if Admission.objects.filter(case=case, status=AdmissionStatus.ADMITTED).exists():
        raise _already_admitted()
    ward = _ward_with_bed(hospital, bed_type)
    severity = severity or case.severity or Severity.MILD
    _case_follows(case, admitted_on, severity)
    try:
        with transaction.atomic():
            admission = Admission.objects.create(
                case=case,
                person_id=case.person_id,
                hospital=hospital,
                ward=ward,
                county_id=hospital.county_id,
                admitted_on=admitted_on,
                severity_on_admission=severity,
                severity=severity,
                admitted_by_id=getattr(actor, "pk", None),
            )
    except IntegrityError:  # a concurrent admission of the same case won the race
        raise _already_admitted() from None
    _audit(
        actor,
        "admission.admit",
        admission,
        admission.county_id,
        case=str(case.pk),
        bed_type=bed_type,
        admitted_on=admitted_on.isoformat(),
        severity=severity,
    )
    return admission


def _vital(name: str, value: int | None) -> int | None:
    low, high = VITALS[name]
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
    ):
        raise invalid(
            f"severity.invalid_{name}", _("Between %(low)s and %(high)s."), name, low=low, high=high
        )
    return value


@transaction.atomic
def severity_record(
    *,
    actor: Actor | None,
    admission_id: Any,
    date: dt.date,
    severity: str,
    temperature: Decimal | float | str | None = None,
    spo2: int | None = None,
    respiratory_rate: int | None = None,
    heart_rate: int | None = None,
    note: str = "",
) -> SeverityUpdate:
    """The daily round: one a day. The latest round sets the patient's severity, which a
    confirmed case's surveillance record follows."""
    admission = _admission_locked(actor, admission_id)
    _day(date, "severity", after=admission.admitted_on)
    _severity(severity)
    reading = None
    if temperature is not None:
        reading = body_temperature(temperature)
        if reading is None or not in_body_temperature_range(reading):
            raise invalid(
                "severity.invalid_temperature", _("Not a plausible body temperature."), "temperature"
            )
    for name, value in (("spo2", spo2), ("respiratory_rate", respiratory_rate), ("heart_rate", heart_rate)):
        _vital(name, value)
    note = _text(note, "severity", "note", NOTE_MAX)
    already = conflict("severity.already_recorded", _("This day's round is already recorded."), "date")
    if admission.updates.filter(date=date).exists():
        raise already
    try:
        with transaction.atomic():
            update = SeverityUpdate.objects.create(
                admission=admission,
                date=date,
                severity=severity,
                temperature=reading,
                spo2=spo2,
                respiratory_rate=respiratory_rate,
                heart_rate=heart_rate,
                note=note,
                recorded_by_id=getattr(actor, "pk", None),
            )
    except IntegrityError:
        raise already from None
    if not admission.updates.filter(date__gt=date).exists():
        admission.severity = severity
        admission.save(update_fields=["severity"])
        _case_follows(admission.case, date, severity)
    _audit(actor, "admission.severity", update, admission.county_id, date=date.isoformat(), severity=severity)
    return update


@transaction.atomic
def treatment_record(
    *, actor: Actor | None, admission_id: Any, date: dt.date, kind: str, detail: str
) -> Treatment:
    """An entry of the treatment record; a TCM entry counts the patient in TCM participation."""
    admission = _admission_locked(actor, admission_id)
    _day(date, "treatment", after=admission.admitted_on)
    if kind not in TreatmentKind.values:
        raise invalid("treatment.invalid_kind", _("Unknown kind of treatment."), "kind")
    detail = _text(detail, "treatment", "detail", NOTE_MAX, required=True)
    treatment = Treatment.objects.create(
        admission=admission, date=date, kind=kind, detail=detail, recorded_by_id=getattr(actor, "pk", None)
    )
    if kind == TreatmentKind.TCM and not admission.tcm:
        admission.tcm = True
        admission.save(update_fields=["tcm"])
    _audit(actor, "admission.treatment", treatment, admission.county_id, date=date.isoformat(), kind=kind)
    return treatment


@transaction.atomic
def admission_transfer(
    *, actor: Actor | None, admission_id: Any, hospital_id: Any, bed_type: str, date: dt.date, reason: str
) -> Admission:
    """Move a patient to another hospital (anywhere in the province): this stay ends as
    transferred and a new one starts there. Severe and critical patients go only to prefecture-
    or province-level hospitals."""
    admission = _admission_locked(actor, admission_id)
    target = _hospital(None, TREAT, hospital_id)
    if target.pk == admission.hospital_id:
        raise invalid("transfer.same_hospital", _("The patient is already in this hospital."), "hospital_id")
    _bed_type(bed_type)
    _day(date, "transfer", after=admission.admitted_on)
    reason = _text(reason, "transfer", "reason", REASON_MAX, required=True)
    if admission.severity in SERIOUS and target.level not in REFERRAL_LEVELS:
        raise invalid(
            "transfer.level_too_low",
            _("A severe or critical patient goes to a prefecture- or province-level hospital."),
            "hospital_id",
        )
    ward = _ward_with_bed(target, bed_type)
    admission.status = AdmissionStatus.TRANSFERRED
    admission.ended_on = date
    admission.save(update_fields=["status", "ended_on"])
    moved = Admission.objects.create(
        case=admission.case,
        person_id=admission.person_id,
        hospital=target,
        ward=ward,
        county_id=target.county_id,
        admitted_on=date,
        transferred_from=admission,
        transfer_reason=reason,
        severity_on_admission=admission.severity,
        severity=admission.severity,
        admitted_by_id=getattr(actor, "pk", None),
        synthetic=admission.synthetic,
    )
    _audit(actor, "admission.transfer_out", admission, admission.county_id, to=str(moved.pk), reason=reason)
    _audit(actor, "admission.transfer_in", moved, moved.county_id, from_=str(admission.pk), bed_type=bed_type)
    return moved


def _end(actor: Actor | None, admission: Admission, status: str, date: dt.date) -> Admission:
    admission.status = status
    admission.ended_on = date
    admission.save(update_fields=["status", "ended_on"])
    _audit(actor, f"admission.{status}", admission, admission.county_id, date=date.isoformat())
    return admission


@transaction.atomic
def admission_discharge(*, actor: Actor | None, admission_id: Any, date: dt.date) -> Admission:
    """Discharge a patient who meets the discharge criteria; the case is closed as cured."""
    admission = _admission_locked(actor, admission_id)
    _day(date, "discharge", after=admission.admitted_on)
    check = discharge_check(admission)
    if not check.met:
        raise conflict(
            "admission.criteria_not_met",
            _("The discharge criteria are not met: %(missing)s"),
            "admission_id",
            missing=" ".join(check.missing),
        )
    surveillance.case_record_outcome(actor=None, case_id=admission.case_id, outcome=Outcome.CURED, date=date)
    return _end(actor, admission, AdmissionStatus.DISCHARGED, date)


@transaction.atomic
def admission_record_death(*, actor: Actor | None, admission_id: Any, date: dt.date) -> Admission:
    """Record the death of a patient in hospital; the case's outcome is died."""
    admission = _admission_locked(actor, admission_id)
    _day(date, "death", after=admission.admitted_on)
    surveillance.case_record_outcome(actor=None, case_id=admission.case_id, outcome=Outcome.DIED, date=date)
    return _end(actor, admission, AdmissionStatus.DIED, date)


# Experts, groups and the rota ---------------------------------------------------------------------


@transaction.atomic
def _require_directory_manager(actor: Actor | None) -> None:
    """Experts, their groups and the rota are run by the prefectures and the province: a county
    official manages the hospitals and beds of the county, not the directory (403, not 404)."""
    if actor is None:
        return
    require(actor, MANAGE)
    if not any(len(prefix) <= 4 for prefix in actor.prefixes_for(MANAGE)):
        raise PermissionDenied(
            _("Experts, their groups and the rota are managed by the prefecture or the province.")
        )


def expert_create(
    *,
    actor: Actor | None,
    name: str,
    specialty: str,
    title: str = "",
    employer: str = "",
    user_id: Any = None,
) -> Expert:
    """Add an expert to the province's directory, with their login if they have one."""
    _require_directory_manager(actor)
    name = _text(name, "expert", "name", NAME_MAX, required=True)
    if specialty not in Specialty.values:
        raise invalid("expert.invalid_specialty", _("Unknown specialty."), "specialty")
    title = _text(title, "expert", "title", NAME_MAX)
    employer = _text(employer, "expert", "employer", 128)
    user = None
    if user_id is not None:
        user = row_by_key(get_user_model().objects.select_for_update(), user_id)
        if user is None:
            raise invalid("expert.unknown_user", _("No such login."), "user_id")
        if Expert.objects.filter(user=user).exists():
            raise conflict("expert.user_taken", _("This login belongs to another expert."), "user_id")
    expert = Expert.objects.create(name=name, specialty=specialty, title=title, employer=employer, user=user)
    _audit(actor, "expert.create", expert, "", specialty=specialty)
    return expert


def _experts(ids: list[Any], code: str, field: str) -> list[Expert]:
    experts = []
    for pk in dict.fromkeys(str(i) for i in ids):
        expert = row_by_key(Expert.objects.filter(active=True), pk)
        if expert is None:
            raise invalid(code, _("No such expert: %(id)s."), field, id=pk)
        experts.append(expert)
    return experts


@transaction.atomic
def expert_group_create(
    *, actor: Actor | None, name: str, region: str, member_ids: list[Any], leader_id: Any = None
) -> ExpertGroup:
    """An expert group assigned to a prefecture (or the province's own group)."""
    _require_directory_manager(actor)
    name = _text(name, "group", "name", 128, required=True)
    path = region_path(region)
    if len(path) > 4:
        raise invalid(
            "group.invalid_region", _("A group is assigned to a prefecture or the province."), "region"
        )
    if not Region.objects.filter(code=path).exists() or (
        actor is not None and not covers(actor, MANAGE, path)
    ):
        raise region_not_found()
    members = _experts(member_ids, "group.unknown_expert", "member_ids")
    leader = None
    if leader_id is not None:
        leader = next((m for m in members if str(m.pk) == str(leader_id)), None)
        if leader is None:
            raise invalid(
                "group.leader_not_member", _("The leader must be a member of the group."), "leader_id"
            )
    if ExpertGroup.objects.filter(region_id=path, name=name).exists():
        raise conflict("group.name_taken", _("This region already has a group of this name."), "name")
    group = ExpertGroup.objects.create(name=name, region_id=path, leader=leader)
    group.members.set(members)
    _audit(actor, "group.create", group, path, members=[str(m.pk) for m in members])
    return group


def _group(actor: Actor | None, group_id: Any) -> ExpertGroup:
    _require_directory_manager(actor)
    group = row_by_key(ExpertGroup.objects.select_for_update(), group_id)
    if group is None or (actor is not None and not covers(actor, MANAGE, group.region_id)):
        raise group_not_found()
    return group


@transaction.atomic
def duty_assign(
    *, actor: Actor | None, group_id: Any, expert_id: Any, date: dt.date, shift: str
) -> DutyShift:
    """Put a member of the group on duty for one shift of one day."""
    group = _group(actor, group_id)
    expert = row_by_key(group.members.all(), expert_id)
    if expert is None:
        raise invalid("duty.not_a_member", _("Only a member of the group goes on its rota."), "expert_id")
    if shift not in Shift.values:
        raise invalid("duty.invalid_shift", _("The shift is day or night."), "shift")
    taken = conflict("duty.already_assigned", _("This expert is already on this shift."), "shift")
    if DutyShift.objects.filter(group=group, expert=expert, date=date, shift=shift).exists():
        raise taken
    try:
        with transaction.atomic():
            duty = DutyShift.objects.create(group=group, expert=expert, date=date, shift=shift)
    except IntegrityError:
        raise taken from None
    _audit(
        actor, "duty.assign", duty, group.region_id, date=date.isoformat(), shift=shift, expert=str(expert.pk)
    )
    return duty


@transaction.atomic
def duty_remove(*, actor: Actor | None, shift_id: Any) -> None:
    _require_directory_manager(actor)
    duty = row_by_key(DutyShift.objects.select_related("group"), shift_id)
    if duty is None or (actor is not None and not covers(actor, MANAGE, duty.group.region_id)):
        raise shift_not_found()
    _audit(actor, "duty.remove", duty, duty.group.region_id, date=duty.date.isoformat(), shift=duty.shift)
    duty.delete()


# Consultations ------------------------------------------------------------------------------------


def _consultation_locked(
    actor: Actor | None, consultation_id: Any, *, open_only: bool = True
) -> Consultation:
    if actor is not None:
        require(actor, TREAT)
    consultation = row_by_key(Consultation.objects.select_for_update(), consultation_id)
    if consultation is None or (actor is not None and not covers(actor, TREAT, consultation.county_id)):
        raise consultation_not_found()
    if open_only and consultation.status not in OPEN_CONSULTATION:
        raise consultation_closed()
    return consultation


@transaction.atomic
def consultation_request(*, actor: Actor | None, admission_id: Any, question: str) -> Consultation:
    """Ask the experts about a severe or critical patient; the case summary they read is
    assembled now and kept as it was."""
    admission = _admission_locked(actor, admission_id)
    if admission.severity not in SERIOUS:
        raise conflict(
            "consultation.not_severe",
            _("Remote consultations are for severe and critical patients."),
            "admission_id",
        )
    question = _text(question, "consultation", "question", QUESTION_MAX, required=True)
    consultation = Consultation.objects.create(
        admission=admission,
        county_id=admission.county_id,
        question=question,
        summary=case_summary(admission),
        requested_by_id=getattr(actor, "pk", None),
    )
    _audit(actor, "consultation.request", consultation, consultation.county_id, admission=str(admission.pk))
    return consultation


@transaction.atomic
def consultation_invite(
    *, actor: Actor | None, consultation_id: Any, expert_ids: list[Any]
) -> list[Invitation]:
    """Invite experts (an expert invited before keeps their invitation and answer)."""
    consultation = _consultation_locked(actor, consultation_id)
    if not expert_ids:
        raise invalid("consultation.no_experts", _("Choose at least one expert."), "expert_ids")
    experts = _experts(expert_ids, "consultation.unknown_expert", "expert_ids")
    invitations = [Invitation.objects.get_or_create(consultation=consultation, expert=e)[0] for e in experts]
    _audit(
        actor,
        "consultation.invite",
        consultation,
        consultation.county_id,
        experts=[str(e.pk) for e in experts],
    )
    return invitations


def _video_url(value: str) -> str:
    url = (value or "").strip()
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError:
        raise invalid(
            "consultation.invalid_video_url", _("Give the video meeting's https:// link."), "video_url"
        ) from None
    if urlsplit(url).scheme != "https" or len(url) > 512:
        raise invalid(
            "consultation.invalid_video_url", _("Give the video meeting's https:// link."), "video_url"
        )
    return url


@transaction.atomic
def consultation_schedule(
    *, actor: Actor | None, consultation_id: Any, scheduled_at: dt.datetime, video_url: str
) -> Consultation:
    """Set the time and the video link of a consultation."""
    consultation = _consultation_locked(actor, consultation_id)
    if scheduled_at.tzinfo is None:
        scheduled_at = scheduled_at.replace(tzinfo=clock.SHANGHAI)
    if scheduled_at < clock.now():
        raise invalid(
            "consultation.in_past", _("Schedule the consultation for a time still to come."), "scheduled_at"
        )
    consultation.video_url = _video_url(video_url)
    consultation.scheduled_at = scheduled_at
    consultation.status = ConsultationStatus.SCHEDULED
    consultation.save(update_fields=["video_url", "scheduled_at", "status"])
    _audit(
        actor,
        "consultation.schedule",
        consultation,
        consultation.county_id,
        scheduled_at=scheduled_at.isoformat(),
    )
    return consultation


@transaction.atomic
def consultation_close(*, actor: Actor | None, consultation_id: Any, status: str) -> Consultation:
    """Close a consultation as completed or cancelled."""
    consultation = _consultation_locked(actor, consultation_id)
    if status not in (ConsultationStatus.COMPLETED, ConsultationStatus.CANCELLED):
        raise invalid(
            "consultation.invalid_status", _("A consultation closes as completed or cancelled."), "status"
        )
    consultation.status = status
    consultation.closed_at = clock.now()
    consultation.save(update_fields=["status", "closed_at"])
    _audit(actor, "consultation.close", consultation, consultation.county_id, status=status)
    return consultation


def _own_invitations(actor: Actor) -> QuerySet[Invitation]:
    """The invitations of the actor's own expert profile (none for anybody else)."""
    require(actor, CONSULT)
    return Invitation.objects.filter(expert__user_id=actor.pk).select_related("consultation")


@transaction.atomic
def invitation_answer(*, actor: Actor, invitation_id: Any, accept: bool) -> Invitation:
    """The invited expert accepts or declines."""
    invitation = row_by_key(_own_invitations(actor).select_for_update(), invitation_id)
    if invitation is None:
        raise invitation_not_found()
    if invitation.consultation.status not in OPEN_CONSULTATION:
        raise consultation_closed()
    invitation.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    invitation.answered_at = clock.now()
    invitation.save(update_fields=["status", "answered_at"])
    _audit(
        actor, "invitation.answer", invitation, invitation.consultation.county_id, status=invitation.status
    )
    return invitation


@transaction.atomic
def opinion_record(*, actor: Actor, consultation_id: Any, text: str, recommendations: str = "") -> Opinion:
    """An invited expert's opinion; it stays with the patient's admission."""
    invitation = (
        _own_invitations(actor).filter(consultation_id=consultation_id).first() if consultation_id else None
    )
    if invitation is None:
        raise consultation_not_found()
    consultation = invitation.consultation
    if consultation.status == ConsultationStatus.CANCELLED:
        raise consultation_closed()
    text = _text(text, "opinion", "text", OPINION_MAX, required=True)
    recommendations = _text(recommendations, "opinion", "recommendations", OPINION_MAX)
    opinion = Opinion.objects.create(
        consultation=consultation, expert=invitation.expert, text=text, recommendations=recommendations
    )
    _audit(actor, "opinion.record", opinion, consultation.county_id, consultation=str(consultation.pk))
    return opinion
