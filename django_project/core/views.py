from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from rest_framework import viewsets

from core.domain import OLIST_ID_PATTERN

# URL patterns for the two kinds of keys, so a malformed id is a 404 before any query runs.
OLIST_ID_URL_PATTERN = OLIST_ID_PATTERN.strip("^$")
SURROGATE_ID_URL_PATTERN = "[0-9]{1,18}"


@require_GET
def healthz(request):
    """Liveness and database reachability, for load balancers; needs no authentication."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1")
    except Exception as exc:  # any failure to reach the database is "unhealthy", not a 500
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok"})


class ReadOnlyResourceViewSet(viewsets.ReadOnlyModelViewSet):
    """List and detail of one shop table, keyed by a 32-hex Olist id unless told otherwise.

    Subclasses get their queryset from a selector (which knows the joins a page needs) and
    their filters from a FilterSet.
    """

    lookup_value_regex = OLIST_ID_URL_PATTERN

    def filter_queryset(self, queryset):
        # Filters and ordering are for lists; building them for a detail only costs time.
        if self.action != "list":
            return queryset
        queryset = super().filter_queryset(queryset)
        # Page boundaries must not move between requests: break ties of any ordering by the key.
        return queryset.order_by(*queryset.query.order_by, "pk")
