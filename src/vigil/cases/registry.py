"""Reading the registry: find, list, show and timeline, for a reader.

Every function takes the reader (an :class:`~vigil.cases.policy.Actor`, or a bare
:class:`~vigil.cases.levels.Level`) and returns only what :mod:`vigil.cases.policy`
lets it see: records through ``policy.visible``, fields through ``policy.fields``.
Results are DataFrames or plain dicts that the CLI renders and a notebook can use
directly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pandas as pd

from vigil import i18n
from vigil.cases import audit, policy, search
from vigil.cases.dates import PartialDate, on_or_before
from vigil.cases.names import fold
from vigil.cases.policy import Who
from vigil.cases.status import date_texts, events_frame, latest_on, status_on
from vigil.cases.vocab import CUSTODY, Custody, StatusKind
from vigil.choices import not_one_of
from vigil.dates import DateLike, parse_optional_date
from vigil.errors import InputError, NotFound
from vigil.i18n import gettext as _

# -- resolving what the user typed ----------------------------------------------------


def person(key: str, level: Who) -> Any:
    """The person a user means by ``key``: a ref, ``#id``, or a name that matches one
    person unambiguously. A merged record resolves to the person it was merged into
    (when the reader may see that one)."""
    from vigil.cases.models import Person

    visible = policy.visible(Person, level)
    text = str(key).strip()
    found = visible.filter(ref=text).first()
    if found is None and text.startswith("#") and text[1:].isdigit():
        found = visible.filter(pk=int(text[1:])).first()
    if found is None:
        hits = find(text, level, limit=5)
        if hits.empty:
            raise NotFound(_("no person matches %(key)r (try `vigil cases find`)") % {"key": key})
        top = hits.iloc[0]
        # Another person within 10 points (or above 90) makes the name ambiguous: showing
        # or merging the wrong person is worse than asking for a ref.
        close = hits[hits["score"] >= min(top["score"] - 10, 90)]
        if len(close) > 1:
            names = "; ".join(f"{r.ref} {r.name}" for r in close.itertuples())
            raise InputError(
                # Translators: %(people)s lists refs and names ("P00001 Ivan Petrov; …").
                _("%(key)r matches several people: %(people)s; give a ref")
                % {"key": key, "people": names}
            )
        found = visible.get(ref=top["ref"])
    resolved = policy.resolve_merged(found, level)
    if resolved is None:  # merged into a record this reader may not see
        raise NotFound(_("no person matches %(key)r (try `vigil cases find`)") % {"key": key})
    return resolved


def case(key: str, level: Who) -> Any:
    """A case by ref, or by number when the reader may see the case's number."""
    from vigil.cases.models import Case

    visible = policy.visible(Case, level)
    found = visible.filter(ref=key).first()
    if found is None:
        by_number = [c for c in visible.filter(number=key) if policy.shows(c, "number", level)]
        found = by_number[0] if by_number else None
    if found is None:
        raise NotFound(_("no case with ref or number %(key)r") % {"key": key})
    return found


def organisation(key: str, level: Who) -> Any:
    """An organisation by ref, name or short name (any spelling that folds the same)."""
    from django.db.models import Q

    from vigil.cases.models import Organisation

    visible = policy.visible(Organisation, level)
    found = visible.filter(Q(ref=key) | Q(short_name__iexact=key) | Q(key=fold(key))).first()
    if found is None:
        raise NotFound(_("no organisation with ref or name %(key)r") % {"key": key})
    return found


def release(key: str, level: Who) -> Any:
    """A list release by ref, or ``ORG@DATE`` (``VRW@2026-06``)."""
    from vigil.cases.models import ListRelease

    visible = policy.visible(ListRelease, level)
    found = visible.filter(ref=key).first()
    if found is None and "@" in key:
        org_key, date = key.rsplit("@", 1)
        org = organisation(org_key, level)
        wanted = PartialDate.parse(date, "release date")
        candidates = [r for r in visible.filter(organisation=org) if r.published == wanted]
        found = candidates[0] if len(candidates) == 1 else None
    if found is None:
        raise NotFound(
            # Translators: ORGANISATION@DATE is a format to type (VRW@2026-06).
            _("no list release %(key)r (a ref, or ORGANISATION@DATE)") % {"key": key}
        )
    return found


# -- names ----------------------------------------------------------------------------


def names_frame(level: Who) -> pd.DataFrame:
    """Visible names of visible, unmerged people: person_id, ref, name, language, key,
    skeleton, kind."""
    rows = search.visible_names(level).values_list(
        "person_id", "person__ref", "name", "language", "key", "skeleton", "kind"
    )
    return pd.DataFrame(
        list(rows), columns=["person_id", "ref", "name", "language", "key", "skeleton", "kind"]
    )


def display_names(
    level: Who, names: pd.DataFrame | None = None, lang: str | None = None
) -> pd.DataFrame:
    """Each visible person's display name and its folded key, indexed by person_id, for
    a reader of ``lang`` (default: the active language): the first visible primary name
    written in the reader's script (:func:`vigil.i18n.reader_script`: Latin for en and
    az, Cyrillic for uk and ru), else the first transliteration in that script, else the
    first visible primary name, else the first visible name. A name's script is its
    language tag's (``az-Latn``), else that of its letters."""
    if names is None:
        fields = ("person_id", "name", "key", "kind", "language")
        rows = list(search.visible_names(level).order_by("id").values_list(*fields))
        names = pd.DataFrame(rows, columns=list(fields))
    if names.empty:  # nobody, or a person whose every name is above the reader
        return pd.DataFrame({"name": [], "key": []}, index=pd.Index([], name="person_id"))
    script = i18n.reader_script(lang)
    tags = names["language"] if "language" in names else pd.Series("", index=names.index)
    readable = pd.Series(
        [
            i18n.script_of(str(n), str(t or "")) == script
            for n, t in zip(names["name"], tags, strict=True)
        ],
        index=names.index,
        dtype=bool,
    )
    primary = names["kind"] == "primary"
    transliteration = names["kind"] == "transliteration"
    rank = pd.Series(3, index=names.index)
    rank[primary] = 2
    rank[transliteration & readable] = 1
    rank[primary & readable] = 0
    ordered = names.assign(rank=rank).sort_values(["person_id", "rank"], kind="stable")
    return ordered.groupby("person_id")[["name", "key"]].first()


def primary_names(level: Who, names: pd.DataFrame | None = None) -> dict[int, str]:
    """Each visible person's display name (see :func:`display_names`)."""
    return cast(dict[int, str], display_names(level, names)["name"].to_dict())


def find(query: str, level: Who, limit: int = 10) -> pd.DataFrame:
    """People whose names match ``query`` in any script or spelling, best first.

    Columns: ref, name (display), matched (the name that matched), language, score
    (0–100: 100 is the same folded name; 95 the same consonant skeleton). The rows of
    :func:`vigil.cases.search.find`, as a DataFrame.
    """
    return pd.DataFrame(search.find(query, level, limit), columns=list(search.COLUMNS))


def _texts(ids: pd.Series, values: Any) -> pd.Series:
    """``values`` (a mapping or Series by person id) for each id, "" where it has none
    (as text: filling a column with no match at all, float NaNs, with "" is refused by
    pandas from version 4)."""
    return ids.map(values).astype(object).fillna("")


# -- list ----------------------------------------------------------------------------


def list_people(
    level: Who,
    *,
    on: DateLike | None = None,
    status: str | None = None,
    organisation_key: str | None = None,
    charge: str | None = None,
    designation: str | None = None,
    release_key: str | None = None,
) -> pd.DataFrame:
    """Visible people with their status on ``on`` (a day, default today), filtered.

    ``status`` is an event kind (``arrested``) or a custody (``held``, ``house_arrest``,
    ``free``, ``dead``; ``deprived`` = held or house arrest). ``charge`` is an article
    ("283.1" or "Criminal Code 283.1") of a case the person is a defendant in.
    ``designation`` an organisation that designates the person on ``on``.
    """
    from vigil.cases import models as m

    on = parse_optional_date(on, "on") or dt.date.today()
    people = policy.people(level)
    if organisation_key:
        org = organisation(organisation_key, level)
        members = policy.visible(m.Affiliation, level).filter(organisation=org)
        people = people.filter(id__in=members.values("person_id"))
    if charge:
        people = people.filter(id__in=_charged(charge, level))
    if designation:
        org = organisation(designation, level)
        people = people.filter(id__in=_designated(org, level, on))
    if release_key:
        rel = release(release_key, level)
        entries = policy.visible(m.ListEntry, level).filter(release=rel)
        people = people.filter(id__in=entries.values("person_id"))
    refs = dict(people.values_list("id", "ref").distinct())
    ids = list(refs)
    current = latest_on(level, on)
    frame = pd.DataFrame({"person_id": ids})
    frame["status"] = _texts(frame["person_id"], current["kind"])
    frame["custody"] = _texts(frame["person_id"], current["custody"])
    frame["since"] = _texts(frame["person_id"], date_texts(current["stored"]))
    if status:
        frame = frame[_status_mask(frame, status)]
    names = display_names(level)
    orgs = _organisations(level)
    charges = charges_by_person(level)
    frame.insert(0, "ref", frame["person_id"].map(refs))
    frame.insert(1, "name", _texts(frame["person_id"], names["name"]))
    frame["organisations"] = _texts(frame["person_id"], orgs)
    frame["charges"] = _texts(frame["person_id"], charges)
    frame["key"] = _texts(frame["person_id"], names["key"])
    frame = frame.sort_values(["key", "ref"], kind="stable")  # by name in any script
    return frame.drop(columns=["person_id", "key"]).reset_index(drop=True)


def _status_mask(frame: pd.DataFrame, status: str) -> pd.Series:
    wanted = status.strip().lower().replace("-", "_")
    if wanted == "deprived":
        return frame["custody"].isin([Custody.HELD.value, Custody.HOUSE_ARREST.value])
    if wanted in Custody.values:
        return frame["custody"] == wanted
    if wanted in StatusKind.values:
        return frame["status"] == wanted
    raise not_one_of(status, ["deprived", *Custody.values, *StatusKind.values], "status")


def _article_filter(charge: str) -> Any:
    from django.db.models import Q

    text = charge.strip()
    parts = text.rsplit(" ", 1)
    query = Q(article=text)
    if len(parts) == 2:
        query |= Q(code__iexact=parts[0], article=parts[1])
    return query


def _charged(charge: str, level: Who) -> Any:
    from vigil.cases import models as m

    articles = m.LegalArticle.objects.filter(_article_filter(charge))
    if not articles.exists():
        raise InputError(
            _("no legal article %(charge)r in the registry") % {"charge": charge}, param="charge"
        )
    cases = policy.visible(m.Case, level).filter(articles__in=articles).distinct()
    shown = [c.id for c in cases if policy.shows(c, "articles", level)]
    return (
        policy.visible(m.CaseParticipant, level)
        .filter(case_id__in=shown, role="defendant")
        .values("person_id")
    )


def _designated(org: Any, level: Who, on: dt.date) -> Any:
    from django.db.models import Q

    from vigil.cases import models as m

    bound = on_or_before(on)
    return (
        policy.visible(m.Designation, level)
        .filter(organisation=org)
        .filter(Q(since__isnull=True) | Q(since__lte=bound))
        .filter(Q(until__isnull=True) | Q(until__gt=bound))
        .values("person_id")
    )


def _organisations(level: Who) -> dict[int, str]:
    from vigil.cases.models import Affiliation

    rows = policy.visible(Affiliation, level).values_list(
        "person_id", "organisation__short_name", "organisation__name"
    )
    out: dict[int, list[str]] = {}
    for pid, short, name in rows:
        label = short or name
        if label not in out.setdefault(pid, []):
            out[pid].append(label)
    return {k: ", ".join(v) for k, v in out.items()}


def charges_by_person(level: Who) -> dict[int, str]:
    """Articles of the visible cases each person is a visible defendant in."""
    from vigil.cases.models import Case, CaseParticipant

    articles: dict[int, list[str]] = {}
    for c in policy.visible(Case, level).prefetch_related("articles"):
        if policy.shows(c, "articles", level):
            articles[c.id] = [a.article for a in c.articles.all()]
    out: dict[int, list[str]] = {}
    rows = (
        policy.visible(CaseParticipant, level)
        .filter(role="defendant")
        .values_list("person_id", "case_id")
    )
    for pid, cid in rows:
        for art in articles.get(cid, []):
            if art not in out.setdefault(pid, []):
                out[pid].append(art)
    return {k: ", ".join(v) for k, v in out.items()}


# -- one person -------------------------------------------------------------------------


PERSON_FIELDS = ("sex", "birth_date", "occupation", "photo", "notes", "contacts")


def case_ref(c: Any, level: Who) -> dict[str, Any]:
    """A case as another record shows it: its ref and the number and title the reader
    may see (a hidden field is absent, never blank)."""
    return {"case": c.ref, **policy.fields(c, level, ("number", "title"))}


def show(key: str, level: Who, *, actor: str | None = None) -> dict[str, Any]:
    """Everything a reader may see about one person.

    Reading a restricted field (family contacts…) is recorded in the audit trail.
    """
    from vigil.cases import models as m

    who = policy.as_actor(level)
    p = person(key, who)
    out: dict[str, Any] = {"ref": p.ref}
    out.update(policy.fields(p, who, PERSON_FIELDS))
    out["names"] = [
        {"name": n.name, "language": n.language, "kind": n.kind}
        for n in policy.visible(p.names.all(), who)
    ]
    out["name"] = next((n["name"] for n in out["names"] if n["kind"] == "primary"), "") or (
        out["names"][0]["name"] if out["names"] else ""
    )
    events = events_frame(who, [p.id])
    now = status_on(events, dt.date.today())
    if p.id in now.index:
        row = now.loc[p.id]
        since = str(PartialDate.parse(row["stored"]))
        out["status"] = {"kind": row["kind"], "custody": row["custody"], "since": since}
    else:
        out["status"] = None
    out["organisations"] = [
        {
            "organisation": str(a.organisation),
            "role": a.role,
            "from": str(a.start or ""),
            "to": str(a.end or ""),
        }
        for a in policy.visible(p.affiliations.all(), who).select_related("organisation")
    ]
    out["cases"] = [
        {**case_ref(c.case, who), "role": c.role}
        for c in policy.visible(p.participations.all(), who).select_related("case")
    ]
    out["sentences"] = [
        {
            "case": s.case.ref if s.case else None,
            "term": s.term,
            "regime": s.regime,
            "start": str(s.start or ""),
            "expected_release": str(s.expected_release or ""),
        }
        for s in policy.visible(p.sentences.all(), who).select_related("case")
    ]
    out["designations"] = [
        {
            "organisation": str(d.organisation),
            "criteria": d.criteria,
            "since": str(d.since or ""),
            "until": str(d.until or ""),
        }
        for d in policy.visible(p.designations.all(), who).select_related("organisation")
    ]
    out["lists"] = [
        {"release": e.release.ref, "title": e.release.title, "published": str(e.release.published)}
        for e in policy.visible(p.list_entries.all(), who).select_related("release")
    ]
    merged = list(
        policy.visible(m.Person.objects.filter(merged_into=p), who).values_list("ref", flat=True)
    )
    if merged:
        out["merged_from"] = merged
    read = policy.restricted_read(p, who, PERSON_FIELDS)
    if read:
        # who read it: the name given, else the actor's, else (a bare level, as on the
        # command line) the operating-system user
        by = actor or (level if isinstance(level, policy.Actor) else None)
        audit.record("view-restricted", policy.audit_target(p), {"fields": read}, by=by)
    return out


def timeline(key: str, level: Who) -> pd.DataFrame:
    """A person's status events in order, with withdrawn ones marked (shown to team
    members: a correction keeps the error on record; the public sees the corrected
    record only)."""
    from vigil.cases.models import Source, StatusEvent

    who = policy.as_actor(level)
    p = person(key, who)
    events = (
        policy.visible(StatusEvent.objects.filter(person=p), who)
        .select_related("case")
        .prefetch_related("sources")
        .order_by("date", "id")
    )
    withdrawn = set(policy.withdrawn(who).filter(person=p).values_list("withdraws_id", flat=True))
    sources = policy.visible_ids(Source, who)
    rows = []
    for e in events:
        if e.id in withdrawn and not policy.shows_withdrawn(who):
            continue
        rows.append(
            {
                "date": str(e.date),
                "event": e.kind,
                "custody": CUSTODY[e.kind].value,
                "case": e.case.ref if e.case else "",
                "place": e.place,
                "facility": e.facility,
                "withdrawn": e.id in withdrawn,
                "sources": ", ".join(s.ref or s.title for s in e.sources.all() if s.id in sources),
            }
        )
    columns = ["date", "event", "custody", "case", "place", "facility", "withdrawn", "sources"]
    return pd.DataFrame(rows, columns=columns)
