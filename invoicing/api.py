from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext
from ninja import File, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile

from core.errors import DomainError
from core.pagination import PageIn, paginate
from core.selectors import transition_log_for
from settlement.selectors.account import invoice_payments_received, with_payment_facts

from . import selectors, services, storage

router = Router(tags=["invoices"])


class IssueOut(Schema):
    code: str
    severity: str
    message: str  # in the caller's language (Accept-Language)

    @staticmethod
    def resolve_message(obj):
        return obj.display


class LineOut(Schema):
    line_no: int
    name: str
    quantity: Decimal | None
    unit: str
    unit_price: Decimal | None
    net: Decimal
    tax_rate: Decimal | None
    tax: Decimal


class InvoiceOut(Schema):
    id: int
    state: str
    supplier_id: int
    format: str
    document_type: str
    invoice_number: str
    invoice_code: str
    issue_date: date | None
    currency: str
    seller_name: str
    seller_tax_id: str
    buyer_name: str
    buyer_tax_id: str
    net_amount: Decimal | None
    tax_amount: Decimal | None
    gross_amount: Decimal | None
    payable_amount: Decimal | None
    signature_status: str
    sha256: str
    created_at: datetime
    due_date: date | None  # once approved for payment
    payment_status: str  # paid | partly_paid | unpaid; empty before approval
    paid_amount: Decimal  # paid: what settled it; partly paid: what was paid of its statement

    @staticmethod
    def resolve_sha256(obj):
        return obj.file.sha256

    @staticmethod
    def resolve_due_date(obj):
        return obj.due_on

    @staticmethod
    def resolve_payment_status(obj):
        return obj.payment_state


class PaymentReceivedOut(Schema):
    id: int
    paid_on: date
    amount: Decimal  # the transfer
    discount_amount: Decimal  # an early-payment discount taken with it
    currency: str
    bank_reference: str
    statement_id: int | None
    is_final: bool


class InvoiceDetailOut(InvoiceOut):
    lines: list[LineOut]
    issues: list[IssueOut]
    history: list[dict]
    payments: list[PaymentReceivedOut]  # the payments that paid it (or paid its statement in part)

    @staticmethod
    def resolve_payments(obj):
        return [] if _is_new_upload(obj) else list(invoice_payments_received(obj))

    @staticmethod
    def resolve_lines(obj):
        return [] if _is_new_upload(obj) else list(obj.lines.all())

    @staticmethod
    def resolve_issues(obj):
        return [] if _is_new_upload(obj) else list(obj.issues.all())

    @staticmethod
    def resolve_history(obj):
        if _is_new_upload(obj):
            return []
        return [
            {
                "transition": h.transition,
                "from": h.source,
                "to": h.target,
                "at": h.at.isoformat(),
                "reason": h.reason_text,
                "reason_code": h.reason_code,
            }
            for h in transition_log_for(obj)
        ]


@router.post("/", response={201: InvoiceDetailOut, 200: InvoiceDetailOut})
def invoice_upload(
    request, file: UploadedFile = File(...), idempotency_key: str = Header("", alias="Idempotency-Key")
):
    """Upload one e-invoice file (OFD, 数电 XML, UBL, CII, Factur-X PDF). The same bytes again return the existing
    invoice (200); an Idempotency-Key reused with different bytes is a 409."""
    user = request.auth
    membership = getattr(user, "membership", None)
    if membership is None:
        raise DomainError(gettext("Only supplier users upload invoices."), code="not_a_supplier_user")
    data = services.read_upload(file)
    invoice, created = services.invoice_upload(
        supplier=membership.supplier,
        data=data,
        filename=file.name or "",
        actor=user,
        idempotency_key=idempotency_key,
    )
    if not created:
        return Status(200, _get(user, invoice.pk))
    return Status(201, _new_upload(invoice))


def _new_upload(invoice):
    """The invoice ``invoice_upload`` has just created, as the detail answer shows it, without
    reading it back: nothing has happened to it yet (received, no lines or issues until
    validation, no transitions, no due date or payment). A test holds it to ``GET /{id}``."""
    invoice.due_on = None
    invoice.paid_on = None
    invoice.payment_state = ""
    invoice.paid_amount = Decimal("0.00")
    invoice.is_new_upload = True
    return invoice


def _is_new_upload(invoice) -> bool:
    return getattr(invoice, "is_new_upload", False)


@router.get("/", response=list[InvoiceOut])
def invoice_list(request, response: HttpResponse, page: Query[PageIn], state: str = ""):
    """Invoices by cursor (``Link`` / ``X-Next-Cursor`` headers; docs/integration.md)."""
    qs = with_payment_facts(selectors.invoice_list(request.auth))
    if state:
        qs = qs.filter(state=state)
    return paginate(request, response, qs, page, scope="invoices")


def _get(user, invoice_id: int):
    selectors.invoice_get(user, invoice_id)  # scoped: another supplier's invoice is a 404
    return with_payment_facts(selectors.invoice_list(user)).get(pk=invoice_id)


@router.get("/{int:invoice_id}", response=InvoiceDetailOut)
def invoice_detail(request, invoice_id: int):
    return _get(request.auth, invoice_id)


@router.get("/{int:invoice_id}/file")
def invoice_file(request, invoice_id: int):
    invoice = selectors.invoice_get(request.auth, invoice_id)
    data = storage.get(invoice.file.path, invoice.file.sha256)
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{invoice.file.sha256}"'
    return response
