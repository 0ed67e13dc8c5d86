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
from vigil.i18n import gettext as _
from vigil.i18n import pgettext
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
        raise InputError(_("%(path)s: no such rules file") % {"path": path}, param=_PARAM) from None
    except IsADirectoryError:
        raise InputError(
            _("%(path)s: a directory, not a rules file") % {"path": path}, param=_PARAM
        ) from None
    except UnicodeDecodeError:
        raise InputError(
            _("%(path)s: a rules file must be UTF-8") % {"path": path}, param=_PARAM
        ) from None
    except tomllib.TOMLDecodeError as exc:
        # Translators: %(reason)s is the TOML reader's own message, in English.
        raise InputError(
            _("%(path)s: not valid TOML (%(reason)s)") % {"path": path, "reason": exc},
            param=_PARAM,
        ) from None
    except OSError as exc:
        # Translators: %(reason)s is the system's own message, in English.
        raise InputError(
            _("%(path)s: cannot read (%(reason)s)") % {"path": path, "reason": exc.strerror},
            param=_PARAM,
        ) from None
    return parse(raw, path)


def parse(raw: Mapping[str, Any], path: Path) -> Recipe:
    """Check a parsed TOML document; ``path`` names it in messages."""
    unknown = [key for key in raw if key not in KEYS]
    if unknown:
        # Translators: %(keys)s lists the keys a rules file may hold; keep them.
        raise InputError(
            _("%(path)s: unknown key %(key)r (expected one of: %(keys)s)")
            % {"path": path, "key": unknown[0], "keys": ", ".join(KEYS)},
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
        # Translators: "source" is a key of the rules file; keep it.
        raise InputError(
            _("%(path)s: source: expected a name, got an empty text") % {"path": path},
            param=_PARAM,
        )
    return Recipe(path=path, options=options, **source_keys)


def _text(value: Any, path: Path, key: str) -> str:
    if not isinstance(value, str):
        # Translators: %(key)s is a key of the rules file; %(type)s a TOML type (an integer).
        raise InputError(
            _("%(path)s: %(key)s: expected text, got %(type)s")
            % {"path": path, "key": key, "type": _shown(value)},
            param=_PARAM,
        )
    return value


def _kind(value: Any, path: Path, key: str) -> Kind:
    allowed = ", ".join(k.value for k in Kind)
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return Kind(value)
    except ValueError:
        # Translators: %(allowed)s lists kinds to type; keep them.
        raise InputError(
            _("%(path)s: %(key)s: %(value)r is not a kind (expected %(allowed)s)")
            % {"path": path, "key": key, "value": value, "allowed": allowed},
            param=_PARAM,
        ) from None


def _date(value: Any, path: Path, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise InputError(
            _("%(path)s: %(key)s: expected a date, got a date and time")
            % {"path": path, "key": key},
            param=_PARAM,
        )
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(
        _("%(path)s: %(key)s: expected a date YYYY-MM-DD, got %(value)r")
        % {"path": path, "key": key, "value": value},
        param=_PARAM,
    )


def _kind_table(value: Any, path: Path, key: str) -> dict[str, Kind]:
    if not isinstance(value, dict):
        # Translators: "name = kind" shows the form of each entry; %(type)s a TOML type.
        raise InputError(
            _("%(path)s: %(key)s: expected a table of name = kind, got %(type)s")
            % {"path": path, "key": key, "type": _shown(value)},
            param=_PARAM,
        )
    if not value:
        raise InputError(
            _("%(path)s: %(key)s: empty table") % {"path": path, "key": key}, param=_PARAM
        )
    return {name: _kind(kind, path, f"{key}.{name}") for name, kind in value.items()}


def _compile(pattern: str, path: Path, key: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        # Translators: %(reason)s is the regex compiler's own message, in English.
        raise InputError(
            _("%(path)s: %(key)s: %(pattern)r is not a valid regex (%(reason)s)")
            % {"path": path, "key": key, "pattern": pattern, "reason": exc},
            param=_PARAM,
        ) from None


def _shown(value: Any) -> str:
    """A TOML value's type in TOML's words, for messages."""
    names = {
        bool: pgettext("TOML type", "a boolean"),
        int: pgettext("TOML type", "an integer"),
        float: pgettext("TOML type", "a float"),
        list: pgettext("TOML type", "an array"),
        dict: pgettext("TOML type", "a table"),
        dt.datetime: pgettext("TOML type", "a date and time"),
        dt.date: pgettext("TOML type", "a date"),
        dt.time: pgettext("TOML type", "a time"),
        str: pgettext("TOML type", "text"),
    }
    return next(
        (shown for kind, shown in names.items() if isinstance(value, kind)),
        pgettext("TOML type", "a value"),
    )
