"""vigil.claims.numbers: quantities read out of sentences in four languages.

Every expected figure below is written by hand from the sentence (value, unit, hedge,
step as the writing implies it), not computed by the code under test.
"""

from __future__ import annotations

import math

import pytest

from vigil.claims.model import Hedge, Lang, Quantity, Unit
from vigil.claims.numbers import detect_lang, find_quantities

EN, RU, UK, AZ = Lang.EN, Lang.RU, Lang.UK, Lang.AZ
H = Hedge
U = Unit
NBSP = "\u00a0"
NNBSP = "\u202f"


def _check_spans(text: str, qs: list[Quantity]) -> None:
    for q in qs:
        assert text[q.span.start : q.span.end] == q.span.text
        if q.hedge_span is not None:
            assert text[q.hedge_span.start : q.hedge_span.end] == q.hedge_span.text


def _one(text: str, lang: Lang) -> Quantity:
    qs = find_quantities(text, lang)
    _check_spans(text, qs)
    assert len(qs) == 1, qs
    return qs[0]


# text, lang, value, unit, hedge, step, span text, hedge text
CASES = [
    # the brief's examples
    (
        "Last week alone, Russian forces seized an additional 200 square kilometers – a record "
        "for any single week this past year.",
        EN,
        200,
        U.KM2,
        H.EXACT,
        100,
        "200 square kilometers",
        None,
    ),
    (
        "В октябре российские войска заняли более 500 кв. км",
        RU,
        500,
        U.KM2,
        H.MORE_THAN,
        100,
        "500 кв. км",
        "более",
    ),
    ("За тиждень окупанти просунулися на 196 км²", UK, 196, U.KM2, H.EXACT, 1, "196 км²", None),
    (
        "Rusiya qoşunları ötən həftə 200 kv. km-dən çox ərazini ələ keçirib",
        AZ,
        200,
        U.KM2,
        H.MORE_THAN,
        100,
        "200 kv. km",
        "-dən çox",
    ),
    (
        "oktyabr ayında 500 kvadrat kilometr",
        AZ,
        500,
        U.KM2,
        H.EXACT,
        100,
        "500 kvadrat kilometr",
        None,
    ),
    # digit groupings
    ("Russia has taken 3,200 km² this year.", EN, 3200, U.KM2, H.EXACT, 100, "3,200 km²", None),
    ("Россия заняла 3 200 кв. км.", RU, 3200, U.KM2, H.EXACT, 100, "3 200 кв. км", None),
    (
        f"Россия заняла 3{NBSP}200 кв. км.",
        RU,
        3200,
        U.KM2,
        H.EXACT,
        100,
        f"3{NBSP}200 кв. км",
        None,
    ),
    (
        f"Росія захопила 3{NNBSP}250 км² за рік.",
        UK,
        3250,
        U.KM2,
        H.EXACT,
        10,
        f"3{NNBSP}250 км²",
        None,
    ),
    (
        "Rusiya 3.200 kv. km ərazini işğal edib.",
        AZ,
        3200,
        U.KM2,
        H.EXACT,
        100,
        "3.200 kv. km",
        None,
    ),
    ("a total of 12,345,000 sq km", EN, 12_345_000, U.KM2, H.EXACT, 1000, "12,345,000 sq km", None),
    ("The front moved 1.5 sq. km.", EN, 1.5, U.KM2, H.EXACT, 0.1, "1.5 sq. km", None),
    ("Фронт сдвинулся на 1,5 кв км.", RU, 1.5, U.KM2, H.EXACT, 0.1, "1,5 кв км", None),
    ("an area of 0.5 km2", EN, 0.5, U.KM2, H.EXACT, 0.1, "0.5 km2", None),
    ("an area of 2.50 km²", EN, 2.5, U.KM2, H.EXACT, 0.01, "2.50 km²", None),
    ("заняли 2000 кв. км", RU, 2000, U.KM2, H.EXACT, 1000, "2000 кв. км", None),
    # scale words
    (
        "Оккупанты захватили 1,5 тыс. кв. км.",
        RU,
        1500,
        U.KM2,
        H.EXACT,
        100,
        "1,5 тыс. кв. км",
        None,
    ),
    (
        "some 1.5 thousand square kilometres",
        EN,
        1500,
        U.KM2,
        H.ABOUT,
        100,
        "1.5 thousand square kilometres",
        "some",
    ),
    (
        "понад 2 тисячі квадратних кілометрів",
        UK,
        2000,
        U.KM2,
        H.MORE_THAN,
        1000,
        "2 тисячі квадратних кілометрів",
        "понад",
    ),
    ("Rusiya 2 min kv. km ərazini tutub", AZ, 2000, U.KM2, H.EXACT, 1000, "2 min kv. km", None),
    # numbers in words
    (
        "Russia seized two hundred square kilometres.",
        EN,
        200,
        U.KM2,
        H.EXACT,
        100,
        "two hundred square kilometres",
        None,
    ),
    (
        "Russia seized two hundred and fifty square kilometres.",
        EN,
        250,
        U.KM2,
        H.EXACT,
        10,
        "two hundred and fifty square kilometres",
        None,
    ),
    (
        "twenty-five villages were captured",
        EN,
        25,
        U.COUNT,
        H.EXACT,
        1,
        "twenty-five villages",
        None,
    ),
    (
        "Войска заняли свыше двухсот квадратных километров",
        RU,
        200,
        U.KM2,
        H.MORE_THAN,
        100,
        "двухсот квадратных километров",
        "свыше",
    ),
    (
        "задержаны более тысячи человек",
        RU,
        1000,
        U.COUNT,
        H.MORE_THAN,
        1000,
        "тысячи человек",
        "более",
    ),
    (
        "Окупанти захопили понад двохсот квадратних кілометрів",
        UK,
        200,
        U.KM2,
        H.MORE_THAN,
        100,
        "двохсот квадратних кілометрів",
        "понад",
    ),
    (
        "двісті п'ятдесят осіб затримано",
        UK,
        250,
        U.COUNT,
        H.EXACT,
        10,
        "двісті п'ятдесят осіб",
        None,
    ),
    (
        "двісті п’ятдесят осіб затримано",
        UK,
        250,
        U.COUNT,
        H.EXACT,
        10,
        "двісті п’ятдесят осіб",
        None,
    ),
    (
        "iki yüz kvadrat kilometrdən artıq ərazi",
        AZ,
        200,
        U.KM2,
        H.MORE_THAN,
        100,
        "iki yüz kvadrat kilometr",
        "dən artıq",
    ),
    (
        "üç min beş yüz nəfər həbs edilib",
        AZ,
        3500,
        U.COUNT,
        H.EXACT,
        100,
        "üç min beş yüz nəfər",
        None,
    ),
    ("İyirmi beş kənd işğal olunub", AZ, 25, U.COUNT, H.EXACT, 1, "İyirmi beş kənd", None),
    # other units
    ("about 3,200 square miles", EN, 3200, U.MI2, H.ABOUT, 100, "3,200 square miles", "about"),
    ("roughly 77 sq mi", EN, 77, U.MI2, H.ABOUT, 1, "77 sq mi", "roughly"),
    ("1,200 hectares of farmland", EN, 1200, U.HA, H.EXACT, 100, "1,200 hectares", None),
    ("около 300 гектаров", RU, 300, U.HA, H.ABOUT, 100, "300 гектаров", "около"),
    ("близько 40 га лісу", UK, 40, U.HA, H.ABOUT, 10, "40 га", "близько"),
    ("Russia controls almost 18% of Ukraine", EN, 18, U.PERCENT, H.ALMOST, 1, "18%", "almost"),
    (
        "Russia controls about 18 per cent of Ukraine",
        EN,
        18,
        U.PERCENT,
        H.ABOUT,
        1,
        "18 per cent",
        "about",
    ),
    ("Россия контролирует почти 18 % территории", RU, 18, U.PERCENT, H.ALMOST, 1, "18 %", "почти"),
    (
        "Росія окупує майже 18,5 відсотків території",
        UK,
        18.5,
        U.PERCENT,
        H.ALMOST,
        0.1,
        "18,5 відсотків",
        "майже",
    ),
    (
        "Rusiya Ukraynanın təxminən 18 faizini nəzarətdə saxlayır",
        AZ,
        18,
        U.PERCENT,
        H.ABOUT,
        1,
        "18 faiz",
        "təxminən",
    ),
    # counts and hedges
    (
        "the imprisonment of more than 300 political activists",
        EN,
        300,
        U.COUNT,
        H.MORE_THAN,
        100,
        "300 political activists",
        "more than",
    ),
    (
        "Up to 50 AXCP activists have lived as political prisoners.",
        EN,
        50,
        U.COUNT,
        H.UP_TO,
        10,
        "50 AXCP activists",
        "Up to",
    ),
    ("at least 45 people were detained", EN, 45, U.COUNT, H.AT_LEAST, 1, "45 people", "at least"),
    ("nearly 400 prisoners", EN, 400, U.COUNT, H.ALMOST, 100, "400 prisoners", "nearly"),
    ("fewer than 20 journalists", EN, 20, U.COUNT, H.LESS_THAN, 10, "20 journalists", "fewer than"),
    ("under 30 villages", EN, 30, U.COUNT, H.LESS_THAN, 10, "30 villages", "under"),
    ("~200 km²", EN, 200, U.KM2, H.ABOUT, 100, "200 km²", "~"),
    ("200+ km² in a week", EN, 200, U.KM2, H.MORE_THAN, 100, "200+ km²", "+"),
    ("300 km² or more", EN, 300, U.KM2, H.AT_LEAST, 100, "300 km²", "or more"),
    (
        "не менее 40 политзаключённых",
        RU,
        40,
        U.COUNT,
        H.AT_LEAST,
        10,
        "40 политзаключённых",
        "не менее",
    ),
    ("менее 10 человек", RU, 10, U.COUNT, H.LESS_THAN, 10, "10 человек", "менее"),
    ("до 50 активистов", RU, 50, U.COUNT, H.UP_TO, 10, "50 активистов", "до"),
    (
        "200 с лишним человек",
        RU,
        200,
        U.COUNT,
        H.MORE_THAN,
        100,
        "200 с лишним человек",
        "с лишним",
    ),
    (
        "щонайменше 12 населених пунктів",
        UK,
        12,
        U.COUNT,
        H.AT_LEAST,
        1,
        "12 населених пунктів",
        "щонайменше",
    ),
    ("менше 5 осіб", UK, 5, U.COUNT, H.LESS_THAN, 1, "5 осіб", "менше"),
    (
        "300-dən çox siyasi fəal həbsdədir",
        AZ,
        300,
        U.COUNT,
        H.MORE_THAN,
        100,
        "300-dən çox siyasi fəal",
        "-dən çox",
    ),
    ("50-yə qədər nəfər", AZ, 50, U.COUNT, H.UP_TO, 10, "50-yə qədər nəfər", "-yə qədər"),
    ("ən azı 30 siyasi məhbus", AZ, 30, U.COUNT, H.AT_LEAST, 10, "30 siyasi məhbus", "ən azı"),
    ("100 nəfərdən az", AZ, 100, U.COUNT, H.LESS_THAN, 100, "100 nəfər", "dən az"),
    # the list figure alone
    ("The list now has 392 names.", EN, 392, U.COUNT, H.EXACT, 1, "392 names", None),
    # a year-like figure with its unit right after it is a quantity
    ("Russia seized 2024 km² in a year", EN, 2024, U.KM2, H.EXACT, 1, "2024 km²", None),
]


@pytest.mark.parametrize(
    ("text", "lang", "value", "unit", "hedge", "step", "span", "hedge_text"), CASES
)
def test_quantity(
    text: str,
    lang: Lang,
    value: float,
    unit: Unit,
    hedge: Hedge,
    step: float,
    span: str,
    hedge_text: str | None,
) -> None:
    q = _one(text, lang)
    assert q.value == pytest.approx(value)
    assert q.unit is unit
    assert q.hedge is hedge
    assert q.step == pytest.approx(step)
    assert q.span.text == span
    assert (q.hedge_span.text if q.hedge_span else None) == hedge_text


@pytest.mark.parametrize(
    ("text", "lang", "km2"),
    [
        ("Russia took 200 km²", EN, 200.0),
        ("about 3,200 square miles", EN, 3200 * 2.589988110336),
        ("about 1 sq mi", EN, 2.589988110336),
        ("1,200 hectares", EN, 12.0),
        ("около 300 гектаров", RU, 3.0),
        ("1,5 тыс. кв. км", RU, 1500.0),
    ],
)
def test_km2(text: str, lang: Lang, km2: float) -> None:
    assert _one(text, lang).km2 == pytest.approx(km2, rel=1e-12)


def test_km2_none_for_counts_and_percent() -> None:
    assert _one("45 people", EN).km2 is None
    assert _one("18% of Ukraine", EN).km2 is None


def test_mile_factor_is_the_international_mile() -> None:
    # 1 mi = 1.609344 km exactly, so 1 mi² = 1.609344² km²
    q = _one("exactly 10 square miles", EN)
    assert q.km2 == pytest.approx(10 * 1.609344**2, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Ukraine shot down a Su-25 over Donetsk.", EN),
        ("The war entered 2024 with heavy losses.", EN),
        ("In 2024 Russia kept advancing.", EN),
        ("in 2024 people fled the town", EN),
        ("AXCP members met in Baku.", EN),
        ("Russia invaded on 24 February 2022.", EN),
        ("The hearing was set for 2 December.", EN),
        ("Заседание перенесли на 21-го число.", RU),
        ("Це сталося 24 лютого.", UK),
        ("Article 318 of the Criminal Code", EN),
        ("F-16 and T-72 and Ka-52 were seen", EN),
        ("It happened on the 21st day of the offensive.", EN),
        ("Kyiv, 28.10.2024 — reports", EN),
        ("At 12:30 the shelling began.", EN),
        ("тысячи человек вышли на улицы", RU),  # thousands: vague, not a number
        ("one of the villages was retaken", EN),
        ("Version 1.2.3 of the map", EN),
        ("Rusiya 2024-cü ildə hücum etdi", AZ),
    ],
)
def test_not_quantities(text: str, lang: Lang) -> None:
    assert find_quantities(text, lang) == []


def test_range_dash() -> None:
    text = "Russia captured 150–200 km² last week."
    qs = find_quantities(text, EN)
    _check_spans(text, qs)
    assert [(q.value, q.unit, q.hedge, q.step) for q in qs] == [
        (150, U.KM2, H.AT_LEAST, 10),
        (200, U.KM2, H.UP_TO, 100),
    ]
    assert qs[0].span.text == "150"
    assert qs[1].span.text == "200 km²"
    assert qs[0].km2 == 150 and qs[1].km2 == 200
    assert qs[0].hedge_span is not None and qs[0].hedge_span.text == "–"


def test_range_with_scale_word_applies_to_both() -> None:
    text = "Россия заняла 1,5–2 тыс. км² за месяц"
    qs = find_quantities(text, RU)
    _check_spans(text, qs)
    assert [(q.value, q.hedge, q.step) for q in qs] == [
        (1500, H.AT_LEAST, 100),
        (2000, H.UP_TO, 1000),
    ]


def test_range_between() -> None:
    text = "between 150 and 200 square kilometres"
    qs = find_quantities(text, EN)
    _check_spans(text, qs)
    assert [(q.value, q.hedge) for q in qs] == [(150, H.AT_LEAST), (200, H.UP_TO)]
    text = "от 150 до 200 кв. км"
    qs = find_quantities(text, RU)
    assert [(q.value, q.hedge, q.unit) for q in qs] == [
        (150, H.AT_LEAST, U.KM2),
        (200, H.UP_TO, U.KM2),
    ]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The list grew from 303 to 392 names in a year.", EN),
        ("Список вырос с 303 до 392 имён за год.", RU),
        ("Список зріс з 303 до 392 імен за рік.", UK),
        ("Siyahı 303-dən 392 nəfərə qədər artıb.", AZ),
    ],
)
def test_from_to_pair_is_exact(text: str, lang: Lang) -> None:
    qs = find_quantities(text, lang)
    _check_spans(text, qs)
    assert [q.value for q in qs] == [303, 392]
    assert all(q.unit is U.COUNT for q in qs)
    # "до" between the two is not "up to": the caller decides change or range
    assert [q.hedge for q in qs] == [H.EXACT, H.EXACT]


def test_several_in_one_sentence_in_order() -> None:
    text = (
        "Over the week Russia took about 196 km², up from 120 km² the week before, "
        "and 12 villages; 45 people were detained."
    )
    qs = find_quantities(text, EN)
    _check_spans(text, qs)
    assert [(q.value, q.unit, q.hedge) for q in qs] == [
        (196, U.KM2, H.ABOUT),
        (120, U.KM2, H.EXACT),
        (12, U.COUNT, H.EXACT),
        (45, U.COUNT, H.EXACT),
    ]
    assert [q.span.start for q in qs] == sorted(q.span.start for q in qs)


def test_en_dot_is_decimal_and_ru_dot_groups() -> None:
    assert _one("1.500 km²", EN).value == pytest.approx(1.5)
    assert _one("1.500 кв. км", RU).value == 1500
    assert _one("1,500 km²", EN).value == 1500
    assert _one("1,500 кв. км", RU).value == pytest.approx(1.5)


def test_hyphenated_unit() -> None:
    q = _one("a 200-square-kilometre bulge", EN)
    assert (q.value, q.unit, q.span.text) == (200, U.KM2, "200-square-kilometre")


def test_step_gives_the_tolerance_the_model_describes() -> None:
    # model.Quantity: a bare "200" stands for 150 <= x < 250
    q = _one("200 km²", EN)
    assert (q.value - q.step / 2, q.value + q.step / 2) == (150, 250)
    q = _one("196 km²", EN)
    assert (q.value - q.step / 2, q.value + q.step / 2) == (195.5, 196.5)


def test_spans_point_into_the_original_text() -> None:
    for text, lang, *_ in CASES:
        qs = find_quantities(text, lang)
        _check_spans(text, qs)
        assert all(0 <= q.span.start < q.span.end <= len(text) for q in qs)


def test_values_are_finite() -> None:
    for text, lang, *_ in CASES:
        for q in find_quantities(text, lang):
            assert math.isfinite(q.value) and q.step > 0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Russian forces seized 200 square kilometres last week.", EN),
        ("В октябре российские войска заняли более 500 кв. км", RU),
        ("Ещё пять сёл, объявили в штабе.", RU),
        ("За тиждень окупанти просунулися на 196 км²", UK),
        ("Суд відклав засідання до 2 грудня", UK),
        ("Rusiya qoşunları ötən həftə 200 kv. km-dən çox ərazini ələ keçirib", AZ),
        ("oktyabr ayında 500 kvadrat kilometr", AZ),
        ("Siyasi məhbusların sayı artıb", AZ),
        ("The orchestrated trial against him has been postponed until December 2.", EN),
    ],
)
def test_detect_lang(text: str, lang: Lang) -> None:
    assert detect_lang(text) is lang


@pytest.mark.parametrize(
    ("text", "lang", "value", "step", "words"),
    [
        # the units after a scale word count too: 12 thousand and 305 = 12 305
        ("sahəsi 12 min 305 kvadrat kilometrdir", AZ, 12_305, 1, "12 min 305 kvadrat kilometr"),
        ("окуповано 98 тис 420 кв км", UK, 98_420, 10, "98 тис 420 кв км"),
        ("около 7 тыс. 250 кв. км", RU, 7_250, 10, "7 тыс. 250 кв. км"),  # 5 in the tens
    ],
)  # fmt: skip
def test_scale_word_then_units(
    text: str, lang: Lang, value: float, step: float, words: str
) -> None:
    q = _one(text, lang)
    assert (q.value, q.unit, q.step, q.span.text) == (value, U.KM2, step, words)


def test_units_after_a_scale_word_must_be_below_it() -> None:
    # "5 тысяч 2024 года": a year after the scale word is not its units
    q = _one("потеряли 5 тысяч кв. км с 2024 года", RU)
    assert (q.value, q.span.text) == (5000, "5 тысяч кв. км")


@pytest.mark.parametrize(
    ("text", "lang", "value", "words"),
    [
        ("контролируем 812 кв. километра", RU, 812, "812 кв. километра"),
        ("заняли 57 квадратных км", RU, 57, "57 квадратных км"),
        ("окупувала 64 тис. км кв. території", UK, 64_000, "64 тис. км кв."),
        ("2700 kvadratkilometr ərazi", AZ, 2700, "2700 kvadratkilometr"),
        ("ərazinin 14 kvadrat kilometri şərqdə", AZ, 14, "14 kvadrat kilometr"),
    ],
)
def test_more_ways_to_write_square_kilometres(
    text: str, lang: Lang, value: float, words: str
) -> None:
    q = _one(text, lang)
    assert (q.value, q.unit, q.hedge, q.span.text) == (value, U.KM2, H.EXACT, words)


def test_a_hedge_followed_by_a_comma() -> None:
    q = _one("təxminən, 90 min kvadrat kilometr", AZ)
    assert (q.value, q.hedge) == (90_000, H.ABOUT)


@pytest.mark.parametrize("text", ["площадь выросла до 1200 кв. км", "площа зросла до 1200 кв км"])
def test_do_after_a_verb_of_change_is_not_up_to(text: str) -> None:
    q = _one(text, detect_lang(text))
    assert (q.value, q.hedge) == (1200, H.EXACT)
    # without the verb it is the hedge
    assert _one("до 1200 кв. км", RU).hedge is H.UP_TO
