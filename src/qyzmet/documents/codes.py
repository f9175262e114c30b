"""Verification codes: printed under a document's QR code, typed by people from paper."""

from __future__ import annotations

import secrets

# Crockford's base32: no I, L, O, U, so a code read aloud or typed from paper survives.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def short_code_new() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def short_code_normalise(text: str) -> str:
    """Read a typed code leniently: any case, spaces or dashes, O for 0, I and L for 1."""
    cleaned = text.upper().translate(str.maketrans("OIL", "011", " -"))
    if len(cleaned) != 12 or any(c not in CODE_ALPHABET for c in cleaned):
        return ""
    return f"{cleaned[:4]}-{cleaned[4:8]}-{cleaned[8:]}"
