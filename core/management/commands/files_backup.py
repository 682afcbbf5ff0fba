"""Copy every stored file (the configured storage: MEDIA_ROOT or the S3 bucket) into a folder."""

from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from core.filecopy import storage_to_folder


class Command(BaseCommand):
    help = (
        "Copy every stored file (invoice originals, quote attachments, qualification documents) from "
        "the configured storage into FOLDER; files already there are skipped. See docs/operations.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        folder.mkdir(parents=True, exist_ok=True)
        self.stdout.write(storage_to_folder(default_storage, folder).summary())
