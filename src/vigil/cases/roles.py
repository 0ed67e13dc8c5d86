"""The roles of the registry's users (Django groups) and their second factor.

- anonymous reader → public;
- viewer, editor, admin → internal, once signed in; editors and admins only with a
  verified second factor (TOTP), else they read as the public does;
- the ``cases.view_restricted`` permission → restricted (given to named users).

What a user may see and do is decided in one place from these facts,
:meth:`vigil.cases.policy.Actor.for_user`; this module only says which roles a user
holds and whether the second factor is verified.
"""

from __future__ import annotations

from typing import Any

ROLES = ("viewer", "editor", "admin")
NEEDS_SECOND_FACTOR = ("editor", "admin")


def roles_of(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))


def verified(user: Any, roles: set[str] | None = None) -> bool:
    """Signed in with the second factor (django-otp), when the role requires one
    (``roles``: the user's, when already known)."""
    roles = roles_of(user) if roles is None else roles
    if not roles:
        return False
    if roles & set(NEEDS_SECOND_FACTOR):
        is_verified = getattr(user, "is_verified", None)
        return bool(is_verified and is_verified())
    return True
