"""Every read of enterprise resumption, narrowed to what the actor may see.

Officials read by jurisdiction (resumption.view), liaisons the enterprises they are stationed at
(an active assignment at the enterprise or at its park), employers the enterprises whose accounts
include their login. `enterprise_for_action` decides who may act for an enterprise, for every
service that writes on its behalf.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, scope_q
from fangyi.core.errors import PermissionDenied
from fangyi.core.selectors import row_by_key
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_path
from fangyi.resumption.choices import (
    ApplicationStatus,
    Industry,
    PlanItem,
    ResumptionStatus,
    TicketStatus,
)
from fangyi.resumption.errors import (
    application_not_found,
    enterprise_not_found,
    liaison_not_assigned,
    park_not_found,
)
from fangyi.resumption.models import (
    Enterprise,
    HealthReport,
    LiaisonAssignment,
    Park,
    PreventionPlan,
    ProblemTicket,
    ResumptionApplication,
    ResumptionDay,
)

VIEW = "resumption.view"
MANAGE = "resumption.manage"
LIAISE = "resumption.liaise"
ACCOUNT = "resumption.enterprise"
RESUMED = (ResumptionStatus.PARTLY, ResumptionStatus.FULLY)
SOLVED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


# Who may see and act for an enterprise ----------------------------------------------------------


def _active_assignments(actor: Actor) -> QuerySet[LiaisonAssignment]:
    return LiaisonAssignment.objects.filter(liaison_id=actor.pk, ended_at__isnull=True)


def liaison_enterprises(*, actor: Actor) -> QuerySet[Enterprise]:
    """The enterprises a liaison serves: stationed at them, or in the group of their park."""
    if actor is None or not actor.prefixes_for(LIAISE):
        return Enterprise.objects.none()
    assignments = _active_assignments(actor)
    return (
        Enterprise.objects.filter(scope_q(actor, LIAISE, "region__code"))
        .filter(
            Q(pk__in=assignments.filter(enterprise__isnull=False).values("enterprise_id"))
            | Q(park_id__in=assignments.filter(park__isnull=False).values("park_id"))
        )
        .select_related("region", "park")
    )


def account_enterprises(*, actor: Actor) -> QuerySet[Enterprise]:
    """The enterprises whose accounts include the actor's login (employers)."""
    if actor is None or not actor.prefixes_for(ACCOUNT):
        return Enterprise.objects.none()
    return Enterprise.objects.filter(accounts=actor.pk).select_related("region", "park")


def enterprises_visible(*, actor: Actor) -> QuerySet[Enterprise]:
    """Every enterprise the actor may read, whichever role lets them."""
    condition = scope_q(actor, VIEW, "region__code")
    if actor is not None and actor.prefixes_for(LIAISE):
        condition |= Q(pk__in=liaison_enterprises(actor=actor).values("pk"))
    if actor is not None and actor.prefixes_for(ACCOUNT):
        condition |= Q(pk__in=account_enterprises(actor=actor).values("pk"))
    return Enterprise.objects.filter(condition).select_related("region", "park")


def is_stationed(actor: Actor, enterprise: Enterprise) -> bool:
    """Is the actor a liaison with an active assignment at the enterprise or at its park?"""
    if actor is None or not covers(actor, LIAISE, enterprise.region_id):
        return False
    at_park = Q(park_id=enterprise.park_id) if enterprise.park_id else Q(pk__in=[])
    return _active_assignments(actor).filter(Q(enterprise_id=enterprise.pk) | at_park).exists()


def is_account(actor: Actor, enterprise: Enterprise) -> bool:
    return (
        actor is not None
        and bool(actor.prefixes_for(ACCOUNT))
        and enterprise.accounts.filter(pk=actor.pk).exists()
    )


def enterprise_for_action(
    *,
    actor: Actor,
    enterprise_id: Any,
    account: bool = True,
    liaison: bool = True,
    manage: bool = False,
    rows: QuerySet[Enterprise] | None = None,
) -> Enterprise:
    """The enterprise the actor acts for: as one of its accounts (`account`), as a liaison stationed
    there (`liaison`), or as an official holding resumption.manage over it (`manage`).

    A liaison writing for an enterprise of their region they are not stationed at is refused
    (403 liaison.not_assigned); an official who may only read it gets 403; anything the actor
    cannot see at all is 404, exactly like an enterprise that does not exist.
    `rows` narrows or locks the lookup (e.g. `select_for_update()`).
    """
    enterprise = row_by_key(rows if rows is not None else Enterprise.objects.all(), enterprise_id)
    if enterprise is None:
        raise enterprise_not_found()
    if account and is_account(actor, enterprise):
        return enterprise
    if liaison and is_stationed(actor, enterprise):
        return enterprise
    if manage and covers(actor, MANAGE, enterprise.region_id):
        return enterprise
    if covers(actor, LIAISE, enterprise.region_id) and not is_stationed(actor, enterprise):
        raise liaison_not_assigned()
    if enterprises_visible(actor=actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied()
    raise enterprise_not_found()


# Enterprises and parks --------------------------------------------------------------------------


def enterprise_list(
    *,
    actor: Actor,
    region: str | None = None,
    industry: str | None = None,
    status: str | None = None,
    q: str | None = None,
    key_project: bool | None = None,
    large_scale: bool | None = None,
    park_id: int | None = None,
) -> QuerySet[Enterprise]:
    enterprises = enterprises_visible(actor=actor)
    if region:
        enterprises = enterprises.filter(region__code__startswith=region_path(region))
    if industry:
        enterprises = enterprises.filter(industry=industry)
    if status:
        enterprises = enterprises.filter(status=status)
    if q and q.strip():
        text = q.strip()
        enterprises = enterprises.filter(Q(name__contains=text) | Q(credit_code=text.upper()))
    if key_project is not None:
        enterprises = enterprises.filter(key_project=key_project)
    if large_scale is not None:
        enterprises = enterprises.filter(large_scale=large_scale)
    if park_id is not None:
        enterprises = enterprises.filter(park_id=park_id)
    return enterprises.order_by("region_id", "name", "pk")


def enterprise_get(*, actor: Actor, enterprise_id: Any) -> Enterprise:
    enterprise = row_by_key(enterprises_visible(actor=actor), enterprise_id)
    if enterprise is None:
        raise enterprise_not_found()
    return enterprise


def park_list(*, actor: Actor, region: str | None = None) -> QuerySet[Any]:
    """Parks with `enterprise_count` and `liaison_count` (its active liaison group)."""
    require(actor, VIEW)
    parks = Park.objects.filter(scope_q(actor, VIEW, "region__code"))
    if region:
        parks = parks.filter(region__code__startswith=region_path(region))
    return parks.select_related("region").annotate(
        enterprise_count=Count("enterprises", distinct=True),
        liaison_count=Count("liaisons", filter=Q(liaisons__ended_at__isnull=True), distinct=True),
    )


def park_get(*, actor: Actor, park_id: Any, capability: str = VIEW) -> Park:
    park = row_by_key(Park.objects.filter(scope_q(actor, capability, "region__code")), park_id)
    if park is None:
        raise park_not_found()
    return park


def liaison_assignments(*, enterprise: Enterprise) -> QuerySet[LiaisonAssignment]:
    """The liaisons serving an enterprise now: its own and its park's group."""
    at_park = Q(park_id=enterprise.park_id) if enterprise.park_id else Q(pk__in=[])
    return (
        LiaisonAssignment.objects.filter(ended_at__isnull=True)
        .filter(Q(enterprise_id=enterprise.pk) | at_park)
        .select_related("liaison", "park")
        .order_by("assigned_at", "pk")
    )


def enterprise_liaison_gaps(*, actor: Actor, region: str | None = None) -> QuerySet[Enterprise]:
    """Large-scale enterprises in the actor's jurisdiction with no liaison (own or park's)."""
    require(actor, VIEW)
    active = LiaisonAssignment.objects.filter(ended_at__isnull=True)
    enterprises = Enterprise.objects.filter(scope_q(actor, VIEW, "region__code"), large_scale=True).exclude(
        Q(pk__in=active.filter(enterprise__isnull=False).values("enterprise_id"))
        | Q(park_id__in=active.filter(park__isnull=False).values("park_id"))
    )
    if region:
        enterprises = enterprises.filter(region__code__startswith=region_path(region))
    return enterprises.select_related("region").order_by("region_id", "name")


def park_liaison_gaps(*, actor: Actor, region: str | None = None) -> QuerySet[Park]:
    """Parks whose liaison group is smaller than FANGYI_PARK_LIAISON_GROUP (understaffed)."""
    return park_list(actor=actor, region=region).filter(liaison_count__lt=settings.FANGYI_PARK_LIAISON_GROUP)


# Plans, reports, applications -------------------------------------------------------------------


def plan_of(enterprise: Enterprise) -> PreventionPlan | None:
    return PreventionPlan.objects.filter(enterprise=enterprise).select_related("checked_by").first()


def plan_missing(plan: PreventionPlan | None) -> list[str]:
    """The PlanItem values the plan does not have yet, in the checklist's order."""
    have = set(plan.items) if plan is not None else set()
    return [item for item in PlanItem.values if item not in have]


def plan_checked(plan: PreventionPlan | None) -> bool:
    """Complete, and checked by a liaison after its last update."""
    return (
        plan is not None
        and not plan_missing(plan)
        and plan.checked_at is not None
        and plan.checked_at >= plan.updated_at
    )


def health_report_list(
    *, actor: Actor, enterprise_id: Any, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[HealthReport]:
    enterprise = enterprise_get(actor=actor, enterprise_id=enterprise_id)
    reports = HealthReport.objects.filter(enterprise=enterprise)
    if start:
        reports = reports.filter(date__gte=start)
    if end:
        reports = reports.filter(date__lte=end)
    return reports.order_by("-date")


def application_list(
    *, actor: Actor, status: str | None = None, enterprise_id: Any = None
) -> QuerySet[ResumptionApplication]:
    applications = ResumptionApplication.objects.filter(
        enterprise__in=enterprises_visible(actor=actor).values("pk")
    )
    if status:
        applications = applications.filter(status=status)
    if enterprise_id is not None:
        applications = applications.filter(enterprise_id=enterprise_id)
    return applications.select_related("enterprise", "enterprise__region", "decided_by").order_by(
        "-submitted_at", "-pk"
    )


def application_get(*, actor: Actor, application_id: Any) -> ResumptionApplication:
    application = row_by_key(application_list(actor=actor), application_id)
    if application is None:
        raise application_not_found()
    return application


def has_approved_application(enterprise: Enterprise) -> bool:
    return ResumptionApplication.objects.filter(
        enterprise=enterprise, status=ApplicationStatus.APPROVED
    ).exists()


# Statistics -------------------------------------------------------------------------------------


@dataclass
class Tally:
    enterprises: int = 0
    resumed: int = 0
    workforce: int = 0
    returned: int = 0

    def add(self, status: str, workforce: int, returned: int, sign: int = 1) -> None:
        self.enterprises += sign
        self.resumed += sign * (status in RESUMED)
        self.workforce += sign * workforce
        self.returned += sign * returned

    def as_dict(self) -> dict[str, Any]:
        return {
            "enterprises": self.enterprises,
            "resumed": self.resumed,
            "resumption_rate": _rate(self.resumed, self.enterprises),
            "workforce": self.workforce,
            "returned": self.returned,
            "staff_return_rate": _rate(self.returned, self.workforce),
        }


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def stats_region(*, actor: Actor, region: str) -> Region:
    """A region inside the actor's jurisdiction for resumption statistics (404 otherwise)."""
    require(actor, VIEW)
    path = region_path(region)
    found = Region.objects.filter(code=path).first()
    if found is None or not covers(actor, VIEW, path):
        raise region_not_found()
    return found


def _enterprises_in(actor: Actor, region: Region) -> QuerySet[Enterprise]:
    return Enterprise.objects.filter(scope_q(actor, VIEW, "region__code")).filter(
        region__code__startswith=region.code
    )


def _states_on(enterprises: QuerySet[Enterprise], date: dt.date) -> QuerySet[Any]:
    """Each enterprise annotated with its state on `date`: its latest ResumptionDay on or before it
    (day_status None when it has none)."""
    latest = ResumptionDay.objects.filter(enterprise=OuterRef("pk"), date__lte=date).order_by("-date")
    return enterprises.annotate(
        day_status=Subquery(latest.values("status")[:1]),
        day_workforce=Subquery(latest.values("workforce")[:1], output_field=IntegerField()),
        day_returned=Subquery(latest.values("returned")[:1], output_field=IntegerField()),
    )


def _state(row: dict[str, Any]) -> tuple[str, int, int]:
    if row["day_status"] is None:
        return ResumptionStatus.NOT_RESUMED, row["workforce"], 0
    return row["day_status"], row["day_workforce"], row["day_returned"]


def resumption_stats(
    *, actor: Actor, region: str, date: dt.date | None = None, group_by: str | None = None
) -> dict[str, Any]:
    """Resumption and staff return in `region` on `date` (today by default), in total and, with
    `group_by` ("industry" or "region"), per industry or per child region."""
    found = stats_region(actor=actor, region=region)
    day = date or clock.today()
    total = Tally()
    groups: dict[str, Tally] = defaultdict(Tally)
    child_length = {2: 4, 4: 6, 6: 9, 9: 12}.get(len(found.code), len(found.code))
    rows = _states_on(_enterprises_in(actor, found), day).values(
        "industry", "region_id", "workforce", "day_status", "day_workforce", "day_returned"
    )
    for row in rows:
        state = _state(row)
        total.add(*state)
        if group_by == "industry":
            groups[row["industry"]].add(*state)
        elif group_by == "region":
            groups[row["region_id"][:child_length]].add(*state)
    result: dict[str, Any] = {"region": found, "date": day, **total.as_dict()}
    if group_by == "industry":
        labels = dict(Industry.choices)
        result["groups"] = [
            {"key": key, "name": str(labels[key]), **groups[key].as_dict()}
            for key in Industry.values
            if key in groups
        ]
    elif group_by == "region":
        names = dict(Region.objects.filter(code__in=list(groups)).values_list("code", "name"))
        result["groups"] = [
            {"key": key, "name": names.get(key, key), **groups[key].as_dict()} for key in sorted(groups)
        ]
    return result


MAX_CURVE_DAYS = 366


def first_reopening(*, actor: Actor, region: str) -> dt.date | None:
    """The first day an enterprise of the region reported its state: where its curve starts."""
    found = stats_region(actor=actor, region=region)
    enterprises = _enterprises_in(actor, found)
    return (
        ResumptionDay.objects.filter(enterprise__in=enterprises.values("pk"))
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )


def resumption_curve(*, actor: Actor, region: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Per day from `start` to `end`: enterprises, resumed, resumption_rate, workforce, returned,
    staff_return_rate. The state on each day is the enterprise's latest ResumptionDay on or before
    it; the days in between are swept once rather than asked for day by day."""
    found = stats_region(actor=actor, region=region)
    if end < start:
        return []
    end = min(end, start + dt.timedelta(days=MAX_CURVE_DAYS - 1))
    enterprises = _enterprises_in(actor, found)
    tally = Tally()
    current: dict[int, tuple[str, int, int]] = {}
    for row in _states_on(enterprises, start).values(
        "pk", "workforce", "day_status", "day_workforce", "day_returned"
    ):
        current[row["pk"]] = _state(row)
        tally.add(*current[row["pk"]])
    changes = (
        ResumptionDay.objects.filter(enterprise__in=enterprises.values("pk"), date__gt=start, date__lte=end)
        .order_by("date")
        .values_list("date", "enterprise_id", "status", "workforce", "returned")
        .iterator(chunk_size=5000)
    )
    curve: list[dict[str, Any]] = []
    day = start
    pending = next(changes, None)
    while day <= end:
        while pending is not None and pending[0] == day:
            _, enterprise_id, status, workforce, returned = pending
            tally.add(*current[enterprise_id], sign=-1)
            current[enterprise_id] = (status, workforce, returned)
            tally.add(status, workforce, returned)
            pending = next(changes, None)
        curve.append({"date": day, **tally.as_dict()})
        day += dt.timedelta(days=1)
    return curve


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=clock.SHANGHAI)


def problem_counts(*, actor: Actor, region: Region, date: dt.date) -> dict[str, int]:
    """Problem tickets of the region's enterprises opened by the end of `date`: solved (resolved or
    closed by then) and open (the rest)."""
    until = _end_of(date)
    tickets = ProblemTicket.objects.filter(
        enterprise__in=_enterprises_in(actor, region).values("pk"), opened_at__lt=until
    )
    counts = tickets.aggregate(
        total=Coalesce(Count("pk"), 0),
        solved=Coalesce(Count("pk", filter=Q(status__in=SOLVED, resolved_at__lt=until)), 0),
    )
    return {"problems_open": counts["total"] - counts["solved"], "problems_solved": counts["solved"]}


def resumption_summary(*, actor: Actor, region: str, date: dt.date | None = None) -> dict[str, Any]:
    """The headline figures of a region on a day, with problems and the figures per industry."""
    stats = resumption_stats(actor=actor, region=region, date=date, group_by="industry")
    by_industry = stats.pop("groups")
    return {
        **stats,
        **problem_counts(actor=actor, region=stats["region"], date=stats["date"]),
        "by_industry": by_industry,
    }


def applications_waiting(*, actor: Actor, region: Region | None = None) -> QuerySet[ResumptionApplication]:
    """Applications waiting for a decision in the actor's jurisdiction (the county's queue)."""
    applications = application_list(actor=actor, status=ApplicationStatus.SUBMITTED).filter(
        scope_q(actor, VIEW, "enterprise__region__code")
    )
    if region is not None:
        applications = applications.filter(enterprise__region__code__startswith=region.code)
    return applications
