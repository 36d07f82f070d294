"""Every write of fever referrals, fever-clinic visits, samples and laboratory results.

Each service validates first, writes in one transaction with its AuditEvent, and publishes a
domain event (ReferralChanged, ResultReported) that higher apps (the health code) react to.
A sample moves collected → (pooled) → shipped → received → reported; a positive or inconclusive
pool sends each member back for a re-test.
"""

import datetime as dt
import os
import re
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import DomainError
from fangyi.core.events import publish
from fangyi.core.models import Job
from fangyi.core.selectors import row_by_key
from fangyi.core.services import audit_record, job_create, job_run_import
from fangyi.core.validators import body_temperature, in_body_temperature_range
from fangyi.labs.choices import (
    CodeColour,
    Exposure,
    ReferralSource,
    ReferralStatus,
    Result,
    RetestStatus,
    SampleKind,
    SampleStatus,
    Symptom,
)
from fangyi.labs.errors import (
    invalid_barcode,
    laboratory_invalid,
    laboratory_not_found,
    pool_invalid,
    referral_invalid,
    referral_not_found,
    referral_not_open,
    result_invalid,
    sample_conflict,
    sample_invalid,
    sample_not_found,
    visit_invalid,
)
from fangyi.labs.events import ReferralChanged, ResultReported
from fangyi.labs.imports import result_row_parse, result_rows_from_file
from fangyi.labs.models import ClinicVisit, Laboratory, Referral, RetestTask, Sample, TestResult
from fangyi.labs.selectors import REFERRALS, RESULTS
from fangyi.labs.triage import triage_decide
from fangyi.people.errors import person_not_found
from fangyi.people.imports import ImportRow, check_size
from fangyi.people.models import Person
from fangyi.regions.choices import PlaceKind
from fangyi.regions.errors import place_not_found
from fangyi.regions.models import Place
from fangyi.surveillance.choices import Classification, ConfirmationMethod
from fangyi.surveillance.models import OPEN_EPISODE, Case
from fangyi.surveillance.services import case_confirm, case_report

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


# Fever-clinic visits -----------------------------------------------------------------------------

CLINIC = "labs.clinic"
MANAGE = "labs.manage"
BARCODE = re.compile(r"^[A-Z0-9-]{6,32}$")
CT_RANGE = (Decimal("5.0"), Decimal("45.0"))
OPERATOR_MAX = 64
MAX_CAPACITY = 1_000_000


def _any_person(person_id: uuid.UUID | str) -> Person:
    """A visitor: a clinic sees residents of anywhere in the province."""
    try:
        return Person.objects.get(pk=person_id)
    except (Person.DoesNotExist, ValidationError, ValueError, TypeError):
        raise person_not_found() from None


def _place_in_scope(actor: Actor, capability: str, place_id: Any) -> Place:
    """A place where the actor holds `capability`; any other is not found."""
    require(actor, capability)
    try:
        place = Place.objects.get(pk=place_id)
    except (Place.DoesNotExist, ValidationError, ValueError, TypeError):
        raise place_not_found() from None
    if not covers(actor, capability, place.region_id):
        raise place_not_found()
    return place


def _not_future(moment: dt.datetime | None, field: str) -> dt.datetime:
    if moment is None:
        return clock.now()
    if moment > clock.now():
        raise result_invalid("date_in_future", _("A date cannot be in the future."), field)
    return moment


def _codes(values: Any, allowed: list[str], code: str, message: Any, field: str) -> list[str]:
    codes = list(dict.fromkeys(values or []))
    if any(value not in allowed for value in codes):
        raise visit_invalid(code, message, field)
    return codes


@transaction.atomic
def visit_triage(
    *,
    actor: Actor,
    clinic_id: Any,
    person_id: uuid.UUID | str,
    temperature: Decimal,
    symptoms: list[str],
    exposures: list[str],
    code_colour: str,
    note: str = "",
    visited_at: dt.datetime | None = None,
) -> ClinicVisit:
    """Triage a visitor at a fever clinic by the protocol (labs.triage) and record the decision.

    A referral the visitor holds (from a gate or an observation check-in) arrives here: the visit
    is linked to it, and the referral stays open until a result or an official closes it.
    """
    clinic = _place_in_scope(actor, CLINIC, clinic_id)
    if clinic.kind != PlaceKind.FEVER_CLINIC:
        raise visit_invalid("not_a_clinic", _("This place is not a fever clinic."), "clinic_id")
    reading = body_temperature(temperature) if temperature is not None else None
    if reading is None or not in_body_temperature_range(reading):
        raise visit_invalid(
            "invalid_temperature", _("The temperature must be between 34.0 and 43.0 °C."), "temperature"
        )
    symptoms = _codes(
        symptoms,
        Symptom.values,
        "invalid_symptom",
        _("Choose symptoms from the protocol's list."),
        "symptoms",
    )
    exposures = _codes(
        exposures,
        Exposure.values,
        "invalid_exposure",
        _("Choose the epidemiological history from the protocol's list."),
        "exposures",
    )
    if code_colour not in CodeColour.values:
        raise visit_invalid(
            "invalid_code_colour", _("The code colour is green, yellow, red or none shown."), "code_colour"
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise visit_invalid("note_too_long", _("Keep the note under 256 characters."), "note")
    moment = _not_future(visited_at, "visited_at")
    person = _any_person(person_id)
    triage = triage_decide(
        temperature=reading, symptoms=symptoms, exposures=exposures, code_colour=code_colour
    )
    referral = Referral.objects.filter(person=person, status=ReferralStatus.OPEN).first()
    visit = ClinicVisit.objects.create(
        person=person,
        clinic=clinic,
        county_id=clinic.region_id[:6],
        referral=referral,
        temperature=reading,
        symptoms=symptoms,
        exposures=exposures,
        code_colour=code_colour,
        decision=triage.decision,
        decision_reasons=list(triage.reasons),
        note=note,
        visited_at=moment,
        triaged_by_id=actor.pk,
    )
    audit_record(
        actor=actor,
        action="visit.triage",
        obj=visit,
        region_path=visit.county_id,
        reason=note,
        data={"decision": triage.decision, "reasons": list(triage.reasons), "temperature": str(reading)},
    )
    return visit


# Samples and pools -------------------------------------------------------------------------------


def barcode_clean(raw: Any, field: str = "barcode") -> str:
    """A barcode as printed on the tube: upper case, no surrounding spaces."""
    barcode = str(raw or "").strip().upper()
    if not BARCODE.match(barcode):
        raise invalid_barcode(barcode, field)
    return barcode


def _barcode_free(barcode: str) -> None:
    if Sample.objects.filter(barcode=barcode).exists():
        raise sample_conflict("barcode_reused", _("The barcode %(barcode)s is already used."), barcode)


def _create_sample(**fields: Any) -> Sample:
    try:
        with transaction.atomic():
            return Sample.objects.create(**fields)
    except IntegrityError:  # the same barcode, labelled by a concurrent call since the check
        barcode = fields["barcode"]
        raise sample_conflict(
            "barcode_reused", _("The barcode %(barcode)s is already used."), barcode
        ) from None


@transaction.atomic
def sample_collect(
    *,
    actor: Actor,
    place_id: Any,
    person_id: uuid.UUID | str,
    barcode: str,
    visit_id: uuid.UUID | str | None = None,
    retest_task_id: uuid.UUID | str | None = None,
    collected_at: dt.datetime | None = None,
) -> Sample:
    """Label one resident's swab. A swab taken for a re-test task closes the task."""
    place = _place_in_scope(actor, CLINIC, place_id)
    barcode = barcode_clean(barcode)
    moment = _not_future(collected_at, "collected_at")
    person = _any_person(person_id)
    visit = None
    if visit_id is not None:
        visit = row_by_key(ClinicVisit.objects.filter(person=person), visit_id)
        if visit is None:
            raise sample_invalid("visit_mismatch", _("This resident has no such clinic visit."), "visit_id")
    task = None
    if retest_task_id is not None:
        task = row_by_key(
            RetestTask.objects.select_for_update().filter(person=person, status=RetestStatus.OPEN),
            retest_task_id,
        )
        if task is None or not covers(actor, CLINIC, task.county_id):
            raise sample_invalid(
                "retest_mismatch", _("This resident has no such open re-test task."), "retest_task_id"
            )
    _barcode_free(barcode)
    sample = _create_sample(
        barcode=barcode,
        kind=SampleKind.INDIVIDUAL,
        person=person,
        visit=visit,
        retest_of=task,
        collected_at=moment,
        collected_by_id=actor.pk,
        collection_place=place,
        county_id=place.region_id[:6],
    )
    if task is not None:
        task.status = RetestStatus.DONE
        task.done_at = moment
        task.save(update_fields=["status", "done_at"])
    audit_record(
        actor=actor,
        action="sample.collect",
        obj=sample,
        region_path=sample.county_id,
        data={"barcode": barcode, "visit": str(visit_id or ""), "retest_task": str(retest_task_id or "")},
    )
    return sample


@transaction.atomic
def pool_create(
    *, actor: Actor, place_id: Any, barcode: str, size: int, member_barcodes: list[str]
) -> Sample:
    """Put collected swabs of one county into a pooled tube. All members go in, or none."""
    place = _place_in_scope(actor, CLINIC, place_id)
    barcode = barcode_clean(barcode)
    if size not in settings.FANGYI_POOL_SIZES:
        raise pool_invalid(
            "invalid_size",
            _("A pool holds %(sizes)s samples."),
            "size",
            sizes=", ".join(str(s) for s in settings.FANGYI_POOL_SIZES),
        )
    members = list(dict.fromkeys(barcode_clean(raw, "member_barcodes") for raw in member_barcodes or []))
    if not members:
        raise pool_invalid("no_members", _("Scan the samples that go into the pool."), "member_barcodes")
    if len(members) > size:
        raise pool_invalid(
            "too_large", _("A pool of %(size)s holds at most %(size)s samples."), "member_barcodes", size=size
        )
    county = place.region_id[:6]
    found = {s.barcode: s for s in Sample.objects.select_for_update().filter(barcode__in=members)}
    for member in members:
        sample = found.get(member)
        if (
            sample is None
            or sample.kind != SampleKind.INDIVIDUAL
            or sample.status != SampleStatus.COLLECTED
            or sample.pool_id is not None
            or sample.county_id != county
        ):
            raise pool_invalid(
                "member_unavailable",
                _(
                    "The sample %(barcode)s cannot go into this pool: it is unknown, of another county, "
                    "already pooled or already on its way."
                ),
                "member_barcodes",
                barcode=member,
            )
    _barcode_free(barcode)
    pool = _create_sample(
        barcode=barcode,
        kind=SampleKind.POOL,
        collected_at=clock.now(),
        collected_by_id=actor.pk,
        collection_place=place,
        county_id=county,
    )
    Sample.objects.filter(pk__in=[found[m].pk for m in members]).update(pool=pool, status=SampleStatus.POOLED)
    audit_record(
        actor=actor,
        action="pool.create",
        obj=pool,
        region_path=county,
        data={"barcode": barcode, "size": size, "members": members},
    )
    return pool


def _laboratory(lab_id: Any) -> Laboratory:
    try:
        return Laboratory.objects.select_related("place").get(pk=lab_id)
    except (Laboratory.DoesNotExist, ValidationError, ValueError, TypeError):
        raise laboratory_not_found() from None


def _batch(barcodes: list[str]) -> tuple[list[str], dict[str, Sample]]:
    """The scanned barcodes (cleaned, each once) and their samples, locked."""
    cleaned = list(dict.fromkeys(barcode_clean(raw, "barcodes") for raw in barcodes or []))
    if not cleaned:
        raise sample_invalid("barcodes_required", _("Scan at least one barcode."), "barcodes")
    locked = Sample.objects.select_for_update().filter(barcode__in=cleaned)
    return cleaned, {s.barcode: s for s in locked}


@transaction.atomic
def samples_ship(*, actor: Actor, lab_id: Any, barcodes: list[str]) -> int:
    """Send collected samples and pools (not swabs inside a pool) to a laboratory, all or none."""
    require(actor, CLINIC)
    lab = _laboratory(lab_id)
    cleaned, found = _batch(barcodes)
    for barcode in cleaned:
        sample = found.get(barcode)
        if sample is None or not covers(actor, CLINIC, sample.county_id):
            raise sample_not_found(barcode)
        if sample.status != SampleStatus.COLLECTED:
            raise sample_conflict(
                "not_shippable",
                _("The sample %(barcode)s is not waiting to be shipped."),
                barcode,
                field="barcodes",
            )
    now = clock.now()
    shipped = Sample.objects.filter(pk__in=[found[b].pk for b in cleaned]).update(
        status=SampleStatus.SHIPPED, lab=lab, shipped_at=now
    )
    audit_record(
        actor=actor,
        action="samples.ship",
        obj=lab,
        region_path=lab.place.region_id,
        data={"barcodes": cleaned},
    )
    return shipped


@transaction.atomic
def samples_receive(*, actor: Actor, lab_id: Any, barcodes: list[str]) -> int:
    """Check samples in at the laboratory: shipped to it, or collected and brought by hand."""
    require(actor, RESULTS)
    lab = _laboratory(lab_id)
    if not covers(actor, RESULTS, lab.place.region_id):
        raise laboratory_not_found()
    cleaned, found = _batch(barcodes)
    for barcode in cleaned:
        sample = found.get(barcode)
        if sample is None:
            raise sample_not_found(barcode)
        arrived = sample.status == SampleStatus.SHIPPED and sample.lab_id == lab.pk
        if not (arrived or sample.status == SampleStatus.COLLECTED):
            raise sample_conflict(
                "not_receivable",
                _("The sample %(barcode)s was not sent to this laboratory, or is already received."),
                barcode,
                field="barcodes",
            )
    received = Sample.objects.filter(pk__in=[found[b].pk for b in cleaned]).update(
        status=SampleStatus.RECEIVED, lab=lab, received_at=clock.now(), received_by_id=actor.pk
    )
    audit_record(
        actor=actor,
        action="samples.receive",
        obj=lab,
        region_path=lab.place.region_id,
        data={"barcodes": cleaned},
    )
    return received


# Results of samples ------------------------------------------------------------------------------


def result_value(raw: Any) -> str:
    result = str(raw or "").strip().lower()
    if result not in Result.values:
        raise sample_invalid(
            "invalid_result", _("The result is negative, positive or inconclusive."), "result"
        )
    return result


def ct_value_clean(raw: Any, result: str) -> Decimal | None:
    """A Ct value to one decimal in 5.0–45.0; a positive result needs one."""
    if raw is None or str(raw).strip() == "":
        if result == Result.POSITIVE:
            raise sample_invalid("ct_required", _("A positive result needs its Ct value."), "ct_value")
        return None
    try:
        value = Decimal(str(raw).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        value = None
    low, high = CT_RANGE
    if value is None or not value.is_finite() or not low <= value <= high:
        raise sample_invalid("invalid_ct", _("The Ct value must be between 5.0 and 45.0."), "ct_value")
    return value


def _reported_sample(
    sample: Sample, result: str, ct: Decimal | None, operator: str, at: dt.datetime, actor: Actor | None
) -> None:
    """Fix a sample's result and its turnaround (the report reads these, not the timestamps)."""
    sample.status = SampleStatus.REPORTED
    sample.result = result
    sample.ct_value = ct
    sample.operator = operator
    sample.reported_at = at
    sample.reported_by_id = getattr(actor, "pk", None)
    sample.turnaround_minutes = max(0, int((at - sample.collected_at).total_seconds() // 60))
    sample.reported_same_day = (
        at.astimezone(clock.SHANGHAI).date() == sample.collected_at.astimezone(clock.SHANGHAI).date()
    )
    sample.save()


def _person_result(sample: Sample, lab_name: str, at: dt.datetime, actor: Actor | None) -> TestResult:
    person = sample.person
    assert person is not None  # an individual sample always has its resident
    referral = Referral.objects.filter(person=person, status=ReferralStatus.OPEN).first()
    test = TestResult.objects.create(
        person=person,
        referral=referral,
        sample=sample,
        sampled_on=sample.collected_at.astimezone(clock.SHANGHAI).date(),
        sampled_at=sample.collected_at,
        result=sample.result,
        ct_value=sample.ct_value,
        lab=lab_name[:LAB_MAX],
        reported_at=at,
        reported_by_id=getattr(actor, "pk", None),
        county_id=person.home_region_id[:6],
    )
    publish(ResultReported(person_id=str(person.pk), result_id=str(test.pk), positive=test.positive))
    return test


def _positive_to_surveillance(person: Person, lab_name: str, day: dt.date) -> None:
    """A positive swab confirms the resident's open suspected case, or reports and confirms one;
    an open asymptomatic or confirmed case stays as it is. Their open referral ends as reported."""
    case = Case.objects.filter(OPEN_EPISODE, person=person).order_by("-report_date").first()
    if case is None:
        case = case_report(
            actor=None,
            person_id=person.pk,
            classification=Classification.SUSPECTED,
            report_date=day,
            residence=person.home_region_id,
            reporting_unit=lab_name[:128],
        )
    if case.classification == Classification.SUSPECTED:
        case_confirm(
            actor=None,
            case_id=case.pk,
            date=max(day, case.report_date),
            method=ConfirmationMethod.NUCLEIC_ACID,
        )
    referral = Referral.objects.select_for_update().filter(person=person, status=ReferralStatus.OPEN).first()
    if referral is not None:
        referral.status = ReferralStatus.CASE_REPORTED
        referral.closed_at = clock.now()
        referral.outcome_note = str(_("Positive nucleic-acid test at %(lab)s.") % {"lab": lab_name})[
            :NOTE_MAX
        ]
        referral.save(update_fields=["status", "closed_at", "outcome_note"])
        audit_record(
            actor=None,
            action="referral.close",
            obj=referral,
            region_path=referral.county_id,
            reason=referral.outcome_note,
            data={"status": referral.status},
        )
        publish(
            ReferralChanged(person_id=str(person.pk), referral_id=str(referral.pk), status=referral.status)
        )


@transaction.atomic
def sample_report(
    *,
    actor: Actor,
    barcode: str,
    result: str,
    operator: str,
    ct_value: Decimal | str | None = None,
    reported_at: dt.datetime | None = None,
) -> Sample:
    """Report the result of a received sample (see the module's docstring for what follows)."""
    require(actor, RESULTS)
    barcode = barcode_clean(barcode)
    result = result_value(result)
    ct = ct_value_clean(ct_value, result)
    operator = (operator or "").strip()
    if not operator:
        raise sample_invalid("operator_required", _("Name who ran the test."), "operator")
    if len(operator) > OPERATOR_MAX:
        raise sample_invalid("operator_too_long", _("Keep the operator under 64 characters."), "operator")
    moment = _not_future(reported_at, "reported_at")
    sample = (
        Sample.objects.select_for_update(of=("self",))
        .select_related("lab__place", "person")
        .filter(barcode=barcode)
        .first()
    )
    if sample is None or not (
        covers(actor, RESULTS, sample.lab.place.region_id if sample.lab else sample.county_id)
    ):
        raise sample_not_found(barcode)
    if sample.reported_at is not None or sample.status in (SampleStatus.REPORTED, SampleStatus.RETEST):
        raise sample_conflict("already_reported", _("The sample %(barcode)s is already reported."), barcode)
    if sample.status != SampleStatus.RECEIVED or sample.lab is None:
        raise sample_conflict(
            "not_received", _("The sample %(barcode)s has not been received by a laboratory."), barcode
        )
    if sample.received_at and moment < sample.received_at:
        raise sample_invalid(
            "reported_before_received", _("A result cannot come before the sample arrived."), "reported_at"
        )
    lab_name = sample.lab.place.name
    _reported_sample(sample, result, ct, operator, moment, actor)
    audit_record(
        actor=actor,
        action="sample.report",
        obj=sample,
        region_path=sample.county_id,
        data={"barcode": barcode, "result": result, "ct_value": str(ct) if ct is not None else None},
    )
    if sample.kind == SampleKind.INDIVIDUAL:
        _person_result(sample, lab_name, moment, actor)
        if result == Result.POSITIVE:
            assert sample.person is not None
            _positive_to_surveillance(sample.person, lab_name, moment.astimezone(clock.SHANGHAI).date())
        return sample
    members = list(
        sample.members.select_for_update(of=("self",)).select_related("person").order_by("barcode")
    )
    if result == Result.NEGATIVE:
        for member in members:
            member.lab, member.received_at = sample.lab, sample.received_at
            _reported_sample(member, Result.NEGATIVE, None, operator, moment, actor)
            _person_result(member, lab_name, moment, actor)
    else:
        Sample.objects.filter(pk__in=[m.pk for m in members]).update(status=SampleStatus.RETEST)
        RetestTask.objects.bulk_create(
            RetestTask(sample=m, person=cast(Person, m.person), county_id=m.county_id) for m in members
        )
    return sample


# Bulk results ------------------------------------------------------------------------------------

RESULTS_IMPORT_JOB_KIND = "labs.results_import"


class _DryRunRollback(Exception):
    """Raised inside the import's transaction to undo it on a dry run."""


def results_import(
    *,
    actor: Actor,
    lab_id: Any,
    rows: Iterable[ImportRow],
    dry_run: bool,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, Any]:
    """Report a lab's results from a file, row by row: a bad row writes nothing and is listed with
    its line and error, the good rows are reported. A dry run checks every row and keeps nothing."""
    require(actor, RESULTS)
    lab = _laboratory(lab_id)
    if not covers(actor, RESULTS, lab.place.region_id):
        raise laboratory_not_found()
    rows = list(rows)
    total = len(rows)
    errors: list[dict[str, Any]] = []
    reported = 0
    step = max(1, total // 100)
    try:
        with transaction.atomic():
            for done, row in enumerate(rows, start=1):
                try:
                    with transaction.atomic():
                        _import_row(actor, lab, row)
                    reported += 1
                except DomainError as exc:
                    errors.append(exc.as_row_error(row.line))
                if progress and (done % step == 0 or done == total):
                    progress(done, total, "")
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    return {
        "lab_id": lab.pk,
        "total": total,
        "valid": reported,
        "invalid": len(errors),
        "imported": 0 if dry_run else reported,
        "dry_run": dry_run,
        "errors": errors,
    }


def _import_row(actor: Actor, lab: Laboratory, row: ImportRow) -> None:
    values = row.values
    parsed = result_row_parse(values)
    lab_of = Sample.objects.filter(barcode=parsed.barcode).values_list("lab_id", flat=True).first()
    if lab_of is not None and lab_of != lab.pk:
        raise sample_conflict(
            "other_lab", _("The sample %(barcode)s is at another laboratory."), parsed.barcode
        )
    sample_report(
        actor=actor,
        barcode=parsed.barcode,
        result=parsed.result,
        operator=parsed.operator,
        ct_value=parsed.ct_value,
        reported_at=parsed.reported_at,
    )


def results_import_submit(*, actor: Actor, lab_id: Any, file_name: str, content: bytes, dry_run: bool) -> Job:
    """Keep the uploaded result file on a new job and queue its import for the worker."""
    require(actor, RESULTS)
    lab = _laboratory(lab_id)
    if not covers(actor, RESULTS, lab.place.region_id):
        raise laboratory_not_found()
    check_size(content)
    job = job_create(
        actor=actor,
        kind=RESULTS_IMPORT_JOB_KIND,
        region_path=lab.place.region_id,
        capability=RESULTS,
        params={"dry_run": bool(dry_run), "lab_id": lab.pk},
        input_name=os.path.basename(file_name or "upload"),
        input_data=content,
    )
    from fangyi.labs.tasks import results_import_task

    transaction.on_commit(lambda: results_import_task.enqueue(str(job.pk)))
    return job


def results_import_run(*, job_id: Any) -> Job | None:
    """The worker's side of a result-file import (see core.services.job_run_import)."""
    return job_run_import(
        job_id=job_id,
        read_rows=lambda name, content: result_rows_from_file(name=name, content=content),
        run=lambda actor, params, rows, progress: results_import(
            actor=actor,
            lab_id=params.get("lab_id"),
            rows=rows,
            dry_run=bool(params.get("dry_run")),
            progress=progress,
        ),
        succeeded=lambda result: bool(result["dry_run"] or result["valid"] or not result["errors"]),
        summary=results_import_summary,
    )


def results_import_summary(result: dict[str, Any]) -> str:
    params = {key: result[key] for key in ("imported", "invalid", "valid")}
    if result["dry_run"]:
        return (
            ngettext(
                "Dry run: %(valid)s rows valid, %(invalid)s row with errors; nothing was written.",
                "Dry run: %(valid)s rows valid, %(invalid)s rows with errors; nothing was written.",
                result["invalid"],
            )
            % params
        )
    return (
        ngettext(
            "Reported %(imported)s result; %(invalid)s rows with errors were left out.",
            "Reported %(imported)s results; %(invalid)s rows with errors were left out.",
            result["imported"],
        )
        % params
    )


# Laboratories ------------------------------------------------------------------------------------


@transaction.atomic
def laboratory_set_capacity(*, actor: Actor, place_id: Any, daily_capacity: int) -> Laboratory:
    """Record how many samples a lab can test a day (the summary sets the backlog against it)."""
    place = _place_in_scope(actor, MANAGE, place_id)
    if place.kind != PlaceKind.LAB:
        raise laboratory_invalid("not_a_lab", _("This place is not a testing lab."), "place_id")
    if (
        isinstance(daily_capacity, bool)
        or not isinstance(daily_capacity, int)
        or not 0 <= daily_capacity <= MAX_CAPACITY
    ):
        raise laboratory_invalid(
            "invalid_capacity",
            _("The daily capacity is a number of samples from 0 to 1,000,000."),
            "daily_capacity",
        )
    lab, _created = Laboratory.objects.update_or_create(
        place=place, defaults={"daily_capacity": daily_capacity}
    )
    audit_record(
        actor=actor,
        action="laboratory.set_capacity",
        obj=lab,
        region_path=place.region_id,
        data={"daily_capacity": daily_capacity},
    )
    return lab
