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
