import pytest
from django.test import override_settings
from django.utils import translation
from tests.resumption.conftest import COUNTY, OTHER_COUNTY

from fangyi.accounts.choices import Role
from fangyi.core.errors import DomainError, NotFound
from fangyi.resumption import selectors, services
from fangyi.resumption.models import LiaisonAssignment, LiaisonVisit


def _refused(code, http_status, call, /, **kwargs):
    with pytest.raises(DomainError) as exc:
        call(**kwargs)
    assert (exc.value.code, exc.value.status) == (code, http_status)


def test_station_and_serve(official, liaison, enterprise, make_enterprise):
    assignment = services.liaison_assign(actor=official, liaison_id=liaison.pk, enterprise_id=enterprise.pk)
    assert assignment.assigned_by == official
    make_enterprise()
    assert list(selectors.liaison_enterprises(actor=liaison)) == [enterprise]
    assert selectors.enterprise_get(actor=liaison, enterprise_id=enterprise.pk) == enterprise


def test_park_group_serves_its_enterprises_and_reports_understaffed(official, make_user, make_enterprise):
    park = services.park_create(actor=official, name="芙蓉工业园", region=COUNTY)
    inside = make_enterprise(park_id=park.pk)
    make_enterprise()
    liaisons = [make_user(Role.ENTERPRISE_LIAISON, COUNTY) for _ in range(3)]
    services.liaison_assign(actor=official, liaison_id=liaisons[0].pk, park_id=park.pk)
    assert list(selectors.liaison_enterprises(actor=liaisons[0])) == [inside]
    assert list(selectors.park_liaison_gaps(actor=official)) == [park]
    for user in liaisons[1:]:
        services.liaison_assign(actor=official, liaison_id=user.pk, park_id=park.pk)
    assert not selectors.park_liaison_gaps(actor=official).exists()


def test_large_enterprise_takes_a_limited_number(official, make_user, enterprise):
    first, second, third = (make_user(Role.ENTERPRISE_LIAISON, COUNTY) for _ in range(3))
    assert list(selectors.enterprise_liaison_gaps(actor=official)) == [enterprise]
    services.liaison_assign(actor=official, liaison_id=first.pk, enterprise_id=enterprise.pk)
    assert not selectors.enterprise_liaison_gaps(actor=official).exists()
    services.liaison_assign(actor=official, liaison_id=second.pk, enterprise_id=enterprise.pk)
    _refused(
        "liaison.too_many",
        409,
        services.liaison_assign,
        actor=official,
        liaison_id=third.pk,
        enterprise_id=enterprise.pk,
    )
    assert LiaisonAssignment.objects.count() == 2
    with override_settings(FANGYI_LIAISONS_PER_LARGE_ENTERPRISE=3):
        services.liaison_assign(actor=official, liaison_id=third.pk, enterprise_id=enterprise.pk)


def test_assignment_refusals(official, make_user, liaison, enterprise, make_enterprise):
    services.liaison_assign(actor=official, liaison_id=liaison.pk, enterprise_id=enterprise.pk)
    _refused(
        "liaison.duplicate",
        409,
        services.liaison_assign,
        actor=official,
        liaison_id=liaison.pk,
        enterprise_id=enterprise.pk,
    )
    not_liaison = make_user(Role.COUNTY_OFFICIAL, COUNTY)
    elsewhere = make_user(Role.ENTERPRISE_LIAISON, OTHER_COUNTY)
    for user in (not_liaison, elsewhere):
        _refused(
            "liaison.not_a_liaison",
            400,
            services.liaison_assign,
            actor=official,
            liaison_id=user.pk,
            enterprise_id=enterprise.pk,
        )
    _refused("liaison.target_required", 400, services.liaison_assign, actor=official, liaison_id=liaison.pk)
    _refused(
        "permission_denied",
        403,
        services.liaison_assign,
        actor=liaison,
        liaison_id=liaison.pk,
        enterprise_id=enterprise.pk,
    )
    outsider = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    _refused(
        "enterprise.not_found",
        404,
        services.liaison_assign,
        actor=outsider,
        liaison_id=liaison.pk,
        enterprise_id=enterprise.pk,
    )
    assert LiaisonAssignment.objects.count() == 1


def test_end_assignment(official, make_user, stationed, liaison, enterprise):
    outsider = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    with pytest.raises(NotFound):
        services.liaison_end(actor=outsider, assignment_id=stationed.pk)
    ended = services.liaison_end(actor=official, assignment_id=stationed.pk)
    assert ended.ended_at is not None
    _refused("liaison.already_ended", 409, services.liaison_end, actor=official, assignment_id=stationed.pk)
    assert not selectors.liaison_enterprises(actor=liaison).exists()
    _refused(
        "liaison.not_assigned", 403, services.visit_log, actor=liaison, enterprise_id=enterprise.pk, notes="x"
    )


def test_visit_logged_by_stationed_liaison_only(
    stationed, liaison, make_user, make_enterprise, enterprise, employer
):
    visit = services.visit_log(actor=liaison, enterprise_id=enterprise.pk, notes="检查了食堂")
    assert (visit.liaison, visit.enterprise) == (liaison, enterprise)
    other = make_enterprise()
    # Inside the liaison's region but not their enterprise: a clear 403.
    with pytest.raises(DomainError) as exc:
        services.visit_log(actor=liaison, enterprise_id=other.pk, notes="x")
    assert (exc.value.code, exc.value.status) == ("liaison.not_assigned", 403)
    with translation.override("en"):
        assert exc.value.render_message() == "You are not stationed at this enterprise."
    # Outside their region: not found.
    far = make_user(Role.ENTERPRISE_LIAISON, OTHER_COUNTY)
    _refused(
        "enterprise.not_found", 404, services.visit_log, actor=far, enterprise_id=enterprise.pk, notes="x"
    )
    # The enterprise's own login does not log liaison visits.
    _refused(
        "permission_denied", 403, services.visit_log, actor=employer, enterprise_id=enterprise.pk, notes="x"
    )
    _refused(
        "visit.notes_required", 400, services.visit_log, actor=liaison, enterprise_id=enterprise.pk, notes=" "
    )
    assert LiaisonVisit.objects.count() == 1


def test_liaison_reads_only_their_enterprises(stationed, liaison, make_enterprise):
    other = make_enterprise()
    with pytest.raises(NotFound) as exc:
        selectors.enterprise_get(actor=liaison, enterprise_id=other.pk)
    assert exc.value.code == "enterprise.not_found"
