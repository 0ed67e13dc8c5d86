"""Template filters that format for the reader's language (``{% load vigil_i18n %}``).

``{{ day|long_date }}`` 2 грудня 2026 · ``{{ day|month_year }}`` грудень 2026 ·
``{{ when|long_datetime }}`` · ``{{ x|km2 }}`` 196,3 км² · ``{{ x|km2_signed }}`` +196,3 км² ·
``{{ x|num }}`` 196,3 · ``{{ x|num_signed }}`` · ``{{ n|int }}`` 12 345 ·
``{{ name|bidi }}`` a name isolated for right-to-left safety (``<bdi>``).
ISO dates (``|date:"Y-m-d"``) are language-neutral and stay as they are.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from vigil import i18n

register = template.Library()


@register.filter
def long_date(value: object) -> str:
    return i18n.long_date(value) if value not in (None, "") else ""


@register.filter
def month_year(value: object) -> str:
    return i18n.month_year(value) if value not in (None, "") else ""


@register.filter
def day_month(value: object) -> str:
    return i18n.day_month(value) if value not in (None, "") else ""


@register.filter
def long_datetime(value: object) -> str:
    return i18n.long_datetime(value) if value not in (None, "") else ""  # type: ignore[arg-type]


@register.filter
def km2(value: object) -> str:
    return i18n.km2(_float(value))


@register.filter
def km2_signed(value: object) -> str:
    return i18n.km2(_float(value), signed=True)


@register.filter
def num(value: object, digits: int = 1) -> str:
    return i18n.number(_float(value), int(digits))


@register.filter
def num_signed(value: object, digits: int = 1) -> str:
    return i18n.number(_float(value), int(digits), signed=True)


@register.filter(name="int")
def integer(value: object) -> str:
    try:
        return i18n.integer(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(value)


@register.filter
def bidi(value: object) -> str:
    """A name in ``<bdi>``: a right-to-left name cannot reorder the text around it."""
    if value in (None, ""):
        return ""
    return format_html("<bdi>{}</bdi>", value)


def _float(value: object) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@register.filter
def hearing_outcome(value: object) -> str:
    """A hearing's stored outcome (``postponed``) as the reader's language says it
    (the English words are the stored ones)."""
    from vigil.cases.vocab import HearingOutcome

    try:
        return str(HearingOutcome(str(value)).label)
    except ValueError:
        return "" if value is None else str(value)
