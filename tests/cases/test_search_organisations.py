"""Finding an organisation (issue 16): by its abbreviation, by its name or a part of it,
in any script: Azerbaijani in Latin and Cyrillic letters, Russian, Belarusian and
Ukrainian in Cyrillic and in Latin transliteration; and never one the reader may not
see. The same search resolves the list's ``organisation`` and ``designation`` filters,
on the page and in the API.

The organisations are fictional, named as such groups are.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from vigil.cases.levels import Level

P, INT = Level.PUBLIC, Level.INTERNAL

#: ref, name, short name, kind, visibility
ORGANISATIONS = (
    ("IHMM", "İnsan Haqları Müdafiəçiləri Mərkəzi", "İHMM", "ngo", 0),
    ("AVB", "Azad Vətəndaşlar Birliyi", "", "party", 0),
    ("PCM", "Правозащитный центр «Мемориал»", "ПЦ «Мемориал»", "ngo", 0),
    ("VIASNA", "Праваабарончы цэнтр «Вясна»", "Вясна", "ngo", 0),
    ("KHPG", "Харківська правозахисна група", "ХПГ", "ngo", 0),
    ("NARODNY", "Народны фронт Беларусі", "", "party", 0),
    ("HIDDEN", "Gizli Həmrəylik Şəbəkəsi", "GHŞ", "movement", 1),
)

#: (query, the ref it must find first): abbreviations and names across scripts.
FOUND = [
    # Azerbaijani: the short name in Latin, in Cyrillic, without its dotted İ
    ("İHMM", "IHMM"),
    ("ИХММ", "IHMM"),
    ("IHMM", "IHMM"),
    ("ihmm", "IHMM"),
    # no short name recorded: the initials of the name, in either script
    ("AVB", "AVB"),
    ("АВБ", "AVB"),
    # the name in Azerbaijani Cyrillic, in Russian transliteration, and a part of it
    ("Азад Вәтәндашлар Бирлијі", "AVB"),
    ("Азад Ватандашлар Бирлийи", "AVB"),
    ("Insan Haqlari", "IHMM"),
    ("Müdafiəçiləri Mərkəzi", "IHMM"),
    # Russian: a word of the name in Latin letters, the abbreviation in both scripts
    ("Memorial", "PCM"),
    ("Мемориал", "PCM"),
    ("Pravozashchitnyy tsentr Memorial", "PCM"),
    ("ПЦМ", "PCM"),
    # Belarusian: Viasna, Vyasna, Вясна
    ("Viasna", "VIASNA"),
    ("Vyasna", "VIASNA"),
    ("Вясна", "VIASNA"),
    # Ukrainian: ХПГ and its Latin transliteration, the name transliterated
    ("ХПГ", "KHPG"),
    ("KhPG", "KHPG"),
    ("KHPG", "KHPG"),
    ("Kharkivska pravozakhysna hrupa", "KHPG"),
    # Belarusian party without a short name: its initials
    ("НФБ", "NARODNY"),
    ("Narodny front", "NARODNY"),
    # and by ref
    ("pcm", "PCM"),
]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def organisations(registry):
    from vigil.cases import models as m

    out = {}
    for ref, name, short, kind, visibility in ORGANISATIONS:
        out[ref] = m.Organisation.objects.create(
            ref=ref, name=name, short_name=short, kind=kind, visibility=visibility
        )
    # a member of each, held, so that the list filters have someone to show
    for i, (ref, org) in enumerate(out.items(), 1):
        p = m.Person.objects.create(ref=f"M-{ref}", visibility=org.visibility)
        m.PersonName.objects.create(person=p, name=f"Member{i} Testov", language="en")
        m.Affiliation.objects.create(person=p, organisation=org)
    return out


@pytest.mark.parametrize(("query", "ref"), FOUND)
def test_found_by_abbreviation_or_name_in_any_script(organisations, query, ref):
    from vigil.cases.search import find_organisations

    hits = find_organisations(query, P)
    assert hits, query
    assert hits[0]["ref"] == ref, (query, hits)
    assert hits[0]["score"] >= 80


def test_abbreviations_meet_across_scripts():
    from vigil.cases.search import abbreviation, initials

    assert abbreviation("İHMM") == abbreviation("ИХММ") == abbreviation("IHMM")
    assert abbreviation("ХПГ") == abbreviation("KhPG") == abbreviation("KHPG")
    assert abbreviation("ПЦМ") == abbreviation("PCM") == abbreviation("PTsM")
    assert abbreviation("АВБ") != abbreviation("АББ")
    assert initials("Azad Vətəndaşlar Birliyi") == [abbreviation("AVB")]
    # small words left out as well: Centre for Civil Liberties is CCL (and CFCL)
    assert initials("Centre for Civil Liberties") == [abbreviation("CFCL"), abbreviation("CCL")]


def test_unrelated_and_hidden_organisations_are_not_found(organisations):
    from vigil.cases.search import find_organisations

    for query in ("ABC", "Greenpeace", "Хельсинкская группа", "XYZW"):
        assert find_organisations(query, P) == [], query
    # the internal one: not for the public, by any of its names; found by a team member
    for query in ("GHŞ", "ГХШ", "Gizli Həmrəylik", "HIDDEN"):
        assert find_organisations(query, P) == [], query
        assert find_organisations(query, INT)[0]["ref"] == "HIDDEN", query


def test_a_query_without_letters_is_an_error(organisations):
    from vigil.cases.search import find_organisations
    from vigil.errors import InputError

    with pytest.raises(InputError) as bad:
        find_organisations("!!!", P)
    assert bad.value.param == "q"


# -- the list's filter, on the page and in the API ---------------------------------------------
def _members(body: str) -> set[str]:
    return set(re.findall(r'<th scope="row"><a href="/prisoners/([^"/]+)/"', body))


@pytest.mark.urls("tests.web.cases_urls")
@pytest.mark.parametrize(
    ("typed", "ref"),
    [("ИХММ", "IHMM"), ("АВБ", "AVB"), ("Vyasna", "VIASNA"), ("KhPG", "KHPG"), ("PCM", "PCM")],
)
def test_the_list_filter_takes_an_abbreviation_in_any_script(organisations, typed, ref):
    client = Client()
    page = client.get("/prisoners/", {"organisation": typed})
    assert page.status_code == 200, page.content[:400]
    body = page.content.decode()
    assert _members(body) == {f"M-{ref}"}
    # the field now shows the organisation found; the CSV link carries its ref
    label = organisations[ref].short_name or organisations[ref].name
    assert f'name="organisation" list="cases-organisations" value="{label}"' in body.replace(
        "&quot;", '"'
    ).replace("&#x27;", "'")
    assert f"organisation={ref}&amp;format=csv" in body
    rows = client.get("/api/cases/people", {"organisation": typed}).json()
    assert [r["ref"] for r in rows] == [f"M-{ref}"]


@pytest.mark.urls("tests.web.cases_urls")
def test_an_ambiguous_or_unknown_organisation_is_a_400_naming_the_parameter(organisations):
    from vigil.cases import models as m

    m.Organisation.objects.create(
        ref="MEM2", name="Мемориал — Правозащитный центр", short_name="", kind="ngo"
    )
    client = Client()
    body = client.get("/prisoners/", {"organisation": "Мемориал"}).content.decode()
    assert 'data-parameter="organisation"' in body and "names several organisations" in body
    error = client.get("/api/cases/people", {"organisation": "Мемориал"}).json()["error"]
    assert error["parameter"] == "organisation" and "several" in error["message"]
    # the hidden organisation is refused as one that does not exist
    hidden = client.get("/api/cases/people", {"organisation": "GHŞ"})
    absent = client.get("/api/cases/people", {"organisation": "GHQ"})
    assert hidden.status_code == absent.status_code == 400
    assert hidden.json()["error"]["message"].replace("GHŞ", "X") == absent.json()["error"][
        "message"
    ].replace("GHQ", "X")
