"""Who may use the editors' area, and the second factor (TOTP, django-otp).

- :func:`member_required`: signed in with a role; an editor or admin also with a
  verified second factor (else sent to enrol one, or to sign in again);
- :func:`editor_required`: the above and the right to change the registry (viewers
  get 403 for every form and every POST);
- :func:`admin_required`: admins only (the audit trail).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.cases import roles
from vigil.cases.levels import Level
from vigil.cases.policy import Actor

View = Callable[..., HttpResponseBase]  # a view: a page, a redirect or a stream


def username(request: HttpRequest) -> str:
    """Who acts, for the audit trail (the account's user name)."""
    return request.user.get_username() if request.user.is_authenticated else "anonymous"


def actor(request: HttpRequest) -> Actor:
    """Who acts on this request, as :mod:`vigil.cases.policy` sees them (made once per
    request)."""
    found = getattr(request, "_vigil_actor", None)
    if found is None or found.user_id != getattr(request.user, "pk", None):
        found = Actor.for_user(request.user)
        # Made once per request and kept on it (HttpRequest's stubs declare no such field).
        request._vigil_actor = found  # type: ignore[attr-defined]
    return found


def level(request: HttpRequest) -> Level:
    return actor(request).level


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def needs_second_factor(user: Any) -> bool:
    return bool(roles.roles_of(user) & set(roles.NEEDS_SECOND_FACTOR))


def member_required(view: View) -> View:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request)
        if not roles.roles_of(user):
            raise PermissionDenied("this account has no role in the registry")
        if not roles.verified(user):
            if confirmed_device(user) is None:
                return redirect("editors:enrol")
            return redirect_to_login(request)
        return view(request, *args, **kwargs)

    return wrapped


def editor_required(view: View) -> View:
    @functools.wraps(view)
    @member_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not actor(request).can_edit:
            raise PermissionDenied("viewers cannot change the registry")
        return view(request, *args, **kwargs)

    return wrapped


def admin_required(view: View) -> View:
    @functools.wraps(view)
    @member_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not actor(request).is_admin:
            raise PermissionDenied("admins only")
        return view(request, *args, **kwargs)

    return wrapped


def redirect_to_login(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth.views import redirect_to_login as to_login

    return to_login(request.get_full_path())


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer once an account is locked (``AXES_LOCKOUT_CALLABLE``):
    the site's own page, status 429, naming nobody and nothing about the account."""
    from django.conf import settings

    hours = getattr(settings, "AXES_COOLOFF_TIME", 1)
    return render(request, "web/editors/locked.html", {"hours": hours}, status=429)
