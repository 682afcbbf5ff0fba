"""API of statements, invoice plans and payments. Every read goes through the scoped selectors (a
supplier's token sees only its own, sent statements; another supplier's id is a 404) and every
write through the services (role and state checks, clear error codes)."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from ninja import Query, Router, Schema, Status

from core import bounds
from core.api import TransitionLogBase
from core.errors import NotFound
from core.pagination import PageIn, paginate
from core.selectors import transition_log_for
from invoicing.selectors import invoice_get
from procurement.selectors import legal_entity_list
from suppliers.selectors import supplier_get

from .pdf import invoice_plan_pdf, statement_pdf
from .selectors import statements as selectors
from .services import payments, statements

router = Router(tags=["statements"])


class StatementLineOut(Schema):
    id: int
    kind: str
    invoice_id: int | None
    receipt_line_id: int | None
    reference: str
    description: str
    date: date | None
    quantity: Decimal | None
    unit_price: Decimal | None
    tax_rate: Decimal | None
    net: Decimal
    tax: Decimal
    gross: Decimal
    reason: str
    is_live: bool


class TransitionOut(TransitionLogBase):
    actor: str | None

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.username if obj.actor else None


class StatementOut(Schema):
    id: int
    number: str
    kind: str
    state: str
    supplier_id: int
    supplier_name: str
    legal_entity_id: int
    legal_entity_name: str
    currency: str
    period_from: date
    period_to: date
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    dispute_reason: str
    created_at: datetime
    sent_at: datetime | None

    @staticmethod
    def resolve_supplier_name(obj):
        return obj.supplier.name

    @staticmethod
    def resolve_legal_entity_name(obj):
        return obj.legal_entity.name


class StatementDetailOut(StatementOut):
    lines: list[StatementLineOut]
    history: list[TransitionOut]
    has_invoice_plan: bool
    paid: bool

    @staticmethod
    def resolve_lines(obj):
        return list(selectors.statement_lines(obj))

    @staticmethod
    def resolve_history(obj):
        return list(transition_log_for(obj))

    @staticmethod
    def resolve_has_invoice_plan(obj):
        return hasattr(obj, "invoice_plan")

    @staticmethod
    def resolve_paid(obj):
        return hasattr(obj, "payment")


class StatementIn(Schema):
    kind: str = "invoice_first"
    supplier_id: int = 0
    legal_entity_id: int = 0
    period_from: bounds.SaneDate | None = None
    period_to: bounds.SaneDate | None = None
    currency: bounds.Currency | None = None


class ReasonIn(Schema):
    reason: str = ""


class InvoiceRefIn(Schema):
    invoice_id: int = 0


class DeductionIn(Schema):
    amount: str = ""
    reason: str = ""


class PaymentIn(Schema):
    amount: str = ""
    bank_reference: str = ""
    paid_on: bounds.SaneDate | None = None  # the future: paid_on_in_future (the service)


class PaymentOut(Schema):
    id: int
    statement_id: int | None  # none: a payment run paid invoices without a statement
    statement_number: str | None = None
    supplier_id: int
    amount: Decimal
    discount_amount: Decimal  # an early-payment discount taken with it
    currency: str
    paid_on: date
    bank_reference: str
    bank_account_id: int
    bank_name: str
    account_name: str
    account_last4: str
    recorded_at: datetime
    invoice_ids: list[int]

    @staticmethod
    def resolve_statement_number(obj):
        return obj.statement.number

    @staticmethod
    def resolve_invoice_ids(obj):
        return list(obj.invoices.values_list("invoice_id", flat=True))


class PlanRateOut(Schema):
    tax_rate: Decimal | None
    net: Decimal
    tax: Decimal
    invoiced_net: Decimal
    invoiced_tax: Decimal
    remaining_net: Decimal
    remaining_tax: Decimal


class InvoicePlanOut(Schema):
    statement_id: int
    statement_number: str
    buyer_name: str
    buyer_tax_id: str
    currency: str
    allowance: Decimal
    issued_at: datetime
    fulfilled_at: datetime | None
    rates: list[PlanRateOut]
    lines: list[StatementLineOut]
    invoice_ids: list[int]

    @staticmethod
    def resolve_statement_number(obj):
        return obj.statement.number

    @staticmethod
    def resolve_rates(obj):
        return list(obj.rates.all())

    @staticmethod
    def resolve_lines(obj):
        return list(selectors.invoice_plan_lines(obj))

    @staticmethod
    def resolve_invoice_ids(obj):
        return list(selectors.invoice_plan_invoices(obj).values_list("invoice_id", flat=True))


def _get(request, statement_id: int):
    return selectors.statement_get(request.auth, statement_id)


def _detail(request, statement) -> object:
    return selectors.statement_get(request.auth, statement.pk)


@router.get("/statements", response=list[StatementOut])
def statement_list(
    request,
    response: HttpResponse,
    page: Query[PageIn],
    state: str = "",
    kind: str = "",
    supplier_id: int | None = None,
    legal_entity_id: int | None = None,
    q: str = "",
):
    """Statements by cursor (``Link`` / ``X-Next-Cursor`` headers; docs/integration.md)."""
    qs = selectors.statement_filter(
        selectors.statement_list(request.auth),
        state=state,
        kind=kind,
        supplier_id=supplier_id,
        legal_entity_id=legal_entity_id,
        q=q,
    )
    return paginate(request, response, qs, page, scope="statements")


@router.post("/statements", response={201: StatementDetailOut})
def statement_create(request, payload: StatementIn):
    """Finance: a draft statement with the period's invoices (invoice first) or received goods
    (statement first) gathered into it; ``nothing_to_settle`` when there is none."""
    statements.require_finance(request.auth, gettext("create statements"))
    entity = legal_entity_list(request.auth).filter(pk=payload.legal_entity_id).first()
    if entity is None:
        raise NotFound(
            gettext("Legal entity %(legal_entity_id)s not found.")
            % {"legal_entity_id": payload.legal_entity_id}
        )
    statement = statements.statement_create(
        kind=payload.kind,
        supplier=supplier_get(request.auth, payload.supplier_id),
        legal_entity=entity,
        period_from=payload.period_from,
        period_to=payload.period_to,
        currency=payload.currency,
        actor=request.auth,
    )
    return Status(201, _detail(request, statement))


@router.get("/statements/{int:statement_id}", response=StatementDetailOut)
def statement_detail(request, statement_id: int):
    return _get(request, statement_id)


def _action(name: str, doc: str):
    service = {
        "send": statements.statement_send,
        "confirm": statements.statement_confirm,
        "dispute": statements.statement_dispute,
        "revise": statements.statement_revise,
        "approve": statements.statement_approve,
        "cancel": statements.statement_cancel,
    }[name]

    def endpoint(request, statement_id: int, payload: ReasonIn):
        statement = service(statement=_get(request, statement_id), actor=request.auth, reason=payload.reason)
        return _detail(request, statement)

    endpoint.__name__ = f"statement_{name}"
    endpoint.__doc__ = doc
    router.post(
        f"/statements/{{int:statement_id}}/{name}",
        response=StatementDetailOut,
        operation_id=f"statement_{name}",
    )(endpoint)


_action("send", "Finance: draft → sent (the supplier sees it).")
_action("confirm", "Supplier: sent → confirmed; statement first: the invoice plan is issued.")
_action("dispute", "Supplier: sent → disputed; a reason is required.")
_action("revise", "Finance: disputed → draft, to correct it.")
_action("approve", "Finance: confirmed (invoice first) or invoiced (statement first) → approved.")
_action(
    "cancel",
    "Finance: draft, sent or disputed → cancelled; a reason is required. Invoices go back to approved.",
)


@router.post("/statements/{int:statement_id}/invoices", response={201: StatementLineOut})
def statement_invoice_add(request, statement_id: int, payload: InvoiceRefIn):
    """Finance: add an approved invoice or credit note to a draft invoice-first statement."""
    statement = _get(request, statement_id)
    statements.require_finance(request.auth, gettext("change statements"))
    invoice = invoice_get(request.auth, payload.invoice_id)
    return Status(
        201, statements.statement_invoice_add(statement=statement, invoice=invoice, actor=request.auth)
    )


@router.post("/statements/{int:statement_id}/deductions", response={201: StatementLineOut})
def statement_deduction_add(request, statement_id: int, payload: DeductionIn):
    line = statements.statement_deduction_add(
        statement=_get(request, statement_id),
        amount=payload.amount,
        reason=payload.reason,
        actor=request.auth,
    )
    return Status(201, line)


@router.delete("/statements/{int:statement_id}/lines/{int:statement_line_id}", response={204: None})
def statement_line_remove(request, statement_id: int, statement_line_id: int):
    statements.statement_line_remove(
        statement=_get(request, statement_id), line_id=statement_line_id, actor=request.auth
    )
    return Status(204, None)


@router.get("/statements/{int:statement_id}/pdf")
def statement_pdf_download(request, statement_id: int):
    statement = _get(request, statement_id)
    data = statement_pdf(
        statement, selectors.statement_lines(statement), payment=getattr(statement, "payment", None)
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"{statement.number}.pdf")
    return response


@router.get("/statements/{int:statement_id}/invoice-plan", response=InvoicePlanOut)
def invoice_plan_detail(request, statement_id: int):
    return selectors.invoice_plan_get(request.auth, statement_id)


@router.get("/statements/{int:statement_id}/invoice-plan/pdf")
def invoice_plan_pdf_download(request, statement_id: int):
    plan = selectors.invoice_plan_get(request.auth, statement_id)
    response = HttpResponse(
        invoice_plan_pdf(plan, selectors.invoice_plan_lines(plan)), content_type="application/pdf"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{plan.statement.number}-invoice-plan.pdf"
    )
    return response


@router.get("/statements/{int:statement_id}/invoice-plan/csv")
def invoice_plan_csv_download(request, statement_id: int):
    plan = selectors.invoice_plan_get(request.auth, statement_id)
    response = HttpResponse(
        "\ufeff" + selectors.invoice_plan_csv(plan), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{plan.statement.number}-invoice-plan.csv"
    )
    return response


@router.get("/statements/{int:statement_id}/payment", response=PaymentOut)
def statement_payment(request, statement_id: int):
    return selectors.payment_for(request.auth, statement_id)


@router.post("/statements/{int:statement_id}/payment", response={201: PaymentOut})
def statement_pay(request, statement_id: int, payload: PaymentIn):
    """Finance: pay an approved statement (amount = its total) to the supplier's approved account."""
    payment = payments.payment_record(
        statement=_get(request, statement_id),
        amount=payload.amount,
        bank_reference=payload.bank_reference,
        paid_on=payload.paid_on,
        actor=request.auth,
    )
    return Status(201, payment)


@router.get("/payments", response=list[PaymentOut])
def payment_list(request, response: HttpResponse, page: Query[PageIn]):
    """Payments by cursor over the time they were recorded (``Link`` / ``X-Next-Cursor``)."""
    qs = selectors.payment_list(request.auth).prefetch_related("invoices")
    return paginate(request, response, qs, page, scope="payments", key="recorded_at")
