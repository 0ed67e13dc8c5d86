"""The site in four languages, with Django's test client: the address's prefix or
``Accept-Language`` picks the language, every link keeps it, ``<html lang>``,
``hreflang`` and the switcher are right, and pages, the scripts' catalogue and the API's
messages come out translated, with dates and numbers as each language writes them.

Expected words are never written here: each is the catalogue's translation of the
English (``vigil.i18n``), and the test checks the translation differs from the English,
so a page left in English fails."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from vigil import i18n

OTHERS = ("az", "uk", "ru")
PUBLIC = [
    "/",
    "/figures/",
    "/figures/brief/",
    "/check/",
    "/alerts/",
    "/hearings/",
    "/prisoners/",
    "/prisoners/stats/",
    "/prisoners/lists/",
    "/cases/",
    "/organisations/",
    "/editors/login/",
]


@pytest.fixture
def client(web_store: Path, settings) -> Client:
    settings.VIGIL_STORE = str(web_store)
    settings.VIGIL_TILE_URL = ""
    cache.clear()
    return Client()


def _said(lang: str, english: str, context: str | None = None) -> str:
    with i18n.override(lang):
        said = i18n.pgettext(context, english) if context else i18n.gettext(english)
    assert said != english, f"{english!r} has no {lang} translation"
    return said


def _html(response) -> str:
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("lang", OTHERS)
@pytest.mark.parametrize("path", PUBLIC)
def test_every_public_page_speaks_the_language_of_its_prefix(client, lang, path):
    response = client.get(f"/{lang}{path}", follow=True)
    html = _html(response)
    assert f'<html lang="{lang}">' in html
    assert response["Content-Language"] == lang
    assert "Accept-Language" not in response.get("Vary", "")
    # the site's menu is in the page's language
    for word in ("Map", "Figures", "Prisoners"):
        assert f">{_said(lang, word)}</a>" in html, (path, word)
        assert f">{word}</a>" not in html, (path, word)


@pytest.mark.django_db
def test_without_a_prefix_the_browser_language_decides(client):
    ru = client.get("/figures/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5")
    assert '<html lang="ru">' in _html(ru)
    assert "Accept-Language" in ru["Vary"]
    # a language Vigil has not falls back to the next the browser lists, then English
    az = client.get("/figures/", HTTP_ACCEPT_LANGUAGE="de-DE,az;q=0.7")
    assert '<html lang="az">' in _html(az)
    en = client.get("/figures/", HTTP_ACCEPT_LANGUAGE="de-DE")
    assert '<html lang="en">' in _html(en)
    assert '<html lang="en">' in _html(client.get("/figures/"))
    # the prefix wins over the browser
    uk = client.get("/uk/figures/", HTTP_ACCEPT_LANGUAGE="ru")
    assert '<html lang="uk">' in _html(uk)


@pytest.mark.django_db
def test_links_keep_the_language_and_alternates_name_every_language(client):
    html = _html(client.get("/az/prisoners/?status=held"))
    internal = re.findall(r'<a [^>]*href="(/[^"]*)"', html)
    assert internal
    strays = [h for h in internal if not h.startswith("/az/") and not re.match(r"/(en|uk|ru)/", h)]
    assert not strays, strays
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)"', html))
    assert alternates == {
        "en": "/en/prisoners/?status=held",
        "az": "/az/prisoners/?status=held",
        "uk": "/uk/prisoners/?status=held",
        "ru": "/ru/prisoners/?status=held",
        "x-default": "/prisoners/?status=held",
    }
    assert '<link rel="canonical" href="/az/prisoners/?status=held">' in html
    switcher = re.search(r'<nav class="languages"[^>]*>\s*<details>(.*?)</details>', html, re.S)
    assert switcher, "no language switcher"
    links = re.findall(
        r'<a href="([^"]+)" hreflang="(\w+)" lang="\w+"( aria-current="true")?>([^<]+)</a>',
        switcher.group(1),
    )
    assert [(h, c, bool(cur), n) for h, c, cur, n in links] == [
        ("/en/prisoners/?status=held", "en", False, "English"),
        ("/az/prisoners/?status=held", "az", True, "Azərbaycanca"),
        ("/uk/prisoners/?status=held", "uk", False, "Українська"),
        ("/ru/prisoners/?status=held", "ru", False, "Русский"),
    ]


@pytest.mark.django_db
def test_redirects_keep_the_prefix(client):
    bare = client.get("/uk")
    assert bare.status_code == 301 and bare["Location"] == "/uk/"
    login = client.get("/ru/editors/")
    assert login.status_code == 302
    assert login["Location"].startswith("/ru/editors/login/?next=/ru/editors/")


@pytest.mark.django_db
def test_the_scripts_catalogue_is_in_the_pages_language(client):
    html = _html(client.get("/uk/"))
    assert '<script src="/uk/jsi18n/"></script>' in html
    script = client.get("/uk/jsi18n/")
    assert script.status_code == 200
    text = script.content.decode()
    scripts = gettext.translation("djangojs", i18n.LOCALE_DIR, languages=["uk"])
    zoom = scripts.gettext("Zoom in")
    assert zoom != "Zoom in"
    assert '"Zoom in"' in text  # the English key, and its Ukrainian
    assert json.dumps(zoom) in text or json.dumps(zoom, ensure_ascii=False) in text
    assert "newcatalog" in text and "pluralidx" in text
    # Ukrainian plural rule (three forms), as the catalogue's header gives it
    assert "n%10==1" in text.replace(" ", "")


@pytest.mark.django_db
@pytest.mark.parametrize("lang", OTHERS)
def test_figures_show_dates_and_areas_as_the_language_writes_them(client, lang, web_store):
    html = _html(client.get(f"/{lang}/figures/"))
    unit = "км²" if lang in ("uk", "ru") else "km²"
    assert re.search(rf"\d,\d\s*{unit}|\d,\d\u00a0{unit}", html), (
        f"no {unit} figure with a decimal comma"
    )
    with i18n.override(lang):
        months = {i18n.month_year(f"2026-{m:02d}-01").split()[0] for m in range(1, 13)}
        days = {i18n.day_month(f"2026-{m:02d}-15").split()[1] for m in range(1, 13)}
    assert any(m in html for m in months | days), "no month named in the language"
