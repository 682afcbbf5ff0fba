"""The demo's authenticator (``make run`` only): seed_demo enrols every demo user who must use
two factors with this one publicly known secret, so a person trying the demo adds it to any
authenticator app once (or runs ``manage.py demo_totp``), and the journey tests compute codes.
Never used outside demo data: production users enrol their own secret on /mfa/setup/."""

from __future__ import annotations

import base64
import time
from binascii import unhexlify

from django_otp.oath import TOTP

DEMO_TOTP_KEY_HEX = "706f7274616c2d64656d6f2d746f74702d32303236"  # "portal-demo-totp-2026"


def demo_totp_secret() -> str:
    """The secret as typed into an authenticator app (base32)."""
    return base64.b32encode(unhexlify(DEMO_TOTP_KEY_HEX)).decode("ascii").rstrip("=")


def demo_totp_code(at: float | None = None) -> tuple[str, int]:
    """The demo authenticator's code at ``at`` (default now) and its 30-second step number."""
    totp = TOTP(unhexlify(DEMO_TOTP_KEY_HEX))
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}", totp.t()
