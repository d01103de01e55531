from core.admin import TrackedAdmin
from django.contrib import admin

from geo.models import Geolocation


@admin.register(Geolocation)
class GeolocationAdmin(TrackedAdmin):
    list_display = (
        "geolocation_zip_code_prefix",
        "geolocation_city",
        "geolocation_state",
        "geolocation_lat",
        "geolocation_lng",
    )
    list_filter = ("geolocation_state",)
    search_fields = ("=geolocation_zip_code_prefix", "geolocation_city")
