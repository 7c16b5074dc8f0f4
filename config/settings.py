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

from config.redis import channel_layer_host

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
    "elections",
    "onboarding",
    "frontend",
    "verifiable",
    # Accounts: sign-in by username or e-mail, e-mail verification, password reset,
    # two-factor authentication and single sign-on (README, "Accounts and onboarding").
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.request_memo.RequestMemoMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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
    # Parameters are sent apart from the statement (server-side binding), so that a
    # statement run DATABASE_PREPARE_THRESHOLD times on a connection is prepared there and
    # then neither parsed nor planned again: a ballot cast on an idle machine took a
    # quarter less time. Empty turns preparing off, for a pooler in transaction mode that
    # does not keep prepared statements.
    _options.setdefault("server_side_binding", True)
    _prepare = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip()
    _options.setdefault("prepare_threshold", int(_prepare) if _prepare else None)
    _pool_size = int(os.environ.get("DATABASE_POOL_SIZE", "20"))
    if _pool_size > 0:
        _options["pool"] = {
            "min_size": min(2, _pool_size),
            "max_size": _pool_size,
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
            "unreachable_timeout": 1.0,
            "retry_interval": 0.5,
            # A connection back in the pool for less than this is handed out unchecked.
            "recheck_after": float(os.environ.get("DATABASE_POOL_RECHECK_AFTER", "1")),
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
            "CONFIG": {"hosts": [channel_layer_host(REDIS_URL)], "prefix": CHANNEL_LAYER_PREFIX},
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
    "allauth.account.auth_backends.AuthenticationBackend",
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
# django-allauth: sign-in by username or e-mail, e-mail verified before an account is used,
# password reset and e-mail change by e-mail, TOTP and recovery codes, OpenID Connect.
ACCOUNT_ADAPTER = "onboarding.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "onboarding.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# "optional": accounts made before allauth (and by the operator) sign in as they did; a
# candidate's application and an invited person's first sign-in need a verified address
# (onboarding.services), and every new address is sent a confirmation link.
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Collegia] "
ACCOUNT_FORMS = {"login": "frontend.forms.SignInForm"}
ACCOUNT_USER_DISPLAY = str
# Failed sign-ins are limited by governance.login_throttle (per account and per address,
# shared with the API's token endpoint, 429 with Retry-After); allauth's own counter of
# failed sign-ins would only duplicate it. Its other limits stay, tightened here.
ACCOUNT_RATE_LIMITS = {
    "login_failed": None,
    "login": os.environ.get("ACCOUNT_RATE_LOGIN", "30/m/ip"),
    "signup": os.environ.get("ACCOUNT_RATE_SIGNUP", "20/m/ip"),
    "reset_password": os.environ.get("ACCOUNT_RATE_RESET", "20/m/ip,5/m/key"),
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Collegia"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
# Single sign-on for an organisation that has an OpenID Connect provider (a local
# authority's agents): configured from the environment, shown on the sign-in page.
OIDC_SERVER_URL = os.environ.get("OIDC_SERVER_URL", "").rstrip("/")
SOCIALACCOUNT_PROVIDERS: dict[str, Any] = {}
if OIDC_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": os.environ.get("OIDC_PROVIDER_ID", "sso"),
                "name": os.environ.get("OIDC_PROVIDER_NAME", "SSO"),
                "client_id": os.environ.get("OIDC_CLIENT_ID", ""),
                "secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
                "settings": {"server_url": OIDC_SERVER_URL},
            }
        ],
    }
# A one-time invitation link lives this many days (onboarding.services.invitations).
INVITATION_TTL_DAYS = float(os.environ.get("INVITATION_TTL_DAYS", "7"))
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
        "TrusteeRoleEnum": "elections.models.TrusteeRole",
        "BoardRoleKindEnum": "governance.models.BoardRoleKind",
        "CredentialModeEnum": "elections.models.CredentialMode",
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
    # ...and further apart for a large room: one coalesced subject sends at most this
    # many frames a second (core.live.coalesce); 2,000 voters get a push every 2 s.
    "LIVE_FRAMES_PER_SECOND": int(os.environ.get("LIVE_FRAMES_PER_SECOND", "1000")),
    # The ASGI server collects the garbage of its long-lived objects this often (core.heap);
    # 0 leaves Python's collector as it is.
    "GC_FULL_COLLECT_SECONDS": float(os.environ.get("GC_FULL_COLLECT_SECONDS", "600")),
    # How often the ASGI server's event loop hands the GIL to a view's thread that waits
    # for it (core.interpreter); 0 leaves Python's 5 ms.
    "ASGI_SWITCH_INTERVAL_SECONDS": float(os.environ.get("ASGI_SWITCH_INTERVAL_SECONDS", "0.001")),
    # Background loops `manage.py serve` runs beside Daphne: dotted paths to functions
    # taking a `stop` threading.Event. Production runs each as its own command instead.
    "WORKER_LOOPS": [
        "webhooks.worker.run_forever",
        "voting.scheduler.run_forever",
        "core.mailer.run_forever",
    ],
    # The local hour (TIME_ZONE) at which the daily digest of notifications leaves.
    "NOTIFICATION_DIGEST_HOUR": int(os.environ.get("NOTIFICATION_DIGEST_HOUR", "7")),
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

# The demo's vote counted end to end (elections.demo): its trustees' key files and its
# voters' private credentials, written there at load time, readable by their owner only.
DEMO_SECRETS_DIR = Path(os.environ.get("DEMO_SECRETS_DIR", "") or BASE_DIR / ".demo-election")

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
    # Invitations sent and password resets asked through the API, per person or address.
    "INVITATION_RATE_LIMIT": os.environ.get("INVITATION_RATE_LIMIT", "60/3600"),
    "PASSWORD_RESET_RATE_LIMIT": os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5/300"),
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


def _oidc_origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


_OIDC_ORIGINS: list[Any] = [_oidc_origin(OIDC_SERVER_URL)] if OIDC_SERVER_URL else []
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
    # The single sign-on button posts to the site, which redirects to the provider.
    "form-action": [CSP.SELF, *_OIDC_ORIGINS],
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
