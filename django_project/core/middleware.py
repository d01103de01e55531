"""A bound on request bodies, before anything reads them."""

from django.conf import settings
from django.http import JsonResponse


class RequestBodyLimitMiddleware:
    """Refuse a body larger than ``settings.API_MAX_BODY_BYTES`` with a JSON 413.

    Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` guards ``request.body`` and form parsing only: DRF's
    JSON parser reads the input stream directly, so without this an API client could make a
    worker buffer and parse a body of any size. The declared length is checked, so the body is
    never read; gunicorn reads at most that length.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.API_MAX_BODY_BYTES:
            return JsonResponse(
                {
                    "detail": (
                        f"The request body has {length} bytes; the API accepts at most "
                        f"{settings.API_MAX_BODY_BYTES}."
                    ),
                    "code": "request_too_large",
                },
                status=413,
            )
        return self.get_response(request)
