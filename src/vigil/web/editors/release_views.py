"""List releases in the editors' area: the releases a user may read (with the change
from each one's previous release), and an editor's edit of a release and its entries.

An edit replaces only the entries the editor can see (:func:`vigil.cases.edits.edit_release`);
an entry the policy hides from the editor is left untouched, in its place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from vigil.cases import edits, policy
from vigil.cases.releases import members
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext
from vigil.web.editors import forms

if TYPE_CHECKING:
    from vigil.cases.models import ListRelease
from vigil.web.editors.auth import actor, editor_required, member_required
from vigil.web.editors.views import _people_lines, _sentence, found, page


@member_required
@require_GET
def release_list(request: HttpRequest) -> HttpResponse:
    from vigil.cases import models as m

    who = actor(request)
    releases = (
        policy.visible(m.ListRelease, who)
        .select_related("organisation")
        .order_by("organisation__name", "organisation_id", "published", "id")
    )
    rows: list[dict[str, Any]] = []
    previous: dict[int, tuple[ListRelease, set[int]]] = {}  # by organisation
    for r in releases:
        on_list = members(r, who)
        before = previous.get(r.organisation_id)
        rows.append(
            {
                "release": {"ref": r.ref, "title": r.title, "published": str(r.published)},
                "organisation": r.organisation.name,
                "entries": len(on_list),
                "previous": {"ref": before[0].ref, "published": str(before[0].published)}
                if before
                else None,
                "added": len(on_list - before[1]) if before else None,
                "removed": len(before[1] - on_list) if before else None,
                "public_diff": bool(
                    before
                    and policy.is_public(policy.level_of(r))
                    and policy.is_public(policy.level_of(before[0]))
                ),
            }
        )
        previous[r.organisation_id] = (r, on_list)
    return page(request, "releases.html", {"rows": rows})


@editor_required
@require_http_methods(["GET", "POST"])
def release_edit(request: HttpRequest, ref: str) -> HttpResponse:
    from vigil.cases import models as m

    who = actor(request)
    release = found(
        policy.get_editable, m.ListRelease.objects.select_related("organisation"), who, ref=ref
    )
    entries = policy.visible(release.entries.all(), who).select_related("person")
    initial = {
        "organisation": release.organisation.ref or release.organisation.name,
        "title": release.title,
        "published": str(release.published),
        "visibility": release.visibility,
        "people": "\n".join(e.person.ref for e in entries.order_by("position", "id")),
    }
    form = forms.ReleaseForm(request.POST or None, level=who, initial=initial)
    form.fields["organisation"].disabled = True
    form.fields["organisation"].help_text = _("the publisher of a list cannot be changed")
    error = ""
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        refs = _people_lines(c["people"])
        try:
            edits.edit_release(
                who,
                release.ref,
                title=c["title"],
                published=c["published"],
                visibility=c["visibility"],
                people=refs,
            )
            messages.success(
                request,
                ngettext(
                    "List release %(ref)s saved with %(n)d entry.",
                    "List release %(ref)s saved with %(n)d entries.",
                    len(refs),
                )
                % {"ref": release.ref, "n": len(refs)},
            )
            return redirect("editors:releases")
        except InputError as exc:
            error = _sentence(exc)
    context = {"form": form, "error": error, "release": {"ref": release.ref}}
    return page(request, "release_form.html", context)
