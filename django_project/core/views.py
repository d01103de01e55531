from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """Liveness and database reachability, for load balancers; needs no authentication."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1")
    except Exception as exc:  # any failure to reach the database is "unhealthy", not a 500
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok"})
