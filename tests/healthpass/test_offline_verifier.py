"""Offline health passes (FY1:): signing, verification codes, revocation, key sets, fuzzing."""

import base64
import dataclasses
import hashlib
import subprocess
import sys
import zlib

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from fangyi.healthpass.offline import (
    PREFIX,
    PassClaims,
    Revocations,
    Verifier,
    b45decode,
    keyset_document,
    keyset_from_document,
    kid_for,
    pass_encode,
)

CODES = {
    "bad_prefix",
    "bad_base45",
    "bad_compression",
    "bad_cbor",
    "bad_cose",
    "unknown_key",
    "bad_signature",
    "bad_claims",
    "not_yet_valid",
    "expired",
    "revoked",
    "ok",
}
ISSUED = 1_600_000_000
EXPIRES = ISSUED + 7 * 86_400
DURING = ISSUED + 3600
CLAIMS = PassClaims(
    subject="p-7f3a9c", colour="green", masked_name="张*明", issued_at=ISSUED, expires_at=EXPIRES
)


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def kid(key) -> bytes:
    return kid_for(key.public_key())


@pytest.fixture(scope="module")
def verifier(key, kid) -> Verifier:
    return Verifier({kid: key.public_key()})


def unpack(text: str) -> list:
    """The four COSE_Sign1 fields of a pass."""
    return list(cbor2.loads(zlib.decompress(base45.b45decode(text[len(PREFIX) :]))).value)


def pack(fields: list, tag: int = 18) -> str:
    return PREFIX + base45.b45encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(tag, fields)))).decode()


def sign(key: ec.EllipticCurvePrivateKey, protected: bytes, payload: bytes) -> str:
    """A pass around any payload, correctly signed, to test what the claims check refuses."""
    signed = cbor2.dumps(["Signature1", protected, b"", payload])
    r, s = decode_dss_signature(key.sign(signed, ec.ECDSA(hashes.SHA256())))
    return pack([protected, {}, payload, r.to_bytes(32, "big") + s.to_bytes(32, "big")])


def test_round_trip(key, kid, verifier):
    text = pass_encode(CLAIMS, private_key=key, kid=kid)
    assert text.startswith("FY1:")
    result = verifier.verify(text, DURING)
    assert (result.ok, result.code, result.claims) == (True, "ok", CLAIMS)
    for colour in ("yellow", "red"):
        claims = dataclasses.replace(CLAIMS, colour=colour)
        assert verifier.verify(pass_encode(claims, private_key=key, kid=kid), DURING).claims == claims


def test_wire_format_matches_the_dcc_layout(key, kid):
    protected, unprotected, payload, signature = unpack(pass_encode(CLAIMS, private_key=key, kid=kid))
    assert cbor2.loads(protected) == {1: -7, 4: kid}
    assert unprotected == {}
    assert cbor2.loads(payload) == {
        2: "p-7f3a9c",
        6: ISSUED,
        4: EXPIRES,
        -70000: {"c": "green", "n": "张*明"},
    }
    assert len(signature) == 64
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert kid == hashlib.sha256(der).digest()[:8]


def test_tampered_payload_is_a_bad_signature(key, kid, verifier):
    protected, unprotected, payload, signature = unpack(pass_encode(CLAIMS, private_key=key, kid=kid))
    tampered = payload.replace(b"green", b"greeo")
    assert tampered != payload
    assert (
        verifier.verify(pack([protected, unprotected, tampered, signature]), DURING).code == "bad_signature"
    )
    short = pack([protected, unprotected, payload, signature[:-1]])
    assert verifier.verify(short, DURING).code == "bad_signature"


def test_wrong_key_is_unknown_and_same_kid_with_another_key_is_a_bad_signature(key, kid):
    text = pass_encode(CLAIMS, private_key=key, kid=kid)
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert Verifier({kid_for(other): other}).verify(text, DURING).code == "unknown_key"
    result = Verifier({kid: other}).verify(text, DURING)
    assert (result.ok, result.code, result.claims) == (False, "bad_signature", None)


def test_time_window_with_skew_boundaries(key, kid, verifier):
    text = pass_encode(CLAIMS, private_key=key, kid=kid)
    assert verifier.verify(text, ISSUED - 300).code == "ok"
    assert verifier.verify(text, ISSUED - 300.5).code == "not_yet_valid"
    assert verifier.verify(text, EXPIRES + 300).code == "ok"
    expired = verifier.verify(text, EXPIRES + 301)
    assert (expired.ok, expired.code, expired.claims) == (False, "expired", CLAIMS)
    strict = Verifier(verifier.keys, skew_seconds=0)
    assert strict.verify(text, ISSUED - 1).code == "not_yet_valid"
    assert strict.verify(text, EXPIRES + 1).code == "expired"
    assert strict.verify(text, EXPIRES).code == "ok"


def test_revocation_covers_passes_issued_up_to_its_moment(key, kid):
    revocations = Revocations()
    verifier = Verifier({kid: key.public_key()}, revocations)
    old = pass_encode(CLAIMS, private_key=key, kid=kid)
    assert verifier.verify(old, DURING).code == "ok"
    revocations.apply({"version": 1, "full": False, "entries": [[CLAIMS.subject, ISSUED + 60]]})
    revoked = verifier.verify(old, DURING)
    assert (revoked.ok, revoked.code, revoked.claims) == (False, "revoked", CLAIMS)
    newer = dataclasses.replace(CLAIMS, issued_at=ISSUED + 61, colour="yellow")
    assert verifier.verify(pass_encode(newer, private_key=key, kid=kid), DURING).code == "ok"
    exactly = dataclasses.replace(CLAIMS, issued_at=ISSUED + 60)
    assert verifier.verify(pass_encode(exactly, private_key=key, kid=kid), DURING).code == "revoked"
    # The old token replayed later, while it has not expired, stays refused.
    assert verifier.verify(old, EXPIRES - 10).code == "revoked"
    other = dataclasses.replace(CLAIMS, subject="p-other")
    assert verifier.verify(pass_encode(other, private_key=key, kid=kid), DURING).code == "ok"


def test_revocation_delta_merge_full_and_prune():
    revocations = Revocations()
    revocations.apply({"version": 3, "full": True, "entries": [["a", 100], ["b", 200], ["a", 50]]})
    assert (revocations.version, revocations.entries) == (3, {"a": 100, "b": 200})
    revocations.apply({"version": 4, "full": False, "entries": [["a", 90], ["b", 250], ["c", 10]]})
    assert (revocations.version, revocations.entries) == (4, {"a": 100, "b": 250, "c": 10})
    revocations.apply({"version": 5, "entries": []})
    assert (revocations.version, revocations.entries) == (5, {"a": 100, "b": 250, "c": 10})
    revocations.apply({"version": 9, "full": True, "entries": [["d", 5]]})
    assert (revocations.version, revocations.entries) == (9, {"d": 5})
    revocations.apply({"version": 10, "entries": [["e", 7], ["f", 20]]})
    revocations.prune(7)
    assert revocations.entries == {"e": 7, "f": 20}
    claims = dataclasses.replace(CLAIMS, subject="e")
    assert revocations.is_revoked(dataclasses.replace(claims, issued_at=7))
    assert not revocations.is_revoked(dataclasses.replace(claims, issued_at=8))


@pytest.mark.parametrize(
    "delta",
    [
        None,
        [],
        {"full": True, "entries": []},
        {"version": "1", "entries": []},
        {"version": -1, "entries": []},
        {"version": True, "entries": []},
        {"version": 1, "full": "yes", "entries": []},
        {"version": 1, "entries": {"a": 1}},
        {"version": 1, "entries": [["a"]]},
        {"version": 1, "entries": [["a", "1"]]},
        {"version": 1, "entries": [["", 1]]},
        {"version": 1, "entries": [[1, 1]]},
        {"version": 1, "entries": [["ok", 1], ["bad", 1.5]]},
    ],
)
def test_malformed_revocation_delta_changes_nothing(delta):
    revocations = Revocations(version=2, entries={"x": 1})
    with pytest.raises(ValueError):
        revocations.apply(delta)
    assert revocations == Revocations(version=2, entries={"x": 1})


def test_keyset_document_round_trip(key, kid):
    second = ec.generate_private_key(ec.SECP256R1()).public_key()
    document = keyset_document([(kid, key.public_key()), (kid_for(second), second)])
    first = document["keys"][0]
    assert first["kid"] == base64.urlsafe_b64encode(kid).decode().rstrip("=")
    assert (first["kty"], first["crv"], first["alg"], len(first["x"]), len(first["y"])) == (
        "EC",
        "P-256",
        "ES256",
        43,
        43,
    )
    keys = keyset_from_document(document)
    assert list(keys) == [kid, kid_for(second)]
    assert keys[kid].public_numbers() == key.public_key().public_numbers()
    text = pass_encode(CLAIMS, private_key=key, kid=kid)
    assert Verifier(keys).verify(text, DURING).ok
    with pytest.raises(ValueError):
        keyset_document([(kid, ec.generate_private_key(ec.SECP384R1()).public_key())])


def _entry(key: ec.EllipticCurvePrivateKey, kid: bytes) -> dict:
    return keyset_document([(kid, key.public_key())])["keys"][0]


@pytest.mark.parametrize(
    "change",
    [
        lambda e: None,
        lambda e: [],
        lambda e: {"keys": {}},
        lambda e: {"keys": [None]},
        lambda e: {"keys": [{**e, "kty": "RSA"}]},
        lambda e: {"keys": [{**e, "crv": "P-384"}]},
        lambda e: {"keys": [{**e, "alg": "ES384"}]},
        lambda e: {"keys": [{k: v for k, v in e.items() if k != "alg"}]},
        lambda e: {"keys": [{k: v for k, v in e.items() if k != "kid"}]},
        lambda e: {"keys": [{**e, "kid": ""}]},
        lambda e: {"keys": [{**e, "kid": e["kid"] + "=="}]},
        lambda e: {"keys": [{**e, "kid": "a+b/"}]},
        lambda e: {"keys": [{**e, "kid": "A"}]},
        lambda e: {"keys": [{**e, "kid": 12}]},
        lambda e: {"keys": [{**e, "x": e["x"][:-2]}]},
        lambda e: {"keys": [{**e, "y": "A" * 43}]},  # not on the curve
        lambda e: {"keys": [{**e, "x": e["y"]}]},
        lambda e: {"keys": [e, e]},
    ],
)
def test_malformed_keyset_documents_are_refused(key, kid, change):
    with pytest.raises(ValueError):
        keyset_from_document(change(_entry(key, kid)))


@pytest.mark.parametrize(
    "claims",
    [
        dataclasses.replace(CLAIMS, colour="blue"),
        dataclasses.replace(CLAIMS, expires_at=ISSUED),
        dataclasses.replace(CLAIMS, subject=""),
        dataclasses.replace(CLAIMS, issued_at=float(ISSUED)),
    ],
)
def test_encoding_refuses_claims_that_would_not_verify(key, kid, claims):
    with pytest.raises(ValueError):
        pass_encode(claims, private_key=key, kid=kid)


GOOD = {2: "p-1", 6: ISSUED, 4: EXPIRES, -70000: {"c": "green", "n": "张*"}}


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff",
        cbor2.dumps([1, 2]),
        cbor2.dumps({**GOOD, 1: "issuer"}),
        cbor2.dumps({k: v for k, v in GOOD.items() if k != 2}),
        cbor2.dumps({**GOOD, 2: 17}),
        cbor2.dumps({**GOOD, 6: float(ISSUED)}),
        cbor2.dumps({**GOOD, 4: True}),
        cbor2.dumps({**GOOD, 4: ISSUED}),
        cbor2.dumps({**GOOD, -70000: {"c": "purple", "n": "张*"}}),
        cbor2.dumps({**GOOD, -70000: {"c": "green"}}),
        cbor2.dumps({**GOOD, -70000: {"c": "green", "n": "张*", "x": 1}}),
        cbor2.dumps({**GOOD, -70000: {"c": "green", "n": None}}),
        cbor2.dumps({**GOOD, -70000: ["green", "张*"]}),
        cbor2.dumps(GOOD) + b"\x00",
    ],
)
def test_signed_payload_of_the_wrong_shape_is_bad_claims(key, kid, verifier, payload):
    assert verifier.verify(sign(key, cbor2.dumps({1: -7, 4: kid}), payload), DURING).code == "bad_claims"
    assert verifier.verify(sign(key, cbor2.dumps({1: -7, 4: kid}), cbor2.dumps(GOOD)), DURING).code == "ok"


def _compressed(message: bytes) -> str:
    return PREFIX + base45.b45encode(zlib.compress(message)).decode()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "bad_prefix"),
        ("HC1:NCF", "bad_prefix"),
        ("fy1:NCF", "bad_prefix"),
        ("FY1:abc", "bad_base45"),
        ("FY1:A", "bad_base45"),
        ("FY1:", "bad_compression"),
        (PREFIX + base45.b45encode(b"\xd2\x84").decode(), "bad_compression"),
        (PREFIX + base45.b45encode(zlib.compress(b"x" * 10)[:-2]).decode(), "bad_compression"),
        (PREFIX + base45.b45encode(zlib.compress(b"\x00" * (2 << 20))).decode(), "bad_compression"),
        (_compressed(b"\xff"), "bad_cbor"),
        (_compressed(b"\x81" * 100 + b"\x00"), "bad_cbor"),
        (_compressed(cbor2.dumps({1: 1}) + b"\x00"), "bad_cbor"),
        (_compressed(cbor2.dumps([b"", {}, b"", b""])), "bad_cose"),
        (pack([b"", {}, b"", b""], tag=17), "bad_cose"),
        (pack([b"", {}, b""]), "bad_cose"),
        (pack([cbor2.dumps({1: -7, 4: b"k"}), [], b"", b""]), "bad_cose"),
        (pack([cbor2.dumps({1: -7, 4: b"k"}), {}, "text", b""]), "bad_cose"),
        (pack([{1: -7, 4: b"k"}, {}, b"", b""]), "bad_cose"),
        (pack([b"\xff", {}, b"", b""]), "bad_cose"),
        (pack([cbor2.dumps([1, -7]), {}, b"", b""]), "bad_cose"),
        (pack([cbor2.dumps({1: -37, 4: b"k"}), {}, b"", b""]), "bad_cose"),
        (pack([cbor2.dumps({1: -7.0, 4: b"k"}), {}, b"", b""]), "bad_cose"),
        (pack([cbor2.dumps({1: -7}), {4: b"k"}, b"", b""]), "bad_cose"),
        (pack([cbor2.dumps({1: -7, 4: b""}), {}, b"", b""]), "bad_cose"),
        (pack([cbor2.dumps({1: -7, 4: b"k"}), {}, b"", b""]), "unknown_key"),
    ],
)
def test_malformed_pass_codes(verifier, text, code):
    result = verifier.verify(text, DURING)
    assert (result.ok, result.code, result.claims) == (False, code, None)


def test_modules_do_not_import_django():
    script = (
        "import fangyi.healthpass.offline, fangyi.healthpass.dcc, sys; "
        "assert not any(m.startswith('django') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


FUZZ = settings(max_examples=300, deadline=None)


@FUZZ
@given(data=st.binary(max_size=200), noise=st.text("0123456789ABCXYZ $%*+-./:a~\n", max_size=7))
def test_base45_decoding_agrees_with_the_reference_package(data, noise):
    assert b45decode(base45.b45encode(data).decode()) == data
    try:
        expected: bytes | None = base45.b45decode(noise.rstrip("\n"))
    except ValueError:
        expected = None
    if expected is None or noise.rstrip("\n") != noise:  # the package forgives a trailing newline
        with pytest.raises(ValueError):
            b45decode(noise)
    else:
        assert b45decode(noise) == expected


@FUZZ
@given(text=st.text(max_size=300))
def test_fuzz_random_text_never_raises(verifier, text):
    for candidate in (text, PREFIX + text):
        assert verifier.verify(candidate, DURING).code in CODES


@FUZZ
@given(data=st.binary(max_size=400), compress=st.booleans())
def test_fuzz_random_bytes_never_raise(verifier, data, compress):
    text = PREFIX + base45.b45encode(zlib.compress(data) if compress else data).decode()
    assert verifier.verify(text, DURING).code in CODES


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=8)
    | st.binary(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.integers(-70_001, 10) | st.text(max_size=3), inner, max_size=5)
        | st.builds(cbor2.CBORTag, st.sampled_from([0, 1, 2, 4, 18, 28, 29, 30, 35, 37, 258, 4711]), inner)
    ),
    max_leaves=20,
)


@FUZZ
@given(value=cbor_values, header=cbor_values)
def test_fuzz_cbor_structures_never_raise(key, kid, verifier, value, header):
    for fields in (
        [cbor2.dumps(header), {}, cbor2.dumps(value), bytes(64)],
        [cbor2.dumps({1: -7, 4: kid}), {}, value, b""],
    ):
        assert verifier.verify(pack(fields), DURING).code in CODES
    # Correctly signed hostile payloads reach the claims check.
    result = verifier.verify(sign(key, cbor2.dumps({1: -7, 4: kid}), cbor2.dumps(value)), DURING)
    assert result.code in CODES and not result.ok


@FUZZ
@given(data=st.data())
def test_fuzz_truncated_and_flipped_passes_never_raise(key, kid, verifier, data):
    text = pass_encode(CLAIMS, private_key=key, kid=kid)
    message = zlib.decompress(base45.b45decode(text[len(PREFIX) :]))
    cut = data.draw(st.integers(0, len(text)))
    position = data.draw(st.integers(0, len(message) - 1))
    flipped = bytearray(message)
    flipped[position] ^= 1 << data.draw(st.integers(0, 7))
    assert verifier.verify(text[:cut], DURING).ok == (cut == len(text))
    result = verifier.verify(PREFIX + base45.b45encode(zlib.compress(bytes(flipped))).decode(), DURING)
    assert result.code in CODES and not result.ok
