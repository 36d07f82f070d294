"""Signed health passes that a gate verifies offline, encoded like the EU Digital COVID Certificate.

A pass is "FY1:" + Base45(zlib(COSE_Sign1)) where the COSE_Sign1 (tag 18) carries CWT claims
signed with ES256: protected header {1: -7, 4: kid}, unprotected header {}, payload
{2: subject, 6: iat, 4: exp, -70000: {"c": colour, "n": masked name}}. A gate holds the key set
and a revocation list and needs no server to check a pass. Pure Python: no Django here.
"""

import base64
import binascii
import hashlib
import io
import re
import struct
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

PREFIX = "FY1:"
COLOURS = ("green", "yellow", "red")

COSE_SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_KID = 4
ALG_ES256 = -7
CLAIM_SUBJECT = 2
CLAIM_ISSUED_AT = 6
CLAIM_EXPIRES_AT = 4
CLAIM_PASS = -70000
PAYLOAD_KEYS = frozenset({CLAIM_SUBJECT, CLAIM_ISSUED_AT, CLAIM_EXPIRES_AT, CLAIM_PASS})
PASS_KEYS = frozenset({"c", "n"})

# A QR code holds under 3 KB; anything that inflates past this is not a pass but a zip bomb.
MAX_INFLATED_BYTES = 1 << 20
# COSE and CWT nest a few levels at most; a deep structure is hostile input.
MAX_CBOR_DEPTH = 32

P256_BYTES = 32
_BASE45_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
# Character code -> Base45 digit, 0xFF for characters outside the alphabet.
_BASE45_DIGITS = bytes(_BASE45_CHARSET.find(chr(code)) % 256 for code in range(256))
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


@dataclass(frozen=True)
class PassClaims:
    """What a pass asserts: who (pseudonymous), which colour, and when it is valid."""

    subject: str
    colour: str
    masked_name: str
    issued_at: int
    expires_at: int


@dataclass(frozen=True)
class VerifyResult:
    """The verdict on one scanned pass; `claims` is set once the signature has verified."""

    ok: bool
    code: str
    claims: PassClaims | None = None


def kid_for(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The key id: the first 8 bytes of SHA-256 of the SubjectPublicKeyInfo DER."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).digest()[:8]


def pass_encode(claims: PassClaims, *, private_key: ec.EllipticCurvePrivateKey, kid: bytes) -> str:
    """Sign `claims` with an ES256 key and return the "FY1:" text for the QR code."""
    if not _claims_valid(claims):
        raise ValueError("claims do not form a valid pass (colour, types, or expiry not after issue)")
    if not isinstance(private_key.curve, ec.SECP256R1):
        raise ValueError("ES256 needs a P-256 key")
    if not isinstance(kid, bytes) or not kid:
        raise ValueError("kid must be non-empty bytes")
    protected = cbor2.dumps({HEADER_ALG: ALG_ES256, HEADER_KID: kid})
    payload = cbor2.dumps(
        {
            CLAIM_SUBJECT: claims.subject,
            CLAIM_ISSUED_AT: claims.issued_at,
            CLAIM_EXPIRES_AT: claims.expires_at,
            CLAIM_PASS: {"c": claims.colour, "n": claims.masked_name},
        }
    )
    r, s = decode_dss_signature(private_key.sign(sig_structure(protected, payload), _ECDSA_SHA256))
    signature = r.to_bytes(P256_BYTES, "big") + s.to_bytes(P256_BYTES, "big")
    message = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    return PREFIX + base45.b45encode(zlib.compress(message, 9)).decode("ascii")


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The bytes a COSE_Sign1 signs (RFC 8152 §4.4), with empty external data."""
    return cbor2.dumps(["Signature1", protected, b"", payload])


def ecdsa_der_signature(raw: bytes, curve_bytes: int = P256_BYTES) -> bytes | None:
    """COSE's r||s signature as the DER that `cryptography` verifies; None when the length is wrong."""
    if len(raw) != 2 * curve_bytes:
        return None
    return encode_dss_signature(
        int.from_bytes(raw[:curve_bytes], "big"), int.from_bytes(raw[curve_bytes:], "big")
    )


def b45decode(text: str) -> bytes:
    """Strict RFC 9285 Base45 decoding (about twice as fast as the base45 package); ValueError if invalid."""
    if not text.isascii():
        raise ValueError("Base45 text is ASCII")
    digits = text.encode("ascii").translate(_BASE45_DIGITS)
    if 0xFF in digits or len(digits) % 3 == 1:
        raise ValueError("not Base45")
    whole = len(digits) - len(digits) % 3
    words = [
        low + 45 * middle + 2025 * high
        for low, middle, high in zip(digits[0:whole:3], digits[1:whole:3], digits[2:whole:3], strict=True)
    ]
    if words and max(words) > 0xFFFF:
        raise ValueError("a Base45 triplet exceeds two bytes")
    data = struct.pack(f">{len(words)}H", *words)
    if whole < len(digits):
        last = digits[whole] + 45 * digits[whole + 1]
        if last > 0xFF:
            raise ValueError("a Base45 pair exceeds one byte")
        data += bytes((last,))
    return data


def inflate(data: bytes) -> bytes:
    """zlib-decompress with a size cap; raises ValueError (or zlib.error) on bad or oversized data."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, MAX_INFLATED_BYTES)
    if inflater.unconsumed_tail:
        raise ValueError("inflated data too large")
    if not inflater.eof or inflater.unused_data:
        raise ValueError("truncated or trailing zlib data")
    return out


def decode_cbor(data: bytes) -> Any:
    """Decode exactly one CBOR item: trailing bytes, duplicate map keys and deep nesting are refused."""
    stream = io.BytesIO(data)
    value = cbor2.CBORDecoder(stream, max_depth=MAX_CBOR_DEPTH, allow_duplicate_keys=False).decode()
    if stream.tell() != len(data):
        raise ValueError("trailing bytes after the CBOR item")
    return value


class Unreadable(ValueError):
    """Text that does not open to one CBOR item; `code` names the step that failed."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def open_message(text: str, prefix: str, *, raw_leads: tuple[bytes, ...] = ()) -> Any:
    """The CBOR item of `prefix` + Base45(zlib(item)), or of `prefix` + Base45(item) when the bytes
    start with one of `raw_leads`; raises Unreadable with bad_prefix, bad_base45, bad_compression
    or bad_cbor."""
    if not isinstance(text, str) or not text.startswith(prefix):
        raise Unreadable("bad_prefix")
    try:
        data = b45decode(text[len(prefix) :])
    except ValueError:
        raise Unreadable("bad_base45") from None
    if data[:1] not in raw_leads:
        try:
            data = inflate(data)
        except (ValueError, zlib.error):
            raise Unreadable("bad_compression") from None
    try:
        return decode_cbor(data)
    except Exception:  # noqa: BLE001 - hostile bytes make the decoder fail in many ways
        raise Unreadable("bad_cbor") from None


def sign1_fields(value: Any, *, tagged: bool) -> tuple[bytes, Mapping, Mapping, bytes, bytes] | None:
    """(protected bstr, protected header, unprotected header, payload, signature) of a well-formed
    COSE_Sign1 (tag 18; untagged too unless `tagged`), else None. The algorithm and key id are
    the caller's to check."""
    if isinstance(value, cbor2.CBORTag):
        if value.tag != COSE_SIGN1_TAG:
            return None
        value = value.value
    elif tagged:
        return None
    if not isinstance(value, list | tuple) or len(value) != 4:
        return None
    protected, unprotected, payload, signature = value
    if not (
        isinstance(protected, bytes)
        and isinstance(unprotected, Mapping)
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
    ):
        return None
    try:
        header = decode_cbor(protected) if protected else {}
    except Exception:  # noqa: BLE001 - the protected header is as hostile as the rest
        return None
    if not isinstance(header, Mapping):
        return None
    return protected, header, unprotected, payload, signature


def keyset_document(keys: Iterable[tuple[bytes, ec.EllipticCurvePublicKey]]) -> dict:
    """The JSON key set (JWK-style) a gate downloads: one P-256 key per kid."""
    entries = []
    for kid, key in keys:
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("only P-256 keys can sign passes")
        numbers = key.public_numbers()
        entries.append(
            {
                "kty": "EC",
                "crv": "P-256",
                "alg": "ES256",
                "kid": _b64url(kid),
                "x": _b64url(numbers.x.to_bytes(P256_BYTES, "big")),
                "y": _b64url(numbers.y.to_bytes(P256_BYTES, "big")),
            }
        )
    return {"keys": entries}


def keyset_from_document(doc: Mapping) -> dict[bytes, ec.EllipticCurvePublicKey]:
    """Parse a key set document; raises ValueError when anything in it is malformed."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("keys"), list):
        raise ValueError('a key set is an object with a "keys" list')
    keys: dict[bytes, ec.EllipticCurvePublicKey] = {}
    for index, entry in enumerate(doc["keys"]):
        if not isinstance(entry, Mapping):
            raise ValueError(f"key {index} is not an object")
        if (entry.get("kty"), entry.get("crv"), entry.get("alg")) != ("EC", "P-256", "ES256"):
            raise ValueError(f"key {index} is not an ES256 P-256 key")
        kid = _b64url_decode(entry.get("kid"), f"key {index} kid")
        x = _b64url_decode(entry.get("x"), f"key {index} x")
        y = _b64url_decode(entry.get("y"), f"key {index} y")
        if not kid or len(x) != P256_BYTES or len(y) != P256_BYTES:
            raise ValueError(f"key {index} has an empty kid or coordinates of the wrong size")
        if kid in keys:
            raise ValueError(f"key {index} repeats a kid")
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
        )
        try:
            keys[kid] = numbers.public_key()
        except ValueError as exc:
            raise ValueError(f"key {index} is not a point on P-256") from exc
    return keys


@dataclass
class Revocations:
    """Subjects whose passes issued at or before a moment are revoked (subject -> epoch seconds)."""

    version: int = 0
    entries: dict[str, int] = field(default_factory=dict)

    def apply(self, delta: Mapping) -> None:
        """Apply {"version": N, "full": bool, "entries": [[subject, revoked_before], ...]}; all or nothing."""
        version, full, entries = _parse_delta(delta)
        if full:
            self.entries = entries
        else:
            for subject, revoked_before in entries.items():
                self.entries[subject] = max(revoked_before, self.entries.get(subject, revoked_before))
        self.version = version

    def prune(self, older_than: int) -> None:
        """Forget entries before `older_than`: every pass they revoke has expired by then."""
        self.entries = {subject: before for subject, before in self.entries.items() if before >= older_than}

    def is_revoked(self, claims: PassClaims) -> bool:
        """True when the subject is listed and the pass was issued at or before the revocation."""
        revoked_before = self.entries.get(claims.subject)
        return revoked_before is not None and claims.issued_at <= revoked_before


class Verifier:
    """Checks scanned passes against trusted keys and a revocation list, offline."""

    def __init__(
        self,
        keys: Mapping[bytes, ec.EllipticCurvePublicKey],
        revocations: Revocations | None = None,
        *,
        skew_seconds: int = 300,
    ) -> None:
        self.keys = dict(keys)
        self.revocations = revocations if revocations is not None else Revocations()
        self.skew_seconds = skew_seconds

    def verify(self, text: str, now: float) -> VerifyResult:
        """The verdict on `text` at `now` (epoch seconds); never raises."""
        try:
            sign1 = open_message(text, PREFIX)
        except Unreadable as exc:
            return VerifyResult(False, exc.code)
        parts = _parse_sign1(sign1)
        if parts is None:
            return VerifyResult(False, "bad_cose")
        protected, kid, payload, signature = parts
        key = self.keys.get(kid)
        if key is None:
            return VerifyResult(False, "unknown_key")
        der = ecdsa_der_signature(signature)
        if der is None:
            return VerifyResult(False, "bad_signature")
        try:
            key.verify(der, sig_structure(protected, payload), _ECDSA_SHA256)
        except InvalidSignature:
            return VerifyResult(False, "bad_signature")
        claims = _parse_claims(payload)
        if claims is None:
            return VerifyResult(False, "bad_claims")
        if claims.issued_at > now + self.skew_seconds:
            return VerifyResult(False, "not_yet_valid", claims)
        if claims.expires_at < now - self.skew_seconds:
            return VerifyResult(False, "expired", claims)
        if self.revocations.is_revoked(claims):
            return VerifyResult(False, "revoked", claims)
        return VerifyResult(True, "ok", claims)


def _parse_sign1(value: Any) -> tuple[bytes, bytes, bytes, bytes] | None:
    """(protected bstr, kid, payload, signature) of a well-formed FY1 COSE_Sign1, else None."""
    fields = sign1_fields(value, tagged=True)
    if fields is None:
        return None
    protected, header, _unprotected, payload, signature = fields
    alg, kid = header.get(HEADER_ALG), header.get(HEADER_KID)
    if type(alg) is not int or alg != ALG_ES256 or not isinstance(kid, bytes) or not kid:
        return None
    return protected, kid, payload, signature


def _parse_claims(payload: bytes) -> PassClaims | None:
    """The claims of a signed payload of exactly the FY1 shape, else None."""
    try:
        data = decode_cbor(payload)
    except Exception:  # noqa: BLE001 - a signed but undecodable payload is simply not a pass
        return None
    if not isinstance(data, Mapping) or data.keys() != PAYLOAD_KEYS or any(type(k) is not int for k in data):
        return None
    details = data[CLAIM_PASS]
    if not isinstance(details, Mapping) or details.keys() != PASS_KEYS:
        return None
    claims = PassClaims(
        subject=data[CLAIM_SUBJECT],
        colour=details["c"],
        masked_name=details["n"],
        issued_at=data[CLAIM_ISSUED_AT],
        expires_at=data[CLAIM_EXPIRES_AT],
    )
    return claims if _claims_valid(claims) else None


def _claims_valid(claims: PassClaims) -> bool:
    return (
        isinstance(claims.subject, str)
        and bool(claims.subject)
        and isinstance(claims.masked_name, str)
        and isinstance(claims.colour, str)
        and claims.colour in COLOURS
        and type(claims.issued_at) is int
        and type(claims.expires_at) is int
        and claims.expires_at > claims.issued_at
    )


def _parse_delta(delta: Mapping) -> tuple[int, bool, dict[str, int]]:
    if not isinstance(delta, Mapping):
        raise ValueError("a revocation delta is an object")
    version, full, rows = delta.get("version"), delta.get("full", False), delta.get("entries")
    if type(version) is not int or version < 0:
        raise ValueError("version must be a non-negative integer")
    if not isinstance(full, bool):
        raise ValueError("full must be true or false")
    if not isinstance(rows, list):
        raise ValueError("entries must be a list of [subject, revoked_before]")
    entries: dict[str, int] = {}
    for row in rows:
        if not isinstance(row, list | tuple) or len(row) != 2:
            raise ValueError("each entry is [subject, revoked_before]")
        subject, revoked_before = row
        if not isinstance(subject, str) or not subject or type(revoked_before) is not int:
            raise ValueError("each entry is a non-empty subject and integer epoch seconds")
        entries[subject] = max(revoked_before, entries.get(subject, revoked_before))
    return version, full, entries


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(value: object, what: str) -> bytes:
    """Strict unpadded base64url: only its alphabet, and the canonical encoding of the bytes."""
    if not isinstance(value, str) or not _BASE64URL.fullmatch(value) or len(value) % 4 == 1:
        raise ValueError(f"{what} is not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except binascii.Error as exc:
        raise ValueError(f"{what} is not unpadded base64url") from exc
    if _b64url(data) != value:
        raise ValueError(f"{what} is not canonical base64url")
    return data
