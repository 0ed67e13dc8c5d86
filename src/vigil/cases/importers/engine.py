"""The loader: rows in interchange form -> checked, matched records -> bulk writes.

Three phases, so that no row is half-written and no query is made per row:

1. **Plan** (reads only): every table, in the schema's dependency order, is converted
   cell by cell through the model vocabularies; each row is matched with an existing
   record (by ref, by natural key, or by a secondary key for rows without a ref) or
   with an earlier row of the same import, and given an action: create, update,
   unchanged or reject. References to records that this import creates point at
   their :class:`Pending` row, not at an id.
2. **Propagate**: a row that refers to a rejected new record is rejected too; so is
   every record read from the same row of a flat sheet (a flat row is all or nothing).
3. **Write**: per table, ``bulk_create`` the new records (then give ref-less ones a
   generated ref), ``bulk_update`` the changed ones, and write many-to-many links
   through their through-models. Self-references (``merged_into``, ``withdraws``)
   are set after their table's inserts.

Existing rows are preloaded once per table into dicts keyed by natural key. A column
absent from a row leaves the record's value as it is; a present, empty cell sets the
model's default (blank text, no date, the default level).

**The importer's level.** The loader acts for an :class:`~vigil.cases.policy.Actor`
and sees the registry as :mod:`vigil.cases.policy` lets it: a record above its level
does not exist for it (a row that names it is "unknown", the same answer as for a
record that is not there; a row that would create a record under its ref is refused
as "ref in use", the one thing a unique name cannot hide); a field above its level is
neither compared nor written (an empty cell leaves it alone, a value is refused); no
row may give a level above the importer's, and only a restricted importer moves fields
between levels (``field_visibility``).
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from django.utils import timezone

from vigil.cases import policy, vocab
from vigil.cases.dates import PartialDate
from vigil.cases.importers.refs import REF_PREFIX, new_ref
from vigil.cases.importers.report import RowOutcome, RowProblem
from vigil.cases.levels import Level
from vigil.cases.names import fold
from vigil.cases.policy import field_level, parse_overrides
from vigil.cases.schema import MANY, READ_TABLES, TABLE, TABLES, Column
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext

REF_TABLES = tuple(REF_PREFIX)
NOUN = {
    "people": "person",
    "organisations": "organisation",
    "cases": "case",
    "sources": "source",
    "releases": "release",
    "events": "event",
    "incidents": "incident",
}
#: Write order: courts (implicit, by name) first, then the schema's order.
ORDER = ("courts", *(t.name for t in TABLES))
BATCH = 1000
MAX_INT = 2_147_483_647  # PositiveIntegerField on PostgreSQL


@dataclass(frozen=True)
class InRow:
    """One record to load, as read (or derived from a flat row)."""

    file: str
    table: str
    row: int
    values: Mapping[str, Any]  # interchange column -> raw value
    origin: Mapping[str, str] = field(default_factory=dict)  # column -> the user's column
    alias: Hashable | None = None  # how other rows of this import refer to a new record
    hint: tuple[Any, ...] | None = None  # a secondary key for a record without a ref
    create_only: frozenset[str] = frozenset()  # columns used only when creating
    group: tuple[str, int] | None = None  # rows derived from one flat row: all or nothing
    label: str = ""  # how to name the record in the report when it has no ref
    optional: frozenset[str] = frozenset()  # columns whose bad cell may be dropped

    def column(self, name: str) -> str:
        return self.origin.get(name, name)


@dataclass(eq=False)
class Pending:
    """A row being planned (mutable; identity matters: references point at it)."""

    row: InRow
    table: str
    values: dict[str, Any] = field(default_factory=dict)  # model attribute -> value
    m2m: dict[str, frozenset[Any]] = field(default_factory=dict)
    deferred: dict[str, Any] = field(default_factory=dict)  # self-references, set after insert
    key: tuple[Any, ...] = ()
    instance: Any = None  # the matched record, or the new one once written
    action: str = "create"
    changed: list[str] = field(default_factory=list)  # columns
    first: Pending | None = None  # an earlier row of this import with the same key
    rejected: bool = False
    ref: str = ""  # the ref given in the row (ref tables)


#: How each column of each table is read: the schema's description (courts included).
SPEC: dict[str, dict[str, Column]] = {
    name: {c.name: c for c in table.columns} for name, table in READ_TABLES.items()
}
#: Self-references (``merged_into``, ``withdraws``): set after their table's inserts.
DEFERRED = {t.name: c.name for t in TABLES for c in t.columns if c.target == t.name}
#: Optional pointers that an export at a lower level empties when their target is
#: hidden: every pointer the policy does not require to be visible (a source, the person
#: a record was merged into, the event a correction withdraws).
HIDDEN_POINTERS = {
    c.field: c.target
    for t in TABLES
    for c in t.columns
    if c.read in ("ref", "withdraws")
    and c.name not in {fk for fk, _ in policy.REQUIRED.get(t.model, ())}
}
M2M_KINDS = MANY
#: Values a new record's audit event leaves out (a blank field is blank).
BLANK: tuple[object, ...] = (None, "", frozenset(), {})
MODEL = {name: table.model for name, table in READ_TABLES.items()}


def attr(table: str, column: str) -> str:
    return SPEC[table][column].field


#: Model attribute -> interchange column, per table.
COLUMN_OF = {t: {c.field: n for n, c in cols.items()} for t, cols in SPEC.items()}


def key_columns(table: str) -> tuple[str, ...]:
    return READ_TABLES[table].key


class _Either:
    """``x in _Either(a, b)``: in ``a`` or in ``b`` (without building their union)."""

    def __init__(self, *containers: Any) -> None:
        self.containers = containers

    def __contains__(self, item: object) -> bool:
        return any(item in c for c in self.containers)


class Bad(Exception):
    """A cell that cannot be read (caught per cell, reported as a row problem)."""


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _text(value: Any) -> str:
    """A cell as text: surrounding whitespace stripped, nothing else changed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and callable(value.date):  # a datetime from a workbook
        value = value.date()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _items(value: Any) -> list[str]:
    """A list cell: a JSON list, or text separated by ";"."""
    if isinstance(value, list | tuple):
        items = [_text(v) for v in value]
    else:
        items = [v.strip() for v in _text(value).split(";")]
    return [v for v in items if v]


def _message(exc: InputError, column: str) -> str:
    text = str(exc)
    for prefix in (f"{column}: ", "date: "):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def _noun(table: str, default: str = "record") -> str:
    """The kind of record of ``table`` as a person reads it ("person", translated)."""
    noun = NOUN.get(table, default)
    return str(policy.NOUN_SHOWN.get(noun, noun))


def pk_of(value: Any) -> Any:
    """An id for a reference: a :class:`Pending` once written gives its new id."""
    if isinstance(value, Pending):
        return value.instance.pk
    return value


class Loader:
    """Plans and writes one import (see the module docstring)."""

    def __init__(
        self,
        doc_level: Level | None = None,
        actor: policy.Actor | None = None,
        *,
        drop_cells: bool = False,
    ) -> None:
        """``drop_cells`` (``--skip-invalid``): a bad cell of a row's ``optional``
        column is left out and reported, the row kept."""
        from vigil.cases import models

        self.drop_cells = drop_cells
        self.models = models
        self.actor = actor if actor is not None else policy.Actor.operator_at()
        # a restricted export hides nothing: only a lower one is read as redacted
        self.doc_level = None if doc_level is None or policy.sees_all(doc_level) else doc_level
        # What this import cannot see: columns and pointers above the export's level or
        # the importer's (an empty cell there keeps what the record holds).
        self.blind = min(
            Level.RESTRICTED if self.doc_level is None else self.doc_level, self.actor.level
        )
        self.model = {t: getattr(models, name) for t, name in MODEL.items()}
        self.ids: dict[str, dict[Hashable, Any]] = {}  # ref or alias -> id or Pending
        self.refs: dict[str, dict[int, str]] = {}  # id -> ref of existing records
        self.taken: dict[str, set[str]] = {}  # refs of records the importer cannot see
        for table in REF_TABLES:
            every = self.model[table].objects.exclude(ref=None)
            pairs = list(policy.visible(every, self.actor).values_list("ref", "id"))
            self.ids[table] = dict(pairs)
            self.refs[table] = {pk: ref for ref, pk in pairs}
            self.taken[table] = set(every.values_list("ref", flat=True)) - set(self.ids[table])
        courts = list(models.Court.objects.values_list("name", "id"))  # names are unique
        self.ids["courts"] = dict(courts)
        self.refs["courts"] = {pk: name for name, pk in courts}
        self.pendings: dict[str, list[Pending]] = {t: [] for t in ORDER}
        self.problems: list[RowProblem] = []
        self.bad_groups: set[tuple[str, int]] = set()
        self.existing: dict[str, dict[tuple[Any, ...], Any]] = {}
        self.alt_existing: dict[str, dict[tuple[Any, ...], Any]] = {}
        self.ambiguous: dict[str, dict[tuple[Any, ...], list[Any]]] = {}
        self.twins: dict[str, dict[tuple[Any, ...], list[Any]]] = {}
        self._rows: dict[str, list[Any]] = {}  # existing records of the ref tables
        self.m2m_existing: dict[tuple[str, str], dict[int, frozenset[int]]] = {}
        self.articles: dict[tuple[str, str], Any] = {}
        # withdrawn event -> withdrawing event: ids, or the Pending of a new event
        self.withdrawn: dict[int | Pending, int | Pending] = {}
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._seen_ids: dict[str, set[int]] = {}  # ids visible at self.blind, per table
        self.before: dict[int, dict[str, Any]] = {}  # id(Pending) -> audited values

    # -- public ------------------------------------------------------------------

    def is_ref(self, table: str, value: str) -> bool:
        """Whether ``value`` is the ref of an existing record of ``table``."""
        return value in self.ids[table]

    def reject_groups(self, problems: Iterable[RowProblem]) -> None:
        """Problems found before planning (e.g. a flat row without a name)."""
        for problem in problems:
            self.problems.append(problem)
            self.bad_groups.add((problem.file, problem.row))

    def plan(self, rows: Mapping[str, list[InRow]]) -> None:
        """Plan every table of ``rows`` (reads only)."""
        for table in ORDER:
            if rows.get(table):
                self._plan_table(table, rows[table])
        self._propagate()

    def write(self) -> None:
        """Write every planned, non-rejected row (inside the caller's transaction)."""
        self._drop_unused_courts()
        for table in ORDER:
            self._write_table(table)

    def outcomes(self) -> list[RowOutcome]:
        out = []
        for table in ORDER:
            for p in self.pendings[table]:
                action = "reject" if p.rejected else p.action
                changed = tuple(p.changed) if action == "update" else ()
                out.append(
                    RowOutcome(p.row.file, table, p.row.row, action, self._label(p), changed)
                )
        return out

    # -- planning ----------------------------------------------------------------

    def _plan_table(self, table: str, rows: list[InRow]) -> None:
        self._preload(table)
        seen: dict[tuple[Any, ...], Pending] = {}
        planned = []
        for row in rows:
            p = Pending(row, table)
            self._convert(p)
            if not p.rejected:
                self._match(p, seen)
            else:
                self._register(p)
            planned.append(p)
        self.pendings[table] = planned
        if table in DEFERRED:
            for p in planned:
                if not p.rejected and DEFERRED[table] in p.row.values:
                    self._convert_deferred(p, seen)
        if table == "articles":
            for p in planned:
                if not p.rejected:
                    self._remember_article(p)

    def _problem(self, p: Pending, column: str, problem: str) -> None:
        p.rejected = True
        label = p.row.column(column) if column else ""
        self.problems.append(RowProblem(p.row.file, p.table, p.row.row, label, problem))

    def _bad_cell(self, p: Pending, column: str, problem: str) -> None:
        """A cell that cannot be read: the row is rejected, or, for an optional column
        when bad cells are dropped, the cell is left out (as if absent) and reported."""
        if not (self.drop_cells and column in p.row.optional):
            self._problem(p, column, problem)
            return
        text = _("%(problem)s; the cell was left out, the row kept") % {"problem": problem}
        self.problems.append(
            RowProblem(p.row.file, p.table, p.row.row, p.row.column(column), text, dropped=True)
        )

    def _visible_columns(self, p: Pending) -> Iterable[str]:
        """The row's columns, less those this import cannot see: above the level of a
        redacted export (left out, not emptied: it must not blank a value) or above the
        importer's (an empty cell is left out; a value there is refused)."""
        columns = list(p.row.values)
        if policy.sees_all(self.blind):
            return columns
        current = self.existing.get(p.table, {}).get(("ref", _text(p.row.values.get("ref"))))
        overrides = getattr(current, "field_visibility", None) or {}
        given = p.row.values.get("field_visibility")
        if policy.moves_fields(self.actor) and isinstance(given, dict):
            overrides = given  # a restricted importer may move fields
        try:
            policy.parse_overrides(p.table, overrides)
        except InputError:  # a malformed override: reported by its own column
            overrides = {}
        doc = Level.RESTRICTED if self.doc_level is None else self.doc_level
        in_doc = set(policy.columns_shown(p.table, doc, columns, overrides))
        mine = set(policy.columns_shown(p.table, self.actor, columns, overrides))
        for column in sorted((in_doc - mine), key=columns.index):
            value = p.row.values[column]
            if not _empty(value) and value != {}:
                self._problem(
                    p, column, self._above(column, field_level(p.table, column, overrides))
                )
        return [c for c in columns if c in in_doc and c in mine]

    def _above(self, column: str, level: Level) -> str:
        if column == "field_visibility":
            return _("only a restricted editor moves fields between levels")
        # Translators: the levels are public, internal or restricted.
        return _("a %(level)s field: above your level (%(yours)s)") % {
            "level": level.label,
            "yours": self.actor.level.label,
        }

    def _convert(self, p: Pending) -> None:
        spec = SPEC[p.table]
        for column in self._visible_columns(p):
            col = spec.get(column)
            if col is None or column == DEFERRED.get(p.table):
                continue
            raw = p.row.values[column]
            if column == "ref":
                try:
                    p.ref = self._checked_text(p.table, "ref", raw)
                except Bad as exc:
                    self._problem(p, column, str(exc))
                continue
            try:
                value = self._cell(p, column, col, raw)
            except Bad as exc:
                self._bad_cell(p, column, str(exc))
                continue
            except InputError as exc:
                self._bad_cell(p, column, _message(exc, column))
                continue
            if col.read in M2M_KINDS:
                p.m2m[col.field] = value
            else:
                p.values[col.field] = value

    def _cell(self, p: Pending, column: str, col: Column, raw: Any) -> Any:
        """One cell as a model value (raises :class:`Bad` or ``InputError``)."""
        if col.read in M2M_KINDS:
            items = _items(raw)
            if col.read == "courts":
                return frozenset(self._court(p, name) for name in items)
            if col.read == "articles":
                return frozenset(self._article(p, item) for item in items)
            return frozenset(self._ref(p, "sources", item) for item in items)
        if _empty(raw):
            if col.required:
                raise Bad(_("required: the cell is empty"))
            if col.read == "ref":
                return None
            return _plain(self._field(p.table, col.field).get_default())
        if col.read == "ref":  # a ref, or the alias of a record this import creates
            return self._ref(p, col.target, raw if isinstance(raw, tuple) else _text(raw))
        if col.read == "court":
            return self._court(p, _text(raw))
        if col.read == "text":
            return self._checked_text(p.table, col.field, raw)
        return self._cached(p.table, column, col, raw)

    def _cached(self, table: str, column: str, col: Column, raw: Any) -> Any:
        """Vocabulary words, dates, levels and numbers: the same text, the same value."""
        hashable = raw if isinstance(raw, str | int | float) else json.dumps(raw, default=str)
        key = (table, column, hashable)
        if key not in self._cache:
            try:
                self._cache[key] = (True, self._value(table, column, col, raw))
            except Bad as exc:
                self._cache[key] = (False, str(exc))
            except InputError as exc:
                self._cache[key] = (False, _message(exc, column))
        ok, value = self._cache[key]
        if not ok:
            raise Bad(value)  # a new exception each time: a cached one would grow its traceback
        return value

    def _value(self, table: str, column: str, col: Column, raw: Any) -> Any:
        if col.read == "vocab":
            return vocab.choice(col.vocab, raw, column)
        if col.read == "date":
            return self._date(raw, column)
        if col.read == "level":
            return int(policy.checked_level(self.actor, raw, column))
        if col.read == "overrides":
            return parse_overrides(table, raw)
        if col.read == "int":
            return self._int(raw)
        raise AssertionError(col.read)

    @staticmethod
    def _date(raw: Any, column: str) -> PartialDate | None:
        try:
            return PartialDate.parse(raw, column)
        except InputError as exc:
            text = _message(exc, column)
            if (
                getattr(exc, "explains", False)
                or "expected a date" in text
                or "is ambiguous" in text
            ):
                raise  # says what was expected already (03/04/2024: which is the day)
            reason = text.rpartition(": ")[2]
            raise Bad(
                _("expected a date such as 2024-06-03, got %(value)r (%(reason)s)")
                % {"value": raw, "reason": reason}
            ) from None

    @staticmethod
    def _int(raw: Any) -> int:
        text = _text(raw)
        try:
            number = float(text)
        except ValueError:
            raise Bad(_("expected a whole number, got %(value)r") % {"value": raw}) from None
        if not number.is_integer() or not 0 <= number <= MAX_INT:
            raise Bad(
                _("expected a whole number from 0 to %(max)d, got %(value)r")
                % {"max": MAX_INT, "value": raw}
            )
        return int(number)

    def _field(self, table: str, name: str) -> Any:
        return self.model[table]._meta.get_field(name)

    def _checked_text(self, table: str, name: str, raw: Any) -> str:
        text = _text(raw)
        if "\x00" in text:  # PostgreSQL cannot store it; it is never meant
            raise Bad(_("contains a NUL character (\\x00)"))
        limit = self._field(table, name).max_length
        if limit and len(text) > limit:
            raise Bad(
                # English says "characters" even for 1 (as before).
                ngettext(
                    "at most %(limit)d characters, got %(n)d",
                    "at most %(limit)d characters, got %(n)d",
                    limit,
                )
                % {"limit": limit, "n": len(text)}
            )
        return text

    def _ref(self, p: Pending, table: str, value: Any) -> Any:
        """The id (or the pending new record) that ``value`` names in ``table``."""
        target = self.ids[table].get(value)
        if target is None:
            shown = value if isinstance(value, str) else _("(this row)")
            raise Bad(
                # Translators: %(noun)s is a kind of record ("person", "case").
                _("unknown %(noun)s %(key)r: not in the registry nor in this import")
                % {"noun": _noun(table), "key": shown}
            )
        return target

    def _court(self, p: Pending, name: str) -> Any:
        court = self.ids["courts"].get(name)
        if court is None:
            name = self._checked_text("courts", "name", name)
            court = Pending(InRow(p.row.file, "courts", p.row.row, {"name": name}), "courts")
            court.values = {"name": name}
            court.key = (name,)
            self.pendings["courts"].append(court)
            self.ids["courts"][name] = court
        return court

    def _article(self, p: Pending, label: str) -> Any:
        country = _text(p.row.values.get("country"))
        if "country" not in p.row.values:
            current = self.existing.get("cases", {}).get(("ref", _text(p.row.values.get("ref"))))
            country = current.country if current else ""
        found = self.articles.get((country, label))
        if found is None:
            anywhere = [v for (_, lab), v in self.articles.items() if lab == label]
            if len(anywhere) == 1:
                return anywhere[0]
            raise Bad(
                _(
                    "unknown legal article %(article)r (country %(country)r): list it in the "
                    "articles table (code and article)"
                )
                % {"article": label, "country": country}
            )
        return found

    def _remember_article(self, p: Pending) -> None:
        code, article = p.values.get("code", ""), p.values.get("article", "")
        target = p.instance.pk if p.instance is not None else (p.first or p)
        self.articles[(p.values.get("country", ""), f"{code} {article}".strip())] = target

    # -- matching ----------------------------------------------------------------

    def _preload(self, table: str) -> None:
        """Existing records of ``table`` by key (and by secondary key), and m2m links."""
        model = self.model[table]
        if table == "courts":
            return
        rows = list(policy.visible(model, self.actor))
        if table in REF_TABLES:
            self.existing[table] = {("ref", r.ref): r for r in rows if r.ref}
            self._rows[table] = rows
        else:
            keys = [attr(table, c) for c in key_columns(table)]
            index: dict[tuple[Any, ...], list[Any]] = {}
            for r in rows:
                index.setdefault(tuple(_plain(getattr(r, a)) for a in keys), []).append(r)
            # Records at several levels may share a natural key (one the importer could
            # not see was entered apart): see _existing.
            self.existing[table] = {k: v[0] for k, v in index.items()}
            self.twins[table] = {k: v for k, v in index.items() if len(v) > 1}
        if table == "articles":
            for r in rows:
                self.articles[(r.country, f"{r.code} {r.article}".strip())] = r.pk
        if table == "events":
            self.withdrawn = {r.withdraws_id: r.pk for r in rows if r.withdraws_id}
        for col in SPEC[table].values():
            if col.read in M2M_KINDS:
                self.m2m_existing[(table, col.field)] = self._links(model, col.field)

    @staticmethod
    def _links(model: Any, relation: str) -> dict[int, frozenset[int]]:
        rel = model._meta.get_field(relation)
        through = getattr(model, relation).through
        src, dst = f"{rel.m2m_field_name()}_id", f"{rel.m2m_reverse_field_name()}_id"
        out: dict[int, set[int]] = {}
        for a, b in through.objects.values_list(src, dst):
            out.setdefault(a, set()).add(b)
        return {k: frozenset(v) for k, v in out.items()}

    def _alt_index(self, table: str) -> dict[tuple[Any, ...], Any]:
        """Secondary keys of existing records, for rows that come without a ref (built
        on first use). A key that two records share is ambiguous: a row with it is
        rejected, not guessed."""
        if table not in self.alt_existing:
            index: dict[tuple[Any, ...], list[Any]] = {}
            for key, record in self._alt_keys(table, self._rows[table]):
                index.setdefault(key, []).append(record)
            self.ambiguous[table] = {k: v for k, v in index.items() if len(v) > 1}
            self.alt_existing[table] = {k: v[0] for k, v in index.items() if len(v) == 1}
        return self.alt_existing[table]

    def _alt_keys(self, table: str, rows: list[Any]) -> Iterable[tuple[tuple[Any, ...], Any]]:
        m = self.models
        if table == "organisations":
            yield from ((("name", r.key), r) for r in rows)
        elif table == "cases":
            yield from ((("number", r.number, r.country), r) for r in rows if r.number)
            numberless = {r.pk: r for r in rows if not r.number}
            pairs = (
                policy.visible(m.CaseParticipant, self.actor)
                .filter(role=vocab.CaseRole.DEFENDANT, case__number="")
                .values_list("case_id", "person_id")
            )
            yield from ((("defendant", person), numberless[case]) for case, person in pairs)
        elif table == "sources":
            for r in rows:
                for name in ("url", "sha256", "title"):
                    if getattr(r, name):
                        yield (name, getattr(r, name)), r
                        break
        elif table == "releases":
            yield from ((("release", r.organisation_id, r.published, r.title), r) for r in rows)
        elif table == "people":
            yield from self._people_keys(rows)

    def _people_keys(self, rows: list[Any]) -> Iterable[tuple[tuple[Any, ...], Any]]:
        """(folded primary name, birth date) of every person not merged into another."""
        first: dict[int, str] = {}
        primary: dict[int, str] = {}
        names = policy.visible(self.models.PersonName, self.actor)
        for person, key, kind in names.order_by("id").values_list("person_id", "key", "kind"):
            first.setdefault(person, key)
            if kind == vocab.NameKind.PRIMARY:
                primary.setdefault(person, key)
        for r in rows:
            name = primary.get(r.pk) or first.get(r.pk)
            if name and r.merged_into_id is None:
                yield ("person", name, r.birth_date), r

    def _alt(self, p: Pending) -> tuple[Any, ...] | None:
        """The secondary key of a ref table's row without a ref."""
        v = p.values
        if p.row.hint is not None:
            if p.row.hint[0] == "defendant":
                person = self.ids["people"].get(p.row.hint[1])
                return ("defendant", person) if person is not None else None
            return p.row.hint
        if p.table == "organisations" and v.get("name"):
            return ("name", fold(v["name"]))
        if p.table == "cases" and v.get("number"):
            return ("number", v["number"], v.get("country", ""))
        if p.table == "sources":
            for name in ("url", "sha256", "title"):
                if v.get(name):
                    return (name, v[name])
        if p.table == "releases" and "organisation_id" in v and v.get("published"):
            return ("release", v["organisation_id"], v["published"], v.get("title", ""))
        return None

    def _key(self, p: Pending) -> tuple[Any, ...]:
        if p.table in REF_TABLES:
            if p.ref:
                return ("ref", p.ref)
            alt = self._alt(p)
            return alt if alt is not None else ("row", id(p))
        out = []
        for column in key_columns(p.table):
            name = attr(p.table, column)
            if name in p.values:
                out.append(p.values[name])
            else:
                out.append(_plain(self._field(p.table, name).get_default()))
        return tuple(out)

    def _match(self, p: Pending, seen: dict[tuple[Any, ...], Pending]) -> None:
        p.key = self._key(p)
        first = seen.get(p.key)
        if first is not None:
            self._duplicate(p, first)
        else:
            seen[p.key] = p
            existing = self._existing(p)
            if existing is None and p.table in REF_TABLES and not p.ref:
                existing = self._alt_index(p.table).get(p.key)
                several = self.ambiguous[p.table].get(p.key)
                if several:
                    refs = ", ".join(sorted(str(r.ref) for r in several))
                    column = "name" if p.table == "organisations" else "ref"
                    self._problem(
                        p,
                        column,
                        # Translators: %(table)s is a table's name (people, organisations).
                        ngettext(
                            "matches %(n)d %(table)s (%(refs)s); give the ref to say which",
                            "matches %(n)d %(table)s (%(refs)s); give the ref to say which",
                            len(several),
                        )
                        % {"n": len(several), "table": p.table, "refs": refs},
                    )
                    self._register(p)
                    return
            if existing is None:
                self._create(p, seen)
            else:
                p.instance, p.action = existing, "unchanged"
                self._compare(p)
        self._register(p)

    def _existing(self, p: Pending) -> Any:
        """The record ``p`` updates: by key; among twins (records of one natural key at
        several levels), the one at the row's level, else the lowest."""
        twins = self.twins.get(p.table, {}).get(p.key)
        if not twins:
            return self.existing[p.table].get(p.key)
        wanted = p.values.get("visibility")
        same = [r for r in twins if r.visibility == wanted]  # policy: matching, not access
        return (same or sorted(twins, key=lambda r: (r.visibility, r.pk)))[0]

    def _duplicate(self, p: Pending, first: Pending) -> None:
        p.first, p.action = first, "unchanged"
        for name, value in p.values.items():
            if name in first.values and first.values[name] != value:
                column = self._column_of(p.table, name)
                self._problem(
                    p,
                    column,
                    # Translators: %(column)s is the name of a column of the file.
                    _("the same record as row %(row)d, with another %(column)s")
                    % {"row": first.row.row, "column": column},
                )
                return

    def _create(self, p: Pending, seen: dict[tuple[Any, ...], Pending]) -> None:
        p.action = "create"
        if p.ref and p.ref in self.taken.get(p.table, ()):
            # A record the importer may not see holds this ref: a unique name, so the
            # one thing said is that it is in use (never its level, links or content).
            self._problem(
                p,
                "ref",
                _("%(ref)r is already in use: choose another ref, or leave it empty")
                % {"ref": p.ref},
            )
            return
        level = (
            p.values.get("visibility", self._field(p.table, "visibility").get_default())
            if "visibility" in SPEC[p.table]
            else Level.PUBLIC
        )
        try:
            policy.checked_level(self.actor, level)
        except InputError:
            self._problem(
                p,
                "visibility",
                # Translators: the levels are public, internal or restricted; %(table)s is
                # a table's name (people, cases).
                _(
                    "%(level)s (the default for %(table)s) is above your level (%(yours)s): "
                    "give a visibility"
                )
                % {
                    "level": Level(level).label,
                    "table": p.table,
                    "yours": self.actor.level.label,
                },
            )
            return
        for column, col in SPEC[p.table].items():
            name = col.field
            if col.required and name not in p.values and name not in p.m2m:
                self._problem(
                    p,
                    column,
                    # Translators: %(noun)s is a kind of record ("person", "case").
                    _("required for a new %(noun)s") % {"noun": _noun(p.table)},
                )
        if p.table == "releases" and p.ref:
            alt = self._alt(p)
            other = self._alt_index("releases").get(alt) if alt else None
            if other is None and alt in seen and seen[alt] is not p:
                other = seen[alt]
            if other is not None:
                self._problem(
                    p,
                    "title",
                    _("a release of this organisation with this date and title already exists"),
                )
            elif alt:
                seen[alt] = p

    def _compare(self, p: Pending) -> None:
        record = p.instance
        for name, value in list(p.values.items()):
            column = self._column_of(p.table, name)
            if column in p.row.create_only:
                continue
            current = _plain(getattr(record, name))
            if value is None and self._hidden(name, current):
                p.values[name] = value = current
            if current != value:
                p.changed.append(column)
        if p.table == "releases" and p.changed:
            self._release_clash(p)
        for relation, ids in p.m2m.items():
            current = self.m2m_existing[(p.table, relation)].get(record.pk, frozenset())
            if not policy.sees_all(self.blind) and relation == "sources":
                p.m2m[relation] = ids = ids | {i for i in current if self._hidden("source_id", i)}
            if current != ids:
                p.changed.append(relation)
        if p.changed:
            self._changed(p)

    def _release_clash(self, p: Pending) -> None:
        """A release's organisation, date and title are unique: an update may not
        make it another release's twin."""
        record = p.instance
        merged = {
            n: p.values.get(n, getattr(record, n))
            for n in ("organisation_id", "published", "title")
        }
        key = ("release", merged["organisation_id"], merged["published"], merged["title"])
        other = self._alt_index("releases").get(key)
        if other is not None and other.pk != record.pk:
            self._problem(
                p,
                "title",
                _("the release %(ref)s has this organisation, date and title") % {"ref": other.ref},
            )

    def _hidden(self, name: str, target: Any) -> bool:
        """Whether ``target`` (an id in the column ``name``) is a record this import
        cannot see (above a redacted export's level, or the importer's): the exporter
        left such pointers out and the importer never saw them, so an empty pointer or a
        shorter source list there keeps what the record has."""
        table = HIDDEN_POINTERS.get(name)
        if policy.sees_all(self.blind) or table is None or target is None:
            return False
        if table not in self._seen_ids:
            self._seen_ids[table] = policy.visible_ids(self.model[table], self.blind)
        return target not in self._seen_ids[table]

    def _changed(self, p: Pending) -> None:
        record = p.instance
        self.before[id(p)] = {
            column: self.m2m_existing[(p.table, attr(p.table, column))].get(record.pk, frozenset())
            if attr(p.table, column) in p.m2m
            else _plain(getattr(record, attr(p.table, column)))
            for column in p.changed
        }
        if p.table == "events":
            self._problem(
                p,
                p.changed[0],
                # Translators: "withdraws" is a column name: keep it.
                _(
                    "events are append-only; add a correction with withdraws (this row "
                    "differs in %(columns)s)"
                )
                % {"columns": ", ".join(p.changed)},
            )
        else:
            p.action = "update"

    @staticmethod
    def _column_of(table: str, name: str) -> str:
        return COLUMN_OF[table].get(name, name)

    def _register(self, p: Pending) -> None:
        """Let later rows refer to this row's record by its ref or alias."""
        if p.table not in REF_TABLES:
            return
        target = p.first if p.first is not None else p
        target_id = target.instance.pk if target.instance is not None else target
        for name in (p.ref, p.row.alias):
            if name:
                self.ids[p.table].setdefault(name, target_id)

    def _convert_deferred(self, p: Pending, seen: dict[tuple[Any, ...], Pending]) -> None:
        column = DEFERRED[p.table]
        raw = p.row.values[column]
        try:
            if p.table == "people":
                value = None if _empty(raw) else self._ref(p, "people", _text(raw))
            else:
                value = self._withdrawn_event(p, raw, seen)
        except (Bad, InputError) as exc:
            self._problem(
                p, column, _message(exc, column) if isinstance(exc, InputError) else str(exc)
            )
            return
        name = attr(p.table, column)
        current = getattr(p.instance, name, None)
        if value is None and self._hidden(name, current):
            value = current
        p.deferred[name] = value
        if p.instance is not None and p.first is None and current != value:
            p.changed.append(column)
            self._changed(p)

    def _withdrawn_event(self, p: Pending, raw: Any, seen: dict[tuple[Any, ...], Pending]) -> Any:
        if _empty(raw):
            return None
        key = raw
        if isinstance(raw, str):
            try:
                key = json.loads(raw)
            except json.JSONDecodeError:
                raise Bad(
                    _("expected the withdrawn event's key as JSON, got %(value)r") % {"value": raw}
                ) from None
        if not isinstance(key, list) or len(key) != 4:
            raise Bad(
                # Translators: [person, kind, date, case] is a format to type: keep it.
                _("expected [person, kind, date, case] of the withdrawn event, got %(value)r")
                % {"value": raw}
            )
        person, kind, date, case = key
        event_key = (
            self._ref(p, "people", _text(person)),
            vocab.choice(vocab.StatusKind, kind, "withdraws"),
            PartialDate.parse(date, "withdraws"),
            self._ref(p, "cases", _text(case)) if not _empty(case) else None,
        )
        target = seen.get(event_key)
        if target is not None:
            target = target.instance.pk if target.instance is not None else target
        else:
            target = self.existing["events"].get(event_key)
            target = target.pk if target is not None else None
        if target is None:
            raise Bad(
                _("withdraws an event that is in neither the registry nor this import: %(key)s")
                % {"key": key}
            )
        base = p.first or p
        mine = base.instance.pk if base.instance is not None else base
        if self.withdrawn.setdefault(target, mine) != mine:
            raise Bad(_("the event %(key)s is already withdrawn by another event") % {"key": key})
        return target

    # -- rejection ---------------------------------------------------------------

    def _propagate(self) -> None:
        """Reject rows that depend on rejected new records, and whole flat rows."""
        every = [p for table in ORDER for p in self.pendings[table]]
        while True:
            groups = self.bad_groups | {
                p.row.group for p in every if p.rejected and p.row.group is not None
            }
            grew = False
            for p in every:
                if p.rejected:
                    continue
                if p.row.group is not None and p.row.group in groups:
                    p.rejected = grew = True
                    continue
                target = next((t for t in self._targets(p) if t.rejected), None)
                if target is not None:
                    grew = True
                    if (target.row.file, target.row.row) == (p.row.file, p.row.row):
                        p.rejected = True  # the row's own problem is already reported
                    else:
                        self._problem(
                            p,
                            "",
                            # Translators: %(noun)s is a kind of record ("person", "case"),
                            # %(table)s a table's name (people, cases).
                            _(
                                "refers to the %(noun)s of row %(row)d (%(table)s), which "
                                "was rejected"
                            )
                            % {
                                "noun": _noun(target.table, target.table),
                                "row": target.row.row,
                                "table": target.table,
                            },
                        )
            if not grew:
                return

    @staticmethod
    def _targets(p: Pending) -> Iterable[Pending]:
        if p.first is not None:
            yield p.first
        for value in (*p.values.values(), *p.deferred.values()):
            if isinstance(value, Pending):
                yield value
        for ids in p.m2m.values():  # a set: in row order, so a report is the same each run
            pending = [v for v in ids if isinstance(v, Pending)]
            yield from sorted(pending, key=lambda v: (v.row.file, v.row.row))

    # -- writing -----------------------------------------------------------------

    def _drop_unused_courts(self) -> None:
        used = {
            id(t)
            for table in ("cases", "hearings")
            for p in self.pendings[table]
            if not p.rejected
            for t in self._targets(p)
        }
        self.pendings["courts"] = [c for c in self.pendings["courts"] if id(c) in used]

    def _write_table(self, table: str) -> None:
        live = [p for p in self.pendings[table] if not p.rejected and p.first is None]
        if not live:
            return
        creates = [p for p in live if p.action == "create"]
        self._insert(table, creates)
        self._update(table, [p for p in live if p.action == "update"])
        self._link(table, creates)
        self._set_deferred(table, creates)

    def _build(self, table: str, p: Pending) -> Any:
        values = {name: pk_of(v) for name, v in p.values.items()}
        if p.ref:
            values["ref"] = p.ref
        record = self.model[table](**values)
        self._fill_keys(table, record)
        return record

    @staticmethod
    def _fill_keys(table: str, record: Any) -> None:
        if table == "names":
            record.fill_keys()
        elif table == "organisations":
            record.key = fold(record.name)

    def _insert(self, table: str, creates: list[Pending]) -> None:
        if not creates:
            return
        records = [self._build(table, p) for p in creates]
        self.model[table].objects.bulk_create(records, batch_size=BATCH)
        for p, record in zip(creates, records, strict=True):
            p.instance = record
        if table in REF_TABLES:
            self._assign_refs(table, [r for r in records if not r.ref])
            self.refs[table].update((r.pk, r.ref) for r in records)
        if table == "courts":
            self.refs[table].update((r.pk, r.name) for r in records)

    def _assign_refs(self, table: str, fresh: list[Any]) -> None:
        """Give new records without a ref their :func:`new_ref` (``P00042``). The usual
        case, five digits and not taken, is one UPDATE per chunk computed by the
        database; the rest (long ids, refs already taken) are written one by one."""
        from django.db.models import CharField, Value
        from django.db.models.functions import Cast, Concat, LPad

        taken = self.ids[table]
        hidden = self.taken.get(table, set())  # a ref the importer cannot see is taken too
        in_use = _Either(taken, hidden)
        simple: list[Any] = []
        odd: list[Any] = []
        for record in fresh:
            record.ref = new_ref(table, record.pk, in_use)
            taken[record.ref] = record.pk
            plain = record.pk < 100_000 and record.ref == f"{REF_PREFIX[table]}{record.pk:05d}"
            (simple if plain else odd).append(record)
        objects = self.model[table].objects
        expression = Concat(
            Value(REF_PREFIX[table]),
            LPad(Cast("id", output_field=CharField()), 5, Value("0")),
            output_field=CharField(),
        )
        for start in range(0, len(simple), 500):
            ids = [r.pk for r in simple[start : start + 500]]
            objects.filter(pk__in=ids).update(ref=expression)
        if odd:
            objects.bulk_update(odd, ["ref"], batch_size=BATCH)

    def _update(self, table: str, updates: list[Pending]) -> None:
        if not updates:
            return
        fields: set[str] = set()
        records = []
        for p in updates:
            record = p.instance
            for name, value in p.values.items():
                if self._column_of(table, name) in p.changed:
                    setattr(record, name, pk_of(value))
                    fields.add(name)
            for name, value in p.deferred.items():
                setattr(record, name, pk_of(value))
                fields.add(name)
            self._fill_keys(table, record)
            records.append(record)
        if table == "organisations":
            fields.add("key")
        if table == "names":
            fields |= {"key", "skeleton"}
        if hasattr(self.model[table], "updated"):
            now = timezone.now()
            for record in records:
                record.updated = now
            fields.add("updated")
        if fields:
            self.model[table].objects.bulk_update(records, sorted(fields), batch_size=BATCH)
        for relation in {r for p in updates for r in p.m2m if r in p.changed}:
            changed = [p for p in updates if relation in p.changed]
            self._through(table, relation).objects.filter(
                **{f"{self._through_src(table, relation)}__in": [p.instance.pk for p in changed]}
            ).delete()
            self._add_links(table, relation, changed)

    def _through(self, table: str, relation: str) -> Any:
        return getattr(self.model[table], relation).through

    def _through_src(self, table: str, relation: str) -> str:
        return f"{self._field(table, relation).m2m_field_name()}_id"

    def _link(self, table: str, creates: list[Pending]) -> None:
        for relation in {r for p in creates for r in p.m2m}:
            self._add_links(table, relation, [p for p in creates if p.m2m.get(relation)])

    def _add_links(self, table: str, relation: str, pendings: list[Pending]) -> None:
        through = self._through(table, relation)
        src = self._through_src(table, relation)
        dst = f"{self._field(table, relation).m2m_reverse_field_name()}_id"
        links = [
            through(**{src: p.instance.pk, dst: pk_of(v)})
            for p in pendings
            for v in p.m2m.get(relation, ())
        ]
        through.objects.bulk_create(links, batch_size=BATCH)

    def _set_deferred(self, table: str, creates: list[Pending]) -> None:
        records, names = [], set()
        for p in creates:
            for name, value in p.deferred.items():
                if value is not None:
                    setattr(p.instance, name, pk_of(value))
                    names.add(name)
                    records.append(p.instance)
        if records:
            self.model[table].objects.bulk_update(records, sorted(names), batch_size=BATCH)

    # -- the audit trail ---------------------------------------------------------

    def audit_events(self, summary: int) -> list[Any]:
        """The audit events of this import, one per record of a ref table (a person, an
        organisation, a case, a source, a release) that it created or changed, or
        whose rows it created or changed: the record's columns (``after``) or those
        that changed (``changes``: before and after), and under ``rows`` the same for
        each of its names, events, affiliations, hearings… (``{"events": [{"action":
        "create", "after": {…}}]}``). Every value above internal is masked as
        :func:`vigil.cases.policy.audit_value` masks it; ``import`` is the id of the
        import's summary event (file, sha256, counts). A row without such an owner (a
        legal article) is an event of its own."""
        levels = self._ref_levels()
        events: dict[tuple[str, int], Any] = {}
        for table in ORDER:
            if table == "courts":
                continue
            for p in self.pendings[table]:
                if p.rejected or p.first is not None or p.action not in ("create", "update"):
                    continue
                own, entry = self._audit_entry(table, p, levels)
                owner = self._owner(table, p)
                if owner is None:
                    key = (table, p.instance.pk)
                    event = events.get(key) or self._audit_event(table, p.instance.pk, own, summary)
                    event.action = f"import-{p.action}"
                    event.detail.update(entry)
                else:
                    key = owner
                    event = events.get(key) or self._audit_event(
                        *owner, levels[owner[0]].get(owner[1], Level.RESTRICTED), summary
                    )
                    rows = event.detail.setdefault("rows", {}).setdefault(table, [])
                    rows.append({"action": p.action, **entry})
                events[key] = event
        return list(events.values())

    def _owner(self, table: str, p: Pending) -> tuple[str, int] | None:
        """(table, id) of the ref-table record a row belongs to (its first needed
        record: a name's person, a hearing's case, an entry's release), or None."""
        if table in REF_TABLES:
            return None
        for fk, _nullable in policy.REQUIRED.get(MODEL[table], ()):
            target = getattr(p.instance, f"{fk}_id")
            if target is not None:
                return SPEC[table][fk].target, target
        return None

    def _audit_event(self, table: str, pk: int, level: Level, summary: int) -> Any:
        """An unsaved ``import-update`` event of the record ``pk`` of ``table``."""
        noun = policy.NOUN.get(MODEL[table], table)
        ref = self.refs.get(table, {}).get(pk) or f"#{pk}"
        return self.models.AuditEvent(
            actor=self.actor.name[:200],
            action="import-update",
            target=f"{noun}:{policy.audit_value(ref, level, f'{noun}:{pk}')}"[:200],
            detail={"import": summary},
        )

    def _ref_levels(self) -> dict[str, dict[int, Level]]:
        """The effective level of every record of the ref tables, after the writes."""
        return {table: policy.effective_levels(self.model[table]) for table in REF_TABLES}

    def _audit_entry(
        self, table: str, p: Pending, levels: dict[str, dict[int, Level]]
    ) -> tuple[Level, dict[str, Any]]:
        """The record's effective level, and its ``after`` or ``changes`` for the audit
        trail (80,000 of them for a large import: plain lookups, no query)."""
        record = p.instance
        own = Level(getattr(record, "visibility", 0))
        for fk, _nullable in policy.REQUIRED.get(MODEL[table], ()):
            target = getattr(record, f"{fk}_id")
            if target is not None:
                own = max(own, levels[SPEC[table][fk].target].get(target, Level.RESTRICTED))
        overrides = getattr(record, "field_visibility", None) or {}
        salt = f"{table}:{record.pk}:"

        def value(column: str, raw: Any) -> Any:
            if column == "visibility":
                return Level(raw).label if raw is not None else None
            col = SPEC[table][column]
            level = max(own, field_level(table, column, overrides))
            if col.read in ("ref", "sources") and col.target in levels:
                for item in raw if isinstance(raw, frozenset | set) else (raw,):
                    target = pk_of(item)
                    if target is not None:
                        level = max(level, levels[col.target].get(target, Level.RESTRICTED))
            shown = self._audit_text(col, raw)
            return policy.audit_value(shown, level, salt + column)

        def current(column: str) -> Any:
            name = attr(table, column)
            if column == "ref":
                return record.ref
            if name in p.m2m:
                return p.m2m[name]
            return p.deferred.get(name, p.values.get(name))

        if p.action == "create":
            present = {COLUMN_OF[table].get(n, n) for n in (*p.values, *p.m2m, *p.deferred)}
            present |= {"ref"} if table in REF_TABLES else set()
            # a new record's blank fields are blank: only the values it was given
            given = ((c, current(c)) for c in TABLE[table].names if c in present)
            return own, {"after": {c: value(c, v) for c, v in given if v not in BLANK}}
        before = self.before.get(id(p), {})
        return own, {
            "changes": {
                c: {"before": value(c, before.get(c)), "after": value(c, current(c))}
                for c in p.changed
            }
        }

    def _audit_text(self, col: Column, raw: Any) -> Any:
        """A value as the audit trail shows it: refs and names for pointers, a sorted
        list of them for a many-to-many column, text for a date."""
        if isinstance(raw, frozenset | set):
            table = {"sources": "sources", "courts": "courts"}.get(col.read)
            return sorted(
                self._label(i)
                if isinstance(i, Pending)
                else self.refs.get(table, {}).get(i, str(i))
                if table
                else str(i)
                for i in raw
            )
        if isinstance(raw, int) and not isinstance(raw, bool) and col.read in ("ref", "court"):
            return self.refs.get(col.target, {}).get(raw, str(raw))
        return self._show(col, raw) if raw is not None else None

    # -- the report --------------------------------------------------------------

    def _label(self, p: Pending) -> str:
        """The ref of a ref table's record, else its natural key joined by " | "."""
        if p.first is not None and not p.rejected:
            return self._label(p.first)
        if p.table in REF_TABLES:
            if p.instance is not None and p.instance.ref:
                return str(p.instance.ref)
            return p.ref or p.row.label or "(new)"
        parts = []
        for column in key_columns(p.table):
            name = attr(p.table, column)
            parts.append(
                self._show(SPEC[p.table][column], p.values.get(name, p.row.values.get(column)))
            )
        return " | ".join(parts)

    def _show(self, col: Column, value: Any) -> str:
        if isinstance(value, Pending):
            return self._label(value)
        if col.read == "ref" and isinstance(value, int):
            return self.refs[col.target].get(value, str(value))
        if isinstance(value, PartialDate):
            return str(value)
        return _text(value) if isinstance(value, str | int | float) else ""
