"""`onconet unlock USER`: lift the sign-in locks of a user (too many wrong passwords), from every address.

With --two-factor the user's authenticator and recovery codes are reset too (a lost phone), so that the next sign-in
sets up a new one: the way back in for a national admin who has no colleague to do it on the sign-in security page.
Both are audited as done from the command line.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onconet.core.errors import InvalidInput
from onconet.core.models import User
from onconet.core.services import login_unlock, two_factor_reset


class Command(BaseCommand):
    help = "Lift the sign-in locks of a user (and, with --two-factor, reset the user's authenticator)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--two-factor", action="store_true", help="also remove the user's authenticator and recovery codes"
        )

    def handle(self, *args: Any, username: str, two_factor: bool, **options: Any) -> None:
        user = User.objects.filter(username__iexact=username.strip()).first()
        if two_factor and user is None:
            raise CommandError(f"No user is called {username!r}.")
        try:
            removed = login_unlock(actor=None, username=username)
        except InvalidInput as exc:
            raise CommandError(exc.detail) from exc
        name = user.get_username() if user is not None else username.strip()
        self.stdout.write(self.style.SUCCESS(f"{name}: {removed} sign-in lock record(s) removed."))
        if two_factor and user is not None:
            devices = two_factor_reset(actor=None, user=user)
            self.stdout.write(self.style.SUCCESS(f"{name}: {devices} two-factor device(s) removed."))
