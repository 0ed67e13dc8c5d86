"""List releases in the editors' area: the releases a user may read (with the change
from each one's previous release), and an editor's edit of a release and its entries.

An edit replaces only the entries the editor can see; an entry whose own visibility,
or whose person's, is above the editor's level is left untouched, in its place.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from vigil.cases import audit
from vigil.cases.levels import Level
from vigil.web.editors import forms
from vigil.web.editors.auth import editor_required, level, member_required, username
from vigil.web.editors.views import page


class _FormProblem(Exception):
    pass


def _visible(lv: Level) -> Q:
    return Q(visibility__lte=lv, person__visibility__lte=lv)


def _members(release: Any, lv: Level) -> set[int]:
    return set(release.entries.filter(_visible(lv)).values_list("person_id", flat=True))


@member_required
@require_GET
def release_list(request: HttpRequest) -> HttpResponse:
    from vigil.cases import models as m

    lv = level(request)
    shown = Q(entries__visibility__lte=lv, entries__person__visibility__lte=lv)
    releases = (
        m.ListRelease.objects.filter(visibility__lte=lv)
        .select_related("organisation")
        .annotate(visible_entries=Count("entries", filter=shown))
        .order_by("organisation__name", "organisation_id", "published", "id")
    )
    rows, previous = [], {}
    for r in releases:
        members = _members(r, lv)
        before = previous.get(r.organisation_id)
        org = r.organisation
        rows.append(
            {
                "release": r,
                "organisation": org.name if org.visibility <= lv else (org.ref or ""),
                "entries": r.visible_entries,
                "previous": before[0] if before else None,
                "added": len(members - before[1]) if before else None,
                "removed": len(before[1] - members) if before else None,
                "public_diff": bool(
                    before and r.visibility == Level.PUBLIC and before[0].visibility == Level.PUBLIC
                ),
            }
        )
        previous[r.organisation_id] = (r, members)
    return page(request, "releases.html", {"rows": rows})


def _entry_refs(entries: list[Any]) -> list[str]:
    return [e.person.ref for e in entries]


def _fields(release: Any) -> dict[str, Any]:
    return {
        "title": release.title,
        "published": str(release.published),
        "visibility": Level(release.visibility).label,
    }


@editor_required
@require_http_methods(["GET", "POST"])
def release_edit(request: HttpRequest, ref: str) -> HttpResponse:
    from vigil.cases import models as m

    lv = level(request)
    release = (
        m.ListRelease.objects.filter(ref=ref, visibility__lte=lv)
        .select_related("organisation")
        .first()
    )
    if release is None:
        raise Http404("no such list release")
    entries = list(release.entries.select_related("person").order_by("position", "id"))
    visible = [e for e in entries if e.visibility <= lv and e.person.visibility <= lv]
    initial = {
        "organisation": release.organisation.ref or release.organisation.name,
        "title": release.title,
        "published": str(release.published),
        "visibility": release.visibility,
        "people": "\n".join(_entry_refs(visible)),
    }
    form = forms.ReleaseForm(request.POST or None, level=lv, initial=initial)
    form.fields["organisation"].disabled = True
    form.fields["organisation"].help_text = "the publisher of a list cannot be changed"
    error = ""
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            with transaction.atomic():
                before = {**_fields(release), "entries": _entry_refs(visible)}
                refs = _save(release, entries, visible, c, lv)
                after = {**_fields(release), "entries": refs}
                old = set(before["entries"])
                detail = {
                    "before": before,
                    "after": after,
                    "added": [r for r in refs if r not in old],
                    "removed": [r for r in before["entries"] if r not in set(refs)],
                }
                audit.record("update", f"release:{release.ref}", detail, by=username(request))
            messages.success(request, f"List release {release.ref} saved with {len(refs)} entries.")
            return redirect("editors:releases")
        except _FormProblem as exc:
            error = str(exc)
        except IntegrityError:
            error = "This organisation already has a list with that date and title."
    context = {"form": form, "error": error, "release": release}
    return page(request, "release_form.html", context)


def _save(release: Any, entries: list, visible: list, c: dict, lv: Level) -> list[str]:
    """Update the release and replace its visible entries; the refs, in order."""
    from vigil.cases import models as m

    refs = [r.strip() for r in (c["people"] or "").splitlines() if r.strip()]
    hidden = [e for e in entries if e not in visible]
    hidden_people = {e.person_id for e in hidden}
    kept = {e.person_id: e for e in visible}
    people, seen = [], set()
    for line, ref in enumerate(refs, 1):
        person = m.Person.objects.filter(ref=ref, visibility__lte=lv).first()
        if person is None:
            raise _FormProblem(f"line {line}: no person {ref!r}")
        if person.pk in seen:
            raise _FormProblem(f"line {line}: {ref!r} is in the list twice")
        if person.pk in hidden_people:
            raise _FormProblem(f"line {line}: {ref!r} cannot be added to this list")
        seen.add(person.pk)
        people.append(person)
    release.title = c["title"]
    release.published = c["published"]
    release.visibility = c["visibility"]
    release.save(update_fields=["title", "published", "visibility"])
    # hidden entries keep their positions; the visible ones fill the others, in order
    taken = {e.position for e in hidden if e.position is not None}
    m.ListEntry.objects.filter(pk__in=[e.pk for e in visible if e.person_id not in seen]).delete()
    position = 0
    for person in people:
        position += 1
        while position in taken:
            position += 1
        entry = kept.get(person.pk)
        if entry is None:
            m.ListEntry.objects.create(release=release, person=person, position=position)
        elif entry.position != position:
            entry.position = position
            entry.save(update_fields=["position"])
    return [p.ref for p in people]
