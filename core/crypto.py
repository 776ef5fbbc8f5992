"""Encryption at rest for personal data (AES-256-GCM with versioned keys) and HMAC blind indexes.

Ciphertexts carry their key version ("v2:<base64>") so keys can be rotated: the first key in
DOORSTEP_FIELD_KEYS encrypts, every listed key decrypts.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _parse_keys(spec: str) -> tuple[tuple[str, bytes], ...]:
    keys = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        version, _, b64 = part.partition(":")
        raw = base64.b64decode(b64)
        if len(raw) != 32:
            raise ImproperlyConfigured(f"Field key {version} must be 32 bytes (base64).")
        keys.append((version, raw))
    if not keys:
        raise ImproperlyConfigured("DOORSTEP_FIELD_KEYS is not set.")
    return tuple(keys)


def _field_keys() -> tuple[tuple[str, bytes], ...]:
    return _parse_keys(settings.DOORSTEP_FIELD_KEYS)


@lru_cache(maxsize=4)
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def encrypt(plaintext: str, *, context: str = "") -> str:
    """Encrypt plaintext; context (e.g. "person.id_number") is bound as associated data."""
    if plaintext == "":
        return ""
    version, key = _field_keys()[0]
    nonce = os.urandom(12)
    sealed = _aead(key).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{version}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str = "") -> str:
    if token == "":
        return ""
    version, _, b64 = token.partition(":")
    keys = dict(_field_keys())
    if version not in keys:
        raise ImproperlyConfigured(f"No field key {version} to decrypt with.")
    raw = base64.b64decode(b64)
    return _aead(keys[version]).decrypt(raw[:12], raw[12:], context.encode()).decode()


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed HMAC-SHA256 of a normalised value, so exact-match search works without plaintext."""
    if value == "":
        return ""
    key = base64.b64decode(settings.DOORSTEP_INDEX_KEY)
    if not key:
        raise ImproperlyConfigured("DOORSTEP_INDEX_KEY is not set.")
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
