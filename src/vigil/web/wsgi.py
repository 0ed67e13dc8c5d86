"""WSGI entry point: ``gunicorn vigil.web.wsgi`` or any WSGI server (docs/web.md)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.web.settings")
application = get_wsgi_application()
