from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from layers.management.commands.import_layer import render_report
from layers.management.progress import ProgressBar
from layers.services import osm_import


class Command(BaseCommand):
    help = "Import an OpenStreetMap PBF as streets, buildings and points-of-interest layers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--prefix", required=True, help="slug prefix, e.g. helsinki")
        parser.add_argument("--public", action="store_true")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, path: Path, prefix: str, public: bool, dry_run: bool, **o) -> None:
        bar = ProgressBar(self.stderr._out)
        try:
            reports = osm_import(
                path=path,
                prefix=prefix,
                user=None,
                visibility="public" if public else "internal",
                dry_run=dry_run,
                progress=bar,
            )
        except DomainError as exc:
            bar.close()
            raise CommandError(exc.message) from None
        bar.close()
        for report in reports:
            self.stdout.write(render_report(report))
