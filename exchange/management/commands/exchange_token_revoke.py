"""Revoke an exchange token by its prefix (the first 12 characters, as the admin shows them)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from exchange.models import ExchangeToken
from exchange.services import token_revoke


class Command(BaseCommand):
    help = "Revoke an exchange token, named by its prefix (xch_...)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("prefix")

    def handle(self, *args, **options) -> None:
        tokens = list(ExchangeToken.objects.filter(prefix=options["prefix"])[:2])
        if len(tokens) != 1:
            raise CommandError(f"{len(tokens) or 'No'} token(s) with prefix {options['prefix']}.")
        token = token_revoke(token=tokens[0])
        self.stdout.write(f"revoked {token} at {token.revoked_at:%Y-%m-%d %H:%M:%S} UTC")
