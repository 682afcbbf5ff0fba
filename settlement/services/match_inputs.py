"""Engine inputs from the database: which PO lines, receipts, earlier allocations and policy an
invoice is matched against, and the hash of all of it.

Rules (documented in docs/matching.md):

* Purchase orders: those the invoice names (header ``po_references`` and line ``po_reference``,
  by PO number, also written with other separators or case; the parsers find them in 备注 and line
  notes; a statement number names the POs of that statement's goods) of the invoice's supplier and
  legal entity. A line reference ``PO-…/3`` (also
  ``#3`` or ``:3``), or a bare ``3`` when the invoice names exactly one PO, points at line 3 of that
  PO. Without any reference: the supplier's open POs (sent, acknowledged, partially received,
  received) for the legal entity. A credit note adds the POs its original invoice was allocated to.
* Receipt lines: accepted quantities; returns (receipts of kind ``return``) are taken off the
  newest receipts of the same PO line first.
* A PO line is two-way (no receipts expected) when its item is a service.
* Earlier allocations: the current allocations of every other live invoice on those PO lines; a
  credit note's (negative) ones only once it is matched or approved.
* Invoice lines: a 数电 discount row (no quantity, negative amount) is folded into the line above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, Sum, prefetch_related_objects
from django.utils import timezone

from core.errors import DomainError
from invoicing.models import Invoice, InvoiceState
from invoicing.models import InvoiceLine as InvoiceLineRow
from procurement.models import GoodsReceiptLine, POState, PurchaseOrder, PurchaseOrderLine, ReceiptKind
from settlement.matching import (
    DocumentType,
    EarlierAllocation,
    InvoiceLine,
    PolicyNotFound,
    PoLine,
    ReceiptLine,
    input_hash,
)
from settlement.matching import Invoice as EngineInvoice
from settlement.matching import TolerancePolicy as EnginePolicy
from settlement.matching.pairing import normalise_code, normalise_name

from ..models import MatchAllocation, TolerancePolicy
from .match_policies import policy_for

ZERO = Decimal(0)
OPEN_PO_STATES = [POState.SENT, POState.ACKNOWLEDGED, POState.PARTIALLY_RECEIVED, POState.RECEIVED]
DEAD_INVOICE_STATES = [InvoiceState.REJECTED, InvoiceState.CANCELLED]
# A credit note releases quantity only once it is matched or approved (not while on the desk).
CREDIT_COUNTS = [InvoiceState.MATCHED, InvoiceState.APPROVED, InvoiceState.SCHEDULED, InvoiceState.PAID]
_LINE_REF = re.compile(r"^(?P<po>.+?)\s*[/#:]\s*(?P<line>\d+)$")
# The candidate prefilter for an invoice naming no PO (module docstring): its rule's name is stored
# with every result decided under it; ALL_OPEN_POS is how results stored before it were decided.
CANDIDATE_RULE = "item-keys-v1"
ALL_OPEN_POS = "all-open-pos"
CANDIDATE_CAP = 20


@dataclass
class MatchInputs:
    invoice: EngineInvoice
    po_lines: list[PoLine]
    receipt_lines: list[ReceiptLine]
    earlier: list[EarlierAllocation]
    policy_row: TolerancePolicy
    policy: EnginePolicy
    purchase_order_ids: list[int]
    labels: dict = field(default_factory=dict)
    # how the PO lines were chosen (stored with the result): {"rule", "cap", "open_po_lines",
    # "po_lines"} under CANDIDATE_RULE, {"rule": ALL_OPEN_POS} for the old way, {} when named
    candidates: dict = field(default_factory=dict)

    def engine_kwargs(self) -> dict:
        return {
            "po_lines": self.po_lines,
            "receipt_lines": self.receipt_lines,
            "earlier_allocations": self.earlier,
            "policy": self.policy,
        }

    @property
    def input_hash(self) -> str:
        return input_hash(self.invoice, **self.engine_kwargs())


def _references(invoice: Invoice, lines) -> tuple[set[str], dict[int, tuple[str | None, str]]]:
    """PO numbers named by the invoice, and per line (PO number or None, line number or raw text)."""
    numbers: set[str] = set()
    for ref in invoice.po_references or []:
        ref = str(ref).strip()
        match = _LINE_REF.match(ref)
        if match and not ref.isdigit():
            ref = match["po"]  # a header reference to a PO line names its PO
        if ref:
            numbers.add(ref)
    per_line: dict[int, tuple[str | None, str]] = {}
    for line in lines:
        ref = (line.po_reference or "").strip()
        if not ref:
            continue
        match = _LINE_REF.match(ref)
        if match:
            numbers.add(match["po"])
            per_line[line.pk] = (match["po"], match["line"])
        elif ref.isdigit():
            per_line[line.pk] = (None, ref)
        else:
            numbers.add(ref)  # names a whole PO
    return numbers, per_line


def _key(number: str) -> str:
    """A PO number as written by hand compared with the portal's: letters and digits only, upper case
    (``po 2026 000007`` and ``PO-2026-000007`` are the same)."""
    return "".join(ch for ch in number.upper() if ch.isalnum())


def _resolve_numbers(invoice: Invoice, numbers: set[str]) -> dict[str, str]:
    """Each reference as the portal's PO number it names, when it names one of this supplier's POs
    (exactly, or written differently); a statement number (``ST-…``) an invoice answers names the POs
    of the goods on that statement."""
    if not numbers:
        return {}
    base = PurchaseOrder.objects.filter(supplier_id=invoice.supplier_id)
    if invoice.legal_entity_id:
        base = base.filter(legal_entity_id=invoice.legal_entity_id)
    # as written (the common case: one indexed lookup), else every PO number of the supplier
    resolved: dict[str, str] = {
        n: n for n in base.filter(number__in=numbers).values_list("number", flat=True)
    }
    wanted = {_key(n): n for n in numbers if n not in resolved}
    if wanted:
        for number in base.values_list("number", flat=True).iterator():
            given = wanted.get(_key(number))
            if given is not None:
                resolved[given] = number
    from ..models import Statement, StatementLine

    statements = Statement.objects.filter(supplier_id=invoice.supplier_id, number__in=numbers)
    for statement in statements:
        po_numbers = (
            StatementLine.objects.filter(statement=statement, receipt_line__isnull=False)
            .values_list("receipt_line__receipt__po__number", flat=True)
            .distinct()
        )
        for number in po_numbers:
            resolved.setdefault(number, number)
    return resolved


def _candidate_po_ids(invoice: Invoice, numbers: set[str]):
    """The POs the invoice may be matched against (ids), or, when it names none, a query of the
    supplier's open POs (not yet run: the prefilter joins it): ``(ids, None)`` or ``(None, query)``."""
    base = PurchaseOrder.objects.filter(supplier_id=invoice.supplier_id)
    if invoice.legal_entity_id:
        base = base.filter(legal_entity_id=invoice.legal_entity_id)
    ids: set[int] = set()
    if numbers:
        ids |= set(base.filter(number__in=numbers).values_list("pk", flat=True))
    if invoice.is_credit_note and invoice.corrects_id:
        ids |= set(
            MatchAllocation.objects.filter(invoice_id=invoice.corrects_id, result__is_current=True)
            .values_list("po_line__po_id", flat=True)
            .distinct()
        )
    if not ids and not numbers:
        plan_pos = _open_plan_po_ids(invoice)
        wanted = Q(state__in=OPEN_PO_STATES)
        if plan_pos is not None:
            wanted |= Q(pk__in=plan_pos)
        return None, base.filter(wanted).values("pk")
    return sorted(ids), None


def _open_plan_po_ids(invoice: Invoice):
    """The POs of the goods on the supplier's open invoice plans to this buyer: an invoice that
    answers a plan without naming it (and that the plan did not take) is matched against them too,
    also when the PO has been closed since. A query (run inside the open-PO query), or None when
    the invoice cannot answer a plan."""
    from invoicing.validation import comparable_tax_id

    from ..models import InvoicePlan, StatementLine

    buyer = comparable_tax_id(invoice.buyer_tax_id)
    if invoice.is_credit_note or not buyer:
        return None
    plans = InvoicePlan.objects.filter(
        supplier_id=invoice.supplier_id, buyer_tax_id=buyer, fulfilled_at__isnull=True
    ).values("statement_id")
    return StatementLine.objects.filter(
        statement_id__in=plans, receipt_line__isnull=False, is_live=True
    ).values("receipt_line__receipt__po_id")


def _engine_lines(invoice: Invoice, lines, po_line_ref) -> list[InvoiceLine]:
    out: list[InvoiceLine] = []
    for line in lines:
        rate = line.tax_rate if line.tax_rate is not None else ZERO
        if line.quantity is None and line.net < 0 and out and not invoice.is_credit_note:
            last = out[-1]  # a discount row (折扣行) reduces the line above it
            out[-1] = InvoiceLine(
                id=last.id,
                quantity=last.quantity,
                amount=last.amount + line.net,
                tax_rate=last.tax_rate,
                tax_amount=last.tax_amount + line.tax,
                unit_price=None,
                po_line_id=last.po_line_id,
                item_code=last.item_code,
                name=last.name,
            )
            continue
        out.append(
            InvoiceLine(
                id=str(line.pk),
                quantity=line.quantity if line.quantity is not None else ZERO,
                amount=line.net,
                tax_rate=rate,
                tax_amount=line.tax,
                unit_price=line.unit_price,
                po_line_id=po_line_ref.get(line.pk),
                item_code=line.item_code or None,
                name=line.name,
            )
        )
    return out


# the columns the inputs read, as plain rows (the PO rows are wide: history, contract and delivery
# fields; model instances of them would also load each PO's state for its state machine)
_PO_LINE_COLUMNS = (
    "pk",
    "po_id",
    "line_no",
    "description",
    "quantity",
    "unit_price",
    "tax_rate",
    "po__number",
    "po__currency",
    "po__legal_entity_id",
    "item__code",
    "item__name",
    "item__is_service",
    "item__category",
)


@dataclass(frozen=True, slots=True)
class _PoRow:
    pk: int
    po_id: int
    line_no: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal | None
    po_number: str
    currency: str
    legal_entity_id: int | None
    item_code: str
    item_name: str
    is_service: bool
    category: str


def _receipt_lines(po_line_ids: list[int], labels: dict) -> list[ReceiptLine]:
    rows = list(
        GoodsReceiptLine.objects.filter(po_line_id__in=po_line_ids)
        .select_related("receipt")
        .only(
            "po_line_id",
            "accepted_qty",
            "returned_qty",
            "receipt_id",
            "receipt__kind",
            "receipt__number",
            "receipt__receipt_date",
        )
        .order_by("receipt__receipt_date", "pk")
    )
    receipts = [r for r in rows if r.receipt.kind == ReceiptKind.RECEIPT and r.accepted_qty > 0]
    returned: dict[int, Decimal] = {}
    for row in rows:
        if row.returned_qty:
            returned[row.po_line_id] = returned.get(row.po_line_id, ZERO) + row.returned_qty
    taken_back: dict[int, Decimal] = {}
    for row in reversed(receipts):  # returns come off the newest receipts first
        left = returned.get(row.po_line_id, ZERO)
        piece = min(left, row.accepted_qty)
        if piece > 0:
            taken_back[row.pk] = piece
            returned[row.po_line_id] = left - piece
    out = []
    for row in receipts:
        labels[str(row.pk)] = {"number": row.receipt.number, "date": row.receipt.receipt_date.isoformat()}
        out.append(
            ReceiptLine(
                id=str(row.pk),
                po_line_id=str(row.po_line_id),
                receipt_date=row.receipt.receipt_date,
                accepted_quantity=row.accepted_qty,
                returned_quantity=taken_back.get(row.pk, ZERO),
            )
        )
    return out


def candidate_rule_of(result) -> str:
    """How the PO lines of a stored result were chosen: results stored before the candidate
    prefilter have no ``candidates`` in their inputs and were decided on every open PO's lines."""
    stored = (result.inputs or {}).get("candidates") if isinstance(result.inputs, dict) else None
    return (stored or {}).get("rule") or ALL_OPEN_POS


@dataclass(frozen=True)
class _Prefiltered:
    po_line_ids: list[int]
    po_ids: list[int]
    every_po_id: list[int]  # the open POs with lines
    categories: set[str]  # of every open PO line, so the policy is chosen as without the prefilter
    legal_entity_id: int | None  # of the first open PO (idem)
    stored: dict


def _open_quantities(rows: list[tuple], invoice: Invoice) -> dict[int, Decimal]:
    """Roughly what is open to invoice on each PO line (received less returned, or ordered for a
    service, less what other live invoices hold on it): only to rank candidates, never to match.
    ``rows``: (id, PO id, unit price, service?, quantity) of the lines."""
    ids = [row[0] for row in rows]
    open_qty = {row[0]: (row[4] if row[3] else ZERO) for row in rows}
    for po_line_id, kind, accepted, returned in GoodsReceiptLine.objects.filter(
        po_line_id__in=ids, po_line__item__is_service=False
    ).values_list("po_line_id", "receipt__kind", "accepted_qty", "returned_qty"):
        got = (accepted or ZERO) if kind == ReceiptKind.RECEIPT else ZERO
        open_qty[po_line_id] += got - (returned or ZERO)
    held = (
        MatchAllocation.objects.filter(po_line_id__in=ids, result__is_current=True)
        .exclude(invoice_id=invoice.pk)
        .exclude(invoice__state__in=DEAD_INVOICE_STATES)
        .values_list("po_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("po_line_id", "total")
    )
    for po_line_id, total in held:
        open_qty[po_line_id] -= total or ZERO
    return open_qty


def _line_key(line, kind: str) -> str:
    return normalise_code(line.item_code) if kind == "code" else normalise_name(line.name)


def _prefilter(invoice: Invoice, lines, open_pos) -> _Prefiltered:
    """The PO lines of the open POs (query ``open_pos``) worth matching ``lines`` against (module docstring):
    one narrow query for the keys, and, only for an item on more than CANDIDATE_CAP lines, two for
    the quantities that rank them."""
    codes = {_line_key(line, "code") for line in lines} - {""}
    names = {_line_key(line, "name") for line in lines} - {""}
    # the keys of every open PO line (narrow: no amounts; those only for a crowded item, below)
    rows = list(
        PurchaseOrderLine.objects.filter(po_id__in=open_pos)
        .order_by("po_id", "line_no")
        .values_list(
            "pk", "po_id", "item__code", "description", "item__name", "item__category", "po__legal_entity_id"
        )
    )
    by_key: dict[tuple[str, str], list[tuple]] = {}
    for row in rows:
        code, name = normalise_code(row[2]), normalise_name(row[3] or row[4])
        if code in codes:
            by_key.setdefault(("code", code), []).append(row)
        if name in names:
            by_key.setdefault(("name", name), []).append(row)
    kept: dict[int, int] = {}  # PO line id: PO id
    crowded = {key: group for key, group in by_key.items() if len(group) > CANDIDATE_CAP}
    for key, group in by_key.items():
        if key not in crowded:
            kept.update((row[0], row[1]) for row in group)
    if crowded:
        # (pk, po_id, unit_price, is_service, quantity) of the crowded items' lines
        amounts = {
            pk: (pk, po_id, price, service, quantity)
            for pk, po_id, price, service, quantity in PurchaseOrderLine.objects.filter(
                pk__in=sorted({row[0] for g in crowded.values() for row in g})
            ).values_list("pk", "po_id", "unit_price", "item__is_service", "quantity")
        }
        crowded = {key: [amounts[row[0]] for row in group] for key, group in crowded.items()}
        open_qty = _open_quantities(
            list({row[0]: row for g in crowded.values() for row in g}.values()), invoice
        )
        for (kind, value), group in crowded.items():
            billed = [line for line in lines if _line_key(line, kind) == value]
            quantities = {line.quantity for line in billed if line.quantity is not None}
            prices = {line.unit_price for line in billed if line.unit_price is not None}

            def rank(row, quantities=quantities, prices=prices):
                left = open_qty[row[0]]
                return (left not in quantities, left <= 0, row[2] not in prices, row[0])

            kept.update((row[0], row[1]) for row in sorted(group, key=rank)[:CANDIDATE_CAP])
    chosen = sorted(kept)
    every_po = sorted({row[1] for row in rows})
    return _Prefiltered(
        po_line_ids=chosen,
        po_ids=sorted(set(kept.values())),
        every_po_id=every_po,
        categories={row[5] for row in rows if row[5]},
        legal_entity_id=rows[0][6] if rows else None,
        stored={
            "rule": CANDIDATE_RULE,
            "cap": CANDIDATE_CAP,
            "open_purchase_orders": len(every_po),
            "open_po_lines": len(rows),
            "po_lines": [str(pk) for pk in chosen],
        },
    )


def build_inputs(
    invoice: Invoice,
    *,
    lock: bool,
    before_result_id: int | None = None,
    candidate_rule: str = CANDIDATE_RULE,
) -> MatchInputs:
    """Everything the engine needs for ``invoice``. ``lock`` locks the PO rows (ordered by id, so
    concurrent matches never deadlock) before anything about them is read. ``before_result_id``
    limits earlier allocations to results older than that one (to re-check a stored result).
    ``candidate_rule``: how the PO lines of an invoice naming no PO are chosen (CANDIDATE_RULE, or
    ALL_OPEN_POS to re-check a result stored before the prefilter: ``candidate_rule_of``)."""
    # kept on the invoice: the approval that may follow reads their PO references (terms)
    prefetch_related_objects(
        [invoice], Prefetch("lines", queryset=InvoiceLineRow.objects.order_by("line_no"))
    )
    lines = list(invoice.lines.all())
    numbers, per_line = _references(invoice, lines)
    resolved = _resolve_numbers(invoice, numbers)
    per_line = {pk: (resolved.get(n, n) if n else n, ln) for pk, (n, ln) in per_line.items()}
    numbers = {resolved.get(n, n) for n in numbers} | set(resolved.values())
    po_ids, open_pos = _candidate_po_ids(invoice, numbers)
    candidates: dict = {}
    prefiltered = None
    if open_pos is not None and candidate_rule == CANDIDATE_RULE:
        prefiltered = _prefilter(invoice, lines, open_pos)
        candidates = prefiltered.stored
        po_ids = prefiltered.po_ids
        if len(prefiltered.every_po_id) <= 1:  # one open PO: all of it (a bare line number may point into it)
            po_ids, prefiltered = prefiltered.every_po_id, None
    elif open_pos is not None:
        candidates = {"rule": candidate_rule}
        po_ids = sorted(pk for (pk,) in open_pos.values_list("pk"))
    po_line_filter = Q(pk__in=prefiltered.po_line_ids) if prefiltered is not None else Q(po_id__in=po_ids)
    if lock and po_ids:
        list(PurchaseOrder.objects.select_for_update().filter(pk__in=po_ids).order_by("pk").values_list("pk"))
    po_rows = [
        _PoRow(*values)
        for values in PurchaseOrderLine.objects.filter(po_line_filter)
        .order_by("po_id", "line_no")
        .values_list(*_PO_LINE_COLUMNS)
    ]
    by_key = {(row.po_number, str(row.line_no)): row for row in po_rows}
    only_po = (
        po_rows[0].po_number if prefiltered is None and len({row.po_id for row in po_rows}) == 1 else None
    )
    po_line_ref: dict[int, str] = {}
    for line_pk, (number, line_no) in per_line.items():
        row = by_key.get((number or only_po, line_no))
        po_line_ref[line_pk] = str(row.pk) if row else (f"{number}/{line_no}" if number else line_no)

    labels: dict = {"po_lines": {}, "receipt_lines": {}, "invoice_lines": {}}
    po_lines = []
    for row in po_rows:
        label = f"{row.po_number}/{row.line_no}"
        labels["po_lines"][str(row.pk)] = {"label": label, "name": row.description or row.item_name}
        po_lines.append(
            PoLine(
                id=str(row.pk),
                quantity=row.quantity,
                unit_price=row.unit_price,
                tax_rate=row.tax_rate if row.tax_rate is not None else ZERO,
                item_code=row.item_code,
                name=row.description or row.item_name,
                receipt_required=not row.is_service,
                currency=row.currency,
                label=label,
            )
        )
    for line in lines:
        labels["invoice_lines"][str(line.pk)] = {"line_no": line.line_no, "name": line.name}
    receipt_lines = _receipt_lines([row.pk for row in po_rows], labels["receipt_lines"])

    earlier_rows = (
        MatchAllocation.objects.filter(po_line_id__in=[row.pk for row in po_rows], result__is_current=True)
        .exclude(invoice_id=invoice.pk)
        .exclude(invoice__state__in=DEAD_INVOICE_STATES)
        .exclude(Q(quantity__lt=0) & ~Q(invoice__state__in=CREDIT_COUNTS))
    )
    if before_result_id is not None:  # what the stored result saw, plus the invoice's own credit notes
        earlier_rows = earlier_rows.filter(
            Q(result_id__lt=before_result_id) | Q(original_invoice_id=invoice.pk)
        )
    earlier = [
        EarlierAllocation(
            invoice_id=str(a.invoice_id),
            po_line_id=str(a.po_line_id),
            quantity=a.quantity,
            receipt_line_id=None if a.receipt_line_id is None else str(a.receipt_line_id),
            original_invoice_id=None if a.original_invoice_id is None else str(a.original_invoice_id),
        )
        for a in earlier_rows.order_by("pk")
    ]

    engine_invoice = EngineInvoice(
        id=str(invoice.pk),
        lines=tuple(_engine_lines(invoice, lines, po_line_ref)),
        net_total=invoice.net_amount if invoice.net_amount is not None else ZERO,
        tax_total=invoice.tax_amount if invoice.tax_amount is not None else ZERO,
        document_type=DocumentType.CREDIT_NOTE if invoice.is_credit_note else DocumentType.INVOICE,
        currency=invoice.currency or "CNY",
        original_invoice_id=str(invoice.corrects_id)
        if invoice.is_credit_note and invoice.corrects_id
        else None,
    )
    if prefiltered is not None:
        categories = set(prefiltered.categories)
        legal_entity_id = invoice.legal_entity_id or prefiltered.legal_entity_id
    else:
        categories = {row.category for row in po_rows if row.category}
        legal_entity_id = invoice.legal_entity_id or (po_rows[0].legal_entity_id if po_rows else None)
    on_date = invoice.issue_date or timezone.localdate(invoice.created_at)
    try:
        policy_row, policy = policy_for(
            legal_entity_id=legal_entity_id,
            supplier_id=invoice.supplier_id,
            item_category=categories.pop() if len(categories) == 1 else None,
            on_date=on_date,
        )
    except PolicyNotFound as exc:
        raise DomainError(str(exc), code="no_tolerance_policy") from None
    return MatchInputs(
        invoice=engine_invoice,
        po_lines=po_lines,
        receipt_lines=receipt_lines,
        earlier=earlier,
        policy_row=policy_row,
        policy=policy,
        purchase_order_ids=po_ids,
        labels=labels,
        candidates=candidates,
    )
