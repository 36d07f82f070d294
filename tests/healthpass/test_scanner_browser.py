"""The gate scanner in a real browser: online decisions, field errors, fever referrals, and offline
verification with a queue that is sent once when the connection returns."""

import base64
import json
import re
import tempfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment, User
from fangyi.core.validators import id_check_char
from fangyi.healthpass import offline
from fangyi.healthpass.models import Scan
from fangyi.healthpass.services import IssuedPass, pass_issue, signing_key_create
from fangyi.labs.choices import ReferralSource
from fangyi.labs.models import Referral
from fangyi.people.services import person_register
from fangyi.regions.choices import PlaceKind
from fangyi.regions.models import Place
from fangyi.regions.services import regions_load

pytestmark = pytest.mark.browser

# Left in the temporary directory for a person to look at after the run.
SCREENSHOT = Path(tempfile.gettempdir()) / "fangyi-scanner.png"
STAFF = "browser-gatekeeper"
PASSWORD = "correct-horse-battery-staple"
VILLAGE = "430102001001"


def resident(username: str, name: str, serial: int) -> User:
    """A resident of 芙蓉区 with a login, so that a pass can be issued to them."""
    user = User.objects.create_user(username=username, password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.RESIDENT, region_id=VILLAGE)
    first17 = f"43010219800101{serial:03d}"
    person = person_register(
        actor=None, name=name, id_number=first17 + id_check_char(first17), home_region=VILLAGE
    )
    person.user = user
    person.save(update_fields=["user"])
    return user


@pytest.fixture
def site(transactional_db, live_server):
    regions_load()
    staff = User.objects.create_user(username=STAFF, password=PASSWORD)
    RoleAssignment.objects.create(user=staff, role=Role.CHECKPOINT_STAFF, region_id="430102")
    gate = Place.objects.create(
        name="芙蓉区浏阳河小区门", kind=PlaceKind.COMPOUND_GATE, region_id="430102001"
    )
    # The key that signs passes exists before the scanner downloads the key set.
    signing_key_create()
    # WebCrypto, which the offline check needs, exists only on secure origins: localhost is one.
    return {"url": live_server.url.replace("127.0.0.1", "localhost"), "gate": gate, "staff": staff}


@pytest.fixture
def context(browser, site):
    context = browser.new_context(
        base_url=site["url"], locale="en-US", viewport={"width": 412, "height": 915}
    )
    yield context
    context.close()


@pytest.fixture
def page(context, site):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/healthpass/gate/scan/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    page.fill("#id_username", STAFF)
    page.fill("#id_password", PASSWORD)
    page.locator("form.login__form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Scan codes")
    # The only gate is chosen, and the key set and revocations are stored for offline checks.
    expect(page).to_have_url(re.compile(rf"/healthpass/gate/scan/\?place={site['gate'].pk}$"))
    page.wait_for_function("() => Object.keys(localStorage).some((key) => key.endsWith('.synced'))")
    yield page
    assert errors == [], f"JavaScript errors: {errors}"


def result_of(page) -> dict:
    return page.evaluate(
        """() => {
            const box = document.getElementById("scan-result");
            return {
                decision: box.dataset.decision,
                reason: box.dataset.reason,
                offline: box.dataset.offline,
                look: box.className,
                text: box.innerText,
            };
        }"""
    )


def forged(issued: IssuedPass) -> str:
    """The same claims under the same key id, signed with a key the platform never had."""
    claims = offline.PassClaims(
        subject="forged-subject",
        colour="green",
        masked_name=issued.masked_name,
        issued_at=int(issued.issued_at.timestamp()),
        expires_at=int(issued.expires_at.timestamp()),
    )
    kid = base64.urlsafe_b64decode(issued.kid + "=" * (-len(issued.kid) % 4))
    return offline.pass_encode(claims, private_key=ec.generate_private_key(ec.SECP256R1()), kid=kid)


def scan_in_browser(page, token: str, temperature: str) -> None:
    page.fill("#scan-temperature", temperature)
    page.evaluate("(code) => fangyiScanner.submitCode(code)", token)


def test_online_scans_show_the_decision_and_refuse_a_missing_temperature(page, site):
    holder = resident("browser-resident-1", "王小明", 1)
    issued = pass_issue(actor=holder)
    expect(page.locator("[data-camera-status]")).to_contain_text("The camera is not available")
    assert page.evaluate("isSecureContext") is True

    # A handheld scanner types the code into the field and presses Enter.
    page.fill("#scan-temperature", "36.5")
    page.fill("#scan-token", issued.token)
    page.press("#scan-token", "Enter")
    expect(page.locator("#scan-result")).to_have_attribute("data-decision", "pass")
    result = result_of(page)
    assert result["look"] == "gate-result gate-result--pass" and result["offline"] == "false"
    expect(page.locator("#scan-result-offline")).to_be_hidden()
    assert "Pass" in result["text"] and "Green code: pass" in result["text"]
    assert issued.masked_name in result["text"] and "Green" in result["text"]
    assert "Valid until" in result["text"] and "36.5" in result["text"]
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    scan = Scan.objects.get()
    assert (scan.decision, scan.offline, scan.place_id, scan.staff_id) == (
        "pass",
        False,
        site["gate"].pk,
        site["staff"].pk,
    )
    assert page.input_value("#scan-token") == "" and page.input_value("#scan-temperature") == ""

    # No temperature: the server's refusal is shown at the field, nothing is recorded or queued.
    page.evaluate("(code) => fangyiScanner.submitCode(code)", issued.token)
    error = page.locator("#scan-temperature-error")
    expect(error).to_be_visible()
    expect(error).to_have_text("Enter the body temperature.")
    expect(page.locator("#scan-temperature")).to_have_attribute("aria-invalid", "true")
    assert Scan.objects.count() == 1
    assert page.evaluate("fangyiScanner.queueLength()") == 0
    assert result_of(page)["decision"] == "pass", "the last decision stays until the next scan"

    # A fever stops the resident and refers them to a fever clinic.
    scan_in_browser(page, issued.token, "38.0")
    expect(page.locator("#scan-result")).to_have_attribute("data-reason", "fever")
    result = result_of(page)
    assert result["decision"] == "stop" and result["look"] == "gate-result gate-result--stop"
    assert (
        "Stop" in result["text"]
        and "Fever: stop, and refer the resident to a fever clinic." in result["text"]
    )
    expect(error).to_be_hidden()
    fever = Scan.objects.get(fever=True)
    assert fever.decision == "stop" and fever.referral_id is not None
    referral = Referral.objects.get(pk=fever.referral_id)
    assert (referral.source, referral.place_id, str(referral.temperature)) == (
        ReferralSource.GATE,
        site["gate"].pk,
        "38.0",
    )
    assert Scan.objects.count() == 2


def test_offline_scans_are_decided_on_the_device_and_sent_once(page, context, site):
    holder = resident("browser-resident-2", "李四", 2)
    issued = pass_issue(actor=holder)
    context.set_offline(True)

    scan_in_browser(page, issued.token, "36.6")
    expect(page.locator("#scan-result")).to_have_attribute("data-offline", "true")
    result = result_of(page)
    assert (result["decision"], result["reason"]) == ("pass", "ok")
    assert "Decided offline" in result["text"] and issued.masked_name in result["text"]
    expect(page.locator("#scan-result-offline")).to_be_visible()
    assert page.evaluate("fangyiScanner.queueLength()") == 1
    expect(page.locator("#scan-queue-count")).to_have_text("1")

    # A forged pass is stopped offline as the server would stop it.
    scan_in_browser(page, forged(issued), "36.6")
    expect(page.locator("#scan-result")).to_have_attribute("data-reason", "bad_signature")
    result = result_of(page)
    assert result["decision"] == "stop" and result["look"] == "gate-result gate-result--stop"
    assert "The signature does not match: the pass may be forged." in result["text"]

    # A temperature out of range is refused on the device too, and not queued.
    scan_in_browser(page, issued.token, "12")
    expect(page.locator("#scan-temperature-error")).to_contain_text(
        "A body temperature between 34.0 and 43.0"
    )
    assert page.evaluate("fangyiScanner.queueLength()") == 2
    assert Scan.objects.count() == 0

    prefix = json.loads(page.inner_text("#scanner-config"))["storagePrefix"]
    queued = page.evaluate("(key) => localStorage.getItem(key)", f"{prefix}.queue")
    assert [item["offline"] for item in json.loads(queued)] == [True, True]

    context.set_offline(False)
    page.evaluate("fangyiScanner.flush()")
    page.wait_for_function("fangyiScanner.queueLength() === 0")
    expect(page.locator("#scan-queue-count")).to_have_text("0")
    scans = {scan.verify_code: scan for scan in Scan.objects.all()}
    assert set(scans) == {"ok", "bad_signature"}
    assert all(scan.offline for scan in scans.values())
    assert scans["ok"].decision == "pass" and str(scans["ok"].temperature) == "36.6"
    assert scans["bad_signature"].decision == "stop"

    # Sending the same scans again, even twice at once, records nothing new.
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", [f"{prefix}.queue", queued])
    assert page.evaluate("fangyiScanner.queueLength()") == 2
    page.evaluate("Promise.all([fangyiScanner.flush(), fangyiScanner.flush()])")
    assert page.evaluate("fangyiScanner.queueLength()") == 0
    assert Scan.objects.count() == 2


def test_without_offline_verification_a_scan_is_queued_undecided(page, context, site):
    issued = pass_issue(actor=resident("browser-resident-3", "赵六", 3))
    # A browser without DecompressionStream (or an insecure origin without WebCrypto) cannot check
    # a pass itself.
    context.add_init_script("delete window.DecompressionStream;")
    page.reload()
    expect(page.locator("#scan-sync-status")).to_contain_text("Offline verification is unavailable here")
    context.set_offline(True)

    scan_in_browser(page, issued.token, "36.8")
    expect(page.locator("#scan-result")).to_have_attribute("data-decision", "undecided")
    result = result_of(page)
    assert result["look"] == "gate-result gate-result--pending" and result["offline"] == "true"
    assert "Verify on sync" in result["text"] and "Offline verification is unavailable here" in result["text"]
    assert page.evaluate("fangyiScanner.queueLength()") == 1

    context.set_offline(False)
    page.evaluate("fangyiScanner.flush()")
    page.wait_for_function("fangyiScanner.queueLength() === 0")
    scan = Scan.objects.get()
    assert (scan.decision, scan.offline, str(scan.temperature)) == ("pass", True, "36.8")
