"""Mappings for published lists: nested JSON, patterns, several values per cell,
sources, rows merged into one person, dropped cells, wrong-width rows, byte-order marks.

Every expectation is written out by hand from the input the test writes (or from the
fixture files in ``tests/cases/lists/``) and read back with the ORM.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from vigil.errors import InputError

LISTS = Path(__file__).resolve().parent / "lists"


def models():
    from vigil.cases import models as m

    return m


def import_file(*args: Any, **kwargs: Any):
    from vigil.cases.importers import import_file as run

    return run(*args, **kwargs)


def csv_text(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def names_of(ref: str) -> list[tuple[str, str, str]]:
    person = models().Person.objects.get(ref=ref)
    return list(person.names.order_by("id").values_list("name", "language", "kind"))


def total() -> int:
    m = models()
    return sum(
        model.objects.count()
        for model in (
            m.Person,
            m.PersonName,
            m.Organisation,
            m.Affiliation,
            m.Designation,
            m.Source,
            m.StatusEvent,
            m.Sentence,
            m.Case,
        )
    )


def all_unchanged(report) -> bool:
    return report.ok and {o.action for o in report.outcomes} == {"unchanged"}


# -- nested JSON -----------------------------------------------------------------


def test_nested_json_records_with_their_category(registry):
    """tests/cases/lists/political.json: 3 categories, 5 prisoner records, M-1 in two
    categories (one person, both categories kept), the last category empty."""
    data, mapping = LISTS / "political.json", LISTS / "political.mapping.toml"
    report = import_file(data, mapping)
    assert report.ok, [str(p) for p in report.problems]
    m = models()
    assert sorted(m.Person.objects.values_list("ref", flat=True)) == ["M-1", "M-2", "M-3", "M-4"]
    assert names_of("M-1") == [
        ("Иван Петров", "ru-Cyrl", "primary"),
        ("Ваня", "ru-Cyrl", "alias"),
        ("Petrov I.", "ru-Cyrl", "alias"),
    ]
    assert str(m.Person.objects.get(ref="M-2").birth_date) == "1985-04"
    memorial = m.Organisation.objects.get()
    assert (memorial.name, memorial.kind) == ("Memorial", "ngo")
    designations = {
        d.person.ref: (d.organisation.name, d.criteria, d.source.url if d.source else None)
        for d in m.Designation.objects.all()
    }
    assert designations == {
        "M-1": ("Memorial", "Religious; Ukraine-related", "https://list.example/m-1"),
        "M-2": ("Memorial", "Religious", "https://list.example/m-2"),
        "M-3": ("Memorial", "Ukraine-related", None),
        "M-4": ("Memorial", "Ukraine-related", None),
    }
    urls = set(m.Source.objects.values_list("url", flat=True))
    assert urls == {
        "https://list.example/m-1",
        "https://news.example/a",
        "https://list.example/m-2",
    }
    assert set(m.Source.objects.values_list("visibility", flat=True)) == {0}  # [defaults]
    sentences = {s.person.ref: (s.term, s.term_months, s.regime) for s in m.Sentence.objects.all()}
    assert sentences == {"M-3": ("life", None, ""), "M-4": ("", 18, "strict")}
    before = total()
    assert all_unchanged(import_file(data, mapping))
    assert total() == before


def test_nested_json_problem_names_the_record(registry, tmp_path):
    doc = {
        "categories": [
            {"name": "A", "prisoners": [{"name": "Ok One", "sex": "male"}]},
            {"name": "B", "prisoners": [{"name": "X"}, {"name": "Bad Two", "sex": "robot"}]},
        ]
    }
    mapping = {
        "format": "people",
        "records": "categories[].prisoners[]",
        "columns": {"name": "name:en", "sex": "person.sex", "categories[].name": "ignore"},
    }
    report = import_file(write(tmp_path, "nested.json", json.dumps(doc)), mapping)
    [problem] = report.problems
    assert (problem.row, problem.column, problem.where) == (3, "sex", "categories[2].prisoners[2]")
    assert str(problem).startswith(
        'nested.json: row 3 (categories[2].prisoners[2]), column "sex": expected one of'
    )
    assert models().Person.objects.count() == 0


def test_nested_json_fields_of_the_document_and_of_nested_objects(registry, tmp_path):
    doc = {
        "list": "Watch list 2024",
        "version": 3,
        "people": [
            {"name": "Anna", "detention": {"date": "2024-03-01", "place": "Minsk"}},
            {"name": "Boris", "detention": {"date": "2024-04", "place": ""}},
        ],
    }
    mapping = {
        "format": "people",
        "records": "people[]",
        "columns": {
            "name": "name:en",
            "$.list": "designation.criteria",
            "detention.date": "event.date",
            "detention.place": "event.place",
        },
        "defaults": {"designation.organisation": "Watch", "event.kind": "detained"},
    }
    report = import_file(write(tmp_path, "doc.json", json.dumps(doc)), mapping)
    assert report.ok, [str(p) for p in report.problems]
    m = models()
    assert set(m.Designation.objects.values_list("criteria", flat=True)) == {"Watch list 2024"}
    events = {
        (e.person.names.get().name, str(e.date), e.place) for e in m.StatusEvent.objects.all()
    }
    assert events == {("Anna", "2024-03-01", "Minsk"), ("Boris", "2024-04", "")}


def test_nested_json_path_errors(registry, tmp_path):
    doc = write(tmp_path, "n.json", json.dumps({"categories": {"name": "not a list"}}))
    base = {"format": "people", "columns": {"name": "name:en"}}
    with pytest.raises(InputError, match=r"^n\.json: categories is not a list"):
        import_file(doc, {**base, "records": "categories[].prisoners[]"})
    with pytest.raises(InputError, match=r"must end in \[\]"):
        import_file(doc, {**base, "records": "categories"})
    with pytest.raises(InputError, match=r"no record at 'people\[\]'"):
        import_file(doc, {**base, "records": "people[]"})
    sheet = write(tmp_path, "p.csv", "name\nA\n")
    with pytest.raises(InputError, match=r"is for a JSON file"):
        import_file(sheet, {**base, "records": "people[]"})


# -- one column, several targets; several values per cell --------------------------

SENTENCE = {
    "format": "people",
    "columns": {
        "ID": "person.ref",
        "Name": "name:en",
        "Sentence": {
            "patterns": [
                {"match": "(?i)life|detention", "target": "sentence.term"},
                {"match": r"\d{4}-\d\d-\d\d", "target": "sentence.start"},
                {
                    "match": r"(\d+) years?, (\w+)",
                    "targets": ["sentence.term", "sentence.regime"],
                },
            ]
        },
    },
}


def test_one_column_to_several_targets_by_pattern(registry, tmp_path):
    rows = [
        ["ID", "Name", "Sentence"],
        ["P1", "Anna", "life"],
        ["P2", "Boris", "2019-05-03"],
        ["P3", "Chen", "7 years, strict"],
        ["P4", "Dana", ""],
    ]
    report = import_file(write(tmp_path, "s.csv", csv_text(rows)), SENTENCE)
    assert report.ok, [str(p) for p in report.problems]
    found = {
        s.person.ref: (s.term, str(s.start) if s.start else None, s.regime)
        for s in models().Sentence.objects.all()
    }
    assert found == {
        "P1": ("life", None, ""),
        "P2": ("", "2019-05-03", ""),
        "P3": ("7", None, "strict"),
    }


def test_a_value_no_pattern_takes_rejects_its_row(registry, tmp_path):
    rows = [["ID", "Name", "Sentence"], ["P1", "Anna", "life"], ["P2", "Boris", "soon"]]
    report = import_file(write(tmp_path, "s.csv", csv_text(rows)), SENTENCE)
    [problem] = report.problems
    assert (problem.row, problem.column) == (3, "Sentence")
    assert "'soon' matches none of the patterns" in problem.problem
    assert models().Person.objects.count() == 0  # one transaction: nothing written


def test_several_values_per_cell(registry, tmp_path):
    mapping = {
        "format": "people",
        "columns": {
            "ID": "person.ref",
            "Name": "name:az-Latn",
            "Aliases": {"target": "name:az-Latn:alias", "split": [";", "\n"]},
            "Parties": {"target": "affiliation.organisation", "split": ";"},
            "Articles": {"target": "case.articles", "split": ","},
            "Case": "case.ref",
        },
        "defaults": {"case.country": "XV"},
    }
    rows = [
        ["ID", "Name", "Aliases", "Parties", "Articles", "Case"],
        ["P1", "Əli Kərimli", "Ali K.; Əli\nAK", "Party A; Party B", "283.1, 220", "C1"],
        ["P2", "Tofiq Yaqublu", "", "Party B", "", ""],
    ]
    report = import_file(write(tmp_path, "v.csv", csv_text(rows)), mapping)
    assert report.ok, [str(p) for p in report.problems]
    m = models()
    assert names_of("P1") == [
        ("Əli Kərimli", "az-Latn", "primary"),
        ("Ali K.", "az-Latn", "alias"),
        ("Əli", "az-Latn", "alias"),
        ("AK", "az-Latn", "alias"),
    ]
    memberships = set(m.Affiliation.objects.values_list("person__ref", "organisation__name"))
    assert memberships == {("P1", "Party A"), ("P1", "Party B"), ("P2", "Party B")}
    assert m.Organisation.objects.count() == 2
    articles = sorted(str(a) for a in m.Case.objects.get(ref="C1").articles.all())
    assert articles == ["Criminal Code 220", "Criminal Code 283.1"]
    before = total()
    assert all_unchanged(import_file(write(tmp_path, "v.csv", csv_text(rows)), mapping))
    assert total() == before


def test_two_values_for_a_one_value_target_is_a_row_problem(registry, tmp_path):
    mapping = {
        "format": "people",
        "columns": {"Name": "name:en", "Sex": {"target": "person.sex", "split": "/"}},
    }
    rows = [["Name", "Sex"], ["Anna", "female/male"]]
    [problem] = import_file(write(tmp_path, "x.csv", csv_text(rows)), mapping).problems
    assert (problem.row, problem.column) == (2, "Sex")
    assert "person.sex takes one value, got 'female', 'male'" in problem.problem


# -- sources -----------------------------------------------------------------------


def test_urls_become_the_sources_of_the_rows_event(registry, tmp_path):
    m = models()
    known = m.Source.objects.create(ref="S9", url="https://b.example/2", title="known")
    mapping = {
        "format": "people",
        "columns": {
            "ID": "person.ref",
            "Name": "name:en",
            "Status": "event.kind",
            "Date": "event.date",
            "Links": {"target": "source.url", "split": [" ", "\n"]},
        },
    }
    rows = [
        ["ID", "Name", "Status", "Date", "Links"],
        ["P1", "Anna", "arrested", "2024-03-01", "https://a.example/1 https://b.example/2"],
        ["P2", "Boris", "detained", "2024-04", "https://a.example/1"],
    ]
    path = write(tmp_path, "src.csv", csv_text(rows))
    report = import_file(path, mapping)
    assert report.ok, [str(p) for p in report.problems]
    assert m.Source.objects.count() == 2  # a.example/1 created once, b.example/2 is S9
    new = m.Source.objects.get(url="https://a.example/1")
    cited = {
        e.person.ref: sorted(s.ref for s in e.sources.all()) for e in m.StatusEvent.objects.all()
    }
    assert cited == {"P1": sorted([new.ref, "S9"]), "P2": [new.ref]}
    assert m.Source.objects.get(ref="S9").title == "known"  # matched, not changed
    assert new.visibility == 1  # a new source is internal unless [defaults] says otherwise
    assert known.pk == m.Source.objects.get(url="https://b.example/2").pk
    before = total()
    assert all_unchanged(import_file(path, mapping))
    assert total() == before


def test_urls_with_nothing_to_cite_them_are_a_row_problem(registry, tmp_path):
    mapping = {
        "format": "people",
        "columns": {"Name": "name:en", "Links": "source.url"},
    }
    rows = [["Name", "Links"], ["Anna", "https://a.example/1"]]
    [problem] = import_file(write(tmp_path, "x.csv", csv_text(rows)), mapping).problems
    assert (problem.row, problem.column) == (2, "Links")
    assert "event, case or designation" in problem.problem


# -- several rows, one person ------------------------------------------------------

MERGE = {
    "format": "people",
    "columns": {
        "ID": "person.ref",
        "Name": "name:en",
        "Sex": "person.sex",
        "Category": "designation.criteria",
        "Party": "affiliation.organisation",
    },
    "defaults": {"designation.organisation": "Rights Group"},
}


def test_rows_of_the_same_person_are_merged_with_their_categories(registry, tmp_path):
    rows = [
        ["ID", "Name", "Sex", "Category", "Party"],
        ["P1", "Anna", "female", "journalists", "Party A"],
        ["P2", "Boris", "male", "religious", ""],
        ["P1", "", "", "protesters", "Party B"],  # a continuation row: blanks say nothing
        ["P1", "Anna", "female", "journalists", ""],  # the same again
    ]
    path = write(tmp_path, "m.csv", csv_text(rows))
    report = import_file(path, MERGE)
    assert report.ok, [str(p) for p in report.problems]
    m = models()
    assert m.Person.objects.count() == 2
    anna = m.Person.objects.get(ref="P1")
    assert anna.sex == "female"
    assert names_of("P1") == [("Anna", "en", "primary")]
    designations = set(m.Designation.objects.values_list("person__ref", "criteria"))
    assert designations == {("P1", "journalists; protesters"), ("P2", "religious")}
    parties = set(anna.affiliations.values_list("organisation__name", flat=True))
    assert parties == {"Party A", "Party B"}
    before = total()
    assert all_unchanged(import_file(path, MERGE))
    assert total() == before


def test_rows_without_ref_merge_by_name_and_birth_date_or_by_a_key(registry, tmp_path):
    mapping = {
        "format": "people",
        "columns": {
            "No": "ignore",
            "Name": "name:en",
            "Born": "person.birth_date",
            "Category": "designation.criteria",
        },
        "defaults": {"designation.organisation": "Rights Group"},
    }
    rows = [
        ["No", "Name", "Born", "Category"],
        ["1", "Anna Ivanova", "1980", "journalists"],
        ["2", "anna  ivanova", "1980", "protesters"],  # the same folded name and birth
        ["3", "Anna Ivanova", "1981", "religious"],  # another birth date: another person
    ]
    assert import_file(write(tmp_path, "a.csv", csv_text(rows)), mapping).ok
    criteria = sorted(models().Designation.objects.values_list("criteria", flat=True))
    assert criteria == ["journalists; protesters", "religious"]
    # person_key: the list's own number says which rows are one person
    keyed = {**mapping, "person_key": "No"}  # "No" is an ignored column: it may be the key
    rows = [
        ["No", "Name", "Born", "Category"],
        ["7", "Li Wei", "", "labour"],
        ["7", "", "", "religious"],
    ]
    report = import_file(write(tmp_path, "b.csv", csv_text(rows)), keyed)
    assert report.ok, [str(p) for p in report.problems]
    li = models().PersonName.objects.get(name="Li Wei").person
    assert list(li.designations.values_list("criteria", flat=True)) == ["labour; religious"]


def test_rows_of_one_person_that_disagree_are_a_problem_of_the_later_row(registry, tmp_path):
    rows = [
        ["ID", "Name", "Sex", "Category", "Party"],
        ["P1", "Anna", "female", "journalists", ""],
        ["P1", "Anna", "male", "protesters", ""],
    ]
    report = import_file(write(tmp_path, "d.csv", csv_text(rows)), MERGE)
    [problem] = report.problems
    assert (problem.row, problem.column) == (3, "Sex")
    assert "row 2 gives 'female' for the same person, this row 'male'" in problem.problem
    assert models().Person.objects.count() == 0


def test_a_later_row_of_a_rejected_person_is_rejected_too(registry, tmp_path):
    rows = [
        ["ID", "Name", "Sex", "Category", "Party"],
        ["P1", "Anna", "robot", "journalists", ""],  # a bad sex: the person is rejected
        ["P1", "", "", "protesters", "Party B"],
        ["P2", "", "", "religious", ""],  # a new person without a name
        ["P2", "Boris", "", "labour", ""],
    ]
    strict = {**MERGE, "optional": False}  # a bad sex rejects the row
    report = import_file(write(tmp_path, "r.csv", csv_text(rows)), strict, skip_invalid=True)
    found = {(p.row, p.column) for p in report.problems}
    assert found == {(2, "Sex"), (3, ""), (4, "Name"), (5, "")}
    third = {p.problem for p in report.problems if p.row == 3}
    assert third == {  # its membership needs the person, its category row 2's designation
        "refers to the person of row 2 (people), which was rejected",
        "refers to the designations of row 2 (designations), which was rejected",
    }
    fifth = [p.problem for p in report.problems if p.row == 5]
    assert fifth == ["the person of row 4 was rejected (see row 4)"]
    m = models()
    assert m.Person.objects.count() == 0 and m.Affiliation.objects.count() == 0


# -- --skip-invalid and optional cells ---------------------------------------------

OPTIONAL = {
    "format": "people",
    "columns": {
        "ID": "person.ref",
        "Name": "name:en",
        "Sex": "person.sex",
        "Status": "event.kind",
        "Date": "event.date",
    },
    "optional": ["Sex"],
}


def test_skip_invalid_drops_a_bad_optional_cell_and_keeps_the_person(registry, tmp_path):
    rows = [
        ["ID", "Name", "Sex", "Status", "Date"],
        ["P1", "Anna", "robot", "arrested", "2024-03-01"],  # bad optional cell
        ["P2", "Boris", "male", "arrested", "32.13.2024"],  # bad required cell
        ["P3", "Chen", "male", "detained", "2024-04"],
    ]
    path = write(tmp_path, "o.csv", csv_text(rows))
    strict = import_file(path, OPTIONAL)  # without --skip-invalid: nothing written
    assert not strict.committed and models().Person.objects.count() == 0
    assert {(p.row, p.column, p.dropped) for p in strict.problems} == {
        (2, "Sex", False),
        (3, "Date", False),
    }
    report = import_file(path, OPTIONAL, skip_invalid=True)
    assert report.committed
    found = {(p.row, p.column, p.dropped) for p in report.problems}
    assert found == {(2, "Sex", True), (3, "Date", False)}
    dropped = next(p for p in report.problems if p.dropped)
    assert str(dropped).startswith('o.csv: row 2, column "Sex": expected one of')
    assert dropped.problem.endswith("the cell was left out, the row kept")
    m = models()
    assert sorted(m.Person.objects.values_list("ref", "sex")) == [("P1", ""), ("P3", "male")]
    assert m.StatusEvent.objects.filter(person__ref="P1", kind="arrested").count() == 1
    frame = report.frame()
    anna = frame[(frame.table == "people") & (frame.row == 2)].iloc[0]
    assert anna.action == "create" and anna.problem.startswith("Sex: expected one of")


def test_a_dropped_cell_leaves_the_stored_value_alone(registry, tmp_path):
    rows = [["ID", "Name", "Sex", "Status", "Date"], ["P1", "Anna", "female", "", ""]]
    assert import_file(write(tmp_path, "a.csv", csv_text(rows)), OPTIONAL).ok
    rows[1][2] = "robot"
    report = import_file(write(tmp_path, "b.csv", csv_text(rows)), OPTIONAL, skip_invalid=True)
    assert [p.dropped for p in report.problems] == [True]
    assert models().Person.objects.get(ref="P1").sex == "female"


def test_a_pattern_miss_in_an_optional_column_is_dropped(registry, tmp_path):
    """``optional = true`` makes optional every column that can be: not SENTENCE's
    "Sentence", which may give sentence.start (a sentence's key)."""
    rows = [["ID", "Name", "Sentence"], ["P1", "Anna", "soon"]]
    path = write(tmp_path, "s.csv", csv_text(rows))
    keyed = import_file(path, {**SENTENCE, "optional": True}, skip_invalid=True)
    assert [(p.row, p.column, p.dropped) for p in keyed.problems] == [(2, "Sentence", False)]
    assert models().Person.objects.count() == 0
    terms = dict(SENTENCE["columns"]["Sentence"])
    terms["patterns"] = [terms["patterns"][0], terms["patterns"][2]]  # no sentence.start
    mapping = {**SENTENCE, "columns": {**SENTENCE["columns"], "Sentence": terms}}
    report = import_file(path, {**mapping, "optional": True}, skip_invalid=True)
    [problem] = report.problems
    assert (problem.row, problem.column, problem.dropped) == (2, "Sentence", True)
    assert models().Person.objects.get(ref="P1").sentences.count() == 0


def test_a_column_that_says_which_record_cannot_be_optional(registry, tmp_path):
    sheet = write(tmp_path, "x.csv", csv_text([["ID", "Name", "Sex", "Status", "Date"]]))
    for column in ("Date", "ID", "Name"):
        with pytest.raises(InputError, match=rf'"{column}": cannot be optional'):
            import_file(sheet, {**OPTIONAL, "optional": [column]})


# -- wrong-width rows ----------------------------------------------------------------


def test_a_truncated_last_row_is_refused_with_its_number(registry, tmp_path):
    text = "ID,Name,Sex\nP1,Anna,female\nP2,Bor"  # cut off in the middle of the last row
    mapping = {"format": "people", "columns": {"ID": "person.ref", "Name": "name:en"}}
    with pytest.raises(InputError) as info:
        import_file(write(tmp_path, "cut.csv", text), mapping)
    assert str(info.value).startswith('cut.csv: row 3, column "Sex": the row has 2 cells')
    assert models().Person.objects.count() == 0


def test_a_row_with_more_cells_than_the_header_is_refused(registry, tmp_path):
    text = "ID,Name\nP1,Anna\nP2,Boris,extra\n"
    mapping = {"format": "people", "columns": {"ID": "person.ref", "Name": "name:en"}}
    with pytest.raises(InputError, match=r"^wide\.csv: row 3 has 3 cells but the header has 2"):
        import_file(write(tmp_path, "wide.csv", text), mapping)


def test_a_short_row_under_unnamed_columns_is_read(registry, tmp_path):
    text = "ID,Name,\nP1,Anna\n"  # the missing cell has no column name
    mapping = {"format": "people", "columns": {"ID": "person.ref", "Name": "name:en"}}
    assert import_file(write(tmp_path, "ok.csv", text), mapping).ok


# -- byte-order marks ----------------------------------------------------------------

BOM_MAPPING = {"format": "people", "columns": {"ID": "person.ref", "ФИО": "name:ru-Cyrl"}}
BOM_TEXT = "ID,ФИО\nP1,Любовь Лизунова\n"


@pytest.mark.parametrize(
    "bom, codec",
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_byte_order_marks_are_recognised(registry, tmp_path, bom, codec):
    path = write(tmp_path, "bom.csv", bom + BOM_TEXT.encode(codec))
    report = import_file(path, BOM_MAPPING)
    assert report.ok, [str(p) for p in report.problems]
    assert names_of("P1") == [("Любовь Лизунова", "ru-Cyrl", "primary")]


def test_utf16_json_with_a_byte_order_mark(registry, tmp_path):
    rows = json.dumps([{"ID": "P1", "ФИО": "Любовь Лизунова"}], ensure_ascii=False)
    path = write(tmp_path, "list.json", codecs.BOM_UTF16_LE + rows.encode("utf-16-le"))
    assert import_file(path, BOM_MAPPING).ok
    assert names_of("P1") == [("Любовь Лизунова", "ru-Cyrl", "primary")]


def test_utf16_without_a_byte_order_mark_names_the_encoding_option(registry, tmp_path):
    path = write(tmp_path, "nobom.csv", BOM_TEXT.encode("utf-16-le"))
    with pytest.raises(InputError) as info:
        import_file(path, BOM_MAPPING)
    message = str(info.value)
    assert message.startswith("nobom.csv: ") and "--encoding utf-16-le" in message
    assert "\n" not in message
    assert models().Person.objects.count() == 0
    assert import_file(path, BOM_MAPPING, encoding="utf-16-le").ok
    assert names_of("P1") == [("Любовь Лизунова", "ru-Cyrl", "primary")]


# -- mapping errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, message",
    [
        ({"split": ";"}, "give a target, or patterns"),
        ({"target": "person.sex", "colour": 1}, "unknown key 'colour'"),
        ({"patterns": [{"match": "(", "target": "sentence.term"}]}, "not a regular expression"),
        (
            {"patterns": [{"match": "(a)(b)", "targets": ["sentence.term"]}]},
            "1 targets for 2 groups",
        ),
        ({"patterns": [{"match": "x", "target": "sentence.length"}]}, "unknown target"),
    ],
)
def test_mapping_errors_name_the_column(registry, tmp_path, column, message):
    mapping = {"format": "people", "columns": {"Name": "name:en", "S": column}}
    sheet = write(tmp_path, "x.csv", "Name,S\nA,b\n")
    with pytest.raises(InputError) as info:
        import_file(sheet, mapping)
    assert message in str(info.value) and '"S"' in str(info.value)


def test_a_former_name_is_a_kind_of_its_own(registry, tmp_path):
    """Names have parts and kinds: primary, transliteration, birth, former, alias. A
    former name (given up on marriage) maps with ``name:LANG:former`` and is found."""
    from vigil.cases import search
    from vigil.cases.levels import Level

    rows = [["ID", "Name", "Former"], ["F1", "Leyla Həsənova", "Leyla Quliyeva"]]
    mapping = {
        "format": "people",
        "columns": {"ID": "person.ref", "Name": "name:az-Latn", "Former": "name:az-Latn:former"},
    }
    report = import_file(write(tmp_path, "f.csv", csv_text(rows)), mapping)
    assert report.ok, [str(p) for p in report.problems]
    assert names_of("F1") == [
        ("Leyla Həsənova", "az-Latn", "primary"),
        ("Leyla Quliyeva", "az-Latn", "former"),
    ]
    (hit,) = search.find("Leyla Quliyeva", Level.PUBLIC)
    assert (hit["ref"], hit["name"], hit["matched"]) == ("F1", "Leyla Həsənova", "Leyla Quliyeva")


def test_aliases_in_brackets_become_names_of_their_own(registry, tmp_path):
    """A name cell that writes aliases in brackets (full-width too) gives the person
    one name and an alias per bracketed name; brackets holding a digit are a note,
    kept as written. Re-importing changes nothing."""
    rows = [
        ["ID", "Name"],
        ["C1", "王玉文（王藏）"],
        ["C2", "Ali Karimli (Ali Kerimov; Əli Kərimov)"],
        ["C3", "Tofiq Yaqublu (b. 1961)"],
    ]
    mapping = {"format": "people", "columns": {"ID": "person.ref", "Name": "name:und"}}
    path = write(tmp_path, "a.csv", csv_text(rows))
    assert import_file(path, mapping).ok
    assert names_of("C1") == [("王玉文", "und", "primary"), ("王藏", "und", "alias")]
    assert names_of("C2") == [
        ("Ali Karimli", "und", "primary"),
        ("Ali Kerimov", "und", "alias"),
        ("Əli Kərimov", "und", "alias"),
    ]
    assert names_of("C3") == [("Tofiq Yaqublu (b. 1961)", "und", "primary")]
    again = import_file(path, mapping)
    assert {o.action for o in again.outcomes} == {"unchanged"}
