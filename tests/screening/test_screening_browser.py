"""The grid worker's task list in a real browser on a phone: a card per resident to visit, and the
outcome of the visit recorded from it."""

import datetime as dt
import re
import tempfile
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import expect
from tests.screening.finished_runs import NOW, SEEN, VILLAGE, make_run

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment, User
from fangyi.core import clock
from fangyi.core.validators import id_check_char
from fangyi.people.services import person_register
from fangyi.regions.services import regions_load
from fangyi.screening.choices import Outcome, TaskStatus
from fangyi.screening.models import GridTask, ScreeningHit

pytestmark = pytest.mark.browser

# Left in the temporary directory for a person to look at after the run.
SCREENSHOT = Path(tempfile.gettempdir()) / "fangyi-screening-tasks.png"
SCREENSHOT_VERIFY = Path(tempfile.gettempdir()) / "fangyi-screening-verify.png"
USERNAME = "browser-grid-worker"
PASSWORD = "correct-horse-battery-staple"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(transactional_db, live_server):
    """Hunan's divisions and the 2020 protocol edition (a flush between tests removes both), a grid
    worker of the village, and one resident screened there; the clock (module-global, so the live
    server's thread shares it) stands on the day after the run."""
    regions_load()
    import_module("fangyi.quarantine.migrations.0002_protocol_2020").create(apps, None)
    with clock.frozen_at(NOW):
        user = User.objects.create_user(username=USERNAME, password=PASSWORD)
        RoleAssignment.objects.create(user=user, role=Role.GRID_WORKER, region_id=VILLAGE)
        first17 = "43010219850101001"
        person = person_register(
            actor=None,
            name="张伟",
            id_number=first17 + id_check_char(first17),
            home_region=VILLAGE,
            phone="13812345678",
            address="解放西路 12 号 3 栋 201",
        )
        run = make_run()
        ScreeningHit.objects.create(
            run=run,
            person=person,
            home_region_id=VILLAGE,
            area_code="420106",
            first_seen=SEEN,
            last_seen=SEEN,
            records=1,
        )
        task = GridTask.objects.create(
            run=run, person=person, region_id=VILLAGE, reason="武汉市", due_at=NOW - dt.timedelta(hours=1)
        )
        yield live_server.url, task


def test_grid_worker_records_a_visit_on_a_phone(browser, site):
    url, task = site
    context = browser.new_context(
        base_url=url, locale="en-US", viewport=PHONE, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/screening/tasks/")
        expect(page).to_have_url(re.compile(r"/login/\?next="))
        page.fill("#id_username", USERNAME)
        page.fill("#id_password", PASSWORD)
        page.locator("form.login__form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/screening/tasks/$"))

        card = page.locator(f"#task-{task.pk}")
        expect(card).to_contain_text("张伟")
        expect(card).to_contain_text("138****5678")
        expect(card).to_contain_text("Overdue")
        expect(card).not_to_contain_text("13812345678")
        box = card.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SCREENSHOT), full_page=True)

        card.get_by_role("link", name="Record the visit").click()
        expect(page).to_have_url(re.compile(rf"/screening/tasks/{task.pk}/$"))
        page.get_by_label("Present: home observation").check()
        page.fill("#id_note", "无发热，已告知居家观察")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SCREENSHOT_VERIFY), full_page=True)
        page.get_by_role("button", name="Save the outcome").click()

        expect(page).to_have_url(re.compile(r"/screening/tasks/$"))
        expect(page.locator("[data-message]").first).to_contain_text("张伟")
        expect(page.locator(f"#task-{task.pk}")).to_have_count(0)  # no longer to verify
        task.refresh_from_db()
        assert (task.status, task.outcome) == (TaskStatus.DONE, Outcome.HOME_OBSERVATION)
        assert task.observation is not None and task.observation.kind == "home"
    finally:
        context.close()
    assert errors == [], f"JavaScript errors: {errors}"
