"""Master data under change control: a new legal name, tax id or bank account of a supplier goes
through a second person; the old values stay in force until then; the supplier page shows the
change with its values before and after. Seen: a buyer changed an approved supplier's legal name
and tax id with no re-approval and no history entry."""

import pytest

from core.models import TransitionLog
from suppliers.models import BankAccount, Supplier, SupplierChange
from suppliers.services import bank_account_add
from tests.factories import UserFactory, make_approved_bank_account, make_uscc

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _company(supplier, **overrides):
    data = {"name": supplier.name, "tax_id": supplier.tax_id, "address": "", "contact_email": ""}
    data.update(overrides)
    return data


@pytest.fixture
def approver(db):
    return UserFactory(username="approver1", role="buyer")


def test_a_buyer_changing_an_approved_suppliers_legal_name_and_tax_id_only_requests_it(
    client_as, buyer, supplier_a
):
    old_name, old_tax_id, new_tax_id = supplier_a.name, supplier_a.tax_id, make_uscc()
    client = client_as(buyer)
    response = client.post(
        f"/suppliers/{supplier_a.pk}/edit/",
        _company(supplier_a, name="甲 新名称有限公司", tax_id=new_tax_id, address="上海市新地址"),
        **EN,
    )
    assert response.status_code == 302
    supplier = Supplier.objects.get(pk=supplier_a.pk)
    assert (supplier.name, supplier.tax_id, supplier.state) == (old_name, old_tax_id, "approved")
    assert supplier.address == "上海市新地址"  # not under change control: applies at once
    change = SupplierChange.objects.get()
    assert change.state == "pending" and change.requested_by == buyer
    assert change.before == {"name": old_name, "tax_id": old_tax_id}
    assert change.after == {"name": "甲 新名称有限公司", "tax_id": new_tax_id}
    page = client.get(f"/suppliers/{supplier_a.pk}/", **EN).content.decode()
    assert "waiting for approval" in page and "甲 新名称有限公司" in page and new_tax_id in page
    assert "Another person must approve your change." in page  # no approve button for the requester
    assert f"/suppliers/changes/{change.pk}/approve/" not in page


def test_the_requester_cannot_approve_their_own_change(client_as, buyer, supplier_a):
    client = client_as(buyer)
    client.post(f"/suppliers/{supplier_a.pk}/edit/", _company(supplier_a, name="新名称"))
    change = SupplierChange.objects.get()
    assert client.post(f"/suppliers/changes/{change.pk}/approve/").status_code == 403
    response = client.post(f"/api/suppliers/changes/{change.pk}/approve", {}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "own_change_approval"
    assert SupplierChange.objects.get().state == "pending"
    assert Supplier.objects.get(pk=supplier_a.pk).name == supplier_a.name


def test_a_second_person_approves_and_the_new_values_apply_with_before_and_after_in_the_history(
    client_as, buyer, approver, supplier_a
):
    new_tax_id = make_uscc()
    client_as(buyer).post(
        f"/suppliers/{supplier_a.pk}/edit/", _company(supplier_a, name="新名称", tax_id=new_tax_id)
    )
    change = SupplierChange.objects.get()
    client = client_as(approver)
    home = client.get("/", **EN).content.decode()
    assert "Supplier data changes waiting for your approval" in home and "新名称" in home
    page = client.get(f"/suppliers/{supplier_a.pk}/").content.decode()
    assert f"/suppliers/changes/{change.pk}/approve/" in page
    response = client.post(f"/suppliers/changes/{change.pk}/approve/")
    assert response.status_code == 302
    supplier = Supplier.objects.get(pk=supplier_a.pk)
    assert (supplier.name, supplier.tax_id) == ("新名称", new_tax_id)
    change.refresh_from_db()
    assert change.state == "approved" and change.decided_by == approver
    assert TransitionLog.objects.filter(
        transition="approve", actor=approver, object_id=str(change.pk)
    ).exists()
    page = client.get(f"/suppliers/{supplier_a.pk}/", **EN).content.decode()
    assert supplier_a.name in page and "新名称" in page and "approver1" in page  # before, after, who


def test_a_rejected_change_keeps_the_old_values(client_as, buyer, approver, supplier_a):
    client_as(buyer).post(f"/suppliers/{supplier_a.pk}/edit/", _company(supplier_a, name="新名称"))
    change = SupplierChange.objects.get()
    client = client_as(approver)
    client.post(f"/suppliers/changes/{change.pk}/reject/", {"reason": ""})
    assert SupplierChange.objects.get().state == "pending"  # a reason is required
    client.post(f"/suppliers/changes/{change.pk}/reject/", {"reason": "营业执照上的名称不同"})
    assert SupplierChange.objects.get().state == "rejected"
    assert Supplier.objects.get(pk=supplier_a.pk).name == supplier_a.name
    assert "营业执照上的名称不同" in client.get(f"/suppliers/{supplier_a.pk}/").content.decode()


def test_a_second_change_while_one_is_pending_is_refused(client_as, buyer, supplier_a):
    client = client_as(buyer)
    client.post(f"/suppliers/{supplier_a.pk}/edit/", _company(supplier_a, name="新名称"))
    response = client.post(f"/suppliers/{supplier_a.pk}/edit/", _company(supplier_a, name="又一个名称"), **EN)
    assert response.status_code == 400 and "already waiting for approval" in response.content.decode()
    assert SupplierChange.objects.count() == 1


def test_the_api_puts_the_change_in_pending_change_and_another_user_approves_it(
    client_as, buyer, approver, supplier_a
):
    response = client_as(buyer).put(
        f"/api/suppliers/{supplier_a.pk}",
        _company(supplier_a, name="API 新名称"),
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == supplier_a.name and body["pending_change"]["after"] == {"name": "API 新名称"}
    change_id = body["pending_change"]["id"]
    client = client_as(approver)
    changes = client.get(f"/api/suppliers/{supplier_a.pk}/changes").json()
    assert [c["state"] for c in changes] == ["pending"]
    response = client.post(f"/api/suppliers/changes/{change_id}/approve", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "approved"
    assert Supplier.objects.get(pk=supplier_a.pk).name == "API 新名称"


def test_a_draft_suppliers_own_user_edits_directly_without_a_change_request(client_as, supplier_user_a):
    supplier = supplier_user_a.membership.supplier
    Supplier.objects.filter(pk=supplier.pk).update(state="draft")
    client_as(supplier_user_a).post(f"/suppliers/{supplier.pk}/edit/", _company(supplier, name="草稿新名称"))
    assert Supplier.objects.get(pk=supplier.pk).name == "草稿新名称" and not SupplierChange.objects.exists()


def test_a_tax_id_taken_meanwhile_is_refused_at_approval(client_as, buyer, approver, supplier_a, supplier_b):
    new_tax_id = make_uscc()
    client_as(buyer).post(f"/suppliers/{supplier_a.pk}/edit/", _company(supplier_a, tax_id=new_tax_id))
    Supplier.objects.filter(pk=supplier_b.pk).update(tax_id=new_tax_id)
    change = SupplierChange.objects.get()
    response = client_as(approver).post(
        f"/api/suppliers/changes/{change.pk}/approve", {}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["code"] == "duplicate_tax_id"
    assert SupplierChange.objects.get().state == "pending"


# --- bank accounts ---------------------------------------------------------------------------


def test_a_new_bank_account_appears_in_the_supplier_history_with_before_and_after(
    client_as, supplier_user_a, supplier_a, finance
):
    old = make_approved_bank_account(supplier_a, number="6222020200110001")
    client = client_as(supplier_user_a)
    response = client.post(
        f"/suppliers/{supplier_a.pk}/bank-accounts/",
        {
            "bank_name": "中国银行",
            "account_name": "甲公司",
            "account_number": "6217000011112222",
            "currency": "CNY",
        },
    )
    assert response.status_code == 302
    new = BankAccount.objects.get(bank_name="中国银行")
    assert new.replaces == old and new.state == "pending"
    change = SupplierChange.objects.get(bank_account=new)
    assert change.before == {"bank_account": "ICBC •••• •••• 0001 (CNY)"}
    assert change.after == {"bank_account": "中国银行 •••• •••• 2222 (CNY)"}
    page = client.get(f"/suppliers/{supplier_a.pk}/").content.decode()
    assert "ICBC •••• •••• 0001 (CNY)" in page and "中国银行 •••• •••• 2222 (CNY)" in page
    # the old account pays until finance approves the new one; then the history says who approved
    assert BankAccount.objects.get(pk=old.pk).state == "approved"
    client_as(finance).post(f"/suppliers/bank-accounts/{new.pk}/approve/", {"reason": "回电确认"})
    change.refresh_from_db()
    assert (change.state, change.decided_by, change.reason) == ("approved", finance, "回电确认")
    assert BankAccount.objects.get(pk=old.pk).state == "retired"


def test_a_rejected_bank_account_is_rejected_in_the_history_too(
    supplier_user_a, supplier_a, finance, client_as
):
    account = bank_account_add(
        supplier=supplier_a,
        bank_name="X",
        account_name="A",
        account_number="62220202001199",
        actor=supplier_user_a,
    )
    client_as(finance).post(f"/suppliers/bank-accounts/{account.pk}/reject/", {"reason": "户名不符"})
    assert SupplierChange.objects.get(bank_account=account).state == "rejected"


def test_a_finance_user_who_entered_an_account_sees_no_approve_button_and_is_refused(
    client_as, finance, supplier_a
):
    account = bank_account_add(
        supplier=supplier_a, bank_name="X", account_name="A", account_number="62220202001199", actor=finance
    )
    client = client_as(finance)
    page = client.get(f"/suppliers/bank-accounts/{account.pk}/", **EN).content.decode()
    assert "another finance user must approve it" in page
    assert f"/suppliers/bank-accounts/{account.pk}/approve/" not in page
    assert client.post(f"/suppliers/bank-accounts/{account.pk}/approve/").status_code == 403
    assert BankAccount.objects.get(pk=account.pk).state == "pending"


def test_a_bank_account_change_decided_through_the_changes_api_decides_the_account(
    client_as, supplier_user_a, supplier_a, finance
):
    account = bank_account_add(
        supplier=supplier_a,
        bank_name="X",
        account_name="A",
        account_number="62220202001199",
        actor=supplier_user_a,
    )
    change = SupplierChange.objects.get(bank_account=account)
    response = client_as(supplier_user_a).post(
        f"/api/suppliers/changes/{change.pk}/approve", {}, content_type="application/json"
    )
    assert response.status_code == 403  # the supplier's own user entered it
    response = client_as(finance).post(
        f"/api/suppliers/changes/{change.pk}/approve", {"reason": "回电确认"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == "approved"
    assert BankAccount.objects.get(pk=account.pk).state == "approved"
