"""Failed sign-ins and lockouts in the audit trail.

Two receivers, connected by :meth:`vigil.web.apps.WebConfig.ready`:

- Django's ``user_login_failed``: one ``sign-in-failed`` row per failed attempt, target
  ``user:<the name tried>``, detail: the client's address as django-axes sees it, why
  (``unknown user``, ``wrong password``, ``account deactivated``, ``wrong code``: a
  wrong or missing second factor after the right password, or ``locked``: refused
  unchecked during a lockout) and the failures axes now counts for
  that name and address. ``authenticate`` sends the signal once for a refused password
  (or a refusal by axes); the sign-in view sends it once for a right password with a
  wrong code. The password, masked or not, and the code are never recorded.
- django-axes' ``user_locked_out``: one ``lockout`` row when a lock begins (the failure
  that reaches the limit), after that failure's row; detail: address and failures.
  Axes sends it again for every attempt during the lock; those are the ``locked``
  failures above, not new lockouts.

The rows are written at once, never deferred to a commit (``on_commit``) that a refused
sign-in, which changes nothing else, would never make: the site runs in autocommit, so
each row is committed as it is written (inside a transaction that is rolled back, it
would go with it). Both receivers run after axes' own (:func:`connect` imports axes'
signals, which connects its receivers, before connecting ours), so the failure counts
include the attempt being recorded.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

ACTOR = "anonymous"  # who acts: the client, not (yet) any account
NAME_LENGTH = 150  # Django's user names are at most 150 characters


def _name(credentials: dict[str, Any] | None, fallback: str | None = None) -> str:
    name = (credentials or {}).get("username") or fallback or ""
    return str(name).replace("\x00", "")[:NAME_LENGTH]


def _address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.update_request(request)  # sets axes_ip_address once per request
    return request.axes_ip_address  # type: ignore[attr-defined]  # set by axes, untyped


def _failures(request: HttpRequest | None) -> int | None:
    return getattr(request, "axes_failures_since_start", None)


def _was_locked(request: HttpRequest | None, credentials: dict[str, Any] | None) -> bool:
    """Whether axes refused this attempt because the name and address were already
    locked (rather than this attempt reaching the limit)."""
    if request is None:
        return False
    failures = _failures(request)
    if failures is None:  # axes recorded nothing: it refused without counting
        return bool(getattr(request, "axes_locked_out", False))
    from axes.helpers import get_failure_limit

    return failures > get_failure_limit(request, credentials)


def _reason(request: HttpRequest | None, credentials: dict[str, Any], name: str) -> str:
    if _was_locked(request, credentials):
        return "locked"
    if "password" not in credentials:
        # authenticate() sends the credentials with the password masked; the sign-in
        # view sends the name alone when the password was right and the code was not
        return "wrong code"
    from django.contrib.auth import get_user_model

    user = get_user_model()._default_manager.filter(username=name).first()
    if user is None:
        return "unknown user"
    return "wrong password" if user.is_active else "account deactivated"


def record_failure(request: HttpRequest | None, credentials: dict[str, Any] | None) -> None:
    """One ``sign-in-failed`` row for this attempt (once: the attempt's credentials are
    remembered on the request)."""
    from vigil.cases import audit

    if credentials is None:
        credentials = {}
    if request is not None:
        if getattr(request, "_vigil_failure_recorded", None) is credentials:
            return
        # Remembered on the request itself, which HttpRequest's stubs do not declare.
        request._vigil_failure_recorded = credentials  # type: ignore[attr-defined]
    name = _name(credentials)
    detail = {
        "address": _address(request),
        "reason": _reason(request, credentials, name),
        "failures": _failures(request),
    }
    audit.record("sign-in-failed", f"user:{name}", detail, by=ACTOR)


def on_login_failed(
    sender: Any,
    credentials: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    record_failure(request, credentials)


def on_locked_out(
    sender: Any,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    from vigil.cases import audit

    credentials = getattr(request, "axes_credentials", None)
    if credentials is None:
        credentials = {"username": username}
    # Axes sends this while it handles the failed attempt, before our own receiver of
    # user_login_failed runs: record that failure first, so the trail reads in order.
    record_failure(request, credentials)
    if _was_locked(request, credentials):
        return  # an attempt during the lock: recorded as a "locked" failure
    detail = {"address": ip_address, "failures": _failures(request)}
    audit.record("lockout", f"user:{_name(credentials, username)}", detail, by=ACTOR)


def connect() -> None:
    """Connect the receivers after django-axes' own (idempotent: ``dispatch_uid``)."""
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.connect(on_login_failed, dispatch_uid="vigil.web.signals.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="vigil.web.signals.locked_out")
