import django_filters
from core.domain import STATE_CODES
from core.filters import TextFilter, ZipPrefixFilter

from geo.models import Geolocation


class GeolocationFilter(django_filters.FilterSet):
    zip_code_prefix = ZipPrefixFilter(field_name="geolocation_zip_code_prefix")
    state = django_filters.ChoiceFilter(
        field_name="geolocation_state", choices=[(code, code) for code in STATE_CODES]
    )
    city = TextFilter(field_name="geolocation_city")

    class Meta:
        model = Geolocation
        fields = []
