"""CoGuard settings, read from the environment (see ``.env.example``).

Development defaults are safe to run on a laptop; with ``DJANGO_DEBUG`` off the
project refuses to start without a real ``DJANGO_SECRET_KEY``.
"""

import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
_DEV_SECRET = "dev-only-insecure-key-never-used-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY or (not DEBUG and SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("COGUARD_SITE_URL", default="http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "django_htmx",
    "django_celery_beat",
    "csp",
    "platform_core",
    "rightsholders",
    "marketplace",
    "detection",
    "complaints",
    "appraisal",
    "notifications",
    "insights",
    "networks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "platform_core.api.middleware.ApiBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "platform_core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "platform_core.urls"
WSGI_APPLICATION = "platform_core.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

# --- Data -------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/coguard")
}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
# psycopg 3's pool replaces persistent connections: one pool per process.
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("OPTIONS", {})
if env.bool("DATABASE_POOL", default=True):
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": env.int("DATABASE_POOL_MAX", default=8),
        "timeout": 10,
    }
DATABASES["default"]["TEST"] = {"NAME": env.str("DATABASE_TEST_NAME", default=None)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "platform_core.User"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="coguard"),
    }
}

MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Auth -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: anonymous users get no object permissions

# --- i18n -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# English dates read the same everywhere (2026-11-28 14:30, not 11/28/2026);
# Chinese keeps Django's own formats (2026年11月28日 14:30).
FORMAT_MODULE_PATH = ["platform_core.formats"]
# The language picked with the switch outlives the browser session.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "platform_core.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "platform_core.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_RATE_USER", default="6000/min"),
        "anon": env.str("API_RATE_ANON", default="60/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=90)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CoGuard integrator API",
    "DESCRIPTION": (
        "The marketplace pushes listings and shops in and receives decisions; brands pull "
        "suspected infringing links and file complaints. Authenticate with "
        "`Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files, its init script a separate file: the
    # docs page works offline and under the Content-Security-Policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "rightsholders.models.OrganisationKind",
        "OrganisationStatusEnum": "rightsholders.models.OrganisationStatus",
        "CredentialStatusEnum": "rightsholders.models.CredentialStatus",
        "ReferenceImageKindEnum": "rightsholders.models.ReferenceImage.Kind",
        "FakeCharacteristicKindEnum": "rightsholders.models.FakeCharacteristic.Kind",
        "ListingStatusEnum": "marketplace.models.ListingStatus",
        "ShopStatusEnum": "marketplace.models.ShopStatus",
        "ScanKindEnum": "detection.models.ScanJob.Kind",
        "ScanStatusEnum": "detection.models.ScanStatus",
        "SuspectStatusEnum": "detection.models.SuspectStatus",
    },
}
# Request bodies: bulk listing intake may carry base64 images, up to 64 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)

# --- Images -----------------------------------------------------------------
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)  # checked before decoding
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=15 * 1024 * 1024)
IMAGE_FETCH_TIMEOUT = env.float("IMAGE_FETCH_TIMEOUT", default=10.0)
# Hosts (or IPs) that image URLs may point to even on loopback/private networks:
# for tests and for a private CDN inside the platform's network.
IMAGE_FETCH_ALLOWED_HOSTS = env.list("IMAGE_FETCH_ALLOWED_HOSTS", default=[])
IMAGE_MAX_PER_LISTING = 10

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Work a killed worker had taken (acks_late) is redelivered once it has been
# unacknowledged this long; a live worker sweeps for such work periodically.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY", default=3600),
    "unacked_restore_interval": env.int("CELERY_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_RESTORE_THROTTLE", default=10),
}
# Listings per sweep task: big enough that dispatch stays a few % of the work
# (bench/bench_celery_overhead.py), small enough to redo quickly when redelivered.
DETECTION_SWEEP_CHUNK = env.int("DETECTION_SWEEP_CHUNK", default=1000)
# Work still not done this long after its task was sent lost that task (a
# broker restart, a send that failed) and is sent again: a listing's intake
# and scan, a sweep chunk (detection.tasks.requeue_lost_work, beat). A chunk
# started this many times without finishing fails its sweep.
REQUEUE_LOST_WORK_AFTER = timedelta(seconds=env.int("REQUEUE_LOST_WORK_AFTER_SECONDS", default=900))
DETECTION_SWEEP_MAX_ATTEMPTS = env.int("DETECTION_SWEEP_MAX_ATTEMPTS", default=5)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="coguard")
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "purge-idempotency-keys": {
        "task": "platform_core.tasks.purge_idempotency_keys",
        "schedule": crontab(minute=17),
    },
    "detection-full-sweep": {
        "task": "detection.tasks.full_sweep",
        "schedule": crontab(hour=3, minute=0),
    },
    "detection-retrain": {
        "task": "detection.tasks.retrain_model",
        "schedule": crontab(hour=2, minute=30),
    },
    "detection-requeue-lost-work": {
        "task": "detection.tasks.requeue_lost_work",
        "schedule": crontab(minute="*/5"),
    },
}

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag instead
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="coguard@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Serve public media (listing and reference images) from Django. Production
# puts a CDN or object store in front instead.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)

# --- Complaints, integrity and misuse ------------------------------------------
# Review target: a complaint should be decided this long after filing (or after
# the brand's answer, or a counter-notice, when the clock restarts).
COMPLAINT_REVIEW_TARGET_HOURS = env.int("COMPLAINT_REVIEW_TARGET_HOURS", default=24)
COMPLAINT_BULK_MAX = env.int("COMPLAINT_BULK_MAX", default=300)
# A complaint waiting on the brand's answer this long is closed as rejected.
COMPLAINT_NEEDS_INFO_DAYS = env.int("COMPLAINT_NEEDS_INFO_DAYS", default=7)
# Sellers may counter-notice an upheld complaint for this long after the decision.
COUNTER_NOTICE_WINDOW_DAYS = env.int("COUNTER_NOTICE_WINDOW_DAYS", default=14)
# Integrity ledger deltas for the complainant.
COMPLAINT_UPHELD_DELTA = env.int("COMPLAINT_UPHELD_DELTA", default=1)
COMPLAINT_REJECTED_DELTA = env.int("COMPLAINT_REJECTED_DELTA", default=0)
COMPLAINT_UNFOUNDED_DELTA = env.int("COMPLAINT_UNFOUNDED_DELTA", default=-20)
COMPLAINT_COUNTER_NOTICE_DELTA = env.int("COMPLAINT_COUNTER_NOTICE_DELTA", default=-5)
# Good-faith fast track: takedown at filing for accurate complainants.
FAST_TRACK_WINDOW_DAYS = env.int("FAST_TRACK_WINDOW_DAYS", default=90)
FAST_TRACK_MIN_COMPLAINTS = env.int("FAST_TRACK_MIN_COMPLAINTS", default=20)
FAST_TRACK_MIN_UPHELD_RATE = env.float("FAST_TRACK_MIN_UPHELD_RATE", default=0.90)
FAST_TRACK_MAX_COUNTER_NOTICE_RATE = env.float("FAST_TRACK_MAX_COUNTER_NOTICE_RATE", default=0.05)
FAST_TRACK_COOLDOWN_DAYS = env.int("FAST_TRACK_COOLDOWN_DAYS", default=30)
# Misuse: manifestly unfounded complaints within the window; a warning first,
# then filing is suspended for a period.
MISUSE_WINDOW_DAYS = env.int("MISUSE_WINDOW_DAYS", default=180)
MISUSE_WARNING_AT = env.int("MISUSE_WARNING_AT", default=2)
MISUSE_SUSPEND_AT = env.int("MISUSE_SUSPEND_AT", default=3)
MISUSE_SUSPENSION_DAYS = env.int("MISUSE_SUSPENSION_DAYS", default=30)
# Repeat infringers: this many upheld complaints (strikes) within the window
# suspend the seller's shops and delist all their listings.
REPEAT_INFRINGER_STRIKES = env.int("REPEAT_INFRINGER_STRIKES", default=3)
REPEAT_INFRINGER_WINDOW_DAYS = env.int("REPEAT_INFRINGER_WINDOW_DAYS", default=180)

# --- Notifications and webhooks -------------------------------------------------
NOTIFICATION_EMAIL = env.bool("NOTIFICATION_EMAIL", default=True)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
# Retry n waits WEBHOOK_BACKOFF_SECONDS * 2**(n-1), capped.
WEBHOOK_BACKOFF_SECONDS = env.float("WEBHOOK_BACKOFF_SECONDS", default=30.0)
WEBHOOK_BACKOFF_MAX_SECONDS = env.float("WEBHOOK_BACKOFF_MAX_SECONDS", default=3600.0)
# Hosts on loopback or private networks that webhooks may target (tests, and
# integrators inside the platform's network); by default those image intake may reach.
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=IMAGE_FETCH_ALLOWED_HOSTS)
# A due delivery with no attempt for this long is queued again (its task was lost).
WEBHOOK_REQUEUE_AFTER_SECONDS = env.int("WEBHOOK_REQUEUE_AFTER_SECONDS", default=300)

CELERY_BEAT_SCHEDULE["complaints-close-unanswered"] = {
    "task": "complaints.tasks.close_unanswered",
    "schedule": crontab(minute=40),
}
CELERY_BEAT_SCHEDULE["complaints-refresh-standings"] = {
    "task": "complaints.tasks.refresh_standings",
    "schedule": crontab(hour=4, minute=10),
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "ComplaintKindEnum": "complaints.models.ComplaintKind",
        "ComplaintStatusEnum": "complaints.models.ComplaintStatus",
        "DecisionOutcomeEnum": "complaints.models.Decision.Outcome",
        "DecisionSourceEnum": "complaints.models.Decision.Source",
        "TestPurchaseStatusEnum": "complaints.models.TestPurchase.Status",
        "TestPurchaseResultEnum": "complaints.models.TestPurchase.Result",
        "EvidencePartyEnum": "complaints.models.Evidence.Party",
        "WebhookDeliveryStatusEnum": "notifications.models.DeliveryStatus",
    }
)

# --- Public appraisal ------------------------------------------------------------
# Juries are odd-sized so a full turnout cannot tie; a case may set its own size.
APPRAISAL_JURY_SIZE = env.int("APPRAISAL_JURY_SIZE", default=13)
APPRAISAL_VOTING_HOURS = env.int("APPRAISAL_VOTING_HOURS", default=72)
# Hours the parties have for statements before voting opens (0: at once).
APPRAISAL_STATEMENT_HOURS = env.int("APPRAISAL_STATEMENT_HOURS", default=0)
# Share of the jury whose ballots (abstentions included) make a quorum.
APPRAISAL_QUORUM = env.float("APPRAISAL_QUORUM", default=0.6)
APPRAISAL_APPEAL_DAYS = env.int("APPRAISAL_APPEAL_DAYS", default=7)
APPRAISAL_MAX_LEVEL = env.int("APPRAISAL_MAX_LEVEL", default=2)
# Rounds of fresh draws for no-shows before a case without quorum goes back.
APPRAISAL_REPLACEMENT_ROUNDS = env.int("APPRAISAL_REPLACEMENT_ROUNDS", default=2)
APPRAISAL_NO_SHOW_LIMIT = env.int("APPRAISAL_NO_SHOW_LIMIT", default=3)
APPRAISAL_NO_SHOW_WINDOW_DAYS = env.int("APPRAISAL_NO_SHOW_WINDOW_DAYS", default=90)
APPRAISAL_NO_SHOW_SUSPENSION_DAYS = env.int("APPRAISAL_NO_SHOW_SUSPENSION_DAYS", default=30)
# Track record: after this many known-answer ballots, a judge below the
# accuracy floor is removed from the pool.
APPRAISAL_TRACK_MIN_CASES = env.int("APPRAISAL_TRACK_MIN_CASES", default=5)
APPRAISAL_MIN_ACCURACY = env.float("APPRAISAL_MIN_ACCURACY", default=0.6)
APPRAISAL_QUALIFICATION_PASS = env.float("APPRAISAL_QUALIFICATION_PASS", default=0.8)
CELERY_BEAT_SCHEDULE["appraisal-sweep"] = {
    "task": "appraisal.tasks.sweep",
    "schedule": crontab(minute="*/5"),
}
CELERY_BEAT_SCHEDULE["notifications-requeue-stale-webhooks"] = {
    "task": "notifications.tasks.requeue_stale_webhooks",
    "schedule": crontab(minute="*/5"),
}

# --- Counterfeit networks ----------------------------------------------------------
# Seller contacts (phone, e-mail) are kept only as HMAC-SHA256 under this key;
# changing it makes stored hashes unmatchable until sellers are sent again.
CONTACT_HASH_KEY = env.str(
    "CONTACT_HASH_KEY",
    default=hashlib.sha256(b"coguard-contact-hash:" + SECRET_KEY.encode()).hexdigest(),
)
# Shops whose links' accumulated strength reaches this form a ring.
NETWORKS_RING_THRESHOLD = env.float("NETWORKS_RING_THRESHOLD", default=0.6)
# A blocking key (photo, contact, ship-from + product, lookalike name) shared by
# more shops than this is common, not evidence of a ring, and links nothing.
NETWORKS_MAX_BUCKET = env.int("NETWORKS_MAX_BUCKET", default=200)
# Largest Hamming distance between two photos' perceptual hashes still counted
# as the same photo (exactly found through four 16-bit bands up to 3).
NETWORKS_PHOTO_RADIUS = env.int("NETWORKS_PHOTO_RADIUS", default=3)
# Listings (with their images) in one evidence pack, at most.
NETWORKS_PACK_MAX_LISTINGS = env.int("NETWORKS_PACK_MAX_LISTINGS", default=2000)
CELERY_BEAT_SCHEDULE["networks-rebuild"] = {
    "task": "networks.tasks.rebuild",
    "schedule": crontab(hour=3, minute=45),
}
