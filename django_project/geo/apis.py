from core.views import SURROGATE_ID_URL_PATTERN, ReadOnlyResourceViewSet

from geo.filters import GeolocationFilter
from geo.selectors import geolocation_list
from geo.serializers import GeolocationSerializer


class GeolocationViewSet(ReadOnlyResourceViewSet):
    """Points seen for zip code prefixes (several per prefix, as in Olist)."""

    serializer_class = GeolocationSerializer
    filterset_class = GeolocationFilter
    lookup_value_regex = SURROGATE_ID_URL_PATTERN
    ordering_fields = ["geolocation_zip_code_prefix", "geolocation_city", "geolocation_state"]
    ordering = ["geolocation_zip_code_prefix"]

    def get_queryset(self):
        return geolocation_list()
