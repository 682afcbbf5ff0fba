from celery import shared_task

from core.queue import FOLLOW_UP


@shared_task(
    name="invoicing.validate_invoice",
    **FOLLOW_UP,
)
def validate_invoice(invoice_id: int) -> str:
    from .services import invoice_validate

    return invoice_validate(invoice_id=invoice_id).state


@shared_task(name="invoicing.requeue_stuck_invoices", ignore_result=True)
def requeue_stuck_invoices(older_than_minutes: float | None = None) -> int:
    """Beat: validate again invoices left received/validating (see invoices_requeue_stuck)."""
    from .services import invoices_requeue_stuck

    return invoices_requeue_stuck(older_than_minutes=older_than_minutes)


@shared_task(name="invoicing.verify_invoice_tax", **FOLLOW_UP)
def verify_invoice_tax(invoice_id: int) -> str:
    """The authenticity check (发票查验) of a validated Chinese invoice (invoicing.tax_checks)."""
    from .tax_checks import invoice_tax_verify

    tax = invoice_tax_verify(invoice_id=invoice_id)
    return tax.verification if tax is not None else "not_applicable"
