"""OncoNet settings. Works with zero environment variables (SQLite under var/, embedded broker).

Every environment variable read here is documented in docs/operations.md's "Configuration" table.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("ONCONET_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=True)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A generated development key, kept under var/ so that sessions survive restarts.
    key_file = VAR_DIR / "dev_secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "onconet.core.apps.OncoNetAdminConfig",  # Django's admin, signing in through OncoNet's login page
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "onconet.core",
    "onconet.tourism",
    "onconet.passports",
    "onconet.analytics",
    "onconet.scheduling",
    "onconet.partnerships",
    "onconet.interop",
    "onconet.home",
]

MIDDLEWARE = [
    "onconet.core.middleware.RequestLogMiddleware",
    "onconet.core.middleware.ContentSecurityPolicyMiddleware",
    "onconet.core.middleware.NulInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "onconet.core.ratelimit.ApiRateLimitMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "onconet.core.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into OncoNet's "locked" login page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "onconet" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "onconet.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'onconet.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes; IMMEDIATE avoids
    # "database is locked" upgrades from read to write transactions.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
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
# Failed logins before a username is locked, and for how long.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# Sign-in throttling (django-axes): every authenticate() call goes through AxesStandaloneBackend, so the login page,
# the admin and any other password check count failures. A lock holds for one username *from one address*: a stranger
# who guesses a colleague's password locks only himself out, never the colleague signing in from elsewhere.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "onconet.core.views.login_locked_out"
AXES_ENABLE_ADMIN = False  # lockouts are lifted on OncoNet's own page (audited), not by deleting rows in the admin
AXES_DISABLE_ACCESS_LOG = True  # sign-ins and sign-outs are in the audit log already
AXES_USERNAME_CALLABLE = "onconet.core.services.login_username"  # usernames are matched without regard to case
# Behind a reverse proxy every request comes from the proxy's address: set TRUSTED_PROXY_COUNT to the number of
# proxies in front of OncoNet (each appends to X-Forwarded-For), and the client's address is read from that header,
# counting from the right so that a client cannot choose it. 0 (the default): REMOTE_ADDR, the header is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUSTED_PROXY_COUNT else ["REMOTE_ADDR"]
# Wrong one-time codes are throttled per device in the database (django-otp): after n failures in a row the next
# attempt waits FACTOR * 2^(n-1) seconds, whichever session or sign-in it comes from.
OTP_TOTP_THROTTLE_FACTOR = env_int("OTP_THROTTLE_FACTOR", 1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR
OTP_TOTP_ISSUER = "OncoNet"

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "onconet" / "locale"]
FORMAT_MODULE_PATH = ["onconet.core.formats"]  # dates one way per language
TIME_ZONE = env_str("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email: SMTP when EMAIL_HOST is set, otherwise messages are written as files under var/mail.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OncoNet <onconet@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# Background jobs. Without CELERY_BROKER_URL an embedded broker keeps messages as files under
# var/broker (kombu's filesystem transport): a real worker process, no server to install.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True  # job state and results live in the Job table
CELERY_TASK_ACKS_LATE = True  # a killed worker's job is redelivered, not lost
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# A running job's worker writes a heartbeat every JOB_HEARTBEAT_SECONDS; a job silent for JOB_LOST_AFTER_SECONDS
# lost its worker (killed, machine gone) and is marked failed, retryable (checked every minute and at worker start).
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 15)
JOB_LOST_AFTER_SECONDS = env_int("JOB_LOST_AFTER_SECONDS", 120)
# A queued job no worker took within this time is sent to the broker again (its message was lost).
JOB_RESEND_AFTER_SECONDS = env_int("JOB_RESEND_AFTER_SECONDS", 600)
# Scheduling (onconet/scheduling/planner.py, contract v2): the national wait target of each urgency (days from ready
# to start; a protocol's own target applies when shorter); the weeks of the facility's history the forecast of
# domestic arrivals is estimated from (0: no forecast), how many days ahead courses are usually known, and the share
# of plausible futures in which a new foreign course must leave every forecast domestic course as early as without it.
SCHEDULING_WAIT_TARGETS = {"1": 2, "2": 14, "3": 28}
SCHEDULING_FORECAST_WEEKS = env_int("SCHEDULING_FORECAST_WEEKS", 8)
SCHEDULING_FORECAST_LEAD_DAYS = env_int("SCHEDULING_FORECAST_LEAD_DAYS", 7)
SCHEDULING_PROTECTION = float(env_str("SCHEDULING_PROTECTION", "0.9"))

# Periodic work (run `celery -A config beat`, or `onconet serve` which embeds it): the scheduler's daily re-plan.
CELERY_BEAT_SCHEDULE = {
    "tourism-anonymise-expired": {
        "task": "onconet.tourism.anonymise_expired",
        "schedule": 24 * 60 * 60,
        "options": {"expires": 6 * 60 * 60},
    },
    "jobs-watch": {"task": "onconet.jobs_watch", "schedule": 60, "options": {"expires": 55}},
    "job-files-delete-expired": {
        "task": "onconet.job_files_delete_expired",
        "schedule": 24 * 60 * 60,
        "options": {"expires": 6 * 60 * 60},
    },
    "scheduling-daily-replan": {
        "task": "onconet.scheduling.daily_replan",
        "schedule": 24 * 60 * 60,
        "options": {"expires": 6 * 60 * 60},
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere (onconet.js wires behaviour from data attributes; charts read json_script).
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
CSP_EXEMPT_PATHS = ["/api/v1/docs"]
# Roles that must confirm a one-time code (TOTP) after the password: staff who see patient data. Empty in
# development (DEBUG=1) so the demo opens at once; set TWO_FACTOR_ROLES="" to turn it off, or list roles.
TWO_FACTOR_ROLES = env_list(
    "TWO_FACTOR_ROLES",
    [] if DEBUG else ["national_admin", "coordinator", "medical_reviewer", "finance_officer", "interpreter"],
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Foreign patients are anonymised this many days after their last activity (all referrals closed, nothing owed);
# a daily beat task does it (`onconet anonymise-patients` by hand, --dry-run to see who is due).
PATIENT_RETENTION_DAYS = env_int("PATIENT_RETENTION_DAYS", 10 * 365)

# Demo users get known passwords only on a development instance.
DEMO_PASSWORDS_ALLOWED = DEBUG

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "onconet.core.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "text"}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "onconet.requests": {"level": LOG_LEVEL, "propagate": True},
        # WeasyPrint turns fontTools' logger to DEBUG while it subsets a font and re-logs its warnings itself;
        # without this, hundreds of debug lines per PDF would reach the console whatever LOG_LEVEL says.
        "fontTools": {"level": "WARNING", "propagate": False},
    },
}

NINJA_PAGINATION_PER_PAGE = 50

# The cache: Redis when CACHE_URL (or REDIS_URL) is set — shared by every web process and worker, so rate limits
# hold across them and the analytics snapshot is computed once — otherwise each process's own memory.
CACHE_URL = env_str("CACHE_URL") or env_str("REDIS_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "onconet"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "onconet"}}

# Rate limits of /api/ and /fhir/ (onconet.core.ratelimit): requests per source address and per credential (API
# token or signed-in user); "N/s", "N/m", "N/h"; empty turns a limit off. Refusals answer 429 with Retry-After.
API_RATE_LIMIT_PER_ADDRESS = env_str("API_RATE_LIMIT_PER_ADDRESS", "1200/m")
API_RATE_LIMIT_PER_CREDENTIAL = env_str("API_RATE_LIMIT_PER_CREDENTIAL", "600/m")
RATELIMIT_CACHE_PREFIX = "onconet:rl:"  # the client's address is read as for sign-in throttling: TRUSTED_PROXY_COUNT

# Uploads (onconet/core/uploads.py). An upload endpoint checks who sends it before the body is read; then a body is
# refused from its Content-Length and a file part is cut off at the endpoint's limit while it streams in. Anywhere
# else a file part may be no larger than DATA_UPLOAD_MAX_MEMORY_SIZE (an ordinary form). Files over
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, not to memory. DATA_UPLOAD_MAX_MEMORY_SIZE also bounds
# request.body and the non-file form fields (the FHIR endpoint reads its Bundles from the request stream with its own
# limit). The proxy and gunicorn must allow the largest of these limits too.
DOCUMENT_UPLOAD_MAX_MB = env_int("DOCUMENT_UPLOAD_MAX_MB", 10)  # patient, contract and agreement documents
# The base of the identifier systems and code systems OncoNet's FHIR resources use (…/sid/…, …/CodeSystem/…):
# the deployment's own URL, so that partners' systems can tell our identifiers from another network's.
FHIR_BASE_SYSTEM = env_str("FHIR_BASE_SYSTEM", "https://onconet.example/fhir").rstrip("/")
CSV_UPLOAD_MAX_MB = env_int("CSV_UPLOAD_MAX_MB", 5)  # course, exchange-rate and country-indicator imports
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, stated: request.body and form fields
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_HANDLERS = [
    "onconet.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Stored import workbooks are deleted when their job succeeds, else after this many days (a failed job can be
# retried until then; a daily beat task deletes them).
IMPORT_FILE_RETENTION_DAYS = env_int("IMPORT_FILE_RETENTION_DAYS", 7)

# Passports: the largest workbook accepted, and the thresholds of the validation rules.
PASSPORT_IMPORT_MAX_MB = env_int("PASSPORT_IMPORT_MAX_MB", 20)
# What a workbook may unpack to: all its files together, files in it, rows per sheet, cells in all (the national
# demo's largest passport, Moscow, has about 12 000 staff rows and 130 000 cells).
PASSPORT_IMPORT_MAX_UNPACKED_MB = env_int("PASSPORT_IMPORT_MAX_UNPACKED_MB", 50)
PASSPORT_IMPORT_MAX_FILES = env_int("PASSPORT_IMPORT_MAX_FILES", 200)
PASSPORT_IMPORT_MAX_ROWS = env_int("PASSPORT_IMPORT_MAX_ROWS", 50_000)
PASSPORT_IMPORT_MAX_CELLS = env_int("PASSPORT_IMPORT_MAX_CELLS", 500_000)
PASSPORT_IMPORT_MAX_PROBLEMS = env_int("PASSPORT_IMPORT_MAX_PROBLEMS", 1000)  # listed; the rest are counted
# FHIR: the largest referral Bundle POSTed to /fhir/. A document may be 10 MiB, which base64 makes 13.3 MiB
# inside the Bundle; the view reads the body itself (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MiB, does not apply there).
FHIR_MAX_BUNDLE_MB = env_int("FHIR_MAX_BUNDLE_MB", 15)
PASSPORT_RETIREMENT_AGE = env_int("PASSPORT_RETIREMENT_AGE", 65)
EQUIPMENT_SERVICE_LIFE_YEARS = env_int("EQUIPMENT_SERVICE_LIFE_YEARS", 10)
# A year's passport is due on this (month, day) of the year after (the national centre's reporting calendar)
PASSPORT_DUE = (env_int("PASSPORT_DUE_MONTH", 3), env_int("PASSPORT_DUE_DAY", 1))
PASSPORT_OUTLIER_Z = 3.0
