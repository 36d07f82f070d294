"""The volunteer's page in a real browser on a phone: signing up to a mission and checking in."""

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment, User
from fangyi.core import clock
from fangyi.core.validators import id_check_char
from fangyi.people.services import person_register
from fangyi.regions.services import regions_load
from fangyi.volunteers import services
from fangyi.volunteers.models import HoursRecord, SignUp

pytestmark = pytest.mark.browser

# Left in the temporary directory for a person to look at after the run.
SCREENSHOTS = Path(tempfile.gettempdir())
PASSWORD = "correct-horse-battery-staple"
COUNTY = "430102"
TOWNSHIP = "430102001"
VILLAGE = "430102001001"


def login(username: str, role: str, region: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=role, region_id=region)
    return user


@pytest.fixture
def site(transactional_db, live_server):
    """Hunan's divisions, which a flush between transactional tests removes."""
    regions_load()
    return live_server.url


def test_a_volunteer_signs_up_and_checks_in_on_a_phone(browser, site):
    coordinator = login("browser-coordinator-v", Role.VOLUNTEER_COORDINATOR, COUNTY)
    user = login("browser-volunteer-v", Role.RESIDENT, VILLAGE)
    first17 = "43010219900101002"
    person = person_register(
        actor=None, name="刘晓燕", id_number=first17 + id_check_char(first17), home_region=VILLAGE
    )
    person.user = user
    person.save(update_fields=["user"])
    services.volunteer_register_self(actor=user, region=VILLAGE, skills=["driving"])
    now = clock.now()
    mission = services.mission_create(
        actor=coordinator,
        kind="checkpoint",
        title="识字里社区卡口值守",
        region=TOWNSHIP,
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(hours=4),
        slots=2,
    )

    context = browser.new_context(
        base_url=site, locale="en-US", viewport={"width": 375, "height": 740}, is_mobile=True
    )
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/volunteers/me/")
        expect(page).to_have_url(re.compile(r"/login/\?next="))
        page.fill("#id_username", "browser-volunteer-v")
        page.fill("#id_password", PASSWORD)
        page.locator("form.login__form button[type=submit]").click()
        expect(page.locator("h1")).to_have_text("My volunteering")
        expect(page.locator("#profile")).to_contain_text("刘**")
        expect(page.locator("#signups-empty")).to_be_visible()
        # The page fits the phone's width: nothing scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        page.locator(f'[data-mission="{mission.pk}"] [data-action="sign-up"] button').click()
        expect(page.locator("[data-message]")).to_contain_text("You are signed up")
        signup = SignUp.objects.get()
        card = page.locator(f'#my-signups [data-signup="{signup.pk}"]')
        expect(card).to_contain_text("Signed up")
        expect(card.locator('[data-action="check-in"]')).to_have_count(0)

        services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
        page.reload()
        expect(card).to_contain_text("Assigned")
        card.locator('[data-action="check-in"] button').click()
        expect(page.locator("[data-message]")).to_contain_text("Checked in at")
        expect(card.locator("[data-on-duty]")).to_be_visible()
        expect(card.locator('[data-action="check-out"]')).to_be_visible()
        record = HoursRecord.objects.get()
        assert (record.signup_id, record.check_out_at) == (signup.pk, None)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SCREENSHOTS / "fangyi-volunteer-me.png"), full_page=True)
        assert errors == []
    finally:
        context.close()
