"""The gate scanner page: who may open it, which places it offers, and what it hands its script."""

import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fangyi.accounts.choices import Role
from fangyi.healthpass.models import ColourRuleSet
from fangyi.healthpass.reasons import verify_text
from fangyi.regions.choices import PlaceKind
from fangyi.regions.models import Place

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SCANNER = "/healthpass/gate/scan/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def json_block(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, element_id
    return json.loads(found.group(1))


def offered_places(html: str) -> list[str]:
    select = re.search(r'<select id="scan-place".*?</select>', html, re.S)
    assert select
    return re.findall(r'<option value="(\d+)"', select.group(0))


def test_the_url_is_the_scanner():
    assert reverse("gate:scan") == SCANNER
    assert reverse("gate:dcc") == "/healthpass/gate/dcc/"


def test_checkpoint_staff_see_the_gates_of_their_jurisdiction(gatekeeper, gate):
    Place.objects.create(name="芙蓉区某厂门", kind=PlaceKind.FACTORY_GATE, region_id="430102002")
    Place.objects.create(
        name="芙蓉区停用卡口", kind=PlaceKind.COMPOUND_GATE, region_id="430102001", active=False
    )
    Place.objects.create(name="天心区小区门", kind=PlaceKind.COMPOUND_GATE, region_id="430103002")
    Place.objects.create(name="芙蓉区仓库", kind=PlaceKind.WAREHOUSE, region_id="430102001")
    response = signed_in(gatekeeper).get(SCANNER, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    factory = Place.objects.get(name="芙蓉区某厂门")
    assert sorted(offered_places(html)) == sorted([str(gate.pk), str(factory.pk)])
    assert "芙蓉区测试小区门" in html
    assert "天心区小区门" not in html and "停用" not in html and "仓库" not in html
    assert 'id="scanner-empty"' not in html
    assert "healthpass/scanner.js" in html and "healthpass/vendor/jsQR.min.js" in html
    assert f'href="{SCANNER}" aria-current="page">Scan codes</a>' in html


def test_the_place_in_the_address_is_preselected_when_it_is_one_of_the_gates(gatekeeper, gate):
    client = signed_in(gatekeeper)
    html = client.get(SCANNER, {"place": gate.pk}).content.decode()
    assert f'<option value="{gate.pk}" selected>' in html
    for other in ("999999", "x", ""):
        assert " selected>" not in client.get(SCANNER, {"place": other}).content.decode()


def test_the_script_gets_the_api_the_rules_and_its_texts(gatekeeper, gate):
    ColourRuleSet.objects.update(fever_threshold=Decimal("37.5"))
    html = signed_in(gatekeeper).get(SCANNER, **EN).content.decode()
    config = json_block(html, "scanner-config")
    assert config["scansUrl"] == "/api/v1/healthpass/scans"
    assert config["keysUrl"] == "/api/v1/healthpass/keys"
    assert config["revocationsUrl"] == "/api/v1/healthpass/revocations"
    assert config["feverThreshold"] == "37.5"
    assert config["temperatureRange"] == ["34.0", "43.0"]
    assert config["skewSeconds"] == 300
    assert config["passTtlSeconds"] == 24 * 3600
    assert config["timeZone"] == "Asia/Shanghai"
    assert config["storagePrefix"] == f"fangyi.scanner.{gatekeeper.pk}"
    assert config["csrfToken"]
    texts = json_block(html, "scanner-i18n")
    assert texts["pass"] == "Pass" and texts["stop"] == "Stop"
    assert texts["colours"] == {"green": "Green", "yellow": "Yellow", "red": "Red"}
    assert texts["reasons"]["fever"] == "Fever: stop, and refer the resident to a fever clinic."
    assert texts["temperatureImpossible"].startswith("A body temperature between 34.0 and 43.0")
    assert texts["unreadable"] == "This is not a readable health pass."


def test_the_scripts_texts_follow_the_page_language_chinese_by_default(gatekeeper, gate):
    html = signed_in(gatekeeper).get(SCANNER).content.decode()
    assert '<html lang="zh-hans">' in html
    texts = json_block(html, "scanner-i18n")
    with translation.override("zh-hans"):
        assert texts["reasons"]["ok"] == verify_text("ok")
        assert texts["pass"] == translation.gettext("Pass")


def test_an_empty_jurisdiction_says_there_is_no_gate(make_user, gate):
    staff = make_user(Role.CHECKPOINT_STAFF, "430103")
    html = signed_in(staff).get(SCANNER, **EN).content.decode()
    assert 'id="scanner-empty"' in html
    assert "There is no active checkpoint or gate in your jurisdiction" in html
    assert 'id="scan-form"' not in html and "scanner.js" not in html


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.LAB_STAFF, None])
def test_people_who_do_not_check_codes_are_refused(make_user, gate, role):
    for url in (SCANNER, "/healthpass/gate/dcc/"):
        response = signed_in(make_user(role, "430102")).get(url, **EN)
        assert response.status_code == 403
        assert "You do not have permission to do this." in response.content.decode()


def test_residents_do_not_get_the_scanner_link(resident):
    html = signed_in(resident.user).get("/", **EN).content.decode()
    assert SCANNER not in html


def test_anonymous_visitors_are_sent_to_sign_in():
    for url in (SCANNER, "/healthpass/gate/dcc/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login") + "?next=")


def test_the_scanner_only_answers_reads(gatekeeper, gate):
    assert signed_in(gatekeeper).post(SCANNER).status_code == 405


def test_the_offline_temperature_refusals_are_the_servers(gatekeeper, gate):
    texts = json_block(signed_in(gatekeeper).get(SCANNER, **EN).content.decode(), "scanner-i18n")
    assert texts["temperatureRequired"] == "Enter the body temperature."
    assert texts["temperatureInvalid"] == "The temperature is not a number."
    assert texts["temperatureImpossible"] == (
        "A body temperature between 34.0 and 43.0 °C is expected: measure again."
    )


@pytest.mark.parametrize("place", ["1e999", "-1", "9" * 500, "<script>", "１", "\x00", " "])
def test_an_odd_place_in_the_address_preselects_nothing(gatekeeper, gate, place):
    response = signed_in(gatekeeper).get(SCANNER, {"place": place}, **EN)
    assert response.status_code == 200
    assert " selected>" not in response.content.decode()
