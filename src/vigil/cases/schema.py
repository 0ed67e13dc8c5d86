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

This module is the one description of the tables. Each :class:`Column` says its
name, its default level, how it is read (:attr:`Column.read`: text, a vocabulary, a
partial date, a reference into another table…), the model field it maps to and a line
for the documentation. From it:

- the importer (:mod:`vigil.cases.importers.engine`) reads every cell;
- the exporter (:mod:`vigil.cases.exporters`) writes every cell;
- :func:`markdown` writes ``docs/interchange.md`` (a test fails when the committed
  file differs), and a test checks every column against the models (and every model
  field is a column or listed in :data:`INTERNAL`).

Who may see which column or row is not decided here: :mod:`vigil.cases.policy` reads
the levels below and decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from vigil.cases import vocab
from vigil.cases.levels import Level

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED

#: How a column is read, and so how it is written (its :attr:`Column.kind`):
#: ``text`` a text cell; ``vocab`` a word of :attr:`Column.vocab`; ``date`` a partial
#: date (2024, 2024-06, 2024-06-03); ``int`` a whole number; ``level`` a visibility
#: level; ``overrides`` a record's ``field_visibility``; ``ref`` the ref (or natural
#: name) of a record of :attr:`Column.target`; ``court`` a court by name (created when
#: missing); ``courts``, ``articles``, ``sources`` a ";"-separated list of courts,
#: legal articles ("Criminal Code 283.1") or source refs; ``withdraws`` the natural key
#: of the event a correction withdraws.
READS: dict[str, str] = {
    "text": "text",
    "vocab": "text",
    "ref": "text",
    "court": "text",
    "date": "date",
    "int": "int",
    "level": "level",
    "overrides": "json",
    "withdraws": "json",
    "courts": "list",
    "articles": "list",
    "sources": "list",
}

#: Reads whose cell is a list of links (a many-to-many relation of the model).
MANY = ("courts", "articles", "sources")


@dataclass(frozen=True)
class Column:
    """One column of an interchange table.

    ``attr`` is the model attribute the column maps to (default: ``name``; a reference
    maps to the foreign key's ``…_id``, a list to the many-to-many relation).
    ``target`` is the table a reference or a list points into; ``vocab`` the
    vocabulary of a ``vocab`` column. ``required``: an empty cell is refused, and a
    new record needs the column.
    """

    name: str
    level: Level = P
    read: str = "text"
    doc: str = ""
    attr: str = ""
    target: str = ""
    vocab: Any = None  # a TextChoices of vigil.cases.vocab
    required: bool = False

    def __post_init__(self) -> None:
        if self.read not in READS:
            raise ValueError(f"{self.name}: unknown read {self.read!r}")
        if (self.read == "vocab") != (self.vocab is not None):
            raise ValueError(f"{self.name}: a vocabulary goes with read='vocab'")

    @property
    def kind(self) -> str:
        """The cell's shape: text | date (partial) | int | level | json | list."""
        return READS[self.read]

    @property
    def field(self) -> str:
        """The model attribute (``person_id``, ``courts``, ``notes``)."""
        return self.attr or self.name


@dataclass(frozen=True)
class Table:
    name: str
    model: str  # the model's class name in vigil.cases.models
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # natural key: what identifies a row on re-import
    per_field: bool = False  # rows carry field_visibility overrides
    order: tuple[str, ...] = ()  # the export's row order (model lookups)
    named_by: tuple[str, ...] = ()  # how other tables name a row ("code article")
    doc: str = ""

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _ref(table: str, doc: str) -> Column:
    return Column("ref", read="text", doc=f"{doc} Given, else assigned on import ({table}…).")


def _vis(default: str = "public") -> Column:
    return Column(
        "visibility",
        P,
        "level",
        f"Who may read the row: public, internal or restricted (new rows: {default}).",
    )


def _person(required: bool = True) -> Column:
    return Column(
        "person",
        read="ref",
        attr="person_id",
        target="people",
        required=required,
        doc="The person (ref).",
    )


def _case(required: bool = True, doc: str = "The case (ref).") -> Column:
    return Column("case", read="ref", attr="case_id", target="cases", required=required, doc=doc)


def _org(doc: str = "The organisation (ref).") -> Column:
    return Column(
        "organisation",
        read="ref",
        attr="organisation_id",
        target="organisations",
        required=True,
        doc=doc,
    )


def _source(doc: str) -> Column:
    return Column("source", read="ref", attr="source_id", target="sources", doc=doc)


def _sources() -> Column:
    return Column(
        "sources",
        read="sources",
        target="sources",
        doc="Sources (refs, separated by ';').",
    )


def _notes() -> Column:
    return Column("notes", INT, doc="Notes of the team.")


TABLES: tuple[Table, ...] = (
    Table(
        "sources",
        "Source",
        (
            _ref("S00001", "The source's ref."),
            Column("title", doc="Title of the document or page."),
            Column("url", doc="Where it was published."),
            Column("file_name", doc="The file it came as."),
            Column("sha256", doc="The file's SHA-256 (hex)."),
            Column("publisher", doc="Who published it."),
            Column("published", read="date", doc="When it was published (partial date)."),
            Column(
                "reliability",
                read="vocab",
                vocab=vocab.Reliability,
                doc="How far it is trusted.",
            ),
            _notes(),
            _vis("internal"),
        ),
        key=("ref",),
        order=("ref", "id"),
        named_by=("ref",),
        doc="Where a fact comes from: a URL or a document.",
    ),
    Table(
        "organisations",
        "Organisation",
        (
            _ref("O00001", "The organisation's ref."),
            Column("name", required=True, doc="Full name."),
            Column("short_name", doc="Short name or acronym."),
            Column(
                "kind",
                read="vocab",
                vocab=vocab.OrganisationKind,
                required=True,
                doc="What it is.",
            ),
            Column("country", doc="ISO 3166-1 alpha-2 code."),
            _notes(),
            _vis(),
        ),
        key=("ref",),
        order=("ref", "id"),
        named_by=("ref",),
        doc="A party, movement, media outlet or NGO; also the publishers of lists.",
    ),
    Table(
        "people",
        "Person",
        (
            _ref("P00001", "The person's ref."),
            Column("sex", read="vocab", vocab=vocab.Sex, doc="Sex (empty: unknown)."),
            Column("birth_date", INT, "date", "Date of birth (partial date)."),
            Column("occupation", doc="Occupation."),
            Column("photo", doc="A path or URL of a photo (not the image)."),
            _notes(),
            Column("contacts", R, doc="Family contacts."),
            _vis(),
            Column(
                "field_visibility",
                R,
                "overrides",
                "Fields of this person moved to another level (JSON, or 'field=level; …').",
            ),
            Column(
                "merged_into",
                read="ref",
                attr="merged_into_id",
                target="people",
                doc="The person this record was merged into (ref).",
            ),
        ),
        key=("ref",),
        per_field=True,
        order=("ref", "id"),
        named_by=("ref",),
        doc="A person in the registry; their names are in names.",
    ),
    Table(
        "names",
        "PersonName",
        (
            _person(),
            Column("name", required=True, doc="The name as written."),
            Column("language", doc="BCP 47 language and script (az-Latn, ru-Cyrl, en)."),
            Column("kind", read="vocab", vocab=vocab.NameKind, doc="Kind of name."),
            _vis(),
        ),
        key=("person", "name", "kind"),
        order=("person__ref", "person_id", "id"),
        doc="One written form of a person's name: in a script, of a kind.",
    ),
    Table(
        "affiliations",
        "Affiliation",
        (
            _person(),
            _org(),
            Column("role", doc="The person's role in it."),
            Column("start", read="date", doc="From (partial date)."),
            Column("end", read="date", doc="To (partial date)."),
            _vis(),
        ),
        key=("person", "organisation", "role", "start"),
        order=("person__ref", "person_id", "start", "id"),
        doc="A person's membership of an organisation.",
    ),
    Table(
        "articles",
        "LegalArticle",
        (
            Column("country", doc="ISO 3166-1 alpha-2 code."),
            Column("code", doc="The code (Criminal Code, Administrative Code)."),
            Column("article", required=True, doc="The article (283.1)."),
            Column("title", doc="What the article is about."),
        ),
        key=("country", "code", "article"),
        order=("country", "code", "article"),
        named_by=("code", "article"),
        doc="An article of a country's code; cases name it as 'code article'. Public.",
    ),
    Table(
        "cases",
        "Case",
        (
            _ref("C00001", "The case's ref."),
            Column("number", doc="The court's case number."),
            Column("title", doc="A short title."),
            Column("kind", read="vocab", vocab=vocab.CaseKind, doc="Kind of proceeding."),
            Column("country", doc="ISO 3166-1 alpha-2 code."),
            Column(
                "courts",
                read="courts",
                target="courts",
                doc="Courts (names, separated by ';'; created when missing).",
            ),
            Column(
                "articles",
                read="articles",
                target="articles",
                doc="Legal articles ('Criminal Code 283.1', separated by ';').",
            ),
            Column("opened", read="date", doc="When the case was opened (partial date)."),
            Column("summary", doc="What the case is about."),
            Column("lawyer_notes", R, doc="The lawyers' notes."),
            _sources(),
            _vis(),
            Column(
                "field_visibility",
                R,
                "overrides",
                "Fields of this case moved to another level (JSON, or 'field=level; …').",
            ),
        ),
        key=("ref",),
        per_field=True,
        order=("ref", "id"),
        named_by=("ref",),
        doc="A criminal or administrative proceeding.",
    ),
    Table(
        "participants",
        "CaseParticipant",
        (
            _case(),
            _person(),
            Column(
                "role",
                read="vocab",
                vocab=vocab.CaseRole,
                required=True,
                doc="The person's role in the case.",
            ),
            _vis(),
        ),
        key=("case", "person", "role"),
        order=("case__ref", "case_id", "person__ref", "person_id", "role"),
        doc="A person in a case, in a role.",
    ),
    Table(
        "events",
        "StatusEvent",
        (
            _person(),
            Column(
                "kind",
                read="vocab",
                vocab=vocab.StatusKind,
                required=True,
                doc="What happened.",
            ),
            Column("date", read="date", required=True, doc="When (partial date)."),
            _case(False, "The case it belongs to (ref), if any."),
            Column("place", doc="Where."),
            Column("facility", doc="The place of detention."),
            _notes(),
            _sources(),
            Column(
                "withdraws",
                read="withdraws",
                attr="withdraws_id",
                target="events",
                doc="A correction: the withdrawn event's [person, kind, date, case] (JSON).",
            ),
            _vis(),
        ),
        key=("person", "kind", "date", "case"),
        order=("person__ref", "person_id", "date", "id"),
        doc="One step of a person's detention timeline. Append-only: corrections withdraw.",
    ),
    Table(
        "hearings",
        "Hearing",
        (
            _case(),
            Column("date", read="date", required=True, doc="When (partial date)."),
            Column("kind", doc="Preliminary, trial, appeal…"),
            Column(
                "court",
                read="court",
                attr="court_id",
                target="courts",
                doc="The court (name; created when missing).",
            ),
            Column("outcome", read="vocab", vocab=vocab.HearingOutcome, doc="What came of it."),
            Column("postponement_reason", doc="Why it was postponed."),
            Column("next_date", read="date", doc="The date it was postponed to (partial date)."),
            _notes(),
            _sources(),
            _vis(),
        ),
        key=("case", "date", "kind"),
        order=("case__ref", "case_id", "date", "id"),
        doc="A hearing of a case.",
    ),
    Table(
        "sentences",
        "Sentence",
        (
            _person(),
            _case(False, "The case (ref), if known."),
            Column("term", doc="The term as published ('7 years 6 months')."),
            Column("term_months", read="int", doc="The term in months."),
            Column("regime", doc="General, strict, special…"),
            Column("start", read="date", doc="When it started (partial date)."),
            Column("expected_release", read="date", doc="Expected release (partial date)."),
            _vis(),
        ),
        key=("person", "case", "start"),
        order=("person__ref", "person_id", "start", "id"),
        doc="A sentence a person received.",
    ),
    Table(
        "designations",
        "Designation",
        (
            _person(),
            _org("The organisation that lists the person (ref)."),
            Column("criteria", doc="Under which criteria ('PACE 2012 definition')."),
            Column("since", read="date", doc="Since (partial date)."),
            Column("until", read="date", doc="Until (partial date)."),
            _source("The source of the designation (ref)."),
            _vis(),
        ),
        key=("person", "organisation", "since"),
        order=("person__ref", "person_id", "since", "id"),
        doc="An organisation lists the person as a political prisoner.",
    ),
    Table(
        "releases",
        "ListRelease",
        (
            _ref("R00001", "The release's ref."),
            _org("The organisation that published the list (ref)."),
            Column("title", doc="The list's title."),
            Column("published", read="date", required=True, doc="When (partial date)."),
            _source("The source of the list (ref)."),
            _vis(),
        ),
        key=("ref",),
        order=("ref", "id"),
        named_by=("ref",),
        doc="A dated list published by an organisation.",
    ),
    Table(
        "entries",
        "ListEntry",
        (
            Column(
                "release",
                read="ref",
                attr="release_id",
                target="releases",
                required=True,
                doc="The release (ref).",
            ),
            _person(),
            Column("position", read="int", doc="The position in the list."),
            Column("category", doc="The list's own section."),
            _vis(),
        ),
        key=("release", "person"),
        order=("release__ref", "release_id", "position", "person__ref", "person_id"),
        doc="A person on a list release.",
    ),
    Table(
        "incidents",
        "Incident",
        (
            _ref("I00001", "The incident's ref."),
            Column("date", read="date", required=True, doc="When (partial date)."),
            Column("place", doc="Where (a city, a square)."),
            Column("country", doc="ISO 3166-1 alpha-2 code."),
            Column(
                "kind",
                read="vocab",
                vocab=vocab.IncidentKind,
                required=True,
                doc="What happened.",
            ),
            Column("organiser", doc="Who organised the protest (or carried out the raid)."),
            Column("detained", read="int", doc="How many people were detained."),
            Column("summary", doc="What happened, as published."),
            _notes(),
            _sources(),
            _vis(),
        ),
        key=("ref",),
        order=("date", "ref", "id"),
        named_by=("ref",),
        doc="An event counted by heads: detentions at a protest, a raid, a search.",
    ),
    Table(
        "incident_people",
        "IncidentPerson",
        (
            Column(
                "incident",
                read="ref",
                attr="incident_id",
                target="incidents",
                required=True,
                doc="The incident (ref).",
            ),
            _person(),
            _vis(),
        ),
        key=("incident", "person"),
        order=("incident__ref", "incident_id", "person__ref", "person_id"),
        doc="A person of the registry at an incident.",
    ),
)

TABLE = {t.name: t for t in TABLES}

#: Courts are no table of their own in a document: cases and hearings name them, and
#: an import creates the ones it does not know (by name).
COURTS = Table(
    "courts",
    "Court",
    (Column("name", required=True, doc="The court's name."),),
    key=("name",),
    order=("name",),
    named_by=("name",),
    doc="A court, named by cases and hearings; created by an import when missing.",
)

#: Every table the importer reads into, by name: the document's and the courts.
READ_TABLES = {COURTS.name: COURTS, **TABLE}

#: Model fields that are no column, and why (a test checks the models against this).
INTERNAL: dict[str, dict[str, str]] = {
    "*": {"id": "the database id; rows refer to each other by ref or natural key"},
    "Organisation": {"key": "the folded name, for matching"},
    "Person": {"created": "time stamp", "updated": "time stamp"},
    "PersonName": {"key": "the folded name, for search", "skeleton": "for search"},
    "Case": {"created": "time stamp", "updated": "time stamp"},
    "StatusEvent": {"recorded": "time stamp"},
    "Court": {"city": "not exchanged", "country": "not exchanged"},
}

#: Models of the registry that are no interchange table, and why.
NOT_EXCHANGED: dict[str, str] = {
    "AuditEvent": "the audit trail stays with its database (a backup carries it)",
}

#: Fields of a person or case that an editor may move to another level for one record.
OVERRIDABLE = {
    t.name: [c.name for c in t.columns if c.name not in ("ref", "visibility", "field_visibility")]
    for t in TABLES
    if t.per_field
}


# -- documentation --------------------------------------------------------------------


def _how(column: Column) -> str:
    if column.read == "vocab":
        words = [str(m.value) for m in column.vocab if m.value]
        blank = "" if all(m.value for m in column.vocab) else " or empty"
        return "one of " + ", ".join(f"`{w}`" for w in words) + blank
    if column.read in ("ref", "withdraws"):
        return f"→ {column.target}"
    if column.read == "court":
        return "→ courts"
    if column.read in MANY:
        return f"list → {column.target}"
    return {
        "text": "text",
        "date": "partial date",
        "int": "whole number",
        "level": "level",
        "overrides": "field levels",
    }[column.read]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table_markdown(table: Table) -> list[str]:
    key = ", ".join(f"`{k}`" for k in table.key)
    lines = [
        f"## {table.name}",
        "",
        f"{table.doc} Model `{table.model}`; natural key {key}.",
        "",
        "| column | level | value | required | model field | description |",
        "|---|---|---|---|---|---|",
    ]
    for c in table.columns:
        lines.append(
            f"| `{c.name}` | {c.level.label} | {_cell(_how(c))} | {'yes' if c.required else ''} "
            f"| `{c.field}` | {_cell(c.doc)} |"
        )
    return [*lines, ""]


def markdown() -> str:
    """``docs/interchange.md``: every table and column, from this module."""
    lines = [
        "# The interchange tables",
        "",
        "<!-- Generated by vigil.cases.schema.markdown(); do not edit by hand:",
        "     .venv/bin/python -c 'from vigil.cases import schema; print(schema.markdown(), "
        'end="")\' > docs/interchange.md -->',
        "",
        "What `vigil cases export` writes and `vigil cases import` reads: one table per "
        "record type (JSON: a list per table; XLSX: a sheet per table; CSV: a zip with "
        "a file per table), in this order. Records refer to each other by `ref` or by "
        "natural key, never by database id. Rules for levels, matching and re-imports: "
        "[cases.md](cases.md).",
        "",
        "- **level**: the column's default level. A reader at level L gets the columns "
        "at or below L, and the rows whose `visibility` is at most L when the records "
        "they need (a name's person, an event's person and case…) are visible too; "
        "`field_visibility` moves a field of one person or case to another level.",
        "- **value**: text; a word of a vocabulary; a partial date (`2024`, `2024-06`, "
        "`2024-06-03`); a whole number; a level (`public`, `internal`, `restricted`); "
        "`→ table` a record of that table by ref (by name for courts, by natural key "
        "for `withdraws`); `list → table` several, separated by `;` in CSV and XLSX "
        "(a list in JSON).",
        "- **required**: an empty cell is refused, and a new record needs the column. "
        "A column left out of a file leaves the stored value alone; an empty cell "
        "clears it.",
        "- **model field**: the field of `vigil.cases.models` the column maps to.",
        "",
    ]
    for table in (*TABLES, COURTS):
        lines += _table_markdown(table)
    return "\n".join(lines).rstrip("\n") + "\n"
