"""Remote consultation pages and the experts' page: the list by role, a consultation with its
summary, invitations, schedule, answers, opinions and closing; experts, groups and their rota."""

import pytest
from tests.hospitals.conftest import TODAY
from tests.hospitals.page_helpers import page_of, signed_in

from fangyi.accounts.choices import Role
from fangyi.hospitals import models, services

LIST = "/hospitals/consultations/"
EXPERTS = "/hospitals/experts/"


def consultation_page(consultation) -> str:
    return f"{LIST}{consultation.pk}/"


@pytest.fixture
def consultation(staff, admit, case):
    """A consultation on a critical patient of 芙蓉区, with an imaging note."""
    admission = admit(case, severity="critical")
    services.treatment_record(
        actor=staff, admission_id=admission.pk, date=TODAY, kind="imaging", detail="胸部CT：双肺磨玻璃影"
    )
    return services.consultation_request(actor=staff, admission_id=admission.pk, question="氧合下降，请会诊")


@pytest.fixture
def expert(expert_user):
    return services.expert_create(
        actor=None, name="王专家", specialty="critical_care", user_id=expert_user.pk
    )


@pytest.fixture
def colleague(make_user):
    """Another expert with a login of their own."""
    login = make_user(Role.EXPERT, "43", username="colleague-h")
    return services.expert_create(actor=None, name="李专家", specialty="respiratory", user_id=login.pk)


# The list ----------------------------------------------------------------------------------------


def test_staff_see_their_countys_consultations_and_experts_their_invitations(
    staff, other_staff, expert, colleague, consultation
):
    assert "氧合下降" in page_of(signed_in(staff).get(LIST))
    assert "No remote consultation for you to see." in page_of(signed_in(other_staff).get(LIST))
    assert "No remote consultation for you to see." in page_of(signed_in(expert.user).get(LIST))
    services.consultation_invite(actor=staff, consultation_id=consultation.pk, expert_ids=[expert.pk])
    assert "氧合下降" in page_of(signed_in(expert.user).get(LIST))
    assert "氧合下降" not in page_of(signed_in(colleague.user).get(LIST))
    assert "No consultation has this status." in page_of(signed_in(staff).get(LIST, {"status": "completed"}))


def test_the_list_refuses_roles_without_hospitals(make_user):
    assert signed_in(make_user(Role.CHECKPOINT_STAFF, "430102")).get(LIST).status_code == 403


# A consultation ----------------------------------------------------------------------------------


def test_the_consultation_shows_the_summary_and_the_staffs_forms(staff, consultation, expert):
    html = page_of(signed_in(staff).get(consultation_page(consultation)))
    assert "胸部CT：双肺磨玻璃影" in html and "Confirmed" in html and "Critical" in html
    for marker in ('id="invite-form"', 'id="schedule-form"', 'id="close-form"'):
        assert marker in html
    assert "王专家" in html and 'id="opinion-form"' not in html


def test_invite_an_expert_and_those_on_duty_come_first(
    prefecture_official, staff, consultation, expert, colleague
):
    group = services.expert_group_create(
        actor=prefecture_official, name="长沙专家组", region="4301", member_ids=[expert.pk, colleague.pk]
    )
    services.duty_assign(
        actor=prefecture_official, group_id=group.pk, expert_id=colleague.pk, date=TODAY, shift="day"
    )
    html = page_of(signed_in(staff).get(consultation_page(consultation)))
    assert html.index("李专家 · Respiratory medicine · on duty today") < html.index("王专家")
    path = consultation_page(consultation) + "invite/"
    assert signed_in(staff).post(path, {}).status_code == 400
    assert signed_in(staff).post(path, {"expert_ids": [str(expert.pk)]}).status_code == 302
    assert list(models.Invitation.objects.values_list("expert", flat=True)) == [expert.pk]


def test_schedule_wants_an_https_link_opened_in_a_new_tab(staff, consultation):
    path = consultation_page(consultation) + "schedule/"
    plain = signed_in(staff).post(
        path, {"scheduled_at": "2020-02-10T15:00", "video_url": "http://meet.example.com/a"}
    )
    assert plain.status_code == 400 and "Give the video meeting&#x27;s https:// link." in page_of(plain)
    assert models.Consultation.objects.get().status == "requested"
    past = signed_in(staff).post(
        path, {"scheduled_at": "2020-02-09T15:00", "video_url": "https://meet.example.com/a"}
    )
    assert past.status_code == 400 and models.Consultation.objects.get().scheduled_at is None
    ok = signed_in(staff).post(
        path, {"scheduled_at": "2020-02-10T15:00", "video_url": "https://meet.example.com/a"}
    )
    assert ok.status_code == 302
    html = page_of(signed_in(staff).get(consultation_page(consultation)))
    assert 'href="https://meet.example.com/a" target="_blank" rel="noopener noreferrer"' in html
    assert "2020-02-10 15:00" in html


def test_the_invited_expert_accepts_and_gives_an_opinion(staff, consultation, expert):
    services.consultation_invite(actor=staff, consultation_id=consultation.pk, expert_ids=[expert.pk])
    page = consultation_page(consultation)
    html = page_of(signed_in(expert.user).get(page))
    assert 'value="accept"' in html and 'id="invite-form"' not in html and 'id="opinion-form"' not in html
    assert signed_in(expert.user).post(page + "answer/", {"answer": "accept"}).status_code == 302
    assert models.Invitation.objects.get().status == "accepted"
    assert 'id="opinion-form"' in page_of(signed_in(expert.user).get(page))
    empty = signed_in(expert.user).post(page + "opinion/", {"text": ""})
    assert empty.status_code == 400 and models.Opinion.objects.count() == 0
    given = signed_in(expert.user).post(
        page + "opinion/", {"text": "建议俯卧位通气", "recommendations": "高流量氧疗"}
    )
    assert given.status_code == 302
    assert "建议俯卧位通气" in page_of(signed_in(staff).get(page))
    admission = f"/hospitals/admissions/{consultation.admission_id}/"
    assert "建议俯卧位通气" in page_of(signed_in(staff).get(admission))


def test_the_invited_expert_may_decline(staff, consultation, expert):
    services.consultation_invite(actor=staff, consultation_id=consultation.pk, expert_ids=[expert.pk])
    page = consultation_page(consultation)
    assert signed_in(expert.user).post(page + "answer/", {"answer": "decline"}).status_code == 302
    assert models.Invitation.objects.get().status == "declined"
    assert "Your answer: Declined." in page_of(signed_in(expert.user).get(page))


def test_an_expert_not_invited_finds_nothing(staff, consultation, expert, colleague):
    services.consultation_invite(actor=staff, consultation_id=consultation.pk, expert_ids=[expert.pk])
    page = consultation_page(consultation)
    assert signed_in(colleague.user).get(page).status_code == 404
    assert signed_in(colleague.user).post(page + "answer/", {"answer": "accept"}).status_code == 404
    assert signed_in(colleague.user).post(page + "opinion/", {"text": "意见"}).status_code == 404
    assert models.Opinion.objects.count() == 0 and models.Invitation.objects.get().status == "invited"


def test_consultation_permissions(staff, other_staff, expert, consultation):
    page = consultation_page(consultation)
    assert signed_in(other_staff).get(page).status_code == 404
    assert signed_in(other_staff).post(page + "close/", {"status": "completed"}).status_code == 404
    services.consultation_invite(actor=staff, consultation_id=consultation.pk, expert_ids=[expert.pk])
    assert signed_in(expert.user).post(page + "close/", {"status": "completed"}).status_code == 403
    assert signed_in(staff).post(page + "answer/", {"answer": "accept"}).status_code == 403
    assert models.Consultation.objects.get().status == "requested"


def test_close_a_consultation(staff, consultation):
    page = consultation_page(consultation)
    assert signed_in(staff).post(page + "close/", {"status": "requested"}).status_code == 400
    assert signed_in(staff).post(page + "close/", {"status": "completed"}).status_code == 302
    html = page_of(signed_in(staff).get(page))
    assert models.Consultation.objects.get().status == "completed" and 'id="close-form"' not in html


# Experts -----------------------------------------------------------------------------------------


def test_the_experts_page_groups_by_specialty_with_groups_and_rota(
    prefecture_official, staff, expert, colleague
):
    group = services.expert_group_create(
        actor=prefecture_official,
        name="长沙专家组",
        region="4301",
        member_ids=[expert.pk, colleague.pk],
        leader_id=expert.pk,
    )
    services.duty_assign(
        actor=prefecture_official, group_id=group.pk, expert_id=colleague.pk, date=TODAY, shift="night"
    )
    html = page_of(signed_in(staff).get(EXPERTS))
    assert "Critical care" in html and "Respiratory medicine" in html and "长沙专家组" in html
    assert "Leader: 王专家" in html and "Night (20:00–08:00)" in html and "Week of 2020-02-10" in html
    assert 'id="expert-form"' not in html and "Assign" not in html
    next_week = page_of(signed_in(staff).get(EXPERTS, {"week": "2020-02-17"}))
    assert "Night (20:00–08:00)" not in next_week and "Week of 2020-02-17" in next_week


def test_a_manager_adds_experts_and_groups(prefecture_official):
    assert "No expert has been added." in page_of(signed_in(prefecture_official).get(EXPERTS))
    bad = signed_in(prefecture_official).post(EXPERTS, {"form": "expert", "name": "", "specialty": "tcm"})
    assert bad.status_code == 400 and models.Expert.objects.count() == 0
    ok = signed_in(prefecture_official).post(
        EXPERTS, {"form": "expert", "name": "周专家", "specialty": "tcm"}
    )
    assert ok.status_code == 302
    expert = models.Expert.objects.get()
    group = {"form": "group", "name": "长沙专家组", "region": "4301", "member_ids": [str(expert.pk)]}
    outside = signed_in(prefecture_official).post(EXPERTS, {**group, "region": "4306"})
    assert outside.status_code == 400 and models.ExpertGroup.objects.count() == 0
    assert signed_in(prefecture_official).post(EXPERTS, group).status_code == 302
    taken = signed_in(prefecture_official).post(EXPERTS, group)
    assert taken.status_code == 409 and "This region already has a group of this name." in page_of(taken)


def test_a_manager_assigns_and_removes_duty(prefecture_official, expert, colleague):
    group = services.expert_group_create(
        actor=prefecture_official, name="组", region="4301", member_ids=[expert.pk]
    )
    path = f"/hospitals/experts/groups/{group.pk}/rota/"
    outsider = signed_in(prefecture_official).post(
        path, {"expert_id": str(colleague.pk), "date": "2020-02-12", "shift": "day", "week": "2020-02-10"}
    )
    assert outsider.status_code == 302 and models.DutyShift.objects.count() == 0
    ok = signed_in(prefecture_official).post(
        path, {"expert_id": str(expert.pk), "date": "2020-02-19", "shift": "day"}
    )
    assert ok.status_code == 302 and ok["Location"] == "/hospitals/experts/?week=2020-02-17"
    shift = models.DutyShift.objects.get()
    html = page_of(signed_in(prefecture_official).get(EXPERTS, {"week": "2020-02-17"}))
    assert f'data-shift="{shift.pk}"' in html
    removed = signed_in(prefecture_official).post(
        f"/hospitals/experts/rota/{shift.pk}/remove/", {"week": "2020-02-17"}
    )
    assert removed.status_code == 302 and models.DutyShift.objects.count() == 0


def test_experts_page_permissions(staff, make_user, prefecture_official, expert):
    group = services.expert_group_create(
        actor=prefecture_official, name="组", region="4301", member_ids=[expert.pk]
    )
    assert signed_in(make_user(Role.CHECKPOINT_STAFF, "430102")).get(EXPERTS).status_code == 403
    assert (
        signed_in(staff).post(EXPERTS, {"form": "expert", "name": "X", "specialty": "tcm"}).status_code == 403
    )
    form = {"expert_id": str(expert.pk), "date": "2020-02-12", "shift": "day"}
    assert signed_in(staff).post(f"/hospitals/experts/groups/{group.pk}/rota/", form).status_code == 403
    yueyang = make_user(Role.PREFECTURE_OFFICIAL, "4306")
    assert signed_in(yueyang).post(f"/hospitals/experts/groups/{group.pk}/rota/", form).status_code == 404
    assert models.Expert.objects.count() == 1 and models.DutyShift.objects.count() == 0
