"""Reads of job matching. The posts are public (anyone may search and read a post, signed in or
not); a seeker reads their own profile and applications; an employer's accounts read its posts'
applicants, and officials with `resumption.view` those of the employers in their area.

Employers never see a seeker's health code: only whether they can travel (`travel_status`)."""

from collections.abc import Iterable
from typing import Any, Literal

from django.db.models import QuerySet

from fangyi.core.access import Actor
from fangyi.employment.errors import job_not_found
from fangyi.employment.models import JobPost, Occupation, Seeker
from fangyi.employment.search import job_search
from fangyi.healthpass.choices import Colour
from fangyi.healthpass.models import ColourState
from fangyi.people.models import Person
from fangyi.regions.models import Region

__all__ = [
    "job_get",
    "job_search",
    "occupation_list",
    "places",
    "seeker_of",
    "travel_status",
    "travel_statuses",
]

SEEK = "employment.seek"
CAN_TRAVEL = "can_travel"
CANNOT_TRAVEL = "cannot_travel"
TravelStatus = Literal["can_travel", "cannot_travel"]


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
    """For each resident, whether they can travel to work: a green health code can, anything else
    (yellow, red, no code) cannot. The colour itself never leaves this function."""
    ids = [str(pk) for pk in person_ids]
    green = {
        str(pk)
        for pk in ColourState.objects.filter(person_id__in=ids, colour=Colour.GREEN).values_list(
            "person_id", flat=True
        )
    }
    return {pk: CAN_TRAVEL if pk in green else CANNOT_TRAVEL for pk in ids}


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
