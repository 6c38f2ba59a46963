from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Prints a user's API token (creating it), or replaces (--replace) or revokes (--revoke) it."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--replace", action="store_true", help="revoke the old token and print a new one")
        action.add_argument("--revoke", action="store_true", help="revoke the token; print nothing")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        if options["replace"] or options["revoke"]:
            Token.objects.filter(user=user).delete()
        if options["revoke"]:
            self.stderr.write(f"revoked the API token of {user.username}")
            return
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
