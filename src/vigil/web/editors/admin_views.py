"""Admin and editor pages of the editors' area: users (admins only) and duplicates.

- users: the list, a new user (the generated password is shown once, on the answer
  to the form, and neither stored in clear nor audited), and per-user POST actions
  (role, restricted permission, deactivation, second-factor reset), each audited by
  :mod:`vigil.cases.users` (or here, for the reset) with the admin as actor. An admin
  can neither deactivate nor demote themselves, nor reset their own second factor;
- duplicates: the pairs :func:`vigil.cases.merge.duplicates` proposes at the editor's
  level, a confirmation page with both records side by side (at that level), then
  the merge; a ref above the editor's level is a 404, as everywhere else.
"""

from __future__ import annotations

from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.cases import audit, merge, policy, users
from vigil.cases.policy import Actor
from vigil.cases.roles import ROLES
from vigil.errors import Forbidden, InputError
from vigil.i18n import gettext as _
from vigil.i18n import gettext_lazy, pgettext_lazy
from vigil.web.editors.auth import actor, admin_required, editor_required, username
from vigil.web.editors.views import (
    PERSON_FIELDS,
    _audit_restricted_read,
    _display_name,
    _person,
    _person_cases,
    _visible_fields,
    page,
)

#: The roles as people read them (the values stay the roles' names).
ROLE_LABELS = {
    "viewer": pgettext_lazy("role", "viewer"),
    "editor": pgettext_lazy("role", "editor"),
    "admin": pgettext_lazy("role", "admin"),
}
ROLE_CHOICES = [(r, ROLE_LABELS.get(r, r)) for r in ROLES]


def _role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


class UserForm(djforms.Form):
    username = djforms.CharField(label=gettext_lazy("Username"), max_length=150)
    role = djforms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES, initial="viewer")
    email = djforms.EmailField(label=gettext_lazy("Email"), required=False)
    restricted = djforms.BooleanField(
        required=False, label=gettext_lazy("May read restricted fields"), initial=False
    )


class RoleForm(djforms.Form):
    role = djforms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES)


class MergeForm(djforms.Form):
    keep = djforms.CharField(max_length=40)
    drop = djforms.CharField(max_length=40)


# -- users ------------------------------------------------------------------------------


def _target(name: str) -> Any:
    User = get_user_model()
    found = User.objects.filter(username=name).first()
    if found is None:
        raise Http404("no such user")
    return found


def _is_self(request: HttpRequest, name: str) -> bool:
    return name == username(request)


@admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    frame = users.list_users()
    rows = frame.to_dict("records")
    context = {"rows": rows, "role_form": RoleForm(), "me": username(request)}
    return page(request, "users.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            user, password = users.add_user(
                c["username"],
                c["role"],
                email=c["email"] or "",
                restricted=c["restricted"],
                by=actor(request),
            )
        except (InputError, Forbidden) as exc:
            return page(request, "user_form.html", {"form": form, "error": str(exc)}, status=400)
        # The password is in this answer only: shown once, never stored in clear.
        response = page(request, "user_form.html", {"created": user, "password": password})
        response["Cache-Control"] = "no-store"
        return response
    status = 400 if request.method == "POST" else 200
    return page(request, "user_form.html", {"form": form}, status=status)


@admin_required
@require_POST
def user_role(request: HttpRequest, name: str) -> HttpResponse:
    user = _target(name)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Role not changed: choose viewer, editor or admin."))
    elif _is_self(request, name) and form.cleaned_data["role"] != "admin":
        messages.error(request, _("You cannot demote yourself; ask another admin."))
    else:
        users.set_role(user.username, form.cleaned_data["role"], by=actor(request))
        messages.success(
            request,
            # Translators: %(role)s is a role: viewer, editor or admin.
            _("%(user)s is now %(role)s.")
            % {"user": user.username, "role": _role_label(form.cleaned_data["role"])},
        )
    return redirect("editors:users")


@admin_required
@require_POST
def user_restricted(request: HttpRequest, name: str) -> HttpResponse:
    user = _target(name)
    grant = request.POST.get("grant") == "1"
    try:
        if grant:
            users.grant_restricted(user.username, by=actor(request))
            messages.success(
                request, _("%(user)s may now read restricted fields.") % {"user": user.username}
            )
        else:
            users.revoke_restricted(user.username, by=actor(request))
            messages.success(
                request,
                _("%(user)s may no longer read restricted fields.") % {"user": user.username},
            )
    except Forbidden as exc:
        messages.error(request, _("Not changed: %(reason)s.") % {"reason": exc})
    return redirect("editors:users")


@admin_required
@require_POST
def user_deactivate(request: HttpRequest, name: str) -> HttpResponse:
    user = _target(name)
    if _is_self(request, name):
        messages.error(request, _("You cannot deactivate yourself; ask another admin."))
    else:
        users.deactivate(user.username, by=actor(request))
        messages.success(
            request, _("%(user)s is deactivated and cannot sign in.") % {"user": user.username}
        )
    return redirect("editors:users")


@admin_required
@require_POST
def user_reset_totp(request: HttpRequest, name: str) -> HttpResponse:
    """Delete the user's TOTP devices: they enrol a new one at their next sign-in
    (their open sessions lose the verified second factor at once)."""
    user = _target(name)
    if _is_self(request, name):
        messages.error(request, _("You cannot reset your own second factor; ask another admin."))
        return redirect("editors:users")
    with transaction.atomic():
        devices = TOTPDevice.objects.filter(user=user)
        before = {
            "devices": devices.count(),
            "confirmed": devices.filter(confirmed=True).count(),
        }
        devices.delete()
        audit.record(
            "user-totp-reset",
            f"user:{user.username}",
            {"before": before, "after": {"devices": 0, "confirmed": 0}},
            by=actor(request),
        )
    messages.success(
        request, _("%(user)s must enrol a new second factor.") % {"user": user.username}
    )
    return redirect("editors:users")


# -- duplicates -------------------------------------------------------------------------


def _unmerged(ref: str, who: Actor) -> Any:
    person = _person(ref, who)
    if person.merged_into_id is not None:
        raise Http404("this person is merged already")
    return person


def _side(who: Actor, person: Any) -> dict[str, Any]:
    _audit_restricted_read(who, person, PERSON_FIELDS)
    return {
        "person": {"ref": person.ref, "visibility": person.get_visibility_display()},
        "name": _display_name(person, who),
        "names": list(policy.visible(person.names.all(), who)),
        "fields": _visible_fields(person, PERSON_FIELDS, who),
        "cases": _person_cases(person, who),
        "events": policy.visible(person.events.all(), who).count(),
    }


@editor_required
def duplicates(request: HttpRequest) -> HttpResponse:
    frame = merge.duplicates(actor(request))
    return page(request, "duplicates.html", {"pairs": frame.to_dict("records")})


@editor_required
@require_http_methods(["GET", "POST"])
def duplicate_merge(request: HttpRequest) -> HttpResponse:
    """GET: both records side by side (at the editor's level) and a confirm button;
    POST: merge B (``drop``) into A (``keep``)."""
    who = actor(request)
    form = MergeForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        raise Http404("choose two people")
    keep = _unmerged(form.cleaned_data["keep"], who)
    drop = _unmerged(form.cleaned_data["drop"], who)
    if keep.pk == drop.pk:
        messages.error(request, _("A person cannot be merged into themselves."))
        return redirect("editors:duplicates")
    if request.method == "POST":
        try:
            result = merge.merge(keep.ref, drop.ref, actor=who)
        except InputError as exc:
            messages.error(request, _("Not merged: %(reason)s") % {"reason": exc})
            return redirect("editors:duplicates")
        messages.success(
            request,
            _("%(merged)s merged into %(kept)s.")
            % {"merged": result["merged"], "kept": result["kept"]},
        )
        return redirect("editors:person", ref=result["kept"])
    a, b = _side(who, keep), _side(who, drop)
    sides = [(_("A (kept)"), a), (_("B (merged into A)"), b)]
    context = {"a": a, "b": b, "sides": sides, "merge": True}
    return page(request, "duplicates.html", context)
