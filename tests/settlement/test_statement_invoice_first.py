"""Invoice-first statements: gathering approved invoices and credit notes, deductions, editing a
draft, and the state machine up to approval — each refusal with its code and nothing changed."""

from datetime import date
from decimal import Decimal

import pytest

from core.errors import DomainError
from core.models import TransitionLog
from core.selectors import transition_log_for
from invoicing.models import Invoice
from settlement.models import Statement, StatementLine
from settlement.services import statements as svc
from tests.factories import LegalEntityFactory, UserFactory
from tests.settlement.statement_builders import PERIOD, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(db):
    return LegalEntityFactory(name="上海采购有限公司")


def _create(finance, supplier, entity, **kwargs):
    return svc.statement_create(
        kind="invoice_first",
        supplier=supplier,
        legal_entity=entity,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        actor=finance,
        **kwargs,
    )


def _state(obj):
    return type(obj).objects.get(pk=obj.pk).state


def _logs(obj, transition):
    return transition_log_for(obj).filter(transition=transition)


def test_finance_gathers_the_periods_approved_invoices_and_credit_notes_into_a_draft(
    finance, supplier_a, supplier_b, entity
):
    inv1 = make_invoice(supplier_a, entity, lines=(("1000.00", "0.13"),))
    inv2 = make_invoice(supplier_a, entity, lines=(("200.00", "0.06"), ("100.00", "0.13")))
    credit = make_invoice(supplier_a, entity, lines=(("100.00", "0.13"),), credit_note=True, corrects=inv1)
    # not gathered: outside the period, not approved, another supplier, another legal entity
    late = make_invoice(supplier_a, entity, issue_date=date(2026, 4, 1))
    unmatched = make_invoice(supplier_a, entity, state="exception")
    foreign = make_invoice(supplier_b, entity)
    other_entity = make_invoice(supplier_a, LegalEntityFactory())

    statement = _create(finance, supplier_a, entity)

    assert statement.state == "draft" and statement.number.startswith("ST-")
    assert set(statement.lines.values_list("invoice_id", flat=True)) == {inv1.pk, inv2.pk, credit.pk}
    assert statement.lines.get(invoice=credit).kind == "credit_note"
    assert statement.lines.get(invoice=credit).gross == Decimal("-113.00")
    assert statement.net_total == Decimal("1200.00")  # 1000 + 300 - 100
    assert statement.tax_total == Decimal("130.00") + Decimal("25.00") - Decimal("13.00")
    assert statement.gross_total == statement.net_total + statement.tax_total
    for invoice in (inv1, inv2, credit):
        assert _state(invoice) == "scheduled"
        log = _logs(invoice, "schedule").get()
        assert log.actor == finance and statement.number in log.reason
    for invoice, state in (
        (late, "approved"),
        (unmatched, "exception"),
        (foreign, "approved"),
        (other_entity, "approved"),
    ):
        assert _state(invoice) == state


def test_a_period_with_nothing_to_settle_creates_no_statement(finance, supplier_a, entity):
    make_invoice(supplier_a, entity, state="validated")
    with pytest.raises(DomainError) as exc:
        _create(finance, supplier_a, entity)
    assert exc.value.code == "nothing_to_settle"
    assert Statement.objects.count() == 0


@pytest.mark.parametrize("role", ["buyer", "supplier"])
def test_only_finance_creates_statements(role, supplier_a, supplier_user_a, entity):
    invoice = make_invoice(supplier_a, entity)
    actor = supplier_user_a if role == "supplier" else UserFactory(username="b", role="buyer")
    with pytest.raises(DomainError) as exc:
        _create(actor, supplier_a, entity)
    assert exc.value.code == "permission_denied"
    assert Statement.objects.count() == 0 and _state(invoice) == "approved"


def test_a_bad_period_is_refused(finance, supplier_a, entity):
    make_invoice(supplier_a, entity)
    with pytest.raises(DomainError) as exc:
        svc.statement_create(
            kind="invoice_first",
            supplier=supplier_a,
            legal_entity=entity,
            period_from=date(2026, 3, 31),
            period_to=date(2026, 3, 1),
            actor=finance,
        )
    assert exc.value.code == "invalid_period" and Statement.objects.count() == 0


def test_an_invoice_in_an_open_statement_cannot_be_added_to_another(finance, supplier_a, entity):
    invoice = make_invoice(supplier_a, entity)
    first = _create(finance, supplier_a, entity)
    make_invoice(supplier_a, entity)  # so the second statement has something of its own
    second = _create(finance, supplier_a, entity)
    with pytest.raises(DomainError) as exc:
        svc.statement_invoice_add(statement=second, invoice=invoice, actor=finance)
    assert exc.value.code == "already_in_open_statement" and exc.value.status == 409
    assert first.number in exc.value.message
    assert StatementLine.objects.filter(invoice=invoice).count() == 1
    assert Statement.objects.get(pk=second.pk).gross_total == second.gross_total


def test_the_database_refuses_a_second_live_line_for_one_invoice(finance, supplier_a, entity):
    from django.db import IntegrityError, transaction

    invoice = make_invoice(supplier_a, entity)
    statement = _create(finance, supplier_a, entity)
    line = statement.lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.create(
            statement=statement, kind="invoice", invoice=invoice, net=line.net, tax=line.tax, gross=line.gross
        )


def test_finance_adds_and_removes_an_invoice_on_a_draft(finance, supplier_a, entity):
    make_invoice(supplier_a, entity)
    statement = _create(finance, supplier_a, entity)
    extra = make_invoice(supplier_a, entity, issue_date=date(2026, 4, 2), lines=(("50.00", "0.13"),))
    line = svc.statement_invoice_add(statement=statement, invoice=extra, actor=finance)
    statement.refresh_from_db()
    assert _state(extra) == "scheduled" and statement.gross_total == Decimal("1130.00") + Decimal("56.50")

    svc.statement_line_remove(statement=statement, line_id=line.pk, actor=finance)
    statement.refresh_from_db()
    assert _state(extra) == "approved" and statement.gross_total == Decimal("1130.00")
    assert _logs(extra, "unschedule").get().actor == finance
    assert not StatementLine.objects.filter(pk=line.pk).exists()


def test_adding_refuses_unapproved_foreign_and_other_entity_invoices(finance, supplier_a, supplier_b, entity):
    make_invoice(supplier_a, entity)
    statement = _create(finance, supplier_a, entity)
    cases = [
        (make_invoice(supplier_a, entity, state="validated"), "invoice_not_approved"),
        (make_invoice(supplier_b, entity), "not_found"),
        (make_invoice(supplier_a, LegalEntityFactory()), "invoice_other_legal_entity"),
        (make_invoice(supplier_a, entity, currency="EUR"), "currency_mismatch"),
    ]
    for invoice, code in cases:
        before = _state(invoice)
        with pytest.raises(DomainError) as exc:
            svc.statement_invoice_add(statement=statement, invoice=invoice, actor=finance)
        assert exc.value.code == code, invoice
        assert _state(invoice) == before
    assert statement.lines.count() == 1


def test_a_deduction_needs_finance_a_reason_and_a_positive_amount(
    finance, supplier_a, supplier_user_a, entity
):
    make_invoice(supplier_a, entity)
    statement = _create(finance, supplier_a, entity)
    for kwargs, code in (
        ({"amount": "10", "reason": " ", "actor": finance}, "reason_required"),
        ({"amount": "-10", "reason": "penalty", "actor": finance}, "invalid_amount"),
        ({"amount": "abc", "reason": "penalty", "actor": finance}, "invalid_amount"),
        ({"amount": "10", "reason": "penalty", "actor": supplier_user_a}, "permission_denied"),
    ):
        with pytest.raises(DomainError) as exc:
            svc.statement_deduction_add(statement=statement, **kwargs)
        assert exc.value.code == code
    assert statement.lines.count() == 1

    svc.statement_deduction_add(
        statement=statement, amount="30.00", reason="迟交罚款 late delivery", actor=finance
    )
    statement.refresh_from_db()
    assert statement.gross_total == Decimal("1100.00")
    assert statement.lines.get(kind="deduction").reason == "迟交罚款 late delivery"


def test_the_statement_goes_sent_confirmed_approved(finance, supplier_a, supplier_user_a, entity):
    make_invoice(supplier_a, entity)
    statement = _create(finance, supplier_a, entity)
    statement = svc.statement_send(statement=statement, actor=finance)
    assert statement.state == "sent" and statement.sent_at is not None
    statement = svc.statement_confirm(statement=statement, actor=supplier_user_a, reason="ok")
    assert statement.state == "confirmed"
    assert not hasattr(statement, "invoice_plan") or statement.invoice_plan is None
    statement = svc.statement_approve(statement=statement, actor=other_finance())
    assert statement.state == "approved"
    assert list(_logs(statement, "send").values_list("actor__username", flat=True)) == [finance.username]
    assert _logs(statement, "confirm").get().actor == supplier_user_a
    assert _logs(statement, "approve").get().actor == other_finance()


def test_a_disputed_statement_needs_a_reason_and_goes_back_to_draft_for_finance(
    finance, supplier_a, supplier_user_a, entity
):
    invoice = make_invoice(supplier_a, entity)
    statement = svc.statement_send(statement=_create(finance, supplier_a, entity), actor=finance)
    with pytest.raises(DomainError) as exc:
        svc.statement_dispute(statement=statement, actor=supplier_user_a, reason="")
    assert exc.value.code == "reason_required" and _state(statement) == "sent"

    statement = svc.statement_dispute(
        statement=statement, actor=supplier_user_a, reason="金额不符 amount wrong"
    )
    assert statement.state == "disputed" and statement.dispute_reason == "金额不符 amount wrong"
    assert _logs(statement, "dispute").get().reason == "金额不符 amount wrong"
    statement = svc.statement_revise(statement=statement, actor=finance, reason="corrected")
    assert statement.state == "draft" and _state(invoice) == "scheduled"
    svc.statement_deduction_add(statement=statement, amount="13.00", reason="agreed discount", actor=finance)
    statement = svc.statement_send(statement=statement, actor=finance)
    assert svc.statement_confirm(statement=statement, actor=supplier_user_a).state == "confirmed"


def test_another_supplier_cannot_confirm_or_dispute(finance, supplier_a, supplier_user_b, entity):
    make_invoice(supplier_a, entity)
    statement = svc.statement_send(statement=_create(finance, supplier_a, entity), actor=finance)
    for call in (svc.statement_confirm, svc.statement_dispute):
        with pytest.raises(DomainError) as exc:
            call(statement=statement, actor=supplier_user_b, reason="x")
        assert exc.value.code == "not_found"
    assert _state(statement) == "sent"


def test_wrong_roles_and_wrong_states_are_refused_and_change_nothing(
    finance, buyer, supplier_a, supplier_user_a, entity
):
    make_invoice(supplier_a, entity)
    statement = _create(finance, supplier_a, entity)
    checks = [
        (lambda: svc.statement_confirm(statement=statement, actor=supplier_user_a), "illegal_transition"),
        (lambda: svc.statement_approve(statement=statement, actor=other_finance()), "illegal_transition"),
        (lambda: svc.statement_send(statement=statement, actor=buyer), "permission_denied"),
        (lambda: svc.statement_send(statement=statement, actor=supplier_user_a), "permission_denied"),
        (lambda: svc.statement_confirm(statement=statement, actor=finance), "permission_denied"),
        (lambda: svc.statement_revise(statement=statement, actor=finance), "illegal_transition"),
    ]
    logs = TransitionLog.objects.count()
    for call, code in checks:
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == code
    assert _state(statement) == "draft" and TransitionLog.objects.count() == logs

    statement = svc.statement_send(statement=statement, actor=finance)
    for call, code in (
        (
            lambda: svc.statement_deduction_add(statement=statement, amount="1", reason="r", actor=finance),
            "statement_not_draft",
        ),
        (
            lambda: svc.statement_line_remove(
                statement=statement, line_id=statement.lines.get().pk, actor=finance
            ),
            "statement_not_draft",
        ),
        (lambda: svc.statement_approve(statement=statement, actor=other_finance()), "illegal_transition"),
    ):
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == code
    assert _state(statement) == "sent" and statement.lines.count() == 1


def test_a_statement_whose_total_is_not_positive_cannot_be_sent(finance, supplier_a, entity):
    make_invoice(supplier_a, entity, lines=(("100.00", "0.13"),))
    statement = _create(finance, supplier_a, entity)
    svc.statement_deduction_add(statement=statement, amount="113.00", reason="full refund", actor=finance)
    with pytest.raises(DomainError) as exc:
        svc.statement_send(statement=statement, actor=finance)
    assert exc.value.code == "statement_total_not_positive" and _state(statement) == "draft"


def test_cancelling_frees_the_invoices_for_another_statement(finance, supplier_a, supplier_user_a, entity):
    invoice = make_invoice(supplier_a, entity)
    statement = svc.statement_send(statement=_create(finance, supplier_a, entity), actor=finance)
    with pytest.raises(DomainError) as exc:
        svc.statement_cancel(statement=statement, actor=finance, reason="")
    assert exc.value.code == "reason_required"

    statement = svc.statement_cancel(statement=statement, actor=finance, reason="wrong period")
    assert statement.state == "cancelled"
    assert _state(invoice) == "approved" and "wrong period" in _logs(invoice, "unschedule").get().reason
    assert not statement.lines.filter(is_live=True).exists() and statement.lines.count() == 1
    again = _create(finance, supplier_a, entity)
    assert again.lines.get().invoice_id == invoice.pk and _state(invoice) == "scheduled"


def test_a_confirmed_statement_cannot_be_cancelled(finance, supplier_a, supplier_user_a, entity):
    invoice = make_invoice(supplier_a, entity)
    statement = svc.statement_send(statement=_create(finance, supplier_a, entity), actor=finance)
    svc.statement_confirm(statement=statement, actor=supplier_user_a)
    with pytest.raises(DomainError) as exc:
        svc.statement_cancel(statement=statement, actor=finance, reason="late")
    assert exc.value.code == "illegal_transition"
    assert _state(statement) == "confirmed" and Invoice.objects.get(pk=invoice.pk).state == "scheduled"


def test_gathering_again_adds_invoices_approved_since(finance, supplier_a, supplier_b, entity):
    make_invoice(supplier_a, entity)
    statement = _create(finance, supplier_a, entity)
    late = make_invoice(supplier_a, entity, lines=(("10.00", "0.13"),))
    assert svc.statement_gather(statement=statement, actor=finance) == 1
    assert svc.statement_gather(statement=statement, actor=finance) == 0
    statement.refresh_from_db()
    assert _state(late) == "scheduled" and statement.gross_total == Decimal("1141.30")


def other_finance():
    """A second finance user: who prepared a statement does not approve it (four eyes)."""
    from tests.factories import UserFactory

    return UserFactory(username="finance-approver", role="finance")
