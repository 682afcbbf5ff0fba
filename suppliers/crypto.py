"""Field encryption for bank account numbers: AES-256-GCM with rotating keys, each value bound
to its row.

Keys come from ``settings.FIELD_ENCRYPTION_KEYS`` (32-byte keys, newest first). A stored value
is ``v2:<key id>:<urlsafe-base64(nonce ‖ ciphertext ‖ tag)>``; the key id (first 8 hex digits of
the key's SHA-256) says which key decrypts it, so old values stay readable after a new key is
put in front, and ``rotate_encryption_keys`` re-encrypts them with the newest key.

The authenticated data (``aad``) names the row the value belongs to (:func:`bank_account_aad`:
model, row id, supplier id). GCM checks it at decryption: a value copied into another row, of
the same or another supplier, by someone who can write the database but has no key, does not
decrypt there. ``v1`` values (before rows were bound) carry a fixed label; only the migration
that re-encrypted them as ``v2`` reads them (``legacy=True``).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext

VERSION = "v2"
_LEGACY_VERSION = "v1"
_LEGACY_AAD = b"procurement-portal:bank-account-number"


class DecryptionError(Exception):
    """No configured key decrypts the value (key removed too early, or the value was altered)."""


def _keys() -> list[bytes]:
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or [])
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is required to store bank account numbers.")
    return keys


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def current_key_id() -> str:
    return key_id(_keys()[0])


def bank_account_aad(*, pk: int, supplier_id: int) -> bytes:
    """The row a bank account number belongs to, as authenticated data."""
    if not pk or not supplier_id:
        raise ValueError("a bank account number is bound to a saved row and its supplier")
    return f"suppliers.bankaccount:{int(pk)}:supplier:{int(supplier_id)}".encode()


def encrypt(plaintext: str, *, aad: bytes) -> str:
    key = _keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), aad)
    return f"{VERSION}:{key_id(key)}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def stored_key_id(token: str) -> str:
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 else ""


def decrypt(token: str, *, aad: bytes, legacy: bool = False) -> str:
    """The clear value of ``token`` stored in the row ``aad`` names. Raises DecryptionError when
    no configured key decrypts it there (key removed too early, value altered or moved)."""
    try:
        version, kid, payload = token.split(":", 2)
        raw = base64.urlsafe_b64decode(payload.encode())
    except (ValueError, TypeError):
        raise DecryptionError(gettext("The stored value is not an encrypted field.")) from None
    if legacy and version == _LEGACY_VERSION:
        aad = _LEGACY_AAD
    elif version != VERSION:
        raise DecryptionError(gettext("The stored value is not an encrypted field of this version."))
    if len(raw) < 12 + 16:
        raise DecryptionError(gettext("The stored value is not an encrypted field."))
    candidates = [k for k in _keys() if key_id(k) == kid] or _keys()
    for key in candidates:
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], aad).decode()
        except InvalidTag:
            continue
    raise DecryptionError(
        gettext("No configured key decrypts this value in this row (key id %(kid)s).") % {"kid": kid}
    )


def needs_rotation(token: str) -> bool:
    return stored_key_id(token) != current_key_id()


def local_key(path: Path) -> bytes:
    """A key for a laptop (``make run`` without FIELD_ENCRYPTION_KEY): made once, kept in
    ``path`` (readable by its owner only) and read back on every later start, so numbers stored
    yesterday still decrypt today. Never used in production, which requires its own key."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
        try:
            os.link(tmp, path)  # atomic; loses to a process that made the file first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    try:
        key = base64.urlsafe_b64decode(path.read_text().strip().encode())
    except (ValueError, TypeError):
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(f"{path} does not hold a 32-byte key; delete it to make a new one.")
    return key


def mask(last4: str) -> str:
    return f"•••• •••• {last4}" if last4 else "—"
