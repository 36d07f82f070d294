"""Every write of fever referrals and laboratory results.

Each service validates first, writes in one transaction with its AuditEvent, and publishes a
domain event (ReferralChanged, ResultReported) that higher apps (the health code) react to.
"""

import datetime as dt
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.events import publish
from fangyi.core.services import audit_record
from fangyi.core.validators import body_temperature, in_body_temperature_range
from fangyi.labs.choices import ReferralSource, ReferralStatus, Result
from fangyi.labs.errors import (
    referral_invalid,
    referral_not_found,
    referral_not_open,
    result_invalid,
)
from fangyi.labs.events import ReferralChanged, ResultReported
from fangyi.labs.models import Referral, TestResult
from fangyi.labs.selectors import REFERRALS, RESULTS
from fangyi.people.errors import person_not_found
from fangyi.people.models import Person
from fangyi.regions.errors import place_not_found
from fangyi.regions.models import Place

NOTE_MAX = 256
LAB_MAX = 128
EARLIEST_SAMPLE = dt.date(2000, 1, 1)


def _person(actor: Actor | None, capability: str, person_id: uuid.UUID | str) -> Person:
    """The resident, if the actor holds `capability` over their home (a system call: any resident)."""
    try:
        person = Person.objects.get(pk=person_id)
    except (Person.DoesNotExist, ValidationError, ValueError, TypeError):
        raise person_not_found() from None
    if actor is not None and not covers(actor, capability, person.home_region_id):
        raise person_not_found()
    return person


def _place(actor: Actor | None, place_id: uuid.UUID | int | str) -> Place:
    try:
        place = Place.objects.get(pk=str(place_id))
    except (Place.DoesNotExist, ValidationError, ValueError, TypeError):
        raise place_not_found() from None
    if actor is not None and not covers(actor, REFERRALS, place.region_id):
        raise place_not_found()
    return place


def _temperature(value: Decimal | None) -> Decimal | None:
    """Body temperature in °C, to one decimal, within what a thermometer can plausibly read."""
    if value is None:
        return None
    reading = body_temperature(value)
    if reading is None or not in_body_temperature_range(reading):
        raise referral_invalid(
            "invalid_temperature", _("The temperature must be between 34.0 and 43.0 °C."), "temperature"
        )
    return reading


def _county_of(person: Person, place: Place | None) -> str:
    """The county that follows a referral up: the place's where it was raised, else the home's."""
    if place is not None and len(place.region_id) >= 6:
        return place.region_id[:6]
    return person.home_region_id[:6]


@transaction.atomic
def referral_open(
    *,
    actor: Actor | None,
    person_id: uuid.UUID | str,
    source: str,
    reason: str,
    temperature: Decimal | None = None,
    place_id: uuid.UUID | int | str | None = None,
) -> Referral:
    """Refer a resident to a fever clinic. A resident has at most one open referral: while one is
    open, it is returned unchanged and nothing new is opened (a second gate stop, a retry).

    With an actor, the actor needs "labs.referrals" over the resident's home (and the place); with
    none, it is a system call by a service that has checked its own caller (a gate scan).
    """
    if actor is not None:
        require(actor, REFERRALS)
    if source not in ReferralSource.values:
        raise referral_invalid(
            "invalid_source", _("The source is a gate, a check-in, self-report or a clinic."), "source"
        )
    reason = (reason or "").strip()
    if not reason:
        raise referral_invalid("reason_required", _("Say why the resident is referred."), "reason")
    if len(reason) > NOTE_MAX:
        raise referral_invalid("reason_too_long", _("Keep the reason under 256 characters."), "reason")
    reading = _temperature(temperature)
    person = _person(actor, REFERRALS, person_id)
    place = _place(actor, place_id) if place_id is not None else None
    existing = Referral.objects.select_for_update().filter(person=person, status=ReferralStatus.OPEN).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                person=person,
                county_id=_county_of(person, place),
                place=place,
                source=source,
                temperature=reading,
                reason=reason,
                opened_by_id=getattr(actor, "pk", None),
            )
    except IntegrityError:  # opened by a concurrent call since the check above
        return Referral.objects.get(person=person, status=ReferralStatus.OPEN)
    audit_record(
        actor=actor,
        action="referral.open",
        obj=referral,
        region_path=referral.county_id,
        reason=reason,
        data={
            "source": source,
            "temperature": str(reading) if reading is not None else None,
            "place": place.pk if place is not None else None,
        },
    )
    publish(ReferralChanged(person_id=str(person.pk), referral_id=str(referral.pk), status=referral.status))
    return referral


@transaction.atomic
def referral_close(*, actor: Actor, referral_id: uuid.UUID | str, status: str, note: str = "") -> Referral:
    """Close an open referral: cleared (not a case), or reported as a suspected case."""
    require(actor, REFERRALS)
    try:
        referral = Referral.objects.select_for_update().get(pk=referral_id)
    except (Referral.DoesNotExist, ValidationError, ValueError, TypeError):
        raise referral_not_found() from None
    if not covers(actor, REFERRALS, referral.county_id):
        raise referral_not_found()
    if status not in (ReferralStatus.CLEARED, ReferralStatus.CASE_REPORTED):
        raise referral_invalid(
            "invalid_status",
            _("A referral is closed as cleared or as reported as a suspected case."),
            "status",
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise referral_invalid("note_too_long", _("Keep the note under 256 characters."), "note")
    if referral.status != ReferralStatus.OPEN:
        raise referral_not_open()
    referral.status = status
    referral.closed_at = clock.now()
    referral.closed_by_id = actor.pk
    referral.outcome_note = note
    referral.save(update_fields=["status", "closed_at", "closed_by", "outcome_note"])
    audit_record(
        actor=actor,
        action="referral.close",
        obj=referral,
        region_path=referral.county_id,
        reason=note,
        data={"status": status},
    )
    publish(ReferralChanged(person_id=str(referral.person_id), referral_id=str(referral.pk), status=status))
    return referral


@transaction.atomic
def result_report(
    *,
    actor: Actor,
    person_id: uuid.UUID | str,
    result: str,
    sampled_on: dt.date,
    lab: str,
    referral_id: uuid.UUID | str | None = None,
) -> TestResult:
    """Record a laboratory result of a resident, optionally against one of their referrals."""
    require(actor, RESULTS)
    if result not in Result.values:
        raise result_invalid("invalid_result", _("The result is negative or positive."), "result")
    if sampled_on > clock.today():
        raise result_invalid("date_in_future", _("A date cannot be in the future."), "sampled_on")
    if sampled_on < EARLIEST_SAMPLE:
        raise result_invalid("date_too_early", _("The sample date cannot be before 2000."), "sampled_on")
    lab = (lab or "").strip()
    if not lab:
        raise result_invalid("lab_required", _("Name the laboratory."), "lab")
    if len(lab) > LAB_MAX:
        raise result_invalid("lab_too_long", _("Keep the laboratory's name under 128 characters."), "lab")
    person = _person(actor, RESULTS, person_id)
    referral = None
    if referral_id is not None:
        try:
            referral = Referral.objects.get(pk=referral_id, person=person)
        except (Referral.DoesNotExist, ValidationError, ValueError, TypeError):
            raise result_invalid(
                "referral_mismatch", _("This resident has no referral with this id."), "referral_id"
            ) from None
    test = TestResult.objects.create(
        person=person,
        referral=referral,
        sampled_on=sampled_on,
        result=result,
        lab=lab,
        reported_by_id=actor.pk,
        county_id=person.home_region_id[:6],
    )
    audit_record(
        actor=actor,
        action="result.report",
        obj=test,
        region_path=test.county_id,
        data={
            "result": result,
            "sampled_on": sampled_on.isoformat(),
            "lab": lab,
            "referral": str(referral.pk) if referral is not None else None,
        },
    )
    publish(ResultReported(person_id=str(person.pk), result_id=str(test.pk), positive=test.positive))
    return test
