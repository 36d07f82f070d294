"""Job matching (湘就业) at /api/v1/employment: searching and reading posts needs no sign-in."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, request_actor
from fangyi.core.schemas import MAX_ROW_ID
from fangyi.employment import search, selectors, services
from fangyi.employment.models import JobPost
from fangyi.employment.schemas import (
    JobPostFilter,
    JobPostHitOut,
    JobPostIn,
    JobPostOut,
    JobPostPage,
    OccupationOut,
    WhyOut,
)

router = Router(tags=["employment"])
JobId = Path(..., ge=1, le=MAX_ROW_ID)


def job_out(post: JobPost, place: str) -> JobPostOut:
    return JobPostOut(**_job_fields(post, place))


def _job_fields(post: JobPost, place: str) -> dict[str, Any]:
    return {
        "id": post.pk,
        "title": post.title,
        "employer_id": post.employer_id,
        "employer": post.employer.name,
        "occupation": post.occupation_id,
        "occupation_name": post.occupation.name,
        "region": post.region_id,
        "place": place,
        "salary_min": post.salary_min,
        "salary_max": post.salary_max,
        "headcount": post.headcount,
        "requirements": post.requirements,
        "shifts": post.shifts,
        "transport_offered": post.transport_offered,
        "closing_date": post.closing_date,
        "posted_at": post.posted_at,
        "status": post.status,
    }


def _one(post: JobPost) -> JobPostOut:
    return job_out(post, selectors.places([post])[post.region_id])


@router.get("/jobs", response={200: JobPostPage, **ERRORS_READ}, auth=None)
def jobs(request: HttpRequest, filters: Query[JobPostFilter]) -> JobPostPage:
    """Open posts matching the words (as a phrase) and the filters, best first, each with its
    score and why: text relevance, occupation match, distance, salary fit and recency."""
    found = selectors.job_search(
        q=filters.q,
        region=filters.region,
        near=filters.near,
        occupation=filters.occupation,
        salary=filters.salary,
    )
    page = list(found[filters.offset : filters.offset + filters.limit])
    names = selectors.places(page)
    items = [
        JobPostHitOut(
            **_job_fields(post, names[post.region_id]),
            score=round(post.score, 3),  # type: ignore[attr-defined]
            why=[WhyOut(**part) for part in search.why(post)],
        )
        for post in page
    ]
    return JobPostPage(count=found.count(), items=items)


@router.get("/jobs/{job_id}", response={200: JobPostOut, **ERRORS_READ}, auth=None)
def job_detail(request: HttpRequest, job_id: int = JobId) -> JobPostOut:
    return _one(selectors.job_get(job_id=job_id))


@router.post("/jobs", response={201: JobPostOut, **ERRORS_WRITE})
def job_create(request: HttpRequest, payload: JobPostIn) -> Status[JobPostOut]:
    """Post a job for an employer you are an account of (or, as the county, for one in your area)."""
    post = services.job_post_create(actor=request_actor(request), **payload.dict())
    return Status(201, _one(selectors.job_get(job_id=post.pk)))


@router.post("/jobs/{job_id}/close", response={200: JobPostOut, **ERRORS_WRITE})
def job_close(request: HttpRequest, job_id: int = JobId) -> JobPostOut:
    post = services.job_post_close(actor=request_actor(request), job_id=job_id)
    return _one(selectors.job_get(job_id=post.pk))


@router.get("/occupations", response={200: list[OccupationOut], **ERRORS_READ}, auth=None)
def occupations(request: HttpRequest) -> list[OccupationOut]:
    """The occupations posts are coded by (职业分类大典, 2015 edition)."""
    return [
        OccupationOut(code=o.code, name=o.name, keywords=o.keywords.split())
        for o in selectors.occupation_list()
    ]
