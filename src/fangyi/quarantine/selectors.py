"""Reads of close contacts, observation periods, check-ins, alerts and sites.

Scoped reads are narrowed to the actor's jurisdiction by the resident's home (contacts,
observation) or the site's region. The `*_by_person` reads are unscoped system reads for rules
computed over residents (the health code's colours).
"""

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case as DbCase
from django.db.models import Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, scope_q
from fangyi.core.validators import mask_name
from fangyi.people.models import Person
from fangyi.quarantine.choices import AlertKind, ObservationKind, ObservationStatus
from fangyi.quarantine.errors import (
    cluster_not_found,
    contact_not_found,
    invalid,
    not_a_resident,
    observation_not_found,
    site_not_found,
)
from fangyi.quarantine.models import Alert, CheckIn, Contact, ObservationPeriod, Protocol, Site
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_get, region_path
from fangyi.surveillance.errors import case_not_found
from fangyi.surveillance.models import Case as DiseaseCase

VIEW = "quarantine.view"
MANAGE = "quarantine.manage"
CHECKIN = "quarantine.checkin"
TRACE = "quarantine.trace"
OWN_CHECKIN = "quarantine.own_checkin"


# System reads ---------------------------------------------------------------------------------
# Unscoped: for services that checked their own caller, and for rules computed over residents
# (the health code's colours, the daily report).

BATCH = 500  # ids per query: well under SQLite's limit on query parameters


def protocol_on(day: dt.date) -> Protocol:
    """The protocol edition in force on `day` (the earliest one when `day` precedes them all)."""
    protocol = Protocol.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    protocol = protocol or Protocol.objects.order_by("effective_from").first()
    if protocol is None:  # the 2020 edition is created by a migration
        raise Protocol.DoesNotExist("no protocol edition")
    return protocol


def _ids(person_ids: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(str(uuid.UUID(str(person_id))) for person_id in person_ids))


def observation_by_person(person_ids: Iterable[Any]) -> dict[str, list[ObservationPeriod]]:
    """Every observation period of each resident, oldest first, keyed by every id asked for."""
    ids = _ids(person_ids)
    found: dict[str, list[ObservationPeriod]] = {person_id: [] for person_id in ids}
    for start in range(0, len(ids), BATCH):
        rows = ObservationPeriod.objects.filter(person_id__in=ids[start : start + BATCH])
        for period in rows.order_by("starts_on", "created_at"):
            found[str(period.person_id)].append(period)
    return found


def checkin_days_by_person(person_ids: Iterable[Any]) -> dict[str, set[dt.date]]:
    """The days on which each resident checked in while under observation, keyed by every id."""
    ids = _ids(person_ids)
    found: dict[str, set[dt.date]] = {person_id: set() for person_id in ids}
    for start in range(0, len(ids), BATCH):
        rows = CheckIn.objects.filter(period__person_id__in=ids[start : start + BATCH])
        for person_id, day in rows.order_by().values_list("period__person_id", "date").distinct():
            found[str(person_id)].add(day)
    return found


def checkin_own_period(person: Person) -> ObservationPeriod | None:
    """The resident's active observation period (None when they are not under observation)."""
    return (
        ObservationPeriod.objects.filter(person=person, status=ObservationStatus.ACTIVE)
        .select_related("site", "protocol")
        .first()
    )


def _active_on(day: dt.date) -> Q:
    """Periods under way on `day`: started, not yet ended (periods entered in error never count)."""
    return (
        Q(starts_on__lte=day)
        & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        & ~Q(status=ObservationStatus.CANCELLED)
    )


def under_observation_count(region_path: str, day: dt.date) -> int:
    """Residents of the region under observation on `day`: the daily report's figure."""
    return (
        ObservationPeriod.objects.filter(region__code__startswith=region_path).filter(_active_on(day)).count()
    )


def summary(region_path: str, day: dt.date) -> dict[str, Any]:
    """Observation figures of a region on `day`: residents under observation (all and by kind),
    released that day, missed check-ins still open, and fevers reported that day."""
    periods = ObservationPeriod.objects.filter(region__code__startswith=region_path)
    by_kind = dict.fromkeys(ObservationKind.values, 0)
    for kind, count in periods.filter(_active_on(day)).order_by().values_list("kind").annotate(n=Count("id")):
        by_kind[kind] = count
    alerts = Alert.objects.filter(period__region__code__startswith=region_path, date__lte=day)
    return {
        "under_observation": sum(by_kind.values()),
        "released": periods.filter(status=ObservationStatus.RELEASED, ended_on=day).count(),
        "overdue_checkins": alerts.filter(kind=AlertKind.MISSED_CHECKIN, resolved_at__isnull=True).count(),
        "fever_alerts": alerts.filter(kind=AlertKind.FEVER, date=day).count(),
        "by_kind": by_kind,
    }


# Scoped reads ---------------------------------------------------------------------------------
# Narrowed to the actor's jurisdiction: observation, alerts and contacts by the resident's home
# (a contact also by the county of its case, which traced it), sites by their region.

CASES_VIEW = "cases.view"
GRAPH_MAX_NODES = 400  # a force layout stays readable (and fast in a phone's browser) below this
GRAPH_MAX_DEPTH = 8  # generations of a transmission chain followed from the chosen cases


def _region_inside(actor: Actor, code: str) -> Region:
    """A region of the actor's jurisdiction (an official or path code); any other is not found."""
    region = region_get(code=code)
    if not covers(actor, VIEW, region.code):
        raise region_not_found()
    return region


def observation_summary(
    *, actor: Actor, region: str, day: dt.date | None = None
) -> tuple[Region, dict[str, Any]]:
    """The observation figures of a region inside the actor's jurisdiction on `day` (today)."""
    require(actor, VIEW)
    place = _region_inside(actor, region)
    return place, summary(place.code, day or clock.today())


def observation_list(
    *, actor: Actor, status: str | None = None, kind: str | None = None, region: str | None = None
) -> QuerySet[ObservationPeriod]:
    """Observation periods of residents of the actor's jurisdiction: active ones first, the
    soonest due first; then ended ones, the last ended first."""
    require(actor, VIEW)
    periods = ObservationPeriod.objects.filter(scope_q(actor, VIEW, "region__code"))
    if status:
        if status not in ObservationStatus.values:
            raise invalid(
                "observation.invalid_status_filter",
                _("The status is active, released, to_treatment or cancelled."),
                "status",
            )
        periods = periods.filter(status=status)
    if kind:
        if kind not in ObservationKind.values:
            raise invalid(
                "observation.invalid_kind_filter", _("The kind is home, centralised or monitoring."), "kind"
            )
        periods = periods.filter(kind=kind)
    if region:
        periods = periods.filter(region__code__startswith=region_path(region))
    ended = DbCase(
        When(status=ObservationStatus.ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return periods.select_related("person", "region", "site", "protocol").order_by(
        ended, "due_on", F("ended_on").desc(nulls_last=True), "id"
    )


def observation_get(*, actor: Actor, period_id: Any) -> ObservationPeriod:
    """An observation period of the actor's jurisdiction with its check-ins (latest first) and
    alerts; any other is not found."""
    try:
        return (
            observation_list(actor=actor)
            .prefetch_related(
                Prefetch(
                    "checkins", CheckIn.objects.order_by("-date", "-slot").select_related("recorded_by")
                ),
                Prefetch("alerts", Alert.objects.order_by("-date", "-slot", "-id")),
            )
            .get(pk=period_id)
        )
    except (ObservationPeriod.DoesNotExist, ValidationError, ValueError, TypeError):
        raise observation_not_found() from None


def own_observation(*, actor: Actor) -> tuple[Person, ObservationPeriod | None]:
    """The signed-in resident and their active observation period with its check-ins (latest
    first; None when not under observation). A login linked to no resident is refused (403)."""
    person = Person.objects.filter(user_id=actor.pk).first() if actor.pk is not None else None
    if person is None:
        raise not_a_resident()
    require(actor, OWN_CHECKIN)
    period = checkin_own_period(person)
    if period is not None:
        period.recent_checkins = list(period.checkins.order_by("-date", "-slot"))  # type: ignore[attr-defined]
    return person, period


def alert_list(*, actor: Actor, open_only: bool = True) -> QuerySet[Alert]:
    """Alerts of residents of the actor's jurisdiction: open ones first, the oldest first; then
    resolved ones, the last resolved first."""
    require(actor, VIEW)
    alerts = Alert.objects.filter(scope_q(actor, VIEW, "period__region__code"))
    if open_only:
        alerts = alerts.filter(resolved_at__isnull=True)
    return alerts.select_related("period__person", "period__region", "resolved_by").order_by(
        F("resolved_at").desc(nulls_first=True), "date", "slot", "id"
    )


def site_list(*, actor: Actor) -> QuerySet[Site]:
    """Observation sites in the actor's jurisdiction with `occupied`: residents there now."""
    require(actor, VIEW)
    return (
        Site.objects.filter(scope_q(actor, VIEW, "region__code"))
        .select_related("region")
        .annotate(occupied=Count("periods", filter=Q(periods__status=ObservationStatus.ACTIVE)))
        .order_by("-active", "region_id", "name", "id")
    )


def site_get(*, actor: Actor, site_id: Any) -> Site:
    try:
        return site_list(actor=actor).get(pk=site_id)
    except (Site.DoesNotExist, ValidationError, ValueError, TypeError):
        raise site_not_found() from None


def _contact_scope(actor: Actor) -> Q:
    return scope_q(actor, VIEW, "region__code") | scope_q(actor, VIEW, "case__county__code")


def contact_list(*, actor: Actor, case_id: Any = None) -> QuerySet[Contact]:
    """Close contacts living in the actor's jurisdiction or traced from a case of it, primary
    contacts before secondary ones, the latest registered first."""
    require(actor, VIEW)
    contacts = Contact.objects.filter(_contact_scope(actor))
    if case_id is not None:
        try:
            contacts = contacts.filter(case_id=uuid.UUID(str(case_id)))
        except ValueError:
            return contacts.none()
    return contacts.select_related("person", "region", "case", "via__person").order_by(
        "degree", "-registered_at", "id"
    )


def contact_get(*, actor: Actor, contact_id: Any) -> Contact:
    try:
        return contact_list(actor=actor).get(pk=contact_id)
    except (Contact.DoesNotExist, ValidationError, ValueError, TypeError):
        raise contact_not_found() from None


@dataclasses.dataclass
class TransmissionGraph:
    """Cases and close contacts as nodes, exposures as edges (case → contact, contact →
    secondary contact). A contact who became a case is that case's node, so chains show."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    truncated: bool


def _batched(ids: Iterable[Any]) -> Iterator[list[Any]]:
    ids = list(ids)
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def transmission_graph(
    *, actor: Actor, case_id: Any = None, cluster_id: int | None = None, region: str | None = None
) -> TransmissionGraph:
    """The transmission chains through the chosen cases (one case, a cluster's cases, the cases
    and contacts of a region, or every traced or clustered case of the jurisdiction), followed
    both ways through contacts who became cases, within what the actor may see."""
    require(actor, VIEW)
    cases = DiseaseCase.objects.filter(
        scope_q(actor, VIEW, "county__code") | scope_q(actor, CASES_VIEW, "residence__code")
    )
    contacts = Contact.objects.filter(_contact_scope(actor))
    if case_id is not None:
        try:
            seeds = list(cases.filter(pk=uuid.UUID(str(case_id))).values_list("pk", flat=True))
        except ValueError:
            seeds = []
        if not seeds:
            raise case_not_found()
    elif cluster_id is not None:
        seeds = list(
            cases.filter(cluster_id=cluster_id).order_by("-report_date").values_list("pk", flat=True)
        )
        if not seeds:
            raise cluster_not_found()
    else:
        if region is not None:
            path = _region_inside(actor, region).code
            chosen = cases.filter(Q(county__code__startswith=path) | Q(residence__code__startswith=path))
            traced = contacts.filter(region__code__startswith=path).values("case_id")
        else:
            chosen, traced = cases.filter(cluster__isnull=False), contacts.values("case_id")
        latest = (chosen | cases.filter(pk__in=traced)).order_by("-report_date", "-created_at")
        seeds = list(latest.values_list("pk", flat=True)[: GRAPH_MAX_NODES + 1])

    truncated = len(seeds) > GRAPH_MAX_NODES
    found: set[uuid.UUID] = set()
    exposures: dict[uuid.UUID, Contact] = {}
    frontier = set(seeds[:GRAPH_MAX_NODES])  # the latest cases when there are too many
    for _generation in range(GRAPH_MAX_DEPTH):
        if not frontier or len(found) + len(exposures) > GRAPH_MAX_NODES:
            break
        found |= frontier
        reached: set[Any] = set()
        for ids in _batched(frontier):
            for contact in contacts.filter(case_id__in=ids).select_related("person", "via"):
                exposures[contact.pk] = contact
                reached.add(contact.person_id)
        # Contacts who became cases, and the cases these cases were contacts of.
        down = set(cases.filter(person_id__in=reached).values_list("pk", flat=True))
        persons = cases.filter(pk__in=frontier).values("person_id")
        up = set(contacts.filter(person_id__in=persons).values_list("case_id", flat=True))
        frontier = (down | up) - found
    truncated = truncated or bool(frontier)

    case_rows = list(
        DiseaseCase.objects.filter(pk__in=found)
        .select_related("person", "cluster")
        .order_by("report_date", "created_at", "pk")
    )
    case_of_person = {case.person_id: case for case in case_rows}  # the latest case of a person

    def node_of(person_id: Any) -> str:
        case = case_of_person.get(person_id)
        return f"case:{case.pk}" if case is not None else f"contact:{person_id}"

    nodes: dict[str, dict[str, Any]] = {}
    for case in case_rows:
        nodes[f"case:{case.pk}"] = {
            "id": f"case:{case.pk}",
            "kind": "case",
            "label": mask_name(case.person.name),
            "classification": case.classification,
            "degree": None,
            "cluster_id": case.cluster_id,
            "cluster_name": case.cluster.name if case.cluster else None,
        }
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    ordered = sorted(exposures.values(), key=lambda c: (c.degree, c.registered_at, str(c.pk)))
    for contact in ordered:
        target = node_of(contact.person_id)
        if target.startswith("contact:"):
            node = nodes.setdefault(
                target,
                {
                    "id": target,
                    "kind": "contact",
                    "label": mask_name(contact.person.name),
                    "classification": None,
                    "degree": contact.degree,
                    "cluster_id": None,
                    "cluster_name": None,
                },
            )
            node["degree"] = min(node["degree"], contact.degree)
        via = contact.via
        source = (
            node_of(via.person_id) if via is not None and via.pk in exposures else f"case:{contact.case_id}"
        )
        if source != target and (source, target) not in edges:
            edges[(source, target)] = {
                "source": source,
                "target": target,
                "contact_type": contact.contact_type,
                "contact_type_label": str(contact.get_contact_type_display()),
            }
    return TransmissionGraph(nodes=list(nodes.values()), edges=list(edges.values()), truncated=truncated)
