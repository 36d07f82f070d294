"""Employers, their job posts, job seekers and the hiring pipeline. Posting and moving applications
need `employment.post` (an account of the employer) or `resumption.manage` over the employer's
region (the county's officials act for it); a resident with `employment.seek` keeps their own
seeker profile, applies and withdraws."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, require_any
from fangyi.core.errors import DomainError
from fangyi.core.services import audit_record
from fangyi.core.validators import credit_code_check
from fangyi.employment.choices import PostStatus, Stage
from fangyi.employment.errors import (
    application_not_found,
    conflict,
    employer_not_found,
    invalid,
    invalid_transition,
    job_not_found,
    required,
    text_too_long,
)
from fangyi.employment.models import Application, Employer, JobPost, Occupation, Seeker, StageChange
from fangyi.employment.search import document, index_posts, skill_text
from fangyi.employment.selectors import seeker_of
from fangyi.people.models import Person
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.resumption.models import Enterprise

POST = "employment.post"
MANAGE = "resumption.manage"
# Posts and employers are placed at a county or below (a region path of 6 digits or more).
COUNTY_LENGTH = 6
MAX_SALARY = 1_000_000
MAX_HEADCOUNT = 100_000
SEEK = "employment.seek"
LIMITS = {"title": 64, "requirements": 2000, "shifts": 128, "name": 128, "skills": 256, "note": 256}
# How far ahead a seeker may say they are available from.
AVAILABLE_AHEAD = dt.timedelta(days=366)


# The pipeline an employer moves an application along, one stage at a time; from any open stage it
# may also turn the applicant down. Hired, rejected and withdrawn are final.
NEXT_STAGE = {
    Stage.APPLIED: Stage.SHORTLISTED,
    Stage.SHORTLISTED: Stage.INTERVIEW,
    Stage.INTERVIEW: Stage.OFFERED,
    Stage.OFFERED: Stage.HIRED,
}
FINAL_STAGES = frozenset({Stage.HIRED, Stage.REJECTED, Stage.WITHDRAWN})


def _acts_for(actor: Actor | None, employer: Employer) -> bool:
    """Whether the actor may post for the employer: one of its accounts, or an official over it."""
    if covers(actor, MANAGE, employer.region_id):
        return True
    if actor is None or not actor.prefixes_for(POST) or not getattr(actor, "pk", None):
        return False
    return employer.accounts.filter(pk=actor.pk).exists()


def _place(code: str, prefix: str) -> Region:
    region = Region.objects.filter(code=code).first() if code else None
    if region is None or len(region.code) < COUNTY_LENGTH:
        raise invalid(
            f"{prefix}.invalid_region", _("Name a county, township or village by its region code."), "region"
        )
    return region


def _text(value: str, prefix: str, field: str, *, needed: bool = False) -> str:
    """A stripped text field: `<prefix>.<field>_required` when empty and needed,
    `<prefix>.<field>_too_long` over its limit."""
    value = value.strip()
    if needed and not value:
        raise required(f"{prefix}.{field}_required", field)
    if len(value) > LIMITS[field]:
        raise text_too_long(f"{prefix}.{field}_too_long", field, LIMITS[field])
    return value


def region_names(code: str) -> list[str]:
    """The names of a region and the levels above it from the prefecture down (长沙市, 芙蓉区...)."""
    paths = [code[:length] for length in (4, 6, 9, 12) if len(code) >= length]
    names = dict(Region.objects.filter(code__in=paths).values_list("code", "name"))
    return [names[path] for path in paths if path in names]


def post_document(post: JobPost) -> str:
    return document(
        post.title,
        post.occupation.name,
        post.requirements,
        post.employer.name,
        *region_names(post.region_id),
    )


def employer_register(
    *,
    actor: Actor,
    name: str = "",
    region: str = "",
    credit_code: str = "",
    enterprise_id: int | None = None,
) -> Employer:
    """Register an employer. An official registers one in their jurisdiction; an employer account
    registers its own business and becomes one of its accounts. Naming a resumption enterprise
    (one the actor acts for) takes its name, credit code and region."""
    require_any(actor, POST, MANAGE)
    enterprise = None
    if enterprise_id is not None:
        enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
        own = enterprise is not None and enterprise.accounts.filter(pk=actor.pk).exists()
        if enterprise is None or not (own or covers(actor, MANAGE, enterprise.region_id)):
            raise invalid("employer.unknown_enterprise", _("No such enterprise."), "enterprise_id")
        name = name or enterprise.name
        region = region or enterprise.region_id
        credit_code = credit_code or enterprise.credit_code
    name = _text(name, "employer", "name", needed=True)
    place = _place(region, "employer")
    if not (covers(actor, POST, place.code) or covers(actor, MANAGE, place.code)):
        # An employer login registers businesses where its role is held; outside the jurisdiction
        # is not told apart from absent.
        raise region_not_found("region")
    if credit_code:
        try:
            credit_code = credit_code_check(credit_code)
        except DomainError as exc:
            raise invalid("employer.invalid_credit_code", exc.message, "credit_code") from None
        if Employer.objects.filter(credit_code=credit_code).exists():
            raise conflict("employer.duplicate", _("This employer is already registered."), "credit_code")
    if enterprise is not None and Employer.objects.filter(enterprise=enterprise).exists():
        raise conflict("employer.duplicate", _("This employer is already registered."), "enterprise_id")
    employer = Employer(name=name, region=place, credit_code=credit_code, enterprise=enterprise)
    try:
        with transaction.atomic():
            employer.save(force_insert=True)
            if actor.prefixes_for(POST) and getattr(actor, "pk", None):
                employer.accounts.add(actor.pk)
            audit_record(actor=actor, action="employer.register", obj=employer, region_path=place.code)
    except IntegrityError:
        raise conflict(
            "employer.duplicate", _("This employer is already registered."), "credit_code"
        ) from None
    return employer


def job_post_create(
    *,
    actor: Actor,
    employer_id: int,
    title: str,
    occupation: str,
    salary_min: int,
    salary_max: int,
    headcount: int,
    closing_date: dt.date,
    region: str = "",
    requirements: str = "",
    shifts: str = "",
    transport_offered: bool = False,
) -> JobPost:
    """Post a job for an employer the actor acts for."""
    require_any(actor, POST, MANAGE)
    employer = Employer.objects.filter(pk=employer_id).first()
    if employer is None or not _acts_for(actor, employer):
        raise employer_not_found()
    title = _text(title, "job", "title", needed=True)
    requirements = _text(requirements, "job", "requirements")
    shifts = _text(shifts, "job", "shifts")
    found = Occupation.objects.filter(code=occupation).first()
    if found is None:
        raise invalid(
            "job.unknown_occupation", _("Choose an occupation of the classification."), "occupation"
        )
    place = _place(region or employer.region_id, "job")
    if not 0 <= salary_min <= salary_max <= MAX_SALARY:
        raise invalid(
            "job.invalid_salary",
            _("The monthly pay goes from a minimum up to a maximum of at most %(limit)s yuan."),
            "salary_max",
            limit=MAX_SALARY,
        )
    if not 1 <= headcount <= MAX_HEADCOUNT:
        raise invalid(
            "job.invalid_headcount", _("Ask for 1 to %(limit)s people."), "headcount", limit=MAX_HEADCOUNT
        )
    if closing_date < clock.today():
        raise invalid("job.closing_date_past", _("The closing date has passed."), "closing_date")
    post = JobPost(
        employer=employer,
        title=title,
        occupation=found,
        region=place,
        salary_min=salary_min,
        salary_max=salary_max,
        headcount=headcount,
        requirements=requirements,
        shifts=shifts,
        transport_offered=transport_offered,
        closing_date=closing_date,
        posted_at=clock.now(),
    )
    post.search_text = post_document(post)
    with transaction.atomic():
        post.save(force_insert=True)
        index_posts([post])
        audit_record(
            actor=actor, action="job.post", obj=post, region_path=place.code, data={"employer": employer.pk}
        )
    return post


def job_post_close(*, actor: Actor, job_id: int) -> JobPost:
    """Close a post: it leaves the search (a closed post cannot be opened again)."""
    require_any(actor, POST, MANAGE)
    with transaction.atomic():
        post = JobPost.objects.select_for_update().select_related("employer").filter(pk=job_id).first()
        if post is None or not _acts_for(actor, post.employer):
            raise job_not_found()
        if post.status == PostStatus.CLOSED:
            raise conflict("job.closed", _("This job post is already closed."), "job_id")
        post.status = PostStatus.CLOSED
        post.save(update_fields=["status"])
        audit_record(actor=actor, action="job.close", obj=post, region_path=post.region_id)
    return post


# Job seekers -------------------------------------------------------------------------------------


def seeker_save(
    *,
    actor: Actor,
    region: str,
    available_from: dt.date,
    occupation: str | None = None,
    skills: str = "",
    expected_salary: int = 0,
    visible: bool = True,
) -> Seeker:
    """Create or update the actor's own job-seeker profile (the resident their login is linked to)."""
    require(actor, SEEK)
    place = _place(region, "seeker")
    found = None
    if occupation:
        found = Occupation.objects.filter(code=occupation).first()
        if found is None:
            raise invalid(
                "seeker.unknown_occupation", _("Choose an occupation of the classification."), "occupation"
            )
    skills = " ".join(_text(skills, "seeker", "skills").split())
    if not 0 <= expected_salary <= MAX_SALARY:
        raise invalid(
            "seeker.invalid_salary",
            _("The expected monthly pay is at most %(limit)s yuan."),
            "expected_salary",
            limit=MAX_SALARY,
        )
    if available_from > clock.today() + AVAILABLE_AHEAD:
        raise invalid(
            "seeker.available_too_late",
            _("Say when you can start within the coming year."),
            "available_from",
        )
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(user_id=actor.pk).first()
        if person is None:
            raise conflict(
                "seeker.no_resident",
                _("Your login is not linked to a resident: ask your community to link it."),
            )
        seeker = Seeker.objects.filter(person=person).first() or Seeker(person=person)
        created = seeker.pk is None
        seeker.occupation = found
        seeker.skills = skills
        seeker.region = place
        seeker.expected_salary = expected_salary
        seeker.available_from = available_from
        seeker.visible = visible
        seeker.search_text = skill_text(skills)
        seeker.updated_at = clock.now()
        seeker.save()
        audit_record(
            actor=actor,
            action="seeker.create" if created else "seeker.update",
            obj=seeker,
            region_path=place.code,
        )
    return seeker


# Applications and the hiring pipeline ------------------------------------------------------------


def _note(note: str) -> str:
    return _text(note, "application", "note")


def _stage_write(application: Application, stage: Stage, actor: Actor, note: str, action: str) -> None:
    """Move the application (locked by the caller) to `stage` with its history row and audit event."""
    now = clock.now()
    application.stage = stage
    application.updated_at = now
    fields = ["stage", "updated_at"]
    if stage == Stage.HIRED:
        application.hired_at = now
        fields.append("hired_at")
    application.save(update_fields=fields)
    StageChange.objects.create(
        application=application, stage=stage, changed_at=now, changed_by_id=actor.pk, note=note
    )
    audit_record(
        actor=actor,
        action=action,
        obj=application,
        region_path=application.post.region_id,
        data={"stage": str(stage)},
    )


def job_apply(*, actor: Actor, job_id: int, note: str = "") -> Application:
    """Apply to an open post with the actor's seeker profile (once per post)."""
    require(actor, SEEK)
    note = _note(note)
    seeker = seeker_of(actor)
    if seeker is None:
        raise conflict(
            "application.no_profile", _("Fill in your job-seeker profile before applying."), "job_id"
        )
    with transaction.atomic():
        post = JobPost.objects.select_for_update().filter(pk=job_id).first()
        if post is None:
            raise job_not_found()
        if post.status != PostStatus.OPEN or post.closing_date < clock.today():
            raise conflict("job.closed", _("This job post is closed."), "job_id")
        if Application.objects.filter(post=post, seeker=seeker).exists():
            raise conflict("application.duplicate", _("You have already applied to this post."), "job_id")
        now = clock.now()
        application = Application.objects.create(
            post=post, seeker=seeker, note=note, applied_at=now, updated_at=now
        )
        StageChange.objects.create(
            application=application, stage=Stage.APPLIED, changed_at=now, changed_by_id=actor.pk, note=note
        )
        audit_record(actor=actor, action="application.apply", obj=application, region_path=post.region_id)
    return application


def application_withdraw(*, actor: Actor, application_id: int) -> Application:
    """The seeker takes back their own application while it is still open."""
    require(actor, SEEK)
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("post")
            .filter(pk=application_id, seeker__person__user_id=actor.pk)
            .first()
        )
        if application is None:
            raise application_not_found()
        if application.stage in FINAL_STAGES:
            raise invalid_transition(Stage(application.stage))
        _stage_write(application, Stage.WITHDRAWN, actor, "", "application.withdraw")
    return application


def application_move(*, actor: Actor, application_id: int, stage: str, note: str = "") -> Application:
    """The employer (an account of it, or an official over it) moves an application to the next
    stage of the pipeline or turns it down. Hiring counts against the post's headcount."""
    require_any(actor, POST, MANAGE)
    if stage not in Stage.values:
        raise invalid("application.invalid_stage", _("Choose a stage of the pipeline."), "stage")
    target = Stage(stage)
    note = _note(note)
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("post__employer")
            .filter(pk=application_id)
            .first()
        )
        if application is None or not _acts_for(actor, application.post.employer):
            raise application_not_found()
        current = Stage(application.stage)
        allowed = current not in FINAL_STAGES and target in (NEXT_STAGE.get(current), Stage.REJECTED)
        if not allowed:
            raise invalid_transition(current)
        if target == Stage.HIRED:
            # The post's row lock makes two hires at once count one after the other.
            post = JobPost.objects.select_for_update().get(pk=application.post_id)
            if Application.objects.filter(post=post, stage=Stage.HIRED).count() >= post.headcount:
                raise conflict(
                    "application.headcount_filled",
                    _("All %(headcount)s people this post wants are hired."),
                    "stage",
                    headcount=post.headcount,
                )
        _stage_write(application, target, actor, note, "application.move")
    return application
