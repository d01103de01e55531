"""Errors that services raise, and how the API answers them and database refusals: never a 500.

Services raise ``InvalidInput`` (400) and ``Conflict`` (409) without knowing about HTTP; the
exception handler below turns them, and the database's own refusals, into JSON answers.
"""

from django.db import DataError, IntegrityError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    """A business rule refused the request; nothing was written."""


class InvalidInput(ApplicationError):
    """The request is well-formed but names things that do not exist or do not add up.

    ``errors`` has the shape of a serializer's errors (field name to a list of messages; for a
    list field, the position of each faulty element to its own such mapping), so clients read
    both kinds the same way.
    """

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class Conflict(ApplicationError):
    """The request is valid but the current state of the data does not allow it."""

    def __init__(self, message: str, code: str = "conflict", **extra):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra


def exception_handler(exc, context):
    if isinstance(exc, InvalidInput):
        return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):
        return Response(
            {"detail": exc.message, "code": exc.code, **exc.extra},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        # The database refused a write that validation let through (a race, a constraint the
        # serializer does not mirror). Nothing was written: the request ran in a transaction.
        return Response(
            {"detail": "The request conflicts with the shop's data.", "code": "integrity_error"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DataError):
        # A value the serializers let through but the column cannot hold (out of range, ...).
        return Response(
            {"detail": "A value does not fit the shop's data.", "code": "invalid_value"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)
