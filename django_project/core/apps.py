from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    default = True
    name = "core"
    verbose_name = "Shop core (change tracking, API plumbing)"


class ShopAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on a site that locks out repeated failed logins (``core.admin_site``)."""

    default = False
    default_site = "core.admin_site.ShopAdminSite"
