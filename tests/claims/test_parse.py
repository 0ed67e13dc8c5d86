"""A sentence → its territory claims: actor, measure, period, comparison, place, spans.

Expected values are read off each sentence by hand (hand-written inputs, hand-computed
answers); the dates follow docs/method.md (weeks Monday→Monday, half-open periods).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from vigil.claims.model import Actor, Hedge, Lang, Measure, TerritoryClaim, Unit
from vigil.claims.parse import parse
from vigil.claims.places import Gazetteer

MON_28_OCT_2024 = dt.date(2024, 10, 28)


def one(text: str, as_of: dt.date = MON_28_OCT_2024) -> TerritoryClaim:
    parsed = parse(text, as_of=as_of)
    claims = [c for c in parsed.claims if isinstance(c, TerritoryClaim)]
    assert len(claims) == 1, parsed.claims
    claim = claims[0]
    span = claim.span
    assert text[span.start : span.end] == span.text
    return claim


def test_the_issue_sentence() -> None:
    text = (
        "Last week alone, Russian forces seized an additional 200 square kilometers – a "
        "record for any single week this past year."
    )
    c = one(text)
    assert (c.actor, c.measure) == (Actor.RUSSIA, Measure.GAINED)
    assert c.quantity is not None
    assert (c.quantity.value, c.quantity.unit, c.quantity.hedge) == (200, Unit.KM2, Hedge.EXACT)
    assert c.period is not None
    first = c.period.readings[0]
    assert (first.start, first.end, first.freq) == (dt.date(2024, 10, 21), MON_28_OCT_2024, "week")
    assert c.comparison is not None
    assert (c.comparison.kind, c.comparison.window) == ("record", "year")
    # the claim's span runs from the period phrase to the end of the comparison
    assert c.span.text.startswith("Last week")
    assert c.span.text.endswith("this past year")


@pytest.mark.parametrize(
    ("text", "lang", "actor", "measure", "value", "hedge"),
    [
        ("В октябре российские войска заняли более 500 кв. км", Lang.RU, Actor.RUSSIA,
         Measure.GAINED, 500, Hedge.MORE_THAN),
        ("За тиждень окупанти просунулися на 196 км²", Lang.UK, Actor.RUSSIA, Measure.GAINED,
         196, Hedge.EXACT),
        ("ЗСУ звільнили близько 40 кв. км за тиждень", Lang.UK, Actor.UKRAINE, Measure.GAINED,
         40, Hedge.ABOUT),
        ("Ukrainian forces liberated about 500 square kilometres in a week", Lang.EN,
         Actor.UKRAINE, Measure.GAINED, 500, Hedge.ABOUT),
        ("Russia now controls about 18% of Ukraine", Lang.EN, Actor.RUSSIA, Measure.HELD, 18,
         Hedge.ABOUT),
        ("Россия контролирует около 113 тыс. кв. км территории Украины", Lang.RU,
         Actor.RUSSIA, Measure.HELD, 113_000, Hedge.ABOUT),
        ("Rusiya qoşunları ötən həftə 200 kv. km-dən çox ərazini ələ keçirib", Lang.AZ,
         Actor.RUSSIA, Measure.GAINED, 200, Hedge.MORE_THAN),
        ("Russia's net gain last month was 400 km²", Lang.EN, Actor.RUSSIA, Measure.NET, 400,
         Hedge.EXACT),
    ],
)  # fmt: skip
def test_actor_measure_and_quantity(
    text: str, lang: Lang, actor: Actor, measure: Measure, value: float, hedge: Hedge
) -> None:
    parsed = parse(text, as_of=MON_28_OCT_2024)
    assert parsed.lang == lang
    c = one(text)
    assert (c.actor, c.measure) == (actor, measure)
    assert c.quantity is not None
    assert (c.quantity.value, c.quantity.hedge) == (value, hedge)


def test_month_and_year_periods() -> None:
    c = one("В октябре российские войска заняли более 500 кв. км", as_of=dt.date(2024, 11, 5))
    assert c.period is not None
    r = c.period.readings[0]
    assert (r.start, r.end, r.freq) == (dt.date(2024, 10, 1), dt.date(2024, 11, 1), "month")


@pytest.mark.parametrize(
    ("text", "kind", "since", "factor"),
    [
        ("Russian forces seized 600 km² in November, the largest monthly gain since "
         "November 2022", "largest_since", dt.date(2022, 11, 1), None),
        ("Russia took 200 km² last week, the fastest pace since March 2022", "fastest",
         dt.date(2022, 3, 1), None),
        ("In October Russia seized 500 km², double the area it took in September",
         "multiple", None, 2),
        ("Окупанти захопили 400 км² у жовтні — рекорд з початку війни", "record", None, None),
    ],
)  # fmt: skip
def test_comparisons(text: str, kind: str, since: dt.date | None, factor: float | None) -> None:
    c = one(text, as_of=dt.date(2024, 12, 2))
    assert c.comparison is not None
    assert c.comparison.kind == kind
    assert c.comparison.since == since
    assert c.comparison.factor == factor
    # the comparison's own dates are not the claim's period
    if c.period is not None and since is not None:
        assert c.period.readings[0].start != since


def test_place_in_the_sentence() -> None:
    c = one("За жовтень окупанти захопили 300 км² на Донеччині", as_of=dt.date(2024, 11, 4))
    assert c.place is not None
    assert (c.place.code, c.place.level) == ("UA-14", "oblast")


def test_the_anchor_is_the_dateline_when_no_as_of_is_given() -> None:
    text = "KYIV, October 28, 2024 — Russian forces seized 196 km² last week."
    parsed = parse(text, today=dt.date(2026, 12, 1))
    assert (parsed.anchor, parsed.anchor_basis) == (MON_28_OCT_2024, "publication date in the text")
    parsed = parse("Russian forces seized 196 km² last week.", today=dt.date(2026, 12, 1))
    assert (parsed.anchor, parsed.anchor_basis) == (dt.date(2026, 12, 1), "today")


def test_no_area_no_territory_claim() -> None:
    parsed = parse("Russia lost 1,440 soldiers in the past day.", as_of=MON_28_OCT_2024)
    assert [c for c in parsed.claims if isinstance(c, TerritoryClaim)] == []


def test_a_settlement_capture() -> None:
    gazetteer = Gazetteer(
        pd.DataFrame(
            {
                "code": ["UA1"],
                "name_uk": ["Новогродівка"],
                "name_en": ["Novohrodivka"],
                "name_translit": ["Novohrodivka"],
                "category": ["M"],
            }
        )
    )
    text = "Russian forces captured the town of Novohrodivka last week."
    parsed = parse(text, as_of=MON_28_OCT_2024, gazetteer=lambda: gazetteer)
    (c,) = parsed.claims
    assert isinstance(c, TerritoryClaim)
    assert c.settlement_captured and c.quantity is None
    assert c.place is not None and c.place.code == "UA1"
    # no gazetteer asked for when the sentence does not speak of taking a place
    asked = []
    parse("Fighting continued near Novohrodivka.", as_of=MON_28_OCT_2024,
          gazetteer=lambda: asked.append(1))  # fmt: skip
    assert asked == []


# --- settlements -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def villages() -> Gazetteer:
    return Gazetteer(
        pd.DataFrame(
            {
                "code": ["UA1", "UA2", "UA3", "UA4", "UA5"],
                "name_uk": ["Новогродівка", "Ступочки", "Кліщіївка", "Олександрівка", "Київ"],
                "name_en": ["Novohrodivka", "Stupochky", "Klishchiivka", "Oleksandrivka", "Kyiv"],
                "name_translit": ["Novohrodivka", "Stupochky", "Klishchiivka", "Oleksandrivka",
                                  "Kyiv"],
                "category": ["", "", "", "", "K"],
            }
        )
    )  # fmt: skip


def settlements(text: str, gazetteer: Gazetteer) -> list[tuple[str, Actor]]:
    parsed = parse(text, as_of=MON_28_OCT_2024, gazetteer=lambda: gazetteer)
    out = []
    for c in parsed.claims:
        if isinstance(c, TerritoryClaim) and c.settlement_captured:
            assert c.place is not None and text[c.place.span.start : c.place.span.end]
            out.append((c.place.name, c.actor))
    return out


@pytest.mark.parametrize(
    ("text", "names", "actor"),
    [
        # one claim per settlement of a list, whichever word names the list
        ("Russian troops captured the villages of Novohrodivka and Stupochky.",
         ["Novohrodivka", "Stupochky"], Actor.RUSSIA),
        ("Ukrainian forces retook Klishchiivka, Oleksandrivka and Stupochky.",
         ["Klishchiivka", "Oleksandrivka", "Stupochky"], Actor.UKRAINE),
        # an unknown name in the middle does not break the list
        ("ВС РФ заняли Новогродовку, Лесное и Ступочки.", ["Novohrodivka", "Stupochky"],
         Actor.RUSSIA),
        # the settlement word before a colon, or "среди которых", opens the list
        ("Установлен контроль над двумя населенными пунктами: Новогродовка и Ступочки.",
         ["Novohrodivka", "Stupochky"], Actor.RUSSIA),
        ("окупанти захопили 3 населені пункти, серед яких Ступочки та Кліщіївка.",
         ["Stupochky", "Klishchiivka"], Actor.RUSSIA),
        # Azerbaijani: the place word after the list
        ("Ukrayna ordusu Kliççiyivka və Oleksandrivka kəndlərini azad edib.",
         ["Oleksandrivka"], Actor.UKRAINE),
        # a passive after the names
        ("Stupochky and Klishchiivka were “liberated” from Russian occupation.",
         ["Stupochky", "Klishchiivka"], Actor.UKRAINE),
        # Russian MoD wording: a grouping of forces is Russia's, "освободили" its gain
        ("Бойцы «Южной» группировки войск освободили Ступочки.", ["Stupochky"], Actor.RUSSIA),
    ],
)  # fmt: skip
def test_settlement_lists(villages: Gazetteer, text: str, names: list[str], actor: Actor) -> None:
    assert settlements(text, villages) == [(n, actor) for n in names]


@pytest.mark.parametrize(
    "text",
    [
        "Seven settlements have been recaptured by Kyiv.",  # the taker, not a place taken
        # the village word names Novohrodivka, not the city after it
        "Russia captured the village of Novohrodivka near Kyiv.",
    ],
)
def test_a_name_that_is_not_taken(villages: Gazetteer, text: str) -> None:
    assert "Kyiv" not in [n for n, _ in settlements(text, villages)]


def test_a_settlement_named_beside_a_figure(villages: Gazetteer) -> None:
    text = "Окупанти захопили 20 кв. км біля Києва, де під їхній контроль перейшло село Ступочки."
    parsed = parse(text, as_of=MON_28_OCT_2024, gazetteer=lambda: villages)
    kinds = [(c.quantity is not None, c.settlement_captured) for c in parsed.claims]  # type: ignore[union-attr]
    assert kinds == [(True, False), (False, True)]


# --- areas the maps do not delimit -------------------------------------------------------


def test_an_area_wins_over_the_oblast() -> None:
    c = one("Окупанти захопили 12 кв. км в районе Угледара Донецкой области за неделю.")
    assert c.place is not None
    assert (c.place.level, c.place.code, c.place.name) == ("area", None, "в районе Угледара")


def test_two_figures_two_areas() -> None:
    text = "Russian forces took 95 km² near Kurakhove and 63 km² near Toretsk last week."
    parsed = parse(text, as_of=MON_28_OCT_2024)
    got = [(c.quantity.value, c.place.name) for c in parsed.claims]  # type: ignore[union-attr]
    assert got == [(95, "near Kurakhove"), (63, "near Toretsk")]


def test_an_area_after_another_predicate_is_not_the_figures() -> None:
    c = one("Russia controls 18% of Ukraine, and its troops are advancing in the south.")
    assert c.place is None


# --- held, gained, net ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "measure"),
    [
        # the measure word nearest the figure
        ("Russia controls 18% of Ukraine and keeps advancing in the east.", Measure.HELD),
        ("Crimea remains occupied, which is 4.5% of Ukraine.", Measure.HELD),
        ("Ukrainian troops regained control over 3 square kilometres last week.", Measure.GAINED),
        ("Russian forces took full control of 90 km² last week.", Measure.GAINED),
        ("The Russians managed to occupy 0.02% of Ukraine last week.", Measure.GAINED),
        # a level reached, a running total, a total area
        ("The occupied area had increased to 110,000 km² by May.", Measure.HELD),
        ("Площадь оккупации выросла до 110 000 кв. км.", Measure.HELD),
        ("Захваченная территория, общая площадь которой 700 кв. км, осталась за РФ.",
         Measure.HELD),
        # occupying with no period is the state; seizing is a gain of some period
        ("Росія окупувала 110 тис. кв. км української землі.", Measure.HELD),
        ("Russia has seized 500 km².", Measure.GAINED),
        # gained since before the occupation began: everything held
        ("С 2014 года Россия захватила 19% Украины.", Measure.HELD),
        # "всего" right before a figure is "only"
        ("За год армия РФ захватила всего 0,5% территории Украины.", Measure.GAINED),
        # a change of the area held is net
        ("Приріст окупованої території за рік склав 4000 кв км.", Measure.NET),
        ("Over the year the increase in the occupied territory amounted to 4,000 km².",
         Measure.NET),
    ],
)  # fmt: skip
def test_measure_rules(text: str, measure: Measure) -> None:
    assert one(text).measure is measure


def test_a_share_that_restates_the_figure_takes_its_reading() -> None:
    parsed = parse(
        "В октябре ВС РФ захватили 600 кв. км, что составляет 0,1% территории Украины.",
        as_of=dt.date(2024, 11, 4),
    )
    area, share = parsed.claims
    assert isinstance(area, TerritoryClaim) and isinstance(share, TerritoryClaim)
    assert (share.measure, share.actor) == (Measure.GAINED, Actor.RUSSIA)
    assert share.period is not None and area.period is not None
    assert share.period.readings == area.period.readings


def test_before_the_invasion_is_a_day_reading_of_a_held_claim() -> None:
    c = one("Prior to the full-scale invasion, Russia occupied 7% of Ukraine.")
    assert c.measure is Measure.HELD
    assert c.period is not None and c.period.kind == "day"
    assert c.period.readings[0].start == dt.date(2022, 2, 23)


def test_crimea_alone_is_the_region() -> None:
    c = one("Crimea remains occupied, which is 4.5% of Ukraine.")
    assert c.place is not None and c.place.code == "UA-43"


# --- actors, rates, shares, comparisons, dates of statements --------------------------


@pytest.mark.parametrize(
    ("text", "actor"),
    [
        # the country's name as the subject of a verb of taking is its forces
        ("Ukraine has reclaimed 40 km² last week.", Actor.UKRAINE),
        ("Украина потеряла 300 кв. км за неделю.", Actor.UKRAINE),
        # Russia after "against" is the opponent; after a region word, where it lies
        ("Ukrainian troops took 30 km² last week in a push against Russian forces.",
         Actor.UKRAINE),
        ("Украинские войска заняли 30 кв. км в Курской области РФ за неделю.", Actor.UKRAINE),
        # liberated from Ukraine's forces: liberated by Russia's
        ("За неделю от ВСУ освобождено 25 кв. км.", Actor.RUSSIA),
        ("Over the week 6 km² were purged of the invaders.", Actor.UKRAINE),
    ],
)  # fmt: skip
def test_actor_rules(text: str, actor: Actor) -> None:
    assert one(text).actor is actor


def test_a_rate_is_not_an_area_of_a_period() -> None:
    parsed = parse(
        "Last month the army took 450 km², with 15 km² taken each day.", as_of=MON_28_OCT_2024
    )
    assert [c.quantity.value for c in parsed.claims] == [450]  # type: ignore[union-attr]
    assert parse("Армия продвигалась на 12 кв. км в день.", as_of=MON_28_OCT_2024).claims == ()


def test_a_hedge_shared_by_coordinated_figures() -> None:
    c = one("In a month Ukraine retook over 300 villages and 6,000 km² in the east.")
    assert c.quantity is not None and c.quantity.hedge is Hedge.MORE_THAN
    c = one("Ukrainian troops regained control over 9 km² last week.")
    assert c.quantity is not None and c.quantity.hedge is Hedge.EXACT  # "control over"


def test_each_share_is_of_the_region_named_after_it() -> None:
    parsed = parse(
        "Russia controls 98% of the Luhansk region and 70% of the Donetsk region.",
        as_of=MON_28_OCT_2024,
    )
    got = [(c.quantity.value, c.place.code, c.measure) for c in parsed.claims]  # type: ignore[union-attr]
    assert got == [(98, "UA-09", Measure.HELD), (70, "UA-14", Measure.HELD)]
    # a share of a region taken, with no period, is the share held
    c = one("ВС РФ освободили 95% территории ЛНР.")
    assert (c.measure, c.place.code if c.place else None) == (Measure.HELD, "UA-09")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("В сентябре ВС РФ заняли 250 кв. км — самый низкий показатель с мая.", "smallest_since"),
        ("У вересні окупанти зайняли 250 кв. км — найнижчий показник з травня.",
         "smallest_since"),
        ("В августе ВС РФ заняли 480 кв. км — самый значительный прирост с октября 2022 года.",
         "largest_since"),
    ],
)  # fmt: skip
def test_more_comparisons(text: str, kind: str) -> None:
    c = one(text, as_of=dt.date(2024, 10, 2))
    assert c.comparison is not None and c.comparison.kind == kind


def test_the_day_of_a_statement_is_not_the_period() -> None:
    c = one("The minister said on May 31 that Russia had captured 900 km² in 2024.",
            as_of=dt.date(2024, 6, 1))  # fmt: skip
    assert c.period is not None
    assert c.period.readings[0].start == dt.date(2024, 1, 1)


@pytest.mark.parametrize(
    "text",
    [
        "In March Russia captured 400 km², making it the most successful month of 2024.",
        "Russia took 190 km² last week, the fastest weekly offensive this year.",
    ],
)
def test_a_superlative_within_a_year_is_a_record(text: str) -> None:
    c = one(text)
    assert c.comparison is not None and c.comparison.kind == "record"


def test_a_record_with_no_figure() -> None:
    parsed = parse(
        "Минулий тиждень став для окупантів найуспішнішим за кількістю захопленої території.",
        as_of=dt.date(2024, 10, 30),
    )
    (c,) = parsed.claims
    assert isinstance(c, TerritoryClaim) and c.quantity is None
    assert c.comparison is not None and c.comparison.kind == "record"
    assert c.period is not None
    assert (c.period.readings[0].start, c.period.readings[0].end) == (
        dt.date(2024, 10, 21),
        dt.date(2024, 10, 28),
    )


@pytest.mark.parametrize(
    "text",
    [
        "У жовтні окупанти захопили 400 кв. км, що на 150 кв. км більше, ніж у вересні.",
        "Oktyabrda ruslar 400 kvadrat kilometr ərazini ələ keçiriblər, bu 150 kvadrat kilometr "
        "çoxdur.",
    ],
)
def test_a_difference_is_not_an_area_of_a_period(text: str) -> None:
    c = one(text, as_of=dt.date(2024, 11, 4))
    assert c.quantity is not None and c.quantity.value == 400
