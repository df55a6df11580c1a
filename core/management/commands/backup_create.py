from pathlib import Path

from django.core.management.base import BaseCommand

from core.backups import backup_create


class Command(BaseCommand):
    help = "Write a consistent backup (database and uploaded files) into one archive."

    def add_arguments(self, parser) -> None:
        parser.add_argument("destination", type=Path, help="folder to write the archive into")

    def handle(self, *args, destination: Path, **options) -> None:
        archive = backup_create(destination=destination)
        self.stdout.write(str(archive))
