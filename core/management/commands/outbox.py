"""List the follow-up tasks that failed or are stuck (core.queue), and send them again.

manage.py outbox                   # list them
manage.py outbox --retry 12 13     # send these again
manage.py outbox --retry-failed    # send again every task the sweeper gave up on
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from core.models import OutboxTask
from core.queue import outbox_retry


class Command(BaseCommand):
    help = "List follow-up tasks that failed or are stuck; send them again."

    def add_arguments(self, parser):
        parser.add_argument("--retry", nargs="+", type=int, default=[], metavar="ID")
        parser.add_argument("--retry-failed", action="store_true")

    def handle(self, *args, retry, retry_failed, **options):
        open_tasks = OutboxTask.objects.filter(finished_at__isnull=True).order_by("created_at", "pk")
        ids = list(retry)
        if retry_failed:
            ids += list(
                open_tasks.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).values_list("pk", flat=True)
            )
        if ids:
            for pk in ids:
                sent = outbox_retry(outbox_id=pk)
                self.stdout.write(
                    f"{pk} {'sent' if sent else 'not sent (finished, unknown or the broker refused it)'}"
                )
            return
        for row in open_tasks:
            state = "failed" if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS else "pending"
            self.stdout.write(
                f"{row.pk}\t{state}\t{row.name}{tuple(row.args)!r}\t{row.created_at:%Y-%m-%d %H:%M:%S}"
                f"\tattempts={row.attempts}\t{row.last_error.splitlines()[0] if row.last_error else ''}"
            )
