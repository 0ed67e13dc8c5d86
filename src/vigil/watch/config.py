"""The TOML file of `vigil watch`: what to fetch, the alert rules, the channels.

Defaults live in the dataclasses (:class:`Watch` here, the rules' ``Settings`` in
:mod:`vigil.watch.territory_rules` and :mod:`vigil.watch.case_rules`, the channels' in
:mod:`vigil.watch.publish`); this module only reads a file into them, checking every
key against the dataclass it fills, so that a typo (``treshold_km2``) or a wrong type
is one line naming the file, the key and what was expected, never a silently ignored
setting. ``src/vigil/watch/example.toml`` lists every key with its default; a test
checks that loading it gives the defaults.

Sections: ``[watch]`` (:class:`Watch`), ``[rules.<rule>]`` (one sub-dataclass of either
rules module's ``Settings``), ``[publish.<channel>]``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
import tomllib
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.errors import InputError
from vigil.i18n import gettext as _

#: The first file a store that holds nothing of the source is fetched from: the first
#: day of DeepState's daily archive (as `vigil territory fetch` starts).
FIRST_DAY = dt.date(2024, 7, 8)


class ConfigError(InputError):
    """The configuration file is not what was expected: exit code 2, as for a command
    line the parser refuses (a scheduler must not retry it as a transient failure)."""

    exit_code = 2


@dataclass(frozen=True)
class Watch:
    """``[watch]``: what a run fetches and where it keeps it."""

    #: The source name in the territory store (the one fetched and ingested).
    source: str = "deepstate-daily"
    #: Upstream files: a URL with a ``{date:%Y%m%d}`` field, a file:// template or a
    #: directory of daily files; empty: DeepState's repository on GitHub.
    url_template: str = ""
    #: Days before the newest stored map that each run asks upstream for again, so that a
    #: day published late or replaced upstream is ingested and its figures corrected.
    lookback_days: int = 14
    #: The first file day fetched when the store holds nothing of the source.
    first_day: dt.date = FIRST_DAY
    #: Base of the links in feeds, e-mail and webhook (e.g. https://vigil.example.org).
    public_url: str = ""

    def __post_init__(self) -> None:
        if self.lookback_days < 1:
            raise ValueError(f"lookback_days: expected 1 or more, got {self.lookback_days}")
        if not self.source.strip():
            raise ValueError("source: expected a source name, got an empty string")


@dataclass(frozen=True)
class Config:
    """The effective configuration of a run: the file's values over the defaults.

    Where the data live is not in the file, as for every `vigil` command: ``store``
    (``--store``, else ``$VIGIL_STORE``, else ``<VIGIL_HOME>/territory.sqlite``),
    ``database`` (``--database``, else ``$DATABASE_URL``, else
    ``<VIGIL_HOME>/cases.sqlite``) and the download cache (``$VIGIL_CACHE``, else
    ``<VIGIL_HOME>/cache``). The cases database must be known before the file is read:
    the rules' settings live beside Django models."""

    watch: Watch
    territory: Any  # vigil.watch.territory_rules.Settings
    cases: Any  # vigil.watch.case_rules.Settings
    publish: Any  # vigil.watch.publish.Settings
    #: The file read (None: defaults only); not part of the configuration's value.
    path: Path | None = field(default=None, compare=False)
    store: Path | None = None  # None: $VIGIL_STORE, else the per-user store
    database: str | None = None  # None: $DATABASE_URL, else the per-user SQLite file
    cache: Path | None = None  # None: $VIGIL_CACHE, else <VIGIL_HOME>/cache, /deepstate-daily

    def with_paths(
        self, *, store: Path | None = None, database: str | None = None, cache: Path | None = None
    ) -> Config:
        """The same configuration with these places (the command line's flags)."""
        return dataclasses.replace(
            self,
            store=store or self.store,
            database=database or self.database,
            cache=cache or self.cache,
        )

    def store_path(self) -> Path:
        from vigil import config

        return config.resolve_store(self.store)

    def cache_path(self) -> Path:
        from vigil.territory.sources import fetch

        return Path(self.cache).expanduser() if self.cache else fetch.default_cache()

    def sections(self) -> Iterator[tuple[str, Any]]:
        """(TOML section name, dataclass) of every section, in the file's order."""
        yield "watch", self.watch
        for rules in (self.territory, self.cases):
            for f in dataclasses.fields(rules):
                yield f"rules.{f.name}", getattr(rules, f.name)
        for f in dataclasses.fields(self.publish):
            yield f"publish.{f.name}", getattr(self.publish, f.name)


def defaults() -> Config:
    """Every default (what an empty file, or no file, gives)."""
    from vigil.watch import case_rules, publish, territory_rules

    return Config(
        watch=Watch(),
        territory=territory_rules.Settings(),
        cases=case_rules.Settings(),
        publish=publish.Settings(),
    )


def load(path: Path | str | None) -> Config:
    """The configuration in the TOML file ``path`` over the defaults (defaults only when
    ``path`` is None). Raises :class:`ConfigError` (one line: the file, the key, what
    was expected) for a missing or unreadable file, bad TOML, an unknown section or key,
    or a value of the wrong type."""
    base = defaults()
    if path is None:
        return base
    path = Path(path).expanduser()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(_("%(file)s: no such configuration file") % {"file": path}) from None
    except OSError as exc:
        raise ConfigError(
            _("%(file)s: cannot read it (%(error)s)") % {"file": path, "error": exc.strerror or exc}
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(_("%(file)s: not UTF-8 text") % {"file": path}) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("%(file)s: not valid TOML (%(error)s)") % {"file": path, "error": exc}
        ) from None
    return _apply(base, raw, path)


def _apply(base: Config, raw: Mapping[str, Any], path: Path) -> Config:
    known = ("watch", "rules", "publish")
    for name in raw:
        if name not in known:
            raise ConfigError(
                _("%(file)s: unknown section [%(name)s] (expected one of: %(known)s)")
                % {"file": path, "name": name, "known": ", ".join(known)}
            )
    watch = _fill(base.watch, _table(raw, "watch", path), "watch", path)
    rules = _table(raw, "rules", path)
    territory_names = {f.name for f in dataclasses.fields(base.territory)}
    case_names = {f.name for f in dataclasses.fields(base.cases)}
    for name in rules:
        if name not in territory_names | case_names:
            allowed = ", ".join(sorted(territory_names | case_names))
            raise ConfigError(
                _("%(file)s: unknown rule [rules.%(name)s] (expected one of: %(allowed)s)")
                % {"file": path, "name": name, "allowed": allowed}
            )
    territory = _fill(
        base.territory, {k: v for k, v in rules.items() if k in territory_names}, "rules", path
    )
    cases = _fill(base.cases, {k: v for k, v in rules.items() if k in case_names}, "rules", path)
    publish = _fill(base.publish, _table(raw, "publish", path), "publish", path)
    return Config(watch=watch, territory=territory, cases=cases, publish=publish, path=path)


def _table(raw: Mapping[str, Any], name: str, path: Path) -> Mapping[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(
            _("%(file)s: %(name)s: expected a section [%(name)s], got a value")
            % {"file": path, "name": name}
        )
    return value


def _fill(default: Any, table: Mapping[str, Any], where: str, path: Path) -> Any:
    """``default`` (a dataclass instance) with the values of ``table``, each checked
    against the field's type; a field holding a dataclass takes a sub-table."""
    hints = typing.get_type_hints(type(default))
    fields = {f.name: f for f in dataclasses.fields(default) if f.init}
    changes: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{where}.{key}"
        if key not in fields:
            allowed = ", ".join(fields) or "none"
            raise ConfigError(
                # Translators: %(key)s is a key as the file spells it: "[watch] source".
                _("%(file)s: unknown key %(key)s (expected one of: %(allowed)s)")
                % {"file": path, "key": _shown(name), "allowed": allowed}
            )
        current = getattr(default, key)
        if dataclasses.is_dataclass(current) and not isinstance(current, type):
            if not isinstance(value, dict):
                raise ConfigError(
                    _("%(file)s: %(name)s: expected a section [%(name)s], got %(value)r")
                    % {"file": path, "name": name, "value": value}
                )
            changes[key] = _fill(current, value, name, path)
            continue
        try:
            changes[key] = _convert(value, hints[key])
        except _Mismatch as exc:
            raise ConfigError(
                # Translators: %(expected)s describes a type in English ("an integer").
                _("%(file)s: %(key)s: expected %(expected)s, got %(value)s")
                % {
                    "file": path,
                    "key": _shown(name),
                    "expected": exc.expected,
                    "value": _toml(value),
                }
            ) from None
    if not changes:
        return default
    try:
        return dataclasses.replace(default, **changes)
    except InputError as exc:  # a dataclass's own check (__post_init__)
        said = f"{_shown(exc.param)}: {exc.detail}" if exc.param else f"[{where}] {exc}"
        raise ConfigError(f"{path}: {said}") from None
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: [{where}] {exc}") from None


def _shown(name: str) -> str:
    """A dotted key as the file spells it: ``[rules.week_gain] threshold_km2``."""
    section, _dot, key = name.rpartition(".")
    return f"[{section}] {key}" if section else key


class _Mismatch(Exception):
    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _convert(value: Any, hint: Any) -> Any:
    """``value`` (as tomllib gives it) as the type ``hint`` says, or :class:`_Mismatch`."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(value, arg)
            except _Mismatch:
                pass
        raise _Mismatch(" or ".join(_expected(a) for a in args if a is not type(None)))
    if origin is typing.Literal:
        if value in args:
            return value
        raise _Mismatch(_expected(hint))
    if origin in (list, tuple) or (origin is not None and _is_sequence(origin)):
        if not isinstance(value, list):
            raise _Mismatch(_expected(hint))
        item = args[0] if args else Any
        try:
            items = [_convert(v, item) for v in value]
        except _Mismatch:
            raise _Mismatch(_expected(hint)) from None
        return tuple(items) if origin is tuple else items
    if hint is Any:
        return value
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    elif hint is str:
        if isinstance(value, str):
            return value
    elif hint is dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
    elif hint is Path:
        if isinstance(value, str):
            return Path(value).expanduser()
    elif isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            pass
    elif isinstance(hint, type):
        if isinstance(value, hint):
            return value
    else:
        return value
    raise _Mismatch(_expected(hint))


def _is_sequence(origin: Any) -> bool:
    from collections.abc import Sequence

    return isinstance(origin, type) and issubclass(origin, Sequence) and origin is not str


def _expected(hint: Any) -> str:
    """What a value of type ``hint`` looks like, in words."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Literal:
        return "one of " + ", ".join(_toml(a) for a in args)
    if origin in (list, tuple) or (origin is not None and _is_sequence(origin)):
        inner = _expected(args[0]) if args and args[0] is not Ellipsis else "values"
        return f"a list of {_plural(inner)}"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return "one of " + ", ".join(_toml(m.value) for m in hint)
    return {
        bool: "true or false",
        int: "an integer",
        float: "a number",
        str: "a string",
        dt.date: "a date (YYYY-MM-DD)",
        Path: "a path (a string)",
    }.get(hint, getattr(hint, "__name__", str(hint)))


def _plural(words: str) -> str:
    for one, many in (
        ("an integer", "integers"),
        ("a number", "numbers"),
        ("a string", "strings"),
        ("a date (YYYY-MM-DD)", "dates (YYYY-MM-DD)"),
        ("true or false", "booleans"),
    ):
        if words == one:
            return many
    return words


# -- writing TOML ---------------------------------------------------------------------------


def dumps(config: Config) -> str:
    """The configuration as TOML that :func:`load` reads back to the same value (what
    `vigil watch rules` prints). A field whose value TOML cannot hold (None) is written
    as a comment: absent, it keeps its default."""
    out: list[str] = []
    for section, value in config.sections():
        out.append(f"[{section}]")
        out.extend(_lines(value, section))
        out.append("")
    return "\n".join(out)


def _lines(value: Any, section: str) -> Iterator[str]:
    nested = []
    for f in dataclasses.fields(value):
        if not f.init:
            continue
        v = getattr(value, f.name)
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            nested.append((f.name, v))
        elif v is None:
            yield f"# {f.name} = (not set)"
        else:
            yield f"{f.name} = {_toml(v)}"
    for name, sub in nested:
        yield ""
        yield f"[{section}.{name}]"
        yield from _lines(sub, f"{section}.{name}")


def _toml(value: Any) -> str:
    """One TOML value (strings as JSON writes them: TOML basic strings escape alike)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return _toml(value.value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text if any(c in text for c in ".eE") or not math.isfinite(value) else text + ".0"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return "[" + ", ".join(_toml(v) for v in items) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)
