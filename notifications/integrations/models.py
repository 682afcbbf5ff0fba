"""Integration endpoints and the log of what was sent to them (models of the notifications app,
imported by notifications.models)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EndpointKind(models.TextChoices):
    WEBHOOK = "webhook", _("Signed webhook")
    WECOM = "wecom", _("WeCom (企业微信) group robot")
    DINGTALK = "dingtalk", _("DingTalk (钉钉) group robot")


ROBOT_KINDS = (EndpointKind.WECOM, EndpointKind.DINGTALK)


class Endpoint(models.Model):
    """Where messages go: an ERP's webhook (document events, signed with ``secret``) or a team's
    group robot (notification kinds; a DingTalk robot in signed mode has a ``secret``). The
    secret is stored encrypted (suppliers.crypto, bound to this row)."""

    kind = models.CharField(_("type"), max_length=16, choices=EndpointKind.choices)
    name = models.CharField(_("name"), max_length=100)
    url = models.CharField(_("URL"), max_length=500)
    secret_encrypted = models.TextField(blank=True)
    events = models.JSONField(_("events"), default=list, blank=True)  # event codes or notification kinds
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    @property
    def is_robot(self) -> bool:
        return self.kind in ROBOT_KINDS

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Failed, will retry")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed, gave up")


OPEN_STATES = (DeliveryState.PENDING, DeliveryState.RETRYING)


class Delivery(models.Model):
    """One message to one endpoint, recorded in the transaction of the event that caused it and
    sent by the outbox after commit; retried with a growing pause. A replay is a new delivery
    with the same ``event_id`` (receivers deduplicate on it)."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.PROTECT, related_name="deliveries")
    event = models.CharField(_("event"), max_length=60)
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    payload = models.JSONField(default=dict)
    state = models.CharField(
        _("status"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    last_error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.state})"
