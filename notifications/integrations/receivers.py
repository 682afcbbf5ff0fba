"""Document events for webhooks: the transitions of the apps below, heard inside the transaction
that makes them (so a delivery exists exactly when the change committed)."""

from __future__ import annotations

from django.dispatch import receiver
from django_fsm.signals import post_transition

from .services import event_emit


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _supplier(supplier) -> dict:
    return {"id": supplier.pk, "name": supplier.name, "tax_id": supplier.tax_id, "state": supplier.state}


def invoice_data(invoice) -> dict:
    entity = invoice.legal_entity
    return {
        "invoice": {
            "id": invoice.pk,
            "number": invoice.invoice_number,
            "code": invoice.invoice_code,
            "document_type": invoice.document_type,
            "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
            "currency": invoice.currency,
            "net_amount": _money(invoice.net_amount),
            "tax_amount": _money(invoice.tax_amount),
            "gross_amount": _money(invoice.gross_amount),
            "po_references": invoice.po_references,
            "corrects_number": invoice.corrects_number,
            "state": invoice.state,
            "api_url": f"/api/invoices/{invoice.pk}",
        },
        "supplier": _supplier(invoice.supplier),
        "legal_entity": {"id": entity.pk, "name": entity.name, "tax_id": entity.tax_id} if entity else None,
    }


def payment_data(statement) -> dict:
    payment = statement.payment
    return {
        "payment": {
            "id": payment.pk,
            "amount": _money(payment.amount),
            "currency": payment.currency,
            "paid_on": payment.paid_on.isoformat(),
            "bank_reference": payment.bank_reference,
            "bank_name": payment.bank_name,
            "account_last4": payment.account_last4,
            "statement": {"id": statement.pk, "number": statement.number},
            "invoices": [
                {"id": link.invoice_id, "number": link.invoice.invoice_number, "amount": _money(link.amount)}
                for link in payment.invoices.select_related("invoice").order_by("invoice_id")
            ],
            "api_url": "/api/payments",
        },
        "supplier": _supplier(payment.supplier),
    }


_EVENTS = {
    ("invoicing.Invoice", "approve"): ("invoice.approved", invoice_data),
    ("settlement.Statement", "pay"): ("payment.made", payment_data),
}


@receiver(post_transition, dispatch_uid="notifications.integrations.on_transition")
def on_transition(sender, instance, name, source, target, **kwargs):
    if kwargs.get("exception") is not None:
        return
    label = sender._meta.label
    if label == "suppliers.Supplier":
        event_emit(event="supplier.changed", data={"supplier": _supplier(instance), "change": name})
    elif label == "suppliers.SupplierChange" and name == "approve":
        data = {
            "supplier": _supplier(instance.supplier),
            "change": instance.kind,
            "fields": sorted(instance.after),
        }
        if instance.kind == "company":  # the legal name / tax id now in force (no bank numbers ever)
            data["supplier"].update({k: v for k, v in instance.after.items() if k in ("name", "tax_id")})
        event_emit(event="supplier.changed", data=data)
    elif (label, name) in _EVENTS:
        event, build = _EVENTS[(label, name)]
        event_emit(event=event, data=lambda: build(instance))  # built only when a webhook wants it
