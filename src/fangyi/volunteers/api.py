"""Volunteers, missions, hours, certificates and the hotline rota at /api/v1/volunteers."""

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, ErrorOut, ValidationErrorOut, request_actor
from fangyi.volunteers import selectors, services
from fangyi.volunteers.certificates import certificate_pdf
from fangyi.volunteers.errors import not_registered
from fangyi.volunteers.models import (
    Certificate,
    CounsellingSession,
    HotlineShift,
    HoursRecord,
    Mission,
    SignUp,
    Volunteer,
)
from fangyi.volunteers.schemas import (
    AssignIn,
    CertificateCheckOut,
    CertificateOut,
    CoverageDayOut,
    CoverageFilter,
    DecisionIn,
    GapOut,
    HoursDecisionIn,
    HoursFilter,
    HoursLogIn,
    HoursOut,
    HoursPage,
    MissionDetailOut,
    MissionFilter,
    MissionIn,
    MissionOut,
    MissionPage,
    MomentIn,
    ProfileIn,
    QualificationIn,
    Serial,
    SessionFilter,
    SessionIn,
    SessionOut,
    SessionPage,
    ShiftFilter,
    ShiftIn,
    ShiftOut,
    ShiftPage,
    SignUpOut,
    VolunteerFilter,
    VolunteerIn,
    VolunteerOut,
    VolunteerPage,
    VolunteerPatch,
    VolunteerStatsFilter,
    VolunteerStatsOut,
)

router = Router(tags=["volunteers"])
PREFIX = "/api/v1/volunteers"


def volunteer_out(volunteer: Volunteer) -> VolunteerOut:
    minutes = getattr(volunteer, "approved_minutes", None)
    return VolunteerOut(
        id=volunteer.pk,
        name=selectors.volunteer_masked_name(volunteer),
        region=volunteer.region_id,
        region_name=volunteer.region.name,
        organisation=volunteer.organisation,
        skills=volunteer.skills,
        languages=volunteer.languages,
        availability=volunteer.availability,
        qualification=volunteer.qualification,
        qualification_verified=volunteer.qualification_verified_at is not None,
        counsellor=volunteer.is_counsellor,
        active=volunteer.active,
        registered_at=volunteer.registered_at,
        hours_approved=selectors.hours_of(minutes),
    )


def mission_out(mission: Mission) -> MissionOut:
    return MissionOut(
        id=mission.pk,
        kind=mission.kind,
        kind_label=str(mission.get_kind_display()),
        title=mission.title,
        description=mission.description,
        region=mission.region_id,
        region_name=mission.region.name,
        place_id=mission.place_id,
        starts_at=mission.starts_at,
        ends_at=mission.ends_at,
        slots=mission.slots,
        assigned=getattr(mission, "assigned", 0),
        waiting=getattr(mission, "waiting", 0),
        skills_wanted=mission.skills_wanted,
        status=mission.status,
        status_label=str(mission.get_status_display()),
    )


def signup_out(signup: SignUp) -> SignUpOut:
    return SignUpOut(
        id=signup.pk,
        mission_id=signup.mission_id,
        volunteer_id=signup.volunteer_id,
        name=selectors.volunteer_masked_name(signup.volunteer),
        status=signup.status,
        status_label=str(signup.get_status_display()),
        created_at=signup.created_at,
        decided_at=signup.decided_at,
    )


def hours_out(record: HoursRecord) -> HoursOut:
    return HoursOut(
        id=record.pk,
        signup_id=record.signup_id,
        mission_id=record.signup.mission_id,
        mission=record.signup.mission.title,
        volunteer_id=record.volunteer_id,
        name=selectors.volunteer_masked_name(record.volunteer),
        check_in_at=record.check_in_at,
        check_out_at=record.check_out_at,
        minutes=record.minutes,
        status=record.status,
        status_label=str(record.get_status_display()),
        decided_at=record.decided_at,
        note=record.note,
    )


def certificate_out(certificate: Certificate) -> CertificateOut:
    return CertificateOut(
        serial=certificate.serial,
        volunteer_id=certificate.volunteer_id,
        hours=certificate.hours,
        missions=certificate.missions,
        first_day=certificate.first_day,
        last_day=certificate.last_day,
        issued_at=certificate.issued_at,
        pdf_url=f"{PREFIX}/certificates/{certificate.serial}/pdf",
    )


def shift_out(shift: HotlineShift) -> ShiftOut:
    return ShiftOut(
        id=shift.pk,
        line=shift.line,
        region=shift.region_id,
        region_name=shift.region.name,
        counsellor_id=shift.counsellor_id,
        counsellor=selectors.volunteer_masked_name(shift.counsellor),
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        sessions=getattr(shift, "session_count", 0),
    )


def session_out(session: CounsellingSession) -> SessionOut:
    return SessionOut(
        id=session.pk,
        shift_id=session.shift_id,
        line=session.shift.line,
        region=session.shift.region_id,
        started_at=session.started_at,
        minutes=session.minutes,
        caller_group=session.caller_group,
        topic=session.topic,
        risk=session.risk,
        notes=session.notes,
    )


def _volunteer(request: HttpRequest, volunteer_id: int) -> VolunteerOut:
    return volunteer_out(selectors.volunteer_get(actor=request_actor(request), volunteer_id=volunteer_id))


# The signed-in volunteer -----------------------------------------------------------------------------


@router.get("/me", response={200: VolunteerOut, **ERRORS_WRITE})
def me(request: HttpRequest) -> VolunteerOut:
    """Your own volunteer record (409 `volunteer.not_registered` before you register)."""
    volunteer = selectors.my_volunteer(actor=request_actor(request))
    if volunteer is None:
        raise not_registered()
    return volunteer_out(volunteer)


@router.post("/me", response={201: VolunteerOut, **ERRORS_WRITE})
def me_register(request: HttpRequest, payload: ProfileIn) -> Status[VolunteerOut]:
    """Register yourself (a login linked to a resident) to serve in your village, township or county."""
    actor = request_actor(request)
    volunteer = services.volunteer_register_self(actor=actor, **payload.dict())
    return Status(201, _volunteer(request, volunteer.pk))


@router.post("/me/qualification", response={200: VolunteerOut, **ERRORS_WRITE})
def me_qualification(request: HttpRequest, payload: QualificationIn) -> VolunteerOut:
    """State your counselling qualification; a coordinator verifies it."""
    volunteer = services.qualification_submit(actor=request_actor(request), **payload.dict())
    return _volunteer(request, volunteer.pk)


@router.get("/me/certificates", response={200: list[CertificateOut], **ERRORS_READ})
def me_certificates(request: HttpRequest) -> list[CertificateOut]:
    return [certificate_out(c) for c in selectors.my_certificates(actor=request_actor(request))]


# Missions -----------------------------------------------------------------------------------------


@router.get("/missions", response={200: MissionPage, **ERRORS_READ})
def missions(request: HttpRequest, filters: Query[MissionFilter]) -> MissionPage:
    """Missions of your jurisdiction; for a volunteer, the open ones where they serve and their own."""
    found = selectors.mission_list(
        actor=request_actor(request),
        region=filters.region,
        status=filters.status,
        kind=filters.kind,
        upcoming=filters.upcoming,
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return MissionPage(count=found.count(), items=[mission_out(m) for m in page])


@router.post("/missions", response={201: MissionOut, **ERRORS_WRITE})
def mission_create(request: HttpRequest, payload: MissionIn) -> Status[MissionOut]:
    actor = request_actor(request)
    mission = services.mission_create(actor=actor, **payload.dict())
    return Status(201, mission_out(selectors.mission_get(actor=actor, mission_id=mission.pk)))


@router.get("/missions/{mission_id}", response={200: MissionDetailOut, **ERRORS_READ})
def mission_detail(request: HttpRequest, mission_id: int) -> MissionDetailOut:
    """A mission with its sign-ups (a volunteer sees only their own)."""
    actor = request_actor(request)
    mission = selectors.mission_get(actor=actor, mission_id=mission_id)
    signups = selectors.mission_signups(actor=actor, mission_id=mission.pk)
    return MissionDetailOut(**mission_out(mission).dict(), signups=[signup_out(s) for s in signups])


@router.post("/missions/{mission_id}/close", response={200: MissionOut, **ERRORS_WRITE})
def mission_close(request: HttpRequest, mission_id: int) -> MissionOut:
    actor = request_actor(request)
    services.mission_close(actor=actor, mission_id=mission_id)
    return mission_out(selectors.mission_get(actor=actor, mission_id=mission_id))


@router.post("/missions/{mission_id}/cancel", response={200: MissionOut, **ERRORS_WRITE})
def mission_cancel(request: HttpRequest, mission_id: int) -> MissionOut:
    actor = request_actor(request)
    services.mission_cancel(actor=actor, mission_id=mission_id)
    return mission_out(selectors.mission_get(actor=actor, mission_id=mission_id))


@router.post("/missions/{mission_id}/signups", response={201: SignUpOut, **ERRORS_WRITE})
def signup_create(request: HttpRequest, mission_id: int) -> Status[SignUpOut]:
    """Sign yourself up for an open mission."""
    signup = services.signup_create(actor=request_actor(request), mission_id=mission_id)
    return Status(201, signup_out(signup))


@router.post("/signups/{signup_id}/decide", response={200: SignUpOut, **ERRORS_WRITE})
def signup_decide(request: HttpRequest, signup_id: int, payload: AssignIn) -> SignUpOut:
    return signup_out(
        services.signup_decide(actor=request_actor(request), signup_id=signup_id, assign=payload.assign)
    )


@router.post("/signups/{signup_id}/withdraw", response={200: SignUpOut, **ERRORS_WRITE})
def signup_withdraw(request: HttpRequest, signup_id: int) -> SignUpOut:
    return signup_out(services.signup_withdraw(actor=request_actor(request), signup_id=signup_id))


# Hours --------------------------------------------------------------------------------------------


@router.post("/signups/{signup_id}/check-in", response={201: HoursOut, **ERRORS_WRITE})
def check_in(request: HttpRequest, signup_id: int, payload: MomentIn) -> Status[HoursOut]:
    """Start a duty on a mission you are assigned to."""
    actor = request_actor(request)
    record = services.hours_check_in(actor=actor, signup_id=signup_id, at=payload.at)
    return Status(201, hours_out(selectors.hours_get(actor=actor, record_id=record.pk)))


@router.post("/hours/{record_id}/check-out", response={200: HoursOut, **ERRORS_WRITE})
def check_out(request: HttpRequest, record_id: int, payload: MomentIn) -> HoursOut:
    actor = request_actor(request)
    services.hours_check_out(actor=actor, record_id=record_id, at=payload.at)
    return hours_out(selectors.hours_get(actor=actor, record_id=record_id))


@router.post("/hours", response={201: HoursOut, **ERRORS_WRITE})
def hours_log(request: HttpRequest, payload: HoursLogIn) -> Status[HoursOut]:
    """Record hours served afterwards (coordinators); overlapping or repeated hours are refused."""
    actor = request_actor(request)
    record = services.hours_log(actor=actor, **payload.dict())
    return Status(201, hours_out(selectors.hours_get(actor=actor, record_id=record.pk)))


@router.post("/hours/{record_id}/decide", response={200: HoursOut, **ERRORS_WRITE})
def hours_decide(request: HttpRequest, record_id: int, payload: HoursDecisionIn) -> HoursOut:
    actor = request_actor(request)
    services.hours_decide(actor=actor, record_id=record_id, **payload.dict())
    return hours_out(selectors.hours_get(actor=actor, record_id=record_id))


@router.get("/hours", response={200: HoursPage, **ERRORS_READ})
def hours(request: HttpRequest, filters: Query[HoursFilter]) -> HoursPage:
    """Hours on missions of your jurisdiction, and your own."""
    found = selectors.hours_list(
        actor=request_actor(request),
        status=filters.status,
        mission_id=filters.mission_id,
        volunteer_id=filters.volunteer_id,
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return HoursPage(count=found.count(), items=[hours_out(r) for r in page])


# Certificates -------------------------------------------------------------------------------------


@router.get(
    "/certificates/{serial}",
    response={200: CertificateCheckOut, 404: ErrorOut, 422: ValidationErrorOut},
    auth=None,
)
def certificate_verify(request: HttpRequest, serial: Serial) -> CertificateCheckOut:
    """Check a certificate by its serial (no sign-in): a masked name, the hours, missions and period."""
    check = selectors.certificate_verify(serial)
    return CertificateCheckOut(**vars(check))


@router.get("/certificates/{serial}/pdf", response={200: None, **ERRORS_READ})
def certificate_download(request: HttpRequest, serial: Serial) -> HttpResponse:
    """The certificate as a printable PDF: for the volunteer and the officials of their region."""
    certificate = selectors.certificate_get(actor=request_actor(request), serial=serial)
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.serial}.pdf"'
    return response


# The hotline --------------------------------------------------------------------------------------


@router.get("/shifts", response={200: ShiftPage, **ERRORS_READ})
def shifts(request: HttpRequest, filters: Query[ShiftFilter]) -> ShiftPage:
    """The rota of your jurisdiction, and a counsellor's own shifts."""
    found = selectors.shift_list(
        actor=request_actor(request),
        region=filters.region,
        start=filters.start,
        end=filters.end,
        counsellor_id=filters.counsellor_id,
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return ShiftPage(count=found.count(), items=[shift_out(s) for s in page])


@router.post("/shifts", response={201: ShiftOut, **ERRORS_WRITE})
def shift_schedule(request: HttpRequest, payload: ShiftIn) -> Status[ShiftOut]:
    actor = request_actor(request)
    shift = services.shift_schedule(actor=actor, **payload.dict())
    return Status(201, shift_out(selectors.shift_get(actor=actor, shift_id=shift.pk)))


@router.post("/shifts/{shift_id}/cancel", response={204: None, **ERRORS_WRITE})
def shift_cancel(request: HttpRequest, shift_id: int) -> Status[None]:
    services.shift_cancel(actor=request_actor(request), shift_id=shift_id)
    return Status(204, None)


@router.post("/shifts/{shift_id}/sessions", response={201: SessionOut, **ERRORS_WRITE})
def session_log(request: HttpRequest, shift_id: int, payload: SessionIn) -> Status[SessionOut]:
    """Log a call on your own shift: nothing that identifies the caller."""
    session = services.session_log(actor=request_actor(request), shift_id=shift_id, **payload.dict())
    return Status(201, session_out(session))


@router.get("/sessions", response={200: SessionPage, **ERRORS_READ})
def sessions(request: HttpRequest, filters: Query[SessionFilter]) -> SessionPage:
    found = selectors.session_list(
        actor=request_actor(request),
        region=filters.region,
        start=filters.start,
        end=filters.end,
        shift_id=filters.shift_id,
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return SessionPage(count=found.count(), items=[session_out(s) for s in page])


@router.get("/coverage", response={200: list[CoverageDayOut], **ERRORS_READ})
def coverage(request: HttpRequest, filters: Query[CoverageFilter]) -> list[CoverageDayOut]:
    """Per day: how long at least one counsellor was on the hotline of the region, and the gaps."""
    days = selectors.hotline_coverage(
        actor=request_actor(request), region=filters.region, start=filters.start, end=filters.end
    )
    return [
        CoverageDayOut(
            date=day.date,
            covered_minutes=day.covered_minutes,
            covered_hours=day.covered_hours,
            gaps=[GapOut(start=start, end=end) for start, end in day.gaps],
        )
        for day in days
    ]


@router.get("/stats", response={200: VolunteerStatsOut, **ERRORS_READ})
def stats(request: HttpRequest, filters: Query[VolunteerStatsFilter]) -> VolunteerStatsOut:
    return VolunteerStatsOut(**selectors.volunteer_stats(actor=request_actor(request), region=filters.region))


# The registry -------------------------------------------------------------------------------------


@router.get("", response={200: VolunteerPage, **ERRORS_READ})
def volunteers(request: HttpRequest, filters: Query[VolunteerFilter]) -> VolunteerPage:
    """Volunteers of your jurisdiction (masked names), with their approved hours."""
    found = selectors.volunteer_list(
        actor=request_actor(request),
        region=filters.region,
        skill=filters.skill,
        language=filters.language,
        counsellor=filters.counsellor,
        active=filters.active,
        q=filters.q,
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return VolunteerPage(count=found.count(), items=[volunteer_out(v) for v in page])


@router.post("", response={201: VolunteerOut, **ERRORS_WRITE})
def volunteer_register(request: HttpRequest, payload: VolunteerIn) -> Status[VolunteerOut]:
    """Register a resident as a volunteer of your region (coordinators)."""
    volunteer = services.volunteer_register(actor=request_actor(request), **payload.dict())
    return Status(201, _volunteer(request, volunteer.pk))


@router.get("/{volunteer_id}", response={200: VolunteerOut, **ERRORS_READ})
def volunteer_detail(request: HttpRequest, volunteer_id: int) -> VolunteerOut:
    return _volunteer(request, volunteer_id)


@router.patch("/{volunteer_id}", response={200: VolunteerOut, **ERRORS_WRITE})
def volunteer_update(request: HttpRequest, volunteer_id: int, payload: VolunteerPatch) -> VolunteerOut:
    """Change a profile (the coordinator, or the volunteer themselves); fields left out stay."""
    services.volunteer_update(
        actor=request_actor(request), volunteer_id=volunteer_id, **payload.dict(exclude_unset=True)
    )
    return _volunteer(request, volunteer_id)


@router.post("/{volunteer_id}/deactivate", response={200: VolunteerOut, **ERRORS_WRITE})
def volunteer_deactivate(request: HttpRequest, volunteer_id: int) -> VolunteerOut:
    services.volunteer_deactivate(actor=request_actor(request), volunteer_id=volunteer_id)
    return _volunteer(request, volunteer_id)


@router.post("/{volunteer_id}/qualification/verify", response={200: VolunteerOut, **ERRORS_WRITE})
def qualification_verify(request: HttpRequest, volunteer_id: int, payload: DecisionIn) -> VolunteerOut:
    services.qualification_verify(
        actor=request_actor(request), volunteer_id=volunteer_id, approve=payload.approve
    )
    return _volunteer(request, volunteer_id)


@router.post("/{volunteer_id}/certificates", response={201: CertificateOut, **ERRORS_WRITE})
def certificate_issue(request: HttpRequest, volunteer_id: int) -> Status[CertificateOut]:
    """A certificate of all hours approved to date (409 `certificate.no_hours` when there are none)."""
    certificate = services.certificate_issue(actor=request_actor(request), volunteer_id=volunteer_id)
    return Status(201, certificate_out(certificate))
