"""The verdict rule, shared by territory and case rulings: tolerance and label.

Two pure functions carry the method; the rulers (:mod:`vigil.claims.territory`,
:mod:`vigil.claims.cases`) compute figures, then ask these what they mean:

- :func:`tolerance`: a :class:`~vigil.claims.model.Quantity` → the range of true values
  under which the sentence's figure holds, from its hedge and its own precision;
- :func:`decide`: the outcomes of every reading (the default first) → one
  :class:`~vigil.claims.model.Label`, and the reading it rests on.

Units: a tolerance is expressed in km² for area units (mi², ha are converted with the
quantity's ``km2``), in percentage points for ``percent``, in items for ``count``; the
ruler must compare a figure in the same unit (:func:`in_unit`).

The label rule (docs/claims.md, "Verdicts"), in order:

====================  ===================================================================
CANNOT_CHECK          no reading could be computed (no data covers it), or no quantity
NOT_SUPPORTED         no computed reading's figure is within tolerance
MISLEADING            the figure holds under some reading, but every such reading either
                      rests on redraw fragments or fails the comparison the claim makes
SUPPORTED             the default reading holds (figure and comparison, not by redraws),
                      and every other reading of the sentence's period agrees (other
                      sources and measures are shown, and may rescue, not demote)
CAVEATS               otherwise: the default holds but some reading does not, or the
                      default fails and another reasonable reading holds
====================  ===================================================================

A comparison that cannot be evaluated under a reading (a trailing period cannot be
ranked; ``comparison_holds is None`` while the claim makes one) never makes a reading
fail; it keeps the label from SUPPORTED (at most CAVEATS, with a caveat saying so).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from vigil import i18n
from vigil.claims.model import Hedge, Label, Quantity, Tolerance, Unit
from vigil.i18n import gettext as _

# "about" allows the wider of the sentence's rounding and this share of its value.
ABOUT_SHARE = 0.10
# A bare figure is never held to less than this share of its value: the same map
# measured by another tool (a projected area, DeepState's own counter, a map a day
# apart) differs by this much or more. On the labelled set, 29 sentences quoting
# DeepState-based figures to the km² miss Vigil's geodesic figure for the same maps by
# under 2 %, most by under 0.5 % ("116,165 km²" against 116,219.15: 0.05 %;
# docs/claims.md "Tolerance"); without a floor their precise figures would read as
# "not supported" when the only difference is the tool that measured them.
METHOD_SHARE = 0.005
# "almost" allows figures up to this share (or the rounding, if wider) below the value.
ALMOST_SHARE = 0.10
# "more than" / "at least" stay true far above the value, but a figure this many times
# the value (or more) makes the sentence an understatement worth a caveat; likewise
# "up to" / "less than" a figure at or below value / FAR_FACTOR.
FAR_FACTOR = 2.0


def _fmt(x: float) -> str:
    """A bound in words: no trailing zeros, thousands separated ("1,234.5"; in the
    reader's language's separators, "1 234,5", when it is not English)."""
    if i18n.active() != "en":
        from babel.numbers import format_decimal

        return format_decimal(round(x, 2) + 0.0, format="#,##0.##", locale=i18n.active())
    if x == int(x):
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _unit_words(unit: Unit) -> str:
    return {
        Unit.KM2: " km²",
        Unit.MI2: " km²",
        Unit.HA: " km²",
        Unit.PERCENT: " %",
        Unit.COUNT: "",
    }[unit]


def in_unit(q: Quantity) -> tuple[float, float]:
    """``(value, step)`` of ``q`` in the unit its tolerance uses (km² for any area unit,
    else the quantity's own). Raises ``ValueError`` for an area quantity without ``km2``
    (a parser bug, not a user error)."""
    if q.unit in (Unit.MI2, Unit.HA):
        if q.km2 is None:
            raise ValueError(f"area quantity in {q.unit} without km2: {q!r}")
        scale = q.km2 / q.value if q.value else 0.0
        return q.km2, q.step * scale
    if q.unit is Unit.KM2 and q.km2 is not None:
        return q.km2, q.step
    return q.value, q.step


def tolerance(q: Quantity) -> Tolerance:
    """The range of true values under which ``q`` holds, from its hedge and precision.

    ``step`` is the place value of the last significant digit written ("200" → 100):

    - ``EXACT``: the rounding interval, ``v − step/2 ≤ x < v + step/2`` ("200" → 150 ≤ x
      < 250), but never narrower than ±0.5 % (:data:`METHOD_SHARE`: "196" → 195.02 ≤ x <
      196.98; "116,165" → ±580.83);
    - ``ABOUT``: the wider of the rounding interval and ±10 % ("about 200" → 150–250;
      "about 196" → 176.4–215.6);
    - ``MORE_THAN``: ``x > v``; ``AT_LEAST``: ``x ≥ v``; ``UP_TO``: ``x ≤ v``;
      ``LESS_THAN``: ``x < v`` (strict, as written: "more than 500" is false for 499.6;
      a figure ≥ 2 v is true but gets a caveat, see :func:`hedge_note`);
    - ``ALMOST``: ``v − max(step/2, 10 % of v) ≤ x ≤ v`` ("almost 200" → 150 ≤ x ≤ 200:
      "almost" says the figure falls short, by no more than the writing's rounding or a
      tenth).
    """
    v, step = in_unit(q)
    u = _unit_words(q.unit)
    half = step / 2
    if q.hedge is Hedge.EXACT:
        share = METHOD_SHARE * abs(v)
        if half >= share:
            return Tolerance(
                v - half,
                v + half,
                # Translators: "'200' is written to the 100: 150 ≤ x < 250 km²"; %(unit)s
                # is " km²", " %" or nothing (with its space).
                _("'%(value)s' is written to the %(step)s: %(low)s ≤ x < %(high)s%(unit)s")
                % {
                    "value": _fmt(q.value),
                    "step": _fmt(q.step),
                    "low": _fmt(v - half),
                    "high": _fmt(v + half),
                    "unit": u,
                },
            )
        lo, hi = round(v - share, 2), round(v + share, 2)
        return Tolerance(
            lo,
            hi,
            _(
                "'%(value)s' is written to the %(step)s, but two measurements of one map "
                "differ by up to %(share)s: %(low)s ≤ x < %(high)s%(unit)s"
            )
            % {
                "value": _fmt(q.value),
                "step": _fmt(q.step),
                "share": f"{METHOD_SHARE:.1%}",
                "low": _fmt(lo),
                "high": _fmt(hi),
                "unit": u,
            },
        )
    if q.hedge is Hedge.ABOUT:
        share = ABOUT_SHARE * abs(v)
        width = max(half, share)
        said = {
            "value": _fmt(q.value),
            "step": _fmt(q.step),
            "share": f"±{ABOUT_SHARE:.0%}",
            "low": _fmt(v - width),
            "high": _fmt(v + width),
            "unit": u,
        }
        if half >= share:
            why = (
                _(
                    "'about %(value)s' allows the rounding to the %(step)s: "
                    "%(low)s ≤ x < %(high)s%(unit)s"
                )
                % said
            )
        else:
            why = _("'about %(value)s' allows %(share)s: %(low)s ≤ x < %(high)s%(unit)s") % said
        return Tolerance(v - width, v + width, why)
    if q.hedge is Hedge.MORE_THAN:
        said = {"value": _fmt(q.value), "bound": _fmt(v), "unit": u}
        return Tolerance(
            v, None, _("'more than %(value)s': x > %(bound)s%(unit)s") % said, low_open=True
        )
    if q.hedge is Hedge.AT_LEAST:
        said = {"value": _fmt(q.value), "bound": _fmt(v), "unit": u}
        return Tolerance(v, None, _("'at least %(value)s': x ≥ %(bound)s%(unit)s") % said)
    if q.hedge is Hedge.UP_TO:
        said = {"value": _fmt(q.value), "bound": _fmt(v), "unit": u}
        return Tolerance(
            None, v, _("'up to %(value)s': x ≤ %(bound)s%(unit)s") % said, high_open=False
        )
    if q.hedge is Hedge.LESS_THAN:
        said = {"value": _fmt(q.value), "bound": _fmt(v), "unit": u}
        return Tolerance(None, v, _("'less than %(value)s': x < %(bound)s%(unit)s") % said)
    if q.hedge is Hedge.ALMOST:
        width = max(half, ALMOST_SHARE * abs(v))
        said = {
            "value": _fmt(q.value),
            "share": f"{ALMOST_SHARE:.0%}",
            "low": _fmt(v - width),
            "high": _fmt(v),
            "unit": u,
        }
        if half >= ALMOST_SHARE * abs(v):
            why = (
                _(
                    "'almost %(value)s' falls short by at most the rounding: "
                    "%(low)s ≤ x ≤ %(high)s%(unit)s"
                )
                % said
            )
        else:
            why = (
                _(
                    "'almost %(value)s' falls short by at most %(share)s: "
                    "%(low)s ≤ x ≤ %(high)s%(unit)s"
                )
                % said
            )
        return Tolerance(v - width, v, why, high_open=False)
    raise ValueError(f"unknown hedge {q.hedge!r}")  # pragma: no cover - exhaustive enum


def hedge_note(q: Quantity, x: float) -> str | None:
    """A caveat when a one-sided hedge holds only loosely: "more than 200" when the
    figure is 450 (≥ 2×: true, but an understatement), "up to 200" when it is 80.
    ``None`` otherwise. ``x`` is in the tolerance's unit (:func:`in_unit`)."""
    v, _step = in_unit(q)
    if v <= 0 or not math.isfinite(x):
        return None
    words = _unit_words(q.unit)
    if q.hedge in (Hedge.MORE_THAN, Hedge.AT_LEAST) and x >= FAR_FACTOR * v:
        return _(
            # Translators: "true but understated: 450 km² is 2.2 times the 200 claimed".
            "true but understated: %(figure)s%(unit)s is %(times)s times the %(value)s claimed"
        ) % {
            "figure": _fmt(round(x, 2)),
            "unit": words,
            "times": i18n.number(x / v, 1) if i18n.active() != "en" else f"{x / v:.1f}",
            "value": _fmt(q.value),
        }
    if q.hedge in (Hedge.UP_TO, Hedge.LESS_THAN) and x <= v / FAR_FACTOR:
        return _(
            # Translators: "true but overstated as a bound: 80 km² is 40% of the 200 claimed".
            "true but overstated as a bound: %(figure)s%(unit)s is %(share)s of the %(value)s "
            "claimed"
        ) % {
            "figure": _fmt(round(x, 2)),
            "unit": words,
            "share": f"{x / v:.0%}",
            "value": _fmt(q.value),
        }
    return None


@dataclass(frozen=True)
class Outcome:
    """What one reading gave, for :func:`decide`.

    ``holds``: the figure is within tolerance (``None``: no data for this reading).
    ``comparison_holds``: the claim's comparison under this reading (``None``: the claim
    makes none, or it cannot be evaluated under this reading; set ``has_comparison``).
    ``by_redraw``: the figure holds only thanks to redraw fragments (it holds with them
    and fails without them).
    """

    holds: bool | None
    comparison_holds: bool | None = None
    by_redraw: bool = False
    #: Whether this reading failing keeps a holding default from SUPPORTED. True for the
    #: sentence's own ambiguity (another reading of its period); False for figures shown
    #: for information (another source, net for "seized", the figure without redraws):
    #: they can rescue a default that fails, not demote one that holds.
    downgrades: bool = True


@dataclass(frozen=True)
class Decision:
    """The label, the index of the outcome it rests on (the default, ``0``, unless the
    label rests on another reading; ``None`` when nothing holds or nothing was
    computed), and the reason in words."""

    label: Label
    basis: int | None
    reason: str


def _agrees(o: Outcome, has_comparison: bool) -> bool:
    """The reading holds outright: its figure, not by redraws, and its comparison unless
    that failed (an unevaluable comparison is no disagreement)."""
    return (
        bool(o.holds)
        and not o.by_redraw
        and (not has_comparison or o.comparison_holds is not False)
    )


def decide(outcomes: Sequence[Outcome], *, has_comparison: bool = False) -> Decision:
    """Apply the verdict rule (module docstring) to the readings' outcomes.

    ``outcomes[0]`` is the default reading; ``has_comparison``: the claim makes one.
    A claim without a quantity is the caller's CANNOT_CHECK (nothing reaches here).

    Details the table leaves open, decided here: a comparison evaluated under some
    holding reading and true under none makes the claim MISLEADING even when other
    holding readings cannot evaluate it (a trailing week cannot be ranked); the basis
    of a CAVEATS label is the first reading whose figure and comparison both hold,
    else the first whose figure holds with an unevaluable comparison.
    """
    computed = [i for i, o in enumerate(outcomes) if o.holds is not None]
    if not computed:
        return Decision(Label.CANNOT_CHECK, None, _("no reading could be computed"))
    holding = [i for i in computed if outcomes[i].holds]
    if not holding:
        return Decision(Label.NOT_SUPPORTED, None, _("no reading's figure is within tolerance"))
    fair = [i for i in holding if not outcomes[i].by_redraw]
    if not fair:
        return Decision(
            Label.MISLEADING, holding[0], _("the figure holds only thanks to redraw fragments")
        )
    good = fair
    if has_comparison:
        judged = [i for i in fair if outcomes[i].comparison_holds is not None]
        true = [i for i in judged if outcomes[i].comparison_holds]
        if judged and not true:
            return Decision(
                Label.MISLEADING,
                judged[0],
                _("the figure holds, but the comparison fails under every reading where it does"),
            )
        good = true + [i for i in fair if outcomes[i].comparison_holds is None]
    first = outcomes[0]
    if 0 in good:
        if has_comparison and first.comparison_holds is None:
            return Decision(Label.CAVEATS, 0, _("the comparison could not be evaluated"))
        if all(_agrees(outcomes[i], has_comparison) for i in computed if outcomes[i].downgrades):
            return Decision(
                Label.SUPPORTED, 0, _("the default reading holds and all readings agree")
            )
        return Decision(Label.CAVEATS, 0, _("the default reading holds but another does not"))
    return Decision(
        Label.CAVEATS, good[0], _("the default reading fails; another reasonable one holds")
    )
