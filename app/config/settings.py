"""Django settings for the sample stack.

Every deployment-specific value is read from the environment (see README.md);
nothing secret lives in this file.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    """Return an environment variable, stripped; ``default`` if unset or empty."""
    return os.environ.get(name, "").strip() or default


def env_bool(name, default=False):
    """Parse a "true"/"false" environment variable."""
    value = env(name).lower()
    if not value:
        return default
    if value in {"true", "1", "yes", "on"}:
        return True
    if value in {"false", "0", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 'true' or 'false', not {value!r}.")


def env_list(name, default=()):
    """Parse a comma-separated environment variable into a list."""
    items = [item.strip() for item in env(name).split(",")]
    return [item for item in items if item] or list(default)


# --- Core --------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Git commit of the deployed code, shown on the home page and by /healthz/.
APP_RELEASE = env("APP_RELEASE", "dev")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "notes",
]

MIDDLEWARE = [
    # First, so health checks are answered before ALLOWED_HOSTS is validated.
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------
# Without DJANGO_DB_HOST a local SQLite file is used (development and tests).
# DJANGO_DB_TLS=required encrypts the connection (the server's certificate is
# not checked); DJANGO_DB_CA names a CA file that the server's certificate
# must chain to, with its name or address matching DJANGO_DB_HOST.


def db_tls_options():
    """mysqlclient's TLS options for DJANGO_DB_TLS and DJANGO_DB_CA."""
    if env("DJANGO_DB_CA"):
        return {"ssl": {"ca": env("DJANGO_DB_CA")}, "ssl_mode": "VERIFY_IDENTITY"}
    mode = env("DJANGO_DB_TLS", "off").lower()
    if mode == "required":
        return {"ssl_mode": "REQUIRED"}
    if mode != "off":
        raise ImproperlyConfigured(f"DJANGO_DB_TLS must be 'required' or 'off', not {mode!r}.")
    return {}


DB_HOST = env("DJANGO_DB_HOST")
if DB_HOST:
    for name in ("DJANGO_DB_NAME", "DJANGO_DB_USER"):
        if not env(name):
            raise ImproperlyConfigured(f"{name} must be set when DJANGO_DB_HOST is.")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "HOST": DB_HOST,
            "PORT": env("DJANGO_DB_PORT", "3306"),
            "NAME": env("DJANGO_DB_NAME"),
            "USER": env("DJANGO_DB_USER"),
            "PASSWORD": os.environ.get("DJANGO_DB_PASSWORD", ""),
            "OPTIONS": {"charset": "utf8mb4", **db_tls_options()},
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

# --- Internationalisation ----------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files --------------------------------------------------
# collectstatic writes to STATIC_ROOT, a volume shared with nginx. Hashed file
# names let old and new releases' assets coexist and be cached for a year.

STATIC_URL = "/static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", "/srv/static")
STATICFILES_DIRS = [BASE_DIR / "static"]

MEDIA_URL = "/media/"
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", "/srv/media")

# Uploads go to MEDIA_ROOT (DJANGO_MEDIA_STORAGE=local, a volume nginx serves)
# or to an S3-compatible bucket (s3, through django-storages): the way for
# several web hosts to share them. Credentials come from the environment
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the host's instance role.
MEDIA_STORAGE = env("DJANGO_MEDIA_STORAGE", "local").lower()
if MEDIA_STORAGE == "s3":
    if not env("DJANGO_S3_BUCKET"):
        raise ImproperlyConfigured("DJANGO_S3_BUCKET must be set when DJANGO_MEDIA_STORAGE is s3.")
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("DJANGO_S3_BUCKET"),
            "endpoint_url": env("DJANGO_S3_ENDPOINT_URL") or None,
            "region_name": env("DJANGO_S3_REGION") or None,
            "location": env("DJANGO_S3_LOCATION"),
            "custom_domain": env("DJANGO_S3_CUSTOM_DOMAIN") or None,
            # Private objects, reached through signed URLs (unless a public
            # custom domain such as a CDN serves them); never overwritten.
            "default_acl": None,
            "querystring_auth": not env("DJANGO_S3_CUSTOM_DOMAIN"),
            "file_overwrite": False,
        },
    }
elif MEDIA_STORAGE in {"local", "none"}:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(
        f"DJANGO_MEDIA_STORAGE must be 'local', 's3' or 'none', not {MEDIA_STORAGE!r}."
    )

STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}

# --- Security ----------------------------------------------------------------
# nginx terminates TLS and does the HTTP -> HTTPS redirect.

HTTPS = env_bool("DJANGO_HTTPS")
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "0"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS")
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD")
    # check --deploy would warn about SECURE_SSL_REDIRECT; nginx does it instead.
    SILENCED_SYSTEM_CHECKS = ["security.W008"]
SECURE_SSL_REDIRECT = False

USE_X_FORWARDED_HOST = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# --- Logging -----------------------------------------------------------------
# Everything goes to stdout; docker collects it.

LOG_LEVEL = env("DJANGO_LOG_LEVEL", "INFO").upper()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Replace Django's default handlers (console only when DEBUG, mail_admins).
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
