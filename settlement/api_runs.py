"""API of payment runs (finance only: a run spans suppliers; anyone else is refused or gets a
404) and of payment terms (master data every portal user reads). Reads only: runs are proposed,
reviewed and approved on their pages."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext
from ninja import Query, Router, Schema

from core.errors import NotFound
from core.pagination import PageIn, paginate
from suppliers.models import PaymentTerm

from .selectors.runs import payment_run_get, payment_run_list
from .services.statements import require_finance

router = Router(tags=["payment runs"])


class RunInvoiceOut(Schema):
    invoice_id: int
    invoice_number: str
    document_type: str
    gross: Decimal  # a credit note negative
    discount: Decimal

    @staticmethod
    def resolve_invoice_number(obj):
        return obj.invoice.invoice_number

    @staticmethod
    def resolve_document_type(obj):
        return obj.invoice.document_type


class RunLineOut(Schema):
    id: int
    supplier_id: int
    supplier_name: str
    statement_id: int | None
    statement_number: str | None = None
    invoices: list[RunInvoiceOut]  # a line of invoices without a statement
    bank_account_id: int
    due_date: date | None
    open_amount: Decimal
    discount_amount: Decimal  # offered by the terms on the run's payment date
    discount_taken: bool
    discount_until: date | None
    discount_term_code: str | None = None
    amount: Decimal  # what is transferred
    is_live: bool

    @staticmethod
    def resolve_supplier_name(obj):
        return obj.supplier.name

    @staticmethod
    def resolve_statement_number(obj):
        return obj.statement.number if obj.statement_id else None

    @staticmethod
    def resolve_invoices(obj):
        return list(obj.invoice_links.all())

    @staticmethod
    def resolve_discount_term_code(obj):
        return obj.discount_term.code if obj.discount_term_id else None


class RunOut(Schema):
    id: int
    number: str
    state: str
    legal_entity_id: int
    legal_entity_name: str
    currency: str
    due_by: date
    execution_date: date
    total: Decimal
    approvals_required: int
    bank_reference: str
    proposed_by: str
    created_at: datetime
    exported_at: datetime | None

    @staticmethod
    def resolve_legal_entity_name(obj):
        return obj.legal_entity.name

    @staticmethod
    def resolve_proposed_by(obj):
        return obj.proposed_by.username


class RunDetailOut(RunOut):
    lines: list[RunLineOut]
    skipped: list[dict]

    @staticmethod
    def resolve_lines(obj):
        return list(
            obj.lines.select_related("statement", "supplier", "discount_term")
            .prefetch_related("invoice_links__invoice")
            .order_by("supplier__name", "id")
        )


class PaymentTermOut(Schema):
    id: int
    code: str
    name: str  # in the caller's language
    name_zh: str
    name_en: str
    basis: str
    days: int
    discount_percent: Decimal
    discount_days: int | None
    is_active: bool

    @staticmethod
    def resolve_name(obj):
        return obj.name


@router.get("/payment-runs", response=list[RunOut])
def payment_run_list_api(request, response: HttpResponse, page: Query[PageIn], state: str = ""):
    """Finance: payment runs by cursor (``Link`` / ``X-Next-Cursor`` headers)."""
    require_finance(request.auth, gettext("read payment runs"))
    qs = payment_run_list(request.auth)
    if state:
        qs = qs.filter(state=state)
    return paginate(request, response, qs, page, scope="payment-runs")


@router.get("/payment-runs/{int:run_id}", response=RunDetailOut)
def payment_run_detail_api(request, run_id: int):
    """Finance: one run with its lines (statements, or invoices without a statement) and what the
    proposal left out."""
    return payment_run_get(request.auth, run_id)


@router.get("/payment-terms", response=list[PaymentTermOut])
def payment_term_list_api(request, active: bool | None = None):
    """The payment terms (a short list of master data, not paged)."""
    qs = PaymentTerm.objects.order_by("code")
    if active is not None:
        qs = qs.filter(is_active=active)
    return list(qs)


@router.get("/payment-terms/{int:term_id}", response=PaymentTermOut)
def payment_term_detail_api(request, term_id: int):
    term = PaymentTerm.objects.filter(pk=term_id).first()
    if term is None:
        raise NotFound(gettext("Payment terms not found."))
    return term
