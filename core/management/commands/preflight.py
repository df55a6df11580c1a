from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, OperationalError, connection

# Extensions the platform needs on the database server (created by core.0001_extensions).
REQUIRED_EXTENSIONS = ("postgis", "pgrouting", "pg_trgm", "unaccent")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _where() -> str:
    db = settings.DATABASES["default"]
    host = db.get("HOST") or "local socket"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"{db.get('USER') or ''}@{host}{port}/{db.get('NAME')}"


class Command(BaseCommand):
    help = (
        "Check that the database is reachable, has PostGIS and the other extensions, and that "
        "the job broker answers; explain any failure in one line."
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
            connection.ensure_connection()
        except OperationalError as exc:
            raise CommandError(
                f"cannot connect to the database {_where()}: {_first_line(exc)}"
            ) from None
        try:
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                version = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT name FROM pg_available_extensions WHERE name = ANY(%s)",
                    [list(required)],
                )
                available = {row[0] for row in cursor.fetchall()}
        except DatabaseError as exc:
            raise CommandError(
                f"the database {_where()} answered with an error: {_first_line(exc)}"
            ) from None
        missing = [name for name in required if name not in available]
        if missing:
            hint = "install PostGIS and pgRouting on that server"
            if "postgis" in missing:
                raise CommandError(
                    f"the PostgreSQL {version} server at {_where()} has no PostGIS "
                    f"(extensions not available: {', '.join(missing)}); {hint}"
                )
            raise CommandError(
                f"the PostgreSQL {version} server at {_where()} lacks the extensions "
                f"{', '.join(missing)}; {hint}"
            )
        if not skip_broker:
            from celery import current_app

            try:
                with current_app.connection_for_write() as conn:
                    conn.ensure_connection(max_retries=1, timeout=3)
            except Exception as exc:  # kombu raises transport-specific types
                raise CommandError(
                    f"cannot reach the job broker ({type(exc).__name__}: {_first_line(exc)}); "
                    "check REDIS_URL / CELERY_BROKER_URL"
                ) from None
        self.stdout.write(f"preflight ok: PostgreSQL {version}, extensions {', '.join(required)}")
