"""The registry the write walk attacks (``tests/web/test_write_walk.py``), and the
snapshot that says whether anything above a level changed.

:func:`build` makes a small registry that has, above the internal level, one record of
every kind a write path can reach: a restricted person (names, an event, an entry on
a public list, a participation in a public case, an affiliation, a sentence, a
designation), a public person ``P1`` whose contacts are restricted by default, whose
occupation is raised to restricted by an override and who has a restricted alias, a
restricted case (with a hearing), a public case ``C1`` whose title is overridden to
restricted and which has a restricted hearing (:data:`D`, kind ``trial``), a
restricted event of a public person, a restricted correction, a restricted list
release, a restricted entry of a public person on a public release, a restricted
organisation (and a public release it published), a restricted source (linked from
public records). Every text field holds a unique sentinel: ``SNT-R-nnnn`` above
internal (refs of hidden records included), ``SNT-V-nnnn`` at or below it.

:func:`state` takes everything above a level (see its docstring); :func:`differences`
compares two states.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from vigil.cases import policy
from vigil.cases.levels import Level
from vigil.cases.schema import TABLE

P, INT, R = 0, 1, 2  # public, internal, restricted
#: The date of the restricted hearing (kind "trial") of the public case C1.
D = "2025-10-01"
#: Every sentinel of a value above internal starts with this.
HIDDEN_MARK = "SNT-R-"


class Sentinels:
    """Unique strings: ``SNT-R-nnnn`` above internal, ``SNT-V-nnnn`` at or below it."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, kind: str = "R") -> str:
        self.n += 1
        return f"SNT-{kind}-{self.n:04d}"


def build() -> SimpleNamespace:
    """The registry (see the module docstring); returns its records by role."""
    from vigil.cases import models as m

    s = Sentinels()
    w = SimpleNamespace()
    # Names, events and hearings are named by id in the editors' URLs and forms: ids
    # of their own (6001…, 7001…, 8001…) never meet another number on a page.
    ids = {"name": 6000, "event": 7000, "hearing": 8000}

    def next_id(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    # reference data, without a level
    w.court = m.Court.objects.create(name=f"Court {s('V')}", city=s("V"), country="XV")
    w.article = m.LegalArticle.objects.create(
        country="XV", code="Criminal Code", article="283.1", title=s("V")
    )

    def source(ref: str, vis: int, k: str) -> Any:
        return m.Source.objects.create(
            ref=ref,
            title=s(k),
            url=f"https://example.org/{s(k)}",
            file_name=s(k),
            sha256=s(k),
            publisher=s(k),
            published="2024-05",
            reliability="reliable",
            notes=s(k),
            visibility=vis,
        )

    w.src_v = source("SV1", P, "V")
    w.src_r = source(s("R"), R, "R")

    def organisation(ref: str, vis: int, k: str, name: str) -> Any:
        return m.Organisation.objects.create(
            ref=ref,
            name=f"{name} {s(k)}",
            short_name=s(k),
            kind="ngo",
            country="XV",
            notes=s(k),
            visibility=vis,
        )

    w.org_v = organisation("OV1", P, "V", "Veloria Watch")
    w.org_r = organisation(s("R"), R, "R", "Gizli Birlik")

    def person(ref: str, vis: int, names: list[tuple[str, str, int]], **fields: Any) -> Any:
        p = m.Person.objects.create(ref=ref, visibility=vis, **fields)
        for text, kind, level in names:
            m.PersonName.objects.create(
                id=next_id("name"),
                person=p,
                name=text,
                kind=kind,
                language="az-Latn",
                visibility=level,
            )
        return p

    def hidden_fields() -> dict[str, Any]:
        return {
            "sex": "male",
            "birth_date": "1981-02",
            "occupation": s("R"),
            "photo": s("R"),
            "notes": s("R"),
            "contacts": s("R"),
        }

    w.p_r = person(
        s("R"),
        R,
        [(f"Rauf Gizli {s('R')}", "primary", P), (s("R"), "alias", P)],
        **hidden_fields(),
    )
    w.p1 = person(
        "P1",
        P,
        [
            (f"Aysel Quliyeva {s('V')}", "primary", P),
            (f"Айсель Гулиева {s('V')}", "transliteration", P),
        ],
        sex="female",
        birth_date="1975-05",
        occupation=s("R"),
        photo=s("V"),
        notes=s("V"),
        contacts=s("R"),
        field_visibility={"occupation": "restricted"},
    )
    w.alias = m.PersonName.objects.create(
        id=next_id("name"),
        person=w.p1,
        name=f"Gizli Ləqəb {s('R')}",
        kind="alias",
        language="az-Latn",
        visibility=R,
    )
    w.p2 = person(
        "P2", P, [(f"Tural Həsənov {s('V')}", "primary", P)], notes=s("V"), contacts=s("R")
    )
    w.p3 = person("P3", INT, [(f"Leyla Məmmədova {s('V')}", "primary", P)], notes=s("V"))
    w.pk = person("PK", P, [(f"Kamran Əliyev {s('V')}", "primary", P)], birth_date="1990")
    w.pd = person(
        "PD",
        P,
        [(f"Kamran Aliyev {s('V')}", "primary", P), (f"Gizli Ad {s('R')}", "alias", R)],
        birth_date="1990",
        occupation=s("V"),
        notes=s("V"),
        contacts=s("R"),
    )
    w.pf = person("PF", P, [(f"Nigar Rzayeva {s('V')}", "primary", P)])

    # cases
    def case(ref: str, vis: int, title_kind: str, overrides: dict | None = None) -> Any:
        k = "R" if vis > INT else "V"
        c = m.Case.objects.create(
            ref=ref,
            number=s(k),
            title=s(title_kind),
            kind="criminal",
            country="XV",
            opened="2024",
            summary=s(k),
            lawyer_notes=s("R"),
            visibility=vis,
            field_visibility=overrides or {},
        )
        c.courts.add(w.court)
        c.articles.add(w.article)
        return c

    w.c_r = case(s("R"), R, "R")
    w.c_r.sources.add(w.src_r)
    w.c1 = case("C1", P, "R", {"title": "restricted"})
    w.c1.sources.add(w.src_v, w.src_r)
    w.c2 = case("C2", P, "V")

    def participant(c: Any, p: Any, role: str, vis: int = P) -> Any:
        return m.CaseParticipant.objects.create(case=c, person=p, role=role, visibility=vis)

    participant(w.c1, w.p1, "defendant")
    participant(w.c1, w.p_r, "defendant")  # a restricted person in a public case
    participant(w.c1, w.p2, "witness", R)  # a restricted participation of a public person
    participant(w.c_r, w.p_r, "defendant")
    participant(w.c_r, w.p1, "witness")  # a public person in a restricted case
    participant(w.c2, w.pk, "defendant")
    participant(w.c2, w.pd, "defendant")

    # hearings
    def hearing(c: Any, date: str, vis: int, k: str, **extra: Any) -> Any:
        return m.Hearing.objects.create(
            id=next_id("hearing"),
            case=c,
            date=date,
            kind="trial",
            court=w.court,
            notes=s(k),
            visibility=vis,
            **extra,
        )

    w.h1 = hearing(w.c1, "2025-09-01", P, "V")
    w.h1.sources.add(w.src_v, w.src_r)
    w.h1b = hearing(w.c1, "2025-09-05", P, "V")
    w.h_r2 = hearing(w.c1, D, R, "R", postponement_reason=s("R"))  # restricted, public case
    w.h_r1 = hearing(
        w.c_r, "2025-08-01", P, "R", postponement_reason=s("R")
    )  # a hearing of the restricted case
    w.h2 = hearing(w.c2, "2025-09-03", P, "V")

    # events
    def event(p: Any, kind: str, date: str, vis: int, k: str, **extra: Any) -> Any:
        e = m.StatusEvent(
            id=next_id("event"),
            person=p,
            kind=kind,
            date=date,
            place=s(k),
            facility=s(k),
            notes=s(k),
            visibility=vis,
            **extra,
        )
        e.save(allow_update=True, force_insert=True)  # append-only: an id given is no update
        return e

    w.e_pr = event(w.p_r, "arrested", "2025-02-01", P, "R", case=w.c_r)  # restricted person
    w.e1 = event(w.p1, "arrested", "2025-01-10", P, "V", case=w.c1)
    w.e1.sources.add(w.src_v, w.src_r)
    w.ec = event(w.p1, "arrested", "2025-01-11", R, "R", case=w.c1, withdraws=w.e1)
    w.e2 = event(w.p1, "arrested", "2025-01-12", P, "V", case=w.c1)  # never corrected
    w.e_pc = event(w.p1, "convicted", "2025-05-01", P, "R", case=w.c_r)  # in a hidden case
    w.er = event(w.p2, "detained", "2025-03-01", R, "R")  # restricted, of a public person
    w.e3 = event(w.p2, "detained", "2025-03-02", P, "V")
    w.e_pd = event(w.pd, "detained", "2025-04-01", P, "V", case=w.c2)
    w.e_pd_r = event(w.pd, "released", "2025-04-20", R, "R")  # the duplicate's hidden row
    w.e_pk = event(w.pk, "detained", "2025-04-02", P, "V", case=w.c2)
    w.e_p3 = event(w.p3, "detained", "2025-04-03", INT, "V")

    # affiliations, sentences, designations
    m.Affiliation.objects.create(
        person=w.p_r, organisation=w.org_v, role=s("R"), start="2010", visibility=P
    )
    m.Affiliation.objects.create(person=w.p1, organisation=w.org_r, role=s("R"), start="2011")
    m.Affiliation.objects.create(person=w.p1, organisation=w.org_v, role=s("V"), start="2012")
    m.Affiliation.objects.create(
        person=w.pd, organisation=w.org_v, role=s("R"), start="2013", visibility=R
    )
    m.Sentence.objects.create(
        person=w.p_r, case=w.c_r, term=s("R"), term_months=90, regime=s("R"), start="2025-06"
    )
    m.Sentence.objects.create(
        person=w.p1, case=w.c1, term=s("V"), term_months=60, regime=s("V"), start="2025-07"
    )
    m.Sentence.objects.create(
        person=w.p1, term=s("R"), term_months=12, regime=s("R"), start="2025-08", visibility=R
    )
    m.Designation.objects.create(
        person=w.p_r, organisation=w.org_v, criteria=s("R"), since="2025", source=w.src_v
    )
    m.Designation.objects.create(person=w.p1, organisation=w.org_r, criteria=s("R"), since="2025")
    m.Designation.objects.create(
        person=w.p1, organisation=w.org_v, criteria=s("V"), since="2024", source=w.src_r
    )

    # list releases and entries
    def release(org: Any, ref: str, vis: int, k: str, published: str, src: Any = None) -> Any:
        return m.ListRelease.objects.create(
            organisation=org, ref=ref, title=s(k), published=published, source=src, visibility=vis
        )

    def entry(rel: Any, p: Any, position: int, vis: int, k: str) -> Any:
        return m.ListEntry.objects.create(
            release=rel, person=p, position=position, category=s(k), visibility=vis
        )

    w.rv = release(w.org_v, "R1", P, "V", "2025-06", w.src_r)
    entry(w.rv, w.p1, 1, P, "V")
    w.entry_r = entry(w.rv, w.p2, 2, R, "R")  # a restricted entry of a public person
    entry(w.rv, w.p_r, 3, P, "R")  # the restricted person on a public list
    entry(w.rv, w.pd, 4, R, "R")
    w.rr = release(w.org_v, s("R"), R, "R", "2025-07")  # a restricted release
    entry(w.rr, w.p1, 1, P, "R")
    w.ro = release(w.org_r, s("R"), P, "R", "2025-08")  # a release of the hidden organisation
    entry(w.ro, w.p1, 1, P, "R")
    w.rv2 = release(w.org_v, "R2", P, "V", "2025-09", w.src_v)
    entry(w.rv2, w.p1, 1, P, "V")
    return w


# -- the state above a level ---------------------------------------------------------------


def _plain(value: Any) -> str:
    if isinstance(value, str | int | None):
        return json.dumps(value)
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def _models() -> list[Any]:
    from django.apps import apps

    return [m for m in apps.get_app_config("cases").get_models() if m.__name__ != "AuditEvent"]


def _required_paths(model: Any, prefix: str = "") -> list[str]:
    out = []
    for fk, _nullable in policy.REQUIRED.get(model.__name__, ()):
        target = model._meta.get_field(fk).related_model
        out.append(prefix + fk)
        out += _required_paths(target, f"{prefix}{fk}__")
    return out


@dataclass(frozen=True)
class State:
    """What a reader at ``level`` may not see, and the levels of everything.

    - ``above``: every row whose effective level (``policy.level_of``) is above
      ``level``, all its columns and many-to-many links; for rows at or below it, each
      optional pointer and many-to-many link to a record above ``level``;
    - ``fields``: for every person and case at or below ``level``, the values of its
      fields above ``level`` (the column's default or the record's override);
    - ``levels``: ``visibility``, ``field_visibility`` and the effective level of every
      record;
    - ``holders``: the users who may read restricted fields.
    """

    level: int
    above: dict[Any, Any]
    fields: dict[Any, dict[str, str]]
    levels: dict[Any, tuple[str, str, int]]
    holders: frozenset[str]


def state(level: int = INT) -> State:
    """The registry as it stands above ``level`` (see :class:`State`)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    objects: dict[str, list[Any]] = {}
    effective: dict[tuple[str, int], int] = {}
    for model in _models():
        name = model.__name__
        m2m = [f.name for f in model._meta.many_to_many]
        qs = model.objects.select_related(*_required_paths(model)).prefetch_related(*m2m)
        objects[name] = list(qs.order_by())
        for obj in objects[name]:
            effective[(name, obj.pk)] = int(policy.level_of(obj))
    above: dict[Any, Any] = {}
    fields: dict[Any, dict[str, str]] = {}
    levels: dict[Any, tuple[str, str, int]] = {}
    for model in _models():
        name = model.__name__
        required = {fk for fk, _ in policy.REQUIRED.get(name, ())}
        pointers = [
            f
            for f in model._meta.concrete_fields
            if f.is_relation and f.name not in required and f.related_model is not None
        ]
        m2m = [f.name for f in model._meta.many_to_many]
        concrete = [f.attname for f in model._meta.concrete_fields]
        for obj in objects[name]:
            key = (name, obj.pk)
            raw = {a: _plain(getattr(obj, a)) for a in concrete}
            lv = effective[key]
            if hasattr(obj, "visibility"):
                levels[key] = (
                    _plain(obj.visibility),
                    _plain(getattr(obj, "field_visibility", None)),
                    lv,
                )
            links = {rel: sorted(t.pk for t in getattr(obj, rel).all()) for rel in m2m}
            if lv > level:
                above[key] = {**raw, "links": links}
                continue
            for rel in m2m:
                target = getattr(obj, rel).model.__name__
                hidden = [i for i in links[rel] if effective.get((target, i), P) > level]
                if hidden:
                    above[("link", name, obj.pk, rel)] = hidden
            for f in pointers:
                target_id = getattr(obj, f.attname)
                target = f.related_model.__name__
                if target_id is not None and effective.get((target, target_id), P) > level:
                    above[("pointer", name, obj.pk, f.name)] = target_id
            if name in ("Person", "Case"):
                table = policy.TABLE_OF[name]
                overrides = obj.field_visibility or {}
                values = {}
                for column in TABLE[table].names:
                    if column == "field_visibility":
                        continue
                    if policy.field_level(table, column, overrides) <= level:
                        continue
                    if column in links:
                        values[column] = _plain(links[column])
                    else:
                        values[column] = raw.get(column, raw.get(f"{column}_id"))
                fields[key] = values
    User = get_user_model()
    holders = User.objects.filter(
        Q(user_permissions__codename="view_restricted")
        | Q(groups__permissions__codename="view_restricted")
        | Q(is_superuser=True)
    ).values_list("username", flat=True)
    return State(level, above, fields, levels, frozenset(holders))


BLANK = {'""', "null", "[]", "{}"}


def differences(before: State, after: State) -> list[str]:
    """What changed above ``before.level`` between two states (empty: nothing)."""
    level = before.level
    out = []
    for key in sorted(before.above.keys() | after.above.keys(), key=str):
        was, now = before.above.get(key), after.above.get(key)
        if was != now:
            if isinstance(was, dict) and isinstance(now, dict):
                was = {k: v for k, v in was.items() if now.get(k) != v}
                now = {k: now[k] for k in was}
            out.append(f"above {Level(level).label}: {key}: {was} -> {now}")
    for key, was in before.levels.items():
        now = after.levels.get(key)
        if now is not None and now != was:
            out.append(f"levels of {key}: {was} -> {now}")
    for key in after.levels.keys() - before.levels.keys():
        _vis, overrides, lv = after.levels[key]
        if lv > level:
            out.append(f"new record {key} at level {lv}, above {Level(level).label}")
        if key[0] in ("Person", "Case") and overrides != "{}":
            out.append(f"new record {key} with field levels {overrides}")
    for key in before.fields.keys() & after.fields.keys():
        if before.fields[key] != after.fields[key]:
            out.append(f"fields above level of {key}: {before.fields[key]} -> {after.fields[key]}")
    for key in after.fields.keys() - before.fields.keys():
        written = {k: v for k, v in after.fields[key].items() if v not in BLANK}
        if written:
            out.append(f"new record {key} holds fields above its writer's level: {written}")
    if before.holders != after.holders:
        out.append(f"restricted permission: {sorted(before.holders)} -> {sorted(after.holders)}")
    return out


def audit_leaks(allowed: tuple[str, ...] = ()) -> list[str]:
    """Audit rows holding a sentinel above internal (less the ``allowed`` strings: what
    the actor typed itself)."""
    from vigil.cases.models import AuditEvent

    out = []
    for e in AuditEvent.objects.order_by("id"):
        text = _plain([e.actor, e.action, e.target, e.detail])
        for a in allowed:
            text = text.replace(a, "")
        if HIDDEN_MARK in text:
            out.append(text)
    return out
