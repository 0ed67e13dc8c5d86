"""The verdict rule (vigil.claims.verdict): tolerances from hedges and precision, and
the label table, each row by a case built to fall in it.

Expected bounds are written out from the rule in docs/claims.md ("'200' is written to
the hundred: 150 ≤ x < 250"), not computed by the code under test.
"""

from __future__ import annotations

import pytest

from vigil.claims.model import Hedge, Label, Quantity, Span, Unit
from vigil.claims.verdict import Outcome, decide, hedge_note, in_unit, tolerance

SPAN = Span(0, 3, "200")


def qty(value: float, hedge: Hedge = Hedge.EXACT, step: float = 1.0, unit: Unit = Unit.KM2,
        km2: float | None = None) -> Quantity:  # fmt: skip
    if km2 is None and unit is Unit.KM2:
        km2 = value
    return Quantity(value, unit, hedge, step, SPAN, km2=km2)


# -- tolerance --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("q", "inside", "outside"),
    [
        # a bare "200" stands for 150 ≤ x < 250
        (qty(200, step=100), [150.0, 196.29, 249.99], [149.99, 250.0]),
        # "196" to the unit (±0.5) is held to ±0.5 % (±0.98): 195.02 ≤ x < 196.98
        (qty(196, step=1), [195.02, 196.29, 196.97], [195.01, 196.98]),
        # "1.5" to the tenth (±0.05) is wider than 0.5 % (±0.0075): the rounding stands
        (qty(1.5, step=0.1), [1.45, 1.549], [1.449, 1.55]),
        # "about 200": the rounding (±50) is wider than ±10 % (±20)
        (qty(200, Hedge.ABOUT, 100), [150.0, 249.9], [149.9, 250.0]),
        # "about 196": ±10 % (±19.6) is wider than the rounding (±0.5)
        (qty(196, Hedge.ABOUT, 1), [176.4, 215.5], [176.3, 215.6]),
        # "more than 500": strictly above
        (qty(500, Hedge.MORE_THAN, 100), [500.01, 5000.0], [500.0, 499.9]),
        (qty(500, Hedge.AT_LEAST, 100), [500.0, 501.0], [499.99]),
        (qty(500, Hedge.UP_TO, 100), [500.0, 0.0], [500.01]),
        (qty(500, Hedge.LESS_THAN, 100), [499.99], [500.0]),
        # "almost 200": 150 ≤ x ≤ 200 (the rounding, 50, is wider than 10 %, 20)
        (qty(200, Hedge.ALMOST, 100), [150.0, 199.0, 200.0], [149.9, 200.1]),
        # "almost 1,960": 10 % (196) wider than the rounding (5): 1,764 ≤ x ≤ 1,960
        (qty(1960, Hedge.ALMOST, 10), [1764.0, 1959.0], [1763.9, 1960.1]),
    ],
)
def test_tolerance_bounds(q: Quantity, inside: list[float], outside: list[float]) -> None:
    tol = tolerance(q)
    assert all(tol.holds(x) for x in inside), (tol, inside)
    assert not any(tol.holds(x) for x in outside), (tol, outside)
    assert tol.why  # always put in words


def test_tolerance_words_name_the_range() -> None:
    assert "150 ≤ x < 250" in tolerance(qty(200, step=100)).why
    assert "195.02 ≤ x < 196.98" in tolerance(qty(196, step=1)).why
    assert "0.5%" in tolerance(qty(196, step=1)).why
    assert "10%" in tolerance(qty(196, Hedge.ABOUT, 1)).why


def test_area_units_are_compared_in_km2() -> None:
    # 100 sq mi written to the ten: 95–105 sq mi = 246.05–271.95 km²
    mi = 2.589988110336
    q = qty(100, step=10, unit=Unit.MI2, km2=100 * mi)
    value, step = in_unit(q)
    assert value == pytest.approx(258.9988, abs=1e-3)
    assert step == pytest.approx(10 * mi)
    tol = tolerance(q)
    assert tol.low == pytest.approx(95 * mi) and tol.high == pytest.approx(105 * mi)
    # 5,000 ha = 50 km², written to the thousand ha (10 km²)
    ha = tolerance(qty(5000, step=1000, unit=Unit.HA, km2=50.0))
    assert ha.low == pytest.approx(45.0) and ha.high == pytest.approx(55.0)
    # percentages stay percentages
    pct = tolerance(qty(18, Hedge.ABOUT, 1, Unit.PERCENT))
    assert pct.low == pytest.approx(16.2) and pct.high == pytest.approx(19.8)


def test_an_area_without_km2_is_a_parser_bug() -> None:
    with pytest.raises(ValueError, match="km2"):
        tolerance(Quantity(100, Unit.MI2, Hedge.EXACT, 10, SPAN))


def test_hedge_note_on_loose_one_sided_hedges() -> None:
    more = qty(200, Hedge.MORE_THAN, 100)
    assert hedge_note(more, 450.0) is not None and "2.2 times" in str(hedge_note(more, 450.0))
    assert hedge_note(more, 390.0) is None
    up_to = qty(200, Hedge.UP_TO, 100)
    assert hedge_note(up_to, 80.0) is not None
    assert hedge_note(up_to, 150.0) is None
    assert hedge_note(qty(200, Hedge.ABOUT, 100), 1000.0) is None


# -- the label table --------------------------------------------------------------------
Oc = Outcome


@pytest.mark.parametrize(
    ("outcomes", "has_comparison", "label", "basis"),
    [
        # nothing computed: no data
        ([Oc(None), Oc(None)], False, Label.CANNOT_CHECK, None),
        # default holds, every other reading agrees
        ([Oc(True), Oc(True)], False, Label.SUPPORTED, 0),
        ([Oc(True, True), Oc(True, True), Oc(None)], True, Label.SUPPORTED, 0),
        # default holds, another reading does not
        ([Oc(True), Oc(False)], False, Label.CAVEATS, 0),
        # default fails, another reading holds: that reading is the basis
        ([Oc(False), Oc(True)], False, Label.CAVEATS, 1),
        # no reading within tolerance
        ([Oc(False), Oc(False), Oc(None)], False, Label.NOT_SUPPORTED, None),
        # the figure holds only with the redraw fragments
        ([Oc(True, by_redraw=True), Oc(False)], False, Label.MISLEADING, 0),
        # the comparison fails wherever the figure holds
        ([Oc(True, False), Oc(True, False), Oc(False, True)], True, Label.MISLEADING, 0),
        # ... even when a trailing reading cannot rank it
        ([Oc(True, False), Oc(True, None)], True, Label.MISLEADING, 0),
        # the comparison holds only under an alternative reading
        ([Oc(True, False), Oc(True, True)], True, Label.CAVEATS, 1),
        # the comparison cannot be evaluated under the default (data too short)
        ([Oc(True, None)], True, Label.CAVEATS, 0),
        # a redraw-free reading holds where the default needs the redraws
        ([Oc(True, by_redraw=True), Oc(False), Oc(True)], False, Label.CAVEATS, 2),
    ],
)
def test_decide(
    outcomes: list[Outcome], has_comparison: bool, label: Label, basis: int | None
) -> None:
    decision = decide(outcomes, has_comparison=has_comparison)
    assert decision.label is label, decision
    assert decision.basis == basis
    assert decision.reason
