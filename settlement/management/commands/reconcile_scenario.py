"""Replay a match outside the database: run the pure matching engine on a scenario file.

    python manage.py reconcile_scenario case.json          # prints the MatchResult as JSON
    python manage.py reconcile_scenario - < case.json       # the scenario on standard input
    python manage.py reconcile_scenario --dump-invoice 42   # the scenario invoice 42's current result was decided on
    python manage.py reconcile_scenario --result 7          # the scenario of match result 7 (any, also an old one)
    python manage.py reconcile_scenario --keep-legacy-inputs  # store the inputs of old results where provable

Exit 0 with the result (whatever the verdict), 2 with one line on standard error when the file
cannot be read or is not a valid scenario. The formats are in docs/matching.md.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from settlement.matching import MatchingInputError, match_invoice
from settlement.models import TolerancePolicy
from settlement.services.match_json import ScenarioError, result_to_json, scenario_from_json, scenario_to_json
from settlement.services.match_policies import DEFAULT_CODE, DEFAULT_FROM, to_engine


def default_policy():
    """The built-in global default (the model's defaults), without touching the database."""
    return to_engine(TolerancePolicy(code=DEFAULT_CODE, version=1, effective_from=DEFAULT_FROM))


class Command(BaseCommand):
    help = "Run the matching engine on a scenario file (JSON) and print the result as JSON."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="scenario file, or - for standard input")
        parser.add_argument(
            "--dump-invoice",
            type=int,
            default=None,
            help="print the scenario this invoice's current match result was decided on",
        )
        parser.add_argument(
            "--result",
            type=int,
            default=None,
            help="print the scenario this match result (any, also an earlier one) was decided on",
        )
        parser.add_argument(
            "--keep-legacy-inputs",
            action="store_true",
            help="store the inputs of results stored without them, where today's data proves them",
        )
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="with --dump-invoice: build the scenario from today's data instead of the stored one",
        )

    def handle(self, *args, path=None, dump_invoice=None, result=None, rebuild=False, **options):
        if options.get("keep_legacy_inputs"):
            self._keep_legacy()
            return
        if result is not None:
            self._dump_result(result)
            return
        if dump_invoice is not None:
            self._dump(dump_invoice, rebuild=rebuild)
            return
        if not path:
            self._refuse("give a scenario file (or - for standard input), or --dump-invoice ID")
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            self._refuse(f"cannot read {path}: {exc.strerror}")
        except UnicodeDecodeError:
            self._refuse(f"{path} is not UTF-8 text")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self._refuse(f"{path} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        try:
            scenario = scenario_from_json(data, default_policy=default_policy())
            result = match_invoice(scenario.pop("invoice"), **scenario)
        except (ScenarioError, MatchingInputError) as exc:
            self._refuse(f"invalid scenario: {exc}")
        self.stdout.write(json.dumps(result_to_json(result), indent=2, ensure_ascii=False))

    def _dump_result(self, result_id: int):
        from settlement.models import MatchResult

        stored = MatchResult.objects.filter(pk=result_id).select_related("policy", "invoice").first()
        if stored is None:
            self._refuse(f"match result {result_id} does not exist")
        self._write_stored(stored)

    def _write_stored(self, stored):
        from settlement.services.match_replay import ReplayUnavailable, match_result_scenario

        try:
            replay = match_result_scenario(stored)
        except ReplayUnavailable as exc:
            self._refuse(
                f"{exc}; --dump-invoice {stored.invoice_id} --rebuild shows what a match would see today"
            )
        if replay.rebuilt:
            sys.stderr.write(
                f"reconcile_scenario: match result {stored.pk} kept no inputs; these were rebuilt from today's "
                f"data and give its stored input hash, so they are the inputs it was decided on\n"
            )
        self.stdout.write(json.dumps(replay.scenario, indent=2, ensure_ascii=False))

    def _keep_legacy(self):
        from settlement.services.match_replay import match_results_keep_legacy_inputs

        kept, lost = match_results_keep_legacy_inputs()
        self.stdout.write(f"kept the inputs of {len(kept)} result(s); {len(lost)} cannot be rebuilt")
        for exc in lost:
            self.stdout.write(f"  {exc}")

    def _dump(self, invoice_id: int, *, rebuild: bool = False):
        from invoicing.models import Invoice
        from settlement.models import MatchResult
        from settlement.services.match_inputs import build_inputs

        invoice = Invoice.objects.filter(pk=invoice_id).first()
        if invoice is None:
            self._refuse(f"invoice {invoice_id} does not exist")
        if not rebuild:
            stored = (
                MatchResult.objects.filter(invoice=invoice)
                .select_related("policy", "invoice")
                .order_by("-is_current", "-created_at", "-pk")
                .first()
            )
            if stored is not None:
                self._write_stored(stored)
                return
            sys.stderr.write(
                f"reconcile_scenario: invoice {invoice_id} has no match result; this is what a match would "
                f"see today\n"
            )
        inputs = build_inputs(invoice, lock=False)
        scenario = scenario_to_json(
            inputs.invoice,
            po_lines=inputs.po_lines,
            receipt_lines=inputs.receipt_lines,
            earlier_allocations=inputs.earlier,
            policy=inputs.policy,
        )
        self.stdout.write(json.dumps(scenario, indent=2, ensure_ascii=False))

    def _refuse(self, message: str):
        sys.stderr.write(f"reconcile_scenario: {message}".replace("\n", " ") + "\n")
        sys.exit(2)
