"""The one colour scheme of every map and chart Vigil draws: the web map (map.js reads
the CSS variables written from here), the charts and change maps in PNG/SVG
(:mod:`vigil.territory.render`, :mod:`vigil.territory.compare_chart`) and the registry's
charts.

Colours are Okabe & Ito's colour-blind-safe set (https://jfly.uni-koeln.de/color/),
chosen so that each filled mark keeps a contrast of at least 3:1 against white (WCAG
1.4.11, non-text contrast): gained is vermillion (3.9:1), lost is blue (5.1:1) and is
also hatched on maps, so the two never rely on hue alone. Held area is a neutral grey;
land outside Ukraine is a warmer grey than Ukraine's own land, and the sea is pale blue.
"""

from __future__ import annotations

from typing import Final

# -- change: the territory changes and the lines drawn over them -------------------------
GAINED: Final = "#D55E00"  # vermillion: area the controlling side gained
LOST: Final = "#0072B2"  # blue: area it lost (hatched on maps)
NET: Final = "#1A1A1A"  # the net line and its markers
HELD: Final = "#BDBDBD"  # area held at the start of a change, or on a date
HELD_EDGE: Final = "#7A7A7A"
GREY_ZONE: Final = "#F0E442"  # yellow: unknown status (the raw maps' grey zone)
REDRAW: Final = "#CC79A7"  # reddish purple: a fragment that is a redraw, not a change

# -- a second series beside the first (two sources compared; another category) ----------
SOURCE_A: Final = "#0072B2"  # blue
SOURCE_B: Final = "#E69F00"  # orange
SOURCE_DIFF: Final = "#666666"
CATEGORY: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")

# -- base map ---------------------------------------------------------------------------
LAND: Final = "#FAF8F3"  # Ukraine
LAND_ABROAD: Final = "#E6E1D6"  # neighbouring countries
SEA: Final = "#CFE3F0"
BORDER: Final = "#4D4D4D"  # state borders
OBLAST_LINE: Final = "#8C8C8C"  # oblast outlines
LABEL: Final = "#333333"  # place names
LABEL_HALO: Final = "#FFFFFF"

# -- text and frames ------------------------------------------------------------------
TEXT: Final = "#1A1A1A"
CREDIT: Final = "#555555"  # source and method lines (7.5:1 on white)
GRID: Final = "#E5E5E5"

CSS_NAMES: Final = {
    "gained": GAINED,
    "lost": LOST,
    "net": NET,
    "held": HELD,
    "held-edge": HELD_EDGE,
    "grey-zone": GREY_ZONE,
    "redraw": REDRAW,
    "land": LAND,
    "land-abroad": LAND_ABROAD,
    "sea": SEA,
    "border": BORDER,
    "oblast-line": OBLAST_LINE,
    "label": LABEL,
    "label-halo": LABEL_HALO,
}


def css_variables() -> str:
    """The scheme as CSS custom properties (``--vigil-gained: #D55E00; …``), for
    ``:root``: pages and map.js read the colours from here, never their own copies."""
    return " ".join(f"--vigil-{name}: {value};" for name, value in CSS_NAMES.items())


def stylesheet() -> str:
    """The text of ``vigil/web/static/web/palette.css`` (generated from this module:
    ``python -m vigil.palette > src/vigil/web/static/web/palette.css``)."""
    lines = "\n".join(f"  --vigil-{name}: {value};" for name, value in CSS_NAMES.items())
    return (
        "/* Generated from src/vigil/palette.py (the one colour scheme) by\n"
        "   `python -m vigil.palette`; tests/test_palette.py checks it is current. */\n"
        f":root {{\n{lines}\n}}\n"
    )


if __name__ == "__main__":
    print(stylesheet(), end="")
