"""Hypothesis stateful test over the purchase-order API: any sequence of calls, by any role, with
any reasonable or unreasonable payload, leaves the PO in a state its machine allows.

After every call: no server error; a refused call changed nothing; every state change is one of
the model's declared transitions, logged once; the transition log is an unbroken chain from
`draft` to the current state; received quantities agree with the state.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from core.models import TransitionLog
from core.services import api_token_create
from procurement.models import POState, PurchaseOrder
from tests.factories import ItemFactory, LegalEntityFactory, SupplierFactory, UserFactory, make_supplier_user

ACTORS = ["buyer", "other_buyer", "finance", "supplier", "other_supplier"]
QUANTITIES = ["0", "1", "2.5", "5", "10", "11", "-1", "0.0000001", "1e3", "x"]
SIMPLE_ACTIONS = ["submit", "approve", "decline", "send", "reject", "cancel", "close"]
PRE_RECEIPT = {
    POState.DRAFT,
    POState.PENDING_APPROVAL,
    POState.APPROVED,
    POState.SENT,
    POState.ACKNOWLEDGED,
    POState.REJECTED,
    POState.CANCELLED,
}


def declared_transitions() -> set[tuple[str, str, str]]:
    edges = set()
    for t in PurchaseOrder().get_all_state_transitions():
        edges.add((str(t.source), str(t.target), t.name))
    return edges


class PurchaseOrderMachine(RuleBasedStateMachine):
    world: dict = {}  # users, tokens, entity, supplier, items: set by the test

    @initialize()
    def create_po(self):
        w = self.world
        self.client = w["client"]
        self.edges = w["edges"]
        response = self.call(
            "buyer",
            "/api/purchase-orders",
            {
                "legal_entity_id": w["entity"].pk,
                "supplier_id": w["supplier"].pk,
                "lines": [
                    {"item_id": w["items"][0].pk, "quantity": "10", "unit_price": "12.50"},
                    {"item_id": w["items"][1].pk, "quantity": "5", "unit_price": "3"},
                ],
            },
        )
        assert response.status_code == 201, response.content
        self.po_id = response.json()["id"]
        self.line_ids = list(
            PurchaseOrder.objects.get(pk=self.po_id).lines.order_by("line_no").values_list("pk", flat=True)
        )

    # -- calling the API ---------------------------------------------------------------------

    def call(self, actor: str, url: str, body: dict):
        return self.client.post(
            url,
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.world['tokens'][actor]}",
        )

    def snapshot(self):
        po = PurchaseOrder.objects.get(pk=self.po_id)
        received = tuple(po.lines.order_by("line_no").values_list("received_qty", flat=True))
        return po.state, received, self.logs().count()

    def logs(self):
        return TransitionLog.objects.filter(content_type__model="purchaseorder", object_id=str(self.po_id))

    def act(self, actor: str, action: str, body: dict):
        before = self.snapshot()
        response = self.call(actor, f"/api/purchase-orders/{self.po_id}/{action}", body)
        assert response.status_code < 500, f"{action} by {actor} with {body}: {response.status_code}"
        after = self.snapshot()
        if response.status_code >= 400:
            assert response.json()["code"], response.content
            assert after == before, (
                f"refused {action} by {actor} ({response.status_code}) changed {before} → {after}"
            )
            return
        new_logs = list(self.logs().order_by("at", "id"))[before[2] :]
        state_before, state_after = before[0], after[0]
        if state_before == state_after:
            assert new_logs == [], f"{action}: logged {new_logs} without a state change"
        else:
            assert [log.source for log in new_logs][0] == state_before
            assert new_logs[-1].target == state_after

    # -- the rules ---------------------------------------------------------------------------

    @rule(
        actor=st.sampled_from(ACTORS),
        action=st.sampled_from(SIMPLE_ACTIONS),
        reason=st.sampled_from(["", "because", "  "]),
    )
    def simple_action(self, actor, action, reason):
        self.act(actor, action, {"reason": reason})

    @rule(
        actor=st.sampled_from(ACTORS),
        every_line=st.booleans(),
        date=st.sampled_from(["2099-12-01", "2000-01-01"]),
    )
    def acknowledge(self, actor, every_line, date):
        lines = self.line_ids if every_line else self.line_ids[:1]
        self.act(actor, "acknowledge", {"promised_dates": {str(pk): date for pk in lines}})

    @rule(actor=st.sampled_from(ACTORS), line=st.integers(0, 1), quantity=st.sampled_from(QUANTITIES))
    def revise(self, actor, line, quantity):
        self.act(
            actor,
            "revise",
            {"reason": "change", "changes": [{"line_id": self.line_ids[line], "quantity": quantity}]},
        )

    @rule(
        actor=st.sampled_from(ACTORS),
        line=st.integers(0, 1),
        accepted=st.sampled_from(QUANTITIES),
        rejected=st.sampled_from(["0", "1"]),
    )
    def receive(self, actor, line, accepted, rejected):
        body = {
            "lines": [{"po_line_id": self.line_ids[line], "accepted_qty": accepted, "rejected_qty": rejected}]
        }
        self.act(actor, "receipts", body)

    @rule(
        actor=st.sampled_from(ACTORS),
        quantities=st.tuples(st.sampled_from(["10", "5"]), st.sampled_from(["5", "0"])),
    )
    def receive_everything(self, actor, quantities):
        lines = [
            {"po_line_id": pk, "accepted_qty": q} for pk, q in zip(self.line_ids, quantities, strict=True)
        ]
        self.act(actor, "receipts", {"lines": lines})

    @rule(actor=st.sampled_from(ACTORS), line=st.integers(0, 1), quantity=st.sampled_from(QUANTITIES))
    def return_goods(self, actor, line, quantity):
        body = {"lines": [{"po_line_id": self.line_ids[line], "quantity": quantity, "reason": "damaged"}]}
        self.act(actor, "returns", body)

    @rule(choices=st.lists(st.integers(0, 9), min_size=1, max_size=4))
    def advance(self, choices):
        """Legal next steps by the right person with a proper payload (mostly the happy path), so
        deep and unhappy states (received, closed, rejected, cancelled, revised) are reached too."""
        for choice in choices:
            self.legal_step(choice)

    def legal_step(self, choice):
        po = PurchaseOrder.objects.get(pk=self.po_id)
        approver = "other_buyer" if po.requester_id == self.world["users"]["buyer"].pk else "buyer"
        lines = list(po.lines.order_by("line_no"))
        missing = [
            {"po_line_id": x.pk, "accepted_qty": str(x.quantity - x.received_qty)}
            for x in lines
            if x.received_qty < x.quantity
        ]
        received = [
            {"po_line_id": x.pk, "quantity": str(x.received_qty), "reason": "damaged"}
            for x in lines
            if x.received_qty > 0
        ]
        dates = {"promised_dates": {str(x.pk): "2099-12-01" for x in lines}}
        revise = {
            "reason": "more",
            "changes": [{"line_id": lines[0].pk, "quantity": str(lines[0].quantity + 1)}],
        }
        cancel = ("buyer", "cancel", {"reason": "not needed"})  # listed last: the rarest choice
        options = {
            POState.DRAFT: [("buyer", "submit", {}), cancel],
            POState.PENDING_APPROVAL: [
                (approver, "approve", {}),
                (approver, "decline", {"reason": "too much"}),
                cancel,
            ],
            POState.APPROVED: [("buyer", "send", {}), ("other_buyer", "revise", revise), cancel],
            POState.SENT: [
                ("supplier", "acknowledge", dates),
                ("supplier", "reject", {"reason": "no stock"}),
                cancel,
            ],
            POState.ACKNOWLEDGED: [
                ("buyer", "receipts", {"lines": missing[:1]}),
                ("buyer", "revise", revise),
                cancel,
            ],
            POState.REJECTED: [("buyer", "revise", revise), cancel],
            POState.PARTIALLY_RECEIVED: [
                ("buyer", "receipts", {"lines": missing[:1]}),
                ("buyer", "returns", {"lines": received[:1]}),
                ("buyer", "close", {"reason": "rest not needed"}),
            ],
            POState.RECEIVED: [("buyer", "close", {}), ("buyer", "returns", {"lines": received[:1]})],
        }.get(po.state, [])
        if options:
            self.act(*options[0 if choice < 7 else 1 + choice % (len(options) - 1)])

    # -- invariants --------------------------------------------------------------------------

    @invariant()
    def the_po_is_in_a_state_its_machine_allows(self):
        po = PurchaseOrder.objects.get(pk=self.po_id)
        assert po.state in POState.values

        # the transition log is an unbroken chain of declared transitions ending in the state
        current = POState.DRAFT
        for log in self.logs().order_by("at", "id"):
            assert (log.source, log.target, log.transition) in self.edges, f"undeclared {log}"
            assert log.source == current, f"log jumps from {current} to {log}"
            current = log.target
        assert current == po.state

        # received quantities agree with the state
        lines = list(po.lines.all())
        assert all(line.received_qty >= 0 for line in lines)
        done = all(line.received_qty >= line.quantity for line in lines)
        if po.state in PRE_RECEIPT:
            assert all(line.received_qty == 0 for line in lines), po.state
        elif po.state == POState.RECEIVED:
            assert done
        elif po.state == POState.PARTIALLY_RECEIVED:
            assert not done

        # the supplier sees the PO only once it was sent
        response = self.client.get(
            f"/api/purchase-orders/{self.po_id}",
            HTTP_AUTHORIZATION=f"Bearer {self.world['tokens']['supplier']}",
        )
        hidden = po.state in (POState.DRAFT, POState.PENDING_APPROVAL, POState.APPROVED)
        assert response.status_code == (404 if hidden else 200), (po.state, response.status_code)


@pytest.mark.django_db
def test_no_sequence_of_api_calls_leaves_a_purchase_order_in_a_state_its_machine_does_not_allow(client):
    client.raise_request_exception = False
    supplier = SupplierFactory(state="approved")
    users = {
        "buyer": UserFactory(username="sm-buyer", role="buyer"),
        "other_buyer": UserFactory(username="sm-buyer-2", role="buyer"),
        "finance": UserFactory(username="sm-finance", role="finance"),
        "supplier": make_supplier_user(supplier, "sm-supplier"),
        "other_supplier": make_supplier_user(SupplierFactory(state="approved"), "sm-other-supplier"),
    }
    PurchaseOrderMachine.world = {
        "client": client,
        "users": users,
        "edges": declared_transitions(),
        "tokens": {name: api_token_create(user=user, name="sm")[1] for name, user in users.items()},
        "entity": LegalEntityFactory(),
        "supplier": supplier,
        "items": [ItemFactory(), ItemFactory()],
    }
    run_state_machine_as_test(
        PurchaseOrderMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
