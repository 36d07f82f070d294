"""Job matching in a real browser on a phone: a resident saves a profile and applies; the employer
moves the application along the pipeline to hired and finds it in the hires table."""

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.employment.conftest import COUNTY, ELECTRICIAN, VILLAGE, in_days

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment, User
from fangyi.core.validators import id_check_char
from fangyi.employment import services
from fangyi.employment.models import Application, Occupation
from fangyi.people.services import person_register
from fangyi.regions.services import regions_load

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
    """Hunan's divisions and the occupation posted, which a flush between transactional tests removes."""
    regions_load()
    Occupation.objects.get_or_create(code=ELECTRICIAN, defaults={"name": "电工", "keywords": "电工"})
    return live_server.url


def sign_in(page, username: str, path: str) -> None:
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.login__form button[type=submit]").click()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_resident_applies_and_the_employer_hires_them(browser, site):
    official = login("browser-official-j", Role.COUNTY_OFFICIAL, COUNTY)
    boss = login("browser-employer-j", Role.EMPLOYER, COUNTY)
    resident = login("browser-resident-j", Role.RESIDENT, VILLAGE)
    first17 = "43010219900101003"
    person = person_register(
        actor=None, name="李建国", id_number=first17 + id_check_char(first17), home_region=VILLAGE
    )
    person.user = resident
    person.save(update_fields=["user"])
    employer = services.employer_register(actor=boss, name="湘华制造有限公司", region=COUNTY)
    post = services.job_post_create(
        actor=official,
        employer_id=employer.pk,
        title="招聘维修电工",
        occupation=ELECTRICIAN,
        salary_min=4000,
        salary_max=6000,
        headcount=1,
        closing_date=in_days(30),
        requirements="持低压电工证",
    )

    phone = {
        "base_url": site,
        "locale": "en-US",
        "viewport": {"width": 375, "height": 740},
        "is_mobile": True,
    }
    seeking = browser.new_context(**phone)
    hiring = browser.new_context(**phone)
    try:
        page = seeking.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, "browser-resident-j", "/employment/me/")
        expect(page.locator("h1")).to_have_text("My job search")
        expect(page.locator("#no-profile")).to_be_visible()
        page.fill("#id_seeker_region", COUNTY)
        page.select_option("#id_seeker_occupation", ELECTRICIAN)
        page.fill("#id_seeker_skills", "低压电工证 叉车")
        page.fill("#id_seeker_expected_salary", "5000")
        page.locator("#seeker-form button[type=submit]").click()
        expect(page.locator("[data-message]")).to_contain_text("Your profile is saved.")
        expect(page.locator("#applications-empty")).to_be_visible()
        assert fits_the_phone(page)

        page.locator(f'#recommended [data-job="{post.pk}"] a').first.click()
        expect(page.locator("h1")).to_have_text("招聘维修电工")
        page.locator('[data-action="apply"] button').click()
        expect(page.locator("[data-message]")).to_contain_text("You have applied")
        expect(page.locator("#applied")).to_contain_text("Applied")
        application = Application.objects.get()
        assert application.seeker.person_id == person.pk

        board = hiring.new_page()
        board.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(board, "browser-employer-j", "/employment/employer/")
        expect(board.locator("h1")).to_have_text("My job posts")
        board.locator(f'[data-job="{post.pk}"] h3 a').click()
        card = board.locator(f'[data-application="{application.pk}"]')
        expect(card.locator("[data-name]")).to_have_text("李**")
        expect(card.locator("[data-travel]")).to_have_text("Can travel")
        assert fits_the_phone(board)
        for stage, message in (
            ("shortlisted", "Shortlisted"),
            ("interview", "Interview"),
            ("offered", "Offered"),
            ("hired", "Hired"),
        ):
            card.locator(f'[data-action="move-{stage}"] button').click()
            expect(board.locator("[data-message]")).to_contain_text(message)
            expect(
                board.locator(f'[data-stage="{stage}"] [data-application="{application.pk}"]')
            ).to_be_visible()
        expect(card.locator("[data-name]")).to_have_text("李建国")
        expect(card.locator("form")).to_have_count(0)  # hired is final

        board.locator(".jobs-nav a", has_text="Hires").click()
        expect(board.locator("h1")).to_have_text("Hires")
        row = board.locator(f'#hires tr[data-employer="{employer.pk}"]')
        expect(row).to_contain_text("湘华制造有限公司")
        expect(row.locator("td.num")).to_have_text("1")
        assert fits_the_phone(board)
        board.screenshot(path=str(SCREENSHOTS / "fangyi-employment-hires.png"), full_page=True)

        page.goto("/employment/me/")
        expect(page.locator(f'#my-applications [data-application="{application.pk}"]')).to_contain_text(
            "Hired"
        )
        expect(page.locator('#my-applications [data-action="withdraw"]')).to_have_count(0)
        assert errors == []
    finally:
        seeking.close()
        hiring.close()
