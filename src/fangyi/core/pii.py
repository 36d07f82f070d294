"""Encryption, keyed hashing and masking of personal data.

Identity numbers and phone numbers are stored encrypted (Fernet, AES-128-CBC + HMAC; key
rotation through MultiFernet: the first key encrypts, every key decrypts) beside a keyed hash
(HMAC-SHA256) that allows exact lookup and deduplication without decrypting anything.
"""

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@functools.cache
def _cipher() -> MultiFernet:
    keys = list(settings.FANGYI_PII_KEYS)
    if not keys:
        # Development only (settings refuse production without keys): derive from SECRET_KEY.
        digest = hashlib.sha256(("fangyi-pii:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(plaintext: str) -> str:
    return _cipher().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a key was removed before its data was re-encrypted
        raise RuntimeError("personal data cannot be decrypted with the configured keys") from exc


def lookup_hash(kind: str, value: str) -> str:
    """Keyed hash for equality lookups; `kind` separates ID numbers from phones."""
    key = settings.FANGYI_LOOKUP_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def reset_cache() -> None:
    """Forget derived keys (tests that change the key settings call this)."""
    _cipher.cache_clear()
