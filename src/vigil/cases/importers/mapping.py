r"""Mapping files: how a source's columns and words map onto the registry.

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

Published lists need more than one column per target (see docs/cases.md, "Imports")::

    records = "categories[].prisoners[]"   # JSON: where the records are (see reading)
    person_key = ["No."]        # rows with the same values here are one person
    optional = ["Phone"]        # --skip-invalid may drop a bad cell of these (default:
                                # true, every column but the KEYS; false: none)

    [columns."Aliases"]         # a column as a table instead of a target
    target = "name:en:alias"
    split = ";"                 # several values per cell (a list of separators too)

    [columns."Sentence"]        # one column to several targets by pattern
    patterns = [
      { match = '(?i)life|detention', target = "sentence.term" },
      { match = '(\d{4}-\d\d-\d\d)', target = "sentence.start" },
    ]

A pattern must match the whole value (after ``split`` and ``[values]``); the first
that matches wins; ``target`` takes the value (or its first group), ``targets`` one
target per group. A value no pattern matches goes to the column's ``target``, else it
is a problem of its row. ``source.url`` makes a source of each URL, cited by the
row's event, case and (the first) designation.

``table = "events"`` instead of ``format`` reads a single table of the interchange
format; its ``[columns]`` then rename source columns to the table's column names
(columns already named like the table need no entry), and ``[values]`` and
``[defaults]`` work the same way.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.cases import vocab
from vigil.cases.schema import TABLE
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext

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
    "source": ("url",),
}
#: Targets that only [defaults] may set: how records created from a name are filled in.
DEFAULT_ONLY = (
    "organisation.kind",
    "organisation.country",
    "article.code",
    "source.publisher",
    "source.reliability",
    "source.visibility",
)
#: The kinds a mapping may give a name: every kind but "merged" (a merge writes it).
NAME_KINDS = tuple(k.value for k in vocab.NameKind if k != vocab.NameKind.MERGED)
IGNORE = "ignore"
#: Targets a cell may give several values of (one record, or one link, per value).
MULTI = (
    "affiliation.organisation",
    "designation.organisation",
    "case.articles",
    "case.courts",
    "source.url",
)
#: Targets whose cell is never dropped (``optional``): they say which record a row is,
#: or who may read it; without them the row would land on another record or level.
KEYS = (
    "person.ref",
    "person.birth_date",
    "person.visibility",
    "person.field_visibility",
    "affiliation.organisation",
    "affiliation.role",
    "affiliation.start",
    "affiliation.visibility",
    "case.ref",
    "case.number",
    "case.country",
    "case.visibility",
    "case.field_visibility",
    "event.kind",
    "event.date",
    "event.visibility",
    "sentence.start",
    "sentence.visibility",
    "designation.organisation",
    "designation.since",
    "designation.visibility",
)

_KEYS = {
    "format",
    "table",
    "sheet",
    "encoding",
    "delimiter",
    "columns",
    "values",
    "defaults",
    "records",
    "person_key",
    "optional",
}
_COLUMN_KEYS = ("target", "split", "patterns", "optional")


class CellError(ValueError):
    """A cell the mapping cannot route (no pattern matches it): a row problem."""


@dataclass(frozen=True)
class Pattern:
    """``match``: a regular expression the whole value must match; ``targets``: where
    the value (one target) or each group (several) goes."""

    regex: re.Pattern[str]
    targets: tuple[str, ...]

    def route(self, value: str) -> list[tuple[str, str]] | None:
        found = self.regex.fullmatch(value)
        if found is None:
            return None
        if len(self.targets) > 1:
            pairs = zip(self.targets, found.groups(), strict=True)
            return [(t, v.strip()) for t, v in pairs if v and v.strip()]
        return [(self.targets[0], (found.group(1) if self.regex.groups else value).strip())]


@dataclass(frozen=True)
class Column:
    """How one source column is read: its target, separators and patterns."""

    target: str  # "" when only patterns route its values
    split: re.Pattern[str] | None = None
    patterns: tuple[Pattern, ...] = ()
    optional: bool = False

    @property
    def targets(self) -> tuple[str, ...]:
        out = [self.target] if self.target else []
        out += [t for p in self.patterns for t in p.targets]
        return tuple(dict.fromkeys(out))


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
    cells: dict[str, Column] = field(default_factory=dict)  # column -> how it is read
    records: str | None = None  # JSON: the path to the records
    person_key: tuple[str, ...] = ()  # columns whose values say "the same person"

    def column(self, name: str) -> Column:
        """How the source column ``name`` is read (its target alone by default)."""
        return self.cells.get(name) or Column(self.columns[name])

    def pieces(self, column: str, raw: Any) -> list[tuple[str, Any]]:
        """(target, value) for each value of ``column``'s cell ``raw``: split at the
        column's separators (a JSON list is already split), put through ``[values]``,
        routed by its patterns. An empty cell is one empty value of the column's
        target (it clears it), or nothing for a column of patterns only. Raises
        :class:`CellError` for a value no pattern takes."""
        spec = self.column(column)
        if spec.split is None and not spec.patterns and not isinstance(raw, list | tuple):
            return [(spec.target, self.word(column, raw))]  # the usual cell: one value
        if isinstance(raw, list | tuple):
            items: list[Any] = list(raw)
        elif spec.split is not None and isinstance(raw, str):
            items = spec.split.split(raw)
        else:
            items = [raw]
        items = [i.strip() if isinstance(i, str) else i for i in items]
        items = [i for i in items if i is not None and i != ""]
        if not items:
            empty = "" if isinstance(raw, list | tuple) else raw  # [] is an empty cell
            return [(spec.target, empty)] if spec.target else []
        out: list[tuple[str, Any]] = []
        for item in items:
            value = self.word(column, item)
            routed = None
            if spec.patterns and value is not None:
                text = _as_text(value)  # a workbook's date or number cell, as written
                routed = next((r for p in spec.patterns if (r := p.route(text)) is not None), None)
            if routed is None and spec.patterns and not spec.target:
                shown = ", ".join(p.regex.pattern for p in spec.patterns)
                raise CellError(
                    _("%(value)r matches none of the patterns (%(shown)s)")
                    % {"value": value, "shown": shown}
                )
            out += routed if routed is not None else [(spec.target, value)]
        return out

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
                    _(
                        '%(origin)s: [columns] "%(column)s": %(file)s has no such column '
                        "(its columns: %(shown)s)"
                    )
                    % {"origin": self.origin, "column": column, "file": file, "shown": shown}
                )


def _as_text(value: Any) -> str:
    """A cell as the text patterns match: a date as 2024-06-03, 7.0 as 7."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and callable(value.date):  # a datetime from a workbook
        value = value.date()
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


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
        raise InputError(_("%(file)s: no such mapping file") % {"file": path}) from None
    except UnicodeDecodeError:
        raise InputError(
            _("%(file)s: a mapping file must be UTF-8") % {"file": path.name}
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            _("%(file)s: not valid TOML (%(error)s)") % {"file": path.name, "error": exc}
        ) from None
    except OSError as exc:
        raise InputError(
            _("%(file)s: cannot read the mapping (%(error)s)")
            % {"file": path, "error": exc.strerror}
        ) from None
    return parse(raw, path.name)


def parse(raw: dict[str, Any], origin: str) -> Mapping:
    """Check a mapping's keys and targets; one clear error naming the bad key."""
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise InputError(
            _("%(origin)s: unknown key %(unknown)r (expected: %(keys)s)")
            % {"origin": origin, "unknown": unknown[0], "keys": ", ".join(_KEYS)}
        )
    table: Any = raw.get("table")  # a key of TABLE when the format is "table" (checked below)
    fmt = raw.get("format", "table" if table else None)
    if fmt not in ("people", "table"):
        raise InputError(
            _('%(origin)s: format: expected "people", or table = "<name>"; got %(fmt)r')
            % {"origin": origin, "fmt": fmt}
        )
    if fmt == "table" and table not in TABLE:
        raise InputError(
            _("%(origin)s: table: expected one of %(tables)s; got %(table)r")
            % {"origin": origin, "tables": ", ".join(TABLE), "table": table}
        )
    for key in ("optional", "person_key"):
        if key in raw and fmt != "people":
            raise InputError(
                _('%(origin)s: %(key)s is for format = "people"') % {"origin": origin, "key": key}
            )
    cells = _columns(raw.get("columns", {}), origin, fmt)
    columns = {name: spec.target for name, spec in cells.items()}
    values = raw.get("values", {})
    if not isinstance(values, dict):
        raise InputError(_("%(origin)s: [values] must be a table of tables") % {"origin": origin})
    words = {col: _strings(v, origin, f'values."{col}"') for col, v in values.items()}
    defaults = _strings(raw.get("defaults", {}), origin, "defaults")
    check = _check_people if fmt == "people" else _check_table(table)
    for column, spec in cells.items():
        for target in spec.targets:
            check(target, f'{origin}: [columns] "{column}" = "{target}"', defaults=False)
    optional = _optional_columns(raw.get("optional", True), cells, origin)
    cells = {
        name: Column(spec.target, spec.split, spec.patterns, spec.optional or name in optional)
        for name, spec in cells.items()
    }
    for column, spec in cells.items():
        fixed = [t for t in spec.targets if t in KEYS or split_name(t) is not None]
        if spec.optional and fixed:
            raise InputError(
                _(
                    '%(origin)s: [columns] "%(column)s": cannot be optional, its target '
                    "%(fixed)s says which record the row is (or who may read it)"
                )
                % {"origin": origin, "column": column, "fixed": fixed[0]}
            )
    person_key = raw.get("person_key", ())
    if isinstance(person_key, str):
        person_key = (person_key,)
    if not isinstance(person_key, list | tuple) or not all(
        isinstance(c, str) and c in cells for c in person_key
    ):
        raise InputError(
            _("%(origin)s: person_key: expected a column of [columns] or a list of them")
            % {"origin": origin}
        )
    for target in defaults:
        check(target, f'{origin}: [defaults] "{target}"', defaults=True)
    for column in words:
        if column not in columns and not (fmt == "table" and column in TABLE[table].names):
            raise InputError(
                _('%(origin)s: [values."%(column)s"]: "%(column)s" is not in [columns]')
                % {"origin": origin, "column": column}
            )
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
        cells=cells,
        records=_optional(raw, "records", origin),
        person_key=tuple(person_key),
    )


def _columns(value: Any, origin: str, fmt: str) -> dict[str, Column]:
    """``[columns]``: a target per column, or a table (target, split, patterns,
    optional) for a column of a "people" sheet."""
    if not isinstance(value, dict):
        raise InputError(_("%(origin)s: [columns] must be a table of names") % {"origin": origin})
    out: dict[str, Column] = {}
    for name, item in value.items():
        if not isinstance(item, dict):
            out[str(name)] = Column(_strings({name: item}, origin, "columns")[str(name)])
            continue
        where = f'{origin}: [columns."{name}"]'
        if fmt != "people":
            raise InputError(
                _('%(where)s: a column table (split, patterns) is for format = "people"')
                % {"where": where}
            )
        unknown = sorted(set(item) - set(_COLUMN_KEYS))
        if unknown:
            raise InputError(
                _("%(where)s: unknown key %(unknown)r (expected: %(column_keys)s)")
                % {"where": where, "unknown": unknown[0], "column_keys": ", ".join(_COLUMN_KEYS)}
            )
        target = item.get("target", "")
        if not isinstance(target, str):
            raise InputError(
                _("%(where)s: target: expected text, got %(target)r")
                % {"where": where, "target": target}
            )
        patterns = tuple(
            _pattern(p, f"{where} patterns[{i + 1}]")
            for i, p in enumerate(_list(item.get("patterns", []), where, "patterns"))
        )
        if not target and not patterns:
            raise InputError(_("%(where)s: give a target, or patterns") % {"where": where})
        optional = item.get("optional", False)
        if not isinstance(optional, bool):
            raise InputError(
                _("%(where)s: optional: expected true or false, got %(optional)r")
                % {"where": where, "optional": optional}
            )
        out[str(name)] = Column(target, _separators(item.get("split"), where), patterns, optional)
    return out


def _list(value: Any, where: str, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(
            _("%(where)s: %(key)s: expected a list, got %(value)r")
            % {"where": where, "key": key, "value": value}
        )
    return value


def _separators(value: Any, where: str) -> re.Pattern[str] | None:
    """``split``: a separator, or a list of them (any of them separates)."""
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
        raise InputError(
            _('%(where)s: split: expected a separator such as ";" or a list of them')
            % {"where": where}
        )
    return re.compile("|".join(re.escape(i) for i in sorted(items, key=len, reverse=True)))


def _pattern(value: Any, where: str) -> Pattern:
    if (
        not isinstance(value, dict)
        or "match" not in value
        or set(value) - {"match", "target", "targets"}
    ):
        raise InputError(
            _('%(where)s: expected { match = "…", target = "…" } (or targets = [ … ])')
            % {"where": where}
        )
    try:
        regex = re.compile(value["match"])
    except (re.error, TypeError) as exc:
        raise InputError(
            _("%(where)s: match: not a regular expression (%(error)s)")
            % {"where": where, "error": exc}
        ) from None
    if "target" in value and isinstance(value["target"], str) and "targets" not in value:
        return Pattern(regex, (value["target"],))
    targets = value.get("targets")
    if not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
        raise InputError(
            _('%(where)s: expected target = "…", or targets = ["…", …] (one per group)')
            % {"where": where}
        )
    if len(targets) != regex.groups:
        raise InputError(
            ngettext(
                # English says "targets" even for 1 (as before); other languages use their forms.
                "%(where)s: %(n)d targets for %(groups)d groups in %(value)r",
                "%(where)s: %(n)d targets for %(groups)d groups in %(value)r",
                len(targets),
            )
            % {"where": where, "n": len(targets), "groups": regex.groups, "value": value["match"]}
        )
    return Pattern(regex, tuple(targets))


def _optional_columns(value: Any, cells: dict[str, Column], origin: str) -> set[str]:
    """``optional``: true (every column that can be; the default), false, or a list."""
    if value is True:
        return {
            n
            for n, c in cells.items()
            if not any(t in KEYS or split_name(t) is not None for t in c.targets)
            and c.target != IGNORE
        }
    if value is False:
        return set()
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise InputError(
            _("%(origin)s: optional: expected true, or a list of columns") % {"origin": origin}
        )
    for column in value:
        if column not in cells:
            raise InputError(
                _('%(origin)s: optional: "%(column)s" is not in [columns]')
                % {"origin": origin, "column": column}
            )
    return set(value)


def _strings(value: Any, origin: str, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InputError(
            _("%(origin)s: [%(where)s] must be a table of names")
            % {"origin": origin, "where": where}
        )
    out = {}
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise InputError(
                _('%(origin)s: [%(where)s] "%(key)s": expected text, got %(item)r')
                % {"origin": origin, "where": where, "key": key, "item": item}
            )
        out[str(key)] = str(item)
    return out


def _optional(raw: dict[str, Any], key: str, origin: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError(
            _("%(origin)s: %(key)s: expected text, got %(value)r")
            % {"origin": origin, "key": key, "value": value}
        )
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
            _("%(where)s: a name target is name:<language>[:<kind>], kind one of %(name_kinds)s")
            % {"where": where, "name_kinds": ", ".join(NAME_KINDS)}
        ) from None
    record, _dot, column = target.partition(".")
    if column not in PEOPLE_TARGETS.get(record, ()):
        raise InputError(
            _("%(where)s: unknown target; expected one of %(people_targets)s")
            % {"where": where, "people_targets": _people_targets(defaults)}
        )


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
                _("%(where)s: unknown column of %(table)s; expected one of %(names)s")
                % {"where": where, "table": table, "names": ", ".join(TABLE[table].names)}
            )

    return check
