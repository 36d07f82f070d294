"""Every write of contact tracing and medical observation.

Each service validates first, then writes in one transaction with its AuditEvent, and publishes
the domain events (ObservationStarted, ObservationEnded, FeverReported) that the health code
reacts to. The numbers observation follows (days, the contact window, the fever threshold, the
test before release) come from the protocol edition in force, never from code.
"""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import PermissionDenied
from fangyi.core.events import publish
from fangyi.core.selectors import row_by_key
from fangyi.core.services import audit_record
from fangyi.core.validators import body_temperature, in_body_temperature_range
from fangyi.labs.choices import ReferralSource, Result
from fangyi.labs.selectors import results_by_person
from fangyi.labs.services import referral_open
from fangyi.people.errors import person_not_found
from fangyi.people.models import Person
from fangyi.quarantine.choices import (
    AlertKind,
    ContactType,
    ObservationKind,
    ObservationSource,
    ObservationStatus,
    SiteKind,
    Slot,
)
from fangyi.quarantine.errors import (
    alert_not_found,
    conflict,
    date_in_future,
    invalid,
    not_under_observation,
    observation_not_active,
    observation_not_found,
    observation_overlaps,
    site_not_found,
    text_too_long,
)
from fangyi.quarantine.events import FeverReported, ObservationEnded, ObservationStarted
from fangyi.quarantine.models import Alert, CheckIn, Contact, ObservationPeriod, Protocol, Site
from fangyi.quarantine.selectors import (
    CHECKIN,
    MANAGE,
    OWN_CHECKIN,
    TRACE,
    protocol_on,
)
from fangyi.quarantine.selectors import (
    checkin_own_period as checkin_own_period,
)
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_path
from fangyi.surveillance.choices import Classification
from fangyi.surveillance.errors import case_not_found
from fangyi.surveillance.models import Case

NOTE_MAX = 256
ROOM_MAX = 16
NAME_MAX = 128
ADDRESS_MAX = 256
ROOMS_MAX = 100_000
# A negative test counts for release when sampled this many days before the due date, or later.
TEST_DAYS_BEFORE_DUE = 2
# The local time by which each slot's check-in is due.
SLOT_DEADLINES = {Slot.MORNING: dt.time(12), Slot.AFTERNOON: dt.time(20)}


def _note(value: str, code: str, field: str = "note", *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid(f"{code}.note_required", _("Say why."), field)
    if len(text) > NOTE_MAX:
        raise text_too_long(f"{code}.note_too_long", field, NOTE_MAX)
    return text


def _person(actor: Actor | None, capability: str, person_id: Any) -> Person:
    """The resident, if the actor holds `capability` over their home (a system call: any resident)."""
    try:
        person = Person.objects.get(pk=person_id)
    except (Person.DoesNotExist, ValidationError, ValueError, TypeError):
        raise person_not_found() from None
    if actor is not None and not covers(actor, capability, person.home_region_id):
        raise person_not_found()
    return person


def _site_usable_by(actor: Actor | None, capability: str, site: Site) -> bool:
    """Sites inside the actor's jurisdiction, or run above it (a prefecture's hotel serves its
    counties)."""
    if actor is None:
        return True
    return any(
        site.region_id.startswith(prefix) or prefix.startswith(site.region_id)
        for prefix in actor.prefixes_for(capability)
    )


def _site_locked(actor: Actor | None, capability: str, site_id: Any) -> Site:
    try:
        site = Site.objects.select_for_update().get(pk=int(site_id))
    except (Site.DoesNotExist, ValueError, TypeError):
        raise site_not_found() from None
    if not _site_usable_by(actor, capability, site):
        raise site_not_found()
    return site


def _period_locked(actor: Actor | None, capability: str, period_id: Any) -> ObservationPeriod:
    """The period, locked for update, if the actor holds `capability` over the resident's home."""
    if actor is not None:
        require(actor, capability)
    try:
        period = ObservationPeriod.objects.select_for_update().select_related("protocol").get(pk=period_id)
    except (ObservationPeriod.DoesNotExist, ValidationError, ValueError, TypeError):
        raise observation_not_found() from None
    if actor is not None and not covers(actor, capability, period.region_id):
        raise observation_not_found()
    return period


# Observation --------------------------------------------------------------------------------------


def _period_prepared(
    *,
    actor: Actor | None,
    capability: str,
    person: Person,
    kind: str,
    source: str,
    last_exposure_on: dt.date,
    site_id: Any,
    room: str,
) -> ObservationPeriod:
    """A new period of `person`, validated against the protocol in force, the site and the
    resident's other periods, not yet saved (the site and the resident are locked until commit)."""
    if kind not in ObservationKind.values:
        raise invalid(
            "observation.invalid_kind",
            _("Observation is at home, centralised, or health monitoring only."),
            "kind",
        )
    if source not in ObservationSource.values:
        raise invalid("observation.invalid_source", _("Unknown reason for observation."), "source")
    today = clock.today()
    if last_exposure_on > today:
        raise date_in_future("observation.date_in_future", "last_exposure_on")
    protocol = protocol_on(today)
    due_on = last_exposure_on + dt.timedelta(days=protocol.observation_days)
    if due_on <= today:
        raise invalid(
            "observation.already_served",
            _("%(days)s days have passed since the last exposure: no observation is needed."),
            "last_exposure_on",
            days=protocol.observation_days,
        )
    room = (room or "").strip()
    if len(room) > ROOM_MAX:
        raise text_too_long("observation.room_too_long", "room", ROOM_MAX)
    site = None
    if kind == ObservationKind.CENTRALISED:
        if site_id is None:
            raise invalid("observation.site_required", _("Centralised observation needs a site."), "site_id")
        site = _site_locked(actor, capability, site_id)
        if not site.active:
            raise conflict("observation.site_inactive", _("This site is no longer in use."), "site_id")
        occupied = ObservationPeriod.objects.filter(site=site, status=ObservationStatus.ACTIVE).count()
        if occupied >= site.rooms:
            raise conflict(
                "observation.site_full",
                _("All %(rooms)s rooms of this site are taken: choose another site."),
                "site_id",
                rooms=site.rooms,
            )
    elif site_id is not None or room:
        raise invalid(
            "observation.site_not_centralised",
            _("Only centralised observation takes place at a site."),
            "site_id",
        )
    # Serialise the starts of one resident, so two cannot both pass the check below.
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk"))
    periods = ObservationPeriod.objects.filter(person=person).exclude(status=ObservationStatus.CANCELLED)
    active = periods.filter(status=ObservationStatus.ACTIVE).exists()
    if active or periods.filter(starts_on__lt=due_on, ended_on__gt=today).exists():
        raise observation_overlaps()
    return ObservationPeriod(
        person=person,
        region_id=person.home_region_id,
        kind=kind,
        site=site,
        room=room,
        source=source,
        protocol=protocol,
        last_exposure_on=last_exposure_on,
        starts_on=today,
        due_on=due_on,
        created_by_id=getattr(actor, "pk", None),
    )


def _period_create(actor: Actor | None, period: ObservationPeriod) -> ObservationPeriod:
    try:
        with transaction.atomic():
            period.save(force_insert=True)
    except IntegrityError:  # a concurrent start for the same resident won the race
        raise observation_overlaps() from None
    audit_record(
        actor=actor,
        action="observation.start",
        obj=period,
        region_path=period.region_id,
        data={
            "kind": period.kind,
            "source": period.source,
            "site": period.site_id,
            "last_exposure_on": period.last_exposure_on.isoformat(),
            "due_on": period.due_on.isoformat(),
            "protocol": period.protocol.version,
            "contact": str(period.contact_id) if period.contact_id else None,
        },
    )
    publish(ObservationStarted(person_id=str(period.person_id), period_id=str(period.pk)))
    return period


@transaction.atomic
def observation_start(
    *,
    actor: Actor | None,
    person_id: uuid.UUID | str,
    kind: str,
    source: str,
    last_exposure_on: dt.date,
    site_id: int | None = None,
    room: str = "",
    contact_id: uuid.UUID | str | None = None,
) -> ObservationPeriod:
    """Place a resident under medical observation until last exposure + the protocol's days."""
    if actor is not None:
        require(actor, MANAGE)
    person = _person(actor, MANAGE, person_id)
    contact = None
    if contact_id is not None:
        contact = row_by_key(Contact.objects.filter(person=person), contact_id)
        if contact is None:
            raise invalid(
                "observation.contact_mismatch",
                _("This resident is not the close contact given."),
                "contact_id",
            )
    period = _period_prepared(
        actor=actor,
        capability=MANAGE,
        person=person,
        kind=kind,
        source=source,
        last_exposure_on=last_exposure_on,
        site_id=site_id,
        room=room,
    )
    period.contact = contact
    return _period_create(actor, period)


def _period_close(
    actor: Actor | None, period: ObservationPeriod, status: str, note: str, action: str
) -> ObservationPeriod:
    period.status = status
    period.ended_on = clock.today()
    period.ended_by_id = getattr(actor, "pk", None)
    period.end_note = note
    period.save(update_fields=["status", "ended_on", "ended_by", "end_note"])
    audit_record(
        actor=actor,
        action=action,
        obj=period,
        region_path=period.region_id,
        reason=note,
        data={"status": status, "ended_on": period.ended_on.isoformat()},
    )
    publish(ObservationEnded(person_id=str(period.person_id), period_id=str(period.pk), status=status))
    return period


def _negative_test_for_release(period: ObservationPeriod) -> bool:
    since = period.due_on - dt.timedelta(days=TEST_DAYS_BEFORE_DUE)
    results = results_by_person([period.person_id])[str(period.person_id)]
    return any(r.result == Result.NEGATIVE and r.sampled_on >= since for r in results)


@transaction.atomic
def observation_release(*, actor: Actor, period_id: uuid.UUID | str, note: str = "") -> ObservationPeriod:
    """Release a resident whose observation is due and, where the protocol asks, tested negative."""
    period = _period_locked(actor, MANAGE, period_id)
    note = _note(note, "observation")
    if period.status != ObservationStatus.ACTIVE:
        raise observation_not_active()
    if clock.today() < period.due_on:
        raise conflict(
            "observation.not_due",
            _("Observation runs until %(due)s: it cannot be released earlier."),
            "period_id",
            due=period.due_on.isoformat(),
        )
    if period.protocol.negative_test_required and not _negative_test_for_release(period):
        raise conflict(
            "observation.test_required",
            _("Release needs a negative test sampled on or after %(since)s."),
            "period_id",
            since=(period.due_on - dt.timedelta(days=TEST_DAYS_BEFORE_DUE)).isoformat(),
        )
    return _period_close(actor, period, ObservationStatus.RELEASED, note, "observation.release")


@transaction.atomic
def observation_end(
    *, actor: Actor | None, period_id: uuid.UUID | str, status: str, note: str
) -> ObservationPeriod:
    """End a period otherwise than by release: the resident became a case, or it was entered in
    error. A system call (actor None) comes from the reaction to a case."""
    period = _period_locked(actor, MANAGE, period_id)
    if status not in (ObservationStatus.TO_TREATMENT, ObservationStatus.CANCELLED):
        raise invalid(
            "observation.invalid_end_status",
            _("A period ends early because the resident became a case, or because it was entered in error."),
            "status",
        )
    note = _note(note, "observation", required=True)
    if period.status != ObservationStatus.ACTIVE:
        raise observation_not_active()
    return _period_close(actor, period, status, note, "observation.end")


@transaction.atomic
def observation_end_for_case(*, case_id: uuid.UUID | str) -> ObservationPeriod | None:
    """The resident of a confirmed case or an asymptomatic infection leaves observation for
    treatment (the reaction to the case's status changing; idempotent: None when nothing is left)."""
    case = row_by_key(Case.objects.all(), case_id)
    if case is None or case.outcome:
        return None
    if case.classification not in (Classification.CONFIRMED, Classification.ASYMPTOMATIC):
        return None
    period = ObservationPeriod.objects.filter(
        person_id=case.person_id, status=ObservationStatus.ACTIVE
    ).first()
    if period is None:
        return None
    note = str(_("Became a case: %(classification)s") % {"classification": case.get_classification_display()})
    return observation_end(actor=None, period_id=period.pk, status=ObservationStatus.TO_TREATMENT, note=note)


# Check-ins and alerts -----------------------------------------------------------------------------


def _temperature(raw: Decimal | str) -> Decimal:
    reading = body_temperature(raw) if raw is not None else None
    if reading is None or not in_body_temperature_range(reading):
        raise invalid(
            "checkin.invalid_temperature",
            _("The temperature must be between 34.0 and 43.0 °C."),
            "temperature",
        )
    return reading


def _slot_of(moment: dt.datetime) -> str:
    return Slot.MORNING if moment.astimezone(clock.SHANGHAI).hour < 12 else Slot.AFTERNOON


def _may_check_in(actor: Actor | None, period: ObservationPeriod) -> bool:
    """Staff over the resident's home, or the resident themselves through their own login."""
    if actor is None or covers(actor, CHECKIN, period.region_id):
        return True
    return bool(actor.prefixes_for(OWN_CHECKIN)) and period.person.user_id == actor.pk


@transaction.atomic
def checkin_record(
    *,
    actor: Actor | None,
    period_id: uuid.UUID | str,
    temperature: Decimal | str,
    slot: str | None = None,
    symptoms: str = "",
) -> CheckIn:
    """Record a temperature of a resident under observation for this morning or afternoon. A fever
    raises an alert and refers the resident to a fever clinic in the same transaction."""
    try:
        period = (
            ObservationPeriod.objects.select_for_update()
            .select_related("protocol", "person")
            .get(pk=period_id)
        )
    except (ObservationPeriod.DoesNotExist, ValidationError, ValueError, TypeError):
        raise observation_not_found() from None
    if not _may_check_in(actor, period):
        raise observation_not_found()
    reading = _temperature(temperature)
    now = clock.now()
    current = _slot_of(now)
    slot = slot or current
    if slot not in Slot.values:
        raise invalid("checkin.invalid_slot", _("The slot is the morning or the afternoon."), "slot")
    if slot == Slot.AFTERNOON and current == Slot.MORNING:
        raise invalid("checkin.slot_not_yet", _("The afternoon check-in opens at noon."), "slot")
    symptoms = (symptoms or "").strip()
    if len(symptoms) > NOTE_MAX:
        raise text_too_long("checkin.symptoms_too_long", "symptoms", NOTE_MAX)
    if period.status != ObservationStatus.ACTIVE:
        raise not_under_observation()
    day = clock.today()
    duplicate = conflict("checkin.duplicate", _("This check-in has already been recorded."), "slot")
    if CheckIn.objects.filter(period=period, date=day, slot=slot).exists():
        raise duplicate
    fever = reading >= period.protocol.fever_threshold
    staff = actor is not None and covers(actor, CHECKIN, period.region_id)
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                period=period,
                date=day,
                slot=slot,
                temperature=reading,
                symptoms=symptoms,
                fever=fever,
                recorded_by_id=actor.pk if staff and actor is not None else None,
                recorded_at=now,
            )
    except IntegrityError:  # recorded by a concurrent request since the check above
        raise duplicate from None
    audit_record(
        actor=actor,
        action="checkin.record",
        obj=checkin,
        region_path=period.region_id,
        data={"period": str(period.pk), "date": day.isoformat(), "slot": slot, "temperature": str(reading)},
    )
    if fever:
        referral = referral_open(
            actor=None,
            person_id=period.person_id,
            source=ReferralSource.CHECK_IN,
            reason=str(
                _("Fever of %(temperature)s °C at an observation check-in") % {"temperature": reading}
            ),
            temperature=reading,
        )
        Alert.objects.create(
            period=period, kind=AlertKind.FEVER, date=day, slot=slot, referral_id=referral.pk
        )
        publish(FeverReported(person_id=str(period.person_id), period_id=str(period.pk)))
    return checkin


def _due_slots(protocol: Protocol) -> tuple[str, ...]:
    """The slots a day's check-ins must fill: both, or, at one a day, any by the evening."""
    return (Slot.MORNING, Slot.AFTERNOON) if protocol.checkins_per_day >= 2 else (Slot.AFTERNOON,)


def _deadline(day: dt.date, slot: str) -> dt.datetime:
    return dt.datetime.combine(day, SLOT_DEADLINES[Slot(slot)], tzinfo=clock.SHANGHAI)


BATCH = 500


def alerts_raise_missed(*, now: dt.datetime | None = None) -> int:
    """Raise a missed-check-in alert for every slot of an active period whose deadline passed
    without a check-in (slots due before the period was entered do not count). Idempotent: run it
    as often as wanted; it returns the number of alerts raised."""
    now = now or clock.now()
    today = now.astimezone(clock.SHANGHAI).date()
    periods = list(
        ObservationPeriod.objects.filter(status=ObservationStatus.ACTIVE, starts_on__lte=today)
        .select_related("protocol")
        .order_by("id")
    )
    raised = 0
    for start in range(0, len(periods), BATCH):
        chunk = periods[start : start + BATCH]
        ids = [p.pk for p in chunk]
        checked = set(CheckIn.objects.filter(period_id__in=ids).values_list("period_id", "date", "slot"))
        checked_days = {(period_id, day) for period_id, day, _slot in checked}
        alerted = set(
            Alert.objects.filter(period_id__in=ids, kind=AlertKind.MISSED_CHECKIN).values_list(
                "period_id", "date", "slot"
            )
        )
        new = []
        for period in chunk:
            slots = _due_slots(period.protocol)
            day = period.starts_on
            while day <= today:
                for slot in slots:
                    deadline = _deadline(day, slot)
                    if not (period.created_at < deadline <= now) or (period.pk, day, slot) in alerted:
                        continue
                    done = (
                        (period.pk, day) in checked_days
                        if len(slots) == 1
                        else (period.pk, day, slot) in checked
                    )
                    if not done:
                        new.append(Alert(period=period, kind=AlertKind.MISSED_CHECKIN, date=day, slot=slot))
                day += dt.timedelta(days=1)
        Alert.objects.bulk_create(new, ignore_conflicts=True)
        raised += len(new)
    return raised


@transaction.atomic
def alert_resolve(*, actor: Actor, alert_id: int, note: str) -> Alert:
    """Close an alert once staff have followed it up, saying what they found."""
    if not (actor.prefixes_for(MANAGE) or actor.prefixes_for(CHECKIN)):
        raise PermissionDenied()
    try:
        alert = Alert.objects.select_for_update().select_related("period").get(pk=int(alert_id))
    except (Alert.DoesNotExist, ValueError, TypeError):
        raise alert_not_found() from None
    region = alert.period.region_id
    if not (covers(actor, MANAGE, region) or covers(actor, CHECKIN, region)):
        raise alert_not_found()
    note = _note(note, "alert", required=True)
    if alert.resolved_at is not None:
        raise conflict("alert.already_resolved", _("This alert has already been resolved."), "alert_id")
    alert.resolved_at = clock.now()
    alert.resolved_by_id = actor.pk
    alert.resolution_note = note
    alert.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    audit_record(
        actor=actor,
        action="alert.resolve",
        obj=alert,
        region_path=region,
        reason=note,
        data={"kind": alert.kind, "period": str(alert.period_id)},
    )
    return alert


# Sites --------------------------------------------------------------------------------------------


def _rooms(rooms: Any) -> int:
    if not isinstance(rooms, int) or isinstance(rooms, bool) or not 1 <= rooms <= ROOMS_MAX:
        raise invalid(
            "site.invalid_rooms", _("A site has between 1 and %(max)s rooms."), "rooms", max=ROOMS_MAX
        )
    return rooms


@transaction.atomic
def site_create(*, actor: Actor, name: str, kind: str, region: str, address: str, rooms: int) -> Site:
    """Register a hotel or facility for centralised observation."""
    require(actor, MANAGE)
    name = (name or "").strip()
    if not name:
        raise invalid("site.name_required", _("Name the site."), "name")
    if len(name) > NAME_MAX:
        raise text_too_long("site.name_too_long", "name", NAME_MAX)
    if kind not in SiteKind.values:
        raise invalid("site.invalid_kind", _("A site is a hotel or an observation facility."), "kind")
    address = (address or "").strip()
    if len(address) > ADDRESS_MAX:
        raise text_too_long("site.address_too_long", "address", ADDRESS_MAX)
    rooms = _rooms(rooms)
    path = region_path(region)
    if not covers(actor, MANAGE, path) or not Region.objects.filter(code=path).exists():
        raise region_not_found()
    if Site.objects.filter(region_id=path, name=name).exists():
        raise conflict("site.duplicate", _("This region already has a site of this name."), "name")
    site = Site.objects.create(name=name, kind=kind, region_id=path, address=address, rooms=rooms)
    audit_record(
        actor=actor,
        action="site.create",
        obj=site,
        region_path=path,
        data={"name": name, "kind": kind, "rooms": rooms},
    )
    return site


@transaction.atomic
def site_update(*, actor: Actor, site_id: int, rooms: int | None = None, active: bool | None = None) -> Site:
    """Change a site's rooms, or take it out of use (residents already there stay until released)."""
    require(actor, MANAGE)
    try:
        site = Site.objects.select_for_update().get(pk=int(site_id))
    except (Site.DoesNotExist, ValueError, TypeError):
        raise site_not_found() from None
    if not covers(actor, MANAGE, site.region_id):
        raise site_not_found()
    changes: dict[str, Any] = {}
    if rooms is not None:
        rooms = _rooms(rooms)
        occupied = ObservationPeriod.objects.filter(site=site, status=ObservationStatus.ACTIVE).count()
        if rooms < occupied:
            raise conflict(
                "site.rooms_below_occupancy",
                _("%(occupied)s residents are at this site now: it needs at least as many rooms."),
                "rooms",
                occupied=occupied,
            )
        changes["rooms"] = rooms
    if active is not None:
        changes["active"] = bool(active)
    for field, value in changes.items():
        setattr(site, field, value)
    if changes:
        site.save(update_fields=list(changes))
        audit_record(actor=actor, action="site.update", obj=site, region_path=site.region_id, data=changes)
    return site


# Contact tracing ----------------------------------------------------------------------------------


def _case_for_tracing(actor: Actor, case_id: Any) -> Case:
    try:
        case = Case.objects.select_related("person").get(pk=case_id)
    except (Case.DoesNotExist, ValidationError, ValueError, TypeError):
        raise case_not_found() from None
    if not covers(actor, TRACE, case.county_id):
        raise case_not_found()
    if case.classification == Classification.EXCLUDED:
        raise conflict(
            "contact.case_excluded", _("This case was excluded: it has no close contacts."), "case_id"
        )
    return case


def window_start(case: Case, protocol: Protocol) -> dt.date:
    """The first day on which an exposure to `case` makes a close contact: the protocol's days
    before onset, or, for an infection without symptoms, before its sampling (its report)."""
    reference = case.onset_date or case.asymptomatic_date or case.report_date
    return reference - dt.timedelta(days=protocol.contact_window_days)


def _exposure_extend(actor: Actor, period: ObservationPeriod, last_exposure_on: dt.date) -> None:
    """A later exposure of a resident already under observation moves its end later."""
    due_on = last_exposure_on + dt.timedelta(days=period.protocol.observation_days)
    if due_on <= period.due_on:
        return
    previous = period.due_on
    period.last_exposure_on, period.due_on = last_exposure_on, due_on
    period.save(update_fields=["last_exposure_on", "due_on"])
    audit_record(
        actor=actor,
        action="observation.extend",
        obj=period,
        region_path=period.region_id,
        data={"from": previous.isoformat(), "to": due_on.isoformat()},
    )


@transaction.atomic
def contact_register(
    *,
    actor: Actor,
    case_id: uuid.UUID | str,
    person_id: uuid.UUID | str,
    contact_type: str,
    last_contact_on: dt.date,
    via_contact_id: uuid.UUID | str | None = None,
    note: str = "",
    observation_kind: str = "home",
    site_id: int | None = None,
    room: str = "",
) -> Contact:
    """Register a close contact of a case (or, `via` one of its close contacts, a secondary one)
    and place them under observation. A contact already under observation keeps their period,
    which runs longer if this exposure is later; a contact whose days since the exposure have all
    passed is registered without observation."""
    require(actor, TRACE)
    case = _case_for_tracing(actor, case_id)
    if contact_type not in ContactType.values:
        raise invalid("contact.invalid_type", _("Unknown kind of contact."), "contact_type")
    note = _note(note, "contact")
    today = clock.today()
    if last_contact_on > today:
        raise date_in_future("contact.date_in_future", "last_contact_on")
    protocol = protocol_on(today)
    first_day = window_start(case, protocol)
    if last_contact_on < first_day:
        raise invalid(
            "contact.outside_window",
            _("Only exposures from %(date)s on count: %(days)s days before onset or sampling."),
            "last_contact_on",
            date=first_day.isoformat(),
            days=protocol.contact_window_days,
        )
    person = _person(None, TRACE, person_id)
    if person.pk == case.person_id:
        raise invalid("contact.is_the_case", _("A case cannot be its own close contact."), "person_id")
    via = None
    if via_contact_id is not None:
        via = row_by_key(Contact.objects.filter(case=case, degree=1), via_contact_id)
        if via is None:
            raise invalid(
                "contact.invalid_via",
                _("A secondary contact is exposed through a close contact of the same case."),
                "via_contact_id",
            )
    duplicate = conflict(
        "contact.duplicate", _("This resident is already a close contact of this case."), "person_id"
    )
    if Contact.objects.filter(case=case, person=person).exists():
        raise duplicate
    active = (
        ObservationPeriod.objects.select_for_update()
        .select_related("protocol")
        .filter(person=person, status=ObservationStatus.ACTIVE)
        .first()
    )
    period = None
    if active is None and last_contact_on + dt.timedelta(days=protocol.observation_days) > today:
        period = _period_prepared(
            actor=actor,
            capability=TRACE,
            person=person,
            kind=observation_kind,
            source=ObservationSource.CONTACT,
            last_exposure_on=last_contact_on,
            site_id=site_id,
            room=room,
        )
    elif observation_kind not in ObservationKind.values:
        raise invalid(
            "observation.invalid_kind",
            _("Observation is at home, centralised, or health monitoring only."),
            "observation_kind",
        )
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                case=case,
                person=person,
                via=via,
                degree=2 if via is not None else 1,
                contact_type=contact_type,
                last_contact_on=last_contact_on,
                note=note,
                region_id=person.home_region_id,
                registered_by_id=actor.pk,
            )
    except IntegrityError:  # registered by a concurrent request since the check above
        raise duplicate from None
    audit_record(
        actor=actor,
        action="contact.register",
        obj=contact,
        region_path=contact.region_id,
        data={
            "case": str(case.pk),
            "degree": contact.degree,
            "via": str(via.pk) if via is not None else None,
            "contact_type": contact_type,
            "last_contact_on": last_contact_on.isoformat(),
        },
    )
    if period is not None:
        period.contact = contact
        _period_create(actor, period)
    elif active is not None:
        _exposure_extend(actor, active, last_contact_on)
    return contact
