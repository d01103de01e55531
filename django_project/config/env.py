"""Reading settings from the environment: one place, failing fast on a missing production secret.

``DJANGO_ENV=local`` (the default) has defaults that make ``make demo`` work on one machine;
``DJANGO_ENV=production`` refuses to start without the secrets it needs.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENT = os.environ.get("DJANGO_ENV", "local")
IS_PRODUCTION = ENVIRONMENT == "production"


def env_str(name: str, local_default: str | None = None) -> str:
    """A string setting; in production a setting without a value is an error, not a default."""
    value = os.environ.get(name)
    if value:
        return value
    if IS_PRODUCTION or local_default is None:
        raise ImproperlyConfigured(
            f"Set the environment variable {name} (DJANGO_ENV={ENVIRONMENT})."
        )
    return local_default


def env_with_default(name: str, default: str) -> str:
    """A setting that is not a secret and has a sensible default in every environment."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}.") from None


def env_list(name: str, local_default: str) -> list[str]:
    return [item.strip() for item in env_str(name, local_default).split(",") if item.strip()]
