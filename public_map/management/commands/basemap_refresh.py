from django.core.management.base import BaseCommand

from public_map.services import basemap_blocks_rebuild


class Command(BaseCommand):
    help = "Rebuild the basemap's city blocks from the street register and drop its cached tiles."

    def handle(self, *args, **options) -> None:
        built = basemap_blocks_rebuild()
        self.stdout.write(f"Basemap: {built} city blocks.")
