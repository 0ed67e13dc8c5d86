"""The read walk (issue 11): no read path shows anything above its reader's level.

Hypothesis builds random registries (:func:`tests.cases.test_visibility.registries`):
every record at a random level, random per-field overrides (a restricted field moved
down to public included), merged people, and a sentinel such as ``SNT-R-000042`` in
every text field, whose letter is the lowest reader level that may see it, worked out
from the rules independently of :mod:`vigil.cases.policy`. The library then edits,
postpones and merges through :mod:`vigil.cases.edits` and :mod:`vigil.cases.merge`, so
the audit trail holds before-and-after copies of sentinels at every level.

Then every read path is walked, as each role:

* **every URL pattern of the site's URLconf** (enumerated from it: a pattern the walk
  does not know fails :func:`test_every_url_pattern_is_walked`), with every ref and id
  of the registry as its parameters, visible or not, their CSV variants, searches and
  filters naming hidden records, as an anonymous reader, a viewer, an editor, an editor
  with the restricted permission, and an admin with and without it;
* **every CLI read command** (``vigil cases list|find|show|timeline|hearings|releases|
  diff-release|stats|duplicates|export|audit|user list``) at every ``--level``.

Each answer is searched: a sentinel above the reader's level is a leak. And where the
request itself names a record the reader may not see, the answer must be the one the
same request gets when that record does not exist (it is renamed away in a savepoint
and the request made again: the same status, address and body): no existence oracle.
The audit trail must hold no restricted sentinel at all (values above internal are
stored as keyed hashes), so the audit viewer and its CSV, read by an admin without the
restricted permission, show none.

:func:`test_the_walk_finds_a_leak` runs the same walk with the policy broken (anonymous
readers given the internal level) and checks that it fails: the walk can fail.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, Phase, find, given, note, settings
from hypothesis import strategies as st

from tests.cases.test_visibility import LEVEL_OF_LETTER, Expected, build, registries
from tests.cli_runner import vigil
from tests.web.test_editors import make_user, sign_in
from vigil.cases.levels import Level

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED
SENTINEL = re.compile(r"SNT-([PIR])-(\d{6})")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')

pytestmark = [pytest.mark.django_db]

WALK = settings(
    # 4 in `make test` (~1 min); VIGIL_WALK_EXAMPLES=30 for a longer search
    max_examples=int(os.environ.get("VIGIL_WALK_EXAMPLES", "4")),
    deadline=None,
    # an example takes seconds (hundreds of requests): report the failing registry as
    # drawn rather than spend an hour shrinking it
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# role -> (group, holds the restricted permission, level it reads at)
ROLES: dict[str, tuple[str | None, bool, Level]] = {
    "anonymous": (None, False, P),
    "viewer": ("viewer", False, INT),
    "editor": ("editor", False, INT),
    "editor+restricted": ("editor", True, R),
    "admin": ("admin", False, INT),
    "admin+restricted": ("admin", True, R),
}

# -- the URLconf ---------------------------------------------------------------------------


def url_patterns() -> list[tuple[str, str]]:
    """(name, route) of every pattern of the site, namespaced (``editors:person``)."""

    def walk(patterns: list[Any], prefix: str, ns: str) -> Iterator[tuple[str, str]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern):
                yield (f"{ns}:{p.name}" if ns else str(p.name)), prefix + str(p.pattern)

    return list(walk(get_resolver("vigil.web.urls").url_patterns, "", ""))


#: Patterns that only change things (POST): the write walk's business
#: (tests/web/test_write_walk.py); a GET to them is still walked and must leak nothing.
POST_ONLY = {
    "editors:logout",
    "editors:event-add",
    "editors:hearing-add",
    "editors:hearing-outcome",
    "editors:import-confirm",
    "editors:user-role",
    "editors:user-restricted",
    "editors:user-deactivate",
    "editors:user-reset-totp",
}
#: Territory pages and API: public derived data, no registry record (walked plainly).
TERRITORY = {
    "map",
    "figures",
    "brief",
    "chart",
    "chart-data",
    "api:snapshots",
    "api:area",
    "api:change",
    "api:series",
    "api:records",
    "api:regions",
    "api:boundaries",
    "api:settlements",
    "api:basemap",
    "api:places",
    "api:compare",
    "api:lag",
    "api:compare_map",
    "api:openapi-json",
    "api:openapi-view",
    "api:api-root",
}


@dataclass
class Keys:
    """Everything an attacker could put in an address: every key in the database."""

    people: list[str]
    cases: list[str]
    orgs: list[str]
    releases: list[str]
    events: list[int]
    hearings: list[int]
    names: list[str]
    users: list[str]
    alerts: list[int] = field(default_factory=list)

    @classmethod
    def read(cls) -> Keys:
        from django.contrib.auth.models import User

        from vigil.cases import models as m
        from vigil.watch.models import Alert

        return cls(
            people=sorted(m.Person.objects.values_list("ref", flat=True)),
            cases=sorted(m.Case.objects.values_list("ref", flat=True)),
            orgs=sorted(m.Organisation.objects.values_list("ref", flat=True)),
            releases=sorted(m.ListRelease.objects.values_list("ref", flat=True)),
            events=sorted(m.StatusEvent.objects.values_list("id", flat=True)),
            hearings=sorted(m.Hearing.objects.values_list("id", flat=True)),
            names=sorted(m.PersonName.objects.values_list("name", flat=True)),
            users=sorted(User.objects.values_list("username", flat=True)),
            alerts=sorted(Alert.objects.values_list("id", flat=True)),
        )


def _url(url_name: str, query: dict[str, Any] | None = None, /, **kwargs: Any) -> str:
    url = reverse(url_name, kwargs=kwargs or None)
    return f"{url}?{urlencode(query)}" if query else url


def _csv(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "format=csv"


def requests_for(name: str, k: Keys) -> list[str]:
    """The addresses the walk asks for one URL pattern (KeyError: not walked)."""
    some = k.names[:4]
    pairs = list(itertools.permutations(k.releases, 2))[:3]
    table: dict[str, Any] = {
        # public pages
        "cases-list": lambda: [
            _url(name),
            *(_url(name, {"q": n}) for n in some),
            *(_url(name, {"organisation": o}) for o in k.orgs),
            *(_url(name, {"designation": o}) for o in k.orgs),
            *(_url(name, {"release": r}) for r in k.releases),
            _url(name, {"status": "held", "on": "2024-07-01"}),
            _url(name, {"role": "defendant"}),
            _url(name, {"counted": "1", "on": "2026-06-01"}),
            _csv(_url(name)),
            *(_csv(_url(name, {"q": n})) for n in some[:2]),
            *(_csv(_url(name, {"organisation": o})) for o in k.orgs),
        ],
        "cases-person": lambda: [_url(name, ref=r) for r in k.people],
        "cases-case": lambda: [_url(name, ref=c) for c in k.cases],
        "cases-incidents": lambda: [_url(name), _url(name, {"from": "2026-03-02"})],
        "cases-stats": lambda: [
            _url(name, {"by": b}) for b in ("organisation", "charge", "status")
        ],
        "cases-stats-chart": lambda: [
            _url(name, {"by": "organisation"}, ext="svg"),
            _url(name, {"by": "organisation", "size": "narrow"}, ext="svg"),
        ],
        "cases-stats-data": lambda: [
            _url(name, {"by": b}) for b in ("organisation", "charge", "status")
        ],
        # the registry's lists, releases, differences and indexes (registry_views)
        "registry-lists": lambda: [_url(name)],
        "registry-list": lambda: [_url(name, org=o) for o in k.orgs],
        "registry-release": lambda: [
            u
            for o in k.orgs[:3]
            for r in k.releases
            for u in (_url(name, org=o, release=r), _csv(_url(name, org=o, release=r)))
        ],
        "registry-diff": lambda: [
            *(_url(name, org=o) for o in k.orgs[:3]),
            *(_url(name, {"from": a, "to": b}, org=o) for o in k.orgs[:3] for a, b in pairs),
            *(_csv(_url(name, {"from": a, "to": b}, org=o)) for o in k.orgs[:2] for a, b in pairs),
        ],
        "registry-cases": lambda: [
            _url(name),
            _csv(_url(name)),
            *(_url(name, {"q": n}) for n in some),
            *(_url(name, {"q": c}) for c in k.cases[:3]),
            _url(name, {"status": "in_court", "sort": "-defendants"}),
        ],
        "registry-organisations": lambda: [
            _url(name),
            _csv(_url(name)),
            *(_url(name, {"q": o}) for o in k.orgs),
            _url(name, {"status": "held", "sort": "-members"}),
        ],
        "registry-organisation": lambda: [_url(name, ref=o) for o in k.orgs],
        # the cases API (JSON and CSV)
        "api:people": lambda: [
            _url(name),
            _csv(_url(name)),
            *(_url(name, {"q": n}) for n in some),
            *(_url(name, {"organisation": o}) for o in k.orgs),
            *(_url(name, {"release": r}) for r in k.releases),
            _url(name, {"counted": "1"}),
            _url(name, {"role": "lawyer"}),
        ],
        "api:person": lambda: (
            [u for r in k.people for u in (_url(name, ref=r),)]
            + [_csv(_url(name, ref=r)) for r in k.people[:2]]
        ),
        "api:timeline": lambda: [_url(name, ref=r) for r in k.people],
        "api:find": lambda: (
            [_url(name, {"q": n, "limit": 50}) for n in some]
            + [_csv(_url(name, {"q": n})) for n in some[:1]]
        ),
        "api:case": lambda: (
            [_url(name, ref=c) for c in k.cases] + [_csv(_url(name, ref=c)) for c in k.cases[:1]]
        ),
        "api:hearings": lambda: [_url(name, ref=c) for c in k.cases],
        "api:release_diff": lambda: [_url(name, {"a": a, "b": b}) for a, b in pairs],
        "api:releases": lambda: [_url(name, org=o) for o in k.orgs],
        "api:incidents": lambda: [_url(name), _csv(_url(name))],
        "api:incident_counts": lambda: (
            [_url(name, {"by": b}) for b in ("month", "place")] + [_csv(_url(name))]
        ),
        "api:stats": lambda: (
            [_url(name, {"by": b}) for b in ("none", "organisation", "charge", "status")]
            + [_csv(_url(name, {"by": "organisation"}))]
        ),
        # the claims checker: sentences naming every person, at every level (a name the
        # reader may not see must match nothing)
        "check": lambda: [
            _url(
                name,
                {
                    "text": f"The trial of {n} has been postponed until 2 December.",
                    "as_of": "2026-11-20",
                },
            )
            for n in some
        ],
        "api:check": lambda: [
            *(
                _url(
                    name,
                    {
                        "text": f"The trial of {n} has been postponed until 2 December.",
                        "as_of": "2026-11-20",
                    },
                )
                for n in some
            ),
            *(
                _csv(_url(name, {"text": f"More than 300 political prisoners of {o} are held."}))
                for o in k.orgs[:1]
            ),
        ],
        # alerts and hearings (watch_views, watch_api): every alert by its id, the
        # feeds and the calendar (read as the public whoever asks)
        "alerts": lambda: [
            _url(name),
            *(_url(name, {"topic": t}) for t in ("territory", "cases", "system")),
            _url(name, {"kind": "walk"}),
            _url(name, {"kind": "fetch_failed"}),
        ],
        "alert": lambda: [_url(name, pk=a) for a in k.alerts],
        "alerts-territory-feed": lambda: [_url(name)],
        "alerts-cases-feed": lambda: [_url(name)],
        "hearings": lambda: [_url(name)],
        "hearings-feed": lambda: [_url(name)],
        "hearings-calendar": lambda: [_url(name)],
        # the scripts' words (docs/i18n.md): the same for every reader, in each language
        "javascript-catalog": lambda: [_url(name), "/uk/jsi18n/", "/az/jsi18n/"],
        "api:alerts_list": lambda: [
            _url(name),
            _url(name, {"topic": "cases", "current_only": "1"}),
            _url(name, {"topic": "system"}),
            _csv(_url(name)),
        ],
        "api:alert": lambda: [_url(name, alert_id=a) for a in k.alerts],
        "api:hearings_upcoming": lambda: [
            _url(name),
            _url(name, {"start": "2024-01-01"}),
            _csv(_url(name, {"start": "2024-01-01"})),
        ],
        # the editors' area
        "editors:dashboard": lambda: [_url(name)],
        "editors:login": lambda: [_url(name)],
        "editors:enrol": lambda: [_url(name)],
        "editors:people": lambda: [_url(name), *(_url(name, {"q": n}) for n in some)],
        "editors:person-new": lambda: [_url(name)],
        "editors:person": lambda: [_url(name, ref=r) for r in k.people],
        "editors:person-edit": lambda: [_url(name, ref=r) for r in k.people],
        "editors:event-correct": lambda: [_url(name, pk=e) for e in k.events],
        "editors:cases": lambda: [_url(name)],
        "editors:case-new": lambda: [_url(name)],
        "editors:case": lambda: [_url(name, ref=c) for c in k.cases],
        "editors:case-edit": lambda: [_url(name, ref=c) for c in k.cases],
        "editors:hearing-postpone": lambda: [_url(name, pk=h) for h in k.hearings],
        "editors:releases": lambda: [_url(name)],
        "editors:release-new": lambda: [_url(name)],
        "editors:release-edit": lambda: [_url(name, ref=r) for r in k.releases],
        "editors:import": lambda: [_url(name)],
        "editors:extract": lambda: [_url(name)],
        "editors:audit": lambda: [_url(name), _url(name, {"format": "csv"})],
        "editors:users": lambda: [_url(name)],
        "editors:user-new": lambda: [_url(name)],
        "editors:duplicates": lambda: [_url(name)],
        "editors:duplicate-merge": lambda: [
            _url(name, {"keep": a, "drop": b}) for a, b in itertools.permutations(k.people, 2)
        ][:6],
    }
    if name in POST_ONLY:
        kwargs: dict[str, Any] = {}
        route = dict(url_patterns())[name]
        if "<str:ref>" in route:
            kwargs["ref"] = k.people[0] if k.people else "X"
        if "<int:pk>" in route:
            kwargs["pk"] = (k.hearings or k.events or [1])[0]
        if "<str:name>" in route:
            kwargs["name"] = k.users[0]
        return [_url(name, **kwargs)]
    if name in TERRITORY:
        return []  # no registry data: walked once, outside the examples (see below)
    return table[name]()


# -- the roles ---------------------------------------------------------------------------


@pytest.fixture
def readers(db) -> dict[str, tuple[Client, Level]]:
    """A signed-in client per role (TOTP for editors and admins), and the anonymous one."""
    out = {}
    for role, (group, restricted, level) in ROLES.items():
        client = Client()
        if group is not None:
            user = make_user(role.replace("+", "-"), group, restricted=restricted)
            assert sign_in(client, user).status_code == 302, role
        out[role] = (client, level)
    return out


# -- checking an answer ---------------------------------------------------------------------


@dataclass
class Walk:
    ex: Expected
    paths: set[str] = field(default_factory=set)
    requests: int = 0
    compared: int = 0
    leaks: list[str] = field(default_factory=list)

    def level_of(self, sentinel: str) -> Level:
        return self.ex.sentinels.get(sentinel, LEVEL_OF_LETTER[sentinel[4]])

    def scan(self, where: str, asked: str, body: str, level: Level) -> None:
        """Every sentinel in ``body`` not named in the request ``asked`` must be at or
        below ``level``."""
        named = {m.group(0) for m in SENTINEL.finditer(asked)}
        for m in SENTINEL.finditer(body):
            text = m.group(0)
            if text not in named and self.level_of(text) > level:
                self.leaks.append(f"{where} at {level.label}: {text}")

    def hidden_in(self, asked: str, level: Level) -> list[str]:
        return [m.group(0) for m in SENTINEL.finditer(asked) if self.level_of(m.group(0)) > level]


_unused = itertools.count(900000)


#: Where a key an attacker can type lives (text fields holding sentinels).
KEY_FIELDS = (
    ("Person", "ref"),
    ("Case", "ref"),
    ("Organisation", "ref"),
    ("ListRelease", "ref"),
    ("Source", "ref"),
    ("PersonName", "name"),
)


@contextmanager
def vanished(sentinel: str) -> Iterator[None]:
    """The registry as it would be if the record named ``sentinel`` did not exist: the
    value renamed to something unrelated (saved, so that derived search keys follow),
    inside a savepoint rolled back after the block."""
    from vigil.cases import models as m

    with transaction.atomic():
        for model_name, column in KEY_FIELDS:
            for obj in getattr(m, model_name).objects.filter(**{column: sentinel}):
                setattr(obj, column, f"gone-{next(_unused)}-qzx")
                obj.save()
        yield
        transaction.set_rollback(True)


def _body(response: Any) -> str:
    data = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    return CSRF.sub("csrf", data.decode("utf-8", "replace"))


def _normal(response: Any, body: str) -> tuple[int, str, str]:
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    return response.status_code, location, body


def get(client: Client, url: str) -> Any:
    return client.get(url, HTTP_ACCEPT="*/*")


#: Who walks what. The public pages and the API depend on the reader's level alone:
#: walked at each level. The editors' pages also depend on the role: walked by a viewer
#: (internal, reads only), an admin without the restricted permission (internal, every
#: form and the audit trail) and an editor with it (restricted); the anonymous reader
#: and an editor without the permission try them too (sign-in redirects and 403s).
WALKERS = {
    "public": ("anonymous", "viewer", "editor+restricted"),
    "editors": ("viewer", "admin", "editor+restricted"),
    "editors-door": ("anonymous", "editor", "admin+restricted"),
}


def _group(name: str) -> str:
    return "editors" if name.startswith("editors:") else "public"


def walk_site(walk: Walk, readers: dict[str, tuple[Client, Level]]) -> None:
    keys = Keys.read()
    for name, _route in url_patterns():
        urls = requests_for(name, keys)
        walk.paths.add(name)
        roles = WALKERS[_group(name)]
        if _group(name) == "editors":
            # the other roles knock once per page: what they get must leak nothing
            for role in WALKERS["editors-door"]:
                if role in readers and urls:
                    walk_one(walk, name, urls[-1], *readers[role], role)
        for role in roles:
            if role in readers:
                for url in urls:
                    walk_one(walk, name, url, *readers[role], role)


def walk_one(walk: Walk, name: str, url: str, client: Client, level: Level, role: str) -> None:
    """GET ``url`` as ``role``: no sentinel above ``level`` in the answer; and when the
    address names a record above ``level``, the same answer as for a missing one."""
    response = get(client, url)
    walk.requests += 1
    body = _body(response)
    where = f"{role} GET {url} ({response.status_code})"
    walk.scan(where, url, body, level)
    if name == "editors:audit":
        return  # free-text filters over the trail, which holds nothing above internal
    for hidden in walk.hidden_in(url, level):
        with vanished(hidden):
            again = get(client, url)
        walk.compared += 1
        mine, theirs = _normal(response, body), _normal(again, _body(again))
        if mine != theirs:
            walk.leaks.append(
                f"{where}: answers otherwise than if {hidden} did not exist "
                f"({mine[0]} vs {theirs[0]})"
            )


CLI_LEVELS = (P, INT, R)


def walk_cli(walk: Walk, capsys: Any) -> None:
    keys = Keys.read()
    commands: list[tuple[str, ...]] = [
        ("list",),
        ("duplicates",),
        *(("stats", "--by", b) for b in ("none", "organisation", "charge", "status")),
        *(("find", n) for n in keys.names[:4]),
        *(("show", r) for r in keys.people),
        *(("timeline", r) for r in keys.people),
        *(("hearings", c) for c in keys.cases),
        *(("releases", o) for o in keys.orgs),
        *(("diff-release", a, b) for a, b in list(itertools.permutations(keys.releases, 2))[:2]),
    ]
    for level in CLI_LEVELS:
        for command in commands:
            args = ("cases", *command, "--level", level.label, "-f", "json")
            run = vigil(capsys, *args)
            walk.requests += 1
            assert "Traceback" not in run.err, (args, run.err)
            asked = " ".join(command)
            where = f"vigil {' '.join(args)}"
            walk.scan(where, asked, run.out + run.err, level)
            for hidden in walk.hidden_in(asked, level):
                with vanished(hidden):
                    again = vigil(capsys, *args)
                walk.compared += 1
                if (run.code, run.out + run.err) != (again.code, again.out + again.err):
                    walk.leaks.append(f"{where}: answers otherwise than if {hidden} did not exist")
        export = vigil(capsys, "cases", "export", "--level", level.label)
        walk.requests += 1
        walk.scan(f"vigil cases export --level {level.label}", "", export.out, level)
    # The audit trail, as the operator reads it: nothing above internal at all.
    for args in (("cases", "audit", "--last", "100000", "-f", "json"), ("cases", "user", "list")):
        run = vigil(capsys, *args)
        walk.requests += 1
        walk.scan(f"vigil {' '.join(args)}", "", run.out + run.err, INT)


# -- writes that fill the audit trail --------------------------------------------------


def edit_through_the_library(ex: Expected, data: Any) -> None:
    """Edits, a postponement and a merge by the operator: each copies sentinels of
    every level into the audit trail (masked above internal)."""
    from vigil.cases import edits, merge, policy
    from vigil.cases import models as m

    operator = policy.Actor.operator_at(name="walker")
    columns = {identity: cols for _lv, identity, cols in ex.rows.get("people", [])}
    people = list(
        m.Person.objects.filter(merged_into__isnull=True, names__isnull=False)
        .distinct()
        .order_by("id")
    )
    for p in people[:3]:
        cols = columns[p.ref]
        fields = {f: ex.sentinel(cols[f]) for f in ("occupation", "notes", "contacts")}
        edits.save_person(operator, p.ref, fields=fields)
    hearing_levels = {identity: lv for lv, identity, _c in ex.rows.get("hearings", [])}
    scheduled = m.Hearing.objects.filter(outcome="scheduled").order_by("id").first()
    if scheduled is None:
        h = m.Hearing.objects.order_by("id").first()
        if h is not None:
            scheduled = m.Hearing.objects.create(
                case=h.case, date="2025-01-10", kind=h.kind, visibility=h.visibility
            )
    if scheduled is not None:
        level = hearing_levels.get(scheduled.kind, R)
        edits.postpone_hearing(
            operator, scheduled.pk, reason=ex.sentinel(level), next_date="2025-02-03"
        )
    if len(people) >= 2:
        keep, drop = data.draw(st.permutations(people))[:2]
        merge.merge(keep.ref, drop.ref, actor=operator)


#: The text columns an alert may rest on, per table of the random registry (model, columns).
ALERT_REFS = {
    "cases": ("Case", ("title", "number", "summary", "lawyer_notes")),
    "people": ("Person", ("occupation", "notes", "contacts")),
    "hearings": ("Hearing", ("date", "postponement_reason", "notes")),
    "releases": ("ListRelease", ("title",)),
}


def _ref_record(table: str, identity: Any) -> Any:
    from vigil.cases import models as m

    if table == "hearings":  # a postponement copies the kind into the next hearing
        return m.Hearing.objects.filter(kind=identity).order_by("id").first()
    model = {"cases": m.Case, "people": m.Person, "releases": m.ListRelease}[table]
    return model.objects.filter(ref=identity).first()


def make_alerts(ex: Expected, data: Any) -> None:
    """Alerts resting on the random registry's records (drawn with their columns and
    their own level), some corrected by an alert resting on other records, and an
    internal system alert; each one's title and body hold a sentinel whose level is
    the lowest reader that may see every record and column it rests on and its own
    level (worked out from the registry's expected levels, not by the rule). Future
    hearings too, so that the calendar and its feeds have something to show."""
    from vigil.cases import models as m
    from vigil.watch.alerts import Candidate, record

    tables = [t for t in ALERT_REFS if ex.rows.get(t)]
    if not tables:
        return
    # a scheduled hearing ahead in every case, at a drawn level
    for k, (case_level, ref, _cols) in enumerate(ex.rows.get("cases", [])):
        level = data.draw(st.sampled_from([P, INT, R]), label="future hearing")
        row_level = max(level, case_level)
        kind = ex.sentinel(row_level)
        ex.row("hearings", row_level, kind)
        case = m.Case.objects.get(ref=ref)
        m.Hearing.objects.create(
            case=case, date=f"2099-0{k % 9 + 1}-1{k % 9}", kind=kind, visibility=level
        )
    ref = st.sampled_from(tables).flatmap(
        lambda t: st.tuples(
            st.just(t),
            st.integers(0, len(ex.rows[t]) - 1),
            st.sampled_from(ALERT_REFS[t][1]),
        )
    )
    wanted = data.draw(
        st.lists(
            st.tuples(st.sampled_from([P, INT, R]), st.lists(ref, min_size=1, max_size=2)),
            min_size=1,
            max_size=6,
        ),
        label="alerts",
    )

    def candidate(n: int, version: int, level: Level, refs: list[Any]) -> Candidate:
        lowest, made = level, []
        for table, i, column in refs:
            row_level, identity, columns = ex.rows[table][i]
            obj = _ref_record(table, identity)
            if obj is None:
                continue
            lowest = max(lowest, row_level, columns[column])
            made.append((ALERT_REFS[table][0], obj.pk, (column,)))
        text = ex.sentinel(lowest)
        return Candidate(
            key=f"cases:walk:{n}",
            topic=data.draw(st.sampled_from(["territory", "cases"]), label="topic"),
            kind="walk",
            title=f"Alert {text}",
            body=f"Rests on {text}",
            figures={"n": n, "version": version},
            refs=tuple(made),
            level=level,
        )

    first = [candidate(n, 0, level, refs) for n, (level, refs) in enumerate(wanted)]
    record(first)
    again = data.draw(st.lists(st.sampled_from(range(len(wanted))), max_size=3, unique=True))
    later = [
        candidate(
            n,
            1,
            data.draw(st.sampled_from([P, INT, R])),
            data.draw(st.lists(ref, min_size=1, max_size=2)),
        )
        for n in again
    ]
    record(later)
    text = ex.sentinel(INT)
    record(
        [
            Candidate(
                key="system:fetch_failed:walk",
                topic="system",
                kind="fetch_failed",
                title=f"Fetch failed: {text}",
                level=INT,
            )
        ]
    )


def audit_holds_nothing_restricted(walk: Walk) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT actor, action, target, detail FROM cases_auditevent")
        text = json.dumps(cursor.fetchall(), ensure_ascii=False)
    walk.scan("the audit table", "", text, INT)


# -- the tests --------------------------------------------------------------------------------

NO_STORE = override_settings(VIGIL_STORE="/nonexistent/vigil-walk.sqlite")


def test_every_url_pattern_is_walked() -> None:
    """A pattern the walk does not know fails here: a new page or endpoint must be added
    to :func:`requests_for` (with the keys it takes) before it can land."""
    keys = Keys(["P"], ["C"], ["O"], ["R1", "R2"], [1], [1], ["N"], ["u"])
    unknown = []
    for name, route in url_patterns():
        try:
            requests_for(name, keys)
        except KeyError:
            unknown.append(f"{name} ({route})")
    assert not unknown, f"URL patterns the read walk does not cover: {unknown}"


@NO_STORE
def test_territory_pages_hold_no_registry_data(db, readers) -> None:
    """The territory pages and API (no store here: their 'unavailable' answers) as every
    role: no registry value can be in them, whatever the registry holds."""
    from vigil.cases import models as m

    m.Person.objects.create(ref="SNT-R-000001", visibility=2, notes="SNT-R-000002")
    walk = Walk(Expected())
    for name, route in url_patterns():
        if name not in TERRITORY:
            continue
        kwargs = {}
        if "<slug:name>" in route:
            kwargs = {"name": "weekly", "ext": "png"} if "ext" in route else {"name": "weekly"}
        for role, (client, level) in readers.items():
            response = get(client, reverse(name, kwargs=kwargs or None))
            assert response.status_code < 500 or response.status_code == 503, (name, role)
            walk.scan(f"{role} {name}", "", _body(response), level)
    assert not walk.leaks, walk.leaks


@NO_STORE
@WALK
@given(spec=registries(), data=st.data())
def test_no_read_path_shows_anything_above_its_reader(db, readers, capsys, spec, data):
    note(f"registry: {spec}")
    with transaction.atomic():
        ex = build(spec)
        edit_through_the_library(ex, data)
        make_alerts(ex, data)
        walk = Walk(ex)
        walk_site(walk, readers)
        walk_cli(walk, capsys)
        audit_holds_nothing_restricted(walk)
        STATS.append((len(walk.paths), walk.requests, walk.compared, len(ex.sentinels)))
        if os.environ.get("VIGIL_WALK_REPORT"):
            with capsys.disabled():
                _paths, requests, compared, planted = (sum(x) for x in zip(*STATS, strict=True))
                print(
                    f"\nwalk: {len(STATS)} registries, {len(walk.paths)} URL patterns, "
                    f"{requests} requests and commands, {compared} hidden-vs-absent "
                    f"comparisons, {planted} sentinels planted, {len(walk.leaks)} leaks"
                )
        transaction.set_rollback(True)
    assert not walk.leaks, "\n".join(walk.leaks[:20])


STATS: list[tuple[int, int, int, int]] = []


@NO_STORE
def test_the_walk_finds_a_leak(db, readers, capsys, monkeypatch) -> None:
    """The walk can fail: with anonymous readers given the internal level, it must
    report leaks (and the walk above ran with the real policy)."""
    from vigil.cases import policy

    real = policy.Actor.for_user.__func__

    def broken(cls, user):
        found = real(cls, user)
        if found.level == P:
            return policy.Actor(level=INT, name=found.name)
        return found

    monkeypatch.setattr(policy.Actor, "for_user", classmethod(broken))
    # the smallest registry with an internal person who has a name
    spec = find(
        registries(),
        lambda s: (
            any(p["level"] == INT and p["merged_into"] is None for p in s["people"])
            and any(s["people"][i]["level"] == INT for i, _lv in s["names"])
        ),
    )
    with transaction.atomic():
        ex = build(spec)
        walk = Walk(ex)
        walk_site(walk, {"anonymous": readers["anonymous"]})
        transaction.set_rollback(True)
    assert walk.leaks, "the walk found no leak with a broken policy: it cannot fail"
    assert any("SNT-I-" in leak for leak in walk.leaks)
