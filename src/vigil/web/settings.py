"""Django settings for Vigil: the cases registry (CLI and library) and the web site.

Everything that differs between machines comes from the environment, never from the
repository: ``DATABASE_URL`` (default: ``cases.sqlite`` in the Vigil data directory),
``VIGIL_STORE`` (the territory store the site reads), ``VIGIL_SECRET_KEY``,
``VIGIL_DEBUG``, ``VIGIL_ALLOWED_HOSTS`` (comma-separated), ``VIGIL_TILE_URL`` (a
base-map tile server; without one the map draws the bundled boundaries only), and for
HTTPS behind a reverse proxy ``VIGIL_HTTPS``, ``VIGIL_HSTS_SECONDS``,
``VIGIL_HSTS_INCLUDE_SUBDOMAINS`` and ``VIGIL_PROXY_COUNT`` (docs/web.md); the mail
server `vigil watch` sends alerts through, ``VIGIL_EMAIL_*`` (docs/watch.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from vigil import i18n as _i18n
from vigil.config import database_config, resolve_store

BASE_DIR = Path(__file__).resolve().parent


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value not in ("0", "false", "no", "off")


def _count(name: str, default: int) -> int:
    """A whole number >= 0 from the environment; anything else stops the start-up
    with the variable named (a typo must not silently turn a protection off)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ImproperlyConfigured(f"{name} must be a whole number >= 0, got {value!r}")
    return number


SECRET_KEY = os.environ.get("VIGIL_SECRET_KEY", "")  # `vigil serve` makes one if unset
DEBUG = os.environ.get("VIGIL_DEBUG", "").lower() in ("1", "true", "yes")
ALLOWED_HOSTS: list[str] = [
    h.strip() for h in os.environ.get("VIGIL_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
] + ["testserver"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ninja",
    "vigil.cases",
    "vigil.watch",
    "vigil.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "vigil.web.middleware.SecurityHeadersMiddleware",
    # the reader's language from the address's prefix (/uk/…) or Accept-Language; before
    # anything that reads the path
    "vigil.web.middleware.LanguageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # after authentication (it reads request.user), before axes (it sees the lockout page)
    "vigil.web.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# -- sign-in (editors' area) ---------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # lockout after repeated failures
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # reads older hashes, never writes
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "editors:login"  # named: keeps the reader's language prefix
LOGIN_REDIRECT_URL = "editors:dashboard"
OTP_TOTP_ISSUER = "Vigil"
AXES_FAILURE_LIMIT = int(os.environ.get("VIGIL_LOGIN_ATTEMPTS", "5"))
AXES_COOLOFF_TIME = 1  # hour
# Locked per (user name, address) pair: failures for one name from one address never
# lock that name from another address, nor another name from that address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address. Behind VIGIL_PROXY_COUNT trusted reverse proxies, each of which
# appends the address it received the request from to X-Forwarded-For, the client is
# the entry that many places from the right; 0 (the default) trusts no header and uses
# REMOTE_ADDR. (django-ipware, which axes' AXES_IPWARE_* settings configure, is not
# installed: this callable is what decides.)
VIGIL_PROXY_COUNT = _count("VIGIL_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "vigil.web.middleware.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "vigil.web.editors.auth.lockout_response"

# Cookies: HTTP-only, same-site strict, secure unless VIGIL_HTTPS=0 (a laptop on http).
_HTTPS = _flag("VIGIL_HTTPS", True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_SECURE = _HTTPS
SESSION_COOKIE_AGE = 8 * 3600  # a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SECURE = _HTTPS
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

ROOT_URLCONF = "vigil.web.urls"
WSGI_APPLICATION = "vigil.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "vigil.web.context.languages",
            ]
        },
    }
]

DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "vigil",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}

STATIC_URL = "/static/"
# Served by whitenoise straight from the package (no collectstatic needed to run);
# `django-admin collectstatic` into VIGIL_STATIC_ROOT for a front server, if wanted.
STATIC_ROOT = os.environ.get("VIGIL_STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# HTTPS (on unless VIGIL_HTTPS=0). The site then always runs behind a reverse proxy that
# terminates TLS (`vigil serve` is waitress without TLS), and that proxy must set
# X-Forwarded-Proto itself, overwriting any value a client sent: it is what tells Django
# that the request came over HTTPS (secure CSRF origin checks, HSTS).
if _HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Browsers refuse plain http for this host for a year (VIGIL_HSTS_SECONDS; 0: off).
    SECURE_HSTS_SECONDS = _count("VIGIL_HSTS_SECONDS", 365 * 24 * 3600)
    # Not for subdomains unless asked: the site often lives on a subdomain or the apex
    # of an organisation's domain whose other hosts (a mail or intranet server, a
    # sibling site on http) HSTS would make unreachable for as long as it lasts.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("VIGIL_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = False  # preloading is a commitment for the whole domain
else:
    SECURE_HSTS_SECONDS = 0

# Security (docs/security.md grows with the cases issue): nothing inline, nothing external.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
VIGIL_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

# The territory store the site reads (read-only) and the optional base-map tiles.
VIGIL_STORE = str(resolve_store())
VIGIL_TILE_URL = os.environ.get("VIGIL_TILE_URL", "")
VIGIL_TILE_ATTRIBUTION = os.environ.get("VIGIL_TILE_ATTRIBUTION", "")

# -- e-mail (`vigil watch` sends alerts; docs/watch.md) --------------------------------
# Off unless VIGIL_EMAIL_HOST names an SMTP server: the "dummy" backend then sends
# nothing, and the watch's e-mail channel reports "no mail server is configured".
# VIGIL_EMAIL_PORT (default 587 with VIGIL_EMAIL_USE_TLS=1, STARTTLS; 465 with
# VIGIL_EMAIL_USE_SSL=1, TLS from the start; else 25), VIGIL_EMAIL_USER and
# VIGIL_EMAIL_PASSWORD (when the server asks for a login), VIGIL_EMAIL_FROM (the
# sender, default vigil@localhost), VIGIL_EMAIL_TIMEOUT (seconds, default 30: a mail
# server that does not answer must not hold a run forever).
EMAIL_HOST = os.environ.get("VIGIL_EMAIL_HOST", "").strip()
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.dummy.EmailBackend"
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_USE_TLS = _flag("VIGIL_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _flag("VIGIL_EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "VIGIL_EMAIL_USE_TLS and VIGIL_EMAIL_USE_SSL are both on: set one (TLS: STARTTLS,"
        " usually port 587; SSL: TLS from the start, usually port 465)"
    )
EMAIL_PORT = _count("VIGIL_EMAIL_PORT", 587 if EMAIL_USE_TLS else 465 if EMAIL_USE_SSL else 25)
EMAIL_HOST_USER = os.environ.get("VIGIL_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("VIGIL_EMAIL_PASSWORD", "")
EMAIL_TIMEOUT = _count("VIGIL_EMAIL_TIMEOUT", 30) or None
DEFAULT_FROM_EMAIL = os.environ.get("VIGIL_EMAIL_FROM", "").strip() or "vigil@localhost"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

USE_TZ = True
TIME_ZONE = "UTC"
# Four languages (vigil.i18n); catalogues in vigil/locale (docs/i18n.md).
LANGUAGE_CODE = "en"
USE_I18N = True
LANGUAGES = [(code, name) for code, name in _i18n.LANGUAGES.items()]
LOCALE_PATHS = [str(_i18n.LOCALE_DIR)]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
