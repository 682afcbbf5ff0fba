from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import KINDS, render


class Notification(models.Model):
    """Something that needs this user's action, shown in the inbox and optionally e-mailed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=[(k, v.label) for k, v in KINDS.items()])
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.subject

    @property
    def subject(self) -> str:
        return render(self.kind, self.params)[0]

    @property
    def body(self) -> str:
        return render(self.kind, self.params)[1]


class EmailPreference(models.Model):
    """A user's choice for one kind; without a row, e-mail is on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, choices=[(k, v.label) for k, v in KINDS.items()])
    email = models.BooleanField(_("send by e-mail"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="email_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'e-mail' if self.email else 'inbox only'}"


from .integrations.models import Delivery, Endpoint  # noqa: E402, F401 - models of this app
