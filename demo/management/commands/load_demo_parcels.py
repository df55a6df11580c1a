from django.core.management.base import BaseCommand

from demo.parcels import demo_parcels_generate


class Command(BaseCommand):
    help = (
        "Draw the synthetic demo parcels (with synthetic owners) around the demo city's blocks "
        "and buildings; does nothing where they are already there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, seed: int, **options):
        report = demo_parcels_generate(seed=seed)
        self.stdout.write(
            f"demo parcels: {report.parcels} parcels in {report.basins} basins, "
            f"{report.parties} synthetic owners"
        )
