"""Reads of risk areas, travel records, screening runs and grid tasks.

Scoped reads are narrowed to the actor's jurisdiction: runs by the region whose residents they
screened, hits and grid tasks by the resident's home village or community.
"""

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers
from fangyi.core.errors import DomainError, PermissionDenied
from fangyi.quarantine.models import Site
from fangyi.regions.choices import CHILD_LEVEL, LEVEL_BY_PATH_LENGTH, PATH_LENGTH, Level
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Grid, Region
from fangyi.regions.selectors import region_get, region_path
from fangyi.screening.areas import area_names
from fangyi.screening.choices import RunStatus, TallyLevel, TaskStatus
from fangyi.screening.errors import grid_task_invalid, grid_task_not_found, run_invalid, run_not_found
from fangyi.screening.models import GridTask, RiskArea, ScreeningHit, ScreeningRun, ScreeningTally

VIEW = "screening.view"
RUN = "screening.run"
VERIFY = "screening.verify"

# Escalated tasks are worked by the township and the county, not by the village's grid worker.
ESCALATION_MAX_PATH = PATH_LENGTH[Level.TOWNSHIP]


def _prefixes(actor: Actor | None, *capabilities: str) -> tuple[str, ...]:
    if actor is None:
        return ()
    return tuple(sorted({prefix for cap in capabilities for prefix in actor.prefixes_for(cap)}))


def _inside_q(prefixes: tuple[str, ...] | list[str], field: str) -> Q:
    """Rows whose region path `field` lies inside one of `prefixes` (none: no row)."""
    condition = Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(**{f"{field}__startswith": prefix})
    return condition


def _overlap_q(prefixes: tuple[str, ...], field: str) -> Q:
    """Rows whose region path `field` lies inside one of `prefixes` or above it."""
    above = sorted({prefix[:n] for prefix in prefixes for n in (2, 4, 6, 9) if n < len(prefix)})
    return _inside_q(prefixes, field) | Q(**{f"{field}__in": above})


def _uuid(raw: Any) -> uuid.UUID | None:
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except (ValueError, TypeError, AttributeError):
        return None


def _region_filter(raw: str) -> str:
    """A filter's region code as a path; a malformed code is a bad filter."""
    try:
        return region_path(raw)
    except DomainError:
        raise grid_task_invalid(
            "invalid_region_filter",
            _("The region is the code of a province, prefecture, county, township, village or community."),
            "region",
        ) from None


# Risk areas --------------------------------------------------------------------------------------


def risk_area_list(*, actor: Actor, active_on: dt.date | None = None) -> QuerySet[RiskArea]:
    """The province-wide list of risk areas (any holder of screening.view reads it), by area code;
    with `active_on`, only the areas listed on that day."""
    if not _prefixes(actor, VIEW):
        raise PermissionDenied()
    areas = RiskArea.objects.all()
    if active_on is not None:
        areas = areas.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=active_on), starts_on__lte=active_on)
    return areas.select_related("created_by").order_by("area_code", "starts_on", "id")


# Runs --------------------------------------------------------------------------------------------


def run_list(*, actor: Actor, status: str | None = None) -> QuerySet[ScreeningRun]:
    """Runs over a region inside the actor's jurisdiction or above it (a county official sees the
    province's runs, and of them only its own hits and tallies), newest first."""
    prefixes = _prefixes(actor, VIEW)
    if not prefixes:
        raise PermissionDenied()
    runs = ScreeningRun.objects.filter(_overlap_q(prefixes, "region__code"))
    if status:
        if status not in RunStatus.values:
            raise run_invalid(
                "invalid_status_filter",
                _("The status is queued, running, succeeded or failed."),
                "status",
            )
        runs = runs.filter(status=status)
    return runs.select_related("region", "job", "created_by").order_by("-created_at", "id")


def run_get(*, actor: Actor, run_id: Any) -> ScreeningRun:
    """A run the actor may read; any other is not found."""
    runs = run_list(actor=actor)
    pk = _uuid(run_id)
    if pk is None:
        raise run_not_found()
    try:
        return runs.get(pk=pk)
    except ScreeningRun.DoesNotExist:
        raise run_not_found() from None


def hit_list(*, actor: Actor, run: ScreeningRun) -> QuerySet[ScreeningHit]:
    """The residents a run (read with run_get) found living in the actor's jurisdiction, by home
    and name."""
    return (
        ScreeningHit.objects.filter(run=run)
        .filter(_inside_q(_prefixes(actor, VIEW), "home_region__code"))
        .select_related("person", "home_region", "grid")
        .order_by("home_region_id", "person__name", "person_id")
    )


def tally_list(*, actor: Actor, run: ScreeningRun) -> QuerySet[ScreeningTally]:
    """A run's (read with run_get) counts per prefecture, county, township, village and grid inside
    the actor's jurisdiction: the coarsest level first, then by code."""
    rank = Case(
        *(When(level=level, then=Value(n)) for n, level in enumerate(TallyLevel.values)),
        output_field=IntegerField(),
    )
    return (
        ScreeningTally.objects.filter(run=run)
        .filter(_inside_q(_prefixes(actor, VIEW), "code"))
        .order_by(rank, "code")
    )


def tally_names(tallies: list[ScreeningTally]) -> dict[str, str]:
    """The name of each tally's region or grid, keyed by code (a grid reads "village grid")."""
    codes = {tally.code for tally in tallies}
    names = {region.code: region.name for region in Region.objects.filter(code__in=codes)}
    for grid in Grid.objects.filter(code__in=codes - names.keys()).select_related("region"):
        names[grid.code] = str(grid)
    return names


def seen_area_names(codes: Iterable[str | None]) -> dict[str, str]:
    """The names of the areas residents were seen in (hits' and tasks' `area_code`/`seen_area`)."""
    return area_names(code for code in codes if code)


# Grid tasks --------------------------------------------------------------------------------------


def _task_scope(actor: Actor) -> Q:
    prefixes = _prefixes(actor, VERIFY, VIEW)
    if not prefixes:
        raise PermissionDenied()
    return _inside_q(prefixes, "region__code")


def task_list(
    *,
    actor: Actor,
    status: str | None = None,
    overdue: bool | None = None,
    region: str | None = None,
    run: Any = None,
) -> QuerySet[GridTask]:
    """Grid tasks of residents of the actor's jurisdiction (a grid worker's village; a township or
    county, with the tasks escalated to them). Open ones first (due soonest first), then
    escalated, then verified (last verified first). Each task carries the risk area
    and time its resident was last seen in (`seen_area`, `seen_first`, `seen_last`)."""
    tasks = GridTask.objects.filter(_task_scope(actor))
    if status:
        if status not in TaskStatus.values:
            raise grid_task_invalid(
                "invalid_status_filter",
                _("The status is open, escalated or done."),
                "status",
            )
        tasks = tasks.filter(status=status)
    if overdue is not None:
        late = Q(due_at__lt=clock.now()) & ~Q(status=TaskStatus.DONE)
        tasks = tasks.filter(late if overdue else ~late)
    if region:
        tasks = tasks.filter(region__code__startswith=_region_filter(region))
    if run:
        run_id = _uuid(run)
        if run_id is None:
            raise grid_task_invalid("invalid_run_filter", _("The run is a run id."), "run")
        tasks = tasks.filter(run_id=run_id)
    hit = ScreeningHit.objects.filter(run_id=OuterRef("run_id"), person_id=OuterRef("person_id"))
    waiting = Case(
        When(status=TaskStatus.OPEN, then=Value(0)),
        When(status=TaskStatus.ESCALATED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        tasks.annotate(
            seen_area=Subquery(hit.values("area_code")[:1]),
            seen_first=Subquery(hit.values("first_seen")[:1]),
            seen_last=Subquery(hit.values("last_seen")[:1]),
        )
        .select_related("person", "region", "grid", "run", "done_by", "observation", "observation__site")
        .order_by(
            waiting,
            Case(When(~Q(status=TaskStatus.DONE), then=F("due_at"))).asc(),
            F("done_at").desc(nulls_last=True),
            "id",
        )
    )


def task_get(*, actor: Actor, task_id: Any) -> GridTask:
    """A grid task the actor may read; any other is not found."""
    tasks = task_list(actor=actor)
    pk = _uuid(task_id)
    if pk is None:
        raise grid_task_not_found()
    try:
        return tasks.get(pk=pk)
    except GridTask.DoesNotExist:
        raise grid_task_not_found() from None


def task_is_overdue(task: GridTask) -> bool:
    return task.status != TaskStatus.DONE and task.due_at < clock.now()


def task_can_verify(actor: Actor, task: GridTask) -> bool:
    """May the actor record an outcome now: an open task in their jurisdiction, or an escalated one
    when they verify for the township or the county above it."""
    if task.status == TaskStatus.OPEN:
        return covers(actor, VERIFY, task.region_id)
    if task.status == TaskStatus.ESCALATED:
        return any(
            task.region_id.startswith(prefix) and len(prefix) <= ESCALATION_MAX_PATH
            for prefix in _prefixes(actor, VERIFY)
        )
    return False


def task_sites(*, task: GridTask) -> QuerySet[Site]:
    """Observation sites in use in the task's county: where a verified resident may be sent."""
    return Site.objects.filter(active=True, region__code__startswith=task.region_id[:6]).order_by(
        "name", "id"
    )


# Verification progress ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    code: str
    name: str
    tasks: int
    verified: int
    escalated: int
    overdue: int
    total: bool = False

    @property
    def percent(self) -> int | None:
        """Verified tasks in percent, rounded down (None without tasks)."""
        return 100 * self.verified // self.tasks if self.tasks else None


def verification_progress(*, actor: Actor, region: str) -> list[ProgressRow]:
    """Grid tasks the actor may read in each child region of `region` (the children that lie in the
    actor's jurisdiction or contain part of it), then a total row for `region` itself. A region
    wholly outside the jurisdiction is not found."""
    scope = _task_scope(actor)
    prefixes = _prefixes(actor, VERIFY, VIEW)
    path = _region_filter(region)
    if not any(path.startswith(prefix) or prefix.startswith(path) for prefix in prefixes):
        raise region_not_found()
    parent = region_get(code=path)
    tasks = GridTask.objects.filter(scope).filter(region__code__startswith=path)
    now = clock.now()
    counts = {
        "tasks": Count("id"),
        "verified": Count("id", filter=Q(status=TaskStatus.DONE)),
        "escalated": Count("id", filter=Q(status=TaskStatus.ESCALATED)),
        "overdue": Count("id", filter=Q(due_at__lt=now) & ~Q(status=TaskStatus.DONE)),
    }
    rows: list[ProgressRow] = []
    child_level = CHILD_LEVEL.get(Level(LEVEL_BY_PATH_LENGTH[len(path)]))
    if child_level is not None:
        length = PATH_LENGTH[child_level]
        by_child: dict[str, Any] = {
            row["child"]: row
            for row in tasks.annotate(child=Substr("region_id", 1, length))
            .values("child")
            .annotate(**counts)
            .order_by()
        }
        children = Region.objects.filter(parent_id=path).filter(_overlap_q(prefixes, "code")).order_by("code")
        for child in children:
            found = by_child.get(child.code, {})
            rows.append(
                ProgressRow(
                    child.code,
                    child.name,
                    found.get("tasks", 0),
                    found.get("verified", 0),
                    found.get("escalated", 0),
                    found.get("overdue", 0),
                )
            )
    total = tasks.aggregate(**counts)
    rows.append(
        ProgressRow(
            parent.code,
            parent.name,
            total["tasks"],
            total["verified"],
            total["escalated"],
            total["overdue"],
            total=True,
        )
    )
    return rows
