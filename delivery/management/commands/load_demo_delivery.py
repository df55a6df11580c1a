from django.core.management.base import BaseCommand

from delivery.demo import demo_delivery_load, demo_phone, demo_reference, demo_rounds_load


class Command(BaseCommand):
    help = "Load synthetic delivery offices and e-services document requests for the demo."

    def handle(self, *args, **options) -> None:
        offices, documents = demo_delivery_load()
        self.stdout.write(
            f"Delivery demo: {offices} offices, {documents} document requests (synthetic); "
            f"try reference {demo_reference(1)} with phone 0{demo_phone(1)[3:]}."
        )
        couriers, orders = demo_rounds_load()
        self.stdout.write(
            f"Delivery demo: {couriers} couriers on shift today and {orders} home deliveries "
            "to plan (synthetic) on the dispatcher's board."
        )
