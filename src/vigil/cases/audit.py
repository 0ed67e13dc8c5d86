"""The audit trail: an append-only record of who created, changed, merged, imported,
exported, read restricted data, signed in (or failed to), restored or granted what,
and when.

Records are described by :func:`vigil.cases.policy.snapshot`, which masks every value
above internal with a keyed hash: the trail says *that* a restricted field changed,
never what it holds, so an admin without the restricted permission may read all of
it. Append-only is enforced three times: the model refuses updates and deletes, its
querysets refuse bulk ones, and the database refuses both (triggers, migration
``0004``).
"""

from __future__ import annotations

from typing import Any

from vigil.output import jsonable


def actor(name: str | None = None) -> str:
    """Who is acting: ``name``, else ``VIGIL_ACTOR``, else the operating-system user."""
    from vigil.cases.policy import default_name

    return default_name(name)


def _name(by: Any) -> str:
    """The name of ``by``: an :class:`~vigil.cases.policy.Actor`, a name, or nobody
    (then :func:`actor`)."""
    return by.name if hasattr(by, "level") and hasattr(by, "name") else actor(by)


def record(
    action: str, target: str = "", detail: dict[str, Any] | None = None, *, by: Any = None
) -> Any:
    """Append one audit event (inside the caller's transaction). ``detail`` must hold
    nothing above internal: build it with :func:`change` or the policy's snapshots."""
    from vigil.cases.models import AuditEvent

    return AuditEvent.objects.create(
        actor=_name(by)[:200], action=action, target=target[:200], detail=jsonable(detail or {})
    )


def change(
    by: Any,
    action: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **extra: Any,
) -> Any:
    """Append the change of one record: ``before`` and ``after`` are
    :func:`~vigil.cases.policy.snapshot` dicts (already masked); an update keeps
    only the columns that differ."""
    from vigil.cases import policy

    detail: dict[str, Any] = {}
    if before is not None and after is not None:
        detail["changes"] = policy.changes(before, after)
    elif after is not None:
        detail["after"] = after
    elif before is not None:
        detail["before"] = before
    detail.update(extra)
    return record(action, policy.audit_target(obj), detail, by=by)


def events(who: Any) -> Any:
    """The trail, newest first, for an admin (anyone else: Forbidden)."""
    from vigil.cases import policy
    from vigil.cases.models import AuditEvent

    policy.require_admin(who)
    return AuditEvent.objects.order_by("-at", "-id")
