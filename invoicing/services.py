"""Invoice intake: upload (store once, refuse hostile files), validation (Celery task)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core import bounds
from core.errors import Conflict, DomainError, PermissionDenied
from core.queue import enqueue, enqueue_on_commit
from core.services import transition_locked
from core.texts import register, text
from invoicing import storage
from invoicing.checks import check_file
from invoicing.formats.detect import parse_invoice
from invoicing.formats.model import Issue, NormalisedInvoice, Refused, Severity
from invoicing.reasons import refusal_text
from invoicing.tax_checks import tax_facts_record
from invoicing.validation import ValidationContext, comparable_tax_id, duplicate_key
from invoicing.verification import CHINESE_FORMATS
from procurement.models import LegalEntity
from suppliers.models import Supplier
from suppliers.services import supplier_require_approved

from .models import (
    IdempotencyKey,
    Invoice,
    InvoiceLine,
    InvoiceState,
    StoredFile,
    UploadRefusal,
    ValidationIssue,
)

log = logging.getLogger(__name__)


# The portal's own findings on an invoice (core.texts): stored as codes with figures.
register(
    {
        "invoice.amount_out_of_range": gettext_noop(
            "These numbers are too large for the portal: %(fields)s."
        ),
        "invoice.duplicate": gettext_noop(
            "Invoice %(number)s of seller %(seller)s is already in the portal, whatever its file format."
        ),
        "invoice.duplicate.own": gettext_noop(
            "Invoice %(number)s of seller %(seller)s is already in the portal (uploaded %(uploaded)s, %(state)s), "
            "whatever its file format."
        ),
        "invoice.credit_note_unknown_original": gettext_noop(
            "This credit note corrects invoice %(number)s, which is not among this supplier's invoices in the portal."
        ),
    }
)
register({f"invoice_state.{value}": label for value, label in InvoiceState.choices})


def _require_uploader(supplier: Supplier, actor) -> None:
    membership = getattr(actor, "membership", None)
    if membership is None or membership.supplier_id != supplier.pk:
        raise PermissionDenied(gettext("Only the supplier's own users may upload its invoices."))
    supplier_require_approved(supplier)


def invoice_upload(
    *, supplier: Supplier, data: bytes, filename: str, actor, idempotency_key: str = ""
) -> tuple[Invoice, bool]:
    """Accept one uploaded file. Returns (invoice, created).

    The same bytes again return the existing invoice. A hostile, malformed or unsupported file
    is refused (DomainError with the refusal code); only the refusal is recorded.
    """
    _require_uploader(supplier, actor)
    limit = settings.INVOICE_MAX_UPLOAD_BYTES
    sha = storage.sha256_of(data)
    if idempotency_key:
        earlier = (
            IdempotencyKey.objects.filter(user=actor, key=idempotency_key).select_related("invoice").first()
        )
        if earlier is not None:
            if earlier.sha256 != sha:
                raise Conflict(
                    gettext("This Idempotency-Key was already used for a different file."),
                    code="idempotency_key_reused",
                )
            return earlier.invoice, False
    existing = _existing_for(sha, supplier)
    if existing is not None:
        return existing, False
    try:
        if len(data) > limit:
            raise Refused("file_too_large", f"The file is {len(data)} bytes; the limit is {limit} bytes.")
        parse_invoice(data, max_bytes=limit)  # the safety gate: hostile files stop here
    except Refused as refused:
        UploadRefusal.objects.create(
            supplier=supplier,
            user=actor,
            original_name=filename[:255],
            sha256=sha,
            size=len(data),
            code=refused.code,
            message=refused.message,
        )
        raise DomainError(refused.message, code=refused.code) from None
    sha, path = storage.put(data)
    try:
        with transaction.atomic():
            stored = StoredFile.objects.create(
                sha256=sha,
                supplier=supplier,
                size=len(data),
                path=path,
                original_name=filename[:255],
                uploaded_by=actor,
            )
            invoice = Invoice.objects.create(supplier=supplier, file=stored, uploaded_by=actor)
            if idempotency_key:
                IdempotencyKey.objects.create(
                    user=actor, key=idempotency_key[:100], sha256=sha, invoice=invoice
                )
            from .tasks import validate_invoice

            # with the broker down the upload still succeeds; the requeue sweeper enqueues it
            enqueue_on_commit(validate_invoice, invoice.pk)
    except IntegrityError:  # a concurrent upload of the same bytes won
        existing = _existing_for(sha, supplier)
        if existing is None:
            raise
        return existing, False
    return invoice, True


def _existing_for(sha: str, supplier: Supplier) -> Invoice | None:
    """This supplier's own earlier upload of these bytes. Only its own: whether another supplier
    has uploaded the same file is never told (the upload goes on as a new one)."""
    return Invoice.objects.filter(file__sha256=sha, supplier=supplier).first()


def _context(invoice: Invoice, entities: list[tuple[int, str, bool]]) -> ValidationContext:
    """``entities``: (id, tax id, XRechnung rules?) of every legal entity, read once per validation."""
    return ValidationContext(
        today=timezone.localdate(),
        max_age_days=getattr(settings, "INVOICE_MAX_AGE_DAYS", 365),
        expected_seller_tax_id=invoice.supplier.tax_id,
        buyer_tax_ids=frozenset(tax_id for _, tax_id, _ in entities),
        xrechnung_buyer_tax_ids=frozenset(tax_id for _, tax_id, xrechnung in entities if xrechnung),
    )


def invoice_validate(*, invoice_id: int) -> Invoice:
    """Parse and validate a received invoice: received → validating → validated | rejected.

    Idempotent: an invoice already past validation is returned unchanged; one left in
    `validating` by a worker that died is validated again from the start.
    """
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("supplier", "file").get(pk=invoice_id)
        if invoice.state == InvoiceState.RECEIVED:
            # logged now, written by the one save at the end (the whole validation is one
            # transaction: nobody ever reads "validating" from another connection)
            transition_locked(invoice, "start_validation", save=False)
        elif invoice.state == InvoiceState.VALIDATING:  # left so by an older release: start afresh
            invoice.lines.all().delete()
            invoice.issues.all().delete()
        else:
            return invoice
        data = storage.get(invoice.file.path, invoice.file.sha256)
        duplicate_at = None
        entities = list(LegalEntity.objects.values_list("pk", "tax_id", "xrechnung_rules"))
        try:
            result = check_file(
                data, _context(invoice, entities), max_bytes=settings.INVOICE_MAX_UPLOAD_BYTES
            )
        except Refused as refused:
            issues = [
                Issue(
                    refused.code, Severity.ERROR, refused.message, refusal_text(refused.code, refused.message)
                )
            ]
            parsed = None
        else:
            parsed, issues = result.invoice, list(result.issues)
            too_large = _numbers_beyond_columns(parsed)
            if too_large:  # rejected with the reason; numbers the columns cannot hold are not stored
                issues.append(too_large)
            else:
                _fill(invoice, parsed, entities)
                tax_facts_record(invoice, parsed)
                duplicate_at = len(issues)  # where the duplicate finding goes, before the database's
                issues += _database_checks(invoice, parsed)
        errors = [i for i in issues if i.severity == Severity.ERROR]
        if duplicate_at is not None:
            # the duplicate check: a query when the invoice fails anyway; otherwise claiming its key
            # (unique) finds an earlier one (and a concurrent validation of the same invoice)
            key = "|".join(duplicate_key(parsed))
            if errors:
                duplicate = Invoice.objects.filter(duplicate_key=key).exclude(pk=invoice.pk).exists()
            else:
                try:
                    with transaction.atomic():
                        Invoice.objects.filter(pk=invoice.pk).update(duplicate_key=key)
                except IntegrityError:
                    duplicate = True
                else:
                    duplicate, invoice.duplicate_key = False, key
            if duplicate:
                issues.insert(duplicate_at, _duplicate_issue(invoice, key))
                errors = [i for i in issues if i.severity == Severity.ERROR]
        ValidationIssue.objects.bulk_create(
            ValidationIssue(
                invoice=invoice, code=i.code, severity=str(i.severity), message=i.message, text=i.text
            )
            for i in issues
        )
        invoice.validated_at = timezone.now()
        if errors:
            findings = [
                text("validation.finding", code=i.code, message=i.text or i.message) for i in errors[:5]
            ]
            transition_locked(invoice, "fail_validation", reason=text("validation.failed", findings=findings))
        else:
            transition_locked(invoice, "pass_validation")
    return invoice


def _numbers_beyond_columns(parsed: NormalisedInvoice) -> Issue | None:
    """An error when an amount, quantity, price or rate of the file does not fit its column (the
    parsers accept 18 integer digits, an amount column holds 16): core.bounds.fits_column."""
    values = [(Invoice, name, getattr(parsed.totals, attr)) for name, attr in _TOTALS]
    for line in parsed.lines:
        values += [(InvoiceLine, name, getattr(line, name)) for name in _LINE_NUMBERS]
    beyond = sorted(
        {
            name
            for model, name, value in values
            if value is not None and not bounds.fits_column(value, *_digits(model, name))
        }
    )
    if not beyond:
        return None
    words = text("invoice.amount_out_of_range", fields=", ".join(beyond))
    return Issue("amount_out_of_range", Severity.ERROR, words.english(), words.as_json())


_TOTALS = (
    ("net_amount", "net"),
    ("tax_amount", "tax"),
    ("gross_amount", "gross"),
    ("payable_amount", "payable"),
)
_LINE_NUMBERS = ("quantity", "unit_price", "net", "tax_rate", "tax")


def _digits(model, name: str) -> tuple[int, int]:
    field = model._meta.get_field(name)
    return field.max_digits, field.decimal_places


def _fill(invoice: Invoice, parsed: NormalisedInvoice, entities: list[tuple[int, str, bool]]) -> None:
    invoice.format = str(parsed.format)
    invoice.document_type = str(parsed.document_type)
    invoice.invoice_number = parsed.invoice_number[:64]
    invoice.invoice_code = (parsed.invoice_code or "")[:32]
    invoice.issue_date = parsed.issue_date
    invoice.currency = (parsed.currency or "")[:3]
    invoice.seller_name, invoice.seller_tax_id = parsed.seller.name[:300], parsed.seller.tax_id[:32]
    invoice.buyer_name, invoice.buyer_tax_id = parsed.buyer.name[:300], parsed.buyer.tax_id[:32]
    invoice.net_amount, invoice.tax_amount = parsed.totals.net, parsed.totals.tax
    invoice.gross_amount, invoice.payable_amount = parsed.totals.gross, parsed.totals.payable
    invoice.corrects_number, invoice.corrects_code = (
        parsed.corrects_invoice[:64],
        parsed.corrects_invoice_code[:32],
    )
    invoice.po_references = list(parsed.po_references)
    invoice.signature_status = parsed.signature.status
    invoice.signature_signer = parsed.signature.signer[:300]
    invoice.signature_detail = parsed.signature.detail[:500]
    buyer = comparable_tax_id(parsed.buyer.tax_id)
    invoice.legal_entity_id = next((pk for pk, tax_id, _ in entities if tax_id == buyer), None)
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            line_no=n,
            name=line.name[:300],
            item_code=line.item_code[:64],
            quantity=line.quantity,
            unit=line.unit[:20],
            unit_price=line.unit_price,
            net=line.net,
            tax_rate=line.tax_rate,
            tax=line.tax,
            po_reference=line.po_reference[:64],
        )
        for n, line in enumerate(parsed.lines, start=1)
    )


def _duplicate_issue(invoice: Invoice, key: str) -> Issue:
    other = Invoice.objects.filter(duplicate_key=key).exclude(pk=invoice.pk).first()
    # when and in what state only for the supplier's own earlier invoice, never another's
    own = other is not None and other.supplier_id == invoice.supplier_id
    number = (
        f"{invoice.invoice_code} {invoice.invoice_number}" if invoice.invoice_code else invoice.invoice_number
    )
    params = {"number": number, "seller": invoice.seller_tax_id}
    if own:
        words = text(
            "invoice.duplicate.own",
            **params,
            uploaded=f"{other.created_at:%Y-%m-%d}",
            state=text(f"invoice_state.{other.state}"),
        )
    else:
        words = text("invoice.duplicate", **params)
    return Issue("duplicate_invoice", Severity.ERROR, words.english(), words.as_json())


def _database_checks(invoice: Invoice, parsed: NormalisedInvoice) -> list[Issue]:
    """What the database says of a parsed invoice (its credit note's original); the duplicate check
    follows these in ``invoice_validate``, its finding placed before theirs."""
    issues = []
    if invoice.is_credit_note and parsed.corrects_invoice:
        original = (
            Invoice.objects.filter(supplier=invoice.supplier, invoice_number=parsed.corrects_invoice)
            .exclude(state__in=[InvoiceState.REJECTED, InvoiceState.CANCELLED])
            .exclude(pk=invoice.pk)
            .first()
        )
        if original is None:
            words = text("invoice.credit_note_unknown_original", number=parsed.corrects_invoice)
            issues.append(
                Issue("credit_note_unknown_original", Severity.ERROR, words.english(), words.as_json())
            )
        elif invoice.format in CHINESE_FORMATS:
            from .red_letter import red_invoice_findings

            # the original's row lock: two red invoices of one original are checked one after the other
            Invoice.objects.select_for_update().filter(pk=original.pk).first()
            named = (parsed.extra or {}).get("red_confirmation_number", "")
            for words in red_invoice_findings(invoice, original, named):
                issues.append(
                    Issue(
                        words.code.removeprefix("tax.").replace(".", "_"),
                        Severity.ERROR,
                        words.english(),
                        words.as_json(),
                    )
                )
        invoice.corrects = original
    return issues  # written by the validation's one save


def invoices_requeue_stuck(*, older_than_minutes: float | None = None) -> int:
    """Validate again invoices left in received/validating: a lost message, a dead worker, or an
    in-process validation that failed. ``older_than_minutes`` defaults to the
    ``INVOICE_REQUEUE_AFTER_MINUTES`` setting (10; the demo uses half a minute). One that cannot
    be enqueued is logged and tried again at the next run. Nothing while at least as many messages
    wait in the queue (core.queue.backlog_covers): the workers are behind, and the invoices' own
    messages are most likely among those waiting."""
    from core.queue import backlog_covers

    from .tasks import validate_invoice

    if older_than_minutes is None:
        older_than_minutes = getattr(settings, "INVOICE_REQUEUE_AFTER_MINUTES", 10)
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    ids = list(
        Invoice.objects.filter(
            state__in=[InvoiceState.RECEIVED, InvoiceState.VALIDATING], created_at__lt=cutoff
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:1000]
    )
    if backlog_covers(len(ids)):
        return 0
    for pk in ids:
        enqueue(validate_invoice, pk)
    return len(ids)


def read_upload(uploaded) -> bytes:
    """Read an uploaded file, refusing one over the limit before reading it."""
    limit = settings.INVOICE_MAX_UPLOAD_BYTES
    if uploaded.size is not None and uploaded.size > limit:
        raise DomainError(
            gettext("The file is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"size": uploaded.size, "limit": limit},
            code="file_too_large",
        )
    return uploaded.read(limit + 1)
