"""Parse and validate one e-invoice file; store nothing; print the normalised invoice.

Exit 0 when the file was parsed (even with validation errors), 2 when it was refused.
Outside a supplier context (no --supplier) the party checks that need the database are skipped.
"""

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from invoicing.checks import check_file
from invoicing.formats.model import Refused
from invoicing.report import invoice_to_dict
from invoicing.validation import ValidationContext


class Command(BaseCommand):
    help = "Parse and validate one e-invoice file (OFD, 数电 XML, UBL, CII, Factur-X PDF) without storing anything."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--json", action="store_true", help="print exactly one JSON object")
        parser.add_argument("--supplier-tax-id", default=None, help="check the seller against this tax id")
        parser.add_argument("--max-age-days", type=int, default=None)

    def handle(self, *args, path, json: bool, supplier_tax_id, max_age_days, **options):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            self._refuse(f"cannot read {path}: {exc.strerror}")
        ctx = ValidationContext(
            today=timezone.localdate(),
            max_age_days=max_age_days or settings.INVOICE_MAX_AGE_DAYS,
            expected_seller_tax_id=supplier_tax_id,
            buyer_tax_ids=None,
        )
        try:
            result = check_file(data, ctx, max_bytes=settings.INVOICE_MAX_UPLOAD_BYTES)
        except Refused as refused:
            self._refuse(f"refused ({refused.code}): {refused.message}")
        report = invoice_to_dict(result.invoice, result.issues)
        if json:
            self.stdout.write(_json_dumps(report))
        else:
            self._print_text(report)

    def _refuse(self, message: str):
        sys.stderr.write(message.replace("\n", " ") + "\n")
        sys.exit(2)

    def _print_text(self, r: dict):
        w = self.stdout.write
        w(
            f"{r['format']} {r['document_type']} {r['invoice_code'] or ''} {r['invoice_number']} of {r['issue_date']}"
        )
        w(f"seller: {r['seller']['name']} ({r['seller']['tax_id']})")
        w(f"buyer:  {r['buyer']['name']} ({r['buyer']['tax_id']})")
        t = r["totals"]
        w(
            f"totals: net {t['net']} + tax {t['tax']} = gross {t['gross']}, payable {t['payable']} {r['currency']}"
        )
        for n, line in enumerate(r["lines"], start=1):
            w(
                f"  {n}. {line['name']}  {line['quantity'] or ''} {line['unit']} × {line['unit_price'] or ''} = {line['net']}"
                f"  rate {line['tax_rate'] or '*'} tax {line['tax']}"
            )
        s = r["signature"]
        w(
            f"signature: present={s['present']} digests_valid={s['digests_valid']} signature_valid={s['signature_valid']}"
            f" signer={s['signer'] or '-'}"
        )
        for issue in r["issues"]:
            w(f"  [{issue['severity']}] {issue['code']}: {issue['message']}")
        if not r["issues"]:
            w("no issues")


def _json_dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=False)
