"""Rules files ("recipes"): a source's vector ingest options, kept in one TOML file.

A recipe holds what a user would otherwise type as ``vigil territory ingest`` vector
flags, under the same names (snake_case), plus the source's name and credit::

    source = "isw-assessed"
    credit = "ISW/CTP control-of-terrain layers via Nikkei-Visual-Data-Journalism/ISW (MIT)"
    description = "free text, shown nowhere: say what the rules mean"
    members = '(geoJSON/2022/.*_RussianAssessed\\w+|data/\\d{8})\\.geojson$'
    date_pattern = '(?P<date>\\d{8})'
    date_format = "%Y%m%d"
    kind_field = "layer"
    from = 2022-04-01            # a TOML date, or a "YYYY-MM-DD" string
    to = 2022-04-30

    [member_kinds]               # regex on the member's path = kind
    "_RussianAssessedCoTinUkraine" = "controlled"

    [kind_values]                # value of kind_field = kind
    "VIEW_RussiaCoTinUkraine_V3" = "controlled"

Keys: ``source``, ``credit``, ``description`` (text); ``date_field``, ``date_pattern``,
``date_format``, ``where``, ``layer``, ``kind_field``, ``members`` (text); ``kind``
(a kind); ``from``, ``to`` (dates); ``layer_kinds``, ``kind_values``, ``member_kinds``
(tables of text = kind). Their meaning is the vector reader's
(:mod:`vigil.territory.sources.vector`). Kinds are ``controlled``, ``grey`` and
``pre-2022``. Regexes are checked here, so a bad one names the file and the key.

Loading checks everything a TOML parser does not: an unknown key, a value of the wrong
type, a kind that is not one, a regex that does not compile each raise one
:class:`InputError` naming the file and the key. A flag given on the command line wins
over the same key of the recipe (:meth:`Recipe.options_with`); a table given as flags
replaces the recipe's whole table.

Shipped recipes live in ``data/sources/`` of the repository (see its README.md).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.errors import InputError
from vigil.territory.sources.base import Kind

#: Keys holding text, passed to the vector reader under the same name.
TEXT_OPTIONS = (
    "date_field",
    "date_pattern",
    "date_format",
    "where",
    "layer",
    "kind_field",
    "members",
)
#: Keys holding a table of text = kind.
KIND_TABLES = ("layer_kinds", "kind_values", "member_kinds")
#: Keys holding a date, and the reader option each becomes.
DATE_OPTIONS = {"from": "date_from", "to": "date_to"}
#: Keys about the source, not the reader.
SOURCE_KEYS = ("source", "credit", "description")
KEYS = (*SOURCE_KEYS, *TEXT_OPTIONS, "kind", *DATE_OPTIONS, *KIND_TABLES)
_REGEXES = ("date_pattern", "members")
_PARAM = "rules"


@dataclass(frozen=True)
class Recipe:
    """A loaded rules file: the source's name and credit (None when not given) and the
    vector reader options it sets (``options``, named as :func:`vector.read` takes them:
    ``from``/``to`` become ``date_from``/``date_to``, kinds are :class:`Kind`)."""

    path: Path
    source: str | None = None
    credit: str | None = None
    description: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def options_with(self, flags: Mapping[str, Any]) -> dict[str, Any]:
        """The recipe's options overridden by ``flags`` that were given.

        A flag counts as given unless it is None or an empty table; it replaces the
        recipe's value whole (a ``--layer-kind`` replaces the recipe's ``layer_kinds``).
        """
        merged = dict(self.options)
        for key, value in flags.items():
            if value is not None and value != {}:
                merged[key] = value
            else:
                merged.setdefault(key, value)
        return merged


def load(path: str | Path) -> Recipe:
    """Read and check the recipe at ``path`` (UTF-8 TOML)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such rules file", param=_PARAM) from None
    except IsADirectoryError:
        raise InputError(f"{path}: a directory, not a rules file", param=_PARAM) from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: a rules file must be UTF-8", param=_PARAM) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})", param=_PARAM) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})", param=_PARAM) from None
    return parse(raw, path)


def parse(raw: Mapping[str, Any], path: Path) -> Recipe:
    """Check a parsed TOML document; ``path`` names it in messages."""
    unknown = [key for key in raw if key not in KEYS]
    if unknown:
        raise InputError(
            f"{path}: unknown key {unknown[0]!r} (expected one of: {', '.join(KEYS)})",
            param=_PARAM,
        )
    options: dict[str, Any] = {}
    for key in TEXT_OPTIONS:
        if key in raw:
            options[key] = _text(raw[key], path, key)
    for key in _REGEXES:
        if key in options:
            _compile(options[key], path, key)
    if "kind" in raw:
        options["kind"] = _kind(raw["kind"], path, "kind")
    for key, option in DATE_OPTIONS.items():
        if key in raw:
            options[option] = _date(raw[key], path, key)
    for key in KIND_TABLES:
        if key in raw:
            options[key] = _kind_table(raw[key], path, key)
    for pattern in options.get("member_kinds", {}):
        _compile(pattern, path, f"member_kinds.{pattern}")
    source_keys = {key: _text(raw[key], path, key) for key in SOURCE_KEYS if key in raw}
    if "source" in source_keys and not source_keys["source"].strip():
        raise InputError(f"{path}: source: expected a name, got an empty text", param=_PARAM)
    return Recipe(path=path, options=options, **source_keys)


def _text(value: Any, path: Path, key: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{path}: {key}: expected text, got {_shown(value)}", param=_PARAM)
    return value


def _kind(value: Any, path: Path, key: str) -> Kind:
    allowed = ", ".join(k.value for k in Kind)
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return Kind(value)
    except ValueError:
        raise InputError(
            f"{path}: {key}: {value!r} is not a kind (expected {allowed})", param=_PARAM
        ) from None


def _date(value: Any, path: Path, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise InputError(f"{path}: {key}: expected a date, got a date and time", param=_PARAM)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"{path}: {key}: expected a date YYYY-MM-DD, got {value!r}", param=_PARAM)


def _kind_table(value: Any, path: Path, key: str) -> dict[str, Kind]:
    if not isinstance(value, dict):
        raise InputError(
            f"{path}: {key}: expected a table of name = kind, got {_shown(value)}", param=_PARAM
        )
    if not value:
        raise InputError(f"{path}: {key}: empty table", param=_PARAM)
    return {name: _kind(kind, path, f"{key}.{name}") for name, kind in value.items()}


def _compile(pattern: str, path: Path, key: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise InputError(
            f"{path}: {key}: {pattern!r} is not a valid regex ({exc})", param=_PARAM
        ) from None


def _shown(value: Any) -> str:
    """A TOML value's type in TOML's words, for messages."""
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        list: "an array",
        dict: "a table",
        dt.datetime: "a date and time",
        dt.date: "a date",
        dt.time: "a time",
        str: "text",
    }
    return next((shown for kind, shown in names.items() if isinstance(value, kind)), "a value")
