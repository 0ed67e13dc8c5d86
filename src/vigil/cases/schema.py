"""The interchange format: the registry as a set of tables (export and import).

An export is one document with a table per record type (JSON: one list per table; XLSX:
one sheet per table; CSV: one file per table). Records refer to each other by ``ref``
(people, organisations, cases, sources, releases) or by their natural key, never by a
database id, so a document loads into any database and re-loading it changes nothing.

Each column has a default visibility level; a reader at level L gets only the
columns at or below L (a person's or case's ``field_visibility`` may move one field up
or down for that record), and only rows whose own ``visibility`` is at most L.
Which fields a record moved (``field_visibility``) is itself restricted: it hints at
what they hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from vigil.cases.levels import Level

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED


@dataclass(frozen=True)
class Column:
    name: str
    level: Level = P
    kind: str = "text"  # text | date (partial) | int | level | json | list (";"-separated)


@dataclass(frozen=True)
class Table:
    name: str
    model: str  # the model's class name in vigil.cases.models
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # natural key: what identifies a row on re-import
    per_field: bool = False  # rows carry field_visibility overrides

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


VIS = Column("visibility", P, "level")

TABLES: tuple[Table, ...] = (
    Table(
        "sources",
        "Source",
        (
            Column("ref"),
            Column("title"),
            Column("url"),
            Column("file_name"),
            Column("sha256"),
            Column("publisher"),
            Column("published", kind="date"),
            Column("reliability"),
            Column("notes", INT),
            VIS,
        ),
        key=("ref",),
    ),
    Table(
        "organisations",
        "Organisation",
        (
            Column("ref"),
            Column("name"),
            Column("short_name"),
            Column("kind"),
            Column("country"),
            Column("notes", INT),
            VIS,
        ),
        key=("ref",),
    ),
    Table(
        "people",
        "Person",
        (
            Column("ref"),
            Column("sex"),
            Column("birth_date", INT, "date"),
            Column("occupation"),
            Column("photo"),
            Column("notes", INT),
            Column("contacts", R),
            VIS,
            Column("field_visibility", R, "json"),
            Column("merged_into"),
        ),
        key=("ref",),
        per_field=True,
    ),
    Table(
        "names",
        "PersonName",
        (Column("person"), Column("name"), Column("language"), Column("kind"), VIS),
        key=("person", "name", "kind"),
    ),
    Table(
        "affiliations",
        "Affiliation",
        (
            Column("person"),
            Column("organisation"),
            Column("role"),
            Column("start", kind="date"),
            Column("end", kind="date"),
            VIS,
        ),
        key=("person", "organisation", "role", "start"),
    ),
    Table(
        "articles",
        "LegalArticle",
        (Column("country"), Column("code"), Column("article"), Column("title")),
        key=("country", "code", "article"),
    ),
    Table(
        "cases",
        "Case",
        (
            Column("ref"),
            Column("number"),
            Column("title"),
            Column("kind"),
            Column("country"),
            Column("courts", kind="list"),
            Column("articles", kind="list"),  # "Criminal Code 283.1" (code and article)
            Column("opened", kind="date"),
            Column("summary"),
            Column("lawyer_notes", R),
            Column("sources", kind="list"),
            VIS,
            Column("field_visibility", R, "json"),
        ),
        key=("ref",),
        per_field=True,
    ),
    Table(
        "participants",
        "CaseParticipant",
        (Column("case"), Column("person"), Column("role"), VIS),
        key=("case", "person", "role"),
    ),
    Table(
        "events",
        "StatusEvent",
        (
            Column("person"),
            Column("kind"),
            Column("date", kind="date"),
            Column("case"),
            Column("place"),
            Column("facility"),
            Column("notes", INT),
            Column("sources", kind="list"),
            Column("withdraws", kind="json"),  # the natural key of the withdrawn event
            VIS,
        ),
        key=("person", "kind", "date", "case"),
    ),
    Table(
        "hearings",
        "Hearing",
        (
            Column("case"),
            Column("date", kind="date"),
            Column("kind"),
            Column("court"),
            Column("outcome"),
            Column("postponement_reason"),
            Column("next_date", kind="date"),
            Column("notes", INT),
            Column("sources", kind="list"),
            VIS,
        ),
        key=("case", "date", "kind"),
    ),
    Table(
        "sentences",
        "Sentence",
        (
            Column("person"),
            Column("case"),
            Column("term"),
            Column("term_months", kind="int"),
            Column("regime"),
            Column("start", kind="date"),
            Column("expected_release", kind="date"),
            VIS,
        ),
        key=("person", "case", "start"),
    ),
    Table(
        "designations",
        "Designation",
        (
            Column("person"),
            Column("organisation"),
            Column("criteria"),
            Column("since", kind="date"),
            Column("until", kind="date"),
            Column("source"),
            VIS,
        ),
        key=("person", "organisation", "since"),
    ),
    Table(
        "releases",
        "ListRelease",
        (
            Column("ref"),
            Column("organisation"),
            Column("title"),
            Column("published", kind="date"),
            Column("source"),
            VIS,
        ),
        key=("ref",),
    ),
    Table(
        "entries",
        "ListEntry",
        (
            Column("release"),
            Column("person"),
            Column("position", kind="int"),
            Column("category"),
            VIS,
        ),
        key=("release", "person"),
    ),
)

TABLE = {t.name: t for t in TABLES}

#: Fields of a person or case that an editor may move to another level for one record.
OVERRIDABLE = {
    t.name: [c.name for c in t.columns if c.name not in ("ref", "visibility", "field_visibility")]
    for t in TABLES
    if t.per_field
}
