"""The volunteer pages: the coordinator's dashboard, the registry with registration and
qualification checks, missions with sign-ups and hours, the volunteer's own page, the hotline rota
and anonymous session log, and the public certificate check; who may see and do what, refusals
shown next to the field with the input kept and nothing written."""

import re

import pytest
from django.test import Client
from tests.volunteers.conftest import COUNTY, OTHER_COUNTY, TOWNSHIP, VILLAGE, at

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.models import AuditEvent
from fangyi.volunteers import services
from fangyi.volunteers.choices import HoursStatus, MissionKind, MissionStatus, SignUpStatus
from fangyi.volunteers.models import (
    Certificate,
    CounsellingSession,
    HotlineShift,
    HoursRecord,
    Mission,
    SignUp,
    Volunteer,
)

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def signed_in(user) -> Client:
    client = Client(**EN)
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def served(user, mission, coordinator, *, start: int = 7, end: int = 9):
    """An assigned sign-up of `user` on `mission` with hours logged from `start` to `end` o'clock."""
    signup = services.signup_create(actor=user, mission_id=mission.pk)
    services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
    return services.hours_log(
        actor=coordinator, signup_id=signup.pk, check_in_at=at(10, start), check_out_at=at(10, end)
    )


# Who may open which page ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/volunteers/", "/volunteers/registry/", "/volunteers/missions/"])
def test_coordinator_pages_are_refused_to_residents_and_ask_others_to_sign_in(path, resident):
    assert Client(**EN).get(path).status_code == 302
    response = signed_in(resident).get(path)
    assert response.status_code == 403
    assert "Not allowed" in html(response)


def test_the_volunteers_own_page_is_refused_to_a_coordinator(coordinator):
    assert signed_in(coordinator).get("/volunteers/me/").status_code == 403


# Dashboard ---------------------------------------------------------------------------------------


def test_the_dashboard_shows_figures_and_what_waits(coordinator, volunteer, mission):
    user, _volunteer = volunteer
    services.signup_create(actor=user, mission_id=mission.pk)
    page = html(signed_in(coordinator).get("/volunteers/"))
    assert 'id="stats"' in page
    assert re.search(r'<span class="kpi__value">1</span><span class="kpi__label">Volunteers', page)
    assert f'data-mission="{mission.pk}"' in page
    signup = SignUp.objects.get()
    assert f'data-signup="{signup.pk}"' in page
    assert "Assign" in page and "Decline" in page
    # No shift this week: every hour is a gap.
    assert "no counsellor" in page and "00:00–24:00" in page


def test_the_dashboard_for_an_official_has_no_coordinator_buttons(make_user, volunteer, mission):
    user, _volunteer = volunteer
    services.signup_create(actor=user, mission_id=mission.pk)
    official = make_user(Role.COUNTY_OFFICIAL, COUNTY)
    page = html(signed_in(official).get("/volunteers/"))
    assert f'data-signup="{SignUp.objects.get().pk}"' in page
    assert 'data-action="assign"' not in page
    assert "New mission" not in page


def test_the_dashboard_has_empty_states(coordinator):
    page = html(signed_in(coordinator).get("/volunteers/"))
    assert "No mission is open in this area." in page
    assert "No sign-up is waiting." in page
    assert "No hours are waiting." in page


def test_the_dashboard_refuses_a_region_outside_the_jurisdiction(coordinator):
    response = signed_in(coordinator).get("/volunteers/", {"region": OTHER_COUNTY})
    assert response.status_code == 400
    assert "No such region." in html(response)


# Registry ----------------------------------------------------------------------------------------


def test_the_registry_lists_masked_names_with_filters(coordinator, make_volunteer):
    make_volunteer(skills=["driving"], organisation="湘雅志愿队")
    make_volunteer(skills=["medical"], counsellor=True)
    client = signed_in(coordinator)
    page = html(client.get("/volunteers/registry/"))
    assert "2 volunteers" in page
    names = [v.person.name for v in Volunteer.objects.select_related("person")]
    for name in names:
        assert name not in page
        assert f"{name[0]}*" in page
    page = html(client.get("/volunteers/registry/", {"skill": "driving"}))
    assert "1 volunteer" in page and "湘雅志愿队" in page
    page = html(client.get("/volunteers/registry/", {"counsellor": "true"}))
    assert "1 volunteer" in page and "Psychological counsellor, level 2" in page
    page = html(client.get("/volunteers/registry/", {"q": "nobody"}))
    assert "No volunteer matches this search." in page


def test_an_htmx_search_answers_the_results_only(coordinator, volunteer):
    response = signed_in(coordinator).get("/volunteers/registry/", {"q": "nobody"}, HTTP_HX_REQUEST="true")
    page = html(response)
    assert page.lstrip().startswith('<div id="results">')
    assert "No volunteer matches this search." in page and "<html" not in page


def test_the_registry_of_another_county_is_empty(other_coordinator, volunteer):
    page = html(signed_in(other_coordinator).get("/volunteers/registry/"))
    assert "No volunteer is registered in your area yet." in page


def test_the_registry_refuses_a_nul_in_the_search(coordinator):
    response = signed_in(coordinator).get("/volunteers/registry/", {"q": "a\x00b"})
    assert response.status_code == 400


def test_a_coordinator_registers_a_volunteer(coordinator, new_id_number):
    response = signed_in(coordinator).post(
        "/volunteers/registry/",
        {
            "name": "周小芳",
            "id_number": new_id_number(COUNTY),
            "home_region": VILLAGE,
            "region": TOWNSHIP,
            "organisation": "文艺路志愿队",
            "skills": ["driving", "logistics"],
            "languages": ["mandarin"],
        },
        follow=True,
    )
    assert "The volunteer is registered." in html(response)
    volunteer = Volunteer.objects.get()
    assert (volunteer.region_id, volunteer.skills) == (TOWNSHIP, ["driving", "logistics"])


def test_a_bad_identity_number_is_shown_on_its_field_with_the_input_kept(coordinator):
    response = signed_in(coordinator).post(
        "/volunteers/registry/",
        {"name": "周小芳", "id_number": "430102198001011234", "home_region": VILLAGE, "region": TOWNSHIP},
    )
    assert response.status_code == 400
    page = html(response)
    assert re.search(r'id="id_register_id_number_error"', page)
    assert 'value="周小芳"' in page
    assert not Volunteer.objects.exists()


def test_a_region_outside_the_jurisdiction_is_refused_on_its_field(coordinator, new_id_number):
    response = signed_in(coordinator).post(
        "/volunteers/registry/",
        {
            "name": "周小芳",
            "id_number": new_id_number(COUNTY),
            "home_region": VILLAGE,
            "region": OTHER_COUNTY,
        },
    )
    assert response.status_code == 400
    assert 'id="id_register_region_error"' in html(response)
    assert not Volunteer.objects.exists()


def test_registering_the_same_resident_twice_is_a_conflict(coordinator, volunteer):
    _user, existing = volunteer
    person = existing.person
    from fangyi.core import pii

    response = signed_in(coordinator).post(
        "/volunteers/registry/",
        {
            "name": person.name,
            "id_number": pii.decrypt(person.id_number_encrypted),
            "home_region": VILLAGE,
            "region": TOWNSHIP,
        },
    )
    assert response.status_code == 409
    assert "already registered as a volunteer" in html(response)
    assert Volunteer.objects.count() == 1


def test_residents_cannot_post_a_registration(resident, new_id_number):
    response = signed_in(resident).post(
        "/volunteers/registry/",
        {"name": "周小芳", "id_number": new_id_number(COUNTY), "home_region": VILLAGE, "region": VILLAGE},
    )
    assert response.status_code == 403
    assert not Volunteer.objects.exists()


def test_a_coordinator_verifies_a_qualification(coordinator, volunteer):
    user, record = volunteer
    services.qualification_submit(actor=user, qualification="counsellor_2", number="C-88")
    client = signed_in(coordinator)
    page = html(client.get("/volunteers/registry/"))
    assert f'data-qualification="{record.pk}"' in page and "C-88" in page
    response = client.post(f"/volunteers/registry/{record.pk}/qualification/approve/", follow=True)
    assert "The qualification is verified." in html(response)
    record.refresh_from_db()
    assert record.is_counsellor
    assert "No qualification is waiting to be verified." in html(client.get("/volunteers/registry/"))


def test_another_countys_coordinator_cannot_verify(other_coordinator, volunteer):
    user, record = volunteer
    services.qualification_submit(actor=user, qualification="counsellor_2", number="C-88")
    response = signed_in(other_coordinator).post(f"/volunteers/registry/{record.pk}/qualification/approve/")
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.qualification_verified_at is None


def test_a_certificate_is_issued_from_the_registry(coordinator, volunteer, mission):
    user, record = volunteer
    hours = served(user, mission, coordinator)
    services.hours_decide(actor=coordinator, record_id=hours.pk, approve=True)
    client = signed_in(coordinator)
    response = client.post(f"/volunteers/registry/{record.pk}/certificate/", follow=True)
    certificate = Certificate.objects.get()
    page = html(response)
    assert f"Certificate {certificate.serial} is issued." in page
    assert re.search(rf'data-volunteer="{record.pk}">(?:(?!</tr>).)*<td class="num">2\.0</td>', page, re.S)


def test_a_certificate_without_approved_hours_is_refused_with_nothing_written(coordinator, volunteer):
    _user, record = volunteer
    response = signed_in(coordinator).post(f"/volunteers/registry/{record.pk}/certificate/", follow=True)
    assert "no approved hours yet" in html(response)
    assert not Certificate.objects.exists()


def test_a_coordinator_retires_a_volunteer_not_on_duty(coordinator, volunteer, assigned, resident):
    user, record = volunteer
    url = f"/volunteers/registry/{record.pk}/deactivate/"
    client = signed_in(coordinator)
    assert url in html(client.get("/volunteers/registry/"))
    services.hours_check_in(actor=user, signup_id=assigned.pk)
    refused = html(client.post(url, follow=True))
    assert "This volunteer is on duty: they must check out first." in refused
    record.refresh_from_db()
    assert record.active
    with clock.frozen_at(at(10, 12)):
        services.hours_check_out(actor=user, record_id=record.hours.get().pk)
    page = html(client.post(url, follow=True))
    assert "The volunteer is retired: no new sign-ups or duties." in page and url not in page
    record.refresh_from_db()
    assert not record.active
    assert signed_in(resident).post(url).status_code == 403


# Missions ----------------------------------------------------------------------------------------


def test_the_mission_list_filters_and_has_an_empty_state(coordinator, make_mission):
    make_mission()
    make_mission(kind=MissionKind.DELIVERY)
    client = signed_in(coordinator)
    page = html(client.get("/volunteers/missions/"))
    assert page.count("data-mission=") == 2
    assert "0 of 3" in page
    page = html(client.get("/volunteers/missions/", {"kind": "delivery"}))
    assert page.count("data-mission=") == 1
    page = html(client.get("/volunteers/missions/", {"status": "cancelled"}))
    assert "No mission matches this search." in page


def test_a_coordinator_creates_a_mission(coordinator):
    client = signed_in(coordinator)
    assert 'id="mission-form"' in html(client.get("/volunteers/missions/new/"))
    response = client.post(
        "/volunteers/missions/new/",
        {
            "kind": "errands",
            "title": "Groceries for 识字里",
            "region": TOWNSHIP,
            "starts_at": "2020-02-11T09:00",
            "ends_at": "2020-02-11T12:00",
            "slots": "4",
            "skills_wanted": ["driving"],
        },
    )
    mission = Mission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/volunteers/missions/{mission.pk}/"
    assert (mission.slots, mission.skills_wanted, mission.status) == (4, ["driving"], MissionStatus.OPEN)


def test_a_mission_ending_before_it_starts_is_refused_on_its_field(coordinator):
    response = signed_in(coordinator).post(
        "/volunteers/missions/new/",
        {
            "kind": "errands",
            "title": "Groceries for 识字里",
            "region": TOWNSHIP,
            "starts_at": "2020-02-11T12:00",
            "ends_at": "2020-02-11T09:00",
            "slots": "4",
        },
    )
    assert response.status_code == 400
    page = html(response)
    assert 'id="id_ends_at_error"' in page and "ends after it starts" in page
    assert 'value="Groceries for 识字里"' in page
    assert not Mission.objects.exists()


def test_officials_cannot_create_missions(make_user):
    official = make_user(Role.COUNTY_OFFICIAL, COUNTY)
    assert signed_in(official).get("/volunteers/missions/new/").status_code == 403


def test_the_mission_page_assigns_and_approves(coordinator, volunteer, mission):
    user, _record = volunteer
    signup = services.signup_create(actor=user, mission_id=mission.pk)
    client = signed_in(coordinator)
    page = html(client.get(f"/volunteers/missions/{mission.pk}/"))
    assert "0 of 3 places assigned" in page
    assert 'data-action="assign"' in page and 'data-action="close"' in page
    response = client.post(
        f"/volunteers/signups/{signup.pk}/assign/", {"next": f"/volunteers/missions/{mission.pk}/"}
    )
    assert response["Location"] == f"/volunteers/missions/{mission.pk}/"
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.ASSIGNED
    # The coordinator logs the hours afterwards, then approves them.
    response = client.post(
        f"/volunteers/missions/{mission.pk}/",
        {"signup_id": signup.pk, "check_in_at": "2020-02-10T08:00", "check_out_at": "2020-02-10T09:30"},
    )
    assert response.status_code == 302
    record = HoursRecord.objects.get()
    assert (record.minutes, record.status) == (90, HoursStatus.PENDING)
    page = html(client.get(f"/volunteers/missions/{mission.pk}/"))
    assert 'data-action="approve"' in page
    client.post(f"/volunteers/hours/{record.pk}/approve/")
    record.refresh_from_db()
    assert record.status == HoursStatus.APPROVED


def test_hours_logged_twice_are_refused_on_the_form_with_nothing_written(coordinator, volunteer, mission):
    user, _record = volunteer
    record = served(user, mission, coordinator)
    response = signed_in(coordinator).post(
        f"/volunteers/missions/{mission.pk}/",
        {
            "signup_id": record.signup_id,
            "check_in_at": "2020-02-10T08:00",
            "check_out_at": "2020-02-10T08:30",
        },
    )
    assert response.status_code == 409
    page = html(response)
    assert 'id="id_log_check_in_at_error"' in page and "overlap" in page
    assert 'value="2020-02-10T08:00"' in page
    assert HoursRecord.objects.count() == 1


def test_rejecting_hours_needs_a_reason(coordinator, volunteer, mission):
    user, _record = volunteer
    record = served(user, mission, coordinator)
    client = signed_in(coordinator)
    response = client.post(f"/volunteers/hours/{record.pk}/reject/", follow=True)
    assert "Say why these hours are rejected." in html(response)
    record.refresh_from_db()
    assert record.status == HoursStatus.PENDING
    client.post(f"/volunteers/hours/{record.pk}/reject/", {"note": "Not on the rota that day"})
    record.refresh_from_db()
    assert record.status == HoursStatus.REJECTED


def test_assigning_beyond_the_slots_is_refused(coordinator, make_volunteer, make_mission):
    mission = make_mission(slots=1)
    first, _ = make_volunteer()
    second, _ = make_volunteer()
    services.signup_create(actor=first, mission_id=mission.pk)
    late = services.signup_create(actor=second, mission_id=mission.pk)
    services.signup_decide(actor=coordinator, signup_id=SignUp.objects.first().pk, assign=True)
    response = signed_in(coordinator).post(f"/volunteers/signups/{late.pk}/assign/", follow=True)
    assert "places of this mission are taken" in html(response)
    late.refresh_from_db()
    assert late.status == SignUpStatus.SIGNED_UP


def test_closing_and_cancelling_a_mission(coordinator, make_mission):
    mission = make_mission()
    client = signed_in(coordinator)
    response = client.post(f"/volunteers/missions/{mission.pk}/close/", follow=True)
    assert "The mission is closed." in html(response)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.CLOSED
    assert 'data-action="close"' not in html(response)
    response = client.post(f"/volunteers/missions/{mission.pk}/cancel/", follow=True)
    assert "already closed or cancelled" in html(response)


def test_another_countys_mission_is_not_found(other_coordinator, mission):
    client = signed_in(other_coordinator)
    assert client.get(f"/volunteers/missions/{mission.pk}/").status_code == 404
    assert client.post(f"/volunteers/missions/{mission.pk}/close/").status_code == 404
    mission.refresh_from_db()
    assert mission.status == MissionStatus.OPEN


def test_an_overflowing_id_is_not_found(coordinator):
    assert signed_in(coordinator).get(f"/volunteers/missions/{2**70}/").status_code == 404


# The volunteer's own page ------------------------------------------------------------------------


def test_a_resident_registers_from_their_page(resident):
    client = signed_in(resident)
    page = html(client.get("/volunteers/me/"))
    assert "You are not registered as a volunteer yet." in page and 'id="register-form"' in page
    response = client.post(
        "/volunteers/me/",
        {"region": VILLAGE, "skills": ["driving"], "availability": ["weekend"]},
        follow=True,
    )
    assert "You are registered as a volunteer." in html(response)
    volunteer = Volunteer.objects.get()
    assert (volunteer.region_id, volunteer.availability) == (VILLAGE, ["weekend"])
    page = html(response)
    assert "张*" in page and "张三丰" not in page
    assert "No mission is open in your area just now." in page
    assert "You have not signed up to a mission yet." in page
    assert "No certificate yet" in page


def test_a_region_off_the_residents_line_is_refused_with_the_input_kept(resident):
    response = signed_in(resident).post(
        "/volunteers/me/", {"region": OTHER_COUNTY, "organisation": "天心区志愿队"}
    )
    assert response.status_code == 400
    page = html(response)
    assert 'id="id_me_region_error"' in page and 'value="天心区志愿队"' in page
    assert not Volunteer.objects.exists()


def test_registering_twice_is_a_conflict(volunteer):
    user, _record = volunteer
    response = signed_in(user).post("/volunteers/me/", {"region": VILLAGE})
    # A registered volunteer's page has no registration form: the post is refused all the same.
    assert response.status_code == 409
    assert Volunteer.objects.count() == 1


def test_a_login_without_a_resident_is_told_so(make_user):
    user = make_user(Role.RESIDENT, VILLAGE)
    page = html(signed_in(user).get("/volunteers/me/"))
    assert "not linked to a resident" in page


def test_a_volunteer_signs_up_checks_in_and_out(volunteer, mission, coordinator):
    user, _record = volunteer
    client = signed_in(user)
    page = html(client.get("/volunteers/me/"))
    assert f'data-mission="{mission.pk}"' in page and 'data-action="sign-up"' in page
    response = client.post(f"/volunteers/missions/{mission.pk}/signup/", follow=True)
    assert "You are signed up" in html(response)
    signup = SignUp.objects.get()
    page = html(response)
    assert f'data-signup="{signup.pk}"' in page and 'data-action="check-in"' not in page
    services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
    assert 'data-action="check-in"' in html(client.get("/volunteers/me/"))
    response = client.post(f"/volunteers/signups/{signup.pk}/check-in/", follow=True)
    assert "Checked in at 10:00." in html(response)
    record = HoursRecord.objects.get()
    page = html(response)
    assert "On duty since 10:00" in page and 'data-action="check-out"' in page
    assert 'data-action="withdraw"' not in page
    from fangyi.core import clock

    with clock.frozen_at(at(10, 12, 30)):
        response = client.post(f"/volunteers/hours/{record.pk}/check-out/", follow=True)
    assert "Checked out after 150 minutes" in html(response)
    record.refresh_from_db()
    assert (record.minutes, record.status) == (150, HoursStatus.PENDING)


def test_checking_in_twice_is_refused_with_nothing_written(volunteer, make_mission, coordinator):
    user, _record = volunteer
    first = make_mission()
    second = make_mission()
    signups = []
    for mission in (first, second):
        signup = services.signup_create(actor=user, mission_id=mission.pk)
        signups.append(services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True))
    client = signed_in(user)
    client.post(f"/volunteers/signups/{signups[0].pk}/check-in/")
    response = client.post(f"/volunteers/signups/{signups[1].pk}/check-in/", follow=True)
    assert "already on duty" in html(response)
    assert HoursRecord.objects.count() == 1


def test_signing_up_twice_is_refused(volunteer, mission):
    user, _record = volunteer
    client = signed_in(user)
    client.post(f"/volunteers/missions/{mission.pk}/signup/")
    response = client.post(f"/volunteers/missions/{mission.pk}/signup/", follow=True)
    assert "You already signed up for this mission." in html(response)
    assert SignUp.objects.count() == 1


def test_a_volunteer_withdraws(volunteer, mission):
    user, _record = volunteer
    signup = services.signup_create(actor=user, mission_id=mission.pk)
    response = signed_in(user).post(f"/volunteers/signups/{signup.pk}/withdraw/", follow=True)
    assert "You have withdrawn." in html(response)
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.WITHDRAWN


def test_another_volunteers_sign_up_is_not_found(volunteer, make_volunteer, mission):
    user, _record = volunteer
    signup = services.signup_create(actor=user, mission_id=mission.pk)
    stranger, _ = make_volunteer()
    assert signed_in(stranger).post(f"/volunteers/signups/{signup.pk}/withdraw/").status_code == 404
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.SIGNED_UP


def test_a_volunteer_cannot_decide_sign_ups(volunteer, mission):
    user, _record = volunteer
    signup = services.signup_create(actor=user, mission_id=mission.pk)
    assert signed_in(user).post(f"/volunteers/signups/{signup.pk}/assign/").status_code == 403
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.SIGNED_UP


def test_a_volunteer_submits_a_qualification(volunteer):
    user, record = volunteer
    client = signed_in(user)
    response = client.post("/volunteers/me/qualification/", {"qualification": "psychiatrist", "number": ""})
    assert response.status_code == 400
    assert 'id="id_qualification_number_error"' in html(response)
    response = client.post(
        "/volunteers/me/qualification/", {"qualification": "psychiatrist", "number": "P-7"}, follow=True
    )
    assert "a coordinator will verify it" in html(response)
    assert "waits for a coordinator to verify it" in html(response)
    record.refresh_from_db()
    assert (record.qualification, record.qualification_number) == ("psychiatrist", "P-7")


# Certificates ------------------------------------------------------------------------------------


@pytest.fixture
def certificate(coordinator, volunteer, mission):
    user, record = volunteer
    hours = served(user, mission, coordinator)
    services.hours_decide(actor=coordinator, record_id=hours.pk, approve=True)
    return services.certificate_issue(actor=coordinator, volunteer_id=record.pk)


def test_anyone_verifies_a_certificate_and_sees_only_the_masked_name(certificate, volunteer):
    _user, record = volunteer
    response = Client(**EN).get(f"/volunteers/certificates/{certificate.serial}/")
    assert response.status_code == 200
    page = html(response)
    assert f"Certificate {certificate.serial} is genuine." in page
    assert record.person.name not in page
    assert f"{record.person.name[0]}*" in page
    assert re.search(r'id="certificate-hours">2\.0<', page)


def test_an_unknown_serial_is_not_found(db):
    response = Client(**EN).get("/volunteers/certificates/VC20200210XXXX/")
    assert response.status_code == 404
    assert "No certificate has this serial." in html(response)


def test_the_volunteer_downloads_their_certificate(certificate, volunteer):
    user, _record = volunteer
    client = signed_in(user)
    page = html(client.get("/volunteers/me/"))
    assert f'data-certificate="{certificate.serial}"' in page
    response = client.get(f"/volunteers/certificates/{certificate.serial}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_coordinator_downloads_a_certificate_and_others_cannot(
    certificate, coordinator, other_coordinator, make_volunteer
):
    assert (
        signed_in(coordinator).get(f"/volunteers/certificates/{certificate.serial}/pdf/").status_code == 200
    )
    assert (
        signed_in(other_coordinator).get(f"/volunteers/certificates/{certificate.serial}/pdf/").status_code
        == 404
    )
    stranger, _ = make_volunteer()
    assert signed_in(stranger).get(f"/volunteers/certificates/{certificate.serial}/pdf/").status_code == 404
    assert Client(**EN).get(f"/volunteers/certificates/{certificate.serial}/pdf/").status_code == 302


# Hotline -----------------------------------------------------------------------------------------


def test_a_coordinator_schedules_a_shift_and_the_gap_closes(coordinator, make_volunteer):
    _user, counsellor = make_volunteer(counsellor=True)
    client = signed_in(coordinator)
    page = html(client.get("/volunteers/hotline/"))
    assert "No shift is scheduled this week." in page and 'id="shift-form"' in page
    response = client.post(
        "/volunteers/hotline/",
        {
            "counsellor_id": counsellor.pk,
            "line": "0731-96525",
            "region": COUNTY,
            "starts_at": "2020-02-10T08:00",
            "ends_at": "2020-02-10T20:00",
        },
        follow=True,
    )
    assert "The shift is scheduled." in html(response)
    shift = HotlineShift.objects.get()
    page = html(response)
    assert f'data-shift="{shift.pk}"' in page
    assert re.search(r'data-day="2020-02-10">\s*<td>2020-02-10</td>\s*<td class="num">12.0</td>', page)
    assert "00:00–08:00, 20:00–24:00" in page


def test_a_shift_longer_than_twelve_hours_is_refused_on_its_field(coordinator, make_volunteer):
    _user, counsellor = make_volunteer(counsellor=True)
    response = signed_in(coordinator).post(
        "/volunteers/hotline/",
        {
            "counsellor_id": counsellor.pk,
            "line": "0731-96525",
            "region": COUNTY,
            "starts_at": "2020-02-10T08:00",
            "ends_at": "2020-02-10T21:00",
        },
    )
    assert response.status_code == 400
    page = html(response)
    assert 'id="id_shift_ends_at_error"' in page and "at most 12 hours" in page
    assert 'value="0731-96525"' in page
    assert not HotlineShift.objects.exists()


def test_an_overlapping_shift_is_refused(coordinator, make_volunteer):
    _user, counsellor = make_volunteer(counsellor=True)
    services.shift_schedule(
        actor=coordinator,
        counsellor_id=counsellor.pk,
        line="0731-96525",
        region=COUNTY,
        starts_at=at(10, 8),
        ends_at=at(10, 12),
    )
    response = signed_in(coordinator).post(
        "/volunteers/hotline/",
        {
            "counsellor_id": counsellor.pk,
            "line": "0731-96525",
            "region": COUNTY,
            "starts_at": "2020-02-10T11:00",
            "ends_at": "2020-02-10T14:00",
        },
    )
    assert response.status_code == 409
    assert 'id="id_shift_starts_at_error"' in html(response)
    assert HotlineShift.objects.count() == 1


@pytest.fixture
def shift(coordinator, make_volunteer):
    user, counsellor = make_volunteer(counsellor=True)
    shift = services.shift_schedule(
        actor=coordinator,
        counsellor_id=counsellor.pk,
        line="0731-96525",
        region=COUNTY,
        starts_at=at(10, 8),
        ends_at=at(10, 16),
    )
    return user, shift


def test_a_counsellor_logs_a_call_anonymously(shift):
    user, own = shift
    client = signed_in(user)
    page = html(client.get("/volunteers/hotline/"))
    assert 'id="my-shifts"' in page and f'data-shift="{own.pk}"' in page
    assert 'id="shift-form"' not in page and 'id="rota"' not in page
    response = client.post(
        f"/volunteers/hotline/shifts/{own.pk}/sessions/",
        {
            "started_at": "2020-02-10T09:00",
            "minutes": "25",
            "caller_group": "observed",
            "topic": "anxiety",
            "risk": "low",
            "notes": "Worried about the 14 days",
        },
        follow=True,
    )
    assert "The call is logged." in html(response)
    assert "1 call logged" in html(response)
    assert CounsellingSession.objects.get().minutes == 25


def test_personal_data_in_a_call_log_is_refused_on_the_notes(shift):
    user, own = shift
    response = signed_in(user).post(
        f"/volunteers/hotline/shifts/{own.pk}/sessions/",
        {
            "started_at": "2020-02-10T09:00",
            "minutes": "25",
            "caller_group": "public",
            "topic": "anxiety",
            "risk": "none",
            "notes": "Call back on 13812345678",
        },
    )
    assert response.status_code == 400
    page = html(response)
    assert f'id="id_session{own.pk}_notes_error"' in page
    assert "13812345678" in page  # the counsellor's text is kept to correct it
    assert not CounsellingSession.objects.exists()


def test_another_counsellors_shift_is_not_theirs(shift, make_volunteer):
    _user, own = shift
    other, _counsellor = make_volunteer(counsellor=True)
    response = signed_in(other).post(
        f"/volunteers/hotline/shifts/{own.pk}/sessions/",
        {
            "started_at": "2020-02-10T09:00",
            "minutes": "5",
            "caller_group": "public",
            "topic": "other",
            "risk": "none",
        },
    )
    assert response.status_code == 404
    assert not CounsellingSession.objects.exists()


def test_a_volunteer_who_is_not_a_counsellor_sees_no_shift_form(volunteer):
    user, _record = volunteer
    page = html(signed_in(user).get("/volunteers/hotline/"))
    assert 'id="my-shifts"' not in page and 'id="shift-form"' not in page
    assert "verified counselling qualification" in page


def test_an_official_reads_the_rota_without_scheduling(shift, make_user):
    _user, own = shift
    official = make_user(Role.COUNTY_OFFICIAL, COUNTY)
    page = html(signed_in(official).get("/volunteers/hotline/"))
    assert f'data-shift="{own.pk}"' in page
    assert 'id="shift-form"' not in page and 'data-action="cancel"' not in page
    response = signed_in(official).post(f"/volunteers/hotline/shifts/{own.pk}/cancel/")
    assert response.status_code == 403
    assert HotlineShift.objects.exists()


def test_a_button_returns_only_to_a_page_of_this_site(coordinator, volunteer, mission):
    user, _record = volunteer
    signup = services.signup_create(actor=user, mission_id=mission.pk)
    response = signed_in(coordinator).post(
        f"/volunteers/signups/{signup.pk}/decline/", {"next": "https://example.com/volunteers/"}
    )
    assert response["Location"] == "/volunteers/"
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.DECLINED


def test_a_coordinator_cancels_a_shift(shift, coordinator):
    _user, own = shift
    response = signed_in(coordinator).post(f"/volunteers/hotline/shifts/{own.pk}/cancel/", follow=True)
    assert "The shift is cancelled." in html(response)
    assert not HotlineShift.objects.exists()


def test_writes_are_audited(coordinator, make_mission):
    before = AuditEvent.objects.count()
    signed_in(coordinator).post(f"/volunteers/missions/{make_mission().pk}/close/")
    assert AuditEvent.objects.count() > before


def test_missions_already_over_fold_below_those_ahead(volunteer, make_mission, coordinator):
    user, _record = volunteer
    with clock.frozen_at(at(3, 9)):
        over = make_mission(starts_at=at(5, 8), ends_at=at(5, 12))
        signup = services.signup_create(actor=user, mission_id=over.pk)
        services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
    ahead = make_mission()
    signup = services.signup_create(actor=user, mission_id=ahead.pk)
    services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
    page = html(signed_in(user).get("/volunteers/me/"))
    current, folded = page.split('id="past-signups"')
    assert f'data-signup="{signup.pk}"' in current and 'data-signup="' not in folded
    assert "One earlier mission" in folded.split("</summary>")[0]
    assert "2020-02-05 · " in folded.split("</details>")[0]
