import datetime as dt

import pytest
from tests.employment.conftest import COUNTY, OTHER_COUNTY, in_days

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.employment import selectors, services
from fangyi.employment.models import Application, JobPost, StageChange


def refused(call, code: str, status: int) -> None:
    """The call is refused with `code` and writes nothing at all."""
    before = (
        list(Application.objects.values_list("pk", "stage", "updated_at", "hired_at")),
        StageChange.objects.count(),
        AuditEvent.objects.count(),
    )
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.code, caught.value.status) == (code, status)
    after = (
        list(Application.objects.values_list("pk", "stage", "updated_at", "hired_at")),
        StageChange.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_a_seeker_applies_once_with_a_history_row(application, seeker, seeker_login):
    assert (application.stage, application.seeker_id, application.note) == (
        "applied",
        seeker.pk,
        "有五年经验",
    )
    (change,) = application.changes.all()
    assert (change.stage, change.changed_by_id) == ("applied", seeker_login.pk)
    assert AuditEvent.objects.filter(action="application.apply", object_id=str(application.pk)).exists()
    assert list(selectors.applications_of(seeker_login)) == [application]
    refused(
        lambda: services.job_apply(actor=seeker_login, job_id=application.post_id),
        "application.duplicate",
        409,
    )


def test_applying_needs_a_profile_and_an_open_post(seeker_login, make_seeker_login, make_post, boss):
    post = make_post()
    without_profile = make_seeker_login("王小红")
    refused(lambda: services.job_apply(actor=without_profile, job_id=post.pk), "application.no_profile", 409)
    refused(lambda: services.job_apply(actor=boss, job_id=post.pk), "permission_denied", 403)
    services.seeker_save(actor=seeker_login, region=COUNTY, available_from=in_days(0))
    refused(lambda: services.job_apply(actor=seeker_login, job_id=10**6), "job.not_found", 404)
    refused(
        lambda: services.job_apply(actor=seeker_login, job_id=post.pk, note="备" * 257),
        "application.note_too_long",
        400,
    )
    expired = make_post("过期电工")
    JobPost.objects.filter(pk=expired.pk).update(closing_date=clock.today() - dt.timedelta(days=1))
    refused(lambda: services.job_apply(actor=seeker_login, job_id=expired.pk), "job.closed", 409)
    closed = make_post("已关电工")
    JobPost.objects.filter(pk=closed.pk).update(status="closed")
    refused(lambda: services.job_apply(actor=seeker_login, job_id=closed.pk), "job.closed", 409)
    assert services.job_apply(actor=seeker_login, job_id=post.pk).stage == "applied"


def test_the_employer_moves_an_application_along_the_pipeline(application, boss):
    for stage in ("shortlisted", "interview", "offered", "hired"):
        moved = services.application_move(actor=boss, application_id=application.pk, stage=stage, note="好")
        assert moved.stage == stage
    moved.refresh_from_db()
    assert moved.hired_at is not None
    history = list(moved.changes.values_list("stage", "changed_by_id"))
    assert history == [
        ("applied", application.seeker.person.user_id),
        ("shortlisted", boss.pk),
        ("interview", boss.pk),
        ("offered", boss.pk),
        ("hired", boss.pk),
    ]
    assert AuditEvent.objects.filter(action="application.move", object_id=str(moved.pk)).count() == 4
    # Hired is final.
    for stage in ("rejected", "offered", "withdrawn"):
        refused(
            lambda stage=stage: services.application_move(actor=boss, application_id=moved.pk, stage=stage),
            "application.invalid_transition",
            409,
        )


@pytest.mark.parametrize(
    ("stage", "code", "status"),
    [
        ("interview", "application.invalid_transition", 409),  # skips shortlisted
        ("hired", "application.invalid_transition", 409),
        ("applied", "application.invalid_transition", 409),
        ("withdrawn", "application.invalid_transition", 409),  # only the seeker withdraws
        ("sacked", "application.invalid_stage", 400),
        ("", "application.invalid_stage", 400),
    ],
)
def test_moves_off_the_pipeline_are_refused(application, boss, stage, code, status):
    refused(
        lambda: services.application_move(actor=boss, application_id=application.pk, stage=stage),
        code,
        status,
    )


def test_a_note_too_long_is_refused(application, boss):
    refused(
        lambda: services.application_move(
            actor=boss, application_id=application.pk, stage="shortlisted", note="备" * 257
        ),
        "application.note_too_long",
        400,
    )


def test_any_open_stage_may_be_turned_down_and_that_is_final(application, boss):
    services.application_move(actor=boss, application_id=application.pk, stage="shortlisted")
    rejected = services.application_move(actor=boss, application_id=application.pk, stage="rejected")
    assert rejected.stage == "rejected" and rejected.hired_at is None
    refused(
        lambda: services.application_move(actor=boss, application_id=application.pk, stage="interview"),
        "application.invalid_transition",
        409,
    )


def test_who_may_move_an_application(application, make_user, seeker_login, county_official):
    stranger = make_user(Role.EMPLOYER, COUNTY)
    outsider = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    for actor in (stranger, outsider):
        refused(
            lambda actor=actor: services.application_move(
                actor=actor, application_id=application.pk, stage="shortlisted"
            ),
            "application.not_found",
            404,
        )
    refused(
        lambda: services.application_move(
            actor=seeker_login, application_id=application.pk, stage="shortlisted"
        ),
        "permission_denied",
        403,
    )
    refused(
        lambda: services.application_move(actor=county_official, application_id=10**6, stage="shortlisted"),
        "application.not_found",
        404,
    )
    moved = services.application_move(
        actor=county_official, application_id=application.pk, stage="shortlisted"
    )
    assert moved.changes.last().changed_by_id == county_official.pk


def test_hiring_stops_at_the_headcount(seeker, seeker_login, make_seeker_login, make_post, boss):
    post = make_post("招聘电工一名", headcount=1)
    second_login = make_seeker_login("王小红")
    services.seeker_save(actor=second_login, region=COUNTY, available_from=in_days(0))
    first = services.job_apply(actor=seeker_login, job_id=post.pk)
    second = services.job_apply(actor=second_login, job_id=post.pk)
    for application in (first, second):
        for stage in ("shortlisted", "interview", "offered"):
            services.application_move(actor=boss, application_id=application.pk, stage=stage)
    services.application_move(actor=boss, application_id=first.pk, stage="hired")
    refused(
        lambda: services.application_move(actor=boss, application_id=second.pk, stage="hired"),
        "application.headcount_filled",
        409,
    )
    # Turning the second down is still possible.
    assert (
        services.application_move(actor=boss, application_id=second.pk, stage="rejected").stage == "rejected"
    )


def test_a_seeker_withdraws_their_own_open_application(application, seeker_login, make_seeker_login, boss):
    other = make_seeker_login("王小红")
    refused(
        lambda: services.application_withdraw(actor=other, application_id=application.pk),
        "application.not_found",
        404,
    )
    refused(
        lambda: services.application_withdraw(actor=boss, application_id=application.pk),
        "permission_denied",
        403,
    )
    withdrawn = services.application_withdraw(actor=seeker_login, application_id=application.pk)
    assert withdrawn.stage == "withdrawn"
    assert withdrawn.changes.last().stage == "withdrawn"
    refused(
        lambda: services.application_withdraw(actor=seeker_login, application_id=application.pk),
        "application.invalid_transition",
        409,
    )
    refused(
        lambda: services.application_move(actor=boss, application_id=application.pk, stage="rejected"),
        "application.invalid_transition",
        409,
    )


def test_the_employer_sees_the_name_only_once_shortlisted(application, boss, make_user, county_official):
    (applicant,) = selectors.applications_for_post(actor=boss, job_id=application.post_id)
    assert selectors.applicant_name(applicant) == "李**"
    services.application_move(actor=boss, application_id=application.pk, stage="shortlisted")
    (applicant,) = selectors.applications_for_post(actor=county_official, job_id=application.post_id)
    assert selectors.applicant_name(applicant) == "李建国"
    services.application_move(actor=boss, application_id=application.pk, stage="rejected")
    (applicant,) = selectors.applications_for_post(actor=boss, job_id=application.post_id)
    assert selectors.applicant_name(applicant) == "李建国"
    stranger = make_user(Role.EMPLOYER, COUNTY)
    with pytest.raises(DomainError) as hidden:
        selectors.applications_for_post(actor=stranger, job_id=application.post_id)
    assert hidden.value.code == "job.not_found"
