"""Sourcing: RFQs, invitations, sealed quotes (hashed per version), closing, award."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import bounds
from core.errors import DomainError, IllegalTransition, NotFound, PermissionDenied
from core.money import q6
from core.services import run_transition
from core.texts import register, text

from .. import attachments as attachment_rules
from .. import selectors
from ..models import (
    RFQ,
    Integrity,
    Quote,
    QuoteAttachment,
    QuoteLine,
    QuoteNoBid,
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
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # per file; setting QUOTE_ATTACHMENT_MAX_BYTES overrides
MAX_ATTACHMENTS = 10  # per quote version

# Bounds of what sourcing accepts. The columns hold 18 digits with 6 decimals (12 before the
# point); the sane limits below are far inside them, so a stored value can never overflow a
# column or a total computed from it (a line total is at most 10^9 × 10^8 = 10^17).
MAX_DECIMALS = 6
MAX_QUANTITY = Decimal("1000000000")  # 10亿 units on one RFQ line
MAX_UNIT_PRICE = Decimal("100000000")  # 1亿 per unit
MAX_LEAD_TIME_DAYS = 3650
MAX_NOTE_CHARS = 4000
MAX_REASON_CHARS = 300


class InvalidInput(DomainError):
    """A value a person typed is out of bounds or malformed: 422 in the API, a message on the page."""

    status = 422


# What the log of an awarded RFQ says (core.texts).
register({"rfq.awarded": gettext_noop("%(lines)s line(s) to %(suppliers)s supplier(s)")})


def _bounded_decimal(value, *, field: str, label: str, limit: Decimal, code: str) -> Decimal:
    """``value`` as a Decimal more than zero, at most ``limit`` and with at most 6 decimals."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, TypeError, ValueError):
        number = None
    params = {"field": field, "label": label, "value": str(value)[:40], "max": f"{limit:,}"}
    if number is None or not number.is_finite():
        raise InvalidInput(
            _("%(label)s must be a number, not “%(value)s”.") % params, code=code, details=params
        )
    if number <= 0:
        raise InvalidInput(
            _("%(label)s must be more than zero, not %(value)s.") % params, code=code, details=params
        )
    if number > limit:
        raise InvalidInput(
            _("%(label)s must be at most %(max)s, not %(value)s.") % params, code=code, details=params
        )
    if number != q6(number):
        params["decimals"] = MAX_DECIMALS
        raise InvalidInput(
            _("%(label)s has more than %(decimals)s decimal places: %(value)s.") % params,
            code=code,
            details=params,
        )
    return q6(number)


def rfq_quantity(value, *, line_no=None) -> Decimal:
    """An RFQ line's quantity: more than zero, at most ``MAX_QUANTITY``, at most 6 decimals."""
    label = _("Quantity") if line_no is None else _("Quantity of line %(n)s") % {"n": line_no}
    return _bounded_decimal(value, field="quantity", label=label, limit=MAX_QUANTITY, code="invalid_quantity")


def quote_price(value, *, line_no) -> Decimal:
    """A quoted unit price: more than zero, at most ``MAX_UNIT_PRICE``, at most 6 decimals."""
    return _bounded_decimal(
        value,
        field="unit_price",
        label=_("Unit price of line %(n)s") % {"n": line_no},
        limit=MAX_UNIT_PRICE,
        code="invalid_price",
    )


def _required_date(value) -> date | None:
    """A line's need-by date: empty, or a real date from today on."""
    if value in (None, ""):
        return None
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(
                _("The required date must be a date (YYYY-MM-DD), not “%(value)s”.")
                % {"value": str(value)[:40]},
                code="invalid_date",
                details={"field": "required_date"},
            ) from None
    today = timezone.localdate()
    if value < today:
        params = {"date": value.isoformat(), "today": today.isoformat()}
        raise InvalidInput(
            _("The required date %(date)s is in the past (today is %(today)s).") % params,
            code="required_date_in_past",
            details=params,
        )
    return value


def _text(value, *, limit: int, field: str, label: str) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        params = {"label": label, "max": limit, "length": len(text), "field": field}
        raise InvalidInput(
            _("%(label)s is too long: %(length)s characters, at most %(max)s.") % params,
            code="text_too_long",
            details=params,
        )
    return text


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
            _("Attachment %(name)s is larger than the limit of %(value)s MiB.")
            % {"name": name, "value": limit // (1024 * 1024)},
            code="attachment_too_large",
            details={"size": size, "limit": limit},
        )
    return name, uploaded_file.read(limit + 1)


def _checked_attachments(attachments) -> list[tuple[str, bytes, str, str]]:
    """[(name, content, sha256, content type)] of acceptable new files, or a DomainError."""
    attachments = list(attachments or ())
    if len(attachments) > MAX_ATTACHMENTS:
        raise DomainError(
            _("A quote can have at most %(MAX_ATTACHMENTS)s attachments.")
            % {"MAX_ATTACHMENTS": MAX_ATTACHMENTS},
            code="too_many_attachments",
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
            _("Cannot %(what)s RFQ %(number)s: it is %(state)s.")
            % {"what": what, "number": rfq.number, "state": rfq.get_state_display()},
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
    require_buyer(actor, _("create RFQs"))
    if not (title or "").strip():
        raise DomainError(_("An RFQ needs a title."), code="title_required")
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
    require_buyer(actor, _("edit RFQs"))
    quantity = rfq_quantity(quantity)
    required_date = _required_date(required_date)
    description = _text(description, limit=300, field="description", label=_("Description"))
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, [RFQState.DRAFT], _("edit"), code="rfq_not_editable")
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
    require_buyer(actor, _("invite suppliers"))
    require_supplier_approved(supplier)
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, [RFQState.DRAFT, RFQState.PUBLISHED], _("invite suppliers to"))
        invitation, _created = RFQInvitation.objects.get_or_create(rfq=rfq, supplier=supplier)
        return invitation


def rfq_publish(*, rfq: RFQ, actor, deadline: datetime | None = None, reason: str = "") -> RFQ:
    require_buyer(actor, _("publish RFQs"))
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, [RFQState.DRAFT], _("publish"))
        deadline = deadline or rfq.deadline
        if deadline is None or deadline <= timezone.now():
            raise DomainError(_("The deadline must be in the future."), code="deadline_in_past")
        bounds.date_sane(deadline, field="deadline")
        if not rfq.lines.exists():
            raise DomainError(
                _("RFQ %(number)s has no lines.") % {"number": rfq.number}, code="rfq_has_no_lines"
            )
        if not rfq.invitations.exists():
            raise DomainError(
                _("RFQ %(number)s has no invited suppliers.") % {"number": rfq.number},
                code="rfq_has_no_invitations",
            )
        today = timezone.localdate()
        stale = [
            line.line_no for line in rfq.lines.all() if line.required_date and line.required_date < today
        ]
        if stale:
            params = {"lines": ", ".join(map(str, stale)), "today": today.isoformat()}
            raise InvalidInput(
                _("The required date of line(s) %(lines)s is in the past (today is %(today)s).") % params,
                code="required_date_in_past",
                details=params,
            )
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
    no_bids=None,
) -> bytes:
    """The canonical content of one quote version: sorted keys, no spaces, UTF-8, prices with 6
    decimals. ``prices``: {rfq_line_id: Decimal}; ``attachments``: [(name, sha256)]; ``salt``:
    the version's random salt (absent in versions stored before salts existed); ``no_bids``:
    {rfq_line_id: reason} of the declined lines (absent when none, as in older versions)."""
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
    if no_bids:
        document["no_bid"] = [[int(line_id), reason] for line_id, reason in sorted(no_bids.items())]
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
            no_bids={nb.rfq_line_id: nb.reason for nb in version.no_bids.all()},
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
    no_bids=None,
) -> QuoteVersion:
    """Submit or revise the actor's supplier's quote: a new version with a price or a no-bid for
    every RFQ line, stored with the SHA-256 of its canonical content. Only until the deadline.

    ``no_bids``: {rfq_line_id: reason} of the lines the supplier declines (reason may be empty).

    ``attachments``: new files [(name, bytes)], checked by type (the bytes) and size.
    ``keep_attachments``: ids of the previous version's attachments to carry over (None: all of
    them); a new file with the same name as a kept one replaces it."""
    supplier_id = actor_supplier_id(actor, _("submit quotes"))
    files = _checked_attachments(attachments)
    with transaction.atomic():
        rfq = _lock(rfq)  # serialises with closing: a quote is either in before closing or refused
        if not rfq.invitations.filter(supplier_id=supplier_id).exists():
            raise PermissionDenied(_("Your company is not invited to this RFQ."), code="not_invited")
        if rfq.state != RFQState.PUBLISHED or (rfq.deadline and timezone.now() >= rfq.deadline):
            raise IllegalTransition(
                f"RFQ {rfq.number} no longer accepts quotes"
                + (f" (deadline {rfq.deadline:%Y-%m-%d %H:%M})." if rfq.deadline else "."),
                code="deadline_passed",
                details={"state": rfq.state},
            )
        lines = {line.pk: line for line in rfq.lines.all()}

        def line_of(key) -> RFQLine:
            try:
                line_id = int(key)
            except (TypeError, ValueError):
                line_id = 0
            if line_id not in lines:
                raise DomainError(
                    _("Line %(key)s is not on %(number)s.") % {"key": key, "number": rfq.number},
                    code="unknown_rfq_line",
                )
            return lines[line_id]

        declined = {}
        for key, reason in (no_bids or {}).items():
            line = line_of(key)
            declined[line.pk] = _text(
                reason, limit=MAX_REASON_CHARS, field="no_bid_reason", label=_("Reason for not quoting")
            )
        normalised = {}
        for key, value in (prices or {}).items():
            line = line_of(key)
            if line.pk in declined:
                params = {"n": line.line_no}
                raise InvalidInput(
                    _("Line %(n)s has a price and is marked as not quoted: choose one.") % params,
                    code="price_and_no_bid",
                    details=params,
                )
            normalised[line.pk] = quote_price(value, line_no=line.line_no)
            bounds.line_amount(line.quantity, normalised[line.pk])
        missing = sorted(lines[i].line_no for i in set(lines) - set(normalised) - set(declined))
        if missing:
            params = {"lines": ", ".join(map(str, missing))}
            raise DomainError(
                _("Quote a price for every line or mark it as not quoted (missing: line %(lines)s).")
                % params,
                code="price_required",
                details=params,
            )
        try:
            lead_time_days = int(lead_time_days)
        except (TypeError, ValueError):
            lead_time_days = -1
        if lead_time_days < 0 or lead_time_days > MAX_LEAD_TIME_DAYS:
            params = {"max": MAX_LEAD_TIME_DAYS}
            raise InvalidInput(
                _("The lead time must be a whole number of days from 0 to %(max)s.") % params,
                code="invalid_lead_time",
                details=params,
            )
        note = _text(note, limit=MAX_NOTE_CHARS, field="note", label=_("Note"))
        if not isinstance(valid_until, date):
            try:
                valid_until = date.fromisoformat(str(valid_until))
            except ValueError:
                raise InvalidInput(
                    _("Give the date the quote is valid until (YYYY-MM-DD)."), code="invalid_validity"
                ) from None
        if valid_until < timezone.localdate():
            params = {"date": valid_until.isoformat(), "today": timezone.localdate().isoformat()}
            raise InvalidInput(
                _("The quote must be valid until today or later, not %(date)s (today is %(today)s).")
                % params,
                code="invalid_validity",
                details=params,
            )

        quote, _created = Quote.objects.select_for_update().get_or_create(rfq=rfq, supplier_id=supplier_id)
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
                _("Attachments %(value)s are not on your current quote.") % {"value": sorted(unknown)},
                code="unknown_attachment",
            )
        new_names = {name for name, *_ in files}
        kept = [previous[i] for i in sorted(keep) if previous[i].name not in new_names]
        if len(kept) + len(files) > MAX_ATTACHMENTS:
            raise DomainError(
                _("A quote can have at most %(MAX_ATTACHMENTS)s attachments.")
                % {"MAX_ATTACHMENTS": MAX_ATTACHMENTS},
                code="too_many_attachments",
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
                attachments=[(a.name, a.sha256) for a in kept]
                + [(name, sha) for name, _content, sha, _type in files],
                salt=salt,
                no_bids=declined,
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
        QuoteNoBid.objects.bulk_create(
            [QuoteNoBid(version=version, rfq_line_id=i, reason=r) for i, r in declined.items()]
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
    supplier_id = actor_supplier_id(actor, _("attach files to quotes"))
    if not attachments:
        raise DomainError(_("Attach at least one file."), code="no_attachments")
    quote = Quote.objects.filter(rfq_id=rfq.pk, supplier_id=supplier_id).first()
    current = quote and quote.versions.filter(version=quote.current_version).first()
    if current is None:
        raise DomainError(
            _("Submit your quote with its prices first, then attach files to it."), code="no_quote"
        )
    return quote_submit(
        rfq=rfq,
        actor=actor,
        prices={ql.rfq_line_id: ql.unit_price for ql in current.lines.all()},
        lead_time_days=current.lead_time_days,
        valid_until=current.valid_until,
        note=current.note,
        attachments=attachments,
        no_bids={nb.rfq_line_id: nb.reason for nb in current.no_bids.all()},
    )


def rfq_close(*, rfq: RFQ, actor=None, reason: str = "") -> RFQ:
    """Close bidding and open the quotes: every stored version is checked against its hash,
    mismatches are flagged (``integrity = mismatch``). ``actor=None`` is the scheduler.

    A buyer closing before the deadline opens every sealed price early: that needs a reason,
    kept in the RFQ's history."""
    if actor is not None:
        require_buyer(actor, _("close RFQs"))
    reason = _text(reason, limit=MAX_REASON_CHARS, field="reason", label=_("Reason"))
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, [RFQState.PUBLISHED], _("close"))
        early = actor is not None and rfq.deadline is not None and timezone.now() < rfq.deadline
        two_buyers = early and rfq.legal_entity.early_rfq_close_needs_second_buyer
        confirming = two_buyers and rfq.early_close_requested_by_id not in (None, actor.pk)
        if early and not reason and not confirming:
            params = {"number": rfq.number, "deadline": f"{timezone.localtime(rfq.deadline):%Y-%m-%d %H:%M}"}
            raise InvalidInput(
                _(
                    "RFQ %(number)s is open for quotes until %(deadline)s: say why you close it early "
                    "and open the sealed quotes now."
                )
                % params,
                code="early_close_reason_required",
                details=params,
            )
        if two_buyers:
            if rfq.early_close_requested_by_id is None:
                return _rfq_early_close_request(rfq, actor=actor, reason=reason)
            if rfq.early_close_requested_by_id == actor.pk:
                raise PermissionDenied(
                    _("You asked to close RFQ %(number)s early; another buyer must confirm it.")
                    % {"number": rfq.number},
                    code="own_early_close",
                )
            # the asking buyer's reason; the history shows who asked (request_early_close) and who closed
            reason = rfq.early_close_reason
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


def _rfq_early_close_request(rfq: RFQ, *, actor, reason: str) -> RFQ:
    """The first buyer's half of an early close (the caller holds the lock): recorded on the RFQ
    and in its history; the quotes stay sealed until another buyer confirms."""
    from core.models import TransitionLog

    RFQ.objects.filter(pk=rfq.pk).update(early_close_requested_by=actor, early_close_reason=reason[:300])
    TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(RFQ),
        object_id=str(rfq.pk),
        transition="request_early_close",
        source=rfq.state,
        target=rfq.state,
        actor=actor,
        reason=reason,
    )
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
    require_buyer(actor, _("cancel RFQs"))
    if not (reason or "").strip():
        raise DomainError(_("A reason is required to cancel an RFQ."), code="reason_required")
    return run_transition(rfq, "cancel", actor=actor, reason=reason.strip())


def rfq_award(*, rfq: RFQ, actor, decisions: list[dict]) -> list:
    """Award RFQ lines: ``decisions`` = ``[{"rfq_line_id", "supplier_id", "reason"}]``. Awarding
    anything but the lowest price needs a reason. Creates one draft PO per awarded supplier and
    returns them."""
    from ..models import AwardLine
    from .purchase_orders import purchase_order_create

    require_buyer(actor, _("award RFQs"))
    if not decisions:
        raise DomainError(_("Award at least one line."), code="no_decisions")
    with transaction.atomic():
        rfq = _lock(rfq)
        _require_state(rfq, [RFQState.CLOSED], _("award"))
        rows = {row.line.pk: row for row in selectors.rfq_comparison(actor, rfq)}
        per_supplier = defaultdict(list)
        seen = set()
        for decision in decisions:
            line_id = int(decision.get("rfq_line_id") or 0)
            row = rows.get(line_id)
            if row is None:
                raise DomainError(
                    _("Line %(line_id)s is not on %(number)s.") % {"line_id": line_id, "number": rfq.number},
                    code="unknown_rfq_line",
                )
            if line_id in seen:
                raise DomainError(
                    _("Line %(line_no)s is awarded twice.") % {"line_no": row.line.line_no},
                    code="duplicate_line",
                )
            seen.add(line_id)
            supplier_id = int(decision.get("supplier_id") or 0)
            cell = next((c for c in row.cells if c.supplier_id == supplier_id), None)
            if cell is None:
                raise DomainError(
                    _("Line %(line_no)s: supplier %(supplier_id)s did not quote.")
                    % {"line_no": row.line.line_no, "supplier_id": supplier_id},
                    code="no_quote_from_supplier",
                )
            if cell.integrity == Integrity.MISMATCH:
                raise DomainError(
                    _("Line %(line_no)s: the quote of %(supplier_name)s failed its hash check.")
                    % {"line_no": row.line.line_no, "supplier_name": cell.supplier_name},
                    code="quote_integrity_failed",
                )
            reason = _text(
                decision.get("reason"), limit=MAX_REASON_CHARS, field="reason", label=_("Reason of the award")
            )
            if not cell.is_lowest and not reason:
                raise DomainError(
                    _("Line %(line_no)s: %(supplier_name)s is not the lowest price; give a reason.")
                    % {"line_no": row.line.line_no, "supplier_name": cell.supplier_name},
                    code="reason_required",
                )
            per_supplier[supplier_id].append((row.line, cell, reason))
        from suppliers.models import Supplier

        pos = []
        for supplier_id, entries in per_supplier.items():
            supplier = Supplier.objects.filter(pk=supplier_id).first()
            if supplier is None:
                raise NotFound(_("Supplier %(supplier_id)s not found.") % {"supplier_id": supplier_id})
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
        run_transition(
            rfq, "award", actor=actor, reason=text("rfq.awarded", lines=len(seen), suppliers=len(pos))
        )
        return pos
