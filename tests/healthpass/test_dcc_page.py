"""The international-arrivals page: an EU Digital COVID Certificate checked against the trust list."""

import datetime as dt
import os
import re
import zlib

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from django.test import Client
from django.utils import translation
from test_dcc import DURING, EXPIRES, TEST, VACCINATION, certificate_kid, cwt, hc1, new_ec_signer

from fangyi.core import clock
from fangyi.core.models import AuditEvent
from fangyi.healthpass import dcc, gate_views
from fangyi.healthpass.models import Scan

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PAGE = "/healthpass/gate/dcc/"


@pytest.fixture(scope="module")
def signer():
    return new_ec_signer()


@pytest.fixture
def trust_list(settings, tmp_path, signer):
    _key, certificate = signer
    path = tmp_path / "dsc.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    settings.FANGYI_DCC_TRUST_LIST = str(path)
    return path


@pytest.fixture
def client(gatekeeper):
    client = Client()
    client.force_login(gatekeeper)
    return client


def check(client: Client, text: str, at: dt.datetime = DURING) -> tuple[int, str]:
    with clock.frozen_at(at):
        response = client.post(PAGE, {"qr": text}, **EN)
    return response.status_code, response.content.decode()


def summary(html: str) -> dict[str, str]:
    table = re.search(r'<table class="data-table" id="dcc-summary">(.*?)</table>', html, re.S)
    assert table, "no summary table"
    return dict(re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', table.group(1)))


def tampered(text: str, hcert: dict) -> str:
    """The certificate with its payload swapped after signing: the signature no longer covers it."""
    message = cbor2.loads(zlib.decompress(base45.b45decode(text[4:])))
    protected, unprotected, _payload, signature = message.value
    forged = cbor2.CBORTag(18, [protected, unprotected, cbor2.dumps(cwt(hcert)), signature])
    return "HC1:" + base45.b45encode(zlib.compress(cbor2.dumps(forged))).decode()


def test_a_valid_certificate_is_shown_with_its_content(client, trust_list, signer):
    key, certificate = signer
    text = hc1(cwt(VACCINATION), key, certificate_kid(certificate))
    status, html = check(client, text)
    assert status == 200
    assert 'id="dcc-result" data-code="ok"' in html
    assert "Valid certificate" in html and "The certificate is authentic and valid." in html
    assert summary(html) == {
        "Name": "Musterfrau-Gößinger Gabriele (MUSTERFRAU&lt;GOESSINGER GABRIELE)",
        "Date of birth": "1998-02-26",
        "Certificate kind": "Vaccination",
        "Vaccine product": "EU/1/20/1528",
        "Dose number": "2",
        "Doses in the series": "2",
        "Vaccinated on": "2021-05-18",
        "Country": "AT",
        "Certificate issuer": "Ministry of Health, Austria",
        "Issuing country": "AT",
        "Issued at": "2021-06-01 16:00",
        "Expires at": "2022-06-01 16:00",
    }


def test_a_test_certificate_reads_its_codes(client, trust_list, signer):
    key, certificate = signer
    status, html = check(client, hc1(cwt(TEST), key, certificate_kid(certificate)))
    rows = summary(html)
    assert (status, rows["Certificate kind"]) == (200, "Test")
    assert rows["Test type"] == "Nucleic acid amplification (PCR)"
    assert rows["Test result"] == "Not detected"
    assert rows["Testing centre"] == "Testing center Vienna 1"


def test_a_tampered_certificate_fails_its_signature(client, trust_list, signer):
    key, certificate = signer
    text = tampered(hc1(cwt(VACCINATION), key, certificate_kid(certificate)), TEST)
    status, html = check(client, text)
    assert status == 200
    assert 'data-code="bad_signature"' in html
    assert "Not valid" in html
    assert "The signature does not verify: the certificate was altered or forged." in html
    assert 'id="dcc-summary"' not in html


def test_an_expired_certificate_says_so_and_still_shows_what_it_states(client, trust_list, signer):
    key, certificate = signer
    text = hc1(cwt(VACCINATION), key, certificate_kid(certificate))
    _status, html = check(client, text, at=EXPIRES + dt.timedelta(days=1))
    assert 'data-code="expired"' in html and "The certificate has expired." in html
    assert summary(html)["Name"].startswith("Musterfrau-Gößinger Gabriele")


def test_a_certificate_signed_by_someone_else_is_unknown(client, trust_list):
    stranger, certificate = new_ec_signer("Elsewhere")
    _status, html = check(client, hc1(cwt(VACCINATION), stranger, certificate_kid(certificate)))
    assert 'data-code="unknown_key"' in html
    assert "its issuer is not on this platform&#x27;s trust list" in html


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("FY1:6BFOXN", "bad_prefix"),
        ("HC1:~~~", "bad_base45"),
        ("HC1:" + base45.b45encode(b"not zlib").decode(), "bad_compression"),
        ("HC1:" + base45.b45encode(zlib.compress(b"\xff\xff")).decode(), "bad_cbor"),
        ("HC1:" + base45.b45encode(zlib.compress(cbor2.dumps([1, 2]))).decode(), "bad_cose"),
    ],
)
def test_unreadable_text_is_explained_by_its_code(client, trust_list, text, code):
    status, html = check(client, text)
    assert status == 200
    assert f'data-code="{code}"' in html
    assert str(gate_views.DCC_EXPLANATIONS[code]) in html.replace("&#x27;", "'").replace("&quot;", '"')


def test_an_empty_form_asks_for_the_text(client, trust_list):
    status, html = check(client, "   ")
    assert status == 400
    assert "This field is required." in html
    assert 'id="dcc-result"' not in html


def test_without_a_trust_list_the_page_says_no_certificate_is_trusted(client, settings, signer):
    key, certificate = signer
    settings.FANGYI_DCC_TRUST_LIST = ""
    html = client.get(PAGE, **EN).content.decode()
    assert 'id="dcc-untrusted"' in html and "No trusted certificates are configured" in html
    status, html = check(client, hc1(cwt(VACCINATION), key, certificate_kid(certificate)))
    assert status == 200
    assert "No trusted certificates are configured" in html and 'id="dcc-result"' not in html


@pytest.mark.parametrize(
    "content", [None, b"", b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"]
)
def test_a_missing_or_unreadable_trust_list_is_no_trust_list(client, settings, tmp_path, content):
    path = tmp_path / "trust.pem"
    if content is not None:
        path.write_bytes(content)
    settings.FANGYI_DCC_TRUST_LIST = str(path)
    response = client.get(PAGE, **EN)
    assert response.status_code == 200
    assert "No trusted certificates are configured" in response.content.decode()


def test_the_trust_list_is_read_again_only_when_the_file_changes(trust_list, signer, monkeypatch):
    reads = []
    load = gate_views.load_certificates
    monkeypatch.setattr(gate_views, "load_certificates", lambda data: reads.append(1) or load(data))
    first = gate_views.dcc_verifier_configured()
    assert first is not None and gate_views.dcc_verifier_configured() is first
    assert len(reads) == 1
    _key, other = new_ec_signer("Second")
    trust_list.write_bytes(trust_list.read_bytes() + other.public_bytes(serialization.Encoding.PEM))
    stat = trust_list.stat()
    os.utime(trust_list, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    second = gate_views.dcc_verifier_configured()
    assert second is not None and second is not first
    assert len(reads) == 2


def test_nothing_is_stored(client, trust_list, signer):
    key, certificate = signer
    audits, scans = AuditEvent.objects.count(), Scan.objects.count()
    check(client, hc1(cwt(VACCINATION), key, certificate_kid(certificate)))
    assert (AuditEvent.objects.count(), Scan.objects.count()) == (audits, scans)


def test_the_page_works_in_chinese(client, trust_list, signer):
    key, certificate = signer
    with clock.frozen_at(DURING):
        response = client.post(PAGE, {"qr": hc1(cwt(VACCINATION), key, certificate_kid(certificate))})
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html and 'data-code="ok"' in html


def test_the_page_explains_every_code_of_the_verifier_in_both_languages():
    assert tuple(gate_views.DCC_EXPLANATIONS) == dcc.CODES
    with translation.override("zh-hans"):
        for code, message in dcc.MESSAGES.items():
            assert str(gate_views.DCC_EXPLANATIONS[code]) != message, code


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC),
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    ],
)
def test_a_signed_date_at_the_edge_of_the_calendar_is_shown_as_given(client, trust_list, signer, moment):
    key, certificate = signer
    status, html = check(client, hc1(cwt(VACCINATION, {6: moment}), key, certificate_kid(certificate)))
    assert status == 200
    assert summary(html)["Issued at"] == moment.isoformat()


def test_text_longer_than_any_qr_code_is_refused_at_the_field(client, trust_list):
    status, html = check(client, "HC1:" + "A" * gate_views.MAX_DCC_TEXT)
    assert status == 400
    assert 'id="id_qr_error"' in html and 'id="dcc-result"' not in html


def test_a_body_larger_than_the_upload_limit_is_a_bad_request(client, trust_list, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    status, _html = check(client, "HC1:" + "A" * 20_000)
    assert status == 400


def test_the_help_text_is_the_one_the_field_points_to(client, trust_list):
    html = client.get(PAGE, **EN).content.decode()
    assert 'aria-describedby="id_qr_helptext"' in html and 'id="id_qr_helptext"' in html


def test_without_a_trust_list_there_is_no_form_to_fill(client, settings):
    settings.FANGYI_DCC_TRUST_LIST = ""
    html = client.get(PAGE, **EN).content.decode()
    assert 'id="dcc-form"' not in html and "camera.js" not in html
    assert client.post(PAGE, {"qr": ""}, **EN).status_code == 200


def test_an_unreadable_trust_list_is_reported_once_per_change(settings, tmp_path, caplog):
    settings.FANGYI_DCC_TRUST_LIST = str(tmp_path / "missing.pem")
    with caplog.at_level("WARNING", logger="fangyi.healthpass.gate_views"):
        assert gate_views.dcc_verifier_configured() is None
        assert gate_views.dcc_verifier_configured() is None
    assert len(caplog.records) == 1
