"""The public registry's lists, releases, differences and indexes (vigil.web.registry_views),
with Django's test client on a registry built here, whose answers are known by
construction.

The registry: VRW publishes three releases of its list (R1 and R2 public, R3 internal);
people P1–P8 are public, PH is internal; a few entries, participants and affiliations
are internal although their records are public. Every test reads as the public and as
an editor (internal level, signed in with a second factor), and checks that what the
public may not see is absent (not blanked) and that every count agrees with the rows
shown: the hidden person, case, organisation and release change no number the public
reads. The differences are checked three ways: the page, ``releases.diff`` (what
``vigil cases diff-release`` prints) and a set difference of the two releases' people
computed here from the raw entries.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.web.conftest import page_body
from tests.web.test_editors import make_user, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.urls("vigil.web.urls")]

HIDDEN = "HIDDENMARK"  # in every internal value, so that a leak is easy to find
FUTURE = "2099-03-10"  # a hearing still ahead whenever the tests run


# -- the registry -------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reg(db):
    from vigil.cases import models as m

    def person(ref, *names, visibility=0):
        p = m.Person.objects.create(ref=ref, visibility=visibility)
        for i, (name, lang) in enumerate(names):
            kind = "primary" if i == 0 else "transliteration"
            m.PersonName.objects.create(person=p, name=name, language=lang, kind=kind)
        return p

    vrw = m.Organisation.objects.create(
        ref="VRW", name="Veloria Rights Watch", short_name="VRW", kind="ngo"
    )
    ufc = m.Organisation.objects.create(
        ref="UFC", name="Union of Free Citizens", short_name="UFC", kind="party"
    )
    m.Organisation.objects.create(
        ref="O3", name="İnsan Haqları Müdafiəçiləri Mərkəzi", short_name="İHMM", kind="ngo"
    )
    hid_org = m.Organisation.objects.create(
        ref="HID-ORG",
        name=f"{HIDDEN} Secret Society",
        short_name="HSS",
        kind="movement",
        visibility=1,
    )
    p = {
        "P1": person("P1", ("Əli Kərimli", "az-Latn"), ("Али Керимли", "ru-Cyrl")),
        "P2": person("P2", ("Tofiq Yaqublu", "az-Latn")),
        "P3": person("P3", ("Xədicə İsmayılova", "az-Latn")),
        "P4": person("P4", ("Bəxtiyar Hacıyev", "az-Latn")),
        "P5": person("P5", ("Nigar Həsənova", "az-Latn")),
        "P6": person("P6", ("Ali Hasanov", "en")),
        "P7": person("P7", ("Elçin Sadıqov", "az-Latn")),  # a lawyer
        "P8": person("P8", ("Rauf Mirqədirov", "az-Latn")),  # a witness
        "PH": person("PH", (f"{HIDDEN} Gizli Şəxs", "az-Latn"), visibility=1),
    }
    ev = m.StatusEvent.objects.create
    ev(person=p["P1"], kind="arrested", date="2026-01-10")
    ev(person=p["P2"], kind="arrested", date="2025-12-01")
    ev(person=p["P2"], kind="released", date="2026-08-01")
    ev(person=p["P3"], kind="arrested", date="2025-11-01")
    ev(person=p["P3"], kind="died_in_custody", date="2026-09-01")
    ev(person=p["P4"], kind="arrested", date="2026-02-01")
    ev(person=p["P5"], kind="house_arrest", date="2026-03-01")
    ev(person=p["P7"], kind="detained", date="2026-07-01")
    ev(person=p["PH"], kind="arrested", date="2026-02-02")
    # P6: VRW's designation ended between R1 and R2 (reclassified)
    m.Designation.objects.create(person=p["P6"], organisation=vrw, since="2025", until="2026-08")

    r1 = m.ListRelease.objects.create(
        organisation=vrw, ref="R1", title="VRW list June 2026", published="2026-06-15"
    )
    r2 = m.ListRelease.objects.create(
        organisation=vrw, ref="R2", title="VRW list October 2026", published="2026-10-15"
    )
    r3 = m.ListRelease.objects.create(
        organisation=vrw, ref="R3", title=f"{HIDDEN} draft", published="2026-11-20", visibility=1
    )
    src = m.Source.objects.create(
        ref="S-R2",
        title="VRW list of October 2026",
        url="https://example.org/vrw-10.pdf",
        publisher="Veloria Rights Watch",
        published="2026-10-15",
    )
    src.visibility = 0
    src.save()
    r2.source = src
    r2.save()

    def entries(release, *rows):
        for pos, (ref, category, *level) in enumerate(rows, start=1):
            m.ListEntry.objects.create(
                release=release,
                person=p[ref],
                position=pos,
                category=category,
                visibility=level[0] if level else 0,
            )

    entries(
        r1,
        ("P1", "Party"),
        ("P2", "Party"),
        ("P3", "Journalists"),
        ("P4", "Party"),
        ("P6", "Activists"),
        ("PH", "Party"),
        ("P5", "Party", 1),
    )
    entries(
        r2,
        ("P1", "Party"),
        ("P4", "Activists"),
        ("P5", "Party"),
        ("P7", "Party"),
        ("PH", "Party"),
    )
    entries(r3, ("P1", "Party"), ("P7", "Party"))

    court = m.Court.objects.create(name="Velora Grave Crimes Court")
    c1 = m.Case.objects.create(ref="C1", number="1-101/2026", title="The UFC case")
    c1.courts.add(court)
    part = m.CaseParticipant.objects.create
    part(case=c1, person=p["P1"], role="defendant")
    part(case=c1, person=p["P1"], role="defendant", visibility=1)  # the same, internal row
    part(case=c1, person=p["P4"], role="defendant")
    part(case=c1, person=p["P7"], role="lawyer")
    part(case=c1, person=p["P8"], role="witness")
    part(case=c1, person=p["PH"], role="defendant")
    part(case=c1, person=p["P5"], role="defendant", visibility=1)
    h = m.Hearing.objects.create
    h(case=c1, date="2026-09-01", outcome="postponed", next_date="2026-10-01")
    h(case=c1, date="2026-10-01", outcome="postponed", next_date=FUTURE)
    h(case=c1, date=FUTURE, outcome="scheduled")
    c2 = m.Case.objects.create(ref="C2", title="Journalists' case")
    part(case=c2, person=p["P3"], role="defendant")
    h(case=c2, date="2026-04-01", outcome="scheduled")  # passed, its outcome never entered
    h(case=c2, date="2026-05-01", outcome="verdict")
    c3 = m.Case.objects.create(ref="C3", title=f"{HIDDEN} case", visibility=1)
    part(case=c3, person=p["P2"], role="defendant")
    h(case=c3, date=FUTURE, outcome="scheduled")
    m.Case.objects.create(ref="C4", title="A case without hearings")

    aff = m.Affiliation.objects.create
    aff(person=p["P1"], organisation=ufc, role="chairman")
    aff(person=p["P4"], organisation=ufc, role="member")
    aff(person=p["P2"], organisation=ufc, role="member", visibility=1)
    aff(person=p["PH"], organisation=ufc, role="member")
    aff(person=p["P5"], organisation=hid_org, role=f"{HIDDEN} role")
    return m


@pytest.fixture
def editor(reg):
    client = Client()
    user = make_user("ed", "editor")
    assert sign_in(client, user).status_code == 302
    return client


@pytest.fixture
def readers(editor):
    """The public and an editor (internal level), each with its level's name."""
    return {"public": Client(), "internal": editor}


# -- reading pages ---------------------------------------------------------------------------
class Tables(HTMLParser):
    """The rows of every <table> (cell texts, whitespace collapsed), by the table's
    classes; the text of the footer; every link."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.links: list[str] = []
        self.footer: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_footer = False
        self._in_head = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.tables.append((a.get("class") or "", []))
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "footer":
            self._in_footer = True
        elif tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1][1].append(self._row)
            self._row = None
        elif tag == "footer":
            self._in_footer = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_footer:
            self.footer.append(data)

    def table(self, cls: str) -> list[list[str]]:
        found = [rows for classes, rows in self.tables if cls in classes.split()]
        assert len(found) == 1, f"{len(found)} tables of class {cls}"
        return found[0]


def get(client: Client, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.content[:400])
    return response


def page(client: Client, url: str, status: int = 200) -> tuple[str, Tables]:
    body = get(client, url, status).content.decode()
    return body, Tables(body)


def csv_rows(client: Client, url: str) -> list[dict[str, str]]:
    response = get(client, url)
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def refs_in(rows: list[list[str]], column: int) -> list[str]:
    return [r[column] for r in rows]


# -- independent expectations ----------------------------------------------------------------
def on_release(m: Any, ref: str, level: int) -> set[str]:
    """The refs of the people on a release a reader at ``level`` sees there, from the
    raw rows: the entry, its person and the release at most ``level``, the person not
    merged (written here, apart from vigil.cases.policy)."""
    out = set()
    for e in m.ListEntry.objects.filter(release__ref=ref).select_related("person", "release"):
        levels = (e.visibility, e.person.visibility, e.release.visibility)
        if max(levels) <= level and e.person.merged_into_id is None:
            out.add(e.person.ref)
    return out


LEVEL = {"public": 0, "internal": 1}


# -- lists and releases ----------------------------------------------------------------------
def test_lists_page_shows_the_releases_a_reader_may_see_with_true_counts(reg, readers):
    for who, client in readers.items():
        body, t = page(client, "/prisoners/lists/")
        rows = t.table("registry-releases")
        shown = {r[0]: r for r in rows}  # by published date
        expected = {"2026-06-15": "R1", "2026-10-15": "R2"}
        if who == "internal":
            expected["2026-11-20"] = "R3"
        assert set(shown) == set(expected), who
        for date, ref in expected.items():
            assert int(shown[date][2]) == len(on_release(reg, ref, LEVEL[who])), (who, ref)
        # added and removed against the previous release, as set differences
        dates = sorted(expected)
        for before, after in itertools.pairwise(dates):
            a = on_release(reg, expected[before], LEVEL[who])
            b = on_release(reg, expected[after], LEVEL[who])
            assert int(shown[after][3]) == len(b - a) and int(shown[after][4]) == len(a - b)
        assert (HIDDEN in body) == (who == "internal")
        assert "/prisoners/lists/VRW/R1/" in t.links


def test_release_page_lists_the_people_the_reader_may_see_and_its_csv_agrees(reg, readers):
    for who, client in readers.items():
        for ref in ("R1", "R2"):
            body, t = page(client, f"/prisoners/lists/VRW/{ref}/")
            rows = t.table("registry-release")
            shown = refs_in(rows, 5)
            assert set(shown) == on_release(reg, ref, LEVEL[who]), (who, ref)
            assert len(shown) == len(set(shown))
            assert re.search(rf'registry-count">{len(shown)}<', body)
            # the CSV holds the same rows, in the same order
            table = csv_rows(client, f"/prisoners/lists/VRW/{ref}/?format=csv")
            assert [r["ref"] for r in table] == shown
            assert [r["name"] for r in table] == [r[1] for r in rows]
            assert [r["category"] for r in table] == [r[2] for r in rows]
            assert (HIDDEN in body) == (who == "internal" and ref in ("R1", "R2")), (who, ref)
    # P1 is held (arrested), P2 free (released), P3 dead: status today on R1
    rows = csv_rows(readers["public"], "/prisoners/lists/VRW/R1/?format=csv")
    custody = {r["ref"]: r["custody"] for r in rows}
    assert custody["P1"] == "held" and custody["P2"] == "free" and custody["P3"] == "dead"


def test_a_hidden_release_or_list_is_the_same_404_as_an_unknown_one(reg, readers):
    public = readers["public"]
    unknown = page_body(get(public, "/prisoners/lists/VRW/R9/", 404).content)
    assert page_body(get(public, "/prisoners/lists/VRW/R3/", 404).content) == unknown
    assert page_body(get(public, "/prisoners/lists/VRW/R3/?format=csv", 404).content) == unknown
    assert page_body(get(public, "/prisoners/lists/UFC/R1/", 404).content) == unknown  # not UFC's
    nolist = page_body(get(public, "/prisoners/lists/NOPE/", 404).content)
    assert page_body(get(public, "/prisoners/lists/HID-ORG/", 404).content) == nolist
    assert (
        page_body(get(public, "/prisoners/lists/UFC/", 404).content) == nolist
    )  # publishes nothing
    get(readers["internal"], "/prisoners/lists/VRW/R3/")


def diff_refs(t: Tables, change: str) -> set[str]:
    """The refs in the difference's table of ``change`` (none when it has no table)."""
    cls = f"registry-diff-{change}"
    if not any(cls in classes.split() for classes, _rows in t.tables):
        return set()
    return {r[-1] for r in t.table(cls)}


@pytest.mark.parametrize("who", ["public", "internal"])
def test_the_difference_page_agrees_with_releases_diff_and_a_set_difference(reg, readers, who):
    from vigil.cases import releases
    from vigil.cases.levels import Level

    client = readers[who]
    body, t = page(client, "/prisoners/lists/VRW/diff/?from=R1&to=R2")
    a, b = on_release(reg, "R1", LEVEL[who]), on_release(reg, "R2", LEVEL[who])
    frame = releases.diff("R1", "R2", Level(LEVEL[who]))
    for change, expected in (("added", b - a), ("removed", a - b)):
        assert diff_refs(t, change) == expected, (who, change)
        assert set(frame.loc[frame["change"] == change, "ref"]) == expected
        assert f"<strong>{len(expected)}</strong> {change}" in body
    # by construction: P2 released, P3 died, P6's designation ended; P7 added; P4 moved
    removed = {r[-1]: r[1] for r in t.table("registry-diff-removed")}
    assert removed == {"P2": "released", "P3": "died", "P6": "reclassified"}
    assert diff_refs(t, "recategorised") == {"P4"}
    assert ("P5" in diff_refs(t, "added")) == (who == "public")  # an internal R1 entry
    # the CSV is the frame, row for row
    table = csv_rows(client, "/prisoners/lists/VRW/diff/?from=R1&to=R2&format=csv")
    assert [tuple(r.values()) for r in table] == [
        tuple("" if v is None else str(v) for v in row)
        for row in frame.itertuples(index=False, name=None)
    ]
    assert (HIDDEN in body) == (who == "internal")


def test_the_difference_defaults_to_the_previous_and_the_latest_release(reg, readers):
    _body, t = page(readers["public"], "/prisoners/lists/VRW/diff/")
    assert diff_refs(t, "added") == {"P7"} | {"P5"}  # R1 → R2 for the public
    body, t = page(readers["internal"], "/prisoners/lists/VRW/diff/")
    assert "from 2026-10-15 to 2026-11-20" in body  # R2 → R3 (internal) for an editor
    a, b = on_release(reg, "R2", 1), on_release(reg, "R3", 1)
    assert diff_refs(t, "removed") == a - b and diff_refs(t, "added") == b - a
    # given later-first, the difference is still from the earlier release
    body, t = page(readers["public"], "/prisoners/lists/VRW/diff/?from=R2&to=R1")
    assert "from 2026-06-15 to 2026-10-15" in body and diff_refs(t, "added") == {"P5", "P7"}


def test_bad_difference_parameters_are_a_400_naming_the_parameter(reg, readers):
    public = readers["public"]
    body, _t = page(public, "/prisoners/lists/VRW/diff/?from=R1&to=R1", 400)
    assert 'data-parameter="to"' in body and "choose two different releases" in body
    unknown, _ = page(public, "/prisoners/lists/VRW/diff/?from=R9&to=R2", 400)
    assert 'data-parameter="from"' in unknown and "no release &#x27;R9&#x27;" in unknown
    # a hidden release is refused exactly as an unknown one
    hidden, _ = page(public, "/prisoners/lists/VRW/diff/?from=R3&to=R2", 400)
    assert hidden.replace("R3", "R9") == unknown
    body, _ = page(public, "/prisoners/lists/VRW/diff/?from=%3Cscript%3E", 400)
    assert "<script>" not in body
    body, _ = page(public, "/prisoners/lists/VRW/diff/?format=xml", 400)
    assert 'data-parameter="format"' in body
    error = get(public, "/prisoners/lists/VRW/diff/?from=R1&to=R1&format=csv", 400).json()
    assert error["error"]["parameter"] == "to"
    get(public, "/prisoners/lists/NOPE/diff/", 404)
    get(public, "/prisoners/lists/HID-ORG/diff/", 404)
    # by date as well as by ref
    _body, t = page(public, "/prisoners/lists/VRW/diff/?from=2026-06-15&to=2026-10-15")
    assert diff_refs(t, "added") == {"P5", "P7"}


# -- the cases index ---------------------------------------------------------------------------
# the index's columns: case (title), court, stage, next hearing, defendants, held, ref
STAGE, NEXT, DEFENDANTS, HELD, REF = 2, 3, 4, 5, 6


def expected_defendants(m: Any, case: str, level: int) -> set[str]:
    out = set()
    for x in m.CaseParticipant.objects.filter(case__ref=case, role="defendant"):
        if max(x.visibility, x.person.visibility, x.case.visibility) <= level:
            out.add(x.person.ref)
    return out


def test_cases_index_shows_visible_cases_and_counts_defendants_only(reg, readers):
    from vigil.cases.hearings import chain
    from vigil.cases.levels import Level

    for who, client in readers.items():
        body, t = page(client, "/cases/")
        rows = {r[REF]: r for r in t.table("registry-cases")}
        expected = {"C1", "C2", "C4"} | ({"C3"} if who == "internal" else set())
        assert set(rows) == expected, who
        assert re.search(rf'registry-count">{len(expected)}<', body)
        for ref, row in rows.items():
            defendants = expected_defendants(reg, ref, LEVEL[who])
            assert int(row[DEFENDANTS]) == len(defendants), (who, ref)
            next_hearing = chain(ref, Level(LEVEL[who])).next_hearing
            assert row[NEXT] == (str(next_hearing) if next_hearing else ""), (who, ref)
        # C1: P1 and P4 for the public (not the lawyer, the witness, nor PH); P1 once
        assert int(rows["C1"][DEFENDANTS]) == (2 if who == "public" else 4)
        # held: in custody or under house arrest (P5, internal, is at home)
        assert int(rows["C1"][HELD]) == (2 if who == "public" else 4)
        assert rows["C1"][STAGE] == "in court" and rows["C2"][STAGE] == "verdict"
        assert rows["C4"][STAGE] == "no hearing yet" and rows["C1"][NEXT] == FUTURE
        assert (HIDDEN in body) == (who == "internal")
        # the CSV: the same rows
        table = csv_rows(client, "/cases/?format=csv")
        assert [r["ref"] for r in table] == [r[REF] for r in t.table("registry-cases")]
        assert [int(r["defendants"]) for r in table] == [
            int(r[DEFENDANTS]) for r in t.table("registry-cases")
        ]


def test_cases_index_filters_sorts_and_refuses_bad_parameters(reg, readers):
    public = readers["public"]
    for q, expected in (
        ("Керимли", ["C1"]),  # a defendant's name in another script
        ("grave crimes", ["C1"]),  # the court
        ("journalists", ["C2"]),
        ("1-101/2026", ["C1"]),
        (HIDDEN, []),
    ):
        _b, t = page(public, f"/cases/?q={q}")
        rows = t.table("registry-cases") if expected else []
        assert [r[REF] for r in rows] == expected, q
        assert [r["ref"] for r in csv_rows(public, f"/cases/?q={q}&format=csv")] == expected
    _b, t = page(public, "/cases/?status=verdict")
    assert [r[REF] for r in t.table("registry-cases")] == ["C2"]
    _b, t = page(public, "/cases/?sort=-defendants")
    counts = [int(r[DEFENDANTS]) for r in t.table("registry-cases")]
    assert counts == sorted(counts, reverse=True) and counts[0] == 2
    for bad, parameter in (("status=open", "status"), ("sort=evil", "sort"), ("page=x", "page")):
        body, _ = page(public, f"/cases/?{bad}", 400)
        assert f'data-parameter="{parameter}"' in body
    assert get(public, "/cases/?status=open&format=csv", 400).json()["error"]["parameter"] == (
        "status"
    )
    get(public, "/cases/?page=9", 400)


def test_cases_index_paginates_and_the_csv_holds_every_filtered_row(reg, readers):
    from vigil.cases import models as m

    for i in range(60):
        m.Case.objects.create(ref=f"Z{i:03d}", title=f"Bulk case {i}")
    public = readers["public"]
    _b, first = page(public, "/cases/?q=bulk")
    _b, second = page(public, "/cases/?q=bulk&page=2")
    refs = [r[REF] for r in first.table("registry-cases") + second.table("registry-cases")]
    assert len(first.table("registry-cases")) == 50 and len(refs) == 60
    assert [r["ref"] for r in csv_rows(public, "/cases/?q=bulk&format=csv")] == refs
    assert "?q=bulk&page=2" in first.links


# -- organisations ------------------------------------------------------------------------------
def test_organisations_index_counts_members_and_held_as_the_list_does(reg, readers):
    for who, client in readers.items():
        body, t = page(client, "/organisations/")
        rows = {r[0]: r for r in t.table("registry-organisations")}
        names = {
            "Veloria Rights Watch",
            "Union of Free Citizens",
            "İnsan Haqları Müdafiəçiləri Mərkəzi",
        }
        if who == "internal":
            names.add(f"{HIDDEN} Secret Society")
        assert set(rows) == names, who
        ufc = rows["Union of Free Citizens"]
        # public: P1, P4 (PH is hidden; P2's affiliation is internal); editor: all four
        assert int(ufc[3]) == (2 if who == "public" else 4)
        held = 2 if who == "public" else 3  # P2 was released
        assert int(ufc[4]) == held
        # the same number as the prisoners list filtered by organisation, counted only
        listed = get(client, "/prisoners/?organisation=UFC&counted=1").content.decode()
        assert len(Tables(listed).table("cases-list")) == held
        assert int(rows["Veloria Rights Watch"][5]) == (2 if who == "public" else 3)
        assert (HIDDEN in body) == (who == "internal")
        table = csv_rows(client, "/organisations/?format=csv")
        assert [r["name"] for r in table] == [r[0] for r in t.table("registry-organisations")]
        assert [int(r["held"]) for r in table] == [
            int(r[4]) for r in t.table("registry-organisations")
        ]


def test_organisations_are_found_by_abbreviation_in_any_script(reg, readers):
    public = readers["public"]
    for q in ("İHMM", "ихмм", "ihmm", "Müdafiəçiləri", "mudafiachilari markazi"):
        _b, t = page(public, f"/organisations/?q={q}")
        assert [r[0] for r in t.table("registry-organisations")] == [
            "İnsan Haqları Müdafiəçiləri Mərkəzi"
        ], q
    body, _t = page(public, "/organisations/?q=HSS")
    assert "No organisation matches" in body  # the hidden one's abbreviation
    _b, t = page(public, "/organisations/?kind=party")
    assert [r[0] for r in t.table("registry-organisations")] == ["Union of Free Citizens"]
    _b, t = page(public, "/organisations/?status=held")
    assert [r[0] for r in t.table("registry-organisations")] == ["Union of Free Citizens"]
    for bad, parameter in (("kind=cult", "kind"), ("status=x", "status"), ("format=pdf", "format")):
        body, _ = page(public, f"/organisations/?{bad}", 400)
        assert f'data-parameter="{parameter}"' in body


def test_organisation_page_shows_members_and_their_cases(reg, readers):
    for who, client in readers.items():
        body, t = page(client, "/organisations/UFC/")
        tables = [rows for _c, rows in t.tables]
        members = {r[-1] for r in tables[0]}
        assert members == ({"P1", "P4"} if who == "public" else {"P1", "P2", "P4", "PH"})
        cases = [r[0] for r in tables[1]]
        assert cases == (
            ["The UFC case"] if who == "public" else ["The UFC case", f"{HIDDEN} case"]
        )
        assert re.search(rf'registry-count">{len(members)}<', body)
    public = readers["public"]
    unknown = page_body(get(public, "/organisations/NOPE/", 404).content)
    assert page_body(get(public, "/organisations/HID-ORG/", 404).content) == unknown
    get(readers["internal"], "/organisations/HID-ORG/")
    body, _t = page(public, "/organisations/VRW/")
    assert "/prisoners/lists/VRW/" in body


# -- every page -----------------------------------------------------------------------------------
PAGES = (
    "/prisoners/lists/",
    "/prisoners/lists/VRW/",
    "/prisoners/lists/VRW/R2/",
    "/prisoners/lists/VRW/diff/",
    "/cases/",
    "/organisations/",
    "/organisations/UFC/",
)


def test_every_page_credits_its_sources_not_the_territory_method(reg, readers):
    from vigil.cases import models as m

    for who, client in readers.items():
        for url in PAGES:
            body, t = page(client, url)
            footer = " ".join("".join(t.footer).split())
            assert "Areas are geodesic" not in footer, url
            assert "Veloria Rights Watch" in footer, url
            assert "last changed" in footer, url
            if who == "public":
                assert HIDDEN not in body, url
            else:
                assert "private" in get(client, url)["Cache-Control"], url
    _body, t = page(readers["public"], "/prisoners/lists/VRW/diff/")
    assert "VRW list of October 2026" in "".join(t.footer)  # R2's source
    # the last change is that of a visible record: an edit of a hidden one moves nothing
    footer = "".join(page(readers["public"], "/cases/")[1].footer)
    m.Person.objects.filter(ref="PH").update(updated="2099-01-01T00:00:00Z")
    assert "".join(page(readers["public"], "/cases/")[1].footer) == footer
    assert "2099" in "".join(page(readers["internal"], "/cases/")[1].footer)
