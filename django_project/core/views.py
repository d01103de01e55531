from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found
from django_filters import MultipleChoiceFilter
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

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

    def list(self, request, *args, **kwargs):
        check_query_parameters(request, self.repeatable_parameters())
        return super().list(request, *args, **kwargs)

    def repeatable_parameters(self) -> set[str]:
        filters = self.filterset_class.base_filters if self.filterset_class else {}
        return {name for name, f in filters.items() if isinstance(f, MultipleChoiceFilter)}

    def filter_queryset(self, queryset):
        # Filters and ordering are for lists; building them for a detail only costs time.
        if self.action != "list":
            return queryset
        queryset = super().filter_queryset(queryset)
        # Page boundaries must not move between requests: break ties of any ordering by the key.
        return queryset.order_by(*queryset.query.order_by, "pk")


def check_query_parameters(request, repeatable: set[str]) -> None:
    """A 400 for a single-valued parameter given twice, or a parameter given without a value.

    Django would silently use the last value, so ``?page_size=5&page_size=500`` would mean
    whatever the proxy or client library happened to put last, and django-filter ignores an
    empty value, so ``?state=`` would list every row; the schema declares one non-empty value.
    ``ordering=`` stays allowed: it asks for the default order.
    """
    errors = {}
    for name, values in request.query_params.lists():
        if len(values) > 1 and name not in repeatable:
            errors[name] = ["Give this parameter once."]
        elif name != "ordering" and any(value == "" for value in values):
            errors[name] = ["Give a value, or leave the parameter out."]
    if errors:
        raise ValidationError(errors)


def api_not_found(request, exception=None):
    """A URL that matches no route: JSON under /api/ (what the schema promises), HTML elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
