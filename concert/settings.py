"""Concert settings: one module, driven by environment variables (see .env.example)."""

import json
from pathlib import Path

import environ

from concert.config import (
    MULTIPART_FRAMING_BYTES,
    check_body_limits,
    database_from_env,
    login_rate,
    redis_cache,
    require,
    secret_key_from_env,
    throttle_rates,
)

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# Production switch: off unless asked. In production mode every required value must be set.
PRODUCTION = env.bool("CONCERT_PRODUCTION", default=False)
DEBUG = env.bool("DJANGO_DEBUG", default=False) and not PRODUCTION

SECRET_KEY = secret_key_from_env(env, production=PRODUCTION)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
require(ALLOWED_HOSTS, "DJANGO_ALLOWED_HOSTS", production=PRODUCTION)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# CORS: methods and headers from concert/cors.json, which API Gateway's CORS reads too.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/(api|partner|media)/.*$"
_CORS = json.loads((BASE_DIR / "concert" / "cors.json").read_text())
CORS_ALLOW_METHODS = _CORS["allow_methods"]
CORS_ALLOW_HEADERS = _CORS["allow_headers"]
CORS_EXPOSE_HEADERS = _CORS["expose_headers"]
CORS_PREFLIGHT_MAX_AGE = _CORS["max_age_seconds"]
CORS_ALLOW_CREDENTIALS = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "apps.core",
    "apps.accounts",
    "apps.events",
    "apps.tickets",
    "apps.files",
    "apps.licensing",
    "apps.usage",
]

MIDDLEWARE = [
    "concert.api.middleware.RequestContextMiddleware",
    "concert.api.middleware.ApiSecurityHeadersMiddleware",
    "concert.api.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "concert.api.middleware.StaticFilesMiddleware",
    "concert.api.middleware.TrailingSlashMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "concert.api.middleware.AdminSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "concert.api.middleware.AdminAuthenticationMiddleware",
    "apps.usage.middleware.UsageMeteringMiddleware",
    "concert.api.middleware.AdminMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "concert.api.middleware.JsonErrorMiddleware",
]

ROOT_URLCONF = "concert.urls"
WSGI_APPLICATION = "concert.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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

# Database: DATABASE_URL (mysql://, sqlite://), or DB_SECRET_ARN + DB_HOST/DB_PORT/DB_NAME on RDS.
DATABASES = {"default": database_from_env(env, base_dir=BASE_DIR, production=PRODUCTION)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (rediss:// for ElastiCache Serverless), else local memory.
REDIS_URL = env.str("REDIS_URL", default="")
# Redis socket timeout (seconds) and how long the cache is skipped after a failure.
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.05)
REDIS_BREAKER_SECONDS = env.float("REDIS_BREAKER_SECONDS", default=10.0)
_LOCAL_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
CACHES = {
    "default": redis_cache(REDIS_URL, timeout=REDIS_TIMEOUT) if REDIS_URL else _LOCAL_CACHE,
    # The same cache for counters that must fail closed (the admin sign-in): errors raise.
    "strict": (redis_cache(REDIS_URL, timeout=REDIS_TIMEOUT, strict=True) if REDIS_URL
               else _LOCAL_CACHE),
}
# A Redis outage must not fail requests: django-redis swallows connection errors (the
# circuit breaker of concert.cache logs each outage once, not each skipped call).
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False
DJANGO_REDIS_LOGGER = "concert.cache"

# Failed admin sign-ins per client address before it is refused until the window ends
# (django-ratelimit's N/period, e.g. 5/15m); counted in the strict cache: an outage refuses
# admin sign-ins (503) rather than allow unlimited guessing.
ADMIN_LOGIN_RATE = login_rate(env.str("ADMIN_LOGIN_RATE", default="5/15m"))
RATELIMIT_USE_CACHE = "strict"
RATELIMIT_FAIL_OPEN = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# Static files (admin, API docs) are collected into the image and served by WhiteNoise
# in every mode, Lambda included.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_MAX_AGE = 3600

# Event and avatar pictures: a folder locally, the EFS access point (/mnt/efs) in AWS, through
# the default storage (Django's file-system storage on MEDIA_ROOT), served at /media/.
MEDIA_ROOT = Path(env.str("PICTURES_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
# Pictures come in around the function: clients post them to the files storage (S3 with a
# presigned POST, or the local stand-in), up to PICTURE_UPLOAD_MAX_BYTES. A stored picture
# (re-encoded, at most 2048 px a side) is served through the function: at most
# PICTURE_MAX_BYTES, which must fit a response as the body limit below fits a request.
PICTURE_UPLOAD_MAX_BYTES = env.int("PICTURE_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
PICTURE_MAX_BYTES = env.int("PICTURE_MAX_BYTES", default=4 * 1024 * 1024 - MULTIPART_FRAMING_BYTES)
PICTURE_MAX_PIXELS = env.int("PICTURE_MAX_PIXELS", default=25_000_000)
PICTURE_MAX_SIDE = env.int("PICTURE_MAX_SIDE", default=8192)

# User files: S3 with presigned URLs when FILES_BUCKET is set, else a local folder behind the
# service's signed URLs; both are the "files" storage.
FILES_BUCKET = env.str("FILES_BUCKET", default="")
FILES_ROOT = Path(env.str("FILES_ROOT", default=str(BASE_DIR / "var" / "files")))
# Endpoint written into presigned URLs when clients reach S3 by another name (compose).
FILES_PUBLIC_ENDPOINT_URL = env.str("FILES_PUBLIC_ENDPOINT_URL", default="")


def files_storages(*, bucket: str, root: Path, public_endpoint_url: str = "") -> dict:
    """STORAGES entries of user files: "files", and "files_links", which signs the URLs
    clients use (the same bucket, by the endpoint clients reach it at)."""
    if not bucket:
        # Overwriting, as S3 does: a form posted twice leaves one file, the last.
        local = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                 "OPTIONS": {"location": root, "allow_overwrite": True}}
        return {"files": local, "files_links": local}
    s3 = {
        "bucket_name": bucket,
        "signature_version": "s3v4",  # what SSE and the newer regions require
        "object_parameters": {"ServerSideEncryption": "AES256"},
        "file_overwrite": True,
        "querystring_expire": 300,
    }
    return {
        "files": {"BACKEND": "concert.s3.S3Storage", "OPTIONS": s3},
        "files_links": {"BACKEND": "concert.s3.S3Storage",
                        "OPTIONS": {**s3, "endpoint_url": public_endpoint_url or None}},
    }


# Largest user file in bytes: 5 GB, the most one S3 POST upload can carry.
FILES_MAX_BYTES = env.int("FILES_MAX_BYTES", default=5 * 1024**3)
# Bytes of files one account may hold (announced and uploaded together).
FILES_QUOTA_BYTES = env.int("FILES_QUOTA_BYTES", default=10 * 1024**3)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},  # pictures
    **files_storages(bucket=FILES_BUCKET, root=FILES_ROOT,
                     public_endpoint_url=FILES_PUBLIC_ENDPOINT_URL),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Identity: Cognito JWTs. Behind API Gateway the authorizer's verified claims are used where
# a route has one; elsewhere the service verifies bearer tokens itself.
AUTH_TRUST_API_GATEWAY = env.bool("AUTH_TRUST_API_GATEWAY", default=False)
JWT_ISSUER = env.str("JWT_ISSUER", default="")
JWT_AUDIENCE = env.list("JWT_AUDIENCE", default=[])
JWT_JWKS_URL = env.str("JWT_JWKS_URL", default="")
# The user pool's JWKS copied into a secret (no internet from the function; see concert.jwks).
JWT_JWKS_SECRET_ARN = env.str("JWT_JWKS_SECRET_ARN", default="")
# The dev issuer mints and verifies tokens locally; it never exists in production mode.
JWT_DEV_ISSUER = not PRODUCTION and not JWT_ISSUER
# Where seed_demo saves the demo's tokens and ids as shell exports.
DEMO_ENV_FILE = env.str("DEMO_ENV_FILE", default=str(BASE_DIR / "var" / "demo.env"))

# Largest request body: 4 MiB, whose base64 event (5.6 MB) fits Lambda's 6 MB payload; a
# larger body is a 413 in the error envelope (concert.config.check_body_limits).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=4 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
check_body_limits(body=DATA_UPLOAD_MAX_MEMORY_SIZE, picture=PICTURE_MAX_BYTES)

# How long one request may run, in seconds: the function's timeout (Terraform passes its
# lambda_timeout), where Lambda stops it even after API Gateway has stopped waiting. Work a
# request claimed and never finished (a picture upload, a file's copy) is taken for
# abandoned once this and a margin have passed (apps.core.storage.request_lifetime).
REQUEST_TIME_LIMIT = env.int("REQUEST_TIME_LIMIT", default=30)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.licensing.authentication.FailedAuthenticationGate",
        "apps.accounts.authentication.ApiGatewayAuthentication",
        "apps.accounts.authentication.BearerJWTAuthentication",
        "apps.licensing.authentication.LicenseKeyAuthentication",
        "apps.accounts.authentication.UnacceptedAuthorization",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "apps.accounts.permissions.LicenseScope",
    ],
    # The rate limit first: a request it refuses never reaches, nor uses, the daily quota.
    # The quota counts every /api/v1 request and refuses it with 429 once the plan's is used.
    "DEFAULT_THROTTLE_CLASSES": [
        "concert.api.throttling.RequestRateThrottle",
        "concert.api.throttling.PictureUploadThrottle",
        "apps.usage.throttling.UsageQuotaThrottle",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "concert.api.negotiation.ContentNegotiation",
    # JSON bodies only; the local stand-in for S3's POST upload takes multipart, as S3 does.
    "DEFAULT_PARSER_CLASSES": ["concert.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "concert.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "concert.api.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "concert.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# Request rates (N/s, /min, /hour or /day) per license key, per account across all its
# keys, per account (JWT callers), per client address for anonymous callers, failed
# authentications per client address, and picture uploads per account; counted in the
# default cache, an empty value is no limit.
THROTTLE_RATES = throttle_rates(
    key=env.str("THROTTLE_KEY_RATE", default="600/min"),
    partner=env.str("THROTTLE_PARTNER_RATE", default="1200/min"),
    user=env.str("THROTTLE_USER_RATE", default="120/min"),
    anon=env.str("THROTTLE_ANON_RATE", default="60/min"),
    auth_failure=env.str("THROTTLE_AUTH_FAILURE_RATE", default="20/min"),
    picture=env.str("THROTTLE_PICTURE_RATE", default="10/min"),
)

# Modules of drf-spectacular extensions (authentication schemes), loaded when the schema is
# first built (concert.api.annotations).
SCHEMA_EXTENSION_MODULES = ["apps.accounts.schema", "apps.licensing.schema"]

SPECTACULAR_SETTINGS = {
    "TITLE": "Concert API",
    "DESCRIPTION": (
        "Listings, tickets, profiles and files of the Concert platform.\n\n"
        "Partners call every operation that takes a license key (`X-Api-Key`) under "
        "`/partner/v1/` instead of `/api/v1/`: the same operation, a license key and no JWT."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": [
        "concert.api.annotations.apply_annotations",
        "concert.api.schema.without_partner_paths",
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "concert.api.schema.add_shared_error_responses",
        "concert.api.schema.complete_for_tools",
    ],
    "ENUM_NAME_OVERRIDES": {
        "FileStatusEnum": "apps.files.models.File.Status",
        "OrderStatusEnum": "apps.tickets.models.OrderStatus",
        "TicketStatusEnum": "apps.tickets.models.TicketStatus",
    },
}

# Behind API Gateway TLS ends before the Lambda; apig-wsgi passes X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = PRODUCTION and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# mysql.W003 warns that a unique CharField over 255 characters may not be indexable. On
# InnoDB's DYNAMIC row format, the default of MySQL 8 and MariaDB 10.2.2 on, an index key
# holds 3,072 bytes (https://dev.mysql.com/doc/refman/en/innodb-limits.html,
# https://mariadb.com/kb/en/innodb-dynamic-row-format): 768 utf8mb4 characters, more than
# the longest unique key here (a file's storage key, 300); the migrations create them.
SILENCED_SYSTEM_CHECKS = ["mysql.W003"]
CSRF_FAILURE_VIEW = "concert.api.errors.csrf_failure"

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_ids": {"()": "concert.api.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "concert.api.logging.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["request_ids"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # 5xx with their traceback; 4xx are answered to the client and need no log line.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

# How long an order's Idempotency-Key replays the first order (seconds); older keys are
# ignored and purged by `manage.py idempotency_keys_purge`.
IDEMPOTENCY_KEY_TTL = 24 * 60 * 60

# Plan of accounts that have none assigned (a Plan name; created by licensing's migrations).
USAGE_DEFAULT_PLAN = env.str("USAGE_DEFAULT_PLAN", default="free")

# Management commands the Lambda runs on a direct invocation {"manage": [...]}.
LAMBDA_MANAGE_COMMANDS = frozenset(
    {
        "migrate",
        "showmigrations",
        "check",
        "createsuperuser",
        "operator_create",
        "clearsessions",
        "usage_flush",
        "files_purge_pending",
        "picture_uploads_purge",
        "idempotency_keys_purge",
    }
)
