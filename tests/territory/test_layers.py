"""The raw DeepState layer-name rules, on real names from the 2022–2025 archive.

Every name below was copied from the census of all 1,359 raw snapshots (the repr of
``properties.name``, so U+00A0, newlines and U+FFFD are as found). Expected classes
were checked against the layer's fill colour and position where the name alone is
ambiguous (see the rule's ``why``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.territory.sources.layers import RULES, LayerClass, classify, normalise

C, G, L, X = (
    LayerClass.CONTROLLED,
    LayerClass.GREY,
    LayerClass.LIBERATED,
    LayerClass.OUT_OF_SCOPE,
)

# (raw name, expected class, expected rule id)
REAL_NAMES = [
    # The three generations of the main layers.
    ("Окуповано", C, "occupied"),
    ("Окуповано /// Occupied", C, "occupied"),
    ("Окуповано /// Occupied /// geoJSON.status.occupied\n", C, "occupied"),
    ("Окуповано /// Occupied\xa0/// geoJSON.status.occupied", C, "occupied"),
    ("Окуповано/// Occupied\n", C, "occupied"),
    ("Окуповано. 18.04 - 21.04", C, "occupied"),
    ("Окуповано\xa004.04 та 21.04 /// Occupied 04.04 and 21.04\n\n", C, "occupied"),
    ("Ізюм. Окуповано\xa0", C, "occupied"),
    ("Окуповані Циркуни", C, "occupied"),
    (
        "Сєвєродонецьк. Території, що окуповано.\n04.06 ведуться бої за повне витіснення "
        "орків.\n\n/// Sieverodonetsk. Territories, which are under occupation.\n04.06 "
        "battles are being fought for the complete ousting of orcs.",
        C,
        "occupied",
    ),
    ("Рубіжне. Території зайняті ворогом", C, "occupied_by_enemy"),
    (
        "Рубіжне. Території зайняті ворогом. \n\n12.05 був відхід з Південної, та ймовірно, "
        "Забіркіно.\n // Rubizhne. Territory, which is under occupation.\n\n12.05 Southern, "
        "and probably, Zabirkino, were left\n",
        C,
        "occupied",
    ),
    ("Захоплено", C, "captured"),
    ("Крим", C, "crimea"),
    ("Окупований Крим", C, "crimea"),
    ("Окупований Крим /// Occupied Crimea", C, "crimea"),
    ("Окупований Крим /// Occupied Crimea\xa0/// geoJSON.territories.crimea", C, "crimea"),
    ("ОРДЛО", C, "ordlo"),
    ("ОРДЛО /// CADR and CALR\n", C, "ordlo"),
    ("ОРДЛО /// CADR and CALR\xa0/// geoJSON.territories.ordlo", C, "ordlo"),
    ("Острів Тузла", C, "tuzla"),
    ("Острів Тузла /// Occupied Tuzla Island\xa0/// geoJSON.territories.tuzla", C, "tuzla"),
    # Grey: contested and unknown, typos included.
    ("Під питанням", G, "contested"),
    ("Під питанням /// Contested\xa0", G, "contested"),
    ("Під питанням /// Contensed\n", G, "contested"),
    ("Під питанням\xa0/// Contensed", G, "contested"),
    ("Під питанням /// Contenesed\n", G, "contested"),
    ("Під питанням /// In doubt", G, "contested"),
    ("Під питанням /// Under question", G, "contested"),
    ("28.05 Під питанням /// 26.05 Contested", G, "contested"),
    ("26.05 Під питанням\xa0 /// 26.05 Contested", G, "contested"),
    ("Статус невідомий /// Unknown status", G, "unknown_status"),
    ("Статус невідомий /// Unknown status\xa0/// geoJSON.status.unknown\n", G, "unknown_status"),
    ("Ситуація невідома", G, "situation_unknown"),
    ("Ситуація невідома /// Situation is unknown\n", G, "situation_unknown"),
    ("Сіра зона", G, "grey_area"),
    ("Сіра зона ///\xa0Gray area", G, "grey_area"),
    (
        "Нам достеменно невідомо, що тут. Тут можуть бути орки, а можуть не бути",
        G,
        "unverified",
    ),
    ("Невідомо точно при вихід", G, "unverified"),
    ("Невідомо чи зайшли оркі в н.п", G, "unverified"),
    ("Немає інфо", G, "unverified"),
    ("Треба уточнення", G, "unverified"),
    ("Повідомляється про відхід орків", G, "reported_withdrawal"),
    ("Повідомляється, про відстуність орків в н.п", G, "reported_withdrawal"),
    (
        "Фактично контролюється ворогом, але немає інформації про його перебування тут",
        G,
        "presence_unconfirmed",
    ),
    # Liberated, with dates, ranges and every English variant.
    ("Звільнено", L, "liberated"),
    ("звільнено 26.03.2022", L, "liberated"),
    ("Звільнено 25.03 /// Liberated 25.03", L, "liberated"),
    ("Звільнено 27-31.03/// Liberated\xa027-31.03", L, "liberated"),
    ("Звільнено 31.03 - 02.04/// Taken back 31.03 - 02.04", L, "liberated"),
    ("Звільнено 16.04 /// Taken back16.04", L, "liberated"),
    ("Звільнено ///Taken back\n", L, "liberated"),
    ("Звільнено /// Recaptured\n", L, "liberated"),
    ("Звільнено 04.09\xa0/// Recaptured 04.09", L, "liberated"),
    ("26.05 Звільнено\xa0 ///\xa0Liberated 26.05", L, "liberated"),
    ("Звільнено /// Liberated\xa0\xa0/// geoJSON.status.dismissed", L, "liberated"),
    (
        "Звільнено 31.03 - 02.04 /// Liberated 31.03 - 02.04\xa0/// "
        "geoJSON.status.dismissed_at {{at:31.03 - 02.04}}",
        L,
        "liberated",
    ),
    ("Звільнено /// Liberated /// geoJSON.status.dismissed_at {{at:19.09}}\n", L, "liberated"),
    ("Звільнено Миколаївський аеропорт", L, "liberated"),
    ("Звільнено в 10х-20х числах квітня", L, "liberated"),
    ("24.03", L, "liberated_bare_date"),
    ("Начебто звільнено 26.03. Читайте опис. Треба уточнення", L, "liberated_reportedly"),
    (
        "Сєвєродонецьк. Території, відбиті у орків.\n\n/// Sieverodonetsk. Recaptured "
        "territories.\n",
        L,
        "recaptured_city",
    ),
    ("Ворога відкинуто\n", L, "enemy_pushed_back"),
    ("Ворога відкинуто///The enemy was pushed back\n", L, "enemy_pushed_back"),
    ("Під контролем ЗСУ", L, "ukrainian_control"),
    ("Орки відсутні 30.03", L, "orcs_absent"),
    # Out of scope: satire named "occupied", places outside Ukraine, labels, roads.
    ("Придністров'я", X, "transnistria"),
    ("Придністров'я/// Transnistria /// geoJSON.territories.transnistria", X, "transnistria"),
    ("Окупована Абхазія.\n///\nOccupied Abkhazia.\n", X, "abkhazia"),
    (
        "Окупований Цхінвальський район\n///\nOccupied Tskhinvali district /// "
        "geoJSON.territories.tskhinvali-district\n",
        X,
        "tskhinvali",
    ),
    ("Окупований Цхінвальський район /// Occupied Tskhinval district\n", X, "tskhinvali"),
    (
        "Тимчасово окупована територія республіки Ічкерія./// The temporarily occupied "
        "territory of the Republic of Ichkeria.",
        X,
        "ichkeria",
    ),
    (
        "Тимчасово окупована територія Карелії.///\xa0The temporarily occupied territory "
        "of Karelia.",
        X,
        "karelia",
    ),
    ("Окупована область Петсамо\n///\nOccupied Petsamo", X, "petsamo"),
    ("Окупована область Салла /// Occupied Salla\n", X, "salla"),
    (
        "Окупований Печорський район (Саатсеський чобіт).\n///\nOccupied Pechorsky district "
        "(Saaste Boot).",
        X,
        "pechory",
    ),
    ("Окуповані території Латвії /// Occupied territories of Latvia\n", X, "latvia"),
    ("Аннексовані території Латвії /// Annexed from Latvia territories\n", X, "latvia"),
    ("Окуповані у Естонії території.\n///\noccupied Estonia territories.", X, "estonia"),
    ("Тимчасово окупована східна Прусія///East Prussia is temporarily occupied", X, "east_prussia"),
    (
        "Тимчасово окупована східна Пруссія.\n///\nEast Prussia is temporarily occupied.\n/// "
        "geoJSON.territories.prussia\n",
        X,
        "east_prussia",
    ),
    (
        "Окуповані Південні Курильські острови.\n///\nOccupied Southern Kuril islands.",
        X,
        "kurils",
    ),
    (
        'Під контролем бойовиків-повстанців пвк "вагнер" /// Under the control of '
        "rebels-militants wagner\n",
        X,
        "wagner_mutiny",
    ),
    ("Вологі мрії одного з адмінів", X, "belgorod_joke"),
    ("Зміїний ///\xa0Snake Island /// geoJSON.zmiinyi_island", X, "snake_island_label"),
    ("Дорога Тростянець-Суми 31.03", X, "road"),
    ("Багатокутник 11", X, "unnamed_polygon"),
    ("Багатокутник 54", X, "unnamed_polygon"),
    # U+FFFD damage: the Ukrainian part is ignored, the English part or key decides.
    ("Окуп\ufffd\ufffdвано /// Occupied", C, "occupied"),
    ("\ufffd\ufffdкуповано /// Occupied /// geoJSON.status.occupied\n", C, "occupied"),
    (
        "Ок\ufffd\ufffdпований Крим /// Occupied Crimea\xa0/// geoJSON.territories.crimea",
        C,
        "crimea",
    ),
    ("Ст\ufffd\ufffdтус невідомий /// Unknown status", G, "unknown_status"),
    ("\ufffd\ufffdвільнено /// Taken back", L, "liberated"),
    ("Зв\ufffd\ufffdльнено /// Liberated\xa0/// geoJSON.status.dismissed", L, "liberated"),
    (
        "Окуповані у \ufffd\ufffdстонії території.\n///\noccupied Estonia territories.",
        X,
        "estonia",
    ),
    (
        "Окуп\ufffd\ufffdвана Абхазія.\n///\nOccupied Abkhazia.\n/// "
        "geoJSON.territories.abkhazia\n",
        X,
        "abkhazia",
    ),
    (
        "Тимчасово \ufffd\ufffdкупована східна Пруссія///East Prussia is temporarily occupied",
        X,
        "east_prussia",
    ),
    # Only a Ukrainian part, damaged outside the rule's stem: still classified.
    ("Звільнен\ufffd\ufffd 01.04", L, "liberated"),
]


@pytest.mark.parametrize(("name", "layer_class", "rule_id"), REAL_NAMES)
def test_real_names_are_classified(name: str, layer_class: LayerClass, rule_id: str) -> None:
    assert classify(name) == (layer_class, rule_id)


def test_every_rule_is_exercised_by_a_real_name() -> None:
    dated = {"snake_island_occupied"}  # exercised by the dated test below
    used = {rule_id for _, _, rule_id in REAL_NAMES} | dated
    assert {rule.id for rule in RULES} - used == set()


def test_rule_ids_are_unique_and_every_rule_says_why() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert [rule.id for rule in RULES if not rule.why.strip()] == []


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (dt.date(2022, 4, 3), (C, "snake_island_occupied")),
        (dt.date(2022, 6, 29), (C, "snake_island_occupied")),
        (dt.date(2022, 6, 30), (X, "snake_island_label")),
        (dt.date(2024, 1, 1), (X, "snake_island_label")),
        (None, (X, "snake_island_label")),
    ],
)
def test_snake_island_was_occupied_until_30_june_2022(on, expected) -> None:
    assert classify("Зміїний", on) == expected
    assert classify("Зміїний ///\xa0Snake Island", on) == expected


def test_the_date_only_matters_to_dated_rules() -> None:
    for on in (dt.date(2022, 4, 3), dt.date(2025, 8, 3), None):
        assert classify("Окуповано /// Occupied", on) == (C, "occupied")
        assert classify("Окуповані території Латвії /// Occupied territories of Latvia", on) == (
            X,
            "latvia",
        )


@pytest.mark.parametrize(
    "name",
    [
        "",
        None,
        "12",  # digits only: not a date, nothing left
        "Щось нове /// Something new",
        "Деокуповано /// De-occupied",  # must not fall into 'occupied'
        "Unoccupied",
        "Окуп\ufffd\ufffdвано",  # damage inside the stem and no English part: unknown
        "Occupied",  # an English-only name is not a generation DeepState used
    ],
)
def test_unknown_names_give_none(name: str | None) -> None:
    assert classify(name) is None


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Звільнено 25.03 /// Liberated 25.03", "звільнено /// liberated"),
        ("Окуповано /// Occupied\xa0/// geoJSON.status.occupied\n", None),
        (
            "Окупована Абхазія.\n///\nOccupied Abkhazia.\n",
            "окупована абхазія /// occupied abkhazia",
        ),
        ("Звільнено 31.03 - 02.04/// Taken back 31.03 - 02.04", "звільнено /// taken back"),
        (
            "Звільнено /// Liberated /// geoJSON.status.dismissed_at {{at:19.09}}\n",
            "звільнено /// liberated /// geojson.status.dismissed_at",
        ),
        ("24.03", "{date}"),
        ("Звільнено 02.04.2022", "звільнено"),
        ("Окуп\ufffd\ufffdвано /// Occupied", "окуп\ufffdвано /// occupied"),
        ("Рубіжне // Rubizhne", "рубіжне /// rubizhne"),
    ],
)
def test_normalise(name: str, normalised: str | None) -> None:
    expected = normalised or "окуповано /// occupied /// geojson.status.occupied"
    assert normalise(name) == expected


def test_satire_named_occupied_is_never_controlled() -> None:
    satire = [n for n, cls, _ in REAL_NAMES if cls is X and "окупов" in n.casefold()]
    assert len(satire) >= 8
    assert {classify(n).layer_class for n in satire} == {X}


@pytest.mark.parametrize(
    "name",
    [
        # Without the lost letter this could be Karelia (satire) or any other "occupied"
        # place: never guess "controlled".
        "Тимчасово окупована територія Кар\ufffd\ufffdлії.",
        "Тимчасово окупована територія Кар\ufffd\ufffdлії /// Temporarily occupied territory",
        # Three broken letters: not tried.
        "З\ufffd\ufffdі\ufffd\ufffdьн\ufffd\ufffdно /// Liberated",
    ],
)
def test_damage_that_hides_the_meaning_gives_none(name: str) -> None:
    assert classify(name) is None


def test_the_same_name_undamaged_is_classified() -> None:
    assert classify("Тимчасово окупована територія Карелії.") == (X, "karelia")
    assert classify("Зві\ufffd\ufffdьнено /// Liberated") == (L, "liberated")
