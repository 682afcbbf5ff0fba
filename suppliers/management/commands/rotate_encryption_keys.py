"""Re-encrypt every bank account number with the newest key of FIELD_ENCRYPTION_KEY.

Rotation: put the new key first in FIELD_ENCRYPTION_KEY (keep the old ones after it), deploy,
run this command, then remove the old keys.
"""

from django.core.management.base import BaseCommand

from suppliers.crypto import current_key_id
from suppliers.services import rotate_encryption_keys


class Command(BaseCommand):
    help = "Re-encrypt bank account numbers with the newest FIELD_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        changed = rotate_encryption_keys()
        self.stdout.write(f"Re-encrypted {changed} bank account number(s) with key {current_key_id()}.")
