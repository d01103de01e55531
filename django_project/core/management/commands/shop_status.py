"""Print the shop's row counts and how to reach its API: the end of ``make demo``."""

import os

from django.apps import apps
from django.core.management.base import BaseCommand

from core.models import TrackedModel

TRACKED_APPS = ("geo", "catalog", "customers", "orders")


class Command(BaseCommand):
    help = "Row counts per shop table, and how to start the API and get a token."

    def handle(self, *args, **options):
        models = [
            model
            for app_label in TRACKED_APPS
            for model in apps.get_app_config(app_label).get_models()
            if issubclass(model, TrackedModel)
        ]
        width = max(len(m._meta.db_table) for m in models)
        self.stdout.write(f"\nShop database ({self._database_name()}):")
        for model in models:
            self.stdout.write(f"  {model._meta.db_table:<{width}}  {model.objects.count():>10,}")
        port = os.environ.get("PORT", "8000")
        self.stdout.write(
            "\nThe API:\n"
            f"  make api    # gunicorn on http://127.0.0.1:{port} (PORT overrides)\n"
            "  cd django_project && ../.venv/bin/python manage.py create_api_token demo --writer\n"
            f"  curl -H 'Authorization: Token <token>' http://127.0.0.1:{port}/api/orders/\n"
            f"  open http://127.0.0.1:{port}/api/docs/ for the Swagger UI\n"
        )

    @staticmethod
    def _database_name() -> str:
        from django.db import connection

        settings = connection.settings_dict
        return f"{settings['NAME']} on {settings['HOST'] or 'local socket'}"
