"""Headers the site sets once for every response, and the client's address.

- :class:`SecurityHeadersMiddleware`: a strict Content-Security-Policy (no inline script
  or style, nothing from another origin except the configured tile server);
- :class:`PrivateCacheMiddleware`: ``Cache-Control: private, no-store`` on everything
  above public (the editors' area, and every answer to a signed-in user);
- :class:`LanguageMiddleware`: the reader's language, from the address's prefix
  (``/uk/map/``), else ``Accept-Language``;
- :func:`client_ip`: the address django-axes locks sign-ins by, behind
  ``VIGIL_PROXY_COUNT`` trusted reverse proxies.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import get_script_prefix, set_script_prefix
from django.utils import translation
from django.utils.cache import patch_vary_headers

from vigil import i18n

PRIVATE = "private, no-store"
PRIVATE_PREFIX = "/editors/"  # the editors' area: private even before signing in


def _tile_origin() -> str:
    url = settings.VIGIL_TILE_URL
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "a"))
    host = parts.netloc.replace("a.", "*.", 1) if "{s}" in url else parts.netloc
    return f" {parts.scheme}://{host}"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp = settings.VIGIL_CSP.format(tiles=_tile_origin())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.csp)
        response.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        return response


class LanguageMiddleware:
    """The reader's language: a page's address says it (``/az/``, ``/uk/``, ``/ru/``,
    ``/en/`` before the path, so a permalink keeps it), else the browser's
    ``Accept-Language``, else English.

    The prefix is treated like the mount point of the site: it is taken off the path
    the URLs are matched against and added to the script prefix, so every address the
    site makes (``{% url %}``, ``reverse``, redirects) keeps the reader's language and
    no view or pattern knows about it. The same pages without a prefix stay where they
    were (links in feeds, alerts and e-mails made before keep working), in the
    language the browser asks for, with ``Vary: Accept-Language`` for caches.

    Deliberately not ``i18n_patterns``: that redirects every address without a prefix,
    breaking every published link's first hop and every HTTP client that does not
    follow redirects (feed readers, the calendar subscription, the API's users)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        head, _, rest = path.lstrip("/").partition("/")
        prefix = head if head in i18n.LANGUAGES else None
        if prefix and not path.startswith(f"/{prefix}/"):  # "/uk": the page is "/uk/"
            return HttpResponsePermanentRedirect(f"{request.path}/")
        if prefix:
            lang = prefix
            request.path_info = "/" + rest
            script = request.META.get("SCRIPT_NAME", "") + f"/{prefix}"
            request.META["SCRIPT_NAME"] = script
        else:
            lang = i18n.normalise(translation.get_language_from_request(request)) or i18n.DEFAULT
        request.language_prefix = prefix  # type: ignore[attr-defined]
        request.LANGUAGE_CODE = lang
        before = get_script_prefix()
        if prefix:
            set_script_prefix(f"{request.META['SCRIPT_NAME']}/")
        translation.activate(lang)
        try:
            response = self.get_response(request)
        finally:
            set_script_prefix(before)
            translation.deactivate()
        response.setdefault("Content-Language", lang)
        if not prefix:
            patch_vary_headers(response, ("Accept-Language",))
        return response


def in_private_area(request: HttpRequest) -> bool:
    """Whether the address is in the editors' area."""
    return request.path_info.startswith(PRIVATE_PREFIX)


def signed_in(request: HttpRequest) -> bool:
    """Whether the request is a signed-in user's, as it stands after the view (a sign-in
    or sign-out during the request counts). A request without a session cookie whose
    session was never touched is anonymous: its session is not loaded just to ask,
    so public answers to anonymous readers keep their headers (no ``Vary: Cookie``)."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    session = getattr(request, "session", None)
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and not getattr(
        session, "accessed", False
    ):
        return False
    return bool(user.is_authenticated)


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` and ``Vary: Cookie`` on every response above
    public: everything under ``/editors/`` (the sign-in page too: it holds a CSRF
    token), and every response to a signed-in user anywhere on the site (a team member
    may be shown internal data on public pages and in the API). It overrides what a
    view set (``public, max-age=…``); answers to anonymous readers elsewhere keep it.

    Listed after the authentication middleware (it reads ``request.user``) and before
    django-axes' (so the lockout page axes substitutes passes through it too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if in_private_area(request) or signed_in(request):
            response["Cache-Control"] = PRIVATE
            patch_vary_headers(response, ("Cookie",))
        return response


def _address(text: str) -> str | None:
    """``text`` as a normalised IP address (a port or IPv6 brackets removed), or None."""
    text = text.strip()
    candidates = [text]
    if text.startswith("[") or text.count(":") == 1:  # "[::1]:443", "203.0.113.7:5000"
        candidates.append(urlsplit(f"//{text}").hostname or "")
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for django-axes (``AXES_CLIENT_IP_CALLABLE``).

    With ``VIGIL_PROXY_COUNT`` = 0 (the default) it is ``REMOTE_ADDR``, and
    ``X-Forwarded-For`` is never read: anyone can send one. With N > 0 trusted proxies
    in front, each appending the address it received the request from, the client is
    the N-th entry of ``X-Forwarded-For`` from the right; whatever a client wrote
    itself sits further left and is ignored. A header with fewer entries than that, or
    a malformed entry, means the request did not come through the proxies as
    configured: ``REMOTE_ADDR`` then, which nobody can forge."""
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "VIGIL_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [e for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if len(forwarded) < count:
        return remote
    return _address(forwarded[-count]) or remote
