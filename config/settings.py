"""Collegia settings, read from the environment (see README, "Configuration")."""

import hashlib
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

# Lets Django's generic classes take their type arguments at run time too
# (`admin.ModelAdmin[Cooperative]`), as the strictly checked packages write them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "collegia-development-only-secret-key-never-use-in-production"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "DEBUG is off and SECRET_KEY is the development key. Set SECRET_KEY to a long random "
        "value (for instance: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

# Secret ballots are sealed to a key pair per vote whose private half is kept wrapped
# under this key (voting.sealing); without it a secret vote can neither open nor close.
BALLOT_SEAL_KEY = os.environ.get("BALLOT_SEAL_KEY", "")
if not DEBUG and len(BALLOT_SEAL_KEY) < 32:
    raise ImproperlyConfigured(
        "DEBUG is off and BALLOT_SEAL_KEY is not set (or shorter than 32 characters). Set it "
        "to a long random value kept outside the database (for instance: python -c 'import "
        'secrets; print(secrets.token_urlsafe(32))\'); see the README, "Secret ballots".'
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "guardian",
    "channels",
    "core",
    "governance",
    "deliberation",
    "voting",
    "webhooks",
    "assemblies",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide overrides of third-party templates (one that needed an inline style).
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# The embedded default is SQLite in WAL mode so that the web process and the
# workers can write side by side; production sets DATABASE_URL to PostgreSQL.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every request runs in a thread of its own, so connections are pooled
    # rather than kept per thread (conn_max_age stays 0). The pool also caps what one
    # process asks of PostgreSQL: past DATABASE_POOL_SIZE, requests wait for a connection.
    # The pool checks each connection before handing it out (CONN_HEALTH_CHECKS), so a
    # connection the database dropped is replaced, not given to a request. Its class
    # (core.db.pool) answers at once while the database cannot be reached, and tries again
    # every half second, so that service resumes as soon as the database returns.
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "2")))
    _pool_size = int(os.environ.get("DATABASE_POOL_SIZE", "20"))
    if _pool_size > 0:
        _options["pool"] = {
            "min_size": min(2, _pool_size),
            "max_size": _pool_size,
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
            "unreachable_timeout": 1.0,
            "retry_interval": 0.5,
        }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def deployment_prefix(database_name: str, secret_key: str) -> str:
    """A prefix that differs between deployments and is the same for every process of one.

    Two deployments sharing a Redis would otherwise see each other's live events: the
    pub/sub layer ignores the Redis database number. The secret key is hashed, never shown.
    """
    seed = f"collegia\0{database_name}\0{secret_key}".encode()
    return f"collegia-{hashlib.sha256(seed).hexdigest()[:16]}."


# Prepended to every group and channel name of the Redis channel layer, to the Redis keys
# of room presence, and to every cache key.
CHANNEL_LAYER_PREFIX = os.environ.get("CHANNEL_LAYER_PREFIX", "") or deployment_prefix(
    str(DATABASES["default"].get("NAME", "")), SECRET_KEY
)
if not re.fullmatch(r"[A-Za-z0-9_.-]{1,50}", CHANNEL_LAYER_PREFIX):
    raise ImproperlyConfigured(
        "CHANNEL_LAYER_PREFIX may only hold letters, digits, '.', '_' and '-' (50 at most)."
    )

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # The pub/sub layer fans a group message out in one PUBLISH instead of one
    # list push per member, which matters for rooms of a thousand members.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": os.environ.get(
                "CHANNEL_LAYER_BACKEND", "channels_redis.pubsub.RedisPubSubChannelLayer"
            ),
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYER_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNEL_LAYER_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "governance.Person"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English pages keep the day before the month and the 24-hour clock (config/formats/en).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Email leaves by SMTP when DEBUG is off (convocations are legal notices); the console
# backend, which only prints, is the default for development. collegia.W001 warns when a
# production process is set to print instead of send.
_email_backend = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS: dict[str, dict[str, Any]] = {"default": {"BACKEND": _email_backend}}
if _email_backend == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ["EMAIL_PORT"]) if os.environ.get("EMAIL_PORT") else None,
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": float(os.environ.get("EMAIL_TIMEOUT", "30")),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "collegia@localhost")

REST_FRAMEWORK = {
    # Token first so that an anonymous call gets 401 with a WWW-Authenticate challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "governance.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Collegia API",
    "DESCRIPTION": (
        "Governance and deliberation of multi-stakeholder cooperatives: colleges, weighted "
        "votes, assemblies and decisions. Every error has the shape of the Error component."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `kind` or a `status`: each choice set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "AssemblyKindEnum": "assemblies.models.assembly.AssemblyKind",
        "AssemblyStatusEnum": "assemblies.models.assembly.AssemblyStatus",
        "AgendaItemKindEnum": "assemblies.models.assembly.ItemKind",
        "CategoryKindEnum": "governance.models.CategoryKind",
        "ProposalStatusEnum": "deliberation.models.ProposalStatus",
        "AmendmentStatusEnum": "deliberation.models.AmendmentStatus",
        "WebhookMessageStatusEnum": "webhooks.models.MessageStatus",
        "VoteStatusEnum": "voting.models.VoteStatus",
        "MajorityBaseEnum": "governance.models.MajorityBase",
    },
}

# Collegia's own knobs; every one is documented in the README.
COLLEGIA = {
    "WEBHOOK_ALLOW_PRIVATE_DESTINATIONS": env_bool("WEBHOOK_ALLOW_PRIVATE_DESTINATIONS", DEBUG),
    # Destination ports of webhooks: ports and inclusive ranges, comma-separated.
    "WEBHOOK_ALLOWED_PORTS": os.environ.get("WEBHOOK_ALLOWED_PORTS", "80,443,1024-65535"),
    "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "15")),
    "COMMENT_RATE_LIMIT": os.environ.get("COMMENT_RATE_LIMIT", "10/60"),
    # A vote's turnout goes to its proposal room at most once per this many seconds,
    # whatever the rate of ballots (voting.live); 0 pushes after every ballot.
    "TURNOUT_PUSH_SECONDS": float(os.environ.get("TURNOUT_PUSH_SECONDS", "1")),
    # Background loops `manage.py serve` runs beside Daphne: dotted paths to functions
    # taking a `stop` threading.Event. Production runs each as its own command instead.
    "WORKER_LOOPS": ["webhooks.worker.run_forever", "voting.scheduler.run_forever"],
    # Divides the webhook retry delays; only benchmarks and demos change it.
    "WEBHOOK_RETRY_SCALE": float(os.environ.get("WEBHOOK_RETRY_SCALE", "1")),
    # A secret vote where a college has fewer members on the roll than this warns the board
    # at the opening, and the booth tells that college's members: its result, published per
    # college, may show how they voted.
    "SECRET_BALLOT_SMALL_COLLEGE": int(os.environ.get("SECRET_BALLOT_SMALL_COLLEGE", "3")),
}

# The audit log's keyring (README, "Audit log"): `id:secret` entries, oldest first; the
# last signs new entries and all of them verify. Or AUDIT_KEY_FILE, a file holding them.
# Required when DEBUG is off (system check core.E001).
AUDIT_KEY = os.environ.get("AUDIT_KEY", "")
AUDIT_KEY_FILE = os.environ.get("AUDIT_KEY_FILE", "")

# API tokens (governance.tokens): django-rest-knox, stored as digests, living
# API_TOKEN_TTL days; sign-in limits per account and per address (governance.login_throttle).
API_TOKEN_TTL_DAYS = float(os.environ.get("API_TOKEN_TTL", "90"))
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
COLLEGIA = {
    **COLLEGIA,
    "LOGIN_RATE_ACCOUNT": os.environ.get("LOGIN_RATE_ACCOUNT", "5/300"),
    "LOGIN_RATE_ADDRESS": os.environ.get("LOGIN_RATE_ADDRESS", "20/300"),
}

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REFERRER_POLICY = "same-origin"

# --- Browser hardening: offline API docs, Content-Security-Policy (issue 13, point 9) ---
# Swagger UI is served from the drf-spectacular-sidecar package's static files, never a CDN.
INSTALLED_APPS += ["drf_spectacular_sidecar"]
SPECTACULAR_SETTINGS["SWAGGER_UI_DIST"] = "SIDECAR"
SPECTACULAR_SETTINGS["SWAGGER_UI_FAVICON_HREF"] = "SIDECAR"
# Django's own CSP middleware (django-csp, merged into Django 6.0; the separate package
# would clash with it). Every script and style is a file under /static/: nothing inline,
# no 'unsafe-inline'. The admin puts a nonce on the one inline style it may write
# (csp_nonce_attr), hence NONCE in style-src and the csp context processor in TEMPLATES.
# /api/docs/ adds `img-src data:` for Swagger UI's icons (core/docs.py); the stored
# minutes page sets its own, stricter policy (assemblies/api/documents.py).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    # 'self' covers the page's own ws:// and wss:// address (live rooms).
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# --- end of browser hardening ---

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # An ordinary 403 or 404 is one line in the log, without a traceback.
    "filters": {"client_errors": {"()": "core.log_filters.ClientErrorsOnOneLine"}},
    "loggers": {
        "django.request": {"filters": ["client_errors"]},
        "django.channels.server": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
    },
}
