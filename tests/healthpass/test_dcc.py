"""EU Digital COVID Certificate verification: every result code, ES256 and PS256, issuer variants."""

import base64
import datetime as dt
import hashlib
import json
import zlib
from typing import Any

import base45
import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from fangyi.healthpass.dcc import (
    CODES,
    DccVerifier,
    certificate_kid,
    dcc_summary,
    load_certificate,
    load_certificates,
)

ISSUED = dt.datetime(2021, 6, 1, 8, 0, tzinfo=dt.UTC)
EXPIRES = dt.datetime(2022, 6, 1, 8, 0, tzinfo=dt.UTC)
DURING = dt.datetime(2021, 9, 1, tzinfo=dt.UTC)

NAME = {"fn": "Musterfrau-Gößinger", "fnt": "MUSTERFRAU<GOESSINGER", "gn": "Gabriele", "gnt": "GABRIELE"}
VACCINATION = {
    "ver": "1.3.0",
    "nam": NAME,
    "dob": "1998-02-26",
    "v": [
        {
            "tg": "840539006",
            "vp": "1119349007",
            "mp": "EU/1/20/1528",
            "ma": "ORG-100030215",
            "dn": 2,
            "sd": 2,
            "dt": "2021-05-18",
            "co": "AT",
            "is": "Ministry of Health, Austria",
            "ci": "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B",
        }
    ],
}
TEST = {
    "ver": "1.3.0",
    "nam": NAME,
    "dob": "1998-02-26",
    "t": [
        {
            "tg": "840539006",
            "tt": "LP6464-4",
            "nm": "Roche LightCycler qPCR testing",
            "sc": "2021-05-31T14:20:00Z",
            "tr": "260415000",
            "tc": "Testing center Vienna 1",
            "co": "AT",
            "is": "Ministry of Health, Austria",
            "ci": "URN:UVCI:01:AT:71EE2559DE38C6BF7304FB65A1A451EC#3",
        }
    ],
}
RECOVERY = {
    "ver": "1.3.0",
    "nam": NAME,
    "dob": "1998-02-26",
    "r": [
        {
            "tg": "840539006",
            "fr": "2021-04-20",
            "co": "AT",
            "is": "Ministry of Health, Austria",
            "df": "2021-05-04",
            "du": "2021-10-04",
            "ci": "URN:UVCI:01:AT:858CC18CFCF5965EF82F60E493349AA5#K",
        }
    ],
}


def make_certificate(
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, name: str = "DSC"
) -> x509.Certificate:
    """A self-signed Document Signer Certificate valid 2021-2023."""
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "AT"), x509.NameAttribute(NameOID.COMMON_NAME, name)]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2023, 1, 1, tzinfo=dt.UTC))
        .sign(key, hashes.SHA256())
    )


def new_ec_signer(name: str = "DSC EC") -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    return key, make_certificate(key, name)


def cwt(hcert: dict, extra: dict | None = None) -> dict:
    """CWT claims issued by AT at ISSUED, expiring at EXPIRES; `extra` adds or replaces claims."""
    return {
        1: "AT",
        6: int(ISSUED.timestamp()),
        4: int(EXPIRES.timestamp()),
        -260: {1: hcert},
        **(extra or {}),
    }


def hc1(
    claims: Any,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    kid: bytes | None,
    *,
    kid_unprotected: bool = False,
    tagged: bool = True,
    compress: bool = True,
    raw_payload: bytes | None = None,
) -> str:
    """An HC1 string signed with ES256 (EC key) or PS256 (RSA key), in the variants issuers produce."""
    alg = -7 if isinstance(key, ec.EllipticCurvePrivateKey) else -37
    header: dict[int, Any] = {1: alg}
    unprotected: dict[int, Any] = {}
    if kid is not None:
        (unprotected if kid_unprotected else header)[4] = kid
    protected = cbor2.dumps(header)
    payload = raw_payload if raw_payload is not None else cbor2.dumps(claims)
    signed = cbor2.dumps(["Signature1", protected, b"", payload])
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(signed, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        signature = key.sign(signed, pss, hashes.SHA256())
    body = [protected, unprotected, payload, signature]
    message = cbor2.dumps(cbor2.CBORTag(18, body) if tagged else body)
    return "HC1:" + base45.b45encode(zlib.compress(message) if compress else message).decode()


def wrap(message: bytes, *, compress: bool = True) -> str:
    return "HC1:" + base45.b45encode(zlib.compress(message) if compress else message).decode()


@pytest.fixture(scope="module")
def signer() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    return new_ec_signer()


@pytest.fixture(scope="module")
def rsa_signer() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, make_certificate(key, "DSC RSA")


@pytest.mark.parametrize(
    ("hcert", "kind"), [(VACCINATION, "vaccination"), (TEST, "test"), (RECOVERY, "recovery")]
)
def test_valid_certificates_verify_with_json_ready_claims(signer, hcert, kind):
    key, certificate = signer
    kid = certificate_kid(certificate)
    result = DccVerifier([certificate]).verify(hc1(cwt(hcert), key, kid), DURING)
    assert (result.ok, result.code, result.kid) == (True, "ok", kid)
    assert result.claims is not None
    assert result.claims["-260"]["1"] == hcert
    assert result.claims["1"] == "AT"
    assert result.claims["6"] == int(ISSUED.timestamp())
    assert json.loads(json.dumps(result.as_dict())) == {
        "ok": True,
        "code": "ok",
        "kid": base64.b64encode(kid).decode(),
        "claims": result.claims,
    }
    assert dcc_summary(result.claims)["kind"] == kind


def test_summary_has_plain_string_fields_of_each_kind(signer):
    key, certificate = signer
    verifier = DccVerifier([certificate])
    kid = certificate_kid(certificate)
    summaries = [
        dcc_summary(verifier.verify(hc1(cwt(hcert), key, kid), DURING).claims or {})
        for hcert in (VACCINATION, TEST, RECOVERY)
    ]
    common = {
        "name": "Musterfrau-Gößinger Gabriele",
        "name_transliterated": "MUSTERFRAU<GOESSINGER GABRIELE",
        "dob": "1998-02-26",
        "issuer": "AT",
        "issued_at": "2021-06-01T08:00:00+00:00",
        "expires_at": "2022-06-01T08:00:00+00:00",
    }
    country = {"co": "AT"}
    assert summaries[0] == {
        "kind": "vaccination",
        **common,
        **country,
        "mp": "EU/1/20/1528",
        "dn": "2",
        "sd": "2",
        "dt": "2021-05-18",
        "is": "Ministry of Health, Austria",
    }
    assert summaries[1] == {
        "kind": "test",
        **common,
        **country,
        "tt": "LP6464-4",
        "tr": "260415000",
        "sc": "2021-05-31T14:20:00Z",
        "tc": "Testing center Vienna 1",
    }
    assert summaries[2] == {
        "kind": "recovery",
        **common,
        **country,
        "fr": "2021-04-20",
        "df": "2021-05-04",
        "du": "2021-10-04",
    }
    assert all(isinstance(value, str) for summary in summaries for value in summary.values())


def test_summary_of_claims_without_a_certificate_is_empty_strings():
    summary = dcc_summary({"1": 5, "6": "not a time"})
    assert summary["kind"] == "" and summary["issuer"] == "5" and summary["issued_at"] == "not a time"
    assert all(isinstance(value, str) for value in summary.values())


def test_bytes_and_datetime_claims_become_base64_and_iso(signer):
    key, certificate = signer
    claims = cwt(VACCINATION, {7: b"\x01\x02\xff", 99: ISSUED, 98: cbor2.CBORTag(4711, [1.5, b"x"])})
    result = DccVerifier([certificate]).verify(hc1(claims, key, certificate_kid(certificate)), DURING)
    assert result.ok and result.claims is not None
    assert result.claims["7"] == "AQL/"
    assert result.claims["99"] == "2021-06-01T08:00:00+00:00"
    assert result.claims["98"] == {"tag": 4711, "value": [1.5, "eA=="]}


def test_ps256_certificate_verifies(rsa_signer):
    key, certificate = rsa_signer
    result = DccVerifier([certificate]).verify(hc1(cwt(TEST), key, certificate_kid(certificate)), DURING)
    assert (result.ok, result.code) == (True, "ok")


def test_ps256_signature_from_another_rsa_key_is_refused(rsa_signer):
    _key, certificate = rsa_signer
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    qr = hc1(cwt(TEST), other, certificate_kid(certificate))
    assert DccVerifier([certificate]).verify(qr, DURING).code == "bad_signature"


def test_certificate_without_kid_is_checked_against_every_trusted_certificate(signer, rsa_signer):
    key, certificate = signer
    others = [new_ec_signer("other")[1], rsa_signer[1]]
    result = DccVerifier([*others, certificate]).verify(hc1(cwt(RECOVERY), key, None), DURING)
    assert (result.ok, result.kid) == (True, certificate_kid(certificate))
    assert DccVerifier(others).verify(hc1(cwt(RECOVERY), key, None), DURING).code == "bad_signature"
    assert DccVerifier([]).verify(hc1(cwt(RECOVERY), key, None), DURING).code == "unknown_key"


def test_kid_in_unprotected_header_untagged_and_uncompressed_variants(signer):
    key, certificate = signer
    kid = certificate_kid(certificate)
    verifier = DccVerifier([certificate])
    for qr in (
        hc1(cwt(VACCINATION), key, kid, kid_unprotected=True),
        hc1(cwt(VACCINATION), key, kid, tagged=False),
        hc1(cwt(VACCINATION), key, kid, compress=False),
        hc1(cwt(VACCINATION), key, kid, tagged=False, compress=False),
    ):
        assert verifier.verify(qr, DURING).code == "ok"


def test_skipping_the_time_check(signer):
    key, certificate = signer
    qr = hc1(cwt(VACCINATION), key, certificate_kid(certificate))
    verifier = DccVerifier([certificate])
    assert verifier.verify(qr, dt.datetime(2030, 1, 1, tzinfo=dt.UTC)).code == "expired"
    assert verifier.verify(qr, None).code == "ok"


def test_validity_boundaries_without_skew(signer):
    key, certificate = signer
    qr = hc1(cwt(VACCINATION), key, certificate_kid(certificate))
    verifier = DccVerifier([certificate])
    second = dt.timedelta(seconds=1)
    assert verifier.verify(qr, ISSUED).code == "ok"
    assert verifier.verify(qr, EXPIRES).code == "ok"
    expired = verifier.verify(qr, EXPIRES + second)
    assert (expired.ok, expired.code) == (False, "expired")
    assert expired.claims is not None and expired.as_dict()["message"] == "The certificate has expired."
    assert verifier.verify(qr, ISSUED - second).code == "not_yet_valid"
    naive_utc = (ISSUED - second).replace(tzinfo=None)
    assert verifier.verify(qr, naive_utc).code == "not_yet_valid"


def test_unknown_key_and_bad_signature(signer):
    key, certificate = signer
    kid = certificate_kid(certificate)
    qr = hc1(cwt(VACCINATION), key, kid)
    other_key, other_certificate = new_ec_signer("other")
    assert DccVerifier([other_certificate]).verify(qr, DURING).code == "unknown_key"
    # The right kid but a signature by another key.
    forged = hc1(cwt(VACCINATION), other_key, kid)
    result = DccVerifier([certificate]).verify(forged, DURING)
    assert (result.ok, result.code, result.claims) == (False, "bad_signature", None)


def test_tampered_payload_is_a_bad_signature(signer):
    key, certificate = signer
    qr = hc1(cwt(VACCINATION), key, certificate_kid(certificate))
    body = cbor2.loads(zlib.decompress(base45.b45decode(qr[4:]))).value
    claims = cbor2.loads(body[2])
    claims[-260][1]["v"][0]["dn"] = 3
    tampered = cbor2.dumps(cbor2.CBORTag(18, [body[0], body[1], cbor2.dumps(claims), body[3]]))
    assert DccVerifier([certificate]).verify(wrap(tampered), DURING).code == "bad_signature"


@pytest.mark.parametrize(
    ("qr", "code"),
    [
        ("", "bad_prefix"),
        ("HC2:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N", "bad_prefix"),
        ("hc1:6BFOXN", "bad_prefix"),
        ("HC1:lowercase", "bad_base45"),
        ("HC1:A", "bad_base45"),
        ("HC1:GGW", "bad_base45"),  # a triplet above 0xFFFF
        ("HC1:" + base45.b45encode(b"\x00not zlib").decode(), "bad_compression"),
        ("HC1:", "bad_compression"),
        ("HC1:" + base45.b45encode(zlib.compress(b"\x84\x01")[:-3]).decode(), "bad_compression"),
        (wrap(b"\xff\xff"), "bad_cbor"),
        (wrap(b"\x84\x40\xa0\x40"), "bad_cbor"),  # truncated, uncompressed
        (wrap(cbor2.dumps([1, 2, 3]) + b"\x00"), "bad_cbor"),  # trailing bytes
        (wrap(cbor2.dumps([1, 2, 3])), "bad_cose"),
        (wrap(cbor2.dumps(cbor2.CBORTag(17, [b"", {}, b"", b""]))), "bad_cose"),
        (wrap(cbor2.dumps([cbor2.dumps({1: -7}), [], b"", b""])), "bad_cose"),
        (wrap(cbor2.dumps([b"\xff", {}, b"", b""])), "bad_cose"),
        (wrap(cbor2.dumps([cbor2.dumps([1]), {}, b"", b""])), "bad_cose"),
        (wrap(cbor2.dumps([cbor2.dumps({1: -8}), {}, b"", b""])), "bad_cose"),  # EdDSA
        (wrap(cbor2.dumps([cbor2.dumps({4: b"12345678"}), {}, b"", b""])), "bad_cose"),  # no alg
        (wrap(cbor2.dumps([cbor2.dumps({1: -7, 4: "text kid"}), {}, b"", b""])), "bad_cose"),
    ],
)
def test_malformed_input_codes(signer, qr, code):
    result = DccVerifier([signer[1]]).verify(qr, DURING)
    assert (result.ok, result.code, result.claims) == (False, code, None)
    assert result.as_dict()["message"]


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff",
        cbor2.dumps([1, 2]),
        cbor2.dumps({1: "AT", 4: 1, 6: 0}),
        cbor2.dumps(cwt(VACCINATION, {4: "x"})),
    ],
)
def test_signed_payload_that_is_not_a_certificate_is_bad_cbor(signer, payload):
    key, certificate = signer
    qr = hc1(None, key, certificate_kid(certificate), raw_payload=payload)
    assert DccVerifier([certificate]).verify(qr, DURING).code == "bad_cbor"


def test_certificate_kid_and_loading(signer):
    _key, certificate = signer
    der = certificate.public_bytes(serialization.Encoding.DER)
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    assert certificate_kid(certificate) == hashlib.sha256(der).digest()[:8]
    assert load_certificate(der) == certificate
    assert load_certificate(pem) == certificate
    other = new_ec_signer("other")[1]
    bundle = pem + other.public_bytes(serialization.Encoding.PEM)
    assert load_certificates(bundle) == [certificate, other]
    for junk in (
        b"",
        b"not a certificate",
        der[:-10],
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ):
        with pytest.raises(ValueError):
            load_certificate(junk)


def _signed_bytes(signer: tuple[ec.EllipticCurvePrivateKey, x509.Certificate]) -> bytes:
    key, certificate = signer
    return zlib.decompress(base45.b45decode(hc1(cwt(VACCINATION), key, certificate_kid(certificate))[4:]))


FUZZ = settings(max_examples=300, deadline=None)


@FUZZ
@given(text=st.text(max_size=300))
def test_fuzz_random_text_never_raises(signer, text):
    for qr in (text, "HC1:" + text):
        assert DccVerifier([signer[1]]).verify(qr, DURING).code in CODES


@FUZZ
@given(data=st.binary(max_size=400), compress=st.booleans())
def test_fuzz_random_bytes_never_raise(signer, data, compress):
    assert DccVerifier([signer[1]]).verify(wrap(data, compress=compress), DURING).code in CODES


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=8)
    | st.binary(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.integers(-300, 300) | st.text(max_size=3), inner, max_size=5)
        | st.builds(cbor2.CBORTag, st.sampled_from([0, 1, 2, 4, 18, 28, 29, 30, 35, 37, 258, 4711]), inner)
    ),
    max_leaves=20,
)


@FUZZ
@given(value=cbor_values, tagged=st.booleans())
def test_fuzz_cbor_structures_never_raise(signer, value, tagged):
    body = [cbor2.dumps({1: -7}), {4: certificate_kid(signer[1])}, cbor2.dumps(value), bytes(64)]
    for item in (value, cbor2.CBORTag(18, body) if tagged else body):
        assert DccVerifier([signer[1]]).verify(wrap(cbor2.dumps(item)), DURING).code in CODES


@FUZZ
@given(data=st.data())
def test_fuzz_truncated_and_flipped_certificates_never_raise(signer, data):
    message = _signed_bytes(signer)
    cut = data.draw(st.integers(0, len(message)))
    position = data.draw(st.integers(0, len(message) - 1))
    flipped = bytearray(message)
    flipped[position] ^= 1 << data.draw(st.integers(0, 7))
    verifier = DccVerifier([signer[1]])
    for candidate in (message[:cut], bytes(flipped)):
        for compress in (True, False):
            result = verifier.verify(wrap(candidate, compress=compress), DURING)
            assert result.code in CODES
            assert result.ok == (candidate == message)
