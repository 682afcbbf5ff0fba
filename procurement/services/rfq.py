"""Sourcing: RFQs, invitations, sealed quotes (hashed per version), closing, award."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from datetime import date, datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core import bounds
from core.errors import DomainError, IllegalTransition, NotFound, PermissionDenied
from core.money import q6
from core.services import run_transition

from .. import attachments as attachment_rules
from .. import selectors
from ..models import (
    RFQ,
    Integrity,
    Quote,
    QuoteAttachment,
    QuoteLine,
    QuoteVersion,
    RFQInvitation,
    RFQLine,
    RFQState,
)
from ._common import (
    actor_supplier_id,
    next_number,
    require_buyer,
    require_supplier_approved,
    to_price,
    to_quantity,
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # per file; setting QUOTE_ATTACHMENT_MAX_BYTES overrides
MAX_ATTACHMENTS = 10  # per quote version
MAX_LEAD_TIME_DAYS = 3650


def quote_attachment_max_bytes() -> int:
    return int(getattr(settings, "QUOTE_ATTACHMENT_MAX_BYTES", MAX_ATTACHMENT_BYTES))


def quote_attachment_read(uploaded_file) -> tuple[str, bytes]:
    """(name, bytes) of an uploaded file, read at most one byte past the limit, so an oversized
    upload is refused without reading it whole."""
    limit = quote_attachment_max_bytes()
    name = attachment_rules.clean_name(getattr(uploaded_file, "name", "") or "")
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise DomainError(
            f"Attachment {name} is larger than the limit of {limit // (1024 * 1024)} MiB.",
            code="attachment_too_large",
            details={"size": size, "limit": limit},
        )
    return name, uploaded_file.read(limit + 1)


def _checked_attachments(attachments) -> list[tuple[str, bytes, str, str]]:
    """[(name, content, sha256, content type)] of acceptable new files, or a DomainError."""
    attachments = list(attachments or ())
    if len(attachments) > MAX_ATTACHMENTS:
        raise DomainError(
            f"A quote can have at most {MAX_ATTACHMENTS} attachments.", code="too_many_attachments"
        )
    files = []
    for name, content in attachments:
        try:
            name, kind = attachment_rules.check(name, content, max_bytes=quote_attachment_max_bytes())
        except attachment_rules.AttachmentRefused as refused:
            raise DomainError(refused.message, code=refused.code, details={"name": name}) from None
        files.append((name, content, hashlib.sha256(content).hexdigest(), kind.content_type))
    return files


def _lock(rfq: RFQ) -> RFQ:
    return RFQ.objects.select_for_update().get(pk=rfq.pk)


def _require_state(rfq: RFQ, states, what: str, code: str = "illegal_transition") -> None:
    if rfq.state not in states:
        raise IllegalTransition(
            f"Cannot {what} RFQ {rfq.number}: it is {rfq.get_state_display()}.",
            code=code,
            details={"state": rfq.state},
        )


def rfq_create(
    *,
    legal_entity,
    title: str,
    actor,
    currency: str | None = None,
    lines=(),
    deadline: datetime | None = None,
) -> RFQ:
    require_buyer(actor, "create RFQs")
    if not (title or "").strip():
        raise DomainError("An RFQ needs a title.", code="title_required")
    with transaction.atomic():
        rfq = RFQ.objects.create(
            number=next_number("RFQ"),
            title=title.strip()[:200],
            legal_entity=legal_entity,
            currency=bounds.currency(currency or legal_entity.default_currency or "CNY"),
            buyer=actor,
            deadline=deadline,
        )
        for line in lines:
            rfq_line_add(rfq=rfq, actor=actor, **line)
    return rfq


def rfq_line_add(
    *, rfq: RFQ, item, quantity, actor, required_date: date | None = None, description: str = ""
) -> RFQLine:
    require_buyer(actor, "edit RFQs")
    quantity = to_quantity(quantity)
    if required_date:
        required_date = bounds.date_not_past(required_date, field="required_date")
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, [RFQState.DRAFT], "edit", code="rfq_not_editable")
        last = rfq.lines.order_by("-line_no").values_list("line_no", flat=True).first() or 0
        return RFQLine.objects.create(
            rfq=rfq,
            line_no=last + 1,
            item=item,
            quantity=quantity,
            required_date=required_date,
            description=description or item.name,
        )


def rfq_invite(*, rfq: RFQ, supplier, actor) -> RFQInvitation:
    require_buyer(actor, "invite suppliers")
    require_supplier_approved(supplier)
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, [RFQState.DRAFT, RFQState.PUBLISHED], "invite suppliers to")
        invitation, _ = RFQInvitation.objects.get_or_create(rfq=rfq, supplier=supplier)
        return invitation


def rfq_publish(*, rfq: RFQ, actor, deadline: datetime | None = None, reason: str = "") -> RFQ:
    require_buyer(actor, "publish RFQs")
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, [RFQState.DRAFT], "publish")
        deadline = deadline or rfq.deadline
        if deadline is None or deadline <= timezone.now():
            raise DomainError("The deadline must be in the future.", code="deadline_in_past")
        bounds.date_sane(deadline, field="deadline")
        if not rfq.lines.exists():
            raise DomainError(f"RFQ {rfq.number} has no lines.", code="rfq_has_no_lines")
        if not rfq.invitations.exists():
            raise DomainError(f"RFQ {rfq.number} has no invited suppliers.", code="rfq_has_no_invitations")
        RFQ.objects.filter(pk=rfq.pk).update(deadline=deadline)
        return run_transition(rfq, "publish", actor=actor, reason=reason)


def quote_canonical_bytes(
    *,
    rfq_id: int,
    supplier_id: int,
    version: int,
    lead_time_days: int,
    valid_until: date,
    note: str,
    prices,
    attachments,
    salt: str = "",
) -> bytes:
    """The canonical content of one quote version: sorted keys, no spaces, UTF-8, prices with 6
    decimals. ``prices``: {rfq_line_id: Decimal}; ``attachments``: [(name, sha256)]; ``salt``:
    the version's random salt (absent in versions stored before salts existed)."""
    document = {
        "rfq": rfq_id,
        "supplier": supplier_id,
        "version": version,
        "lead_time_days": int(lead_time_days),
        "valid_until": valid_until.isoformat(),
        "note": note,
        "lines": [[int(line_id), str(q6(price))] for line_id, price in sorted(prices.items())],
        "attachments": sorted([name, sha] for name, sha in attachments),
    }
    if salt:
        document["salt"] = salt
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def quote_version_digest(version: QuoteVersion) -> str:
    """Recompute the SHA-256 of a stored quote version from its rows."""
    quote = version.quote
    return hashlib.sha256(
        quote_canonical_bytes(
            rfq_id=quote.rfq_id,
            supplier_id=quote.supplier_id,
            version=version.version,
            lead_time_days=version.lead_time_days,
            valid_until=version.valid_until,
            note=version.note,
            prices={ql.rfq_line_id: ql.unit_price for ql in version.lines.all()},
            attachments=[(a.name, a.sha256) for a in version.attachments.all()],
            salt=version.salt,
        )
    ).hexdigest()


def quote_submit(
    *,
    rfq: RFQ,
    actor,
    prices: dict,
    lead_time_days: int,
    valid_until: date,
    note: str = "",
    attachments: list[tuple[str, bytes]] = (),
    keep_attachments=None,
) -> QuoteVersion:
    """Submit or revise the actor's supplier's quote: a new version with a price for every RFQ
    line, stored with the SHA-256 of its canonical content. Only until the deadline.

    ``attachments``: new files [(name, bytes)], checked by type (the bytes) and size.
    ``keep_attachments``: ids of the previous version's attachments to carry over (None: all of
    them); a new file with the same name as a kept one replaces it."""
    supplier_id = actor_supplier_id(actor, "submit quotes")
    files = _checked_attachments(attachments)
    with transaction.atomic():
        rfq = _lock(rfq)  # serialises with closing: a quote is either in before closing or refused
        if not rfq.invitations.filter(supplier_id=supplier_id).exists():
            raise PermissionDenied("Your company is not invited to this RFQ.", code="not_invited")
        if rfq.state != RFQState.PUBLISHED or (rfq.deadline and timezone.now() >= rfq.deadline):
            raise IllegalTransition(
                f"RFQ {rfq.number} no longer accepts quotes"
                + (f" (deadline {rfq.deadline:%Y-%m-%d %H:%M})." if rfq.deadline else "."),
                code="deadline_passed",
                details={"state": rfq.state},
            )
        lines = {line.pk: line for line in rfq.lines.all()}
        normalised = {}
        for key, value in (prices or {}).items():
            try:
                line_id = int(key)
            except (TypeError, ValueError):
                line_id = 0
            if line_id not in lines:
                raise DomainError(f"Line {key} is not on {rfq.number}.", code="unknown_rfq_line")
            normalised[line_id] = to_price(value, allow_zero=False)
            bounds.line_amount(lines[line_id].quantity, normalised[line_id])
        missing = sorted(lines[i].line_no for i in set(lines) - set(normalised))
        if missing:
            raise DomainError(f"Quote a price for every line (missing: {missing}).", code="price_required")
        try:
            lead_time_days = int(lead_time_days)
        except (TypeError, ValueError):
            lead_time_days = -1
        if lead_time_days < 0 or lead_time_days > MAX_LEAD_TIME_DAYS:
            raise DomainError(
                f"The lead time must be 0 to {MAX_LEAD_TIME_DAYS} days.",
                code="invalid_lead_time",
                details={"field": "lead_time_days"},
            )
        if not isinstance(valid_until, date):
            try:
                valid_until = date.fromisoformat(str(valid_until))
            except ValueError:
                raise DomainError(
                    "Give the date the quote is valid until (YYYY-MM-DD).", code="invalid_validity"
                ) from None
        if valid_until < timezone.localdate():
            raise DomainError("The quote must be valid until today or later.", code="invalid_validity")
        bounds.date_sane(valid_until, field="valid_until")

        quote, _ = Quote.objects.select_for_update().get_or_create(rfq=rfq, supplier_id=supplier_id)
        previous = {
            a.pk: a
            for a in QuoteAttachment.objects.filter(
                version__quote=quote, version__version=quote.current_version
            )
        }
        keep = set(previous) if keep_attachments is None else {int(i) for i in keep_attachments}
        unknown = keep - set(previous)
        if unknown:
            raise DomainError(
                f"Attachments {sorted(unknown)} are not on your current quote.", code="unknown_attachment"
            )
        new_names = {name for name, *_ in files}
        kept = [previous[i] for i in sorted(keep) if previous[i].name not in new_names]
        if len(kept) + len(files) > MAX_ATTACHMENTS:
            raise DomainError(
                f"A quote can have at most {MAX_ATTACHMENTS} attachments.", code="too_many_attachments"
            )
        number = quote.current_version + 1
        salt = secrets.token_hex(16)
        digest = hashlib.sha256(
            quote_canonical_bytes(
                rfq_id=rfq.pk,
                supplier_id=supplier_id,
                version=number,
                lead_time_days=lead_time_days,
                valid_until=valid_until,
                note=note,
                prices=normalised,
                attachments=[(a.name, a.sha256) for a in kept] + [(name, sha) for name, _, sha, _ in files],
                salt=salt,
            )
        ).hexdigest()
        version = QuoteVersion.objects.create(
            quote=quote,
            version=number,
            lead_time_days=lead_time_days,
            valid_until=valid_until,
            note=note,
            salt=salt,
            sha256=digest,
            submitted_by=actor,
        )
        QuoteLine.objects.bulk_create(
            [QuoteLine(version=version, rfq_line_id=i, unit_price=p) for i, p in normalised.items()]
        )
        for old in kept:  # the same stored file, a new row of the new version
            QuoteAttachment.objects.create(
                version=version,
                name=old.name,
                content_type=old.content_type,
                sha256=old.sha256,
                size=old.size,
                file=old.file.name,
            )
        for name, content, sha, content_type in files:
            attachment = QuoteAttachment(
                version=version, name=name, content_type=content_type, sha256=sha, size=len(content)
            )
            attachment.file.save(sha, ContentFile(content), save=False)
            attachment.save()
        quote.current_version = number
        quote.save(update_fields=["current_version"])
        return version


def quote_attachments_add(*, rfq: RFQ, actor, attachments: list[tuple[str, bytes]]) -> QuoteVersion:
    """Attach files to the actor's supplier's quote: a new version with the same prices, lead time,
    validity and note, the files kept and the new ones added (same name: replaced). For clients
    that send the quote as JSON and its files separately."""
    supplier_id = actor_supplier_id(actor, "attach files to quotes")
    if not attachments:
        raise DomainError("Attach at least one file.", code="no_attachments")
    quote = Quote.objects.filter(rfq_id=rfq.pk, supplier_id=supplier_id).first()
    current = quote and quote.versions.filter(version=quote.current_version).first()
    if current is None:
        raise DomainError(
            "Submit your quote with its prices first, then attach files to it.", code="no_quote"
        )
    return quote_submit(
        rfq=rfq,
        actor=actor,
        prices={ql.rfq_line_id: ql.unit_price for ql in current.lines.all()},
        lead_time_days=current.lead_time_days,
        valid_until=current.valid_until,
        note=current.note,
        attachments=attachments,
    )


def rfq_close(*, rfq: RFQ, actor=None, reason: str = "") -> RFQ:
    """Close bidding and open the quotes: every stored version is checked against its hash,
    mismatches are flagged (``integrity = mismatch``). ``actor=None`` is the scheduler."""
    if actor is not None:
        require_buyer(actor, "close RFQs")
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, [RFQState.PUBLISHED], "close")
        rfq = run_transition(
            rfq, "close", actor=actor, reason=reason or ("deadline reached" if actor is None else "")
        )
        RFQ.objects.filter(pk=rfq.pk).update(opened_at=timezone.now())
        versions = (
            QuoteVersion.objects.filter(quote__rfq=rfq)
            .select_related("quote")
            .prefetch_related("lines", "attachments")
        )
        for version in versions:
            ok = quote_version_digest(version) == version.sha256
            version.integrity = Integrity.OK if ok else Integrity.MISMATCH
            version.save(update_fields=["integrity"])
        rfq.refresh_from_db()
        return rfq


def rfq_close_due(*, now: datetime | None = None) -> list[int]:
    """Close every published RFQ whose deadline has passed. Safe to run twice (or in parallel):
    an RFQ closed meanwhile is skipped."""
    now = now or timezone.now()
    closed = []
    for rfq_id in RFQ.objects.filter(state=RFQState.PUBLISHED, deadline__lte=now).values_list(
        "pk", flat=True
    ):
        try:
            rfq_close(rfq=RFQ(pk=rfq_id), actor=None)
        except IllegalTransition:
            continue
        closed.append(rfq_id)
    return closed


def rfq_cancel(*, rfq: RFQ, actor, reason: str) -> RFQ:
    require_buyer(actor, "cancel RFQs")
    if not (reason or "").strip():
        raise DomainError("A reason is required to cancel an RFQ.", code="reason_required")
    return run_transition(rfq, "cancel", actor=actor, reason=reason.strip())


def rfq_award(*, rfq: RFQ, actor, decisions: list[dict]) -> list:
    """Award RFQ lines: ``decisions`` = ``[{"rfq_line_id", "supplier_id", "reason"}]``. Awarding
    anything but the lowest price needs a reason. Creates one draft PO per awarded supplier and
    returns them."""
    from ..models import AwardLine
    from .purchase_orders import purchase_order_create

    require_buyer(actor, "award RFQs")
    if not decisions:
        raise DomainError("Award at least one line.", code="no_decisions")
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, [RFQState.CLOSED], "award")
        rows = {row.line.pk: row for row in selectors.rfq_comparison(actor, rfq)}
        per_supplier = defaultdict(list)
        seen = set()
        for decision in decisions:
            line_id = int(decision.get("rfq_line_id") or 0)
            row = rows.get(line_id)
            if row is None:
                raise DomainError(f"Line {line_id} is not on {rfq.number}.", code="unknown_rfq_line")
            if line_id in seen:
                raise DomainError(f"Line {row.line.line_no} is awarded twice.", code="duplicate_line")
            seen.add(line_id)
            supplier_id = int(decision.get("supplier_id") or 0)
            cell = next((c for c in row.cells if c.supplier_id == supplier_id), None)
            if cell is None:
                raise DomainError(
                    f"Line {row.line.line_no}: supplier {supplier_id} did not quote.",
                    code="no_quote_from_supplier",
                )
            if cell.integrity == Integrity.MISMATCH:
                raise DomainError(
                    f"Line {row.line.line_no}: the quote of {cell.supplier_name} failed its hash check.",
                    code="quote_integrity_failed",
                )
            reason = (decision.get("reason") or "").strip()
            if not cell.is_lowest and not reason:
                raise DomainError(
                    f"Line {row.line.line_no}: {cell.supplier_name} is not the lowest price; give a reason.",
                    code="reason_required",
                )
            per_supplier[supplier_id].append((row.line, cell, reason))
        from suppliers.models import Supplier

        pos = []
        for supplier_id, entries in per_supplier.items():
            supplier = Supplier.objects.filter(pk=supplier_id).first()
            if supplier is None:
                raise NotFound(f"Supplier {supplier_id} not found.")
            po = purchase_order_create(
                legal_entity=rfq.legal_entity,
                supplier=supplier,
                actor=actor,
                currency=rfq.currency,
                rfq=rfq,
                notes=f"Awarded from {rfq.number}",
                lines=[
                    {
                        "item": line.item,
                        "quantity": line.quantity,
                        "unit_price": cell.unit_price,
                        "description": line.description,
                        "required_date": line.required_date,
                    }
                    for line, cell, _ in entries
                ],
            )
            po_lines = list(po.lines.order_by("line_no"))
            for (line, cell, reason), po_line in zip(entries, po_lines, strict=True):
                AwardLine.objects.create(
                    rfq_line=line,
                    quote_line_id=cell.quote_line_id,
                    supplier_id=supplier_id,
                    unit_price=cell.unit_price,
                    was_lowest=cell.is_lowest,
                    reason=reason,
                    po_line=po_line,
                    awarded_by=actor,
                )
            pos.append(po)
        run_transition(rfq, "award", actor=actor, reason=f"{len(seen)} line(s) to {len(pos)} supplier(s)")
        return pos
