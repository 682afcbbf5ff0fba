"""Measure the matching engine on generated cases with known right answers (no database)."""

from django.core.management.base import BaseCommand, CommandError

from settlement.matching.cases import Kind, quality_cases, run_quality


class Command(BaseCommand):
    help = (
        "Generate realistic matching cases with known right answers (clean, within tolerance, tax "
        "rounding, split deliveries, partial invoices, credit notes and the exceptions), match them "
        "and report the auto-match rate, false matches, over-allocations and wrong answers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=1000, help="how many cases (default 1000)")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same cases")
        parser.add_argument("--show", type=int, default=20, help="list up to this many failed cases")

    def handle(self, *args, cases, seed, show, **options):
        if cases < 1:
            raise CommandError("--cases must be at least 1")
        report = run_quality(quality_cases(cases, seed=seed))
        out = self.stdout.write
        out(f"cases: {report.cases} (seed {seed})")
        out(
            f"first-pass auto-match rate: {100 * report.auto_match_rate:.2f}% "
            f"of the {report.should_match} cases that should match"
        )
        out(f"false matches: {report.false_matches}")
        out(f"over-allocations: {report.over_allocations}")
        out(f"wrong verdicts: {report.wrong_verdicts}")
        out(f"wrong allocations: {report.wrong_allocations}")
        out("")
        out(f"{'kind':<26}{'cases':>7}{'right':>7}")
        by_kind = report.by_kind()
        for kind in Kind:
            counts = by_kind.get(kind)
            if counts:
                out(f"{kind.value:<26}{counts['cases']:>7}{counts['right']:>7}")
        failures = report.failures()
        if failures:
            out("")
            for failure in failures[:show]:
                out(failure)
        if report.false_matches or report.over_allocations:
            raise CommandError("quality targets missed: false matches and over-allocations must be 0")
        out(self.style.SUCCESS("no false matches and no over-allocations"))
