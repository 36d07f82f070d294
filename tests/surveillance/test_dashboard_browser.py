"""The epidemic dashboard in a real browser: curves, R_t, the map and its measures, drill-down, dates."""

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment, User
from fangyi.core import clock
from fangyi.core.validators import id_check_char
from fangyi.people.services import person_register
from fangyi.regions.services import regions_load
from fangyi.surveillance import services
from fangyi.surveillance.choices import Classification, Origin, Outcome

pytestmark = pytest.mark.browser

# Left in the temporary directory for a person to look at after the run.
SCREENSHOT = Path(tempfile.gettempdir()) / "fangyi-surveillance.png"
USERNAME = "browser-epidemic"
PASSWORD = "correct-horse-battery-staple"
# Villages in 芙蓉区 and 天心区 (长沙), 荷塘区 (株洲) and 岳阳楼区 (岳阳).
HOMES = ["430102001001", "430103002001", "430202001001", "430602001001"]


@pytest.fixture
def frozen():
    """Early March 2020, for the seeding and for the live server's thread (the clock is module-global)."""
    with clock.frozen_at(dt.datetime(2020, 3, 1, 4, tzinfo=dt.UTC)):
        yield


def seed_cases() -> None:
    """About sixty confirmed cases over three weeks in four counties, rising then falling."""
    serial = 0
    start = dt.date(2020, 1, 21)
    daily = [1, 2, 2, 3, 4, 5, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 1, 0, 1]
    for offset, count in enumerate(daily):
        day = start + dt.timedelta(days=offset)
        for n in range(count):
            serial += 1
            home = HOMES[(serial * 7 + n) % len(HOMES) if serial % 3 else 0]
            first17 = f"{home[:6]}19800101{serial:03d}"
            person = person_register(
                actor=None, name=f"病例{serial}", id_number=first17 + id_check_char(first17), home_region=home
            )
            imported = offset < 6 and n == 0
            case = services.case_report(
                actor=None,
                person_id=person.id,
                classification=Classification.SUSPECTED,
                report_date=day,
                onset_date=day - dt.timedelta(days=1 + serial % 4),
                residence=home,
                reporting_unit="发热门诊",
                origin=Origin.IMPORTED if imported else Origin.LOCAL,
                source_area="武汉市" if imported else "",
            )
            services.case_confirm(actor=None, case_id=case.id, date=day, method="nucleic_acid")
            if serial % 9 == 0:
                services.case_update_severity(actor=None, case_id=case.id, date=day, severity="severe")
            if serial % 2 == 0 or offset < 10:
                outcome = Outcome.DIED if serial == 13 else Outcome.CURED
                services.case_record_outcome(
                    actor=None,
                    case_id=case.id,
                    outcome=outcome,
                    date=day + dt.timedelta(days=12 + serial % 5),
                )


@pytest.fixture
def site(transactional_db, live_server, frozen):
    regions_load()
    user = User.objects.create_user(username=USERNAME, password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.PROVINCIAL_COMMAND, region_id="43")
    seed_cases()
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


def chart_ready(page, element_id: str) -> dict:
    page.wait_for_selector(
        f"#{element_id}[data-chart-ready='true'], #{element_id}[data-map-ready='true']", timeout=15_000
    )
    return page.evaluate(
        """(id) => {
            const dom = document.getElementById(id);
            const chart = echarts.getInstanceByDom(dom);
            const canvas = dom.querySelector("canvas");
            const box = canvas ? canvas.getBoundingClientRect() : {width: 0, height: 0};
            const series = chart ? chart.getOption().series : [];
            return {
                width: box.width,
                height: box.height,
                series: series.length,
                items: series.length && series[0].type === "map" ? series[0].data.length : 0,
                layer: dom.dataset.mapLayer || "",
                measure: dom.dataset.mapMeasure || "",
            };
        }""",
        element_id,
    )


def test_province_dashboard_curve_map_and_drill_down(page):
    from playwright.sync_api import expect

    page.goto("/surveillance/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.locator("form.login__form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/surveillance/$"))
    expect(page.locator("h1")).to_contain_text("湖南省")
    expect(page.locator(".site-nav a[href='/surveillance/']")).to_have_attribute("aria-current", "page")

    curve = chart_ready(page, "epi-curve")
    assert curve["width"] > 600 and curve["height"] > 300
    assert curve["series"] >= 5  # local, imported, the projection (band and median), R_t (band and mean)
    assert chart_ready(page, "epi-onset")["width"] > 200
    assert chart_ready(page, "epi-cumulative")["series"] == 4
    province_map = chart_ready(page, "epi-map")
    assert province_map["items"] == 14 and province_map["layer"] == "prefectures"

    # Every chart has its table behind a disclosure.
    details = page.locator('details[data-table="curve"]')
    details.locator("summary").click()
    expect(details.locator("table tbody tr").first).to_be_visible()
    details.locator("summary").click()

    # The map's measure and areas: the risk level of every county in Hunan.
    page.select_option("#epi-map-measure", "risk")
    page.select_option("#epi-map-layer", "counties")
    page.wait_for_function("document.getElementById('epi-map').dataset.mapLayer === 'counties'")
    counties = chart_ready(page, "epi-map")
    assert counties["items"] == 122 and counties["measure"] == "risk"
    page.wait_for_timeout(400)
    page.screenshot(path=str(SCREENSHOT.with_name("fangyi-surveillance-counties.png")), full_page=True)
    page.select_option("#epi-map-measure", "cumulative")
    page.select_option("#epi-map-layer", "prefectures")
    page.wait_for_function("document.getElementById('epi-map').dataset.mapLayer === 'prefectures'")

    # A click on Changsha on the map opens the prefecture.
    page.locator("#epi-map").scroll_into_view_if_needed()
    x, y = page.evaluate(
        """(point) => echarts.getInstanceByDom(document.getElementById("epi-map"))
            .convertToPixel({seriesIndex: 0}, point)""",
        [113.05, 28.2],
    )
    box = page.locator("#epi-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page.locator("h1")).to_contain_text("长沙市")
    expect(page).to_have_url(re.compile(r"/surveillance/4301/$"))
    prefecture = chart_ready(page, "epi-map")
    assert prefecture["layer"] == "counties" and prefecture["items"] >= 9
    assert chart_ready(page, "epi-curve")["width"] > 600
    expect(page.locator("#epi-children-table a", has_text="芙蓉区")).to_be_visible()

    # Another day through the date picker: the figures of that day, the address says which.
    page.fill("#epi-date", "2020-02-02")
    page.locator(".date-picker button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/surveillance/4301/\?date=2020-02-02$"))
    expect(page.locator(".kpi__label").first).to_contain_text("2020-02-02")
    assert chart_ready(page, "epi-curve")["series"] >= 5
    expect(page.locator("[data-projection]")).to_contain_text("R =")  # the 7 days after it, projected
    page.wait_for_timeout(600)  # let the entry animations finish
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Down to a county through the table, and back through the history.
    page.locator("#epi-children-table a", has_text="芙蓉区").click()
    expect(page.locator("h1")).to_contain_text("芙蓉区")
    expect(page).to_have_url(re.compile(r"/surveillance/430102/\?date=2020-02-02$"))
    assert chart_ready(page, "epi-map")["items"] >= 9
    page.go_back()
    expect(page.locator("h1")).to_contain_text("长沙市")
    assert chart_ready(page, "epi-curve")["width"] > 600

    # On a phone the page reflows instead of scrolling sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SCREENSHOT.with_name("fangyi-surveillance-phone.png")), full_page=True)
