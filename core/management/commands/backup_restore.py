from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backups import backup_restore
from core.errors import DomainError


class Command(BaseCommand):
    help = "Restore a backup archive into the configured, empty database and MEDIA_ROOT."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive: Path, **options) -> None:
        try:
            manifest = backup_restore(archive=archive)
        except DomainError as error:
            raise CommandError(error.message) from error
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"restored {len(manifest['tables'])} tables ({rows} rows) and "
            f"{manifest['media_files']} files from {manifest['created_at']}"
        )
