"""The one description of the interchange tables (vigil.cases.schema) against what
is derived from it and what it describes: the models, the generated reference
(docs/interchange.md), the importer's reading and the exporter's writing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigil.cases import schema
from vigil.cases.levels import Level
from vigil.cases.schema import COURTS, INTERNAL, NOT_EXCHANGED, TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "interchange.md"
EVERY = (*TABLES, COURTS)


def test_the_committed_reference_is_the_generated_one():
    """docs/interchange.md is written by schema.markdown(): regenerate it with the
    command at its top when a column changes."""
    committed = DOC.read_text(encoding="utf-8")
    generated = schema.markdown()
    if committed != generated:
        old, new = committed.splitlines(), generated.splitlines()
        first = next(
            (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
            min(len(old), len(new)),
        )
        got = old[first] if first < len(old) else "(end)"
        want = new[first] if first < len(new) else "(end)"
        pytest.fail(
            f"docs/interchange.md differs from schema.markdown() at line {first + 1}:\n"
            f"  committed: {got}\n  generated: {want}"
        )


def test_the_reference_names_every_table_and_column():
    text = schema.markdown()
    for table in EVERY:
        assert f"\n## {table.name}\n" in text
        section = text.split(f"\n## {table.name}\n")[1].split("\n## ")[0]
        for column in table.columns:
            assert f"| `{column.name}` | {column.level.label} |" in section, column.name
            assert column.doc, f"{table.name}.{column.name} has no description"
    # the vocabularies are spelled out, from the model's choices
    assert "`detained`, `arrested`" in text and "`scheduled`, `held`, `postponed`" in text


def _model(name: str):
    from vigil.cases import models

    return getattr(models, name)


def _exchanged_fields(model) -> set[str]:
    """The model's own fields (concrete and many-to-many, not reverse relations)."""
    return {f.name for f in (*model._meta.fields, *model._meta.many_to_many)}


@pytest.mark.parametrize("table", EVERY, ids=lambda t: t.name)
def test_every_column_is_a_model_field_of_its_kind(registry, table):
    from django.db import models as dj

    from vigil.cases.fields import PartialDateField

    model = _model(table.model)
    by_model = {t.name: t.model for t in EVERY}
    for c in table.columns:
        where = f"{table.name}.{c.name}"
        field = model._meta.get_field(c.field)  # a FieldDoesNotExist names it
        assert c.field in (field.name, field.attname), where
        if c.read in ("ref", "court", "withdraws"):
            assert isinstance(field, dj.ForeignKey), where
            assert field.related_model is _model(by_model[c.target]), where
            assert c.field == field.attname, where  # the importer writes the id
            assert c.required == (not field.null), where
        elif c.read in schema.MANY:
            assert isinstance(field, dj.ManyToManyField), where
            assert field.related_model is _model(by_model[c.target]), where
        elif c.read == "date":
            assert isinstance(field, PartialDateField), where
        elif c.read == "int":
            assert isinstance(field, dj.IntegerField) and not field.choices, where
        elif c.read == "level":
            assert c.name == "visibility" and field.choices == Level.choices, where
        elif c.read == "overrides":
            assert isinstance(field, dj.JSONField) and table.per_field, where
        elif c.read == "vocab":
            assert isinstance(field, dj.CharField), where
            assert list(field.choices) == list(c.vocab.choices), where
        else:
            assert c.read == "text", where
            assert isinstance(field, dj.CharField | dj.TextField), where
            # a field with a vocabulary must be read through it
            assert not field.choices, f"{where}: the model has choices; read it as vocab"
        if c.required:  # nothing the model may leave empty is refused on import
            assert not field.blank and not field.null, where


@pytest.mark.parametrize("table", EVERY, ids=lambda t: t.name)
def test_every_model_field_is_a_column_or_internal(registry, table):
    model = _model(table.model)
    described = {model._meta.get_field(c.field).name for c in table.columns}
    internal = set(INTERNAL["*"]) | set(INTERNAL.get(table.model, {}))
    fields = _exchanged_fields(model)
    assert fields - described - internal == set(), f"{table.model}: neither column nor internal"
    assert internal - fields - {"id"} == set(), f"{table.model}: INTERNAL names no field"
    assert described & internal == set()


def test_every_model_is_a_table_or_not_exchanged(registry):
    from django.apps import apps

    models = {m.__name__ for m in apps.get_app_config("cases").get_models()}
    tables = {t.model for t in EVERY}
    assert models == tables | set(NOT_EXCHANGED)
    assert not tables & set(NOT_EXCHANGED)
    assert set(INTERNAL) - {"*"} <= tables


def test_the_default_level_the_reference_gives_is_the_models(registry):
    for table in TABLES:
        if "visibility" not in table.names:
            continue
        default = Level(_model(table.model)._meta.get_field("visibility").default)
        doc = table.column("visibility").doc
        assert f"(new rows: {default.label})" in doc, table.name


def test_the_description_matches_the_importer_and_policy(registry):
    """What the engine and the policy derive from the description."""
    from vigil.cases import policy
    from vigil.cases.importers import engine

    assert list(engine.SPEC) == ["courts", *(t.name for t in TABLES)]
    assert engine.DEFERRED == {"people": "merged_into", "events": "withdraws"}
    # the pointers an export blanks (and an import keeps) when their target is hidden:
    # exactly the policy's optional ones (docs/cases.md, Visibility)
    assert engine.HIDDEN_POINTERS == {
        "merged_into_id": "people",
        "withdraws_id": "events",
        "source_id": "sources",
    }
    for table in TABLES:
        for fk, _nullable in policy.REQUIRED.get(table.model, ()):
            assert table.column(fk).read == "ref", (table.name, fk)
        for key in table.key:
            assert key in table.names


#: A document in which every column of every table holds a value, written as an
#: export writes it (rows in the export's order, lists sorted).
FILLED = {
    "sources": [
        {"ref": "S1", "title": "T", "url": "https://example.org/a", "file_name": "a.pdf",
         "sha256": "ab" * 32, "publisher": "Pub", "published": "2024-05",
         "reliability": "reliable", "notes": "n", "visibility": "public"},
        {"ref": "S2", "title": "U", "url": "", "file_name": "", "sha256": "", "publisher": "",
         "published": None, "reliability": "", "notes": "", "visibility": "internal"},
    ],
    "organisations": [
        {"ref": "O1", "name": "Party", "short_name": "P", "kind": "party", "country": "XV",
         "notes": "n", "visibility": "public"},
    ],
    "people": [
        {"ref": "P1", "sex": "male", "birth_date": "1970", "occupation": "", "photo": "",
         "notes": "", "contacts": "", "visibility": "public", "field_visibility": {},
         "merged_into": None},
        {"ref": "P2", "sex": "female", "birth_date": "1971-02", "occupation": "o",
         "photo": "p.jpg", "notes": "n", "contacts": "c", "visibility": "public",
         "field_visibility": {"notes": "public"}, "merged_into": "P1"},
    ],
    "names": [
        {"person": "P2", "name": "Ad Soyad", "language": "az-Latn", "kind": "alias",
         "visibility": "public"},
    ],
    "affiliations": [
        {"person": "P2", "organisation": "O1", "role": "member", "start": "2000",
         "end": "2010", "visibility": "public"},
    ],
    "articles": [
        {"country": "XV", "code": "Criminal Code", "article": "283.1", "title": "t"},
    ],
    "cases": [
        {"ref": "C1", "number": "1-1", "title": "t", "kind": "administrative",
         "country": "XV", "courts": ["Court A", "Court B"],
         "articles": ["Criminal Code 283.1"], "opened": "2024", "summary": "s",
         "lawyer_notes": "l", "sources": ["S1", "S2"], "visibility": "public",
         "field_visibility": {"summary": "internal"}},
    ],
    "participants": [
        {"case": "C1", "person": "P2", "role": "defendant", "visibility": "public"},
    ],
    "events": [
        {"person": "P2", "kind": "arrested", "date": "2024-01-02", "case": "C1",
         "place": "p", "facility": "f", "notes": "n", "sources": ["S1"], "withdraws": None,
         "visibility": "public"},
        {"person": "P2", "kind": "detained", "date": "2024-01-02", "case": "C1",
         "place": "", "facility": "", "notes": "", "sources": [],
         "withdraws": ["P2", "arrested", "2024-01-02", "C1"], "visibility": "public"},
    ],
    "hearings": [
        {"case": "C1", "date": "2024-02", "kind": "trial", "court": "Court A",
         "outcome": "postponed", "postponement_reason": "r", "next_date": "2024-03",
         "notes": "n", "sources": ["S1"], "visibility": "public"},
    ],
    "sentences": [
        {"person": "P2", "case": "C1", "term": "5 years", "term_months": 60,
         "regime": "general", "start": "2024-04", "expected_release": "2029-04",
         "visibility": "public"},
    ],
    "designations": [
        {"person": "P2", "organisation": "O1", "criteria": "PACE", "since": "2024",
         "until": "2025", "source": "S1", "visibility": "public"},
    ],
    "releases": [
        {"ref": "R1", "organisation": "O1", "title": "List", "published": "2024-06",
         "source": "S1", "visibility": "public"},
    ],
    "entries": [
        {"release": "R1", "person": "P2", "position": 1, "category": "c",
         "visibility": "public"},
    ],
    "incidents": [
        {"ref": "I1", "date": "2026-03-05", "place": "Velora, Azadlıq meydanı",
         "country": "XV", "kind": "protest_detention", "organiser": "Party",
         "detained": 258, "summary": "258 detained at the rally", "notes": "n",
         "sources": ["S1"], "visibility": "public"},
    ],
    "incident_people": [
        {"incident": "I1", "person": "P1", "visibility": "public"},
    ],
}  # fmt: skip


def test_every_column_is_read_and_written(registry, tmp_path):
    """A document with a value in every column of every table, imported into an empty
    registry, exports as itself; at public level, without what public may not see."""
    from vigil.cases.exporters import export
    from vigil.cases.importers import import_file

    for table in TABLES:  # the fixture covers the description
        for column in table.columns:
            assert any(r[column.name] not in (None, "", [], {}) for r in FILLED[table.name]), (
                f"{table.name}.{column.name}"
            )
    path = tmp_path / "filled.json"
    path.write_text(json.dumps({"vigil_cases": 1, "level": "restricted", **FILLED}))
    report = import_file(path)
    assert report.ok, report.problems
    got = json.loads(export("restricted", "json"))
    assert {k: v for k, v in got.items() if k in FILLED} == FILLED
    assert list(got) == ["vigil_cases", "level", *(t.name for t in TABLES)]
    public = json.loads(export("public", "json"))
    assert public["cases"][0]["sources"] == ["S1"]  # the internal source is dropped
    assert "summary" not in public["cases"][0] and "lawyer_notes" not in public["cases"][0]
    assert public["people"][1]["notes"] == "n"  # moved to public for this person
    assert "contacts" not in public["people"][1] and "field_visibility" not in public["people"][1]
