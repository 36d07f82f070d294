"""The dashboard in a real browser: sign in, drill down on the table and the map, switch language."""

import re
import tempfile
from pathlib import Path

import pytest

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment, User
from fangyi.core.validators import id_check_char
from fangyi.people.services import person_register
from fangyi.regions.services import regions_load

pytestmark = pytest.mark.browser

# Left in the temporary directory for a person to look at after the run.
SCREENSHOT = Path(tempfile.gettempdir()) / "fangyi-dashboard.png"
USERNAME = "browser-command"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def site(transactional_db, live_server):
    """A live server with the divisions (flushed between transactional tests), a user and residents."""
    regions_load()
    user = User.objects.create_user(username=USERNAME, password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.PROVINCIAL_COMMAND, region_id="43")
    for serial, home in enumerate(["430102001001", "430102001002", "430103002001", "430202001001"], 1):
        first17 = f"{home[:6]}19850101{serial:03d}"
        person_register(
            actor=None, name=f"居民{serial}", id_number=first17 + id_check_char(first17), home_region=home
        )
    return live_server.url


@pytest.fixture
def page(browser, site):
    context = browser.new_context(
        base_url=site, locale="zh-CN", viewport={"width": 1360, "height": 900}, device_scale_factor=1
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def map_state(page) -> dict:
    page.wait_for_selector("#region-map[data-map-ready='true']", timeout=15_000)
    return page.evaluate(
        """() => {
            const dom = document.getElementById("region-map");
            const chart = echarts.getInstanceByDom(dom);
            const canvas = dom.querySelector("canvas, svg");
            const box = canvas ? canvas.getBoundingClientRect() : {width: 0, height: 0};
            const series = chart ? chart.getOption().series : [];
            return {
                level: dom.dataset.mapLevel,
                width: box.width,
                height: box.height,
                items: series.length ? series[0].data.length : 0,
                highlighted: series.length
                    ? series[0].data.filter((item) => item.itemStyle).map((item) => item.name)
                    : [],
            };
        }"""
    )


def click_on_map(page, lng_lat: tuple[float, float]) -> None:
    x, y = page.evaluate(
        """(point) => echarts.getInstanceByDom(document.getElementById("region-map"))
            .convertToPixel({seriesIndex: 0}, point)""",
        list(lng_lat),
    )
    box = page.locator("#region-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_sign_in_drill_down_and_switch_language(page):
    from playwright.sync_api import expect

    page.goto("/regions/4301/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", "wrong password")
    page.locator("form.login__form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.screenshot(path=str(SCREENSHOT.with_name("fangyi-login.png")))

    page.fill("#id_password", PASSWORD)
    page.locator("form.login__form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/regions/4301/$"))

    # The province, then down the table.
    page.locator(".breadcrumb a", has_text="湖南省").click()
    expect(page.locator("h1")).to_have_text("湖南省")
    province = map_state(page)
    assert province["level"] == "province"
    assert province["width"] > 300 and province["height"] > 300
    assert province["items"] == 14
    expect(page.locator('[data-kpi="residents"]')).to_have_text("4")
    page.screenshot(path=str(SCREENSHOT.with_name("fangyi-dashboard-province.png")), full_page=True)

    # A click on the map (on Changsha) drills down to the prefecture.
    click_on_map(page, (113.05, 28.2))
    expect(page.locator("h1")).to_have_text("长沙市")
    expect(page).to_have_url(re.compile(r"/regions/4301/$"))
    prefecture = map_state(page)
    assert prefecture["level"] == "prefecture"
    assert prefecture["items"] >= 9
    expect(page.get_by_text("OpenStreetMap contributors")).to_be_visible()

    page.locator("#children-table a", has_text="芙蓉区").click()
    expect(page.locator("h1")).to_have_text("芙蓉区")
    expect(page).to_have_url(re.compile(r"/regions/430102/$"))
    breadcrumb = page.locator(".breadcrumb")
    expect(breadcrumb.get_by_role("link", name="湖南省")).to_be_visible()
    expect(breadcrumb.get_by_role("link", name="长沙市")).to_be_visible()
    county = map_state(page)
    assert county["level"] == "county"
    assert county["highlighted"] == ["芙蓉区"]
    expect(page).to_have_title(re.compile("芙蓉区"))
    page.wait_for_timeout(600)  # let the map's entry animation finish
    page.screenshot(path=str(SCREENSHOT.with_name("fangyi-dashboard-county.png")), full_page=True)

    # Back and forward through htmx's history redraw the map.
    page.go_back()
    expect(page.locator("h1")).to_have_text("长沙市")
    assert map_state(page)["level"] == "prefecture"
    page.go_forward()
    expect(page.locator("h1")).to_have_text("芙蓉区")
    assert map_state(page)["level"] == "county"

    # English, on the same page.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/regions/430102/$"))
    expect(page.get_by_text("Residents in your jurisdiction")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert map_state(page)["items"] > 0

    # Back up to the prefecture for the screenshot: the map with its county layer and the table.
    page.locator(".breadcrumb a", has_text="长沙市").click()
    expect(page.locator("h1")).to_have_text("长沙市")
    assert map_state(page)["level"] == "prefecture"
    page.wait_for_timeout(600)  # let the map's entry animation finish
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # On a phone the page reflows instead of scrolling sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SCREENSHOT.with_name("fangyi-dashboard-phone.png")), full_page=True)
