import io
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from contracts.models import Contract, ContractVersion, PriceLine
from contracts.selectors import active_price_for, contract_list, version_diff
from contracts.services import (
    contract_amend,
    contract_create,
    contract_expiry_check,
    contract_transition,
    price_line_add,
    price_line_consume,
)
from core.errors import DomainError, PermissionDenied
from core.models import TransitionLog
from tests.factories import UserFactory, make_active_contract

D = date(2026, 6, 1)
LINE = {"item_code": "IT-1", "item_name": "螺丝 M6", "unit_price": "1.250000", "tax_rate": "0.13"}


@pytest.fixture
def draft(buyer, supplier_a):
    contract = contract_create(
        supplier=supplier_a,
        title="2026 框架",
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31),
        actor=buyer,
    )
    price_line_add(contract=contract, actor=buyer, quantity_cap="100", **LINE)
    return contract


def test_draft_to_active_through_approval_leaves_log_rows(draft, buyer, buyer2):
    contract_transition(contract=draft, name="submit", actor=buyer)
    contract = contract_transition(contract=draft, name="approve", actor=buyer2, reason="prices checked")
    assert contract.state == "active" and contract.current_version.number == 1
    contract_rows = list(
        TransitionLog.objects.filter(content_type__model="contract").values_list(
            "transition", "source", "target"
        )
    )
    assert contract_rows == [("submit", "draft", "in_approval"), ("approve", "in_approval", "active")]
    assert ContractVersion.objects.get(contract=draft).approved_by == buyer2


def test_the_author_cannot_approve_their_own_contract(draft, buyer):
    contract_transition(contract=draft, name="submit", actor=buyer)
    with pytest.raises(PermissionDenied) as exc:
        contract_transition(contract=draft, name="approve", actor=buyer)
    assert exc.value.code == "own_contract_approval"
    assert Contract.objects.get(pk=draft.pk).state == "in_approval"


def test_the_approve_api_answers_403_with_code_for_the_author(draft, buyer, client_as):
    contract_transition(contract=draft, name="submit", actor=buyer)
    response = client_as(buyer).post(
        f"/api/contracts/{draft.pk}/approve", {}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "own_contract_approval"


def test_an_active_contract_cannot_be_edited_in_place(draft, buyer, buyer2, client_as):
    contract_transition(contract=draft, name="submit", actor=buyer)
    contract_transition(contract=draft, name="approve", actor=buyer2)
    with pytest.raises(DomainError) as exc:
        price_line_add(contract=draft, actor=buyer, **{**LINE, "item_code": "IT-2"})
    assert exc.value.code == "contract_not_editable"
    response = client_as(buyer).post(
        f"/api/contracts/{draft.pk}/lines", {**LINE, "item_code": "IT-3"}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "contract_not_editable"
    assert PriceLine.objects.count() == 1


def test_an_amendment_is_a_new_version_and_earlier_versions_are_kept(draft, buyer, buyer2):
    contract_transition(contract=draft, name="submit", actor=buyer)
    contract_transition(contract=draft, name="approve", actor=buyer2)
    price_line_consume(
        line=Contract.objects.get(pk=draft.pk).current_version.lines.get(), quantity="30", actor=buyer
    )
    v2 = contract_amend(contract=draft, actor=buyer, note="price down, new item")
    PriceLine.objects.filter(version=v2, item_code="IT-1").update(unit_price=Decimal("1.10"))
    price_line_add(contract=draft, actor=buyer, **{**LINE, "item_code": "IT-9", "item_name": "垫片"})
    # while the amendment is prepared, the contract stays active on v1
    assert active_price_for(supplier_id=draft.supplier_id, item_code="IT-1", on_date=D).unit_price == Decimal(
        "1.25"
    )
    contract_transition(contract=draft, name="submit", actor=buyer)
    contract = contract_transition(contract=draft, name="approve", actor=buyer2)
    assert contract.state == "active" and contract.current_version.number == 2
    assert active_price_for(supplier_id=draft.supplier_id, item_code="IT-1", on_date=D).unit_price == Decimal(
        "1.10"
    )
    v1 = ContractVersion.objects.get(contract=draft, number=1)
    assert v1.lines.get().unit_price == Decimal("1.25")  # unchanged
    assert contract.current_version.lines.get(item_code="IT-1").quantity_ordered == Decimal(
        "30"
    )  # carried over
    changes = {c.item_code: (c.kind, c.fields) for c in version_diff(v1, contract.current_version)}
    assert changes == {"IT-1": ("changed", ("unit_price",)), "IT-9": ("added", ())}


def test_quantity_cap_is_enforced_with_a_row_lock(supplier_a, buyer):
    contract = make_active_contract(supplier_a, lines=({**LINE, "quantity_cap": "10"},))
    line = active_price_for(supplier_id=supplier_a.pk, item_code="IT-1", on_date=D)
    assert price_line_consume(line=line, quantity=Decimal("6"), actor=buyer).quantity_ordered == Decimal("6")
    with pytest.raises(DomainError) as exc:
        price_line_consume(line=line, quantity=Decimal("5"), actor=buyer)
    assert exc.value.code == "contract_quantity_exceeded"
    assert PriceLine.objects.get(pk=line.pk).quantity_ordered == Decimal("6")
    assert contract.state == "active"


def test_active_price_for_ignores_drafts_other_suppliers_and_dates_outside(
    supplier_a, supplier_b, buyer, draft
):
    assert active_price_for(supplier_id=supplier_a.pk, item_code="IT-1", on_date=D) is None  # only a draft
    make_active_contract(supplier_b, lines=(LINE,), valid_to=date(2026, 12, 31))
    assert active_price_for(supplier_id=supplier_a.pk, item_code="IT-1", on_date=D) is None
    assert active_price_for(supplier_id=supplier_b.pk, item_code="IT-1", on_date=date(2027, 1, 1)) is None
    assert active_price_for(supplier_id=supplier_b.pk, item_code="IT-1", on_date=D).unit_price == Decimal(
        "1.25"
    )


def test_expiry_task_reminds_once_and_expires_once(supplier_a, django_capture_on_commit_callbacks):
    author = UserFactory(username="author-mail", role="buyer", email="author@example.cn")
    # made active while in force, then looked at from June 2026 (an ended contract is never approved)
    contract = make_active_contract(supplier_a, author=author, valid_to=date(2027, 6, 30))
    Contract.objects.filter(pk=contract.pk).update(valid_to=date(2026, 6, 30))
    PriceLine.objects.filter(version__contract=contract).update(valid_to=date(2026, 6, 30))
    with django_capture_on_commit_callbacks(execute=True):
        assert contract_expiry_check(today=date(2026, 6, 10)) == {"reminded": 1, "expired": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert contract_expiry_check(today=date(2026, 6, 11)) == {"reminded": 0, "expired": 0}
    # the author through the notification inbox's e-mail, the supplier's contact address directly
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["author@example.cn", supplier_a.contact_email] if supplier_a.contact_email else ["author@example.cn"]
    )
    assert all(contract.number in m.subject for m in mail.outbox)
    assert contract_expiry_check(today=date(2026, 7, 1)) == {"reminded": 0, "expired": 1}
    assert contract_expiry_check(today=date(2026, 7, 2)) == {"reminded": 0, "expired": 0}
    assert Contract.objects.get(pk=contract.pk).state == "expired"
    assert TransitionLog.objects.filter(object_id=str(contract.pk), transition="expire").count() == 1
    assert active_price_for(supplier_id=supplier_a.pk, item_code="IT-1", on_date=date(2026, 6, 20)) is None


def test_supplier_users_see_only_their_own_agreed_contracts(supplier_a, supplier_b, supplier_user_a, draft):
    own = make_active_contract(supplier_a)
    make_active_contract(supplier_b)
    assert list(contract_list(supplier_user_a)) == [own]  # not the draft, not B's


def test_invalid_tax_rate_and_negative_price_are_refused(draft, buyer):
    with pytest.raises(DomainError) as exc:
        price_line_add(contract=draft, actor=buyer, **{**LINE, "item_code": "X", "tax_rate": "0.17"})
    assert exc.value.code == "invalid_tax_rate"
    with pytest.raises(DomainError) as exc:
        price_line_add(contract=draft, actor=buyer, **{**LINE, "item_code": "X", "unit_price": "-1"})
    assert exc.value.code == "invalid_price"
    assert PriceLine.objects.count() == 1


def test_portal_pages_for_buyer_detail_diff_and_home_panel(draft, buyer, buyer2, client_as):
    contract_transition(contract=draft, name="submit", actor=buyer)
    home = client_as(buyer2).get("/").content.decode()
    assert draft.number in home
    client = client_as(buyer2)
    assert client.post(f"/contracts/{draft.pk}/approve/").status_code == 302
    assert client.post(f"/contracts/{draft.pk}/amend/", {"reason": "new prices"}).status_code == 302
    assert "IT-1" in client.get(f"/contracts/{draft.pk}/").content.decode()
    assert client.get(f"/contracts/{draft.pk}/diff/?from=1&to=1").status_code == 200


def test_the_contract_pdf_contains_the_chinese_supplier_name(supplier_a, supplier_user_a, client_as):
    from pypdf import PdfReader

    contract = make_active_contract(supplier_a)
    response = client_as(supplier_user_a).get(f"/contracts/{contract.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Supplier A 甲" in text
    assert "螺丝" in text
