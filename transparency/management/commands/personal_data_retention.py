"""manage.py personal_data_retention [--dry-run]: apply the retention periods of personal data
now (Celery beat runs the same service every night)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from transparency.services import personal_data_retention_apply, retention_periods


class Command(BaseCommand):
    help = (
        "Anonymise or delete the personal data past its retention period "
        "(delivery contacts, service-request contacts and photos, records of reads)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what is past its period; change nothing"
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        periods = retention_periods()
        result = personal_data_retention_apply(now=timezone.now(), dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"delivery orders closed over {periods.delivery_contact_days} days ago: "
            f"{result.delivery_orders} {verb} anonymised\n"
            f"service requests closed over {periods.service_request_contact_days} days ago: "
            f"{result.service_requests} {verb} stripped of contacts and photos\n"
            f"records of reads older than {periods.personal_data_read_days} days: "
            f"{result.personal_data_reads} {verb} deleted\n"
            f"exchange request log records older than {periods.exchange_request_log_days} days: "
            f"{result.exchange_requests} {verb} deleted"
        )
