import pytest
from tests.volunteers.conftest import COUNTY, OTHER_COUNTY, OTHER_VILLAGE, TOWNSHIP, VILLAGE

from fangyi.accounts.choices import Role
from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.core.models import AuditEvent
from fangyi.people.models import Person
from fangyi.volunteers import selectors, services
from fangyi.volunteers.choices import Qualification
from fangyi.volunteers.models import Volunteer


def _code(excinfo) -> str:
    return excinfo.value.code


# Self-registration --------------------------------------------------------------------------------


def test_a_resident_registers_as_volunteer(resident):
    volunteer = services.volunteer_register_self(
        actor=resident,
        region=TOWNSHIP,
        organisation="文艺路青年志愿者协会",
        skills=["driving", "medical", "driving"],
        languages=["mandarin", "xiang"],
        availability=["weekend"],
    )
    assert volunteer.region_id == TOWNSHIP
    assert volunteer.skills == ["driving", "medical"]
    assert volunteer.person.user_id == resident.pk
    assert selectors.my_volunteer(actor=resident).pk == volunteer.pk
    assert AuditEvent.objects.filter(action="volunteer.register", object_id=str(volunteer.pk)).exists()


def test_a_resident_may_serve_in_their_village_township_or_county(make_resident):
    for region in (VILLAGE, TOWNSHIP, COUNTY):
        assert services.volunteer_register_self(actor=make_resident(), region=region).region_id == region


def test_registering_twice_is_refused(resident):
    services.volunteer_register_self(actor=resident, region=VILLAGE)
    with pytest.raises(DomainError) as excinfo:
        services.volunteer_register_self(actor=resident, region=TOWNSHIP)
    assert _code(excinfo) == "volunteer.duplicate" and excinfo.value.status == 409
    assert Volunteer.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("skills", ["juggling"], "volunteer.unknown_skill"),
        ("languages", ["klingon"], "volunteer.unknown_language"),
        ("availability", ["always"], "volunteer.unknown_availability"),
        ("organisation", "x" * 129, "volunteer.organisation.too_long"),
    ],
)
def test_unknown_profile_values_are_refused(resident, field, value, code):
    with pytest.raises(DomainError) as excinfo:
        services.volunteer_register_self(actor=resident, region=VILLAGE, **{field: value})
    assert _code(excinfo) == code and excinfo.value.status == 400 and excinfo.value.field == field
    assert not Volunteer.objects.exists()


@pytest.mark.parametrize("region", [OTHER_VILLAGE, OTHER_COUNTY, "4301", "43"])
def test_a_resident_serves_only_on_their_own_line_at_county_level_or_below(resident, region):
    with pytest.raises(NotFound):
        services.volunteer_register_self(actor=resident, region=region)
    assert not Volunteer.objects.exists()


def test_a_login_without_a_resident_cannot_register(make_user):
    login = make_user(Role.RESIDENT, VILLAGE)
    with pytest.raises(DomainError) as excinfo:
        services.volunteer_register_self(actor=login, region=VILLAGE)
    assert _code(excinfo) == "volunteer.no_resident" and excinfo.value.status == 403


def test_an_official_cannot_register_themselves(county_official):
    with pytest.raises(PermissionDenied):
        services.volunteer_register_self(actor=county_official, region=VILLAGE)


# Registration by a coordinator --------------------------------------------------------------------


def test_a_coordinator_registers_a_new_resident(coordinator, new_id_number):
    volunteer = services.volunteer_register(
        actor=coordinator,
        name="李四",
        id_number=new_id_number(),
        home_region=VILLAGE,
        region=TOWNSHIP,
        phone="13800138000",
        skills=["logistics"],
    )
    assert volunteer.person.name == "李四" and volunteer.person.phone_masked == "138****8000"
    assert volunteer.region_id == TOWNSHIP and volunteer.skills == ["logistics"]


def test_a_coordinator_registers_a_resident_already_in_the_register(coordinator, new_id_number):
    number = new_id_number()
    from fangyi.people.services import person_register

    person = person_register(actor=None, name="王五", id_number=number, home_region=VILLAGE)
    volunteer = services.volunteer_register(
        actor=coordinator, name="王五", id_number=number, home_region=VILLAGE, region=VILLAGE
    )
    assert volunteer.person_id == person.pk and Person.objects.count() == 1


def test_another_name_for_a_known_identity_number_is_refused(coordinator, new_id_number):
    from fangyi.people.services import person_register

    number = new_id_number()
    person_register(actor=None, name="王五", id_number=number, home_region=VILLAGE)
    with pytest.raises(DomainError) as excinfo:
        services.volunteer_register(
            actor=coordinator, name="赵六", id_number=number, home_region=VILLAGE, region=VILLAGE
        )
    assert _code(excinfo) == "volunteer.name_mismatch"
    assert not Volunteer.objects.exists()


def test_a_bad_identity_number_writes_nothing(coordinator):
    with pytest.raises(DomainError) as excinfo:
        services.volunteer_register(
            actor=coordinator,
            name="李四",
            id_number="430102198001010000",
            home_region=VILLAGE,
            region=VILLAGE,
        )
    assert excinfo.value.status == 400
    assert not Person.objects.exists() and not Volunteer.objects.exists()


def test_a_coordinator_registers_only_in_their_region(coordinator, new_id_number):
    with pytest.raises(NotFound):
        services.volunteer_register(
            actor=coordinator,
            name="李四",
            id_number=new_id_number(),
            home_region=VILLAGE,
            region=OTHER_COUNTY,
        )
    assert not Person.objects.exists()


def test_a_resident_cannot_register_others(resident, new_id_number):
    with pytest.raises(PermissionDenied):
        services.volunteer_register(
            actor=resident, name="李四", id_number=new_id_number(), home_region=VILLAGE, region=VILLAGE
        )


def test_registering_a_volunteer_twice_is_refused(coordinator, new_id_number):
    number = new_id_number()
    services.volunteer_register(
        actor=coordinator, name="李四", id_number=number, home_region=VILLAGE, region=VILLAGE
    )
    with pytest.raises(DomainError) as excinfo:
        services.volunteer_register(
            actor=coordinator, name="李四", id_number=number, home_region=VILLAGE, region=TOWNSHIP
        )
    assert _code(excinfo) == "volunteer.duplicate"


# Updates and deactivation -------------------------------------------------------------------------


def test_a_volunteer_updates_their_own_profile(volunteer):
    user, vol = volunteer
    updated = services.volunteer_update(actor=user, volunteer_id=vol.pk, skills=["it"], region=TOWNSHIP)
    assert updated.skills == ["it"] and updated.region_id == TOWNSHIP
    assert updated.languages == vol.languages


def test_another_resident_cannot_update_a_volunteer(volunteer, make_resident):
    _user, vol = volunteer
    with pytest.raises(NotFound):
        services.volunteer_update(actor=make_resident(), volunteer_id=vol.pk, skills=["it"])


def test_a_coordinator_of_another_county_cannot_update(volunteer, other_coordinator):
    _user, vol = volunteer
    with pytest.raises(NotFound):
        services.volunteer_update(actor=other_coordinator, volunteer_id=vol.pk, organisation="x")


def test_a_bad_update_changes_nothing(volunteer, coordinator):
    _user, vol = volunteer
    with pytest.raises(DomainError):
        services.volunteer_update(
            actor=coordinator, volunteer_id=vol.pk, organisation="红十字会", skills=["x"]
        )
    vol.refresh_from_db()
    assert vol.organisation == ""


def test_deactivation(volunteer, coordinator):
    _user, vol = volunteer
    assert services.volunteer_deactivate(actor=coordinator, volunteer_id=vol.pk).active is False
    with pytest.raises(DomainError) as excinfo:
        services.volunteer_deactivate(actor=coordinator, volunteer_id=vol.pk)
    assert _code(excinfo) == "volunteer.already_inactive"


# Qualifications -----------------------------------------------------------------------------------


def test_a_counsellor_is_verified_by_a_coordinator(volunteer, coordinator):
    user, vol = volunteer
    vol = services.qualification_submit(
        actor=user, qualification=Qualification.PSYCHIATRIST, number="P-2020-7"
    )
    assert not vol.is_counsellor
    vol = services.qualification_verify(actor=coordinator, volunteer_id=vol.pk, approve=True)
    assert vol.is_counsellor and vol.qualification_verified_by_id == coordinator.pk
    # A new qualification needs verifying again.
    vol = services.qualification_submit(actor=user, qualification=Qualification.COUNSELLOR_3, number="C-3")
    assert not vol.is_counsellor


def test_a_refused_qualification_is_cleared(volunteer, coordinator):
    user, vol = volunteer
    services.qualification_submit(actor=user, qualification=Qualification.COUNSELLOR_2, number="C-2")
    vol = services.qualification_verify(actor=coordinator, volunteer_id=vol.pk, approve=False)
    assert vol.qualification == "" and vol.qualification_number == "" and not vol.is_counsellor


def test_qualification_errors(volunteer, coordinator, other_coordinator, make_resident):
    user, vol = volunteer
    with pytest.raises(DomainError) as excinfo:
        services.qualification_verify(actor=coordinator, volunteer_id=vol.pk, approve=True)
    assert _code(excinfo) == "qualification.not_submitted" and excinfo.value.status == 409
    with pytest.raises(DomainError) as excinfo:
        services.qualification_submit(actor=user, qualification="healer", number="1")
    assert _code(excinfo) == "qualification.unknown"
    with pytest.raises(DomainError) as excinfo:
        services.qualification_submit(actor=user, qualification=Qualification.PSYCHIATRIST, number=" ")
    assert _code(excinfo) == "qualification.number.required"
    with pytest.raises(DomainError) as excinfo:
        services.qualification_submit(
            actor=make_resident(), qualification=Qualification.PSYCHIATRIST, number="1"
        )
    assert _code(excinfo) == "volunteer.not_registered"
    services.qualification_submit(actor=user, qualification=Qualification.PSYCHIATRIST, number="P-1")
    with pytest.raises(NotFound):
        services.qualification_verify(actor=other_coordinator, volunteer_id=vol.pk, approve=True)
    vol.refresh_from_db()
    assert vol.qualification_verified_at is None


# Reads --------------------------------------------------------------------------------------------


def test_the_list_is_scoped_filtered_and_masked(
    coordinator, other_coordinator, make_volunteer, make_resident
):
    _u1, driver = make_volunteer(skills=["driving"], languages=["english"], organisation="车友会")
    _u2, counsellor = make_volunteer(TOWNSHIP, counsellor=True)
    _u3, elsewhere = make_volunteer(OTHER_VILLAGE)
    ids = lambda **kw: {v.pk for v in selectors.volunteer_list(actor=coordinator, **kw)}  # noqa: E731
    assert ids() == {driver.pk, counsellor.pk}
    assert ids(skill="driving") == {driver.pk}
    assert ids(language="english") == {driver.pk}
    assert ids(counsellor=True) == {counsellor.pk}
    assert ids(counsellor=False) == {driver.pk}
    assert ids(region=TOWNSHIP) == {driver.pk, counsellor.pk}
    assert ids(q="车友") == {driver.pk}
    assert {v.pk for v in selectors.volunteer_list(actor=other_coordinator)} == {elsewhere.pk}
    with pytest.raises(DomainError) as excinfo:
        ids(skill="juggling")
    assert _code(excinfo) == "volunteer.unknown_skill"


def test_a_search_matches_masked_names_only(coordinator, make_resident):
    user = make_resident(name="欧阳娜娜")
    volunteer = services.volunteer_register_self(actor=user, region=VILLAGE)
    found = lambda q: [v.pk for v in selectors.volunteer_list(actor=coordinator, q=q)]  # noqa: E731
    assert found("欧") == [volunteer.pk] and found("欧***") == [volunteer.pk]
    assert found("欧阳娜娜") == [] and found("欧阳") == []
    assert selectors.volunteer_masked_name(volunteer) == "欧***"


def test_a_resident_reads_only_their_own_volunteer(volunteer, make_volunteer):
    user, vol = volunteer
    _other_user, other = make_volunteer()
    assert selectors.volunteer_get(actor=user, volunteer_id=vol.pk).pk == vol.pk
    with pytest.raises(NotFound):
        selectors.volunteer_get(actor=user, volunteer_id=other.pk)
    with pytest.raises(PermissionDenied):
        selectors.volunteer_list(actor=user)


def test_my_volunteer_is_none_before_registering(resident):
    assert selectors.my_volunteer(actor=resident) is None
