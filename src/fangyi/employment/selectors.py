"""Reads of job matching. The posts are public (anyone may search and read a post, signed in or
not); a seeker reads their own profile and applications; an employer's accounts read its posts'
applicants, and officials with `resumption.view` those of the employers in their area.

Employers never see a seeker's health code: only whether they can travel (`travel_status`)."""

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, require_any, scope_q
from fangyi.core.validators import mask_name
from fangyi.employment.choices import PostStatus, Stage
from fangyi.employment.errors import EmploymentError, employer_not_found, job_not_found
from fangyi.employment.models import Application, Employer, JobPost, Occupation, Seeker
from fangyi.employment.search import job_search, jobs_for_seeker, seekers_for_post, why
from fangyi.healthpass.selectors import not_green
from fangyi.people.models import Person
from fangyi.regions.models import Region

__all__ = [
    "SeekerMatch",
    "applicant_name",
    "applications_for_post",
    "applications_of",
    "employers_mine",
    "employers_visible",
    "hires_per_day",
    "job_get",
    "job_search",
    "occupation_list",
    "places",
    "recommend_jobs",
    "recommend_seekers",
    "seeker_of",
    "travel_status",
    "travel_statuses",
]

SEEK = "employment.seek"
POST = "employment.post"
VIEW = "resumption.view"
MANAGE = "resumption.manage"
# An employer learns an applicant's name once it shortlists them (the id number, never).
NAMED_STAGES = frozenset({Stage.SHORTLISTED, Stage.INTERVIEW, Stage.OFFERED, Stage.HIRED})
# The longest period hires are counted over in one read.
MAX_HIRES_DAYS = 366
TravelStatus = Literal["can_travel", "cannot_travel"]
CAN_TRAVEL: TravelStatus = "can_travel"
CANNOT_TRAVEL: TravelStatus = "cannot_travel"


def seeker_of(actor: Actor | None) -> Seeker | None:
    """The job-seeker profile of the resident the login is linked to (None: no profile, no
    resident, or a login that may not seek work)."""
    if actor is None or getattr(actor, "pk", None) is None or not actor.prefixes_for(SEEK):
        return None
    return (
        Seeker.objects.select_related("person", "occupation", "region")
        .filter(person__user_id=actor.pk)
        .first()
    )


def travel_statuses(person_ids: Iterable[Any]) -> dict[str, TravelStatus]:
    """For each resident, whether they can travel to work: a green health code can, a yellow or
    red one cannot. The colour itself never leaves this function."""
    ids = [str(pk) for pk in person_ids]
    held_back = not_green(ids)
    return {pk: (CANNOT_TRAVEL if pk in held_back else CAN_TRAVEL) for pk in ids}


def travel_status(person: Person) -> TravelStatus:
    return travel_statuses([person.pk])[str(person.pk)]


def occupation_list() -> QuerySet[Occupation]:
    return Occupation.objects.order_by("code")


def job_get(*, job_id: int) -> JobPost:
    """One post, open or closed."""
    post = JobPost.objects.select_related("employer", "occupation", "region").filter(pk=job_id).first()
    if post is None:
        raise job_not_found()
    return post


def places(posts: list[JobPost]) -> dict[str, str]:
    """For each post's region, its name with the prefecture and county above it (长沙市芙蓉区)."""
    paths = {
        post.region_id[:length] for post in posts for length in (4, 6, 9, 12) if len(post.region_id) >= length
    }
    names = dict(Region.objects.filter(code__in=paths).values_list("code", "name"))
    return {
        post.region_id: "".join(
            names.get(post.region_id[:length], "")
            for length in (4, 6, 9, 12)
            if len(post.region_id) >= length
        )
        for post in posts
    }


# Employers ---------------------------------------------------------------------------------------


def employers_mine(actor: Actor) -> QuerySet[Employer]:
    """The employers the actor (an employer login) is an account of."""
    require(actor, POST)
    return Employer.objects.filter(accounts=actor.pk).select_related("region")


def _employers_q(actor: Actor, field: str = "") -> Q:
    """Employers the actor reads: its own accounts' and, for officials, those in their area."""
    prefix = f"{field}__" if field else ""
    own = Q(**{f"{prefix}accounts": actor.pk}) if actor.prefixes_for(POST) else Q(pk__in=[])
    return own | scope_q(actor, VIEW, f"{prefix}region__code")


def employers_visible(actor: Actor) -> QuerySet[Employer]:
    """The actor's own employers, or for an official every employer in their area."""
    require_any(actor, POST, VIEW)
    return Employer.objects.filter(_employers_q(actor)).distinct().select_related("region")


def posts_of_employers(employers: QuerySet[Employer]) -> QuerySet[JobPost]:
    """The posts of these employers (from `employers_mine` or `employers_visible`), open before
    closed, newest first, each with its number of applicants."""
    return (
        JobPost.objects.filter(employer__in=employers.values("pk"))
        .select_related("employer", "occupation")
        .annotate(applicants=Count("applications"))
        .order_by("-status", "-posted_at", "-id")
    )


def _reads_for(actor: Actor, employer: Employer) -> bool:
    if covers(actor, VIEW, employer.region_id) or covers(actor, MANAGE, employer.region_id):
        return True
    return bool(actor.prefixes_for(POST)) and employer.accounts.filter(pk=actor.pk).exists()


def _post_of_employer(actor: Actor | None, job_id: int) -> JobPost:
    """A post of an employer the actor reads for (404 otherwise, like a missing post)."""
    require_any(actor, POST, VIEW, MANAGE)
    assert actor is not None  # require_any refused None
    post = JobPost.objects.select_related("employer", "occupation", "region").filter(pk=job_id).first()
    if post is None or not _reads_for(actor, post.employer):
        raise job_not_found()
    return post


# Applications ------------------------------------------------------------------------------------


def applicant_name(application: Application) -> str:
    """The applicant's name as the employer sees it: masked until they were shortlisted (a later
    rejection or withdrawal does not hide it again)."""
    name = application.seeker.person.name
    if application.stage in NAMED_STAGES:
        return name
    if application.stage in (Stage.REJECTED, Stage.WITHDRAWN) and any(
        change.stage in NAMED_STAGES for change in application.changes.all()
    ):
        return name
    return mask_name(name)


def applications_for_post(*, actor: Actor | None, job_id: int) -> QuerySet[Application]:
    """The post's applications, oldest first, for its employer's accounts and officials over it.
    Show each applicant by `applicant_name` and `travel_statuses`, never the person's fields."""
    post = _post_of_employer(actor, job_id)
    return (
        Application.objects.filter(post=post)
        .select_related("seeker__person", "seeker__occupation", "seeker__region", "post")
        .prefetch_related("changes")
        .order_by("applied_at", "id")
    )


def applications_of(actor: Actor | None) -> QuerySet[Application]:
    """The seeker's own applications, newest first (none for a login that may not seek work)."""
    if actor is None or getattr(actor, "pk", None) is None or not actor.prefixes_for(SEEK):
        return Application.objects.none()
    return (
        Application.objects.filter(seeker__person__user_id=actor.pk)
        .select_related("post__employer", "post__occupation", "post__region")
        .order_by("-applied_at", "-id")
    )


# Recommendations ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SeekerMatch:
    """A seeker recommended for a post: masked name, whether they can travel, the score and why."""

    seeker: Seeker
    name: str
    travel: TravelStatus
    score: float
    why: list[dict[str, Any]]


def recommend_jobs(seeker: Seeker, *, limit: int = 20) -> list[JobPost]:
    """Open posts ranked for the seeker, each with `score` and its components (see `search.why`)."""
    return list(jobs_for_seeker(seeker)[:limit])


def recommend_seekers(*, actor: Actor | None, job_id: int, limit: int = 20) -> list[SeekerMatch]:
    """Visible seekers ranked for a post of an employer the actor reads for."""
    post = _post_of_employer(actor, job_id)
    rows = list(seekers_for_post(post)[:limit])
    travel = travel_statuses(row.person_id for row in rows)
    return [
        SeekerMatch(
            seeker=row,
            name=mask_name(row.person.name),
            travel=travel[str(row.person_id)],
            score=round(float(row.score), 3),  # type: ignore[attr-defined]
            why=why(row),
        )
        for row in rows
    ]


# Hires -------------------------------------------------------------------------------------------


def hires_per_day(
    *,
    actor: Actor,
    since: dt.date,
    until: dt.date,
    region: str | None = None,
    employer_id: int | None = None,
) -> list[dict[str, Any]]:
    """Hires per employer per day (in Changsha's time) from `since` to `until` inclusive, of the
    actor's own employers or, for officials, those in their area: rows of `employer_id`,
    `employer`, `day`, `hires`, by day then employer."""
    require_any(actor, POST, VIEW)
    if since > until:
        raise EmploymentError("hires.invalid_period", _("The period ends before it starts."), field="until")
    if (until - since).days >= MAX_HIRES_DAYS:
        raise EmploymentError(
            "hires.period_too_long",
            _("Count hires over at most %(limit)s days at a time."),
            field="since",
            limit=MAX_HIRES_DAYS,
        )
    employers = Employer.objects.filter(_employers_q(actor))
    if employer_id is not None:
        if not employers.filter(pk=employer_id).exists():
            raise employer_not_found()
        employers = Employer.objects.filter(pk=employer_id)
    if region:
        employers = employers.filter(region__code__startswith=region)
    start = dt.datetime.combine(since, dt.time.min, tzinfo=clock.SHANGHAI)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=clock.SHANGHAI)
    rows = (
        Application.objects.filter(
            stage=Stage.HIRED,
            hired_at__gte=start,
            hired_at__lt=end,
            post__employer__in=employers.values("pk"),
        )
        .annotate(day=TruncDate("hired_at", tzinfo=clock.SHANGHAI))
        .values("post__employer_id", "post__employer__name", "day")
        .annotate(hires=Count("id"))
        .order_by("day", "post__employer__name", "post__employer_id")
    )
    return [
        {
            "employer_id": row["post__employer_id"],
            "employer": row["post__employer__name"],
            "day": row["day"],
            "hires": row["hires"],
        }
        for row in rows
    ]


# Hires counted over a day and the days before it, for the situation report.
HIRING_WEEK = 7


def hiring_on(*, actor: Actor, region: str, date: dt.date) -> dict[str, int]:
    """Jobs at the employers of `region` (within the actor's `resumption.view`) on `date`: posts
    open that day, applications and hires that day, hires over the week to it, and the job seekers
    looking for work in the region. Whether a post is still open and a seeker still visible is as it
    stands now (a report archived that day keeps the day's)."""
    start, end = clock.day_bounds(date)
    posts = JobPost.objects.filter(scope_q(actor, VIEW, "employer__region__code")).filter(
        employer__region__code__startswith=region
    )
    applications = Application.objects.filter(scope_q(actor, VIEW, "post__employer__region__code")).filter(
        post__employer__region__code__startswith=region, applied_at__gte=start, applied_at__lt=end
    )
    hires = hires_per_day(
        actor=actor, since=date - dt.timedelta(days=HIRING_WEEK - 1), until=date, region=region
    )
    seekers = Seeker.objects.filter(scope_q(actor, VIEW, "region__code")).filter(
        region__code__startswith=region, visible=True
    )
    return {
        "open_posts": posts.filter(status=PostStatus.OPEN, posted_at__lt=end, closing_date__gte=date).count(),
        "applications_today": applications.count(),
        "hires_today": sum(row["hires"] for row in hires if row["day"] == date),
        "hires_week": sum(row["hires"] for row in hires),
        "seekers": seekers.count(),
    }
