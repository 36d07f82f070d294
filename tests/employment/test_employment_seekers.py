import pytest
from tests.employment.conftest import COUNTY, ELECTRICIAN, in_days

from fangyi.accounts.choices import Role
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.employment import selectors, services
from fangyi.employment.models import Seeker
from fangyi.healthpass.models import ColourState


def test_a_resident_saves_and_updates_their_profile(seeker_login):
    assert selectors.seeker_of(seeker_login) is None
    created = services.seeker_save(
        actor=seeker_login,
        region=COUNTY,
        available_from=in_days(3),
        occupation=ELECTRICIAN,
        skills="  低压电工证   叉车 ",
        expected_salary=5000,
    )
    assert created.skills == "低压电工证 叉车"
    assert created.search_text == "低压 电工 电工证 叉车"
    updated = services.seeker_save(
        actor=seeker_login, region=COUNTY, available_from=in_days(0), skills="焊工", visible=False
    )
    assert updated.pk == created.pk and updated.occupation is None and updated.visible is False
    assert selectors.seeker_of(seeker_login).skills == "焊工"
    assert Seeker.objects.count() == 1
    actions = list(AuditEvent.objects.filter(object_id=str(created.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["seeker.create", "seeker.update"]


def refused(call, code: str, status: int = 400) -> None:
    before = (Seeker.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.code, caught.value.status) == (code, status)
    assert (Seeker.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"region": "4301"}, "seeker.invalid_region"),
        ({"region": ""}, "seeker.invalid_region"),
        ({"region": "439999"}, "seeker.invalid_region"),
        ({"occupation": "9-99-99-99"}, "seeker.unknown_occupation"),
        ({"skills": "焊" * 257}, "seeker.skills_too_long"),
        ({"expected_salary": -1}, "seeker.invalid_salary"),
        ({"expected_salary": 1_000_001}, "seeker.invalid_salary"),
        ({"available_from": in_days(400)}, "seeker.available_too_late"),
    ],
)
def test_bad_profiles_are_refused_and_nothing_is_written(seeker_login, changes, code):
    values = {"region": COUNTY, "available_from": in_days(0), **changes}
    refused(lambda: services.seeker_save(actor=seeker_login, **values), code)


def test_only_a_resident_linked_to_a_login_keeps_a_profile(make_user, boss):
    unlinked = make_user(Role.RESIDENT, COUNTY)
    refused(
        lambda: services.seeker_save(actor=unlinked, region=COUNTY, available_from=in_days(0)),
        "seeker.no_resident",
        409,
    )
    refused(
        lambda: services.seeker_save(actor=boss, region=COUNTY, available_from=in_days(0)),
        "permission_denied",
        403,
    )
    assert selectors.seeker_of(unlinked) is None and selectors.seeker_of(None) is None


@pytest.mark.parametrize(
    ("colour", "status"),
    [("green", "can_travel"), ("yellow", "cannot_travel"), ("red", "cannot_travel"), (None, "can_travel")],
)
def test_the_health_code_reduces_to_whether_they_can_travel(seeker, colour, status):
    """No recorded colour is the green a resident has until the rules give another."""
    if colour:
        ColourState.objects.create(
            person=seeker.person, subject="s-1", colour=colour, reason_code="test", rule_version="t"
        )
    assert selectors.travel_status(seeker.person) == status
