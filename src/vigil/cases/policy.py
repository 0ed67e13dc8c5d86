"""Who may see and change what in the cases registry: the one policy.

Every read and every write of the registry goes through this module; nothing else
filters by level (``tests/cases/test_policy.py`` fails when a module outside this one
compares a ``visibility``). The rules, in one place:

**The actor.** An :class:`Actor` is a level (public, internal, restricted: what it may
read) and the rights of its role (edit, administer, grant the restricted permission),
with a name for the audit trail. The web site makes one per request from the signed-in
user (:meth:`Actor.for_user`); the command line acts as the *operator* (whoever can
open the database file), at the level it is given (:meth:`Actor.operator_at`); a bare
:class:`~vigil.cases.levels.Level` given to a library function is a reader at that
level.

**Records.** A record is visible to an actor at level L when its own ``visibility``
is at most L *and* every record it needs is visible (:data:`REQUIRED`: a name needs its
person, an event its person and its case, an entry its release, whose publisher must
be visible too). Optional pointers (a source, the person a record was merged into, the
event a correction withdraws) are shown only when their target is visible.

**Fields.** A field is visible when its level is at most L: the column's default from
:mod:`vigil.cases.schema`, or the record's ``field_visibility`` override (people and
cases). ``field_visibility`` itself is shown to restricted readers only.

**Writes.** An actor changes only what it can see (:func:`editable`), sets no level
above its own (:func:`checked_level`), writes no field above its own level
(:func:`settable`), and only a restricted actor moves a field to another level
(:func:`new_overrides`). A record it may not see is :class:`~vigil.errors.NotFound`,
the same answer as for a record that does not exist.

**The audit trail** keeps every value whose effective level is above internal as a
keyed hash (:func:`audit_value`): the trail shows that a restricted field changed, and
which records changed together, never the value.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from vigil.cases.levels import Level
from vigil.cases.schema import OVERRIDABLE, TABLE, TABLES
from vigil.errors import Forbidden, InputError, NotFound
from vigil.i18n import gettext as _
from vigil.i18n import pgettext_lazy

if TYPE_CHECKING:
    from django.db.models import Model

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED

#: Values above this level are never written into the audit trail in clear.
AUDIT_CLEAR = Level.INTERNAL

#: What each record needs to be visible, besides its own level: (foreign key, nullable).
#: A nullable pointer (an event's case) is needed only when it is set.
REQUIRED: dict[str, tuple[tuple[str, bool], ...]] = {
    "PersonName": (("person", False),),
    "Affiliation": (("person", False), ("organisation", False)),
    "CaseParticipant": (("case", False), ("person", False)),
    "StatusEvent": (("person", False), ("case", True)),
    "Hearing": (("case", False),),
    "Sentence": (("person", False), ("case", True)),
    "Designation": (("person", False), ("organisation", False)),
    "ListRelease": (("organisation", False),),
    "ListEntry": (("release", False), ("person", False)),
    "IncidentPerson": (("incident", False), ("person", False)),
}
#: Reference data without a level: public (legal articles, courts).
UNLEVELLED = frozenset({"LegalArticle", "Court"})

#: The interchange table of each model (fields and their default levels).
TABLE_OF = {t.model: t.name for t in TABLES}

NOUN = {
    "Person": "person",
    "PersonName": "name",
    "Organisation": "organisation",
    "Affiliation": "affiliation",
    "Case": "case",
    "CaseParticipant": "participant",
    "StatusEvent": "event",
    "Hearing": "hearing",
    "Sentence": "sentence",
    "Designation": "designation",
    "ListRelease": "release",
    "ListEntry": "entry",
    "Source": "source",
    "Incident": "incident",
    "IncidentPerson": "incident's person",
}
# The nouns of NOUN as a person reads them in "no person 'X'" (NOUN itself stays English:
# it names records in the audit trail).
NOUN_SHOWN = {
    "person": pgettext_lazy("record", "person"),
    "name": pgettext_lazy("record", "name"),
    "organisation": pgettext_lazy("record", "organisation"),
    "affiliation": pgettext_lazy("record", "affiliation"),
    "case": pgettext_lazy("record", "case"),
    "participant": pgettext_lazy("record", "participant"),
    "event": pgettext_lazy("record", "event"),
    "hearing": pgettext_lazy("record", "hearing"),
    "sentence": pgettext_lazy("record", "sentence"),
    "designation": pgettext_lazy("record", "designation"),
    "release": pgettext_lazy("record", "release"),
    "entry": pgettext_lazy("record", "entry"),
    "source": pgettext_lazy("record", "source"),
    "incident": pgettext_lazy("record", "incident"),
    "incident's person": pgettext_lazy("record", "incident's person"),
    "record": pgettext_lazy("record", "record"),
}


# -- the actor ------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who reads or writes, at which level, with which rights."""

    level: Level = P
    name: str = "anonymous"
    can_edit: bool = False
    is_admin: bool = False
    holds_restricted: bool = False  # has the cases.view_restricted permission
    user_id: int | None = None  # the web account, when there is one
    operator: bool = False  # the command line: whoever can open the database

    @classmethod
    def reader(cls, level: Level | str | int = P, name: str = "reader") -> Actor:
        """A reader at ``level`` that changes nothing (a notebook, a public page)."""
        return cls(level=Level.parse(level), name=name)

    @classmethod
    def operator_at(cls, level: Level | str | int = R, name: str | None = None) -> Actor:
        """The command line's actor. Whoever can open the database file can read all of
        it, so the operator may do anything; ``level`` says how it acts this time (an
        import ``--level internal`` reads and changes nothing above internal)."""
        return cls(
            level=Level.parse(level),
            name=default_name(name),
            can_edit=True,
            is_admin=True,
            holds_restricted=True,
            operator=True,
        )

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        """The actor of a web request: anonymous → public; a viewer, editor or admin →
        internal once signed in (editors and admins only with a verified second
        factor, else public and no rights); the ``cases.view_restricted`` permission
        → restricted."""
        from vigil.cases import roles

        if not getattr(user, "is_authenticated", False):
            return cls()
        name = user.get_username()
        held = roles.roles_of(user)
        if not roles.verified(user, held):
            return cls(name=name, user_id=user.pk)
        restricted = user.has_perm("cases.view_restricted")
        return cls(
            level=R if restricted else INT,
            name=name,
            can_edit=bool(held & {"editor", "admin"}),
            is_admin="admin" in held,
            holds_restricted=restricted,
            user_id=user.pk,
        )

    def may_grant_restricted(self, target_user_id: int | None) -> bool:
        """Only a holder of the restricted permission grants it (an admin on the site,
        or the operator), and never to themselves."""
        if self.operator:
            return True
        held = self.is_admin and self.holds_restricted and self.level >= R
        return held and self.user_id is not None and self.user_id != target_user_id


def default_name(name: str | None = None) -> str:
    """Who acts on the command line: ``name``, else ``VIGIL_ACTOR``, else the
    operating-system user."""
    if name:
        return name
    env = os.environ.get("VIGIL_ACTOR")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        return f"uid:{os.getuid()}"


def acting(who: Actor | str | None) -> Actor:
    """``who`` when it is an :class:`Actor`; a name, or nothing, is the operator (the
    command line, a notebook: whoever can open the database) under that name."""
    return who if isinstance(who, Actor) else Actor.operator_at(name=who)


def as_actor(who: Actor | Level | str | int) -> Actor:
    """``who`` as an :class:`Actor` (a level alone is a reader at that level)."""
    return who if isinstance(who, Actor) else Actor.reader(who)


Who = Actor | Level | str | int


def require_edit(who: Who) -> Actor:
    actor = as_actor(who)
    if not actor.can_edit:
        raise Forbidden(
            _("%(actor)s may not change the registry (an editor's right)") % {"actor": actor.name}
        )
    return actor


def require_admin(who: Who) -> Actor:
    actor = as_actor(who)
    if not actor.is_admin:
        raise Forbidden(_("%(actor)s is not an admin") % {"actor": actor.name})
    return actor


# -- records --------------------------------------------------------------------------


def _model(source: Any) -> Any:
    return source if isinstance(source, type) else source.model


def rule(model: Any, level: Level, prefix: str = "") -> Any:
    """The ``Q`` a row of ``model`` (reached through ``prefix``) must meet to be
    visible at ``level``: its own level and that of every record it needs."""
    from django.db.models import Q

    name = model.__name__
    if name in UNLEVELLED:
        return Q()
    q = Q(**{f"{prefix}visibility__lte": int(level)})
    for fk, nullable in REQUIRED.get(name, ()):
        target = model._meta.get_field(fk).related_model
        inner = rule(target, level, f"{prefix}{fk}__")
        if nullable:
            inner = Q(**{f"{prefix}{fk}__isnull": True}) | inner
        q &= inner
    return q


def visible(source: Any, who: Who) -> Any:
    """The rows of ``source`` (a model or a queryset) that ``who`` may see."""
    actor = as_actor(who)
    qs = cast("type[Model]", source)._default_manager.all() if isinstance(source, type) else source
    return qs.filter(rule(_model(qs), actor.level))


def get(source: Any, who: Who, what: str | None = None, **lookup: Any) -> Any:
    """The one visible row of ``source`` matching ``lookup``; :class:`NotFound` (the
    same answer for a missing and a hidden record) otherwise."""
    found = visible(source, who).filter(**lookup).first()
    if found is None:
        noun = what or NOUN.get(_model(source).__name__, "record")
        key = next(iter(lookup.values()), "") if len(lookup) == 1 else ""
        shown = str(NOUN_SHOWN.get(noun, noun))
        if key != "":
            # Translators: %(noun)s is a kind of record ("person", "case"), %(key)r its
            # ref or id as typed; word it so the noun stays as it is, e.g. "%(noun)s
            # %(key)r: not found".
            raise NotFound(_("no %(noun)s %(key)r") % {"noun": shown, "key": key})
        # Translators: %(noun)s is a kind of record ("person", "case").
        raise NotFound(_("no such %(noun)s") % {"noun": shown})
    return found


def level_of(obj: Any) -> Level:
    """A record's effective level: its own, raised to that of every record it needs
    (a public event of a restricted person is restricted)."""
    name = type(obj).__name__
    if name in UNLEVELLED:
        return P
    own = Level(obj.visibility)
    for fk, _nullable in REQUIRED.get(name, ()):
        target = getattr(obj, fk)
        if target is not None:
            own = max(own, level_of(target))
    return own


def _level_paths(model: Any, prefix: str = "") -> list[str]:
    """The ``visibility`` lookups of a row of ``model`` and of every record it needs."""
    if model.__name__ in UNLEVELLED:
        return []
    paths = [f"{prefix}visibility"]
    for fk, _nullable in REQUIRED.get(model.__name__, ()):
        target = model._meta.get_field(fk).related_model
        paths += _level_paths(target, f"{prefix}{fk}__")
    return paths


def effective_levels(model: Any) -> dict[int, Level]:
    """:func:`level_of` of every record of ``model``, by id, in one query (an unset
    nullable pointer needs nothing)."""
    rows = model._default_manager.values_list("id", *_level_paths(model))
    return {pk: Level(max(lv for lv in levels if lv is not None)) for pk, *levels in rows}


def visible_ids(source: Any, who: Who) -> set[int]:
    return set(visible(source, who).values_list("id", flat=True))


def people(who: Who, *, current: bool = True) -> Any:
    """Visible people; ``current`` leaves out those merged into another."""
    from vigil.cases.models import Person

    qs = visible(Person, who)
    return qs.filter(merged_into__isnull=True) if current else qs


def resolve_merged(person: Any, who: Who) -> Any | None:
    """The person a merged record now is (itself when not merged), if visible."""
    seen: set[int] = set()
    while person is not None and person.merged_into_id is not None and person.pk not in seen:
        seen.add(person.pk)
        person = visible(type(person), who).filter(pk=person.merged_into_id).first()
    return person


def withdrawn(who: Who) -> Any:
    """Ids of the events withdrawn by a correction ``who`` can see (a hidden correction
    withdraws nothing for this reader: its effect would reveal it)."""
    from vigil.cases.models import StatusEvent

    return visible(StatusEvent, who).filter(withdraws__isnull=False).values("withdraws_id")


def current_events(who: Who) -> Any:
    """Visible events that no visible correction withdraws."""
    from vigil.cases.models import StatusEvent

    return visible(StatusEvent, who).exclude(id__in=withdrawn(who))


def shows_withdrawn(who: Who) -> bool:
    """Whether ``who`` sees withdrawn events (marked as such): team members do, to keep
    an error on record; the public sees the corrected record only."""
    return as_actor(who).level > P


def related(obj: Any, relation: str, who: Who) -> list[Any]:
    """The visible records of a many-to-many ``relation`` of ``obj`` (a case's sources,
    courts or articles; an event's or hearing's sources); none when the relation is a
    field of ``obj`` that ``who`` may not see."""
    table = TABLE_OF.get(type(obj).__name__)
    if table and relation in TABLE[table].names and not shows(obj, relation, who):
        return []
    manager = getattr(obj, relation)
    return list(visible(manager.all(), who))


# -- fields ---------------------------------------------------------------------------


def field_level(table: str, column: str, overrides: Mapping[str, Any] | None = None) -> Level:
    """The level of ``column`` in a row of ``table`` (with the row's overrides).

    Only the fields an editor may move (:data:`~vigil.cases.schema.OVERRIDABLE`) take
    an override: a ref or a visibility moved by hand in the database would hide a
    record's name from its own row while other rows still point to it. A malformed
    override is an error, never a guess: exports stop rather than leak.
    """
    if overrides is not None and not isinstance(overrides, Mapping):
        raise InputError(
            _("%(field)s: expected a mapping, got %(value)r")
            % {"field": f"{table}.field_visibility", "value": overrides}
        )
    if overrides and column in overrides and column in OVERRIDABLE.get(table, ()):
        return Level.parse(overrides[column], f"{table}.field_visibility.{column}")
    return TABLE[table].column(column).level


def column_level(obj: Any, column: str) -> Level:
    """The level of one field of ``obj`` (its table's default or the override)."""
    table = TABLE_OF[type(obj).__name__]
    return field_level(table, column, getattr(obj, "field_visibility", None))


def shows(obj: Any, column: str, who: Who) -> bool:
    """Whether ``who`` may see the field ``column`` of ``obj`` (a visible record)."""
    return column_level(obj, column) <= as_actor(who).level


def plain(value: Any) -> Any:
    """A field's value as plain data (a partial date as its text)."""
    from vigil.cases.dates import PartialDate

    return str(value) if isinstance(value, PartialDate) else value


def fields(obj: Any, who: Who, names: Iterable[str]) -> dict[str, Any]:
    """The fields of ``obj`` among ``names`` that ``who`` may see (others absent)."""
    return {n: plain(getattr(obj, n)) for n in names if shows(obj, n, who)}


def restricted_read(obj: Any, who: Who, names: Iterable[str]) -> list[str]:
    """The restricted fields of ``obj`` among ``names`` that ``who`` is shown, not
    empty: such a reading is recorded in the audit trail."""
    if as_actor(who).level < R:
        return []
    return [n for n in names if column_level(obj, n) == R and getattr(obj, n)]


def parse_overrides(table: str, value: Any) -> dict[str, str]:
    """A ``field_visibility`` value checked: known fields, known levels (by name)."""
    if value in (None, "", {}):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            # "notes=public; contacts=restricted"
            pairs = [p.split("=", 1) for p in value.split(";") if p.strip()]
            if any(len(p) != 2 for p in pairs):
                raise InputError(
                    # Translators: 'field=level; …' is a format to type: keep it.
                    _("field_visibility: expected JSON or 'field=level; …', got %(value)r")
                    % {"value": value}
                ) from None
            value = {k.strip(): v.strip() for k, v in pairs}
    if value in (None, {}):  # JSON null or {}
        return {}
    if not isinstance(value, dict):
        raise InputError(
            _("%(field)s: expected a mapping, got %(value)r")
            % {"field": "field_visibility", "value": value}
        )
    allowed = OVERRIDABLE.get(table, [])
    out: dict[str, str] = {}
    for key, level in value.items():
        if key not in allowed:
            raise InputError(
                # Translators: %(table)s is a table's name (people, cases), as in exports.
                _("field_visibility: %(key)r is not a field of %(table)s (one of %(fields)s)")
                % {"key": key, "table": table, "fields": ", ".join(allowed)}
            )
        out[key] = Level.parse(level, f"field_visibility.{key}").label
    return dict(sorted(out.items()))


def redact_row(table: str, row: Mapping[str, Any], level: Level) -> dict[str, Any]:
    """``row`` (interchange columns) with every column above ``level`` removed (not
    blanked: absent)."""
    overrides = row.get("field_visibility") or {}
    level = Level.parse(level)
    return {
        c.name: row[c.name]
        for c in TABLE[table].columns
        if c.name in row and field_level(table, c.name, overrides) <= level
    }


def visible_refs(rows: Iterable[Mapping[str, Any]], level: Level) -> set[str]:
    """The refs of the rows a reader at ``level`` may see."""
    return {r["ref"] for r in rows if Level.parse(r["visibility"]) <= level}


# -- writes ---------------------------------------------------------------------------


def editable(source: Any, who: Who) -> Any:
    """The rows of ``source`` that ``who`` may change: the visible ones, for an editor."""
    return visible(source, require_edit(who))


def get_editable(source: Any, who: Who, what: str | None = None, **lookup: Any) -> Any:
    return get(editable(source, who), who, what, **lookup)


def checked_level(who: Who, value: Any, what: str = "visibility") -> Level:
    """A level ``who`` may give a record or field: at most its own."""
    actor = as_actor(who)
    level = Level.parse(value, what)
    if level > actor.level:
        raise InputError(
            # Translators: the levels are public, internal or restricted.
            _("%(field)s: %(level)s is above your level (%(yours)s)")
            % {"field": what, "level": level.label, "yours": actor.level.label}
        )
    return level


def columns_shown(
    table: str, who: Who, names: Iterable[str], overrides: Mapping[str, Any] | None = None
) -> list[str]:
    """The columns among ``names`` of a ``table`` row (with ``overrides``) that ``who``
    may see, and so write: a form offers only these."""
    level = as_actor(who).level
    return [n for n in names if field_level(table, n, overrides) <= level]


def settable(obj_or_table: Any, who: Who, names: Iterable[str]) -> list[str]:
    """The fields among ``names`` that ``who`` may write on this record (or, given a
    table name, on a new record): those at or below its level."""
    if isinstance(obj_or_table, str):
        return columns_shown(obj_or_table, who, names)
    table = TABLE_OF[type(obj_or_table).__name__]
    return columns_shown(table, who, names, getattr(obj_or_table, "field_visibility", None))


def assignable_levels(who: Who) -> list[Level]:
    """The levels ``who`` may give a record: up to its own."""
    return [lv for lv in Level if lv <= as_actor(who).level]


def moves_fields(who: Who) -> bool:
    """Whether ``who`` may move a record's fields between levels (restricted only)."""
    return as_actor(who).level >= R


def sees_all(who: Who) -> bool:
    """Whether ``who`` sees every record and field (the restricted level)."""
    return as_actor(who).level >= R


def is_public(who: Who) -> bool:
    """Whether ``who`` reads as the public does (its answers may be cached publicly)."""
    return as_actor(who).level == P


def new_overrides(who: Who, table: str, current: Mapping[str, Any] | None, wanted: Any) -> dict:
    """The ``field_visibility`` a write may leave on a record: ``wanted`` (checked)
    from a restricted actor; from anyone else only the current overrides, unchanged
    (they cannot see them, so they can neither read nor move them)."""
    now = parse_overrides(table, dict(current or {}))
    if wanted is None:
        return now
    asked = parse_overrides(table, wanted)
    if not moves_fields(who) and asked != now:
        raise InputError(
            _("field_visibility: only a restricted editor moves fields between levels")
        )
    return asked


def keep_level(obj: Any, column: str, level: Any) -> None:
    """Make the field ``column`` of ``obj`` at least ``level`` (an override when its
    default is lower): a value moved onto ``obj`` keeps the level it had."""
    wanted = Level(int(level))
    if wanted > column_level(obj, column):
        table = TABLE_OF[type(obj).__name__]
        overrides = {**(obj.field_visibility or {}), column: wanted.label}
        obj.field_visibility = parse_overrides(table, overrides)


def raised(*levels: Any) -> Level:
    """The highest of ``levels`` (a merged record keeps the level it was hidden at)."""
    return max(Level(int(lv)) for lv in levels)


# -- the audit trail ------------------------------------------------------------------


@cache
def _audit_key() -> bytes:
    from vigil.config import kept_secret

    return kept_secret("audit_key", "VIGIL_AUDIT_KEY").encode()


def mask(value: Any, salt: str) -> str:
    """``value`` as ``[restricted:<keyed hash>]``: equal values under one ``salt``
    (table, record, field) hash alike, so a change stays visible; the key lives
    outside the database (:func:`vigil.config.kept_secret`), so a guess cannot be
    checked against the trail."""
    text = json.dumps(plain(value), ensure_ascii=False, sort_keys=True, default=str)
    digest = hmac.new(_audit_key(), f"{salt}\0{text}".encode(), hashlib.sha256).hexdigest()
    return f"[restricted:{digest[:12]}]"


def audit_value(value: Any, level: Level, salt: str) -> Any:
    """``value`` as the audit trail may hold it at ``level``."""
    return plain(value) if level <= AUDIT_CLEAR else mask(value, salt)


def audit_key(obj: Any) -> str:
    """How the audit trail names a record: its ref; else the ref of the record it
    belongs to and its id (``C1#12``, a hearing of case C1)."""
    ref = getattr(obj, "ref", None)
    if ref:
        return ref
    for fk, _nullable in REQUIRED.get(type(obj).__name__, ()):
        owner = getattr(obj, fk)
        if owner is not None:
            return f"{audit_key(owner)}#{obj.pk}"
    return f"#{obj.pk}"


def audit_target(obj: Any) -> str:
    """``noun:key`` (:func:`audit_key`), the key masked when the record is above
    internal (the ref of a restricted person is restricted)."""
    noun = NOUN.get(type(obj).__name__, type(obj).__name__.lower())
    return f"{noun}:{audit_value(audit_key(obj), level_of(obj), f'{noun}:{obj.pk}')}"


def _column_value(obj: Any, column: str) -> tuple[Any, Level]:
    """A column of ``obj`` as plain data and the level of what it points to."""
    from django.db.models import Manager, Model

    value = getattr(obj, column, None)
    if isinstance(value, Model):
        return (getattr(value, "ref", None) or str(value)), level_of(value)
    if isinstance(value, Manager):
        items = list(value.all())
        return sorted(getattr(i, "ref", None) or str(i) for i in items), raised(
            P, *(level_of(i) for i in items)
        )
    return plain(value), P


def snapshot(obj: Any, columns: Iterable[str] | None = None) -> dict[str, Any]:
    """``obj`` as the audit trail may keep it: its interchange columns, every value
    whose effective level (the record's, the field's, or that of the record it names)
    is above internal masked."""
    table = TABLE_OF[type(obj).__name__]
    names = list(columns) if columns is not None else TABLE[table].names
    record = level_of(obj)
    overrides = getattr(obj, "field_visibility", None)
    out: dict[str, Any] = {}
    for column in names:
        if column == "visibility":
            out[column] = Level(obj.visibility).label
            continue
        value, target = _column_value(obj, column)
        level = raised(record, target, field_level(table, column, overrides))
        out[column] = audit_value(value, level, f"{table}:{obj.pk}:{column}")
    return out


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``{column: {"before", "after"}}`` for the columns that differ (values as the
    snapshots hold them: masked ones compare by their keyed hash)."""
    return {
        k: {"before": before.get(k), "after": after.get(k)}
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }
