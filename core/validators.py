"""Checks on what people choose for themselves (self-registration)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .errors import DomainError

USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{2,29}")
# names that would pass for the portal or its operators in a message, a log or the admin
RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "system",
        "staff",
        "support",
        "security",
        "portal",
        "api",
        "finance",
        "buyer",
        "approver",
        "postmaster",
        "webmaster",
        "noreply",
        "no-reply",
        "null",
        "none",
        "anonymous",
    }
)


def validate_username(value: str | None) -> str:
    """The user name a person chose at self-registration, stripped, or DomainError
    ``invalid_username`` / ``username_required`` / ``username_reserved``: 3 to 30 ASCII letters,
    digits, ``.``, ``_`` or ``-``, starting with a letter or digit (no look-alike letters, spaces,
    control or bidi characters, markup or formula starters), and not a name of the portal's own
    roles or operators."""
    username = (value or "").strip()
    if not username:
        raise DomainError(_("A user name is required."), code="username_required")
    if not USERNAME_RE.fullmatch(username):
        raise DomainError(
            _(
                "A user name has 3 to 30 characters: letters a-z, digits, '.', '_' or '-', "
                "starting with a letter or digit."
            ),
            code="invalid_username",
        )
    if username.lower() in RESERVED_USERNAMES:
        raise DomainError(_("This user name is reserved; choose another."), code="username_reserved")
    return username
