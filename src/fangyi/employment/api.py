"""Job matching (湘就业) at /api/v1/employment: searching and reading posts needs no sign-in; a
resident keeps a seeker profile and applies; employers (and the county) register, post, move
applications along the pipeline and count their hires. Employers see whether a seeker can travel,
never the colour of their health code."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from fangyi.core.access import require
from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, request_actor
from fangyi.core.schemas import MAX_ROW_ID
from fangyi.employment import search, selectors, services
from fangyi.employment.errors import seeker_not_found
from fangyi.employment.models import Application, Employer, JobPost, Seeker
from fangyi.employment.schemas import (
    EmployerIn,
    EmployerOut,
    JobApplicantOut,
    JobApplicationIn,
    JobApplicationOut,
    JobApplicationStageIn,
    JobHireDayOut,
    JobHiresFilter,
    JobPostFilter,
    JobPostHitOut,
    JobPostIn,
    JobPostOut,
    JobPostPage,
    JobRecommendationFilter,
    JobStageChangeOut,
    OccupationOut,
    SeekerIn,
    SeekerMatchOut,
    SeekerOut,
    WhyOut,
)

router = Router(tags=["employment"])
JobId = Path(..., ge=1, le=MAX_ROW_ID)
ApplicationId = Path(..., ge=1, le=MAX_ROW_ID)
SEEK = selectors.SEEK


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


def _hits(posts: list[JobPost]) -> list[JobPostHitOut]:
    names = selectors.places(posts)
    return [
        JobPostHitOut(
            **_job_fields(post, names[post.region_id]),
            score=round(post.score, 3),  # type: ignore[attr-defined]
            why=[WhyOut(**part) for part in search.why(post)],
        )
        for post in posts
    ]


@router.get("/jobs", response={200: JobPostPage, **ERRORS_READ}, auth=None)
def jobs(request: HttpRequest, filters: Query[JobPostFilter]) -> JobPostPage:
    """Open posts matching the words (as a phrase) and the filters, best first, each with its
    score and why: text relevance, occupation match, distance, salary fit and recency. Searched
    by a signed-in seeker (a browser session), also the share of their skills each post names."""
    found = selectors.job_search(
        q=filters.q,
        region=filters.region,
        near=filters.near,
        occupation=filters.occupation,
        salary=filters.salary,
        seeker=selectors.seeker_of(request.user) if request.user.is_authenticated else None,
    )
    page = list(found[filters.offset : filters.offset + filters.limit])
    return JobPostPage(count=found.count(), items=_hits(page))


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


# Seekers -----------------------------------------------------------------------------------------


def _seeker_out(seeker: Seeker) -> SeekerOut:
    return SeekerOut(
        id=seeker.pk,
        region=seeker.region_id,
        place="".join(services.region_names(seeker.region_id)),
        occupation=seeker.occupation_id,
        occupation_name=seeker.occupation.name if seeker.occupation else "",
        skills=seeker.skills,
        expected_salary=seeker.expected_salary,
        available_from=seeker.available_from,
        visible=seeker.visible,
        updated_at=seeker.updated_at,
        travel=selectors.travel_status(seeker.person),
    )


def _own_seeker(request: HttpRequest) -> Seeker:
    actor = request_actor(request)
    require(actor, SEEK)
    seeker = selectors.seeker_of(actor)
    if seeker is None:
        raise seeker_not_found()
    return seeker


@router.put("/seeker", response={200: SeekerOut, **ERRORS_WRITE})
def seeker_save(request: HttpRequest, payload: SeekerIn) -> SeekerOut:
    """Create or update your own job-seeker profile (a resident login linked to its resident)."""
    return _seeker_out(services.seeker_save(actor=request_actor(request), **payload.dict()))


@router.get("/seeker", response={200: SeekerOut, **ERRORS_READ})
def seeker_detail(request: HttpRequest) -> SeekerOut:
    return _seeker_out(_own_seeker(request))


@router.get("/seeker/recommendations", response={200: list[JobPostHitOut], **ERRORS_READ})
def seeker_recommendations(
    request: HttpRequest, filters: Query[JobRecommendationFilter]
) -> list[JobPostHitOut]:
    """Open posts you have not applied to, ranked for your profile, each with its score and why:
    occupation, skills, distance, pay against what you expect, recency."""
    return _hits(selectors.recommend_jobs(_own_seeker(request), limit=filters.limit))


# Applications ------------------------------------------------------------------------------------


def _application_out(application: Application) -> JobApplicationOut:
    return JobApplicationOut(
        id=application.pk,
        job_id=application.post_id,
        title=application.post.title,
        employer=application.post.employer.name,
        stage=application.stage,
        note=application.note,
        applied_at=application.applied_at,
        updated_at=application.updated_at,
        hired_at=application.hired_at,
    )


def _own_application(request: HttpRequest, application_id: int) -> JobApplicationOut:
    found = selectors.applications_of(request_actor(request)).get(pk=application_id)
    return _application_out(found)


@router.post("/jobs/{job_id}/apply", response={201: JobApplicationOut, **ERRORS_WRITE})
def job_apply(
    request: HttpRequest, payload: JobApplicationIn, job_id: int = JobId
) -> Status[JobApplicationOut]:
    """Apply to an open post with your seeker profile (once per post)."""
    application = services.job_apply(actor=request_actor(request), job_id=job_id, note=payload.note)
    return Status(201, _own_application(request, application.pk))


@router.get("/applications", response={200: list[JobApplicationOut], **ERRORS_READ})
def applications(request: HttpRequest) -> list[JobApplicationOut]:
    """Your own applications, newest first."""
    actor = request_actor(request)
    require(actor, SEEK)
    return [_application_out(application) for application in selectors.applications_of(actor)]


@router.post("/applications/{application_id}/withdraw", response={200: JobApplicationOut, **ERRORS_WRITE})
def application_withdraw(request: HttpRequest, application_id: int = ApplicationId) -> JobApplicationOut:
    application = services.application_withdraw(actor=request_actor(request), application_id=application_id)
    return _own_application(request, application.pk)


def _applicant_out(application: Application, travel: selectors.TravelStatus) -> JobApplicantOut:
    seeker = application.seeker
    return JobApplicantOut(
        id=application.pk,
        job_id=application.post_id,
        seeker_id=seeker.pk,
        name=selectors.applicant_name(application),
        travel=travel,
        occupation=seeker.occupation_id,
        occupation_name=seeker.occupation.name if seeker.occupation else "",
        skills=seeker.skills,
        expected_salary=seeker.expected_salary,
        available_from=seeker.available_from,
        stage=application.stage,
        note=application.note,
        applied_at=application.applied_at,
        updated_at=application.updated_at,
        hired_at=application.hired_at,
        history=[
            JobStageChangeOut(stage=change.stage, changed_at=change.changed_at, note=change.note)
            for change in application.changes.all()
        ],
    )


def _applicants(actor: Any, job_id: int) -> list[JobApplicantOut]:
    rows = list(selectors.applications_for_post(actor=actor, job_id=job_id))
    travel = selectors.travel_statuses(row.seeker.person_id for row in rows)
    return [_applicant_out(row, travel[str(row.seeker.person_id)]) for row in rows]


@router.get("/jobs/{job_id}/applications", response={200: list[JobApplicantOut], **ERRORS_READ})
def job_applications(request: HttpRequest, job_id: int = JobId) -> list[JobApplicantOut]:
    """The post's applicants, oldest first, for the employer's accounts and officials over it:
    the name masked until shortlisted, whether they can travel, their stage and its history."""
    return _applicants(request_actor(request), job_id)


@router.post("/applications/{application_id}/stage", response={200: JobApplicantOut, **ERRORS_WRITE})
def application_move(
    request: HttpRequest, payload: JobApplicationStageIn, application_id: int = ApplicationId
) -> JobApplicantOut:
    """Move an application to the next stage (applied → shortlisted → interview → offered →
    hired, within the post's headcount) or turn it down (rejected)."""
    actor = request_actor(request)
    moved = services.application_move(actor=actor, application_id=application_id, **payload.dict())
    return next(item for item in _applicants(actor, moved.post_id) if item.id == moved.pk)


@router.get("/jobs/{job_id}/recommendations", response={200: list[SeekerMatchOut], **ERRORS_READ})
def job_recommendations(
    request: HttpRequest, filters: Query[JobRecommendationFilter], job_id: int = JobId
) -> list[SeekerMatchOut]:
    """Visible seekers who have not applied, ranked for the post, each with a masked name,
    whether they can travel, the score and why."""
    matches = selectors.recommend_seekers(actor=request_actor(request), job_id=job_id, limit=filters.limit)
    return [
        SeekerMatchOut(
            seeker_id=match.seeker.pk,
            name=match.name,
            travel=match.travel,
            region=match.seeker.region_id,
            occupation=match.seeker.occupation_id,
            occupation_name=match.seeker.occupation.name if match.seeker.occupation else "",
            skills=match.seeker.skills,
            expected_salary=match.seeker.expected_salary,
            available_from=match.seeker.available_from,
            score=match.score,
            why=[WhyOut(**part) for part in match.why],
        )
        for match in matches
    ]


@router.get("/hires", response={200: list[JobHireDayOut], **ERRORS_READ})
def hires(request: HttpRequest, filters: Query[JobHiresFilter]) -> list[JobHireDayOut]:
    """Hires per employer per day (Changsha time, both days included, at most 366 days): your
    own employers', or an official's area's."""
    rows = selectors.hires_per_day(
        actor=request_actor(request),
        since=filters.since,
        until=filters.until,
        region=filters.region,
        employer_id=filters.employer,
    )
    return [JobHireDayOut(**row) for row in rows]


# Employers ---------------------------------------------------------------------------------------


def _employer_out(employer: Employer) -> EmployerOut:
    return EmployerOut(
        id=employer.pk,
        name=employer.name,
        credit_code=employer.credit_code,
        region=employer.region_id,
        enterprise_id=employer.enterprise_id,
        registered_at=employer.registered_at,
    )


@router.post("/employers", response={201: EmployerOut, **ERRORS_WRITE})
def employer_register(request: HttpRequest, payload: EmployerIn) -> Status[EmployerOut]:
    """Register an employer: an employer login its own business (becoming its account), an
    official one in their area; naming a resumption enterprise you act for takes its details."""
    employer = services.employer_register(actor=request_actor(request), **payload.dict())
    return Status(201, _employer_out(employer))


@router.get("/employers", response={200: list[EmployerOut], **ERRORS_READ})
def employers(request: HttpRequest) -> list[EmployerOut]:
    """Your own employers, or for an official those in their area."""
    return [_employer_out(employer) for employer in selectors.employers_visible(request_actor(request))]


@router.get("/employers/mine", response={200: list[EmployerOut], **ERRORS_READ})
def employers_mine(request: HttpRequest) -> list[EmployerOut]:
    """The employers your login is an account of."""
    return [_employer_out(employer) for employer in selectors.employers_mine(request_actor(request))]
