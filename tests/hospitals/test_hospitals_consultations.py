"""Experts, expert groups, the duty rota and remote consultations."""

import datetime as dt

import pytest
from tests.hospitals.conftest import DAYS_AGO, TODAY, at

from fangyi.accounts.choices import Role
from fangyi.core.errors import DomainError
from fangyi.hospitals import models, selectors, services


def refused(call, status: int, code: str) -> None:
    before = [
        m.objects.count() for m in (models.ExpertGroup, models.DutyShift, models.Invitation, models.Opinion)
    ]
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.status, caught.value.code) == (status, code), caught.value.render_message()
    assert before == [
        m.objects.count() for m in (models.ExpertGroup, models.DutyShift, models.Invitation, models.Opinion)
    ]


@pytest.fixture
def expert(prefecture_official, expert_user):
    return services.expert_create(
        actor=prefecture_official,
        name="王医生",
        specialty="critical_care",
        title="主任医师",
        user_id=expert_user.pk,
    )


@pytest.fixture
def other_expert(prefecture_official):
    return services.expert_create(actor=prefecture_official, name="李医生", specialty="tcm")


@pytest.fixture
def severe_admission(case, admit):
    return admit(case, severity="severe")


def test_expert_login_is_taken_once(prefecture_official, expert, expert_user):
    with pytest.raises(DomainError) as caught:
        services.expert_create(actor=prefecture_official, name="x", specialty="tcm", user_id=expert_user.pk)
    assert caught.value.code == "expert.user_taken"
    with pytest.raises(DomainError) as caught:
        services.expert_create(actor=prefecture_official, name="x", specialty="surgery")
    assert caught.value.code == "expert.invalid_specialty"


def test_groups_and_rota(prefecture_official, manager, expert, other_expert, make_user):
    refused(
        lambda: services.expert_group_create(
            actor=prefecture_official, name="组", region="430102", member_ids=[]
        ),
        400,
        "group.invalid_region",
    )
    # A county official runs the county's hospitals, not the directory of experts.
    refused(
        lambda: services.expert_group_create(actor=manager, name="组", region="4301", member_ids=[expert.pk]),
        403,
        "permission_denied",
    )
    refused(
        lambda: services.expert_group_create(
            actor=prefecture_official, name="组", region="4302", member_ids=[expert.pk]
        ),
        404,
        "region.not_found",
    )
    refused(
        lambda: services.expert_group_create(
            actor=prefecture_official,
            name="组",
            region="4301",
            member_ids=[expert.pk],
            leader_id=other_expert.pk,
        ),
        400,
        "group.leader_not_member",
    )
    group = services.expert_group_create(
        actor=prefecture_official,
        name="长沙市救治专家组",
        region="4301",
        member_ids=[expert.pk],
        leader_id=expert.pk,
    )
    refused(
        lambda: services.expert_group_create(
            actor=prefecture_official, name="长沙市救治专家组", region="4301", member_ids=[]
        ),
        409,
        "group.name_taken",
    )
    refused(
        lambda: services.duty_assign(
            actor=prefecture_official, group_id=group.pk, expert_id=other_expert.pk, date=TODAY, shift="day"
        ),
        400,
        "duty.not_a_member",
    )
    duty = services.duty_assign(
        actor=prefecture_official, group_id=group.pk, expert_id=expert.pk, date=TODAY, shift="day"
    )
    refused(
        lambda: services.duty_assign(
            actor=prefecture_official, group_id=group.pk, expert_id=expert.pk, date=TODAY, shift="day"
        ),
        409,
        "duty.already_assigned",
    )
    services.duty_assign(
        actor=prefecture_official, group_id=group.pk, expert_id=expert.pk, date=TODAY, shift="night"
    )
    refused(
        lambda: services.duty_assign(
            actor=manager, group_id=group.pk, expert_id=expert.pk, date=TODAY, shift="day"
        ),
        403,
        "permission_denied",
    )
    zhuzhou = make_user(Role.PREFECTURE_OFFICIAL, "4302", username="zhuzhou-h")
    refused(
        lambda: services.duty_assign(
            actor=zhuzhou, group_id=group.pk, expert_id=expert.pk, date=TODAY, shift="day"
        ),
        404,
        "group.not_found",
    )
    shifts = selectors.rota(actor=manager, group_id=group.pk, start=DAYS_AGO[1], days=3)
    assert [(s.date, s.shift) for s in shifts] == [(TODAY, "day"), (TODAY, "night")]
    services.duty_remove(actor=prefecture_official, shift_id=duty.pk)
    assert len(selectors.rota(actor=manager, group_id=group.pk, start=TODAY)) == 1


def test_consultation_only_for_severe_patients(staff, case, admit):
    admission = admit(case, severity="moderate")
    with pytest.raises(DomainError) as caught:
        services.consultation_request(actor=staff, admission_id=admission.pk, question="请会诊")
    assert (caught.value.status, caught.value.code) == (409, "consultation.not_severe")
    assert models.Consultation.objects.count() == 0


def test_consultation_summary_invitations_and_opinions(
    staff, other_staff, expert_user, make_user, expert, other_expert, severe_admission
):
    services.severity_record(
        actor=staff,
        admission_id=severe_admission.pk,
        date=DAYS_AGO[1],
        severity="critical",
        temperature="38.6",
        spo2=88,
    )
    services.treatment_record(
        actor=staff,
        admission_id=severe_admission.pk,
        date=DAYS_AGO[1],
        kind="imaging",
        detail="CT: 双肺磨玻璃影",
    )
    consultation = services.consultation_request(
        actor=staff, admission_id=severe_admission.pk, question="是否上ECMO?"
    )
    summary = consultation.summary
    assert summary["latest_vitals"]["spo2"] == 88 and summary["latest_vitals"]["temperature"] == 38.6
    assert summary["imaging"] == [{"date": DAYS_AGO[1].isoformat(), "detail": "CT: 双肺磨玻璃影"}]
    assert [e["kind"] for e in summary["history"]][:2] == ["reported", "confirmed"]
    assert summary["case"]["severity"] == "critical"

    # Others do not see it; the expert sees it only once invited.
    with pytest.raises(DomainError):
        selectors.consultation_get(actor=other_staff, consultation_id=consultation.pk)
    assert list(selectors.consultation_list(actor=expert_user)) == []
    refused(
        lambda: services.opinion_record(actor=expert_user, consultation_id=consultation.pk, text="建议"),
        404,
        "consultation.not_found",
    )
    invitations = services.consultation_invite(
        actor=staff, consultation_id=consultation.pk, expert_ids=[expert.pk, other_expert.pk]
    )
    assert len(invitations) == 2
    assert list(selectors.consultation_list(actor=expert_user)) == [consultation]
    assert selectors.admission_get(actor=expert_user, admission_id=severe_admission.pk) == severe_admission

    refused(
        lambda: services.consultation_schedule(
            actor=staff,
            consultation_id=consultation.pk,
            scheduled_at=at(TODAY, 15),
            video_url="http://meet.example.cn/1",
        ),
        400,
        "consultation.invalid_video_url",
    )
    refused(
        lambda: services.consultation_schedule(
            actor=staff,
            consultation_id=consultation.pk,
            scheduled_at=at(TODAY, 15),
            video_url="javascript:alert(1)",
        ),
        400,
        "consultation.invalid_video_url",
    )
    scheduled = services.consultation_schedule(
        actor=staff,
        consultation_id=consultation.pk,
        scheduled_at=at(TODAY, 15),
        video_url="https://meet.example.cn/1",
    )
    assert scheduled.status == "scheduled"

    mine = next(i for i in invitations if i.expert_id == expert.pk)
    theirs = next(i for i in invitations if i.expert_id == other_expert.pk)
    stranger = make_user("expert", "43", username="stranger-h")
    refused(
        lambda: services.invitation_answer(actor=stranger, invitation_id=mine.pk, accept=True),
        404,
        "invitation.not_found",
    )
    refused(
        lambda: services.invitation_answer(actor=expert_user, invitation_id=theirs.pk, accept=True),
        404,
        "invitation.not_found",
    )
    assert (
        services.invitation_answer(actor=expert_user, invitation_id=mine.pk, accept=True).status == "accepted"
    )
    refused(
        lambda: services.opinion_record(actor=stranger, consultation_id=consultation.pk, text="建议"),
        404,
        "consultation.not_found",
    )
    opinion = services.opinion_record(
        actor=expert_user, consultation_id=consultation.pk, text="俯卧位通气", recommendations="评估ECMO"
    )
    assert list(severe_admission.consultations.get().opinions.all()) == [opinion]

    services.consultation_close(actor=staff, consultation_id=consultation.pk, status="completed")
    refused(
        lambda: services.consultation_invite(
            actor=staff, consultation_id=consultation.pk, expert_ids=[expert.pk]
        ),
        409,
        "consultation.closed",
    )
    with pytest.raises(DomainError):
        services.consultation_close(actor=other_staff, consultation_id=consultation.pk, status="cancelled")


def test_schedule_in_the_past_is_refused(staff, severe_admission):
    consultation = services.consultation_request(actor=staff, admission_id=severe_admission.pk, question="q")
    with pytest.raises(DomainError) as caught:
        services.consultation_schedule(
            actor=staff,
            consultation_id=consultation.pk,
            scheduled_at=at(TODAY) - dt.timedelta(hours=1),
            video_url="https://meet.example.cn/1",
        )
    assert caught.value.code == "consultation.in_past"
