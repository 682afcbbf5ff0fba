"""Every field of the supplier, qualification-document and bank-account forms and API refuses a
bad value with a clear error next to that field (page: 400 with the form again; API: 422 with
``details.fields``) and stores nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from suppliers.models import BankAccount, QualificationDocument, Supplier
from suppliers.services import bank_account_add
from tests.factories import PDF_BYTES, make_uscc

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _company(supplier, **overrides):
    data = {
        "name": supplier.name,
        "tax_id": supplier.tax_id,
        "address": "上海",
        "contact_name": "王经理",
        "contact_email": "wang@example.cn",
        "contact_phone": "+86 21 1234 5678",
    }
    data.update(overrides)
    return data


COMPANY_CASES = [
    ("name", "", "is required"),
    ("name", "x" * 201, "at most 200 characters"),
    ("tax_id", "", "is required"),
    ("tax_id", "123", "has 18 characters"),
    ("tax_id", "91350100M000100Y44", "check character"),
    ("tax_id", "91350100M00O100Y43", "not allowed"),
    ("address", "x" * 301, "at most 300 characters"),
    ("contact_name", "x" * 101, "at most 100 characters"),
    ("contact_email", "not-an-address", "not a valid e-mail address"),
    ("contact_phone", "call me maybe", "not a phone number"),
    ("contact_phone", "1" * 41, "at most 40 characters"),
]


@pytest.fixture
def draft(supplier_user_a):
    supplier = supplier_user_a.membership.supplier
    Supplier.objects.filter(pk=supplier.pk).update(state="draft")
    return Supplier.objects.get(pk=supplier.pk)


@pytest.mark.parametrize(("field", "value", "text"), COMPANY_CASES)
def test_a_bad_company_field_is_shown_next_to_it_on_the_edit_page_and_nothing_changes(
    client_as, supplier_user_a, draft, field, value, text
):
    before = Supplier.objects.values().get(pk=draft.pk)
    response = client_as(supplier_user_a).post(
        f"/suppliers/{draft.pk}/edit/", _company(draft, **{field: value}), **EN
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="{field}-error"' in html and text in html
    assert 'aria-invalid="true"' in html and "Nothing was saved" in html
    assert Supplier.objects.values().get(pk=draft.pk) == before


@pytest.mark.parametrize(("field", "value", "text"), COMPANY_CASES)
def test_a_bad_company_field_is_a_422_naming_the_field_in_the_api_and_nothing_changes(
    client_as, supplier_user_a, draft, field, value, text
):
    before = Supplier.objects.values().get(pk=draft.pk)
    response = client_as(supplier_user_a).put(
        f"/api/suppliers/{draft.pk}", _company(draft, **{field: value}), content_type="application/json", **EN
    )
    assert response.status_code == 422
    body = response.json()
    assert text in body["details"]["fields"][field][0]["message"]
    assert Supplier.objects.values().get(pk=draft.pk) == before


def test_a_tax_id_another_supplier_has_is_refused_on_the_page(client_as, supplier_user_a, draft, supplier_b):
    response = client_as(supplier_user_a).post(
        f"/suppliers/{draft.pk}/edit/", _company(draft, tax_id=supplier_b.tax_id), **EN
    )
    assert response.status_code == 400 and "already exists" in response.content.decode()
    assert Supplier.objects.get(pk=draft.pk).tax_id != supplier_b.tax_id


def test_several_bad_fields_are_all_shown_at_once(client_as, supplier_user_a, draft):
    response = client_as(supplier_user_a).post(
        f"/suppliers/{draft.pk}/edit/", _company(draft, name="", contact_email="nope", tax_id="1"), **EN
    )
    html = response.content.decode()
    assert all(f'id="{f}-error"' in html for f in ("name", "contact_email", "tax_id"))


def test_the_edit_form_keeps_what_was_typed_and_lets_htmx_show_the_errors(client_as, supplier_user_a, draft):
    response = client_as(supplier_user_a).post(
        f"/suppliers/{draft.pk}/edit/",
        _company(draft, contact_email="typed@wrong"),
        HTTP_HX_REQUEST="true",
        **EN,
    )
    html = response.content.decode()
    assert response.status_code == 400 and 'value="typed@wrong"' in html
    # htmx does not swap a 400 by default: the form asks for it, else the errors never show.
    assert "data-swap-errors" in html and "suppliers/form-errors.js" in html


def test_a_company_error_speaks_chinese_to_a_chinese_reader_where_the_catalogue_has_it(
    client_as, supplier_user_a, draft
):
    response = client_as(supplier_user_a).post(
        f"/suppliers/{draft.pk}/edit/", _company(draft, name=""), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400 and "公司名称" in response.content.decode()  # the label


# --- registration through the invitation ---------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("username", "", "is required"),
        ("username", "alice", "is taken"),
        ("password", "short", "too short"),
        ("tax_id", "91350100M000100Y44", "check character"),
        ("contact_email", "nope", "not a valid e-mail address"),
    ],
)
def test_a_bad_registration_field_is_shown_and_nothing_is_created(
    client, buyer, supplier_user_a, field, value, text
):
    from suppliers.services import supplier_invite

    _inv, token = supplier_invite(email="new@example.cn", actor=buyer)
    data = {
        "username": "newsupplier",
        "password": "a-long-enough-password-9",
        "name": "新公司",
        "tax_id": make_uscc(),
        field: value,
    }
    suppliers = Supplier.objects.count()
    response = client.post(f"/suppliers/invitations/{token}/", data, **EN)
    html = response.content.decode()
    assert response.status_code == 400 and f'id="{field}-error"' in html and text in html
    assert Supplier.objects.count() == suppliers
    assert client.get(f"/suppliers/invitations/{token}/").status_code == 200  # the link still works


# --- qualification documents ---------------------------------------------------------------

TODAY = timezone.localdate()


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"doc_type": "passport"}, "doc_type", "Choose a document type"),
        ({"issued_on": "2026-13-45"}, "issued_on", "Enter a valid date"),
        ({"expires_on": "tomorrow"}, "expires_on", "Enter a valid date"),
        ({"issued_on": (TODAY + timedelta(days=3)).isoformat()}, "issued_on", "cannot be in the future"),
        ({"expires_on": (TODAY - timedelta(days=1)).isoformat()}, "expires_on", "already expired"),
        (
            {
                "issued_on": (TODAY - timedelta(days=10)).isoformat(),
                "expires_on": (TODAY - timedelta(days=10)).isoformat(),
            },
            "expires_on",
            "",
        ),
        ({"file": None}, "file", "Choose a file"),
        ({"file": SimpleUploadedFile("empty.pdf", b"")}, "file", ""),
        ({"file": SimpleUploadedFile("x.pdf", b"MZ not a pdf")}, "file", "not accepted"),
    ],
)
def test_a_bad_document_field_is_shown_on_the_supplier_page_and_nothing_is_stored(
    client_as, supplier_user_a, supplier_a, data, field, text
):
    post = {
        "doc_type": "business_licence",
        "issued_on": (TODAY - timedelta(days=30)).isoformat(),
        "expires_on": (TODAY + timedelta(days=365)).isoformat(),
        "file": SimpleUploadedFile("licence.pdf", PDF_BYTES),
    }
    post.update(data)
    post = {k: v for k, v in post.items() if v is not None}
    response = client_as(supplier_user_a).post(f"/suppliers/{supplier_a.pk}/documents/", post, **EN)
    html = response.content.decode()
    assert response.status_code == 400, html[:300]
    assert f'id="{field}-error"' in html and text in html
    assert not QualificationDocument.objects.exists()


def test_an_expiry_not_after_the_issue_date_is_refused_in_the_api(client_as, supplier_user_a, supplier_a):
    response = client_as(supplier_user_a).post(
        f"/api/suppliers/{supplier_a.pk}/documents",
        {
            "doc_type": "business_licence",
            "issued_on": (TODAY + timedelta(days=5)).isoformat(),
            "expires_on": (TODAY + timedelta(days=5)).isoformat(),
            "file": SimpleUploadedFile("licence.pdf", PDF_BYTES),
        },
        **EN,
    )
    assert response.status_code == 422
    fields = response.json()["details"]["fields"]
    assert "issued_on" in fields and "expires_on" in fields
    assert not QualificationDocument.objects.exists()


def test_a_document_with_issue_and_expiry_dates_is_stored_and_shown(client_as, supplier_user_a, supplier_a):
    client = client_as(supplier_user_a)
    response = client.post(
        f"/suppliers/{supplier_a.pk}/documents/",
        {
            "doc_type": "business_licence",
            "issued_on": "2020-01-02",
            "expires_on": "2099-01-02",
            "file": SimpleUploadedFile("licence.pdf", PDF_BYTES),
        },
    )
    assert response.status_code == 302
    doc = QualificationDocument.objects.get()
    assert (str(doc.issued_on), str(doc.expires_on)) == ("2020-01-02", "2099-01-02")


# --- bank accounts -------------------------------------------------------------------------

NUMBER = "6222 0202 0011 2233 445"


def _account(**overrides):
    data = {
        "bank_name": "中国工商银行",
        "account_name": "甲公司",
        "account_number": NUMBER,
        "currency": "CNY",
    }
    data.update(overrides)
    return data


BANK_CASES = [
    ("bank_name", "", "is required"),
    ("bank_name", "x" * 201, "at most 200 characters"),
    ("account_name", "", "is required"),
    ("account_number", "", "is required"),
    ("account_number", "12 ab!", "6 to 34 digits or letters"),
    ("account_number", "1" * 35, "6 to 34 digits or letters"),
    ("currency", "XYZ", "not an ISO 4217 currency code"),
    ("currency", "XXXX", "not an ISO 4217 currency code"),
    ("currency", "XXX", "not an ISO 4217 currency code"),
    ("currency", "12", "not an ISO 4217 currency code"),
]


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(("field", "value", "text"), BANK_CASES)
def test_a_bad_bank_account_field_is_shown_on_the_page_and_nothing_is_stored(
    client_as, supplier_user_a, supplier_a, field, value, text, htmx
):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client_as(supplier_user_a).post(
        f"/suppliers/{supplier_a.pk}/bank-accounts/", _account(**{field: value}), **headers, **EN
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="{field}-error"' in html and text in html
    assert "data-swap-errors" in html  # the htmx form swaps the 400 in (suppliers/form-errors.js)
    assert not BankAccount.objects.exists()


@pytest.mark.parametrize(("field", "value", "text"), BANK_CASES)
def test_a_bad_bank_account_field_is_a_422_in_the_api(
    client_as, supplier_user_a, supplier_a, field, value, text
):
    response = client_as(supplier_user_a).post(
        f"/api/suppliers/{supplier_a.pk}/bank-accounts",
        _account(**{field: value}),
        content_type="application/json",
        **EN,
    )
    assert response.status_code == 422
    assert text in response.json()["details"]["fields"][field][0]["message"]
    assert not BankAccount.objects.exists()


def test_the_same_account_number_twice_for_one_supplier_is_refused_with_a_clear_error(
    client_as, supplier_user_a, supplier_a
):
    client = client_as(supplier_user_a)
    assert client.post(f"/suppliers/{supplier_a.pk}/bank-accounts/", _account()).status_code == 302
    response = client.post(
        f"/suppliers/{supplier_a.pk}/bank-accounts/", _account(account_number="6222-0202-0011-2233-445"), **EN
    )
    html = response.content.decode()
    assert response.status_code == 400 and 'id="account_number-error"' in html
    assert "already registered for this supplier" in html and "3445" in html
    response = client.post(
        f"/api/suppliers/{supplier_a.pk}/bank-accounts", _account(), content_type="application/json", **EN
    )
    assert response.status_code == 422 and response.json()["code"] == "duplicate_account_number"
    assert BankAccount.objects.count() == 1


def test_the_same_number_at_another_supplier_or_after_a_rejection_is_accepted(
    supplier_user_a, supplier_a, supplier_user_b, supplier_b, finance
):
    from suppliers.services import bank_account_reject

    first = bank_account_add(supplier=supplier_a, actor=supplier_user_a, **_account())
    bank_account_add(supplier=supplier_b, actor=supplier_user_b, **_account())
    bank_account_reject(account=first, actor=finance, reason="holder name does not match")
    bank_account_add(
        supplier=supplier_a, actor=supplier_user_a, **_account(account_name="甲公司 (corrected)")
    )
    assert BankAccount.objects.count() == 3


@pytest.mark.parametrize("currency", ["usd", "EUR", " hkd "])
def test_an_iso_currency_in_any_case_is_stored_upper_case(supplier_user_a, supplier_a, currency):
    account = bank_account_add(supplier=supplier_a, actor=supplier_user_a, **_account(currency=currency))
    assert account.currency == currency.strip().upper()


def test_a_replaced_account_id_that_is_not_a_number_is_a_form_error_not_a_500(
    client_as, supplier_user_a, supplier_a
):
    response = client_as(supplier_user_a).post(
        f"/suppliers/{supplier_a.pk}/bank-accounts/", _account(replaces_id="abc"), **EN
    )
    assert response.status_code == 400 and "Enter a whole number" in response.content.decode()
    assert not BankAccount.objects.exists()


def test_a_good_htmx_bank_account_form_loads_the_supplier_page_with_the_new_account(
    client_as, supplier_user_a, supplier_a
):
    client = client_as(supplier_user_a)
    response = client.post(
        f"/suppliers/{supplier_a.pk}/bank-accounts/", _account(), HTTP_HX_REQUEST="true", **EN
    )
    assert response.status_code == 200 and response["HX-Redirect"] == f"/suppliers/{supplier_a.pk}/"
    page = client.get(f"/suppliers/{supplier_a.pk}/", **EN).content.decode()
    assert "Finance must approve it" in page and "3445" in page
