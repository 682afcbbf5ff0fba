"""Approval routing as data, for exceptions and invoices without a PO.

An :class:`ApprovalRule` says, for the exceptions it applies to (by kind, legal entity, cost centre,
reason code and amount), how many finance approvers a decision needs (a second one above
``second_approver_above``) and whose comment finance needs first (the PO's buyer or the receiver
of the goods). :class:`ApprovalStep` rows are the chain of one exception case: comment requests,
comments and approvals, in order. Nobody approves twice in one chain.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

AMOUNT = {"max_digits": 18, "decimal_places": 2}


class RuleScope(models.TextChoices):
    ANY = "any", _("every exception")
    NO_PO = "no_po", _("invoices without a PO line")


class CommentFrom(models.TextChoices):
    NOBODY = "", _("nobody")
    BUYER = "buyer", _("the PO's buyer")
    RECEIVER = "receiver", _("the receiver of the goods")


class ApprovalRule(models.Model):
    name = models.CharField(_("name"), max_length=200)
    applies_to = models.CharField(
        _("applies to"), max_length=16, choices=RuleScope.choices, default=RuleScope.ANY
    )
    legal_entity = models.ForeignKey(
        "procurement.LegalEntity", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cost_centre_code = models.CharField(
        _("cost centre code"), max_length=30, blank=True, help_text=_("Empty: every cost centre.")
    )
    reason_code = models.CharField(
        _("reason code"),
        max_length=60,
        blank=True,
        help_text=_("An engine reason code; empty: every reason."),
    )
    min_amount = models.DecimalField(_("from amount (gross)"), default=Decimal("0.00"), **AMOUNT)
    second_approver_above = models.DecimalField(
        _("second approver above (gross)"),
        null=True,
        blank=True,
        help_text=_("Empty: one finance approver is enough."),
        **AMOUNT,
    )
    comment_from = models.CharField(
        _("comment needed from"), max_length=16, choices=CommentFrom.choices, blank=True, default=""
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class StepKind(models.TextChoices):
    COMMENT_REQUEST = "comment_request", _("comment requested")
    COMMENT = "comment", _("comment")
    APPROVAL = "approval", _("approval")


class ApprovalStep(models.Model):
    case = models.ForeignKey("settlement.ExceptionCase", on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    addressed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=16, choices=CommentFrom.choices, blank=True)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "actor"],
                condition=models.Q(kind="approval"),
                name="approval_step_once_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor} on case {self.case_id}"
