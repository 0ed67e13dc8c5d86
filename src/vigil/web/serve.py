"""`vigil serve`: the web site on a production-capable WSGI server (waitress).

For a public deployment, put it behind a reverse proxy (TLS) or run
``gunicorn vigil.web.wsgi`` with the same environment (docs/web.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from vigil.config import kept_secret, resolve_store
from vigil.errors import StoreError
from vigil.i18n import gettext as _


def secret_key() -> str:
    """``VIGIL_SECRET_KEY``, else a random key kept (mode 0600) in the data directory."""
    return kept_secret("secret_key", "VIGIL_SECRET_KEY")


def prepare(store: Path | None = None, *, debug: bool = False) -> Path:
    """Environment and Django for serving ``store``; returns the store's path."""
    path = resolve_store(store)
    if not path.exists():
        raise StoreError(
            _("%(path)s: no territory store (run `vigil territory ingest`, or give `--store`)")
            % {"path": path}
        )
    os.environ["VIGIL_STORE"] = str(path.resolve())
    os.environ.setdefault("VIGIL_SECRET_KEY", secret_key())
    if debug:
        os.environ["VIGIL_DEBUG"] = "1"
    from vigil.cases import setup

    setup()
    from django.conf import settings

    settings.VIGIL_STORE = str(path.resolve())  # when Django was set up before us
    return path


def serve(host: str, port: int, *, store: Path | None = None, threads: int = 8) -> None:
    """Serve the site until stopped. Each request runs in one of waitress's ``threads``
    worker threads, which start with a fresh context: the language the command line
    activated (vigil --lang) does not reach them; the site picks the reader's per request
    (vigil.web.middleware)."""
    from waitress import serve as waitress_serve

    from vigil.web.wsgi import application

    # waitress deletes X-Forwarded-For/-Proto by default; Django decides what to trust
    # of them (settings: the proto only with VIGIL_HTTPS, the address only with
    # VIGIL_PROXY_COUNT), so they must reach it: behind a TLS proxy, CSRF's origin check
    # and HSTS need the proto, the lockout needs the client's address.
    waitress_serve(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="vigil",
        clear_untrusted_proxy_headers=False,
    )
