"""Fangyi settings: one module, configured only through environment variables.

FANGYI_DEBUG=1 gives a development setup with safe defaults; anything else is production and
requires FANGYI_SECRET_KEY, FANGYI_PII_KEYS and FANGYI_ALLOWED_HOSTS.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("FANGYI_DATA_DIR", "var")).resolve()

DEBUG = env_bool("FANGYI_DEBUG", False)

_DEV_SECRET = "fangyi-development-only-secret-key-not-for-production-use-0123456789"
SECRET_KEY = os.environ.get("FANGYI_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("FANGYI_SECRET_KEY is required unless FANGYI_DEBUG=1.")
    SECRET_KEY = _DEV_SECRET

# Keys for personal data: Fernet keys (urlsafe base64, 32 bytes), the first encrypts, all decrypt.
FANGYI_PII_KEYS = env_list("FANGYI_PII_KEYS")
if not FANGYI_PII_KEYS and not DEBUG:
    raise ImproperlyConfigured("FANGYI_PII_KEYS is required unless FANGYI_DEBUG=1.")
# The keyed hash used to look identity numbers up without decrypting them.
FANGYI_LOOKUP_KEY = os.environ.get("FANGYI_LOOKUP_KEY", "") or SECRET_KEY

ALLOWED_HOSTS = env_list("FANGYI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("FANGYI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "fangyi.core",
    "fangyi.regions",
    "fangyi.accounts",
    "fangyi.people",
    "fangyi.surveillance",
    "fangyi.labs",
    "fangyi.hospitals",
    "fangyi.quarantine",
    "fangyi.screening",
    "fangyi.healthpass",
    "fangyi.supplies",
    "fangyi.resumption",
    "fangyi.volunteers",
    "fangyi.vouchers",
    "fangyi.employment",
    "fangyi.command",
    "fangyi.demo",
    "fangyi.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fangyi.core.middleware.ApiErrorShapeMiddleware",
]

ROOT_URLCONF = "fangyi.urls"
WSGI_APPLICATION = "fangyi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "") or f"sqlite:///{DATA_DIR / 'fangyi.sqlite3'}",
        conn_max_age=env_int("FANGYI_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic's target in production; in debug the files are served from the apps directly.
STATIC_ROOT = None if DEBUG else DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

TASKS = {
    "default": {
        "BACKEND": os.environ.get("FANGYI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Login throttling: this many failures for one username or address within the window lock it.
FANGYI_LOGIN_MAX_FAILURES = env_int("FANGYI_LOGIN_MAX_FAILURES", 5)
FANGYI_LOGIN_WINDOW_MINUTES = env_int("FANGYI_LOGIN_WINDOW_MINUTES", 15)
FANGYI_API_TOKEN_DAYS = env_int("FANGYI_API_TOKEN_DAYS", 30)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("FANGYI_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("FANGYI_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FANGYI_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Epidemic rules of the 2020 national protocol; later protocol editions changed them.
FANGYI_CLUSTER_MIN_CASES = env_int("FANGYI_CLUSTER_MIN_CASES", 2)
FANGYI_CLUSTER_WINDOW_DAYS = env_int("FANGYI_CLUSTER_WINDOW_DAYS", 14)

# Health code: how long a signed pass is valid, the clock skew a verifier forgives, and how many
# days scan records are kept before the purge task deletes them (daily tallies remain).
FANGYI_PASS_TTL_HOURS = env_int("FANGYI_PASS_TTL_HOURS", 24)
FANGYI_PASS_SKEW_SECONDS = env_int("FANGYI_PASS_SKEW_SECONDS", 300)
FANGYI_SCAN_RETENTION_DAYS = env_int("FANGYI_SCAN_RETENTION_DAYS", 28)

# EU Digital COVID Certificates are checked against this PEM bundle of trusted signing certificates.
FANGYI_DCC_TRUST_LIST = os.environ.get("FANGYI_DCC_TRUST_LIST", "")

# Big-data screening: the engine the Ibis expression runs on (duckdb in process, or pyspark on a
# local or cluster Spark given by FANGYI_SPARK_MASTER), the default look-back, and how long a grid
# worker has to verify a screened resident at the door before the task counts as overdue.
FANGYI_SCREENING_BACKEND = os.environ.get("FANGYI_SCREENING_BACKEND", "duckdb")
FANGYI_SPARK_MASTER = os.environ.get("FANGYI_SPARK_MASTER", "local[2]")
FANGYI_SCREENING_LOOKBACK_DAYS = env_int("FANGYI_SCREENING_LOOKBACK_DAYS", 14)
FANGYI_GRID_TASK_HOURS = env_int("FANGYI_GRID_TASK_HOURS", 24)

# Testing and treatment: the pool sizes a collection point may use (5:1, 10:1), and the discharge
# criteria of designated hospitals (this many negative tests in a row, each at least so many hours
# after the one before, and no fever for so many days).
FANGYI_POOL_SIZES = [int(size) for size in env_list("FANGYI_POOL_SIZES", "5,10")]
FANGYI_DISCHARGE_NEGATIVE_TESTS = env_int("FANGYI_DISCHARGE_NEGATIVE_TESTS", 2)
FANGYI_DISCHARGE_HOURS_APART = env_int("FANGYI_DISCHARGE_HOURS_APART", 24)
FANGYI_DISCHARGE_AFEBRILE_DAYS = env_int("FANGYI_DISCHARGE_AFEBRILE_DAYS", 3)

# Enterprise resumption: how many liaisons a large enterprise has (at most), how many make a park's
# group (at least), each ticket priority's SLA in working days, and the share of it after which a
# ticket is "due soon".
FANGYI_LIAISONS_PER_LARGE_ENTERPRISE = env_int("FANGYI_LIAISONS_PER_LARGE_ENTERPRISE", 2)
FANGYI_PARK_LIAISON_GROUP = env_int("FANGYI_PARK_LIAISON_GROUP", 3)
FANGYI_TICKET_SLA_DAYS = {
    priority: int(days)
    for priority, days in (
        pair.split(":", 1) for pair in env_list("FANGYI_TICKET_SLA_DAYS", "urgent:1,high:3,normal:5,low:10")
    )
}
FANGYI_TICKET_AT_RISK_SHARE = float(os.environ.get("FANGYI_TICKET_AT_RISK_SHARE", "0.75"))

# Consumption vouchers: days a redemption is held (refundable) before it is settled to the merchant,
# and the fraud rules' thresholds: redemptions by one holder within the velocity window, orders by
# one holder at one merchant within the split-order window, and redemptions by one holder at one
# merchant in a programme before the pair is flagged.
FANGYI_VOUCHER_HOLD_DAYS = env_int("FANGYI_VOUCHER_HOLD_DAYS", 3)
FANGYI_VOUCHER_VELOCITY_COUNT = env_int("FANGYI_VOUCHER_VELOCITY_COUNT", 5)
FANGYI_VOUCHER_VELOCITY_MINUTES = env_int("FANGYI_VOUCHER_VELOCITY_MINUTES", 60)
FANGYI_VOUCHER_SPLIT_MINUTES = env_int("FANGYI_VOUCHER_SPLIT_MINUTES", 30)
FANGYI_VOUCHER_PAIR_REPEAT = env_int("FANGYI_VOUCHER_PAIR_REPEAT", 4)
