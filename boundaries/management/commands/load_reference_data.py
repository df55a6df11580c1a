from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from boundaries.services import reference_data_load
from core.errors import DomainError


class Command(BaseCommand):
    help = "Load regions, governorates, localities and municipalities (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--source-dir", type=Path, default=None)

    def handle(self, *args, source_dir: Path | None, **options) -> None:
        directory = source_dir or Path(settings.REFERENCE_DATA_DIR)
        try:
            report = reference_data_load(source_dir=directory)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for name, counts in report.as_dict().items():
            repaired = (
                f", {len(counts['repaired'])} geometries repaired" if counts["repaired"] else ""
            )
            self.stdout.write(
                f"  {name:<15} {counts['created']} created, {counts['updated']} updated{repaired}"
            )
