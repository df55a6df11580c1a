from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from addressing.demo import demo_city_generate
from addressing.services import places_load_geojson


class Command(BaseCommand):
    help = (
        "Lay out the synthetic demo city (streets, neighbourhoods, postal zones, numbered "
        "buildings with postcodes) in Ramallah and Al-Bireh once, and load the real "
        "OpenStreetMap places."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, seed: int, **options) -> None:
        report = demo_city_generate(seed=seed)
        if report.streets:
            self.stdout.write(
                f"  demo city (synthetic): {report.streets} streets, {report.buildings} "
                f"buildings with postcodes, {report.zones} postal zones, {report.areas} areas"
            )
        else:
            self.stdout.write("  demo city present")
        path = Path(settings.REFERENCE_DATA_DIR) / "ramallah_health_facilities.geojson"
        places = places_load_geojson(path=path)
        self.stdout.write(f"  places (OpenStreetMap): {places}")
