"""Resumption pages in a real browser: a liaison checks an enterprise's prevention plan on a phone,
and the dashboard draws its curve with ECharts."""

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.resumption.conftest import COUNTY, make_credit_code

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment, User
from fangyi.core import clock
from fangyi.regions.services import regions_load
from fangyi.resumption import services
from fangyi.resumption.choices import PlanItem
from fangyi.resumption.models import PreventionPlan

pytestmark = pytest.mark.browser

# Left in the temporary directory for a person to look at after the run.
SCREENSHOTS = Path(tempfile.gettempdir())
PASSWORD = "correct-horse-battery-staple"


def login(username: str, role: str, region: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=role, region_id=region)
    return user


@pytest.fixture
def site(transactional_db, live_server):
    """Hunan's divisions (a flush between transactional tests removes them), late February 2020."""
    regions_load()
    with clock.frozen_at(dt.datetime(2020, 2, 24, 2, tzinfo=dt.UTC)):
        yield live_server.url


@pytest.fixture
def sign_in(browser, site):
    contexts = []

    def open_as(username: str, path: str, **options):
        context = browser.new_context(base_url=site, locale="en-US", **options)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/login/\?next="))
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.locator("form.login__form button[type=submit]").click()
        page.errors = errors
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def enterprise():
    official = login("browser-official-r", Role.COUNTY_OFFICIAL, COUNTY)
    enterprise = services.enterprise_register(
        actor=official,
        credit_code=make_credit_code(5150),
        name="湘江机械有限公司",
        industry="manufacturing",
        region=COUNTY,
        large_scale=True,
        workforce=200,
    )
    liaison = login("browser-liaison-r", Role.ENTERPRISE_LIAISON, COUNTY)
    services.liaison_assign(actor=official, liaison_id=liaison.pk, enterprise_id=enterprise.pk)
    employer = login("browser-employer-r", Role.EMPLOYER, COUNTY)
    enterprise.accounts.add(employer)
    return enterprise


def test_a_liaison_checks_the_plan_on_a_phone(sign_in, enterprise):
    employer = enterprise.accounts.get()
    services.plan_update(actor=employer, enterprise_id=enterprise.pk, items=list(PlanItem.values))
    page = sign_in(
        "browser-liaison-r", "/resumption/liaison/", viewport={"width": 375, "height": 812}, is_mobile=True
    )
    expect(page.locator("h1")).to_have_text("My enterprises")
    card = page.locator(f'[data-enterprise="{enterprise.pk}"]')
    expect(card.locator('[data-todo="plan-check"]')).to_be_visible()
    # Nothing scrolls sideways on a 375 px phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    card.locator("a").first.click()
    expect(page.locator("h1")).to_have_text("湘江机械有限公司")
    expect(page.locator('[data-plan="to-check"]')).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#plan-check-form button[type=submit]").click()
    expect(page.locator('[data-plan="checked"]')).to_be_visible()
    assert PreventionPlan.objects.get(enterprise=enterprise).checked_by.username == "browser-liaison-r"
    page.screenshot(path=str(SCREENSHOTS / "fangyi-resumption-liaison.png"), full_page=True)

    page.goto("/resumption/liaison/")
    expect(page.locator(f'[data-enterprise="{enterprise.pk}"] [data-todo="plan-check"]')).to_have_count(0)
    assert page.errors == []


def test_the_dashboard_draws_the_resumption_curve(sign_in, enterprise):
    page = sign_in("browser-official-r", "/resumption/")
    expect(page.locator('[data-kpi="enterprises"]')).to_have_text("1")
    expect(page.locator("#resumption-chart canvas")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "fangyi-resumption-dashboard.png"), full_page=True)
    assert page.errors == []
