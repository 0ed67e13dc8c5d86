"""Users of the editors' area, managed from the command line (`vigil cases user …`):
the bootstrap before anyone can sign in to the web site's admin pages.

A user has one role (:data:`vigil.cases.roles.ROLES`: a Django group), may be given
the ``cases.view_restricted`` permission (restricted fields), and signs in with a
password (checked by Django's validators: at least 12 characters, not common, not
all digits, not like the user name) and, for editors and admins, a TOTP device.
Every change is an audit event (``user-add``, ``user-role``, ``user-restricted``,
``user-deactivate``, ``user-totp``); passwords and TOTP secrets never are.

``by`` is who acts: an :class:`~vigil.cases.policy.Actor` (an admin on the web site),
or a name (the command line's operator, who can open the database and so holds every
right). The restricted permission is granted only by a holder of it, never to oneself
(:meth:`~vigil.cases.policy.Actor.may_grant_restricted`); anyone who manages users may
take it back.
"""

from __future__ import annotations

import secrets
from typing import Any

import pandas as pd

from vigil.cases.roles import ROLES
from vigil.errors import Forbidden, InputError
from vigil.i18n import gettext as _

RESTRICTED = ("cases", "view_restricted")


def _role(role: str) -> str:
    value = (role or "").strip().lower()
    if value not in ROLES:
        raise InputError(
            _("expected %(roles)s, got %(value)r") % {"roles": ", ".join(ROLES), "value": role},
            param="role",
        )
    return value


def _user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise InputError(
            _("no user %(user)r (see `vigil cases user list`)") % {"user": username}
        ) from None


def _may_grant(by: Any, user_id: int | None) -> None:
    from vigil.cases.policy import acting

    if not acting(by).may_grant_restricted(user_id):
        raise Forbidden(
            _("the restricted permission is granted only by another holder of it, never to oneself")
        )


def _restricted_permission() -> Any:
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label=RESTRICTED[0], codename=RESTRICTED[1])


def generate_password() -> str:
    """A random password of 24 URL-safe characters (144 bits), from :mod:`secrets`."""
    return secrets.token_urlsafe(18)


def check_password(password: str, user: Any = None) -> None:
    """Django's password validators, as one InputError line."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InputError(
            # Translators: %(reasons)s are Django's password validators' messages.
            _("password refused: %(reasons)s") % {"reasons": " ".join(exc.messages)}
        ) from None


def add_user(
    username: str,
    role: str,
    *,
    password: str | None = None,
    email: str = "",
    restricted: bool = False,
    by: Any = None,
) -> tuple[Any, str | None]:
    """Create a user with ``role``; return it and the generated password (``None`` when
    ``password`` was given). The password is shown once and stored only hashed."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.db import transaction

    from vigil.cases import audit

    User = get_user_model()
    role = _role(role)
    username = (username or "").strip()
    if not username:
        raise InputError(_("user name: empty"))
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise InputError(
            _("user name %(user)r: %(reasons)s")
            % {"user": username, "reasons": " ".join(exc.messages)}
        ) from None
    if len(username) > (User._meta.get_field("username").max_length or len(username)):
        raise InputError(_("user name %(user)r: too long") % {"user": username})
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InputError(
                _("not an e-mail address: %(value)r") % {"value": email}, param="email"
            ) from None
    if User.objects.filter(username=username).exists():
        raise InputError(_("user %(user)r exists already") % {"user": username})
    if restricted:
        _may_grant(by, None)
    generated = None
    if password is None:
        password = generated = generate_password()
    check_password(password, User(username=username, email=email))
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, password=password)
        user.groups.set([Group.objects.get(name=role)])
        if restricted:
            user.user_permissions.add(_restricted_permission())
        audit.record(
            "user-add",
            f"user:{username}",
            {
                "role": role,
                "email": email,
                "restricted": restricted,
                "password": "generated" if generated else "given",
            },
            by=by,
        )
    return user, generated


def set_password(username: str, password: str | None = None, *, by: Any = None) -> str | None:
    """Give a user a new password (generated when ``None``, and returned)."""
    from django.db import transaction

    from vigil.cases import audit

    user = _user(username)
    generated = None
    if password is None:
        password = generated = generate_password()
    check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(
            "user-password",
            f"user:{username}",
            {"password": "generated" if generated else "given"},
            by=by,
        )
    return generated


def set_role(username: str, role: str, *, by: Any = None) -> Any:
    """Replace the user's role (one of viewer, editor, admin)."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from vigil.cases import audit

    role = _role(role)
    user = _user(username)
    before = sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    with transaction.atomic():
        others = list(user.groups.exclude(name__in=ROLES))
        user.groups.set([*others, Group.objects.get(name=role)])
        audit.record("user-role", f"user:{username}", {"before": before, "after": [role]}, by=by)
    return user


def _set_restricted(username: str, grant: bool, by: Any) -> Any:
    from django.db import transaction

    from vigil.cases import audit

    user = _user(username)
    if grant:
        _may_grant(by, user.pk)
    permission = _restricted_permission()
    before = user.user_permissions.filter(pk=permission.pk).exists()
    with transaction.atomic():
        if grant:
            user.user_permissions.add(permission)
        else:
            user.user_permissions.remove(permission)
        audit.record(
            "user-restricted",
            f"user:{username}",
            {"before": before, "after": grant},
            by=by,
        )
    return user


def grant_restricted(username: str, *, by: Any = None) -> Any:
    """Let the user read restricted fields (``cases.view_restricted``)."""
    return _set_restricted(username, True, by)


def revoke_restricted(username: str, *, by: Any = None) -> Any:
    """Take back the restricted-fields permission given to the user."""
    return _set_restricted(username, False, by)


def deactivate(username: str, *, by: Any = None) -> Any:
    """Stop the user from signing in (the account and its history stay); open
    sessions end at their next request (Django refuses inactive users)."""
    from django.db import transaction

    from vigil.cases import audit

    user = _user(username)
    with transaction.atomic():
        was = user.is_active
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit.record("user-deactivate", f"user:{username}", {"before": was, "after": False}, by=by)
    return user


def list_users() -> pd.DataFrame:
    """Every user: username, roles, restricted, active, has_totp, last_login."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    User = get_user_model()
    permission = _restricted_permission()
    with_totp = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    rows = []
    for user in User.objects.order_by("username").prefetch_related("groups", "user_permissions"):
        groups = sorted(g.name for g in user.groups.all() if g.name in ROLES)
        restricted = user.is_superuser or any(
            p.pk == permission.pk for p in user.user_permissions.all()
        )
        rows.append(
            {
                "username": user.username,
                "roles": ", ".join(groups),
                "restricted": restricted,
                "active": user.is_active,
                "has_totp": user.pk in with_totp,
                "last_login": user.last_login.isoformat(timespec="seconds")
                if user.last_login
                else "",
            }
        )
    columns = ["username", "roles", "restricted", "active", "has_totp", "last_login"]
    return pd.DataFrame(rows, columns=columns)


def totp_setup(username: str, *, by: Any = None) -> tuple[Any, str]:
    """A new, unconfirmed TOTP device for the user (replacing any unconfirmed one) and
    its ``otpauth://`` URL for an authenticator app (issuer Vigil). The device becomes
    confirmed at the first sign-in with a valid code; confirmed devices stay."""
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from vigil.cases import audit

    user = _user(username)
    if not user.is_active:
        raise InputError(_("user %(user)r is deactivated") % {"user": username})
    with transaction.atomic():
        dropped = TOTPDevice.objects.filter(user=user, confirmed=False).delete()[0]
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
        audit.record(
            "user-totp",
            f"user:{username}",
            {"device": device.pk, "confirmed": False, "replaced_unconfirmed": dropped},
            by=by,
        )
    return device, device.config_url
