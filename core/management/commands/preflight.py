from django.core.management.base import BaseCommand, CommandError

from core.errors import ServiceUnavailable
from core.selectors import (
    REQUIRED_EXTENSIONS,
    broker_status,
    database_address,
    database_status,
    storage_status,
)


class Command(BaseCommand):
    help = (
        "Check that the database is reachable and has PostGIS and the other extensions, that "
        "the job broker answers and that the storage folders are writable; explain any "
        "failure in one line."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--extension",
            action="append",
            dest="extensions",
            help="extension to require (repeatable; default: the platform's own list)",
        )
        parser.add_argument("--skip-broker", action="store_true")

    def handle(self, *args, extensions: list[str] | None, skip_broker: bool, **options) -> None:
        required = tuple(extensions or REQUIRED_EXTENSIONS)
        try:
            status = database_status(required_extensions=required)
            storage_status()
            if not skip_broker:
                broker_status()
        except ServiceUnavailable as exc:
            raise CommandError(exc.message) from None
        if status.missing_extensions:
            missing = ", ".join(status.missing_extensions)
            what = "has no PostGIS" if "postgis" in status.missing_extensions else "lacks"
            raise CommandError(
                f"the PostgreSQL {status.server_version} server at {database_address()} {what} "
                f"(extensions not available: {missing}); install them on that server "
                "(Debian: postgresql-<version>-postgis-3 and postgresql-<version>-pgrouting)"
            )
        self.stdout.write(
            f"preflight ok: PostgreSQL {status.server_version}, PostGIS {status.postgis_version}, "
            f"extensions {', '.join(required)}"
        )
