"""Secrets at rest: sealed with a master key that never enters the database.

The master key is 32 random bytes in a file (``QYZMET_HOME/keys/master.key`` unless
``QYZMET_MASTER_KEY_FILE`` points elsewhere, e.g. a volume only the application mounts).
A database dump therefore holds only ciphertext. Each sealed value is bound to a
*context* (what it is and whose it is), so a ciphertext copied onto another row does not
open there.
"""

from __future__ import annotations

import os
import secrets
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = b"\x01"
_NONCE_BYTES = 12


class SecretBoxError(Exception):
    """A sealed value could not be opened: wrong master key, wrong context or damage."""


def master_key_path() -> Path:
    configured = settings.QYZMET_MASTER_KEY_FILE
    return Path(configured) if configured else Path(settings.QYZMET_HOME) / "keys" / "master.key"


@cache
def _master_key(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    key = path.read_bytes()
    if len(key) != 32:
        raise SecretBoxError(f"{path} must hold exactly 32 bytes")
    return key


def secret_seal(plaintext: bytes, *, context: str) -> bytes:
    """Encrypt and authenticate ``plaintext`` under the master key, bound to ``context``."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    box = AESGCM(_master_key(master_key_path()))
    return _VERSION + nonce + box.encrypt(nonce, plaintext, context.encode())


def secret_open(sealed: bytes, *, context: str) -> bytes:
    """Decrypt what :func:`secret_seal` produced for the same ``context``."""
    if sealed[:1] != _VERSION:
        raise SecretBoxError("unknown sealed-value format")
    nonce, ciphertext = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
    try:
        return AESGCM(_master_key(master_key_path())).decrypt(nonce, ciphertext, context.encode())
    except InvalidTag as error:
        raise SecretBoxError(f"cannot open the sealed value for {context}") from error
