"""The cases registry's public pages and JSON API, with Django's test client on the demo
registry (data/cases-demo) plus a few hidden records of our own.

The attacks: an anonymous reader must find no internal or restricted value anywhere
(every such value of the registry is collected through the ORM and looked for in every
page and every API answer); hidden people and cases are a 404 identical to an unknown
ref (no existence oracle, no IDOR through refs or database ids); a level in the query
changes nothing; names holding HTML or script are escaped in pages and JSON; a source
address ``javascript:…`` is never a link. And the pages work: mixed scripts, search
across scripts, filters, pagination, the chart, and a bad parameter is a 400 with a
message, never a 500. Nothing inline (the CSP forbids it).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.web.conftest import page_body

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "cases-demo"
TEMPLATES = REPO / "src" / "vigil" / "web" / "templates" / "web" / "cases"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SCRIPT_NAME = "<script>alert(1)</script>"
IMG_NAME = '"><img src=x onerror=alert(1)>'
SECRET_MARK = "SENTINEL-HIDDEN"

pytestmark = pytest.mark.urls("tests.web.cases_urls")


# -- the registry ------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(db):
    """The demo registry, and hidden records of every kind the public must not see."""
    from vigil.cases import models as m
    from vigil.cases.importers import import_file

    import_file(DEMO / "prisoners.csv", DEMO / "prisoners.mapping.toml")
    import_file(DEMO / "registry.json")

    public = m.Person.objects.get(ref="VRW-001")
    secret_org = m.Organisation.objects.create(
        ref="ORG-HIDDEN", name=f"{SECRET_MARK} organisation", kind="ngo", visibility=1
    )
    m.Affiliation.objects.create(
        person=public, organisation=secret_org, role=f"{SECRET_MARK} role", visibility=1
    )
    hidden = m.Person.objects.create(
        ref="HIDDEN-P1", visibility=1, occupation=f"{SECRET_MARK} occupation"
    )
    m.PersonName.objects.create(person=hidden, name="Gizli Şəxsiyyət Sentinel", language="az-Latn")
    m.StatusEvent.objects.create(person=hidden, kind="arrested", date="2026-03-03")
    # A hidden name of a public person, an internal designation and list entry.
    m.PersonName.objects.create(
        person=public, name="Sentinelov Alias", language="en", kind="alias", visibility=1
    )
    vrw = m.Organisation.objects.get(ref="VRW")
    m.Designation.objects.create(
        person=hidden, organisation=vrw, criteria=f"{SECRET_MARK} criteria", visibility=1
    )
    release = m.ListRelease.objects.get(ref="R-VRW-2026-10")
    m.ListEntry.objects.create(release=release, person=hidden, category=f"{SECRET_MARK} category")
    hidden_case = m.Case.objects.create(
        ref="HIDDEN-C1", number="9-999/2026", title=f"{SECRET_MARK} case", visibility=1
    )
    article = m.LegalArticle.objects.create(country="XV", code="Secret Code", article="777.7")
    hidden_case.articles.add(article)
    m.CaseParticipant.objects.create(case=hidden_case, person=public, role="defendant")
    m.Hearing.objects.create(
        case=hidden_case, date="2026-12-01", kind="trial", postponement_reason=SECRET_MARK
    )
    # A restricted source on a public event of a public person.
    source = m.Source.objects.create(
        ref="S-HIDDEN", title=f"{SECRET_MARK} source", url="https://example.org/secret"
    )
    source.visibility = 2
    source.save()
    event = m.StatusEvent.objects.filter(person=public).first()
    event.sources.add(source)
    return m


def _level_of(obj: Any) -> int:
    return int(getattr(obj, "visibility", 0))


def hidden_values(m: Any) -> set[str]:
    """Every internal or restricted value in the registry (text long enough to look for
    without false alarms: birth years and the like are checked by their field names)."""
    from vigil.cases.levels import Level
    from vigil.cases.policy import field_level

    values: set[str] = set()

    def add(*texts: Any) -> None:
        for t in texts:
            if t is not None and len(str(t).strip()) >= 6:
                values.add(str(t).strip())

    for p in m.Person.objects.all():
        for name in ("sex", "birth_date", "occupation", "photo", "notes", "contacts"):
            if field_level("people", name, p.field_visibility) > Level.PUBLIC or p.visibility:
                add(getattr(p, name))
        if p.visibility:
            add(p.ref, *(n.name for n in p.names.all()))
    for n in m.PersonName.objects.filter(visibility__gt=0):
        add(n.name)
    for c in m.Case.objects.all():
        for name in ("number", "title", "summary", "lawyer_notes"):
            if field_level("cases", name, c.field_visibility) > Level.PUBLIC or c.visibility:
                add(getattr(c, name))
        if c.visibility:
            add(c.ref, *(str(a) for a in c.articles.all()))
    for s in m.Source.objects.all():
        add(s.notes)
        if s.visibility:
            add(s.ref, s.title, s.url, s.file_name, s.sha256)
    for model in (m.Organisation, m.StatusEvent, m.Hearing):
        for obj in model.objects.all():
            add(obj.notes)
    for o in m.Organisation.objects.filter(visibility__gt=0):
        add(o.ref, o.name, o.short_name)
    for a in m.Affiliation.objects.filter(visibility__gt=0):
        add(a.role)
    for d in m.Designation.objects.filter(visibility__gt=0):
        add(d.criteria)
    for e in m.ListEntry.objects.filter(person__visibility__gt=0):
        add(e.category)
    for h in m.Hearing.objects.filter(case__visibility__gt=0):
        add(h.postponement_reason)
    # A hidden value that a public one says too is no secret ("30 days of administrative
    # detention." is a hearing's internal note and part of the case's public summary).
    public = [
        str(getattr(c, name))
        for c in m.Case.objects.filter(visibility=0)
        for name in ("title", "summary")
        if field_level("cases", name, c.field_visibility) == Level.PUBLIC
    ]
    return {v for v in values if not any(v in text for text in public)}


# -- helpers -----------------------------------------------------------------------------------
class Tags(HTMLParser):
    """Every tag with its attributes, and the text of each <script>."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_nothing_inline(html: str) -> None:
    page = Tags(html)
    for tag, attrs in page.tags:
        assert tag != "style", "inline <style>"
        assert "style" not in attrs, f"style attribute on <{tag}>"
        assert not [a for a in attrs if a.startswith("on")], f"event handler on <{tag}>"
        if tag == "script":
            assert attrs.get("src") or attrs.get("type") == "application/json", "inline script"
        for name in ("href", "src", "action"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith("javascript:"), f"{name}={value!r} on <{tag}>"


def get(client: Client, url: str, status: int = 200, **extra: Any):
    response = client.get(url, **extra)
    assert response.status_code == status, (url, response.status_code, response.content[:500])
    return response


def text(response) -> str:
    return response.content.decode("utf-8")


def assert_no_secret(body: str, secrets: set[str], where: str) -> None:
    leaked = sorted(s for s in secrets if s in body)
    assert not leaked, f"{where} shows hidden values: {leaked}"


def public_urls(m: Any) -> tuple[list[str], list[str]]:
    """Every page and API answer an anonymous reader can reach in the demo."""
    people = list(
        m.Person.objects.filter(visibility=0, merged_into__isnull=True).values_list(
            "ref", flat=True
        )
    )
    cases = list(m.Case.objects.filter(visibility=0).values_list("ref", flat=True))
    pages = [
        "/prisoners/",
        "/prisoners/?q=Rashad",
        "/prisoners/?q=Рашад+Гюльбейли",
        "/prisoners/?q=Sentinel",
        "/prisoners/?release=R-VRW-2026-10",
        "/prisoners/?designation=VRW",
        "/prisoners/?status=deprived&on=2026-11-01",
        "/prisoners/stats/",
        "/prisoners/stats/?by=charge",
        "/prisoners/stats/?by=status&freq=week&from=2026-01-01&to=2026-11-01",
        "/prisoners/stats/data.csv",
        "/prisoners/stats/data.csv?by=charge",
        "/prisoners/stats/chart.svg",
        *(f"/prisoners/{ref}/" for ref in people),
        *(f"/cases/{ref}/" for ref in cases),
    ]
    api = [
        "/api/cases/people",
        "/api/cases/people?q=Sentinel",
        "/api/cases/people?format=csv",
        "/api/cases/find?q=Sentinel",
        "/api/cases/find?q=Gizli",
        "/api/cases/find?q=Aydın+Sərtoğlu",
        "/api/cases/releases/VRW",
        "/api/cases/releases/diff?a=R-VRW-2026-06&b=R-VRW-2026-10",
        "/api/cases/stats?by=organisation",
        "/api/cases/stats?by=charge",
        "/api/cases/stats?on=2026-11-01&by=organisation",
        *(f"/api/cases/people/{ref}" for ref in people),
        *(f"/api/cases/people/{ref}/timeline" for ref in people),
        *(f"/api/cases/cases/{ref}" for ref in cases),
        *(f"/api/cases/cases/{ref}/hearings" for ref in cases),
    ]
    return pages, api


# -- confidentiality -----------------------------------------------------------------------------
def test_anonymous_sees_no_internal_or_restricted_value_anywhere(demo):
    secrets = hidden_values(demo)
    # The collection found what the demo hides (sanity of the test itself).
    for expected in (
        "həyat yoldaşı Fəridə, +000 55 000 00 01",  # family contacts (restricted)
        "+000 55 000 01 01",  # a lawyer's contacts, moved to internal
        "Aydın Sərtoğlu",  # the internal judge
        "Two defendants report pressure to testify against the chairman; next prison visit "
        "on 20 November.",  # lawyer's notes
        "Copy obtained from the defence; not for publication.",  # a source's notes
        "Lawyer's letter on Rəşad Gülbəyli's health",  # a restricted source
        "Two months of pre-trial detention.",  # an internal event's notes
        "1968-04-12",  # a birth date (internal)
    ):
        assert expected in secrets, expected
    client = Client()
    pages, api = public_urls(demo)
    for url in pages:
        response = get(client, url)
        body = text(response)
        assert_no_secret(body, secrets, url)
        if response["Content-Type"].startswith("text/html"):
            assert "Born" not in body and "Contacts" not in body and "Notes" not in body, url
            assert_nothing_inline(body)
    for url in api:
        body = text(get(client, url))
        assert_no_secret(body, secrets, url)
        decoded = json.dumps(json.loads(body), ensure_ascii=False) if "csv" not in url else body
        assert_no_secret(decoded, secrets, url)
        for key in ('"birth_date"', '"notes"', '"contacts"', '"lawyer_notes"', "field_visibility"):
            assert key not in body, (url, key)


def test_hidden_records_are_the_same_404_as_unknown_ones(demo):
    client = Client()
    hidden_pk = demo.Person.objects.get(ref="HIDDEN-P1").pk
    unknown = page_body(text(get(client, "/prisoners/NO-SUCH-REF/", 404)))
    for url in (
        "/prisoners/VRW-J01/",  # the internal judge
        "/prisoners/HIDDEN-P1/",
        f"/prisoners/%23{hidden_pk}/",  # a database id is no ref
        f"/prisoners/{hidden_pk}/",
    ):
        assert page_body(text(get(client, url, 404))) == unknown, url
    assert page_body(text(get(client, "/cases/HIDDEN-C1/", 404))) == page_body(
        text(get(client, "/cases/NOPE/", 404))
    )
    # The API: same status and message (the key asked for is echoed, nothing else).
    for kind, hidden, path in (
        ("person", "VRW-J01", "/api/cases/people/{}"),
        ("person", "HIDDEN-P1", "/api/cases/people/{}/timeline"),
        ("case", "HIDDEN-C1", "/api/cases/cases/{}/hearings"),
        ("case", "HIDDEN-C1", "/api/cases/cases/{}"),
    ):
        a = get(client, path.format(hidden), 404).json()
        b = get(client, path.format("NOPE"), 404).json()
        assert a["error"]["message"].replace(hidden, "X") == b["error"]["message"].replace(
            "NOPE", "X"
        ), kind
        assert a["error"]["parameter"] == "ref"
    a = get(client, "/api/cases/releases/ORG-HIDDEN", 404).json()
    b = get(client, "/api/cases/releases/ORG-NOPE", 404).json()
    assert a["error"]["message"].replace("ORG-HIDDEN", "X") == b["error"]["message"].replace(
        "ORG-NOPE", "X"
    )


def test_a_level_in_the_query_changes_nothing(demo):
    client = Client()
    for url in ("/prisoners/VRW-001/", "/api/cases/people/VRW-001"):
        plain = page_body(text(get(client, url)))
        for trick in ("?level=restricted", "?level=2", "?VIGIL_LEVEL=restricted"):
            assert page_body(text(get(client, url + trick))) == plain
    get(client, "/prisoners/VRW-J01/?level=restricted", 404)
    get(client, "/api/cases/people/VRW-J01?level=internal", 404)


def test_hidden_filter_values_are_not_offered_and_are_refused_like_unknown_ones(demo):
    client = Client()
    body = text(get(client, "/prisoners/"))
    assert "ORG-HIDDEN" not in body and "777.7" not in body
    for param, hidden, unknown in (
        ("organisation", "ORG-HIDDEN", "ORG-NOPE"),
        ("charge", "Secret Code 777.7", "Secret Code 778.8"),
    ):
        a = get(client, f"/prisoners/?{param}={hidden}", 400)
        b = get(client, f"/prisoners/?{param}={unknown}", 400)
        assert text(a).replace(hidden, "X") == text(b).replace(unknown, "X")
        a = get(client, f"/api/cases/people?{param}={hidden}", 400).json()
        b = get(client, f"/api/cases/people?{param}={unknown}", 400).json()
        assert a["error"]["parameter"] == param
        assert a["error"]["message"].replace(hidden, "X") == b["error"]["message"].replace(
            unknown, "X"
        )


def test_a_signed_in_team_member_reads_more_and_nothing_is_cached_publicly(demo):
    from django.contrib.auth.models import Group, Permission, User

    viewer = User.objects.create_user("viewer1", password="a long passphrase 1")
    viewer.groups.add(Group.objects.get(name="viewer"))
    client = Client()
    client.force_login(viewer)
    response = get(client, "/prisoners/VRW-J01/")
    assert "Aydın Sərtoğlu" in text(response)
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    body = text(get(client, "/prisoners/VRW-001/"))
    assert "partiya sədri" in body  # internal notes
    assert "+000 55 000 00 01" not in body  # contacts stay restricted
    api = get(client, "/api/cases/people/VRW-001").json()
    assert "notes" in api and "contacts" not in api

    reader = User.objects.create_user("reader1", password="a long passphrase 2")
    reader.groups.add(Group.objects.get(name="viewer"))
    reader.user_permissions.add(Permission.objects.get(codename="view_restricted"))
    client = Client()
    client.force_login(reader)
    assert "+000 55 000 00 01" in text(get(client, "/prisoners/VRW-001/"))
    audit = demo.AuditEvent.objects.filter(action="view-restricted", target="person:VRW-001")
    assert audit.filter(actor__contains="reader1").exists()
    # Counts are cached per level: the public's never serve a team member, nor back.
    hidden = demo.Person.objects.get(ref="HIDDEN-P1")
    public = text(get(Client(), "/prisoners/stats/data.csv?from=2026-04-01&to=2026-04-01"))
    team = text(get(client, "/prisoners/stats/data.csv?from=2026-04-01&to=2026-04-01"))
    assert int(team.splitlines()[1].split(",")[1]) == int(public.splitlines()[1].split(",")[1]) + 1
    assert text(get(Client(), "/prisoners/stats/data.csv?from=2026-04-01&to=2026-04-01")) == public
    assert hidden.visibility == 1

    editor = User.objects.create_user("editor1", password="a long passphrase 3")
    editor.groups.add(Group.objects.get(name="editor"))
    client = Client()
    client.force_login(editor)  # no second factor: reads as the public
    get(client, "/prisoners/VRW-J01/", 404)


# -- injection -------------------------------------------------------------------------------
def test_names_with_markup_are_escaped_in_pages_and_json(demo):
    m = demo
    evil = m.Person.objects.create(ref="EVIL-1")
    m.PersonName.objects.create(person=evil, name=SCRIPT_NAME, language="en")
    m.PersonName.objects.create(
        person=evil, name=IMG_NAME, language='en" onmouseover="x', kind="alias"
    )
    m.StatusEvent.objects.create(person=evil, kind="arrested", date="2026-01-05", place=IMG_NAME)
    evil_case = m.Case.objects.create(ref="EVIL-C", title=SCRIPT_NAME, summary=IMG_NAME)
    m.CaseParticipant.objects.create(case=evil_case, person=evil, role="defendant")
    source = m.Source.objects.create(ref="S-EVIL", title="click me", url="javascript:alert(1)")
    source.visibility = 0
    source.save()
    m.StatusEvent.objects.get(person=evil).sources.add(source)
    client = Client()
    for url in (
        "/prisoners/",
        "/prisoners/?q=alert",
        f"/prisoners/?q={IMG_NAME}",
        "/prisoners/EVIL-1/",
        "/cases/EVIL-C/",
    ):
        body = text(get(client, url))
        assert SCRIPT_NAME not in body and IMG_NAME not in body, url
        # the attack may appear escaped in the search box, or URL-encoded in the links that
        # keep the search (the CSV download, "only the counted"), never as markup
        harmless = body.replace("onerror=alert", "").replace("onerror%3Dalert", "")
        assert "<img src=x" not in body and "onerror" not in harmless, url
        assert_nothing_inline(body)
    body = text(get(client, "/prisoners/EVIL-1/"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "click me" in body and "javascript:" not in body
    for url in (
        "/api/cases/people/EVIL-1",
        "/api/cases/people",
        "/api/cases/find?q=alert",
        "/api/cases/cases/EVIL-C",
    ):
        response = get(client, url)
        raw = text(response)
        assert "<" not in raw and ">" not in raw, url
        assert response["Content-Type"] == "application/json"
        assert response["X-Content-Type-Options"] == "nosniff"
    record = get(client, "/api/cases/people/EVIL-1").json()
    assert {n["name"] for n in record["names"]} == {SCRIPT_NAME, IMG_NAME}
    assert record["sources"][0]["url"] == ""  # not a link


# -- what the pages show -------------------------------------------------------------------------
def test_person_page_mixes_scripts_with_language_tags(demo):
    response = get(Client(), "/prisoners/VRW-001/")
    assert response["Content-Type"] == "text/html; charset=utf-8"
    body = text(response)
    for name, lang in (
        ("Rəşad Gülbəyli", "az-Latn"),
        ("Рашад Гюльбейли", "ru-Cyrl"),
        ("Rashad Gulbeyli", "en"),
    ):
        assert f'<bdi lang="{lang}">{name}</bdi>' in body  # isolated: bidi-safe
    assert "arrested" in body and "2026-06-01" in body  # status and timeline
    assert "The AVB case" in body and 'href="/cases/AVB-2026/"' in body
    assert "PACE 2012 definition" in body and "Political prisoners in Veloria — June 2026" in body
    assert 'href="https://example.org/news/avb-rally"' in body  # a public source
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert 'aria-current="page">Prisoners</a>' in body


def test_case_page_shows_the_postponement_chain(demo):
    # as the demo knew it (the hearing of 2 December is the next one until that day)
    body = text(get(Client(), "/cases/AVB-2026/?on=2026-11-25"))
    assert "postponed 4 times since August 2026; next hearing 2 December 2026" in body
    assert "the presiding judge is on leave" in body
    for name in ("Rəşad Gülbəyli", "Elçin Şirinqulu", "Kəmalə Dərəbəyli"):
        assert name in body
    assert "Criminal Code 283.1" in body and "Criminal Code 220.1" in body
    assert "Aydın" not in body  # the internal judge
    assert "S-COURT-214" not in body and "avb-2026-minutes.pdf" not in body
    assert "Rəşad Gülbəyli" in text(get(Client(), "/cases/AVB-2026/?on=2026-12-03"))
    assert "on:" in text(get(Client(), "/cases/AVB-2026/?on=soon", 400))


def test_search_finds_across_scripts(demo):
    client = Client()
    for query in ("Рашад Гюльбейли", "Rashad Gulbeyli", "Rəşad Gülbəyli", "Gülbəyli"):
        body = text(get(client, f"/prisoners/?q={query}"))
        assert 'href="/prisoners/VRW-001/"' in body, query
    body = text(get(client, "/prisoners/?q=Рашад Гюльбейли"))
    assert 'href="/prisoners/VRW-002/"' not in body
    hits = get(client, "/api/cases/find?q=Рашад Гюльбейли").json()
    assert hits[0]["ref"] in ("VRW-001", "VRW-013") and "VRW-001" in {h["ref"] for h in hits}
    assert set(hits[0]) == {"ref", "name", "matched", "language", "score"}


def _refs(body: str) -> set[str]:
    return set(re.findall(r'href="/prisoners/([^"/]+)/"', body)) - {"stats", "incidents", "lists"}


def test_filters(demo):
    client = Client()
    october = _refs(text(get(client, "/prisoners/?release=R-VRW-2026-10")))
    assert october == {f"VRW-{i:03d}" for i in (1, 2, 3, 5, 7, 8, 9, 10)}
    charged = _refs(text(get(client, "/prisoners/?charge=Criminal+Code+206.3.2")))
    assert charged == {"VRW-002", "VRW-009", "VRW-010"}
    held = _refs(text(get(client, "/prisoners/?status=held&on=2026-06-20")))
    assert "VRW-001" in held and "VRW-005" not in held  # house arrest since 15 June
    deprived = _refs(text(get(client, "/prisoners/?status=deprived&on=2026-06-20")))
    assert "VRW-005" in deprived
    party = demo.Organisation.objects.get(kind="party")
    members = _refs(text(get(client, f"/prisoners/?organisation={party.ref or party.name}")))
    assert "VRW-001" in members and "VRW-002" not in members
    api = get(client, "/api/cases/people?release=R-VRW-2026-10").json()
    assert {r["ref"] for r in api} == october
    assert set(api[0]) == {
        "ref",
        "name",
        "status",
        "custody",
        "since",
        "organisations",
        "charges",
        "role",
        "counted",
    }


def test_pagination(demo, monkeypatch):
    from vigil.web import cases_views

    monkeypatch.setattr(cases_views, "PER_PAGE", 5)
    client = Client()
    first = text(get(client, "/prisoners/"))
    assert 'rel="next"' in first and "Page 1 of" in first
    second = text(get(client, "/prisoners/?page=2"))
    assert _refs(first).isdisjoint(_refs(second))
    assert "page:" in text(get(client, "/prisoners/?page=99", 400))


def test_bad_parameters_make_a_400_page_or_the_api_error(demo):
    client = Client()
    for url, parameter in (
        ("/prisoners/?status=jailed", "status"),
        ("/prisoners/?on=2026-13-01", "on"),
        ("/prisoners/?page=abc", "page"),
        ("/prisoners/?release=R-NOPE", "release"),
        ("/prisoners/?designation=NOPE", "designation"),
        ("/prisoners/?q=%21%21%21", "q"),
        ("/prisoners/stats/?freq=hour", "freq"),
        ("/prisoners/stats/?from=2026-05-01&to=2026-01-01", "to"),
        ("/prisoners/stats/?by=colour", "by"),
        ("/prisoners/stats/?from=yesterday", "from"),
    ):
        body = text(get(client, url, 400))
        assert f'data-parameter="{parameter}"' in body, url
        assert_nothing_inline(body)
    for url, status, parameter in (
        ("/api/cases/people?status=jailed", 400, "status"),
        ("/api/cases/people?on=2026-13-01", 400, "on"),
        ("/api/cases/people?release=R-NOPE", 400, "release"),
        ("/api/cases/find", 400, "q"),
        ("/api/cases/find?q=%21%21%21", 400, "q"),
        ("/api/cases/find?q=Rashad&limit=0", 400, "limit"),
        ("/api/cases/find?q=Rashad&limit=many", 400, "limit"),
        ("/api/cases/stats?freq=hour", 400, "freq"),
        ("/api/cases/stats?by=colour", 400, "by"),
        ("/api/cases/stats?on=never", 400, "on"),
        ("/api/cases/people?format=xml", 400, "format"),
        ("/api/cases/cases/AVB-2026/hearings?on=soon", 400, "on"),
        ("/api/cases/people/NOPE", 404, "ref"),
        ("/api/cases/releases/NOPE", 404, "org"),
        ("/api/cases/releases/diff?a=NOPE&b=R-VRW-2026-10", 404, "a"),
        ("/api/cases/releases/diff?a=R-VRW-2026-06", 400, "b"),
        ("/prisoners/stats/chart.png?freq=hour", 400, "freq"),
        ("/prisoners/stats/data.csv?to=x", 400, "to"),
    ):
        body = get(client, url, status).json()
        assert body["error"]["parameter"] == parameter, (url, body)
        assert body["error"]["message"], url
    get(client, "/prisoners/stats/chart.gif", 404)
    assert client.post("/prisoners/").status_code == 405


def test_stats_chart_and_csv(demo):
    from vigil.cases import stats
    from vigil.cases.levels import Level

    client = Client()
    body = text(get(client, "/prisoners/stats/"))
    assert 'src="/prisoners/stats/chart.svg?freq=month&amp;by=organisation"' in body
    assert 'href="/prisoners/stats/chart.png?freq=month&amp;by=organisation"' in body
    assert 'href="/prisoners/stats/data.csv?freq=month&amp;by=organisation"' in body
    png = get(client, "/prisoners/stats/chart.png")
    assert png.content.startswith(PNG_MAGIC) and png["Content-Type"] == "image/png"
    assert png["Cache-Control"] == "public, max-age=300"
    svg = get(client, "/prisoners/stats/chart.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    csv_text = text(get(client, "/prisoners/stats/data.csv?from=2026-06-01&to=2026-11-01"))
    frame = stats.held(
        Level.PUBLIC,
        date_from="2026-06-01",
        date_to="2026-11-01",
        by=stats.GroupBy.ORGANISATION,
    )
    lines = csv_text.strip().splitlines()
    assert lines[0].split(",")[:2] == ["date", "all"]
    assert [int(line.split(",")[1]) for line in lines[1:]] == frame["all"].tolist()
    assert "Azad Vətəndaşlar Birliyi" in lines[0]  # UTF-8 group names
    api = get(client, "/api/cases/stats?from=2026-06-01&to=2026-11-01&by=organisation").json()
    assert [r["all"] for r in api] == frame["all"].tolist()
    assert api[0]["date"] == "2026-06-01"


def test_api_answers_as_the_cli(demo):
    client = Client()
    hearings = get(client, "/api/cases/cases/AVB-2026/hearings?on=2026-11-25").json()
    assert (
        hearings["summary"] == "postponed 4 times since August 2026; next hearing 2 December 2026"
    )
    assert hearings["postponements"] == 4 and len(hearings["hearings"]) == 6
    diff = get(client, "/api/cases/releases/diff?a=R-VRW-2026-06&b=R-VRW-2026-10").json()
    removed = {r["ref"]: r["reason"] for r in diff if r["change"] == "removed"}
    assert removed == {"VRW-004": "released", "VRW-011": "released", "VRW-012": "unexplained"}
    releases = get(client, "/api/cases/releases/VRW").json()
    assert [r["entries"] for r in releases] == [9, 8]  # the hidden entry is not counted
    timeline = get(client, "/api/cases/people/VRW-003/timeline").json()
    assert [e["date"] for e in timeline] == ["2026-05-30", "2026-06-02"]  # withdrawn: gone
    csv_text = text(get(client, "/api/cases/people?format=csv"))
    assert csv_text.startswith("ref,name,status,custody,since,organisations,charges")
    response = get(client, "/api/cases/people")
    assert response["Cache-Control"] == "public, max-age=60" and "Cookie" in response["Vary"]


def test_templates_have_nothing_inline():
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text(encoding="utf-8")
        assert "<style" not in source and "style=" not in source, template.name
        assert not re.search(r"<script(?![^>]*\bsrc=)", source), template.name
        assert not re.search(r"\son[a-z]+=", source), template.name


def test_an_empty_registry_renders(db):
    client = Client()
    assert "No one matches" in text(get(client, "/prisoners/"))
    assert "No one is recorded as held" in text(get(client, "/prisoners/stats/"))
    assert get(client, "/api/cases/people").json() == []
    assert get(client, "/api/cases/stats").json() == []
    # the list's own filters on nothing: an empty answer, never a 500
    assert "No one matches" in text(get(client, "/prisoners/?role=lawyer&counted=1"))
    assert get(client, "/api/cases/people?role=lawyer&counted=1").json() == []
    assert (
        text(get(client, "/prisoners/?format=csv"))
        == "\ufeffname,role,status,since,counted,organisations,charges,ref\r\n"
    )
    get(client, "/prisoners/VRW-001/", 404)


def test_the_endpoints_are_in_the_openapi_docs(db):
    schema = get(Client(), "/api/openapi.json").json()
    for route in (
        "/api/cases/people",
        "/api/cases/people/{ref}",
        "/api/cases/people/{ref}/timeline",
        "/api/cases/cases/{ref}/hearings",
        "/api/cases/releases/{org}",
        "/api/cases/releases/diff",
        "/api/cases/stats",
        "/api/cases/find",
    ):
        assert route in schema["paths"], route
        assert list(schema["paths"][route]) == ["get"]


def test_a_merged_ref_leads_to_the_person_kept_only_when_visible(demo):
    client = Client()
    dup = demo.Person.objects.get(ref="VRW-013")
    dup.merged_into = demo.Person.objects.get(ref="VRW-001")
    dup.save()
    response = get(client, "/prisoners/VRW-013/", 302)
    assert response["Location"] == "/prisoners/VRW-001/"
    dup.merged_into = demo.Person.objects.get(ref="HIDDEN-P1")
    dup.save()
    assert page_body(text(get(client, "/prisoners/VRW-013/", 404))) == page_body(
        text(get(client, "/prisoners/X/", 404))
    )
    get(client, "/api/cases/people/VRW-013", 404)
