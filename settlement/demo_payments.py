"""Demo data for payments (seed_demo): payment terms on the demo suppliers, our paying account,
approved bank accounts, one approved statement per supplier ready for a payment run and one
approved invoice not yet on a statement (for the due-date reports). Idempotent."""

from __future__ import annotations

import calendar
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from core.money import q2
from core.services import run_transition
from invoicing import storage
from invoicing.models import Invoice, InvoiceLine, InvoiceState, StoredFile
from procurement.models import LegalEntity
from suppliers.models import BankAccount, BankAccountState, PaymentTerm, Supplier
from suppliers.services import bank_account_add, bank_account_approve

from .models import HouseBankAccount, Statement
from .services import statements as svc

DEMO_ACCOUNTS = {
    0: ("中国建设银行深圳分行", "6227003811930012345"),
    1: ("中国银行北京海淀支行", "6217856000012345678"),
}
DEMO_TERMS = {0: "eom-30", 1: "net-60"}


def _invoice(supplier: Supplier, entity: LegalEntity, *, number: str, issue_date, net: str) -> Invoice:
    existing = Invoice.objects.filter(supplier=supplier, invoice_number=number).first()
    if existing is not None:
        return existing
    data = f"<EInvoice demo='{number}'/>".encode()
    digest, path = storage.put(data)
    stored = StoredFile.objects.create(
        sha256=digest, supplier=supplier, size=len(data), path=path, original_name=f"{number}.xml"
    )
    net_amount = q2(Decimal(net))
    tax = q2(net_amount * Decimal("0.13"))
    invoice = Invoice.objects.create(
        supplier=supplier,
        legal_entity=entity,
        file=stored,
        format="cn-xml",
        document_type="invoice",
        invoice_number=number,
        issue_date=issue_date,
        currency="CNY",
        seller_name=supplier.name,
        seller_tax_id=supplier.tax_id,
        buyer_name=entity.name,
        buyer_tax_id=entity.tax_id,
        net_amount=net_amount,
        tax_amount=tax,
        gross_amount=net_amount + tax,
        payable_amount=net_amount + tax,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        line_no=1,
        name="演示货物 / demo goods",
        net=net_amount,
        tax_rate=Decimal("0.13"),
        tax=tax,
    )
    # demo shortcut past validation and matching (they have their own demo); approval is real
    Invoice.objects.filter(pk=invoice.pk).update(state=InvoiceState.MATCHED)
    invoice.refresh_from_db()
    return run_transition(invoice, "approve", actor=None, reason="demo data")


def seed_payments_demo(*, suppliers: list[Supplier], buyer, finance, finance2, supplier_users) -> None:
    entity = LegalEntity.objects.order_by("id").first()
    HouseBankAccount.objects.get_or_create(
        legal_entity=entity,
        currency="CNY",
        is_active=True,
        defaults={"bank_name": "招商银行上海分行", "account_number": "121909876510001"},
    )
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    month_end = last_month.replace(day=calendar.monthrange(last_month.year, last_month.month)[1])
    for index, supplier in enumerate(suppliers):
        term = PaymentTerm.objects.filter(code=DEMO_TERMS[index]).first()
        Supplier.objects.filter(pk=supplier.pk, payment_term__isnull=True).update(payment_term=term)
        supplier = Supplier.objects.get(pk=supplier.pk)
        if not BankAccount.objects.filter(supplier=supplier, state=BankAccountState.APPROVED).exists():
            bank, number = DEMO_ACCOUNTS[index]
            account = bank_account_add(
                supplier=supplier,
                bank_name=bank,
                account_name=supplier.name,
                account_number=number,
                actor=buyer,
            )
            bank_account_approve(account=account, actor=finance2)
        if Statement.objects.filter(supplier=supplier).exists():
            continue
        _invoice(
            supplier,
            entity,
            number=f"DEMO-PAY-{index + 1}01",
            issue_date=last_month + timedelta(days=4),
            net=("12000.00", "5600.00")[index],
        )
        _invoice(
            supplier,
            entity,
            number=f"DEMO-PAY-{index + 1}02",
            issue_date=last_month + timedelta(days=14),
            net=("3400.00", "880.00")[index],
        )
        statement = svc.statement_create(
            kind="invoice_first",
            supplier=supplier,
            legal_entity=entity,
            period_from=last_month,
            period_to=month_end,
            actor=finance,
        )
        statement = svc.statement_send(statement=statement, actor=finance)
        statement = svc.statement_confirm(statement=statement, actor=supplier_users[index])
        svc.statement_approve(statement=statement, actor=finance2)
        # approved this month, not yet on a statement: shows in aging and the cash forecast
        _invoice(
            supplier,
            entity,
            number=f"DEMO-PAY-{index + 1}03",
            issue_date=today - timedelta(days=3),
            net=("2100.00", "760.00")[index],
        )
