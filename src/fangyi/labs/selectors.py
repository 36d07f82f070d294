"""Reads of fever referrals and laboratory results.

The `*_list`/`*_get` selectors are narrowed to the actor's jurisdiction by the referral's county
(the county that follows it up) or the result's county (the resident's home). The `*_by_person`
reads are unscoped system reads for rules computed over residents (the health code's colours).
"""

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from fangyi.core.access import Actor, require, scope_q
from fangyi.core.errors import PermissionDenied
from fangyi.labs.choices import ReferralStatus
from fangyi.labs.errors import referral_invalid, referral_not_found
from fangyi.labs.models import Referral, TestResult
from fangyi.regions.selectors import region_path

REFERRALS = "labs.referrals"
RESULTS = "labs.results"
BATCH = 500  # ids per query: well under SQLite's limit on query parameters


def referral_list(
    *, actor: Actor, status: str | None = None, county: str | None = None
) -> QuerySet[Referral]:
    """Referrals followed up in the actor's jurisdiction: open ones first, longest waiting first;
    then the closed ones, last closed first."""
    require(actor, REFERRALS)
    referrals = Referral.objects.filter(scope_q(actor, REFERRALS, "county__code"))
    if status:
        if status not in ReferralStatus.values:
            raise referral_invalid(
                "invalid_status_filter",
                _("The status is open, cleared or reported as a suspected case."),
                "status",
            )
        referrals = referrals.filter(status=status)
    if county:
        path = region_path(county)
        if len(path) > 6:
            raise referral_invalid(
                "region_too_fine", _("Filter by a county, a prefecture or the province."), "county"
            )
        referrals = referrals.filter(county__code__startswith=path)
    waiting = Case(
        When(status=ReferralStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return referrals.select_related("person", "place", "county").order_by(
        waiting,
        Case(When(status=ReferralStatus.OPEN, then=F("opened_at"))).asc(),
        F("closed_at").desc(nulls_last=True),
        "id",
    )


def referral_get(*, actor: Actor, referral_id: Any) -> Referral:
    """A referral followed up in the actor's jurisdiction; any other is not found."""
    try:
        return referral_list(actor=actor).select_related("opened_by", "closed_by").get(pk=referral_id)
    except (Referral.DoesNotExist, ValidationError, ValueError, TypeError):
        raise referral_not_found() from None


def result_list(*, actor: Actor, person_id: Any = None) -> QuerySet[TestResult]:
    """Results of residents of the actor's jurisdiction (labs and clinics, and the officials who
    follow referrals up), latest sample first."""
    if actor is None or not (actor.prefixes_for(RESULTS) or actor.prefixes_for(REFERRALS)):
        raise PermissionDenied()
    results = TestResult.objects.filter(
        scope_q(actor, RESULTS, "county__code") | scope_q(actor, REFERRALS, "county__code")
    )
    if person_id is not None:
        try:
            results = results.filter(person_id=uuid.UUID(str(person_id)))
        except ValueError:
            return results.none()
    return results.select_related("person", "county").order_by("-sampled_on", "-reported_at", "-id")


# Unscoped system reads ---------------------------------------------------------------------------


def _by_person(rows: QuerySet[Any], person_ids: Iterable[Any]) -> dict[str, list[Any]]:
    """`rows` of each resident, keyed by every id asked for (no row: an empty list), in batches."""
    ids = list(dict.fromkeys(str(uuid.UUID(str(person_id))) for person_id in person_ids))
    found: dict[str, list[Any]] = {person_id: [] for person_id in ids}
    for start in range(0, len(ids), BATCH):
        for row in rows.filter(person_id__in=ids[start : start + BATCH]):
            found[str(row.person_id)].append(row)
    return found


def open_referrals_by_person(person_ids: Iterable[Any]) -> dict[str, list[Referral]]:
    """Each resident's open referral (a list of at most one), keyed by every id asked for."""
    return _by_person(Referral.objects.filter(status=ReferralStatus.OPEN).order_by("opened_at"), person_ids)


def referral_history_by_person(person_ids: Iterable[Any]) -> dict[str, list[Referral]]:
    """Every referral of each resident, oldest first, keyed by every id asked for."""
    return _by_person(Referral.objects.order_by("opened_at", "id"), person_ids)


def results_by_person(person_ids: Iterable[Any]) -> dict[str, list[TestResult]]:
    """Every result of each resident, oldest sample first, keyed by every id asked for."""
    return _by_person(TestResult.objects.order_by("sampled_on", "reported_at", "id"), person_ids)
