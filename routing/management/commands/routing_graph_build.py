from django.core.management.base import BaseCommand

from routing.selectors import router_warm
from routing.services import routing_graph_build


class Command(BaseCommand):
    help = "Rebuild the routable graph from the street register, and warm the routing engine."

    def handle(self, *args, **options) -> None:
        build = routing_graph_build()
        unplaced = f" ({build.turns_unplaced} not placed)" if build.turns_unplaced else ""
        self.stdout.write(
            f"Routing graph: {build.nodes} nodes, {build.edges} edges, {build.turns} turn "
            f"restrictions{unplaced} in {build.seconds:.1f} s."
        )
        self.stdout.write(f"Routing engine compiled and loaded in {router_warm():.1f} s.")
