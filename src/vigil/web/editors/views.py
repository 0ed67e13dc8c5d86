"""Views of the editors' area. Each one checks the role (decorators of
:mod:`vigil.web.editors.auth`) and reads at the user's level: a record above it is a
404 (as if it did not exist), a field above it is neither rendered nor written."""

from __future__ import annotations

import csv
import datetime as dt
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.signals import user_login_failed
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.cases import audit, registry, roles
from vigil.cases.dates import PartialDate
from vigil.cases.importers.refs import new_ref
from vigil.cases.levels import Level
from vigil.cases.visibility import field_level
from vigil.cases.vocab import HearingOutcome
from vigil.errors import InputError
from vigil.web.editors import forms
from vigil.web.editors.auth import (
    admin_required,
    confirmed_device,
    editor_required,
    level,
    member_required,
    needs_second_factor,
    username,
)

SECTION = {"section": "editors"}
RESTRICTED_MASK = "[restricted]"


def page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    ctx = {
        **SECTION,
        "level": level(request),
        "can_edit": roles.can_edit(request.user),
        "is_admin": roles.is_admin(request.user),
        **context,
    }
    return render(request, f"web/editors/{template}", ctx, status=status)


# -- sign-in ----------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if ok and wanted.startswith("/") else reverse("editors:dashboard")


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """User name, password and (for editors and admins with a device) the TOTP code on
    one form. ``authenticate`` goes through django-axes, which counts failures and
    locks the account and address after the limit; a wrong code counts as a failure."""
    form = forms.LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["username"]
        user = authenticate(request, username=name, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return page(request, "locked.html", {}, status=429)
        if user is None:
            error = "Wrong user name, password or code."
        elif not roles.roles_of(user):
            error = "This account has no role in the registry; ask an admin."
        else:
            device = confirmed_device(user)
            token = form.cleaned_data["otp_token"].strip()
            if device is not None:
                matched = match_token(user, token) if token else None
                if matched is None:
                    # a wrong second factor counts towards the lockout like a password
                    user_login_failed.send(
                        sender=__name__, credentials={"username": name}, request=request
                    )
                    error = "Wrong user name, password or code."
                else:
                    auth_login(request, user)
                    otp_login(request, matched)
                    audit.record("sign-in", f"user:{name}", {"second_factor": True}, by=name)
                    return redirect(_next_url(request))
            else:
                auth_login(request, user)
                audit.record("sign-in", f"user:{name}", {"second_factor": False}, by=name)
                if needs_second_factor(user):
                    messages.info(request, "Set up your second factor before you edit.")
                    return redirect("editors:enrol")
                return redirect(_next_url(request))
    next_url = request.GET.get("next", "")
    return page(request, "login.html", {"form": form, "error": error, "next": next_url})


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record("sign-out", f"user:{username(request)}", by=username(request))
    auth_logout(request)
    return redirect("editors:login")


def _qr_svg(data: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up TOTP: an unconfirmed device is made once, shown as a QR code (inline SVG,
    drawn on the server) and an ``otpauth://`` address, and confirmed by a code."""
    user = request.user
    if not user.is_authenticated:
        from vigil.web.editors.auth import redirect_to_login

        return redirect_to_login(request)
    if confirmed_device(user) is not None:
        if roles.verified(user):
            return redirect("editors:dashboard")
        messages.info(request, "You already have a second factor: sign in with its code.")
        auth_logout(request)
        return redirect("editors:login")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = forms.TokenForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"].strip()):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            audit.record("enrol-totp", f"user:{username(request)}", by=username(request))
            messages.success(request, "Second factor set up: sign in with it from now on.")
            return redirect("editors:dashboard")
        error = "That code does not match; check the time on your phone and try again."
    url = device.config_url
    return page(
        request,
        "enrol.html",
        {"form": form, "error": error, "url": url, "qr": mark_safe(_qr_svg(url))},
    )


# -- dashboard and lists ----------------------------------------------------------------


@member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    from vigil.cases import models as m

    lv = level(request)
    counts = {
        "people": m.Person.objects.filter(visibility__lte=lv, merged_into=None).count(),
        "cases": m.Case.objects.filter(visibility__lte=lv).count(),
        "scheduled hearings": m.Hearing.objects.filter(
            visibility__lte=lv, case__visibility__lte=lv, outcome=HearingOutcome.SCHEDULED
        ).count(),
        "list releases": m.ListRelease.objects.filter(visibility__lte=lv).count(),
    }
    return page(request, "dashboard.html", {"counts": counts})


@member_required
def people(request: HttpRequest) -> HttpResponse:
    from vigil.cases import models as m

    lv = level(request)
    query = request.GET.get("q", "").strip()[:200]
    rows: list[dict[str, Any]] = []
    error = ""
    if query:
        try:
            hits = registry.find(query, lv, limit=50)
            rows = [{"ref": r.ref, "name": r.name, "matched": r.matched} for r in hits.itertuples()]
        except InputError as exc:
            error = str(exc)
    else:
        names = registry.primary_names(lv)
        for p in m.Person.objects.filter(visibility__lte=lv, merged_into=None).order_by("-id")[
            :100
        ]:
            rows.append({"ref": p.ref, "name": names.get(p.id, ""), "matched": ""})
    return page(request, "people.html", {"rows": rows, "q": query, "error": error})


# -- people -----------------------------------------------------------------------------

PERSON_FIELDS = ("sex", "birth_date", "occupation", "photo", "notes", "contacts")
CASE_FIELDS = ("number", "title", "kind", "country", "opened", "summary", "lawyer_notes")


def _person(ref: str, lv: Level) -> Any:
    from vigil.cases import models as m

    found = m.Person.objects.filter(ref=ref, visibility__lte=lv).first()
    if found is None:
        raise Http404("no such person")
    return found


def _case(ref: str, lv: Level) -> Any:
    from vigil.cases import models as m

    found = m.Case.objects.filter(ref=ref, visibility__lte=lv).first()
    if found is None:
        raise Http404("no such case")
    return found


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, PartialDate) else value


def _visible_fields(table: str, obj: Any, names: tuple[str, ...], lv: Level) -> list[tuple]:
    """(name, label, value) of the fields a reader at ``lv`` may see."""
    out = []
    for name in names:
        if field_level(table, name, obj.field_visibility) <= lv:
            label = obj._meta.get_field(name).verbose_name
            out.append((name, label, _plain(getattr(obj, name)) or ""))
    return out


def _audit_restricted_read(request: HttpRequest, table: str, obj: Any, names: tuple) -> None:
    """A restricted field shown (not empty) is a reading for the audit trail."""
    lv = level(request)
    shown = [
        n
        for n in names
        if field_level(table, n, obj.field_visibility) == Level.RESTRICTED <= lv and getattr(obj, n)
    ]
    if shown:
        kind = "person" if table == "people" else "case"
        audit.record(
            "view-restricted", f"{kind}:{obj.ref}", {"fields": shown}, by=username(request)
        )


def _snapshot(table: str, obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    data = {n: _plain(getattr(obj, n)) for n in names}
    data["visibility"] = Level(obj.visibility).label
    data["field_visibility"] = dict(obj.field_visibility or {})
    return data


def _diff(table: str, before: dict, after: dict, overrides: dict) -> dict[str, Any]:
    """Before and after of the changed fields; a restricted field's values are not
    copied into the audit trail (admins may read the trail without that permission)."""
    out = {}
    for key in after:
        if before.get(key) == after[key]:
            continue
        restricted = (
            key in before
            and key not in ("visibility", "field_visibility")
            and (field_level(table, key, overrides) == Level.RESTRICTED)
        )
        if restricted:
            out[key] = {"before": RESTRICTED_MASK, "after": RESTRICTED_MASK}
        else:
            out[key] = {"before": before.get(key), "after": after[key]}
    return out


def _assign_ref(obj: Any, table: str) -> None:
    model = type(obj)
    taken = set(
        model.objects.filter(ref__startswith=new_ref(table, obj.pk)).values_list("ref", flat=True)
    )
    obj.ref = new_ref(table, obj.pk, taken)
    obj.save(update_fields=["ref"])


@member_required
def person_detail(request: HttpRequest, ref: str) -> HttpResponse:
    from vigil.cases import models as m

    lv = level(request)
    person = _person(ref, lv)
    fields = _visible_fields("people", person, PERSON_FIELDS, lv)
    _audit_restricted_read(request, "people", person, PERSON_FIELDS)
    events = list(
        m.StatusEvent.objects.filter(person=person, visibility__lte=lv)
        .filter(Q(case__isnull=True) | Q(case__visibility__lte=lv))
        .select_related("case")
        .order_by("date", "id")
    )
    withdrawn = set(
        m.StatusEvent.objects.filter(person=person, withdraws__isnull=False).values_list(
            "withdraws_id", flat=True
        )
    )
    cases = [
        p.case
        for p in person.participations.filter(
            visibility__lte=lv, case__visibility__lte=lv
        ).select_related("case")
    ]
    context = {
        "person": person,
        "name": _display_name(person, lv),
        "names": person.names.filter(visibility__lte=lv),
        "fields": fields,
        "overrides": person.field_visibility if lv >= Level.RESTRICTED else None,
        "events": [(e, e.id in withdrawn) for e in events],
        "cases": cases,
        "event_form": forms.EventForm(level=lv),
    }
    return page(request, "person.html", context)


def _display_name(person: Any, lv: Level) -> str:
    names = list(person.names.filter(visibility__lte=lv))
    primary = [n for n in names if n.kind == "primary"]
    return (primary or names)[0].name if names else person.ref or ""


def _name_initial(person: Any, lv: Level) -> list[dict[str, Any]]:
    return [
        {"id": n.id, "name": n.name, "language": n.language, "kind": n.kind}
        for n in person.names.filter(visibility__lte=lv)
    ]


class _NameForm(forms.NameForm):
    id = djforms.IntegerField(required=False, widget=djforms.HiddenInput)


NameFormSet = djforms.formset_factory(_NameForm, extra=2, max_num=50)


@editor_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, ref: str | None = None) -> HttpResponse:
    from vigil.cases import models as m

    lv = level(request)
    person = _person(ref, lv) if ref else m.Person()
    overrides = person.field_visibility or {}
    initial: dict[str, Any] = {}
    if ref:
        initial = {n: _plain(getattr(person, n)) or "" for n in PERSON_FIELDS}
        initial["visibility"] = person.visibility
        initial["field_visibility"] = "; ".join(f"{k}={v}" for k, v in overrides.items())
    data = request.POST if request.method == "POST" else None
    form = forms.PersonForm(data, level=lv, overrides=overrides, initial=initial)
    names = NameFormSet(data, initial=_name_initial(person, lv) if ref else None, prefix="names")
    error = ""
    if request.method == "GET" and ref:
        _audit_restricted_read(request, "people", person, PERSON_FIELDS)
    if data is not None and form.is_valid() and names.is_valid():
        try:
            with transaction.atomic():
                done = _save_person(request, person, form, names, lv)
            messages.success(request, f"Saved {done.ref}.")
            return redirect("editors:person", ref=done.ref)
        except IntegrityError:
            error = "Two names of this person are the same (same name and kind)."
        except _FormProblem as exc:
            error = str(exc)
    context = {"form": form, "names": names, "person": person if ref else None, "error": error}
    return page(request, "person_form.html", context)


class _FormProblem(Exception):
    pass


def _save_person(request: HttpRequest, person: Any, form: Any, names: Any, lv: Level) -> Any:
    from vigil.cases import models as m

    creating = person.pk is None
    overrides = dict(person.field_visibility or {})
    before = {} if creating else _snapshot("people", person, PERSON_FIELDS)
    before_names = [] if creating else [n["name"] for n in _name_initial(person, lv)]
    cleaned = form.cleaned_data
    for name in PERSON_FIELDS:
        if name in form.fields:  # only fields this user may see are written
            setattr(person, name, cleaned[name] if cleaned[name] is not None else None)
    if person.birth_date == "":
        person.birth_date = None
    person.visibility = cleaned["visibility"]
    if "field_visibility" in form.fields:
        person.field_visibility = cleaned["field_visibility"]
    person.save()
    if creating:
        _assign_ref(person, "people")
    visible_names = {n.id: n for n in person.names.filter(visibility__lte=lv)}
    for f in names.forms:
        c = f.cleaned_data
        if not c:
            continue
        nid, text = c.get("id"), (c.get("name") or "").strip()
        c = {**c, "kind": c.get("kind") or "primary", "language": c.get("language", "").strip()}
        if nid:
            existing = visible_names.get(nid)
            if existing is None:
                raise _FormProblem("a name in the form is not one of this person's names")
            if c.get("delete") or not text:
                existing.delete()
            elif (existing.name, existing.language, existing.kind) != (
                text,
                c["language"],
                c["kind"],
            ):
                existing.name, existing.language, existing.kind = text, c["language"], c["kind"]
                existing.save()
        elif text and not c.get("delete"):
            m.PersonName.objects.create(
                person=person, name=text, language=c["language"], kind=c["kind"]
            )
    if not person.names.exists():
        raise _FormProblem("a person needs at least one name")
    after = _snapshot("people", person, PERSON_FIELDS)
    after_names = [n["name"] for n in _name_initial(person, lv)]
    if creating:
        detail = {
            "after": {k: v for k, v in _diff("people", {}, after, person.field_visibility).items()},
            "names": after_names,
        }
        audit.record("create", f"person:{person.ref}", detail, by=username(request))
    else:
        changes = _diff("people", before, after, {**overrides, **person.field_visibility})
        if before_names != after_names:
            changes["names"] = {"before": before_names, "after": after_names}
        if changes:
            audit.record("update", f"person:{person.ref}", changes, by=username(request))
    return person


# -- status events ----------------------------------------------------------------------


def _event_case(ref: str, person: Any, lv: Level) -> Any:
    if not ref:
        return None
    from vigil.cases import models as m

    found = m.Case.objects.filter(ref=ref, visibility__lte=lv).first()
    if found is None:
        raise _FormProblem(f"no case {ref!r}")
    return found


def _event_record(e: Any) -> dict[str, Any]:
    return {
        "kind": e.kind,
        "date": str(e.date),
        "case": e.case.ref if e.case else None,
        "place": e.place,
        "facility": e.facility,
        "notes": e.notes,
        "visibility": Level(e.visibility).label,
    }


@editor_required
@require_POST
def event_add(request: HttpRequest, ref: str) -> HttpResponse:
    return _event_save(request, _person(ref, level(request)), None)


@editor_required
@require_http_methods(["GET", "POST"])
def event_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """A correction is a new event that withdraws the old one (which stays on record)."""
    from vigil.cases import models as m

    lv = level(request)
    old = (
        m.StatusEvent.objects.filter(pk=pk, visibility__lte=lv, person__visibility__lte=lv)
        .select_related("person", "case")
        .first()
    )
    if old is None or (old.case is not None and old.case.visibility > lv):
        raise Http404("no such event")
    if m.StatusEvent.objects.filter(withdraws=old).exists():
        messages.error(request, "This event has already been corrected.")
        return redirect("editors:person", ref=old.person.ref)
    if request.method == "POST":
        return _event_save(request, old.person, old)
    initial = {
        **_event_record(old),
        "case": old.case.ref if old.case else "",
        "visibility": old.visibility,
    }
    form = forms.EventForm(initial=initial, level=lv)
    return page(request, "event_form.html", {"form": form, "old": old, "person": old.person})


def _event_save(request: HttpRequest, person: Any, old: Any) -> HttpResponse:
    from vigil.cases import models as m

    lv = level(request)
    form = forms.EventForm(request.POST, level=lv)
    error = ""
    if form.is_valid():
        c = form.cleaned_data
        try:
            with transaction.atomic():
                event = m.StatusEvent.objects.create(
                    person=person,
                    case=_event_case(c["case"].strip(), person, lv),
                    kind=c["kind"],
                    date=c["date"],
                    place=c["place"],
                    facility=c["facility"],
                    notes=c.get("notes", ""),
                    visibility=c["visibility"],
                    withdraws=old,
                )
                detail: dict[str, Any] = {"after": _event_record(event), "id": event.pk}
                if old is not None:
                    detail["withdraws"] = {"id": old.pk, **_event_record(old)}
                action = "correct" if old is not None else "create"
                audit.record(action, f"event:{person.ref}", detail, by=username(request))
            messages.success(request, "Event corrected." if old else "Event added.")
            return redirect("editors:person", ref=person.ref)
        except _FormProblem as exc:
            error = str(exc)
        except IntegrityError:
            error = "This event has already been corrected."
    context = {"form": form, "old": old, "person": person, "error": error}
    return page(request, "event_form.html", context, status=400)


# -- cases and hearings -----------------------------------------------------------------


@member_required
def cases(request: HttpRequest) -> HttpResponse:
    from vigil.cases import models as m

    lv = level(request)
    rows = m.Case.objects.filter(visibility__lte=lv).exclude(ref=None).order_by("-id")[:200]
    return page(request, "cases.html", {"rows": rows})


@member_required
def case_detail(request: HttpRequest, ref: str) -> HttpResponse:
    from vigil.cases import hearings as chains
    from vigil.cases import models as m

    lv = level(request)
    case = _case(ref, lv)
    _audit_restricted_read(request, "cases", case, CASE_FIELDS)
    hearings = m.Hearing.objects.filter(case=case, visibility__lte=lv).select_related("court")
    context = {
        "case": case,
        "fields": _visible_fields("cases", case, CASE_FIELDS, lv),
        "hearings": hearings,
        "chain": chains.chain(case.ref, lv),
        "postpone_form": forms.PostponeForm(),
        "hearing_form": forms.HearingForm(level=lv),
        "people": [
            (p.person, p.role)
            for p in case.participants.filter(
                visibility__lte=lv, person__visibility__lte=lv
            ).select_related("person")
        ],
    }
    return page(request, "case.html", context)


@editor_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, ref: str | None = None) -> HttpResponse:
    from vigil.cases import models as m

    lv = level(request)
    case = _case(ref, lv) if ref else m.Case()
    overrides = dict(case.field_visibility or {})
    initial: dict[str, Any] = {}
    if ref:
        initial = {n: _plain(getattr(case, n)) or "" for n in CASE_FIELDS}
        initial["visibility"] = case.visibility
        initial["field_visibility"] = "; ".join(f"{k}={v}" for k, v in overrides.items())
        if request.method == "GET":
            _audit_restricted_read(request, "cases", case, CASE_FIELDS)
    data = request.POST if request.method == "POST" else None
    form = forms.CaseForm(data, level=lv, overrides=overrides, initial=initial)
    if data is not None and form.is_valid():
        creating = case.pk is None
        before = {} if creating else _snapshot("cases", case, CASE_FIELDS)
        with transaction.atomic():
            for name in CASE_FIELDS:
                if name in form.fields:
                    setattr(case, name, form.cleaned_data[name])
            case.visibility = form.cleaned_data["visibility"]
            if "field_visibility" in form.fields:
                case.field_visibility = form.cleaned_data["field_visibility"]
            case.save()
            if creating:
                _assign_ref(case, "cases")
            after = _snapshot("cases", case, CASE_FIELDS)
            changes = _diff("cases", before, after, {**overrides, **case.field_visibility})
            if creating or changes:
                action = "create" if creating else "update"
                audit.record(action, f"case:{case.ref}", changes, by=username(request))
        messages.success(request, f"Saved case {case.ref}.")
        return redirect("editors:case", ref=case.ref)
    return page(request, "case_form.html", {"form": form, "case": case if ref else None})


def _hearing(pk: int, lv: Level) -> Any:
    from vigil.cases import models as m

    found = (
        m.Hearing.objects.filter(pk=pk, visibility__lte=lv, case__visibility__lte=lv)
        .select_related("case", "court")
        .first()
    )
    if found is None:
        raise Http404("no such hearing")
    return found


def _hearing_record(h: Any) -> dict[str, Any]:
    return {
        "case": h.case.ref,
        "date": str(h.date),
        "kind": h.kind,
        "outcome": h.outcome,
        "postponement_reason": h.postponement_reason,
        "next_date": str(h.next_date or ""),
    }


@editor_required
@require_POST
def hearing_add(request: HttpRequest, ref: str) -> HttpResponse:
    from vigil.cases import models as m

    lv = level(request)
    case = _case(ref, lv)
    form = forms.HearingForm(request.POST, level=lv)
    if form.is_valid():
        c = form.cleaned_data
        try:
            with transaction.atomic():
                h = m.Hearing.objects.create(
                    case=case, date=c["date"], kind=c["kind"], visibility=c["visibility"]
                )
                detail = {"after": _hearing_record(h), "id": h.pk}
                audit.record("create", f"hearing:{case.ref}", detail, by=username(request))
            messages.success(request, f"Hearing on {h.date} added.")
        except IntegrityError:
            messages.error(request, "This case already has a hearing of that kind on that date.")
    else:
        messages.error(
            request,
            "Hearing not added: "
            + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
        )
    return redirect("editors:case", ref=case.ref)


@editor_required
@require_http_methods(["GET", "POST"])
def hearing_postpone(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a scheduled hearing postponed (reason, next date) and schedule the next one:
    the second click of "mark postponed" on the case page."""
    from vigil.cases import models as m

    hearing = _hearing(pk, level(request))
    if hearing.outcome != HearingOutcome.SCHEDULED:
        messages.error(
            request, f"The hearing of {hearing.date} is {hearing.outcome}, not scheduled."
        )
        return redirect("editors:case", ref=hearing.case.ref)
    form = forms.PostponeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        before = _hearing_record(hearing)
        with transaction.atomic():
            hearing.outcome = HearingOutcome.POSTPONED
            hearing.postponement_reason = form.cleaned_data["reason"]
            hearing.next_date = form.cleaned_data["next_date"]
            hearing.save()
            following, created = m.Hearing.objects.get_or_create(
                case=hearing.case,
                date=form.cleaned_data["next_date"],
                kind=hearing.kind,
                defaults={"court": hearing.court, "visibility": hearing.visibility},
            )
            detail = {
                "before": before,
                "after": _hearing_record(hearing),
                "next_hearing": {
                    "id": following.pk,
                    "created": created,
                    "date": str(following.date),
                },
            }
            audit.record("postpone", f"hearing:{hearing.case.ref}", detail, by=username(request))
        messages.success(
            request, f"Hearing of {hearing.date} postponed; next hearing {following.date}."
        )
        return redirect("editors:case", ref=hearing.case.ref)
    status = 400 if request.method == "POST" else 200
    return page(request, "postpone.html", {"form": form, "hearing": hearing}, status=status)


RECORDABLE_OUTCOMES = (HearingOutcome.HELD, HearingOutcome.ADJOURNED, HearingOutcome.VERDICT)


@editor_required
@require_POST
def hearing_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what became of a scheduled hearing: held, adjourned or verdict."""
    hearing = _hearing(pk, level(request))
    outcome = request.POST.get("outcome", "")
    if outcome not in RECORDABLE_OUTCOMES:
        messages.error(request, "Outcome not recorded: choose held, adjourned or verdict.")
    elif hearing.outcome != HearingOutcome.SCHEDULED:
        messages.error(
            request, f"The hearing of {hearing.date} is {hearing.outcome}, not scheduled."
        )
    else:
        before = _hearing_record(hearing)
        with transaction.atomic():
            hearing.outcome = outcome
            hearing.save()
            detail = {"before": before, "after": _hearing_record(hearing), "id": hearing.pk}
            audit.record("outcome", f"hearing:{hearing.case.ref}", detail, by=username(request))
        messages.success(request, f"Hearing of {hearing.date}: {outcome}.")
    return redirect("editors:case", ref=hearing.case.ref)


# -- list releases ----------------------------------------------------------------------


@editor_required
@require_http_methods(["GET", "POST"])
def release_new(request: HttpRequest) -> HttpResponse:
    from vigil.cases import models as m

    lv = level(request)
    form = forms.ReleaseForm(request.POST or None, level=lv)
    error = ""
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            with transaction.atomic():
                org = registry.organisation(c["organisation"].strip(), lv)
                release = m.ListRelease.objects.create(
                    organisation=org,
                    title=c["title"],
                    published=c["published"],
                    visibility=c["visibility"],
                )
                _assign_ref(release, "releases")
                refs = [r.strip() for r in c["people"].splitlines() if r.strip()]
                for position, ref in enumerate(refs, 1):
                    person = m.Person.objects.filter(ref=ref, visibility__lte=lv).first()
                    if person is None:
                        raise _FormProblem(f"line {position}: no person {ref!r}")
                    m.ListEntry.objects.create(release=release, person=person, position=position)
                detail = {
                    "after": {
                        "organisation": org.ref,
                        "title": release.title,
                        "published": str(release.published),
                        "visibility": Level(release.visibility).label,
                    },
                    "entries": refs,
                }
                audit.record("create", f"release:{release.ref}", detail, by=username(request))
            messages.success(
                request, f"List release {release.ref} created with {len(refs)} entries."
            )
            return redirect("editors:dashboard")
        except (InputError, _FormProblem) as exc:
            error = str(exc)
        except IntegrityError:
            error = (
                "This organisation already has a list with that date and title, "
                "or a person is twice in it."
            )
    return page(request, "release_form.html", {"form": form, "error": error})


# -- import -----------------------------------------------------------------------------

UPLOADS = Path(tempfile.gettempdir()) / "vigil-uploads"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
SESSION_KEY = "editors_import"
STALE = 24 * 3600  # seconds: uploads never confirmed are removed after a day


def _upload_dir(token: str) -> Path:
    if not TOKEN.match(token or ""):
        raise Http404("no such upload")
    return UPLOADS / token


def _clean_stale() -> None:
    if not UPLOADS.is_dir():
        return
    now = time.time()
    for d in UPLOADS.iterdir():
        try:
            if now - d.stat().st_mtime > STALE:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^\w.-]+", "_", Path(name).name)[:100].lstrip(".")
    return stem or "upload"


def _report_context(report: Any) -> dict[str, Any]:
    frame = report.frame()
    return {
        "report": report,
        "columns": list(frame.columns),
        "rows": frame.fillna("").astype(str).values.tolist()[:2000],
        "truncated": len(frame) > 2000,
        "counts": report.counts,
        "problems": [str(p) for p in report.problems][:500],
    }


@editor_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: upload (size and type checked) → a dry run whose report is shown; the
    file waits server-side under a random token kept in this user's session."""
    from vigil.cases.importers import import_file

    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _clean_stale()
        token = secrets.token_urlsafe(24)
        folder = _upload_dir(token)
        folder.mkdir(parents=True, mode=0o700)
        upload = form.cleaned_data["file"]
        path = folder / _safe_name(upload.name)
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        mapping = form.cleaned_data["mapping"]
        try:
            report = import_file(path, mapping, dry_run=True, actor=username(request))
        except (InputError, ValueError, KeyError, OSError) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            message = str(exc) if isinstance(exc, InputError) else f"{upload.name}: cannot read it"
            form.add_error("file", message)
            return page(request, "import.html", {"form": form}, status=400)
        except Exception:  # a malformed file must never become a 500 with a trace
            shutil.rmtree(folder, ignore_errors=True)
            form.add_error("file", f"{upload.name}: not a file Vigil can read")
            return page(request, "import.html", {"form": form}, status=400)
        old = request.session.get(SESSION_KEY)
        if old and TOKEN.match(old.get("token", "")):
            shutil.rmtree(_upload_dir(old["token"]), ignore_errors=True)
        request.session[SESSION_KEY] = {"token": token, "name": path.name, "mapping": mapping}
        context = {"form": None, "token": token, "file": upload.name, **_report_context(report)}
        return page(request, "import.html", context)
    status = 400 if request.method == "POST" else 200
    return page(request, "import.html", {"form": form}, status=status)


@editor_required
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: import the file the dry run showed (the import writes its audit event
    with the refs it created)."""
    from vigil.cases.importers import import_file

    pending = request.session.get(SESSION_KEY) or {}
    token = request.POST.get("token", "")
    if not pending or not secrets.compare_digest(str(pending.get("token", "")), token):
        messages.error(request, "Nothing to import: upload the file again.")
        return redirect("editors:import")
    folder = _upload_dir(token)
    path = folder / _safe_name(pending["name"])
    if not path.is_file():
        request.session.pop(SESSION_KEY, None)
        messages.error(request, "The upload has expired: upload the file again.")
        return redirect("editors:import")
    try:
        report = import_file(path, pending.get("mapping"), actor=username(request))
    except InputError as exc:
        messages.error(request, str(exc))
        return redirect("editors:import")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        request.session.pop(SESSION_KEY, None)
    if report.committed:
        messages.success(request, f"Imported {pending['name']}.")
    else:
        messages.error(request, f"{pending['name']}: not imported, rows were rejected.")
    context = {"form": None, "file": pending["name"], "done": True, **_report_context(report)}
    return page(request, "import.html", context)


# -- audit trail ------------------------------------------------------------------------

AUDIT_COLUMNS = ["at", "actor", "action", "target", "detail"]


def _audit_rows(form: Any) -> Any:
    from vigil.cases import models as m

    rows = m.AuditEvent.objects.all()
    if form.is_valid():
        c = form.cleaned_data
        if c["actor"]:
            rows = rows.filter(actor=c["actor"])
        if c["action"]:
            rows = rows.filter(action=c["action"])
        if c["target"]:
            rows = rows.filter(target__icontains=c["target"])
        if c["since"]:
            rows = rows.filter(at__date__gte=c["since"])
        if c["until"]:
            rows = rows.filter(at__date__lte=c["until"])
    return rows.order_by("-at", "-id")


class _Echo:
    def write(self, value: str) -> str:
        return value


@admin_required
@require_http_methods(["GET"])
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Admins read and export the trail; nothing here (or anywhere on the site)
    changes or deletes an audit event."""
    import json

    form = forms.AuditFilterForm(request.GET or None)
    rows = _audit_rows(form)
    if request.GET.get("format") == "csv":
        filters = {
            k: str(v) for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v
        }
        audit.record(
            "export", "audit", {"filters": filters, "rows": rows.count()}, by=username(request)
        )
        writer = csv.writer(_Echo())

        def lines():
            yield writer.writerow(AUDIT_COLUMNS)
            for e in rows.iterator():
                yield writer.writerow(
                    [
                        e.at.isoformat(),
                        e.actor,
                        e.action,
                        e.target,
                        json.dumps(e.detail, ensure_ascii=False, sort_keys=True),
                    ]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        response["Content-Disposition"] = f'attachment; filename="vigil-audit-{stamp}.csv"'
        return response
    pages = Paginator(rows, 100)
    current = pages.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    events = [
        (e, json.dumps(e.detail, ensure_ascii=False, sort_keys=True, indent=1)) for e in current
    ]
    context = {"form": form, "page_obj": current, "events": events, "query": query.urlencode()}
    return page(request, "audit.html", context)
