"""Django settings for Vigil: the cases registry (CLI and library) and, later, the web site.

Everything that differs between machines comes from the environment, never from the
repository: ``DATABASE_URL`` (default: ``cases.sqlite`` in the Vigil data directory),
``VIGIL_SECRET_KEY`` and ``VIGIL_DEBUG``.
"""

from __future__ import annotations

import os

from vigil.config import database_config

SECRET_KEY = os.environ.get("VIGIL_SECRET_KEY", "")  # only the web server needs one
DEBUG = os.environ.get("VIGIL_DEBUG", "").lower() in ("1", "true", "yes")
ALLOWED_HOSTS: list[str] = [h for h in os.environ.get("VIGIL_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "vigil.cases",
]

DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
USE_I18N = False
