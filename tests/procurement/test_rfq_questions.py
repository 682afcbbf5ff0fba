"""Questions on an RFQ: an invited supplier asks before the deadline, a buyer answers, and the
answer (with the question, never who asked) reaches every invited supplier on the RFQ page, in
the inbox and by e-mail."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Notification
from procurement.models import RFQ, RFQQuestion
from tests.factories import UserFactory, make_rfq, make_supplier_user

pytestmark = pytest.mark.django_db
QUESTION = "M8 螺栓需要镀锌吗？ Must the M8 bolts be galvanised?"
ANSWER = "需要热镀锌。 Yes, hot-dip galvanised."


@pytest.fixture
def rfq(buyer, supplier_a, supplier_b):
    return make_rfq(buyer=buyer, suppliers=[supplier_a, supplier_b], lines=((10,), (4,)), title="螺栓 bolts")


def _ask(client, user, rfq, text=QUESTION):
    client.force_login(user)
    page = f"/procurement/rfqs/{rfq.pk}/"
    return client.post(f"{page}questions/", {"question": text}, follow=True, HTTP_REFERER=page)


def test_a_supplier_asks_on_the_rfq_page_and_the_buyer_is_notified_and_sees_who_asked(
    client, buyer, rfq, supplier_user_a, django_capture_on_commit_callbacks
):
    buyer.email = "buyer@portal.example.cn"
    buyer.save()
    with django_capture_on_commit_callbacks(execute=True):
        page = _ask(client, supplier_user_a, rfq)
    assert page.status_code == 200 and QUESTION in page.content.decode()
    question = RFQQuestion.objects.get()
    assert (question.rfq, question.supplier_id, question.asked_by) == (
        rfq,
        supplier_user_a.membership.supplier_id,
        supplier_user_a,
    )
    note = Notification.objects.get(user=buyer, kind="rfq_question")
    assert QUESTION in note.body and note.url == f"/procurement/rfqs/{rfq.pk}/"
    assert [m.to for m in mail.outbox] == [["buyer@portal.example.cn"]]
    client.force_login(buyer)
    detail = client.get(f"/procurement/rfqs/{rfq.pk}/").content.decode()
    assert QUESTION in detail and "Supplier A 甲" in detail and "Publish answer" in detail


def test_before_the_answer_only_the_asking_supplier_sees_its_question(
    client, rfq, supplier_user_a, supplier_user_b
):
    _ask(client, supplier_user_a, rfq)
    client.force_login(supplier_user_b)
    assert QUESTION not in client.get(f"/procurement/rfqs/{rfq.pk}/").content.decode()
    assert client.get(f"/api/rfqs/{rfq.pk}/questions").json() == []


def test_the_buyers_answer_reaches_every_invited_supplier_without_saying_who_asked(
    client, buyer, rfq, supplier_a, supplier_user_a, supplier_user_b, django_capture_on_commit_callbacks
):
    colleague_b = make_supplier_user(supplier_user_b.membership.supplier, "bob2")
    for user in (supplier_user_a, supplier_user_b, colleague_b):
        user.email = f"{user.username}@example.cn"
        user.save()
    _ask(client, supplier_user_a, rfq)
    question = RFQQuestion.objects.get()
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            f"/procurement/rfqs/{rfq.pk}/questions/{question.pk}/answer/", {"answer": ANSWER}, follow=True
        )
    assert page.status_code == 200 and ANSWER in page.content.decode()
    question.refresh_from_db()
    assert question.answer == ANSWER and question.answered_by == buyer and question.answered_at

    for user in (supplier_user_a, supplier_user_b, colleague_b):
        note = Notification.objects.get(user=user, kind="rfq_answer")
        assert QUESTION in note.body and ANSWER in note.body and "Supplier A" not in note.body
    answer_mails = [m for m in mail.outbox if ANSWER in m.body]
    assert sorted(m.to[0] for m in answer_mails) == ["alice@example.cn", "bob2@example.cn", "bob@example.cn"]
    assert not Notification.objects.filter(user=buyer, kind="rfq_answer").exists()

    client.force_login(supplier_user_b)
    detail = client.get(f"/procurement/rfqs/{rfq.pk}/").content.decode()
    assert QUESTION in detail and ANSWER in detail and "Supplier A 甲" not in detail
    api = client.get(f"/api/rfqs/{rfq.pk}/questions").json()
    assert [(q["question"], q["answer"], q["supplier_id"]) for q in api] == [(QUESTION, ANSWER, None)]


def test_a_supplier_cannot_answer_and_a_question_is_answered_once(client, buyer, rfq, supplier_user_a):
    _ask(client, supplier_user_a, rfq)
    question = RFQQuestion.objects.get()
    refused = client.post(f"/procurement/rfqs/{rfq.pk}/questions/{question.pk}/answer/", {"answer": "x"})
    assert refused.status_code == 403 and RFQQuestion.objects.get().answer == ""
    client.force_login(buyer)
    client.post(f"/procurement/rfqs/{rfq.pk}/questions/{question.pk}/answer/", {"answer": ANSWER})
    again = client.post(
        f"/procurement/rfqs/{rfq.pk}/questions/{question.pk}/answer/",
        {"answer": "changed"},
        follow=True,
        HTTP_REFERER=f"/procurement/rfqs/{rfq.pk}/",
    )
    assert "already answered" in again.content.decode()
    assert RFQQuestion.objects.get().answer == ANSWER


def test_an_empty_or_overlong_question_is_refused_with_a_message_and_nothing_is_stored(
    client, rfq, supplier_user_a
):
    empty = _ask(client, supplier_user_a, rfq, text="   ")
    assert "Question is empty" in empty.content.decode()
    long = _ask(client, supplier_user_a, rfq, text="问" * 2001)
    assert "too long" in long.content.decode()
    assert not RFQQuestion.objects.exists()


def test_no_question_after_the_deadline_and_none_from_an_uninvited_supplier(
    client, buyer, supplier_a, supplier_user_a, supplier_user_b
):
    rfq = make_rfq(buyer=buyer, suppliers=[supplier_a])
    RFQ.objects.filter(pk=rfq.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    late = _ask(client, supplier_user_a, rfq)
    assert "no longer takes questions" in late.content.decode()
    assert _ask(client, supplier_user_b, rfq).status_code == 404  # not invited: the RFQ does not exist for it
    assert not RFQQuestion.objects.exists()


def test_questions_through_the_api(client, buyer, rfq, supplier_user_a):
    from core.services import api_token_create

    def call(user, method, url, body=None):
        raw = api_token_create(user=user, name="erp")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(client, method)(url, **kwargs)

    asked = call(supplier_user_a, "post", f"/api/rfqs/{rfq.pk}/questions", {"question": QUESTION})
    assert asked.status_code == 201, asked.content
    empty = call(supplier_user_a, "post", f"/api/rfqs/{rfq.pk}/questions", {"question": ""})
    assert empty.status_code == 422 and empty.json()["code"] == "question_required"
    qid = asked.json()["id"]
    answered = call(buyer, "post", f"/api/rfqs/{rfq.pk}/questions/{qid}/answer", {"answer": ANSWER})
    assert answered.status_code == 200 and answered.json()["answer"] == ANSWER
    listed = call(buyer, "get", f"/api/rfqs/{rfq.pk}/questions").json()
    assert listed[0]["supplier_id"] == supplier_user_a.membership.supplier_id
    other_buyer = UserFactory(username="b7", role="buyer")
    assert call(other_buyer, "get", f"/api/rfqs/{rfq.pk}/questions").status_code == 200
