"""The colour scheme lives in vigil.palette; the web's stylesheet is generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import vigil
from vigil import palette

CSS = Path(vigil.__file__).parent / "web" / "static" / "web" / "palette.css"


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_stylesheet_is_generated_from_the_palette() -> None:
    assert CSS.read_text(encoding="utf-8") == palette.stylesheet(), (
        "palette.css is stale: run python -m vigil.palette > " + str(CSS)
    )


def test_every_css_colour_is_a_palette_constant() -> None:
    names = dict(re.findall(r"--vigil-([a-z-]+): (#[0-9A-F]{6});", CSS.read_text()))
    assert names == palette.CSS_NAMES


def test_change_marks_and_credits_stand_out_against_white() -> None:
    # WCAG 1.4.11: graphical objects need 3:1 against what is next to them.
    for colour in (palette.GAINED, palette.LOST, palette.NET):
        assert contrast(colour, "#FFFFFF") >= 3.0, colour
    assert contrast(palette.CREDIT, "#FFFFFF") >= 4.5  # text
    assert palette.GAINED != palette.LOST
