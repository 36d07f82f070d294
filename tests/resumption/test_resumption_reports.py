import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from tests.resumption.conftest import OTHER_COUNTY

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.healthpass.models import ColourState
from fangyi.people.models import Person
from fangyi.resumption import selectors, services
from fangyi.resumption.choices import PlanItem
from fangyi.resumption.models import Employee, HealthReport, HealthReportLine, PreventionPlan, ResumptionDay

TODAY = dt.date(2020, 2, 20)
NOON = dt.datetime(2020, 2, 20, 12, tzinfo=clock.SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(NOON):
        yield


def _refused(code, http_status, call, /, **kwargs):
    with pytest.raises(DomainError) as exc:
        call(**kwargs)
    assert (exc.value.code, exc.value.status) == (code, http_status)
    return exc.value


def test_plan_update_and_check(employer, liaison, stationed, enterprise):
    plan = services.plan_update(
        actor=employer, enterprise_id=enterprise.pk, items=["masks", "responsible", "masks"]
    )
    assert plan.items == ["responsible", "masks"]
    error = _refused("plan.incomplete", 409, services.plan_check, actor=liaison, enterprise_id=enterprise.pk)
    with translation.override("en"):
        assert "A temporary isolation room" in error.render_message()
    assert PreventionPlan.objects.get().checked_at is None
    services.plan_update(actor=employer, enterprise_id=enterprise.pk, items=list(PlanItem.values))
    checked = services.plan_check(actor=liaison, enterprise_id=enterprise.pk)
    assert checked.checked_by == liaison
    assert selectors.plan_checked(checked)


def test_plan_refusals(employer, liaison, stationed, enterprise, make_enterprise):
    _refused(
        "plan.unknown_item",
        400,
        services.plan_update,
        actor=employer,
        enterprise_id=enterprise.pk,
        items=["masks", "yoga"],
    )
    assert not PreventionPlan.objects.exists()
    _refused("plan.incomplete", 409, services.plan_check, actor=liaison, enterprise_id=enterprise.pk)
    # The enterprise cannot check its own plan; a liaison not stationed there cannot either.
    _refused("permission_denied", 403, services.plan_check, actor=employer, enterprise_id=enterprise.pk)
    other = make_enterprise()
    _refused(
        "liaison.not_assigned", 403, services.plan_update, actor=liaison, enterprise_id=other.pk, items=[]
    )
    _refused(
        "enterprise.not_found", 404, services.plan_update, actor=employer, enterprise_id=other.pk, items=[]
    )
    assert not PreventionPlan.objects.exists()


def test_employee_added_once(employer, enterprise, new_id_number, village):
    number = new_id_number()
    employee = services.employee_add(
        actor=employer, enterprise_id=enterprise.pk, name="张三", id_number=number, home_region=village
    )
    assert employee.person.name == "张三"
    _refused(
        "employee.duplicate",
        409,
        services.employee_add,
        actor=employer,
        enterprise_id=enterprise.pk,
        name="张三",
        id_number=number,
        home_region=village,
    )
    _refused(
        "id_number.checksum",
        400,
        services.employee_add,
        actor=employer,
        enterprise_id=enterprise.pk,
        name="李四",
        id_number=number[:-1] + ("1" if number[-1] != "1" else "2"),
        home_region=village,
    )
    assert Employee.objects.count() == Person.objects.count() == 1


def test_employee_of_another_enterprise_reuses_the_resident(
    employer, make_enterprise, enterprise, new_id_number, village
):
    number = new_id_number()
    first = services.employee_add(
        actor=employer, enterprise_id=enterprise.pk, name="张三", id_number=number, home_region=village
    )
    other = make_enterprise()
    other.accounts.add(employer)
    second = services.employee_add(
        actor=employer, enterprise_id=other.pk, name="张三", id_number=number, home_region=village
    )
    assert first.person_id == second.person_id
    assert Person.objects.count() == 1


@pytest.fixture
def staff(employer, enterprise, new_id_number, village):
    return [
        services.employee_add(
            actor=employer,
            enterprise_id=enterprise.pk,
            name=name,
            id_number=new_id_number(),
            home_region=village,
        )
        for name in ("张三", "李四", "王五")
    ]


def _colour(employee, colour):
    ColourState.objects.create(
        person=employee.person, subject=f"s{employee.pk}", colour=colour, reason_code="test", rule_version="t"
    )


def test_health_report_counts_and_snapshots_colours(employer, enterprise, staff):
    _colour(staff[0], "green")
    _colour(staff[1], "yellow")
    report = services.health_report_submit(
        actor=employer,
        enterprise_id=enterprise.pk,
        date=TODAY,
        lines=[
            {"employee_id": staff[0].pk, "temperature": "37.3", "on_site": True},
            {"employee_id": staff[1].pk, "temperature": 36.5, "on_site": False},
            {"employee_id": staff[2].pk, "temperature": None, "symptoms": True, "on_site": True},
        ],
    )
    assert (report.employees, report.on_site, report.fever) == (3, 2, 1)
    assert (report.code_green, report.code_yellow, report.code_red, report.code_none) == (1, 1, 0, 1)
    assert HealthReportLine.objects.get(report=report, employee=staff[0]).temperature == Decimal("37.3")
    assert HealthReportLine.objects.get(report=report, employee=staff[1]).code_colour == "yellow"
    day = ResumptionDay.objects.get(enterprise=enterprise, date=TODAY)
    assert (day.status, day.returned, day.workforce) == ("not_resumed", 2, 3)
    enterprise.refresh_from_db()
    assert (enterprise.staff_returned, enterprise.status_date) == (2, TODAY)


def test_health_report_refusals_write_nothing(
    employer, enterprise, staff, liaison, stationed, make_enterprise
):
    _colour(staff[0], "red")
    error = _refused(
        "health_report.code_not_green",
        400,
        services.health_report_submit,
        actor=liaison,
        enterprise_id=enterprise.pk,
        date=TODAY,
        lines=[{"employee_id": staff[1].pk, "on_site": True}, {"employee_id": staff[0].pk, "on_site": True}],
    )
    assert "张三" in error.render_message()
    cases = [
        (
            "health_report.invalid_temperature",
            400,
            TODAY,
            [{"employee_id": staff[1].pk, "temperature": "45"}],
        ),
        (
            "health_report.invalid_temperature",
            400,
            TODAY,
            [{"employee_id": staff[1].pk, "temperature": "hot"}],
        ),
        ("employee.not_found", 404, TODAY, [{"employee_id": 2**40}]),
        (
            "health_report.duplicate_line",
            400,
            TODAY,
            [{"employee_id": staff[1].pk}, {"employee_id": staff[1].pk}],
        ),
        ("health_report.no_lines", 400, TODAY, []),
        ("health_report.date_in_future", 400, TODAY + dt.timedelta(days=1), [{"employee_id": staff[1].pk}]),
    ]
    for code, status, date, lines in cases:
        _refused(
            code,
            status,
            services.health_report_submit,
            actor=employer,
            enterprise_id=enterprise.pk,
            date=date,
            lines=lines,
        )
    other = make_enterprise()
    _refused(
        "liaison.not_assigned",
        403,
        services.health_report_submit,
        actor=liaison,
        enterprise_id=other.pk,
        date=TODAY,
        lines=[],
    )
    assert not HealthReport.objects.exists()
    assert not ResumptionDay.objects.exists()


def test_one_health_report_a_day(employer, enterprise, staff):
    lines = [{"employee_id": staff[0].pk, "on_site": True}]
    services.health_report_submit(actor=employer, enterprise_id=enterprise.pk, date=TODAY, lines=lines)
    _refused(
        "health_report.duplicate",
        409,
        services.health_report_submit,
        actor=employer,
        enterprise_id=enterprise.pk,
        date=TODAY,
        lines=lines,
    )
    assert HealthReport.objects.count() == HealthReportLine.objects.count() == 1
    reports = selectors.health_report_list(actor=employer, enterprise_id=enterprise.pk)
    assert [report.date for report in reports] == [TODAY]


def test_an_official_elsewhere_sees_no_reports(make_user, enterprise):
    with pytest.raises(DomainError) as exc:
        selectors.health_report_list(
            actor=make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY), enterprise_id=enterprise.pk
        )
    assert exc.value.code == "enterprise.not_found"
