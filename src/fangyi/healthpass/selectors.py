import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, scope_q
from fangyi.healthpass import offline, rules
from fangyi.healthpass.choices import GATE_KINDS, AppealStatus, Colour, OverrideStatus
from fangyi.healthpass.errors import HealthpassError, appeal_not_found, override_not_found
from fangyi.healthpass.models import (
    Appeal,
    ColourChange,
    ColourOverride,
    ColourRuleSet,
    ColourState,
    HealthDeclaration,
    Revocation,
    ScanTally,
    SigningKey,
)
from fangyi.labs.selectors import referral_history_by_person, results_by_person
from fangyi.people.errors import person_not_found
from fangyi.people.models import Person
from fangyi.quarantine.choices import ObservationStatus
from fangyi.quarantine.selectors import checkin_days_by_person, observation_by_person
from fangyi.regions.models import Place
from fangyi.surveillance.choices import Classification, Outcome
from fangyi.surveillance.selectors import cases_by_person

VIEW, MANAGE, SCAN = "healthpass.view", "healthpass.manage", "healthpass.scan"


def rule_set_on(day: dt.date) -> ColourRuleSet:
    """The rule set in force on `day` (the earliest one when `day` precedes them all)."""
    rule_set = ColourRuleSet.objects.filter(effective_from__lte=day).first()
    return (
        rule_set
        or ColourRuleSet.objects.order_by("effective_from").first()
        or ColourRuleSet(version="default")
    )


def rules_of(rule_set: ColourRuleSet) -> rules.Rules:
    return rules.Rules(
        version=rule_set.version,
        yellow_release_days=rule_set.yellow_release_days,
        red_release_days=rule_set.red_release_days,
        checkins_required=rule_set.checkins_required,
        negative_test_for_red=rule_set.negative_test_for_red,
    )


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


# Trigger sources: one function per owning app, each turning its records into triggers -----------


def _case_triggers(person_ids: list[str]) -> dict[str, list[rules.Trigger]]:
    triggers: dict[str, list[rules.Trigger]] = {}
    for person_id, cases in cases_by_person(person_ids).items():
        for case in cases:
            if case.classification == Classification.EXCLUDED:
                end, hold = case.excluded_date, False
            else:
                end, hold = case.outcome_date, case.outcome != Outcome.DIED
            triggers.setdefault(person_id, []).append(
                rules.Trigger(
                    reason="case",
                    colour=rules.RED,
                    start=case.report_date,
                    end=end,
                    hold=hold,
                    evidence={
                        "type": "case",
                        "id": str(case.pk),
                        "classification": case.classification,
                        "outcome": case.outcome,
                        "date": case.report_date.isoformat(),
                    },
                    params={"classification": case.classification, "date": case.report_date.isoformat()},
                )
            )
    return triggers


def _referral_triggers(person_ids: list[str]) -> dict[str, list[rules.Trigger]]:
    triggers: dict[str, list[rules.Trigger]] = {}
    for person_id, referrals in referral_history_by_person(person_ids).items():
        for referral in referrals:
            start = _local_date(referral.opened_at)
            triggers.setdefault(person_id, []).append(
                rules.Trigger(
                    reason="referral",
                    colour=rules.RED,
                    start=start,
                    end=_local_date(referral.closed_at) if referral.closed_at else None,
                    hold=False,
                    evidence={"type": "referral", "id": str(referral.pk), "status": referral.status},
                    params={"date": start.isoformat()},
                )
            )
    return triggers


def _observation_triggers(person_ids: list[str]) -> dict[str, list[rules.Trigger]]:
    """Yellow while under medical observation; a period entered in error never counted."""
    triggers: dict[str, list[rules.Trigger]] = {}
    for person_id, periods in observation_by_person(person_ids).items():
        for period in periods:
            if period.status == ObservationStatus.CANCELLED:
                continue
            triggers.setdefault(person_id, []).append(
                rules.Trigger(
                    reason="observation",
                    colour=rules.YELLOW,
                    start=period.starts_on,
                    end=period.ended_on,
                    hold=False,
                    evidence={"type": "observation", "id": str(period.pk), "kind": period.kind},
                    params={
                        "kind": period.kind,
                        "date": period.starts_on.isoformat(),
                        "due": period.due_on.isoformat(),
                    },
                )
            )
    return triggers


def _arrival_triggers(
    declarations: dict[str, list[HealthDeclaration]], window_days: int
) -> dict[str, list[rules.Trigger]]:
    triggers: dict[str, list[rules.Trigger]] = {}
    for person_id, rows in declarations.items():
        for row in rows:
            if not (row.high_risk_reason and row.arrival_date):
                continue
            end = row.arrival_date + dt.timedelta(days=window_days)
            if row.verified_at is not None:
                end = min(end, _local_date(row.verified_at))
            triggers.setdefault(person_id, []).append(
                rules.Trigger(
                    reason="arrival",
                    colour=rules.YELLOW,
                    start=row.arrival_date,
                    end=end,
                    hold=False,
                    evidence={"type": "declaration", "id": str(row.pk), "origin": row.origin},
                    params={"origin": row.origin, "date": row.arrival_date.isoformat()},
                )
            )
    return triggers


def person_facts(person_ids: Iterable[uuid.UUID | str], *, rule_set: ColourRuleSet) -> dict[str, rules.Facts]:
    """The facts the colour rules read, for each of these residents (a few queries for any number)."""
    ids = [str(pid) for pid in person_ids]
    declarations: dict[str, list[HealthDeclaration]] = {}
    for row in HealthDeclaration.objects.filter(person_id__in=ids).order_by("date"):
        declarations.setdefault(str(row.person_id), []).append(row)
    triggers: dict[str, list[rules.Trigger]] = {pid: [] for pid in ids}
    for source in (
        _case_triggers(ids),
        _referral_triggers(ids),
        _observation_triggers(ids),
        _arrival_triggers(declarations, rule_set.arrival_window_days),
    ):
        for person_id, found in source.items():
            triggers[person_id].extend(found)
    negative_tests: dict[str, set[dt.date]] = {}
    for person_id, results in results_by_person(ids).items():
        negative_tests[person_id] = {r.sampled_on for r in results if r.result == "negative"}
    overrides = {
        str(o.person_id): o
        for o in ColourOverride.objects.filter(
            person_id__in=ids, status=OverrideStatus.APPROVED, ends_at__gt=clock.now()
        ).order_by("decided_at")
    }
    observed_days = checkin_days_by_person(ids)
    facts = {}
    for person_id in ids:
        override = overrides.get(person_id)
        facts[person_id] = rules.Facts(
            triggers=tuple(triggers[person_id]),
            checkin_days=frozenset(row.date for row in declarations.get(person_id, ()))
            | frozenset(observed_days[person_id]),
            negative_test_days=frozenset(negative_tests.get(person_id, ())),
            override=rules.Override(
                colour=override.colour,
                reason=override.reason,
                ends=override.ends_at,
                evidence={"type": "override", "id": str(override.pk)},
            )
            if override
            else None,
        )
    return facts


# Scoped reads ---------------------------------------------------------------------------------


def colour_state_of(person: Person) -> ColourState | None:
    return ColourState.objects.filter(person=person).first()


def not_green(person_ids: Iterable[Any]) -> set[str]:
    """The ids (as text) of the residents whose recorded colour is yellow or red. A resident without
    a state has been green: a state is recorded once the rules give one."""
    return {
        str(pk)
        for pk in ColourState.objects.filter(person_id__in=[str(pk) for pk in person_ids])
        .exclude(colour=Colour.GREEN)
        .values_list("person_id", flat=True)
    }


def colour_changes_of(person: Person, limit: int = 50) -> list[ColourChange]:
    return list(ColourChange.objects.filter(person=person).select_related("actor")[:limit])


def colour_change_list(
    *, actor: Actor, region: str | None = None, colour: str | None = None
) -> QuerySet[ColourChange]:
    changes = ColourChange.objects.filter(scope_q(actor, VIEW, "region__code")).select_related(
        "person", "actor"
    )
    if region:
        changes = changes.filter(region__code__startswith=region)
    if colour:
        changes = changes.filter(to_colour=colour)
    return changes


def resident_get(*, actor: Actor, capability: str, person_id: uuid.UUID | str) -> Person:
    """A resident whose home lies where the actor holds `capability` (404 otherwise)."""
    try:
        return Person.objects.filter(scope_q(actor, capability, "home_region__code")).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, ValidationError):
        raise person_not_found() from None


def person_colour_get(*, actor: Actor, person_id: uuid.UUID | str) -> tuple[Person, ColourState | None]:
    """A resident whose home lies in the actor's jurisdiction, with their colour (404 otherwise)."""
    person = resident_get(actor=actor, capability=VIEW, person_id=person_id)
    return person, colour_state_of(person)


def declaration_on(person: Person, day: dt.date) -> HealthDeclaration | None:
    return HealthDeclaration.objects.filter(person=person, date=day).first()


def declarations_of(person: Person, limit: int = 14) -> list[HealthDeclaration]:
    return list(HealthDeclaration.objects.filter(person=person).order_by("-date")[:limit])


def open_appeal_of(person: Person) -> Appeal | None:
    return Appeal.objects.filter(person=person, status=AppealStatus.OPEN).first()


def appeal_list(*, actor: Actor, status: str | None = AppealStatus.OPEN) -> QuerySet[Appeal]:
    appeals = Appeal.objects.filter(scope_q(actor, MANAGE, "region__code")).select_related("person")
    return appeals.filter(status=status) if status else appeals


def appeal_get(*, actor: Actor, appeal_id: uuid.UUID | str) -> Appeal:
    appeal = appeal_list(actor=actor, status=None).filter(pk=appeal_id).first()
    if appeal is None:
        raise appeal_not_found()
    return appeal


def override_list(*, actor: Actor, status: str | None = OverrideStatus.REQUESTED) -> QuerySet[ColourOverride]:
    overrides = ColourOverride.objects.filter(scope_q(actor, MANAGE, "region__code")).select_related(
        "person", "requested_by", "decided_by"
    )
    return overrides.filter(status=status) if status else overrides


def override_get(*, actor: Actor, override_id: uuid.UUID | str) -> ColourOverride:
    override = override_list(actor=actor, status=None).filter(pk=override_id).first()
    if override is None:
        raise override_not_found()
    return override


def scan_stats(
    *, actor: Actor, start: dt.date, end: dt.date, place_id: int | None = None
) -> QuerySet[ScanTally]:
    """Scans, stops and fevers per place and day inside the actor's jurisdiction."""
    tallies = ScanTally.objects.filter(scope_q(actor, VIEW, "region__code"), date__gte=start, date__lte=end)
    if place_id is not None:
        tallies = tallies.filter(place_id=place_id)
    return tallies.select_related("place").order_by("-date", "place__name")


def scan_totals(tallies: QuerySet[ScanTally]) -> dict[str, Any]:
    return tallies.aggregate(scans=Sum("scans"), stops=Sum("stops"), fevers=Sum("fevers"))


# Keys, revocations and the server's verifier ------------------------------------------------------


def _retention() -> dt.timedelta:
    return dt.timedelta(hours=settings.FANGYI_PASS_TTL_HOURS, seconds=settings.FANGYI_PASS_SKEW_SECONDS)


def signing_keys_published() -> list[SigningKey]:
    """Keys a verifier needs: the signing one and those retired too recently for their passes to
    have expired."""
    cutoff = clock.now() - _retention()
    return list(SigningKey.objects.filter(Q(retired_at__isnull=True) | Q(retired_at__gt=cutoff)))


def published_keys() -> dict[bytes, ec.EllipticCurvePublicKey]:
    return {key.kid_bytes: key.public_key() for key in signing_keys_published()}


def keyset_document_current() -> dict[str, Any]:
    return offline.keyset_document(published_keys().items())


def revocations_delta(*, since: int = 0) -> dict[str, Any]:
    """Revocations after version `since`, dropping those whose passes have all expired. A client
    whose version predates the oldest kept entry gets the full list."""
    live = Revocation.objects.filter(revoked_before__gt=clock.now() - _retention())
    oldest = live.order_by("id").values_list("id", flat=True).first()
    latest = Revocation.objects.order_by("-id").values_list("id", flat=True).first() or 0
    full = since <= 0 or since > latest or (oldest is not None and since < oldest - 1)
    rows = live if full else live.filter(id__gt=since)
    entries: dict[str, int] = {}
    for subject, revoked_before in rows.values_list("subject", "revoked_before"):
        entries[subject] = max(entries.get(subject, 0), int(revoked_before.timestamp()))
    return {"version": latest, "full": full, "entries": [[s, t] for s, t in sorted(entries.items())]}


_verifier: dict[str, Any] = {"stamp": None, "verifier": None}


def verifier_current() -> offline.Verifier:
    """The server's verifier over the published keys and live revocations, rebuilt only when
    either changed (two indexed lookups per call)."""
    stamp = (
        SigningKey.objects.order_by("-id").values_list("id", "kid", "retired_at").first(),
        Revocation.objects.order_by("-id").values_list("id", "subject", "revoked_before").first(),
        clock.now().replace(minute=0, second=0, microsecond=0),
    )
    if _verifier["stamp"] != stamp:
        keys = published_keys()
        revocations = offline.Revocations()
        revocations.apply(revocations_delta(since=0))
        _verifier["verifier"] = offline.Verifier(
            keys, revocations, skew_seconds=settings.FANGYI_PASS_SKEW_SECONDS
        )
        _verifier["stamp"] = stamp
    verifier: offline.Verifier = _verifier["verifier"]
    return verifier


MAX_STATS_DAYS = 366


def stats_range(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """The days statistics cover: the last 14 by default, at most a year."""
    end = end or clock.today()
    start = start or end - dt.timedelta(days=13)
    if start > end:
        raise HealthpassError(
            "stats.dates_out_of_order", _("The start date cannot come after the end date."), field="start"
        )
    if (end - start).days >= MAX_STATS_DAYS:
        raise HealthpassError(
            "stats.range_too_long",
            _("Ask for at most %(days)s days at a time."),
            field="start",
            days=MAX_STATS_DAYS,
        )
    return start, end


def gate_list(*, actor: Actor) -> QuerySet[Place]:
    """Active checkpoints and gates where the actor may check codes."""
    return (
        Place.objects.filter(scope_q(actor, SCAN, "region__code"), kind__in=GATE_KINDS, active=True)
        .select_related("region")
        .order_by("region_id", "name")
    )
