import uuid

from django.http import HttpRequest
from ninja import Query, Router, Status

from fangyi.core import clock
from fangyi.core.access import Actor, require
from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, request_actor
from fangyi.core.validators import mask_name
from fangyi.quarantine import selectors, services
from fangyi.quarantine.choices import ObservationStatus, Slot
from fangyi.quarantine.errors import not_under_observation
from fangyi.quarantine.models import Alert, CheckIn, Contact, ObservationPeriod, Site
from fangyi.quarantine.schemas import (
    AlertFilter,
    AlertOut,
    AlertPage,
    AlertResolveIn,
    CheckInIn,
    CheckInOut,
    CheckInSlotOut,
    ContactFilter,
    ContactIn,
    ContactOut,
    ContactPage,
    EndIn,
    ObservationFilter,
    ObservationIn,
    ObservationItem,
    ObservationOut,
    ObservationPage,
    ObservationSummaryFilter,
    ObservationSummaryOut,
    OwnObservationOut,
    ReleaseIn,
    SiteFilter,
    SiteIn,
    SiteOut,
    SitePage,
    SiteUpdateIn,
    TransmissionEdge,
    TransmissionGraphFilter,
    TransmissionGraphOut,
    TransmissionNode,
)

router = Router(tags=["quarantine"])


def observation_item(period: ObservationPeriod) -> ObservationItem:
    left = (period.due_on - clock.today()).days if period.status == ObservationStatus.ACTIVE else 0
    return ObservationItem(
        id=period.id,
        person_id=period.person_id,
        person_name=mask_name(period.person.name),
        person_id_number=period.person.id_number_masked,
        region_code=period.region.official_code,
        region_name=period.region.name,
        kind=period.kind,
        kind_label=period.get_kind_display(),
        source=period.source,
        source_label=period.get_source_display(),
        site_id=period.site_id,
        site_name=period.site.name if period.site else None,
        room=period.room,
        contact_id=period.contact_id,
        protocol_version=period.protocol.version,
        last_exposure_on=period.last_exposure_on,
        starts_on=period.starts_on,
        due_on=period.due_on,
        days_left=max(left, 0),
        status=period.status,
        status_label=period.get_status_display(),
        ended_on=period.ended_on,
        end_note=period.end_note,
    )


def checkin_out(checkin: CheckIn) -> CheckInOut:
    return CheckInOut(
        id=checkin.id,
        date=checkin.date,
        slot=checkin.slot,
        slot_label=checkin.get_slot_display(),
        temperature=float(checkin.temperature),
        fever=checkin.fever,
        symptoms=checkin.symptoms,
        by_staff=checkin.recorded_by_id is not None,
        recorded_at=checkin.recorded_at,
    )


def alert_out(alert: Alert) -> AlertOut:
    return AlertOut(
        id=alert.id,
        period_id=alert.period_id,
        person_id=alert.period.person_id,
        person_name=mask_name(alert.period.person.name),
        region_code=alert.period.region.official_code,
        kind=alert.kind,
        kind_label=alert.get_kind_display(),
        date=alert.date,
        slot=alert.slot,
        slot_label=alert.get_slot_display(),
        referral_id=alert.referral_id,
        created_at=alert.created_at,
        resolved_at=alert.resolved_at,
        resolution_note=alert.resolution_note,
    )


def observation_out(actor: Actor, period_id: uuid.UUID) -> ObservationOut:
    period = selectors.observation_get(actor=actor, period_id=period_id)
    return ObservationOut(
        **observation_item(period).dict(),
        checkins=[checkin_out(c) for c in period.checkins.all()],
        alerts=[alert_out(a) for a in period.alerts.all()],
    )


def site_out(site: Site) -> SiteOut:
    occupied = getattr(site, "occupied", 0)
    return SiteOut(
        id=site.id,
        name=site.name,
        kind=site.kind,
        kind_label=site.get_kind_display(),
        region_code=site.region.official_code,
        region_name=site.region.name,
        address=site.address,
        rooms=site.rooms,
        active=site.active,
        occupied=occupied,
        free=max(site.rooms - occupied, 0),
    )


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.id,
        case_id=contact.case_id,
        person_id=contact.person_id,
        person_name=mask_name(contact.person.name),
        person_id_number=contact.person.id_number_masked,
        region_code=contact.region.official_code,
        contact_type=contact.contact_type,
        contact_type_label=contact.get_contact_type_display(),
        degree=contact.degree,
        via_contact_id=contact.via_id,
        last_contact_on=contact.last_contact_on,
        note=contact.note,
        registered_at=contact.registered_at,
    )


# Summary -----------------------------------------------------------------------------------------


@router.get("/summary", response={200: ObservationSummaryOut, **ERRORS_READ})
def summary(request: HttpRequest, filters: Query[ObservationSummaryFilter]) -> ObservationSummaryOut:
    """Today's observation figures of a region of your jurisdiction: residents under observation
    (and by kind), released today, missed check-ins still open and fevers reported today."""
    today = clock.today()
    region, figures = selectors.observation_summary(
        actor=request_actor(request), region=filters.region, day=today
    )
    return ObservationSummaryOut(
        region_code=region.official_code,
        region_name=region.name,
        date=today,
        under_observation=figures["under_observation"],
        released=figures["released"],
        overdue_checkins=figures["overdue_checkins"],
        fever_alerts=figures["fever_alerts"],
        by_kind=figures["by_kind"],
    )


# Observation periods -----------------------------------------------------------------------------


@router.get("/observations", response={200: ObservationPage, **ERRORS_READ})
def observations(request: HttpRequest, filters: Query[ObservationFilter]) -> ObservationPage:
    """Residents of your jurisdiction under observation (active first, soonest due first) and past
    periods."""
    found = selectors.observation_list(
        actor=request_actor(request), status=filters.status, kind=filters.kind, region=filters.region
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return ObservationPage(count=found.count(), items=[observation_item(p) for p in page])


@router.post("/observations", response={201: ObservationOut, **ERRORS_WRITE})
def observation_start(request: HttpRequest, payload: ObservationIn) -> Status[ObservationOut]:
    """Place a resident of your jurisdiction under observation until the protocol's days after the
    last exposure have passed. A resident under observation, or whose past period overlaps these
    dates, is refused (409 `observation.overlaps`)."""
    actor = request_actor(request)
    period = services.observation_start(actor=actor, **payload.dict())
    return Status(201, observation_out(actor, period.pk))


@router.get("/observations/{period_id}", response={200: ObservationOut, **ERRORS_READ})
def observation_detail(request: HttpRequest, period_id: uuid.UUID) -> ObservationOut:
    """An observation period with its check-ins (latest first) and alerts."""
    return observation_out(request_actor(request), period_id)


@router.post("/observations/{period_id}/release", response={200: ObservationOut, **ERRORS_WRITE})
def observation_release(request: HttpRequest, period_id: uuid.UUID, payload: ReleaseIn) -> ObservationOut:
    """Release a resident whose period is due (and, where the protocol asks, tested negative)."""
    actor = request_actor(request)
    services.observation_release(actor=actor, period_id=period_id, note=payload.note)
    return observation_out(actor, period_id)


@router.post("/observations/{period_id}/end", response={200: ObservationOut, **ERRORS_WRITE})
def observation_end(request: HttpRequest, period_id: uuid.UUID, payload: EndIn) -> ObservationOut:
    """End a period otherwise: `to_treatment` (became a case) or `cancelled` (entered in error)."""
    actor = request_actor(request)
    services.observation_end(actor=actor, period_id=period_id, status=payload.status, note=payload.note)
    return observation_out(actor, period_id)


@router.post("/observations/{period_id}/checkins", response={201: CheckInOut, **ERRORS_WRITE})
def observation_checkin(request: HttpRequest, period_id: uuid.UUID, payload: CheckInIn) -> Status[CheckInOut]:
    """Record a resident's temperature (staff). A fever opens a referral and an alert; a released
    resident is refused (409 `checkin.not_under_observation`)."""
    actor = request_actor(request)
    require(actor, selectors.CHECKIN)  # staff only: residents check in through /me/checkins
    checkin = services.checkin_record(actor=actor, period_id=period_id, **payload.dict())
    return Status(201, checkin_out(checkin))


# The resident's own observation ------------------------------------------------------------------


def me_out(actor: Actor) -> OwnObservationOut:
    _person, period = selectors.own_observation(actor=actor)
    today = clock.today()
    if period is None:
        return OwnObservationOut(date=today, period=None, slots=[], history=[])
    history = period.recent_checkins  # type: ignore[attr-defined]
    by_slot = {c.slot: c for c in history if c.date == today}
    slots = [
        CheckInSlotOut(
            slot=slot.value,
            slot_label=str(slot.label),
            checkin=checkin_out(by_slot[slot]) if slot in by_slot else None,
        )
        for slot in Slot
    ]
    return OwnObservationOut(
        date=today, period=observation_item(period), slots=slots, history=[checkin_out(c) for c in history]
    )


@router.get("/me", response={200: OwnObservationOut, **ERRORS_READ})
def me(request: HttpRequest) -> OwnObservationOut:
    """Your own observation: the period, days left and today's morning and afternoon check-ins
    (`period` null when you are not under observation)."""
    return me_out(request_actor(request))


@router.post("/me/checkins", response={201: CheckInOut, **ERRORS_WRITE})
def me_checkin(request: HttpRequest, payload: CheckInIn) -> Status[CheckInOut]:
    """Check in your own temperature while under observation (409 when you are not)."""
    actor = request_actor(request)
    _person, period = selectors.own_observation(actor=actor)
    if period is None:
        raise not_under_observation()
    checkin = services.checkin_record(actor=actor, period_id=period.pk, **payload.dict())
    return Status(201, checkin_out(checkin))


# Alerts ------------------------------------------------------------------------------------------


@router.get("/alerts", response={200: AlertPage, **ERRORS_READ})
def alerts(request: HttpRequest, filters: Query[AlertFilter]) -> AlertPage:
    """Missed check-ins and fevers of residents of your jurisdiction: open ones first, oldest first."""
    found = selectors.alert_list(actor=request_actor(request), open_only=filters.open_only)
    page = found[filters.offset : filters.offset + filters.limit]
    return AlertPage(count=found.count(), items=[alert_out(a) for a in page])


@router.post("/alerts/{alert_id}/resolve", response={200: AlertOut, **ERRORS_WRITE})
def alert_resolve(request: HttpRequest, alert_id: int, payload: AlertResolveIn) -> AlertOut:
    """Resolve an open alert with a note of what was done."""
    actor = request_actor(request)
    alert = services.alert_resolve(actor=actor, alert_id=alert_id, note=payload.note)
    return alert_out(selectors.alert_list(actor=actor, open_only=False).get(pk=alert.pk))


# Sites -------------------------------------------------------------------------------------------


@router.get("/sites", response={200: SitePage, **ERRORS_READ})
def sites(request: HttpRequest, filters: Query[SiteFilter]) -> SitePage:
    """Centralised observation sites of your jurisdiction with their occupancy."""
    found = selectors.site_list(actor=request_actor(request))
    page = found[filters.offset : filters.offset + filters.limit]
    return SitePage(count=found.count(), items=[site_out(s) for s in page])


@router.post("/sites", response={201: SiteOut, **ERRORS_WRITE})
def site_create(request: HttpRequest, payload: SiteIn) -> Status[SiteOut]:
    """Add a hotel or facility for centralised observation, with its number of rooms."""
    actor = request_actor(request)
    site = services.site_create(actor=actor, **payload.dict())
    return Status(201, site_out(selectors.site_get(actor=actor, site_id=site.pk)))


@router.post("/sites/{site_id}", response={200: SiteOut, **ERRORS_WRITE})
def site_update(request: HttpRequest, site_id: int, payload: SiteUpdateIn) -> SiteOut:
    """Change a site's rooms, or take it out of use (or back into use)."""
    actor = request_actor(request)
    services.site_update(actor=actor, site_id=site_id, rooms=payload.rooms, active=payload.active)
    return site_out(selectors.site_get(actor=actor, site_id=site_id))


# Close contacts ----------------------------------------------------------------------------------


@router.get("/contacts", response={200: ContactPage, **ERRORS_READ})
def contacts(request: HttpRequest, filters: Query[ContactFilter]) -> ContactPage:
    """Close contacts living in your jurisdiction or traced from its cases (`case_id`: one case's)."""
    found = selectors.contact_list(actor=request_actor(request), case_id=filters.case_id)
    page = found[filters.offset : filters.offset + filters.limit]
    return ContactPage(count=found.count(), items=[contact_out(c) for c in page])


@router.post("/contacts", response={201: ContactOut, **ERRORS_WRITE})
def contact_register(request: HttpRequest, payload: ContactIn) -> Status[ContactOut]:
    """Register a close contact of a case (a secondary one `via_contact_id`, a primary contact of
    the same case) and place them under observation."""
    actor = request_actor(request)
    contact = services.contact_register(actor=actor, **payload.dict())
    return Status(201, contact_out(selectors.contact_get(actor=actor, contact_id=contact.pk)))


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS_READ})
def contact_detail(request: HttpRequest, contact_id: uuid.UUID) -> ContactOut:
    return contact_out(selectors.contact_get(actor=request_actor(request), contact_id=contact_id))


# Transmission graph ------------------------------------------------------------------------------


@router.get("/graph", response={200: TransmissionGraphOut, **ERRORS_READ})
def graph(request: HttpRequest, filters: Query[TransmissionGraphFilter]) -> TransmissionGraphOut:
    """Transmission chains and clusters as a graph: cases and contacts (masked names), exposures
    as edges; one case's chains, a cluster's, a region's, or the whole jurisdiction's."""
    found = selectors.transmission_graph(
        actor=request_actor(request),
        case_id=filters.case_id,
        cluster_id=filters.cluster_id,
        region=filters.region,
    )
    return TransmissionGraphOut(
        nodes=[TransmissionNode(**node) for node in found.nodes],
        edges=[TransmissionEdge(**edge) for edge in found.edges],
        truncated=found.truncated,
    )
