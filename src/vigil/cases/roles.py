"""Who may read and change what: roles (Django groups) → the reader's level.

- anonymous reader → public;
- viewer, editor, admin → internal, once signed in; editors and admins only with a
  verified second factor (TOTP), else they read as the public does;
- the ``cases.view_restricted`` permission → restricted (given to named users).

Views, the API, exports and search take their level from :func:`level_for`; nothing
reads the registry at a level it did not get from here.
"""

from __future__ import annotations

from typing import Any

from vigil.cases.levels import Level

ROLES = ("viewer", "editor", "admin")
NEEDS_SECOND_FACTOR = ("editor", "admin")


def roles_of(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))


def verified(user: Any) -> bool:
    """Signed in with the second factor (django-otp), when the role requires one."""
    roles = roles_of(user)
    if not roles:
        return False
    if roles & set(NEEDS_SECOND_FACTOR):
        is_verified = getattr(user, "is_verified", None)
        return bool(is_verified and is_verified())
    return True


def level_for(user: Any) -> Level:
    """The level this user reads the registry at, on this request."""
    if not verified(user):
        return Level.PUBLIC
    if user.has_perm("cases.view_restricted"):
        return Level.RESTRICTED
    return Level.INTERNAL


def can_edit(user: Any) -> bool:
    return verified(user) and bool(roles_of(user) & {"editor", "admin"})


def is_admin(user: Any) -> bool:
    return verified(user) and "admin" in roles_of(user)
