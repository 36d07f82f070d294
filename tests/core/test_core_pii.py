"""Encryption with key rotation, and keyed lookup hashes."""

import hashlib

import pytest
from cryptography.fernet import Fernet

from fangyi.core import pii

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def keys(settings):
    """Set FANGYI_PII_KEYS (first key encrypts) and forget the cached cipher, before and after."""

    def use(*values: str) -> None:
        settings.FANGYI_PII_KEYS = list(values)
        pii.reset_cache()

    yield use
    pii.reset_cache()


def test_roundtrip_without_plaintext_in_the_token(keys):
    keys(Fernet.generate_key().decode())
    token = pii.encrypt(ID_NUMBER)
    assert ID_NUMBER not in token
    assert "19491231" not in token
    assert pii.decrypt(token) == ID_NUMBER


def test_roundtrip_of_chinese_text_and_empty_string(keys):
    keys(Fernet.generate_key().decode())
    assert pii.decrypt(pii.encrypt("长沙市芙蓉区识字里")) == "长沙市芙蓉区识字里"
    assert pii.decrypt(pii.encrypt("")) == ""


def test_encryption_is_randomised(keys):
    keys(Fernet.generate_key().decode())
    assert pii.encrypt(ID_NUMBER) != pii.encrypt(ID_NUMBER)


def test_development_key_derived_from_secret_key(keys):
    keys()
    assert pii.decrypt(pii.encrypt(ID_NUMBER)) == ID_NUMBER


def test_key_rotation_keeps_old_data_readable(keys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys(old)
    before = pii.encrypt(ID_NUMBER)

    keys(new, old)  # a new first key encrypts; the old one still decrypts
    after = pii.encrypt(ID_NUMBER)
    assert pii.decrypt(before) == ID_NUMBER
    assert pii.decrypt(after) == ID_NUMBER
    assert Fernet(new.encode()).decrypt(after.encode()).decode() == ID_NUMBER

    keys(old)  # data written under the new key is unreadable without it
    with pytest.raises(RuntimeError, match="cannot be decrypted"):
        pii.decrypt(after)


def test_removing_a_key_too_early_is_a_clear_error(keys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys(old)
    token = pii.encrypt(ID_NUMBER)
    keys(new)
    with pytest.raises(RuntimeError, match="cannot be decrypted"):
        pii.decrypt(token)


def test_cipher_is_cached_until_reset(settings, keys):
    first = Fernet.generate_key().decode()
    keys(first)
    token = pii.encrypt(ID_NUMBER)
    settings.FANGYI_PII_KEYS = [Fernet.generate_key().decode()]  # not yet picked up
    assert pii.decrypt(token) == ID_NUMBER
    pii.reset_cache()
    with pytest.raises(RuntimeError):
        pii.decrypt(token)


def test_lookup_hash_is_stable_keyed_and_kind_separated(settings):
    settings.FANGYI_LOOKUP_KEY = "lookup-key-one"
    digest = pii.lookup_hash("id", ID_NUMBER)
    assert digest == pii.lookup_hash("id", ID_NUMBER)
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert ID_NUMBER not in digest
    assert digest != hashlib.sha256(ID_NUMBER.encode()).hexdigest()
    assert digest != hashlib.sha256(f"id:{ID_NUMBER}".encode()).hexdigest()
    # The same digits as a phone number hash differently from an identity number.
    assert pii.lookup_hash("phone", "13800138000") != pii.lookup_hash("id", "13800138000")
    assert pii.lookup_hash("id", "11010519491231002x") != digest  # callers normalise first

    settings.FANGYI_LOOKUP_KEY = "lookup-key-two"
    assert pii.lookup_hash("id", ID_NUMBER) != digest
    settings.FANGYI_LOOKUP_KEY = "lookup-key-one"
    assert pii.lookup_hash("id", ID_NUMBER) == digest
