"""Questions and answers on a published RFQ (clarifications).

An invited supplier asks until the deadline; a buyer answers, and the answer (with the question,
never who asked it) reaches every invited supplier: on the RFQ page and as a notification."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, IllegalTransition, NotFound, PermissionDenied

from ..models import RFQ, RFQQuestion, RFQState
from ..signals import rfq_question_answered, rfq_question_asked
from ._common import actor_supplier_id, require_buyer
from .rfq import InvalidInput, _text

MAX_QUESTION_CHARS = 2000
MAX_ANSWER_CHARS = 4000


def _required(text: str, *, code: str, label: str) -> str:
    if not text:
        params = {"label": label}
        raise InvalidInput(_("%(label)s is empty.") % params, code=code, details=params)
    return text


def rfq_question_ask(*, rfq: RFQ, actor, question: str) -> RFQQuestion:
    supplier_id = actor_supplier_id(actor, _("ask questions on RFQs"))
    question = _required(
        _text(question, limit=MAX_QUESTION_CHARS, field="question", label=_("Question")),
        code="question_required",
        label=_("Question"),
    )
    with transaction.atomic():
        rfq = RFQ.objects.select_for_update().get(pk=rfq.pk)
        if not rfq.invitations.filter(supplier_id=supplier_id).exists():
            raise PermissionDenied(_("Your company is not invited to this RFQ."), code="not_invited")
        if rfq.state != RFQState.PUBLISHED or (rfq.deadline and timezone.now() >= rfq.deadline):
            params = {"number": rfq.number}
            raise IllegalTransition(
                _("RFQ %(number)s no longer takes questions: its deadline has passed.") % params,
                code="questions_closed",
                details=params,
            )
        created = RFQQuestion.objects.create(
            rfq=rfq, supplier_id=supplier_id, asked_by=actor, question=question
        )
        rfq_question_asked.send(sender=RFQQuestion, question=created)
        return created


def rfq_question_answer(*, question: RFQQuestion, actor, answer: str) -> RFQQuestion:
    require_buyer(actor, _("answer questions on RFQs"))
    answer = _required(
        _text(answer, limit=MAX_ANSWER_CHARS, field="answer", label=_("Answer")),
        code="answer_required",
        label=_("Answer"),
    )
    with transaction.atomic():
        locked = RFQQuestion.objects.select_for_update().select_related("rfq").filter(pk=question.pk).first()
        if locked is None:
            raise NotFound(_("Question %(pk)s not found.") % {"pk": question.pk})
        if locked.is_answered:
            raise DomainError(_("This question is already answered."), code="already_answered")
        if locked.rfq.state != RFQState.PUBLISHED:
            params = {"number": locked.rfq.number}
            raise IllegalTransition(
                _("RFQ %(number)s is no longer open: its questions cannot be answered.") % params,
                code="questions_closed",
                details=params,
            )
        locked.answer = answer
        locked.answered_by = actor
        locked.answered_at = timezone.now()
        locked.save(update_fields=["answer", "answered_by", "answered_at"])
        rfq_question_answered.send(sender=RFQQuestion, question=locked)
        return locked
