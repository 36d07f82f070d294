"""The merchant's till in a real browser on a phone: redeeming a resident's voucher by its code,
seeing it in today's list, and refunding it."""

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect
from tests.vouchers.conftest import COUNTY, DAY, HOUR, NOW, TOWNSHIP, VILLAGE

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment, User
from fangyi.core.validators import id_check_char
from fangyi.people.services import person_register
from fangyi.regions.services import regions_load
from fangyi.vouchers import services
from fangyi.vouchers.choices import ClaimMode, FunderKind, MerchantCategory, MerchantStatus, RedemptionStatus
from fangyi.vouchers.models import Merchant, Redemption

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
    """Hunan's divisions, which a flush between transactional tests removes."""
    regions_load()
    return live_server.url


def test_a_merchant_redeems_a_voucher_at_the_till_and_refunds_it(browser, site):
    official = login("browser-official-vo", Role.COUNTY_OFFICIAL, COUNTY)
    shopkeeper = login("browser-merchant-vo", Role.MERCHANT, COUNTY)
    resident = login("browser-resident-vo", Role.RESIDENT, VILLAGE)
    first17 = "43010219850505003"
    person = person_register(
        actor=None, name="周建国", id_number=first17 + id_check_char(first17), home_region=VILLAGE
    )
    person.user = resident
    person.save(update_fields=["user"])
    shop = Merchant.objects.create(
        name="坡子街小吃",
        category=MerchantCategory.CATERING,
        region_id=TOWNSHIP,
        status=MerchantStatus.APPROVED,
    )
    shop.accounts.add(shopkeeper)
    program = services.program_create(
        actor=official,
        name="芙蓉区消费券",
        funder_kind=FunderKind.GOVERNMENT,
        funder="芙蓉区人民政府",
        region=COUNTY,
        regions=[COUNTY],
        budget_fen=100_000,
        categories=[MerchantCategory.CATERING],
        claiming=ClaimMode.FIRST_COME,
        per_person_limit=1,
        claim_opens=NOW - HOUR,
        claim_closes=NOW + DAY,
        valid_from=NOW - HOUR,
        valid_until=NOW + 30 * DAY,
        denominations=[{"face_value_fen": 2000, "threshold_fen": 10000, "stock": 10}],
    )
    services.program_publish(actor=official, program_id=program.pk)
    voucher = services.voucher_claim(actor=resident, program_id=program.pk)

    context = browser.new_context(
        base_url=site, locale="en-US", viewport={"width": 375, "height": 740}, is_mobile=True
    )
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/vouchers/shop/")
        expect(page).to_have_url(re.compile(r"/login/\?next="))
        page.fill("#id_username", "browser-merchant-vo")
        page.fill("#id_password", PASSWORD)
        page.locator("form.login__form button[type=submit]").click()
        expect(page.locator("h1")).to_have_text("坡子街小吃")
        expect(page.locator("#today-empty")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        # A figure below the minimum spend is refused next to the amount, the input kept.
        page.fill("#id_redeem_code", voucher.code)
        page.fill("#id_redeem_order_no", "POS-0001")
        page.fill("#id_redeem_amount", "88.5")
        page.locator("#redeem-form button[type=submit]").click()
        expect(page.locator("#id_redeem_amount_error")).to_contain_text("100.00")
        expect(page.locator("#id_redeem_code")).to_have_value(voucher.code)
        assert not Redemption.objects.exists()

        page.fill("#id_redeem_amount", "128.50")
        page.locator("#redeem-form button[type=submit]").click()
        expect(page.locator("[data-message]")).to_contain_text(
            "Voucher redeemed: 20.00 off order POS-0001; the customer pays 108.50."
        )
        row = page.locator('#redemptions [data-order="POS-0001"]')
        expect(row).to_contain_text("128.50")
        expect(row).to_contain_text("Redeemed")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SCREENSHOTS / "fangyi-voucher-till.png"), full_page=True)

        row.locator('[data-action="refund"] button').click()
        expect(page.locator("[data-message]")).to_contain_text("Order POS-0001 is refunded")
        expect(row).to_contain_text("Refunded")
        expect(row.locator('[data-action="refund"]')).to_have_count(0)
        redemption = Redemption.objects.get()
        voucher.refresh_from_db()
        assert (redemption.status, voucher.status) == (RedemptionStatus.REFUNDED, "held")
        assert errors == []
    finally:
        context.close()
