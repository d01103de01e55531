"""Django settings for the Olist shop (the platform's OLTP source).

Every value comes from the environment through ``config.env``; see ``.env.example`` at the
repository root for the full list with local defaults.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from config.env import IS_PRODUCTION, env_bool, env_int, env_list, env_str, env_with_default
from config.postgres import resolve_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "local-only-insecure-key-do-not-use-in-production")
DEBUG = env_bool("DJANGO_DEBUG", default=not IS_PRODUCTION)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "core.apps.ShopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "geo",
    "customers",
    "catalog",
    "orders",
    "dataset",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RequestBodyLimitMiddleware",
    # Static files (the admin's, Swagger UI's) straight from gunicorn, no separate web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        # Production must name its database; locally the server is found (config.postgres).
        env_str("DATABASE_URL") if IS_PRODUCTION else resolve_database_url(),
        # Persistent connections: a request should not pay for a new PostgreSQL backend.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Server-side binding with prepared statements: PostgreSQL plans the API's few hot queries once
# per connection (about 20% more order-detail requests/s in benchmarks/api_load.py). Needs a
# direct connection or pgbouncer >= 1.21 in transaction mode.
# Added to the options the URL gives (its sslmode=require in production stays).
DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Olist's timestamps are São Paulo wall-clock times; they are stored as timestamptz.
TIME_ZONE = "America/Sao_Paulo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` gathers files for a deployment; unset, they are served from the apps.
STATIC_ROOT = env_with_default("DJANGO_STATIC_ROOT", "") or None
# Serve from the installed apps directly, so no collectstatic step is needed before `make api`.
WHITENOISE_USE_FINDERS = True

# The largest request body the API takes (an order of 100 items is about 20 KB; a review's
# 10,000-character message at most 60 KB of JSON); a larger one is a 413 before it is read.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 256 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

# Throttling counts requests in the cache below, which is per gunicorn process: with N
# processes a client gets up to N times the rate. The load benchmark and the fuzz suite raise
# the rates (they are one client sending thousands of requests on purpose).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.ReadOrShopWrite"],
    # JSON only: one body format to validate and document.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_with_default("API_THROTTLE_ANON", "60/minute"),
        "user": env_with_default("API_THROTTLE_USER", "1200/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.ShopAutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

# The permission that separates the shop's staff (place and move orders) from read-only users.
SHOP_WRITE_PERMISSION = "orders.write_orders"

SPECTACULAR_SETTINGS = {
    "TITLE": "Olist shop API",
    "DESCRIPTION": "The marketplace's transactional API: catalogue, customers, orders.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's JavaScript and CSS served from the installed package, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"StateCodeEnum": "core.domain.STATE_CODES"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.document_errors",
    ],
}

# Admin login lockout (core.admin_site): this many failures of one username from one address
# within this many minutes lock that pair out for the rest of the window.
ADMIN_LOGIN_MAX_FAILURES = env_int("DJANGO_ADMIN_LOGIN_MAX_FAILURES", 5)
ADMIN_LOGIN_LOCKOUT_MINUTES = env_int("DJANGO_ADMIN_LOGIN_LOCKOUT_MINUTES", 15)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_with_default("DJANGO_LOG_LEVEL", "WARNING")},
}

if IS_PRODUCTION:
    # Behind a TLS-terminating load balancer that sets X-Forwarded-Proto. /healthz stays on
    # plain HTTP: load balancers probe the target directly.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
