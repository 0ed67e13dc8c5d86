"""The public page ``/check/``: a text box; each claim of the sentence highlighted, one
verdict card per claim, and links to the map or registry page that shows the evidence.

``GET /check/?text=…&as_of=…`` renders the result on the server, so the address is a
permalink that works without JavaScript (the form itself submits by GET). With
JavaScript, ``static/web/check.js`` posts the form to ``POST /api/check`` instead and
draws the same result from the API's answer (:func:`vigil.claims.render.report_record`,
the one shape of a report); both read the same record, so the page and the API cannot
tell different stories.

As every page of the site: a bad parameter never makes a 500. A bad ``as_of`` is shown
as a problem (status 400) and the sentence is checked with the default in its place
(dates read against a publication date in the text, else today), as the page says; a
text over 2,000 characters is a problem and is not checked. Registry names are matched
at the reader's level (:func:`vigil.web.check_api.reader`): the public's unless signed
in, and then the site's middleware makes the page private. Nothing on the page is
inline (the CSP): the API's address travels in a ``data-`` attribute.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix, path
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from vigil import i18n
from vigil.claims.render import report_record
from vigil.dates import parse_optional_date
from vigil.errors import InputError, VigilError
from vigil.i18n import gettext as _
from vigil.i18n import gettext_lazy, pgettext_lazy
from vigil.web import check_api, errors, territory
from vigil.web.pages import Problem

ERROR_STATUS = 400

#: How the page says which day relative dates were read against (the record's basis).
BASIS = {
    "--as-of": gettext_lazy("the date given"),
    "publication date in the text": gettext_lazy("the publication date in the text"),
    "today": gettext_lazy("today"),
}

_NOT_CLASS = re.compile(r"[^a-z0-9]+")


def label_class(label: str) -> str:
    """A verdict label as a CSS class (``supported with caveats`` →
    ``label-supported-with-caveats``); anything else than letters and digits is a dash."""
    return "label-" + _NOT_CLASS.sub("-", str(label).lower()).strip("-")


def segments(text: str, verdicts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``text`` cut at the claims' spans, for highlighting: runs of plain text
    (``claims`` empty) and marked runs, each with the numbers (from 1) and labels of
    the claims it covers. Overlapping or touching spans are merged into one mark, as
    :func:`vigil.claims.render.highlight` merges them; empty spans mark nothing.
    Offsets are code points of ``text`` (``static/web/check.js`` cuts the same way)."""
    spans = sorted(
        (
            max(0, min(len(text), v["claim"]["span"]["start"])),
            max(0, min(len(text), v["claim"]["span"]["end"])),
            n,
            str(v["label"]),
        )
        for n, v in enumerate(verdicts, 1)
    )
    merged: list[list[Any]] = []  # [start, end, [(n, label), …]]
    for start, end, n, label in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2].append((n, label))
        else:
            merged.append([start, end, [(n, label)]])
    out: list[dict[str, Any]] = []
    at = 0
    for start, end, claims in merged:
        if start > at:
            out.append({"text": text[at:start], "claims": []})
        claims = sorted(claims)
        out.append(
            {
                "text": text[start:end],
                "claims": [{"n": n, "label": label} for n, label in claims],
                "css": " ".join(dict.fromkeys(label_class(lb) for _n, lb in claims)),
                "title": "; ".join(
                    # Translators: a claim's number in the text and its verdict.
                    _("claim %(n)d: %(label)s") % {"n": n, "label": label}
                    for n, label in claims
                ),
            }
        )
        at = end
    if at < len(text):
        out.append({"text": text[at:], "claims": []})
    return out


def number(value: float | None) -> str:
    """A figure for the page: thousands separated, at most two decimals (``1,672.45``,
    ``303``); ``—`` for none. check.js writes the same."""
    if value is None:
        return "—"
    if i18n.active() != "en":
        from babel.numbers import format_decimal

        locale = i18n.active()
        text = format_decimal(round(value, 2) + 0.0, format="#,##0.##", locale=locale)
        return "0" if text in ("-0", "") else text
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


#: Whether a figure holds, as a card says it.
HOLDS = {
    True: pgettext_lazy("figure holds", "✓ yes"),
    False: pgettext_lazy("figure holds", "✗ no"),
    None: "—",
}


def evidence_url(evidence: str | None) -> str | None:
    """The evidence path on this site (under its script prefix), or None: only a path
    from the site's root is a link (never another host, nor a ``javascript:`` address)."""
    if not evidence or not evidence.startswith("/") or evidence.startswith("//"):
        return None
    if "\\" in evidence or any(c.isspace() for c in evidence):
        return None
    return get_script_prefix().rstrip("/") + evidence


def permalink(text: str, as_of: str | None) -> str:
    """The page's address for this check: ``/check/?text=…[&as_of=…]``."""
    query = {"text": text, **({"as_of": as_of} if as_of else {})}
    return f"{get_script_prefix()}check/?{urlencode(query)}"


def cards(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One card per verdict, from the report's record: what the template shows."""
    out = []
    for n, v in enumerate(record["verdicts"], 1):
        figures = [
            {
                **f,
                "value_text": number(f["value"]),
                "holds_text": str(HOLDS[f["holds"]]),
                "comparison_text": (
                    None
                    if not f["comparison"]
                    else f["comparison"]
                    + (
                        ""
                        if f["comparison_holds"] is None
                        else f" ({HOLDS[f['comparison_holds']]})"
                    )
                ),
            }
            for f in v["figures"]
        ]
        first_data = v["figures"][0]["data"] if v["figures"] else None
        out.append(
            {
                "n": n,
                "v": v,
                "css": label_class(v["label"]),
                "figures": figures,
                "data_json": (
                    json.dumps(first_data, ensure_ascii=False, indent=1) if first_data else ""
                ),
                "evidence_url": evidence_url(v["evidence"]),
            }
        )
    return out


def _footer() -> dict[str, Any]:
    """The source and span of the data for the footer, when there is a store."""
    from vigil.web.views import _base

    try:
        return _base(territory.store())
    except VigilError:
        return {}


@require_safe
def check_page(request: HttpRequest) -> HttpResponse:
    """The form, and with ``?text=`` the check of that text (``as_of`` optional)."""
    text = request.GET.get("text", "")
    as_of = request.GET.get("as_of", "").strip()
    problems: list[Problem] = []
    context: dict[str, Any] = {"section": "check", "text": text, "as_of": as_of}
    status = 200
    try:
        parse_optional_date(as_of, "as_of")
    except InputError as exc:
        problems.append(Problem.of(exc))
        as_of = ""  # the default in its place, as the page says
    if text.strip():
        try:
            report = check_api.run_check(request, text, as_of)
        except InputError as exc:
            problems.append(Problem.of(exc))
        except VigilError as exc:  # no store for a territory claim, a source not held
            status = errors.status(exc)
            context["failure"] = " ".join(str(exc).split())
        else:
            record = report_record(report)
            context.update(
                record=record,
                segments=segments(record["text"], record["verdicts"]),
                cards=cards(record),
                basis=str(BASIS.get(record["anchor_basis"], record["anchor_basis"])),
                permalink=permalink(text, as_of),
                api_query=urlencode({"text": text, **({"as_of": as_of} if as_of else {})}),
            )
    if problems:
        status = ERROR_STATUS
    limit = check_api.MAX_CHARS
    context.update(
        problems=problems, max_chars=limit, max_chars_text=i18n.integer(limit), **_footer()
    )
    response = render(request, "web/check.html", context, status=status)
    patch_vary_headers(response, ("Cookie",))  # registry names at the reader's level
    return response


# The lead's vigil.web.urls adds these with the site's other pages.
urlpatterns = [path("check/", check_page, name="check")]
