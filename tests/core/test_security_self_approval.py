"""Nobody approves their own work, anywhere: every approval in the product (found by walking the
state machines for transitions named approve*) is tried through its page by the person whose work
it is. Each is refused with a message naming the rule, nothing changes, and none answers 5xx.
A new approval without a scenario here fails the first test."""

from datetime import date

import pytest
from django.apps import apps
from django.test import override_settings
from django_fsm import FSMFieldMixin

from contracts.models import Contract
from contracts.services import contract_create, price_line_add
from invoicing.models import Invoice
from procurement.models import PurchaseOrder
from requisitions.models import Requisition
from settlement.models import PaymentRun, Statement
from settlement.services import statements as statement_services
from settlement.services.matching import invoice_match
from suppliers.models import BankAccount, Supplier, SupplierChange
from suppliers.services import bank_account_add, supplier_create, supplier_transition, supplier_update
from tests.factories import (
    ItemFactory,
    LegalEntityFactory,
    UserFactory,
    make_approved_bank_account,
    make_document,
    make_purchase_order,
    make_uscc,
)
from tests.requisitions.conftest import (  # noqa: F401 - the requisition world's fixtures
    budget,
    centre,
    contract,
    entity,
    items,
    manager,
    paper,
    pen,
    requester,
    staff,
    submit,
    today,
    world,
)
from tests.settlement import match_flow_builders as flow
from tests.settlement.payment_run_builders import approved_statement, house_account
from tests.settlement.statement_builders import make_invoice

pytestmark = pytest.mark.django_db


def approval_transitions() -> set[str]:
    found = set()
    for model in apps.get_models():
        for field in model._meta.fields:
            if isinstance(field, FSMFieldMixin):
                for transition in field.get_all_transitions(model):
                    if transition.name.startswith("approve"):
                        found.add(f"{model._meta.label}.{transition.name}")
    return found


def _try(client, user, url, back):
    """``user`` presses the approve button (the refusal page, or the page the message lands on)."""
    client.force_login(user)
    response = client.post(url, {"reason": "my own work"}, HTTP_REFERER=back, follow=True)
    assert response.status_code < 500
    return response.content.decode()


# Each scenario: the person whose work it is tries to approve it. Returns (page text, the object
# as it is afterwards, the state it must still be in).


def supplier_approve(client, buyer, **_):
    supplier = supplier_create(name="自建供应商 own supplier", tax_id=make_uscc(), actor=buyer)
    make_document(supplier, buyer)
    supplier_transition(supplier=supplier, name="submit", actor=buyer)
    page = _try(client, buyer, f"/suppliers/{supplier.pk}/approve/", f"/suppliers/{supplier.pk}/")
    return page, Supplier.objects.get(pk=supplier.pk).state, "submitted", "another buyer must approve it"


def bank_account_approve(client, finance, supplier_a, **_):
    account = bank_account_add(
        supplier=supplier_a, bank_name="B", account_name="A", account_number="6222020200113333", actor=finance
    )
    url = f"/suppliers/bank-accounts/{account.pk}/approve/"
    page = _try(client, finance, url, f"/suppliers/bank-accounts/{account.pk}/")
    return (
        page,
        BankAccount.objects.get(pk=account.pk).state,
        "pending",
        "another finance user must approve it",
    )


def supplier_change_approve(client, buyer, supplier_a, **_):
    supplier_update(supplier=supplier_a, actor=buyer, name="改名 renamed", tax_id=supplier_a.tax_id)
    change = SupplierChange.objects.get(supplier=supplier_a)
    page = _try(client, buyer, f"/suppliers/changes/{change.pk}/approve/", f"/suppliers/{supplier_a.pk}/")
    return (
        page,
        SupplierChange.objects.get(pk=change.pk).state,
        "pending",
        "another person must approve or reject it",
    )


def contract_approve(client, buyer, supplier_a, **_):
    """The first version's approval approves both the contract and its version."""
    ItemFactory(code="IT-1", name="螺丝 M6")
    item = {"item_code": "IT-1", "item_name": "螺丝 M6", "unit_price": "1.25", "tax_rate": "0.13"}
    draft = contract_create(
        supplier=supplier_a,
        title="框架",
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31),
        actor=buyer,
    )
    price_line_add(contract=draft, actor=buyer, quantity_cap="100", **item)
    from contracts.services import contract_transition

    contract_transition(contract=draft, name="submit", actor=buyer)
    page = _try(client, buyer, f"/contracts/{draft.pk}/approve/", f"/contracts/{draft.pk}/")
    return page, Contract.objects.get(pk=draft.pk).state, "in_approval", "another buyer must approve it"


def purchase_order_approve(client, buyer, supplier_a, **_):
    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="pending_approval")
    page = _try(client, buyer, f"/procurement/pos/{po.pk}/do/approve/", f"/procurement/pos/{po.pk}/")
    return page, PurchaseOrder.objects.get(pk=po.pk).state, "pending_approval", "someone else must approve it"


def requisition_approve(client, **people):
    owner = people["manager"]
    own = people["submit"](owner, [(people["paper"], 2)])  # the budget owner asks for their own centre
    page = _try(client, owner, f"/requisitions/{own.pk}/do/approve/", f"/requisitions/{own.pk}/")
    return page, Requisition.objects.get(pk=own.pk).state, "submitted", "someone else must approve it"


def invoice_approve(client, finance, supplier_a, **_):
    """An invoice without a PO needs two finance approvers: the first cannot be the second."""
    buying = LegalEntityFactory()
    invoice = flow.make_invoice(supplier_a, buying, [flow.line("办公椅", 2, "800.00")])
    invoice_match(invoice_id=invoice.pk)
    url = f"/settlement/matching/invoices/{invoice.pk}/accept/"
    _try(client, finance, url, f"/settlement/matching/invoices/{invoice.pk}/")
    page = _try(client, finance, url, f"/settlement/matching/invoices/{invoice.pk}/")
    return page, Invoice.objects.get(pk=invoice.pk).state, "exception", "another finance user must give"


def statement_approve(client, finance, supplier_a, supplier_user_a, **_):
    buying = LegalEntityFactory()
    make_invoice(supplier_a, buying, lines=(("1000.00", "0.13"),))
    statement = statement_services.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=buying,
        period_from=date(2026, 3, 1),
        period_to=date(2026, 3, 31),
        actor=finance,
    )
    statement = statement_services.statement_send(statement=statement, actor=finance)
    statement_services.statement_confirm(statement=statement, actor=supplier_user_a)
    url = f"/settlement/statements/{statement.pk}/approve/"
    page = _try(client, finance, url, f"/settlement/statements/{statement.pk}/")
    return (
        page,
        Statement.objects.get(pk=statement.pk).state,
        "confirmed",
        "another finance user must approve it",
    )


def _proposed_run(client, finance, supplier_a, supplier_user_a) -> PaymentRun:
    """A run of one approved statement, proposed by ``finance`` through the page."""
    buying = LegalEntityFactory()
    house_account(buying)
    make_approved_bank_account(supplier_a, number="6222020200119876")
    approved_statement(supplier_a, supplier_user_a, buying, finance, net="1000.00")
    client.force_login(finance)
    response = client.post(
        "/settlement/payment-runs/new/",
        {"legal_entity": buying.pk, "currency": "CNY", "due_by": "2099-12-31"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    return PaymentRun.objects.get()


def payment_run_approve(client, finance, supplier_a, supplier_user_a, **_):
    """The proposer of a payment run never approves it."""
    run = _proposed_run(client, finance, supplier_a, supplier_user_a)
    url = f"/settlement/payment-runs/{run.pk}/"
    page = _try(client, finance, f"{url}approve/", url)
    return page, PaymentRun.objects.get(pk=run.pk).state, "proposed", "another finance user must approve it"


def payment_run_approve_first(client, finance, supplier_a, supplier_user_a, **_):
    """Above the threshold two people approve: the first approver cannot give the second approval."""
    with override_settings(PAYMENT_RUN_SECOND_APPROVAL_ABOVE="100.00"):
        run = _proposed_run(client, finance, supplier_a, supplier_user_a)
        url = f"/settlement/payment-runs/{run.pk}/"
        first = UserFactory(username="run-first-approver", role="finance")
        _try(client, first, f"{url}approve/", url)
        assert PaymentRun.objects.get(pk=run.pk).state == "in_approval"
        page = _try(client, first, f"{url}approve/", url)
    return page, PaymentRun.objects.get(pk=run.pk).state, "in_approval", "a second person must approve it"


SCENARIOS = {
    "suppliers.Supplier.approve": supplier_approve,
    "suppliers.BankAccount.approve": bank_account_approve,
    "suppliers.SupplierChange.approve": supplier_change_approve,
    "contracts.Contract.approve": contract_approve,
    "contracts.ContractVersion.approve": contract_approve,
    "procurement.PurchaseOrder.approve": purchase_order_approve,
    "requisitions.Requisition.approve": requisition_approve,
    "invoicing.Invoice.approve": invoice_approve,
    "settlement.Statement.approve": statement_approve,
    "settlement.PaymentRun.approve": payment_run_approve,
    "settlement.PaymentRun.approve_first": payment_run_approve_first,
}


def test_every_approval_in_the_product_has_a_self_approval_scenario():
    assert approval_transitions() == set(SCENARIOS)


@pytest.mark.parametrize("approval", sorted(SCENARIOS))
@pytest.mark.usefixtures("world")
def test_nobody_approves_their_own_work(
    approval, client, buyer, finance, supplier_a, supplier_user_a, request
):
    page, state, unchanged, message = SCENARIOS[approval](
        client,
        buyer=buyer,
        finance=finance,
        supplier_a=supplier_a,
        supplier_user_a=supplier_user_a,
        manager=request.getfixturevalue("manager"),
        submit=request.getfixturevalue("submit"),
        paper=request.getfixturevalue("paper"),
    )
    assert state == unchanged
    assert message in page, page[-3000:]
