"""Print the demo authenticator's current code (``make run``'s demo users; see core.demo_mfa)."""

import time

from django.core.management.base import BaseCommand

from core.demo_mfa import demo_totp_code, demo_totp_secret


class Command(BaseCommand):
    help = "Print the current code of the demo users' authenticator (demo data only)."

    def handle(self, *args, **options):
        code, step = demo_totp_code()
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"{code}  (valid about {left} s more; secret {demo_totp_secret()})")
