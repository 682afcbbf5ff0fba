"""Supplier change proposals on POs, through the pages and the API: the supplier proposes per
line quantity, unit price or promised date with a reason; the buyer accepts (a new revision that
needs approval again) or declines with a reason; both show on the PO page and in its history,
and the supplier sees the outcome."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import TransitionLog
from core.services import api_token_create
from procurement.models import POChangeProposal, PurchaseOrder, PurchaseOrderRevision
from tests.factories import make_purchase_order

pytestmark = pytest.mark.django_db

SOON = timezone.localdate() + timedelta(days=10)


@pytest.fixture
def api(client):
    def call(user, method, url, body=None):
        raw = api_token_create(user=user, name="erp")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    return call


@pytest.fixture
def sent_po(buyer, supplier_a):
    return make_purchase_order(
        requester=buyer, supplier=supplier_a, lines=((100, "5.00"), (10, "2.00")), state="sent"
    )


def _propose(client, po, line, **fields):
    data = {"reason": fields.pop("reason", "原材料涨价 raw material price up")}
    for key, value in fields.items():
        data[f"cp_{key}_{line.pk}"] = value
    return client.post(f"/procurement/pos/{po.pk}/changes/", data, HTTP_REFERER=f"/procurement/pos/{po.pk}/")


def test_supplier_proposes_a_change_and_the_buyer_accepts_it_as_a_new_revision(
    client_as, buyer, approver, supplier_user_a, sent_po
):
    line = sent_po.lines.get(line_no=1)
    client = client_as(supplier_user_a)
    page = client.get(f"/procurement/pos/{sent_po.pk}/").content.decode()
    assert 'id="propose-change"' in page
    response = _propose(client, sent_po, line, qty="80", price="5.50", date=SOON.isoformat())
    assert response.status_code == 302
    proposal = POChangeProposal.objects.get(po=sent_po)
    assert proposal.state == "pending" and proposal.revision == 1
    pl = proposal.lines.get()
    assert (pl.quantity, pl.unit_price, pl.promised_date) == (Decimal("80"), Decimal("5.5"), SOON)
    assert (pl.old_quantity, pl.old_unit_price) == (Decimal("100"), Decimal("5"))
    page = client.get(f"/procurement/pos/{sent_po.pk}/").content.decode()
    assert "原材料涨价" in page and 'id="propose-change"' not in page  # one open proposal at a time

    buyer_client = client_as(buyer)
    page = buyer_client.get(f"/procurement/pos/{sent_po.pk}/").content.decode()
    assert f"/procurement/pos/{sent_po.pk}/changes/{proposal.pk}/accept/" in page
    response = buyer_client.post(
        f"/procurement/pos/{sent_po.pk}/changes/{proposal.pk}/accept/", {"reason": "ok"}
    )
    assert response.status_code == 302
    po = PurchaseOrder.objects.get(pk=sent_po.pk)
    line.refresh_from_db()
    assert po.revision == 2 and po.state == "pending_approval"
    assert (line.quantity, line.unit_price, line.promised_date) == (Decimal("80"), Decimal("5.5"), SOON)
    assert PurchaseOrderRevision.objects.get(po=po).snapshot["lines"][0]["quantity"] == "100.000000"
    proposal.refresh_from_db()
    assert proposal.state == "accepted" and proposal.resulting_revision == 2 and proposal.decided_by == buyer
    log = list(TransitionLog.objects.filter(object_id=str(po.pk)).values_list("transition", flat=True))
    assert {"propose_change", "revise", "accept_change"} <= set(log)
    # the revision needs approval by someone else, then the supplier acknowledges again
    assert "approve" not in buyer_client.get(f"/procurement/pos/{po.pk}/").context["actions"]
    client_as(approver).post(f"/procurement/pos/{po.pk}/do/approve/")
    buyer_client = client_as(buyer)
    buyer_client.post(f"/procurement/pos/{po.pk}/do/send/")
    assert PurchaseOrder.objects.get(pk=po.pk).state == "sent"
    supplier_page = client_as(supplier_user_a).get(f"/procurement/pos/{po.pk}/").content.decode()
    assert "revision 2" in supplier_page or "修订 2" in supplier_page or "Accepted by buyer1" in supplier_page


def test_buyer_declines_with_a_reason_and_the_supplier_sees_it(client_as, buyer, supplier_user_a, sent_po):
    line = sent_po.lines.get(line_no=2)
    _propose(client_as(supplier_user_a), sent_po, line, date=SOON.isoformat(), reason="交期推迟")
    proposal = POChangeProposal.objects.get()
    buyer_client = client_as(buyer)
    url = f"/procurement/pos/{sent_po.pk}/changes/{proposal.pk}/decline/"
    buyer_client.post(url, {"reason": " "}, HTTP_REFERER=f"/procurement/pos/{sent_po.pk}/")
    assert POChangeProposal.objects.get().state == "pending"
    buyer_client.post(url, {"reason": "项目不能延期 project cannot slip"})
    proposal.refresh_from_db()
    assert proposal.state == "declined" and proposal.decision_reason == "项目不能延期 project cannot slip"
    po = PurchaseOrder.objects.get(pk=sent_po.pk)
    assert po.revision == 1 and po.state == "sent"
    page = client_as(supplier_user_a).get(f"/procurement/pos/{sent_po.pk}/").content.decode()
    assert "项目不能延期 project cannot slip" in page and 'id="propose-change"' in page  # may propose again
    assert TransitionLog.objects.filter(object_id=str(po.pk), transition="decline_change").exists()


def test_a_promised_date_only_change_is_recorded_without_new_approval(
    client_as, buyer, supplier_user_a, sent_po
):
    line = sent_po.lines.get(line_no=1)
    _propose(client_as(supplier_user_a), sent_po, line, date=SOON.isoformat())
    proposal = POChangeProposal.objects.get()
    client_as(buyer).post(f"/procurement/pos/{sent_po.pk}/changes/{proposal.pk}/accept/")
    po = PurchaseOrder.objects.get(pk=sent_po.pk)
    line.refresh_from_db()
    assert po.state == "sent" and po.revision == 2 and line.promised_date == SOON
    # the acknowledgement form offers the agreed date
    page = client_as(supplier_user_a).get(f"/procurement/pos/{po.pk}/").content.decode()
    assert f'value="{SOON.isoformat()}"' in page


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"qty": "1e30"}, "Quantity is too large: at most 1,000,000,000."),
        ({"qty": "99999999999999999999"}, "Quantity is too large: at most 1,000,000,000."),
        ({"price": "99999999999999999999"}, "Unit price is too large: it must be below 1,000,000,000,000."),
        ({"qty": "-5"}, "Quantity cannot be negative."),
        ({"date": "2020-01-01"}, "Promised delivery date 2020-01-01 is in the past."),
        ({"reason": ""}, ""),
        ({}, ""),
    ],
)
def test_a_bad_proposal_is_refused_with_a_message_and_nothing_is_stored(
    client_as, supplier_user_a, sent_po, fields, message
):
    line = sent_po.lines.get(line_no=1)
    client = client_as(supplier_user_a)
    response = _propose(client, sent_po, line, **fields)
    assert response.status_code == 302
    assert not POChangeProposal.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert 'class="msg error"' in page
    assert message in page


def test_another_supplier_cannot_see_or_propose_and_the_buyer_cannot_propose(
    client_as, buyer, supplier_user_b, sent_po
):
    line = sent_po.lines.get(line_no=1)
    assert _propose(client_as(supplier_user_b), sent_po, line, qty="5").status_code == 404
    response = _propose(client_as(buyer), sent_po, line, qty="5")
    assert response.status_code in (302, 403) and not POChangeProposal.objects.exists()


def test_the_api_proposes_accepts_and_refuses_with_codes(api, buyer, supplier_user_a, sent_po):
    line = sent_po.lines.get(line_no=1)
    base = f"/api/purchase-orders/{sent_po.pk}/change-proposals"
    bad = api(
        supplier_user_a, "post", base, {"reason": "x", "lines": [{"po_line_id": line.pk, "quantity": "1e30"}]}
    )
    assert bad.status_code == 422 and (bad.json()["code"], bad.json()["field"]) == (
        "validation_error",
        "quantity",
    )
    past = api(
        supplier_user_a,
        "post",
        base,
        {"reason": "x", "lines": [{"po_line_id": line.pk, "promised_date": "2020-01-01"}]},
    )
    assert past.status_code == 422 and (past.json()["code"], past.json()["field"]) == (
        "validation_error",
        "promised_date",
    )
    assert not POChangeProposal.objects.exists()
    made = api(
        supplier_user_a,
        "post",
        base,
        {"reason": "涨价", "lines": [{"po_line_id": line.pk, "unit_price": "6"}]},
    )
    assert made.status_code == 201, made.content
    proposal_id = made.json()["id"]
    again = api(
        supplier_user_a,
        "post",
        base,
        {"reason": "again", "lines": [{"po_line_id": line.pk, "unit_price": "7"}]},
    )
    assert again.status_code == 409 and again.json()["code"] == "change_proposal_pending"
    accepted = api(buyer, "post", f"{base}/{proposal_id}/accept", {"reason": ""})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert accepted.json()["resulting_revision"] == 2
    listed = api(supplier_user_a, "get", base)  # the revision waits for approval: still visible
    assert listed.status_code == 200, listed.content
    assert listed.json()[0]["lines"][0]["unit_price"] == "6.000000"


def test_a_po_revised_before_it_was_ever_sent_stays_hidden_from_the_supplier(
    client_as, buyer, supplier_a, supplier_user_a
):
    from procurement import services

    po = make_purchase_order(requester=buyer, supplier=supplier_a, state="approved")
    services.purchase_order_revise(
        po=po, actor=buyer, reason="more", changes=[{"line_id": po.lines.get().pk, "quantity": "12"}]
    )
    assert client_as(supplier_user_a).get(f"/procurement/pos/{po.pk}/").status_code == 404
