"""``manage.py create_api_token USERNAME [--writer]``: an API token, the same on every run."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = (
        "Create the user if missing (no password: the API takes tokens), grant the shop's "
        "write permission with --writer, and print the user's API token. Rerunning prints "
        "the same token; without --writer an existing grant is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--writer",
            action="store_true",
            help=f"Grant {settings.SHOP_WRITE_PERMISSION}: place, move and review orders.",
        )

    @transaction.atomic
    def handle(self, *args, username: str, writer: bool, **options):
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(**{user_model.USERNAME_FIELD: username})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if writer:
            app_label, codename = settings.SHOP_WRITE_PERMISSION.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        token, _ = Token.objects.get_or_create(user=user)
        # Only the token goes to stdout, so scripts can capture it: TOKEN=$(... create_api_token x)
        role = "reader and writer" if user.has_perm(settings.SHOP_WRITE_PERMISSION) else "reader"
        self.stderr.write(f"{'Created' if created else 'Found'} user {username} ({role}).")
        self.stdout.write(token.key)
