import datetime as dt

import pytest
from tests.volunteers.conftest import COUNTY, OTHER_COUNTY, OTHER_VILLAGE, TOWNSHIP, VILLAGE, at

from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.regions.models import Place
from fangyi.volunteers import selectors, services
from fangyi.volunteers.choices import MissionKind, MissionStatus, SignUpStatus
from fangyi.volunteers.models import Mission, SignUp


def _code(excinfo) -> str:
    return excinfo.value.code


# Missions -----------------------------------------------------------------------------------------


def test_a_coordinator_creates_a_mission(coordinator):
    place = Place.objects.create(name="识字里小区东门", kind="compound_gate", region_id=VILLAGE)
    mission = services.mission_create(
        actor=coordinator,
        kind=MissionKind.CHECKPOINT,
        title="小区门口测温",
        region=TOWNSHIP,
        place_id=place.pk,
        starts_at=at(11, 8),
        ends_at=at(11, 18),
        slots=4,
        skills_wanted=["medical"],
    )
    assert mission.status == MissionStatus.OPEN and mission.organiser_id == coordinator.pk
    assert mission.place_id == place.pk and mission.skills_wanted == ["medical"]


@pytest.mark.parametrize(
    ("changes", "code", "status"),
    [
        ({"kind": "parade"}, "mission.unknown_kind", 400),
        ({"title": "  "}, "mission.title.required", 400),
        ({"ends_at": at(11, 8)}, "mission.ends_before_start", 400),
        ({"slots": 0}, "mission.invalid_slots", 400),
        ({"slots": True}, "mission.invalid_slots", 400),
        ({"skills_wanted": ["juggling"]}, "volunteer.unknown_skill", 400),
        ({"starts_at": dt.datetime(2020, 2, 11, 8)}, "time.invalid", 400),
        ({"region": OTHER_COUNTY}, "region.not_found", 404),
        ({"region": "43"}, "region.not_found", 404),
        ({"place_id": 2_000_000_000}, "place.not_found", 404),
    ],
)
def test_bad_missions_are_refused(coordinator, changes, code, status):
    fields = {
        "kind": MissionKind.ERRANDS,
        "title": "代购",
        "region": TOWNSHIP,
        "starts_at": at(11, 8),
        "ends_at": at(11, 18),
        "slots": 2,
        **changes,
    }
    with pytest.raises(DomainError) as excinfo:
        services.mission_create(actor=coordinator, **fields)
    assert (_code(excinfo), excinfo.value.status) == (code, status)
    assert not Mission.objects.exists()


def test_a_place_of_another_region_is_refused(coordinator):
    place = Place.objects.create(name="天心区卡口", kind="compound_gate", region_id=OTHER_VILLAGE)
    with pytest.raises(NotFound) as excinfo:
        services.mission_create(
            actor=coordinator,
            kind=MissionKind.CHECKPOINT,
            title="x",
            region=TOWNSHIP,
            place_id=place.pk,
            starts_at=at(11, 8),
            ends_at=at(11, 9),
            slots=1,
        )
    assert excinfo.value.field == "place_id"


def test_residents_and_viewers_cannot_create_missions(resident, county_official):
    for actor in (resident, county_official):
        with pytest.raises(PermissionDenied):
            services.mission_create(
                actor=actor,
                kind=MissionKind.ERRANDS,
                title="x",
                region=TOWNSHIP,
                starts_at=at(11, 8),
                ends_at=at(11, 9),
                slots=1,
            )


def test_close_and_cancel(coordinator, make_mission, other_coordinator):
    mission = make_mission()
    with pytest.raises(NotFound):
        services.mission_close(actor=other_coordinator, mission_id=mission.pk)
    assert services.mission_close(actor=coordinator, mission_id=mission.pk).status == MissionStatus.CLOSED
    with pytest.raises(DomainError) as excinfo:
        services.mission_cancel(actor=coordinator, mission_id=mission.pk)
    assert _code(excinfo) == "mission.not_open"
    other = make_mission()
    assert services.mission_cancel(actor=coordinator, mission_id=other.pk).status == MissionStatus.CANCELLED


def test_a_mission_served_on_cannot_be_cancelled(coordinator, mission, assigned):
    services.hours_log(
        actor=coordinator, signup_id=assigned.pk, check_in_at=at(10, 8), check_out_at=at(10, 9)
    )
    with pytest.raises(DomainError) as excinfo:
        services.mission_cancel(actor=coordinator, mission_id=mission.pk)
    assert _code(excinfo) == "mission.has_hours"
    mission.refresh_from_db()
    assert mission.status == MissionStatus.OPEN


# Sign-ups -----------------------------------------------------------------------------------------


def test_sign_up_assign_and_withdraw(volunteer, mission, coordinator):
    user, _vol = volunteer
    signup = services.signup_create(actor=user, mission_id=mission.pk)
    assert signup.status == SignUpStatus.SIGNED_UP
    signup = services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
    assert signup.status == SignUpStatus.ASSIGNED and signup.decided_by_id == coordinator.pk
    assert selectors.mission_get(actor=coordinator, mission_id=mission.pk).assigned == 1
    signup = services.signup_withdraw(actor=user, signup_id=signup.pk)
    assert signup.status == SignUpStatus.WITHDRAWN
    # Signing up again after withdrawing reopens the same sign-up.
    again = services.signup_create(actor=user, mission_id=mission.pk)
    assert again.pk == signup.pk and again.status == SignUpStatus.SIGNED_UP


def test_signing_up_twice_is_refused(volunteer, mission):
    user, _vol = volunteer
    services.signup_create(actor=user, mission_id=mission.pk)
    with pytest.raises(DomainError) as excinfo:
        services.signup_create(actor=user, mission_id=mission.pk)
    assert _code(excinfo) == "signup.duplicate" and excinfo.value.status == 409
    assert SignUp.objects.count() == 1


def test_closed_and_past_missions_take_no_sign_ups(volunteer, make_mission, coordinator):
    user, _vol = volunteer
    closed = make_mission()
    services.mission_close(actor=coordinator, mission_id=closed.pk)
    past = make_mission(starts_at=at(9, 8), ends_at=at(9, 18))
    for mission in (closed, past):
        with pytest.raises(DomainError) as excinfo:
            services.signup_create(actor=user, mission_id=mission.pk)
        assert _code(excinfo) == "mission.closed"
    assert not SignUp.objects.exists()


def test_a_mission_running_now_still_takes_sign_ups(volunteer, make_mission):
    user, _vol = volunteer
    running = make_mission(starts_at=at(10, 6), ends_at=at(10, 12))
    assert services.signup_create(actor=user, mission_id=running.pk).status == SignUpStatus.SIGNED_UP


def test_a_full_mission(make_volunteer, make_mission, coordinator):
    mission = make_mission(slots=1)
    first_user, _first = make_volunteer()
    second_user, _second = make_volunteer()
    first = services.signup_create(actor=first_user, mission_id=mission.pk)
    second = services.signup_create(actor=second_user, mission_id=mission.pk)
    services.signup_decide(actor=coordinator, signup_id=first.pk, assign=True)
    with pytest.raises(DomainError) as excinfo:
        services.signup_decide(actor=coordinator, signup_id=second.pk, assign=True)
    assert _code(excinfo) == "mission.full"
    second.refresh_from_db()
    assert second.status == SignUpStatus.SIGNED_UP
    third_user, _third = make_volunteer()
    with pytest.raises(DomainError) as excinfo:
        services.signup_create(actor=third_user, mission_id=mission.pk)
    assert _code(excinfo) == "mission.full"
    # Declining needs no free place.
    assert services.signup_decide(actor=coordinator, signup_id=second.pk, assign=False).status == "declined"


def test_a_volunteer_sees_missions_on_their_line_only(volunteer, make_mission, other_coordinator):
    user, _vol = volunteer
    county = make_mission(region=COUNTY)
    village = make_mission(region=VILLAGE)
    elsewhere = make_mission(region=OTHER_COUNTY, actor=other_coordinator)
    assert {m.pk for m in selectors.mission_list(actor=user)} == {county.pk, village.pk}
    with pytest.raises(NotFound):
        services.signup_create(actor=user, mission_id=elsewhere.pk)
    with pytest.raises(NotFound):
        selectors.mission_get(actor=user, mission_id=elsewhere.pk)


def test_an_inactive_volunteer_cannot_sign_up(volunteer, mission, coordinator):
    user, vol = volunteer
    services.volunteer_deactivate(actor=coordinator, volunteer_id=vol.pk)
    with pytest.raises(DomainError) as excinfo:
        services.signup_create(actor=user, mission_id=mission.pk)
    assert _code(excinfo) == "volunteer.inactive"


def test_hotline_missions_need_a_counsellor(make_volunteer, make_mission, coordinator):
    mission = make_mission(kind=MissionKind.HOTLINE)
    plain_user, _plain = make_volunteer()
    counsellor_user, _counsellor = make_volunteer(counsellor=True)
    plain = services.signup_create(actor=plain_user, mission_id=mission.pk)
    with pytest.raises(DomainError) as excinfo:
        services.signup_decide(actor=coordinator, signup_id=plain.pk, assign=True)
    assert _code(excinfo) == "signup.not_counsellor" and excinfo.value.status == 409
    counsellor = services.signup_create(actor=counsellor_user, mission_id=mission.pk)
    assert (
        services.signup_decide(actor=coordinator, signup_id=counsellor.pk, assign=True).status == "assigned"
    )


def test_decisions_are_made_once_and_in_the_coordinators_region(
    volunteer, mission, coordinator, other_coordinator
):
    user, _vol = volunteer
    signup = services.signup_create(actor=user, mission_id=mission.pk)
    with pytest.raises(NotFound):
        services.signup_decide(actor=other_coordinator, signup_id=signup.pk, assign=True)
    with pytest.raises(PermissionDenied):
        services.signup_decide(actor=user, signup_id=signup.pk, assign=True)
    services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=False)
    with pytest.raises(DomainError) as excinfo:
        services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
    assert _code(excinfo) == "signup.already_decided"


def test_withdrawing_someone_elses_or_a_declined_sign_up(volunteer, mission, coordinator, make_volunteer):
    user, _vol = volunteer
    signup = services.signup_create(actor=user, mission_id=mission.pk)
    other_user, _other = make_volunteer()
    with pytest.raises(NotFound):
        services.signup_withdraw(actor=other_user, signup_id=signup.pk)
    services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=False)
    with pytest.raises(DomainError) as excinfo:
        services.signup_withdraw(actor=user, signup_id=signup.pk)
    assert _code(excinfo) == "signup.not_active"


def test_my_signups_and_mission_signups(volunteer, mission, coordinator, make_volunteer):
    user, _vol = volunteer
    mine = services.signup_create(actor=user, mission_id=mission.pk)
    other_user, _other = make_volunteer()
    services.signup_create(actor=other_user, mission_id=mission.pk)
    assert [s.pk for s in selectors.my_signups(actor=user)] == [mine.pk]
    assert len(selectors.mission_signups(actor=coordinator, mission_id=mission.pk)) == 2
    assert [s.pk for s in selectors.mission_signups(actor=user, mission_id=mission.pk)] == [mine.pk]
