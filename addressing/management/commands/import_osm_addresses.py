from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from addressing.imports import osm_addresses_import
from boundaries.models import Municipality
from core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import an OpenStreetMap extract's named streets, addresses (addr:housenumber and "
        "addr:street) and named places into a municipality's address register."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--municipality", required=True, help="the municipality's slug")
        parser.add_argument("--code-prefix", required=True, help="street codes start so")

    def handle(self, *args, path: Path, municipality: str, code_prefix: str, **options) -> None:
        town = Municipality.objects.filter(slug=municipality).first()
        if town is None:
            raise CommandError(f"There is no municipality {municipality!r}.")
        try:
            report = osm_addresses_import(path=path, municipality=town, code_prefix=code_prefix)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"{report.streets} streets, {report.buildings} addresses, {report.places} places"
        )
        for reason, count in sorted(report.skipped.items()):
            self.stdout.write(f"  left out: {count} {reason}")
