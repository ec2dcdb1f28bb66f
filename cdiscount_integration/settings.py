"""Settings, read from the environment (and a `.env` file) with django-environ.

See docs/architecture.md, Configuration for the variables. Production values are the defaults for
the Cdiscount URLs; `make run` points them at the bundled simulator.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "django-insecure-dev-key-for-local-use-only-never-in-production"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is empty: set a long random SECRET_KEY.")
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the development key: set a real SECRET_KEY when DEBUG is off."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "axes",
    "channels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cdiscount_integration.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "channels.middleware.TimeZonePerRequestMiddleware",
    # Last, as django-axes requires: turns a refused log-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cdiscount_integration.urls"

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
                "channels.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "cdiscount_integration.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share the file: wait for a lock rather than fail, and let
    # readers go on while a job writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user name or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Log-in throttling (django-axes): a user name, or an address, with LOGIN_FAILURE_LIMIT failed
# log-ins in a row is locked for LOGIN_LOCKOUT_MINUTES; a successful log-in clears the name's.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "channels.auth.LoginAttemptHandler"
AXES_LOCKOUT_CALLABLE = "channels.auth.lockout_response"
AXES_VERBOSE = False
# Sessions end after SESSION_IDLE_SECONDS without a request (8 hours by default).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "channels:company_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Stored in UTC; shown in the company's time zone (docs/architecture.md, Time zones).
TIME_ZONE = "UTC"
USE_TZ = True
DEFAULT_COMPANY_TIME_ZONE = "Europe/Paris"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# CSV imports (products, shipments): a larger file is refused, on the page before it is stored.
CSV_IMPORT_MAX_BYTES = env.int("CSV_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# Where an uploaded file waits for the worker that imports it (never served; the web process and
# the workers must both see it). Each file is removed when its import job ends.
CSV_IMPORT_DIR = env.str("CSV_IMPORT_DIR", default=str(VAR_DIR / "imports"))
FILE_UPLOAD_HANDLERS = [
    "channels.uploads.SizeLimitUploadHandler",
    # Small files in memory, larger ones in a temporary file: memory stays bounded.
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Secrets at rest (docs/architecture.md, Secrets). In development only, the key is derived from
# SECRET_KEY.
_field_key = env.str("FIELD_ENCRYPTION_KEY", default="")
if not _field_key:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DEBUG is off.")
    _field_key = base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
FIELD_ENCRYPTION_KEY = _field_key

# Security behind https: on by default when DEBUG is off.
_secure = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# The container healthcheck probes over plain http inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: only our own files run or style a page; nothing inline.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
}
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client's address is the one our proxy appended last; without a proxy, the header is
    # the client's to forge and only the connection's address counts.
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_ORDER = "right-most"

# Cdiscount endpoints (docs/cdiscount-api.md): production by default.
CDISCOUNT_AUTH_URL = env.str(
    "CDISCOUNT_AUTH_URL",
    default="https://auth.octopia-io.net/auth/realms/maas/protocol/openid-connect/token",
)
CDISCOUNT_API_URL = env.str("CDISCOUNT_API_URL", default="https://api.octopia-io.net/seller/v2")
CDISCOUNT_STS_URL = env.str(
    "CDISCOUNT_STS_URL", default="https://sts.cdiscount.com/users/httpIssue.svc/"
)
CDISCOUNT_SOAP_URL = env.str(
    "CDISCOUNT_SOAP_URL", default="https://wsvc.cdiscount.com/MarketplaceAPIService.svc"
)
CDISCOUNT_TIMEOUT = env.float("CDISCOUNT_TIMEOUT", default=30.0)
# The bearer token Prometheus sends to /metrics/; unset, the endpoint answers 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
OFFER_PACKAGE_DIR = env.str("OFFER_PACKAGE_DIR", default=str(VAR_DIR / "offer-packages"))

# E-mail for notifications, in django-environ's EMAIL_URL form (smtp+tls://user:pass@host:587,
# consolemail://, filemail:// for files under var/mail/). Mails never carry a secret.
_email = env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"] or str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cdiscount-integration@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20  # seconds: a slow mail server must not hold a job up for long

# A running job touches its heartbeat well within this many seconds; a job silent for longer
# lost its worker: the stalled-job sweep or the next run of its kind fails it and frees its lock.
JOB_HEARTBEAT_TIMEOUT = env.int("JOB_HEARTBEAT_TIMEOUT", default=120)

# Celery: Redis in docker-compose; an embedded broker needing no server otherwise. Every folder
# of the file-system broker is named here: its control folder (exchange bindings) defaults to
# ./control, relative to wherever the worker starts, which left broker files in the repository.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
_broker_folders = {
    "data_folder_in": VAR_DIR / "broker",
    "data_folder_out": VAR_DIR / "broker",
    "processed_folder": VAR_DIR / "broker-processed",
    "control_folder": VAR_DIR / "broker-control",
}
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {**{key: str(folder) for key, folder in _broker_folders.items()}, "store_processed": False}
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    for folder in _broker_folders.values():
        folder.mkdir(parents=True, exist_ok=True)
# Two queues by urgency (README, Queues): order download, fulfillment and token refresh on the
# latency queue, so that a long offer upload or import on the bulk queue never delays them. A
# worker takes one or both (`-Q`). CELERY_QUEUE, when set, names both (`<it>-latency`,
# `<it>-bulk`): the tests give each session queues of its own that way.
_queue_prefix = env.str("CELERY_QUEUE", default="cdiscount")
CELERY_LATENCY_QUEUE = env.str("CELERY_LATENCY_QUEUE", default=f"{_queue_prefix}-latency")
CELERY_BULK_QUEUE = env.str("CELERY_BULK_QUEUE", default=f"{_queue_prefix}-bulk")
CELERY_TASK_QUEUES = [Queue(CELERY_LATENCY_QUEUE), Queue(CELERY_BULK_QUEUE)]
CELERY_TASK_DEFAULT_QUEUE = CELERY_LATENCY_QUEUE
# run_job goes to the queue of its job's kind (services/jobs.py JOB_QUEUES); the others here.
CELERY_TASK_ROUTES = {
    "channels.tasks.dispatch_scheduled": {"queue": CELERY_LATENCY_QUEUE},
    "channels.tasks.poll_offer_package": {"queue": CELERY_BULK_QUEUE},
    "channels.tasks.reap_stalled_jobs": {"queue": CELERY_BULK_QUEUE},
    "channels.tasks.send_notification_digests": {"queue": CELERY_BULK_QUEUE},
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat writes each run's time to its schedule row at once (not every 3 minutes), so the status
# strip's next run is what beat will do (docs/architecture.md, Schedules).
CELERY_BEAT_SYNC_EVERY = 1

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")  # or "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "channels.logging.ContextFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s "
            "[account=%(account_id)s job=%(job_id)s] %(message)s"
        },
        "json": {"()": "channels.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "channels": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "celery": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
