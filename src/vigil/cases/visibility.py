"""What a reader may see: the only road from the database to any output.

A reader has a level (public, internal, restricted). A record is visible when its own
``visibility`` is at most that level *and* every record it points to is visible (an
event of a hidden person would reveal the person). A column is visible when its level
is at most the reader's: the default from :mod:`vigil.cases.schema`, or the record's
``field_visibility`` override. Exports, ``show``, ``list``, ``find`` and the statistics
all take rows from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from vigil.cases.levels import Level
from vigil.cases.schema import OVERRIDABLE, TABLE
from vigil.errors import InputError


def field_level(table: str, column: str, overrides: Mapping[str, Any] | None = None) -> Level:
    """The level of ``column`` in a row of ``table`` (with the row's overrides).

    Only the fields an editor may move (:data:`~vigil.cases.schema.OVERRIDABLE`) take
    an override: a ref or a visibility moved by hand in the database would hide a
    record's name from its own row while other rows still point to it. A malformed
    override is an error, never a guess: exports stop rather than leak.
    """
    if overrides is not None and not isinstance(overrides, Mapping):
        raise InputError(f"{table}.field_visibility: expected a mapping, got {overrides!r}")
    if overrides and column in overrides and column in OVERRIDABLE.get(table, ()):
        return Level.parse(overrides[column], f"{table}.field_visibility.{column}")
    return TABLE[table].column(column).level


def parse_overrides(table: str, value: Any) -> dict[str, str]:
    """A ``field_visibility`` value checked: known fields, known levels (by name)."""
    if value in (None, "", {}):
        return {}
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            # "notes=public; contacts=restricted"
            pairs = [p.split("=", 1) for p in value.split(";") if p.strip()]
            if any(len(p) != 2 for p in pairs):
                raise InputError(
                    f"field_visibility: expected JSON or 'field=level; …', got {value!r}"
                ) from None
            value = {k.strip(): v.strip() for k, v in pairs}
    if value in (None, {}):  # JSON null or {}
        return {}
    if not isinstance(value, dict):
        raise InputError(f"field_visibility: expected a mapping, got {value!r}")
    allowed = OVERRIDABLE.get(table, [])
    out: dict[str, str] = {}
    for key, level in value.items():
        if key not in allowed:
            raise InputError(
                f"field_visibility: {key!r} is not a field of {table} (one of {', '.join(allowed)})"
            )
        out[key] = Level.parse(level, f"field_visibility.{key}").label
    return dict(sorted(out.items()))


def redact_row(table: str, row: Mapping[str, Any], level: Level) -> dict[str, Any]:
    """``row`` with every column above ``level`` removed (not blanked: absent).

    ``field_visibility`` itself is shown only to restricted readers: knowing which
    fields are hidden is a hint about what they hold.
    """
    overrides = row.get("field_visibility") or {}
    level = Level.parse(level)
    out: dict[str, Any] = {}
    for column in TABLE[table].columns:
        if column.name not in row:
            continue
        if column.name == "field_visibility" and level < Level.RESTRICTED:
            continue
        if field_level(table, column.name, overrides) <= level:
            out[column.name] = row[column.name]
    return out


def visible_refs(rows: Iterable[Mapping[str, Any]], level: Level) -> set[str]:
    """The refs of the rows a reader at ``level`` may see."""
    return {r["ref"] for r in rows if Level.parse(r["visibility"]) <= level}
