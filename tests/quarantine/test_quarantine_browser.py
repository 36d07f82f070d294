"""Observation pages in a real browser: the resident's check-in on a phone, and the transmission
graph drawn by ECharts on a canvas."""

import datetime as dt
import re
import tempfile
from decimal import Decimal
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import expect

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment, User
from fangyi.core import clock
from fangyi.core.validators import id_check_char
from fangyi.people.services import person_register
from fangyi.quarantine import models, services
from fangyi.regions.services import regions_load
from fangyi.surveillance import services as surveillance

pytestmark = pytest.mark.browser

# Left in the temporary directory for a person to look at after the run.
SCREENSHOTS = Path(tempfile.gettempdir())
PASSWORD = "correct-horse-battery-staple"
VILLAGE = "430102001001"


def login(username: str, role: str, region: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=role, region_id=region)
    return user


def resident(name: str, serial: int, user: User | None = None):
    first17 = f"43010219850101{serial:03d}"
    person = person_register(
        actor=None, name=name, id_number=first17 + id_check_char(first17), home_region=VILLAGE
    )
    if user is not None:
        person.user = user
        person.save(update_fields=["user"])
    return person


@pytest.fixture
def site(transactional_db, live_server):
    """Hunan's divisions and the 2020 protocol edition, which a flush between these tests removes."""
    regions_load()
    import_module("fangyi.quarantine.migrations.0002_protocol_2020").create(apps, None)
    return live_server.url


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


def test_a_resident_checks_in_on_a_phone(sign_in):
    official = login("browser-official-q", Role.COUNTY_OFFICIAL, "430102")
    person = resident("周小芳", 1, login("browser-resident-q", Role.RESIDENT, VILLAGE))
    services.observation_start(
        actor=official,
        person_id=person.pk,
        kind="home",
        source="contact",
        last_exposure_on=clock.today() - dt.timedelta(days=1),
    )
    page = sign_in(
        "browser-resident-q", "/quarantine/me/", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    expect(page.locator("h1")).to_have_text("My observation")
    expect(page.locator("#my-period")).to_contain_text("13 days left")
    expect(page.locator("[data-slot]")).to_have_count(2)
    # The form fits the phone's width: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.fill("#id_me_temperature", "37.6")
    page.locator("#checkin-form button[type=submit]").click()
    expect(page.locator("[data-message]")).to_contain_text("37.6 °C is a fever")
    checkin = models.CheckIn.objects.get()
    assert (checkin.temperature, checkin.fever, checkin.recorded_by_id) == (Decimal("37.6"), True, None)
    expect(page.locator(f'[data-slot="{checkin.slot}"]')).to_contain_text("37.6 °C")
    expect(page.locator("#history")).to_contain_text("by the resident")
    page.screenshot(path=str(SCREENSHOTS / "fangyi-observation-me.png"), full_page=True)
    assert page.errors == []


def test_the_transmission_graph_draws_nodes_on_a_canvas(sign_in):
    official = login("browser-tracer-q", Role.COUNTY_OFFICIAL, "430102")
    today = clock.today()
    case = surveillance.case_report(
        actor=None,
        person_id=resident("陈大明", 2).pk,
        classification="suspected",
        report_date=today - dt.timedelta(days=1),
        onset_date=today - dt.timedelta(days=3),
        residence=VILLAGE,
        reporting_unit="湘雅医院",
    )
    primary = services.contact_register(
        actor=official,
        case_id=case.pk,
        person_id=resident("陈小红", 3).pk,
        contact_type="household",
        last_contact_on=today - dt.timedelta(days=2),
    )
    services.contact_register(
        actor=official,
        case_id=case.pk,
        person_id=resident("刘小军", 4).pk,
        contact_type="work",
        last_contact_on=today - dt.timedelta(days=1),
        via_contact_id=primary.pk,
    )
    page = sign_in("browser-tracer-q", "/quarantine/graph/")
    expect(page.locator("h1")).to_have_text("Transmission graph")
    graph = page.locator("#transmission-graph")
    expect(graph).to_have_attribute("data-chart-ready", "true")
    expect(graph.locator("canvas")).to_have_count(1)
    assert graph.get_attribute("data-node-count") == "3"
    drawn = page.evaluate(
        """() => {
            const dom = document.getElementById("transmission-graph");
            const series = echarts.getInstanceByDom(dom).getOption().series[0];
            return {nodes: series.data.map((n) => n.name), links: series.links.length};
        }"""
    )
    assert sorted(drawn["nodes"]) == ["刘**", "陈**", "陈**"] and drawn["links"] == 2
    box = graph.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 300
    page.screenshot(path=str(SCREENSHOTS / "fangyi-transmission-graph.png"), full_page=True)
    assert page.errors == []
