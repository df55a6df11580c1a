"""Register a member organisation's subsystem for the exchange services and issue its first
token (or, with --token-only, a new token for an existing client). The token is printed once:
only its SHA-256 is kept."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.errors import DomainError
from exchange.models import DEFAULT_RATE_LIMIT_PER_MINUTE, ExchangeClient, Service
from exchange.services import client_create, token_issue


class Command(BaseCommand):
    help = "Add an exchange client (PS/GOV/<member code>/<subsystem>) and print its token once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("identifier", help="X-Road client id, e.g. PS/GOV/MOLG/addressing")
        parser.add_argument("--name", default="", help="the organisation's name")
        parser.add_argument(
            "--services",
            default=",".join(Service.values),
            help=f"comma-separated, of {', '.join(Service.values)} (default: all)",
        )
        parser.add_argument(
            "--rate-limit", type=int, default=DEFAULT_RATE_LIMIT_PER_MINUTE, help="calls a minute"
        )
        parser.add_argument("--valid-days", type=int, default=365, help="the token's lifetime")
        parser.add_argument(
            "--certificate-sha256",
            default="",
            help="the client certificate's SHA-256 fingerprint, to authenticate by certificate",
        )
        parser.add_argument(
            "--token-only", action="store_true", help="a new token for an existing client"
        )

    def handle(self, *args, **options) -> None:
        identifier = options["identifier"]
        services = [s.strip() for s in options["services"].split(",") if s.strip()]
        try:
            with transaction.atomic():
                if options["token_only"]:
                    client = ExchangeClient.objects.filter(identifier=identifier).first()
                    if client is None:
                        raise CommandError(f"No exchange client {identifier}.")
                else:
                    if ExchangeClient.objects.filter(identifier=identifier).exists():
                        raise CommandError(
                            f"{identifier} exists; use --token-only for a new token."
                        )
                    client = client_create(
                        identifier=identifier,
                        name=options["name"] or identifier,
                        services=services,
                        rate_limit_per_minute=options["rate_limit"],
                        certificate_sha256=options["certificate_sha256"],
                    )
                issued = token_issue(client=client, valid_days=options["valid_days"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except Exception as exc:  # a validation error of the identifier's shape
            if exc.__class__.__name__ == "ValidationError":
                raise CommandError(f"{identifier!r} is not a client id: {exc}") from exc
            raise
        self.stdout.write(
            f"client {client.identifier}: services {', '.join(client.allowed_services)}, "
            f"{client.rate_limit_per_minute} calls a minute\n"
            f"token (shown once, keep it secret), expires {issued.token.expires_at:%Y-%m-%d}:\n"
            f"{issued.secret}"
        )
