import datetime as dt

import pytest
from tests.resumption.conftest import COUNTY, OTHER_COUNTY

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.resumption import selectors, services
from fangyi.resumption.choices import PlanItem
from fangyi.resumption.models import Enterprise, ResumptionApplication, ResumptionDay

TODAY = dt.date(2020, 2, 20)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(dt.datetime(2020, 2, 20, 9, tzinfo=clock.SHANGHAI)):
        yield


def _refused(code, http_status, call, /, **kwargs):
    with pytest.raises(DomainError) as exc:
        call(**kwargs)
    assert (exc.value.code, exc.value.status) == (code, http_status)


def _apply(actor, enterprise, **kwargs):
    values = {"planned_date": TODAY + dt.timedelta(days=3), "workforce_planned": 150} | kwargs
    return services.resumption_apply(actor=actor, enterprise_id=enterprise.pk, **values)


def test_apply_approve_and_resume(employer, checked_plan, official, enterprise):
    application = _apply(employer, enterprise)
    assert application.plan_items == list(PlanItem.values)
    assert list(selectors.applications_waiting(actor=official)) == [application]
    decided = services.resumption_decide(actor=official, application_id=application.pk, approve=True)
    assert decided.status == "approved"
    day = services.resumption_report(
        actor=employer, enterprise_id=enterprise.pk, date=TODAY, status="partly", returned=80
    )
    assert (day.workforce, day.returned) == (200, 80)
    enterprise.refresh_from_db()
    assert (enterprise.status, enterprise.staff_returned, enterprise.status_date) == ("partly", 80, TODAY)
    # An earlier day does not overwrite the latest state.
    services.resumption_report(
        actor=official,
        enterprise_id=enterprise.pk,
        date=TODAY - dt.timedelta(days=2),
        status="not_resumed",
        returned=0,
    )
    enterprise.refresh_from_db()
    assert enterprise.status == "partly"
    _refused("application.already_approved", 409, _apply, actor=employer, enterprise=enterprise)


def test_plan_must_be_checked_since_its_last_change(employer, liaison, stationed, enterprise):
    _refused("application.plan_not_checked", 409, _apply, actor=employer, enterprise=enterprise)
    services.plan_update(actor=employer, enterprise_id=enterprise.pk, items=list(PlanItem.values))
    _refused("application.plan_not_checked", 409, _apply, actor=employer, enterprise=enterprise)
    services.plan_check(actor=liaison, enterprise_id=enterprise.pk)
    with clock.frozen_at(dt.datetime(2020, 2, 20, 10, tzinfo=clock.SHANGHAI)):
        services.plan_update(
            actor=employer, enterprise_id=enterprise.pk, items=list(PlanItem.values), notes="改了"
        )
        _refused("application.plan_not_checked", 409, _apply, actor=employer, enterprise=enterprise)
    assert not ResumptionApplication.objects.exists()


def test_one_pending_application(employer, checked_plan, liaison, enterprise):
    _apply(liaison, enterprise)
    _refused("application.pending", 409, _apply, actor=employer, enterprise=enterprise)
    assert ResumptionApplication.objects.count() == 1


def test_refusal_needs_a_reason_and_happens_once(employer, checked_plan, official, enterprise):
    application = _apply(employer, enterprise)
    _refused(
        "application.reason_required",
        400,
        services.resumption_decide,
        actor=official,
        application_id=application.pk,
        approve=False,
    )
    application.refresh_from_db()
    assert application.status == "submitted"
    services.resumption_decide(
        actor=official, application_id=application.pk, approve=False, note="缺少隔离室"
    )
    _refused(
        "application.decided",
        409,
        services.resumption_decide,
        actor=official,
        application_id=application.pk,
        approve=True,
    )
    # Refused: the enterprise may apply again.
    assert _apply(employer, enterprise).status == "submitted"


def test_who_decides(employer, checked_plan, make_user, enterprise, liaison):
    application = _apply(employer, enterprise)
    _refused(
        "permission_denied",
        403,
        services.resumption_decide,
        actor=liaison,
        application_id=application.pk,
        approve=True,
    )
    _refused(
        "permission_denied",
        403,
        services.resumption_decide,
        actor=employer,
        application_id=application.pk,
        approve=True,
    )
    township = make_user(Role.TOWNSHIP_OFFICIAL, COUNTY + "001")
    _refused(
        "permission_denied",
        403,
        services.resumption_decide,
        actor=township,
        application_id=application.pk,
        approve=True,
    )
    outsider = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    _refused(
        "application.not_found",
        404,
        services.resumption_decide,
        actor=outsider,
        application_id=application.pk,
        approve=True,
    )
    application.refresh_from_db()
    assert application.status == "submitted"
    prefecture = make_user(Role.PREFECTURE_OFFICIAL, "4301")
    assert (
        services.resumption_decide(actor=prefecture, application_id=application.pk, approve=True).status
        == "approved"
    )


def test_report_refusals(employer, enterprise, liaison, make_enterprise, official):
    _refused(
        "resumption.not_approved",
        409,
        services.resumption_report,
        actor=employer,
        enterprise_id=enterprise.pk,
        date=TODAY,
        status="fully",
        returned=1,
    )
    _refused(
        "resumption.returned_exceeds_workforce",
        400,
        services.resumption_report,
        actor=employer,
        enterprise_id=enterprise.pk,
        date=TODAY,
        status="not_resumed",
        returned=201,
    )
    _refused(
        "resumption.invalid_status",
        400,
        services.resumption_report,
        actor=employer,
        enterprise_id=enterprise.pk,
        date=TODAY,
        status="half",
        returned=0,
    )
    _refused(
        "resumption.date_in_future",
        400,
        services.resumption_report,
        actor=employer,
        enterprise_id=enterprise.pk,
        date=TODAY + dt.timedelta(days=1),
        status="not_resumed",
        returned=0,
    )
    _refused(
        "liaison.not_assigned",
        403,
        services.resumption_report,
        actor=liaison,
        enterprise_id=enterprise.pk,
        date=TODAY,
        status="not_resumed",
        returned=0,
    )
    assert not ResumptionDay.objects.exists()
    assert Enterprise.objects.get(pk=enterprise.pk).status_date is None


def test_application_list_is_scoped(employer, checked_plan, official, make_user, enterprise):
    application = _apply(employer, enterprise)
    assert list(selectors.application_list(actor=employer)) == [application]
    assert list(selectors.application_list(actor=official, status="submitted")) == [application]
    assert not selectors.application_list(actor=make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)).exists()
