"""Verification of EU Digital COVID Certificates ("HC1:" QR codes) against trusted signing certificates.

"HC1:" + Base45(zlib(COSE_Sign1)), where the COSE_Sign1 (tag 18 optional) is signed with ES256 or
PS256 by a Document Signer Certificate whose kid is the first 8 bytes of SHA-256 of its DER. The
payload is a CWT: 1 iss, 4 exp, 6 iat, -260: {1: hcert}. Pure Python: no Django here; the messages
are marked for translation and pages translate them when they show them.
"""

import base64
import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from fangyi.healthpass.offline import (
    ALG_ES256,
    CLAIM_EXPIRES_AT,
    CLAIM_ISSUED_AT,
    HEADER_ALG,
    HEADER_KID,
    Unreadable,
    decode_cbor,
    ecdsa_der_signature,
    open_message,
    sig_structure,
    sign1_fields,
)

PREFIX = "HC1:"
ALG_PS256 = -37
CLAIM_ISSUER = 1
CLAIM_HCERT = -260
PS256_SALT_BYTES = 32
# Uncompressed COSE starts with tag 18 (0xD2) or, untagged, a 4-element array (0x84).
RAW_COSE_LEADS = (b"\xd2", b"\x84")


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue without loading Django."""
    return message


# What each result code means: the command prints it, the page shows it translated.
MESSAGES = {
    "ok": gettext_noop("The certificate is authentic and valid."),
    "bad_prefix": gettext_noop(
        "The text does not start with “HC1:”: it is not an EU Digital COVID Certificate."
    ),
    "bad_base45": gettext_noop("The text after “HC1:” is damaged (not valid Base45): scan it again."),
    "bad_compression": gettext_noop(
        "The certificate data is damaged (it does not decompress): scan it again."
    ),
    "bad_cose": gettext_noop(
        "The certificate is not a signed message of the expected kind (COSE_Sign1 with ES256 or PS256)."
    ),
    "bad_cbor": gettext_noop("The certificate's content cannot be read (invalid CBOR or missing claims)."),
    "unknown_key": gettext_noop(
        "No trusted signing certificate matches: its issuer is not on this platform's trust list."
    ),
    "bad_signature": gettext_noop("The signature does not verify: the certificate was altered or forged."),
    "expired": gettext_noop("The certificate has expired."),
    "not_yet_valid": gettext_noop("The certificate is not valid yet."),
}
CODES = tuple(MESSAGES)

# The hcert key of each kind of certificate, and the fields of its entry a summary carries, in order.
ENTRY_KINDS = (("v", "vaccination"), ("t", "test"), ("r", "recovery"))
ENTRY_FIELDS = {
    "vaccination": ("mp", "dn", "sd", "dt", "co", "is"),
    "test": ("tt", "tr", "sc", "tc", "co"),
    "recovery": ("fr", "df", "du", "co"),
}

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


@dataclass(frozen=True)
class DccResult:
    """The verdict on one DCC; `claims` (JSON-ready) and `kid` are set once the signature verified."""

    ok: bool
    code: str
    claims: dict | None = None
    kid: bytes | None = None

    def as_dict(self) -> dict:
        """A JSON-ready dict: ok, code, message when refused, kid (base64) and claims when known."""
        out: dict[str, Any] = {"ok": self.ok, "code": self.code}
        if not self.ok:
            out["message"] = MESSAGES[self.code]
        if self.kid is not None:
            out["kid"] = base64.b64encode(self.kid).decode("ascii")
        if self.claims is not None:
            out["claims"] = self.claims
        return out


def certificate_kid(certificate: x509.Certificate) -> bytes:
    """The DCC kid of a signing certificate: the first 8 bytes of SHA-256 of its DER."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()[:8]


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle, or the one DER certificate; ValueError otherwise."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def load_certificate(data: bytes) -> x509.Certificate:
    """One certificate from PEM (the first of a bundle) or DER; ValueError otherwise."""
    return load_certificates(data)[0]


class DccVerifier:
    """Verifies DCCs against a fixed set of trusted Document Signer Certificates."""

    def __init__(self, certificates: Iterable[x509.Certificate]) -> None:
        self._by_kid: dict[bytes, list[PublicKey]] = {}
        for certificate in certificates:
            key = certificate.public_key()
            if isinstance(key, PublicKey):
                self._by_kid.setdefault(certificate_kid(certificate), []).append(key)

    def verify(self, qr: str, at: dt.datetime | None) -> DccResult:
        """The verdict on `qr` at `at` (naive means UTC; None skips the time check); never raises."""
        try:
            sign1 = open_message(qr, PREFIX, raw_leads=RAW_COSE_LEADS)
        except Unreadable as exc:
            return DccResult(False, exc.code)
        parts = _parse_sign1(sign1)
        if parts is None:
            return DccResult(False, "bad_cose")
        protected, alg, kid, payload, signature = parts
        if kid is None:
            candidates = [(k, key) for k, keys in self._by_kid.items() for key in keys]
        else:
            candidates = [(kid, key) for key in self._by_kid.get(kid, ())]
        if not candidates:
            return DccResult(False, "unknown_key")
        signed = sig_structure(protected, payload)
        signer = next((k for k, key in candidates if _signature_ok(key, alg, signature, signed)), None)
        if signer is None:
            return DccResult(False, "bad_signature")
        claims = _parse_claims(payload)
        if claims is None:
            return DccResult(False, "bad_cbor", kid=signer)
        json_claims, issued_at, expires_at = claims
        if at is not None:
            moment = (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).timestamp()
            if issued_at > moment:
                return DccResult(False, "not_yet_valid", json_claims, signer)
            if expires_at < moment:
                return DccResult(False, "expired", json_claims, signer)
        return DccResult(True, "ok", json_claims, signer)


def dcc_summary(claims: dict) -> dict:
    """A display summary of JSON-ready claims; every value a plain string ("" when absent)."""
    hcert = _get(_get(claims, str(CLAIM_HCERT)), "1")
    name = _get(hcert, "nam")
    summary = {
        "kind": "",
        "name": _join(_get(name, "fn"), _get(name, "gn")),
        "name_transliterated": _join(_get(name, "fnt"), _get(name, "gnt")),
        "dob": _text(_get(hcert, "dob")),
        "issuer": _text(_get(claims, str(CLAIM_ISSUER))),
        "issued_at": _iso(_get(claims, str(CLAIM_ISSUED_AT))),
        "expires_at": _iso(_get(claims, str(CLAIM_EXPIRES_AT))),
    }
    for key, kind in ENTRY_KINDS:
        entries = _get(hcert, key)
        if isinstance(entries, list) and entries:
            summary["kind"] = kind
            summary.update({name: _text(_get(entries[0], name)) for name in ENTRY_FIELDS[kind]})
            break
    return summary


def _parse_sign1(value: Any) -> tuple[bytes, int, bytes | None, bytes, bytes] | None:
    """(protected bstr, alg, kid or None, payload, signature) of a well-formed COSE_Sign1, else None."""
    fields = sign1_fields(value, tagged=False)
    if fields is None:
        return None
    protected, header, unprotected, payload, signature = fields
    # Protected parameters win; some issuers put the kid (rarely the alg) in the unprotected header.
    alg = header.get(HEADER_ALG, unprotected.get(HEADER_ALG))
    kid = header.get(HEADER_KID, unprotected.get(HEADER_KID))
    if type(alg) is not int or alg not in (ALG_ES256, ALG_PS256):
        return None
    if kid is not None and not isinstance(kid, bytes):
        return None
    return protected, alg, kid, payload, signature


def _signature_ok(key: PublicKey, alg: int, signature: bytes, signed: bytes) -> bool:
    try:
        if alg == ALG_ES256 and isinstance(key, ec.EllipticCurvePublicKey):
            der = ecdsa_der_signature(signature, (key.curve.key_size + 7) // 8)
            if der is None:
                return False
            key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
            return True
        if alg == ALG_PS256 and isinstance(key, rsa.RSAPublicKey):
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PS256_SALT_BYTES)
            key.verify(signature, signed, pss, hashes.SHA256())
            return True
    except InvalidSignature:
        return False
    return False


def _parse_claims(payload: bytes) -> tuple[dict, float, float] | None:
    """(JSON-ready claims, iat, exp) of a CWT payload carrying an hcert, else None."""
    try:
        data = decode_cbor(payload)
        if not isinstance(data, Mapping):
            return None
        hcert = data.get(CLAIM_HCERT)
        if not isinstance(hcert, Mapping) or not isinstance(hcert.get(1), Mapping):
            return None
        issued_at, expires_at = _epoch(data.get(CLAIM_ISSUED_AT)), _epoch(data.get(CLAIM_EXPIRES_AT))
        if issued_at is None or expires_at is None:
            return None
        return _jsonable(data), issued_at, expires_at
    except Exception:  # noqa: BLE001 - signed does not mean well-formed; any failure is bad CBOR
        return None


def _epoch(value: Any) -> float | None:
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _jsonable(value: Any) -> Any:
    """CBOR values as JSON: map keys as strings, bytes as base64, datetimes as ISO strings. The
    decoder has already bounded the nesting."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Mapping):
        return {_json_key(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    if isinstance(value, cbor2.CBORTag):
        return {"tag": value.tag, "value": _jsonable(value.value)}
    return str(value)


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bytes):
        return base64.b64encode(key).decode("ascii")
    return str(key)


def _get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _join(*parts: Any) -> str:
    return " ".join(part for part in parts if isinstance(part, str) and part)


def _iso(value: Any) -> str:
    if type(value) not in (int, float):
        return value if isinstance(value, str) else ""
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return ""
