"""The resumption pages: the dashboard, the registry and an enterprise's file with the forms each
role may use (refusals shown next to the field, the input kept, nothing written), the homes of
liaisons and employers, the county's queue, tickets and policies; who sees what."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import translation
from tests.resumption.conftest import COUNTY, OTHER_COUNTY, make_credit_code

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.resumption import policies, services, tickets
from fangyi.resumption.choices import ApplicationStatus, PlanItem, TicketStatus
from fangyi.resumption.models import (
    Employee,
    Enterprise,
    HealthReport,
    LiaisonVisit,
    PreventionPlan,
    ProblemTicket,
    ResumptionApplication,
    ResumptionDay,
)

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def frozen_2020():
    with translation.override(None), clock.frozen_at(dt.datetime(2020, 2, 20, 2, tzinfo=dt.UTC)):
        yield


def signed_in(user) -> Client:
    client = Client(**EN)
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def error_of(page: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}_error"[^>]*>([^<]*)<', page)
    assert match, f"no error next to {field_id}"
    return match.group(1)


# Dashboard ---------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_rates_curve_and_what_waits(
    official, make_enterprise, enterprise, employer, checked_plan
):
    make_enterprise(name="湘绣坊")
    services.resumption_apply(
        actor=employer, enterprise_id=enterprise.pk, planned_date=clock.today(), workforce_planned=150
    )
    response = signed_in(official).get("/resumption/")
    assert response.status_code == 200
    page = html(response)
    assert "Enterprise resumption" in page
    assert re.search(r'data-kpi="enterprises">2<', page)
    assert 'id="resumption-chart"' in page and 'id="resumption-data"' in page and 'id="curve"' in page
    assert "湘江机械有限公司" in page.split('id="applications-waiting"')[1].split("</section>")[0]
    # The large enterprise has no liaison of its own... but this one is stationed: no gap for it.
    assert 'id="by-industry"' in page and 'data-industry="manufacturing"' in page


def test_a_curve_that_misses_the_reopening_links_to_its_first_days(official, enterprise):
    ResumptionDay.objects.create(
        enterprise=enterprise, date=dt.date(2019, 11, 1), status="partly", workforce=10, returned=5
    )
    page = html(signed_in(official).get("/resumption/"))
    assert "?region=430102&amp;start=2019-11-01&amp;date=2019-12-30" in page
    assert "The first 60 days from the first reopening (2019-11-01)" in page
    since = html(signed_in(official).get("/resumption/?region=430102&start=2019-11-01&date=2019-12-30"))
    assert "from the first reopening" not in since


def test_the_dashboard_lists_large_enterprises_without_a_liaison(official, make_enterprise):
    lone = make_enterprise(name="无人联络厂", large_scale=True)
    page = html(signed_in(official).get("/resumption/"))
    assert f'data-gap-enterprise="{lone.pk}"' in page


def test_the_dashboard_refuses_a_region_outside_the_jurisdiction_on_the_form(official):
    response = signed_in(official).get("/resumption/", {"region": OTHER_COUNTY})
    assert response.status_code == 400
    assert error_of(html(response), "id_region")
    assert 'id="resumption-figures"' not in html(response)


def test_the_dashboard_is_for_officials(liaison, employer):
    assert signed_in(liaison).get("/resumption/").status_code == 403
    assert signed_in(employer).get("/resumption/").status_code == 403


def test_the_dashboard_with_no_enterprise_says_so(official):
    page = html(signed_in(official).get("/resumption/"))
    assert 'id="curve-empty"' in page
    assert "No application is waiting" in page


# Registry ----------------------------------------------------------------------------------------


def test_the_registry_lists_only_the_jurisdiction(official, make_user, make_enterprise, enterprise):
    other = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    theirs = make_enterprise(actor=other, name="天心电子", region=OTHER_COUNTY)
    page = html(signed_in(official).get("/resumption/enterprises/"))
    assert f'data-enterprise="{enterprise.pk}"' in page
    assert f'data-enterprise="{theirs.pk}"' not in page
    assert 'id="register-form"' in page
    assert signed_in(official).get(f"/resumption/enterprises/{theirs.pk}/").status_code == 404


def test_the_registry_filters_and_says_when_nothing_matches(official, enterprise):
    client = signed_in(official)
    page = html(client.get("/resumption/enterprises/", {"q": "湘江"}))
    assert f'data-enterprise="{enterprise.pk}"' in page
    page = html(client.get("/resumption/enterprises/", {"industry": "catering"}))
    assert 'id="enterprises-empty"' in page and "No enterprise matches" in page
    assert client.get("/resumption/enterprises/", {"q": "a\x00"}).status_code == 400


def test_registering_an_enterprise_opens_its_file(official):
    code = make_credit_code(4242)
    response = signed_in(official).post(
        "/resumption/enterprises/",
        {
            "credit_code": code.lower(),
            "name": "长沙新材料",
            "industry": "manufacturing",
            "region": COUNTY,
            "workforce": "80",
        },
    )
    enterprise = Enterprise.objects.get(credit_code=code)
    assert response.status_code == 302 and response["Location"] == f"/resumption/enterprises/{enterprise.pk}/"


@pytest.mark.parametrize(
    ("credit_code", "expected"),
    [
        ("91430102MA0000001", "18"),  # too short
        ("91430102MA00000010", "check"),  # wrong check character (the right one is computed below)
    ],
)
def test_a_bad_credit_code_is_shown_next_to_the_field_and_nothing_is_written(official, credit_code, expected):
    if expected == "check":
        right = make_credit_code(1)
        credit_code = right[:17] + ("0" if right[17] != "0" else "1")
    response = signed_in(official).post(
        "/resumption/enterprises/",
        {
            "credit_code": credit_code,
            "name": "错码公司",
            "industry": "manufacturing",
            "region": COUNTY,
            "workforce": "5",
        },
    )
    assert response.status_code == 400
    page = html(response)
    assert error_of(page, "id_ent_credit_code")
    assert 'value="错码公司"' in page  # the input is kept
    assert not Enterprise.objects.filter(name="错码公司").exists()


def test_a_duplicate_enterprise_is_refused_on_the_form(official, enterprise):
    response = signed_in(official).post(
        "/resumption/enterprises/",
        {
            "credit_code": enterprise.credit_code,
            "name": "重复公司",
            "industry": "retail",
            "region": COUNTY,
            "workforce": "5",
        },
    )
    assert response.status_code == 409
    assert "already registered" in error_of(html(response), "id_ent_credit_code")
    assert Enterprise.objects.count() == 1


def test_only_managers_see_and_use_the_register_form(liaison, stationed):
    client = signed_in(liaison)
    page = html(client.get("/resumption/enterprises/"))
    assert 'id="register-form"' not in page
    response = client.post("/resumption/enterprises/", {"credit_code": make_credit_code(77), "name": "x"})
    assert response.status_code == 403
    assert not Enterprise.objects.filter(name="x").exists()


def test_a_park_is_registered_and_offered_to_enterprises(official):
    client = signed_in(official)
    response = client.post(
        "/resumption/enterprises/", {"form": "park", "name": "长沙经开区", "region": COUNTY}
    )
    assert response.status_code == 302
    assert "长沙经开区" in html(client.get("/resumption/enterprises/"))
    response = client.post(
        "/resumption/enterprises/", {"form": "park", "name": "长沙经开区", "region": COUNTY}
    )
    assert response.status_code == 409
    assert error_of(html(response), "id_park_name")


def test_the_import_page_queues_a_file_and_shows_its_job(official):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = signed_in(official)
    assert 'id="upload-form"' in html(client.get("/resumption/enterprises/import/"))
    content = (
        "credit_code,name,industry,region,large_scale,key_project,park,workforce,address\n"
        f"{make_credit_code(901)},导入一厂,manufacturing,{COUNTY},yes,no,,50,\n"
    ).encode()
    response = client.post(
        "/resumption/enterprises/import/", {"file": SimpleUploadedFile("list.csv", content, "text/csv")}
    )
    assert response.status_code == 302 and "/resumption/enterprises/import/" in response["Location"]
    assert client.get(response["Location"]).status_code == 200


# An enterprise's file ----------------------------------------------------------------------------


def forms_on(page: str) -> set[str]:
    return set(re.findall(r'id="([a-z_-]+)-form"', page))


def test_each_role_sees_the_forms_it_may_use(official, liaison, stationed, employer, enterprise):
    url = f"/resumption/enterprises/{enterprise.pk}/"
    assert forms_on(html(signed_in(liaison).get(url))) >= {"visit", "plan-check", "plan", "day", "ticket"}
    assert "liaison" not in forms_on(html(signed_in(liaison).get(url)))
    employer_forms = forms_on(html(signed_in(employer).get(url)))
    assert employer_forms >= {"plan", "employee", "health", "apply", "day", "ticket"}
    assert not employer_forms & {"visit", "plan-check", "liaison"}
    official_forms = forms_on(html(signed_in(official).get(url)))
    assert official_forms >= {"liaison", "day"}
    assert not official_forms & {"visit", "plan", "employee", "apply", "ticket"}


def test_a_liaison_reads_only_the_enterprises_they_serve(liaison, stationed, make_enterprise):
    other = make_enterprise(name="别家企业")
    client = signed_in(liaison)
    assert client.get(f"/resumption/enterprises/{other.pk}/").status_code == 404
    response = client.post(f"/resumption/enterprises/{other.pk}/visit/", {"notes": "路过"})
    assert response.status_code == 403
    assert "You are not stationed at this enterprise." in html(response)
    assert not LiaisonVisit.objects.exists()


def test_a_liaison_logs_a_visit(liaison, stationed, enterprise):
    client = signed_in(liaison)
    response = client.post(f"/resumption/enterprises/{enterprise.pk}/visit/", {"notes": "查看了食堂和隔离室"})
    assert response.status_code == 302
    assert LiaisonVisit.objects.get().notes == "查看了食堂和隔离室"
    assert "查看了食堂和隔离室" in html(client.get(f"/resumption/enterprises/{enterprise.pk}/"))


def test_an_incomplete_plan_cannot_be_checked_and_says_what_is_missing(
    liaison, stationed, employer, enterprise
):
    services.plan_update(actor=employer, enterprise_id=enterprise.pk, items=[PlanItem.MASKS])
    response = signed_in(liaison).post(f"/resumption/enterprises/{enterprise.pk}/plan-check/")
    assert response.status_code == 409
    page = html(response)
    assert "The plan still lacks" in page and "temporary isolation room" in page
    assert PreventionPlan.objects.get().checked_at is None


def test_the_employer_updates_the_plan_and_the_checklist_follows(employer, enterprise):
    client = signed_in(employer)
    response = client.post(
        f"/resumption/enterprises/{enterprise.pk}/plan/",
        {"items": [PlanItem.MASKS, PlanItem.CANTEEN], "notes": ""},
    )
    assert response.status_code == 302
    page = html(client.get(f"/resumption/enterprises/{enterprise.pk}/"))
    assert 'data-item="masks" data-done="yes"' in page
    assert 'data-item="isolation_room" data-done="no"' in page
    assert 'data-plan="incomplete"' in page


def test_an_employee_twice_is_refused_next_to_the_identity_number(
    employer, enterprise, village, new_id_number
):
    client = signed_in(employer)
    data = {"name": "王小明", "id_number": new_id_number(), "home_region": village, "phone": ""}
    assert client.post(f"/resumption/enterprises/{enterprise.pk}/employee/", data).status_code == 302
    response = client.post(f"/resumption/enterprises/{enterprise.pk}/employee/", data)
    assert response.status_code == 409
    page = html(response)
    assert "already on the staff list" in error_of(page, "id_employee_id_number")
    assert 'value="王小明"' in page
    assert Employee.objects.count() == 1


def test_the_daily_health_report_has_a_line_per_employee_and_refuses_a_second(
    employer, enterprise, village, new_id_number
):
    employee = services.employee_add(
        actor=employer,
        enterprise_id=enterprise.pk,
        name="李华",
        id_number=new_id_number(),
        home_region=village,
    )
    client = signed_in(employer)
    url = f"/resumption/enterprises/{enterprise.pk}/health-report/"
    data = {"date": "2020-02-20", f"t_{employee.pk}": "37.5", f"o_{employee.pk}": "on"}
    assert f'data-line="{employee.pk}"' in html(client.get(f"/resumption/enterprises/{enterprise.pk}/"))
    assert client.post(url, data).status_code == 302
    report = HealthReport.objects.get()
    assert (report.on_site, report.fever) == (1, 1)
    response = client.post(url, data)
    assert response.status_code == 409
    assert "already in" in error_of(html(response), "id_health_report_date")
    assert HealthReport.objects.count() == 1


def test_applying_without_a_checked_plan_is_refused_on_the_form(employer, enterprise):
    response = signed_in(employer).post(
        f"/resumption/enterprises/{enterprise.pk}/apply/",
        {"planned_date": "2020-02-24", "workforce_planned": "120"},
    )
    assert response.status_code == 409
    page = html(response)
    assert 'value="120"' in page
    assert 'class="alert alert--error"' in page
    assert not ResumptionApplication.objects.exists()


def test_reporting_partly_resumed_before_approval_is_refused(employer, enterprise):
    response = signed_in(employer).post(
        f"/resumption/enterprises/{enterprise.pk}/day/",
        {"date": "2020-02-20", "status": "partly", "returned": "10"},
    )
    assert response.status_code == 409
    assert error_of(html(response), "id_day_status")
    assert not ResumptionDay.objects.exists()


def test_the_county_approves_from_the_enterprise_file_and_refusing_needs_a_reason(
    official, employer, enterprise, checked_plan
):
    services.resumption_apply(
        actor=employer, enterprise_id=enterprise.pk, planned_date=clock.today(), workforce_planned=150
    )
    client = signed_in(official)
    url = f"/resumption/enterprises/{enterprise.pk}/decide/"
    assert 'id="decide-form"' in html(client.get(f"/resumption/enterprises/{enterprise.pk}/"))
    response = client.post(url, {"approve": "no", "note": ""})
    assert response.status_code == 400
    assert error_of(html(response), "id_decide_note")
    assert ResumptionApplication.objects.get().status == ApplicationStatus.SUBMITTED
    assert client.post(url, {"approve": "yes", "note": ""}).status_code == 302
    assert ResumptionApplication.objects.get().status == ApplicationStatus.APPROVED


def test_the_county_stations_and_ends_a_liaison(official, make_user, enterprise):
    liaison = make_user(Role.ENTERPRISE_LIAISON, COUNTY, username="new-liaison")
    client = signed_in(official)
    page = html(client.get(f"/resumption/enterprises/{enterprise.pk}/"))
    assert 'id="liaisons-empty"' in page and f'value="{liaison.pk}"' in page
    assert (
        client.post(
            f"/resumption/enterprises/{enterprise.pk}/liaison/", {"liaison_id": liaison.pk}
        ).status_code
        == 302
    )
    assignment = enterprise.liaisons.get()
    page = html(client.get(f"/resumption/enterprises/{enterprise.pk}/"))
    assert f'data-liaison="{liaison.pk}"' in page
    response = client.post(f"/resumption/enterprises/{enterprise.pk}/liaisons/{assignment.pk}/end/")
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.ended_at is not None


def test_a_third_liaison_of_a_large_enterprise_is_refused(official, make_user, enterprise, settings):
    client = signed_in(official)
    for n in range(settings.FANGYI_LIAISONS_PER_LARGE_ENTERPRISE):
        user = make_user(Role.ENTERPRISE_LIAISON, COUNTY, username=f"liaison-{n}")
        services.liaison_assign(actor=official, liaison_id=user.pk, enterprise_id=enterprise.pk)
    extra = make_user(Role.ENTERPRISE_LIAISON, COUNTY, username="liaison-extra")
    response = client.post(f"/resumption/enterprises/{enterprise.pk}/liaison/", {"liaison_id": extra.pk})
    assert response.status_code == 409
    assert "at most" in error_of(html(response), "id_liaison_liaison_id")
    assert enterprise.liaisons.count() == settings.FANGYI_LIAISONS_PER_LARGE_ENTERPRISE


# Homes -------------------------------------------------------------------------------------------


def test_the_liaison_home_lists_what_needs_doing(liaison, stationed, employer, enterprise):
    services.plan_update(actor=employer, enterprise_id=enterprise.pk, items=list(PlanItem.values))
    page = html(signed_in(liaison).get("/resumption/liaison/"))
    assert f'data-enterprise="{enterprise.pk}"' in page
    assert 'data-todo="plan-check"' in page and 'data-todo="health-report"' in page


def test_the_liaison_home_without_enterprises_says_so(liaison):
    page = html(signed_in(liaison).get("/resumption/liaison/"))
    assert 'id="todo-empty"' in page and "not stationed" in page


def test_the_employer_home_shows_their_enterprise_only(employer, enterprise, make_enterprise):
    other = make_enterprise(name="别家企业")
    page = html(signed_in(employer).get("/resumption/my/"))
    assert f'data-enterprise="{enterprise.pk}"' in page
    assert f'data-enterprise="{other.pk}"' not in page
    assert signed_in(employer).get(f"/resumption/enterprises/{other.pk}/").status_code == 404


def test_homes_are_for_their_roles(official):
    assert signed_in(official).get("/resumption/liaison/").status_code == 403
    assert signed_in(official).get("/resumption/my/").status_code == 403


# Applications queue ------------------------------------------------------------------------------


def test_the_queue_lists_waiting_applications_with_the_decision_form(
    official, employer, enterprise, checked_plan
):
    application = services.resumption_apply(
        actor=employer, enterprise_id=enterprise.pk, planned_date=clock.today(), workforce_planned=150
    )
    client = signed_in(official)
    page = html(client.get("/resumption/applications/"))
    assert f'data-application="{application.pk}"' in page
    assert f"/resumption/applications/{application.pk}/decide/" in page
    response = client.post(
        f"/resumption/applications/{application.pk}/decide/", {"approve": "no", "note": ""}
    )
    assert response.status_code == 400
    assert error_of(html(response), f"id_app{application.pk}_note")
    response = client.post(
        f"/resumption/applications/{application.pk}/decide/", {"approve": "no", "note": "食堂未分餐"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.decision_note) == (ApplicationStatus.REJECTED, "食堂未分餐")


def test_a_township_official_sees_the_queue_without_deciding(make_user, employer, enterprise, checked_plan):
    services.resumption_apply(
        actor=employer, enterprise_id=enterprise.pk, planned_date=clock.today(), workforce_planned=150
    )
    township = make_user(
        Role.TOWNSHIP_OFFICIAL, enterprise.region_id[:9] if len(enterprise.region_id) >= 9 else COUNTY
    )
    page = html(signed_in(township).get("/resumption/applications/"))
    assert "/decide/" not in page


def test_an_empty_queue_says_so(official):
    assert 'id="applications-empty"' in html(signed_in(official).get("/resumption/applications/"))


# Tickets -----------------------------------------------------------------------------------------


@pytest.fixture
def ticket(employer, enterprise):
    return tickets.ticket_open(
        actor=employer,
        enterprise_id=enterprise.pk,
        category="labour",
        priority="high",
        title="缺少熟练工",
        description="返岗员工不足一半",
    )


def test_an_employer_opens_a_ticket_from_the_file(employer, enterprise):
    client = signed_in(employer)
    response = client.post(
        f"/resumption/enterprises/{enterprise.pk}/ticket/",
        {"category": "materials", "priority": "normal", "title": "缺芯片", "description": "供应商停产"},
    )
    assert response.status_code == 302
    assert ProblemTicket.objects.get().title == "缺芯片"


def test_the_board_shows_tickets_with_their_sla_and_filters(official, ticket):
    client = signed_in(official)
    page = html(client.get("/resumption/tickets/"))
    assert f'data-ticket="{ticket.pk}"' in page and 'data-sla="on_track"' in page
    page = html(client.get("/resumption/tickets/", {"category": "funding"}))
    assert 'id="tickets-empty"' in page


def test_the_handler_resolves_and_an_empty_resolution_is_refused(official, ticket):
    client = signed_in(official)
    page = html(client.get(f"/resumption/tickets/{ticket.pk}/"))
    assert {"wait", "escalate", "resolve"} <= forms_on(page)
    assert "close" not in forms_on(page)
    response = client.post(f"/resumption/tickets/{ticket.pk}/resolve/", {"resolution": ""})
    assert response.status_code == 400
    assert error_of(html(response), "id_resolve_resolution")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert (
        client.post(f"/resumption/tickets/{ticket.pk}/resolve/", {"resolution": "人社局对接招工"}).status_code
        == 302
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED


def test_the_employer_closes_a_resolved_ticket_with_a_rating(official, employer, ticket):
    tickets.ticket_resolve(actor=official, ticket_id=ticket.pk, resolution="已解决")
    client = signed_in(employer)
    page = html(client.get(f"/resumption/tickets/{ticket.pk}/"))
    assert {"close", "reopen"} <= forms_on(page) and "resolve" not in forms_on(page)
    response = client.post(f"/resumption/tickets/{ticket.pk}/close/", {"satisfaction": "9"})
    assert response.status_code == 400
    assert error_of(html(response), "id_close_satisfaction")
    assert client.post(f"/resumption/tickets/{ticket.pk}/close/", {"satisfaction": "5"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction) == (TicketStatus.CLOSED, 5)
    page = html(client.get(f"/resumption/tickets/{ticket.pk}/"))
    assert 'data-event="closed"' in page and 'id="actions"' not in page


def test_an_employer_cannot_resolve_a_ticket(employer, ticket):
    response = signed_in(employer).post(
        f"/resumption/tickets/{ticket.pk}/resolve/", {"resolution": "自己解决"}
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_another_county_does_not_see_the_ticket(make_user, ticket):
    other = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    assert signed_in(other).get(f"/resumption/tickets/{ticket.pk}/").status_code == 404


# Policies ----------------------------------------------------------------------------------------


@pytest.fixture
def policy(official):
    return policies.policy_create(
        actor=official,
        code="rent-relief-2020",
        title="房租减免",
        kind="rent",
        summary="中小企业房租减免三个月",
        issuer=COUNTY,
        small_only=False,
        valid_from=dt.date(2020, 2, 1),
    )


def test_the_catalogue_and_the_create_form(official, policy):
    client = signed_in(official)
    page = html(client.get("/resumption/policies/"))
    assert 'data-policy="rent-relief-2020"' in page and 'id="policy-form"' in page
    response = client.post(
        "/resumption/policies/",
        {
            "code": "rent-relief-2020",
            "title": "重复",
            "kind": "rent",
            "summary": "x",
            "issuer": COUNTY,
            "valid_from": "2020-02-01",
        },
    )
    assert response.status_code == 409
    assert error_of(html(response), "id_policy_code")


def test_an_employer_applies_for_a_matching_policy_and_the_official_grants_it(
    official, employer, enterprise, policy
):
    client = signed_in(employer)
    page = html(client.get(f"/resumption/enterprises/{enterprise.pk}/"))
    assert f'data-policy="{policy.pk}"' in page and 'id="policy-form"' in page
    response = client.post(
        f"/resumption/enterprises/{enterprise.pk}/policy/",
        {"policy_id": policy.pk, "amount_requested": "30000"},
    )
    assert response.status_code == 302
    response = client.post(f"/resumption/enterprises/{enterprise.pk}/policy/", {"policy_id": policy.pk})
    assert response.status_code == 409
    application = enterprise.policy_applications.get()
    official_client = signed_in(official)
    assert f"/resumption/policy-applications/{application.pk}/decide/" in html(
        official_client.get("/resumption/policies/")
    )
    response = official_client.post(
        f"/resumption/policy-applications/{application.pk}/decide/",
        {"grant": "yes", "amount_granted": "20000"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "granted"


def test_the_enterprise_withdraws_a_policy_application_still_waiting(official, employer, enterprise, policy):
    application = policies.policy_apply(actor=employer, enterprise_id=enterprise.pk, policy_id=policy.pk)
    url = f"/resumption/enterprises/{enterprise.pk}/policy-applications/{application.pk}/withdraw/"
    assert url not in html(signed_in(official).get(f"/resumption/enterprises/{enterprise.pk}/"))
    client = signed_in(employer)
    assert url in html(client.get(f"/resumption/enterprises/{enterprise.pk}/"))
    assert "The policy application is withdrawn." in html(client.post(url, follow=True))
    application.refresh_from_db()
    assert application.status == "withdrawn"
    again = html(client.post(url, follow=True))
    assert "This application is “Withdrawn” already." in again and url not in again
    assert signed_in(official).post(url).status_code == 403
    application.refresh_from_db()
    assert application.status == "withdrawn"


def test_policies_page_without_policies_says_so(official):
    page = html(signed_in(official).get("/resumption/policies/"))
    assert 'id="catalogue-empty"' in page and 'id="policy-applications-empty"' in page


def test_outside_the_region_a_liaison_finds_nothing_and_a_reading_official_may_not_write(
    make_user, enterprise
):
    far_liaison = make_user(Role.ENTERPRISE_LIAISON, OTHER_COUNTY, username="far-liaison")
    response = signed_in(far_liaison).post(f"/resumption/enterprises/{enterprise.pk}/visit/", {"notes": "x"})
    assert response.status_code == 404
    township = make_user(Role.TOWNSHIP_OFFICIAL, COUNTY)
    client = signed_in(township)
    assert "day-form" not in html(client.get(f"/resumption/enterprises/{enterprise.pk}/"))
    response = client.post(
        f"/resumption/enterprises/{enterprise.pk}/day/",
        {"date": "2020-02-20", "status": "not_resumed", "returned": "0"},
    )
    assert response.status_code == 403
    assert not LiaisonVisit.objects.exists() and not ResumptionDay.objects.exists()
