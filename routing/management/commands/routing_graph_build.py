from django.core.management.base import BaseCommand

from routing.services import routing_graph_build


class Command(BaseCommand):
    help = "Rebuild the routable graph from the street register."

    def handle(self, *args, **options) -> None:
        build = routing_graph_build()
        self.stdout.write(
            f"Routing graph: {build.nodes} nodes, {build.edges} edges in {build.seconds:.1f} s."
        )
