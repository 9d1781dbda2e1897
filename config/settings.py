"""The portal's one settings module, read from the environment.

Defaults run the demo: SQLite, tasks run in-process, console e-mail.
Production sets PORTAL_ENV=production plus DATABASE_URL, REDIS_URL,
SECRET_KEY and the allowed hosts (see .env.example). A bad value fails
loudly at start-up.
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.storage import default_storage_from

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# PORTAL_ENV=production makes every secret mandatory; development (the
# default) runs the demo with a throwaway key.
PORTAL_ENV: str = env.str("PORTAL_ENV", default="development")
if PORTAL_ENV not in {"development", "production"}:
    raise environ.ImproperlyConfigured(
        f"PORTAL_ENV must be 'development' or 'production', not {PORTAL_ENV!r}"
    )
PRODUCTION = PORTAL_ENV == "production"
DEBUG: bool = env.bool("DEBUG", default=not PRODUCTION)
SECRET_KEY: str = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise environ.ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "development-only-insecure-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The portal's public address: printed in e-mails and in the QR code of every
# result document (it leads to /verify/<code>/), so it must outlive the paper.
PORTAL_BASE_URL: str = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
if not PORTAL_BASE_URL.startswith(("http://", "https://")):
    raise environ.ImproperlyConfigured("PORTAL_BASE_URL must be an http:// or https:// address")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "audit",
    "pki",
    "reglament",
    "applicants",
    "registry",
    "services",
    "gateway",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A lost database answers 503 with Retry-After, never 500 (issue 6).
    "config.unavailable.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
# A streaming read replica for the reports (config.routers); every other read
# and every write goes to the primary. In tests it mirrors the test database.
DATABASE_REPLICA_URL: str = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
# A connection kept across requests is checked first, so the portal recovers
# by itself after a PostgreSQL restart instead of failing on a dead socket.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "applicants.User"
AUTHENTICATION_BACKENDS = ["applicants.backends.IinOrUsernameBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS: list[str] = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)
LOGIN_URL = "applicants:staff-login"
# Citizens (the cabinet and the signing page) log in at their own door (P2).
CITIZEN_LOGIN_URL = "cabinet:login"
# Login throttling: per username and per client address (see applicants.throttle).
LOGIN_MAX_FAILURES: int = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_FAILURE_WINDOW_MINUTES: int = env.int("LOGIN_FAILURE_WINDOW_MINUTES", default=15)
LOGIN_LOCK_MINUTES: int = env.int("LOGIN_LOCK_MINUTES", default=15)
LOGIN_IP_MAX_FAILURES: int = env.int("LOGIN_IP_MAX_FAILURES", default=20)
# How many reverse proxies append to X-Forwarded-For (1 behind the compose proxy).
LOGIN_TRUSTED_PROXIES: int = env.int("LOGIN_TRUSTED_PROXIES", default=0)
# The public verification page (/verify/<code>/), per client address and
# minute: every look-up, and the uploads checked (PDF hash, CMS signature).
# 0 switches a limit off. Counted in the cache (Redis in production).
VERIFY_LOOKUPS_PER_MINUTE: int = env.int("VERIFY_LOOKUPS_PER_MINUTE", default=60)
VERIFY_CHECKS_PER_MINUTE: int = env.int("VERIFY_CHECKS_PER_MINUTE", default=10)

# Languages: Russian is the default; Kazakh is the state language and is
# treated as first class; English for visitors.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("kk", _("Kazakh")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Stored in UTC; shown in the office's zone. Mangistau region is Asia/Aqtau.
TIME_ZONE: str = env.str("TIME_ZONE", default="Asia/Aqtau")

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages come from npm (package.json) and are served by the
# portal itself: no CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    # The filesystem (MEDIA_ROOT), or an S3-compatible bucket when S3_BUCKET is set.
    "default": default_storage_from(os.environ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded documents live outside the web root and are never served directly.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))

# E-signatures: staff keys are kept by the portal and protected by this
# password; development creates a test certificate authority on first use.
PKI_CA_DIR = Path(env.str("PKI_CA_DIR", default=str(BASE_DIR / "var" / "pki")))
PKI_STAFF_KEY_PASSWORD: str = env.str("PKI_STAFF_KEY_PASSWORD", default="")
PKI_PROVIDER_BIN: str = env.str("PKI_PROVIDER_BIN", default="081140000436")
# NCALayer's WebSocket on the signer's own computer, which the signing pages'
# script connects to (the real application: wss://127.0.0.1:13579/; the
# development stand-in, manage.py ncalayer_standin: ws://127.0.0.1:13579/).
NCALAYER_URL: str = env.str("NCALAYER_URL", default="wss://127.0.0.1:13579/")
if not NCALAYER_URL.startswith(("ws://", "wss://")):
    raise environ.ImproperlyConfigured("NCALAYER_URL must be a ws:// or wss:// address")
# Executors sign results in the browser through NCALayer. Signing on the
# server with the keys above is kept only as an explicit option, off in
# production unless switched on.
STAFF_SERVER_SIGNING: bool = env.bool("STAFF_SERVER_SIGNING", default=not PRODUCTION)
# How long a result prepared for signing in the browser may still be signed.
STAFF_SIGNING_WINDOW_MINUTES: int = env.int("STAFF_SIGNING_WINDOW_MINUTES", default=30)
if STAFF_SIGNING_WINDOW_MINUTES < 1:
    raise environ.ImproperlyConfigured("STAFF_SIGNING_WINDOW_MINUTES must be at least 1")

# Celery: with no broker configured, tasks run eagerly in-process (the demo).
REDIS_URL: str = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker process dies (killed, out of memory) goes back to the
# queue and runs again; its effects are idempotent (issue 6, faults).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that is down must not slow or fail the request that enqueues a
# task: give up publishing within about a second (the outboxes in the
# database send it later) instead of kombu's default retries.
CELERY_BROKER_CONNECTION_TIMEOUT: float = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# An unacknowledged task of a worker that vanished is handed out again after
# this many seconds; it must be longer than the longest task.
CELERY_VISIBILITY_TIMEOUT: int = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
if CELERY_VISIBILITY_TIMEOUT < 1:
    raise environ.ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be at least 1")
# How often a worker looks for such tasks, in seconds.
CELERY_UNACKED_RESTORE_INTERVAL: int = env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=60)
if CELERY_UNACKED_RESTORE_INTERVAL < 1:
    raise environ.ImproperlyConfigured("CELERY_UNACKED_RESTORE_INTERVAL must be at least 1")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": CELERY_UNACKED_RESTORE_INTERVAL,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
}
# E-mail to applicants is an outbox (services.notifications): rows still
# pending this long after their change are enqueued again by the sweep.
NOTIFICATION_OUTBOX_GRACE_SECONDS: int = env.int("NOTIFICATION_OUTBOX_GRACE_SECONDS", default=60)
if NOTIFICATION_OUTBOX_GRACE_SECONDS < 0:
    raise environ.ImproperlyConfigured("NOTIFICATION_OUTBOX_GRACE_SECONDS must be 0 or more")
CELERY_TIMEZONE = TIME_ZONE

# The e-government gateway (P8): status pushes to client systems are retried
# with doubling waits from BASE_DELAY up to MAX_DELAY seconds, at most
# MAX_ATTEMPTS times; each POST waits TIMEOUT seconds for an answer.
GATEWAY_CALLBACK_BASE_DELAY: int = env.int("GATEWAY_CALLBACK_BASE_DELAY", default=30)
GATEWAY_CALLBACK_MAX_DELAY: int = env.int("GATEWAY_CALLBACK_MAX_DELAY", default=3600)
GATEWAY_CALLBACK_MAX_ATTEMPTS: int = env.int("GATEWAY_CALLBACK_MAX_ATTEMPTS", default=12)
GATEWAY_CALLBACK_TIMEOUT: float = env.float("GATEWAY_CALLBACK_TIMEOUT", default=10.0)
if GATEWAY_CALLBACK_BASE_DELAY < 1 or GATEWAY_CALLBACK_MAX_DELAY < GATEWAY_CALLBACK_BASE_DELAY:
    raise environ.ImproperlyConfigured(
        "GATEWAY_CALLBACK_BASE_DELAY must be at least 1 and at most GATEWAY_CALLBACK_MAX_DELAY"
    )
if GATEWAY_CALLBACK_MAX_ATTEMPTS < 1:
    raise environ.ImproperlyConfigured("GATEWAY_CALLBACK_MAX_ATTEMPTS must be at least 1")
if GATEWAY_CALLBACK_TIMEOUT <= 0:
    raise environ.ImproperlyConfigured("GATEWAY_CALLBACK_TIMEOUT must be more than 0")

# Periodic tasks (celery beat). The outbox in the database is the truth:
# status pushes lost with a worker or a broker are sent from here.
CELERY_BEAT_SCHEDULE = {
    "gateway-deliver-due-status-pushes": {
        "task": "gateway.tasks.deliver_due_statuses",
        "schedule": 60.0,
    },
    # E-mails to applicants whose task was lost with the broker or a worker.
    "services-send-pending-notifications": {
        "task": "services.tasks.send_pending_notifications",
        "schedule": 60.0,
    },
    # P6: the trusted CAs' revocation lists, renewed before they go stale
    # (a signature is refused while its CA's cached list is out of date).
    # Issue 5: PDFs of signed results whose rendering task was lost.
    "services-render-missing-result-documents": {
        "task": "services.tasks.render_missing_result_documents",
        "schedule": 300.0,
    },
    "pki-refresh-revocation-lists": {
        "task": "pki.tasks.refresh_crls",
        "schedule": 3600.0,
    },
    # Issue 6, retention: files of applications closed longer ago than
    # ATTACHMENT_RETENTION_DAYS, removed once a day at night (office time).
    "services-purge-attachments-past-retention": {
        "task": "services.tasks.purge_attachments_past_retention",
        "schedule": crontab(hour=3, minute=30),
    },
}

# /metrics (Prometheus text format) answers only a scraper that presents this
# token as "Authorization: Bearer <token>"; with no token set it is a 404.
METRICS_TOKEN: str = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 16:
    raise environ.ImproperlyConfigured("METRICS_TOKEN must be at least 16 characters long")

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

EMAIL_BACKEND: str = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Where the file-based e-mail backend writes (the fault tests count the files).
EMAIL_FILE_PATH: str = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="noreply@employment.example.kz")
EMAIL_HOST: str = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT: int = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER: str = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD: str = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS: bool = env.bool("EMAIL_USE_TLS", default=False)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Employment centre e-service portal API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Security: production hardening is on unless the environment says otherwise;
# development and the tests run over plain HTTP with the same code paths.
# Behind the TLS proxy, the header (and value) that marks a request as HTTPS;
# empty when nothing strips a client's own copy of the header.
_proxy_ssl_header: list[str] = env.list(
    "SECURE_PROXY_SSL_HEADER", default=["HTTP_X_FORWARDED_PROTO", "https"]
)
if len(_proxy_ssl_header) not in {0, 2}:
    raise environ.ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER must be empty or 'HTTP_HEADER_NAME,value', e.g. HTTP_X_FORWARDED_PROTO,https"
    )
SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header[0], _proxy_ssl_header[1]) if _proxy_ssl_header else None
SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
# Load balancers probe the nodes over plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
if SECURE_HSTS_SECONDS < 0:
    raise environ.ImproperlyConfigured("SECURE_HSTS_SECONDS must be 0 or more")
SECURE_HSTS_INCLUDE_SUBDOMAINS: bool = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
# The header only allows the domain onto the browsers' preload list; putting it
# there is a separate, deliberate submission at hstspreload.org.
SECURE_HSTS_PRELOAD: bool = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SESSION_COOKIE_SECURE: bool = env.bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE: bool = env.bool("SECURE_COOKIES", default=PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: forms carry the token in a hidden field.
CSRF_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY: str = env.str("SECURE_REFERRER_POLICY", default="same-origin")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise environ.ImproperlyConfigured(f"CSRF_TRUSTED_ORIGINS entries need a scheme, not {_origin!r}")

# Personal data (issue 6): every handler masks IINs, e-mail addresses and
# people passed as arguments (applicants.logging). Django's own default
# handlers (its debug console, the admins' e-mail, runserver's request log)
# are replaced by masked ones here, and error reports hide personal fields.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_iin": {"()": "applicants.logging.MaskIinFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_iin"],
            "formatter": "plain",
        },
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "mask_iin"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "filters": ["mask_iin"],
            "formatter": "django.server",
        },
    },
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
DEFAULT_EXCEPTION_REPORTER = "applicants.logging.PersonalDataExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "applicants.logging.PersonalDataExceptionReporterFilter"
# Who gets the error reports by e-mail (production, DEBUG off): addresses, comma-separated.
ADMINS: list[tuple[str, str]] = [("", address) for address in env.list("ADMINS", default=[])]

# Retention (issue 6, personal data): uploaded files (the citizens'
# attachments and the desk's scans) of a closed application — issued or
# refused at intake — are removed this many days after it closed, by
# ``manage.py purge_attachments`` (daily, from beat). The rows stay as
# tombstones with the SHA-256; results, journal and audit are kept.
ATTACHMENT_RETENTION_DAYS: int = env.int("ATTACHMENT_RETENTION_DAYS", default=365)
if ATTACHMENT_RETENTION_DAYS < 1:
    raise environ.ImproperlyConfigured("ATTACHMENT_RETENTION_DAYS must be at least 1")
