"""Clean answers under concurrency in every backend, SQLite included: the loser of two payments of
one statement gets 409 with the reason (never a 500), through the API and the page."""

import pytest
from django.db import connection
from django.test import Client

from core.services import api_token_create
from settlement.models import Payment, Statement
from settlement.services import statements as svc
from tests.concurrency import race
from tests.factories import (
    LegalEntityFactory,
    SupplierFactory,
    UserFactory,
    make_approved_bank_account,
    make_supplier_user,
)
from tests.settlement.statement_builders import PERIOD, make_invoice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def approved_statement():
    finance = UserFactory(username="fin-a", role="finance")
    supplier = SupplierFactory(state="approved")
    entity = LegalEntityFactory()
    make_approved_bank_account(supplier)
    make_invoice(supplier, entity)
    statement = svc.statement_create(
        kind="invoice_first",
        supplier=supplier,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
    )
    statement = svc.statement_send(statement=statement, actor=finance)
    statement = svc.statement_confirm(statement=statement, actor=make_supplier_user(supplier, "sup"))
    return svc.statement_approve(statement=statement, actor=other_finance())


def test_the_loser_of_two_concurrent_api_payments_gets_409_already_paid(approved_statement):
    tokens = [
        api_token_create(user=UserFactory(username=f"fin-{n}", role="finance"), name="erp")[1] for n in (1, 2)
    ]

    def pay(token, reference):
        return Client().post(
            f"/api/statements/{approved_statement.pk}/payment",
            {"amount": "1130.00", "bank_reference": reference},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    for token in tokens:  # the token's last-use stamp is written once a minute: not during the race
        Client().get("/api/payments", HTTP_AUTHORIZATION=f"Bearer {token}")
    results = race(lambda: pay(tokens[0], "A-1"), lambda: pay(tokens[1], "B-1"))

    statuses = sorted(getattr(r, "status_code", repr(r)) for r in results)
    assert statuses == [201, 409], (connection.vendor, [getattr(r, "content", r) for r in results])
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser["code"] == "statement_already_paid", loser
    assert Payment.objects.count() == 1
    assert Statement.objects.get(pk=approved_statement.pk).state == "paid"


def test_the_loser_of_two_concurrent_page_payments_is_told_it_is_already_paid(approved_statement):
    clients = []
    for n in (1, 2):
        client = Client()
        client.force_login(UserFactory(username=f"fin-page-{n}", role="finance"))
        clients.append(client)
    url = f"/settlement/statements/{approved_statement.pk}/payment/"

    def pay(client, reference):
        return client.post(
            url, {"amount": "1130.00", "bank_reference": reference}, HTTP_REFERER=url.replace("payment/", "")
        )

    results = race(lambda: pay(clients[0], "A-1"), lambda: pay(clients[1], "B-1"))

    assert [getattr(r, "status_code", repr(r)) for r in results] == [302, 302]
    assert Payment.objects.count() == 1
    pages = [c.get(url.replace("payment/", "")).content.decode() for c in clients]
    assert sum("is already paid" in page for page in pages) == 1


def other_finance():
    """A second finance user: who prepared a statement does not approve it (four eyes)."""
    from tests.factories import UserFactory

    return UserFactory(username="finance-approver", role="finance")
