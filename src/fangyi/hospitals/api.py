"""The hospitals API: beds, admissions, treatment statistics, experts and consultations."""

import uuid

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from fangyi.core.access import Actor
from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, request_actor
from fangyi.core.schemas import MAX_ROW_ID
from fangyi.core.validators import mask_name
from fangyi.hospitals import selectors, services
from fangyi.hospitals.models import (
    Admission,
    Consultation,
    DutyShift,
    Expert,
    ExpertGroup,
    Invitation,
    Opinion,
)
from fangyi.hospitals.schemas import (
    AdmissionFilter,
    AdmissionIn,
    AdmissionItem,
    AdmissionOut,
    AdmissionPage,
    AdmissionSeverityIn,
    AdmissionSeverityOut,
    AnswerIn,
    CandidateFilter,
    CandidateOut,
    ConsultationCloseIn,
    ConsultationFilter,
    ConsultationIn,
    ConsultationItem,
    ConsultationOut,
    ConsultationPage,
    DateIn,
    DischargeCheckOut,
    DutyIn,
    DutyOut,
    ExpertIn,
    ExpertOut,
    GroupIn,
    GroupOut,
    HospitalBedsOut,
    HospitalRegionFilter,
    InvitationOut,
    InviteIn,
    OpinionIn,
    OpinionOut,
    RotaFilter,
    ScheduleIn,
    StatisticsFilter,
    StatisticsOut,
    TransferIn,
    TreatmentIn,
    TreatmentOut,
    WardIn,
    WardOut,
)

router = Router(tags=["hospitals"])


def admission_item(admission: Admission) -> AdmissionItem:
    return AdmissionItem(
        id=admission.id,
        case_id=admission.case_id,
        person_id=admission.person_id,
        person_name=mask_name(admission.person.name),
        hospital_id=admission.hospital_id,
        hospital_name=admission.hospital.place.name,
        bed_type=admission.ward.bed_type,
        county=admission.county_id,
        status=admission.status,
        status_label=admission.get_status_display(),
        admitted_on=admission.admitted_on,
        ended_on=admission.ended_on,
        transferred_from_id=admission.transferred_from_id,
        severity_on_admission=admission.severity_on_admission,
        severity=admission.severity,
        tcm=admission.tcm,
    )


def opinion_out(opinion: Opinion) -> OpinionOut:
    return OpinionOut(
        id=opinion.id,
        consultation_id=opinion.consultation_id,
        expert_id=opinion.expert_id,
        expert_name=opinion.expert.name,
        text=opinion.text,
        recommendations=opinion.recommendations,
        written_at=opinion.written_at,
    )


def admission_out(actor: Actor, admission_id: uuid.UUID) -> AdmissionOut:
    admission = selectors.admission_get(actor=actor, admission_id=admission_id)
    opinions = Opinion.objects.filter(consultation__admission=admission).select_related("expert")
    return AdmissionOut(
        **admission_item(admission).dict(),
        transfer_reason=admission.transfer_reason,
        updates=[
            AdmissionSeverityOut(
                id=u.id,
                date=u.date,
                severity=u.severity,
                temperature=None if u.temperature is None else float(u.temperature),
                spo2=u.spo2,
                respiratory_rate=u.respiratory_rate,
                heart_rate=u.heart_rate,
                note=u.note,
            )
            for u in admission.updates.all()
        ],
        treatments=[
            TreatmentOut(id=t.id, date=t.date, kind=t.kind, kind_label=t.get_kind_display(), detail=t.detail)
            for t in admission.treatments.all()
        ],
        opinions=[opinion_out(o) for o in opinions],
    )


def expert_out(expert: Expert) -> ExpertOut:
    return ExpertOut(
        id=expert.id,
        name=expert.name,
        title=expert.title,
        specialty=expert.specialty,
        specialty_label=expert.get_specialty_display(),
        employer=expert.employer,
        has_login=expert.user_id is not None,
        active=expert.active,
    )


def group_out(group: ExpertGroup) -> GroupOut:
    return GroupOut(
        id=group.id,
        name=group.name,
        region=group.region_id,
        region_name=group.region.name,
        leader_id=group.leader_id,
        member_ids=[m.pk for m in group.members.all()],
    )


def duty_out(duty: DutyShift) -> DutyOut:
    return DutyOut(
        id=duty.id,
        group_id=duty.group_id,
        expert_id=duty.expert_id,
        expert_name=duty.expert.name,
        date=duty.date,
        shift=duty.shift,
    )


def invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        consultation_id=invitation.consultation_id,
        expert_id=invitation.expert_id,
        expert_name=invitation.expert.name,
        status=invitation.status,
        answered_at=invitation.answered_at,
    )


def consultation_item(consultation: Consultation) -> ConsultationItem:
    return ConsultationItem(
        id=consultation.id,
        admission_id=consultation.admission_id,
        hospital_name=consultation.admission.hospital.place.name,
        county=consultation.county_id,
        question=consultation.question,
        status=consultation.status,
        status_label=consultation.get_status_display(),
        scheduled_at=consultation.scheduled_at,
        video_url=consultation.video_url,
        requested_at=consultation.requested_at,
        closed_at=consultation.closed_at,
    )


def consultation_out(actor: Actor, consultation_id: uuid.UUID) -> ConsultationOut:
    consultation = selectors.consultation_get(actor=actor, consultation_id=consultation_id)
    return ConsultationOut(
        **consultation_item(consultation).dict(),
        summary=consultation.summary,
        invitations=[invitation_out(i) for i in consultation.invitations.select_related("expert")],
        opinions=[opinion_out(o) for o in consultation.opinions.select_related("expert")],
    )


# Beds and statistics ------------------------------------------------------------------------------


@router.get("/beds", response={200: list[HospitalBedsOut], **ERRORS_READ})
def beds(request: HttpRequest, filters: Query[HospitalRegionFilter]) -> list[HospitalBedsOut]:
    """Designated hospitals of a region of your jurisdiction, with capacity and occupied beds per
    bed type."""
    found = selectors.hospital_beds(actor=request_actor(request), region=filters.region)
    return [HospitalBedsOut(**h) for h in found]


@router.get("/statistics", response={200: StatisticsOut, **ERRORS_READ})
def statistics(request: HttpRequest, filters: Query[StatisticsFilter]) -> StatisticsOut:
    """Outcomes, lengths of stay, TCM participation and mild-to-severe conversion of the
    hospitalisations that began in the region's hospitals."""
    figures = selectors.treatment_statistics(
        actor=request_actor(request), region=filters.region, start=filters.start, end=filters.end
    )
    return StatisticsOut(**figures)


@router.put("/hospitals/{place_id}/wards/{bed_type}", response={200: WardOut, **ERRORS_WRITE})
def ward_set(
    request: HttpRequest, bed_type: str, payload: WardIn, place_id: int = Path(..., ge=1, le=MAX_ROW_ID)
) -> WardOut:
    """Open a ward or change its beds (409 `ward.below_occupancy` below the patients in it)."""
    ward = services.ward_set_capacity(
        actor=request_actor(request), hospital_id=place_id, bed_type=bed_type, capacity=payload.capacity
    )
    return WardOut(hospital_id=ward.hospital_id, bed_type=ward.bed_type, capacity=ward.capacity)


# Admissions ---------------------------------------------------------------------------------------


@router.get("/admissions", response={200: AdmissionPage, **ERRORS_READ})
def admissions(request: HttpRequest, filters: Query[AdmissionFilter]) -> AdmissionPage:
    found = selectors.admission_list(
        actor=request_actor(request), hospital_id=filters.hospital_id, status=filters.status
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return AdmissionPage(count=found.count(), items=[admission_item(a) for a in page])


@router.post("/admissions", response={201: AdmissionOut, **ERRORS_WRITE})
def admit(request: HttpRequest, payload: AdmissionIn) -> Status[AdmissionOut]:
    """Admit an open case to a bed (409 when already in hospital or the ward is full)."""
    actor = request_actor(request)
    admission = services.admission_admit(actor=actor, **payload.dict())
    return Status(201, admission_out(actor, admission.pk))


@router.get("/admissions/{admission_id}", response={200: AdmissionOut, **ERRORS_READ})
def admission_detail(request: HttpRequest, admission_id: uuid.UUID) -> AdmissionOut:
    """An admission with its daily rounds, treatments and the experts' opinions."""
    return admission_out(request_actor(request), admission_id)


@router.post("/admissions/{admission_id}/severity", response={201: AdmissionSeverityOut, **ERRORS_WRITE})
def severity(
    request: HttpRequest, admission_id: uuid.UUID, payload: AdmissionSeverityIn
) -> Status[AdmissionSeverityOut]:
    """The daily round (one a day: 409 `severity.already_recorded`)."""
    update = services.severity_record(
        actor=request_actor(request), admission_id=admission_id, **payload.dict()
    )
    return Status(
        201,
        AdmissionSeverityOut(
            id=update.id,
            date=update.date,
            severity=update.severity,
            temperature=None if update.temperature is None else float(update.temperature),
            spo2=update.spo2,
            respiratory_rate=update.respiratory_rate,
            heart_rate=update.heart_rate,
            note=update.note,
        ),
    )


@router.post("/admissions/{admission_id}/treatments", response={201: TreatmentOut, **ERRORS_WRITE})
def treatment(request: HttpRequest, admission_id: uuid.UUID, payload: TreatmentIn) -> Status[TreatmentOut]:
    entry = services.treatment_record(
        actor=request_actor(request), admission_id=admission_id, **payload.dict()
    )
    return Status(
        201,
        TreatmentOut(
            id=entry.id,
            date=entry.date,
            kind=entry.kind,
            kind_label=entry.get_kind_display(),
            detail=entry.detail,
        ),
    )


@router.post("/admissions/{admission_id}/transfer", response={201: AdmissionOut, **ERRORS_WRITE})
def transfer(request: HttpRequest, admission_id: uuid.UUID, payload: TransferIn) -> Status[AdmissionOut]:
    """Transfer to another hospital; returns the new admission (which the receiving hospital
    reads; the sender reads the ended one)."""
    actor = request_actor(request)
    moved = services.admission_transfer(actor=actor, admission_id=admission_id, **payload.dict())
    return Status(
        201,
        admission_out(actor, moved.pk) if _readable(actor, moved.pk) else admission_out(actor, admission_id),
    )


def _readable(actor: Actor, admission_id: uuid.UUID) -> bool:
    return selectors.admission_list(actor=actor).filter(pk=admission_id).exists()


@router.post("/admissions/{admission_id}/discharge", response={200: AdmissionOut, **ERRORS_WRITE})
def discharge(request: HttpRequest, admission_id: uuid.UUID, payload: DateIn) -> AdmissionOut:
    """Discharge when the criteria are met (409 `admission.criteria_not_met` says what is missing)."""
    actor = request_actor(request)
    services.admission_discharge(actor=actor, admission_id=admission_id, date=payload.date)
    return admission_out(actor, admission_id)


@router.post("/admissions/{admission_id}/death", response={200: AdmissionOut, **ERRORS_WRITE})
def death(request: HttpRequest, admission_id: uuid.UUID, payload: DateIn) -> AdmissionOut:
    actor = request_actor(request)
    services.admission_record_death(actor=actor, admission_id=admission_id, date=payload.date)
    return admission_out(actor, admission_id)


@router.get(
    "/admissions/{admission_id}/transfer-candidates", response={200: list[CandidateOut], **ERRORS_READ}
)
def transfer_candidates(
    request: HttpRequest, admission_id: uuid.UUID, filters: Query[CandidateFilter]
) -> list[CandidateOut]:
    """Prefecture- and province-level hospitals with a free bed, nearest first."""
    found = selectors.transfer_candidates(
        actor=request_actor(request), admission_id=admission_id, bed_type=filters.bed_type
    )
    return [CandidateOut(**c) for c in found]


@router.get("/admissions/{admission_id}/discharge-check", response={200: DischargeCheckOut, **ERRORS_READ})
def discharge_check(request: HttpRequest, admission_id: uuid.UUID) -> DischargeCheckOut:
    admission = selectors.admission_get(actor=request_actor(request), admission_id=admission_id)
    check = selectors.discharge_check(admission)
    return DischargeCheckOut(met=check.met, missing=check.missing)


# Experts, groups and the rota ---------------------------------------------------------------------


@router.get("/experts", response={200: list[ExpertOut], **ERRORS_READ})
def experts(request: HttpRequest) -> list[ExpertOut]:
    return [expert_out(e) for e in selectors.expert_list(actor=request_actor(request))]


@router.post("/experts", response={201: ExpertOut, **ERRORS_WRITE})
def expert_create(request: HttpRequest, payload: ExpertIn) -> Status[ExpertOut]:
    expert = services.expert_create(actor=request_actor(request), **payload.dict())
    return Status(201, expert_out(expert))


@router.get("/expert-groups", response={200: list[GroupOut], **ERRORS_READ})
def groups(request: HttpRequest) -> list[GroupOut]:
    return [group_out(g) for g in selectors.expert_group_list(actor=request_actor(request))]


@router.post("/expert-groups", response={201: GroupOut, **ERRORS_WRITE})
def group_create(request: HttpRequest, payload: GroupIn) -> Status[GroupOut]:
    actor = request_actor(request)
    group = services.expert_group_create(actor=actor, **payload.dict())
    return Status(201, group_out(selectors.expert_group_get(actor=actor, group_id=group.pk)))


@router.get("/expert-groups/{group_id}/rota", response={200: list[DutyOut], **ERRORS_READ})
def rota(request: HttpRequest, group_id: uuid.UUID, filters: Query[RotaFilter]) -> list[DutyOut]:
    shifts = selectors.rota(
        actor=request_actor(request), group_id=group_id, start=filters.start, days=filters.days
    )
    return [duty_out(d) for d in shifts]


@router.post("/expert-groups/{group_id}/rota", response={201: DutyOut, **ERRORS_WRITE})
def duty_assign(request: HttpRequest, group_id: uuid.UUID, payload: DutyIn) -> Status[DutyOut]:
    """Put a member on duty (409 `duty.already_assigned` for the same shift twice)."""
    duty = services.duty_assign(actor=request_actor(request), group_id=group_id, **payload.dict())
    return Status(201, duty_out(duty))


# Consultations ------------------------------------------------------------------------------------


@router.get("/consultations", response={200: ConsultationPage, **ERRORS_READ})
def consultations(request: HttpRequest, filters: Query[ConsultationFilter]) -> ConsultationPage:
    """Consultations of your hospitals; an expert sees the ones they are invited to."""
    found = selectors.consultation_list(actor=request_actor(request), status=filters.status)
    page = found[filters.offset : filters.offset + filters.limit]
    return ConsultationPage(count=found.count(), items=[consultation_item(c) for c in page])


@router.post("/consultations", response={201: ConsultationOut, **ERRORS_WRITE})
def consultation_request(request: HttpRequest, payload: ConsultationIn) -> Status[ConsultationOut]:
    """Ask for a remote consultation on a severe or critical patient."""
    actor = request_actor(request)
    consultation = services.consultation_request(actor=actor, **payload.dict())
    return Status(201, consultation_out(actor, consultation.pk))


@router.get("/consultations/{consultation_id}", response={200: ConsultationOut, **ERRORS_READ})
def consultation_detail(request: HttpRequest, consultation_id: uuid.UUID) -> ConsultationOut:
    return consultation_out(request_actor(request), consultation_id)


@router.post("/consultations/{consultation_id}/invite", response={200: ConsultationOut, **ERRORS_WRITE})
def invite(request: HttpRequest, consultation_id: uuid.UUID, payload: InviteIn) -> ConsultationOut:
    actor = request_actor(request)
    services.consultation_invite(actor=actor, consultation_id=consultation_id, expert_ids=payload.expert_ids)
    return consultation_out(actor, consultation_id)


@router.post("/consultations/{consultation_id}/schedule", response={200: ConsultationOut, **ERRORS_WRITE})
def schedule(request: HttpRequest, consultation_id: uuid.UUID, payload: ScheduleIn) -> ConsultationOut:
    """Set the time and the https video link."""
    actor = request_actor(request)
    services.consultation_schedule(actor=actor, consultation_id=consultation_id, **payload.dict())
    return consultation_out(actor, consultation_id)


@router.post("/consultations/{consultation_id}/close", response={200: ConsultationOut, **ERRORS_WRITE})
def close(request: HttpRequest, consultation_id: uuid.UUID, payload: ConsultationCloseIn) -> ConsultationOut:
    actor = request_actor(request)
    services.consultation_close(actor=actor, consultation_id=consultation_id, status=payload.status)
    return consultation_out(actor, consultation_id)


@router.post("/consultations/{consultation_id}/opinions", response={201: OpinionOut, **ERRORS_WRITE})
def opinion(request: HttpRequest, consultation_id: uuid.UUID, payload: OpinionIn) -> Status[OpinionOut]:
    """An invited expert's opinion (anybody else: 404)."""
    written = services.opinion_record(
        actor=request_actor(request), consultation_id=consultation_id, **payload.dict()
    )
    return Status(201, opinion_out(written))


@router.post("/invitations/{invitation_id}/answer", response={200: InvitationOut, **ERRORS_WRITE})
def answer(request: HttpRequest, invitation_id: uuid.UUID, payload: AnswerIn) -> InvitationOut:
    invitation = services.invitation_answer(
        actor=request_actor(request), invitation_id=invitation_id, accept=payload.accept
    )
    return invitation_out(invitation)
