from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from layers.management.commands.import_layer import render_report
from layers.services import demo_layers_ensure


class Command(BaseCommand):
    help = "Import the demo layers once (Ramallah health facilities, Helsinki OpenStreetMap)."

    def handle(self, *args, **options) -> None:
        reports = demo_layers_ensure(data_dir=Path(settings.BASE_DIR) / "data")
        for report in reports:
            self.stdout.write(render_report(report))
        if not reports:
            self.stdout.write("  demo layers present")
