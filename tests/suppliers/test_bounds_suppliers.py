"""Suppliers: a bank account in a currency that is not ISO 4217 is refused on the page and in
the API, and nothing is stored."""

import pytest

from core.services import api_token_create
from suppliers.models import BankAccount

ACCOUNT = {"bank_name": "ICBC", "account_name": "甲公司", "account_number": "6222020200112233"}


@pytest.mark.parametrize("currency", ["XYZ", "XXXX"])
def test_a_bank_account_in_an_unknown_currency_is_refused(supplier_a, supplier_user_a, client, currency):
    client.force_login(supplier_user_a)
    page = client.post(
        f"/suppliers/{supplier_a.pk}/bank-accounts/",
        {**ACCOUNT, "currency": currency},
        HTTP_REFERER=f"/suppliers/{supplier_a.pk}/",
        follow=True,
    )
    assert f"Currency “{currency}” is not an ISO 4217 currency code" in page.content.decode()
    raw = api_token_create(user=supplier_user_a, name="erp")[1]
    response = client.post(
        f"/api/suppliers/{supplier_a.pk}/bank-accounts",
        {**ACCOUNT, "currency": currency},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 422 and response.json()["field"] == "currency"
    assert not BankAccount.objects.exists()
