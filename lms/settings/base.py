"""Settings shared by every environment.

Every value that comes from the environment is read here, through django-environ,
and nowhere else. The environment-specific modules only choose fixed values.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Environment -------------------------------------------------------------------------------
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("RELAY_SITE_URL", default="http://127.0.0.1:8000")
REDIS_URL = env.str("REDIS_URL", default="")
EMAIL_URL = env.str("EMAIL_URL", default="consolemail://")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Relay <relay@relay.test>")
RELAY_TIME_ZONE = env.str("RELAY_TIME_ZONE", default="America/Denver")
PRIVATE_STORAGE_ROOT = Path(env.str("RELAY_PRIVATE_ROOT", default=str(VAR_DIR / "private")))
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'relay.sqlite3'}"),
}

# --- Database ----------------------------------------------------------------------------------
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside one writer; IMMEDIATE makes a writer take the lock when its
    # transaction starts, so concurrent writers queue on the busy timeout instead of failing
    # half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        ),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Fail fast while the server is down (the request answers 503, see lms.middleware).
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared between processes: allauth rate limits and code replay protection) ----------
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "relay",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "relay_cache",
        }
    }

# Sessions are read on every signed-in request: from the cache above, written through to the
# database (so a cache flush signs nobody out, and a session can still be ended server-side).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Background tasks --------------------------------------------------------------------------
if REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}

# --- Email -------------------------------------------------------------------------------------
vars().update(env.email_url_config(EMAIL_URL))

# --- Applications ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "lms.accounts",
    "lms.audit",
    "lms.xapi",
    "lms.api",
    "lms.demo",
    "courses",
    "scenarios",
    "certificates",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lms.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lms.accounts.middleware.RequireMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lms.context_processors.navigation",
            ],
            "libraries": {"assets": "lms.assets", "navigation": "lms.navigation"},
        },
    },
]

# --- Authentication ----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Authenticates nobody: reads a person's groups and permissions in one query (first, so
    # that `has_perm` is answered from what it read).
    "lms.accounts.backends.OneQueryPermissionsBackend",
    # Django's and allauth's sign-in, each loading the signed-in person with one raw query.
    "lms.accounts.backends.RelayModelBackend",
    "lms.accounts.backends.RelayAuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "lms.accounts.adapters.RelayAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Relay] "
# allauth's default rate limits stay on (login failures, password reset, confirmation mails);
# they live in the shared cache above so every worker process sees the same counters.

MFA_ADAPTER = "lms.accounts.adapters.RelayMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Relay"
# One 30-second step either side (RFC 6238 section 5.2): a code typed from a phone as the step
# turns over is still accepted; a used code is still refused for the whole window.
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10

RELAY_INVITATION_DAYS = env.int("RELAY_INVITATION_DAYS", default=14)

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "lms" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("RELAY_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Request bodies. Form fields (everything but files) may take 5 MB and 10,000 fields; a multipart
# body (files included) 11 MB, refused from its Content-Length before it is read
# (`lms.uploads.RequestBodyCapUploadHandler`): the largest upload Relay takes is 10 MB (evidence,
# Wagtail documents and images). Over a limit is a 413, too many fields a 400 (`lms.views`).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
RELAY_MAX_UPLOAD_BODY_SIZE = 11 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "lms.uploads.RequestBodyCapUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Wagtail -----------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Relay"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024

# --- Security headers shared by every environment -----------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script, handler or style anywhere in Relay's own pages: scripts and styles are files
# under lms/static/ (tests/lms/test_csp.py checks the header and scans every template).
CONTENT_SECURITY_POLICY = {
    # Wagtail's admin ships inline scripts of its own: Wagtail 8's date pickers (filters on
    # /cms/pages/ and /cms/users/, the editor's scheduling fields) are set up by a bare
    # <script>initDateChooser(...)</script>. The Django admin needs none and keeps the policy.
    "EXCLUDE_URL_PREFIXES": ["/cms/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}

# --- xAPI: statements stored in Relay, forwarded to a Learning Record Store when configured -----
# (lms/xapi). Empty endpoint: statements are kept in Relay only (and sent once one is set).
XAPI_LRS_ENDPOINT = env.str("XAPI_LRS_ENDPOINT", default="")  # e.g. https://lrs.example.org/xapi
XAPI_LRS_USERNAME = env.str("XAPI_LRS_USERNAME", default="")
XAPI_LRS_PASSWORD = env.str("XAPI_LRS_PASSWORD", default="")
XAPI_LRS_TIMEOUT = env.float("XAPI_LRS_TIMEOUT", default=10.0)  # seconds per request
XAPI_LRS_BATCH_SIZE = env.int("XAPI_LRS_BATCH_SIZE", default=100)  # statements per POST

# --- Retention of separated staff's data (docs/retention.md; lms/accounts/privacy/retention.py) --
# Months after separation before `manage.py retention_sweep` pseudonymises the account (name,
# email, sign-in data). Training, certification and sign-off records are kept regardless.
RELAY_RETENTION_PSEUDONYMISE_MONTHS = env.int("RELAY_RETENTION_PSEUDONYMISE_MONTHS", default=24)
# Years after separation that training, certification and sign-off records are kept at least;
# past them the sweep counts people for a records officer's review (it never deletes records).
RELAY_RETENTION_RECORDS_YEARS = env.int("RELAY_RETENTION_RECORDS_YEARS", default=7)
