"""Reads of the job posts: public (anyone may search and read a post, signed in or not)."""

from django.db.models import QuerySet

from fangyi.employment.errors import job_not_found
from fangyi.employment.models import JobPost, Occupation
from fangyi.employment.search import job_search
from fangyi.regions.models import Region

__all__ = ["job_get", "job_search", "occupation_list", "places"]


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
