"""Copy a folder made by files_backup (or an old MEDIA_ROOT) into the configured storage."""

from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from core.filecopy import folder_to_storage


class Command(BaseCommand):
    help = (
        "Copy every file in FOLDER (made by files_backup, or an old MEDIA_ROOT) into the configured "
        "storage; files already stored are kept, never overwritten. Then run invoice_files_verify."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        self.stdout.write(folder_to_storage(folder, default_storage).summary())
