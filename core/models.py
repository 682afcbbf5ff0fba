from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The language of an e-mail to someone whose language the portal does not know (a new user, a
# supplier's contact address, an invitee): the portal's own language, Chinese.
DEFAULT_LANGUAGE = "zh-hans"


class Role(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    FINANCE = "finance", _("Finance")
    SUPPLIER = "supplier", _("Supplier user")
    STAFF = "staff", _("Staff")
    REQUESTER = "requester", _("Requester")  # an employee who orders from the catalog (requisitions app)


class User(AbstractUser):
    """A portal user. ``role`` decides what the user may do; a supplier user also has a
    membership (suppliers.SupplierMembership) tying them to exactly one supplier."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.BUYER)
    # The language of the e-mails this user receives (core.mail): set on the e-mail settings page.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=DEFAULT_LANGUAGE
    )

    @property
    def is_buyer(self) -> bool:
        return self.role == Role.BUYER

    @property
    def is_finance(self) -> bool:
        return self.role == Role.FINANCE

    @property
    def is_supplier_user(self) -> bool:
        return self.role == Role.SUPPLIER

    @property
    def is_requester(self) -> bool:
        """An employee ordering through requisitions; NOT internal for supplier documents."""
        return self.role == Role.REQUESTER

    @property
    def is_internal(self) -> bool:
        """Buyer-organisation staff (buyer, finance, staff): may see every supplier's documents."""
        return self.is_active and (self.role in (Role.BUYER, Role.FINANCE, Role.STAFF) or self.is_superuser)


class TransitionLog(models.Model):
    """One row for every state change of every document (written by core.receivers)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    document = GenericForeignKey("content_type", "object_id")
    transition = models.CharField(max_length=64)
    source = models.CharField(max_length=32)
    target = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    reason = models.TextField(blank=True)  # as typed, or the English of reason_code
    # A reason the portal wrote: its code and parameters (core.texts), rendered when shown.
    reason_code = models.CharField(max_length=64, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.content_type.model}#{self.object_id} {self.source}→{self.target} ({self.transition})"

    # How the row reads (core.history): in the reader's language, chosen when shown.
    @property
    def transition_label(self):
        from .history import transition_label

        return transition_label(self.transition)

    @property
    def reason_text(self):
        if not self.reason_code:
            return self.reason
        from .texts import render

        return render(self.reason_code, self.reason_params, fallback=self.reason)

    @property
    def source_label(self):
        from .history import state_label

        return state_label(self.content_type.model_class(), self.source)

    @property
    def target_label(self):
        from .history import state_label

        return state_label(self.content_type.model_class(), self.target)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenScope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class ApiToken(models.Model):
    """A per-user API token for supplier / ERP systems. Only its SHA-256 is stored.

    ``scope`` read: only GET/HEAD/OPTIONS; read_write: every method. ``parent``: the token that
    made this one (tokens can no longer make tokens; kept so revoking a token revokes every
    token it made)."""

    PREFIX = "pp_"
    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # None: never (API_TOKEN_LIFETIME_DAYS=0)
    scope = models.CharField(max_length=16, choices=ApiTokenScope.choices, default=ApiTokenScope.READ_WRITE)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def new_raw_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    def allows(self, method: str) -> bool:
        return self.scope == ApiTokenScope.READ_WRITE or method.upper() in self.SAFE_METHODS


class Heartbeat(models.Model):
    """The last beat of a periodic process (the scheduler writes ``scheduler`` every 30 seconds);
    readiness (core.health) fails when it is older than it should be."""

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"


def _new_task_id() -> str:
    import uuid

    return str(uuid.uuid4())


class OutboxTask(models.Model):
    """A follow-up task recorded in the same transaction as the action that needs it (the
    transactional outbox, core.queue): dispatched after commit, marked finished by the worker,
    and dispatched again by the sweeper when the broker was unreachable or the message was lost."""

    task_id = models.CharField(max_length=36, unique=True, default=_new_task_id, editable=False)
    name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)  # the broker accepted the last attempt
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["finished_at", "created_at"], name="outbox_open_idx")]

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)!r}"


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Login failed")
    LOCKED_OUT = "locked_out", _("Locked out after failed attempts")
    LOGOUT = "logout", _("Logged out")
    MFA_VERIFIED = "mfa_verified", _("Second factor accepted")
    MFA_FAILED = "mfa_failed", _("Second factor refused")
    MFA_ENABLED = "mfa_enabled", _("Two-factor authentication turned on")
    MFA_DISABLED = "mfa_disabled", _("Two-factor authentication turned off")
    MFA_BACKUP_CODES_GENERATED = "mfa_backup_codes_generated", _("Backup codes generated")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
    PASSWORD_RESET = "password_reset", _("Password reset by e-mailed link")
    BANK_ACCOUNT_CHANGED = "bank_account_changed", _("Bank account changed")
    ROLE_CHANGED = "role_changed", _("Role or access changed")


class SecurityEvent(models.Model):
    """One security-relevant event (core.audit writes them; staff search them on
    /security/events/). ``details`` holds codes and parameters, never a sentence."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=32, choices=SecurityEventKind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, db_index=True)  # as typed or as it was
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"
