from django.core.management.base import BaseCommand

from core.services import demo_users_ensure


class Command(BaseCommand):
    help = "Create one demo account per role; new passwords are printed once and never stored."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="issue new passwords for every demo account"
        )

    def handle(self, *args, reset: bool, **options) -> None:
        accounts = demo_users_ensure(reset_passwords=reset)
        new = [a for a in accounts if a.password]
        if new:
            self.stdout.write("Demo accounts (passwords shown this once; keep them safe):")
            for account in new:
                self.stdout.write(
                    f"  {account.username:<26} {account.role.value:<20} {account.password}"
                )
        kept = [a for a in accounts if not a.password]
        if kept:
            names = ", ".join(a.username for a in kept)
            self.stdout.write(
                f"Demo accounts kept with their passwords: {names} "
                "(`manage.py demo_users --reset` issues new ones)"
            )
