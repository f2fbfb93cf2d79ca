"""Time-based one-time passwords (RFC 6238, HMAC-SHA1, 30-second steps, 6 digits) — what authenticator apps use."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP = 30
DIGITS = 6


def new_secret() -> str:
    """A random 160-bit key, base32 as authenticator apps expect it."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def code_at(secret: str, step: int, digits: int = DIGITS) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def verify(secret: str, code: str, at: float | None = None, window: int = 1, after: int = 0) -> int | None:
    """The time step `code` belongs to (within ±`window` steps of now, and later than step `after`, so a code is
    used once), or None."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != DIGITS:
        return None
    now = int((time.time() if at is None else at) // STEP)
    for step in range(now - window, now + window + 1):
        if step > after and hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str = "OncoNet") -> str:
    query = urlencode({"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP})
    return f"otpauth://totp/{quote(issuer)}:{quote(account)}?{query}"
