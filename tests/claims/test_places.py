"""Places in sentences: oblasts by any form of their name, settlements by gazetteer."""

from __future__ import annotations

import json
import lzma

import pandas as pd
import pytest

from vigil.claims.places import (
    OBLASTS,
    Gazetteer,
    find_areas,
    find_oblasts,
    find_settlements,
    loose_key,
)
from vigil.territory.geography import name_key, shipped_folder


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("Russian forces seized 500 km² in Donetsk region in October", "UA-14", "Donetsk region"),
        ("gains in the Donetsk Oblast slowed", "UA-14", "Donetsk Oblast"),
        ("в Донецкой области ВС РФ заняли", "UA-14", "Донецкой области"),
        ("окупанти просунулися на Донеччині", "UA-14", "Донеччині"),
        ("у Донецькій області", "UA-14", "Донецькій області"),
        ("Donetsk vilayətində 300 kv. km", "UA-14", "Donetsk vilayətində"),
        ("на Харківщині", "UA-63", "Харківщині"),
        ("в Запорожской области", "UA-23", "Запорожской области"),
        ("у Запоріжжі", "UA-23", "Запоріжжі"),
        ("Kharkiv Oblast", "UA-63", "Kharkiv Oblast"),
        ("в Курской области ВСУ контролируют", "RU-KRS", "Курской области"),
        ("Ukraine's troops in the Kursk region", "RU-KRS", "Kursk region"),
    ],
)
def test_oblast_forms(text: str, code: str, words: str) -> None:
    found = find_oblasts(text)
    assert [p.code for p in found] == [code]
    span = found[0].span
    assert text[span.start : span.end] == span.text == words


def test_a_city_name_alone_is_not_its_oblast() -> None:
    # "Donetsk" without a word for region is the city (or a front), not the oblast
    assert find_oblasts("fighting near Donetsk and Kharkiv continued") == []


def test_every_oblast_stem_starts_its_shipped_names() -> None:
    """The stems are read off the shipped boundaries: each must be in the oblast's
    English, Ukrainian and Russian name there, so a rename in the data is caught."""
    with lzma.open(shipped_folder() / "oblasts.geojson.xz") as f:
        rows = {ft["properties"]["iso3166_2"]: ft["properties"] for ft in json.load(f)["features"]}
    assert set(rows) == set(OBLASTS)
    for code, (en, uk, ru, _) in OBLASTS.items():
        names = rows[code]
        if code == "UA-30":
            continue  # the city: its stem stands for the oblast (Київська) and is not used
        # the adjective's stem starts the name ("Донецька область"); Crimea's is inside
        # it ("Автономна Республіка Крим")
        assert uk in names["name_uk"], code
        assert ru in names["name_ru"], code
        assert en.split()[0] in names["name_en"], code


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    frame = pd.DataFrame(
        {
            "code": ["UA1", "UA2", "UA3", "UA4"],
            "name_uk": ["Покровськ", "Новогродівка", "Покровськ", "Курахове"],
            "name_en": ["Pokrovsk", "Novohrodivka", "Pokrovsk", "Kurakhove"],
            "name_translit": ["Pokrovsk", "Novohrodivka", "Pokrovsk", "Kurakhove"],
            "category": ["X", "M", "M", "M"],
        }
    )
    return Gazetteer(frame)


def test_settlements_in_any_script_and_case(gazetteer: Gazetteer) -> None:
    text = (
        "Russian forces captured Novohrodivka; бои за Покровск; захватили Курахово; під Покровськом"
    )
    found = find_settlements(text, gazetteer)
    assert [(p.code, p.span.text) for p in found] == [
        ("UA2", "Novohrodivka"),
        ("UA3", "Покровск"),  # the city (M) before the village of the same name
        ("UA4", "Курахово"),  # Russian -ово is Ukrainian -ове (loose_key)
        ("UA3", "Покровськом"),
    ]


def test_common_words_are_not_villages(gazetteer: Gazetteer) -> None:
    assert find_settlements("The Russian Army took Ukraine by surprise", gazetteer) == []


@pytest.mark.parametrize(
    ("russian_style", "ukrainian"),
    [
        ("Ivanovka", "Іванівка"),  # -овка → -івка
        ("Andreevka", "Андріївка"),  # -еевка → -іївка
        ("Kurakhovo", "Курахове"),  # -ово → -ове
        ("Novovoznesenskoe", "Нововознесенське"),  # -ое → -е
        ("Ustinovka", "Устинівка"),  # и/ы read as i on both sides
    ],
)
def test_loose_key_meets_the_ukrainian_name(russian_style: str, ukrainian: str) -> None:
    assert loose_key(name_key(russian_style)) == loose_key(name_key(ukrainian))


def test_loose_key_keeps_different_names_apart() -> None:
    # a fold of endings, not of stems: Pokrovsk and Petrivka stay different, and so do
    # the two Ukrainian letters the exact key already tells apart in the stem
    assert loose_key(name_key("Покровськ")) != loose_key(name_key("Петрівка"))
    assert loose_key(name_key("Хорошеве")) != loose_key(name_key("Горошеве"))


@pytest.fixture(scope="module")
def russian_style_gazetteer() -> Gazetteer:
    frame = pd.DataFrame(
        {
            "code": ["UA5", "UA6", "UA7", "UA8"],
            "name_uk": ["Шевченко", "Іванівка", "Серебрянка", "Зелений Гай"],
            "name_en": ["Shevchenko", "Ivanivka", "Serebrianka", "Zelenyi Hai"],
            "name_translit": ["Shevchenko", "Ivanivka", "Serebrianka", "Zelenyi Hai"],
            "category": ["", "", "", ""],
        }
    )
    return Gazetteer(frame)


def test_azerbaijani_spellings_and_case_endings(russian_style_gazetteer: Gazetteer) -> None:
    # ş = ш, ç = ч, x = х; -da (locative) and -nı (accusative) come off
    text = "Ordu Şevçenko, İvanovkada və Serebryankanı keçib"
    found = find_settlements(text, russian_style_gazetteer, az=True)
    assert [(p.code, p.span.text) for p in found] == [
        ("UA5", "Şevçenko"),
        ("UA6", "İvanovkada"),
        ("UA7", "Serebryankanı"),
    ]
    # the Azerbaijani folds are for Azerbaijani text only
    assert find_settlements("Şevçenko", russian_style_gazetteer) == []


def test_accusative_of_a_feminine_name_and_a_name_next_to_another_capital(
    russian_style_gazetteer: Gazetteer,
) -> None:
    # "Серебрянку" (accusative) → "Серебрянка"; "Гай Харківської" is not a name, but
    # "Зелений Гай" is, and a capital word next to a name does not hide it
    found = find_settlements(
        "окупували Серебрянку; село Зелений Гай; Республіки Шевченко", russian_style_gazetteer
    )
    assert [p.code for p in found] == ["UA7", "UA8", "UA5"]


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Russia took 40 km² near the town of Kurakhove", "near the town of Kurakhove"),
        ("gains on the Zaporizhzhia front slowed", "on the Zaporizhzhia front"),
        ("troops reclaimed 3 km² in the south", "in the south"),
        ("they now hold 60 percent of the city", "percent of the city"),
        ("заняли 12 кв. км в районе Угледара Донецкой области", "в районе Угледара"),
        ("захопили 20 кв. км на Покровському напрямку", "на Покровському напрямку"),
        ("просунулися біля Торецька", "біля Торецька"),
        ("звільнили 5 кв. км на півдні", "на півдні"),
        ("ВСУ продвинулись на юге", "на юге"),
        ("7 kv. km Kupyansk istiqamətində", "Kupyansk istiqamətində"),
        ("12 kv. km ərazi cənubda yerləşir", "cənubda"),
    ],
)
def test_areas_the_maps_do_not_delimit(text: str, phrase: str) -> None:
    found = find_areas(text)
    assert [(p.name, p.level, p.code) for p in found] == [(phrase, "area", None)]
    assert text[found[0].span.start : found[0].span.end] == phrase


@pytest.mark.parametrize(
    "text",
    [
        "под контролем находятся 18 % территории",  # "под" + a common noun
        "Russia occupied 470 km² in the east of Ukraine",  # a side of the whole country
        "окупували 470 км² на сході України",
        "Russian forces seized 500 km² in Donetsk region",  # an oblast is no area
    ],
)
def test_no_area(text: str) -> None:
    assert find_areas(text) == []


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        # the region word said once, for a list of adjectives after it or before it
        ("окупував 10% площі Донецької області, 2% Запорізької і 1% Сумської",
         ["UA-14", "UA-23", "UA-59"]),
        ("в Донецкой области и Харьковской", ["UA-14", "UA-63"]),
        ("бої в Харківській та Донецькій областях", ["UA-63", "UA-14"]),
        # a city's name in another case is not an adjective left without its region word
        ("у Харкові та Донецькій області", ["UA-14"]),
    ],
)  # fmt: skip
def test_a_region_word_shared_by_several_oblasts(text: str, codes: list[str]) -> None:
    assert [p.code for p in find_oblasts(text)] == codes
