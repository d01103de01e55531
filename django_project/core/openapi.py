"""The error answers every API operation can give, written into the OpenAPI schema.

drf-spectacular documents what a view returns when all goes well; the refusals come from
layers it does not see (authentication, permissions, throttling, the body-size limit, filter
and pagination validation, the exception handler). Clients and the fuzz suite
(``tests/api/test_fuzz.py``) check every answer against the schema, so each refusal is declared
here, once, with its body, for every operation it applies to.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_list_serializer

ERROR = {"$ref": "#/components/schemas/Error"}
FIELD_ERRORS = {"$ref": "#/components/schemas/FieldErrors"}

COMPONENTS = {
    "Error": {
        "type": "object",
        "description": "A refusal: a message, and for some a machine-readable code and details.",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["detail"],
    },
    "FieldErrors": {
        "type": "object",
        "description": (
            "Field (or parameter) name to its messages; a list field's faulty elements by "
            "position. A value the database cannot hold is an Error with code invalid_value."
        ),
        "minProperties": 1,
    },
}

RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request.",
        "schema": {"type": "integer", "minimum": 0},
        "required": True,
    }
}


# gunicorn answers a request line longer than its limit_request_line itself (an HTML page),
# before the request reaches Django: a long enough query string gets it on any operation.
URI_TOO_LONG = {
    "description": (
        "The request line (the path and query) is longer than the server reads (4,094 bytes);"
        " answered by the HTTP server, as an HTML page."
    ),
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def _json(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def error_responses(method: str, has_path_id: bool, is_list: bool) -> dict[str, dict]:
    """The refusals of one operation, by status code."""
    responses = {
        "401": _json("No credentials, or an unknown token.", ERROR),
        "414": URI_TOO_LONG,
        "429": _json("Too many requests from this client; retry later.", ERROR, RETRY_AFTER),
    }
    if is_list:
        responses["400"] = _json("A filter or pagination parameter is invalid.", FIELD_ERRORS)
        responses["404"] = _json("The page is past the last one.", ERROR)
    if has_path_id:
        responses["404"] = _json("No such resource.", ERROR)
    if method == "post":
        responses["400"] = _json(
            "Field errors, shaped like the request, or malformed JSON; nothing written.",
            FIELD_ERRORS,
        )
        responses["403"] = _json("The user lacks the shop's write permission.", ERROR)
        responses["413"] = _json("The request body is larger than the API accepts.", ERROR)
        responses["415"] = _json("The request body is not JSON.", ERROR)
        if has_path_id:
            responses["409"] = _json(
                "The order's status does not allow this step (the body names the current and "
                "the allowed statuses), or the database refused the write; nothing written.",
                ERROR,
            )
        else:
            responses["409"] = _json("The database refused the write; nothing written.", ERROR)
    return responses


def document_errors(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook (``SPECTACULAR_SETTINGS``)."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            has_path_id = any(p.get("in") == "path" for p in operation.get("parameters", []))
            is_list = method == "get" and not has_path_id
            documented = operation.setdefault("responses", {})
            for status, response in error_responses(method, has_path_id, is_list).items():
                # A view's own description of a status (its 400 body) is more precise; keep it
                # but give it a body when it has none.
                if status not in documented or "content" not in documented[status]:
                    description = documented.get(status, {}).get("description") or ""
                    documented[status] = {
                        **response,
                        "description": description or response["description"],
                    }
    return result


class ShopAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the length bounds of a nested list (``many=True``).

    DRF keeps ``min_length``, ``max_length`` and ``allow_empty`` of a list serializer as
    attributes, not validators, and drf-spectacular reads only validators: an order's ``items``
    and ``payments`` were documented as possibly empty, though the server refuses that.
    """

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if is_list_serializer(field) and schema and schema.get("type") == "array":
            minimum = field.min_length if field.min_length is not None else 0
            if not field.allow_empty:
                minimum = max(minimum, 1)
            if minimum:
                schema["minItems"] = minimum
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema
