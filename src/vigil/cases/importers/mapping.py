"""Mapping files: how a source's columns and words map onto the registry.

A mapping is a small TOML file (read with :mod:`tomllib`)::

    format = "people"          # a flat sheet, one person per row
    sheet = "Prisoners"        # XLSX only (default: the first sheet)
    encoding = "cp1254"        # optional; --encoding wins
    delimiter = ";"            # CSV only (default: guessed from the header)

    [columns]                  # source column -> target
    "ID" = "person.ref"
    "Ad Soyad" = "name:az-Latn"   # a name in a language/script; the first is primary
    "ФИО" = "name:ru-Cyrl"
    "Ləqəb" = "name:az-Latn:alias"  # a name of another kind (alias, birth, …)
    "Status" = "event.kind"
    "Qeyd" = "ignore"           # read, then left out

    [values."Status"]          # source words -> vocabulary values, per source column
    "həbs edilib" = "arrested"

    [defaults]                 # target -> value when the column is absent or the cell empty
    "case.country" = "XV"
    "organisation.kind" = "party"   # for organisations created from a name (else "other")
    "article.code" = "Criminal Code"  # for bare article numbers such as "283.1"

Targets of a "people" sheet: ``person.*`` (ref, sex, birth_date, occupation, photo,
notes, contacts, visibility, field_visibility), ``name:<language>[:<kind>]``,
``affiliation.*`` (organisation, role, start, end, visibility), ``case.*`` (ref,
number, title, kind, country, courts, articles, opened, summary, lawyer_notes,
visibility, field_visibility), ``event.*`` (kind, date, place, facility, notes,
visibility), ``sentence.*`` (term, term_months, regime, start, expected_release,
visibility), ``designation.*`` (organisation, criteria, since, until, visibility) and
``ignore``; see :mod:`vigil.cases.importers.flat` for how a row becomes records.

``table = "events"`` instead of ``format`` reads a single table of the interchange
format; its ``[columns]`` then rename source columns to the table's column names
(columns already named like the table need no entry), and ``[values]`` and
``[defaults]`` work the same way.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.cases.schema import TABLE
from vigil.errors import InputError

#: Targets of a flat "people" sheet, by record.
PEOPLE_TARGETS: dict[str, tuple[str, ...]] = {
    "person": (
        "ref",
        "sex",
        "birth_date",
        "occupation",
        "photo",
        "notes",
        "contacts",
        "visibility",
        "field_visibility",
    ),
    "affiliation": ("organisation", "role", "start", "end", "visibility"),
    "case": (
        "ref",
        "number",
        "title",
        "kind",
        "country",
        "courts",
        "articles",
        "opened",
        "summary",
        "lawyer_notes",
        "visibility",
        "field_visibility",
    ),
    "event": ("kind", "date", "place", "facility", "notes", "visibility"),
    "sentence": ("term", "term_months", "regime", "start", "expected_release", "visibility"),
    "designation": ("organisation", "criteria", "since", "until", "visibility"),
}
#: Targets that only [defaults] may set: how records created from a name are filled in.
DEFAULT_ONLY = ("organisation.kind", "organisation.country", "article.code")
NAME_KINDS = ("primary", "transliteration", "birth", "alias")
IGNORE = "ignore"

_KEYS = {"format", "table", "sheet", "encoding", "delimiter", "columns", "values", "defaults"}


@dataclass(frozen=True)
class Mapping:
    """A parsed, checked mapping file."""

    origin: str
    format: str  # "people" or "table"
    table: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)

    def word(self, column: str, value: Any) -> Any:
        """``value`` of source ``column`` through its ``[values]`` table (exact text
        first, then ignoring case); words not listed pass through unchanged."""
        table = self.values.get(column)
        if not table or not isinstance(value, str):
            return value
        text = value.strip()
        if text in table:
            return table[text]
        folded = {k.casefold(): v for k, v in table.items()}
        return folded.get(text.casefold(), value)

    def check_header(self, header: tuple[str, ...], file: str) -> None:
        """Every mapped column must be in the file."""
        for column in self.columns:
            if column not in header:
                shown = ", ".join(f'"{h}"' for h in header)
                raise InputError(
                    f'{self.origin}: [columns] "{column}": {file} has no such column '
                    f"(its columns: {shown})"
                )


def load(mapping: str | Path | Mapping | MappingABC[str, Any]) -> Mapping:
    """A :class:`Mapping` from a TOML file, a dict of the same shape, or as is."""
    if isinstance(mapping, Mapping):
        return mapping
    if isinstance(mapping, MappingABC):
        return parse(dict(mapping), "mapping")
    path = Path(mapping)
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such mapping file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: a mapping file must be UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path.name}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the mapping ({exc.strerror})") from None
    return parse(raw, path.name)


def parse(raw: dict[str, Any], origin: str) -> Mapping:
    """Check a mapping's keys and targets; one clear error naming the bad key."""
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise InputError(f"{origin}: unknown key {unknown[0]!r} (expected: {', '.join(_KEYS)})")
    table: Any = raw.get("table")  # a key of TABLE when the format is "table" (checked below)
    fmt = raw.get("format", "table" if table else None)
    if fmt not in ("people", "table"):
        raise InputError(f'{origin}: format: expected "people", or table = "<name>"; got {fmt!r}')
    if fmt == "table" and table not in TABLE:
        raise InputError(f"{origin}: table: expected one of {', '.join(TABLE)}; got {table!r}")
    columns = _strings(raw.get("columns", {}), origin, "columns")
    values = raw.get("values", {})
    if not isinstance(values, dict):
        raise InputError(f"{origin}: [values] must be a table of tables")
    words = {col: _strings(v, origin, f'values."{col}"') for col, v in values.items()}
    defaults = _strings(raw.get("defaults", {}), origin, "defaults")
    check = _check_people if fmt == "people" else _check_table(table)
    for column, target in columns.items():
        check(target, f'{origin}: [columns] "{column}" = "{target}"', defaults=False)
    for target in defaults:
        check(target, f'{origin}: [defaults] "{target}"', defaults=True)
    for column in words:
        if column not in columns and not (fmt == "table" and column in TABLE[table].names):
            raise InputError(f'{origin}: [values."{column}"]: "{column}" is not in [columns]')
    return Mapping(
        origin=origin,
        format=fmt,
        table=table,
        sheet=_optional(raw, "sheet", origin),
        encoding=_optional(raw, "encoding", origin),
        delimiter=_optional(raw, "delimiter", origin),
        columns=columns,
        values=words,
        defaults=defaults,
    )


def _strings(value: Any, origin: str, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InputError(f"{origin}: [{where}] must be a table of names")
    out = {}
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise InputError(f'{origin}: [{where}] "{key}": expected text, got {item!r}')
        out[str(key)] = str(item)
    return out


def _optional(raw: dict[str, Any], key: str, origin: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError(f"{origin}: {key}: expected text, got {value!r}")
    return value


def split_name(target: str) -> tuple[str, str] | None:
    """``name:az-Latn:alias`` -> (language, kind); None when not a name target."""
    if target != "name" and not target.startswith("name:"):
        return None
    parts = target.split(":")
    language = parts[1] if len(parts) > 1 else ""
    kind = parts[2] if len(parts) > 2 else ""
    if len(parts) > 3 or (kind and kind not in NAME_KINDS):
        raise ValueError(target)
    return language, kind


def _check_people(target: str, where: str, *, defaults: bool) -> None:
    if target == IGNORE and not defaults:
        return
    if defaults and target in DEFAULT_ONLY:
        return
    try:
        if split_name(target) is not None and not defaults:
            return
    except ValueError:
        raise InputError(
            f"{where}: a name target is name:<language>[:<kind>], kind one of "
            f"{', '.join(NAME_KINDS)}"
        ) from None
    record, _, column = target.partition(".")
    if column not in PEOPLE_TARGETS.get(record, ()):
        raise InputError(f"{where}: unknown target; expected one of {_people_targets(defaults)}")


def _people_targets(defaults: bool) -> str:
    names = [f"{r}.{c}" for r, cols in PEOPLE_TARGETS.items() for c in cols]
    extra = list(DEFAULT_ONLY) if defaults else ["name:<language>[:<kind>]", IGNORE]
    return ", ".join(names + extra)


def _check_table(table: str) -> Any:
    def check(target: str, where: str, *, defaults: bool) -> None:
        if target == IGNORE and not defaults:
            return
        if target not in TABLE[table].names:
            raise InputError(
                f"{where}: unknown column of {table}; expected one of "
                f"{', '.join(TABLE[table].names)}"
            )

    return check
