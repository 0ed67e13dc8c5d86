"""Views of the editors' area. Each one checks the role (decorators of
:mod:`vigil.web.editors.auth`), parses the form, and calls the library with the
request's :class:`~vigil.cases.policy.Actor`: reads through :mod:`vigil.cases.policy`
and :mod:`vigil.cases.registry`, writes through :mod:`vigil.cases.edits`, the import
and the merge. A record the policy does not show is a 404 (as if it did not exist), a
field it does not show is neither rendered nor written. Templates get plain values
the policy let through, never a model whose fields they could print."""

from __future__ import annotations

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
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.cases import audit, edits, policy, registry, roles
from vigil.cases.policy import Actor
from vigil.cases.vocab import HearingOutcome
from vigil.errors import Forbidden, InputError, NotFound
from vigil.i18n import gettext as _
from vigil.i18n import ngettext
from vigil.output import csv_lines
from vigil.web.editors import forms
from vigil.web.editors.auth import (
    actor,
    admin_required,
    confirmed_device,
    editor_required,
    member_required,
    needs_second_factor,
    username,
)

SECTION = {"section": "editors"}


def page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    who = actor(request)
    ctx = {
        **SECTION,
        "level": who.level,
        "can_edit": who.can_edit,
        "is_admin": who.is_admin,
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
            error = _("Wrong user name, password or code.")
        elif not roles.roles_of(user):
            error = _("This account has no role in the registry; ask an admin.")
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
                    error = _("Wrong user name, password or code.")
                else:
                    auth_login(request, user)
                    otp_login(request, matched)
                    audit.record("sign-in", f"user:{name}", {"second_factor": True}, by=name)
                    return redirect(_next_url(request))
            else:
                auth_login(request, user)
                audit.record("sign-in", f"user:{name}", {"second_factor": False}, by=name)
                if needs_second_factor(user):
                    messages.info(request, _("Set up your second factor before you edit."))
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
        messages.info(request, _("You already have a second factor: sign in with its code."))
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
            messages.success(request, _("Second factor set up: sign in with it from now on."))
            return redirect("editors:dashboard")
        error = _("That code does not match; check the time on your phone and try again.")
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

    who = actor(request)
    counts = {
        _("people"): policy.people(who).count(),
        _("cases"): policy.visible(m.Case, who).count(),
        _("scheduled hearings"): policy.visible(m.Hearing, who)
        .filter(outcome=HearingOutcome.SCHEDULED)
        .count(),
        _("list releases"): policy.visible(m.ListRelease, who).count(),
    }
    return page(request, "dashboard.html", {"counts": counts})


@member_required
def people(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    query = request.GET.get("q", "").strip()[:200]
    rows: list[dict[str, Any]] = []
    error = ""
    if query:
        try:
            hits = registry.find(query, who, limit=50)
            rows = [{"ref": r.ref, "name": r.name, "matched": r.matched} for r in hits.itertuples()]
        except InputError as exc:
            error = str(exc)
    else:
        names = registry.primary_names(who)
        for p in policy.people(who).order_by("-id")[:100]:
            rows.append({"ref": p.ref, "name": names.get(p.id, ""), "matched": ""})
    return page(request, "people.html", {"rows": rows, "q": query, "error": error})


# -- people -----------------------------------------------------------------------------

PERSON_FIELDS = edits.PERSON_FIELDS
CASE_FIELDS = edits.CASE_FIELDS


def found(lookup: Any, *args: Any, **kwargs: Any) -> Any:
    """``lookup(*args, **kwargs)``, or 404 when the policy says there is no such record
    (missing and hidden alike)."""
    try:
        return lookup(*args, **kwargs)
    except NotFound:
        raise Http404("no such record") from None


def _person(ref: str, who: Actor) -> Any:
    from vigil.cases import models as m

    return found(policy.get, m.Person, who, ref=ref)


def _case(ref: str, who: Actor) -> Any:
    from vigil.cases import models as m

    return found(policy.get, m.Case, who, ref=ref)


def _visible_fields(obj: Any, names: tuple[str, ...], who: Actor) -> list[tuple]:
    """(name, label, value) of the fields ``who`` may see."""
    shown = policy.fields(obj, who, names)
    return [(n, obj._meta.get_field(n).verbose_name, shown[n] or "") for n in names if n in shown]


def _audit_restricted_read(who: Actor, obj: Any, names: tuple) -> None:
    """A restricted field shown (not empty) is a reading for the audit trail."""
    read = policy.restricted_read(obj, who, names)
    if read:
        audit.record("view-restricted", policy.audit_target(obj), {"fields": read}, by=who)


def _case_label(case: Any, who: Actor) -> dict[str, Any]:
    """A case as a list shows it: ref, and number and title when ``who`` may see them."""
    shown = policy.fields(case, who, ("number", "title"))
    return {"ref": case.ref, "number": shown.get("number", ""), "title": shown.get("title", "")}


def _display_name(person: Any, who: Actor) -> str:
    names = list(policy.visible(person.names.all(), who))
    primary = [n for n in names if n.kind == "primary"]
    return (primary or names)[0].name if names else person.ref or ""


def _person_cases(person: Any, who: Actor) -> list[dict[str, Any]]:
    rows = policy.visible(person.participations.all(), who).select_related("case")
    return [_case_label(p.case, who) for p in rows]


@member_required
def person_detail(request: HttpRequest, ref: str) -> HttpResponse:
    from vigil.cases import models as m

    who = actor(request)
    person = _person(ref, who)
    fields = _visible_fields(person, PERSON_FIELDS, who)
    _audit_restricted_read(who, person, PERSON_FIELDS)
    events = (
        policy.visible(m.StatusEvent.objects.filter(person=person), who)
        .select_related("case")
        .order_by("date", "id")
    )
    withdrawn = set(
        policy.withdrawn(who).filter(person=person).values_list("withdraws_id", flat=True)
    )
    rows = [
        {
            "pk": e.pk,
            "date": str(e.date),
            "kind": e.get_kind_display(),
            "correction": e.withdraws_id is not None,
            "case": e.case.ref if e.case else "",
            "visibility": e.get_visibility_display(),
            "withdrawn": e.pk in withdrawn,
            **policy.fields(e, who, ("place", "facility", "notes")),
        }
        for e in events
    ]
    context = {
        "person": {"ref": person.ref, "visibility": person.get_visibility_display()},
        "name": _display_name(person, who),
        "names": policy.visible(person.names.all(), who),
        "fields": fields,
        "overrides": person.field_visibility if policy.moves_fields(who) else None,
        "events": rows,
        "cases": _person_cases(person, who),
        "event_form": forms.EventForm(level=who),
    }
    return page(request, "person.html", context)


def _name_initial(person: Any, who: Actor) -> list[dict[str, Any]]:
    return [
        {"id": n.id, "name": n.name, "language": n.language, "kind": n.kind}
        for n in policy.visible(person.names.all(), who)
    ]


class _NameForm(forms.NameForm):
    id = djforms.IntegerField(required=False, widget=djforms.HiddenInput)


NameFormSet = djforms.formset_factory(_NameForm, extra=2, max_num=50)


def _initial(obj: Any, names: tuple[str, ...], who: Actor) -> dict[str, Any]:
    """A form's initial values: the fields ``who`` may see, the level, and (for a
    restricted editor) the field levels."""
    initial = {n: v or "" for n, v in policy.fields(obj, who, names).items()}
    initial["visibility"] = obj.visibility
    if policy.moves_fields(who):
        overrides = obj.field_visibility or {}
        initial["field_visibility"] = "; ".join(f"{k}={v}" for k, v in overrides.items())
    return initial


def _chosen(form: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The record fields a bound form holds (only those it offered)."""
    return {n: form.cleaned_data[n] for n in names if n in form.fields}


def _moved(form: Any) -> Any:
    return form.cleaned_data["field_visibility"] if "field_visibility" in form.fields else None


@editor_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, ref: str | None = None) -> HttpResponse:
    who = actor(request)
    person = _person(ref, who) if ref else None
    overrides = person.field_visibility if person else {}
    initial = _initial(person, PERSON_FIELDS, who) if person else {}
    data = request.POST if request.method == "POST" else None
    form = forms.PersonForm(data, level=who, overrides=overrides, initial=initial)
    names = NameFormSet(
        data, initial=_name_initial(person, who) if person else None, prefix="names"
    )
    error = ""
    if request.method == "GET" and person:
        _audit_restricted_read(who, person, PERSON_FIELDS)
    if data is not None and form.is_valid() and names.is_valid():
        name_edits = [
            edits.NameEdit(
                id=f.cleaned_data.get("id"),
                name=f.cleaned_data.get("name") or "",
                language=f.cleaned_data.get("language") or "",
                kind=f.cleaned_data.get("kind") or "primary",
                delete=bool(f.cleaned_data.get("delete")),
            )
            for f in names.forms
            if f.cleaned_data
        ]
        try:
            done = edits.save_person(
                who,
                ref,
                fields=_chosen(form, PERSON_FIELDS),
                visibility=form.cleaned_data["visibility"],
                field_visibility=_moved(form),
                names=name_edits,
            )
            messages.success(request, _("Saved %(ref)s.") % {"ref": done.ref})
            return redirect("editors:person", ref=done.ref)
        except InputError as exc:
            error = _sentence(exc)
    context = {"form": form, "names": names, "person": person, "error": error}
    return page(request, "person_form.html", context)


def _sentence(exc: Exception) -> str:
    """The library's one-line message, as a form shows it."""
    return str(exc)


# -- status events ----------------------------------------------------------------------


def _event_values(form: Any) -> dict[str, Any]:
    c = form.cleaned_data
    values = {n: c[n] for n in edits.EVENT_FIELDS if n in form.fields}
    return {"case": c["case"], "visibility": c["visibility"], **values}


@editor_required
@require_POST
def event_add(request: HttpRequest, ref: str) -> HttpResponse:
    who = actor(request)
    person = _person(ref, who)
    return _event_save(request, person, None)


@editor_required
@require_http_methods(["GET", "POST"])
def event_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """A correction is a new event that withdraws the old one (which stays on record)."""
    who = actor(request)
    old = found(edits.event, who, pk)
    if policy.visible(old.corrections.all(), who).exists():
        messages.error(request, _("This event has already been corrected."))
        return redirect("editors:person", ref=old.person.ref)
    if request.method == "POST":
        return _event_save(request, old.person, old)
    initial = {
        "kind": old.kind,
        "date": str(old.date),
        "case": old.case.ref if old.case else "",
        "visibility": old.visibility,
        **policy.fields(old, who, ("place", "facility", "notes")),
    }
    form = forms.EventForm(initial=initial, level=who)
    context = {"form": form, "old": _event_label(old), "person": {"ref": old.person.ref}}
    return page(request, "event_form.html", context)


def _event_label(e: Any) -> dict[str, Any]:
    return {"pk": e.pk, "date": str(e.date), "kind": e.get_kind_display()}


def _event_save(request: HttpRequest, person: Any, old: Any) -> HttpResponse:
    who = actor(request)
    form = forms.EventForm(request.POST, level=who)
    error = ""
    if form.is_valid():
        try:
            if old is None:
                edits.add_event(who, person.ref, **_event_values(form))
            else:
                edits.correct_event(who, old.pk, **_event_values(form))
            messages.success(request, _("Event corrected.") if old else _("Event added."))
            return redirect("editors:person", ref=person.ref)
        except InputError as exc:
            error = _sentence(exc)
    context = {
        "form": form,
        "old": _event_label(old) if old is not None else None,
        "person": {"ref": person.ref},
        "error": error,
    }
    return page(request, "event_form.html", context, status=400)


# -- cases and hearings -----------------------------------------------------------------


@member_required
def cases(request: HttpRequest) -> HttpResponse:
    from vigil.cases import models as m

    who = actor(request)
    rows = policy.visible(m.Case, who).exclude(ref=None).order_by("-id")[:200]
    return page(request, "cases.html", {"rows": [_case_label(c, who) for c in rows]})


@member_required
def case_detail(request: HttpRequest, ref: str) -> HttpResponse:
    from vigil.cases import hearings as chains
    from vigil.cases import models as m

    who = actor(request)
    case = _case(ref, who)
    _audit_restricted_read(who, case, CASE_FIELDS)
    hearings = (
        policy.visible(m.Hearing.objects.filter(case=case), who)
        .select_related("court")
        .order_by("date", "id")
    )
    participants = policy.visible(case.participants.all(), who).select_related("person")
    context = {
        "case": _case_label(case, who),
        "fields": _visible_fields(case, CASE_FIELDS, who),
        "hearings": hearings,
        "chain": chains.chain(case.ref, who),
        "postpone_form": forms.PostponeForm(),
        "hearing_form": forms.HearingForm(level=who),
        "people": [(p.person.ref, p.role) for p in participants],
    }
    return page(request, "case.html", context)


@editor_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, ref: str | None = None) -> HttpResponse:
    who = actor(request)
    case = _case(ref, who) if ref else None
    overrides = case.field_visibility if case else {}
    initial = _initial(case, CASE_FIELDS, who) if case else {}
    if request.method == "GET" and case:
        _audit_restricted_read(who, case, CASE_FIELDS)
    data = request.POST if request.method == "POST" else None
    form = forms.CaseForm(data, level=who, overrides=overrides, initial=initial)
    error = ""
    if data is not None and form.is_valid():
        try:
            done = edits.save_case(
                who,
                ref,
                fields=_chosen(form, CASE_FIELDS),
                visibility=form.cleaned_data["visibility"],
                field_visibility=_moved(form),
            )
            messages.success(request, _("Saved case %(ref)s.") % {"ref": done.ref})
            return redirect("editors:case", ref=done.ref)
        except InputError as exc:
            error = _sentence(exc)
    label = {"ref": case.ref} if case else None
    return page(request, "case_form.html", {"form": form, "case": label, "error": error})


@editor_required
@require_POST
def hearing_add(request: HttpRequest, ref: str) -> HttpResponse:
    who = actor(request)
    case = _case(ref, who)
    form = forms.HearingForm(request.POST, level=who)
    if form.is_valid():
        c = form.cleaned_data
        try:
            h = edits.add_hearing(
                who, case.ref, date=c["date"], kind=c["kind"], visibility=c["visibility"]
            )
            messages.success(request, _("Hearing on %(date)s added.") % {"date": h.date})
        except InputError as exc:
            messages.error(request, _sentence(exc))
    else:
        messages.error(
            request,
            _("Hearing not added: %(errors)s")
            % {
                "errors": "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
            },
        )
    return redirect("editors:case", ref=case.ref)


@editor_required
@require_http_methods(["GET", "POST"])
def hearing_postpone(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a scheduled hearing postponed (reason, next date) and schedule the next one:
    the second click of "mark postponed" on the case page."""
    who = actor(request)
    hearing = found(edits.hearing, who, pk)
    if hearing.outcome != HearingOutcome.SCHEDULED:
        messages.error(
            request,
            # Translators: %(outcome)s is the hearing's outcome (held, adjourned, verdict…).
            _("The hearing of %(date)s is %(outcome)s, not scheduled.")
            % {"date": hearing.date, "outcome": hearing.outcome},
        )
        return redirect("editors:case", ref=hearing.case.ref)
    form = forms.PostponeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            h, following = edits.postpone_hearing(
                who,
                hearing.pk,
                reason=form.cleaned_data["reason"],
                next_date=form.cleaned_data["next_date"],
            )
        except InputError as exc:
            messages.error(request, _sentence(exc))
            return redirect("editors:case", ref=hearing.case.ref)
        messages.success(
            request,
            _("Hearing of %(date)s postponed; next hearing %(next)s.")
            % {"date": h.date, "next": following.date},
        )
        return redirect("editors:case", ref=hearing.case.ref)
    status = 400 if request.method == "POST" else 200
    label = {"pk": hearing.pk, "date": str(hearing.date), "case": hearing.case.ref}
    return page(request, "postpone.html", {"form": form, "hearing": label}, status=status)


RECORDABLE_OUTCOMES = edits.RECORDABLE_OUTCOMES


@editor_required
@require_POST
def hearing_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what became of a scheduled hearing: held, adjourned or verdict."""
    who = actor(request)
    hearing = found(edits.hearing, who, pk)
    outcome = request.POST.get("outcome", "")
    try:
        edits.conclude_hearing(who, hearing.pk, outcome)
        messages.success(
            request,
            # Translators: %(outcome)s is the outcome recorded (held, adjourned, verdict).
            _("Hearing of %(date)s: %(outcome)s.") % {"date": hearing.date, "outcome": outcome},
        )
    except InputError as exc:
        messages.error(request, _("Outcome not recorded: %(reason)s") % {"reason": _sentence(exc)})
    return redirect("editors:case", ref=hearing.case.ref)


# -- list releases ----------------------------------------------------------------------


def _people_lines(text: str) -> list[str]:
    return [r.strip() for r in (text or "").splitlines() if r.strip()]


@editor_required
@require_http_methods(["GET", "POST"])
def release_new(request: HttpRequest) -> HttpResponse:
    who = actor(request)
    form = forms.ReleaseForm(request.POST or None, level=who)
    error = ""
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        refs = _people_lines(c["people"])
        try:
            release = edits.create_release(
                who,
                organisation=c["organisation"],
                title=c["title"],
                published=c["published"],
                visibility=c["visibility"],
                people=refs,
            )
            messages.success(
                request,
                ngettext(
                    "List release %(ref)s created with %(n)d entry.",
                    "List release %(ref)s created with %(n)d entries.",
                    len(refs),
                )
                % {"ref": release.ref, "n": len(refs)},
            )
            return redirect("editors:dashboard")
        except InputError as exc:
            error = _sentence(exc)
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


def _save(upload: Any, path: Path) -> str:
    """Write an uploaded file to ``path`` chunk by chunk; its SHA-256 (hex)."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _report_context(report: Any) -> dict[str, Any]:
    frame = report.frame()
    return {
        "report": report,
        "columns": list(frame.columns),
        "rows": frame.fillna("").astype(str).values.tolist()[:2000],
        "truncated": len(frame) > 2000,
        "counts": report.counts,
        "row_problems": [str(p) for p in report.problems][:500],
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
        _save(upload, path)
        mapping = form.cleaned_data["mapping"]
        try:
            report = import_file(path, mapping, dry_run=True, actor=actor(request))
        except (InputError, Forbidden, ValueError, KeyError, OSError) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            message = (
                str(exc)
                if isinstance(exc, InputError)
                else _("%(name)s: cannot read it") % {"name": upload.name}
            )
            form.add_error("file", message)
            return page(request, "import.html", {"form": form}, status=400)
        except Exception:  # a malformed file must never become a 500 with a trace
            shutil.rmtree(folder, ignore_errors=True)
            form.add_error("file", _("%(name)s: not a file Vigil can read") % {"name": upload.name})
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
        messages.error(request, _("Nothing to import: upload the file again."))
        return redirect("editors:import")
    folder = _upload_dir(token)
    path = folder / _safe_name(pending["name"])
    if not path.is_file():
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("The upload has expired: upload the file again."))
        return redirect("editors:import")
    try:
        report = import_file(path, pending.get("mapping"), actor=actor(request))
    except InputError as exc:
        messages.error(request, str(exc))
        return redirect("editors:import")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        request.session.pop(SESSION_KEY, None)
    if report.committed:
        messages.success(request, _("Imported %(name)s.") % {"name": pending["name"]})
    else:
        messages.error(
            request, _("%(name)s: not imported, rows were rejected.") % {"name": pending["name"]}
        )
    context = {"form": None, "file": pending["name"], "done": True, **_report_context(report)}
    return page(request, "import.html", context)


@editor_required
@require_http_methods(["GET", "POST"])
def extract_list(request: HttpRequest) -> HttpResponse:
    """A list published as a document → its review sheet, downloaded (vigil cases
    extract). The upload lives in a private temporary folder for the request only;
    nothing is written to the registry. The audit trail records who extracted which
    file (its name, size, SHA-256 and the number of entries), not what it holds."""
    from vigil.cases.extract import extract, write_review

    form = forms.ExtractForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return page(request, "extract.html", {"form": form}, status=status)
    upload = form.cleaned_data["file"]
    fmt = form.cleaned_data["format"]
    name = _safe_name(upload.name)
    with tempfile.TemporaryDirectory(prefix="vigil-extract-") as tmp:
        path = Path(tmp) / name
        sha256 = _save(upload, path)
        try:
            found = extract(path)
            sheet = write_review(found, Path(tmp) / f"{path.stem}.review.{fmt}")
        except InputError as exc:
            form.add_error("file", str(exc))
            return page(request, "extract.html", {"form": form}, status=400)
        except Exception:  # a malformed document must never become a 500 with a trace
            form.add_error(
                "file", _("%(name)s: not a document Vigil can read") % {"name": upload.name}
            )
            return page(request, "extract.html", {"form": form}, status=400)
        data = sheet.read_bytes()
    detail = {
        "file": name,
        "bytes": upload.size,
        "sha256": sha256,
        "entries": len(found.entries),
        "format": fmt,
    }
    audit.record("extract", name, detail, by=username(request))
    types = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    response = HttpResponse(data, content_type=types[fmt])
    response["Content-Disposition"] = f'attachment; filename="{sheet.name}"'
    response["X-Vigil-Summary"] = found.summary().encode("ascii", "replace").decode()
    return response


# -- audit trail ------------------------------------------------------------------------

AUDIT_COLUMNS = ["at", "actor", "action", "target", "detail"]


def _audit_rows(request: HttpRequest, form: Any) -> Any:
    rows = audit.events(actor(request))
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
    return rows


@admin_required
@require_http_methods(["GET"])
def audit_trail(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Admins read and export the trail; nothing here (or anywhere on the site)
    changes or deletes an audit event."""
    import json

    form = forms.AuditFilterForm(request.GET or None)
    rows = _audit_rows(request, form)
    if request.GET.get("format") == "csv":
        filters = {
            k: str(v) for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v
        }
        audit.record(
            "export", "audit", {"filters": filters, "rows": rows.count()}, by=username(request)
        )
        lines = csv_lines(
            AUDIT_COLUMNS,
            (
                [
                    e.at.isoformat(),
                    e.actor,
                    e.action,
                    e.target,
                    json.dumps(e.detail, ensure_ascii=False, sort_keys=True),
                ]
                for e in rows.iterator()
            ),
            lineterminator="\r\n",
        )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
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
