"""API error handling: database integrity errors become 400/409 answers, never a 500."""

from django.db import IntegrityError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, IntegrityError):
        # The database refused a write that validation let through (a race, a constraint the
        # serializer does not mirror). Nothing was written: the request ran in a transaction.
        return Response(
            {"detail": "The request conflicts with the shop's data.", "code": "integrity_error"},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
