"""careloop settings: read from CARELOOP_* environment variables only.

Every variable has a safe default for the demo practice on one machine; the README lists them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"CARELOOP_{name}", default)


def envbool(name: str, default: bool) -> bool:
    raw = env(name, "1" if default else "0").strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"CARELOOP_{name} must be true or false, not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = env(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"CARELOOP_{name} must be a whole number, not {raw!r}") from None


def envsecret(name: str) -> str:
    """A secret from CARELOOP_<NAME>, or from the file named by CARELOOP_<NAME>_FILE
    (container secrets are mounted as files so they never appear in the process environment)."""
    path = env(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return env(name)


HOME = Path(env("HOME", str(Path.cwd() / "careloop-data"))).resolve()
DEBUG = envbool("DEBUG", False)


def _secret_key() -> str:
    """The configured key, else one generated once and kept in the workspace (mode 600),
    so sessions survive a restart without a secret ever being written in code."""
    configured = envsecret("SECRET_KEY")
    if configured:
        return configured
    key_file = HOME / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    HOME.mkdir(parents=True, exist_ok=True)
    key = get_random_secret_key()
    key_file.touch(mode=0o600)
    key_file.write_text(key, encoding="utf-8")
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "careloop.accounts.admin_config.CareloopAdminConfig",  # django.contrib.admin, role-checked
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # Listed so /api/docs serves Swagger UI from our own static files: without it django-ninja
    # loads it from a CDN with an inline script, which the CSP (and an offline practice) refuses.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "careloop",
    "careloop.accounts",
    "careloop.journeys",
    "careloop.events",
    "careloop.measures",
    "careloop.surveys",
    "careloop.feedback",
    "careloop.recovery",
    "careloop.governance",
    "careloop.reports",
    "careloop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "careloop.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so a locked-out login never reaches the view (django-axes' documented order).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "careloop.urls"
WSGI_APPLICATION = "careloop.wsgi.application"

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
                "careloop.accounts.context.role_context",
            ],
        },
    },
]


def _databases() -> dict[str, Any]:
    url = env("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        HOME.mkdir(parents=True, exist_ok=True)
        config = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(HOME / "careloop.sqlite3"),
            # WAL lets the web server read while the worker writes; IMMEDIATE avoids
            # "database is locked" on write upgrades inside transactions.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    # Tests run on PostgreSQL when this is set (see tests/conftest.py and .ci/run).
    test_url = os.environ.get("CARELOOP_TEST_DATABASE_URL", "")
    if test_url:
        config = dj_database_url.parse(test_url)
        config["TEST"] = {"NAME": config["NAME"] + "_test"}
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with a health check that asks the server only when it has spoken
        # (careloop/postgresql_backend/base.py says why that is as safe).
        config["ENGINE"] = "careloop.postgresql_backend"
    prepared_after = envint("DATABASE_PREPARED_AFTER", 5)
    if config["ENGINE"] == "careloop.postgresql_backend" and prepared_after > 0:
        # Runs of a statement before psycopg prepares it (5: psycopg's own default; Django turns it
        # off). Only the answer pages' server-side-binding cursor is ever prepared
        # (surveys/prepared_statements.py says why); Django's own queries use client-side binding.
        # 0 turns it off, for a connection pooler in transaction mode without prepared statements.
        config.setdefault("OPTIONS", {}).setdefault("prepare_threshold", prepared_after)
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id first: OWASP Password Storage Cheat Sheet's first recommendation.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: 5 failures lock that username from that address for 15 minutes.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "careloop.accounts.throttling.username_for_lockout"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Idle sessions end after 30 minutes: staff share front-desk screens.
SESSION_COOKIE_AGE = envint("SESSION_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_HTTPS = envbool("HTTPS", False)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_HTTPS:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = env("TIME_ZONE", "America/New_York")  # the practice's own time zone, for display
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Hashed file names need `collectstatic` first (done by `careloop serve`); debug and tests skip it.
if DEBUG or envbool("TESTING", False):
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = True

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Public survey pages: requests per minute per client address and per survey link (0: off); why these
# numbers, and why per address is the larger: careloop/surveys/rate_limits.py.
SURVEY_RATE_PER_IP = envint("SURVEY_RATE_PER_IP", 300)
SURVEY_RATE_PER_TOKEN = envint("SURVEY_RATE_PER_TOKEN", 60)
# The cache counts those requests. Default: in each process's memory; `careloop serve`'s worker
# processes on one machine each allow their share of the limits (surveys/rate_limits.py). Several
# machines need a shared cache, e.g. CARELOOP_CACHE_URL=db (Django's database cache; run
# `careloop manage createcachetable` once).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "careloop_cache"}
    if env("CACHE_URL") == "db"
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "careloop"}
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("FROM_EMAIL", "careloop@localhost")

# Survey invitations (docs/surveys.md, "Invitations"). PUBLIC_URL is the address patients reach the
# answer pages at; links in emails, texts and QR codes start with it.
PUBLIC_URL = env("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
SMS_PROVIDER_URL = env("SMS_PROVIDER_URL")
SMS_API_KEY = envsecret("SMS_API_KEY")
SMS_FROM = env("SMS_FROM")
# The shared secret the SMS provider sends with STOP replies and delivery receipts (blank: webhook off).
SMS_INBOUND_SECRET = envsecret("SMS_INBOUND_SECRET")
SURVEY_QUIET_HOURS = env("SURVEY_QUIET_HOURS", "20-9")
SURVEY_MIN_DAYS_BETWEEN = envint("SURVEY_MIN_DAYS_BETWEEN", 30)
# Imports uploaded in the web UI (events/uploads.py): the largest file accepted, in MB. 200 MB holds a
# year of a 20-provider practice's visits as CSV several times over; larger exports go by `careloop import`.
MAX_UPLOAD_MB = envint("MAX_UPLOAD_MB", 200)

# Below this many events a share is "not enough data", never a percentage.
MIN_N_DEFAULT = envint("MIN_N", 10)
# Business days (docs/measures.md, "Units"): a file of the practice's closed days, one YYYY-MM-DD a
# line (blank: the six US federal holidays of measures/business_time.py), and its opening hours
# ("08:00-17:00"; blank: whole days, the hour of receipt does not matter). Checked when used.
HOLIDAYS_FILE = env("HOLIDAYS")
OPENING_HOURS = env("OPENING_HOURS")
# A goal missed this many periods in a row (weeks or months, each judged on its own) raises a signal
# (docs/measures.md, "Signals"). 3 is careloop's own default, not a published rule: one missed period
# is often noise (docs/spc.md), three in a row are worth a look even when SPC sees no special cause.
SIGNAL_MISSED_PERIODS = envint("SIGNAL_MISSED_PERIODS", 3)
# Governance board (docs/governance.md): months in a row off goal before a standard is listed there.
GOVERNANCE_OFF_GOAL_MONTHS = envint("GOVERNANCE_OFF_GOAL_MONTHS", 2)
# The weekly brief (docs/brief.md) is emailed to staff on this weekday morning, in the practice's time
# zone: 0 Monday … 6 Sunday, or the day's English name.
BRIEF_WEEKDAY = env("BRIEF_WEEKDAY", "monday")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
