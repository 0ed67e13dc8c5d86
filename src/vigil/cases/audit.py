"""The audit trail: an append-only record of who created, changed, merged, imported
or exported what, and when (the before and after of every change in ``detail``)."""

from __future__ import annotations

import getpass
import os
from typing import Any

from vigil.output import jsonable


def actor(name: str | None = None) -> str:
    """Who is acting: ``name``, else ``VIGIL_ACTOR``, else the operating-system user."""
    if name:
        return name
    env = os.environ.get("VIGIL_ACTOR")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        return f"uid:{os.getuid()}"


def record(
    action: str, target: str = "", detail: dict[str, Any] | None = None, *, by: str | None = None
) -> Any:
    """Append one audit event (inside the caller's transaction)."""
    from vigil.cases.models import AuditEvent

    return AuditEvent.objects.create(
        actor=actor(by), action=action, target=target, detail=jsonable(detail or {})
    )
