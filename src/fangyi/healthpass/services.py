"""Every write of the health code: colours, passes, declarations, overrides, appeals, scans."""

import base64
import dataclasses
import datetime as dt
import functools
import uuid
from decimal import Decimal
from typing import Any, cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangyi.accounts.models import User
from fangyi.core import clock, pii
from fangyi.core.access import Actor, covers, require
from fangyi.core.services import audit_record
from fangyi.core.validators import (
    BODY_TEMPERATURE_RANGE,
    body_temperature,
    in_body_temperature_range,
    mask_name,
)
from fangyi.healthpass import offline, rules
from fangyi.healthpass.choices import (
    COLOUR_RANK,
    GATE_KINDS,
    AppealStatus,
    Colour,
    Decision,
    OverrideStatus,
    Symptom,
)
from fangyi.healthpass.errors import (
    HealthpassError,
    declaration_not_found,
    not_a_resident,
    temperature_error,
)
from fangyi.healthpass.models import (
    Appeal,
    ColourChange,
    ColourOverride,
    ColourState,
    HealthDeclaration,
    Revocation,
    Scan,
    ScanTally,
    SigningKey,
)
from fangyi.healthpass.selectors import (
    MANAGE,
    SCAN,
    appeal_get,
    override_get,
    person_facts,
    resident_get,
    rule_set_on,
    rules_of,
    verifier_current,
)
from fangyi.labs.choices import ReferralSource
from fangyi.labs.services import referral_open
from fangyi.people.models import Person
from fangyi.regions.errors import place_not_found
from fangyi.regions.models import Place, Region
from fangyi.surveillance.selectors import county_high_risk_on

MAX_TEXT = 1000


def subject_for(person_id: uuid.UUID | str) -> str:
    """The pseudonym a resident's passes carry: stable, and meaningless without the platform's key."""
    return pii.lookup_hash("pass-subject", str(person_id))[:24]


def resident_of(actor: Any) -> Person:
    pk = getattr(actor, "pk", None)
    person = Person.objects.filter(user_id=pk).first() if pk is not None else None
    if person is None:
        raise not_a_resident()
    return person


def temperature_parse(raw: Any) -> Decimal:
    """A body temperature in °C with one decimal, or a clear error (missing, unreadable, impossible)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise temperature_error("temperature.required", _("Enter the body temperature."))
    value = body_temperature(raw)
    if value is None:
        raise temperature_error("temperature.invalid", _("The temperature is not a number."))
    low, high = BODY_TEMPERATURE_RANGE
    if not in_body_temperature_range(value):
        raise temperature_error(
            "temperature.impossible",
            _("A body temperature between %(low)s and %(high)s °C is expected: measure again."),
            low=low,
            high=high,
        )
    return value


# Colours ------------------------------------------------------------------------------------------


def colours_refresh(*, person_ids: list[Any], actor: Actor | None = None) -> list[ColourChange]:
    """Apply the rules to these residents; record every change of colour with its reason and
    evidence, and revoke the passes a resident holds when their colour got worse."""
    ids = list(dict.fromkeys(str(pid) for pid in person_ids))
    if not ids:
        return []
    now, today = clock.now(), clock.today()
    rule_set = rule_set_on(today)
    rule_params = rules_of(rule_set)
    changes = []
    with transaction.atomic():
        people = {str(p.pk): p for p in Person.objects.filter(pk__in=ids).only("id", "home_region_id")}
        states = {
            str(s.person_id): s for s in ColourState.objects.select_for_update().filter(person_id__in=ids)
        }
        facts = person_facts(list(people), rule_set=rule_set)
        unchanged = []
        for person_id, person in people.items():
            verdict = rules.evaluate(facts[person_id], rule_params, now, today)
            state = states.get(person_id)
            # A resident without a state has been green: a first green state logs no change.
            previous = state.colour if state else Colour.GREEN
            if state is None:
                state = ColourState(person=person, subject=subject_for(person_id), since=now)
            state.reason_code, state.reason_params = verdict.reason, verdict.params
            state.rule_version, state.computed_at = rule_set.version, now
            if person_id in states and verdict.colour == previous:
                unchanged.append(state)
                continue
            if verdict.colour != previous:
                state.since = now
                logged_from = previous if person_id in states else ""
                changes.append(_colour_change(actor, person, logged_from, verdict, rule_set.version, now))
                if (
                    COLOUR_RANK[Colour(verdict.colour)] > COLOUR_RANK[Colour(previous)]
                    and state.pass_expires_at
                    and state.pass_expires_at > now
                ):
                    Revocation.objects.create(subject=state.subject, revoked_before=now)
            state.colour = verdict.colour
            state.save()
        ColourState.objects.bulk_update(
            unchanged, ["reason_code", "reason_params", "rule_version", "computed_at"], batch_size=500
        )
    return changes


def _colour_change(
    actor: Actor | None, person: Person, previous: str, verdict: rules.Verdict, version: str, now: dt.datetime
) -> ColourChange:
    change = ColourChange.objects.create(
        person=person,
        at=now,
        from_colour=previous,
        to_colour=verdict.colour,
        rule_version=version,
        reason_code=verdict.reason,
        reason_params=verdict.params,
        evidence=verdict.evidence,
        actor_id=getattr(actor, "pk", None),
        region_id=person.home_region_id,
    )
    audit_record(
        actor=actor,
        action="colour.change",
        obj=person,
        region_path=person.home_region_id,
        reason=verdict.reason,
        data={"from": previous, "to": verdict.colour, "rule": version, "evidence": verdict.evidence},
    )
    return change


def colours_refresh_due(*, batch_size: int = 500) -> int:
    """Re-apply the rules to everyone not green: windows close and releases fall due with time."""
    changed = 0
    ids = list(ColourState.objects.exclude(colour=Colour.GREEN).values_list("person_id", flat=True))
    for start in range(0, len(ids), batch_size):
        changed += len(colours_refresh(person_ids=ids[start : start + batch_size]))
    return changed


# Signing keys and passes --------------------------------------------------------------------------


def _kid_text(kid: bytes) -> str:
    return base64.urlsafe_b64encode(kid).rstrip(b"=").decode()


@transaction.atomic
def signing_key_create(*, actor: Actor | None = None) -> SigningKey:
    """A new signing key; the keys before it retire (still published until their passes expire)."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    now = clock.now()
    SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=now)
    key = SigningKey.objects.create(
        kid=_kid_text(offline.kid_for(private_key.public_key())),
        public_key_pem=public_pem.decode(),
        private_key_encrypted=pii.encrypt(private_pem.decode()),
        created_at=now,
    )
    audit_record(actor=actor, action="signing_key.create", obj=key, data={"kid": key.kid})
    return key


def signing_key_current() -> SigningKey:
    key = SigningKey.objects.filter(retired_at__isnull=True).first()
    return key or signing_key_create()


@functools.lru_cache(maxsize=8)
def _private_key(kid: str, encrypted: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pii.decrypt(encrypted).encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


@dataclasses.dataclass(frozen=True)
class IssuedPass:
    token: str
    colour: str
    masked_name: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    kid: str


def pass_issue(*, actor: Actor) -> IssuedPass:
    """A fresh signed pass for the resident behind `actor`, after re-applying the rules."""
    person = resident_of(actor)
    colours_refresh(person_ids=[person.pk])
    key = signing_key_current()
    now = clock.now().replace(microsecond=0)
    expires = now + dt.timedelta(hours=settings.FANGYI_PASS_TTL_HOURS)
    with transaction.atomic():
        state = ColourState.objects.select_for_update().get(person=person)
        claims = offline.PassClaims(
            subject=state.subject,
            colour=state.colour,
            masked_name=mask_name(person.name),
            issued_at=int(now.timestamp()),
            expires_at=int(expires.timestamp()),
        )
        token = offline.pass_encode(
            claims, private_key=_private_key(key.kid, key.private_key_encrypted), kid=key.kid_bytes
        )
        if state.pass_expires_at is None or state.pass_expires_at < expires:
            state.pass_expires_at = expires
            state.save(update_fields=["pass_expires_at"])
    return IssuedPass(token, claims.colour, claims.masked_name, now, expires, key.kid)


# Declarations -------------------------------------------------------------------------------------


def _high_risk_reason(origin: str, county: Region | None, arrival: dt.date, areas: list[str]) -> str:
    for area in areas:
        if area and origin.startswith(area):
            return area
    if county is not None and county_high_risk_on(county=county, date=arrival):
        return county.name
    return ""


def declaration_submit(
    *,
    actor: Actor,
    temperature: Any,
    symptoms: list[str] | None = None,
    travelled: bool = False,
    origin: str = "",
    origin_county: str | None = None,
    arrival_date: dt.date | None = None,
) -> HealthDeclaration:
    """Today's health and travel declaration by the resident: the daily check-in. A fever or a
    fever symptom refers the resident to a fever clinic."""
    person = resident_of(actor)
    today = clock.today()
    value = temperature_parse(temperature)
    symptoms = list(dict.fromkeys(symptoms or []))
    unknown = [s for s in symptoms if s not in Symptom.values]
    if unknown:
        raise HealthpassError(
            "declaration.invalid_symptom",
            _("Unknown symptom: %(symptom)s."),
            field="symptoms",
            symptom=unknown[0],
        )
    origin = origin.strip()
    county = None
    if travelled:
        if not origin and not origin_county:
            raise HealthpassError(
                "declaration.origin_required", _("Say where you came from."), field="origin"
            )
        if arrival_date is None:
            raise HealthpassError(
                "declaration.arrival_required", _("Give the day you arrived."), field="arrival_date"
            )
        if arrival_date > today:
            raise HealthpassError(
                "declaration.arrival_in_future",
                _("The arrival day cannot be in the future."),
                field="arrival_date",
            )
        if origin_county:
            county = Region.objects.filter(code=origin_county).first()
            if county is None or len(county.code) != 6:
                raise HealthpassError(
                    "declaration.unknown_county", _("No such county."), field="origin_county"
                )
            origin = origin or county.name
    elif origin or origin_county or arrival_date:
        raise HealthpassError(
            "declaration.travel_inconsistent",
            _("Tick that you arrived from elsewhere, or leave the travel fields empty."),
            field="travelled",
        )
    if len(origin) > 128:
        raise HealthpassError("declaration.origin_too_long", _("The place is too long."), field="origin")
    rule_set = rule_set_on(today)
    reason = (
        _high_risk_reason(origin, county, arrival_date, rule_set.high_risk_areas)
        if travelled and arrival_date
        else ""
    )
    try:
        with transaction.atomic():
            declaration = HealthDeclaration.objects.create(
                person=person,
                date=today,
                temperature=value,
                symptoms=symptoms,
                travelled=travelled,
                origin=origin,
                origin_county=county,
                arrival_date=arrival_date if travelled else None,
                high_risk_reason=reason,
                region_id=person.home_region_id,
            )
            audit_record(
                actor=actor, action="declaration.submit", obj=declaration, region_path=person.home_region_id
            )
            if value >= rule_set.fever_threshold or Symptom.FEVER in symptoms:
                referral_open(
                    actor=None,
                    person_id=person.pk,
                    source=ReferralSource.SELF_REPORT,
                    reason=str(_("Fever in the daily declaration")),
                    temperature=value,
                )
    except IntegrityError:
        raise HealthpassError(
            "declaration.already_today", _("You have already declared today."), status=409
        ) from None
    colours_refresh(person_ids=[person.pk])
    return declaration


@transaction.atomic
def arrival_verify(*, actor: Actor, declaration_id: uuid.UUID | str) -> HealthDeclaration:
    """A grid worker or official has checked the arrival in person: the arrival rule releases."""
    try:
        declaration = HealthDeclaration.objects.select_for_update().get(pk=declaration_id)
    except (HealthDeclaration.DoesNotExist, ValueError):
        raise declaration_not_found() from None
    if not covers(actor, "people.manage", declaration.region_id):
        raise declaration_not_found()
    if not declaration.high_risk_reason:
        raise HealthpassError(
            "declaration.nothing_to_verify", _("This declaration holds no arrival to verify."), status=409
        )
    if declaration.verified_at is None:
        declaration.verified_at, declaration.verified_by = clock.now(), actor  # type: ignore[assignment]
        declaration.save(update_fields=["verified_at", "verified_by"])
        audit_record(
            actor=actor,
            action="declaration.verify_arrival",
            obj=declaration,
            region_path=declaration.region_id,
        )
        transaction.on_commit(lambda: colours_refresh(person_ids=[declaration.person_id]))
    return declaration


# Overrides and appeals ----------------------------------------------------------------------------


def _reason_text(reason: str, field: str = "reason") -> str:
    reason = reason.strip()
    if not reason:
        raise HealthpassError("override.reason_required", _("Give the reason."), field=field)
    if len(reason) > MAX_TEXT:
        raise HealthpassError(
            "text.too_long", _("Keep it under %(limit)s characters."), field=field, limit=MAX_TEXT
        )
    return reason


@transaction.atomic
def override_request(
    *,
    actor: Actor,
    person_id: uuid.UUID | str,
    colour: str,
    reason: str,
    days: int = 14,
    appeal: Appeal | None = None,
) -> ColourOverride:
    """Ask to set a resident's colour over the rules; it takes effect once a second official approves."""
    require(actor, MANAGE)
    person = resident_get(actor=actor, capability=MANAGE, person_id=person_id)
    if colour not in Colour.values:
        raise HealthpassError(
            "override.invalid_colour", _("The colour is green, yellow or red."), field="colour"
        )
    if not 1 <= days <= 30:
        raise HealthpassError("override.invalid_days", _("An override lasts 1 to 30 days."), field="days")
    override = ColourOverride.objects.create(
        person=person,
        colour=colour,
        reason=_reason_text(reason),
        ends_at=clock.now() + dt.timedelta(days=days),
        requested_by=cast(User, actor),
        appeal=appeal,
        region_id=person.home_region_id,
    )
    audit_record(
        actor=actor,
        action="override.request",
        obj=override,
        region_path=override.region_id,
        reason=override.reason,
        data={"colour": colour, "days": days},
    )
    return override


def _pending_override(actor: Actor, override_id: uuid.UUID | str) -> ColourOverride:
    override = override_get(actor=actor, override_id=override_id)
    override = ColourOverride.objects.select_for_update().get(pk=override.pk)
    if override.status != OverrideStatus.REQUESTED:
        raise HealthpassError(
            "override.already_decided", _("This override has already been decided."), status=409
        )
    return override


@transaction.atomic
def override_approve(*, actor: Actor, override_id: uuid.UUID | str, note: str = "") -> ColourOverride:
    """The second approver puts an override in force (never the official who requested it)."""
    override = _pending_override(actor, override_id)
    if override.requested_by_id == getattr(actor, "pk", None):
        raise HealthpassError(
            "override.same_approver",
            _("Another official must approve an override you requested."),
            status=403,
        )
    now = clock.now()
    ColourOverride.objects.filter(person_id=override.person_id, status=OverrideStatus.APPROVED).update(
        status=OverrideStatus.ENDED
    )
    override.status, override.decided_by, override.decided_at = OverrideStatus.APPROVED, actor, now  # type: ignore[assignment]
    override.decision_note = note.strip()[:256]
    override.save()
    audit_record(
        actor=actor,
        action="override.approve",
        obj=override,
        region_path=override.region_id,
        reason=override.decision_note,
    )
    colours_refresh(person_ids=[override.person_id], actor=actor)
    return override


@transaction.atomic
def override_reject(*, actor: Actor, override_id: uuid.UUID | str, note: str) -> ColourOverride:
    override = _pending_override(actor, override_id)
    override.status, override.decided_by, override.decided_at = OverrideStatus.REJECTED, actor, clock.now()  # type: ignore[assignment]
    override.decision_note = _reason_text(note, "note")[:256]
    override.save()
    audit_record(
        actor=actor,
        action="override.reject",
        obj=override,
        region_path=override.region_id,
        reason=override.decision_note,
    )
    return override


@transaction.atomic
def override_end(*, actor: Actor, override_id: uuid.UUID | str, note: str) -> ColourOverride:
    """End an override in force early: the rules decide the colour again."""
    override = override_get(actor=actor, override_id=override_id)
    override = ColourOverride.objects.select_for_update().get(pk=override.pk)
    if override.status != OverrideStatus.APPROVED:
        raise HealthpassError("override.not_in_force", _("This override is not in force."), status=409)
    override.status = OverrideStatus.ENDED
    override.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="override.end",
        obj=override,
        region_path=override.region_id,
        reason=_reason_text(note, "note"),
    )
    colours_refresh(person_ids=[override.person_id], actor=actor)
    return override


def appeal_file(*, actor: Actor, text: str) -> Appeal:
    """The resident objects to their colour; officials of their home area work the appeal."""
    person = resident_of(actor)
    text = _reason_text(text, "text")
    state = ColourState.objects.filter(person=person).first()
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                person=person,
                colour=state.colour if state else Colour.GREEN,
                text=text,
                region_id=person.home_region_id,
            )
            audit_record(actor=actor, action="appeal.file", obj=appeal, region_path=appeal.region_id)
    except IntegrityError:
        raise HealthpassError(
            "appeal.already_open", _("You already have an appeal being worked on."), status=409
        ) from None
    return appeal


@transaction.atomic
def appeal_decide(
    *,
    actor: Actor,
    appeal_id: uuid.UUID | str,
    uphold: bool,
    response: str,
    colour: str = Colour.GREEN,
    days: int = 14,
) -> Appeal:
    """Reject an appeal with a response, or uphold it: that requests an override for a second approver."""
    appeal = appeal_get(actor=actor, appeal_id=appeal_id)
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != AppealStatus.OPEN:
        raise HealthpassError(
            "appeal.already_decided", _("This appeal has already been decided."), status=409
        )
    appeal.response = _reason_text(response, "response")
    if uphold:
        override_request(
            actor=actor,
            person_id=appeal.person_id,
            colour=colour,
            reason=appeal.response,
            days=days,
            appeal=appeal,
        )
    appeal.status = AppealStatus.UPHELD if uphold else AppealStatus.REJECTED
    appeal.handled_by, appeal.handled_at = actor, clock.now()  # type: ignore[assignment]
    appeal.save()
    audit_record(
        actor=actor,
        action="appeal.decide",
        obj=appeal,
        region_path=appeal.region_id,
        reason=appeal.response,
        data={"uphold": uphold},
    )
    return appeal


# Scans at the defence lines -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ScanOutcome:
    scan: Scan
    created: bool
    masked_name: str
    expires_at: dt.datetime | None


def _gate(actor: Actor, place_id: Any) -> Place:
    try:
        place = Place.objects.get(pk=int(place_id))
    except (Place.DoesNotExist, ValueError, TypeError):
        raise place_not_found() from None
    if not covers(actor, SCAN, place.region_id):
        raise place_not_found()
    if place.kind not in GATE_KINDS or not place.active:
        raise HealthpassError(
            "scan.not_a_gate", _("Codes are checked only at active checkpoints and gates."), field="place_id"
        )
    return place


def scan_record(
    *,
    actor: Actor,
    scan_id: uuid.UUID,
    place_id: Any,
    token: str,
    temperature: Any,
    scanned_at: dt.datetime | None = None,
    offline_queued: bool = False,
) -> ScanOutcome:
    """Check a pass and a temperature at a gate: pass, or stop with the reason. A fever stop
    refers the resident to a fever clinic. The device's scan id makes a resend harmless."""
    require(actor, SCAN)
    place = _gate(actor, place_id)
    existing = Scan.objects.filter(pk=scan_id).first()
    if existing is not None:
        return _already_recorded(actor, existing, place)
    value = temperature_parse(temperature)
    now = clock.now()
    moment = scanned_at or now
    if timezone.is_naive(moment):
        raise HealthpassError(
            "scan.naive_time", _("Give the scan time with its time zone."), field="scanned_at"
        )
    skew = dt.timedelta(seconds=settings.FANGYI_PASS_SKEW_SECONDS)
    if moment > now + skew:
        raise HealthpassError(
            "scan.time_in_future",
            _("The scan time is in the future: check the device clock."),
            field="scanned_at",
        )
    if moment < now - dt.timedelta(days=settings.FANGYI_SCAN_RETENTION_DAYS):
        raise HealthpassError(
            "scan.too_old", _("This scan is older than scan records are kept."), field="scanned_at"
        )
    result = verifier_current().verify(token if isinstance(token, str) else "", moment.timestamp())
    claims = result.claims if result.ok else None
    threshold = rule_set_on(timezone.localtime(moment).date()).fever_threshold
    fever = value >= threshold
    if not result.ok:
        decision, reason = Decision.STOP, result.code
    elif claims is not None and claims.colour != Colour.GREEN:
        decision, reason = Decision.STOP, f"colour_{claims.colour}"
    elif fever:
        decision, reason = Decision.STOP, "fever"
    else:
        decision, reason = Decision.PASS, "ok"
    try:
        with transaction.atomic():
            scan = Scan.objects.create(
                id=scan_id,
                place=place,
                staff=cast(User, actor),
                scanned_at=moment,
                received_at=now,
                offline=offline_queued,
                subject=claims.subject if claims else "",
                colour=claims.colour if claims else "",
                verify_code=result.code,
                temperature=value,
                fever=fever,
                decision=decision,
                reason_code=reason,
            )
            if fever:
                scan.referral_id = _fever_referral(scan, place, value)
                if scan.referral_id:
                    scan.save(update_fields=["referral_id"])
            _tally(place, moment, decision, fever)
    except IntegrityError:
        # Another request recorded this scan id first; anything else that failed is not ours to hide.
        concurrent = Scan.objects.filter(pk=scan_id).first()
        if concurrent is None:
            raise
        return _already_recorded(actor, concurrent, place)
    return ScanOutcome(
        scan, True, claims.masked_name if claims else "", _utc(claims.expires_at) if claims else None
    )


def _utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _already_recorded(actor: Actor, scan: Scan, place: Place) -> ScanOutcome:
    if scan.place_id != place.pk or scan.staff_id != getattr(actor, "pk", None):
        raise HealthpassError(
            "scan.id_conflict", _("This scan id was already used for another scan."), status=409
        )
    return ScanOutcome(scan, False, "", None)


def _fever_referral(scan: Scan, place: Place, temperature: Decimal) -> uuid.UUID | None:
    if not scan.subject:
        return None
    state = ColourState.objects.filter(subject=scan.subject).only("person_id").first()
    if state is None:
        return None
    referral = referral_open(
        actor=None,
        person_id=state.person_id,
        source=ReferralSource.GATE,
        reason=str(_("Fever at %(place)s") % {"place": place.name}),
        temperature=temperature,
        place_id=place.pk,
    )
    return referral.pk


def _tally(place: Place, moment: dt.datetime, decision: str, fever: bool) -> None:
    day = timezone.localtime(moment).date()
    tally, _created = ScanTally.objects.get_or_create(
        place=place, date=day, defaults={"region_id": place.region_id}
    )
    ScanTally.objects.filter(pk=tally.pk).update(
        scans=F("scans") + 1,
        stops=F("stops") + (1 if decision == Decision.STOP else 0),
        fevers=F("fevers") + (1 if fever else 0),
    )


def scans_purge(*, now: dt.datetime | None = None) -> int:
    """Delete scan records older than the retention period; the daily tallies stay."""
    cutoff = (now or clock.now()) - dt.timedelta(days=settings.FANGYI_SCAN_RETENTION_DAYS)
    deleted, _counts = Scan.objects.filter(scanned_at__lt=cutoff).delete()
    return deleted
